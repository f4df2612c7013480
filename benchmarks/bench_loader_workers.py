"""Cost of worker processes in a D2L-style loop: every epoch builds
``DataLoader(TensorDataset(X, y), batch_size=256, shuffle=True, num_workers=N)`` over
Fashion-MNIST-sized arrays (60,000 x 1 x 28 x 28 float32) and reads every batch, for N = 0 and
N = 4, in nablagrad and in PyTorch (same process, interleaved rounds, medians).

Prints seconds per epoch for each and the ratios workers/no-workers (both frameworks pay the
same process start-up and transfer costs) and nablagrad/PyTorch.

    PYTHONPATH=src python benchmarks/bench_loader_workers.py [--epochs 3] [--workers 4]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import nablagrad as ng
from nablagrad.utils.data import DataLoader, TensorDataset


def epochs(make_loader, n_epochs: int) -> float:
    start = time.perf_counter()
    for _ in range(n_epochs):
        for X, _y in make_loader():
            X.sum()  # touch the batch
    return (time.perf_counter() - start) / n_epochs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=60000)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    X = rng.random((args.samples, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, args.samples)
    ng_ds = TensorDataset(ng.tensor(X), ng.tensor(y))
    t_ds = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    cases = {
        f"nablagrad nw={nw}": (lambda nw=nw: DataLoader(ng_ds, 256, shuffle=True, num_workers=nw))
        for nw in (0, args.workers)
    }
    cases.update(
        {
            f"torch     nw={nw}": (
                lambda nw=nw: torch.utils.data.DataLoader(t_ds, 256, shuffle=True, num_workers=nw)
            )
            for nw in (0, args.workers)
        }
    )
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.rounds):
        for name, make in cases.items():
            times[name].append(epochs(make, args.epochs))
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in med.items():
        print(f"{k}: {v:.3f} s/epoch")
    w = args.workers
    print(f"nablagrad nw={w}/nw=0: {med[f'nablagrad nw={w}'] / med['nablagrad nw=0']:.2f}")
    print(f"torch     nw={w}/nw=0: {med[f'torch     nw={w}'] / med['torch     nw=0']:.2f}")
    print(f"nablagrad/torch at nw={w}: {med[f'nablagrad nw={w}'] / med[f'torch     nw={w}']:.2f}")


if __name__ == "__main__":
    main()
