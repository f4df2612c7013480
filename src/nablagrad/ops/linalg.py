"""Matrix products: matmul (NumPy/torch broadcasting semantics) and its named special cases."""

from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor


class MatMul(Function):
    """out = a @ b.  For 2-D: dL/da = g @ b^T, dL/db = a^T @ g; 1-D operands are promoted."""

    def forward(self, a, b):
        return get_array_module(a).matmul(a, b)

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
            ga = g @ b2.swapaxes(-1, -2)
            if a_vec:
                ga = ga.reshape(tuple(ga.shape[:-2]) + (ga.shape[-1],))
        if self.needs(1):
            gb = a2.swapaxes(-1, -2) @ g
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
