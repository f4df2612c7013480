"""The orders torch's CPU kernels give tied values: ``sort`` (``stable=False``), ``topk``,
``kthvalue`` and ``mode`` (used by ``ops.sorting`` and ``ops.stats`` on NumPy arrays).

Without ties every correct algorithm gives the same indices; with ties they depend on the
algorithm's swaps.  torch's CPU kernels (ATen's ``SortingKernel.cpp``, ``TopKImpl.h``,
``Sorting.cpp``) sort ``(value, index)`` pairs with libstdc++'s ``std::sort`` (an introsort:
median-of-three quicksort down to runs of 16, heapsort past 2 * log2(n) levels, a final
insertion sort), select with ``std::partial_sort`` (a heap of the first k) when ``k * 64 <=
n``, else ``std::nth_element`` (introselect) and ``std::sort`` of the first k - 1, and find the
k-th value with Torch7's quickselect.  This module replays those algorithms step by step on
the pairs, so the indices equal torch's also where values tie (``sort`` of 17 or more
elements is not stable in torch).  ``stable=True`` (merge sort) needs no replay: any stable
sort gives its order.

The comparisons are torch's (``order``): 0 ascending with NaN last, 1 descending with NaN
first, 2 plain ``a < b`` (``mode``'s).  The functions run compiled (``backend.jitable``
helpers inside ``LazyKernel`` loops); the callers use NumPy's stable order where Numba is
missing (``backend.jit_available``), except ``select`` (pruning's tie-break), which replays
in Python then.

Example:
    >>> import numpy as np
    >>> x = np.array([[1, 0] * 9], dtype=np.float32)  # 18 elements: not stable in torch
    >>> sort_indices(x, descending=False)[0, :6].tolist()
    [9, 17, 15, 13, 11, 7]
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..backend import LazyKernel, get_array_module, jit_available, jitable, np

# -- libstdc++'s algorithms on the pairs (kv[i], ki[i]), first <= i < last ---------------------


@jitable
def _before(a: Any, b: Any, order: int) -> bool:
    """torch's comparator: whether a goes before b."""
    if order == 0:
        return (a == a and b != b) or a < b  # ascending, NaN last
    if order == 1:
        return (a != a and b == b) or a > b  # descending, NaN first
    return a < b


@jitable
def _swap(kv: Any, ki: Any, i: int, j: int) -> None:
    kv[i], kv[j] = kv[j], kv[i]
    ki[i], ki[j] = ki[j], ki[i]


@jitable
def _linear_insert(kv: Any, ki: Any, last: int, order: int) -> None:
    """``__unguarded_linear_insert``: move the pair at ``last`` down past the larger ones."""
    v, i = kv[last], ki[last]
    nxt = last - 1
    while _before(v, kv[nxt], order):
        kv[last], ki[last] = kv[nxt], ki[nxt]
        last = nxt
        nxt -= 1
    kv[last], ki[last] = v, i


@jitable
def _insertion_sort(kv: Any, ki: Any, first: int, last: int, order: int) -> None:
    for i in range(first + 1, last):
        if _before(kv[i], kv[first], order):  # the new smallest: shift the run up by one
            v, j = kv[i], ki[i]
            for m in range(i, first, -1):
                kv[m], ki[m] = kv[m - 1], ki[m - 1]
            kv[first], ki[first] = v, j
        else:
            _linear_insert(kv, ki, i, order)


