"""Reductions: sum, mean, prod, max/min (values and indices), var/std, logsumexp, norm, cumsum.

Every reduction takes ``dim`` (int, tuple or None) and ``keepdim`` and also accepts NumPy's
``axis`` / ``keepdims`` spellings.
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any

from .. import _validate, return_types
from ..autograd import function as _function
from ..autograd.function import Function, torch_node
from ..backend import get_array_module
from ..tensor import Tensor
from .elementwise import (
    _float_dtype_for,
    abs,
    div,
    maximum,
    minimum,
    mul,
    sub,
)
from .index import ScatterAddAlong
from .shape import Expand, Flip, Permute, normalize_dims
from .table import REDUCTIONS, Reduction

MaxResult = return_types.max  # (return_types.min for min: the same fields)


def resolve(dim: Any, keepdim: Any, axis: Any, keepdims: Any) -> tuple[Any, bool]:
    """Merge torch's ``dim``/``keepdim`` with NumPy's ``axis``/``keepdims``."""
    if axis is not None:
        if dim is not None:
            raise TypeError("pass either dim or axis, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


def _kept_shape(shape: tuple, axes: tuple | None) -> tuple:
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _expand_back(m: Any, g: Any, in_shape: tuple, axes: Any, keepdim: bool) -> Any:
    """Broadcast a reduced gradient back to the input's shape."""
    if not keepdim:
        g = g.reshape(_kept_shape(in_shape, axes))
    return m.call(Expand, g, shape=in_shape)


def function_from_reduction(row: Reduction) -> type[Function]:
    """The ``Function`` subclass for a reduction row of the table (``sum`` -> ``Sum``)."""
    fwd, grad, uses_out = row.forward, row.grad, row.uses_out

    def forward(self: Function, x: Any, axes: Any = None, keepdim: bool = False) -> Any:
        self.axes, self.keepdim, self.shape = axes, keepdim, x.shape
        return fwd(x, axes, keepdim)

    def backward(self: Function, g: Any, out: Any, x: Any) -> tuple:
        m, axes = self.m, self.axes
        g = _expand_back(m, g, self.shape, axes, self.keepdim)
        if uses_out:
            out = _expand_back(m, out, self.shape, axes, self.keepdim)
        return (grad(m, g, out, x, axes),)

    name = {"amax": "AMax", "amin": "AMin", "logsumexp": "LogSumExp"}.get(
        row.name, row.name.capitalize()
    )
    body = {"forward": forward, "backward": backward, "__doc__": row.doc}
    if row.name in _NODE_NAMES:
        whole, along = _NODE_NAMES[row.name]
        body["name"] = property(lambda self: whole if self.axes is None else along)
    return type(name, (Function,), body)


# torch's node names of reductions over everything / along dims (x.max() is MaxBackward1,
# x.amax(0) AmaxBackward0, x.sum() SumBackward0, x.sum(0) SumBackward1)
_NODE_NAMES = {
    "sum": ("SumBackward0", "SumBackward1"),
    "mean": ("MeanBackward0", "MeanBackward1"),
    "amax": ("MaxBackward1", "AmaxBackward0"),
    "amin": ("MinBackward1", "AminBackward0"),
    "logsumexp": ("LogsumexpBackward0", "LogsumexpBackward0"),
}


REDUCTION_FUNCTIONS = {r.name: function_from_reduction(r) for r in REDUCTIONS}
# Static names for readers and type checkers (tests/meta checks they match the table).
Sum, Mean, AMax, AMin, LogSumExp = REDUCTION_FUNCTIONS.values()


