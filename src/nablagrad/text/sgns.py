"""Fused NumPy kernels for skip-gram / CBOW with negative sampling (the fast path).

One call handles a whole batch: gather the embedding rows, batched dot products, sigmoid,
and sparse row updates.  Rows that repeat in a batch (frequent words, shared negatives) are
summed correctly by writing the update as a sparse product ``W += S @ X`` with ``S`` a
``(V, B)`` CSC matrix holding each example's coefficients; SciPy's compiled ``csc_matvecs``
accumulates it straight into ``W`` (no dense temporary, no ``np.add.at``).

The objective for one example with input vector ``h``, positive output row ``u_o`` and
negative rows ``u_k`` is

    L = -log sigma(h . u_o) - sum_k m_k log sigma(-h . u_k)

(``m_k = 0`` when negative ``k`` equals the positive word, as word2vec skips it).  With
``g_o = sigma(h . u_o) - 1`` and ``g_k = m_k sigma(h . u_k)``:
``dL/dh = g_o u_o + sum_k g_k u_k`` and ``dL/du_j = g_j h``.  The batch loss is the sum, and
the step is plain SGD ``W <- W - lr * dL/dW``.

Example:
    >>> import numpy as np
    >>> W_in = np.full((3, 2), 0.1, np.float32); W_out = np.zeros((3, 2), np.float32)
    >>> loss = sgns_step(W_in, W_out, np.array([0]), np.array([1]), np.array([[2]]), 0.5)
    >>> round(loss, 4)  # -log(1/2) - log(1/2)
    1.3863
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ..backend import jit_available, np, scipy
from ._sgns_jit import kernels

_vecmat = getattr(np, "vecmat", None)
_csc_matvecs: Any = "unset"  # SciPy's compiled kernel, imported on first use (fast import)


def _kernel() -> Any:
    """SciPy's compiled ``csc @ dense`` kernel (``Y += A @ X`` in place), or None."""
    global _csc_matvecs
    if isinstance(_csc_matvecs, str):
        tools = scipy("sparse._sparsetools")  # private API: None if moved (the public product)
        _csc_matvecs = getattr(tools, "csc_matvecs", None)
    return _csc_matvecs


def scatter_add_rows(W: np.ndarray, rows: np.ndarray, coef: np.ndarray, X: np.ndarray) -> None:
    """``W[rows[b, j]] += coef[b, j] * X[b]`` for all ``b, j``, repeated rows summed, in place.

    ``rows`` and ``coef`` are ``(B, k)``, ``X`` is ``(B, d)``; all float arrays share a dtype.
    """
    B, k = rows.shape
    V, d = W.shape
    indptr = np.arange(0, B * k + 1, k, dtype=np.int32)
    indices = np.ascontiguousarray(rows, dtype=np.int32).ravel()
    data = np.ascontiguousarray(coef, dtype=W.dtype).ravel()
    X = np.ascontiguousarray(X, dtype=W.dtype)
    kernel = _kernel()
    if kernel is not None and W.flags.c_contiguous and len(indices):
        if int(indices.max()) >= V or int(indices.min()) < 0:
            raise _row_error(V)
        kernel(V, B, d, indptr, indices, data, X.ravel(), W.reshape(-1))
    else:
        sp = scipy("sparse")

        W += sp.csc_matrix((data, indices, indptr), shape=(V, B)) @ X


def repeat_scale(
    rows: np.ndarray, n_rows: int, cap: int | None, valid: np.ndarray | None = None
) -> np.ndarray | None:
    """Per-entry factors ``min(1, cap / n_r)``, ``n_r`` = occurrences of row ``r`` in ``rows``
    (only where ``valid``), or None when no row occurs more than ``cap`` times.

    Sequential word2vec lets a word's score adapt after every update; a batch instead sums a
    frequent word's ``n_r`` updates computed at one stale point, which diverges for large
    batches.  Capping the multiplicity keeps large batches stable; both paths apply it.
    """
    if cap is None:
        return None
    flat = rows.ravel() if valid is None else rows[valid]
    counts = np.bincount(flat, minlength=n_rows)
    if counts.max(initial=0) <= cap:
        return None
    scale = np.minimum(1.0, cap / np.maximum(counts, 1))
    return scale[rows]


