"""Categorical(probs or logits): one of K categories (indices 0..K-1)."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..backend import np
from ..ops import elementwise as ew
from ..ops import index as ix
from ..ops import reduce as rd
from ..ops import shape as sh
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution, as_param, clamp_probs

__all__ = ["Categorical"]


class Categorical(Distribution):
    """P(i) = probs[..., i] (normalised over the last dim); ``logits`` are unnormalised log-probs.

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Categorical(probs=torch.tensor([0.25, 0.75]))
        >>> round(d.entropy().item(), 4)
        0.5623
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True
    _params = ("probs", "logits")
    _param_event_dims = 1

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (probs,) = as_param(probs)
            if probs.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            if self._validate(validate_args):
                ok = (probs >= 0).all() & (probs.sum(-1) > 0).all()
                self._validate_args = True
                self._check_param("probs", ok, probs, "Simplex()")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self.logits = ew.log(clamp_probs(self.probs))  # torch: zero probs log to log(eps)
        else:
            (logits,) = as_param(logits)
            if logits.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            if self._validate(validate_args):
                self._validate_args = True
                self._check_param(
                    "logits", logits == logits, logits, "IndependentConstraint(Real(), 1)"
                )
            self.logits = logits - rd.logsumexp(logits, -1, keepdim=True)
            self.probs = self.logits.softmax(-1)
        param = self.probs if probs is not None else self.logits
        self._num_events = int(param.shape[-1])
        super().__init__(param.shape[:-1], validate_args=validate_args)

    def _validate(self, validate_args: bool | None) -> bool:
        return Distribution._validate_args_default if validate_args is None else validate_args

    @property
    def param_shape(self) -> Size:
        return self.probs.shape

    @property
    def mean(self) -> Tensor:
        return creation.full(
            tuple(self.batch_shape), math.nan, dtype=self.probs.dtype, device=self.probs.device
        )

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        return creation.full(
            tuple(self.batch_shape), math.nan, dtype=self.probs.dtype, device=self.probs.device
        )

    def sample(self, sample_shape: Any = ()) -> Tensor:
        self._extended_shape(sample_shape)  # torch's check of sample_shape
        n = int(np.prod(tuple(sample_shape))) if len(tuple(sample_shape)) else 1
        probs2d = self.probs.detach().reshape(-1, self._num_events)
        draws = creation.multinomial(probs2d, n, True)  # (batch, n)
        out = draws.t().reshape(tuple(sample_shape) + tuple(self.batch_shape))
        return out

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        """The integers 0 .. K - 1."""
        return constraints.integer_interval(0, self._num_events - 1)

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        v = value.to(dtype=np.int64).unsqueeze(-1)
        v, log_pmf = sh.broadcast_tensors(v, self.logits)
        v = v[..., :1]
        return ix.gather(log_pmf, -1, v).squeeze(-1)

    def entropy(self) -> Tensor:
        min_real = float(np.finfo(self.logits._data.dtype).min)
        logits = ew.clamp(self.logits, min_real, None)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = creation.arange(self._num_events, device=self.probs.device).reshape(
            (-1,) + (1,) * len(self.batch_shape)
        )
        return values.expand(self._num_events, *self.batch_shape) if expand else values
