"""Exponential(rate): density rate * exp(-rate x) on x >= 0."""

from __future__ import annotations

from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import as_param
from .exp_family import ExponentialFamily

__all__ = ["Exponential"]


class Exponential(ExponentialFamily):
    """The exponential distribution; ``rsample`` = -log(1 - u) / rate with u ~ U[0, 1).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Exponential(torch.tensor(2.0))
        >>> round(d.log_prob(torch.tensor(1.0)).item(), 4)  # log 2 - 2
        -1.3069
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _params = ("rate",)

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = as_param(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)
        self._validate_params()

    @property
    def mean(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> Tensor:
        return creation.zeros_like(self.rate)

    @property
    def stddev(self) -> Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        return self.rate.pow(-2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        e = creation.empty(
            self._extended_shape(sample_shape), dtype=self.rate.dtype, device=self.rate.device
        )
        return e.exponential_() / self.rate  # torch's draws: exponential_ then / rate

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        return ew.log(self.rate) - self.rate * value

    def cdf(self, value: Any) -> Tensor:
        value = self._value(value)
        return 1 - ew.exp(-self.rate * value)

    def icdf(self, value: Any) -> Tensor:
        value = self._value(value, check=False)
        return -ew.log1p(-value) / self.rate

    def entropy(self) -> Tensor:
        return 1.0 - ew.log(self.rate)

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (-self.rate,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return -ew.log(-x)

    _mean_carrier_measure = 0
