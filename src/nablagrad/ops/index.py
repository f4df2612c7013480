"""Indexing primitives: basic/advanced/boolean ``x[idx]``, index assignment, gather, scatter.

The gradient of a gather is a scatter-add into zeros, and the gradient of a scatter-add is a
gather, so each pair is the other's backward and double backward works.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import _validate, backend
from ..autograd import forward_ad
from ..autograd import function as fn_mod
from ..autograd.function import Function, check_same_device, torch_node
from ..backend import along_axis_index, get_array_module, np
from ..tensor import Tensor, _stamp, check_inplace_shape
from .elementwise import _as_operand, check_half_scalar, where
from .shape import Permute, broadcast_tensors

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
        if data.dtype == np.uint8:  # torch's deprecated byte mask
            warnings.warn(
                "indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                "torch.bool instead.",
                UserWarning,
                stacklevel=4,
            )
            data = data.astype(bool)
        return data
    if isinstance(i, (list, range)):
        if not len(i):  # an empty list selects nothing (NumPy would make it a float array)
            return xp.zeros(0, dtype=np.int64)
        return xp.asarray(list(i))
    if type(i) is slice and i.step is not None and i.step <= 0:
        raise ValueError(f"step must be greater than zero, got {i!r}: use flip() to reverse")
    return i


def _is_select(i: Any) -> bool:
    """An int or a 0-d integer array: torch selects with it before indexing with the rest."""
    if type(i) is int:
        return True
    dtype = getattr(i, "dtype", None)
    return dtype is not None and dtype.kind in "iu" and i.ndim == 0


def torch_advanced_axes(index: Any, ndim: int) -> tuple[int, int] | None:
    """``(first, rest)`` when torch and NumPy place the dimensions of a tuple index's advanced
    indices apart: NumPy puts them first, torch at ``first``; ``rest`` is the number of the
    result's other dimensions.  None when the two agree (the common case).

    torch selects with ints (and 0-d integer tensors) before it indexes with the advanced
    indices, so in ``x[1, :, [0, 1]]`` the list's dimension stays after the slice's: shape
    (5, 2) for ``x`` of shape (4, 5, 6).  NumPy counts the 1 as an advanced index separated
    from the list by the slice, and puts the list's dimension first: (2, 5)."""
    kinds = ""  # s: select, a: advanced, b: basic (slice, None, Ellipsis)
    for i in index:
        if isinstance(i, bool):
            return None  # a bool scalar is advanced in both (rare): NumPy's order
        if _is_select(i):
            kinds += "s"
        elif i is None or i is Ellipsis or type(i) is slice:
            kinds += "b"
        else:
            kinds += "a"
    if "s" not in kinds or "a" not in kinds:
        return None
    numpy_adjacent = "b" not in kinds.strip("b")
    torch_adjacent = "b" not in kinds.replace("s", "").strip("b")
    if numpy_adjacent or not torch_adjacent:
        return None
    used = 0  # the dimensions of x that the index consumes
    for i in index:
        if i is not None and i is not Ellipsis:
            dtype = getattr(i, "dtype", None)
            used += i.ndim if dtype is not None and dtype.kind == "b" else 1
    spread = ndim - used  # covered by the Ellipsis, or trailing
    first = 0
    for i, k in zip(index, kinds):
        if k == "a":
            break
        if k == "b":
            first += spread if i is Ellipsis else 1
    rest = spread + sum(1 for i in index if i is None or type(i) is slice)
    return first, rest


def _advanced_to_numpy(v: Tensor, target: tuple, moved: tuple[int, int]) -> Tensor:
    """A value for an index whose advanced dimensions torch and NumPy place apart, broadcast
    to torch's shape of the indexed part and reordered to NumPy's ``target`` shape."""
    first, rest = moved
    k = len(target) - rest
    torch_shape = (*target[k : k + first], *target[:k], *target[k + first :])
    v = v.expand(*torch_shape) if tuple(v.shape) != torch_shape else v
    axes = list(range(first, first + k)) + list(range(first)) + list(range(first + k, len(target)))
    return Permute.apply(v, axes=tuple(axes))


