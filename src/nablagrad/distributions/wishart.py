"""Wishart(df, covariance_matrix | precision_matrix | scale_tril): the law of X = sum of df
outer products of N(0, Sigma) vectors, density
|X|^((df - p - 1)/2) exp(-tr(Sigma^-1 X)/2) / (2^(df p/2) |Sigma|^(df/2) Gamma_p(df/2))
on p x p positive-definite matrices."""

from __future__ import annotations

import copy
import math
import warnings
from typing import Any

from .. import creation
from ..backend import np
from ..ops import elementwise as ew
from ..ops import layout as lo
from ..ops import linalg_fns as la
from ..ops import mathfns as mf
from ..tensor import Size, Tensor
from . import constraints
from .chi2 import Chi2
from .distribution import expand_to
from .exp_family import ExponentialFamily
from .multivariate_normal import CholeskyMatrices, _as_float, _precision_to_scale_tril
from .transforms import vec_to_tril_matrix

__all__ = ["Wishart"]

_LOG_2 = math.log(2)


def _mvlgamma(a: Tensor, p: int) -> Tensor:
    """log Gamma_p(a) = p(p-1)/4 log pi + sum_{i<p} lgamma(a - i/2)."""
    out: Any = p * (p - 1) / 4 * math.log(math.pi)
    for i in range(p):
        out = out + ew.lgamma(a - i / 2)
    return out


def _mvdigamma(a: Tensor, p: int) -> Tensor:
    """d/da log Gamma_p(a) = sum_{i<p} digamma(a - i/2)."""
    out: Any = 0.0
    for i in range(p):
        out = out + mf.digamma(a - i / 2)
    return out


