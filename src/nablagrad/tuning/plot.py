"""Plot a validation curve: mean cross-validation score against one parameter, one line per
value of another (e.g. accuracy vs k for each p of a k-NN grid search).

Example:
    >>> import numpy as np, tempfile, os
    >>> from nablagrad.neighbors import KNeighborsClassifier
    >>> from nablagrad.tuning import GridSearch, plot_validation_curve
    >>> X = np.r_[np.zeros((6, 1)), np.ones((6, 1))]; y = np.r_[np.zeros(6), np.ones(6)]
    >>> s = GridSearch(KNeighborsClassifier(), {"n_neighbors": [1, 3], "p": [1, 2]}, cv=3)
    >>> path = os.path.join(tempfile.mkdtemp(), "curve.png")
    >>> plot_validation_curve(s.fit(X, y).results_, "n_neighbors", "p", path) == path
    True
"""

from __future__ import annotations

import math
import os
import tempfile
from typing import Any

from .search import ResultsTable


def _label(v: Any) -> str:
    return (
        "inf"
        if isinstance(v, float) and math.isinf(v)
        else f"{v:g}"
        if isinstance(v, float)
        else str(v)
    )


def plot_validation_curve(
    results: ResultsTable,
    x: str,
    group: str | None,
    path: str | os.PathLike,
    *,
    score: str = "mean_score",
    title: str | None = None,
    ylabel: str = "validation accuracy",
) -> str:
    """Draw ``score`` against parameter ``x`` with one line per value of ``group`` (error bars
    from ``std_score`` when present) and save it to ``path`` (PNG/PDF/SVG by extension),
    atomically.  Returns the path."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if not len(results):
        raise ValueError("plot_validation_curve: the results table is empty")
    for name in (x, group):
        if name is not None and name not in results.columns:
            raise ValueError(
                f"plot_validation_curve: no column {name!r} in the results; columns are "
                f"{', '.join(results.columns)}"
            )
    lines: dict[Any, list[dict[str, Any]]] = {}
    for row in results.rows:
        lines.setdefault(row[group] if group else None, []).append(row)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for key, rows in sorted(lines.items(), key=lambda kv: (kv[0] is None, kv[0])):
        rows = sorted(rows, key=lambda r: r[x])
        xs = [r[x] for r in rows]
        ys = [r[score] for r in rows]
        err = [r.get("std_score", 0.0) for r in rows]
        label = f"{group} = {_label(key)}" if group else None
        ax.errorbar(xs, ys, yerr=err, marker="o", ms=3, capsize=2, label=label)
    ax.set_xlabel(x)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    if group:
        ax.legend()
    fig.tight_layout()
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        plt.close(fig)
        raise FileNotFoundError(f"cannot write {path}: folder {folder} does not exist")
    suffix = os.path.splitext(path)[1] or ".png"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-plot-", suffix=suffix)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120)
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
