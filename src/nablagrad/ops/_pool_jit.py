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

import numpy as np

from ..backend import LazyKernel, jitable, prefer_wide_vectors


def _max_forward(x: Any, out: Any, idx: Any) -> None:
    """out (N, C, OH, OW) = the maximum of each 2x2 window of x, idx (uint8) = its position
    0..3 in row-major order.  As torch's CPU kernel: a later value replaces the running
    maximum when it is greater or NaN (ties keep the first, a NaN window gives its last NaN).

    The position is computed after the maximum, without a branch: the first value equal to
    it, or the last NaN when it is NaN (the two agree with the running rule: a value equal to
    the maximum never replaced an earlier one).  Picked along with the maximum (``k = 1 if
    take else k``), the compiler turned the picks into branches, which random data
    mispredicts half the time: 64x6x28x28 took 1.10 ms against 0.28 now on the 2-vCPU AMD
    EPYC (AVX2), where rows of 14 outputs are too short for the vectorised loop."""
    prefer_wide_vectors()
    n_, c_, oh, ow = out.shape
    for n in range(n_):
        for c in range(c_):
            for i in range(oh):
                top, bottom = x[n, c, 2 * i], x[n, c, 2 * i + 1]
                dst, arg = out[n, c, i], idx[n, c, i]
                for j in range(ow):
                    a, b = top[2 * j], top[2 * j + 1]
                    d, e = bottom[2 * j], bottom[2 * j + 1]
                    best = b if (b > a) | (b != b) else a
                    best = d if (d > best) | (d != d) else best
                    best = e if (e > best) | (e != e) else best
                    dst[j] = best
                    # the first position equal to the maximum: 0, 1, 2, else 3
                    not0, not1, not2 = np.int32(a != best), np.int32(b != best), np.int32(d != best)
                    first = not0 * (1 + not1 * (1 + not2))
                    # the last NaN: 3, 2, 1, else 0
                    n1, n2, n3 = np.int32(b != b), np.int32(d != d), np.int32(e != e)
                    last_nan = 3 * n3 + (1 - n3) * (2 * n2 + (1 - n2) * n1)
                    nan = np.int32(best != best)
                    arg[j] = np.uint8(first + nan * (last_nan - first))


def _max_scatter(g: Any, idx: Any, gx: Any, negative_zero: Any) -> None:
    """gx[window position idx] = g, zero elsewhere (gx's rows and columns past the windows
    are the caller's).  ``g`` and ``gx`` are integer views of the float arrays (int32 for
    float32, int64 for float64): each position takes g's bits masked by whether it is the
    window's maximum, so there is no branch and no arithmetic on the values (inf and NaN
    gradients land where they belong).  A gradient of -0.0 (``negative_zero``: its bits)
    lands as +0.0, as torch's backward adds it to zeros.  With ``v if k == 0 else 0.0`` the
    compiler branched: 64x6x28x28 took 0.56 ms against 0.12 now (AMD EPYC, AVX2)."""
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
                    v = v & -np.int32(v != negative_zero)
                    k = np.int32(arg[j])
                    top[2 * j] = v & -np.int32(k == 0)
                    top[2 * j + 1] = v & -np.int32(k == 1)
                    bottom[2 * j] = v & -np.int32(k == 2)
                    bottom[2 * j + 1] = v & -np.int32(k == 3)


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
    value replaces the running maximum when greater or NaN).  The position comes from a
    second pass over the window, in integer arithmetic: the first value equal to the maximum,
    or the last NaN (as ``_max_forward``; picked along with the maximum, the compiler
    branched: 3x3 windows with stride 3 on 64x16x28x28, 4.1 -> 2.8 ms on the AMD EPYC)."""
    prefer_wide_vectors()
    n_, c_, oh, ow = out.shape
    for n in range(n_):
        for c in range(c_):
            plane = xpad[n, c]
            for i in range(oh):
                dst, arg = out[n, c, i], idx[n, c, i]
                for j in range(ow):
                    best = plane[i * sh, j * sw]
                    for p in range(kh):
                        row = i * sh + p * dh
                        for q in range(kw):
                            v = plane[row, j * sw + q * dw]
                            best = v if (v > best) | (v != v) else best
                    dst[j] = best
                    first = found = last_nan = 0
                    for p in range(kh):
                        row = i * sh + p * dh
                        for q in range(kw):
                            v = plane[row, j * sw + q * dw]
                            position = p * kw + q
                            hit = np.int64(v == best) * (1 - found)
                            first += hit * position
                            found += hit
                            last_nan += np.int64(v != v) * (position - last_nan)
                    arg[j] = first + np.int64(best != best) * (last_nan - first)


def _pick(hb: Any, ha: Any, j: int, v: Any, position: Any) -> None:
    """hb[j], ha[j] = v, position where v replaces the running maximum hb[j] by torch's rule."""
    best = hb[j]
    take = (v > best) | (v != v)
    hb[j] = v if take else best
    ha[j] = position if take else ha[j]


_pick = jitable(_pick)


def _max_forward_separable(
    xpad: Any,
    out: Any,
    idx: Any,
    hbuf: Any,
    harg: Any,
    kh: int,
    kw: int,
    sh: int,
    sw: int,
    dh: int,
    dw: int,
) -> None:
    """``_max_forward_general`` for a horizontal stride ``sw`` of 1 or 2 (GoogLeNet's 3x3
    pooling with stride 1; ResNet's, GoogLeNet's and AlexNet's with stride 2), separably: the
    maximum of every padded row over the KW window columns (``hbuf``, its column in
    ``harg``: one plane's worth each), then of those over the KH rows.  Picking per row and
    then across rows by the same rule is torch's pick in row-major order (ties: the first
    row, then its first column; NaN: the last row, then its last column).  The literal
    strides let the compiler vectorise the row pass: stride 2 2.7x the general kernel; stride
    1, 3x3 windows padded by 1 on 64x64x16x16, 37 -> 8-11 ms (PyTorch's forward: 28-40 ms;
    AMD EPYC)."""
    prefer_wide_vectors()
    n_, c_, oh, ow = out.shape
    hp = xpad.shape[2]
    for n in range(n_):
        for c in range(c_):
            plane = xpad[n, c]
            for r in range(hp):
                row, hb, ha = plane[r], hbuf[r], harg[r]
                if sw == 1:
                    for j in range(ow):
                        hb[j] = row[j]
                else:
                    for j in range(ow):
                        hb[j] = row[2 * j]
                ha[:] = 0
                for q in range(1, kw):
                    shifted = row[q * dw :]
                    if sw == 1:
                        for j in range(ow):
                            _pick(hb, ha, j, shifted[j], q)
                    else:
                        for j in range(ow):
                            _pick(hb, ha, j, shifted[2 * j], q)
            for i in range(oh):
                dst, arg = out[n, c, i], idx[n, c, i]
                dst[:] = hbuf[i * sh]
                arg[:] = harg[i * sh]
                for p in range(1, kh):
                    hb, ha = hbuf[i * sh + p * dh], harg[i * sh + p * dh]
                    for j in range(ow):
                        _pick(dst, arg, j, hb[j], p * kw + ha[j])


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
max_forward_separable = LazyKernel(_max_forward_separable)
max_scatter_general = LazyKernel(_max_scatter_general)
