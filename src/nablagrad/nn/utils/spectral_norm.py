"""Spectral normalisation by a forward pre-hook (torch.nn.utils.spectral_norm, older API).

``w = w_orig / sigma`` with ``sigma = u . (W v)`` the largest singular value of ``W`` (the weight
reshaped to ``(w.shape[dim], -1)``), estimated by power iteration: in training mode each
forward runs ``n_power_iterations`` of ``v = normalize(W^T u)``, ``u = normalize(W v)`` and
stores ``u``, ``v`` in the buffers ``weight_u``, ``weight_v``; in eval mode they are reused.

Example:
    >>> import nablagrad as torch
    >>> m = torch.nn.utils.spectral_norm(torch.nn.Linear(3, 4))
    >>> list(m.state_dict())
    ['bias', 'weight_orig', 'weight_u', 'weight_v']
"""

from __future__ import annotations

from typing import Any

from ... import creation
from ...autograd import no_grad
from ...tensor import Tensor
from ..parameter import Parameter, is_lazy

__all__ = ["SpectralNorm", "remove_spectral_norm", "spectral_norm"]


def _normalize_into(x: Tensor, eps: float, out: Tensor | None = None) -> Tensor:
    """``x / max(||x||_2, eps)``, written into ``out`` when given (no autograd)."""
    with no_grad():
        y = x / (x * x).sum().sqrt().clamp(min=eps)
    if out is None:
        return y
    out._data[...] = y._data
    out._version += 1
    return out


def _reshape_to_matrix(weight: Tensor, dim: int) -> Tensor:
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim])
    return weight.reshape(weight.shape[0], -1)


def _is_conv_transpose(module: Any) -> bool:
    return type(module).__name__.startswith(("ConvTranspose", "LazyConvTranspose"))


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name> = <name>_orig / sigma``."""

    _version = 1

    def __init__(
        self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but got "
                f"n_power_iterations={n_power_iterations}"
            )
        self.name, self.dim, self.n_power_iterations, self.eps = name, dim, n_power_iterations, eps

    def reshape_weight_to_matrix(self, weight: Tensor) -> Tensor:
        return _reshape_to_matrix(weight, self.dim)

    def compute_weight(self, module: Any, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    _normalize_into(weight_mat.t() @ u, self.eps, v)
                    _normalize_into(weight_mat @ v, self.eps, u)
            u, v = u.clone(), v.clone()
        sigma = (u * (weight_mat @ v)).sum()
        return weight / sigma

    def remove(self, module: Any) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        for n in (self.name, self.name + "_u", self.name + "_v", self.name + "_orig"):
            delattr(module, n)
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Any, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(module: Any, name: str, n_power_iterations: int, dim: int, eps: float) -> Any:
        for hook in (module.__dict__.get("_forward_pre_hooks") or {}).values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two spectral_norm hooks on the same parameter {name}"
                )
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(
                f"spectral_norm: module {type(module).__name__} has no parameter {name!r}"
            )
        if is_lazy(weight):
            raise ValueError(
                "The module passed to `SpectralNorm` can't have uninitialized parameters. Make "
                "sure to run the dummy forward before applying spectral normalization"
            )
        with no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            kw = {"dtype": weight.dtype, "device": weight.device}
            u = _normalize_into(creation.randn(h, **kw), fn.eps)
            v = _normalize_into(creation.randn(w, **kw), fn.eps)
        delattr(module, fn.name)
        module.register_parameter(fn.name + "_orig", weight)
        setattr(module, fn.name, weight.detach())
        module.register_buffer(fn.name + "_u", u)
        module.register_buffer(fn.name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(
    module: Any,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Any:
    """Divide ``module.<name>`` by its spectral norm before every forward (see module doc).

    ``dim`` defaults to 1 for transposed convolutions and 0 otherwise.
    """
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module: Any, name: str = "weight") -> Any:
    """Fold the spectral normalisation of ``<name>`` back into a plain parameter."""
    hooks = module.__dict__.get("_forward_pre_hooks") or {}
    for k, hook in list(hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del hooks[k]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
