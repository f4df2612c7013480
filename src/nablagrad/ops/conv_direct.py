"""Stride-1 convolution computed directly by compiled kernels, for 5-wide kernels on up to
16 input channels, 20 with "same" padding (both LeNet-5 convolutions, 1 or 3 channel images,
small CNNs).

On such layers im2col's GEMM has a small inner dimension (C*KH*KW = 25 for one channel): it is
bound by building and reading the column matrix (KH*KW copies of the input), and OpenBLAS runs
its few-row products far below peak; the row-shift and FFT paths pay their transforms.  Here
nothing is unrolled.  Lay every channel out as one flat run over the batch: row c of ``xc``
holds the padded planes (Hp rows of Wp) of all N images back to back.  Output pixel (n, i, j)
sits at t = (n*Hp + i)*Wp + j, and kernel tap (p, q) reads ``xc[c, p*Wp + q + t]``, so

    acc[o, t] = sum_{c, p, q} w[o, c, p, q] * xc[c, p*Wp + q + t],   t in [0, N*Hp*Wp)

is a sum of long contiguous multiply-adds, which the compiler vectorises; the positions that
are no output pixel (the last KH - 1 rows and KW - 1 columns of each plane) are computed and
dropped.  The backward reads the same runs the other way, with the output gradient ``gm`` laid
out at the run's positions (zeros elsewhere, and zeros before the run for the taps that reach
back):

    dW[o, c, p, q] = sum_t gm[o, t] * xc[c, p*Wp + q + t]
    dxc[c, s]      = sum_{o, p, q} w[o, c, p, q] * gm[o, s - p*Wp - q]

The second is the forward's correlation again, of ``gm`` with the kernels flipped and
transposed, so one kernel serves both.  Four output channels share each read of the run, in
tiles of ``TILE`` positions, and the weight gradient takes four per pass; one run over the whole
batch keeps the loops long (one run per image was 25-30% slower on 6 and 16 channels).  Where
it is chosen: ``direct_pays``.

The flat run computes every position of the padded planes, 1.3x the output pixels for a
"same"-padded 14x14 plane but 1.96x for a valid one (14x14 -> 10x10).  On small planes, with
enough images (``_chunk_size``), the batch goes innermost instead: chunks of 64 or 32 images
side by side at every pixel, so an output row of a chunk's images is one run of OW*64 (or 32)
positions and tap (p, q) reads input row i + p shifted by q*64, with nothing wasted (LeNet-5's
second layer, fwd + bwd on 1 thread: 0.75-0.80 against 0.94 ms; the 16->16 14x14 layer padded
by 2: 2.37-2.60 against 2.87-2.98).  There, with enough channels, the forward and the input
gradient go by a 1-D Winograd F(4, 5) along the width (``wino_fits``, ``_winograd``), each
pass one compiled call from the copy into chunks to the copy out (``_winograd_forward``).  Needs
Numba (``backend.jit_available()``); without it those layers take the other paths as before.
``create_graph`` backward goes through the im2col primitives, as for every path.
"""

from __future__ import annotations

from typing import Any

from .. import parallel
from ..backend import jit_available, scratch_empty
from . import _conv_direct_jit as kernels


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


def direct_pays(x_shape: tuple, w_shape: tuple, padding: tuple) -> bool:
    """Whether to prefer the direct path (given it applies): up to 16 input channels, and up
    to 20 when the padding keeps the image size ("same": the flat run then wastes only the
    shared padding, 1.3x for 14x14 planes; a valid 14x14 -> 10x10 one wastes 2x).
    Measured (batch 64 unless said, fwd + bwd, ms on 1 thread / 2 threads; direct against the
    best other path): 1->6 28x28 pad 2 (no input gradient): 0.66 / 0.61 against 1.24 / 0.93
    (im2col); 6->16 14x14: 1.21 / 0.84 against 1.70 / 1.19 (row shift); 16->16 14x14 pad 2:
    3.2 / 1.9 against 4.5 / 2.8 (FFT); 3->64 32x32 pad 2: 17.7 / 10.7 against 18.5 / 11.5
    (im2col); same-padded 20->32 14x14: 7.7 / 4.3 against 9.1 / 5.4 (FFT), 20->20 14x14:
    4.6 / 2.7 against 6.4 / 4.0, 20->32 28x28: 28.9 / 15.8 against 29.1 / 16.8, 20->64 7x7:
    4.8 / 2.7 against 6.4 / 4.1, 18->48 14x14: 10.8 / 6.0 against 12.3 / 7.4; but same-padded
    24->32 28x28: 38.0 / 18.6 against 34.0 / 19.4, 32->32 14x14: 12.5 / 6.5 against 12.1 /
    7.1, and valid 24->64 14x14: 14.5 / 8.9 against 11.3 / 6.9, valid 20->40 10x10 (batch
    128): 7.5 / 4.2 against 6.5 / 3.9 (FFT)."""
    channels = x_shape[1]
    if channels <= 16:
        return True
    (pt, pb), (pl, pr) = padding
    same = pt + pb == w_shape[2] - 1 and pl + pr == w_shape[3] - 1
    return channels <= 20 and same


# positions per tile of the forward and input-gradient kernels: four accumulator tiles of 2048
# float32 stay in the first-level cache (measured: 16->16 14x14 forward 1.12 ms tiled at 2048,
# 1.16 at 4096, 1.13 untiled; 3->6 32x32: 0.44 / 0.46 / 0.50)
TILE = 2048


def _row_stride(run: int, dtype: Any) -> int:
    """Row length for an accumulator of ``run`` positions: rows start 1 KiB apart modulo
    4 KiB.  The kernels store to four rows at once and a load from an address 4 KiB away from
    a pending store waits for it (4K aliasing): with 16384-position rows (16->16 on 14x14
    planes) the forward took 1.17-1.22 ms, 0.86-0.97 with this stride."""
    size = dtype.itemsize
    return run + ((1024 - run * size) % 4096) // size


class DirectState:
    """What the backward needs: the folded input ``xc`` (C, N*Hp*Wp + slack), the weights and
    the geometry."""

    def __init__(self, xc: Any, w: Any, x_shape: tuple, hw: tuple, compiled: bool = False) -> None:
        self.xc, self.w, self.x_shape, self.hw = xc, w, x_shape, hw
        self.compiled = compiled  # the kernels' loops split between Numba's threads


