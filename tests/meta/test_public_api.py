"""Every public name of ``nablagrad``, ``nablagrad.nn.functional`` and ``Tensor`` is compared
with PyTorch here (forward, gradients and, where torch has them, second derivatives), is a
table row (``test_table.py``), an alias of a compared name, or has a written reason.

``test_every_public_name_is_checked`` fails when a new public name has none of these: add a
case below (one line, ``L`` is ``nablagrad`` or ``torch``) or a reason.
"""

from __future__ import annotations
import __future__

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from helpers import check_op

import nablagrad as ng
import nablagrad.nn.functional as ngF
from nablagrad.nn import _toplevel as _nn_toplevel
from nablagrad.ops import toplevel as _ops_toplevel
from nablagrad.ops.table import BINARY, REDUCTIONS, UNARY

TABLE = {r.name for r in UNARY + BINARY + REDUCTIONS}


@dataclass
class Case:
    """``call(L, *inputs)`` on both libraries; ``inputs`` are shapes (seeded floats) or arrays."""

    call: Callable[..., Any]
    inputs: list = field(default_factory=lambda: [(3, 4)])
    opts: dict = field(default_factory=dict)


def I(*values: Any) -> np.ndarray:  # noqa: E743 - an integer (index) input
    return np.array(values, dtype=np.int64)


IDX = np.array([[0, 2, 1, 0], [1, 0, 2, 2]])  # an index along dim 0 of a (3, 4) tensor
MASK = np.array([[True, False, True, False]] * 3)
POS = {"low": 0.5, "high": 2.0}
F = "F."  # nn.functional cases: key "F.name", call gets L = the functional module
T = "T."  # Tensor-only methods: key "T.name"

