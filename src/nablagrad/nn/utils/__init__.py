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
import types
import warnings
from collections.abc import Iterable
from typing import Any

from ... import creation
from ...autograd import no_grad
from ...backend import get_array_module
from ...ops.elementwise import clamp
from ...ops.linalg_fns import vector_norm
from ...ops.shape import cat, stack
from ...tensor import Tensor


def _as_list(parameters: Any) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def get_total_norm(
    tensors: Iterable[Tensor] | Tensor,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` viewed as one vector (as torch).

    Each tensor's ``linalg.vector_norm`` is taken, then the norm of those norms, so ``0``
    counts the non-zero elements and ``-inf`` takes the smallest absolute value.  ``foreach``
    is accepted for torch compatibility; nablagrad has a single implementation.
    """
    del foreach
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return creation.tensor(0.0)
    with no_grad():
        norms = [vector_norm(t, norm_type) for t in tensors]
        total = vector_norm(stack(norms), norm_type)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from "
            "`parameters` is non-finite, so it cannot be clipped. To disable "
            "this error and scale the gradients by the non-finite norm anyway, "
            "set `error_if_nonfinite=False`"
        )
    return total


def clip_grads_with_norm_(
    parameters: Iterable[Tensor] | Tensor,
    max_norm: float,
    total_norm: Tensor,
    foreach: bool | None = None,
) -> None:
    """Scale every gradient in place by ``min(max_norm / (total_norm + 1e-6), 1)`` (as torch).

    The scale is always applied, so a non-finite ``total_norm`` propagates into the gradients.
    """
    del foreach
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    max_norm = float(max_norm)
    with no_grad():
        coef = clamp(max_norm / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef)


def clip_grad_norm_(
    parameters: Iterable[Tensor] | Tensor,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale all gradients together so their joint ``norm_type``-norm is at most ``max_norm``.

    ``get_total_norm`` followed by ``clip_grads_with_norm_``; returns the total norm before
    clipping (as torch).
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and not parameters:
            warnings.warn(
                "`parameters` is an empty generator, no gradient clipping will occur.",
                stacklevel=2,
            )
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(
    parameters: Iterable[Tensor] | Tensor,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Deprecated alias of ``clip_grad_norm_`` (warns with a FutureWarning, as torch)."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(
    parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient element into [-clip_value, clip_value] in place.

    ``foreach`` is accepted for torch compatibility.
    """
    del foreach
    clip_value = float(clip_value)
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
from . import fusion, memory_format  # noqa: E402
from .fusion import (  # noqa: E402
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)
from .memory_format import (  # noqa: E402
    convert_conv2d_weight_memory_format,
    convert_conv3d_weight_memory_format,
)
