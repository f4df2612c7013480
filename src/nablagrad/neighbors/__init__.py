"""Nearest neighbours: L_p / cosine distances (``cdist``) and k-NN estimators.

Example:
    >>> import numpy as np
    >>> from nablagrad.neighbors import KNeighborsClassifier
    >>> X = np.array([[0.0], [1.0], [9.0]]); y = np.array([0, 0, 1])
    >>> KNeighborsClassifier(n_neighbors=1).fit(X, y).predict(np.array([[8.0]]))
    array([1])
"""

from __future__ import annotations

from .distances import DEFAULT_MAX_MEMORY, cdist
from .estimators import KNeighborsClassifier, KNeighborsRegressor

__all__ = ["DEFAULT_MAX_MEMORY", "cdist", "KNeighborsClassifier", "KNeighborsRegressor"]
