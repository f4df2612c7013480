"""Elementwise ops at NaN, +-inf and signed zeros: values and gradients as torch gives them.

Each case runs the same function in torch and nablagrad on the same special values and compares
the results bit for bit in kind (NaN where torch has NaN, the sign of zeros and infinities);
finite values to a few float32 ulps.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import nablagrad as ng

NAN, INF = math.nan, math.inf
SPECIAL = [NAN, 1.0, -2.0, 0.0, -0.0, INF, -INF, 0.5, 3.0, -3.0, 4.0, -4.0]


def _same(a: np.ndarray, b: np.ndarray) -> None:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"NaN: torch {a}, ng {b}")
    finite = np.isfinite(a)
    np.testing.assert_array_equal(a[~finite & ~np.isnan(a)], b[~finite & ~np.isnan(a)])
    np.testing.assert_allclose(b[finite], a[finite], rtol=1e-6, atol=0)
    zeros = finite & (a == 0)
    np.testing.assert_array_equal(np.signbit(a[zeros]), np.signbit(b[zeros]), "sign of zero")


def _get(mod, path: str):
    for part in path.split("."):
        mod = getattr(mod, part)
    return mod


# (name, whether to compare gradients, dtypes).  torch's float64 kernels of the clamping
# activations differ from its float32 ones at NaN (hardtanh's gradient 0 instead of 1) and at
# -0.0 (softshrink gives 0.0): nablagrad follows float32, the default dtype
BOTH, F32 = ("float32", "float64"), ("float32",)
UNARY = [
    ("sign", False, BOTH),
    ("sgn", False, BOTH),
    ("abs", True, BOTH),
    ("asin", True, BOTH),
    ("acos", True, BOTH),
    ("lgamma", True, BOTH),
    ("special.entr", True, BOTH),
    # torch's hardswish gradient at NaN is 1 in its scalar loop and NaN in its vectorised one,
    # so it depends on the CPU's vector width and the NaN's position: float64 gives NaN for
    # these 12 values on AVX2 (4 doubles per vector), 1 on AVX-512; float32 gives 1 on both
    ("nn.functional.hardswish", True, F32),
    ("nn.functional.hardsigmoid", True, BOTH),
    ("nn.functional.relu6", True, F32),
    ("nn.functional.hardtanh", True, F32),
    ("nn.functional.softshrink", True, F32),
    ("nn.functional.hardshrink", True, F32),
]
CASES = [(name, grad, dtype) for name, grad, dtypes in UNARY for dtype in dtypes]


@pytest.mark.parametrize("name,grad,dtype", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_unary_at_special_values(name: str, grad: bool, dtype: str) -> None:
    kwargs: dict = {}
    xt = torch.tensor(SPECIAL, dtype=getattr(torch, dtype), requires_grad=grad)
    xn = ng.tensor(SPECIAL, dtype=getattr(ng, dtype), requires_grad=grad)
    yt = _get(torch, name)(xt, **kwargs)
    yn = _get(ng, name)(xn, **kwargs)
    _same(yt.detach().numpy(), yn.detach().numpy())
    if grad:
        yt.sum().backward()
        yn.sum().backward()
        _same(xt.grad.numpy(), xn.grad.numpy())


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_max_min_special_values(name: str) -> None:
    # NaN anywhere: torch gives the whole gradient to both operands; ties share it; at
    # 0.0 vs -0.0 the result is the first operand
    a = [NAN, 1.0, 2.0, NAN, INF, -INF, 0.0, -0.0, 3.0]
    b = [0.0, NAN, 2.0, NAN, INF, 1.0, -0.0, 0.0, -3.0]
    at, bt = (torch.tensor(v, requires_grad=True) for v in (a, b))
    an, bn = (ng.tensor(v, requires_grad=True) for v in (a, b))
    yt, yn = getattr(torch, name)(at, bt), getattr(ng, name)(an, bn)
    _same(yt.detach().numpy(), yn.detach().numpy())
    (yt * torch.arange(1.0, 10.0)).sum().backward()
    (yn * ng.arange(1.0, 10.0)).sum().backward()
    _same(at.grad.numpy(), an.grad.numpy())
    _same(bt.grad.numpy(), bn.grad.numpy())


def test_heaviside_nan_is_zero() -> None:
    x = [NAN, 0.0, -0.0, -1.0, 2.0, INF, -INF]
    v = [5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]
    want = torch.heaviside(torch.tensor(x), torch.tensor(v)).numpy()
    _same(want, ng.heaviside(ng.tensor(x), ng.tensor(v)).numpy())


def test_hardswish_double_backward() -> None:
    x = [-4.0, -3.0, -1.5, 0.0, 2.0, 3.0, 5.0]
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    xn = ng.tensor(x, dtype=ng.float64, requires_grad=True)
    (gt,) = torch.autograd.grad(torch.nn.functional.hardswish(xt).sum(), xt, create_graph=True)
    (gn,) = ng.autograd.grad(ng.nn.functional.hardswish(xn).sum(), xn, create_graph=True)
    _same(gt.detach().numpy(), gn.detach().numpy())
    (ggt,) = torch.autograd.grad((gt * gt).sum(), xt)
    (ggn,) = ng.autograd.grad((gn * gn).sum(), xn)
    _same(ggt.numpy(), ggn.numpy())


def _both(fn_name: str, *values, kwargs_t=None, kwargs_n=None, grad=(0,), weights=None):
    """Run torch's and nablagrad's ``fn_name`` on the same values; compare the result and the
    gradients of a weighted sum for the inputs in ``grad``."""
    ts = [torch.tensor(v, requires_grad=i in grad) for i, v in enumerate(values)]
    ns = [ng.tensor(v, requires_grad=i in grad) for i, v in enumerate(values)]
    yt = _get(torch, fn_name)(*ts, **(kwargs_t or {}))
    yn = _get(ng, fn_name)(*ns, **(kwargs_n or kwargs_t or {}))
    _same(yt.detach().numpy(), yn.detach().numpy())
    w = np.arange(1.0, yt.numel() + 1).reshape(tuple(yt.shape)).astype(np.float32)
    (yt * torch.tensor(w)).sum().backward()
    (yn * ng.tensor(w)).sum().backward()
    for i in grad:
        _same(ts[i].grad.numpy(), ns[i].grad.numpy())


def test_cross_entropy_with_masked_logits() -> None:
    # a -inf logit of another class adds nothing to the loss (torch picks log p[target])
    logits = [[1.0, -INF, 2.0], [-INF, 0.5, 0.0]]
    _both("nn.functional.cross_entropy", logits, [0, 1], kwargs_t={"reduction": "none"})
    _both("nn.functional.cross_entropy", logits, [2, 1])
    _both("nn.functional.cross_entropy", logits, [0, 1], kwargs_t={"label_smoothing": 0.1})


@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_all_targets_ignored_gives_nan_loss_and_zero_gradient(fn: str) -> None:
    x = [[1.0, 2.0], [0.5, 0.1]]
    _both(f"nn.functional.{fn}", x, [0, 0], kwargs_t={"ignore_index": 0})
    # a counted row of weight 0 gets torch's 0/0 = NaN gradient, the ignored one 0
    _both(
        f"nn.functional.{fn}",
        x,
        [1, 0],
        kwargs_t={"ignore_index": 0, "weight": torch.tensor([1.0, 0.0])},
        kwargs_n={"ignore_index": 0, "weight": ng.tensor([1.0, 0.0])},
    )


@pytest.mark.parametrize("fn,key", [("huber_loss", "delta"), ("smooth_l1_loss", "beta")])
def test_huber_and_smooth_l1_at_inf_and_nan(fn: str, key: str) -> None:
    x = [NAN, INF, -INF, 0.3, 2.0, -2.0, 1.0, -1.0]
    for k in (1.0, 0.5):
        _both(f"nn.functional.{fn}", x, [0.0] * 8, kwargs_t={"reduction": "none", key: k})


def test_kl_div_zero_target_against_minus_inf_input_is_nan() -> None:
    # torch's xlogy(t, t) - t * x: 0 * -inf is NaN
    for x, t in (([[-1.0, -INF]], [[1.0, 0.0]]), ([[-1.0, -2.0, -3.0]], [[0.5, 0.5, 0.0]])):
        for reduction in ("none", "batchmean"):
            _both("nn.functional.kl_div", x, t, kwargs_t={"reduction": reduction}, grad=(0, 1))


def test_binary_cross_entropy_rejects_nan_probabilities() -> None:
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        torch.nn.functional.binary_cross_entropy(torch.tensor([NAN]), torch.tensor([1.0]))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        ng.nn.functional.binary_cross_entropy(ng.tensor([NAN]), ng.tensor([1.0]))


def test_atan2_gradient_at_the_origin_is_zero() -> None:
    _both("atan2", [0.0, 0.0, 1.0, -0.0], [0.0, -0.0, 0.0, 2.0], grad=(0, 1))


@pytest.mark.parametrize("which", ["both", "min", "max"])
def test_clamp_with_tensor_bounds(which: str) -> None:
    # ties, NaN in x or in a bound, and min > max (the result is max)
    x = [0.0, 1.0, 2.0, NAN, 3.0, 5.0, -1.0]
    lo = [0.0, 0.5, 2.5, 0.0, NAN, 1.0, 0.0]
    hi = [0.0, 2.0, 1.0, 1.0, 4.0, 4.0, 2.0]
    ts = [torch.tensor(v, requires_grad=True) for v in (x, lo, hi)]
    ns = [ng.tensor(v, requires_grad=True) for v in (x, lo, hi)]
    use_lo, use_hi = which in ("both", "min"), which in ("both", "max")
    yt = torch.clamp(ts[0], ts[1] if use_lo else None, ts[2] if use_hi else None)
    yn = ng.clamp(ns[0], ns[1] if use_lo else None, ns[2] if use_hi else None)
    _same(yt.detach().numpy(), yn.detach().numpy())
    assert yn.grad_fn.name() == yt.grad_fn.name()
    yt.backward(torch.arange(1.0, 8.0))
    yn.backward(ng.arange(1.0, 8.0))
    for t, n, used in zip(ts, ns, (True, use_lo, use_hi)):
        if used:
            _same(t.grad.numpy(), n.grad.numpy())
