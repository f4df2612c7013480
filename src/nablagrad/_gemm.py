"""``gemm_``: ``C <- alpha * A @ B + beta * C`` on strided 2-D views, through NumPy's OpenBLAS.

NumPy's ``matmul`` always overwrites its output and copies operands whose rows are not
contiguous, so a sum of products over shifted windows of one buffer (the row-shift
convolution in ``ops/conv_rowshift.py``: one product per kernel row, each reading the same
column matrix ``p`` rows further on) would cost a temporary and an extra pass per product.
BLAS's ``?gemm`` takes the leading dimension of each operand and ``beta``, so every such
product reads its window in place and accumulates into the output.

The routine is the ``cblas_?gemm`` of the OpenBLAS bundled with NumPy (found and bound the way
``_blas`` binds ``?axpby``: same library, so ``single_threaded_blas`` governs its threads too),
checked on a small example; ``gemm_available()`` is False where it is missing and callers then
use NumPy.  ``ctypes`` releases the GIL during the call.

Only ``backend`` imports this module.

Example:
    >>> import numpy as np
    >>> a = np.arange(6.0).reshape(2, 3); b = np.ones((3, 2)); c = np.ones((2, 2))
    >>> gemm_(c, a, b, beta=1.0) if gemm_available() else np.add(c, a @ b, out=c)
    >>> c
    array([[ 4.,  4.],
           [13., 13.]])
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from ._blas import _SYMBOLS, _numpy_blas_libraries

__all__ = ["gemm_", "gemm_available"]

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_gemm: dict[Any, Any] | None = None  # np.dtype -> bound cblas_?gemm, once looked up


def _bind(path: str) -> dict[Any, Any] | None:
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    for prefix, suffix, int_t in _SYMBOLS:
        try:
            fns = {
                np.dtype(np.float32): (getattr(lib, f"{prefix}sgemm{suffix}"), ctypes.c_float),
                np.dtype(np.float64): (getattr(lib, f"{prefix}dgemm{suffix}"), ctypes.c_double),
            }
        except AttributeError:
            continue
        bound = {}
        for dt, (fn, real_t) in fns.items():
            fn.restype = None
            fn.argtypes = (
                [ctypes.c_int] * 3
                + [int_t] * 3
                + [
                    real_t,
                    ctypes.c_void_p,
                    int_t,
                    ctypes.c_void_p,
                    int_t,
                    real_t,
                    ctypes.c_void_p,
                    int_t,
                ]
            )
            bound[dt] = fn
        if _self_test(bound):
            return bound
    return None


def _self_test(bound: dict[Any, Any]) -> bool:
    """Whether the bound routines multiply a transposed, strided example correctly."""
    for dt in bound:
        a = np.arange(12, dtype=dt).reshape(3, 4)[:, :3]  # strided rows
        b = np.arange(6, dtype=dt).reshape(2, 3).T  # transposed
        c = np.ones((3, 2), dtype=dt)
        global _gemm
        saved, _gemm = _gemm, bound
        try:
            gemm_(c, a, b, alpha=2.0, beta=1.0)
        finally:
            _gemm = saved
        if not np.array_equal(c, 1 + 2 * (a @ b)):
            return False
    return True


def _lookup() -> dict[Any, Any]:
    global _gemm
    if _gemm is None:
        found: dict[Any, Any] = {}
        for path in _numpy_blas_libraries():
            bound = _bind(path)
            if bound:
                found = bound
                break
        _gemm = found
    return _gemm


def gemm_available(dtype: Any = np.float32) -> bool:
    """Whether ``gemm_`` can run on NumPy arrays of ``dtype`` (float32/float64) here."""
    return np.dtype(dtype) in _lookup()


def _operand(a: Any, item: int) -> tuple:
    """(transpose flag, leading dimension) of a 2-D view with one unit-stride axis."""
    s0, s1 = a.strides
    if s1 == item and s0 % item == 0 and s0 // item >= max(1, a.shape[1]):
        return _NO_TRANS, s0 // item
    if s0 == item and s1 % item == 0 and s1 // item >= max(1, a.shape[0]):
        return _TRANS, s1 // item
    if a.shape[0] <= 1 or a.shape[1] <= 1:  # a vector: any stride on its length-1 axis
        if a.shape[1] == 1 and s0 == item:
            return _TRANS, max(1, a.shape[0])
        if a.shape[0] == 1 and s1 == item:
            return _NO_TRANS, max(1, a.shape[1])
    raise ValueError("gemm_: an operand needs one axis of unit stride")


def gemm_(c: Any, a: Any, b: Any, alpha: float = 1.0, beta: float = 0.0) -> None:
    """``c <- alpha * a @ b + beta * c`` in place, for 2-D NumPy float32/float64 views ``a``
    (M, K), ``b`` (K, N), ``c`` (M, N) of one dtype whose rows or columns are contiguous
    (any leading dimension; ``c``'s rows contiguous).  ``c`` must not overlap ``a`` or ``b``.
    Raises ``ValueError`` for operands the BLAS cannot take (callers check
    ``gemm_available`` first)."""
    fn = (_gemm if _gemm is not None else _lookup()).get(c.dtype)
    if fn is None:
        raise ValueError(f"gemm_: no BLAS ?gemm for dtype {c.dtype}")
    if a.dtype != c.dtype or b.dtype != c.dtype:
        raise ValueError("gemm_: a, b and c must have one dtype")
    (m, k), (k2, n) = a.shape, b.shape
    if k2 != k or c.shape != (m, n):
        raise ValueError(f"gemm_: shapes {a.shape} @ {b.shape} -> {c.shape} do not fit")
    item = c.itemsize
    if m == 0 or n == 0:
        return
    if k == 0:
        c *= beta
        return
    ta, lda = _operand(a, item)
    tb, ldb = _operand(b, item)
    if c.strides[1] != item and n > 1:
        raise ValueError("gemm_: c needs contiguous rows")
    ldc = c.strides[0] // item if m > 1 else max(1, n)
    if not c.flags.writeable:
        raise ValueError("gemm_: c is read-only")
    fn(
        _ROW_MAJOR,
        ta,
        tb,
        m,
        n,
        k,
        alpha,
        a.ctypes.data,
        lda,
        b.ctypes.data,
        ldb,
        beta,
        c.ctypes.data,
        max(ldc, max(1, n)),
    )
