"""In-place forms (``add_``, ``mul_``, ``copy_``, ``fill_``, ``normal_`` ...) of Tensor methods.

``x.add_(y)`` computes ``x + y`` and writes it into ``x``.  When autograd must see the change
(``x`` or ``y`` requires grad and grad mode is on) it is recorded as the out-of-place op and
``x`` is rebound to the result (``Tensor._rebind``); otherwise the values are written into
``x``'s memory and its version counter is stamped, so a graph that saved ``x`` earlier notices.
"""

from __future__ import annotations

import inspect
from typing import Any

from .. import backend
from ..autograd import function as _function
from ..autograd.function import torch_node
from ..backend import get_array_module, np
from ..random import _gen, check_probabilities
from ..tensor import Tensor, to_array
from . import compare as cmp
from . import elementwise as ew
from . import index as ix
from . import linalg as la
from . import mathfns as mf
from . import matrices as mx
from . import reduce as rd
from . import shape as sh

# Set by ``nablagrad.func.vmap`` while it runs: ``guard(self, other, args, kwargs)`` refuses an
# in-place op that would write batched values into an unbatched tensor; None otherwise.
_vmap_guard: Any = None

# Set by ``autograd.forward_ad`` while a dual level is active:
# ``hook(method, op, self, other, args, kwargs)`` carries the tangent of a dual operand through
# the in-place op (returns ``self``), or returns None when no operand is dual; None otherwise.
_dual_hook: Any = None

# -- in-place forms -----------------------------------------------------------------------------


_MISSING: Any = object()  # ``other`` not given positionally (then it comes by its keyword)


def _inplace(op: Any, ufunc: str | None = None) -> Any:
    """In-place ``self op= other``: recorded as an out-of-place op when autograd needs it.

    ``ufunc``: the array function computing ``op`` elementwise (``"subtract"`` ...), which then
    writes straight into ``self``'s memory when nothing is recorded and ``other`` is a tensor of
    ``self``'s dtype or a Python number with a floating ``self`` (an optimizer's
    ``p -= lr * p.grad``: one pass instead of a new array and a copy)."""

    try:  # the name of ``op``'s second parameter: torch's keyword for ``other`` (pow_(exponent=))
        keyword = list(inspect.signature(op).parameters)[1]
    except (TypeError, ValueError, IndexError):
        keyword = "other"

    def method(self: Tensor, other: Any = _MISSING, *args: Any, **kwargs: Any) -> Tensor:
        if other is _MISSING:
            if keyword not in kwargs:
                raise TypeError(
                    f"{getattr(op, '__name__', 'in-place op')}_() missing the argument '{keyword}'"
                )
            other = kwargs.pop(keyword)
        if _vmap_guard is not None:
            _vmap_guard(self, other, args, kwargs)
        if _dual_hook is not None:
            done = _dual_hook(method, op, self, other, args, kwargs)
            if done is not None:
                return done
        if _function._grad_enabled and (
            self._requires_grad
            or (isinstance(other, Tensor) and other._requires_grad)
            or ((args or kwargs) and _any_requires_grad(args, kwargs))
        ):
            if self._ctx is None and self._requires_grad:
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place operation: "
                    "do parameter updates inside `with nablagrad.no_grad():`"
                )
            if other is self or any(
                a is self for a in args
            ):  # ``b.add_(b)``: both operands are the old b
                ix.rebind(
                    self,
                    lambda old: _cast_like(_op_on_old(op, self, old, other, args, kwargs), old),
                )
            else:
                ix.rebind(self, lambda old: _cast_like(op(old, other, *args, **kwargs), old))
            return self
        if ufunc is not None and not args and not kwargs and _write_elementwise(self, other, ufunc):
            return self
        prev = _function._grad_enabled
        _function._grad_enabled = False
        try:
            res = op(Tensor._wrap(self._data), other, *args, **kwargs)
        finally:
            _function._grad_enabled = prev
        _write_into(self, res._data)
        return self

    return method


def _op_on_old(op: Any, self: Tensor, old: Tensor, other: Any, args: tuple, kwargs: dict) -> Tensor:
    """``op(self, other, *args)`` with every operand that is ``self`` read as ``old`` (its value
    and history before the change), so ``x.add_(x)`` records ``old + old``."""
    swap = lambda a: old if a is self else a  # noqa: E731
    return op(old, swap(other), *map(swap, args), **kwargs)


