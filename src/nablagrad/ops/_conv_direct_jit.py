"""Compiled kernels of the direct convolution path (``conv_direct``): Numba, float32/float64.

Every channel is one flat run over the whole batch (see ``conv_direct``): row ``c`` of ``xc``
holds the padded planes of every image back to back (rows ``wp`` long), so kernel tap (p, q)
adds ``w[p, q] * xc[c, p*wp + q + t]`` to ``acc[o, t]`` for every position ``t`` of the run: the
innermost loops are long, contiguous and vectorised.  The five taps of a kernel row are one
statement (one read-modify-write of the accumulator per five multiply-adds), so the kernels
take kernels five wide; four output channels (input channels for the input gradient) share
each read of the run, in tiles of ``tile`` positions that keep the four accumulators in
cache; the weight gradient takes four output channels per pass, then two.
Compiled on first use through ``backend.njit``; the caller checks ``backend.jit_available()``.
"""

from __future__ import annotations

import threading
from typing import Any

from ..backend import njit


def _forward(xc: Any, w: Any, acc: Any, wp: int, tile: int, zero: Any) -> None:
    """acc[o, t] = sum over c, p, q of w[o, c, p, q] * xc[c, p*wp + q + t], t < acc.shape[1].

    ``xc`` (C, T + slack) with at least (KH - 1)*wp + 4 readable positions after the run."""
    c_ = xc.shape[0]
    o_, _, kh_, _ = w.shape
    run = acc.shape[1]
    for t0 in range(0, run, tile):
        n = min(tile, run - t0)
        o = 0
        while o < o_:
            block = 4 if o + 4 <= o_ else 1
            a0 = acc[o, t0 : t0 + n]
            a1 = acc[o + block - 3, t0 : t0 + n] if block == 4 else a0
            a2 = acc[o + block - 2, t0 : t0 + n] if block == 4 else a0
            a3 = acc[o + block - 1, t0 : t0 + n] if block == 4 else a0
            for t in range(n):
                a0[t] = zero
                a1[t] = zero
                a2[t] = zero
                a3[t] = zero
            for c in range(c_):
                for p in range(kh_):
                    r = xc[c, t0 + p * wp : t0 + p * wp + n + 4]
                    w0 = w[o, c, p]
                    if block == 4:
                        w1, w2, w3 = w[o + 1, c, p], w[o + 2, c, p], w[o + 3, c, p]
                        for t in range(n):
                            x0, x1, x2, x3, x4 = r[t], r[t + 1], r[t + 2], r[t + 3], r[t + 4]
                            a0[t] += w0[0] * x0 + w0[1] * x1 + w0[2] * x2 + w0[3] * x3 + w0[4] * x4
                            a1[t] += w1[0] * x0 + w1[1] * x1 + w1[2] * x2 + w1[3] * x3 + w1[4] * x4
                            a2[t] += w2[0] * x0 + w2[1] * x1 + w2[2] * x2 + w2[3] * x3 + w2[4] * x4
                            a3[t] += w3[0] * x0 + w3[1] * x1 + w3[2] * x2 + w3[3] * x3 + w3[4] * x4
                    else:
                        for t in range(n):
                            a0[t] += (
                                w0[0] * r[t]
                                + w0[1] * r[t + 1]
                                + w0[2] * r[t + 2]
                                + w0[3] * r[t + 3]
                                + w0[4] * r[t + 4]
                            )
            o += block


