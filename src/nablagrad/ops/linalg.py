"""Matrix products: matmul (NumPy/torch broadcasting semantics) and its named special cases."""

from __future__ import annotations

import builtins
import string
from typing import Any

from .. import _validate, parallel
from ..autograd.function import Function, torch_node
from ..backend import get_array_module, np
from ..tensor import Tensor
from . import elementwise as ew
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


@torch_node("BmmBackward0")
def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product of (B, n, k) and (B, k, m)."""
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise RuntimeError(
            f"bmm: expected 3-D tensors with the same batch size, got {tuple(a.shape)} and "
            f"{tuple(b.shape)}"
        )
    return matmul(a, b)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """Outer product of two vectors (1-D only, as in torch)."""
    for name, v in (("self", a), ("vec2", b)):
        if v.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {v.ndim}-D")
    return a.reshape(-1, 1) * b.reshape(1, -1)


class Einsum(Function):
    """``out = einsum(equation, *operands)`` for the equations :func:`einsum` reduces every
    call to: an explicit ``->``, distinct subscripts within each operand, equal sizes for a
    shared subscript, and every input subscript in the output or in another operand.  The
    gradient of an operand is then the einsum of the output gradient with the other operands.
    """

    def forward(self, *arrays, equation=""):
        self.equation = equation
        # optimize: a contraction of two or more operands goes through tensordot (BLAS)
        return get_array_module(arrays[0]).einsum(equation, *arrays, optimize=len(arrays) > 1)

    def backward(self, g, out, *inputs):
        lhs, rhs = self.equation.split("->")
        specs = lhs.split(",")
        grads = []
        for i, spec in enumerate(specs):
            if not self.needs(i):
                grads.append(None)
                continue
            others = [j for j in range(len(specs)) if j != i]
            eq = ",".join([rhs, *(specs[j] for j in others)]) + "->" + spec
            grads.append(self.m.call(Einsum, g, *(inputs[j] for j in others), equation=eq))
        return tuple(grads)


def _einsum_sublists(args: tuple) -> tuple:
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])`` (the sublist format) as an equation string
    and its operands; ``Ellipsis`` in a sublist stands for ``...``."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def spec(sub: Any) -> str:
        out = []
        for v in sub:
            if v is Ellipsis:
                out.append("...")
            elif isinstance(v, int) and 0 <= v < len(letters):
                out.append(letters[v])
            else:
                raise RuntimeError(
                    f"einsum(): expected subscript to be within the range [0, 52), but got {v}"
                )
        return "".join(out)

    operands, specs = list(args[0::2]), [spec(s) for s in args[1::2]]
    rhs = None
    if len(operands) > len(specs):  # an odd count: the last item is the output sublist
        rhs = spec(operands.pop())
    eq = ",".join(specs) + ("" if rhs is None else "->" + rhs)
    return eq, operands


def _einsum_parse(equation: str, operands: tuple) -> tuple:
    """The operands' subscripts (ellipses spelled out as letters the equation does not use)
    and the output's, after torch's checks."""
    lhs, arrow, rhs = equation.replace(" ", "").partition("->")
    ins = lhs.split(",")
    if len(ins) != len(operands):
        which = "more" if len(operands) > len(ins) else "fewer"
        raise RuntimeError(
            f"einsum(): {which} operands were provided than specified in the equation"
        )
    for part in (*ins, rhs):
        for c in part.replace("...", ""):
            if c == ".":
                raise RuntimeError("einsum(): found '.' that is not part of any ellipsis")
            if not c.isalpha() or not c.isascii():
                raise RuntimeError(f"einsum(): invalid subscript given at index of {c!r}")
    unused = iter(c for c in string.ascii_letters if c not in equation)
    ell_ndim = 0
    for i, (spec, op) in enumerate(zip(ins, operands)):
        named = len(spec.replace("...", ""))
        if spec.count("...") > 1:
            raise RuntimeError(
                f"einsum(): found '.' for operand {i} for which an ellipsis was already found"
            )
        if "..." in spec:
            if op.ndim < named:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({named}) is more than "
                    f"the number of dimensions ({op.ndim}) for operand {i}"
                )
            ell_ndim = builtins.max(ell_ndim, op.ndim - named)
        elif named != op.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({named}) does not match "
                f"the number of dimensions ({op.ndim}) for operand {i} and no ellipsis was given"
            )
    ell = "".join(next(unused) for _ in range(ell_ndim))
    specs = []
    for spec, op in zip(ins, operands):
        n = op.ndim - len(spec.replace("...", ""))
        specs.append(spec.replace("...", ell[ell_ndim - n :] if n else ""))
    if arrow:
        if rhs.count("...") > 1:
            raise RuntimeError("einsum(): found '.' for output that is not part of any ellipsis")
        out = rhs.replace("...", ell)
        seen = "".join(specs)
        for c in out:
            if out.count(c) > 1:
                raise RuntimeError(
                    f"einsum(): output subscript {c} appears more than once in the output"
                )
            if c not in seen:
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any "
                    "input operand"
                )
    else:  # implicit output: the ellipsis dims, then the subscripts seen once, sorted
        joined = "".join(specs)
        out = ell + "".join(sorted(c for c in set(joined) if joined.count(c) == 1 and c not in ell))
    return specs, out


def einsum(*args: Any) -> Tensor:
    """Einstein summation (torch.einsum): ``einsum("bij,bjk->bik", a, b)``, implicit output,
    ellipses (``"...ij,...jk"``, broadcast like matmul's batch dims), repeated subscripts
    within an operand (``"ii->i"`` is the diagonal, ``"ii"`` the trace), size-1 dims that
    broadcast, and the sublist format ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.

    Each operand is first reduced on its own (diagonals taken, subscripts that nothing else
    uses summed out, broadcast size-1 dims dropped); one ``Einsum`` node then contracts them.
    """
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand")
    if isinstance(args[0], str):
        equation, operands = args[0], args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
    else:
        equation, operands = _einsum_sublists(args)
    operands = tuple(operands)
    for op in operands:
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): expected Tensor operands, got {type(op).__name__}")
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    for op in operands[1:]:
        if op._data.dtype != operands[0]._data.dtype:
            raise RuntimeError(
                f"expected scalar type {operands[0].dtype} but found {op.dtype}: einsum needs "
                "operands of one dtype (convert with .to(...))"
            )
    specs, out = _einsum_parse(equation, operands)
    ops = list(operands)
    for i, (spec, x) in enumerate(zip(specs, ops)):  # repeated subscripts: the diagonal
        while len(set(spec)) < len(spec):
            c = next(c for c in spec if spec.count(c) > 1)
            a, b = spec.index(c), spec.index(c, spec.index(c) + 1)
            if x.shape[a] != x.shape[b]:
                raise RuntimeError(
                    f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't "
                    f"match, {x.shape[a]} != {x.shape[b]}"
                )
            x = x.diagonal(0, a, b)  # the diagonal becomes the last dim
            spec = spec[:a] + spec[a + 1 : b] + spec[b + 1 :] + c
        specs[i], ops[i] = spec, x
    sizes: dict = {}
    for i, (spec, x) in enumerate(zip(specs, ops)):
        for c, n in zip(spec, x.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {n} for operand {i} which does not "
                    f"broadcast with previously seen size {sizes[c]}"
                )
            if n != 1 or c not in sizes:
                sizes[c] = n
    for i, (spec, x) in enumerate(zip(specs, ops)):
        elsewhere = out + "".join(s for j, s in enumerate(specs) if j != i)
        # a size-1 dim broadcast against a bigger one, and a subscript nothing else uses
        drop = [k for k, c in enumerate(spec) if x.shape[k] == 1 and sizes[c] != 1]
        alone = [k for k, c in enumerate(spec) if c not in elsewhere and k not in drop]
        if alone:
            x = x.sum(tuple(alone), keepdim=True)
        if drop or alone:
            keep = [k for k in range(len(spec)) if k not in drop and k not in alone]
            x = x.reshape(tuple(x.shape[k] for k in keep))
            spec = "".join(spec[k] for k in keep)
        specs[i], ops[i] = spec, x
    return Einsum.apply(*ops, equation=",".join(specs) + "->" + out)


# ---------------------------------------------------------------------------------------------
# compositions: addmm, inner, cross, tensordot, kron ...
# ---------------------------------------------------------------------------------------------


def scaled_sum(input: Tensor, beta: float, prod: Tensor, alpha: float) -> Tensor:  # noqa: A002
    """``beta * input + alpha * prod`` (the add*mm family), without a multiply for 1; with
    ``beta=0`` ``input`` is ignored (NaN and inf in it do not propagate), as torch does.
    For integer operands torch truncates ``alpha`` and ``beta`` to ints (the result stays int)."""
    if prod._data.dtype.kind in "iu":
        beta, alpha = int(beta), int(alpha)
    if beta == 0:  # input only broadcasts and gets a zero gradient
        never = Tensor._wrap(get_array_module(prod._data).zeros((), dtype=bool))
        return ew.where(never, input, prod if alpha == 1 else alpha * prod)
    return (input if beta == 1 else beta * input) + (prod if alpha == 1 else alpha * prod)


@torch_node("AddmmBackward0")
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


@torch_node("AddmvBackward0")
def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta: float = 1, alpha: float = 1) -> Tensor:  # noqa: A002
    prod = mv(mat, vec)
    return scaled_sum(input, beta, prod, alpha)


@torch_node("BaddbmmBackward0")
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
    """Inner product of two 1-D tensors of equal length and the same dtype (real only)."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape != other.shape:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
            f"[{other.shape[0]}] to have the same number of elements"
        )
    if input.dtype != other.dtype:
        raise RuntimeError(
            f"dot : expected both vectors to have same dtype, but found {input.dtype} and "
            f"{other.dtype}"
        )
    return (input * other).sum()


@_validate.numpy_names
@torch_node("LinalgCrossBackward0")
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


@torch_node("DistBackward0")
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