class Prod(Function):
    """Product over one axis (all elements when None); zeros handled in the backward."""

    @property
    def name(self) -> str:
        return "ProdBackward0" if self.axis is None else "ProdBackward1"  # torch's nodes

    def forward(self, x, axis=None, keepdim=False):
        self.axis, self.keepdim, self.shape = axis, keepdim, x.shape
        if x.dtype.char == "e" or (x.dtype.kind in "iub" and x.dtype.itemsize < 8):
            # float16 accumulates in float32 (torch); prod(dtype=int8) stays int8
            wide = "f4" if x.dtype.char == "e" else x.dtype
            return x.prod(axis=axis, keepdims=keepdim, dtype=wide).astype(x.dtype)
        return x.prod(axis=axis, keepdims=keepdim)

    def backward(self, g, out, x):
        m = self.m
        axes = None if self.axis is None else (self.axis,)
        g_full = _expand_back(m, g, self.shape, axes, self.keepdim)
        if not (m.raw(x) == 0).any():
            return (g_full * _expand_back(m, out, self.shape, axes, self.keepdim) / x,)
        if self.axis is None:  # zeros: the product of the other elements, without dividing
            others = m.call(ProdOthers, x.reshape(-1), axis=0).reshape(self.shape)
        else:
            others = m.call(ProdOthers, x, axis=self.axis)
        return (g_full * others,)


class ProdOthers(Function):
    """others_i = prod_{k != i} x_k along ``axis`` (zeros allowed; Prod's gradient).

    Forward: exclusive cumulative products from the left and from the right.  Backward:
    d others_i / d x_j = prod_{k not in {i, j}} x_k for j != i, which is ``ProdOthers`` of the
    stack S with S[i] = x except S[i]_i = 1; so every derivative order is one more stack.
    """

    def forward(self, x, axis=0):
        self.axis = axis
        return _prod_of_others(x, axis)

    def backward(self, gg, out, x):
        m, a = self.m, self.axis
        shape = tuple(x.shape)
        n, nd = shape[a], len(shape)
        xp = get_array_module(m.raw(x))
        eye = xp.eye(n, dtype=bool).reshape((n,) + (1,) * a + (n,) + (1,) * (nd - a - 1))
        stack = m.where(eye, x * 0 + 1, x)  # (n, *shape)
        pair = m.call(ProdOthers, stack, axis=a + 1)  # pair[i, .., j, ..] = prod_{k != i, j} x_k
        front = m.call(Permute, gg, axes=(a,) + tuple(k for k in range(nd) if k != a))
        g_i = front.reshape((n,) + shape[:a] + (1,) + shape[a + 1 :])
        return ((g_i * pair * ~eye).sum(axis=0),)


def _prod_of_others(x: Any, axis: int) -> Any:
    """For each element, the product of the other elements along ``axis`` (zeros allowed)."""
    xp = get_array_module(x)
    ones = xp.ones_like(xp.take(x, [0], axis=axis))
    left = xp.cumprod(xp.concatenate([ones, x], axis=axis), axis=axis)
    left = xp.take(left, range(x.shape[axis]), axis=axis)
    rev = xp.flip(x, axis)
    right = xp.cumprod(xp.concatenate([ones, rev], axis=axis), axis=axis)
    right = xp.flip(xp.take(right, range(x.shape[axis]), axis=axis), axis)
    return left * right


class MaxDim(Function):
    """max/min along one dim returning values; the gradient goes to the chosen index."""

    @property
    def name(self) -> str:
        return "MaxBackward0" if self.largest else "MinBackward0"  # torch's nodes

    def forward(self, x, axis=0, keepdim=False, largest=True):
        self.largest = largest
        xp = get_array_module(x)
        idx = (xp.argmax if largest else xp.argmin)(x, axis=axis, keepdims=True)
        self.idx, self.axis, self.keepdim, self.shape = idx, axis, keepdim, x.shape
        vals = xp.take_along_axis(x, idx, axis=axis)
        return vals if keepdim else vals.squeeze(axis)

    def backward(self, g, out, x):
        if not self.keepdim:
            g = g.reshape(self.idx.shape)
        return (self.m.call(ScatterAddAlong, g, index=self.idx, axis=self.axis, shape=self.shape),)


