"""Cauchy(loc, scale): density 1 / (pi scale (1 + ((x - loc) / scale)^2))."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param

__all__ = ["Cauchy"]


class Cauchy(Distribution):
    """The Cauchy (Lorentz) distribution; ``rsample`` = loc + scale tan(pi (u - 1/2)) with
    u ~ U[0, 1).  Its mean is undefined (NaN) and its variance infinite.

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Cauchy(torch.tensor(0.0), torch.tensor(1.0))
        >>> round(d.cdf(torch.tensor(1.0)).item(), 4)  # 1/2 + atan(1) / pi
        0.75
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _params = ("loc", "scale")

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = as_param(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)
        self._validate_params()

    @property
    def mean(self) -> Tensor:
        return creation.full(
            self._extended_shape(), math.nan, dtype=self.loc.dtype, device=self.loc.device
        )

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return creation.full(
            self._extended_shape(), math.inf, dtype=self.loc.dtype, device=self.loc.device
        )

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = creation.empty(shape, dtype=self.loc.dtype, device=self.loc.device).cauchy_()
        return self.loc + eps * self.scale  # torch's draws: cauchy_ then loc + eps * scale

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        z = (value - self.loc) / self.scale
        return -math.log(math.pi) - ew.log(self.scale) - ew.log1p(z**2)

    def cdf(self, value: Any) -> Tensor:
        value = self._value(value)
        return ew.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value: Any) -> Tensor:
        value = self._value(value, check=False)
        return ew.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + ew.log(self.scale)
