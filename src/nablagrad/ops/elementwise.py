"""Elementwise primitives with NumPy broadcasting and PyTorch's type promotion.

Every binary op first brings its operands to one dtype by torch's rules (categories
bool < integer < floating; dimensioned tensors outrank zero-dim tensors, which outrank Python
scalars; a Python float next to an integer tensor gives the default float dtype), then runs the
primitive.  Backward formulas return raw gradients; the engine un-broadcasts them.
"""

from __future__ import annotations

import re
from typing import Any

from .. import _validate, backend
from ..autograd import function as _function
from ..autograd import gradmath
from ..autograd.function import Function, torch_node
from ..backend import default_float_np, get_array_module, np
from ..tensor import Tensor
from .table import BINARY, UNARY, Row

# ---------------------------------------------------------------------------------------------
# operand preparation and type promotion
# ---------------------------------------------------------------------------------------------

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
_NO_VALUE: Any = object()  # where(cond) without input and other


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
    xp = get_array_module(like._data)
    try:
        return _number(Tensor._wrap(xp.asarray(v, dtype=dtype)))
    except OverflowError:
        return _number(Tensor._wrap(xp.asarray(wrap_int(v), dtype=np.uint64).astype(dtype)))


def _number(t: Tensor) -> Tensor:
    """Mark ``t`` as a Python number taking part in an op (torch's "wrapped number"): torch keeps
    a Scalar, not a tensor, so ``autograd.graph.saved_tensors_hooks`` does not see it.  Only
    while such hooks are in force (the mark costs ~4% of a chain of small scalar ops)."""
    if _function._saved_hooks is not None:
        t.__dict__["_number"] = True
    return t


def wrap_int(v: int) -> int:
    """A Python int outside an integer dtype's range, as torch converts it: its low 64 bits
    (``uint8_tensor - 1`` subtracts 255, ``+ 300`` adds 44).  Cast the result from uint64."""
    if not -(2**63) <= v < 2**64:
        raise OverflowError(f"int too big to convert: {v} does not fit in 64 bits")
    return v & (2**64 - 1)


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
            number = Tensor._wrap(get_array_module(a._data).asarray(b, dtype=a._data.dtype))
            if _function._saved_hooks is not None:  # ``_number``, inlined: the hot path
                number.__dict__["_number"] = True
            return a, number
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
# primitives made from the table (ops/table.py)
# ---------------------------------------------------------------------------------------------


def function_from_row(row: Row) -> type[Function]:
    """The ``Function`` subclass for a table row (``exp`` -> ``Exp``)."""
    if row.arity == 1:
        (d0,) = row.grads

        def backward(self: Function, g: Any, out: Any, x: Any) -> tuple:
            return (d0(self.m, g, out, x),)

    else:
        d0, d1 = row.grads

        def backward(self: Function, g: Any, out: Any, a: Any, b: Any) -> tuple:  # type: ignore[misc]
            pa, pb = self.parents  # (inlined self.needs(i): this runs for every binary node)
            return (
                d0(self.m, g, out, a, b) if pa._requires_grad else None,
                d1(self.m, g, out, a, b) if pb._requires_grad else None,
            )

    name = "".join(part.capitalize() for part in row.name.split("_"))
    # the row's array function is the forward itself (a static method: no wrapper call)
    body = {"forward": staticmethod(row.forward), "backward": backward, "__doc__": row.doc}
    # torch's node capitalizes a letter after a digit: ``Log1PBackward0``, ``Xlog1PyBackward0``
    torch_name = re.sub(r"(?<=\d)[a-z]", lambda c: c.group().upper(), name)
    if torch_name != name:
        body["name"] = torch_name + "Backward0"
    return type(name, (Function,), body)


# "same"-dtype rows that torch refuses for bool tensors: (error type, torch's message)
_BOOL_REFUSED: dict[str, tuple[type, str]] = {
    "neg": (
        RuntimeError,
        "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
        "invert a mask, use the `~` or `logical_not()` operator instead.",
    ),
    "abs": (NotImplementedError, "\"abs_cpu\" not implemented for 'Bool'"),
    "relu": (RuntimeError, "Boolean inputs not supported for relu"),
    "floor": (NotImplementedError, "\"floor_vml_cpu\" not implemented for 'Bool'"),
    "ceil": (NotImplementedError, "\"ceil_vml_cpu\" not implemented for 'Bool'"),
    "trunc": (NotImplementedError, "\"trunc_vml_cpu\" not implemented for 'Bool'"),
}


def functional_from_row(row: Row, cls: type[Function]) -> Any:
    """The public function for a table row, applying its dtype policy."""
    apply = cls.apply
    if row.arity == 2:

        def binary(input: Any, other: Any) -> Tensor:  # noqa: A002 (torch's names)
            return apply(*prepare(input, other))

        fn = binary
    elif row.dtype == "float":

        def unary_float(input: Tensor) -> Tensor:  # noqa: A002
            if not isinstance(input, Tensor):
                raise TypeError(f"{row.name}(): expected a Tensor, got {type(input).__name__}")
            if input._data.dtype.kind in "biu":  # integers and bools compute in the default float
                input = input.to(dtype=default_float_np())
            return apply(input)

        fn = unary_float
    elif row.name in _BOOL_REFUSED:
        error, message = _BOOL_REFUSED[row.name]

        def unary_no_bool(input: Tensor) -> Tensor:  # noqa: A002
            if not isinstance(input, Tensor):
                raise TypeError(f"{row.name}(): expected a Tensor, got {type(input).__name__}")
            if input._data.dtype.kind == "b":
                raise error(message)
            return apply(input)

        fn = unary_no_bool
    else:

        def unary_same(input: Tensor) -> Tensor:  # noqa: A002
            if not isinstance(input, Tensor):
                raise TypeError(f"{row.name}(): expected a Tensor, got {type(input).__name__}")
            return apply(input)

        fn = unary_same
    fn.__name__ = fn.__qualname__ = row.name
    fn.__doc__ = row.doc
    return fn