def _drop(shape: tuple, axes: tuple | None) -> tuple:
    if axes is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in axes)


class PNorm(Function):
    """(sum |x|^p)^(1/p) for finite p > 0; zero vectors get a zero (sub)gradient, as in torch."""

    name = "LinalgVectorNormBackward0"  # torch's node for every vector norm

    def forward(self, x, p=2.0, axes=None, keepdim=False):
        xp = get_array_module(x)
        self.p, self.axes, self.keepdim, self.shape = p, axes, keepdim, x.shape
        if p == 2:
            return xp.sqrt((x * x).sum(axis=axes, keepdims=keepdim))
        return (xp.abs(x) ** p).sum(axis=axes, keepdims=keepdim) ** (1.0 / p)

    def backward(self, g, out, x):
        p = self.p
        out_full = _expand_back(self.m, out, self.shape, self.axes, self.keepdim)
        g_full = _expand_back(self.m, g, self.shape, self.axes, self.keepdim)
        m = self.m
        zero = m.raw(out_full) == 0
        safe = m.where(zero, out_full * 0 + 1, out_full)
        if p == 2:
            grad = x / safe
        else:
            grad = m.sign(x) * m.abs(x) ** (p - 1) / safe ** (p - 1)
        return (m.where(zero, g_full * 0, g_full * grad),)


class ZeroNorm(Function):
    """The "0-norm": the number of nonzero elements (a NaN counts).  torch records the node
    but its gradient is undefined, so the input's ``.grad`` stays None (``backward`` gives
    None, which the engine skips; ``autograd.grad`` needs ``allow_unused=True``)."""

    name = "LinalgVectorNormBackward0"

    def forward(self, x, axes=None, keepdim=False):
        xp = get_array_module(x)
        return xp.asarray((x != 0).sum(axis=axes, keepdims=keepdim), dtype=x.dtype)

    def backward(self, g, out, x):
        return (None,)


class Cumsum(Function):
    def forward(self, x, axis=0):
        self.axis = axis
        if x.dtype.char == "e":  # float16 accumulates in float32, as torch's
            return x.cumsum(axis=axis, dtype="f4").astype(x.dtype)
        return x.cumsum(axis=axis)

    def backward(self, g, out, x):
        m, axes = self.m, (self.axis,)
        return (
            m.call(Flip, m.call(Cumsum, m.call(Flip, g, axes=axes), axis=self.axis), axes=axes),
        )


# ---------------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------------


class _NoDim:
    """The default of ``sum``/``mean``'s ``dim`` when it is not passed (``None`` passed
    explicitly reduces every dim too, and then ``keepdim`` is allowed, as torch's)."""

    def __repr__(self) -> str:
        return "None"


NO_DIM: Any = _NoDim()


def keepdim_needs_dim(fn: str, dim: Any, keepdim: Any, axis: Any = None) -> None:
    """torch's refusal of ``keepdim=True`` without ``dim`` (``x.mean(keepdim=True)``,
    ``x.max(keepdim=True)``): its overload without ``dim`` takes no ``keepdim``."""
    if keepdim is True and axis is None and (dim is NO_DIM or dim is None):
        raise TypeError(
            f"{fn}() received an invalid combination of arguments - got keepdim=True without "
            f"dim: pass the dims to keep (x.{fn}(dim=0, keepdim=True)), or drop keepdim"
        )


