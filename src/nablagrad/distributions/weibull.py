"""Weibull(scale, concentration): density (k / s) (x / s)^(k - 1) exp(-(x / s)^k) on x > 0."""

from __future__ import annotations

from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import as_param
from .exponential import Exponential
from .gumbel import EULER_GAMMA
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, PowerTransform

__all__ = ["Weibull"]


class Weibull(TransformedDistribution):
    """scale * E^(1 / concentration) for E ~ Exponential(1).

    ``mode`` is scale ((k - 1) / k)^(1 / k) for k > 1 and 0 for k <= 1 (torch applies the
    first formula for every k, which is not the mode below k = 1).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Weibull(torch.tensor(1.0), torch.tensor(1.0))  # Exp(1)
        >>> round(d.log_prob(torch.tensor(2.0)).item(), 4)
        -2.0
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive
    has_rsample = True
    _params = ("scale", "concentration")

    def __init__(self, scale: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.scale, self.concentration = as_param(scale, concentration)
        base = Exponential(creation.ones_like(self.scale), validate_args=validate_args)
        transforms = [
            PowerTransform(exponent=self.concentration.reciprocal()),
            AffineTransform(loc=0, scale=self.scale),
        ]
        super().__init__(base, transforms, validate_args=validate_args)
        self._validate_params()

    @property
    def mean(self) -> Tensor:
        return self.scale * ew.exp(ew.lgamma(1 + self.concentration.reciprocal()))

    @property
    def mode(self) -> Tensor:
        k = self.concentration
        safe = ew.where(k > 1, k, 2.0)
        return ew.where(k > 1, self.scale * ((safe - 1) / safe) ** safe.reciprocal(), 0.0)

    @property
    def variance(self) -> Tensor:
        inv = self.concentration.reciprocal()
        return self.scale.pow(2) * (ew.exp(ew.lgamma(1 + 2 * inv)) - ew.exp(2 * ew.lgamma(1 + inv)))

    def entropy(self) -> Tensor:
        k = self.concentration
        return EULER_GAMMA * (1 - k.reciprocal()) + ew.log(self.scale / k) + 1
