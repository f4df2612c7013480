"""Automatic differentiation: ``grad``, ``backward``, ``gradcheck``, ``Function``, grad modes."""

from __future__ import annotations

from typing import Any

from .function import Function
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck

__all__ = [
    "Function",
    "grad",
    "backward",
    "gradcheck",
    "gradgradcheck",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "functional",
]


def _as_list(x: Any) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple:
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated).

    With ``create_graph=True`` the result is itself differentiable, which gives higher-order
    derivatives and Hessian-vector products::

        >>> import nablagrad as torch
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> (g,) = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
        >>> (h,) = torch.autograd.grad(g.sum(), x)   # d/dx sum(3x^2) = 6x
        >>> h
        tensor([ 6., 12.])
    """
    from .engine import run_backward

    outs = _as_list(outputs)
    ins = _as_list(inputs)
    seeds = _as_list(grad_outputs) or [None] * len(outs)
    if len(seeds) != len(outs):
        raise ValueError(f"grad: got {len(seeds)} grad_outputs for {len(outs)} outputs")
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(
                f"grad: input {i} (shape {tuple(t.shape)}) does not require grad: create it with "
                "requires_grad=True"
            )
    result = run_backward(outs, seeds, retain_graph, create_graph, inputs=ins, accumulate=False)
    for i, r in enumerate(result):
        if r is None and not (allow_unused or materialize_grads):
            raise RuntimeError(
                f"One of the differentiated Tensors (input {i}) appears to not have been used in "
                "the graph. Set allow_unused=True if this is the desired behavior."
            )
        if r is None and materialize_grads:
            from .. import creation

            result[i] = creation.zeros_like(ins[i])
    return tuple(result)


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Any = None,
) -> None:
    """Accumulate gradients of several outputs into the leaves' ``.grad``."""
    from .engine import run_backward

    outs = _as_list(tensors)
    seeds = _as_list(grad_tensors) or [None] * len(outs)
    run_backward(outs, seeds, retain_graph, create_graph)


from . import functional  # noqa: E402
