"""FisherSnedecor(df1, df2): the F distribution, the ratio (X1 / df1) / (X2 / df2) of two
independent chi-squared draws."""

from __future__ import annotations

import math
from typing import Any

from ..backend import np
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param
from .gamma import Gamma

__all__ = ["FisherSnedecor"]


class FisherSnedecor(Distribution):
    """Density B(d1/2, d2/2)^-1 (d1/d2)^(d1/2) x^(d1/2 - 1) (1 + d1 x / d2)^(-(d1+d2)/2);
    ``rsample`` = G1 / G2 with G_i ~ Gamma(d_i / 2, d_i) (differentiable in both df).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.FisherSnedecor(torch.tensor(2.0), torch.tensor(2.0))
        >>> round(d.log_prob(torch.tensor(1.0)).item(), 4)  # 1 / (1 + x)^2 at 1
        -1.3863
    """

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True
    _params = ("df1", "df2")

    def __init__(self, df1: Any, df2: Any, validate_args: bool | None = None) -> None:
        self.df1, self.df2 = as_param(df1, df2)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1, validate_args=validate_args)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2, validate_args=validate_args)
        super().__init__(self.df1.shape, validate_args=validate_args)
        self._validate_params()

    def expand(self, batch_shape: Any, _instance: Any = None) -> FisherSnedecor:
        new = super().expand(batch_shape)
        new._gamma1 = self._gamma1.expand(batch_shape)
        new._gamma2 = self._gamma2.expand(batch_shape)
        return new  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        d2 = self.df2
        safe = ew.where(d2 > 2, d2, 3.0)
        return ew.where(d2 > 2, safe / (safe - 2), math.nan)

    @property
    def mode(self) -> Tensor:
        d1, d2 = self.df1, self.df2
        safe = ew.where(d1 > 2, d1, 3.0)
        return ew.where(d1 > 2, (safe - 2) / safe * d2 / (d2 + 2), math.nan)

    @property
    def variance(self) -> Tensor:
        d1, d2 = self.df1, self.df2
        safe = ew.where(d2 > 4, d2, 5.0)
        var = 2 * safe.pow(2) * (d1 + safe - 2) / (d1 * (safe - 2).pow(2) * (safe - 4))
        return ew.where(d2 > 4, var, math.nan)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        x1 = self._gamma1.rsample(sample_shape).reshape(shape)
        x2 = self._gamma2.rsample(sample_shape).reshape(shape)
        tiny = float(np.finfo(x2._data.dtype).tiny)
        return ew.clamp(x1 / ew.clamp(x2, tiny, None), tiny, None)

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        ct1, ct2 = self.df1 * 0.5, self.df2 * 0.5
        ratio = self.df1 / self.df2
        t1 = ew.lgamma(ct1 + ct2) - ew.lgamma(ct1) - ew.lgamma(ct2)
        t2 = ct1 * ew.log(ratio) + (ct1 - 1) * ew.log(value)
        t3 = (ct1 + ct2) * ew.log1p(ratio * value)
        return t1 + t2 - t3
