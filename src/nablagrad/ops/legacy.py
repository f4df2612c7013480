"""Less common Tensor methods of torch: ``put``, ``index_reduce``, ``narrow_copy``, ``resize_``,
``apply_``/``map_`` and the legacy ``Tensor.new`` constructor.

``put`` and ``index_reduce`` are composed of differentiable primitives (``index_put``,
``scatter_reduce``), so their gradients are those primitives' formulas.

Example:
    >>> import nablagrad as torch
    >>> torch.arange(4.0).put(torch.tensor([0, -1]), torch.tensor([9.0, 8.0]))
    tensor([9., 1., 2., 8.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _validate
from ..autograd.function import Function, torch_node
from ..backend import get_array_module, np, storage_offset, storage_root, to_device, to_host
from ..tensor import Tensor
from .index import index_put, scatter_reduce
from .shape import narrow

__all__ = [
    "as_strided",
    "as_strided_scatter",
    "put",
    "index_reduce",
    "narrow_copy",
    "resize_",
    "apply_",
    "map_",
    "map2_",
    "new",
]


@torch_node("PutBackward0")
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``input.flatten()[index] = source`` (``+=`` if ``accumulate``);
    ``index`` addresses the flattened tensor (negative counts from the end).

    Example:
        >>> import nablagrad as torch
        >>> torch.zeros(2, 2).put(torch.tensor([3]), torch.tensor([1.0]))
        tensor([[0., 0.],
                [0., 1.]])
    """
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise TypeError("put(): argument 'index' must be a Tensor of integer (long) dtype")
    if not isinstance(source, Tensor):
        raise TypeError(f"put(): argument 'source' must be Tensor, not {type(source).__name__}")
    if source.numel() != index.numel():
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {index.numel()}"
        )
    n = input.numel()
    idx = index._data
    if idx.size and (int(idx.max()) >= n or int(idx.min()) < -n):
        bad = int(idx.max()) if int(idx.max()) >= n else int(idx.min())
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    flat = input.reshape(-1)
    out = index_put(flat, (index.reshape(-1),), source.reshape(-1), accumulate)
    return out.reshape(input.shape)


@_validate.numpy_names
def index_reduce(
    input: Tensor,  # noqa: A002
    dim: int,
    index: Tensor,
    source: Tensor,
    reduce: str,
    *,
    include_self: bool = True,
) -> Tensor:
    """Reduce ``source``'s slices into ``input`` at ``index`` along ``dim``: ``reduce`` is
    ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"`` (with or without ``input``'s own value).

    Example:
        >>> import nablagrad as torch
        >>> x = torch.ones(3)
        >>> x.index_reduce(0, torch.tensor([0, 0, 2]), torch.tensor([2.0, 3.0, 4.0]), "prod")
        tensor([6., 1., 4.])
    """
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(
            f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
            f"{reduce}."
        )
    if not isinstance(index, Tensor) or index.ndim > 1 or index._data.dtype.kind not in "iu":
        raise IndexError("index_reduce_(): Index is supposed to be a vector of integers")
    nd = max(input.ndim, 1)
    d = dim + nd if dim < 0 else dim
    if not 0 <= d < nd:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})"
        )
    src_len = source.shape[d] if source.ndim else 1
    if index.numel() != src_len:
        raise IndexError(
            "index_reduce_(): Index should have dimension 1 or 0 (got "
            f"{index.numel()} entries for source's {src_len} slices along dim {dim})"
        )
    shape = [1] * source.ndim
    if source.ndim:
        shape[d] = -1
    idx = index.reshape(shape).expand(*source.shape) if source.ndim else index.reshape(())
    return scatter_reduce(input, d, idx, source, reduce, include_self=include_self)


@_validate.numpy_names
@torch_node("NarrowCopyBackward0")
def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """``input.narrow(dim, start, length)`` as a new tensor (not a view).

    Example:
        >>> import nablagrad as torch
        >>> torch.arange(5).narrow_copy(0, 1, 2)
        tensor([1, 2])
    """
    return narrow(input, dim, start, length).clone()


def _sizes(args: tuple) -> tuple[int, ...]:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in args):
        raise TypeError(f"resize_(): sizes must be ints, got {args!r}")
    if any(s < 0 for s in args):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(args)}")
    return tuple(int(s) for s in args)


def resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """Give ``self`` the shape ``sizes`` in place, keeping its first elements in order (new
    elements, when it grows, are zeros here; torch leaves them uninitialized).

    Example:
        >>> import nablagrad as torch
        >>> torch.arange(6.0).resize_(2, 2)
        tensor([[0., 1.],
                [2., 3.]])
    """
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    shape = _sizes(sizes)
    xp = get_array_module(self._data)
    flat = self._data.reshape(-1)
    n = int(np.prod(shape, dtype=np.int64))
    new = xp.zeros(n, dtype=self._data.dtype)
    k = min(n, flat.size)
    new[:k] = flat[:k]
    self._data = new.reshape(shape)
    self._version += 1
    return self


def apply_(self: Tensor, callable: Callable[[Any], Any]) -> Tensor:  # noqa: A002
    """Replace every element ``x`` of ``self`` by ``callable(x)`` in place (a Python loop).

    Example:
        >>> import nablagrad as torch
        >>> torch.tensor([1.0, 2.0]).apply_(lambda v: v * 10)
        tensor([10., 20.])
    """
    return map_(self, None, lambda a, _: callable(a))


def map_(self: Tensor, tensor: Tensor | None, callable: Callable[[Any, Any], Any]) -> Tensor:  # noqa: A002
    """``self[i] = callable(self[i], tensor[i])`` in place, ``tensor`` broadcast to ``self``.

    Example:
        >>> import nablagrad as torch
        >>> torch.tensor([1.0, 2.0]).map_(torch.tensor([3.0, 4.0]), lambda a, b: a * b)
        tensor([3., 8.])
    """
    if tensor is None:
        return _map_elements("map_", self, (), lambda a: callable(a, 0.0))
    return _map_elements("map_", self, (tensor,), callable)


def map2_(
    self: Tensor,
    x: Tensor,
    y: Tensor,
    callable: Callable[[Any, Any, Any], Any],  # noqa: A002
) -> Tensor:
    """``self[i] = callable(self[i], x[i], y[i])`` in place, ``x`` and ``y`` broadcast to
    ``self`` (a Python loop, as torch's; CPU tensors).

    Example:
        >>> import nablagrad as torch
        >>> t = torch.tensor([1.0, 2.0])
        >>> t.map2_(torch.tensor([3.0, 4.0]), torch.tensor(10.0), lambda a, b, c: a + b * c)
        tensor([31., 42.])
    """
    return _map_elements("map2_", self, (x, y), callable)


def _map_elements(name: str, self: Tensor, others: tuple, fn: Callable[..., Any]) -> Tensor:
    """``self[i] = fn(self[i], *(o[i] for o in others))`` in place, one Python call per
    element, the others broadcast to ``self``."""
    if self._requires_grad and self.is_leaf:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    host = to_host(self._data)
    columns = [host.reshape(-1)]
    for i, other in enumerate(others):
        if not isinstance(other, Tensor):
            raise TypeError(
                f"{name}(): argument {i + 1} must be Tensor, not {type(other).__name__}"
            )
        columns.append(np.broadcast_to(to_host(other._data), host.shape).reshape(-1))
    out = np.empty_like(host)
    flat_out = out.reshape(-1)
    for i in range(flat_out.size):
        flat_out[i] = fn(*(c[i].item() for c in columns))
    self._data[...] = to_device(out, self.device)
    self._version += 1
    return self


def new(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """torch's legacy ``Tensor.new``: ``t.new()`` (empty), ``t.new(2, 3)`` or ``t.new(size)``
    (uninitialized, here zeros), ``t.new(data_sequence)`` (a tensor of the data) or
    ``t.new(other)`` (``other`` itself, sharing memory); always ``self``'s dtype.

    Example:
        >>> import nablagrad as torch
        >>> torch.zeros(1).new([1, 2])
        tensor([1., 2.])
    """
    from .. import creation
    from ..tensor import Size

    device = kwargs.pop("device", None) or self.device
    if kwargs:
        raise TypeError(f"new() got unexpected keyword arguments {sorted(kwargs)}")
    if not args:
        return creation.zeros(0, dtype=self.dtype, device=device)
    if len(args) == 1:
        (a,) = args
        if isinstance(a, Tensor):
            if a.dtype != self.dtype:
                raise TypeError(
                    f"new(): expected a tensor of dtype {self.dtype}, got {a.dtype}: "
                    f"convert it first with .to({self.dtype})"
                )
            return Tensor._wrap(a._data)
        if isinstance(a, Size):
            return creation.zeros(tuple(a), dtype=self.dtype, device=device)
        if isinstance(a, (int, np.integer)) and not isinstance(a, bool):
            return creation.zeros(int(a), dtype=self.dtype, device=device)
        if isinstance(a, (list, tuple)) or hasattr(a, "__array__"):
            return creation.tensor(a, dtype=self.dtype, device=device)
        raise TypeError(f"new(): data must be a sequence (got {type(a).__name__})")
    if all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in args):
        return creation.zeros(tuple(int(s) for s in args), dtype=self.dtype, device=device)
    raise TypeError(f"new(): expected sizes (ints) or one data sequence, got {args!r}")