FUNCTIONS: dict[str, type[Function]] = {r.name: function_from_row(r) for r in UNARY + BINARY}
FUNCTIONALS: dict[str, Any] = {
    r.name: functional_from_row(r, FUNCTIONS[r.name]) for r in UNARY + BINARY if r.functional
}

# Static names for readers and type checkers (tests/meta checks that every row has them).
_cls, _fn = FUNCTIONS.__getitem__, FUNCTIONALS.__getitem__
Neg, Exp, Expm1, Log, Log1p = map(_cls, ("neg", "exp", "expm1", "log", "log1p"))
Sqrt, Abs = map(_cls, ("sqrt", "abs"))
Sign, Floor, Ceil, Trunc, Round = map(_cls, ("sign", "floor", "ceil", "trunc", "round"))
Sin, Cos, Tanh, Sigmoid, Relu = map(_cls, ("sin", "cos", "tanh", "sigmoid", "relu"))
Add, Sub, Mul, Div, Pow = map(_cls, ("add", "sub", "mul", "div", "pow"))


class Rsub(Sub):  # type: ignore[valid-type,misc]
    """``other - input`` as ``torch.rsub`` and ``number - tensor`` record it: Sub's formula
    with torch's node name."""

    name = "RsubBackward1"


Maximum, Minimum = map(_cls, ("maximum", "minimum"))
Sinh, Cosh, Asin, Acos, Atan, Asinh = map(_cls, ("sinh", "cosh", "asin", "acos", "atan", "asinh"))
Acosh, Atanh, Erf, Erfc, Erfinv, Lgamma = map(
    _cls, ("acosh", "atanh", "erf", "erfc", "erfinv", "lgamma")
)
Fmod, Copysign, Xlogy = map(_cls, ("fmod", "copysign", "xlogy"))
neg, exp, expm1, log, log1p = map(_fn, ("neg", "exp", "expm1", "log", "log1p"))
sqrt, abs = map(_fn, ("sqrt", "abs"))  # noqa: A001
sign, floor, ceil, trunc = map(_fn, ("sign", "floor", "ceil", "trunc"))
sin, cos, tanh, sigmoid, relu = map(_fn, ("sin", "cos", "tanh", "sigmoid", "relu"))
maximum, minimum = map(_fn, ("maximum", "minimum"))
_mul = _fn("mul")
_HALF = np.dtype(np.float16)
_OPMATH = np.dtype(np.float32)


def _opmath_operands(a: Any, b: Any) -> tuple[Tensor, Tensor] | None:
    """torch's CPU ``mul``/``div`` of a float16 tensor by a scalar operand (a Python number or
    a 0-d tensor of another dtype) compute in float32, its "opmath" type, with the scalar's
    float32 value, and round the product once: ``half_x * 1e5`` multiplies by 1e5, not by
    float16(1e5) = inf.  The operands for that (the scalar as float32), or None when this is
    not such a pair (the ordinary path, where NumPy's float16 arithmetic is torch's)."""
    for t, v in ((a, b), (b, a)):
        if not (isinstance(t, Tensor) and t._data.dtype == _HALF):
            continue
        if type(v) in (float, int, bool):
            if type(v) is int and not -(2**63) <= v < 2**64:
                return None  # the ordinary path raises its overflow error
            s = Tensor._wrap(get_array_module(t._data).asarray(float(v), dtype=_OPMATH))
        elif isinstance(v, Tensor) and v._data.ndim == 0 and v._data.dtype != _HALF:
            if result_dtype(t, v) != _HALF or v._data.dtype.kind == "c":
                return None
            s = v if v._data.dtype == _OPMATH else v.to(dtype=_OPMATH)
        else:
            continue
        return (t, s) if t is a else (s, t)
    return None


def _rounded(out: Tensor) -> Tensor:
    """An opmath result rounded to float16 (the node keeps its formula; the engine casts the
    gradients to each input's dtype)."""
    with _quiet():  # overflow to inf, as torch (no warning)
        out._data = out._data.astype(_HALF)
    return out


def value_magnitude(value: float) -> float:
    return value if value >= 0 else -value


def check_half_scalar(x: Any, value: Any) -> None:
    """torch's refusal of a Python number outside float16's range as a float16 tensor's
    bound, fill value, exponent or ``alpha`` (``x.clamp(max=1e5)``): a RuntimeError, where
    NumPy would silently make it inf.  Infinities and NaN pass, as in torch."""
    if (
        isinstance(x, Tensor)
        and x._data.dtype == _HALF
        and type(value) in (float, int)
        and 65504 < value_magnitude(value) < float("inf")
    ):
        raise RuntimeError(
            f"value cannot be converted to type Half without overflow: {value} is outside "
            "float16's range (+-65504); use a float32 tensor (x.float()) or a smaller value"
        )


