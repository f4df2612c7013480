"""``torch.multiprocessing``: Python's ``multiprocessing`` with tensors sent as shared memory.

Everything of ``multiprocessing`` is re-exported (``Process``, ``Queue``, ``Pool``,
``get_context``, ``set_start_method``, ``cpu_count`` ...); on import, tensors are registered
with its pickler (``reductions``) so that a tensor given to another process as a ``Process``
argument (spawn/forkserver) or through a ``Queue``/``Pipe`` is moved into shared memory and
mapped, not copied, by the receiver.  Under the fork start method, ``Process`` arguments are
inherited instead: tensors already shared (``share_memory_()``, ``Module.share_memory()``)
stay shared, others are copy-on-write copies, as in torch.  ``spawn``/``start_processes`` run
``fn(i, *args)`` in N processes with torch's error propagation.

Hogwild training::

    model.share_memory()
    procs = [mp.Process(target=train, args=(model,)) for _ in range(2)]
    for p in procs: p.start()
    for p in procs: p.join()   # model's weights were updated by both processes

Example:
    >>> import nablagrad as torch, nablagrad.multiprocessing as mp
    >>> t = torch.zeros(3).share_memory_()
    >>> t.is_shared(), mp.get_sharing_strategy()
    (True, 'file_descriptor')
"""

from __future__ import annotations

import multiprocessing
import warnings
from multiprocessing import *  # noqa: F403 - torch re-exports the whole module

from .reductions import init_reductions
from .spawn import (
    ProcessContext,
    ProcessExitedException,
    ProcessRaisedException,
    SpawnContext,
    spawn,
    start_processes,
)

__all__ = [
    "set_sharing_strategy",
    "get_sharing_strategy",
    "get_all_sharing_strategies",
    "init_reductions",
    "ProcessContext",
    "ProcessExitedException",
    "ProcessRaisedException",
    "SpawnContext",
    "spawn",
    "start_processes",
]
__all__ += multiprocessing.__all__  # type: ignore[attr-defined]

_all_sharing_strategies = {"file_descriptor", "file_system"}
_sharing_strategy = "file_descriptor"


def set_sharing_strategy(new_strategy: str) -> None:
    """Choose how shared CPU memory is handed to other processes (torch's two Linux strategies).

    nablagrad always passes the memory as a file descriptor of an anonymous memory file
    (``file_descriptor``); ``file_system`` is accepted and reported by
    :func:`get_sharing_strategy` so that scripts setting it run, but it warns once that
    descriptors are still used (no named files are created in ``/dev/shm``).
    """
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise ValueError(
            f"set_sharing_strategy(): unknown strategy {new_strategy!r}; choose one of "
            f"{sorted(_all_sharing_strategies)}"
        )
    if new_strategy == "file_system":
        warnings.warn(
            "nablagrad shares tensor memory between processes through file descriptors under "
            "both strategies; 'file_system' is recorded but no named /dev/shm files are used",
            UserWarning,
            stacklevel=2,
        )
    _sharing_strategy = new_strategy


def get_sharing_strategy() -> str:
    """The current sharing strategy (``'file_descriptor'`` unless set)."""
    return _sharing_strategy


def get_all_sharing_strategies() -> set[str]:
    """The strategies this platform supports: ``{'file_descriptor', 'file_system'}``."""
    return set(_all_sharing_strategies)


init_reductions()
