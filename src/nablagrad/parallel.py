"""Intra-op threads: ``set_num_threads`` / ``get_num_threads`` as in torch.

nablagrad's array work runs in NumPy (whose BLAS has its own threads).  Where independent
pieces of work are large enough, nablagrad spreads them over a small pool of its own threads:
NumPy's elementwise loops release the GIL, so two threads on two cores do twice the work.  This
covers optimizer steps (parameters are split between threads), convolutions (the batch is
split, each shard with a one-thread BLAS), ``cdist`` blocks and word2vec's workers; mid-size
matrix products (and every product while batch shards run: ``over_ranges`` notes them) stay on
one BLAS thread (``backend.matmul``) so that OpenBLAS's own pool does not spin on the cores
these threads use.  ``set_num_threads(1)`` turns it off; the default is
the number of CPUs (at most 8).  As torch's sets its BLAS's threads too, ``set_num_threads(n)``
also runs NumPy's OpenBLAS on ``n`` threads (process-wide).

Where Numba runs kernels on its OpenMP threading layer (``compiled_threads``), compiled kernels
split their own loops between those threads instead (the direct convolution; activation and
2x2 pooling passes the pool would not split): no hand-off through this pool, no GIL.

The pool is built for hand-offs of a few hundred microseconds of work: each worker thread
sleeps on a lock of its own, the caller releases it with the task in place and takes the
worker's "done" lock back afterwards.  This costs a fraction of what
``concurrent.futures.ThreadPoolExecutor`` does (no queue, no ``Future``, no condition
variable), which matters when a whole optimizer step takes 0.3 ms (``benchmarks/bench_optim.py``).

A sleeping worker keeps no core, and Linux wakes it where its waker runs when the core it last
ran on is busy (another process, or torch's OpenMP threads, which spin for ~10 ms after each
op); the two halves of a split then share one core while the other idles, and it stayed so for
whole blocks of calls (measured on the 2-core development VM: a 6->16 5x5 convolution, fwd +
bwd, 1.2 ms per call after PyTorch's calls against 0.75 ms alone).  So on Linux each hand-off
keeps the workers off the caller's current CPU (an affinity change only when that CPU
changed): 0.79 ms there.

What a hand-off costs depends on the machine: waking a sleeping thread on another CPU took a
few microseconds on the development VMs of earlier sessions, but ~35 us each way on a
Firecracker VM whose idle vCPUs halt at once (a lock ping-pong between two threads: 71 us on
two vCPUs, 4.7 us on one).  PyTorch's OpenMP threads spin between ops and never sleep that
long; ours sleep, and Python threads cannot spin without holding the GIL the other thread
needs.  So the pool measures its hand-off once (``handoff_seconds``) and the split thresholds
grow with it (``split_scale``, ``batch_ranges``): small work stays on the calling thread where
a split would cost more than it saves (that VM, 2 threads against 1: MaxPool2d 64x6x28x28 fwd
+ bwd 0.79 -> 0.44 ms, the same as on one thread).

Example:
    >>> import nablagrad as torch
    >>> before = torch.get_num_threads()
    >>> torch.set_num_threads(1); torch.get_num_threads()
    1
    >>> torch.set_num_threads(before)
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from . import backend
from .backend import note_shards, set_blas_threads, shards_running, single_threaded_blas

_num_threads = max(1, min(os.cpu_count() or 1, 8))


def _cpu_query() -> Callable[[], int] | None:
    """libc's ``sched_getcpu`` (the calling thread's CPU) where threads can be given an
    affinity (Linux), else None."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    try:
        import ctypes

        query = ctypes.CDLL(None).sched_getcpu
    except (OSError, AttributeError):
        return None
    query.restype, query.argtypes = ctypes.c_int, []
    return query


_current_cpu = _cpu_query()


class _Worker:
    """One pool thread: waits for a task, runs it, reports its result or exception."""

    def __init__(self, index: int) -> None:
        self._cpus = os.sched_getaffinity(0) if _current_cpu is not None else set()
        self._avoiding = -1
        self._go = threading.Lock()
        self._go.acquire()
        self._done = threading.Lock()
        self._done.acquire()
        self._task: Callable[[], Any] | None = None
        self._result: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name=f"nablagrad-{index}", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            self._go.acquire()
            task = self._task
            if task is None:  # asked to stop
                self._done.release()
                return
            try:
                self._result, self._error = task(), None
            except BaseException as e:  # noqa: BLE001 - handed to the caller by result()
                self._result, self._error = None, e
            self._task = None
            self._done.release()

    def submit(self, task: Callable[[], Any] | None) -> None:
        """Start ``task`` on this thread (``None`` stops the thread)."""
        self._task = task
        self._go.release()

    def avoid(self, cpu: int) -> None:
        """Run this thread on any of the process's CPUs but ``cpu`` (the caller's)."""
        if cpu == self._avoiding or cpu < 0:
            return
        allowed = self._cpus - {cpu}
        if allowed:
            try:
                os.sched_setaffinity(self._thread.native_id, allowed)
            except OSError:  # the process's CPUs changed since: leave the thread as it is
                pass
        self._avoiding = cpu

    def result(self) -> tuple[Any, BaseException | None]:
        """Wait for the submitted task; its result and the exception it raised (or None)."""
        self._done.acquire()
        out = self._result, self._error
        self._result = self._error = None  # hold no reference to them between tasks
        return out

    def stop(self) -> None:
        self.submit(None)
        self._done.acquire()
        self._thread.join()


