"""Fused and special primitives (hand-written ``Function`` classes beside the table in
``ops/table.py``): stable softmax/log-softmax, activations with closed-form derivatives,
linear, embedding and the fused softmax cross-entropy.  ``nn.functional`` wraps them.

Backward formulas use operators, shared methods and the math namespace ``self.m``
(``autograd/gradmath.py``), so they run on arrays in a plain backward pass and build a graph
under ``create_graph``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import _validate, backend, parallel
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from . import _activation_jit as jit
from .elementwise import DtypeNotImplementedError
from .index import IndexAddInto
from .pooled import POOLED_MIN, compiled, compiled32, fits, kernel_pass, pooled_pass


def _sum_keep(x: Any, axis: int) -> Any:
    """Sum over ``axis`` keeping it (the spelling arrays and Tensors share)."""
    return x.sum(axis=axis, keepdims=True)


def _sigmoid(x: Any) -> Any:
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _big(x: Any) -> bool:
    """Whether the dtype-generic compiled kernels (leaky ReLU, hardtanh) take ``x``."""
    return x.size >= POOLED_MIN and compiled(x)


def _grad_kernel(m: Any, g: Any, x: Any, float32_only: bool = True) -> bool:
    """Whether a plain backward (arrays, not Tensors) can run a compiled gradient kernel on
    ``g`` and the saved input ``x`` (same shape and dtype, contiguous, big enough)."""
    if m.tensors or not fits(g, x):
        return False
    return compiled32(g, x) if float32_only else compiled(g, x)


def _last_axis_rows(x: Any, dim: int, *more: Any) -> bool:
    """Whether the compiled softmax kernels take ``x`` (and ``more``) along ``dim``: float32,
    C-contiguous NumPy arrays of at least 1024 elements, ``dim`` the last axis."""
    return (
        x.ndim >= 1
        and dim in (-1, x.ndim - 1)
        and x.dtype.char == "f"
        and x.size >= 1024
        and compiled(x, *more)
    )


def _rows_pass(kernel: Any, *arrays: Any) -> Any:
    """``kernel(*arrays as (R, N) rows, result)`` over pooled shards of rows; the result is
    shaped like the last array."""
    like = arrays[-1]
    n = like.shape[-1]
    flat = [a.reshape(-1, n) for a in arrays]
    out = pooled_pass(flat[-1], lambda a, b, r: kernel(*(f[a:b] for f in flat), r))
    return out.reshape(like.shape)


def _softplus_raw(xp: Any, x: Any) -> Any:
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|): exact in both tails, and ~15x faster than
    NumPy's logaddexp (which has no SIMD loop) in float32."""
    # written into a fresh array: for a 0-d input, abs() would return a scalar, which the
    # in-place steps below cannot write into
    out = xp.abs(x, out=xp.empty(xp.shape(x), dtype=x.dtype))
    xp.negative(out, out=out)
    xp.exp(out, out=out)
    xp.log1p(out, out=out)
    out += xp.maximum(x, 0)
    return out


# -- softmax family ---------------------------------------------------------------------------


