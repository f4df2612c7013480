"""``nn.utils``: gradient clipping, flat parameter vectors, weight/spectral norm, ``skip_init``;
submodules ``rnn`` (packed sequences), ``parametrize``, ``parametrizations`` and ``prune``.

clip_grad_norm_: total = (sum_p ||g_p||_q^q)^(1/q); every g_p *= min(1, max_norm / (total + 1e-6)).

Example:
    >>> import nablagrad as torch
    >>> net = torch.nn.Linear(3, 1)
    >>> net(torch.randn(4, 3)).sum().backward()
    >>> _ = torch.nn.utils.clip_grad_norm_(net.parameters(), 0.5)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ... import creation
from ...autograd import no_grad
from ...backend import get_array_module
from ...ops.shape import cat
from ...tensor import Tensor


def _as_list(parameters: Any) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(
    parameters: Iterable[Tensor] | Tensor,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so their joint ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm before clipping (as torch).
    """
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return creation.tensor(0.0)
    xp = get_array_module(grads[0]._data)
    norm_type = float(norm_type)
    if math.isinf(norm_type):
        total = max(float(xp.abs(g._data).max()) for g in grads)
    else:
        total = sum(float((xp.abs(g._data) ** norm_type).sum()) for g in grads) ** (1 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients is non-finite, so "
            "it cannot be clipped: pass error_if_nonfinite=False to skip this check"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g._data *= g._data.dtype.type(coef)
    return creation.tensor(total)


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value] in place."""
    for p in _as_list(parameters):
        if p.grad is not None:
            xp = get_array_module(p.grad._data)
            xp.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (a copy)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Write consecutive slices of ``vec`` into the parameters (in place)."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError("vector_to_parameters: expected a 1-D Tensor")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise ValueError(
            f"vector_to_parameters: vector has {vec.numel()} elements but the "
            f"parameters need {total}"
        )
    i = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p._data[...] = vec._data[i : i + n].reshape(p._data.shape)
            p._version += 1
            i += n


from . import rnn  # noqa: E402  (torch.nn.utils.rnn)
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: E402
from .weight_norm import remove_weight_norm, weight_norm  # noqa: E402


def skip_init(module_cls: type, *args: Any, **kwargs: Any) -> Any:
    """Build ``module_cls(*args, **kwargs)`` whose parameters are left for the caller to set.

    torch builds on the meta device and allocates uninitialised memory; nablagrad builds the
    module directly (its parameters hold the class's usual initial values, which the caller is
    expected to overwrite).  As in torch, the class must accept a ``device`` keyword.
    """
    import inspect

    if not isinstance(module_cls, type):
        raise RuntimeError(f"Expected a Module class, but got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs = dict(kwargs)
    kwargs.setdefault("device", "cpu")
    return module_cls(*args, **kwargs)


from . import parametrizations, parametrize, prune  # noqa: E402
