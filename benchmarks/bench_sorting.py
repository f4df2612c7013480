"""Sorting and selection: nablagrad vs PyTorch eager (CPU), in one process, the libraries
taking turns every round.

Run: ``PYTHONPATH=src python benchmarks/bench_sorting.py [--repeats 15] [--threads 1]``.
Prints the median time per call of each library and the ratio nablagrad / torch (lower is
better).  With Numba, ``sort`` (``stable=False``), ``topk``, ``kthvalue`` and ``mode`` replay
torch's CPU algorithms (``ops/_cpu_order.py``) so tied values come in torch's order; the first
call of each kernel and dtype compiles it (cached on disk): the warm-up calls here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import torch
from common import interleaved_medians, report

import nablagrad as ng

CASES: list[tuple[str, tuple, Callable]] = [
    ("sort 1M float32", (1_000_000,), lambda L, a: L.sort(a)),
    ("sort 1000x1000 along dim 1", (1000, 1000), lambda L, a: L.sort(a, 1)),
    ("sort 64x10 along dim 1", (64, 10), lambda L, a: L.sort(a, 1)),
    ("topk k=5 of 128x1000 (top-5 accuracy)", (128, 1000), lambda L, a: L.topk(a, 5, 1)),
    ("topk k=1000 of 1M", (1_000_000,), lambda L, a: L.topk(a, 1000)),
    ("kthvalue k=500 of 1000x1000", (1000, 1000), lambda L, a: L.kthvalue(a, 500, 1)),
    ("mode of 100x1000 (10 levels)", (100, 1000), lambda L, a: L.mode((a * 3).round(), 1)),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ng.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, threads {args.threads}")
    rng = np.random.default_rng(0)
    for name, shape, op in CASES:
        x = rng.standard_normal(shape).astype(np.float32)
        xn, xt = ng.tensor(x), torch.tensor(x)
        fns = {"ng": lambda op=op, a=xn: op(ng, a), "torch": lambda op=op, a=xt: op(torch, a)}
        t = interleaved_medians(fns, args.repeats)
        report(name, t["ng"], t["torch"])


if __name__ == "__main__":
    main()
