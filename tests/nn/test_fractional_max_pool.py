"""``F.fractional_max_pool2d`` / ``nn.FractionalMaxPool2d`` against torch: with the same
``_random_samples`` the values and indices are torch's bit for bit (ties, NaN, float64), the
gradient goes to the indices, output_size/output_ratio shapes, and torch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as tF

import nablagrad as ng
import nablagrad.nn.functional as nF

RNG = np.random.default_rng(0)


def _random_config(i):
    n, c = int(RNG.integers(1, 3)), int(RNG.integers(1, 3))
    h, w = int(RNG.integers(3, 13)), int(RNG.integers(3, 13))
    kh, kw = int(RNG.integers(1, min(h, 4))), int(RNG.integers(1, min(w, 4)))
    oh, ow = int(RNG.integers(1, h - kh + 2)), int(RNG.integers(1, w - kw + 2))
    dt = (np.float32, np.float64)[i % 2]
    x = RNG.standard_normal((n, c, h, w)).astype(dt)
    if i % 3 == 0:
        x = np.round(x)  # ties: the first maximum wins
    return x, RNG.random((n, c, 2)).astype(dt), (kh, kw), (oh, ow)


CONFIGS = [_random_config(i) for i in range(40)]


@pytest.mark.parametrize("i", range(len(CONFIGS)))
def test_values_indices_and_gradients_match_torch(i):
    x, u, k, out = CONFIGS[i]
    res = {}
    for L, F in ((ng, nF), (torch, tF)):
        xt = L.tensor(x, requires_grad=True)
        y, idx = F.fractional_max_pool2d(
            xt, k, output_size=out, return_indices=True, _random_samples=L.tensor(u)
        )
        (y * L.tensor(np.arange(y.numel(), dtype=x.dtype).reshape(y.shape))).sum().backward()
        res[L] = (y.detach().numpy(), idx.numpy(), xt.grad.numpy())
    for a, b in zip(res[ng], res[torch]):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_gradient_goes_to_the_indices():
    x = ng.tensor(RNG.standard_normal((2, 3, 9, 8)), requires_grad=True)
    y, idx = nF.fractional_max_pool2d(x, 2, output_size=(4, 5), return_indices=True)
    g = ng.tensor(RNG.standard_normal(tuple(y.shape)))
    (y * g).sum().backward()
    want = np.zeros((2, 3, 72))
    for n in range(2):
        for c in range(3):
            np.add.at(want[n, c], idx.numpy()[n, c].ravel(), g.numpy()[n, c].ravel())
    np.testing.assert_allclose(x.grad.numpy().reshape(2, 3, 72), want)
    np.testing.assert_array_equal(
        y.detach().numpy().ravel(),
        np.take_along_axis(
            x.detach().numpy().reshape(2, 3, 72), idx.numpy().reshape(2, 3, 20), -1
        ).ravel(),
    )


def test_nan_and_minus_inf_windows_like_torch():
    u = np.array([[[0.3, 0.6]]], dtype=np.float32)
    for x in (
        np.array([[[[1, np.nan, 3], [np.nan, 2, 5], [0, 1, 2]]]], dtype=np.float32),
        np.full((1, 1, 3, 3), -np.inf, np.float32),
    ):
        got = nF.fractional_max_pool2d(
            ng.tensor(x), 2, output_size=2, return_indices=True, _random_samples=ng.tensor(u)
        )
        want = tF.fractional_max_pool2d(
            torch.tensor(x), 2, output_size=2, return_indices=True, _random_samples=torch.tensor(u)
        )
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize(
    "shape, kw, out",
    [
        ((2, 3, 10, 9), {"kernel_size": 3, "output_size": 5}, (2, 3, 5, 5)),
        ((2, 3, 10, 9), {"kernel_size": (3, 2), "output_size": (4, 5)}, (2, 3, 4, 5)),
        ((2, 3, 10, 9), {"kernel_size": 3, "output_ratio": (0.5, 0.7)}, (2, 3, 5, 6)),
        ((3, 10, 9), {"kernel_size": 2, "output_size": 4}, (3, 4, 4)),
        ((0, 3, 6, 5), {"kernel_size": 3, "output_size": 2}, (0, 3, 2, 2)),
        ((2, 3, 10, 9), {"kernel_size": 3, "output_size": 0}, (2, 3, 0, 0)),
    ],
)
def test_output_shapes_like_torch(shape, kw, out):
    x = RNG.standard_normal(shape).astype(np.float32)
    for L, F in ((ng, nF), (torch, tF)):
        y, idx = F.fractional_max_pool2d(L.tensor(x), return_indices=True, **kw)
        assert tuple(y.shape) == out and tuple(idx.shape) == out and idx.dtype == L.int64


def test_module_like_torch():
    x = RNG.standard_normal((2, 3, 11, 12)).astype(np.float32)
    u = RNG.random((2, 3, 2)).astype(np.float32)
    outs = []
    for L in (ng, torch):
        m = L.nn.FractionalMaxPool2d(
            3, output_ratio=0.5, return_indices=True, _random_samples=L.tensor(u)
        )
        assert repr(m) == "FractionalMaxPool2d()" and list(m.state_dict()) == ["_random_samples"]
        assert m.kernel_size == (3, 3) and m.output_ratio == (0.5, 0.5) and m.output_size is None
        outs.append([t.numpy() for t in m(L.tensor(x))])
        m = L.nn.FractionalMaxPool2d((2, 3), output_size=4)
        assert tuple(m(L.tensor(x)).shape) == (2, 3, 4, 4)
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
    # without fixed samples each call draws new windows (from nablagrad's own stream)
    m = ng.nn.FractionalMaxPool2d(2, output_size=5)
    ng.manual_seed(0)
    a = m(ng.tensor(x))
    ng.manual_seed(0)
    np.testing.assert_array_equal(a.numpy(), m(ng.tensor(x)).numpy())


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda L, F, x: F.fractional_max_pool2d(x, 3), ValueError, "either an output_size"),
        (lambda L, F, x: F.fractional_max_pool2d(x, 3, output_size=9), RuntimeError, "height 3"),
        (lambda L, F, x: F.fractional_max_pool2d(x, 3, output_size=8), RuntimeError, "width 3"),
        (lambda L, F, x: F.fractional_max_pool2d(x, 11, output_size=2), RuntimeError, "height"),
        (
            lambda L, F, x: F.fractional_max_pool2d(x[0, 0], 3, output_size=2),
            (IndexError, RuntimeError),
            None,
        ),
        (lambda L, F, x: F.fractional_max_pool2d(x[None], 3, output_size=2), RuntimeError, "4D"),
        (
            lambda L, F, x: F.fractional_max_pool2d(x, 3, 4, _random_samples=L.rand(2, 3, 3)),
            RuntimeError,
            "size\\(2\\) equals to 2",
        ),
        (
            lambda L, F, x: F.fractional_max_pool2d(x, 3, 4, _random_samples=L.rand(1, 3, 2)),
            RuntimeError,
            "no less then input batch size",
        ),
        (
            lambda L, F, x: F.fractional_max_pool2d(x, 3, 4, _random_samples=L.rand(2, 1, 2)),
            RuntimeError,
            "channel size",
        ),
        (
            lambda L, F, x: F.fractional_max_pool2d(x, 3, 4, _random_samples=L.rand(2, 3)),
            RuntimeError,
            "3 dimensions",
        ),
        (
            lambda L, F, x: F.fractional_max_pool2d(
                x, 3, 4, _random_samples=L.rand(2, 3, 2, dtype=L.float64)
            ),
            RuntimeError,
            "same dtype",
        ),
        (lambda L, F, x: F.fractional_max_pool2d(x.long(), 3, 4), NotImplementedError, None),
        (
            lambda L, F, x: F.fractional_max_pool2d(L.ones(2, 3, 0, 5), 3, 4),
            RuntimeError,
            "non-zero size",
        ),
        (
            lambda L, F, x: F.fractional_max_pool2d(x, 3, output_ratio=(0.5, 0.5, 0.5)),
            ValueError,
            "output_ratio",
        ),
        (lambda L, F, x: F.fractional_max_pool2d(x, 3, (2, 2, 2)), RuntimeError, "output_size"),
        (lambda L, F, x: F.fractional_max_pool2d(x, 3, -1), RuntimeError, "negative dimension"),
        (lambda L, F, x: L.nn.FractionalMaxPool2d(3), ValueError, "either an output size"),
        (
            lambda L, F, x: L.nn.FractionalMaxPool2d(3, output_ratio=2.0),
            ValueError,
            "between 0 and 1",
        ),
        (
            lambda L, F, x: L.nn.FractionalMaxPool2d(3, output_size=2, output_ratio=0.5),
            ValueError,
            "only one of",
        ),
    ],
)
def test_errors_like_torch(call, err, match):
    x = RNG.standard_normal((2, 3, 10, 9)).astype(np.float32)
    for L, F in ((ng, nF), (torch, tF)):
        with pytest.raises(err, match=match):
            call(L, F, L.tensor(x))
