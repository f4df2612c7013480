"""Batch shards of a compiled kernel on Numba's threads: ``rows(kernel, arrays, args, out)``
runs ``kernel(*shard of each array, *args, shard of out)`` (``batch``: ``kernel(*shards,
*args)``) for contiguous shards of the first axis, one per thread, as ``parallel.over_batch``
does on the pool's threads, but inside one compiled call (a loop of ``numba.prange`` over the
shards, each calling the compiled kernel): no pool hand-off, and no GIL taken back between
shards.  For the one-pass activations (``pooled.kernel_pass``) and the compiled pooling
(``pool_compiled``) where ``parallel.compiled_threads`` finds Numba's OpenMP threads.

Measured on 2 vCPUs of an Intel Xeon (Sapphire Rapids), float32, 1 thread -> 2: the sigmoid
of LeNet-5's 64x6x28x28 activations 130 -> 77 us, its gradient 142 -> 72 us; the pool's
threads split neither there (a hand-off took 66-100 us).
"""

from __future__ import annotations

from typing import Any

from ..backend import LazyKernel, compiled_range


def _drivers() -> dict:
    """One driver per number of input arrays (closures over ``numba.prange``, see
    ``backend.njit``): shard i of ``parts`` holds the rows n*i//parts ... of ``unit`` elements
    each of the flat arrays."""
    loop = compiled_range()

    def _rows1(kernel: Any, a: Any, args: Any, out: Any, n: int, unit: int, parts: int) -> None:
        for i in loop(parts):
            lo, hi = n * i // parts * unit, n * (i + 1) // parts * unit
            kernel(a[lo:hi], *args, out[lo:hi])

    def _rows2(
        kernel: Any, a: Any, b: Any, args: Any, out: Any, n: int, unit: int, parts: int
    ) -> None:
        for i in loop(parts):
            lo, hi = n * i // parts * unit, n * (i + 1) // parts * unit
            kernel(a[lo:hi], b[lo:hi], *args, out[lo:hi])

    def _batch2(kernel: Any, a: Any, b: Any, args: Any, parts: int) -> None:
        n = a.shape[0]
        for i in loop(parts):
            lo, hi = n * i // parts, n * (i + 1) // parts
            kernel(a[lo:hi], b[lo:hi], *args)

    def _batch3(kernel: Any, a: Any, b: Any, c: Any, args: Any, parts: int) -> None:
        n = a.shape[0]
        for i in loop(parts):
            lo, hi = n * i // parts, n * (i + 1) // parts
            kernel(a[lo:hi], b[lo:hi], c[lo:hi], *args)

    return {
        1: LazyKernel(_rows1, parallel=True),
        2: LazyKernel(_rows2, parallel=True),
        "batch2": LazyKernel(_batch2, parallel=True),
        "batch3": LazyKernel(_batch3, parallel=True),
    }


_made: dict = {}


def rows(kernel: LazyKernel, arrays: tuple, args: tuple, out: Any, parts: int) -> bool:
    """``kernel(*arrays' shards, *args, out's shard)`` over ``parts`` batch shards on Numba's
    threads; ``arrays`` (one or two) and ``out`` C-contiguous and of one shape.  False (nothing
    run) where it does not apply: other counts of arrays or other shapes."""
    if len(arrays) not in (1, 2) or any(a.shape != out.shape for a in arrays):
        return False
    if not _made:
        _made.update(_drivers())
    n = out.shape[0] if out.ndim else 1
    unit = out.size // n if n else 0
    flat = [a.reshape(-1) for a in arrays]
    _made[len(arrays)](kernel.compiled(), *flat, args, out.reshape(-1), n, unit, parts)
    return True


def batch(kernel: LazyKernel, arrays: tuple, args: tuple, parts: int) -> bool:
    """``kernel(*arrays' shards, *args)`` over ``parts`` shards of the first axis (every array
    as long) on Numba's threads.  False (nothing run) for other counts of arrays (two or
    three)."""
    if len(arrays) not in (2, 3) or any(a.shape[0] != arrays[0].shape[0] for a in arrays):
        return False
    if not _made:
        _made.update(_drivers())
    _made[f"batch{len(arrays)}"](kernel.compiled(), *arrays, args, parts)
    return True
