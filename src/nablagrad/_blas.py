"""``axpy_`` / ``axpby_``: ``y <- a * x + b * y`` in one pass, through the BLAS NumPy links.

NumPy has no fused multiply-add ufunc, so ``y = b * y + a * x`` costs three passes over memory
(``y *= b``, ``a * x`` into a scratch array, the add).  An optimizer step is almost nothing but
such updates (momentum, moving averages, the step itself), and on a machine whose cores share
memory bandwidth the extra passes are what separates a NumPy optimizer from torch's fused
kernels.  Every NumPy wheel on PyPI for Linux and Windows ships an OpenBLAS
(``numpy.libs/libscipy_openblas64_*``), whose ``?axpby`` does the update in one pass.
OpenBLAS runs ``?axpby`` on the calling thread (unlike ``?axpy``, which it may hand to its own
thread pool), so the threads of ``nablagrad.set_num_threads`` can each update their own
parameters without waking a second pool.

This module finds that library the way ``threadpoolctl`` does (by file name next to NumPy),
binds ``saxpby``/``daxpby`` through ``ctypes`` (which releases the GIL during the call), checks
the binding on a small example, and otherwise falls back to NumPy.  SciPy's separate OpenBLAS is
never used: two BLAS thread pools spinning on one machine made training ~10x slower.

Only ``backend`` imports this module; everything else calls ``backend.axpy_``/``axpby_``.

Example:
    >>> import numpy as np
    >>> from nablagrad.backend import axpby_
    >>> y = np.ones(3, dtype=np.float32); axpby_(y, 2.0, np.arange(3, dtype=np.float32), 0.5); y
    array([0.5, 2.5, 4.5], dtype=float32)
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = ["axpy_", "axpby_", "blas_available", "matmul"]

# Below this many elements NumPy's passes are cheaper than a foreign call.
BLAS_MIN_NUMEL = 16384

# (symbol prefix, symbol suffix, BLAS integer type), most likely first: NumPy >= 2 wheels link
# the 64-bit-integer scipy-openblas, NumPy 1.22-1.26 wheels an OpenBLAS with the ``64_`` suffix.
_SYMBOLS = [
    ("scipy_cblas_", "64_", ctypes.c_int64),
    ("cblas_", "64_", ctypes.c_int64),
    ("scipy_cblas_", "", ctypes.c_int32),
    ("cblas_", "", ctypes.c_int32),
]

_axpby: dict[Any, Callable[..., None]] | None = None  # np.dtype -> bound ?axpby, once looked up


def _numpy_blas_libraries() -> list[str]:
    """Paths of the BLAS shared libraries bundled with the installed NumPy wheel."""
    root = os.path.dirname(os.path.dirname(np.__file__))
    found = []
    for folder in ("numpy.libs", os.path.join("numpy", ".dylibs")):
        for pattern in ("*openblas*.so*", "*openblas*.dll", "*openblas*.dylib"):
            found += sorted(glob.glob(os.path.join(root, folder, pattern)))
    return found


def _bind(path: str) -> dict[Any, Callable[..., None]] | None:
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return None
    for prefix, suffix, int_t in _SYMBOLS:
        try:
            fns = {
                np.dtype(np.float32): (getattr(lib, f"{prefix}saxpby{suffix}"), ctypes.c_float),
                np.dtype(np.float64): (getattr(lib, f"{prefix}daxpby{suffix}"), ctypes.c_double),
            }
        except AttributeError:
            continue
        bound = {}
        for dt, (fn, real_t) in fns.items():
            fn.restype = None
            fn.argtypes = [int_t, real_t, ctypes.c_void_p, int_t, real_t, ctypes.c_void_p, int_t]
            bound[dt] = fn
        if _self_test(bound):
            return bound
    return None


def _self_test(bound: dict[Any, Callable[..., None]]) -> bool:
    """Whether the bound routines compute ``a * x + b * y`` on a small example (a mismatch in
    the integer width or calling convention shows up here, not in a user's model)."""
    for dt, fn in bound.items():
        x = np.arange(1, 6, dtype=dt)
        y = np.full(5, 10.0, dtype=dt)
        fn(5, -2.0, x.ctypes.data, 1, 0.5, y.ctypes.data, 1)
        if not np.array_equal(y, 5.0 - 2.0 * np.arange(1, 6, dtype=dt)):
            return False
    return True


def _lookup() -> dict[Any, Callable[..., None]]:
    global _axpby
    if _axpby is None:
        _axpby = {}
        for path in _numpy_blas_libraries():
            bound = _bind(path)
            if bound:
                _axpby = bound
                break
    return _axpby


def blas_available() -> bool:
    """Whether ``axpy_``/``axpby_`` use the BLAS of the installed NumPy (else NumPy passes)."""
    return bool(_lookup())


def _address(a: Any) -> int:
    """The data pointer of ``a``, if it is a writable C-contiguous buffer (else the buffer
    protocol raises).  ~4x cheaper than ``a.ctypes.data``: this runs under the GIL, which the
    threads of a parallel optimizer step contend for."""
    return ctypes.addressof(ctypes.c_char.from_buffer(a))


def _blas_axpby(y: Any, a: float, x: Any, b: float) -> bool:
    """``y <- a * x + b * y`` through the BLAS if it can take the arrays; whether it did.

    It can take writable C-contiguous NumPy arrays (the buffer protocol checks that, and
    refuses CuPy arrays) of one float dtype and size, at least ``BLAS_MIN_NUMEL`` elements,
    that do not overlap (``x is y`` is fine).
    """
    fn = (_axpby if _axpby is not None else _lookup()).get(y.dtype)
    if fn is None or y.size < BLAS_MIN_NUMEL or x.dtype != y.dtype or x.size != y.size:
        return False
    try:
        py, px = _address(y), _address(x)
    except (TypeError, ValueError, BufferError):
        return False
    if x is not y and px < py + y.nbytes and py < px + x.nbytes:
        return False
    fn(y.size, a, px, 1, b, py, 1)
    return True


def _multiply(x: Any, a: float, out: Any) -> Any:
    """``out <- a * x`` with the array library that owns ``x`` (NumPy, or CuPy on a GPU)."""
    if type(x) is np.ndarray:
        return np.multiply(x, a, out=out)
    from .backend import get_array_module

    return get_array_module(x).multiply(x, a, out=out)


def axpy_(y: Any, a: float, x: Any, tmp: Any = None) -> None:
    """``y <- y + a * x`` in place, in one pass where the BLAS allows (NumPy or CuPy arrays).

    Otherwise ``a * x`` goes through ``tmp`` (an array shaped like ``x``, possibly ``x`` itself
    when it is scratch that may be overwritten), or through a fresh temporary without ``tmp``:
    avoid that in loops, since glibc serves and returns multi-100-kB temporaries with
    ``mmap``/``munmap``, page faults included.  ``a == 0`` keeps NumPy's semantics
    (``y + 0 * inf`` is NaN; BLAS would skip the update).
    """
    if a == 1:
        y += x
        return
    if a == -1:
        y -= x
        return
    if a != 0 and _blas_axpby(y, a, x, 1.0):
        return
    if tmp is None:
        y += a * x
    else:
        _multiply(x, a, tmp)
        y += tmp


def axpby_(y: Any, a: float, x: Any, b: float, tmp: Any = None) -> None:
    """``y <- a * x + b * y`` in place, in one pass where the BLAS allows (see ``axpy_`` for
    ``tmp``).  ``a == 0`` or ``b == 0`` keep NumPy's semantics (``0 * nan`` is NaN)."""
    if b == 1:
        axpy_(y, a, x, tmp)
        return
    if a != 0 and b != 0 and _blas_axpby(y, a, x, b):
        return
    if a == 1 and x is not y:
        ax = x
    else:  # a * x before y changes: x may be y
        ax = a * x if tmp is None else _multiply(x, a, tmp)
    y *= b
    y += ax


_threads_fns: Any = None  # (get, set) of NumPy's OpenBLAS thread count, once looked up
_single_lock = threading.Lock()
_single_depth = 0
_single_saved: int | None = None

# (get, set) symbol names, most likely first (see _SYMBOLS)
_THREAD_SYMBOLS = [
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
]


def _thread_functions() -> Any:
    global _threads_fns
    if _threads_fns is None:
        _threads_fns = False
        for path in _numpy_blas_libraries():
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for get_name, set_name in _THREAD_SYMBOLS:
                try:
                    get, set_ = getattr(lib, get_name), getattr(lib, set_name)
                except AttributeError:
                    continue
                get.restype, get.argtypes = ctypes.c_int, []
                set_.restype, set_.argtypes = None, [ctypes.c_int]
                _threads_fns = (get, set_)
                break
            if _threads_fns:
                break
    return _threads_fns or None


@contextmanager
def single_threaded() -> Iterator[None]:
    """Run the block with NumPy's OpenBLAS on one thread (process-wide), then restore its
    thread count.  Work already split over ``parallel.run`` threads uses this so that each
    thread's products do not wake a second pool competing for the same cores.  Nested and
    concurrent blocks are counted: the count is restored when the last one ends.  (OpenBLAS's
    ``openblas_set_num_threads_local`` is process-wide too in NumPy's pthreads build, measured,
    so there is no per-thread setting to use.)  Without that BLAS it does nothing."""
    global _single_depth, _single_saved
    fns = _thread_functions()
    if fns is None:
        yield
        return
    get, set_ = fns
    with _single_lock:
        if _single_depth == 0:
            _single_saved = int(get())
            if _single_saved != 1:
                set_(1)
        _single_depth += 1
    try:
        yield
    finally:
        with _single_lock:
            _single_depth -= 1
            if _single_depth == 0 and _single_saved is not None and _single_saved != 1:
                set_(_single_saved)


def set_threads(n: int) -> None:
    """Run NumPy's OpenBLAS on ``n`` threads from now on (process-wide; nothing without that
    BLAS).  Inside ``single_threaded`` blocks the count takes effect when the last one ends."""
    global _single_saved
    fns = _thread_functions()
    if fns is None:
        return
    with _single_lock:
        if _single_depth:
            _single_saved = n
        else:
            fns[1](n)


def blas_threads() -> int | None:
    """How many threads NumPy's OpenBLAS uses now (None without that BLAS)."""
    fns = _thread_functions()
    return None if fns is None else int(fns[0]())


# OpenBLAS runs a product on its own thread pool from about this many multiply-adds on (its
# GEMM_MULTITHREAD_THRESHOLD); after each such call the pool's workers spin for ~0.1 s
# (measured: ~100 ms of CPU after one 256x784x256 product)
_BLAS_THREADED_MACS = 1 << 18
# ... and products below this many multiply-adds (~65 us on one thread) run on one BLAS thread
# instead (see matmul).  Measured on 2 cores, one MLP epoch (784-256-128-10, batch 128): 0.42 s
# with 2**22 as without the rule, 0.47 s with 2**23 (its 128x256x128 products, 2**22
# multiply-adds, then lost the second thread)
PRODUCT_THREADS_MIN_MACS = 1 << 22

# ... and while nablagrad's own threads run batch shards (convolutions, batch norm, pooling:
# ``parallel.over_ranges``), every product stays on one BLAS thread: the spinning workers of a
# threaded product take the cores the next layer's shards need.  Measured on 2 cores, D2L's
# LeNet-5 (batch 256, its 256x400x120 layer above the bound) on 2 threads: 12.0 ms a step with
# threaded products, 8.1-8.2 ms without (1 thread: 11.2-11.6 ms).  "While" = within
# ``SHARDS_WINDOW_S`` seconds of the last split, i.e. in every step of a model that has such
# layers; an MLP's products keep the BLAS's threads.
SHARDS_WINDOW_S = 1.0
_last_shards = -SHARDS_WINDOW_S


def note_shards() -> None:
    """Record that nablagrad's threads are running batch shards now (see ``matmul``)."""
    global _last_shards
    _last_shards = time.perf_counter()


def shards_running() -> bool:
    """Whether nablagrad's threads ran batch shards within the last ``SHARDS_WINDOW_S``."""
    return time.perf_counter() - _last_shards < SHARDS_WINDOW_S


def matmul(a: Any, b: Any) -> Any:
    """``a @ b``, with NumPy products of mid size kept on one BLAS thread.

    For a product of ``2**18`` to ``PRODUCT_THREADS_MIN_MACS`` multiply-adds (of any size while
    batch shards run: ``note_shards``) OpenBLAS would wake its thread pool to save a few tens of
    microseconds (LeNet-5's 64x400x120 layer: 52 against 32 us), and the woken workers then
    spin for ~0.1 s on the cores that nablagrad's own threads (convolution shards, optimizer
    steps) need: on 2 cores, a LeNet-5 training step took 4.6-4.9 ms with them spinning against
    3.5 ms without.  Larger products keep the BLAS's threads (a 128x784x256 product: 415 us on
    one, 221 us on two; a 128x256x128 one, 68 against 39 us).  Operands other than NumPy arrays
    (CuPy arrays, Tensors under ``create_graph``) take their own ``@``.

    Example:
        >>> import numpy as np
        >>> matmul(np.ones((2, 3)), np.arange(3.0))
        array([3., 3.])
    """
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim and b.ndim:
        m = a.shape[-2] if a.ndim > 1 else 1
        n = b.shape[-1] if b.ndim > 1 else 1
        macs = max(a.size * n, b.size * m)
        if _BLAS_THREADED_MACS <= macs and (macs < PRODUCT_THREADS_MIN_MACS or shards_running()):
            fns = _thread_functions()
            if fns is not None and fns[0]() != 1:  # (on one thread already: nothing to do)
                with single_threaded():
                    return a @ b
    return a @ b
