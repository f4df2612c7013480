"""``F.fractional_max_pool3d`` / ``nn.FractionalMaxPool3d`` against torch: with the same
``_random_samples`` the values and indices are torch's bit for bit (ties, NaN, float32 and
float64), the gradient is torch's, output_size/output_ratio shapes, and torch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as tF

import nablagrad as ng
import nablagrad.nn.functional as nF

RNG = np.random.default_rng(1)


def _random_config(i):
    n, c = int(RNG.integers(1, 3)), int(RNG.integers(1, 3))
    dims = [int(RNG.integers(3, 9)) for _ in range(3)]
    k = [int(RNG.integers(1, min(d, 4))) for d in dims]
    out = [int(RNG.integers(1, d - kk + 1)) for d, kk in zip(dims, k)]  # torch: o + k - 1 < d
    dt = (np.float32, np.float64)[i % 2]
    x = RNG.standard_normal((n, c, *dims)).astype(dt)
    if i % 3 == 0:
        x = np.round(x)  # ties: the first maximum wins
    return x, RNG.random((n, c, 3)).astype(dt), tuple(k), tuple(out)


CONFIGS = [_random_config(i) for i in range(24)]


@pytest.mark.parametrize("i", range(len(CONFIGS)))
def test_values_indices_and_gradients_match_torch(i):
    x, u, k, out = CONFIGS[i]
    res = {}
    for L, F in ((ng, nF), (torch, tF)):
        xt = L.tensor(x, requires_grad=True)
        y, idx = F.fractional_max_pool3d(
            xt, k, output_size=out, return_indices=True, _random_samples=L.tensor(u)
        )
        w = L.tensor(np.arange(y.numel(), dtype=x.dtype).reshape(tuple(y.shape)))
        (y * w).sum().backward()
        res[L] = (y.detach().numpy(), idx.numpy(), xt.grad.numpy())
    for a, b in zip(res[ng], res[torch]):
        np.testing.assert_array_equal(a, b)


def test_unbatched_nan_and_module_like_torch():
    x = RNG.standard_normal((2, 5, 6, 7))
    x[0, 1, 2, 3] = np.nan
    u = RNG.random((1, 2, 3))
    outs = []
    for L in (ng, torch):
        pool = L.nn.FractionalMaxPool3d(
            (2, 2, 3), output_ratio=(0.5, 0.6, 0.5), return_indices=True,
            _random_samples=L.tensor(u),
        )  # fmt: skip
        y, idx = pool(L.tensor(x))
        outs.append((y.numpy(), idx.numpy(), dict(pool.named_buffers())["_random_samples"].shape))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    assert tuple(outs[0][2]) == tuple(outs[1][2])


@pytest.mark.parametrize(
    "shape,kw",
    [
        ((1, 2, 8, 9, 10), {"kernel_size": 2, "output_ratio": 0.5}),
        ((2, 8, 9, 10), {"kernel_size": (1, 2, 3), "output_ratio": (0.3, 0.5, 0.7)}),
        ((1, 1, 6, 6, 6), {"kernel_size": 2, "output_size": 3}),
        ((1, 1, 6, 6, 6), {"kernel_size": 2, "output_size": (1, 2, 4)}),
    ],
)
def test_output_shapes_like_torch(shape, kw):
    x = RNG.standard_normal(shape).astype(np.float32)
    assert tuple(nF.fractional_max_pool3d(ng.tensor(x), **kw).shape) == tuple(
        tF.fractional_max_pool3d(torch.tensor(x), **kw).shape
    )


X5 = np.zeros((1, 2, 5, 6, 7), np.float32)


@pytest.mark.parametrize(
    "kw,err,match",
    [
        ({"kernel_size": 2}, ValueError, "either an output_size or an output_ratio"),
        ({"kernel_size": 4, "output_size": (3, 3, 3)}, RuntimeError, "pool time 4 too large"),
        ({"kernel_size": 2, "output_size": (4, 3, 3)}, RuntimeError, "pool time 2 too large"),
        ({"kernel_size": 2, "output_size": (2, 5, 3)}, RuntimeError, "pool height 2 too large"),
        ({"kernel_size": 2, "output_size": (2, 2, 6)}, RuntimeError, "pool width 2 too large"),
        ({"kernel_size": 2, "output_size": (2, 2)}, RuntimeError, "tuple of three Ints"),
        ({"kernel_size": 2, "output_ratio": (0.5, 0.5)}, IndexError, ""),
        (
            {
                "kernel_size": 2,
                "output_size": 2,
                "_random_samples": np.zeros((1, 2, 2), np.float32),
            },
            RuntimeError,
            r"size\(2\) equals to 3",
        ),
        (
            {
                "kernel_size": 2,
                "output_size": 2,
                "_random_samples": np.zeros((1, 3, 3), np.float32),
            },
            RuntimeError,
            r"size\(1\) equals to input channel size",
        ),
    ],
)
def test_errors_like_torch(kw, err, match):
    for L, F in ((ng, nF), (torch, tF)):
        kw2 = {k: L.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        with pytest.raises(err, match=match):
            F.fractional_max_pool3d(L.tensor(X5), **kw2)
    for L, F in ((ng, nF), (torch, tF)):
        with pytest.raises(RuntimeError, match="non-zero size for non-batch dimensions"):
            F.fractional_max_pool3d(L.zeros(1, 0, 3, 3, 3), 2, output_size=2)
        with pytest.raises(ValueError, match="kernel_size must be greater than 0"):
            L.nn.FractionalMaxPool3d(0, output_size=2)
        with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
            L.nn.FractionalMaxPool3d(2, output_ratio=(0.5, 1.5, 0.5))
        with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
            L.nn.FractionalMaxPool3d(2, output_size=2, output_ratio=0.5)