CASES: dict[str, Case] = {
    # -- math beyond the table -----------------------------------------------------------------
    "clamp": Case(lambda L, x: L.clamp(x, -0.5, 0.7)),
    "expm1": Case(lambda L, x: L.expm1(x)),
    "log2": Case(lambda L, x: L.log2(x), opts=POS),
    "log10": Case(lambda L, x: L.log10(x), opts=POS),
    "rsqrt": Case(lambda L, x: L.rsqrt(x), opts={**POS, "rtol": 1e-4}),
    "reciprocal": Case(lambda L, x: L.reciprocal(x), opts={**POS, "rtol": 1e-4}),
    "square": Case(lambda L, x: L.square(x)),
    "tan": Case(lambda L, x: L.tan(x), opts={"low": -1.0, "high": 1.0, "rtol": 1e-4}),
    "lerp": Case(lambda L, a, b: L.lerp(a, b, 0.3), [(3, 4), (4,)]),
    "remainder": Case(lambda L, a: L.remainder(a, 0.7)),
    "floor_divide": Case(lambda L, a: L.floor_divide(a, 0.7), opts={"grad": False}),
    "where": Case(lambda L, a, b: L.where(a > b, a, b), [(3, 4), (4,)]),
    "softmax": Case(lambda L, x: L.softmax(x, 1)),
    "log_softmax": Case(lambda L, x: L.log_softmax(x, 0)),
    # -- comparisons and logic (bool results) ---------------------------------------------------
    "eq": Case(lambda L, a: L.eq(a, L.round(a))),
    "ne": Case(lambda L, a: L.ne(a, L.round(a))),
    "lt": Case(lambda L, a, b: L.lt(a, b), [(3, 4), (4,)]),
    "le": Case(lambda L, a, b: L.le(a, b), [(3, 4), (4,)]),
    "gt": Case(lambda L, a, b: L.gt(a, b), [(3, 4), (4,)]),
    "ge": Case(lambda L, a, b: L.ge(a, b), [(3, 4), (4,)]),
    "isnan": Case(lambda L, x: L.isnan(L.log(x))),
    "isinf": Case(lambda L, x: L.isinf(1 / L.round(x))),
    "isfinite": Case(lambda L, x: L.isfinite(L.log(x))),
    "logical_not": Case(lambda L, x: L.logical_not(x > 0)),
    "logical_and": Case(lambda L, a, b: L.logical_and(a > 0, b > 0), [(3, 4), (4,)]),
    "logical_or": Case(lambda L, a, b: L.logical_or(a > 0, b > 0), [(3, 4), (4,)]),
    "logical_xor": Case(lambda L, a, b: L.logical_xor(a > 0, b > 0), [(3, 4), (4,)]),
    "isclose": Case(lambda L, a: L.isclose(a, a + 1e-7)),
    "allclose": Case(lambda L, a: L.tensor(L.allclose(a, a * 1.5))),
    "equal": Case(lambda L, a: L.tensor(L.equal(a, a.clone()))),
    "all": Case(lambda L, x: L.all(x > -1.5)),
    "any": Case(lambda L, x: L.any(x > 1.9)),
    "count_nonzero": Case(lambda L, x: L.count_nonzero(L.round(x))),
    # -- reductions beyond the table ------------------------------------------------------------
    "prod": Case(lambda L, x: L.prod(x, 1), opts={"rtol": 1e-4}),
    "max": Case(lambda L, x: L.max(x, 1)[0] + L.max(x)),
    "min": Case(lambda L, x: L.min(x, 0)[0] * L.min(x)),
    "argmax": Case(lambda L, x: L.argmax(x, 1)),
    "argmin": Case(lambda L, x: L.argmin(x)),
    "var": Case(lambda L, x: L.var(x, 1)),
    "std": Case(lambda L, x: L.std(x, 0, keepdim=True), opts={"rtol": 1e-4}),
    "norm": Case(lambda L, x: L.norm(x) + L.norm(x, 3, 1).sum(), opts={"rtol": 1e-4}),
    "cumsum": Case(lambda L, x: L.cumsum(x, 1)),
    # -- linear algebra -------------------------------------------------------------------------
    "matmul": Case(lambda L, a, b: L.matmul(a, b), [(2, 3, 4), (4, 5)], {"rtol": 1e-4}),
    "mm": Case(lambda L, a, b: L.mm(a, b), [(3, 4), (4, 2)], {"rtol": 1e-4}),
    "spmm": Case(lambda L, a, b: L.spmm(a, b), [(3, 4), (4, 2)], {"rtol": 1e-4}),
    "mv": Case(lambda L, a, b: L.mv(a, b), [(3, 4), (4,)], {"rtol": 1e-4}),
    "dot": Case(lambda L, a, b: L.dot(a, b), [(4,), (4,)], {"rtol": 1e-4}),
    "bmm": Case(lambda L, a, b: L.bmm(a, b), [(2, 3, 4), (2, 4, 2)], {"rtol": 1e-4}),
    "outer": Case(lambda L, a, b: L.outer(a, b), [(3,), (4,)]),
    "einsum": Case(lambda L, a, b: L.einsum("ij,jk->ik", a, b), [(3, 4), (4, 2)], {"rtol": 1e-4}),
    # -- matrix functions and decompositions (ops/decomp.py, ops/linalg_fns.py) -------
    "det": Case(lambda L, x: L.det(x + 3 * L.eye(3)), [(2, 3, 3)], {"rtol": 1e-4}),
    "logdet": Case(lambda L, x: L.logdet(x @ x.mT + L.eye(3)), [(3, 3)], {"rtol": 1e-4}),
    "slogdet": Case(lambda L, x: L.slogdet(x), [(3, 3)], {"rtol": 1e-4, "atol": 1e-4}),
    "inverse": Case(lambda L, x: L.inverse(x + 3 * L.eye(3)), [(3, 3)], {"rtol": 1e-4}),
    "pinverse": Case(lambda L, x: L.pinverse(x), [(4, 3)], {"rtol": 1e-3, "atol": 1e-4}),
    "svd": Case(lambda L, x: [t.abs() for t in L.svd(x)], [(4, 3)], {"rtol": 1e-3, "atol": 1e-4}),
    "qr": Case(lambda L, x: L.qr(x), [(4, 3)], {"rtol": 1e-3, "atol": 1e-4}),
    "cholesky": Case(lambda L, x: L.cholesky(x @ x.mT + L.eye(3)), [(3, 3)], {"rtol": 1e-4}),
    "triangular_solve": Case(
        lambda L, b, x: L.triangular_solve(b, L.triu(x) + 3 * L.eye(3), upper=True).solution,
        [(3, 2), (3, 3)],
    ),
    "T.triangular_solve": Case(
        lambda L, b, x: (
            b.triangular_solve(
                L.tril(x) + 3 * L.eye(3), upper=False, transpose=True, unitriangular=True
            ).solution
        ),
        [(3, 2), (3, 3)],
    ),
    "cholesky_solve": Case(
        lambda L, b, x: L.cholesky_solve(b, L.linalg.cholesky(x @ x.mT + L.eye(3))),
        [(3, 2), (3, 3)],
        {"rtol": 1e-3, "atol": 1e-4},
    ),
    "cholesky_inverse": Case(
        lambda L, x: L.cholesky_inverse(L.linalg.cholesky(x @ x.mT + L.eye(3))),
        [(3, 3)],
        {"rtol": 1e-3, "atol": 1e-4},
    ),
    "matrix_power": Case(lambda L, x: L.matrix_power(x, 3), [(2, 3, 3)], {"rtol": 1e-4}),
    "matrix_exp": Case(lambda L, x: L.matrix_exp(x), [(3, 3)], {"rtol": 1e-4, "atol": 1e-4}),
    "vander": Case(lambda L, x: L.vander(x, 4), [(3,)], {"grad": False}),  # torch's backward fails
    # -- indexing (ops/index.py) --------------------------------------------------------
    "index_add": Case(
        lambda L, x, s: L.index_add(x, 1, L.tensor([3, 0, 3]), s, alpha=2), [(3, 4), (3, 3)]
    ),
    "index_copy": Case(lambda L, x, s: L.index_copy(x, 0, L.tensor([2, 0]), s), [(3, 4), (2, 4)]),
    "index_fill": Case(lambda L, x: L.index_fill(x, 1, L.tensor([0, 2]), -1.5)),
    "index_put": Case(
        lambda L, x, v: (
            L.index_put(x, (L.tensor([0, 2, 0]), L.tensor([1, 3, 1])), v, accumulate=True)
            + L.index_put(x, (L.tensor([1, 2]),), v[:2, None])
        ),
        [(3, 4), (3,)],
    ),
    "scatter_add": Case(lambda L, x, i, s: L.scatter_add(x, 0, i, s), [(3, 4), IDX, (2, 4)]),
    "scatter_reduce": Case(
        lambda L, x, i, s: (
            L.scatter_reduce(x, 0, i, s, "sum")
            + L.scatter_reduce(x, 0, i, s, "mean", include_self=False)
            + L.scatter_reduce(x, 0, i, s.round(), "amax")
            + L.scatter_reduce(x, 0, i, s, "amin", include_self=False)
            + L.scatter_reduce(x, 0, i, s, "prod")
            + L.scatter_reduce(x, 0, i, s, "prod", include_self=False)
        ),
        [(3, 4), IDX, (2, 4)],
    ),
    "masked_scatter": Case(lambda L, x, m, s: L.masked_scatter(x, m, s), [(3, 4), MASK, (2, 4)]),
    T + "fill_diagonal_": Case(
        lambda L, x: x.clone().fill_diagonal_(2.5) + x.clone().fill_diagonal_(1.0, wrap=True),
        [(7, 3)],
    ),
    T + "index_add_": Case(
        lambda L, x, s: x.clone().index_add_(0, L.tensor([1, 1]), s), [(3, 4), (2, 4)]
    ),
    T + "index_copy_": Case(
        lambda L, x, s: x.clone().index_copy_(1, L.tensor([3]), s), [(3, 4), (3, 1)]
    ),
    T + "index_fill_": Case(lambda L, x: x.clone().index_fill_(0, L.tensor([1]), 0.5)),
    T + "index_put_": Case(
        lambda L, x, v: x.clone().index_put_((L.tensor([0, 2]),), v), [(3, 4), (4,)]
    ),
    T + "scatter_": Case(
        lambda L, x, i, s: x.clone().scatter_(0, i, s) + x.clone().scatter_(1, i[:, :2], 2.0),
        [(3, 4), IDX, (2, 4)],
    ),
    T + "scatter_add_": Case(
        lambda L, x, i, s: x.clone().scatter_add_(0, i, s), [(3, 4), IDX, (2, 4)]
    ),
    T + "scatter_reduce_": Case(
        lambda L, x, i, s: x.clone().scatter_reduce_(0, i, s, "mean"), [(3, 4), IDX, (2, 4)]
    ),
    T + "masked_scatter_": Case(
        lambda L, x, m, s: x.clone().masked_scatter_(m, s), [(3, 4), MASK, (3, 4)]
    ),
    # -- statistics and running reductions (ops/stats.py) -------------------------------
    "cummax": Case(lambda L, x: L.cummax(x.round(), 1)),
    "cummin": Case(lambda L, x: L.cummin(x, 0)),
    "logcumsumexp": Case(lambda L, x: L.logcumsumexp(x, 1), opts={"rtol": 1e-4}),
    "quantile": Case(
        lambda L, x: (
            L.quantile(x, L.tensor([0.2, 0.5, 0.9]), dim=1, keepdim=True)
            + L.quantile(x, 0.3, interpolation="midpoint")
            + L.quantile(x, 0.7, dim=0, interpolation="nearest").sum()
            + L.quantile(x, 0.4, dim=0, interpolation="lower").sum()
            + L.quantile(x, 0.4, dim=0, interpolation="higher").sum()
        ),
        opts={"rtol": 1e-4},
    ),
    "nanquantile": Case(
        lambda L, x: L.nanquantile(L.where(x > 1, L.nan, x), L.tensor([0.25, 0.75]), dim=1),
        [(4, 5)],
        {"rtol": 1e-4},
    ),
    "nanmedian": Case(
        lambda L, x: (
            L.nanmedian(L.where(x > 1, L.nan, x), 1) + (L.nanmedian(L.where(x > 1, L.nan, x)),)
        ),
        [(4, 5)],
    ),
    "mode": Case(lambda L, x: L.mode((x * 1.5).round(), 1), [(4, 7)]),
    "aminmax": Case(lambda L, x: L.aminmax(x) + L.aminmax(x, dim=0, keepdim=True)),
    "histc": Case(lambda L, x: L.histc(x, bins=5) + L.histc(x, 4, -1, 1)[0], opts={"grad": False}),
    "cov": Case(
        lambda L, x, f, a: (
            L.cov(x)
            + L.cov(x, correction=0, fweights=L.tensor([1, 2, 1, 3]), aweights=a.abs() + 0.5)
        ),
        [(3, 4), I(0), (4,)],
        {"rtol": 1e-4},
    ),
    "corrcoef": Case(lambda L, x: L.corrcoef(x), opts={"rtol": 1e-4, "atol": 1e-5}),
    "std_mean": Case(
        lambda L, x: L.std_mean(x, 1) + L.std_mean(x, correction=0), opts={"rtol": 1e-4}
    ),
    "var_mean": Case(lambda L, x: L.var_mean(x, (0, 1), keepdim=True), opts={"rtol": 1e-4}),
    "trapezoid": Case(
        lambda L, y, x: L.trapezoid(y, x[0].sort().values) + L.trapezoid(y, dx=0.5, dim=0).sum(),
        [(3, 4), (3, 4)],
    ),
    "trapz": Case(lambda L, y: L.trapz(y, dim=0)),
    "cumulative_trapezoid": Case(lambda L, y, x: L.cumulative_trapezoid(y, x), [(3, 4), (3, 4)]),
    # -- special functions and integer math (ops/special.py) ----------------------------
    "fmax": Case(lambda L, a, b: L.fmax(a, L.where(b > 1, L.nan, b)), [(3, 4), (4,)]),
    "fmin": Case(lambda L, a, b: L.fmin(L.where(a > 1, L.nan, a), b), [(3, 4), (4,)]),
    "frexp": Case(lambda L, x: L.frexp(x * 10)),
    "ldexp": Case(lambda L, x: L.ldexp(x, L.tensor([1.0, -2.0, 0.0, 3.0]))),
    "i0": Case(lambda L, x: L.i0(x), opts={"rtol": 1e-4}),
    "i0_": Case(lambda L, x: L.i0_(x.clone()) * 1, opts={"rtol": 1e-4}),
    "igamma": Case(
        lambda L, a, x: L.igamma(a.detach(), x),
        [(3, 4), (3, 4)],
        {**POS, "rtol": 1e-4, "atol": 1e-5},
    ),
    "igammac": Case(
        lambda L, a, x: L.igammac(a.detach(), x),
        [(3, 4), (3, 4)],
        {**POS, "rtol": 1e-4, "atol": 1e-5},
    ),
    "mvlgamma": Case(lambda L, x: L.mvlgamma(x + 2, 3), opts={"low": 0.0, "rtol": 1e-4}),
    "rsub": Case(lambda L, a, b: L.rsub(a, b, alpha=2) + L.rsub(a, 1.5), [(3, 4), (4,)]),
    "positive": Case(lambda L, x: L.positive(x) * 2),
    "gcd": Case(lambda L, a, b: L.gcd(a, b), [I(12, -18, 0, 7), I(8, 12, 5, 0)]),
    "lcm": Case(lambda L, a, b: L.lcm(a, b), [I(4, -6, 0, 7), I(6, 4, 5, 3)]),
    "bitwise_and": Case(lambda L, a, b: L.bitwise_and(a, b) + (a & 6), [I(12, 5, -3), I(10, 3, 7)]),
    "bitwise_or": Case(lambda L, a, b: L.bitwise_or(a, b) + (a | b), [I(12, 5, -3), I(10, 3, 7)]),
    "bitwise_xor": Case(lambda L, a, b: L.bitwise_xor(a, b), [I(12, 5, -3), I(10, 3, 7)]),
    "bitwise_not": Case(lambda L, a: L.bitwise_not(a), [I(12, 0, -3)]),
    "bitwise_left_shift": Case(
        lambda L, a, b: L.bitwise_left_shift(a, b) + (a << 2) + (3 << b), [I(12, 5, -3), I(1, 0, 3)]
    ),
    "bitwise_right_shift": Case(
        lambda L, a, b: L.bitwise_right_shift(a, b) + (a >> 1), [I(12, 5, -3), I(1, 0, 3)]
    ),
    T + "gcd_": Case(lambda L, a, b: a.clone().gcd_(b), [I(12, -18), I(8, 12)]),
    T + "lcm_": Case(lambda L, a, b: a.clone().lcm_(b), [I(4, -6), I(6, 4)]),
    T + "bitwise_and_": Case(lambda L, a, b: a.clone().bitwise_and_(b), [I(12, 5), I(10, 3)]),
    T + "bitwise_or_": Case(lambda L, a, b: a.clone().bitwise_or_(b), [I(12, 5), I(10, 3)]),
    T + "bitwise_xor_": Case(lambda L, a, b: a.clone().bitwise_xor_(b), [I(12, 5), I(10, 3)]),
    T + "bitwise_not_": Case(lambda L, a: a.clone().bitwise_not_(), [I(12, 5)]),
    T + "bitwise_left_shift_": Case(
        lambda L, a, b: a.clone().bitwise_left_shift_(b), [I(12, 5), I(1, 2)]
    ),
    T + "bitwise_right_shift_": Case(
        lambda L, a, b: a.clone().bitwise_right_shift_(b), [I(12, 5), I(1, 2)]
    ),
    T + "ldexp_": Case(lambda L, x: x.clone().ldexp_(L.tensor([1.0, 0.0, 2.0, -1.0]))),
    T + "i0_": Case(lambda L, x: x.clone().i0_(), opts={"rtol": 1e-4}),
    T + "igamma_": Case(
        lambda L, a, x: a.detach().clone().igamma_(x.detach()),
        [(3, 4), (3, 4)],
        {**POS, "rtol": 1e-4},
    ),
    T + "igammac_": Case(
        lambda L, a, x: a.detach().clone().igammac_(x.detach()),
        [(3, 4), (3, 4)],
        {**POS, "rtol": 1e-4},
    ),
    T + "mvlgamma_": Case(lambda L, x: (x + 2).mvlgamma_(2), opts={"low": 0.0, "rtol": 1e-4}),
    # -- splitting, arranging, shapes (ops/layout.py) -----------------------------------
    "tensor_split": Case(
        lambda L, x: (
            L.tensor_split(x, 3, 1)
            + L.tensor_split(x, [1, -1], 0)
            + L.tensor_split(x, L.tensor([2]), 1)
        ),
        [(3, 5)],
    ),
    "hsplit": Case(lambda L, x: L.hsplit(x, 2) + L.hsplit(x, [1])),
    "vsplit": Case(lambda L, x: L.vsplit(x, [1, 2]), [(3, 4)]),
    "dsplit": Case(lambda L, x: L.dsplit(x, 2), [(2, 3, 4)]),
    "split_with_sizes": Case(lambda L, x: L.split_with_sizes(x, [1, 3], 1)),
    "atleast_1d": Case(lambda L, x: L.atleast_1d(x.sum()) + L.atleast_1d(x)[0]),
    "atleast_2d": Case(lambda L, x: L.atleast_2d(x[0], x.sum())[0] * L.atleast_2d(x.sum())),
    "atleast_3d": Case(
        lambda L, x: (L.atleast_3d(x) * L.atleast_3d(x[0]).sum(), L.atleast_3d(x.sum()))
    ),
    "block_diag": Case(lambda L, a, b, c: L.block_diag(a, b, c), [(2, 3), (3,), ()]),
    "broadcast_shapes": Case(lambda L, x: L.tensor(L.broadcast_shapes((3, 1), (4,), 1, (1, 1, 1)))),
    "combinations": Case(
        lambda L, x: (L.combinations(x, 2), L.combinations(x, 3, with_replacement=True)), [(4,)]
    ),
    "unravel_index": Case(lambda L, x: L.stack(L.unravel_index(L.tensor([0, 5, 11, -1]), (3, 4)))),
    "renorm": Case(
        lambda L, x: L.renorm(x, 2, 0, 1.5) + L.renorm(x, 1, 1, 2.0), opts={"rtol": 1e-4}
    ),
    T + "renorm_": Case(lambda L, x: x.clone().renorm_(3, 1, 1.0), opts={"rtol": 1e-4}),
    T + "sum_to_size": Case(
        lambda L, x: x.sum_to_size(3, 1) + x.sum_to_size((1, 4)).sum(), [(2, 3, 4)]
    ),
    T + "unfold": Case(lambda L, x: x.unfold(1, 2, 1) * 2 + x.unfold(-1, 3, 2).sum(), [(2, 3, 5)]),
    T + "broadcast_to": Case(lambda L, x: x.broadcast_to((2, 3, 4)), [(3, 1)]),
    T + "squeeze_": Case(
        lambda L, x: (x * 1).squeeze_(1) + x.clone().squeeze_().sum(), [(3, 1, 4)]
    ),
    T + "unsqueeze_": Case(lambda L, x: (x * 1).unsqueeze_(0)),
    T + "t_": Case(lambda L, x: (x * 2).t_()),
    T + "transpose_": Case(lambda L, x: (x * 2).transpose_(0, 2), [(2, 3, 4)]),
    T + "swapaxes_": Case(lambda L, x: (x * 2).swapaxes_(0, 1)),
    T + "swapdims_": Case(lambda L, x: (x * 2).swapdims_(1, 0)),
    # -- type promotion, creation, printing ----------------------------------------------
    "result_type": Case(
        lambda L, x: (
            L.zeros(2, dtype=L.result_type(x, 2))
            + L.zeros(1, dtype=L.result_type(x.long(), 2.0))
            + L.zeros(1, dtype=L.result_type(2, 3.0))
        )
    ),
    "promote_types": Case(
        lambda L, x: (
            L.zeros(2, dtype=L.promote_types(L.int64, L.float32))
            + L.zeros(2, dtype=L.promote_types(L.uint8, L.int8))
        )
    ),
    "can_cast": Case(
        lambda L, x: L.tensor(
            [
                L.can_cast(L.int64, L.uint8),
                L.can_cast(L.float32, L.int32),
                L.can_cast(L.int32, L.bool),
                L.can_cast(L.bool, L.float32),
            ]
        )
    ),
    "scalar_tensor": Case(lambda L, x: L.scalar_tensor(3) + L.scalar_tensor(2, dtype=L.int64) * x),
    "hann_window": Case(
        lambda L, x: (
            L.hann_window(6),
            L.hann_window(5, periodic=False, dtype=L.float64),
            L.hann_window(1),
            L.hann_window(0),
        )
    ),
    "hamming_window": Case(
        lambda L, x: (L.hamming_window(6), L.hamming_window(5, False, alpha=0.5, beta=0.4))
    ),
    "blackman_window": Case(
        lambda L, x: (L.blackman_window(7), L.blackman_window(4, False)), opts={"atol": 1e-6}
    ),
    "bartlett_window": Case(lambda L, x: (L.bartlett_window(6), L.bartlett_window(5, False))),
    "kaiser_window": Case(
        lambda L, x: (L.kaiser_window(6), L.kaiser_window(5, False, beta=5.0)), opts={"rtol": 1e-4}
    ),
    "set_printoptions": Case(
        lambda L, x: L.tensor([len(_printed(L, x))]),
        opts={"device_sweep": False},  # a CUDA tensor prints its device too
    ),
    # -- Tensor facts ---------------------------------------------------------------------
    T + "is_cpu": Case(
        lambda L, x: L.tensor([x.is_cpu]),
        opts={"device_sweep": False},  # False on the device
    ),
    T + "nbytes": Case(lambda L, x: L.tensor([x.nbytes, x.double().nbytes])),
    T + "itemsize": Case(lambda L, x: L.tensor([x.itemsize, x.long().itemsize])),
    T + "is_complex": Case(lambda L, x: L.tensor([x.is_complex()])),
    T + "real": Case(lambda L, x: x.real * L.tensor([x.real is x])),
    T + "is_signed": Case(
        lambda L, x: L.tensor(
            [x.is_signed(), x.long().is_signed(), x.bool().is_signed(), x.byte().is_signed()]
        )
    ),
    T + "is_nonzero": Case(
        lambda L, x: L.tensor([L.tensor([1.5]).is_nonzero(), L.tensor(0).is_nonzero()])
    ),
    T + "is_same_size": Case(lambda L, x: L.tensor([x.is_same_size(x * 2), x.is_same_size(x.t())])),
    T + "is_inference": Case(lambda L, x: L.tensor([x.is_inference()])),
    "is_autocast_enabled": Case(
        lambda L, x: x * L.tensor([L.is_autocast_enabled(), L.is_autocast_enabled("cpu")]).sum()
    ),
    T + "retains_grad": Case(lambda L, x: L.tensor([(x * 2).retains_grad, _retained(x * 2)])),
    T + "storage_offset": Case(
        lambda L, x: L.tensor(
            [x.storage_offset(), x[1:].storage_offset(), x[2, 1:].storage_offset()]
        )
    ),
    T + "data_ptr": Case(
        lambda L, x: L.tensor(
            [x[1].data_ptr() - x.data_ptr(), x.data_ptr() == x.view(-1).data_ptr()]
        )
    ),
    T + "untyped_storage": Case(
        lambda L, x: L.tensor(
            [
                x.untyped_storage().nbytes(),
                x.t().untyped_storage().data_ptr() == x.untyped_storage().data_ptr(),
                x[1:].untyped_storage().data_ptr() == x.untyped_storage().data_ptr(),
            ]
        ),
        opts={"grad": False},
    ),
    T + "set_": Case(
        lambda L, x: L.empty(0).set_(x.detach().untyped_storage(), 1, (2, 2), (1, 2)),
        opts={"grad": False},
    ),
    T + "is_set_to": Case(
        lambda L, x: L.tensor(
            [
                L.empty(0).set_(x.detach()).is_set_to(x.detach()),
                x.is_set_to(x.t()),
                x.is_set_to(x.view(12).view(3, 4)),
            ]
        ),
        opts={"grad": False},
    ),
    T + "as_strided_": Case(
        lambda L, x: x.detach().clone().as_strided_((2, 3), (1, 2), 1), opts={"grad": False}
    ),
    T + "new_empty_strided": Case(
        lambda L, x: L.tensor(
            x.new_empty_strided((2, 3), (1, 2)).stride() + x.new_empty_strided((2, 3), (1, 2)).shape
        )
    ),
    T + "greater_equal": Case(lambda L, a, b: a.greater_equal(b), [(3, 4), (4,)]),
    T + "less_equal": Case(lambda L, a, b: a.less_equal(b), [(3, 4), (4,)]),
    T + "not_equal": Case(lambda L, a: a.not_equal(a.round())),
    T + "exponential_": Case(
        lambda L, x: L.tensor([bool((x.detach().clone().exponential_(2.0) >= 0).all())])
    ),
    T + "geometric_": Case(
        lambda L, x: L.tensor([bool((x.detach().clone().geometric_(0.3) >= 1).all())])
    ),
    T + "log_normal_": Case(
        lambda L, x: L.tensor([bool((x.detach().clone().log_normal_() > 0).all())])
    ),
    T + "cauchy_": Case(lambda L, x: L.tensor([x.detach().clone().cauchy_().shape == x.shape])),
    # -- in-place forms of elementwise ops (each against torch, first and second order) --
    **{
        T + n: Case(lambda L, x, n=n: getattr(x.clone(), n)(), opts=o)
        for n, o in [
            ("sin_", {}),
            ("cos_", {}),
            ("tan_", {"low": -1.0, "high": 1.0, "rtol": 1e-4}),
            ("log_", POS),
            ("log2_", POS),
            ("log10_", POS),
            ("log1p_", POS),
            ("expm1_", {}),
            ("floor_", {}),
            ("ceil_", {}),
            ("round_", {}),
            ("trunc_", {}),
            ("fix_", {}),
            ("sign_", {}),
            ("sgn_", {}),
            ("reciprocal_", {**POS, "rtol": 1e-4}),
            ("rsqrt_", {**POS, "rtol": 1e-4}),
            ("square_", {}),
            ("sinc_", {"rtol": 1e-4, "atol": 1e-5}),
            ("negative_", {}),
            ("absolute_", {}),
            ("arcsin_", {"low": -0.9, "high": 0.9}),
            ("arccos_", {"low": -0.9, "high": 0.9}),
            ("arctan_", {}),
        ]
    },
    # torch's own double backward of these in-place forms fails: forward compared
    T + "arcsinh_": Case(lambda L, x: x.detach().clone().arcsinh_()),
    T + "arccosh_": Case(
        lambda L, x: x.detach().clone().arccosh_(), opts={"low": 1.1, "high": 3.0}
    ),
    T + "arctanh_": Case(
        lambda L, x: x.detach().clone().arctanh_(), opts={"low": -0.9, "high": 0.9}
    ),
    T + "round_": Case(lambda L, x: x.clone().round_() + x.clone().round_(decimals=1)),
    T + "polygamma_": Case(lambda L, x: x.clone().polygamma_(1), opts={**POS, "rtol": 1e-4}),
    T + "arctan2_": Case(lambda L, a, b: a.clone().arctan2_(b), [(3, 4), (4,)], {"rtol": 1e-4}),
    T + "clip_": Case(lambda L, x: x.clone().clip_(-0.5, 0.5)),
    T + "divide_": Case(
        lambda L, a, b: a.clone().divide_(b) + a.clone().divide_(b, rounding_mode="floor"),
        [(3, 4), (4,)],
        POS,
    ),
    T + "true_divide_": Case(lambda L, a, b: a.clone().true_divide_(b), [(3, 4), (4,)], POS),
    T + "multiply_": Case(lambda L, a, b: a.clone().multiply_(b), [(3, 4), (4,)]),
    T + "subtract_": Case(lambda L, a, b: a.clone().subtract_(b, alpha=3), [(3, 4), (4,)]),
    T + "remainder_": Case(lambda L, a: a.clone().remainder_(0.7)),
    T + "floor_divide_": Case(
        lambda L, a: a.detach().clone().floor_divide_(0.7), opts={"grad": False}
    ),
    T + "heaviside_": Case(
        lambda L, a: a.detach().round().heaviside_(a[0].detach()), opts={"grad": False}
    ),
    T + "cumsum_": Case(lambda L, a: a.clone().cumsum_(1)),
    T + "cumprod_": Case(lambda L, a: a.clone().cumprod_(0)),
    T + "float_power_": Case(lambda L, a: a.double().float_power_(2), opts={"grad": False}),
    **{
        T + n: Case(lambda L, a, b, n=n: getattr(a.detach().clone(), n)(b.detach()), [(3, 4), (4,)])
        for n in [
            "eq_",
            "ne_",
            "lt_",
            "le_",
            "gt_",
            "ge_",
            "not_equal_",
            "greater_",
            "greater_equal_",
            "less_",
            "less_equal_",
            "logical_and_",
            "logical_or_",
            "logical_xor_",
        ]
    },
    T + "logical_not_": Case(lambda L, a: a.detach().round().logical_not_()),
    "relu_": Case(lambda L, x: L.relu_(x * 1)),
    "addr": Case(lambda L, x, a, b: L.addr(x, a, b, beta=0.5, alpha=2), [(3, 4), (3,), (4,)]),
    "addbmm": Case(lambda L, x, a, b: L.addbmm(x, a, b, alpha=0.5), [(3, 4), (2, 3, 2), (2, 2, 4)]),
    "chain_matmul": Case(
        lambda L, a, b, c: L.chain_matmul(a, b, c), [(2, 3), (3, 4), (4, 2)], {"rtol": 1e-4}
    ),
    "adjoint": Case(lambda L, x: L.adjoint(x), [(2, 3, 4)]),
    "cdist": Case(
        lambda L, a, b: (
            L.cdist(a, b) + L.cdist(a, b, p=1) + L.cdist(a, b, p=float("inf")) + L.cdist(a, b, 3.0)
        ),
        [(2, 3, 4), (2, 5, 4)],
        {"rtol": 1e-4, "atol": 1e-5, "second_order": False},  # torch: no double backward
    ),
    "lu": Case(lambda L, x: L.lu(x), [(2, 4, 3)], {"rtol": 1e-4, "atol": 1e-5}),
    "lu_unpack": Case(lambda L, x: L.lu_unpack(*L.lu(x)), [(4, 4)], {"rtol": 1e-4, "atol": 1e-5}),
    "lu_solve": Case(
        lambda L, b, x: L.lu_solve(b, *L.lu(x + 4 * L.eye(4))), [(4, 2), (4, 4)], {"rtol": 1e-4}
    ),
    "diagonal_scatter": Case(lambda L, x, s: L.diagonal_scatter(x, s, 1), [(3, 4), (3,)]),
    "select_scatter": Case(lambda L, x, s: L.select_scatter(x, s, 1, -1), [(3, 4), (3,)]),
    "slice_scatter": Case(lambda L, x, s: L.slice_scatter(x, s, 1, 0, 4, 2), [(3, 4), (3, 2)]),
    T + "mH": Case(lambda L, x: x.mH, [(2, 3, 4)]),
    T + "H": Case(lambda L, x: x.H),
    T + "addmm_": Case(
        lambda L, x, a, b: x.clone().addmm_(a, b, beta=0.5), [(3, 4), (3, 2), (2, 4)]
    ),
    T + "addmv_": Case(lambda L, x, a, b: x.clone().addmv_(a, b, alpha=2), [(3,), (3, 2), (2,)]),
    T + "baddbmm_": Case(
        lambda L, x, a, b: x.clone().baddbmm_(a, b), [(2, 3, 4), (2, 3, 2), (2, 2, 4)]
    ),
    T + "addr_": Case(lambda L, x, a, b: x.clone().addr_(a, b), [(3, 4), (3,), (4,)]),
    T + "addbmm_": Case(lambda L, x, a, b: x.clone().addbmm_(a, b), [(3, 4), (2, 3, 2), (2, 2, 4)]),
    # -- shapes ---------------------------------------------------------------------------------
    "reshape": Case(lambda L, x: L.reshape(x, (4, 3))),
    "flatten": Case(lambda L, x: L.flatten(x, 1), [(2, 3, 4)]),
    "unflatten": Case(lambda L, x: L.unflatten(x, 1, (2, 2))),
    "squeeze": Case(lambda L, x: L.squeeze(x, 1), [(3, 1, 4)]),
    "unsqueeze": Case(lambda L, x: L.unsqueeze(x, -1)),
    "permute": Case(lambda L, x: L.permute(x, (2, 0, 1)), [(2, 3, 4)]),
    "transpose": Case(lambda L, x: L.transpose(x, 0, 2), [(2, 3, 4)]),
    "swapaxes": Case(lambda L, x: L.swapaxes(x, axis0=0, axis1=2), [(2, 3, 4)]),
    "t": Case(lambda L, x: L.t(x)),
    "movedim": Case(lambda L, x: L.movedim(x, 0, 2), [(2, 3, 4)]),
    "broadcast_to": Case(lambda L, x: L.broadcast_to(x, (2, 3, 4)), [(3, 1)]),
    "broadcast_tensors": Case(lambda L, a, b: L.broadcast_tensors(a, b), [(3, 1), (4,)]),
    "repeat": Case(lambda L, x: x.repeat(2, 1, 3), [(3, 4)]),
    "cat": Case(lambda L, a, b: L.cat([a, b], 1), [(3, 4), (3, 2)]),
    "stack": Case(lambda L, a, b: L.stack([a, b], 1), [(3, 4), (3, 4)]),
    "split": Case(lambda L, x: L.split(x, [1, 3], 1)),
    "chunk": Case(lambda L, x: L.chunk(x, 2, 1)),
    "unbind": Case(lambda L, x: L.unbind(x, 1)),
    "narrow": Case(lambda L, x: L.narrow(x, 1, 1, 2)),
    "flip": Case(lambda L, x: L.flip(x, (0, 1))),
    # -- indexing -------------------------------------------------------------------------------
    "gather": Case(lambda L, x, i: L.gather(x, 0, i), [(3, 4), IDX]),
    "scatter": Case(lambda L, x, i, s: L.scatter(x, 0, i, s), [(3, 4), IDX, (2, 4)]),
    "index_select": Case(lambda L, x, i: L.index_select(x, 1, i), [(3, 4), I(3, 0, 3)]),
    "masked_fill": Case(lambda L, x, m: L.masked_fill(x, m, 0.5), [(3, 4), MASK]),
    "masked_select": Case(lambda L, x, m: L.masked_select(x, m), [(3, 4), MASK]),
    # -- creation (deterministic) ---------------------------------------------------------------
    "tensor": Case(lambda L, x: L.tensor([[1.0, 2.0], [3.0, 4.0]]) * x.sum()),
    "as_tensor": Case(lambda L, x: L.as_tensor([1, 2, 3])),
    "from_numpy": Case(lambda L, x: L.from_numpy(np.arange(6.0).reshape(2, 3))),
    "gradient": Case(
        lambda L, x, t: (
            *L.gradient(x, spacing=[2.0, 0.5], edge_order=2),
            *L.gradient(x, spacing=[t.sort().values], dim=1),
        ),
        [(3, 4), (4,)],
    ),
    "histogram": Case(
        lambda L, x: (
            *L.histogram(x, 5),
            *L.histogram(x, L.tensor([-1.0, 0.0, 0.5, 2.0]), weight=x.abs(), density=True),
        ),
        opts={"grad": False},  # not differentiable in torch either
    ),
    "asarray": Case(
        lambda L, x: (
            L.asarray(x, dtype=L.float64, requires_grad=None) * 2,
            L.asarray(np.arange(6.0).reshape(2, 3), requires_grad=True),
            L.asarray([1, 2]),
        )
    ),
    "frombuffer": Case(
        lambda L, x: (
            L.frombuffer(bytearray(np.arange(6.0, dtype=np.float32)), dtype=L.float32) * x.sum()
        )
    ),
    "zeros": Case(lambda L, x: L.zeros(2, 3) + x.sum()),
    "ones": Case(lambda L, x: L.ones((2, 3), dtype=L.int64)),
    "full": Case(lambda L, x: L.full((2, 3), 1.5)),
    "zeros_like": Case(lambda L, x: L.zeros_like(x)),
    "ones_like": Case(lambda L, x: L.ones_like(x)),
    "full_like": Case(lambda L, x: L.full_like(x, 7)),
    "empty": Case(lambda L, x: L.empty(2, 3).shape == (2, 3) and L.ones(1)),
    "empty_like": Case(lambda L, x: L.ones(L.empty_like(x).shape)),
    "arange": Case(lambda L, x: L.arange(1, 7, 2) + L.arange(3.5)[1]),
    "linspace": Case(lambda L, x: L.linspace(-1, 2, 7)),
    "logspace": Case(lambda L, x: L.logspace(-1, 2, 5), opts={"rtol": 1e-5}),
    "eye": Case(lambda L, x: L.eye(3, 4)),
    # -- predicates and sizes -------------------------------------------------------------------
    "is_tensor": Case(lambda L, x: L.tensor([L.is_tensor(x), L.is_tensor(1.0)])),
    "is_floating_point": Case(lambda L, x: L.tensor(L.is_floating_point(x))),
    "numel": Case(lambda L, x: L.tensor(L.numel(x))),
    # -- nn.functional --------------------------------------------------------------------------
    F + "relu": Case(lambda L, x: L.relu(x)),
    F + "sigmoid": Case(lambda L, x: L.sigmoid(x)),
    F + "tanh": Case(lambda L, x: L.tanh(x)),
    F + "softmax": Case(lambda L, x: L.softmax(x, dim=1)),
    F + "log_softmax": Case(lambda L, x: L.log_softmax(x, dim=0)),
    F + "leaky_relu": Case(lambda L, x: L.leaky_relu(x, 0.2)),
    F + "elu": Case(lambda L, x: L.elu(x, 0.8)),
    F + "selu": Case(lambda L, x: L.selu(x)),
    F + "gelu": Case(lambda L, x: L.gelu(x) + L.gelu(x, approximate="tanh")),
    F + "silu": Case(lambda L, x: L.silu(x)),
    F + "softplus": Case(lambda L, x: L.softplus(x, beta=2.0, threshold=3.0)),
    F + "mish": Case(lambda L, x: L.mish(x), opts={"rtol": 1e-4}),
    F + "hardtanh": Case(lambda L, x: L.hardtanh(x, -0.5, 0.8)),
    F + "relu6": Case(lambda L, x: L.relu6(x * 4)),
    F + "pad": Case(
        lambda L, x: (
            L.pad(x, (1, 2, 0, 1))[:3, 1:5]
            + L.pad(x.unsqueeze(0), (1, 1, 1, 1), "reflect")[0, 1:4, 1:5]
        )
    ),
    F + "linear": Case(lambda L, x, w, b: L.linear(x, w, b), [(2, 3, 4), (5, 4), (5,)]),
    F + "conv1d": Case(
        lambda L, x, w, b: L.conv1d(x, w, b, padding=1),
        [(2, 3, 7), (4, 3, 3), (4,)],
        {"rtol": 1e-4, "atol": 1e-4},
    ),  # fmt: skip
    F + "conv2d": Case(
        lambda L, x, w: L.conv2d(x, w, stride=2, padding=1),
        [(2, 3, 6, 6), (4, 3, 3, 3)],
        {"rtol": 1e-4, "atol": 1e-4},
    ),  # fmt: skip
    F + "conv_transpose2d": Case(
        lambda L, x, w, b: L.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
        [(2, 4, 5, 5), (4, 3, 3, 3), (3,)],
        {"rtol": 1e-4, "atol": 1e-4},
    ),  # fmt: skip
    F + "conv_transpose1d": Case(
        lambda L, x, w: L.conv_transpose1d(x, w, stride=3, padding=0, output_padding=2),
        [(2, 4, 6), (4, 2, 3)],
        {"rtol": 1e-4, "atol": 1e-4},
    ),  # fmt: skip
    F + "max_pool2d": Case(lambda L, x: L.max_pool2d(x, 2), [(2, 3, 4, 6)]),
    F + "avg_pool2d": Case(lambda L, x: L.avg_pool2d(x, 3, 1, 1), [(2, 3, 4, 6)]),
    F + "adaptive_avg_pool2d": Case(lambda L, x: L.adaptive_avg_pool2d(x, 2), [(2, 3, 4, 6)]),
    F + "dropout": Case(lambda L, x: L.dropout(x, 0.5, training=False) + L.dropout(x, 0.0)),
    F + "batch_norm": Case(
        lambda L, x, w, b: L.batch_norm(x, None, None, w, b, training=True),
        [(5, 3), (3,), (3,)],
        {"rtol": 1e-4, "atol": 1e-4},
    ),  # fmt: skip
    F + "layer_norm": Case(
        lambda L, x, w, b: L.layer_norm(x, (4,), w, b),
        [(3, 4), (4,), (4,)],
        {"rtol": 1e-4, "atol": 1e-4},
    ),  # fmt: skip
    F + "embedding": Case(lambda L, i, w: L.embedding(i, w), [I(0, 2, 2, 1), (3, 4)]),
    F + "one_hot": Case(lambda L, i: L.one_hot(i, 4), [I(0, 3, 1)]),
    F + "cross_entropy": Case(
        lambda L, x, y: L.cross_entropy(x, y, label_smoothing=0.1),
        [(3, 4), I(0, 3, 1)],
        {"rtol": 1e-4},
    ),  # fmt: skip
    F + "nll_loss": Case(lambda L, x, y: L.nll_loss(x, y), [(3, 4), I(0, 3, 1)]),
    F + "binary_cross_entropy": Case(
        lambda L, p, y: L.binary_cross_entropy(p, y),
        [(3, 4), (3, 4)],
        {"low": 0.1, "high": 0.9, "rtol": 1e-4},
    ),  # fmt: skip
    F + "binary_cross_entropy_with_logits": Case(
        lambda L, x, y: L.binary_cross_entropy_with_logits(x, y.sigmoid()),
        [(3, 4), (3, 4)],
        {"rtol": 1e-4},
    ),
    F + "kl_div": Case(
        lambda L, x, y: L.kl_div(x.log_softmax(1), y.softmax(1), reduction="batchmean"),
        [(3, 4), (3, 4)],
        {"rtol": 1e-4},
    ),
    F + "mse_loss": Case(lambda L, x, y: L.mse_loss(x, y), [(3, 4), (3, 4)]),
    F + "l1_loss": Case(lambda L, x, y: L.l1_loss(x, y, reduction="sum"), [(3, 4), (3, 4)]),
    F + "huber_loss": Case(lambda L, x, y: L.huber_loss(x, y, delta=0.5), [(3, 4), (3, 4)]),
    F + "smooth_l1_loss": Case(lambda L, x, y: L.smooth_l1_loss(x, y, beta=0.5), [(3, 4), (3, 4)]),
    # -- more activations, normalisation, distances, pooling, dropout, losses --------
    F + "relu_": Case(lambda L, x: L.relu_(x.clone()) + L.relu(x.clone(), inplace=True)),
    F + "elu_": Case(lambda L, x: L.elu_(x.clone(), 0.5) + L.elu(x.clone(), inplace=True)),
    F + "selu_": Case(lambda L, x: L.selu_(x.clone()) + L.selu(x.clone(), True)),
    F + "leaky_relu_": Case(lambda L, x: L.leaky_relu_(x.clone(), 0.2)),
    F + "hardtanh_": Case(lambda L, x: L.hardtanh_(x.clone(), -0.5) + L.relu6(x * 4, True)),
    F + "celu_": Case(lambda L, x: L.celu_(x.clone(), 0.5), opts={"rtol": 1e-4}),
    F + "rrelu_": Case(lambda L, x: L.rrelu_(x.clone(), 0.1, 0.2)),
    F + "threshold_": Case(lambda L, x: L.threshold_(x.clone(), 0.1, 3.0)),
    F + "rms_norm": Case(
        lambda L, x, w: L.rms_norm(x, (4,), w) + L.rms_norm(x, [3, 4], eps=0.1),
        [(2, 3, 4), (4,)],
        {"rtol": 1e-4, "atol": 1e-5},
    ),  # fmt: skip
    F + "feature_alpha_dropout": Case(
        lambda L, x: L.feature_alpha_dropout(x, 0.3) + L.feature_alpha_dropout(x, 0.0, True)
    ),
    F + "multilabel_margin_loss": Case(
        lambda L, x, y: L.multilabel_margin_loss(x, y) + L.multilabel_margin_loss(x[0], y[0]),
        [(3, 4), np.array([[3, 0, -1, 1], [1, 1, 2, -1], [-1, 0, 1, 2]])],
        {"second_order": False},  # torch: no double backward
    ),  # fmt: skip
    F + "triplet_margin_with_distance_loss": Case(
        lambda L, a, p, n: (
            L.triplet_margin_with_distance_loss(a, p, n, swap=True)
            + L.triplet_margin_with_distance_loss(
                a, p, n, distance_function=lambda u, v: (u - v).abs().sum(-1), margin=3.0
            )
        ),
        [(5, 3), (5, 3), (5, 3)],
        {"rtol": 1e-4, "atol": 1e-5},
    ),  # fmt: skip
    F + "max_pool1d_with_indices": Case(
        lambda L, x: L.max_pool1d_with_indices(x, 3, 2, 1), [(2, 3, 8)]
    ),
    F + "max_pool2d_with_indices": Case(
        lambda L, x: L.max_pool2d_with_indices(x, 3, 2, 1, ceil_mode=True), [(2, 3, 6, 7)]
    ),
    F + "adaptive_max_pool1d_with_indices": Case(
        lambda L, x: L.adaptive_max_pool1d_with_indices(x, 3), [(2, 3, 8)]
    ),
    F + "adaptive_max_pool2d_with_indices": Case(
        lambda L, x: L.adaptive_max_pool2d_with_indices(x, (2, 3)), [(2, 3, 6, 7)]
    ),
    F + "max_unpool1d": Case(
        lambda L, x: L.max_unpool1d(*L.max_pool1d(x, 2, return_indices=True), 2), [(2, 3, 8)]
    ),
    F + "max_unpool2d": Case(
        lambda L, x: L.max_unpool2d(
            *L.max_pool2d(x, 3, 2, 1, return_indices=True), 3, 2, 1, output_size=(6, 7)
        ),
        [(2, 3, 6, 7)],
    ),  # fmt: skip
    F + "dropout3d": Case(lambda L, x: L.dropout3d(x, 0.3, False), [(2, 3, 2, 2, 2)]),
    F + "prelu": Case(lambda L, x, w: L.prelu(x, w), [(2, 3, 4), (3,)]),
    F + "rrelu": Case(lambda L, x: L.rrelu(x, 0.1, 0.3) + L.rrelu(x, training=False)),
    F + "celu": Case(lambda L, x: L.celu(x, 0.7), opts={"rtol": 1e-4}),
    F + "softsign": Case(lambda L, x: L.softsign(x)),
    F + "tanhshrink": Case(lambda L, x: L.tanhshrink(x), opts={"atol": 1e-4}),
    F + "threshold": Case(lambda L, x: L.threshold(x, 0.3, -2.0)),
    F + "logsigmoid": Case(lambda L, x: L.logsigmoid(x * 5), opts={"rtol": 1e-4}),
    F + "glu": Case(lambda L, x: L.glu(x) + L.glu(x, 0).sum(0), [(4, 2)]),
    F + "hardswish": Case(lambda L, x: L.hardswish(x * 2.5)),
    F + "hardsigmoid": Case(
        lambda L, x: L.hardsigmoid(x * 2.5), opts={"second_order": False}
    ),  # torch: no double backward (ours: zero, the function is piecewise linear)
    F + "softmin": Case(lambda L, x: L.softmin(x, 1) + L.softmin(x.double(), dim=0).float()),
    F + "hardshrink": Case(lambda L, x: L.hardshrink(x) + L.hardshrink(x, 1.2)),
    F + "softshrink": Case(lambda L, x: L.softshrink(x, 0.7)),
    F + "group_norm": Case(
        lambda L, x, w, b: L.group_norm(x, 2, w, b, eps=1e-3),
        [(2, 4, 5), (4,), (4,)],
        {"rtol": 1e-4, "atol": 1e-4},
    ),  # fmt: skip
    F + "instance_norm": Case(
        lambda L, x, w, b: L.instance_norm(x, weight=w, bias=b),
        [(2, 3, 5), (3,), (3,)],
        {"rtol": 1e-4, "atol": 1e-4},
    ),  # fmt: skip
    F + "local_response_norm": Case(
        lambda L, x: L.local_response_norm(x, 3, alpha=0.5, beta=0.7, k=2.0),
        [(2, 5, 3, 2)],
        {"rtol": 1e-4, "atol": 1e-5},
    ),  # fmt: skip
    F + "normalize": Case(
        lambda L, x: L.normalize(x) + L.normalize(x, p=1.0, dim=0), opts={"rtol": 1e-4}
    ),
    F + "cosine_similarity": Case(
        lambda L, a, b: L.cosine_similarity(a, b) + L.cosine_similarity(a, b[:1], dim=1),
        [(3, 4), (3, 4)],
        {"rtol": 1e-4, "atol": 1e-5},
    ),  # fmt: skip
    F + "pairwise_distance": Case(
        lambda L, a, b: L.pairwise_distance(a, b) + L.pairwise_distance(a, b, p=3, keepdim=True).T,
        [(3, 4), (3, 4)],
        {"rtol": 1e-4, "atol": 1e-5},
    ),  # fmt: skip
    F + "pdist": Case(
        lambda L, x: L.pdist(x) + L.pdist(x, p=1),
        [(4, 3)],
        {"rtol": 1e-4, "atol": 1e-5, "second_order": False},  # torch: no double backward
    ),  # fmt: skip
    F + "bilinear": Case(
        lambda L, a, b, w, c: L.bilinear(a, b, w, c),
        [(2, 3, 4), (2, 3, 2), (5, 4, 2), (5,)],
        {"rtol": 1e-4, "atol": 1e-4},
    ),  # fmt: skip
    F + "max_pool1d": Case(
        lambda L, x: (
            L.max_pool1d(x, 3, 2, 1),
            *L.max_pool1d(x, 2, 2, 1, dilation=2, ceil_mode=True, return_indices=True),
            L.max_pool1d(x[0], 2),
        ),
        [(2, 3, 8)],
    ),  # fmt: skip
    F + "avg_pool1d": Case(
        lambda L, x: (
            L.avg_pool1d(x, 3, 2, 1)
            + L.avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)[..., :4]
        ),
        [(2, 3, 7)],
    ),  # fmt: skip
    F + "adaptive_max_pool1d": Case(
        lambda L, x: L.adaptive_max_pool1d(x, 3, return_indices=True), [(2, 3, 7)]
    ),
    F + "adaptive_max_pool2d": Case(
        lambda L, x: (
            *L.adaptive_max_pool2d(x, (3, None), return_indices=True),
            L.adaptive_max_pool2d(x[0], 2),
        ),
        [(2, 3, 5, 2)],
    ),  # fmt: skip
    F + "adaptive_avg_pool1d": Case(lambda L, x: L.adaptive_avg_pool1d(x, 3), [(2, 3, 7)]),
    F + "lp_pool1d": Case(
        lambda L, x: L.lp_pool1d(x.abs() + 0.1, 2, 3, 2), [(2, 3, 7)], {"rtol": 1e-4}
    ),
    F + "lp_pool2d": Case(
        lambda L, x: L.lp_pool2d(x.abs() + 0.1, 3, 2), [(2, 3, 4, 4)], {"rtol": 1e-4}
    ),
    F + "dropout1d": Case(lambda L, x: L.dropout1d(x, 0.5, training=False), [(2, 3, 4)]),
    F + "dropout2d": Case(lambda L, x: L.dropout2d(x, 0.5, training=False), [(2, 3, 4, 2)]),
    F + "alpha_dropout": Case(lambda L, x: L.alpha_dropout(x, 0.5) + L.alpha_dropout(x, 0.0, True)),
    F + "margin_ranking_loss": Case(
        lambda L, a, b, y: L.margin_ranking_loss(a, b, y.sign(), margin=0.3),
        [(6,), (6,), (6,)],
    ),  # fmt: skip
    F + "hinge_embedding_loss": Case(
        lambda L, x, y: L.hinge_embedding_loss(x, y, margin=1.5, reduction="none"),
        [(3, 4), np.array([[1.0, -1.0, 1.0, -1.0]] * 3, dtype=np.float32)],
    ),  # fmt: skip
    F + "cosine_embedding_loss": Case(
        lambda L, a, b, y: L.cosine_embedding_loss(a, b, y, margin=0.1, reduction="sum"),
        [(4, 3), (4, 3), np.array([1.0, -1.0, -1.0, 1.0], dtype=np.float32)],
        {"rtol": 1e-4, "atol": 1e-5},
    ),  # fmt: skip
    F + "triplet_margin_loss": Case(
        lambda L, a, p, n: (
            L.triplet_margin_loss(a, p, n, margin=2.0)
            + L.triplet_margin_loss(a, p, n, p=1, swap=True, reduction="sum")
        ),
        [(5, 3), (5, 3), (5, 3)],
        {"rtol": 1e-4, "atol": 1e-5},
    ),  # fmt: skip
    F + "soft_margin_loss": Case(
        lambda L, x, y: L.soft_margin_loss(x, y.sign().detach()), [(3, 4), (3, 4)], {"rtol": 1e-4}
    ),
    F + "multilabel_soft_margin_loss": Case(
        lambda L, x, y, w: L.multilabel_soft_margin_loss(x, (y > 0).float(), w),
        [(3, 4), (3, 4), (4,)],
        {"rtol": 1e-4},
    ),  # fmt: skip
    F + "multi_margin_loss": Case(
        lambda L, x, y, w: (
            L.multi_margin_loss(x, y, margin=2.0)
            + L.multi_margin_loss(x, y, p=2, weight=w.detach(), reduction="sum")
        ),
        [(3, 4), I(0, 3, 1), (4,)],
        {"rtol": 1e-4, "second_order": False},  # torch: no double backward
    ),  # fmt: skip
    F + "poisson_nll_loss": Case(
        lambda L, x, y: (
            L.poisson_nll_loss(x, y.abs() * 2)
            + L.poisson_nll_loss(x.abs() + 0.1, y.abs() * 2, log_input=False, full=True)
        ),
        [(3, 4), (3, 4)],
        {"rtol": 1e-4, "atol": 1e-5},
    ),  # fmt: skip
    F + "gaussian_nll_loss": Case(
        lambda L, x, y, v: (
            L.gaussian_nll_loss(x, y, v.abs() + 0.1, full=True)
            + L.gaussian_nll_loss(x, y, v[:, :1].abs() + 0.1, reduction="sum")
        ),
        [(3, 4), (3, 4), (3, 4)],
        {"rtol": 1e-4, "atol": 1e-5},
    ),  # fmt: skip
    # -- attention and resampling (nn/_attention.py, nn/_sampling.py) -------------------------
    F + "scaled_dot_product_attention": Case(
        lambda L, q, k, v, m: (
            L.scaled_dot_product_attention(q, k, v, attn_mask=m)
            + L.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7)
            + L.scaled_dot_product_attention(q, k, v, attn_mask=m > 0)
        ),
        [(2, 3, 4), (2, 3, 4), (2, 3, 5), (3, 3)],
        # torch's CPU kernel has no double backward; ours is checked against torch's math
        # formula in tests/nn/test_attention.py
        {"rtol": 1e-4, "atol": 1e-5, "second_order": False},
    ),
    F + "multi_head_attention_forward": Case(
        lambda L, q, w, b, wo, bo, bk, bv: (
            L.multi_head_attention_forward(q, q, q, 4, 2, w, b, bk, bv, True, 0.0, wo, bo)[0]
            + L.multi_head_attention_forward(
                q, q, q, 4, 2, w, b, None, None, False, 0.0, wo, bo, need_weights=False
            )[0]
        ),
        [(3, 2, 4), (12, 4), (12,), (4, 4), (4,), (1, 1, 4), (1, 1, 4)],
        {"rtol": 1e-4, "atol": 1e-5, "second_order": False},  # as scaled_dot_product_attention
    ),
    F + "interpolate": Case(
        lambda L, x: (
            L.interpolate(x, scale_factor=2, mode="bilinear").sum((2, 3))
            + L.interpolate(x, size=(3, 5), mode="bicubic", align_corners=True).sum((2, 3))
            + L.interpolate(x, scale_factor=1.5, mode="nearest").sum((2, 3))
            + L.interpolate(x, size=(2, 7), mode="nearest-exact").sum((2, 3))
        ),
        [(2, 3, 4, 5)],
        {"rtol": 1e-4, "atol": 1e-4},
    ),
    F + "upsample": Case(lambda L, x: L.upsample(x, scale_factor=2, mode="linear"), [(2, 3, 4)]),
    F + "upsample_nearest": Case(lambda L, x: L.upsample_nearest(x, size=(3, 7)), [(1, 2, 2, 3)]),
    F + "upsample_bilinear": Case(
        lambda L, x: L.upsample_bilinear(x, scale_factor=2), [(1, 2, 3, 3)], {"rtol": 1e-4}
    ),
    F + "pixel_shuffle": Case(lambda L, x: L.pixel_shuffle(x, 2), [(2, 8, 3, 2)]),
    F + "pixel_unshuffle": Case(lambda L, x: L.pixel_unshuffle(x, 2), [(2, 2, 4, 6)]),
    F + "unfold": Case(
        lambda L, x: L.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)), [(2, 3, 5, 6)]
    ),
    F + "fold": Case(lambda L, x: L.fold(x, (4, 5), 2, padding=1, stride=2), [(2, 12, 9)]),
    F + "affine_grid": Case(
        lambda L, t: L.affine_grid(t, (2, 3, 4, 5), align_corners=False), [(2, 2, 3)]
    ),
    F + "embedding_bag": Case(
        lambda L, i, w, o, p: (
            L.embedding_bag(i, w, o, mode="max")
            + L.embedding_bag(i, w, o, mode="sum", per_sample_weights=p)
            + L.embedding_bag(i, w, o, padding_idx=2)
        ),
        [I(1, 2, 0, 3, 2, 2, 1), (4, 3), I(0, 3, 3, 5), (7,)],
        # torch has no double backward through per_sample_weights; ours is checked against
        # torch's embedding + per-bag reductions in tests/nn/test_embedding_bag.py
        {"second_order": False},
    ),
    F + "grid_sample": Case(
        lambda L, x, g: (
            L.grid_sample(x, g, align_corners=False)
            + L.grid_sample(x, g, padding_mode="border", align_corners=True)
            + L.grid_sample(x, g, padding_mode="reflection", align_corners=False)
            + L.grid_sample(x, g, "bicubic", padding_mode="border", align_corners=False)
        ),
        [(2, 3, 4, 5), (2, 3, 2, 2)],
        {"low": -1.2, "high": 1.2, "rtol": 1e-4, "atol": 1e-5, "second_order": False},
    ),
    # -- more of torch's math, sorting, triangles and grids (ops/mathfns.py, sorting.py ...) ----
    "digamma": Case(lambda L, x: L.digamma(x), opts={**POS, "rtol": 1e-4}),
    "polygamma": Case(lambda L, x: L.polygamma(1, x), opts={**POS, "rtol": 1e-4}),
    "atan2": Case(lambda L, a, b: L.atan2(a, b), [(3, 4), (4,)], {"rtol": 1e-4}),
    "exp2": Case(lambda L, x: L.exp2(x)),
    "deg2rad": Case(lambda L, x: L.deg2rad(x)),
    "rad2deg": Case(lambda L, x: L.rad2deg(x), opts={"rtol": 1e-4}),
    "frac": Case(lambda L, x: L.frac(x * 3)),
    "logit": Case(lambda L, x: L.logit(x), opts={"low": 0.1, "high": 0.9, "rtol": 1e-4}),
    "sinc": Case(lambda L, x: L.sinc(x), opts={"rtol": 1e-4, "atol": 1e-5}),
    "hypot": Case(lambda L, a, b: L.hypot(a, b), [(3, 4), (4,)], {"rtol": 1e-4}),
    "logaddexp": Case(lambda L, a, b: L.logaddexp(a, b), [(3, 4), (4,)], {"rtol": 1e-4}),
    "logaddexp2": Case(lambda L, a, b: L.logaddexp2(a, b), [(3, 4), (4,)], {"rtol": 1e-4}),
    "float_power": Case(lambda L, x: L.float_power(x, 2)),
    "nan_to_num": Case(lambda L, x: L.nan_to_num(L.log(x), neginf=-5.0)),
    "clamp_min": Case(lambda L, x: L.clamp_min(x, 0.1)),
    "clamp_max": Case(lambda L, x: L.clamp_max(x, 0.1)),
    "heaviside": Case(lambda L, x: L.heaviside(L.round(x), x[0]), opts={"grad": False}),
    "signbit": Case(lambda L, x: L.signbit(x)),
    "isposinf": Case(lambda L, x: L.isposinf(1 / L.round(x))),
    "isneginf": Case(lambda L, x: L.isneginf(1 / L.round(x))),
    "isreal": Case(lambda L, x: L.isreal(x)),
    "isin": Case(lambda L, x: L.isin(L.round(x), L.round(x[0]))),
    "addcmul": Case(lambda L, x, a, b: L.addcmul(x, a, b, value=0.5), [(3, 4)] * 3),
    "addcdiv": Case(lambda L, x, a, b: L.addcdiv(x, a, b, value=0.5), [(3, 4)] * 3, POS),
    "addmm": Case(lambda L, x, a, b: L.addmm(x, a, b, beta=0.5, alpha=2), [(3, 4), (3, 2), (2, 4)]),
    "addmv": Case(lambda L, x, a, b: L.addmv(x, a, b, alpha=2), [(3,), (3, 2), (2,)]),
    "baddbmm": Case(lambda L, x, a, b: L.baddbmm(x, a, b), [(2, 3, 4), (2, 3, 2), (2, 2, 4)]),
    "inner": Case(lambda L, a, b: L.inner(a, b), [(3, 4), (2, 4)]),
    "vdot": Case(lambda L, a, b: L.vdot(a, b), [(4,), (4,)]),
    "cross": Case(lambda L, a, b: L.cross(a, b, dim=1), [(4, 3), (4, 3)]),
    "dist": Case(lambda L, a, b: L.dist(a, b, 3), [(3, 4), (3, 4)], {"rtol": 1e-4}),
    "tensordot": Case(lambda L, a, b: L.tensordot(a, b, 1), [(3, 4), (4, 2)], {"rtol": 1e-4}),
    "kron": Case(lambda L, a, b: L.kron(a, b), [(2, 3), (3, 2)]),
    "argsort": Case(lambda L, x: L.argsort(x, 1, descending=True)),
    "sort": Case(lambda L, x: L.sort(x, 0)),
    "msort": Case(lambda L, x: L.msort(x)),
    "topk": Case(lambda L, x: L.topk(x, 2)),
    "kthvalue": Case(lambda L, x: L.kthvalue(x, 2, 0)),
    "median": Case(lambda L, x: L.median(x, 1)),
    "nansum": Case(lambda L, x: L.nansum(x, 1)),
    "nanmean": Case(lambda L, x: L.nanmean(x, 0)),
    "cumprod": Case(lambda L, x: L.cumprod(x, 1)),
    "tril": Case(lambda L, x: L.tril(x, -1)),
    "triu": Case(lambda L, x: L.triu(x, 1)),
    "tril_indices": Case(lambda L, x: L.tril_indices(3, 4, 1)),
    "triu_indices": Case(lambda L, x: L.triu_indices(4, 3, -1)),
    "diagonal": Case(lambda L, x: L.diagonal(x, 1, 0, 2), [(4, 2, 5)]),
    "diag_embed": Case(lambda L, x: L.diag_embed(x, -1), [(2, 3)]),
    "diag": Case(lambda L, x: L.diag(x, 1)),
    "diagflat": Case(lambda L, x: L.diagflat(x), [(2, 2)]),
    "trace": Case(lambda L, x: L.trace(x)),
    "roll": Case(lambda L, x: L.roll(x, (1, -2), (0, 1))),
    "repeat_interleave": Case(lambda L, x: L.repeat_interleave(x, 2, dim=0)),
    "tile": Case(lambda L, x: L.tile(x, (2, 1))),
    "diff": Case(lambda L, x: L.diff(x, 2, 1)),
    "rot90": Case(lambda L, x: L.rot90(x, 3, (0, 1))),
    "select": Case(lambda L, x: L.select(x, 1, 2)),
    "take": Case(lambda L, x: L.take(x, L.tensor([0, 5, 11]))),
    "take_along_dim": Case(lambda L, x, i: L.take_along_dim(x, i, 0), [(3, 4), IDX]),
    "ravel": Case(lambda L, x: L.ravel(x.t())),
    "fliplr": Case(lambda L, x: L.fliplr(x)),
    "flipud": Case(lambda L, x: L.flipud(x)),
    "nonzero": Case(lambda L, x: L.nonzero(x > 0)),
    "argwhere": Case(lambda L, x: L.argwhere(x > 0)),
    "unique": Case(
        lambda L, x: L.unique(L.round(x), return_inverse=True, return_counts=True),
        opts={"grad": False},
    ),
    "unique_consecutive": Case(
        lambda L, x: L.unique_consecutive(L.round(x).flatten()), opts={"grad": False}
    ),
    "bincount": Case(lambda L, i: L.bincount(i, minlength=5), [I(0, 3, 1, 3)]),
    "searchsorted": Case(lambda L, x: L.searchsorted(L.sort(x[0]).values, x)),
    "bucketize": Case(lambda L, x: L.bucketize(x, L.sort(x[0]).values, right=True)),
    "meshgrid": Case(lambda L, a, b: L.meshgrid(a, b, indexing="xy"), [(3,), (2,)]),
    "cartesian_prod": Case(lambda L, a, b: L.cartesian_prod(a, b), [(3,), (2,)]),
    "hstack": Case(lambda L, a, b: L.hstack([a, b]), [(3, 4), (3, 2)]),
    "vstack": Case(lambda L, a, b: L.vstack([a, b]), [(4,), (2, 4)]),
    "row_stack": Case(lambda L, a, b: L.row_stack([a, b]), [(4,), (2, 4)]),
    "dstack": Case(lambda L, a, b: L.dstack([a, b]), [(3, 4), (3, 4)]),
    "column_stack": Case(lambda L, a, b: L.column_stack([a, b]), [(3,), (3, 2)]),
    "clone": Case(lambda L, x: L.clone(x) * 2),
    T + "sinh_": Case(lambda L, x: x.clone().sinh_()),
    T + "cosh_": Case(lambda L, x: x.clone().cosh_()),
    T + "asin_": Case(lambda L, x: x.clone().asin_(), opts={"low": -0.9, "high": 0.9}),
    T + "acos_": Case(lambda L, x: x.clone().acos_(), opts={"low": -0.9, "high": 0.9}),
    T + "atan_": Case(lambda L, x: x.clone().atan_()),
    T + "asinh_": Case(lambda L, x: x.detach().clone().asinh_()),
    T + "acosh_": Case(lambda L, x: x.detach().clone().acosh_(), opts={"low": 1.1, "high": 3.0}),
    T + "atanh_": Case(lambda L, x: x.detach().clone().atanh_(), opts={"low": -0.9, "high": 0.9}),
    T + "erf_": Case(lambda L, x: x.clone().erf_()),
    T + "erfc_": Case(lambda L, x: x.clone().erfc_()),
    T + "erfinv_": Case(lambda L, x: x.clone().erfinv_(), opts={"low": -0.9, "high": 0.9}),
    T + "lgamma_": Case(lambda L, x: x.clone().lgamma_(), opts=POS),
    T + "digamma_": Case(lambda L, x: x.clone().digamma_(), opts={**POS, "rtol": 1e-4}),
    T + "atan2_": Case(lambda L, x, y: x.clone().atan2_(y), [(3, 4), (4,)], {"rtol": 1e-4}),
    T + "fmod_": Case(lambda L, x: x.clone().fmod_(0.7)),
    T + "copysign_": Case(lambda L, x, y: x.clone().copysign_(y), [(3, 4), (4,)]),
    T + "xlogy_": Case(lambda L, x, y: x.clone().xlogy_(y), [(3, 4), (4,)], POS),
    T + "hypot_": Case(lambda L, x, y: x.clone().hypot_(y), [(3, 4), (4,)], {"rtol": 1e-4}),
    T + "logit_": Case(lambda L, x: x.clone().logit_(), opts={"low": 0.1, "high": 0.9}),
    T + "frac_": Case(lambda L, x: x.clone().frac_()),
    T + "exp2_": Case(lambda L, x: x.clone().exp2_()),
    T + "deg2rad_": Case(lambda L, x: x.clone().deg2rad_()),
    T + "rad2deg_": Case(lambda L, x: x.clone().rad2deg_(), opts={"rtol": 1e-4}),
    T + "nan_to_num_": Case(lambda L, x: L.log(x).nan_to_num_(neginf=-5.0)),
    T + "clamp_min_": Case(lambda L, x: x.clone().clamp_min_(0.1)),
    T + "clamp_max_": Case(lambda L, x: x.clone().clamp_max_(0.1)),
    T + "tril_": Case(lambda L, x: x.clone().tril_(1)),
    T + "triu_": Case(lambda L, x: x.clone().triu_()),
    T + "ndimension": Case(lambda L, x: L.tensor([x.ndimension()]), [(2, 3, 4)]),
    T + "stride": Case(lambda L, x: L.tensor(x.t().stride())),
    T + "short": Case(lambda L, x: (x * 3).short().long()),
    T + "byte": Case(lambda L, x: (x.abs() * 3).byte().long()),
    T + "char": Case(lambda L, x: (x * 3).char().long()),
    # -- Tensor-only methods and properties -----------------------------------------------------
    T + "T": Case(lambda L, x: x.T, [(2, 3, 4)]),
    T + "mT": Case(lambda L, x: x.mT, [(2, 3, 4)]),
    T + "expand": Case(lambda L, x: x.expand(2, 3, 4), [(3, 1)]),
    T + "expand_as": Case(lambda L, x, y: x.expand_as(y), [(3, 1), (3, 4)]),
    T + "view": Case(lambda L, x: x.view(2, 6)),
    T + "view_as": Case(lambda L, x, y: x.view_as(y), [(3, 4), (2, 6)]),
    T + "reshape_as": Case(lambda L, x, y: x.reshape_as(y), [(3, 4), (6, 2)]),
    T + "swapdims": Case(lambda L, x: x.swapdims(0, 1)),
    T + "swapaxes": Case(lambda L, x: x.swapaxes(axis0=1, axis1=0)),
    T + "clone": Case(lambda L, x: x.clone() * 2),
    T + "contiguous": Case(lambda L, x: x.t().contiguous()),
    T + "is_contiguous": Case(lambda L, x: L.tensor([x.is_contiguous()])),
    T + "detach": Case(lambda L, x: x.detach() * x),
    T + "to": Case(lambda L, x: x.to(L.float64) * x.to(dtype=L.int64)),
    T + "type": Case(lambda L, x: x.type(L.float64)),
    T + "type_as": Case(lambda L, x, y: x.type_as(y.to(L.float64)), [(3, 4), (3, 4)]),
    T + "ndim": Case(lambda L, x: L.tensor([x.ndim]), [(2, 3, 4)]),
    T + "repeat": Case(lambda L, x: x.repeat(2, 3)),
    T + "where": Case(lambda L, x, y: x.where(x > y, y), [(3, 4), (4,)]),
    T + "float": Case(lambda L, x: x.double().float()),
    T + "double": Case(lambda L, x: x.double()),
    T + "half": Case(lambda L, x: x.half().float(), opts={"atol": 2e-3, "rtol": 2e-3}),
    T + "long": Case(lambda L, x: (x * 3).long()),
    T + "int": Case(lambda L, x: (x * 3).int()),
    T + "bool": Case(lambda L, x: L.round(x).bool()),
    T + "cpu": Case(lambda L, x: x.cpu() * 2),
    T + "new_zeros": Case(lambda L, x: x.new_zeros(2, 3)),
    T + "new_ones": Case(lambda L, x: x.new_ones((2,))),
    T + "new_full": Case(lambda L, x: x.new_full((2, 2), 3.0)),
    T + "new_empty": Case(lambda L, x: x.new_ones(x.new_empty(2, 3).shape)),
    T + "new_tensor": Case(lambda L, x: x.new_tensor([1, 2])),
    T + "size": Case(lambda L, x: L.tensor([x.size(1), *x.size()])),
    T + "dim": Case(lambda L, x: L.tensor([x.dim(), x.ndim]), [(2, 3, 4)]),
    T + "nelement": Case(lambda L, x: L.tensor([x.nelement(), x.numel()])),
    T + "element_size": Case(lambda L, x: L.tensor([x.element_size(), x.double().element_size()])),
    T + "item": Case(lambda L, x: L.tensor(x.sum().item())),
    T + "tolist": Case(lambda L, x: L.tensor(x.tolist())),
    T + "numpy": Case(
        lambda L, x: L.from_numpy(x.detach().numpy() * 2),
        opts={"device_sweep": False},  # a CUDA tensor refuses .numpy(), in torch too
    ),
    T + "add_": Case(lambda L, x, y: x.clone().add_(y, alpha=2), [(3, 4), (4,)]),
    T + "sub_": Case(lambda L, x, y: x.clone().sub_(y), [(3, 4), (4,)]),
    T + "mul_": Case(lambda L, x, y: x.clone().mul_(y), [(3, 4), (4,)]),
    T + "div_": Case(lambda L, x, y: x.clone().div_(y), [(3, 4), (4,)], POS),
    T + "pow_": Case(lambda L, x: x.clone().pow_(3)),
    T + "clamp_": Case(lambda L, x: x.clone().clamp_(-0.5, 0.5)),
    T + "copy_": Case(lambda L, x, y: x.clone().copy_(y), [(3, 4), (4,)]),
    T + "masked_fill_": Case(lambda L, x, m: x.clone().masked_fill_(m, 2.0), [(3, 4), MASK]),
    T + "addcmul_": Case(lambda L, x, a, b: x.clone().addcmul_(a, b, value=0.5), [(3, 4)] * 3),
    T + "addcdiv_": Case(lambda L, x, a, b: x.clone().addcdiv_(a, b, value=0.5), [(3, 4)] * 3, POS),
    T + "lerp_": Case(lambda L, x, y: x.clone().lerp_(y, 0.25), [(3, 4), (3, 4)]),
    T + "exp_": Case(lambda L, x: x.clone().exp_()),
    T + "sqrt_": Case(lambda L, x: x.clone().sqrt_(), opts=POS),
    T + "relu_": Case(lambda L, x: x.clone().relu_()),
    T + "tanh_": Case(lambda L, x: x.clone().tanh_()),
    T + "sigmoid_": Case(lambda L, x: x.clone().sigmoid_()),
    T + "neg_": Case(lambda L, x: x.clone().neg_()),
    T + "abs_": Case(lambda L, x: x.clone().abs_()),
    T + "fill_": Case(lambda L, x: x.detach().clone().fill_(2.5)),
    T + "zero_": Case(lambda L, x: x.detach().clone().zero_()),
    # -- less common Tensor methods (ops/legacy.py) ---------------------------------------
    "as_strided": Case(
        lambda L, x: L.as_strided(x, (2, 3), (1, 2), 1) * L.as_strided(x, (2, 3), (0, 4)),
        [(3, 4)],
    ),
    T + "new": Case(lambda L, x: x.new([1.5, 2]) * x.new(2, 3).shape[1] + x.new().numel()),
    T + "put": Case(
        lambda L, x, s: x.put(L.tensor([0, -1, 5]), s, accumulate=True), [(3, 4), (3,)]
    ),
    T + "put_": Case(lambda L, x, s: x.clone().put_(L.tensor([1, 7]), s), [(3, 4), (2,)]),
    T + "index_reduce": Case(
        lambda L, x, s: (
            x.index_reduce(0, L.tensor([0, 2, 0]), s, "mean", include_self=False)
            + x.index_reduce(1, L.tensor([3, 3]), s[:, :2], "amax")
        ),
        [(3, 4), (3, 4)],
        {"second_order": False},
    ),
    "index_reduce": Case(
        lambda L, x, s: (
            L.index_reduce(x, 0, L.tensor([0, 2, 0]), s, "prod", include_self=False)
            + L.index_reduce(x, 1, L.tensor([3, 0, 3]), s[:, :3], "amin")
        ),
        [(3, 4), (3, 4)],
    ),
    "histogramdd": Case(
        lambda L, x, w: (lambda r: (r.hist, *r.bin_edges))(
            L.histogramdd(x, bins=[2, 3], weight=w, density=True)
        ),
        [(5, 2), (5,)],
        {"grad": False},
    ),
    "geqrf": Case(lambda L, x: L.geqrf(x), [(4, 3)], {"grad": False}),
    "orgqr": Case(lambda L, x, t: L.orgqr(x, t), [(4, 3), (2,)]),
    "ormqr": Case(
        lambda L, x, t, c: L.ormqr(x, t, c) + L.ormqr(x, t, c.mT, False, True).mT,
        [(4, 3), (3,), (4, 2)],
    ),
    "put": Case(lambda L, x, s: L.put(x, L.tensor([0, -1, 5]), s), [(3, 4), (3,)]),
    T + "index_reduce_": Case(
        lambda L, x, s: x.clone().index_reduce_(0, L.tensor([1, 1]), s, "amin"), [(3, 4), (2, 4)]
    ),
    "nextafter": Case(lambda L, x, y: L.nextafter(x, y) * 2, [(3, 4), (4,)]),
    F + "fractional_max_pool2d": Case(
        lambda L, x: L.fractional_max_pool2d(
            x, (2, 3), (4, 2), _random_samples=x.detach()[:, :, 0, :2] * 0 + 0.37
        ),
        [(2, 3, 7, 6)],
    ),
    F + "fractional_max_pool2d_with_indices": Case(
        lambda L, x: L.fractional_max_pool2d_with_indices(
            x, 2, output_ratio=(0.5, 0.7), _random_samples=x.detach()[:, :, 0, :2] * 0 + 0.81
        ),
        [(2, 3, 7, 6)],
    ),
    F + "fractional_max_pool3d": Case(
        lambda L, x: L.fractional_max_pool3d(
            x, (2, 3, 2), (3, 2, 2), _random_samples=x.detach()[:, :, 0, 0, :3] * 0 + 0.37
        ),
        [(2, 3, 5, 6, 4)],
    ),
    F + "fractional_max_pool3d_with_indices": Case(
        lambda L, x: L.fractional_max_pool3d_with_indices(
            x,
            2,
            output_ratio=(0.5, 0.6, 0.5),
            _random_samples=x.detach()[:, :, 0, 0, :3] * 0 + 0.81,
        ),
        [(2, 3, 6, 7, 6)],
    ),
    F + "channel_shuffle": Case(lambda L, x: L.channel_shuffle(x, 2), [(2, 4, 3)]),
    F + "ctc_loss": Case(
        lambda L, x, t, il, tl: L.ctc_loss(L.log_softmax(x, -1), t, il, tl),
        [(5, 2, 3), np.array([[1, 2], [2, 2]]), I(5, 4), I(2, 2)],
        {"second_order": False},
    ),
    T + "polygamma": Case(lambda L, x: x.polygamma(2), opts={**POS, "rtol": 1e-4}),
    T + "nextafter_": Case(lambda L, x: x.clone().nextafter_(L.zeros(4)) * 1),
    T + "prelu": Case(lambda L, x, w: x.prelu(w), [(2, 3, 4), (3,)]),
    T + "hardshrink": Case(lambda L, x: x.hardshrink(0.4)),
    T + "narrow_copy": Case(lambda L, x: x.narrow_copy(1, 1, 2)),
    T + "resize_": Case(lambda L, x: x.detach().clone().resize_(2, 5) * 1),
    T + "resize_as_": Case(lambda L, x, y: x.detach().clone().resize_as_(y), [(3, 4), (2, 2)]),
    T + "apply_": Case(lambda L, x: x.detach().clone().apply_(lambda v: v * v - 1)),
    T + "map_": Case(
        lambda L, x, y: x.detach().clone().map_(y.detach(), lambda a, b: max(a, b)), [(3, 4), (4,)]
    ),
    T + "map2_": Case(
        lambda L, x, y: x.detach().clone().map2_(y.detach(), y.detach(), lambda a, b, c: a - b * c),
        [(3, 4), (4,)],
    ),
    T + "share_memory_": Case(
        lambda L, x: x.share_memory_() * 2,
        opts={"device_sweep": False},  # CPU tensors only (see share_memory_'s error)
    ),
    T + "is_shared": Case(lambda L, x: L.tensor([x.detach().clone().is_shared()])),
    T + "conj": Case(lambda L, x: x.conj() * L.tensor([x.conj() is x])),
    T + "conj_physical": Case(lambda L, x: x.conj_physical() * 3),
    T + "resolve_conj": Case(lambda L, x: x.resolve_conj() * L.tensor([x.resolve_conj() is x])),
    T + "resolve_neg": Case(lambda L, x: x.resolve_neg() * L.tensor([x.resolve_neg() is x])),
    T + "is_conj": Case(lambda L, x: L.tensor([x.is_conj(), x.conj().is_conj()])),
    T + "is_neg": Case(lambda L, x: L.tensor([x.is_neg()])),
    T + "conj_physical_": Case(lambda L, x: x.detach().clone().conj_physical_() * 2),
    T + "name": Case(lambda L, x: L.tensor([x.name is None])),
    # -- 3-D convolution and pooling ---------------------------------------------------
    F + "conv3d": Case(
        lambda L, x, w, b: L.conv3d(x, w, b, stride=(1, 2, 1), padding=(1, 0, 1), groups=2),
        [(2, 4, 4, 5, 4), (6, 2, 3, 2, 2), (6,)],
        {"rtol": 1e-4, "atol": 1e-4},
    ),
    F + "conv_transpose3d": Case(
        lambda L, x, w, b: L.conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1),
        [(2, 4, 3, 2, 3), (4, 3, 3, 2, 3), (3,)],
        {"rtol": 1e-4, "atol": 1e-4},
    ),
    F + "max_pool3d": Case(
        lambda L, x: L.max_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0), ceil_mode=True),
        [(2, 3, 4, 5, 5)],
    ),
    F + "max_pool3d_with_indices": Case(
        lambda L, x: L.max_pool3d_with_indices(x, 3, 2, 1, dilation=(1, 2, 1)), [(2, 2, 5, 6, 5)]
    ),
    F + "avg_pool3d": Case(
        lambda L, x: (
            L.avg_pool3d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
            L.avg_pool3d(x, (2, 3, 2), divisor_override=5),
        ),
        [(2, 3, 5, 6, 5)],
    ),
    F + "adaptive_avg_pool3d": Case(
        lambda L, x: L.adaptive_avg_pool3d(x, (3, None, 2)), [(2, 3, 5, 4, 7)]
    ),
    F + "adaptive_max_pool3d": Case(
        lambda L, x: L.adaptive_max_pool3d(x, (3, 2, 4), return_indices=True), [(2, 3, 5, 4, 7)]
    ),
    F + "adaptive_max_pool3d_with_indices": Case(
        lambda L, x: L.adaptive_max_pool3d_with_indices(x, 2), [(3, 5, 4, 7)]
    ),
    F + "lp_pool3d": Case(
        lambda L, x: L.lp_pool3d(x.abs() + 0.1, 2, (2, 3, 2), 2), [(2, 3, 4, 5, 4)], {"rtol": 1e-4}
    ),
    F + "max_unpool3d": Case(
        lambda L, x: L.max_unpool3d(
            *L.max_pool3d(x, 3, 2, 1, return_indices=True), 3, 2, 1, output_size=(5, 6, 5)
        ),
        [(2, 3, 5, 6, 5)],
    ),  # fmt: skip
}


