"""Shape, joining and creation functions on their edge cases, against torch: the same values,
dtype and shape, or the same exception type."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_like_torch

import nablagrad as ng

CAT_CASES = {
    "empty_1d_then_2d": lambda L: L.cat([L.tensor([]), L.ones(2, 3)]),
    "2d_then_empty_1d_dim1": lambda L: L.cat([L.ones(2, 3), L.zeros(0)], dim=1),
    "empty_1d_promotes": lambda L: L.cat([L.zeros(0, dtype=L.int64), L.ones(2, dtype=L.int32)]),
    "all_empty_1d": lambda L: L.cat([L.zeros(0), L.zeros(0)]),
    "empty_1d_dim_wraps_on_the_others": lambda L: L.cat([L.zeros(0), L.ones(2, 3)], dim=-1),
    "zero_dim_refused": lambda L: L.cat([L.tensor(1.0), L.tensor(2.0)]),
    "empty_list": lambda L: L.cat([]),
    "stack_empty_list": lambda L: L.stack([]),
    "hstack_empty_list": lambda L: L.hstack([]),
    "vstack_empty_list": lambda L: L.vstack([]),
    "dstack_empty_list": lambda L: L.dstack([]),
    "column_stack_empty_list": lambda L: L.column_stack([]),
}


@pytest.mark.parametrize("fn", CAT_CASES.values(), ids=CAT_CASES.keys())
def test_cat_and_stack_edge_cases(fn):
    assert_like_torch(fn)


def test_cat_skips_a_legacy_empty_tensor_in_an_accumulating_loop():
    acc_n, acc_t = ng.tensor([]), torch.tensor([])
    for i in range(3):
        acc_n = ng.cat([acc_n, ng.full((1, 2), float(i))])
        acc_t = torch.cat([acc_t, torch.full((1, 2), float(i))])
    np.testing.assert_array_equal(acc_n.numpy(), acc_t.numpy())


MOVEDIM_CASES = {
    "tuples": lambda L: L.arange(24.0).reshape(2, 3, 4).movedim((0, 1), (2, 0)),
    "negative": lambda L: L.movedim(L.arange(24.0).reshape(2, 3, 4), (0, -1), (-1, 0)),
    "lists": lambda L: L.moveaxis(L.arange(24.0).reshape(2, 3, 4), [1], [2]),
    "empty": lambda L: L.arange(24.0).reshape(2, 3, 4).movedim((), ()),
    "repeated_source": lambda L: L.arange(24.0).reshape(2, 3, 4).movedim((0, 0), (1, 2)),
    "repeated_destination": lambda L: L.arange(24.0).reshape(2, 3, 4).movedim((0, 1), (1, 1)),
    "lengths_differ": lambda L: L.arange(24.0).reshape(2, 3, 4).movedim((0, 1), (1,)),
    "out_of_range": lambda L: L.arange(24.0).reshape(2, 3, 4).movedim((3,), (0,)),
}


@pytest.mark.parametrize("fn", MOVEDIM_CASES.values(), ids=MOVEDIM_CASES.keys())
def test_movedim_with_sequences(fn):
    assert_like_torch(fn)
