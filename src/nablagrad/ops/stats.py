"""Statistics and running reductions: cummax/cummin, logcumsumexp, quantile/nanquantile,
nanmedian, mode, aminmax, histc, cov/corrcoef, std_mean/var_mean, trapezoid rules.

Values that are elements of the input (running extrema, quantile end points, modes) are taken
with ``gather``, so their gradients are scatter-adds and second derivatives work;
logcumsumexp is a primitive (a running log-add-exp); the rest are compositions of
differentiable primitives.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import Any, NamedTuple

from .. import _validate, return_types
from ..autograd.function import Function, check_same_device, torch_node
from ..backend import get_array_module, np
from ..tensor import Tensor
from . import elementwise as ew
from . import index as ix
from . import reduce as rd
from . import shape as sh
from .mathfns import _no_derivative
from .shape import _axis

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])
MinMax = return_types.aminmax


def _float_input(name: str, x: Tensor) -> None:
    if x._data.dtype.kind != "f":
        raise RuntimeError(
            f"{name}(): input tensor must be either float or double dtype, got {x.dtype}"
        )


# -- running reductions ---------------------------------------------------------------------


def _cum_extreme(input: Tensor, dim: int, largest: bool) -> ValuesIndices:  # noqa: A002
    result = return_types.cummax if largest else return_types.cummin
    if input.ndim == 0:
        return result(input.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
    ax = _axis(dim, input.ndim)
    raw = input._data
    xp = get_array_module(raw)
    moved = xp.moveaxis(raw, ax, -1)
    n = moved.shape[-1]
    idx = xp.zeros(moved.shape, dtype=np.int64)
    best = moved[..., 0].copy() if n else moved[..., :0]
    cur = xp.zeros(moved.shape[:-1], dtype=np.int64)
    for j in range(n):  # ties move the index forward (torch's >=); NaN sticks once seen
        v = moved[..., j]
        better = (v >= best) if largest else (v <= best)
        if raw.dtype.kind == "f":
            better = xp.isnan(v) | (~xp.isnan(best) & better)
        best = xp.where(better, v, best)
        cur = xp.where(better, j, cur)
        idx[..., j] = cur
    index = Tensor._wrap(xp.ascontiguousarray(xp.moveaxis(idx, -1, ax)))
    return result(ix.gather(input, ax, index), index)


@_validate.numpy_names
@torch_node("CummaxBackward0")
def cummax(input: Tensor, dim: int) -> ValuesIndices:  # noqa: A002
    """Running maximum along ``dim`` and the index where it was attained (the latest on ties)."""
    return _cum_extreme(input, dim, True)


@_validate.numpy_names
@torch_node("CumminBackward0")
def cummin(input: Tensor, dim: int) -> ValuesIndices:  # noqa: A002
    """Running minimum along ``dim`` and the index where it was attained (the latest on ties)."""
    return _cum_extreme(input, dim, False)


def _running_logaddexp(x: Any, axis: int) -> Any:
    """log(e^x_0 + ... + e^x_j) for every j along ``axis``: a running log-add-exp, exact
    whatever the spread of the values (NumPy's ``logaddexp.accumulate``; position by position
    on other array modules)."""
    xp = get_array_module(x)
    if xp is np:
        return np.logaddexp.accumulate(x, axis=axis)
    moved = xp.moveaxis(x, axis, -1)
    out = xp.empty_like(moved)
    for j in range(moved.shape[-1]):
        out[..., j] = moved[..., j] if j == 0 else xp.logaddexp(out[..., j - 1], moved[..., j])
    return xp.moveaxis(out, -1, axis)


class Logcumsumexp(Function):
    """out_j = log sum_{i <= j} e^x_i along ``axis``.

    Backward (torch's formula): dx_i = sum_{j >= i} g_j e^(x_i - out_j), summed in log space
    for the positive and the negative parts of g (reversed logcumsumexp), so that neither the
    terms nor the sums overflow.
    """

    def forward(self, x, axis=0):
        self.axis = axis
        return _running_logaddexp(x, axis)

    def backward(self, g, out, x):
        m, ax = self.m, self.axis
        lowest = float(np.finfo(m.raw(x).dtype).min)
        gr = m.raw(g)

        def part(mask: Any) -> Any:  # e^(x_i + log sum_{j >= i} e^(log|g_j| - out_j)), mask only
            log_g = m.where(mask, m.log(m.where(mask, m.abs(g), g * 0 + 1)), g * 0 + lowest)
            flipped = m.call(sh.Flip, log_g - out, axes=(ax,))
            rev = m.call(sh.Flip, m.call(Logcumsumexp, flipped, axis=ax), axes=(ax,))
            return m.exp(rev + x)

        return (part(gr > 0) - part(gr < 0),)


@_validate.numpy_names
def logcumsumexp(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``log(cumsum(exp(x)))`` along ``dim``, as a running log-add-exp: exact for values of any
    spread (shifting by the maximum, as before, gave -inf for values ~100 below it in float32)."""
    if input._data.dtype.kind != "f":  # (a NotImplementedError is a RuntimeError)
        raise NotImplementedError(
            f'"logcumsumexp_out_cpu" not implemented for {input.dtype}: convert first (x.float())'
        )
    if input.ndim == 0:
        return input.clone()
    return Logcumsumexp.apply(input, axis=_axis(dim, input.ndim))


# -- quantiles, medians, modes ----------------------------------------------------------------

_INTERP = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(
    name: str,
    input: Tensor,  # noqa: A002
    q: Any,
    dim: int | None,
    keepdim: bool,
    interpolation: str,
    ignore_nan: bool,
) -> Tensor:
    _float_input(name, input)
    if interpolation not in _INTERP:
        raise RuntimeError(
            f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
            f"Got {interpolation}"
        )
    xp = get_array_module(input._data)
    scalar_q = not isinstance(q, Tensor)
    qs = xp.asarray([q] if scalar_q else q._data, dtype=input._data.dtype).reshape(-1)
    if not scalar_q and q.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if not scalar_q and q._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"{name}() q tensor must be same dtype as the input tensor ({input.dtype})"
        )
    if ((qs < 0) | (qs > 1)).any():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    x = input.reshape(-1) if dim is None else input
    ax = 0 if dim is None else _axis(dim, input.ndim)
    if x.ndim == 0:
        x, ax = x.reshape(1), 0
    srt = sh.movedim(x, ax, -1)
    vals = rd_sort(srt)
    raw = vals._data
    n = raw.shape[-1]
    nan = xp.isnan(raw)
    count = (
        (n - nan.sum(axis=-1, keepdims=True)) if ignore_nan else xp.full(raw.shape[:-1] + (1,), n)
    )
    any_nan = nan.any(axis=-1, keepdims=True)
    # positions (per row) for each q: (count - 1) * q
    pos = (count[..., None, :] - 1) * qs.reshape((1,) * (raw.ndim - 1) + (-1, 1))
    pos = pos[..., 0]  # (..., Q)
    pos = xp.clip(pos, 0, None)
    lo = xp.floor(pos).astype(np.int64)
    hi = xp.ceil(pos).astype(np.int64)
    frac = (pos - lo).astype(raw.dtype)
    if interpolation == "lower":
        hi, frac = lo, frac * 0
    elif interpolation == "higher":
        lo, frac = hi, frac * 0
    elif interpolation == "nearest":
        near = xp.round(pos).astype(np.int64)  # half to even, as torch
        lo = hi = near
        frac = frac * 0
    elif interpolation == "midpoint":
        frac = xp.where(hi > lo, 0.5, 0.0).astype(raw.dtype)
    lo = xp.clip(lo, 0, n - 1)
    hi = xp.clip(hi, 0, n - 1)
    a = ix.gather(vals, -1, Tensor._wrap(lo))
    b = ix.gather(vals, -1, Tensor._wrap(hi))
    out = a + (b - a) * Tensor._wrap(frac) if interpolation in ("linear", "midpoint") else a
    bad = (count == 0) if ignore_nan else any_nan
    if bad.any():
        nan_t = Tensor._wrap(xp.asarray(xp.nan, dtype=raw.dtype))
        out = ew.where(Tensor._wrap(xp.broadcast_to(bad, out.shape)), nan_t, out)
    out = sh.movedim(out, -1, 0)  # (Q, ...)
    if keepdim:
        if dim is None:
            out = out.reshape((out.shape[0],) + (1,) * input.ndim)
        else:
            out = sh.unsqueeze(out, ax + 1)
    return sh.squeeze(out, 0) if scalar_q else out


def rd_sort(x: Tensor) -> Tensor:
    """Values sorted along the last dim, NaN last (differentiable through gather)."""
    from . import sorting

    return sorting.sort(x, -1).values


@_validate.numpy_names
def quantile(
    input: Tensor,  # noqa: A002
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """The ``q``-quantiles along ``dim`` (of all elements by default), interpolating between
    the sorted values; a tensor ``q`` adds a leading dimension.  NaN input gives NaN."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, False)


@_validate.numpy_names
def nanquantile(
    input: Tensor,  # noqa: A002
    q: Any,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
) -> Tensor:
    """``quantile`` ignoring NaN (a row of only NaN gives NaN)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)


@_validate.numpy_names
@torch_node(
    lambda input, dim=None, keepdim=False: (
        "NanmedianBackward0" if dim is None else "NanmedianBackward1"
    )
)
def nanmedian(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """The lower median ignoring NaN: of all elements, or ``(values, indices)`` along ``dim``."""
    return lower_median(input, dim, keepdim, skip_nan=True)


def lower_median(input: Tensor, dim: int | None, keepdim: bool, skip_nan: bool) -> Any:  # noqa: A002
    """torch's median (``skip_nan=False``: NaN, at its first position, wherever the elements
    include one) and nanmedian: of all elements (NaN for none), or ``(values, indices)``
    along ``dim``."""
    fn = "nanmedian" if skip_nan else "median"
    if input._data.dtype.kind == "b":  # torch's kernels have no bool version
        kernel = "median_cpu" if dim is None else "median_out"
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for 'Bool': {fn} of a bool tensor (convert: x.int())"
        )
    if keepdim is True and dim is None:
        raise TypeError(
            f'{fn}() missing 1 required positional arguments: "dim" (keepdim=True needs a dim)'
        )
    xp = get_array_module(input._data)
    if dim is None:
        flat = input.reshape(-1)
        if flat.shape[0] == 0:  # torch: NaN, or the smallest integer for an integer dtype
            kind = input._data.dtype.kind
            empty = (
                xp.nan if kind == "f" else (np.iinfo(input._data.dtype).min if kind in "iu" else 0)
            )
            return Tensor._wrap(xp.asarray(empty, dtype=input._data.dtype))
        value = _median_along(flat, 0, False, xp, skip_nan).values
        if not flat.requires_grad:
            return value
        return rd.shared_evenly_at(flat, value._data)
    ax = _axis(dim, builtins.max(input.ndim, 1))
    if input.ndim == 0:
        result = return_types.nanmedian if skip_nan else return_types.median
        return result(input.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
    if input.shape[ax] == 0:
        raise IndexError(f"median(): Expected reduction dim {ax} to have non-zero size.")
    return _median_along(input, ax, keepdim, xp, skip_nan)


def _median_along(x: Tensor, ax: int, keepdim: bool, xp: Any, skip_nan: bool) -> ValuesIndices:
    from . import sorting

    order = sorting.argsort(x, ax, stable=True)._data  # NaN sort last, in their order
    n = x._data.shape[ax]
    valid = (
        (~xp.isnan(x._data)).sum(axis=ax, keepdims=True)
        if x._data.dtype.kind == "f"
        else xp.full(x._data.shape[:ax] + (1,) + x._data.shape[ax + 1 :], n)
    )
    k = xp.maximum((valid - 1) // 2, 0)
    if not skip_nan:  # a slice with NaN: its first NaN, just after the numbers in the order
        k = xp.where(valid < n, valid, k)
    idx = xp.take_along_axis(order, k, axis=ax)
    index = Tensor._wrap(idx)
    vals = ix.gather(x, ax, index)
    if not keepdim:
        vals, index = sh.squeeze(vals, ax), sh.squeeze(index, ax)
    return (return_types.nanmedian if skip_nan else return_types.median)(vals, index)


@_validate.numpy_names
@torch_node("ModeBackward0")
def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> ValuesIndices:  # noqa: A002
    """The most frequent value along ``dim`` (the smallest on ties) and an index of it: the
    one torch's CPU kernel gives (the last occurrence in runs of up to 16 elements; with
    Numba, torch's algorithm decides beyond, else the last occurrence again)."""
    if input.ndim == 0:
        return return_types.mode(input.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
    ax = _axis(dim, input.ndim)
    xp = get_array_module(input._data)
    moved = xp.moveaxis(input._data, ax, -1)
    n = moved.shape[-1]
    if n == 0:
        raise IndexError("mode(): Expected reduction dim to have non-zero size.")
    from .sorting import _cpu_order, _replayed

    replay = _cpu_order(input._data)
    if replay is not None:  # torch's algorithm: which of the tied values' indices it gives
        last = _replayed(input._data, ax, replay.mode_indices)
    else:
        srt = xp.sort(moved, axis=-1)
        eq = srt[..., :, None] == srt[..., None, :]
        counts = eq.sum(axis=-1)  # count of each sorted element's value
        best = xp.argmax(counts, axis=-1)  # first maximum in sorted order: the smallest value
        value = xp.take_along_axis(srt, best[..., None], axis=-1)
        hits = moved == value
        last = n - 1 - xp.argmax(hits[..., ::-1], axis=-1)
    index = Tensor._wrap(xp.expand_dims(last.astype(np.int64), ax))
    vals = ix.gather(input, ax, index)
    if not keepdim:
        vals, index = sh.squeeze(vals, ax), sh.squeeze(index, ax)
    return return_types.mode(vals, index)


@_validate.numpy_names
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False) -> MinMax:  # noqa: A002
    """``(min, max)`` of all elements or along ``dim``."""
    if input.numel() == 0:
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
            "identity."
        )
    if dim is None:
        return MinMax(rd.amin(input, None, keepdim), rd.amax(input, None, keepdim))
    return MinMax(rd.amin(input, dim, keepdim), rd.amax(input, dim, keepdim))


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A001,A002
    """Counts of elements in ``bins`` equal-width bins over ``[min, max]`` (the data's range
    when both are 0); elements outside are ignored.  Same dtype as ``input``."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"histogram_cpu\" not implemented for '{input.dtype}': convert first (x.float())"
        )
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0")
    xp = get_array_module(input._data)
    raw = input._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and raw.size:
        lo, hi = float(raw.min()), float(raw.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    counts, _ = xp.histogram(raw, bins=bins, range=(lo, hi))
    return Tensor._wrap(counts.astype(input._data.dtype))


class HistogramResult(NamedTuple):
    """torch.return_types.histogram: the counts (or densities) and the bin edges."""

    hist: Tensor
    bin_edges: Tensor


_TORCH_TYPE_NAMES = {"f": "Float", "d": "Double", "e": "Half"}


def _type_name(arr: Any) -> str:
    """torch's scalar-type name for an array's dtype ('Float', 'Long' ...)."""
    return _TORCH_TYPE_NAMES.get(arr.dtype.char) or {"b": "Bool", "u": "Byte"}.get(
        arr.dtype.kind, {1: "Char", 2: "Short", 4: "Int", 8: "Long"}[arr.dtype.itemsize]
    )


def _linspace_like_torch(lo: Any, hi: Any, steps: int, dtype: Any) -> Any:
    """torch's CPU linspace: ``start + step * i`` for the first half and ``end - step * (n - 1
    - i)`` for the second, each a fused multiply-add rounded once to ``dtype`` (histogram's
    bin edges are exactly these values)."""
    wide = np.longdouble if np.dtype(dtype).itemsize >= 8 else np.float64
    lo, hi = np.dtype(dtype).type(lo), np.dtype(dtype).type(hi)
    step = np.dtype(dtype).type((hi - lo) / np.dtype(dtype).type(steps - 1)) if steps > 1 else 0
    i = np.arange(steps)
    first = wide(lo) + wide(step) * i.astype(wide)
    second = wide(hi) - wide(step) * (steps - 1 - i).astype(wide)
    return np.where(i < steps // 2, first, second).astype(dtype)


def histogram(
    input: Tensor,  # noqa: A002
    bins: Any = 100,
    *,
    range: Any = None,  # noqa: A002
    weight: Tensor | None = None,
    density: bool = False,
) -> HistogramResult:
    """The histogram of ``input``'s values (torch.histogram): ``bins`` equal-width bins over
    ``range`` (default: the data's min and max), or the given increasing 1-D tensor of edges.

    Bin ``i`` counts (or sums ``weight`` over) the values in ``[edges[i], edges[i+1])``, the
    last bin also its right edge; values outside the edges are ignored.  With
    ``density=True`` the result is ``hist / (hist.sum() * edges.diff())``.  Returns
    ``(hist, bin_edges)`` as a named tuple; not differentiable (as in torch).

    Example:
        >>> import nablagrad as torch
        >>> hist, edges = torch.histogram(torch.tensor([1.0, 2.0, 1.0]), bins=4, range=(0.0, 3.0))
        >>> hist
        tensor([0., 2., 1., 0.])
        >>> edges
        tensor([0.0000, 0.7500, 1.5000, 2.2500, 3.0000])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"histogram(): input must be a Tensor, not {type(input).__name__}")
    data = input._data
    if data.dtype.kind != "f" or data.dtype.itemsize < 4:
        raise NotImplementedError(
            f"\"histogramdd\" not implemented for '{_type_name(data)}': pass a float32 or "
            "float64 tensor (x.float())"
        )
    check_same_device(
        "histogram", input, bins if isinstance(bins, Tensor) else None,
        weight if isinstance(weight, Tensor) else None,
    )  # fmt: skip
    xp = get_array_module(data)
    flat = data.reshape(-1)
    if isinstance(bins, Tensor):
        if range is not None:
            raise TypeError(
                "histogram(): range= goes with an int number of bins; a tensor of bin edges "
                "fixes the range itself"
            )
        edges = bins._data
        if edges.ndim != 1:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have one dimension, but got "
                f"{edges.ndim} dimensions in the bins tensor for dimension 0"
            )
        if edges.size < 2:
            raise RuntimeError(
                f"torch.histogram(): bins must be > 0, but got {edges.size - 1} for dimension 0 "
                "(a tensor of edges needs at least two)"
            )
        if edges.dtype != data.dtype:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                f"but got input with dtype {_type_name(data).lower()} and bins for dimension 0 "
                f"with dtype {_type_name(edges).lower()}"
            )
        edges = edges.copy()
    else:
        if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
            raise TypeError(
                f"histogram(): bins must be an int or a 1-D tensor of edges, not "
                f"{type(bins).__name__}"
            )
        n = int(bins)
        if n <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {n} for dimension 0")
        if range is not None:
            rng = list(range)
            if len(rng) != 2:
                raise RuntimeError(
                    "torch.histogramdd: for a 1-dimensional histogram range should have 2 "
                    f"elements, but got {len(rng)}"
                )
            lo, hi = float(rng[0]), float(rng[1])
        elif flat.size:
            lo, hi = float(flat.min()), float(flat.max())
        else:
            lo, hi = 0.0, 1.0
        if lo > hi:
            raise RuntimeError(
                f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} "
                "for dimension 0"
            )
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(
                f"torch.histogramdd: dimension 0's range [{lo:g}, {hi:g}] is not finite: pass "
                "range=(min, max) or drop the NaN/infinite values"
            )
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = _linspace_like_torch(lo, hi, n + 1, data.dtype)
        if xp is not np:
            edges = xp.asarray(edges)
    nbins = edges.size - 1
    if weight is not None:
        if not isinstance(weight, Tensor):
            raise TypeError(f"histogram(): weight must be a Tensor, not {type(weight).__name__}")
        if tuple(weight.shape) != tuple(data.shape):
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape "
                "as the input tensor excluding its innermost dimension, but got input with shape "
                f"{[data.size, 1]} and weight with shape {list(weight.shape)}"
            )
        if weight._data.dtype != data.dtype:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
                f"should have the same dtype, but got input({_type_name(data).lower()}), and "
                f"weight({_type_name(weight._data).lower()})"
            )
    with np.errstate(invalid="ignore"):
        inside = (flat >= edges[0]) & (flat <= edges[-1])  # NaN is never inside
    vals = flat[inside]
    pos = xp.minimum(xp.searchsorted(edges, vals, side="right") - 1, nbins - 1)
    pos = xp.maximum(pos, 0)
    w = None if weight is None else weight._data.reshape(-1)[inside].astype(np.float64)
    hist = xp.bincount(pos, weights=w, minlength=nbins)[:nbins].astype(data.dtype)
    if density:
        with np.errstate(invalid="ignore", divide="ignore"):
            hist = (hist / (hist.sum() * xp.diff(edges))).astype(data.dtype)
    # torch records a node that refuses backward when the input or the weight requires grad
    src = weight if weight is not None and weight.requires_grad else input
    return HistogramResult(
        _no_derivative("histogram", hist, src), _no_derivative("histogram", edges, src)
    )


class HistogramddResult(NamedTuple):
    """torch.return_types.histogramdd: the counts (or densities) and a tuple of edges."""

    hist: Tensor
    bin_edges: tuple


def _dd_edges(col: Any, bins: Any, rng: Any, d: int, dtype: Any, xp: Any) -> Any:
    """Dimension ``d``'s bin edges: ``bins`` given edges (a 1-D tensor), or that many
    equal-width bins over ``rng`` (default: the column's min and max, widened by 0.5 on each
    side when they are equal; [0, 1] when there are no points), as torch computes them."""
    if isinstance(bins, Tensor):
        edges = bins._data
        if edges.ndim != 1:
            raise RuntimeError(
                "torch.histogramdd: bins tensor should have one dimension, but got "
                f"{edges.ndim} dimensions in the bins tensor for dimension {d}"
            )
        if edges.size < 2:
            raise RuntimeError(
                f"torch.histogramdd: bins must be > 0, but got {edges.size - 1} for dimension "
                f"{d} (a tensor of edges needs at least two)"
            )
        if edges.dtype != dtype:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, "
                f"but got input with dtype {_type_name(col).lower()} and bins for dimension {d} "
                f"with dtype {_type_name(edges).lower()}"
            )
        return edges.copy()
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)):
        raise TypeError(
            "histogramdd(): bins must be an int, a list of ints or a list of 1-D tensors of "
            f"edges, got {type(bins).__name__} for dimension {d}"
        )
    n = int(bins)
    if n <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {n} for dimension {d}")
    if rng is not None:
        lo, hi = float(rng[0]), float(rng[1])
    elif col.size:
        lo, hi = float(col.min()), float(col.max())
    else:
        lo, hi = 0.0, 1.0
    if lo > hi:
        raise RuntimeError(
            f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} for "
            f"dimension {d}"
        )
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(
            f"torch.histogramdd: dimension {d}'s range [{lo:g}, {hi:g}] is not finite: pass "
            "range= or drop the NaN/infinite values"
        )
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    edges = _linspace_like_torch(lo, hi, n + 1, dtype)
    return edges if xp is np else xp.asarray(edges)


