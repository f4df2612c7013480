"""Focused checks of the torch API additions beyond the one-line cases of
tests/meta/test_public_api.py: float64, autograd through in-place forms, random fills'
distributions, edge cases and error messages, each against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_like_torch, check_op, check_tails

import nablagrad as ng


def both(fn, *arrays):
    """fn on nablagrad and on torch with the same arrays; values compared exactly in shape."""
    ours = fn(ng, *[ng.tensor(a) for a in arrays])
    ref = fn(torch, *[torch.tensor(a) for a in arrays])
    return ours, ref


def same(ours, ref, **tol):
    if isinstance(ref, (tuple, list)):
        assert len(ours) == len(ref)
        for o, r in zip(ours, ref):
            same(o, r, **tol)
        return
    a = ours.detach().numpy() if isinstance(ours, ng.Tensor) else np.asarray(ours)
    b = ref.detach().numpy() if isinstance(ref, torch.Tensor) else np.asarray(ref)
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, equal_nan=True, **tol)


F64 = {"dtype": np.float64, "atol": 1e-10, "rtol": 1e-9, "second_order": True}


@pytest.mark.parametrize(
    "fn,shapes",
    [
        (lambda L, x: L.quantile(x, L.tensor([0.1, 0.5, 1.0], dtype=x.dtype), dim=0), [(5, 3)]),
        (lambda L, x: L.cummax(x, 1).values + L.cummin(x, 0).values, [(3, 4)]),
        (lambda L, x: L.logcumsumexp(x * 30, 0), [(4, 3)]),
        (lambda L, x: L.cov(x, correction=2), [(3, 6)]),
        (lambda L, x: L.corrcoef(x), [(2, 5)]),
        (lambda L, x, s: L.index_add(x, 0, L.tensor([2, 2, 0]), s), [(3, 2), (3, 2)]),
        (
            lambda L, x, s: L.scatter_reduce(x, 1, L.tensor([[0, 0, 2]]), s, "amax"),
            [(1, 3), (1, 3)],
        ),
        (lambda L, x: L.i0(x * 3), [(3, 4)]),
        (lambda L, x: x.unfold(0, 2, 2), [(5, 2)]),
        (lambda L, x: L.renorm(x, 2, 1, 0.5), [(3, 4)]),
        (lambda L, x: L.block_diag(x, x[:1]), [(2, 2)]),
    ],
)
def test_float64_first_and_second_derivatives(fn, shapes):
    check_op(lambda *a: fn(ng, *a), lambda *a: fn(torch, *a), shapes, **F64)


@pytest.mark.parametrize("dtype,rtol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_logcumsumexp_of_widely_spread_values(dtype, rtol):
    # shifting by the row maximum gave -inf (and NaN gradients) for values ~100 below it in
    # float32, ~750 in float64; a running log-add-exp is exact at any spread
    x = np.array(
        [[-78.0, -25.7, 0.8, -27.5, 3.0, -1e30], [8.0, 7.0, 0.0, -800.0, 1.0, 2.0],
         [-2711.0, -1889.0, -174.7, -422.0, 5.0, 1e-30], [0.0, 1e-30, -1e-30, 20.0, 40.0, -40.0]],
        dtype,
    )  # fmt: skip
    check_tails(lambda t: ng.logcumsumexp(t, 1), lambda t: torch.logcumsumexp(t, 1), [x], rtol)
    check_tails(lambda t: ng.logcumsumexp(t, 0), lambda t: torch.logcumsumexp(t, 0), [x], rtol)


def test_scatter_reduce_ties_share_the_gradient_like_torch():
    s = np.array([[5.0, 5.0, 1.0]])
    for reduce in ("amax", "amin"):
        for include_self in (True, False):
            # include_self=False: torch's backward still counts a tying self value among the
            # ties (its gradients then sum to less than 1), so self does not tie here
            x = np.array([[1.0, 5.0, 2.0]]) if include_self else np.array([[0.0, 7.0, 2.0]])
            res = []
            for L in (ng, torch):
                a, b = L.tensor(x, requires_grad=True), L.tensor(s, requires_grad=True)
                out = L.scatter_reduce(
                    a, 1, L.tensor([[1, 1, 0]]), b, reduce, include_self=include_self
                )
                out.sum().backward()
                res.append((out, a.grad, b.grad))
            same(res[0], res[1])


def test_scatter_reduce_prod_forward():
    x, s = np.array([2.0, 3.0, 4.0]), np.array([5.0, 0.5, 2.0])
    for include_self in (True, False):
        ours, ref = both(
            lambda L, a, b: L.scatter_reduce(
                a,
                0,
                L.tensor([0, 0, 2]),
                b,
                "prod",
                include_self=include_self,  # noqa: B023
            ),
            x,
            s,
        )
        same(ours, ref)
    # its gradients: tests/core/test_scatter_index_reduce.py
    with pytest.raises(RuntimeError, match="reduce argument"):
        ng.scatter_reduce(ng.tensor(x), 0, ng.tensor([0]), ng.tensor(s), "max")


def test_integer_scatter_reduce_mean_and_extremes():
    x, s = np.array([10, 20, 30]), np.array([1, 4, 7, 8])
    for reduce in ("mean", "amax", "amin", "sum"):
        ours, ref = both(
            lambda L, a, b: L.scatter_reduce(a, 0, L.tensor([0, 0, 2, 2]), b, reduce),  # noqa: B023
            x,
            s,
        )
        same(ours, ref)


def test_in_place_forms_see_tensor_arguments_that_require_grad():
    """x.index_add_(dim, idx, src) with only src requiring grad still records the change."""
    for L in (ng, torch):
        src = L.ones(2, 3, requires_grad=True)
        x = L.zeros(4, 3)
        x.index_add_(0, L.tensor([1, 3]), src * 2)
        x.sum().backward()
        assert src.grad is not None and float(src.grad.sum()) == 12.0
    a = ng.ones(3)
    t1 = ng.full((3,), 2.0, requires_grad=True)
    a.addcmul_(t1, ng.ones(3))
    a.sum().backward()
    assert t1.grad.tolist() == [1.0, 1.0, 1.0]


def test_in_place_on_a_view_writes_through_with_gradient():
    res = []
    for L in (ng, torch):
        w = L.arange(12.0).reshape(3, 4).requires_grad_()
        y = w * 1
        y[1].index_fill_(0, L.tensor([0, 2]), -1.0)
        y[:, 0].sin_()
        (y * L.arange(12.0).reshape(3, 4)).sum().backward()
        res.append((y, w.grad))
    same(res[0], res[1])


def test_shape_changing_in_place_forms():
    for L in (ng, torch):
        x = L.zeros(2, 1, 3)
        v = x.view(6)
        assert x.squeeze_(1) is x and tuple(x.shape) == (2, 3)
        x.unsqueeze_(0)
        assert tuple(x.shape) == (1, 2, 3)
        x.transpose_(0, 2)
        assert tuple(x.shape) == (3, 2, 1)
        x.fill_(1.0)
        assert float(v.sum()) == 6.0  # still the same memory
    w = ng.ones(2, 1, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.squeeze_()
    y = w * 3
    y.squeeze_(1)
    (y * ng.tensor([1.0, 2.0])).sum().backward()
    assert w.grad.tolist() == [[3.0], [6.0]]


def test_fill_diagonal_shapes():
    for shape, wrap in [
        ((3, 3), False),
        ((7, 3), True),
        ((7, 3), False),
        ((2, 5), False),
        ((3, 3, 3), False),
    ]:
        ours, ref = both(lambda L, x: x.clone().fill_diagonal_(4.0, wrap=wrap), np.zeros(shape))  # noqa: B023
        same(ours, ref)
    with pytest.raises(RuntimeError, match="equal length"):
        ng.zeros(2, 3, 3).fill_diagonal_(1.0)


def test_comparison_in_place_keeps_the_dtype():
    ours, ref = both(lambda L, x: x.clone().lt_(0.5), np.array([0.1, 0.9, 0.5]))
    same(ours, ref)
    ours, ref = both(lambda L, x: x.clone().eq_(2), np.array([1, 2, 3]))
    same(ours, ref)


def test_random_fills_and_draws_have_the_right_distribution():
    ng.manual_seed(0)
    n = 20000
    x = ng.empty(n, dtype=ng.float64)
    assert abs(float(x.exponential_(2.0).mean()) - 0.5) < 0.02
    assert abs(float(x.geometric_(0.25).mean()) - 4.0) < 0.1 and float(x.min()) >= 1
    assert abs(float(x.log_normal_(0.0, 0.5).log().std()) - 0.5) < 0.02
    assert abs(float(x.cauchy_(1.0, 2.0).median()) - 1.0) < 0.1
    rates = ng.full((n,), 3.0)
    p = ng.poisson(rates)
    assert p.dtype == ng.float32 and abs(float(p.mean()) - 3.0) < 0.1
    b = ng.binomial(ng.full((n,), 10.0), ng.full((n,), 0.3))
    assert abs(float(b.mean()) - 3.0) < 0.1 and float(b.max()) <= 10
    with pytest.raises(RuntimeError, match="lambda"):
        x.exponential_(0.0)
    with pytest.raises(RuntimeError, match="non-negative"):
        ng.poisson(ng.tensor([-1.0]))
    w = ng.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.exponential_()


def test_quantile_edge_cases_and_errors():
    data = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan] * 4, [4.0, 1.0, 2.0, 3.0]])
    for fn in [
        lambda L, x: L.nanquantile(x, 0.5, dim=1),
        lambda L, x: L.quantile(x, 0.5, dim=1),
        lambda L, x: L.nanquantile(x, L.tensor([0.0, 1.0], dtype=x.dtype), dim=1, keepdim=True),
        lambda L, x: L.nanmedian(x, 1).values,
        lambda L, x: L.nanmedian(x),
        lambda L, x: L.quantile(x[2], 0.4, interpolation="nearest"),
    ]:
        same(*both(fn, data))
    with pytest.raises(RuntimeError, match=r"range \[0, 1\]"):
        ng.quantile(ng.ones(3), 1.5)
    with pytest.raises(RuntimeError, match="interpolation"):
        ng.quantile(ng.ones(3), 0.5, interpolation="cubic")
    with pytest.raises(RuntimeError, match="float or double"):
        ng.quantile(ng.arange(3), 0.5)


def test_histc_mode_aminmax_details():
    x = np.array([0.0, 1.0, 1.0, 2.0, 5.0, -1.0], dtype=np.float32)
    same(*both(lambda L, t: L.histc(t, 3, 0, 2), x))
    same(*both(lambda L, t: L.histc(t, 4), x))
    same(*both(lambda L, t: L.mode(t), np.array([3, 1, 3, 1, 2])))
    same(*both(lambda L, t: L.aminmax(t, dim=0), np.array([[1, 5], [3, 0]])))
    with pytest.raises(RuntimeError, match="aminmax"):
        ng.aminmax(ng.zeros(0))


def test_bitwise_and_integer_errors():
    with pytest.raises(RuntimeError, match="not implemented"):
        ng.gcd(ng.ones(2), ng.ones(2))
    with pytest.raises(RuntimeError, match="not implemented"):
        ng.bitwise_left_shift(ng.ones(2), 1)
    same(*both(lambda L, a: a >> 70, np.array([-5, 5])))
    same(*both(lambda L, a: a << 64, np.array([-5, 5])))
    x = ng.tensor([1, 2, 3])
    x <<= 1
    x |= 1
    x ^= 2
    x &= 6
    assert x.tolist() == [(((v << 1) | 1) ^ 2) & 6 for v in (1, 2, 3)]


def test_index_errors_name_the_problem():
    x = ng.zeros(3, 4)
    with pytest.raises(RuntimeError, match="source has shape"):
        x.index_add(0, ng.tensor([0, 1]), ng.ones(3, 4))
    with pytest.raises((IndexError, RuntimeError), match="out of bounds"):
        x.index_fill(0, ng.tensor([5]), 1.0)
    with pytest.raises(RuntimeError, match="0-dimensional value"):
        x.index_fill(0, ng.tensor([0]), ng.ones(2))
    with pytest.raises(RuntimeError, match="Number of elements of source"):
        x.masked_scatter(x > -1, ng.ones(3))
    with pytest.raises(RuntimeError, match="dtypes match"):
        x.index_put((ng.tensor([0]),), ng.ones(4, dtype=ng.float64))


def test_tensor_split_sizes_and_errors():
    for ios in [3, [1, 4], [2, 2], [-1], ng.tensor(2)]:
        ours = ng.tensor_split(ng.arange(7), ios)
        ref = torch.tensor_split(
            torch.arange(7), torch.tensor(2) if isinstance(ios, ng.Tensor) else ios
        )
        assert [t.tolist() for t in ours] == [t.tolist() for t in ref]
    with pytest.raises(RuntimeError, match="divisible"):
        ng.hsplit(ng.zeros(2, 3), 2)
    with pytest.raises(RuntimeError, match="at least 3"):
        ng.dsplit(ng.zeros(2, 3), 1)
    with pytest.raises(RuntimeError, match="sum exactly"):
        ng.split_with_sizes(ng.zeros(4), [1, 2])


def test_printoptions_change_the_repr():
    try:
        ng.set_printoptions(precision=2)
        torch.set_printoptions(precision=2)
        assert repr(ng.tensor([1.23456])) == repr(torch.tensor([1.23456])) == "tensor([1.23])"
        ng.set_printoptions(threshold=5, edgeitems=1)
        assert "..." in repr(ng.arange(10.0))
        ng.set_printoptions(profile="full")
        assert "..." not in repr(ng.arange(2000.0))
    finally:
        ng.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
    assert repr(ng.tensor([1.23456])) == "tensor([1.2346])"


def test_windows_match_torch_in_float64():
    for name in [
        "hann_window",
        "hamming_window",
        "blackman_window",
        "bartlett_window",
        "kaiser_window",
    ]:
        for n, periodic in [(1, True), (2, False), (8, True), (9, False)]:
            ours = getattr(ng, name)(n, periodic, dtype=ng.float64)
            ref = getattr(torch, name)(n, periodic, dtype=torch.float64)
            same(ours, ref, atol=1e-12)
    with pytest.raises(RuntimeError, match="floating point"):
        ng.hann_window(4, dtype=ng.int64)


def test_cdist_zero_distances_and_errors():
    a = np.array([[0.0, 1.0], [2.0, 2.0]])
    for p in (1.0, 2.0, 3.0):
        res = []
        for L in (ng, torch):
            x = L.tensor(a, requires_grad=True)
            d = L.cdist(x, L.tensor(a), p=p)
            d.sum().backward()
            res.append((d, x.grad))
        same(res[0], res[1], atol=1e-12)
    with pytest.raises(RuntimeError, match="same number of columns"):
        ng.cdist(ng.ones(2, 3), ng.ones(2, 4))
    with pytest.raises(RuntimeError, match="floating-point"):
        ng.cdist(ng.ones(2, 3).long(), ng.ones(2, 3).long())


_NAN = float("nan")
REDUCTION_EDGE_CASES = {
    "median_dim_nan": lambda L: L.tensor(
        [[1.0, _NAN, 3.0], [2.0, 5.0, 4.0], [_NAN, _NAN, 1]]
    ).median(1),
    "median_dim0_nan": lambda L: L.tensor(
        [[1.0, _NAN, 3.0], [2.0, 5.0, 4.0], [_NAN, _NAN, 1]]
    ).median(0),
    "median_all_nan": lambda L: L.tensor([1.0, _NAN, 3.0]).median(),
    "nanmedian_dim": lambda L: L.tensor([[1.0, _NAN, 3.0], [_NAN, _NAN, 1]]).nanmedian(1),
    "median_empty": lambda L: L.tensor([]).median(),
    "median_empty_2d": lambda L: L.zeros(0, 3).median(),
    "median_empty_int": lambda L: L.tensor([], dtype=L.int64).median(),
    "amax_empty_no_dim": lambda L: L.tensor([]).amax(),
    "amin_empty_no_dim": lambda L: L.zeros(0, 3).amin(),
    "amax_empty_dim": lambda L: L.zeros(0, 3).amax(0),
    "nansum_keepdim": lambda L: L.tensor([[1.0, _NAN], [2.0, 3.0]]).nansum(dim=None, keepdim=True),
    "nanmean_keepdim": lambda L: L.tensor([[1.0, _NAN], [2.0, 3.0]]).nanmean(keepdim=True),
    "sum_empty_dims_all": lambda L: L.ones(2, 3).sum(dim=()),
    "sum_empty_dims_keepdim": lambda L: L.ones(2, 3).sum(dim=[], keepdim=True),
    "mean_empty_dims": lambda L: L.ones(2, 3).mean(dim=[]),
    "amax_empty_dims": lambda L: L.arange(6.0).reshape(2, 3).amax(dim=[]),
    "var_empty_dims": lambda L: L.arange(6.0).reshape(2, 3).var(dim=()),
    "norm_empty_dims": lambda L: L.ones(2, 3).norm(dim=()),
    "count_nonzero_empty_dims": lambda L: L.ones(2, 3).count_nonzero(dim=()),
    "any_empty_dims_is_identity": lambda L: L.ones(2, 3).any(dim=()),
}


@pytest.mark.parametrize("fn", REDUCTION_EDGE_CASES.values(), ids=REDUCTION_EDGE_CASES.keys())
def test_reduction_edge_cases_like_torch(fn):
    assert_like_torch(fn)


def test_median_gradient_goes_to_the_nan():
    for lib in (torch, ng):
        x = lib.tensor([[1.0, _NAN, 3.0], [2.0, 5.0, 4.0]], requires_grad=True)
        x.median(1).values.sum().backward()
        assert x.grad.tolist() == [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
