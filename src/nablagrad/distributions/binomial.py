"""Binomial(total_count, probs or logits): P(k) = C(n, k) p^k (1 - p)^(n - k), k = 0..n."""

from __future__ import annotations

from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param, clamp_probs, expand_to

__all__ = ["Binomial"]


def _clamp_by_zero(x: Tensor) -> Tensor:
    """max(x, 0) with gradient 1/2 at 0, as torch's ``_clamp_by_zero``."""
    return (ew.clamp(x, 0, None) + x - ew.clamp(x, None, 0)) / 2


class Binomial(Distribution):
    """The number of successes in ``total_count`` Bernoulli(p) trials (``total_count`` may be
    a tensor broadcast with the probabilities).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Binomial(4, torch.tensor(0.5))
        >>> round(d.log_prob(torch.tensor(2.0)).exp().item(), 4)  # 6 / 16
        0.375
    """

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True
    _params = ("total_count", "probs", "logits")

    def __init__(
        self,
        total_count: Any = 1,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        self._derived = ("logits",) if probs is not None else ("probs",)
        if probs is not None:
            self.total_count, self.probs = as_param(total_count, probs)
            p = clamp_probs(self.probs)
            self.logits = ew.log(p) - ew.log1p(-p)
        else:
            self.total_count, self.logits = as_param(total_count, logits)
            self.probs = ew.sigmoid(self.logits)
        super().__init__(self.probs.shape, validate_args=validate_args)
        self._validate_params("total_count", "probs" if probs is not None else "logits")

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        """The integers 0 .. total_count."""
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ew.minimum(((self.total_count + 1) * self.probs).floor(), self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        n = expand_to(self.total_count.detach(), shape).contiguous()
        p = expand_to(self.probs.detach(), shape).contiguous()
        return creation.binomial(n, p)

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        n, logits = self.total_count, self.logits
        log_factorial_n = ew.lgamma(n + 1)
        log_factorial_k = ew.lgamma(value + 1)
        log_factorial_nmk = ew.lgamma(n - value + 1)
        # n log(1 + e^logits) written stably, as torch
        normalize = n * _clamp_by_zero(logits) + n * ew.log1p(ew.exp(-ew.abs(logits)))
        normalize = normalize - log_factorial_n
        return value * logits - log_factorial_k - log_factorial_nmk - normalize

    def entropy(self) -> Tensor:
        total = int(self.total_count.max().item())
        if int(self.total_count.min().item()) != total:
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(ew.exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        total = int(self.total_count.max().item())
        if int(self.total_count.min().item()) != total:
            raise NotImplementedError(
                "Inhomogeneous total count not supported by `enumerate_support`."
            )
        values = creation.arange(1 + total, dtype=self.probs.dtype, device=self.probs.device)
        values = values.reshape((-1,) + (1,) * len(self.batch_shape))
        return values.expand(1 + total, *self.batch_shape) if expand else values
