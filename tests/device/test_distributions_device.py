"""nablagrad.distributions on the fake CUDA device: draws, log_prob, entropy, KL and the
reparameterised gradients give the CPU's values (the CPU path is compared with torch in
tests/distributions) and stay on the device."""

import numpy as np
import pytest

import nablagrad as ng
import nablagrad.distributions as nd

MAKERS = {
    "gamma": lambda t: nd.Gamma(t([0.5, 2.0]), t([1.0, 3.0])),
    "chi2": lambda t: nd.Chi2(t([1.0, 4.0])),
    "beta": lambda t: nd.Beta(t([0.5, 2.0]), t([1.5, 0.7])),
    "dirichlet": lambda t: nd.Dirichlet(t([[0.5, 2.0, 1.0], [1.0, 1.0, 3.0]])),
    "exponential": lambda t: nd.Exponential(t([0.5, 2.0])),
    "laplace": lambda t: nd.Laplace(t([0.0, 1.0]), t([1.0, 2.0])),
    "mvn": lambda t: nd.MultivariateNormal(
        t([0.0, 1.0]), covariance_matrix=t([[2.0, 0.5], [0.5, 1.0]])
    ),
    "mvn_precision": lambda t: nd.MultivariateNormal(
        t([0.0, 1.0]), precision_matrix=t([[2.0, 0.5], [0.5, 1.0]])
    ),
}


def _run(name, where):
    leaves = []

    def t(v):
        leaves.append(ng.tensor(np.array(v, np.float64), device=where, requires_grad=True))
        return leaves[-1]

    ng.manual_seed(0)
    d = MAKERS[name](t)
    x = d.rsample((5,))
    lp = d.log_prob(x.detach())
    ent = d.entropy()
    kl = nd.kl_divergence(d, d)
    loss = (x * x).sum() + lp.sum() + ent.sum() + kl.sum()
    grads = ng.autograd.grad(loss, leaves, allow_unused=True)
    return [x, lp, ent, kl] + [g for g in grads if g is not None]


@pytest.mark.parametrize("name", list(MAKERS))
def test_same_values_on_device(device, name):
    cpu, dev = _run(name, "cpu"), _run(name, device)
    assert len(cpu) == len(dev)
    for a, b in zip(cpu, dev):
        assert b.device.type == device
        np.testing.assert_allclose(b.detach().cpu().numpy(), a.detach().numpy(), rtol=1e-10)


def test_discrete_draws_on_device(device):
    p = ng.tensor([0.2, 0.7], device=device)
    for d in (
        nd.Poisson(p * 3),
        nd.Geometric(p),
        nd.Binomial(ng.tensor([3.0, 5.0], device=device), p),
        nd.OneHotCategorical(p),
        nd.Multinomial(4, p),
        nd.Categorical(p),
        nd.Bernoulli(p),
        nd.Normal(p, 1.0),
        nd.Uniform(p, 1.0),
    ):
        s = d.sample((4,))
        assert s.device.type == device
        assert d.log_prob(s).device.type == device