def histogramdd(
    input: Tensor,  # noqa: A002
    bins: Any,
    *,
    range: Any = None,  # noqa: A002
    weight: Tensor | None = None,
    density: bool = False,
) -> HistogramddResult:
    """The D-dimensional histogram of the points ``input[..., :]`` (the innermost dimension,
    of size D, holds each point's coordinates).

    ``bins``: an int (that many equal-width bins in every dimension), a list of D ints, or a
    list of D increasing 1-D tensors of edges.  With int bins, dimension ``d`` spans
    ``range[2d], range[2d + 1]`` (default: the points' min and max).  A point falls in bin
    ``(i_0, ..., i_{D-1})`` when ``edges_d[i_d] <= x_d < edges_d[i_d + 1]`` for every ``d``
    (the last bin of a dimension also holds its right edge); points outside are ignored.
    ``hist`` counts the points (or sums ``weight``, of shape ``input.shape[:-1]``); with
    ``density=True`` it is ``hist / (hist.sum() * bin volume)``.  Not differentiable (as torch).

    Example:
        >>> import nablagrad as torch
        >>> points = torch.tensor([[0.0, 1.0], [1.0, 2.0], [2.0, 2.0], [0.5, 1.5]])
        >>> hist, edges = torch.histogramdd(points, bins=[2, 3])
        >>> hist
        tensor([[1., 1., 0.],
                [0., 0., 2.]])
        >>> edges
        (tensor([0., 1., 2.]), tensor([1.0000, 1.3333, 1.6667, 2.0000]))
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"histogramdd(): input must be a Tensor, not {type(input).__name__}")
    data = input._data
    if data.dtype.kind != "f" or data.dtype.itemsize < 4:
        raise NotImplementedError(
            f"\"histogramdd\" not implemented for '{_type_name(data)}': pass a float32 or "
            "float64 tensor (x.float())"
        )
    if data.ndim < 2:
        raise RuntimeError(
            "torch.histogramdd: input tensor should have at least 2 dimensions (points of "
            "D coordinates along the last one)"
        )
    xp = get_array_module(data)
    D = data.shape[-1]
    points = data.reshape(-1, D)
    if isinstance(bins, (list, tuple)):
        per_dim = list(bins)
        if len(per_dim) != D:
            raise RuntimeError(
                "histogramdd: The size of bins must be equal to the innermost dimension of the "
                f"input ({len(per_dim)} given for {D}-dimensional points)."
            )
    else:
        per_dim = [bins] * D
    tensors = [isinstance(b, Tensor) for b in per_dim]
    if any(tensors) and not all(tensors):
        raise TypeError("histogramdd(): bins must be all ints or all tensors of edges")
    pairs: list = [None] * D
    if range is not None and not all(tensors):  # torch ignores range with given edges
        flat_range = [float(v) for v in range]
        if len(flat_range) != 2 * D:
            raise RuntimeError(
                f"torch.histogramdd: for a {D}-dimensional histogram range should have {2 * D} "
                f"elements, but got {len(flat_range)}"
            )
        pairs = [flat_range[2 * d : 2 * d + 2] for d in builtins.range(D)]
    edges = [
        _dd_edges(points[:, d], per_dim[d], pairs[d], d, data.dtype, xp) for d in builtins.range(D)
    ]
    if weight is not None:
        if not isinstance(weight, Tensor):
            raise TypeError(f"histogramdd(): weight must be a Tensor, not {type(weight).__name__}")
        if tuple(weight.shape) != tuple(data.shape[:-1]):
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided it should have the same shape "
                "as the input tensor excluding its innermost dimension, but got input with shape "
                f"{list(data.shape)} and weight with shape {list(weight.shape)}"
            )
        if weight._data.dtype != data.dtype:
            raise RuntimeError(
                "torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
                f"should have the same dtype, but got input({_type_name(data).lower()}), and "
                f"weight({_type_name(weight._data).lower()})"
            )
    nbins = [int(e.size) - 1 for e in edges]
    inside = xp.ones(points.shape[0], dtype=bool)
    flat_pos = xp.zeros(points.shape[0], dtype=xp.int64)
    for d, e in enumerate(edges):
        col = points[:, d]
        with np.errstate(invalid="ignore"):
            inside &= (col >= e[0]) & (col <= e[-1])  # NaN is never inside
        pos = xp.minimum(xp.searchsorted(e, col, side="right") - 1, nbins[d] - 1)
        flat_pos = flat_pos * nbins[d] + xp.clip(pos, 0, nbins[d] - 1)
    total = int(np.prod(nbins))
    w = None if weight is None else weight._data.reshape(-1)[inside].astype(np.float64)
    hist = xp.bincount(flat_pos[inside], weights=w, minlength=total)[:total]
    hist = hist.astype(data.dtype).reshape(nbins)
    if density:
        volume = xp.ones((), dtype=data.dtype)
        for e in edges:
            volume = volume[..., None] * xp.diff(e)
        with np.errstate(invalid="ignore", divide="ignore"):
            hist = (hist / (hist.sum() * volume)).astype(data.dtype)
    src = weight if weight is not None and weight.requires_grad else input
    return HistogramddResult(
        _no_derivative("_histogramdd_from_bin_cts", hist, src),
        tuple(_no_derivative("_histogramdd_bin_edges", e, src) for e in edges),
    )


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


@_validate.numpy_names
def gradient(
    input: Tensor,  # noqa: A002
    *,
    spacing: Any = 1,
    dim: Any = None,
    edge_order: int = 1,
) -> tuple[Tensor, ...]:
    """Estimates of the derivatives of ``input`` along ``dim`` (all dimensions by default), one
    tensor per dimension, by finite differences (torch.gradient, NumPy's ``gradient``).

    With sample spacing ``h`` (``spacing``: one number for every dimension, or one per
    dimension), inside ``(f[i+1] - f[i-1]) / (2h)``; at the ends ``(f[1] - f[0]) / h`` and
    ``(f[-1] - f[-2]) / h`` (``edge_order=1``) or the second-order one-sided
    ``(-3f[0] + 4f[1] - f[2]) / (2h)`` and ``(3f[-1] - 4f[-2] + f[-3]) / (2h)``.
    ``spacing`` may instead be a list of 1-D coordinate tensors, one per dimension: with the
    steps ``hd = x[i] - x[i-1]`` and ``hs = x[i+1] - x[i]``, inside
    ``(hd^2 f[i+1] + (hs^2 - hd^2) f[i] - hs^2 f[i-1]) / (hd hs (hd + hs))``, the second-order
    formula for uneven samples.  Composed of differentiable ops, so it has gradients.

    Example:
        >>> import nablagrad as torch
        >>> torch.gradient(torch.tensor([1.0, 2.0, 4.0, 8.0]))
        (tensor([1.0000, 1.5000, 3.0000, 4.0000]),)
        >>> t = torch.tensor([0.0, 1.0, 1.5, 3.5])
        >>> torch.gradient(torch.tensor([1.0, 2.0, 4.0, 8.0]), spacing=[t])
        (tensor([1.0000, 3.0000, 3.6000, 2.0000]),)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"gradient(): input must be a Tensor, not {type(input).__name__}")
    if isinstance(edge_order, bool) or not isinstance(edge_order, (int, np.integer)):
        raise TypeError(f"gradient(): edge_order must be an int (1 or 2), not {edge_order!r}")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    ndim = input.ndim
    dims = tuple(builtins.range(ndim)) if dim is None else _validate.dims(dim, ndim, fn="gradient")
    if isinstance(spacing, Tensor) and spacing.ndim == 0:
        spacing = spacing.item()  # a 0-d tensor is a number, as torch's argument parser reads it
    if isinstance(spacing, Tensor):
        raise TypeError(
            "gradient(): spacing must be a number or a list (of numbers, or of 1-D coordinate "
            "tensors), not a Tensor: pass spacing=[t] for coordinates t"
        )
    if _is_number(spacing):
        steps: list = [spacing] * len(dims)
    elif isinstance(spacing, (list, tuple)):
        steps = list(spacing)
        if len(steps) != len(dims):
            if dim is None:
                raise RuntimeError(
                    "torch.gradient expected spacing to be unspecified, a scalar, or a list of "
                    f"length equal to 'self.dim() = {ndim}', since dim argument was not given, "
                    f"but got a list of length {len(steps)}"
                )
            raise RuntimeError(
                "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and "
                "dim arguments to have the same length, but got a spacing argument of length "
                f"{len(steps)} and a dim argument of length {len(dims)}."
            )
        tensors = [isinstance(v, Tensor) for v in steps]
        if any(tensors) and not builtins.all(tensors):
            bad = tensors.index(False) if tensors[0] else tensors.index(True)
            raise TypeError(
                f"gradient(): spacing mixes numbers and tensors (element {bad}): pass all "
                "numbers or all 1-D coordinate tensors"
            )
        if not any(tensors) and not builtins.all(_is_number(v) for v in steps):
            raise TypeError(
                f"gradient(): spacing must hold numbers or 1-D tensors, got {spacing!r}"
            )
        for v in steps:
            if isinstance(v, Tensor) and v.ndim != 1:
                raise RuntimeError(
                    "torch.gradient expected each element of spacing to have one dimension, but "
                    f"got an element with {v.ndim} dimensions!"
                )
    else:
        raise TypeError(
            f"gradient(): spacing must be a number or a list, not {type(spacing).__name__}"
        )
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError(
                "torch.gradient expected each dimension size to be at least edge_order+1 "
                f"(dimension {d} has size {input.shape[d]}, edge_order is {edge_order})"
            )
    for d, v in zip(dims, steps):
        if isinstance(v, Tensor) and v.shape[0] != input.shape[d]:
            raise RuntimeError(
                f"torch.gradient: the coordinates for dimension {d} have {v.shape[0]} entries "
                f"but the dimension has size {input.shape[d]}: pass one coordinate per sample"
            )
    return tuple(
        _gradient_along(input, d, v, edge_order)
        if isinstance(v, Tensor)
        else _gradient_uniform(input, d, v, edge_order)
        for d, v in zip(dims, steps)
    )


