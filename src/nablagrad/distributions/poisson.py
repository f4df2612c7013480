"""Poisson(rate): P(k) = rate^k exp(-rate) / k! on k = 0, 1, 2, ..."""

from __future__ import annotations

from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import as_param, expand_to
from .exp_family import ExponentialFamily

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    """The Poisson distribution (not reparameterizable; torch defines no entropy for it).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Poisson(torch.tensor(2.0))
        >>> round(d.log_prob(torch.tensor(0.0)).item(), 4)
        -2.0
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer
    _params = ("rate",)

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = as_param(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)
        self._validate_params()

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        return creation.poisson(expand_to(self.rate.detach(), shape).contiguous())

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        return ew.xlogy(value, self.rate) - self.rate - ew.lgamma(value + 1)

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (ew.log(self.rate),)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return ew.exp(x)
