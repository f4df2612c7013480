"""NumPy ufuncs applied to tensors, as torch: computed on the arrays and returned as tensors;
the ufuncs of Python operators between NumPy values and tensors are the tensor operations
(recorded for autograd)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng

# torch's own __array_wrap__ takes only the array, which NumPy 2 deprecates
pytestmark = pytest.mark.filterwarnings("ignore:__array_wrap__ must accept context")


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


@pytest.mark.parametrize(
    "fn",
    [
        lambda L: np.clip(L.tensor([-1.0, 0.5, 2.0]), 0, 1),
        lambda L: np.round(L.tensor([1.26, -0.44]), 1),
        lambda L: np.transpose(L.ones(2, 3)),
        lambda L: np.cumsum(L.tensor([1, 2, 3])),
        lambda L: np.argmax(L.tensor([1, 3, 2])),  # a 0-d tensor, not a NumPy integer
        lambda L: np.sort(L.tensor([3, 1, 2])),  # NumPy's own array: np.sort does not wrap
        lambda L: np.where(L.tensor([True, False]), 1, 2),
    ],
)
def test_numpy_functions_wrap_results_as_torch(fn) -> None:
    """Functions that convert their argument with ``np.asarray`` hand the result to the
    tensor's ``__array_wrap__``: torch returns a Tensor there (and a plain array where NumPy
    does not wrap)."""
    want, got = fn(torch), fn(ng)
    assert isinstance(want, torch.Tensor) == isinstance(got, ng.Tensor)
    assert type(got) in (ng.Tensor, np.ndarray)
    got_a = got.numpy() if isinstance(got, ng.Tensor) else got
    want_a = want.numpy() if isinstance(want, torch.Tensor) else want
    assert got_a.shape == want_a.shape
    np.testing.assert_allclose(got_a, want_a, rtol=1e-6)
