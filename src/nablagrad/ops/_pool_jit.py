"""Compiled kernels of 2x2 non-overlapping pooling (``pool_2x2``): Numba, float32/float64.

One pass over the input per call: each output pixel reads its window's four values (two
from each of two input rows) and the backward writes all four positions of each window, so
nothing is written twice and no temporaries are made.  Compiled on first use through
``backend.njit``; the caller checks ``backend.jit_available()``.
"""

from __future__ import annotations

import threading
from typing import Any

from ..backend import njit


def _max_forward(x: Any, out: Any, idx: Any) -> None:
    """out (N, C, OH, OW) = the maximum of each 2x2 window of x, idx (uint8) = its position
    0..3 in row-major order.  As torch's CPU kernel: a later value replaces the running
    maximum when it is greater or NaN (ties keep the first, a NaN window gives its last NaN)."""
    n_, c_, oh, ow = out.shape
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                top, bottom = x[n, c, 2 * i], x[n, c, 2 * i + 1]
                dst, arg = out[n, c, i], idx[n, c, i]
                for j in range(ow):
                    best, k = top[2 * j], 0
                    v = top[2 * j + 1]
                    take = v > best or v != v
                    best, k = (v, 1) if take else (best, k)
                    v = bottom[2 * j]
                    take = v > best or v != v
                    best, k = (v, 2) if take else (best, k)
                    v = bottom[2 * j + 1]
                    take = v > best or v != v
                    best, k = (v, 3) if take else (best, k)
                    dst[j] = best
                    arg[j] = k


def _max_scatter(g: Any, idx: Any, gx: Any) -> None:
    """gx[window position idx] = g, zero elsewhere (gx's rows and columns past the windows
    are the caller's)."""
    n_, c_, oh, ow = g.shape
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                top = gx[n, c, 2 * i]
                bottom = gx[n, c, 2 * i + 1]
                src = g[n, c, i]
                arg = idx[n, c, i]
                for j in range(ow):
                    v = src[j]
                    k = arg[j]
                    top[2 * j] = v if k == 0 else 0.0
                    top[2 * j + 1] = v if k == 1 else 0.0
                    bottom[2 * j] = v if k == 2 else 0.0
                    bottom[2 * j + 1] = v if k == 3 else 0.0


def _avg_forward(x: Any, out: Any, scale: Any) -> None:
    """out = (x00 + x01 + (x10 + x11)) * scale over each 2x2 window (the NumPy path's order)."""
    n_, c_, oh, ow = out.shape
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                top, bottom = x[n, c, 2 * i], x[n, c, 2 * i + 1]
                dst = out[n, c, i]
                for j in range(ow):
                    dst[j] = (
                        top[2 * j] + top[2 * j + 1] + (bottom[2 * j] + bottom[2 * j + 1])
                    ) * scale


def _avg_scatter(g: Any, gx: Any, scale: Any) -> None:
    """Every position of each 2x2 window of gx = g * scale."""
    n_, c_, oh, ow = g.shape
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                top, bottom = gx[n, c, 2 * i], gx[n, c, 2 * i + 1]
                src = g[n, c, i]
                for j in range(ow):
                    v = src[j] * scale
                    top[2 * j] = v
                    top[2 * j + 1] = v
                    bottom[2 * j] = v
                    bottom[2 * j + 1] = v


_compiled: dict[str, Any] = {}
_compiling = threading.Lock()  # batch shards on several threads may ask first at once


def kernels() -> dict[str, Any]:
    """The compiled kernels ("max_forward", "max_scatter", "avg_forward", "avg_scatter")."""
    with _compiling:
        if not _compiled:
            _compiled["max_forward"] = njit(_max_forward)
            _compiled["max_scatter"] = njit(_max_scatter)
            _compiled["avg_forward"] = njit(_avg_forward)
            _compiled["avg_scatter"] = njit(_avg_scatter)
    return _compiled