def _pitches(h: int, w: int, padding: tuple, kh: int) -> tuple:
    """(Hp, Wp): rows per image and positions per row of the folded run.  Neighbouring rows
    (and images) share their padding: the Wp - W zeros after a row's pixels are its right
    padding and the next row's left padding, so Wp = W + max(left, right), not W + left +
    right (16 instead of 18 for 14-wide planes padded by 2), and likewise Hp.  Both are at
    least the output's extent, so every output pixel has its own position."""
    (pt, pb), (pl, pr) = padding
    oh, ow = h + pt + pb - kh + 1, w + pl + pr - 4
    return max(h + max(pt, pb), oh), max(w + max(pl, pr), ow)


def _fold_input(
    xp: Any, x: Any, padding: tuple, kh: int, dtype: Any, parallel: bool = False
) -> tuple:
    """x (N, C, H, W) as (C, N*Hp*Wp + slack): each channel's padded planes back to back, zeros
    in the padding and in the (KH - 1)*Wp + 4 positions the last taps read past the run."""
    n, c, h, w = x.shape
    (pt, pb), (pl, pr) = padding
    hp, wp = _pitches(h, w, padding, kh)
    run = n * hp * wp
    xc = scratch_empty(xp, (c, run + (kh - 1) * wp + 4), dtype)
    kernels.to_run(xp.ascontiguousarray(x, dtype=dtype), xc, 0, hp, wp, pt, pl, parallel=parallel)
    return xc, (hp, wp)


# the longest output row of a chunk (OW * chunk positions) the chunked layout takes
CHUNK_ROW_MAX = 896


