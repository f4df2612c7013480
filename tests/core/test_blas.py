"""``backend.axpy_`` / ``axpby_``: one-pass updates through NumPy's BLAS, NumPy fallbacks."""

from __future__ import annotations

import numpy as np
import pytest

from nablagrad import _blas
from nablagrad.backend import axpby_, axpy_, blas_available

BIG = _blas.BLAS_MIN_NUMEL * 2  # large enough for the BLAS path


@pytest.fixture(params=["blas", "numpy"])
def path(request, monkeypatch):
    """Run a test through the BLAS binding and through the NumPy fallback."""
    if request.param == "blas":
        if not blas_available():
            pytest.skip("this NumPy has no bundled OpenBLAS")
    else:
        monkeypatch.setattr(_blas, "_axpby", {})
    return request.param


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [7, BIG])
def test_axpby_matches_formula_in_place(path, dtype, n):
    rng = np.random.default_rng(0)
    x = rng.normal(size=n).astype(dtype)
    y = rng.normal(size=n).astype(dtype)
    want = dtype(0.3) * x + dtype(0.9) * y
    buf = y
    axpby_(y, 0.3, x, 0.9, np.empty_like(x))
    assert y is buf
    rtol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(y, want, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpy_shapes_strides_and_scratch(path, dtype):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, BIG // 64)).astype(dtype)
    y = rng.normal(size=x.shape).astype(dtype)
    want = y - dtype(0.5) * x
    axpy_(y, -0.5, x)  # no scratch: a temporary
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-6)  # FMA: one rounding
    z = rng.normal(size=x.shape[::-1]).astype(dtype)
    want = z.T + dtype(2.0) * x
    zt = z.T  # strided: the NumPy fallback, still in place on the caller's array
    axpy_(zt, 2.0, x, np.empty_like(x))
    np.testing.assert_allclose(z.T, want, rtol=1e-6, atol=1e-6)
    want = y + dtype(3.0) * x
    axpy_(y, 3.0, x, x)  # x as its own scratch: allowed to be overwritten
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-6)  # FMA: one rounding


def test_overlapping_and_self_updates(path):
    a = np.arange(BIG + 1, dtype=np.float32)
    want = a[1:] + 2.0 * a[:-1]
    axpy_(a[1:], 2.0, a[:-1])  # overlapping views: NumPy's buffered semantics
    np.testing.assert_allclose(a[1:], want)
    y = np.full(BIG, 2.0, np.float32)
    axpby_(y, 3.0, y, 0.5)  # x is y: 3y + 0.5y
    np.testing.assert_allclose(y, 7.0)
    axpby_(y, 1.0, y, 0.5)  # x is y with a = 1: y + 0.5y
    np.testing.assert_allclose(y, 10.5)


def test_zero_coefficients_keep_numpy_nan_semantics(path):
    bad = np.full(BIG, np.inf, np.float32)
    bad[0] = np.nan
    y = np.ones(BIG, np.float32)
    with np.errstate(invalid="ignore"):
        axpy_(y, 0.0, bad, np.empty_like(bad))  # 0 * inf is NaN, as in torch
    assert np.isnan(y).all()
    y = np.full(BIG, np.nan, np.float32)
    axpby_(y, 1.0, np.ones(BIG, np.float32), 0.0, np.empty_like(y))  # 0 * nan is NaN
    assert np.isnan(y).all()


def test_read_only_x_falls_back(path):
    x = np.full(BIG, 2.0, np.float32)
    x.setflags(write=False)
    y = np.ones(BIG, np.float32)
    axpby_(y, 0.5, x, 3.0, np.empty_like(y))
    np.testing.assert_allclose(y, 4.0)


def test_mixed_dtypes_fall_back(path):
    y = np.ones(BIG, np.float32)
    axpy_(y, 0.5, np.ones(BIG, np.float64))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, 1.5)


def test_binding_self_test_rejects_a_wrong_routine():
    def wrong(n, a, x, incx, b, y, incy):  # ignores b: what a mis-bound symbol might do
        yy = np.ctypeslib.as_array((np.ctypeslib.ctypes.c_float * n).from_address(y))
        xx = np.ctypeslib.as_array((np.ctypeslib.ctypes.c_float * n).from_address(x))
        yy += a * xx

    assert not _blas._self_test({np.dtype(np.float32): wrong})
