"""NegativeBinomial(total_count, probs or logits): the number of successes before
``total_count`` failures, P(k) = C(k + r - 1, k) p^k (1 - p)^r."""

from __future__ import annotations

from typing import Any

from .. import creation
from ..autograd import no_grad
from ..nn import functional as F
from ..ops import elementwise as ew
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution, as_param, clamp_probs
from .gamma import Gamma

__all__ = ["NegativeBinomial"]


class NegativeBinomial(Distribution):
    """Successes (probability ``probs`` each) before ``total_count`` failures; ``total_count``
    may be any non-negative real.  ``sample`` draws Poisson(Gamma(total_count, e^-logits)).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.NegativeBinomial(torch.tensor(3.0), torch.tensor(0.5))
        >>> d.mean, round(d.log_prob(torch.tensor(0.0)).item(), 4)  # 3 (1/2)^3
        (tensor(3.), -2.0794)
    """

    arg_constraints = {
        "total_count": constraints.greater_than_eq(0),
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer
    _params = ("total_count", "probs", "logits")

    def __init__(
        self,
        total_count: Any,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        self._derived = ("logits",) if probs is not None else ("probs",)
        if probs is not None:
            self.total_count, self.probs = as_param(total_count, probs)
            self.total_count = self.total_count.type_as(self.probs)
            p = clamp_probs(self.probs)
            self.logits = ew.log(p) - ew.log1p(-p)
            param = self.probs
        else:
            self.total_count, self.logits = as_param(total_count, logits)
            self.total_count = self.total_count.type_as(self.logits)
            self.probs = ew.sigmoid(self.logits)
            param = self.logits
        self._param = param
        super().__init__(param.shape, validate_args=validate_args)
        self._validate_params("total_count", "probs" if probs is not None else "logits")

    @property
    def param_shape(self) -> Size:
        return self._param.shape

    @property
    def mean(self) -> Tensor:
        return self.total_count * ew.exp(self.logits)

    @property
    def mode(self) -> Tensor:
        return ew.clamp(ew.floor((self.total_count - 1) * ew.exp(self.logits)), 0.0, None)

    @property
    def variance(self) -> Tensor:
        return self.mean / ew.sigmoid(-self.logits)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            gamma = Gamma(
                self.total_count.detach(), ew.exp(-self.logits.detach()), validate_args=False
            )
            rate = gamma.sample(sample_shape)
            return creation.poisson(rate.contiguous())

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        r = self.total_count
        log_unnormalized = r * F.logsigmoid(-self.logits) + value * F.logsigmoid(self.logits)
        log_normalization = -ew.lgamma(r + value) + ew.lgamma(1.0 + value) + ew.lgamma(r)
        # r + k == 0 only for k = 0 with r = 0: a point mass at 0, log-normaliser 0
        log_normalization = ew.where(r + value == 0.0, 0.0, log_normalization)
        return log_unnormalized - log_normalization
