"""``make_tensor``: torch.testing's random test tensors, with torch's value ranges per dtype.

Values are drawn uniformly from ``[low, high)``; the defaults are ``[0, 2)`` for bool,
``[0, 10)`` for unsigned integers, ``[-9, 10)`` for signed integers and ``[-9, 9)`` for
floating types.  Bounds outside the dtype's finite range are clamped to it (integer bounds are
rounded up, ``high`` staying exclusive); ``low >= high`` or a NaN bound raise ``ValueError``.
``noncontiguous=True`` returns every second element of a tensor twice as wide in the last
dimension (when there are at least two elements), ``memory_format`` a copy in that layout,
``exclude_zero=True`` replaces zeros by 1 (bool, integers) or by the dtype's ``finfo.tiny``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

from .. import creation
from ..backend import bool_, dtype, float16, float32, float64, int8, int16, int32, int64, uint8
from ..ops.dtypeinfo import finfo, iinfo
from ..tensor import Tensor

__all__ = ["make_tensor"]

_INTEGRAL = (uint8, int8, int16, int32, int64)
_FLOATING = (float16, float32, float64)


def _low_high(
    low: float | None,
    high: float | None,
    dt: dtype,
    lowest: float,
    highest: float,
    default_low: float,
    default_high: float,
) -> tuple[Any, Any]:
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dt in _FLOATING:
        warnings.warn(
            "Passing `low==high` to `torch.testing.make_tensor` for floating or complex types "
            "is deprecated since 2.1 and will be removed in 2.3. Use `torch.full(...)` instead.",
            FutureWarning,
            stacklevel=3,
        )
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(
            f"The value interval specified by `low` and `high` is [{low}, {high}), but {dt} "
            f"only supports [{lowest}, {highest})"
        )
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if dt not in _FLOATING:  # integer bounds: never below low, high stays exclusive
        return math.ceil(low), math.ceil(high)
    return low, high


def make_tensor(
    *shape: int | Sequence[int],
    dtype: dtype,
    device: Any,
    low: float | None = None,
    high: float | None = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """A tensor of ``shape`` with values drawn uniformly from ``[low, high)`` (see the module
    docstring for the defaults per dtype), as ``torch.testing.make_tensor``.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.testing import make_tensor
        >>> x = make_tensor((2, 3), dtype=torch.float32, device="cpu", low=-1, high=1)
        >>> x.shape, bool(((x >= -1) & (x < 1)).all())
        (nablagrad.Size([2, 3]), True)
        >>> make_tensor(4, dtype=torch.int64, device="cpu", exclude_zero=True).ne(0).all()
        tensor(True)
    """
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    dims = tuple(int(s) for s in shape)  # type: ignore[arg-type]
    if noncontiguous and memory_format is not None:
        raise ValueError(
            "The parameters `noncontiguous` and `memory_format` are mutually exclusive, but got "
            f"noncontiguous={noncontiguous} and memory_format={memory_format}"
        )
    if requires_grad and dtype not in _FLOATING:
        raise ValueError(
            "`requires_grad=True` is not supported for boolean and integral dtypes, but got "
            f"dtype={dtype}"
        )
    noncontiguous = noncontiguous and math.prod(dims) > 1
    if noncontiguous:  # twice as wide, so that the view's neighbours differ
        dims = dims[:-1] + (2 * dims[-1],)
    if dtype is bool_:
        lo, hi = _low_high(low, high, dtype, 0, 2, 0, 2)
        result = creation.randint(lo, hi, dims, device=device, dtype=dtype)
    elif dtype in _INTEGRAL:
        info = iinfo(dtype)
        # randint cannot draw int64's maximum (its bound would overflow), as in torch
        top = info.max + (1 if dtype is not int64 else 0)
        lo, hi = _low_high(low, high, dtype, info.min, top, -9, 10)
        result = creation.randint(lo, hi, dims, device=device, dtype=dtype)
    elif dtype in _FLOATING:
        info = finfo(dtype)
        lo, hi = _low_high(low, high, dtype, info.min, info.max, -9, 9)
        result = creation.empty(dims, device=device, dtype=dtype)
        if hi - lo >= info.max:  # the range itself would overflow: draw half of it, double
            result.uniform_(lo / 2, hi / 2).mul_(2)
        else:
            result.uniform_(lo, hi)
    else:
        raise TypeError(
            f"The requested dtype '{dtype}' is not supported by torch.testing.make_tensor()."
        )
    if noncontiguous:
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.clone(memory_format=memory_format)
    if exclude_zero:
        result[result == 0] = 1 if dtype not in _FLOATING else finfo(dtype).tiny
    if dtype in _FLOATING:
        result.requires_grad = requires_grad
    return result
