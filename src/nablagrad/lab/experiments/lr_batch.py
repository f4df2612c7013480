"""Batch size and learning rate: the linear scaling rule for minibatch SGD.

A noisy linear regression ``y = x . w* + noise`` (20 features) is trained for a fixed number of
epochs with plain SGD for every (batch size, learning rate) pair; the heat map shows the final
full-data loss.  With ``N / B`` steps per epoch, a larger batch takes fewer steps, so it needs a
proportionally larger step, ``lr ~ B`` (the "linear scaling rule"), until ``lr`` reaches the
stability limit ``2 / lambda_max`` of the loss's Hessian, where every batch size diverges.

All learning rates train together: one model per rate stacked in one tensor, each in its own
``nablagrad.optim.SGD`` parameter group with its own ``lr``, all seeing the same minibatches.

Example:
    >>> from nablagrad.lab import lr_batch
    >>> r = lr_batch(batch_sizes=("8", "64"), lrs=("0.01", "0.1"), epochs=1)
    >>> r["loss"].shape
    (2, 2)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nablagrad as ng

from ...backend import np
from ..plotting import figure, save_png

FEATURES = 20


def make_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Features with scales from 0.3 to 1.5 (condition number 25), noise std 0.5."""
    rng = np.random.default_rng(seed)
    scales = np.linspace(0.3, 1.5, FEATURES)
    x = (rng.normal(size=(n, FEATURES)) * scales).astype(np.float32)
    w = rng.normal(size=FEATURES)
    y = (x @ w + 0.5 * rng.normal(size=n)).astype(np.float32)
    return x, y, 0.25


def train(
    x: np.ndarray, y: np.ndarray, batch: int, lrs: list[float], epochs: int, seed: int
) -> np.ndarray:
    """Final full-data MSE for every learning rate (one stacked model per rate)."""
    n = len(x)
    ws = [ng.zeros(FEATURES, requires_grad=True) for _ in lrs]  # one weight vector per rate
    opt = ng.optim.SGD([{"params": [wi], "lr": lr} for wi, lr in zip(ws, lrs)], lr=lrs[0])
    xt, yt = ng.tensor(x), ng.tensor(y)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(n)
        for s in range(0, n - batch + 1, batch):  # drop the last partial batch
            idx = ng.tensor(order[s : s + batch])
            xb, yb = xt[idx], yt[idx]
            opt.zero_grad()
            w = ng.stack(ws, 1)  # (features, L)
            loss = ((xb @ w - yb.unsqueeze(1)) ** 2).mean(0).sum()
            loss.backward()
            opt.step()
    with ng.no_grad():
        final = ((xt @ ng.stack(ws, 1) - yt.unsqueeze(1)) ** 2).mean(0).numpy()
    return np.where(np.isfinite(final), final, np.inf)


def run(
    batch_sizes: tuple = ("4", "8", "16", "32", "64", "128"),
    lrs: tuple = ("0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5"),
    epochs: int = 3,
    samples: int = 1024,
    seed: int = 0,
) -> dict[str, Any]:
    """Grid of final losses ``loss[i, j]`` for ``batch_sizes[i]`` and ``lrs[j]``."""
    bs = sorted({int(b) for b in batch_sizes})
    lr = sorted({float(v) for v in lrs})
    if not bs or bs[0] < 1 or bs[-1] > samples:
        raise ValueError(
            f"lr-batch: batch sizes must be in 1..samples={samples}, got {batch_sizes}"
        )
    if not lr or lr[0] <= 0:
        raise ValueError(f"lr-batch: learning rates must be positive, got {lrs}")
    x, y, floor = make_data(samples, seed)
    with np.errstate(over="ignore", invalid="ignore"):
        loss = np.stack([train(x, y, b, lr, epochs, seed) for b in bs])
    best = [lr[int(np.argmin(row))] for row in loss]
    hess = 2 * x.T.astype(np.float64) @ x / len(x)
    return {
        "batch_sizes": bs,
        "lrs": lr,
        "loss": loss,
        "best_lr": best,
        "epochs": epochs,
        "noise_floor": floor,
        "stability_lr": float(2 / np.linalg.eigvalsh(hess).max()),
        "samples": samples,
    }


def summary(r: dict[str, Any]) -> str:
    lines = [
        f"final MSE after {r['epochs']} epochs of SGD (noise floor {r['noise_floor']}); "
        "rows: batch size, columns: learning rate",
        "batch " + " ".join(f"{v:>8g}" for v in r["lrs"]) + "   best lr",
    ]
    for b, row, best in zip(r["batch_sizes"], r["loss"], r["best_lr"]):
        cells = " ".join(f"{v:8.3g}" if np.isfinite(v) and v < 1e6 else f"{'div':>8}" for v in row)
        lines.append(f"{b:5d} {cells}   {best:g}")
    lines.append(
        f"the best learning rate grows with the batch size (linear scaling) until the "
        f"stability limit 2/lambda_max = {r['stability_lr']:.3g}"
    )
    return "\n".join(lines)


def plot(r: dict[str, Any], out_dir: Any) -> list[Path]:
    from matplotlib.colors import LogNorm

    fig, axes = figure(1, 2, width=6.0, height=4.6)
    ax = axes[0][0]
    loss = r["loss"]
    shown = np.clip(np.where(np.isfinite(loss), loss, 100.0), r["noise_floor"] * 0.9, 100.0)
    im = ax.imshow(
        shown,
        cmap="viridis_r",
        norm=LogNorm(vmin=r["noise_floor"] * 0.9, vmax=100),
        aspect="auto",
        origin="lower",
    )
    for i in range(len(r["batch_sizes"])):
        for j in range(len(r["lrs"])):
            v = loss[i, j]
            txt = "div" if not np.isfinite(v) or v > 1e6 else f"{v:.2g}"
            ax.text(
                j,
                i,
                txt,
                ha="center",
                va="center",
                fontsize=7,
                color="w" if not np.isfinite(v) or v > 3 else "k",
            )
    best_j = [r["lrs"].index(b) for b in r["best_lr"]]
    ax.plot(best_j, range(len(best_j)), "s", mfc="none", mec="r", ms=24, mew=2)
    ax.set_xticks(range(len(r["lrs"])), [f"{v:g}" for v in r["lrs"]], rotation=45)
    ax.set_yticks(range(len(r["batch_sizes"])), [str(b) for b in r["batch_sizes"]])
    ax.set_xlabel("learning rate")
    ax.set_ylabel("batch size")
    ax.set_title(
        f"Final MSE after {r['epochs']} epochs (red box: best lr per batch size)", fontsize=10
    )
    fig.colorbar(im, ax=ax, label="final MSE (log)")
    ax = axes[0][1]
    b = np.array(r["batch_sizes"], float)
    ax.loglog(b, r["best_lr"], "o-", color="C3", label="best lr (grid)")
    ref = r["best_lr"][0] * b / b[0]
    ax.loglog(b, ref, "k--", lw=1, label="linear scaling lr ~ B")
    ax.axhline(r["stability_lr"], color="0.5", ls=":", label="stability limit 2/lambda_max")
    ax.set_xticks(b, [str(int(v)) for v in b])
    ax.minorticks_off()
    ax.set_xlabel("batch size")
    ax.set_ylabel("learning rate")
    ax.set_title("Best learning rate vs batch size")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return [save_png(fig, out_dir, "lr_batch")]
