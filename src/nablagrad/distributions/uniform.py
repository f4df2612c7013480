"""Uniform(low, high): constant density 1 / (high - low) on [low, high)."""

from __future__ import annotations

from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param

__all__ = ["Uniform"]


class Uniform(Distribution):
    """The continuous uniform distribution; ``rsample`` = low + u (high - low), u ~ U[0, 1)."""

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:  # type: ignore[override]
        """``low < high``, as torch's (each bound constrained by the other)."""
        return {
            "low": constraints.less_than(self.high),
            "high": constraints.greater_than(self.low),
        }

    has_rsample = True
    _params = ("low", "high")

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self.low, self.high = as_param(low, high)
        super().__init__(self.low.shape, validate_args=validate_args)
        self._validate_params()

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
        u = creation.rand(shape, dtype=self.low.dtype, device=self.low.device)
        return self.low + u * (self.high - self.low)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        """The closed interval [low, high] (torch's: ``value == high`` is valid, density 0)."""
        return constraints.interval(self.low, self.high)

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
