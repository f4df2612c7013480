"""svd_lowrank / pca_lowrank (randomized: checked against the exact SVD, seeded) and
histogramdd (against torch 2.13: counts, edges, weights, densities, errors)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng


def _low_rank(shape: tuple, rank: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    *batch, m, n = shape
    return rng.standard_normal((*batch, m, rank)) @ rng.standard_normal((*batch, rank, n))


@pytest.mark.parametrize("shape", [(30, 12), (12, 30), (2, 25, 9)])
@pytest.mark.parametrize("q", [4, 6])
def test_svd_lowrank_recovers_a_low_rank_matrix(shape: tuple, q: int):
    a = _low_rank(shape, 4, seed=q)
    ng.manual_seed(0)
    U, S, V = ng.svd_lowrank(ng.tensor(a), q=q)
    tU, tS, tV = torch.svd_lowrank(torch.from_numpy(a), q=q)
    assert U.shape == tuple(tU.shape) and S.shape == tuple(tS.shape) and V.shape == tuple(tV.shape)
    exact = np.linalg.svd(a, compute_uv=False)
    np.testing.assert_allclose(S.numpy()[..., :4], exact[..., :4], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(S.numpy()[..., 4:], 0, atol=1e-10)
    np.testing.assert_allclose((U * S.unsqueeze(-2) @ V.mT).numpy(), a, atol=1e-10)
    eye = np.eye(q)
    np.testing.assert_allclose(
        (U.mT @ U).numpy()[..., :4, :4],
        np.broadcast_to(eye[:4, :4], U.shape[:-2] + (4, 4)),
        atol=1e-10,
    )
    np.testing.assert_allclose(
        (V.mT @ V).numpy()[..., :4, :4],
        np.broadcast_to(eye[:4, :4], V.shape[:-2] + (4, 4)),
        atol=1e-10,
    )


def test_svd_lowrank_is_seeded_and_approximates_a_full_rank_matrix():
    a = np.random.default_rng(1).standard_normal((40, 30))
    a[:, :3] *= 50  # three dominant directions
    runs = []
    for _ in range(2):
        ng.manual_seed(7)
        runs.append(ng.svd_lowrank(ng.tensor(a), q=8, niter=3)[1].numpy())
    np.testing.assert_array_equal(runs[0], runs[1])
    exact = np.linalg.svd(a, compute_uv=False)
    np.testing.assert_allclose(runs[0][:3], exact[:3], rtol=1e-3)


def test_svd_lowrank_with_mean_matches_exact_svd_of_difference():
    a = _low_rank((20, 10), 3, seed=2)
    mean = np.random.default_rng(3).standard_normal((1, 10))
    ng.manual_seed(0)
    U, S, V = ng.svd_lowrank(ng.tensor(a + mean), q=5, M=ng.tensor(mean))
    np.testing.assert_allclose((U * S @ V.mT).numpy(), a, atol=1e-10)


def test_svd_lowrank_singular_values_gradient_matches_torch_svdvals():
    """With q = n the basis spans the whole column space, so S is the exact singular values
    near A and its gradient is torch.linalg.svdvals' (U V^T weighted)."""
    a = np.random.default_rng(4).standard_normal((8, 5))
    w = np.linspace(1.0, 2.0, 5)
    x = ng.tensor(a, requires_grad=True)
    ng.manual_seed(0)
    (ng.svd_lowrank(x, q=5)[1] * ng.tensor(w)).sum().backward()
    t = torch.tensor(a, requires_grad=True)
    (torch.linalg.svdvals(t) * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), atol=1e-9, rtol=1e-9)


@pytest.mark.parametrize("center", [True, False])
def test_pca_lowrank_against_exact_pca(center: bool):
    rng = np.random.default_rng(5)
    a = _low_rank((50, 8), 3, seed=6) + 4.0 * rng.standard_normal((1, 8))
    ng.manual_seed(0)
    U, S, V = ng.pca_lowrank(ng.tensor(a), center=center)
    tU, tS, tV = torch.pca_lowrank(torch.from_numpy(a), center=center)
    assert S.shape == tuple(tS.shape) == (6,) and V.shape == tuple(tV.shape)
    ref = a - a.mean(0, keepdims=True) if center else a
    exact = np.linalg.svd(ref, compute_uv=False)
    np.testing.assert_allclose(S.numpy(), exact[:6], atol=1e-9, rtol=1e-9)
    np.testing.assert_allclose(S.numpy(), tS.numpy(), atol=1e-9, rtol=1e-9)
    # same principal directions as torch's, up to sign
    k = 3 if center else 4
    np.testing.assert_allclose(np.abs(V.numpy()[:, :k]), np.abs(tV.numpy()[:, :k]), atol=1e-8)


