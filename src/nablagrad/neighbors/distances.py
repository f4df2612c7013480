"""Pairwise distances: ``cdist`` (L_1, L_2, any L_p with p >= 1, L_inf, cosine) and k-smallest.

For rows ``a_i`` of ``a`` (n x d) and ``b_j`` of ``b`` (m x d)::

    L_p(a_i, b_j)   = (sum_k |a_ik - b_jk|^p)^(1/p)          1 <= p < inf
    L_inf(a_i, b_j) = max_k |a_ik - b_jk|
    L_2^2(a_i, b_j) = ||a_i||^2 - 2 a_i . b_j + ||b_j||^2     (one matrix product; clamped at 0)
    cos(a_i, b_j)   = 1 - a_i . b_j / (||a_i|| ||b_j||)       (a zero vector has similarity 0)

L_p is a metric (it satisfies the triangle inequality) only for p >= 1; for p < 1 the
"unit ball" is not convex and d(x, z) <= d(x, y) + d(y, z) fails (in 2-D with p = 0.5,
d((0,0),(1,1)) = 4 > d((0,0),(1,0)) + d((1,0),(1,1)) = 2), so p < 1 is rejected.

Everything runs on the array namespace of the inputs (NumPy or CuPy, via
``backend.get_array_module``).  Work is chunked: the temporaries of one call stay under
``max_memory`` bytes (default 256 MiB) besides the (n x m) result itself, and ``argkmin`` never
holds more than ``max_memory`` of distances, whatever the number of queries.  L_1, L_inf and
general L_p have no matrix-product form; they are computed over cache-sized blocks of
(queries x references x features) -- by a compiled kernel when Numba is installed
(``neighbors._distances_jit``), else by NumPy blocks -- with the queries split over the
``parallel`` threads (``set_num_threads``; both release the GIL).

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.neighbors import cdist
    >>> a = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    >>> cdist(a, a, p=1)
    tensor([[0., 2.],
            [2., 0.]])
"""

from __future__ import annotations

import math
from typing import Any

from .. import parallel
from ..autograd.function import Function
from ..backend import get_array_module, jit_available, np, scratch_empty
from ..tensor import Tensor
from ._distances_jit import reduced as _jit_reduced

DEFAULT_MAX_MEMORY = 256 * 2**20  # bytes of temporaries one call may hold
_SLAB_BYTES = 256 * 2**10  # one query row against this many bytes of reference rows (CPU)
_GPU_BLOCK_BYTES = 64 * 2**20  # one (queries x refs x features) broadcast block (GPU)

METRIC_ALIASES = {
    "minkowski": None,  # uses p
    "euclidean": 2.0,
    "l2": 2.0,
    "manhattan": 1.0,
    "cityblock": 1.0,
    "l1": 1.0,
    "chebyshev": math.inf,
    "linf": math.inf,
    "cosine": "cosine",
}


