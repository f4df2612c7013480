"""Learning rate against step for every scheduler, from the real scheduler classes.

Each schedule drives a fresh ``nablagrad.optim.SGD`` (momentum 0.9, so the cyclic schedules can
cycle momentum too) and records ``optimizer.param_groups[0]["lr"]`` before every step:

- step decay ``lr_t = lr_0 * gamma^floor(t / step_size)`` (``StepLR``);
- exponential ``lr_t = lr_0 * gamma^t`` (``ExponentialLR``);
- cyclic triangular: linear up from ``base_lr`` to ``max_lr`` and back (``CyclicLR``);
- cosine annealing with warm restarts ``eta_min + (lr_0 - eta_min)(1 + cos(pi T_cur / T_i)) / 2``,
  restarting with periods ``T_0, 2 T_0, ...`` (``CosineAnnealingWarmRestarts``);
- one-cycle: warm up to ``max_lr`` then anneal far below the start (``OneCycleLR``);
- linear warm-up followed by cosine decay (``SequentialLR(LinearLR, CosineAnnealingLR)``).

Example:
    >>> from nablagrad.lab import schedules
    >>> r = schedules(steps=90, base_lr=0.1, schedules=("step",))
    >>> float(r["lr"]["step"][0]), round(float(r["lr"]["step"][-1]), 6)
    (0.1, 0.001)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nablagrad as ng

from ...backend import np
from ..plotting import color, figure, save_png

TITLES = {
    "step": "StepLR (step decay)",
    "exponential": "ExponentialLR",
    "cyclic": "CyclicLR (triangular)",
    "cosine_restarts": "CosineAnnealingWarmRestarts",
    "one_cycle": "OneCycleLR",
    "warmup": "LinearLR warm-up + cosine (SequentialLR)",
}


def make_scheduler(name: str, opt: Any, steps: int, base_lr: float, module: Any = None) -> Any:
    """The scheduler called ``name`` for ``steps`` total steps (parameters scale with steps).

    ``module`` is the scheduler module (default ``nablagrad.optim.lr_scheduler``; the tests pass
    ``torch.optim.lr_scheduler`` to check the same construction against PyTorch).
    """
    s = module or ng.optim.lr_scheduler
    if name == "step":
        return s.StepLR(opt, step_size=max(steps // 3, 1), gamma=0.1)
    if name == "exponential":
        return s.ExponentialLR(opt, gamma=0.01 ** (1 / steps))  # ends at lr_0 / 100
    if name == "cyclic":
        return s.CyclicLR(
            opt,
            base_lr=base_lr / 10,
            max_lr=base_lr,
            step_size_up=max(steps // 8, 1),
            mode="triangular",
        )
    if name == "cosine_restarts":
        # periods T_0, 2 T_0, 4 T_0 fill the steps: three restarts-worth of cosine decays
        return s.CosineAnnealingWarmRestarts(
            opt, T_0=max(-(-steps // 7), 1), T_mult=2, eta_min=base_lr / 100
        )
    if name == "one_cycle":
        return s.OneCycleLR(opt, max_lr=base_lr, total_steps=steps, pct_start=0.3)
    if name == "warmup":
        warm = max(steps // 10, 1)
        return s.SequentialLR(
            opt,
            [
                s.LinearLR(opt, start_factor=0.01, end_factor=1.0, total_iters=warm),
                s.CosineAnnealingLR(opt, T_max=steps - warm, eta_min=base_lr / 100),
            ],
            milestones=[warm],
        )
    raise ValueError(f"schedules: unknown schedule {name!r}; choose from {', '.join(TITLES)}")


def trace(name: str, steps: int, base_lr: float) -> tuple[np.ndarray, np.ndarray]:
    """Learning rate and momentum before each of ``steps`` optimizer steps."""
    w = ng.zeros(1, requires_grad=True)
    opt = ng.optim.SGD([w], lr=base_lr, momentum=0.9)
    sched = make_scheduler(name, opt, steps, base_lr)
    lrs, moms = np.empty(steps), np.empty(steps)
    for t in range(steps):
        lrs[t] = opt.param_groups[0]["lr"]
        moms[t] = opt.param_groups[0]["momentum"]
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
        sched.step()
    return lrs, moms


def run(steps: int = 300, base_lr: float = 0.1, schedules: tuple = tuple(TITLES)) -> dict[str, Any]:
    """Trace every schedule in ``schedules``; returns ``lr[name]`` and ``momentum[name]``."""
    lr, mom = {}, {}
    for name in schedules:
        lr[name], mom[name] = trace(name, steps, base_lr)
    return {"steps": steps, "base_lr": base_lr, "lr": lr, "momentum": mom}


def summary(r: dict[str, Any]) -> str:
    lines = [f"{'schedule':<16} {'first lr':>9} {'max lr':>9} {'min lr':>9} {'last lr':>9}"]
    for n, v in r["lr"].items():
        lines.append(f"{n:<16} {v[0]:9.4g} {v.max():9.4g} {v.min():9.4g} {v[-1]:9.4g}")
    lines.append(
        "warm-up and one-cycle start small to avoid early instability; restarts and "
        "cycles raise the rate again to escape sharp minima; decays end small to settle"
    )
    return "\n".join(lines)


def plot(r: dict[str, Any], out_dir: Any) -> list[Path]:
    names = list(r["lr"])
    ncols = 3 if len(names) > 4 else max(len(names), 1)
    nrows = -(-len(names) // ncols)
    fig, axes = figure(nrows, ncols, width=4.4, height=3.2)
    t = np.arange(r["steps"])
    for k, n in enumerate(names):
        ax = axes[k // ncols][k % ncols]
        ax.plot(t, r["lr"][n], color=color(k), lw=2)
        ax.set_title(TITLES[n], fontsize=10)
        ax.set_xlabel("step")
        ax.set_ylabel("learning rate")
        ax.set_ylim(0, r["base_lr"] * 1.1)
        ax.grid(alpha=0.3)
        if n in ("cyclic", "one_cycle"):
            ax2 = ax.twinx()
            ax2.plot(t, r["momentum"][n], color="0.5", ls=":", lw=1.2)
            ax2.set_ylabel("momentum (dotted)", color="0.4", fontsize=8)
            ax2.set_ylim(0.75, 1.0)
    for k in range(len(names), nrows * ncols):
        axes[k // ncols][k % ncols].axis("off")
    fig.suptitle(
        f"Learning-rate schedules over {r['steps']} steps (base lr {r['base_lr']})", fontsize=12
    )
    return [save_png(fig, out_dir, "schedules")]
