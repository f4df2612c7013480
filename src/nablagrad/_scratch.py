"""Reusable NumPy buffers for large temporaries (im2col columns, spectra, gradients).

glibc's malloc serves blocks of more than a few hundred kB with ``mmap`` or from the top of the
heap, and hands them back to the OS when they are freed; a training loop that allocates the
same megabyte-sized temporaries every step then touches fresh pages every step (about 1.5 us per
4 kB page fault on the 2-core development VM: 1,100 faults, ~45% of a 16-channel 5x5 conv's
forward).  ``empty(xp, shape, dtype)`` instead hands out a view of a buffer kept from an earlier
step.  A buffer is reused only when nothing references it any more: every NumPy view of it
holds a reference to it, so ``sys.getrefcount`` tells whether one is still in use (a column
matrix kept for backward, an output wrapped in a Tensor), and no caller has to give buffers
back.  The pool keeps at most ``LIMIT_BYTES`` of buffers (free ones are dropped, oldest first,
beyond that) and serves only NumPy requests of at least ``MIN_BYTES``; smaller NumPy requests
get a fresh buffer, aligned alike, and other array libraries a fresh ``xp.empty``.  Unlike
``backend.retain_freed_memory`` it changes nothing outside nablagrad.

Only ``backend`` imports this module; op code calls ``backend.scratch_empty``.

Example:
    >>> import numpy as np
    >>> a = empty(np, (512, 512), np.float32); a.shape
    (512, 512)
    >>> ptr = a.ctypes.data; del a
    >>> empty(np, (256, 1024), np.float32).ctypes.data == ptr  # the same memory, reused
    True
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import numpy as np

__all__ = ["empty", "clear", "sole_view", "LIMIT_BYTES", "MIN_BYTES"]

LIMIT_BYTES = 256 << 20
MIN_BYTES = 1 << 16
# every buffer starts on a 64-byte boundary, a cache line and one 512-bit vector: NumPy's own
# large arrays start 16 bytes past one (glibc's malloc header), so every vector load of the
# compiled kernels straddled two lines (16->16 5x5 conv, 1 thread: weight gradient 0.92 ->
# 0.70 ms, forward and input gradient 0.65 -> 0.61 ms each)
ALIGN = 64

_pool: dict[int, list[Any]] = {}  # size in bytes -> uint8 root buffers, oldest first
_starts: dict[int, int] = {}  # id of a pooled root -> where its aligned bytes start (reading
# ``ctypes.data`` again took half of each call's 5 us)
_total = 0
_lock = threading.Lock()
# references to a free root while _take inspects it: the pool's list, the loop variable, and
# getrefcount's own argument
_FREE_REFS = 3


def _take(nbytes: int) -> tuple[Any, int]:
    """A free pooled root of ``nbytes`` (+ ALIGN) bytes, or a new one (pooled while the pool
    has room), and where its aligned bytes start."""
    global _total
    roots = _pool.get(nbytes)
    if roots:
        for root in roots:
            if sys.getrefcount(root) == _FREE_REFS:
                return root, _starts[id(root)]
    if _total + nbytes > LIMIT_BYTES:
        _evict(_total + nbytes - LIMIT_BYTES)
    root = np.empty(nbytes + ALIGN, dtype=np.uint8)
    start = -root.ctypes.data % ALIGN
    if _total + nbytes <= LIMIT_BYTES:
        _pool.setdefault(nbytes, []).append(root)
        _starts[id(root)] = start
        _total += nbytes
    return root, start


def _evict(need: int) -> None:
    """Drop free buffers until ``need`` bytes are released (or none is free)."""
    global _total
    for size in list(_pool):
        roots = _pool[size]
        keep = []
        for root in roots:
            if need > 0 and sys.getrefcount(root) == _FREE_REFS:
                need -= size
                _total -= size
                del _starts[id(root)]
            else:
                keep.append(root)
        if keep:
            _pool[size] = keep
        else:
            del _pool[size]
        if need <= 0:
            return


def empty(xp: Any, shape: tuple, dtype: Any) -> Any:
    """An uninitialised C-contiguous array of ``shape`` and ``dtype`` (like ``xp.empty``),
    backed by a pooled buffer when it is a large NumPy array."""
    dtype = np.dtype(dtype)
    n = dtype.itemsize
    for s in shape:
        n *= s
    if xp is not np:
        return xp.empty(shape, dtype=dtype)
    if n < MIN_BYTES:  # not pooled, but aligned as well (a kernel's per-thread accumulators)
        root = np.empty(n + ALIGN, dtype=np.uint8)
        start = -root.ctypes.data % ALIGN
        return root[start : start + n].view(dtype).reshape(shape)
    with _lock:
        root, start = _take(n)
        return root[start : start + n].view(dtype).reshape(shape)


def sole_view(a: Any) -> bool:
    """Whether ``a`` is a view of a pooled buffer that no other array uses, so that whoever
    holds ``a`` may keep it (the autograd engine then stores a gradient as it is, where it
    would copy any other view: torch's ``AccumulateGrad`` likewise steals a gradient nothing
    else references).

    Example:
        >>> a = empty(np, (512, 512), np.float32)
        >>> sole_view(a), sole_view(a[:10]), sole_view(np.zeros(3))
        (True, False, False)
    """
    root = a.base
    if type(root) is not np.ndarray or root.dtype != np.uint8 or root.ndim != 1:
        return False
    with _lock:
        pooled = any(r is root for r in _pool.get(root.size - ALIGN, ()))
        # the pool's list, ``a``'s base, the name ``root`` and getrefcount's argument
        return pooled and sys.getrefcount(root) == 4


def clear() -> None:
    """Forget every pooled buffer (those still in use live on with their users)."""
    global _total
    with _lock:
        _pool.clear()
        _starts.clear()
        _total = 0
