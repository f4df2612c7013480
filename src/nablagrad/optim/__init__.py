"""Optimizers and learning-rate schedules with torch.optim's names, arguments and update rules.

``OPTIMIZERS`` maps each optimizer's name to its class: the one registry every by-name lookup
in the package goes through (``create(name, params, **kwargs)``; the training CLI, the tuner,
the lab and the convergence tests).

Example:
    >>> import nablagrad as torch
    >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = torch.optim.Adam([w], lr=0.1)
    >>> opt.zero_grad(); (w ** 2).sum().backward(); _ = opt.step()
    >>> w
    tensor([0.9000, 1.9000], requires_grad=True)
"""

from __future__ import annotations

from typing import Any

from . import lr_scheduler, swa_utils
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .extra import ASGD, Adafactor, Rprop, SparseAdam
from .lbfgs import LBFGS
from .muon import Muon
from .optimizer import Optimizer
from .sgd import SGD, LineSearchSGD

__all__ = [
    "Optimizer",
    "SGD",
    "LineSearchSGD",
    "Adagrad",
    "RMSprop",
    "Adadelta",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "RAdam",
    "LBFGS",
    "Rprop",
    "ASGD",
    "Adafactor",
    "SparseAdam",
    "Muon",
    "swa_utils",
    "lr_scheduler",
    "OPTIMIZERS",
    "create",
    "names",
]

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "SGD": SGD,
    "Adagrad": Adagrad,
    "RMSprop": RMSprop,
    "Adadelta": Adadelta,
    "Adam": Adam,
    "AdamW": AdamW,
    "Adamax": Adamax,
    "NAdam": NAdam,
    "RAdam": RAdam,
    "LBFGS": LBFGS,
    "LineSearchSGD": LineSearchSGD,
}

# Optimizers whose step needs a closure that re-evaluates the loss (not usable in a plain loop).
NEEDS_CLOSURE = frozenset({"LBFGS", "LineSearchSGD"})


def _lookup(name: str) -> str:
    by_lower = {k.lower(): k for k in OPTIMIZERS}
    key = by_lower.get(str(name).lower())
    if key is None:
        raise ValueError(
            f"unknown optimizer {name!r}: choose from {', '.join(OPTIMIZERS)} (case does not "
            "matter)"
        )
    return key


def names(*, closure: bool = True, lower: bool = False) -> list[str]:
    """The registry's names (without the closure-driven ones when ``closure=False``)."""
    out = [n for n in OPTIMIZERS if closure or n not in NEEDS_CLOSURE]
    return [n.lower() for n in out] if lower else out


def create(name: str, params: Any, **kwargs: Any) -> Optimizer:
    """The optimizer called ``name`` in ``OPTIMIZERS`` (any case), built on ``params``.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.zeros(2, requires_grad=True)
        >>> type(torch.optim.create("adamw", [w], lr=0.1)).__name__
        'AdamW'
    """
    return OPTIMIZERS[_lookup(name)](params, **kwargs)
