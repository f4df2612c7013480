"""Sparse COO tensors: creation, conversion and the products graph networks use.

A sparse tensor is a ``Tensor`` around a ``COOArray`` (``nablagrad/_coo.py``).  Two
primitives connect the layouts for autograd:

- ``SparseCreate``: values (dense, ``(nnz, ...)``) -> sparse tensor at fixed indices; its
  gradient is the incoming gradient's values at those indices;
- ``SparseValues``: sparse tensor -> its values; its gradient is a sparse tensor with the same
  indices (so a sparse leaf gets a sparse gradient of its own sparsity pattern, as in torch).

``ToDense`` and the product ``SparseDenseMM`` (sparse ``(n, k)`` times dense ``(k, m)``,
through ``scipy.sparse`` on the CPU and a gather plus scatter-add elsewhere) are fused
primitives.  Everything else (coalesce, transpose, scalar products, sums, casts, moves,
sparse + sparse) is composed from these and the dense ops.

Dense primitives reached with a sparse input fail inside their forward (a ``COOArray`` is
not an array); ``Function.apply`` then calls :func:`dispatch`, which runs the sparse version
of the few operations that have one (``+``, ``-``, ``*``, ``/``, ``@``, ``t()``, casts,
moves) or raises an error naming the fix.  The dense path pays nothing for this.
"""

from __future__ import annotations

from typing import Any

from .. import backend
from .._coo import SPARSE_FIX, COOArray
from ..autograd.function import Function
from ..backend import get_array_module, np
from ..tensor import Tensor, to_array
from .linalg import scaled_sum

__all__ = [
    "sparse_coo_tensor",
    "to_dense",
    "to_sparse",
    "coalesce",
    "sparse_mm",
    "sparse_addmm",
    "smm",
    "sspaddmm",
    "hspmm",
    "sparse_sum",
    "sparse_softmax",
    "sparse_log_softmax",
    "is_sparse",
]


def is_sparse(x: Any) -> bool:
    """True for a Tensor with the sparse COO layout."""
    return isinstance(x, Tensor) and type(x._data) is COOArray


def _refuse(what: str) -> RuntimeError:
    return RuntimeError(f"{what} is not supported for sparse COO tensors: {SPARSE_FIX}")


def _idx_tensor(indices: Any) -> Tensor:
    return Tensor._wrap(indices)


# -- the two primitives between the layouts -------------------------------------------------


class SparseCreate(Function):
    """values -> the sparse tensor with those values at ``indices``."""

    def forward(self, values, indices=None, shape=(), coalesced=False):
        self.indices = indices
        return COOArray(indices, values, shape, coalesced)

    def backward(self, g, out, values):
        return (_values_at(self.m, g, self.indices),)


class SparseValues(Function):
    """sparse tensor -> its values (one row per stored entry, duplicates kept)."""

    def forward(self, s):
        self.indices, self.shape, self.coalesced = s.indices, s.shape, s.coalesced
        return s.values

    def backward(self, g, out, s):
        idx, first = _grad_pattern(self.indices, self.shape, self.coalesced)
        if first is not None:
            g = g[_idx_tensor(first) if self.m.tensors else first]
        return (self.m.call(SparseCreate, g, indices=idx, shape=self.shape, coalesced=True),)


def _grad_pattern(indices: Any, shape: tuple, coalesced: bool) -> tuple:
    """The indices a sparse gradient is given at: each stored coordinate once (sorted), and
    which entry first held each (``None`` when the indices are already coalesced).

    A gradient is the derivative with respect to the dense tensor the sparse one stands for,
    so duplicates (which sum in that tensor) share one value and must appear once, or its
    ``to_dense()`` would count them twice; torch's sparse gradients are coalesced likewise."""
    if coalesced or indices.shape[1] <= 1:
        return indices, None
    xp = get_array_module(indices)
    sd = indices.shape[0]
    keys = _keys(indices, shape[:sd])
    _, first = xp.unique(keys, return_index=True)
    return indices[:, first], first


def _values_at(m: Any, g: Any, indices: Any) -> Any:
    """The gradient ``g`` (sparse or dense) read at ``indices``: torch's ``sparse_mask``."""
    if m.tensors:
        if is_sparse(g):
            if g._data.indices is indices:
                return SparseValues.apply(g)
            g = to_dense(g)
        return g[tuple(_idx_tensor(indices))]
    if type(g) is COOArray:
        if g.indices is indices:
            return g.values
        g = g.to_dense()
    return g[tuple(indices)]


class ToDense(Function):
    def forward(self, s):
        self.indices, self.shape, self.coalesced = s.indices, s.shape, s.coalesced
        return s.to_dense()

    def backward(self, g, out, s):
        idx, _ = _grad_pattern(self.indices, self.shape, self.coalesced)
        vals = _values_at(self.m, g, idx)
        return (self.m.call(SparseCreate, vals, indices=idx, shape=self.shape, coalesced=True),)


def _mm_arrays(indices: Any, values: Any, shape: tuple, d: Any) -> Any:
    """``S @ d`` for the 2-D sparse S given by (indices, values, shape) and a dense 1-D/2-D d."""
    xp = get_array_module(values)
    n = shape[0]
    if xp is np and values.dtype.kind in "fc":
        sp = backend.scipy("sparse")
        if sp is not None:
            mat = sp.csr_matrix((values, (indices[0], indices[1])), shape=shape)
            return np.asarray(mat @ d, dtype=np.result_type(values, d))
    rows, cols = indices[0], indices[1]
    out = xp.zeros((n,) + tuple(d.shape[1:]), dtype=xp.result_type(values, d))
    if indices.shape[1]:
        v = values.reshape((-1,) + (1,) * (d.ndim - 1))
        xp.add.at(out, rows, v * d[cols])
    return out


class SparseDenseMM(Function):
    """sparse (n, k) @ dense (k, m) or (k,) -> dense.  ``dense_grad``: the sparse operand's
    gradient is dense (``torch.mm``) instead of sparse with its pattern (``torch.sparse.mm``)."""

    def forward(self, s, d, dense_grad=False):
        self.dense_grad = dense_grad
        return _mm_arrays(s.indices, s.values, s.shape, d)

    def backward(self, g, out, s, d):
        m = self.m
        if m.tensors:
            gd = SparseDenseMM.apply(sparse_transpose(s, 0, 1), g)
            a = s._data
            idx, _ = _grad_pattern(a.indices, a.shape, a.coalesced)
            if self.dense_grad:
                gs = g.unsqueeze(-1) @ d.unsqueeze(0) if d.ndim == 1 else g @ d.t()
            else:
                rows, cols = _idx_tensor(idx[0]), _idx_tensor(idx[1])
                prod = g.index_select(0, rows) * d.index_select(0, cols)
                vals = prod.sum(-1) if d.ndim == 2 else prod
                gs = SparseCreate.apply(vals, indices=idx, shape=tuple(s.shape), coalesced=True)
            return gs, gd
        idx, shape = s.indices, s.shape
        gd = _mm_arrays(idx[::-1], s.values, shape[::-1], g)
        if self.dense_grad:
            gs = g[:, None] * d[None, :] if d.ndim == 1 else g @ d.T
        else:
            idx, _ = _grad_pattern(idx, shape, s.coalesced)
            prod = g[idx[0]] * d[idx[1]]
            gs = COOArray(idx, prod.sum(-1) if d.ndim == 2 else prod, shape, coalesced=True)
        return gs, gd


# -- creation and conversion ----------------------------------------------------------------


def _as_index_array(indices: Any, xp: Any) -> Any:
    arr = indices._data if isinstance(indices, Tensor) else indices
    if type(arr) is COOArray:
        raise TypeError("sparse_coo_tensor: indices must be a dense tensor")
    arr = to_array(arr, copy=False)
    if arr.dtype.kind not in "iu":
        if arr.size == 0:
            arr = arr.astype(np.int64)
        else:
            raise RuntimeError(
                f"sparse_coo_tensor: indices must be an int64 tensor, got {arr.dtype}: "
                "convert them with .long()"
            )
    return backend.to_device(arr.astype(np.int64), backend.device_of(xp.zeros(0)))


def sparse_coo_tensor(
    indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
    is_coalesced: bool | None = None,
) -> Tensor:
    """``torch.sparse_coo_tensor``: a sparse tensor with ``values[k]`` at ``indices[:, k]``.

    ``indices`` is ``(sparse_dim, nnz)``, ``values`` ``(nnz, *dense_shape)``; without ``size``
    each sparse dimension is the largest index plus one.  Duplicate coordinates are kept
    (uncoalesced) and summed by ``coalesce()``/``to_dense()``.  Indices are always checked
    against ``size`` (torch checks only with ``check_invariants``).

    Example:
        >>> import nablagrad as torch
        >>> s = torch.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
        >>> s.to_dense().tolist()
        [[0.0, 0.0, 3.0], [4.0, 0.0, 5.0]]
    """
    if not isinstance(values, Tensor):
        from ..creation import tensor as _tensor

        values = _tensor(values, dtype=dtype, device=device)
    if is_sparse(values):
        raise TypeError("sparse_coo_tensor: values must be a dense tensor")
    if device is not None and backend.as_device(device) != values.device:
        values = values.to(device=device)
    if dtype is not None:
        values = values.to(dtype=dtype)
    xp = get_array_module(values._data)
    idx = _as_index_array(indices, xp)
    if idx.ndim != 2:
        raise RuntimeError(
            f"indices must be sparse_dim x nnz, but got: {list(idx.shape)} (a 2-D tensor "
            "with one row per sparse dimension)"
        )
    if values.ndim == 0:
        raise RuntimeError("values must be at least 1-D (one entry per column of indices)")
    sparse_dim, nnz = idx.shape
    if values.shape[0] != nnz:
        raise RuntimeError(
            f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz "
            f"from values: {values.shape[0]}"
        )
    if nnz and int(idx.min()) < 0:
        raise RuntimeError(
            f"found negative index {int(idx.min())} in sparse_coo_tensor indices: "
            "indices must be non-negative"
        )
    maxes = [int(v) for v in idx.max(axis=1)] if nnz else [-1] * sparse_dim
    if size is None:
        shape = tuple(mx + 1 if nnz else 0 for mx in maxes) + tuple(values.shape[1:])
    else:
        shape = tuple(int(s) for s in (size.shape if isinstance(size, Tensor) else size))
        if len(shape) != sparse_dim + values.ndim - 1:
            raise RuntimeError(
                f"number of dimensions must be sparse_dim ({sparse_dim}) + dense_dim "
                f"({values.ndim - 1}), but got {len(shape)}"
            )
        for d, mx in enumerate(maxes):
            if mx >= shape[d]:
                raise RuntimeError(
                    f"size is inconsistent with indices: for dim {d}, size is {shape[d]} but "
                    f"found index {mx}"
                )
        if tuple(values.shape[1:]) != shape[sparse_dim:]:
            raise RuntimeError(
                f"values has incorrect size, expected {[nnz, *shape[sparse_dim:]]}, got "
                f"{list(values.shape)}"
            )
    coalesced = bool(is_coalesced) or nnz <= 1
    if is_coalesced and nnz > 1:
        keys = _keys(idx, shape[:sparse_dim])
        if not bool((keys[1:] > keys[:-1]).all()):
            raise RuntimeError(
                "sparse_coo_tensor: is_coalesced=True but the indices are not sorted and "
                "unique: leave is_coalesced unset or call .coalesce()"
            )
    if requires_grad:
        values = values.detach()
    out = SparseCreate.apply(values, indices=idx, shape=shape, coalesced=coalesced)
    if requires_grad:
        out.requires_grad_(True)
    return out


