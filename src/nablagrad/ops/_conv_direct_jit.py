"""Compiled kernels of the direct convolution path (``conv_direct``): Numba, float32/float64.

Every channel is one flat run over the whole batch (see ``conv_direct``): row ``c`` of ``xc``
holds the padded planes of every image back to back (rows ``wp`` long), so kernel tap (p, q)
adds ``w[p, q] * xc[c, p*wp + q + t]`` to ``acc[o, t]`` for every position ``t`` of the run: the
innermost loops are long, contiguous and vectorised.  The five taps of a kernel row are one
statement (one read-modify-write of the accumulator per five multiply-adds), so the kernels
take kernels five wide; four output channels share each read of the run, in tiles of
``tile`` positions that keep the four accumulators in cache, and one to three leftover
channels go by pairs (the input gradient is this same correlation of the output gradient with
the flipped kernels); the weight gradient takes four output channels per pass.  Those blocks
need AVX-512's 32 vector registers: with 16 every pass takes a pair (``wide_blocks``).  Rows of
``acc`` may be longer than the run (``conv_direct._row_stride``).  Compiled on first call
(``backend.LazyKernel``); the caller checks ``backend.jit_available()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backend import (
    LazyKernel,
    compiled_range,
    jitable,
    prefer_wide_vectors,
    vector_registers,
)


def wide_blocks() -> bool:
    """Whether the kernels take their wide blocks: four output channels per pass of a
    correlation (twenty weights held across the inner loop) and three or four per pass of a
    weight gradient (fifteen or twenty sums), which need the 32 vector registers of AVX-512
    (``backend.vector_registers``); with 16 (AVX2) they spill, and pairs of channels are
    faster (AMD EPYC Zen 3, 1 thread, batch 64, in-process A/B: the forward of LeNet-5's
    6->16 layer a median 0.95 of its time by pairs, its 1->6 layer's 0.87, 8 rounds each;
    for the weight gradients see ``backend.vector_registers``)."""
    return vector_registers() >= 32


def _flat_kernels(parallel: bool) -> dict:
    """The flat run's kernels, compiled to run on one thread or (``parallel``) with their outer
    loop (tiles of the run, blocks of output channels, images, channels: no two iterations
    write the same element) split between Numba's threads (``parallel.compiled_threads``).
    A factory, as for the chunked kernels: Numba's disk cache tells two compilations of one
    function apart only by its closure (here ``loop``, ``range`` or ``numba.prange``)."""
    loop = compiled_range() if parallel else range

    def _forward(xc: Any, w: Any, acc: Any, run: int, wp: int, tile: int, bias: Any) -> None:
        """acc[o, t] = bias[o] + sum over c, p, q of w[o, c, p, q] * xc[c, p*wp + q + t], t < run,
        for a multiple of four output channels (``forward`` below takes any number).

        ``xc`` (C, run + slack) with at least (KH - 1)*wp + 4 readable positions after the run;
        ``acc`` (O, >= run) contiguous (its rows may be longer than the run: see
        ``conv_direct._row_stride``)."""
        prefer_wide_vectors()
        c_ = xc.shape[0]
        o_, _, kh_, _ = w.shape
        for i in loop(-(-run // tile)):  # tiles of the run
            prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
            t0 = i * tile
            n = min(tile, run - t0)
            for o in range(0, o_, 4):
                a0, a1 = acc[o, t0 : t0 + n], acc[o + 1, t0 : t0 + n]
                a2, a3 = acc[o + 2, t0 : t0 + n], acc[o + 3, t0 : t0 + n]
                b0, b1, b2, b3 = bias[o], bias[o + 1], bias[o + 2], bias[o + 3]
                for t in range(n):
                    a0[t] = b0
                    a1[t] = b1
                    a2[t] = b2
                    a3[t] = b3
                for c in range(c_):
                    for p in range(kh_):
                        r = xc[c, t0 + p * wp : t0 + p * wp + n + 4]
                        w0, w1, w2, w3 = w[o, c, p], w[o + 1, c, p], w[o + 2, c, p], w[o + 3, c, p]
                        for t in range(n):
                            x0, x1, x2, x3, x4 = r[t], r[t + 1], r[t + 2], r[t + 3], r[t + 4]
                            a0[t] += w0[0] * x0 + w0[1] * x1 + w0[2] * x2 + w0[3] * x3 + w0[4] * x4
                            a1[t] += w1[0] * x0 + w1[1] * x1 + w1[2] * x2 + w1[3] * x3 + w1[4] * x4
                            a2[t] += w2[0] * x0 + w2[1] * x1 + w2[2] * x2 + w2[3] * x3 + w2[4] * x4
                            a3[t] += w3[0] * x0 + w3[1] * x1 + w3[2] * x2 + w3[3] * x3 + w3[4] * x4

    def _forward_few(xc: Any, w: Any, acc: Any, run: int, wp: int, tile: int, bias: Any) -> None:
        """``_forward`` for one to three output channels: a pair per pass, then one."""
        prefer_wide_vectors()
        c_ = xc.shape[0]
        o_, _, kh_, _ = w.shape
        for i in loop(-(-run // tile)):  # tiles of the run
            prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
            t0 = i * tile
            n = min(tile, run - t0)
            o = 0
            while o < o_:
                pair = o + 2 <= o_
                a0 = acc[o, t0 : t0 + n]
                a1 = acc[o + 1, t0 : t0 + n] if pair else a0
                b0, b1 = bias[o], bias[o + 1] if pair else bias[o]
                for t in range(n):
                    a0[t] = b0
                    a1[t] = b1
                for c in range(c_):
                    for p in range(kh_):
                        r = xc[c, t0 + p * wp : t0 + p * wp + n + 4]
                        w0 = w[o, c, p]
                        if pair:
                            w1 = w[o + 1, c, p]
                            for t in range(n):
                                x0, x1, x2, x3, x4 = r[t], r[t + 1], r[t + 2], r[t + 3], r[t + 4]
                                a0[t] += (
                                    w0[0] * x0 + w0[1] * x1 + w0[2] * x2 + w0[3] * x3 + w0[4] * x4
                                )
                                a1[t] += (
                                    w1[0] * x0 + w1[1] * x1 + w1[2] * x2 + w1[3] * x3 + w1[4] * x4
                                )
                        else:
                            for t in range(n):
                                a0[t] += (
                                    w0[0] * r[t]
                                    + w0[1] * r[t + 1]
                                    + w0[2] * r[t + 2]
                                    + w0[3] * r[t + 3]
                                    + w0[4] * r[t + 4]
                                )
                o += 2 if pair else 1

    def _weight_grad(xc: Any, gm: Any, start: int, run: int, dw: Any, wp: int, zero: Any) -> None:
        """dw[o, c, p, q] = sum over t < run of gm[o, start + t] * xc[c, p*wp + q + t].

        ``gm`` holds the output gradient at the run's positions (zeros where no output pixel is)
        from column ``start`` on.  Four output channels at a time share the reads of xc (twenty
        sums per pass); past the last full four, the missing channels repeat the last one and are
        not written."""
        prefer_wide_vectors()
        c_ = xc.shape[0]
        o_, _, kh_, _ = dw.shape
        for block in loop((o_ + 3) // 4):
            prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
            o = 4 * block
            o1, o2, o3 = min(o + 1, o_ - 1), min(o + 2, o_ - 1), min(o + 3, o_ - 1)
            g0, g1 = gm[o, start : start + run], gm[o1, start : start + run]
            g2, g3 = gm[o2, start : start + run], gm[o3, start : start + run]
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
                    if o + 1 < o_:
                        dw[o1, c, p, 0], dw[o1, c, p, 1], dw[o1, c, p, 2] = b0, b1, b2
                        dw[o1, c, p, 3], dw[o1, c, p, 4] = b3, b4
                    if o + 2 < o_:
                        dw[o2, c, p, 0], dw[o2, c, p, 1], dw[o2, c, p, 2] = c0, c1, c2
                        dw[o2, c, p, 3], dw[o2, c, p, 4] = c3, c4
                    if o + 3 < o_:
                        dw[o3, c, p, 0], dw[o3, c, p, 1], dw[o3, c, p, 2] = d0, d1, d2
                        dw[o3, c, p, 3], dw[o3, c, p, 4] = d3, d4

    def _weight_grad_pairs(
        xc: Any, gm: Any, start: int, run: int, dw: Any, wp: int, zero: Any
    ) -> None:
        """``_weight_grad`` two output channels at a time (ten sums per pass), for CPUs with 16
        vector registers (``wide_blocks``); a lone last channel repeats itself and is written
        once."""
        prefer_wide_vectors()
        c_ = xc.shape[0]
        o_, _, kh_, _ = dw.shape
        for block in loop((o_ + 1) // 2):
            prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
            o = 2 * block
            o1 = min(o + 1, o_ - 1)
            g0, g1 = gm[o, start : start + run], gm[o1, start : start + run]
            for c in range(c_):
                for p in range(kh_):
                    r = xc[c, p * wp : p * wp + run + 4]
                    a0, a1, a2, a3, a4 = zero, zero, zero, zero, zero
                    b0, b1, b2, b3, b4 = zero, zero, zero, zero, zero
                    for t in range(run):
                        x0, x1, x2, x3, x4 = r[t], r[t + 1], r[t + 2], r[t + 3], r[t + 4]
                        u, v = g0[t], g1[t]
                        a0, a1, a2 = a0 + u * x0, a1 + u * x1, a2 + u * x2
                        a3, a4 = a3 + u * x3, a4 + u * x4
                        b0, b1, b2 = b0 + v * x0, b1 + v * x1, b2 + v * x2
                        b3, b4 = b3 + v * x3, b4 + v * x4
                    dw[o, c, p, 0], dw[o, c, p, 1], dw[o, c, p, 2] = a0, a1, a2
                    dw[o, c, p, 3], dw[o, c, p, 4] = a3, a4
                    if o + 1 < o_:
                        dw[o1, c, p, 0], dw[o1, c, p, 1], dw[o1, c, p, 2] = b0, b1, b2
                        dw[o1, c, p, 3], dw[o1, c, p, 4] = b3, b4

    def _from_run(acc: Any, out: Any, hp: int, wp: int, r0: int, c0: int) -> None:
        """out[n, o, i, j] = acc[o, (n*hp + r0 + i)*wp + c0 + j] for every pixel of ``out`` (N, O,
        H, W): the flat run's planes back to NCHW, row by row (NumPy's strided copy of the same
        4-D transpose took 109 against ~40 us for LeNet-5's 64x6x28x28 output)."""
        prefer_wide_vectors()
        n_, o_, h, w = out.shape
        for n in loop(n_):
            prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
            for o in range(o_):
                for i in range(h):
                    src = acc[o, (n * hp + r0 + i) * wp + c0 :]
                    dst = out[n, o, i]
                    for j in range(w):
                        dst[j] = src[j]

    def _to_run(
        a: Any, out: Any, start: int, hp: int, wp: int, r0: int, c0: int, sums: Any
    ) -> None:
        """out[c, start + (n*hp + r0 + i)*wp + c0 + j] = a[n, c, i, j] (``a`` (N, C, H, W)
        C-contiguous), zeros in every other position of each row of ``out``: before ``start``,
        around each plane's pixels and after the last plane.  Unless ``sums`` is empty, sums[c] =
        the sum of channel c of ``a`` (column sums in float64 on the way, then their total).  The
        input folded into the flat run (``conv_direct._fold_input``, r0 and c0 its top and left
        padding: LeNet-5's 64x1x28x28 input 46 -> 28 us against NumPy's zeroing and strided
        copies, whose six calls a batch shard's thread had to take the GIL back for, each) and
        the output gradient at the run's positions (``conv_direct.direct_backward``, with the
        bias gradient on the way: 64x6x28x28 142 us against 119 for the copy alone and 56 for
        the bias gradient's product with ones; NumPy's zeroing and strided copy had taken 154).
        The layer's fwd + bwd (1->6 28x28 padded by 2, batch 64, AMD EPYC Zen 3, in-process A/B,
        15 rounds): 0.93-0.96 of its time on 1 thread, 0.90-0.91 on 2."""
        prefer_wide_vectors()
        n_, c_, h, w = a.shape
        size = hp * wp
        summing = sums.shape[0] > 0
        for c in loop(c_):
            prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
            columns = np.zeros(w if summing else 0, np.float64)  # its sums, column by column
            row = out[c]
            for t in range(start):
                row[t] = 0
            for t in range(start + n_ * size, row.shape[0]):
                row[t] = 0
            for n in range(n_):
                plane = row[start + n * size :]
                for t in range(size):  # zeros first (vectorised), then the pixels over them
                    plane[t] = 0
                for i in range(h):
                    src, dst = a[n, c, i], plane[(r0 + i) * wp + c0 :]
                    for j in range(w):
                        dst[j] = src[j]
                    if summing:
                        for j in range(w):
                            columns[j] += src[j]
            if summing:
                sums[c] = columns.sum()

    return {
        "forward_fours": LazyKernel(_forward, parallel=parallel),
        "forward_rest": LazyKernel(_forward_few, parallel=parallel),
        "weight_grad_fours": LazyKernel(_weight_grad, parallel=parallel),
        "weight_grad_pairs": LazyKernel(_weight_grad_pairs, parallel=parallel),
        "from_run": LazyKernel(_from_run, parallel=parallel),
        "to_run": LazyKernel(_to_run, parallel=parallel),
    }


