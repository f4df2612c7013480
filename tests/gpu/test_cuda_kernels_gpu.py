"""The fused CUDA kernels (``nablagrad._cuda_kernels``) against the array code they replace,
run on the host with NumPy: Adam (with and without amsgrad), momentum SGD (plain and
Nesterov) and col2im (both column layouts, strides, dilations, padding)."""

import numpy as np
import pytest

from nablagrad import _cuda_kernels
from nablagrad.ops import conv
from nablagrad.optim.adam import _adam_update
from nablagrad.optim.sgd import _sgd_update

cp = pytest.importorskip("cupy")
TOL = {np.float32: dict(rtol=2e-6, atol=1e-7), np.float64: dict(rtol=1e-13, atol=1e-15)}


def _arrays(dtype, n, count, seed=0):
    g = np.random.default_rng(seed)
    return [g.standard_normal(n).astype(dtype) for _ in range(count)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_kernel(dtype, amsgrad):
    w, g, m, v, vmax = _arrays(dtype, 10_001, 5)
    v, vmax = np.abs(v), np.abs(vmax)
    host = [a.copy() for a in (w, g, m, v, vmax)]
    dev = [cp.asarray(a) for a in (w, g, m, v, vmax)]
    args = (7.0, 1e-3, 0.9, 0.999, 1e-8)
    _adam_update(*host[:4], host[4] if amsgrad else None, *args, np.empty_like(w))
    _adam_update(*dev[:4], dev[4] if amsgrad else None, *args, cp.empty_like(dev[0]))
    assert ("adam_amsgrad" if amsgrad else "adam") in _cuda_kernels._kernels  # the kernel ran
    for h, d in zip(host, dev):
        np.testing.assert_allclose(cp.asnumpy(d), h, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_kernel(dtype, nesterov):
    w, g, buf = _arrays(dtype, 10_001, 3, seed=1)
    host = [a.copy() for a in (w, g, buf)]
    dev = [cp.asarray(a) for a in (w, g, buf)]
    t1, t2 = np.empty_like(w), np.empty_like(w)
    _sgd_update(*host, 0.05, 0.9, 0.1, nesterov, t1, t2)
    _sgd_update(*dev, 0.05, 0.9, 0.1, nesterov, cp.empty_like(dev[0]), cp.empty_like(dev[0]))
    assert "sgd_momentum" in _cuda_kernels._kernels
    for h, d in zip(host, dev):
        np.testing.assert_allclose(cp.asnumpy(d), h, **TOL[dtype])


CASES = [  # (n, c, h, w, kh, kw, stride, dilation, padding)
    (2, 3, 9, 8, 3, 3, (1, 1), (1, 1), ((1, 1), (1, 1))),
    (2, 3, 11, 10, 5, 5, (2, 2), (1, 1), ((2, 2), (2, 2))),
    (1, 2, 12, 13, 3, 2, (2, 3), (2, 1), ((0, 1), (2, 0))),
]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("cn", [False, True])
def test_col2im_kernel(case, cn):
    n, c, h, w, kh, kw, stride, dilation, padding = case
    ph, pw = h + sum(padding[0]), w + sum(padding[1])
    oh = (ph - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (pw - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    shape = (c, kh, kw, n, oh, ow) if cn else (n, c, kh, kw, oh, ow)
    cols = np.random.default_rng(2).standard_normal(shape)
    pshape = (n, c, ph, pw)
    ref = (conv._col2im_cn if cn else conv._col2im)(np, cols, pshape, stride, dilation, padding)
    got = _cuda_kernels.col2im(cp.asarray(cols), pshape, stride, dilation, padding, cn=cn)
    assert got.shape == (n, c, h, w)
    np.testing.assert_array_equal(cp.asnumpy(got), ref)  # the same additions in the same order
