"""LowRankMultivariateNormal(loc, cov_factor, cov_diag): the Gaussian with covariance
W W^T + diag(D), W of shape (k, r); determinant and inverse go through the r x r capacitance
matrix C = I + W^T D^-1 W (Woodbury), so no k x k matrix is factorised."""

from __future__ import annotations

import copy
import math
from typing import Any

from .. import creation
from ..ops import elementwise as ew
from ..ops import linalg_fns as la
from ..ops import matrices as mx
from ..ops import shape as sh
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .multivariate_normal import _as_float, batch_mahalanobis

__all__ = ["LowRankMultivariateNormal"]


def _eye_like(m: int, like: Tensor) -> Tensor:
    return creation.eye(m, dtype=like.dtype, device=like.device)


def capacitance_tril(W: Tensor, D: Tensor) -> Tensor:  # noqa: N803
    """The Cholesky factor of C = I + W^T D^-1 W."""
    m = W.shape[-1]
    wt_dinv = W.mT / D.unsqueeze(-2)
    return la.linalg_cholesky(wt_dinv @ W + _eye_like(m, W))


def lowrank_logdet(W: Tensor, D: Tensor, cap_tril: Tensor) -> Tensor:  # noqa: N803
    """log det(W W^T + D) = log det C + log det D (the matrix determinant lemma)."""
    return 2 * ew.log(cap_tril.diagonal(dim1=-2, dim2=-1)).sum(-1) + ew.log(D).sum(-1)


def lowrank_mahalanobis(W: Tensor, D: Tensor, x: Tensor, cap_tril: Tensor) -> Tensor:  # noqa: N803
    """x^T (W W^T + D)^-1 x = x^T D^-1 x - |L_C^-1 W^T D^-1 x|^2 (Woodbury)."""
    wt_dinv = W.mT / D.unsqueeze(-2)
    wt_dinv_x = (wt_dinv @ x.unsqueeze(-1)).squeeze(-1)
    return (x.pow(2) / D).sum(-1) - batch_mahalanobis(cap_tril, wt_dinv_x)


class LowRankMultivariateNormal(Distribution):
    """The multivariate normal with covariance ``cov_factor @ cov_factor.mT +
    diag(cov_diag)``; ``rsample`` = loc + W eps_W + sqrt(D) eps_D.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions import LowRankMultivariateNormal
        >>> d = LowRankMultivariateNormal(torch.zeros(2), torch.zeros(2, 1), torch.ones(2))
        >>> round(d.log_prob(torch.zeros(2)).item(), 4)  # the standard normal: -log(2 pi)
        -1.8379
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1),
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self, loc: Any, cov_factor: Any, cov_diag: Any, validate_args: bool | None = None
    ) -> None:
        loc, cov_factor, cov_diag = (
            _as_float(loc, "loc"),
            _as_float(cov_factor, "cov_factor"),
            _as_float(cov_diag, "cov_diag"),
        )
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        event_shape = tuple(loc.shape[-1:])
        if cov_factor.ndim < 2:
            raise ValueError(
                "cov_factor must be at least two-dimensional, with optional leading batch "
                "dimensions"
            )
        if tuple(cov_factor.shape[-2:-1]) != event_shape:
            raise ValueError(
                f"cov_factor must be a batch of matrices with shape {event_shape[0]} x m"
            )
        if tuple(cov_diag.shape[-1:]) != event_shape:
            raise ValueError(f"cov_diag must be a batch of vectors with shape {event_shape}")
        cov_factor = cov_factor.to(dtype=loc.dtype)
        cov_diag = cov_diag.to(dtype=loc.dtype)
        try:
            loc_, cov_factor_b, cov_diag_ = sh.broadcast_tensors(
                loc.unsqueeze(-1), cov_factor, cov_diag.unsqueeze(-1)
            )
        except RuntimeError as e:
            raise ValueError(
                f"Incompatible batch shapes: loc {tuple(loc.shape)}, cov_factor "
                f"{tuple(cov_factor.shape)}, cov_diag {tuple(cov_diag.shape)}"
            ) from e
        self.loc = loc_[..., 0]
        self.cov_diag = cov_diag_[..., 0]
        self.cov_factor = cov_factor_b
        batch_shape = tuple(self.loc.shape[:-1])
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._validate_params()
        self._capacitance_tril = capacitance_tril(cov_factor, cov_diag)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LowRankMultivariateNormal:
        """A new distribution with loc, cov_factor and cov_diag broadcast to ``batch_shape``."""
        batch_shape = tuple(batch_shape)
        new = copy.copy(self)
        n, r = self.event_shape[0], self.cov_factor.shape[-1]
        new.loc = self.loc.expand(*(batch_shape + (n,)))
        new.cov_diag = self.cov_diag.expand(*(batch_shape + (n,)))
        new.cov_factor = self.cov_factor.expand(*(batch_shape + (n, r)))
        new._batch_shape = Size(batch_shape)
        return new

    def _full(self, m: Tensor) -> Tensor:
        n = self.event_shape[0]
        return m.expand(*(tuple(self.batch_shape) + (n, n)))

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag  # noqa: N806
        var = W.pow(2).sum(-1) + D
        return var.expand(*(tuple(self.batch_shape) + tuple(self.event_shape)))

    @property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor of the covariance: sqrt(D) chol(I + D^-1/2 W W^T D^-1/2)."""
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag  # noqa: N806
        sqrt_d = ew.sqrt(D).unsqueeze(-1)
        dinvsqrt_w = W / sqrt_d
        k = dinvsqrt_w @ dinvsqrt_w.mT + _eye_like(self.event_shape[0], W)
        return self._full(sqrt_d * la.linalg_cholesky(k))

    @property
    def covariance_matrix(self) -> Tensor:
        """W W^T + diag(D)."""
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag  # noqa: N806
        return self._full(W @ W.mT + mx.diag_embed(D))

    @property
    def precision_matrix(self) -> Tensor:
        """(W W^T + D)^-1 = D^-1 - A^T A with A = L_C^-1 W^T D^-1 (Woodbury)."""
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag  # noqa: N806
        wt_dinv = W.mT / D.unsqueeze(-2)
        a = la.solve_triangular(self._capacitance_tril, wt_dinv, upper=False)
        return self._full(mx.diag_embed(D.reciprocal()) - a.mT @ a)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag  # noqa: N806
        w_shape = shape[:-1] + tuple(self.cov_factor.shape[-1:])
        eps_w = creation.randn(w_shape, dtype=self.loc.dtype, device=self.loc.device)
        eps_d = creation.randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + (W @ eps_w.unsqueeze(-1)).squeeze(-1) + ew.sqrt(D) * eps_d

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag  # noqa: N806
        diff = value - self.loc
        m = lowrank_mahalanobis(W, D, diff, self._capacitance_tril)
        log_det = lowrank_logdet(W, D, self._capacitance_tril)
        return -0.5 * (self.event_shape[0] * math.log(2 * math.pi) + log_det + m)

    def entropy(self) -> Tensor:
        W, D = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag  # noqa: N806
        log_det = lowrank_logdet(W, D, self._capacitance_tril)
        h = 0.5 * (self.event_shape[0] * (1.0 + math.log(2 * math.pi)) + log_det)
        return h if len(self.batch_shape) == 0 else h.expand(*tuple(self.batch_shape))
