"""Elementwise primitives with NumPy broadcasting and PyTorch's type promotion.

Every binary op first brings its operands to one dtype by torch's rules (categories
bool < integer < floating; dimensioned tensors outrank zero-dim tensors, which outrank Python
scalars; a Python float next to an integer tensor gives the default float dtype), then runs the
primitive.  Backward formulas return raw gradients; the engine un-broadcasts them.
"""

from __future__ import annotations

from typing import Any

from .. import _validate
from ..autograd import dual as D
from ..autograd.function import Function
from ..backend import default_float_np, get_array_module, np
from ..tensor import Tensor

# ---------------------------------------------------------------------------------------------
# operand preparation and type promotion
# ---------------------------------------------------------------------------------------------

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def _scalar_category(v: Any) -> int:
    if isinstance(v, bool):
        return 0
    if isinstance(v, int):
        return 1
    if isinstance(v, float):
        return 2
    raise TypeError(
        f"unsupported operand of type {type(v).__name__}: expected a Tensor or a Python number"
    )


def result_dtype(*operands: Any) -> np.dtype:
    """The dtype torch gives the result of an elementwise op on ``operands``."""
    tiers: list[list] = [[], [], []]  # dimensioned tensors, zero-dim tensors, Python scalars
    best = 0
    for v in operands:
        if isinstance(v, Tensor):
            d = v._data.dtype
            cat = _CATEGORY[d.kind]
            tiers[0 if v._data.ndim else 1].append((cat, d))
        else:
            cat = _scalar_category(v)
            tiers[2].append((cat, None))
        best = max(best, cat)
    for tier in tiers[:2]:
        chosen = [d for c, d in tier if c == best]
        if chosen:
            out = chosen[0]
            for d in chosen[1:]:
                out = np.promote_types(out, d)
            return out
    return np.dtype((np.bool_, np.int64, default_float_np())[best])


def _as_operand(v: Any, like: Tensor, dtype: np.dtype) -> Tensor:
    if isinstance(v, Tensor):
        return v if v._data.dtype == dtype else v.to(dtype=dtype)
    return Tensor._wrap(get_array_module(like._data).asarray(v, dtype=dtype))


def _const(v: Any) -> Any:
    """Raw arrays and NumPy scalars taking part in an op become constant Tensors."""
    if isinstance(v, (Tensor, bool, int, float)):
        return v
    if hasattr(v, "dtype") and hasattr(v, "shape"):
        return Tensor._wrap(
            v if hasattr(v, "ndim") and not isinstance(v, np.generic) else np.asarray(v)
        )
    return v


