"""Which ``k`` entries torch's CPU ``topk`` picks when values tie (used by ``nn.utils.prune``).

torch's CPU ``topk`` (``ATen/native/TopKImpl.h``) puts ``(value, index)`` pairs in a vector
and runs ``std::partial_sort`` when ``k * 64 <= n``, else ``std::nth_element`` (libstdc++'s
introselect), then keeps the first ``k`` pairs.  Without ties any selection gives the same set;
with ties at the k-th value the set depends on those algorithms' swaps.  ``select`` takes a
fast path (a partition) when the k-th and (k+1)-th values differ, and otherwise replays
libstdc++'s algorithms step by step on the pairs, so pruning masks equal torch's also when
scores tie (exact zeros, equal channel norms).

The comparison is torch's: ``largest`` orders NaN first then descending, ``not largest``
ascending with NaN last; values are compared through their dense ranks (exact, and integer
comparisons are cheap in the replay).

Example:
    >>> import numpy as np
    >>> sorted(select(np.zeros(10, np.float32), 3, largest=False).tolist())  # torch: [6, 7, 8]
    [6, 7, 8]
"""

from __future__ import annotations

from typing import Any

from ... import backend
from ...backend import get_array_module, np


def _ranks(values: Any, largest: bool) -> Any:
    """Integer keys (host int64) with ``key[i] < key[j]`` exactly when torch's comparator puts
    ``values[i]`` before ``values[j]``."""
    v = np.asarray(values, dtype=np.float64)
    nan = np.isnan(v)
    _, inv = np.unique(np.where(nan, 0.0, v), return_inverse=True)
    r = inv.reshape(-1).astype(np.int64)
    if largest:
        r = -r
    if nan.any():
        r[nan] = r.min() - 1 if largest else r.max() + 1
    return r


def select(values: Any, k: int, largest: bool) -> Any:
    """Indices of the ``k`` entries of the 1-D array ``values`` that torch's ``topk`` returns
    (as a set; an int64 array on ``values``' device)."""
    xp = get_array_module(values)
    n = int(values.shape[0])
    if k >= n:
        return xp.arange(n)
    if k <= 0:
        return xp.zeros(0, dtype=np.int64)
    v = np.asarray(backend.to_host(values), dtype=np.float64)
    # a monotone key (NaN joins +-inf there, which only sends such ties to the exact path)
    key = np.where(np.isnan(v), -np.inf if largest else np.inf, -v if largest else v)
    a, b = np.partition(key, (k - 1, k))[k - 1 : k + 1]
    if a < b:  # no tie across the boundary: the set is unique (O(n))
        chosen = np.flatnonzero(key <= a)
    else:
        r = _ranks(v, largest)
        q = list(zip(r.tolist(), range(n)))
        if k * 64 <= n:
            _heap_select(q, 0, k, n)  # std::partial_sort (its sort_heap only reorders)
        else:
            _nth_element(q, k - 1, n)
        chosen = np.array([i for _, i in q[:k]], dtype=np.int64)
    return xp.asarray(chosen)


# -- libstdc++'s algorithms on a list of (key, index) pairs, compared by key ---------------------


def _adjust_heap(q: list, first: int, hole: int, length: int, value: tuple) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if q[first + child][0] < q[first + child - 1][0]:
            child -= 1
        q[first + hole] = q[first + child]
        hole = child
    if (length & 1) == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        q[first + hole] = q[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2  # __push_heap
    while hole > top and q[first + parent][0] < value[0]:
        q[first + hole] = q[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    q[first + hole] = value


def _make_heap(q: list, first: int, last: int) -> None:
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        _adjust_heap(q, first, parent, length, q[first + parent])
        if parent == 0:
            return
        parent -= 1


def _heap_select(q: list, first: int, middle: int, last: int) -> None:
    _make_heap(q, first, middle)
    for i in range(middle, last):
        if q[i][0] < q[first][0]:  # __pop_heap(first, middle, i)
            value = q[i]
            q[i] = q[first]
            _adjust_heap(q, first, 0, middle - first, value)


def _insertion_sort(q: list, first: int, last: int) -> None:
    if first == last:
        return
    for i in range(first + 1, last):
        val = q[i]
        if val[0] < q[first][0]:
            q[first + 1 : i + 1] = q[first:i]
            q[first] = val
        else:
            j = i - 1
            while val[0] < q[j][0]:
                q[j + 1] = q[j]
                j -= 1
            q[j + 1] = val


def _move_median_to_first(q: list, result: int, a: int, b: int, c: int) -> None:
    ka, kb, kc = q[a][0], q[b][0], q[c][0]
    if ka < kb:
        pick = b if kb < kc else (c if ka < kc else a)
    elif ka < kc:
        pick = a
    elif kb < kc:
        pick = c
    else:
        pick = b
    q[result], q[pick] = q[pick], q[result]


def _unguarded_partition(q: list, lo: int, hi: int, pivot: int) -> int:
    p = q[pivot][0]
    while True:
        while q[lo][0] < p:
            lo += 1
        hi -= 1
        while p < q[hi][0]:
            hi -= 1
        if not lo < hi:
            return lo
        q[lo], q[hi] = q[hi], q[lo]
        lo += 1


def _nth_element(q: list, nth: int, n: int) -> None:
    first, last = 0, n
    if nth == last:
        return
    depth = 2 * (n.bit_length() - 1)  # __introselect(..., __lg(n) * 2)
    while last - first > 3:
        if depth == 0:
            _heap_select(q, first, nth + 1, last)
            q[first], q[nth] = q[nth], q[first]
            return
        depth -= 1
        mid = first + (last - first) // 2
        _move_median_to_first(q, first, first + 1, mid, last - 1)
        cut = _unguarded_partition(q, first + 1, last, first)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(q, first, last)
