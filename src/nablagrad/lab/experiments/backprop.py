"""Backpropagation step by step on a network small enough to follow by hand.

The network is ``x (2) -> z1 = W1 x + b1 (hidden) -> h = act(z1) -> yhat = W2 h + b2 (1)`` with
the squared error ``L = (yhat - y)^2`` on one sample.  The forward pass computes every node's
value; the backward pass applies the chain rule from the loss back to the weights:

    dL/dyhat = 2 (yhat - y)
    dL/dW2 = dL/dyhat h^T,            dL/db2 = dL/dyhat
    dL/dh  = W2^T dL/dyhat
    dL/dz1 = dL/dh * act'(z1)         (sigmoid' = s (1 - s), tanh' = 1 - t^2, relu' = [z > 0])
    dL/dW1 = dL/dz1 x^T,              dL/db1 = dL/dz1

The experiment runs this with nablagrad's autograd, writes the same formulas out in NumPy and
checks that both agree, takes one gradient-descent step, and draws the autograd graph twice
(``nablagrad.viz.draw_graph``): after the forward pass (values) and after ``backward`` (values
and gradients).

Example:
    >>> from nablagrad.lab import backprop
    >>> r = backprop()
    >>> r["max_abs_diff"] < 1e-6 and r["loss_after"] < r["loss_before"]
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nablagrad as ng

from ...backend import np
from ...viz import draw_graph
from ..plotting import _out_dir

_ACTS = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z, a: a * (1 - a)),
    "tanh": (np.tanh, lambda z, a: 1 - a**2),
    "relu": (lambda z: np.maximum(z, 0), lambda z, a: (z > 0).astype(z.dtype)),
}


def run(
    hidden: int = 2,
    activation: str = "sigmoid",
    lr: float = 0.5,
    target: float = 1.0,
    seed: int = 0,
) -> dict[str, Any]:
    """Forward values, autograd gradients, the hand-derived gradients and one SGD step."""
    rng = np.random.default_rng(seed)
    f = lambda *s: rng.normal(0, 0.8, s).round(2).astype(np.float64)  # noqa: E731
    init = {"W1": f(hidden, 2), "b1": f(hidden), "W2": f(1, hidden), "b2": f(1)}
    x_np, y_np = np.array([1.0, -0.5]), np.array([target])
    p = {k: ng.tensor(v, requires_grad=True) for k, v in init.items()}
    x, y = ng.tensor(x_np), ng.tensor(y_np)
    act = {"sigmoid": ng.sigmoid, "tanh": ng.tanh, "relu": ng.relu}[activation]
    z1 = p["W1"] @ x + p["b1"]
    h = act(z1)
    yhat = p["W2"] @ h + p["b2"]
    loss = ((yhat - y) ** 2).sum()
    inter = {"z1": z1, "h": h, "yhat": yhat}
    names = {**p, "x": x, "y": y, **inter, "L": loss}
    forward_graph = draw_graph(loss, params=names)
    for t in inter.values():
        t.retain_grad()
    loss.backward(retain_graph=True)
    backward_graph = draw_graph(loss, params=names)

    # the same chain rule, written out
    fa, dfa = _ACTS[activation]
    W1, b1, W2, b2 = init["W1"], init["b1"], init["W2"], init["b2"]
    z1_n = W1 @ x_np + b1
    h_n = fa(z1_n)
    yhat_n = W2 @ h_n + b2
    d_yhat = 2 * (yhat_n - y_np)
    d_W2, d_b2 = np.outer(d_yhat, h_n), d_yhat
    d_h = W2.T @ d_yhat
    d_z1 = d_h * dfa(z1_n, h_n)
    d_W1, d_b1 = np.outer(d_z1, x_np), d_z1
    by_hand = {"W1": d_W1, "b1": d_b1, "W2": d_W2, "b2": d_b2, "z1": d_z1, "h": d_h,
               "yhat": d_yhat}  # fmt: skip
    autograd = {k: p[k].grad.numpy() for k in p} | {k: t.grad.numpy() for k, t in inter.items()}
    diff = max(float(np.abs(autograd[k] - by_hand[k]).max()) for k in by_hand)

    with ng.no_grad():  # one gradient-descent step
        for t in p.values():
            t -= lr * t.grad
        after = float(((p["W2"] @ act(p["W1"] @ x + p["b1"]) + p["b2"] - y) ** 2).sum())
    steps_forward = [
        ("z1 = W1 x + b1", z1_n),
        (f"h = {activation}(z1)", h_n),
        ("yhat = W2 h + b2", yhat_n),
        ("L = (yhat - y)^2", np.array([float(loss)])),
    ]
    dact = {"sigmoid": "h (1 - h)", "tanh": "(1 - h^2)", "relu": "[z1 > 0]"}[activation]
    steps_backward = [
        ("dL/dyhat = 2 (yhat - y)", d_yhat),
        ("dL/dW2 = dL/dyhat h^T", d_W2),
        ("dL/db2 = dL/dyhat", d_b2),
        ("dL/dh = W2^T dL/dyhat", d_h),
        (f"dL/dz1 = dL/dh * {dact}", d_z1),
        ("dL/dW1 = dL/dz1 x^T", d_W1),
        ("dL/db1 = dL/dz1", d_b1),
    ]
    return {
        "activation": activation,
        "lr": lr,
        "x": x_np,
        "y": y_np,
        "params": init,
        "forward": steps_forward,
        "backward": steps_backward,
        "autograd": autograd,
        "by_hand": by_hand,
        "max_abs_diff": diff,
        "loss_before": float(loss),
        "loss_after": after,
        "forward_graph": forward_graph,
        "backward_graph": backward_graph,
    }


def _fmt(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), precision=4, suppress_small=True).replace("\n", "")


def summary(r: dict[str, Any]) -> str:
    lines = [f"x = {_fmt(r['x'])}, y = {_fmt(r['y'])}, activation {r['activation']}", "",
             "forward pass (values):"]  # fmt: skip
    lines += [f"  {name:<24} {_fmt(v)}" for name, v in r["forward"]]
    lines += ["", "backward pass (chain rule, from the loss back to the weights):"]
    lines += [f"  {name:<34} {_fmt(v)}" for name, v in r["backward"]]
    lines += [
        "",
        f"autograd's gradients equal the hand-derived ones (max |difference| "
        f"{r['max_abs_diff']:.1e})",
        f"one gradient-descent step (lr {r['lr']}): loss {r['loss_before']:.4f} -> "
        f"{r['loss_after']:.4f}",
        "figures: the autograd graph after the forward pass (values) and after backward "
        "(values and gradients)",
    ]
    return "\n".join(lines)


def plot(r: dict[str, Any], out_dir: Any) -> list[Path]:
    folder = _out_dir(out_dir)
    paths = []
    for key, name in (
        ("forward_graph", "backprop_forward"),
        ("backward_graph", "backprop_backward"),
    ):
        paths.append(Path(r[key].save(folder / f"{name}.png", dpi=110).path))
    return paths
