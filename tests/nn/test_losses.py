"""Losses vs torch: every reduction, weights, ignore_index, label smoothing, pos_weight."""

import warnings

import numpy as np
import pytest
import torch
from helpers import check_op, check_tails

import nablagrad as ng
from nablagrad import nn
from nablagrad.nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "name,kw",
    [
        ("MSELoss", {}),
        ("L1Loss", {}),
        ("HuberLoss", {}),
        ("HuberLoss", {"delta": 0.5}),
        ("SmoothL1Loss", {}),
        ("SmoothL1Loss", {"beta": 0.3}),
    ],
)
def test_regression_losses(name, kw, reduction):
    ng_l = getattr(nn, name)(reduction=reduction, **kw)
    t_l = getattr(torch.nn, name)(reduction=reduction, **kw)
    check_op(ng_l, t_l, [(4, 5), (4, 5)], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce(reduction, weighted):
    p = RNG.uniform(0.01, 0.99, (6, 3)).astype(np.float32)
    y = (RNG.random((6, 3)) > 0.5).astype(np.float32)
    w = RNG.uniform(0.5, 2, (3,)).astype(np.float32)
    check_op(
        lambda a, b: F.binary_cross_entropy(
            a, b, ng.tensor(w) if weighted else None, reduction=reduction
        ),
        lambda a, b: torch.nn.functional.binary_cross_entropy(
            a, b, torch.from_numpy(w) if weighted else None, reduction=reduction
        ),
        inputs=[p, y],
        atol=1e-5,
        rtol=1e-5,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("pos_weight", [None, [0.5, 2.0, 3.0]])
def test_bce_with_logits_stable(reduction, pos_weight):
    x = np.array([[-1e4, 0.0, 3.0], [50.0, -60.0, 1e4], [0.5, -0.5, 2.0]], dtype=np.float32)
    y = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.3, 0.7, 0.0]], dtype=np.float32)
    pw = None if pos_weight is None else np.array(pos_weight, np.float32)
    check_op(
        lambda a, b: nn.BCEWithLogitsLoss(
            reduction=reduction, pos_weight=None if pw is None else ng.tensor(pw)
        )(a, b),
        lambda a, b: torch.nn.BCEWithLogitsLoss(
            reduction=reduction, pos_weight=None if pw is None else torch.from_numpy(pw)
        )(a, b),
        inputs=[x, y],
        atol=1e-4,
        rtol=1e-5,
    )


