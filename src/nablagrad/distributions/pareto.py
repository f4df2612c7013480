"""Pareto(scale, alpha): density alpha scale^alpha / x^(alpha + 1) on x >= scale."""

from __future__ import annotations

import math
from typing import Any

from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import as_param
from .exponential import Exponential
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform

__all__ = ["Pareto"]


class Pareto(TransformedDistribution):
    """The Pareto (type I) distribution: scale exp(E) for E ~ Exponential(alpha).  Its mean
    is infinite for alpha <= 1 and its variance for alpha <= 2.

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Pareto(torch.tensor(1.0), torch.tensor(3.0))
        >>> d.mean
        tensor(1.5000)
    """

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}
    has_rsample = True
    _params = ("scale", "alpha")

    def __init__(self, scale: Any, alpha: Any, validate_args: bool | None = None) -> None:
        self.scale, self.alpha = as_param(scale, alpha)
        base = Exponential(self.alpha, validate_args=validate_args)
        transforms = [ExpTransform(), AffineTransform(loc=0, scale=self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)
        self._validate_params()

    @property
    def mean(self) -> Tensor:
        a = ew.where(self.alpha > 1, self.alpha, 2.0)  # infinite for alpha <= 1, no 1/0
        return ew.where(self.alpha > 1, a * self.scale / (a - 1), math.inf)

    @property
    def mode(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        a = ew.where(self.alpha > 2, self.alpha, 3.0)  # infinite for alpha <= 2
        return ew.where(
            self.alpha > 2, self.scale.pow(2) * a / ((a - 1).pow(2) * (a - 2)), math.inf
        )

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        """[scale, inf)."""
        return constraints.greater_than_eq(self.scale)

    def entropy(self) -> Tensor:
        return ew.log(self.scale / self.alpha) + self.alpha.reciprocal() + 1
