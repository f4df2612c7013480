"""cdist against torch.cdist and SciPy (values and gradients), gradcheck, chunking, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from kernel_modes import kernel_mode  # noqa: F401 - runs every test with both kernels
from scipy.spatial.distance import cdist as scipy_cdist

import nablagrad as ng
from nablagrad.autograd import gradcheck
from nablagrad.neighbors import cdist
from nablagrad.neighbors.distances import argkmin, kneighbors_raw

PS = [1.0, 1.5, 2.0, 3.0, math.inf]


def _data(n=13, m=17, d=6, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(dtype), rng.normal(size=(m, d)).astype(dtype)


@pytest.mark.parametrize("p", PS)
def test_cdist_matches_torch_values_and_grads(p):
    a, b = _data()
    ta = ng.tensor(a, requires_grad=True)
    tb = ng.tensor(b, requires_grad=True)
    out = cdist(ta, tb, p)
    w = np.random.default_rng(1).normal(size=out.shape)
    (out * ng.tensor(w)).sum().backward()
    ra = torch.tensor(a, requires_grad=True)
    rb = torch.tensor(b, requires_grad=True)
    ref = torch.cdist(ra, rb, p=p, compute_mode="donot_use_mm_for_euclid_dist")
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ta.grad.numpy(), ra.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(tb.grad.numpy(), rb.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, math.inf])
def test_cdist_float32_matches_torch(p):
    a, b = _data(40, 30, 20, dtype=np.float32)
    out = cdist(ng.tensor(a), ng.tensor(b), p)
    ref = torch.cdist(torch.tensor(a), torch.tensor(b), p=p)
    assert out.dtype == ng.float32
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "metric,scipy_name",
    [
        ("euclidean", "euclidean"),
        ("manhattan", "cityblock"),
        ("chebyshev", "chebyshev"),
        ("cosine", "cosine"),
    ],
)
def test_cdist_named_metrics_match_scipy(metric, scipy_name):
    a, b = _data(9, 11, 5, seed=3)
    np.testing.assert_allclose(
        cdist(a, b, metric=metric), scipy_cdist(a, b, scipy_name), rtol=1e-10, atol=1e-12
    )
    pm = scipy_cdist(a, b, "minkowski", p=2.5)
    np.testing.assert_allclose(cdist(a, b, 2.5), pm, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "spec", [{"p": 1.0}, {"p": 2.0}, {"p": 3.0}, {"p": math.inf}, {"metric": "cosine"}]
)
def test_cdist_gradcheck(spec):
    a, b = _data(4, 5, 3, seed=7)
    ta = ng.tensor(a, requires_grad=True)
    tb = ng.tensor(b, requires_grad=True)
    assert gradcheck(lambda x, y: cdist(x, y, **spec), (ta, tb))


def test_zero_distance_has_zero_gradient_like_torch():
    a = np.array([[1.0, 2.0], [0.0, 0.0]])
    ta = ng.tensor(a, requires_grad=True)
    cdist(ta, ng.tensor(a), 2.0).sum().backward()
    ra = torch.tensor(a, requires_grad=True)
    torch.cdist(ra, torch.tensor(a)).sum().backward()
    np.testing.assert_allclose(ta.grad.numpy(), ra.grad.numpy(), atol=1e-12)
    assert np.isfinite(ta.grad.numpy()).all()


def test_batched_cdist():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 6, 5))
    out = cdist(ng.tensor(a), ng.tensor(b), 1.0)
    assert tuple(out.shape) == (2, 3, 4, 6)
    np.testing.assert_allclose(out.numpy(), torch.cdist(torch.tensor(a), torch.tensor(b), p=1))


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, math.inf])
def test_chunking_does_not_change_results(p):
    a, b = _data(50, 40, 8, seed=2)
    full = cdist(a, b, p)
    tiny = cdist(a, b, p, max_memory=1000)  # forces one query row per chunk
    np.testing.assert_allclose(tiny, full, rtol=1e-12)
    ta = ng.tensor(a, requires_grad=True)
    cdist(ta, ng.tensor(b), p, max_memory=1000).sum().backward()
    ra = torch.tensor(a, requires_grad=True)
    torch.cdist(ra, torch.tensor(b), p=p).sum().backward()
    np.testing.assert_allclose(ta.grad.numpy(), ra.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_threaded_blocks_match_direct_formula():
    # big enough for the threaded CPU path (n * m * d >= 2**22)
    a, b = _data(300, 500, 30, seed=4, dtype=np.float32)
    for p in (1.0, 3.0, math.inf):
        ref = scipy_cdist(a.astype(np.float64), b.astype(np.float64), "minkowski", p=p)
        np.testing.assert_allclose(cdist(a, b, p), ref, rtol=2e-5)


def test_argkmin_orders_ties_by_index():
    rng = np.random.default_rng(0)
    d = rng.integers(0, 5, size=(40, 3000)).astype(np.float64)  # many exact ties
    for k in (1, 3, 10):
        vals, idx = argkmin(d, k)
        ref = np.argsort(d, axis=1, kind="stable")[:, :k]
        np.testing.assert_array_equal(idx, ref)
        np.testing.assert_array_equal(vals, np.take_along_axis(d, ref, axis=1))


def test_argkmin_random_large_matches_stable_sort():
    d = np.random.default_rng(1).random((64, 5000))
    vals, idx = argkmin(d, 7)
    np.testing.assert_array_equal(idx, np.argsort(d, axis=1, kind="stable")[:, :7])


def test_kneighbors_raw_memory_chunks_agree():
    a, b = _data(30, 200, 6, seed=5)
    d1, i1 = kneighbors_raw(a, b, 4, 1.0)
    d2, i2 = kneighbors_raw(a, b, 4, 1.0, max_memory=2000)
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_allclose(d1, d2)
    np.testing.assert_allclose(d1, np.sort(scipy_cdist(a, b, "cityblock"), axis=1)[:, :4])


def test_cdist_errors():
    a, b = _data(3, 4, 5)
    with pytest.raises(ValueError, match="triangle inequality"):
        cdist(a, b, 0.5)
    with pytest.raises(ValueError, match="last dimensions must match"):
        cdist(a, b[:, :3])
    with pytest.raises(ValueError, match="unknown metric"):
        cdist(a, b, metric="hamming")
    with pytest.raises(TypeError, match="floating-point"):
        cdist(ng.tensor([[1, 2]]), ng.tensor([[1, 2]]))
    with pytest.raises(ValueError, match="2-D"):
        cdist(a[0], b[0])


def test_double_backward_is_refused_clearly():
    a, b = _data(3, 4, 2)
    ta = ng.tensor(a, requires_grad=True)
    out = cdist(ta, ng.tensor(b)).sum()
    with pytest.raises(RuntimeError, match="double backward"):
        ng.autograd.grad(out, [ta], create_graph=True)


@pytest.mark.parametrize("p", [1.0, 3.0, math.inf, "min"])
def test_gpu_broadcast_kernel_matches_cpu_kernel(p):
    """The backend-generic block kernel (used for CuPy arrays) runs here on NumPy."""
    from nablagrad.neighbors.distances import _broadcast_block, _elementwise

    a, b = _data(37, 53, 9, seed=6)
    out = np.empty((37, 53))
    _broadcast_block(np, a, b, p, out)
    np.testing.assert_allclose(out, _elementwise(a, b, p), rtol=1e-12)
    if p == "min":
        np.testing.assert_allclose(out, np.minimum(a[:, None], b[None]).sum(-1), rtol=1e-12)
