"""torch.linalg's functions (and torch's top-level aliases), composed from ``decomp``'s primitives.

``nablagrad.linalg`` re-exports these under torch.linalg's names; the names that clash with
torch's top-level functions of another meaning carry a ``linalg_`` prefix here
(``linalg_norm``, ``linalg_cross``, ``linalg_diagonal``, ``linalg_vander``, ``linalg_svd``,
``linalg_qr``, ``linalg_cholesky``, ``linalg_slogdet``).
"""

from __future__ import annotations

import builtins
import math
import warnings
from typing import Any, NamedTuple

from .. import _validate
from ..autograd.function import torch_node
from ..backend import get_array_module, np, to_host
from ..tensor import Tensor
from . import elementwise as ew
from . import linalg as la
from . import mathfns as mf
from . import matrices as mx
from . import reduce as rd
from . import shape as sh
from .decomp import (
    Cholesky,
    CholeskySolve,
    Det,
    Eigh,
    Inv,
    LinAlgError,
    LogAbsDet,
    Qr,
    Solve,
    Svd,
    unpack,
)

INF = float("inf")


# -- result types (torch.return_types.*) ---------------------------------------------------------


class SlogdetResult(NamedTuple):
    sign: Tensor
    logabsdet: Tensor


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


class SVDResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


class SvdResult(NamedTuple):  # torch.svd: V, not Vh
    U: Tensor
    S: Tensor
    V: Tensor


class QRResult(NamedTuple):
    Q: Tensor
    R: Tensor


class InvExResult(NamedTuple):
    inverse: Tensor
    info: Tensor


class CholeskyExResult(NamedTuple):
    L: Tensor
    info: Tensor


class SolveExResult(NamedTuple):
    result: Tensor
    info: Tensor


class TriangularSolveResult(NamedTuple):
    solution: Tensor
    cloned_coefficient: Tensor


class LstsqResult(NamedTuple):
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


# -- checks --------------------------------------------------------------------------------------

_DTYPE_NAMES = {"i": "Long", "u": "Byte", "b": "Bool"}


def _floating(name: str, A: Any) -> Tensor:
    if not isinstance(A, Tensor):
        raise TypeError(f"{name}(): argument 'A' must be a Tensor, not {type(A).__name__}")
    if A._data.dtype.kind != "f":
        kind = A._data.dtype
        got = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char"}.get(
            str(kind), _DTYPE_NAMES.get(kind.kind, str(kind))
        )
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got {got} "
            "(convert it with .float() or .double())"
        )
    return A


def _matrices(name: str, A: Any, arg: str = "A") -> Tensor:
    _floating(name, A)
    if A.ndim < 2:
        raise RuntimeError(
            f"{name}: The input tensor {arg} must have at least 2 dimensions (got {A.ndim}): "
            "pass a matrix or a batch of matrices"
        )
    return A


def _square(name: str, A: Any, arg: str = "A") -> Tensor:
    _matrices(name, A, arg)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{name}: {arg} must be batches of square matrices, but they are "
            f"{A.shape[-2]} by {A.shape[-1]} matrices"
        )
    return A


def _same_dtype(name: str, A: Tensor, B: Tensor) -> None:
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(
            f"{name}: Expected A and B to have the same dtype, but found A of type {A.dtype} "
            f"and B of type {B.dtype} instead (convert one with .to(other.dtype))"
        )


def _mT(x: Tensor) -> Tensor:
    return sh.transpose(x, -1, -2)


def _int_tensor(values: Any, like: Tensor, dtype: str = "int32") -> Tensor:
    xp = get_array_module(like._data)
    return Tensor._wrap(xp.asarray(values, dtype=dtype))


# -- inverses, determinants, solves ------------------------------------------------------------


