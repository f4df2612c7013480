"""Reductions: sum, mean, prod, max/min (values and indices), var/std, logsumexp, norm, cumsum.

Every reduction takes ``dim`` (int, tuple or None) and ``keepdim`` and also accepts NumPy's
``axis`` / ``keepdims`` spellings.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import Any

from .. import _validate
from ..autograd import dual as D
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from .elementwise import _float_dtype_for, abs, div, mul, sqrt, sub

MaxResult = namedtuple("MaxResult", ["values", "indices"])


def normalize_dims(dim: Any, ndim: int, name: str = "dim") -> tuple[int, ...] | None:
    """``dim`` as a sorted tuple of non-negative axes (``None`` means all axes)."""
    if dim is None:
        return None
    out = _validate.dims(dim, ndim, name)
    return tuple(sorted(out)) if ndim else None


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


def _expand_back(g: Any, in_shape: tuple, axes: Any, keepdim: bool) -> Any:
    """Broadcast a reduced gradient back to the input's shape."""
    if not keepdim:
        g = g.reshape(_kept_shape(in_shape, axes))
    return D.expand_to(g, in_shape)


class Sum(Function):
    def forward(self, x, axes=None, keepdim=False):
        self.axes, self.keepdim, self.shape = axes, keepdim, x.shape
        return x.sum(axis=axes, keepdims=keepdim)

    def backward(self, g, out, x):
        return (_expand_back(g, self.shape, self.axes, self.keepdim),)


class Mean(Function):
    def forward(self, x, axes=None, keepdim=False):
        self.axes, self.keepdim, self.shape = axes, keepdim, x.shape
        if x.size == 0 or x.dtype.kind != "f":  # NumPy's mean gives nan for empty input
            out = x.mean(axis=axes, keepdims=keepdim)
            self.count = x.size // builtins.max(out.size, 1) if x.size else 1
            return out
        total = x.sum(axis=axes, keepdims=keepdim)  # sum / n: 4x faster than ndarray.mean
        self.count = x.size // builtins.max(total.size, 1)
        return total / x.dtype.type(self.count)

    def backward(self, g, out, x):
        return (_expand_back(g / self.count, self.shape, self.axes, self.keepdim),)


class Prod(Function):
    def forward(self, x, axis=None, keepdim=False):
        self.axis, self.keepdim, self.shape = axis, keepdim, x.shape
        return x.prod(axis=axis, keepdims=keepdim)

    def backward(self, g, out, x):
        axes = None if self.axis is None else (self.axis,)
        g_full = _expand_back(g, self.shape, axes, self.keepdim)
        xr = D.raw(x)
        if not (xr == 0).any():
            return (g_full * _expand_back(out, self.shape, axes, self.keepdim) / x,)
        if D.is_tensor(x):
            raise RuntimeError(
                "prod: double backward through a product that contains zeros is not supported"
            )
        return (g_full * _prod_of_others(xr, self.axis),)


def _prod_of_others(x: Any, axis: int | None) -> Any:
    """For each element, the product of the other elements along ``axis`` (zeros allowed)."""
    xp = get_array_module(x)
    shape = x.shape
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    ones = xp.ones_like(xp.take(x, [0], axis=axis))
    left = xp.cumprod(xp.concatenate([ones, x], axis=axis), axis=axis)
    left = xp.take(left, range(x.shape[axis]), axis=axis)
    rev = xp.flip(x, axis)
    right = xp.cumprod(xp.concatenate([ones, rev], axis=axis), axis=axis)
    right = xp.flip(xp.take(right, range(x.shape[axis]), axis=axis), axis)
    return (left * right).reshape(shape)


class AMax(Function):
    """max/min over axes; ties share the gradient evenly (torch's amax/amin rule)."""

    def forward(self, x, axes=None, keepdim=False, largest=True):
        self.axes, self.keepdim, self.shape = axes, keepdim, x.shape
        f = x.max if largest else x.min
        return f(axis=axes, keepdims=keepdim)

    def backward(self, g, out, x):
        out_full = _expand_back(D.raw(out), self.shape, self.axes, self.keepdim)
        mask = D.raw(x) == out_full
        count = mask.sum(axis=self.axes, keepdims=True)
        g_full = _expand_back(g, self.shape, self.axes, self.keepdim)
        return (g_full * (mask / count).astype(D.raw(x).dtype),)


