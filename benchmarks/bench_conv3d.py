"""3-D convolution and pooling, forward + backward: nablagrad vs PyTorch eager (CPU).

Run: ``PYTHONPATH=src python benchmarks/bench_conv3d.py [--repeats 10] [--threads 1]``
(``--threads``: BLAS threads for NumPy, through threadpoolctl, and intra-op threads for torch).
Both libraries run the same work in this one process, taking turns in every round (so machine
load hits them alike); prints the median time per call and the ratio nablagrad / torch (lower
is better).
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from common import interleaved_medians

import nablagrad as ng


def step(lib, layer, x):
    def run():
        x.grad = None
        layer.zero_grad()
        layer(x).sum().backward()

    return run


B = (8, 16, 16, 16, 16)
CASES = [
    ("Conv3d 4->16 k3 p1, 16^3, batch 8", lambda L: L.nn.Conv3d(4, 16, 3, padding=1),
     (8, 4, 16, 16, 16)),
    ("Conv3d 16->32 k3 s2, 16^3, batch 8", lambda L: L.nn.Conv3d(16, 32, 3, stride=2), B),
    ("Conv3d 16->16 k3 groups 4, 12^3, batch 8", lambda L: L.nn.Conv3d(16, 16, 3, groups=4),
     (8, 16, 12, 12, 12)),
    ("ConvTranspose3d 16->8 k2 s2, 8^3, batch 8", lambda L: L.nn.ConvTranspose3d(16, 8, 2, 2),
     (8, 16, 8, 8, 8)),
    ("MaxPool3d k2, 16x16^3, batch 8", lambda L: L.nn.MaxPool3d(2), B),
    ("AvgPool3d k3 s2 p1, 16x16^3, batch 8", lambda L: L.nn.AvgPool3d(3, 2, 1), B),
    ("AdaptiveAvgPool3d 1, 16x16^3, batch 8", lambda L: L.nn.AdaptiveAvgPool3d(1), B),
]  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ng.set_num_threads(args.threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)  # NumPy's BLAS gets the same threads as torch
    print(f"threads={args.threads} repeats={args.repeats}")
    for name, make, shape in CASES:
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        torch.manual_seed(0)
        tl = make(torch)
        nl = make(ng)
        nl.load_state_dict({k: v.numpy() for k, v in tl.state_dict().items()})
        xt = torch.tensor(x, requires_grad=True)
        xn = ng.tensor(x, requires_grad=True)
        t = interleaved_medians(
            {"ng": step(ng, nl, xn), "torch": step(torch, tl, xt)}, args.repeats
        )
        print(
            f"{name:44s} nablagrad {t['ng'] * 1e3:8.2f} ms  torch {t['torch'] * 1e3:8.2f} ms  "
            f"ratio {t['ng'] / t['torch']:5.2f}"
        )


if __name__ == "__main__":
    main()
