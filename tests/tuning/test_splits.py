"""Splits and cross-validation against scikit-learn and hand computation."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import KFold as SkKFold
from sklearn.model_selection import StratifiedKFold as SkStratified
from sklearn.model_selection import cross_val_score as sk_cross_val_score
from sklearn.neighbors import KNeighborsClassifier as SkKNN

import nablagrad as ng
from nablagrad.neighbors import KNeighborsClassifier, KNeighborsRegressor
from nablagrad.tuning import KFold, StratifiedKFold, cross_val_score, train_val_split


@pytest.mark.parametrize("n,k", [(10, 3), (17, 5), (5, 5)])
def test_kfold_equals_sklearn_unshuffled(n, k):
    ours = list(KFold(k).split(np.zeros(n)))
    theirs = list(SkKFold(k).split(np.zeros(n)))
    assert len(ours) == k
    for (a, b), (c, d) in zip(ours, theirs):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_kfold_shuffled_partitions_the_samples():
    folds = list(KFold(4, shuffle=True, seed=1).split(np.zeros(23)))
    vals = np.concatenate([v for _, v in folds])
    assert sorted(vals.tolist()) == list(range(23))
    for tr, va in folds:
        assert set(tr).isdisjoint(va) and len(tr) + len(va) == 23
    again = list(KFold(4, shuffle=True, seed=1).split(np.zeros(23)))
    assert all((a[1] == b[1]).all() for a, b in zip(folds, again))


@pytest.mark.parametrize("seed", [0, 1])
def test_stratified_kfold_equals_sklearn_unshuffled(seed):
    rng = np.random.default_rng(seed)
    y = rng.choice(["b", "a", "c"], size=47, p=[0.5, 0.3, 0.2])
    for k in (2, 3, 5):
        ours = list(StratifiedKFold(k).split(np.zeros(47), y))
        theirs = list(SkStratified(k).split(np.zeros(47), y))
        for (a, b), (c, d) in zip(ours, theirs):
            np.testing.assert_array_equal(a, c)
            np.testing.assert_array_equal(b, d)


def test_stratified_shuffled_keeps_class_shares():
    y = np.repeat([0, 1, 2], [30, 20, 10])
    for _, val in StratifiedKFold(5, shuffle=True, seed=3).split(np.zeros(60), y):
        np.testing.assert_array_equal(np.bincount(y[val]), [6, 4, 2])


def test_train_val_split_sizes_disjoint_and_stratified():
    X = np.arange(100).reshape(50, 2)
    y = np.repeat([0, 1], [40, 10])
    X_tr, X_val, y_tr, y_val = train_val_split(X, y, val_size=0.2, seed=0, stratify=y)
    assert len(X_val) == 10 and len(X_tr) == 40
    assert np.bincount(y_val).tolist() == [8, 2]
    assert set(X_tr[:, 0]).isdisjoint(X_val[:, 0])
    np.testing.assert_array_equal(X_val[:, 0] // 2, np.searchsorted(X[:, 0], X_val[:, 0]))
    t_tr, t_val = train_val_split(ng.arange(10), val_size=3, seed=0)
    assert isinstance(t_tr, ng.Tensor) and len(t_val) == 3


def test_cross_val_score_equals_sklearn():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    y = (X[:, 0] + 0.5 * rng.normal(size=90) > 0).astype(int)
    ours = cross_val_score(KNeighborsClassifier(5), X, y, cv=5)
    theirs = sk_cross_val_score(SkKNN(5, algorithm="brute"), X, y, cv=5)
    np.testing.assert_allclose(ours, theirs)
    ours = cross_val_score(KNeighborsRegressor(3), X, X[:, 1], cv=KFold(3))
    assert ours.shape == (3,)


def test_cross_val_score_hand_computed():
    X = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [12.0]])
    y = np.array([0, 0, 1, 1, 1, 0])
    # KFold(3): folds {0,1}, {2,3}, {4,5}; 1-NN by hand:
    # fold 1: 0 -> 2 (y=1, wrong), 1 -> 2 (wrong)        -> 0.0
    # fold 2: 2 -> 1 (y=0, wrong), 10 -> 11 (y=1, right)  -> 0.5
    # fold 3: 11 -> 10 (y=1, right), 12 -> 10 (y=1, wrong) -> 0.5
    scores = cross_val_score(KNeighborsClassifier(1), X, y, cv=KFold(3))
    np.testing.assert_allclose(scores, [0.0, 0.5, 0.5])


def test_split_errors():
    with pytest.raises(ValueError, match="n_splits must be an integer >= 2"):
        KFold(1)
    with pytest.raises(ValueError, match="cannot make 5 folds from 3 samples"):
        list(KFold(5).split(np.zeros(3)))
    with pytest.raises(ValueError, match="needs the labels"):
        list(StratifiedKFold(2).split(np.zeros(4)))
    with pytest.raises(ValueError, match="largest class"):
        list(StratifiedKFold(5).split(np.zeros(4), [0, 0, 1, 1]))
    with pytest.raises(ValueError, match="different lengths"):
        train_val_split(np.zeros(4), np.zeros(5))
    with pytest.raises(ValueError, match="empty part"):
        train_val_split(np.zeros(4), val_size=4)
    with pytest.raises(ValueError, match="unknown scoring"):
        cross_val_score(KNeighborsClassifier(1), np.zeros((4, 1)), [0, 1, 0, 1], cv=2, scoring="f1")
