"""Indexing primitives: basic/advanced/boolean ``x[idx]``, index assignment, gather, scatter.

The gradient of a gather is a scatter-add into zeros, and the gradient of a scatter-add is a
gather, so each pair is the other's backward and double backward works.
"""

from __future__ import annotations

from typing import Any

from .. import _validate, backend
from ..autograd import function as fn_mod
from ..autograd.function import Function, check_same_device
from ..backend import along_axis_index, get_array_module, np
from ..tensor import Tensor
from .elementwise import _as_operand, where
from .shape import broadcast_tensors

_BASIC = (int, slice, type(None), type(Ellipsis))


def convert_index(idx: Any, x: Tensor | None = None) -> tuple[Any, bool]:
    """The index with Tensors replaced by arrays on ``x``'s device, and whether it is basic
    (no copy, no dupes).  As in torch, CPU index tensors (and lists) may index a CUDA tensor;
    a CUDA index tensor cannot index a CPU tensor."""
    xp = get_array_module(x._data) if x is not None else get_array_module(None)
    if isinstance(idx, tuple):
        parts = tuple(_convert_one(i, xp) for i in idx)
        return parts, all(isinstance(p, _BASIC) and not isinstance(p, bool) for p in parts)
    part = _convert_one(idx, xp)
    return part, isinstance(part, _BASIC) and not isinstance(part, bool)


def _convert_one(i: Any, xp: Any) -> Any:
    if isinstance(i, Tensor):
        data = i._data
        if data.dtype.kind == "f":
            raise IndexError(
                "tensors used as indices must be long, int or bool tensors, got a float tensor: "
                "call .long() on the index"
            )
        if get_array_module(data) is not xp:
            if xp is np:
                raise RuntimeError(
                    f"indices should be either on cpu or on the same device as the indexed "
                    f"tensor (cpu), got an index on {i.device}: move it with .cpu()"
                )
            data = xp.asarray(data)  # a host index for a device tensor: copied over, as torch
        return data
    if isinstance(i, (list, range)):
        return xp.asarray(list(i))
    return i


def along(xp: Any, index: Any, axis: int) -> tuple:
    """The full index of ``index`` used along ``axis`` (torch's gather/scatter addressing):
    element ``(i, j, ...)`` of ``index`` addresses ``(i, ..., index[i, j, ...], ...)``; the
    index may be smaller than the tensor in every dimension."""
    return along_axis_index(index, axis)  # the backend's: CuPy has no indices(sparse=)


class GetItem(Function):
    def forward(self, x, index=None, basic=True):
        self.index, self.basic, self.shape = index, basic, x.shape
        return x[index]

    def backward(self, g, out, x):
        return (self.m.call(IndexAddInto, g, index=self.index, shape=self.shape, basic=self.basic),)


class IndexAddInto(Function):
    """zeros(shape) with ``g`` added at ``index`` (the backward of GetItem)."""

    def forward(self, g, index=None, shape=(), basic=True):
        self.index = index
        xp = get_array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        if basic:
            out[index] = g
        else:
            xp.add.at(out, index, g)
        return out

    def backward(self, gg, out, g):
        return (gg[self.index],)


class SetItem(Function):
    """``out = x.copy(); out[index] = v``: gradient to x except at index, and to v from index."""

    def forward(self, x, v, index=None):
        self.index = index
        out = x.copy()
        out[index] = v
        return out

    def backward(self, g, out, x, v):
        gx = None
        if self.needs(0):
            raw = self.m.raw(g)
            mask = get_array_module(raw).ones(raw.shape, dtype=bool)
            mask[self.index] = False
            gx = g * mask
        gv = g[self.index] if self.needs(1) else None
        return gx, gv


# -- in-place changes of views (torch's CopySlices) ----------------------------------------------


