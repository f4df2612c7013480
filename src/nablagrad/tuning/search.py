"""Hyperparameter search: ``GridSearch``, ``RandomSearch`` and the ``ResultsTable`` they fill.

Both fit a fresh clone of an estimator (scikit-learn conventions: ``get_params``,
``set_params``, ``fit``, ``score``) for each configuration and cross-validation fold, rank the
configurations by mean validation score (ties keep the order they were tried in), and refit
the best one on all the data.

Example:
    >>> import numpy as np
    >>> from nablagrad.neighbors import KNeighborsClassifier
    >>> from nablagrad.tuning import GridSearch
    >>> X = np.r_[np.zeros((6, 1)), np.ones((6, 1))]; y = np.r_[np.zeros(6), np.ones(6)]
    >>> search = GridSearch(KNeighborsClassifier(), {"n_neighbors": [1, 3]}, cv=3).fit(X, y)
    >>> search.best_params_, search.best_score_
    ({'n_neighbors': 1}, 1.0)
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

from .. import distributed as dist
from ..backend import np
from .parallel import spread
from .space import sample_space
from .splits import _scorer, _take, clone, is_classifier, make_cv


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return f"{v:.4g}"
    return str(v)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace`` (atomic)."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path}: folder {folder} does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "w", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class ResultsTable:
    """Rows of (parameters, scores), sorted by ``score_key`` (higher is better; a tuple of
    keys sorts by the first, then the next ...; ties keep the order rows were given in).

    ``rows`` is a list of dicts: the parameters under their names plus score columns
    (``mean_score``, ``std_score``, ``fold_0`` ... for searches).  ``str(table)`` is an aligned
    text table, ``to_csv(path)`` writes it atomically, ``best`` is the top row.
    """

    def __init__(
        self,
        rows: list[dict[str, Any]],
        param_names: list[str],
        score_key: str | tuple[str, ...] = "mean_score",
    ) -> None:
        self.param_names = list(param_names)
        self.score_key = score_key
        keys = (score_key,) if isinstance(score_key, str) else tuple(score_key)
        order = sorted(range(len(rows)), key=lambda i: (*(-_key(rows[i].get(k)) for k in keys), i))
        self.rows = [dict(rows[i], rank=r + 1) for r, i in enumerate(order)]

    @property
    def columns(self) -> list[str]:
        cols = ["rank"] + self.param_names
        for row in self.rows:
            for c in row:
                if c not in cols:
                    cols.append(c)
        return cols

    @property
    def best(self) -> dict[str, Any]:
        if not self.rows:
            raise ValueError("the results table is empty: nothing was evaluated")
        return self.rows[0]

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[Any]:
        return [row.get(name) for row in self.rows]

    def to_string(self, max_rows: int | None = None) -> str:
        cols = self.columns
        shown = self.rows if max_rows is None else self.rows[:max_rows]
        cells = [cols] + [[_fmt(row.get(c, "")) for c in cols] for row in shown]
        widths = [max(len(r[i]) for r in cells) for i in range(len(cols))]
        lines = ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in cells]
        if max_rows is not None and len(self.rows) > max_rows:
            lines.append(f"... {len(self.rows) - max_rows} more rows")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_string()

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write the table (sorted, with a header row) to ``path`` atomically."""
        buf = io.StringIO()
        writer = csv.writer(buf)
        cols = self.columns
        writer.writerow(cols)
        for row in self.rows:
            writer.writerow(
                [
                    _fmt(row.get(c, "")) if isinstance(row.get(c), float) else row.get(c, "")
                    for c in cols
                ]
            )
        atomic_write_text(path, buf.getvalue())


def _key(v: Any) -> float:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return -math.inf
    return float(v)


class ParameterGrid:
    """Every combination of a dict (or list of dicts) of value lists, in a fixed order.

    Example:
        >>> from nablagrad.tuning import ParameterGrid
        >>> list(ParameterGrid({"k": [1, 2], "p": [1]}))
        [{'k': 1, 'p': 1}, {'k': 2, 'p': 1}]
    """

    def __init__(self, grid: Mapping[str, Iterable] | list[Mapping[str, Iterable]]) -> None:
        if isinstance(grid, ParameterGrid):
            grids = grid.grids
        else:
            grids = [grid] if isinstance(grid, Mapping) else list(grid)
        self.grids = []
        for g in grids:
            if not isinstance(g, Mapping):
                raise TypeError(f"param_grid must be a dict or a list of dicts, got {g!r}")
            clean = {}
            for name, values in g.items():
                if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
                    raise TypeError(
                        f"param_grid[{name!r}] must be a list of values, got {values!r}"
                    )
                values = list(values)
                if not values:
                    raise ValueError(f"param_grid[{name!r}] is empty: give at least one value")
                clean[name] = values
            self.grids.append(clean)

    def __iter__(self) -> Any:
        for g in self.grids:
            names = list(g)
            for combo in itertools.product(*(g[n] for n in names)):
                yield dict(zip(names, combo))

    def __len__(self) -> int:
        return sum(math.prod(len(v) for v in g.values()) for g in self.grids)


