"""torch.distributions.ExponentialFamily and the package-level transform names, against torch:
the same classes are exponential families (isinstance agrees), each family's natural
parameters, log normalizer and Bregman entropy equal torch's (values and gradients, float64,
rtol 1e-9), and so does the Bregman KL between two members of one family."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.distributions as td
from torch.distributions.kl import _kl_expfamily_expfamily as torch_kl_expfamily

import nablagrad as ng
import nablagrad.distributions as nd
from nablagrad.distributions.kl import _kl_expfamily_expfamily as ng_kl_expfamily

F64 = np.float64
COV = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]])

# name -> (parameters of p, parameters of q)
FAMILIES = {
    "Bernoulli": ({"probs": [0.2, 0.7, 0.5]}, {"probs": [0.4, 0.1, 0.9]}),
    "Dirichlet": ({"concentration": [[1.5, 2.0, 0.7]]}, {"concentration": [[0.5, 1.0, 3.0]]}),
    "Beta": (
        {"concentration1": [1.5, 0.4], "concentration0": [2.0, 3.0]},
        {"concentration1": [0.7, 1.0], "concentration0": [1.0, 0.5]},
    ),
    "Gamma": (
        {"concentration": [1.5, 0.4], "rate": [2.0, 0.3]},
        {"concentration": [2.5, 1.0], "rate": [1.0, 1.5]},
    ),
    "ContinuousBernoulli": (  # 0.499 and 0.501 are in the Taylor region of the normalizer
        {"probs": [0.2, 0.499, 0.501, 0.9]},
        {"probs": [0.3, 0.6, 0.45, 0.05]},
    ),
    "Exponential": ({"rate": [0.5, 2.0]}, {"rate": [1.5, 0.25]}),
    "Normal": ({"loc": [0.0, 1.0], "scale": [1.0, 2.0]}, {"loc": [1.0, -1.0], "scale": [0.5, 1.0]}),
    "Poisson": ({"rate": [0.5, 3.0]}, {"rate": [2.0, 1.0]}),
    "Wishart": (
        {"df": [4.0, 6.5], "covariance_matrix": np.stack([COV, 0.5 * COV])},
        {"df": [5.0, 3.5], "covariance_matrix": np.stack([np.eye(3), COV])},
    ),
}


def _make(lib, dists, name, params):
    tensors = {k: lib.tensor(np.asarray(v, F64), requires_grad=True) for k, v in params.items()}
    return getattr(dists, name)(**tensors), tensors


def _grads(lib, out, tensors):
    grads = lib.autograd.grad(out.sum(), list(tensors.values()), allow_unused=True)
    return [None if g is None else np.asarray(g.detach().numpy()) for g in grads]


def _same_grads(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)  # torch detaches the natural parameters it differentiates
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)


def test_isinstance_agrees_with_torch_for_every_family():
    assert issubclass(nd.ExponentialFamily, nd.Distribution)
    for name in td.__all__:
        theirs, ours = getattr(td, name), getattr(nd, name, None)
        if not isinstance(theirs, type) or ours is None:
            continue
        expected = issubclass(theirs, td.ExponentialFamily)
        assert issubclass(ours, nd.ExponentialFamily) == expected, name


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_natural_params_and_log_normalizer_match_torch(name):
    params = FAMILIES[name][0]
    d_ng, _ = _make(ng, nd, name, params)
    d_t, _ = _make(torch, td, name, params)
    nat_ng, nat_t = d_ng._natural_params, d_t._natural_params
    assert len(nat_ng) == len(nat_t)
    for a, b in zip(nat_ng, nat_t):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)
    f_ng = d_ng._log_normalizer(*nat_ng)
    f_t = d_t._log_normalizer(*nat_t)
    np.testing.assert_allclose(f_ng.detach().numpy(), f_t.detach().numpy(), rtol=1e-10)
    if name not in ("Dirichlet", "Beta", "Poisson"):
        assert d_ng._mean_carrier_measure == d_t._mean_carrier_measure == 0


@pytest.mark.parametrize("name", sorted(set(FAMILIES) - {"Dirichlet", "Beta", "Poisson"}))
def test_bregman_entropy_matches_torch_and_the_closed_form(name):
    params = FAMILIES[name][0]
    d_ng, p_ng = _make(ng, nd, name, params)
    d_t, p_t = _make(torch, td, name, params)
    h_ng = nd.ExponentialFamily.entropy(d_ng)
    h_t = td.ExponentialFamily.entropy(d_t)
    np.testing.assert_allclose(h_ng.detach().numpy(), h_t.detach().numpy(), rtol=1e-9)
    np.testing.assert_allclose(h_ng.detach().numpy(), d_ng.entropy().detach().numpy(), rtol=1e-6)
    _same_grads(_grads(ng, h_ng, p_ng), _grads(torch, h_t, p_t))


@pytest.mark.parametrize("name", ["Dirichlet", "Beta", "Poisson"])
def test_entropy_without_a_carrier_measure_raises_like_torch(name):
    # these families define no _mean_carrier_measure: the base entropy is not available
    for lib, dists in ((ng, nd), (torch, td)):
        d, _ = _make(lib, dists, name, FAMILIES[name][0])
        with pytest.raises(NotImplementedError):
            dists.ExponentialFamily.entropy(d)
    with pytest.raises(NotImplementedError):  # Poisson has no entropy at all, as in torch
        nd.Poisson(ng.tensor([1.0])).entropy()


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_bregman_kl_matches_torch(name):
    p_par, q_par = FAMILIES[name]
    p_ng, pt_ng = _make(ng, nd, name, p_par)
    q_ng, qt_ng = _make(ng, nd, name, q_par)
    p_t, pt_t = _make(torch, td, name, p_par)
    q_t, qt_t = _make(torch, td, name, q_par)
    kl_ng, kl_t = ng_kl_expfamily(p_ng, q_ng), torch_kl_expfamily(p_t, q_t)
    np.testing.assert_allclose(kl_ng.detach().numpy(), kl_t.detach().numpy(), rtol=1e-9)
    _same_grads(_grads(ng, kl_ng, {**qt_ng, **pt_ng}), _grads(torch, kl_t, {**qt_t, **pt_t}))


def test_kl_divergence_falls_back_to_bregman_for_wishart_like_torch():
    p_par, q_par = FAMILIES["Wishart"]
    ours = nd.kl_divergence(_make(ng, nd, "Wishart", p_par)[0], _make(ng, nd, "Wishart", q_par)[0])
    theirs = td.kl_divergence(
        _make(torch, td, "Wishart", p_par)[0], _make(torch, td, "Wishart", q_par)[0]
    )
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-9)


def test_cross_family_bregman_kl_is_refused_like_torch():
    p_ng, p_t = nd.Exponential(ng.tensor([1.0])), td.Exponential(torch.tensor([1.0]))
    q_ng, q_t = nd.Poisson(ng.tensor([1.0])), td.Poisson(torch.tensor([1.0]))
    for kl, p, q in ((ng_kl_expfamily, p_ng, q_ng), (torch_kl_expfamily, p_t, q_t)):
        with pytest.raises(NotImplementedError, match="different exponential families"):
            kl(p, q)


def test_transforms_are_exported_at_package_level_like_torch():
    assert set(td.__all__) <= set(nd.__all__) | {"ExpRelaxedCategorical"}, set(td.__all__) - set(
        nd.__all__
    )
    for name in td.transforms.__all__:
        assert name in nd.__all__, name
        assert getattr(nd, name) is getattr(nd.transforms, name), name
    x = np.array([-1.0, 0.5, 2.0])
    ours = nd.ComposeTransform([nd.AffineTransform(1.0, 2.0), nd.ExpTransform()])
    theirs = td.ComposeTransform([td.AffineTransform(1.0, 2.0), td.ExpTransform()])
    np.testing.assert_allclose(
        ours(ng.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-12
    )