def view_positions(base: Any, view: Any) -> Any:
    """The C-order flat index into ``base`` of every element of ``view``, an array that views
    ``base``'s memory (any slice, reshape, transpose or diagonal of it).

    Found from the two arrays' addresses and strides, so it needs no record of how the view
    was made.  Raises torch's error when two elements of ``view`` share one memory location
    (an expanded view), where an in-place write has no single meaning.
    """
    if any(s == 0 and n > 1 for n, s in zip(view.shape, view.strides)):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )
    offsets = _byte_offsets(view.shape, view.strides) + (
        backend.data_pointer(view) - backend.data_pointer(base)
    )
    if base.flags.c_contiguous:
        pos = offsets // base.itemsize
        if offsets.size and (
            pos.min() < 0 or pos.max() >= base.size or (offsets % base.itemsize).any()
        ):
            raise RuntimeError(
                "in-place operation on a view whose base tensor was itself replaced by an "
                "earlier recorded in-place operation: clone() the view, or change the base"
            )
    else:  # place each offset among the base's own element offsets (C order)
        base_offsets = _byte_offsets(base.shape, base.strides).ravel()
        order = np.argsort(base_offsets, kind="stable")
        pos = order[np.searchsorted(base_offsets[order], offsets).clip(0, base.size - 1)]
        if not np.array_equal(base_offsets[pos], offsets):
            raise RuntimeError(
                "in-place operation on a view whose base tensor was itself replaced by an "
                "earlier recorded in-place operation: clone() the view, or change the base"
            )
    return get_array_module(base).asarray(pos)


def _byte_offsets(shape: tuple, strides: tuple) -> Any:
    """Host array of shape ``shape``: the byte offset of each element from the first."""
    out = np.zeros(shape, dtype=np.int64)
    for axis, (n, stride) in enumerate(zip(shape, strides)):
        out += (np.arange(n, dtype=np.int64) * stride).reshape(
            (1,) * axis + (n,) + (1,) * (len(shape) - axis - 1)
        )
    return out


class ViewScatter(Function):
    """``out = base`` with the elements at flat positions ``pos`` replaced by ``v``, written
    into ``base``'s own memory through ``view`` (the recorded form of an in-place change of a
    view).  Gradient: to ``base`` everywhere but ``pos``, to ``v`` from ``pos``."""

    saved = ()  # the backward reads neither input

    def forward(self, base, v, pos=None, view=None):
        self.pos = pos
        get_array_module(base).copyto(view, v)
        return base

    def backward(self, g, out, base, v):
        gb = gv = None
        if self.needs(0):
            raw = self.m.raw(g)
            mask = get_array_module(raw).ones(raw.size, dtype=bool)
            mask[self.pos] = False
            gb = g * mask.reshape(raw.shape)
        if self.needs(1):
            gv = g.reshape(-1)[self.pos]
        return gb, gv


class ViewOf(Function):
    """The view ``view`` of ``base`` (its elements at flat positions ``pos``), recorded again
    after an in-place change gave ``base`` new history."""

    saved = ()

    def forward(self, base, pos=None, view=None):
        self.pos, self.shape = pos, base.shape
        return view

    def backward(self, g, out, base):
        size = int(np.prod(self.shape))
        flat = self.m.call(IndexAddInto, g, index=self.pos, shape=(size,), basic=True)
        return (flat.reshape(self.shape),)


def rebind(x: Tensor, make: Any) -> None:
    """Record an in-place change of ``x`` as ``x = make(old x)`` (torch's in-place semantics).

    For a view the new values are written into the base's memory, the base gets a
    ``ViewScatter`` node (so gradients reach both the old base and the new values) and the view
    is re-derived from the new base, as torch's CopySlices does.
    """
    base = x._base
    if base is None:
        x._rebind(make)
        return
    if base._ctx is None and base._requires_grad:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place "
            "operation: do the update inside `with nablagrad.no_grad():` or on a clone()"
        )
    pos = view_positions(base._data, x._data)
    vc = x._counter()  # shared with the base and its other views
    old = Tensor._wrap(x._data.copy())  # the node that make() records may save it
    old._requires_grad, old._ctx, old._vc = x._requires_grad, x._ctx, vc
    base_old = Tensor._wrap(base._data)
    base_old._requires_grad, base_old._ctx, base_old._vc = base._requires_grad, base._ctx, vc
    x._bump_version()  # before make(): nodes recorded before now that read x or base see it
    new = make(old)
    if new._data.shape != x._data.shape:
        raise RuntimeError(
            f"output with shape {list(x._data.shape)} doesn't match the broadcast shape "
            f"{list(new._data.shape)}: an in-place operation cannot change a tensor's shape; "
            "use the out-of-place form (x = x + y)"
        )
    base._keep_prior(base_old)
    x._keep_prior(old)
    base_new = ViewScatter.apply(base_old, new, pos=pos, view=x._data)
    base._ctx, base._requires_grad = base_new._ctx, base_new._requires_grad
    view_new = ViewOf.apply(base, pos=pos, view=x._data)
    x._ctx, x._requires_grad = view_new._ctx, view_new._requires_grad