class _BaseSearch:
    def __init__(
        self,
        estimator: Any,
        *,
        cv: Any = 5,
        scoring: Any = None,
        refit: bool = True,
        progress: bool = False,
        distributed: bool | None = None,
    ) -> None:
        if not all(hasattr(estimator, m) for m in ("fit", "get_params", "set_params")):
            raise TypeError(
                f"{type(estimator).__name__} does not follow the estimator conventions: it "
                "needs fit, get_params and set_params (and score, or pass scoring=)"
            )
        self.estimator = estimator
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.progress = progress
        self.distributed = distributed

    def _candidates(self) -> list[dict[str, Any]]:  # pragma: no cover - interface
        raise NotImplementedError

    def fit(self, X: Any, y: Any = None) -> _BaseSearch:
        """Cross-validate every candidate, fill ``results_``, ``best_params_``,
        ``best_score_`` and (with ``refit``) ``best_estimator_`` fitted on all of X, y.

        Under an initialised multi-rank process group (``distributed=None``, the default, or
        ``True``) the (candidate, fold) fits are spread over the ranks and every rank ends
        with the same results; ``distributed=False`` runs them all on every rank."""
        candidates = self._candidates()
        splitter = make_cv(self.cv, y, is_classifier(self.estimator))
        folds = list(splitter.split(X, y))
        score = _scorer(self.scoring)
        names: list[str] = []
        for c in candidates:
            names += [n for n in c if n not in names]
        rows = []
        bar = _progress(len(candidates) * len(folds), self.progress and _rank() == 0,
                        type(self).__name__)  # fmt: skip

        def evaluate(task: tuple[int, int]) -> float:
            params, (train, val) = candidates[task[0]], folds[task[1]]
            est = clone(self.estimator).set_params(**params)
            est.fit(_take(X, train), None if y is None else _take(y, train))
            return score(est, _take(X, val), None if y is None else _take(y, val))

        # Every (candidate, fold) pair is a task; on several ranks they are spread round-robin.
        tasks = [(c, f) for c in range(len(candidates)) for f in range(len(folds))]
        flat = spread(tasks, evaluate, self.distributed, lambda: bar.update(1))
        for c, params in enumerate(candidates):
            scores = flat[c * len(folds) : (c + 1) * len(folds)]
            row = dict(params)
            row["mean_score"] = float(np.mean(scores))
            row["std_score"] = float(np.std(scores))
            row.update({f"fold_{i}": s for i, s in enumerate(scores)})
            rows.append(row)
        bar.close()
        self.results_ = ResultsTable(rows, names)
        best = self.results_.best
        self.best_params_ = {n: best[n] for n in names if n in best}
        self.best_score_ = best["mean_score"]
        if self.refit:
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
            self.best_estimator_.fit(X, y)
        return self

    def _fitted(self) -> Any:
        if not hasattr(self, "best_estimator_"):
            raise RuntimeError(f"{type(self).__name__}: call fit(X, y) with refit=True first")
        return self.best_estimator_

    def predict(self, X: Any) -> Any:
        return self._fitted().predict(X)

    def score(self, X: Any, y: Any = None) -> float:
        return _scorer(self.scoring)(self._fitted(), X, y)


def _rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool, desc: str) -> Any:
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="fit", leave=False)


class GridSearch(_BaseSearch):
    """Exhaustive search over ``param_grid`` (a dict of value lists, or a list of dicts)
    with K-fold cross-validation; see the module docstring for the protocol."""

    def __init__(
        self,
        estimator: Any,
        param_grid: Any,
        *,
        cv: Any = 5,
        scoring: Any = None,
        refit: bool = True,
        progress: bool = False,
        distributed: bool | None = None,
    ) -> None:
        super().__init__(estimator, cv=cv, scoring=scoring, refit=refit, progress=progress,
                         distributed=distributed)  # fmt: skip
        self.param_grid = ParameterGrid(param_grid)

    def _candidates(self) -> list[dict[str, Any]]:
        return list(self.param_grid)


class RandomSearch(_BaseSearch):
    """``n_iter`` configurations drawn from ``param_distributions`` with ``seed``.

    Each entry is a list (uniform choice) or a distribution from ``nablagrad.tuning``
    (``uniform``, ``loguniform``, ``randint``, ``choice``) or anything with ``rvs``.
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: Mapping[str, Any],
        *,
        n_iter: int = 10,
        cv: Any = 5,
        scoring: Any = None,
        refit: bool = True,
        seed: int | None = 0,
        progress: bool = False,
        distributed: bool | None = None,
    ) -> None:
        super().__init__(estimator, cv=cv, scoring=scoring, refit=refit, progress=progress,
                         distributed=distributed)  # fmt: skip
        if not isinstance(n_iter, int) or n_iter < 1:
            raise ValueError(f"RandomSearch: n_iter must be a positive integer, got {n_iter!r}")
        self.param_distributions = dict(param_distributions)
        self.n_iter = n_iter
        self.seed = seed

    def _candidates(self) -> list[dict[str, Any]]:
        rng = np.random.default_rng(self.seed)
        return [sample_space(self.param_distributions, rng) for _ in range(self.n_iter)]