def _weight_grad(xc: Any, gm: Any, start: int, run: int, dw: Any, wp: int, zero: Any) -> None:
    """dw[o, c, p, q] = sum over t < run of gm[o, start + t] * xc[c, p*wp + q + t].

    ``gm`` holds the output gradient at the run's positions (zeros where no output pixel is)
    from column ``start`` on.  Four output channels at a time share the reads of xc (twenty
    sums per pass), the rest two at a time (``_weight_grad_pair``)."""
    c_ = xc.shape[0]
    o_, _, kh_, _ = dw.shape
    o = 0
    while o + 4 <= o_:
        g0, g1 = gm[o, start : start + run], gm[o + 1, start : start + run]
        g2, g3 = gm[o + 2, start : start + run], gm[o + 3, start : start + run]
        for c in range(c_):
            for p in range(kh_):
                r = xc[c, p * wp : p * wp + run + 4]
                a0, a1, a2, a3, a4 = zero, zero, zero, zero, zero
                b0, b1, b2, b3, b4 = zero, zero, zero, zero, zero
                c0, c1, c2, c3, c4 = zero, zero, zero, zero, zero
                d0, d1, d2, d3, d4 = zero, zero, zero, zero, zero
                for t in range(run):
                    x0, x1, x2, x3, x4 = r[t], r[t + 1], r[t + 2], r[t + 3], r[t + 4]
                    u, v, y, z = g0[t], g1[t], g2[t], g3[t]
                    a0, a1, a2, a3, a4 = (
                        a0 + u * x0,
                        a1 + u * x1,
                        a2 + u * x2,
                        a3 + u * x3,
                        a4 + u * x4,
                    )
                    b0, b1, b2, b3, b4 = (
                        b0 + v * x0,
                        b1 + v * x1,
                        b2 + v * x2,
                        b3 + v * x3,
                        b4 + v * x4,
                    )
                    c0, c1, c2, c3, c4 = (
                        c0 + y * x0,
                        c1 + y * x1,
                        c2 + y * x2,
                        c3 + y * x3,
                        c4 + y * x4,
                    )
                    d0, d1, d2, d3, d4 = (
                        d0 + z * x0,
                        d1 + z * x1,
                        d2 + z * x2,
                        d3 + z * x3,
                        d4 + z * x4,
                    )
                dw[o, c, p, 0], dw[o, c, p, 1], dw[o, c, p, 2] = a0, a1, a2
                dw[o, c, p, 3], dw[o, c, p, 4] = a3, a4
                dw[o + 1, c, p, 0], dw[o + 1, c, p, 1], dw[o + 1, c, p, 2] = b0, b1, b2
                dw[o + 1, c, p, 3], dw[o + 1, c, p, 4] = b3, b4
                dw[o + 2, c, p, 0], dw[o + 2, c, p, 1], dw[o + 2, c, p, 2] = c0, c1, c2
                dw[o + 2, c, p, 3], dw[o + 2, c, p, 4] = c3, c4
                dw[o + 3, c, p, 0], dw[o + 3, c, p, 1], dw[o + 3, c, p, 2] = d0, d1, d2
                dw[o + 3, c, p, 3], dw[o + 3, c, p, 4] = d3, d4
        o += 4
    for oa in range(o, o_, 2):
        _weight_grad_pair(xc, gm, start, run, dw, wp, zero, oa, min(oa + 1, o_ - 1))


def _weight_grad_pair(
    xc: Any, gm: Any, start: int, run: int, dw: Any, wp: int, zero: Any, oa: int, ob: int
) -> None:
    """``_weight_grad`` for output channels ``oa`` and ``ob`` (ten sums per pass; ``ob`` may
    equal ``oa``, which is then written once)."""
    c_ = xc.shape[0]
    kh_ = dw.shape[2]
    ga = gm[oa, start : start + run]
    gb = gm[ob, start : start + run]
    for c in range(c_):
        for p in range(kh_):
            r = xc[c, p * wp : p * wp + run + 4]
            a0, a1, a2, a3, a4 = zero, zero, zero, zero, zero
            b0, b1, b2, b3, b4 = zero, zero, zero, zero, zero
            for t in range(run):
                x0, x1, x2, x3, x4 = r[t], r[t + 1], r[t + 2], r[t + 3], r[t + 4]
                u, v = ga[t], gb[t]
                a0, a1, a2, a3, a4 = a0 + u * x0, a1 + u * x1, a2 + u * x2, a3 + u * x3, a4 + u * x4
                b0, b1, b2, b3, b4 = b0 + v * x0, b1 + v * x1, b2 + v * x2, b3 + v * x3, b4 + v * x4
            dw[oa, c, p, 0], dw[oa, c, p, 1], dw[oa, c, p, 2] = a0, a1, a2
            dw[oa, c, p, 3], dw[oa, c, p, 4] = a3, a4
            if ob != oa:
                dw[ob, c, p, 0], dw[ob, c, p, 1], dw[ob, c, p, 2] = b0, b1, b2
                dw[ob, c, p, 3], dw[ob, c, p, 4] = b3, b4


