"""Weight normalisation by a forward pre-hook (torch.nn.utils.weight_norm, the older API).

``w = g * v / ||v||``, the norm taken over every dimension except ``dim`` (over all of them
when ``dim`` is None).  The module's ``weight`` is replaced by parameters ``weight_g`` (the
norms, shape 1 except at ``dim``) and ``weight_v`` (the direction), and recomputed before each
forward.

Example:
    >>> import nablagrad as torch
    >>> m = torch.nn.utils.weight_norm(torch.nn.Linear(3, 4))
    >>> sorted(m.state_dict())
    ['bias', 'weight_g', 'weight_v']
"""

from __future__ import annotations

import warnings
from typing import Any

from ...tensor import Tensor
from ..parameter import Parameter, is_lazy

__all__ = ["WeightNorm", "norm_except_dim", "remove_weight_norm", "weight_norm"]


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """``||v||_pow`` over every dimension but ``dim`` (keeps ``dim``; all of them if dim=-1)."""
    if dim == -1:
        return (v.abs() ** pow).sum() ** (1.0 / pow)
    dim = dim % v.ndim
    dims = tuple(d for d in range(v.ndim) if d != dim)
    if not dims:
        return v.abs()
    return (v.abs() ** pow).sum(dims, keepdim=True) ** (1.0 / pow)


def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    """``v * (g / norm_except_dim(v, 2, dim))``."""
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and ``_v``."""

    def __init__(self, name: str, dim: int) -> None:
        if dim is None:
            dim = -1
        self.name, self.dim = name, dim

    def compute_weight(self, module: Any) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module: Any, name: str, dim: int) -> WeightNorm:
        for hook in _pre_hooks(module).values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(
                    f"Cannot register two weight_norm hooks on the same parameter {name}"
                )
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if is_lazy(weight):
            raise ValueError(
                "The module passed to `WeightNorm` can't have uninitialized parameters. Make "
                "sure to run the dummy forward before applying weight normalization"
            )
        if name not in module._parameters or weight is None:
            raise ValueError(
                f"weight_norm: module {type(module).__name__} has no parameter {name!r}"
            )
        del module._parameters[name]
        module.register_parameter(
            name + "_g", Parameter(norm_except_dim(weight, 2, fn.dim).detach())
        )
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Any) -> None:
        weight = self.compute_weight(module).detach()
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        object.__delattr__(module, self.name + "_g")
        object.__delattr__(module, self.name + "_v")
        setattr(module, self.name, Parameter(weight))

    def __call__(self, module: Any, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def _pre_hooks(module: Any) -> dict:
    return module.__dict__.get("_forward_pre_hooks") or {}


def weight_norm(module: Any, name: str = "weight", dim: int | None = 0) -> Any:
    """Reparameterise ``module.<name>`` as ``g * v / ||v||`` (torch.nn.utils.weight_norm).

    Deprecated in torch (a FutureWarning, as there) in favour of
    ``nn.utils.parametrizations.weight_norm``.
    """
    warnings.warn(
        "`torch.nn.utils.weight_norm` is deprecated in favor of "
        "`torch.nn.utils.parametrizations.weight_norm`.",
        FutureWarning,
        stacklevel=2,
    )
    WeightNorm.apply(module, name, dim)  # type: ignore[arg-type]
    return module


def remove_weight_norm(module: Any, name: str = "weight") -> Any:
    """Fold ``<name>_g``/``<name>_v`` back into a plain parameter ``<name>``."""
    hooks = _pre_hooks(module)
    for k, hook in list(hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