def _write_elementwise(self: Tensor, other: Any, ufunc: str) -> bool:
    """``self.data = ufunc(self.data, other)`` in place where that is exactly the op's result
    (same dtype, no broadcasting of ``self``, same array module); False (nothing written)
    otherwise, and the general path runs."""
    data = self._data
    if data.dtype.kind != "f":
        return False
    if isinstance(other, Tensor):
        value = other._data
        if value.dtype != data.dtype or type(value) is not type(data):
            return False
        if value.shape != data.shape and not _broadcasts_into(value.shape, data.shape):
            return False
    elif type(other) in (float, int):
        if data.dtype.char == "e" and ufunc in ("multiply", "true_divide"):
            return False  # float16 by a number: torch's float32 opmath (ops.elementwise.mul)
        value = data.dtype.type(other)
    else:
        return False
    if not backend.writeable(data):  # an expanded tensor: the general path raises torch's error
        return False
    getattr(get_array_module(data), ufunc)(data, value, out=data)
    self._version = _function.tick()
    return True


def _broadcasts_into(a: tuple, b: tuple) -> bool:
    """Whether shape ``a`` broadcasts to shape ``b`` without changing ``b``."""
    return len(a) <= len(b) and all(x in (y, 1) for x, y in zip(reversed(a), reversed(b)))


def _any_requires_grad(args: tuple, kwargs: dict) -> bool:
    """Whether a Tensor among the extra arguments (``addcmul_``'s tensors ...) requires grad."""
    return any(isinstance(a, Tensor) and a._requires_grad for a in (*args, *kwargs.values()))


def _cast_like(res: Tensor, like: Tensor) -> Tensor:
    _check_cast(res._data.dtype, like._data.dtype)
    return res if res._data.dtype == like._data.dtype else res.to(dtype=like._data.dtype)


_SCALAR_TYPE = {
    "bool": "Bool",
    "uint8": "Byte",
    "int8": "Char",
    "int16": "Short",
    "int32": "Int",
    "int64": "Long",
    "float16": "Half",
    "float32": "Float",
    "float64": "Double",
}


def _check_cast(src: Any, dst: Any) -> None:
    rank = {"b": 0, "u": 1, "i": 1, "f": 2}
    if rank[src.kind] > rank[dst.kind]:
        a, b = (_SCALAR_TYPE.get(np.dtype(d).name, str(d)) for d in (src, dst))
        raise RuntimeError(
            f"result type {a} can't be cast to the desired output type {b}: convert the "
            "tensor first (e.g. x = x.float()) or use the out-of-place operator"
        )


def _write_into(self: Tensor, values: Any) -> None:
    _check_cast(values.dtype, self._data.dtype)
    if values.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape {tuple(self._data.shape)} doesn't match the broadcast shape "
            f"{tuple(values.shape)} of an in-place operation"
        )
    xp = get_array_module(self._data)
    if not backend.writeable(self._data):
        raise RuntimeError(ix._OVERLAP_MESSAGE)
    try:
        xp.copyto(self._data, values, casting="unsafe")
    except ValueError as e:
        raise RuntimeError(
            f"cannot write in place into this tensor ({e}): clone() it first"
        ) from None
    self._version = _function.tick()


def _copy_values(x: Tensor, src: Any) -> Tensor:
    src = src if isinstance(src, Tensor) else Tensor._wrap(to_array(src))
    # torch's copy_ crosses devices: the values come over to x's device
    return sh.expand(src.to(x.device, dtype=x.dtype), x.shape).clone()


def _unary_inplace(op: Any) -> Any:
    inner = _inplace(lambda x, _unused: op(x))
    return lambda self: inner(self, None)


def _fill_values(self: Tensor, values: Any) -> Tensor:
    """Overwrite every element; refused on a leaf that requires grad under grad.  On a tensor
    with history (or a view of one) the change is recorded, as torch does: the old values get
    a zero gradient."""
    values = get_array_module(self._data).asarray(values, dtype=self._data.dtype)
    if _function._grad_enabled and self._requires_grad:
        if self._ctx is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation: use "
                "`with nablagrad.no_grad():` or write into x.data"
            )
        keep = Tensor._wrap(get_array_module(values).zeros(values.shape, dtype=bool))
        ix.rebind(self, lambda old: ew.where(keep, old, Tensor._wrap(values)))
        return self
    _write_into(self, values)
    return self


