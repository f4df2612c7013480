import pytest
from sklearn.neighbors import KNeighborsClassifier

from nablagrad import lab
from nablagrad.lab.datasets import blobs_moons
from nablagrad.lab.experiments import knn as knn_mod

SK_METRIC = {"l1": "manhattan", "l2": "euclidean", "linf": "chebyshev"}


@pytest.mark.parametrize("metric", ["l1", "l2", "linf"])
@pytest.mark.parametrize("k", [1, 4, 9])
def test_knn_predictions_match_sklearn(metric, k):
    xt, yt = blobs_moons(80, 0.3, 1)
    xq, _ = blobs_moons(300, 0.3, 2)
    ours = knn_mod.predict(xq, xt, yt, k, metric, 3)
    ref = KNeighborsClassifier(k, metric=SK_METRIC[metric], algorithm="brute").fit(xt, yt)
    agree = (ours == ref.predict(xq)).mean()
    assert agree >= 0.99, agree  # only exact distance/vote ties may differ


def test_knn_experiment_numbers_and_plot(tmp_path, check_png):
    r = lab.knn(ks=("1", "7"), metrics=("l1", "linf"), samples=60, grid=30)
    for m in ("l1", "linf"):
        assert r["train_accuracy"][(m, 1)] == 1.0
        assert r["maps"][(m, 7)].shape == (30, 30)
        assert 0.6 < r["accuracy"][(m, 7)] <= 1.0
    (path,) = lab.plot("knn", r, tmp_path)
    check_png(path)


def test_knn_bad_k():
    with pytest.raises(ValueError, match="k must be in 1..samples=10"):
        lab.knn(ks=("11",), samples=10, grid=10)
