"""Sorting, selection and searching: sort, topk, kthvalue, median, nan-reductions, nonzero,
unique, bincount, searchsorted.

Sorted values are gathered through ``ops.index.gather``, so they are differentiable; indices,
counts and unique values are not (``unique`` raises under autograd, as torch does).

Example:
    >>> import nablagrad as torch
    >>> torch.sort(torch.tensor([3.0, 1.0, 2.0])).values
    tensor([1., 2., 3.])
"""

from __future__ import annotations

from typing import Any

from .. import _validate, return_types
from ..autograd.function import torch_node
from ..backend import get_array_module, np
from ..tensor import Tensor
from . import compare as cmp
from . import elementwise as ew
from . import index as ix
from . import reduce as rd
from . import shape as sh
from .mathfns import _no_derivative
from .shape import _axis

SortResult = return_types.sort
TopkResult = return_types.topk


# ---------------------------------------------------------------------------------------------
# sorting and selection
# ---------------------------------------------------------------------------------------------


def _replayed(raw: Any, axis: int, indices: Any) -> Any:
    """``indices(rows)`` (``_cpu_order``) for the rows of ``raw`` along ``axis``, the results
    put back along ``axis`` (a 2-D result) or in its place (a 1-D one)."""
    moved = np.moveaxis(raw, axis, -1)
    out = indices(moved.reshape(-1, moved.shape[-1]))
    if out.ndim == 1:
        return out.reshape(moved.shape[:-1])
    return np.moveaxis(out.reshape(moved.shape[:-1] + out.shape[-1:]), -1, axis)


def _cpu_order(raw: Any) -> Any:
    """``ops._cpu_order`` where its replays of torch's CPU algorithms apply to ``raw`` (a
    NumPy array of a real dtype, with Numba), else None (imported on first use: it registers
    compiled helpers)."""
    if get_array_module(raw) is not np or raw.size == 0:
        return None
    from . import _cpu_order

    return _cpu_order if _cpu_order.applies(raw) else None


def _argsort_raw(raw: Any, axis: int, descending: bool, stable: bool) -> Any:
    xp = get_array_module(raw)
    if raw.ndim == 0:
        return xp.zeros((), dtype=np.int64)
    # up to 16 elements std::sort is an insertion sort: stable, no replay needed
    replay = None if stable or raw.shape[axis] <= 16 else _cpu_order(raw)
    if replay is None:
        return _stable_argsort(raw, axis, descending)
    n = raw.shape[axis]
    if raw.strides[axis] == 0 and n > 1:  # torch: equal elements (an expanded dim) keep their
        shape = [1] * raw.ndim  # order
        shape[axis] = n
        return np.ascontiguousarray(np.broadcast_to(np.arange(n).reshape(shape), raw.shape))
    # without ties every sort gives the same order: NumPy's (sorting 1000 rows of 1000 float32
    # randoms: 39 ms against 54 for the replay; PyTorch 40-45); the replay for rows with ties.
    # Long rows of integers or of 32 bits or less almost always hold ties (1M float32 randoms:
    # ~100 pairs): those go straight to the replay (95 ms; checking first, 194)
    if n >= 1 << 16 and (raw.dtype.kind != "f" or raw.dtype.itemsize < 8):
        return _replayed(raw, axis, lambda rows: replay.sort_indices(rows, descending))
    return _replayed(raw, axis, lambda rows: _sort_rows(rows, descending, replay))


def _sort_rows(rows: Any, descending: bool, replay: Any) -> Any:
    """torch's ``sort`` indices of each row of the 2-D ``rows``: NumPy's stable order, replayed
    (``replay.sort_indices``) for the rows holding equal values (or two NaNs)."""
    idx = _stable_argsort(rows, 1, descending)
    srt = np.take_along_axis(rows, idx, axis=1)
    lo, hi = srt[:, :-1], srt[:, 1:]
    tied = np.flatnonzero(((lo == hi) | ((lo != lo) & (hi != hi))).any(axis=1))
    if tied.size:
        idx[tied] = replay.sort_indices(rows[tied], descending)
    return idx


def _stable_argsort(raw: Any, axis: int, descending: bool) -> Any:
    """Indices of the stable sort of ``raw`` along ``axis`` (torch's ``stable=True``), NaN
    last ascending and first descending."""
    xp = get_array_module(raw)
    if not descending:
        return xp.argsort(raw, axis=axis, kind="stable").astype(np.int64)
    key = raw.astype(np.int64) if raw.dtype.kind in "bu" else raw
    idx = xp.argsort(-key, axis=axis, kind="stable")
    if raw.dtype.kind == "f":  # NaN is the largest: first when descending (last from -key)
        nan = xp.isnan(xp.take_along_axis(raw, idx, axis=axis))
        if nan.any():
            idx = xp.take_along_axis(idx, xp.argsort(~nan, axis=axis, kind="stable"), axis=axis)
    return idx.astype(np.int64)


