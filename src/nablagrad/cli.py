"""The ``nablagrad`` command.

Each feature registers its subcommands from its own package (``COMMAND_MODULES``): a module
with ``register(subparsers)`` that adds parsers and sets ``func`` to a handler taking the parsed
arguments and returning an exit code.  Errors reach the user as one line and a non-zero exit
(``--traceback`` shows the full trace).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Sequence

COMMAND_MODULES: list[str] = [
    "nablagrad.train.cli",
    "nablagrad.neighbors.cli",
    "nablagrad.tuning.cli",
    "nablagrad.text.cli",
    "nablagrad.lab.cli",
    "nablagrad.alias",
    "nablagrad.onnx.cli",
]


class CLIError(Exception):
    """An error meant for the user: printed as one line, exit status 2."""


def check_output_path(path: str | None, option: str) -> None:
    """Refuse an output path whose folder does not exist before any work is done."""
    import os

    if not path:
        return
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise CLIError(f"{option} {path}: folder {folder} does not exist; create it first")
    if os.path.isdir(path):
        raise CLIError(f"{option} {path} is a folder; give a file name")


def _demo(args: argparse.Namespace) -> int:
    """Fit y = 3x - 2 + noise with a hand-written linear model and plain gradient descent."""
    import nablagrad as torch

    torch.manual_seed(args.seed)
    x = torch.randn(256, 1)
    y = 3 * x - 2 + 0.1 * torch.randn(256, 1)
    w = torch.zeros(1, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    print("fitting y = 3x - 2 with autograd and gradient descent")
    start = time.perf_counter()
    for step in range(args.steps + 1):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= args.lr * w.grad
            b -= args.lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        if step % max(args.steps // 10, 1) == 0:
            print(f"step {step:4d}  loss {loss.item():.5f}")
    elapsed = time.perf_counter() - start
    print(f"w = {w.item():.3f}, b = {b.item():.3f} (true 3, -2) in {elapsed:.2f} s")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nablagrad", description="nablagrad: deep learning from the math up"
    )
    parser.add_argument("--traceback", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="fit a line with autograd and watch the loss fall")
    demo.add_argument("--steps", type=int, default=100)
    demo.add_argument("--lr", type=float, default=0.1)
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=_demo)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # e.g. to relaunch under mpiexec
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("nablagrad: interrupted", file=sys.stderr)
        return 130
    except CLIError as e:
        if args.traceback:
            raise
        print(f"nablagrad {args.command}: error: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - the CLI turns every failure into one clear line
        if args.traceback:
            raise
        print(f"nablagrad {args.command}: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
