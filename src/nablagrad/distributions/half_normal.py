"""HalfNormal(scale): the law of |X| for X ~ Normal(0, scale)."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform

__all__ = ["HalfNormal"]


class HalfNormal(TransformedDistribution):
    """Density 2 N(x; 0, scale) on x >= 0 (``-inf`` log-density below 0).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.HalfNormal(torch.tensor(1.0))
        >>> round(d.cdf(torch.tensor(1.0)).item(), 4)
        0.6827
    """

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        base = Normal(0, scale, validate_args=validate_args)
        super().__init__(base, AbsTransform(), validate_args=validate_args)

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self) -> Tensor:
        return creation.zeros_like(self.scale)

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2) * (1 - 2 / math.pi)

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        log_prob = self.base_dist.log_prob(value) + math.log(2)
        return ew.where(value >= 0, log_prob, -math.inf)

    def cdf(self, value: Any) -> Tensor:
        value = self._value(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob: Any) -> Tensor:
        prob = self._value(prob, check=False)
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)