def mul(input: Any, other: Any) -> Tensor:  # noqa: A002 (torch's names)
    """``input * other`` after torch's type promotion.  A float16 tensor times a Python
    number or a 0-d tensor computes in float32 and rounds once, as torch's CPU kernel.

    Example:
        >>> import nablagrad as torch
        >>> torch.mul(torch.tensor([0.0, 1e-3], dtype=torch.float16), 1e5).tolist()
        [0.0, 100.0625]
    """
    if (isinstance(input, Tensor) and input._data.dtype == _HALF) or (
        isinstance(other, Tensor) and other._data.dtype == _HALF
    ):
        pair = _opmath_operands(input, other)
        if pair is not None:
            return _rounded(Mul.apply(*pair))
    return _mul(input, other)


_pow = _fn("pow")


def _pow_node(a: Any, b: Any) -> str:
    """torch's node of ``a ** b`` by overload: a number exponent, two tensors, a number base."""
    if not isinstance(b, Tensor):
        return "PowBackward0"
    return "PowBackward1" if isinstance(a, Tensor) else "PowBackward2"


@torch_node(_pow_node)
def pow(a: Any, b: Any) -> Tensor:  # noqa: A001
    """``a ** b`` after torch's type promotion.  An integer tensor to a negative Python int
    raises, as in torch (a negative integer exponent tensor truncates elementwise).  torch has
    no bool power: a bool tensor to a Python bool is the tensor (``x ** True``) or ones (``x **
    False``), and a bool base with a bool tensor exponent raises."""
    if type(b) is int and b < 0 and isinstance(a, Tensor) and a._data.dtype.kind in "biu":
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    check_half_scalar(a, b)
    a_bool = isinstance(a, bool) or (isinstance(a, Tensor) and a._data.dtype.kind == "b")
    if a_bool and isinstance(b, Tensor) and b._data.dtype.kind == "b":
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if isinstance(a, Tensor) and a._data.dtype.kind == "b" and isinstance(b, bool):
        if b:
            return a.clone()
        return Tensor._wrap(get_array_module(a._data).ones(a.shape, dtype=bool))  # x ** False
    return _pow(a, b)


sinh, cosh, asin, acos, atan, asinh = map(_fn, ("sinh", "cosh", "asin", "acos", "atan", "asinh"))
acosh, atanh, erf, erfc, erfinv, lgamma = map(
    _fn, ("acosh", "atanh", "erf", "erfc", "erfinv", "lgamma")
)

# Backward formulas call the table's primitives as m.<name> (autograd/gradmath.py).
for _row in UNARY + BINARY:
    gradmath.register(_row.name, _row.forward, FUNCTIONS[_row.name].apply)


# ---------------------------------------------------------------------------------------------
# hand-written primitives (extra state or arguments)
# ---------------------------------------------------------------------------------------------


class Where(Function):
    def forward(self, a, b, cond):
        self.cond = cond
        return get_array_module(a).where(cond, a, b)

    def backward(self, g, out, a, b):
        m = self.m  # selects with 0.0, not g * 0: a NaN gradient is not selected (torch)
        return m.where(self.cond, g, 0.0), m.where(self.cond, 0.0, g)


class Clamp(Function):
    """clip(x, lo, hi) with number bounds; the gradient passes where lo <= x <= hi."""

    name = "ClampBackward1"  # torch's node for number bounds

    def forward(self, x, lo=None, hi=None):
        self.lo, self.hi = lo, hi
        return get_array_module(x).clip(x, lo, hi)

    def backward(self, g, out, x):
        xr = self.m.raw(x)
        mask = True
        if self.lo is not None:
            mask = xr >= self.lo
        if self.hi is not None:
            mask = mask & (xr <= self.hi)
        if mask is True:
            return (g,)
        # a select, not a product: a NaN or inf gradient outside the range is dropped (torch)
        return (self.m.where(mask, g, 0.0),)


class ClampTensor(Function):
    """clamp(x, lo, hi) with tensor bounds: min(max(x, lo), hi), NaN from any operand.
    Gradients as torch's ``clamp_backward`` / ``clamp_backward_min_max``: x's where
    lo <= x <= hi (0 where NaN), lo's where x < lo < hi, hi's where x > hi or hi < lo (at
    lo > hi the result is hi)."""

    name = "ClampBackward0"  # torch's node for tensor bounds

    def forward(self, x, *bounds, lo=False, hi=False):
        xp = get_array_module(x)
        self.has_lo, self.has_hi = lo, hi
        out = x
        if lo:
            out = xp.maximum(out, bounds[0])
        if hi:
            out = xp.minimum(out, bounds[-1])
        return out

    def backward(self, g, out, x, *bounds):
        xr = self.m.raw(x)
        lo = self.m.raw(bounds[0]) if self.has_lo else None
        hi = self.m.raw(bounds[-1]) if self.has_hi else None
        inside = True
        if lo is not None:
            inside = xr >= lo
        if hi is not None:
            inside = inside & (xr <= hi)
        m = self.m
        grads = [m.where(inside, g, 0.0)]  # selects: NaN outside the range is dropped (torch)
        if lo is not None:
            low = ((xr < lo) & (lo < hi)) if hi is not None else (xr < lo)
            grads.append(m.where(low, g, 0.0))
        if hi is not None:
            high = ((xr > hi) | (hi < lo)) if lo is not None else (xr > hi)
            grads.append(m.where(high, g, 0.0))
        return tuple(grads)