def _keys(idx: Any, sparse_shape: tuple) -> Any:
    """One int64 key per entry, ordered as torch sorts coalesced indices (row-major)."""
    xp = get_array_module(idx)
    keys = xp.zeros(idx.shape[1], dtype=np.int64)
    for d, n in enumerate(sparse_shape):
        keys = keys * n + idx[d]
    return keys


def to_dense(x: Tensor, dtype: Any = None, *, masked_grad: bool | None = None) -> Tensor:
    """The dense tensor of a sparse one (duplicates summed); a dense tensor is returned as is."""
    out = ToDense.apply(x) if is_sparse(x) else x
    return out if dtype is None else out.to(dtype=dtype)


def to_sparse(x: Tensor, sparse_dim: int | None = None, *, layout: Any = None) -> Tensor:
    """``Tensor.to_sparse``: the non-zero entries of a dense tensor, coalesced.

    With ``sparse_dim`` < ndim only the leading dims are sparse: an entry is a slice of the
    trailing dims that is not all zero.
    """
    if layout is not None and getattr(layout, "name", None) != "sparse_coo":
        raise RuntimeError(
            f"to_sparse: only layout=nablagrad.sparse_coo is supported, got {layout}"
        )
    if is_sparse(x):
        if sparse_dim is not None and sparse_dim != x._data.sparse_dim:
            raise RuntimeError(
                "to_sparse: conversion to a different sparse_dim is not supported: "
                f"{SPARSE_FIX} and convert the dense tensor"
            )
        return x
    nd = x.ndim
    sd = nd if sparse_dim is None else int(sparse_dim)
    if not 0 <= sd <= nd:
        raise RuntimeError(f"sparse_dim must be in [0, {nd}], got {sparse_dim}")
    a = x._data
    xp = get_array_module(a)
    mask = a != 0
    if sd < nd:
        mask = (
            mask.reshape(a.shape[:sd] + (-1,)).any(axis=-1)
            if a.size
            else mask.any(axis=tuple(range(sd, nd)))
        )
    idx = xp.stack(xp.nonzero(mask)).astype(np.int64) if sd else xp.zeros((0, 1), np.int64)
    idx = idx.reshape(sd, -1)
    vals = x[tuple(_idx_tensor(r) for r in idx)] if sd else x.unsqueeze(0)
    return SparseCreate.apply(vals, indices=idx, shape=tuple(x.shape), coalesced=True)


def coalesce(s: Tensor) -> Tensor:
    """Sorted, unique indices with the values of duplicates summed (differentiable)."""
    _need_sparse(s, "coalesce")
    a = s._data
    if a.coalesced:
        return s
    from .index import index_add

    xp = get_array_module(a.values)
    sd = a.sparse_dim
    keys = _keys(a.indices, a.shape[:sd])
    uniq, inverse = xp.unique(keys, return_inverse=True)
    new_idx = xp.stack(xp.unravel_index(uniq, a.shape[:sd])).astype(np.int64).reshape(sd, -1)
    vals = SparseValues.apply(s)
    zeros = Tensor._wrap(xp.zeros((len(uniq),) + a.values.shape[1:], dtype=a.values.dtype))
    summed = index_add(zeros, 0, _idx_tensor(inverse.reshape(-1).astype(np.int64)), vals)
    return SparseCreate.apply(summed, indices=new_idx, shape=a.shape, coalesced=True)


def _need_sparse(x: Any, name: str) -> None:
    if not is_sparse(x):
        layout = "Strided" if isinstance(x, Tensor) else type(x).__name__
        raise RuntimeError(
            f"{name} expected sparse coordinate tensor layout but got {layout}: call "
            ".to_sparse() first"
        )


