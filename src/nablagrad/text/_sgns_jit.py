"""Compiled (Numba) versions of the skip-gram / CBOW batch steps of :mod:`.sgns`.

They compute exactly the minibatch step of the NumPy kernels -- every score and input gradient
from the weights as they were at the start of the batch, then all row updates summed -- but
in one pass over the batch's rows with no temporaries: gather, dot products, sigmoid, the
gradient of h, then the updates (``W_out[j] += g_j h``, ``W_in[c] += dh``).  Only the order of
the additions differs from the NumPy path (results agree to float rounding); the reported
loss takes one log per example, of the product of its probabilities.  The kernels
release the GIL, so batches stepped on ``parallel`` threads run on separate cores.

Used by ``sgns_step`` / ``cbow_step`` when ``backend.jit_available()``; compiled on first use
(and cached on disk by Numba).
"""

from __future__ import annotations

import math
from typing import Any

from ..backend import LazyKernel, jitable


@jitable
def _rows_outside(rows, n):  # pragma: no cover
    """Whether any entry of the integer array ``rows`` lies outside [0, n) (one pass, no
    temporaries: NumPy's min and max took ~20 us a batch)."""
    bad = False
    for r in rows.ravel():
        bad |= (r < 0) | (r >= n)
    return bad


@jitable
def _add_out_rows(W_out, idx, e0, B, G, out_scale, H, slot, rows_of, ACC):  # noqa: E501  # pragma: no cover
    """``W_out[idx[e0 + b, k]] += G[b, k] * out_scale[e0 + b, k] * H[b]`` for b < B and every
    k (a batch: the examples e0 ... e0 + B - 1 of the arrays ``idx`` and ``out_scale``).

    Rows below ``len(slot)`` (the frequent words: a vocabulary lists them first) are summed
    per row in ``ACC`` first and added to ``W_out`` once.  Workers stepping batches on the
    same matrices at once (Hogwild) otherwise wrote a frequent word's row dozens of times a
    batch, each write taking the row's cache lines from the other core (skip-gram on 2
    threads: the kernels took x1.4 the time they took on private copies of the matrices).
    ``slot[row]`` is the row's place in ``ACC`` when ``rows_of`` agrees (a sparse set: stale
    entries need no clearing).  With an empty ``slot`` every row is updated in place."""
    d = H.shape[1]
    hot = slot.shape[0]
    used = 0
    for b in range(B):
        for k in range(idx.shape[1]):
            coef = G[b, k]
            if out_scale.shape[0]:
                coef = coef * out_scale[e0 + b, k]
            if coef == 0:
                continue
            row = idx[e0 + b, k]
            if row >= hot:
                for j in range(d):
                    W_out[row, j] += coef * H[b, j]
                continue
            at = slot[row]
            if at < 0 or at >= used or rows_of[at] != row:
                at = used
                used += 1
                slot[row] = at
                rows_of[at] = row
                for j in range(d):
                    ACC[at, j] = coef * H[b, j]
            else:
                for j in range(d):
                    ACC[at, j] += coef * H[b, j]
    for at in range(used):
        row = rows_of[at]
        for j in range(d):
            W_out[row, j] += ACC[at, j]


def _sgns(
    W_in, W_out, centres, idx, lrs, size, out_scale, in_scale, H, DH, G, slot, rows_of, ACC, losses
):  # noqa: E501  # pragma: no cover
    """Skip-gram, consecutive batches of ``size`` examples, batch t stepped with learning rate
    ``lrs[t]`` and its loss written to ``losses[t]``: example e has input row centres[e],
    positive output row idx[e, 0] and negatives idx[e, 1:] (one equal to the positive is
    skipped, as word2vec does).  Scalars keep the arrays' dtype (float32 stays float32, so the
    row loops vectorise).  Returns 0, or -1 (a row of ``centres`` outside ``W_in``) / -2 (of
    ``idx`` outside ``W_out``) before changing anything."""
    if _rows_outside(centres, W_in.shape[0]):
        return -1.0
    if _rows_outside(idx, W_out.shape[0]):
        return -2.0
    d = H.shape[1]
    zero = W_in[0, 0] * 0
    n = centres.shape[0]
    for t in range(lrs.shape[0]):
        e0 = t * size
        B = min(n, e0 + size) - e0
        lr = lrs[t]
        loss = 0.0
        for b in range(B):
            c = centres[e0 + b]
            for j in range(d):
                H[b, j] = W_in[c, j]
                DH[b, j] = zero
            # the scores, as in _cbow (written out in both: with a shared helper the kernels
            # took x1.04-1.08 the former kernels' time, written out x1.02)
            prob = 1.0  # the example's likelihood: one log per example instead of per score
            e = e0 + b
            for k in range(idx.shape[1]):
                row = idx[e, k]
                if k > 0 and row == idx[e, 0]:
                    G[b, k] = zero
                    continue
                s = zero
                for j in range(d):
                    s += H[b, j] * W_out[row, j]
                sig = 1.0 / (1.0 + math.exp(-s))
                if k == 0:
                    prob *= max(sig, 1e-38)
                    G[b, k] = -lr * (sig - 1.0)
                else:
                    prob *= max(1.0 - sig, 1e-38)
                    G[b, k] = -lr * sig
                if prob < 1e-250:  # take the log before the product underflows
                    loss -= math.log(prob)
                    prob = 1.0
                coef = G[b, k]  # read back: the dtype of the arrays, so the loop stays float32
                for j in range(d):
                    DH[b, j] += coef * W_out[row, j]
            loss -= math.log(prob)
        _add_out_rows(W_out, idx, e0, B, G, out_scale, H, slot, rows_of, ACC)
        for b in range(B):
            c = centres[e0 + b]
            f = in_scale[e0 + b] if in_scale.shape[0] else zero + 1
            for j in range(d):
                W_in[c, j] += f * DH[b, j]
        losses[t] = loss
    return 0.0


