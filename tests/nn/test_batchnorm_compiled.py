"""Training-mode batch norm through the compiled kernels and through the NumPy passes, each
against torch: outputs, input/weight/bias gradients, running statistics, second derivatives,
batch shards and non-contiguous input."""

import numpy as np
import pytest
import torch
from nnhelpers import compare_module

import nablagrad as ng
from nablagrad import backend, nn
from nablagrad.ops import batchnorm

NEEDS_JIT = pytest.mark.skipif(not backend.jit_available(), reason="Numba is not installed")


@pytest.fixture(params=["compiled", "numpy"])
def mode(request):
    if request.param == "compiled" and not backend.jit_available():
        pytest.skip("Numba is not installed")
    old = backend.set_jit_enabled(request.param == "compiled")
    yield request.param
    backend.set_jit_enabled(old)


@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda lib: lib.nn.BatchNorm2d(3), (4, 3, 5, 6)),  # planes of 30: compiled
        (lambda lib: lib.nn.BatchNorm2d(2, affine=False), (3, 2, 4, 4)),  # 16: compiled
        (lambda lib: lib.nn.BatchNorm2d(3), (4, 3, 3, 3)),  # 9: NumPy passes either way
        (lambda lib: lib.nn.BatchNorm1d(4), (5, 4, 20)),
        (lambda lib: lib.nn.BatchNorm3d(2), (2, 2, 3, 4, 5)),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batchnorm_train_matches_torch(mode, make, shape, dtype):
    torch.manual_seed(7)
    ng_m, t_m = make(ng), make(torch)
    if dtype == "float64":
        ng_m, t_m = ng_m.double(), t_m.double()
    x = (np.random.default_rng(8).standard_normal(shape) * 3 + 1.5).astype(dtype)
    tol = 1e-5 if dtype == "float32" else 1e-11
    compare_module(ng_m, t_m, shape, x=x, atol=tol, rtol=tol)
    np.testing.assert_allclose(
        ng_m.running_mean.numpy(), t_m.running_mean.numpy(), rtol=tol, atol=tol
    )
    np.testing.assert_allclose(
        ng_m.running_var.numpy(), t_m.running_var.numpy(), rtol=tol, atol=tol
    )


@NEEDS_JIT
def test_the_compiled_kernels_run_where_they_apply(monkeypatch):
    calls = []
    real = batchnorm._statistics_compiled
    monkeypatch.setattr(batchnorm, "_statistics_compiled", lambda *a: calls.append(1) or real(*a))
    nn.BatchNorm2d(3)(ng.randn(2, 3, 4, 4))
    assert calls == [1]
    nn.BatchNorm2d(3)(ng.randn(2, 3, 3, 3))  # 9-element planes: the NumPy passes
    nn.BatchNorm1d(3)(ng.randn(5, 3))
    assert calls == [1]


def test_second_derivatives_and_strided_input_match_torch(mode):
    a = np.random.default_rng(9).standard_normal((3, 2, 5, 8))
    xn, xt = ng.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    mn, mt = nn.BatchNorm2d(2).double(), torch.nn.BatchNorm2d(2).double()
    yn, yt = mn(xn.transpose(2, 3)), mt(xt.transpose(2, 3))  # non-contiguous input
    (gn,) = ng.autograd.grad((yn * yn * yn).sum(), xn, create_graph=True)
    (gt,) = torch.autograd.grad((yt * yt * yt).sum(), xt, create_graph=True)
    np.testing.assert_allclose(gn.detach().numpy(), gt.detach().numpy(), rtol=1e-9, atol=1e-9)
    (gn * gn).sum().backward()
    (gt * gt).sum().backward()
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(mn.weight.grad.numpy(), mt.weight.grad.numpy(), rtol=1e-9, atol=1e-9)


def test_batch_shards_match_torch(mode, monkeypatch, num_threads):
    from nablagrad import parallel

    monkeypatch.setattr(parallel.batch_ranges, "__defaults__", (0, 0.0))  # split even tiny work
    num_threads(3)
    torch.manual_seed(10)
    compare_module(nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4), (7, 4, 4, 5), atol=1e-5, rtol=1e-5)
