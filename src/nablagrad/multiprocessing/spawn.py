"""``spawn`` / ``start_processes``: run ``fn(i, *args)`` in ``nprocs`` processes, as torch does.

A child that raises writes its traceback to an error file and exits with code 1; the parent's
:meth:`ProcessContext.join` then terminates the other children and raises
:class:`ProcessRaisedException` carrying that traceback (or :class:`ProcessExitedException`
for a child killed by a signal or exiting with a non-zero code without raising).

Example:
    >>> import nablagrad.multiprocessing as mp
    >>> mp.start_processes(print, args=("worker",), nprocs=1, start_method="fork")  # doctest: +SKIP
    0 worker
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import tempfile
import time
import warnings
from collections.abc import Callable

__all__ = [
    "ProcessContext",
    "ProcessException",
    "ProcessExitedException",
    "ProcessRaisedException",
    "spawn",
    "start_processes",
]


class ProcessException(Exception):
    """A child of :func:`spawn` failed: ``error_index`` (its i) and ``error_pid``."""

    def __init__(self, msg: str, error_index: int, error_pid: int) -> None:
        super().__init__(msg)
        self.msg = msg
        self.error_index = error_index
        self.pid = error_pid

    def __reduce__(self) -> tuple:
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A child raised an exception; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A child was killed by a signal or exited with a non-zero code without raising."""

    def __init__(
        self,
        msg: str,
        error_index: int,
        error_pid: int,
        exit_code: int,
        signal_name: str | None = None,
    ) -> None:
        super().__init__(msg, error_index, error_pid)
        self.exit_code = exit_code
        self.signal_name = signal_name

    def __reduce__(self) -> tuple:
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def _wrap(fn: Callable, i: int, args: tuple, error_file: str) -> None:
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # the parent sent SIGINT: exit quietly
    except Exception:
        import traceback

        tmp = error_file + ".tmp"
        with open(tmp, "wb") as fh:
            pickle.dump(traceback.format_exc(), fh)
        os.replace(tmp, error_file)
        sys.exit(1)


class ProcessContext:
    """The processes started by :func:`start_processes`; ``join()`` waits and reports failures."""

    def __init__(self, processes: list, error_files: list) -> None:
        self.error_files = error_files
        self.processes = processes
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self) -> list[int]:
        return [int(p.pid) for p in self.processes]

    def join(self, timeout: float | None = None, grace_period: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds for the processes; True once all exited cleanly.

        On the first failure the others are sent SIGTERM (SIGKILL after ``grace_period``
        seconds) and the failure is raised as :class:`ProcessRaisedException` /
        :class:`ProcessExitedException`.
        """
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(list(self.sentinels), timeout=timeout)
        error_index = None
        for sentinel in ready:
            index = self.sentinels.pop(sentinel)
            process = self.processes[index]
            process.join()
            if process.exitcode != 0:
                error_index = index
                break
        if error_index is None:
            return not self.sentinels
        for process in self.processes:
            if process.is_alive():
                process.terminate()
        deadline = time.monotonic() + (grace_period or 0)
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()) if grace_period else None)
            if process.is_alive():
                process.kill()
                process.join()
        self.sentinels.clear()
        failed = self.processes[error_index]
        error_file = self.error_files[error_index]
        if not os.path.exists(error_file):
            code = failed.exitcode
            if code < 0:
                try:
                    name = signal.Signals(-code).name
                except ValueError:
                    name = f"<Unknown signal {-code}>"
                raise ProcessExitedException(
                    f"process {error_index:d} terminated with signal {name}",
                    error_index=error_index,
                    error_pid=failed.pid,
                    exit_code=code,
                    signal_name=name,
                )
            raise ProcessExitedException(
                f"process {error_index:d} terminated with exit code {code:d}",
                error_index=error_index,
                error_pid=failed.pid,
                exit_code=code,
            )
        with open(error_file, "rb") as fh:
            original_trace = pickle.load(fh)
        for f in self.error_files:
            if os.path.exists(f):
                os.unlink(f)
        msg = f"\n\n-- Process {error_index:d} terminated with the following error:\n"
        msg += original_trace
        raise ProcessRaisedException(msg, error_index, failed.pid)


class SpawnContext(ProcessContext):
    """The ``ProcessContext`` of :func:`spawn` (kept for torch's name)."""


def start_processes(
    fn: Callable,
    args: tuple = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> ProcessContext | None:
    """Start ``nprocs`` processes running ``fn(i, *args)`` (``i`` = 0 .. nprocs-1).

    With ``join=True`` wait for all of them (raising the first failure) and return None;
    with ``join=False`` return the :class:`ProcessContext`.
    """
    if not callable(fn):
        raise TypeError(f"start_processes(): fn must be callable, got {type(fn).__name__}")
    if not isinstance(args, tuple):
        raise TypeError(
            f"start_processes(): args must be a tuple of fn's extra arguments, got "
            f"{type(args).__name__} (write args=(x,) for one argument)"
        )
    if not isinstance(nprocs, int) or nprocs < 1:
        raise ValueError(f"start_processes(): nprocs must be a positive int, got {nprocs!r}")
    ctx = multiprocessing.get_context(start_method)
    error_files, processes = [], []
    for i in range(nprocs):
        fd, name = tempfile.mkstemp(prefix="nablagrad-errorfile-", suffix=".pickle")
        os.close(fd)
        os.unlink(name)  # the child creates it only if it fails
        process = ctx.Process(target=_wrap, args=(fn, i, args, name), daemon=daemon)
        process.start()
        error_files.append(name)
        processes.append(process)
    context = ProcessContext(processes, error_files)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(
    fn: Callable,
    args: tuple = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> ProcessContext | None:
    """Run ``fn(i, *args)`` in ``nprocs`` new processes (torch.multiprocessing.spawn).

    ``i`` is the process index.  A child's exception is re-raised in the parent as
    :class:`ProcessRaisedException` with the child's traceback; ``join=False`` returns the
    :class:`ProcessContext` instead of waiting.

    Example:
        >>> import nablagrad.multiprocessing as mp
        >>> def work(i, n): assert i < n
        >>> mp.spawn(work, args=(2,), nprocs=2)  # doctest: +SKIP
    """
    if start_method != "spawn":
        warnings.warn(
            f"This method only supports start_method=spawn (got: {start_method}).\n"
            "To use a different start_method use:\n\t\t"
            " torch.multiprocessing.start_processes(...)",
            FutureWarning,
            stacklevel=2,
        )
    return start_processes(fn, args, nprocs, join, daemon, start_method)