@torch_node("LinalgInvExBackward0")
def inv(A: Tensor, *, out: Any = None) -> Tensor:
    """The inverse of a square matrix (or batch): ``A @ inv(A) = I``.

    Example:
        >>> import nablagrad as torch
        >>> torch.linalg.inv(torch.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    _square("linalg.inv", A)
    return _out(Inv.apply(A), out)


def _out(res: Any, out: Any) -> Any:
    if out is None:
        return res
    if isinstance(res, tuple):
        for o, r in zip(out, res):
            o.copy_(r)
        return out
    return out.copy_(res)


def _singular_mask(A: Tensor) -> Any:
    """Which matrices of the batch are exactly singular (no inverse in floating point)."""
    xp = get_array_module(A._data)
    with np.errstate(all="ignore"):
        cond = xp.linalg.cond(A._data) if A.shape[-1] else xp.zeros(A.shape[:-2])
    return ~xp.isfinite(cond)


@torch_node("LinalgInvExBackward0")
def inv_ex(A: Tensor, *, check_errors: bool = False, out: Any = None) -> InvExResult:
    """``inv`` that reports singular matrices in ``info`` (nonzero) instead of raising.

    A singular matrix's entry of ``inverse`` is NaN (torch leaves LAPACK's partial result).
    """
    _square("linalg.inv_ex", A)
    bad = _singular_mask(A)
    info = _int_tensor(bad.astype("int32"), A)
    if not bad.any():
        return _out(InvExResult(Inv.apply(A), info), out)
    if check_errors:
        raise LinAlgError(
            "linalg.inv_ex: The diagonal element is zero, the inversion could not be "
            "completed because the input matrix is singular"
        )
    xp = get_array_module(A._data)
    eye = xp.eye(A.shape[-1], dtype=A._data.dtype)
    safe = ew.where(Tensor._wrap(bad[..., None, None]), Tensor._wrap(eye), A)
    nan = Tensor._wrap(xp.asarray(float("nan"), dtype=A._data.dtype))
    res = ew.where(Tensor._wrap(bad[..., None, None]), nan, Inv.apply(safe))
    return _out(InvExResult(res, info), out)


@torch_node("LinalgInvExBackward0")
def inverse(input: Tensor, *, out: Any = None) -> Tensor:  # noqa: A002
    """torch.inverse: the same as ``linalg.inv``."""
    _square("inverse", input)
    return _out(Inv.apply(input, name="inverse"), out)


@torch_node("LinalgDetBackward0")
def det(A: Tensor, *, out: Any = None) -> Tensor:
    """The determinant; gradient ``det(A) * A^-T``.

    Example:
        >>> import nablagrad as torch
        >>> torch.linalg.det(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor(-2.)
    """
    _square("linalg.det", A)
    return _out(Det.apply(A), out)


@torch_node("LinalgSlogdetBackward0")
def linalg_slogdet(A: Tensor, *, out: Any = None) -> SlogdetResult:
    """``(sign, log|det|)``: the determinant without overflow; ``logabsdet``'s gradient is
    ``A^-T``."""
    _square("linalg.slogdet", A)
    xp = get_array_module(A._data)
    sign = Tensor._wrap(xp.asarray(xp.linalg.slogdet(A._data)[0], dtype=A._data.dtype))
    return _out(SlogdetResult(sign, LogAbsDet.apply(A)), out)


def logdet(input: Tensor) -> Tensor:  # noqa: A002
    """log(det(A)): NaN for a negative determinant, -inf for a singular matrix."""
    _square("logdet", input)
    sign, lad = linalg_slogdet(input)
    xp = get_array_module(input._data)
    with np.errstate(all="ignore"):
        shift = xp.where(sign._data < 0, xp.nan, 0.0).astype(input._data.dtype)
    return lad + Tensor._wrap(shift)


def _broadcast_batch(A: Tensor, B: Tensor) -> tuple[Tensor, Tensor]:
    batch = _validate.broadcast_shapes([tuple(A.shape[:-2]), tuple(B.shape[:-2])], "linalg.solve")
    if tuple(A.shape[:-2]) != batch:
        A = sh.expand(A, batch + tuple(A.shape[-2:]))
    if tuple(B.shape[:-2]) != batch:
        B = sh.expand(B, batch + tuple(B.shape[-2:]))
    return A, B


def _solve(name: str, A: Tensor, B: Tensor, left: bool, vectors: bool = True) -> Tensor:
    _square(name, A)
    _floating(name, B)
    _same_dtype(name, A, B)
    vector = vectors and (
        B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    )
    if not left:
        if vector:
            raise RuntimeError(
                f"{name}: Vector broadcasting of the left hand side is not supported for "
                "left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)"
            )
        return _mT(_solve(name, _mT(A), _mT(B), True, vectors))
    if vector:
        B = sh.unsqueeze(B, -1)
    if B.shape[-2] != A.shape[-1]:
        raise RuntimeError(
            f"{name}: Incompatible shapes of A and B for the equation AX = B "
            f"({A.shape[-2]}x{A.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})"
        )
    A2, B2 = _broadcast_batch(A, B)
    X = Solve.apply(A2, B2, name=name)
    return sh.squeeze(X, -1) if vector else X


@torch_node("LinalgSolveExBackward0")
def solve(A: Tensor, B: Tensor, *, left: bool = True, out: Any = None) -> Tensor:
    """X with ``A X = B`` (``X A = B`` when ``left=False``); ``B`` may be a (batch of) vectors.

    Example:
        >>> import nablagrad as torch
        >>> torch.linalg.solve(torch.tensor([[2.0, 0.0], [0.0, 4.0]]), torch.tensor([2.0, 2.0]))
        tensor([1.0000, 0.5000])
    """
    return _out(_solve("linalg.solve", A, B, left), out)


@torch_node("LinalgSolveExBackward0")
def solve_ex(
    A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False, out: Any = None
) -> SolveExResult:
    """``solve`` that reports singular systems in ``info`` instead of raising (result NaN)."""
    _square("linalg.solve_ex", A)
    bad = _singular_mask(A)
    info = _int_tensor(bad.astype("int32"), A)
    if not bad.any():
        return _out(SolveExResult(_solve("linalg.solve_ex", A, B, left), info), out)
    if check_errors:
        raise LinAlgError(
            "linalg.solve_ex: The solver failed because the input matrix is singular."
        )
    xp = get_array_module(A._data)
    mask = Tensor._wrap(bad[..., None, None])
    safe = ew.where(mask, Tensor._wrap(xp.eye(A.shape[-1], dtype=A._data.dtype)), A)
    res = _solve("linalg.solve_ex", safe, B, left)
    nan = Tensor._wrap(xp.asarray(float("nan"), dtype=A._data.dtype))
    m = bad.reshape(bad.shape + (1,) * (res.ndim - bad.ndim))
    return _out(SolveExResult(ew.where(Tensor._wrap(m), nan, res), info), out)


def solve_triangular(
    A: Tensor,
    B: Tensor,
    *,
    upper: bool,
    left: bool = True,
    unitriangular: bool = False,
    out: Any = None,
) -> Tensor:
    """X with ``A X = B`` for triangular ``A`` (only its ``upper``/lower triangle is read)."""
    name = "linalg.solve_triangular"
    _square(name, A)
    _matrices(name, B, "B")
    _same_dtype(name, A, B)
    T = mx.triu(A, 1 if unitriangular else 0) if upper else mx.tril(A, -1 if unitriangular else 0)
    if unitriangular:
        T = T + Tensor._wrap(get_array_module(A._data).eye(A.shape[-1], dtype=A._data.dtype))
    res = _solve(name, T, B, left, vectors=False)
    return _out(res, out)


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out: Any = None) -> Tensor:  # noqa: N803
    """X with ``A X = B`` where ``A = L L^T`` (``U^T U`` with ``upper``)."""
    _matrices("cholesky_solve", B, "B")
    _square("cholesky_solve", L, "L")
    _same_dtype("cholesky_solve", L, B)
    if B.shape[-2] != L.shape[-1]:
        raise RuntimeError(
            f"cholesky_solve: Incompatible shapes of A and B for the equation AX = B "
            f"({L.shape[-2]}x{L.shape[-1]} and {B.shape[-2]}x{B.shape[-1]})"
        )
    L2, B2 = _broadcast_batch(L, B)
    return _out(CholeskySolve.apply(B2, L2, upper=upper), out)


def triangular_solve(
    input: Tensor,  # noqa: A002
    A: Tensor,  # noqa: N803
    upper: bool = True,
    transpose: bool = False,
    unitriangular: bool = False,
    *,
    out: Any = None,
) -> TriangularSolveResult:
    """torch's deprecated ``triangular_solve``: X with ``A X = input`` (``A^T X = input`` with
    ``transpose``) for the ``upper`` (or lower) triangle of A, returned with a copy of A.
    Prefer ``linalg.solve_triangular(A, input, upper=...)``.

    Example:
        >>> import nablagrad as torch
        >>> A = torch.tensor([[2.0, 1.0], [0.0, 4.0]])
        >>> torch.triangular_solve(torch.tensor([[3.0], [4.0]]), A).solution
        tensor([[1.],
                [1.]])
    """
    warnings.warn(
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular and "
        "will be removed in a future PyTorch release: X = torch.triangular_solve(B, A).solution "
        "should be replaced with X = torch.linalg.solve_triangular(A, B).",
        UserWarning,
        stacklevel=2,
    )
    T = _mT(A) if transpose else A
    X = solve_triangular(T, input, upper=upper != transpose, unitriangular=unitriangular)
    return _out(TriangularSolveResult(X, A.clone()), out)


def cholesky_inverse(L: Tensor, upper: bool = False, *, out: Any = None) -> Tensor:  # noqa: N803
    """``(L L^T)^-1`` from a Cholesky factor (``(U^T U)^-1`` with ``upper``)."""
    _square("cholesky_inverse", L, "input")
    xp = get_array_module(L._data)
    eye = Tensor._wrap(xp.broadcast_to(xp.eye(L.shape[-1], dtype=L._data.dtype), L.shape))
    return _out(cholesky_solve(eye, L, upper), out)


# -- factorizations ------------------------------------------------------------------------------


@torch_node("LinalgCholeskyExBackward0")
def linalg_cholesky(A: Tensor, *, upper: bool = False, out: Any = None) -> Tensor:
    """The Cholesky factor ``L`` (lower, ``A = L L^T``; ``U = L^T`` with ``upper``) of a
    symmetric positive-definite matrix; only the lower triangle of ``A`` is read."""
    _square("linalg.cholesky", A)
    L = Cholesky.apply(A)
    return _out(_mT(L) if upper else L, out)


@torch_node("LinalgCholeskyExBackward0")
def cholesky_ex(
    A: Tensor, *, upper: bool = False, check_errors: bool = False, out: Any = None
) -> CholeskyExResult:
    """``cholesky`` reporting failure in ``info`` (nonzero; the factor is NaN there)."""
    _square("linalg.cholesky_ex", A)
    xp = get_array_module(A._data)
    bad = xp.zeros(A.shape[:-2], dtype=bool)
    for idx in np.ndindex(*A.shape[:-2]):
        try:
            xp.linalg.cholesky(A._data[idx])
        except np.linalg.LinAlgError:
            bad[idx] = True
    info = _int_tensor(bad.astype("int32"), A)
    if not bad.any():
        return _out(CholeskyExResult(linalg_cholesky(A, upper=upper), info), out)
    if check_errors:
        raise LinAlgError(
            "linalg.cholesky_ex: The factorization could not be completed because the input "
            "is not positive-definite"
        )
    mask = Tensor._wrap(bad[..., None, None])
    safe = ew.where(mask, Tensor._wrap(xp.eye(A.shape[-1], dtype=A._data.dtype)), A)
    nan = Tensor._wrap(xp.asarray(float("nan"), dtype=A._data.dtype))
    return _out(
        CholeskyExResult(ew.where(mask, nan, linalg_cholesky(safe, upper=upper)), info), out
    )


@torch_node("CholeskyBackward0")
def cholesky(input: Tensor, upper: bool = False, *, out: Any = None) -> Tensor:  # noqa: A002
    """torch.cholesky (deprecated in torch, still present): ``linalg.cholesky``."""
    return linalg_cholesky(input, upper=upper, out=out)


@torch_node("LinalgQrBackward0")
def linalg_qr(A: Tensor, mode: str = "reduced", *, out: Any = None) -> QRResult:
    """``A = Q R``; ``mode`` 'reduced' (Q m x k), 'complete' (Q m x m) or 'r' (R only, Q empty)."""
    _matrices("linalg.qr", A)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
            "'r', or 'complete'"
        )
    m, n = A.shape[-2], A.shape[-1]
    batch = tuple(A.shape[:-2])
    packed = Qr.apply(A, mode=mode)
    q, r = unpack(packed, batch, Qr.shapes(m, n, "reduced" if mode == "r" else mode))
    if mode == "r":
        q = Tensor._wrap(get_array_module(A._data).zeros((0,), dtype=A._data.dtype))
    return _out(QRResult(q, r), out)


@torch_node("LinalgQrBackward0")
def qr(input: Tensor, some: bool = True, *, out: Any = None) -> QRResult:  # noqa: A002
    """torch.qr: ``linalg.qr`` with ``some=False`` meaning mode 'complete'."""
    return linalg_qr(input, "reduced" if some else "complete", out=out)


@torch_node("LinalgEighBackward0")
def eigh(A: Tensor, UPLO: str = "L", *, out: Any = None) -> EighResult:  # noqa: N803
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix; only the
    ``UPLO`` triangle is read.  Gradients need distinct eigenvalues."""
    _square("linalg.eigh", A)
    _uplo(UPLO)
    n = A.shape[-1]
    packed = Eigh.apply(A, uplo=UPLO)
    w, v = unpack(packed, tuple(A.shape[:-2]), [(n,), (n, n)])
    return _out(EighResult(w, v), out)


