"""Compiled kernels of pooling (``pool_compiled``): Numba, float32/float64.

2x2 windows with stride 2: one pass over the input per call, each output pixel reading its
window's four values (two from each of two input rows), and a backward that writes all four
positions of each window, so nothing is written twice and no temporaries are made.  Max
pooling of any other geometry (overlapping 3x3 windows with stride 2, padding, dilation):
a running maximum over the kernel positions, one output row at a time, and a backward that
adds each output gradient at its window's maximum.  Compiled on first call
(``backend.LazyKernel``); the caller checks ``backend.jit_available()``.
"""

from __future__ import annotations

from typing import Any

from ..backend import LazyKernel, prefer_wide_vectors


def _max_forward(x: Any, out: Any, idx: Any) -> None:
    """out (N, C, OH, OW) = the maximum of each 2x2 window of x, idx (uint8) = its position
    0..3 in row-major order.  As torch's CPU kernel: a later value replaces the running
    maximum when it is greater or NaN (ties keep the first, a NaN window gives its last NaN)."""
    prefer_wide_vectors()
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
    prefer_wide_vectors()
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
    prefer_wide_vectors()
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
    prefer_wide_vectors()
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


def _max_forward_general(
    xpad: Any, out: Any, idx: Any, kh: int, kw: int, sh: int, sw: int, dh: int, dw: int
) -> None:
    """out[n, c, i, j] = the maximum of the window at (i*sh, j*sw) of the padded input (KH x
    KW positions dh, dw apart), idx = its kernel position p*KW + q, by torch's rule (a later
    value replaces the running maximum when greater or NaN), kept in registers per window."""
    prefer_wide_vectors()
    n_, c_, oh, ow = out.shape
    for n in range(n_):
        for c in range(c_):
            plane = xpad[n, c]
            for i in range(oh):
                dst, arg = out[n, c, i], idx[n, c, i]
                for j in range(ow):
                    best, k = plane[i * sh, j * sw], 0
                    for p in range(kh):
                        row = i * sh + p * dh
                        for q in range(kw):
                            v = plane[row, j * sw + q * dw]
                            take = (v > best) | (v != v)  # no branch: random data mispredicts
                            best = v if take else best
                            k = p * kw + q if take else k
                    dst[j] = best
                    arg[j] = k


def _max_forward_stride2(
    xpad: Any, out: Any, idx: Any, hbuf: Any, harg: Any, kh: int, kw: int, sh: int, dh: int, dw: int
) -> None:
    """``_max_forward_general`` for a horizontal stride of 2 (ResNet's, GoogLeNet's and
    AlexNet's pooling), separably: the maximum of every padded row over the KW window columns
    (``hbuf``, its column in ``harg``: one plane's worth each), then of those over the KH rows.
    Picking per row and then across rows by the same rule is torch's pick in row-major order
    (ties: the first row, then its first column; NaN: the last row, then its last column).
    The literal stride lets the compiler vectorise the row pass (2.7x the general kernel)."""
    prefer_wide_vectors()
    n_, c_, oh, ow = out.shape
    hp = xpad.shape[2]
    for n in range(n_):
        for c in range(c_):
            plane = xpad[n, c]
            for r in range(hp):
                row, hb, ha = plane[r], hbuf[r], harg[r]
                for j in range(ow):
                    hb[j] = row[2 * j]
                    ha[j] = 0
                for q in range(1, kw):
                    shifted = row[q * dw :]
                    for j in range(ow):
                        v, best = shifted[2 * j], hb[j]
                        take = (v > best) | (v != v)
                        hb[j] = v if take else best
                        ha[j] = q if take else ha[j]
            for i in range(oh):
                dst, arg = out[n, c, i], idx[n, c, i]
                first, first_arg = hbuf[i * sh], harg[i * sh]
                for j in range(ow):
                    dst[j] = first[j]
                    arg[j] = first_arg[j]
                for p in range(1, kh):
                    hb, ha = hbuf[i * sh + p * dh], harg[i * sh + p * dh]
                    for j in range(ow):
                        v, best = hb[j], dst[j]
                        take = (v > best) | (v != v)
                        dst[j] = v if take else best
                        arg[j] = p * kw + ha[j] if take else arg[j]


def _max_scatter_general(
    g: Any, idx: Any, gxpad: Any, kw: int, sh: int, sw: int, dh: int, dw: int
) -> None:
    """gxpad (zeroed by the caller) += g at each window's maximum (overlapping windows add)."""
    prefer_wide_vectors()
    n_, c_, oh, ow = g.shape
    for n in range(n_):
        for c in range(c_):
            plane = gxpad[n, c]
            for i in range(oh):
                src, arg = g[n, c, i], idx[n, c, i]
                for j in range(ow):
                    k = arg[j]
                    p, q = k // kw, k - (k // kw) * kw
                    plane[i * sh + p * dh, j * sw + q * dw] += src[j]


max_forward = LazyKernel(_max_forward)
max_scatter = LazyKernel(_max_scatter)
avg_forward = LazyKernel(_avg_forward)
avg_scatter = LazyKernel(_avg_scatter)
max_forward_general = LazyKernel(_max_forward_general)
max_forward_stride2 = LazyKernel(_max_forward_stride2)
max_scatter_general = LazyKernel(_max_scatter_general)