def indices(s: Tensor) -> Tensor:
    """The indices of a coalesced sparse tensor (torch refuses uncoalesced ones)."""
    _need_sparse(s, "indices")
    if not s._data.coalesced:
        raise RuntimeError(
            "Cannot get indices on an uncoalesced tensor, please call .coalesce() first"
        )
    return Tensor._wrap(s._data.indices)


def values(s: Tensor) -> Tensor:
    """The values of a coalesced sparse tensor (differentiable)."""
    _need_sparse(s, "values")
    if not s._data.coalesced:
        raise RuntimeError(
            "Cannot get values on an uncoalesced tensor, please call .coalesce() first"
        )
    return SparseValues.apply(s)


def raw_indices(s: Tensor) -> Tensor:
    """``_indices()``: the stored indices, coalesced or not."""
    _need_sparse(s, "_indices")
    return Tensor._wrap(s._data.indices)


def raw_values(s: Tensor) -> Tensor:
    """``_values()``: the stored values, coalesced or not (not differentiable, as torch)."""
    _need_sparse(s, "_values")
    return Tensor._wrap(s._data.values)


# -- composed operations ----------------------------------------------------------------------


def map_values(s: Tensor, fn: Any, coalesced: bool | None = None) -> Tensor:
    """The sparse tensor with ``fn(values)`` at the same indices (``fn`` keeps the zeros)."""
    a = s._data
    vals = fn(SparseValues.apply(s))
    keep = a.coalesced if coalesced is None else coalesced
    return SparseCreate.apply(vals, indices=a.indices, shape=a.shape, coalesced=keep)


