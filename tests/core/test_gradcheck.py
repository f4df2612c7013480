"""Finite-difference checks in float64 for every differentiable primitive."""

from __future__ import annotations

import numpy as np
import pytest

import nablagrad as ng
from nablagrad.autograd.gradcheck import GradcheckError

rng = np.random.default_rng(0)


def t(*shape, low=-1.5, high=1.5):
    return ng.tensor(rng.uniform(low, high, shape), dtype=ng.float64, requires_grad=True)


CASES = {
    "add_mul_sub_div": (lambda a, b: (a + b) * a - a / (b * b + 1), [(3, 4), (4,)]),
    "pow": (lambda a, b: (a * a + 0.5) ** b, [(3,), (3,)]),
    "exp_log_log1p": (lambda a: (a.exp() + 1).log() + (a * a).log1p(), [(5,)]),
    "sqrt_abs_sign": (lambda a: (a * a + 1).sqrt() + a.abs() * 0.3 + a.sign(), [(5,)]),
    "trig": (lambda a: a.sin() * a.cos(), [(5,)]),
    "tanh_sigmoid_relu": (lambda a: a.tanh() + a.sigmoid() + (a - 0.1).relu(), [(6,)]),
    "clamp": (lambda a: a.clamp(-0.5, 0.5) * a, [(6,)]),
    "maximum_minimum_where": (
        lambda a, b: ng.maximum(a, b) + ng.minimum(a, b) * 2 + ng.where(a > b, a, b * 3),
        [(4,), (4,)],
    ),
    "sum_mean": (lambda a: a.sum(1) * a.mean(0, keepdim=True).sum(), [(3, 4)]),
    "prod": (lambda a: a.prod(1), [(3, 4)]),
    "max_min": (lambda a: a.max(1).values + a.min(), [(3, 4)]),
    "amax": (lambda a: a.amax((0, 1)), [(2, 3, 2)]),
    "var_std": (lambda a: a.var(1) + a.std(0).sum(), [(3, 4)]),
    "logsumexp": (lambda a: a.logsumexp(1), [(3, 4)]),
    "norm": (lambda a: a.norm() + a.norm(p=3, dim=1).sum(), [(3, 4)]),
    "cumsum": (lambda a: a.cumsum(1) * a, [(3, 4)]),
    "reshape_permute": (lambda a: a.reshape(4, 3).T.permute(1, 0) * 2, [(3, 4)]),
    "expand_repeat": (lambda a: a[:, :1].expand(3, 5) * a.repeat(1, 2)[:, :5], [(3, 4)]),
    "cat_stack_split": (
        lambda a, b: ng.cat([a, b], 1).split(3, 1)[1] + ng.stack([a, a]).sum(0)[:, :3],
        [(3, 4), (3, 2)],
    ),
    "flip_pad": (lambda a: ng.ops.shape.pad(a.flip(0), (1, 2, 0, 1)) * 2, [(3, 4)]),
    "pad_reflect": (lambda a: ng.ops.shape.pad(a, (2, 1), mode="reflect"), [(3, 4)]),
    "getitem": (lambda a: a[[0, 2, 2], 1:] + a[a > 0].sum(), [(3, 4)]),
    "setitem": (lambda a, b: _setitem(a, b), [(3, 4), (4,)]),
    "gather": (lambda a: a.gather(1, ng.tensor([[0, 0], [1, 3], [2, 2]])), [(3, 4)]),
    "matmul": (lambda a, b: a @ b, [(2, 3, 4), (4, 2)]),
    "matvec": (lambda a, b: a @ b, [(3, 4), (4,)]),
}


def _setitem(a, b):
    y = a * 1
    y[1] = b * 2
    return y


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck(name):
    fn, shapes = CASES[name]
    assert ng.autograd.gradcheck(fn, [t(*s) for s in shapes])


@pytest.mark.parametrize(
    "name",
    [
        "exp_log_log1p",
        "trig",
        "tanh_sigmoid_relu",
        "logsumexp",
        "matmul",
        "getitem",
        "sum_mean",
        "reshape_permute",
        "norm",
    ],
)
def test_gradgradcheck(name):
    fn, shapes = CASES[name]
    assert ng.autograd.gradgradcheck(fn, [t(*s) for s in shapes])


def test_gradcheck_catches_a_wrong_backward():
    class BadSquare(ng.autograd.Function):
        def forward(self, x):
            return x * x

        def backward(self, g, out, x):
            return (g * x,)  # wrong: should be 2 * x * g

    with pytest.raises(GradcheckError, match="mismatch"):
        ng.autograd.gradcheck(lambda a: BadSquare.apply(a), [t(3)])


def test_gradcheck_requires_float64():
    with pytest.raises(ValueError, match="float64"):
        ng.autograd.gradcheck(lambda a: a * 2, [ng.ones(2, requires_grad=True)])