_workers: list[_Worker] = []
_busy = threading.Lock()  # held while a run() uses the workers; nested or concurrent calls
# (a task that itself calls run(), or two user threads) then run their tasks in order instead


def get_num_threads() -> int:
    """How many threads nablagrad uses for work it splits itself."""
    return _num_threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (``n >= 1``) for work nablagrad splits itself and for NumPy's BLAS
    (OpenBLAS, process-wide), as ``torch.set_num_threads`` sets both for torch."""
    global _num_threads
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads expects a positive int, got {n!r}")
    set_blas_threads(n)
    with _busy:
        _num_threads = n
        while len(_workers) > n - 1:
            _workers.pop().stop()
    if _openmp:
        _numba_threads(n)


def _forget_workers_after_fork() -> None:
    """A forked child has none of the parent's threads: start afresh, without Numba's OpenMP
    threads (GNU OpenMP does not survive a fork: Numba stops a child that starts them)."""
    global _busy, _handoff, _openmp
    _workers.clear()
    _busy = threading.Lock()
    _handoff = None
    _openmp = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers_after_fork)


def run(tasks: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run independent ``tasks`` at once (the first on the calling thread); return the results.

    At most ``get_num_threads()`` tasks run at a time.  On threads, the first exception raised
    by any task is re-raised after all of them have finished; with one thread (or when called
    from inside a running task) the tasks run in order and the first exception stops them.
    """
    tasks = list(tasks)
    if len(tasks) <= 1 or _num_threads <= 1 or not _busy.acquire(blocking=False):
        return [task() for task in tasks]
    try:
        results: list[Any] = []
        errors: list[BaseException] = []
        for start in range(0, len(tasks), _num_threads):
            batch = tasks[start : start + _num_threads]
            while len(_workers) < len(batch) - 1:
                _workers.append(_Worker(len(_workers) + 1))
            cpu = _current_cpu() if _current_cpu is not None else -1
            for worker, task in zip(_workers, batch[1:]):
                worker.avoid(cpu)
                worker.submit(task)
            try:
                results.append(batch[0]())
            except BaseException as e:  # noqa: BLE001 - re-raised below, after the others
                results.append(None)
                errors.append(e)
            for worker in _workers[: len(batch) - 1]:
                value, error = worker.result()
                results.append(value)
                if error is not None:
                    errors.append(error)
        if errors:
            raise errors[0]
        return results
    finally:
        _busy.release()


# below this many elements a pass over an array stays on the calling thread: a hand-off costs
# tens of microseconds (ReLU on 4M elements: 1.24 ms on one thread, 0.69 ms split in two,
# measured on the 2-core development VM).  2**18 rather than 2**20: LeNet-5's first
# activations at batch 64 (301,056 elements: sigmoid, its gradient, the pooling) split too, and
# its training step on 2 threads took x0.95 the time (20 alternating rounds in one process, 3
# runs; on a VM whose memory bandwidth swings, such a pass took 60-200 us)
SPLIT_MIN_ELEMENTS = 1 << 18


# The split thresholds (``SPLIT_MIN_ELEMENTS``, conv's ``SHARD_MIN_MACS``) were measured on
# machines where a hand-off (``handoff_seconds``) took up to ~30 us.  Where it takes longer a
# split needs proportionally more work to pay (``split_scale``): on a 2-vCPU Firecracker VM
# whose idle vCPUs halt at once (no guest halt-polling), waking a worker took ~35 us each way,
# a hand-off 70-110 us, and MaxPool2d 64x6x28x28 (fwd + bwd) took 0.79 ms on 2 threads
# against 0.42 ms on one.
REFERENCE_HANDOFF_SECONDS = 30e-6
_handoff: float | None = None


def _noop() -> None:
    return None


