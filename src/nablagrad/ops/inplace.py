"""In-place forms (``add_``, ``mul_``, ``copy_``, ``fill_``, ``normal_`` ...) of Tensor methods.

``x.add_(y)`` computes ``x + y`` and writes it into ``x``.  When autograd must see the change
(``x`` or ``y`` requires grad and grad mode is on) it is recorded as the out-of-place op and
``x`` is rebound to the result (``Tensor._rebind``); otherwise the values are written into
``x``'s memory and its version counter is stamped, so a graph that saved ``x`` earlier notices.
"""

from __future__ import annotations

from typing import Any

from ..autograd import function as _function
from ..backend import get_array_module
from ..random import _gen
from ..tensor import Tensor, to_array
from . import elementwise as ew
from . import index as ix
from . import linalg as la
from . import mathfns as mf
from . import matrices as mx
from . import shape as sh

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
            ix.rebind(self, lambda old: _cast_like(op(old, other, *args, **kwargs), old))
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


def _copy_values(x: Tensor, src: Any) -> Tensor:
    src = src if isinstance(src, Tensor) else Tensor._wrap(to_array(src))
    # torch's copy_ crosses devices: the values come over to x's device
    return sh.expand(src.to(x.device, dtype=x.dtype), x.shape).clone()


def _unary_inplace(op: Any) -> Any:
    inner = _inplace(lambda x, _unused: op(x))
    return lambda self: inner(self, None)


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
    return _fill_values(self, _gen(generator).normal(mean, std, self._data.shape))


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    return _fill_values(self, _gen(generator).uniform(a, b, self._data.shape))


def bernoulli_(self: Tensor, p: float = 0.5, *, generator: Any = None) -> Tensor:
    return _fill_values(self, _gen(generator).random(self._data.shape) < p)


def random_(
    self: Tensor, low: int = 0, high: int | None = None, *, generator: Any = None
) -> Tensor:
    if high is None:
        low, high = 0, low if low else 2**24
    return _fill_values(self, _gen(generator).integers(low, high, self._data.shape))


add_ = _inplace(ew.add)
sub_ = _inplace(ew.sub)
mul_ = _inplace(ew.mul)
div_ = _inplace(ew.div)
pow_ = _inplace(ew.pow)
matmul_ = _inplace(la.matmul)
clamp_ = _inplace(lambda x, min=None, max=None: ew.clamp(x, min, max))  # noqa: A002
copy_ = _inplace(_copy_values)
masked_fill_ = _inplace(lambda x, mask, value: ix.masked_fill(x, mask, value))
addcmul_ = _inplace(lambda x, t1, t2, value=1: x + value * t1 * t2)
addcdiv_ = _inplace(lambda x, t1, t2, value=1: x + value * t1 / t2)
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