class Gather(Function):
    def forward(self, x, index=None, axis=0):
        self.index, self.axis, self.shape = index, axis, x.shape
        return x[along(get_array_module(x), index, axis)]

    def backward(self, g, out, x):
        return (
            self.m.call(ScatterAddAlong, g, index=self.index, axis=self.axis, shape=self.shape),
        )


class ScatterAddAlong(Function):
    def forward(self, g, index=None, axis=0, shape=()):
        self.index, self.axis = index, axis
        xp = get_array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        xp.add.at(out, along(xp, index, axis), g)
        return out

    def backward(self, gg, out, g):
        return (self.m.call(Gather, gg, index=self.index, axis=self.axis),)


def getitem(x: Tensor, idx: Any) -> Tensor:
    index, basic = convert_index(idx, x)
    if basic and not (isinstance(index, tuple) and Ellipsis in index) and index is not Ellipsis:
        # x[0] of a 1-d array would be a NumPy scalar (a copy); x[0, ...] is a 0-d view, so the
        # result shares memory and version counter with x, as torch's view does
        index = (*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)
    try:
        return GetItem.apply(x, index=index, basic=basic)
    except IndexError as e:
        raise IndexError(
            f"index {idx!r} is invalid for a tensor of shape {tuple(x.shape)}: {e}"
        ) from None


def setitem(x: Tensor, idx: Any, value: Any) -> None:
    """``x[idx] = value``; differentiable when ``x`` is not a leaf that requires grad."""
    index, _ = convert_index(idx, x)
    if isinstance(value, Tensor) and value.device != x.device:
        value = value.to(x.device)  # torch copies across devices on assignment
    v = _as_operand(value, x, x._data.dtype)
    if v._data.ndim and v._data.shape[0] == 1:
        # torch drops a value's leading size-1 dims beyond the target's: t[i] = y of shape (1, 1)
        extra = v._data.ndim - x._data[index].ndim
        while extra > 0 and v._data.shape[0] == 1:
            v, extra = v.reshape(v._data.shape[1:]), extra - 1
    if fn_mod._grad_enabled and (x.requires_grad or v.requires_grad):
        if x._ctx is None and x.requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation: "
                "wrap the assignment in `with nablagrad.no_grad():` or assign into a clone()"
            )
        rebind(x, lambda old: SetItem.apply(old, v, index=index))
        return
    try:
        x._data[index] = v._data
    except ValueError as e:
        raise ValueError(
            f"cannot assign a value of shape {tuple(v.shape)} to x[{idx!r}] of a tensor of "
            f"shape {tuple(x.shape)}: {e}"
        ) from None
    x._version = fn_mod.tick()


@_validate.numpy_names
def gather(x: Tensor, dim: int, index: Tensor) -> Tensor:
    """out[i][j] = x[i][index[i][j]] along ``dim`` (torch.gather)."""
    if index._data.dtype.kind not in "iu":
        raise TypeError(f"gather(): index must be an integer tensor, got {index.dtype}")
    if index.ndim != x.ndim:
        raise RuntimeError(
            f"gather(): index has {index.ndim} dims but input has {x.ndim}: they must match"
        )
    axis = _validate.dim(dim, x.ndim)
    _check_along("gather", x, index, axis)
    return Gather.apply(x, index=index._data, axis=axis)


def _check_along(name: str, x: Tensor, index: Tensor, axis: int) -> None:
    """torch's rule: ``index`` fits inside ``x`` in every dimension but ``axis``; its values
    lie in ``[0, size)`` along ``axis`` (torch refuses negative indices here); both on one
    device."""
    check_same_device(name, x, index)
    for d, (i, n) in enumerate(zip(index.shape, x.shape)):
        if d != axis and i > n:
            raise RuntimeError(
                f"{name}(): index has size {i} in dimension {d} but the input only {n}: the "
                f"index may not be larger than the input outside dim {axis}"
            )
    _validate.index_range(index._data, x.shape[axis] if x.ndim else 1, name, axis)


