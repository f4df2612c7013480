"""Training-mode batch normalisation as one fused primitive.

For x viewed as (N, C, L) (L = the product of the spatial sizes; 1 for (N, C) input) and
m = N * L values per channel:

    mean_c = sum(x) / m,  var_c = sum((x - mean)^2) / m,  s_c = 1 / sqrt(var_c + eps)
    y = (x - mean) * (s * w) + b

    dL/db = sum(g),  dL/dw = s * sum(g * (x - mean))
    dL/dx = w s (g - sum(g) / m - (x - mean) s^2 sum(g * (x - mean)) / m)

Composed from primitives this takes about a dozen passes over x-sized arrays forward and as many
backward, each allocating; fused, the forward reads x twice and writes two arrays (the centred
input, kept for backward, and y), and the backward makes two reductions and three passes.
Per-channel sums run over the contiguous L axis (NumPy's fastest reduction).  On big inputs
every pass is split over the batch between ``nablagrad.set_num_threads`` threads (partial
per-channel sums added up in batch order between passes).  Under
``create_graph`` the backward is the same formula in differentiable operations.

Example:
    >>> import nablagrad as torch
    >>> x = torch.randn(8, 3, 4, 4)
    >>> y = BatchNormFn.apply(x, torch.ones(3), torch.zeros(3), eps=1e-5, stats={})
    >>> round(float(y.mean()), 6) == 0.0
    True
"""

from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..backend import get_array_module, jit_available, scratch_empty
from ..parallel import batch_ranges, over_ranges
from ._batchnorm_jit import kernels

# below this many elements per plane (L) the compiled kernels' inner loops are too short to
# pay: BatchNorm1d's (N, C) input keeps the NumPy passes
COMPILED_MIN_PLANE = 16


def _compiled_ok(xp: Any, x3: Any, w: Any, b: Any) -> bool:
    """Whether the compiled kernels apply: Numba, NumPy float32/float64 input with planes of at
    least ``COMPILED_MIN_PLANE`` elements, weights and bias of the same dtype."""
    return (
        xp.__name__ == "numpy"
        and x3.dtype in (xp.float32, xp.float64)
        and x3.shape[2] >= COMPILED_MIN_PLANE
        and w.dtype == x3.dtype
        and b.dtype == x3.dtype
        and jit_available()
    )


def _channel_sums(xp: Any, a: Any) -> Any:
    """Per-channel sums of a (N, C, L) array, accumulated in the array's dtype."""
    return a.sum(axis=2).sum(axis=0)


