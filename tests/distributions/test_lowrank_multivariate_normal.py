"""LowRankMultivariateNormal against torch's: log_prob, entropy, moments, the derived matrices
and the KL pairs with (Low Rank) MultivariateNormal, with gradients (float64, rtol 1e-6 for
values, 1e-5 for gradients); rsample's gradient on the same noise; shapes, expand and
validation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.distributions as td

import nablagrad as ng
import nablagrad.distributions as nd

RNG = np.random.default_rng(1)
LOC = RNG.normal(size=(2, 4))
W = RNG.normal(size=(4, 2))
D = np.array([0.5, 1.0, 2.0, 0.3])


def close(a, b, rtol=1e-6, what=""):
    np.testing.assert_allclose(
        a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=1e-9, err_msg=what
    )


def both(loc=LOC, w=W, d=D):
    out = []
    for t, M in ((ng, nd), (torch, td)):
        ps = [t.tensor(v, requires_grad=True) for v in (loc, w, d)]
        out.append((M.LowRankMultivariateNormal(*ps), ps))
    return out


FNS = {
    "log_prob": lambda d, t: d.log_prob(t.tensor(np.linspace(-1, 1, 24).reshape(3, 2, 4))),
    "entropy": lambda d, t: d.entropy(),
    "variance": lambda d, t: d.variance + d.mean + d.mode + d.stddev,
    "covariance": lambda d, t: d.covariance_matrix,
    "precision": lambda d, t: d.precision_matrix,
    "scale_tril": lambda d, t: d.scale_tril,
}


@pytest.mark.parametrize("what", list(FNS))
def test_values_and_gradients_match_torch(what):
    (d, dps), (t, tps) = both()
    ours, theirs = FNS[what](d, ng), FNS[what](t, torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    close(ours, theirs, 1e-6, what)
    w = np.linspace(0.5, 1.5, theirs.numel()).reshape(tuple(theirs.shape))
    (theirs * torch.tensor(w)).sum().backward()
    (ours * ng.tensor(w)).sum().backward()
    for a, b in zip(dps, tps):
        if b.grad is None:
            assert a.grad is None
        else:
            close(a.grad, b.grad, 1e-5, f"{what} grad")


def test_rsample_gradient_matches_torch_on_the_same_noise():
    (d, dps), (t, tps) = both()
    ng.manual_seed(4)
    eps_w = ng.randn((5, 2, 2), dtype=ng.float64)
    eps_d = ng.randn((5, 2, 4), dtype=ng.float64)
    ng.manual_seed(4)
    x = d.rsample((5,))
    tw, td_ = torch.tensor(eps_w.numpy()), torch.tensor(eps_d.numpy())
    tx = tps[0] + (tps[1] @ tw.unsqueeze(-1)).squeeze(-1) + tps[2].sqrt() * td_
    close(x, tx, 1e-6, "sample")
    (tx.cos() * tx).sum().backward()
    (x.cos() * x).sum().backward()
    for a, b in zip(dps, tps):
        close(a.grad, b.grad, 1e-5, "rsample grad")


def _mvn(lib):
    t, M = (ng, nd) if lib == "ng" else (torch, td)
    cov = W @ W.T + np.diag([1.0, 2.0, 0.5, 1.5])
    ps = [t.tensor(v, requires_grad=True) for v in (LOC[0] * 0.5, cov)]
    return M.MultivariateNormal(ps[0], covariance_matrix=ps[1]), ps


def _lowrank2(lib):
    t, M = (ng, nd) if lib == "ng" else (torch, td)
    ps = [t.tensor(v, requires_grad=True) for v in (LOC[1], W[:, :1] * 2, D[::-1].copy())]
    return M.LowRankMultivariateNormal(*ps), ps


@pytest.mark.parametrize(
    ("make_p", "make_q"),
    [
        (lambda lib: both()[0 if lib == "ng" else 1], _lowrank2),
        (_mvn, lambda lib: both()[0 if lib == "ng" else 1]),
        (lambda lib: both()[0 if lib == "ng" else 1], _mvn),
    ],
    ids=["lowrank-lowrank", "mvn-lowrank", "lowrank-mvn"],
)
def test_kl_and_gradients_match_torch(make_p, make_q):
    (p, pps), (q, qps) = make_p("ng"), make_q("ng")
    (tp, tpps), (tq, tqps) = make_p("torch"), make_q("torch")
    ours, theirs = nd.kl_divergence(p, q), td.kl_divergence(tp, tq)
    close(ours, theirs, 1e-6, "kl")
    theirs.sum().backward()
    ours.sum().backward()
    for a, b in zip(pps + qps, tpps + tqps):
        close(a.grad, b.grad, 1e-5, "kl grad")


def test_shapes_expand_statistics_and_flags():
    (d, _), (t, _) = both()
    assert d.batch_shape == t.batch_shape and d.event_shape == t.event_shape
    assert repr(d.support) == repr(t.support) and d.has_rsample
    for k, c in t.arg_constraints.items():
        assert repr(d.arg_constraints[k]) == repr(c)
    e, te = d.expand((3, 2)), t.expand((3, 2))
    assert e.batch_shape == te.batch_shape and tuple(e.rsample((5,)).shape) == (5, 3, 2, 4)
    v = np.zeros((3, 2, 4))
    close(e.log_prob(ng.tensor(v)), te.log_prob(torch.tensor(v)))
    ng.manual_seed(0)
    s = nd.LowRankMultivariateNormal(ng.tensor(LOC[0]), ng.tensor(W), ng.tensor(D)).sample((20000,))
    np.testing.assert_allclose(np.cov(s.numpy().T), W @ W.T + np.diag(D), rtol=0.06, atol=0.06)


@pytest.mark.parametrize(
    "make",
    [
        lambda t, M: M.LowRankMultivariateNormal(t.tensor(0.0), t.ones(1, 1), t.ones(1)),
        lambda t, M: M.LowRankMultivariateNormal(t.zeros(2), t.ones(2), t.ones(2)),
        lambda t, M: M.LowRankMultivariateNormal(t.zeros(2), t.ones(3, 1), t.ones(2)),
        lambda t, M: M.LowRankMultivariateNormal(t.zeros(2), t.ones(2, 1), t.ones(3)),
        lambda t, M: M.LowRankMultivariateNormal(t.zeros(3, 2), t.ones(4, 2, 1), t.ones(2)),
    ],
)
def test_validation_errors_match_torch(make):
    messages = []
    for t, M in ((torch, td), (ng, nd)):
        with pytest.raises(ValueError) as info:
            make(t, M)
        messages.append(str(info.value)[:30])
    assert messages[0] == messages[1]


def test_negative_cov_diag_is_a_validation_error():
    # torch factorises the capacitance before validating and raises LinAlgError; nablagrad
    # validates first, naming the parameter and its constraint
    with pytest.raises(RuntimeError):
        td.LowRankMultivariateNormal(torch.zeros(2), torch.ones(2, 1), -torch.ones(2))
    with pytest.raises(ValueError, match=r"cov_diag .*IndependentConstraint\(GreaterThan"):
        nd.LowRankMultivariateNormal(ng.zeros(2), ng.ones(2, 1), -ng.ones(2))