def _fill_op(x: Tensor, value: Any) -> Tensor:
    """``fill_``'s value as an out-of-place op (forward AD reads its tangent: ``value``'s)."""
    if not isinstance(value, Tensor):
        value = Tensor._wrap(get_array_module(x._data).asarray(value, dtype=x._data.dtype))
    keep = Tensor._wrap(get_array_module(x._data).zeros(x._data.shape, dtype=bool))
    return ew.where(keep, x, value)


@torch_node(lambda self, value: "FillBackward3" if isinstance(value, Tensor) else "FillBackward2")
def fill_(self: Tensor, value: Any) -> Tensor:
    if _dual_hook is not None:
        done = _dual_hook(fill_, _fill_op, self, value, (), {})
        if done is not None:
            return done
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            "fill_ only supports 0-dimension value tensor but got tensor with "
            f"{value.ndim} dimensions."
        )
    v = value.item() if isinstance(value, Tensor) else value
    ew.check_half_scalar(self, v)
    kind = self._data.dtype.kind
    if kind in "iu" and type(v) in (int, float):
        info = np.iinfo(self._data.dtype)
        low = -int(info.max) if kind == "u" else int(info.min)  # uint8 takes -1 as 255
        finite = v == v and abs(v) != float("inf")
        if not finite or not low <= int(v) <= int(info.max):
            raise RuntimeError(
                f"value cannot be converted to type {self._data.dtype} without overflow: {v} is "
                f"outside [{info.min}, {info.max}]"
            )
    return _fill_values(self, get_array_module(self._data).full(self._data.shape, v))


@torch_node("ZeroBackward0")
def zero_(self: Tensor) -> Tensor:
    return fill_(self, 0)


def _float_only(self: Tensor, op: str) -> None:
    """torch's continuous fills are not implemented for integer and bool tensors."""
    if self._data.dtype.kind in "biu":
        raise NotImplementedError(
            f"{op} is not implemented for {self.dtype} tensors: use a floating-point tensor"
        )


def _random_fill(self: Tensor, draw: Any) -> Tensor:
    """Overwrite ``self`` with ``draw(shape)`` (row-major values of ``shape``) taken in torch's
    element order: memory order, i.e. the dims sorted by stride as TensorIterator sorts them
    (so a transposed tensor receives its draws as its contiguous base would)."""
    shape = tuple(self._data.shape)
    order = None
    if not self.is_contiguous():
        perm, _ = backend.stride_order(shape, self.stride())
        order = list(reversed(perm))  # outermost first
    if order is None or order == list(range(len(shape))):
        return _fill_values(self, draw(shape))
    values = draw(tuple(shape[d] for d in order))
    return _fill_values(self, values.transpose(np.argsort(order)))


@torch_node("NormalBackward0")
def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with N(``mean``, ``std``^2) draws (torch's: 16-element Box-Muller blocks for a
    contiguous tensor of 16 or more elements, the element-by-element kernel otherwise)."""
    _float_only(self, "normal_")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    stream, dt, serial = _gen(generator), self._data.dtype, not self.is_contiguous()
    return _random_fill(self, lambda shape: stream.torch_normal(shape, dt, mean, std, serial))


@torch_node("UniformBackward0")
def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with U(``a``, ``b``) draws."""
    _float_only(self, "uniform_")
    if a > b:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}"
        )
    stream, dt = _gen(generator), self._data.dtype
    return _random_fill(self, lambda shape: stream.torch_uniform(shape, dt, a, b))


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill with 0/1 draws: 1 where a uniform u < ``p`` (float64 u for a number or a float64
    tensor ``p``, float32 u otherwise), as torch's CPU kernel."""
    stream = _gen(generator)
    if isinstance(p, Tensor):
        host = np.broadcast_to(backend.to_host(p._data), tuple(self._data.shape))
        check_probabilities(host)
        pd = np.float64 if host.dtype == np.float64 else np.float32
        shape = tuple(self._data.shape)
        return _fill_values(self, stream.torch_bernoulli(host, shape, pd))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    return _random_fill(self, lambda shape: stream.torch_bernoulli(float(p), shape))


