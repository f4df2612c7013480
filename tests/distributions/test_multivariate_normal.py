"""MultivariateNormal against torch.distributions.MultivariateNormal, in each of its three
parameterisations: log_prob, entropy, moments, the derived matrices and KL with their gradients
(float64, rtol 1e-6 / 1e-5 for gradients), rsample gradients on the same noise, shapes,
expand, validation, sample statistics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.distributions as td

import nablagrad as ng
import nablagrad.distributions as nd

RNG = np.random.default_rng(0)
LOC = RNG.normal(size=(2, 3))  # batch 2, event 3
_A = RNG.normal(size=(3, 3))
COV = _A @ _A.T + 3 * np.eye(3)
PREC = np.linalg.inv(COV)
TRIL = np.linalg.cholesky(COV)
BATCH_COV = np.stack([COV, np.eye(3) * 2 + 0.5])


def close(a, b, rtol=1e-6, what=""):
    np.testing.assert_allclose(
        a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=1e-9, err_msg=what
    )


def both(kind, matrix=None, loc=LOC):
    matrix = (
        {"covariance_matrix": COV, "precision_matrix": PREC, "scale_tril": TRIL}[kind]
        if (matrix is None)
        else matrix
    )
    out = []
    for t, D in ((ng, nd), (torch, td)):
        loc_t = t.tensor(loc, requires_grad=True)
        m_t = t.tensor(matrix, requires_grad=True)
        out.append((D.MultivariateNormal(loc_t, **{kind: m_t}), loc_t, m_t))
    return out


KINDS = ["covariance_matrix", "precision_matrix", "scale_tril"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("what", ["log_prob", "entropy", "variance", "matrices"])
def test_values_and_gradients_match_torch(kind, what):
    (d, nl, nm), (t, tl, tm) = both(kind)
    value = RNG.normal(size=(4, 1, 3))
    fns = {
        "log_prob": lambda d, lib: d.log_prob(lib.tensor(value)),
        "entropy": lambda d, lib: d.entropy(),
        "variance": lambda d, lib: d.variance + d.stddev + d.mean + d.mode,
        "matrices": lambda d, lib: (
            d.covariance_matrix.sum(-1) + d.precision_matrix.sum(-1) + d.scale_tril.sum(-1)
        ),
    }
    ours, theirs = fns[what](d, ng), fns[what](t, torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    close(ours, theirs, 1e-6, what)
    w = np.linspace(0.5, 1.5, theirs.numel()).reshape(tuple(theirs.shape))
    (theirs * torch.tensor(w)).sum().backward()
    (ours * ng.tensor(w)).sum().backward()
    for n_, t_ in ((nl, tl), (nm, tm)):
        if t_.grad is None:  # entropy does not depend on loc
            assert n_.grad is None
        else:
            close(n_.grad, t_.grad, 1e-5, f"{what} grad")


def test_batched_matrix_broadcasts_with_loc():
    (d, _, _), (t, _, _) = both("covariance_matrix", BATCH_COV, LOC[0])
    assert d.batch_shape == t.batch_shape == (2,) and d.event_shape == (3,)
    v = RNG.normal(size=(5, 2, 3))
    close(d.log_prob(ng.tensor(v)), t.log_prob(torch.tensor(v)))
    close(d.entropy(), t.entropy())
    e, te = d.expand((4, 2)), t.expand((4, 2))
    assert e.batch_shape == te.batch_shape and tuple(e.covariance_matrix.shape) == (4, 2, 3, 3)
    close(e.log_prob(ng.tensor(v[:4])), te.log_prob(torch.tensor(v[:4])))
    assert tuple(e.sample((6,)).shape) == (6, 4, 2, 3)


@pytest.mark.parametrize("kind", KINDS)
def test_rsample_gradient_matches_torch_on_the_same_eps(kind):
    (d, nl, nm), (t, tl, tm) = both(kind)
    ng.manual_seed(3)
    eps = ng.randn((7, 2, 3), dtype=ng.float64)
    ng.manual_seed(3)
    x = d.rsample((7,))
    # torch's rsample: loc + L @ eps, fed the same eps
    tx = tl + (t._unbroadcasted_scale_tril @ torch.tensor(eps.numpy()).unsqueeze(-1)).squeeze(-1)
    close(x, tx, 1e-6, "sample")
    (tx.sin() * tx).sum().backward()
    (x.sin() * x).sum().backward()
    close(nl.grad, tl.grad, 1e-5, "d/dloc")
    close(nm.grad, tm.grad, 1e-5, f"d/d{kind}")


def test_sample_statistics():
    ng.manual_seed(0)
    d = nd.MultivariateNormal(ng.tensor(LOC[0]), covariance_matrix=ng.tensor(COV))
    s = d.sample((20000,)).numpy()
    assert not d.sample().requires_grad
    np.testing.assert_allclose(s.mean(0), LOC[0], atol=0.1)
    np.testing.assert_allclose(np.cov(s.T), COV, rtol=0.05, atol=0.1)


@pytest.mark.parametrize("pk", KINDS)
@pytest.mark.parametrize("qk", ["covariance_matrix", "scale_tril"])
def test_kl_and_gradients_match_torch(pk, qk):
    (p, pl, pm), (tp, tpl, tpm) = both(pk)
    (q, ql, qm), (tq, tql, tqm) = both(qk, BATCH_COV if qk == "covariance_matrix" else None)
    ours, theirs = nd.kl_divergence(p, q), td.kl_divergence(tp, tq)
    close(ours, theirs, 1e-6, "kl")
    theirs.sum().backward()
    ours.sum().backward()
    for a, b in ((pl, tpl), (pm, tpm), (ql, tql), (qm, tqm)):
        close(a.grad, b.grad, 1e-5, "kl grad")
    with pytest.raises(ValueError, match="event shapes"):
        nd.kl_divergence(p, nd.MultivariateNormal(ng.zeros(2), ng.eye(2)))


def test_support_constraints_repr_and_flags_match_torch():
    (d, _, _), (t, _, _) = both("scale_tril")
    assert repr(d.support) == repr(t.support) and d.has_rsample == t.has_rsample
    for k, c in t.arg_constraints.items():
        assert repr(d.arg_constraints[k]) == repr(c)
    assert repr(d) == "MultivariateNormal(loc: (2, 3), scale_tril: (2, 3, 3))"


@pytest.mark.parametrize(
    "make",
    [
        lambda t, D: D.MultivariateNormal(t.zeros(2)),
        lambda t, D: D.MultivariateNormal(t.zeros(2), t.eye(2), scale_tril=t.eye(2)),
        lambda t, D: D.MultivariateNormal(t.tensor(0.0), t.eye(1)),
        lambda t, D: D.MultivariateNormal(t.zeros(2), scale_tril=t.ones(2)),
        lambda t, D: D.MultivariateNormal(t.zeros(2), t.tensor([[1.0, 2.0], [2.0, 1.0]])),
        lambda t, D: D.MultivariateNormal(t.zeros(2), t.tensor([[1.0, 0.5], [0.0, 1.0]])),
        lambda t, D: D.MultivariateNormal(t.zeros(2), scale_tril=t.tensor([[-1.0, 0], [0, 1]])),
        lambda t, D: D.MultivariateNormal(t.zeros(2), precision_matrix=-t.eye(2)),
        lambda t, D: D.MultivariateNormal(t.zeros(2), t.eye(2)).log_prob(t.zeros(3)),
    ],
)
def test_validation_errors_match_torch(make):
    messages = []
    for t, D in ((torch, td), (ng, nd)):
        with pytest.raises(ValueError) as info:
            make(t, D)
        messages.append(str(info.value)[:40])
    assert messages[0] == messages[1]