@_validate.numpy_names
def index_select(x: Tensor, dim: int, index: Tensor) -> Tensor:
    axis = _validate.dim(dim, x.ndim)
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise TypeError(
            "index_select(): argument 'index' must be an integer Tensor, got "
            f"{getattr(index, 'dtype', type(index).__name__)}"
        )
    if index.ndim > 1:
        raise IndexError(
            f"index_select(): Index is supposed to be a vector, got shape {tuple(index.shape)}"
        )
    _validate.index_range(index._data, x.shape[axis] if x.ndim else 1, "index_select", axis)
    return getitem(x, (slice(None),) * axis + (index.reshape(-1),))


def masked_fill(x: Tensor, mask: Tensor, value: Any) -> Tensor:
    return where(
        mask,
        value
        if isinstance(value, Tensor)
        else Tensor._wrap(get_array_module(x._data).asarray(value, dtype=x._data.dtype)),
        x,
    )


def masked_select(x: Tensor, mask: Tensor) -> Tensor:
    xb, mb = broadcast_tensors(x, mask)
    return getitem(xb, mb._data)


class Scatter(Function):
    """``out = x.copy(); out[index along axis] = src`` (or ``+= src`` with ``reduce="add"``).

    Gradients (torch's): x gets ``g`` with zeros where it was overwritten, src gets
    ``g.gather(axis, index)``.  With ``reduce`` set, torch has no derivative, and neither has
    this: backward raises.
    """

    def forward(self, x, src, index=None, axis=0, reduce=None):
        xp = get_array_module(x)
        self.index, self.axis, self.reduce = index, axis, reduce
        out = x.copy()
        where = along(xp, index, axis)
        if reduce == "add":
            xp.add.at(out, where, src)
        elif reduce == "multiply":
            xp.multiply.at(out, where, src)
        else:
            out[where] = src
        return out

    def backward(self, g, out, x, src):
        if self.reduce is not None:
            raise RuntimeError(
                f"the derivative of scatter with reduce={self.reduce!r} is not implemented (as "
                "in torch): scatter without reduce is differentiable; or compute this one "
                "under nablagrad.no_grad()"
            )
        m = self.m
        gx = gsrc = None
        if self.needs(0):
            raw = m.raw(g)
            keep = get_array_module(raw).ones(raw.shape, dtype=bool)
            keep[along(get_array_module(raw), self.index, self.axis)] = False
            gx = g * keep
        if self.needs(1):
            gsrc = m.call(Gather, g, index=self.index, axis=self.axis)
        return gx, gsrc


@_validate.numpy_names
def scatter(x: Tensor, dim: int, index: Tensor, src: Any, reduce: str | None = None) -> Tensor:
    """Out-of-place torch.scatter: ``src`` written at ``index`` along ``dim`` (differentiable).

    For ``dim=0``: ``out[index[i][j]][j] = src[i][j]``; ``src`` may be a number or a tensor at
    least as large as ``index`` in every dimension (its leading ``index.shape`` block is used).
    ``reduce="add"``/``"multiply"`` combine instead of overwriting (no derivative, as torch).
    """
    if reduce not in (None, "add", "multiply"):
        raise ValueError(f"scatter: reduce must be None, 'add' or 'multiply', got {reduce!r}")
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise TypeError("scatter(): index must be an integer tensor (e.g. idx.long())")
    if index.ndim != x.ndim:
        raise RuntimeError(
            f"scatter(): index has {index.ndim} dims but input has {x.ndim}: they must match"
        )
    axis = _validate.dim(dim, x.ndim)
    _check_along("scatter", x, index, axis)
    xp = get_array_module(x._data)
    if isinstance(src, Tensor):
        if src.ndim != x.ndim or any(i > s for i, s in zip(index.shape, src.shape)):
            raise RuntimeError(
                f"scatter(): src of shape {tuple(src.shape)} is smaller than index of shape "
                f"{tuple(index.shape)}: src needs at least index's size in every dimension"
            )
        if tuple(src.shape) != tuple(index.shape):
            src = getitem(src, tuple(slice(0, n) for n in index.shape))
        if src._data.dtype != x._data.dtype:
            src = src.to(dtype=x.dtype)
    else:
        src = Tensor._wrap(xp.full(index.shape, src, dtype=x._data.dtype))
    return Scatter.apply(x, src, index=index._data, axis=axis, reduce=reduce)