# -------------------------------------------------------------------------------------------
# as_strided: a view of the storage (the NumPy array that owns the memory)
# -------------------------------------------------------------------------------------------


def _storage_of(x: Tensor) -> tuple[Any, int, tuple[int, ...]]:
    """(owner array, x's element offset in it, x's element strides): the NumPy or CuPy array
    that owns the memory (a CuPy view's ``base`` is its owner, as a NumPy one's here)."""
    arr = x._data
    root = storage_root(arr)
    if root.dtype != arr.dtype or not root.flags.c_contiguous:
        raise RuntimeError(
            "as_strided: this tensor's memory is not a plain contiguous storage (a "
            "reinterpreted view): call .contiguous() first"
        )
    return root, storage_offset(arr), tuple(s // arr.itemsize for s in arr.strides)


def _strided_ids(n: int, size: tuple, stride: tuple, offset: int) -> Any:
    ids = np.arange(n, dtype=np.int64)
    return np.lib.stride_tricks.as_strided(
        ids[offset:] if offset < n else ids[:0],
        shape=size,
        strides=tuple(s * ids.itemsize for s in stride),
    )


class AsStrided(Function):
    """A strided view of the input's storage; the gradient is scattered back (summed where
    the view repeats an element) onto the input elements that share those storage slots."""

    saved = ()  # the backward reads only shapes and strides kept on the node

    def forward(self, x, size=(), stride=(), offset=0, root=None, x_off=0, x_strides=()):
        self.n, self.size, self.stride, self.offset = root.size, size, stride, offset
        self.x_shape = tuple(x.shape)
        self.x_off, self.x_strides = x_off, x_strides
        byte_strides = tuple(s * root.itemsize for s in stride)
        xp = get_array_module(root)
        if xp is not np:  # CuPy: a view of the flat storage from the offset on
            flat = root.reshape(-1)
            start = flat[offset:] if offset < flat.size else flat[:0]
            return xp.lib.stride_tricks.as_strided(start, shape=size, strides=byte_strides)
        return np.ndarray(
            size, dtype=root.dtype, buffer=root, offset=offset * root.itemsize, strides=byte_strides
        )

    def backward(self, g, out, x):
        raw = g._data if isinstance(g, Tensor) else g
        xp = get_array_module(raw)
        # the index maps are built on the host, then moved to g's device
        view_ids = xp.asarray(_strided_ids(self.n, self.size, self.stride, self.offset).ravel())
        x_ids = xp.asarray(_strided_ids(self.n, self.x_shape, self.x_strides, self.x_off))
        if isinstance(g, Tensor):  # create_graph: the same scatter, recorded
            store = Tensor._wrap(xp.zeros(self.n, dtype=raw.dtype))
            store = index_put(store, (Tensor._wrap(view_ids),), g.reshape(-1), True)
            return (store[Tensor._wrap(x_ids)],)
        store = xp.zeros(self.n, dtype=g.dtype)
        xp.add.at(store, view_ids, g.reshape(-1))
        return (store[x_ids],)


def as_strided(
    input: Tensor,  # noqa: A002
    size: Any,
    stride: Any,
    storage_offset: int | None = None,
) -> Tensor:
    """A view of ``input``'s storage with shape ``size`` and element strides ``stride``,
    starting ``storage_offset`` elements into the storage (default: where ``input`` starts).

    Example:
        >>> import nablagrad as torch
        >>> torch.arange(6.0).as_strided((2, 2), (1, 2), 1)
        tensor([[1., 3.],
                [2., 4.]])
    """
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(
            f"mismatch in length of strides and shape: got {len(stride)} strides for "
            f"{len(size)} sizes"
        )
    if any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise RuntimeError("as_strided: sizes and strides must be non-negative")
    root, x_off, x_strides = _storage_of(input)
    offset = x_off if storage_offset is None else int(storage_offset)
    need = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    if need > root.size or offset < 0:
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
            f"and itemsize {root.itemsize} requiring a storage size of {need * root.itemsize} "
            f"are out of bounds for storage of size {root.size * root.itemsize}"
        )
    return AsStrided.apply(
        input, size=size, stride=stride, offset=offset, root=root, x_off=x_off, x_strides=x_strides
    )


