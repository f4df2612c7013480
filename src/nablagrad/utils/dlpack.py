"""DLPack exchange, as ``torch.utils.dlpack``: ``from_dlpack`` wraps another library's array
or tensor (torch, NumPy, CuPy, JAX ...) without copying, ``to_dlpack`` gives the legacy
capsule.  Both go through the backing NumPy / CuPy array's own DLPack support, so memory is
shared: a write through either side is seen by the other.

Example:
    >>> import numpy as np
    >>> import nablagrad as torch
    >>> a = np.arange(3.0)
    >>> t = torch.from_dlpack(a)
    >>> t[0] = 5.0
    >>> a
    array([5., 1., 2.])
"""

from __future__ import annotations

from typing import Any

from .. import backend
from ..tensor import Tensor

_CPU, _CUDA = 1, 2  # DLPack device types


class _Capsule:
    """A legacy ``to_dlpack`` capsule (CPU memory) in the ``__dlpack__`` protocol, which
    NumPy's ``from_dlpack`` takes."""

    def __init__(self, capsule: Any) -> None:
        self.capsule = capsule

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self.capsule

    def __dlpack_device__(self) -> tuple[int, int]:
        return (_CPU, 0)


def from_dlpack(ext_tensor: Any, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """A tensor on the memory of ``ext_tensor``: an object with ``__dlpack__`` (a torch
    tensor, a NumPy or CuPy array ...) or a legacy DLPack capsule (CPU).

    The result shares memory (unless ``copy=True``); CUDA memory becomes a CuPy-backed
    ``cuda`` tensor.  ``device`` must be the source's (nablagrad moves nothing here: call
    ``.to(device)`` after).

    Example:
        >>> import numpy as np
        >>> import nablagrad as torch
        >>> torch.from_dlpack(np.array([[1, 2]], dtype=np.int32))
        tensor([[1, 2]], dtype=nablagrad.int32)
    """
    src = ext_tensor
    if type(src).__name__ == "PyCapsule":
        src = _Capsule(src)
    if not hasattr(src, "__dlpack__") or not hasattr(src, "__dlpack_device__"):
        raise TypeError(
            "from_dlpack(): expected an object with __dlpack__ and __dlpack_device__ (a torch "
            f"tensor, a NumPy or CuPy array) or a DLPack capsule, got {type(ext_tensor).__name__}"
        )
    kind, index = src.__dlpack_device__()
    if int(kind) == _CPU:
        where = backend.as_device("cpu")
    elif int(kind) == _CUDA:
        if not backend.cupy_available():
            raise RuntimeError("from_dlpack(): the tensor is on CUDA but CuPy is not installed")
        where = backend.as_device(f"cuda:{int(index)}")
    else:
        raise RuntimeError(
            f"from_dlpack(): unsupported DLPack device type {int(kind)}: nablagrad takes CPU "
            "(1) and CUDA (2) memory"
        )
    if device is not None and backend.as_device(device) != where:
        raise RuntimeError(
            f"from_dlpack(): the source is on {where}, not {backend.as_device(device)}: import "
            "it, then call .to(device)"
        )
    xp = backend.xp_for(where)
    try:
        array = xp.from_dlpack(src) if copy is None else xp.from_dlpack(src, copy=copy)
    except (BufferError, TypeError, ValueError, RuntimeError) as exc:
        raise RuntimeError(
            f"from_dlpack(): {exc} (nablagrad's arrays are NumPy/CuPy ones: a dtype they lack, "
            "such as bfloat16, must be cast on the source first)"
        ) from exc
    if array.dtype.kind not in "biufc" or array.dtype == xp.dtype("uint64"):
        raise TypeError(f"from_dlpack(): dtype {array.dtype} has no nablagrad counterpart")
    return Tensor._wrap(array)


def to_dlpack(tensor: Tensor) -> Any:
    """The legacy DLPack capsule of ``tensor`` (shared memory); it can be consumed once, by a
    ``from_dlpack``.  Prefer passing the tensor itself to ``from_dlpack``.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.tensor([1.0, 2.0])
        >>> torch.from_dlpack(torch.to_dlpack(x))
        tensor([1., 2.])
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(
            f"to_dlpack(): argument 'tensor' must be Tensor, not {type(tensor).__name__}"
        )
    return tensor.__dlpack__()


__all__ = ["from_dlpack", "to_dlpack"]
