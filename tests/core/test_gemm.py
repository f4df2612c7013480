"""backend.gemm_: C <- alpha A @ B + beta C on strided views through NumPy's OpenBLAS."""

import numpy as np
import pytest

from nablagrad import backend

pytestmark = pytest.mark.skipif(
    not backend.gemm_available(), reason="no ?gemm in NumPy's bundled BLAS"
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_gemm_strided_views_and_beta(dtype, ta, tb):
    rng = np.random.default_rng(0)
    big_a = rng.standard_normal((9, 11)).astype(dtype)
    big_b = rng.standard_normal((12, 13)).astype(dtype)
    a = big_a[1:6, 2:9] if not ta else big_a[2:9, 1:6].T  # (5, 7), rows or columns strided
    b = big_b[3:10, 1:5] if not tb else big_b[1:5, 3:10].T  # (7, 4)
    big_c = rng.standard_normal((6, 10)).astype(dtype)
    c = big_c[1:6, 3:7]  # a window of a wider buffer: leading dimension 10
    expect = 0.5 * c + 2.0 * (a @ b)
    rest = big_c.copy()
    backend.gemm_(c, a, b, alpha=2.0, beta=0.5)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(c, expect, rtol=tol, atol=tol)
    rest[1:6, 3:7] = c
    np.testing.assert_array_equal(big_c, rest)  # nothing outside the window written
    backend.gemm_(c, a, b)  # beta = 0: c's old values (even NaN) do not count
    np.testing.assert_allclose(c, a @ b, rtol=tol, atol=tol)


def test_gemm_rejects_what_it_cannot_take():
    a = np.ones((3, 4), np.float32)
    b = np.ones((4, 2), np.float32)
    with pytest.raises(ValueError, match="do not fit"):
        backend.gemm_(np.empty((3, 3), np.float32), a, b)
    with pytest.raises(ValueError, match="one dtype"):
        backend.gemm_(np.empty((3, 2), np.float32), a.astype(np.float64), b)
    with pytest.raises(ValueError, match="unit stride"):
        backend.gemm_(np.empty((3, 2), np.float32), np.ones((6, 8), np.float32)[::2, ::2], b)
    with pytest.raises(ValueError, match="no BLAS"):
        backend.gemm_(np.empty((3, 2), np.int64), a.astype(np.int64), b.astype(np.int64))