@_validate.numpy_names
def argsort(
    input: Tensor,  # noqa: A002
    dim: int = -1,
    descending: bool = False,
    stable: bool = False,
) -> Tensor:
    """Indices that sort ``input`` along ``dim``."""
    return Tensor._wrap(_argsort_raw(input._data, _axis(dim, input.ndim), descending, stable))


@_validate.numpy_names
@torch_node(
    lambda input, dim=-1, descending=False, stable=None: (
        "SortBackward0" if stable is None else "SortBackward1"
    )
)
def sort(
    input: Tensor,  # noqa: A002
    dim: int = -1,
    descending: bool = False,
    stable: bool = False,
) -> SortResult:
    """(values, indices) sorted along ``dim``; values are differentiable."""
    idx = argsort(input, dim, descending, stable)
    if input.ndim == 0:
        return SortResult(input.clone(), idx)
    return SortResult(ix.gather(input, dim, idx), idx)


@torch_node("SortBackward0")
def msort(input: Tensor) -> Tensor:  # noqa: A002
    return sort(input, 0).values


@_validate.numpy_names
@torch_node("TopkBackward0")
def topk(
    input: Tensor,  # noqa: A002
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002
) -> TopkResult:
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU: convert first (x.int())")
    ax = _axis(dim, input.ndim)
    n = input.shape[ax] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension of size {n}")
    replay = _cpu_order(input._data) if input.ndim else None
    if replay is not None:
        rows = input._data
        idx = Tensor._wrap(
            _replayed(rows, ax, lambda r: replay.topk_indices(r, k, largest, bool(sorted)))
        )
    else:
        picked = _topk_by_passes(input._data, ax, k, largest) if input.ndim else None
        if picked is not None:
            idx = Tensor._wrap(picked)
        else:
            idx_all = _argsort_raw(input._data, ax, largest, True)
            xp = get_array_module(idx_all)
            idx = Tensor._wrap(xp.take(idx_all, xp.arange(k), axis=ax) if input.ndim else idx_all)
    if input.ndim == 0:
        return TopkResult(input.clone(), idx)
    return TopkResult(ix.gather(input, ax, idx), idx)


def _topk_by_passes(raw: Any, axis: int, k: int, largest: bool) -> Any:
    """``topk`` indices of a device (CuPy) float array by ``k`` argmax/argmin passes, each
    masking what it took: ``3k`` launches instead of a full sort of every row (CuPy's
    ``argpartition`` sorts fully).  None where this does not apply: NumPy arrays (they have
    their own paths), other dtypes, ``k > 8``, or when an infinity or NaN is among the chosen
    values (masked entries could then be taken again: the sort decides)."""
    xp = get_array_module(raw)
    if xp is np or raw.dtype.kind != "f" or not 0 < k <= 8 or raw.shape[axis] <= 2 * k:
        return None
    fill = -xp.inf if largest else xp.inf
    work = raw.copy() if largest else xp.where(xp.isnan(raw), xp.inf, raw)
    pick = xp.argmax if largest else xp.argmin
    chosen = []
    for _ in range(k):
        j = pick(work, axis=axis, keepdims=True)
        xp.put_along_axis(work, j, fill, axis=axis)
        chosen.append(j)
    idx = xp.concatenate(chosen, axis=axis).astype(np.int64, copy=False)
    if not xp.isfinite(xp.take_along_axis(raw, idx, axis=axis)).all():
        return None
    return idx


@_validate.numpy_names
@torch_node("KthvalueBackward0")
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> SortResult:  # noqa: A002
    """The k-th smallest value along ``dim`` (1-based) and its index (a 0-d tensor is its
    own first value, at index 0).

    Example:
        >>> import nablagrad as torch
        >>> values, indices = torch.kthvalue(torch.tensor([3.0, 1.0, 2.0]), 2)
        >>> values, indices
        (tensor(2.), tensor(2))
    """
    if input._data.dtype.kind == "b":
        raise NotImplementedError(
            "\"kthvalue_cpu\" not implemented for 'Bool': convert the tensor first (x.int())"
        )
    ax = _validate.dim(dim, input.ndim, fn="kthvalue")
    if not 1 <= k <= (input.shape[ax] if input.ndim else 1):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {ax}")
    if input.ndim == 0:
        index = Tensor._wrap(get_array_module(input._data).zeros((), dtype=np.int64))
        return return_types.kthvalue(input.clone(), index)
    replay = _cpu_order(input._data)
    if replay is not None:
        at = _replayed(input._data, ax, lambda rows: replay.kth_indices(rows, k - 1))
        i = Tensor._wrap(np.expand_dims(at, ax))
        v = ix.gather(input, ax, i)
    else:
        s = sort(input, ax, stable=True)
        v = sh.narrow(s.values, ax, k - 1, 1)
        i = sh.narrow(s.indices, ax, k - 1, 1)
    if not keepdim:
        v, i = v.squeeze(ax), i.squeeze(ax)
    return return_types.kthvalue(v, i)


@_validate.numpy_names
@torch_node(
    lambda input, dim=None, keepdim=False: "MedianBackward0" if dim is None else "MedianBackward1"
)
def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """The lower median (torch's): of all elements, or (values, indices) along ``dim``; NaN
    where the elements include NaN (``nanmedian`` skips them)."""
    from . import stats

    return stats.lower_median(input, dim, keepdim, skip_nan=False)


