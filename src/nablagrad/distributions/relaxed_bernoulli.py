"""RelaxedBernoulli(temperature, probs or logits): the binary Concrete (Gumbel-sigmoid)
distribution on (0, 1), and LogitRelaxedBernoulli, its logit."""

from __future__ import annotations

from typing import Any

from .. import creation
from ..nn import functional as F
from ..ops import elementwise as ew
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution, as_param, clamp_probs
from .transformed_distribution import TransformedDistribution
from .transforms import SigmoidTransform

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]


class LogitRelaxedBernoulli(Distribution):
    """The logit of a RelaxedBernoulli draw: (logit(u) + logits) / temperature, u ~ U(0, 1);
    density t exp(l - t x) / (1 + exp(l - t x))^2 (Maddison et al., 2017).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions.relaxed_bernoulli import LogitRelaxedBernoulli
        >>> d = LogitRelaxedBernoulli(torch.tensor(1.0), logits=torch.tensor(0.0))
        >>> round(d.log_prob(torch.tensor(0.0)).item(), 4)  # log(1/4)
        -1.3863
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True
    _params = ("probs", "logits")

    def __init__(
        self,
        temperature: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        (self.temperature,) = as_param(temperature)
        self._derived = ("logits",) if probs is not None else ("probs",)
        if probs is not None:
            (self.probs,) = as_param(probs)
            p = clamp_probs(self.probs)
            self.logits = ew.log(p) - ew.log1p(-p)
            param = self.probs
        else:
            (self.logits,) = as_param(logits)
            self.probs = ew.sigmoid(self.logits)
            param = self.logits
        self._param = param
        super().__init__(param.shape, validate_args=validate_args)
        self._validate_params("probs" if probs is not None else "logits")

    @property
    def param_shape(self) -> Size:
        return self._param.shape

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = clamp_probs(creation.rand(shape, dtype=self.logits.dtype, device=self.logits.device))
        return (ew.log(u) - ew.log1p(-u) + self.logits) / self.temperature

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        diff = self.logits - value * self.temperature
        return ew.log(self.temperature) + diff - 2 * F.softplus(diff)


class RelaxedBernoulli(TransformedDistribution):
    """sigmoid of a LogitRelaxedBernoulli draw: a reparameterizable relaxation of
    Bernoulli(probs) on (0, 1) that approaches it as ``temperature`` -> 0.

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.RelaxedBernoulli(torch.tensor(0.5), probs=torch.tensor(0.3))
        >>> d.support
        Interval(lower_bound=0.0, upper_bound=1.0)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self,
        temperature: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        base = LogitRelaxedBernoulli(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)

    @property
    def temperature(self) -> Tensor:
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs
