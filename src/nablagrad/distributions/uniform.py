"""Uniform(low, high): constant density 1 / (high - low) on [low, high)."""

from __future__ import annotations

from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..tensor import Tensor
from .distribution import Distribution, as_param

__all__ = ["Uniform"]


class Uniform(Distribution):
    """The continuous uniform distribution; ``rsample`` = low + u (high - low), u ~ U[0, 1)."""

    arg_constraints = {"low": "dependent", "high": "dependent"}
    has_rsample = True
    _params = ("low", "high")

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = as_param(low, high)
        super().__init__(self.low.shape, validate_args=validate_args)
        self._check_param("low", self.low < self.high, self.low, "LessThan(high)")

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return self.mean * float("nan")

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low) ** 2 / 12

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = creation.rand(shape, dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def _support_check(self, value: Tensor) -> tuple[Tensor, str]:
        # torch's support is the closed interval (value == high is valid, with density 0)
        inside = (self.low <= value) & (value <= self.high)
        return inside, f"Interval(lower_bound={self.low}, upper_bound={self.high})"

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        lb = (self.low <= value).to(dtype=self.low.dtype)
        ub = (self.high > value).to(dtype=self.low.dtype)
        return ew.log(lb * ub) - ew.log(self.high - self.low)

    def entropy(self) -> Tensor:
        return ew.log(self.high - self.low)

    def cdf(self, value: Any) -> Tensor:
        value = self._value(value)
        return ew.clamp((value - self.low) / (self.high - self.low), 0, 1)

    def icdf(self, value: Any) -> Tensor:
        value = self._value(value, check=False)
        return value * (self.high - self.low) + self.low
