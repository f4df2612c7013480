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
        w = L.ones(3, requires_grad=True)  # a weight that requires grad records the node too
        hist, edges = L.histogram(x.detach(), 2, weight=w)
        assert hist.requires_grad and edges.requires_grad
        with pytest.raises(RuntimeError, match="not implemented"):
            hist.sum().backward()


# -- gradient ------------------------------------------------------------------------------------

COORDS = np.array([0.0, 0.5, 1.5, 1.75, 3.0, 4.5], dtype=np.float32)


def _coords(L, n, dtype=None):
    t = L.tensor(COORDS[:n])
    return t if dtype is None else t.to(getattr(L, dtype))


GRADIENT_CASES = {
    "1d": (lambda L, x: L.gradient(x), [(6,)]),
    "1d order 2": (lambda L, x: L.gradient(x, edge_order=2), [(6,)]),
    "scalar spacing": (lambda L, x: L.gradient(x, spacing=0.5), [(3, 4)]),
    "0-d tensor spacing": (lambda L, x: L.gradient(x, spacing=L.tensor(0.5)), [(3, 4)]),
    "int spacing": (lambda L, x: L.gradient(x, spacing=2, edge_order=2), [(3, 4)]),
    "spacing per dim": (lambda L, x: L.gradient(x, spacing=[2.0, 0.25]), [(3, 4)]),
    "spacing tuple": (lambda L, x: L.gradient(x, spacing=(3,), dim=1, edge_order=2), [(3, 4)]),
    "dim int": (lambda L, x: L.gradient(x, dim=-1), [(2, 3, 4)]),
    "axis": (lambda L, x: L.gradient(x, axis=1), [(2, 3, 4)]),
    "dims": (lambda L, x: L.gradient(x, dim=(2, 0), edge_order=2), [(3, 2, 4)]),
    "coords": (lambda L, x: L.gradient(x, spacing=[_coords(L, 6)]), [(6,)]),
    "coords order 2": (lambda L, x: L.gradient(x, spacing=[_coords(L, 6)], edge_order=2), [(6,)]),
    "coords 2d": (
        lambda L, x: L.gradient(x, spacing=[_coords(L, 3), _coords(L, 5)], edge_order=2),
        [(3, 5)],
    ),
    "coords with dim": (lambda L, x: L.gradient(x, spacing=[_coords(L, 4)], dim=0), [(4, 3)]),
    "float64 coords": (
        lambda L, x: L.gradient(x, spacing=[_coords(L, 3, "float64"), _coords(L, 4)]),
        [(3, 4)],
    ),
    "0-d": (lambda L, x: L.gradient(x) + (x * 1,), [()]),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_gradient_values_and_derivatives_match_torch(name):
    from helpers import check_op

    call, shapes = GRADIENT_CASES[name]
    check_op(
        lambda *xs: call(ng, *xs),
        lambda *xs: call(torch, *xs),
        shapes,
        rtol=1e-5,
        atol=1e-5,
        second_order=True,
    )


def test_gradient_of_samples_of_a_smooth_function():
    # second-order formulas are exact for a quadratic, on uneven samples too
    x = np.array([0.0, 0.3, 1.0, 1.2, 2.5, 3.0])
    f = 3 * x**2 - x + 1
    (g,) = ng.gradient(ng.tensor(f), spacing=[ng.tensor(x)], edge_order=2)
    np.testing.assert_allclose(g.numpy(), 6 * x - 1, rtol=1e-10)
    np.testing.assert_allclose(g.numpy(), np.gradient(f, x, edge_order=2), rtol=1e-12)


def test_gradient_of_integers_and_coordinate_gradients():
    ours, theirs = _both(lambda L, x: L.gradient(x, spacing=[L.tensor([0, 1, 3])]), [1, 2, 4])
    assert ours[0].dtype == ng.float32 and theirs[0].dtype == torch.float32
    np.testing.assert_allclose(_np(ours[0]), _np(theirs[0]))
    # the coordinates are differentiable too
    grads = []
    for L in LIBS:
        t = L.tensor(COORDS[:5].astype(np.float64), requires_grad=True)
        f = L.tensor([1.0, 2.0, 4.0, 8.0, 10.0], dtype=L.float64)
        (g,) = L.gradient(f, spacing=[t], edge_order=2)
        (g * L.arange(5.0, dtype=L.float64)).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda L, y: L.gradient(y, spacing=[2.0]), RuntimeError, "self.dim\\(\\) = 2"),
        (lambda L, y: L.gradient(y, spacing=[2.0, 3.0, 4.0]), RuntimeError, "length 3"),
        (lambda L, y: L.gradient(y, spacing=[2.0, 3.0], dim=1), RuntimeError, "same length"),
        (lambda L, y: L.gradient(y, edge_order=3), RuntimeError, "edge_order=1 and edge_order=2"),
        (lambda L, y: L.gradient(y, edge_order=0), RuntimeError, "edge_order=1 and edge_order=2"),
        (lambda L, y: L.gradient(y[:2], edge_order=2), RuntimeError, "at least edge_order\\+1"),
        (lambda L, y: L.gradient(y[:1]), RuntimeError, "at least edge_order\\+1"),
        (lambda L, y: L.gradient(y, dim=2), IndexError, "Dimension out of range"),
        (lambda L, y: L.gradient(y, dim=[1, 1]), RuntimeError, "dim"),
        (lambda L, y: L.gradient(y, spacing=[L.ones(3, 1)], dim=0), RuntimeError, "one dim"),
        (lambda L, y: L.gradient(y, spacing=[L.tensor(2.0)] * 2), RuntimeError, "one dim"),
        (lambda L, y: L.gradient(y, spacing=[L.arange(3.0), 2.0]), TypeError, None),
        (lambda L, y: L.gradient(y, spacing=L.tensor([2.0])), TypeError, None),
        (lambda L, y: L.gradient(y, edge_order=2.0), TypeError, None),
        (lambda L, y: L.gradient(y, dim=1.0), TypeError, None),
        (lambda L, y: L.gradient(y > 0), RuntimeError, None),
    ],
)
def test_gradient_errors_like_torch(call, err, match):
    for L in LIBS:
        with pytest.raises(err, match=match):
            call(L, L.arange(12.0).reshape(3, 4))


def test_gradient_coordinates_of_the_wrong_length_raise():
    # torch computes a result of the wrong shape here; nablagrad names the problem
    with pytest.raises(RuntimeError, match="one coordinate per sample"):
        ng.gradient(ng.ones(3, 4), spacing=[ng.arange(4.0)], dim=0)
