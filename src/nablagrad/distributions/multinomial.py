"""Multinomial(total_count, probs or logits): counts of ``total_count`` categorical draws."""

from __future__ import annotations

import copy
from typing import Any

from .. import creation
from ..backend import np, to_device, to_host
from ..ops import elementwise as ew
from ..ops import mathfns as mf
from ..ops import shape as sh
from ..tensor import Size, Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution, clamp_probs

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """Counts x (summing to ``total_count``) with P(x) = n! / prod(x_i!) prod(p_i^x_i).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions.multinomial import Multinomial
        >>> Multinomial(10, torch.tensor([0.5, 0.5])).sample().sum().item()
        10.0
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(
        self,
        total_count: int = 1,
        probs: Any = None,
        logits: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits, validate_args=validate_args)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Multinomial:
        """A new Multinomial whose category probabilities are broadcast to ``batch_shape``."""
        new = copy.copy(self)
        new._categorical = self._categorical.expand(batch_shape)
        new._batch_shape = new._categorical.batch_shape
        return new

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        # torch's way (and numbers): total_count categorical draws per sample, counted
        shape = tuple(self._extended_shape(sample_shape))
        k = shape[-1]
        draws = self._categorical.sample((self.total_count, *tuple(sample_shape)))
        idx = np.moveaxis(to_host(draws._data), 0, -1).reshape(-1, self.total_count)
        rows = np.arange(idx.shape[0], dtype=np.int64)[:, None] * k
        counts = np.bincount((rows + idx).ravel(), minlength=idx.shape[0] * k)
        counts = counts.reshape(shape).astype(self.probs._data.dtype)
        return Tensor._wrap(to_device(counts, self.probs.device))

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        """Non-negative counts summing to at most ``total_count`` (torch's check)."""
        return constraints.multinomial(self.total_count)

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        logits, value = sh.broadcast_tensors(self.logits, value.to(dtype=self.logits.dtype))
        log_factorial_n = ew.lgamma(value.sum(-1) + 1)
        log_factorial_xs = ew.lgamma(value + 1).sum(-1)
        keep = (value == 0) & mf.isneginf(logits)
        zero = Tensor._wrap(np.zeros((), dtype=logits._data.dtype))
        logits = ew.where(keep, zero, logits)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers

    def entropy(self) -> Tensor:
        n = float(self.total_count)
        cat_entropy = self._categorical.entropy()
        term1 = n * cat_entropy - ew.lgamma(
            creation.tensor(n + 1, dtype=self.probs.dtype, device=self.probs.device)
        )
        # binomial(n, p_i) probabilities of k = 1..n, weighted by log k!
        k = creation.arange(
            1, self.total_count + 1, dtype=self.probs.dtype, device=self.probs.device
        )
        k = k.reshape((-1,) + (1,) * self.probs.ndim)
        p = clamp_probs(self.probs)
        logits = ew.log(p) - ew.log1p(-p)
        log_fact_n = ew.lgamma(
            creation.tensor(n + 1, dtype=self.probs.dtype, device=self.probs.device)
        )
        # max(logits, 0) written as torch's _clamp_by_zero, whose gradient at 0 is 1/2
        clamped = (ew.clamp(logits, 0, None) + logits - ew.clamp(logits, None, 0)) / 2
        normalize = n * clamped + n * ew.log1p(ew.exp(-ew.abs(logits)))
        normalize = normalize - log_fact_n
        log_binom = k * logits - ew.lgamma(k + 1) - ew.lgamma(n - k + 1) - normalize
        weights = ew.lgamma(k + 1)
        term2 = (ew.exp(log_binom) * weights).sum(0).sum(-1)
        return term1 + term2
