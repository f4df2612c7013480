"""RelaxedOneHotCategorical(temperature, probs or logits): the Concrete (Gumbel-softmax)
distribution on the simplex, and ExpRelaxedCategorical, its logarithm."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..ops import reduce as rd
from ..tensor import Size, Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution, as_param, clamp_probs
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(Distribution):
    """log of a RelaxedOneHotCategorical draw: log_softmax((logits + g) / temperature) with
    g standard Gumbel noise; density (Maddison et al., 2017)
    (K-1)! t^(K-1) exp(sum(l - t x) - K logsumexp(l - t x)).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions.relaxed_categorical import ExpRelaxedCategorical
        >>> d = ExpRelaxedCategorical(torch.tensor(1.0), probs=torch.tensor([0.5, 0.5]))
        >>> d.event_shape
        nablagrad.Size([2])
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        temperature: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        (self.temperature,) = as_param(temperature)
        param = self._categorical.param_shape
        super().__init__(self._categorical.batch_shape, param[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> ExpRelaxedCategorical:
        new = super().expand(batch_shape)
        new._categorical = self._categorical.expand(batch_shape)
        return new  # type: ignore[return-value]

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = clamp_probs(creation.rand(shape, dtype=self.logits.dtype, device=self.logits.device))
        gumbels = -ew.log(-ew.log(u))
        scores = (self.logits + gumbels) / self.temperature
        return scores - rd.logsumexp(scores, -1, keepdim=True)

    def log_prob(self, value: Any) -> Tensor:
        k = self._categorical._num_events
        value = self._value(value)
        t = self.temperature
        log_scale = math.lgamma(k) + (k - 1) * ew.log(t)
        score = self.logits - value * t
        score = (score - rd.logsumexp(score, -1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """exp of an ExpRelaxedCategorical draw: softmax((logits + g) / temperature), a
    reparameterizable relaxation of OneHotCategorical on the simplex.

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.RelaxedOneHotCategorical(
        ...     torch.tensor(0.5), probs=torch.tensor([0.2, 0.8]))
        >>> round(d.rsample().sum().item(), 4)
        1.0
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(
        self,
        temperature: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)

    @property
    def temperature(self) -> Tensor:
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs
