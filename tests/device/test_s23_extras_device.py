"""histogram, gradient, asarray and fractional max pooling on the fake CUDA device give the
CPU's values (and gradients), without mixing host and device arrays (the CPU path is checked
against torch in tests/core/test_histogram_gradient.py, test_asarray_frombuffer.py and
tests/nn/test_fractional_max_pool.py)."""

from __future__ import annotations

import numpy as np

import nablagrad as ng
import nablagrad.nn.functional as F

X = np.random.default_rng(0).standard_normal((2, 3, 7, 6)).astype(np.float32)


def _run(device):
    x = ng.tensor(X, device=device, requires_grad=True)
    out = {}
    h = ng.histogram(x.detach().reshape(-1), 5, weight=x.detach().abs().reshape(-1))
    out["hist"], out["edges"] = h.hist, h.bin_edges
    out["hist edges"] = ng.histogram(x.detach(), ng.tensor([-1.0, 0.0, 2.0], device=device))[0]
    coords = ng.tensor([0.0, 0.5, 1.5, 2.0, 3.5, 4.0], device=device)
    grads = ng.gradient(x, spacing=[2.0, 0.5, 3.0], dim=(1, 2, 3), edge_order=2)
    grads += ng.gradient(x, spacing=[coords], dim=3)
    u = ng.tensor(np.full((2, 3, 2), 0.4, np.float32), device=device)
    y, idx = F.fractional_max_pool2d(
        x, 2, output_size=(4, 3), return_indices=True, _random_samples=u
    )
    (sum(g.sum() for g in grads) + (y * y).sum()).backward()
    out.update(
        y=y, idx=idx, grad=x.grad, asarray=ng.asarray(x, dtype=ng.float64, requires_grad=False) * 1
    )
    for v in out.values():
        assert v.device.type == ng.device(device).type
    return {k: v.detach().cpu().numpy() for k, v in out.items()}


def test_same_results_on_the_device(device):
    want, got = _run("cpu"), _run(device)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-6, atol=1e-6, err_msg=k)
