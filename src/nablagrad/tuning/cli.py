"""``nablagrad tune``: random search over MLP training configurations on the digits.

Samples learning rate, batch size, weight decay, optimizer and dropout, trains a small MLP per
trial (successive halving over epochs by default), prints the results table sorted by
validation accuracy and the best configuration, and can write the table as CSV.
"""

from __future__ import annotations

import argparse
import time

from ..cli import CLIError, check_output_path


def _tune(args: argparse.Namespace) -> int:
    from .mlp import DEFAULT_SPACE, DigitsMLP
    from .tune import tune

    if args.trials < 1:
        raise CLIError(f"--trials must be >= 1, got {args.trials}")
    if not 1 <= args.min_epochs <= args.max_epochs:
        raise CLIError(
            f"need 1 <= --min-epochs <= --max-epochs, got {args.min_epochs}, {args.max_epochs}"
        )
    if args.eta < 2:
        raise CLIError(f"--eta must be >= 2, got {args.eta}")
    if args.hidden < 1:
        raise CLIError(f"--hidden must be >= 1, got {args.hidden}")
    check_output_path(args.csv, "--csv")
    task = DigitsMLP(hidden=args.hidden)
    print(
        f"random search over MLP(64-{args.hidden}-10) training on digits: {args.trials} "
        f"trials, {'successive halving, ' if args.halving else ''}up to {args.max_epochs} "
        f"epochs, {len(task.X_tr)} train / {len(task.X_val)} validation, seed {args.seed}"
    )
    start = time.perf_counter()
    result = tune(
        task,
        DEFAULT_SPACE,
        args.trials,
        seed=args.seed,
        halving=args.halving,
        min_budget=args.min_epochs,
        max_budget=args.max_epochs,
        eta=args.eta,
        progress=True,
    )
    print(result.table)
    cfg = ", ".join(
        f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
        for k, v in result.best_config.items()
    )
    print(
        f"best: {cfg}  validation accuracy {result.best_score:.4f} "
        f"({time.perf_counter() - start:.1f} s)"
    )
    if args.csv:
        result.to_csv(args.csv)
        print(f"wrote {args.csv}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser(
        "tune", help="random search over MLP training configurations on the digits"
    )
    cmd.add_argument("--trials", type=int, default=16)
    cmd.add_argument("--seed", type=int, default=0)
    cmd.add_argument("--max-epochs", type=int, default=27)
    cmd.add_argument("--min-epochs", type=int, default=1)
    cmd.add_argument("--eta", type=int, default=3, help="halving keeps 1/eta per rung")
    cmd.add_argument("--hidden", type=int, default=64, help="hidden layer width")
    cmd.add_argument(
        "--no-halving",
        dest="halving",
        action="store_false",
        help="train every trial for --max-epochs (no early stopping)",
    )
    cmd.add_argument("--csv", default="", help="also write the table as CSV here")
    cmd.set_defaults(func=_tune)