class Cast(Function):
    """A float-to-float dtype change; the engine casts the gradient back to the input dtype."""

    name = "ToCopyBackward0"  # torch's node for .to(dtype)

    def forward(self, x, dtype=None):
        return astype_preserving(x, dtype)

    def backward(self, g, out, x):
        return (g,)


def astype_preserving(x: Any, dtype: Any) -> Any:
    """``x`` converted to ``dtype`` with torch's ``preserve_format`` strides (those of ``x``
    when dense, size-1 dims included; else a gap-free layout in the order of its strides)."""
    out = x.astype(dtype)
    flags = getattr(x, "flags", None)
    if flags is None or x.ndim == 0:
        return out
    if all(a // x.itemsize == b // out.itemsize for a, b in zip(x.strides, out.strides)):
        if x.size or flags.c_contiguous:
            return out
    strides = layout_strides(x, backend.preserve_format)
    if strides is None:
        return x.astype(dtype, order="C")
    laid = backend.empty_strided(backend.get_array_module(x), x.shape, strides, out.dtype)
    laid[...] = out
    return laid


class Clone(Function):
    """A copy, row-major or laid out with the element ``strides`` given (``(3, 1, 3, 3)`` is
    a channels-last ``(2, 3, 1, 1)``); the gradient passes through unchanged."""

    def forward(self, x, strides=None):
        if strides is None:
            return x.copy()
        out = backend.empty_strided(backend.get_array_module(x), x.shape, strides, x.dtype)
        out[...] = x
        return out

    def backward(self, g, out, x):
        return (g,)


class ToDevice(Function):
    def forward(self, x, device=None):
        self.src = backend.device_of(x)
        return backend.to_device(x, device)

    def backward(self, g, out, x):
        if isinstance(g, Tensor):
            return (g.to(device=self.src),)
        return (backend.to_device(g, self.src),)


# ---------------------------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------------------------


def cast(x: Tensor, dtype: Any) -> Tensor:
    """``x`` as NumPy dtype ``dtype``: differentiable between float dtypes, a plain copy else."""
    if dtype.kind in "fc" and x._data.dtype.kind in "fc":
        return Cast.apply(x, dtype=dtype)
    return Tensor._wrap(astype_preserving(x._data, dtype))


def clone(x: Tensor, strides: tuple | None = None) -> Tensor:
    """A copy with its own memory, row-major or with the element ``strides`` given;
    gradients flow back to ``x``."""
    if strides is None:
        return Clone.apply(x)
    return Clone.apply(x, strides=tuple(int(s) for s in strides))


def layout_strides(x: Any, fmt: Any) -> tuple | None:
    """The element strides that memory format ``fmt`` asks for a copy of the array ``x``, as
    torch's ``clone``, ``empty_like`` and ``to`` lay it out, or None for a plain row-major
    copy.  ``channels_last``/``channels_last_3d`` (and ``contiguous_format``) give the
    format's strides for every dim, size 1 included; ``preserve_format`` keeps ``x``'s own
    strides when its elements are dense and do not overlap (transposed, channels-last),
    else a gap-free layout in the order of its strides (sliced; a broadcast dim keeps its
    place)."""
    if fmt is None:
        fmt = backend.contiguous_format
    if not isinstance(fmt, backend.memory_format):
        raise TypeError(f"memory_format must be a nablagrad.memory_format, got {fmt!r}")
    if fmt is backend.contiguous_format and x.size:
        return None
    if fmt is backend.preserve_format:
        flags = getattr(x, "flags", None)  # sparse arrays have no strides: copied as they are
        if flags is None or x.ndim == 0:
            return None
        strides = tuple(s // x.itemsize for s in x.strides)
        if any(s < 0 for s in strides):  # a flipped NumPy view: torch has none
            return None
        if not _dense(x):
            strides = backend.dense_strides(tuple(x.shape), strides)
    else:
        strides = backend.format_strides(tuple(x.shape), fmt)
    if x.size and strides == backend.format_strides(tuple(x.shape), backend.contiguous_format):
        return None  # NumPy's own row-major copy (its strides differ only without elements)
    return strides


def _dense(x: Any) -> bool:
    """Whether ``x``'s elements fill a block of memory without gaps or overlaps."""
    if x.size <= 1:
        return True
    step = x.itemsize
    for a in sorted(range(x.ndim), key=lambda a: x.strides[a]):
        if x.shape[a] == 1:
            continue
        if x.strides[a] != step:
            return False
        step *= x.shape[a]
    return True


def to_device(x: Tensor, device: Any) -> Tensor:
    """``x`` on ``device``; gradients flow back to ``x``'s device."""
    return ToDevice.apply(x, device=device)


def _times_alpha(a: Any, b: Any, alpha: Any) -> Any:
    """``alpha * b`` for add/sub: a Python number stays one (so ``sub(x, 1, alpha=2)`` works);
    a float ``alpha`` is refused for an integer result, as torch's."""

    def integral(v: Any) -> bool:
        if isinstance(v, Tensor):
            return v._data.dtype.kind in "biu"
        return isinstance(v, (int, np.integer))

    if isinstance(alpha, (float, np.floating)) and integral(a) and integral(b):
        raise RuntimeError(
            "For integral input tensors, argument alpha must not be a floating point number."
        )
    if isinstance(b, Tensor):
        return mul(b, alpha)
    return b * alpha


def add(a: Any, b: Any, alpha: float = 1) -> Tensor:
    """``a + alpha * b`` with broadcasting."""
    if alpha != 1:
        check_half_scalar(a, alpha)
        b = _times_alpha(a, b, alpha)
    return Add.apply(*prepare(a, b))


def sub(a: Any, b: Any, alpha: float = 1) -> Tensor:
    """``a - alpha * b`` with broadcasting."""
    return _subtract(a, b, alpha, Sub)


def rsub(input: Any, other: Any, alpha: float = 1) -> Tensor:  # noqa: A002
    """``other - alpha * input`` (torch.rsub; also ``number - tensor``)."""
    return _subtract(other, input, alpha, Rsub)


def _subtract(a: Any, b: Any, alpha: Any, node: type) -> Tensor:
    """``a - alpha * b`` recorded as ``node`` (``Sub``, or ``Rsub`` for torch's node name)."""
    for v in (a, b):
        if (isinstance(v, Tensor) and v._data.dtype.kind == "b") or isinstance(v, bool):
            raise RuntimeError(
                "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                "trying to invert a mask, use the `~` or `logical_not()` operator instead."
            )
    if alpha != 1:
        check_half_scalar(a, alpha)
        b = _times_alpha(a, b, alpha)
    return node.apply(*prepare(a, b))


def div(a: Any, b: Any, rounding_mode: str | None = None) -> Tensor:
    """True division (integers give the default float dtype), or floor/trunc division."""
    if rounding_mode is None:
        if (isinstance(a, Tensor) and a._data.dtype == _HALF) or (
            isinstance(b, Tensor) and b._data.dtype == _HALF
        ):
            pair = _opmath_operands(a, b)  # float16 by a scalar: in float32, as torch
            if pair is not None:
                if pair[0] is a:
                    return _rounded(Div.apply(*pair))
                # number / float16 tensor: torch's __rtruediv__, reciprocal(x) * number
                one = Tensor._wrap(get_array_module(b._data).asarray(1.0, dtype=_HALF))
                return mul(Div.apply(one, b), a)
        a, b = prepare(_float_scalar(a), _float_scalar(b))
        if a._data.dtype.kind in "biu":
            a, b = _float_dtype_for(a), _float_dtype_for(b)
        return Div.apply(a, b)
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(
            f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}"
        )
    a, b = prepare(a, b)
    if a._data.shape != b._data.shape:
        _validate.broadcast_shapes([a._data.shape, b._data.shape], "div")
    if a._data.dtype.kind == "f":  # differentiable, with a zero gradient (as torch)
        if rounding_mode == "floor":
            return DivFloor.apply(a, b)
        return trunc(Div.apply(a, b))
    xp = get_array_module(a._data)
    if a._data.dtype.kind == "b":
        raise NotImplementedError(
            f"\"div_{rounding_mode}_cpu\" not implemented for 'Bool': floor/trunc division "
            "(// or %) of bool tensors; convert them first (x.long())"
        )
    if a._data.dtype.kind in "biu":
        if (b._data == 0).any():
            raise RuntimeError(
                "ZeroDivisionError: integer division (// or %) by zero; use float tensors (x / y "
                "gives inf) or mask the zeros first"
            )
        if a._data.dtype.kind == "b":
            raise RuntimeError(
                "floor/trunc division (// or %) of bool tensors is not supported: convert them "
                "first (x.long())"
            )
        if rounding_mode == "floor":
            return Tensor._wrap(xp.floor_divide(a._data, b._data))
        q = xp.abs(a._data) // xp.abs(b._data)
        return Tensor._wrap(xp.where((a._data < 0) != (b._data < 0), -q, q))
    with _quiet():
        q = a._data / b._data
        q = xp.floor(q) if rounding_mode == "floor" else xp.trunc(q)
    return Tensor._wrap(q.astype(a._data.dtype, copy=False))


def _quiet() -> Any:
    """NumPy's floating-point warnings off (division by zero, invalid, overflow): torch gives
    inf and NaN silently; CuPy never warns."""
    return backend.errstate(divide="ignore", invalid="ignore", over="ignore")


def round(x: Tensor, decimals: int | None = None) -> Tensor:  # noqa: A001
    """Round half to even (to ``decimals`` places); the gradient is zero, as in torch.

    As in torch, an integer tensor rounds to itself only without ``decimals`` (even
    ``decimals=0`` selects the float-only kernel and raises), and a bool tensor never rounds."""
    kind = x._data.dtype.kind
    if kind == "b" or (kind in "iu" and decimals is not None):
        kernel = "round_vml_cpu" if not decimals else "round_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{x.dtype}'")
    if not decimals:
        return Round.apply(x)
    scale = 10.0**decimals
    return div(Round.apply(mul(x, scale)), scale)


