"""Shape primitives: reshape, permute, expand, repeat, cat, flip, pad; the rest composed."""

from __future__ import annotations

import math
from typing import Any

from .. import _validate, backend
from ..autograd.function import Function, torch_node
from ..backend import get_array_module
from ..tensor import Tensor
from .elementwise import result_dtype


def _sizes_or_keyword(args: tuple, value: Any, keyword: str, fn: str) -> tuple:
    """torch's sizes come as varargs (``x.view(2, 3)``) or as one keyword (``x.view(size=(2,
    3))``, ``torch.reshape(x, shape=(2, 3))``): the varargs, or the keyword's value."""
    if value is None:
        return args
    if args:
        raise TypeError(f"{fn}() got the sizes both positionally and as {keyword}=: pass one")
    return (value,)


def _shape_args(shape: tuple) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])``."""
    if not shape:
        raise TypeError("missing 1 required positional argument: the sizes (e.g. x.view(2, 3))")
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    elif len(shape) == 1 and isinstance(shape[0], Tensor):
        shape = tuple(int(v) for v in shape[0].tolist())
    for s in shape:
        if not _validate.is_int(s):
            raise TypeError(
                f"size must be a tuple of ints, but found element of type {type(s).__name__} "
                f"({s!r}) in {tuple(shape)!r}"
            )
    return tuple(int(s) for s in shape)


def normalize_dims(dim: Any, ndim: int, name: str = "dim") -> tuple[int, ...] | None:
    """``dim`` as a sorted tuple of non-negative axes (``None`` means all axes); the checks
    (ints only, in range, no repeats) are ``_validate.dims``."""
    if dim is None:
        return None
    out = _validate.dims(dim, ndim, name)
    return tuple(sorted(out)) if ndim else None


def _axis(dim: int, ndim: int) -> int:
    """One ``dim`` as a non-negative axis (0 for a 0-d tensor)."""
    return normalize_dims(dim, ndim)[0] if ndim else 0


class Reshape(Function):
    name = "ViewBackward0"  # torch's node for view/reshape/flatten of a contiguous tensor

    def forward(self, x, shape=()):
        self.in_shape = x.shape
        return x.reshape(shape)

    def backward(self, g, out, x):
        return (g.reshape(self.in_shape),)


class Squeeze(Reshape):
    """``Reshape`` dropping size-1 dims, named as torch's node: ``SqueezeBackward0`` for all
    dims, ``1`` for one dim, ``2`` for a tuple of dims."""

    node = 0

    @property
    def name(self) -> str:
        return f"SqueezeBackward{self.node}"

    def forward(self, x, shape=(), node=0):
        self.node = node
        return super().forward(x, shape=shape)


class Unsqueeze(Function):
    """A new size-1 axis at ``axis`` (a NumPy new axis, whose stride 0 ``Tensor.stride()``
    reports as torch's: the extent of the dim inside it)."""

    def forward(self, x, axis=0):
        self.in_shape = x.shape
        return x[(slice(None),) * axis + (None,)]

    def backward(self, g, out, x):
        return (g.reshape(self.in_shape),)


def _torch_strided(x: Any, shape: tuple, strides: tuple) -> Any:
    """A view of ``x`` with the element ``strides`` torch reports (only for dims that address
    no second element, so the memory read is the same)."""
    xp = get_array_module(x)
    return xp.lib.stride_tricks.as_strided(x, shape, tuple(s * x.itemsize for s in strides))


class Permute(Function):
    def forward(self, x, axes=()):
        self.inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
        out = x.transpose(axes)
        if 1 in x.shape or 0 in x.shape:
            # NumPy's stride 0 of a new axis (or of an empty array) would move with its dim;
            # torch's reported stride moves instead (``backend.element_strides``)
            item = x.itemsize
            torch_st = backend.element_strides(x.shape, x.strides, item)
            if torch_st != tuple(s // item for s in x.strides):
                out = _torch_strided(x, out.shape, tuple(torch_st[a] for a in axes))
        return out

    def backward(self, g, out, x):
        return (self.m.call(Permute, g, axes=self.inverse),)


class Transpose(Permute):
    """``Permute`` of two dims, named as torch's ``transpose`` node."""

    name = "TransposeBackward0"


class TransposeT(Permute):
    """``Permute`` by ``t()``, named as torch's node."""

    name = "TBackward0"


class Expand(Function):
    """Broadcast to a bigger shape (a view); the engine sums the gradient back."""

    def forward(self, x, shape=()):
        if shape == x.shape:  # torch keeps every stride (NumPy would zero a size-1 dim's)
            return x[...]
        return get_array_module(x).broadcast_to(x, shape)

    def backward(self, g, out, x):
        return (g,)


class Repeat(Function):
    def forward(self, x, reps=()):
        self.in_shape = (1,) * (len(reps) - x.ndim) + x.shape
        self.reps = reps
        return get_array_module(x).tile(x.reshape(self.in_shape), reps)

    def backward(self, g, out, x):
        split = []
        for r, n in zip(self.reps, self.in_shape):
            split += [r, n]
        g = g.reshape(tuple(split))
        axes = tuple(range(0, 2 * len(self.reps), 2))
        g = g.sum(axes)
        return (g.reshape(self.in_shape),)


class Cat(Function):
    def forward(self, *xs, axis=0):
        self.axis = axis
        self.sizes = [x.shape[axis] for x in xs]
        return get_array_module(xs[0]).concatenate(xs, axis=axis)

    def backward(self, g, out, *xs):
        grads, start = [], 0
        for size in self.sizes:
            idx = (slice(None),) * self.axis + (slice(start, start + size),)
            grads.append(g[idx])
            start += size
        return tuple(grads)


class Flip(Function):
    """Reversal along ``axes``: a new tensor, as torch's (a NumPy flip is a view, which a later
    in-place change of ``x`` would show through)."""

    def forward(self, x, axes=()):
        self.axes = axes
        return get_array_module(x).flip(x, axes).copy()

    def backward(self, g, out, x):
        return (self.m.call(Flip, g, axes=self.axes),)


class ConstantPad(Function):
    """x padded with ``value`` (negative widths crop)."""

    name = "ConstantPadNdBackward0"  # torch's node

    def forward(self, x, widths=(), value=0.0):
        xp = get_array_module(x)
        crop = tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, x.shape))
        x = x[crop]
        grow = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
        self.widths = widths
        return xp.pad(x, grow, mode="constant", constant_values=value)

    def backward(self, g, out, x):
        # the cropped part of x gets the gradient of the interior of out; the rest gets zeros
        inner = tuple(
            slice(max(lo, 0), g.shape[i] - max(hi, 0)) for i, (lo, hi) in enumerate(self.widths)
        )
        g_inner = g[inner]
        back = tuple((max(-lo, 0), max(-hi, 0)) for lo, hi in self.widths)
        if not any(lo or hi for lo, hi in back):
            return (g_inner,)
        return (self.m.call(ConstantPad, g_inner, widths=back),)


