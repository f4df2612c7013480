"""Metrics for classification and regression, vectorised over whole arrays.

Inputs may be Tensors or arrays.  For classification, ``output`` is either class scores
(N, C) (logits or probabilities: the arg-max is the prediction) or predicted labels (N,);
``target`` holds labels (N,).  Conventions follow scikit-learn: the confusion matrix has true
classes as rows and predictions as columns; macro precision/recall/F1 average over classes and
count 0/0 as 0 (``zero_division=0``).

Formulas: accuracy = mean(pred == y); precision_c = TP_c / (TP_c + FP_c);
recall_c = TP_c / (TP_c + FN_c); F1_c = 2 P_c R_c / (P_c + R_c); MSE = mean((o - y)^2);
MAE = mean(|o - y|); R^2 = 1 - sum((y - o)^2) / sum((y - mean y)^2).

Example:
    >>> from nablagrad.train import metrics as M
    >>> M.accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 1])
    0.5
    >>> M.confusion_matrix([1, 0], [1, 1], num_classes=2).tolist()
    [[0, 0], [1, 1]]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend import np, to_host
from ..tensor import Tensor

__all__ = [
    "accuracy",
    "top_k_accuracy",
    "per_class_accuracy",
    "confusion_matrix",
    "precision_recall_f1",
    "precision",
    "recall",
    "f1_score",
    "mse",
    "mae",
    "r2_score",
    "get_metric",
    "METRICS",
]


def _arr(x: Any) -> np.ndarray:
    """Host values of a Tensor (on any device), an array (NumPy or CuPy) or a list."""
    return to_host(x._data if isinstance(x, Tensor) else x)


def _labels(output: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    out, y = _arr(output), _arr(target)
    pred = out.argmax(axis=-1) if out.ndim == y.ndim + 1 else out
    if pred.shape != y.shape:
        raise ValueError(
            f"metrics: output of shape {out.shape} does not match targets of shape {y.shape}: "
            "expected scores (N, C) or labels (N,) for N targets"
        )
    return pred.astype(np.int64), y.astype(np.int64)


def _num_classes(pred: np.ndarray, y: np.ndarray, num_classes: int | None) -> int:
    if num_classes is not None:
        return int(num_classes)
    return int(max(pred.max(initial=-1), y.max(initial=-1)) + 1)


def accuracy(output: Any, target: Any) -> float:
    """Fraction of samples whose predicted class equals the target."""
    pred, y = _labels(output, target)
    return float((pred == y).mean()) if len(y) else 0.0


def top_k_accuracy(output: Any, target: Any, k: int = 5) -> float:
    """Fraction of samples whose target is among the ``k`` highest scores of ``output`` (N, C)."""
    scores, y = _arr(output), _arr(target).astype(np.int64)
    if scores.ndim != 2 or len(scores) != len(y):
        raise ValueError(
            f"top_k_accuracy needs scores (N, C) and targets (N,), got {scores.shape} and {y.shape}"
        )
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return float((top == y[:, None]).any(axis=1).mean()) if len(y) else 0.0


def confusion_matrix(output: Any, target: Any, num_classes: int | None = None) -> np.ndarray:
    """``C[i, j]`` = number of samples of true class ``i`` predicted as ``j`` (int64)."""
    pred, y = _labels(output, target)
    k = _num_classes(pred, y, num_classes)
    if len(y) and (min(pred.min(), y.min()) < 0 or max(pred.max(), y.max()) >= k):
        raise ValueError(f"confusion_matrix: labels must be in 0..{k - 1}")
    return np.bincount(y * k + pred, minlength=k * k).reshape(k, k)


def per_class_accuracy(output: Any, target: Any, num_classes: int | None = None) -> np.ndarray:
    """Accuracy within each true class (the per-class recall); NaN for absent classes."""
    cm = confusion_matrix(output, target, num_classes)
    support = cm.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(support > 0, np.diag(cm) / np.maximum(support, 1), np.nan)


def precision_recall_f1(
    output: Any, target: Any, num_classes: int | None = None
) -> tuple[float, float, float]:
    """Macro-averaged (precision, recall, F1) over the classes present in targets or
    predictions, with 0/0 counted as 0 (scikit-learn's ``average="macro"``)."""
    pred, y = _labels(output, target)
    cm = confusion_matrix(pred, y, num_classes).astype(np.float64)
    present = np.union1d(np.unique(pred), np.unique(y))
    tp = np.diag(cm)[present]
    predicted, actual = cm.sum(axis=0)[present], cm.sum(axis=1)[present]
    p = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    r = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    f = np.divide(2 * p * r, p + r, out=np.zeros_like(tp), where=(p + r) > 0)
    if not len(present):
        return 0.0, 0.0, 0.0
    return float(p.mean()), float(r.mean()), float(f.mean())


def precision(output: Any, target: Any, num_classes: int | None = None) -> float:
    """Macro precision (see ``precision_recall_f1``)."""
    return precision_recall_f1(output, target, num_classes)[0]


def recall(output: Any, target: Any, num_classes: int | None = None) -> float:
    """Macro recall (see ``precision_recall_f1``)."""
    return precision_recall_f1(output, target, num_classes)[1]


def f1_score(output: Any, target: Any, num_classes: int | None = None) -> float:
    """Macro F1 (see ``precision_recall_f1``)."""
    return precision_recall_f1(output, target, num_classes)[2]


def _reg(output: Any, target: Any) -> tuple[np.ndarray, np.ndarray]:
    o, y = _arr(output).astype(np.float64), _arr(target).astype(np.float64)
    if o.shape != y.shape:
        if o.size == y.size:
            o = o.reshape(y.shape)
        else:
            raise ValueError(f"regression metric: output shape {o.shape} != target shape {y.shape}")
    return o, y


def mse(output: Any, target: Any) -> float:
    """Mean squared error."""
    o, y = _reg(output, target)
    return float(np.mean((o - y) ** 2))


def mae(output: Any, target: Any) -> float:
    """Mean absolute error."""
    o, y = _reg(output, target)
    return float(np.mean(np.abs(o - y)))


def r2_score(output: Any, target: Any) -> float:
    """Coefficient of determination (averaged uniformly over output columns, as scikit-learn)."""
    o, y = _reg(output, target)
    if y.ndim == 1:
        o, y = o[:, None], y[:, None]
    ss_res = ((y - o) ** 2).sum(axis=0)
    ss_tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1 - ss_res / ss_tot, np.where(ss_res == 0, 1.0, 0.0))
    return float(r2.mean())


METRICS: dict[str, Callable[[Any, Any], float]] = {
    "accuracy": accuracy,
    "acc": accuracy,
    "top5": lambda o, t: top_k_accuracy(o, t, 5),
    "top3": lambda o, t: top_k_accuracy(o, t, 3),
    "precision": precision,
    "recall": recall,
    "f1": f1_score,
    "mse": mse,
    "mae": mae,
    "r2": r2_score,
}


def get_metric(metric: str | Callable) -> tuple[str, Callable[[Any, Any], float]]:
    """``(name, fn)`` for a metric name (``"accuracy"``, ``"top5"``, ``"f1"``, ``"mae"``, ...) or
    a callable ``fn(output, target) -> float`` (named after its ``__name__``)."""
    if callable(metric):
        return getattr(metric, "__name__", "metric"), metric
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}: choose from {', '.join(sorted(METRICS))}")
    return ("accuracy" if metric == "acc" else metric), METRICS[metric]