def _printed(L: Any, x: Any) -> str:
    """The repr under set_printoptions (then the defaults restored)."""
    L.set_printoptions(precision=2, sci_mode=False)
    try:
        return repr(x.detach() * 1000)
    finally:
        L.set_printoptions(profile="default")


def _retained(y: Any) -> bool:
    y.retain_grad()
    return y.retains_grad


# Methods whose cases are the function's case called as a method (x.name(*rest)).
AS_METHOD = {name for name in CASES if "." not in name and name in vars(ng.Tensor)} - {
    "broadcast_to",
    "broadcast_tensors",
    "tensor",
    "where",
    "repeat",
    "polygamma",  # torch.polygamma(n, x) but x.polygamma(n): T.polygamma has its own case
}

# Aliases: the same object as a checked name.
ALIASES = {
    "clip": "clamp", "concat": "cat", "concatenate": "cat", "divide": "div",
    "true_divide": "div", "multiply": "mul", "negative": "neg", "subtract": "sub",
    "greater": "gt", "less": "lt", "view": "reshape",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh",
    "arccosh": "acosh", "arctanh": "atanh", "arctan2": "atan2", "absolute": "abs",
    "sgn": "sign", "fix": "trunc", "swapdims": "transpose", "moveaxis": "movedim",
    "ger": "outer",
    "greater_equal": "ge", "less_equal": "le", "not_equal": "ne",
}  # fmt: skip

NOT_OPS = "a torch-named object, not an operation; tested in"
REASONS: dict[str, str] = {
    "svd_lowrank": "randomized (its draws are not torch's): against the exact SVD in "
    "tests/core/test_lowrank_histogramdd.py",
    "pca_lowrank": "randomized (its draws are not torch's): against the exact PCA and torch's "
    "singular values in tests/core/test_lowrank_histogramdd.py",
    T
    + "dim_order": "tuples compared with torch's on several layouts: test_tensor_methods_extra.py",
    T + "as_subclass": "a subclass view (type, shared memory, graph, errors) compared with "
    "torch's: test_tensor_methods_extra.py",
    T + "module_load": "torch's default load hook (copy or assign, detached) compared with "
    "torch's: test_tensor_methods_extra.py",
    "as_strided_scatter": "values compared with torch's; its input gradient is checked "
    "numerically (torch 2.13's is wrong): tests/core/test_toplevel_torch_functions.py",
    T + "as_strided_scatter": "the method form of as_strided_scatter: "
    "tests/core/test_toplevel_torch_functions.py",
    T + "grad_dtype": "autograd state (leaf-only, casts and checks compared with torch's): "
    "tests/core/test_autograd.py",
    **{
        T + n: "removed in torch 1.9: raises torch's error (with the replacement), compared in "
        "test_tensor_methods_extra.py"
        for n in ("eig", "symeig", "lstsq", "solve")
    },
    T + "resize": "deprecated reshape, warning and error compared: test_tensor_methods_extra.py",
    T + "resize_as": "deprecated reshape, warning and error compared: test_tensor_methods_extra.py",
    T + "const_data_ptr": "an address (data_ptr): test_tensor_methods_extra.py",
    T + "storage": "deprecated TypedStorage (torch's warning): tests/core/test_storage.py",
    "UntypedStorage": "a storage class; its methods compared with torch's in "
    "tests/core/test_storage.py",
    "TypedStorage": "deprecated storage class; compared with torch's in tests/core/test_storage.py",
    T + "imag": "raises RuntimeError for every real tensor, as torch (test_tensor_api.py)",
    "BoolTensor": "legacy typed-tensor class; tests/compat/test_examples_apis.py",
    "ByteTensor": "legacy typed-tensor class; tests/compat/test_examples_apis.py",
    "CharTensor": "legacy typed-tensor class; tests/compat/test_examples_apis.py",
    "DoubleTensor": "legacy typed-tensor class; tests/compat/test_examples_apis.py",
    "FloatTensor": "legacy typed-tensor class; tests/compat/test_examples_apis.py",
    "HalfTensor": "legacy typed-tensor class; tests/compat/test_examples_apis.py",
    "IntTensor": "legacy typed-tensor class; tests/compat/test_examples_apis.py",
    "LongTensor": "legacy typed-tensor class; tests/compat/test_examples_apis.py",
    "ShortTensor": "legacy typed-tensor class; tests/compat/test_examples_apis.py",
    "vmap": "a function transform (torch.vmap = torch.func.vmap): tests/func/test_func.py",
    **{
        k: "memory format: strides compared with torch in tests/core/test_memory_format.py"
        for k in (
            "channels_last",
            "channels_last_3d",
            "contiguous_format",
            "memory_format",
            "preserve_format",
        )
    },
    # sparse COO layout: compared with torch in tests/sparse/test_sparse.py
    **{
        k: "sparse COO layout: tests/sparse/test_sparse.py"
        for k in (
            "layout",
            "sparse_coo",
            "sparse_coo_tensor",
            "strided",
            "T.coalesce",
            "T.dense_dim",
            "T.indices",
            "T.is_coalesced",
            "T.layout",
            "T.sparse_dim",
            "T.to_dense",
            "T.to_sparse",
            "T.to_sparse_coo",
            "T.values",
            "smm",
            "sspaddmm",
            "hspmm",
            "T.smm",
            "T.sspaddmm",
        )
    },
    # run-time switches (no tensor math): tests/core/test_torch_runtime.py
    **{
        n: "a run-time switch, not an op: tests/core/test_torch_runtime.py"
        for n in (
            "compile",
            "use_deterministic_algorithms",
            "are_deterministic_algorithms_enabled",
            "is_deterministic_algorithms_warn_only_enabled",
            "is_anomaly_enabled",
        )
    },
    # classes and dtype/device objects
    "Tensor": "the class itself; its methods are enumerated below",
    "Size": f"{NOT_OPS} tests/core/test_tensor_api.py (shape, numel, repr)",
    "Generator": "random streams differ from torch's by design; tests/core/test_tensor_api.py",
    "autocast": "a context manager (its disabled forms; enabled ones refuse); "
    "tests/compat/test_tutorial_apis.py",
    "set_default_device": "a global setting, not an op; tests/compat/test_tutorial_apis.py",
    "get_default_device": "a global setting, not an op; tests/compat/test_tutorial_apis.py",
    "device": f"{NOT_OPS} tests/core/test_tensor_api.py",
    "dtype": f"{NOT_OPS} tests/core/test_tensor_api.py",
    "SerializationError": "the error of nablagrad.load for malformed files (torch has none by "
    "this name); tests/core/test_bad_input.py and tests/fuzz (mutated checkpoints)",
    **{
        n: f"dtype object (torch.{n}); dtypes of every case here are compared with torch's"
        for n in (
            "bool",
            "bool_",
            "float",
            "double",
            "half",
            "long",
            "int",
            "short",
            "uint8",
            "int8",
            "int16",
            "int32",
            "int64",
            "float16",
            "float32",
            "float64",
        )
    },  # fmt: skip
    # random numbers: same distributions, different streams
    **{
        n: "random draws: torch's generator streams differ by design; distributions, shapes "
        "and dtypes are tested in tests/core/test_tensor_api.py and tests/data"
        for n in (
            "rand",
            "randn",
            "randint",
            "randperm",
            "normal",
            "bernoulli",
            "multinomial",
            "rand_like",
            "randn_like",
            "randint_like",
            "seed",
            "manual_seed",
            "initial_seed",
            "get_rng_state",
            "set_rng_state",
            "T.normal_",
            "T.uniform_",
            "T.bernoulli_",
            "T.random_",
        )
    },  # fmt: skip
    # state and modes
    **{
        n: "grad mode / autograd state; torch semantics tested in tests/core/test_autograd.py"
        for n in (
            "no_grad",
            "enable_grad",
            "set_grad_enabled",
            "is_grad_enabled",
            "inference_mode",
            "is_inference_mode_enabled",
            "T.backward",
            "T.grad",
            "T.grad_fn",
            "T.is_leaf",
            "T.requires_grad",
            "T.requires_grad_",
            "T.register_hook",
            "T.retain_grad",
            "T.detach_",
            "T.data",
        )
    },  # fmt: skip
    "T.register_post_accumulate_grad_hook": "autograd hook: calls and gradients compared with "
    "torch's in tests/distributed/test_single_process.py",
    "get_default_dtype": "global setting; tests/core/test_tensor_api.py",
    "set_default_dtype": "global setting; tests/core/test_tensor_api.py",
    "get_num_threads": "thread count; tests/core/test_parallel.py",
    "set_num_threads": "thread count; tests/core/test_parallel.py",
    "save": "file format (safetensors), not torch's pickle; tests/train/test_serialization.py",
    "load": "file format (safetensors), not torch's pickle; tests/train/test_serialization.py",
    "T.shape": "compared with torch's shape in every case (assert_close checks shapes)",
    "T.dtype": "compared with torch's dtype in every case (check_op checks dtypes)",
    "T.device": "CPU here; devices are tested on cpu and the fake CUDA device in tests/device",
    "T.is_cuda": "CPU here; devices are tested on cpu and the fake CUDA device in tests/device",
    "T.cuda": "torch's needs a CUDA build; tested on the fake CUDA device in tests/device",
    "T.pin_memory": "torch's needs a CUDA build; accepted as a no-op, tested in tests/device",
    "T.is_pinned": "torch's needs a CUDA build; always False here, tested in tests/device",
    **{
        n: "a constant or dtype-information object like torch's; compared in "
        "tests/core/test_extra_ops.py"
        for n in ("e", "pi", "inf", "nan", "newaxis", "finfo", "iinfo")
    },  # fmt: skip
    "typename": "a type's name, not an op; compared with torch's in "
    "tests/core/test_asarray_frombuffer.py",
    "install_as_torch": "the torch alias itself; tests/compat/test_run_as_torch.py runs "
    "PyTorch scripts through it",
    "poisson": "random draws (streams differ from torch's); moments in "
    "tests/core/test_linalg_stats_extra.py",
    "binomial": "random draws (streams differ from torch's); moments in "
    "tests/core/test_linalg_stats_extra.py",
    "T.multinomial": "random draws: torch's streams differ by design; tests/core/test_extra_ops.py",
    "T.bernoulli": "random draws: torch's streams differ by design; tests/core/test_extra_ops.py",
    "T.get_device": "CPU here (-1, as torch); tests/core/test_extra_ops.py",
    "T.is_sparse": "always False (no sparse tensors); tests/core/test_extra_ops.py",
    "T.is_ipu": "always False; tests/compat/test_examples_apis.py",
    "T.is_maia": "always False; tests/compat/test_examples_apis.py",
    "T.is_meta": "always False; tests/compat/test_examples_apis.py",
    "T.is_mkldnn": "always False; tests/compat/test_examples_apis.py",
    "T.is_mps": "always False; tests/compat/test_examples_apis.py",
    "T.is_mtia": "always False; tests/compat/test_examples_apis.py",
    "T.is_nested": "always False; tests/compat/test_examples_apis.py",
    "T.is_quantized": "always False; tests/compat/test_examples_apis.py",
    "T.is_sparse_csr": "always False; tests/compat/test_examples_apis.py",
    "T.is_vulkan": "always False; tests/compat/test_examples_apis.py",
    "T.is_xla": "always False; tests/compat/test_examples_apis.py",
    "T.is_xpu": "always False; tests/compat/test_examples_apis.py",
    # torch's top-level forms of methods, views and nn functions (ATen signatures), predicates
    # and switches: each compared with torch in tests/core/test_toplevel_torch_functions.py
    **{
        n: "torch's top-level form: values, gradients and errors compared with torch in "
        "tests/core/test_toplevel_torch_functions.py"
        for n in (
            *_ops_toplevel.__all__,
            *_nn_toplevel.__all__,
            "angle",
            "T.angle",
            "range",
            "empty_strided",
            "empty_permuted",
            "get_float32_matmul_precision",
            "set_float32_matmul_precision",
            "set_flush_denormal",
            "get_num_interop_threads",
            "set_num_interop_threads",
            "set_warn_always",
            "is_warn_always_enabled",
            "set_deterministic_debug_mode",
            "get_deterministic_debug_mode",
            "set_anomaly_enabled",
            "is_anomaly_check_nan_enabled",
            "is_storage",
            "is_vulkan_available",
            "init_num_threads",
            "set_default_tensor_type",
            "from_dlpack",
            "to_dlpack",
        )
    },
    **{
        T + n: "the method form of torch's top-level function: compared with torch in "
        "tests/core/test_toplevel_torch_functions.py"
        for n in (
            "unsafe_chunk",
            "unsafe_split",
            "unsafe_split_with_sizes",
            "nonzero_static",
            "is_distributed",
        )
    },
    **{
        F + n: "torch.nn.functional's re-export of the top-level function (the same object, "
        "as torch's): tests/core/test_toplevel_torch_functions.py"
        for n in ("conv_tbc", "native_channel_shuffle")
    },
    "F.linear_cross_entropy": "values and gradients compared with torch's for every kind of "
    "target in tests/nn/test_linear_cross_entropy.py",
    "F.gumbel_softmax": "random draws (streams differ from torch's); frequencies against "
    "softmax and torch's, and the straight-through gradient, in "
    "tests/nn/test_buffer_init_ctc_shuffle.py",
}