_flat: dict = {}  # parallel -> _flat_kernels(parallel), made on first use (Numba imported then)


def _flat_set(parallel: bool) -> dict:
    kernels = _flat.get(parallel)
    if kernels is None:
        kernels = _flat[parallel] = _flat_kernels(parallel)
    return kernels


def forward(
    xc: Any, w: Any, acc: Any, run: int, wp: int, tile: int, bias: Any, parallel: bool = False
) -> None:
    """``_forward`` for any number of output channels: blocks of four, then the rest (a
    separate kernel: with the pairs in the same loop nest the compiler made the blocks of
    four ~1.8x slower), or all by pairs without ``wide_blocks``.  ``bias`` (O,) starts every
    accumulator (zeros for none).  ``parallel``: the tiles split between Numba's threads."""
    kernels = _flat_set(parallel)
    fours = w.shape[0] // 4 * 4 if wide_blocks() else 0
    if fours:
        kernels["forward_fours"](xc, w[:fours], acc[:fours], run, wp, tile, bias[:fours])
    if fours < w.shape[0]:
        kernels["forward_rest"](xc, w[fours:], acc[fours:], run, wp, tile, bias[fours:])


def weight_grad(
    xc: Any, gm: Any, start: int, run: int, dw: Any, wp: int, zero: Any, parallel: bool = False
) -> None:
    """``_weight_grad``: four output channels per pass with ``wide_blocks``, else pairs
    (``_weight_grad_pairs``); ``parallel``: the blocks of channels split between Numba's
    threads."""
    kernel = _flat_set(parallel)["weight_grad_fours" if wide_blocks() else "weight_grad_pairs"]
    kernel(xc, gm, start, run, dw, wp, zero)


def from_run(
    acc: Any, out: Any, hp: int, wp: int, r0: int, c0: int, parallel: bool = False
) -> None:
    """``_from_run``; ``parallel``: the images split between Numba's threads."""
    _flat_set(parallel)["from_run"](acc, out, hp, wp, r0, c0)


def to_run(
    a: Any,
    out: Any,
    start: int,
    hp: int,
    wp: int,
    r0: int = 0,
    c0: int = 0,
    sums: Any = None,
    parallel: bool = False,
) -> None:
    """``_to_run``: ``a`` (N, C, H, W) into the rows of ``out`` (C, L); ``sums`` (C,) the
    channels' sums when given; ``parallel``: the channels split between Numba's threads."""
    if sums is None:
        sums = np.empty(0, out.dtype)
    _flat_set(parallel)["to_run"](a, out, start, hp, wp, r0, c0, sums)


# -- chunked layout: the batch innermost ----------------------------------------------------------
#
# ``src`` (B, C, rows, cols * chunk): ``chunk`` images side by side at every pixel (chunk b,
# channel c, row i, column j, image k at [b, c, i, j*chunk + k]), so output row i of every image
# in the chunk is one run of OW*chunk positions and kernel tap (p, q) reads the run of row i + p
# shifted by q*chunk: no position is wasted.  Rows above and below the stored ones read as zeros
# (the vertical padding is not stored: ``shift`` is the top padding).  The chunk size is a
# compile-time constant of each kernel (``_chunk_kernels`` makes one set per size): with the
# offsets q*chunk known the compiler vectorises the runs (16 GMAC/s with the chunk size as an
# argument, ~100 with it fixed); a ``range`` over only the rows present, instead of skipping the
# missing ones, cost 2.6x as well.

