"""Shared memory for CPU tensors (``Tensor.share_memory_()``, ``nablagrad.multiprocessing``).

A shared tensor's array lives in a :class:`Block`: an anonymous memory file (``memfd_create`` on
Linux; elsewhere a temporary file unlinked at once) mapped ``MAP_SHARED``.  The block keeps the
file descriptor open so that the memory can be handed to another process: pickling through
``multiprocessing`` sends a duplicate of the descriptor (``nablagrad.multiprocessing.reductions``),
and the receiver maps the same pages, so in-place writes on either side are seen by the other.
Nothing is ever named in ``/dev/shm``: the kernel frees the memory when the last descriptor and
the last mapping are gone, i.e. when no process holds a tensor on it any more (each process
closes its descriptor when its block is garbage collected, and every process's mappings go when
it exits).

Example:
    >>> from nablagrad import _shm
    >>> from nablagrad.backend import np
    >>> a = _shm.share(np.arange(3.0))
    >>> _shm.block_of(a) is not None, a.tolist()
    (True, [0.0, 1.0, 2.0])
"""

from __future__ import annotations

import mmap
import os
import tempfile
import weakref
from typing import Any

from .backend import np


class Block(mmap.mmap):
    """An ``mmap`` of an anonymous shared file; ``fd`` is the open descriptor (closed with it)."""

    fd: int
    inode: tuple[int, int]


#: blocks mapped in this process, by (device, inode) of their file: a block received twice
#: (the same module sent through two queues) is mapped once, so its tensors alias as torch's do.
_by_inode: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def _anonymous_fd(nbytes: int) -> int:
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("nablagrad-shared", getattr(os, "MFD_CLOEXEC", 0))
    else:  # pragma: no cover - non-Linux: an unlinked temporary file
        d = "/dev/shm" if os.path.isdir("/dev/shm") else None
        fd, path = tempfile.mkstemp(prefix="nablagrad-shared-", dir=d)
        os.unlink(path)
    try:
        os.ftruncate(fd, max(nbytes, 1))
    except OSError:
        os.close(fd)
        raise
    return fd


def map_fd(fd: int, nbytes: int) -> Block:
    """Map ``nbytes`` of the shared file ``fd`` (the block takes ownership of ``fd``)."""
    st = os.fstat(fd)
    key = (st.st_dev, st.st_ino)
    old = _by_inode.get(key)
    if old is not None and len(old) >= max(nbytes, 1):
        os.close(fd)
        return old
    block = Block(fd, max(nbytes, 1))
    block.fd, block.inode = fd, key
    weakref.finalize(block, os.close, fd)
    _by_inode[key] = block
    return block


def new_block(nbytes: int) -> Block:
    """A fresh zero-filled shared block of at least ``nbytes`` bytes."""
    return map_fd(_anonymous_fd(nbytes), nbytes)


def block_of(arr: Any) -> Block | None:
    """The shared block ``arr`` (a NumPy array) lives in, or None."""
    while isinstance(arr, np.ndarray):
        arr = arr.base
    if isinstance(arr, memoryview):  # np.frombuffer(block) keeps a memoryview of the block
        arr = arr.obj
    return arr if isinstance(arr, Block) else None


def address(arr: Any) -> int:
    return arr.__array_interface__["data"][0]


def view(block: Block, dtype: Any, shape: tuple, strides: tuple, offset: int) -> Any:
    """The array of ``dtype``/``shape``/``strides`` starting ``offset`` bytes into ``block``."""
    raw = np.frombuffer(block, dtype=np.uint8)
    return np.ndarray(shape, dtype=dtype, buffer=raw, offset=offset, strides=strides)


def share(arr: Any) -> Any:
    """``arr`` itself if it already lives in shared memory, else a shared C-contiguous copy."""
    if block_of(arr) is not None:
        return arr
    block = new_block(arr.nbytes)
    out = view(block, arr.dtype, arr.shape, None, 0)
    np.copyto(out, arr)
    return out


def within(arr: Any, base: Any) -> bool:
    """True if every byte ``arr`` can reach lies inside ``base``'s memory."""
    lo, hi = _bounds(arr)
    blo, bhi = _bounds(base)
    return blo <= lo and hi <= bhi


def _bounds(arr: Any) -> tuple[int, int]:
    start = address(arr)
    if arr.size == 0:
        return start, start
    lo = sum(min(0, (n - 1) * st) for n, st in zip(arr.shape, arr.strides))
    hi = sum(max(0, (n - 1) * st) for n, st in zip(arr.shape, arr.strides))
    return start + lo, start + hi + arr.itemsize


def rebase(arr: Any, old_base: Any, new_base: Any) -> Any:
    """The view of ``new_base`` (a C-contiguous copy of ``old_base``) at the place ``arr``
    views ``old_base``."""
    offset = address(arr) - address(old_base)
    raw = new_base.reshape(-1).view(np.uint8)
    return np.ndarray(arr.shape, dtype=arr.dtype, buffer=raw, offset=offset, strides=arr.strides)


def describe(arr: Any) -> tuple[Block, int, tuple]:
    """``(block, nbytes to map, (dtype, shape, strides, offset))`` for a shared array."""
    block = block_of(arr)
    assert block is not None
    offset = address(arr) - address(np.frombuffer(block, dtype=np.uint8))
    return block, len(block), (arr.dtype.str, arr.shape, arr.strides, offset)
