"""Bagging: bootstrap replicas of a small MLP against a single model.

``nablagrad.ensemble.Bagging`` trains ``M`` copies of the same ``2 -> h -> 2`` tanh MLP
(``models.MLP``), each with ``fit`` (Adam, full batch) on a bootstrap resample of the training
set (``n`` draws with replacement, so about 63% distinct points); the ensemble predicts the
average of the members' class probabilities, ``p(c | x) = (1/M) sum_m softmax(f_m(x))_c``.
Averaging cancels the members' independent errors: the variance of the average of ``M``
predictions with variance ``s^2`` and correlation ``rho`` is ``rho s^2 + (1 - rho) s^2 / M``.
The single model is trained the same way on the full training set.  The points each member
did not see give the out-of-bag accuracy, an estimate of the validation accuracy that uses no
held-out data.

Example:
    >>> from nablagrad.lab import ensembles
    >>> r = ensembles(members=3, epochs=20, samples=40)
    >>> len(r["ensemble_acc"])
    3
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from ... import optim
from ...autograd.grad_mode import no_grad
from ...backend import np
from ...creation import tensor
from ...ensemble import Bagging
from ...models import MLP
from ...nn import CrossEntropyLoss
from ...ops.elementwise import sigmoid
from ...random import manual_seed
from ...train.loop import fit
from ..datasets import two_moons
from ..plotting import color, figure, save_png


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
    bag = Bagging(lambda: MLP([2, hidden, 2], activation="tanh"), members, voting="soft",
                  seed=seed)  # fmt: skip
    with warnings.catch_warnings():  # points seen by every member: counted in oob_points
        warnings.simplefilter("ignore", UserWarning)
        bag.fit(xt, yt, epochs=epochs, batch_size=samples, lr=lr)
    manual_seed(seed + members)
    single = MLP([2, hidden, 2], activation="tanh")
    opt = optim.create("Adam", single.parameters(), lr=lr)
    fit(single, (xt, yt), None, CrossEntropyLoss(), opt, epochs, batch_size=samples,
        progress=False)  # fmt: skip
    member_p = bag.member_proba(xv)[..., 1]  # (members, n) probabilities of class 1
    single_p = _proba1(single, xv)
    acc_members = ((member_p > 0.5) == yv).mean(1)
    ens_acc = [float(((member_p[:m].mean(0) > 0.5) == yv).mean()) for m in range(1, members + 1)]
    lo, hi = xv.min(0) - 0.3, xv.max(0) + 0.3
    gx, gy = np.linspace(lo[0], hi[0], 100), np.linspace(lo[1], hi[1], 100)
    mesh = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2).astype(np.float32)
    pg = bag.member_proba(mesh)[..., 1]
    pg_single = _proba1(single, mesh)
    ens_p = member_p.mean(0)
    return {
        "members": members,
        "member_acc": acc_members,
        "ensemble_acc": ens_acc,
        "single_acc": float(((single_p > 0.5) == yv).mean()),
        "oob_acc": bag.oob_score_,
        "oob_points": int((bag.oob_prediction_ >= 0).sum()),
        "disagreement": bag.disagreement(xv),
        "spread": float(member_p.std(0).mean()),  # mean over points of the members' std
        "single_nll": float(-np.mean(np.log(np.where(yv == 1, single_p, 1 - single_p) + 1e-12))),
        "ensemble_nll": float(-np.mean(np.log(np.where(yv == 1, ens_p, 1 - ens_p) + 1e-12))),
        "x": xt,
        "y": yt,
        "gx": gx,
        "gy": gy,
        "grid_single": pg_single.reshape(100, 100),
        "grid_ensemble": pg.mean(0).reshape(100, 100),
        "grid_std": pg.std(0).reshape(100, 100),
    }


def _proba1(model: Any, x: np.ndarray) -> np.ndarray:
    """The probability of class 1 (softmax over two logits) at points ``x``."""
    with no_grad():
        z = model(tensor(x))
        return sigmoid(z[:, 1] - z[:, 0]).numpy()


def summary(r: dict[str, Any]) -> str:
    ma = r["member_acc"]
    return "\n".join(
        [
            f"single model (all data):     accuracy {r['single_acc']:.1%}, "
            f"NLL {r['single_nll']:.3f}",
            f"bagged members (each alone): accuracy {ma.mean():.1%} +- {ma.std():.1%}",
            f"bagging ensemble of {r['members']}:      accuracy {r['ensemble_acc'][-1]:.1%}, NLL "
            f"{r['ensemble_nll']:.3f}",
            f"out-of-bag accuracy (each training point voted on by the members that did not "
            f"see it, {r['oob_points']} points): {r['oob_acc']:.1%}",
            f"members' predictions disagree: mean std of p(class 1) = {r['spread']:.3f}, "
            f"{r['disagreement']:.1%} of member pairs' labels differ",
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
