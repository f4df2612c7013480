"""Core overhead: a chain of small elementwise ops and an MLP step, nablagrad vs PyTorch.

Run: ``python benchmarks/bench_core.py``.  Prints nablagrad/PyTorch time ratios (lower is
better; targets: per-op chain <= 1.0, MLP step at batch 128 <= 1.0).
"""

from __future__ import annotations

import numpy as np
import torch
from common import best_time, report

import nablagrad as ng

torch.set_num_threads(2)


def chain(lib, x, n_ops: int = 30):
    y = x
    for _ in range(n_ops // 3):
        y = (y * 0.99 + 0.01).tanh()
    y.sum().backward()
    return y


def bench_chain(size: int = 16) -> float:
    data = np.random.default_rng(0).standard_normal(size).astype(np.float32)
    xn = ng.tensor(data, requires_grad=True)
    xt = torch.tensor(data, requires_grad=True)
    ours = best_time(lambda: chain(ng, xn), repeat=7, number=50)
    theirs = best_time(lambda: chain(torch, xt), repeat=7, number=50)
    return report(f"30-op elementwise chain fwd+bwd (n={size})", ours, theirs)


def mlp_step(lib, params, x, y):
    w1, b1, w2, b2, w3, b3 = params
    h = (x @ w1 + b1).relu()
    h = (h @ w2 + b2).relu()
    logits = h @ w3 + b3
    loss = (logits.logsumexp(1) - logits[lib.arange(len(y)), y]).mean()
    for p in params:
        p.grad = None
    loss.backward()
    return loss


def bench_mlp(batch: int) -> float:
    rng = np.random.default_rng(0)
    sizes = [784, 256, 128, 10]
    arrays = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        arrays += [
            (rng.uniform(-1, 1, (a, b)) / np.sqrt(a)).astype(np.float32),
            np.zeros(b, np.float32),
        ]
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    pn = [ng.tensor(a, requires_grad=True) for a in arrays]
    pt = [torch.tensor(a, requires_grad=True) for a in arrays]
    xn, yn = ng.tensor(x), ng.tensor(y)
    xt, yt = torch.tensor(x), torch.tensor(y)
    ours = best_time(lambda: mlp_step(ng, pn, xn, yn), repeat=7, number=20)
    theirs = best_time(lambda: mlp_step(torch, pt, xt, yt), repeat=7, number=20)
    return report(f"MLP 784-256-128-10 fwd+bwd, batch {batch}", ours, theirs)


if __name__ == "__main__":
    bench_chain(16)
    bench_chain(1024)
    bench_mlp(128)
    bench_mlp(32)