def _public(namespace: Any) -> list[str]:
    names = getattr(namespace, "__all__", None) or dir(namespace)
    out = []
    for n in names:
        if n.startswith("_"):
            continue
        value = getattr(namespace, n, None)
        if inspect.ismodule(value) or isinstance(value, __future__._Feature):
            continue
        out.append(n)
    return sorted(out)


def _checked(key: str, name: str, namespace: Any) -> bool:
    if key in CASES or key in REASONS:
        return True
    if name in TABLE and key in (name, T + name):
        return True
    if key.startswith(T) and name in CASES and name in AS_METHOD:
        return True
    if key.startswith(T) and name in ALIASES and name in vars(ng.Tensor):
        target = ALIASES[name]
        return vars(ng.Tensor)[name] is vars(ng.Tensor).get(target)
    if name in ALIASES and not key.startswith((T, F)):
        return getattr(ng, name) is getattr(ng, ALIASES[name])
    return False


def _all_names() -> list[tuple[str, str, Any]]:
    names = [(n, n, ng) for n in _public(ng)]
    names += [(F + n, n, ngF) for n in _public(ngF)]
    names += [(T + n, n, ng.Tensor) for n in _public(ng.Tensor)]
    return names


def test_every_public_name_is_checked():
    missing = [key for key, name, ns in _all_names() if not _checked(key, name, ns)]
    assert not missing, (
        f"public names with no torch comparison and no written reason: {missing}: add a Case "
        "or a reason in tests/meta/test_public_api.py"
    )


