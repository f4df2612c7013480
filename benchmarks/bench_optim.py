"""Optimizer step time: nablagrad vs torch.optim on 1M parameters in 10 tensors.

Runs SGD with momentum and Adam on identical parameters and gradients in one process and prints
the time per ``step()`` and the ratio nablagrad / torch (lower is better) against torch with
``foreach=False`` (one kernel per tensor) and ``foreach=True`` (torch's multi-tensor path; on
CPU torch's default is the single-tensor path, i.e. ``foreach=False``).

torch splits each elementwise kernel over its threads; nablagrad makes the ``y = a*x + b*y``
updates one pass each through the BLAS NumPy bundles (``backend.axpby_``) and, when a group's
work is large enough, gives whole parameters to the threads of ``nablagrad.set_num_threads``
(NumPy's loops and the BLAS calls release the GIL).  The table is printed
for each thread count (torch's default, then 1) with torch, nablagrad and NumPy's BLAS pool
(threadpoolctl) set to the same count.

Usage: python benchmarks/bench_optim.py [--steps 50] [--repeats 15] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from threadpoolctl import threadpool_limits

import nablagrad as ng

SHAPES = [(100, 1000)] * 10  # 1M parameters in 10 tensors


def _rounds(steps_fns: list[Callable[[], object]], steps: int, repeats: int) -> list[list[float]]:
    """Seconds per step of each function, measured in interleaved rounds.

    Each round times ``steps`` steps of every function in turn, so that slow phases of a noisy
    machine hit all of them alike; returns one list of per-round times per function.  A pause
    before each block lets the other library's threads stop spinning (OpenMP and OpenBLAS
    workers busy-wait for a while after their last task) so that neither runs against them.
    """
    for step in steps_fns:
        step()  # warm-up: creates the optimizer state
    times: list[list[float]] = [[] for _ in steps_fns]
    for _ in range(repeats):
        for k, step in enumerate(steps_fns):
            time.sleep(0.2)
            t0 = time.perf_counter()
            for _ in range(steps):
                step()
            times[k].append((time.perf_counter() - t0) / steps)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="threads for torch, nablagrad and BLAS (0: default, then 1)",
    )
    args = parser.parse_args()
    for threads in [args.threads] if args.threads else [torch.get_num_threads(), 1]:
        torch.set_num_threads(threads)
        ng.set_num_threads(threads)
        with threadpool_limits(limits=threads):
            run(args.steps, args.repeats)


def run(steps: int, repeats: int) -> None:
    """Time both optimizers in both libraries and print one table."""
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    grads = [rng.normal(size=s).astype(np.float32) * 1e-3 for s in SHAPES]

    ng_params = []
    for w, g in zip(weights, grads):
        p = ng.tensor(w.copy(), requires_grad=True)
        p.grad = ng.tensor(g.copy())
        ng_params.append(p)

    def torch_params() -> list[torch.Tensor]:
        ps = []
        for w, g in zip(weights, grads):
            p = torch.from_numpy(w.copy()).requires_grad_()
            p.grad = torch.from_numpy(g.copy())
            ps.append(p)
        return ps

    n = sum(w.size for w in weights)
    print(
        f"{n:,} float32 parameters in {len(SHAPES)} tensors, torch and BLAS threads "
        f"{torch.get_num_threads()}, {repeats} interleaved rounds x {steps} steps: best time, "
        "ratio of medians"
    )
    print(
        f"{'optimizer':<14}{'nablagrad':>12}{'torch-loop':>12}{'torch-foreach':>15}"
        f"{'ratio/loop':>12}{'ratio/foreach':>15}"
    )
    cases = {
        "SGD-momentum": (
            lambda ps, **kw: ng.optim.SGD(ps, lr=1e-2, momentum=0.9),
            lambda ps, **kw: torch.optim.SGD(ps, lr=1e-2, momentum=0.9, **kw),
        ),
        "Adam": (
            lambda ps, **kw: ng.optim.Adam(ps, lr=1e-3),
            lambda ps, **kw: torch.optim.Adam(ps, lr=1e-3, **kw),
        ),
    }
    for name, (make_ng, make_torch) in cases.items():
        with torch.no_grad():
            t_ng, t_loop, t_each = _rounds(
                [
                    make_ng(ng_params).step,
                    make_torch(torch_params(), foreach=False).step,
                    make_torch(torch_params(), foreach=True).step,
                ],
                steps,
                repeats,
            )
        # ratio of the medians over rounds (robust to a noisy machine); times are the best round
        r_loop = statistics.median(t_ng) / statistics.median(t_loop)
        r_each = statistics.median(t_ng) / statistics.median(t_each)
        print(
            f"{name:<14}{min(t_ng) * 1e3:>10.3f}ms{min(t_loop) * 1e3:>10.3f}ms"
            f"{min(t_each) * 1e3:>13.3f}ms{r_loop:>12.2f}{r_each:>15.2f}"
        )


if __name__ == "__main__":
    main()
