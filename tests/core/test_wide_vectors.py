"""``backend.prefer_wide_vectors``: the kernels' hint to LLVM to vectorise with 512-bit
registers.  It must reach the compiled function as LLVM's ``prefer-vector-width`` attribute
(and so 512-bit instructions on a CPU with AVX-512), leave the results alone, and do nothing
in plain Python."""

import re

import numpy as np
import pytest

from nablagrad import backend

numba = pytest.importorskip("numba")
llvm = pytest.importorskip("llvmlite.binding")


def _axpy(a, x, y):
    backend.prefer_wide_vectors()
    for i in range(x.shape[0]):
        y[i] += a * x[i]


def _axpy_plain(a, x, y):
    for i in range(x.shape[0]):
        y[i] += a * x[i]


def _compiled(fn):
    backend._register_prefer_wide_vectors()  # what backend.njit does before compiling
    return numba.njit(fastmath=True)(fn)  # not cached: its LLVM IR stays inspectable


def test_plain_python_call_does_nothing():
    y = np.zeros(3, np.float32)
    _axpy(np.float32(2), np.arange(3, dtype=np.float32), y)
    np.testing.assert_array_equal(y, [0, 2, 4])


def test_the_attribute_reaches_the_compiled_function_and_results_are_unchanged():
    x = np.arange(1000, dtype=np.float32) / 7
    wide, plain = _compiled(_axpy), _compiled(_axpy_plain)
    y1, y2 = np.ones(1000, np.float32), np.ones(1000, np.float32)
    wide(np.float32(0.5), x, y1)
    plain(np.float32(0.5), x, y2)
    np.testing.assert_array_equal(y1, y2)
    ir = wide.inspect_llvm(wide.signatures[0])
    assert '"prefer-vector-width"="512"' in ir
    assert '"prefer-vector-width"' not in plain.inspect_llvm(plain.signatures[0])
    features = llvm.get_host_cpu_features()
    if features.get("avx512f"):
        # the whole point: 512-bit registers in the loop (LLVM keeps to 256 bits otherwise)
        assert re.search(r"zmm", wide.inspect_asm(wide.signatures[0]))


def test_numba_rejects_arguments():
    """Typed as a call with no arguments: a wrong call fails to compile, it is not ignored."""

    def bad(x):
        backend.prefer_wide_vectors(x)
        return x

    with pytest.raises(numba.core.errors.TypingError):
        _compiled(bad)(1.0)


@pytest.mark.parametrize(
    "machine,features,expected",
    [
        ("x86_64", "", None),  # the host's own features, as Numba compiles for them
        ("x86_64", "+avx2,+avx512f,+avx512vl", 32),
        ("x86_64", "+avx2,-avx512f", 16),
        ("aarch64", "", 32),
    ],
)
def test_vector_registers(machine, features, expected, monkeypatch):
    """32 where Numba compiles for AVX-512 (its ``NUMBA_CPU_FEATURES`` first, else the host's)
    and on 64-bit ARM, else 16; found once per process."""
    import platform

    from numba.core import config

    monkeypatch.setattr(backend, "_vector_registers", None)
    monkeypatch.setattr(platform, "machine", lambda: machine)
    monkeypatch.setattr(config, "CPU_FEATURES", features or None)
    if expected is None:
        expected = 32 if llvm.get_host_cpu_features().get("avx512f") else 16
    assert backend.vector_registers() == expected
    monkeypatch.setattr(platform, "machine", lambda: "aarch64" if expected == 16 else "x86_64")
    assert backend.vector_registers() == expected  # cached