def check_p(p: Any, who: str = "cdist") -> float:
    """Validate an L_p exponent: a number >= 1 or ``inf``; returns it as a float."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"{who}: p must be a number >= 1 or float('inf'), got {p!r}")
    p = float(p)
    if math.isnan(p) or p < 1:
        raise ValueError(
            f"{who}: p={p} < 1 is not allowed: L_p with p < 1 is not a metric (the triangle "
            "inequality fails), so nearest neighbours under it are not well defined; use p >= 1 "
            "(1 = Manhattan, 2 = Euclidean, float('inf') = Chebyshev)"
        )
    return p


def resolve_metric(metric: str, p: Any, who: str = "cdist") -> float | str:
    """``p`` as a float for L_p metrics, or the string ``"cosine"``."""
    if not isinstance(metric, str) or metric.lower() not in METRIC_ALIASES:
        raise ValueError(
            f"{who}: unknown metric {metric!r}: use one of {', '.join(METRIC_ALIASES)}"
        )
    kind = METRIC_ALIASES[metric.lower()]
    if kind is None:
        return check_p(p, who)
    return kind


# ---------------------------------------------------------------------------------------------
# raw kernels: "reduced" distances (squared for L_2, sum |.|^p for L_p, no root) on arrays
# ---------------------------------------------------------------------------------------------


def _sqnorms(xp: Any, x: Any) -> Any:
    return xp.einsum("ij,ij->i", x, x)


def _unit_rows(xp: Any, x: Any) -> Any:
    n = xp.sqrt(_sqnorms(xp, x))
    n[n == 0] = 1  # a zero vector stays zero: similarity 0, distance 1 (scikit-learn's choice)
    return x / n[:, None]


def _power_inplace(w: Any, p: float, tmp: Any) -> None:
    """w <- w ** p; small integer p by repeated multiplication (several times faster)."""
    if p == int(p) and p <= 8:
        np.copyto(tmp, w)
        for _ in range(int(p) - 1):
            np.multiply(w, tmp, out=w)
    else:
        np.power(w, p, out=w)


def _cpu_block(a: Any, b: Any, p: float | str, out: Any) -> None:
    """out[:] = reduced distances between rows of a and b on the CPU, block by block.

    Each query row is broadcast against a cache-sized slab of reference rows (the fast
    row-by-matrix case of NumPy's loops) and the slab is reduced over features with
    ``einsum("ijk->ij")`` (SIMD, several times faster than ``sum(axis=-1)``; no BLAS call,
    which would oversubscribe the threads).  ``p="min"``
    computes sum_k min(a_k, b_k), the core of the L_1 identity
    |a - b| = a + b - 2 min(a, b).
    """
    d = a.shape[1]
    rb = max(min(b.shape[0], _SLAB_BYTES // max(d * a.dtype.itemsize, 1)), 1)
    qb = 8
    buf = np.empty((qb, rb, d), dtype=a.dtype)
    tmp = np.empty_like(buf) if p not in ("min", 1.0, math.inf) and p == int(p) else buf
    for j in range(0, b.shape[0], rb):
        bj = b[j : j + rb]
        for i in range(0, a.shape[0], qb):
            ai = a[i : i + qb]
            w = buf[: ai.shape[0], : bj.shape[0]]
            for r in range(ai.shape[0]):
                if p == "min":
                    np.minimum(bj, ai[r], out=w[r])
                else:
                    np.subtract(bj, ai[r], out=w[r])
            if p != "min":
                np.abs(w, out=w)
                if p == math.inf:
                    np.max(w, axis=2, out=out[i : i + qb, j : j + rb])
                    continue
                if p != 1:
                    _power_inplace(w, p, tmp[: w.shape[0], : w.shape[1]])
            np.einsum("ijk->ij", w, out=out[i : i + qb, j : j + rb])


def _broadcast_block(xp: Any, a: Any, b: Any, p: float | str, out: Any) -> None:
    """The same on any backend (the GPU path): large (qb, rb, d) broadcast blocks."""
    d = a.shape[1]
    cells = max(_GPU_BLOCK_BYTES // max(d * a.dtype.itemsize, 1), 1)
    qb = max(min(a.shape[0], int(math.sqrt(cells))), 1)
    rb = max(min(b.shape[0], cells // qb), 1)
    for i in range(0, a.shape[0], qb):
        ai = a[i : i + qb, None, :]
        for j in range(0, b.shape[0], rb):
            bj = b[None, j : j + rb, :]
            target = out[i : i + qb, j : j + rb]
            if p == "min":
                target[...] = xp.minimum(ai, bj).sum(axis=2)
                continue
            w = xp.abs(ai - bj)
            if p == math.inf:
                target[...] = w.max(axis=2)
            else:
                target[...] = (w if p == 1 else w**p).sum(axis=2)


def _elementwise(a: Any, b: Any, p: float | str) -> Any:
    """Reduced L_p (or sum min for p="min") for all pairs; threads split the queries."""
    xp = get_array_module(a)
    out = scratch_empty(xp, (a.shape[0], b.shape[0]), a.dtype)
    if xp is not np:
        _broadcast_block(xp, a, b, p, out)
        return out
    n = a.shape[0]
    block = _cpu_block
    if jit_available() and a.dtype in (np.float32, np.float64):
        block = _jit_reduced
        a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    threads = parallel.get_num_threads()
    if threads == 1 or n < 16 or n * b.shape[0] * a.shape[1] < 2**22:
        block(a, b, p, out)
        return out
    shards = threads * (1 if block is not _cpu_block else 4)
    step = -(-n // shards)
    parallel.run(
        [lambda s=s: block(a[s : s + step], b, p, out[s : s + step]) for s in range(0, n, step)]
    )
    return out


def reduced_distances(a: Any, b: Any, kind: float | str) -> Any:
    """The (n x m) matrix of reduced distances between rows of arrays a and b.

    Reduced: squared for L_2, sum |.|^p for finite p (no root), max |.| for L_inf, and the
    cosine distance itself.  ``finish`` turns it into true distances.  Holds (n x m) memory
    plus a bounded workspace; callers chunk the rows of ``a`` to bound the result too.
    """
    xp = get_array_module(a)
    if kind == "cosine":
        s = _unit_rows(xp, a) @ _unit_rows(xp, b).T
        xp.subtract(1, s, out=s)
        return xp.clip(s, 0, 2, out=s)
    if kind == 2.0:
        d2 = a @ b.T
        d2 *= -2
        d2 += _sqnorms(xp, a)[:, None]
        d2 += _sqnorms(xp, b)[None, :]
        return xp.maximum(d2, 0, out=d2)
    return _elementwise(a, b, kind)


def ranking_distances(a: Any, b: Any, kind: float | str, b_cache: Any = None) -> Any:
    """Values that order each row of the distance matrix like the true distances (cheaper).

    L_2: ||b||^2 - 2 a.b (||a||^2 is constant along a row); L_1: sum b - 2 sum min(a, b)
    (sum a is constant along a row).  Both carry rounding error, so callers re-rank a few
    extra candidates exactly.  ``b_cache`` is ||b||^2 or sum b, precomputed once.
    """
    xp = get_array_module(a)
    if kind == 2.0:
        r = scratch_empty(xp, (a.shape[0], b.shape[0]), xp.result_type(a, b))
        xp.matmul(a * a.dtype.type(-2), b.T, out=r)
        r += (_sqnorms(xp, b) if b_cache is None else b_cache)[None, :]
        return r
    if kind == 1.0:
        r = _elementwise(a, b, "min")
        r *= -2
        r += (b.sum(axis=1) if b_cache is None else b_cache)[None, :]
        return r
    return reduced_distances(a, b, kind)


def finish(reduced: Any, kind: float | str) -> Any:
    """True distances from reduced ones (square root for L_2, p-th root for L_p)."""
    xp = get_array_module(reduced)
    if kind == 2.0:
        return xp.sqrt(reduced)
    if kind in (1.0, math.inf, "cosine"):
        return reduced
    return reduced ** (1.0 / kind)


def exact_pairs(a: Any, b: Any, kind: float | str) -> Any:
    """Distances between a[i] and b[i, j] for a (n, d) and b (n, k, d), computed directly."""
    xp = get_array_module(a)
    if kind == "cosine":
        an = xp.sqrt(_sqnorms(xp, a))
        bn = xp.sqrt(xp.einsum("ijk,ijk->ij", b, b))
        an[an == 0] = 1
        bn[bn == 0] = 1
        s = xp.einsum("ik,ijk->ij", a, b) / (an[:, None] * bn)
        return xp.clip(1 - s, 0, 2)
    diff = a[:, None, :] - b
    if kind == 2.0:
        return xp.sqrt(xp.einsum("ijk,ijk->ij", diff, diff))
    diff = xp.abs(diff, out=diff)
    if kind == math.inf:
        return diff.max(axis=2)
    if kind == 1.0:
        return diff.sum(axis=2)
    return (diff**kind).sum(axis=2) ** (1.0 / kind)


def _argkmin_sorted(d: Any, k: int) -> tuple[Any, Any]:
    """argkmin by argpartition of every row, then a stable (value, index) order."""
    xp = get_array_module(d)
    n, m = d.shape
    if k < m:
        part = xp.argpartition(d, k - 1, axis=1)[:, :k]
    else:
        part = xp.broadcast_to(xp.arange(m), (n, m)).copy()
    vals = xp.take_along_axis(d, part, axis=1)
    order = xp.argsort(part, axis=1, kind="stable")
    part = xp.take_along_axis(part, order, axis=1)
    vals = xp.take_along_axis(vals, order, axis=1)
    order = xp.argsort(vals, axis=1, kind="stable")
    part = xp.take_along_axis(part, order, axis=1)
    vals = xp.take_along_axis(vals, order, axis=1)
    if k < m:
        # rows where more than k entries tie with the k-th value: redo them with a stable sort
        crowded = xp.nonzero((d <= vals[:, -1:]).sum(axis=1) > k)[0]
        if crowded.size:
            rows = d[crowded]
            idx = xp.argsort(rows, axis=1, kind="stable")[:, :k]
            part[crowded] = idx
            vals[crowded] = xp.take_along_axis(rows, idx, axis=1)
    return vals, part


def argkmin(d: Any, k: int) -> tuple[Any, Any]:
    """The k smallest entries of each row of d, ordered by (value, column index).

    Ties are broken deterministically: among equal distances the smaller column (training
    index) comes first, also at the k-th place.  Returns (values, indices), both (n, k).

    Method: the k-th smallest of an evenly strided sample of s columns bounds each row's
    k-th smallest from above, so one comparison pass keeps only the candidates d <= bound
    (about k m / s per row); those are sorted by (row, value, column) and the first k per row
    taken.  Rows whose bound keeps too much (adversarial orderings) fall back to a partition.
    """
    xp = get_array_module(d)
    n, m = d.shape
    s = max(64 * k, 512)
    if k >= m or 4 * s > m:
        return _argkmin_sorted(d, k)
    step = m // s
    bound = xp.partition(d[:, : step * s : step], k - 1, axis=1)[:, k - 1 : k]
    mask = d <= bound
    counts = xp.count_nonzero(mask, axis=1)
    widest = int(counts.max())
    if widest * 4 > m:  # the sample was unrepresentative: partition whole rows instead
        return _argkmin_sorted(d, k)
    flat = xp.flatnonzero(mask)
    rows = flat // m
    pos = xp.arange(flat.size) - (xp.cumsum(counts) - counts)[rows]
    cand = xp.full((n, widest), xp.inf, dtype=d.dtype)
    cand[rows, pos] = d.reshape(-1)[flat]
    cols = xp.zeros((n, widest), dtype=xp.int64)
    cols[rows, pos] = flat - rows * m
    # candidates keep their column order, so (value, position) order is (value, column) order
    vals, j = _argkmin_sorted(cand, k)
    return vals, xp.take_along_axis(cols, j, axis=1)


def _order_pairs(vals: Any, idx: Any) -> tuple[Any, Any]:
    """Sort each row of (vals, idx) by value, ties by index."""
    xp = get_array_module(vals)
    order = xp.argsort(idx, axis=1, kind="stable")
    vals, idx = xp.take_along_axis(vals, order, axis=1), xp.take_along_axis(idx, order, axis=1)
    order = xp.argsort(vals, axis=1, kind="stable")
    return xp.take_along_axis(vals, order, axis=1), xp.take_along_axis(idx, order, axis=1)


QUERY_CHUNK = 512  # queries ranked at once by kneighbors_raw
RERANK_EXTRA = 8  # candidates beyond k re-ranked exactly after an approximate L_1/L_2 ranking


def kneighbors_raw(
    q: Any, ref: Any, k: int, kind: float | str, max_memory: int = DEFAULT_MAX_MEMORY
) -> tuple[Any, Any]:
    """Distances and indices (n, k) of the k nearest rows of ``ref`` for every row of ``q``.

    Queries are processed in chunks so that one chunk's distance matrix stays under
    ``max_memory`` bytes.  L_1 and L_2 rank by the cheap ``ranking_distances``; the best
    k + 8 candidates are then measured exactly (``exact_pairs``) and re-ranked, so returned
    distances and orders are those of the direct formula.
    """
    xp = get_array_module(q)
    n, m = q.shape[0], ref.shape[0]
    # chunks of at most QUERY_CHUNK rows: their distance block is reused from chunk to chunk
    # (scratch buffers) instead of page-faulting one huge matrix in
    rows = max(min(int(max_memory // (3 * m * q.dtype.itemsize)), QUERY_CHUNK), 1)
    dist = xp.empty((n, k), dtype=q.dtype)
    ind = xp.empty((n, k), dtype=xp.int64)
    approx = kind in (1.0, 2.0)
    cache = None
    if kind == 2.0:
        cache = _sqnorms(xp, ref)
    elif kind == 1.0:
        cache = ref.sum(axis=1)
    kk = min(m, k + RERANK_EXTRA) if approx else k
    for s in range(0, n, rows):
        chunk = q[s : s + rows]
        _, idx = argkmin(ranking_distances(chunk, ref, kind, cache), kk)
        exact = exact_pairs(chunk, ref[idx], kind)
        if approx:
            exact, idx = _order_pairs(exact, idx)
        ind[s : s + rows] = idx[:, :k]
        dist[s : s + rows] = exact[:, :k]
    return dist, ind


# ---------------------------------------------------------------------------------------------
# the differentiable cdist
# ---------------------------------------------------------------------------------------------


def _safe_div(xp: Any, g: Any, den: Any) -> Any:
    """g / den with 0 where den == 0 (the zero subgradient at coinciding points, as torch)."""
    zero = den == 0
    return xp.where(zero, 0, g / xp.where(zero, 1, den))


class CDist(Function):
    """Pairwise distance matrix as one primitive (forward chunked, backward by formula).

    d/da_i L_p(a_i, b_j) = sign(a_i - b_j) |a_i - b_j|^(p-1) / L_p^(p-1)  (0 where L_p = 0)
    d/da_i L_inf        = sign(a_i - b_j) at the coordinates that attain the max
    d/da_i cos-distance = -(b_j/|b_j| - s_ij a_i/|a_i|) / |a_i|
    and the b gradients by symmetry.  Double backward is not supported.
    """

    def forward(self, a, b, kind=2.0, max_memory=DEFAULT_MAX_MEMORY):
        self.kind, self.max_memory = kind, max_memory
        xp = get_array_module(a)
        rows = max(int(max_memory // (2 * max(b.shape[0], 1) * a.dtype.itemsize)), 1)
        out = scratch_empty(xp, (a.shape[0], b.shape[0]), a.dtype)
        for s in range(0, a.shape[0], rows):
            out[s : s + rows] = finish(reduced_distances(a[s : s + rows], b, kind), kind)
        return out

    def backward(self, g, out, a, b):
        if self.m.tensors:
            raise RuntimeError(
                "cdist does not support double backward (create_graph=True); compose the "
                "distance from elementwise ops if you need second derivatives"
            )
        xp = get_array_module(a)
        kind = self.kind
        if kind == "cosine":
            return self._cosine_backward(xp, g, out, a, b)
        if kind == 2.0:
            w = _safe_div(xp, g, out)
            ga = w.sum(axis=1)[:, None] * a - w @ b
            gb = w.sum(axis=0)[:, None] * b - w.T @ a
            return ga, gb
        ga = xp.zeros_like(a)
        gb = xp.zeros_like(b)
        if kind == 1.0:
            w = g
        elif kind == math.inf:
            w = g
        else:
            w = _safe_div(xp, g, out ** (kind - 1))
        rows = max(int(self.max_memory // (3 * b.size * a.dtype.itemsize + 1)), 1)
        for s in range(0, a.shape[0], rows):
            diff = a[s : s + rows, None, :] - b[None, :, :]
            if kind == 1.0:
                t = xp.sign(diff)
            elif kind == math.inf:
                ad = xp.abs(diff)
                t = xp.sign(diff) * (ad == out[s : s + rows, :, None])
            else:
                t = xp.sign(diff) * xp.abs(diff) ** (kind - 1)
            t *= w[s : s + rows, :, None]
            ga[s : s + rows] = t.sum(axis=1)
            gb -= t.sum(axis=0)
        return ga, gb

    def _cosine_backward(self, xp, g, out, a, b):
        na = xp.sqrt(_sqnorms(xp, a))
        nb = xp.sqrt(_sqnorms(xp, b))
        na[na == 0] = 1
        nb[nb == 0] = 1
        an, bn = a / na[:, None], b / nb[:, None]
        s = an @ bn.T
        inside = (s > -1) & (s < 1)  # the clip to [0, 2] is flat outside
        g = g * inside
        gs = -g  # d dist / d s = -1
        ga = (gs @ bn - (gs * s).sum(axis=1)[:, None] * an) / na[:, None]
        gb = (gs.T @ an - (gs * s).sum(axis=0)[:, None] * bn) / nb[:, None]
        return ga, gb


def cdist(
    x1: Any,
    x2: Any,
    p: float = 2.0,
    *,
    metric: str = "minkowski",
    max_memory: int = DEFAULT_MAX_MEMORY,
) -> Any:
    """Pairwise distances between the rows of ``x1`` (n x d) and ``x2`` (m x d), like
    ``torch.cdist``; batched inputs (B x n x d, B x m x d) give (B x n x m).

    ``metric="minkowski"`` uses ``p`` (1 = Manhattan, 2 = Euclidean via the
    ||a||^2 - 2 a.b + ||b||^2 product clamped at 0, any p >= 1, ``inf`` = Chebyshev);
    ``"euclidean"``, ``"manhattan"``, ``"chebyshev"`` and ``"cosine"`` (1 - cosine similarity)
    name one directly.  L_p is a metric for p >= 1 only (for p < 1 the triangle inequality
    fails), so p < 1 raises.  Temporaries stay under ``max_memory`` bytes besides the result.
    Tensors give a Tensor (differentiable when they require grad); arrays give an array.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.neighbors import cdist
        >>> a = torch.tensor([[0.0, 0.0]]); b = torch.tensor([[3.0, 4.0], [1.0, 0.0]])
        >>> cdist(a, b)
        tensor([[5., 1.]])
    """
    kind = resolve_metric(metric, p)
    as_tensor = isinstance(x1, Tensor) or isinstance(x2, Tensor)
    t1 = x1 if isinstance(x1, Tensor) else Tensor._wrap(get_array_module(x1).asarray(x1))
    t2 = x2 if isinstance(x2, Tensor) else Tensor._wrap(get_array_module(x2).asarray(x2))
    if t1.ndim < 2 or t1.ndim != t2.ndim:
        raise ValueError(
            f"cdist: expected two 2-D (n x d, m x d) or two batched 3-D inputs, got shapes "
            f"{tuple(t1.shape)} and {tuple(t2.shape)}"
        )
    if t1.shape[-1] != t2.shape[-1]:
        raise ValueError(
            f"cdist: x1 has {t1.shape[-1]} features (shape {tuple(t1.shape)}) but x2 has "
            f"{t2.shape[-1]} (shape {tuple(t2.shape)}): the last dimensions must match"
        )
    if t1._data.dtype.kind != "f" or t2._data.dtype.kind != "f":
        raise TypeError(
            f"cdist: needs floating-point inputs, got {t1.dtype} and {t2.dtype}: use .float()"
        )
    if t1._data.dtype != t2._data.dtype:
        raise TypeError(
            f"cdist: x1 is {t1.dtype} but x2 is {t2.dtype}: convert one so the dtypes match"
        )
    if t1.ndim == 2:
        res = CDist.apply(t1, t2, kind=kind, max_memory=max_memory)
    else:
        if t1.shape[:-2] != t2.shape[:-2]:
            raise ValueError(f"cdist: batch shapes differ: {tuple(t1.shape)} and {tuple(t2.shape)}")
        lead = t1.shape[:-2]
        f1 = t1.reshape(-1, *t1.shape[-2:])
        f2 = t2.reshape(-1, *t2.shape[-2:])
        parts = [
            CDist.apply(f1[i], f2[i], kind=kind, max_memory=max_memory) for i in range(f1.shape[0])
        ]
        from ..ops.shape import stack

        res = stack(parts, 0).reshape(*lead, t1.shape[-2], t2.shape[-2])
    return res if as_tensor else res._data