def _uplo(UPLO: Any) -> None:  # noqa: N803
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


@torch_node("LinalgEighBackward0")
def eigvalsh(A: Tensor, UPLO: str = "L", *, out: Any = None) -> Tensor:  # noqa: N803
    """The eigenvalues (ascending) of a symmetric matrix."""
    _square("linalg.eigvalsh", A)
    _uplo(UPLO)
    return _out(Eigh.apply(A, uplo=UPLO, values_only=True), out)


@torch_node("LinalgSvdBackward0")
def linalg_svd(
    A: Tensor, full_matrices: bool = True, *, driver: Any = None, out: Any = None
) -> SVDResult:
    """``A = U diag(S) Vh`` with descending ``S``; gradients of U and Vh need distinct
    singular values (and, when ``full_matrices`` and A is not square, only the first k
    columns of U / rows of Vh carry gradient)."""
    _matrices("linalg.svd", A)
    m, n = A.shape[-2], A.shape[-1]
    packed = Svd.apply(A, full_matrices=full_matrices)
    u, s, vh = unpack(packed, tuple(A.shape[:-2]), Svd.shapes(m, n, full_matrices))
    return _out(SVDResult(u, s, vh), out)


@torch_node("LinalgSvdBackward0")
def svdvals(A: Tensor, *, driver: Any = None, out: Any = None) -> Tensor:
    """The singular values, descending (gradient ``U diag(gS) Vh``, defined everywhere)."""
    _matrices("linalg.svdvals", A)
    return _out(Svd.apply(A, values_only=True), out)


