"""``nn.grad.conv{1,2,3}d_input`` / ``conv{1,2,3}d_weight`` against torch.nn.grad: values for
strides, padding, dilation and groups (including input sizes that a stride leaves ambiguous),
their own gradients, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.grad as tgrad
from helpers import check_op

import nablagrad as ng
import nablagrad.nn.grad as ngrad

# (dims, input shape, weight shape, stride, padding, dilation, groups)
SETUPS = [
    (1, (2, 4, 9), (6, 2, 3), 2, 1, 1, 2),
    (1, (1, 3, 8), (2, 3, 2), 3, 0, 2, 1),  # the stride leaves the last input column unused
    (2, (2, 2, 6, 5), (3, 2, 3, 2), (2, 1), (1, 0), 1, 1),
    (2, (1, 4, 7, 7), (4, 2, 3, 3), 2, 1, (2, 1), 2),
    (3, (1, 2, 4, 5, 4), (2, 1, 2, 3, 2), (1, 2, 1), 1, 1, 2),
]


def _conv(L, dims):
    return (L.nn.functional.conv1d, L.nn.functional.conv2d, L.nn.functional.conv3d)[dims - 1]


def _grad_shape(dims, x_shape, w_shape, args):
    out = _conv(torch, dims)(torch.zeros(x_shape), torch.zeros(w_shape), None, *args)
    return tuple(out.shape)


@pytest.mark.parametrize("setup", SETUPS)
def test_input_gradient_matches_torch(setup):
    dims, xs, ws, *args = setup
    name = f"conv{dims}d_input"
    gs = _grad_shape(dims, xs, ws, args)

    def call(L, w, g):
        module = ngrad if L is ng else tgrad
        return getattr(module, name)(xs, w, g, *args)

    check_op(lambda w, g: call(ng, w, g), lambda w, g: call(torch, w, g), [ws, gs])


@pytest.mark.parametrize("setup", SETUPS)
def test_weight_gradient_matches_torch(setup):
    dims, xs, ws, *args = setup
    name = f"conv{dims}d_weight"
    gs = _grad_shape(dims, xs, ws, args)

    def call(L, x, g):
        module = ngrad if L is ng else tgrad
        return getattr(module, name)(x, ws, g, *args)

    check_op(
        lambda x, g: call(ng, x, g), lambda x, g: call(torch, x, g), [xs, gs], atol=1e-4, rtol=1e-4
    )


def test_equals_autograd_of_the_convolution_and_keeps_dtype():
    rng = np.random.default_rng(0)
    x = ng.tensor(rng.standard_normal((2, 3, 6, 6)), requires_grad=True)  # float64
    w = ng.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    y = ng.nn.functional.conv2d(x, w, stride=2, padding=1)
    g = ng.tensor(rng.standard_normal(tuple(y.shape)))
    gx, gw = ng.autograd.grad(y, (x, w), g)
    ours_x = ng.nn.grad.conv2d_input(x.shape, w, g, stride=2, padding=1)
    ours_w = ng.nn.functional.grad.conv2d_weight(x, w.shape, g, stride=2, padding=1)
    assert ours_x.dtype == ours_w.dtype == ng.float64
    np.testing.assert_allclose(ours_x.detach().numpy(), gx.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours_w.detach().numpy(), gw.numpy(), rtol=1e-12, atol=1e-12)
    assert ours_x.requires_grad and ours_w.requires_grad  # differentiable, as torch's
    with ng.no_grad():
        assert not ng.nn.grad.conv2d_input(x.shape, w, g, stride=2, padding=1).requires_grad


def test_module_is_reachable_as_torch_has_it():
    assert ng.nn.functional.grad is ng.nn.grad
    assert torch.nn.functional.grad is torch.nn.grad
    names = {n for n in dir(tgrad) if n.startswith("conv")}
    assert names == set(ngrad.__all__)


@pytest.mark.parametrize(
    "call",
    [
        lambda L, m: m.conv2d_input((1, 1, 3, 3), L.ones(1, 1, 1, 2), L.ones(1, 1, 2, 2)),
        lambda L, m: m.conv2d_weight(L.ones(1, 1, 3, 3), (1, 1, 1, 2), L.ones(1, 1, 2, 2)),
        lambda L, m: m.conv1d_input((1, 2, 5), L.ones(4, 1, 3), L.ones(1, 4, 3)),
    ],
)
def test_mismatched_sizes_raise_like_torch(call):
    with pytest.raises(RuntimeError):
        call(torch, tgrad)
    with pytest.raises(RuntimeError):
        call(ng, ngrad)


def test_bad_arguments_name_the_problem():
    with pytest.raises(RuntimeError, match="input_size.*4 entries"):
        ngrad.conv2d_input((1, 3, 3), ng.ones(1, 1, 1, 2), ng.ones(1, 1, 3, 2))
    with pytest.raises(TypeError, match="grad_output"):
        ngrad.conv2d_input((1, 1, 3, 3), ng.ones(1, 1, 1, 2), np.ones((1, 1, 3, 2)))
    with pytest.raises(TypeError, match="weight_size"):
        ngrad.conv1d_weight(ng.ones(1, 1, 3), 2, ng.ones(1, 1, 2))