class BatchNormFn(Function):
    """y = (x - mean) / sqrt(var + eps) * w + b with the batch's statistics (biased variance);
    ``stats`` (a dict) receives the batch ``mean`` and ``var`` (C,) for the running averages."""

    def forward(self, x, w, b, eps=1e-5, stats=None):
        xp = get_array_module(x)
        n, c = x.shape[:2]
        x3 = x.reshape(n, c, -1)
        m = x3.shape[0] * x3.shape[2]
        if _compiled_ok(xp, x3, w, b):
            return self._forward_compiled(xp, x3, w, b, eps, stats).reshape(x.shape)
        self.mean = None
        ranges = batch_ranges(xp, n, x.size)  # each pass split over the batch on big inputs
        mean = sum(over_ranges(ranges, lambda i, j: _channel_sums(xp, x3[i:j])))
        mean = mean / x.dtype.type(m)
        centered = scratch_empty(xp, x3.shape, x.dtype)

        def center(i: int, j: int) -> Any:  # the centred input and its partial squared sums
            xp.subtract(x3[i:j], mean[:, None], out=centered[i:j])
            return xp.einsum("ncl,ncl->c", centered[i:j], centered[i:j])

        var = sum(over_ranges(ranges, center)) / x.dtype.type(m)
        s = (1.0 / xp.sqrt(var + eps)).astype(x.dtype)
        y = scratch_empty(xp, x3.shape, x.dtype)
        scale = (s * w)[:, None]

        def normalize(i: int, j: int) -> None:
            xp.multiply(centered[i:j], scale, out=y[i:j])
            y[i:j] += b[:, None]

        over_ranges(ranges, normalize)
        if stats is not None:
            stats["mean"], stats["var"] = mean, var
        self.centered, self.s, self.count, self.eps = centered, s, m, eps
        return y.reshape(x.shape)

    def backward(self, g, out, x, w, b):
        if self.m.tensors:
            return self._backward_graph(g, x, w)
        if self.mean is not None:
            return self._backward_compiled(g, x, w)
        xp = get_array_module(g)
        n, c = g.shape[:2]
        g3 = g.reshape(n, c, -1)
        centered, s, m = self.centered, self.s, self.count
        ranges = batch_ranges(xp, n, g.size)

        def sums(i: int, j: int) -> tuple:
            return _channel_sums(xp, g3[i:j]), xp.einsum("ncl,ncl->c", g3[i:j], centered[i:j])

        parts = over_ranges(ranges, sums)
        sg, sgc = sum(p[0] for p in parts), sum(p[1] for p in parts)
        gx = gw = gb = None
        if self.needs(0):
            a = w * s
            k = (-a * s * s * sgc / g.dtype.type(m))[:, None]
            const = (-a * sg / g.dtype.type(m))[:, None]
            gx = scratch_empty(xp, g3.shape, g.dtype)

            def input_grad(i: int, j: int) -> None:
                xp.multiply(centered[i:j], k, out=gx[i:j])
                gx[i:j] += const
                tmp = scratch_empty(xp, g3[i:j].shape, g.dtype)
                xp.multiply(g3[i:j], a[:, None], out=tmp)
                gx[i:j] += tmp

            over_ranges(ranges, input_grad)
            gx = gx.reshape(g.shape)
        if self.needs(1):
            gw = sgc * s
        if self.needs(2):
            gb = sg
        return gx, gw, gb

    def _forward_compiled(self, xp: Any, x3: Any, w: Any, b: Any, eps: float, stats: Any) -> Any:
        """The forward by the compiled kernels: two reading passes for the statistics (sums in
        float64 across planes), one for y; x itself, not a centred copy, serves the backward."""
        k = kernels()
        n, c, _ = x3.shape
        x3 = xp.ascontiguousarray(x3)
        m, zero = n * x3.shape[2], x3.dtype.type(0)
        ranges = batch_ranges(xp, n, x3.size)

        def sums(i: int, j: int) -> Any:
            part = xp.zeros(c)
            k["sums"](x3[i:j], part, zero)
            return part

        mean = (sum(over_ranges(ranges, sums)) / m).astype(x3.dtype)

        def square_deviations(i: int, j: int) -> Any:
            part = xp.zeros(c)
            k["square_deviation_sums"](x3[i:j], mean, part, zero)
            return part

        var = (sum(over_ranges(ranges, square_deviations)) / m).astype(x3.dtype)
        s = (1.0 / xp.sqrt(var + eps)).astype(x3.dtype)
        scale = xp.ascontiguousarray(s * w, dtype=x3.dtype)
        shift = xp.ascontiguousarray(b, dtype=x3.dtype)
        y = scratch_empty(xp, x3.shape, x3.dtype)
        over_ranges(ranges, lambda i, j: k["normalize"](x3[i:j], mean, scale, shift, y[i:j]))
        if stats is not None:
            stats["mean"], stats["var"] = mean, var
        self.centered, self.mean, self.s, self.count, self.eps = None, mean, s, m, eps
        return y

    def _backward_compiled(self, g: Any, x: Any, w: Any) -> tuple:
        xp = get_array_module(g)
        k = kernels()
        n, c = g.shape[:2]
        g3 = xp.ascontiguousarray(g.reshape(n, c, -1), dtype=self.mean.dtype)
        x3 = xp.ascontiguousarray(x.reshape(n, c, -1))
        mean, s, m = self.mean, self.s, self.count
        zero = g3.dtype.type(0)
        ranges = batch_ranges(xp, n, g3.size)

        def gradient_sums(i: int, j: int) -> tuple:
            sg, sgc = xp.zeros(c), xp.zeros(c)
            k["gradient_sums"](g3[i:j], x3[i:j], mean, sg, sgc, zero)
            return sg, sgc

        parts = over_ranges(ranges, gradient_sums)
        sg = sum(p[0] for p in parts).astype(g3.dtype)
        sgc = sum(p[1] for p in parts).astype(g3.dtype)
        gx = gw = gb = None
        if self.needs(0):
            a = xp.ascontiguousarray(w * s, dtype=g3.dtype)
            kk = (-a * s * s * sgc / g3.dtype.type(m)).astype(g3.dtype)
            const = (-a * sg / g3.dtype.type(m)).astype(g3.dtype)
            gx = scratch_empty(xp, g3.shape, g3.dtype)
            over_ranges(
                ranges, lambda i, j: k["input_grad"](g3[i:j], x3[i:j], mean, a, kk, const, gx[i:j])
            )
            gx = gx.reshape(g.shape)
        if self.needs(1):
            gw = sgc * s
        if self.needs(2):
            gb = sg
        return gx, gw, gb

    def _backward_graph(self, g, x, w):
        """The same gradients as differentiable operations (for ``create_graph``)."""
        n, c = g.shape[:2]
        axes = (0, 2)
        g3, x3 = g.reshape(n, c, -1), x.reshape(n, c, -1)
        m = float(self.count)
        mean = x3.sum(axes, keepdim=True) / m
        centered = x3 - mean
        var = (centered * centered).sum(axes, keepdim=True) / m
        s = (var + self.eps).rsqrt()
        sg = g3.sum(axes, keepdim=True)
        sgc = (g3 * centered).sum(axes, keepdim=True)
        w3 = w.reshape(1, c, 1)
        gx = gw = gb = None
        if self.needs(0):
            gx = (w3 * s * (g3 - sg / m - centered * (s * s) * sgc / m)).reshape(tuple(g.shape))
        if self.needs(1):
            gw = (sgc * s).reshape(c)
        if self.needs(2):
            gb = sg.reshape(c)
        return gx, gw, gb