@torch_node("LinalgSvdBackward0")
def svd(
    input: Tensor,  # noqa: A002
    some: bool = True,
    compute_uv: bool = True,
    *,
    out: Any = None,
) -> SvdResult:
    """torch.svd: ``(U, S, V)`` with ``V`` (not ``Vh``); ``some=False`` gives full U and V;
    ``compute_uv=False`` gives zero-filled U (m x m) and V (n x n)."""
    _matrices("svd", input)
    if not compute_uv:
        m, n = input.shape[-2], input.shape[-1]
        xp = get_array_module(input._data)
        batch = tuple(input.shape[:-2])
        z = lambda k: Tensor._wrap(xp.zeros(batch + (k, k), dtype=input._data.dtype))  # noqa: E731
        return _out(SvdResult(z(m), svdvals(input), z(n)), out)
    u, s, vh = linalg_svd(input, full_matrices=not some)
    return _out(SvdResult(u, s, _mT(vh)), out)


# -- norms -----------------------------------------------------------------------------------


def _as_float(name: str, x: Tensor, dtype: Any) -> Tensor:
    if dtype is not None:
        x = x.to(dtype=dtype)
    return _floating(name, x)


@_validate.numpy_names
def vector_norm(
    x: Tensor,
    ord: Any = 2,  # noqa: A002
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    out: Any = None,
) -> Tensor:
    """``(sum |x|^ord)^(1/ord)`` over ``dim`` (all elements by default); ``ord`` may be
    ``inf`` (max |x|), ``-inf`` (min |x|), 0 (nonzero count) or negative.

    Example:
        >>> import nablagrad as torch
        >>> torch.linalg.vector_norm(torch.tensor([3.0, -4.0]))
        tensor(5.)
    """
    x = _as_float("linalg.vector_norm", x, dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got '{ord}'")
    ord = float(ord)  # noqa: A001
    if dim is not None and not isinstance(dim, int):
        dim = tuple(dim)
    if ord < 0 and ord != -INF:
        axes = sh.normalize_dims(dim, x.ndim)
        a = ew.abs(x)
        return _out(rd.sum(a**ord, axes, keepdim) ** (1.0 / ord), out)
    return _out(rd.norm(x, ord, dim, keepdim), out)


def _norm2(A: Tensor, d0: int, d1: int, keepdim: bool, fn: Any) -> Tensor:
    """Apply ``fn`` to the matrices spanned by dims (d0, d1) (moved last); keepdim restores."""
    nd = A.ndim
    a0, a1 = d0 % nd, d1 % nd
    rest = [i for i in range(nd) if i not in (a0, a1)]
    res = fn(sh.permute(A, *rest, a0, a1))
    if keepdim:
        for ax in sorted((a0, a1)):
            res = sh.unsqueeze(res, ax)
    return res


@_validate.numpy_names
def matrix_norm(
    A: Tensor,
    ord: Any = "fro",  # noqa: A002
    dim: Any = (-2, -1),
    keepdim: bool = False,
    *,
    dtype: Any = None,
    out: Any = None,
) -> Tensor:
    """Matrix norms over the two dims ``dim``: 'fro', 'nuc' (sum of singular values),
    ``inf``/``-inf`` (max/min row sum of |A|), 1/-1 (max/min column sum), 2/-2 (largest /
    smallest singular value).

    Example:
        >>> import nablagrad as torch
        >>> torch.linalg.matrix_norm(torch.tensor([[1.0, -2.0], [3.0, 4.0]]), 1)
        tensor(6.)
    """
    A = _as_float("linalg.matrix_norm", A, dtype)
    if A.ndim < 2:
        raise RuntimeError(
            f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions (got {A.ndim})"
        )
    dim = tuple(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    d0, d1 = (_validate.dim(d, A.ndim, fn="linalg.matrix_norm") for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if ord == "fro":
        return _out(rd.norm(A, 2, (d0, d1), keepdim), out)
    if ord == "nuc":
        return _out(_norm2(A, d0, d1, keepdim, lambda M: rd.sum(svdvals(M), -1)), out)
    if ord in (2, -2):
        red = rd.amax if ord == 2 else rd.amin
        return _out(_norm2(A, d0, d1, keepdim, lambda M: red(svdvals(M), -1)), out)
    if ord in (INF, -INF, 1, -1):
        red = rd.amax if ord > 0 else rd.amin
        s_dim, r_dim = (d1, d0) if ord in (INF, -INF) else (d0, d1)
        res = red(rd.sum(ew.abs(A), s_dim, True), r_dim, True)
        if not keepdim:
            res = sh.squeeze(res, tuple(sorted((d0, d1))))
        return _out(res, out)
    raise RuntimeError(
        f"linalg.matrix_norm: Order {ord} not supported (use 'fro', 'nuc', inf, -inf, 1, -1, "
        "2 or -2)"
    )


@_validate.numpy_names
def linalg_norm(
    A: Tensor,
    ord: Any = None,  # noqa: A002
    dim: Any = None,
    keepdim: bool = False,
    *,
    out: Any = None,
    dtype: Any = None,
) -> Tensor:
    """torch.linalg.norm: a vector norm (``dim`` an int, or a 1-D input) or a matrix norm
    (``dim`` a 2-tuple, or a 2-D input); with neither ``ord`` nor ``dim``, the 2-norm of all
    elements."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
        if len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype, out=out)
        raise RuntimeError(
            f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}"
        )
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    raise RuntimeError(
        f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D"  # noqa: E501
    )


def cond(A: Tensor, p: Any = None, *, out: Any = None) -> Tensor:
    """The condition number ``||A||_p ||A^-1||_p`` (``p`` None/2: ``S_max / S_min``)."""
    _matrices("linalg.cond", A)
    if p is None or p in (2, -2):
        s = svdvals(A)
        hi, lo = rd.amax(s, -1), rd.amin(s, -1)
        return _out(hi / lo if p != -2 else lo / hi, out)
    _square("linalg.cond", A)
    return _out(matrix_norm(A, p) * matrix_norm(inv(A), p), out)


# -- pseudo-inverse, least squares, rank ------------------------------------------------------


def _tolerance(S_max: Any, m: int, n: int, atol: Any, rtol: Any, dtype: Any) -> Any:
    xp = get_array_module(S_max)
    eps = np.finfo(dtype).eps
    if rtol is None:
        rtol = eps * builtins.max(m, n) if atol is None or _is_zero(atol) else 0.0
    rt = rtol._data if isinstance(rtol, Tensor) else rtol
    at = (atol._data if isinstance(atol, Tensor) else atol) if atol is not None else 0.0
    return xp.maximum(xp.asarray(at, dtype=dtype), xp.asarray(rt, dtype=dtype) * S_max)


def _is_zero(v: Any) -> bool:
    return not isinstance(v, Tensor) and v == 0


@torch_node("LinalgPinvBackward0")
def pinv(
    A: Tensor,
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
    out: Any = None,
) -> Tensor:
    """The Moore-Penrose pseudo-inverse from the SVD (``eigh`` when ``hermitian``); singular
    values at or below ``max(atol, rtol * S_max)`` are treated as zero."""
    _matrices("linalg.pinv", A)
    m, n = A.shape[-2], A.shape[-1]
    dtype = A._data.dtype
    if hermitian:
        w, v = eigh(A)
        aw = ew.abs(w)
        tol = _tolerance(aw._data.max(axis=-1, keepdims=True), m, n, atol, rtol, dtype)
        keep = Tensor._wrap(aw._data > tol)
        winv = ew.where(keep, 1 / ew.where(keep, w, Tensor._wrap(np.ones((), dtype))), 0.0)
        return _out((v * sh.unsqueeze(winv, -2)) @ _mT(v), out)
    u, s, vh = linalg_svd(A, full_matrices=False)
    tol = _tolerance(s._data[..., :1], m, n, atol, rtol, dtype) if s.shape[-1] else 0.0
    keep = Tensor._wrap(s._data > tol)
    sinv = ew.where(keep, 1 / ew.where(keep, s, Tensor._wrap(np.ones((), dtype))), 0.0)
    return _out((_mT(vh) * sh.unsqueeze(sinv, -2)) @ _mT(u), out)


@torch_node("LinalgPinvBackward0")
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """torch.pinverse: ``linalg.pinv(input, rtol=rcond)``."""
    return pinv(input, rtol=rcond)


def matrix_rank(
    A: Tensor,
    *,
    atol: Any = None,
    rtol: Any = None,
    hermitian: bool = False,
    out: Any = None,
) -> Tensor:
    """The number of singular values above ``max(atol, rtol * S_max)`` (int64)."""
    _matrices("linalg.matrix_rank", A)
    m, n = A.shape[-2], A.shape[-1]
    xp = get_array_module(A._data)
    if hermitian:
        s = xp.abs(xp.linalg.eigvalsh(A._data))
        smax = s.max(axis=-1, keepdims=True) if n else xp.zeros(A.shape[:-2] + (1,))
    else:
        s = xp.linalg.svd(A._data, compute_uv=False)
        smax = s[..., :1] if s.shape[-1] else xp.zeros(A.shape[:-2] + (1,))
    tol = _tolerance(smax, m, n, atol, rtol, A._data.dtype)
    return _out(Tensor._wrap(xp.asarray((s > tol).sum(axis=-1), dtype="int64")), out)


@torch_node("LinalgLstsqBackward0")
def lstsq(
    A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None
) -> LstsqResult:
    """The least-squares solution of ``A X = B`` (minimum norm where underdetermined), from
    the pseudo-inverse.  As torch's CPU drivers: ``rank`` except for 'gels', ``residuals``
    (squared, when m > n and A has full rank) for 'gels', 'gelsd' and 'gelss', and
    ``singular_values`` for 'gelsd' and 'gelss'; the others are empty."""
    name = "torch.linalg.lstsq"
    _matrices(name, A)
    _floating(name, B)
    _same_dtype(name, A, B)
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(
            f"{name}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)"
        )
    vector = B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1])
    if not (B.ndim == A.ndim or vector):
        raise RuntimeError(
            f"{name}: input.dim() must be greater or equal to other.dim() and "
            "(input.dim() - other.dim()) <= 1"
        )
    Bm = sh.unsqueeze(B, -1) if vector else B
    if Bm.shape[-2] != A.shape[-2]:
        raise RuntimeError(
            f"{name}: input.size(-2) should match other.size(-2) ({A.shape[-2]} vs {Bm.shape[-2]})"
        )
    m, n = A.shape[-2], A.shape[-1]
    eps = np.finfo(A._data.dtype).eps
    rt = rcond if rcond is not None and rcond > 0 else eps * builtins.max(m, n)
    X = pinv(A, rtol=rt) @ Bm
    xp = get_array_module(A._data)
    rank = matrix_rank(A, rtol=rt)
    empty = Tensor._wrap(xp.zeros((0,), dtype=A._data.dtype))
    svals, resid = empty, empty
    if driver in ("gelsd", "gelss"):
        svals = svdvals(A.detach())
    full_rank = driver == "gels" or bool((rank._data == n).all())  # gels assumes full rank
    if driver in ("gels", "gelsd", "gelss") and m > n and full_rank:
        resid = rd.sum((A @ X - Bm) ** 2, -2)
        resid = sh.squeeze(resid, -1) if vector else resid
    if driver == "gels":  # no rank from gels
        rank = Tensor._wrap(xp.zeros((0,), dtype="int64"))
    return LstsqResult(sh.squeeze(X, -1) if vector else X, resid, rank, svals)


# -- products and functions of matrices --------------------------------------------------------


def matrix_power(A: Tensor, n: int, *, out: Any = None) -> Tensor:
    """``A^n`` by repeated squaring (``n < 0``: of the inverse; ``n = 0``: the identity)."""
    _floating("linalg.matrix_power", A) if n < 0 else None
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            "linalg.matrix_power: A must be batches of square matrices, but they are "
            f"{A.shape[-2] if A.ndim > 1 else ''} by {A.shape[-1] if A.ndim else ''} matrices"
        )
    if not isinstance(n, int):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:
        xp = get_array_module(A._data)
        eye = xp.broadcast_to(xp.eye(A.shape[-1], dtype=A._data.dtype), A.shape).copy()
        return _out(Tensor._wrap(eye) + 0 * A if A._requires_grad else Tensor._wrap(eye), out)
    base = inv(A) if n < 0 else A
    k = abs(n)
    result = None
    while k:
        if k & 1:
            result = base if result is None else la.matmul(result, base)
        k >>= 1
        if k:
            base = la.matmul(base, base)
    return _out(result, out)


@torch_node("LinalgMatrixExpBackward0")
def matrix_exp(A: Tensor) -> Tensor:
    """``exp(A) = sum_k A^k / k!`` by scaling and squaring: a Taylor polynomial of
    ``A / 2^s`` (norm <= 1/2), squared ``s`` times; differentiable (twice) through matmuls."""
    _square("linalg.matrix_exp", A)
    xp = get_array_module(A._data)
    n = A.shape[-1]
    if A.numel() == 0:
        return A.clone()
    norm1 = float(xp.abs(A._data).sum(axis=-2).max()) if n else 0.0
    s = builtins.max(0, int(math.ceil(math.log2(norm1))) + 1) if norm1 > 0.5 else 0
    X = A / (2.0**s) if s else A
    eye = Tensor._wrap(xp.eye(n, dtype=A._data.dtype))
    degree = 18 if A._data.dtype == np.float64 else 10
    P = eye + X / degree
    for k in range(degree - 1, 0, -1):
        P = eye + la.matmul(X, P) / k
    for _ in range(s):
        P = la.matmul(P, P)
    return P


def multi_dot(tensors: Any, *, out: Any = None) -> Tensor:
    """The product of a chain of matrices (the first may be a row vector, the last a
    column vector), multiplied in the cheapest order for three."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    first_vec, last_vec = ts[0].ndim == 1, ts[-1].ndim == 1
    if first_vec:
        ts[0] = sh.unsqueeze(ts[0], 0)
    if last_vec:
        ts[-1] = sh.unsqueeze(ts[-1], -1)
    for i, t in enumerate(ts):
        if t.ndim != 2:
            which = "first" if i == 0 else "last" if i == len(ts) - 1 else ""
            raise RuntimeError(
                f"multi_dot(): tensor {i} must be 2D"
                + (f" (the {which} may also be 1D)" if which else "")
                + f" but got {t.ndim}D"
            )
    res = ts[0]
    for t in ts[1:]:
        res = la.matmul(res, t)
    if first_vec:
        res = sh.squeeze(res, 0)
    if last_vec:
        res = sh.squeeze(res, -1)
    return _out(res, out)


@_validate.numpy_names
@torch_node("LinalgCrossBackward0")
def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1, out: Any = None) -> Tensor:  # noqa: A002
    """The 3-D cross product along ``dim`` (default the last), with broadcasting."""
    if input.ndim != other.ndim:
        raise RuntimeError(
            "linalg.cross: inputs must have the same number of dimensions (unsqueeze the "
            "smaller one)"
        )
    a, b = sh.broadcast_tensors(input, other)
    if a.shape[dim] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} "
            f"and {other.shape[dim]}"
        )
    return _out(la.cross(a, b, dim), out)