def handoff_seconds() -> float:
    """Median time to hand an empty task to a pool thread and take its result back (as
    ``run`` does: wake-up latencies included), measured once per process (24 round trips, ~2
    ms at most) when first asked with two or more threads; 0.0 with one thread, and while the
    pool is busy (a nested call, or another thread's ``run``: measured at a later call).

    Example:
        >>> handoff_seconds() >= 0.0
        True
    """
    global _handoff
    if _handoff is not None:
        return _handoff
    if _num_threads < 2 or not _busy.acquire(blocking=False):
        return 0.0
    try:
        if not _workers:
            _workers.append(_Worker(1))
        worker, times = _workers[0], []
        for i in range(26):
            start = time.perf_counter()
            worker.avoid(_current_cpu() if _current_cpu is not None else -1)
            worker.submit(_noop)
            worker.result()
            if i >= 2:  # the first ones may find the thread just started
                times.append(time.perf_counter() - start)
        times.sort()
        _handoff = times[len(times) // 2]
        return _handoff
    finally:
        _busy.release()


def split_scale() -> float:
    """How many times the thresholds' work a split needs here: ``handoff_seconds()`` over
    ``REFERENCE_HANDOFF_SECONDS``, at least 1.

    Example:
        >>> split_scale() >= 1.0
        True
    """
    return max(1.0, handoff_seconds() / REFERENCE_HANDOFF_SECONDS)


# Compiled kernels split their own loops (``numba.prange``) where Numba runs them on its OpenMP
# threading layer, whose threads wait for the next loop spinning, not asleep: a loop handed to
# them costs a few microseconds where this module's hand-off costs tens (the GIL and the
# wake-up).  Measured on the 2-vCPU Intel Xeon (Sapphire Rapids) VM whose hand-off took 66-100
# us: an empty two-way loop 2.4 us on OpenMP's threads, 176 us on Numba's default "workqueue"
# layer (whose threads sleep); LeNet-5's first layer's forward kernel 184 -> 116 us on 2 threads.
_openmp: bool | None = None  # whether they do (None: not known yet)
_probe_lock = threading.Lock()


def _numba_threads(n: int) -> None:
    """Numba's threads for the calling thread's parallel kernels: ``n``, at most its pool's."""
    import numba

    numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))


def _openmp_probe() -> bool:
    """Whether Numba's parallel kernels run on its OpenMP layer here: Numba installed, its
    threading layer not chosen otherwise (where nobody chose one, OpenMP is asked for: the
    choice is Numba's, process-wide, and made once), and GNU OpenMP (``libgomp``) loads."""
    if not backend.jit_available():
        return False
    import numba

    chosen = numba.config.THREADING_LAYER
    if chosen == "default":
        numba.config.THREADING_LAYER = "omp"
    loop = backend.compiled_range()

    def probe(out: Any) -> None:
        for i in loop(out.size):
            out[i] = i

    try:
        out = backend.np.zeros(4)
        backend.njit(probe, parallel=True)(out)
        ok = numba.threading_layer() == "omp" and out.tolist() == [0.0, 1.0, 2.0, 3.0]
    except Exception:  # noqa: BLE001 - no layer could start (no libgomp): the pool's threads
        numba.config.THREADING_LAYER = chosen  # Numba's own choice again, for other code
        return False
    if ok:
        _numba_threads(_num_threads)
    return ok


def compiled_threads() -> int:
    """How many threads a kernel compiled with ``parallel`` should split its loops between:
    ``get_num_threads()`` where Numba runs such kernels on its OpenMP threads, else 1 (then
    callers split work, if at all, over this module's pool).  Found on the first call with
    two or more threads (a first compile, ~1 s, then cached on disk); always 1 in a child
    forked from this process.

    Example:
        >>> compiled_threads() >= 1
        True
    """
    global _openmp
    if _num_threads <= 1:
        return 1
    if _openmp is None:
        with _probe_lock:
            if _openmp is None:
                _openmp = _openmp_probe()
    return _num_threads if _openmp else 1


def batch_ranges(
    xp: Any, n: int, work: int, min_work: int = SPLIT_MIN_ELEMENTS, per_handoff: float = 0.0
) -> list:
    """Contiguous ranges (start, stop) of a first axis of length ``n``, one per thread, when
    ``work`` (elements, multiply-adds ...) reaches ``min_work`` times ``split_scale()`` and
    ``per_handoff`` times ``handoff_seconds()`` (for work whose shards hand the GIL back and
    forth many times: the work per second of hand-off at which a split breaks even), and
    ``xp`` is NumPy (CuPy kernels run on the device); else the one range (0, n)."""
    threads = min(_num_threads, n)
    if threads <= 1 or work < min_work or xp.__name__ != "numpy":
        return [(0, n)]
    if work < min_work * split_scale() or work < per_handoff * handoff_seconds():
        return [(0, n)]
    return even_ranges(n, threads)


