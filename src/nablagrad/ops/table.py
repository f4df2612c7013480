"""The table of elementwise primitives: one row per primitive, everything else derived.

In the spirit of PyTorch's ``derivatives.yaml``, each row names a primitive and gives

- ``forward``: the array function, ``forward(*arrays) -> array`` (``xp(x)`` is the array
  module, NumPy or CuPy, that owns ``x``);
- ``grads``: one backward formula per input, ``grad(m, g, out, *inputs) -> gradient``, written
  with operators and the functions of the math namespace ``m`` (``m.exp``, ``m.where``,
  ``m.sign`` ...).  The engine passes arrays and ``m`` = array math in a plain backward, and
  Tensors and ``m`` = Tensor math under ``create_graph=True``, so the same formula is also
  differentiable and double backward needs no extra code;
- ``dtype``: ``"float"`` (integer and bool inputs become the default float dtype, as
  ``torch.exp``), ``"same"`` (the input dtype is kept, as ``torch.abs``) or ``"promote"`` (binary:
  torch's type promotion of the two operands);
- ``domain``: where the test suite samples inputs (``(low, high)``), so that tests compare the
  primitive against PyTorch on values where it is defined and smooth.

From a row come the ``Function`` subclass (``ops.elementwise.Exp``), the functional wrapper
(``nablagrad.exp``, ``nablagrad.ops.exp``), the export and the test rows (``tests/core``).
Tensor methods are one-line delegations written in ``tensor.py``'s class body (so that type
checkers see them); a meta-test fails when a row has no method or no test.

Adding a primitive is one row: e.g. ``Row("atan2", lambda a, b: xp(a).arctan2(a, b),
(lambda m, g, out, a, b: g * b / (a * a + b * b), lambda m, g, out, a, b: -g * a / (a * a + b *
b)), "float", (-2.0, 2.0))``, plus ``def atan2(self, other)`` in ``Tensor``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..backend import errstate, scratch_empty, special_module
from ..backend import get_array_module as xp
from . import _activation_jit as jit
from . import _reduce_jit as reduce_jit
from .pooled import POOLED_MIN, compiled, fits, kernel_pass, pooled_pass

__all__ = ["Row", "Reduction", "UNARY", "BINARY", "REDUCTIONS", "ROWS"]


@dataclass(frozen=True)
class Row:
    """One primitive: see the module docstring for the meaning of each field."""

    name: str
    forward: Callable[..., Any]
    grads: tuple[Callable[..., Any], ...]
    dtype: str = "float"
    domain: tuple[float, float] = (-2.0, 2.0)
    doc: str = ""
    functional: bool = True  # False: the public wrapper is hand-written (extra arguments)

    @property
    def arity(self) -> int:
        return len(self.grads)


# ReLU, sigmoid and tanh run on activation-sized arrays every training step: their forward and
# plain-backward passes go through ``pooled`` (pooled buffers, batch shards over threads,
# compiled one-pass kernels).  D2L's LeNet-5 (batch 256) on 2 threads 8.2 -> 7.8 ms a step
# with the shards, at twice the width (batch 128) 12.1 -> 10.7 ms.


def _sigmoid_into(mod: Any, x: Any, out: Any) -> Any:
    """out = 1 / (1 + e^-x) in four in-place passes (the formula without compiled kernels)."""
    mod.negative(x, out=out)
    mod.exp(out, out=out)
    out += 1
    return mod.reciprocal(out, out=out)


def _sigmoid(x: Any) -> Any:
    # sigma(x) = 1 / (1 + e^-x): full relative precision in both tails (e^-x overflows to inf
    # below x = -88.72 in float32, giving 0 as torch does).  (1 + tanh(x/2)) / 2, used before,
    # cancels for negative x: 2e-4 relative error at x = -10, 0 at x = -20 (torch: 2.1e-9).
    mod = xp(x)
    if x.dtype.char == "e":  # float16 in float32, rounded once (torch's opmath)
        return _sigmoid(x.astype(mod.float32)).astype(x.dtype)
    if x.size < POOLED_MIN:  # out= an array, also for 0-d x (negative(x) would be a scalar)
        return _sigmoid_into(mod, x, mod.empty_like(x))

    if x.dtype == mod.float32 and compiled(x):
        return kernel_pass(jit.sigmoid32, x)
    return pooled_pass(x, lambda a, b, o: _sigmoid_into(mod, x[a:b], o))


def _sigmoid_grad(m: Any, g: Any, out: Any, x: Any) -> Any:
    # d sigma / dx = sigma (1 - sigma), from the saved output
    if m.tensors or not fits(g, out):
        return g * out * (1 - out)
    mod = xp(out)
    if compiled(g, out):
        return kernel_pass(jit.sigmoid_grad, g, out)

    def shard(a: int, b: int, r: Any) -> None:
        mod.subtract(1, out[a:b], out=r)
        r *= out[a:b]
        r *= g[a:b]

    return pooled_pass(out, shard)


def _exp(x: Any) -> Any:
    mod = xp(x)
    if x.dtype == mod.float32 and x.size >= POOLED_MIN and compiled(x):  # vectorised
        return kernel_pass(jit.exp32, x)
    return mod.exp(x)


def _tanh(x: Any) -> Any:
    mod = xp(x)
    if x.size < POOLED_MIN:
        return mod.tanh(x)
    if x.dtype == mod.float32 and compiled(x):  # vectorised (NumPy's float32 tanh is not)
        return kernel_pass(jit.tanh32, x)
    return pooled_pass(x, lambda a, b, r: mod.tanh(x[a:b], out=r))


def _tanh_grad(m: Any, g: Any, out: Any, x: Any) -> Any:
    # d tanh / dx = 1 - tanh^2, from the saved output
    if m.tensors or not fits(g, out):
        return g * (1 - out * out)
    mod = xp(out)
    if compiled(g, out):
        return kernel_pass(jit.tanh_grad, g, out)

    def shard(a: int, b: int, r: Any) -> None:
        mod.multiply(out[a:b], out[a:b], out=r)
        mod.subtract(1, r, out=r)
        r *= g[a:b]

    return pooled_pass(out, shard)


def _relu(x: Any) -> Any:
    mod = xp(x)
    if x.dtype.kind != "f" or x.size < POOLED_MIN:
        return mod.maximum(x, 0)
    if compiled(x):  # one compiled pass: 4x faster than NumPy's maximum
        return kernel_pass(jit.relu, x)
    return pooled_pass(x, lambda a, b, r: mod.maximum(x[a:b], 0, out=r))


def _relu_grad(m: Any, g: Any, out: Any, x: Any) -> Any:
    # g where the output is positive or NaN, else 0 (torch's threshold_backward: 0 where
    # out <= 0, so a NaN input passes its gradient on)
    if m.tensors or not fits(g, out) or out.dtype.kind != "f":
        return g * ~(m.raw(out) <= 0)
    mod = xp(out)
    if compiled(g, out):
        return kernel_pass(jit.relu_grad, g, out)

    def shard(a: int, b: int, r: Any) -> None:  # the mask from the pool too (no page faults)
        mask = scratch_empty(mod, r.shape, mod.bool_)
        mod.less_equal(out[a:b], 0, out=mask)
        mod.logical_not(mask, out=mask)
        mod.multiply(g[a:b], mask, out=r)

    return pooled_pass(out, shard)


def _pow(a: Any, b: Any) -> Any:
    """``a ** b``; an integer base to a negative integer exponent truncates as in torch (1 for
    a base of 1, -1 or 1 for -1 by the exponent's parity, else 0), where NumPy raises."""
    try:
        return a**b
    except ValueError:  # only integer arrays with a negative exponent
        mod = xp(a)
        negative = b < 0
        out = a ** mod.where(negative, 0, b)
        unit = mod.where(a == 1, 1, mod.where((a == -1) & (b % 2 == 0), 1, a * (a == -1)))
        return mod.where(negative, unit, out).astype(out.dtype, copy=False)


def _pow_grad_base(m: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    # d(a^b)/da = b a^(b-1), 0 where b == 0 (torch's rule: 0 * 0^-1 would be NaN at a = 0);
    # g times the product, not g * b first (which overflows for a huge b whose a^(b-1) is 0)
    grad = g * (b * a ** (b - 1))
    zero = m.raw(b) == 0
    return m.where(zero, g * 0, grad) if zero.any() else grad


def _pow_grad_exponent(m: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    # d(a^b)/db = a^b log(a); where a == 0 and b >= 0 the limit is 0 (torch's convention).
    zero = (m.raw(a) == 0) & (m.raw(b) >= 0)
    safe_a = m.where(zero, a * 0 + 1, a) if zero.any() else a
    return g * out * m.log(safe_a)


def _extremum_weight(m: Any, a: Any, b: Any, loses: Any) -> Any:
    """torch's weight of ``a`` in max(a, b) / min(a, b): 0 where ``loses(a, b)``, 1/2 at ties
    and 1 elsewhere, so where the result is NaN both operands get the whole gradient."""
    ar, br = m.raw(a), m.raw(b)
    return ((ar == br) * -0.5 + 1 - loses(ar, br)).astype(ar.dtype)


def _sp(name: str) -> Callable[[Any], Any]:
    """A scipy.special (cupyx on the GPU) function that keeps the input's dtype."""
    return lambda x: getattr(special_module(x), name)(x).astype(x.dtype, copy=False)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _fmod_grad_b(m: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    ar, br = m.raw(a), m.raw(b)
    return -g * xp(ar).trunc(ar / br)


def _copysign_grad_a(m: Any, g: Any, out: Any, a: Any, b: Any) -> Any:
    # out / a, 0 where a == 0 (torch's rule)
    ar = m.raw(a)
    mod = xp(ar)
    ratio = mod.where(ar == 0, 0, m.raw(out) / mod.where(ar == 0, 1, ar))
    return g * ratio.astype(ar.dtype)


def _sign(x: Any) -> Any:
    # torch's sign is (0 < x) - (x < 0): 0 for NaN, where NumPy's sign gives NaN (|x|'s
    # gradient at NaN is then 0, as torch's)
    if x.dtype.kind == "b":  # torch: a bool tensor is its own sign
        return x.copy()
    out = xp(x).sign(x)
    if out.dtype.kind != "f":
        return out
    return xp(x).nan_to_num(out, copy=out.ndim == 0, nan=0.0)  # (a scalar for 0-d x)


def _lgamma(x: Any) -> Any:
    # log|Gamma(x)|; scipy gives -inf at -inf, torch (and the limit of log|Gamma|) +inf
    mod = xp(x)
    out = _sp("gammaln")(x)
    return mod.where(mod.isneginf(x), mod.inf, out).astype(out.dtype, copy=False)


def _quietly(fn: Any, x: Any) -> Any:
    """``fn(x)`` without NumPy's divide/invalid warnings: log(0) = -inf and log(-1) = nan, as
    torch gives them, silently."""
    with errstate(divide="ignore", invalid="ignore"):
        return fn(x)


def _quiet_div(m: Any, g: Any, d: Any) -> Any:
    """g / d; on arrays without the division-by-zero warning (torch gives inf silently)."""
    if m.tensors:
        return g / d
    with errstate(divide="ignore", invalid="ignore"):
        return g / d


def _xlogy(x: Any, y: Any) -> Any:
    mod = xp(y)
    with errstate(divide="ignore", invalid="ignore"):
        out = x * mod.log(y)
    return mod.where((x == 0) & ~mod.isnan(y), 0, out).astype(out.dtype)


def _xlogy_grad_x(m: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    # log y, but 0 where x == 0 and y <= 0 (torch's rule)
    xr, yr = m.raw(x), m.raw(y)
    dead = (xr == 0) & (yr <= 0)
    return m.where(dead, g * 0, g * m.log(m.where(dead, y * 0 + 1, y)))


def _xlogy_grad_y(m: Any, g: Any, out: Any, x: Any, y: Any) -> Any:
    with errstate(divide="ignore", invalid="ignore"):
        return g * x / y


UNARY: tuple[Row, ...] = (
    Row("neg", lambda x: -x, (lambda m, g, out, x: -g,), "same", doc="-x"),
    Row(
        "exp",
        _exp,
        (lambda m, g, out, x: g * out,),
        doc="e^x; d/dx = e^x",
    ),
    Row(
        "expm1",
        lambda x: xp(x).expm1(x),
        # e^x, not torch's out + 1, which loses the relative precision below x ~ -15
        (lambda m, g, out, x: g * m.exp(x),),
        doc="e^x - 1, accurate for small x (exp(x) - 1 gives 0 below |x| ~ 1e-8); d/dx = e^x",
    ),
    Row(
        "log",
        lambda x: _quietly(xp(x).log, x),
        (lambda m, g, out, x: _quiet_div(m, g, x),),
        domain=(0.2, 3.0),
        doc="natural logarithm; d/dx = 1/x",
    ),
    Row(
        "log1p",
        lambda x: _quietly(xp(x).log1p, x),
        (lambda m, g, out, x: _quiet_div(m, g, x + 1),),
        domain=(-0.5, 3.0),
        doc="log(1 + x), accurate for small x; d/dx = 1/(1 + x)",
    ),
    Row(
        "sqrt",
        lambda x: xp(x).sqrt(x),
        (lambda m, g, out, x: g / (out * 2),),
        domain=(0.2, 3.0),
        doc="square root; d/dx = 1/(2 sqrt(x))",
    ),
    Row(
        "abs",
        lambda x: xp(x).abs(x),
        (lambda m, g, out, x: g * m.sign(x),),
        "same",
        doc="|x|; d/dx = sign(x) (0 at 0, as torch)",
    ),
    Row(
        "sign",
        lambda x: _sign(x),
        (lambda m, g, out, x: g * 0,),
        "same",
        doc="-1, 0 or 1 (0 for NaN, as torch); the gradient is zero",
    ),
    Row(
        "floor",
        lambda x: xp(x).floor(x),
        (lambda m, g, out, x: g * 0,),
        "same",
        doc="largest integer <= x; the gradient is zero (as torch)",
    ),
    Row(
        "ceil",
        lambda x: xp(x).ceil(x),
        (lambda m, g, out, x: g * 0,),
        "same",
        doc="smallest integer >= x; the gradient is zero",
    ),
    Row(
        "trunc",
        lambda x: xp(x).trunc(x),
        (lambda m, g, out, x: g * 0,),
        "same",
        doc="x rounded toward zero; the gradient is zero",
    ),
    Row(
        "round",
        lambda x: xp(x).round(x),
        (lambda m, g, out, x: g * 0,),
        "same",
        doc="x rounded half to even; the gradient is zero",
        functional=False,
    ),
    Row(
        "sin",
        lambda x: xp(x).sin(x),
        (lambda m, g, out, x: g * m.cos(x),),
        doc="sine; d/dx = cos(x)",
    ),
    Row(
        "cos",
        lambda x: xp(x).cos(x),
        (lambda m, g, out, x: -g * m.sin(x),),
        doc="cosine; d/dx = -sin(x)",
    ),
    Row(
        "tanh",
        _tanh,
        (_tanh_grad,),
        doc="hyperbolic tangent; d/dx = 1 - tanh(x)^2",
    ),
    Row(
        "sigmoid",
        _sigmoid,
        (_sigmoid_grad,),
        doc="1 / (1 + e^-x); d/dx = sigma(x) (1 - sigma(x))",
    ),
    Row(
        "relu",
        _relu,
        (_relu_grad,),
        "same",
        doc="max(x, 0); d/dx = 1 where x > 0 else 0",
    ),
    Row(
        "sinh",
        lambda x: xp(x).sinh(x),
        (lambda m, g, out, x: g * m.cosh(x),),
        doc="(e^x - e^-x) / 2; d/dx = cosh(x)",
    ),
    Row(
        "cosh",
        lambda x: xp(x).cosh(x),
        (lambda m, g, out, x: g * m.sinh(x),),
        doc="(e^x + e^-x) / 2; d/dx = sinh(x)",
    ),
    Row(
        "asin",
        lambda x: xp(x).arcsin(x),
        (lambda m, g, out, x: _quiet_div(m, g, m.sqrt(1 - x * x)),),
        domain=(-0.9, 0.9),
        doc="inverse sine; d/dx = 1 / sqrt(1 - x^2) (NaN beyond [-1, 1], inf included)",
    ),
    Row(
        "acos",
        lambda x: xp(x).arccos(x),
        (lambda m, g, out, x: _quiet_div(m, -g, m.sqrt(1 - x * x)),),
        domain=(-0.9, 0.9),
        doc="inverse cosine; d/dx = -1 / sqrt(1 - x^2) (NaN beyond [-1, 1], inf included)",
    ),
    Row(
        "atan",
        lambda x: xp(x).arctan(x),
        (lambda m, g, out, x: g / (1 + x * x),),
        doc="inverse tangent; d/dx = 1 / (1 + x^2)",
    ),
    Row(
        "asinh",
        lambda x: xp(x).arcsinh(x),
        (lambda m, g, out, x: g * (x * x + 1) ** -0.5,),
        doc="inverse hyperbolic sine; d/dx = 1 / sqrt(x^2 + 1)",
    ),
    Row(
        "acosh",
        lambda x: xp(x).arccosh(x),
        (lambda m, g, out, x: g * (x * x - 1) ** -0.5,),
        domain=(1.1, 4.0),
        doc="inverse hyperbolic cosine; d/dx = 1 / sqrt(x^2 - 1)",
    ),
    Row(
        "atanh",
        lambda x: xp(x).arctanh(x),
        (lambda m, g, out, x: g / (1 - x * x),),
        domain=(-0.9, 0.9),
        doc="inverse hyperbolic tangent; d/dx = 1 / (1 - x^2)",
    ),
    Row(
        "erf",
        _sp("erf"),
        (lambda m, g, out, x: g * _TWO_OVER_SQRT_PI * m.exp(-(x * x)),),
        doc="2/sqrt(pi) * integral_0^x e^(-t^2) dt; d/dx = 2/sqrt(pi) e^(-x^2)",
    ),
    Row(
        "erfc",
        _sp("erfc"),
        (lambda m, g, out, x: -g * _TWO_OVER_SQRT_PI * m.exp(-(x * x)),),
        doc="1 - erf(x); d/dx = -2/sqrt(pi) e^(-x^2)",
    ),
    Row(
        "erfinv",
        _sp("erfinv"),
        (lambda m, g, out, x: g * (math.sqrt(math.pi) / 2) * m.exp(out * out),),
        domain=(-0.9, 0.9),
        doc="inverse of erf; d/dx = sqrt(pi)/2 e^(erfinv(x)^2)",
    ),
    Row(
        "lgamma",
        lambda x: _lgamma(x),
        (lambda m, g, out, x: g * m.digamma(x),),
        domain=(0.2, 5.0),
        doc="log |Gamma(x)|; d/dx = digamma(x)",
    ),
)

BINARY: tuple[Row, ...] = (
    Row(
        "add",
        lambda a, b: a + b,
        (lambda m, g, out, a, b: g, lambda m, g, out, a, b: g),
        "promote",
        doc="a + b",
        functional=False,
    ),
    Row(
        "sub",
        lambda a, b: a - b,
        (lambda m, g, out, a, b: g, lambda m, g, out, a, b: -g),
        "promote",
        doc="a - b",
        functional=False,
    ),
    Row(
        "mul",
        lambda a, b: a * b,
        (lambda m, g, out, a, b: g * b, lambda m, g, out, a, b: g * a),
        "promote",
        doc="a * b",
    ),
    Row(
        "div",
        lambda a, b: a / b,
        # torch's formula for b: reads a, not out (so changing out in place is allowed), and
        # divides twice: b * b overflows / underflows (-inf at a = b = 1e-30 in float32)
        (lambda m, g, out, a, b: g / b, lambda m, g, out, a, b: -g * (a / b / b)),
        "promote",
        domain=(0.5, 2.0),
        doc="a / b",
        functional=False,
    ),
    Row(
        "pow",
        _pow,
        (_pow_grad_base, _pow_grad_exponent),
        "promote",
        domain=(0.5, 2.0),
        doc="a ** b",
    ),
    Row(
        "maximum",
        lambda a, b: xp(a).maximum(b, a),  # NumPy returns its second operand at ties, torch a
        (
            lambda m, g, out, a, b: g * _extremum_weight(m, a, b, operator.lt),
            lambda m, g, out, a, b: g * _extremum_weight(m, b, a, operator.lt),
        ),
        "promote",
        doc="elementwise max; ties share the gradient (both get all of it where NaN)",
    ),
    Row(
        "minimum",
        lambda a, b: xp(a).minimum(b, a),
        (
            lambda m, g, out, a, b: g * _extremum_weight(m, a, b, operator.gt),
            lambda m, g, out, a, b: g * _extremum_weight(m, b, a, operator.gt),
        ),
        "promote",
        doc="elementwise min; ties share the gradient (both get all of it where NaN)",
    ),
    Row(
        "fmod",
        lambda a, b: xp(a).fmod(a, b),
        (lambda m, g, out, a, b: g, _fmod_grad_b),
        "promote",
        domain=(0.5, 2.0),
        doc="C's remainder (sign of a); d/da = 1, d/db = -trunc(a / b)",
        functional=False,
    ),
    Row(
        "copysign",
        lambda a, b: xp(a).copysign(a, b),
        (_copysign_grad_a, lambda m, g, out, a, b: g * 0),
        "promote",
        doc="|a| with the sign of b; d/da = out / a (0 at a = 0), d/db = 0",
        functional=False,
    ),
    Row(
        "xlogy",
        _xlogy,
        (_xlogy_grad_x, _xlogy_grad_y),
        "promote",
        domain=(0.5, 2.0),
        doc="x log y, 0 where x = 0; d/dx = log y, d/dy = x / y",
        functional=False,
    ),
)


@dataclass(frozen=True)
class Reduction:
    """A reduction over ``axes`` (a sorted tuple, or None for all) with ``keepdim``.

    ``forward(x, axes, keepdim) -> array``; ``grad(m, g, out, x, axes) -> gradient`` receives
    ``g`` and ``out`` already broadcast back to ``x``'s shape (``out`` only when ``uses_out``).
    The public wrappers (``sum``, ``mean`` ...) are written in ``ops/reduce.py``, where the
    ``dim``/``keepdim``/``dtype`` arguments are resolved.
    """

    name: str
    forward: Callable[..., Any]
    grad: Callable[..., Any]
    domain: tuple[float, float] = (-2.0, 2.0)
    doc: str = ""
    uses_out: bool = True


def _count(shape: tuple, axes: tuple | None) -> int:
    """How many elements each output of a reduction over ``axes`` combines (at least 1)."""
    n = 1
    for i, size in enumerate(shape):
        if axes is None or i in axes:
            n *= size
    return max(n, 1)


def _sum(x: Any, axes: Any, keepdim: bool) -> Any:
    if x.dtype.char == "f" and x.size >= POOLED_MIN and compiled(x):
        if axes is None or len(axes) == x.ndim:  # everything: compiled (3x faster than NumPy)
            total = reduce_jit.sum32(x)
            return xp(x).full((1,) * x.ndim, total) if keepdim else total
    if x.dtype.char == "e":  # float16 accumulates in float32 and rounds once, as torch's
        return x.sum(axis=axes, keepdims=keepdim, dtype="f4").astype(x.dtype)
    if x.dtype.kind in "iub" and x.dtype.itemsize < 8:  # sum(dtype=int8): int8, wrapping
        return x.sum(axis=axes, keepdims=keepdim, dtype=x.dtype)
    return x.sum(axis=axes, keepdims=keepdim)


def _mean(x: Any, axes: Any, keepdim: bool) -> Any:
    if x.size == 0 or x.dtype.kind != "f":  # NumPy's mean gives nan for empty input
        return x.mean(axis=axes, keepdims=keepdim)
    if x.dtype.char == "e":  # float16: in float32 (60000 and 40000 average to 50000)
        total = x.sum(axis=axes, keepdims=keepdim, dtype="f4")
        return (total / total.dtype.type(_count(x.shape, axes))).astype(x.dtype)
    total = _sum(x, axes, keepdim)  # sum / n: 4x faster than ndarray.mean
    return total / x.dtype.type(_count(x.shape, axes))


def _logsumexp(x: Any, axes: Any, keepdim: bool) -> Any:
    # m + log(sum(exp(x - m))) with m = max(x): no overflow; infinite maxima are left alone
    mod = xp(x)
    top = x.max(axis=axes, keepdims=True)
    top = mod.where(mod.isfinite(top), top, 0)
    out = mod.log(mod.exp(x - top).sum(axis=axes, keepdims=True)) + top
    if keepdim:
        return out
    return out.reshape(
        tuple(n for i, n in enumerate(out.shape) if axes is not None and i not in axes)
    )


def _extreme_grad(m: Any, g: Any, out: Any, x: Any, axes: Any) -> Any:
    # ties share the gradient evenly (torch's amax/amin rule)
    xr = m.raw(x)
    mask = xr == m.raw(out)
    return g * (mask / mask.sum(axis=axes, keepdims=True)).astype(xr.dtype)


REDUCTIONS: tuple[Reduction, ...] = (
    Reduction(
        "sum",
        _sum,
        lambda m, g, out, x, axes: g,
        doc="sum over axes; d/dx = 1",
        uses_out=False,
    ),
    Reduction(
        "mean",
        _mean,
        lambda m, g, out, x, axes: g / _count(tuple(x.shape), axes),
        doc="sum / n; d/dx = 1/n",
        uses_out=False,
    ),
    Reduction(
        "amax",
        lambda x, axes, keepdim: x.max(axis=axes, keepdims=keepdim),
        _extreme_grad,
        doc="largest value; the gradient is shared by the elements that reach it",
    ),
    Reduction(
        "amin",
        lambda x, axes, keepdim: x.min(axis=axes, keepdims=keepdim),
        _extreme_grad,
        doc="smallest value; the gradient is shared by the elements that reach it",
    ),
    Reduction(
        "logsumexp",
        _logsumexp,
        lambda m, g, out, x, axes: g * m.exp(x - out),
        doc="log(sum(exp(x))); d/dx = softmax(x)",
    ),
)

ROWS: dict[str, Row] = {r.name: r for r in UNARY + BINARY}
