"""The pool of reusable scratch buffers (backend.scratch_empty)."""

import numpy as np

from nablagrad import _scratch
from nablagrad.backend import scratch_empty


def test_free_buffer_is_reused_and_busy_one_is_not():
    _scratch.clear()
    a = scratch_empty(np, (256, 256), np.float32)
    ptr = a.ctypes.data
    view = a[10:20]  # a view keeps the buffer busy
    del a
    b = scratch_empty(np, (256, 256), np.float32)
    assert b.ctypes.data != ptr
    del view
    c = scratch_empty(np, (128, 512), np.float32)  # same size in bytes, other shape
    assert c.ctypes.data == ptr and c.shape == (128, 512) and c.flags.c_contiguous
    b[...] = 1.0
    c[...] = 2.0
    assert (b == 1.0).all()  # two live buffers never share memory


def test_small_requests_and_limit_bypass_the_pool(monkeypatch):
    _scratch.clear()
    small = scratch_empty(np, (4, 4), np.float64)
    assert small.shape == (4, 4) and small.flags.c_contiguous and _scratch._total == 0
    for n in range(1, 40):  # not pooled, but aligned as pooled buffers are (kernels' scratch)
        assert scratch_empty(np, (n, 3), np.float32).ctypes.data % _scratch.ALIGN == 0
    monkeypatch.setattr(_scratch, "LIMIT_BYTES", 1 << 20)
    keep = [scratch_empty(np, (1 << 17,), np.float32) for _ in range(3)]  # 512 kB each
    assert _scratch._total <= 1 << 20  # the third lives outside the pool
    del keep
    scratch_empty(np, (1 << 18,), np.float32)  # 1 MiB: frees the old ones to make room
    assert _scratch._total <= 1 << 20
    _scratch.clear()


def test_non_numpy_namespace_gets_a_fresh_array():
    class FakeXp:
        @staticmethod
        def empty(shape, dtype):
            return ("fresh", shape, dtype)

    assert scratch_empty(FakeXp, (1024, 1024), np.float32)[0] == "fresh"


def test_pooled_buffers_start_on_a_cache_line():
    """Every pooled buffer starts on a 64-byte boundary (NumPy's own large arrays start 16
    bytes past one), also when reused for another dtype and shape."""
    _scratch.clear()
    held = [
        scratch_empty(np, shape, dt)
        for shape, dt in [
            ((1 << 16,), np.float32),
            ((300, 301), np.float64),
            ((3, 70001), np.uint8),
        ]
    ]
    assert all(a.ctypes.data % 64 == 0 for a in held)
    assert all(a.flags.c_contiguous and a.flags.writeable for a in held)
    ptr = held[0].ctypes.data
    del held
    again = scratch_empty(np, (1 << 15,), np.float64)  # the first one's bytes, reused
    assert again.ctypes.data == ptr and again.ctypes.data % 64 == 0