def prepare(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Both operands as Tensors of the promoted dtype (fast when they already agree)."""
    if not isinstance(a, Tensor):
        a = _const(a)
    if not isinstance(b, Tensor):
        b = _const(b)
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a._data.dtype == b._data.dtype:
                return a, b
        elif type(b) is float and a._data.dtype.kind == "f":
            return a, Tensor._wrap(get_array_module(a._data).asarray(b, dtype=a._data.dtype))
        like = a
    elif isinstance(b, Tensor):
        like = b
    else:
        raise TypeError("at least one operand must be a Tensor")
    dt = result_dtype(a, b)
    return _as_operand(a, like, dt), _as_operand(b, like, dt)


def _float_dtype_for(x: Tensor) -> Tensor:
    """Integer/bool inputs of float functions (exp, sqrt, true division) become default float."""
    if x._data.dtype.kind in "biu":
        return x.to(dtype=default_float_np())
    return x


# ---------------------------------------------------------------------------------------------
# binary primitives
# ---------------------------------------------------------------------------------------------


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, g, out, a, b):
        return g, g


class Sub(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, g, out, a, b):
        return g, (-g if self.needs(1) else None)


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, g, out, a, b):
        return (g * b if self.needs(0) else None), (g * a if self.needs(1) else None)


class Div(Function):
    def forward(self, a, b):
        return a / b

    def backward(self, g, out, a, b):
        ga = g / b if self.needs(0) else None
        gb = -g * a / (b * b) if self.needs(1) else None  # torch's formula: reads a, not out
        return ga, gb


class Pow(Function):
    def forward(self, a, b):
        return a**b

    def backward(self, g, out, a, b):
        ga = g * b * a ** (b - 1) if self.needs(0) else None
        gb = None
        if self.needs(1):
            a_raw, b_raw = D.raw(a), D.raw(b)
            zero = (a_raw == 0) & (b_raw >= 0)
            safe_a = a if not zero.any() else _where_raw(zero, 1, a)
            gb = g * out * D.log(safe_a)
        return ga, gb


def _where_raw(mask: Any, fill: float, x: Any) -> Any:
    return D.where(mask, x * 0 + fill, x)


class Maximum(Function):
    def forward(self, a, b):
        return get_array_module(a).maximum(a, b)

    def backward(self, g, out, a, b):
        ar, br = D.raw(a), D.raw(b)
        wa = (ar > br) + 0.5 * (ar == br)  # ties share the gradient, as in torch
        wa = wa.astype(ar.dtype)
        return g * wa, g * (1 - wa)


class Minimum(Function):
    def forward(self, a, b):
        return get_array_module(a).minimum(a, b)

    def backward(self, g, out, a, b):
        ar, br = D.raw(a), D.raw(b)
        wa = ((ar < br) + 0.5 * (ar == br)).astype(ar.dtype)
        return g * wa, g * (1 - wa)


class Where(Function):
    def forward(self, a, b, cond):
        self.cond = cond
        return get_array_module(a).where(cond, a, b)

    def backward(self, g, out, a, b):
        zero = g * 0
        return D.where(self.cond, g, zero), D.where(self.cond, zero, g)


# ---------------------------------------------------------------------------------------------
# unary primitives
# ---------------------------------------------------------------------------------------------


class Neg(Function):
    def forward(self, x):
        return -x

    def backward(self, g, out, x):
        return (-g,)


class Exp(Function):
    def forward(self, x):
        return get_array_module(x).exp(x)

    def backward(self, g, out, x):
        return (g * out,)


class Log(Function):
    def forward(self, x):
        return get_array_module(x).log(x)

    def backward(self, g, out, x):
        return (g / x,)


class Log1p(Function):
    def forward(self, x):
        return get_array_module(x).log1p(x)

    def backward(self, g, out, x):
        return (g / (x + 1),)


class Sqrt(Function):
    def forward(self, x):
        return get_array_module(x).sqrt(x)

    def backward(self, g, out, x):
        return (g / (out * 2),)


class Abs(Function):
    def forward(self, x):
        return get_array_module(x).abs(x)

    def backward(self, g, out, x):
        return (g * D.sign(x),)


class Sign(Function):
    def forward(self, x):
        return get_array_module(x).sign(x)

    def backward(self, g, out, x):
        return (g * 0,)


class Sin(Function):
    def forward(self, x):
        return get_array_module(x).sin(x)

    def backward(self, g, out, x):
        return (g * D.cos(x),)


class Cos(Function):
    def forward(self, x):
        return get_array_module(x).cos(x)

    def backward(self, g, out, x):
        return (-g * D.sin(x),)


class Tanh(Function):
    def forward(self, x):
        return get_array_module(x).tanh(x)

    def backward(self, g, out, x):
        return (g * (1 - out * out),)


class Sigmoid(Function):
    """sigma(x) = 1 / (1 + exp(-x)) = (1 + tanh(x / 2)) / 2: one transcendental, no overflow."""

    def forward(self, x):
        xp = get_array_module(x)
        out = xp.tanh(x * x.dtype.type(0.5))
        out *= x.dtype.type(0.5)
        out += x.dtype.type(0.5)
        return out

    def backward(self, g, out, x):
        return (g * out * (1 - out),)


class Relu(Function):
    def forward(self, x):
        return get_array_module(x).maximum(x, 0)

    def backward(self, g, out, x):
        return (g * (D.raw(out) > 0),)


class Clamp(Function):
    def forward(self, x, lo=None, hi=None):
        self.lo, self.hi = lo, hi
        return get_array_module(x).clip(x, lo, hi)

    def backward(self, g, out, x):
        xr = D.raw(x)
        mask = True
        if self.lo is not None:
            mask = xr >= self.lo
        if self.hi is not None:
            mask = mask & (xr <= self.hi)
        return (g * mask,)


# ---------------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------------


def add(a: Any, b: Any, alpha: float = 1) -> Tensor:
    """``a + alpha * b`` with broadcasting."""
    if alpha != 1:
        b = mul(b, alpha)
    return Add.apply(*prepare(a, b))


def sub(a: Any, b: Any, alpha: float = 1) -> Tensor:
    """``a - alpha * b`` with broadcasting."""
    if alpha != 1:
        b = mul(b, alpha)
    return Sub.apply(*prepare(a, b))


def mul(a: Any, b: Any) -> Tensor:
    """Elementwise product with broadcasting."""
    return Mul.apply(*prepare(a, b))


def div(a: Any, b: Any, rounding_mode: str | None = None) -> Tensor:
    """True division (integers give the default float dtype), or floor/trunc division."""
    a, b = prepare(a, b)
    if rounding_mode is None:
        if a._data.dtype.kind in "biu":
            a, b = _float_dtype_for(a), _float_dtype_for(b)
        return Div.apply(a, b)
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(
            f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}"
        )
    if a._data.shape != b._data.shape:
        _validate.broadcast_shapes([a._data.shape, b._data.shape], "div")
    xp = get_array_module(a._data)
    if a._data.dtype.kind in "biu":
        if (b._data == 0).any():
            raise RuntimeError(
                "ZeroDivisionError: integer division (// or %) by zero; use float tensors (x / y "
                "gives inf) or mask the zeros first"
            )
        if a._data.dtype.kind == "b":
            a, b = a.to(dtype="int64"), b.to(dtype="int64")
        if rounding_mode == "floor":
            return Tensor._wrap(xp.floor_divide(a._data, b._data))
        q = xp.abs(a._data) // xp.abs(b._data)
        return Tensor._wrap(xp.where((a._data < 0) != (b._data < 0), -q, q))
    with _quiet(xp):
        q = a._data / b._data
        q = xp.floor(q) if rounding_mode == "floor" else xp.trunc(q)
    return Tensor._wrap(q.astype(a._data.dtype, copy=False))


def _quiet(xp: Any) -> Any:
    """NumPy's errstate for division by zero (torch gives inf/nan without a warning)."""
    import contextlib

    errstate = getattr(xp, "errstate", None)
    return errstate(divide="ignore", invalid="ignore") if errstate else contextlib.nullcontext()


def floor_divide(a: Any, b: Any) -> Tensor:
    return div(a, b, rounding_mode="floor")


def remainder(a: Any, b: Any) -> Tensor:
    """Python-style modulus (sign of the divisor); gradient flows to ``a`` as identity."""
    a, b = prepare(a, b)
    return sub(a, mul(floor_divide(a, b).detach(), b))


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001 - torch's name
    """``a ** b`` elementwise."""
    a, b = prepare(a, b)
    return Pow.apply(a, b)


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum.apply(*prepare(a, b))


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum.apply(*prepare(a, b))


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """Elements of ``a`` where ``cond`` holds, else of ``b`` (all three broadcast)."""
    c = cond._data if isinstance(cond, Tensor) else cond
    if getattr(c, "dtype", None) is None or c.dtype.kind != "b":
        raise TypeError("where: condition must be a bool tensor (e.g. x > 0)")
    a, b = prepare(a, b)
    return Where.apply(a, b, cond=c)


def neg(x: Tensor) -> Tensor:
    return Neg.apply(x)


def _unary(cls: type[Function], x: Any) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{cls.__name__.lower()}(): expected a Tensor, got {type(x).__name__}")
    return cls.apply(_float_dtype_for(x))


def exp(x: Tensor) -> Tensor:
    return _unary(Exp, x)


def log(x: Tensor) -> Tensor:
    return _unary(Log, x)


def log1p(x: Tensor) -> Tensor:
    return _unary(Log1p, x)


def sqrt(x: Tensor) -> Tensor:
    return _unary(Sqrt, x)


def sin(x: Tensor) -> Tensor:
    return _unary(Sin, x)


def cos(x: Tensor) -> Tensor:
    return _unary(Cos, x)


def tanh(x: Tensor) -> Tensor:
    return _unary(Tanh, x)


def sigmoid(x: Tensor) -> Tensor:
    return _unary(Sigmoid, x)


def abs(x: Tensor) -> Tensor:  # noqa: A001
    return Abs.apply(x)


def sign(x: Tensor) -> Tensor:
    return Sign.apply(x)


def relu(x: Tensor) -> Tensor:
    return Relu.apply(x)


def clamp(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """Limit values to ``[min, max]``; the gradient passes where ``min <= x <= max``."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    return Clamp.apply(x, lo=min, hi=max)


def rsqrt(x: Tensor) -> Tensor:
    return div(1.0, sqrt(x))


def reciprocal(x: Tensor) -> Tensor:
    return div(1.0, x)


def square(x: Tensor) -> Tensor:
    return mul(x, x)


def expm1(x: Tensor) -> Tensor:
    return sub(exp(x), 1.0)


def log2(x: Tensor) -> Tensor:
    return div(log(x), float(np.log(2.0)))


def log10(x: Tensor) -> Tensor:
    return div(log(x), float(np.log(10.0)))


def tan(x: Tensor) -> Tensor:
    return div(sin(x), cos(x))


def lerp(start: Tensor, end: Tensor, weight: Any) -> Tensor:
    return add(start, mul(sub(end, start), weight))
