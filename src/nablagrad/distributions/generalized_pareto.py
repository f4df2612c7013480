"""GeneralizedPareto(loc, scale, concentration): density
(1 / s) (1 + c z)^(-1/c - 1) with z = (x - loc) / s (e^-z / s at c = 0), on x >= loc
(and x <= loc - s / c when c < 0)."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """The generalized Pareto distribution (the law of threshold exceedances); c = 0 is the
    shifted exponential, c > 0 a heavy (Pareto) tail, c < 0 a bounded support.
    ``rsample`` = icdf(u), u ~ U[0, 1).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.GeneralizedPareto(0.0, 1.0, torch.tensor(0.0))  # Exp(1)
        >>> round(d.log_prob(torch.tensor(2.0)).item(), 4)
        -2.0
    """

    arg_constraints = {
        "loc": constraints.real,
        "scale": constraints.positive,
        "concentration": constraints.real,
    }
    has_rsample = True
    _params = ("loc", "scale", "concentration")

    def __init__(
        self, loc: Any, scale: Any, concentration: Any, validate_args: bool | None = None
    ) -> None:
        self.loc, self.scale, self.concentration = as_param(loc, scale, concentration)
        super().__init__(self.loc.shape, validate_args=validate_args)
        self._validate_params()

    def _zero_and_safe(self) -> tuple[Tensor, Tensor]:
        """(c == 0 within 1e-8, c with 1 where it is 0): each branch on valid numbers."""
        c = self.concentration
        zero = ew.abs(c) <= 1e-8
        return zero, ew.where(zero, 1.0, c)

    def _z(self, x: Tensor) -> Tensor:
        return (x - self.loc) / self.scale

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = creation.rand(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.icdf(u)

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        z = self._z(value)
        zero, c = self._zero_and_safe()
        y = 1 / c + 1
        nonzero = ew.where(y == 0, y, y * ew.log1p(c * z))
        return -ew.log(self.scale) - ew.where(zero, z, nonzero)

    def log_survival_function(self, value: Any) -> Tensor:
        """log P(X > value) = -log(1 + c z) / c (-z at c = 0)."""
        value = self._value(value)
        z = self._z(value)
        zero, c = self._zero_and_safe()
        return ew.where(zero, -z, -ew.log1p(c * z) / c)

    def log_cdf(self, value: Any) -> Tensor:
        """log P(X <= value)."""
        return ew.log1p(-ew.exp(self.log_survival_function(value)))

    def cdf(self, value: Any) -> Tensor:
        return ew.exp(self.log_cdf(value))

    def icdf(self, value: Any) -> Tensor:
        value = self._value(value, check=False)
        zero, c = self._zero_and_safe()
        logu = ew.log1p(-value)
        nonzero = self.loc + self.scale / c * ew.expm1(-c * logu)
        return ew.where(zero, self.loc - self.scale * logu, nonzero)

    @property
    def mean(self) -> Tensor:
        c = self.concentration
        valid = c < 1
        safe = ew.where(valid, c, 0.5)
        return ew.where(valid, self.loc + self.scale / (1 - safe), math.nan)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        valid = c < 0.5
        safe = ew.where(valid, c, 0.25)
        return ew.where(valid, self.scale**2 / ((1 - safe) ** 2 * (1 - 2 * safe)), math.nan)

    @property
    def mode(self) -> Tensor:
        return self.loc

    def entropy(self) -> Tensor:
        return (ew.log(self.scale) + self.concentration + 1).expand(*self.batch_shape)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        """[loc, loc - scale / c] for c < 0, [loc, inf] otherwise."""
        c = self.concentration
        safe = ew.where(c < 0, c, -1.0)
        upper = ew.where(c < 0, self.loc - self.scale / safe, math.inf)
        return constraints.interval(self.loc, upper)