def _floor_quotient(a: Any, b: Any) -> Any:
    """Python's ``a // b`` on float arrays, as torch's ``div_floor`` (``1.0 // 0.1`` is 9.0,
    where ``floor(1.0 / 0.1)`` is 10.0; ``-2.0 // inf`` is -1.0); float16 computes in float32
    and rounds, as torch."""
    xp = get_array_module(a)
    with _quiet():
        if a.dtype == _HALF and b.dtype == _HALF:
            return _floor_quotient_half(xp, a, b)
        if a.dtype == _HALF:  # by a float32 scalar (torch's opmath path)
            return xp.floor_divide(a.astype(_OPMATH), b).astype(_HALF)
        # floor(a / b) is exact unless the quotient rounded up onto an integer (1.0 / 0.1 is
        # 10.0): only those elements take NumPy's (slower, exact) floor_divide
        d = a / b
        q = xp.floor(d)
        maybe = q == d
        if not maybe.any():
            return q
        if 2 * int(maybe.sum()) > maybe.size or q.ndim == 0:
            return xp.floor_divide(a, b)
        a_, b_ = xp.broadcast_to(a, q.shape), xp.broadcast_to(b, q.shape)
        q[maybe] = xp.floor_divide(a_[maybe], b_[maybe])
        return q