@_validate.numpy_names
def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out: Any = None) -> Tensor:
    """``sum(x * y, dim)`` with broadcasting (the dot product of vectors along ``dim``)."""
    return _out(rd.sum(x * y, dim), out)


@_validate.numpy_names
def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """``torch.diagonal`` with the last two dims as default."""
    return mx.diagonal(A, offset, dim1, dim2)


def linalg_vander(x: Tensor, *, N: int | None = None) -> Tensor:  # noqa: N803
    """``[x^0, x^1, ..., x^(N-1)]`` along a new last dim (default ``N = x.shape[-1]``)."""
    if x.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    n = x.shape[-1] if N is None else N
    if n < 1:
        raise RuntimeError("linalg.vander: N must be greater than 1.")
    xp = get_array_module(x._data)
    if x._data.dtype.kind == "b":
        x = x.long()
    ones = Tensor._wrap(xp.ones(tuple(x.shape) + (1,), dtype=x._data.dtype))
    if n == 1:
        return ones
    cols = sh.expand(sh.unsqueeze(x, -1), tuple(x.shape) + (n - 1,))
    return sh.cat([ones, mf.cumprod(cols, -1)], -1)


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """torch.vander: columns ``x^(N-1) ... x^0`` (``increasing``: ``x^0 ... x^(N-1)``), 1-D x."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    if N is not None and N < 0:
        raise RuntimeError("N must be non-negative.")
    if N == 0:
        xp = get_array_module(x._data)
        return Tensor._wrap(xp.zeros((x.shape[0], 0), dtype=x._data.dtype))
    res = linalg_vander(x, N=N)
    return res if increasing else sh.flip(res, (-1,))


def tensorinv(A: Tensor, ind: int = 2, *, out: Any = None) -> Tensor:
    """The inverse of ``A`` seen as a linear map from its last dims to its first ``ind``."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows = math.prod(A.shape[:ind])
    cols = math.prod(A.shape[ind:])
    if rows != cols:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[ind:]) == "
            f"prod(self.shape[:ind]), but got {cols} != {rows}"
        )
    res = inv(A.reshape(rows, cols))
    return _out(res.reshape(tuple(A.shape[ind:]) + tuple(A.shape[:ind])), out)


