"""Tensor methods and operators, defined on top of the ops modules.

Kept apart from ``tensor.py`` so the class file stays about state and autograd; every method
here is a thin call into ``nablagrad.ops``.
"""

from __future__ import annotations

from typing import Any

from .autograd import function as _function
from .backend import get_array_module, np
from .ops import compare as cmp
from .ops import elementwise as ew
from .ops import index as ix
from .ops import linalg as la
from .ops import reduce as rd
from .ops import shape as sh
from .tensor import Tensor, to_array

# -- operators ----------------------------------------------------------------------------------


def _reflected(fn: Any) -> Any:
    return lambda self, other: fn(other, self)


Tensor.__add__ = ew.add
Tensor.__radd__ = _reflected(ew.add)
Tensor.__sub__ = ew.sub
Tensor.__rsub__ = _reflected(ew.sub)
Tensor.__mul__ = ew.mul
Tensor.__rmul__ = _reflected(ew.mul)
Tensor.__truediv__ = ew.div
Tensor.__rtruediv__ = _reflected(ew.div)
Tensor.__floordiv__ = ew.floor_divide
Tensor.__rfloordiv__ = _reflected(ew.floor_divide)
Tensor.__mod__ = ew.remainder
Tensor.__rmod__ = _reflected(ew.remainder)
Tensor.__pow__ = ew.pow
Tensor.__rpow__ = _reflected(ew.pow)
Tensor.__matmul__ = la.matmul
Tensor.__rmatmul__ = _reflected(la.matmul)
Tensor.__neg__ = ew.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = ew.abs
Tensor.__eq__ = cmp.eq
Tensor.__ne__ = cmp.ne
Tensor.__lt__ = cmp.lt
Tensor.__le__ = cmp.le
Tensor.__gt__ = cmp.gt
Tensor.__ge__ = cmp.ge
Tensor.__and__ = lambda a, b: cmp.bitwise("bitwise_and", a, b)
Tensor.__rand__ = lambda a, b: cmp.bitwise("bitwise_and", b, a)
Tensor.__or__ = lambda a, b: cmp.bitwise("bitwise_or", a, b)
Tensor.__ror__ = lambda a, b: cmp.bitwise("bitwise_or", b, a)
Tensor.__xor__ = lambda a, b: cmp.bitwise("bitwise_xor", a, b)
Tensor.__invert__ = lambda self: Tensor._wrap(get_array_module(self._data).invert(self._data))
Tensor.__getitem__ = ix.getitem
Tensor.__setitem__ = ix.setitem


def _contains(self: Tensor, value: Any) -> bool:
    v = value._data if isinstance(value, Tensor) else value
    return bool((self._data == v).any())


Tensor.__contains__ = _contains

# -- in-place forms -----------------------------------------------------------------------------


def _inplace(op: Any) -> Any:
    """In-place ``self op= other``: recorded as an out-of-place op when autograd needs it."""

    def method(self: Tensor, other: Any, *args: Any, **kwargs: Any) -> Tensor:
        o_rg = isinstance(other, Tensor) and other._requires_grad
        if _function._grad_enabled and (self._requires_grad or o_rg):
            if self._ctx is None and self._requires_grad:
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place operation: "
                    "do parameter updates inside `with nablagrad.no_grad():`"
                )
            self._rebind(lambda old: _cast_like(op(old, other, *args, **kwargs), old))
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


def _cast_like(res: Tensor, like: Tensor) -> Tensor:
    _check_cast(res._data.dtype, like._data.dtype)
    return res if res._data.dtype == like._data.dtype else res.to(dtype=like._data.dtype)


