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