def tensorsolve(A: Tensor, B: Tensor, dims: Any = None, *, out: Any = None) -> Tensor:
    """X with ``tensordot(A, X, X.ndim) = B``."""
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = sh.permute(A, *[i for i in range(A.ndim) if i not in dims], *dims)
    rows = B.numel()
    xshape = tuple(A.shape[B.ndim :])
    res = solve(A.reshape(rows, math.prod(xshape)), B.reshape(rows))
    return _out(res.reshape(xshape), out)


# -- more products and distances ---------------------------------------------------------------


@torch_node("AddrBackward0")
def addr(
    input: Tensor,  # noqa: A002
    vec1: Tensor,
    vec2: Tensor,
    *,
    beta: float = 1,
    alpha: float = 1,
) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    if vec1.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(
            f"addr: Expected 1-D argument vec1 and vec2, but got {vec1.ndim}-D and {vec2.ndim}-D"
        )
    prod = la.outer(vec1, vec2)
    return la.scaled_sum(input, beta, prod, alpha)


def addbmm(
    input: Tensor,  # noqa: A002
    batch1: Tensor,
    batch2: Tensor,
    *,
    beta: float = 1,
    alpha: float = 1,
) -> Tensor:
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``."""
    prod = rd.sum(la.bmm(batch1, batch2), 0)
    return la.scaled_sum(input, beta, prod, alpha)


def chain_matmul(*matrices: Tensor, out: Any = None) -> Tensor:
    """torch.chain_matmul (deprecated in torch): ``linalg.multi_dot`` of 2-D matrices."""
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if len(matrices) == 1:
        return _out(matrices[0].clone(), out)
    return multi_dot(matrices, out=out)


def adjoint(input: Tensor) -> Tensor:  # noqa: A002
    """The conjugate transpose of the last two dims (the transpose, for real tensors)."""
    if input.ndim < 2:
        raise RuntimeError(
            "tensor.adjoint() is only supported on matrices or batches of matrices. Got 1-D tensor."
        )
    return _mT(input)


@torch_node("CdistBackward0")
def cdist(
    x1: Tensor,
    x2: Tensor,
    p: float = 2.0,
    compute_mode: str = "use_mm_for_euclid_dist_if_necessary",
) -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2``
    (..., R, M): shape (..., P, R); batch dims broadcast.  Zero distances get a zero gradient."""
    for name, t in (("X1", x1), ("X2", x2)):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
        if t._data.dtype.kind != "f":
            kind = "Long" if t._data.dtype.kind in "iu" else str(t.dtype)
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {kind}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if compute_mode not in (
        "use_mm_for_euclid_dist_if_necessary",
        "use_mm_for_euclid_dist",
        "donot_use_mm_for_euclid_dist",
    ):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    diff = sh.unsqueeze(x1, -2) - sh.unsqueeze(x2, -3)
    return vector_norm(diff, p, -1)