class AsStridedScatter(Function):
    """``input``'s copy with ``src`` written at the flat positions ``src_at``: the gradient
    flows to ``input`` where ``src`` did not overwrite it and to ``src`` from where it landed."""

    saved = ()  # the backward reads only the index map and mask kept on the node

    def forward(self, x, s, src_at=None):
        self.src_at, self.s_dtype = src_at, s.dtype
        out = np.array(x, order="K")  # a fresh copy with x's layout (torch's clone)
        out[np.unravel_index(src_at.reshape(-1), x.shape)] = s.reshape(-1)
        mask = np.ones(x.size, dtype=x.dtype)
        mask[src_at.reshape(-1)] = 0
        self.mask = mask.reshape(x.shape)
        return out

    def backward(self, g, out, x, s):
        if isinstance(g, Tensor):  # create_graph: the same gather and mask, recorded
            gs = g.reshape(-1)[Tensor._wrap(self.src_at)]
            return g * Tensor._wrap(self.mask), gs
        gs = g.reshape(-1)[self.src_at].astype(self.s_dtype, copy=False)
        return g * self.mask, gs


def as_strided_scatter(
    input: Tensor,  # noqa: A002
    src: Tensor,
    size: Any,
    stride: Any,
    storage_offset: int | None = None,
) -> Tensor:
    """A copy of ``input`` (same shape and strides, fresh storage) with ``src`` written into
    the elements that ``input.as_strided(size, stride, storage_offset)`` views (offset and
    strides count in ``input``'s storage, as ``as_strided``'s; ``src``'s shape must be
    ``size``; its values are cast to ``input``'s dtype).  Differentiable in both:
    ``d/dinput`` is the upstream gradient with the overwritten elements zeroed, ``d/dsrc``
    the upstream gradient at the elements each ``src`` entry landed on.

    Example:
        >>> import nablagrad as torch
        >>> torch.as_strided_scatter(torch.zeros(6), torch.ones(2, 2), (2, 2), (3, 1))
        tensor([1., 1., 0., 1., 1., 0.])
    """
    name = "as_strided_scatter"
    if not isinstance(input, Tensor) or not isinstance(src, Tensor):
        bad = "input" if not isinstance(input, Tensor) else "src"
        value = input if bad == "input" else src
        raise TypeError(f"{name}(): argument '{bad}' must be Tensor, not {type(value).__name__}")
    size, stride = tuple(int(v) for v in size), tuple(int(v) for v in stride)
    if len(size) != len(stride):
        raise RuntimeError(
            f"mismatch in length of strides and shape: got {len(stride)} strides for "
            f"{len(size)} sizes"
        )
    if any(v < 0 for v in size) or any(v < 0 for v in stride):
        raise RuntimeError(f"{name}: sizes and strides must be non-negative")
    if tuple(src.shape) != size:
        raise RuntimeError(
            f"expected src to have a size equal to the slice of self. src size = "
            f"{list(src.shape)}, slice size = {list(size)}"
        )
    root, x_off, x_strides = _storage_of(input)
    n = root.size
    offset = x_off if storage_offset is None else int(storage_offset)
    need = offset + 1 + sum((k - 1) * st for k, st in zip(size, stride)) if all(size) else 0
    if need > n or offset < 0:
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
            f"and itemsize {root.itemsize} requiring a storage size of {need * root.itemsize} "
            f"are out of bounds for storage of size {n * root.itemsize}"
        )
    slots = _strided_ids(n, tuple(input.shape), x_strides, x_off).reshape(-1)
    logical = np.full(n, -1, dtype=np.int64)
    logical[slots] = np.arange(slots.size)  # storage slot -> flat index in input (-1: none)
    src_at = logical[_strided_ids(n, size, stride, offset)]
    if (src_at < 0).any():
        raise RuntimeError(
            f"{name}: the view (size {list(size)}, stride {list(stride)}, storage offset "
            f"{offset}) reaches storage slots that are not elements of input (whose storage "
            f"offset is {x_off} and strides {list(x_strides)}): give a view that lies within "
            "input's elements"
        )
    needs_grad = input.requires_grad or src.requires_grad
    if needs_grad and _grad_on() and np.unique(src_at).size != src_at.size:
        raise RuntimeError(
            f"{name}: the view (size {list(size)}, stride {list(stride)}) has elements that "
            "share a storage slot, so which src element survives (and gets the gradient) is "
            "not defined: use a non-overlapping view, or call it under torch.no_grad()"
        )
    return AsStridedScatter.apply(input, src, src_at=src_at)


