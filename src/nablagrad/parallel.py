"""Intra-op threads: ``set_num_threads`` / ``get_num_threads`` as in torch.

nablagrad's array work runs in NumPy (whose BLAS has its own threads).  Where independent
pieces of work are large enough, nablagrad spreads them over a small thread pool: NumPy's
elementwise loops release the GIL, so two threads on two cores do twice the work.  Today this
covers optimizer steps (parameters are split between threads).  ``set_num_threads(1)`` turns it
off; the default is the number of CPUs (at most 8).

Example:
    >>> import nablagrad as torch
    >>> torch.set_num_threads(1); torch.get_num_threads()
    1
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_num_threads = max(1, min(os.cpu_count() or 1, 8))
_pool: ThreadPoolExecutor | None = None


def get_num_threads() -> int:
    """How many threads nablagrad uses for work it splits itself."""
    return _num_threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (``n >= 1``) for work nablagrad splits itself."""
    global _num_threads, _pool
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"set_num_threads expects a positive int, got {n!r}")
    _num_threads = n
    if _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None


def run(tasks: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run independent ``tasks`` on the pool (the first on the calling thread); return results.

    The first exception raised by any task is re-raised after all have finished.
    """
    global _pool
    if len(tasks) <= 1 or _num_threads <= 1:
        return [task() for task in tasks]
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=_num_threads - 1, thread_name_prefix="nablagrad")
    futures = [_pool.submit(task) for task in tasks[1:]]
    first_error: BaseException | None = None
    results = []
    try:
        results.append(tasks[0]())
    except BaseException as e:  # noqa: BLE001 - re-raised below, after the other tasks end
        first_error = e
    for f in futures:
        try:
            results.append(f.result())
        except BaseException as e:  # noqa: BLE001
            first_error = first_error or e
    if first_error is not None:
        raise first_error
    return results


def balanced_shards(sizes: Sequence[int], n: int) -> list[list[int]]:
    """Split item indices into at most ``n`` lists of nearly equal total size (largest first)."""
    shards: list[list[int]] = [[] for _ in range(n)]
    loads = [0] * n
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        k = loads.index(min(loads))
        shards[k].append(i)
        loads[k] += sizes[i]
    return [sorted(s) for s in shards if s]