LOWRANK_ERRORS = [
    lambda L: L.pca_lowrank(L.ones(4, 3), q=4),
    lambda L: L.pca_lowrank(L.ones(4, 3), q=-1),
    lambda L: L.pca_lowrank(L.ones(4, 3), niter=-1),
]


@pytest.mark.parametrize("i", range(len(LOWRANK_ERRORS)))
def test_lowrank_errors_match_torch(i: int):
    with pytest.raises(Exception) as want:
        LOWRANK_ERRORS[i](torch)
    with pytest.raises(type(want.value)) as got:
        LOWRANK_ERRORS[i](ng)
    assert str(got.value) == str(want.value)


X = np.random.default_rng(0).standard_normal((3, 7, 2)).astype(np.float32)
W = np.random.default_rng(1).uniform(0, 1, (3, 7)).astype(np.float32)
X3 = np.random.default_rng(2).standard_normal((40, 3))
HIST_CASES = {
    "int bins": (X, {"bins": 4}),
    "list of ints": (X, {"bins": [2, 5]}),
    "range": (X, {"bins": 3, "range": [-1.0, 1.0, -0.5, 2.0]}),
    "weight and density": (X, {"bins": [3, 2], "weight": W, "density": True}),
    "edges": (X, {"bins": [[-2.0, -0.5, 0.0, 3.0], [-1.0, 1.0]]}),
    "edges, weight, density": (X, {"bins": [[-2.0, 0.0, 3.0], [-1.0, 0.5, 1.0]], "weight": W}),
    "edges ignore range": (X, {"bins": [[-2.0, 0.0, 3.0], [-1.0, 1.0]], "range": [0, 1, 0, 1]}),
    "3-d float64": (X3, {"bins": [2, 3, 4], "density": True}),
    "constant points": (np.ones((5, 2), np.float32), {"bins": 2}),
    "no points": (np.zeros((0, 2), np.float32), {"bins": 2}),
}


@pytest.mark.parametrize("case", list(HIST_CASES))
def test_histogramdd_against_torch(case: str):
    x, kw = HIST_CASES[case]
    got, want = [], []
    for L, out in ((ng, got), (torch, want)):
        args = dict(kw)
        if "weight" in args:
            args["weight"] = L.tensor(args["weight"])
        if isinstance(args["bins"], list) and isinstance(args["bins"][0], list):
            args["bins"] = [L.tensor(np.array(e, dtype=x.dtype)) for e in args["bins"]]
        hist, edges = L.histogramdd(L.tensor(x), **args)
        out.append(hist)
        out.extend(edges)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert str(g.dtype).split(".")[-1] == str(w.dtype).split(".")[-1]
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6, atol=1e-7)


def test_histogramdd_has_no_derivative():
    for L in (torch, ng):
        x = L.tensor(X, requires_grad=True)
        with pytest.raises(RuntimeError, match="derivative for"):
            L.histogramdd(x, bins=2).hist.sum().backward()


HIST_ERRORS = [
    lambda L: L.histogramdd(L.tensor(X), bins=[2]),
    lambda L: L.histogramdd(L.tensor(X), bins=2, range=[0.0, 1.0]),
    lambda L: L.histogramdd(L.tensor(X), bins=2, weight=L.ones(3)),
    lambda L: L.histogramdd(L.tensor(X).long(), bins=2),
    lambda L: L.histogramdd(L.tensor([1.0, 2.0]), bins=2),
    lambda L: L.histogramdd(L.tensor(X), bins=[L.tensor([0.0, 1]), L.tensor([0.0, 1]).double()]),
    lambda L: L.histogramdd(L.tensor(X), bins=0),
    lambda L: L.histogramdd(L.tensor(X), bins=2, range=[1.0, 0.0, 0.0, 1.0]),
    lambda L: L.histogramdd(L.tensor(X), bins=2, weight=L.ones(3, 7).double()),
]


@pytest.mark.parametrize("i", range(len(HIST_ERRORS)))
def test_histogramdd_errors_match_torch(i: int):
    with pytest.raises(Exception) as want:
        HIST_ERRORS[i](torch)
    with pytest.raises(type(want.value)) as got:
        HIST_ERRORS[i](ng)
    assert str(got.value)[:25] == str(want.value)[:25]
