"""Gamma(concentration, rate): density rate^a x^(a-1) e^(-rate x) / Gamma(a) on x > 0."""

from __future__ import annotations

from typing import Any

from ..backend import np
from ..ops import elementwise as ew
from ..ops import mathfns as mf
from ..ops import special as sp
from ..tensor import Tensor
from . import constraints
from .distribution import as_param, expand_to
from .exp_family import ExponentialFamily

__all__ = ["Gamma"]


class Gamma(ExponentialFamily):
    """The gamma distribution with shape ``concentration`` (a) and ``rate`` (b).

    ``rsample`` divides a standard Gamma(a, 1) draw by the rate; its gradient with respect to
    the concentration is the implicit one (the draw held at its quantile, as torch's):
    dx/da = -(dP(a, x)/da) / p(x; a).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Gamma(torch.tensor(2.0), torch.tensor(1.0))
        >>> round(d.log_prob(torch.tensor(1.0)).item(), 4)  # log(1 * e^-1)
        -1.0
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _params = ("concentration", "rate")

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = as_param(concentration, rate)
        super().__init__(self.concentration.shape, validate_args=validate_args)
        self._validate_params()

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ew.clamp((self.concentration - 1) / self.rate, 0, None)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        value = sp.standard_gamma(expand_to(self.concentration, shape).contiguous())
        value = value / expand_to(self.rate, shape)
        # at least the smallest normal number, as torch's (the value moves, not the gradient)
        tiny = float(np.finfo(value._data.dtype).tiny)
        return value + (ew.clamp(value.detach(), tiny, None) - value.detach())

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        c, r = self.concentration, self.rate
        return ew.xlogy(c, r) + ew.xlogy(c - 1, value) - r * value - ew.lgamma(c)

    def entropy(self) -> Tensor:
        c = self.concentration
        return c - ew.log(self.rate) + ew.lgamma(c) + (1.0 - c) * mf.digamma(c)

    def cdf(self, value: Any) -> Tensor:
        value = self._value(value)
        return sp.igamma(self.concentration, self.rate * value)

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        return ew.lgamma(x + 1) + (x + 1) * ew.log(-ew.reciprocal(y))

    _mean_carrier_measure = 0
