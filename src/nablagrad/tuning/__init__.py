"""Hyperparameter tuning: held-out splits, cross-validation, grid / random search and
``tune`` for training configurations (with successive halving), results tables and plots.

Example:
    >>> import numpy as np
    >>> from nablagrad.neighbors import KNeighborsClassifier
    >>> from nablagrad.tuning import GridSearch
    >>> X = np.r_[np.zeros((6, 1)), np.ones((6, 1))]; y = np.r_[np.zeros(6), np.ones(6)]
    >>> GridSearch(KNeighborsClassifier(), {"n_neighbors": [1, 3]}, cv=3).fit(X, y).best_score_
    1.0
"""

from __future__ import annotations

from .plot import plot_validation_curve
from .search import GridSearch, ParameterGrid, RandomSearch, ResultsTable
from .space import choice, loguniform, randint, sample_space, uniform
from .splits import KFold, StratifiedKFold, clone, cross_val_score, train_val_split
from .tune import TuneResult, tune

__all__ = [
    "GridSearch",
    "KFold",
    "ParameterGrid",
    "RandomSearch",
    "ResultsTable",
    "StratifiedKFold",
    "TuneResult",
    "choice",
    "clone",
    "cross_val_score",
    "loguniform",
    "plot_validation_curve",
    "randint",
    "sample_space",
    "train_val_split",
    "tune",
    "uniform",
]
