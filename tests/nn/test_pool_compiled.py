"""The compiled 2x2 pooling path (``ops/pool_compiled.py``) against torch: values and gradients in
float32 and float64, ties, NaN windows, odd sizes, non-contiguous input, batch shards, second
derivatives, and the NumPy fallback without Numba."""

import numpy as np
import pytest
import torch
from nnhelpers import compare_module

import nablagrad as ng
from nablagrad import backend, nn
from nablagrad.ops import pool_compiled as pool_2x2

NEEDS_JIT = pytest.mark.skipif(
    not backend.jit_available(), reason="Numba is not installed: the 2x2 path never applies"
)
SHAPES = [(2, 3, 8, 8), (3, 2, 7, 9), (1, 1, 2, 2), (2, 4, 5, 2)]  # odd sizes drop a row/column


@NEEDS_JIT
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("pool", ["max", "avg"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_2x2_pooling_matches_torch(shape, pool, dtype, monkeypatch):
    calls = []
    name = "max_pool_2x2" if pool == "max" else "avg_pool_2x2"
    real = getattr(pool_2x2, name)
    monkeypatch.setattr(
        "nablagrad.ops.conv." + name, lambda *a: calls.append(1) or real(*a), raising=True
    )
    cls = (
        (nn.MaxPool2d, torch.nn.MaxPool2d) if pool == "max" else (nn.AvgPool2d, torch.nn.AvgPool2d)
    )
    x = np.random.default_rng(4).standard_normal(shape).astype(dtype)
    tol = 1e-6 if dtype == "float32" else 1e-12
    compare_module(cls[0](2), cls[1](2), shape, x=x, atol=tol, rtol=tol)
    assert calls  # the compiled path ran


@NEEDS_JIT
def test_max_2x2_ties_nans_and_infinities_like_torch():
    x = np.zeros((1, 1, 4, 6), np.float32)  # all-zero windows: ties, the first position wins
    x[0, 0, 0, 2] = x[0, 0, 1, 3] = 5.0  # a tie between two positions of one window
    x[0, 0, 2, 0] = np.nan  # one NaN
    x[0, 0, 2, 2] = x[0, 0, 3, 3] = np.nan  # two NaNs: the last one is picked
    x[0, 0, 2, 4] = -np.inf
    x[0, 0, 3, 5] = np.inf
    xn, xt = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yn, yt = nn.functional.max_pool2d(xn, 2), torch.nn.functional.max_pool2d(xt, 2)
    np.testing.assert_array_equal(yn.detach().numpy(), yt.detach().numpy())
    g = np.arange(1.0, 7.0, dtype=np.float32).reshape(1, 1, 2, 3)
    yn.backward(ng.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(xn.grad.numpy(), xt.grad.numpy())


@NEEDS_JIT
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_max_2x2_every_window_of_special_values_like_torch(dtype):
    # every 2x2 window over {-inf, -1, -0.0, 0, 1, inf, NaN} (7^4 = 2401 windows): the maximum
    # and its position (where the gradient lands) by torch's rule, also with inf and NaN
    # gradients (the kernels move the gradient's bits, masked, rather than multiplying)
    values = np.array([-np.inf, -1.0, -0.0, 0.0, 1.0, np.inf, np.nan], dtype)
    combos = np.array(np.meshgrid(*[np.arange(7)] * 4, indexing="ij")).reshape(4, -1).T
    windows = values[combos].reshape(1, -1, 2, 2)  # one window per channel
    x = np.ascontiguousarray(np.concatenate([windows, windows[:, ::-1]], axis=3))  # (1, W, 2, 4)
    g = np.random.default_rng(6).standard_normal((1, x.shape[1], 1, 2)).astype(dtype)
    g.reshape(-1)[::13] = np.inf
    g.reshape(-1)[::17] = np.nan
    g.reshape(-1)[::19] = -0.0
    xn, xt = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yn, yt = nn.functional.max_pool2d(xn, 2), torch.nn.functional.max_pool2d(xt, 2)
    np.testing.assert_array_equal(yn.detach().numpy(), yt.detach().numpy())
    assert np.array_equal(np.signbit(yn.detach().numpy()), np.signbit(yt.detach().numpy()))
    yn.backward(ng.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(xn.grad.numpy(), xt.grad.numpy())
    assert np.array_equal(np.signbit(xn.grad.numpy()), np.signbit(xt.grad.numpy()))


@NEEDS_JIT
@pytest.mark.parametrize("pool", ["max", "avg"])
def test_2x2_second_derivatives_and_strided_input(pool):
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 3, 6, 8))
    fn_n = nn.functional.max_pool2d if pool == "max" else nn.functional.avg_pool2d
    fn_t = torch.nn.functional.max_pool2d if pool == "max" else torch.nn.functional.avg_pool2d
    xn, xt = ng.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    # a transposed (non-contiguous) input, and a loss whose gradient depends on the input
    yn, yt = fn_n(xn.transpose(2, 3), 2), fn_t(xt.transpose(2, 3), 2)
    (gn,) = ng.autograd.grad((yn * yn * yn).sum(), xn, create_graph=True)
    (gt,) = torch.autograd.grad((yt * yt * yt).sum(), xt, create_graph=True)
    np.testing.assert_allclose(gn.detach().numpy(), gt.detach().numpy(), rtol=1e-12, atol=1e-12)
    (gn * gn).sum().backward()
    (gt * gt).sum().backward()
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@NEEDS_JIT
@pytest.mark.parametrize("pool", ["max", "avg"])
def test_2x2_batch_shards_match_torch(monkeypatch, pool, num_threads):
    from nablagrad import parallel

    monkeypatch.setattr(parallel.batch_ranges, "__defaults__", (0, 0.0))  # split even tiny work
    num_threads(3)
    cls = (
        (nn.MaxPool2d, torch.nn.MaxPool2d) if pool == "max" else (nn.AvgPool2d, torch.nn.AvgPool2d)
    )
    compare_module(cls[0](2), cls[1](2), (7, 2, 6, 5), atol=1e-6, rtol=1e-6)


def test_2x2_pooling_without_compiled_kernels_matches_torch():
    old = backend.set_jit_enabled(False)
    try:
        x = np.zeros((2, 3, 6, 6), np.float32)
        assert not pool_2x2.pool_2x2_ok(np, x, (2, 2), (2, 2), (0, 0), (1, 1))
        compare_module(nn.MaxPool2d(2), torch.nn.MaxPool2d(2), (2, 3, 6, 7), atol=1e-6, rtol=1e-6)
        compare_module(nn.AvgPool2d(2), torch.nn.AvgPool2d(2), (2, 3, 6, 7), atol=1e-6, rtol=1e-6)
    finally:
        backend.set_jit_enabled(old)


@NEEDS_JIT
def test_2x2_path_applies_only_to_its_case():
    x32, x64 = np.zeros((2, 3, 6, 6), np.float32), np.zeros((2, 3, 6, 6))
    ok = pool_2x2.pool_2x2_ok
    assert ok(np, x32, (2, 2), (2, 2), (0, 0), (1, 1)) and ok(
        np, x64, 2 * (2,), (2, 2), (0, 0), (1, 1)
    )
    assert not ok(np, x32, (3, 3), (3, 3), (0, 0), (1, 1))
    assert not ok(np, x32, (2, 2), (1, 1), (0, 0), (1, 1))
    assert not ok(np, x32, (2, 2), (2, 2), (1, 1), (1, 1))
    assert not ok(np, x32, (2, 2), (2, 2), (0, 0), (2, 2))
    assert not ok(np, np.zeros((2, 3, 6, 6), np.int64), (2, 2), (2, 2), (0, 0), (1, 1))
    assert not ok(np, np.zeros((2, 3, 1, 6), np.float32), (2, 2), (2, 2), (0, 0), (1, 1))


GENERAL = [
    dict(kernel_size=3, stride=2, padding=1),  # ResNet's stem
    dict(kernel_size=3, stride=2),  # AlexNet, GoogLeNet
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0)),
    dict(kernel_size=3, stride=1, padding=1, dilation=2),
    dict(kernel_size=2, stride=1),  # overlapping 2x2
]


