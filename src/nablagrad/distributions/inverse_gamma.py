"""InverseGamma(concentration, rate): the law of 1 / X for X ~ Gamma(concentration, rate),
density b^a x^(-a-1) e^(-b/x) / Gamma(a) on x > 0."""

from __future__ import annotations

import math
from typing import Any

from ..ops import elementwise as ew
from ..ops import mathfns as mf
from ..tensor import Tensor
from . import constraints
from .gamma import Gamma
from .transformed_distribution import TransformedDistribution
from .transforms import PowerTransform

__all__ = ["InverseGamma"]


class InverseGamma(TransformedDistribution):
    """1 / Gamma(a, b); mean b / (a - 1) (infinite for a <= 1), mode b / (a + 1).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.InverseGamma(torch.tensor(3.0), torch.tensor(4.0))
        >>> d.mean, d.mode
        (tensor(2.), tensor(1.))
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        base = Gamma(concentration, rate, validate_args=validate_args)
        neg_one = -base.rate.new_ones(())
        super().__init__(base, PowerTransform(neg_one), validate_args=validate_args)

    @property
    def concentration(self) -> Tensor:
        return self.base_dist.concentration

    @property
    def rate(self) -> Tensor:
        return self.base_dist.rate

    @property
    def mean(self) -> Tensor:
        a = self.concentration
        safe = ew.where(a > 1, a, 2.0)
        return ew.where(a > 1, self.rate / (safe - 1), math.inf)

    @property
    def mode(self) -> Tensor:
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> Tensor:
        a = self.concentration
        safe = ew.where(a > 2, a, 3.0)
        return ew.where(a > 2, self.rate.pow(2) / ((safe - 1).pow(2) * (safe - 2)), math.inf)

    def entropy(self) -> Tensor:
        a = self.concentration
        return a + ew.log(self.rate) + ew.lgamma(a) - (1 + a) * mf.digamma(a)