def _to_torch_pad(widths: tuple) -> tuple:
    """Per-dimension (before, after) pairs as torch's flat last-dim-first pad tuple."""
    flat: list = []
    for lo, hi in reversed(widths):
        flat += [lo, hi]
    return tuple(flat)


# ---------------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------------


def reshape(x: Tensor, *sizes: Any, shape: Any = None) -> Tensor:
    """Same elements in a new shape; one entry may be -1 (inferred)."""
    if shape is not None:  # torch.reshape(x, shape=...)
        sizes = _sizes_or_keyword(sizes, shape, "shape", "reshape")
    shape = _shape_args(sizes)
    n = x._data.size
    if shape.count(-1) > 1:
        raise RuntimeError(f"reshape: only one dimension can be inferred (-1), got {list(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if (-1 in shape and (known == 0 or n % known)) or (-1 not in shape and known != n):
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {n}")
    return Reshape.apply(x, shape=shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    s = _validate.dim(start_dim, x.ndim, "start_dim", "flatten")
    e = _validate.dim(end_dim, x.ndim, "end_dim", "flatten")
    if x.ndim == 0:
        return reshape(x, 1)
    if s > e:
        raise RuntimeError(
            f"flatten() has invalid args: start_dim {start_dim} cannot come after end_dim {end_dim}"
        )
    shape = x.shape[:s] + (math.prod(x.shape[s : e + 1]),) + x.shape[e + 1 :]
    return reshape(x, shape)


@_validate.numpy_names
def unflatten(x: Tensor, dim: int, sizes: tuple) -> Tensor:
    d = _validate.dim(dim, x.ndim, fn="unflatten")
    sizes = tuple(sizes)
    if -1 in sizes:
        known = math.prod(s for s in sizes if s != -1)
        sizes = tuple(x.shape[d] // known if s == -1 else s for s in sizes)
    if math.prod(sizes) != x.shape[d]:
        raise RuntimeError(f"unflatten: sizes {list(sizes)} do not multiply to {x.shape[d]}")
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1 :])


@_validate.numpy_names
def squeeze(x: Tensor, dim: Any = None) -> Tensor:
    """Drop size-1 dimensions (only those in ``dim`` when given)."""
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        axes = normalize_dims(dim, x.ndim) or ()
        shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    node = 0 if dim is None else 1 if _validate.is_int(dim) else 2
    return Squeeze.apply(x, shape=shape, node=node)


@_validate.numpy_names
def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dimension at ``dim`` (negative counts from the end of the result)."""
    d = _validate.dim(dim, x.ndim + 1, fn="unsqueeze")
    return Unsqueeze.apply(x, axis=d)


def permute(x: Tensor, *args: Any, dims: Any = None) -> Tensor:
    if dims is not None:
        args = _sizes_or_keyword(args, dims, "dims", "permute")
    dims = _shape_args(args)
    axes = tuple(_validate.dim(d, x.ndim, "dims", "permute") for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise RuntimeError(
            f"permute: dims {list(dims)} must be a permutation of the {x.ndim} dims of a tensor "
            f"of shape {tuple(x.shape)}"
        )
    return Permute.apply(x, axes=axes)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    a = _validate.dim(dim0, x.ndim, "dim0", "transpose")
    b = _validate.dim(dim1, x.ndim, "dim1", "transpose")
    if x.ndim < 2:
        return x
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return Transpose.apply(x, axes=tuple(axes))


def t(x: Tensor) -> Tensor:
    if x.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, got {x.ndim}: use transpose"
        )
    return TransposeT.apply(x, axes=tuple(reversed(range(x.ndim))))  # a view, as torch's


def movedim(x: Tensor, source: Any, destination: Any) -> Tensor:
    """Move dimension(s) ``source`` to position(s) ``destination`` (ints or equally long
    sequences of ints); the other dimensions keep their order."""
    if x.ndim == 0:  # torch: only dim 0 (or -1) of a scalar, which stays where it is
        for name, dims in (("source", source), ("destination", destination)):
            seq = [dims] if isinstance(dims, int) else list(dims)
            if len({_validate.dim(d, 0, name, "movedim") for d in seq}) != len(seq):
                raise RuntimeError(f"movedim: repeated dim in `{name}` ({seq})")
        return Permute.apply(x, axes=())
    if isinstance(source, int) and isinstance(destination, int):
        axes = list(range(x.ndim))
        s = axes.pop(_validate.dim(source, x.ndim, "source", "movedim"))
        axes.insert(_validate.dim(destination, x.ndim, "destination", "movedim"), s)
        return Permute.apply(x, axes=tuple(axes))
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({src} dims) should contain "
            f"the same number of dims as destination ({dst} dims)"
        )
    src = [_validate.dim(d, x.ndim, "source", "movedim") for d in src]
    dst = [_validate.dim(d, x.ndim, "destination", "movedim") for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    axes: list = [None] * x.ndim
    for s, d in zip(src, dst):
        axes[d] = s
    rest = iter(a for a in range(x.ndim) if a not in src)
    axes = [next(rest) if a is None else a for a in axes]
    return Permute.apply(x, axes=tuple(axes))


def expand(x: Tensor, *sizes: Any, size: Any = None, implicit: bool = False) -> Tensor:
    """View with size-1 dimensions stretched to ``sizes`` (-1 keeps a dimension); torch's
    ``implicit`` only marks expansions it made itself and changes nothing."""
    if size is not None:
        sizes = _sizes_or_keyword(sizes, size, "size", "expand")
    sizes = _shape_args(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({x.ndim})"
        )
    shape = []
    for i, s in enumerate(sizes):
        own = x.shape[i - lead] if i >= lead else None
        if s == -1:
            if own is None:
                raise RuntimeError("expand: -1 is not allowed for a new leading dimension")
            s = own
        if s < 0:
            raise RuntimeError(
                f"expand: the expanded size {s} at dimension {i} is negative: sizes must be >= 0 "
                "(or -1 to keep an existing dimension)"
            )
        if own is not None and own != 1 and own != s:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({own}) at "
                f"non-singleton dimension {i}. Target sizes: {list(sizes)}. Tensor sizes: "
                f"{list(x.shape)}"
            )
        shape.append(s)
    _validate.allocation(tuple(shape), 1, "expand")
    return Expand.apply(x, shape=tuple(shape))


def broadcast_to(x: Tensor, size: tuple) -> Tensor:
    return expand(x, tuple(size))


def broadcast_tensors(*tensors: Tensor) -> tuple:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"broadcast_tensors(): expected Tensors, got {type(t).__name__} at position {i}"
            )
    shape = _validate.broadcast_shapes([tuple(t.shape) for t in tensors], "broadcast_tensors")
    return tuple(expand(t, shape) for t in tensors)


def repeat(x: Tensor, *sizes: Any, repeats: Any = None) -> Tensor:
    """Tile the tensor ``sizes[i]`` times along each dimension (torch's ``repeat``)."""
    if repeats is not None:
        sizes = _sizes_or_keyword(sizes, repeats, "repeats", "repeat")
    sizes = _shape_args(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            f"of tensor: got {len(sizes)} repeats for a tensor of shape {tuple(x.shape)}"
        )
    if any(s < 0 for s in sizes):
        raise RuntimeError(
            f"repeat(): Trying to create tensor with negative dimension: repeats {list(sizes)} "
            "must be >= 0"
        )
    lead = (1,) * (len(sizes) - x.ndim) + tuple(x.shape)
    _validate.allocation(tuple(a * b for a, b in zip(lead, sizes)), x._data.itemsize, "repeat")
    return Repeat.apply(x, reps=sizes)


def cat(tensors: Any, dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing dimension; all other sizes must agree."""
    if axis is not None:
        dim = axis
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    dt = result_dtype(*tensors) if len(tensors) > 1 else tensors[0]._data.dtype
    tensors = [t if t._data.dtype == dt else t.to(dtype=dt) for t in tensors]
    if any(t.ndim < 2 and t._data.size == 0 or t.ndim == 0 for t in tensors):
        tensors = _legacy_cat_operands(tensors)
    ref = tensors[0]
    ax = _validate.dim(dim, ref.ndim)
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim or any(
            a != b for j, (a, b) in enumerate(zip(t.shape, ref.shape)) if j != ax
        ):
            raise RuntimeError(
                f"cat: sizes of tensors must match except in dimension {ax}: tensor 0 has shape "
                f"{tuple(ref.shape)} but tensor {i} has shape {tuple(t.shape)}"
            )
    return Cat.apply(*tensors, axis=ax)


def _legacy_cat_operands(tensors: list) -> list:
    """torch's rules for odd ``cat`` operands: a 0-d tensor is refused, and a 1-D empty tensor
    (``torch.tensor([])``, the usual start of an accumulating loop) is skipped whatever the
    other shapes (it still took part in the dtype promotion)."""
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [t for t in tensors if t.ndim != 1 or t.shape[0]]
    return kept or tensors[:1]


@_validate.numpy_names
@torch_node("StackBackward0")
def stack(tensors: Any, dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dimension ``dim``."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {tuple(tensors[0].shape)} "
                f"at entry 0 and {tuple(t.shape)} at entry {i}"
            )
    return cat([unsqueeze(t, dim) for t in tensors], dim=dim)


@_validate.numpy_names
@torch_node(
    lambda x, split_size_or_sections, dim=0: (
        "SplitWithSizesBackward0"
        if isinstance(split_size_or_sections, (list, tuple))
        else "SplitBackward0"
    )
)
def split(x: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or given sizes."""
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    ax = _validate.dim(dim, x.ndim, fn="split")
    n = x.shape[ax]
    if _validate.is_int(split_size_or_sections):
        step = _validate.as_int(split_size_or_sections, "split_size", "split")
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got {step}")
        if step == 0 and n:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}"
            )
        sizes = [min(step, n - s) for s in range(0, n, step)] if step else [0]
        sizes = sizes or [0]
    elif isinstance(split_size_or_sections, (list, tuple)) and all(
        _validate.is_int(v) for v in split_size_or_sections
    ):
        sizes = [_validate.as_int(v, "split_sizes", "split") for v in split_size_or_sections]
        if any(v < 0 for v in sizes) or sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                f"at dimension {dim}), but got split_sizes={sizes}"
            )
    else:
        raise TypeError(
            "split(): split_size_or_sections must be an int or a list of ints, got "
            f"{split_size_or_sections!r}"
        )
    out, start = [], 0
    for s in sizes:
        out.append(x[(slice(None),) * ax + (slice(start, start + s),)])
        start += s
    return tuple(out)


