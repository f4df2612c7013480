"""``COOArray``: the array behind a sparse COO tensor (``layout=nablagrad.sparse_coo``).

A sparse tensor is an ordinary ``Tensor`` whose ``_data`` is a ``COOArray`` instead of a
NumPy/CuPy array: ``indices`` (int64, ``(sparse_dim, nnz)``), ``values`` (``(nnz, *dense
shape)``) and the full ``shape``.  It answers what Tensor's properties read (``shape``,
``dtype``, ``ndim``, ``size``) and refuses to become a NumPy array, so a dense operation that
reaches it fails (``Function.apply`` then turns the failure into the sparse dispatch of
``ops/sparse.py`` or a clear error) instead of computing on the wrong numbers.
"""

from __future__ import annotations

import math
from typing import Any

from .backend import get_array_module

SPARSE_FIX = "call .to_dense() first"


class COOArray:
    """Coordinates, values and shape of a sparse COO tensor (array-level, no autograd)."""

    __slots__ = ("indices", "values", "shape", "coalesced")
    __array_ufunc__ = None  # NumPy ufuncs refuse it (TypeError), never compute on it
    base = None  # not a view of anything (``Function.apply`` checks ``.base``)

    def __init__(self, indices: Any, values: Any, shape: tuple, coalesced: bool = False) -> None:
        self.indices = indices
        self.values = values
        self.shape = tuple(int(s) for s in shape)
        self.coalesced = bool(coalesced)

    @property
    def dtype(self) -> Any:
        return self.values.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def itemsize(self) -> int:
        return self.values.itemsize

    @property
    def sparse_dim(self) -> int:
        return int(self.indices.shape[0])

    @property
    def nnz(self) -> int:
        return int(self.indices.shape[1])

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"a sparse COO tensor cannot be used as a dense array: {SPARSE_FIX}")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        return NotImplemented

    def astype(self, dtype: Any) -> COOArray:
        return COOArray(self.indices, self.values.astype(dtype), self.shape, self.coalesced)

    def copy(self) -> COOArray:
        return COOArray(self.indices.copy(), self.values.copy(), self.shape, self.coalesced)

    def to_dense(self) -> Any:
        """The dense array (duplicate coordinates summed)."""
        xp = get_array_module(self.values)
        out = xp.zeros(self.shape, dtype=self.values.dtype)
        if self.nnz:
            xp.add.at(out, tuple(self.indices), self.values)
        return out

    def __add__(self, other: Any) -> COOArray:
        """Sum of two sparse arrays of one shape: the entries of both (uncoalesced), as torch's
        sparse + sparse; this is how the engine accumulates sparse gradients."""
        if not isinstance(other, COOArray):
            return NotImplemented
        if other.shape != self.shape:
            raise RuntimeError(
                f"add: sparse tensors of sizes {list(self.shape)} and {list(other.shape)} "
                "cannot be added: the sizes must be equal"
            )
        xp = get_array_module(self.values)
        return COOArray(
            xp.concatenate([self.indices, other.indices], axis=1),
            xp.concatenate([self.values, other.values.astype(self.values.dtype)]),
            self.shape,
        )

    __radd__ = __add__

    def __repr__(self) -> str:
        return f"COOArray(shape={self.shape}, nnz={self.nnz}, dtype={self.dtype})"


class layout:  # noqa: N801 - named like torch.layout
    """A memory layout: ``nablagrad.strided`` (dense) or ``nablagrad.sparse_coo``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"nablagrad.{self.name}"

    def __reduce__(self) -> str:
        return self.name


strided = layout("strided")
sparse_coo = layout("sparse_coo")
