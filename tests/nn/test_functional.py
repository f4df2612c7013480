"""Activations and softmax family vs torch (values and gradients) plus float64 gradchecks."""

import numpy as np
import pytest
import torch
from helpers import check_op, check_tails

import nablagrad as ng
from nablagrad import nn
from nablagrad.nn import functional as F

ACTIVATIONS = [
    ("ReLU", {}),
    ("Sigmoid", {}),
    ("Tanh", {}),
    ("LeakyReLU", {"negative_slope": 0.2}),
    ("ELU", {"alpha": 0.7}),
    ("SELU", {}),
    ("GELU", {}),
    ("GELU", {"approximate": "tanh"}),
    ("SiLU", {}),
    ("Softplus", {}),
    ("Softplus", {"beta": 2.0, "threshold": 3.0}),
    ("Mish", {}),
    ("Hardtanh", {}),
    ("Hardtanh", {"min_val": -0.5, "max_val": 1.5}),
    ("Softmax", {"dim": 1}),
    ("LogSoftmax", {"dim": -1}),
    ("Softmax", {"dim": 0}),
]


@pytest.mark.parametrize("name,kw", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4)])
def test_activation_modules_match_torch(name, kw, shape):
    ng_m, t_m = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    check_op(ng_m, t_m, [shape], low=-4, high=4, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize(
    "fn,args",
    [
        ("leaky_relu", (0.1,)),
        ("elu", ()),
        ("selu", ()),
        ("gelu", ()),
        ("silu", ()),
        ("softplus", ()),
        ("mish", ()),
        ("hardtanh", ()),
        ("relu6", ()),
    ],
)
def test_functional_float64(fn, args):
    check_op(
        lambda x: getattr(F, fn)(x, *args),
        lambda x: getattr(torch.nn.functional, fn)(x, *args),
        [(3, 7)],
        dtype=np.float64,
        low=-7,
        high=7,
        atol=1e-12,
        rtol=1e-10,
    )


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F.softmax(x, 1),
        lambda x: F.log_softmax(x, 0),
        lambda x: F.gelu(x),
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: F.elu(x, 0.5),
        lambda x: F.selu(x),
        lambda x: F.silu(x),
        lambda x: F.softplus(x, 1.5),
        lambda x: F.mish(x),
        lambda x: F.leaky_relu(x, 0.3),
    ],
)
def test_gradcheck_and_gradgradcheck(fn):
    rng = np.random.default_rng(0)
    x = ng.tensor(rng.uniform(-2, 2, (3, 4)), requires_grad=True)
    assert ng.autograd.gradcheck(fn, (x,))
    assert ng.autograd.gradgradcheck(fn, (x,))


def test_softmax_stable_for_huge_inputs():
    x = ng.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], requires_grad=True)
    s = F.softmax(x, 1)
    ls = F.log_softmax(x, 1)
    assert np.isfinite(s.numpy(force=True)).all() and np.isfinite(ls.numpy(force=True)).all()
    xt = torch.tensor([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], requires_grad=True)
    np.testing.assert_allclose(ls.numpy(force=True), torch.log_softmax(xt, 1).detach().numpy())
    (ls[:, 0].sum() + s[:, 1].sum()).backward()
    (torch.log_softmax(xt, 1)[:, 0].sum() + torch.softmax(xt, 1)[:, 1].sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=1e-6)


