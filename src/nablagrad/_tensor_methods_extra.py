"""Tensor methods for the functions of ``ops/extra.py`` (sinh, sort, tril, unique ...).

Each method is the function of the same name with the tensor as its first argument; in-place
forms (``tril_``, ``clamp_min_`` ...) write the result back into the tensor's storage.
"""

from __future__ import annotations

from typing import Any

from .backend import np
from .creation import bernoulli as _bernoulli
from .creation import multinomial as _multinomial
from .ops import extra as ex
from .tensor import Tensor

_METHODS = (
    "sinh cosh asin acos atan asinh acosh atanh erf erfc erfinv lgamma digamma atan2 fmod "
    "copysign cumprod exp2 deg2rad rad2deg frac logit sinc xlogy hypot logaddexp logaddexp2 "
    "float_power nan_to_num clamp_min clamp_max signbit heaviside isposinf isneginf isreal "
    "addcmul addcdiv addmm addmv baddbmm inner cross dist tensordot kron argsort sort msort topk "
    "kthvalue median nansum nanmean tril triu diagonal diag_embed diag trace roll "
    "repeat_interleave tile nonzero argwhere unique unique_consecutive bincount diff fliplr "
    "flipud rot90 ravel select take take_along_dim"
).split()

for _name in _METHODS:
    if not hasattr(Tensor, _name):
        setattr(Tensor, _name, getattr(ex, _name))

_ALIASES = {
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
    "arctan2": "atan2",
    "absolute": "abs",
    "sgn": "sign",
    "fix": "trunc",
    "swapdims": "transpose",
    "moveaxis": "movedim",
    "clip_min": "clamp_min",
}
for _alias, _name in _ALIASES.items():
    if not hasattr(Tensor, _alias) and hasattr(Tensor, _name):
        setattr(Tensor, _alias, getattr(Tensor, _name))


def _inplace(name: str) -> Any:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return self.copy_(getattr(ex, name)(self, *args, **kwargs))

    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}``."
    return method


for _name in (
    "sinh cosh asin acos atan asinh acosh atanh erf erfc erfinv lgamma digamma atan2 fmod "
    "copysign exp2 deg2rad rad2deg frac logit xlogy hypot nan_to_num clamp_min clamp_max "
    "tril triu addcmul addcdiv"
).split():
    if not hasattr(Tensor, _name + "_"):
        setattr(Tensor, _name + "_", _inplace(_name))


def _multinomial_method(
    self: Tensor, num_samples: int, replacement: bool = False, *, generator: Any = None
) -> Tensor:
    return _multinomial(self, num_samples, replacement, generator=generator)


def _bernoulli_method(self: Tensor, p: Any = None, *, generator: Any = None) -> Tensor:
    if p is None:
        return _bernoulli(self, generator=generator)
    probs = Tensor._wrap(np.full(tuple(self.shape), p, dtype=self._data.dtype))
    return _bernoulli(probs, generator=generator)


def _ndimension(self: Tensor) -> int:
    return self.ndim


def _get_device(self: Tensor) -> int:
    return -1 if self.device.type == "cpu" else (self.device.index or 0)


def _stride(self: Tensor, dim: int | None = None) -> Any:
    st = tuple(s // self._data.itemsize for s in self._data.strides)
    return st if dim is None else st[dim]


for _name, _fn in (
    ("multinomial", _multinomial_method),
    ("bernoulli", _bernoulli_method),
    ("ndimension", _ndimension),
    ("get_device", _get_device),
    ("stride", _stride),
):
    if not hasattr(Tensor, _name):
        setattr(Tensor, _name, _fn)

for _name, _dt in (("short", np.int16), ("byte", np.uint8), ("char", np.int8)):
    if not hasattr(Tensor, _name):
        setattr(Tensor, _name, lambda self, _dt=_dt: self.to(dtype=_dt))

if not hasattr(Tensor, "is_sparse"):
    Tensor.is_sparse = False