def test_the_lists_name_only_existing_things():
    existing = {key for key, _, _ in _all_names()}
    stale = sorted(set(CASES) - existing) + sorted(set(REASONS) - existing - {"T.data"})
    assert not stale, f"cases or reasons for names that do not exist: {stale}"


def _libs(key: str) -> tuple[Any, Any]:
    return (ngF, tF) if key.startswith(F) else (ng, torch)


def _run(key: str, call: Callable[..., Any], case: Case) -> None:
    ours, theirs = _libs(key)
    opts = {"atol": 1e-5, "rtol": 1e-5, "second_order": True, **case.opts}
    check_op(lambda *xs: call(ours, *xs), lambda *xs: call(theirs, *xs), case.inputs, **opts)


@pytest.mark.parametrize("key", sorted(CASES))
def test_case_against_torch(key):
    _run(key, CASES[key].call, CASES[key])


@pytest.mark.parametrize("name", sorted(AS_METHOD))
def test_case_as_method_against_torch(name):
    _run(name, _method_call(name, CASES[name]), CASES[name])


def _method_call(name: str, case: Case) -> Callable[..., Any]:
    """The case with ``L.name(x, *args)`` replaced by ``x.name(*args)`` (other L.* unchanged)."""

    def call(L: Any, *xs: Any) -> Any:
        class Proxy:
            def __getattr__(self, attr: str) -> Any:
                if attr == name:
                    return lambda first, *args, **kw: getattr(first, name)(*args, **kw)
                return getattr(L, attr)

        return case.call(Proxy(), *xs)

    return call


@pytest.mark.parametrize("call", [lambda L, x: L.floor_divide(x, 0.7), lambda L, x: x // 0.7])
def test_floor_divide_has_no_derivative_like_torch(call):
    for lib in (ng, torch):
        x = lib.tensor([1.5, -2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="floor_divide"):
            call(lib, x).sum().backward()
