"""Metrics against scikit-learn on random labels; plots write PNGs."""

import numpy as np
import pytest
from sklearn import metrics as skm

import nablagrad as ng
from nablagrad.train import metrics as M
from nablagrad.train.plots import plot_confusion_matrix, plot_curves


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_classification_metrics_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    k = 6
    scores = rng.normal(size=(300, k)).astype(np.float32)
    y = rng.integers(0, k, 300)
    if seed == 2:
        y[y == 3] = 0  # a class absent from the targets
    pred = scores.argmax(1)
    assert M.accuracy(ng.tensor(scores), ng.tensor(y)) == pytest.approx(skm.accuracy_score(y, pred))
    np.testing.assert_array_equal(
        M.confusion_matrix(scores, y, k), skm.confusion_matrix(y, pred, labels=range(k))
    )
    p, r, f = M.precision_recall_f1(scores, y)
    assert p == pytest.approx(skm.precision_score(y, pred, average="macro", zero_division=0))
    assert r == pytest.approx(skm.recall_score(y, pred, average="macro", zero_division=0))
    assert f == pytest.approx(skm.f1_score(y, pred, average="macro", zero_division=0))
    for kk in (1, 3, 5):
        ref = skm.top_k_accuracy_score(y, scores, k=kk, labels=range(k))
        assert M.top_k_accuracy(scores, y, kk) == pytest.approx(ref)
    per = M.per_class_accuracy(pred, y, k)
    ref = skm.recall_score(y, pred, average=None, labels=range(k), zero_division=0)
    present = np.bincount(y, minlength=k) > 0
    np.testing.assert_allclose(per[present], ref[present])
    assert np.isnan(per[~present]).all()


@pytest.mark.parametrize("shape", [(200,), (200, 3)])
def test_regression_metrics_match_sklearn(shape):
    rng = np.random.default_rng(0)
    y = rng.normal(size=shape)
    o = y + 0.3 * rng.normal(size=shape)
    assert M.mse(o, y) == pytest.approx(skm.mean_squared_error(y, o))
    assert M.mae(ng.tensor(o), ng.tensor(y)) == pytest.approx(skm.mean_absolute_error(y, o))
    assert M.r2_score(o, y) == pytest.approx(skm.r2_score(y, o))


def test_metric_errors_and_lookup():
    with pytest.raises(ValueError, match="does not match"):
        M.accuracy(np.zeros((4, 3)), np.zeros(5))
    with pytest.raises(ValueError, match="unknown metric"):
        M.get_metric("acuracy")
    assert M.get_metric("acc")[0] == "accuracy"


def test_plots_write_png(tmp_path):
    plot_curves(
        {"loss": [1, 0.5], "val_loss": [1.2, 0.8], "accuracy": [0.5, 0.7], "lr": [1, 1]},
        tmp_path / "c.png",
    )
    plot_confusion_matrix(np.eye(3, dtype=int) * 5, tmp_path / "m.png", ["a", "b", "c"])
    for name in ("c.png", "m.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