class Softmax(Function):
    """softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m), m = max_j x_j (finite for |x| ~ 1e4).

    Backward: dx = y * (g - sum(g * y)).
    """

    def forward(self, x, dim=-1):
        xp = get_array_module(x)
        self.dim = dim
        if x.dtype.char == "e":  # float16 in float32, rounded once (torch's opmath)
            return self.forward(x.astype(xp.float32), dim).astype(x.dtype)
        if _last_axis_rows(x, dim):  # compiled rows (NumPy's float32 exp is a scalar loop)
            return _rows_pass(jit.softmax32, x)
        e = xp.exp(x - x.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        return e

    def backward(self, g, out, x):
        if not self.m.tensors and g.shape == out.shape and _last_axis_rows(out, self.dim, g):
            return (_rows_pass(jit.softmax_grad32, g, out),)
        gy = g * out
        return (gy - out * _sum_keep(gy, self.dim),)


class LogSoftmax(Function):
    """log_softmax(x)_i = x_i - m - log sum_j exp(x_j - m).  Backward: dx = g - softmax * sum(g)."""

    def forward(self, x, dim=-1):
        xp = get_array_module(x)
        self.dim = dim
        if _last_axis_rows(x, dim):
            return _rows_pass(jit.log_softmax32, x)
        z = x - x.max(axis=dim, keepdims=True)
        return z - xp.log(xp.exp(z).sum(axis=dim, keepdims=True))

    def backward(self, g, out, x):
        if not self.m.tensors and g.shape == out.shape and _last_axis_rows(out, self.dim, g):
            return (_rows_pass(jit.log_softmax_grad32, g, out),)
        return (g - self.m.exp(out) * _sum_keep(g, self.dim),)


# -- activations ------------------------------------------------------------------------------


class LeakyRelu(Function):
    """f(x) = x if x > 0 else a*x;  f'(x) = 1 or a (a NaN input takes a, as torch)."""

    def forward(self, x, slope=0.01):
        self.slope = slope
        if _big(x):  # one compiled pass (NumPy's where: 5x slower)
            return kernel_pass(jit.leaky_relu, x, args=(x.dtype.type(slope),))
        return get_array_module(x).where(x > 0, x, x * x.dtype.type(slope))

    def backward(self, g, out, x):
        m = self.m
        if _grad_kernel(m, g, x, float32_only=False):
            return (kernel_pass(jit.leaky_relu_grad, g, x, args=(x.dtype.type(self.slope),)),)
        return (m.where(m.raw(x) > 0, g, g * self.slope),)


class Elu(Function):
    """f(x) = scale * (x if x > 0 else alpha*(exp(x)-1)); covers ELU and SELU."""

    def forward(self, x, alpha=1.0, scale=1.0):
        xp = get_array_module(x)
        self.alpha, self.scale = alpha, scale
        if compiled32(x):  # one compiled pass with its own vectorised e^x - 1
            return kernel_pass(jit.elu32, x, args=self._coefficients())
        neg = alpha * xp.expm1(xp.minimum(x, 0))
        return (scale * xp.where(x >= 0, x, neg)).astype(x.dtype, copy=False)  # -0.0 kept

    def _coefficients(self) -> tuple:
        """(alpha * scale, scale) in float32, as torch's float32 kernel multiplies them."""
        f32 = backend.np.float32
        return f32(f32(self.alpha) * f32(self.scale)), f32(self.scale)

    def backward(self, g, out, x):
        m = self.m
        if _grad_kernel(m, g, x):
            return (kernel_pass(jit.elu_grad32, g, x, args=self._coefficients()),)
        # torch's scalar rule: a NaN input takes the positive branch (g scale); its vectorised
        # loop gives NaN there, so torch's answer depends on the NaN's position
        pos = ~(m.raw(x) <= 0)
        d_neg = m.exp(x) * (self.alpha * self.scale)
        return (g * m.where(pos, self.scale, d_neg),)


class Erf(Function):
    """erf(x); d/dx = 2/sqrt(pi) exp(-x^2)."""

    def forward(self, x):
        return backend.erf(x).astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        return (g * (2 / math.sqrt(math.pi)) * self.m.exp(-(x * x)),)


class Gelu(Function):
    """GELU: x * Phi(x) (exact) or 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))) ("tanh")."""

    def forward(self, x, approximate="none"):
        xp = get_array_module(x)
        self.approx = approximate
        if compiled32(x):  # one compiled pass (x sigmoid(2v) for "tanh", a rational erf)
            return kernel_pass(jit.gelu_tanh32 if approximate == "tanh" else jit.gelu32, x)
        if approximate == "tanh":
            xc = x.astype("float32") if x.dtype.itemsize < 4 else x  # half: float32 math
            inner = math.sqrt(2 / math.pi) * (xc + 0.044715 * xc**3)
            return (0.5 * xc * (1 + xp.tanh(inner))).astype(x.dtype, copy=False)
        # -0.0 at -0.0, +inf at +inf: torch's float64 answers in every dtype (see jit.gelu32)
        return (0.5 * x * (1 + backend.erf(x / math.sqrt(2)))).astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        m = self.m
        if _grad_kernel(m, g, x):
            kernel = jit.gelu_tanh_grad32 if self.approx == "tanh" else jit.gelu_grad32
            return (kernel_pass(kernel, g, x),)
        if self.approx == "tanh":
            k = math.sqrt(2 / math.pi)
            xc = x
            if not m.tensors and x.dtype.itemsize < 4:
                xc = x.astype("float32")  # torch computes half precision in float32 (x^3 fits)
            t = m.tanh(k * (xc + 0.044715 * xc * xc * xc))
            d = 0.5 * (1 + t) + 0.5 * xc * (1 - t * t) * k * (1 + 3 * 0.044715 * xc * xc)
            if xc is not x:
                d = d.astype(x.dtype)
            return (g * d,)
        cdf = 0.5 * (1 + m.call(Erf, x * (1 / math.sqrt(2))))
        pdf = m.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return (g * (cdf + x * pdf),)


class Silu(Function):
    """silu(x) = x * sigmoid(x);  d = s * (1 + x (1 - s))."""

    def forward(self, x):
        if compiled32(x):
            return kernel_pass(jit.silu32, x)
        return x * _sigmoid(x)

    def backward(self, g, out, x):
        if _grad_kernel(self.m, g, x):
            return (kernel_pass(jit.silu_grad32, g, x),)
        s = self.m.sigmoid(x)
        return (g * s * (1 + x * (1 - s)),)


class BinaryCrossEntropy(Function):
    """Elementwise BCE as torch computes it, on probabilities ``p`` and targets ``y``::

        l = -(y max(log p, -100) + (1 - y) max(log1p(-p), -100))
        dl/dp = (p - y) / max(p (1 - p), 1e-12)
        dl/dy = log1p(-p) - log p           (not clamped, as in torch: infinite at p = 0, 1)

    The clamps keep the loss and the input's gradient finite at p = 0 and p = 1 (a saturated
    sigmoid), where the composed logs would give inf and nan; log1p(-p), as torch, keeps the
    loss of a small p with y = 0 (~p; log(1 - p) gives 0 below p ~ 6e-8 in float32).
    """

    def forward(self, p, y):
        lp, l1p = _clamped_logs(p)
        return -(y * lp + (1 - y) * l1p)

    def backward(self, g, out, p, y):
        gp = g * (p - y) / ((1 - p) * p).clip(1e-12) if self.needs(0) else None
        gy = None
        if self.needs(1):
            if self.m.tensors:
                gy = g * (self.m.log1p(-p) - self.m.log(p))
            else:
                xp = get_array_module(p)
                with backend.errstate(divide="ignore"):
                    gy = g * (xp.log1p(-p) - xp.log(p))
        return gp, gy


class BinaryCrossEntropyWithLogits(Function):
    """Elementwise BCE on logits ``x``, targets ``y`` and optional positive-class weights
    ``pw`` (torch's ``binary_cross_entropy_with_logits`` before weighting and reduction)::

        l = (1 - y) x + c softplus(-x),   c = 1 + (pw - 1) y     (finite for every finite x)
        dl/dx = (1 - y) sigmoid(x) - pw y sigmoid(-x)
        dl/dy = (pw - 1) softplus(-x) - x
        dl/dpw = y softplus(-x)

    dl/dx is written so that 0/1 targets keep full relative precision in both tails: sigmoid(x)
    for y = 0 and -sigmoid(-x) for y = 1.  The derivative of the composed loss,
    (1 - y) - c sigmoid(-x), gave 0 below x = -17 for y = 0 in float32 (torch: sigmoid(x),
    3e-8 at -17); torch's c sigmoid(x) - pw y cancels the same way above x = 17 for y = 1.
    """

    def forward(self, x, y, pw=None):
        sp = _softplus_raw(get_array_module(x), -x)
        c = 1 if pw is None else 1 + (pw - 1) * y
        return (1 - y) * x + c * sp

    def backward(self, g, out, x, y, pw=None):
        m = self.m
        wy = y if pw is None else pw * y
        gx = g * ((1 - y) * m.sigmoid(x) - wy * m.sigmoid(-x)) if self.needs(0) else None
        sp = None
        if self.needs(1) or (pw is not None and self.needs(2)):
            sp = m.call(Softplus, -x, beta=1.0, threshold=math.inf)
        gy = None
        if self.needs(1):
            gy = -g * x if pw is None else g * ((pw - 1) * sp - x)
        if pw is None:
            return gx, gy
        return gx, gy, (g * y * sp if self.needs(2) else None)


def _clamped_logs(p: Any) -> tuple:
    """max(log p, -100) and max(log1p(-p), -100) on arrays, without log(0) warnings."""
    xp = get_array_module(p)
    with backend.errstate(divide="ignore"):
        lp = xp.maximum(xp.log(p), p.dtype.type(-100))
        l1p = xp.maximum(xp.log1p(-p), p.dtype.type(-100))
    return lp, l1p


class Softplus(Function):
    """softplus(x) = log(1 + exp(beta x)) / beta (x above ``threshold``); d = sigmoid(beta x)."""

    def forward(self, x, beta=1.0, threshold=20.0):
        xp = get_array_module(x)
        self.beta, self.threshold = beta, threshold
        if compiled32(x):
            return kernel_pass(jit.softplus32, x, args=self._coefficients())
        bx = x * beta
        return xp.where(bx > threshold, x, _softplus_raw(xp, bx) / beta).astype(x.dtype, copy=False)

    def _coefficients(self) -> tuple:
        f32 = backend.np.float32
        return f32(self.beta), f32(self.threshold)

    def backward(self, g, out, x):
        m = self.m
        if _grad_kernel(m, g, x):
            return (kernel_pass(jit.softplus_grad32, g, x, args=self._coefficients()),)
        bx = x * self.beta
        return (g * m.where(m.raw(bx) > self.threshold, 1.0, m.sigmoid(bx)),)


class LogSigmoid(Function):
    """log sigmoid(x) = -softplus(-x);  d = sigmoid(-x), written exp(-softplus(x)) so that
    its own derivative -exp(-softplus(x)) sigmoid(x) keeps full precision in both tails."""

    def forward(self, x):
        xp = get_array_module(x)
        return (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        m = self.m
        if m.tensors:  # a graph: its derivative must be as precise
            return (g * m.exp(-m.call(Softplus, x)),)
        return (g * _sigmoid(-x),)  # exp(-|x|) based: precise in both tails


class Mish(Function):
    """mish(x) = x tanh(softplus(x));  d = t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x))."""

    def forward(self, x):
        xp = get_array_module(x)
        return x * xp.tanh(_softplus_raw(xp, x))

    def backward(self, g, out, x):
        m = self.m
        t = m.tanh(m.call(Softplus, x))
        return (g * (t + x * m.sigmoid(x) * (1 - t * t)),)


class Hardtanh(Function):
    """clip(x, lo, hi); gradient 0 where x <= lo or x >= hi, else 1 (NaN included, as torch's
    ``hardtanh_backward``)."""

    def forward(self, x, lo=-1.0, hi=1.0):
        self.lo, self.hi = lo, hi
        if _big(x):
            return kernel_pass(jit.hardtanh, x, args=self._bounds(x))
        return get_array_module(x).clip(x, lo, hi)

    def _bounds(self, x: Any) -> tuple:
        return x.dtype.type(self.lo), x.dtype.type(self.hi)

    def backward(self, g, out, x):
        if _grad_kernel(self.m, g, x, float32_only=False):
            return (kernel_pass(jit.hardtanh_grad, g, x, args=self._bounds(x)),)
        xr = self.m.raw(x)
        return (g * ~((xr <= self.lo) | (xr >= self.hi)),)


class Hardsigmoid(Function):
    """clip(x + 3, 0, 6) / 6; gradient 1/6 strictly inside (-3, 3), else 0 (NaN included)."""

    def forward(self, x):
        xp = get_array_module(x)
        out = xp.clip(x + 3, 0, 6)
        out /= 6
        return out.astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        xr = self.m.raw(x)
        return (g * ((xr > -3) & (xr < 3)) / 6,)


class Hardswish(Function):
    """x * clip(x + 3, 0, 6) / 6.  Gradient (torch's ``hardswish_backward``): 0 for x <= -3,
    x/3 + 1/2 for -3 < x < 3, and 1 elsewhere (x >= 3 and NaN)."""

    def forward(self, x):
        xp = get_array_module(x)
        out = xp.clip(x + 3, 0, 6)
        out *= x
        out /= 6
        return out.astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        m = self.m
        xr = m.raw(x)
        mid = (xr > -3) & (xr < 3)
        rest = ~(mid | (xr <= -3))  # x >= 3, or NaN
        return (g * m.where(mid, x / 3 + 0.5, rest.astype(xr.dtype)),)


# -- linear and embedding ---------------------------------------------------------------------


class MseLoss(Function):
    """loss = reduce((x - t)^2) over ``reduction`` (``mean``, ``sum``, ``none``): one node, as
    torch's ``MseLossBackward0``.  dL/dx = 2 (x - t) g / n (n = elements for ``mean``, else 1),
    dL/dt = -dL/dx."""

    name = "MseLossBackward0"

    def forward(self, x, t, reduction="mean"):
        d = x - t
        sq = d * d
        self.reduction, self.n = reduction, d.size
        if reduction == "none":
            return sq
        xp = get_array_module(sq)
        return xp.asarray(sq.mean() if reduction == "mean" else sq.sum(), dtype=sq.dtype)

    def backward(self, g, out, x, t):
        k = 2.0 / self.n if self.reduction == "mean" else 2.0
        gx = g * (x - t) * k
        return (gx if self.needs(0) else None, -gx if self.needs(1) else None)


class LinearFn(Function):
    """y = x W^T + b for x of shape (..., in).  dx = g W, dW = g^T x, db = sum g."""

    def forward(self, x, w, b=None):
        out = parallel.matmul(x, w.T)
        if b is not None:
            out += b
        return out

    @property
    def name(self) -> str:
        """torch's node: ``AddmmBackward0`` (2-D input with bias), ``MmBackward0``, or
        ``ViewBackward0`` for batched input (its linear is a matrix product then a view)."""
        arrays = getattr(self, "inputs", None)
        if not arrays:
            return "LinearFnBackward0"
        if arrays[0].ndim > 2:
            return "ViewBackward0"
        bias = len(arrays) > 2 and arrays[2] is not None
        if arrays[0].ndim == 1:
            return "ViewBackward0" if bias else "SqueezeBackward4"
        return "AddmmBackward0" if len(arrays) > 2 and arrays[2] is not None else "MmBackward0"

    @property
    def next_functions(self) -> tuple:
        """In torch's addmm order (bias, input, weight) when there is a bias."""
        nxt = super().next_functions
        return (nxt[2], nxt[0], nxt[1]) if len(nxt) == 3 else nxt

    def backward(self, g, out, x, w, b=None):
        gx = parallel.matmul(g, w) if self.needs(0) else None
        gw = gb = None
        if self.needs(1) or (b is not None and self.needs(2)):
            k = x.shape[-1]
            rows = math.prod(x.shape[:-1])  # not -1: a zero-size feature dim leaves it ambiguous
            g2 = g.reshape(rows, w.shape[0])
            if self.needs(1):
                x2 = x.reshape(rows, k)
                gw = parallel.matmul(g2.swapaxes(-1, -2), x2)
            if b is not None and self.needs(2):
                gb = g2.sum(0)
        return (gx, gw) if b is None else (gx, gw, gb)


class EmbeddingFn(Function):
    """out = W[idx]; dW = sum of g rows at idx (the padding row gets none); with
    ``scale_grad_by_freq`` each row's sum is divided by how often its index occurs in idx."""

    name = "EmbeddingBackward0"  # torch's node

    def forward(self, w, idx=None, padding_idx=None, scale_grad_by_freq=False):
        self.idx, self.pad, self.shape = idx, padding_idx, w.shape
        self.by_freq = scale_grad_by_freq
        return w[idx]

    def backward(self, g, out, w):
        if self.pad is not None:
            keep = (self.idx != self.pad)[..., None]
            g = g * keep
        if self.by_freq:
            xp = get_array_module(g)
            counts = xp.bincount(self.idx.reshape(-1), minlength=self.shape[0])
            g = g / counts[self.idx][..., None].astype(g.dtype)
        return (self.m.call(IndexAddInto, g, index=self.idx, shape=self.shape, basic=False),)


# -- fused softmax cross-entropy -------------------------------------------------------------


class CrossEntropyFn(Function):
    """Per-row loss_i = -sum_c A_ic log_softmax(x)_ic, with log_softmax via log-sum-exp.

    ``coef`` A holds the (weighted, smoothed, masked) target distribution; for index targets it
    is built from the class indices, for probability targets the target tensor is a second input.
    dL/dx_i = g_i (softmax(x_i) sum_c A_ic - A_i);  dL/dtarget = -g_i w_c (1 - eps) log p_ic.
    """

    @property
    def name(self) -> str:
        """torch's node: ``NllLossBackward0`` for class-index targets (log_softmax + nll),
        ``DivBackward1`` for probability targets (the mean of a sum)."""
        parents = self.parents or ()
        return "NllLossBackward0" if len(parents) < 2 else "DivBackward1"

    def forward(self, x, t=None, coef=None, weight=None, smoothing=0.0, scale=None, keep=None):
        xp = get_array_module(x)
        if _last_axis_rows(x, 1):
            logp = _rows_pass(jit.log_softmax32, x)
        else:
            z = x - x.max(axis=1, keepdims=True)
            logp = z - xp.log(xp.exp(z).sum(axis=1, keepdims=True))
        if t is not None:  # probability targets
            c = x.shape[1]
            coef = t * (1 - smoothing) + smoothing / c
            if weight is not None:
                coef = coef * weight
        self.coef, self.weight, self.smoothing, self.scale = coef, weight, smoothing, scale
        self.logp, self.keep = logp, keep
        loss = -(coef * logp).sum(axis=1)
        if t is None and not smoothing:
            bad = loss != loss  # (a pass over the rows only, not over every class)
            if bad.any():
                # class indices pick one log-probability per row, as torch's nll_loss: a
                # masked (-inf) logit of another class adds nothing, not 0 * -inf = NaN
                c, lp = coef[bad], logp[bad]
                loss[bad] = -xp.where(c != 0, c * lp, 0).sum(axis=1)
        if scale is not None:
            return xp.asarray(loss.sum() * scale, dtype=x.dtype)
        return loss.astype(x.dtype, copy=False)

    def backward(self, g, out, x, t=None):
        m, coef = self.m, self.coef
        if t is not None:  # the target distribution, differentiable in t
            coef = t * (1 - self.smoothing) + self.smoothing / x.shape[1]
            if self.weight is not None:
                coef = coef * self.weight
        # a plain pass reuses forward's log-probabilities; a recorded one differentiates them
        logp = m.call(LogSoftmax, x, dim=1) if m.tensors else self.logp
        if self.scale is not None:
            g = g * self.scale
            gcol = g
        else:
            gcol = g.reshape(-1, 1)
        gx = gt = None
        if self.needs(0):
            gx = gcol * (m.exp(logp) * _sum_keep(coef, 1) - coef)
            if self.keep is not None and self.scale != self.scale:
                # a NaN mean (total weight 0): torch still gives ignored rows a zero gradient
                gx = m.where(self.keep[:, None], gx, get_array_module(coef).zeros_like(coef))
        if t is not None and self.needs(1):
            w = 1.0 if self.weight is None else self.weight
            gt = -gcol * (1 - self.smoothing) * w * logp
        return (gx,) if t is None else (gx, gt)


def _float_input(x: Any, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if x._data.dtype.kind != "f":
        raise DtypeNotImplementedError(
            f"{name}: expected a floating point tensor, got {x.dtype}: call .float()"
        )
    return x


def _softmax_dim(dim: int | None, ndim: int, name: str, stacklevel: int = 3) -> int:
    if dim is None:  # torch's legacy implicit choice, with its deprecation warning
        warnings.warn(
            f"Implicit dimension choice for {name} has been deprecated. "
            "Change the call to include dim=X as an argument.",
            stacklevel=stacklevel,
        )
        dim = 0 if ndim in (0, 1, 3) else 1
    return _validate.dim(dim, ndim, fn=name)


def softmax(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: Any = None,
) -> Tensor:
    """softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x) along ``dim``."""
    x = _float_input(input if dtype is None else input.to(dtype), "softmax")
    axis = _softmax_dim(dim, x.ndim, "softmax", _stacklevel)
    if x._data.size == 0:
        return x * 1
    if x.ndim == 0:
        return Softmax.apply(x.reshape(1), dim=0).reshape(())
    return Softmax.apply(x, dim=axis)


def log_softmax(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: Any = None,
) -> Tensor:
    """log_softmax(x)_i = x_i - max x - log sum_j exp(x_j - max x) along ``dim``."""
    x = _float_input(input if dtype is None else input.to(dtype), "log_softmax")
    axis = _softmax_dim(dim, x.ndim, "log_softmax", _stacklevel)
    if x._data.size == 0:
        return x * 1
    if x.ndim == 0:
        return LogSoftmax.apply(x.reshape(1), dim=0).reshape(())
    return LogSoftmax.apply(x, dim=axis)
