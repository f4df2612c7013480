"""scatter_reduce / index_reduce / put / index_add / index_copy / index_fill against torch 2.13:
values, first and second derivatives, zeros in the products, and bad input.

torch's "prod" gradient sends each element the product of everything else reduced into its
position (so a single zero among them gets the product of the others, and several zeros give
0), and refuses a second derivative for ``src`` when two or more zeros meet at one position.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import check_op

import nablagrad as ng

TOL = {"atol": 1e-10, "rtol": 1e-9}  # float64 throughout: the formulas are exact products

X = np.array([2.0, 0.0, 3.0, 1.5])
IDX = np.array([0, 0, 1, 2, 2, 1])
SRC = {
    "no zero": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    "one zero": [0.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    "two zeros at one position": [0.0, 0.0, 3.0, 4.0, 5.0, 6.0],
    "zeros in self and src": [0.0, 2.0, 0.0, 4.0, 0.0, 6.0],
}


def _grads(L, x, idx, s, include_self, reduce="prod", second=True):
    """Value, first gradients (with a graph) and the gradients of a function of them."""
    xt = L.tensor(x, requires_grad=True)
    st = L.tensor(s, requires_grad=True)
    out = L.scatter_reduce(xt, 0, L.tensor(idx), st, reduce, include_self=include_self)
    w = L.tensor(np.arange(1.0, out.numel() + 1).reshape(tuple(out.shape)))
    gx, gs = L.autograd.grad((out * w).sum(), [xt, st], create_graph=True)
    got = [out.detach().numpy(), gx.detach().numpy(), gs.detach().numpy()]
    if second:
        v = L.tensor(np.linspace(0.5, 1.5, gs.numel()))
        h = L.autograd.grad((gx * gx).sum() + (gs * v).sum(), [xt, st], allow_unused=True)
        got += [np.zeros(x.shape) if t is None else t.detach().numpy() for t in h]
    return got


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("case", list(SRC))
def test_scatter_prod_values_and_two_derivatives_match_torch(case: str, include_self: bool):
    s = np.array(SRC[case])
    second = case != "two zeros at one position"
    want = _grads(torch, X, IDX, s, include_self, second=second)
    got = _grads(ng, X, IDX, s, include_self, second=second)
    for what, a, b in zip(["value", "d/dx", "d/dsrc", "d2/dx", "d2/dsrc"], got, want):
        np.testing.assert_allclose(a, b, err_msg=what, **TOL)


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_prod_several_zeros_refuses_double_backward_as_torch(include_self: bool):
    s = np.array(SRC["two zeros at one position"])
    for L in (torch, ng):
        xt = L.tensor(X, requires_grad=True)
        st = L.tensor(s, requires_grad=True)
        out = L.scatter_reduce(xt, 0, L.tensor(IDX), st, "prod", include_self=include_self)
        (gs,) = L.autograd.grad(out.sum(), [st], create_graph=True)
        with pytest.raises(RuntimeError, match="Double backward is unsupported"):
            L.autograd.grad(gs.sum(), [st])


@pytest.mark.parametrize("reduce", ["prod", "mean", "sum", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("src_shape", [(3, 5), (4, 6)])
def test_scatter_reduce_random_2d_against_torch(reduce: str, include_self: bool, src_shape):
    rng = np.random.default_rng(len(reduce) + include_self)
    idx = rng.integers(0, 4, size=(3, 5))
    x = rng.uniform(-2, 2, (3, 4))
    s = rng.uniform(-2, 2, src_shape)
    if reduce == "prod":  # a zero in self and one in src
        x[1, 2], s[0, 1] = 0.0, 0.0

    def f(L, x, s):
        return L.scatter_reduce(x, 1, L.tensor(idx), s, reduce, include_self=include_self)

    check_op(
        lambda x, s: f(ng, x, s),
        lambda x, s: f(torch, x, s),
        inputs=[x, s],
        # torch's own backward fails when src is larger than index: compare values only
        grad=src_shape == (3, 5),
        second_order=reduce in ("prod", "mean", "sum"),
        **TOL,
    )


def test_scatter_reduce_prod_in_place_on_a_non_leaf_matches_torch():
    def f(L, x, s):
        y = x * 1
        y.scatter_reduce_(0, L.tensor([1, 1, 0]), s, "prod", include_self=False)
        return y

    x, s = np.array([1.5, -2.0, 4.0]), np.array([3.0, 0.0, -0.5])
    check_op(lambda x, s: f(ng, x, s), lambda x, s: f(torch, x, s), inputs=[x, s], **TOL)


def test_scatter_reduce_prod_integer_forward_matches_torch():
    x, s, i = [3, 0, 2], [2, 5, -1, 4], [0, 0, 2, 1]
    for include_self in (True, False):
        want = torch.tensor(x).scatter_reduce(
            0, torch.tensor(i), torch.tensor(s), "prod", include_self=include_self
        )
        got = ng.tensor(x).scatter_reduce(
            0, ng.tensor(i), ng.tensor(s), "prod", include_self=include_self
        )
        assert got.tolist() == want.tolist() and got.dtype == ng.int64


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_reduce_against_torch(reduce: str, include_self: bool, dim: int):
    rng = np.random.default_rng(3)
    x = rng.uniform(-2, 2, (3, 4))
    n = 5
    idx = rng.integers(0, x.shape[dim], size=n)
    shape = list(x.shape)
    shape[dim] = n
    s = rng.uniform(-2, 2, shape)
    if reduce == "prod":
        x.flat[1], s.flat[2] = 0.0, 0.0
    if reduce in ("amax", "amin"):  # ties: the gradient is shared as torch shares it
        x, s = np.round(x), np.round(s)

    def f(L, x, s):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch: index_reduce() is in beta
            a = L.index_reduce(x, dim, L.tensor(idx), s, reduce, include_self=include_self)
            b = x.index_reduce(dim, L.tensor(idx), s, reduce, include_self=include_self)
        return a * 2 + b

    check_op(
        lambda x, s: f(ng, x, s),
        lambda x, s: f(torch, x, s),
        inputs=[x, s],
        second_order=reduce in ("prod", "mean"),
        **TOL,
    )


def test_index_reduce_in_place_and_integer_mean_match_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = torch.tensor([[7, 2], [3, -5]]).index_reduce_(
            0, torch.tensor([0, 0, 1]), torch.tensor([[2, 2], [5, 1], [-4, 4]]), "mean"
        )
        got = ng.tensor([[7, 2], [3, -5]]).index_reduce_(
            0, ng.tensor([0, 0, 1]), ng.tensor([[2, 2], [5, 1], [-4, 4]]), "mean"
        )
    assert got.tolist() == want.tolist()


@pytest.mark.parametrize("accumulate", [False, True])
def test_put_against_torch(accumulate: bool):
    idx = np.array([[0, -1], [5, 11]]) if not accumulate else np.array([[0, -1], [5, 0]])

    def f(L, x, s):
        a = L.put(x, L.tensor(idx), s, accumulate=accumulate)
        b = x.put(L.tensor(idx), s, accumulate)
        c = (x * 1).put_(L.tensor(idx), s, accumulate=accumulate)
        return a + 2 * b + 3 * c

    check_op(
        lambda x, s: f(ng, x, s),
        lambda x, s: f(torch, x, s),
        shapes=[(3, 4), (2, 2)],
        dtype=np.float64,
        second_order=True,
        **TOL,
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_index_add_copy_fill_gradients_against_torch(seed: int):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, (4, 5))
    idx_add = rng.integers(0, 5, size=6)  # repeats accumulate
    idx_copy = rng.permutation(4)[:3]  # torch's index_copy gradient assumes distinct indices
    s_add = rng.uniform(-2, 2, (4, 6))
    s_copy = rng.uniform(-2, 2, (3, 5))

    def f(L, x, sa, sc, v):
        a = L.index_add(x, 1, L.tensor(idx_add), sa, alpha=-1.5)
        b = L.index_copy(x, 0, L.tensor(idx_copy), sc)
        c = L.index_fill(x, 1, L.tensor(idx_add), v)
        return a * b + c

    check_op(
        lambda *t: f(ng, *t),
        lambda *t: f(torch, *t),
        inputs=[x, s_add, s_copy, np.array(0.7)],
        second_order=True,
        **TOL,
    )


def test_bad_input_raises_torch_error_types():
    x, s, i = ng.ones(3), ng.ones(2), ng.tensor([0, 1])
    tx, ts, ti = torch.ones(3), torch.ones(2), torch.tensor([0, 1])
    for L, args in ((ng, (x, i, s)), (torch, (tx, ti, ts))):
        with pytest.raises(RuntimeError, match="reduce"):
            L.scatter_reduce(args[0], 0, args[1], args[2], "multiply")
        with pytest.raises(RuntimeError, match="reduce"):
            L.index_reduce(args[0], 0, args[1], args[2], "sum")
        with pytest.raises(RuntimeError):  # dtypes differ
            L.scatter_reduce(args[0], 0, args[1], args[2].double(), "prod")
        with pytest.raises(IndexError):  # out of range
            L.put(args[0], L.tensor([5]), L.ones(1))
        with pytest.raises((RuntimeError, IndexError)):  # source and index sizes differ
            L.put(args[0], L.tensor([0, 1]), L.ones(3))


@pytest.mark.parametrize("case", list(SRC))
def test_scatter_prod_forward_mode_matches_torch_jacobian(case: str):
    """Forward mode transposes the backward once (no double backward, so several zeros are
    fine): the tangent is torch's reverse-mode Jacobian times the input tangents."""
    from nablagrad.autograd import forward_ad as fwad

    s = np.array(SRC[case])
    vx, vs = np.linspace(1.0, 2.0, X.size), np.linspace(-1.0, 1.0, s.size)

    def f(x, src):
        return torch.scatter_reduce(x, 0, torch.tensor(IDX), src, "prod")

    jx, js = torch.autograd.functional.jacobian(f, (torch.tensor(X), torch.tensor(s)))
    want = jx.numpy() @ vx + js.numpy() @ vs
    with fwad.dual_level():
        x = fwad.make_dual(ng.tensor(X), ng.tensor(vx))
        src = fwad.make_dual(ng.tensor(s), ng.tensor(vs))
        out = ng.scatter_reduce(x, 0, ng.tensor(IDX), src, "prod")
        got = fwad.unpack_dual(out).tangent.numpy()
    np.testing.assert_allclose(got, want, **TOL)
