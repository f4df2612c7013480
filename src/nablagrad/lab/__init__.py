"""The lab: the course's experiments and figures as one-line commands.

Each experiment is a function here returning its data (for notebooks), and a command,
``nablagrad lab <experiment> key=value ...``, that also writes PNG/GIF figures and prints what
they show.  ``nablagrad lab --list`` describes them all.  matplotlib is only imported when
plotting, so importing this package is cheap.

Example:
    >>> from nablagrad import lab
    >>> r = lab.activations(points=101)
    >>> round(r["peak"]["sigmoid"], 2)
    0.25
    >>> paths = lab.plot("activations", r, "figures")   # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import catalog as _catalog  # noqa: F401 - registers the experiments
from .registry import EXPERIMENTS, Experiment, Param, get, make_runner

optimizers = make_runner("optimizers")
towers = make_runner("towers")
activations = make_runner("activations")
schedules = make_runner("schedules")
regularization = make_runner("regularization")
capacity = make_runner("capacity")
lr_batch = make_runner("lr-batch")
knn = make_runner("knn")
ensembles = make_runner("ensembles")
backprop = make_runner("backprop")


def plot(name: str, result: dict[str, Any], out_dir: str | Path) -> list[Path]:
    """Write the figures of experiment ``name`` for ``result`` into ``out_dir``."""
    return get(name).plot(result, out_dir)


def summary(name: str, result: dict[str, Any]) -> str:
    """The text that ``nablagrad lab <name>`` prints for ``result``."""
    return get(name).summary(result)


__all__ = [
    "EXPERIMENTS",
    "Experiment",
    "Param",
    "get",
    "plot",
    "summary",
    *[n.replace("-", "_") for n in EXPERIMENTS],
]
