"""``nablagrad knn``: tune k and p of a k-NN classifier on the embedded digits.

Holds out a stratified test set, runs a grid search over k = 1..k_max and the p values with
K-fold cross-validation on the rest (progress bar), prints the results table, the best
(k, p) and its test accuracy, and writes the plot of validation accuracy vs k for each p.
"""

from __future__ import annotations

import argparse
import math
import time

from ..cli import CLIError, check_output_path


def _parse_ps(text: str) -> list[float]:
    ps = []
    for part in text.split(","):
        part = part.strip().lower()
        try:
            p = math.inf if part in ("inf", "infinity") else float(part)
        except ValueError:
            raise CLIError(
                f"--p: cannot read {part!r}: give numbers >= 1 or inf, e.g. 1,2,3,inf"
            ) from None
        if not p >= 1:
            raise CLIError(
                f"--p: p={part} < 1 is not a metric (the triangle inequality fails): use p >= 1"
            )
        ps.append(p if math.isinf(p) or p != int(p) else int(p))
    return ps


def _knn(args: argparse.Namespace) -> int:
    from ..datasets import load_digits
    from ..tuning import GridSearch, plot_validation_curve, train_val_split
    from .estimators import KNeighborsClassifier

    if args.k_max < 1:
        raise CLIError(f"--k-max must be >= 1, got {args.k_max}")
    if args.folds < 2:
        raise CLIError(f"--folds must be >= 2, got {args.folds}")
    if not 0 < args.test_size < 1:
        raise CLIError(f"--test-size must be a fraction in (0, 1), got {args.test_size}")
    check_output_path(args.csv, "--csv")
    check_output_path(args.plot, "--plot")
    ps = _parse_ps(args.p)
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_val_split(
        X, y, val_size=args.test_size, seed=args.seed, stratify=y
    )
    fold_train = len(X_train) - -(-len(X_train) // args.folds)
    if args.k_max > fold_train:
        raise CLIError(
            f"--k-max {args.k_max} exceeds the {fold_train} training samples of a "
            f"cross-validation fold: use --k-max <= {fold_train}"
        )
    grid = {"n_neighbors": list(range(1, args.k_max + 1)), "p": ps}
    print(
        f"k-NN on digits: {len(X_train)} train / {len(X_test)} test, k = 1..{args.k_max}, "
        f"p in {{{', '.join('inf' if math.isinf(p) else str(p) for p in ps)}}}, "
        f"{args.folds}-fold cross-validation, weights={args.weights}"
    )
    start = time.perf_counter()
    search = GridSearch(
        KNeighborsClassifier(weights=args.weights), grid, cv=args.folds, progress=True
    ).fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    table = search.results_
    print(table.to_string(max_rows=args.rows))
    best = search.best_params_
    test_acc = search.score(X_test, y_test)
    p_best = "inf" if math.isinf(best["p"]) else best["p"]
    print(
        f"best: k={best['n_neighbors']}, p={p_best}  cross-validation accuracy "
        f"{search.best_score_:.4f}  test accuracy {test_acc:.4f}  ({elapsed:.1f} s)"
    )
    if args.csv:
        table.to_csv(args.csv)
        print(f"wrote {args.csv}")
    if args.plot:
        plot_validation_curve(
            table,
            "n_neighbors",
            "p",
            args.plot,
            title=f"k-NN on digits: {args.folds}-fold CV accuracy vs k",
        )
        print(f"wrote {args.plot}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser(
        "knn", help="tune k and p of k-nearest neighbours on the digits (grid search + CV)"
    )
    cmd.add_argument("--k-max", type=int, default=15, help="largest k tried (from 1)")
    cmd.add_argument("--p", default="1,2,3,inf", help="comma-separated L_p exponents (>= 1)")
    cmd.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    cmd.add_argument("--weights", choices=["uniform", "distance"], default="uniform")
    cmd.add_argument("--test-size", type=float, default=0.2, help="held-out test fraction")
    cmd.add_argument("--seed", type=int, default=0, help="seed of the train/test split")
    cmd.add_argument("--rows", type=int, default=None, help="print only the top N rows")
    cmd.add_argument("--plot", default="knn_digits.png", help="plot path ('' to skip)")
    cmd.add_argument("--csv", default="", help="also write the table as CSV here")
    cmd.set_defaults(func=_knn)
