"""Every core op against PyTorch: forward values/dtypes and gradients, via one helper."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_op, check_tails, make_inputs
from hypothesis import given, settings
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import nablagrad as ng

TOL = {"atol": 1e-5, "rtol": 1e-5}

# (name, nablagrad fn, torch fn, shapes, extra check_op kwargs)
UNARY = [
    ("neg", lambda x: -x, None, {}),
    ("exp", lambda x: x.exp(), None, {}),
    ("log", lambda x: x.log(), None, {"low": 0.1, "high": 3.0}),
    ("log1p", lambda x: x.log1p(), None, {"low": -0.5, "high": 3.0}),
    ("sqrt", lambda x: x.sqrt(), None, {"low": 0.1, "high": 3.0}),
    ("abs", lambda x: x.abs(), None, {}),
    ("sign", lambda x: x.sign(), None, {}),
    ("sin", lambda x: x.sin(), None, {}),
    ("cos", lambda x: x.cos(), None, {}),
    ("tanh", lambda x: x.tanh(), None, {}),
    ("sigmoid", lambda x: x.sigmoid(), None, {}),
    ("relu", lambda x: x.relu(), None, {}),
    ("clamp", lambda x: x.clamp(-0.5, 0.7), None, {}),
    ("clamp_min", lambda x: x.clamp(min=0.2), None, {}),
    ("rsqrt", lambda x: x.rsqrt(), None, {"low": 0.2, "high": 3.0, "rtol": 1e-4}),
    ("reciprocal", lambda x: x.reciprocal(), None, {"low": 0.2, "high": 3.0, "rtol": 1e-4}),
    ("square", lambda x: x.square(), None, {}),
    ("expm1", lambda x: x.expm1(), None, {"atol": 1e-5}),
    ("pow_scalar", lambda x: x**3, None, {}),
    ("rpow", lambda x: 2.0**x, None, {}),
    ("scalar_ops", lambda x: (2 * x - 1) / 3 + 0.5, None, {}),
    ("rsub_rdiv", lambda x: 1 - 2 / x, None, {"low": 0.5, "high": 2.0, "rtol": 1e-4}),
]


@pytest.mark.parametrize("name,fn,tfn,kw", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4)])
def test_unary(name, fn, tfn, kw, shape):
    kw = dict(kw)
    check_op(fn, tfn, [shape], atol=kw.pop("atol", 1e-5), rtol=kw.pop("rtol", 1e-5), **kw)


BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / (b.abs() + 0.5)),
    ("pow", lambda a, b: (a.abs() + 0.5) ** b),
    ("maximum", lambda a, b: ng.maximum(a, b) if isinstance(a, ng.Tensor) else torch.maximum(a, b)),
    ("minimum", lambda a, b: ng.minimum(a, b) if isinstance(a, ng.Tensor) else torch.minimum(a, b)),
    ("where", lambda a, b: (ng if isinstance(a, ng.Tensor) else torch).where(a > b, a, b * 2)),
]


@pytest.mark.parametrize("name,fn", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize(
    "shapes",
    [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((5, 1), (1, 6))],
)
def test_binary_broadcasting(name, fn, shapes):
    check_op(fn, None, shapes, atol=1e-5, rtol=1e-4)


@settings(max_examples=25, deadline=None)
@given(
    shapes=mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=4
    )
)
def test_broadcasting_hypothesis(shapes):
    for fn in (lambda a, b: a * b + a, lambda a, b: a - b / (b * b + 1)):
        check_op(fn, None, list(shapes.input_shapes), atol=1e-5, rtol=1e-4)


def test_maximum_ties_share_gradient():
    a = np.array([1.0, 2.0, 3.0], np.float32)
    check_op(
        lambda x, y: (ng if isinstance(x, ng.Tensor) else torch).maximum(x, y),
        None,
        inputs=[a, a.copy()],
        **TOL,
    )


REDUCTIONS = [
    ("sum", lambda x: x.sum()),
    ("sum_dim", lambda x: x.sum(1)),
    ("sum_tuple_keep", lambda x: x.sum((0, 2), keepdim=True)),
    ("sum_neg", lambda x: x.sum(-1)),
    ("mean", lambda x: x.mean()),
    ("mean_dim", lambda x: x.mean(dim=0, keepdim=True)),
    ("prod", lambda x: x.prod()),
    ("prod_dim", lambda x: x.prod(1)),
    ("max", lambda x: x.max()),
    ("min", lambda x: x.min()),
    ("max_dim", lambda x: x.max(1)),
    ("min_dim_keep", lambda x: x.min(dim=2, keepdim=True)),
    ("amax", lambda x: x.amax((0, 1))),
    ("var", lambda x: x.var()),
    ("var_dim", lambda x: x.var(1)),
    ("var_unbiased_false", lambda x: x.var(1, unbiased=False)),
    ("var_correction0", lambda x: x.var(dim=2, correction=0, keepdim=True)),
    ("std", lambda x: x.std()),
    ("std_dim", lambda x: x.std(0)),
    ("logsumexp", lambda x: x.logsumexp(1)),
    ("logsumexp_tuple", lambda x: x.logsumexp((1, 2))),
    ("norm", lambda x: x.norm()),
    ("norm_p1", lambda x: x.norm(p=1, dim=1)),
    ("norm_p3", lambda x: x.norm(p=3, dim=2)),
    ("norm_inf", lambda x: x.norm(p=float("inf"), dim=0)),
    ("cumsum", lambda x: x.cumsum(1)),
    ("cumsum_neg", lambda x: x.cumsum(-1)),
]


@pytest.mark.parametrize("name,fn", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reductions(name, fn):
    check_op(fn, None, [(2, 3, 4)], atol=1e-5, rtol=1e-4)


def test_prod_with_zero():
    a = np.array([[1.0, 0.0, 3.0], [2.0, 2.0, 0.0], [1.0, 2.0, 3.0]], np.float32)
    check_op(lambda x: x.prod(1), None, inputs=[a], **TOL)
    check_op(lambda x: x.prod(), None, inputs=[a[2]], **TOL)


def test_numpy_axis_spelling():
    x = ng.arange(12.0).reshape(3, 4)
    assert ng.equal(x.sum(axis=1, keepdims=True), x.sum(dim=1, keepdim=True))
    assert ng.equal(x.mean(axis=0), x.mean(0))


def test_argmax_argmin_and_max_indices():
    a = make_inputs([(4, 5)])[0]
    t = torch.tensor(a)
    n = ng.tensor(a)
    np.testing.assert_array_equal(n.argmax().numpy(), t.argmax().numpy())
    np.testing.assert_array_equal(n.argmin(1).numpy(), t.argmin(1).numpy())
    np.testing.assert_array_equal(
        n.argmax(0, keepdim=True).numpy(), t.argmax(0, keepdim=True).numpy()
    )
    np.testing.assert_array_equal(n.max(1).indices.numpy(), t.max(1).indices.numpy())
    assert n.argmax().dtype == ng.int64


SHAPE_OPS = [
    ("reshape", lambda x: x.reshape(4, 6)),
    ("reshape_infer", lambda x: x.reshape(-1, 3)),
    ("view", lambda x: x.view(6, 4)),
    ("flatten", lambda x: x.flatten()),
    ("flatten_part", lambda x: x.flatten(1)),
    ("squeeze_unsqueeze", lambda x: x.unsqueeze(1).unsqueeze(-1).squeeze(1)),
    ("transpose", lambda x: x.transpose(0, 2)),
    ("permute", lambda x: x.permute(2, 0, 1)),
    ("T2d", lambda x: x.reshape(6, 4).T),
    ("expand", lambda x: x[:, :1, :].expand(2, 5, 4)),
    ("expand_new", lambda x: x.expand(3, 2, 3, 4)),
    ("repeat", lambda x: x.repeat(2, 1, 3)),
    ("repeat_newdim", lambda x: x.repeat(2, 1, 1, 2)),
    ("flip", lambda x: x.flip(1)),
    ("split", lambda x: x.split(2, dim=2)),
    ("split_sizes", lambda x: x.split([1, 2], dim=1)),
    ("chunk", lambda x: x.chunk(3, dim=1)),
    ("unbind", lambda x: x.unbind(1)),
    ("narrow", lambda x: x.narrow(2, 1, 2)),
    ("movedim", lambda x: x.movedim(0, 2)),
]


@pytest.mark.parametrize("name,fn", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_ops(name, fn):
    check_op(fn, None, [(2, 3, 4)], **TOL)


def _lib(x):
    return ng if isinstance(x, ng.Tensor) else torch


def test_cat_stack():
    check_op(lambda a, b: _lib(a).cat([a, b], dim=1), None, [(2, 3), (2, 5)], **TOL)
    check_op(lambda a, b: _lib(a).cat((a, b)), None, [(2, 3), (4, 3)], **TOL)
    check_op(lambda a, b: _lib(a).stack([a, b], dim=1), None, [(2, 3), (2, 3)], **TOL)
    check_op(lambda a, b: _lib(a).stack([a, b], dim=-1), None, [(2, 3), (2, 3)], **TOL)


@pytest.mark.parametrize(
    "pad,mode",
    [
        ((1, 2), "constant"),
        ((1, 1, 2, 0), "constant"),
        ((-1, 2), "constant"),
        ((2, 1, 1, 2), "reflect"),
        ((1, 2, 2, 1), "replicate"),
        ((1, 2), "circular"),
    ],
)
def test_pad(pad, mode):
    import torch.nn.functional as tF

    def fn(x):
        if isinstance(x, ng.Tensor):
            return ng.ops.shape.pad(x, pad, mode=mode)
        return tF.pad(x, pad, mode=mode)

    check_op(fn, None, [(2, 3, 4)], **TOL)


INDEX_OPS = [
    ("int", lambda x: x[1]),
    ("slice", lambda x: x[:, 1:3]),
    ("neg_step_free", lambda x: x[..., -1]),
    ("none", lambda x: x[None, 1, :, None]),
    ("int_list", lambda x: x[[0, 2, 2]]),
    ("two_arrays", lambda x: x[[0, 1, 2], [1, 1, 3]]),
    ("mixed", lambda x: x[1:, [0, 3]]),
    ("bool_mask", lambda x: x[x > 0]),
    ("row_mask", lambda x: x[(x.sum(1) > 0)]),
]


@pytest.mark.parametrize("name,fn", INDEX_OPS, ids=[i[0] for i in INDEX_OPS])
def test_indexing(name, fn):
    check_op(fn, None, [(3, 4)], **TOL)


def test_tensor_index_and_gather():
    idx = np.array([2, 0, 2, 1])
    check_op(lambda x: x[_lib(x).tensor(idx)], None, [(3, 4)], **TOL)
    gi = np.array([[0, 1, 1], [2, 0, 0]])
    check_op(lambda x: x.gather(1, _lib(x).tensor(gi)), None, [(2, 3)], **TOL)
    check_op(lambda x: x.index_select(1, _lib(x).tensor([0, 2, 2])), None, [(2, 3)], **TOL)
    check_op(lambda x: x.masked_fill(x > 0.5, 0.0), None, [(3, 4)], **TOL)


SELECT_THEN_ADVANCED = [
    lambda L: (1, slice(None), [0, 1]),
    lambda L: (L.tensor(1), slice(None), L.tensor([[0, 1], [2, 2]])),
    lambda L: (None, 1, slice(None), [0, 1]),
    lambda L: (1, None, Ellipsis, [3, 0]),
    lambda L: (None, slice(1, 3), 2, None, [0, 0]),
    lambda L: (1, slice(None), L.tensor([True, False, True, False, True, False])),
    lambda L: ([0, 1], 1, slice(None)),  # the two agree here
]


@pytest.mark.parametrize("k", range(len(SELECT_THEN_ADVANCED)))
def test_ints_select_before_advanced_indices_as_torch(k):
    """torch applies ints as selects first: x[1, :, [0, 1]] has shape (5, 2), not NumPy's
    (2, 5); reading (with gradients) and assigning (a full and a broadcast value)."""
    index = SELECT_THEN_ADVANCED[k]
    check_op(lambda x: x[index(_lib(x))], None, [(4, 5, 6)], **TOL)
    out = {}
    for L in (ng, torch):
        x = L.arange(120.0).reshape(4, 5, 6)
        shape = tuple(x[index(L)].shape)
        full = L.arange(float(np.prod(shape))).reshape(shape)
        for name, value in [("full", full), ("broadcast", full[..., :1])]:
            y = x.clone()
            y[index(L)] = value
            out[L.__name__, name] = y.numpy()
    for name in ("full", "broadcast"):
        np.testing.assert_array_equal(out["nablagrad", name], out["torch", name])


def test_index_errors_as_torch():
    for L in (ng, torch):
        x = L.zeros(3, 4)
        with pytest.raises(ValueError, match="step must be greater than zero"):
            x[::-1]
        with pytest.raises(IndexError):
            x.index_select(0, L.tensor([3]))
        with pytest.raises(IndexError):
            x.index_copy(0, L.tensor([-1]), L.ones(1, 4))
        with pytest.raises(RuntimeError):
            x.index_add(0, L.tensor([3]), L.ones(1, 4))
        assert x.index_fill(0, L.tensor([-1]), 1.0)[2].tolist() == [1.0] * 4
        with pytest.raises(RuntimeError, match="boolean"):
            x.masked_fill(L.ones(3, 4, dtype=L.int64), 1.0)
        with pytest.raises(RuntimeError, match="0-dimensional"):
            x.masked_fill(x > 0, L.tensor([1.0]))
        with pytest.raises(RuntimeError, match="boolean"):
            L.where(L.ones(3, 4, dtype=L.int64), x, 0.0)
        with pytest.raises(RuntimeError):
            L.take_along_dim(x, L.zeros(3, 3, dtype=L.int64), dim=0)
    m = [[True, False], [False, True]]
    for a, b in zip(ng.where(ng.tensor(m)), torch.where(torch.tensor(m))):
        assert a.tolist() == b.tolist() and a.dtype == ng.int64
    u8 = ng.tensor(m).to(ng.uint8)
    assert ng.where(u8, 1.0, 0.0).tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_index_assignment_differentiable():
    def fn(x, v):
        y = x * 1
        y[1, 1:3] = v * 2
        y[0] = 5.0
        return y

    check_op(fn, None, [(3, 4), (2,)], **TOL)

    def fn_mask(x):
        y = x + 0
        y[y > 0] = 0.0
        return y

    check_op(fn_mask, None, [(3, 4)], **TOL)


def test_inplace_on_nonleaf_is_differentiable():
    def fn(x, b):
        y = x * 2
        y += b
        y *= 3
        return y

    check_op(fn, None, [(3, 4), (4,)], **TOL)


MATMUL = [
    ((3, 4), (4, 5)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (3, 4, 2)),
    ((4,), (2, 4, 3)),
]


@pytest.mark.parametrize("shapes", MATMUL)
def test_matmul(shapes):
    check_op(lambda a, b: a @ b, None, shapes, atol=1e-5, rtol=1e-4)


def test_named_products():
    check_op(lambda a, b: _lib(a).mm(a, b), None, [(3, 4), (4, 2)], atol=1e-5, rtol=1e-4)
    check_op(lambda a, b: _lib(a).mv(a, b), None, [(3, 4), (4,)], atol=1e-5, rtol=1e-4)
    check_op(lambda a, b: _lib(a).dot(a, b), None, [(4,), (4,)], atol=1e-5, rtol=1e-4)
    check_op(lambda a, b: _lib(a).bmm(a, b), None, [(2, 3, 4), (2, 4, 2)], atol=1e-5, rtol=1e-4)
    check_op(lambda a, b: _lib(a).outer(a, b), None, [(3,), (4,)], atol=1e-5, rtol=1e-4)
    check_op(
        lambda a, b: _lib(a).einsum("ij,jk->ik", a, b), None, [(3, 4), (4, 2)], atol=1e-5, rtol=1e-4
    )


def test_float64_everywhere():
    check_op(
        lambda a, b: (a @ b).tanh().sum(1),
        None,
        [(3, 4), (4, 2)],
        dtype=np.float64,
        atol=1e-12,
        rtol=1e-12,
    )


def test_comparisons_and_logic():
    a, b = make_inputs([(3, 4), (4,)])
    for name in ("eq", "ne", "lt", "le", "gt", "ge"):
        got = getattr(ng.tensor(a), name)(ng.tensor(b))
        want = getattr(torch.tensor(a), name)(torch.tensor(b))
        assert got.dtype == ng.bool
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    m1, m2 = ng.tensor(a) > 0, ng.tensor(a) < 1
    np.testing.assert_array_equal((m1 & m2).numpy(), (a > 0) & (a < 1))
    np.testing.assert_array_equal((~m1).numpy(), ~(a > 0))


# -- tails: relative precision on extreme inputs (an atol hides 0 instead of 2e-9) ----------

TAIL_TOL = {np.float32: 1e-5, np.float64: 1e-12}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_expm1_keeps_relative_precision_near_zero(dtype):
    # exp(x) - 1 gave 0 for |x| < 6e-8 in float32 and 8e-8 relative error at 1e-10 in float64
    x = np.array([1e-30, -1e-20, 1e-10, -1e-7, 1e-5, -1e-3, 0.5, -3.0, 20.0, -0.0], dtype)
    check_tails(ng.expm1, torch.expm1, [x], TAIL_TOL[dtype])
    check_tails(lambda t: t.expm1(), lambda t: t.expm1(), [x], TAIL_TOL[dtype])


def test_sigmoid_of_zero_dim_tensor():
    # the in-place small-array path got a NumPy scalar from negative() on a 0-d array and failed
    x = ng.tensor(-20.0, requires_grad=True)
    y = ng.sigmoid(x)
    y.backward()
    want = torch.sigmoid(torch.tensor(-20.0, dtype=torch.float32))
    np.testing.assert_allclose(y.detach().numpy(), want.numpy(), rtol=1e-6, atol=0)
    assert y.shape == ()
    assert x.grad is not None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logit_gradient_at_and_outside_the_ends(dtype):
    # torch: g / (x (1 - x)), +-inf at 0 and 1, NaN outside [0, 1] (0 there with eps); the
    # composed log(x / (1 - x)) gave NaN at 0 and 1 and finite values outside
    x = np.array([0.0, 1.0, 1e-30, 1e-7, 0.3, 0.999, 1.5, -2.0], dtype)
    check_tails(ng.logit, torch.logit, [x], TAIL_TOL[dtype])
    check_tails(lambda t: ng.logit(t, 1e-3), lambda t: torch.logit(t, 1e-3), [x], TAIL_TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sinc_gradient_near_zero(dtype):
    # the composed sin(pi x) / (pi x) gave a gradient of 800 at x = 1e-10 and inf at 1e-30
    x = np.array([0.0, 1e-30, -1e-20, 1e-10, 0.3, -2.5, 7.25], dtype)
    check_tails(ng.sinc, torch.sinc, [x], TAIL_TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hypot_neither_overflows_nor_underflows(dtype):
    # sqrt(a * a + b * b) gave inf for 1e20 and 0 (NaN gradients) for 1e-30 in float32
    big, tiny = (1e20, 1e-30) if dtype == np.float32 else (1e200, 1e-200)
    a = np.array([big, tiny, 3.0, -big, tiny, 0.0], dtype)
    b = np.array([0.0, tiny, -4.0, big, 2 * tiny, 2.0], dtype)
    check_tails(ng.hypot, torch.hypot, [a, b], TAIL_TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logaddexp_of_equal_infinities(dtype):
    # max + log1p(exp(-|a - b|)) gave NaN for a = b = +-inf (inf - inf)
    a = np.array([np.inf, -np.inf, -np.inf, 30.0, -1e30, 1.0], dtype)
    b = np.array([np.inf, -np.inf, 3.0, -30.0, -1e30, 1.0], dtype)
    check_tails(ng.logaddexp, torch.logaddexp, [a, b], TAIL_TOL[dtype], grad=False)
    check_tails(ng.logaddexp2, torch.logaddexp2, [a, b], TAIL_TOL[dtype], grad=False)
    check_tails(ng.logaddexp, torch.logaddexp, [a[3:], b[3:]], TAIL_TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_division_gradient_for_tiny_and_huge_divisors(dtype):
    # -g a / (b * b): b * b underflowed (-inf at a = b = 1e-30 in float32) or overflowed
    big = 1e20 if dtype == np.float32 else 1e160
    a = np.array([1e-30, 100.0, 0.0, 3.0, -1e-20], dtype)
    b = np.array([1e-30, big, 1e-30, -2.0, 1e-20], dtype)
    check_tails(lambda x, y: x / y, lambda x, y: x / y, [a, b], TAIL_TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pow_base_gradient_with_zero_and_huge_exponents(dtype):
    # torch: b a^(b-1), 0 where b == 0 (was NaN at a = b = 0); g * b overflowed first
    a = np.array([0.0, 0.0, 2.0, 0.5, 0.5, 3.0], dtype)
    b = np.array([0.0, 2.0, 0.0, 3e38 if dtype == np.float32 else 1e300, 3.0, -1.5], dtype)
    check_tails(ng.pow, torch.pow, [a, b], TAIL_TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_ndtr_and_ndtri_tails(dtype):
    # log(ndtr(x)) gave -inf below x = -14 (float32) and 0 above 6; sqrt(2) erfinv(2p - 1)
    # gave -inf for p < 6e-8 in float32
    x = np.array([-30.0, -15.0, -5.0, -1.0, 0.0, 2.0, 5.0, 9.0], dtype)
    check_tails(ng.special.log_ndtr, torch.special.log_ndtr, [x], TAIL_TOL[dtype])
    p = np.array([1e-30, 1e-10, 1e-5, 0.3, 0.5, 0.9, 1 - 1e-6], dtype)
    check_tails(ng.special.ndtri, torch.special.ndtri, [p], TAIL_TOL[dtype], grad=False)
    check_tails(
        ng.special.ndtri, torch.special.ndtri, [p[2:]], 1e-4 if dtype == np.float32 else 1e-10
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_xlog1py_gradient_at_zero(dtype):
    # d/dx = log1p(y) also where x == 0 (0 only there and y <= -1); the composed form gave 0
    x = np.array([0.0, 0.0, 0.0, 2.0, -1.5, 0.0], dtype)
    y = np.array([1e-10, 0.5, -1.0, 3.0, 1e-20, -np.inf], dtype)
    check_tails(ng.special.xlog1py, torch.special.xlog1py, [x, y], TAIL_TOL[dtype])


def test_igamma_with_a_differentiable_input_raises_on_backward_only():
    # the not-implemented node set the read-only ``name`` property and failed in the forward
    a = ng.tensor([1.5, 2.0], requires_grad=True)
    out = ng.igamma(a, ng.tensor([0.5, 3.0]))
    want = torch.igamma(torch.tensor([1.5, 2.0]), torch.tensor([0.5, 3.0]))
    np.testing.assert_allclose(out.detach().numpy(), want.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="not implemented"):
        out.sum().backward()


def test_max_and_min_of_all_with_nan_share_the_gradient_among_the_nans():
    grads = {}
    for L in (ng, torch):
        for name in ("max", "min", "amax"):
            x = L.tensor([[1.0, float("nan"), float("nan")], [2.0, 3.0, 3.0]], requires_grad=True)
            out = getattr(x, name)() if name != "amax" else x.amax(1).sum()
            out.backward()
            grads[L.__name__, name] = x.grad.numpy()
            assert np.isnan(out.item())
    for name in ("max", "min", "amax"):
        np.testing.assert_array_equal(grads["nablagrad", name], grads["torch", name])


def test_sort_is_stable_and_puts_nan_largest_as_torch():
    nan = float("nan")
    cases = [
        lambda L: L.sort(L.tensor([[3.0, nan, 1, 3, nan, 0]]), descending=True),
        lambda L: L.sort(L.tensor([[3.0, nan, 1, 3, nan, 0]])),
        lambda L: L.sort(L.tensor([2, 2, 0, 1, 0])),
        lambda L: L.argsort(L.tensor([[2.0, 2, 0, 1], [5, 5, 5, -1]]), dim=1),
        lambda L: L.argsort(L.tensor([2, 2, 0, 1]), descending=True),
        lambda L: L.tensor([1.0, nan, 2.0]).sort(descending=True).values,
    ]
    for case in cases:
        a, b = case(ng), case(torch)
        for u, v in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,)):
            np.testing.assert_array_equal(u.numpy(), v.numpy())
