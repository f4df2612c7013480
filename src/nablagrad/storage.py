"""torch's storages: the memory behind tensors, seen as bytes (``UntypedStorage``) or as
elements of one dtype (``TypedStorage``, deprecated in torch).

A nablagrad tensor's memory is an array (NumPy, or CuPy on a GPU); views keep their owner in
the array's ``base`` chain.  A storage wraps that owner's whole memory as a 1-D uint8 array
(``backend.storage_bytes``), so every view of one tensor reports the same ``data_ptr()`` and
``nbytes()``, and a tensor can be re-pointed at a storage with ``Tensor.set_``.

Example:
    >>> import nablagrad as torch
    >>> x = torch.arange(6.0).reshape(2, 3)
    >>> s = x.untyped_storage()
    >>> s.nbytes(), x.t().untyped_storage().data_ptr() == s.data_ptr()
    (24, True)
"""

from __future__ import annotations

import warnings
from typing import Any

from . import backend
from .backend import np

__all__ = ["UntypedStorage", "TypedStorage"]


_warned = False


def _warn_typed() -> None:
    """torch's deprecation warning for typed storages, once per process as torch gives it."""
    global _warned
    if _warned:
        return
    _warned = True
    warnings.warn(
        "TypedStorage is deprecated. It will be removed in the future and UntypedStorage will "
        "be the only storage class. This should only matter to you if you are using storages "
        "directly.  To access UntypedStorage directly, use tensor.untyped_storage() instead "
        "of tensor.storage()",
        UserWarning,
        stacklevel=3,
    )


def _index(i: Any, n: int) -> int:
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
        raise TypeError(f"storage indices must be integers or slices, not {type(i).__name__}")
    j = int(i) + n if i < 0 else int(i)
    if not 0 <= j < n:
        raise IndexError(f"index {int(i)} out of range for storage of size {n}")
    return j


class UntypedStorage:
    """A block of memory as bytes, as ``torch.UntypedStorage``: ``x.untyped_storage()`` of a
    tensor (shared by all its views) or ``UntypedStorage(nbytes)`` (zeroed here; torch's
    new storage is uninitialised).  ``s[i]`` is the byte at ``i``; ``size()`` and ``len``
    count bytes.

    Example:
        >>> import nablagrad as torch
        >>> s = torch.tensor([1, 2], dtype=torch.int16).untyped_storage()
        >>> s.tolist(), s.size(), s.element_size()
        ([1, 0, 2, 0], 4, 1)
    """

    __slots__ = ("_bytes", "_own")

    def __init__(self, size: int = 0, *, device: Any = None) -> None:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 0:
            raise TypeError(
                f"UntypedStorage(size): size must be a non-negative int of bytes, got {size!r}"
            )
        self._bytes = backend.xp_for(device).zeros(int(size), dtype=np.uint8)
        self._own = True  # its own memory, which no tensor views yet: resizable

    @classmethod
    def _of(cls, array: Any) -> UntypedStorage:
        """The storage of the memory ``array`` lives in (its owner's whole memory)."""
        out = cls.__new__(cls)
        out._bytes = backend.storage_bytes(array)
        out._own = False
        return out

    def _pin(self) -> None:
        """A tensor now views this memory (``Tensor.set_``): it can no longer be resized, as
        the tensor would keep the old memory."""
        self._own = False

    def resizable(self) -> bool:
        """Whether ``resize_`` may reallocate this storage: a storage made by
        ``UntypedStorage(n)`` that no tensor views.  A tensor's memory is a NumPy array, which
        nablagrad cannot move under the tensor, so its storage is not resizable (as torch's
        ``from_numpy`` storages).

        Example:
            >>> import nablagrad as torch
            >>> torch.UntypedStorage(4).resizable(), torch.zeros(2).untyped_storage().resizable()
            (True, False)
        """
        return self._own

    def resize_(self, size: int) -> UntypedStorage:
        """Reallocate to ``size`` bytes, keeping the first ``min(old, new)`` bytes (the new
        ones are zero here; torch leaves them uninitialised); returns this storage.

        Example:
            >>> import nablagrad as torch
            >>> s = torch.UntypedStorage(2).fill_(7)
            >>> s.resize_(4).tolist()
            [7, 7, 0, 0]
        """
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise RuntimeError(f"resize_ expects an int, but got {type(size).__name__}")
        if size < 0:
            raise RuntimeError(
                f"resize_: the size must be a non-negative number of bytes, got {size}"
            )
        if not self._own:
            raise RuntimeError(
                "Trying to resize storage that is not resizable: it is a tensor's memory (a "
                "NumPy array in nablagrad, which cannot be reallocated under the tensor). "
                "Resize the tensor instead (t.resize_(...)) or copy into a new storage"
            )
        if self.is_shared():
            raise RuntimeError(
                "resize_: a storage in shared memory cannot be resized (other processes map "
                "it): make a new storage and share that"
            )
        old = self._bytes
        new = backend.get_array_module(old).zeros(int(size), dtype=np.uint8)
        keep = min(old.size, new.size)
        new[:keep] = old[:keep]
        self._bytes = new
        return self

    def share_memory_(self) -> UntypedStorage:
        """Move this storage into shared memory (no-op if it is there, or on a GPU, as torch),
        so that tensors on it are shared, not copied, when sent to another process; the bytes
        are kept and ``data_ptr()`` changes.  Returns this storage.

        Example:
            >>> import nablagrad as torch
            >>> s = torch.UntypedStorage(4).fill_(3).share_memory_()
            >>> s.is_shared(), s.tolist()
            (True, [3, 3, 3, 3])
        """
        if self.is_shared() or self.device.type != "cpu":
            return self
        if not self._own:
            raise RuntimeError(
                "share_memory_(): this storage is a tensor's memory, which nablagrad moves "
                "with the tensor: call tensor.share_memory_() (every view of it follows)"
            )
        from . import _shm

        self._bytes = _shm.share(self._bytes)
        return self

    def data_ptr(self) -> int:
        """The address of the first byte."""
        return int(backend.data_pointer(self._bytes))

    def nbytes(self) -> int:
        """The size in bytes."""
        return int(self._bytes.size)

    size = nbytes

    def __len__(self) -> int:
        return int(self._bytes.size)

    def element_size(self) -> int:
        """1: an untyped storage counts bytes."""
        return 1

    @property
    def device(self) -> backend.device:
        return backend.device_of(self._bytes)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def tolist(self) -> list:
        """The bytes as Python ints."""
        return backend.to_host(self._bytes).tolist()

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            if i.step not in (None, 1):
                raise RuntimeError("slices of a storage must have step 1")
            out = type(self).__new__(type(self))
            out._bytes = self._bytes[i]
            out._own = False  # a view of this storage's memory
            return out
        return int(self._bytes[_index(i, self._bytes.size)])

    def __setitem__(self, i: Any, value: int) -> None:
        if isinstance(i, slice):
            self._bytes[i] = value
        else:
            self._bytes[_index(i, self._bytes.size)] = value

    def fill_(self, value: int) -> UntypedStorage:
        """Every byte set to ``value``."""
        self._bytes[...] = value
        return self

    def is_shared(self) -> bool:
        """Whether the memory is shared between processes (``share_memory_()``)."""
        from . import _shm

        return type(self._bytes) is np.ndarray and _shm.block_of(self._bytes) is not None

    def cpu(self) -> UntypedStorage:
        """This storage, or a copy in host memory."""
        if self.device.type == "cpu":
            return self
        out = type(self).__new__(type(self))
        out._bytes = backend.to_host(self._bytes)
        out._own = True
        return out

    def untyped(self) -> UntypedStorage:
        return self

    def __repr__(self) -> str:
        body = "\n".join(f" {v}" for v in self.tolist())
        tail = f"[nablagrad.storage.UntypedStorage(device={self.device}) of size {len(self)}]"
        return f"{body}\n{tail}" if body else tail


