"""MultivariateNormal(loc, covariance_matrix | precision_matrix | scale_tril): the Gaussian on
R^k with density exp(-(x - mu)^T Sigma^-1 (x - mu) / 2) / sqrt((2 pi)^k det Sigma)."""

from __future__ import annotations

import copy
import math
from typing import Any

from .. import creation
from ..backend import get_default_dtype
from ..ops import elementwise as ew
from ..ops import layout as lo
from ..ops import linalg_fns as la
from ..ops import shape as sh
from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution, expand_to

__all__ = ["MultivariateNormal"]


def _as_float(x: Any, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        x = creation.tensor(x, dtype=get_default_dtype())
    return x if x.is_floating_point() else x.to(dtype=get_default_dtype())


def _half_log_det(scale_tril: Tensor) -> Tensor:
    """log det(L) = sum log diag(L) (half the log-determinant of L L^T)."""
    return ew.log(scale_tril.diagonal(dim1=-2, dim2=-1)).sum(-1)


def batch_mahalanobis(scale_tril: Tensor, x: Tensor) -> Tensor:
    """x^T (L L^T)^-1 x = |L^-1 x|^2 over the last dim of ``x``, batch dims broadcast."""
    n = x.shape[-1]
    batch = tuple(lo.broadcast_shapes(tuple(scale_tril.shape[:-2]), tuple(x.shape[:-1])))
    L = scale_tril.expand(*(batch + (n, n)))
    x = x.expand(*(batch + (n,)))
    z = la.solve_triangular(L, x.unsqueeze(-1), upper=False).squeeze(-1)
    return (z * z).sum(-1)


def _precision_to_scale_tril(precision: Tensor) -> Tensor:
    """The lower Cholesky factor of P^-1 without inverting P: with Lf = chol(flip(P)),
    L^-1 = flip(Lf)^T is lower triangular."""
    lf = la.linalg_cholesky(sh.flip(precision, (-2, -1)))
    l_inv = sh.flip(lf, (-2, -1)).transpose(-2, -1)
    eye = creation.eye(precision.shape[-1], dtype=precision.dtype, device=precision.device)
    eye = eye.expand(*tuple(l_inv.shape))
    return la.solve_triangular(l_inv, eye, upper=False)


class CholeskyMatrices:
    """The matrix parameters of a distribution stored as its lower Cholesky factor
    ``_unbroadcasted_scale_tril`` L (MultivariateNormal, Wishart): ``scale_tril``,
    ``covariance_matrix`` (L L^T) and ``precision_matrix`` ((L L^T)^-1), each the matrix the
    user gave if any (stored on assignment), else derived from L, broadcast to
    ``batch_shape + (n, n)``."""

    _unbroadcasted_scale_tril: Tensor
    batch_shape: Any

    def _full(self, m: Tensor) -> Tensor:
        n = self._unbroadcasted_scale_tril.shape[-1]
        return expand_to(m, tuple(self.batch_shape) + (n, n))

    @property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor L (Sigma = L L^T)."""
        if "scale_tril" in self.__dict__:
            return self.__dict__["scale_tril"]
        return self._full(self._unbroadcasted_scale_tril)

    @scale_tril.setter
    def scale_tril(self, value: Tensor) -> None:
        self.__dict__["scale_tril"] = value

    @property
    def covariance_matrix(self) -> Tensor:
        """Sigma = L L^T."""
        if "covariance_matrix" in self.__dict__:
            return self.__dict__["covariance_matrix"]
        L = self._unbroadcasted_scale_tril
        return self._full(L @ L.mT)

    @covariance_matrix.setter
    def covariance_matrix(self, value: Tensor) -> None:
        self.__dict__["covariance_matrix"] = value

    @property
    def precision_matrix(self) -> Tensor:
        """Sigma^-1, from the Cholesky factor."""
        if "precision_matrix" in self.__dict__:
            return self.__dict__["precision_matrix"]
        return self._full(la.cholesky_inverse(self._unbroadcasted_scale_tril))

    @precision_matrix.setter
    def precision_matrix(self, value: Tensor) -> None:
        self.__dict__["precision_matrix"] = value


class MultivariateNormal(CholeskyMatrices, Distribution):
    """The multivariate normal, parameterised by ``loc`` and exactly one of
    ``covariance_matrix`` (Sigma), ``precision_matrix`` (Sigma^-1) or ``scale_tril`` (the
    lower Cholesky factor L with Sigma = L L^T); ``rsample`` = loc + L eps, eps ~ N(0, I).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions import MultivariateNormal
        >>> d = MultivariateNormal(torch.zeros(2), covariance_matrix=torch.eye(2))
        >>> round(d.log_prob(torch.zeros(2)).item(), 4)  # -log(2 pi)
        -1.8379
    """

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        loc: Any,
        covariance_matrix: Any = None,
        precision_matrix: Any = None,
        scale_tril: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        loc = _as_float(loc, "loc")
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [m is not None for m in (covariance_matrix, scale_tril, precision_matrix)]
        if sum(given) != 1:
            raise ValueError(
                "Exactly one of covariance_matrix or precision_matrix or scale_tril may be "
                "specified."
            )
        if scale_tril is not None:
            name, matrix = "scale_tril", scale_tril
        elif covariance_matrix is not None:
            name, matrix = "covariance_matrix", covariance_matrix
        else:
            name, matrix = "precision_matrix", precision_matrix
        matrix = _as_float(matrix, name)
        if matrix.ndim < 2:
            what = "scale_tril matrix" if name == "scale_tril" else name.replace("_", " ")
            raise ValueError(
                f"{what} must be at least two-dimensional, with optional leading batch dimensions"
            )
        if matrix.shape[-1] != matrix.shape[-2] or matrix.shape[-1] != loc.shape[-1]:
            raise ValueError(
                f"{name} must be a square matrix of the size of loc's last dim "
                f"({loc.shape[-1]}), got shape {tuple(matrix.shape)}"
            )
        if matrix.dtype != loc.dtype:
            matrix = matrix.to(dtype=loc.dtype)
        batch_shape = tuple(lo.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1])))
        n = loc.shape[-1]
        setattr(self, name, matrix.expand(*(batch_shape + (n, n))))
        self._given = name
        self.loc = loc.expand(*(batch_shape + (n,)))
        super().__init__(batch_shape, (n,), validate_args=validate_args)
        self._validate_params("loc", name)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = la.linalg_cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MultivariateNormal:
        """A new MultivariateNormal with loc and the matrix broadcast to ``batch_shape``."""
        batch_shape = tuple(batch_shape)
        new = copy.copy(self)
        n = self.event_shape[0]
        new.loc = self.loc.expand(*(batch_shape + (n,)))
        name = self._given
        setattr(new, name, getattr(self, name).expand(*(batch_shape + (n, n))))
        new._batch_shape = Size(batch_shape)
        return new

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        var = self._unbroadcasted_scale_tril.pow(2).sum(-1)
        return var.expand(*(tuple(self.batch_shape) + tuple(self.event_shape)))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = creation.randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self._transform(eps)

    def _transform(self, eps: Tensor) -> Tensor:
        """loc + L eps: the sample a standard-normal ``eps`` of shape (..., k) maps to."""
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        diff = value - self.loc
        m = batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        half_log_det = _half_log_det(self._unbroadcasted_scale_tril)
        return -0.5 * (self.event_shape[0] * math.log(2 * math.pi) + m) - half_log_det

    def entropy(self) -> Tensor:
        half_log_det = _half_log_det(self._unbroadcasted_scale_tril)
        h = 0.5 * self.event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det
        return h if len(self.batch_shape) == 0 else h.expand(*tuple(self.batch_shape))

    def __repr__(self) -> str:
        shown = {"loc": self.loc, self._given: getattr(self, self._given)}
        args = ", ".join(
            f"{k}: {v if v.numel() == 1 else tuple(v.shape)}" for k, v in shown.items()
        )
        return f"MultivariateNormal({args})"