def _input_grad(gm: Any, start: int, w: Any, dxc: Any, wp: int, tile: int, zero: Any) -> None:
    """dxc[c, s] = sum over o, p, q of w[o, c, p, q] * gm[o, start + s - p*wp - q]: the
    gradient of every padded input position s (the forward's taps read the other way).

    ``start`` >= (KH - 1)*wp + 4 zeros precede the gradient in each row of ``gm``."""
    o_ = gm.shape[0]
    _, c_, kh_, _ = w.shape
    run = dxc.shape[1]
    for s0 in range(0, run, tile):
        n = min(tile, run - s0)
        c = 0
        while c < c_:
            block = 4 if c + 4 <= c_ else 1
            d0 = dxc[c, s0 : s0 + n]
            d1 = dxc[c + block - 3, s0 : s0 + n] if block == 4 else d0
            d2 = dxc[c + block - 2, s0 : s0 + n] if block == 4 else d0
            d3 = dxc[c + block - 1, s0 : s0 + n] if block == 4 else d0
            for s in range(n):
                d0[s] = zero
                d1[s] = zero
                d2[s] = zero
                d3[s] = zero
            for o in range(o_):
                for p in range(kh_):
                    base = start + s0 - p * wp - 4
                    g = gm[o, base : base + n + 4]  # g[s + 4 - q] is gm[o, start + s - p*wp - q]
                    w0 = w[o, c, p]
                    if block == 4:
                        w1, w2, w3 = w[o, c + 1, p], w[o, c + 2, p], w[o, c + 3, p]
                        for s in range(n):
                            g4, g3, g2, g1, g0 = g[s], g[s + 1], g[s + 2], g[s + 3], g[s + 4]
                            d0[s] += w0[0] * g0 + w0[1] * g1 + w0[2] * g2 + w0[3] * g3 + w0[4] * g4
                            d1[s] += w1[0] * g0 + w1[1] * g1 + w1[2] * g2 + w1[3] * g3 + w1[4] * g4
                            d2[s] += w2[0] * g0 + w2[1] * g1 + w2[2] * g2 + w2[3] * g3 + w2[4] * g4
                            d3[s] += w3[0] * g0 + w3[1] * g1 + w3[2] * g2 + w3[3] * g3 + w3[4] * g4
                    else:
                        for s in range(n):
                            d0[s] += (
                                w0[0] * g[s + 4]
                                + w0[1] * g[s + 3]
                                + w0[2] * g[s + 2]
                                + w0[3] * g[s + 1]
                                + w0[4] * g[s]
                            )
            c += block


_compiled: dict[str, Any] = {}
_compiling = threading.Lock()  # batch shards on several threads may ask first at once


def kernels() -> dict[str, Any]:
    """The compiled kernels ("forward", "weight_grad", "input_grad"), compiled on first use.
    ``_weight_grad_pair``, which the weight gradient calls, is compiled first and takes its own
    name's place in this module (compiled code calls only compiled functions)."""
    global _weight_grad_pair
    with _compiling:
        if not _compiled:
            _weight_grad_pair = njit(_weight_grad_pair)
            _compiled["forward"] = njit(_forward)
            _compiled["weight_grad"] = njit(_weight_grad)
            _compiled["input_grad"] = njit(_input_grad)
    return _compiled