def _check_cast(src: Any, dst: Any) -> None:
    rank = {"b": 0, "u": 1, "i": 1, "f": 2}
    if rank[src.kind] > rank[dst.kind]:
        raise RuntimeError(
            f"result type {src} can't be cast to the desired output type {dst}: convert the "
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
    try:
        xp.copyto(self._data, values, casting="unsafe")
    except ValueError as e:
        raise RuntimeError(
            f"cannot write in place into this tensor ({e}): clone() it first"
        ) from None
    self._version = _function.tick()


Tensor.__iadd__ = Tensor.add_ = _inplace(ew.add)
Tensor.__isub__ = Tensor.sub_ = _inplace(ew.sub)
Tensor.__imul__ = Tensor.mul_ = _inplace(ew.mul)
Tensor.__itruediv__ = Tensor.div_ = _inplace(ew.div)
Tensor.__ipow__ = Tensor.pow_ = _inplace(ew.pow)
Tensor.__imatmul__ = _inplace(la.matmul)
Tensor.clamp_ = _inplace(lambda x, min=None, max=None: ew.clamp(x, min, max))  # noqa: A002


def _copy_values(x: Tensor, src: Any) -> Tensor:
    src = src if isinstance(src, Tensor) else Tensor._wrap(to_array(src))
    return sh.expand(src.to(dtype=x.dtype), x.shape).clone()


Tensor.copy_ = _inplace(_copy_values)
Tensor.masked_fill_ = _inplace(lambda x, mask, value: ix.masked_fill(x, mask, value))
Tensor.addcmul_ = _inplace(lambda x, t1, t2, value=1: x + value * t1 * t2)
Tensor.addcdiv_ = _inplace(lambda x, t1, t2, value=1: x + value * t1 / t2)
Tensor.lerp_ = _inplace(lambda x, end, weight: ew.lerp(x, end, weight))


def _unary_inplace(op: Any) -> Any:
    inner = _inplace(lambda x, _unused: op(x))
    return lambda self: inner(self, None)


Tensor.exp_ = _unary_inplace(ew.exp)
Tensor.sqrt_ = _unary_inplace(ew.sqrt)
Tensor.relu_ = _unary_inplace(ew.relu)
Tensor.tanh_ = _unary_inplace(ew.tanh)
Tensor.sigmoid_ = _unary_inplace(ew.sigmoid)
Tensor.neg_ = _unary_inplace(ew.neg)
Tensor.abs_ = _unary_inplace(ew.abs)


def _fill_values(self: Tensor, values: Any) -> Tensor:
    """Overwrite every element (not recorded); refused on a leaf that requires grad under grad."""
    if _function._grad_enabled and self._requires_grad:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation: use "
            "`with nablagrad.no_grad():` or write into x.data"
        )
    _write_into(self, get_array_module(self._data).asarray(values, dtype=self._data.dtype))
    return self


def fill_(self: Tensor, value: Any) -> Tensor:
    v = value.item() if isinstance(value, Tensor) else value
    return _fill_values(self, get_array_module(self._data).full(self._data.shape, v))


def zero_(self: Tensor) -> Tensor:
    return fill_(self, 0)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    from .random import _gen

    return _fill_values(self, _gen(generator).normal(mean, std, self._data.shape))


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    from .random import _gen

    return _fill_values(self, _gen(generator).uniform(a, b, self._data.shape))


def bernoulli_(self: Tensor, p: float = 0.5, *, generator: Any = None) -> Tensor:
    from .random import _gen

    return _fill_values(self, _gen(generator).random(self._data.shape) < p)


def random_(
    self: Tensor, low: int = 0, high: int | None = None, *, generator: Any = None
) -> Tensor:
    from .random import _gen

    if high is None:
        low, high = 0, low if low else 2**24
    return _fill_values(self, _gen(generator).integers(low, high, self._data.shape))


Tensor.fill_ = fill_
Tensor.zero_ = zero_
Tensor.normal_ = normal_
Tensor.uniform_ = uniform_
Tensor.bernoulli_ = bernoulli_
Tensor.random_ = random_

# -- math methods -------------------------------------------------------------------------------

for _name in (
    "add",
    "sub",
    "mul",
    "div",
    "pow",
    "maximum",
    "minimum",
    "neg",
    "exp",
    "log",
    "log1p",
    "sqrt",
    "rsqrt",
    "abs",
    "sign",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "relu",
    "clamp",
    "reciprocal",
    "square",
    "expm1",
    "log2",
    "log10",
    "floor",
    "ceil",
    "round",
    "trunc",
    "isnan",
    "isinf",
    "isfinite",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "logical_not",
    "logical_and",
    "logical_or",
    "logical_xor",
    "allclose",
    "isclose",
    "equal",
    "remainder",
    "floor_divide",
    "lerp",
):
    setattr(Tensor, _name, getattr(ew, _name) if hasattr(ew, _name) else getattr(cmp, _name))
