"""torch.special's Bessel, scaled-error, incomplete-gamma, zeta and polynomial functions on the
fake CUDA device give the CPU's values and gradients and stay on the device, also where the
device's special-function module lacks a function (SciPy on a host copy, then back); the CPU
values are compared with torch in tests/core/test_special_torch_functions.py."""

from __future__ import annotations

import types

import numpy as np

import nablagrad as ng
from nablagrad.backend import get_array_module
from nablagrad.backend import np as host_np
from nablagrad.ops import special as ops_special

X = np.array([-3.0, -0.5, 0.0, 0.7, 2.0, 30.0], np.float32)
UNARY = [
    "i0",
    "i0e",
    "i1",
    "i1e",
    "erfcx",
    "bessel_j0",
    "bessel_j1",
    "bessel_y0",
    "bessel_y1",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "modified_bessel_k0",
    "modified_bessel_k1",
    "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1",
    "spherical_bessel_j0",
    "airy_ai",
]
POLYS = [
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_w",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
]


def _run(device):
    out = {}
    for name in UNARY:
        out[name] = getattr(ng.special, name)(ng.tensor(X, device=device))
    n = ng.tensor([0.0, 1.0, 3.0, 9.0, 12.0, 2.0], device=device)
    for name in POLYS:
        out[name] = getattr(ng.special, name)(ng.tensor(X / 3, device=device), n)
        out[name + " n=5"] = getattr(ng.special, name)(ng.tensor(X / 3, device=device), 5)
    a = ng.tensor([0.5, 1.0, 2.0, 3.0, 4.0, 5.0], device=device)
    x = ng.tensor(np.abs(X) + 0.5, device=device, requires_grad=True)
    loss = ng.special.gammainc(a, x).sum() + ng.special.gammaincc(a, x).sum() * 2
    loss = loss + ng.special.zeta(a + 1.5, x).sum()
    for name in ("i0", "i0e", "i1", "i1e", "erfcx"):
        loss = loss + getattr(ng.special, name)(x).sum()
    (g,) = ng.autograd.grad(loss, x, create_graph=True)
    (gg,) = ng.autograd.grad(g.sum(), x)
    out.update(loss=loss, grad=g, grad2=gg)
    for k, v in out.items():
        assert v.device.type == ng.device(device).type, k
    return {k: v.detach().cpu().numpy() for k, v in out.items()}


def test_same_results_on_the_device(device):
    want, got = _run("cpu"), _run(device)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-6, atol=1e-6, err_msg=k)


def test_functions_missing_on_the_device_run_on_a_host_copy(device, monkeypatch):
    real = ops_special.special_module

    def without_functions(array):
        if get_array_module(array) is host_np:
            return real(array)
        return types.SimpleNamespace()  # a device module without any of them

    monkeypatch.setattr(ops_special, "special_module", without_functions)
    x = ng.tensor(X, device=device)
    for name in ("airy_ai", "scaled_modified_bessel_k1", "i1e", "bessel_y0"):
        y = getattr(ng.special, name)(x)
        assert y.device.type == ng.device(device).type
        monkeypatch.setattr(ops_special, "special_module", real)
        want = getattr(ng.special, name)(ng.tensor(X)).numpy()
        monkeypatch.setattr(ops_special, "special_module", without_functions)
        np.testing.assert_allclose(y.cpu().numpy(), want, rtol=1e-6, err_msg=name)
    z = ng.special.zeta(ng.tensor([2.0, 3.0], device=device), ng.tensor([1.0, 2.0], device=device))
    np.testing.assert_allclose(z.cpu().numpy(), [1.644934, 0.2020569], rtol=1e-6)
