"""Regularization: one over-parameterised MLP, eight ways to stop it memorising noise.

The data are two interleaved moons with a share of training labels flipped (the validation
labels are clean, so validation accuracy measures how well the true boundary was learned).
A 2-hidden-layer MLP trained with Adam on this small set fits the flipped labels (training
accuracy -> 100%) while validation accuracy falls: overfitting.  Each method changes one thing:

- ``l2``: loss + ``(lambda/2) sum ||W||^2`` shrinks weights smoothly;
- ``l1``: loss + ``lambda sum |W|`` pushes many weights to exactly zero;
- ``dropout``: hidden units zeroed with probability p while training (inverted scaling);
- ``early_stopping``: keep the weights of the best validation epoch (patience-free restore);
- ``label_smoothing``: targets ``(1 - eps) onehot + eps / C`` stop logits growing without bound;
- ``input_noise``: Gaussian jitter added to inputs at every step;
- ``augmentation``: the moons are symmetric under ``(x, y) -> (1 - x, 0.5 - y)`` with the
  classes swapped, so reflected copies are genuinely new training data.

A third figure shows L2 geometrically: for a 2-weight least-squares model, the penalised
optimum is where a loss contour touches a circle ``||w|| = r``; as ``lambda`` grows it slides
toward the origin.

Example:
    >>> from nablagrad.lab import regularization
    >>> r = regularization(methods=("none", "early_stopping"), epochs=50, hidden=16)
    >>> r["table"]["early_stopping"]["best_epoch"] <= 50
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nablagrad as ng

from ... import nn, optim
from ...backend import np
from ...models import MLP
from ...nn import functional as F
from ..datasets import two_moons
from ..plotting import color, figure, save_png

STRENGTH = {"l2": 1e-2, "l1": 1e-3, "dropout": 0.5, "label_smoothing": 0.2, "input_noise": 0.15}


def _reflect(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The moons' symmetry: point reflection about (0.5, 0.25) swaps the two classes."""
    return np.stack([1 - x[:, 0], 0.5 - x[:, 1]], 1).astype(np.float32), 1 - y


def _copy_state(net: nn.Module) -> dict[str, Any]:
    return {k: v.detach().clone() for k, v in net.state_dict().items()}


def _evaluate(net: MLP, x_all: Any, y_all: np.ndarray, n_train: int) -> tuple[float, ...]:
    """(train loss, train acc, val loss, val acc) from one no-grad forward pass over both sets.

    ``x_all`` holds the training inputs followed by the validation inputs.
    """
    net.eval()
    with ng.no_grad():
        z = net(x_all).numpy().astype(np.float64)
    net.train()
    zmax = z.max(1, keepdims=True)
    logp = z - zmax - np.log(np.exp(z - zmax).sum(1, keepdims=True))
    nll = -logp[np.arange(len(y_all)), y_all]
    hit = z.argmax(1) == y_all
    tr, va = slice(0, n_train), slice(n_train, None)
    return (
        float(nll[tr].mean()),
        float(hit[tr].mean()),
        float(nll[va].mean()),
        float(hit[va].mean()),
    )


def train(
    method: str,
    xt: np.ndarray,
    yt: np.ndarray,
    xv: np.ndarray,
    yv: np.ndarray,
    epochs: int,
    hidden: int,
    seed: int,
    lr: float = 0.01,
) -> dict[str, Any]:
    """Train one MLP with ``method``; returns per-epoch curves and the final model's numbers."""
    if method == "augmentation":
        xa, ya = _reflect(xt, yt)
        xt, yt = np.concatenate([xt, xa]), np.concatenate([yt, ya])
    ng.manual_seed(seed)  # initial weights (nn.Linear) and dropout masks come from it
    net = MLP(
        [2, hidden, hidden, 2],
        activation="relu",
        dropout=STRENGTH["dropout"] if method == "dropout" else 0.0,
    )
    weights = [m.weight for m in net.modules() if isinstance(m, nn.Linear)]  # not the biases
    opt = optim.create("Adam", net.parameters(), lr=lr)
    x, y = ng.tensor(xt), ng.tensor(yt)
    x_all, y_all = ng.tensor(np.concatenate([xt, xv])), np.concatenate([yt, yv])
    gen = np.random.default_rng(seed + 7)
    smoothing = STRENGTH["label_smoothing"] if method == "label_smoothing" else 0.0
    curves = {k: np.empty(epochs) for k in ("train_loss", "val_loss", "train_acc", "val_acc")}
    best = (np.inf, 0, _copy_state(net))
    for epoch in range(epochs):
        inputs = x
        if method == "input_noise":
            jitter = gen.normal(0, STRENGTH["input_noise"], size=xt.shape).astype(np.float32)
            inputs = x + ng.tensor(jitter)
        opt.zero_grad()
        loss = F.cross_entropy(net(inputs), y, label_smoothing=smoothing)
        if method == "l2":
            loss = loss + 0.5 * STRENGTH["l2"] * sum((w * w).sum() for w in weights)
        elif method == "l1":
            loss = loss + STRENGTH["l1"] * sum(w.abs().sum() for w in weights)
        loss.backward()
        opt.step()
        tl, ta, vl, va = _evaluate(net, x_all, y_all, len(yt))
        curves["train_loss"][epoch], curves["train_acc"][epoch] = tl, ta
        curves["val_loss"][epoch], curves["val_acc"][epoch] = vl, va
        if method == "early_stopping" and vl < best[0]:
            best = (vl, epoch, _copy_state(net))
    best_epoch = int(np.argmin(curves["val_loss"]))
    if method == "early_stopping":
        net.load_state_dict(best[2])  # restore the best validation epoch's weights
        best_epoch = best[1]
    tl, ta, vl, va = _evaluate(net, x_all, y_all, len(yt))
    zero = float(np.mean([(np.abs(w.detach().numpy()) < 1e-3).mean() for w in weights]))
    return {
        "curves": curves,
        "train_loss": tl,
        "train_acc": ta,
        "val_loss": vl,
        "val_acc": va,
        "best_epoch": best_epoch,
        "net": net,
        "small_weights": zero,
        "weight_norm": float(np.sqrt(sum((w.detach().numpy() ** 2).sum() for w in weights))),
    }


