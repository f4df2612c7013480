"""Activation functions, forward + backward on a conv-sized float32 activation (64x32x28x28,
1.6M elements; softmax and log-softmax over its rows of 28): nablagrad vs PyTorch eager
(CPU).

Run: ``PYTHONPATH=src python benchmarks/bench_activations.py [--repeats 15] [--threads 1]
[--shape 64,32,28,28] [--dtype float32]``.
Both libraries take turns of ``--block`` calls in every round (one process, the first call
of each turn untimed; with several threads each turn after ``--settle`` seconds of sleep, as
in ``bench_conv.py``), so machine load hits them alike; each line prints the median time per
call and the ratio nablagrad / torch (lower is better).  The backward pass starts from a
given gradient (``y.backward(g)``), so no reduction is timed with the activation.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
import torch
from common import interleaved_medians, report
from threadpoolctl import threadpool_limits

import nablagrad as ng


def cases() -> list[tuple[str, Callable]]:
    """(name, call(F, x)) with F the library's ``nn.functional``."""
    return [
        ("relu", lambda F, a: F.relu(a)),
        ("leaky_relu(0.01)", lambda F, a: F.leaky_relu(a, 0.01)),
        ("elu", lambda F, a: F.elu(a)),
        ("selu", lambda F, a: F.selu(a)),
        ("gelu", lambda F, a: F.gelu(a)),
        ("gelu(tanh)", lambda F, a: F.gelu(a, approximate="tanh")),
        ("silu", lambda F, a: F.silu(a)),
        ("sigmoid", lambda F, a: F.sigmoid(a)),
        ("tanh", lambda F, a: F.tanh(a)),
        ("hardtanh", lambda F, a: F.hardtanh(a)),
        ("softplus", lambda F, a: F.softplus(a)),
        ("softmax(dim=-1)", lambda F, a: F.softmax(a, -1)),
        ("log_softmax(dim=-1)", lambda F, a: F.log_softmax(a, -1)),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--block", type=int, default=4, help="calls per library per turn")
    ap.add_argument("--threads", type=int, default=1, help="threads for both libraries")
    ap.add_argument("--shape", default="64,32,28,28")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    ap.add_argument("--only", default="", help="comma-separated case names (default: all)")
    ap.add_argument(
        "--settle",
        type=float,
        default=None,
        help="seconds to sleep before each turn, so the other library's threads stop spinning "
        "(default 0.25 with --threads > 1, else 0; see benchmarks/bench_conv.py)",
    )
    args = ap.parse_args()
    if args.settle is None:
        args.settle = 0.25 if args.threads > 1 else 0.0
    torch.set_num_threads(args.threads)
    ng.set_num_threads(args.threads)
    threadpool_limits(args.threads)
    shape = tuple(int(s) for s in args.shape.split(","))
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape).astype(args.dtype)
    g = rng.normal(size=shape).astype(args.dtype)
    only = set(filter(None, args.only.split(",")))
    print(
        f"forward + backward on {shape} {args.dtype}, median of {args.repeats} turns x "
        f"{args.block - 1} calls; threads {args.threads}"
    )
    ratios = []
    for name, call in cases():
        if only and name not in only:
            continue
        a, ga = ng.tensor(x, requires_grad=True), ng.tensor(g)
        b, gb = torch.tensor(x, requires_grad=True), torch.tensor(g)

        def ours(call=call, a=a, ga=ga) -> None:
            a.grad = None
            call(ng.nn.functional, a).backward(ga)

        def theirs(call=call, b=b, gb=gb) -> None:
            b.grad = None
            call(torch.nn.functional, b).backward(gb)

        t = interleaved_medians(
            {"ours": ours, "theirs": theirs}, args.repeats, block=args.block, settle=args.settle
        )
        ratios.append(report(name, t["ours"], t["theirs"]))
    if ratios:
        print(f"geometric mean ratio {float(np.exp(np.mean(np.log(ratios)))):.2f}")


if __name__ == "__main__":
    main()