@_validate.numpy_names
@torch_node("NansumBackward0")
def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    zero = Tensor._wrap(np.zeros((), dtype=input._data.dtype))
    x = ew.where(cmp.isnan(input), zero, input) if input._data.dtype.kind == "f" else input
    if dtype is not None:
        x = x.to(dtype=dtype)
    return rd.sum(x, dim, keepdim)


@_validate.numpy_names
def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """The mean of the non-NaN elements (NaN where there are none); floating inputs only."""
    if input._data.dtype.kind in "biu":
        raise RuntimeError(
            f"nanmean(): expected input to have floating point dtype but got {input.dtype}"
        )
    keep = cmp.logical_not(cmp.isnan(input))
    count = rd.sum(keep.to(dtype=input.dtype), dim, keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / count


# ---------------------------------------------------------------------------------------------
# nonzero, unique, counts, searching
# ---------------------------------------------------------------------------------------------


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:  # noqa: A002
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or a tuple of 1-D ones."""
    xp = get_array_module(input._data)
    raw = input._data if input.ndim else input._data.reshape(1)
    idx = xp.nonzero(raw)
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in idx)
    if input.ndim == 0:
        return Tensor._wrap(xp.zeros((int(idx[0].size), 0), dtype=np.int64))
    return Tensor._wrap(xp.stack(idx, axis=1).astype(np.int64))


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    return nonzero(input)


@_validate.numpy_names
def unique(
    input: Tensor,  # noqa: A002
    sorted: bool = True,  # noqa: A002
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct values (sorted), with the inverse indices and counts when asked."""
    raw = input._data
    xp = get_array_module(raw)
    axis = None if dim is None else _axis(dim, input.ndim)
    if axis is None and raw.dtype.kind == "f":  # each NaN is its own value, as torch's
        vals, inv, counts = xp.unique(raw, return_inverse=True, return_counts=True, equal_nan=False)
    else:
        vals, inv, counts = xp.unique(raw, return_inverse=True, return_counts=True, axis=axis)
    inv = inv.reshape(raw.shape if axis is None else (raw.shape[axis],)).astype(np.int64)
    out = [_no_derivative("_unique2", vals, input)]
    if return_inverse:
        out.append(Tensor._wrap(inv))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


@_validate.numpy_names
def unique_consecutive(
    input: Tensor,  # noqa: A002
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    if dim is not None:
        raise NotImplementedError("unique_consecutive: dim= is not supported yet")
    raw = input._data.reshape(-1)
    xp = get_array_module(raw)
    if raw.size == 0:
        starts = xp.zeros(0, dtype=bool)
    else:
        starts = xp.concatenate([xp.ones(1, dtype=bool), raw[1:] != raw[:-1]])
    vals = raw[starts]
    out = [_no_derivative("unique_consecutive", vals, input)]
    if return_inverse:
        out.append(Tensor._wrap((xp.cumsum(starts) - 1).reshape(input.shape).astype(np.int64)))
    if return_counts:
        pos = xp.flatnonzero(starts)
        out.append(Tensor._wrap(xp.diff(xp.append(pos, raw.size)).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """Counts of each non-negative integer (weighted sums when ``weights`` is given)."""
    if input.ndim != 1 or input._data.dtype.kind not in "iu":
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    xp = get_array_module(input._data)
    w = None if weights is None else weights._data
    out = xp.bincount(input._data, weights=w, minlength=minlength)
    if w is None:
        out = out.astype(np.int64)
    elif w.dtype == np.float32:
        out = out.astype(np.float32)
    return Tensor._wrap(out)


def searchsorted(
    sorted_sequence: Tensor,
    input: Any,  # noqa: A002
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Tensor | None = None,
) -> Tensor:
    side = side or ("right" if right else "left")
    seq = sorted_sequence._data
    if seq.dtype.kind == "b" or (isinstance(input, Tensor) and input._data.dtype.kind == "b"):
        raise NotImplementedError(
            "\"searchsorted_out_cpu\" not implemented for 'Bool': convert first (x.int())"
        )
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    xp = get_array_module(seq)
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    if seq.ndim == 1:
        out = xp.searchsorted(seq, vals, side=side)
    else:
        flat_s = seq.reshape(-1, seq.shape[-1])
        flat_v = vals.reshape(flat_s.shape[0], -1)
        out = xp.stack([xp.searchsorted(s, v, side=side) for s, v in zip(flat_s, flat_v)])
        out = out.reshape(vals.shape)
    return Tensor._wrap(xp.asarray(out).astype(np.int32 if out_int32 else np.int64))


def bucketize(
    input: Any,  # noqa: A002
    boundaries: Tensor,
    *,
    out_int32: bool = False,
    right: bool = False,
) -> Tensor:
    """The bucket of each value: ``boundaries[i-1] < x <= boundaries[i]`` (``right=False``)."""
    return searchsorted(
        boundaries, input, out_int32=out_int32, side="left" if not right else "right"
    )