def compiled_split(xp: Any, n: int, work: int, min_work: int) -> int:
    """How many of Numba's threads should split a compiled pass of ``work`` elements over a
    first axis of ``n``: ``compiled_threads()`` from ``min_work`` on, where the pool's threads
    would not split it (``batch_ranges``), else 1.  Large passes stay with the pool, as
    before: OpenMP's threads spin for a while after each loop (GNU OpenMP's default, ~300,000
    spins), on the core that the pool's next shard (a convolution's, a product's) then has to
    share (a CIFAR-shaped block, 2 threads: 76-78 ms with its 4M-element ReLU and pooling
    passes on the pool, 83-85 ms with them on OpenMP's threads)."""
    if work < min_work or xp.__name__ != "numpy" or len(batch_ranges(xp, n, work)) > 1:
        return 1
    return min(compiled_threads(), n)


def even_ranges(n: int, parts: int) -> list:
    """``parts`` contiguous ranges (start, stop) covering 0..n, sizes differing by at most 1
    (at most n ranges, at least one).

    Example:
        >>> even_ranges(5, 2), even_ranges(2, 4)
        ([(0, 2), (2, 5)], [(0, 1), (1, 2)])
    """
    parts = max(1, min(parts, n))
    bounds = [n * i // parts for i in range(parts + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def over_ranges(ranges: list, fn: Callable[[int, int], Any]) -> list[Any]:
    """``fn(start, stop)`` for every range on the pool's threads; the results in order."""
    if len(ranges) == 1:
        return [fn(*ranges[0])]
    note_shards()  # matrix products keep off OpenBLAS's threads meanwhile (backend.matmul)
    return run([lambda a=a, b=b: fn(a, b) for a, b in ranges])


def over_batch(xp: Any, n: int, work: int, fn: Callable[[int, int], Any]) -> list[Any]:
    """``fn(start, stop)`` over ``batch_ranges(xp, n, work)``: the pattern of an op that splits
    its first axis (pooling, batch norm, elementwise passes), each shard writing its own slice
    of preallocated outputs; returns the shards' results in order (e.g. partial sums).

    Example:
        >>> import numpy as np
        >>> x = np.arange(6.0).reshape(3, 2)
        >>> sum(over_batch(np, 3, x.size, lambda a, b: x[a:b].sum(axis=0)))
        array([6., 9.])
    """
    return over_ranges(batch_ranges(xp, n, work), fn)


def balanced_shards(sizes: Sequence[int], n: int) -> list[list[int]]:
    """Split item indices into at most ``n`` lists of nearly equal total size (largest first)."""
    shards: list[list[int]] = [[] for _ in range(n)]
    loads = [0] * n
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        k = loads.index(min(loads))
        shards[k].append(i)
        loads[k] += sizes[i]
    return [sorted(s) for s in shards if s]


def matmul(a: Any, b: Any) -> Any:
    """``a @ b`` (``backend.matmul``); while batch shards run (``backend.shards_running``) a
    large 2-D NumPy product is split instead over this pool's threads, in row blocks (or
    column blocks when ``b`` is the wider), each on one BLAS thread.  ``backend.matmul`` then
    keeps it off OpenBLAS's threads, whose spinning workers would take the shards' cores, and a
    one-thread product of a wide layer took a tenth of a wide LeNet-5's step: LeNet-5 at 4x
    width (a 128x1600x480 layer), 2 threads, ~6.5 ms of products a step on one thread.

    Example:
        >>> import numpy as np
        >>> matmul(np.ones((2, 3)), np.ones((3, 2)))
        array([[3., 3.],
               [3., 3.]])
    """
    np_ = backend.np
    threads = _num_threads
    if (
        threads > 1
        and type(a) is np_.ndarray
        and type(b) is np_.ndarray
        and a.ndim == 2
        and b.ndim == 2
        and a.shape[0] * a.shape[1] * b.shape[1] >= backend.PRODUCT_THREADS_MIN_MACS
        and shards_running()
    ):
        m, n = a.shape[0], b.shape[1]
        out = np_.empty((m, n), dtype=np_.result_type(a, b))
        if m >= n:

            def block(r0: int, r1: int) -> None:
                np_.matmul(a[r0:r1], b, out=out[r0:r1])

        else:

            def block(r0: int, r1: int) -> None:
                np_.matmul(a, b[:, r0:r1], out=out[:, r0:r1])

        with single_threaded_blas():
            over_ranges(even_ranges(max(m, n), threads), block)
        return out
    return backend.matmul(a, b)
