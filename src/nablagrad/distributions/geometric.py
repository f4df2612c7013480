"""Geometric(probs or logits): P(k) = (1 - p)^k p, the number of failures before the first
success in Bernoulli(p) trials."""

from __future__ import annotations

from typing import Any

from .. import creation
from ..backend import np
from ..nn import functional as F
from ..ops import elementwise as ew
from ..ops import shape as sh
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param, clamp_probs

__all__ = ["Geometric"]


class Geometric(Distribution):
    """The geometric distribution on k = 0, 1, 2, ...; give exactly one of ``probs`` (in
    (0, 1]) and ``logits``.

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Geometric(torch.tensor(0.25))
        >>> d.mean
        tensor(3.)
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer
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
        else:
            (self.logits,) = as_param(logits)
            self.probs = ew.sigmoid(self.logits)
        super().__init__(self.probs.shape, validate_args=validate_args)
        self._validate_params("probs" if probs is not None else "logits")
        if self._validate_args and probs is not None and not bool((self.probs > 0).all()):
            bad = self.probs.detach()[~(self.probs > 0)]
            raise ValueError(
                f"Expected parameter probs ({type(self.probs).__name__} of shape "
                f"{tuple(self.probs.shape)}) of distribution {self!r} to be positive but "
                f"found invalid values:\n{bad}"
            )

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return creation.zeros_like(self.probs)

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        tiny = float(np.finfo(self.probs._data.dtype).tiny)
        p = self.probs.detach()
        u = ew.clamp(creation.rand(shape, dtype=p.dtype, device=p.device), tiny, None)
        return (ew.log(u) / ew.log1p(-p)).floor()

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        value, probs = sh.broadcast_tensors(value.to(dtype=self.probs.dtype), self.probs)
        # torch: p = 1 at k = 0 has probability 1 (0 * log 0 read as 0)
        probs = ew.where((probs == 1) & (value == 0), 0.0, probs)
        return value * ew.log1p(-probs) + ew.log(self.probs)

    def entropy(self) -> Tensor:
        bce = F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")
        return bce / self.probs
