"""The optimizer race on 2-D loss surfaces, with the real ``nablagrad.optim`` classes.

Every optimizer moves the same 2-parameter tensor ``p = (x, y)`` from the same start for the
same number of steps: ``loss = f(p); loss.backward(); opt.step()``.  The surfaces:

- ``bowl``: elongated quadratic ``f = 0.5 (x^2 + 25 y^2)``, condition number 25: a step small
  enough for the steep y direction makes plain SGD crawl along the shallow x direction;
  momentum builds up speed along the valley (and overshoots across it);
- ``rosenbrock``: ``(1 - x)^2 + 100 (y - x^2)^2``, a curved flat valley, minimum (1, 1);
- ``saddle``: ``x^2 - y^2 + y^4 / 2``, a saddle at the origin and minima at (0, +-1); starting
  almost on the ridge, methods differ in how fast they escape;
- ``beale``: ``(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2``, minimum (3, 0.5),
  with steep walls where large raw gradients throw SGD around.

Example:
    >>> from nablagrad.lab import optimizers
    >>> r = optimizers(surface="bowl", steps=100, optimizers=("SGD", "Momentum"))
    >>> r["steps_to_tol"]            # SGD has not reached f - f* < 1e-3 in 100 steps
    {'SGD': None, 'Momentum': 66}
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import nablagrad as ng
from nablagrad import Tensor

from ...backend import np
from ..plotting import color, figure, pyplot, save_gif, save_png


def _bowl(x: Any, y: Any) -> Any:
    return 0.5 * (x * x + 25 * y * y)


def _rosenbrock(x: Any, y: Any) -> Any:
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _saddle(x: Any, y: Any) -> Any:
    return x * x - y * y + 0.5 * y**4


def _beale(x: Any, y: Any) -> Any:
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y**3) ** 2


# name -> (f, start, minimum, f_min, plot window (x0, x1, y0, y1))
SURFACES: dict[str, tuple[Callable, tuple, tuple, float, tuple]] = {
    "bowl": (_bowl, (-4.0, 1.5), (0.0, 0.0), 0.0, (-4.5, 1.5, -2.0, 2.0)),
    "rosenbrock": (_rosenbrock, (-1.2, 1.0), (1.0, 1.0), 0.0, (-1.6, 1.6, -0.6, 1.8)),
    "saddle": (_saddle, (-1.5, 1e-3), (0.0, 1.0), -0.5, (-1.6, 1.0, -1.5, 1.5)),
    "beale": (_beale, (0.7, 1.4), (3.0, 0.5), 0.0, (-0.5, 4.0, -1.0, 2.0)),
}

# learning rates tuned by hand per surface so every method makes visible progress
_LR: dict[str, dict[str, float]] = {
    "bowl": {
        "SGD": 0.03,
        "Momentum": 0.03,
        "Nesterov": 0.03,
        "AdaGrad": 0.5,
        "RMSProp": 0.03,
        "AdaDelta": 5.0,
        "Adam": 0.1,
        "Adamax": 0.2,
        "NAdam": 0.1,
    },
    "rosenbrock": {
        "SGD": 2e-3,
        "Momentum": 1e-3,
        "Nesterov": 1e-3,
        "AdaGrad": 0.5,
        "RMSProp": 0.005,
        "AdaDelta": 10.0,
        "Adam": 0.1,
        "Adamax": 0.2,
        "NAdam": 0.05,
    },
    "saddle": {
        "SGD": 0.02,
        "Momentum": 0.02,
        "Nesterov": 0.02,
        "AdaGrad": 0.2,
        "RMSProp": 0.02,
        "AdaDelta": 5.0,
        "Adam": 0.05,
        "Adamax": 0.05,
        "NAdam": 0.05,
    },
    "beale": {
        "SGD": 0.01,
        "Momentum": 0.01,
        "Nesterov": 0.01,
        "AdaGrad": 0.5,
        "RMSProp": 0.01,
        "AdaDelta": 5.0,
        "Adam": 0.05,
        "Adamax": 0.1,
        "NAdam": 0.05,
    },
}

# default step budget per surface (the curved Rosenbrock valley needs many more steps)
DEFAULT_STEPS = {"bowl": 150, "rosenbrock": 1000, "saddle": 150, "beale": 400}


# each racer is an optimizer of the registry (nablagrad.optim.OPTIMIZERS) with its options
RACERS: dict[str, tuple[str, dict[str, Any]]] = {
    "SGD": ("SGD", {}),
    "Momentum": ("SGD", {"momentum": 0.9}),
    "Nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}),
    "AdaGrad": ("Adagrad", {}),
    "RMSProp": ("RMSprop", {"alpha": 0.9}),
    "AdaDelta": ("Adadelta", {"rho": 0.9}),
    "Adam": ("Adam", {}),
    "Adamax": ("Adamax", {}),
    "NAdam": ("NAdam", {}),
}


def make_optimizer(name: str, params: list[Tensor], lr: float, module: Any = None) -> Any:
    """The optimizer for a racer name, built through ``nablagrad.optim``'s registry.

    ``module`` defaults to ``nablagrad.optim``; the tests pass ``torch.optim`` (looked up by
    class name) to check the race against PyTorch.
    """
    if name not in RACERS:
        raise ValueError(f"optimizers: unknown optimizer {name!r}; choose from {', '.join(RACERS)}")
    cls_name, options = RACERS[name]
    if module is None:
        return ng.optim.create(cls_name, params, lr=lr, **options)
    return getattr(module, cls_name)(params, lr=lr, **options)


def race(surface: str, name: str, steps: int, lr: float) -> tuple[np.ndarray, np.ndarray]:
    """Run one optimizer; returns positions (steps + 1, 2) and losses (steps + 1,)."""
    f, start, *_ = SURFACES[surface]
    p = ng.tensor(start, dtype=ng.float64, requires_grad=True)
    opt = make_optimizer(name, [p], lr)
    path = np.empty((steps + 1, 2))
    losses = np.empty(steps + 1)
    for t in range(steps + 1):
        opt.zero_grad()
        loss = f(p[0], p[1])
        path[t] = p.detach().numpy()
        losses[t] = loss.item()
        if t == steps or not np.isfinite(losses[t]) or np.abs(path[t]).max() > 1e6:
            path[t + 1 :], losses[t + 1 :] = path[t], losses[t]  # diverged: freeze the record
            break
        loss.backward()
        opt.step()
    return path, losses


def run(
    surface: str = "bowl",
    steps: int = 0,
    optimizers: tuple = tuple(_LR["bowl"]),
    lr_scale: float = 1.0,
    gif: bool = False,
    tol: float = 1e-3,
) -> dict[str, Any]:
    """Race ``optimizers`` on ``surface``; ``steps_to_tol`` = first step with f - f* < tol.

    ``steps=0`` uses the surface's default budget (``DEFAULT_STEPS``).
    """
    if surface not in SURFACES:
        raise ValueError(
            f"optimizers: unknown surface {surface!r}; choose from {', '.join(SURFACES)}"
        )
    steps = steps or DEFAULT_STEPS[surface]
    f, start, minimum, f_min, window = SURFACES[surface]
    paths, losses, lrs, reach = {}, {}, {}, {}
    for name in optimizers:
        lr = _LR[surface][name] * lr_scale
        paths[name], losses[name] = race(surface, name, steps, lr)
        lrs[name] = lr
        hit = np.nonzero(losses[name] - f_min < tol)[0]
        reach[name] = int(hit[0]) if len(hit) else None
    return {
        "surface": surface,
        "steps": steps,
        "paths": paths,
        "losses": losses,
        "lrs": lrs,
        "start": start,
        "minimum": minimum,
        "f_min": f_min,
        "window": window,
        "tol": tol,
        "steps_to_tol": reach,
        "final": {n: float(v[-1]) for n, v in losses.items()},
        "diverged": {
            n: bool(not np.isfinite(v[-1]) or v[-1] - f_min > 10 * (v[0] - f_min))
            for n, v in losses.items()
        },
        "gif": gif,
    }


def summary(r: dict[str, Any]) -> str:
    lines = [
        f"surface {r['surface']}: start {r['start']}, minimum {r['minimum']} "
        f"(f* = {r['f_min']}), {r['steps']} steps",
        f"{'optimizer':<9} {'lr':>7} {'final f - f*':>13} {'steps to f-f*<' + str(r['tol']):>18}",
    ]
    order = sorted(r["final"], key=lambda n: r["final"][n])
    for n in order:
        hit = r["steps_to_tol"][n]
        lines.append(
            f"{n:<9} {r['lrs'][n]:7.3g} {r['final'][n] - r['f_min']:13.3e} "
            f"{'never' if hit is None else hit:>18}"
            f"{'  DIVERGED (lower lr_scale)' if r['diverged'][n] else ''}"
        )
    return "\n".join(lines)


def _surface_grid(r: dict[str, Any], n: int = 200) -> tuple[np.ndarray, ...]:
    f = SURFACES[r["surface"]][0]
    x0, x1, y0, y1 = r["window"]
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return gx, gy, f(gx, gy) - r["f_min"]


def _contour(ax: Any, r: dict[str, Any], n: int = 200, nlevels: int = 25) -> None:
    from matplotlib.colors import LogNorm

    gx, gy, z = _surface_grid(r, n)
    levels = np.geomspace(max(z.min(), 1e-3), z.max(), nlevels)
    ax.contour(
        gx,
        gy,
        np.maximum(z, 1e-3),
        levels=levels,
        colors="0.55",
        linewidths=0.6,
        norm=LogNorm(),
    )
    ax.plot(*r["start"], "ko", ms=7)
    ax.plot(*r["minimum"], "*", color="gold", ms=16, mec="k")
    x0, x1, y0, y1 = r["window"]
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x")
    ax.set_ylabel("y")


def plot(r: dict[str, Any], out_dir: Any) -> list[Path]:
    names = list(r["paths"])
    fig, axes = figure(1, 2, width=6.5, height=5.2)
    ax = axes[0][0]
    _contour(ax, r)
    for i, n in enumerate(names):
        ax.plot(
            r["paths"][n][:, 0],
            r["paths"][n][:, 1],
            "-",
            color=color(i),
            lw=1.6,
            label=f"{n} (lr {r['lrs'][n]:.3g})",
            alpha=0.9,
        )
    ax.set_title(f"{r['surface']}: {r['steps']} steps from the black dot to the star")
    ax.legend(fontsize=8, loc="best", framealpha=0.8)
    ax = axes[0][1]
    steps = np.arange(r["steps"] + 1)
    for i, n in enumerate(names):
        ax.semilogy(
            steps,
            np.maximum(r["losses"][n] - r["f_min"], 1e-16),
            color=color(i),
            lw=1.6,
            label=n + (" (diverged)" if r["diverged"][n] else ""),
        )
    ax.axhline(r["tol"], color="0.5", ls=":", lw=1)
    ax.set_xlabel("step")
    ax.set_ylabel("f(x, y) - f*  (log scale)")
    ax.set_title("Loss gap vs step (dotted: tolerance)")
    start_gap = max(v[0] for v in r["losses"].values()) - r["f_min"]
    ax.set_ylim(max(1e-12, ax.get_ylim()[0]), 30 * max(start_gap, 1e-12))
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, ncol=2)
    paths = [save_png(fig, out_dir, f"optimizers_{r['surface']}")]
    if r.get("gif"):
        paths.append(_gif(r, out_dir))
    return paths


def _gif(r: dict[str, Any], out_dir: Any, frames: int = 30) -> Path:
    from matplotlib.animation import FuncAnimation

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 4.4))
    _contour(ax, r, n=100, nlevels=15)
    names = list(r["paths"])
    lines = [ax.plot([], [], "-", color=color(i), lw=1.8, label=n)[0] for i, n in enumerate(names)]
    heads = [ax.plot([], [], "o", color=color(i), ms=5)[0] for i in range(len(names))]
    ax.legend(fontsize=8, loc="best")
    title = ax.set_title("")
    idx = np.unique(np.linspace(0, r["steps"], min(frames, r["steps"] + 1)).astype(int))

    def draw(k: int) -> list:
        t = idx[k]
        for n, line, head in zip(names, lines, heads):
            line.set_data(r["paths"][n][: t + 1, 0], r["paths"][n][: t + 1, 1])
            head.set_data([r["paths"][n][t, 0]], [r["paths"][n][t, 1]])
        title.set_text(f"{r['surface']}: step {t}")
        return [*lines, *heads, title]

    anim = FuncAnimation(fig, draw, frames=len(idx), blit=False)
    return save_gif(anim, fig, out_dir, f"optimizers_{r['surface']}")
