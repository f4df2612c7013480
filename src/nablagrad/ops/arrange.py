"""Rearranging and combining tensors: roll, repeat_interleave, tile, grids, flips and
rotations, stacking, select/take, diff.

Composed from the shape and indexing primitives, so they are differentiable.

Example:
    >>> import nablagrad as torch
    >>> x, y = torch.meshgrid(torch.arange(2), torch.arange(3), indexing="ij")
    >>> x.shape
    nablagrad.Size([2, 3])
"""

from __future__ import annotations

from typing import Any

from .. import _validate
from ..autograd.function import torch_node
from ..backend import get_array_module, np
from ..tensor import Tensor
from . import compare as cmp
from . import index as ix
from . import shape as sh
from .shape import _axis


@torch_node("RollBackward0")
def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """Shift elements cyclically along ``dims`` (the flattened tensor when ``dims`` is None)."""
    if dims is None:
        return roll(input.reshape(-1), shifts, 0).reshape(input.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts ({len(shifts)}) and dims ({len(dims)}) must align")
    out = input
    for s, d in zip(shifts, dims):
        ax = _axis(d, input.ndim)
        n = input.shape[ax]
        if n == 0:
            continue
        idx = (np.arange(n) - s) % n
        out = out[(slice(None),) * ax + (Tensor._wrap(idx.astype(np.int64)),)]
    return out


@_validate.numpy_names
def repeat_interleave(
    input: Any,  # noqa: A002
    repeats: Any = None,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> Tensor:
    """Repeat each element ``repeats`` times (an int or one count per element along ``dim``)."""
    if repeats is None:  # repeat_interleave(counts): indices repeated by counts
        counts = _repeat_counts(input)
        return Tensor._wrap(np.repeat(np.arange(len(counts), dtype=np.int64), counts))
    x = input if dim is not None else input.reshape(-1)
    ax = _axis(dim, x.ndim) if dim is not None else 0
    n = x.shape[ax] if x.ndim else 1
    r = _repeat_counts(repeats)
    r = r.reshape(-1) if not isinstance(r, int) else r
    if not isinstance(r, int) and r.size not in (1, n):
        raise RuntimeError(f"repeat_interleave: repeats must have {n} elements, got {r.size}")
    idx = np.repeat(np.arange(n, dtype=np.int64), r)
    return x[(slice(None),) * ax + (Tensor._wrap(idx),)]


def _repeat_counts(repeats: Any) -> Any:
    """``repeats`` checked as torch does: a non-negative int, or an integer tensor (or list)
    of non-negative counts, returned as an int or an array."""
    if isinstance(repeats, (bool, float)):
        raise TypeError(
            f"repeat_interleave(): repeats must be an int or a Tensor, not {type(repeats).__name__}"
        )
    if isinstance(repeats, int):
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        return repeats
    if isinstance(repeats, Tensor):
        r = repeats._data
        if r.dtype.kind not in "iu":
            raise NotImplementedError(
                f"\"repeat_interleave_cpu\" not implemented for '{repeats.dtype}'"
            )
    else:
        r = np.asarray(repeats)
    if r.size and r.min() < 0:
        raise RuntimeError("repeats can not be negative")
    return r


def tile(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return sh.repeat(input, *dims)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors; ``indexing="ij"`` (torch's default) or ``"xy"``."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f'meshgrid: indexing must be "ij" or "xy", got {indexing!r}')
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError("meshgrid: expects all tensors to be 0- or 1-dimensional")
    ts = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t.shape[0] for t in ts)
    out = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = shape[i]
        out.append(t.reshape(*view).expand(*shape))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def cartesian_prod(*tensors: Tensor) -> Tensor:
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return sh.stack([g.reshape(-1) for g in grids], 1)


@_validate.numpy_names
def diff(
    input: Tensor,  # noqa: A002
    n: int = 1,
    dim: int = -1,
    prepend: Tensor | None = None,
    append: Tensor | None = None,
) -> Tensor:
    """n-th forward difference along ``dim``."""
    ax = _axis(dim, input.ndim)
    x = input
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = sh.cat(parts, ax)
    for _ in range(n):
        m = x.shape[ax]
        if m == 0:
            break
        hi, lo = sh.narrow(x, ax, 1, m - 1), sh.narrow(x, ax, 0, m - 1)
        x = cmp.logical_xor(hi, lo) if x._data.dtype.kind == "b" else hi - lo
    return x


def flipud(input: Tensor) -> Tensor:  # noqa: A002
    """Reverse the first dimension (the input must be at least 1-D)."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return sh.flip(input, (0,))


def fliplr(input: Tensor) -> Tensor:  # noqa: A002
    """Reverse the second dimension (the input must be at least 2-D)."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return sh.flip(input, (1,))


@torch_node("Rot90Backward0")
def rot90(input: Tensor, k: int = 1, dims: Any = (0, 1)) -> Tensor:  # noqa: A002
    """Rotate by ``k`` quarter turns in the plane of ``dims``, from its first axis to its second."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = dims
    if d0 == d1 or _axis(d0, input.ndim) == _axis(d1, input.ndim):
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}"
        )
    k %= 4
    if k == 1:
        return sh.flip(input, (d1,)).transpose(d0, d1)
    if k == 2:
        return sh.flip(input, (d0, d1))
    if k == 3:
        return sh.flip(input.transpose(d0, d1), (d1,))
    return input.clone()


def _atleast(t: Tensor, n: int) -> Tensor:
    if t.ndim >= n:
        return t
    if n == 2:
        return t.reshape(1, -1)
    return t.reshape(1, -1, 1) if t.ndim == 1 else t.reshape(*t.shape, 1)


def _non_empty(tensors: Any, name: str) -> list:
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors: Any) -> Tensor:
    ts = [t.reshape(1) if t.ndim == 0 else t for t in _non_empty(tensors, "hstack")]
    return sh.cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Any) -> Tensor:
    ts = _non_empty(tensors, "vstack")
    return sh.cat([_atleast(t.reshape(1) if t.ndim == 0 else t, 2) for t in ts], 0)


row_stack = vstack


def dstack(tensors: Any) -> Tensor:
    ts = []
    for t in _non_empty(tensors, "dstack"):
        t = t.reshape(1) if t.ndim == 0 else t
        ts.append(t.reshape(1, -1, 1) if t.ndim == 1 else (t.unsqueeze(-1) if t.ndim == 2 else t))
    return sh.cat(ts, 2)


def column_stack(tensors: Any) -> Tensor:
    ts = _non_empty(tensors, "column_stack")
    return sh.cat([t.reshape(-1, 1) if t.ndim <= 1 else t for t in ts], 1)


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    return input.reshape(-1)


@_validate.numpy_names
def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    ax = _axis(dim, input.ndim)
    return input[(slice(None),) * ax + (index,)]


@torch_node("TakeBackward0")
def take(input: Tensor, index: Tensor) -> Tensor:  # noqa: A002
    return input.reshape(-1)[index]


@_validate.numpy_names
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    if dim is None:
        return input.reshape(-1)[indices.reshape(-1)]
    a, i = input, indices
    ax = _axis(dim, a.ndim)
    sa, si = list(a.shape), list(i.shape)
    sa[ax] = si[ax] = 1  # every dimension but ``dim`` broadcasts (torch's rule)
    shape = list(_validate.broadcast_shapes([tuple(sa), tuple(si)], "take_along_dim"))
    shape_a, shape_i = list(shape), list(shape)
    shape_a[ax], shape_i[ax] = a.shape[ax], i.shape[ax]
    idx = get_array_module(i._data).broadcast_to(i._data, shape_i)
    return ix.gather(a.expand(*shape_a), ax, Tensor._wrap(idx))


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:  # noqa: A002
    return input.clone(memory_format=memory_format)