def reduced_dims(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """The axes a reduction runs over: ``normalize_dims``, except that an empty list of dims
    means every dim (None), as torch's sum, mean, amax, std, var, norm and count_nonzero take
    ``dim=()`` or ``dim=[]``."""
    if dim is None:
        return None
    return normalize_dims(dim, ndim) or None


def sum(
    x: Tensor,
    dim: Any = NO_DIM,
    keepdim: bool = False,
    *,
    dtype: Any = None,  # noqa: A001
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """Sum over ``dim`` (all dims when None). Bool and integer inputs sum to int64, as in torch."""
    if dim is NO_DIM:
        keepdim_needs_dim("sum", dim, keepdim, axis)
        dim = None
    dim, keepdim = resolve(dim, keepdim, axis, keepdims)
    if dtype is not None:
        x = x.to(dtype=dtype)
    elif x._data.dtype.kind in "biu":
        x = x.long()
    return Sum.apply(x, axes=reduced_dims(dim, x.ndim), keepdim=keepdim)


def mean(
    x: Tensor,
    dim: Any = NO_DIM,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """Arithmetic mean over ``dim``; integer tensors need ``dtype`` (torch refuses them)."""
    if dim is NO_DIM:
        keepdim_needs_dim("mean", dim, keepdim, axis)
        dim = None
    dim, keepdim = resolve(dim, keepdim, axis, keepdims)
    if dtype is not None:
        x = x.to(dtype=dtype)
    if x._data.dtype.kind in "biu":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be floating point, got "
            f"{x.dtype}: call x.float().mean() or pass dtype=nablagrad.float32"
        )
    return Mean.apply(x, axes=reduced_dims(dim, x.ndim), keepdim=keepdim)


def prod(
    x: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: int | None = None,
    keepdims: Any = None,
) -> Tensor:
    """Product over ``dim`` (all elements when None); bool and integer inputs give int64."""
    keepdim_needs_dim("prod", dim, keepdim, axis)
    dim, keepdim = resolve(dim, keepdim, axis, keepdims)
    if dtype is not None:
        x = x.to(dtype=dtype)
    elif x._data.dtype.kind in "biu":
        x = x.long()
    axis = None if dim is None else _validate.dim(dim, x.ndim, fn="prod")
    if x.ndim == 0:
        axis = None
    return Prod.apply(x, axis=axis, keepdim=keepdim)


def shared_evenly_at(x: Tensor, value: Any) -> Tensor:
    """``value``, one of ``x``'s elements, with its gradient shared evenly between the elements
    of ``x`` equal to it, the NaN ones when it is NaN (torch's rule for ``max()``, ``min()``,
    ``median()`` and ``nanmedian()`` over all elements): the mean of the NaN elements, or the
    largest of the equal ones (``amax`` shares its gradient between ties)."""
    xp = get_array_module(x._data)
    flat = x.reshape(-1)
    if xp.isnan(value):
        return flat[Tensor._wrap(xp.isnan(flat._data))].mean()
    return AMax.apply(flat[Tensor._wrap(flat._data == value)], axes=None, keepdim=False)


def _extreme(x: Tensor, dim: Any, keepdim: bool, axis: Any, keepdims: Any, largest: bool) -> Any:
    if isinstance(dim, Tensor):  # max(a, b) / min(a, b): elementwise
        return (maximum if largest else minimum)(x, dim)
    name = "max" if largest else "min"
    keepdim_needs_dim(name, dim, keepdim, axis)
    dim, keepdim = resolve(dim, keepdim, axis, keepdims)
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError(f"{name}(): expected a non-empty tensor")
        if x._data.dtype.kind == "f" and x.requires_grad:
            if get_array_module(x._data).isnan(x._data).any():  # (amax's gradient is NaN here)
                return shared_evenly_at(x, float("nan"))
        return (AMax if largest else AMin).apply(x, axes=None, keepdim=False)
    if not isinstance(dim, int):
        raise TypeError(f"{name}(dim=...) takes one int dim; use amax/amin for several dims")
    normalize_dims(dim, x.ndim)  # range and type checks (a 0-d tensor takes 0 and -1)
    if x.ndim == 0:
        return (return_types.max if largest else return_types.min)(
            x.clone(), Tensor._wrap(get_array_module(x._data).zeros((), dtype="int64"))
        )
    axis = _validate.dim(dim, x.ndim)
    if x.shape[axis] == 0:
        raise IndexError(
            f"{name}(): Expected reduction dim {axis} to have non-zero size (tensor of shape "
            f"{tuple(x.shape)})"
        )
    values = MaxDim.apply(x, axis=axis, keepdim=keepdim, largest=largest)
    if values._ctx is not None:  # recorded: the primitive kept the indices it used
        idx = values._ctx.idx
        idx = Tensor._wrap((idx if keepdim else idx.squeeze(axis)).astype("int64", copy=False))
    else:
        idx = _arg_extreme(x, axis, keepdim, largest)
    return (return_types.max if largest else return_types.min)(values, idx)


def max(
    x: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    other: Any = None,
    axis: Any = None,  # noqa: A001
    keepdims: Any = None,
) -> Any:
    """Largest element; with ``dim``, a ``(values, indices)`` pair. ``max(a, b)`` is maximum."""
    if other is not None:  # torch.max(input, other=...): elementwise
        if dim is not None or not isinstance(other, Tensor):
            raise TypeError("max()/min(): other= takes a Tensor, and not together with dim=")
        dim = other
    return _extreme(x, dim, keepdim, axis, keepdims, largest=True)


def min(
    x: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    other: Any = None,
    axis: Any = None,  # noqa: A001
    keepdims: Any = None,
) -> Any:
    """Smallest element; with ``dim``, a ``(values, indices)`` pair. ``min(a, b)`` is minimum."""
    if other is not None:  # torch.max(input, other=...): elementwise
        if dim is not None or not isinstance(other, Tensor):
            raise TypeError("max()/min(): other= takes a Tensor, and not together with dim=")
        dim = other
    return _extreme(x, dim, keepdim, axis, keepdims, largest=False)


def _nonempty(x: Tensor, axes: Any, name: str) -> None:
    """max/min have no identity: reducing an empty dimension is an error (as torch: an
    IndexError naming the dim, or a RuntimeError when no dim was given)."""
    if axes is None and x._data.size == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
            "the reduction dim with the 'dim' argument."
        )
    for a in range(x.ndim) if axes is None else axes:
        if x.shape[a] == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim {a} to have non-zero size (tensor of shape "
                f"{tuple(x.shape)})"
            )


@_validate.numpy_names
def amax(x: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    axes = reduced_dims(dim, x.ndim)
    _nonempty(x, axes, "amax")
    return AMax.apply(x, axes=axes, keepdim=keepdim)


@_validate.numpy_names
def amin(x: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    axes = reduced_dims(dim, x.ndim)
    _nonempty(x, axes, "amin")
    return AMin.apply(x, axes=axes, keepdim=keepdim)


def _arg_extreme(x: Tensor, dim: Any, keepdim: bool, largest: bool) -> Tensor:
    xp = get_array_module(x._data)
    find = xp.argmax if largest else xp.argmin
    name = "argmax" if largest else "argmin"
    if dim is None:
        if x._data.size == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        out = xp.asarray(find(x._data.reshape(-1)))
        return Tensor._wrap(out.reshape((1,) * x.ndim if keepdim else ()).astype("int64"))
    axis = _validate.dim(dim, x.ndim, fn=name)
    if x.ndim and x.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")
    if x.ndim == 0:
        return Tensor._wrap(xp.zeros((), dtype="int64"))
    return Tensor._wrap(find(x._data, axis=axis, keepdims=keepdim).astype("int64", copy=False))


def _no_bool(x: Tensor, name: str) -> None:
    if x._data.dtype.kind == "b":
        raise RuntimeError(
            f"{name}(): does not support bool input: convert it first ({name} of x.int())"
        )


def argmax(
    x: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    axis: int | None = None,
    keepdims: Any = None,
) -> Tensor:
    """Index of the largest element (the first one on ties); over the flattened tensor when
    ``dim`` is None."""
    dim, keepdim = resolve(dim, keepdim, axis, keepdims)
    _no_bool(x, "argmax")
    out = _arg_extreme(x, dim, keepdim, largest=True)
    if _function._result_hook is not None:
        _function._result_hook((x,), out)
    return out


def argmin(
    x: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    axis: int | None = None,
    keepdims: Any = None,
) -> Tensor:
    """Index of the smallest element (the first one on ties), as ``argmax``."""
    dim, keepdim = resolve(dim, keepdim, axis, keepdims)
    _no_bool(x, "argmin")
    out = _arg_extreme(x, dim, keepdim, largest=False)
    if _function._result_hook is not None:
        _function._result_hook((x,), out)
    return out


@torch_node("VarBackward0")
def var(
    x: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """Variance: sum((x - mean)^2) / (N - correction); correction defaults to 1 (Bessel)."""
    if isinstance(x, Tensor) and x._data.dtype.char == "e":  # in float32, as torch's
        return var(
            x.float(), dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims
        ).half()
    centred, axes, keepdim, dof = _centred(
        "var", x, dim, unbiased, keepdim, correction, axis, keepdims
    )
    return div(Sum.apply(mul(centred, centred), axes=axes, keepdim=keepdim), dof)


def _centred(
    fn: str,
    x: Tensor,
    dim: Any,
    unbiased: bool | None,
    keepdim: bool,
    correction: float | None,
    axis: Any,
    keepdims: Any,
) -> tuple[Tensor, Any, bool, float]:
    """(x - mean over the reduced dims, those dims, keepdim, N - correction clipped at 0): the
    common part of ``var`` and ``std``, which warn as torch's do when N - correction <= 0."""
    dim, keepdim = resolve(dim, keepdim, axis, keepdims)
    if unbiased is not None and correction is not None:
        raise TypeError(
            f"{fn}() got both unbiased= and correction=, which torch refuses: pass one "
            "(unbiased=True is correction=1, unbiased=False is correction=0)"
        )
    if isinstance(unbiased, bool) and correction is None:
        correction = 1 if unbiased else 0
    elif correction is None:
        correction = 1
    _floating_only(x, "std and var")
    axes = reduced_dims(dim, x.ndim)
    n = x._data.size if axes is None else int(_numel(x.shape, axes))
    if n - correction <= 0:
        warnings.warn(
            f"{fn}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )
    return sub(x, mean(x, axes, keepdim=True)), axes, keepdim, builtins.max(n - correction, 0)


def _floating_only(x: Tensor, fn: str) -> None:
    """torch's refusal of a bool or integer input to a floating reduction (var, norm)."""
    if x._data.dtype.kind in "biu":
        raise RuntimeError(
            f"{fn}: expected a floating point input, got {x.dtype} (convert it first: x.float())"
        )


def _numel(shape: tuple, axes: tuple) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


@torch_node("StdBackward0")
def std(
    x: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """Standard deviation: sqrt of ``var`` with the same arguments, computed as ||x - mean|| /
    sqrt(N - correction) so that, as in torch, a zero standard deviation has a zero gradient
    (sqrt's derivative there is infinite).

    Example:
        >>> import nablagrad as torch
        >>> x = torch.tensor([2.0, 2.0, 2.0], requires_grad=True)
        >>> x.std().backward(); x.grad
        tensor([0., 0., 0.])
    """
    if isinstance(x, Tensor) and x._data.dtype.char == "e":  # in float32, as torch's
        return std(
            x.float(), dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims
        ).half()
    centred, axes, keepdim, dof = _centred(
        "std", x, dim, unbiased, keepdim, correction, axis, keepdims
    )
    return div(PNorm.apply(centred, p=2.0, axes=axes, keepdim=keepdim), builtins.float(dof) ** 0.5)


@_validate.numpy_names
def logsumexp(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) computed stably as m + log(sum(exp(x - m))) with m = max(x)."""
    if dim is None:  # torch has no overload without dim (all dims: logsumexp(x, range(x.ndim)))
        raise TypeError(
            'logsumexp() missing 1 required positional arguments: "dim" (pass the dims to '
            "reduce, e.g. tuple(range(x.ndim)) for all)"
        )
    x = _float_dtype_for(x)
    axes = normalize_dims(dim, x.ndim)
    if x._data.size == 0:  # log of an empty sum: -inf where the reduced part is empty (torch)
        return sum(x, dim, keepdim=keepdim).log()
    return LogSumExp.apply(x, axes=axes, keepdim=keepdim)


@_validate.numpy_names
def norm(
    x: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None
) -> Tensor:
    """Vector p-norm (any p > 0, ``inf``, ``-inf``, 0) or Frobenius norm (``'fro'`` = 2)."""
    _floating_only(x, "norm")
    if dtype is not None:
        x = x.to(dtype=dtype)
    if p == "fro" or p is None:
        p = 2.0
    if isinstance(p, str):  # 'nuc' and torch's refusals: torch.linalg.matrix_norm's
        from .linalg_fns import matrix_norm

        if dim is None:
            dim = tuple(range(x.ndim))
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) != 2:
            raise RuntimeError(
                f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dims))}"
            )
        return matrix_norm(x, p, dims, keepdim)
    axes = reduced_dims(dim, x.ndim)
    p = float(p)
    if p == float("inf"):
        return AMax.apply(abs(x), axes=axes, keepdim=keepdim)
    if p == float("-inf"):
        return AMin.apply(abs(x), axes=axes, keepdim=keepdim)
    if p == 0:
        return ZeroNorm.apply(x, axes=axes, keepdim=keepdim)
    if p < 0:
        raise ValueError(f"norm: p must be > 0, inf, -inf or 0, got {p}")
    return PNorm.apply(x, p=p, axes=axes, keepdim=keepdim)


def cumsum(
    x: Tensor, dim: int | None = None, *, dtype: Any = None, axis: int | None = None
) -> Tensor:
    """Running sum along ``dim`` (``axis`` is accepted as its NumPy spelling)."""
    dim, _ = resolve(dim, False, axis, None)
    if dim is None:
        raise TypeError("cumsum() missing the dim argument, e.g. x.cumsum(dim=0)")
    if dtype is not None:
        x = x.to(dtype=dtype)
    elif x._data.dtype.kind in "bu":
        x = x.long()
    axis = _validate.dim(dim, x.ndim, fn="cumsum")
    if x.ndim == 0:
        return x.clone()
    return Cumsum.apply(x, axis=axis)


@_validate.numpy_names
def all(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether every element (along ``dim``) is nonzero; a bool tensor (uint8 for a uint8 input,
    as torch)."""
    axes = normalize_dims(dim, x.ndim)
    xp = get_array_module(x._data)
    out = xp.asarray(x._data.astype(bool).all(axis=axes, keepdims=keepdim))
    out = Tensor._wrap(out if x._data.dtype != xp.uint8 else out.astype(xp.uint8))
    if _function._result_hook is not None:
        _function._result_hook((x,), out)
    return out


@_validate.numpy_names
def any(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """Whether some element (along ``dim``) is nonzero; a bool tensor (uint8 for a uint8 input,
    as torch)."""
    axes = normalize_dims(dim, x.ndim)
    xp = get_array_module(x._data)
    out = xp.asarray(x._data.astype(bool).any(axis=axes, keepdims=keepdim))
    out = Tensor._wrap(out if x._data.dtype != xp.uint8 else out.astype(xp.uint8))
    if _function._result_hook is not None:
        _function._result_hook((x,), out)
    return out


@_validate.numpy_names
def count_nonzero(x: Tensor, dim: Any = None) -> Tensor:
    """The number of nonzero elements (along ``dim``), int64."""
    axes = reduced_dims(dim, x.ndim)
    xp = get_array_module(x._data)
    return Tensor._wrap(xp.asarray((x._data != 0).sum(axis=axes)).astype("int64"))