@NEEDS_JIT
@pytest.mark.parametrize("kw", GENERAL)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_general_max_pooling_matches_torch(kw, dtype, monkeypatch):
    calls = []
    real = pool_2x2.max_pool_general
    monkeypatch.setattr(
        "nablagrad.ops.conv.max_pool_general", lambda *a: calls.append(1) or real(*a)
    )
    shape = (2, 3, 9, 11)
    x = np.random.default_rng(6).standard_normal(shape).astype(dtype)
    compare_module(nn.MaxPool2d(**kw), torch.nn.MaxPool2d(**kw), shape, x=x, atol=1e-6, rtol=1e-6)
    assert calls


@NEEDS_JIT
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_general_max_pooling_of_special_values_like_torch(stride, dtype):
    # overlapping (stride 1, 2) and tiling (3) 3x3 windows over inputs drawn from {-inf, -1,
    # -0.0, 0, 1, inf, NaN}: many ties and NaNs per window; the maximum and where its gradient
    # lands (distinct gradients, so a wrong position shows)
    values = np.array([-np.inf, -1.0, -0.0, 0.0, 1.0, np.inf, np.nan], dtype)
    x = values[np.random.default_rng(7).integers(0, 7, (2, 8, 13, 17))]
    xn, xt = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yn = nn.functional.max_pool2d(xn, 3, stride=stride, padding=1)
    yt = torch.nn.functional.max_pool2d(xt, 3, stride=stride, padding=1)
    np.testing.assert_array_equal(yn.detach().numpy(), yt.detach().numpy())
    g = np.arange(1.0, 1.0 + yt.numel(), dtype=dtype).reshape(tuple(yt.shape))
    yn.backward(ng.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(xn.grad.numpy(), xt.grad.numpy())


@NEEDS_JIT
@pytest.mark.parametrize("stride", [2, 1, 3])  # the separable kernel (1, 2) and the general one
def test_general_max_pooling_ties_nans_and_second_derivatives_like_torch(stride):
    x = np.zeros((1, 2, 7, 7))
    x[0, 0, 1, 1] = x[0, 0, 2, 3] = 4.0  # ties inside overlapping windows
    x[0, 1, 3, 3] = np.nan
    x[0, 1, 0, 0] = x[0, 1, 1, 1] = np.nan  # two NaNs in one window: the last is picked
    xn, xt = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yn = nn.functional.max_pool2d(xn, 3, stride=stride, padding=1)
    yt = torch.nn.functional.max_pool2d(xt, 3, stride=stride, padding=1)
    np.testing.assert_array_equal(yn.detach().numpy(), yt.detach().numpy())
    g = np.arange(1.0, 1.0 + yt.numel()).reshape(tuple(yt.shape))
    (gn,) = ng.autograd.grad(yn, xn, ng.tensor(g), create_graph=True)
    (gt,) = torch.autograd.grad(yt, xt, torch.tensor(g), create_graph=True)
    np.testing.assert_array_equal(gn.detach().numpy(), gt.detach().numpy())
    a = np.random.default_rng(7).standard_normal((2, 3, 8, 8))
    xn, xt = ng.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    yn = nn.functional.max_pool2d(xn, 3, stride=stride, padding=1)
    yt = torch.nn.functional.max_pool2d(xt, 3, stride=stride, padding=1)
    (gn,) = ng.autograd.grad((yn**3).sum(), xn, create_graph=True)
    (gt,) = torch.autograd.grad((yt**3).sum(), xt, create_graph=True)
    (gn * gn).sum().backward()
    (gt * gt).sum().backward()
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@NEEDS_JIT
def test_general_max_pooling_batch_shards_match_torch(monkeypatch, num_threads):
    from nablagrad import parallel

    monkeypatch.setattr(parallel.batch_ranges, "__defaults__", (0, 0.0))  # split even tiny work
    num_threads(3)
    kw = dict(kernel_size=3, stride=2, padding=1)
    compare_module(nn.MaxPool2d(**kw), torch.nn.MaxPool2d(**kw), (7, 2, 9, 8), atol=1e-6, rtol=1e-6)


def test_general_max_pooling_without_compiled_kernels_matches_torch():
    old = backend.set_jit_enabled(False)
    try:
        kw = dict(kernel_size=3, stride=2, padding=1)
        compare_module(
            nn.MaxPool2d(**kw), torch.nn.MaxPool2d(**kw), (2, 3, 9, 8), atol=1e-6, rtol=1e-6
        )
    finally:
        backend.set_jit_enabled(old)
