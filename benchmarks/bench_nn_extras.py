"""Attention, Transformer and resampling layers: nablagrad vs PyTorch eager (CPU), forward +
backward, in one process with the libraries taking turns every round.

Run: ``PYTHONPATH=src python benchmarks/bench_nn_extras.py [--repeats 10] [--threads 1]``.
Prints the median time per step of each library and the ratio nablagrad / torch (lower is better).
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable

import numpy as np
import torch
from common import interleaved_medians

import nablagrad as ng

warnings.simplefilter("ignore")


def step(lib: object, make: Callable, x: np.ndarray) -> Callable[[], None]:
    """A closure running forward + backward of ``make(lib)`` on ``x`` (eval: dropout off)."""
    model, fn = make(lib)
    model.eval()
    xt = lib.tensor(x, requires_grad=True)

    def run() -> None:
        fn(model, xt).sum().backward()

    return run


def copy_weights(ours: object, theirs: object) -> None:
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


CASES = {
    "MultiheadAttention E=64 h=4 (32 x 64 tokens)": (
        lambda L: (L.nn.MultiheadAttention(64, 4, batch_first=True), lambda m, x: m(x, x, x)[0]),
        (32, 64, 64),
    ),
    "TransformerEncoderLayer d=64 ff=128 (32 x 64)": (
        lambda L: (
            L.nn.TransformerEncoderLayer(64, 4, 128, batch_first=True),
            lambda m, x: m(x),
        ),
        (32, 64, 64),
    ),
    "interpolate bilinear x2 (8, 16, 32, 32)": (
        lambda L: (
            L.nn.Upsample(scale_factor=2, mode="bilinear"),
            lambda m, x: m(x),
        ),
        (8, 16, 32, 32),
    ),
    "unfold 3x3 pad 1 (8, 16, 32, 32)": (
        lambda L: (L.nn.Unfold(3, padding=1), lambda m, x: m(x)),
        (8, 16, 32, 32),
    ),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--threads", type=int, default=0, help="threads for both (0: defaults)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
        ng.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    for name, (make, shape) in CASES.items():
        x = rng.standard_normal(shape).astype(np.float32)
        t_model, _ = make(torch)
        fns = {"torch": step(torch, lambda L, m=t_model, mk=make: (m, mk(L)[1]), x)}
        n_model, n_fn = make(ng)
        if list(n_model.state_dict()):
            copy_weights(n_model, t_model)
        fns["nablagrad"] = step(ng, lambda L, m=n_model, f=n_fn: (m, f), x)
        t = interleaved_medians(fns, args.repeats)
        print(
            f"{name:<48s} nablagrad {t['nablagrad'] * 1e3:8.2f} ms   torch "
            f"{t['torch'] * 1e3:8.2f} ms   ratio {t['nablagrad'] / t['torch']:5.2f}"
        )


if __name__ == "__main__":
    main()
