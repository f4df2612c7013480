"""ConvTranspose1d/2d and F.conv_transpose1d/2d against torch: values, gradients (first and
second order), torch's init, output_size, and errors."""

import numpy as np
import pytest
import torch
from helpers import check_op

import nablagrad as ng

# (in, out, kernel, stride, padding, output_padding, groups, dilation, input HxW)
GEOMETRIES = [
    (3, 2, 3, 1, 0, 0, 1, 1, (5, 5)),
    (4, 6, 4, 2, 1, 0, 2, 1, (7, 6)),
    (2, 3, (3, 2), (2, 3), (1, 0), (1, 2), 1, 1, (4, 5)),
    (2, 2, 3, 1, 0, 1, 1, 2, (5, 4)),  # output padding beyond the padding (dilation 2)
    (3, 3, 5, 2, 2, 1, 3, 1, (6, 6)),
    (1, 2, 16, 8, 4, 0, 1, 1, (3, 3)),  # FCN-style upsampling
]


@pytest.mark.parametrize("geom", GEOMETRIES)
def test_conv_transpose2d_matches_torch(geom):
    cin, cout, k, s, p, op, g, d, hw = geom
    kk = k if isinstance(k, tuple) else (k, k)
    _check(cin, cout, kk, s, p, op, g, d, hw)


def _check(cin, cout, kk, s, p, op, g, d, hw):
    check_op(
        lambda x, w, b: ng.nn.functional.conv_transpose2d(x, w, b, s, p, op, g, d),
        lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, s, p, op, g, d),
        [(2, cin, *hw), (cin, cout // g, *kk), (cout,)],
        dtype=np.float64,
        atol=1e-10,
        rtol=1e-10,
        second_order=True,
    )


def test_conv_transpose2d_float32_and_unbatched():
    check_op(
        lambda x, w: ng.nn.functional.conv_transpose2d(x, w, stride=2, padding=1),
        lambda x, w: torch.nn.functional.conv_transpose2d(x, w, stride=2, padding=1),
        [(3, 5, 4), (3, 2, 3, 3)],
        atol=1e-5,
        rtol=1e-5,
    )


def test_conv_transpose1d_matches_torch():
    check_op(
        lambda x, w, b: ng.nn.functional.conv_transpose1d(x, w, b, 2, 1, 1, 1, 2),
        lambda x, w, b: torch.nn.functional.conv_transpose1d(x, w, b, 2, 1, 1, 1, 2),
        [(2, 3, 7), (3, 4, 3), (4,)],
        dtype=np.float64,
        atol=1e-10,
        rtol=1e-10,
        second_order=True,
    )


def test_module_init_shapes_and_output_size_like_torch():
    ng.manual_seed(0)
    m = ng.nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, groups=2)
    t = torch.nn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, groups=2)
    assert tuple(m.weight.shape) == tuple(t.weight.shape) == (6, 2, 3, 3)
    bound = 1 / np.sqrt(2 * 9)  # kaiming_uniform(a=sqrt(5)) on fan_in = (out/groups)*k*k
    w = m.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(m.bias.detach().numpy()).max() <= bound
    assert repr(m) == repr(t)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(w))
        t.bias.copy_(torch.tensor(m.bias.detach().numpy()))
    x = np.random.default_rng(1).standard_normal((2, 6, 5, 5)).astype(np.float32)
    for size in (None, (10, 10), [2, 4, 9, 10]):
        got = m(ng.tensor(x), output_size=size).detach().numpy()
        want = t(torch.tensor(x), output_size=size).detach().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="valid sizes range from 9 to 10"):
        m(ng.tensor(x), output_size=(12, 12))
    one = ng.nn.ConvTranspose1d(3, 2, 4, stride=2)
    assert tuple(one(ng.randn(1, 3, 5)).shape) == (1, 2, 12)


def test_errors_name_the_problem():
    x = ng.randn(1, 4, 5, 5)
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        ng.nn.functional.conv_transpose2d(x, ng.randn(4, 2, 3, 3), output_padding=1)
    with pytest.raises(RuntimeError, match="expected 3 channels|has 4 channels"):
        ng.nn.functional.conv_transpose2d(x, ng.randn(3, 2, 3, 3))
    with pytest.raises(RuntimeError, match="expected 3 channels"):
        ng.nn.ConvTranspose2d(3, 2, 3)(x)
