"""dtype information: torch.finfo and torch.iinfo."""

from __future__ import annotations

from typing import Any

from ..backend import np


class finfo:  # noqa: N801 - torch's name
    """Machine limits of a floating dtype (``bits``, ``eps``, ``max``, ``min``, ``tiny``, ...)."""

    def __init__(self, type: Any = None) -> None:  # noqa: A002
        from ..backend import get_default_dtype, to_np_dtype

        d = to_np_dtype(type if type is not None else get_default_dtype())
        if d.kind != "f":
            raise TypeError(f"finfo: {type} is not a floating point dtype")
        fi = np.finfo(d)
        self.bits = fi.bits
        self.eps = float(fi.eps)
        self.max = float(fi.max)
        self.min = float(fi.min)
        self.tiny = float(fi.tiny)
        self.smallest_normal = float(fi.smallest_normal)
        self.resolution = float(fi.resolution)
        self.dtype = d.name

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, "
            f"eps={self.eps}, smallest_normal={self.smallest_normal}, tiny={self.tiny}, "
            f"dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - torch's name
    """Limits of an integer dtype (``bits``, ``max``, ``min``)."""

    def __init__(self, type: Any) -> None:  # noqa: A002
        from ..backend import to_np_dtype

        d = to_np_dtype(type)
        if d.kind not in "iub":
            raise TypeError(f"iinfo: {type} is not an integer dtype")
        ii = np.iinfo(d if d.kind != "b" else np.uint8)
        self.bits, self.max, self.min, self.dtype = ii.bits, int(ii.max), int(ii.min), d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


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
