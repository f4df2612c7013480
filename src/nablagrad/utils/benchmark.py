"""torch.utils.benchmark's ``Timer`` and ``Measurement`` (the part tutorials use).

``Timer(stmt, setup, globals=...)`` compiles a statement and times it with
``time.perf_counter``: ``timeit(number)`` runs a short warm-up, then ``number`` runs and gives
one measurement; ``blocked_autorange(min_run_time)`` repeats blocks of runs until the time is
spent.  While timing, nablagrad's thread count is set to ``num_threads`` (1 by default), as
torch's Timer does.  Printing a ``Measurement`` gives torch's layout (the statement, the median
time in ns/us/ms/s, the number of runs).

>>> from nablagrad.utils.benchmark import Timer
>>> m = Timer(stmt="sum(range(100))").timeit(10)
>>> m.number_per_run, len(m.times)
(10, 1)
"""

from __future__ import annotations

import math
import statistics
import textwrap
import time
from collections.abc import Callable
from typing import Any

from .. import parallel
from ..backend import blas_threads, set_blas_threads

__all__ = ["Measurement", "Timer", "select_unit"]


def select_unit(t: float) -> tuple[str, float]:
    """The unit that shows ``t`` seconds with an O(1)..O(1000) number: ("us", 1e-6) ..."""
    exponent = math.floor(math.log10(t) / 3) if t > 0 else 0
    unit = {-3: "ns", -2: "us", -1: "ms"}.get(exponent, "s")
    return unit, {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


class TaskSpec:
    """What was timed: the statement, its setup and the labels given to the Timer."""

    def __init__(
        self,
        stmt: str,
        setup: str,
        label: str | None,
        sub_label: str | None,
        description: str | None,
        env: str | None,
        num_threads: int,
    ) -> None:
        self.stmt, self.setup, self.label, self.sub_label = stmt, setup, label, sub_label
        self.description, self.env, self.num_threads = description, env, num_threads

    @property
    def title(self) -> str:
        if self.label is not None:
            return self.label + (f": {self.sub_label}" if self.sub_label else "")
        if "\n" not in self.stmt:
            return self.stmt + (f": {self.sub_label}" if self.sub_label else "")
        return (
            "stmt:"
            + (f" ({self.sub_label})" if self.sub_label else "")
            + "\n"
            + (textwrap.indent(self.stmt, "  ") + "\n")
        )

    def summarize(self) -> str:
        lines = [self.title]
        if self.description:
            lines.append(self.description)
        if self.env:
            lines.append(self.env)
        return "\n".join(lines)


class Measurement:
    """The result of a Timer: ``raw_times`` (seconds per block), ``number_per_run`` (runs per
    block), ``times`` (seconds per run, one per block), ``mean``, ``median``, ``iqr``."""

    def __init__(self, number_per_run: int, raw_times: list, task_spec: TaskSpec) -> None:
        self.number_per_run = number_per_run
        self.raw_times = list(raw_times)
        self.task_spec = task_spec

    @property
    def times(self) -> list[float]:
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def num_threads(self) -> int:
        return self.task_spec.num_threads

    @property
    def title(self) -> str:
        return self.task_spec.title

    @property
    def mean(self) -> float:
        return statistics.fmean(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def _quantile(self, q: float) -> float:
        ts = sorted(self.times)
        pos = q * (len(ts) - 1)
        lo = int(math.floor(pos))
        hi = min(lo + 1, len(ts) - 1)
        return ts[lo] + (ts[hi] - ts[lo]) * (pos - lo)

    @property
    def iqr(self) -> float:
        return self._quantile(0.75) - self._quantile(0.25)

    def __repr__(self) -> str:
        n = len(self.raw_times)
        unit, scale = select_unit(self.median)
        lines = [
            f"<{type(self).__module__}.{type(self).__name__} object at {hex(id(self))}>",
            self.task_spec.summarize(),
            f"  {'Median: ' if n > 1 else ''}{self.median / scale:.2f} {unit}",
        ]
        if n >= 4:
            p25, p75 = self._quantile(0.25), self._quantile(0.75)
            lines.append(
                f"  IQR:    {self.iqr / scale:.2f} {unit} ({p25 / scale:.2f} to {p75 / scale:.2f})"
            )
        runs = "per measurement," if n > 1 else ","
        threads = "threads" if self.num_threads > 1 else "thread"
        lines.append(
            f"  {n} measurement{'s' if n > 1 else ''}, {self.number_per_run} runs {runs} "
            f"{self.num_threads} {threads}"
        )
        if n >= 4 and self.median > 0 and self.iqr / self.median > 0.1:
            lines.append(
                f"  WARNING: Interquartile range is {self.iqr / self.median * 100:.1f}% of the "
                "median measurement.\n           This suggests significant environmental "
                "influence."
            )
        return "\n".join(lines).strip()


class Timer:
    """Time a Python statement, as ``torch.utils.benchmark.Timer``.

    ``stmt``/``setup`` are source strings run with ``globals`` (a dict, e.g. ``globals()``);
    ``label``/``sub_label``/``description``/``env`` only label the printed measurement.
    """

    def __init__(
        self,
        stmt: str = "pass",
        setup: str = "pass",
        global_setup: str = "",
        timer: Callable[[], float] = time.perf_counter,
        globals: dict | None = None,  # noqa: A002 - torch's keyword
        label: str | None = None,
        sub_label: str | None = None,
        description: str | None = None,
        env: str | None = None,
        num_threads: int = 1,
        language: Any = "python",
    ) -> None:
        if str(getattr(language, "value", language)).lower() not in ("python", "py"):
            raise ValueError(
                f"Timer: language={language!r} is not supported: nablagrad times Python "
                "statements only"
            )
        if not isinstance(stmt, str) or not isinstance(setup, str):
            raise ValueError("Timer: stmt and setup must be strings of Python source")
        if not isinstance(num_threads, int) or num_threads < 1:
            raise ValueError(f"Timer: num_threads must be a positive int, got {num_threads!r}")
        self._stmt = textwrap.dedent(stmt).strip() or "pass"
        self._setup = textwrap.dedent(setup).strip() or "pass"
        self._global_setup = global_setup
        self._timer = timer
        self._globals = dict(globals) if globals is not None else {}
        self._code = compile(self._stmt, "<timer stmt>", "exec")
        self._setup_code = compile(self._setup, "<timer setup>", "exec")
        self.task_spec = TaskSpec(
            self._stmt, self._setup, label, sub_label, description, env, num_threads
        )
        if global_setup:
            exec(compile(global_setup, "<timer global_setup>", "exec"), self._globals)  # noqa: S102

    def _time(self, number: int) -> float:
        scope = dict(self._globals)
        exec(self._setup_code, scope)  # noqa: S102
        code, timer = self._code, self._timer
        start = timer()
        for _ in range(number):
            exec(code, scope)  # noqa: S102
        return timer() - start

    def _threads(self) -> Any:
        return _Threads(self.task_spec.num_threads)

    def timeit(self, number: int = 1000000) -> Measurement:
        """A warm-up of ``max(number // 100, 2)`` runs, then one timed block of ``number``."""
        with self._threads():
            self._time(max(number // 100, 2))
            return Measurement(number, [self._time(number)], self.task_spec)

    def repeat(self, repeat: int = -1, number: int = -1) -> None:
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def blocked_autorange(
        self, callback: Callable | None = None, min_run_time: float = 0.2
    ) -> Measurement:
        """Blocks of runs (each ~min_run_time/100 or longer) until ``min_run_time`` seconds."""
        with self._threads():
            number = 1
            while True:  # find a block size whose block takes at least 1/1000 of the budget
                t = self._time(number)
                if t >= min_run_time / 1000 or number >= 10**10:
                    break
                number *= 10
            raw: list = []
            total = 0.0
            while total < min_run_time or len(raw) < 2:
                t = self._time(number)
                if callback is not None:
                    callback(number, t)
                raw.append(t)
                total += t
            return Measurement(number, raw, self.task_spec)


class _Threads:
    def __init__(self, n: int) -> None:
        self.n = n

    def __enter__(self) -> None:
        self.prev, self.prev_blas = parallel.get_num_threads(), blas_threads()
        parallel.set_num_threads(self.n)  # (also NumPy's BLAS threads)

    def __exit__(self, *exc: Any) -> None:
        parallel.set_num_threads(self.prev)
        if self.prev_blas is not None:
            set_blas_threads(self.prev_blas)
