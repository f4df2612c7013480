"""LogNormal(loc, scale): the law of exp(X) for X ~ Normal(loc, scale)."""

from __future__ import annotations

from typing import Any

from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform

__all__ = ["LogNormal"]


class LogNormal(TransformedDistribution):
    """exp of a normal draw; mean exp(loc + scale^2 / 2), mode exp(loc - scale^2).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.LogNormal(torch.tensor(0.0), torch.tensor(1.0))
        >>> round(d.log_prob(torch.tensor(1.0)).item(), 4)
        -0.9189
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    @property
    def loc(self) -> Tensor:
        return self.base_dist.loc

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        return ew.exp(self.loc + self.scale.pow(2) / 2)

    @property
    def mode(self) -> Tensor:
        return ew.exp(self.loc - self.scale.pow(2))

    @property
    def variance(self) -> Tensor:
        s2 = self.scale.pow(2)
        return ew.expm1(s2) * ew.exp(2 * self.loc + s2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() + self.loc
