"""Training: ``fit`` and ``History``, callbacks, metrics, plots and the ``nablagrad train`` /
``evaluate`` / ``predict`` commands.

Example:
    >>> from nablagrad.train import EarlyStopping, fit, metrics
    >>> metrics.accuracy([1, 0, 1], [1, 1, 1])
    0.6666666666666666
"""

from . import metrics, plots
from .callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LRSchedulerStep,
    ModelCheckpoint,
    ProgressBar,
    TensorBoard,
    WeightPenalty,
)
from .loop import History, Trainer, evaluate, fit

__all__ = [
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "LRSchedulerStep",
    "ModelCheckpoint",
    "ProgressBar",
    "TensorBoard",
    "Trainer",
    "WeightPenalty",
    "evaluate",
    "fit",
    "metrics",
    "plots",
]
