"""Optimizers and learning-rate schedules with torch.optim's names, arguments and update rules.

``OPTIMIZERS`` maps each optimizer's name to its class (the convergence tests iterate over it).

Example:
    >>> import nablagrad as torch
    >>> w = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = torch.optim.Adam([w], lr=0.1)
    >>> opt.zero_grad(); (w ** 2).sum().backward(); _ = opt.step()
    >>> w
    tensor([0.9000, 1.9000], requires_grad=True)
"""

from __future__ import annotations

from . import lr_scheduler
from .adam import Adam, Adamax, AdamW, NAdam, RAdam
from .adaptive import Adadelta, Adagrad, RMSprop
from .lbfgs import LBFGS
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
    "lr_scheduler",
    "OPTIMIZERS",
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