def test_tensor_softmax_methods_use_nn():
    x = ng.tensor([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(x.softmax(-1).numpy(), torch.tensor([[1.0, 2, 3]]).softmax(-1))
    np.testing.assert_allclose(
        ng.log_softmax(x, 1).numpy(), torch.tensor([[1.0, 2, 3]]).log_softmax(1), rtol=1e-6
    )


def test_maxout():
    ng.manual_seed(0)
    m = nn.Maxout(4, 3, pieces=5)
    x = ng.randn(6, 4, requires_grad=True)
    y = m(x)
    w, b = m.linear.weight.numpy(force=True), m.linear.bias.numpy(force=True)
    z = (x.numpy(force=True) @ w.T + b).reshape(6, 3, 5)
    np.testing.assert_allclose(y.numpy(force=True), z.max(-1), rtol=1e-6)
    y.sum().backward()
    arg = z.argmax(-1)
    onehot = (np.arange(5) == arg[..., None]).reshape(6, 15).astype(np.float32)
    np.testing.assert_allclose(x.grad.numpy(), onehot @ w, rtol=1e-5, atol=1e-6)
    assert sorted(m.state_dict()) == ["linear.bias", "linear.weight"]


def test_bad_activation_arguments():
    with pytest.raises(RuntimeError, match="approximate"):  # torch: in forward
        nn.GELU("fast")(ng.randn(2))
    with pytest.raises(TypeError, match="floating point"):
        F.softmax(ng.tensor([1, 2]), 0)
    with pytest.raises(IndexError, match="out of range"):
        F.softmax(ng.randn(2, 3), 2)


NAN_CASES = [
    ("elu", {}),
    ("selu", {}),
    ("celu", {"alpha": 2.0}),
    ("hardshrink", {}),
    ("threshold", {"threshold": 0.5, "value": -1.0}),
]


@pytest.mark.parametrize("name,kw", NAN_CASES)
def test_nan_inputs_follow_torch(name, kw):
    # torch tests x <= 0 (ELU family: a NaN takes the linear branch's gradient) and
    # |x| <= lambd / x <= threshold (hardshrink, threshold: a NaN stays NaN, gradient passed on)
    x = np.array([np.nan, -2.0, 0.25, 3.0], np.float32)
    check_tails(lambda t: getattr(F, name)(t, **kw),
                lambda t: getattr(torch.nn.functional, name)(t, **kw), [x], 1e-6)  # fmt: skip


@pytest.mark.parametrize(
    "ng_fn,torch_fn",
    [
        (F.softmax, torch.nn.functional.softmax),
        (F.log_softmax, torch.nn.functional.log_softmax),
        (F.softmin, torch.nn.functional.softmin),
        (nn.Softmax(), torch.nn.Softmax()),
        (nn.LogSoftmax(), torch.nn.LogSoftmax()),
        (nn.Softmin(), torch.nn.Softmin()),
    ],
)
def test_implicit_softmax_dim_warns_as_torch(ng_fn, torch_fn):
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match="Implicit dimension choice") as wt:
        expected = torch_fn(torch.tensor(x))
    with pytest.warns(UserWarning, match="Implicit dimension choice") as wn:
        got = ng_fn(ng.tensor(x))
    assert str(wn[0].message) == str(wt[0].message)
    assert wn[0].filename == __file__  # points at the caller
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)


INT_UNSUPPORTED = ["leaky_relu", "elu", "celu", "selu", "gelu", "silu", "mish", "hardswish",
                   "hardsigmoid", "hardshrink", "softshrink", "softplus", "logsigmoid", "rrelu",
                   "softmax", "softmin", "log_softmax", "glu"]  # fmt: skip


@pytest.mark.parametrize("name", INT_UNSUPPORTED)
def test_integer_input_raises_not_implemented_as_torch(name):
    args = (0,) if name in ("softmax", "softmin", "log_softmax", "glu") else ()
    with pytest.raises(NotImplementedError):
        getattr(torch.nn.functional, name)(torch.tensor([1, -2]), *args)
    with pytest.raises(NotImplementedError):
        getattr(F, name)(ng.tensor([1, -2]), *args)
    with pytest.raises(TypeError):  # (as nablagrad raised before: both catch it)
        getattr(F, name)(ng.tensor([1, -2]), *args)


