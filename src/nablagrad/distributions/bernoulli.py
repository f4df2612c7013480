"""Bernoulli(probs or logits): 1 with probability p, else 0."""

from __future__ import annotations

from typing import Any

from .. import creation
from ..nn import functional as F
from ..ops import elementwise as ew
from ..ops import mathfns as mf
from ..tensor import Size, Tensor
from . import constraints
from .distribution import as_param, clamp_probs
from .exp_family import ExponentialFamily

__all__ = ["Bernoulli"]


class Bernoulli(ExponentialFamily):
    """P(1) = p.  Give exactly one of ``probs`` and ``logits`` (log(p / (1 - p)))."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _params = ("probs", "logits")

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
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
        super().__init__(param.shape, validate_args=validate_args)
        self._validate_params("probs" if probs is not None else "logits")

    @property
    def param_shape(self) -> Size:
        """The shape of ``probs`` (and ``logits``)."""
        return self.probs.shape

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        return (self.probs >= 0.5).to(dtype=self.probs.dtype)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        p = self.probs.detach().expand(*shape) if shape else self.probs.detach()
        return creation.bernoulli(p.contiguous() if hasattr(p, "contiguous") else p)

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        logits, value = self.logits, value.to(dtype=self.logits.dtype)
        from ..ops import shape as sh

        logits, value = sh.broadcast_tensors(logits, value)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = creation.arange(2, dtype=self.probs.dtype, device=self.probs.device)
        values = values.reshape((-1,) + (1,) * len(self.batch_shape))
        return values.expand(2, *self.batch_shape) if expand else values

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (mf.logit(self.probs),)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return ew.log1p(ew.exp(x))

    _mean_carrier_measure = 0
