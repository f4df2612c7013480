"""ReLU's, sigmoid's and tanh's pooled passes (arrays of 2**14 elements or more) with the
compiled kernels (``ops/_activation_jit.py``) and with the NumPy fallback: torch's values and
gradients, including NaN, infinities and signed zeros, float32 and float64, batch shards, and
arrays the kernels do not take (non-contiguous, float16)."""

import numpy as np
import pytest
import torch
from helpers import assert_close
from kernel_modes import kernel_mode  # noqa: F401 - runs every test with both kernels

import nablagrad as ng

SHAPE = (8, 4, 32, 24)  # 24,576 elements: the pooled path


def _input(dtype) -> np.ndarray:
    x = np.random.default_rng(3).standard_normal(SHAPE).astype(dtype)
    x.reshape(-1)[:6] = [np.nan, -0.0, 0.0, np.inf, -np.inf, -np.nan]
    return x


def _both(x: np.ndarray, g: np.ndarray, name: str = "relu") -> tuple:
    xn = ng.tensor(x, requires_grad=True)
    yn = getattr(ng, name)(xn)
    yn.backward(ng.tensor(g))
    xt = torch.tensor(x, requires_grad=True)
    yt = getattr(torch, name)(xt)
    yt.backward(torch.tensor(g))
    return yn, xn.grad, yt, xt.grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_matches_torch(dtype, kernel_mode):  # noqa: F811 - the fixture's value
    x = _input(dtype)
    g = np.random.default_rng(4).standard_normal(SHAPE).astype(dtype)
    g.reshape(-1)[7] = np.nan  # a NaN gradient passes where the output is positive
    x.reshape(-1)[7] = 1.0
    yn, gn, yt, gt = _both(x, g)
    assert_close(yn, yt.detach(), 0, 0, "relu")
    assert_close(gn, gt, 0, 0, "relu gradient")
    # the compiled kernel keeps -0.0 as torch does (NumPy's maximum gives +0.0 there)
    if kernel_mode == "compiled":
        from nablagrad.ops import _activation_jit

        assert _activation_jit.relu._compiled is not None  # it ran (no silent fallback)
        assert _activation_jit.relu_grad._compiled is not None
        assert np.array_equal(np.signbit(yn.detach().numpy()), np.signbit(yt.detach().numpy()))


def test_relu_non_contiguous_and_float16():
    """Inputs the kernels do not take go through NumPy: same results."""
    x = _input(np.float32)[:, :, :, ::2]
    g = np.ones(x.shape, np.float32)
    yn, gn, yt, gt = _both(x, g)
    assert_close(yn, yt.detach(), 0, 0, "strided relu")
    assert_close(gn, gt, 0, 0, "strided relu gradient")
    h = np.random.default_rng(5).standard_normal(SHAPE).astype(np.float16)
    assert_close(ng.relu(ng.tensor(h)), torch.relu(torch.tensor(h)), 0, 0, "float16 relu")


def test_relu_batch_shards(monkeypatch, num_threads):
    """Split over three threads (uneven shards): the same values."""
    from nablagrad import parallel

    monkeypatch.setattr(parallel.batch_ranges, "__defaults__", (0,))
    num_threads(3)
    x = _input(np.float32)[:7]
    g = np.random.default_rng(6).standard_normal(x.shape).astype(np.float32)
    yn, gn, yt, gt = _both(x, g)
    assert_close(yn, yt.detach(), 0, 0, "relu")
    assert_close(gn, gt, 0, 0, "relu gradient")


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_tanh_match_torch(name, dtype, kernel_mode):  # noqa: F811 - the fixture's value
    """Values and gradients to a few units in the last place, NaN and infinities included."""
    x = _input(dtype) * 4
    g = np.random.default_rng(7).standard_normal(SHAPE).astype(dtype)
    yn, gn, yt, gt = _both(x, g, name)
    tol = 2e-7 if dtype == np.float32 else 1e-15
    assert_close(yn, yt.detach(), tol, tol, name)
    # 1 - t^2 and s (1 - s) cancel near saturation: absolute errors of a few float32 units
    # of the gradient's scale (|g| ~ 1)
    assert_close(gn, gt, 5 * tol, tol, f"{name} gradient")
    if kernel_mode == "compiled":
        from nablagrad.ops import _activation_jit

        assert _activation_jit.tanh_grad._compiled is not None or name == "sigmoid"
        assert _activation_jit.sigmoid_grad._compiled is not None or name == "tanh"


@pytest.mark.parametrize("size", [5, 70_000])  # the plain formula and the pooled pass
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_tails_keep_relative_precision(size, dtype, kernel_mode):  # noqa: F811
    """sigmoid(x) for x from -800 to 40 to a few units in the last place relative to torch's,
    however small: (1 + tanh(x/2)) / 2 gave 0 at x = -20 (torch 2.1e-9) and a 2e-4 relative
    error at -10.  Where e^-x overflows (x < -88.72 in float32) both give 0; torch's float32
    results between -88.72 and -87.3 are subnormal (fewer digits): matched to 1e-5 relative."""
    x = np.linspace(-800, 40, size).astype(dtype)
    x[:4] = [np.nan, np.inf, -np.inf, -0.0]
    x[4] = -20.0
    g = np.ones_like(x)
    yn, gn, yt, gt = _both(x, g, "sigmoid")
    yn, yt = yn.detach().numpy(), yt.detach().numpy()
    assert np.array_equal(np.isnan(yn), np.isnan(yt))
    tiny = np.finfo(dtype).tiny
    normal = yt >= tiny
    rel = np.abs(yn[normal] - yt[normal]) / yt[normal]
    assert rel.max() <= (8e-7 if dtype == np.float32 else 4e-15), rel.max()
    sub = ~normal & ~np.isnan(yt)
    assert np.all(
        np.abs(yn[sub] - yt[sub]) <= 1e-5 * yt[sub] + 4 * np.finfo(dtype).smallest_subnormal
    )
    assert yn[4] > 0 and abs(yn[4] - 2.0611536e-9) / 2.0611536e-9 < 1e-6
    # the gradient s (1 - s) keeps the same relative precision in the left tail
    grad_rel = np.abs(gn.numpy()[normal] - gt.numpy()[normal]) / np.maximum(
        gt.numpy()[normal], tiny
    )
    assert grad_rel[yt[normal] < 0.5].max() <= (2e-6 if dtype == np.float32 else 1e-14)
    if kernel_mode == "compiled" and size > 5 and dtype == np.float32:
        from nablagrad.ops import _activation_jit

        assert _activation_jit.sigmoid32._compiled is not None  # it ran (no silent fallback)
