"""torch's top-level functions that mirror methods, views and nn functionals (``torch.exp_``,
``torch.transpose_copy``, ``torch.conv2d``, ``torch.batch_norm`` with ATen's argument order,
losses with an int ``reduction`` ...), the predicates and run-time switches, each compared with
torch 2.13 on the same inputs: values, dtypes and gradients (``check_op``), or the returned
facts, warnings and errors.

``test_every_new_name_is_covered`` fails when a name of ``nablagrad.ops.toplevel`` or
``nablagrad.nn._toplevel`` has neither a case nor a behaviour test here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import torch
from helpers import check_op

import nablagrad as ng
from nablagrad.nn import _toplevel as nn_top
from nablagrad.ops import toplevel as ops_top


@dataclass
class Case:
    """``call(L, *inputs)`` with ``L`` = nablagrad or torch; shapes are seeded floats."""

    call: Callable[..., Any]
    inputs: list = field(default_factory=lambda: [(3, 4)])
    opts: dict = field(default_factory=dict)


def I(*values: Any) -> np.ndarray:  # noqa: E743 - an integer input
    return np.array(values, dtype=np.int64)


POS = {"low": 0.2, "high": 2.0}
UNIT = {"low": -0.9, "high": 0.9}

# -- in-place functions: torch.<name>_(x, ...) on a clone (gradients flow through the clone) ----
INPLACE: dict[str, tuple] = {
    "abs_": ((), {}),
    "acos_": ((), UNIT),
    "acosh_": ((), {"low": 1.1, "high": 3.0}),
    "arccos_": ((), UNIT),
    "arccosh_": ((), {"low": 1.1, "high": 3.0}),
    "arcsin_": ((), UNIT),
    "arcsinh_": ((), {}),
    "arctan_": ((), {}),
    "arctanh_": ((), UNIT),
    "asin_": ((), UNIT),
    "asinh_": ((), {}),
    "atan_": ((), {}),
    "atanh_": ((), UNIT),
    "ceil_": ((), {}),
    "clamp_": ((-0.5, 0.7), {}),
    "clamp_max_": ((0.3,), {}),
    "clamp_min_": ((0.3,), {}),
    "clip_": ((-0.5, 0.7), {}),
    "cos_": ((), {}),
    "cosh_": ((), {}),
    "deg2rad_": ((), {}),
    "erf_": ((), {}),
    "erfc_": ((), {}),
    "exp2_": ((), {}),
    "exp_": ((), {}),
    "expm1_": ((), {}),
    "fill_": ((1.5,), {}),
    "fix_": ((), {}),
    "floor_": ((), {}),
    "frac_": ((), {}),
    "i0_": ((), {}),
    "log10_": ((), POS),
    "log1p_": ((), POS),
    "log2_": ((), POS),
    "log_": ((), POS),
    "logit_": ((), {"low": 0.1, "high": 0.9}),
    "nan_to_num_": ((), {}),
    "neg_": ((), {}),
    "negative_": ((), {}),
    "rad2deg_": ((), {}),
    "reciprocal_": ((), POS),
    "round_": ((), {}),
    "rsqrt_": ((), POS),
    "sigmoid_": ((), {}),
    "sin_": ((), {}),
    "sinc_": ((), {}),
    "sinh_": ((), {}),
    "sqrt_": ((), POS),
    "square_": ((), {}),
    "tan_": ((), {"low": -1.0, "high": 1.0}),
    "tanh_": ((), {}),
    "trunc_": ((), {}),
}


# torch has no derivative for these in-place forms ("not implemented"): values are compared
NO_TORCH_GRAD = {"acosh_", "arccosh_", "asinh_", "arcsinh_", "atanh_", "arctanh_"}


def _inplace_case(name: str, args: tuple, opts: dict) -> Case:
    def call(L: Any, x: Any) -> Any:
        y = x.clone()
        out = getattr(L, name)(y, *args)
        assert out is y, f"torch.{name} must return its input"
        return out

    grad = {"grad": False} if name in NO_TORCH_GRAD else {}
    return Case(call, opts={"rtol": 1e-4, **opts, **grad})


CASES: dict[str, Case] = {name: _inplace_case(name, *spec) for name, spec in INPLACE.items()}


def _same(L: Any, fn: Callable[[Any], Any]) -> Callable[..., Any]:
    return fn


CASES.update(
    {
        # in-place functions with other operands
        "addmv_": Case(
            lambda L, x, m, v: L.addmv_(x.clone(), m, v, beta=0.5, alpha=2.0),
            [(3,), (3, 4), (4,)],
            {"rtol": 1e-4},
        ),
        "xlogy_": Case(lambda L, x, y: L.xlogy_(x.clone(), y), [(3, 4), (3, 4)], POS),
        # (torch's gradient through a negative integer exponent is 0, its integer 2 ** -1)
        "ldexp_": Case(lambda L, x: L.ldexp_(x.clone(), L.tensor([1, 2, 0, 3]))),
        "gcd_": Case(lambda L, a, b: L.gcd_(a.clone(), b), [I(12, 7, 0, -8), I(18, 21, 5, 6)]),
        "lcm_": Case(lambda L, a, b: L.lcm_(a.clone(), b), [I(12, 7, 0, -8), I(18, 21, 5, 6)]),
        "index_put_": Case(
            lambda L, x, v: L.index_put_(x.clone(), (L.tensor([0, 2]),), v, True), [(3, 4), (4,)]
        ),
        "resize_as_": Case(
            lambda L, x: L.resize_as_(x.detach().clone(), L.zeros(2, 6)).reshape(-1)[:12],
            [(3, 4)],
            {"grad": False},
        ),
        # comparisons under their long names (the same objects as ge, le, ne)
        "greater_equal": Case(lambda L, a, b: L.greater_equal(a, b), [(3, 4), (4,)]),
        "less_equal": Case(lambda L, a, b: L.less_equal(a, b), [(3, 4), (4,)]),
        "not_equal": Case(lambda L, a: L.not_equal(a, L.round(a))),
        # fill / zero_ / detach
        "fill": Case(
            lambda L, x, v: (L.fill(x, 1.5), L.fill(x, v.sum()), L.fill(L.tensor([1, 2]), 2.7)),
            [(3, 4), (2,)],
        ),
        "zero_": Case(lambda L, x: L.zero_(x * 1) + x),
        "detach": Case(lambda L, x: L.detach(x) * x),
        "detach_": Case(lambda L, x: L.detach_(x * 2) * x),
        # (torch's output requires grad but has no derivative; nablagrad's is detached)
        "detach_copy": Case(lambda L, x: L.detach_copy(x), opts={"grad": False}),
        # *_copy: the view as a new tensor, with the view's gradient
        "view_copy": Case(lambda L, x: L.view_copy(x, (2, 6)) * 2),
        "permute_copy": Case(lambda L, x: L.permute_copy(x, (2, 0, 1)), [(2, 3, 4)]),
        "transpose_copy": Case(lambda L, x: L.transpose_copy(x, 0, -1), [(2, 3, 4)]),
        "t_copy": Case(lambda L, x: L.t_copy(x)),
        "expand_copy": Case(lambda L, x: L.expand_copy(x, (2, -1, 4)), [(3, 1)]),
        "squeeze_copy": Case(
            lambda L, x: (L.squeeze_copy(x), L.squeeze_copy(x, 0), L.squeeze_copy(x, 2)),
            [(1, 3, 1)],
        ),
        "unsqueeze_copy": Case(lambda L, x: L.unsqueeze_copy(x, -1)),
        "select_copy": Case(lambda L, x: L.select_copy(x, 1, -2)),
        "slice_copy": Case(
            lambda L, x: (L.slice_copy(x, 1, 1, None, 2), L.slice_copy(x), L.slice_copy(x, 0, -2))
        ),
        "diagonal_copy": Case(lambda L, x: L.diagonal_copy(x, 1, 0, 2), [(3, 2, 4)]),
        "unfold_copy": Case(lambda L, x: L.unfold_copy(x, 1, 2, 1)),
        "narrow_copy": Case(lambda L, x: L.narrow_copy(x, 1, 1, 2)),
        "alias_copy": Case(lambda L, x: L.alias_copy(x) * x),
        "as_strided_copy": Case(lambda L, x: L.as_strided_copy(x, (2, 2), (1, 3), 1)),
        "unbind_copy": Case(lambda L, x: L.unbind_copy(x, 1)),
        "split_copy": Case(lambda L, x: L.split_copy(x, 3, 1)),
        "split_with_sizes_copy": Case(lambda L, x: L.split_with_sizes_copy(x, [1, 3], 1)),
        "unsafe_chunk": Case(lambda L, x: L.unsafe_chunk(x, 3, 1)),
        "unsafe_split": Case(lambda L, x: L.unsafe_split(x, 2)),
        "unsafe_split_with_sizes": Case(lambda L, x: L.unsafe_split_with_sizes(x, [3, 1], -1)),
        "T.unsafe_chunk": Case(lambda L, x: x.unsafe_chunk(3, 1) + x.unsafe_chunk(2)),
        "T.unsafe_split": Case(lambda L, x: x.unsafe_split(2) + x.unsafe_split(3, dim=1)),
        "T.unsafe_split_with_sizes": Case(
            lambda L, x: x.unsafe_split_with_sizes([3, 1], -1) + x.unsafe_split_with_sizes([1, 2])
        ),
        # norms kept for JIT compatibility
        "nuclear_norm": Case(
            lambda L, x, y: (
                L.nuclear_norm(x),
                L.nuclear_norm(y, (0, 2), True),
                L.nuclear_norm(x, True),
            ),
            [(3, 4), (3, 2, 4)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "norm_except_dim": Case(
            lambda L, x: (
                L.norm_except_dim(x, 2, 1),
                L.norm_except_dim(x, 3, 0),
                L.norm_except_dim(x, 2, -1),
            ),
            [(2, 3, 4)],
            {"rtol": 1e-4},
        ),
        # convolutions
        "conv1d": Case(
            lambda L, x, w, b: L.conv1d(x, w, b, 2, 1, 1, 2),
            [(2, 4, 7), (6, 2, 3), (6,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "conv2d": Case(
            lambda L, x, w: L.conv2d(x, w, None, 1, "same", 2),
            [(1, 2, 5, 5), (3, 2, 3, 3)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "conv3d": Case(
            lambda L, x, w, b: L.conv3d(x, w, b, 1, 1),
            [(1, 2, 3, 4, 3), (2, 2, 2, 2, 2), (2,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "conv_transpose1d": Case(
            lambda L, x, w, b: L.conv_transpose1d(x, w, b, 2, 1, 1),
            [(2, 2, 5), (2, 3, 3), (3,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "conv_transpose2d": Case(
            lambda L, x, w: L.conv_transpose2d(x, w, None, 2, 0, 0, 2),
            [(1, 4, 3, 3), (4, 1, 2, 2)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "conv_transpose3d": Case(
            lambda L, x, w: L.conv_transpose3d(x, w),
            [(1, 2, 2, 3, 2), (2, 2, 2, 2, 2)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "convolution": Case(
            lambda L, x, w, wt, b: (
                L.convolution(x, w, b, [1, 2], [1, 0], [1, 1], False, [0, 0], 1),
                L.convolution(x, wt, None, [2, 1], [0, 1], [1, 1], True, [1, 0], 1),
            ),
            [(1, 2, 4, 5), (3, 2, 3, 2), (2, 3, 2, 3), (3,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "conv_tbc": Case(
            lambda L, x, w, b: L.conv_tbc(x, w, b, 1),
            [(6, 2, 3), (3, 3, 4), (4,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        # pooling (stride defaults to the kernel; ATen's empty list)
        "max_pool1d": Case(
            lambda L, x: (L.max_pool1d(x, 2), L.max_pool1d(x, 3, 2, 1, 1, True)), [(2, 3, 7)]
        ),
        "max_pool1d_with_indices": Case(
            lambda L, x: L.max_pool1d_with_indices(x, 2, [], 1), [(2, 3, 7)]
        ),
        "max_pool2d": Case(lambda L, x: L.max_pool2d(x, (2, 3), [1, 2], 1), [(2, 3, 5, 6)]),
        "max_pool3d": Case(lambda L, x: L.max_pool3d(x, 2, ceil_mode=True), [(1, 2, 3, 4, 5)]),
        "avg_pool1d": Case(
            lambda L, x: (L.avg_pool1d(x, 3), L.avg_pool1d(x, 3, 2, 1, True, False)), [(2, 3, 7)]
        ),
        "adaptive_avg_pool1d": Case(lambda L, x: L.adaptive_avg_pool1d(x, 3), [(2, 3, 7)]),
        "adaptive_max_pool1d": Case(lambda L, x: L.adaptive_max_pool1d(x, [4]), [(2, 3, 7)]),
        # normalisation (ATen's orders)
        "batch_norm": Case(
            lambda L, x, w, b: (
                L.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, True),
                L.batch_norm(x, None, b, L.zeros(3) + 0.5, L.ones(3) * 2, False, 0.1, 1e-3, False),
            ),
            [(4, 3, 5), (3,), (3,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "instance_norm": Case(
            lambda L, x, w, b: (
                L.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, True),
                L.instance_norm(x, None, None, L.zeros(3), L.ones(3), False, 0.1, 1e-5, True),
            ),
            [(2, 3, 5), (3,), (3,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "layer_norm": Case(
            lambda L, x, w, b: (L.layer_norm(x, [4], w, b, 1e-3, False), L.layer_norm(x, (3, 4))),
            [(2, 3, 4), (4,), (4,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "group_norm": Case(
            lambda L, x, w, b: L.group_norm(x, 2, w, b, 1e-5, True),
            [(2, 4, 3), (4,), (4,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "native_layer_norm": Case(
            lambda L, x, w, b: (
                *L.native_layer_norm(x, [4], w, b, 1e-3),
                *L.native_layer_norm(x, (3, 4), None, None, 1e-5),
            ),
            [(2, 3, 4), (4,), (4,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "native_batch_norm": Case(
            lambda L, x, w, b: (
                *L.native_batch_norm(x, w, b, None, None, True, 0.1, 1e-5),
                *L.native_batch_norm(x[0].t(), None, None, L.zeros(3), L.ones(3), True, 0.1, 1e-5),
                *L.native_batch_norm(x, w, b, L.ones(3), L.ones(3) * 2, False, 0.1, 1e-5),
            ),
            [(2, 3, 4), (3,), (3,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "native_group_norm": Case(
            lambda L, x, w, b: (
                *L.native_group_norm(x, w, b, 2, 4, 3, 2, 1e-5),
                *L.native_group_norm(x.reshape(2, 4, 3, 1), None, None, 2, 4, 3, 4, 1e-3),
            ),
            [(2, 4, 3), (4,), (4,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "rms_norm": Case(
            lambda L, x, w: (L.rms_norm(x, [4], w, 1e-3), L.rms_norm(x, (3, 4))),
            [(2, 3, 4), (4,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        # embeddings
        "embedding": Case(
            lambda L, w, i: (L.embedding(w, i), L.embedding(w, i, 2, True), L.embedding(w, i, -1)),
            [(5, 3), np.array([[0, 2, 2], [4, 2, 1]])],
        ),
        "bilinear": Case(
            lambda L, a, b, w, c: L.bilinear(a, b, w, c),
            [(2, 3), (2, 4), (5, 3, 4), (5,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        # activations
        "celu": Case(lambda L, x: (L.celu(x), L.celu(x, 0.5))),
        "celu_": Case(lambda L, x: L.celu_(x.clone(), 2.0)),
        "selu": Case(lambda L, x: L.selu(x)),
        "selu_": Case(lambda L, x: L.selu_(x.clone())),
        "rrelu": Case(lambda L, x: (L.rrelu(x), L.rrelu(x, 0.1, 0.3, False))),
        "rrelu_": Case(lambda L, x: L.rrelu_(x.clone(), 0.2, 0.4)),
        "hardshrink": Case(lambda L, x: (L.hardshrink(x), L.hardshrink(x, 1.0))),
        "threshold": Case(lambda L, x: L.threshold(x, 0.3, -2.0)),
        "threshold_": Case(lambda L, x: L.threshold_(x.clone(), 0.3, -2.0)),
        "prelu": Case(lambda L, x, w: L.prelu(x, w), [(2, 3, 4), (3,)]),
        # shuffles, distances, padding, sampling
        "pixel_shuffle": Case(lambda L, x: L.pixel_shuffle(x, 2), [(1, 8, 2, 3)]),
        "pixel_unshuffle": Case(lambda L, x: L.pixel_unshuffle(x, 2), [(1, 2, 4, 6)]),
        "channel_shuffle": Case(lambda L, x: L.channel_shuffle(x, 2), [(1, 6, 2, 2)]),
        "native_channel_shuffle": Case(  # torch: no derivative
            lambda L, x: L.native_channel_shuffle(x, 3), [(2, 6, 3)], {"grad": False}
        ),
        "pdist": Case(lambda L, x: (L.pdist(x), L.pdist(x, 1.5)), [(4, 3)], {"rtol": 1e-4}),
        "cosine_similarity": Case(
            lambda L, a, b: (L.cosine_similarity(a, b), L.cosine_similarity(a, b, 0, 1e-6)),
            [(3, 4), (3, 4)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "pairwise_distance": Case(
            lambda L, a, b: (L.pairwise_distance(a, b), L.pairwise_distance(a, b, 1.0, 1e-6, True)),
            [(3, 4), (3, 4)],
            {"rtol": 1e-4},
        ),
        "constant_pad_nd": Case(lambda L, x: L.constant_pad_nd(x, [1, 2, -1, 1], 0.5), [(2, 3, 4)]),
        "grid_sampler": Case(
            lambda L, x, g: (
                L.grid_sampler(x, g, 0, 0, False),
                L.grid_sampler(x, g, 1, 1, True),
                L.grid_sampler(x, g, 0, 2, False),
            ),
            [(1, 2, 4, 5), (1, 3, 2, 2)],
            {"low": -1.0, "high": 1.0, "rtol": 1e-4, "atol": 1e-5},
        ),
        "affine_grid_generator": Case(
            lambda L, t: (
                L.affine_grid_generator(t, [2, 1, 3, 4], False),
                L.affine_grid_generator(t, [2, 3, 2, 2], True),
            ),
            [(2, 2, 3)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        # losses (reduction: 0 none, 1 mean, 2 sum)
        "cosine_embedding_loss": Case(
            lambda L, a, b: (
                L.cosine_embedding_loss(a, b, L.tensor([1.0, -1.0, -1.0])),
                L.cosine_embedding_loss(a, b, L.tensor([1.0, -1.0, 1.0]), 0.1, 1),
            ),
            [(3, 4), (3, 4)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "margin_ranking_loss": Case(
            lambda L, a, b: (
                L.margin_ranking_loss(a, b, L.tensor([1.0, -1.0, 1.0, -1.0])),
                L.margin_ranking_loss(a, b, L.tensor([1.0, 1.0, -1.0, -1.0]), 0.5, 2),
            ),
            [(4,), (4,)],
        ),
        "hinge_embedding_loss": Case(
            lambda L, x: (
                L.hinge_embedding_loss(x, L.tensor([1.0, -1.0, -1.0, 1.0])),
                L.hinge_embedding_loss(x, L.tensor([-1.0, -1.0, 1.0, 1.0]), 0.5, 1),
            ),
            [(4,)],
        ),
        "triplet_margin_loss": Case(
            lambda L, a, p, n: (
                L.triplet_margin_loss(a, p, n),
                L.triplet_margin_loss(a, p, n, 0.5, 1.0, 1e-6, True, 1),
            ),
            [(3, 4), (3, 4), (3, 4)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "poisson_nll_loss": Case(
            lambda L, x, t: (
                L.poisson_nll_loss(x, t, True, False, 1e-8, 1),
                L.poisson_nll_loss(x.abs(), t, False, True, 1e-6, 0),
            ),
            [(3, 4), (3, 4)],
            {"rtol": 1e-4, "atol": 1e-5, "low": 0.2, "high": 3.0},
        ),
        "kl_div": Case(
            lambda L, x, t: (
                L.kl_div(x, t),
                L.kl_div(x, t.log(), 2, log_target=True),
                L.kl_div(x, t, 1),
            ),
            [(3, 4), (3, 4)],
            {"rtol": 1e-4, "atol": 1e-5, "low": 0.1, "high": 1.0},
        ),
        "ctc_loss": Case(
            lambda L, x: (
                L.ctc_loss(x.log_softmax(2), L.tensor([[1, 2], [2, 2]]), [5, 4], [2, 2]),
                L.ctc_loss(
                    x.log_softmax(2), L.tensor([1, 2, 2]), L.tensor([5, 4]), L.tensor([2, 1]), 0, 1
                ),
                L.ctc_loss(x.log_softmax(2), L.tensor([[1, 2], [2, 2]]), [5, 4], [2, 2], 0, 2),
            ),
            [(5, 2, 3)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "binary_cross_entropy_with_logits": Case(
            lambda L, x, t, w, pw: (
                L.binary_cross_entropy_with_logits(x, t),
                L.binary_cross_entropy_with_logits(x, t, w.detach(), pw.detach(), 1),
                L.binary_cross_entropy_with_logits(x, t, None, pw.detach(), 2),
            ),
            [(3, 4), (3, 4), (4,), (4,)],
            {"rtol": 1e-4, "atol": 1e-5, "low": 0.1, "high": 1.0},
        ),
        # recurrent cells
        "rnn_tanh_cell": Case(
            lambda L, x, h, wi, wh, bi, bh: (
                L.rnn_tanh_cell(x, h, wi, wh, bi, bh),
                L.rnn_tanh_cell(x[:1], h[:1], wi, wh),
            ),
            [(2, 3), (2, 4), (4, 3), (4, 4), (4,), (4,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "rnn_relu_cell": Case(
            lambda L, x, h, wi, wh, bi, bh: L.rnn_relu_cell(x, h, wi, wh, bi, bh),
            [(2, 3), (2, 4), (4, 3), (4, 4), (4,), (4,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "lstm_cell": Case(
            lambda L, x, h, c, wi, wh, bi, bh: (
                *L.lstm_cell(x, (h, c), wi, wh, bi, bh),
                *L.lstm_cell(x[1:], [h[1:], c[1:]], wi, wh),
            ),
            [(2, 3), (2, 2), (2, 2), (8, 3), (8, 2), (8,), (8,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
        "gru_cell": Case(
            lambda L, x, h, wi, wh, bi, bh: (
                L.gru_cell(x, h, wi, wh, bi, bh),
                L.gru_cell(x[:1], h[:1], wi, wh, None, bh),
            ),
            [(2, 3), (2, 2), (6, 3), (6, 2), (6,), (6,)],
            {"rtol": 1e-4, "atol": 1e-5},
        ),
    }
)


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch(name):
    case = CASES[name]
    check_op(
        lambda *xs: case.call(ng, *xs),
        lambda *xs: case.call(torch, *xs),
        case.inputs,
        **{"atol": 1e-5, "rtol": 1e-5, **case.opts},
    )


# -- behaviour: facts, warnings, errors ----------------------------------------------------------

BEHAVIOUR = set()


def covers(*names: str) -> Callable:
    BEHAVIOUR.update(names)
    return lambda fn: fn


@covers(
    "is_nonzero", "is_same_size", "is_signed", "is_complex", "is_inference", "is_conj", "is_neg"
)
def test_predicates_match_torch():
    arrays = [
        np.array([0.0]),
        np.array([2]),
        np.array(3.5),
        np.array([True]),
        np.array([0], np.uint8),
    ]
    arrays += [np.zeros((2, 3), np.float32), np.array([False])]
    for a in arrays:
        x, t = ng.tensor(a), torch.tensor(a)
        for name in ("is_signed", "is_complex", "is_inference", "is_conj", "is_neg"):
            assert getattr(ng, name)(x) == getattr(torch, name)(t), (name, a.dtype)
        assert ng.is_same_size(x, ng.zeros(2, 3)) == torch.is_same_size(t, torch.zeros(2, 3))
        if a.size == 1:
            assert ng.is_nonzero(x) == torch.is_nonzero(t)
    for lib in (ng, torch):
        with pytest.raises(RuntimeError, match="more than one value"):
            lib.is_nonzero(lib.tensor([1.0, 2.0]))
        with pytest.raises(RuntimeError, match="no values"):
            lib.is_nonzero(lib.tensor([]))


@covers("conj", "conj_physical", "conj_physical_", "resolve_conj", "resolve_neg")
def test_conjugates_of_real_tensors_match_torch():
    for lib in (ng, torch):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        i = lib.tensor([1, 2])
        for name in ("conj", "conj_physical", "resolve_conj", "resolve_neg"):
            fn = getattr(lib, name)
            assert fn(x) is x and getattr(x, name)() is x, name
            assert fn(i) is i and fn(i).dtype == lib.int64
        y = lib.ones(2)
        assert lib.conj_physical_(y) is y and y.conj_physical_() is y
        out = lib.empty(2)
        assert lib.conj_physical(y, out=out) is out and out.tolist() == [1.0, 1.0]
        assert not lib.conj(x).is_conj()
        with pytest.raises(TypeError, match="Tensor"):
            lib.conj(3.0)


@covers("angle")
def test_angle_real_values_dtype_and_zero_gradient():
    values = [-2.0, -0.0, 0.0, 3.0, math.nan, math.inf, -math.inf]
    x, t = ng.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    y, u = ng.angle(x), torch.angle(t)
    np.testing.assert_allclose(y.detach().numpy(), u.detach().numpy(), rtol=1e-7)
    assert y.grad_fn.name() == u.grad_fn.name() == "AngleBackward0"
    y.sum().backward()
    u.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())  # zeros
    for ints in ([-3, 0, 2], [True, False]):
        a, b = ng.angle(ng.tensor(ints)), torch.angle(torch.tensor(ints))
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-7)
    np.testing.assert_allclose(ng.tensor([-1.0]).angle().numpy(), [math.pi], rtol=1e-7)


@covers("range")
def test_range_is_end_inclusive_and_warns():
    for args, kw in [((1, 4), {}), ((0, 1, 0.3), {}), ((-1.5, 2), {}), ((5, 1, -2), {}),
                     ((1, 4), {"dtype": "int64"}), ((0, 0), {})]:  # fmt: skip
        dt = kw.get("dtype")
        with pytest.warns(UserWarning, match="torch.range is deprecated"):
            ours = ng.range(*args, **({"dtype": ng.int64} if dt else {}))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = torch.range(*args, **({"dtype": torch.int64} if dt else {}))
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lib in (ng, torch):
            with pytest.raises(RuntimeError, match="step must be nonzero"):
                lib.range(1, 4, 0)
            with pytest.raises(RuntimeError, match="inconsistent with step sign"):
                lib.range(4, 1)


@covers("empty_strided")
def test_empty_strided_shape_stride_dtype():
    for size, stride in [
        ((2, 3), (1, 2)),
        ((2, 3), (3, 1)),
        ((4,), (2,)),
        ((0, 3), (3, 1)),
        ((), ()),
    ]:
        ours = ng.empty_strided(size, stride, dtype=ng.float64, requires_grad=True)
        theirs = torch.empty_strided(size, stride, dtype=torch.float64, requires_grad=True)
        assert tuple(ours.shape) == tuple(theirs.shape)
        if all(size):
            assert ours.stride() == theirs.stride()
        assert ours.dtype == ng.float64 and ours.requires_grad and ours.is_leaf
    assert ng.empty_strided((2,), (1,)).dtype == ng.float32


@covers("empty_permuted")
def test_empty_permuted_strides_dtype_and_errors_like_torch():
    for size, order in [
        ((2, 3, 5, 7), (0, 2, 3, 1)),
        ((2, 3, 5, 7), (0, 1, 2, 3)),
        ((2, 3, 4), (2, 0, 1)),
        ((2, 0, 3), (2, 1, 0)),
        ((4,), (0,)),
        ((), ()),
    ]:
        ours = ng.empty_permuted(size, order, dtype=ng.float64, requires_grad=True)
        theirs = torch.empty_permuted(size, order, dtype=torch.float64, requires_grad=True)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert ours.stride() == theirs.stride(), (size, order)
        assert ours.dtype == ng.float64 and ours.requires_grad and ours.is_leaf
    assert ng.empty_permuted((2, 3), (1, 0)).dtype == ng.float32
    assert ng.empty_permuted((2, 3), [1, 0], dtype=ng.int64).dtype == ng.int64
    for size, order, match in [
        ((2, 3), (0,), "does not match the length"),
        ((2, 3), (0, 0), "Duplicate dim"),
        ((2, 3), (0, 2), "out of range"),
        ((2, 3), (1, -1), "out of range"),
    ]:
        for lib in (ng, torch):
            with pytest.raises(RuntimeError, match=match):
                lib.empty_permuted(size, order)


@covers("as_strided_")
def test_as_strided_inplace_function_like_torch():
    for lib in (ng, torch):
        x = lib.arange(6.0)
        assert lib.as_strided_(x, (2, 2), (1, 2), 1) is x
        np.testing.assert_array_equal(x.numpy(), [[1.0, 3.0], [2.0, 4.0]])
        with pytest.raises(RuntimeError):
            lib.as_strided_(lib.ones(3, requires_grad=True), (2,), (1,))


def _scatter_inputs(lib):
    base = lib.arange(10.0)
    return [
        (lib.zeros(6), lib.ones(2, 2), (2, 2), (3, 1), None),
        (lib.arange(6.0).reshape(2, 3).t(), lib.full((2,), -1.0), (2,), (1,), 1),
        (base[2:8], lib.full((2,), -1.0), (2,), (1,), None),  # a view: its own offset
        (base[2:8], lib.full((2,), -1.0), (2,), (1,), 3),  # offsets count in its storage
        (lib.zeros(4), lib.tensor([1, 2]), (2,), (2,), 1),  # int src cast to float
        (lib.zeros(2, 3, dtype=lib.float64), lib.ones(3, 1), (3, 1), (1, 1), 2),
    ]


def test_as_strided_scatter_values_match_torch():
    for ours, theirs in zip(_scatter_inputs(ng), _scatter_inputs(torch)):
        x, src, size, stride, off = ours
        got = ng.as_strided_scatter(x, src, size, stride, off)
        want = torch.as_strided_scatter(theirs[0], theirs[1], size, stride, off)
        assert got.dtype == ng.float64 if want.dtype == torch.float64 else got.dtype == ng.float32
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        assert got.stride() == want.stride()
        method = x.as_strided_scatter(src, size, stride, off)
        np.testing.assert_array_equal(method.numpy(), want.numpy())
        assert got.data_ptr() != x.data_ptr()  # fresh storage, input untouched
    with ng.no_grad():  # overlapping view: the last write wins, as torch's
        got = ng.as_strided_scatter(
            ng.zeros(4), ng.tensor([[1.0, 2.0], [3.0, 4.0]]), (2, 2), (1, 1)
        )
    want = torch.as_strided_scatter(
        torch.zeros(4), torch.tensor([[1.0, 2.0], [3.0, 4.0]]), (2, 2), (1, 1)
    )
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_as_strided_scatter_gradients():
    """d/dsrc matches torch's; d/dinput is the upstream gradient with the overwritten elements
    zeroed (checked numerically: torch 2.13's own backward returns the complement, and fails
    its gradcheck)."""
    rng = np.random.default_rng(0)
    a, s = rng.standard_normal(6), rng.standard_normal((2, 2))
    g = rng.standard_normal(6)
    x, src = ng.tensor(a, requires_grad=True), ng.tensor(s, requires_grad=True)
    y = ng.as_strided_scatter(x, src, (2, 2), (3, 1))
    gx, gs = ng.autograd.grad(y, (x, src), ng.tensor(g), create_graph=True)
    np.testing.assert_array_equal(gx.detach().numpy(), g * [0, 0, 1, 0, 0, 1])
    tx, ts = torch.tensor(a, requires_grad=True), torch.tensor(s, requires_grad=True)
    ty = torch.as_strided_scatter(tx, ts, (2, 2), (3, 1))
    np.testing.assert_array_equal(
        gs.detach().numpy(), torch.autograd.grad(ty, ts, torch.tensor(g))[0]
    )
    assert ng.autograd.gradcheck(lambda x, s: ng.as_strided_scatter(x, s, (2, 2), (3, 1)), (x, src))
    assert ng.autograd.gradgradcheck(
        lambda x, s: ng.as_strided_scatter(x, s, (2, 2), (3, 1)), (x, src)
    )
    with pytest.raises(RuntimeError, match="share a storage slot"):
        ng.as_strided_scatter(x, ng.ones(2, 2), (2, 2), (1, 1))


def test_as_strided_scatter_errors():
    for lib in (ng, torch):
        with pytest.raises(RuntimeError, match="expected src to have a size equal"):
            lib.as_strided_scatter(lib.zeros(4), lib.ones(3), (2,), (1,))
        with pytest.raises(RuntimeError, match="out of bounds for storage"):
            lib.as_strided_scatter(lib.zeros(4), lib.ones(2), (2,), (1,), 3)
    with pytest.raises(RuntimeError, match="not elements of input"):
        ng.as_strided_scatter(ng.arange(10.0)[2:8], ng.ones(2), (2,), (1,), 1)
    with pytest.raises(TypeError, match="src"):
        ng.as_strided_scatter(ng.zeros(4), [1.0, 2.0], (2,), (1,))


def test_native_norm_statistics_carry_gradients_as_torch():
    for lib in (ng, torch):
        x = lib.ones(2, 4, 3).requires_grad_()
        flags = [t.requires_grad for t in lib.native_layer_norm(x, [3], None, None, 1e-5)]
        assert flags == [True, False, False]
        flags = [
            t.requires_grad
            for t in lib.native_batch_norm(x, None, None, None, None, True, 0.1, 1e-5)
        ]
        assert flags == [True, False, False]
        flags = [t.requires_grad for t in lib.native_group_norm(x, None, None, 2, 4, 3, 2, 1e-5)]
        assert flags == [True, True, True]
        for bad in [(2, 4, 5, 2), (2, 4, 3, 3)]:
            with pytest.raises(RuntimeError, match="N \\* C \\* HxW|divisible by num_groups"):
                lib.native_group_norm(x, None, None, *bad, 1e-5)
    with pytest.raises(RuntimeError, match="running_mean and running_var"):
        ng.native_batch_norm(ng.ones(2, 3), None, None, None, None, False, 0.1, 1e-5)


@covers("native_dropout")
def test_native_dropout_mask_and_scale_like_torch():
    ng.manual_seed(0)
    x = ng.ones(200, 50, requires_grad=True)
    for lib, t in ((ng, x), (torch, torch.ones(200, 50, requires_grad=True))):
        out, mask = lib.native_dropout(t, 0.3, True)
        assert mask.dtype == lib.bool and not mask.requires_grad and out.requires_grad
        assert abs(mask.float().mean().item() - 0.7) < 0.02
        np.testing.assert_allclose(out.detach().numpy(), mask.numpy() / 0.7, rtol=1e-6)
        out.sum().backward()
        np.testing.assert_allclose(t.grad.numpy(), mask.numpy() / 0.7, rtol=1e-6)
        for train in (None, True):
            assert lib.native_dropout(t, 0.5, train)[1].float().mean().item() < 0.6
        kept, all_true = lib.native_dropout(t, 0.3, False)
        assert bool(all_true.all()) and kept.data_ptr() != t.data_ptr()
        np.testing.assert_array_equal(kept.detach().numpy(), t.detach().numpy())
        zeros, none_kept = lib.native_dropout(t, 1.0, True)
        assert not bool(none_kept.any()) and float(zeros.detach().abs().sum()) == 0.0
        with pytest.raises(RuntimeError, match=r"between 0 and 1|\[0, 1\]"):
            lib.native_dropout(t, 1.5, True)


@covers("frobenius_norm")
def test_frobenius_norm_values_gradient_and_warning():
    a = np.random.default_rng(0).uniform(-2, 2, (2, 3, 4)).astype(np.float32)
    for dim, keep in [((1, 2), False), ([0], True), (2, False)]:
        with pytest.warns(UserWarning, match="frobenius_norm is deprecated"):
            x = ng.tensor(a, requires_grad=True)
            y = ng.frobenius_norm(x, dim, keep)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = torch.tensor(a, requires_grad=True)
            u = torch.frobenius_norm(t, dim, keep)
        np.testing.assert_allclose(y.detach().numpy(), u.detach().numpy(), rtol=1e-5)
        y.sum().backward()
        u.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5)


@covers("solve", "lstsq", "symeig", "eig", "matrix_rank")
def test_removed_functions_raise_like_torch():
    A = np.eye(2, dtype=np.float32)
    for name, args in [("solve", 2), ("lstsq", 2), ("symeig", 1), ("eig", 1), ("matrix_rank", 1)]:
        msgs = []
        for lib in (ng, torch):
            with pytest.raises(RuntimeError) as err:
                getattr(lib, name)(*[lib.tensor(A)] * args)
            msgs.append(str(err.value))
        assert msgs[0] == msgs[1], name
        assert "torch.linalg" in msgs[0]


@covers("zero_", "fill", "detach_copy", "alias_copy", "view_copy")
def test_zero_fill_and_copies_semantics():
    x = ng.ones(2, 3, requires_grad=True)
    d = ng.detach_copy(x)
    assert not d.requires_grad and not np.shares_memory(d.numpy(), x.detach().numpy())
    for fn in (ng.alias_copy, lambda t: ng.view_copy(t, (6,))):
        c = fn(x)
        assert c.requires_grad and not np.shares_memory(c.detach().numpy(), x.detach().numpy())
    x = ng.ones(3)
    assert ng.zero_(x) is x and not x.numpy().any()
    for lib in (ng, torch):
        with pytest.raises(RuntimeError, match="0-dimension"):
            lib.fill(lib.ones(2), lib.ones(2))
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    y = ng.fill(x, 3.0)
    assert y.requires_grad  # as torch: connected to x, with a zero gradient
    y.sum().backward()
    assert not x.grad.numpy().any()


@covers("dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_dropout",
        "feature_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_")  # fmt: skip
def test_dropouts_aten_signatures():
    ng.manual_seed(0)
    x = ng.ones(200, 8, 3)
    for name in ("dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout"):
        assert getattr(ng, name)(x, 0.5, False) is x  # train=False: the input itself
        assert getattr(ng, name)(x, 0.0, True).equal(x)
    y = ng.dropout(x, 0.25, True).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)} and 0.2 < (y == 0).mean() < 0.3
    f = ng.feature_dropout(x, 0.5, True).numpy()
    assert (f == f[:, :, :1]).all() and 0.4 < (f == 0).mean() < 0.6  # whole channels
    a = ng.feature_alpha_dropout(x, 0.5, True).numpy()
    assert (a == a[:, :, :1]).all()
    for name in ("dropout_", "alpha_dropout_", "feature_dropout_", "feature_alpha_dropout_"):
        z = ng.ones(4, 6, 2)
        assert getattr(ng, name)(z, 0.5, True) is z
        assert not (z.numpy() == 1).all()
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ng.feature_dropout(ng.ones(4), 0.5, True)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        torch.feature_dropout(torch.ones(4), 0.5, True)


@covers("embedding_renorm_")
def test_embedding_renorm_in_place():
    a = np.random.default_rng(1).uniform(-3, 3, (5, 3)).astype(np.float32)
    idx = np.array([0, 3, 3, 4])
    w, t = ng.tensor(a), torch.tensor(a)
    assert ng.embedding_renorm_(w, ng.tensor(idx), 1.5, 2.0) is w
    torch.embedding_renorm_(t, torch.tensor(idx), 1.5, 2.0)
    np.testing.assert_allclose(w.numpy(), t.numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="integer"):
        ng.embedding_renorm_(w, ng.tensor([0.0]), 1.0, 2.0)


@covers("max_pool1d_with_indices", "adaptive_max_pool1d")
def test_pool_indices_match_torch():
    a = np.random.default_rng(2).uniform(-2, 2, (2, 3, 9)).astype(np.float32)
    ours = ng.max_pool1d_with_indices(ng.tensor(a), 3, [], 1, 2, True)[1]
    theirs = torch.max_pool1d_with_indices(torch.tensor(a), 3, [], 1, 2, True)[1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours = ng.adaptive_max_pool1d(ng.tensor(a), 4)[1]
    np.testing.assert_array_equal(ours.numpy(), torch.adaptive_max_pool1d(torch.tensor(a), 4)[1])


@covers("cosine_embedding_loss", "kl_div", "ctc_loss")
def test_int_reduction_default_and_check():
    a = np.random.default_rng(3).uniform(0.1, 1, (3, 4)).astype(np.float32)
    for name in ("kl_div", "binary_cross_entropy_with_logits"):  # torch's default: 0 (none)
        ours = getattr(ng, name)(ng.tensor(a), ng.tensor(a[::-1].copy()))
        theirs = getattr(torch, name)(torch.tensor(a), torch.tensor(a[::-1].copy()))
        assert tuple(ours.shape) == tuple(theirs.shape) == (3, 4)
    x = ng.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"0 \(none\), 1 \(mean\) or 2 \(sum\)"):
        ng.kl_div(x, x, "mean")
    with pytest.raises(RuntimeError, match="reduction"):
        ng.cosine_embedding_loss(x, x, ng.ones(2), 0.0, 3)


@covers("convolution", "conv_tbc", "grid_sampler", "lstm_cell")
def test_argument_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="weight must be a 3-, 4- or 5-D"):
        ng.convolution(ng.ones(1, 1, 3), ng.ones(2), None, [1], [0], [1], False, [0], 1)
    with pytest.raises(RuntimeError, match="channels"):
        ng.conv_tbc(ng.ones(3, 1, 2), ng.ones(2, 3, 1), ng.zeros(1))
    with pytest.raises(RuntimeError, match="interpolation_mode"):
        ng.grid_sampler(ng.ones(1, 1, 2, 2), ng.zeros(1, 1, 1, 2), 5, 0, False)
    with pytest.raises(RuntimeError, match="pair of tensors"):
        ng.lstm_cell(ng.ones(1, 1), ng.ones(1, 1), ng.ones(4, 1), ng.ones(4, 1))
    for lib in (ng, torch):  # torch's top-level cells take batches only
        with pytest.raises((RuntimeError, IndexError)):
            lib.gru_cell(lib.ones(1), lib.ones(1), lib.ones(3, 1), lib.ones(3, 1))
    with pytest.raises(RuntimeError, match="w_ih must be"):
        ng.gru_cell(ng.ones(1, 1), ng.ones(1, 1), ng.ones(4, 1), ng.ones(4, 1))


@covers("get_float32_matmul_precision", "set_float32_matmul_precision")
def test_float32_matmul_precision_switch():
    assert ng.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == "highest"
    try:
        ng.set_float32_matmul_precision("medium")
        assert ng.get_float32_matmul_precision() == "medium"
        with pytest.warns(UserWarning, match="has no effect"):
            ng.set_float32_matmul_precision("fastest")
        assert ng.get_float32_matmul_precision() == "medium"
    finally:
        ng.set_float32_matmul_precision("highest")


@covers("set_flush_denormal", "set_warn_always", "is_warn_always_enabled")
def test_flush_denormal_and_warn_always():
    assert ng.set_flush_denormal(False) is True
    assert ng.is_warn_always_enabled() is torch.is_warn_always_enabled() is False
    try:
        ng.set_warn_always(True)
        assert ng.is_warn_always_enabled() is True
    finally:
        ng.set_warn_always(False)


@covers("get_num_interop_threads", "set_num_interop_threads")
def test_interop_threads(monkeypatch):
    from nablagrad import runtime

    monkeypatch.setitem(runtime._switches, "interop_threads", None)
    assert ng.get_num_interop_threads() >= 1
    with pytest.raises(RuntimeError, match="positive"):
        ng.set_num_interop_threads(0)
    ng.set_num_interop_threads(3)
    assert ng.get_num_interop_threads() == 3
    with pytest.raises(RuntimeError, match="cannot set number of interop threads"):
        ng.set_num_interop_threads(2)


@covers("set_anomaly_enabled", "is_anomaly_check_nan_enabled")
def test_anomaly_flags_follow_torch():
    def flags(lib: Any) -> tuple:
        return lib.is_anomaly_enabled(), lib.is_anomaly_check_nan_enabled()

    assert flags(ng) == flags(torch) == (False, True)
    try:
        for args in [(True, False), (True,), (False, False), (False,)]:
            ng.set_anomaly_enabled(*args)
            torch.set_anomaly_enabled(*args)
            assert flags(ng) == flags(torch), args
        ng.set_anomaly_enabled(True)
        x = ng.tensor([-1.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="returned nan values"):
            x.sqrt().sum().backward()
        ng.set_anomaly_enabled(True, False)  # on, but without the NaN check
        x.sqrt().sum().backward()
        with ng.autograd.detect_anomaly(check_nan=False):
            assert flags(ng) == (True, False)
        with torch.autograd.detect_anomaly(check_nan=False):
            assert flags(torch) == (True, False)
    finally:
        ng.set_anomaly_enabled(False)
        torch.set_anomaly_enabled(False)
    assert flags(ng) == (False, True)


def test_every_new_name_is_covered():
    names = set(ops_top.__all__) | set(nn_top.__all__)
    missing = sorted(names - set(CASES) - BEHAVIOUR)
    assert not missing, f"top-level functions without a torch comparison here: {missing}"
    for name in names | BEHAVIOUR:
        assert hasattr(torch, name), f"torch has no {name}"
        assert getattr(ng, name) is not None


@covers("get_device", "nonzero_static")
def test_get_device_and_nonzero_static():
    assert ng.get_device(ng.ones(2)) == torch.get_device(torch.ones(2)) == -1
    arrays = [np.array([[0, 1], [2, 0]]), np.array([0.0, 1.5, -2.0, 3.0]), np.array(5.0)]
    for a in arrays:
        for size, fill in [(4, -1), (2, 7), (0, -1)]:
            ours = ng.nonzero_static(ng.tensor(a), size=size, fill_value=fill)
            theirs = torch.nonzero_static(torch.tensor(a), size=size, fill_value=fill)
            assert ours.dtype == ng.int64
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
            method = ng.tensor(a).nonzero_static(size=size, fill_value=fill)
            np.testing.assert_array_equal(method.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="size"):
        ng.nonzero_static(ng.ones(2), size=-1)


def test_functional_reexports_the_top_level_forms_like_torch():
    import torch.nn.functional as tF

    import nablagrad.nn.functional as ngF

    for lib, functional in ((ng, ngF), (torch, tF)):
        assert functional.conv_tbc is lib.conv_tbc
        assert functional.native_channel_shuffle is lib.native_channel_shuffle
        assert {"conv_tbc", "native_channel_shuffle"} <= set(dir(functional))


def test_unsafe_split_takes_an_int_size_like_torch():
    for lib in (ng, torch):
        with pytest.raises(TypeError, match="split_size"):
            lib.unsafe_split(lib.arange(5), [2, 3])
        with pytest.raises(TypeError, match="split_size"):
            lib.arange(5).unsafe_split([2, 3])


@covers("set_deterministic_debug_mode", "get_deterministic_debug_mode")
def test_deterministic_debug_mode_follows_torch():
    try:
        for mode in ("warn", 2, "default", 1, 0, "error"):
            ng.set_deterministic_debug_mode(mode)
            torch.set_deterministic_debug_mode(mode)
            for name in (
                "get_deterministic_debug_mode",
                "are_deterministic_algorithms_enabled",
                "is_deterministic_algorithms_warn_only_enabled",
            ):
                assert getattr(ng, name)() == getattr(torch, name)(), (mode, name)
        for bad, err in (("x", RuntimeError), (3, RuntimeError), (1.0, TypeError)):
            for lib in (ng, torch):
                with pytest.raises(err, match="debug_mode"):
                    lib.set_deterministic_debug_mode(bad)
    finally:
        ng.set_deterministic_debug_mode(0)
        torch.set_deterministic_debug_mode(0)


# -- full recurrent networks: torch.rnn_tanh / rnn_relu / lstm / gru ---------------------------

_GATES = {"rnn_tanh": 1, "rnn_relu": 1, "lstm": 4, "gru": 3}


def _rnn_weights(rng, name, in_size, hid, layers, dirs, bias, proj=0) -> list:
    g, out = _GATES[name] * hid, proj or hid
    ws = []
    for layer in range(layers):
        for _ in range(dirs):
            ws += [rng.uniform(-0.6, 0.6, (g, in_size if layer == 0 else out * dirs))]
            ws += [rng.uniform(-0.6, 0.6, (g, out))]
            if bias:
                ws += [rng.uniform(-0.6, 0.6, (g,)), rng.uniform(-0.6, 0.6, (g,))]
            if proj:
                ws += [rng.uniform(-0.6, 0.6, (proj, hid))]
    return ws


def _rnn_compare(name, x, hx, ws, call, atol=1e-10):
    """Run ``call(L, x, hx, ws)`` in float64 with both libraries; compare every output and the
    gradients of x, each state tensor and each weight for a random weighting of the outputs."""
    res = {}
    for L in (ng, torch):
        xt = L.tensor(x, requires_grad=True)
        ht = [L.tensor(h, requires_grad=True) for h in hx]
        wt = [L.tensor(w, requires_grad=True) for w in ws]
        outs = call(L, xt, ht, wt)
        rng = np.random.default_rng(5)
        loss = sum((o * L.tensor(rng.normal(size=tuple(o.shape)))).sum() for o in outs)
        loss.backward()
        res[L] = [o.detach().numpy() for o in outs], [t.grad.numpy() for t in [xt, *ht, *wt]]
    for a, b in zip(res[ng][0], res[torch][0]):
        np.testing.assert_allclose(a, b, atol=atol, err_msg=f"{name} output")
    assert len(res[ng][0]) == len(res[torch][0])
    for i, (a, b) in enumerate(zip(res[ng][1], res[torch][1])):
        np.testing.assert_allclose(a, b, atol=atol, err_msg=f"{name} gradient {i}")


@covers("rnn_tanh", "rnn_relu", "lstm", "gru")
@pytest.mark.parametrize("name", sorted(_GATES))
@pytest.mark.parametrize(
    "layers,bidir,batch_first,bias",
    [
        (1, False, False, True),
        (2, True, False, True),
        (2, False, True, False),
        (1, True, True, True),
    ],
)
def test_full_rnn_functions_match_torch(name, layers, bidir, batch_first, bias):
    rng = np.random.default_rng(layers * 7 + bidir * 3 + batch_first)
    dirs, hid, in_size, seq, batch = 1 + bidir, 3, 2, 4, 2
    x = rng.normal(size=(batch, seq, in_size) if batch_first else (seq, batch, in_size))
    hx = [rng.normal(size=(layers * dirs, batch, hid)) for _ in range(2 if name == "lstm" else 1)]
    ws = _rnn_weights(rng, name, in_size, hid, layers, dirs, bias)

    def call(L, x, hx, ws):
        state = hx if name == "lstm" else hx[0]
        out = getattr(L, name)(x, state, ws, bias, layers, 0.0, False, bidir, batch_first)
        return list(out)

    _rnn_compare(name, x, hx, ws, call)

    def by_keyword(L, x, hx, ws):  # the keyword form, and train=True without dropout
        state = tuple(hx) if name == "lstm" else hx[0]
        out = getattr(L, name)(
            input=x, hx=state, params=ws, has_biases=bias, num_layers=layers, dropout=0.0,
            train=True, bidirectional=bidir, batch_first=batch_first,
        )  # fmt: skip
        return list(out)

    _rnn_compare(name, x, hx, ws, by_keyword)


@pytest.mark.parametrize("name", sorted(_GATES))
@pytest.mark.parametrize("layers,bidir", [(1, False), (2, True)])
def test_full_rnn_functions_packed_overload_match_torch(name, layers, bidir):
    rng = np.random.default_rng(11 + layers)
    dirs, hid, in_size = 1 + bidir, 3, 2
    sizes = [3, 3, 2, 1]
    x = rng.normal(size=(sum(sizes), in_size))
    hx = [rng.normal(size=(layers * dirs, 3, hid)) for _ in range(2 if name == "lstm" else 1)]
    ws = _rnn_weights(rng, name, in_size, hid, layers, dirs, True)

    def call(L, x, hx, ws):
        state = hx if name == "lstm" else hx[0]
        b = L.tensor(sizes)
        return list(getattr(L, name)(x, b, state, ws, True, layers, 0.0, False, bidir))

    _rnn_compare(name, x, hx, ws, call)

    def by_keyword(L, x, hx, ws):
        state = hx if name == "lstm" else hx[0]
        out = getattr(L, name)(
            data=x, batch_sizes=L.tensor(sizes), hx=state, params=ws, has_biases=True,
            num_layers=layers, dropout=0.0, train=False, bidirectional=bidir,
        )  # fmt: skip
        return list(out)

    _rnn_compare(name, x, hx, ws, by_keyword)


def test_full_lstm_projection_and_unbatched_match_torch():
    T, F = True, False
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 2, 3))
    hx = [rng.normal(size=(4, 2, 2)), rng.normal(size=(4, 2, 5))]  # h: proj_size 2, c: hidden 5
    ws = _rnn_weights(rng, "lstm", 3, 5, 2, 2, True, proj=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: "LSTM with projections is not supported with
        _rnn_compare(  # oneDNN"
            "lstm",
            x,
            hx,
            ws,
            lambda L, x, h, w: list(L.lstm(x, h, w, True, 2, 0.0, False, True, F)),
        )
    # 2-D input is one unbatched sequence, as nn.RNN's; states are (layers * dirs, hidden)
    # (torch's top-level rnn_tanh/rnn_relu take it; its gru/lstm raise IndexError, ours run)
    x2 = rng.normal(size=(5, 3))
    h2 = [rng.normal(size=(2, 4))]
    w2 = _rnn_weights(rng, "rnn_tanh", 3, 4, 1, 2, True)
    _rnn_compare(
        "rnn_tanh", x2, h2, w2, lambda L, x, h, w: list(L.rnn_tanh(x, h[0], w, T, 1, 0.0, F, T, F))
    )


def test_full_rnn_functions_use_module_weights_and_dropout():
    ng.manual_seed(0)
    net = ng.nn.LSTM(3, 4, num_layers=2, dropout=0.5, bidirectional=True)
    x = ng.randn(5, 2, 3)
    h0 = (ng.randn(4, 2, 4), ng.randn(4, 2, 4))
    net.eval()
    out, (h, c) = net(x, h0)
    top = ng.lstm(x, h0, net._flat_weights, True, 2, 0.5, False, True, False)
    for a, b in zip((out, h, c), top):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-6)
    # train=True drops between layers: outputs differ from eval's, and p=1 zeroes layer 2's input
    ng.manual_seed(1)
    trained = ng.lstm(x, h0, net._flat_weights, True, 2, 0.5, True, True, False)[0]
    assert not np.allclose(trained.detach().numpy(), out.detach().numpy())
    w = net._flat_weights
    zero_in = ng.lstm(x, h0, w, True, 2, 1.0, True, True, False)[0]
    ref = ng.lstm(
        ng.zeros(5, 2, 8), [h0[0][2:], h0[1][2:]], w[8:], True, 1, 0.0, False, True, False
    )[0]
    np.testing.assert_allclose(zero_in.detach().numpy(), ref.detach().numpy(), atol=1e-6)


def test_full_rnn_functions_errors():
    x, h = ng.zeros(5, 3, 4), ng.zeros(1, 3, 6)
    ps = [ng.zeros(6, 4), ng.zeros(6, 6), ng.zeros(6), ng.zeros(6)]
    with pytest.raises(RuntimeError, match="incorrect number of RNN parameters"):
        ng.rnn_tanh(x, h, ps[:3], True, 1, 0.0, False, False, False)
    with pytest.raises(TypeError, match="hx"):
        ng.rnn_tanh(x, None, ps, True, 1, 0.0, False, False, False)
    with pytest.raises(RuntimeError, match="two hidden states"):
        ng.lstm(x, [h], [ng.zeros(24, 4), ng.zeros(24, 6)], False, 1, 0.0, False, False, False)
    with pytest.raises(RuntimeError, match=r"4 features .* w_ih of layer 0 .*\(6, 5\)"):
        ng.rnn_tanh(x, h, [ng.zeros(6, 5), *ps[1:]], True, 1, 0.0, False, False, False)
    with pytest.raises(RuntimeError, match="b_hh of layer 1 .reverse. has shape"):
        l1 = [ng.zeros(6, 12), ng.zeros(6, 6), ng.zeros(6)]
        ws = ps * 2 + l1 + [ng.zeros(6)] + l1 + [ng.zeros(5)]
        ng.rnn_tanh(x, ng.zeros(4, 3, 6), ws, True, 2, 0.0, False, True, False)
    with pytest.raises(RuntimeError, match="w_hh of layer 0 has shape"):
        ng.rnn_relu(x, h, [ps[0], ng.zeros(6, 5), *ps[2:]], True, 1, 0.0, False, False, False)
    with pytest.raises(RuntimeError, match=r"hx has shape \(1, 2, 6\), expected \(1, 3, 6\)"):
        ng.gru(
            x,
            ng.zeros(1, 2, 6),
            [ng.zeros(18, 4), ng.zeros(18, 6)],
            False,
            1,
            0,
            False,
            False,
            False,
        )
    with pytest.raises(RuntimeError, match="dropout probability"):
        ng.rnn_tanh(x, h, ps, True, 1, 1.5, True, False, False)
    with pytest.raises(RuntimeError, match="num_layers"):
        ng.rnn_tanh(x, h, ps, True, 0, 0.0, False, False, False)
    with pytest.raises(RuntimeError, match="non-increasing"):
        ng.rnn_tanh(ng.zeros(6, 4), ng.tensor([2, 3, 1]), h, ps, True, 1, 0.0, False, False)
    with pytest.raises(RuntimeError, match="sum"):
        ng.rnn_tanh(ng.zeros(6, 4), ng.tensor([3, 2]), h, ps, True, 1, 0.0, False, False)
    with pytest.raises(TypeError, match="unexpected keyword"):
        ng.rnn_tanh(x, h, ps, True, 1, 0.0, False, False, batch_firs=False)
    with pytest.raises(TypeError, match="missing"):
        ng.gru(x, h, ps, True, 1)
    for lib in (ng, torch):  # torch refuses a None state too
        with pytest.raises(TypeError):
            lib.rnn_tanh(
                lib.zeros(5, 3, 4), None, [lib.zeros(6, 4)] * 2, False, 1, 0.0, False, False, False
            )


# -- embedding_bag: ATen's 4-tuple -------------------------------------------------------------


@covers("embedding_bag")
@pytest.mark.parametrize("grad", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_embedding_bag_four_results_match_torch(dtype, grad):
    w = np.random.default_rng(0).normal(size=(6, 2)).astype(dtype)
    bags = [
        ([1, 2, 4, 5, 4, 3], [0, 2, 2], False),
        ([1, 2, 4, 5, 4, 3], [0, 2, 2, 6], True),
        ([0, 0, 1], [0, 0, 0, 3], False),
        ([], [0, 0], False),
    ]
    for idx, off, last in bags:
        for idt in (np.int64, np.int32):
            for mode in (0, 1, 2):
                for pad in (None, 3, -1):
                    res = {}
                    for L in (ng, torch):
                        wt = L.tensor(w, requires_grad=grad)
                        i, o = L.tensor(np.array(idx, idt)), L.tensor(np.array(off, idt))
                        out = L.embedding_bag(wt, i, o, False, mode, False, None, last, pad)
                        res[L] = [t.detach().numpy() for t in out]
                        if grad:
                            (out[0] * L.tensor(np.arange(out[0].numel(), dtype=dtype).reshape(
                                tuple(out[0].shape)))).sum().backward()  # fmt: skip
                            res[L].append(wt.grad.numpy())
                    where = (idx, off, idt, mode, pad)
                    for a, b in zip(res[ng], res[torch]):
                        assert a.shape == b.shape and a.dtype == b.dtype, where
                        np.testing.assert_allclose(a, b, rtol=1e-6, err_msg=str(where))


def test_embedding_bag_per_sample_weights_and_errors():
    rng = np.random.default_rng(1)
    w, psw = rng.normal(size=(5, 3)), rng.normal(size=4)
    res = {}
    for L in (ng, torch):
        wt, pt = L.tensor(w, requires_grad=True), L.tensor(psw, requires_grad=True)
        out = L.embedding_bag(wt, L.tensor([0, 4, 4, 2]), L.tensor([0, 3]), False, 0, False, pt)
        out[0].pow(2).sum().backward()
        res[L] = [t.detach().numpy() for t in out] + [wt.grad.numpy(), pt.grad.numpy()]
    for a, b in zip(res[ng], res[torch]):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    w, i = ng.ones(4, 2), ng.tensor([0, 1])
    with pytest.raises(RuntimeError, match="`mode` must be sum, mean, or max"):
        ng.embedding_bag(w, i, ng.tensor([0]), False, 3)
    with pytest.raises(RuntimeError, match="`mode`"):
        ng.embedding_bag(w, i, ng.tensor([0]), False, "sum")
    for lib in (ng, torch):
        with pytest.raises(TypeError, match="offsets"):
            lib.embedding_bag(lib.ones(4, 2), lib.tensor([[0, 1]]), None)
    with pytest.raises(RuntimeError, match="padding_idx"):
        ng.embedding_bag(w, i, ng.tensor([0]), False, 0, False, None, False, 4)
    with pytest.raises(NotImplementedError, match="per_sample_weights"):
        ng.embedding_bag(w, i, ng.tensor([0]), False, 2, False, ng.ones(2))


# -- segment_reduce -----------------------------------------------------------------------------

_SEGMENTS = [
    ((7, 3), {"lengths": I(2, 0, 4, 1)}),
    ((7, 3), {"offsets": I(1, 3, 3, 6)}),
    ((3, 7), {"lengths": np.array([[3, 4], [0, 7], [7, 0]]), "axis": 1}),
    ((7, 3), {"lengths": I(2, 3), "unsafe": True}),
    ((2, 5, 3), {"offsets": np.array([[0, 2, 5], [1, 1, 4]]), "axis": -2}),
    ((9,), {"lengths": I(2, 3, 2, 2), "ties": [1.0, 0.0, 0.0, 2.0, 3.0, 1.0, 1.0, 2.0, 2.0]}),
]


@covers("segment_reduce")
@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min", "prod", "amax", "amin"])
@pytest.mark.parametrize("initial", [None, 0.5])
def test_segment_reduce_matches_torch(reduce, initial):
    rng = np.random.default_rng(0)
    for shape, kw in _SEGMENTS:
        kw = dict(kw)
        data = np.array(kw.pop("ties")) if "ties" in kw else rng.normal(size=shape)
        res, weight = {}, None
        for L in (ng, torch):
            d = L.tensor(data, requires_grad=True)
            args = {k: L.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
            out = L.segment_reduce(d, reduce, initial=initial, **args)
            if weight is None:  # positive: torch 2.13 splits tied extrema only for grad > 0
                weight = rng.uniform(0.5, 2.0, size=tuple(out.shape))
            (out.nan_to_num(0.0, 0.0, 0.0) * L.tensor(weight)).sum().backward()
            res[L] = out.detach().numpy(), d.grad.numpy()
        for a, b in zip(res[ng], res[torch]):
            assert a.shape == b.shape and a.dtype == b.dtype, (shape, kw)
            np.testing.assert_allclose(a, b, rtol=1e-10, err_msg=f"{shape} {kw}")


def test_segment_reduce_errors_match_torch():
    x = ng.ones(5, 2)
    for lib in (ng, torch):
        d = lib.ones(5, 2)
        with pytest.raises(RuntimeError, match="sum to data.size"):
            lib.segment_reduce(d, "sum", lengths=lib.tensor([2, 2]))
        with pytest.raises(RuntimeError, match="reduce argument must be"):
            lib.segment_reduce(d, "foo", lengths=lib.tensor([5]))
        with pytest.raises(RuntimeError, match="Either lengths or offsets"):
            lib.segment_reduce(d, "sum")
        with pytest.raises(RuntimeError, match="negative"):
            lib.segment_reduce(d, "sum", lengths=lib.tensor([2, -1, 4]))
        with pytest.raises(RuntimeError, match="indices based reduction is not supported"):
            lib.segment_reduce(d, "sum", indices=lib.tensor([0, 0, 1, 1, 1]))
        with pytest.raises(RuntimeError, match="Expected axis to be the last dimension"):
            lib.segment_reduce(d, "sum", lengths=lib.tensor([5]), axis=1)
        with pytest.raises(NotImplementedError):
            lib.segment_reduce(lib.tensor([1, 2]), "sum", lengths=lib.tensor([2]))
    with pytest.raises(RuntimeError, match="integer"):
        ng.segment_reduce(x, "sum", lengths=ng.tensor([5.0]))
    with pytest.raises(RuntimeError, match="non-decreasing"):
        ng.segment_reduce(x, "sum", offsets=ng.tensor([0, 3, 1]))
    with pytest.raises(IndexError, match="Dimension out of range"):
        ng.segment_reduce(x, "sum", lengths=ng.tensor([5]), axis=2)


# -- run-time predicates, legacy default type, DLPack -------------------------------------------


@covers("is_distributed")
def test_is_storage_distributed_vulkan_init_threads_follow_torch():
    for lib in (ng, torch):
        assert lib.is_storage(lib.ones(2)) is False
        assert lib.is_storage([1.0]) is False
        assert lib.is_distributed(lib.ones(2)) is False
        assert lib.ones(2).is_distributed() is False
        assert lib.is_vulkan_available() is False
        with pytest.raises(TypeError, match="Tensor"):
            lib.is_distributed(3)
    import threading

    before = ng.get_num_threads()
    seen = []
    try:
        ng.set_num_threads(1)
        worker = threading.Thread(
            target=lambda: seen.append((ng.init_num_threads(), ng.get_num_threads()))
        )
        worker.start()
        worker.join()
    finally:
        ng.set_num_threads(before)
    assert seen == [(None, 1)]


def test_set_default_tensor_type_warns_and_sets_dtype():
    try:
        for t in (ng.DoubleTensor, "torch.DoubleTensor", ng.FloatTensor, "torch.HalfTensor"):
            with pytest.warns(UserWarning, match="deprecated as of PyTorch 2.1"):
                ng.set_default_tensor_type(t)
            name = t if isinstance(t, str) else "torch." + t.__name__
            expect = {"torch.DoubleTensor": "float64", "torch.FloatTensor": "float32"}
            want = expect.get(name, "float16")
            assert str(ng.get_default_dtype()) == f"nablagrad.{want}"
            assert ng.tensor([1.5]).dtype == getattr(ng, want)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ng.set_default_tensor_type(ng.FloatTensor)
            for lib in (ng, torch):
                for bad in ("torch.IntTensor", lib.LongTensor, 3, "torch.cuda.FloatTensor"):
                    with pytest.raises(TypeError):
                        lib.set_default_tensor_type(bad)
                assert lib.get_default_dtype() == lib.float32
            with pytest.raises(TypeError, match="CUDA"):
                ng.set_default_tensor_type("torch.cuda.DoubleTensor")
    finally:
        ng.set_default_dtype(ng.float32)


@covers("from_dlpack", "to_dlpack")
def test_dlpack_round_trip_with_torch_shares_memory():
    x = ng.arange(6.0).reshape(2, 3)
    t = torch.from_dlpack(x)  # torch reads nablagrad's __dlpack__ / __dlpack_device__
    t[0, 0] = 7.0
    assert x[0, 0].item() == 7.0 and t.dtype == torch.float32
    assert x.__dlpack_device__() == (1, 0) == tuple(int(v) for v in t.__dlpack_device__())
    src = torch.arange(6, dtype=torch.int32).reshape(3, 2).t()  # strided, int32
    y = ng.from_dlpack(src)
    src[1, 2] = 40
    assert y.dtype == ng.int32 and y.tolist() == src.tolist() and y[1, 2].item() == 40
    for lib_in, lib_out in ((ng, torch), (torch, ng), (ng, ng)):
        cap = lib_in.to_dlpack(lib_in.tensor([1.0, 2.0]))
        assert lib_out.from_dlpack(cap).tolist() == [1.0, 2.0]
    b = ng.from_dlpack(np.array([True, False]))
    c = ng.from_dlpack(b)
    c[0] = False
    assert b.dtype == c.dtype == ng.bool and b.tolist() == [False, False]
    with pytest.raises(BufferError, match="require gradient"):
        torch.from_dlpack(ng.ones(2, requires_grad=True))
    with pytest.raises(TypeError, match="__dlpack__"):
        ng.from_dlpack(3)
    with pytest.raises(RuntimeError, match="bfloat16"):
        ng.from_dlpack(torch.ones(2, dtype=torch.bfloat16))
    with pytest.raises(RuntimeError, match="cuda"):
        ng.from_dlpack(np.ones(2), device="cuda")
    assert ng.from_dlpack(np.ones(2), copy=True).tolist() == [1.0, 1.0]
