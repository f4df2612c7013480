"""Bagging: bootstrap replicas of a small MLP against a single model.

Each of ``M`` members is the same ``2 -> h -> 2`` tanh MLP trained (Adam, full batch) on a
bootstrap resample of the training set (``n`` draws with replacement, so about 63% distinct
points); the ensemble predicts the average of the members' class probabilities,
``p(c | x) = (1/M) sum_m softmax(f_m(x))_c``.  Averaging cancels the members' independent errors:
the variance of the average of ``M`` predictions with variance ``s^2`` and correlation ``rho``
is ``rho s^2 + (1 - rho) s^2 / M``.  The single model is trained on the full training set.

All members (and the single model) train together as one batched model (``_mlp.BatchedMLP``).

Example:
    >>> from nablagrad.lab import ensembles
    >>> r = ensembles(members=3, epochs=20, samples=40)
    >>> len(r["ensemble_acc"])
    3
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nablagrad as ng

from ... import optim
from ...backend import np
from .._mlp import BatchedMLP
from ..datasets import two_moons
from ..plotting import color, figure, save_png


def _probs(net: BatchedMLP, x: np.ndarray, models: int) -> np.ndarray:
    """Class-1 probabilities (models, n) of every model at points ``x``."""
    xs = ng.tensor(np.broadcast_to(x, (models, *x.shape)).copy())
    with ng.no_grad():
        z = net(xs)
        return ng.sigmoid(z[..., 1] - z[..., 0]).numpy()  # softmax over two classes


def run(
    members: int = 10,
    hidden: int = 32,
    epochs: int = 300,
    samples: int = 100,
    seed: int = 0,
    noise: float = 0.15,
    lr: float = 0.02,
) -> dict[str, Any]:
    """Accuracy of ensembles of the first 1..M members, member spread, single-model numbers."""
    xt, yt = two_moons(samples, 0.25, seed, flip=noise)
    xv, yv = two_moons(1000, 0.25, seed + 1000)
    rng = np.random.default_rng(seed)
    boot = [rng.integers(0, samples, samples) for _ in range(members)]
    boot.append(np.arange(samples))  # the last model: the single model on all the data
    models = members + 1
    net = BatchedMLP(models, 2, [hidden] * models, 2, act="tanh", seed=seed)
    x = ng.tensor(np.stack([xt[b] for b in boot]))
    onehot = ng.tensor(np.eye(2, dtype=np.float32)[np.stack([yt[b] for b in boot])])
    opt = optim.create("Adam", net.params, lr=lr)
    for _ in range(epochs):
        opt.zero_grad()
        z = net(x)
        logp = z - ng.logsumexp(z, -1, keepdim=True)
        (-(onehot * logp).sum(-1).mean(-1)).sum().backward()  # sum of per-model CE losses
        opt.step()
    pv = _probs(net, xv, models)
    member_p, single_p = pv[:members], pv[members]
    acc_members = ((member_p > 0.5) == yv).mean(1)
    ens_acc = [float(((member_p[:m].mean(0) > 0.5) == yv).mean()) for m in range(1, members + 1)]
    lo, hi = xv.min(0) - 0.3, xv.max(0) + 0.3
    gx, gy = np.linspace(lo[0], hi[0], 100), np.linspace(lo[1], hi[1], 100)
    mesh = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2).astype(np.float32)
    pg = _probs(net, mesh, models)
    return {
        "members": members,
        "member_acc": acc_members,
        "ensemble_acc": ens_acc,
        "single_acc": float(((single_p > 0.5) == yv).mean()),
        "spread": float(member_p.std(0).mean()),  # mean over points of the members' std
        "single_nll": float(-np.mean(np.log(np.where(yv == 1, single_p, 1 - single_p) + 1e-12))),
        "ensemble_nll": float(
            -np.mean(np.log(np.where(yv == 1, member_p.mean(0), 1 - member_p.mean(0)) + 1e-12))
        ),
        "x": xt,
        "y": yt,
        "gx": gx,
        "gy": gy,
        "grid_single": pg[members].reshape(100, 100),
        "grid_ensemble": pg[:members].mean(0).reshape(100, 100),
        "grid_std": pg[:members].std(0).reshape(100, 100),
    }


def summary(r: dict[str, Any]) -> str:
    ma = r["member_acc"]
    return "\n".join(
        [
            f"single model (all data):     accuracy {r['single_acc']:.1%}, "
            f"NLL {r['single_nll']:.3f}",
            f"bagged members (each alone): accuracy {ma.mean():.1%} +- {ma.std():.1%}",
            f"bagging ensemble of {r['members']}:      accuracy {r['ensemble_acc'][-1]:.1%}, NLL "
            f"{r['ensemble_nll']:.3f}",
            f"members' predictions disagree: mean std of p(class 1) = {r['spread']:.3f}",
            "accuracy vs ensemble size: " + " ".join(f"{a:.1%}" for a in r["ensemble_acc"]),
            "averaging cancels the members' independent errors: the ensemble beats its average "
            "member and is better calibrated (lower NLL)",
        ]
    )


def plot(r: dict[str, Any], out_dir: Any) -> list[Path]:
    fig, axes = figure(1, 4, width=4.0, height=3.6)
    panels = [
        ("grid_single", f"single model: {r['single_acc']:.1%}", "RdBu_r", (0, 1)),
        (
            "grid_ensemble",
            f"ensemble of {r['members']}: {r['ensemble_acc'][-1]:.1%}",
            "RdBu_r",
            (0, 1),
        ),
        ("grid_std", "members' disagreement (std of p)", "magma", (0, None)),
    ]
    for ax, (key, title, cmap, (vmin, vmax)) in zip(axes[0], panels):
        im = ax.contourf(r["gx"], r["gy"], r[key], levels=20, cmap=cmap, vmin=vmin, vmax=vmax)
        if key != "grid_std":
            ax.contour(r["gx"], r["gy"], r[key], levels=[0.5], colors="k", linewidths=1.2)
        ax.scatter(
            r["x"][:, 0],
            r["x"][:, 1],
            c=r["y"],
            cmap="coolwarm",
            s=10,
            edgecolors="k",
            linewidths=0.3,
        )
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        fig.colorbar(im, ax=ax, fraction=0.046)
    ax = axes[0][3]
    m = np.arange(1, r["members"] + 1)
    ax.plot(m, r["ensemble_acc"], "o-", color=color(0), label="bagging ensemble of first m")
    ax.axhline(r["single_acc"], color=color(1), ls="--", label="single model")
    ax.axhline(r["member_acc"].mean(), color="0.5", ls=":", label="average member")
    ax.set_xlabel("members m")
    ax.set_ylabel("validation accuracy")
    ax.set_title("Accuracy vs ensemble size")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return [save_png(fig, out_dir, "ensembles")]
