"""ContinuousBernoulli(probs or logits): density C(p) p^x (1 - p)^(1 - x) on [0, 1], with
C(p) = 2 atanh(1 - 2p) / (1 - 2p) (C(1/2) = 2) (Loaiza-Ganem and Cunningham, 2019)."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..nn import functional as F
from ..ops import elementwise as ew
from ..ops import shape as sh
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution, as_param, clamp_probs
from .exp_family import ExponentialFamily

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(ExponentialFamily):
    """The continuous Bernoulli distribution; ``rsample`` = icdf(u), u ~ U[0, 1).

    Near p = 1/2 (inside ``lims``) the normaliser, mean, variance, cdf and icdf switch to
    Taylor expansions in p - 1/2, as torch's, since the closed forms are 0/0 there.

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.ContinuousBernoulli(torch.tensor(0.5))  # uniform
        >>> round(d.log_prob(torch.tensor(0.3)).item(), 4)
        0.0
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True
    _params = ("probs", "logits")

    def __init__(
        self,
        probs: Any = None,
        logits: Any = None,
        lims: tuple[float, float] = (0.499, 0.501),
        validate_args: bool | None = None,
    ) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        self._derived = ("logits",) if probs is not None else ("probs",)
        validating = Distribution._validate_args_default if validate_args is None else validate_args
        if probs is not None:
            (probs,) = as_param(probs)
            # checked before the clamp below (which would make any probs pass)
            if validating and not bool(constraints.unit_interval.check(probs).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = clamp_probs(probs)
            self.logits = ew.log(self.probs) - ew.log1p(-self.probs)
            param = self.probs
        else:
            (self.logits,) = as_param(logits)
            self.probs = clamp_probs(ew.sigmoid(self.logits))
            param = self.logits
        self._param = param
        self._lims = lims
        super().__init__(param.shape, validate_args=validate_args)
        self._validate_params("probs" if probs is not None else "logits")

    @property
    def param_shape(self) -> Size:
        return self._param.shape

    def _outside(self) -> Tensor:
        """Where probs is outside the unstable region around 1/2."""
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self) -> Tensor:
        """probs outside the unstable region, lims[0] inside it (no 0/0 in either branch)."""
        return ew.where(self._outside(), self.probs, self._lims[0])

    def _log_norm(self) -> Tensor:
        """log C(p): log(|log(1 - p) - log p| / |1 - 2p|), a Taylor series near 1/2."""
        cut = self._cut_probs()
        below = ew.where(cut <= 0.5, cut, 0.0)
        above = ew.where(cut >= 0.5, cut, 1.0)
        log_norm = ew.log(ew.abs(ew.log1p(-cut) - ew.log(cut))) - ew.where(
            cut <= 0.5, ew.log1p(-2.0 * below), ew.log(2.0 * above - 1.0)
        )
        x = (self.probs - 0.5) ** 2
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return ew.where(self._outside(), log_norm, taylor)

    @property
    def mean(self) -> Tensor:
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / (ew.log1p(-cut) - ew.log(cut))
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x**2) * x
        return ew.where(self._outside(), mus, taylor)

    @property
    def variance(self) -> Tensor:
        cut = self._cut_probs()
        var = cut * (cut - 1.0) / (1.0 - 2.0 * cut) ** 2 + 1.0 / (ew.log1p(-cut) - ew.log(cut)) ** 2
        x = (self.probs - 0.5) ** 2
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return ew.where(self._outside(), var, taylor)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        u = creation.rand(shape, dtype=self.probs.dtype, device=self.probs.device)
        return self.icdf(u)

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        logits, value = sh.broadcast_tensors(self.logits, value.to(dtype=self.logits.dtype))
        bce = F.binary_cross_entropy_with_logits(logits, value, reduction="none")
        return -bce + self._log_norm()

    def cdf(self, value: Any) -> Tensor:
        value = self._value(value)
        cut = self._cut_probs()
        cdfs = (cut**value * (1.0 - cut) ** (1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        unbounded = ew.where(self._outside(), cdfs, value)
        return ew.where(value <= 0.0, 0.0, ew.where(value >= 1.0, 1.0, unbounded))

    def icdf(self, value: Any) -> Tensor:
        value = self._value(value, check=False)
        cut = self._cut_probs()
        inv = (ew.log1p(-cut + value * (2.0 * cut - 1.0)) - ew.log1p(-cut)) / (
            ew.log(cut) - ew.log1p(-cut)
        )
        return ew.where(self._outside(), inv, value)

    def entropy(self) -> Tensor:
        log0 = ew.log1p(-self.probs)
        log1 = ew.log(self.probs)
        return self.mean * (log0 - log1) - self._log_norm() - log0

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.logits,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        """log C as a function of the natural parameter x (the logits): log(|expm1(x)| / |x|),
        a Taylor series near x = 0 (torch's unstable region)."""
        lo_x, hi_x = self._lims[0] - 0.5, self._lims[1] - 0.5
        outside = (x <= lo_x) | (x > hi_x)
        cut = ew.where(outside, x, lo_x * creation.ones_like(x))
        log_norm = ew.log(ew.abs(ew.expm1(cut))) - ew.log(ew.abs(cut))
        taylor = 0.5 * x + x**2 / 24.0 - x**4 / 2880.0
        return ew.where(outside, log_norm, taylor)

    _mean_carrier_measure = 0