# rows of W_out whose updates the kernels sum privately on shared matrices (Workspace.shared)
HOT_ROWS = 512


class Workspace:
    """Reusable buffers for one batch shape (avoids page-faulting fresh arrays every step).

    ``shared``: other threads step batches on the same matrices at once (``Word2Vec`` with
    several workers); the compiled kernels then sum the updates of the ``HOT_ROWS`` first
    rows of ``W_out`` (the most frequent words) before writing them, see
    ``_sgns_jit._add_out_rows``.  On one thread that costs ~3%; on two it saves ~8%.
    """

    def __init__(self, shared: bool = False) -> None:
        self._bufs: dict[str, np.ndarray] = {}
        self.shared = shared

    def get(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        buf = self._bufs.get(name)
        size = math.prod(shape)  # (np.prod: ~5 us a call, four calls a batch)
        if buf is None or buf.size < size or buf.dtype != dtype:
            buf = np.empty(max(size, 1), dtype=dtype)
            self._bufs[name] = buf
        return buf[:size].reshape(shape)


def _forward_backward(
    h: np.ndarray,
    W_out: np.ndarray,
    pos: np.ndarray,
    negs: np.ndarray,
    lr: float,
    ws: Workspace,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Scores, loss, ``-lr * dL/ds`` and ``-lr * dL/dh`` for one batch."""
    expit = scipy("special").expit

    B, K = negs.shape
    d = W_out.shape[1]
    out_idx = ws.get("idx", (B, K + 1), np.dtype(np.int32))
    out_idx[:, 0] = pos
    out_idx[:, 1:] = negs
    U = ws.get("U", (B, K + 1, d), W_out.dtype)
    np.take(W_out, out_idx, axis=0, out=U, mode="clip")
    s = np.einsum("bkd,bd->bk", U, h)
    mask = negs != pos[:, None]
    g = expit(s)
    # -log sigma(s_o) - sum_k m_k log sigma(-s_k), from the sigmoids (clamped away from 0)
    tiny = np.finfo(g.dtype).tiny
    loss = -float(np.log(np.maximum(g[:, 0], tiny)).sum())
    loss -= float((np.log(np.maximum(1.0 - g[:, 1:], tiny)) * mask).sum())
    g[:, 0] -= 1.0
    g[:, 1:] *= mask
    g *= -lr
    dh = ws.get("dh", (B, d), W_out.dtype)
    if _vecmat is not None:  # NumPy >= 2.2: a vector-matrix product per row, ~3x einsum
        _vecmat(g, U, out=dh)
    else:
        np.einsum("bk,bkd->bd", g, U, out=dh)
    return loss, g, out_idx, dh


def sgns_step(
    W_in: np.ndarray,
    W_out: np.ndarray,
    centres: np.ndarray,
    contexts: np.ndarray,
    negatives: np.ndarray,
    lr: float,
    ws: Workspace | None = None,
    max_repeat: int | None = None,
) -> float:
    """One SGD step of skip-gram with negative sampling on a batch of pairs, in place.

    ``centres`` (B,) index ``W_in``; ``contexts`` (B,) and ``negatives`` (B, K) index
    ``W_out``.  Returns the summed batch loss before the step.  With ``max_repeat``, a row
    updated more than that many times in the batch has its summed update scaled by
    ``max_repeat / n_r`` (see :func:`repeat_scale`).
    """
    ws = ws or Workspace()
    if _jit_ok(W_in, W_out):
        lrs = np.array([lr], np.float64)
        data = (centres,)
        steps = _jit_steps(
            "sgns", W_in, W_out, data, contexts, negatives, lrs, len(centres), ws, max_repeat
        )
        return float(steps[0])
    _check_bounds(W_in, W_out, centres, contexts, negatives)
    h = ws.get("h", (len(centres), W_in.shape[1]), W_in.dtype)
    np.take(W_in, centres, axis=0, out=h, mode="clip")
    loss, g, out_idx, dh = _forward_backward(h, W_out, contexts, negatives, lr, ws)
    out_scale = repeat_scale(out_idx, W_out.shape[0], max_repeat)
    scatter_add_rows(W_out, out_idx, g if out_scale is None else g * out_scale, h)
    ones = ws.get("ones", (len(centres), 1), W_in.dtype)
    ones.fill(1.0)
    in_scale = repeat_scale(centres[:, None], W_in.shape[0], max_repeat)
    scatter_add_rows(W_in, centres[:, None], ones if in_scale is None else in_scale, dh)
    return loss


def cbow_step(
    W_in: np.ndarray,
    W_out: np.ndarray,
    contexts: np.ndarray,
    mask: np.ndarray,
    centres: np.ndarray,
    negatives: np.ndarray,
    lr: float,
    ws: Workspace | None = None,
    max_repeat: int | None = None,
    cbow_mean: bool = True,
) -> float:
    """One SGD step of CBOW with negative sampling, in place, as gensim and word2vec.c
    update.

    ``contexts`` (B, C) with boolean ``mask`` (B, C) index ``W_in`` (every row needs at
    least one context); ``centres`` (B,) and ``negatives`` (B, K) index ``W_out``.  With
    ``cbow_mean`` (gensim's ``cbow_mean=1``, the default) ``h = sum_j m_j W_in[c_j] / n`` and
    each context row receives the whole ``-lr * dL/dh`` (not the mean's gradient, 1/n of
    it); without, ``h`` is the sum and each context row receives ``1/n`` of it.
    """
    ws = ws or Workspace()
    if _jit_ok(W_in, W_out):
        lrs = np.array([lr], np.float64)
        data = (contexts, mask)
        steps = _jit_steps(
            "cbow",
            W_in,
            W_out,
            data,
            centres,
            negatives,
            lrs,
            len(centres),
            ws,
            max_repeat,
            cbow_mean,
        )
        return float(steps[0])
    _check_bounds(W_in, W_out, contexts, centres, negatives)
    B, C = contexts.shape
    d = W_in.shape[1]
    n = mask.sum(axis=1, keepdims=True)
    if not n.all():
        raise _no_context_error()
    weights = (mask / n if cbow_mean else mask).astype(W_in.dtype)
    updates = (mask if cbow_mean else mask / n).astype(W_in.dtype)
    X = ws.get("X", (B, C, d), W_in.dtype)
    np.take(W_in, contexts, axis=0, out=X, mode="clip")
    h = ws.get("h", (B, d), W_in.dtype)
    if _vecmat is not None:
        _vecmat(weights, X, out=h)
    else:
        np.matmul(weights[:, None, :], X, out=h[:, None, :])
    loss, g, out_idx, dh = _forward_backward(h, W_out, centres, negatives, lr, ws)
    out_scale = repeat_scale(out_idx, W_out.shape[0], max_repeat)
    scatter_add_rows(W_out, out_idx, g if out_scale is None else g * out_scale, h)
    in_scale = repeat_scale(contexts, W_in.shape[0], max_repeat, mask)
    scatter_add_rows(W_in, contexts, updates if in_scale is None else updates * in_scale, dh)
    return loss


def sgns_steps(
    W_in: np.ndarray,
    W_out: np.ndarray,
    centres: np.ndarray,
    contexts: np.ndarray,
    negatives: np.ndarray,
    lrs: Any,
    batch_size: int,
    ws: Workspace | None = None,
    max_repeat: int | None = None,
) -> np.ndarray:
    """Consecutive :func:`sgns_step` calls: batch t is rows ``t * batch_size`` up to ``(t +
    1) * batch_size`` of the arrays, stepped with learning rate ``lrs[t]``; returns the
    batches' losses.  The compiled kernel steps them all in one call (``Word2Vec`` steps a
    chunk of about eight batches so: one call's Python work, not eight, and the GIL held once).
    """
    data = (centres,)
    return _steps("sgns", W_in, W_out, data, contexts, negatives, lrs, batch_size, ws, max_repeat)


def cbow_steps(
    W_in: np.ndarray,
    W_out: np.ndarray,
    contexts: np.ndarray,
    mask: np.ndarray,
    centres: np.ndarray,
    negatives: np.ndarray,
    lrs: Any,
    batch_size: int,
    ws: Workspace | None = None,
    max_repeat: int | None = None,
    cbow_mean: bool = True,
) -> np.ndarray:
    """Consecutive :func:`cbow_step` calls, in batches as :func:`sgns_steps`."""
    data = (contexts, mask)
    return _steps(
        "cbow", W_in, W_out, data, centres, negatives, lrs, batch_size, ws, max_repeat, cbow_mean
    )


def _steps(
    kind: str,
    W_in: np.ndarray,
    W_out: np.ndarray,
    data: tuple,
    pos: np.ndarray,
    negs: np.ndarray,
    lrs: Any,
    batch_size: int,
    ws: Workspace | None,
    max_repeat: int | None,
    cbow_mean: bool = True,
) -> np.ndarray:
    """``sgns_steps`` / ``cbow_steps`` (``kind``): the compiled kernel over the whole chunk,
    or the NumPy single step (``sgns_step(W_in, W_out, *data, pos, negs, ...)``, likewise
    ``cbow_step``) batch after batch."""
    lrs = _batch_rates(len(pos), lrs, batch_size)
    ws = ws or Workspace()
    if _jit_ok(W_in, W_out):
        return _jit_steps(
            kind, W_in, W_out, data, pos, negs, lrs, batch_size, ws, max_repeat, cbow_mean
        )
    batches = in_batches((*data, pos, negs), lrs, batch_size)
    if kind == "sgns":
        return np.array([sgns_step(W_in, W_out, *b, lr, ws, max_repeat) for b, lr in batches])
    return np.array(
        [cbow_step(W_in, W_out, *b, lr, ws, max_repeat, cbow_mean) for b, lr in batches]
    )


def in_batches(arrays: tuple, lrs: Any, batch_size: int) -> Iterator[tuple[tuple, float]]:
    """``(batch t of arrays, lrs[t])`` in order: batch t is the arrays' rows ``t * batch_size``
    up to ``(t + 1) * batch_size`` (the layout of :func:`sgns_steps`' chunks)."""
    for t, lr in enumerate(lrs):
        rows = slice(t * batch_size, (t + 1) * batch_size)
        yield tuple(a[rows] for a in arrays), float(lr)


def _batch_rates(n: int, lrs: Any, batch_size: int) -> np.ndarray:
    """``lrs`` as float64, checked to give one rate per batch of ``batch_size`` of ``n``
    examples."""
    lrs = np.asarray(lrs, dtype=np.float64).reshape(-1)
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if len(lrs) != -(-n // batch_size):
        raise ValueError(
            f"{len(lrs)} learning rates for {n} examples in batches of {batch_size}: "
            f"expected {-(-n // batch_size)}, one per batch"
        )
    return lrs


def _jit_ok(W_in: np.ndarray, W_out: np.ndarray) -> bool:
    """Whether the compiled kernels take these weights (Numba there, C-contiguous NumPy float
    arrays of one dtype)."""
    return (
        jit_available()
        and type(W_in) is np.ndarray
        and type(W_out) is np.ndarray
        and W_in.dtype == W_out.dtype
        and W_in.dtype in (np.float32, np.float64)
        and W_in.flags.c_contiguous
        and W_out.flags.c_contiguous
    )


def _jit_steps(
    kind: str,
    W_in: np.ndarray,
    W_out: np.ndarray,
    data: tuple,
    pos: np.ndarray,
    negs: np.ndarray,
    lrs: np.ndarray,
    size: int,
    ws: Workspace,
    max_repeat: int | None,
    cbow_mean: bool = True,
) -> np.ndarray:
    """Batches of ``size`` examples stepped through the compiled kernel (the NumPy path's
    update, batch after batch); their losses."""
    n, K = negs.shape
    B = min(size, n)
    d = W_in.shape[1]
    V_in, V_out = W_in.shape[0], W_out.shape[0]
    dtype = W_in.dtype
    idx = ws.get("idx", (n, K + 1), np.dtype(np.int64))
    idx[:, 0] = pos
    idx[:, 1:] = negs
    out_scale = _batch_scales(idx, V_out, max_repeat, size, dtype)
    H = ws.get("h", (B, d), dtype)
    DH = ws.get("dh", (B, d), dtype)
    G = ws.get("g", (B, K + 1), dtype)
    hot = min(V_out, HOT_ROWS) if ws.shared else 0  # see _sgns_jit._add_out_rows
    slot = ws.get("slot", (hot,), np.dtype(np.int64))
    sums = slot, ws.get("rows_of", (hot,), np.dtype(np.int64)), ws.get("acc", (hot, d), dtype)
    losses = np.empty(len(lrs))
    sgns_kernel, cbow_kernel = kernels()
    if kind == "sgns":
        centres = _index_array(data[0])
        in_scale = _batch_scales(centres[:, None], V_in, max_repeat, size, dtype).ravel()
        args = (centres, idx, lrs, size, out_scale, in_scale, H, DH, G)
        code = sgns_kernel(W_in, W_out, *args, *sums, losses)
    else:
        contexts, mask = _index_array(data[0]), np.asarray(data[1], dtype=bool)
        in_scale = _batch_scales(contexts, V_in, max_repeat, size, dtype, mask)
        WT = ws.get("wt", contexts.shape, dtype)
        WU = ws.get("wu", contexts.shape, dtype)
        args = (contexts, mask, bool(cbow_mean), idx, lrs, size, out_scale, in_scale, H, DH, G)
        args += (WT, WU)
        code = cbow_kernel(W_in, W_out, *args, *sums, losses)
    _kernel_check(code, V_in, V_out)
    return losses


def _batch_scales(
    rows: np.ndarray,
    n_rows: int,
    cap: int | None,
    size: int,
    dtype: np.dtype,
    valid: np.ndarray | None = None,
) -> np.ndarray:
    """:func:`repeat_scale` of each batch of ``size`` rows of ``rows`` (2-D), as one array
    shaped like ``rows`` in ``dtype``, or an empty (0, 0) array when no batch needs one."""
    empty = np.empty((0, 0), dtype)
    if cap is None:
        return empty
    parts = []
    for b in range(0, len(rows), size):
        batch = slice(b, b + size)
        part = repeat_scale(rows[batch], n_rows, cap, None if valid is None else valid[batch])
        parts.append(part)
    if all(part is None for part in parts):
        return empty
    filled = [
        np.ones(rows[b : b + size].shape) if part is None else part
        for b, part in zip(range(0, len(rows), size), parts)
    ]
    return np.concatenate(filled).astype(dtype)


def _check_bounds(W_in: np.ndarray, W_out: np.ndarray, rows_in: Any, *rows_out: Any) -> None:
    """Raise IndexError before a NumPy step changes anything when an index lies outside its
    matrix (``np.take(mode="clip")`` would clip it, and the row updates come one matrix after
    the other)."""
    for rows, n_rows in [(rows_in, W_in.shape[0])] + [(r, W_out.shape[0]) for r in rows_out]:
        rows = np.asarray(rows)
        if rows.size and (rows.min() < 0 or rows.max() >= n_rows):
            raise _row_error(n_rows)


def _index_array(rows: Any) -> np.ndarray:
    """``rows`` as an int32/int64 array (the kernels' index types; others are converted)."""
    rows = np.asarray(rows)
    return rows if rows.dtype in (np.int32, np.int64) else rows.astype(np.int64)


def _kernel_check(code: float, n_in: int, n_out: int) -> None:
    """Raise the error a compiled step's -1 / -2 / -3 stands for (a row outside the input /
    output matrix, a CBOW example without context words: the kernel checked first and
    changed nothing); 0 is success."""
    if code == -3:
        raise _no_context_error()
    if code < 0:
        raise _row_error(n_in if code == -1 else n_out)


def _no_context_error() -> ValueError:
    """The error for a CBOW example whose mask row selects no context word."""
    return ValueError(
        "cbow_step: an example has no context word (a row of mask is all False); "
        "drop such examples first, as Word2Vec does"
    )


def _row_error(n_rows: int) -> IndexError:
    """The error for a row index outside a matrix of ``n_rows`` rows (every step's check)."""
    return IndexError(f"row index out of range for a matrix with {n_rows} rows")
