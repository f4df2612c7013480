"""The backend's Numba intrinsics and ``LazyKernel``'s ``prepare`` hook, which the float32
activation kernels build their exponential from: ``llvm_float32_from_bits`` must give the float
whose bits it is handed (as ``ndarray.view``), vectorised inside a loop, and ``llvm_fma`` must
round once."""

import numpy as np
import pytest

from nablagrad import backend

numba = pytest.importorskip("numba")

_from_bits = None
_fma = None


def _prepare():
    global _from_bits, _fma
    _prepare.calls += 1
    _from_bits, _fma = backend.llvm_float32_from_bits(), backend.llvm_fma()


_prepare.calls = 0


def _floats(bits, out):
    for i in range(bits.size):
        out[i] = _from_bits(bits[i])


def _powers(ks, out):
    for i in range(ks.size):
        out[i] = _from_bits((ks[i] + np.int32(127)) << 23)


def _fused(a, b, c, out):
    for i in range(a.size):
        out[i] = _fma(a[i], b[i], c[i])


def test_float32_from_bits_reinterprets_every_kind_of_value():
    kernel = backend.LazyKernel(_floats, prepare=_prepare)
    special = np.array([0.0, -0.0, 1.0, -2.5, np.inf, -np.inf, 1e-45, 3.4e38], np.float32)
    bits = np.concatenate(
        [special.view(np.int32), np.random.default_rng(0).integers(-(2**31), 2**31, 5000)]
    ).astype(np.int32)
    out = np.empty(bits.size, np.float32)
    kernel(bits, out)
    np.testing.assert_array_equal(out.view(np.int32), bits)  # NaN payloads too
    assert _prepare.calls == 1
    kernel(bits, out)
    assert _prepare.calls == 1  # prepared once, before the one compile


def test_powers_of_two_from_exponent_bits():
    kernel = backend.LazyKernel(_powers, prepare=_prepare)
    ks = np.arange(-126, 128, dtype=np.int32)
    out = np.empty(ks.size, np.float32)
    kernel(ks, out)
    np.testing.assert_array_equal(out, np.ldexp(np.float32(1), ks).astype(np.float32))


def test_fma_rounds_once():
    kernel = backend.LazyKernel(_fused, prepare=_prepare)
    a = np.array([1 + 2.0**-12, 0.1], np.float32)
    b = np.array([1 + 2.0**-12, 10.0], np.float32)
    c = np.array([-(1 + 2.0**-11), -1.0], np.float32)
    out = np.empty(2, np.float32)
    kernel(a, b, c, out)
    exact = a.astype(np.float64) * b.astype(np.float64) + c.astype(np.float64)
    np.testing.assert_array_equal(out, exact.astype(np.float32))
    # (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24: rounded first (a tie, to even) it loses the 2^-24
    assert out[0] == np.float32(2.0**-24) and a[0] * b[0] + c[0] == 0


def test_float32_from_bits_rejects_floats():
    kernel = backend.LazyKernel(_floats, prepare=_prepare)
    with pytest.raises(numba.core.errors.TypingError):
        kernel(np.ones(3, np.float32), np.empty(3, np.float32))
