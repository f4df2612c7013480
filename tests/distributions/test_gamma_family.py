"""Reparameterised sampling of Gamma, Chi2, Beta and Dirichlet: the implicit gradient of a
gamma draw against torch's _standard_gamma_grad (about 1e-4 accurate) and against mpmath
(exact, rtol 1e-8); Monte-Carlo checks that the pathwise gradients are unbiased (seeded,
loose tolerances); double backward refused as in torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng
import nablagrad.distributions as nd
from nablagrad.ops.special import standard_gamma, standard_gamma_grad


def test_gamma_rsample_gradient_is_the_implicit_one():
    ng.manual_seed(0)
    conc = ng.tensor([0.3, 1.0, 2.5, 40.0], dtype=ng.float64, requires_grad=True)
    rate = ng.tensor([1.0, 2.0, 0.5, 3.0], dtype=ng.float64, requires_grad=True)
    x = nd.Gamma(conc, rate).rsample((50,))
    x.sum().backward()
    std = (x * rate).detach()  # the standard Gamma(a, 1) draws
    a = conc.detach().expand(50, 4)
    want = torch._standard_gamma_grad(torch.tensor(a.numpy()), torch.tensor(std.numpy()))
    want = (want / torch.tensor(rate.detach().numpy())).sum(0)
    np.testing.assert_allclose(conc.grad.numpy(), want.numpy(), rtol=2e-3)
    # d(x)/d(rate) = -x / rate
    np.testing.assert_allclose(rate.grad.numpy(), (-x / rate).sum(0).detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize(("a", "x"), [(0.05, 1e-12), (0.5, 3.0), (2.0, 0.1), (30.0, 45.0)])
def test_standard_gamma_grad_against_mpmath(a, x):
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    dcdf = mp.diff(lambda s: mp.gammainc(s, 0, x, regularized=True), a)
    pdf = mp.mpf(x) ** (a - 1) * mp.e ** (-x) / mp.gamma(a)
    got = float(standard_gamma_grad(np.array(a), np.array(x)))
    assert got == pytest.approx(float(-dcdf / pdf), rel=1e-8)


def test_gamma_pathwise_gradient_is_unbiased():
    """E[dx/da] = d E[x]/da = 1/rate and E[d x^2/da] = (2a + 1)/rate^2."""
    ng.manual_seed(1)
    conc = ng.tensor([0.4, 3.0], dtype=ng.float64, requires_grad=True)
    rate = ng.tensor([2.0, 0.5], dtype=ng.float64)
    x = nd.Gamma(conc, rate).rsample((40000,))
    (g1,) = ng.autograd.grad(x.mean(0).sum(), conc, retain_graph=True)
    np.testing.assert_allclose(g1.numpy(), [0.5, 2.0], rtol=0.03)
    (g2,) = ng.autograd.grad((x * x).mean(0).sum(), conc)
    np.testing.assert_allclose(g2.numpy(), [(0.8 + 1) / 4, 7 / 0.25], rtol=0.05)


def test_dirichlet_and_beta_pathwise_gradients_are_unbiased():
    """d E[x_i]/d a_j = (delta_ij a0 - a_i) / a0^2, estimated from rsample's gradients."""
    ng.manual_seed(2)
    alpha = np.array([0.7, 2.0, 4.0])
    a = ng.tensor(alpha, requires_grad=True)
    x = nd.Dirichlet(a).rsample((30000,))
    (g,) = ng.autograd.grad(x[:, 0].mean(), a)
    a0 = alpha.sum()
    want = (np.eye(3)[0] * a0 - alpha[0]) / a0**2
    np.testing.assert_allclose(g.numpy(), want, atol=0.004)
    c1 = ng.tensor(2.0, dtype=ng.float64, requires_grad=True)
    c0 = ng.tensor(0.6, dtype=ng.float64, requires_grad=True)
    b = nd.Beta(c1, c0).rsample((30000,))
    g1, g0 = ng.autograd.grad(b.mean(), (c1, c0))
    assert g1.item() == pytest.approx(0.6 / 2.6**2, abs=0.004)
    assert g0.item() == pytest.approx(-2.0 / 2.6**2, abs=0.004)


