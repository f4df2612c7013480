"""``nablagrad lab``: run an experiment of the course, write its figures, print what they show."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "lab",
        help="run a course experiment and write its figures (try --list)",
        description="Run an experiment with the real framework, write PNG/GIF figures into "
        "--out and print what they show. Parameters are given as key=value, e.g. "
        "`nablagrad lab optimizers surface=rosenbrock steps=300 gif=true`.",
    )
    p.add_argument("experiment", nargs="?", help="experiment name (see --list)")
    p.add_argument("params", nargs="*", metavar="key=value", help="experiment parameters")
    p.add_argument("--list", action="store_true", help="describe every experiment and exit")
    p.add_argument("--out", default="lab-figures", help="folder for the figures")
    p.add_argument("--no-plot", action="store_true", help="compute and print, write no figures")
    p.set_defaults(func=_handle)


def describe_all() -> str:
    """Every experiment with its description and parameters, as printed by ``--list``."""
    from .registry import EXPERIMENTS

    lines = []
    for exp in EXPERIMENTS.values():
        lines.append(f"{exp.name}")
        lines.append(f"    {exp.description}")
        for prm in exp.params:
            extra = (
                f"; one or more of {','.join(map(str, prm.choices))}"
                if (prm.choices and prm.type is tuple)
                else (f"; one of {', '.join(map(str, prm.choices))}" if prm.choices else "")
            )
            default = ",".join(prm.default) if prm.type is tuple else prm.default
            lines.append(f"      {prm.name}={default}  {prm.help}{extra}")
        lines.append("")
    return "\n".join(lines).rstrip()


def _handle(args: argparse.Namespace) -> int:
    from ..cli import CLIError
    from . import registry

    if args.list:
        print(describe_all())
        return 0
    if not args.experiment:
        raise CLIError(
            "name an experiment (nablagrad lab --list shows them), e.g. `nablagrad lab activations`"
        )
    try:
        exp = registry.get(args.experiment)
        params = exp.parse(args.params)
    except (KeyError, ValueError, TypeError) as e:
        raise CLIError(str(e.args[0] if isinstance(e, KeyError) else e)) from None
    shown = " ".join(
        f"{k}={','.join(map(str, v)) if isinstance(v, tuple) else v}" for k, v in params.items()
    )
    print(f"lab {exp.name}: {shown}")
    start = time.perf_counter()
    try:
        result = exp.run(**params)
    except ValueError as e:  # the experiments' own argument checks (ranges across parameters)
        raise CLIError(str(e)) from None
    ran = time.perf_counter() - start
    print(exp.summary(result))
    if not args.no_plot:
        paths = exp.plot(result, Path(args.out))
        for path in paths:
            print(f"wrote {path}")
    print(f"done in {time.perf_counter() - start:.1f} s (computation {ran:.1f} s)")
    return 0