class Wishart(CholeskyMatrices, ExponentialFamily):
    """The Wishart distribution with ``df`` > p - 1 degrees of freedom and scale Sigma (given
    as exactly one of ``covariance_matrix``, ``precision_matrix``, ``scale_tril``).

    ``rsample`` uses the Bartlett decomposition X = L A A^T L^T (A lower triangular, A_ii^2 ~
    Chi2(df - i), A_ij ~ N(0, 1) below the diagonal), differentiable in df (through the
    chi-squared draws) and Sigma; draws that come out singular (possible for df < p) are
    redrawn up to ``max_try_correction`` times, with a warning.

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Wishart(torch.tensor(4.0), covariance_matrix=torch.eye(2))
        >>> d.mean
        tensor([[4., 0.],
                [0., 4.]])
    """

    support = constraints.positive_definite
    has_rsample = True

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:  # type: ignore[override]
        """The matrices' constraints and ``df > p - 1``."""
        return {
            "covariance_matrix": constraints.positive_definite,
            "precision_matrix": constraints.positive_definite,
            "scale_tril": constraints.lower_cholesky,
            "df": constraints.greater_than(self.event_shape[-1] - 1),
        }

    def __init__(
        self,
        df: Any,
        covariance_matrix: Any = None,
        precision_matrix: Any = None,
        scale_tril: Any = None,
        validate_args: bool | None = None,
    ) -> None:
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
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
            raise ValueError(
                "scale_tril must be at least two-dimensional, with optional leading batch "
                "dimensions"
            )
        if matrix.shape[-1] != matrix.shape[-2]:
            raise ValueError(f"{name} must be square, got shape {tuple(matrix.shape)}")
        p = matrix.shape[-1]
        if isinstance(df, Tensor):
            df_t = df if df.is_floating_point() else df.to(dtype=matrix.dtype)
            batch_shape = tuple(lo.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(df.shape)))
            self.df = expand_to(df_t, batch_shape)
        else:
            batch_shape = tuple(matrix.shape[:-2])
            self.df = creation.tensor(float(df), dtype=matrix.dtype, device=matrix.device)
        if bool((self.df <= p - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        setattr(self, name, expand_to(matrix, batch_shape + (p, p)))
        self._given = name
        if bool((self.df < p).any()):
            warnings.warn(
                "Low df values detected. Singular samples are highly likely to occur for "
                "ndim - 1 < df < ndim.",
                stacklevel=2,
            )
        super().__init__(batch_shape, (p, p), validate_args=validate_args)
        self._validate_params(name)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = la.linalg_cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)
        self._dist_chi2 = self._make_chi2(self.df, batch_shape)

    def _make_chi2(self, df: Tensor, batch_shape: tuple) -> Chi2:
        """Chi2(df - i) for the Bartlett diagonal, i = 0 .. p - 1."""
        p = self.event_shape[-1]
        steps = creation.tensor(np.arange(p, dtype=np.float64), dtype=df.dtype, device=df.device)
        return Chi2(df.unsqueeze(-1) - expand_to(steps, tuple(batch_shape) + (p,)))

    def expand(self, batch_shape: Any, _instance: Any = None) -> Wishart:
        """A new Wishart with df and the matrix broadcast to ``batch_shape``."""
        batch_shape = tuple(batch_shape)
        new = copy.copy(self)
        shape = batch_shape + tuple(self.event_shape)
        new._unbroadcasted_scale_tril = expand_to(self._unbroadcasted_scale_tril, shape)
        new.df = expand_to(self.df, batch_shape)
        setattr(new, self._given, expand_to(getattr(self, self._given), shape))
        new._dist_chi2 = self._make_chi2(new.df, batch_shape)
        new._batch_shape = Size(batch_shape)
        return new

    def _df_matrix(self) -> Tensor:
        return expand_to(self.df, self.batch_shape).reshape(tuple(self.batch_shape) + (1, 1))

    @property
    def mean(self) -> Tensor:
        return self._df_matrix() * self.covariance_matrix

    @property
    def mode(self) -> Tensor:
        factor = self._df_matrix() - self.event_shape[-1] - 1
        return ew.where(factor > 0, factor, math.nan) * self.covariance_matrix

    @property
    def variance(self) -> Tensor:
        V = self.covariance_matrix
        d = V.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix() * (V.pow(2) + d.unsqueeze(-1) * d.unsqueeze(-2))

    def _bartlett(self, sample_shape: tuple) -> Tensor:
        p = self.event_shape[-1]
        eps = float(np.finfo(self._unbroadcasted_scale_tril._data.dtype).eps)
        diag = ew.clamp(ew.sqrt(self._dist_chi2.rsample(sample_shape)), eps, None)
        below = creation.randn(
            tuple(sample_shape) + tuple(self.batch_shape) + (p * (p - 1) // 2,),
            dtype=diag.dtype,
            device=diag.device,
        )
        noise = diag.diag_embed() + (vec_to_tril_matrix(below, diag=-1) if p > 1 else 0)
        chol = self._unbroadcasted_scale_tril @ noise
        return chol @ chol.mT

    def rsample(self, sample_shape: Any = (), max_try_correction: int | None = None) -> Tensor:
        sample_shape = tuple(self._extended_shape(sample_shape)[: len(tuple(sample_shape))])
        tries = 10 if max_try_correction is None else max_try_correction
        sample = self._bartlett(sample_shape)
        singular = ~constraints.positive_definite.check(sample)
        if bool(singular.any()):
            warnings.warn("Singular sample detected.", stacklevel=2)
            for _ in range(tries):
                fresh = self._bartlett(sample_shape)
                mask = singular.reshape(tuple(singular.shape) + (1, 1))
                sample = ew.where(mask, fresh, sample)
                singular = ~constraints.positive_definite.check(sample)
                if not bool(singular.any()):
                    break
        return sample

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        nu = self.df
        p = self.event_shape[-1]
        L = self._unbroadcasted_scale_tril
        half_log_det = ew.log(L.diagonal(dim1=-2, dim2=-1)).sum(-1)
        trace = la.cholesky_solve(value, L).diagonal(dim1=-2, dim2=-1).sum(-1)
        logdet = la.linalg_slogdet(value)[1]
        return (
            -nu * (p * _LOG_2 / 2 + half_log_det)
            - _mvlgamma(nu / 2, p)
            + (nu - p - 1) / 2 * logdet
            - trace / 2
        )

    def entropy(self) -> Tensor:
        nu = self.df
        p = self.event_shape[-1]
        half_log_det = ew.log(self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1)).sum(-1)
        return (
            (p + 1) * (p * _LOG_2 / 2 + half_log_det)
            + _mvlgamma(nu / 2, p)
            - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p)
            + nu * p / 2
        )

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        p = self.event_shape[-1]
        return -self.precision_matrix / 2, (self.df - p - 1) / 2

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        p = self.event_shape[-1]
        logdet = la.linalg_slogdet(-2 * x)[1]
        return (y + (p + 1) / 2) * (-logdet + math.log(2) * p) + _mvlgamma(y + (p + 1) / 2, p)

    _mean_carrier_measure = 0