def _floor_quotient_half(xp: Any, a: Any, b: Any) -> Any:
    """torch's ``div_floor`` of two float16 operands, each step rounded to float16 as its
    kernel does: ``mod = fmod(a, b)``, ``q = (a - mod) / b``, one less when ``mod`` and ``b``
    differ in sign, then the nearest integer below (or above, past a half)."""
    mod = xp.fmod(a, b)
    q = (a - mod) / b
    q = xp.where((mod != 0) & ((b < 0) != (mod < 0)), q - xp.float16(1), q)
    fl = xp.floor(q)
    fl = xp.where(q - fl > 0.5, fl + xp.float16(1), fl)
    out = xp.where(q != 0, fl, xp.copysign(xp.zeros_like(q), a / b))
    return xp.where(b == 0, a / b, out).astype(_HALF, copy=False)


class DivFloor(Function):
    """``div(a, b, rounding_mode='floor')`` of float tensors: Python's ``a // b``; the
    gradient is zero, as torch's."""

    name = "DivBackward2"

    def forward(self, a, b):
        return _floor_quotient(a, b)

    def backward(self, g, out, a, b):
        return (g * 0, g * 0)


class Remainder(Function):
    """Python's ``a % b`` (sign of the divisor) of float tensors; the gradients are torch's:
    ``g`` for ``a``, ``-g * (a // b)`` for ``b``."""

    @property
    def name(self) -> str:  # torch: RemainderBackward0 for a number, 1 for a tensor divisor
        return "RemainderBackward0" if self.scalar else "RemainderBackward1"

    def forward(self, a, b, scalar=False):
        self.scalar = scalar
        xp = get_array_module(a)
        with _quiet():
            if a.dtype == _HALF:  # in float32, rounded once
                return self.forward(a.astype(_OPMATH), b.astype(_OPMATH)).astype(_HALF)
            # torch's formula: fmod, moved by b where its sign differs from b's (-0.0 % 2 is
            # -0.0, where NumPy's remainder gives 0.0)
            m = xp.fmod(a, b)
            return xp.where((m != 0) & ((b < 0) != (m < 0)), m + b, m)

    def backward(self, g, out, a, b):
        q = self.m.call(DivFloor, a, b) if self.needs(1) else None
        return (g, None if q is None else -g * q)


class FloorDivide(Function):
    """``floor(a / b)``; like torch, it has no derivative: backward raises."""

    def forward(self, a, b):
        return _floor_quotient(a, b)

    def backward(self, g, out, a, b):
        raise RuntimeError(
            "derivative for floor_divide is not implemented (as in torch): use "
            "div(a, b, rounding_mode='floor'), whose gradient is zero, or detach the operands"
        )


def floor_divide(a: Any, b: Any) -> Tensor:
    """``a // b`` rounded toward minus infinity (no derivative, as torch's floor_divide)."""
    if (isinstance(a, Tensor) and a._data.dtype == _HALF) or (
        isinstance(b, Tensor) and b._data.dtype == _HALF
    ):
        pair = _opmath_operands(a, b)  # float16 by a scalar divisor: in float32, as torch
        if pair is not None and pair[0] is a:
            return _rounded(FloorDivide.apply(*pair))
    a, b = prepare(a, b)
    if a._data.dtype.kind == "f":
        return FloorDivide.apply(a, b)
    return div(a, b, rounding_mode="floor")


def remainder(a: Any, b: Any) -> Tensor:
    """Python-style modulus (sign of the divisor); gradient flows to ``a`` as identity."""
    scalar = not isinstance(b, Tensor)
    a, b = prepare(a, b)
    if a._data.dtype.kind == "f":
        return Remainder.apply(a, b, scalar=scalar)
    return sub(a, mul(div(a.detach(), b.detach(), rounding_mode="floor"), b))


