"""Pooling by compiled kernels: 2x2 windows with stride 2 (the pooling of nearly every CNN),
max and average, and max pooling of any other geometry (ResNet's and GoogLeNet's overlapping
3x3 windows with stride 2).

The NumPy block path (``conv._block_max``, ``conv._block_sum``) makes a pass over the whole
batch for every kernel position, with strided reads and an index array per pass; here one
pass reads each window's four values and writes its result (and, for max pooling, the
window position of the maximum, 0..3 as uint8), and the backward writes each window once.
Measured (batch 64, 1 thread, forward / backward): max pooling of 64x32x32 planes 6.9 ms /
5.3 ms by the NumPy path, 0.34 / 1.3 ms here; 128x16x16: 2.1 / 3.5 against 0.28 / 0.71.
Overlapping max pooling, 3x3 stride 2 pad 1 on 64x64x48x48 (fwd / fwd + bwd, 1 thread): 102 /
178 ms by NumPy's strided passes (one per kernel position, then one scatter pass each), 22 /
38 ms here (PyTorch: 53 / 72 ms): a horizontal stride of 2 takes a separable, vectorised
kernel; other strides a scalar one (49 ms forward on that layer; a stride known only at run
time keeps the compiler from vectorising).
Torch's rules hold: ties give the first maximum, a window with NaN gives its last NaN.
Needs Numba (``backend.jit_available()``); without it the NumPy block path runs.  Large
inputs are split over the batch between ``set_num_threads`` threads.
"""

from __future__ import annotations

from typing import Any

from .. import parallel
from ..backend import get_array_module, jit_available, scratch_empty
from ..parallel import over_batch
from . import _pool_jit as kernels
from . import _split_jit
from .pooled import COMPILED_SPLIT_MIN


def _shards(xp: Any, kernel: Any, arrays: tuple, args: tuple, work: int) -> None:
    """``kernel(*shards of arrays, *args)`` over batch shards: on Numba's threads inside one
    compiled call (``_split_jit.batch``) where ``parallel.compiled_split`` says so (from
    ``pooled.COMPILED_SPLIT_MIN`` elements), else on the pool's threads (``over_batch``).
    LeNet-5's 2x2 pooling of 64x6x28x28, 1 thread -> 2 (Intel Xeon, 2 vCPUs whose pool
    hand-off took 66-100 us, so that the pool did not split it), two measurements: average
    forward 50-51 -> 37-40 us, backward 64-74 -> 44-55 us, max forward 102-106 -> 66-81 us."""
    n = arrays[0].shape[0]
    threads = parallel.compiled_split(xp, n, work, COMPILED_SPLIT_MIN)
    if threads > 1 and _split_jit.batch(kernel, arrays, args, threads):
        return
    over_batch(xp, n, work, lambda a, b: kernel(*(arr[a:b] for arr in arrays), *args))


def pool_2x2_ok(
    xp: Any, x: Any, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple
) -> bool:
    """Whether the compiled 2x2 path applies: Numba, a NumPy float32/float64 (N, C, H, W)
    batch, kernel and stride 2, no padding or dilation, at least one window."""
    return (
        tuple(kernel) == (2, 2)
        and tuple(stride) == (2, 2)
        and tuple(padding) == (0, 0)
        and tuple(dilation) == (1, 1)
        and x.ndim == 4
        and x.shape[2] >= 2
        and x.shape[3] >= 2
        and xp.__name__ == "numpy"
        and x.dtype in (xp.float32, xp.float64)
        and jit_available()
    )


class Pool2x2Plan:
    """The backward of a compiled 2x2 pooling (``scatter``, and its adjoint ``gather`` for
    second derivatives): the window position of each maximum (``idx``; None for average
    pooling, whose windows all get g * ``scale``)."""

    def __init__(self, x_shape: tuple, idx: Any, scale: Any) -> None:
        self.x_shape, self.idx, self.scale = x_shape, idx, scale

    def scatter(self, g: Any) -> Any:
        xp = get_array_module(g)
        n, c, h, w = self.x_shape
        oh, ow = g.shape[2], g.shape[3]
        gx = scratch_empty(xp, self.x_shape, g.dtype)
        if h > 2 * oh:  # rows and columns no window covers
            gx[:, :, 2 * oh :] = 0
        if w > 2 * ow:
            gx[:, :, : 2 * oh, 2 * ow :] = 0
        g = xp.ascontiguousarray(g)
        if self.idx is None:
            scale, scatter = g.dtype.type(self.scale), kernels.avg_scatter
            _shards(xp, scatter, (g, gx), (scale,), gx.size)
        else:
            idx, scatter = self.idx, kernels.max_scatter
            bits = xp.dtype(f"i{g.dtype.itemsize}")  # the kernel moves the values' bits
            gi, gxi = g.view(bits), gx.view(bits)
            neg0 = xp.array(-0.0, g.dtype).view(bits)[()]
            _shards(xp, scatter, (gi, idx, gxi), (neg0,), gx.size)
        return gx

    def gather(self, x: Any) -> Any:
        xp = get_array_module(x)
        n, c = x.shape[:2]
        oh, ow = self.x_shape[2] // 2, self.x_shape[3] // 2
        v = x[:, :, : 2 * oh, : 2 * ow].reshape(n, c, oh, 2, ow, 2)
        if self.idx is None:
            return v.sum(axis=(3, 5)) * x.dtype.type(self.scale)
        windows = v.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, 4)
        return xp.take_along_axis(windows, self.idx[..., None].astype(xp.intp), axis=4)[..., 0]


