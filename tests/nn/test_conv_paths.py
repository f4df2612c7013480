"""Conv2d's implementation paths against torch: the FFT path of stride-1 convolutions
(ops.conv_fft) and when it is chosen, and the one-big-GEMM branches of the im2col path."""

import numpy as np
import pytest
import torch
from nnhelpers import compare_module

import nablagrad as ng
from nablagrad import nn
from nablagrad.ops.conv import _per_sample_ok
from nablagrad.ops.conv_fft import _smooth, fft_conv_ok

FFT_CASES = [
    dict(cin=16, cout=16, k=5, padding=2, hw=(14, 14), bias=True),
    dict(cin=6, cout=16, k=5, padding=0, hw=(14, 14), bias=True),
    dict(cin=12, cout=10, k=(5, 3), padding=(2, 1), hw=(11, 13), bias=False),
    dict(cin=12, cout=12, k=4, padding="same", hw=(10, 9), bias=True),  # asymmetric padding
]


def _prm(case: dict, x_shape: tuple) -> tuple:
    k = case["k"] if isinstance(case["k"], tuple) else (case["k"], case["k"])
    pad = case["padding"]
    if pad == "same":
        pads = tuple(((kk - 1) // 2, kk - 1 - (kk - 1) // 2) for kk in k)
    else:
        ph, pw = pad if isinstance(pad, tuple) else (pad, pad)
        pads = ((ph, ph), (pw, pw))
    return (case["cout"], case["cin"]) + k, ((1, 1), pads, (1, 1), 1)


@pytest.mark.parametrize("case", FFT_CASES)
@pytest.mark.parametrize("double", [False, True])
def test_conv2d_fft_path_matches_torch(case, double):
    shape = (32, case["cin"]) + case["hw"]
    wshape, prm = _prm(case, shape)
    assert fft_conv_ok(np, shape, wshape, prm), "case meant to exercise the FFT path"
    torch.manual_seed(4)
    kw = dict(padding=case["padding"], bias=case["bias"])
    ng_m = nn.Conv2d(case["cin"], case["cout"], case["k"], **kw)
    t_m = torch.nn.Conv2d(case["cin"], case["cout"], case["k"], **kw)
    if double:
        ng_m, t_m = ng_m.double(), t_m.double()
        x = np.random.default_rng(5).standard_normal(shape)
        compare_module(ng_m, t_m, shape, x=x, atol=1e-10, rtol=1e-10)
    else:
        # float32: the FFT's error scales with the largest values (weight gradients up to ~60
        # here), so small entries can be off by ~1e-4 absolute; seen on an Intel Xeon
        compare_module(ng_m, t_m, shape, atol=3e-4, rtol=1e-4)


def test_conv2d_fft_path_double_backward_matches_torch():
    """create_graph through a layer whose forward ran the FFT path."""
    rng = np.random.default_rng(6)
    xa, wa = rng.standard_normal((16, 8, 12, 12)), rng.standard_normal((8, 8, 5, 5))
    assert fft_conv_ok(np, xa.shape, wa.shape, ((1, 1), ((2, 2), (2, 2)), (1, 1), 1))
    x, w = ng.tensor(xa, requires_grad=True), ng.tensor(wa, requires_grad=True)
    xt, wt = torch.from_numpy(xa).requires_grad_(), torch.from_numpy(wa).requires_grad_()
    (gx,) = ng.autograd.grad(
        nn.functional.conv2d(x, w, padding=2).tanh().sum(), x, create_graph=True
    )
    (gxt,) = torch.autograd.grad(
        torch.nn.functional.conv2d(xt, wt, padding=2).tanh().sum(), xt, create_graph=True
    )
    (gx * gx).sum().backward()
    (gxt * gxt).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-9)


def test_fft_path_selection():
    same = ((1, 1), ((2, 2), (2, 2)), (1, 1), 1)
    assert fft_conv_ok(np, (64, 16, 14, 14), (16, 16, 5, 5), same)
    assert not fft_conv_ok(np, (64, 1, 28, 28), (6, 1, 5, 5), same)  # one input channel
    assert not fft_conv_ok(np, (64, 16, 14, 14), (16, 16, 5, 5), ((2, 2),) + same[1:])
    assert not fft_conv_ok(np, (64, 16, 14, 14), (16, 16, 5, 5), same[:2] + ((2, 2), 1))
    assert not fft_conv_ok(np, (64, 16, 14, 14), (16, 8, 5, 5), same[:3] + (2,))
    assert not fft_conv_ok(np, (2, 4, 6, 6), (4, 4, 1, 1), ((1, 1), ((0, 0), (0, 0)), (1, 1), 1))
    assert fft_conv_ok(np, (64, 16, 14, 14), (16, 16, 5, 5), same, np.float64)
    assert not fft_conv_ok(np, (64, 16, 14, 14), (16, 16, 5, 5), same, np.complex64)
    assert not fft_conv_ok(np, (64, 16, 14, 14), (16, 16, 5, 5), same, np.int64)
    assert [_smooth(n) for n in (1, 11, 13, 14, 17, 18, 22, 23)] == [1, 12, 14, 14, 18, 18, 24, 24]


@pytest.mark.parametrize(
    "cin,cout,kw,mkl",
    [
        # col2im input gradient; forward (O, C*9, 8*8) and col2im (C*9, O, 8*8) products
        (16, 32, dict(stride=2, padding=1), [(32, 144, 64), (144, 32, 64)]),
        # full-correlation input gradient: (C, O*9, 20*20) on g padded by the dilated kernel
        (64, 2, dict(stride=1, padding=2, dilation=2), [(2, 576, 256), (64, 18, 400)]),
    ],
)
def test_conv2d_big_gemm_branches_match_torch(cin, cout, kw, mkl):
    """Mid-sized per-sample products take one (M, K) @ (K, N*L) GEMM and a transposed copy."""
    assert not any(_per_sample_ok(*p) for p in mkl)
    torch.manual_seed(7)
    compare_module(
        nn.Conv2d(cin, cout, 3, **kw),
        torch.nn.Conv2d(cin, cout, 3, **kw),
        (3, cin, 16, 16),
        atol=1e-4,
        rtol=1e-4,
    )