def random_(
    self: Tensor, low: int | None = None, high: int | None = None, *, generator: Any = None
) -> Tensor:
    """Fill with integers: ``random_(low, high)`` from [low, high), ``random_(high)`` from
    [0, high), ``random_()`` from [0, 2^mantissa] for floats and [0, max] for integers (torch's
    ``w mod range + low`` on 32- or 64-bit draws); an empty range (``random_(0)``) raises, as
    in torch."""
    stream, dt = _gen(generator), self._data.dtype
    if high is None and low is None:  # random_(): the dtype's whole range, as torch's
        return _random_fill(self, lambda shape: stream.torch_random(shape, dt))
    if low is None:
        low = 0
    if high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    return _random_fill(self, lambda shape: stream.torch_randint(low, high, shape, dt))


add_ = _inplace(ew.add, "add")
sub_ = _inplace(ew.sub, "subtract")
mul_ = _inplace(ew.mul, "multiply")
div_ = _inplace(ew.div, "true_divide")
pow_ = _inplace(lambda x, exponent: ew.pow(x, exponent))
matmul_ = _inplace(la.matmul)
clamp_ = _inplace(lambda x, min=None, max=None: ew.clamp(x, min, max))  # noqa: A002
copy_ = _inplace(_copy_values)
masked_fill_ = _inplace(lambda x, mask, value: ix.masked_fill(x, mask, value))
addcmul_ = _inplace(
    lambda x, tensor1, tensor2, value=1: mf.addcmul(x, tensor1, tensor2, value=value)
)
addcdiv_ = _inplace(
    lambda x, tensor1, tensor2, value=1: mf.addcdiv(x, tensor1, tensor2, value=value)
)
lerp_ = _inplace(lambda x, end, weight: ew.lerp(x, end, weight))
exp_ = _unary_inplace(ew.exp)
sqrt_ = _unary_inplace(ew.sqrt)
relu_ = _unary_inplace(ew.relu)
tanh_ = _unary_inplace(ew.tanh)
sigmoid_ = _unary_inplace(ew.sigmoid)
neg_ = _unary_inplace(ew.neg)
abs_ = _unary_inplace(ew.abs)
sinh_ = _unary_inplace(ew.sinh)
cosh_ = _unary_inplace(ew.cosh)
asin_ = _unary_inplace(ew.asin)
acos_ = _unary_inplace(ew.acos)
atan_ = _unary_inplace(ew.atan)
asinh_ = _unary_inplace(ew.asinh)
acosh_ = _unary_inplace(ew.acosh)
atanh_ = _unary_inplace(ew.atanh)
erf_ = _unary_inplace(ew.erf)
erfc_ = _unary_inplace(ew.erfc)
erfinv_ = _unary_inplace(ew.erfinv)
lgamma_ = _unary_inplace(ew.lgamma)
digamma_ = _unary_inplace(mf.digamma)
frac_ = _unary_inplace(mf.frac)
exp2_ = _unary_inplace(mf.exp2)
deg2rad_ = _unary_inplace(mf.deg2rad)
rad2deg_ = _unary_inplace(mf.rad2deg)
atan2_ = _inplace(mf.atan2)
fmod_ = _inplace(ew.fmod)
copysign_ = _inplace(ew.copysign)
xlogy_ = _inplace(ew.xlogy)
hypot_ = _inplace(mf.hypot)
clamp_min_ = _inplace(mf.clamp_min)
clamp_max_ = _inplace(mf.clamp_max)
_tril_into = _inplace(mx.tril)
_triu_into = _inplace(mx.triu)


def tril_(self: Tensor, diagonal: int = 0) -> Tensor:
    return _tril_into(self, diagonal)


def triu_(self: Tensor, diagonal: int = 0) -> Tensor:
    return _triu_into(self, diagonal)


_logit_into = _inplace(mf.logit)
_nan_to_num_into = _inplace(mf.nan_to_num)


def logit_(self: Tensor, eps: float | None = None) -> Tensor:
    return _logit_into(self, eps)


