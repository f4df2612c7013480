"""LKJCholesky against torch.distributions: log_prob and its gradient on the same factors
(float64, rtol 1e-7 / 1e-6), shapes, support, expand, validation errors and repr; the onion
sampler's draws are Cholesky factors of correlation matrices whose off-diagonal correlations
have LKJ's marginal law ((r + 1) / 2 ~ Beta(b, b), b = eta - 1 + dim / 2: variance
1 / (2 eta + dim - 1)) (seeded, loose)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.distributions as td

import nablagrad as ng
import nablagrad.distributions as nd

CONC = np.array([0.5, 1.0, 3.0])


@pytest.mark.parametrize("dim", [2, 4])
def test_log_prob_and_gradient_match_torch(dim):
    nc, tc = ng.tensor(CONC, requires_grad=True), torch.tensor(CONC, requires_grad=True)
    d, t = nd.LKJCholesky(dim, nc), td.LKJCholesky(dim, tc)
    assert d.batch_shape == t.batch_shape and d.event_shape == t.event_shape
    assert repr(d.support) == repr(t.support) and d.has_rsample == t.has_rsample
    assert repr(d.arg_constraints["concentration"]) == repr(t.arg_constraints["concentration"])
    ng.manual_seed(0)
    value = d.sample((5,)).numpy()
    ours, theirs = d.log_prob(ng.tensor(value)), t.log_prob(torch.tensor(value))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-7)
    w = np.linspace(0.5, 1.5, ours.numel()).reshape(tuple(ours.shape))
    (ours * ng.tensor(w)).sum().backward(), (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(nc.grad.numpy(), tc.grad.numpy(), rtol=1e-6)
    for shape in [(), (4,), (2, 3)]:
        assert tuple(d.sample(shape).shape) == tuple(t.sample(shape).shape)
    e, te = d.expand((2, 3)), t.expand((2, 3))
    assert e.batch_shape == te.batch_shape
    assert tuple(e.sample((4,)).shape) == tuple(te.sample((4,)).shape)
    np.testing.assert_allclose(
        e.log_prob(ng.tensor(value[:2])).detach().numpy(),
        te.log_prob(torch.tensor(value[:2])).detach().numpy(),
        rtol=1e-7,
    )
    with pytest.raises(NotImplementedError):
        d.rsample()


def _correlation_variances(L, dim):
    C = L @ np.swapaxes(L, -1, -2)
    np.testing.assert_allclose(np.diagonal(C, axis1=-2, axis2=-1), 1.0, atol=1e-12)
    i, j = np.tril_indices(dim, -1)
    return C[..., i, j]


def test_onion_samples_have_lkj_marginals():
    """Ours match the LKJ marginal for every entry; torch 2.13's sampler does only for the
    first row (its Beta(i - 1/2, ...) rows are too spread: 0.25 instead of 0.2 here)."""
    ng.manual_seed(1)
    dim, eta = 4, np.array([1.0, 4.0])
    L = nd.LKJCholesky(dim, ng.tensor(eta)).sample((20000,)).numpy()
    torch.manual_seed(1)
    tr = _correlation_variances(
        td.LKJCholesky(dim, torch.tensor(eta)).sample((20000,)).numpy(), dim
    )
    assert tr.var(0)[0, 1:].min() > 0.23
    assert bool(nd.constraints.corr_cholesky.check(ng.tensor(L)).all())
    r = _correlation_variances(L, dim)  # (n, 2, 6)
    np.testing.assert_allclose(r.mean(0), 0.0, atol=0.02)
    np.testing.assert_allclose(r.var(0), (1 / (2 * eta + dim - 1))[:, None] * np.ones(6), rtol=0.06)
    assert nd.LKJCholesky(3, 1.0).sample().dtype == ng.float32


@pytest.mark.parametrize(
    "make",
    [
        lambda t, D: D.LKJCholesky(1, t.tensor(1.0)),
        lambda t, D: D.LKJCholesky(3, t.tensor([-1.0])),
        lambda t, D: D.LKJCholesky(2, t.tensor([1.0])).log_prob(t.tensor([[1.0, 0.0], [0.5, 0.5]])),
    ],
)
def test_validation_errors_match_torch(make):
    messages = []
    for t, D in ((torch, td), (ng, nd)):
        with pytest.raises(ValueError) as info:
            make(t, D)
        messages.append(str(info.value).split("(")[0])
    assert messages[0] == messages[1]


def test_repr_matches_torch():
    ours = repr(nd.LKJCholesky(3, ng.tensor(2.0))).replace("tensor(", "")
    assert ours == repr(td.LKJCholesky(3, torch.tensor(2.0))).replace("tensor(", "")
