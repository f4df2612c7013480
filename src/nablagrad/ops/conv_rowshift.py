"""Stride-1 convolution as KH accumulated GEMMs over a width-unrolled input ("row shift").

im2col copies every input pixel KH*KW times into its column matrix.  Unrolling only along the
width copies it KW times: with the padded input ``xpad`` (N, C, Hp, Wp) laid out as

    U[(c, q), (y, n, j)] = xpad[n, c, y, j + q]        (C*KW rows, Hp*N*OW columns)

kernel row ``p`` of the correlation reads the same matrix ``p`` image rows further on, i.e.
the column window starting at ``p*N*OW`` (one contiguous range of columns, because the image
row ``y`` is the slowest column index).  So, with ``W_p[o, (c, q)] = w[o, c, p, q]``,

    Y (O, OH*N*OW) = sum_p W_p @ U[:, p*N*OW : (p + OH)*N*OW]

is KH GEMMs that read their windows in place and accumulate into Y (BLAS ``beta = 1``, through
``backend.gemm_``), followed by one transposed copy to NCHW (with the bias added).  The
backward is the transposed map: with G = g laid out like Y,

    dW_p = G @ U_p^T                       (one GEMM per kernel row)
    dU[:, p-window] += W_p^T @ G           (KH accumulated GEMMs into a zeroed tail)
    dx[n, c, y, j + q] += dU[(c, q), (y, n, j)]   (KW strided additions; then crop)

Same multiplications as im2col, a column matrix KH times smaller to build (and, for the input
gradient, to add back), and products with the whole batch in one dimension.  Used where
``conv.choose_path`` measured it faster (5x5 kernels on few channels); ``create_graph``
backward goes through the im2col primitives, as for every path.
"""

from __future__ import annotations

from typing import Any

from ..backend import gemm_, gemm_available, scratch_empty


def rowshift_pays(x_shape: tuple, w_shape: tuple, prm: tuple, fft_ns: float | None) -> bool:
    """Whether to prefer the row-shift path (given it applies): kernels of 5x5 and up with at
    least 16 unrolled rows C*KW (below that the weight-gradient GEMMs, a few rows by a few
    columns over the whole batch, run far below peak: measured), and an estimated cost under
    the FFT path's (``fft_ns``, None where FFT does not apply)."""
    n, c, h, w = x_shape
    o, _, kh, kw = w_shape
    if kh * kw < 25 or c * kw < 16:
        return False
    hp, wp = h + sum(prm[1][0]), w + sum(prm[1][1])
    oh, ow = hp - kh + 1, wp - kw + 1
    # same single-core calibration as conv_fft.fft_conv_ok's: GEMM flops plus the unrolling
    cost = 2 * n * o * c * kh * kw * oh * ow / 45.0 + 0.4 * n * c * kw * hp * ow
    return fft_ns is None or cost < fft_ns


def rowshift_ok(xp: Any, x_shape: tuple, w_shape: tuple, prm: tuple, dtype: Any) -> bool:
    """Whether the row-shift path applies: NumPy float32/float64 with a BLAS ``?gemm`` bound,
    stride 1, dilation 1, one group, non-negative padding, a non-empty output."""
    stride, padding, dilation, groups = prm
    if stride != (1, 1) or dilation != (1, 1) or groups != 1 or len(x_shape) != 4:
        return False
    if xp.__name__ != "numpy" or xp.dtype(dtype) not in (xp.float32, xp.float64):
        return False
    if min(padding[0] + padding[1]) < 0 or not gemm_available(dtype):
        return False
    hp, wp = x_shape[2] + sum(padding[0]), x_shape[3] + sum(padding[1])
    return hp >= w_shape[2] and wp >= w_shape[3] and x_shape[0] > 0


class RowShiftState:
    """What the backward needs: the unrolled input U and the per-row kernels W_p."""

    def __init__(self, u: Any, wrows: Any, x_shape: tuple, w_shape: tuple) -> None:
        self.u, self.wrows, self.x_shape, self.w_shape = u, wrows, x_shape, w_shape


def rowshift_forward(xp: Any, xpad: Any, w: Any) -> tuple:
    """(out (N, O, OH, OW) contiguous, state) for the stride-1 correlation of padded x with w."""
    n, c, hp, wp = xpad.shape
    o, _, kh, kw = w.shape
    oh, ow = hp - kh + 1, wp - kw + 1
    dtype = xpad.dtype
    u = scratch_empty(xp, (c, kw, hp, n, ow), dtype)
    xt = xpad.transpose(1, 2, 0, 3)  # C, Hp, N, Wp
    for q in range(kw):
        u[:, q] = xt[:, :, :, q : q + ow]
    u2 = u.reshape(c * kw, hp * n * ow)
    wrows = xp.ascontiguousarray(w.transpose(2, 0, 1, 3), dtype=dtype).reshape(kh, o, c * kw)
    step, cols = n * ow, oh * n * ow
    y = scratch_empty(xp, (o, cols), dtype)
    for p in range(kh):
        gemm_(y, wrows[p], u2[:, p * step : p * step + cols], beta=0.0 if p == 0 else 1.0)
    out = scratch_empty(xp, (n, o, oh, ow), dtype)
    out[...] = y.reshape(o, oh, n, ow).transpose(2, 0, 1, 3)
    return out, RowShiftState(u, wrows, xpad.shape, w.shape)


def rowshift_backward(
    xp: Any, g: Any, state: RowShiftState, padding: tuple, need_x: bool, need_w: bool
) -> tuple:
    """(dL/dx (N, C, H, W), dL/dW (O, C, KH, KW)) from g (N, O, OH, OW); None where not needed."""
    n, c, hp, wp = state.x_shape
    o, _, kh, kw = state.w_shape
    oh, ow = hp - kh + 1, wp - kw + 1
    dtype = state.u.dtype
    step, cols = n * ow, oh * n * ow
    gt = scratch_empty(xp, (o, oh, n, ow), dtype)
    gt[...] = g.transpose(1, 2, 0, 3)
    g2 = gt.reshape(o, cols)
    u2 = state.u.reshape(c * kw, hp * n * ow)
    gx = gw = None
    if need_w:
        dw = xp.empty((kh, o, c * kw), dtype=dtype)
        for p in range(kh):
            gemm_(dw[p], g2, u2[:, p * step : p * step + cols].T)
        gw = xp.ascontiguousarray(dw.reshape(kh, o, c, kw).transpose(1, 2, 0, 3))
    if need_x:
        du = scratch_empty(xp, (c * kw, hp * step), dtype)
        du[:, cols:] = 0  # the rows only later kernel rows reach
        for p in range(kh):
            gemm_(du[:, p * step : p * step + cols], state.wrows[p].T, g2, beta=float(p > 0))
        du5 = du.reshape(c, kw, hp, n, ow)
        dxt = scratch_empty(xp, (c, hp, n, wp), dtype)  # C, Hp, N, Wp
        dxt[..., ow:] = 0
        dxt[..., :ow] = du5[:, 0]
        for q in range(1, kw):
            dxt[..., q : q + ow] += du5[:, q]
        (pt, pb), (pl, pr) = padding
        gx = scratch_empty(xp, (n, c, hp - pt - pb, wp - pl - pr), dtype)
        gx[...] = dxt[:, pt : hp - pb, :, pl : wp - pr].transpose(2, 0, 1, 3)
    return gx, gw
