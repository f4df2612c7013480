"""Less common Tensor methods against torch: as_strided views, put errors, resize_,
apply_/map_, new, the conj family, index_reduce and nextafter."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import nablagrad as ng


def _both(fn):  # noqa: ANN001, ANN202
    return fn(ng), fn(torch)


def test_as_strided_is_a_view_of_the_storage_like_torch() -> None:
    def run(L):  # noqa: ANN001, ANN202
        a = L.arange(6.0)
        v = a.as_strided((2,), (2,), 1)
        v.add_(100)
        b = a[2:]
        z = L.arange(6.0).reshape(2, 3).t()
        return [
            a.tolist(),
            b.as_strided((2,), (1,)).tolist(),  # default offset: where b starts
            b.as_strided((2,), (1,), 0).tolist(),  # explicit offset: into the storage
            z.as_strided((2, 2), (3, 1)).tolist(),
        ]

    ours, theirs = _both(run)
    assert ours == theirs


def test_as_strided_gradient_sums_repeated_elements() -> None:
    def run(L):  # noqa: ANN001, ANN202
        x = L.arange(12.0).reshape(3, 4).requires_grad_()
        y = x.as_strided((3, 3), (1, 1), 2)  # overlapping windows
        (y * L.arange(9.0).reshape(3, 3)).sum().backward()
        return y.tolist(), x.grad.tolist()

    ours, theirs = _both(run)
    assert ours == theirs


def test_as_strided_out_of_bounds_errors_like_torch() -> None:
    for L in (ng, torch):
        with pytest.raises(RuntimeError, match="out of bounds for storage"):
            L.arange(6.0).as_strided((3, 3), (1, 2))


def test_put_errors_like_torch() -> None:
    for L in (ng, torch):
        x = L.arange(4.0)
        with pytest.raises(IndexError, match="out of range"):
            x.put(L.tensor([0, 4]), L.tensor([1.0, 2.0]))
        with pytest.raises(IndexError, match="same number of elements"):
            x.put(L.tensor([0, 1]), L.tensor([1.0, 2.0, 3.0]))
    ours, theirs = _both(lambda L: L.arange(4.0).put_(L.tensor([3, 0]), L.tensor([7.0, 8.0])))
    assert ours.tolist() == theirs.tolist()


def test_resize_like_torch() -> None:
    ours, theirs = _both(lambda L: L.arange(6.0).resize_(2, 2))
    assert ours.tolist() == theirs.tolist()
    ours, theirs = _both(lambda L: L.arange(6.0).resize_as_(L.zeros(3, 1)))
    assert ours.tolist() == theirs.tolist()
    grown = ng.arange(3.0).resize_(2, 3)
    assert tuple(grown.shape) == (2, 3) and grown.flatten()[:3].tolist() == [0.0, 1.0, 2.0]
    for L in (ng, torch):
        with pytest.raises(RuntimeError, match="require grad"):
            L.zeros(3, requires_grad=True).resize_(2)


def test_apply_and_map_like_torch() -> None:
    ours, theirs = _both(lambda L: L.tensor([[1.0, -2.0], [3.0, 0.5]]).apply_(lambda v: v * v - 1))
    assert ours.tolist() == theirs.tolist()
    ours, theirs = _both(
        lambda L: L.tensor([[1.0, -2.0], [3.0, 0.5]]).map_(L.tensor([2.0, 0.0]), max)
    )
    assert ours.tolist() == theirs.tolist()
    ours, theirs = _both(lambda L: L.tensor([1, 2, 3]).apply_(lambda v: v * 7 // 2))
    assert ours.tolist() == theirs.tolist() and str(ours.dtype)[-5:] == str(theirs.dtype)[-5:]


def test_legacy_new_like_torch() -> None:
    def run(L):  # noqa: ANN001, ANN202
        t = L.zeros(2, dtype=L.float64)
        u = L.ones(3, dtype=L.float64)
        return [
            tuple(t.new().shape),
            tuple(t.new(2, 3).shape),
            t.new((2, 3)).tolist(),
            tuple(t.new(L.Size([2, 3])).shape),
            str(t.new([1, 2]).dtype).split(".")[-1],
            t.new(u).tolist(),
        ]

    ours, theirs = _both(run)
    assert ours == theirs
    u = ng.ones(3)
    v = ng.zeros(1).new(u)
    v._data[0] = 5.0
    assert float(u[0]) == 5.0  # shares memory, as torch's
    for L in (ng, torch):
        with pytest.raises(TypeError):
            L.zeros(1).new(2.5)


def test_conj_family_and_flags_on_real_tensors_like_torch() -> None:
    for L in (ng, torch):
        x = L.tensor([1.0, -2.0])
        assert x.conj() is x and x.resolve_conj() is x and x.resolve_neg() is x
        assert x.conj_physical() is x
        assert not x.is_conj() and not x.is_neg() and x.name is None
        assert x.share_memory_() is x


def test_index_reduce_and_nextafter_against_torch() -> None:
    rng = np.random.default_rng(0)
    x, s = rng.normal(size=(3, 4)), rng.normal(size=(5, 4))
    index = np.array([0, 2, 0, 1, 2])
    for reduce in ("prod", "mean", "amax", "amin"):
        for include_self in (True, False):

            def run(L, reduce=reduce, include_self=include_self):  # noqa: ANN001, ANN202
                return L.tensor(x).index_reduce_(
                    0, L.tensor(index), L.tensor(s), reduce, include_self=include_self
                )

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # torch: "index_reduce() is in beta"
                ours, theirs = _both(run)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    for L in (ng, torch):
        with pytest.raises(RuntimeError, match="reduce"):
            L.zeros(3).index_reduce(0, L.tensor([0]), L.ones(1), "sum")
    a, b = rng.normal(size=5), np.array([np.inf, -np.inf, 0.0, 1.0, -1.0])
    ours, theirs = _both(lambda L: L.nextafter(L.tensor(a), L.tensor(b)))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours, theirs = _both(lambda L: L.tensor(a, dtype=L.float32).nextafter(L.tensor(0.0)))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
