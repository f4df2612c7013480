"""Timing helpers shared by the benchmark scripts (never used by tests)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def best_time(fn: Callable[[], object], repeat: int = 5, number: int = 1, warmup: int = 1) -> float:
    """Best-of-``repeat`` seconds per call of ``fn`` (each sample averages ``number`` calls)."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def interleaved_medians(
    fns: dict[str, Callable[[], object]],
    repeats: int,
    warmup: int = 2,
    *,
    block: int = 1,
    settle: float = 0.0,
    stat: Callable[[list], float] = statistics.median,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Median (or ``stat``) seconds per call of each function; the functions take turns every
    round, so a machine slowing down mid-run slows them alike.

    With ``block`` K > 1 each turn is K consecutive calls of one function and the first of
    them is not timed: with several threads, the worker threads a library leaves spinning
    after its calls (OpenMP's in PyTorch, OpenBLAS's in NumPy) occupy the cores the other
    library's next call needs, which a program using only one of them never sees.  With
    ``settle`` S each turn starts after S seconds of sleep, long enough for those threads to
    stop spinning (PyTorch's spin for ~10 ms)."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            if settle:
                time.sleep(settle)
            if block > 1:
                fn()  # the switch-in call: the other library's threads may still spin
            for _ in range(max(block - 1, 1)):
                t0 = clock()
                fn()
                times[name].append(clock() - t0)
    return {name: stat(ts) for name, ts in times.items()}


def report(name: str, ours: float, theirs: float, peer: str = "torch") -> float:
    ratio = ours / theirs
    print(
        f"{name:<44s} nablagrad {ours * 1e3:9.3f} ms   {peer} {theirs * 1e3:9.3f} ms   "
        f"ratio {ratio:5.2f}"
    )
    return ratio