def where(cond: Any, a: Any = _NO_VALUE, b: Any = _NO_VALUE) -> Tensor:
    """Elements of ``a`` where ``cond`` holds, else of ``b`` (all three broadcast);
    ``where(cond)`` alone is ``nonzero(cond, as_tuple=True)``."""
    c = cond._data if isinstance(cond, Tensor) else cond
    if a is _NO_VALUE and b is _NO_VALUE and isinstance(cond, Tensor):
        from .sorting import nonzero

        return nonzero(cond, as_tuple=True)  # any dtype: the nonzero elements, as torch's
    if getattr(c, "dtype", None) is None or c.dtype.kind != "b":
        if getattr(c, "dtype", None) == np.uint8:  # accepted by torch (deprecated)
            c = c.astype(bool)
        elif getattr(c, "dtype", None) is not None:
            raise RuntimeError(
                f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                f"{cond.dtype if isinstance(cond, Tensor) else c.dtype}: compare it (x > 0)"
            )
        else:
            raise TypeError("where: condition must be a bool tensor (e.g. x > 0)")
    if a is _NO_VALUE or b is _NO_VALUE:
        if a is not _NO_VALUE or b is not _NO_VALUE:
            raise TypeError("where() takes a condition alone, or a condition, input and other")
        from .sorting import nonzero

        return nonzero(Tensor._wrap(c), as_tuple=True)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        # two Python scalars (where(x > 0.5, 1, 0)): torch's type of the pair, on cond's device
        kinds = {type(v) for v in (a, b)}
        if kinds <= {bool}:
            dt = np.dtype(np.bool_)
        elif float in kinds or not kinds <= {bool, int}:
            dt = backend.get_default_dtype().np
        else:
            dt = np.dtype(np.int64)
        xp = get_array_module(c)
        a = Tensor._wrap(xp.asarray(a, dtype=dt))
        b = Tensor._wrap(xp.asarray(b, dtype=dt))
    a, b = prepare(a, b)
    return Where.apply(a, b, cond=c)


