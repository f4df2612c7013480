"""Batch shards of a compiled kernel on Numba's threads: ``rows(kernel, arrays, args, out)``
runs ``kernel(*shard of each array, *args, shard of out)`` (``batch``: ``kernel(*shards,
*args)``) for contiguous shards of the first axis, one per thread, as ``parallel.over_batch``
does on the pool's threads, but inside one compiled call (a loop of ``numba.prange`` over the
shards): no pool hand-off, and no GIL taken back between shards.  For the one-pass activations
(``pooled.kernel_pass``) and the compiled pooling (``pool_compiled``) where
``parallel.compiled_threads`` finds Numba's OpenMP threads.

Each kernel gets drivers of its own (``_driver``), which call the kernel's Python function
registered as ``backend.jitable`` and compile with it: a driver that took the compiled kernel
as an argument compiled again in every process (Numba's disk cache cannot key on a compiled
function passed in; 0.4 s per driver and kernel, ~2 s at LeNet-5's first step), whereas the
closures here hold plain module functions, which the cache keys by name.

Measured on 2 vCPUs of an Intel Xeon (Sapphire Rapids), float32, 1 thread -> 2: the sigmoid
of LeNet-5's 64x6x28x28 activations 130 -> 77 us, its gradient 142 -> 72 us; the pool's
threads split neither there (a hand-off took 66-100 us).
"""

from __future__ import annotations

import threading
from typing import Any

from ..backend import LazyKernel, compiled_range, jitable

_drivers: dict = {}  # (kernel's Python function, form) -> its driver (a LazyKernel)
_bodies: dict = {}  # kernel's Python function -> itself, registered as jitable (once)
_lock = threading.Lock()


def _make(kernel: LazyKernel, form: str) -> LazyKernel:
    """The driver of ``kernel`` for one ``form``: "rows1" / "rows2" (one or two input arrays
    and ``args`` before the output; shard i of ``parts`` holds the rows n*i//parts ... of
    ``unit`` elements each of the flat arrays) or "batch2" / "batch3" (two or three arrays
    sliced along their first axis, then ``args``)."""
    if kernel.fn not in _bodies:
        _bodies[kernel.fn] = jitable(kernel.fn)
    body = _bodies[kernel.fn]
    loop = compiled_range()

    def _rows1(a: Any, args: Any, out: Any, n: int, unit: int, parts: int) -> None:
        for i in loop(parts):
            lo, hi = n * i // parts * unit, n * (i + 1) // parts * unit
            body(a[lo:hi], *args, out[lo:hi])

    def _rows2(a: Any, b: Any, args: Any, out: Any, n: int, unit: int, parts: int) -> None:
        for i in loop(parts):
            lo, hi = n * i // parts * unit, n * (i + 1) // parts * unit
            body(a[lo:hi], b[lo:hi], *args, out[lo:hi])

    def _batch2(a: Any, b: Any, args: Any, parts: int) -> None:
        n = a.shape[0]
        for i in loop(parts):
            lo, hi = n * i // parts, n * (i + 1) // parts
            body(a[lo:hi], b[lo:hi], *args)

    def _batch3(a: Any, b: Any, c: Any, args: Any, parts: int) -> None:
        n = a.shape[0]
        for i in loop(parts):
            lo, hi = n * i // parts, n * (i + 1) // parts
            body(a[lo:hi], b[lo:hi], c[lo:hi], *args)

    forms = {"rows1": _rows1, "rows2": _rows2, "batch2": _batch2, "batch3": _batch3}
    return LazyKernel(forms[form], kernel.exact, kernel.prepare, parallel=True)


def _driver(kernel: LazyKernel, form: str) -> LazyKernel:
    key = (kernel.fn, form)
    driver = _drivers.get(key)
    if driver is None:
        with _lock:
            driver = _drivers.get(key)
            if driver is None:
                driver = _drivers[key] = _make(kernel, form)
    return driver


def rows(kernel: LazyKernel, arrays: tuple, args: tuple, out: Any, parts: int) -> bool:
    """``kernel(*arrays' shards, *args, out's shard)`` over ``parts`` batch shards on Numba's
    threads; ``arrays`` (one or two) and ``out`` C-contiguous and of one shape.  False (nothing
    run) where it does not apply: other counts of arrays or other shapes."""
    if len(arrays) not in (1, 2) or any(a.shape != out.shape for a in arrays):
        return False
    n = out.shape[0] if out.ndim else 1
    unit = out.size // n if n else 0
    flat = [a.reshape(-1) for a in arrays]
    _driver(kernel, f"rows{len(arrays)}")(*flat, args, out.reshape(-1), n, unit, parts)
    return True


def batch(kernel: LazyKernel, arrays: tuple, args: tuple, parts: int) -> bool:
    """``kernel(*arrays' shards, *args)`` over ``parts`` shards of the first axis (every array
    as long) on Numba's threads.  False (nothing run) for other counts of arrays (two or
    three)."""
    if len(arrays) not in (2, 3) or any(a.shape[0] != arrays[0].shape[0] for a in arrays):
        return False
    _driver(kernel, f"batch{len(arrays)}")(*arrays, args, parts)
    return True