def test_integer_hardtanh_relu6_tanhshrink_as_torch():
    for dtype, ng_dtype in ((torch.int64, ng.int64), (torch.uint8, ng.uint8)):
        x = [5, 0, 200] if dtype == torch.uint8 else [5, -5, 0]
        t, n = torch.tensor(x, dtype=dtype), ng.tensor(x, dtype=ng_dtype)
        for kw in ({}, {"min_val": -1.5, "max_val": 2.5}) if dtype == torch.int64 else ():
            e, g = torch.nn.functional.hardtanh(t, **kw), F.hardtanh(n, **kw)
            assert str(g.dtype).split(".")[-1] == str(e.dtype).split(".")[-1]
            np.testing.assert_array_equal(g.numpy(), e.numpy())
        np.testing.assert_array_equal(F.relu6(n).numpy(), torch.nn.functional.relu6(t).numpy())
        F.relu6(n, inplace=True)
        torch.nn.functional.relu6(t, inplace=True)
        np.testing.assert_array_equal(n.numpy(), t.numpy())
    with pytest.raises(RuntimeError, match="unsigned type with negative limits"):
        F.hardtanh(ng.tensor([1], dtype=ng.uint8))
    with pytest.raises(RuntimeError, match="Bool"):
        F.hardtanh(ng.tensor([True, False]))
    e = torch.nn.functional.tanhshrink(torch.tensor([1, 2], dtype=torch.int32))
    g = F.tanhshrink(ng.tensor([1, 2], dtype=ng.int32))
    assert g.dtype == ng.float32
    np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-6)


def test_gelu_bad_approximate_and_rrelu_bounds_as_torch():
    x = ng.randn(3)
    m = nn.GELU(approximate="x")  # torch builds it and raises in forward
    assert repr(m) == repr(torch.nn.GELU(approximate="x"))
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        m(x)
    with pytest.raises(RuntimeError, match="approximate argument"):
        F.gelu(x, approximate="x")
    for training in (False, True):
        with pytest.raises(RuntimeError, match="Lower bound should be less than or equal"):
            F.rrelu(x, 0.5, 0.1, training=training)


@pytest.mark.parametrize(
    "shape,pad",
    [
        ((2, 3, 6), (-1, 2)),
        ((2, 3, 6), (2, -3)),
        ((2, 3, 6), (-3, 2)),
        ((3, 6), (-2, -1)),
        ((1, 2, 5, 6), (-1, 2, 1, -2)),
        ((1, 2, 4, 5, 6), (2, -3, -1, 1, 1, -2)),
    ],
)
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_negative_widths_crop_as_torch(shape, pad, mode):
    x = np.random.default_rng(0).standard_normal(shape)
    g = np.random.default_rng(1)
    tx = torch.tensor(x, requires_grad=True)
    nx = ng.tensor(x, requires_grad=True)
    ty = torch.nn.functional.pad(tx, pad, mode=mode)
    ny = F.pad(nx, pad, mode=mode)
    assert tuple(ny.shape) == tuple(ty.shape)
    np.testing.assert_allclose(ny.detach().numpy(), ty.detach().numpy())
    grad = g.standard_normal(tuple(ty.shape))
    ty.backward(torch.tensor(grad))
    ny.backward(ng.tensor(grad))
    np.testing.assert_allclose(nx.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize(
    "shape,pad,mode,exc",
    [
        ((1, 1, 4, 5), (1, 1), "reflect", NotImplementedError),
        ((1, 1, 1, 4, 5), (1, 1, 1, 1), "replicate", NotImplementedError),
        ((5,), (1, 1), "circular", NotImplementedError),
        ((1, 2, 5), (-3, -3), "reflect", RuntimeError),
        ((1, 2, 5), (0, -5), "replicate", RuntimeError),
        ((1, 2, 5), (-1, 5), "reflect", RuntimeError),
        ((1, 2, 3), (4, -1), "circular", RuntimeError),
        ((1, 2, 5), (-3, -3), "circular", RuntimeError),
    ],
)
def test_pad_non_constant_errors_as_torch(shape, pad, mode, exc):
    with pytest.raises(exc):
        torch.nn.functional.pad(torch.zeros(shape), pad, mode=mode)
    with pytest.raises(exc):
        F.pad(ng.zeros(shape), pad, mode=mode)


def test_pad_replicate_and_circular_may_empty_one_dim_as_torch():
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    for mode, pad in [("replicate", (-4, 1, 1, -4)), ("circular", (0, -4, 0, 0))]:
        ty = torch.nn.functional.pad(torch.tensor(x), pad, mode=mode)
        ny = F.pad(ng.tensor(x), pad, mode=mode)
        assert tuple(ny.shape) == tuple(ty.shape)