@_validate.numpy_names
@torch_node("SplitBackward0")
def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` pieces of ceil(size / chunks) along ``dim`` (torch's rule)."""
    chunks = _validate.as_int(chunks, "chunks", "chunk")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if x.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = x.shape[_validate.dim(dim, x.ndim, fn="chunk")]
    if n == 0:  # torch returns `chunks` empty pieces: refuse more than memory can hold
        _validate.allocation((chunks,), 256, "chunk")
        return split(x, [0] * chunks, dim)
    return split(x, -(-n // chunks), dim)


@_validate.numpy_names
@torch_node("UnbindBackward0")
def unbind(x: Tensor, dim: int = 0) -> tuple:
    ax = _validate.dim(dim, x.ndim)
    return tuple(x[(slice(None),) * ax + (i,)] for i in range(x.shape[ax]))


@_validate.numpy_names
def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor")
    ax = _validate.dim(dim, x.ndim, fn="narrow")
    n = x.shape[ax]
    start = _validate.as_int(start, "start", "narrow")
    length = _validate.as_int(length, "length", "narrow")
    if not -n <= start <= n:
        raise IndexError(
            f"narrow(): start ({start}) is out of range for dimension {ax} of size {n}: expected "
            f"it in [{-n}, {n}]"
        )
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, got {length}")
    if start + length > n:
        raise RuntimeError(
            f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({n})"
        )
    return x[(slice(None),) * ax + (slice(start, start + length),)]


def flip(x: Tensor, dims: Any) -> Tensor:
    """Reverse the order along ``dims`` (a tuple or list; ``Tensor.flip`` also takes ints)."""
    if dims is None or _validate.is_int(dims):
        raise TypeError(f"flip(): argument 'dims' must be tuple of ints, not {type(dims).__name__}")
    axes = normalize_dims(dims, x.ndim)
    return Flip.apply(x, axes=axes)


def _pad_node(input: Tensor, pad: Any, mode: str = "constant", value: Any = None) -> str | None:  # noqa: A002
    """torch's node of a reflect or replicate pad (``ReflectionPad2DBackward0``); a constant
    pad's is its primitive's, a circular one's torch's internal ``CopySlices``, not matched."""
    kind = {"reflect": "Reflection", "replicate": "Replication"}.get(mode)
    return f"{kind}Pad{len(pad) // 2}DBackward0" if kind else None


@torch_node(_pad_node)
def pad(
    input: Tensor,  # noqa: A002 (torch's name)
    pad: Any,
    mode: str = "constant",
    value: float | None = None,
) -> Tensor:
    """torch.nn.functional.pad: ``pad`` lists (left, right) widths from the last dim backwards.

    Modes: ``constant`` (negative widths crop), ``reflect``, ``replicate``, ``circular``.
    """
    x = input
    if not isinstance(pad, (tuple, list)) or not all(_validate.is_int(p) for p in pad):
        raise TypeError(f"pad(): argument 'pad' must be a tuple of ints, got {pad!r}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:  # torch's RuntimeError
        raise RuntimeError(
            f"Padding length must be divisible by 2 and at most 2 * ndim ({2 * x.ndim}): pad() "
            f"got {len(pad)}"
        )
    if not any(pad):  # nothing to pad (also a 0-d tensor with pad=())
        return x.clone()
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    cropped = tuple(n + min(lo, 0) + min(hi, 0) for n, (lo, hi) in zip(x.shape, widths))
    if mode == "constant" and any(n < 0 for n in cropped):
        d = next(i for i, n in enumerate(cropped) if n < 0)
        raise RuntimeError(
            f"pad(): the negative padding in {pad} crops {-cropped[d] + x.shape[d]} elements "
            f"from dimension {d} of size {x.shape[d]}: crop at most the dimension's size"
        )
    new_shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, widths))
    if any(n < 0 for n in new_shape):
        d = next(i for i, n in enumerate(new_shape) if n < 0)
        raise RuntimeError(
            f"pad(): the padding {pad} would give dimension {d} (size {x.shape[d]}) a negative "
            f"size {new_shape[d]}: crop at most the dimension's size"
        )
    if mode == "constant":
        _validate.allocation(new_shape, x._data.itemsize, "pad")
        return ConstantPad.apply(x, widths=tuple(widths), value=0.0 if value is None else value)
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}.get(mode)
    if np_mode is None:
        raise NotImplementedError(
            f"pad: unknown mode {mode!r}: use constant, reflect, replicate or circular"
        )
    _check_non_constant_pad(x.shape, widths, len(pad), mode)
    _validate.allocation(new_shape, x._data.itemsize, "pad")
    xp = get_array_module(x._data)
    index = []
    for d, (lo, hi) in enumerate(widths):
        idx, grow = xp.arange(x.shape[d]), (max(lo, 0), max(hi, 0))
        crop = slice(-min(lo, 0), x.shape[d] + min(hi, 0))
        if mode == "circular" and idx[crop].shape[0]:
            # torch crops by the negative widths first, then wraps what is left
            index.append(xp.pad(idx[crop], grow, mode=np_mode))
        else:  # torch reflects / replicates the whole input, then crops
            idx = xp.pad(idx, grow, mode=np_mode)
            index.append(idx[-min(lo, 0) : idx.shape[0] + min(hi, 0)])
    return x[xp.ix_(*index)]


def _check_non_constant_pad(
    shape: tuple[int, ...], widths: list[tuple[int, int]], n_pad: int, mode: str
) -> None:
    """torch's checks for reflect/replicate/circular padding: 1 to 3 padded dims behind one
    or two leading (batch, channel) dims, and the mode's limits on each padded dim's size."""
    ndim, k = len(shape), n_pad // 2
    if not k + 1 <= ndim <= k + 2:
        raise NotImplementedError(
            f"Padding size {n_pad} is not supported for {ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    outs = [shape[d] + sum(widths[d]) for d in range(ndim - k, ndim)]
    if mode != "circular" and all(n < 1 for n in outs):  # torch checks "any", not "every"
        raise RuntimeError(
            f"input {list(shape)} is too small: calculated output sizes {outs} for the padded "
            "dimensions"
        )
    for d, out in zip(range(ndim - k, ndim), outs):
        (lo, hi), size = widths[d], shape[d]
        if mode == "reflect" and (lo >= size or hi >= size):
            raise RuntimeError(
                f"Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({lo}, {hi}) at dimension {d} of input {list(shape)}"
            )
        if mode == "circular" and (lo > size or hi > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "circular" and out < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
