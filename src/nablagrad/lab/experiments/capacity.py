"""Model capacity and the bias-variance trade-off on a 1-D regression.

Data: ``y = sin(2 pi x) + noise`` with few training points.  Two capacity knobs:

- polynomial degree ``d``: least squares on the Legendre basis (well conditioned up to high
  degree), ``min_c sum_i (sum_k c_k P_k(2 x_i - 1) - y_i)^2``;
- hidden units ``h`` of a ``1 -> h -> 1`` tanh MLP trained with Adam (``nablagrad.optim``); all
  sizes and seeds train at once as one batched model (``_mlp.BatchedMLP``).

Training error falls as capacity grows; validation error first falls (less bias) and then
rises (more variance: the model fits the noise).  Errors are averaged over data seeds.

Example:
    >>> from nablagrad.lab import capacity
    >>> r = capacity(sizes=("2",), degrees=("1", "3"), seeds=2, steps=10)
    >>> bool(r["poly_train"][1] < r["poly_train"][0])
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nablagrad as ng

from ... import optim
from ...backend import np
from .._mlp import BatchedMLP
from ..datasets import regression_1d
from ..plotting import color, figure, save_png


def poly_fit(x: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """Least-squares Legendre coefficients of ``degree`` on x in [0, 1]."""
    v = np.polynomial.legendre.legvander(2 * x.astype(np.float64) - 1, degree)
    return np.linalg.lstsq(v, y.astype(np.float64), rcond=None)[0]


def poly_eval(coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.polynomial.legendre.legval(2 * x.astype(np.float64) - 1, coef)


def run(
    sizes: tuple = ("1", "2", "4", "8", "16", "64"),
    degrees: tuple = tuple(str(d) for d in range(16)),
    samples: int = 20,
    seeds: int = 4,
    steps: int = 2000,
    noise: float = 0.3,
    val_samples: int = 500,
) -> dict[str, Any]:
    """Train/validation MSE per polynomial degree and per hidden size, averaged over seeds."""
    hs = sorted({int(s) for s in sizes})
    ds = sorted({int(d) for d in degrees})
    if hs and hs[0] < 1 or ds and ds[0] < 0:
        raise ValueError("capacity: sizes must be >= 1 and degrees >= 0")
    data = [regression_1d(samples, noise, s) for s in range(seeds)]
    vals = [regression_1d(val_samples, noise, 10_000 + s) for s in range(seeds)]
    pt, pv = np.zeros((seeds, len(ds))), np.zeros((seeds, len(ds)))
    for s, ((x, y), (xv, yv)) in enumerate(zip(data, vals)):
        for j, d in enumerate(ds):
            c = poly_fit(x, y, d)
            pt[s, j] = np.mean((poly_eval(c, x) - y) ** 2)
            pv[s, j] = np.mean((poly_eval(c, xv) - yv) ** 2)
    result: dict[str, Any] = {
        "degrees": ds,
        "poly_train": pt.mean(0),
        "poly_val": pv.mean(0),
        "sizes": hs,
        "noise": noise,
        "samples": samples,
        "seeds": seeds,
        "steps": steps,
        "example": (data[0], {d: poly_fit(*data[0], d) for d in ds}),
    }
    if hs:
        widths = [h for h in hs for _ in range(seeds)]  # model index = size-major, seed-minor
        net = BatchedMLP(len(widths), 1, widths, 1, act="tanh", seed=0)
        scale = lambda a: (2 * a - 1).reshape(1, -1, 1)  # noqa: E731 - inputs to [-1, 1]
        xs = ng.tensor(np.concatenate([scale(data[i % seeds][0]) for i in range(len(widths))]))
        ys = ng.tensor(np.stack([data[i % seeds][1] for i in range(len(widths))])[..., None])
        xv = ng.tensor(np.concatenate([scale(vals[i % seeds][0]) for i in range(len(widths))]))
        yv = ng.tensor(np.stack([vals[i % seeds][1] for i in range(len(widths))])[..., None])
        opt = optim.create("Adam", net.params, lr=0.01)
        for _ in range(steps):
            opt.zero_grad()
            per_model = ((net(xs) - ys) ** 2).mean((1, 2))
            per_model.sum().backward()
            opt.step()
        with ng.no_grad():
            tr = ((net(xs) - ys) ** 2).mean((1, 2)).numpy().reshape(len(hs), seeds)
            va = ((net(xv) - yv) ** 2).mean((1, 2)).numpy().reshape(len(hs), seeds)
            grid = np.linspace(0, 1, 200, dtype=np.float32)
            g = ng.tensor(np.broadcast_to(scale(grid), (len(widths), 200, 1)).copy())
            curves = net(g).numpy()[::seeds, :, 0]  # seed 0 of every size
        result.update(mlp_train=tr.mean(1), mlp_val=va.mean(1), mlp_grid=grid, mlp_curves=curves)
    return result


def summary(r: dict[str, Any]) -> str:
    lines = [
        f"{r['samples']} training points, noise std {r['noise']} (irreducible MSE "
        f"{r['noise'] ** 2:.3f}), averaged over {r['seeds']} seeds",
        f"{'degree':>6} {'train MSE':>10} {'val MSE':>10}",
    ]
    for d, t, v in zip(r["degrees"], r["poly_train"], r["poly_val"]):
        lines.append(f"{d:6d} {t:10.4f} {v:10.4f}")
    if r["degrees"]:
        best = r["degrees"][int(np.argmin(r["poly_val"]))]
        lines.append(f"best polynomial degree by validation: {best}")
    if "mlp_train" in r:
        lines.append(f"{'hidden':>6} {'train MSE':>10} {'val MSE':>10}   ({r['steps']} Adam steps)")
        for h, t, v in zip(r["sizes"], r["mlp_train"], r["mlp_val"]):
            lines.append(f"{h:6d} {t:10.4f} {v:10.4f}")
    lines.append(
        "training error falls with capacity; validation error falls, then rises "
        "(underfitting -> overfitting)"
    )
    return "\n".join(lines)


def plot(r: dict[str, Any], out_dir: Any) -> list[Path]:
    from matplotlib.ticker import NullLocator

    fig, axes = figure(1, 3, width=4.8, height=4.0)
    ax = axes[0][0]
    (x, y), coefs = r["example"]
    grid = np.linspace(0, 1, 300)
    ax.scatter(x, y, color="k", s=18, zorder=3, label="training data")
    ax.plot(grid, np.sin(2 * np.pi * grid), color="k", ls=":", label="truth sin(2 pi x)")
    ds = r["degrees"]
    pick = [d for d in (1, 3, max(ds)) if d in coefs] or ds[:3]
    for i, d in enumerate(pick):
        ax.plot(grid, poly_eval(coefs[d], grid), color=color(i), label=f"degree {d}")
    ax.set_ylim(-2, 2)
    ax.set_title("Polynomial fits (seed 0)")
    ax.set_xlabel("x")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax = axes[0][1]
    ax.semilogy(ds, r["poly_train"], "o-", color=color(0), label="training MSE")
    ax.semilogy(ds, r["poly_val"], "s-", color=color(1), label="validation MSE")
    ax.axhline(r["noise"] ** 2, color="0.5", ls=":", label="noise floor")
    ax.set_ylim(top=min(ax.get_ylim()[1], 10.0))  # high degrees explode between the points
    ax.set_xlabel("polynomial degree")
    ax.set_ylabel("MSE (log; clipped at 10)")
    ax.set_title("Capacity: polynomial degree")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    ax = axes[0][2]
    if "mlp_train" in r:
        ax.semilogx(r["sizes"], r["mlp_train"], "o-", color=color(0), label="training MSE")
        ax.semilogx(r["sizes"], r["mlp_val"], "s-", color=color(1), label="validation MSE")
        ax.axhline(r["noise"] ** 2, color="0.5", ls=":", label="noise floor")
        ax.set_yscale("log")
        ax.set_xticks(r["sizes"], [str(h) for h in r["sizes"]])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_ylabel("MSE (log)")
        ax.set_xlabel("hidden units")
        ax.set_title(f"Capacity: MLP width ({r['steps']} Adam steps)")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, which="both")
    else:
        ax.axis("off")
    fig.suptitle(
        f"Bias-variance: {r['samples']} noisy points, mean over {r['seeds']} seeds", fontsize=12
    )
    return [save_png(fig, out_dir, "capacity")]
