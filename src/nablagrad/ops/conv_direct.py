"""Stride-1 convolution computed directly by compiled kernels, for 5-wide kernels on few
input channels (both LeNet-5 convolutions, 1 or 3 channel images).

On such a layer im2col's GEMM has a tiny inner dimension (C*KH*KW = 25 for one channel): it
is bound by building and reading the column matrix (KH*KW copies of the input), and OpenBLAS
runs its few-row products far below peak; the row-shift path's products are small too.
Here nothing is unrolled.  Flatten a padded input plane ``x[n, c]`` (Hp rows of Wp) and an
output plane at the same row length: output pixel (i, j) sits at t = i*Wp + j, and kernel tap
(p, q) reads ``x[p*Wp + q + t]``.  So every output pixel of the plane is one run of
L = (OH - 1)*Wp + OW positions (the Wp - OW positions between two rows are computed and
dropped), and

    out[n, o] (t) = sum_{c, p, q} w[o, c, p, q] * x[n, c] (p*Wp + q + t),   t in [0, L)

is a sum of long contiguous multiply-adds, which the compiler vectorises.  The backward is the
same runs read the other way, with the output gradient laid out at the padded width (zeros in
the gaps, 4 zeros either side: ``gm``):

    dW[o, c, p, q] = sum_n sum_t gm[n, o] (t) * x[n, c] (p*Wp + q + t)
    dxpad[n, c] (p*Wp + s) += sum_{o, q} w[o, c, p, q] * gm[n, o] (s - q)

Measured on LeNet-5's 1 -> 6 channel 5x5 layer (batch 64, 1 thread): forward 0.20 ms against
im2col's 0.55, weight gradient 0.17 ms against 0.44 (``benchmarks/bench_conv.py``).  On more
input channels the row-shift path's GEMMs win (the kernels read every input plane once per
output channel), so the choice stops at ``C * KW < 16``, where ``rowshift_pays`` begins.
Needs Numba (``backend.jit_available()``); without it the layer takes im2col as before.
``create_graph`` backward goes through the im2col primitives, as for every path.
"""

from __future__ import annotations

from typing import Any

from ..backend import jit_available, scratch_empty
from ._conv_direct_jit import kernels


def direct_ok(xp: Any, x_shape: tuple, w_shape: tuple, prm: tuple, dtype: Any) -> bool:
    """Whether the direct path applies: compiled kernels available, NumPy float32/float64,
    kernels five wide, stride 1, dilation 1, one group, non-negative padding, non-empty."""
    stride, padding, dilation, groups = prm
    if stride != (1, 1) or dilation != (1, 1) or groups != 1 or len(x_shape) != 4:
        return False
    if w_shape[3] != 5 or xp.__name__ != "numpy" or xp.dtype(dtype) not in (xp.float32, xp.float64):
        return False
    if min(padding[0] + padding[1]) < 0 or not jit_available():
        return False
    hp, wp = x_shape[2] + sum(padding[0]), x_shape[3] + sum(padding[1])
    return hp >= w_shape[2] and wp >= 5 and min(x_shape[0], x_shape[1], w_shape[0]) > 0


def direct_pays(x_shape: tuple, w_shape: tuple, prm: tuple) -> bool:
    """Whether to prefer the direct path (given it applies): 1 to 3 input channels, or up to 8
    with output planes of at least 8x8.  Measured (batch 64, fwd + bwd, ms, 1 thread / 2
    threads; direct, row shift, FFT, im2col): 1->6 28x28 pad 2: 0.54 / 0.51 against at best
    1.21 / 0.93 (im2col); 6->16 14x14: 1.46 / 0.95 against 1.67 / 1.18 (row shift); 8->16
    28x28 pad 2: 9.7 / 5.2 against 10.2 / 6.2 (FFT); 6->16 10x10 (6x6 output): 0.97 / 0.68
    against 0.86 / 0.85 (row shift); 12->16 14x14: 2.8 / 1.6 against 2.6 / 1.8 (FFT, row
    shift); 16->16 14x14 pad 2: 5.8 / 3.2 against 4.6 / 2.9 (FFT)."""
    c = x_shape[1]
    (pt, pb), (pl, pr) = prm[1]
    oh = x_shape[2] + pt + pb - w_shape[2] + 1
    ow = x_shape[3] + pl + pr - w_shape[3] + 1
    return c <= 3 or (c <= 8 and oh * ow >= 64)


class DirectState:
    """What the backward needs: the padded input (contiguous) and the weights."""

    def __init__(self, xpad: Any, w: Any) -> None:
        self.xpad, self.w = xpad, w


def direct_forward(xp: Any, xpad: Any, w: Any) -> tuple:
    """(out (N, O, OH, OW), state) for the stride-1 correlation of padded x with w."""
    dtype = xp.result_type(xpad, w)
    xpad = xp.ascontiguousarray(xpad, dtype=dtype)
    w = xp.ascontiguousarray(w, dtype=dtype)
    n, _, hp, wp = xpad.shape
    o, _, kh, kw = w.shape
    oh, ow = hp - kh + 1, wp - kw + 1
    out = scratch_empty(xp, (n, o, oh, ow), dtype)
    acc = xp.empty((4, (oh - 1) * wp + ow), dtype=dtype)
    kernels()["forward"](xpad, w, out, acc, dtype.type(0))
    return out, DirectState(xpad, w)


def _gradient_runs(xp: Any, g: Any, wp: int) -> Any:
    """g (N, O, OH, OW) at the padded row length Wp, zeros in the gaps and 4 on either side:
    (N, O, OH*Wp + 8)."""
    n, o, oh, ow = g.shape
    gm = xp.zeros((n, o, oh * wp + 8), dtype=g.dtype)
    gm[:, :, 4 : 4 + oh * wp].reshape(n, o, oh, wp)[..., :ow] = g
    return gm


def direct_backward(
    xp: Any, g: Any, state: DirectState, padding: tuple, need_x: bool, need_w: bool
) -> tuple:
    """(dL/dx (N, C, H, W), dL/dW (O, C, KH, KW)) from g (N, O, OH, OW); None where not needed."""
    xpad, w = state.xpad, state.w
    n, c, hp, wp = xpad.shape
    gm = _gradient_runs(xp, xp.asarray(g, dtype=xpad.dtype), wp)
    zero = xpad.dtype.type(0)
    gx = gw = None
    if need_w:
        gw = xp.empty(w.shape, dtype=xpad.dtype)
        kernels()["weight_grad"](xpad, gm, gw, zero)
    if need_x:
        (pt, pb), (pl, pr) = padding
        gx = scratch_empty(xp, (n, c, hp - pt - pb, wp - pl - pr), xpad.dtype)
        acc = xp.empty(hp * wp, dtype=xpad.dtype)
        kernels()["input_grad"](gm, w, gx, acc, pt, pl, wp, zero)
    return gx, gw
