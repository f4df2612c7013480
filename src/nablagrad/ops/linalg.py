"""Matrix products: matmul (NumPy/torch broadcasting semantics) and its named special cases."""

from __future__ import annotations

import builtins
from typing import Any

from .. import _validate, parallel
from ..autograd.function import Function
from ..backend import np
from ..tensor import Tensor
from . import reduce as rd
from . import shape as sh
from .shape import _axis


class MatMul(Function):
    """out = a @ b.  For 2-D: dL/da = g @ b^T, dL/db = a^T @ g; 1-D operands are promoted."""

    def forward(self, a, b):
        return parallel.matmul(a, b)

    @property
    def name(self) -> str:
        """torch's node for the operands' ranks: ``MmBackward0``, ``BmmBackward0`` ..."""
        arrays = getattr(self, "inputs", None) or ()
        ranks = tuple(a.ndim for a in arrays)
        names = {(2, 2): "Mm", (2, 1): "Mv", (1, 1): "Dot", (1, 2): "Squeeze"}
        return names.get(ranks, "UnsafeView") + ("Backward4" if ranks == (1, 2) else "Backward0")

    def backward(self, g, out, a, b):
        a_vec, b_vec = a.ndim == 1, b.ndim == 1
        a2 = a.reshape((1, a.shape[0])) if a_vec else a
        b2 = b.reshape((b.shape[0], 1)) if b_vec else b
        if a_vec:
            g = g.reshape(g.shape[:-1] + (1,) + g.shape[-1:]) if not b_vec else g.reshape((1, 1))
        if b_vec and not a_vec:
            g = g.reshape(tuple(g.shape) + (1,))
        ga = gb = None
        if self.needs(0):
            ga = parallel.matmul(g, b2.swapaxes(-1, -2))
            if a_vec:
                ga = ga.reshape(tuple(ga.shape[:-2]) + (ga.shape[-1],))
        if self.needs(1):
            gb = parallel.matmul(a2.swapaxes(-1, -2), g)
            if b_vec:
                gb = gb.reshape(tuple(gb.shape[:-1]))
        return ga, gb


def _check_dtypes(name: str, a: Tensor, b: Tensor) -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(
            f"{name}: expected both operands to have the same dtype, but got {a.dtype} and "
            f"{b.dtype}: convert one with .to(other.dtype) (e.g. x.float())"
        )


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with torch.matmul's rules for 1-D operands and batch broadcasting."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError("matmul: both operands must be Tensors")
    _check_dtypes("matmul", a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError("matmul: both arguments need at least 1 dimension; use * for scalars")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        sa = "x".join(map(str, a.shape))
        sb = "x".join(map(str, b.shape))
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({sa} and {sb}): the last dim of the "
            f"first ({k_a}) must equal the {'first' if b.ndim == 1 else 'second-to-last'} dim of "
            f"the second ({k_b})"
        )
    return MatMul.apply(a, b)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """Product of two matrices (2-D only)."""
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(
            f"mm: expected 2-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return matmul(a, b)


def spmm(input: Tensor, mat2: Tensor) -> Tensor:
    """``torch.spmm``: the matrix product ``input @ mat2`` of two 2-D tensors, ``input``
    sparse COO (``ops/sparse.py`` takes it from :func:`mm`) or dense (as torch allows)."""
    return mm(input, mat2)


def mv(a: Tensor, v: Tensor) -> Tensor:
    """Matrix-vector product."""
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(
            f"mv: expected a 2-D matrix and a 1-D vector, got shapes {tuple(a.shape)} and "
            f"{tuple(v.shape)}"
        )
    return matmul(a, v)


def dot(a: Tensor, b: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of equal length."""
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors: use matmul or mm"
        )
    if a.shape != b.shape:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] "
            "to have the same number of elements"
        )
    return matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product of (B, n, k) and (B, k, m)."""
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"bmm: expected 3-D tensors with the same batch size, got {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    return matmul(a, b)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """Outer product of two vectors."""
    return a.reshape(-1, 1) * b.reshape(1, -1)


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation over two operands, composed from permute, reshape and matmul-free ops.

    Differentiable through broadcasting multiply and sum; suitable for small contractions.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    lhs, _, rhs = equation.replace(" ", "").partition("->")
    ins = lhs.split(",")
    if len(ins) != len(operands):
        raise ValueError(f"einsum: equation has {len(ins)} operands but {len(operands)} were given")
    letters = sorted(set("".join(ins)))
    if not _:
        rhs = "".join(c for c in letters if "".join(ins).count(c) == 1)
    order = list(rhs) + [c for c in letters if c not in rhs]
    total = None
    for spec, op in zip(ins, operands):
        if len(spec) != op.ndim:
            raise ValueError(
                f"einsum: operand with shape {tuple(op.shape)} does not match {spec!r}"
            )
        perm = sorted(range(len(spec)), key=lambda i: order.index(spec[i]))
        x = op.permute(*perm) if perm else op
        present = [spec[i] for i in perm]
        shape, j = [], 0
        for c in order:
            if j < len(present) and present[j] == c:
                shape.append(x.shape[j])
                j += 1
            else:
                shape.append(1)
        x = x.reshape(*shape)
        total = x if total is None else total * x
    extra = tuple(range(len(rhs), len(order)))
    return total.sum(extra) if extra else total


# ---------------------------------------------------------------------------------------------
# compositions: addmm, inner, cross, tensordot, kron ...
# ---------------------------------------------------------------------------------------------


def scaled_sum(input: Tensor, beta: float, prod: Tensor, alpha: float) -> Tensor:  # noqa: A002
    """``beta * input + alpha * prod`` (the add*mm family), without a multiply for 1."""
    return (input if beta == 1 else beta * input) + (prod if alpha == 1 else alpha * prod)


def addmm(
    input: Tensor,  # noqa: A002
    mat1: Tensor,
    mat2: Tensor,
    *,
    beta: float = 1,
    alpha: float = 1,
) -> Tensor:
    """beta * input + alpha * mat1 @ mat2."""
    prod = mm(mat1, mat2)
    return scaled_sum(input, beta, prod, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:  # noqa: A002
    prod = mv(mat, vec)
    return scaled_sum(input, beta, prod, alpha)


def baddbmm(
    input: Tensor,  # noqa: A002
    batch1: Tensor,
    batch2: Tensor,
    *,
    beta: float = 1,
    alpha: float = 1,
) -> Tensor:
    prod = bmm(batch1, batch2)
    return scaled_sum(input, beta, prod, alpha)


def inner(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """Sum over the last dimension of both."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    return _inner(input, other)


def _inner(a: Tensor, b: Tensor) -> Tensor:
    out_shape = tuple(a.shape[:-1]) + tuple(b.shape[:-1])
    res = matmul(a.reshape(-1, a.shape[-1]), b.reshape(-1, b.shape[-1]).t())
    return res.reshape(out_shape)


def vdot(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    return (input * other).sum()


@_validate.numpy_names
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
