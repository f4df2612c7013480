"""Passes split between Numba's threads inside one compiled call (``ops/_split_jit.py``,
``parallel.compiled_split``): the activations' and the 2x2 poolings' kernels give bit for bit
what one pass gives, for two and three shards (rows of uneven counts), and the ops take that
path where Numba's threads are there and the pool would not split."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng
from nablagrad import backend, parallel

pytestmark = pytest.mark.skipif(not backend.jit_available(), reason="needs Numba")

SHAPE = (7, 3, 6, 10)  # 7 rows: shards of 3 and 4, or 2, 2 and 3


def _data(shape=SHAPE, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("parts", [2, 3])
@pytest.mark.parametrize(
    "name,inputs,args",
    [  # each pair of driver and kernel compiles once (~1 s): one per way of calling
        ("sigmoid32", 1, ()),
        ("elu32", 1, (np.float32(1.0), np.float32(1.0))),
        ("sigmoid_grad", 2, ()),
    ],
)
def test_rows_match_one_pass(name, inputs, args, parts):
    from nablagrad.ops import _activation_jit as jit
    from nablagrad.ops import _split_jit

    kernel = getattr(jit, name)
    arrays = tuple(_data(seed=i) for i in range(inputs))
    expected = np.empty(SHAPE, np.float32)
    kernel(*(a.reshape(-1) for a in arrays), *args, expected.reshape(-1))
    out = np.full(SHAPE, np.nan, np.float32)
    assert _split_jit.rows(kernel, arrays, args, out, parts)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("parts", [2, 3])
def test_batch_matches_one_pass(parts):
    from nablagrad.ops import _pool_jit as k
    from nablagrad.ops import _split_jit

    x, scale = _data(), np.float32(0.25)
    pooled = (SHAPE[0], SHAPE[1], SHAPE[2] // 2, SHAPE[3] // 2)
    one, split = np.empty(pooled, np.float32), np.full(pooled, np.nan, np.float32)
    idx_one, idx_split = np.empty(pooled, np.uint8), np.zeros(pooled, np.uint8)
    k.max_forward(x, one, idx_one)
    assert _split_jit.batch(k.max_forward, (x, split, idx_split), (), parts)
    np.testing.assert_array_equal(split, one)
    np.testing.assert_array_equal(idx_split, idx_one)
    k.avg_forward(x, one, scale)
    assert _split_jit.batch(k.avg_forward, (x, split), (scale,), parts)
    np.testing.assert_array_equal(split, one)
    g = _data(pooled, seed=3)
    gx_one, gx_split = np.empty(SHAPE, np.float32), np.full(SHAPE, np.nan, np.float32)
    k.avg_scatter(g, gx_one, scale)
    assert _split_jit.batch(k.avg_scatter, (g, gx_split), (scale,), parts)
    np.testing.assert_array_equal(gx_split, gx_one)
    assert not _split_jit.batch(k.avg_scatter, (g,), (scale,), parts)  # one array: not taken


@pytest.mark.parametrize(
    "op,fn",
    [
        (lambda x: ng.sigmoid(x), torch.sigmoid),
        (
            lambda x: ng.nn.functional.leaky_relu(x, 0.2),
            lambda x: torch.nn.functional.leaky_relu(x, 0.2),
        ),
        (
            lambda x: ng.nn.functional.avg_pool2d(x, 2),
            lambda x: torch.nn.functional.avg_pool2d(x, 2),
        ),
        (
            lambda x: ng.nn.functional.max_pool2d(x, 2),
            lambda x: torch.nn.functional.max_pool2d(x, 2),
        ),
    ],
)
def test_ops_take_numbas_threads_where_the_pool_would_not_split(op, fn, monkeypatch, num_threads):
    """With Numba's threads found (``compiled_threads`` pinned to 2) and a pass below the
    pool's split: the op's forward and backward run through ``_split_jit`` and match torch."""
    from nablagrad.ops import _split_jit, pool_compiled, pooled

    num_threads(2)
    monkeypatch.setattr(parallel, "compiled_threads", lambda: 2)
    monkeypatch.setattr(pooled, "COMPILED_SPLIT_MIN", 0)
    monkeypatch.setattr(pool_compiled, "COMPILED_SPLIT_MIN", 0)
    calls = []
    for name in ("rows", "batch"):
        real = getattr(_split_jit, name)
        monkeypatch.setattr(_split_jit, name, lambda *a, r=real: calls.append(1) or r(*a))
    x = _data((8, 3, 40, 40))  # above the pooled passes' POOLED_MIN, below the pool's split
    xn, xt = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yn, yt = op(xn), fn(xt)
    g = _data(tuple(yt.shape), seed=5)
    yn.backward(ng.tensor(g))
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(yn.detach().numpy(), yt.detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-6, atol=1e-6)
    assert len(calls) >= 2  # forward and backward


def test_large_passes_stay_with_the_pool(monkeypatch, num_threads):
    """A pass the pool's threads would split stays with them (OpenMP's threads spin after
    their loops, on the cores the pool's next shards need); a small one, below the compiled
    threshold, is not split at all; one thread never splits."""
    num_threads(2)
    monkeypatch.setattr(parallel, "compiled_threads", lambda: ng.get_num_threads())
    monkeypatch.setattr(parallel, "split_scale", lambda: 1.0)
    big = parallel.SPLIT_MIN_ELEMENTS
    assert parallel.compiled_split(np, 64, big, 1 << 16) == 1
    assert parallel.compiled_split(np, 64, big - 1, 1 << 16) == 2
    assert parallel.compiled_split(np, 64, (1 << 16) - 1, 1 << 16) == 1
    assert parallel.compiled_split(np, 1, big - 1, 1 << 16) == 1  # one row: nothing to split
    num_threads(1)
    assert parallel.compiled_split(np, 64, big - 1, 1 << 16) == 1