@jitable
def _partition_pivot(kv: Any, ki: Any, first: int, last: int, order: int) -> int:
    """``__unguarded_partition_pivot``: the median of (first + 1, middle, last - 1) moved to
    ``first``, then Hoare's partition of [first + 1, last) around it; returns the cut."""
    a, b, c = first + 1, first + (last - first) // 2, last - 1
    if _before(kv[a], kv[b], order):
        if _before(kv[b], kv[c], order):
            _swap(kv, ki, first, b)
        elif _before(kv[a], kv[c], order):
            _swap(kv, ki, first, c)
        else:
            _swap(kv, ki, first, a)
    elif _before(kv[a], kv[c], order):
        _swap(kv, ki, first, a)
    elif _before(kv[b], kv[c], order):
        _swap(kv, ki, first, c)
    else:
        _swap(kv, ki, first, b)
    lo, hi = first + 1, last
    while True:
        while _before(kv[lo], kv[first], order):
            lo += 1
        hi -= 1
        while _before(kv[first], kv[hi], order):
            hi -= 1
        if lo >= hi:
            return lo
        _swap(kv, ki, lo, hi)
        lo += 1


@jitable
def _adjust_heap(kv: Any, ki: Any, first: int, hole: int, n: int, v: Any, i: Any, order: int):
    """``__adjust_heap``: sift the hole down to a leaf, then push (v, i) up from there."""
    top, child = hole, hole
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if _before(kv[first + child], kv[first + child - 1], order):
            child -= 1
        kv[first + hole], ki[first + hole] = kv[first + child], ki[first + child]
        hole = child
    if n % 2 == 0 and child == (n - 2) // 2:
        child = 2 * (child + 1)
        kv[first + hole], ki[first + hole] = kv[first + child - 1], ki[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and _before(kv[first + parent], v, order):
        kv[first + hole], ki[first + hole] = kv[first + parent], ki[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    kv[first + hole], ki[first + hole] = v, i


@jitable
def _pop_heap(kv: Any, ki: Any, first: int, last: int, result: int, order: int) -> None:
    v, i = kv[result], ki[result]
    kv[result], ki[result] = kv[first], ki[first]
    _adjust_heap(kv, ki, first, 0, last - first, v, i, order)


@jitable
def _heap_select(kv: Any, ki: Any, first: int, middle: int, last: int, order: int) -> None:
    """``__heap_select``: a heap of [first, middle) holding the first ``middle - first``
    pairs of [first, last) in the order."""
    n = middle - first
    if n >= 2:
        parent = (n - 2) // 2
        while True:
            _adjust_heap(kv, ki, first, parent, n, kv[first + parent], ki[first + parent], order)
            if parent == 0:
                break
            parent -= 1
    for i in range(middle, last):
        if _before(kv[i], kv[first], order):
            _pop_heap(kv, ki, first, middle, i, order)


@jitable
def _sort_heap(kv: Any, ki: Any, first: int, last: int, order: int) -> None:
    while last - first > 1:
        last -= 1
        _pop_heap(kv, ki, first, last, last, order)


@jitable
def _log2(n: int) -> int:
    depth = 0
    while n > 1:
        n //= 2
        depth += 1
    return depth


@jitable
def _std_sort(kv: Any, ki: Any, first: int, last: int, order: int) -> None:
    """``std::sort``.  The introsort's recursion on the upper part becomes a stack: the parts
    are disjoint, so the order in which they are sorted does not change the result."""
    if last - first < 2:
        return
    stack = np.empty((130, 3), np.int64)  # at most 2 * log2(n) + 1 parts wait
    stack[0, 0], stack[0, 1], stack[0, 2] = first, last, 2 * _log2(last - first)
    top = 1
    while top > 0:
        top -= 1
        lo, hi, depth = stack[top, 0], stack[top, 1], stack[top, 2]
        while hi - lo > 16:
            if depth == 0:  # heapsort
                _heap_select(kv, ki, lo, hi, hi, order)
                _sort_heap(kv, ki, lo, hi, order)
                break
            depth -= 1
            cut = _partition_pivot(kv, ki, lo, hi, order)
            stack[top, 0], stack[top, 1], stack[top, 2] = cut, hi, depth
            top += 1
            hi = cut
    if last - first > 16:  # the final insertion sort: the first 16 hold the smallest
        _insertion_sort(kv, ki, first, first + 16, order)
        for i in range(first + 16, last):
            _linear_insert(kv, ki, i, order)
    else:
        _insertion_sort(kv, ki, first, last, order)


@jitable
def _nth_element(kv: Any, ki: Any, first: int, nth: int, last: int, order: int) -> None:
    """``std::nth_element`` (introselect)."""
    if first == last or nth == last:
        return
    depth = 2 * _log2(last - first)
    while last - first > 3:
        if depth == 0:
            _heap_select(kv, ki, first, nth + 1, last, order)
            _swap(kv, ki, first, nth)
            return
        depth -= 1
        cut = _partition_pivot(kv, ki, first, last, order)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(kv, ki, first, last, order)


@jitable
def _quick_select(kv: Any, ki: Any, k: int) -> None:
    """Torch7's quickselect (ATen's ``quick_select_template``) with ``gt_or_nan``: the k-th
    pair of the ascending order, NaN last, at position k."""
    lo, hi = 0, kv.shape[0] - 1
    while True:
        if hi <= lo:
            return
        if hi == lo + 1:
            if _before(kv[lo], kv[hi], 1):
                _swap(kv, ki, lo, hi)
            return
        _swap(kv, ki, lo + (hi - lo) // 2, lo + 1)
        if _before(kv[lo + 1], kv[hi], 1):
            _swap(kv, ki, lo + 1, hi)
        if _before(kv[lo], kv[hi], 1):
            _swap(kv, ki, lo, hi)
        if _before(kv[lo + 1], kv[lo], 1):
            _swap(kv, ki, lo + 1, lo)
        i, j, pivot = lo + 1, hi, kv[lo]
        while True:
            i += 1
            while _before(pivot, kv[i], 1):
                i += 1
            j -= 1
            while _before(kv[j], pivot, 1):
                j -= 1
            if j < i:
                break
            _swap(kv, ki, i, j)
        _swap(kv, ki, lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1


# -- one pass over the rows of a (rows, n) array -----------------------------------------------


def _sort_loop(a: Any, out: Any, order: int) -> None:  # pragma: no cover - compiled
    rows, n = a.shape
    kv, ki = np.empty(n, a.dtype), np.empty(n, np.int64)
    for r in range(rows):
        for j in range(n):
            kv[j], ki[j] = a[r, j], j
        _std_sort(kv, ki, 0, n, order)
        out[r, :] = ki


@jitable
def _first_k(kv: Any, ki: Any, n: int, k: int, order: int, ordered: bool) -> None:
    """ATen's ``topk``: the first k pairs of the order to the front, sorted if ``ordered``
    (``std::partial_sort`` always sorts them)."""
    if k * 64 <= n:  # std::partial_sort
        _heap_select(kv, ki, 0, k, n, order)
        _sort_heap(kv, ki, 0, k, order)
    else:
        _nth_element(kv, ki, 0, k - 1, n, order)
        if ordered:
            _std_sort(kv, ki, 0, k - 1, order)


def _topk_loop(a: Any, out: Any, order: int, ordered: bool) -> None:  # pragma: no cover
    rows, n = a.shape
    k = out.shape[1]
    kv, ki = np.empty(n, a.dtype), np.empty(n, np.int64)
    for r in range(rows):
        for j in range(n):
            kv[j], ki[j] = a[r, j], j
        _first_k(kv, ki, n, k, order, ordered)
        out[r, :] = ki[:k]


def _kth_loop(a: Any, out: Any, k: int) -> None:  # pragma: no cover - compiled
    rows, n = a.shape
    kv, ki = np.empty(n, a.dtype), np.empty(n, np.int64)
    for r in range(rows):
        for j in range(n):
            kv[j], ki[j] = a[r, j], j
        _quick_select(kv, ki, k)
        out[r] = ki[k]


def _mode_loop(a: Any, out: Any) -> None:  # pragma: no cover - compiled
    """ATen's ``mode``: std::sort by ``<``, then the last pair of the first longest run."""
    rows, n = a.shape
    kv, ki = np.empty(n, a.dtype), np.empty(n, np.int64)
    for r in range(rows):
        for j in range(n):
            kv[j], ki[j] = a[r, j], j
        _std_sort(kv, ki, 0, n, 2)
        best, run, index = 0, 0, 0
        for i in range(n):
            run += 1
            if i == n - 1 or kv[i] != kv[i + 1]:
                if run > best:
                    best, index = run, ki[i]
                run = 0
        out[r] = index


_sort_kernel = LazyKernel(_sort_loop, exact=True)
_topk_kernel = LazyKernel(_topk_loop, exact=True)
_kth_kernel = LazyKernel(_kth_loop, exact=True)
_mode_kernel = LazyKernel(_mode_loop, exact=True)


def _keys(a: Any) -> Any:
    """A C-contiguous (rows, n) array the kernels compare as torch does: float16 as float32
    (exact), bool as uint8."""
    if a.dtype == np.float16:
        return np.ascontiguousarray(a, dtype=np.float32)
    if a.dtype == np.bool_:
        return np.ascontiguousarray(a, dtype=np.uint8)
    return np.ascontiguousarray(a)


def applies(a: Any) -> bool:
    """Whether these replays run for the NumPy array ``a``: Numba is there and the dtype is a
    real one (torch sorts no complex numbers)."""
    return jit_available() and a.dtype.kind in "biuf"


def sort_indices(a: Any, descending: bool) -> Any:
    """(rows, n) int64: torch's ``sort(stable=False)`` indices of each row of ``a``."""
    out = np.empty(a.shape, np.int64)
    _sort_kernel(_keys(a), out, 1 if descending else 0)
    return out


def topk_indices(a: Any, k: int, largest: bool, ordered: bool) -> Any:
    """(rows, k) int64: torch's ``topk`` indices of each row of ``a`` (``ordered``: its
    ``sorted``)."""
    out = np.empty((a.shape[0], k), np.int64)
    if k:
        _topk_kernel(_keys(a), out, 1 if largest else 0, ordered)
    return out


def kth_indices(a: Any, k: int) -> Any:
    """(rows,) int64: the index torch's ``kthvalue`` gives for the k-th smallest (0-based)."""
    out = np.empty(a.shape[0], np.int64)
    _kth_kernel(_keys(a), out, k)
    return out


def mode_indices(a: Any) -> Any:
    """(rows,) int64: the index torch's ``mode`` gives (its value is ``a`` there)."""
    out = np.empty(a.shape[0], np.int64)
    _mode_kernel(_keys(a), out)
    return out


def select(values: Any, k: int, largest: bool) -> Any:
    """Indices of the ``k`` entries of the 1-D array ``values`` that torch's ``topk`` returns,
    as a set (an int64 array on ``values``' device; ``nn.utils.prune``'s choice of what to
    keep).  A partition where the k-th and (k+1)-th values differ (the set is then unique);
    else the replay, compiled or, without Numba, in Python on lists.

    Example:
        >>> sorted(select(np.zeros(10, np.float32), 3, largest=False).tolist())  # torch's
        [6, 7, 8]
    """
    xp = get_array_module(values)
    n = int(values.shape[0])
    if k >= n:
        return xp.arange(n)
    if k <= 0:
        return xp.zeros(0, dtype=np.int64)
    v = np.asarray(backend.to_host(values))
    # a monotone key (NaN joins +-inf there, which only sends such ties to the replay)
    f = v.astype(np.float64)
    key = np.where(np.isnan(f), -np.inf if largest else np.inf, -f if largest else f)
    a, b = np.partition(key, (k - 1, k))[k - 1 : k + 1]
    if a < b:  # no tie across the boundary
        return xp.asarray(np.flatnonzero(key <= a))
    if applies(v):
        chosen = topk_indices(v.reshape(1, n), k, largest, ordered=False)[0]
    else:
        kv, ki = _keys(v).tolist(), list(range(n))
        _first_k(kv, ki, n, k, 1 if largest else 0, False)
        chosen = np.array(ki[:k], dtype=np.int64)
    return xp.asarray(chosen)
