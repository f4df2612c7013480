"""Spreading independent trials over MPI ranks (``GridSearch``, ``RandomSearch``, ``tune``).

Task i of n runs on rank i mod p (inside ``distributed.local_only()``, so a trial's own
``fit`` trains on its rank alone); one ``all_gather`` gives every rank every result, in task
order.  Each task is a pure function of its inputs, so the results, the ranking and the best
configuration equal one process's.  An exception in any task is raised on every rank.

Example (``mpiexec -n 2``): ``GridSearch(...).fit(X, y)`` evaluates half of the
(candidate, fold) pairs on each rank and returns the same ``best_params_`` everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .. import distributed as dist


def use_ranks(distributed: bool | None) -> bool:
    """Whether to spread work: ``None`` means whenever a multi-rank group is active."""
    if distributed is None:
        return dist.active()
    if distributed and not dist.is_initialized():
        raise RuntimeError(
            "distributed=True needs an initialised process group: call "
            "nablagrad.distributed.init_process_group() in a script started with mpiexec -n N"
        )
    return bool(distributed) and dist.active()


def spread(tasks: Sequence[Any], fn: Callable[[Any], Any], distributed: bool | None,
           on_done: Callable[[], None] | None = None) -> list:  # fmt: skip
    """``[fn(t) for t in tasks]``, computed round-robin over the ranks when enabled."""
    if not use_ranks(distributed):
        out = []
        for t in tasks:
            out.append(fn(t))
            if on_done is not None:
                on_done()
        return out
    rank, size = dist.get_rank(), dist.get_world_size()
    mine: list = []
    with dist.local_only():
        for i in range(rank, len(tasks), size):
            try:
                mine.append((i, True, fn(tasks[i])))
            except Exception as e:  # noqa: BLE001 - re-raised on every rank below
                mine.append((i, False, (type(e), str(e))))
                break
            if on_done is not None:
                on_done()
    everyone: list = [None] * size
    dist.all_gather_object(everyone, mine)
    results: list = [None] * len(tasks)
    for r, part in enumerate(everyone):
        for i, ok, value in part:
            if not ok:
                kind, msg = value
                text = f"{msg} (task {i}, on rank {r})"
                try:
                    err = kind(text)
                except Exception:  # noqa: BLE001 - exception types with other signatures
                    err = RuntimeError(f"{kind.__name__}: {text}")
                raise err
            results[i] = value
    return results
