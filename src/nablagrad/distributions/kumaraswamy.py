"""Kumaraswamy(concentration1, concentration0): density a b x^(a-1) (1 - x^a)^(b-1) on (0, 1)."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..ops import mathfns as mf
from ..tensor import Tensor
from . import constraints
from .distribution import as_param
from .gumbel import EULER_GAMMA
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, PowerTransform
from .uniform import Uniform

__all__ = ["Kumaraswamy"]


def _moments(a: Tensor, b: Tensor, n: int) -> Tensor:
    """E[X^n] = b B(1 + n / a, b)."""
    arg = 1 + n / a
    return b * ew.exp(ew.lgamma(arg) + ew.lgamma(b) - ew.lgamma(arg + b))


class Kumaraswamy(TransformedDistribution):
    """(1 - U^(1 / b))^(1 / a) for U ~ U(0, 1), with a = ``concentration1`` and
    b = ``concentration0``.

    ``mode`` is ((a - 1) / (a b - 1))^(1 / a) where a, b >= 1 (NaN otherwise); torch's own
    ``mode`` evaluates a different expression and returns NaN for most valid parameters.

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Kumaraswamy(torch.tensor(1.0), torch.tensor(1.0))  # U(0, 1)
        >>> d.log_prob(torch.tensor(0.3))
        tensor(0.)
    """

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval
    has_rsample = True
    _params = ("concentration1", "concentration0")

    def __init__(
        self, concentration1: Any, concentration0: Any, validate_args: bool | None = None
    ) -> None:
        self.concentration1, self.concentration0 = as_param(concentration1, concentration0)
        base = Uniform(
            creation.zeros_like(self.concentration0),
            creation.ones_like(self.concentration0),
            validate_args=validate_args,
        )
        transforms = [
            PowerTransform(exponent=self.concentration0.reciprocal()),
            AffineTransform(loc=1.0, scale=-1.0),
            PowerTransform(exponent=self.concentration1.reciprocal()),
        ]
        super().__init__(base, transforms, validate_args=validate_args)
        self._validate_params()

    @property
    def mean(self) -> Tensor:
        return _moments(self.concentration1, self.concentration0, 1)

    @property
    def mode(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        ok = (a >= 1) & (b >= 1) & (a * b > 1)
        sa, sb = ew.where(ok, a, 2.0), ew.where(ok, b, 2.0)
        log_mode = (ew.log(sa - 1) - ew.log(sa * sb - 1)) / sa
        return ew.where(ok, ew.exp(log_mode), math.nan)

    @property
    def variance(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        return _moments(a, b, 2) - self.mean.pow(2)

    def entropy(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        t1 = 1 - a.reciprocal()
        t0 = 1 - b.reciprocal()
        harmonic = mf.digamma(b + 1) + EULER_GAMMA
        return t0 + t1 * harmonic - ew.log(a) - ew.log(b)