# -- LU ------------------------------------------------------------------------------------------


class LUResult(NamedTuple):
    P: Tensor
    L: Tensor
    U: Tensor


class LUFactorResult(NamedTuple):
    LU: Tensor
    pivots: Tensor


def lu(A: Tensor, *, pivot: bool = True, out: Any = None) -> LUResult:
    """``A = P L U`` with partial pivoting (L unit lower-triangular m x k, U upper k x n).
    Differentiable in L and U (torch's formulas; U's diagonal must be nonzero)."""
    _matrices("linalg.lu", A)
    if not pivot:
        raise RuntimeError(
            "linalg.lu_factor: LU without pivoting is not implemented on the CPU (as torch)"
        )
    from .decomp import Lu

    m, n = A.shape[-2], A.shape[-1]
    p, low, up = unpack(Lu.apply(A), tuple(A.shape[:-2]), Lu.shapes(m, n))
    return _out(LUResult(p.detach(), low, up), out)


def _pivots_of(P: Any) -> Any:
    """LAPACK's 1-based row interchanges (``ipiv``) that produce the permutation ``P``."""
    xp = get_array_module(P)
    m = P.shape[-1]
    k = P.shape[-1]
    batch = P.shape[:-2]
    if m == 0:
        return xp.zeros(batch + (0,), dtype=np.int32)
    flat = P.reshape((-1, m, m))
    piv = np.zeros((flat.shape[0], k), dtype=np.int32)
    for b, pm in enumerate(to_host(flat)):  # a host loop over the permutations
        perm = list(np.argmax(pm, axis=0))  # row i of P^T A is row perm[i] of A
        order = list(range(m))
        where = list(range(m))  # where[r] = current position of original row r
        for i in range(m):
            j = where[perm[i]]
            piv[b, i] = j + 1
            ri, rj = order[i], order[j]
            order[i], order[j] = rj, ri
            where[ri], where[rj] = j, i
    return xp.asarray(piv.reshape(batch + (k,)))


