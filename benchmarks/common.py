"""Timing helpers shared by the benchmark scripts (never used by tests)."""

from __future__ import annotations

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


def report(name: str, ours: float, theirs: float, peer: str = "torch") -> float:
    ratio = ours / theirs
    print(
        f"{name:<44s} nablagrad {ours * 1e3:9.3f} ms   {peer} {theirs * 1e3:9.3f} ms   "
        f"ratio {ratio:5.2f}"
    )
    return ratio