def l2_geometry(
    lambdas: tuple = (0.0, 3.0, 10.0, 30.0, 100.0), seed: int = 0, steps: int = 400
) -> dict[str, Any]:
    """Ridge solutions of a 2-weight least-squares model, found with nablagrad SGD."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(40, 1))
    x = np.concatenate([a, 0.6 * a + 0.8 * rng.normal(size=(40, 1))], 1)  # correlated features
    y = x @ np.array([2.0, -1.0]) + 0.3 * rng.normal(size=40)
    xt, yt = ng.tensor(x), ng.tensor(y)
    sols = []
    for lam in lambdas:
        w = ng.zeros(2, dtype=ng.float64, requires_grad=True)
        opt = ng.optim.SGD([w], lr=0.2)
        for _ in range(steps):
            opt.zero_grad()
            loss = ((xt @ w - yt) ** 2).mean() + lam * (w * w).sum() / len(y)
            loss.backward()
            opt.step()
        sols.append(w.detach().numpy().copy())
    return {"x": x, "y": y, "lambdas": list(lambdas), "solutions": np.array(sols)}


def run(
    methods: tuple = (
        "none",
        "l2",
        "l1",
        "dropout",
        "early_stopping",
        "label_smoothing",
        "input_noise",
        "augmentation",
    ),
    epochs: int = 300,
    hidden: int = 64,
    samples: int = 60,
    noise: float = 0.2,
    seed: int = 0,
) -> dict[str, Any]:
    """Train one model per method; ``table[method]`` has final/best numbers, ``curves`` too."""
    xt, yt = two_moons(samples, 0.2, seed, flip=noise)
    xv, yv = two_moons(4 * samples, 0.2, seed + 1000)  # clean labels: the true boundary
    table, curves, nets = {}, {}, {}
    for m in methods:
        out = train(m, xt, yt, xv, yv, epochs, hidden, seed)
        curves[m] = out.pop("curves")
        nets[m] = out.pop("net")
        table[m] = out
    lo, hi = np.minimum(xt.min(0), xv.min(0)) - 0.3, np.maximum(xt.max(0), xv.max(0)) + 0.3
    gx, gy = np.linspace(lo[0], hi[0], 120), np.linspace(lo[1], hi[1], 120)
    mesh = ng.tensor(np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2).astype(np.float32))
    regions = {}
    for m, net in nets.items():
        net.training = False
        with ng.no_grad():
            z = net(mesh)
            regions[m] = (z[:, 1] - z[:, 0]).numpy().reshape(120, 120)
    return {
        "methods": list(methods),
        "epochs": epochs,
        "table": table,
        "curves": curves,
        "x": xt,
        "y": yt,
        "xv": xv,
        "yv": yv,
        "gx": gx,
        "gy": gy,
        "regions": regions,
        "noise": noise,
        "l2": l2_geometry(seed=seed),
    }


def summary(r: dict[str, Any]) -> str:
    lines = [
        f"{'method':<16} {'train acc':>9} {'val acc':>8} {'val loss':>9} {'best epoch':>10} "
        f"{'|W|':>7} {'w~0':>5}"
    ]
    for m in r["methods"]:
        t = r["table"][m]
        lines.append(
            f"{m:<16} {t['train_acc']:9.1%} {t['val_acc']:8.1%} {t['val_loss']:9.3f} "
            f"{t['best_epoch']:10d} {t['weight_norm']:7.2f} {t['small_weights']:5.0%}"
        )
    lines.append(
        f"{r['noise']:.0%} of the training labels are flipped: 100% training accuracy "
        "means the noise was memorised; the regularised models keep a smaller gap. "
        "|W| = norm of all weights, w~0 = share of weights below 1e-3 (L1 makes them sparse)"
    )
    return "\n".join(lines)


def plot(r: dict[str, Any], out_dir: Any) -> list[Path]:
    ms = r["methods"]
    ncols = 4 if len(ms) > 4 else len(ms)
    nrows = -(-len(ms) // ncols)
    ep = np.arange(1, r["epochs"] + 1)
    fig, axes = figure(nrows, ncols, width=3.8, height=3.0, sharey=True)
    top = max(max(r["curves"][m]["val_loss"].max(), r["curves"][m]["train_loss"].max()) for m in ms)
    for k, m in enumerate(ms):
        ax = axes[k // ncols][k % ncols]
        c = r["curves"][m]
        ax.plot(ep, c["train_loss"], color=color(0), label="train loss")
        ax.plot(ep, c["val_loss"], color=color(1), label="validation loss")
        ax.axvline(r["table"][m]["best_epoch"] + 1, color="0.5", ls=":", lw=1)
        t = r["table"][m]
        ax.set_title(f"{m}: val acc {t['val_acc']:.0%} (train {t['train_acc']:.0%})", fontsize=9)
        ax.set_ylim(0, min(top, 3.0) * 1.05)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        if k % ncols == 0:
            ax.set_ylabel("cross-entropy")
        if k == 0:
            ax.legend(fontsize=8)
    for k in range(len(ms), nrows * ncols):
        axes[k // ncols][k % ncols].axis("off")
    fig.suptitle("Train vs validation loss (dotted: best validation epoch)", fontsize=12)
    paths = [save_png(fig, out_dir, "regularization_curves")]
    fig, axes = figure(nrows, ncols, width=3.4, height=3.0)
    for k, m in enumerate(ms):
        ax = axes[k // ncols][k % ncols]
        ax.contourf(
            r["gx"], r["gy"], r["regions"][m], levels=[-1e9, 0, 1e9], colors=["#aec7e8", "#ffbb78"]
        )
        ax.contour(r["gx"], r["gy"], r["regions"][m], levels=[0], colors="k", linewidths=1)
        ax.scatter(
            r["x"][:, 0],
            r["x"][:, 1],
            c=r["y"],
            cmap="coolwarm",
            s=14,
            edgecolors="k",
            linewidths=0.4,
        )
        ax.set_title(m, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    for k in range(len(ms), nrows * ncols):
        axes[k // ncols][k % ncols].axis("off")
    fig.suptitle(
        "Decision boundaries on the noisy training set (dots: training labels)", fontsize=12
    )
    paths.append(save_png(fig, out_dir, "regularization_boundaries"))
    paths.append(_plot_l2(r["l2"], out_dir))
    return paths


def _plot_l2(g: dict[str, Any], out_dir: Any) -> Path:
    fig, axes = figure(1, 1, width=6.0, height=5.2)
    ax = axes[0][0]
    x, y = g["x"], g["y"]
    w1, w2 = np.meshgrid(np.linspace(-1, 3, 200), np.linspace(-2.5, 1.5, 200))
    pred = w1[..., None] * x[:, 0] + w2[..., None] * x[:, 1]
    loss = ((pred - y) ** 2).mean(-1)
    ax.contour(
        w1,
        w2,
        loss,
        levels=np.geomspace(loss.min() + 1e-3, loss.max(), 15),
        colors="0.5",
        linewidths=0.7,
    )
    sols = g["solutions"]
    t = np.linspace(0, 2 * np.pi, 200)
    for i, (lam, s) in enumerate(zip(g["lambdas"], sols)):
        rad = np.linalg.norm(s)
        ax.plot(rad * np.cos(t), rad * np.sin(t), color=color(i), lw=1, ls="--")
        ax.plot(*s, "o", color=color(i), ms=8, mec="k", label=f"lambda={lam:g}: |w|={rad:.2f}")
    ax.plot(sols[:, 0], sols[:, 1], "k-", lw=1)
    ax.plot(0, 0, "k+", ms=12)
    ax.set_aspect("equal")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(
        "L2: the penalised optimum is where a loss contour\ntouches a circle |w| = r", fontsize=11
    )
    ax.legend(fontsize=8, loc="lower left")
    return save_png(fig, out_dir, "regularization_l2")
