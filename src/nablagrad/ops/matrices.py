"""Triangles and diagonals of matrices: tril, triu, their indices, diagonal, diag, trace.

Composed from ``where`` and indexing, so they are differentiable; ``diagonal`` is a view
primitive (``Diagonal``) whose gradient writes onto the diagonal of zeros.

Example:
    >>> import nablagrad as torch
    >>> torch.trace(torch.eye(3))
    tensor(3.)
"""

from __future__ import annotations

import builtins
from typing import Any

from ..autograd.function import Function, torch_node
from ..backend import get_array_module, np
from ..tensor import Tensor
from . import elementwise as ew
from .shape import _axis


def _mask_keep(x: Tensor, mask: Any) -> Tensor:
    zero = Tensor._wrap(get_array_module(x._data).zeros((), dtype=x._data.dtype))
    return ew.where(Tensor._wrap(mask), x, zero)


@torch_node("TrilBackward0")
def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """Lower triangle of the last two dims (on and below ``diagonal``), zeros elsewhere."""
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    n, m = input.shape[-2:]
    xp = get_array_module(input._data)
    return _mask_keep(input, xp.tri(n, m, diagonal, dtype=bool))


@torch_node("TriuBackward0")
def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """Upper triangle of the last two dims (on and above ``diagonal``), zeros elsewhere."""
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    n, m = input.shape[-2:]
    xp = get_array_module(input._data)
    return _mask_keep(input, ~xp.tri(n, m, diagonal - 1, dtype=bool))


def _tri_indices(row: int, col: int, offset: int, upper: bool, dtype: Any, device: Any) -> Tensor:
    for name, n in (("row", row), ("col", col)):
        if n < 0:
            raise RuntimeError(f"{name} must be non-negative, got{n}")  # (sic: torch's text)
    mask = (
        ~np.tri(row, col, offset - 1, dtype=bool) if upper else np.tri(row, col, offset, dtype=bool)
    )
    r, c = np.nonzero(mask)
    out = Tensor._wrap(np.stack([r, c]).astype(np.int64))
    return out.to(dtype=dtype) if dtype is not None else out


def tril_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype: Any = None,
    device: Any = None,
    layout: Any = None,
) -> Tensor:
    return _tri_indices(row, col, offset, False, dtype, device)


def triu_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype: Any = None,
    device: Any = None,
    layout: Any = None,
) -> Tensor:
    return _tri_indices(row, col, offset, True, dtype, device)


class Diagonal(Function):
    """The diagonal of dims (d1, d2) at ``offset``, moved last: a view of the input's memory,
    as torch's (writing into it changes the input).  Gradient: ``g`` on that diagonal of
    zeros, whose own gradient is again the diagonal."""

    saved = ()

    def forward(self, x, offset=0, d1=0, d2=1):
        self.args, self.shape = (offset, d1, d2), x.shape
        out = get_array_module(x).diagonal(x, offset, d1, d2)
        if type(out) is np.ndarray and not out.flags.writeable and x.flags.writeable:
            out.flags.writeable = True  # NumPy's diagonal view is read-only by default
        return out

    def backward(self, g, out, x):
        return (self.m.call(DiagonalScatter, g, args=self.args, shape=self.shape),)


class DiagonalScatter(Function):
    """zeros(shape) with ``g`` written on the diagonal (the backward of ``Diagonal``)."""

    saved = ()

    def forward(self, g, args=(0, 0, 1), shape=()):
        self.args = args
        xp = get_array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        view = xp.diagonal(out, *args)
        if type(view) is np.ndarray:
            view.flags.writeable = True  # NumPy's diagonal view is read-only by default
        view[...] = g
        return out

    def backward(self, gg, out, g):
        return (self.m.call(Diagonal, gg, offset=self.args[0], d1=self.args[1], d2=self.args[2]),)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal of dims (dim1, dim2), moved to the last dimension (a view, as torch's)."""
    d1, d2 = _axis(dim1, input.ndim), _axis(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, offset=int(offset), d1=d1, d2=d2)


@torch_node("DiagEmbedBackward0")
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """Diagonal matrices from ``input``'s last dimension: ``out`` has one more dimension,
    ``out.diagonal(offset, dim1, dim2) = input`` and zeros elsewhere; ``dim1``/``dim2`` (of the
    output) take size ``n = input.size(-1) + |offset|`` and the other dimensions are
    ``input``'s leading ones, in order.  The gradient is ``g.diagonal(offset, dim1, dim2)``.

    Example:
        >>> import nablagrad as torch
        >>> torch.diag_embed(torch.tensor([[1, 2], [3, 4]]), dim1=0, dim2=2)
        tensor([[[1, 0],
                 [3, 0]],
        <BLANKLINE>
                [[0, 2],
                 [0, 4]]])
    """
    if input.ndim == 0:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got -2)")
    nd = input.ndim + 1
    d1, d2 = _axis(dim1, nd), _axis(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input.shape[-1] + builtins.abs(int(offset))
    batch = iter(input.shape[:-1])
    shape = tuple(n if d in (d1, d2) else next(batch) for d in range(nd))
    return DiagonalScatter.apply(input, args=(int(offset), d1, d2), shape=shape)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """1-D input: a square matrix with it on the ``diagonal``; 2-D input: that diagonal."""
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:
        return globals()["diagonal"](input, diagonal)
    raise RuntimeError(f"diag(): expected a 1-D or 2-D tensor, got {input.ndim}-D")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:  # noqa: A002
    return diag_embed(input.reshape(-1), offset)


@torch_node("TraceBackward0")
def trace(input: Tensor) -> Tensor:  # noqa: A002
    """Sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input._data.dtype.kind == "b":
        raise NotImplementedError(
            "\"trace\" not implemented for 'Bool': convert the matrix first (x.int())"
        )
    return diagonal(input).sum()
