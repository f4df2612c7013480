"""dtype information: torch.finfo and torch.iinfo."""

from __future__ import annotations

from typing import Any

from ..backend import np


class finfo:  # noqa: N801 - torch's name
    """Machine limits of a floating dtype, as torch.finfo: ``bits``, ``eps`` (the gap above
    1), ``max``, ``min``, ``tiny`` = ``smallest_normal``, ``resolution`` (``10 ** -digits``,
    0.001 for float16), ``dtype`` (its name); printed with 6 significant digits, equal when the
    dtypes are.

    Example:
        >>> import nablagrad as torch
        >>> torch.finfo(torch.float16).resolution, torch.finfo(torch.float16).eps
        (0.001, 0.0009765625)
        >>> str(torch.finfo(torch.float16))[:45]
        'finfo(resolution=0.001, min=-65504, max=65504'

    """

    __hash__ = None  # type: ignore[assignment]  # torch's finfo is unhashable

    def __init__(self, type: Any = None) -> None:  # noqa: A002
        from ..backend import get_default_dtype, to_np_dtype

        _require_dtype("finfo", type)
        d = to_np_dtype(type if type is not None else get_default_dtype())
        if d.kind != "f":
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                f"'torch.finfo' ({type} is not floating)"
            )
        fi = np.finfo(d)
        self.bits = int(fi.bits)
        self.eps = float(fi.eps)
        self.max = float(fi.max)
        self.min = float(fi.min)
        self.tiny = float(fi.tiny)
        self.smallest_normal = float(fi.smallest_normal)
        self.resolution = float(10.0 ** -int(fi.precision))
        self.dtype = d.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - torch's name
    """Limits of an integer dtype, as torch.iinfo: ``bits``, ``max``, ``min`` (ints),
    ``dtype`` (its name); printed as torch's, with 6 significant digits.

    Example:
        >>> import nablagrad as torch
        >>> torch.iinfo(torch.int32)
        iinfo(min=-2.14748e+09, max=2.14748e+09, dtype=int32)
    """

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, type: Any) -> None:  # noqa: A002
        from ..backend import to_np_dtype

        _require_dtype("iinfo", type)
        d = to_np_dtype(type)
        if d.kind == "b":
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d.kind not in "iu":
            raise TypeError(
                "torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                f"'torch.iinfo' ({type} is not an integer dtype)"
            )
        ii = np.iinfo(d)
        self.bits, self.max, self.min, self.dtype = int(ii.bits), int(ii.max), int(ii.min), d.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __repr__(self) -> str:
        return f"iinfo(min={float(self.min):g}, max={float(self.max):g}, dtype={self.dtype})"


def _require_dtype(fn: str, type: Any) -> None:  # noqa: A002
    """torch's finfo/iinfo take a dtype (or, finfo, nothing), not a string or a NumPy type."""
    from ..backend import dtype as dtype_class

    if type is not None and not isinstance(type, dtype_class):
        raise TypeError(
            f"{fn}(): argument 'type' (position 1) must be torch.dtype, not "
            f"{builtins_type(type).__name__} (pass e.g. torch.float32)"
        )


builtins_type = type


# -- type promotion: torch.result_type, promote_types, can_cast --------------------------------

_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}


def result_type(tensor: Any, other: Any) -> Any:
    """The dtype of an arithmetic op on ``tensor`` and ``other`` (torch's promotion: dimensioned
    tensors over 0-d tensors over Python scalars, by category bool < integer < float)."""
    from ..backend import from_np_dtype
    from ..tensor import Tensor
    from .elementwise import result_dtype

    if not isinstance(tensor, Tensor) and not isinstance(other, Tensor):
        from ..creation import tensor as make

        tensor = make(tensor)
    return from_np_dtype(result_dtype(tensor, other))


def promote_types(type1: Any, type2: Any) -> Any:
    """The smallest dtype that both ``type1`` and ``type2`` convert to without losing their
    category (torch.promote_types: int64 with float32 gives float32)."""
    from ..backend import from_np_dtype, to_np_dtype

    a, b = to_np_dtype(type1), to_np_dtype(type2)
    ra, rb = _KIND_RANK[a.kind], _KIND_RANK[b.kind]
    if ra != rb:
        return from_np_dtype(a if ra > rb else b)
    if a.kind in "ui" and b.kind in "ui" and a.kind != b.kind:  # uint8 with int8 -> int16
        return from_np_dtype(np.promote_types(a, b))
    return from_np_dtype(np.promote_types(a, b))


def can_cast(from_: Any, to: Any) -> bool:
    """Whether torch's casting rules allow ``from_`` to ``to`` in an in-place op (no lower
    category: float to integer and integer to bool are refused)."""
    from ..backend import to_np_dtype

    a, b = to_np_dtype(from_), to_np_dtype(to)
    return _KIND_RANK[a.kind] <= _KIND_RANK[b.kind] and not (a.kind in "iuf" and b.kind == "b")
