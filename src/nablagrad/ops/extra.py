"""The rest of torch's elementwise, sorting, triangular and grid functions.

Hyperbolic and inverse trigonometric functions, the error and gamma families, ``atan2``,
``fmod``, ``copysign`` and ``cumprod`` are primitives (forward and backward side by side, the
backward written once for raw arrays and Tensors).  Everything else is composed from primitives
(``logaddexp``, ``xlogy``, ``sort`` through ``gather``, ``roll`` through indexing ...), so it is
differentiable wherever torch's is.

Example:
    >>> import nablagrad as torch
    >>> x, y = torch.meshgrid(torch.arange(2), torch.arange(3), indexing="ij")
    >>> x.shape
    nablagrad.Size([2, 3])
    >>> torch.sinh(torch.tensor([0.0]))
    tensor([0.])
"""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from typing import Any

from ..autograd import gradmath, is_grad_enabled
from ..autograd.function import Function
from ..backend import get_array_module, np, special_module
from ..tensor import Tensor
from . import compare as cmp
from . import elementwise as ew
from . import index as ix
from . import reduce as rd
from . import shape as sh
from .elementwise import _float_dtype_for, prepare
from .reduce import Cumsum
from .shape import Flip

SortResult = namedtuple("SortResult", ["values", "indices"])
TopkResult = namedtuple("TopkResult", ["values", "indices"])


def _axis(dim: int, ndim: int) -> int:
    return rd.normalize_dims(dim, ndim)[0] if ndim else 0


def _t(x: Any) -> Tensor:
    """Python numbers and arrays as constant Tensors."""
    if isinstance(x, Tensor):
        return x
    return Tensor._wrap(np.asarray(x)) if not isinstance(x, (int, float, bool)) else x


def _special(x: Any, name: str, *args: Any) -> Any:
    out = getattr(special_module(x), name)(*args, x)
    return out.astype(x.dtype, copy=False)


# ---------------------------------------------------------------------------------------------
# hand-written primitives (the elementwise ones -- sinh, erf, atan2, xlogy ... -- are rows of
# ops/table.py)
# ---------------------------------------------------------------------------------------------


class Polygamma(Function):
    """polygamma(n, x); n = 0 is digamma.  d/dx polygamma(n, x) = polygamma(n + 1, x)."""

    def forward(self, x, n=0):
        self.n = n
        return _special(x, "polygamma", n)

    def backward(self, g, out, x):
        return (g * self.m.call(Polygamma, x, n=self.n + 1),)


gradmath.register(
    "digamma", lambda x: _special(x, "polygamma", 0), lambda x: Polygamma.apply(x, n=0)
)


class Cumprod(Function):
    """out_i = x_0 * ... * x_i along ``axis``."""

    def forward(self, x, axis=0):
        self.axis = axis
        return get_array_module(x).cumprod(x, axis=axis)

    def backward(self, g, out, x):
        ax, m = self.axis, self.m
        rx = m.raw(x)
        xp = get_array_module(rx)
        if not bool((rx == 0).any()):
            # d out_j / d x_i = out_j / x_i for j >= i: a reversed cumulative sum of g * out
            go = g * out
            rev = m.call(Flip, m.call(Cumsum, m.call(Flip, go, axes=(ax,)), axis=ax), axes=(ax,))
            return (rev / x,)
        if m.tensors:
            raise RuntimeError(
                "cumprod: a second derivative through an input with zeros is not supported"
            )
        # zeros present: sum_{j >= i} g_j * prod_{k <= j, k != i} x_k, one position at a time
        xm, gm = xp.moveaxis(rx, ax, -1), xp.moveaxis(g, ax, -1)
        grad = xp.zeros_like(xm)
        for i in range(xm.shape[-1]):
            others = xm.copy()
            others[..., i] = 1
            grad[..., i] = (gm[..., i:] * xp.cumprod(others, axis=-1)[..., i:]).sum(-1)
        return (xp.moveaxis(grad, -1, ax),)


