"""Laplace(loc, scale): density exp(-|x - loc| / scale) / (2 scale)."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..backend import np
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param

__all__ = ["Laplace"]


class Laplace(Distribution):
    """The Laplace (double exponential) distribution; ``rsample`` = loc - scale sign(u)
    log(1 - |u|) with u ~ U(-1, 1).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Laplace(torch.tensor(0.0), torch.tensor(1.0))
        >>> round(d.cdf(torch.tensor(0.0)).item(), 4)
        0.5
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _params = ("loc", "scale")

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = as_param(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)
        self._validate_params()

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        eps = float(np.finfo(self.loc._data.dtype).eps)
        u = creation.rand(
            self._extended_shape(sample_shape), dtype=self.loc.dtype, device=self.loc.device
        )
        u = u * (2 - eps) + (eps - 1)  # U[-1 + eps, 1), as torch's uniform_(eps - 1, 1)
        return self.loc - self.scale * ew.sign(u) * ew.log1p(-ew.abs(u))

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        return -ew.log(2 * self.scale) - ew.abs(value - self.loc) / self.scale

    def cdf(self, value: Any) -> Tensor:
        value = self._value(value)
        z = value - self.loc
        return 0.5 - 0.5 * ew.sign(z) * ew.expm1(-ew.abs(z) / self.scale)

    def icdf(self, value: Any) -> Tensor:
        value = self._value(value, check=False)
        term = value - 0.5
        return self.loc - self.scale * ew.sign(term) * ew.log1p(-2 * ew.abs(term))

    def entropy(self) -> Tensor:
        return 1 + ew.log(2 * self.scale)
