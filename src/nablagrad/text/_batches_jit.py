"""Compiled (Numba) pieces of word2vec's batch preparation: the context windows of
:func:`.vocab.window_pairs` and :func:`.vocab.window_contexts`, and the negative samples of
:func:`.word2vec.draw_negatives`: the same arrays as their NumPy versions, in the same order,
in one pass without the GIL.  Each word2vec worker prepares its chunks itself; NumPy's dozen
small passes per window offset held the GIL that the other worker needed between its batch
steps (skip-gram windows of 2,728 tokens: ~390 us a chunk in NumPy, 70 in one pass).

Used when ``backend.jit_available()``; compiled on first use.
"""

from __future__ import annotations

from typing import Any

from ..backend import LazyKernel, np


def _pairs(sids, eff, window, values, centres, contexts):  # pragma: no cover
    """Pairs (centre i, context i + o) and (i + o, i) for o = 1 ... window inside one
    sentence, where the centre's effective window ``eff`` reaches o, as ``values`` of the
    positions: written to ``centres`` / ``contexts`` offset by offset, the rightward pairs of
    an offset before its leftward ones (NumPy's order); returns how many."""
    n = sids.shape[0]
    m = 0
    for o in range(1, min(window, n - 1) + 1):
        for i in range(n - o):  # written every time, kept when valid: no branch
            centres[m] = values[i]
            contexts[m] = values[i + o]
            m += (sids[i] == sids[i + o]) & (eff[i] >= o)
        for i in range(n - o):
            centres[m] = values[i + o]
            contexts[m] = values[i]
            m += (sids[i] == sids[i + o]) & (eff[i + o] >= o)
    return m


def _contexts(sids, eff, window, values, ctx, mask):  # pragma: no cover
    """Row i of ``ctx`` / ``mask``: the values of positions i + o for o = -window ... -1,
    1 ... window (of position 0 where i + o lies outside the chunk), valid where inside, in
    i's sentence and within i's effective window; returns how many rows have no valid
    context."""
    n = sids.shape[0]
    lonely = 0
    for i in range(n):
        s = sids[i]
        e = eff[i]
        found = 0
        for j in range(2 * window):
            o = j - window + (j >= window)
            k = i + o
            if k < 0 or k >= n:
                ctx[i, j] = values[0]
                mask[i, j] = False
            else:
                ok = (sids[k] == s) & (e >= abs(o))
                ctx[i, j] = values[k]
                mask[i, j] = ok
                found += ok
        lonely += found == 0
    return lonely


def _negatives(raw, table, out):  # pragma: no cover
    """out[i] = table[(u_i * len(table)) >> 32] for the 32-bit halves u_0, u_1, ... of the
    random 64-bit words ``raw`` (low half first); unsigned 64-bit arithmetic throughout (a
    signed operand would make Numba compute in float64)."""
    size = np.uint64(table.shape[0])
    low, shift = np.uint64(0xFFFFFFFF), np.uint64(32)
    for i in range(out.shape[0]):
        word = raw[i >> 1]
        u = (word >> shift) if i & 1 else (word & low)
        out[i] = table[(u * size) >> shift]


_kernels = (
    LazyKernel(_pairs, exact=True),
    LazyKernel(_contexts, exact=True),
    LazyKernel(_negatives, exact=True),
)


def kernels() -> tuple[Any, Any, Any]:
    """The compiled (pairs, contexts, negatives) kernels."""
    return _kernels
