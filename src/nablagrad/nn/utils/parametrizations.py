"""``nn.utils.parametrizations``: ``weight_norm`` and ``spectral_norm`` as parametrizations.

``weight_norm`` stores ``g = ||w||`` (over every dim but ``dim``) as
``parametrizations.weight.original0`` and ``v = w`` as ``original1``; ``module.weight`` is then
``v * g / ||v||`` on every access.

Example:
    >>> import nablagrad as torch
    >>> m = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 4))
    >>> list(m.state_dict())
    ['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
"""

from __future__ import annotations

from ... import creation
from ...autograd import no_grad
from ...tensor import Tensor
from ..module import Module
from . import parametrize
from .spectral_norm import _is_conv_transpose, _normalize_into, _reshape_to_matrix
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["spectral_norm", "weight_norm"]


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Parametrize ``module.<name>`` as ``g * v / ||v||`` (torch.nn.utils.parametrizations)."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """``weight / sigma``, sigma by power iteration on buffers ``_u``, ``_v`` (15 at setup)."""

    def __init__(
        self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(
                "Dimension out of range (expected to be in range of "
                f"[-{ndim}, {ndim - 1}] but got {dim})"
            )
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but got "
                f"n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            with no_grad():
                weight_mat = _reshape_to_matrix(weight, self.dim)
                h, w = weight_mat.shape
                kw = {"dtype": weight.dtype, "device": weight.device}
                self.register_buffer("_u", _normalize_into(creation.randn(h, **kw), eps))
                self.register_buffer("_v", _normalize_into(creation.randn(w, **kw), eps))
                self._power_method(weight_mat, 15)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        with no_grad():
            for _ in range(n_power_iterations):
                _normalize_into(weight_mat @ self._v, self.eps, self._u)
                _normalize_into(weight_mat.t() @ self._u, self.eps, self._v)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return weight / (weight * weight).sum().sqrt().clamp(min=self.eps)
        weight_mat = _reshape_to_matrix(weight, self.dim)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = (u * (weight_mat @ v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Parametrize ``module.<name>`` as ``weight / sigma(weight)`` (spectral norm).

    Keys as torch: ``parametrizations.weight.original``, ``parametrizations.weight.0._u``
    and ``._v``.  ``dim`` defaults to 1 for transposed convolutions and 0 otherwise.
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )
    return module
