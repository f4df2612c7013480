"""Differentiable primitives behind ``nn.functional``: stable softmax/log-softmax, activations
with closed-form derivatives, linear, embedding and the fused softmax cross-entropy.

Backward formulas are written in dual form (operators, shared methods and ``autograd.dual``),
so they run on raw arrays in a plain backward pass and build a graph under ``create_graph``.
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd import dual as D
from ..autograd.function import Function
from ..backend import get_array_module


def _sum_keep(x: Any, axis: int) -> Any:
    return x.sum(axis, keepdim=True) if D.is_tensor(x) else x.sum(axis=axis, keepdims=True)


def _tanh(x: Any) -> Any:
    return x.tanh() if D.is_tensor(x) else get_array_module(x).tanh(x)


def _sigmoid(x: Any) -> Any:
    if D.is_tensor(x):
        return x.sigmoid()
    xp = get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _softplus_raw(xp: Any, x: Any) -> Any:
    return xp.logaddexp(0, x).astype(x.dtype, copy=False)


# -- softmax family ---------------------------------------------------------------------------


class Softmax(Function):
    """softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m), m = max_j x_j (finite for |x| ~ 1e4).

    Backward: dx = y * (g - sum(g * y)).
    """

    def forward(self, x, dim=-1):
        xp = get_array_module(x)
        self.dim = dim
        e = xp.exp(x - x.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        return e

    def backward(self, g, out, x):
        gy = g * out
        return (gy - out * _sum_keep(gy, self.dim),)


class LogSoftmax(Function):
    """log_softmax(x)_i = x_i - m - log sum_j exp(x_j - m).  Backward: dx = g - softmax * sum(g)."""

    def forward(self, x, dim=-1):
        xp = get_array_module(x)
        self.dim = dim
        z = x - x.max(axis=dim, keepdims=True)
        return z - xp.log(xp.exp(z).sum(axis=dim, keepdims=True))

    def backward(self, g, out, x):
        return (g - D.exp(out) * _sum_keep(g, self.dim),)


# -- activations ------------------------------------------------------------------------------


class LeakyRelu(Function):
    """f(x) = x if x > 0 else a*x;  f'(x) = 1 or a."""

    def forward(self, x, slope=0.01):
        self.slope = slope
        return get_array_module(x).where(x > 0, x, x * x.dtype.type(slope))

    def backward(self, g, out, x):
        return (D.where(D.raw(x) > 0, g, g * self.slope),)


class Elu(Function):
    """f(x) = scale * (x if x > 0 else alpha*(exp(x)-1)); covers ELU and SELU."""

    def forward(self, x, alpha=1.0, scale=1.0):
        xp = get_array_module(x)
        self.alpha, self.scale = alpha, scale
        neg = alpha * xp.expm1(xp.minimum(x, 0))
        return (scale * xp.where(x > 0, x, neg)).astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        pos = D.raw(x) > 0
        d_neg = D.exp(x) * (self.alpha * self.scale)
        return (g * D.where(pos, self.scale, d_neg),)


class Erf(Function):
    """erf(x); d/dx = 2/sqrt(pi) exp(-x^2)."""

    def forward(self, x):
        from scipy.special import erf

        return erf(x).astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        return (g * (2 / math.sqrt(math.pi)) * D.exp(-(x * x)),)


class Gelu(Function):
    """GELU: x * Phi(x) (exact) or 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))) ("tanh")."""

    def forward(self, x, approximate="none"):
        xp = get_array_module(x)
        self.approx = approximate
        if approximate == "tanh":
            xc = x.astype("float32") if x.dtype.itemsize < 4 else x  # half: float32 math
            inner = math.sqrt(2 / math.pi) * (xc + 0.044715 * xc**3)
            return (0.5 * xc * (1 + xp.tanh(inner))).astype(x.dtype, copy=False)
        from scipy.special import erf

        return (0.5 * x * (1 + erf(x / math.sqrt(2)))).astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        if self.approx == "tanh":
            k = math.sqrt(2 / math.pi)
            xc = x
            if not D.is_tensor(x) and x.dtype.itemsize < 4:
                xc = x.astype("float32")  # torch computes half precision in float32 (x^3 fits)
            t = _tanh(k * (xc + 0.044715 * xc * xc * xc))
            d = 0.5 * (1 + t) + 0.5 * xc * (1 - t * t) * k * (1 + 3 * 0.044715 * xc * xc)
            if xc is not x:
                d = d.astype(x.dtype)
            return (g * d,)
        if D.is_tensor(x):
            cdf = 0.5 * (1 + Erf.apply(x * (1 / math.sqrt(2))))
        else:
            from scipy.special import erf

            cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
        pdf = D.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return (g * (cdf + x * pdf),)


class Silu(Function):
    """silu(x) = x * sigmoid(x);  d = s * (1 + x (1 - s))."""

    def forward(self, x):
        return x * _sigmoid(x)

    def backward(self, g, out, x):
        s = _sigmoid(x)
        return (g * s * (1 + x * (1 - s)),)


