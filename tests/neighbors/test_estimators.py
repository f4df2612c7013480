"""KNeighborsClassifier / Regressor against scikit-learn's brute-force estimators."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.neighbors import KNeighborsClassifier as SkClassifier
from sklearn.neighbors import KNeighborsRegressor as SkRegressor

import nablagrad as ng
from nablagrad.datasets import load_digits
from nablagrad.neighbors import KNeighborsClassifier, KNeighborsRegressor

METRICS = [
    ({"p": 1}, {"p": 1}),
    ({"p": 2}, {"p": 2}),
    ({"p": 3}, {"p": 3}),
    ({"p": math.inf}, {"metric": "chebyshev"}),
    ({"metric": "cosine"}, {"metric": "cosine"}),
]


def _continuous_sets():
    X1, y1 = make_classification(200, 6, n_informative=4, n_classes=3, random_state=0)
    X2, y2 = make_classification(150, 10, n_informative=5, n_classes=4, random_state=1)
    rng = np.random.default_rng(2)
    X3 = rng.normal(size=(120, 3))
    y3 = np.array(["cat", "dog", "eel"])[(X3[:, 0] > 0).astype(int) + (X3[:, 1] > 0.5)]
    return [(X1, y1), (X2, y2), (X3, y3)]


@pytest.mark.parametrize("ours,theirs", METRICS)
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_classifier_equals_sklearn_brute(ours, theirs, weights):
    for X, y in _continuous_sets():
        Xtr, ytr, Xq = X[:-30], y[:-30], X[-30:]
        k = 7
        mine = KNeighborsClassifier(k, weights=weights, **ours).fit(Xtr, ytr)
        ref = SkClassifier(k, weights=weights, algorithm="brute", **theirs).fit(Xtr, ytr)
        d1, i1 = mine.kneighbors(Xq)
        d2, i2 = ref.kneighbors(Xq)
        np.testing.assert_array_equal(i1, i2)
        np.testing.assert_allclose(d1, d2, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(mine.predict_proba(Xq), ref.predict_proba(Xq), atol=1e-12)
        np.testing.assert_array_equal(mine.predict(Xq), ref.predict(Xq))
        np.testing.assert_array_equal(mine.classes_, ref.classes_)
        assert mine.score(Xq, y[-30:]) == pytest.approx(ref.score(Xq, y[-30:]))


@pytest.mark.parametrize("ours,theirs", METRICS[:4])
def test_kneighbors_on_training_set_leaves_self_out(ours, theirs):
    X, y = _continuous_sets()[0]
    d1, i1 = KNeighborsClassifier(4, **ours).fit(X, y).kneighbors()
    d2, i2 = SkClassifier(4, algorithm="brute", **theirs).fit(X, y).kneighbors()
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_allclose(d1, d2, rtol=1e-9)


def test_iris_and_digits_agree_with_sklearn_ties_aside():
    """Data with exact distance ties: distances agree exactly, predictions almost always."""
    for X, y in [load_iris(return_X_y=True), load_digits()]:
        X = X.astype(np.float64)
        Xtr, ytr, Xq = X[::2], y[::2], X[1::2]
        for p in (1, 2):
            mine = KNeighborsClassifier(5, p=p).fit(Xtr, ytr)
            ref = SkClassifier(5, p=p, algorithm="brute").fit(Xtr, ytr)
            np.testing.assert_allclose(
                mine.kneighbors(Xq)[0], ref.kneighbors(Xq)[0], rtol=1e-9, atol=1e-9
            )
            assert (mine.predict(Xq) == ref.predict(Xq)).mean() > 0.99


def test_float32_l1_l2_ranking_is_exact_on_random_data():
    rng = np.random.default_rng(0)
    X = rng.random((3000, 40), dtype=np.float32)
    Q = rng.random((50, 40), dtype=np.float32)
    for p in (1, 2):
        d, i = KNeighborsClassifier(5, p=p).fit(X, np.zeros(3000)).kneighbors(Q)
        ref = SkClassifier(5, p=p, algorithm="brute").fit(X.astype(np.float64), np.zeros(3000))
        d2, i2 = ref.kneighbors(Q.astype(np.float64))
        np.testing.assert_array_equal(i, i2)
        np.testing.assert_allclose(d, d2, rtol=1e-5)


def test_deterministic_tie_breaking_prefers_lower_index_and_smaller_class():
    X = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    y = np.array([1, 0, 0, 1])
    clf = KNeighborsClassifier(2).fit(X, y)
    _, idx = clf.kneighbors(np.array([[0.0]]))
    np.testing.assert_array_equal(idx, [[0, 1]])  # all four tie: lowest indices first
    np.testing.assert_array_equal(clf.predict(np.array([[0.0]])), [0])  # 1 vote each: class 0


def test_distance_weights_with_exact_match():
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([0, 1, 1])
    clf = KNeighborsClassifier(3, weights="distance").fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(np.array([[0.0]])), [[1.0, 0.0]])


@pytest.mark.parametrize("ours,theirs", METRICS[:4])
@pytest.mark.parametrize("weights", ["uniform", "distance"])
def test_regressor_equals_sklearn(ours, theirs, weights):
    X, y = make_regression(160, 5, noise=0.5, random_state=0)
    Y2 = np.c_[y, y**2 / 100]
    for target in (y, Y2):
        mine = KNeighborsRegressor(6, weights=weights, **ours).fit(X[:120], target[:120])
        ref = SkRegressor(6, weights=weights, algorithm="brute", **theirs).fit(
            X[:120], target[:120]
        )
        np.testing.assert_allclose(mine.predict(X[120:]), ref.predict(X[120:]), rtol=1e-10)
        assert mine.score(X[120:], target[120:]) == pytest.approx(
            ref.score(X[120:], target[120:]), rel=1e-10
        )


def test_tensor_inputs_give_tensors():
    X, y = _continuous_sets()[0]
    clf = KNeighborsClassifier(3).fit(ng.tensor(X), ng.tensor(y))
    pred = clf.predict(ng.tensor(X[:10]))
    assert isinstance(pred, ng.Tensor)
    np.testing.assert_array_equal(pred.numpy(), KNeighborsClassifier(3).fit(X, y).predict(X[:10]))
    d, i = clf.kneighbors(ng.tensor(X[:4]))
    assert isinstance(d, ng.Tensor) and i.dtype == ng.int64


def test_params_protocol():
    clf = KNeighborsClassifier(3, p=1)
    assert clf.get_params() == {
        "n_neighbors": 3,
        "weights": "uniform",
        "p": 1,
        "metric": "minkowski",
        "max_memory": clf.max_memory,
    }
    assert clf.set_params(n_neighbors=5, weights="distance") is clf
    assert clf.n_neighbors == 5 and clf.weights == "distance"
    with pytest.raises(ValueError, match="unknown parameter 'k'"):
        clf.set_params(k=3)
    assert "KNeighborsClassifier(n_neighbors=5" in repr(clf)


def test_bad_input_errors():
    X, y = _continuous_sets()[0]
    clf = KNeighborsClassifier(3).fit(X, y)
    with pytest.raises(ValueError, match="fitted on 6 features: expected 6 columns"):
        clf.predict(X[:, :4])
    with pytest.raises(ValueError, match="n_neighbors=500 is larger than the 200 training"):
        KNeighborsClassifier(500).fit(X, y).predict(X[:2])
    with pytest.raises(ValueError, match="empty"):
        KNeighborsClassifier(1).fit(np.zeros((0, 3)), np.zeros(0))
    with pytest.raises(ValueError, match="empty"):
        clf.predict(np.zeros((0, 6)))
    with pytest.raises(ValueError, match="triangle inequality"):
        KNeighborsClassifier(3, p=0.5)
    with pytest.raises(ValueError, match="triangle inequality"):
        KNeighborsClassifier(3).set_params(p=0.9)
    with pytest.raises(ValueError, match="200 samples but y has shape"):
        KNeighborsClassifier(3).fit(X, y[:10])
    with pytest.raises(RuntimeError, match="not fitted"):
        KNeighborsClassifier(3).predict(X)
    with pytest.raises(ValueError, match="NaN"):
        clf.predict(np.full((1, 6), np.nan))
    with pytest.raises(ValueError, match="2-D"):
        clf.predict(X[0])
    with pytest.raises(ValueError, match="weights"):
        KNeighborsClassifier(3, weights="gaussian")
    with pytest.raises(ValueError, match="positive integer"):
        KNeighborsClassifier(0)