class MaxDim(Function):
    """max/min along one dim returning values; the gradient goes to the chosen index."""

    def forward(self, x, axis=0, keepdim=False, largest=True):
        xp = get_array_module(x)
        idx = (xp.argmax if largest else xp.argmin)(x, axis=axis, keepdims=True)
        self.idx, self.axis, self.keepdim, self.shape = idx, axis, keepdim, x.shape
        vals = xp.take_along_axis(x, idx, axis=axis)
        return vals if keepdim else vals.squeeze(axis)

    def backward(self, g, out, x):
        if not self.keepdim:
            g = g.reshape(self.idx.shape)
        return (D.scatter_along(g, self.idx, self.axis, self.shape),)


class LogSumExp(Function):
    def forward(self, x, axes=None, keepdim=False):
        xp = get_array_module(x)
        self.axes, self.keepdim, self.shape = axes, keepdim, x.shape
        m = x.max(axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
        return out if keepdim else out.reshape(_drop(out.shape, axes))

    def backward(self, g, out, x):
        out_full = _expand_back(out, self.shape, self.axes, self.keepdim)
        g_full = _expand_back(g, self.shape, self.axes, self.keepdim)
        return (g_full * D.exp(x - out_full),)


def _drop(shape: tuple, axes: tuple | None) -> tuple:
    if axes is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in axes)


class PNorm(Function):
    """(sum |x|^p)^(1/p) for finite p > 0; zero vectors get a zero (sub)gradient, as in torch."""

    def forward(self, x, p=2.0, axes=None, keepdim=False):
        xp = get_array_module(x)
        self.p, self.axes, self.keepdim, self.shape = p, axes, keepdim, x.shape
        if p == 2:
            return xp.sqrt((x * x).sum(axis=axes, keepdims=keepdim))
        return (xp.abs(x) ** p).sum(axis=axes, keepdims=keepdim) ** (1.0 / p)

    def backward(self, g, out, x):
        p = self.p
        out_full = _expand_back(out, self.shape, self.axes, self.keepdim)
        g_full = _expand_back(g, self.shape, self.axes, self.keepdim)
        zero = D.raw(out_full) == 0
        safe = D.where(zero, out_full * 0 + 1, out_full)
        if p == 2:
            grad = x / safe
        else:
            grad = D.sign(x) * abs_raw_or_tensor(x) ** (p - 1) / safe ** (p - 1)
        return (D.where(zero, g_full * 0, g_full * grad),)


def abs_raw_or_tensor(x: Any) -> Any:
    return x.abs() if D.is_tensor(x) else get_array_module(x).abs(x)


class Cumsum(Function):
    def forward(self, x, axis=0):
        self.axis = axis
        return x.cumsum(axis=axis)

    def backward(self, g, out, x):
        return (D.flip(D.flip(g, self.axis).cumsum(self.axis), self.axis),)


# ---------------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------------