def _chunk_size(x_shape: tuple, w_shape: tuple, padding: tuple) -> int:
    """Images per chunk when the batch goes innermost (``_chunked_forward``), or 0 for the flat
    run.  A chunk size qualifies when filling the last chunk with empty images adds at most a
    quarter to the batch and an output row of the chunk (OW*chunk positions) fits the first-level
    cache beside its inputs (up to 896).  Chunks of 64 or 32 when the flat run would waste half
    as many positions again as there are output pixels (valid convolutions: 14x14 planes give
    10x10 outputs, 1.96x); chunks of 64 only where it wastes less ("same" padding, 1.3x for
    14x14 planes), which they beat there by their longer rows.  Measured (batch 64, 1 thread,
    fwd + bwd, ms, chunked against flat): valid 6->16 14x14 0.75-0.80 (chunks of 64), 0.81-0.86
    (of 32) against 0.94; padded by 2: 16->16 14x14 2.37-2.60 against 2.87-2.98, 20->32 14x14
    6.6 / 8.0, 6->16 10x10 0.61 / 0.77, 1->6 14x14 0.17 / 0.20; but 1->6 28x28 0.62 / 0.57,
    3->8 16x16 0.72 / 0.54, 8->16 28x28 7.1 / 6.3 (rows too long)."""
    n, _, h, w = x_shape
    (pt, pb), (pl, pr) = padding
    oh, ow = h + pt + pb - w_shape[2] + 1, w + pl + pr - w_shape[3] + 1
    hp, wp = _pitches(h, w, padding, w_shape[2])
    wasteful = hp * wp >= 1.5 * oh * ow
    for chunk in kernels.CHUNKS:
        if -(-n // chunk) * chunk > 1.25 * n or ow * chunk > CHUNK_ROW_MAX:
            continue
        if wasteful or chunk == 64:
            return chunk
    return 0


class ChunkState:
    """What the chunked backward needs: the weights, the input's shape, the chunk size, how
    many threads split the work, whether the forward went by Winograd (then so does the weight
    gradient) and either, for the direct kernels, the input in chunks (``xr``, None where each
    thread kept its own rows) and per thread the chunks it read and the input row they start
    at (``x_rows``), or, by Winograd, each thread's input rows transformed (``transformed``),
    which the weight gradient's sums read again; ``compiled``: the kernels split their loops
    between Numba's threads instead (``splits_compiled``; by Winograd ``transformed`` is then
    the parts' transforms stacked, one part per thread, see ``_wino_parts``)."""

    def __init__(
        self,
        xr: Any,
        w: Any,
        x_shape: tuple,
        chunk: int,
        parts: int,
        wino: bool,
        x_rows: list | None,
        transformed: Any,
        compiled: bool = False,
    ) -> None:
        self.xr, self.w, self.x_shape, self.chunk, self.parts = xr, w, x_shape, chunk, parts
        self.wino, self.x_rows, self.transformed = wino, x_rows, transformed
        self.compiled = compiled


def _to_chunks(
    xp: Any,
    a: Any,
    left: int,
    right: int,
    dtype: Any,
    s: int,
    sums: Any = None,
    summed: tuple = (0, None),
    out: Any = None,
    parallel: bool = False,
) -> Any:
    """a (N, C, H, W) as (B, C, H, (left + W + right) * s), chunks of s images: image k of
    chunk b at column j*s + k of every row, ``left`` and ``right`` zero columns on either
    side, and zero images after the last one to fill its chunk; each channel's sum over the
    rows [lo, hi) of ``summed`` (None: to the last) into ``sums`` (C,) when given; written
    into ``out`` when given (``_chunks_buffer``); ``parallel``: on Numba's threads."""
    if out is None:
        out = _chunks_buffer(xp, a.shape, left, right, dtype, s)
    if sums is None:
        sums = xp.empty(0, dtype)
    kernels.to_chunks(xp.asarray(a, dtype=dtype), out, left, s, sums, summed, parallel)
    return out


def _chunks_buffer(xp: Any, shape: tuple, left: int, right: int, dtype: Any, s: int) -> Any:
    """A pooled buffer for ``_to_chunks`` of an array of ``shape`` (N, C, H, W)."""
    n, c, h, w = shape
    return scratch_empty(xp, (-(-n // s), c, h, (left + w + right) * s), dtype)


def splits_within(x_shape: tuple, w_shape: tuple, padding: tuple, shards: int) -> bool:
    """Whether a convolution that ``shards`` threads would split over the batch should rather
    keep its batch whole and split the work inside (``direct_forward(..., parts=shards)``):
    when the whole batch fills chunks of 64 images and its batch shards would not (a batch of
    64 on 2 threads).  The threads then split the output rows (forward, both gradients, each
    thread with its own rows of the input and of g in chunks), and the chunks of 64 pay for
    the layout copies: on 2 threads, fwd + bwd, LeNet-5's 6->16 layer 0.69-0.74 -> 0.67-0.70
    ms, 16->16 14x14 padded by 2 1.89-1.98 -> 1.64-1.67 ms (chunks of 32 and the flat run
    before; splitting the channels of the forward and the input gradient instead of their
    rows: 1.68-1.76 ms, and LeNet-5's 6->16, six input channels, slower than before)."""
    if shards < 2 or w_shape[0] < 3 * shards:
        return False  # few output channels (set when the weight gradient split them)
    if _chunk_size(x_shape, w_shape, padding) != 64:
        return False
    shard = (-(-x_shape[0] // shards),) + tuple(x_shape[1:])
    return _chunk_size(shard, w_shape, padding) != 64


# the fewest multiply-adds of a convolution whose kernels split their loops between Numba's
# threads (``splits_compiled``): a split costs them a few microseconds
COMPILED_SPLIT_MIN_MACS = 1 << 20


def splits_compiled(x_shape: tuple, w_shape: tuple, padding: tuple, threads: int) -> bool:
    """Whether a convolution on the direct path, given ``threads`` of Numba's OpenMP threads
    (``parallel.compiled_threads``), should keep its batch whole and have the kernels split
    their loops between them (``direct_forward(..., compiled=True)``: tiles of the flat run,
    output rows of a chunk, blocks of weights), rather than split over the pool's threads,
    whose shards take the GIL back between their kernels and wake each other: from about a
    million multiply-adds.  Measured on 2 vCPUs of an Intel Xeon (Sapphire Rapids, AVX-512)
    whose pool hand-off took 66-100 us (so that the pool split no layer of LeNet-5), batch 64,
    fwd + bwd, ms, in-process, 1 thread -> 2: LeNet-5's 1->6 layer (28x28 padded by 2, flat
    run) 1.10 -> 0.84-0.85 (1.10-1.13 with the pool), its 6->16 layer (valid, chunks) 1.46 ->
    1.18, 8->16 1.75 -> 1.13; 16->16 14x14 padded by 2 by Winograd 3.69-4.18 -> 3.42 with the
    pool, by these kernels 3.01; a LeNet-5 training step 4.29-4.39 -> 3.67-3.72 (with the
    pool alone 4.10-4.31 -> 4.21-4.36).

    Shapes that go by Winograd (``wino_fits``) split its passes' output rows into one part
    per thread instead (``_compiled_forward``, ``_wino_parts``).  Measured on 2 vCPUs of an
    AMD EPYC (Zen 5, AVX-512), fwd + bwd, in-process A/B, against the direct kernels
    splitting their loops: the 16->16 layer 0.81-0.96 of their time (5 runs; 0.93-1.11 in
    minutes when the VM slowed both ~2x); with Numba
    compiling for AVX2 (``NUMBA_CPU_FEATURES``, so pairs of channels, and Winograd from 64
    channel pairs) 0.72 (2 runs), and LeNet-5's 6->16 layer (valid) 0.92-0.94."""
    if threads < 2:
        return False
    (pt, pb), (pl, pr) = padding
    n, c, h, w = x_shape
    o, _, kh, kw = w_shape
    macs = n * o * c * kh * kw * (h + pt + pb - kh + 1) * (w + pl + pr - kw + 1)
    return macs >= COMPILED_SPLIT_MIN_MACS


def _channel_parts(count: int, step: int, parts: int) -> list:
    """Up to ``parts`` ranges (lo, hi) covering ``count`` channels, every boundary but the
    last a multiple of ``step`` (the kernels' blocks), as even as that allows."""
    blocks = count // step
    parts = max(1, min(parts, blocks))
    bounds = [min(round(count * i / parts / step), blocks) * step for i in range(parts)]
    bounds.append(count)
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def _open(lo: int, hi: int, count: int) -> tuple:
    """A kernel's channel range: (lo, None) for the last range (with the leftovers)."""
    return lo, None if hi == count else hi


# Winograd F(4, 5) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016) with
# the interpolation points 0, 1, -1, 2, -2, 1/2, -1/2 and infinity: four outputs of a five-tap
# correlation y[j] = sum_q g[q] d[j + q] from eight multiplications, y = WINO_A @ ((WINO_G @ g)
# * (WINO_B @ d)) for the eight inputs d of the tile.  WINO_B and WINO_A are written out in the
# kernels (``_conv_direct_jit``: the input and output transforms); WINO_G transforms the
# kernels' rows here.  The matrices come from the Vandermonde matrix V of the points (rows
# [1, a, ..., a^7], and [0, ..., 0, 1] for infinity): WINO_B = D^-1 V^-T scaled by D so its
# entries are small integers, WINO_G = D V[:, :5] and WINO_A = V[:, :4]^T.
WINO_B = (
    (4, 0, -21, 0, 21, 0, -4, 0),
    (0, -4, -4, 17, 17, -4, -4, 0),
    (0, 4, -4, -17, 17, 4, -4, 0),
    (0, 2, 1, -10, -5, 8, 4, 0),
    (0, -2, 1, 10, -5, -8, 4, 0),
    (0, 4, 8, -5, -10, 1, 2, 0),
    (0, -4, 8, 5, -10, -1, 2, 0),
    (0, -4, 0, 21, 0, -21, 0, 4),
)
WINO_G = (
    (1 / 4, 0, 0, 0, 0),
    (1 / 18, 1 / 18, 1 / 18, 1 / 18, 1 / 18),
    (1 / 18, -1 / 18, 1 / 18, -1 / 18, 1 / 18),
    (1 / 360, 2 / 360, 4 / 360, 8 / 360, 16 / 360),
    (1 / 360, -2 / 360, 4 / 360, -8 / 360, 16 / 360),
    (16 / 45, 8 / 45, 4 / 45, 2 / 45, 1 / 45),
    (16 / 45, -8 / 45, 4 / 45, -2 / 45, 1 / 45),
    (0, 0, 0, 0, 1 / 4),
)
WINO_A = (
    (1, 1, 1, 1, 1, 1, 1, 0),
    (0, 1, -1, 2, -2, 1 / 2, -1 / 2, 0),
    (0, 1, 1, 4, 4, 1 / 4, 1 / 4, 0),
    (0, 1, -1, 8, -8, 1 / 8, -1 / 8, 1),
)


def wino_fits(w_shape: tuple, zero_rows: int) -> bool:
    """Whether a chunked correlation with ``w_shape`` (O, C, KH, KW) goes by Winograd F(4, 5)
    (``_winograd``), given how many of the rows it reads are padding (``zero_rows``): 5x5
    kernels, a multiple of four output channels (the kernel's blocks), enough channel pairs
    O*C (192 where the direct kernels take their wide blocks, 64 where they go by pairs,
    ``kernels.wide_blocks``), and at most four padding rows (the products run over them,
    which the direct kernel skips).  Measured with the wide blocks (Intel Xeon, AVX-512;
    batch 64, 1 thread, ms, direct against Winograd; forward, input gradient): 16->16 14x14
    padded by 2 0.76 / 0.69, 0.78 / 0.69; 12->16 0.60 / 0.53, 0.61 / 0.55; valid 16->16
    14x14 forward 0.45 / 0.42, but its input gradient (eight padding rows) 0.62 / 0.66; 8->16
    0.42 / 0.40 and 16->8 0.41 / 0.42 (too close), 6->16 valid (LeNet-5) 0.20 / 0.21-0.28,
    4->8 0.14 / 0.17.  By pairs (AMD EPYC Zen 3, AVX2; the layer's fwd + bwd, 15 alternating
    rounds, medians): valid 6->16 14x14 (LeNet-5) 1.66 / 1.44 ms, without the input
    gradient's share 1.08 / 0.86 (2 threads 1.10 / 1.07), valid 8->16 2.25 / 1.92, 8->8
    padded by 2 1.74 / 1.47, 6->16 10x10 padded by 2 1.38 / 1.24; 4->8 valid 0.69 / 0.70 and
    3->8 padded by 2 0.87 / 0.88 (equal)."""
    o, c, kh, kw = w_shape
    pairs = 192 if kernels.wide_blocks() else 64
    return kh == 5 and kw == 5 and o % 4 == 0 and o * c >= pairs and zero_rows <= 4


def _winograd(xp: Any, w: Any, ow: int, shift: int, col0: int, chunk: int) -> Any:
    """The chunked correlation of a source (B, C, NR, cols * chunk) with ``w`` (O, C, 5, 5) as
    ``kernels.chunk_corr`` computes it (source row i + p - shift, column col0 + j + q for
    output pixel (i, j)), by Winograd F(4, 5): 8 multiplications per 4 output columns instead
    of 20.  Returns ``corr(acc, rows, bias, src, src_row, out)``, which fills the output rows
    [lo, hi) of ``acc`` (B, O, OH, ow * chunk), and of ``out`` (N, O, OH, ow) from it, in one
    compiled call (``kernels.wino_pass``) from ``src``, whose first row is source row
    ``src_row`` (a thread's own copy of the rows it reads, or all of them from row 0; rows
    outside it read as zeros): it transforms the rows they read (lo - shift ... hi + 3 -
    shift) into a buffer of its own, so threads that split the rows need no hand-off between
    the transform and the products (each transforms four rows twice).

    Measured (16->16 14x14 padded by 2, batch 64, 1 thread, ms): forward 0.74-0.77 -> 0.61,
    input gradient 0.75-0.79 -> 0.61 (the products 0.61 -> 0.33, ~110 G multiply-adds/s, plus
    the output transform ~0.05; the input transform 0.07).  The weight gradient goes by
    Winograd too (``_chunked_backward``).  The transforms' extra rounding leaves the
    float32 error against float64 ~1.3x PyTorch's on the forward (max 1.9e-5 where PyTorch's
    float32 convolution is off by 1.4e-5, outputs up to 26) and ~2.4x on the input
    gradient."""
    o, c = w.shape[:2]
    u = _winograd_weights(xp, w)
    tiles = -(-ow // 4)

    def corr(acc: Any, rows: tuple, bias: Any, src: Any, src_row: int, out: Any) -> Any:
        """Also copies the rows into ``out`` (N, O, OH, OW), in the same compiled call, which
        the returned ``run()`` makes (its buffers allocated here, as ``_winograd_forward``'s);
        ``src`` need only be filled by then."""
        v, window, mbuf = _wino_buffers(xp, src.shape[0], c, o, rows, tiles, chunk, src.dtype)
        args = (src, v, window, shift - rows[0] + src_row, col0, u, acc, mbuf, rows, bias, out)

        def run() -> None:
            kernels.wino_pass(*args, tiles, chunk)

        return run

    return corr


def _wino_buffers(
    xp: Any, chunks: int, c: int, o: int, rows: tuple, tiles: int, chunk: int, dtype: Any
) -> tuple:
    """Pooled buffers of a Winograd pass over the output rows [lo, hi) of ``rows`` (5x5
    kernels, ``c`` input and ``o`` output channels): the transform v (chunks, C, 8, hi - lo +
    4, ts), the window the transform copies a row's last tiles into, and the products'
    accumulators (8, min(O, ``kernels.wino_group``) * ts)."""
    ts = tiles * chunk
    v = scratch_empty(xp, (chunks, c, 8, rows[1] - rows[0] + 4, ts), dtype)
    window = scratch_empty(xp, (8 * chunk,), dtype)
    mbuf = scratch_empty(xp, (8, min(o, kernels.wino_group(tiles, chunk)) * ts), dtype)
    return v, window, mbuf


def _winograd_weights(xp: Any, w: Any) -> Any:
    """``WINO_G`` applied to the rows of the kernels ``w`` (O, C, KH, 5): (8, O, C, KH),
    computed in float64 and rounded once (in float32 the input gradient's error grew 10%)."""
    o, c, kh, kw = w.shape
    u = xp.asarray(WINO_G, dtype=xp.float64) @ xp.asarray(w, dtype=xp.float64).reshape(-1, kw).T
    return u.astype(w.dtype).reshape(8, o, c, kh)


def _winograd_forward(
    xp: Any, w: Any, ow: int, shift: int, chunk: int, left: int, right: int
) -> Any:
    """The forward correlation by Winograd (as ``_winograd``'s ``corr``, from column 0 of
    chunks with ``left`` and ``right`` zero columns), with the copy into chunks before and
    the copy out of them after, all in one compiled call (``kernels.wino_forward``).  Returns
    ``forward(a, rows, bias, first, acc, out)``: the output rows [lo, hi) of ``rows`` from
    the input rows ``a`` (N, C, h, W), the input's rows ``first`` ... ``first + h - 1``,
    into ``acc`` and ``out``; it returns the rows' transform (which the weight gradient
    reads).  Each return to Python between these kernels had cost 20-40 us on an Intel Xeon
    with a slow last-level cache (see ``kernels._wino_pass``).  Measured there (16->16 14x14
    padded by 2, batch 64, fwd + bwd, in-process A/B, bit-identical): this fused forward
    0.97 of the layer's time on 1 thread; with the backward's passes fused too
    (``kernels.wino_pass`` for the input gradient, ``kernels.wino_weight`` for the weight
    gradient) 0.94 on 1 thread and 0.98 on 2."""
    o, c = w.shape[:2]
    u = _winograd_weights(xp, w)
    tiles = -(-ow // 4)

    def forward(a: Any, rows: tuple, bias: Any, first: int, acc: Any, out: Any) -> tuple:
        """(run, v): ``run()`` makes the compiled call into buffers allocated here, so that a
        thread that runs it takes the GIL back only once it is done (the allocations, made
        by the calling thread before the threads start, had kept a worker waiting for the GIL
        at its start)."""
        dtype = w.dtype
        xr = _chunks_buffer(xp, a.shape, left, right, dtype, chunk)
        v, window, mbuf = _wino_buffers(xp, xr.shape[0], c, o, rows, tiles, chunk, dtype)
        src = xp.asarray(a, dtype=dtype)
        args = (src, xr, left, v, window, shift - rows[0] + first, u, acc, mbuf, rows, bias, out)

        def run() -> None:
            kernels.wino_forward(*args, tiles, chunk)

        return run, v

    return forward


def _wino_weight_grad_rows(
    xp: Any, vx: Any, gr: tuple, w_shape: tuple, ow: int, chunk: int, rows: tuple
) -> tuple:
    """(run, dwh): ``run()`` makes the weight gradient's sums by Winograd over the output rows
    [lo, hi) of ``rows`` into dwh (8, O, C, KH), ``WINO_G.T @ dwh`` over k being their share
    of the weight gradient (its buffers allocated here, as ``_winograd_forward``'s), from
    the forward's transform ``vx`` of the input rows they read (``_winograd``'s ``corr``) and
    the output gradient in chunks ``gr`` (a (chunks, first row held) pair) transformed here by
    ``WINO_A.T`` (rows lo ... hi - 1) into a buffer of its own: threads that split the rows
    need no hand-off between the transforms and the sums.  Keeping the forward's transform
    for this (2.4 MB for 16->16 14x14 padded by 2, batch 64, where the input's chunks took 1.1
    MB) rather than transforming the input again: fwd + bwd 4.06 -> 3.84 ms on 1 thread,
    4.24 -> 3.97 ms on 2 (Intel Xeon, Emerald Rapids; on the development machine of an
    earlier session, holding it had slowed the step's other kernels)."""
    o, c, kh, kw = w_shape
    lo, hi = rows
    gr, g_row = gr
    tiles = -(-ow // 4)
    gh = scratch_empty(xp, (gr.shape[0], o, 8, hi - lo, tiles * chunk), vx.dtype)
    dwh = xp.empty((8, o, c, kh), vx.dtype)
    flat = vx.reshape(vx.shape[:3] + (-1,))

    def run() -> None:
        kernels.wino_weight(gr, gh, kw - 1, lo - g_row, flat, dwh, tiles, chunk)

    return run, dwh


def _chunked_forward(
    xp: Any,
    x: Any,
    w: Any,
    padding: tuple,
    chunk: int,
    parts: int,
    bias: Any,
    out: Any,
    compiled: bool = False,
) -> ChunkState:
    """``direct_forward`` in chunks of ``chunk`` images: the rows padded left and right, not
    above and below (the kernels read missing rows as zeros); output rows split between
    ``parts`` threads of the pool, or with ``compiled`` the kernels' loops between Numba's
    threads (``_compiled_forward``)."""
    if compiled:
        return _compiled_forward(xp, x, w, padding, chunk, bias, out)
    (pt, pb), (pl, pr) = padding
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = h + pt + pb - kh + 1, wd + pl + pr - kw + 1
    wino = wino_fits(w.shape, pt + pb)
    # Winograd reads windows of eight columns every four: room for the last one
    right = max(pr, 4 * -(-ow // 4) + 4 - pl - wd) if wino else pr
    ranges = parallel.even_ranges(oh, parts)
    # On several threads, each thread puts the input rows it reads into chunks of its own (the
    # weight gradient reads those rows again, or by Winograd their transform): no layout copy
    # before the threads start, no rows that two threads write, and each thread reads rows it
    # wrote itself, from its own core's cache (16->16 14x14 padded by 2 on 2 threads: the copy
    # took 0.08 ms before the threads started, now ~0.05 on each).  The direct kernels (no
    # Winograd) do so too, see ``_chunked_backward``.
    private = len(ranges) > 1
    # by Winograd each part copies its own rows into chunks inside its one compiled call
    xr = None if private or wino else _to_chunks(xp, x, pl, right, w.dtype, chunk)
    x_rows: list = [(xr, 0)] * len(ranges)
    acc = scratch_empty(xp, (-(-n // chunk), o, oh, ow * chunk), w.dtype)
    forward = _winograd_forward(xp, w, ow, pt, chunk, pl, right) if wino else None
    transformed: list = [None] * len(ranges)  # each thread's input rows by WINO_B

    runs: list = [None] * len(ranges)
    if forward is not None:  # every part's buffers allocated before the threads start
        for i, (lo, hi) in enumerate(ranges):
            first, last = max(0, lo - pt), min(h, hi + kh - 1 - pt)
            runs[i], transformed[i] = forward(x[:, :, first:last], (lo, hi), bias, first, acc, out)

    def part(i: int, _: int) -> None:  # output rows ranges[i]
        if runs[i] is not None:
            runs[i]()
            return
        lo, hi = ranges[i]
        first, last = max(0, lo - pt), min(h, hi + kh - 1 - pt)
        if private:
            x_rows[i] = _to_chunks(xp, x[:, :, first:last], pl, right, w.dtype, chunk), first
        src, src_row = x_rows[i]
        kernels.chunk_corr(src, w, acc, pt + src_row, 0, chunk, bias, (lo, hi))
        kernels.from_chunks(acc, out, lo, hi, chunk)

    parallel.over_ranges([(i, i + 1) for i in range(len(ranges))], part)
    if wino:  # the backward reads the transforms, not the chunks
        return ChunkState(None, w, x.shape, chunk, parts, True, None, transformed)
    return ChunkState(xr, w, x.shape, chunk, parts, False, x_rows, None)


# the fewest output rows per thread for which the compiled split takes Winograd in parts: each
# part transforms the four rows past its own too, so with fewer rows the transforms' share
# grows (the direct kernels split rows of any count; not measured beyond 2 threads)
WINO_PART_MIN_ROWS = 4


def _wino_splits(w_shape: tuple, zero_rows: int, rows: int, threads: int) -> bool:
    """Whether a correlation on Numba's threads goes by Winograd in one part per thread
    (``_wino_parts``): where it fits (``wino_fits``) and each part gets at least
    ``WINO_PART_MIN_ROWS`` of the ``rows`` output rows."""
    return wino_fits(w_shape, zero_rows) and rows >= WINO_PART_MIN_ROWS * threads


def _wino_parts(
    xp: Any, u: Any, src: Any, parts: int, shift: int, col0: int, acc: Any, bias: Any, out: Any
) -> Any:
    """``_winograd``'s correlation, with the kernels ``u`` already transformed
    (``_winograd_weights``), of ``src`` (chunks, from row 0) into ``acc`` and ``out``, its
    output rows split into ``parts`` parts (``parallel.even_ranges``) that Numba's threads
    make at once, each in one compiled call with buffers of its own
    (``kernels.wino_pass_parts``; each part transforms the four rows next to its own too).
    Returns the parts' input transforms stacked (P, ...), which the weight gradient reads
    (``_wino_weight_parts``).  Measured on 2 vCPUs of an AMD EPYC (Zen 5, AVX-512), 16->16
    14x14 padded by 2, batch 64, forward, 2 threads: 0.47-0.49 ms against 0.61 by the direct
    kernels splitting their loops (0.80 by Winograd on 1 thread)."""
    chunks, c = src.shape[:2]
    o, rows, ow = u.shape[1], acc.shape[2], out.shape[3]
    chunk = acc.shape[3] // ow
    tiles = -(-ow // 4)
    ts = tiles * chunk
    bounds = xp.asarray(parallel.even_ranges(rows, parts), dtype=xp.int64)
    most = int((bounds[:, 1] - bounds[:, 0]).max())
    dtype = src.dtype
    v = scratch_empty(xp, (len(bounds), chunks * c * 8 * (most + 4) * ts), dtype)
    window = scratch_empty(xp, (len(bounds), 8 * chunk), dtype)
    mbuf = scratch_empty(xp, (len(bounds), 8, min(o, kernels.wino_group(tiles, chunk)) * ts), dtype)
    kernels.wino_pass_parts(
        src, v, window, shift, col0, u, acc, mbuf, bounds, bias, out, tiles, chunk
    )
    return v


def _wino_weight_parts(xp: Any, gr: Any, state: ChunkState, ow: int) -> Any:
    """The weight gradient by Winograd from the output gradient in chunks ``gr`` and the
    forward's parts' input transforms (``_wino_parts``), each part's sums over its own output
    rows on Numba's threads at once (``kernels.wino_weight_parts``), then summed in part
    order and taken back by ``WINO_G``."""
    w, chunk = state.w, state.chunk
    o, c, kh, _ = w.shape
    tiles = -(-ow // 4)
    bounds = xp.asarray(parallel.even_ranges(gr.shape[2], state.parts), dtype=xp.int64)
    most = int((bounds[:, 1] - bounds[:, 0]).max())
    gh = scratch_empty(xp, (len(bounds), gr.shape[0] * o * 8 * most * tiles * chunk), w.dtype)
    dwh = xp.empty((len(bounds), 8, o, c, kh), w.dtype)
    kernels.wino_weight_parts(gr, gh, 4, state.transformed, dwh, bounds, tiles, chunk)
    total = dwh.sum(axis=0)  # dW[o, c, p, q] = sum over k of WINO_G[k, q] * dwh[k, o, c, p]
    return (total.reshape(8, -1).T @ xp.asarray(WINO_G, dtype=w.dtype)).reshape(w.shape)


def _compiled_forward(
    xp: Any, x: Any, w: Any, padding: tuple, chunk: int, bias: Any, out: Any
) -> ChunkState:
    """``_chunked_forward`` with the kernels' loops split between Numba's threads
    (``splits_compiled``): the copy into chunks by channels, then the correlation by
    Winograd where it fits and each thread gets enough rows (``_wino_splits``; the output
    rows in one part per thread, ``_wino_parts``), else by the direct kernels (the output
    rows), and the copy out by channels."""
    (pt, pb), (pl, pr) = padding
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = h + pt + pb - kh + 1, wd + pl + pr - kw + 1
    parts = parallel.compiled_threads()
    wino = _wino_splits(w.shape, pt + pb, oh, parts)
    # Winograd reads windows of eight columns every four: room for the last one
    right = max(pr, 4 * -(-ow // 4) + 4 - pl - wd) if wino else pr
    xr = _to_chunks(xp, x, pl, right, w.dtype, chunk, parallel=True)
    acc = scratch_empty(xp, (xr.shape[0], o, oh, ow * chunk), w.dtype)
    if wino:
        v = _wino_parts(xp, _winograd_weights(xp, w), xr, parts, pt, 0, acc, bias, out)
        return ChunkState(None, w, x.shape, chunk, parts, True, None, v, True)
    kernels.chunk_corr(xr, w, acc, pt, 0, chunk, bias, (0, oh), True)
    kernels.from_chunks(acc, out, 0, oh, chunk, True)
    return ChunkState(xr, w, x.shape, chunk, 1, False, [(xr, 0)], None, True)


def _compiled_backward(
    xp: Any, g: Any, state: ChunkState, padding: tuple, need_x: bool, need_w: bool, need_b: bool
) -> tuple:
    """``_chunked_backward`` after ``_compiled_forward``: the output gradient into chunks by
    channels (summing the bias gradient on the way), the input gradient by Winograd where it
    fits (``_wino_splits``: its rows in one part per thread) else by the direct kernels, and
    the weight gradient by Winograd where the forward went so, else by the direct kernels
    (blocks of weights split between the threads)."""
    w, s = state.w, state.chunk
    n, c, h, wd = state.x_shape
    o, _, kh, kw = w.shape
    (pt, pb), (pl, _) = padding
    dtype = w.dtype
    gb = xp.empty(o, dtype) if need_b else None
    gr = _to_chunks(xp, g, kw - 1, kw - 1, dtype, s, gb, parallel=True)
    gx = gw = None
    if need_x:  # the forward's correlation of g with the kernels flipped and transposed
        gx = scratch_empty(xp, (n, c, h, wd), dtype)
        no_bias = xp.zeros(c, dtype)
        flipped = xp.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        acc = scratch_empty(xp, (gr.shape[0], c, h, wd * s), dtype)
        threads = parallel.compiled_threads()
        if _wino_splits(flipped.shape, 2 * (kh - 1) - pt - pb, h, threads):
            u = _winograd_weights(xp, flipped)
            _wino_parts(xp, u, gr, threads, kh - 1 - pt, pl, acc, no_bias, gx)
        else:
            kernels.chunk_corr(gr, flipped, acc, kh - 1 - pt, pl * s, s, no_bias, (0, h), True)
            kernels.from_chunks(acc, gx, 0, h, s, True)
    if need_w and state.wino:
        gw = _wino_weight_parts(xp, gr, state, g.shape[3])
    elif need_w:
        gw = xp.empty(w.shape, dtype=dtype)
        kernels.chunk_weight_grad(state.xr, gr, gw, pt, (kw - 1) * s, s, parallel=True)
    return gx, gw, gb


def _chunked_backward(
    xp: Any, g: Any, state: ChunkState, padding: tuple, need_x: bool, need_w: bool, need_b: bool
) -> tuple:
    """``direct_backward`` in chunks.  The output gradient gets KW - 1 zero columns on either
    side; the input gradient is the forward's correlation of it with the kernels flipped and
    transposed (rows above and below again read as zeros):

        dx[c, i, j] = sum_{o, p, q} w[o, c, KH-1-p, KW-1-q] * g[o, i + pt - (KH-1) + p,
                                                               j + pl - (KW-1) + q]

    After a forward on Numba's threads: ``_compiled_backward``.
    """
    if state.compiled:
        return _compiled_backward(xp, g, state, padding, need_x, need_w, need_b)
    w, s = state.w, state.chunk
    n, c, h, wd = state.x_shape
    o, _, kh, kw = w.shape
    (pt, pb), (pl, _) = padding
    dtype = w.dtype
    # the weight gradient by Winograd where the forward went so: each thread sums over its own
    # output rows (2 threads, 16->16 with the bias: 0.43-0.45 against the direct kernels'
    # 0.48-0.49 ms; split by the components k instead, the transforms needed a hand-off of
    # their own: 0.55 ms, and with other processes loading the cores each hand-off waits for a
    # descheduled worker)
    # likewise where the forward's threads kept their own input rows (``by_rows``), with the
    # direct kernels.  Their weight gradient was split by output channels, each thread reading
    # all of the input and of g, which the calling thread had copied; the worker's share took
    # 0.18 ms against the caller's 0.14.  By rows, LeNet-5's 6->16 layer (valid, fwd + bwd) on
    # 2 threads of the Intel Xeon, 8 alternating runs of 400 calls: best 1.09 against 1.23
    # ms on average, medians 1.41 against 1.53 (the machine's speed swinging ~1.5x between
    # runs).
    wino = need_w and state.wino
    by_rows = not state.wino and state.xr is None
    oh = g.shape[2]
    rows_split = wino or by_rows
    w_parts = (
        parallel.even_ranges(oh, state.parts) if rows_split else _channel_parts(o, 3, state.parts)
    )
    x_parts = parallel.even_ranges(h, state.parts)
    threads = max(len(w_parts), len(x_parts))
    gb = xp.empty(o, dtype) if need_b else None
    # as the forward's input: on several threads each thread puts the rows of g it reads into
    # chunks of its own, and sums the bias gradient over its own rows
    private = rows_split and threads > 1
    gr = None if private else _to_chunks(xp, g, kw - 1, kw - 1, dtype, s, gb)
    partial = xp.zeros((threads, o if need_b else 0), dtype) if private else None
    gw = xp.empty(w.shape, dtype=dtype) if need_w else None
    gx = flipped = acc = no_bias = corr = None
    if need_x:
        gx = scratch_empty(xp, (n, c, h, wd), dtype)
        no_bias = xp.zeros(c, dtype)
        flipped = xp.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        acc = scratch_empty(xp, (-(-n // s), c, h, wd * s), dtype)
        if wino_fits(flipped.shape, 2 * (kh - 1) - pt - pb):  # (as the forward)
            corr = _winograd(xp, flipped, wd, kh - 1 - pt, pl, s)
    sums: list = [None] * len(w_parts)

    def own_span(i: int) -> tuple | None:
        """Thread i's rows of g, [first, last): those its input gradient reads (x_parts[i]
        reads rows lo - (KH-1-pt) ... hi - 1 + pt) and its weight gradient's (w_parts[i]),
        and the rows of them its bias gradient sums (its own, w_parts[i])."""
        spans = [w_parts[i]] if i < len(w_parts) else []
        if need_x and i < len(x_parts):
            spans.append((x_parts[i][0] - (kh - 1 - pt), x_parts[i][1] + pt))
        if not spans:
            return None
        first = max(0, min(lo for lo, _ in spans))
        last = min(oh, max(hi for _, hi in spans))
        own = w_parts[i] if i < len(w_parts) else (first, first)
        return first, last, (own[0] - first, own[1] - first)

    # Before the threads start: every thread's buffer for its rows of g and, by Winograd, its
    # passes' buffers (``_winograd``'s ``corr``, ``_wino_weight_grad_rows``).  A thread then
    # takes the GIL back only between its compiled calls; the allocations had kept a woken
    # worker waiting for the GIL while the caller made its own.
    g_rows: list = [(gr, 0)] * threads
    own: list = [None] * threads  # (rows of g, rows summed) of each thread, when private
    if private:
        for i in range(threads):
            span = own_span(i)
            if span is not None:
                rows = g[:, :, span[0] : span[1]]
                own[i] = rows, span[2]
                g_rows[i] = _chunks_buffer(xp, rows.shape, kw - 1, kw - 1, dtype, s), span[0]
    input_runs: list = [None] * threads
    weight_runs: list = [None] * threads
    if corr is not None:
        for i, rows in enumerate(x_parts):
            src, src_row = g_rows[i]
            input_runs[i] = corr(acc, rows, no_bias, src, src_row, gx)
    if wino:
        for i, rows in enumerate(w_parts):
            vx = state.transformed[i]
            weight_runs[i], sums[i] = _wino_weight_grad_rows(
                xp, vx, g_rows[i], w.shape, g.shape[3], s, rows
            )

    def own_rows(i: int) -> None:
        if own[i] is not None:
            rows, summed = own[i]
            out = g_rows[i][0]
            _to_chunks(xp, rows, kw - 1, kw - 1, dtype, s, partial[i], summed, out=out)

    def weight_part(i: int) -> None:
        if need_w and i < len(w_parts):
            lo, hi = w_parts[i]
            if wino:
                weight_runs[i]()
            elif by_rows:  # this thread's output rows: its own rows of the input and of g
                (src, x_first), (gsrc, g_first) = state.x_rows[i], g_rows[i]
                sums[i] = share = xp.empty(w.shape, dtype=dtype)
                shift = pt + x_first - g_first
                rows = (lo - g_first, hi - g_first)
                kernels.chunk_weight_grad(src, gsrc, share, shift, (kw - 1) * s, s, g_rows=rows)
            else:
                channels = _open(lo, hi, o)
                kernels.chunk_weight_grad(state.xr, gr, gw, pt, (kw - 1) * s, s, channels)

    def input_part(i: int) -> None:
        if need_x and i < len(x_parts):
            lo, hi = x_parts[i]
            src, src_row = g_rows[i]
            if corr is None:
                shift = kh - 1 - pt + src_row
                kernels.chunk_corr(src, flipped, acc, shift, pl * s, s, no_bias, (lo, hi))
                kernels.from_chunks(acc, gx, lo, hi, s)
            else:  # into gx as well
                input_runs[i]()

    def part(i: int, _: int) -> None:
        # thread i: its share of the weight gradient and its rows of the input gradient; by
        # Winograd the input gradient goes first, so that the weight gradient's transforms are
        # made just before their use (16->16 backward on 1 thread: 1.32-1.45 ms, against
        # 1.42-1.50 with them made first)
        if private:
            own_rows(i)
        first, second = (input_part, weight_part) if wino else (weight_part, input_part)
        first(i)
        second(i)

    parallel.over_ranges([(i, i + 1) for i in range(threads)], part)
    if private and need_b:
        gb[...] = partial.sum(axis=0)
    if need_w and rows_split:  # the threads' shares, summed in thread order
        total = sums[0] if len(sums) == 1 else sum(sums[1:], sums[0])
        if wino:  # dW[o, c, p, q] = sum over k of WINO_G[k, q] * dwh[k, o, c, p]
            wg = xp.asarray(WINO_G, dtype=dtype)
            total = (total.reshape(8, -1).T @ wg).reshape(w.shape)
        gw[...] = total
    return gx, gw, gb


def direct_forward(
    xp: Any,
    x: Any,
    w: Any,
    padding: tuple,
    parts: int = 1,
    bias: Any = None,
    out: Any = None,
    compiled: bool = False,
) -> tuple:
    """(out (N, O, OH, OW), state) for the stride-1 correlation of x padded by ``padding``,
    plus ``bias`` (O,) when given (the kernels start their sums from it: no pass over the
    output to add it), written into ``out`` when given; in the chunked layout the work is
    split between ``parts`` threads of the pool (forward and backward, see
    ``splits_within``); with ``compiled`` the kernels' loops between Numba's threads instead
    (``splits_compiled``)."""
    dtype = xp.result_type(x, w)
    w = xp.ascontiguousarray(w, dtype=dtype)
    o, _, kh, kw = w.shape
    (pt, pb), (pl, pr) = padding
    oh, ow = x.shape[2] + pt + pb - kh + 1, x.shape[3] + pl + pr - kw + 1
    n = x.shape[0]
    bias = xp.zeros(o, dtype) if bias is None else xp.ascontiguousarray(bias, dtype=dtype)
    if out is None:
        out = scratch_empty(xp, (n, o, oh, ow), dtype)
    chunk = _chunk_size(x.shape, w.shape, padding)
    if chunk:
        return out, _chunked_forward(xp, x, w, padding, chunk, parts, bias, out, compiled)
    xc, (hp, wp) = _fold_input(xp, x, padding, kh, dtype, compiled)
    run = n * hp * wp
    acc = scratch_empty(xp, (o, _row_stride(run, dtype)), dtype)
    kernels.forward(xc, w, acc, run, wp, TILE, bias, parallel=compiled)
    kernels.from_run(acc, out, hp, wp, 0, 0, parallel=compiled)
    return out, DirectState(xc, w, x.shape, (hp, wp), compiled)


def direct_backward(
    xp: Any,
    g: Any,
    state: DirectState,
    padding: tuple,
    need_x: bool,
    need_w: bool,
    need_b: bool = False,
) -> tuple:
    """(dL/dx (N, C, H, W), dL/dW (O, C, KH, KW), dL/db (O,)) from g (N, O, OH, OW); None
    where not needed (the layout copy of g sums the bias gradient on the way)."""
    if isinstance(state, ChunkState):
        return _chunked_backward(xp, g, state, padding, need_x, need_w, need_b)
    xc, w = state.xc, state.w
    n, c, h, wd = state.x_shape
    hp, wp = state.hw
    o, _, kh, _ = w.shape
    dtype, run = xc.dtype, n * hp * wp
    zero = dtype.type(0)
    # g at the run's positions (zeros where no output pixel is), after `start` zeros that the
    # input gradient's taps read before the run
    start = (kh - 1) * wp + 4
    gm = scratch_empty(xp, (o, start + run), dtype)
    gb = xp.empty(o, dtype) if need_b else None
    par = state.compiled  # the kernels' loops split between Numba's threads
    kernels.to_run(xp.ascontiguousarray(g, dtype=dtype), gm, start, hp, wp, sums=gb, parallel=par)
    gx = gw = None
    if need_w:
        gw = xp.empty(w.shape, dtype=dtype)
        kernels.weight_grad(xc, gm, start, run, gw, wp, zero, parallel=par)
    if need_x:
        # dxc[c, s] = sum over o, p, q of w[o, c, p, q] * gm[o, start + s - p*Wp - q]: the
        # forward's correlation of gm with the kernels flipped and transposed
        flipped = xp.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        dxc = scratch_empty(xp, (c, _row_stride(run, dtype)), dtype)
        kernels.forward(gm, flipped, dxc, run, wp, TILE, xp.zeros(c, dtype), parallel=par)
        (pt, _), (pl, _) = padding
        gx = scratch_empty(xp, (n, c, h, wd), dtype)
        kernels.from_run(dxc, gx, hp, wp, pt, pl, parallel=par)
    return gx, gw, gb