TAIL_TOL = {np.float32: 1e-5, np.float64: 1e-12}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pos_weight", [None, 3.0])
def test_bce_with_logits_gradient_tails(dtype, pos_weight):
    # for y = 0 the gradient is sigmoid(x): the composed loss's 1 - sigmoid(-x) gave 0 below
    # x = -17 in float32 (torch 3e-8) and a 20% error at -15
    x = np.array([-1e4, -100.0, -40.0, -20.0, -17.0, -15.0, -10.0, -3.0, 0.0, 2.0], dtype)
    y = np.zeros_like(x)
    pw = None if pos_weight is None else np.full_like(x, pos_weight)

    def loss(lib, a, b):
        w = None if pw is None else (ng.tensor(pw) if lib is F else torch.from_numpy(pw))
        return lib.binary_cross_entropy_with_logits(a, b, pos_weight=w, reduction="none")

    check_tails(lambda a, b: loss(F, a, b), lambda a, b: loss(torch.nn.functional, a, b),
                [x, y], TAIL_TOL[dtype], value=False)  # fmt: skip
    # for y = 1, -pw sigmoid(-x) (torch's sigmoid(x) - 1 cancels there: the reference is
    # computed directly)
    a = ng.tensor(-x, requires_grad=True)
    loss(F, a, ng.tensor(np.ones_like(x))).sum().backward()
    want = -torch.sigmoid(torch.from_numpy(x)).numpy() * (1.0 if pw is None else pw)
    np.testing.assert_allclose(a.grad.numpy(), want, rtol=TAIL_TOL[dtype], atol=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_small_probabilities_keep_relative_precision(dtype):
    # -log(1 - p) as log1p(-p), as torch: log(1 - p) gave 0 for p = 1e-10 in float32
    p = np.array([1e-30, 1e-20, 1e-10, 1e-5, 0.1, 0.5, 0.9], dtype)
    for y in (0.0, 0.3):
        check_tails(
            lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
            lambda a, b: torch.nn.functional.binary_cross_entropy(a, b, reduction="none"),
            [p, np.full_like(p, y)],
            TAIL_TOL[dtype],
            grad=False,
        )


CE_CASES = [
    {},
    {"label_smoothing": 0.1},
    {"ignore_index": 2},
    {"weight": True},
    {"weight": True, "ignore_index": 1, "label_smoothing": 0.2},
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CE_CASES)
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5)])
def test_cross_entropy_index_targets(reduction, case, shape):
    rng = np.random.default_rng(1)
    x = rng.uniform(-3, 3, shape).astype(np.float32)
    tshape = (shape[0],) + shape[2:]
    t = rng.integers(0, 4, tshape).astype(np.int64)
    t.flat[0] = 2  # make sure ignore_index=2 is exercised
    kw = dict(case)
    w = rng.uniform(0.5, 2, 4).astype(np.float32)
    ng_kw = dict(kw, weight=ng.tensor(w)) if kw.get("weight") else kw
    t_kw = dict(kw, weight=torch.from_numpy(w)) if kw.get("weight") else kw
    check_op(
        lambda a, b: nn.CrossEntropyLoss(reduction=reduction, **ng_kw)(a, b),
        lambda a, b: torch.nn.CrossEntropyLoss(reduction=reduction, **t_kw)(a, b),
        inputs=[x, t],
        atol=1e-5,
        rtol=1e-5,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing,weighted", [(0.0, False), (0.25, True)])
def test_cross_entropy_probability_targets(reduction, smoothing, weighted):
    rng = np.random.default_rng(2)
    x = rng.uniform(-3, 3, (5, 4)).astype(np.float32)
    p = rng.random((5, 4)).astype(np.float32)
    p /= p.sum(1, keepdims=True)
    w = rng.uniform(0.5, 2, 4).astype(np.float32)
    check_op(
        lambda a, b: F.cross_entropy(
            a, b, ng.tensor(w) if weighted else None, reduction=reduction, label_smoothing=smoothing
        ),
        lambda a, b: torch.nn.functional.cross_entropy(
            a,
            b,
            torch.from_numpy(w) if weighted else None,
            reduction=reduction,
            label_smoothing=smoothing,
        ),
        inputs=[x, p],
        atol=1e-5,
        rtol=1e-5,
    )


def test_cross_entropy_is_stable_and_double_differentiable():
    x = ng.tensor([[1e4, -1e4, 0.0], [0.0, 0.0, 1e4]], requires_grad=True)
    loss = F.cross_entropy(x, ng.tensor([1, 2]))
    xt = torch.tensor([[1e4, -1e4, 0.0], [0.0, 0.0, 1e4]], requires_grad=True)
    lt = torch.nn.functional.cross_entropy(xt, torch.tensor([1, 2]))
    np.testing.assert_allclose(loss.item(), lt.item(), rtol=1e-6)
    loss.backward()
    lt.backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), atol=1e-6)
    rng = np.random.default_rng(3)
    z = ng.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    fn = lambda z: F.cross_entropy(z, ng.tensor([0, 3, 1]), label_smoothing=0.1)  # noqa: E731
    assert ng.autograd.gradcheck(fn, (z,))
    assert ng.autograd.gradgradcheck(fn, (z,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,ignore", [(False, -100), (True, 0)])
def test_nll_loss(reduction, weighted, ignore):
    rng = np.random.default_rng(4)
    x = np.log(rng.dirichlet(np.ones(5), 7)).astype(np.float32)
    t = rng.integers(0, 5, 7).astype(np.int64)
    t[0] = 0
    w = rng.uniform(0.5, 2, 5).astype(np.float32)
    check_op(
        lambda a, b: nn.NLLLoss(ng.tensor(w) if weighted else None, None, ignore, None, reduction)(
            a, b
        ),
        lambda a, b: torch.nn.NLLLoss(
            torch.from_numpy(w) if weighted else None, None, ignore, None, reduction
        )(a, b),
        inputs=[x, t],
        atol=1e-5,
        rtol=1e-5,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    rng = np.random.default_rng(5)
    x = np.log(rng.dirichlet(np.ones(4), 3)).astype(np.float32)
    t = rng.dirichlet(np.ones(4), 3).astype(np.float32)
    if log_target:
        t = np.log(t + 0.1).astype(np.float32)
    check_op(
        lambda a, b: nn.KLDivLoss(reduction=reduction, log_target=log_target)(a, b),
        lambda a, b: torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)(a, b),
        inputs=[x, t],
        atol=1e-5,
        rtol=1e-5,
    )


def test_kl_div_zero_target_forward():
    x = np.log(np.array([[0.2, 0.8]], np.float32))
    t = np.array([[0.0, 1.0]], np.float32)
    out = F.kl_div(ng.tensor(x), ng.tensor(t), reduction="sum").item()
    ref = torch.nn.functional.kl_div(torch.from_numpy(x), torch.from_numpy(t), reduction="sum")
    np.testing.assert_allclose(out, ref.item(), rtol=1e-6)


def test_weight_penalties():
    lin = nn.Linear(3, 2)
    w = lin.weight.numpy(force=True)
    l1 = nn.l1_penalty([lin.weight], 0.1)
    l2 = nn.l2_penalty(lin, 0.1)  # a Module: weights only, biases excluded
    np.testing.assert_allclose(l1.item(), 0.1 * np.abs(w).sum(), rtol=1e-6)
    np.testing.assert_allclose(l2.item(), 0.05 * (w**2).sum(), rtol=1e-6)
    l2.backward()
    np.testing.assert_allclose(lin.weight.grad.numpy(), 0.1 * w, rtol=1e-6)
    assert lin.bias.grad is None


def test_loss_errors_are_clear():
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.warns(UserWarning, match="different to the input size"):  # as torch
        F.mse_loss(ng.randn(4, 1), ng.randn(4))
    with pytest.raises(IndexError, match="out of bounds for 3 classes"):
        F.cross_entropy(ng.randn(2, 3), ng.tensor([0, 3]))
    with pytest.raises(RuntimeError, match="should be between 0 and 1"):
        F.binary_cross_entropy(ng.tensor([1.5]), ng.tensor([1.0]))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"])
@pytest.mark.parametrize("shapes", [((3, 1), (3, 4)), ((4,), (2, 4))])
def test_pointwise_losses_broadcast_a_target_of_another_shape(name, shapes):
    """As torch: the regression losses broadcast (with torch's UserWarning) instead of
    raising; kl_div broadcasts silently; values and input gradients equal torch's."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(shapes[0]), rng.random(shapes[1])
    kw = {"reduction": "sum"}
    xt = torch.tensor(x, requires_grad=True)
    xn = ng.tensor(x, requires_grad=True)
    outs = []
    for lib, xi in ((torch, xt), (ng, xn)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outs.append(getattr(lib.nn.functional, name)(xi, lib.tensor(y), **kw))
        messages = [str(w.message) for w in caught]
        if name == "kl_div":
            assert not messages
        else:
            assert len(messages) == 1 and "different to the input size" in messages[0]
    lt, ln = outs
    lt.backward()
    ln.backward()
    np.testing.assert_allclose(ln.item(), lt.item(), rtol=1e-12)
    np.testing.assert_allclose(xn.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError):
        getattr(F, name)(ng.zeros(3, 2), ng.zeros(3, 4), **kw)


def test_loss_error_types_as_torch():
    cases = [
        lambda L: L.nn.functional.huber_loss(L.zeros(3), L.zeros(3), delta=-1.0),
        lambda L: L.nn.functional.smooth_l1_loss(L.zeros(3), L.zeros(3), beta=-1.0),
        lambda L: L.nn.functional.cross_entropy(
            L.zeros(3, 4), L.tensor([0, 1, 2]), weight=L.ones(3)
        ),
        lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.zeros(3, 4), ignore_index=1),
        lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.tensor([0.0, 1.0, 2.0])),
        lambda L: L.nn.functional.cross_entropy(L.zeros(3, 4), L.zeros(3, 4, dtype=L.int64)),
        lambda L: L.nn.functional.cross_entropy(
            L.zeros(3, 4), L.tensor([0, 1, 2]), label_smoothing=2.0
        ),
        lambda L: L.nn.functional.nll_loss(L.zeros(3, 4), L.tensor([0.0, 1.0, 2.0])),
        lambda L: L.nn.functional.binary_cross_entropy(L.tensor([1.5]), L.tensor([1.0])),
    ]
    for f in cases:
        with pytest.raises(RuntimeError):
            f(torch)
        with pytest.raises(RuntimeError):
            f(ng)
    for lib in (torch, ng):
        with pytest.raises(ValueError, match="1 or more dimensions"):
            lib.nn.functional.nll_loss(lib.zeros(()), lib.tensor(1))
        with pytest.warns(UserWarning, match="batchmean"):
            lib.nn.KLDivLoss()(lib.zeros(2, 3), lib.ones(2, 3))
