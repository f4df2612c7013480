"""Functions that accept raw arrays *or* Tensors, for writing backward formulas once.

In a plain backward pass gradients are raw arrays (fast); under ``create_graph=True`` they are
Tensors (differentiable).  A backward formula written with operators and these functions serves
both.  Each function dispatches on its first argument's type.
"""

from __future__ import annotations

from typing import Any

from ..backend import get_array_module, scatter_add_along_
from . import function as _function


def is_tensor(x: Any) -> bool:
    return isinstance(x, _function.Tensor)


def exp(x: Any) -> Any:
    return x.exp() if is_tensor(x) else get_array_module(x).exp(x)


def log(x: Any) -> Any:
    return x.log() if is_tensor(x) else get_array_module(x).log(x)


def sin(x: Any) -> Any:
    return x.sin() if is_tensor(x) else get_array_module(x).sin(x)


def cos(x: Any) -> Any:
    return x.cos() if is_tensor(x) else get_array_module(x).cos(x)


def sign(x: Any) -> Any:
    return x.sign() if is_tensor(x) else get_array_module(x).sign(x)


def where(cond: Any, a: Any, b: Any) -> Any:
    """``where(cond, a, b)``; ``cond`` is always a raw boolean array or bool Tensor."""
    if is_tensor(a) or is_tensor(b):
        from ..ops.elementwise import where as t_where

        return t_where(cond, a, b)
    c = cond._data if is_tensor(cond) else cond
    return get_array_module(c).where(c, a, b)


def raw(x: Any) -> Any:
    """The raw array behind ``x`` (for masks and other non-differentiable quantities)."""
    return x._data if is_tensor(x) else x


def permute(x: Any, axes: tuple) -> Any:
    return x.permute(*axes) if is_tensor(x) else x.transpose(axes)


def swap_last(x: Any) -> Any:
    """Swap the last two axes."""
    return x.transpose(-1, -2) if is_tensor(x) else x.swapaxes(-1, -2)


def expand_to(x: Any, shape: tuple) -> Any:
    """Broadcast ``x`` to ``shape`` (a read-only view for arrays)."""
    if is_tensor(x):
        return x.expand(*shape)
    return get_array_module(x).broadcast_to(x, shape)


def flip(x: Any, axis: int) -> Any:
    if is_tensor(x):
        return x.flip(axis)
    return get_array_module(x).flip(x, axis)


def index_add_into(g: Any, index: Any, shape: tuple, basic: bool) -> Any:
    """Zeros of ``shape`` with ``g`` added at ``index``: the gradient of ``x[index]``."""
    if is_tensor(g):
        from ..ops.index import IndexAddInto

        return IndexAddInto.apply(g, index=index, shape=shape, basic=basic)
    return _index_add_raw(g, index, shape, basic)


def _index_add_raw(g: Any, index: Any, shape: tuple, basic: bool) -> Any:
    xp = get_array_module(g)
    out = xp.zeros(shape, dtype=g.dtype)
    if basic:
        out[index] = g
    else:
        xp.add.at(out, index, g)
    return out


def scatter_along(g: Any, index: Any, axis: int, shape: tuple) -> Any:
    """Zeros of ``shape`` with ``g`` added along ``axis`` at ``index`` (the inverse of gather)."""
    if is_tensor(g):
        from ..ops.index import ScatterAddAlong

        return ScatterAddAlong.apply(g, index=index, axis=axis, shape=shape)
    return scatter_add_along_raw(g, index, axis, shape)


def scatter_add_along_raw(g: Any, index: Any, axis: int, shape: tuple) -> Any:
    xp = get_array_module(g)
    out = xp.zeros(shape, dtype=g.dtype)
    scatter_add_along_(out, index, g, axis)
    return out


def unbroadcast(g: Any, shape: tuple) -> Any:
    """Sum ``g`` over the dimensions that broadcasting added or stretched to reach ``shape``."""
    gshape = g.shape
    if tuple(gshape) == tuple(shape):
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1
    )
    if axes:
        g = g.sum(axes, keepdims=True) if not is_tensor(g) else g.sum(axes, keepdim=True)
    if lead or tuple(g.shape) != tuple(shape):
        g = g.reshape(shape)
    return g
