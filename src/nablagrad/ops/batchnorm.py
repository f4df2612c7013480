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
from . import _batchnorm_jit as kernels

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


def _statistics(xp: Any, x3: Any, ranges: list) -> tuple:
    """(mean, biased var, centred x) of (N, C, L) x by NumPy passes (sums in x's dtype)."""
    m = x3.shape[0] * x3.shape[2]
    mean = sum(over_ranges(ranges, lambda i, j: _channel_sums(xp, x3[i:j])))
    mean = mean / x3.dtype.type(m)
    centered = scratch_empty(xp, x3.shape, x3.dtype)

    def center(i: int, j: int) -> Any:  # the centred input and its partial squared sums
        xp.subtract(x3[i:j], mean[:, None], out=centered[i:j])
        return xp.einsum("ncl,ncl->c", centered[i:j], centered[i:j])

    return mean, sum(over_ranges(ranges, center)) / x3.dtype.type(m), centered


def _statistics_compiled(xp: Any, x3: Any, ranges: list) -> tuple:
    """(mean, biased var, None) of contiguous (N, C, L) x by the compiled kernels: two reading
    passes, plane sums added up in float64."""
    c, m, zero = x3.shape[1], x3.shape[0] * x3.shape[2], x3.dtype.type(0)

    def sums(i: int, j: int) -> Any:
        part = xp.zeros(c)
        kernels.sums(x3[i:j], part, zero)
        return part

    mean = (sum(over_ranges(ranges, sums)) / m).astype(x3.dtype)

    def square_deviations(i: int, j: int) -> Any:
        part = xp.zeros(c)
        kernels.square_deviation_sums(x3[i:j], mean, part, zero)
        return part

    return mean, (sum(over_ranges(ranges, square_deviations)) / m).astype(x3.dtype), None


def _gradient_sums_compiled(xp: Any, g3: Any, x3: Any, mean: Any, ranges: list) -> tuple:
    """(sum of g, sum of g (x - mean)) per channel by the compiled kernels."""
    c, zero = g3.shape[1], g3.dtype.type(0)

    def gradient_sums(i: int, j: int) -> tuple:
        sg, sgc = xp.zeros(c), xp.zeros(c)
        kernels.gradient_sums(g3[i:j], x3[i:j], mean, sg, sgc, zero)
        return sg, sgc

    parts = over_ranges(ranges, gradient_sums)
    return sum(p[0] for p in parts).astype(g3.dtype), sum(p[1] for p in parts).astype(g3.dtype)


class BatchNormFn(Function):
    """y = (x - mean) / sqrt(var + eps) * w + b with the batch's statistics (biased variance);
    ``stats`` (a dict) receives the batch ``mean`` and ``var`` (C,) for the running averages.

    Each pass runs by the compiled kernels where ``_compiled_ok`` (x itself, not a centred
    copy, then serves the backward) or by NumPy; the formulas around them are shared."""

    name = "NativeBatchNormBackward0"  # torch's node

    def forward(self, x, w, b, eps=1e-5, stats=None):
        xp = get_array_module(x)
        n, c = x.shape[:2]
        x3 = x.reshape(n, c, -1)
        self.compiled = _compiled_ok(xp, x3, w, b)
        if self.compiled:
            x3 = xp.ascontiguousarray(x3)
        m = n * x3.shape[2]
        ranges = batch_ranges(xp, n, x3.size)  # each pass split over the batch on big inputs
        if self.compiled:
            mean, var, centered = _statistics_compiled(xp, x3, ranges)
        else:
            mean, var, centered = _statistics(xp, x3, ranges)
        s = (1.0 / xp.sqrt(var + eps)).astype(x3.dtype)
        y = scratch_empty(xp, x3.shape, x3.dtype)
        scale = xp.ascontiguousarray(s * w, dtype=x3.dtype)
        if self.compiled:
            shift = xp.ascontiguousarray(b, dtype=x3.dtype)
            over_ranges(ranges, lambda i, j: kernels.normalize(x3[i:j], mean, scale, shift, y[i:j]))
        else:

            def normalize(i: int, j: int) -> None:
                xp.multiply(centered[i:j], scale[:, None], out=y[i:j])
                y[i:j] += b[:, None]

            over_ranges(ranges, normalize)
        if stats is not None:
            stats["mean"], stats["var"] = mean, var
        self.centered, self.mean, self.s, self.count, self.eps = centered, mean, s, m, eps
        return y.reshape(x.shape)

    def backward(self, g, out, x, w, b):
        if self.m.tensors:
            return self._backward_graph(g, x, w)
        xp = get_array_module(g)
        n, c = g.shape[:2]
        g3 = g.reshape(n, c, -1)
        x3 = x.reshape(n, c, -1)
        if self.compiled:
            g3 = xp.ascontiguousarray(g3, dtype=self.mean.dtype)
            x3 = xp.ascontiguousarray(x3)
        mean, centered, s, m = self.mean, self.centered, self.s, self.count
        ranges = batch_ranges(xp, n, g3.size)
        if self.compiled:
            sg, sgc = _gradient_sums_compiled(xp, g3, x3, mean, ranges)
        else:

            def sums(i: int, j: int) -> tuple:
                gi = g3[i:j]
                return _channel_sums(xp, gi), xp.einsum("ncl,ncl->c", gi, centered[i:j])

            parts = over_ranges(ranges, sums)
            sg, sgc = sum(p[0] for p in parts), sum(p[1] for p in parts)
        gx = gw = gb = None
        if self.needs(0):
            # dL/dx = a g + k (x - mean) + const, per channel
            dtype = g3.dtype
            a = xp.ascontiguousarray(w * s, dtype=dtype)
            k = (-a * s * s * sgc / dtype.type(m)).astype(dtype)
            const = (-a * sg / dtype.type(m)).astype(dtype)
            gx = scratch_empty(xp, g3.shape, dtype)
            if self.compiled:
                over_ranges(
                    ranges,
                    lambda i, j: kernels.input_grad(g3[i:j], x3[i:j], mean, a, k, const, gx[i:j]),
                )
            else:

                def input_grad(i: int, j: int) -> None:
                    xp.multiply(centered[i:j], k[:, None], out=gx[i:j])
                    gx[i:j] += const[:, None]
                    tmp = scratch_empty(xp, g3[i:j].shape, dtype)
                    xp.multiply(g3[i:j], a[:, None], out=tmp)
                    gx[i:j] += tmp

                over_ranges(ranges, input_grad)
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