def _advanced_to_torch(out: Tensor, moved: tuple[int, int]) -> Tensor:
    """NumPy's result of an index whose advanced dimensions came first, in torch's order."""
    first, rest = moved
    k = out.ndim - rest
    axes = list(range(k, k + first)) + list(range(k)) + list(range(k + first, out.ndim))
    return Permute.apply(out, axes=tuple(axes))


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

    @property
    def name(self) -> str:
        """torch's node name for the last indexing step: ``SelectBackward0`` (an int),
        ``SliceBackward0`` (a slice), ``UnsqueezeBackward0`` (None), ``IndexBackward0``."""
        if not self.basic:
            return "IndexBackward0"
        items = self.index if isinstance(self.index, tuple) else (self.index,)
        last = "AliasBackward0"
        for item, size in zip(items, (*self.shape, *([None] * len(items)))):
            if item is None:
                last = "UnsqueezeBackward0"
            elif isinstance(item, slice):
                if item != slice(None) and (size is None or range(size)[item] != range(size)):
                    last = "SliceBackward0"
            elif item is not Ellipsis:
                last = "SelectBackward0"
        return last


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


_OVERLAP_MESSAGE = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation."
)


def view_positions(base: Any, view: Any) -> Any:
    """The C-order flat index into ``base`` of every element of ``view``, an array that views
    ``base``'s memory (any slice, reshape, transpose or diagonal of it).

    Found from the two arrays' addresses and strides, so it needs no record of how the view
    was made.  Raises torch's error when two elements of ``view`` share one memory location
    (an expanded view), where an in-place write has no single meaning.
    """
    if any(s == 0 and n > 1 for n, s in zip(view.shape, view.strides)):
        raise RuntimeError(_OVERLAP_MESSAGE)
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
        views = _live_views(x)
        # with live views the new values go into x's own memory, so the views see them
        x._rebind(make, write_through=bool(views))
        if views:
            _refresh_views(x, views, None)
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
    check_inplace_shape(x, new)
    base._keep_prior(base_old)
    x._keep_prior(old)
    base_new = ViewScatter.apply(base_old, new, pos=pos, view=x._data)
    base._ctx, base._requires_grad = base_new._ctx, base_new._requires_grad
    view_new = ViewOf.apply(base, pos=pos, view=x._data)
    x._ctx, x._requires_grad = view_new._ctx, view_new._requires_grad
    _refresh_views(base, _live_views(base), x)


def _live_views(base: Tensor) -> list:
    views = base.__dict__.get("_views")
    return list(views) if views else []


def _refresh_views(base: Tensor, views: list, changed: Tensor | None) -> None:
    """After ``base`` got new history, re-derive every other live view of it from the new base
    (torch regenerates a view's grad_fn when its base changed), keeping each view's previous
    history for the nodes that consumed it before."""
    if not base._requires_grad:
        return
    for v in views:
        if v is changed:
            continue
        try:
            pos = view_positions(base._data, v._data)
        except RuntimeError:  # an expanded view, or one whose memory the base no longer holds
            continue
        prior = Tensor._wrap(v._data)
        prior._ctx, prior._requires_grad, prior._vc = v._ctx, v._requires_grad, v._vc
        v._keep_prior(prior)
        fresh = ViewOf.apply(base, pos=pos, view=v._data)
        v._ctx, v._requires_grad = fresh._ctx, fresh._requires_grad
    # nodes recorded before now may list a view whose history was just replaced: tell the
    # engine to look for stale inputs (``engine._parents_at``) from this tick on
    _stamp()


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
        out = GetItem.apply(x, index=index, basic=basic)
    except IndexError as e:
        raise IndexError(
            f"index {idx!r} is invalid for a tensor of shape {tuple(x.shape)}: {e}"
        ) from None
    if not basic and isinstance(index, tuple):
        moved = torch_advanced_axes(index, x._data.ndim)
        if moved is not None:
            return _advanced_to_torch(out, moved)
    return out


# Set by ``nablagrad.func.vmap`` while it runs: ``guard(x, value, (), {})`` refuses writing
# batched values into an unbatched tensor (``x[i] = batched``); None otherwise.
_vmap_guard: Any = None

# Set by ``autograd.forward_ad`` while a dual level is active: ``hook(setitem, x, idx, value)``
# updates ``x``'s tangent and writes (returns True) when ``x`` or ``value`` is dual; else None.
_dual_hook: Any = None


