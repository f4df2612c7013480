"""PNG plots of training curves and confusion matrices (matplotlib, Agg canvas, no display).

Example:
    >>> import tempfile, os
    >>> from nablagrad.train.plots import plot_curves
    >>> path = os.path.join(tempfile.mkdtemp(), "curves.png")
    >>> plot_curves({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, path)
    >>> os.path.getsize(path) > 0
    True
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

from ..backend import np

__all__ = ["plot_curves", "plot_confusion_matrix"]


def _figure(figsize: tuple[float, float]) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str | os.PathLike) -> None:
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".png")
    os.close(fd)
    try:
        fig.savefig(tmp, format="png", bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def plot_curves(history: Mapping[str, Sequence[float]], path: str | os.PathLike) -> None:
    """One panel per quantity (loss, accuracy, ...) with its train and ``val_`` curves."""
    names = [k for k in history if not k.startswith("val_") and k not in ("epoch", "lr")]
    names += [k[4:] for k in history if k.startswith("val_") and k[4:] not in names]
    if not names:
        raise ValueError("plot_curves: the history has no curves to plot")
    fig = _figure((4.5 * len(names), 3.5))
    for i, name in enumerate(names):
        ax = fig.add_subplot(1, len(names), i + 1)
        for key, label in ((name, "train"), (f"val_{name}", "validation")):
            values = history.get(key)
            if values:
                ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3, label=label)
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    _save(fig, path)


def plot_confusion_matrix(
    cm: Any, path: str | os.PathLike, class_names: Sequence[str] | None = None
) -> None:
    """A heat map of ``cm`` (true classes as rows) with the counts written in the cells."""
    cm = np.asarray(cm)
    k = cm.shape[0]
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    fig = _figure((1.0 + 0.5 * k, 0.8 + 0.5 * k))
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(cm, cmap="Blues")
    fig.colorbar(im, ax=ax)
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    top = cm.max() if cm.size else 0
    for i in range(k):
        for j in range(k):
            color = "white" if cm[i, j] > top / 2 else "black"
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=7, color=color)
    _save(fig, path)
