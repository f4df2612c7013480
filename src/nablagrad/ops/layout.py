"""Splitting and arranging: tensor_split/hsplit/vsplit/dsplit/split_with_sizes, atleast_1d/2d/3d,
block_diag, broadcast_shapes, Tensor.unfold (sliding windows), combinations, sum_to_size,
unravel_index, renorm.  All compositions of differentiable primitives (slices, gathers, pads).
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

from .. import _validate
from ..autograd.function import Function, torch_node
from ..backend import get_array_module, np
from ..tensor import Size, Tensor
from . import elementwise as ew
from . import index as ix
from . import reduce as rd
from . import shape as sh
from .shape import _axis

_SECTIONS = {"indices_or_sections": ("sections", "indices", "tensor_indices_or_sections")}


@functools.partial(_validate.torch_keywords, names=_SECTIONS)
@_validate.numpy_names
def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple:  # noqa: A002
    """Split into ``n`` nearly equal parts (the first ``size % n`` one larger) or at the given
    indices along ``dim`` (NumPy's array_split)."""
    if input.ndim == 0:
        raise RuntimeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    ax = _axis(dim, input.ndim)
    size = input.shape[ax]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._data.dtype.kind not in "iu" or ios.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to have integer dtype and be "
                "a zero-dimensional or one-dimensional tensor"
            )
        ios = int(ios.item()) if ios.ndim == 0 else [int(v) for v in ios.tolist()]
    if isinstance(ios, int):
        if ios <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
        q, r = divmod(size, ios)
        bounds = [0]
        for i in range(ios):
            bounds.append(bounds[-1] + q + (1 if i < r else 0))
    else:
        bounds = (
            [0] + [min(max(int(i) if i >= 0 else size + int(i), 0), size) for i in ios] + [size]
        )
    parts = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        b = max(a, b)
        parts.append(ix.getitem(input, (slice(None),) * ax + (slice(a, b),)))
    return tuple(parts)


def _split_n(name: str, input: Tensor, ios: Any, ax: int, min_dim: int) -> tuple:  # noqa: A002
    if input.ndim < min_dim:
        raise RuntimeError(
            f"torch.{name} requires a tensor with at least {min_dim} dimension, but got a tensor "
            f"with {input.ndim} dimensions!"
        )
    if isinstance(ios, int) and input.shape[ax] % ios:
        raise RuntimeError(
            f"torch.{name} attempted to split along dimension {ax}, but the size of the "
            f"dimension {input.shape[ax]} is not divisible by the split_size {ios}!"
        )
    return tensor_split(input, ios, ax)


@functools.partial(_validate.torch_keywords, names=_SECTIONS)
def hsplit(input: Tensor, indices_or_sections: Any) -> tuple:  # noqa: A002
    """Split along dim 1 (dim 0 for 1-D tensors); sections must divide the size."""
    return _split_n("hsplit", input, indices_or_sections, 0 if input.ndim == 1 else 1, 1)


@functools.partial(_validate.torch_keywords, names=_SECTIONS)
def vsplit(input: Tensor, indices_or_sections: Any) -> tuple:  # noqa: A002
    """Split along dim 0 (at least 2-D)."""
    return _split_n("vsplit", input, indices_or_sections, 0, 2)


@functools.partial(_validate.torch_keywords, names=_SECTIONS)
def dsplit(input: Tensor, indices_or_sections: Any) -> tuple:  # noqa: A002
    """Split along dim 2 (at least 3-D)."""
    return _split_n("dsplit", input, indices_or_sections, 2, 3)


