"""Elementwise functions with bool results: comparisons, logic, closeness, bitwise.

They return bool (or integer) tensors, which carry no gradient, after torch's type promotion.
"""

from __future__ import annotations

from typing import Any

from .. import _validate
from ..autograd import function as _function
from ..autograd.function import same_device
from ..backend import get_array_module
from ..tensor import Tensor
from .elementwise import prepare

# ---------------------------------------------------------------------------------------------
# non-differentiable elementwise functions (comparisons, rounding, logic)
# ---------------------------------------------------------------------------------------------


def _prepare(a: Any, b: Any, fn: str) -> tuple[Tensor, Tensor]:
    """Promoted operands whose shapes broadcast (nablagrad's message when they do not)."""
    a, b = prepare(a, b)
    if a._data.shape != b._data.shape:
        _validate.broadcast_shapes([a._data.shape, b._data.shape], fn)
    return a, b


def _same_dtype(a: Any, b: Any, fn: str) -> None:
    """torch's isclose/allclose compare tensors of one dtype only."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"{fn}: {a.dtype} did not match {b.dtype}: convert one operand (b.to(a.dtype))"
        )


def _compare(name: str, a: Any, b: Any) -> Tensor:
    a, b = _prepare(a, b, name)
    try:
        out = Tensor._wrap(getattr(get_array_module(a._data), name)(a._data, b._data))
        if _function._result_hook is not None:
            _function._result_hook((a, b), out)
        return out
    except (TypeError, ValueError):
        _refuse_sparse(name, (a, b))
        moved = same_device(name, (a, b))  # torch's error when the devices differ
        if moved is None:
            raise
        return _compare(name, *moved)


def _refuse_sparse(name: str, tensors: tuple) -> None:
    """The error for a comparison with a sparse COO operand (NumPy's own names no fix)."""
    if any(t.is_sparse for t in tensors):
        op = _TORCH_NAMES.get(name, name)
        raise RuntimeError(
            f"{op} is not supported for sparse COO tensors: call .to_dense() first"
        ) from None


_TORCH_NAMES = {
    "equal": "eq",
    "not_equal": "ne",
    "less": "lt",
    "less_equal": "le",
    "greater": "gt",
    "greater_equal": "ge",
}


def eq(a: Any, b: Any) -> Tensor:
    return _compare("equal", a, b)


def ne(a: Any, b: Any) -> Tensor:
    return _compare("not_equal", a, b)


def lt(a: Any, b: Any) -> Tensor:
    return _compare("less", a, b)


def le(a: Any, b: Any) -> Tensor:
    return _compare("less_equal", a, b)


def gt(a: Any, b: Any) -> Tensor:
    return _compare("greater", a, b)


def ge(a: Any, b: Any) -> Tensor:
    return _compare("greater_equal", a, b)


def _raw_unary(name: str, x: Tensor) -> Tensor:
    try:
        data = getattr(get_array_module(x._data), name)(x._data)
    except TypeError:
        _refuse_sparse(name, (x,))
        raise
    out = Tensor._wrap(data)
    if _function._result_hook is not None:
        _function._result_hook((x,), out)
    return out


def isnan(x: Tensor) -> Tensor:
    return _raw_unary("isnan", x)


def isinf(x: Tensor) -> Tensor:
    return _raw_unary("isinf", x)


def isfinite(x: Tensor) -> Tensor:
    return _raw_unary("isfinite", x)


def logical_not(x: Tensor) -> Tensor:
    return _raw_unary("logical_not", x)


def logical_and(a: Any, b: Any) -> Tensor:
    return _compare("logical_and", a, b)


def logical_or(a: Any, b: Any) -> Tensor:
    return _compare("logical_or", a, b)


def logical_xor(a: Any, b: Any) -> Tensor:
    return _compare("logical_xor", a, b)


def bitwise(name: str, a: Any, b: Any) -> Tensor:
    """``&``, ``|``, ``^`` on bool or integer tensors."""
    a, b = _prepare(a, b, name)
    if a._data.dtype.kind not in "biu":
        raise NotImplementedError(
            f"\"{name}_cpu\" not implemented for '{a.dtype}': {name} is only defined for bool "
            "and integer tensors"
        )
    return Tensor._wrap(getattr(get_array_module(a._data), name)(a._data, b._data))


def allclose(
    a: Tensor, b: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> bool:
    _same_dtype(a, b, "allclose")
    a, b = _prepare(a, b, "allclose")
    return bool(get_array_module(a._data).allclose(a._data, b._data, rtol, atol, equal_nan))


def isclose(
    a: Tensor, b: Any, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False
) -> Tensor:
    _same_dtype(a, b, "isclose")
    a, b = _prepare(a, b, "isclose")
    return Tensor._wrap(get_array_module(a._data).isclose(a._data, b._data, rtol, atol, equal_nan))


def equal(a: Tensor, b: Tensor) -> bool:
    """True when both have the same shape and elements."""
    return tuple(a.shape) == tuple(b.shape) and bool((a._data == b._data).all())


def bitwise_not(x: Tensor) -> Tensor:
    """``~x``: bitwise NOT of an integer tensor, logical NOT of a bool tensor."""
    if x._data.dtype.kind not in "biu":
        raise TypeError(
            f"bitwise_not is only supported for integer and bool tensors, got {x.dtype}"
        )
    return Tensor._wrap(get_array_module(x._data).invert(x._data))


def contains(x: Tensor, value: Any) -> bool:
    """``value in x``: whether some element equals ``value`` (a Tensor that broadcasts with
    ``x``, or a number)."""
    if not isinstance(value, (Tensor, int, float, complex)):
        raise RuntimeError(
            "Tensor.__contains__ only supports Tensor or scalar, but you passed in a "
            f"{type(value)}."
        )
    return bool(eq(x, value).any())
