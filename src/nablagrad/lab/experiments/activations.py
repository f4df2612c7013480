"""Every activation function and its derivative, the derivative computed by autograd.

Each activation is composed from nablagrad's differentiable primitives, so the derivative curve
is ``d/dx sum(f(x))`` from reverse-mode autograd (each ``f`` acts elementwise, so the gradient of
the sum is exactly ``f'(x)`` at every point).  Saturation regions, where ``|f'(x)|`` is below a
fraction of its peak, are where gradients vanish during training.

Example:
    >>> from nablagrad.lab import activations
    >>> r = activations(points=201)
    >>> round(r["peak"]["sigmoid"], 4)         # sigmoid'(0) = 1/4
    0.25
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nablagrad as ng
from nablagrad import Tensor

from ...backend import np
from ..plotting import color, figure, save_png

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def _softplus(x: Tensor) -> Tensor:
    # log(1 + e^x), with the linear tail above 20 (where they agree to float64 precision).
    return ng.where(x > 20, x, ng.log1p(ng.exp(ng.clamp(x, max=20.0))))


# name -> (function, formula shown in the panel title)
ACTIVATIONS: dict[str, tuple[Callable[[Tensor], Tensor], str]] = {
    "sigmoid": (ng.sigmoid, r"$1/(1+e^{-x})$"),
    "tanh": (ng.tanh, r"$\tanh x$"),
    "relu": (ng.relu, r"$\max(0,x)$"),
    "leaky_relu": (lambda x: ng.where(x > 0, x, 0.01 * x), r"$x$ or $0.01x$"),
    "elu": (lambda x: ng.where(x > 0, x, ng.expm1(ng.clamp(x, max=0.0))), r"$x$ or $e^x-1$"),
    "selu": (
        lambda x: _SELU_SCALE * ng.where(x > 0, x, _SELU_ALPHA * ng.expm1(ng.clamp(x, max=0.0))),
        r"$\lambda x$ or $\lambda\alpha(e^x-1)$",
    ),
    "softplus": (_softplus, r"$\log(1+e^x)$"),
    "gelu": (
        lambda x: 0.5 * x * (1 + ng.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
        r"$x\,\Phi(x)$ (tanh approx.)",
    ),
    "silu": (lambda x: x * ng.sigmoid(x), r"$x\,\sigma(x)$"),
    "mish": (lambda x: x * ng.tanh(_softplus(x)), r"$x\,\tanh(\mathrm{softplus}\,x)$"),
    "softsign": (lambda x: x / (1 + ng.abs(x)), r"$x/(1+|x|)$"),
    "hardtanh": (lambda x: ng.clamp(x, -1.0, 1.0), r"$\mathrm{clip}(x,-1,1)$"),
}


def run(points: int = 801, xmax: float = 6.0, saturation: float = 0.05) -> dict[str, Any]:
    """Evaluate every activation and its autograd derivative on ``linspace(-xmax, xmax)``.

    ``saturated[name]`` marks the tails where ``|f'(x)| < saturation * max|f'|`` all the way to
    the edge (vanishing gradient); ``peak[name]`` is ``max |f'(x)|``, ``peak_at[name]`` its x.
    """
    x = ng.linspace(-xmax, xmax, points, dtype=ng.float64, requires_grad=True)
    values, grads, peak, peak_at, saturated = {}, {}, {}, {}, {}
    for name, (fn, _) in ACTIVATIONS.items():
        x.grad = None
        y = fn(x)
        y.sum().backward()
        dy = x.grad.numpy().copy()
        values[name] = y.detach().numpy().copy()
        grads[name] = dy
        i = int(np.argmax(np.abs(dy)))
        peak[name] = float(np.abs(dy[i]))
        peak_at[name] = float(x.detach().numpy()[i])
        small = np.abs(dy) < saturation * peak[name]
        # saturation = the flat tails: small derivative all the way out to the plotted edge
        tails = np.logical_and.accumulate(small) | np.logical_and.accumulate(small[::-1])[::-1]
        saturated[name] = tails
    return {
        "x": x.detach().numpy().copy(),
        "values": values,
        "grads": grads,
        "peak": peak,
        "peak_at": peak_at,
        "saturated": saturated,
        "saturation": saturation,
    }


def summary(r: dict[str, Any]) -> str:
    lines = [f"{'activation':<11} {'max |f`|':>8} {'at x':>6} {'saturated share':>15}"]
    for name in r["values"]:
        share = r["saturated"][name].mean()
        lines.append(f"{name:<11} {r['peak'][name]:8.4f} {r['peak_at'][name]:6.2f} {share:15.0%}")
    lines.append(
        f"sigmoid's derivative peaks at {r['peak']['sigmoid']:.4f} (x = "
        f"{r['peak_at']['sigmoid']:.2f}): each sigmoid layer shrinks gradients by >= 4x; "
        f"shaded = |f'| below {r['saturation']:.0%} of its peak (vanishing gradient)"
    )
    return "\n".join(lines)


def _spans(x: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """Contiguous [x0, x1] intervals where ``mask`` is true."""
    out, start = [], None
    for i, m in enumerate(mask):
        if m and start is None:
            start = i
        if (not m or i == len(mask) - 1) and start is not None:
            end = i if m else i - 1
            out.append((float(x[start]), float(x[end])))
            start = None
    return out


def plot(r: dict[str, Any], out_dir: Any) -> list[Path]:
    names = list(r["values"])
    ncols = 4
    nrows = math.ceil(len(names) / ncols)
    fig, axes = figure(nrows, ncols, width=3.6, height=3.0)
    x = r["x"]
    for k, name in enumerate(names):
        ax = axes[k // ncols][k % ncols]
        for x0, x1 in _spans(x, r["saturated"][name]):
            ax.axvspan(x0, x1, color="0.85", lw=0)
        ax.plot(x, r["values"][name], color=color(0), lw=2, label="f(x)")
        ax.plot(x, r["grads"][name], color=color(1), lw=1.6, ls="--", label="f'(x) (autograd)")
        ax.axhline(0, color="0.5", lw=0.6)
        ax.axvline(0, color="0.5", lw=0.6)
        ax.set_ylim(-1.6, 2.6)
        ax.set_title(f"{name}: {ACTIVATIONS[name][1]}", fontsize=10)
        ax.annotate(
            f"max f' = {r['peak'][name]:.3g}",
            xy=(0.03, 0.9),
            xycoords="axes fraction",
            fontsize=8,
            color=color(1),
        )
        ax.grid(alpha=0.3)
        if k == 0:
            ax.legend(loc="lower right", fontsize=8)
    for k in range(len(names), nrows * ncols):
        axes[k // ncols][k % ncols].axis("off")
    fig.suptitle(
        f"Activations (solid) and their derivatives by autograd (dashed); grey = "
        f"saturated, |f'| < {r['saturation']:.0%} of peak",
        fontsize=12,
    )
    return [save_png(fig, out_dir, "activations")]
