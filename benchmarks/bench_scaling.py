"""Where nablagrad stands at every size: epoch time of an MLP and of LeNet-5 against PyTorch as
the batch size (16..1024) and the width (x1..x8) grow.

An "epoch" is one pass of SGD with momentum (forward, cross-entropy, backward, step) over
``--samples`` synthetic MNIST-shaped samples (28x28 images, 10 classes).  Both libraries start
from the same weights and see the same batches; for every configuration they take turns
``--repeats`` times in this one process (machine load hits both alike) and the median epoch
time of each is printed with the ratio nablagrad / PyTorch (lower is better).

Models: MLP 784-(256w)-(128w)-10 with ReLU; LeNet-5 (D2L's layout: sigmoid, average pooling)
with (6w, 16w) channels and (120w, 84w) hidden units.  Batch sizes vary at width x1, widths at
batch 128.

    PYTHONPATH=src python benchmarks/bench_scaling.py [--samples 4096] [--threads 1]
        [--repeats 3] [--markdown] [--clock cpu]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

import nablagrad as ng

BATCHES = (16, 64, 256, 1024)
CLOCK = time.perf_counter
WIDTHS = (1, 2, 4, 8)


def mlp(lib, w: int):
    nn = lib.nn
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 256 * w),
        nn.ReLU(),
        nn.Linear(256 * w, 128 * w),
        nn.ReLU(),
        nn.Linear(128 * w, 10),
    )


def lenet(lib, w: int):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 6 * w, 5, padding=2),
        nn.Sigmoid(),
        nn.AvgPool2d(2, 2),
        nn.Conv2d(6 * w, 16 * w, 5),
        nn.Sigmoid(),
        nn.AvgPool2d(2, 2),
        nn.Flatten(),
        nn.Linear(16 * w * 25, 120 * w),
        nn.Sigmoid(),
        nn.Linear(120 * w, 84 * w),
        nn.Sigmoid(),
        nn.Linear(84 * w, 10),
    )


def epoch_fn(lib, model, X, y, batch: int):
    """A function that runs one epoch of SGD (momentum 0.9) over (X, y) in ``lib``."""
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()
    make = torch.from_numpy if lib is torch else ng.tensor
    batches = [(make(X[i : i + batch]), make(y[i : i + batch])) for i in range(0, len(X), batch)]

    def run() -> None:
        for xb, yb in batches:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()

    return run


def measure(kind: str, w: int, batch: int, X, y, repeats: int) -> tuple[float, float]:
    build = mlp if kind == "MLP" else lenet
    torch.manual_seed(0)
    tm = build(torch, w)
    nm = build(ng, w)
    nm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    fns = {"ng": epoch_fn(ng, nm, X, y, batch), "torch": epoch_fn(torch, tm, X, y, batch)}
    times: dict[str, list[float]] = {k: [] for k in fns}
    for fn in fns.values():  # warm-up (first calls, caches)
        fn()
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = CLOCK()
            fn()
            times[name].append(CLOCK() - t0)
    return statistics.median(times["ng"]), statistics.median(times["torch"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--models", default="MLP,LeNet-5")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table")
    ap.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="cpu: the calling thread's CPU time (robust to other processes on a shared "
        "machine; --threads 1 only)",
    )
    args = ap.parse_args()
    if args.clock == "cpu" and args.threads != 1:
        ap.error("--clock cpu counts only the calling thread: use it with --threads 1")
    global CLOCK
    CLOCK = time.thread_time if args.clock == "cpu" else time.perf_counter
    torch.set_num_threads(args.threads)
    ng.set_num_threads(args.threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.samples, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, args.samples)
    print(
        f"epoch = {args.samples} samples, SGD momentum; {args.threads} thread(s); "
        f"median of {args.repeats}; torch {torch.__version__}"
    )
    if args.markdown:
        print("| model | batch | width | nablagrad (s) | PyTorch (s) | ratio |")
        print("|---|---|---|---|---|---|")
    for kind in args.models.split(","):
        configs = [(b, 1) for b in BATCHES] + [(128, w) for w in WIDTHS]
        for batch, w in configs:
            t_ng, t_t = measure(kind, w, batch, X, y, args.repeats)
            if args.markdown:
                print(f"| {kind} | {batch} | x{w} | {t_ng:.3f} | {t_t:.3f} | {t_ng / t_t:.2f} |")
            else:
                print(
                    f"{kind:8s} batch {batch:5d} width x{w}:  nablagrad {t_ng:7.3f} s  "
                    f"torch {t_t:7.3f} s  ratio {t_ng / t_t:5.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