def _gradient_uniform(f: Tensor, d: int, h: Any, edge_order: int) -> Tensor:
    n = f.shape[d]

    def part(start: int, length: int) -> Tensor:
        return f.narrow(d, start, length)

    center = (part(2, n - 2) - part(0, n - 2)) / h
    if edge_order == 1:
        first = (part(1, 1) - part(0, 1)) / h
        last = (part(n - 1, 1) - part(n - 2, 1)) / h
    else:
        first = (-1.5 * part(0, 1) + 2 * part(1, 1) - 0.5 * part(2, 1)) / h
        last = (0.5 * part(n - 3, 1) - 2 * part(n - 2, 1) + 1.5 * part(n - 1, 1)) / h
    return sh.cat([first, center / 2, last], d)


def _gradient_along(f: Tensor, d: int, x: Tensor, edge_order: int) -> Tensor:
    n = f.shape[d]
    shape = [1] * f.ndim
    shape[d] = n - 2

    def part(start: int, length: int) -> Tensor:
        return f.narrow(d, start, length)

    dx = x[1:] - x[:-1]
    hd, hs = dx[:-1], dx[1:]
    a = (-hs / (hd * (hd + hs))).reshape(shape)
    b = ((hs - hd) / (hd * hs)).reshape(shape)
    c = (hd / (hs * (hd + hs))).reshape(shape)
    center = a * part(0, n - 2) + b * part(1, n - 2) + c * part(2, n - 2)
    if edge_order == 1:
        first = (part(1, 1) - part(0, 1)) / dx[0]
        last = (part(n - 1, 1) - part(n - 2, 1)) / dx[-1]
    else:
        h0, h1 = dx[0], dx[1]
        first = (
            -(2.0 * h0 + h1) / (h0 * (h0 + h1)) * part(0, 1)
            + (h0 + h1) / (h0 * h1) * part(1, 1)
            - h0 / (h1 * (h0 + h1)) * part(2, 1)
        )
        h0, h1 = dx[-1], dx[-2]
        last = (
            h0 / (h1 * (h0 + h1)) * part(n - 3, 1)
            - (h0 + h1) / (h0 * h1) * part(n - 2, 1)
            + (2 * h0 + h1) / (h0 * (h0 + h1)) * part(n - 1, 1)
        )
    return sh.cat([first, center, last], d)