def test_shapes_flags_and_statistics():
    ng.manual_seed(3)
    d = nd.Dirichlet(ng.tensor([[1.0, 2.0, 3.0], [0.2, 0.3, 0.5]]))
    s = d.rsample((20000,))
    assert tuple(s.shape) == (20000, 2, 3) and s.dtype == ng.float32
    assert np.allclose(s.numpy().sum(-1), 1, atol=1e-5) and (s.numpy() > 0).all()
    np.testing.assert_allclose(s.numpy().mean(0), d.mean.numpy(), atol=0.01)
    np.testing.assert_allclose(s.numpy().var(0), d.variance.numpy(), rtol=0.1, atol=0.003)
    for dist in (nd.Gamma(1.0, 1.0), nd.Chi2(2.0), nd.Beta(1.0, 2.0), d):
        assert dist.has_rsample and not dist.sample().requires_grad
    assert tuple(nd.Beta(ng.ones(4), 2.0).expand((3, 4)).rsample((2,)).shape) == (2, 3, 4)
    assert nd.Chi2(ng.tensor([1.0, 4.0])).df.tolist() == [1.0, 4.0]


def test_double_backward_is_refused_as_in_torch():
    conc = ng.tensor([2.0], requires_grad=True)
    (g,) = ng.autograd.grad(standard_gamma(conc).sum(), conc, create_graph=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        g.sum().backward()
    tc = torch.tensor([2.0], requires_grad=True)
    (tg,) = torch.autograd.grad(torch._standard_gamma(tc).sum(), tc, create_graph=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        tg.sum().backward()


def test_standard_gamma_refuses_bad_input():
    # as torch._standard_gamma: a zero concentration is no error, its draw the smallest normal
    zero = torch._standard_gamma(torch.tensor([0.0]))
    assert standard_gamma(ng.tensor([0.0])).tolist() == zero.tolist()
    with pytest.raises(TypeError, match="floating"):
        standard_gamma(ng.tensor([1]))


@pytest.mark.parametrize(
    "make",
    [
        lambda t, D: D.Gamma(t.tensor([1.0]), t.tensor([0.0])),
        lambda t, D: D.Gamma(t.tensor([-1.0]), t.tensor([1.0])),
        lambda t, D: D.Gamma(t.tensor([1.0]), t.tensor([1.0])).log_prob(t.tensor([-1.0])),
        lambda t, D: D.Chi2(t.tensor([-1.0])),
        lambda t, D: D.Beta(t.tensor([-1.0]), t.tensor([1.0])),
        lambda t, D: D.Beta(t.tensor([1.0]), t.tensor([1.0])).log_prob(t.tensor([1.5])),
        lambda t, D: D.Dirichlet(t.tensor([-1.0, 1.0])),
        lambda t, D: D.Dirichlet(t.tensor(1.0)),
        lambda t, D: D.Dirichlet(t.tensor([1.0, 1.0])).log_prob(t.tensor([0.5, 0.6])),
    ],
)
def test_validation_errors_match_torch(make):
    messages = []
    for t, D in ((torch, torch.distributions), (ng, nd)):
        with pytest.raises(ValueError) as info:
            make(t, D)
        messages.append(str(info.value).split("(")[0])
    assert messages[0] == messages[1]


def test_reprs_match_torch():
    for make in (
        lambda t, D: D.Gamma(t.tensor(2.0), t.tensor(1.0)),
        lambda t, D: D.Chi2(t.tensor(2.0)),
        lambda t, D: D.Beta(t.tensor(2.0), t.tensor(1.0)),
    ):
        assert repr(make(ng, nd)).replace("tensor(", "") == repr(
            make(torch, torch.distributions)
        ).replace("tensor(", "")
