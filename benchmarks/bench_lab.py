"""Lab benchmarks: wall time of every experiment with default parameters, and nablagrad/PyTorch
time ratios for the lab's two inner loops (lower is better).

    PYTHONPATH=src python benchmarks/bench_lab.py            # all experiments + ratios
    PYTHONPATH=src python benchmarks/bench_lab.py --ratios   # only the ratios

Ratios: (1) the optimizer race -- 9 optimizers x 150 steps on the bowl, the same code driving
``nablagrad.optim`` and ``torch.optim``; (2) the batched-MLP training loop of the capacity
experiment (24 stacked 1-64-1 tanh models, Adam), the same formulas in both frameworks.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np
import torch

import nablagrad as ng
from nablagrad import lab
from nablagrad.lab.experiments import optimizers as opt_mod


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def race(module) -> None:
    f, start, *_ = opt_mod.SURFACES["bowl"]
    lib = ng if module is ng.optim else torch
    for name in opt_mod._LR["bowl"]:
        p = lib.tensor(start, dtype=lib.float64, requires_grad=True)
        opt = opt_mod.make_optimizer(name, [p], opt_mod._LR["bowl"][name], module=module)
        for _ in range(150):
            opt.zero_grad()
            f(p[0], p[1]).backward()
            opt.step()


def batched_mlp(lib, steps: int = 300) -> None:
    rng = np.random.default_rng(0)
    m, n, h = 24, 20, 64
    x = lib.tensor(rng.uniform(-1, 1, (m, n, 1)).astype(np.float32))
    y = lib.tensor(rng.normal(size=(m, n, 1)).astype(np.float32))
    w1, b1 = (
        rng.uniform(-1, 1, (m, 1, h)).astype(np.float32),
        rng.uniform(-1, 1, (m, 1, h)).astype(np.float32),
    )
    w2, b2 = (rng.uniform(-0.1, 0.1, (m, h, 1)).astype(np.float32), np.zeros((m, 1, 1), np.float32))
    params = [lib.tensor(a, requires_grad=True) for a in (w1, b1, w2, b2)]
    opt = lib.optim.Adam(params, lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        w1t, b1t, w2t, b2t = params
        loss = ((lib.tanh(x @ w1t + b1t) @ w2t + b2t - y) ** 2).mean((1, 2)).sum()
        loss.backward()
        opt.step()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ratios", action="store_true", help="only the nablagrad/PyTorch ratios")
    args = ap.parse_args()
    torch.set_num_threads(1)  # the machine has 2 cores; 1 thread avoids spin-wait contention
    print("nablagrad / PyTorch time ratios (lower is better)")
    a, b = _best(lambda: race(ng.optim)), _best(lambda: race(torch.optim))
    print(f"  optimizer race, 9 x 150 steps:  {a:.3f} s vs {b:.3f} s  ratio {a / b:.2f}")
    a, b = _best(lambda: batched_mlp(ng)), _best(lambda: batched_mlp(torch))
    print(f"  batched MLP Adam, 300 steps:    {a:.3f} s vs {b:.3f} s  ratio {a / b:.2f}")
    if args.ratios:
        return
    print("experiment wall times, default parameters (compute + figures)")
    with tempfile.TemporaryDirectory() as out:
        for name, exp in lab.EXPERIMENTS.items():
            t = time.perf_counter()
            result = exp.run()
            ran = time.perf_counter() - t
            exp.plot(result, out)
            total = time.perf_counter() - t
            print(f"  {name:<15} compute {ran:5.1f} s   total {total:5.1f} s")
        t = time.perf_counter()
        exp = lab.get("optimizers")
        exp.plot(exp.run(gif=True), out)
        print(f"  {'optimizers+gif':<15} total {time.perf_counter() - t:5.1f} s")


if __name__ == "__main__":
    main()