# -- covariance and moments ---------------------------------------------------------------------


def cov(
    input: Tensor,  # noqa: A002
    *,
    correction: int = 1,
    fweights: Tensor | None = None,
    aweights: Tensor | None = None,
) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in the
    columns), with optional frequency and analytic weights."""
    if input.ndim > 2:
        raise RuntimeError(
            "cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if x._data.dtype.kind in "biu":
        x = x.to(dtype="float32")
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        avg = rd.mean(x, 1, True)
        wsum = float(n)
        norm = wsum - correction
        xc = x - avg
        c = xc @ xc.t()
    else:
        w = w.to(dtype=x.dtype)
        wsum_t = rd.sum(w)
        avg = rd.sum(x * w, 1, True) / wsum_t
        xc = x - avg
        if correction == 0:
            norm = wsum_t
        elif aweights is None:
            norm = wsum_t - correction
        else:
            norm = wsum_t - correction * rd.sum(w * aweights.to(dtype=x.dtype)) / wsum_t
        c = (xc * w) @ xc.t()
    if isinstance(norm, float):
        norm = builtins.max(norm, 0.0)
    else:
        norm = ew.clamp(norm, 0.0)
    res = c / norm
    return res.reshape(()) if input.ndim < 2 or x.shape[0] == 1 else res


def corrcoef(input: Tensor) -> Tensor:  # noqa: A002
    """Pearson correlation coefficients of the rows, clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = ew.sqrt(sh_diag(c))
    r = c / sh.unsqueeze(d, 1) / sh.unsqueeze(d, 0)
    return ew.clamp(r, -1, 1)


