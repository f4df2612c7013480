"""Convolution and pooling primitives (NCHW), vectorised with im2col.

conv2d:  out[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * xpad[n, c, i*s + p*d, j*s + q*d]

Forward gathers every receptive field with ``sliding_window_view`` (a strided view, no Python
loop over pixels), copies it once into a ``(C*KH*KW, N*OH*OW)`` column matrix and multiplies
it by the kernel: one GEMM per sample on a strided ``(N, C*KH*KW, OH*OW)`` view, so the result
is NCHW without a transposed copy (mid-sized products take one big GEMM and a transpose, which
multi-threaded OpenBLAS runs better).  Backward reuses the columns for ``dL/dW = g @ cols^T``
and gets ``dL/dx`` either by col2im (``W^T @ g`` added back onto the input, one strided slice
per kernel position: KH*KW vectorised additions) or, for stride 1 with many input channels, as
a "full" correlation of ``g`` with the flipped kernel (one more im2col + GEMM).  Stride-1,
undilated, ungrouped convolutions for which it is estimated cheaper (larger kernels on many
channels) run instead through real FFTs (``ops.conv_fft``): forward and both gradients are
then per-frequency channel products; stride-1 3x3 kernels on many channels run Winograd's
F(2x2, 3x3) (``ops.conv_winograd``).  ``choose_path`` picks the path, ``conv_path`` forces one.
With ``set_num_threads(n > 1)`` a large convolution is split over the batch into n shards on
the ``parallel`` pool, each with a one-thread BLAS.  Big temporaries come from
``backend.scratch_empty`` (buffers reused across steps, no page faults).

Max pooling keeps the argmax of each window; its backward adds ``g`` at the argmax positions.
Pooling whose windows tile the input (kernel == stride, no padding or dilation) works on the
(N, C, OH, KH, OW, KW) reshape instead: KH*KW strided maxima/sums forward, and per-slot masks
of the first maximum (torch's tie rule) so the backward writes every input element once.

Convolution supports derivatives of any order (``create_graph=True``): its backward is built
from the primitives ``Conv2dInputGrad`` and ``Conv2dWeightGrad``, whose derivatives are again
convolutions; pooling backward is the linear ``PoolScatter`` whose adjoint is ``PoolGather``.

Example:
    >>> import nablagrad as torch
    >>> x = torch.randn(2, 3, 8, 8)
    >>> w = torch.randn(4, 3, 3, 3)
    >>> Conv2dFn.apply(x, w, stride=(1, 1), padding=((1, 1), (1, 1)), dilation=(1, 1),
    ...                groups=1).shape
    nablagrad.Size([2, 4, 8, 8])
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .. import _cuda_kernels, parallel
from ..autograd.function import Function
from ..backend import get_array_module, scratch_empty, single_threaded_blas
from .conv_direct import (
    direct_backward,
    direct_forward,
    direct_ok,
    direct_pays,
    splits_compiled,
    splits_within,
)
from .conv_fft import fft_conv_backward, fft_conv_forward, fft_conv_ok, fft_cost
from .conv_rowshift import rowshift_backward, rowshift_forward, rowshift_ok, rowshift_pays
from .conv_winograd import winograd_backward, winograd_forward, winograd_ok
from .conv_winograd6 import winograd6_backward, winograd6_forward, winograd6_ok
from .pool_compiled import (
    avg_pool_2x2,
    max_pool_2x2,
    max_pool_general,
    max_pool_general_ok,
    max_scatter_general,
    pool_2x2_ok,
)

PATHS = ("im2col", "fft", "winograd", "rowshift", "winograd6", "direct")
_forced: str | None = None


@contextmanager
def conv_path(name: str | None) -> Iterator[None]:
    """Run stride-1 convolutions through one path (one of ``PATHS``; None: the automatic
    choice) inside the block, where that path applies (tests and benchmarks)."""
    global _forced
    if name is not None and name not in PATHS:
        raise ValueError(f"conv_path: unknown path {name!r}: choose one of {PATHS} or None")
    old, _forced = _forced, name
    try:
        yield
    finally:
        _forced = old


def choose_path(xp: Any, x_shape: tuple, w_shape: tuple, prm: tuple, dtype: Any) -> str:
    """The path a convolution of these shapes takes: "winograd6" (F(4x4, 3x3)) for 3x3
    stride-1 kernels on enough channels, "direct" (compiled) for 5-wide kernels on up to 16
    input channels (20 with "same" padding: ``direct_pays``), "rowshift" for 5x5 kernels on
    more channels where ``rowshift_pays``, "fft" where ``fft_conv_ok`` estimates it cheaper
    than im2col, else "im2col" ("winograd", F(2x2, 3x3), only when forced)."""
    if _forced == "winograd" and winograd_ok(xp, x_shape, w_shape, prm, dtype):
        return "winograd"
    if _forced == "fft" and fft_conv_ok(xp, x_shape, w_shape, prm, dtype, force=True):
        return "fft"
    if _forced == "rowshift" and rowshift_ok(xp, x_shape, w_shape, prm, dtype):
        return "rowshift"
    if _forced == "winograd6" and winograd6_ok(xp, x_shape, w_shape, prm, dtype):
        return "winograd6"
    if _forced == "direct" and direct_ok(xp, x_shape, w_shape, prm, dtype):
        return "direct"
    if _forced is not None:
        return "im2col"
    if w_shape[1] >= WINOGRAD_MIN_CHANNELS and tuple(w_shape[2:]) == (3, 3):
        # F(4x4, 3x3) on 6x6 tiles: 4x fewer multiplications than im2col (F(2x2, 3x3): 2.25x)
        # for about the same transform passes; measured faster on every such layer tried with
        # enough output tiles (WINOGRAD_MIN_TILES).  On fewer, im2col (FFT's transforms cost
        # more still)
        if winograd6_ok(xp, x_shape, w_shape, prm, dtype):
            if _winograd6_tiles(x_shape, prm) >= WINOGRAD_MIN_TILES:
                return "winograd6"
            return "im2col"
        if winograd_ok(xp, x_shape, w_shape, prm, dtype):
            return "winograd"
    if direct_ok(xp, x_shape, w_shape, prm, dtype) and direct_pays(x_shape, w_shape, prm[1]):
        return "direct"
    fft = fft_conv_ok(xp, x_shape, w_shape, prm, dtype)
    if rowshift_ok(xp, x_shape, w_shape, prm, dtype) and rowshift_pays(
        x_shape, w_shape, prm, fft_cost(x_shape, w_shape, prm[1]) if fft else None
    ):
        return "rowshift"
    return "fft" if fft else "im2col"


# below this many input channels a 3x3 convolution's im2col GEMM is memory-bound and Winograd's
# transforms (4x the output's size in intermediates) cost more than the multiplications saved.
# Measured (1 thread, fwd + bwd, batch 32): 16->32 16x16 Winograd 2.79 ms against FFT 4.13 and
# im2col 3.62; 24->32 3.97 against 5.68 / 6.42; 8->16: 1.51 against im2col's 1.38
WINOGRAD_MIN_CHANNELS = 16
# Winograd transforms the whole (Cout, Cin, 3, 3) weight to (36, Cout, Cin) on every call; both
# that cost and the saving per 4x4 output tile grow with Cout x Cin, so the break-even is a tile
# count whatever the channels.  Measured on a quiet machine (1 thread, fwd + bwd, im2col vs
# Winograd): 2 x 512 x 1 x 1 (2 tiles) 7.5 vs 59 ms, 8 x 512 x 2 x 2 (8) 12 vs 61 ms,
# 2 x 256 x 16 x 16 (32) 17.2 vs 17.3 ms, 8 x 64 x 8 x 8 (32) 1.70 vs 1.62 ms, 12 x 256 x 8 x 8
# (48) 27 vs 17 ms, 16 x 64 x 8 x 8 (64) 3.2 vs 2.1 ms: from 32 tiles on, Winograd.
WINOGRAD_MIN_TILES = 32


def _winograd6_tiles(x_shape: tuple, prm: tuple) -> int:
    """How many 4x4 output tiles F(4x4, 3x3) computes for a stride-1 3x3 convolution."""
    (pt, pb), (pl, pr) = prm[1]
    oh, ow = x_shape[2] + pt + pb - 2, x_shape[3] + pl + pr - 2
    return x_shape[0] * -(-oh // 4) * -(-ow // 4)


def _windows(xp: Any, x: Any, kernel: tuple, stride: tuple, dilation: tuple) -> Any:
    """View of shape (N, C, OH, OW, KH, KW) with every receptive field of ``x`` (N, C, H, W)."""
    kh, kw = kernel
    (sh, sw), (dh, dw) = stride, dilation
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    win = xp.lib.stride_tricks.sliding_window_view(x, (eh, ew), axis=(2, 3))
    return win[:, :, ::sh, ::sw, ::dh, ::dw]


def _pad(xp: Any, x: Any, padding: tuple, value: float = 0.0) -> Any:
    """x (N, C, H, W) padded by ((top, bottom), (left, right)) with ``value``: one fill and one
    copy of the interior (``xp.pad`` costs several times as much on these small images)."""
    (pt, pb), (pl, pr) = padding
    if not (pt or pb or pl or pr):
        return x
    if min(pt, pb, pl, pr) < 0:
        return xp.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=value)
    n, c, h, w = x.shape
    out = scratch_empty(xp, (n, c, h + pt + pb, w + pl + pr), x.dtype)
    out[:, :, :pt] = value  # the border only: the interior is copied once
    out[:, :, pt + h :] = value
    out[:, :, pt : pt + h, :pl] = value
    out[:, :, pt : pt + h, pl + w :] = value
    out[:, :, pt : pt + h, pl : pl + w] = x
    return out


def _im2col(
    xp: Any, x: Any, kernel: tuple, stride: tuple, dilation: tuple, padding: tuple
) -> tuple:
    """Columns (N, C*KH*KW, OH*OW) of NCHW ``x``: one contiguous copy of the window view."""
    win = _windows(xp, _pad(xp, x, padding), kernel, stride, dilation)  # N, C, OH, OW, KH, KW
    n, c, oh, ow, kh, kw = win.shape
    cols = xp.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3)).reshape(n, c * kh * kw, oh * ow)
    return cols, oh, ow


def _im2col_kn(
    xp: Any, x: Any, kernel: tuple, stride: tuple, dilation: tuple, padding: tuple
) -> tuple:
    """Columns (C*KH*KW, N*OH*OW) of NCHW ``x``: every product below is then one big GEMM."""
    win = _windows(xp, _pad(xp, x, padding), kernel, stride, dilation)  # N, C, OH, OW, KH, KW
    n, c, oh, ow, kh, kw = win.shape
    cols = scratch_empty(xp, (c, kh, kw, n, oh, ow), x.dtype)
    cols[...] = win.transpose(1, 4, 5, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow), oh, ow


def _per_sample(cols: Any, n: int) -> Any:
    """The (N, K, L) per-sample view of (K, N*L) columns (strided: no copy)."""
    return cols.reshape(cols.shape[0], n, -1).transpose(1, 0, 2)


def _per_sample_ok(m: int, k: int, l: int) -> bool:
    """Whether N per-sample GEMMs (M, K) @ (K, L) beat one (M, K) @ (K, N*L) GEMM plus a
    transposed copy.  Single-threaded they always do (no copy; OpenBLAS is slow on the long
    product when M is small); multi-threaded OpenBLAS pays a thread sync per call, which only
    hurts mid-sized products (measured on 2 cores), so those take the one big GEMM."""
    return m * k * l <= 1 << 18 or l >= 512


def _gemm_nml(xp: Any, a: Any, cols: Any, n: int) -> Any:
    """a (M, K) @ cols (K, N*L) laid out (N, M, L) (NCHW for a convolution output)."""
    m, (k, nl) = a.shape[0], cols.shape
    dtype = xp.result_type(a, cols)
    out = scratch_empty(xp, (n, m, nl // n), dtype)
    if _per_sample_ok(m, k, nl // n):
        return xp.matmul(a, _per_sample(cols, n), out=out)
    big = scratch_empty(xp, (m, nl), dtype)
    xp.matmul(a, cols, out=big)
    out[...] = big.reshape(m, n, nl // n).transpose(1, 0, 2)
    return out


def _conv_cols(xp: Any, x: Any, kernel: tuple, prm: tuple) -> tuple:
    """The column matrix of ``x`` in the layout its group count uses, and (OH, OW)."""
    stride, padding, dilation, groups = prm
    if groups == 1:
        cols, oh, ow = _im2col_kn(xp, x, kernel, stride, dilation, padding)
    else:
        cols, oh, ow = _im2col(xp, x, kernel, stride, dilation, padding)
    return cols, (oh, ow)


def _conv_forward_raw(xp: Any, x: Any, w: Any, prm: tuple, cols: Any = None) -> tuple:
    """(out, cols): groups=1 is one GEMM W (O, C*KH*KW) @ cols (C*KH*KW, N*OH*OW) plus one
    transpose to NCHW; groups>1 a batched product on (N, G, Cg*KH*KW, OH*OW) columns."""
    n = x.shape[0]
    o, cg, kh, kw = w.shape
    groups = prm[3]
    if cols is None:
        cols, (oh, ow) = _conv_cols(xp, x, (kh, kw), prm)
    if groups == 1:
        return _gemm_nml(xp, w.reshape(o, cg * kh * kw), cols, n), cols
    og, k = o // groups, cg * kh * kw
    cols_g = cols.reshape(n, groups, k, -1)
    out = xp.matmul(w.reshape(groups, og, k), cols_g).reshape(n, o, -1)
    return out, cols


def _conv_weight_grad_raw(xp: Any, g: Any, cols: Any, wshape: tuple, groups: int) -> Any:
    """dL/dW = g @ cols^T (per group)."""
    n, o = g.shape[:2]
    _, cg, kh, kw = wshape
    if groups == 1:
        # cols @ g^T (K, O), not g @ cols^T: the big dimension K is the GEMM's M (OpenBLAS
        # splits a product with few rows and a long inner dimension badly across threads)
        k, nl = cols.shape
        if _per_sample_ok(o, k, nl // n):  # summed per-sample products: g needs no copy
            gt = g.reshape(n, o, -1).transpose(0, 2, 1)
            return xp.matmul(_per_sample(cols, n), gt).sum(axis=0).T.reshape(wshape)
        g_on = xp.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(o, -1)
        return (cols @ g_on.T).T.reshape(wshape)
    og, k = o // groups, cg * kh * kw
    gg = g.reshape(n, groups, og, -1)
    return xp.einsum("ngol,ngkl->gok", gg, cols.reshape(n, groups, k, -1), optimize=True).reshape(
        wshape
    )


def _conv_input_grad_raw(xp: Any, g: Any, w: Any, pshape: tuple, prm: tuple) -> Any:
    """dL/dx: col2im of W^T g, or (stride 1, many input channels) a full correlation."""
    stride, padding, dilation, groups = prm
    n, o, oh, ow = g.shape
    c = pshape[1]
    _, cg, kh, kw = w.shape
    if groups == 1:
        if stride == (1, 1) and c * oh * ow > 2 * o * pshape[2] * pshape[3]:
            return _input_grad_full_corr(xp, g, w, pshape, padding, dilation)
        wt = w.reshape(o, c * kh * kw).T
        dtype = xp.result_type(g, w)
        if _per_sample_ok(c * kh * kw, o, oh * ow):
            gcols = scratch_empty(xp, (n, c * kh * kw, oh * ow), dtype)
            xp.matmul(wt, g.reshape(n, o, oh * ow), out=gcols)
            gcols = gcols.reshape(n, c, kh, kw, oh, ow)
            return _col2im(xp, gcols, pshape, stride, dilation, padding)
        g_on = xp.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(o, n * oh * ow)
        gcols = scratch_empty(xp, (c * kh * kw, n * oh * ow), dtype)
        xp.matmul(wt, g_on, out=gcols)
        gcols = gcols.reshape(c, kh, kw, n, oh, ow)
        return _col2im_cn(xp, gcols, pshape, stride, dilation, padding)
    og, k = o // groups, cg * kh * kw
    wg = w.reshape(groups, og, k).transpose(0, 2, 1)
    gcols = xp.matmul(wg, g.reshape(n, groups, og, oh * ow)).reshape(n, c, kh, kw, oh, ow)
    return _col2im(xp, gcols, pshape, stride, dilation, padding)


def _padded_shape(x_shape: tuple, padding: tuple) -> tuple:
    (pt, pb), (pl, pr) = padding
    n, c, h, w = x_shape
    return (n, c, h + pt + pb, w + pl + pr)


class Conv2dFn(Function):
    """2-D cross-correlation with stride, (asymmetric) padding, dilation, groups, bias.

    Backward: dx by col2im (or a full correlation), dW = g @ cols^T, db = sum of g.  Under
    ``create_graph`` the two are the differentiable primitives ``Conv2dInputGrad`` and
    ``Conv2dWeightGrad``, whose own derivatives are again convolutions, so any order works.
    """

    name = "ConvolutionBackward0"  # torch's node

    def forward(
        self, x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1
    ):
        xp = get_array_module(x)
        self.prm = prm = (stride, padding, dilation, groups)
        self.path = path = (
            choose_path(xp, x.shape, w.shape, prm, x.dtype) if x.dtype == w.dtype else "im2col"
        )
        ranges = _shard_ranges(xp, x.shape, w.shape, prm)
        parts, compiled = 1, False
        threads = parallel.compiled_threads() if path == "direct" else 1
        if path == "direct" and splits_compiled(x.shape, w.shape, prm[1], threads):
            ranges, compiled = [(0, x.shape[0])], True  # the kernels split their loops
        elif path == "direct" and splits_within(x.shape, w.shape, prm[1], len(ranges)):
            ranges, parts = [(0, x.shape[0])], len(ranges)  # the threads split rows and channels
        if len(ranges) == 1:
            out, state = _forward_shard(xp, path, x, w, prm, b, parts=parts, compiled=compiled)
            self.states = [state]
        else:
            oh, ow = _out_hw(x.shape, w.shape, prm)
            out = scratch_empty(xp, (x.shape[0], w.shape[0], oh, ow), xp.result_type(x, w))

            def shard(n0: int, n1: int) -> Any:
                # each shard writes its rows of the output with the bias added, on its own
                # thread (LeNet-5's first layer, 2 threads: forward 0.23-0.25 -> 0.22-0.23 ms,
                # with the bias gradient summed per shard fwd + bwd 0.48-0.50 -> 0.46 ms)
                return _forward_shard(xp, path, x[n0:n1], w, prm, b, out[n0:n1])[1]

            self.states = _run_shards(ranges, shard)
        self.ranges = ranges
        return out

    def backward(self, g, out, x, w, b=None):
        gx = gw = gb = None
        if self.m.tensors:  # create_graph: the gradient through the recorded primitives
            if self.needs(0):
                gx = Conv2dInputGrad.apply(
                    g, w, pshape=_padded_shape(x.shape, self.prm[1]), prm=self.prm
                )
            if self.needs(1):
                gw = Conv2dWeightGrad.apply(x, g, wshape=tuple(w.shape), prm=self.prm)
            if b is not None and self.needs(2):
                gb = g.sum((0, 2, 3))
            return (gx, gw) if b is None else (gx, gw, gb)
        xp = get_array_module(g)
        need_x, need_w = self.needs(0), self.needs(1)
        need_b = b is not None and self.needs(2)
        if len(self.ranges) == 1:
            gx, gw, gb = _backward_shard(
                xp, self.path, g, self.states[0], w, x.shape, self.prm, need_x, need_w, need_b
            )
        else:
            if need_x:
                gx = scratch_empty(xp, x.shape, g.dtype)
            states, ranges = self.states, self.ranges

            def shard(n0: int, n1: int) -> Any:
                i = ranges.index((n0, n1))
                gx_s, gw_s, gb_s = _backward_shard(
                    xp,
                    self.path,
                    g[n0:n1],
                    states[i],
                    w,
                    (n1 - n0,) + x.shape[1:],
                    self.prm,
                    need_x,
                    need_w,
                    need_b,
                )
                if need_b and gb_s is None:
                    gb_s = _bias_grad(xp, g[n0:n1])
                if need_x:
                    gx[n0:n1] = gx_s
                return gw_s, gb_s

            parts = _run_shards(ranges, shard)  # the bias gradient summed per shard, too
            if need_w:
                gw = parts[0][0]
                for part in parts[1:]:
                    gw = gw + part[0]
            if need_b:
                gb = parts[0][1]
                for part in parts[1:]:
                    gb = gb + part[1]
            return (gx, gw) if b is None else (gx, gw, gb)
        if need_b and gb is None:
            gb = _bias_grad(xp, g)
        return (gx, gw) if b is None else (gx, gw, gb)


def _bias_grad(xp: Any, g: Any) -> Any:
    """dL/db = g summed over (N, H, W): a matrix-vector product with ones for contiguous float
    NumPy g (3x faster than NumPy's strided reduction), else the plain sum.  The product runs
    on one BLAS thread: it is memory-bound, and a woken OpenBLAS pool spins for ~0.1 s on the
    cores the next layer's batch shards need (the 2-thread CIFAR block of ``bench_conv.py``:
    86 ms with its 64x64x32x32 bias gradient on OpenBLAS's two threads, 64 ms on one)."""
    n, o = g.shape[:2]
    if xp.__name__ != "numpy" or not g.flags.c_contiguous or g.dtype.kind != "f" or not g.size:
        return g.sum(axis=(0, 2, 3))
    ones = xp.ones(g.shape[2] * g.shape[3], dtype=g.dtype)
    with single_threaded_blas():
        return (g.reshape(n * o, -1) @ ones).reshape(n, o).sum(axis=0)


# a convolution is split over the batch between ``parallel`` threads when it has at least this
# many multiply-adds (a hand-off costs tens of microseconds).  Every path is split, each shard
# with NumPy's BLAS on one thread (measured on 2 cores against splitting only the FFT and
# row-shift paths and leaving im2col's and Winograd's GEMMs to the BLAS's threads: LeNet-5 step
# 3.5 vs 4.9 ms, CIFAR block 68 vs 72 ms; the BLAS's spinning workers slowed the split layers)
SHARD_MIN_MACS = 1 << 22
# ... and at least this many per second of a pool hand-off (``parallel.handoff_seconds``): the
# shards' threads take the GIL between their kernels (the direct path's parts make four to six
# calls each), and where a waiting thread is slow to wake every such turn costs a wake-up.  On a
# 2-vCPU VM with ~90 us hand-offs, fwd + bwd on 1 / 2 threads: 6->16 14x14 (15M multiply-adds)
# 1.45 / 1.79 ms, 16->16 14x14 padded (80M) 4.0 / 3.5 ms: the split broke even near 25M
# multiply-adds there, 3e11 per second of hand-off (4.5M where a hand-off takes 15 us)
SHARD_MACS_PER_HANDOFF_SECOND = 3e11


def _out_hw(x_shape: tuple, w_shape: tuple, prm: tuple) -> tuple:
    stride, padding, dilation, _ = prm
    return tuple(
        (x_shape[2 + i] + sum(padding[i]) - dilation[i] * (w_shape[2 + i] - 1) - 1) // stride[i] + 1
        for i in range(2)
    )


def _shard_ranges(xp: Any, x_shape: tuple, w_shape: tuple, prm: tuple) -> list:
    """Contiguous batch ranges, one per thread, when the convolution is worth splitting."""
    oh, ow = _out_hw(x_shape, w_shape, prm)
    o, cg, kh, kw = w_shape
    macs = x_shape[0] * o * cg * kh * kw * oh * ow
    return parallel.batch_ranges(
        xp, x_shape[0], macs, SHARD_MIN_MACS, SHARD_MACS_PER_HANDOFF_SECOND
    )


def _run_shards(ranges: list, fn: Any) -> list:
    """fn(n0, n1) for every range on the ``parallel`` threads, with a one-thread BLAS."""
    with single_threaded_blas():
        return parallel.over_ranges(ranges, fn)


def _forward_shard(
    xp: Any,
    path: str,
    x: Any,
    w: Any,
    prm: tuple,
    b: Any = None,
    out: Any = None,
    parts: int = 1,
    compiled: bool = False,
) -> tuple:
    """(out (N, O, OH, OW) plus the bias ``b`` when given, what the backward needs) by the
    chosen path, written into ``out`` when given (a batch shard's rows of the whole output);
    the direct path's chunked layout splits its work between ``parts`` threads, or with
    ``compiled`` its kernels split their loops between Numba's threads."""
    if path == "direct":  # the kernels add the bias and write into ``out``
        return direct_forward(xp, x, w, prm[1], parts, b, out, compiled)
    if path == "fft":
        o, state = fft_conv_forward(xp, _pad(xp, x, prm[1]), w)
    elif path == "winograd":
        o, state = winograd_forward(xp, _pad(xp, x, prm[1]), w)
    elif path == "rowshift":
        o, state = rowshift_forward(xp, _pad(xp, x, prm[1]), w)
    elif path == "winograd6":
        o, state = winograd6_forward(xp, _pad(xp, x, prm[1]), w)
    else:
        o, state = _conv_forward_raw(xp, x, w, prm)
        o = o.reshape((x.shape[0], w.shape[0]) + _out_hw(x.shape, w.shape, prm))
    if out is None:
        if b is not None:
            o += b[:, None, None]
        return o, state
    if b is None:
        out[...] = o
    else:
        xp.add(o, b[:, None, None], out=out)
    return out, state


def _backward_shard(
    xp: Any,
    path: str,
    g: Any,
    state: Any,
    w: Any,
    x_shape: tuple,
    prm: tuple,
    need_x: bool,
    need_w: bool,
    need_b: bool,
) -> tuple:
    """(dL/dx, dL/dW, dL/db) of one shard; None where not needed, and dL/db only from a path
    that sums it on the way (None: the caller sums ``g``)."""
    if path == "direct":
        return direct_backward(xp, g, state, prm[1], need_x, need_w, need_b)
    if path == "fft":
        return fft_conv_backward(xp, g, state, prm[1], need_x, need_w) + (None,)
    if path == "winograd":
        return winograd_backward(xp, g, state, prm[1], need_x, need_w) + (None,)
    if path == "rowshift":
        return rowshift_backward(xp, g, state, prm[1], need_x, need_w) + (None,)
    if path == "winograd6":
        return winograd6_backward(xp, g, state, prm[1], need_x, need_w) + (None,)
    gx = gw = None
    if need_w:
        gw = _conv_weight_grad_raw(xp, g, state, w.shape, prm[3])
    if need_x:
        gx = _conv_input_grad_raw(xp, g, w, _padded_shape(x_shape, prm[1]), prm)
    return gx, gw, None


def _conv_kwargs(prm: tuple) -> dict:
    stride, padding, dilation, groups = prm
    return dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


class Conv2dInputGrad(Function):
    """gx = conv2d_input_grad(g, W) (a transposed convolution), linear in g and in W.

    d/dg of <gg, gx> = conv2d(gg, W);  d/dW = conv2d_weight_grad(input gg, output grad g).
    """

    def forward(self, g, w, pshape=None, prm=None):
        self.pshape, self.prm = pshape, prm
        return _conv_input_grad_raw(get_array_module(g), g, w, pshape, prm)

    def backward(self, gg, out, g, w):
        dg = dw = None
        if self.m.tensors:
            if self.needs(0):
                dg = Conv2dFn.apply(gg, w, **_conv_kwargs(self.prm))
            if self.needs(1):
                dw = Conv2dWeightGrad.apply(gg, g, wshape=tuple(w.shape), prm=self.prm)
            return dg, dw
        xp = get_array_module(gg)
        cols = _conv_cols(xp, gg, tuple(w.shape[2:]), self.prm)[0]
        if self.needs(0):
            dg = _conv_forward_raw(xp, gg, w, self.prm, cols)[0].reshape(g.shape)
        if self.needs(1):
            dw = _conv_weight_grad_raw(xp, g, cols, w.shape, self.prm[3])
        return dg, dw


class Conv2dWeightGrad(Function):
    """gW = conv2d_weight_grad(x, g), linear in x and in g.

    d/dx of <ggw, gW> = conv2d_input_grad(g, ggw);  d/dg = conv2d(x, ggw).
    """

    def forward(self, x, g, wshape=None, prm=None):
        xp = get_array_module(x)
        self.wshape, self.prm = wshape, prm
        self.cols = _conv_cols(xp, x, tuple(wshape[2:]), prm)[0]
        return _conv_weight_grad_raw(xp, g, self.cols, wshape, prm[3])

    def backward(self, ggw, out, x, g):
        dx = dg = None
        if self.m.tensors:
            if self.needs(0):
                dx = Conv2dInputGrad.apply(
                    g, ggw, pshape=_padded_shape(x.shape, self.prm[1]), prm=self.prm
                )
            if self.needs(1):
                dg = Conv2dFn.apply(x, ggw, **_conv_kwargs(self.prm))
            return dx, dg
        xp = get_array_module(ggw)
        if self.needs(0):
            dx = _conv_input_grad_raw(xp, g, ggw, _padded_shape(x.shape, self.prm[1]), self.prm)
        if self.needs(1):
            dg = _conv_forward_raw(xp, x, ggw, self.prm, self.cols)[0].reshape(g.shape)
        return dx, dg


def _col2im_cn(
    xp: Any, gcols: Any, pshape: tuple, stride: tuple, dilation: tuple, padding: tuple
) -> Any:
    """col2im for gcols (C, KH, KW, N, OH, OW): accumulate in (C, N, H, W), return NCHW."""
    fused = _cuda_kernels.col2im(gcols, pshape, stride, dilation, padding, cn=True)
    if fused is not None:
        return fused
    c, kh, kw, n, oh, ow = gcols.shape
    (sh, sw), (dh, dw) = stride, dilation
    gx = scratch_empty(xp, (c, n, pshape[2], pshape[3]), gcols.dtype)
    gx[...] = 0
    for p in range(kh):
        r0 = p * dh
        for q in range(kw):
            c0 = q * dw
            gx[:, :, r0 : r0 + sh * (oh - 1) + 1 : sh, c0 : c0 + sw * (ow - 1) + 1 : sw] += gcols[
                :, p, q
            ]
    (pt, pb), (pl, pr) = padding
    gx = gx[:, :, pt : pshape[2] - pb, pl : pshape[3] - pr]
    out = scratch_empty(xp, (n, c) + gx.shape[2:], gx.dtype)
    out[...] = gx.transpose(1, 0, 2, 3)
    return out


def _col2im(
    xp: Any, gcols: Any, pshape: tuple, stride: tuple, dilation: tuple, padding: tuple
) -> Any:
    """Add gcols (N, C, KH, KW, OH, OW) back onto the padded input: one strided slice per
    kernel position (KH*KW vectorised additions), then crop the padding."""
    fused = _cuda_kernels.col2im(gcols, pshape, stride, dilation, padding, cn=False)
    if fused is not None:
        return fused
    n, c, kh, kw, oh, ow = gcols.shape
    (sh, sw), (dh, dw) = stride, dilation
    gx = scratch_empty(xp, pshape, gcols.dtype)
    gx[...] = 0
    for p in range(kh):
        r0 = p * dh
        for q in range(kw):
            c0 = q * dw
            gx[:, :, r0 : r0 + sh * (oh - 1) + 1 : sh, c0 : c0 + sw * (ow - 1) + 1 : sw] += gcols[
                :, :, p, q
            ]
    (pt, pb), (pl, pr) = padding
    return gx[:, :, pt : pshape[2] - pb, pl : pshape[3] - pr]


def _input_grad_full_corr(
    xp: Any, g: Any, w: Any, pshape: tuple, padding: tuple, dilation: tuple
) -> Any:
    """dL/dx of a stride-1, groups=1 conv as a "full" correlation of g (padded by the effective
    kernel size - 1) with the flipped, channel-swapped kernel (cheaper than col2im when the
    input has many channels)."""
    _, _, kh, kw = w.shape
    eh, ew = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
    wf = xp.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # C, O, KH, KW
    cols, hh, ww = _im2col_kn(xp, g, (kh, kw), (1, 1), dilation, ((eh, eh), (ew, ew)))
    n, c = g.shape[0], wf.shape[0]
    gxp = _gemm_nml(xp, wf.reshape(c, -1), cols, n).reshape(n, c, hh, ww)
    (pt, pb), (pl, pr) = padding
    return gxp[:, :, pt : pshape[2] - pb, pl : pshape[3] - pr]


def _kernel_slices(kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple) -> list:
    """For each kernel position (p, q): the strided slice of the padded input it sees."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    return [
        (
            slice(p * dh, p * dh + sh * (oh - 1) + 1, sh),
            slice(q * dw, q * dw + sw * (ow - 1) + 1, sw),
        )
        for p in range(kh)
        for q in range(kw)
    ]


def _pool_geometry(
    shape: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple
) -> tuple:
    n, c, h, w = shape
    hp, wp = h + 2 * padding[0], w + 2 * padding[1]
    oh = (hp - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    ow = (wp - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    return (n, c, hp, wp), (oh, ow)


class _PoolPlan:
    """What a pooling backward needs: the kernel slices, shapes, and (max) the argmax slot."""

    def __init__(
        self,
        slices: list,
        pshape: tuple,
        padding: tuple,
        arg: Any,
        div: float,
        compiled: tuple | None = None,
    ) -> None:
        self.slices, self.pshape, self.padding, self.arg, self.div = (
            slices,
            pshape,
            padding,
            arg,
            div,
        )
        self.compiled = compiled  # (kernel, stride, dilation) where the compiled kernels ran

    def scatter(self, g: Any) -> Any:
        """dL/dx from dL/dout: add g (max: at the argmax slot; avg: g/div) under every window."""
        xp = get_array_module(g)
        if self.compiled is not None and g.dtype.kind == "f":
            gx = max_scatter_general(xp, g, self.arg, self.pshape, *self.compiled)
            ph, pw = self.padding
            return gx[:, :, ph : self.pshape[2] - ph, pw : self.pshape[3] - pw]
        gx = xp.zeros(self.pshape, dtype=g.dtype)
        if self.arg is None:
            gs = g * g.dtype.type(1.0 / self.div)
            for rs, cs in self.slices:
                gx[:, :, rs, cs] += gs
        else:
            zero = g.dtype.type(0)
            for k, (rs, cs) in enumerate(self.slices):
                gx[:, :, rs, cs] += xp.where(self.arg == k, g, zero)
        ph, pw = self.padding
        return gx[:, :, ph : self.pshape[2] - ph, pw : self.pshape[3] - pw]

    def gather(self, x: Any) -> Any:
        """The adjoint of ``scatter``: pick (max) or average (avg: sum / div) x per window."""
        xp = get_array_module(x)
        ph, pw = self.padding
        xpad = _pad(xp, x, ((ph, ph), (pw, pw)))
        out = None
        for k, (rs, cs) in enumerate(self.slices):
            v = xpad[:, :, rs, cs]
            if self.arg is not None:
                v = xp.where(self.arg == k, v, x.dtype.type(0))
            out = v.copy() if out is None else out + v
        if self.arg is None:
            out *= x.dtype.type(1.0 / self.div)
        return out


def _blocks_ok(x: Any, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple) -> bool:
    """Whether pooling windows tile the input without overlap (kernel == stride, no padding or
    dilation): then a window is an axis pair of the reshape (N, C, OH, KH, OW, KW)."""
    return (
        tuple(kernel) == tuple(stride)
        and tuple(padding) == (0, 0)
        and tuple(dilation) == (1, 1)
        and x.shape[2] >= kernel[0]
        and x.shape[3] >= kernel[1]
    )


def _blocks(xp: Any, x: Any, kernel: tuple) -> Any:
    """(N, C, OH, KH, OW, KW) view of the windows of x (a copy when H, W leave a remainder)."""
    n, c, h, w = x.shape
    (kh, kw) = kernel
    oh, ow = h // kh, w // kw
    if (oh * kh, ow * kw) != (h, w):
        x = x[:, :, : oh * kh, : ow * kw]
    return x.reshape(n, c, oh, kh, ow, kw)


class _BlockPlan:
    """Backward of non-overlapping pooling.  Max pooling keeps ``idx`` = (qidx, pidx): uint8
    (N, C, OH, KH, OW) index of the first maximum along each kernel row (the KW axis), and
    (N, C, OH, OW) index of the first kernel row holding the window's maximum; together the
    first maximum in row-major order (torch's tie rule).  Average pooling: ``idx`` is None and
    every element gets g / div."""

    def __init__(self, x_shape: tuple, kernel: tuple, idx: Any, div: float) -> None:
        self.x_shape, self.kernel, self.idx, self.div = x_shape, kernel, idx, div

    def scatter(self, g: Any) -> Any:
        xp = get_array_module(g)
        n, c, h, w = self.x_shape
        kh, kw = self.kernel
        oh, ow = g.shape[2], g.shape[3]
        gx = scratch_empty(xp, (n, c, h, w), g.dtype)
        if (oh * kh, ow * kw) != (h, w):
            gx[:, :, oh * kh :] = 0
            gx[:, :, : oh * kh, ow * kw :] = 0
        if self.idx is None:
            # kernel row p of every window is a contiguous run of OW*KW elements: build that
            # run once (KW strided writes over the whole batch), then copy it to each row, so
            # no loop runs over a length-KW innermost axis
            dst = gx[:, :, : oh * kh, : ow * kw].reshape(n, c, oh, kh, ow * kw)
            scale = g.dtype.type(1.0 / self.div)

            def avg_shard(a: int, b: int) -> None:
                run = scratch_empty(xp, (b - a, c, oh, ow, kw), g.dtype)
                xp.multiply(g[a:b], scale, out=run[..., 0])
                for q in range(1, kw):
                    run[..., q] = run[..., 0]
                flat = run.reshape(b - a, c, oh, ow * kw)
                for p in range(kh):
                    dst[a:b, :, :, p] = flat

            parallel.over_batch(xp, n, gx.size, avg_shard)
            return gx
        # max: route g to the first maximal row of each window, then within the row to its
        # first maximal column (each a long strided pass over the batch)
        qidx, pidx = self.idx
        dst = gx[:, :, : oh * kh, : ow * kw].reshape(n, c, oh, kh, ow, kw)

        def max_shard(a: int, b: int) -> None:
            rows = scratch_empty(xp, (b - a, c, oh, kh, ow), g.dtype)
            for p in range(kh):
                xp.multiply(g[a:b], pidx[a:b] == p, out=rows[:, :, :, p])
            for q in range(kw):
                xp.multiply(rows, qidx[a:b] == q, out=dst[a:b, ..., q])

        parallel.over_batch(xp, n, gx.size, max_shard)
        return gx

    def gather(self, x: Any) -> Any:
        xp = get_array_module(x)
        v = _blocks(xp, x, self.kernel)
        if self.idx is None:
            return v.sum(axis=(3, 5)) * x.dtype.type(1.0 / self.div)
        qidx, pidx = self.idx
        zero = x.dtype.type(0)
        rows = xp.zeros(v.shape[:5], dtype=x.dtype)
        for q in range(self.kernel[1]):
            rows += xp.where(qidx == q, v[..., q], zero)
        out = xp.zeros(pidx.shape, dtype=x.dtype)
        for p in range(self.kernel[0]):
            out += xp.where(pidx == p, rows[:, :, :, p], zero)
        return out


def _block_sum(xp: Any, v: Any) -> Any:
    """Window sums of the (N, C, OH, KH, OW, KW) view ``v``: first over KW (one strided add per
    slot over the whole batch), then over KH (contiguous rows), so the loops run long."""
    n, c, oh, kh, ow, kw = v.shape
    if kw == 1:
        rows = v[..., 0]
    else:
        rows = scratch_empty(xp, (n, c, oh, kh, ow), v.dtype)
        xp.add(v[..., 0], v[..., 1], out=rows)
        for q in range(2, kw):
            rows += v[..., q]
    out = scratch_empty(xp, (n, c, oh, ow), v.dtype)
    if kh == 1:
        xp.copyto(out, rows[:, :, :, 0])
    else:
        xp.add(rows[:, :, :, 0], rows[:, :, :, 1], out=out)
        for p in range(2, kh):
            out += rows[:, :, :, p]
    return out


def _running_max(xp: Any, views: list, out: Any, idx: Any) -> None:
    """out = the elementwise maximum of ``views``, idx = the first view holding it (a later
    view wins only when strictly greater: torch's first-maximum rule)."""
    if len(views) == 1:
        xp.copyto(out, views[0])
        idx[...] = 0
        return
    xp.greater(views[1], views[0], out=idx)  # as uint8: 1 where the second is larger
    xp.maximum(views[0], views[1], out=out)
    for k, view in enumerate(views[2:], start=2):
        xp.copyto(idx, k, where=view > out)
        xp.maximum(out, view, out=out)


def _block_max(xp: Any, x: Any, kernel: tuple) -> tuple | None:
    """(out, (qidx, pidx)) for non-overlapping max pooling (see ``_BlockPlan``), or None when
    a window holds a NaN (the general path then picks torch's NaN position) or the kernel has
    more than 255 rows or columns.  The maximum runs along each kernel row first (KW strided
    passes over the whole batch), then over the KH row maxima (contiguous rows)."""
    kh, kw = kernel
    if kh > 255 or kw > 255:
        return None
    v = _blocks(xp, x, kernel)
    n, c, oh, _, ow, _ = v.shape
    qidx = scratch_empty(xp, (n, c, oh, kh, ow), xp.uint8)
    out = scratch_empty(xp, (n, c, oh, ow), x.dtype)
    pidx = scratch_empty(xp, out.shape, xp.uint8)

    def shard(a: int, b: int) -> bool:  # batch rows [a, b); False where a maximum is NaN
        rows = scratch_empty(xp, (b - a, c, oh, kh, ow), x.dtype)
        _running_max(xp, [v[a:b, ..., q] for q in range(kw)], rows, qidx[a:b])
        _running_max(xp, [rows[:, :, :, p] for p in range(kh)], out[a:b], pidx[a:b])
        return not (out.dtype.kind == "f" and xp.isnan(out[a:b]).any())

    if not all(parallel.over_batch(xp, n, x.size, shard)):
        return None
    return out, (qidx, pidx)


class PoolScatter(Function):
    """x-shaped gradient of a pooling from its output gradient; linear, adjoint of PoolGather."""

    def forward(self, g, plan=None):
        self.plan = plan
        return plan.scatter(g)

    def backward(self, gg, out, g):
        return (self.m.call(PoolGather, gg, plan=self.plan),)


class PoolGather(Function):
    """Output-shaped window selection/average of x; linear, adjoint of PoolScatter."""

    def forward(self, x, plan=None):
        self.plan = plan
        return plan.gather(x)

    def backward(self, gg, out, x):
        return (self.m.call(PoolScatter, gg, plan=self.plan),)


class MaxPool2dFn(Function):
    """out[n, c, i, j] = max over the window; the gradient goes to the first argmax (or the last
    NaN), as in torch.

    Runs over the KH*KW kernel positions, each a strided slice of the whole batch: a running
    maximum, then the first position that holds it.  Backward adds g where that position matches
    (``PoolScatter``, itself differentiable, so higher-order gradients work).
    """

    name = "MaxPool2DWithIndicesBackward0"  # torch's node

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1)):
        xp = get_array_module(x)
        if pool_2x2_ok(xp, x, kernel, stride, padding, dilation):
            out, self.plan = max_pool_2x2(xp, x)
            return out
        if _blocks_ok(x, kernel, stride, padding, dilation):
            res = _block_max(xp, x, kernel)
            if res is not None:
                self.plan = _BlockPlan(x.shape, kernel, res[1], 1.0)
                return res[0]
        ph, pw = padding
        fill = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        xpad = _pad(xp, x, ((ph, ph), (pw, pw)), fill)
        pshape, out_hw = _pool_geometry(x.shape, kernel, stride, padding, dilation)
        slices = _kernel_slices(kernel, stride, dilation, out_hw)
        if max_pool_general_ok(xp, xpad):
            out, arg = max_pool_general(xp, xpad, kernel, stride, dilation, out_hw)
            geometry = (tuple(kernel), tuple(stride), tuple(dilation))
            self.plan = _PoolPlan(slices, pshape, padding, arg, 1.0, compiled=geometry)
            return out
        views = [xpad[:, :, rs, cs] for rs, cs in slices]
        out = views[0].copy()
        for v in views[1:]:
            xp.maximum(out, v, out=out)  # NaN propagates, as in torch
        # the first slot holding the maximum: walk backwards so earlier slots overwrite
        arg = xp.full(out.shape, len(views) - 1, dtype=xp.uint8 if len(views) < 256 else xp.int32)
        for k in range(len(views) - 2, -1, -1):
            xp.copyto(arg, k, where=views[k] == out)
        if out.dtype.kind == "f" and xp.isnan(out).any():  # a NaN window: its last NaN wins
            for k in range(len(views)):
                xp.copyto(arg, k, where=xp.isnan(views[k]))
        self.plan = _PoolPlan(slices, pshape, padding, arg, 1.0)
        return out

    def backward(self, g, out, x):
        return (self.m.call(PoolScatter, g, plan=self.plan),)


class AvgPool2dFn(Function):
    """out = (1/div) sum over the window, div = KH*KW (padded zeros count: count_include_pad).

    Forward adds KH*KW strided slices of the padded batch; backward adds g/div back the same way.
    """

    name = "AvgPool2DBackward0"  # torch's node

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), divisor=None):
        div = divisor or kernel[0] * kernel[1]
        xp = get_array_module(x)
        if pool_2x2_ok(xp, x, kernel, stride, padding, (1, 1)):
            out, self.plan = avg_pool_2x2(xp, x, div)
            return out
        if _blocks_ok(x, kernel, stride, padding, (1, 1)):
            out = _block_sum(xp, _blocks(xp, x, kernel))
            out *= x.dtype.type(1.0 / div)
            self.plan = _BlockPlan(x.shape, kernel, None, div)
            return out
        pshape, out_hw = _pool_geometry(x.shape, kernel, stride, padding, (1, 1))
        slices = _kernel_slices(kernel, stride, (1, 1), out_hw)
        self.plan = _PoolPlan(slices, pshape, padding, None, divisor or kernel[0] * kernel[1])
        return self.plan.gather(x)

    def backward(self, g, out, x):
        return (self.m.call(PoolScatter, g, plan=self.plan),)
