"""``tensor(data)``'s dtype inference and errors for Python and NumPy-scalar data, as torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng

CASES = [
    [np.float64(1.0)],
    [1.0, np.float64(2.0)],
    [np.float32(1.0)],
    [np.float16(1.0)],
    [np.int32(1), 2],
    [np.int64(1)],
    [[np.float64(1.0)], [2.0]],
    [np.bool_(True), True],
    [np.float64(1.0), np.float32(2.0)],
    [np.int8(1), 2.5],
    (np.float64(1.0),),
    [np.uint8(3)],
    [np.uint8(3), np.int8(1)],
    [np.float32(1.5), 2],
    [[np.int16(1), np.int16(2)], [3, 4]],
    [1, 2.0],
    [True, 1],
    [],
]


@pytest.mark.parametrize("data", CASES, ids=[repr(c) for c in CASES])
def test_dtype_of_numpy_scalars_in_sequences(data) -> None:
    want = torch.tensor(data)
    got = ng.tensor(data)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert str(ng.as_tensor(data).dtype).split(".")[-1] == str(want.dtype).split(".")[-1]


@pytest.mark.parametrize(
    "data, exc",
    [
        ([1.0, [2.0]], TypeError),  # a sequence where a number is expected
        ([[1.0], 2.0], TypeError),  # a number where a sequence is expected
        ([[1.0], [2.0, 3.0]], ValueError),  # rows of different lengths
        ([np.float64(1.0), [2.0]], TypeError),
    ],
)
def test_ragged_data_errors_as_torch(data, exc) -> None:
    with pytest.raises(exc):
        torch.tensor(data)
    with pytest.raises(exc):
        ng.tensor(data)
