"""``nablagrad.types``: torch's type aliases for annotations (``torch.types``).

``Number``, ``Device`` (a device, its string or index, or None), ``FileLike`` and the
``Storage`` protocol are torch's public ones; the underscore aliases (``_size``, ``_dtype``,
``_TensorOrTensors`` ...) are there because library code annotates with them.  nablagrad has
no symbolic shapes, so ``IntLikeType`` is ``int`` (torch: ``int | SymInt``), and likewise for
the float and bool ones.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.types import Device, Number
    >>> def zeros_on(n: int, device: Device = None) -> torch.Tensor:
    ...     return torch.zeros(n, device=device)
    >>> zeros_on(2, "cpu")
    tensor([0., 0.])
    >>> isinstance(3.5, torch.types._Number)
    True
"""

from __future__ import annotations

import os
from builtins import bool as _bool  # noqa: F401
from builtins import bytes as _bytes  # noqa: F401
from builtins import complex as _complex  # noqa: F401
from builtins import float as _float  # noqa: F401
from builtins import int as _int  # noqa: F401
from builtins import str as _str  # noqa: F401
from collections.abc import Sequence
from typing import IO, Any, TypeAlias, Union

from ._coo import layout as _layout  # noqa: F401
from .backend import device as _device
from .backend import dtype as _dtype
from .tensor import Size, Tensor

__all__ = ["Number", "Device", "FileLike", "Storage"]

_TensorOrTensors: TypeAlias = Union[Tensor, Sequence[Tensor]]  # noqa: UP007
_TensorOrOptionalTensors: TypeAlias = Union[Tensor, Sequence[Union[Tensor, None]]]  # noqa: UP007
_size: TypeAlias = Union[Size, list[int], tuple[int, ...]]  # noqa: UP007
_symsize: TypeAlias = Union[Size, Sequence[int]]  # noqa: UP007
_dispatchkey: TypeAlias = str

IntLikeType: TypeAlias = int
FloatLikeType: TypeAlias = float
BoolLikeType: TypeAlias = bool

#: "numeric" things, as in torch's docs
Number: TypeAlias = Union[int, float, bool]  # noqa: UP007
#: the tuple for ``isinstance(x, _Number)`` checks
_Number = (int, float, bool)

FileLike: TypeAlias = Union[str, "os.PathLike[str]", IO[bytes]]  # noqa: UP007

#: device-like things: a device, its name (``"cuda:0"``), its index, or None (the default)
Device: TypeAlias = Union[_device, str, int, None]  # noqa: UP007


class Storage:
    """The storage protocol torch annotates with (its typed storages implement it); nablagrad's
    tensors keep their memory in arrays (``Tensor.untyped_storage()``), so this is the
    annotation only."""

    device: _device
    dtype: _dtype

    def element_size(self) -> int:
        raise NotImplementedError

    def is_shared(self) -> bool:
        raise NotImplementedError

    def share_memory_(self) -> Storage:
        raise NotImplementedError

    def nbytes(self) -> int:
        raise NotImplementedError

    def cpu(self) -> Storage:
        raise NotImplementedError

    def data_ptr(self) -> int:
        raise NotImplementedError

    def size(self) -> int:
        raise NotImplementedError

    def __deepcopy__(self, memo: dict[int, Any]) -> Storage:
        raise NotImplementedError
