"""Gumbel(loc, scale): density exp(-(z + exp(-z))) / scale with z = (x - loc) / scale."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..backend import np
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import as_param
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform
from .uniform import Uniform

__all__ = ["Gumbel"]

EULER_GAMMA = 0.57721566490153286060


class Gumbel(TransformedDistribution):
    """The Gumbel (type-I extreme value) distribution: loc - scale log(-log u) for
    u ~ U(tiny, 1 - eps), as a transformed uniform.

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Gumbel(torch.tensor(0.0), torch.tensor(1.0))
        >>> round(d.log_prob(torch.tensor(0.0)).item(), 4)  # -(0 + e^0)
        -1.0
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _params = ("loc", "scale")

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = as_param(loc, scale)
        info = np.finfo(self.loc._data.dtype)
        lo, hi = float(info.tiny), 1 - float(info.eps)
        if isinstance(loc, (int, float)) and isinstance(scale, (int, float)):
            base = Uniform(lo, hi, validate_args=validate_args)
        else:
            base = Uniform(
                creation.full_like(self.loc, lo),
                creation.full_like(self.loc, hi),
                validate_args=validate_args,
            )
        transforms = [
            ExpTransform().inv,
            AffineTransform(0, -creation.ones_like(self.scale)),
            ExpTransform().inv,
            AffineTransform(self.loc, -self.scale),
        ]
        super().__init__(base, transforms, validate_args=validate_args)
        self._validate_params()

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        z = (value - self.loc) / self.scale
        return -(z + ew.exp(-z)) - ew.log(self.scale)

    @property
    def mean(self) -> Tensor:
        return self.loc + self.scale * EULER_GAMMA

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev.pow(2)

    def entropy(self) -> Tensor:
        return ew.log(self.scale) + (1 + EULER_GAMMA)
