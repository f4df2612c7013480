"""Pooled one-pass activations: the helpers with which elementwise primitives (the table's
ReLU, sigmoid and tanh, ``fused.py``'s leaky ReLU, ELU, GELU, SiLU, hardtanh, softplus) run
their forward and plain-backward passes on activation-sized arrays.

Activations run on activation-sized arrays every training step, so their rows write into
pooled buffers (``backend.scratch_empty``: no fresh pages to fault in each step), split over
the batch between ``set_num_threads`` threads (``parallel.over_batch``, from 2**18
elements), and with Numba as one-pass compiled kernels (``_activation_jit``; ``compiled``
says where).  Under create_graph the callers keep their Tensor formulas, so double backward is
unchanged.
"""

from __future__ import annotations

from typing import Any

from .. import parallel
from ..backend import get_array_module as xp
from ..backend import jit_available, scratch_empty
from ..parallel import over_batch
from . import _split_jit

# Below this many elements a pooled buffer saves nothing (no page faults to avoid) and the
# extra calls cost more than they save: the plain formulas run instead.
POOLED_MIN = 1 << 14


def pooled_pass(like: Any, fn: Any) -> Any:
    """A pooled buffer shaped like ``like``, filled by ``fn(a, b, out[a:b])`` for every batch
    shard ``like[a:b]`` (``parallel.over_batch``: split between threads when large)."""
    mod = xp(like)
    out = scratch_empty(mod, like.shape, like.dtype)
    over_batch(mod, like.shape[0], like.size, lambda a, b: fn(a, b, out[a:b]))
    return out


def fits(g: Any, out: Any) -> bool:
    """Whether the in-place array formula applies (same shape and dtype, no broadcasting, big
    enough for a pooled buffer to pay)."""
    return g.shape == out.shape and g.dtype == out.dtype and out.size >= POOLED_MIN


def compiled(*arrays: Any) -> bool:
    """Whether the compiled activation kernels (``_activation_jit``) take these arrays: Numba
    available, C-contiguous NumPy float32 / float64 arrays of one dtype."""
    mod, first = xp(arrays[0]), arrays[0]
    return (
        mod.__name__ == "numpy"
        and first.dtype in (mod.float32, mod.float64)
        and all(type(a) is mod.ndarray and a.flags.c_contiguous for a in arrays)
        and all(a.dtype == first.dtype for a in arrays)
        and jit_available()
    )


def compiled32(*arrays: Any) -> bool:
    """``compiled`` for the float32-only kernels (their own vectorised exp, erf), on arrays
    big enough for the pooled pass (``POOLED_MIN``)."""
    return arrays[0].dtype.char == "f" and arrays[0].size >= POOLED_MIN and compiled(*arrays)


def rows(kernel: Any, *arrays: Any, args: tuple = ()) -> Any:
    """A ``pooled_pass`` shard running ``kernel(*flat rows of arrays, *args, result)``."""

    def shard(a: int, b: int, r: Any) -> None:
        kernel(*(arr[a:b].reshape(-1) for arr in arrays), *args, r.reshape(-1))

    return shard


# From this many elements a compiled pass splits its batch between Numba's OpenMP threads
# (``parallel.compiled_split``: a split costs a few microseconds there) where the pool's
# threads would not split it (from ``SPLIT_MIN_ELEMENTS`` times the hand-off's
# ``split_scale``).  LeNet-5's second layer's 64x16x10x10 activations (102,400): the
# sigmoid 42 -> 37 us on 2 threads.
COMPILED_SPLIT_MIN = 1 << 16


def kernel_pass(kernel: Any, *arrays: Any, args: tuple = ()) -> Any:
    """``kernel(*rows of arrays, *args, result)`` over batch shards (``rows``) into a pooled
    buffer: on Numba's threads inside one compiled call (``_split_jit.rows``) where it has
    them, else on the pool's (``pooled_pass``); the result is shaped like the last array."""
    like = arrays[-1]
    mod = xp(like)
    threads = parallel.compiled_split(mod, like.shape[0], like.size, COMPILED_SPLIT_MIN)
    if threads > 1:
        out = scratch_empty(mod, like.shape, like.dtype)
        if _split_jit.rows(kernel, arrays, args, out, threads):
            return out
    return pooled_pass(like, rows(kernel, *arrays, args=args))