def _grad_on() -> bool:
    from ..autograd.grad_mode import is_grad_enabled

    return is_grad_enabled()


def _channel_windows(c: int, size: int, xp: Any, dtype: Any) -> tuple[Any, Any]:
    """The (C, C) 0/1 matrices of torch's legacy ``CrossMapLRN2d``: ``A[c, j]`` marks the
    squares its forward sums for channel c, ``B[c, j]`` the ratios its backward sums.

    The forward's running sum starts with channels [0, pre_pad) (pre_pad = (size - 1) // 2 +
    1), adds channel c + pre_pad - 1 at each later c and drops channel c - pre_pad only for
    c > pre_pad, so channel 0 is never dropped (torch's quirk, kept: it is what torch
    computes).  The backward sums channels [c - q, c + size - 1 - q] with q = size - (size -
    1) // 2 (torch's ``inversePrePad``), which is not that forward's exact derivative."""
    pre_pad = int((size - 1) / 2 + 1)
    a = np.zeros((c, c))
    for ch in range(c):
        a[ch, : min(ch + pre_pad - 1, c - 1) + 1] = 1.0
        if ch > pre_pad:
            a[ch, 1 : ch - pre_pad + 1] = 0.0
    a[0] = 0.0
    a[0, : min(pre_pad, c)] = 1.0
    q = int(size - (size - 1) / 2)
    b = np.zeros((c, c))
    for ch in range(c):
        lo, hi = max(ch - q, 0), min(ch + size - 1 - q, c - 1)
        if lo <= hi:
            b[ch, lo : hi + 1] = 1.0
    return xp.asarray(a.astype(dtype)), xp.asarray(b.astype(dtype))


class CrossMapLRN2dFn(Function):
    """torch's legacy cross-channel LRN of (N, C, H, W) input: y = x * scale^-beta with
    scale = k + alpha / size * (A x^2 over channels) (A: ``_channel_windows``), and torch's
    hand-written gradient dx = scale^-beta g - 2 alpha beta / size * x * (B (g y / scale)).
    Its backward is not itself differentiable (as torch's)."""

    saved = (0, "out")  # torch saves the input and the output

    def forward(self, x, size=5, alpha=1e-4, beta=0.75, k=1.0):
        xp = get_array_module(x)
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k
        a, self.b = _channel_windows(x.shape[1], size, xp, x.dtype)
        sums = xp.einsum("cj,njhw->nchw", a, x * x)
        self.scale = (sums * (alpha / size) + k).astype(x.dtype, copy=False)
        return (x * self.scale ** (-beta)).astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        if self.m.tensors:
            raise NotImplementedError(
                "CrossMapLRN2d's backward is not differentiable (as torch's legacy function): "
                "use nn.LocalResponseNorm for double backward"
            )
        xp = get_array_module(g)
        ratio = g * out / self.scale
        accum = xp.einsum("cj,njhw->nchw", self.b, ratio)
        coeff = 2 * self.alpha * self.beta / self.size
        gx = g * self.scale ** (-self.beta) - coeff * x * accum
        return (gx.astype(x.dtype, copy=False),)


def cross_map_lrn2d(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """torch's legacy ``CrossMapLRN2d`` function (see :class:`CrossMapLRN2dFn`); a 4-D input
    is required, as torch's.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.ops.legacy import cross_map_lrn2d
        >>> cross_map_lrn2d(torch.ones(1, 3, 1, 1), 3, alpha=1.0, beta=1.0).flatten()
        tensor([0.6000, 0.5000, 0.5000])
    """
    if input.ndim != 4:
        raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D instead.")
    return CrossMapLRN2dFn.apply(input, size=size, alpha=alpha, beta=beta, k=k)
