"""NumPy ufuncs applied to tensors, as torch: computed on the arrays and returned as tensors;
the ufuncs of Python operators between NumPy values and tensors are the tensor operations
(recorded for autograd)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng


@pytest.mark.parametrize(
    "fn",
    [
        lambda L, t: np.exp(t),
        lambda L, t: np.sqrt(t),
        lambda L, t: np.maximum(t, 1.5),
        lambda L, t: np.add.reduce(t),
        lambda L, t: np.isnan(t),  # bool results come back as uint8, as torch's
        lambda L, t: np.exp(L.tensor([1, 2])),  # int input: NumPy's float64 result
        lambda L, t: np.float64(2.0) * t,  # keeps the tensor's dtype
        lambda L, t: np.modf(t)[1],
    ],
)
def test_ufunc_results_match_torch(fn) -> None:
    want = fn(torch, torch.tensor([1.0, 2.0]))
    got = fn(ng, ng.tensor([1.0, 2.0]))
    assert isinstance(got, ng.Tensor)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_ufunc_with_out_returns_the_array() -> None:
    out = np.empty(2, np.float32)
    res = np.add(ng.tensor([1.0, 2.0]), 1, out=out)
    assert res is out
    np.testing.assert_array_equal(out, [2.0, 3.0])


def test_operators_with_numpy_values_are_recorded() -> None:
    t = ng.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0]) * t + np.float32(2.0) * t - np.float64(1.0)
    y.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), [5.0, 6.0])
    assert (np.float64(2.0) * ng.tensor([1.0])).dtype == ng.float32
