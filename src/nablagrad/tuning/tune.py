"""``tune``: random search over training configurations, with optional successive halving.

``train_fn(config) -> float | dict`` trains one model and returns its validation score
(higher is better) or a dict with ``"val_score"`` and any other metrics to record.  The
config holds the sampled parameters plus ``"seed"`` (trial seed = seed + trial number) and
``"budget"`` (e.g. epochs; ``max_budget`` without halving).

Successive halving (``halving=True``): start all trials at ``min_budget``; after each rung
keep the best ceil(n / eta) and multiply the budget by ``eta``, until ``max_budget``::

    budgets: b_0 = min_budget, b_{r+1} = min(eta * b_r, max_budget)
    survivors: n_0 = trials, n_{r+1} = ceil(n_r / eta)

Poor configurations so stop after a small budget.  Each rung retrains from scratch with
the larger budget (simple, deterministic; a trial is a pure function of its config).

Example:
    >>> from nablagrad.tuning import tune, uniform
    >>> result = tune(lambda c: -(c["x"] - 0.3) ** 2, {"x": uniform(0, 1)}, trials=20)
    >>> abs(result.best_config["x"] - 0.3) < 0.1
    True
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from typing import Any

from ..backend import np
from .parallel import spread
from .search import ResultsTable, _progress, _rank
from .space import sample_space


class TuneResult:
    """What ``tune`` found: ``table`` (a ``ResultsTable`` sorted by budget reached, then
    validation score), ``best_config``, ``best_score``; ``to_csv(path)`` writes the table."""

    def __init__(self, table: ResultsTable, param_names: list[str]) -> None:
        self.table = table
        best = table.best
        self.best_config = {n: best[n] for n in param_names}
        self.best_score = best["val_score"]

    def to_csv(self, path: str | os.PathLike) -> None:
        self.table.to_csv(path)

    def __str__(self) -> str:
        return str(self.table)


def _run(train_fn: Callable, cfg: dict[str, Any]) -> dict[str, Any]:
    out = train_fn(dict(cfg))
    if isinstance(out, Mapping):
        if "val_score" not in out:
            raise ValueError(
                f"train_fn returned a dict without 'val_score' (keys: {sorted(out)}): return "
                "the validation score as a float or under 'val_score'"
            )
        metrics = dict(out)
    else:
        metrics = {"val_score": out}
    try:
        metrics["val_score"] = float(metrics["val_score"])
    except (TypeError, ValueError):
        raise TypeError(
            f"train_fn must return a number (validation score), got {metrics['val_score']!r}"
        ) from None
    return metrics


def tune(
    train_fn: Callable[[dict[str, Any]], Any],
    space: Mapping[str, Any],
    trials: int = 20,
    *,
    seed: int = 0,
    halving: bool = False,
    min_budget: int = 1,
    max_budget: int | None = None,
    eta: int = 3,
    progress: bool = False,
    distributed: bool | None = None,
) -> TuneResult:
    """Random search: ``trials`` configurations from ``space``, each trained by ``train_fn``.

    See the module docstring for the ``train_fn`` contract and successive halving.  Returns a
    ``TuneResult`` whose table lists every trial (sorted by budget reached, then score).
    Under an initialised multi-rank process group (or ``distributed=True``) the trials of each
    rung are spread over the ranks and every rank returns the same result.
    """
    if not callable(train_fn):
        raise TypeError(f"tune: train_fn must be callable, got {train_fn!r}")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"tune: trials must be a positive integer, got {trials!r}")
    if halving:
        if max_budget is None:
            raise ValueError("tune: halving=True needs max_budget (e.g. the most epochs)")
        if not 1 <= min_budget <= max_budget:
            raise ValueError(
                f"tune: need 1 <= min_budget <= max_budget, got {min_budget}, {max_budget}"
            )
        if not isinstance(eta, int) or eta < 2:
            raise ValueError(f"tune: eta must be an integer >= 2, got {eta!r}")
    rng = np.random.default_rng(seed)
    configs = [sample_space(space, rng) for _ in range(trials)]
    names = list(space)
    rows = [dict(cfg, trial=i, seed=seed + i) for i, cfg in enumerate(configs)]
    if not halving:
        budgets = [max_budget]
    else:
        budgets, b = [], min_budget
        while b < max_budget:
            budgets.append(b)
            b = min(b * eta, max_budget)
        budgets.append(max_budget)
    total = sum(math.ceil(trials / eta**r) if halving else trials for r in range(len(budgets)))
    bar = _progress(total, progress and _rank() == 0, "tune")
    alive = list(range(trials))
    for r, budget in enumerate(budgets):

        def trial(i: int, budget: int | None = budget) -> dict[str, Any]:
            cfg = dict(configs[i], seed=seed + i)
            if budget is not None:
                cfg["budget"] = budget
            return _run(train_fn, cfg)

        for i, metrics in zip(alive, spread(alive, trial, distributed, lambda: bar.update(1))):
            rows[i].update(metrics)
            rows[i]["budget"] = budget
        if halving and r + 1 < len(budgets):
            keep = max(math.ceil(len(alive) / eta), 1)
            alive = sorted(alive, key=lambda i: (-rows[i]["val_score"], i))[:keep]
    bar.close()
    for row in rows:
        if row.get("budget") is None:
            row.pop("budget", None)
    keys = ("budget", "val_score") if halving else ("val_score",)
    return TuneResult(ResultsTable(rows, names, score_key=keys), names)