@_validate.numpy_names
def split_with_sizes(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple:  # noqa: A002
    """Split into pieces of exactly ``split_sizes`` (which must sum to the size)."""
    ax = _axis(dim, input.ndim)
    sizes = [int(s) for s in split_sizes]
    if sum(sizes) != input.shape[ax]:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {input.shape[ax]} (input "
            f"tensor's size at dimension {dim}), but got split_sizes={sizes}"
        )
    return sh.split(input, sizes, ax)


def _atleast(tensors: tuple, nd: int) -> Any:
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    out = []
    for t in items:
        if t.ndim >= nd:
            out.append(t)
        elif nd == 3 and t.ndim == 2:
            out.append(sh.unsqueeze(t, -1))
        elif nd == 3 and t.ndim == 1:
            out.append(t.reshape(1, t.shape[0], 1))
        else:
            out.append(t.reshape((1,) * (nd - t.ndim) + tuple(t.shape)))
    return out[0] if single else tuple(out)


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dimension (0-d becomes shape (1,))."""
    return _atleast(tensors, 1)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dimensions (leading size-1 dims added)."""
    return _atleast(tensors, 2)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dimensions (NumPy's rule: (n,) -> (1, n, 1), (m, n) ->
    (m, n, 1))."""
    return _atleast(tensors, 3)


@torch_node("BlockDiagBackward0")
def block_diag(*tensors: Tensor) -> Tensor:
    """The block-diagonal matrix of the (0-, 1- or 2-D) inputs, zeros elsewhere."""
    mats = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                f"{t.ndim} dimensions"
            )
        mats.append(t.reshape(1, -1) if t.ndim < 2 else t)
    if not mats:
        return Tensor._wrap(np.zeros((0, 0), dtype=np.float32))
    dtype = ew.result_dtype(*mats)
    mats = [m if m._data.dtype == dtype else m.to(dtype=dtype) for m in mats]
    cols = sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        pad = (left, cols - left - m.shape[1])
        rows.append(sh.pad(m, pad) if any(pad) else m)
        left += m.shape[1]
    return sh.cat(rows, 0)


def broadcast_shapes(*shapes: Any) -> Size:
    """The shape that tensors of these shapes broadcast to (torch's error if they cannot)."""
    norm = []
    for s in shapes:
        if isinstance(s, int):
            norm.append((s,))
        else:
            norm.append(tuple(int(d) for d in s))
    for s in norm:
        if any(d < 0 for d in s):
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {min(s)}: {list(s)}"
            )
    return Size(_validate.broadcast_shapes(norm, "broadcast_shapes"))


class Unfold(Function):
    """Sliding windows along ``axis`` as a strided view (torch's strides): the window axis
    steps ``step`` elements, a new last axis walks each window.  The gradient adds every
    window back onto the elements it covers (``UnfoldBackward``)."""

    saved = ()  # the backward reads only shapes

    def forward(self, x, axis=0, size=1, step=1):
        self.x_shape, self.axis, self.size, self.step = tuple(x.shape), axis, size, step
        shape = list(x.shape)
        shape[axis] = (shape[axis] - size) // step + 1
        strides = list(x.strides)
        strides[axis] *= step
        xp = get_array_module(x)
        kw = {"writeable": True} if xp is np else {}  # CuPy's views are always writable
        return xp.lib.stride_tricks.as_strided(x, (*shape, size), (*strides, x.strides[axis]), **kw)

    def backward(self, g, out, x):
        kw = {"x_shape": self.x_shape, "axis": self.axis, "size": self.size, "step": self.step}
        return (self.m.call(UnfoldBackward, g, **kw),)


class UnfoldBackward(Function):
    """The adjoint of ``Unfold``: windows (last axis) summed back into a tensor of
    ``x_shape``, overlapping windows adding up."""

    saved = ()

    def forward(self, g, x_shape=(), axis=0, size=1, step=1):
        self.axis, self.size, self.step = axis, size, step
        out = get_array_module(g).zeros(x_shape, dtype=g.dtype)
        count = g.shape[axis]
        lead = (slice(None),) * axis
        if size <= count:  # one strided slice of ``out`` per position within a window
            for j in range(size):
                out[(*lead, slice(j, j + step * (count - 1) + 1, step))] += g[..., j]
        else:  # one contiguous slice of ``out`` per window
            for i in range(count):
                window = g[(*lead, i)]
                out[(*lead, slice(i * step, i * step + size))] += window.swapaxes(-1, axis)
        return out

    def backward(self, g, out, x):
        kw = {"axis": self.axis, "size": self.size, "step": self.step}
        return (self.m.call(Unfold, g, **kw),)


def unfold_windows(input: Tensor, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """Tensor.unfold: every window of ``size`` elements along ``dimension`` (windows start
    ``step`` apart) as a new last dimension; the unfolded dimension becomes the window count.
    A view of ``input`` with torch's strides, as torch."""
    nd = max(input.ndim, 1)
    ax = _axis(dimension, nd)
    length = input.shape[ax] if input.ndim else 1
    if size > length:
        raise RuntimeError(
            f"maximum size for tensor at dimension {ax} is {length} but size is {size}"
        )
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if input.ndim == 0:
        windows = Unfold.apply(input.reshape(1), axis=0, size=size, step=step)
        return windows.reshape(size)
    return Unfold.apply(input, axis=ax, size=size, step=step)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:  # noqa: A002
    """All length-``r`` combinations of the elements of a 1-D tensor, one per row."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    n = input.shape[0]
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    combos = list(gen(range(n), r))
    if r == 0:
        return Tensor._wrap(get_array_module(input._data).zeros((0,), dtype=input._data.dtype))
    if not combos:
        return Tensor._wrap(get_array_module(input._data).zeros((0, r), dtype=input._data.dtype))
    idx = get_array_module(input._data).asarray(combos, dtype=np.int64)
    return ix.getitem(input, Tensor._wrap(idx))


def sum_to_size(input: Tensor, *sizes: Any, size: Any = None) -> Tensor:  # noqa: A002
    """Sum ``input`` down to ``size`` (which it must be expandable from)."""
    size = sh._sizes_or_keyword(sizes, size, "size", "sum_to_size")
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    shape = tuple(input.shape)
    lead = len(shape) - len(size)
    ok = lead >= 0 and all(s == 1 or s == d for s, d in zip(size, shape[lead:]))
    if not ok:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    out = rd.sum(input, tuple(range(lead))) if lead else input
    axes = tuple(i for i, (s, d) in enumerate(zip(size, shape[lead:])) if s == 1 and d != 1)
    return rd.sum(out, axes, True) if axes else out


def unravel_index(indices: Any, shape: Any) -> tuple:
    """The coordinates, in a tensor of ``shape``, of flat ``indices`` (tuple of int64 tensors)."""
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    t = indices if isinstance(indices, Tensor) else Tensor._wrap(np.asarray(indices))
    if t._data.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {t.dtype}")
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(tuple(shape)))
    total = math.prod(shape)
    raw = t._data
    if ((raw < -total) | (raw >= total)).any():
        raise ValueError("'indices' must be in range [-{0}, {0}-1]".format(total))  # noqa: UP032
    xp = get_array_module(raw)
    coords = xp.unravel_index(raw % total if total else raw, shape)
    return tuple(Tensor._wrap(xp.asarray(c, dtype=np.int64)) for c in coords)


@_validate.numpy_names
@torch_node("RenormBackward0")
def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:  # noqa: A002
    """Each slice along ``dim`` rescaled so that its ``p``-norm is at most ``maxnorm`` (a
    tensor of at least 2 dims, as torch's).

    Example:
        >>> import nablagrad as torch
        >>> torch.renorm(torch.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
        tensor([[0.6000, 0.8000],
                [0.3000, 0.4000]])
    """
    if input.ndim < 2:
        raise RuntimeError(
            f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions"
        )
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (p={p})")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    ax = _axis(dim, input.ndim)
    others = tuple(i for i in range(input.ndim) if i != ax)
    norms = rd.norm(input, p, others, True)
    xp = get_array_module(input._data)
    over = Tensor._wrap(norms._data > maxnorm)
    scale = ew.where(
        over, maxnorm / (norms + 1e-7), Tensor._wrap(xp.ones((), dtype=input._data.dtype))
    )
    return input * scale


def empty_strided_like(
    like: Tensor,
    size: Any,
    stride: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **_: Any,
) -> Tensor:
    """An uninitialised tensor of ``size`` with element strides ``stride``."""
    from ..backend import to_np_dtype

    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(
            f"mismatch in length of strides and shape: {len(size)} sizes, {len(stride)} strides"
        )
    d = to_np_dtype(dtype) if dtype is not None else like._data.dtype
    xp = get_array_module(like._data)
    span = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    buf = xp.empty(span, dtype=d)
    out = xp.lib.stride_tricks.as_strided(buf, size, tuple(s * d.itemsize for s in stride))
    t = Tensor._wrap(out)
    if requires_grad:
        t.requires_grad = True
    return t


# -- out-of-place writes into a slice, a selection or a diagonal --------------------------------


def _scatter_into(input: Tensor, src: Tensor, index: tuple, name: str) -> Tensor:  # noqa: A002
    target = input._data[index].shape
    if tuple(src.shape) != target:
        raise RuntimeError(
            f"{name}: expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(target)}"
        )
    if src._data.dtype != input._data.dtype:
        src = src.to(dtype=input.dtype)
    return ix.SetItem.apply(input, src, index=index)


@_validate.numpy_names
@torch_node("SliceScatterBackward0")
def slice_scatter(
    input: Tensor,  # noqa: A002
    src: Tensor,
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor:
    """``input`` with ``input[..., start:end:step, ...]`` (along ``dim``) replaced by ``src``."""
    ax = _axis(dim, input.ndim)
    return _scatter_into(
        input, src, (slice(None),) * ax + (slice(start, end, step),), "slice_scatter"
    )


@_validate.numpy_names
@torch_node("SelectScatterBackward0")
def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """``input`` with the slice ``index`` along ``dim`` replaced by ``src``."""
    ax = _axis(dim, input.ndim)
    n = input.shape[ax]
    if not -n <= index < n:
        raise IndexError(
            f"select_scatter(): index {index} out of range for tensor of size "
            f"{list(input.shape)} at dimension {ax}"
        )
    return _scatter_into(input, src, (slice(None),) * ax + (index % n,), "select_scatter")


@torch_node("DiagonalScatterBackward0")
def diagonal_scatter(
    input: Tensor,  # noqa: A002
    src: Tensor,
    offset: int = 0,
    dim1: int = 0,
    dim2: int = 1,
) -> Tensor:
    """``input`` with its diagonal (``offset``, ``dim1``, ``dim2``) replaced by ``src``."""
    from . import matrices as mx

    d1, d2 = _axis(dim1, input.ndim), _axis(dim2, input.ndim)
    want = tuple(mx.diagonal(input.detach(), offset, d1, d2).shape)
    if tuple(src.shape) != want:
        raise RuntimeError(
            f"diagonal_scatter: expected src to have a size equal to the diagonal of self. "
            f"src size = {list(src.shape)}, diagonal size = {list(want)}"
        )
    if src._data.dtype != input._data.dtype:
        src = src.to(dtype=input.dtype)
    args = (int(offset), d1, d2)
    xp = get_array_module(input._data)
    mask = mx.DiagonalScatter().forward(
        xp.ones(want, dtype=bool), args=args, shape=tuple(input.shape)
    )
    placed = mx.DiagonalScatter.apply(src, args=args, shape=tuple(input.shape))
    return ew.where(Tensor._wrap(mask), placed, input)