def _cbow(
    W_in,
    W_out,
    contexts,
    mask,
    mean,
    idx,
    lrs,
    size,
    out_scale,
    in_scale,
    H,
    DH,
    G,
    weights,
    updates,
    slot,
    rows_of,
    ACC,
    losses,
):  # noqa: E501  # pragma: no cover
    """CBOW, in batches as ``_sgns``: example e's input h is the mean (``mean``) or the sum
    of the rows ``W_in[contexts[e, i]]`` where ``mask[e, i]`` (their weights, ``1 / n_e`` or
    1, go into ``weights``); output rows as in ``_sgns``; each context row then receives
    ``dh`` after a mean, ``dh / n_e`` after a sum (gensim's and word2vec.c's update, the
    factors in ``updates``).  Returns 0, or -1 / -2 for rows outside the matrices as
    ``_sgns``, or -3 for an example without context words, before changing anything."""
    if _rows_outside(contexts, W_in.shape[0]):
        return -1.0
    if _rows_outside(idx, W_out.shape[0]):
        return -2.0
    n, C = contexts.shape
    d = H.shape[1]
    for e in range(n):
        m = 0
        for i in range(C):
            m += mask[e, i]
        if m == 0:
            return -3.0
        for i in range(C):  # as NumPy's mask / n, then the weights' dtype
            weights[e, i] = mask[e, i] / m if mean else mask[e, i]
            updates[e, i] = mask[e, i] if mean else mask[e, i] / m
    zero = W_in[0, 0] * 0
    for t in range(lrs.shape[0]):
        e0 = t * size
        B = min(n, e0 + size) - e0
        lr = lrs[t]
        loss = 0.0
        for b in range(B):
            for j in range(d):
                H[b, j] = zero
                DH[b, j] = zero
            for i in range(C):
                w = weights[e0 + b, i]
                if w != 0:
                    c = contexts[e0 + b, i]
                    for j in range(d):
                        H[b, j] += w * W_in[c, j]
            prob = 1.0  # the example's likelihood: one log per example instead of per score
            e = e0 + b
            for k in range(idx.shape[1]):
                row = idx[e, k]
                if k > 0 and row == idx[e, 0]:
                    G[b, k] = zero
                    continue
                s = zero
                for j in range(d):
                    s += H[b, j] * W_out[row, j]
                sig = 1.0 / (1.0 + math.exp(-s))
                if k == 0:
                    prob *= max(sig, 1e-38)
                    G[b, k] = -lr * (sig - 1.0)
                else:
                    prob *= max(1.0 - sig, 1e-38)
                    G[b, k] = -lr * sig
                if prob < 1e-250:  # take the log before the product underflows
                    loss -= math.log(prob)
                    prob = 1.0
                coef = G[b, k]  # read back: the dtype of the arrays, so the loop stays float32
                for j in range(d):
                    DH[b, j] += coef * W_out[row, j]
            loss -= math.log(prob)
        _add_out_rows(W_out, idx, e0, B, G, out_scale, H, slot, rows_of, ACC)
        for b in range(B):
            for i in range(C):
                f = updates[e0 + b, i]
                if in_scale.shape[0]:
                    f = f * in_scale[e0 + b, i]
                if f != 0:
                    c = contexts[e0 + b, i]
                    for j in range(d):
                        W_in[c, j] += f * DH[b, j]
        losses[t] = loss
    return 0.0


_kernels = (LazyKernel(_sgns), LazyKernel(_cbow))


def kernels() -> tuple[Any, Any]:
    """The compiled (skip-gram, CBOW) batch kernels."""
    return _kernels
