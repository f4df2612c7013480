"""scatter_reduce 'prod', index_reduce, put, diag_embed with dims, the LAPACK-form
factorizations, histogramdd and svd_lowrank on the fake CUDA device give the CPU's values and
gradients without mixing host and device arrays (the CPU results are checked against torch in
tests/core/test_scatter_index_reduce.py, test_diagonals.py, test_linalg_lapack_forms.py and
test_lowrank_histogramdd.py)."""

from __future__ import annotations

import numpy as np

import nablagrad as ng

RNG = np.random.default_rng(0)
A = RNG.standard_normal((5, 3))
S = A.T @ A - 2 * np.eye(3)  # symmetric, indefinite
SRC = np.array([0.0, 2.0, 3.0, 0.0, 5.0, 6.0])


def _run(device):
    x = ng.tensor(A, device=device, requires_grad=True)
    src = ng.tensor(SRC, device=device, requires_grad=True)
    idx = ng.tensor([0, 0, 1, 2, 2, 1], device=device)
    out = {}
    out["prod"] = ng.scatter_reduce(x[:, 0], 0, idx[:5], src[:5], "prod", include_self=False)
    out["index_reduce"] = ng.index_reduce(x, 0, ng.tensor([4, 0, 4], device=device), x[:3], "prod")
    out["put"] = ng.put(x, ng.tensor([0, -1, 4], device=device), src[:3], accumulate=True)
    out["diag_embed"] = ng.diag_embed(x, 1, 0, 2)
    a, tau = ng.geqrf(x.detach())
    out["geqrf"] = a
    out["geqrf batch"] = ng.geqrf(ng.stack([x.detach(), 2 * x.detach()])).a
    out["householder"] = ng.linalg.householder_product(x, tau)
    out["ormqr"] = ng.ormqr(x, tau, x, transpose=True)
    out["lu_info"] = ng.linalg.lu_factor_ex(x[:3]).info
    LD, piv = ng.linalg.ldl_factor(ng.tensor(S, device=device))
    out["ldl_solve"] = ng.linalg.ldl_solve(LD, piv, x[:3].detach())
    out["histogramdd"] = ng.histogramdd(x.detach()[:, :2], bins=[2, 3]).hist
    ng.manual_seed(0)
    out["svd_lowrank"] = ng.svd_lowrank(x, q=3)[1]
    loss = sum((v * v).sum() for v in out.values() if v.requires_grad)
    loss.backward()
    out["grad x"], out["grad src"] = x.grad, src.grad
    for k, v in out.items():
        assert v.device.type == ng.device(device).type, k
    return {k: v.detach().cpu().numpy() for k, v in out.items()}


def test_same_results_on_the_device(device):
    want, got = _run("cpu"), _run(device)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-10, atol=1e-10, err_msg=k)
