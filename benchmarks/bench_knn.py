"""Benchmark: k-NN predict, nablagrad vs scikit-learn (algorithm="brute"), same data, one run.

10,000 training x 2,000 query points of dimension 784 (float32, uniform in [0, 1)), k=5, for
L2 and L1.  Prints seconds per library and the ratio nablagrad / scikit-learn (lower is
better; the target is <= 1.0), plus the agreement of the predictions.

    PYTHONPATH=src python benchmarks/bench_knn.py [--n-train 10000 --n-query 2000 --dim 784]
        [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.neighbors import KNeighborsClassifier as SkKNN

from nablagrad.neighbors import KNeighborsClassifier


def best_of(fn, arg, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn(arg)
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=10_000)
    parser.add_argument("--n-query", type=int, default=2_000)
    parser.add_argument("--dim", type=int, default=784)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--metrics", default="2,1", help="comma-separated p values")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads for both libraries: nablagrad.set_num_threads and, through "
        "threadpoolctl, the BLAS and scikit-learn's OpenMP loops",
    )
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    import nablagrad

    threadpool_limits(args.threads)
    nablagrad.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    X = rng.random((args.n_train, args.dim), dtype=np.float32)
    y = rng.integers(0, 10, args.n_train)
    Q = rng.random((args.n_query, args.dim), dtype=np.float32)
    print(
        f"k-NN predict: {args.n_train} train x {args.n_query} queries x {args.dim} dims, "
        f"k={args.k}, float32, {args.threads} thread(s), "
        f"compiled kernels: {nablagrad.backend.jit_available()}"
    )
    for p in (float(s) for s in args.metrics.split(",")):
        ours = KNeighborsClassifier(args.k, p=p).fit(X, y)
        peer = SkKNN(args.k, p=p, algorithm="brute").fit(X, y)
        ours.predict(Q[:50])  # compile / warm up
        t_ng = t_sk = float("inf")
        for _ in range(args.repeats):  # interleaved: machine load hits both alike
            t, pred_ng = best_of(ours.predict, Q, 1)
            t_ng = min(t_ng, t)
            t, pred_sk = best_of(peer.predict, Q, 1)
            t_sk = min(t_sk, t)
        agree = float((pred_ng == pred_sk).mean())
        print(
            f"L{p:g}: nablagrad {t_ng:.3f} s  scikit-learn {t_sk:.3f} s  "
            f"ratio {t_ng / t_sk:.2f}  (predictions agree on {agree:.1%})"
        )


if __name__ == "__main__":
    main()