def lu_factor(A: Tensor, *, pivot: bool = True, out: Any = None) -> LUFactorResult:
    """LAPACK's compact LU: ``LU`` holds L below the diagonal and U on and above it, and
    ``pivots`` (int32, 1-based) the row interchanges; raises, as torch, when a diagonal
    element of U is exactly zero (``lu_factor_ex`` returns it in ``info``)."""
    LU, piv, _ = _lu_factor_info("torch.linalg.lu_factor", A, pivot, True)
    return _out(LUFactorResult(LU, piv), out)


def _lu_factor_info(name: str, A: Tensor, pivot: bool, check_errors: bool) -> tuple:
    """``(LU, pivots, info)``: info is 0 or the 1-based index of U's first zero pivot."""
    LU, piv = _lu_factor(A, pivot)
    xp = get_array_module(LU._data)
    diag = xp.diagonal(LU._data, 0, -2, -1)
    zero = diag == 0
    if diag.shape[-1] == 0:  # empty matrices: nothing to pivot (argmax has no empty form)
        info = xp.zeros(diag.shape[:-1], dtype=xp.int32)
    else:
        info = xp.where(zero.any(-1), xp.argmax(zero, -1) + 1, 0).astype(xp.int32)
    if check_errors and bool(info.any()):
        flat = info.reshape(-1)
        b = int(xp.argmax(flat > 0))
        i = int(flat[b])
        where = f"(Batch element {b}): " if info.ndim else ""
        raise RuntimeError(
            f"{name}: {where}U[{i},{i}] is zero and using it on lu_solve would result in a "
            "division by zero. If you still want to perform the factorization, consider "
            "calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
        )
    return LU, piv, Tensor._wrap(info)


def _lu_factor(A: Tensor, pivot: bool) -> tuple:
    P, L, U = lu(A, pivot=pivot)
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    strict = L[..., :, :k] - Tensor._wrap(get_array_module(A._data).eye(m, k, dtype=A._data.dtype))
    if m >= n:
        packed = strict + sh.pad(U, (0, 0, 0, m - k)) if m > k else strict + U
    else:
        packed = sh.pad(strict, (0, n - k)) + U
    piv = Tensor._wrap(_pivots_of(P._data)[..., :k])
    return packed, piv


def lu_unpack(
    LU_data: Tensor,  # noqa: N803
    LU_pivots: Tensor,  # noqa: N803
    unpack_data: bool = True,
    unpack_pivots: bool = True,
    *,
    out: Any = None,
) -> LUResult:
    """``(P, L, U)`` from ``lu_factor``'s compact form (differentiable in L and U)."""
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = min(m, n)
    xp = get_array_module(LU_data._data)
    dt = LU_data._data.dtype
    empty = Tensor._wrap(xp.zeros((0,), dtype=dt))
    L = U = P = empty
    if unpack_data:
        L = mx.tril(LU_data[..., :, :k], -1) + Tensor._wrap(xp.eye(m, k, dtype=dt))
        U = mx.triu(LU_data[..., :k, :])
    if unpack_pivots:
        piv = to_host(LU_pivots._data).astype(np.int64) - 1
        batch = piv.shape[:-1]
        flat = piv.reshape((-1, piv.shape[-1]))
        mats = np.zeros((flat.shape[0], m, m), dtype=dt)
        for b, row in enumerate(flat):
            perm = np.arange(m)
            for i, j in enumerate(row):
                perm[i], perm[j] = perm[j], perm[i]
            mats[b, perm, np.arange(m)] = 1  # A = P L U: row i of L U is row perm[i] of A
        P = Tensor._wrap(xp.asarray(mats.reshape(batch + (m, m))))
    return _out(LUResult(P, L, U), out)


def lu_solve(
    LU: Tensor,  # noqa: N803
    pivots: Tensor,
    B: Tensor,  # noqa: N803
    *,
    left: bool = True,
    adjoint: bool = False,
    out: Any = None,
) -> Tensor:
    """X with ``A X = B`` (``X A = B`` when not ``left``; ``A^T`` when ``adjoint``) from
    ``lu_factor``'s output."""
    P, L, U = lu_unpack(LU, pivots)
    A_ = P @ L @ U
    if adjoint:
        A_ = _mT(A_)
    return _out(_solve("linalg.lu_solve", A_, B, left, vectors=False), out)


def torch_lu(A: Tensor, pivot: bool = True, get_infos: bool = False) -> Any:
    """torch.lu (deprecated in torch): ``(LU, pivots)`` (and ``infos`` with ``get_infos``)."""
    LU, piv, info = _lu_factor_info("torch.lu", A, pivot, False)
    if get_infos:
        return LU, piv, info
    return LU, piv


def torch_lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:  # noqa: N803
    """torch.lu_solve(b, LU_data, LU_pivots): ``linalg.lu_solve(LU_data, LU_pivots, b)``."""
    return lu_solve(LU_data, LU_pivots, b)
