"""Higher-order helpers: Hessian-vector products, vector-Jacobian and Jacobian-vector products."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import creation
from ..ops.shape import stack
from .engine import grad


def _tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, (list, tuple)) else (x,)


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False) -> tuple:
    """(func(inputs), v^T J) as torch.autograd.functional.vjp."""
    ins = tuple(t.detach().requires_grad_() for t in _tuple(inputs))
    out = func(*ins)
    grads = grad(
        out,
        ins,
        grad_outputs=v,
        create_graph=create_graph,
        allow_unused=True,
        materialize_grads=True,
    )
    return out.detach() if not create_graph else out, grads if isinstance(inputs, tuple) else grads[
        0
    ]


def hvp(func: Callable, inputs: Any, v: Any, create_graph: bool = False) -> tuple:
    """(func(inputs), H v) for scalar ``func``: differentiate (grad f . v) once more."""
    ins = tuple(t.detach().requires_grad_() for t in _tuple(inputs))
    vs = _tuple(v)
    out = func(*ins)
    gs = grad(out, ins, create_graph=True)
    dot = sum((g * vi).sum() for g, vi in zip(gs, vs))
    hv = grad(dot, ins, create_graph=create_graph, allow_unused=True, materialize_grads=True)
    return out.detach(), hv if isinstance(inputs, tuple) else hv[0]


def hessian(func: Callable, inputs: Any) -> Any:
    """Full Hessian of a scalar function of one tensor, one Hessian-vector product per entry."""
    x = inputs
    n = x.numel()
    rows = []
    for i in range(n):
        e = creation.zeros(n, dtype=x.dtype)
        e._data[i] = 1
        _, hv = hvp(func, x, e.reshape(x.shape))
        rows.append(hv.reshape(-1))
    return stack(rows).reshape(tuple(x.shape) + tuple(x.shape))


def jacobian(func: Callable, inputs: Any) -> Any:
    """Jacobian of ``func`` at one tensor input, one vector-Jacobian product per output entry."""
    x = inputs.detach().requires_grad_()
    out = func(x)
    rows = []
    for i in range(out.numel()):
        e = creation.zeros(out.numel(), dtype=out.dtype)
        e._data[i] = 1
        (g,) = grad(
            out,
            x,
            grad_outputs=e.reshape(out.shape),
            retain_graph=True,
            allow_unused=True,
            materialize_grads=True,
        )
        rows.append(g.reshape(-1))
    return stack(rows).reshape(tuple(out.shape) + tuple(x.shape))
