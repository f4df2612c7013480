"""Held-out data: ``train_val_split``, ``KFold``, ``StratifiedKFold`` and ``cross_val_score``.

K-fold cross-validation splits n samples into K folds F_1..F_K and scores a fresh copy of the
estimator fitted on everything but F_i on F_i::

    CV score = (1/K) sum_i score(fit(X[not F_i], y[not F_i]), X[F_i], y[F_i])

The fold layout follows scikit-learn exactly (so results can be compared): without
shuffling, the first n % K folds get one sample more than the others.

Example:
    >>> import numpy as np
    >>> from nablagrad.tuning import KFold
    >>> [val.tolist() for _, val in KFold(3).split(np.zeros(5))]
    [[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..backend import np, to_host
from ..tensor import Tensor


def _n_samples(X: Any) -> int:
    shape = getattr(X, "shape", None)
    if shape is None:
        return len(X)
    if len(shape) == 0:
        raise ValueError("expected an array of samples, got a scalar")
    return int(shape[0])


def _take(a: Any, idx: np.ndarray) -> Any:
    if isinstance(a, Tensor):
        from ..backend import get_array_module

        return Tensor._wrap(a._data[get_array_module(a._data).asarray(idx)])
    if isinstance(a, np.ndarray) or hasattr(a, "__cuda_array_interface__"):
        return a[idx]
    return [a[i] for i in idx]


def _labels(y: Any) -> np.ndarray:
    return to_host(y._data) if isinstance(y, Tensor) else np.asarray(y)


def _check_splits(n_splits: Any, who: str) -> int:
    if isinstance(n_splits, bool) or not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
        raise ValueError(f"{who}: n_splits must be an integer >= 2, got {n_splits!r}")
    return int(n_splits)


class KFold:
    """K consecutive folds (shuffled first when ``shuffle=True``, seeded by ``seed``).

    ``split(X)`` yields (train_indices, val_indices) K times.
    """

    def __init__(self, n_splits: int = 5, *, shuffle: bool = False, seed: int | None = None):
        self.n_splits = _check_splits(n_splits, "KFold")
        self.shuffle = shuffle
        self.seed = seed

    def split(self, X: Any, y: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = _n_samples(X)
        if n < self.n_splits:
            raise ValueError(
                f"KFold: cannot make {self.n_splits} folds from {n} samples: use n_splits <= {n}"
            )
        order = np.arange(n)
        if self.shuffle:
            np.random.default_rng(self.seed).shuffle(order)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            val = order[start : start + size]
            mask = np.ones(n, dtype=bool)
            mask[val] = False
            yield order[mask[order]] if self.shuffle else np.flatnonzero(mask), val
            start += size

    def get_n_splits(self) -> int:
        return self.n_splits


class StratifiedKFold(KFold):
    """K folds that keep each class's share in every fold (scikit-learn's allocation).

    Classes are numbered by first appearance; the sorted labels are dealt round-robin to
    the folds, which fixes how many samples of each class every fold gets, and each class's
    samples (in order, or shuffled) fill its folds in turn.
    """

    def split(self, X: Any, y: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if y is None:
            raise ValueError("StratifiedKFold.split needs the labels y: split(X, y)")
        y = _labels(y)
        n = _n_samples(X)
        if y.ndim != 1 or y.shape[0] != n:
            raise ValueError(
                f"StratifiedKFold: y must be 1-D with one label per sample ({n}), got shape "
                f"{y.shape}"
            )
        _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
        _, perm = np.unique(first, return_inverse=True)
        codes = perm[inverse.reshape(-1)]
        counts = np.bincount(codes)
        if self.n_splits > counts.max():
            raise ValueError(
                f"StratifiedKFold: n_splits={self.n_splits} is more than the largest class "
                f"({counts.max()} samples): use fewer folds"
            )
        ordered = np.sort(codes)
        alloc = np.asarray(
            [
                np.bincount(ordered[i :: self.n_splits], minlength=len(counts))
                for i in range(self.n_splits)
            ]
        )
        rng = np.random.default_rng(self.seed)
        fold_of = np.empty(n, dtype=np.int64)
        for c in range(len(counts)):
            folds = np.arange(self.n_splits).repeat(alloc[:, c])
            if self.shuffle:
                rng.shuffle(folds)
            fold_of[codes == c] = folds
        for f in range(self.n_splits):
            yield np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)


def train_val_split(
    *arrays: Any,
    val_size: float | int = 0.2,
    shuffle: bool = True,
    seed: int | None = 0,
    stratify: Any = None,
) -> list[Any]:
    """Split arrays (same first dimension) into train and validation parts.

    Returns ``[a_train, a_val, b_train, b_val, ...]`` like scikit-learn's
    ``train_test_split``.  ``val_size`` is a fraction in (0, 1) or a count; ``stratify=y``
    keeps class shares (each class contributes round(share * n_val) samples, at least one).

    Example:
        >>> import numpy as np
        >>> from nablagrad.tuning import train_val_split
        >>> X_tr, X_val = train_val_split(np.arange(10), val_size=0.3, seed=0)
        >>> len(X_tr), len(X_val)
        (7, 3)
    """
    if not arrays:
        raise ValueError("train_val_split: pass at least one array")
    n = _n_samples(arrays[0])
    for a in arrays[1:]:
        if _n_samples(a) != n:
            raise ValueError(
                f"train_val_split: arrays have different lengths ({n} and {_n_samples(a)}): "
                "every array needs one entry per sample"
            )
    if isinstance(val_size, float):
        if not 0 < val_size < 1:
            raise ValueError(f"train_val_split: val_size={val_size} must be in (0, 1)")
        n_val = int(np.ceil(val_size * n))
    else:
        n_val = int(val_size)
    if not 0 < n_val < n:
        raise ValueError(
            f"train_val_split: a validation set of {n_val} from {n} samples leaves an empty "
            "part: need 0 < n_val < n_samples"
        )
    rng = np.random.default_rng(seed)
    if stratify is not None:
        y = _labels(stratify)
        val_parts = []
        for c in np.unique(y):
            members = np.flatnonzero(y == c)
            if shuffle:
                members = rng.permutation(members)
            take = max(1, int(round(len(members) * n_val / n)))
            val_parts.append(members[: min(take, len(members) - 1)])
        val = np.sort(np.concatenate(val_parts))
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
        val = np.sort(order[n - n_val :])
    mask = np.ones(n, dtype=bool)
    mask[val] = False
    train = np.flatnonzero(mask)
    if shuffle:
        train = rng.permutation(train)
        val = rng.permutation(val)
    out: list[Any] = []
    for a in arrays:
        out += [_take(a, train), _take(a, val)]
    return out


def clone(estimator: Any) -> Any:
    """A fresh, unfitted estimator with the same parameters (``type(e)(**e.get_params())``)."""
    if not hasattr(estimator, "get_params"):
        raise TypeError(
            f"{type(estimator).__name__} has no get_params(): estimators need the "
            "scikit-learn conventions (get_params, set_params, fit, score)"
        )
    return type(estimator)(**estimator.get_params())


def _scorer(scoring: Any) -> Callable[[Any, Any, Any], float]:
    if scoring is None:
        return lambda est, X, y: float(est.score(X, y))
    if scoring == "accuracy":
        return lambda est, X, y: float((np.asarray(_labels(est.predict(X))) == _labels(y)).mean())
    if callable(scoring):
        return lambda est, X, y: float(scoring(est, X, y))
    raise ValueError(
        f"unknown scoring {scoring!r}: use None (the estimator's score), 'accuracy' or a "
        "callable scorer(estimator, X, y) -> float"
    )


def make_cv(cv: Any, y: Any, classifier: bool) -> Any:
    """An int (folds; stratified for classifiers), or a splitter with ``split``."""
    if isinstance(cv, (int, np.integer)) and not isinstance(cv, bool):
        return StratifiedKFold(int(cv)) if classifier and y is not None else KFold(int(cv))
    if hasattr(cv, "split"):
        return cv
    raise ValueError(f"cv must be a number of folds or a splitter with split(), got {cv!r}")


def is_classifier(estimator: Any) -> bool:
    return hasattr(estimator, "predict_proba") or type(estimator).__name__.endswith("Classifier")


def cross_val_score(
    estimator: Any, X: Any, y: Any = None, *, cv: Any = 5, scoring: Any = None
) -> np.ndarray:
    """Score a fresh clone of ``estimator`` on each validation fold; returns the K scores.

    ``cv=5`` uses ``StratifiedKFold`` for classifiers and ``KFold`` otherwise (unshuffled);
    pass a splitter for other layouts.  ``scoring`` is the estimator's ``score`` by default.

    Example:
        >>> import numpy as np
        >>> from nablagrad.neighbors import KNeighborsClassifier
        >>> from nablagrad.tuning import cross_val_score
        >>> X = np.r_[np.zeros((6, 1)), np.ones((6, 1))]; y = np.r_[np.zeros(6), np.ones(6)]
        >>> cross_val_score(KNeighborsClassifier(1), X, y, cv=3).tolist()
        [1.0, 1.0, 1.0]
    """
    splitter = make_cv(cv, y, is_classifier(estimator))
    score = _scorer(scoring)
    scores = []
    for train, val in splitter.split(X, y):
        est = clone(estimator)
        est.fit(_take(X, train), None if y is None else _take(y, train))
        scores.append(score(est, _take(X, val), None if y is None else _take(y, val)))
    return np.asarray(scores)
