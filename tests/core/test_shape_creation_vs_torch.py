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


def _i64(L):
    return L.ones(2, 2, dtype=L.int64)


EDGE_CASES = {
    # result dtypes
    "clamp_int_float_bounds": lambda L: L.clamp(L.tensor([1, 2, 3]), 0.5, 2.5),
    "clamp_int_float_min": lambda L: L.tensor([1, 2, 3]).clamp(min=0.5),
    "clamp_bool_float_min": lambda L: L.clamp(L.tensor([True, False]), 0.5),
    "clamp_int_int_max": lambda L: L.clamp(L.tensor([1, 2, 3]), max=2),
    "clamp_no_bound": lambda L: L.clamp(L.ones(2)),
    "clamp_method_no_bound": lambda L: L.ones(2).clamp(),
    "addmm_int_float_alpha": lambda L: L.addmm(_i64(L), _i64(L), _i64(L), alpha=0.5),
    "addmm_int_float_beta": lambda L: L.addmm(_i64(L), _i64(L), _i64(L), beta=0.5),
    "addmm_int_negative_alpha": lambda L: L.addmm(_i64(L), _i64(L), _i64(L), alpha=-1.5),
    "addmv_int_float_scales": lambda L: L.addmv(
        L.ones(2, dtype=L.int64), _i64(L), L.ones(2, dtype=L.int64), alpha=1.5, beta=2.7
    ),
    "vdot_mixed_dtypes": lambda L: L.vdot(L.ones(2), L.ones(2, dtype=L.float64)),
    "vdot_2d": lambda L: L.vdot(L.ones(2, 2), L.ones(2, 2)),
    "vdot_lengths": lambda L: L.vdot(L.ones(2), L.ones(3)),
    "vdot_ints": lambda L: L.vdot(L.tensor([1, 2]), L.tensor([3, 4])),
    "outer_2d_self": lambda L: L.outer(L.ones(2, 2), L.ones(2)),
    "outer_2d_vec2": lambda L: L.outer(L.ones(2), L.ones(2, 2)),
    "outer_0d": lambda L: L.outer(L.ones(()), L.ones(2)),
    "outer_mixed_dtypes": lambda L: L.outer(L.ones(2), L.ones(3, dtype=L.float64)),
    "round_int_negative_decimals": lambda L: L.round(L.tensor([15, 25]), decimals=-1),
    "round_int_decimals_0": lambda L: L.tensor([15, 25]).round(decimals=0),
    "round_int_plain": lambda L: L.tensor([15, 25]).round(),
    "round_bool": lambda L: L.round(L.tensor([True])),
    "round_float_negative_decimals": lambda L: L.round(L.tensor([15.0, 25.0]), decimals=-1),
    # arange
    "arange_int64_step_truncates_to_0": lambda L: L.arange(0, 3, 0.5, dtype=L.int64),
    "arange_int32_step_truncates_to_0": lambda L: L.arange(0, 3, 0.5, dtype=L.int32),
    "arange_int64_float_step": lambda L: L.arange(0, 3, 1.5, dtype=L.int64),
    "arange_int32_float_step": lambda L: L.arange(0, 3, 1.5, dtype=L.int32),
    "arange_int64_float_end": lambda L: L.arange(0, 2.5, 1, dtype=L.int64),
    "arange_int16_float_end": lambda L: L.arange(0, 3.7, 1.2, dtype=L.int16),
    "arange_int64_float_start": lambda L: L.arange(-0.5, 3, 1, dtype=L.int64),
    "arange_int64_negative_float_step": lambda L: L.arange(5.5, -3.2, -2.7, dtype=L.int64),
    "arange_int8_negative_float_step": lambda L: L.arange(5.5, -3.2, -2.7, dtype=L.int8),
    "arange_int64_bad_sign": lambda L: L.arange(1, -3, 0.5, dtype=L.int64),
    "arange_bool_end": lambda L: L.arange(True),
    "arange_bool_start": lambda L: L.arange(True, 3),
    "arange_bool_dtype": lambda L: L.arange(3, dtype=L.bool),
    # other errors
    "rand_like_int": lambda L: L.rand_like(L.tensor([1, 2])),
    "randn_like_int": lambda L: L.randn_like(L.tensor([1, 2])),
    "rand_like_bool": lambda L: L.rand_like(L.tensor([True])),
    "rand_int64": lambda L: L.rand(2, dtype=L.int64),
    "randn_int32": lambda L: L.randn(2, dtype=L.int32),
    "tril_indices_negative_row": lambda L: L.tril_indices(-1, 3),
    "triu_indices_negative_col": lambda L: L.triu_indices(3, -1),
    "tril_indices_zero_rows": lambda L: L.tril_indices(0, 3),
    "fliplr_1d": lambda L: L.fliplr(L.ones(3)),
    "flipud_0d": lambda L: L.flipud(L.ones(())),
    "rot90_one_dim": lambda L: L.rot90(L.ones(2, 2), 1, [0]),
    "rot90_three_dims": lambda L: L.rot90(L.ones(2, 2), 1, [0, 1, 1]),
    "rot90_same_dims": lambda L: L.rot90(L.ones(2, 2), 1, [0, 0]),
    "rot90_same_dims_wrapped": lambda L: L.rot90(L.ones(2, 2), 1, [0, -2]),
    "rot90_out_of_range": lambda L: L.rot90(L.ones(2, 2), 1, [0, 5]),
    "rot90_1d": lambda L: L.rot90(L.ones(3), 1, [0, 1]),
    "repeat_interleave_negative_int": lambda L: L.repeat_interleave(L.tensor([1, 2]), -1),
    "repeat_interleave_negative_tensor": lambda L: L.repeat_interleave(
        L.tensor([1, 2]), L.tensor([1, -1])
    ),
    "repeat_interleave_negative_counts": lambda L: L.repeat_interleave(L.tensor([1, -1])),
    "repeat_interleave_float": lambda L: L.tensor([1, 2]).repeat_interleave(1.5),
    "repeat_interleave_float_tensor": lambda L: L.repeat_interleave(
        L.tensor([1, 2]), L.tensor([1.0, 2.0])
    ),
    "repeat_interleave_0d_tensor": lambda L: L.tensor([1, 2]).repeat_interleave(L.tensor(2)),
    "flip_int_dims": lambda L: L.flip(L.ones(2), 0),
    "flip_keyword_int_dims": lambda L: L.ones(2).flip(dims=0),
    "flip_method_ints": lambda L: L.arange(4.0).reshape(2, 2).flip(0, 1),
    "flip_method_int": lambda L: L.arange(4.0).reshape(2, 2).flip(0),
    "flip_method_list": lambda L: L.arange(4.0).reshape(2, 2).flip([1]),
    "tensor_none": lambda L: L.tensor(None),
    "tensor_list_of_none": lambda L: L.tensor([1, None]),
    "tensor_object": lambda L: L.tensor(object()),
    "tensor_str": lambda L: L.tensor("a"),
    "tensor_list_of_str": lambda L: L.tensor(["a"]),
    "tensor_int_then_str": lambda L: L.tensor([1, "a"]),
    "tensor_2_pow_64": lambda L: L.tensor(2**64),
    "tensor_2_pow_63": lambda L: L.tensor(2**63),
    "tensor_below_int64": lambda L: L.tensor(-(2**63) - 1),
    "tensor_list_2_pow_70": lambda L: L.tensor([1, 2**70]),
    "tensor_big_int_and_float": lambda L: L.tensor([1.0, 2**70]),
    "tensor_big_int_then_float": lambda L: L.tensor([2**70, 1.0]),
    "tensor_big_int_as_float32": lambda L: L.tensor(2**64, dtype=L.float32),
}


@pytest.mark.parametrize("fn", EDGE_CASES.values(), ids=EDGE_CASES.keys())
def test_dtype_and_error_edge_cases(fn):
    assert_like_torch(fn)