class TypedStorage:
    """A storage seen as elements of one dtype, as torch's deprecated ``TypedStorage``
    (``x.storage()`` warns as torch does): ``size()`` and ``len`` count elements, ``s[i]``
    is the element's Python value, ``untyped()`` the bytes underneath.

    Example:
        >>> import warnings
        >>> import nablagrad as torch
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     s = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).t().storage()
        >>> s.tolist(), s.dtype, s.element_size()
        ([1.0, 2.0, 3.0, 4.0], nablagrad.float32, 4)
    """

    __slots__ = ("_untyped_storage", "dtype")

    def __init__(
        self,
        size: int | None = None,
        *,
        dtype: Any = None,
        device: Any = None,
        wrap_storage: UntypedStorage | None = None,
        _internal: bool = False,
    ) -> None:
        if not _internal:
            _warn_typed()
        self.dtype = backend.from_np_dtype(
            backend.to_np_dtype(dtype) if dtype is not None else backend.default_float_np()
        )
        item = np.dtype(backend.to_np_dtype(self.dtype)).itemsize
        if wrap_storage is not None:
            if size is not None or device is not None:
                raise RuntimeError("TypedStorage(wrap_storage=...) takes only dtype besides it")
            if not isinstance(wrap_storage, UntypedStorage):
                raise TypeError(
                    "wrap_storage must be a nablagrad.UntypedStorage, got "
                    f"{type(wrap_storage).__name__}"
                )
            self._untyped_storage = wrap_storage
        else:
            n = 0 if size is None else size
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
                raise TypeError(f"TypedStorage(size): size must be a non-negative int, got {n!r}")
            self._untyped_storage = UntypedStorage(int(n) * item, device=device)

    def _values(self) -> Any:
        data = self._untyped_storage._bytes
        item = self.element_size()
        return data[: data.size // item * item].view(backend.to_np_dtype(self.dtype))

    def size(self) -> int:
        """The number of elements."""
        return self._untyped_storage.nbytes() // self.element_size()

    def __len__(self) -> int:
        return self.size()

    def element_size(self) -> int:
        """Bytes per element."""
        return int(np.dtype(backend.to_np_dtype(self.dtype)).itemsize)

    def nbytes(self) -> int:
        return self._untyped_storage.nbytes()

    def data_ptr(self) -> int:
        return self._untyped_storage.data_ptr()

    @property
    def device(self) -> backend.device:
        return self._untyped_storage.device

    @property
    def is_cuda(self) -> bool:
        return self._untyped_storage.is_cuda

    def untyped(self) -> UntypedStorage:
        """The bytes underneath."""
        return self._untyped_storage

    def tolist(self) -> list:
        """The elements as Python values."""
        return backend.to_host(self._values()).tolist()

    def __getitem__(self, i: Any) -> Any:
        values = self._values()
        if isinstance(i, slice):
            raise RuntimeError("slices of a TypedStorage are not supported: index elements")
        return backend.to_host(values[_index(i, values.size)]).item()

    def __setitem__(self, i: Any, value: Any) -> None:
        values = self._values()
        values[_index(i, values.size)] = value

    def is_shared(self) -> bool:
        return self._untyped_storage.is_shared()

    def resizable(self) -> bool:
        return self._untyped_storage.resizable()

    def resize_(self, size: int) -> None:
        """Reallocate to ``size`` elements (``UntypedStorage.resize_``); returns None, as
        torch's ``TypedStorage.resize_``."""
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise RuntimeError(f"resize_ expects an int, but got {type(size).__name__}")
        self._untyped_storage.resize_(int(size) * self.element_size())

    def share_memory_(self) -> TypedStorage:
        """Move the bytes underneath into shared memory (``UntypedStorage.share_memory_``)."""
        self._untyped_storage.share_memory_()
        return self

    def cpu(self) -> TypedStorage:
        if self.device.type == "cpu":
            return self
        return TypedStorage(
            wrap_storage=self._untyped_storage.cpu(), dtype=self.dtype, _internal=True
        )

    def __repr__(self) -> str:
        body = "\n".join(f" {v}" for v in self.tolist())
        tail = (
            f"[nablagrad.storage.TypedStorage(dtype={self.dtype}, device={self.device}) of size "
            f"{len(self)}]"
        )
        return f"{body}\n{tail}" if body else tail