def sh_diag(c: Tensor) -> Tensor:
    from . import matrices

    return matrices.diagonal(c, 0, 0, 1)


@_validate.numpy_names
@torch_node("StdMeanBackward0")
def std_mean(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[Tensor, Tensor]:
    """``(std, mean)`` over ``dim`` (all elements by default)."""
    return (
        rd.std(input, dim, unbiased, keepdim, correction=correction),
        rd.mean(input, dim, keepdim) if dim is not None else rd.mean(input, None, keepdim),
    )


@_validate.numpy_names
@torch_node("VarMeanBackward0")
def var_mean(
    input: Tensor,  # noqa: A002
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
) -> tuple[Tensor, Tensor]:
    """``(var, mean)`` over ``dim`` (all elements by default)."""
    return (
        rd.var(input, dim, unbiased, keepdim, correction=correction),
        rd.mean(input, dim, keepdim) if dim is not None else rd.mean(input, None, keepdim),
    )


# -- trapezoid rules ----------------------------------------------------------------------


def _spacing(y: Tensor, x: Any, dx: Any, ax: int) -> Any:
    if x is None:
        return 1.0 if dx is None else dx
    if not isinstance(x, Tensor):
        raise TypeError("trapezoid(): x must be a Tensor (or pass dx= for a constant spacing)")
    if x.ndim == 1:
        d = x[1:] - x[:-1]
        shape = [1] * y.ndim
        shape[ax] = d.shape[0]
        return d.reshape(*shape)
    return sh.narrow(x, ax, 1, x.shape[ax] - 1) - sh.narrow(x, ax, 0, x.shape[ax] - 1)


@_validate.numpy_names
def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """``sum (y_i + y_{i+1}) / 2 * (x_{i+1} - x_i)`` along ``dim`` (spacing ``dx``, default 1)."""
    if x is not None and dx is not None:
        raise TypeError("trapezoid() received both x and dx: pass one")
    if not isinstance(x, Tensor) and x is not None:  # trapezoid(y, 0.5): a constant spacing
        x, dx = None, x
    ax = _axis(dim, y.ndim)
    n = y.shape[ax]
    if n == 0:
        return rd.sum(y, ax)
    mid = (sh.narrow(y, ax, 1, n - 1) + sh.narrow(y, ax, 0, n - 1)) / 2
    return rd.sum(mid * _spacing(y, x, dx, ax), ax)


@_validate.numpy_names
def trapz(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """Alias of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


@_validate.numpy_names
def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The running trapezoid integral along ``dim`` (one element shorter than ``y``)."""
    if not isinstance(x, Tensor) and x is not None:
        x, dx = None, x
    ax = _axis(dim, y.ndim)
    n = y.shape[ax]
    mid = (sh.narrow(y, ax, 1, n - 1) + sh.narrow(y, ax, 0, n - 1)) / 2
    return rd.cumsum(mid * _spacing(y, x, dx, ax), ax)
