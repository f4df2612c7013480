"""``histogram`` and ``gradient`` against torch: values, dtypes, named results, edge cases,
gradients (``gradient`` is differentiable) and torch's errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng

LIBS = [ng, torch]


def _np(t):
    return t.detach().numpy()


def _both(call, *arrays):
    return call(ng, *[ng.tensor(a) for a in arrays]), call(
        torch, *[torch.tensor(a) for a in arrays]
    )


# -- histogram ------------------------------------------------------------------------------------

RNG = np.random.default_rng(0)
DATA = RNG.standard_normal(200).astype(np.float32)
ON_EDGES = np.array([0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 0.5, -0.1, 1.1], dtype=np.float32)
WEIGHT = RNG.uniform(-1, 2, 200).astype(np.float32)


@pytest.mark.parametrize(
    "call, data",
    [
        (lambda L, x: L.histogram(x), DATA),
        (lambda L, x: L.histogram(x, 7), DATA),
        (lambda L, x: L.histogram(x, 13), DATA.astype(np.float64)),
        (lambda L, x: L.histogram(x, 4, range=(0.0, 1.0)), ON_EDGES),
        (lambda L, x: L.histogram(x, 4, range=(0, 1), density=True), ON_EDGES),
        (lambda L, x: L.histogram(x, 5, density=True), DATA),
        (lambda L, x: L.histogram(x.reshape(10, 20), 6, range=(-1.0, 1.5)), DATA),
        (lambda L, x: L.histogram(x, L.tensor([-1.0, 0.0, 0.5, 3.0])), DATA),
        (lambda L, x: L.histogram(x, L.tensor([0.0, 0.5, 0.5, 1.0])), ON_EDGES),
        (lambda L, x: L.histogram(x, L.tensor([-2.0, 0.1, 3.0]), density=True), DATA),
        (lambda L, x: L.histogram(x, 3), np.ones(4, np.float32)),  # one value: +-0.5
        (lambda L, x: L.histogram(x, 3, range=(1.0, 1.0)), np.ones(4, np.float32)),
        (lambda L, x: L.histogram(x, 3), np.zeros(0, np.float32)),  # empty: [0, 1]
        (lambda L, x: L.histogram(x, 2, range=(0.0, 2.0)), np.array([1.0, np.nan], np.float32)),
        (lambda L, x: L.histogram(x, 2, range=(0.0, 1.0), density=True), np.array([5.0], "f4")),
        (lambda L, x: x.histogram(9), DATA),
        (lambda L, x: x.histogram(L.tensor([-1.0, 0.0, 2.0]), density=True), DATA),
    ],
)
def test_histogram_matches_torch(call, data):
    ours, theirs = _both(call, data)
    assert type(ours).__name__ == "HistogramResult" and ours._fields == ("hist", "bin_edges")
    for a, b in zip(ours, theirs):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-6, atol=0)
    np.testing.assert_array_equal(_np(ours.bin_edges), _np(theirs.bin_edges))  # bitwise


@pytest.mark.parametrize("density", [False, True])
def test_histogram_weights_match_torch(density):
    for bins in (8, [-3.0, -0.5, 0.0, 0.2, 4.0]):
        out = []
        for L in LIBS:
            b = L.tensor(bins) if isinstance(bins, list) else bins
            out.append(L.histogram(L.tensor(DATA), b, weight=L.tensor(WEIGHT), density=density))
        for a, b in zip(*out):
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 17, 64, 99])
def test_histogram_edges_are_torchs_bit_for_bit(n):
    for lo, hi in ((-1.3, 2.9), (0.1, 0.7), (-1000.5, 3.25)):
        ours = ng.histogram(ng.tensor([lo, hi]), n).bin_edges
        theirs = torch.histogram(torch.tensor([lo, hi]), n).bin_edges
        np.testing.assert_array_equal(_np(ours), _np(theirs))


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda L: L.histogram(L.tensor([1.0, 2.0]), 0), RuntimeError, "bins must be > 0"),
        (lambda L: L.histogram(L.tensor([1.0, 2.0]), -1), RuntimeError, "bins must be > 0"),
        (lambda L: L.histogram(L.tensor([1.0]), 2, range=(3.0, 0.0)), RuntimeError, "min"),
        (lambda L: L.histogram(L.tensor([1.0]), 2, range=(0.0, 1.0, 2.0)), RuntimeError, "2 el"),
        (lambda L: L.histogram(L.tensor([1, 2]), 3), NotImplementedError, "Long"),
        (lambda L: L.histogram(L.ones(2, dtype=L.float16), 3), NotImplementedError, "Half"),
        (lambda L: L.histogram(L.tensor([1.0, 2.0]), 3, weight=L.ones(3)), RuntimeError, "shape"),
        (
            lambda L: L.histogram(L.tensor([1.0]), 3, weight=L.ones(1, dtype=L.float64)),
            RuntimeError,
            "same dtype",
        ),
        (lambda L: L.histogram(L.tensor([1.0]), L.tensor([1.0])), RuntimeError, "bins must be"),
        (lambda L: L.histogram(L.tensor([1.0]), L.ones(2, 2)), RuntimeError, "one dimension"),
        (
            lambda L: L.histogram(L.tensor([1.0]), L.ones(2, dtype=L.float64)),
            RuntimeError,
            "same dtype",
        ),
        (lambda L: L.histogram(L.tensor([1.0, float("nan")]), 3), RuntimeError, "not finite"),
        (lambda L: L.histogram(L.tensor([1.0, float("inf")]), 3), RuntimeError, "not finite"),
        (lambda L: L.histogram(L.tensor([1.0]), 3, range=(0.0, float("inf"))), RuntimeError, "fin"),
        (lambda L: L.histogram(L.tensor([1.0]), 2.0), TypeError, None),
        (lambda L: L.histogram(L.tensor([1.0]), True), TypeError, None),
        (lambda L: L.histogram(L.tensor([1.0]), L.ones(2), range=(0, 1)), TypeError, None),
    ],
)
def test_histogram_errors_like_torch(call, err, match):
    for L in LIBS:
        with pytest.raises(err, match=match):
            call(L)


def test_histogram_is_not_differentiable_like_torch():
    for L in LIBS:
        x = L.tensor([1.0, 2.0, 2.5], requires_grad=True)
        hist, edges = L.histogram(x, 2)
        assert hist.requires_grad and edges.requires_grad
        with pytest.raises(RuntimeError, match="not implemented"):
            hist.sum().backward()
        with L.no_grad():
            assert not L.histogram(x, 2).hist.requires_grad
