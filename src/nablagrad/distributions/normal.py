"""Normal(loc, scale): density exp(-(x - loc)^2 / (2 scale^2)) / (scale sqrt(2 pi))."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import LOG_SQRT_2PI, as_param
from .exp_family import ExponentialFamily

__all__ = ["Normal"]


class Normal(ExponentialFamily):
    """The normal distribution; ``rsample`` = loc + scale * eps with eps ~ N(0, 1).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Normal(torch.tensor(0.0), torch.tensor(2.0))
        >>> round(d.log_prob(torch.tensor(0.0)).item(), 4)
        -1.6121
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
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale**2

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = creation.randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        var = self.scale**2
        return -((value - self.loc) ** 2) / (2 * var) - ew.log(self.scale) - LOG_SQRT_2PI

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + ew.log(self.scale)

    def cdf(self, value: Any) -> Tensor:
        value = self._value(value)
        return 0.5 * (1 + ew.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value: Any) -> Tensor:
        value = self._value(value, check=False)
        return self.loc + self.scale * ew.erfinv(2 * value - 1) * math.sqrt(2)

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return (self.loc / self.scale**2, -0.5 * ew.reciprocal(self.scale**2))

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        return -0.25 * x**2 / y + 0.5 * ew.log(-math.pi / y)

    _mean_carrier_measure = 0
