"""k-nearest-neighbour decision boundaries under the L1, L2 and L_inf distances.

``d_1(a, b) = sum_i |a_i - b_i|``, ``d_2(a, b) = sqrt(sum_i (a_i - b_i)^2)``,
``d_inf(a, b) = max_i |a_i - b_i|``; a point gets the majority label of its ``k`` nearest
training points (ties go to the smallest label, as in scikit-learn).  The unit balls are a
diamond, a circle and a square, and the boundaries inherit those shapes: axis-aligned and
diagonal segments for L1/L_inf, smooth curves for L2.  Small ``k`` follows the noise
(overfits), large ``k`` smooths.  The neighbours come from ``nablagrad.neighbors``.

Example:
    >>> from nablagrad.lab import knn
    >>> r = knn(ks=("1", "5"), metrics=("l2",), grid=40)
    >>> r["accuracy"][("l2", 1)] <= 1.0
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...backend import np
from ..datasets import blobs_moons
from ..plotting import figure, save_png

METRIC_LABELS = {
    "l1": r"$L_1$ (Manhattan)",
    "l2": r"$L_2$ (Euclidean)",
    "linf": r"$L_\infty$ (Chebyshev)",
}


NEIGHBORS_METRIC = {"l1": "manhattan", "l2": "euclidean", "linf": "chebyshev"}


def predict_many(
    xq: np.ndarray, xt: np.ndarray, yt: np.ndarray, ks: list[int], metric: str, classes: int
) -> dict[int, np.ndarray]:
    """Majority vote of the ``k`` nearest training points for every query row and every k.

    The neighbours come from ``nablagrad.neighbors.KNeighborsClassifier.kneighbors`` (nearest
    first, distance ties by training index), computed once for the largest k and shared by all.
    """
    from nablagrad.neighbors import KNeighborsClassifier

    if metric not in NEIGHBORS_METRIC:
        raise ValueError(f"knn: unknown metric {metric!r}; use l1, l2 or linf")
    kmax = max(ks)
    if min(ks) < 1 or kmax > len(xt):
        raise ValueError(f"knn: every k must be between 1 and the {len(xt)} training points")
    model = KNeighborsClassifier(n_neighbors=kmax, metric=NEIGHBORS_METRIC[metric]).fit(xt, yt)
    labels = yt[np.asarray(model.kneighbors(xq, return_distance=False))]  # (q, kmax)
    out = {}
    for k in ks:
        votes = np.stack([(labels[:, :k] == c).sum(1) for c in range(classes)], 1)
        out[k] = votes.argmax(1)  # argmax returns the first maximum: ties -> smallest label
    return out


def predict(
    xq: np.ndarray, xt: np.ndarray, yt: np.ndarray, k: int, metric: str, classes: int
) -> np.ndarray:
    """Majority vote of the ``k`` nearest training points for every query row."""
    return predict_many(xq, xt, yt, [k], metric, classes)[k]


def run(
    ks: tuple = ("1", "5", "15"),
    metrics: tuple = ("l1", "l2", "linf"),
    samples: int = 200,
    grid: int = 150,
    noise: float = 0.3,
    seed: int = 0,
) -> dict[str, Any]:
    """Decision maps on a ``grid x grid`` lattice and validation accuracy per (metric, k)."""
    kk = sorted({int(k) for k in ks})
    if not kk or kk[0] < 1 or kk[-1] > samples:
        raise ValueError(f"knn: every k must be in 1..samples={samples}, got {ks}")
    xt, yt = blobs_moons(samples, noise, seed)
    xv, yv = blobs_moons(4 * samples, noise, seed + 1)
    lo, hi = xt.min(0) - 0.4, xt.max(0) + 0.4
    gx = np.linspace(lo[0], hi[0], grid, dtype=np.float32)
    gy = np.linspace(lo[1], hi[1], grid, dtype=np.float32)
    mesh = np.stack(np.meshgrid(gx, gy, indexing="xy"), -1).reshape(-1, 2)
    maps, acc, train_acc = {}, {}, {}
    for m in metrics:
        on_mesh = predict_many(mesh, xt, yt, kk, m, 3)
        on_val = predict_many(xv, xt, yt, kk, m, 3)
        on_train = predict_many(xt, xt, yt, kk, m, 3)
        for k in kk:
            maps[(m, k)] = on_mesh[k].reshape(grid, grid)
            acc[(m, k)] = float((on_val[k] == yv).mean())
            train_acc[(m, k)] = float((on_train[k] == yt).mean())
    return {
        "ks": kk,
        "metrics": list(metrics),
        "x": xt,
        "y": yt,
        "gx": gx,
        "gy": gy,
        "maps": maps,
        "accuracy": acc,
        "train_accuracy": train_acc,
    }


def summary(r: dict[str, Any]) -> str:
    lines = [f"{'metric':<6} {'k':>4} {'train acc':>9} {'val acc':>8}"]
    for (m, k), a in r["accuracy"].items():
        lines.append(f"{m:<6} {k:4d} {r['train_accuracy'][(m, k)]:9.1%} {a:8.1%}")
    lines.append(
        "k=1 fits the training set exactly (100% train accuracy) and draws ragged "
        "boundaries; larger k smooths them. L1/L_inf boundaries run along axes and "
        "diagonals, L2 boundaries are curved."
    )
    return "\n".join(lines)


def plot(r: dict[str, Any], out_dir: Any) -> list[Path]:
    from matplotlib.colors import ListedColormap

    ms, ks = r["metrics"], r["ks"]
    fig, axes = figure(len(ms), len(ks), width=3.8, height=3.4)
    light = ListedColormap(["#aec7e8", "#ffbb78", "#98df8a"])
    dark = ListedColormap(["#1f77b4", "#ff7f0e", "#2ca02c"])
    ext = (r["gx"][0], r["gx"][-1], r["gy"][0], r["gy"][-1])
    for i, m in enumerate(ms):
        for j, k in enumerate(ks):
            ax = axes[i][j]
            ax.imshow(
                r["maps"][(m, k)],
                origin="lower",
                extent=ext,
                cmap=light,
                vmin=0,
                vmax=2,
                aspect="auto",
                interpolation="nearest",
            )
            ax.scatter(
                r["x"][:, 0],
                r["x"][:, 1],
                c=r["y"],
                cmap=dark,
                vmin=0,
                vmax=2,
                s=10,
                edgecolors="k",
                linewidths=0.3,
            )
            ax.set_title(f"{METRIC_LABELS[m]}, k={k}: val {r['accuracy'][(m, k)]:.0%}", fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.suptitle("k-NN decision regions (rows: distance, columns: k)", fontsize=12)
    return [save_png(fig, out_dir, "knn")]