Tensor.negative = ew.neg
Tensor.multiply = ew.mul
Tensor.subtract = ew.sub
Tensor.divide = ew.div
Tensor.true_divide = ew.div
Tensor.clip = ew.clamp
Tensor.greater = cmp.gt
Tensor.less = cmp.lt
Tensor.where = lambda self, cond, other: ew.where(cond, self, other)

for _name in (
    "sum",
    "mean",
    "prod",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "var",
    "std",
    "logsumexp",
    "norm",
    "cumsum",
):
    setattr(Tensor, _name, getattr(rd, _name))

for _name in (
    "reshape",
    "flatten",
    "unflatten",
    "squeeze",
    "unsqueeze",
    "permute",
    "transpose",
    "t",
    "expand",
    "repeat",
    "split",
    "chunk",
    "unbind",
    "narrow",
    "flip",
    "movedim",
):
    setattr(Tensor, _name, getattr(sh, _name))
Tensor.view = sh.reshape
Tensor.swapaxes = sh.transpose
Tensor.swapdims = sh.transpose

for _name in ("matmul", "mm", "mv", "dot", "bmm", "outer"):
    setattr(Tensor, _name, getattr(la, _name))

Tensor.gather = ix.gather
Tensor.index_select = ix.index_select
Tensor.masked_fill = ix.masked_fill
Tensor.masked_select = ix.masked_select
Tensor.scatter = ix.scatter


def _softmax(self: Tensor, dim: int) -> Tensor:
    from .nn import functional as F

    return F.softmax(self, dim)


def _log_softmax(self: Tensor, dim: int) -> Tensor:
    from .nn import functional as F

    return F.log_softmax(self, dim)


Tensor.softmax = _softmax
Tensor.log_softmax = _log_softmax
Tensor.view_as = lambda self, other: sh.reshape(self, other.shape)
Tensor.reshape_as = lambda self, other: sh.reshape(self, other.shape)
Tensor.expand_as = lambda self, other: sh.expand(self, other.shape)
Tensor.T = property(lambda self: sh.permute(self, *reversed(range(self.ndim))))
Tensor.mT = property(lambda self: sh.transpose(self, -2, -1))


def _all(self: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    axes = rd.normalize_dims(dim, self.ndim)
    return Tensor._wrap(
        get_array_module(self._data).asarray(
            self._data.astype(bool).all(axis=axes, keepdims=keepdim)
        )
    )


def _any(self: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    axes = rd.normalize_dims(dim, self.ndim)
    return Tensor._wrap(
        get_array_module(self._data).asarray(
            self._data.astype(bool).any(axis=axes, keepdims=keepdim)
        )
    )


Tensor.all = _all
Tensor.any = _any


def _count_nonzero(self: Tensor, dim: Any = None) -> Tensor:
    axes = rd.normalize_dims(dim, self.ndim)
    return Tensor._wrap(
        get_array_module(self._data).asarray((self._data != 0).sum(axis=axes)).astype(np.int64)
    )


Tensor.count_nonzero = _count_nonzero


def _new_factory(kind: str) -> Any:
    def make(
        self: Tensor,
        *size: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: bool = False,
        fill_value: Any = None,
    ) -> Tensor:
        from . import creation

        dtype = dtype or self.dtype
        device = device or self.device
        if kind == "tensor":
            return creation.tensor(size[0], dtype=dtype, device=device, requires_grad=requires_grad)
        if kind == "full":
            size, fill_value = size[0], size[1]
            return creation.full(
                size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad
            )
        return getattr(creation, kind)(
            *size, dtype=dtype, device=device, requires_grad=requires_grad
        )

    return make


Tensor.new_zeros = _new_factory("zeros")
Tensor.new_ones = _new_factory("ones")
Tensor.new_empty = _new_factory("empty")
Tensor.new_tensor = _new_factory("tensor")
Tensor.new_full = _new_factory("full")
