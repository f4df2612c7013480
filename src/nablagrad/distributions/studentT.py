"""StudentT(df, loc, scale): density
Gamma((df + 1) / 2) / (Gamma(df / 2) sqrt(pi df) scale) (1 + y^2 / df)^(-(df + 1) / 2) with
y = (x - loc) / scale."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..ops import mathfns as mf
from ..tensor import Tensor
from . import constraints
from .chi2 import Chi2
from .distribution import Distribution, as_param

__all__ = ["StudentT"]


class StudentT(Distribution):
    """Student's t with ``df`` degrees of freedom; ``rsample`` = loc + scale X / sqrt(Z / df)
    for X ~ N(0, 1) and Z ~ Chi2(df) (differentiable in df through the chi-squared draw).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.StudentT(torch.tensor(1.0))  # a standard Cauchy
        >>> round(d.log_prob(torch.tensor(0.0)).item(), 4)  # -log(pi)
        -1.1447
    """

    arg_constraints = {
        "df": constraints.positive,
        "loc": constraints.real,
        "scale": constraints.positive,
    }
    support = constraints.real
    has_rsample = True
    _params = ("df", "loc", "scale")

    def __init__(
        self, df: Any, loc: Any = 0.0, scale: Any = 1.0, validate_args: bool | None = None
    ) -> None:
        self.df, self.loc, self.scale = as_param(df, loc, scale)
        self._chi2 = Chi2(self.df, validate_args=False)
        super().__init__(self.df.shape, validate_args=validate_args)
        self._validate_params()

    def expand(self, batch_shape: Any, _instance: Any = None) -> StudentT:
        new = super().expand(batch_shape)
        new._chi2 = self._chi2.expand(batch_shape)
        return new  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        return ew.where(self.df > 1, self.loc, math.nan)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        df = self.df
        safe = ew.where(df > 2, df, 3.0)  # no 0 * inf in the gradient of the masked entries
        finite = self.scale.pow(2) * safe / (safe - 2)
        return ew.where(df > 2, finite, ew.where(df > 1, math.inf, math.nan))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        x = creation.randn(shape, dtype=self.df.dtype, device=self.df.device)
        z = self._chi2.rsample(sample_shape)
        y = x * ew.rsqrt(z / self.df)
        return self.loc + self.scale * y

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        df = self.df
        y = (value - self.loc) / self.scale
        norm = (
            ew.log(self.scale)
            + 0.5 * ew.log(df)
            + 0.5 * math.log(math.pi)
            + ew.lgamma(0.5 * df)
            - ew.lgamma(0.5 * (df + 1.0))
        )
        return -0.5 * (df + 1.0) * ew.log1p(y**2 / df) - norm

    def entropy(self) -> Tensor:
        df = self.df
        lbeta = ew.lgamma(0.5 * df) + math.lgamma(0.5) - ew.lgamma(0.5 * (df + 1))
        return (
            ew.log(self.scale)
            + 0.5 * (df + 1) * (mf.digamma(0.5 * (df + 1)) - mf.digamma(0.5 * df))
            + 0.5 * ew.log(df)
            + lbeta
        )
