"""nn.AdaptiveLogSoftmaxWithLoss (forward's (output, loss), log_prob, predict: values and
gradients against torch after copying the weights, float64 rtol 1e-10), and the deprecated or
base classes NLLLoss2d, Container and RNNCellBase, against torch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import nablagrad as ng

RTOL = 1e-10


def _pair(in_features=6, n_classes=11, cutoffs=(3, 7), **kw):
    torch.manual_seed(0)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs), **kw).double()
    n = ng.nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, list(cutoffs), **kw).double()
    n.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return n, t


def _close(a, b, rtol=RTOL):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=1e-12)


def test_structure_matches_torch():
    n, t = _pair(div_value=2.0, head_bias=True)
    assert list(n.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        assert tuple(n.state_dict()[k].shape) == tuple(v.shape), k
    for attr in ("cutoffs", "shortlist_size", "n_clusters", "head_size", "div_value"):
        assert getattr(n, attr) == getattr(t, attr), attr


@pytest.mark.parametrize(
    "target",
    [[0, 3, 5, 10, 7, 2, 9], [1, 2, 0, 0, 1, 2, 1], [8, 9, 10, 7, 8, 9, 10], [4, 4, 4, 4, 4, 4, 4]],
)
@pytest.mark.parametrize("head_bias", [False, True])
def test_forward_values_and_gradients_match_torch(target, head_bias):
    n, t = _pair(head_bias=head_bias)
    x = np.random.default_rng(1).normal(size=(7, 6))
    xn = ng.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out_n = n(xn, ng.tensor(target))
    out_t = t(xt, torch.tensor(target))
    assert type(out_n).__name__ == type(out_t).__name__ == "_ASMoutput"
    assert out_n._fields == out_t._fields == ("output", "loss")
    _close(out_n.output, out_t.output)
    _close(out_n.loss, out_t.loss)
    (out_n.loss + out_n.output[0]).backward()
    (out_t.loss + out_t.output[0]).backward()
    _close(xn.grad, xt.grad)
    tp = dict(t.named_parameters())
    for name, p in n.named_parameters():
        if tp[name].grad is None:
            assert p.grad is None or not p.grad.abs().sum().item(), name
        else:
            _close(p.grad, tp[name].grad)


def test_unbatched_forward_matches_torch():
    n, t = _pair()
    x = np.random.default_rng(2).normal(size=6)
    for target in (1, 8):
        on = n(ng.tensor(x), ng.tensor(target))
        ot = t(torch.tensor(x), torch.tensor(target))
        assert tuple(on.output.shape) == tuple(ot.output.shape) == ()
        _close(on.output, ot.output)
        _close(on.loss, ot.loss)


def test_log_prob_and_predict_match_torch():
    n, t = _pair(div_value=2.0)
    x = np.random.default_rng(3).normal(size=(9, 6)) * 3
    xn, xt = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    lp_n, lp_t = n.log_prob(xn), t.log_prob(xt)
    _close(lp_n, lp_t)
    w = np.random.default_rng(4).normal(size=lp_t.shape)
    (lp_n * ng.tensor(w)).sum().backward()
    (lp_t * torch.tensor(w)).sum().backward()
    _close(xn.grad, xt.grad)
    assert n.predict(xn).tolist() == t.predict(xt).tolist()
    # rows whose best head entry is a cluster, all or some of them
    with torch.no_grad():
        t.head.weight[3:] *= 0
        t.head.weight[:3] *= 0
        t.head.weight[4] += 1.0
    n.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    xs = np.abs(x)
    assert n.predict(ng.tensor(xs)).tolist() == t.predict(torch.tensor(xs)).tolist()
    mixed = np.concatenate([xs[:4], -xs[4:]])
    assert n.predict(ng.tensor(mixed)).tolist() == t.predict(torch.tensor(mixed)).tolist()
    assert n.predict(ng.tensor(mixed)).dtype == ng.int64


def test_errors_match_torch():
    for L in (ng, torch):
        asm = L.nn.AdaptiveLogSoftmaxWithLoss(4, 10, [2, 6])
        cases = [
            ((L.zeros(3, 4), L.tensor([0, 1])), "same size in the batch dimension"),
            ((L.zeros(2, 2, 4), L.tensor([0, 1])), "1D target tensor expects 2D input"),
            ((L.zeros(2, 4), L.tensor(1)), "0D target tensor expects 1D input"),
            ((L.zeros(2, 4), L.tensor([[1, 2]])), "multi-target not supported"),
            ((L.zeros(2, 4), L.tensor([3, 10])), r"Target values should be in \[0, 9\]"),
            ((L.zeros(2, 4), L.tensor([-1, 3])), r"values in range \[-1, 3\]"),
        ]
        for args, match in cases:
            with pytest.raises(RuntimeError, match=match):
                asm(*args)
        for cutoffs in ([], [6, 2], [0, 4], [2, 10], [3, 3], [2.5]):
            with pytest.raises(ValueError, match="cutoffs should be a sequence"):
                L.nn.AdaptiveLogSoftmaxWithLoss(4, 10, cutoffs)


def test_nllloss2d_is_deprecated_nllloss_like_torch():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(2, 3, 4, 4)), rng.integers(0, 3, size=(2, 4, 4))
    w = np.array([0.2, 1.0, 3.0])
    outs = []
    for L in (ng, torch):
        with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated"):
            loss = L.nn.NLLLoss2d(weight=L.tensor(w), ignore_index=1)
        assert isinstance(loss, L.nn.NLLLoss)
        xs = L.tensor(x, requires_grad=True)
        out = loss(xs.log_softmax(1), L.tensor(y))
        out.backward()
        outs.append((out, xs.grad))
    _close(outs[0][0], outs[1][0])
    _close(outs[0][1], outs[1][1])


def test_container_is_deprecated_module_like_torch():
    for L in (ng, torch):
        with pytest.warns(FutureWarning, match="`nn.Container` is deprecated"):
            c = L.nn.Container(a=L.nn.Linear(2, 3), b=L.nn.ReLU())
        assert isinstance(c, L.nn.Module)
        assert [n for n, _ in c.named_children()] == ["a", "b"]
        assert sorted(dict(c.named_parameters())) == ["a.bias", "a.weight"]


def test_rnn_cell_base_like_torch():
    for L in (ng, torch):
        for cls in (L.nn.RNNCell, L.nn.LSTMCell, L.nn.GRUCell):
            assert issubclass(cls, L.nn.RNNCellBase)
        assert not issubclass(L.nn.RNN, L.nn.RNNCellBase)
    shapes = []
    for L in (ng, torch):
        L.manual_seed(0)
        cell = L.nn.RNNCellBase(3, 5, True, 4)
        shapes.append({k: tuple(v.shape) for k, v in cell.state_dict().items()})
        assert all(v.abs().max() <= 1 / np.sqrt(5) for v in cell.parameters())
        nobias = L.nn.RNNCellBase(3, 5, bias=False, num_chunks=2)
        assert nobias.bias_ih is None and nobias.bias_hh is None
        assert repr(nobias) == "RNNCellBase(3, 5, bias=False)"
        with pytest.raises(TypeError):
            L.nn.RNNCellBase(3, 5)  # bias and num_chunks are required
    assert shapes[0] == shapes[1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ng.nn.GRUCell(3, 4)(ng.zeros(2, 3))


def test_linear_backward_through_a_zero_width_layer_like_torch():
    # AdaptiveLogSoftmaxWithLoss' tails are Linear(in, 0) when in // div_value**i is 0
    grads = []
    for L in (ng, torch):
        x = L.ones(3, 4, requires_grad=True)
        net = L.nn.Sequential(L.nn.Linear(4, 0), L.nn.Linear(0, 2))
        net(x).sum().backward()
        grads.append([x.grad.numpy(), net[0].weight.grad.numpy(), net[1].bias.grad.numpy()])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("size", [2, 3, 4, 5, 7])
@pytest.mark.parametrize("channels", [1, 3, 6])
def test_cross_map_lrn2d_matches_torch(size, channels):
    # torch's forward never drops channel 0 from its running sum and its backward is its own
    # hand-written formula: both are matched, not the symmetric LocalResponseNorm
    rng = np.random.default_rng(size * 10 + channels)
    x, g = rng.normal(size=(2, channels, 3, 4)), rng.normal(size=(2, channels, 3, 4))
    res = []
    for L in (ng, torch):
        xt = L.tensor(x, requires_grad=True)
        m = L.nn.CrossMapLRN2d(size, alpha=0.3, beta=0.6, k=1.5)
        y = m(xt)
        (y * L.tensor(g)).sum().backward()
        res.append((y.detach().numpy(), xt.grad.numpy(), repr(m)))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12, atol=1e-14)
    assert res[0][2] == res[1][2]


def test_cross_map_lrn2d_errors_like_torch():
    for L in (ng, torch):
        with pytest.raises(ValueError, match="Expected input to be 4D, got 3D"):
            L.nn.CrossMapLRN2d(3)(L.zeros(2, 3, 4))
    x = ng.ones(1, 3, 2, 2, requires_grad=True)
    (g,) = ng.autograd.grad(ng.nn.CrossMapLRN2d(3)(x).sum(), x, create_graph=False)
    with pytest.raises(NotImplementedError, match="not differentiable"):
        ng.autograd.grad(ng.nn.CrossMapLRN2d(3)(x).sum(), x, create_graph=True)
