"""GridSearch / RandomSearch / tune / results table / plot."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from nablagrad.neighbors import KNeighborsClassifier
from nablagrad.tuning import (
    GridSearch,
    KFold,
    ParameterGrid,
    RandomSearch,
    choice,
    loguniform,
    plot_validation_curve,
    randint,
    tune,
    uniform,
)

X_TINY = np.array([[0.0], [1.0], [2.0], [10.0], [11.0], [12.0]])
Y_TINY = np.array([0, 0, 1, 1, 1, 0])


def test_grid_search_reproduces_hand_computed_cv():
    """k=1 by hand (see test_splits): folds 0, .5, .5 -> mean 1/3.

    k=3 with KFold(3), by hand (majority of the 3 nearest training labels):
      val {0, 1}, train x=2,10,11,12 y=1,1,1,0: both get 1 (truth 0, 0)    -> 0.0
      val {2, 10}, train x=0,1,11,12 y=0,0,1,0: 2 -> 0 (truth 1), 10 -> 0
        (neighbours 11, 12, 1: labels 1, 0, 0; truth 1)                     -> 0.0
      val {11, 12}, train x=0,1,2,10 y=0,0,1,1: both get 1 (truth 1, 0)     -> 0.5
    mean 1/6.
    """
    search = GridSearch(KNeighborsClassifier(), {"n_neighbors": [1, 3]}, cv=KFold(3))
    search.fit(X_TINY, Y_TINY)
    rows = {r["n_neighbors"]: r for r in search.results_.rows}
    assert rows[1]["mean_score"] == pytest.approx(1 / 3)
    assert [rows[1][f"fold_{i}"] for i in range(3)] == [0.0, 0.5, 0.5]
    assert rows[3]["mean_score"] == pytest.approx(1 / 6)
    assert [rows[3][f"fold_{i}"] for i in range(3)] == [0.0, 0.0, 0.5]
    assert search.best_params_ == {"n_neighbors": 1}
    assert search.best_score_ == pytest.approx(1 / 3)
    assert search.results_.rows[0]["rank"] == 1
    assert search.best_estimator_.n_neighbors == 1
    assert search.best_estimator_.n_samples_fit_ == 6  # refit on all the data


def test_grid_order_and_ties_keep_first_candidate():
    grid = ParameterGrid({"n_neighbors": [1, 2], "p": [1, math.inf]})
    assert list(grid) == [
        {"n_neighbors": 1, "p": 1},
        {"n_neighbors": 1, "p": math.inf},
        {"n_neighbors": 2, "p": 1},
        {"n_neighbors": 2, "p": math.inf},
    ]
    assert len(grid) == 4
    X = np.r_[np.zeros((6, 1)), np.ones((6, 1))]
    y = np.r_[np.zeros(6), np.ones(6)]
    search = GridSearch(KNeighborsClassifier(), grid, cv=3).fit(X, y)
    assert search.best_params_ == {"n_neighbors": 1, "p": 1}  # all tie at 1.0: first wins


def test_results_table_text_and_csv(tmp_path):
    search = GridSearch(
        KNeighborsClassifier(), {"n_neighbors": [1, 3], "p": [1, 2]}, cv=KFold(3)
    ).fit(X_TINY, Y_TINY)
    text = str(search.results_)
    assert text.splitlines()[0].split()[:4] == ["rank", "n_neighbors", "p", "mean_score"]
    path = tmp_path / "table.csv"
    search.results_.to_csv(path)
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4
    scores = [float(r["mean_score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert not list(tmp_path.glob(".tmp-*"))  # atomic write leaves no temp file
    with pytest.raises(FileNotFoundError, match="does not exist"):
        search.results_.to_csv(tmp_path / "missing" / "t.csv")


def test_random_search_is_seeded_and_samples_the_space():
    X = np.random.default_rng(0).normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    space = {
        "n_neighbors": randint(1, 10),
        "p": [1, 2, math.inf],
        "weights": choice(["uniform", "distance"]),
    }
    a = RandomSearch(KNeighborsClassifier(), space, n_iter=6, cv=3, seed=4).fit(X, y)
    b = RandomSearch(KNeighborsClassifier(), space, n_iter=6, cv=3, seed=4).fit(X, y)
    assert a.results_.rows == b.results_.rows
    assert len(a.results_) == 6
    for row in a.results_.rows:
        assert 1 <= row["n_neighbors"] < 10 and row["p"] in (1, 2, math.inf)
    assert a.score(X, y) == a.best_estimator_.score(X, y)


def test_distributions():
    rng = np.random.default_rng(0)
    lu = [loguniform(1e-4, 1e-1).sample(rng) for _ in range(2000)]
    assert min(lu) >= 1e-4 and max(lu) < 1e-1
    assert 0.2 < np.mean(np.log10(lu) < -2.5) < 0.8  # uniform in log space: about half
    u = [uniform(2, 3).sample(rng) for _ in range(100)]
    assert 2 <= min(u) and max(u) < 3
    with pytest.raises(ValueError, match="0 < low < high"):
        loguniform(0, 1)


def test_tune_finds_the_optimum_and_writes_csv(tmp_path):
    calls = []

    def train_fn(cfg):
        calls.append(cfg)
        return {"val_score": -((cfg["x"] - 0.3) ** 2), "extra": cfg["seed"]}

    res = tune(train_fn, {"x": uniform(0, 1)}, trials=30, seed=1)
    assert abs(res.best_config["x"] - 0.3) < 0.05
    assert [c["seed"] for c in calls] == list(range(1, 31))
    scores = res.table.column("val_score")
    assert scores == sorted(scores, reverse=True)
    res.to_csv(tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().startswith("rank,x,")


def test_successive_halving_budgets():
    seen = []

    def train_fn(cfg):
        seen.append((cfg["trial_id"] if "trial_id" in cfg else cfg["seed"], cfg["budget"]))
        return cfg["q"] * cfg["budget"]

    res = tune(
        train_fn,
        {"q": uniform(0, 1)},
        trials=9,
        seed=0,
        halving=True,
        min_budget=1,
        max_budget=9,
        eta=3,
    )
    budgets = [b for _, b in seen]
    assert budgets.count(1) == 9 and budgets.count(3) == 3 and budgets.count(9) == 1
    # the survivors are the best q values, and the winner trained with the full budget
    qs = {row["seed"]: row["q"] for row in res.table.rows}
    rung2 = [s for s, b in seen if b == 3]
    assert sorted(rung2) == sorted(sorted(qs, key=lambda s: -qs[s])[:3])
    assert res.table.best["budget"] == 9
    assert res.best_config["q"] == max(qs.values())


def test_tune_errors():
    with pytest.raises(ValueError, match="max_budget"):
        tune(lambda c: 0.0, {"x": [1]}, 2, halving=True)
    with pytest.raises(ValueError, match="val_score"):
        tune(lambda c: {"acc": 1.0}, {"x": [1]}, 1)
    with pytest.raises(TypeError, match="must return a number"):
        tune(lambda c: "good", {"x": [1]}, 1)
    with pytest.raises(ValueError, match="non-empty dict"):
        tune(lambda c: 0.0, {}, 1)


def test_plot_validation_curve(tmp_path):
    search = GridSearch(
        KNeighborsClassifier(), {"n_neighbors": [1, 2, 3], "p": [1, math.inf]}, cv=KFold(3)
    ).fit(X_TINY, Y_TINY)
    path = plot_validation_curve(search.results_, "n_neighbors", "p", tmp_path / "c.png")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="no column 'k'"):
        plot_validation_curve(search.results_, "k", "p", tmp_path / "d.png")