def max_pool_2x2(xp: Any, x: Any) -> tuple:
    """(out (N, C, H//2, W//2), plan) of 2x2 max pooling with stride 2."""
    x = xp.ascontiguousarray(x)
    n, c, h, w = x.shape
    out = scratch_empty(xp, (n, c, h // 2, w // 2), x.dtype)
    idx = scratch_empty(xp, out.shape, xp.uint8)
    _shards(xp, kernels.max_forward, (x, out, idx), (), x.size)
    return out, Pool2x2Plan(x.shape, idx, None)


def avg_pool_2x2(xp: Any, x: Any, div: float) -> tuple:
    """(out, plan) of 2x2 average pooling with stride 2: window sums times 1 / ``div``."""
    x = xp.ascontiguousarray(x)
    n, c, h, w = x.shape
    out = scratch_empty(xp, (n, c, h // 2, w // 2), x.dtype)
    scale = x.dtype.type(1.0 / div)
    _shards(xp, kernels.avg_forward, (x, out), (scale,), x.size)
    return out, Pool2x2Plan(x.shape, None, 1.0 / div)


def max_pool_general_ok(xp: Any, x: Any) -> bool:
    """Whether the compiled general max pooling applies: Numba and a NumPy float32/float64
    (N, C, H, W) batch (any kernel, stride, padding and dilation)."""
    return (
        x.ndim == 4
        and xp.__name__ == "numpy"
        and x.dtype in (xp.float32, xp.float64)
        and jit_available()
    )


def max_pool_general(
    xp: Any, xpad: Any, kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple
) -> tuple:
    """(out (N, C, OH, OW), the kernel position 0 .. KH*KW - 1 of each maximum (int32)) of the
    input padded with -inf (or the integer minimum)."""
    xpad = xp.ascontiguousarray(xpad)
    n, c = xpad.shape[:2]
    out = scratch_empty(xp, (n, c) + tuple(out_hw), xpad.dtype)
    arg = scratch_empty(xp, out.shape, xp.int32)
    if stride[1] in (1, 2):  # separable, vectorised (see _pool_jit._max_forward_separable)
        forward = kernels.max_forward_separable
        rows = (xpad.shape[2], out_hw[1])
        geometry = (kernel[0], kernel[1], stride[0], stride[1], dilation[0], dilation[1])

        def shard(a: int, b: int) -> None:
            hbuf, harg = xp.empty(rows, dtype=xpad.dtype), xp.empty(rows, dtype=xp.int32)
            forward(xpad[a:b], out[a:b], arg[a:b], hbuf, harg, *geometry)

    else:
        forward = kernels.max_forward_general
        geometry = (*kernel, *stride, *dilation)

        def shard(a: int, b: int) -> None:
            forward(xpad[a:b], out[a:b], arg[a:b], *geometry)

    over_batch(xp, n, xpad.size, shard)
    return out, arg


def max_scatter_general(
    xp: Any, g: Any, arg: Any, pshape: tuple, kernel: tuple, stride: tuple, dilation: tuple
) -> Any:
    """The padded-input gradient (``pshape``) of ``max_pool_general``: g added at each
    window's maximum."""
    g = xp.ascontiguousarray(g)
    gxpad = xp.zeros(pshape, dtype=g.dtype)
    scatter = kernels.max_scatter_general
    geometry = (kernel[1], *stride, *dilation)
    over_batch(
        xp, g.shape[0], gxpad.size, lambda a, b: scatter(g[a:b], arg[a:b], gxpad[a:b], *geometry)
    )
    return gxpad