def clamp(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """Limit values to ``[min, max]``; the gradient passes where ``min <= x <= max``."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    check_half_scalar(x, min)
    check_half_scalar(x, max)
    if x._data.dtype.kind in "biu" and (isinstance(min, float) or isinstance(max, float)):
        x = x.to(backend.get_default_dtype())  # torch: an int tensor, a float bound -> float
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # the bounds promote with x as in a binary op, then broadcast together
        bounds = []
        for b in (min, max):
            if b is not None:
                x, b = prepare(x, b)
                bounds.append(b)
        return ClampTensor.apply(x, *bounds, lo=min is not None, hi=max is not None)
    return Clamp.apply(x, lo=min, hi=max)


@torch_node("RsqrtBackward0")
def rsqrt(x: Tensor) -> Tensor:
    return div(1.0, sqrt(x))


@torch_node("ReciprocalBackward0")
def reciprocal(x: Tensor) -> Tensor:
    return div(1.0, x)


@torch_node("PowBackward0")
def square(x: Tensor) -> Tensor:
    """x * x (a bool tensor squares to int64, as torch's ``pow(x, 2)``).

    Example:
        >>> import nablagrad as torch
        >>> torch.square(torch.tensor([True, False]))
        tensor([1, 0])
    """
    if isinstance(x, Tensor) and x._data.dtype.kind == "b":
        x = x.long()
    return mul(x, x)


@torch_node("Log2Backward0")
def log2(x: Tensor) -> Tensor:
    return div(log(x), float(np.log(2.0)))


@torch_node("Log10Backward0")
def log10(x: Tensor) -> Tensor:
    return div(log(x), float(np.log(10.0)))


@torch_node("TanBackward0")
def tan(x: Tensor) -> Tensor:
    return div(sin(x), cos(x))


class DtypeNotImplementedError(NotImplementedError, TypeError):
    """A floating-point kernel given an integer or bool tensor: torch's NotImplementedError
    ("... not implemented for 'Long'"), and a TypeError as nablagrad raised before."""


def float_kernel_only(x: Tensor, kernel: str) -> None:
    """torch's refusal of an integer or bool tensor by a floating-point-only kernel
    (``"frac_cpu" not implemented for 'Long'``)."""
    if x._data.dtype.kind in "biu":
        raise DtypeNotImplementedError(
            f'"{kernel}" not implemented for {x.dtype}: convert the tensor first, e.g. x.float()'
        )


class Lerp(Function):
    """``start + weight * (end - start)`` by torch's two-sided formula: ``start + w * diff``
    where ``|w| < 0.5``, else ``end - diff * (1 - w)`` (exact at both ends: ``lerp(a, b, 1.0)``
    is ``b``).  Gradients: ``g * (1 - w)``, ``g * w``, and ``g * (end - start)`` for a weight
    tensor."""

    @property
    def name(self) -> str:  # torch: LerpBackward0 for a number weight, 1 for a tensor
        return "LerpBackward1" if self.tensor_weight else "LerpBackward0"

    def forward(self, s, e, w=None, weight=0.0):
        xp = get_array_module(s)
        diff = e - s
        self.tensor_weight = w is not None
        if w is None:
            self.weight = weight
            one, wt = s.dtype.type(1), s.dtype.type(weight)  # 1 - w in the tensors' precision
            return s + diff * wt if value_magnitude(weight) < 0.5 else e - diff * (one - wt)
        if w.dtype != s.dtype:
            w = w.astype(s.dtype)
        return xp.where(xp.abs(w) < 0.5, s + w * diff, e - diff * (1 - w))

    def backward(self, g, out, s, e, w=None):
        wt = w if self.tensor_weight else self.weight
        gs = g * (1 - wt) if self.needs(0) else None
        ge = g * wt if self.needs(1) else None
        if not self.tensor_weight:
            return (gs, ge)
        return (gs, ge, g * (e - s) if self.needs(2) else None)


def lerp(start: Tensor, end: Tensor, weight: Any) -> Tensor:
    """start + weight * (end - start); ``start`` and ``end`` (and a ``weight`` tensor with
    dims) must share one floating dtype, as torch's.

    Example:
        >>> import nablagrad as torch
        >>> torch.lerp(torch.tensor([0.0, 2.0]), torch.tensor([1.0, 4.0]), 0.5)
        tensor([0.5000, 3.0000])
    """
    if isinstance(start, Tensor):
        float_kernel_only(start, "lerp_kernel_scalar")
        for name, t in (("end", end), ("weight", weight)):
            if isinstance(t, Tensor) and (name == "end" or t.ndim) and t.dtype != start.dtype:
                raise RuntimeError(
                    f"expected dtype {start.dtype} for `{name}` but got dtype {t.dtype}"
                )
    if (
        isinstance(start, Tensor)
        and start._data.dtype == _HALF
        and isinstance(end, Tensor)
        and end._data.dtype == _HALF
    ):  # float16 computes in float32 and rounds once, as torch's
        # the difference in float32, then the fused multiply-add of torch's kernel (exact
        # in float64 for float32 values) rounded to float32, then to float16
        s32, e32 = start.float(), end.float()
        diff = sub(e32, s32).double()
        if isinstance(weight, Tensor):
            w = weight.float().double()
            low = add(s32.double(), mul(w, diff))
            high = sub(e32.double(), mul(diff, rsub(w, 1.0).float().double()))
            return where(w.abs() < 0.5, low, high).float().half()
        w32 = np.float32(weight)
        if value_magnitude(float(w32)) < 0.5:
            return add(s32.double(), mul(diff, float(w32))).float().half()
        return sub(e32.double(), mul(diff, float(np.float32(1) - w32))).float().half()
    if isinstance(start, Tensor) and isinstance(end, Tensor):
        if isinstance(weight, Tensor):
            return Lerp.apply(start, end, weight)
        if type(weight) in (float, int):
            return Lerp.apply(start, end, weight=weight)
    # torch's two-sided formula: exact at both ends (lerp(a, b, 1.0) is b)
    diff = sub(end, start)
    if isinstance(weight, Tensor):
        w = weight._data
        low = get_array_module(w).abs(w) < 0.5
        if low.all():  # one side of torch's formula for every element: no select
            return add(start, mul(diff, weight))
        high = sub(end, mul(diff, rsub(weight, 1)))
        if not low.any():
            return high
        return where(Tensor._wrap(low), add(start, mul(diff, weight)), high)
    if value_magnitude(weight) < 0.5:
        return add(start, mul(diff, weight))
    if isinstance(start, Tensor) and start._data.dtype.kind == "f":
        one = start._data.dtype.type(1)  # 1 - weight in the tensors' precision, as torch
        return sub(end, mul(diff, float(one - start._data.dtype.type(weight))))
    return sub(end, mul(diff, 1 - weight))


def _float_scalar(v: Any) -> Any:
    """A Python int or bool operand of a float-valued op as a float: ``int8_tensor / 300``
    divides by 300.0 (the promoted dtype is the same), not by 300 wrapped into int8."""
    return float(v) if type(v) is int or type(v) is bool else v


def _binary_float(cls: type[Function], a: Any, b: Any) -> Tensor:
    a, b = prepare(_float_scalar(a), _float_scalar(b))
    if a._data.dtype.kind != "f":
        a, b = _float_dtype_for(a), _float_dtype_for(b)
    return cls.apply(a, b)


def fmod(input: Any, other: Any) -> Tensor:  # noqa: A002
    """C's fmod: the remainder of ``input / other`` with the sign of ``input`` (an integer
    divisor of zero raises, as torch's).

    Example:
        >>> import nablagrad as torch
        >>> torch.fmod(torch.tensor([-3.0, 3.0]), 2)
        tensor([-1.,  1.])
    """
    a, b = prepare(input, other)
    if a._data.dtype.kind in "biu" and (b._data == 0).any():
        raise RuntimeError(
            "ZeroDivisionError: integer fmod by zero; use float tensors (fmod gives NaN) or "
            "mask the zeros first"
        )
    return Fmod.apply(a, b)


def copysign(input: Any, other: Any) -> Tensor:  # noqa: A002
    """|input| with the sign of ``other`` (a float result, as torch)."""
    return _binary_float(Copysign, input, other)


def xlogy(input: Any, other: Any) -> Tensor:  # noqa: A002
    """x * log(y), 0 where x == 0 (even for y == 0)."""
    return _binary_float(Xlogy, input, other)


def _where_arrays(cond: Any, a: Any, b: Any) -> Any:
    return get_array_module(cond).where(cond, a, b)


gradmath.register("where", _where_arrays, where)
