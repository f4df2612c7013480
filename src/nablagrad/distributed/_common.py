"""Shared pieces of the distributed package: ops, errors, work handles and buffer helpers.

The process group (``process_group.py``) and the backends (``mpi_backend.py``,
``nccl_backend.py``) build on these; nothing here talks to MPI except ``require_mpi``.
"""

from __future__ import annotations

import datetime
import enum
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from ..backend import get_array_module, np, to_host
from ..tensor import Tensor

MPI_INSTALL_HINT = (
    'install MPI with `pip install "nablagrad[mpi]"` (the mpi4py and mpich wheels; no system '
    "package needed)"
)
DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)


class DistributedError(RuntimeError):
    """A collective failed: arguments that differ across ranks, or a rank that never came."""


class ReduceOp(enum.Enum):
    """Reductions for ``all_reduce`` / ``reduce`` / ``reduce_scatter`` (torch's names)."""

    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    PRODUCT = "product"

    def __repr__(self) -> str:
        return f"<ReduceOp.{self.name}>"


def require_mpi() -> Any:
    """Import and return ``mpi4py.MPI``; a clear error says how to install it when missing."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(
            f"nablagrad.distributed needs mpi4py and an MPI library: {MPI_INSTALL_HINT}"
        ) from e
    return MPI


def _as_timeout(timeout: Any) -> float | None:
    if timeout is None:
        return DEFAULT_TIMEOUT.total_seconds()
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    if isinstance(timeout, (int, float)) and timeout > 0:
        return float(timeout)
    raise TypeError(f"timeout must be a datetime.timedelta or seconds > 0, got {timeout!r}")


class Work:
    """The handle of an asynchronous collective (``async_op=True``): ``wait()`` blocks until
    the result is in the output tensors; ``is_completed()`` asks without blocking."""

    def __init__(self, backend: Any, handles: Sequence[Any], finish: Callable | None,
                 what: str, outputs: Sequence[Tensor] = ()) -> None:  # fmt: skip
        self._backend, self._handles, self._finish = backend, list(handles), finish
        self._what, self._outputs, self._done = what, list(outputs), False

    def is_completed(self) -> bool:
        if not self._done and self._backend.test(self._handles):
            self._complete()
        return self._done

    def wait(self, timeout: datetime.timedelta | float | None = None) -> bool:
        """Block until done; raise ``DistributedError`` after ``timeout`` (default: the
        group's timeout) when other ranks never join."""
        if not self._done:
            seconds = self._backend.timeout if timeout is None else _as_timeout(timeout)
            self._backend.wait(self._handles, seconds, self._what)
            self._complete()
        return True

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            self._finish()
            self._finish = None

    def result(self) -> list[Tensor]:
        self.wait()
        return self._outputs


def host_view(t: Tensor) -> tuple[Any, Callable | None]:
    """A contiguous host array for ``t`` and a function that writes it back (None when the
    array is ``t``'s own memory, the zero-copy case)."""
    arr = t._data
    if type(arr) is np.ndarray and arr.flags.c_contiguous and arr.flags.writeable:
        return arr, None
    buf = np.ascontiguousarray(to_host(arr))
    if buf is arr:
        buf = buf.copy()

    def back() -> None:
        xp = get_array_module(t._data)
        t._data[...] = buf if xp is np else xp.asarray(buf)

    return buf, back


# How long a waiting rank polls without giving up its CPU.  Short waits (the other ranks are a
# few microseconds behind) are cheapest spinning; past this, each poll also yields the CPU so
# that a rank preempted by other work on a busy machine gets it back sooner.
SPIN_SECONDS = 0.002


def spin_wait(test: Callable[[], bool], seconds: float | None, what: str, size: int) -> None:
    """Call ``test()`` (which drives MPI's progress) until it returns True or time runs out."""
    if test():
        return
    start = time.monotonic()
    deadline = None if seconds is None else start + seconds
    n = 0
    while not test():
        n += 1
        if n & 63:
            continue
        now = time.monotonic()
        if now - start > SPIN_SECONDS:
            # a long wait: on a busy machine, let the rank we are waiting for run (short waits
            # keep spinning, so this rank is on a CPU the moment the others arrive)
            os.sched_yield()
        if deadline is not None and now > deadline:
            raise DistributedError(
                f"{what}: timed out after {seconds:g} s waiting for the other ranks of a "
                f"{size}-rank group: a rank did not make the same collective call (a crash, an "
                "early exit, or a call made on some ranks only). The group cannot be used "
                "after this error"
            )
