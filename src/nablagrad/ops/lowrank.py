"""Randomized low-rank SVD and PCA (torch.svd_lowrank, torch.pca_lowrank).

Halko, Martinsson and Tropp (2009), "Finding structure with randomness", algorithms 4.4 and
5.1: a Gaussian test matrix ``R`` (``n x q``) samples the range of ``A``, a few power
iterations sharpen it, ``Q`` is an orthonormal basis of the sample, and the small matrix
``Q^T A`` is decomposed exactly.  Composed of ``matmul``, ``linalg.qr`` and ``linalg.svd``, so
differentiable through them; ``R`` is ``randn(n, q)`` from the default generator, the draws
torch makes after the same ``manual_seed``.

Example:
    >>> import nablagrad as torch
    >>> _ = torch.manual_seed(0)
    >>> A = torch.tensor([[3.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    >>> U, S, V = torch.svd_lowrank(A, q=2)
    >>> torch.allclose(S, torch.tensor([3.0, 1.0]))
    True
"""

from __future__ import annotations

from typing import Any

from ..backend import get_array_module, np, to_device
from ..random import _gen
from ..tensor import Tensor
from . import linalg as la
from . import reduce as rd
from . import shape as sh
from .linalg_fns import linalg_qr, linalg_svd

__all__ = ["svd_lowrank", "pca_lowrank"]


def _mT(x: Tensor) -> Tensor:
    return sh.transpose(x, -1, -2)


def _range_basis(A: Tensor, q: int, niter: int, M: Tensor | None) -> Tensor:
    """``Q`` (``m x q``, orthonormal columns) with ``Q Q^T (A - M) ~ A - M``: the range of
    ``(A - M) R`` for a Gaussian ``R``, refined by ``niter`` power iterations (each one
    re-orthonormalised, for stability)."""
    xp = get_array_module(A._data)
    draw = _gen(None).torch_normal((A.shape[-1], q), A._data.dtype)  # torch.randn(n, q)
    R = Tensor._wrap(draw if xp is np else to_device(draw, "cuda"))

    def times(B: Tensor, transpose: bool) -> Tensor:
        left = _mT(A) if transpose else A
        out = la.matmul(left, B)
        if M is not None:
            out = out - la.matmul(_mT(M) if transpose else M, B)
        return out

    Q = linalg_qr(times(R, False)).Q
    for _ in range(niter):
        Q = linalg_qr(times(Q, True)).Q
        Q = linalg_qr(times(Q, False)).Q
    return Q


def _check(name: str, A: Any, q: Any, niter: Any) -> None:
    if not isinstance(A, Tensor):
        raise TypeError(f"{name}(): A must be a Tensor, not {type(A).__name__}")
    if A._data.dtype.kind != "f":
        raise RuntimeError(
            f"{name}: expected a floating point tensor, got {A.dtype} (convert with .float())"
        )
    if A.ndim < 2:
        raise RuntimeError(f"{name}: A must be a matrix or a batch of matrices, got {A.ndim}-D")
    if isinstance(niter, bool) or not isinstance(niter, (int, np.integer)) or niter < 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or q < 0:
        raise ValueError(f"q(={q}) must be non-negative integer")


def svd_lowrank(
    A: Tensor,  # noqa: N803
    q: int | None = 6,
    niter: int | None = 2,
    M: Tensor | None = None,  # noqa: N803
) -> tuple[Tensor, Tensor, Tensor]:
    """A rank-``q`` approximate SVD ``A - M ~ U diag(S) V^T`` (``U``: ``m x q``, ``S``: ``q``,
    ``V``: ``n x q``), randomized (Halko et al. 2009, alg. 5.1): ``Q`` spans ``(A - M) R``
    after ``niter`` power iterations, ``Q^T (A - M) = U' S V^T`` exactly, ``U = Q U'``.  Exact
    (up to rounding) when ``rank(A - M) <= q``; ``M`` broadcasts to ``A``.

    Example:
        >>> import nablagrad as torch
        >>> _ = torch.manual_seed(0)
        >>> A = torch.tensor([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])  # rank 1
        >>> U, S, V = torch.svd_lowrank(A, q=1)
        >>> torch.allclose(U * S @ V.mT, A, atol=1e-5)
        True
    """
    q = 6 if q is None else q
    niter = 2 if niter is None else niter
    _check("svd_lowrank", A, q, niter)
    m, n = A.shape[-2], A.shape[-1]
    if M is not None:
        M = M.broadcast_to(A.shape)
    if m < n:  # work on the tall transpose: the basis is then the smaller one
        A = _mT(A)
        M = None if M is None else _mT(M)
    Q = _range_basis(A, q, niter, M)
    B = la.matmul(_mT(Q), A)
    if M is not None:
        B = B - la.matmul(_mT(Q), M)
    U, S, Vh = linalg_svd(B, full_matrices=False)
    U, V = la.matmul(Q, U), _mT(Vh)
    if m < n:
        U, V = V, U
    return U, S, V


def pca_lowrank(
    A: Tensor,  # noqa: N803
    q: int | None = None,
    center: bool = True,
    niter: int = 2,
) -> tuple[Tensor, Tensor, Tensor]:
    """Principal components of the rows of ``A`` (``m`` samples, ``n`` features):
    ``svd_lowrank(A - mean(A, rows), q, niter)`` (``A`` itself when not ``center``), with
    ``q = min(6, m, n)`` by default.  ``V``'s columns are the principal directions and
    ``S**2 / (m - 1)`` the variances along them.

    Example:
        >>> import nablagrad as torch
        >>> _ = torch.manual_seed(0)
        >>> A = torch.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
        >>> U, S, V = torch.pca_lowrank(A, q=1)
        >>> (S**2 / 2).round(decimals=4), V.abs().round(decimals=4)
        (tensor([2.]), tensor([[0.7071],
                [0.7071]]))
    """
    _check("pca_lowrank", A, 0, niter)
    m, n = A.shape[-2], A.shape[-1]
    if q is None:
        q = min(6, m, n)
    elif isinstance(q, bool) or not isinstance(q, (int, np.integer)) or not 0 <= q <= min(m, n):
        raise ValueError(
            f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}"
        )
    if not center:
        return svd_lowrank(A, q, niter=niter)
    return svd_lowrank(A - rd.mean(A, dim=-2, keepdim=True), q, niter=niter)