def sparse_transpose(s: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two sparse dimensions (a new sparse tensor, uncoalesced as torch's)."""
    a = s._data
    nd = a.ndim
    d0, d1 = dim0 % nd if nd else 0, dim1 % nd if nd else 0
    if d0 == d1:
        return s
    if max(d0, d1) >= a.sparse_dim:
        raise _refuse("transposing a dense dimension of a hybrid tensor")
    order = list(range(a.sparse_dim))
    order[d0], order[d1] = order[d1], order[d0]
    shape = list(a.shape)
    shape[d0], shape[d1] = shape[d1], shape[d0]
    idx = a.indices[order]
    return SparseCreate.apply(SparseValues.apply(s), indices=idx, shape=tuple(shape))


def sparse_add(a: Tensor, b: Tensor, alpha: Any = 1) -> Tensor:
    """sparse + sparse: the entries of both, uncoalesced (torch's result)."""
    from .elementwise import mul
    from .shape import cat

    if a.shape != b.shape:
        raise RuntimeError(
            f"add: expected sizes of the sparse tensors to match, got {list(a.shape)} and "
            f"{list(b.shape)}"
        )
    dt = np.result_type(a._data.dtype, b._data.dtype)
    va, vb = SparseValues.apply(a).to(dtype=dt), SparseValues.apply(b).to(dtype=dt)
    if alpha != 1:
        vb = mul(vb, alpha)
    xp = get_array_module(a._data.values)
    idx = xp.concatenate([a._data.indices, b._data.indices], axis=1)
    return SparseCreate.apply(cat([va, vb]), indices=idx, shape=a._data.shape)


def sparse_mm(s: Tensor, d: Tensor) -> Tensor:
    """``torch.sparse.mm``: sparse (n, k) @ dense (k, m); the sparse operand's gradient is
    sparse with its own pattern.  sparse @ sparse gives a sparse result."""
    return _matmul(s, d, dense_grad=False, name="sparse.mm")


def _matmul(a: Tensor, b: Tensor, dense_grad: bool, name: str) -> Tensor:
    if is_sparse(b):
        if is_sparse(a):  # sparse @ sparse -> sparse (through the dense product of the two)
            return to_sparse(_matmul(a, to_dense(b), dense_grad, name))
        if a.ndim != 2:
            raise RuntimeError(
                f"{name}: a dense @ sparse product needs a 2-D dense operand, got "
                f"{list(a.shape)}: {SPARSE_FIX}"
            )
        # dense @ sparse = (sparse^T @ dense^T)^T, dense (as torch's result)
        return _matmul(sparse_transpose(b, 0, 1), a.t(), dense_grad, name).t()
    if not is_sparse(a):
        from .linalg import matmul

        return matmul(a, b)
    sa = a._data
    if sa.ndim != 2 or sa.sparse_dim != 2 or b.ndim not in (1, 2):
        raise RuntimeError(
            f"{name}: supports a 2-D sparse matrix (sparse_dim 2) times a 1-D or 2-D dense "
            f"tensor, got sparse {list(sa.shape)} (sparse_dim {sa.sparse_dim}) and dense "
            f"{list(b.shape)}: {SPARSE_FIX}"
        )
    if sa.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({sa.shape[0]}x{sa.shape[1]} and "
            f"{'x'.join(map(str, b.shape))})"
        )
    if sa.dtype != b._data.dtype:
        raise RuntimeError(
            f"{name}: expected both operands to have the same dtype, but got {a.dtype} and "
            f"{b.dtype}: convert one with .to(other.dtype)"
        )
    return SparseDenseMM.apply(a, b, dense_grad=dense_grad)


def sparse_addmm(
    input: Tensor,  # noqa: A002
    mat1: Tensor,
    mat2: Tensor,
    *,
    beta: float = 1,
    alpha: float = 1,
) -> Tensor:
    """``torch.sparse.addmm``: ``beta * input + alpha * (mat1 @ mat2)``, mat1 sparse."""
    prod = _matmul(mat1, mat2, dense_grad=False, name="sparse.addmm")
    return scaled_sum(input, beta, prod, alpha)


def smm(input: Tensor, mat: Tensor) -> Tensor:  # noqa: A002
    """``torch.smm``: the sparse (n, k) ``input`` times the dense (k, m) ``mat``, as a sparse
    COO tensor (the product's nonzero entries; torch may also store computed zeros, which
    ``to_dense`` cannot tell apart).

    Example:
        >>> import nablagrad as torch
        >>> s = torch.tensor([[0.0, 2.0], [3.0, 0.0]]).to_sparse()
        >>> torch.smm(s, torch.eye(2)).to_dense()
        tensor([[0., 2.],
                [3., 0.]])
    """
    _need_sparse(input, "smm")
    return to_sparse(_matmul(input, mat, dense_grad=False, name="smm"))


def sspaddmm(
    input: Tensor,  # noqa: A002
    mat1: Tensor,
    mat2: Tensor,
    *,
    beta: Any = 1,
    alpha: Any = 1,
) -> Tensor:
    """``torch.sspaddmm``: ``beta * input + alpha * (mat1 @ mat2)`` for sparse ``input`` and
    ``mat1`` and dense ``mat2``, as a sparse COO tensor.

    Example:
        >>> import nablagrad as torch
        >>> s = torch.tensor([[0.0, 2.0], [3.0, 0.0]]).to_sparse()
        >>> torch.sspaddmm(s, s, torch.eye(2), beta=2, alpha=0.5).to_dense()
        tensor([[0.0000, 5.0000],
                [7.5000, 0.0000]])
    """
    _need_sparse(input, "sspaddmm")
    _need_sparse(mat1, "sspaddmm")
    prod = _matmul(mat1, mat2, dense_grad=False, name="sspaddmm")
    if tuple(input.shape) != tuple(prod.shape):
        raise RuntimeError(
            f"sspaddmm: input of shape {list(input.shape)} cannot be added to mat1 @ mat2 of "
            f"shape {list(prod.shape)}"
        )
    return to_sparse(scaled_sum(to_dense(input), beta, prod, alpha))


def hspmm(mat1: Tensor, mat2: Tensor) -> Tensor:
    """``torch.hspmm``: the sparse (n, k) ``mat1`` times the dense (k, m) ``mat2`` as a hybrid
    sparse COO tensor (sparse rows, each a dense row of m values: sparse_dim 1, dense_dim 1).

    Example:
        >>> import nablagrad as torch
        >>> s = torch.tensor([[0.0, 2.0], [0.0, 0.0]]).to_sparse()
        >>> r = torch.hspmm(s, torch.eye(2))
        >>> r.sparse_dim(), r.dense_dim(), r.to_dense()
        (1, 1, tensor([[0., 2.],
                [0., 0.]]))
    """
    _need_sparse(mat1, "hspmm")
    return to_sparse(_matmul(mat1, mat2, dense_grad=False, name="hspmm"), 1)


def sparse_sum(s: Tensor, dim: Any = None, dtype: Any = None) -> Tensor:
    """``torch.sparse.sum``: all entries (a dense 0-d tensor), or over sparse dims ``dim``
    (a coalesced sparse tensor of the remaining dims; dense when only dense dims remain)."""
    from .reduce import sum as _sum

    _need_sparse(s, "sparse.sum")
    a = s._data
    if dtype is not None:
        s = map_values(s, lambda v: v.to(dtype=dtype))
    elif a.dtype.kind in "biu":
        s = map_values(s, lambda v: v.long())
    if dim is None:
        return _sum(SparseValues.apply(s))
    dims = sorted({int(d) % a.ndim for d in (dim if isinstance(dim, (tuple, list)) else (dim,))})
    if any(d >= a.sparse_dim for d in dims):
        raise _refuse("sparse.sum over a dense dimension of a hybrid tensor")
    keep = [d for d in range(a.sparse_dim) if d not in dims]
    vals = SparseValues.apply(s)
    if not keep:
        return _sum(vals, 0)
    shape = tuple(a.shape[d] for d in keep) + a.shape[a.sparse_dim :]
    part = SparseCreate.apply(vals, indices=s._data.indices[keep], shape=shape)
    return coalesce(part)


def _sparse_softmax(s: Tensor, dim: int, dtype: Any, log: bool) -> Tensor:
    from .elementwise import exp
    from .elementwise import log as _log
    from .fused import log_softmax, softmax
    from .index import index_add

    name = "sparse.log_softmax" if log else "sparse.softmax"
    _need_sparse(s, name)
    if dtype is not None:
        s = map_values(s, lambda v: v.to(dtype=dtype))
    if s._data.dtype.kind not in "fc":
        raise RuntimeError(f"{name}: expected a floating point tensor, got {s.dtype}")
    c = coalesce(s)
    a = c._data
    nd, sd = a.ndim, a.sparse_dim
    if not -nd <= dim < nd:
        raise IndexError(f"{name}: dim {dim} is out of range for a {nd}-D tensor")
    dim %= nd
    vals = SparseValues.apply(c)
    if dim >= sd:  # a dense dimension: the softmax of each stored slice
        out = (log_softmax if log else softmax)(vals, dim - sd + 1)
    else:
        # entries that differ only along ``dim`` form a group; unstored entries count as -inf
        xp = get_array_module(a.values)
        others = [d for d in range(sd) if d != dim]
        keys = _keys(a.indices[others], tuple(a.shape[d] for d in others))
        _, gid = xp.unique(keys, return_inverse=True)
        gid = gid.reshape(-1).astype(np.int64)
        groups = int(gid.max()) + 1 if gid.size else 0
        top = xp.full((groups,) + a.values.shape[1:], -np.inf, dtype=a.values.dtype)
        xp.maximum.at(top, gid, a.values)  # a shift per group (constant for autograd)
        gidt = _idx_tensor(gid)
        shifted = vals - Tensor._wrap(top[gid])
        e = exp(shifted)
        zeros = Tensor._wrap(xp.zeros_like(top))
        total = index_add(zeros, 0, gidt, e).index_select(0, gidt)
        out = shifted - _log(total) if log else e / total
    return SparseCreate.apply(out, indices=a.indices, shape=a.shape, coalesced=True)


def sparse_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``torch.sparse.softmax``: softmax along ``dim`` over the stored entries, unstored ones
    counting as -inf (they stay unstored); the result is coalesced.

    Example:
        >>> import nablagrad as torch
        >>> s = torch.sparse_coo_tensor([[0, 0, 1], [0, 2, 1]], [0.0, 0.0, 5.0], (2, 3))
        >>> torch.sparse.softmax(s, 1).to_dense().tolist()
        [[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]]
    """
    return _sparse_softmax(input, dim, dtype, log=False)


def sparse_log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``torch.sparse.log_softmax``: the logarithm of :func:`sparse_softmax`, computed stably."""
    return _sparse_softmax(input, dim, dtype, log=True)


# -- the dispatch of dense primitives reached with a sparse operand ---------------------------


def _scalar_of(t: Any) -> bool:
    return not is_sparse(t) and t.ndim == 0


def dispatch(cls: type, tensors: tuple, kwargs: dict) -> Tensor:
    """Called by ``Function.apply`` when primitive ``cls`` failed with a sparse input: the
    sparse version of the operation, or an error naming the fix."""
    name = cls.__name__
    if name in ("Add", "Sub") and len(tensors) == 2:
        a, b = tensors
        if name == "Sub":
            b = map_values(b, lambda v: -v) if is_sparse(b) else -b
        if is_sparse(a) and is_sparse(b):
            return sparse_add(a, b)
        if is_sparse(b):  # dense + sparse -> dense
            return a + to_dense(b)
        raise RuntimeError(
            "add(sparse, dense) is not supported. Use add(dense, sparse) instead, or call "
            ".to_dense() on the sparse operand"
        )
    if name in ("Mul", "Div") and len(tensors) == 2:
        a, b = tensors
        if name == "Mul" and not is_sparse(a):
            a, b = b, a
        if is_sparse(a) and _scalar_of(b):
            if name == "Mul":
                return map_values(a, lambda v: v * b)
            return map_values(a, lambda v: v / b)
        if name == "Mul" and is_sparse(a) and not is_sparse(b) and b.shape == a.shape:
            # sparse * dense of one shape: sparse, with the dense values at the stored entries
            idx = tuple(_idx_tensor(r) for r in a._data.indices)
            return map_values(a, lambda v: v * b[idx])
        if name == "Mul" and is_sparse(a) and is_sparse(b):
            return to_sparse(to_dense(a) * to_dense(b))
        raise _refuse(f"{name.lower()} of a sparse tensor by this operand")
    if name == "Neg":
        return map_values(tensors[0], lambda v: -v)
    if name == "MatMul":
        return _matmul(tensors[0], tensors[1], dense_grad=True, name="mm")
    if name in ("Permute", "Transpose", "TransposeT"):
        axes = kwargs.get("axes", ())
        moved = [i for i, ax in enumerate(axes) if ax != i]
        if len(moved) == 2 and len(axes) == tensors[0].ndim:
            return sparse_transpose(tensors[0], moved[0], moved[1])
        raise _refuse("permute")
    if name == "Cast":
        return map_values(tensors[0], lambda v: v.to(dtype=kwargs["dtype"]))
    if name == "ToDevice":
        s = tensors[0]
        device = kwargs["device"]
        a = s._data
        vals = SparseValues.apply(s).to(device=device)
        idx = backend.to_device(a.indices, device)
        return SparseCreate.apply(vals, indices=idx, shape=a.shape, coalesced=a.coalesced)
    if name == "Sum" and len(tensors) == 1:
        axes = kwargs.get("axes")
        if kwargs.get("keepdim"):
            raise _refuse("sum with keepdim=True")
        if axes is None or len(axes) == tensors[0].ndim:
            return sparse_sum(tensors[0])
        return sparse_sum(tensors[0], tuple(axes))
    raise _refuse(f"{name.lower()} (nablagrad.{name.lower()})")
