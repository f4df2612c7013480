"""``F.linear_cross_entropy``, ``nn.LinearCrossEntropyLoss`` and ``nn.LinearCrossEntropyOptions``
(torch 2.13) against torch: values and gradients for index and probability targets,
K-dimensional weights, bias, class weights, ignore_index, label smoothing and reductions; the
module's parameters, state_dict and repr; the errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from helpers import check_op

import nablagrad as ng
import nablagrad.nn.functional as F

TARGET = np.array([0, 2, 1, 2, 0])
TARGET_IGNORED = np.array([0, -100, 1, 7, 0])  # -100: the default ignore; 7 with ignore_index=7
TARGET_K = np.array([[0, 1], [2, 2], [1, 0], [0, 2], [1, 1]])
PROBS = np.random.default_rng(3).dirichlet(np.ones(3), 5).astype(np.float32)


def _lib(L):
    return (F, ng) if L is ng else (tF, torch)


CALLS = {
    "plain": (
        lambda L, x, w: _lib(L)[0].linear_cross_entropy(x, w, L.tensor(TARGET)),
        [(5, 4), (3, 4)],
    ),
    "bias_sum": (
        lambda L, x, w, b: _lib(L)[0].linear_cross_entropy(
            x, w, L.tensor(TARGET), linear_bias=b, reduction="sum"
        ),
        [(5, 4), (3, 4), (3,)],
    ),
    "k_dim_bias_none": (
        lambda L, x, w, b: _lib(L)[0].linear_cross_entropy(
            x, w, L.tensor(TARGET_K), linear_bias=b, reduction="none"
        ),
        [(5, 4), (3, 2, 4), (3, 2)],
    ),
    "ignored_weighted_smoothed": (
        lambda L, x, w, cw: (
            _lib(L)[0].linear_cross_entropy(
                x, w, L.tensor(np.where(TARGET_IGNORED == 7, 2, TARGET_IGNORED))
            ),
            _lib(L)[0].linear_cross_entropy(
                x,
                w,
                L.tensor(np.where(TARGET_IGNORED == -100, 1, TARGET_IGNORED)),
                weight=cw.detach().abs() + 0.5,
                ignore_index=7,
                label_smoothing=0.2,
            ),
        ),
        [(5, 4), (3, 4), (3,)],
    ),
    "probabilities": (
        lambda L, x, w: _lib(L)[0].linear_cross_entropy(x, w, L.tensor(PROBS), label_smoothing=0.1),
        [(5, 4), (3, 4)],
    ),
    "unbatched": (
        lambda L, x, w: _lib(L)[0].linear_cross_entropy(x, w, L.tensor(1)),
        [(4,), (3, 4)],
    ),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_function_matches_torch(name):
    call, shapes = CALLS[name]
    check_op(lambda *xs: call(ng, *xs), lambda *xs: call(torch, *xs), shapes, atol=1e-5, rtol=1e-4)


def test_options_give_the_reference_values_and_repr_like_torch():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((6, 4)).astype(np.float32), rng.standard_normal((5, 4))
    w = w.astype(np.float32)
    t = np.array([0, 4, 3, 1, 2, 0])
    opts = dict(batch_chunk_size=2, acc_policy="accurate")
    ours = F.linear_cross_entropy(
        ng.tensor(x), ng.tensor(w), ng.tensor(t), options=ng.nn.LinearCrossEntropyOptions(**opts)
    )
    theirs = tF.linear_cross_entropy(
        torch.tensor(x),
        torch.tensor(w),
        torch.tensor(t),
        options=torch.nn.LinearCrossEntropyOptions(**opts),
    )
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-5)
    for kwargs in ({}, opts):
        assert repr(ng.nn.LinearCrossEntropyOptions(**kwargs)) == repr(
            torch.nn.LinearCrossEntropyOptions(**kwargs)
        )
    assert ng.nn.LinearCrossEntropyOptions(**opts) == ng.nn.LinearCrossEntropyOptions(**opts)
    for lib in (ng, torch):
        with pytest.raises(ValueError, match="acc_policy"):
            lib.nn.LinearCrossEntropyOptions(acc_policy="fast")


def test_module_matches_torch_with_the_same_parameters():
    torch.manual_seed(0)
    kwargs = dict(
        out_features=(2,), bias=True, weight=torch.tensor([1.0, 2.0, 0.5]), label_smoothing=0.1
    )
    theirs = torch.nn.LinearCrossEntropyLoss(4, 3, **kwargs)
    ours = ng.nn.LinearCrossEntropyLoss(
        4, 3, **{**kwargs, "weight": ng.tensor(kwargs["weight"].numpy())}
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    a, b = ours(ng.tensor(x), ng.tensor(TARGET_K)), theirs(torch.tensor(x), torch.tensor(TARGET_K))
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-5)
    a.backward()
    b.backward()
    np.testing.assert_allclose(
        ours.linear.weight.grad.numpy(), theirs.linear.weight.grad.numpy(), rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(
        ours.linear.bias.grad.numpy(), theirs.linear.bias.grad.numpy(), rtol=1e-4, atol=1e-6
    )
    plain = ng.nn.LinearCrossEntropyLoss(4, 3, dtype=ng.float64)
    assert plain.linear.bias is None and plain.linear.weight.dtype == ng.float64


def test_errors_name_the_problem():
    for lib, functional in ((ng, F), (torch, tF)):
        with pytest.raises(RuntimeError, match="requires batched input"):
            functional.linear_cross_entropy(lib.ones(4), lib.ones(3, 2, 4), lib.tensor([0, 1]))
    with pytest.raises(TypeError, match="options"):
        F.linear_cross_entropy(ng.ones(2, 4), ng.ones(3, 4), ng.tensor([0, 1]), options=3)
    with pytest.raises(TypeError, match="linear_weight"):
        F.linear_cross_entropy(ng.ones(2, 4), np.ones((3, 4)), ng.tensor([0, 1]))