class Softplus(Function):
    """softplus(x) = log(1 + exp(beta x)) / beta (x above ``threshold``); d = sigmoid(beta x)."""

    def forward(self, x, beta=1.0, threshold=20.0):
        xp = get_array_module(x)
        self.beta, self.threshold = beta, threshold
        bx = x * beta
        return xp.where(bx > threshold, x, _softplus_raw(xp, bx) / beta).astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        bx = x * self.beta
        return (g * D.where(D.raw(bx) > self.threshold, 1.0, _sigmoid(bx)),)


class Mish(Function):
    """mish(x) = x tanh(softplus(x));  d = t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x))."""

    def forward(self, x):
        xp = get_array_module(x)
        return x * xp.tanh(_softplus_raw(xp, x))

    def backward(self, g, out, x):
        if D.is_tensor(x):
            t = Softplus.apply(x).tanh()
        else:
            xp = get_array_module(x)
            t = xp.tanh(_softplus_raw(xp, x))
        return (g * (t + x * _sigmoid(x) * (1 - t * t)),)


class Hardtanh(Function):
    """clip(x, lo, hi); gradient 1 strictly inside (lo, hi), as torch."""

    def forward(self, x, lo=-1.0, hi=1.0):
        self.lo, self.hi = lo, hi
        return get_array_module(x).clip(x, lo, hi)

    def backward(self, g, out, x):
        xr = D.raw(x)
        return (g * ((xr > self.lo) & (xr < self.hi)),)


# -- linear and embedding ---------------------------------------------------------------------


class LinearFn(Function):
    """y = x W^T + b for x of shape (..., in).  dx = g W, dW = g^T x, db = sum g."""

    def forward(self, x, w, b=None):
        out = x @ w.T
        if b is not None:
            out += b
        return out

    def backward(self, g, out, x, w, b=None):
        gx = g @ w if self.needs(0) else None
        gw = gb = None
        if self.needs(1) or (b is not None and self.needs(2)):
            k = x.shape[-1]
            g2 = g.reshape(-1, w.shape[0]) if D.is_tensor(g) else g.reshape(-1, w.shape[0])
            if self.needs(1):
                x2 = x.reshape(-1, k)
                gw = D.swap_last(g2) @ x2
            if b is not None and self.needs(2):
                gb = g2.sum(0)
        return (gx, gw) if b is None else (gx, gw, gb)


class EmbeddingFn(Function):
    """out = W[idx]; dW = sum of g rows at idx (the padding row gets none)."""

    def forward(self, w, idx=None, padding_idx=None):
        self.idx, self.pad, self.shape = idx, padding_idx, w.shape
        return w[idx]

    def backward(self, g, out, w):
        if self.pad is not None:
            keep = (self.idx != self.pad)[..., None]
            g = g * keep
        return (D.index_add_into(g, self.idx, self.shape, False),)


# -- fused softmax cross-entropy -------------------------------------------------------------


class CrossEntropyFn(Function):
    """Per-row loss_i = -sum_c A_ic log_softmax(x)_ic, with log_softmax via log-sum-exp.

    ``coef`` A holds the (weighted, smoothed, masked) target distribution; for index targets it
    is built from the class indices, for probability targets the target tensor is a second input.
    dL/dx_i = g_i (softmax(x_i) sum_c A_ic - A_i);  dL/dtarget = -g_i w_c (1 - eps) log p_ic.
    """

    def forward(self, x, t=None, coef=None, weight=None, smoothing=0.0, scale=None):
        xp = get_array_module(x)
        z = x - x.max(axis=1, keepdims=True)
        logp = z - xp.log(xp.exp(z).sum(axis=1, keepdims=True))
        if t is not None:  # probability targets
            c = x.shape[1]
            coef = t * (1 - smoothing) + smoothing / c
            if weight is not None:
                coef = coef * weight
        self.coef, self.weight, self.smoothing, self.scale = coef, weight, smoothing, scale
        self.logp = logp
        loss = -(coef * logp).sum(axis=1)
        if scale is not None:
            return xp.asarray(loss.sum() * scale, dtype=x.dtype)
        return loss.astype(x.dtype, copy=False)

    def backward(self, g, out, x, t=None):
        coef = self.coef
        if D.is_tensor(x):
            logp = x.log_softmax(1)
            if t is not None:
                coef = t * (1 - self.smoothing) + self.smoothing / x.shape[1]
                if self.weight is not None:
                    coef = coef * self.weight
        else:
            logp = self.logp
        if self.scale is not None:
            g = g * self.scale
            gcol = g
        else:
            gcol = g.reshape(-1, 1)
        gx = gt = None
        if self.needs(0):
            gx = gcol * (D.exp(logp) * _sum_keep(coef, 1) - coef)
        if t is not None and self.needs(1):
            w = 1.0 if self.weight is None else self.weight
            gt = -gcol * (1 - self.smoothing) * w * logp
        return (gx,) if t is None else (gx, gt)