def setitem(x: Tensor, idx: Any, value: Any) -> None:
    """``x[idx] = value``; differentiable when ``x`` is not a leaf that requires grad."""
    if _vmap_guard is not None:
        _vmap_guard(x, value, (), {})
    if _dual_hook is not None and _dual_hook(setitem, x, idx, value):
        return
    index, _ = convert_index(idx, x)
    if isinstance(value, Tensor) and value.device != x.device:
        value = value.to(x.device)  # torch copies across devices on assignment
    v = _as_operand(value, x, x._data.dtype)
    if v._data.ndim and v._data.shape[0] == 1:
        # torch drops a value's leading size-1 dims beyond the target's: t[i] = y of shape (1, 1)
        extra = v._data.ndim - x._data[index].ndim
        while extra > 0 and v._data.shape[0] == 1:
            v, extra = v.reshape(v._data.shape[1:]), extra - 1
    if isinstance(index, tuple):
        moved = torch_advanced_axes(index, x._data.ndim)
        if moved is not None:
            v = _advanced_to_numpy(v, x._data[index].shape, moved)
    if fn_mod._grad_enabled and (x.requires_grad or v.requires_grad):
        if x._ctx is None and x.requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation: "
                "wrap the assignment in `with nablagrad.no_grad():` or assign into a clone()"
            )
        rebind(x, lambda old: SetItem.apply(old, v, index=index))
        return
    if not backend.writeable(x._data):  # an expanded tensor: one memory slot, many elements
        raise RuntimeError(_OVERLAP_MESSAGE)
    try:
        x._data[index] = v._data
    except ValueError as e:
        raise RuntimeError(
            f"shape mismatch: cannot assign a value of shape {tuple(v.shape)} to x[{idx!r}] of "
            f"a tensor of shape {tuple(x.shape)}: {e}"
        ) from None
    x._version = fn_mod.tick()