def digamma(x: Tensor) -> Tensor:
    """d/dx log Gamma(x)."""
    return Polygamma.apply(_float_dtype_for(x), n=0)


def polygamma(n: int, x: Tensor) -> Tensor:
    """The n-th derivative of digamma."""
    return Polygamma.apply(_float_dtype_for(x), n=int(n))


class NoDerivative(Function):
    """Carries a precomputed result of an operation torch does not differentiate; backward
    raises (as torch's does) instead of silently returning a result without a graph."""

    def forward(self, x, value=None, name=""):
        self.name = name
        return value

    def backward(self, g, out, x):
        raise RuntimeError(f"the derivative for '{self.name}' is not implemented (as in torch)")


def _no_derivative(name: str, value: Any, x: Tensor) -> Tensor:
    if x.requires_grad and is_grad_enabled():
        return NoDerivative.apply(x, value=value, name=name)
    return Tensor._wrap(value)


class Atan2(Function):
    """The angle of the point (b, a); d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)."""

    def forward(self, a, b):
        return get_array_module(a).arctan2(a, b)

    def backward(self, g, out, a, b):
        r = a * a + b * b
        return (g * b / r if self.needs(0) else None, -g * a / r if self.needs(1) else None)


def atan2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The angle of the point (other, input): arctan(input / other) in the right quadrant."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(
            "atan2(): input and other must be Tensors (as in torch); wrap numbers with "
            "nablagrad.tensor(...)"
        )
    a, b = prepare(input, other)
    if a._data.dtype.kind != "f":
        a, b = _float_dtype_for(a), _float_dtype_for(b)
    return Atan2.apply(a, b)


def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """out_i = x_0 * x_1 * ... * x_i along ``dim``."""
    x = input.to(dtype=dtype) if dtype is not None else input
    if x.dtype.category < 2:
        x = x.to(dtype=np.int64)
    return Cumprod.apply(x, axis=_axis(dim, x.ndim))


# ---------------------------------------------------------------------------------------------
# composed elementwise functions
# ---------------------------------------------------------------------------------------------


def exp2(x: Tensor) -> Tensor:
    return ew.pow(2.0, _float_dtype_for(x))


def deg2rad(x: Tensor) -> Tensor:
    return _float_dtype_for(x) * (math.pi / 180)


def rad2deg(x: Tensor) -> Tensor:
    return _float_dtype_for(x) * (180 / math.pi)


def frac(x: Tensor) -> Tensor:
    """x - trunc(x)."""
    return x - ew.trunc(x)


def logit(x: Tensor, eps: float | None = None) -> Tensor:
    """log(x / (1 - x)), with x clamped to [eps, 1 - eps] when ``eps`` is given."""
    x = _float_dtype_for(x)
    if eps is not None:
        x = ew.clamp(x, eps, 1 - eps)
    return ew.log(x / (1 - x))


def sinc(x: Tensor) -> Tensor:
    """sin(pi x) / (pi x), 1 at 0."""
    x = _float_dtype_for(x)
    zero = x == 0
    one = Tensor._wrap(get_array_module(x._data).ones((), dtype=x._data.dtype))
    px = ew.where(zero, one, x) * math.pi
    return ew.where(zero, one, ew.sin(px) / px)


