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
    fns: dict[str, Callable[[], object]], repeats: int, warmup: int = 2
) -> dict[str, float]:
    """Median seconds per call of each function; the functions take turns every round, so a
    machine slowing down mid-run slows them alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def report(name: str, ours: float, theirs: float, peer: str = "torch") -> float:
    ratio = ours / theirs
    print(
        f"{name:<44s} nablagrad {ours * 1e3:9.3f} ms   {peer} {theirs * 1e3:9.3f} ms   "
        f"ratio {ratio:5.2f}"
    )
    return ratio
