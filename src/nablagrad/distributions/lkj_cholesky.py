"""LKJCholesky(dim, concentration): the LKJ distribution of correlation matrices, on their
lower Cholesky factors L: density proportional to prod_{i>=2} L_ii^(dim - i + 2 (eta - 1))
(Lewandowski, Kurowicka and Joe, 2009)."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..autograd import no_grad
from ..backend import np
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .beta import Beta
from .distribution import Distribution, as_param

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """LKJ(eta) over ``dim`` x ``dim`` correlation matrices, as their Cholesky factors
    (eta = 1: uniform over correlation matrices; larger eta concentrates at the identity).
    ``sample`` uses the onion method: row i (from 0) is sqrt(y_i) times a uniform direction
    in its first i coordinates, y_i ~ Beta(i / 2, eta + (dim - 1 - i) / 2), and the diagonal
    fills the row to unit norm.  (torch 2.13 draws y_i ~ Beta(i - 1/2, ...), which for
    dim >= 3 does not give LKJ's marginals, (r + 1) / 2 ~ Beta(eta - 1 + dim/2, same);
    ``log_prob`` is torch's.)

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.LKJCholesky(3, torch.tensor(2.0))
        >>> L = d.sample()
        >>> L.shape, torch.allclose((L * L).sum(-1), torch.ones(3))
        (nablagrad.Size([3, 3]), True)
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky
    _params = ("concentration",)

    def __init__(
        self, dim: int, concentration: Any = 1.0, validate_args: bool | None = None
    ) -> None:
        if not isinstance(dim, int) or isinstance(dim, bool) or dim < 2:
            raise ValueError(
                f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}."
            )
        self.dim = dim
        (self.concentration,) = as_param(concentration)
        batch_shape = tuple(self.concentration.shape)
        super().__init__(batch_shape, (dim, dim), validate_args=validate_args)
        self._validate_params()
        self._beta = self._make_beta(self.concentration)

    def _make_beta(self, concentration: Tensor) -> Beta:
        """Row i's squared length y_i ~ Beta(i / 2, eta + (dim - 1 - i) / 2) (the onion
        method, LKJ 2009 section 3.2); row 0 gets a placeholder (unused) draw."""
        rows = np.arange(self.dim, dtype=np.float64)
        k = creation.tensor(
            np.maximum(rows, 1.0), dtype=concentration.dtype, device=concentration.device
        )
        conc0 = concentration.unsqueeze(-1) + 0.5 * (self.dim - 1 - k)
        return Beta(0.5 * k, conc0, validate_args=False)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LKJCholesky:
        new = super().expand(batch_shape)
        new._beta = self._beta.expand(tuple(batch_shape) + (self.dim,))
        return new  # type: ignore[return-value]

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            u = creation.randn(shape, dtype=y.dtype, device=y.device).tril(-1)
            norm = ew.sqrt((u * u).sum(-1, keepdim=True))
            # row 0 is all zeros (nothing below the diagonal): no direction to normalise
            u = u / ew.where(norm > 0, norm, 1.0)
            w = ew.sqrt(y) * u
            tiny = float(np.finfo(w._data.dtype).tiny)
            diag = ew.sqrt(ew.clamp(1 - (w * w).sum(-1), tiny, None))
            return w + diag.diag_embed()

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        dim = self.dim
        diag = value.diagonal(dim1=-2, dim2=-1)[..., 1:]
        order = creation.tensor(
            np.arange(2, dim + 1, dtype=np.float64), dtype=value.dtype, device=value.device
        )
        order = 2 * (self.concentration - 1).unsqueeze(-1) + dim - order
        unnormalized = (order * ew.log(diag)).sum(-1)
        dm1 = dim - 1
        alpha = self.concentration + 0.5 * dm1
        denominator = ew.lgamma(alpha) * dm1
        # multivariate log-gamma: log Gamma_p(a) = p(p-1)/4 log pi + sum_j lgamma(a - j/2)
        a = alpha - 0.5
        numerator: Any = dm1 * (dm1 - 1) / 4 * math.log(math.pi)
        for j in range(dm1):
            numerator = numerator + ew.lgamma(a - j / 2)
        normalizer = 0.5 * dm1 * math.log(math.pi) + numerator - denominator
        return unnormalized - normalizer