@_validate.numpy_names
def gather(x: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = x[i][index[i][j]] along ``dim`` (torch.gather).  ``sparse_grad=True``
    (torch's sparse gradient for ``x``) is not supported: the gradient is always dense."""
    if sparse_grad:
        raise NotImplementedError(
            "gather(): sparse_grad=True is not supported (nablagrad gives gather a dense "
            "gradient): call gather without sparse_grad"
        )
    if index._data.dtype.kind not in "iu":
        raise TypeError(f"gather(): index must be an integer tensor, got {index.dtype}")
    if x.ndim == 0 and index.ndim <= 1:  # torch: a 0-d input gathers from its one element
        _validate.index_range(index._data, 1, "gather", 0)
        flat = index.reshape(-1)
        out = Gather.apply(x.reshape(1), index=flat._data, axis=0)
        return out.reshape(tuple(index.shape))
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
@torch_node("IndexSelectBackward0")
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
    size = x.shape[axis] if x.ndim else 1
    _validate.index_range(index._data, size, "index_select", axis, error=IndexError)
    if x.ndim == 0:  # torch: one index into the scalar gives the scalar
        if index.numel() != 1:
            raise RuntimeError(
                f"index_select(): Index to scalar can have only 1 value, got {index.numel()} "
                "value(s)"
            )
        return getitem(x.reshape(1), index.reshape(-1)).reshape(())
    return getitem(x, (slice(None),) * axis + (index.reshape(-1),))


@torch_node(
    lambda x, mask, value: (
        "MaskedFillBackward1" if isinstance(value, Tensor) else "MaskedFillBackward0"
    )
)
def masked_fill(x: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``x`` with ``value`` where the bool ``mask`` (broadcast to ``x``) holds."""
    if isinstance(mask, Tensor) and mask._data.dtype.kind != "b":
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype}"
        )
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s)."
        )
    check_half_scalar(x, value)
    return where(
        mask,
        value
        if isinstance(value, Tensor)
        else Tensor._wrap(get_array_module(x._data).asarray(value, dtype=x._data.dtype)),
        x,
    )


@torch_node("MaskedSelectBackward0")
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
            backend.multiply_at(out, where, src)
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
@torch_node(
    lambda x, dim, index, src=None, reduce=None, *, value=None: (
        None if reduce else "ScatterBackward0" if isinstance(src, Tensor) else "ScatterBackward1"
    )
)
def scatter(
    x: Tensor,
    dim: int,
    index: Tensor,
    src: Any = None,
    reduce: str | None = None,
    *,
    value: Any = None,
) -> Tensor:
    """Out-of-place torch.scatter: ``src`` written at ``index`` along ``dim`` (differentiable).

    For ``dim=0``: ``out[index[i][j]][j] = src[i][j]``; ``src`` may be a number or a tensor at
    least as large as ``index`` in every dimension (its leading ``index.shape`` block is used);
    torch's ``value=`` overload takes the number by keyword.  A 0-d index (or src) counts as
    1-d, as in torch (``torch.zeros(10).scatter_(0, torch.tensor(y), value=1)``: one-hot).
    ``reduce="add"``/``"multiply"`` combine instead of overwriting (no derivative, as torch).
    """
    if value is not None:
        if src is not None:
            raise TypeError("scatter(): give either src or value=, not both")
        src = value
    if src is None:
        raise TypeError("scatter(): missing the values to write: pass src (a tensor) or value=")
    if reduce not in (None, "add", "multiply"):
        raise ValueError(f"scatter: reduce must be None, 'add' or 'multiply', got {reduce!r}")
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise TypeError("scatter(): index must be an integer tensor (e.g. idx.long())")
    if index.ndim == 0 and x.ndim == 1:  # torch's ensure_nonempty_dim
        index = index.reshape(1)
        if isinstance(src, Tensor) and src.ndim == 0:
            src = src.reshape(1)
    if x.ndim == 0 and index.ndim <= 1:  # torch: a 0-d input gathers from its one element
        _validate.index_range(index._data, 1, "gather", 0)
        flat = index.reshape(-1)
        out = Gather.apply(x.reshape(1), index=flat._data, axis=0)
        return out.reshape(tuple(index.shape))
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


# -- index_add / index_copy / index_fill / index_put / scatter_add / scatter_reduce ------------
# composed from the primitives above (scatter-add <-> gather, Scatter, SetItem, where)


def _index_vector(name: str, x: Tensor, dim: int, index: Any) -> tuple[int, Any]:
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise TypeError(f"{name}(): index must be an integer tensor (e.g. idx.long())")
    if index.ndim > 1:
        raise IndexError(
            f"{name}(): Index is supposed to be a vector, got shape {tuple(index.shape)}"
        )
    axis = _validate.dim(dim, builtins_max(x.ndim, 1), fn=name)
    size = x.shape[axis] if x.ndim else 1
    # torch: index_fill takes negative indices; index_copy and index_fill raise IndexError
    _validate.index_range(
        index._data,
        size,
        name,
        axis,
        allow_negative=name == "index_fill",
        error=RuntimeError if name == "index_add" else IndexError,
    )
    idx = index._data.reshape(-1)
    return axis, idx % size if size else idx


def builtins_max(a: int, b: int) -> int:
    return a if a > b else b


def _along_index(idx: Any, axis: int, shape: tuple) -> Any:
    """The 1-D ``idx`` placed along ``axis`` and broadcast to ``shape`` (a gather/scatter index)."""
    xp = get_array_module(idx)
    view = idx.reshape((1,) * axis + (-1,) + (1,) * (len(shape) - axis - 1))
    return xp.ascontiguousarray(xp.broadcast_to(view, shape))


def _source_for(name: str, x: Tensor, axis: int, idx: Any, source: Tensor) -> Tensor:
    want = tuple(x.shape[:axis]) + (len(idx),) + tuple(x.shape[axis + 1 :])
    if x.ndim == 0:
        if len(idx) != 1:
            raise IndexError(f"{name}(): a 0-dim tensor takes exactly one index (got {len(idx)})")
        want = ()
    if tuple(source.shape) != want:
        raise RuntimeError(
            f"{name}(): source has shape {tuple(source.shape)} but must have shape {want} "
            f"(the input's shape with dim {axis} of the index's length {len(idx)})"
        )
    if source._data.dtype != x._data.dtype:
        raise RuntimeError(
            f"{name}(): self ({x.dtype}) and source ({source.dtype}) must have the same dtype"
        )
    return source


@_validate.numpy_names
@torch_node("IndexAddBackward0")
def index_add(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Tensor,
    source: Tensor,
    *,
    alpha: Any = 1,
) -> Tensor:
    """``out = input``; ``out[..., index[i], ...] += alpha * source[..., i, ...]`` along ``dim``
    (repeated indices accumulate).  Gradient: ``g`` to input, ``g`` gathered to source."""
    axis, idx = _index_vector("index_add", input, dim, index)
    src = _source_for("index_add", input, axis, idx, source)
    if input.ndim == 0:
        return input + (src.sum() if alpha == 1 else alpha * src.sum())
    full = _along_index(idx, axis, tuple(src.shape))
    added = ScatterAddAlong.apply(src, index=full, axis=axis, shape=tuple(input.shape))
    return input + (added if alpha == 1 else alpha * added)


@_validate.numpy_names
@torch_node("IndexCopyBackward0")
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:  # noqa: A002
    """``out = input`` with ``out[..., index[i], ...] = source[..., i, ...]`` along ``dim``."""
    axis, idx = _index_vector("index_copy", input, dim, index)
    src = _source_for("index_copy", input, axis, idx, source)
    if input.ndim == 0:
        return src.reshape(()) * 1 if src.numel() else input.clone()
    full = _along_index(idx, axis, tuple(src.shape))
    return Scatter.apply(input, src, index=full, axis=axis)


@_validate.numpy_names
@torch_node(
    lambda input, dim, index, value: (
        "IndexFillBackward1" if isinstance(value, Tensor) else "IndexFillBackward0"
    )
)
def index_fill(input: Tensor, dim: int, index: Tensor, value: Any) -> Tensor:  # noqa: A002
    """``out = input`` with every slice ``index[i]`` along ``dim`` set to ``value``."""
    axis, idx = _index_vector("index_fill", input, dim, index)
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s)."
        )
    xp = get_array_module(input._data)
    hit = xp.zeros(input.shape[axis] if input.ndim else 1, dtype=bool)
    hit[idx] = True
    mask = hit.reshape((-1,) + (1,) * (input.ndim - axis - 1)) if input.ndim else hit.reshape(())
    return masked_fill(input, Tensor._wrap(mask), value)


@torch_node("IndexPutBackward0")
def index_put(
    input: Tensor,  # noqa: A002
    indices: Any,
    values: Any,
    accumulate: bool = False,
) -> Tensor:
    """``out = input.clone(); out[indices] = values`` (``+=`` with ``accumulate``, repeated
    indices adding up); ``indices`` is a tuple of index tensors, as torch's."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be a tuple of Tensors")
    index, _ = convert_index(tuple(indices), input)
    v = values if isinstance(values, Tensor) else _as_operand(values, input, input._data.dtype)
    if v._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got {input.dtype} "
            f"for the destination and {v.dtype} for the source."
        )
    if not accumulate:
        return SetItem.apply(input, _fit(v, input, index), index=index)
    xp = get_array_module(input._data)
    target_shape = input._data[index].shape
    v = v if tuple(v.shape) == target_shape else v.expand(*target_shape)
    if any(getattr(i, "dtype", None) is not None and i.dtype.kind == "b" for i in index):
        index = _bool_to_int(xp, index)
    added = IndexAddInto.apply(v, index=index, shape=tuple(input.shape), basic=False)
    return input + added


def _fit(v: Tensor, x: Tensor, index: Any) -> Tensor:
    target = x._data[index].shape
    if tuple(v.shape) == target:
        return v
    from .shape import expand

    return expand(v, target)


def _bool_to_int(xp: Any, index: tuple) -> tuple:
    out: list = []
    for i in index:
        if getattr(i, "dtype", None) is not None and i.dtype.kind == "b":
            out.extend(xp.nonzero(i))
        else:
            out.append(i)
    return tuple(out)


def _scatter_src(name: str, x: Tensor, index: Tensor, src: Tensor, axis: int) -> Tensor:
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise TypeError(f"{name}(): index must be an integer tensor (e.g. idx.long())")
    if index.ndim != x.ndim or src.ndim != x.ndim:
        raise RuntimeError(
            f"{name}(): Index tensor must have the same number of dimensions as self and src "
            f"tensors (got {index.ndim}, {x.ndim} and {src.ndim})"
        )
    _check_along(name, x, index, axis)
    if any(i > s for i, s in zip(index.shape, src.shape)):
        raise RuntimeError(
            f"{name}(): Expected index {tuple(index.shape)} to be smaller than src "
            f"{tuple(src.shape)} apart from dimension {axis}"
        )
    if src._data.dtype != x._data.dtype:
        raise RuntimeError(
            f"{name}(): Expected self.dtype to be equal to src.dtype ({x.dtype} vs {src.dtype})"
        )
    if tuple(src.shape) != tuple(index.shape):
        src = getitem(src, tuple(slice(0, n) for n in index.shape))
    return src


@_validate.numpy_names
@torch_node("ScatterAddBackward0")
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:  # noqa: A002
    """``out = input``; ``out[index[i][j]][j] += src[i][j]`` (for dim 0), differentiable in
    both ``input`` and ``src``."""
    axis = _validate.dim(dim, builtins_max(input.ndim, 1), fn="scatter_add")
    s = _scatter_src("scatter_add", input, index, src, axis)
    return input + ScatterAddAlong.apply(s, index=index._data, axis=axis, shape=tuple(input.shape))


class ScatterProd(Function):
    """``out = input``; ``out[p] = input[p]^include_self * prod(src sent to p)`` for every
    position ``p`` that ``index`` (along ``axis``) reaches (torch's scatter_reduce "prod").

    Gradients (torch's formulas, written with this primitive, gather and scatter-add, so they
    can be differentiated again): for ``input``, ``g * P(input with zeros set to 1) / (input
    with zeros set to 1)``, the product of everything else sent to ``p`` (0 where ``p`` is
    reached and ``include_self`` is False); for ``src[i]``, sent to ``p``, ``g[p] * out[p] /
    src[i]`` when ``src[i] != 0``, and, when ``src[i]`` is the only zero sent to ``p``,
    ``g[p]`` times the product at ``p`` with ``src[i]`` set to 1.  When two or more zeros are
    sent to one position the first derivative is exact (0 for all of them) and, as in torch,
    differentiating it again raises.
    """

    saved = (0, 1, "out")

    def forward(self, x, src, index=None, axis=0, include_self=True):
        self.index, self.axis, self.include_self = index, axis, include_self
        xp = get_array_module(x)
        out = x.copy()
        where_ = along(xp, index, axis)
        if not include_self:
            out[where_] = 1
        backend.multiply_at(out, where_, src)
        return out

    def backward(self, g, out, x, src):
        m = self.m
        kw = {"index": self.index, "axis": self.axis, "include_self": self.include_self}
        xr, sr = m.raw(x), m.raw(src)
        xp = get_array_module(xr)
        one = xp.ones((), dtype=xr.dtype)
        if m.tensors:
            one = Tensor._wrap(one)
        gx = gsrc = None
        if self.needs(0):
            self_zero = xr == 0
            masked_self = m.where(self_zero, one, x) if self_zero.any() else x
            rest = m.call(ScatterProd, masked_self, src, **kw) if self_zero.any() else out
            gx = g * rest / masked_self
            if not self.include_self:
                keep = xp.ones(xr.shape, dtype=bool)
                keep[along(xp, self.index, self.axis)] = False
                gx = gx * keep
        if self.needs(1):
            src_zero = sr == 0
            zeros = xp.zeros(xr.shape, dtype=xr.dtype)
            xp.add.at(zeros, along(xp, self.index, self.axis), src_zero.astype(xr.dtype))
            count = zeros[along(xp, self.index, self.axis)]
            single = src_zero & (count == 1)
            kw2 = {"index": self.index, "axis": self.axis}
            plain = m.call(Gather, g * out, **kw2) / (
                m.where(src_zero, one, src) if src_zero.any() else src
            )
            if single.any():
                others = m.call(ScatterProd, x, m.where(single, one, src), **kw)
                gsrc = m.where(single, m.call(Gather, g * others, **kw2), plain)
            else:
                gsrc = plain
            # (forward-mode AD transposes this backward once: that is no double backward)
            if m.tensors and (count > 1).any() and not forward_ad._busy:
                from .mathfns import NoDerivative  # (mathfns imports reduce, which imports us)

                # right as a value, but it cannot be differentiated again (torch's DelayedError)
                gsrc = NoDerivative.apply(
                    gsrc,
                    value=gsrc._data,
                    message="scatter_reduce(): Double backward is unsupported for src when "
                    ">1 zeros in src are scattered to the same position in self (as in torch): "
                    "differentiate once, or avoid repeated zeros",
                )
        return gx, gsrc


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


@_validate.numpy_names
def scatter_reduce(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Tensor,
    src: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
) -> Tensor:
    """Reduce the ``src`` values sent to each position (``index`` along ``dim``) with
    ``reduce`` ('sum', 'prod', 'mean', 'amax', 'amin'), together with ``input``'s own value when
    ``include_self``; positions no index reaches keep ``input``.  Gradients as torch's (ties of
    amax/amin share the gradient evenly); 'prod' as torch's too
    (see ``ScatterProd``: zeros in ``input`` or ``src`` get their exclusive products)."""
    if reduce not in _REDUCES:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"
        )
    axis = _validate.dim(dim, builtins_max(input.ndim, 1), fn="scatter_reduce")
    s = _scatter_src("scatter_reduce", input, index, src, axis)
    xp = get_array_module(input._data)
    shape = tuple(input.shape)
    idx = index._data
    where_ = along(xp, idx, axis)
    hit_arr = xp.zeros(shape, dtype=bool)
    hit_arr[where_] = True
    hit = Tensor._wrap(hit_arr)

    def sadd(t: Tensor) -> Tensor:
        return ScatterAddAlong.apply(t, index=idx, axis=axis, shape=shape)

    if reduce == "sum":
        total = sadd(s)
        return input + total if include_self else where(hit, total, input)
    if reduce == "mean":
        ones = xp.zeros(shape, dtype=input._data.dtype)
        xp.add.at(ones, where_, 1)
        count = ones + (1 if include_self else 0)
        total = sadd(s) + (input if include_self else 0)
        safe = xp.where(count == 0, 1, count).astype(input._data.dtype)
        if input._data.dtype.kind in "iu":
            return where(hit, total // Tensor._wrap(safe), input)
        return where(hit, total / Tensor._wrap(safe), input)
    if reduce == "prod":
        return ScatterProd.apply(input, s, index=idx, axis=axis, include_self=include_self)
    # amax / amin: the extreme value, its gradient shared by every element equal to it
    ufunc = xp.maximum if reduce == "amax" else xp.minimum
    ext = input._data.copy()
    if not include_self:
        fill = -xp.inf if reduce == "amax" else xp.inf
        if input._data.dtype.kind in "iu":
            info = xp.iinfo(input._data.dtype)
            fill = info.min if reduce == "amax" else info.max
        ext[where_] = fill
    ufunc.at(ext, where_, s._data)
    if input._data.dtype.kind in "iu":
        return where(hit, Tensor._wrap(ext), input)
    # the gradient of each position is shared by the values equal to its result: the sources
    # and, as torch counts it, the position's own value, even when it is not included (it then
    # gets no gradient itself)
    src_tie = Tensor._wrap(s._data == ext[where_])
    self_equal = input._data == ext
    self_tie = Tensor._wrap(self_equal & include_self)
    zero = Tensor._wrap(xp.zeros((), dtype=input._data.dtype))
    ties = sadd(Tensor._wrap(src_tie._data.astype(input._data.dtype))) + self_equal
    picked = sadd(where(src_tie, s, zero)) + where(self_tie, input, zero)
    safe = Tensor._wrap(xp.where(ties._data == 0, 1, ties._data).astype(input._data.dtype))
    shared = picked / safe  # the extreme value where every tie is included, else a part of it
    exact = Tensor._wrap(ext) + (shared - shared.detach())  # the value, with shared's gradient
    return where(hit, exact, input)


@torch_node("MaskedScatterBackward0")
def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:  # noqa: A002
    """Copy ``source``'s elements, in order, to the positions where ``mask`` is True."""
    if not isinstance(mask, Tensor) or mask._data.dtype != bool:
        raise RuntimeError(
            "masked_scatter_ only supports boolean masks, but got mask with dtype "
            f"{getattr(mask, 'dtype', type(mask).__name__)}"
        )
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"masked_scatter: expected self and source to have same dtypes but got "
            f"{input.dtype} and {source.dtype}"
        )
    x, m = broadcast_tensors(input, mask)
    n = int(m._data.sum())
    if source.numel() < n:
        raise RuntimeError(
            f"masked_scatter: Number of elements of source < number of ones in mask "
            f"({source.numel()} < {n})"
        )
    vals = getitem(source.reshape(-1), slice(0, n))
    return SetItem.apply(x, vals, index=m._data)
