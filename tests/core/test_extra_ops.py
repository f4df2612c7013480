"""The extra elementwise, sorting, triangular and grid functions against torch (values, grads)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_op, to_torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nablagrad as ng

UNARY = [
    ("sinh", -2, 2),
    ("cosh", -2, 2),
    ("asin", -0.9, 0.9),
    ("acos", -0.9, 0.9),
    ("atan", -3, 3),
    ("asinh", -3, 3),
    ("acosh", 1.1, 4),
    ("atanh", -0.9, 0.9),
    ("erf", -2, 2),
    ("erfc", -2, 2),
    ("erfinv", -0.9, 0.9),
    ("lgamma", 0.2, 5),
    ("digamma", 0.2, 5),
    ("exp2", -2, 2),
    ("deg2rad", -180, 180),
    ("rad2deg", -3, 3),
    ("frac", -3, 3),
    ("logit", 0.05, 0.95),
    ("sinc", -2, 2),
    ("arcsin", -0.9, 0.9),
    ("arctanh", -0.9, 0.9),
]


@pytest.mark.parametrize("name,low,high", UNARY)
def test_unary_function_and_method(name, low, high):
    tol = dict(atol=1e-5, rtol=1e-4)
    check_op(getattr(ng, name), getattr(torch, name), [(3, 4)], low=low, high=high, **tol)
    check_op(
        lambda x: getattr(x, name)(),
        lambda x: getattr(x, name)(),
        [(5,)],
        low=low,
        high=high,
        seed=3,
        **tol,
    )


@pytest.mark.parametrize("name", ["sinh", "cosh", "atan", "erf", "lgamma"])
def test_unary_second_derivative(name):
    x = ng.tensor([0.7, 1.3], dtype=ng.float64, requires_grad=True)
    tx = torch.tensor([0.7, 1.3], dtype=torch.float64, requires_grad=True)
    (g,) = ng.autograd.grad(getattr(ng, name)(x).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(getattr(torch, name)(tx).sum(), tx, create_graph=True)
    (h,) = ng.autograd.grad(g.sum(), x)
    (th,) = torch.autograd.grad(tg.sum(), tx)
    np.testing.assert_allclose(h._data, th.numpy(), rtol=1e-8)


def test_unary_on_integers_promotes_like_torch():
    x = ng.tensor([0, 1, 2])
    assert ng.sinh(x).dtype == ng.float32 and ng.erf(x).dtype == ng.float32


BINARY = [
    ("atan2", lambda a, b: (a, b)),
    ("hypot", lambda a, b: (a, b)),
    ("logaddexp", lambda a, b: (a, b)),
    ("logaddexp2", lambda a, b: (a, b)),
    ("fmod", lambda a, b: (a, b)),
    ("copysign", lambda a, b: (a, b)),
    ("xlogy", lambda a, b: (a, b)),
]


@pytest.mark.parametrize("name,_", BINARY)
def test_binary_with_broadcasting(name, _):
    rng = np.random.default_rng(1)
    a = rng.uniform(-2, 2, (3, 4)).astype(np.float32)
    b = rng.uniform(0.5, 2, (4,)).astype(np.float32)
    if name == "xlogy":
        a[0, 0] = 0.0
    check_op(getattr(ng, name), getattr(torch, name), inputs=[a, b], atol=1e-5, rtol=1e-4)


def test_xlogy_zero_times_log_zero_is_zero():
    x = ng.tensor([0.0, 1.0], requires_grad=True)
    y = ng.tensor([0.0, 2.0], requires_grad=True)
    out = ng.xlogy(x, y)
    out.sum().backward()
    tx = torch.tensor([0.0, 1.0], requires_grad=True)
    ty = torch.tensor([0.0, 2.0], requires_grad=True)
    torch.xlogy(tx, ty).sum().backward()
    np.testing.assert_allclose(out._data, [0.0, np.log(2.0)], rtol=1e-6)
    np.testing.assert_allclose(y.grad._data, ty.grad.numpy())  # nan at 0 / 0, as torch
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy())


def test_float_power_nan_to_num_clamp_variants():
    check_op(lambda x: ng.float_power(x, 2), lambda x: torch.float_power(x, 2), [(4,)])
    raw = np.array([np.nan, np.inf, -np.inf, 1.5], np.float32)
    check_op(ng.nan_to_num, torch.nan_to_num, inputs=[raw], grad=False)
    check_op(
        lambda x: ng.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0),
        lambda x: torch.nan_to_num(x, nan=1.0, posinf=2.0, neginf=-2.0),
        inputs=[raw],
        grad=False,
    )
    check_op(lambda x: x.clamp_min(0.3), lambda x: x.clamp_min(0.3), [(3, 3)])
    check_op(lambda x: ng.clamp_max(x, 0.3), lambda x: torch.clamp_max(x, 0.3), [(3, 3)])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_including_zeros(dim):
    check_op(lambda x: ng.cumprod(x, dim), lambda x: torch.cumprod(x, dim), [(3, 4)])
    a = np.array([[1.5, 0.0, 2.0, -1.0], [0.0, 0.0, 3.0, 0.5]], np.float32)
    check_op(lambda x: x.cumprod(dim), lambda x: x.cumprod(dim), inputs=[a])


@pytest.mark.parametrize("descending", [False, True])
def test_sort_argsort_topk_kthvalue_median(descending):
    a = np.random.default_rng(2).permutation(24).reshape(4, 6).astype(np.float32)
    check_op(
        lambda x: tuple(ng.sort(x, 1, descending=descending)),
        lambda x: tuple(torch.sort(x, 1, descending=descending)),
        inputs=[a],
    )
    check_op(
        lambda x: x.argsort(0, descending=descending),
        lambda x: x.argsort(0, descending=descending),
        inputs=[a],
    )
    check_op(
        lambda x: tuple(x.topk(3, largest=not descending)),
        lambda x: tuple(x.topk(3, largest=not descending)),
        inputs=[a],
    )
    check_op(
        lambda x: tuple(ng.kthvalue(x, 2, 0)), lambda x: tuple(torch.kthvalue(x, 2, 0)), inputs=[a]
    )
    check_op(lambda x: x.median(), lambda x: x.median(), inputs=[a])
    check_op(lambda x: tuple(x.median(1)), lambda x: tuple(x.median(1)), inputs=[a])
    with pytest.raises(RuntimeError, match="out of range"):
        ng.topk(ng.tensor(a), 7)


def test_stable_sort_keeps_order_of_ties():
    x = [3, 1, 3, 1, 2]
    for desc in (False, True):
        a = ng.sort(ng.tensor(x), stable=True, descending=desc).indices
        b = torch.sort(torch.tensor(x), stable=True, descending=desc).indices
        assert a.tolist() == b.tolist()


# torch's CPU sort (stable=False), topk, kthvalue and mode give tied values in the order of
# libstdc++'s introsort / heap select / introselect and Torch7's quickselect
# (``ops/_cpu_order.py``, which replays them with Numba; without it the order is NumPy's stable
# one, which equals torch's only for sort up to 16 elements)
TIED_OPS = {
    "sort": lambda L, x, k, d: L.sort(x, d).indices,
    "sort_descending": lambda L, x, k, d: L.sort(x, d, descending=True).indices,
    "argsort": lambda L, x, k, d: L.argsort(x, d, descending=k % 2 == 0),
    "msort": lambda L, x, k, d: L.argsort(x, 0) if d == 0 else L.sort(x, d).indices,
    "topk": lambda L, x, k, d: L.topk(x, k, d).indices,
    "topk_smallest": lambda L, x, k, d: L.topk(x, k, d, largest=False).indices,
    "topk_unsorted": lambda L, x, k, d: L.topk(x, k, d, sorted=False).indices,
    "kthvalue": lambda L, x, k, d: L.kthvalue(x, k, d).indices,
    "mode": lambda L, x, k, d: L.mode(x, d).indices,
    "sort_values": lambda L, x, k, d: L.sort(x, d).values,
}


@pytest.mark.skipif(not ng.backend.jit_available(), reason="the replays need Numba")
@pytest.mark.parametrize("name", list(TIED_OPS))
@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 300),
    levels=st.integers(1, 6),
    dtype=st.sampled_from(["float32", "float64", "float16", "int64", "uint8"]),
    nan=st.booleans(),
    frac=st.floats(0.0, 1.0),
    dim=st.integers(0, 1),
    seed=st.integers(0, 10_000),
)
def test_tied_values_come_in_torchs_order(name, n, levels, dtype, nan, frac, dim, seed):
    """Indices of tied values as torch's CPU kernels give them: shapes from 1 to 300 along the
    dim (both sides of 16, of k * 64 <= n for topk), NaNs, every real dtype torch sorts."""
    rng = np.random.default_rng(seed)
    shape = (n, 3) if dim == 0 else (3, n)
    x = rng.integers(0, levels, shape).astype(dtype)
    if nan and dtype.startswith("float"):
        x[rng.random(shape) < 0.1] = np.nan
    k = max(1, int(frac * n))
    if name == "mode" and nan:
        x[np.isnan(x)] = 0  # torch's mode compares NaN by < (left to its own test)
    ours = TIED_OPS[name](ng, ng.tensor(x), k, dim)
    theirs = TIED_OPS[name](torch, torch.from_numpy(x), k, dim)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.skipif(not ng.backend.jit_available(), reason="the replays need Numba")
def test_tied_orders_edge_cases():
    """An expanded dim sorts as arange (torch checks the stride), NaN in mode, sort of bool,
    topk with k = n and k = 0, and a 1-D sort past the heapsort depth."""
    for make in (
        lambda L: L.sort(L.tensor(1.0).expand(40)).indices,
        lambda L: L.sort(L.tensor([[1.0], [2.0]]).expand(2, 30), 1).indices,
        lambda L: L.mode(L.tensor([np.nan, 1.0, np.nan, 1.0, 2.0] * 5)).indices,
        lambda L: L.sort(L.tensor([True, False] * 12)).indices,
        lambda L: L.topk(L.tensor([1.0, 0.0] * 20), 40).indices,
        lambda L: L.topk(L.tensor([1.0, 0.0] * 20), 0).indices,
        lambda L: (
            L.sort(L.tensor(np.tile([2.0, 1.0, 1.0, 0.0], 2000) * 0 + np.arange(8000) % 3)).indices
        ),
    ):
        assert make(ng).tolist() == make(torch).tolist()
    # rows without ties take NumPy's sort, rows with ties (NaN pairs too) the replay
    rng = np.random.default_rng(5)
    mixed = rng.standard_normal((4, 40)).astype(np.float32)
    mixed[1] = rng.integers(0, 3, 40)
    mixed[2, rng.choice(40, 8, replace=False)] = np.nan
    mixed[3, 5] = -mixed[3, 6] * 0.0  # -0.0 ties with 0.0
    mixed[3, 6] = 0.0
    for dim in (0, 1):
        for desc in (False, True):
            ours = ng.sort(ng.tensor(mixed), dim, descending=desc).indices
            theirs = torch.sort(torch.tensor(mixed), dim, descending=desc).indices
            assert ours.tolist() == theirs.tolist()
    lens = [3, 5, 3, 3, 5, 2, 3, 3, 5, 5, 3, 3, 2, 2, 3, 5, 5, 3, 4, 4, 3]  # 21 sequences
    x = np.zeros((5, len(lens), 2), np.float32)
    a = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lens, enforce_sorted=False)
    b = ng.nn.utils.rnn.pack_padded_sequence(ng.tensor(x), lens, enforce_sorted=False)
    assert a.sorted_indices.tolist() == b.sorted_indices.tolist()


@pytest.mark.parametrize("diagonal", [-1, 0, 2])
def test_triangles_diagonals_trace(diagonal):
    check_op(lambda x: ng.tril(x, diagonal), lambda x: torch.tril(x, diagonal), [(2, 4, 5)])
    check_op(lambda x: x.triu(diagonal), lambda x: x.triu(diagonal), [(4, 3)])
    check_op(lambda x: ng.diag(x, diagonal), lambda x: torch.diag(x, diagonal), [(4,)])
    check_op(lambda x: x.diag(diagonal), lambda x: x.diag(diagonal), [(4, 5)])
    check_op(
        lambda x: ng.diagonal(x, diagonal, 0, 2),
        lambda x: torch.diagonal(x, diagonal, 0, 2),
        [(4, 2, 5)],
    )
    check_op(
        lambda x: ng.diag_embed(x, diagonal), lambda x: torch.diag_embed(x, diagonal), [(2, 3)]
    )
    assert ng.tril_indices(4, 3, diagonal).tolist() == torch.tril_indices(4, 3, diagonal).tolist()
    assert ng.triu_indices(3, 5, diagonal).tolist() == torch.triu_indices(3, 5, diagonal).tolist()
    check_op(ng.trace, torch.trace, [(4, 4)])


def test_tril_in_place_and_errors():
    x = ng.ones(3, 3)
    x.tril_()
    assert x.tolist() == torch.ones(3, 3).tril().tolist()
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ng.tril(ng.ones(3))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing):
    check_op(
        lambda a, b, c: ng.meshgrid(a, b, c, indexing=indexing),
        lambda a, b, c: torch.meshgrid(a, b, c, indexing=indexing),
        [(3,), (4,), (2,)],
    )
    check_op(
        lambda a, b: ng.meshgrid([a, b], indexing=indexing),
        lambda a, b: torch.meshgrid([a, b], indexing=indexing),
        [(3,), (4,)],
    )


def test_meshgrid_default_is_ij_and_bad_indexing():
    a, b = ng.arange(3), ng.arange(2)
    assert ng.meshgrid(a, b)[0].shape == (3, 2)
    with pytest.raises(ValueError, match="indexing"):
        ng.meshgrid(a, b, indexing="yx")


def test_roll_repeat_interleave_tile_diff():
    check_op(lambda x: ng.roll(x, 2), lambda x: torch.roll(x, 2), [(3, 4)])
    check_op(lambda x: x.roll((1, -2), (0, 1)), lambda x: x.roll((1, -2), (0, 1)), [(3, 4)])
    check_op(
        lambda x: ng.repeat_interleave(x, 2, dim=1),
        lambda x: torch.repeat_interleave(x, 2, dim=1),
        [(2, 3)],
    )
    check_op(lambda x: x.repeat_interleave(3), lambda x: x.repeat_interleave(3), [(2, 2)])
    check_op(
        lambda x: ng.repeat_interleave(x, ng.tensor([1, 0, 2]), dim=0),
        lambda x: torch.repeat_interleave(x, torch.tensor([1, 0, 2]), dim=0),
        [(3, 2)],
    )
    assert ng.repeat_interleave(ng.tensor([2, 1])).tolist() == [0, 0, 1]
    check_op(lambda x: ng.tile(x, (2,)), lambda x: torch.tile(x, (2,)), [(2, 3)])
    check_op(lambda x: x.diff(), lambda x: x.diff(), [(3, 5)])
    check_op(lambda x: ng.diff(x, 2, 0), lambda x: torch.diff(x, 2, 0), [(5, 2)])


def test_nonzero_unique_bincount_searchsorted():
    a = np.array([[0, 3, 0], [2, 2, 0]])
    x, t = ng.tensor(a), torch.tensor(a)
    assert x.nonzero().tolist() == t.nonzero().tolist()
    assert [v.tolist() for v in ng.nonzero(x, as_tuple=True)] == [
        v.tolist() for v in torch.nonzero(t, as_tuple=True)
    ]
    for kw in ({}, {"return_inverse": True}, {"return_counts": True, "return_inverse": True}):
        ours, theirs = ng.unique(x, **kw), torch.unique(t, **kw)
        ours = ours if isinstance(ours, tuple) else (ours,)
        theirs = theirs if isinstance(theirs, tuple) else (theirs,)
        assert [o.tolist() for o in ours] == [o.tolist() for o in theirs]
    assert ng.unique(x, dim=0).tolist() == torch.unique(t, dim=0).tolist()
    c = ng.tensor([1, 1, 2, 2, 2, 1])
    tc = torch.tensor([1, 1, 2, 2, 2, 1])
    assert [v.tolist() for v in ng.unique_consecutive(c, return_counts=True)] == [
        v.tolist() for v in torch.unique_consecutive(tc, return_counts=True)
    ]
    assert ng.bincount(ng.tensor([1, 3, 1]), minlength=5).tolist() == [0, 2, 0, 1, 0]
    w = ng.tensor([0.5, 1.0, 2.0])
    np.testing.assert_allclose(
        ng.bincount(ng.tensor([0, 2, 0]), w)._data,
        torch.bincount(torch.tensor([0, 2, 0]), torch.tensor([0.5, 1.0, 2.0])).numpy(),
    )
    b = ng.tensor([1.0, 3.0, 5.0])
    v = ng.tensor([0.0, 3.0, 6.0])
    tb, tv = to_torch(b), to_torch(v)
    for right in (False, True):
        assert (
            ng.searchsorted(b, v, right=right).tolist()
            == torch.searchsorted(tb, tv, right=right).tolist()
        )
        assert (
            ng.bucketize(v, b, right=right).tolist()
            == torch.bucketize(tv, tb, right=right).tolist()
        )


def test_stacking_products_and_small_helpers():
    check_op(lambda a, b: ng.hstack([a, b]), lambda a, b: torch.hstack([a, b]), [(2, 3), (2, 1)])
    check_op(lambda a, b: ng.vstack([a, b]), lambda a, b: torch.vstack([a, b]), [(3,), (3,)])
    check_op(lambda a, b: ng.dstack([a, b]), lambda a, b: torch.dstack([a, b]), [(2, 3), (2, 3)])
    check_op(
        lambda a, b: ng.column_stack([a, b]),
        lambda a, b: torch.column_stack([a, b]),
        [(3,), (3, 2)],
    )
    check_op(
        lambda a, b: ng.cross(a, b, dim=1), lambda a, b: torch.cross(a, b, dim=1), [(4, 3), (4, 3)]
    )
    check_op(
        lambda a, b: ng.tensordot(a, b, dims=([1, 2], [0, 1])),
        lambda a, b: torch.tensordot(a, b, dims=([1, 2], [0, 1])),
        [(2, 3, 4), (3, 4, 5)],
        atol=1e-4,
    )
    check_op(ng.kron, torch.kron, [(2, 3), (3, 2)])
    check_op(ng.inner, torch.inner, [(2, 3), (4, 3)])
    check_op(
        lambda a, b, c: ng.addmm(a, b, c, beta=0.5, alpha=2),
        lambda a, b, c: torch.addmm(a, b, c, beta=0.5, alpha=2),
        [(2, 4), (2, 3), (3, 4)],
    )
    check_op(
        lambda a, b, c: ng.addcmul(a, b, c, value=0.3),
        lambda a, b, c: torch.addcmul(a, b, c, value=0.3),
        [(3,), (3,), (3,)],
    )
    check_op(
        lambda a, b, c: a.addcdiv(b, c, value=2),
        lambda a, b, c: a.addcdiv(b, c, value=2),
        [(3,), (3,), (3,)],
        low=0.5,
    )
    check_op(lambda x: ng.rot90(x, 1, (0, 1)), lambda x: torch.rot90(x, 1, (0, 1)), [(2, 3)])
    check_op(lambda x: ng.select(x, 1, 2), lambda x: torch.select(x, 1, 2), [(2, 3)])
    check_op(lambda x: x.take(ng.tensor([0, 5])), lambda x: x.take(torch.tensor([0, 5])), [(2, 3)])
    check_op(lambda x: ng.nansum(x), lambda x: torch.nansum(x), [(3, 3)])
    check_op(lambda x: ng.nanmean(x, 0), lambda x: torch.nanmean(x, 0), [(3, 3)])
    assert ng.isin(ng.tensor([1, 2, 3]), ng.tensor([2])).tolist() == [False, True, False]
    assert ng.finfo(ng.float32).eps == torch.finfo(torch.float32).eps
    assert ng.finfo(ng.float64).max == torch.finfo(torch.float64).max
    assert ng.iinfo(ng.int32).max == torch.iinfo(torch.int32).max
    assert ng.pi == torch.pi and ng.inf == torch.inf


def test_methods_and_aliases_exist_like_torch():
    x = ng.tensor([[1.0, 2.0]])
    assert x.ndimension() == 2 and x.short().dtype == ng.int16 and x.byte().dtype == ng.uint8
    assert x.get_device() == -1 and x.is_sparse is False
    assert x.stride() == torch.tensor([[1.0, 2.0]]).stride()
    counts = ng.tensor([0.0, 1.0]).multinomial(5, replacement=True)
    assert counts.tolist() == [1] * 5
    assert ng.tensor([1.0, 1.0]).bernoulli().tolist() == [1.0, 1.0]
    for name in ("arcsin", "arccos", "arctan", "absolute", "sgn", "fix", "swapdims", "moveaxis"):
        assert hasattr(ng, name) and hasattr(ng.Tensor, name), name