def sum(
    x: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,  # noqa: A001
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """Sum over ``dim`` (all dims when None). Bool and integer inputs sum to int64, as in torch."""
    dim, keepdim = resolve(dim, keepdim, axis, keepdims)
    if dtype is not None:
        x = x.to(dtype=dtype)
    elif x._data.dtype.kind in "biu":
        x = x.long()
    return Sum.apply(x, axes=normalize_dims(dim, x.ndim), keepdim=keepdim)


def mean(
    x: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """Arithmetic mean over ``dim``; integer tensors need ``dtype`` (torch refuses them)."""
    dim, keepdim = resolve(dim, keepdim, axis, keepdims)
    if dtype is not None:
        x = x.to(dtype=dtype)
    if x._data.dtype.kind in "biu":
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be floating point, got "
            f"{x.dtype}: call x.float().mean() or pass dtype=nablagrad.float32"
        )
    return Mean.apply(x, axes=normalize_dims(dim, x.ndim), keepdim=keepdim)


def prod(
    x: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: int | None = None,
    keepdims: Any = None,
) -> Tensor:
    dim, keepdim = resolve(dim, keepdim, axis, keepdims)
    if dtype is not None:
        x = x.to(dtype=dtype)
    axis = None if dim is None else normalize_dims(dim, x.ndim)[0] if x.ndim else None
    return Prod.apply(x, axis=axis, keepdim=keepdim)


def _extreme(x: Tensor, dim: Any, keepdim: bool, axis: Any, keepdims: Any, largest: bool) -> Any:
    if isinstance(dim, Tensor):  # max(a, b) / min(a, b): elementwise
        from .elementwise import maximum, minimum

        return (maximum if largest else minimum)(x, dim)
    dim, keepdim = resolve(dim, keepdim, axis, keepdims)
    name = "max" if largest else "min"
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError(f"{name}(): expected a non-empty tensor")
        return AMax.apply(x, axes=None, keepdim=False, largest=largest)
    if not isinstance(dim, int):
        raise TypeError(f"{name}(dim=...) takes one int dim; use amax/amin for several dims")
    if x.ndim == 0:
        return MaxResult(
            x.clone(), Tensor._wrap(get_array_module(x._data).zeros((), dtype="int64"))
        )
    axis = normalize_dims(dim, x.ndim)[0]
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
    return MaxResult(values, idx)


def max(
    x: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,  # noqa: A001
    keepdims: Any = None,
) -> Any:
    """Largest element; with ``dim``, a ``(values, indices)`` pair. ``max(a, b)`` is maximum."""
    return _extreme(x, dim, keepdim, axis, keepdims, largest=True)


def min(
    x: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,  # noqa: A001
    keepdims: Any = None,
) -> Any:
    """Smallest element; with ``dim``, a ``(values, indices)`` pair. ``min(a, b)`` is minimum."""
    return _extreme(x, dim, keepdim, axis, keepdims, largest=False)


def amax(x: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    axes = None if dim in ((), None) else normalize_dims(dim, x.ndim)
    return AMax.apply(x, axes=axes, keepdim=keepdim, largest=True)


def amin(x: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    axes = None if dim in ((), None) else normalize_dims(dim, x.ndim)
    return AMax.apply(x, axes=axes, keepdim=keepdim, largest=False)


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
    axis = normalize_dims(dim, x.ndim)[0]
    if x.ndim and x.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size.")
    if x.ndim == 0:
        return Tensor._wrap(xp.zeros((), dtype="int64"))
    return Tensor._wrap(find(x._data, axis=axis, keepdims=keepdim).astype("int64", copy=False))


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
    return _arg_extreme(x, dim, keepdim, largest=True)


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
    return _arg_extreme(x, dim, keepdim, largest=False)


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
    dim, keepdim = resolve(dim, keepdim, axis, keepdims)
    if isinstance(unbiased, bool) and correction is None:
        correction = 1 if unbiased else 0
    elif correction is None:
        correction = 1
    x = _float_dtype_for(x)
    axes = normalize_dims(dim, x.ndim)
    n = x._data.size if axes is None else int(_numel(x.shape, axes))
    centred = sub(x, mean(x, axes, keepdim=True))
    total = Sum.apply(mul(centred, centred), axes=axes, keepdim=keepdim)
    return div(total, builtins.max(n - correction, 0))


def _numel(shape: tuple, axes: tuple) -> int:
    n = 1
    for a in axes:
        n *= shape[a]
    return n


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
    """Standard deviation: sqrt of ``var`` with the same arguments."""
    return sqrt(var(x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims))


def logsumexp(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) computed stably as m + log(sum(exp(x - m))) with m = max(x)."""
    x = _float_dtype_for(x)
    return LogSumExp.apply(x, axes=normalize_dims(dim, x.ndim), keepdim=keepdim)


def norm(
    x: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None
) -> Tensor:
    """Vector p-norm (any p > 0, ``inf``, ``-inf``, 0) or Frobenius norm (``'fro'`` = 2)."""
    if dtype is not None:
        x = x.to(dtype=dtype)
    x = _float_dtype_for(x)
    if p == "fro" or p is None:
        p = 2.0
    if isinstance(p, str):
        raise ValueError(f"norm: unsupported p={p!r}; use a number, inf or 'fro'")
    axes = normalize_dims(dim, x.ndim)
    p = float(p)
    if p == float("inf"):
        return AMax.apply(abs(x), axes=axes, keepdim=keepdim, largest=True)
    if p == float("-inf"):
        return AMax.apply(abs(x), axes=axes, keepdim=keepdim, largest=False)
    if p == 0:
        return Tensor._wrap((x._data != 0).sum(axis=axes, keepdims=keepdim).astype(x._data.dtype))
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
    return Cumsum.apply(x, axis=normalize_dims(dim, x.ndim)[0] if x.ndim else 0)
