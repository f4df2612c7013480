"""Beta(concentration1, concentration0): density x^(a-1) (1-x)^(b-1) / B(a, b) on [0, 1]."""

from __future__ import annotations

import copy
from numbers import Real
from typing import Any

from .. import creation
from ..backend import get_default_dtype
from ..ops import elementwise as ew
from ..ops import shape as sh
from ..tensor import Size, Tensor
from . import constraints
from .dirichlet import Dirichlet
from .distribution import as_param
from .exp_family import ExponentialFamily

__all__ = ["Beta"]


class Beta(ExponentialFamily):
    """The beta distribution, the two-category Dirichlet (as torch builds it): a =
    ``concentration1``, b = ``concentration0``; ``rsample`` = G_a / (G_a + G_b) of standard
    gamma draws, differentiable with respect to both.

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Beta(torch.tensor(2.0), torch.tensor(2.0))
        >>> round(d.log_prob(torch.tensor(0.5)).item(), 4)  # log 1.5
        0.4055
    """

    arg_constraints = {
        "concentration1": constraints.positive,
        "concentration0": constraints.positive,
    }
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self, concentration1: Any, concentration0: Any, validate_args: bool | None = None
    ) -> None:
        if isinstance(concentration1, Real) and isinstance(concentration0, Real):
            both = creation.tensor(
                [float(concentration1), float(concentration0)], dtype=get_default_dtype()
            )
        else:
            c1, c0 = as_param(concentration1, concentration0)
            both = sh.stack([c1, c0], -1)
        self._dirichlet = Dirichlet(both, validate_args=validate_args)
        super().__init__(self._dirichlet.batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Beta:
        """A new Beta with its concentrations broadcast to ``batch_shape``."""
        new = copy.copy(self)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        new._batch_shape = Size(tuple(batch_shape))
        return new

    @property
    def concentration1(self) -> Tensor:
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        heads_tails = sh.stack(sh.broadcast_tensors(value, 1.0 - value), -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self) -> Tensor:
        return self._dirichlet.entropy()

    def _validate_params(self, *names: str) -> None:  # checked by the inner Dirichlet
        return None

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return (self.concentration1, self.concentration0)

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        return ew.lgamma(x) + ew.lgamma(y) - ew.lgamma(x + y)