def hypot(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """sqrt(a^2 + b^2)."""
    a, b = prepare(input, other)
    return ew.sqrt(a * a + b * b)


def logaddexp(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """log(e^a + e^b), computed as max(a, b) + log1p(e^-|a - b|)."""
    a, b = prepare(input, other)
    a, b = _float_dtype_for(a), _float_dtype_for(b)
    m = ew.maximum(a, b)
    return m + ew.log1p(ew.exp(-ew.abs(a - b)))


def logaddexp2(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """log2(2^a + 2^b)."""
    ln2 = math.log(2.0)
    return logaddexp(input * ln2, other * ln2) / ln2


def float_power(input: Any, exponent: Any) -> Tensor:  # noqa: A002
    """input ** exponent in float64."""
    a = _t(input)
    b = _t(exponent)
    a = a.to(dtype=np.float64) if isinstance(a, Tensor) else float(a)
    b = b.to(dtype=np.float64) if isinstance(b, Tensor) else float(b)
    return ew.pow(a, b)


def nan_to_num(
    input: Tensor,  # noqa: A002
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> Tensor:
    """NaN -> ``nan``, +inf -> ``posinf`` (default: the dtype's max), -inf -> ``neginf``."""
    if input._data.dtype.kind != "f":
        return input.clone()
    fi = np.finfo(input._data.dtype)
    hi = fi.max if posinf is None else posinf
    lo = fi.min if neginf is None else neginf
    xp = get_array_module(input._data)
    raw = input._data
    fill = xp.where(xp.isnan(raw), nan, xp.where(raw > 0, hi, lo)).astype(raw.dtype)
    return ew.where(cmp.isfinite(input), input, Tensor._wrap(fill))


def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    return ew.clamp(input, min=min)


def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    return ew.clamp(input, max=max)


def signbit(input: Tensor) -> Tensor:  # noqa: A002
    xp = get_array_module(input._data)
    return Tensor._wrap(xp.signbit(input._data))


def heaviside(input: Tensor, values: Any) -> Tensor:  # noqa: A002
    """0 where x < 0, ``values`` where x == 0, 1 where x > 0 (not differentiable, as torch)."""
    v = values._data if isinstance(values, Tensor) else values
    xp = get_array_module(input._data)
    return _no_derivative(
        "heaviside", xp.heaviside(input._data, v).astype(input._data.dtype), input
    )


def isin(elements: Any, test_elements: Any, *, invert: bool = False) -> Tensor:
    e = _t(elements)._data if not isinstance(elements, (int, float)) else np.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    xp = get_array_module(e)
    return Tensor._wrap(xp.isin(e, t, invert=invert))


def isposinf(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor._wrap(get_array_module(input._data).isposinf(input._data))


def isneginf(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor._wrap(get_array_module(input._data).isneginf(input._data))


def isreal(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor._wrap(get_array_module(input._data).isreal(input._data))


def addcmul(input: Tensor, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:  # noqa: A002
    """input + value * tensor1 * tensor2."""
    return input + value * (tensor1 * tensor2)


def addcdiv(input: Tensor, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:  # noqa: A002
    """input + value * tensor1 / tensor2."""
    return input + value * (tensor1 / tensor2)


def addmm(
    input: Tensor,  # noqa: A002
    mat1: Tensor,
    mat2: Tensor,
    *,
    beta: float = 1,
    alpha: float = 1,
) -> Tensor:
    """beta * input + alpha * mat1 @ mat2."""
    from .linalg import mm

    prod = mm(mat1, mat2)
    return (input if beta == 1 else beta * input) + (prod if alpha == 1 else alpha * prod)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:  # noqa: A002
    from .linalg import mv

    prod = mv(mat, vec)
    return (input if beta == 1 else beta * input) + (prod if alpha == 1 else alpha * prod)


def baddbmm(
    input: Tensor,  # noqa: A002
    batch1: Tensor,
    batch2: Tensor,
    *,
    beta: float = 1,
    alpha: float = 1,
) -> Tensor:
    from .linalg import bmm

    prod = bmm(batch1, batch2)
    return (input if beta == 1 else beta * input) + (prod if alpha == 1 else alpha * prod)


def inner(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Sum over the last dimension of both."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return _inner(input, other)


def _inner(a: Tensor, b: Tensor) -> Tensor:
    from .linalg import matmul

    out_shape = tuple(a.shape[:-1]) + tuple(b.shape[:-1])
    res = matmul(a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1]).t())
    return res.reshape(out_shape)


def vdot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return (input * other).sum()


def cross(input: Tensor, other: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    """The 3-D cross product along ``dim`` (default: the first dimension of size 3)."""
    a, b = sh.broadcast_tensors(input, other)
    if dim is None:
        dim = next((i for i, n in enumerate(a.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError("cross: no dimension of size 3 in input")
    ax = _axis(dim, a.ndim)
    if a.shape[ax] != 3:
        raise RuntimeError(f"cross: dimension {dim} does not have size 3 (size {a.shape[ax]})")
    a0, a1, a2 = sh.unbind(a, ax)
    b0, b1, b2 = sh.unbind(b, ax)
    return sh.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], ax)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:  # noqa: A002
    return rd.norm(input - other, p)


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """Contract the last ``dims`` axes of ``a`` with the first of ``b`` (or listed axes)."""
    from .linalg import matmul

    if isinstance(dims, int):
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    da = [d % a.ndim for d in da]
    db = [d % b.ndim for d in db]
    free_a = [i for i in range(a.ndim) if i not in da]
    free_b = [i for i in range(b.ndim) if i not in db]
    k = int(np.prod([a.shape[i] for i in da])) if da else 1
    am = a.permute(*(free_a + da)).reshape(-1, k)
    bm = b.permute(*(db + free_b)).reshape(k, -1)
    shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[i] for i in free_b)
    return matmul(am, bm).reshape(shape)


def kron(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The Kronecker product (both tensors brought to the same number of dimensions)."""
    n = builtins.max(input.ndim, other.ndim)
    a = input.reshape((1,) * (n - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (n - other.ndim) + tuple(other.shape))
    ai = a.reshape(tuple(s for d in a.shape for s in (d, 1)))
    bi = b.reshape(tuple(s for d in b.shape for s in (1, d)))
    return (ai * bi).reshape(tuple(p * q for p, q in zip(a.shape, b.shape)))


# ---------------------------------------------------------------------------------------------
# sorting and selection
# ---------------------------------------------------------------------------------------------


def _argsort_raw(raw: Any, axis: int, descending: bool, stable: bool) -> Any:
    xp = get_array_module(raw)
    if raw.ndim == 0:
        return xp.zeros((), dtype=np.int64)
    if not descending:
        return xp.argsort(raw, axis=axis, kind="stable" if stable else None).astype(np.int64)
    key = raw.astype(np.int64) if raw.dtype.kind in "bu" else raw
    return xp.argsort(-key, axis=axis, kind="stable").astype(np.int64)


def argsort(
    input: Tensor,  # noqa: A002
    dim: int = -1,
    descending: bool = False,
    stable: bool = False,
) -> Tensor:
    """Indices that sort ``input`` along ``dim``."""
    return Tensor._wrap(_argsort_raw(input._data, _axis(dim, input.ndim), descending, stable))


def sort(
    input: Tensor,  # noqa: A002
    dim: int = -1,
    descending: bool = False,
    stable: bool = False,
) -> SortResult:
    """(values, indices) sorted along ``dim``; values are differentiable."""
    idx = argsort(input, dim, descending, stable)
    if input.ndim == 0:
        return SortResult(input.clone(), idx)
    return SortResult(ix.gather(input, dim, idx), idx)


def msort(input: Tensor) -> Tensor:  # noqa: A002
    return sort(input, 0).values


def topk(
    input: Tensor,  # noqa: A002
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002
) -> TopkResult:
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    ax = _axis(dim, input.ndim)
    n = input.shape[ax] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension of size {n}")
    idx_all = _argsort_raw(input._data, ax, largest, True)
    xp = get_array_module(idx_all)
    idx = Tensor._wrap(xp.take(idx_all, xp.arange(k), axis=ax) if input.ndim else idx_all)
    if input.ndim == 0:
        return TopkResult(input.clone(), idx)
    return TopkResult(ix.gather(input, ax, idx), idx)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> SortResult:  # noqa: A002
    """The k-th smallest value along ``dim`` (1-based) and its index."""
    ax = _axis(dim, input.ndim)
    s = sort(input, ax, stable=True)
    v = sh.narrow(s.values, ax, k - 1, 1)
    i = sh.narrow(s.indices, ax, k - 1, 1)
    if not keepdim:
        v, i = v.squeeze(ax), i.squeeze(ax)
    return SortResult(v, i)


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:  # noqa: A002
    """The lower median (torch's): of all elements, or (values, indices) along ``dim``."""
    if dim is None:
        flat = input.reshape(-1)
        return kthvalue(flat, (flat.shape[0] + 1) // 2, 0).values
    ax = _axis(dim, input.ndim)
    return kthvalue(input, (input.shape[ax] + 1) // 2, ax, keepdim)


def nansum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    zero = Tensor._wrap(np.zeros((), dtype=input._data.dtype))
    x = ew.where(cmp.isnan(input), zero, input) if input._data.dtype.kind == "f" else input
    if dtype is not None:
        x = x.to(dtype=dtype)
    return rd.sum(x, dim, keepdim) if dim is not None else rd.sum(x)


def nanmean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:  # noqa: A002
    keep = cmp.logical_not(cmp.isnan(input))
    count = rd.sum(keep.to(dtype=input.dtype), dim, keepdim) if dim is not None else keep.sum()
    return nansum(input, dim, keepdim, dtype=dtype) / count


# ---------------------------------------------------------------------------------------------
# shape, triangles, diagonals, grids
# ---------------------------------------------------------------------------------------------


def _mask_keep(x: Tensor, mask: Any) -> Tensor:
    zero = Tensor._wrap(get_array_module(x._data).zeros((), dtype=x._data.dtype))
    return ew.where(Tensor._wrap(mask), x, zero)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """Lower triangle of the last two dims (on and below ``diagonal``), zeros elsewhere."""
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    n, m = input.shape[-2:]
    xp = get_array_module(input._data)
    return _mask_keep(input, xp.tri(n, m, diagonal, dtype=bool))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """Upper triangle of the last two dims (on and above ``diagonal``), zeros elsewhere."""
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    n, m = input.shape[-2:]
    xp = get_array_module(input._data)
    return _mask_keep(input, ~xp.tri(n, m, diagonal - 1, dtype=bool))


def _tri_indices(row: int, col: int, offset: int, upper: bool, dtype: Any, device: Any) -> Tensor:
    mask = (
        ~np.tri(row, col, offset - 1, dtype=bool) if upper else np.tri(row, col, offset, dtype=bool)
    )
    r, c = np.nonzero(mask)
    out = Tensor._wrap(np.stack([r, c]).astype(np.int64))
    return out.to(dtype=dtype) if dtype is not None else out


def tril_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype: Any = None,
    device: Any = None,
    layout: Any = None,
) -> Tensor:
    return _tri_indices(row, col, offset, False, dtype, device)


def triu_indices(
    row: int,
    col: int,
    offset: int = 0,
    *,
    dtype: Any = None,
    device: Any = None,
    layout: Any = None,
) -> Tensor:
    return _tri_indices(row, col, offset, True, dtype, device)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """The diagonal of dims (dim1, dim2), moved to the last dimension."""
    d1, d2 = _axis(dim1, input.ndim), _axis(dim2, input.ndim)
    if d1 == d2:
        raise RuntimeError("diagonal dimensions cannot be identical")
    rest = [i for i in range(input.ndim) if i not in (d1, d2)]
    x = input.permute(*rest, d1, d2)
    n, m = x.shape[-2:]
    if offset >= 0:
        k = builtins.max(builtins.min(n, m - offset), 0)
        rows, cols = np.arange(k), np.arange(k) + offset
    else:
        k = builtins.max(builtins.min(n + offset, m), 0)
        rows, cols = np.arange(k) - offset, np.arange(k)
    return x[(Ellipsis, Tensor._wrap(rows), Tensor._wrap(cols))]


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: A002
    """Batched diagonal matrices with ``input``'s last dimension on the diagonal."""
    if (dim1, dim2) != (-2, -1) and (dim1, dim2) != (input.ndim - 1, input.ndim):
        raise NotImplementedError("diag_embed: only the default dim1=-2, dim2=-1 are supported")
    k = input.shape[-1]
    n = k + builtins.abs(offset)
    xp = get_array_module(input._data)
    cols = np.arange(k) + builtins.max(offset, 0)
    rows = cols - offset
    sel = xp.zeros((k, n, n), dtype=input._data.dtype)
    sel[np.arange(k), rows, cols] = 1  # sel[k] is the one-hot matrix of the k-th diagonal slot
    from .linalg import matmul

    flat = matmul(input, Tensor._wrap(sel.reshape(k, n * n)))
    return flat.reshape(*input.shape[:-1], n, n)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:  # noqa: A002
    """1-D input: a square matrix with it on the ``diagonal``; 2-D input: that diagonal."""
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:
        return globals()["diagonal"](input, diagonal)
    raise RuntimeError(f"diag(): expected a 1-D or 2-D tensor, got {input.ndim}-D")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:  # noqa: A002
    return diag_embed(input.reshape(-1), offset)


def trace(input: Tensor) -> Tensor:  # noqa: A002
    """Sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return diagonal(input).sum()


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


def repeat_interleave(
    input: Any,  # noqa: A002
    repeats: Any = None,
    dim: int | None = None,
    *,
    output_size: int | None = None,
) -> Tensor:
    """Repeat each element ``repeats`` times (an int or one count per element along ``dim``)."""
    if repeats is None:  # repeat_interleave(counts): indices repeated by counts
        counts = input._data
        return Tensor._wrap(np.repeat(np.arange(len(counts), dtype=np.int64), counts))
    x = input if dim is not None else input.reshape(-1)
    ax = _axis(dim, x.ndim) if dim is not None else 0
    n = x.shape[ax] if x.ndim else 1
    r = repeats._data if isinstance(repeats, Tensor) else repeats
    r = np.asarray(r).reshape(-1) if not isinstance(r, int) else r
    if not isinstance(r, int) and r.size not in (1, n):
        raise RuntimeError(f"repeat_interleave: repeats must have {n} elements, got {r.size}")
    idx = np.repeat(np.arange(n, dtype=np.int64), r)
    return x[(slice(None),) * ax + (Tensor._wrap(idx),)]


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


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:  # noqa: A002
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or a tuple of 1-D ones."""
    xp = get_array_module(input._data)
    raw = input._data if input.ndim else input._data.reshape(1)
    idx = xp.nonzero(raw)
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64)) for i in idx)
    if input.ndim == 0:
        return Tensor._wrap(xp.zeros((int(idx[0].size), 0), dtype=np.int64))
    return Tensor._wrap(xp.stack(idx, axis=1).astype(np.int64))


def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    return nonzero(input)


def unique(
    input: Tensor,  # noqa: A002
    sorted: bool = True,  # noqa: A002
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct values (sorted), with the inverse indices and counts when asked."""
    raw = input._data
    xp = get_array_module(raw)
    axis = None if dim is None else _axis(dim, input.ndim)
    vals, inv, counts = xp.unique(raw, return_inverse=True, return_counts=True, axis=axis)
    inv = inv.reshape(raw.shape if axis is None else (raw.shape[axis],)).astype(np.int64)
    out = [_no_derivative("_unique2", vals, input)]
    if return_inverse:
        out.append(Tensor._wrap(inv))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(
    input: Tensor,  # noqa: A002
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    if dim is not None:
        raise NotImplementedError("unique_consecutive: dim= is not supported yet")
    raw = input._data.reshape(-1)
    xp = get_array_module(raw)
    if raw.size == 0:
        starts = xp.zeros(0, dtype=bool)
    else:
        starts = xp.concatenate([xp.ones(1, dtype=bool), raw[1:] != raw[:-1]])
    vals = raw[starts]
    out = [_no_derivative("unique_consecutive", vals, input)]
    if return_inverse:
        out.append(Tensor._wrap((xp.cumsum(starts) - 1).reshape(input.shape).astype(np.int64)))
    if return_counts:
        pos = xp.flatnonzero(starts)
        out.append(Tensor._wrap(xp.diff(xp.append(pos, raw.size)).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:  # noqa: A002
    """Counts of each non-negative integer (weighted sums when ``weights`` is given)."""
    if input.ndim != 1 or input._data.dtype.kind not in "iu":
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    xp = get_array_module(input._data)
    w = None if weights is None else weights._data
    out = xp.bincount(input._data, weights=w, minlength=minlength)
    if w is None:
        out = out.astype(np.int64)
    elif w.dtype == np.float32:
        out = out.astype(np.float32)
    return Tensor._wrap(out)


def searchsorted(
    sorted_sequence: Tensor,
    input: Any,  # noqa: A002
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Tensor | None = None,
) -> Tensor:
    side = side or ("right" if right else "left")
    seq = sorted_sequence._data
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    xp = get_array_module(seq)
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    if seq.ndim == 1:
        out = xp.searchsorted(seq, vals, side=side)
    else:
        flat_s = seq.reshape(-1, seq.shape[-1])
        flat_v = vals.reshape(flat_s.shape[0], -1)
        out = xp.stack([xp.searchsorted(s, v, side=side) for s, v in zip(flat_s, flat_v)])
        out = out.reshape(vals.shape)
    return Tensor._wrap(xp.asarray(out).astype(np.int32 if out_int32 else np.int64))


def bucketize(
    input: Any,  # noqa: A002
    boundaries: Tensor,
    *,
    out_int32: bool = False,
    right: bool = False,
) -> Tensor:
    """The bucket of each value: ``boundaries[i-1] < x <= boundaries[i]`` (``right=False``)."""
    return searchsorted(
        boundaries, input, out_int32=out_int32, side="left" if not right else "right"
    )


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
    return sh.flip(input, (0,))


def fliplr(input: Tensor) -> Tensor:  # noqa: A002
    return sh.flip(input, (1,))


def rot90(input: Tensor, k: int = 1, dims: Any = (0, 1)) -> Tensor:  # noqa: A002
    d0, d1 = dims
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


def hstack(tensors: Any) -> Tensor:
    ts = [t.reshape(1) if t.ndim == 0 else t for t in tensors]
    return sh.cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Any) -> Tensor:
    return sh.cat([_atleast(t.reshape(1) if t.ndim == 0 else t, 2) for t in tensors], 0)


row_stack = vstack


def dstack(tensors: Any) -> Tensor:
    ts = []
    for t in tensors:
        t = t.reshape(1) if t.ndim == 0 else t
        ts.append(t.reshape(1, -1, 1) if t.ndim == 1 else (t.unsqueeze(-1) if t.ndim == 2 else t))
    return sh.cat(ts, 2)


def column_stack(tensors: Any) -> Tensor:
    return sh.cat([t.reshape(-1, 1) if t.ndim <= 1 else t for t in tensors], 1)


def ravel(input: Tensor) -> Tensor:  # noqa: A002
    return input.reshape(-1)


def select(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    ax = _axis(dim, input.ndim)
    return input[(slice(None),) * ax + (index,)]


def take(input: Tensor, index: Tensor) -> Tensor:  # noqa: A002
    return input.reshape(-1)[index]


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:  # noqa: A002
    if dim is None:
        return input.reshape(-1)[indices.reshape(-1)]
    a, i = input, indices
    ax = _axis(dim, a.ndim)
    sa, si = list(a.shape), list(i.shape)
    sa[ax] = si[ax] = 1  # every dimension but ``dim`` broadcasts (torch's rule)
    shape = list(np.broadcast_shapes(tuple(sa), tuple(si)))
    shape_a, shape_i = list(shape), list(shape)
    shape_a[ax], shape_i[ax] = a.shape[ax], i.shape[ax]
    return ix.gather(a.expand(*shape_a), ax, Tensor._wrap(np.broadcast_to(i._data, shape_i)))


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:  # noqa: A002
    return input.clone()


# ---------------------------------------------------------------------------------------------
# dtype information
# ---------------------------------------------------------------------------------------------


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
