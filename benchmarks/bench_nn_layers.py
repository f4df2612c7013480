"""Layers added for torch code to run unchanged (pooling options, group/instance/RMS norm,
adaptive max pooling, losses): forward + backward, nablagrad vs PyTorch eager (CPU).

Run: ``PYTHONPATH=src python benchmarks/bench_nn_layers.py [--repeats 9] [--threads 1]``.
Both libraries take turns in every round (one process), so machine load hits them alike; each
line prints the median time per call and the ratio nablagrad / torch (lower is better).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

import nablagrad as ng


def _median_pair(ours: Callable[[], object], theirs: Callable[[], object], repeats: int) -> tuple:
    for fn in (ours, theirs):
        fn()
    times: tuple[list, list] = ([], [])
    for _ in range(repeats):
        for i, fn in enumerate((ours, theirs)):
            t0 = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - t0)
    return statistics.median(times[0]), statistics.median(times[1])


def cases() -> list:
    x = np.random.default_rng(0).normal(size=(32, 64, 28, 28)).astype(np.float32)
    v = np.random.default_rng(1).normal(size=(256, 512)).astype(np.float32)
    y = np.random.default_rng(2).integers(0, 512, size=256)
    return [
        ("max_pool2d(3, 2) (32,64,28,28)", x, lambda F, a: F.max_pool2d(a, 3, 2)),
        ("max_pool2d(3, 2, ceil_mode)", x, lambda F, a: F.max_pool2d(a, 3, 2, ceil_mode=True)),
        ("max_pool2d(3, 2, return_indices)", x,
         lambda F, a: F.max_pool2d(a, 3, 2, return_indices=True)[0]),
        ("avg_pool2d(3, 2, 1, count_include_pad=False)", x,
         lambda F, a: F.avg_pool2d(a, 3, 2, 1, count_include_pad=False)),
        ("adaptive_max_pool2d(7)", x, lambda F, a: F.adaptive_max_pool2d(a, 7)),
        ("adaptive_max_pool2d(5) (uneven windows)", x, lambda F, a: F.adaptive_max_pool2d(a, 5)),
        ("group_norm(8)", x, lambda F, a: F.group_norm(a, 8)),
        ("instance_norm", x, lambda F, a: F.instance_norm(a)),
        ("rms_norm (256,512)", v, lambda F, a: F.rms_norm(a, [512])),
        ("multi_margin_loss (256,512)", v,
         lambda F, a: F.multi_margin_loss(a, (ng if F is ng.nn.functional else torch).tensor(y))),
        ("logsigmoid (256,512)", v, lambda F, a: F.logsigmoid(a)),
    ]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"forward + backward, median of {args.repeats}; torch threads {args.threads}")
    for name, arr, call in cases():
        a = ng.tensor(arr, requires_grad=True)
        b = torch.tensor(arr, requires_grad=True)

        def ours(call=call, a=a) -> None:
            call(ng.nn.functional, a).sum().backward()

        def theirs(call=call, b=b) -> None:
            call(torch.nn.functional, b).sum().backward()

        t_ours, t_theirs = _median_pair(ours, theirs, args.repeats)
        print(
            f"{name:<46s} nablagrad {t_ours * 1e3:8.2f} ms  torch {t_theirs * 1e3:8.2f} ms  "
            f"ratio {t_ours / t_theirs:5.2f}"
        )


if __name__ == "__main__":
    main()