CHUNKS = (64, 32)


def _chunk_kernels(chunk: int, parallel: bool = False) -> dict:
    """The chunked layout's kernels for chunks of ``chunk`` images (closures over the size,
    which Numba compiles as a constant), not compiled until first called; ``parallel``: with
    their outer loops (output rows, channels, blocks of weights) split between Numba's threads
    (see ``_flat_kernels``)."""
    loop = compiled_range() if parallel else range

    def _chunk_corr4(
        src: Any,
        w: Any,
        acc: Any,
        o_hi: int,
        i_lo: int,
        i_hi: int,
        shift: int,
        col0: int,
        bias: Any,
    ) -> None:
        """acc[b, o, i, t] = bias[o] + sum over c, p, q of w[o, c, p, q] * src[b, c, i + p - shift,
        col0 + t + q*chunk] (rows outside ``src`` read as zeros), t < acc.shape[3], for output
        channels o < o_hi (a multiple of four)."""
        prefer_wide_vectors()
        nb, c_, nr = src.shape[0], src.shape[1], src.shape[2]
        kh_ = w.shape[2]
        oh, run = acc.shape[2], acc.shape[3]
        s = chunk
        for b in range(nb):
            for i in loop(oh):
                prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
                if i < i_lo or i >= i_hi:
                    continue
                p0, p1 = max(0, shift - i), min(kh_, nr + shift - i)
                for o in range(0, o_hi, 4):
                    a0, a1, a2, a3 = (
                        acc[b, o, i],
                        acc[b, o + 1, i],
                        acc[b, o + 2, i],
                        acc[b, o + 3, i],
                    )
                    b0, b1, b2, b3 = bias[o], bias[o + 1], bias[o + 2], bias[o + 3]
                    for t in range(run):
                        a0[t] = b0
                        a1[t] = b1
                        a2[t] = b2
                        a3[t] = b3
                    for c in range(c_):
                        for p in range(kh_):
                            if p < p0 or p >= p1:
                                continue
                            r = src[b, c, i + p - shift, col0:]
                            w0, w1, w2, w3 = (
                                w[o, c, p],
                                w[o + 1, c, p],
                                w[o + 2, c, p],
                                w[o + 3, c, p],
                            )
                            for t in range(run):
                                x0, x1, x2 = r[t], r[t + s], r[t + 2 * s]
                                x3, x4 = r[t + 3 * s], r[t + 4 * s]
                                a0[t] += (
                                    w0[0] * x0 + w0[1] * x1 + w0[2] * x2 + w0[3] * x3 + w0[4] * x4
                                )
                                a1[t] += (
                                    w1[0] * x0 + w1[1] * x1 + w1[2] * x2 + w1[3] * x3 + w1[4] * x4
                                )
                                a2[t] += (
                                    w2[0] * x0 + w2[1] * x1 + w2[2] * x2 + w2[3] * x3 + w2[4] * x4
                                )
                                a3[t] += (
                                    w3[0] * x0 + w3[1] * x1 + w3[2] * x2 + w3[3] * x3 + w3[4] * x4
                                )

    def _chunk_corr_few(
        src: Any,
        w: Any,
        acc: Any,
        o_lo: int,
        i_lo: int,
        i_hi: int,
        shift: int,
        col0: int,
        bias: Any,
    ) -> None:
        """``_chunk_corr4`` for the output channels from o_lo on: a pair per pass, then one."""
        prefer_wide_vectors()
        nb, c_, nr = src.shape[0], src.shape[1], src.shape[2]
        o_, _, kh_, _ = w.shape
        oh, run = acc.shape[2], acc.shape[3]
        s = chunk
        for b in range(nb):
            for i in loop(oh):
                prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
                if i < i_lo or i >= i_hi:
                    continue
                p0, p1 = max(0, shift - i), min(kh_, nr + shift - i)
                o = o_lo
                while o < o_:
                    pair = o + 2 <= o_
                    a0 = acc[b, o, i]
                    a1 = acc[b, o + 1, i] if pair else a0
                    b0, b1 = bias[o], bias[o + 1] if pair else bias[o]
                    for t in range(run):
                        a0[t] = b0
                        a1[t] = b1
                    for c in range(c_):
                        for p in range(kh_):
                            if p < p0 or p >= p1:
                                continue
                            r = src[b, c, i + p - shift, col0:]
                            w0 = w[o, c, p]
                            if pair:
                                w1 = w[o + 1, c, p]
                                for t in range(run):
                                    x0, x1, x2 = r[t], r[t + s], r[t + 2 * s]
                                    x3, x4 = r[t + 3 * s], r[t + 4 * s]
                                    a0[t] += (
                                        w0[0] * x0
                                        + w0[1] * x1
                                        + w0[2] * x2
                                        + w0[3] * x3
                                        + w0[4] * x4
                                    )
                                    a1[t] += (
                                        w1[0] * x0
                                        + w1[1] * x1
                                        + w1[2] * x2
                                        + w1[3] * x3
                                        + w1[4] * x4
                                    )
                            else:
                                for t in range(run):
                                    a0[t] += (
                                        w0[0] * r[t]
                                        + w0[1] * r[t + s]
                                        + w0[2] * r[t + 2 * s]
                                        + w0[3] * r[t + 3 * s]
                                        + w0[4] * r[t + 4 * s]
                                    )
                    o += 2 if pair else 1

    def _chunk_weight_grad3(
        src: Any,
        g: Any,
        dw: Any,
        o_lo: int,
        o_hi: int,
        shift: int,
        gcol0: int,
        zero: Any,
        g_lo: int,
        g_hi: int,
    ) -> None:
        """dw[o, c, p, q] = sum over b, i, t of g[b, o, i, gcol0 + t] * src[b, c, i + p - shift,
        t + q*chunk] for t < g.shape[3] - 2*gcol0, the rows g_lo <= i < g_hi of ``g`` and the
        rows present in ``src``, three output channels per pass (four kept twenty sums and
        spilled registers: 1.7x slower) up to o_hi."""
        prefer_wide_vectors()
        nb, c_, nr = src.shape[0], src.shape[1], src.shape[2]
        kh_ = dw.shape[2]
        run = g.shape[3] - 2 * gcol0
        s = chunk
        per_block = c_ * kh_
        for k in loop(-(-(o_hi - o_lo) // 3) * per_block):  # (o, c, p): 15 sums each
            prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
            o, c, p = o_lo + 3 * (k // per_block), k // kh_ % c_, k % kh_
            a0, a1, a2, a3, a4 = zero, zero, zero, zero, zero
            b0, b1, b2, b3, b4 = zero, zero, zero, zero, zero
            c0, c1, c2, c3, c4 = zero, zero, zero, zero, zero
            i0, i1 = max(g_lo, shift - p), min(g_hi, nr + shift - p)
            for b in range(nb):
                for i in range(i0, i1):
                    r = src[b, c, i + p - shift]
                    g0, g1 = g[b, o, i, gcol0:], g[b, o + 1, i, gcol0:]
                    g2 = g[b, o + 2, i, gcol0:]
                    for t in range(run):
                        x0, x1, x2 = r[t], r[t + s], r[t + 2 * s]
                        x3, x4 = r[t + 3 * s], r[t + 4 * s]
                        u, v, y = g0[t], g1[t], g2[t]
                        a0, a1, a2 = a0 + u * x0, a1 + u * x1, a2 + u * x2
                        a3, a4 = a3 + u * x3, a4 + u * x4
                        b0, b1, b2 = b0 + v * x0, b1 + v * x1, b2 + v * x2
                        b3, b4 = b3 + v * x3, b4 + v * x4
                        c0, c1, c2 = c0 + y * x0, c1 + y * x1, c2 + y * x2
                        c3, c4 = c3 + y * x3, c4 + y * x4
            dw[o, c, p, 0], dw[o, c, p, 1], dw[o, c, p, 2] = a0, a1, a2
            dw[o, c, p, 3], dw[o, c, p, 4] = a3, a4
            dw[o + 1, c, p, 0], dw[o + 1, c, p, 1], dw[o + 1, c, p, 2] = b0, b1, b2
            dw[o + 1, c, p, 3], dw[o + 1, c, p, 4] = b3, b4
            dw[o + 2, c, p, 0], dw[o + 2, c, p, 1], dw[o + 2, c, p, 2] = c0, c1, c2
            dw[o + 2, c, p, 3], dw[o + 2, c, p, 4] = c3, c4

    def _chunk_weight_grad2(
        src: Any,
        g: Any,
        dw: Any,
        o_lo: int,
        o_hi: int,
        shift: int,
        gcol0: int,
        zero: Any,
        g_lo: int,
        g_hi: int,
    ) -> None:
        """``_chunk_weight_grad3`` for the output channels [o_lo, o_hi), two per pass (a lone last
        one is computed twice)."""
        prefer_wide_vectors()
        nb, c_, nr = src.shape[0], src.shape[1], src.shape[2]
        o_, kh_ = o_hi, dw.shape[2]
        run = g.shape[3] - 2 * gcol0
        s = chunk
        per_block = c_ * kh_
        for k in loop(-(-(o_ - o_lo) // 2) * per_block):  # (o, c, p): 10 sums each
            prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
            o, c, p = o_lo + 2 * (k // per_block), k // kh_ % c_, k % kh_
            o1 = min(o + 1, o_ - 1)
            a0, a1, a2, a3, a4 = zero, zero, zero, zero, zero
            b0, b1, b2, b3, b4 = zero, zero, zero, zero, zero
            i0, i1 = max(g_lo, shift - p), min(g_hi, nr + shift - p)
            for b in range(nb):
                for i in range(i0, i1):
                    r = src[b, c, i + p - shift]
                    g0, g1 = g[b, o, i, gcol0:], g[b, o1, i, gcol0:]
                    for t in range(run):
                        x0, x1, x2 = r[t], r[t + s], r[t + 2 * s]
                        x3, x4 = r[t + 3 * s], r[t + 4 * s]
                        u, v = g0[t], g1[t]
                        a0, a1, a2 = a0 + u * x0, a1 + u * x1, a2 + u * x2
                        a3, a4 = a3 + u * x3, a4 + u * x4
                        b0, b1, b2 = b0 + v * x0, b1 + v * x1, b2 + v * x2
                        b3, b4 = b3 + v * x3, b4 + v * x4
            dw[o, c, p, 0], dw[o, c, p, 1], dw[o, c, p, 2] = a0, a1, a2
            dw[o, c, p, 3], dw[o, c, p, 4] = a3, a4
            dw[o1, c, p, 0], dw[o1, c, p, 1], dw[o1, c, p, 2] = b0, b1, b2
            dw[o1, c, p, 3], dw[o1, c, p, 4] = b3, b4

    def _to_chunks(a: Any, out: Any, left: int, sums: Any, s_lo: int, s_hi: int) -> None:
        """out[b, c, i, (left + j)*chunk + k] = a[b*chunk + k, c, i, j], zeros in the other
        columns of every row and for the images past the last: eight images per pass, each
        write eight consecutive positions, and the eight images' planes read row after row
        (eight streams the CPU's prefetchers follow: with the rows of all 64 images of a chunk
        in turn, every cache line of ``a`` was a miss when ``a`` was not in cache, as in a
        training step: 64x16x14x14 float32 in a 16->16 5x5 training step 0.50 -> 0.35 ms;
        0.12 -> 0.18 ms when both arrays are in cache).  Unless ``sums`` is empty,
        sums[c] = the sum of channel c of ``a`` over the rows s_lo <= i < s_hi (a
        convolution's bias gradient, on the way: NumPy's reduction took 0.04 ms more)."""
        prefer_wide_vectors()
        n, c_, h, w = a.shape
        nb, row = out.shape[0], out.shape[3]
        s = chunk
        summing = sums.shape[0] > 0
        for c in loop(c_):
            prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
            total = 0.0
            for b in range(nb):
                kmax = min(s, n - b * s)
                for i in range(h):
                    r = out[b, c, i]
                    for t in range(left * s):
                        r[t] = 0
                    for t in range((left + w) * s, row):
                        r[t] = 0
                    for k in range(kmax, s):
                        for j in range(w):
                            r[(left + j) * s + k] = 0
                k0 = 0
                while k0 + 8 <= kmax:
                    for i in range(h):
                        r = out[b, c, i]
                        for j in range(w):
                            for kk in range(8):
                                r[(left + j) * s + k0 + kk] = a[b * s + k0 + kk, c, i, j]
                    k0 += 8
                for k in range(k0, kmax):
                    for i in range(h):
                        r = out[b, c, i]
                        for j in range(w):
                            r[(left + j) * s + k] = a[b * s + k, c, i, j]
                if summing:
                    for i in range(s_lo, s_hi):
                        # each row's sum in the array's precision (``sum`` vectorises; a
                        # loop adding one element at a time ran 8x slower)
                        total += out[b, c, i, left * s : (left + w) * s].sum()
            if summing:
                sums[c] = total

    def _from_chunks(acc: Any, out: Any, i_lo: int, i_hi: int) -> None:
        """out[b*chunk + k, c, i, j] = acc[b, c, i, j*chunk + k] for the rows i_lo <= i < i_hi
        (``_to_chunks`` backwards, without its padding): eight columns per pass, each write
        eight consecutive positions (NumPy's strided copy: 0.105 -> 0.058 ms for 64x16x14x14
        float32)."""
        prefer_wide_vectors()
        nb, c_ = acc.shape[0], acc.shape[1]
        n, w = out.shape[0], out.shape[3]
        s = chunk
        for b in range(nb):
            kmax = min(s, n - b * s)
            for c in loop(c_):
                prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
                for i in range(i_lo, i_hi):
                    a = acc[b, c, i]
                    for j0 in range(0, w - 7, 8):
                        for k in range(kmax):
                            o = out[b * s + k, c, i]
                            for jj in range(8):
                                o[j0 + jj] = a[(j0 + jj) * s + k]
                    for j in range(w // 8 * 8, w):
                        for k in range(kmax):
                            out[b * s + k, c, i, j] = a[j * s + k]

    kernels = {
        "to_chunks": LazyKernel(_to_chunks, parallel=parallel),
        "from_chunks": LazyKernel(_from_chunks, parallel=parallel),
        "corr4": LazyKernel(_chunk_corr4, parallel=parallel),
        "corr_few": LazyKernel(_chunk_corr_few, parallel=parallel),
        "weight_grad3": LazyKernel(_chunk_weight_grad3, parallel=parallel),
        "weight_grad2": LazyKernel(_chunk_weight_grad2, parallel=parallel),
    }
    if not parallel:  # the same two, callable from other kernels (the fused Winograd passes)
        kernels["to_chunks_inline"] = jitable(_to_chunks)
        kernels["from_chunks_inline"] = jitable(_from_chunks)
    return kernels


_CHUNK_KERNELS = {chunk: _chunk_kernels(chunk) for chunk in CHUNKS}
_chunk_parallel: dict = {}  # chunk -> _chunk_kernels(chunk, True), made on first use


def _chunk_set(chunk: int, parallel: bool) -> dict:
    if not parallel:
        return _CHUNK_KERNELS[chunk]
    kernels = _chunk_parallel.get(chunk)
    if kernels is None:
        kernels = _chunk_parallel[chunk] = _chunk_kernels(chunk, True)
    return kernels


def chunk_corr(
    src: Any,
    w: Any,
    acc: Any,
    shift: int,
    col0: int,
    chunk: int,
    bias: Any,
    rows: tuple = (0, None),
    parallel: bool = False,
) -> None:
    """``_chunk_corr4`` for any number of output channels (the leftovers by
    ``_chunk_corr_few``, a separate kernel as for ``forward``; every channel by it without
    ``wide_blocks``), on the output rows [i_lo, i_hi) of ``rows`` (None: to the last), chunks
    of ``chunk`` images; ``bias`` (O,) starts every accumulator (zeros for none).
    ``parallel``: the rows split between Numba's threads."""
    kernels = _chunk_set(chunk, parallel)
    i_lo, i_hi = rows[0], acc.shape[2] if rows[1] is None else rows[1]
    fours = w.shape[0] // 4 * 4 if wide_blocks() else 0
    if fours:
        kernels["corr4"](src, w, acc, fours, i_lo, i_hi, shift, col0, bias)
    if fours < w.shape[0]:
        kernels["corr_few"](src, w, acc, fours, i_lo, i_hi, shift, col0, bias)


def chunk_weight_grad(
    src: Any,
    g: Any,
    dw: Any,
    shift: int,
    gcol0: int,
    chunk: int,
    channels: tuple = (0, None),
    g_rows: tuple = (0, None),
    parallel: bool = False,
) -> None:
    """``_chunk_weight_grad3`` for the output channels [o_lo, o_hi) of ``channels`` (None: to
    the last) over the rows [lo, hi) of ``g`` in ``g_rows`` (None: to the last), chunks of
    ``chunk`` images: by threes, and by pairs past the last three.  One channel left over by
    the threes costs as much as a pair, so with one left the last four go by pairs (16
    channels: 0.71 -> 0.69 ms).  All by pairs without ``wide_blocks``.  ``parallel``: the
    weights split between Numba's threads."""
    g_lo, g_hi = g_rows[0], g.shape[2] if g_rows[1] is None else g_rows[1]
    kernels, zero = _chunk_set(chunk, parallel), dw.dtype.type(0)
    count = dw.shape[0]
    o_lo, o_hi = channels[0], count if channels[1] is None else channels[1]
    threes = count // 3 * 3 if wide_blocks() else 0
    if count % 3 == 1 and threes >= 3:
        threes -= 3
    end = min(o_hi, threes)
    if o_lo < end:
        kernels["weight_grad3"](src, g, dw, o_lo, end, shift, gcol0, zero, g_lo, g_hi)
    if max(o_lo, threes) < o_hi:
        kernels["weight_grad2"](src, g, dw, max(o_lo, threes), o_hi, shift, gcol0, zero, g_lo, g_hi)


def to_chunks(
    a: Any,
    out: Any,
    left: int,
    chunk: int,
    sums: Any,
    summed: tuple = (0, None),
    parallel: bool = False,
) -> None:
    """``a`` (N, C, H, W) into ``out`` (B, C, H, cols * chunk) in chunks of ``chunk`` images,
    ``left`` zero columns before each row's pixels and zeros elsewhere, and each channel's sum
    over the rows [lo, hi) of ``summed`` (None: to the last) into ``sums`` (C,) unless it is
    empty (``_to_chunks``); ``parallel``: the channels split between Numba's threads."""
    s_lo, s_hi = summed[0], a.shape[2] if summed[1] is None else summed[1]
    _chunk_set(chunk, parallel)["to_chunks"](a, out, left, sums, s_lo, s_hi)


def from_chunks(
    acc: Any, out: Any, i_lo: int, i_hi: int, chunk: int, parallel: bool = False
) -> None:
    """Rows [i_lo, i_hi) of ``out`` (N, C, H, W) from ``acc`` (B, C, H, W * chunk);
    ``parallel``: the channels split between Numba's threads."""
    _chunk_set(chunk, parallel)["from_chunks"](acc, out, i_lo, i_hi)


# -- Winograd F(4, 5) along the width, in the chunked layout -----------------------------------
#
# ``conv_direct._winograd``: the input rows of a chunk transformed by ``WINO_B`` in tiles of
# four output columns (eight values k per tile and image), the products summed over channels
# and kernel rows for each k, and ``WINO_A`` back to four columns.  Transformed rows are laid
# out (B, C, 8, R, ts), ts = tiles * chunk positions per row (the transforms write them so; the
# products read (B, C, 8, R * ts), the same memory), and the kernels are compiled per
# (chunk, tiles): with ts a compile-time constant, the five kernel rows p of a product statement
# are reads at t + p*ts from one array and the four accumulators writes at t + j*ts into one
# (four arrays each: 0.38 against 0.33 ms for the 16->16 products; eight output channels per
# pass: 0.45).  Every index is a sum of loop counters and constants: an offset the compiler
# cannot prove non-negative (col0 * chunk, or k * ts for a run-time ts) adds NumPy's
# negative-index wraparound to every access and stops the vectorisation (transform 0.25-0.31
# against 0.07 ms).  The transforms' constants are made in the data's dtype (``f(4)``,
# ``f = v.dtype.type``): Numba types a Python number times a float32 as float64, which had the
# transforms of float32 data computed in double precision, half as many lanes per instruction
# plus the conversions (16->16 14x14 padded by 2, batch 64, 1 thread, AMD EPYC Zen 3 with
# AVX2, in-process A/B over 9 rounds: forward 0.88-0.99, median 0.90, of its time, backward
# 0.90-0.99, median 0.93; the error against float64 unchanged, 4.1e-6 against 3.9e-6 on the
# forward where PyTorch's float32 convolution is off by 2.3e-6).


def wino_group(tiles: int, chunk: int) -> int:
    """Output channels per pass of the Winograd products (``_wino_corr4``): a multiple of
    four whose M rows, ``group * tiles * chunk`` values for each k, take at most 16 KiB of
    float32 (16 channels for rows of four tiles of 64 images), at least four.

    Example:
        >>> wino_group(4, 64), wino_group(2, 32), wino_group(8, 64)
        (16, 64, 8)
    """
    return max(4, 4096 // (tiles * chunk) // 4 * 4)


def _wino_kernels(chunk: int, tiles: int, wide: bool) -> dict:
    """The Winograd passes for chunks of ``chunk`` images and rows of ``tiles`` tiles
    (closures over both, which Numba compiles as constants), not compiled until first
    called: ``_wino_forward``, ``_wino_pass`` and ``_wino_weight``, each one compiled call
    made of the component kernels below (``_wino_in``, ``_wino_corr4``, ``_wino_grad_in``,
    and ``_wino_weight_grad3``, or ``_wino_weight_grad2`` where not ``wide``
    (``wide_blocks``), compiled into them)."""
    s = chunk
    ts = tiles * chunk
    # output channels per pass of ``_wino_corr4``: their M rows (group * ts values for each k)
    # stay in the first-level cache
    group = wino_group(tiles, chunk)

    def _wino_in(
        src: Any, v: Any, window: Any, shift: int, col0: int, r_lo: int, r_hi: int
    ) -> None:
        """The input transform (``WINO_B``): ``v`` (B, C, 8, R, ts) for its rows r_lo <= r <
        r_hi from ``src`` (B, C, NR, cols * chunk).  Row r of ``v`` transforms source row r -
        ``shift`` (zeros where that is no row of ``src``); v[b, c, k, r, t*chunk + m] is the
        value k of ``WINO_B @ d`` for image m, d the eight source columns col0 + 4t ... col0 +
        4t + 7 (zeros past the last one: the windows that reach past it are copied into
        ``window``, 8 * chunk long).  The other kernels read ``v`` as (B, C, 8, R * ts)."""
        prefer_wide_vectors()
        nb, c_, nr, cols = src.shape[0], src.shape[1], src.shape[2], src.shape[3]
        ncol = cols // s
        f = v.dtype.type  # constants in the data's dtype (a Python int would widen float32)
        k2, k4, k5, k8, k10, k17, k21 = f(2), f(4), f(5), f(8), f(10), f(17), f(21)
        for b in range(nb):
            for c in range(c_):
                for r in range(r_lo, r_hi):
                    vb, sr = v[b, c], r - shift
                    if sr < 0 or sr >= nr:
                        for k in range(8):
                            for t in range(ts):
                                vb[k, r, t] = 0
                        continue
                    for t in range(tiles):
                        c0 = col0 + 4 * t
                        d = src[b, c, sr, c0 * s :]
                        if c0 + 8 > ncol:
                            inside = max(0, ncol - c0) * s
                            for m in range(inside):
                                window[m] = d[m]
                            for m in range(inside, 8 * s):
                                window[m] = 0
                            d = window
                        for m in range(s):
                            d0, d1, d2, d3 = d[m], d[m + s], d[m + 2 * s], d[m + 3 * s]
                            d4, d5, d6, d7 = d[m + 4 * s], d[m + 5 * s], d[m + 6 * s], d[m + 7 * s]
                            o = t * s + m
                            vb[0, r, o] = k4 * (d0 - d6) + k21 * (d4 - d2)
                            even, odd = k17 * d4 - k4 * (d2 + d6), k17 * d3 - k4 * (d1 + d5)
                            vb[1, r, o], vb[2, r, o] = even + odd, even - odd
                            even, odd = d2 - k5 * d4 + k4 * d6, k2 * d1 - k10 * d3 + k8 * d5
                            vb[3, r, o], vb[4, r, o] = even + odd, even - odd
                            even, odd = k8 * d2 - k10 * d4 + k2 * d6, k4 * d1 - k5 * d3 + d5
                            vb[5, r, o], vb[6, r, o] = even + odd, even - odd
                            vb[7, r, o] = k4 * (d7 - d1) + k21 * (d3 - d5)

    def _wino_products4(v: Any, u: Any, mbuf: Any, b: int, i: int, o_lo: int, o_hi: int) -> None:
        """M for output row i of chunk b and the output channels [o_lo, o_hi) into ``mbuf``
        (``_wino_corr4``), four output channels per pass (twenty weights held)."""
        prefer_wide_vectors()
        c_ = v.shape[1]
        for k in range(8):
            mk = mbuf[k]
            for c in range(c_):
                r = v[b, c, k, i * ts :]
                for o in range(o_lo, o_hi, 4):
                    w0, w1, w2, w3 = (
                        u[k, o, c],
                        u[k, o + 1, c],
                        u[k, o + 2, c],
                        u[k, o + 3, c],
                    )
                    m = mk[(o - o_lo) * ts :]
                    if c == 0:
                        for t in range(ts):
                            x0, x1, x2 = r[t], r[t + ts], r[t + 2 * ts]
                            x3, x4 = r[t + 3 * ts], r[t + 4 * ts]
                            m[t] = w0[0] * x0 + w0[1] * x1 + w0[2] * x2 + w0[3] * x3 + w0[4] * x4
                            m[t + ts] = (
                                w1[0] * x0 + w1[1] * x1 + w1[2] * x2 + w1[3] * x3 + w1[4] * x4
                            )
                            m[t + 2 * ts] = (
                                w2[0] * x0 + w2[1] * x1 + w2[2] * x2 + w2[3] * x3 + w2[4] * x4
                            )
                            m[t + 3 * ts] = (
                                w3[0] * x0 + w3[1] * x1 + w3[2] * x2 + w3[3] * x3 + w3[4] * x4
                            )
                        continue
                    for t in range(ts):
                        x0, x1, x2 = r[t], r[t + ts], r[t + 2 * ts]
                        x3, x4 = r[t + 3 * ts], r[t + 4 * ts]
                        m[t] += w0[0] * x0 + w0[1] * x1 + w0[2] * x2 + w0[3] * x3 + w0[4] * x4
                        m[t + ts] += w1[0] * x0 + w1[1] * x1 + w1[2] * x2 + w1[3] * x3 + w1[4] * x4
                        m[t + 2 * ts] += (
                            w2[0] * x0 + w2[1] * x1 + w2[2] * x2 + w2[3] * x3 + w2[4] * x4
                        )
                        m[t + 3 * ts] += (
                            w3[0] * x0 + w3[1] * x1 + w3[2] * x2 + w3[3] * x3 + w3[4] * x4
                        )

    def _wino_products2(v: Any, u: Any, mbuf: Any, b: int, i: int, o_lo: int, o_hi: int) -> None:
        """``_wino_products4`` by pairs of output channels, for CPUs with 16 vector registers
        (``wide_blocks``: the twenty weights of four channels spill; AMD EPYC Zen 3, 16->16
        14x14 padded by 2, batch 64, 1 thread, in-process A/B over 12 rounds: the forward
        0.89-1.05, median 0.95, of its time, the backward (the input gradient's pass) 0.97)."""
        prefer_wide_vectors()
        c_ = v.shape[1]
        for k in range(8):
            mk = mbuf[k]
            for c in range(c_):
                r = v[b, c, k, i * ts :]
                for o in range(o_lo, o_hi, 2):
                    w0, w1 = u[k, o, c], u[k, o + 1, c]
                    m = mk[(o - o_lo) * ts :]
                    if c == 0:
                        for t in range(ts):
                            x0, x1, x2 = r[t], r[t + ts], r[t + 2 * ts]
                            x3, x4 = r[t + 3 * ts], r[t + 4 * ts]
                            m[t] = w0[0] * x0 + w0[1] * x1 + w0[2] * x2 + w0[3] * x3 + w0[4] * x4
                            m[t + ts] = (
                                w1[0] * x0 + w1[1] * x1 + w1[2] * x2 + w1[3] * x3 + w1[4] * x4
                            )
                        continue
                    for t in range(ts):
                        x0, x1, x2 = r[t], r[t + ts], r[t + 2 * ts]
                        x3, x4 = r[t + 3 * ts], r[t + 4 * ts]
                        m[t] += w0[0] * x0 + w0[1] * x1 + w0[2] * x2 + w0[3] * x3 + w0[4] * x4
                        m[t + ts] += w1[0] * x0 + w1[1] * x1 + w1[2] * x2 + w1[3] * x3 + w1[4] * x4

    products_i = jitable(_wino_products4 if wide else _wino_products2)

    def _wino_row(
        v: Any,
        u: Any,
        acc: Any,
        mbuf: Any,
        a_off: int,
        bias: Any,
        b: int,
        i: int,
        o_lo: int,
        o_hi: int,
        ow: int,
    ) -> None:
        """``_wino_corr4``'s output row i of chunk b for the output channels [o_lo, o_hi)
        (compiled as a function of its own: it asks for wide vectors too)."""
        prefer_wide_vectors()
        products_i(v, u, mbuf, b, i, o_lo, o_hi)
        f = mbuf.dtype.type
        k2, k4, k8, h1, h2, h3 = f(2), f(4), f(8), f(0.5), f(0.25), f(0.125)
        for j in range(o_lo, o_hi):
            a, bj, q0 = acc[b, j, a_off + i], bias[j], (j - o_lo) * ts
            m0, m1, m2, m3 = mbuf[0, q0:], mbuf[1, q0:], mbuf[2, q0:], mbuf[3, q0:]
            m4, m5, m6, m7 = mbuf[4, q0:], mbuf[5, q0:], mbuf[6, q0:], mbuf[7, q0:]
            for t in range(tiles):
                cols = min(4, ow - 4 * t)
                if cols == 4:
                    for m in range(s):
                        q, y = t * s + m, 4 * t * s + m
                        s12, d12 = m1[q] + m2[q], m1[q] - m2[q]
                        s34, d34 = m3[q] + m4[q], m3[q] - m4[q]
                        s56, d56 = m5[q] + m6[q], m5[q] - m6[q]
                        a[y] = m0[q] + s12 + s34 + s56 + bj
                        a[y + s] = d12 + k2 * d34 + h1 * d56 + bj
                        a[y + 2 * s] = s12 + k4 * s34 + h2 * s56 + bj
                        a[y + 3 * s] = d12 + k8 * d34 + h3 * d56 + m7[q] + bj
                    continue
                for m in range(s):  # the last tile, past the last column
                    q, y = t * s + m, 4 * t * s + m
                    s12, d12 = m1[q] + m2[q], m1[q] - m2[q]
                    s34, d34 = m3[q] + m4[q], m3[q] - m4[q]
                    s56, d56 = m5[q] + m6[q], m5[q] - m6[q]
                    a[y] = m0[q] + s12 + s34 + s56 + bj
                    if cols > 1:
                        a[y + s] = d12 + k2 * d34 + h1 * d56 + bj
                    if cols > 2:
                        a[y + 2 * s] = s12 + k4 * s34 + h2 * s56 + bj

    _wino_row = jitable(_wino_row)

    def _wino_corr4(v: Any, u: Any, acc: Any, mbuf: Any, a_off: int, bias: Any) -> None:
        """acc[b, o, a_off + i, j*chunk + m] = bias[o] + the correlation at output row i,
        column j, image m, for the rows i < R - 4 of ``v`` (B, C, 8, R * ts) and every output
        channel (a multiple of four): for each k, every channel c and four output channels at
        once,

            M[o, k] (+)= sum over p of u[k, o, c, p] * (row i + p of v[b, c, k])

        (the five kernel rows p in one statement, as ``_chunk_corr4``'s five taps; the first
        channel writes M, the others add to it), then the output transform ``WINO_A @ M``
        gives the four columns of each tile (``_wino_row``, for ``group`` output channels at a
        time).  ``mbuf`` (8, group * ts) holds M for those channels of one row: the rows of
        ``v`` that one channel c contributes are read once for all of them (first-level
        cache), where a loop over blocks of four output channels outside the channels read
        each of them from the second-level cache once per block (16->16 14x14 padded by 2,
        batch 64, 1 thread, on an Intel Xeon with 2 MB of L2 per core: these products 0.70-0.71
        -> 0.66-0.68 ms with the first channel's writes instead of zeroing M first; the layer's
        fwd + bwd 1-2% faster, 0.98-0.99 of its time in two in-process A/B runs)."""
        prefer_wide_vectors()
        nb = v.shape[0]
        o_, ow = u.shape[1], acc.shape[3] // s
        for b in range(nb):
            for i in range(v.shape[3] // ts - 4):
                for o0 in range(0, o_, group):
                    _wino_row(v, u, acc, mbuf, a_off, bias, b, i, o0, min(o_, o0 + group), ow)

    def _wino_grad_in(src: Any, gh: Any, col0: int, i0: int) -> None:
        """The weight gradient's transform of the output gradient ``src`` (B, O, OH, cols *
        chunk), rows i0 ... i0 + R - 1: gh[b, o, k, i, t*chunk + m] (B, O, 8, R, ts) is the
        value k of ``WINO_A.T @ g`` for image m, g the four source columns col0 + 4t ... col0
        + 4t + 3 of row i0 + i (which ``src`` must hold: zeros past the output's last
        column).  ``_wino_weight_grad3`` reads ``gh`` as (B, O, 8, R * ts)."""
        prefer_wide_vectors()
        nb, o_ = src.shape[0], src.shape[1]
        f = gh.dtype.type
        k2, k4, k8, h1, h2, h3 = f(2), f(4), f(8), f(0.5), f(0.25), f(0.125)
        for b in range(nb):
            for o in range(o_):
                gb = gh[b, o]
                for i in range(gh.shape[3]):
                    row = src[b, o, i0 + i, col0 * s :]
                    for t in range(tiles):
                        for m in range(s):
                            y, q = 4 * t * s + m, t * s + m
                            g0, g1, g2, g3 = row[y], row[y + s], row[y + 2 * s], row[y + 3 * s]
                            gb[0, i, q], gb[7, i, q] = g0, g3
                            even, odd = g0 + g2, g1 + g3
                            gb[1, i, q], gb[2, i, q] = even + odd, even - odd
                            even, odd = g0 + k4 * g2, k2 * g1 + k8 * g3
                            gb[3, i, q], gb[4, i, q] = even + odd, even - odd
                            even, odd = g0 + h2 * g2, h1 * g1 + h3 * g3
                            gb[5, i, q], gb[6, i, q] = even + odd, even - odd

    def _wino_weight_grad3(v: Any, gh: Any, dwh: Any, k_lo: int, k_hi: int, zero: Any) -> None:
        """dwh[k, o, c, p] = sum over b, i, t of gh[b, o, k, i*ts + t] * v[b, c, k, (i + p)*ts
        + t] for k_lo <= k < k_hi and every o and c: the weight gradient by Winograd is
        ``WINO_G.T @ dwh`` over k.  Three output channels per pass, as
        ``_chunk_weight_grad3`` (the last pass repeats the last channel where fewer are left,
        and writes only its own); each sum runs over all the rows at once (one loop per row
        was 6% slower)."""
        prefer_wide_vectors()
        nb, c_, o_ = v.shape[0], v.shape[1], gh.shape[1]
        n = gh.shape[3]
        for k in range(k_lo, k_hi):
            for o in range(0, o_, 3):
                o1, o2 = min(o + 1, o_ - 1), min(o + 2, o_ - 1)
                for c in range(c_):
                    a0, a1, a2, a3, a4 = zero, zero, zero, zero, zero
                    b0, b1, b2, b3, b4 = zero, zero, zero, zero, zero
                    c0, c1, c2, c3, c4 = zero, zero, zero, zero, zero
                    for b in range(nb):
                        r = v[b, c, k]
                        g0, g1, g2 = gh[b, o, k], gh[b, o1, k], gh[b, o2, k]
                        for t in range(n):
                            x0, x1, x2 = r[t], r[t + ts], r[t + 2 * ts]
                            x3, x4 = r[t + 3 * ts], r[t + 4 * ts]
                            u, w, y = g0[t], g1[t], g2[t]
                            a0, a1, a2 = a0 + u * x0, a1 + u * x1, a2 + u * x2
                            a3, a4 = a3 + u * x3, a4 + u * x4
                            b0, b1, b2 = b0 + w * x0, b1 + w * x1, b2 + w * x2
                            b3, b4 = b3 + w * x3, b4 + w * x4
                            c0, c1, c2 = c0 + y * x0, c1 + y * x1, c2 + y * x2
                            c3, c4 = c3 + y * x3, c4 + y * x4
                    dwh[k, o, c, 0], dwh[k, o, c, 1], dwh[k, o, c, 2] = a0, a1, a2
                    dwh[k, o, c, 3], dwh[k, o, c, 4] = a3, a4
                    if o + 1 < o_:
                        dwh[k, o1, c, 0], dwh[k, o1, c, 1], dwh[k, o1, c, 2] = b0, b1, b2
                        dwh[k, o1, c, 3], dwh[k, o1, c, 4] = b3, b4
                    if o + 2 < o_:
                        dwh[k, o2, c, 0], dwh[k, o2, c, 1], dwh[k, o2, c, 2] = c0, c1, c2
                        dwh[k, o2, c, 3], dwh[k, o2, c, 4] = c3, c4

    def _wino_weight_grad2(v: Any, gh: Any, dwh: Any, k_lo: int, k_hi: int, zero: Any) -> None:
        """``_wino_weight_grad3`` two output channels per pass (ten sums), for CPUs with 16
        vector registers, where fifteen sums spill (AMD EPYC Zen 3, 16->16 14x14 padded by 2,
        batch 64, 1 thread, in-process A/B over 10 rounds: the layer's backward, medians, 4.37 ->
        3.47 ms)."""
        prefer_wide_vectors()
        nb, c_, o_ = v.shape[0], v.shape[1], gh.shape[1]
        n = gh.shape[3]
        for k in range(k_lo, k_hi):
            for o in range(0, o_, 2):
                o1 = min(o + 1, o_ - 1)
                for c in range(c_):
                    a0, a1, a2, a3, a4 = zero, zero, zero, zero, zero
                    b0, b1, b2, b3, b4 = zero, zero, zero, zero, zero
                    for b in range(nb):
                        r = v[b, c, k]
                        g0, g1 = gh[b, o, k], gh[b, o1, k]
                        for t in range(n):
                            x0, x1, x2 = r[t], r[t + ts], r[t + 2 * ts]
                            x3, x4 = r[t + 3 * ts], r[t + 4 * ts]
                            u, w = g0[t], g1[t]
                            a0, a1, a2 = a0 + u * x0, a1 + u * x1, a2 + u * x2
                            a3, a4 = a3 + u * x3, a4 + u * x4
                            b0, b1, b2 = b0 + w * x0, b1 + w * x1, b2 + w * x2
                            b3, b4 = b3 + w * x3, b4 + w * x4
                    dwh[k, o, c, 0], dwh[k, o, c, 1], dwh[k, o, c, 2] = a0, a1, a2
                    dwh[k, o, c, 3], dwh[k, o, c, 4] = a3, a4
                    if o + 1 < o_:
                        dwh[k, o1, c, 0], dwh[k, o1, c, 1], dwh[k, o1, c, 2] = b0, b1, b2
                        dwh[k, o1, c, 3], dwh[k, o1, c, 4] = b3, b4

    # the kernels as the fused passes below call them (compiled into them; the names end in _i)
    to_chunks_i = _CHUNK_KERNELS[chunk]["to_chunks_inline"]
    from_chunks_i = _CHUNK_KERNELS[chunk]["from_chunks_inline"]
    in_i = jitable(_wino_in)
    corr4_i = jitable(_wino_corr4)
    grad_in_i = jitable(_wino_grad_in)
    weight_sums_i = jitable(_wino_weight_grad3 if wide else _wino_weight_grad2)

    def _wino_pass(
        src: Any,
        v: Any,
        window: Any,
        shift: int,
        col0: int,
        u: Any,
        acc: Any,
        mbuf: Any,
        i_lo: int,
        i_hi: int,
        bias: Any,
        out: Any,
    ) -> None:
        """A correlation by Winograd in one call: the transform ``v`` of the rows of ``src``
        (chunks; ``_wino_in``, source row r - ``shift`` at row r, from column ``col0``), the
        products into the output rows [i_lo, i_hi) of ``acc`` (``_wino_corr4``) and those
        rows into ``out`` (N, O, OH, OW) (``_from_chunks``).  Each return to Python between
        these kernels cost 20-40 us on an Intel Xeon with a slow last-level cache: the
        kernels' megabytes evict the interpreter's own data, which it then reads back (a
        pooled buffer's allocation took 1.2 us after a kernel that streamed 16 KiB, 27 us
        after one that streamed 4 MB)."""
        prefer_wide_vectors()
        in_i(src, v, window, shift, col0, 0, v.shape[3])
        flat = v.reshape((v.shape[0], v.shape[1], 8, v.shape[3] * ts))
        corr4_i(flat, u, acc, mbuf, i_lo, bias)
        from_chunks_i(acc, out, i_lo, i_hi)

    pass_i = jitable(_wino_pass)

    def _wino_forward(
        a: Any,
        xr: Any,
        left: int,
        v: Any,
        window: Any,
        shift: int,
        u: Any,
        acc: Any,
        mbuf: Any,
        i_lo: int,
        i_hi: int,
        bias: Any,
        out: Any,
    ) -> None:
        """The forward in one call: the input rows ``a`` (N, C, h, W) into chunks ``xr``
        (``_to_chunks``, ``left`` zero columns first), then ``_wino_pass`` on them from
        column 0."""
        prefer_wide_vectors()
        to_chunks_i(a, xr, left, np.empty(0, xr.dtype), 0, a.shape[2])
        pass_i(xr, v, window, shift, 0, u, acc, mbuf, i_lo, i_hi, bias, out)

    def _wino_weight(src: Any, gh: Any, col0: int, i0: int, v: Any, dwh: Any, zero: Any) -> None:
        """The weight gradient's sums in one call: ``_wino_grad_in`` (the output gradient's
        rows transformed into ``gh``), then ``_wino_weight_grad3`` (or 2) for every k against the
        input's transform ``v`` (B, C, 8, R * ts)."""
        prefer_wide_vectors()
        grad_in_i(src, gh, col0, i0)
        flat = gh.reshape((gh.shape[0], gh.shape[1], 8, gh.shape[3] * ts))
        weight_sums_i(v, flat, dwh, 0, 8, zero)

    weight_i = jitable(_wino_weight)
    loop = compiled_range()  # the parts below: one per Numba thread

    def _wino_pass_parts(
        src: Any,
        v: Any,
        window: Any,
        shift: int,
        col0: int,
        u: Any,
        acc: Any,
        mbuf: Any,
        bounds: Any,
        bias: Any,
        out: Any,
    ) -> None:
        """``_wino_pass`` over the output rows [bounds[p, 0], bounds[p, 1]) of every part p at
        once, the parts split between Numba's threads, each with buffers of its own: the
        transform of the source rows its rows read at the start of v[p] (flat, laid out (B,
        C, 8, hi - lo + 4, ts)), ``window[p]`` and ``mbuf[p]``."""
        nb, c_ = src.shape[0], src.shape[1]
        for p in loop(bounds.shape[0]):
            prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
            lo, hi = bounds[p, 0], bounds[p, 1]
            vp = v[p][: nb * c_ * 8 * (hi - lo + 4) * ts].reshape((nb, c_, 8, hi - lo + 4, ts))
            pass_i(src, vp, window[p], shift - lo, col0, u, acc, mbuf[p], lo, hi, bias, out)

    def _wino_weight_parts(
        src: Any, gh: Any, col0: int, v: Any, dwh: Any, bounds: Any, zero: Any
    ) -> None:
        """``_wino_weight`` over the output rows [bounds[p, 0], bounds[p, 1]) of every part p
        at once, the parts split between Numba's threads: part p transforms its rows of the
        output gradient in chunks ``src`` into gh[p] (flat) and sums them against its rows'
        input transform v[p] (``_wino_pass_parts``'s) into dwh[p] (8, O, C, KH)."""
        nb, o_, c_ = src.shape[0], src.shape[1], dwh.shape[3]
        for p in loop(bounds.shape[0]):
            prefer_wide_vectors()  # (in a parallel loop its body is a function of its own)
            lo, hi = bounds[p, 0], bounds[p, 1]
            ghp = gh[p][: nb * o_ * 8 * (hi - lo) * ts].reshape((nb, o_, 8, hi - lo, ts))
            vp = v[p][: nb * c_ * 8 * (hi - lo + 4) * ts].reshape((nb, c_, 8, (hi - lo + 4) * ts))
            weight_i(src, ghp, col0, lo, vp, dwh[p], zero)

    return {
        "forward": LazyKernel(_wino_forward),
        "pass": LazyKernel(_wino_pass),
        "weight": LazyKernel(_wino_weight),
        "pass_parts": LazyKernel(_wino_pass_parts, parallel=True),
        "weight_parts": LazyKernel(_wino_weight_parts, parallel=True),
    }


_WINO_KERNELS: dict = {}  # (chunk, tiles, wide) -> kernels, made on first use


def _wino(chunk: int, tiles: int) -> dict:
    key = (chunk, tiles, wide_blocks())
    if key not in _WINO_KERNELS:
        _WINO_KERNELS[key] = _wino_kernels(*key)
    return _WINO_KERNELS[key]


def wino_forward(
    a: Any,
    xr: Any,
    left: int,
    v: Any,
    window: Any,
    shift: int,
    u: Any,
    acc: Any,
    mbuf: Any,
    rows: tuple,
    bias: Any,
    out: Any,
    tiles: int,
    chunk: int,
) -> None:
    """``_wino_forward``: chunks, transform, products and the output rows [i_lo, i_hi) of
    ``rows`` in one compiled call."""
    _wino(chunk, tiles)["forward"](
        a, xr, left, v, window, shift, u, acc, mbuf, rows[0], rows[1], bias, out
    )


def wino_pass(
    src: Any,
    v: Any,
    window: Any,
    shift: int,
    col0: int,
    u: Any,
    acc: Any,
    mbuf: Any,
    rows: tuple,
    bias: Any,
    out: Any,
    tiles: int,
    chunk: int,
) -> None:
    """``_wino_pass``: transform, products and the output rows [i_lo, i_hi) of ``rows`` in
    one compiled call."""
    _wino(chunk, tiles)["pass"](
        src, v, window, shift, col0, u, acc, mbuf, rows[0], rows[1], bias, out
    )


def wino_weight(
    src: Any, gh: Any, col0: int, i0: int, v: Any, dwh: Any, tiles: int, chunk: int
) -> None:
    """``_wino_weight``: the output gradient's transform and the weight gradient's sums (dwh
    (8, O, C, KH)) in one compiled call."""
    _wino(chunk, tiles)["weight"](src, gh, col0, i0, v, dwh, dwh.dtype.type(0))


def wino_pass_parts(
    src: Any,
    v: Any,
    window: Any,
    shift: int,
    col0: int,
    u: Any,
    acc: Any,
    mbuf: Any,
    bounds: Any,
    bias: Any,
    out: Any,
    tiles: int,
    chunk: int,
) -> None:
    """``_wino_pass_parts``: ``wino_pass`` over the output rows of each part (``bounds`` (P,
    2)), the parts split between Numba's threads, each with its own buffers (v, window, mbuf
    stacked along their first axis)."""
    _wino(chunk, tiles)["pass_parts"](src, v, window, shift, col0, u, acc, mbuf, bounds, bias, out)


def wino_weight_parts(
    src: Any, gh: Any, col0: int, v: Any, dwh: Any, bounds: Any, tiles: int, chunk: int
) -> None:
    """``_wino_weight_parts``: ``wino_weight`` over the output rows of each part (``bounds``
    (P, 2)), the parts split between Numba's threads, part p's sums into dwh[p] (8, O, C,
    KH)."""
    _wino(chunk, tiles)["weight_parts"](src, gh, col0, v, dwh, bounds, dwh.dtype.type(0))