def nan_to_num_(
    self: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    return _nan_to_num_into(self, nan, posinf, neginf)


# -- more in-place forms ------------------------------------------------------------------


def _method_inplace(op: Any) -> Any:
    """In-place form of ``op(self, *args, **kwargs)`` (any argument may be a Tensor)."""
    inner = _inplace(lambda x, _unused, *a, **k: op(x, *a, **k))
    return lambda self, *args, **kwargs: inner(self, None, *args, **kwargs)


def _unary(name: str, module: Any = ew) -> Any:
    return _unary_inplace(getattr(module, name))


sin_ = _unary("sin")
cos_ = _unary("cos")
tan_ = _unary("tan")
log_ = _unary("log")
log2_ = _unary("log2")
log10_ = _unary("log10")
log1p_ = _unary("log1p")
expm1_ = _unary("expm1")
floor_ = _unary("floor")
ceil_ = _unary("ceil")
trunc_ = _unary("trunc")
fix_ = trunc_
sign_ = _unary("sign")
sgn_ = sign_
reciprocal_ = _unary("reciprocal")
rsqrt_ = _unary("rsqrt")
square_ = _unary("square")
sinc_ = _unary_inplace(mf.sinc)
negative_ = neg_
absolute_ = abs_
arcsin_, arccos_, arctan_ = asin_, acos_, atan_
arcsinh_, arccosh_, arctanh_ = asinh_, acosh_, atanh_
arctan2_ = atan2_
round_ = _method_inplace(ew.round)
polygamma_ = _method_inplace(lambda x, n: mf.polygamma(n, x))
clip_ = clamp_
divide_ = _method_inplace(ew.div)
true_divide_ = div_
multiply_ = mul_
subtract_ = sub_
remainder_ = _inplace(ew.remainder)
floor_divide_ = _inplace(ew.floor_divide)
heaviside_ = _inplace(mf.heaviside)
cumsum_ = _method_inplace(lambda x, dim, *, dtype=None: rd.cumsum(x, dim, dtype=dtype))
cumprod_ = _method_inplace(lambda x, dim, *, dtype=None: mf.cumprod(x, dim, dtype=dtype))


def float_power_(self: Tensor, exponent: Any) -> Tensor:
    if self._data.dtype != get_array_module(self._data).float64:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {self.dtype} but the operation's "
            "result requires dtype Double: call .double() first"
        )
    return _float_power_into(self, exponent)


_float_power_into = _inplace(mf.float_power)


def _compare_inplace(name: str) -> Any:
    return _inplace(getattr(cmp, name))


eq_ = _compare_inplace("eq")
ne_ = _compare_inplace("ne")
lt_ = _compare_inplace("lt")
le_ = _compare_inplace("le")
gt_ = _compare_inplace("gt")
ge_ = _compare_inplace("ge")
not_equal_, greater_, greater_equal_, less_, less_equal_ = ne_, gt_, ge_, lt_, le_
logical_and_ = _compare_inplace("logical_and")
logical_or_ = _compare_inplace("logical_or")
logical_xor_ = _compare_inplace("logical_xor")
logical_not_ = _unary_inplace(cmp.logical_not)

index_add_ = _method_inplace(ix.index_add)
index_copy_ = _method_inplace(ix.index_copy)
index_fill_ = _method_inplace(ix.index_fill)
index_put_ = _method_inplace(ix.index_put)
scatter_ = _method_inplace(ix.scatter)
scatter_add_ = _method_inplace(ix.scatter_add)
scatter_reduce_ = _method_inplace(ix.scatter_reduce)
masked_scatter_ = _method_inplace(ix.masked_scatter)


def _diagonal_mask(self: Tensor, wrap: bool) -> Any:
    shape = self._data.shape
    if self.ndim < 2:
        raise RuntimeError("fill_diagonal_: dimensions must larger than 1")
    if self.ndim > 2 and len(set(shape)) != 1:
        raise RuntimeError("fill_diagonal_: all dimensions of input must be of equal length")
    xp = get_array_module(self._data)
    mask = xp.zeros(shape, dtype=bool)
    if self.ndim == 2:  # NumPy's fill_diagonal addressing: every (cols + 1)-th element
        cols = shape[1]
        mask.reshape(-1)[: None if wrap else cols * cols : cols + 1] = True
    else:
        i = xp.arange(shape[0])
        mask[(i,) * self.ndim] = True
    return mask


