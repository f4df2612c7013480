"""Universal approximation by towers of steep sigmoids.

1-D: a tower of height ``h`` on ``[a, b)`` is two hidden neurons,
``h * (sigma(k (x - a)) - sigma(k (x - b)))``; summing ``N`` towers (``2N`` neurons) whose heights
are the target at the tower centres gives a staircase that approaches the target as ``N`` grows
(the steepness ``k = sharpness * N`` keeps each step sharp relative to its width).

2-D: a closed tower over ``[a, b) x [c, d)`` uses four neurons,
``s = sigma(k(x-a)) - sigma(k(x-b)) + sigma(k(y-c)) - sigma(k(y-d))``, which is about 2 inside the
square and at most 1 outside; an output sigmoid ``sigma(K (s - 1.5))`` keeps only the inside.

Then an MLP with the same number of hidden neurons is trained (Adam, ``nablagrad.optim``) on the
same target for comparison: training finds a far better use of the neurons than the towers.

Example:
    >>> from nablagrad.lab import towers
    >>> r = towers(counts=(2, 8), mlp_steps=0)
    >>> r["rmse_1d"][1] < r["rmse_1d"][0]
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nablagrad as ng
from nablagrad import Tensor

from ... import optim
from ...backend import np
from ...models import MLP
from ...nn import functional as F
from ..plotting import color, figure, pyplot, save_gif, save_png


def target_1d(x: np.ndarray) -> np.ndarray:
    """f(x) = 0.5 + 0.3 sin(2 pi x) + 0.2 cos(5 pi x) on [0, 1]."""
    return 0.5 + 0.3 * np.sin(2 * np.pi * x) + 0.2 * np.cos(5 * np.pi * x)


def target_2d(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """g(x, y): a Gaussian bump plus a gentle ridge on [0, 1]^2."""
    return np.exp(-((x - 0.4) ** 2 + (y - 0.6) ** 2) / 0.05) + 0.4 * np.sin(np.pi * x) * y


def _edges(n: int) -> np.ndarray:
    e = np.linspace(0.0, 1.0, n + 1)
    e[0], e[-1] = -1.0, 2.0  # the outer towers reach past the domain: no half-height border
    return e


def tower_network_1d(x: Tensor, n: int, sharpness: float) -> Tensor:
    """Sum of ``n`` towers as a literal 1-hidden-layer network with ``2n`` sigmoid neurons.

    Hidden neuron ``j`` is ``sigma(k x - k e_j)``; the output weights are ``+h_i`` on tower ``i``'s
    left edge and ``-h_i`` on its right edge.
    """
    k = sharpness * n
    e = _edges(n)
    centres = (np.linspace(0, 1, n + 1)[:-1] + np.linspace(0, 1, n + 1)[1:]) / 2
    h = target_1d(centres)
    w1 = ng.tensor(np.full((1, 2 * n), k), dtype=ng.float64)
    b1 = ng.tensor(-k * np.concatenate([e[:-1], e[1:]]), dtype=ng.float64)
    w2 = ng.tensor(np.concatenate([h, -h]).reshape(-1, 1), dtype=ng.float64)
    return ng.sigmoid(x @ w1 + b1) @ w2


def tower_network_2d(xy: Tensor, n: int, sharpness: float, out_sharpness: float) -> Tensor:
    """Sum of ``n * n`` closed towers (4 edge neurons + 1 output sigmoid each) at points ``xy``."""
    k = sharpness * n
    e = ng.tensor(_edges(n), dtype=ng.float64)
    sx = ng.sigmoid(k * (xy[:, 0:1] - e))  # (P, n+1): one neuron per vertical edge
    sy = ng.sigmoid(k * (xy[:, 1:2] - e))
    bx = sx[:, :-1] - sx[:, 1:]  # (P, n): in-band indicator for column i
    by = sy[:, :-1] - sy[:, 1:]
    s = bx.unsqueeze(2) + by.unsqueeze(1)  # (P, n, n): about 2 inside square (i, j)
    inside = ng.sigmoid(out_sharpness * (s - 1.5))
    c = (np.arange(n) + 0.5) / n
    heights = ng.tensor(target_2d(c[:, None], c[None, :]), dtype=ng.float64)
    return (inside * heights).sum((1, 2))


def closed_tower(
    xy: Tensor, box: tuple[float, float, float, float], k: float, out_sharpness: float
) -> Tensor:
    """One closed tower over ``[a, b) x [c, d)``: 4 edge neurons and an output sigmoid."""
    a, b, c, d = box
    x, y = xy[:, 0], xy[:, 1]
    s = ng.sigmoid(k * (x - a)) - ng.sigmoid(k * (x - b)) + ng.sigmoid(k * (y - c))
    s = s - ng.sigmoid(k * (y - d))
    return ng.sigmoid(out_sharpness * (s - 1.5))


def run(
    counts: tuple = ("1", "2", "4", "8", "16", "32"),
    sharpness: float = 100.0,
    out_sharpness: float = 30.0,
    points: int = 400,
    grid: int = 50,
    mlp_hidden: int = 16,
    mlp_steps: int = 1500,
    seed: int = 0,
    gif: bool = False,
) -> dict[str, Any]:
    """Tower approximations for every count in ``counts`` (1-D and 2-D) plus a trained MLP.

    Returns RMS errors ``rmse_1d``/``rmse_2d`` per count, the curves/surfaces, and the MLP's fit,
    loss curve and RMS error (``mlp_rmse``) with ``mlp_hidden`` neurons (``mlp_steps=0`` skips it).
    """
    ns = sorted({int(c) for c in counts})
    if not ns or ns[0] < 1:
        raise ValueError(f"towers: counts must be positive integers, got {counts}")
    x = np.linspace(0, 1, points)
    xt = ng.tensor(x.reshape(-1, 1), dtype=ng.float64)
    f = target_1d(x)
    approx_1d, rmse_1d = {}, []
    for n in ns:
        yhat = tower_network_1d(xt, n, sharpness).numpy().reshape(-1)
        approx_1d[n] = yhat
        rmse_1d.append(float(np.sqrt(np.mean((yhat - f) ** 2))))
    g = np.linspace(0, 1, grid)
    gx, gy = np.meshgrid(g, g, indexing="ij")
    xy = ng.tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=ng.float64)
    t2 = target_2d(gx, gy)
    approx_2d, rmse_2d = {}, []
    for n in ns:
        z = tower_network_2d(xy, n, sharpness, out_sharpness).numpy().reshape(grid, grid)
        approx_2d[n] = z
        rmse_2d.append(float(np.sqrt(np.mean((z - t2) ** 2))))
    result: dict[str, Any] = {
        "counts": ns,
        "x": x,
        "target_1d": f,
        "approx_1d": approx_1d,
        "rmse_1d": rmse_1d,
        "grid": g,
        "target_2d": t2,
        "approx_2d": approx_2d,
        "rmse_2d": rmse_2d,
        "sharpness": sharpness,
        "gif": gif,
        "mlp_hidden": mlp_hidden,
        "mlp_steps": mlp_steps,
    }
    if mlp_steps > 0:
        ng.manual_seed(seed)  # nn.Linear draws its initial weights from the global generator
        net = MLP([1, mlp_hidden, 1], activation="sigmoid")
        # inputs standardised to [-3, 3] (as a practitioner would), so sigmoids need no huge
        # weights to bend inside the domain
        xs = ng.tensor(((x - 0.5) * 6).reshape(-1, 1).astype(np.float32))
        ys = ng.tensor(f.reshape(-1, 1).astype(np.float32))
        opt = optim.create("Adam", net.parameters(), lr=0.05)
        losses = []
        for _ in range(mlp_steps):  # full-batch mean squared error
            opt.zero_grad()
            loss = F.mse_loss(net(xs), ys)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        with ng.no_grad():
            fit = net(xs).numpy().reshape(-1)
        result.update(
            mlp_fit=fit,
            mlp_losses=np.array(losses),
            mlp_rmse=float(np.sqrt(np.mean((fit - f) ** 2))),
        )
        # towers with the same neuron budget (2 neurons per tower)
        same = max(mlp_hidden // 2, 1)
        yhat = tower_network_1d(xt, same, sharpness).numpy().reshape(-1)
        result.update(
            same_budget_towers=same,
            same_budget_fit=yhat,
            same_budget_rmse=float(np.sqrt(np.mean((yhat - f) ** 2))),
        )
    return result


def summary(r: dict[str, Any]) -> str:
    lines = [
        f"{'towers':>6} {'neurons 1-D':>11} {'RMSE 1-D':>9} {'neurons 2-D':>11} {'RMSE 2-D':>9}"
    ]
    for n, e1, e2 in zip(r["counts"], r["rmse_1d"], r["rmse_2d"]):
        lines.append(f"{n:6d} {2 * n:11d} {e1:9.4f} {5 * n * n:11d} {e2:9.4f}")
    lines.append(
        "more towers -> smaller error: any continuous function can be approximated "
        "(universal approximation)"
    )
    if "mlp_rmse" in r:
        lines.append(
            f"trained MLP, {r['mlp_hidden']} sigmoid neurons, {r['mlp_steps']} Adam steps: "
            f"RMSE {r['mlp_rmse']:.4f} vs {r['same_budget_towers']} hand-built towers "
            f"(same {2 * r['same_budget_towers']} neurons): {r['same_budget_rmse']:.4f}"
        )
    return "\n".join(lines)


def plot(r: dict[str, Any], out_dir: Any) -> list[Path]:
    paths = []
    ns, x = r["counts"], r["x"]
    # 1-D: one tower from two sigmoids, approximations, error curve
    fig, axes = figure(1, 3, width=5.0, height=4.0)
    ax = axes[0][0]
    k = 40.0
    s1, s2 = 1 / (1 + np.exp(-k * (x - 0.3))), 1 / (1 + np.exp(-k * (x - 0.6)))
    ax.plot(x, s1, color=color(0), label=r"$\sigma(k(x-0.3))$")
    ax.plot(x, -s2, color=color(1), label=r"$-\sigma(k(x-0.6))$")
    ax.plot(x, s1 - s2, color="k", lw=2.5, label="sum = one tower")
    ax.set_title("A tower = 2 steep sigmoid neurons")
    ax.set_xlabel("x")
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    ax = axes[0][1]
    ax.plot(x, r["target_1d"], color="k", lw=2.5, label="target f(x)")
    show = ns if len(ns) <= 4 else [ns[0], ns[len(ns) // 3], ns[2 * len(ns) // 3], ns[-1]]
    for i, n in enumerate(show):
        ax.plot(
            x,
            r["approx_1d"][n],
            color=color(i + 1),
            lw=1.3,
            label=f"{n} tower{'s' if n > 1 else ''}",
        )
    ax.set_title("Sum of towers approximates f")
    ax.set_xlabel("x")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    ax = axes[0][2]
    ax.loglog(ns, r["rmse_1d"], "o-", color=color(0), label="1-D (2 neurons/tower)")
    ax.loglog(ns, r["rmse_2d"], "s-", color=color(1), label="2-D (5 neurons/tower)")
    if "mlp_rmse" in r:
        ax.axhline(
            r["mlp_rmse"],
            color=color(2),
            ls="--",
            label=f"trained MLP, {r['mlp_hidden']} neurons (1-D)",
        )
    ax.set_xlabel("towers per axis")
    ax.set_ylabel("RMS error")
    ax.set_title("Error falls as towers are added")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    paths.append(save_png(fig, out_dir, "towers_1d"))
    # 2-D: target, one closed tower, the approximation with the most towers
    g = r["grid"]
    fig, axes = figure(1, 4, width=4.3, height=4.0)
    n = ns[-1]
    mid = ns[len(ns) // 2]
    ext = (0, 1, 0, 1)
    vmin, vmax = r["target_2d"].min(), r["target_2d"].max()
    pts = ng.tensor(np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2), dtype=ng.float64)
    one = closed_tower(pts, (0.3, 0.6, 0.35, 0.75), 60.0, 30.0).numpy().reshape(len(g), len(g))
    panels = [
        (r["target_2d"], "target g(x, y)"),
        (one, "one closed tower (4 + 1 neurons)"),
        (r["approx_2d"][mid], f"{mid}x{mid} towers, RMSE {r['rmse_2d'][ns.index(mid)]:.3f}"),
        (r["approx_2d"][n], f"{n}x{n} towers, RMSE {r['rmse_2d'][-1]:.3f}"),
    ]
    for ax, (z, title) in zip(axes[0], panels):
        im = ax.imshow(
            z.T,
            origin="lower",
            extent=ext,
            cmap="viridis",
            vmin=None if "one" in title else vmin,
            vmax=None if "one" in title else vmax,
        )
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        fig.colorbar(im, ax=ax, fraction=0.046)
    paths.append(save_png(fig, out_dir, "towers_2d"))
    if "mlp_rmse" in r:
        fig, axes = figure(1, 2, width=5.0, height=4.0)
        ax = axes[0][0]
        ax.plot(x, r["target_1d"], color="k", lw=2.5, label="target")
        ax.plot(
            x,
            r["same_budget_fit"],
            color=color(1),
            label=f"{r['same_budget_towers']} towers (hand-built)",
        )
        ax.plot(x, r["mlp_fit"], color=color(2), lw=2, label=f"trained MLP ({r['mlp_hidden']})")
        ax.set_title(f"Same budget: {r['mlp_hidden']} sigmoid neurons")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        ax = axes[0][1]
        ax.semilogy(np.arange(1, len(r["mlp_losses"]) + 1), r["mlp_losses"], color=color(2))
        ax.axhline(r["same_budget_rmse"] ** 2, color=color(1), ls="--", label="towers' MSE")
        ax.set_xlabel("Adam step")
        ax.set_ylabel("training MSE")
        ax.set_title("MLP training loss")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, which="both")
        paths.append(save_png(fig, out_dir, "towers_vs_mlp"))
    if r.get("gif"):
        paths.append(_gif(r, out_dir))
    return paths


def _gif(r: dict[str, Any], out_dir: Any) -> Path:
    """One frame per tower count: the staircase closing in on the target."""
    from matplotlib.animation import FuncAnimation

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    x = r["x"]
    ax.plot(x, r["target_1d"], color="k", lw=2.5, label="target f(x)")
    (line,) = ax.plot([], [], color=color(1), lw=1.8, label="sum of towers")
    ax.set_ylim(r["target_1d"].min() - 0.15, r["target_1d"].max() + 0.15)
    ax.set_xlim(0, 1)
    ax.set_xlabel("x")
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)
    title = ax.set_title("")

    def draw(k: int) -> list:
        n = r["counts"][k]
        line.set_data(x, r["approx_1d"][n])
        title.set_text(
            f"{n} tower{'s' if n > 1 else ''} = {2 * n} neurons: RMSE {r['rmse_1d'][k]:.3f}"
        )
        return [line, title]

    anim = FuncAnimation(fig, draw, frames=len(r["counts"]), blit=False)
    return save_gif(anim, fig, out_dir, "towers", fps=1)
