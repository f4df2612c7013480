"""One epoch of an MLP (784-256-128-10, batch 128, 60,000 MNIST-shaped samples, SGD with
momentum) end to end through DataLoader and fit, against the same PyTorch loop.

Prints seconds per epoch for both, the ratio nablagrad/PyTorch (lower is better; target
<= 1.0) and the share of the epoch spent in the data loader (target < 5%).

    PYTHONPATH=src python benchmarks/bench_epoch.py [--samples 60000] [--repeat 2] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

if __name__ == "__main__" and "--threads" in sys.argv:  # BLAS reads these at import time
    _n = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _n

import numpy as np
import torch

import nablagrad as ng
from nablagrad import nn
from nablagrad.train import fit
from nablagrad.utils.data import DataLoader, TensorDataset


def nablagrad_epoch(X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    ng.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))  # fmt: skip
    opt = ng.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loader = DataLoader(TensorDataset(X, y), batch_size=128, shuffle=True,
                        generator=ng.Generator().manual_seed(0))  # fmt: skip
    start = time.perf_counter()
    for _ in loader:
        pass
    load_only = time.perf_counter() - start
    start = time.perf_counter()
    fit(model, loader, None, nn.CrossEntropyLoss(), opt, epochs=1, progress=False)
    return time.perf_counter() - start, load_only


def torch_epoch(X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))  # fmt: skip
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    ds = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(ds, batch_size=128, shuffle=True)
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in loader:
        pass
    load_only = time.perf_counter() - start
    start = time.perf_counter()
    model.train()
    for xb, yb in loader:
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        loss.item()
    return time.perf_counter() - start, load_only


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs")
    parser.add_argument("--threads", type=int, default=0, help="BLAS/torch threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    X = rng.random((args.samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, args.samples)
    ng_t = min((nablagrad_epoch(X, y) for _ in range(args.repeat)), key=lambda t: t[0])
    th_t = min((torch_epoch(X, y) for _ in range(args.repeat)), key=lambda t: t[0])
    print(f"threads: torch {torch.get_num_threads()}")
    print(f"epoch    nablagrad {ng_t[0]:.3f} s  pytorch {th_t[0]:.3f} s  "
          f"ratio {ng_t[0] / th_t[0]:.2f}")  # fmt: skip
    print(f"loader   nablagrad {ng_t[1]:.3f} s  pytorch {th_t[1]:.3f} s  "
          f"ratio {ng_t[1] / th_t[1]:.3f}")  # fmt: skip
    print(f"loader share of the nablagrad epoch: {100 * ng_t[1] / ng_t[0]:.1f}%")


if __name__ == "__main__":
    main()