def fill_diagonal_(self: Tensor, fill_value: Any, wrap: bool = False) -> Tensor:
    """Write ``fill_value`` on the main diagonal (every ``cols + 1``-th element; with ``wrap``,
    tall matrices restart the diagonal every ``cols + 1`` rows, as torch)."""
    mask = Tensor._wrap(_diagonal_mask(self, wrap))
    return masked_fill_(self, mask, fill_value)


# -- shape-changing in-place forms (squeeze_, t_ ...): the tensor becomes a view of itself ------


def _restride(op: Any) -> Any:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if not (_function._grad_enabled and self._requires_grad):
            self._data = op(Tensor._wrap(self._data), *args, **kwargs)._data
            return self
        if self._ctx is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation: "
                "use the out-of-place form (x = x.squeeze()) or work on x.detach()"
            )
        old = Tensor._wrap(self._data)
        old._requires_grad, old._ctx, old._vc = True, self._ctx, self._counter()
        self._keep_prior(old)
        new = op(old, *args, **kwargs)
        self._data, self._ctx, self._requires_grad = new._data, new._ctx, new._requires_grad
        return self

    return method


squeeze_ = _restride(sh.squeeze)
unsqueeze_ = _restride(sh.unsqueeze)
t_ = _restride(sh.t)
transpose_ = _restride(sh.transpose)
swapaxes_ = transpose_
swapdims_ = transpose_


# -- random fills ---------------------------------------------------------------------------


@torch_node("ExponentialBackward0")
def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill with Exponential(rate ``lambd``) draws."""
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    stream, dt = _gen(generator), self._data.dtype
    return _random_fill(self, lambda shape: stream.torch_exponential(shape, dt, lambd))


def geometric_(self: Tensor, p: float, *, generator: Any = None) -> Tensor:
    """Fill with the number of Bernoulli(``p``) trials up to the first success (>= 1)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    stream, dt = _gen(generator), self._data.dtype
    return _random_fill(self, lambda shape: stream.torch_geometric(shape, dt, p))


def log_normal_(
    self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Any = None
) -> Tensor:
    """Fill with ``exp(N(mean, std^2))`` draws."""
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    stream, dt = _gen(generator), self._data.dtype
    return _random_fill(self, lambda shape: stream.torch_log_normal(shape, dt, mean, std))


def cauchy_(
    self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Any = None
) -> Tensor:
    """Fill with Cauchy(``median``, ``sigma``) draws."""
    stream, dt = _gen(generator), self._data.dtype
    return _random_fill(self, lambda shape: stream.torch_cauchy(shape, dt, median, sigma))


def _late(module: str, name: str) -> Any:
    """In-place form of ``ops.<module>.<name>`` (imported on first use: those modules sit
    beside this one)."""

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        import importlib

        op = getattr(importlib.import_module(f"nablagrad.ops.{module}"), name)
        return _method_inplace(op)(self, *args, **kwargs)

    return method


gcd_ = _late("special", "gcd")
lcm_ = _late("special", "lcm")
bitwise_and_ = _late("special", "bitwise_and")
bitwise_or_ = _late("special", "bitwise_or")
bitwise_xor_ = _late("special", "bitwise_xor")
bitwise_not_ = _unary_inplace(cmp.bitwise_not)
bitwise_left_shift_ = _late("special", "bitwise_left_shift")
bitwise_right_shift_ = _late("special", "bitwise_right_shift")
ldexp_ = _late("special", "ldexp")
i0_ = _late("special", "i0")
igamma_ = _late("special", "igamma")
igammac_ = _late("special", "igammac")
mvlgamma_ = _late("special", "mvlgamma")
renorm_ = _late("layout", "renorm")
addmm_ = _method_inplace(la.addmm)
addmv_ = _method_inplace(la.addmv)
baddbmm_ = _method_inplace(la.baddbmm)
addr_ = _late("linalg_fns", "addr")
addbmm_ = _late("linalg_fns", "addbmm")


def _legacy() -> Any:
    from . import legacy

    return legacy


def _nextafter(x: Any, other: Any) -> Any:
    from .mathfns import nextafter

    return nextafter(x, other)


nextafter_ = _inplace(_nextafter)
put_ = _inplace(
    lambda x, index, source, accumulate=False: _legacy().put(x, index, source, accumulate)
)
index_reduce_ = _inplace(
    lambda x, dim, index, source, reduce, *, include_self=True: _legacy().index_reduce(
        x, dim, index, source, reduce, include_self=include_self
    )
)
