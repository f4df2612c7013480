"""Wishart against torch.distributions: log_prob, entropy, mean, mode, variance and their
gradients in df and the scale matrix (each of covariance_matrix, precision_matrix,
scale_tril; float64, rtol 1e-6 / 1e-5), shapes, expand, validation errors and repr; the
Bartlett sampler's moments and pathwise gradients (E[X] = df Sigma) loosely (seeded)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.distributions as td

import nablagrad as ng
import nablagrad.distributions as nd

SIGMA = np.array(
    [
        [[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 0.5]],
        [[1.0, 0.0, 0.0], [0.0, 2.0, 0.5], [0.0, 0.5, 1.0]],
    ]
)
DF = np.array([3.5, 6.0])


def _param(name):
    if name == "covariance_matrix":
        return SIGMA
    if name == "precision_matrix":
        return np.linalg.inv(SIGMA)
    return np.linalg.cholesky(SIGMA)


def _build(lib, name):
    t, D = (torch, td) if lib == "torch" else (ng, nd)
    df, m = t.tensor(DF, requires_grad=True), t.tensor(_param(name), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return D.Wishart(df, **{name: m}), (df, m)


NAMES = ["covariance_matrix", "precision_matrix", "scale_tril"]
METHODS = {
    "log_prob": lambda d, t, v: d.log_prob(t.tensor(v)),
    "entropy": lambda d, t, v: d.entropy(),
    "mean": lambda d, t, v: d.mean,
    "mode": lambda d, t, v: d.mode,
    "variance": lambda d, t, v: d.variance,
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("method", list(METHODS))
def test_values_and_gradients_match_torch(name, method):
    (d, dp), (t, tp) = _build("ng", name), _build("torch", name)
    x = np.random.default_rng(0).normal(size=(4, 2, 3, 5))
    value = x @ np.swapaxes(x, -1, -2) / 5 + 0.1 * np.eye(3)
    ours, theirs = METHODS[method](d, ng, value), METHODS[method](t, torch, value)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)
    w = np.linspace(0.5, 1.5, theirs.numel()).reshape(tuple(theirs.shape))
    (theirs * torch.tensor(w)).sum().backward()
    (ours * ng.tensor(w)).sum().backward()
    for a, b in zip(dp, tp):
        if b.grad is None:
            assert a.grad is None or not a.grad.numpy().any()
        else:
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-10)


def test_shapes_expand_support_and_repr_match_torch():
    (d, _), (t, _) = _build("ng", "scale_tril"), _build("torch", "scale_tril")
    assert d.batch_shape == t.batch_shape and d.event_shape == t.event_shape
    assert repr(d.support) == repr(t.support) and d.has_rsample == t.has_rsample
    assert repr(d).replace("(2, 3, 3)", "torch.Size([2, 3, 3])").replace(
        "(2,)", "torch.Size([2])"
    ) == repr(t)
    for k, c in t.arg_constraints.items():
        assert repr(d.arg_constraints[k]) == repr(c)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns of singular samples that are not
        for shape in [(), (4,), (2, 3)]:
            assert tuple(d.sample(shape).shape) == tuple(t.sample(shape).shape)
            assert tuple(d.rsample(shape).shape) == tuple(t.rsample(shape).shape)
        e, te = d.expand((5, 2)), t.expand((5, 2))
        assert e.batch_shape == te.batch_shape
        assert tuple(e.sample((3,)).shape) == tuple(te.sample((3,)).shape)
    v = _param("covariance_matrix")
    np.testing.assert_allclose(
        e.log_prob(ng.tensor(v)).detach().numpy(), te.log_prob(torch.tensor(v)).detach().numpy()
    )
    s = nd.Wishart(4.0, covariance_matrix=ng.eye(2))
    assert s.batch_shape == () and s.sample().dtype == ng.float32


def test_bartlett_moments_and_pathwise_gradients():
    ng.manual_seed(0)
    df = ng.tensor(DF, requires_grad=True)
    sigma = ng.tensor(SIGMA)
    x = nd.Wishart(df, covariance_matrix=sigma).rsample((20000,))
    assert bool(nd.constraints.positive_definite.check(x.detach()).all())
    xs = x.detach().numpy()
    d = nd.Wishart(ng.tensor(DF), covariance_matrix=sigma)
    # the sample mean within 4 standard errors (sqrt(var / n), from the exact variance)
    z = (xs.mean(0) - DF[:, None, None] * SIGMA) / np.sqrt(d.variance.numpy() / len(xs))
    assert np.abs(z).max() < 4, z
    np.testing.assert_allclose(xs.var(0), d.variance.numpy(), rtol=0.12, atol=0.03)
    (g,) = ng.autograd.grad(x[..., 0, 0].mean(0).sum(), df)  # d E[X_00] / d df = Sigma_00
    np.testing.assert_allclose(g.numpy(), SIGMA[:, 0, 0], rtol=0.05)


@pytest.mark.parametrize(
    "make",
    [
        lambda t, D: D.Wishart(t.tensor(1.0), covariance_matrix=t.eye(3)),
        lambda t, D: D.Wishart(t.tensor(4.0), covariance_matrix=-t.eye(2)),
        lambda t, D: D.Wishart(t.tensor(4.0), scale_tril=t.tensor([[1.0, 1.0], [0.0, 1.0]])),
        lambda t, D: D.Wishart(t.tensor(4.0), covariance_matrix=t.eye(2)).log_prob(-t.eye(2)),
    ],
)
def test_validation_errors_match_torch(make):
    messages = []
    for t, D in ((torch, td), (ng, nd)):
        with pytest.raises(ValueError) as info:
            make(t, D)
        messages.append(str(info.value).split("(")[0].split("=")[0])
    assert messages[0] == messages[1]


def test_exactly_one_matrix_and_low_df_warning():
    with pytest.raises(ValueError, match="Exactly one"):
        nd.Wishart(3.0, covariance_matrix=ng.eye(2), scale_tril=ng.eye(2))
    with pytest.warns(UserWarning, match="Low df"):
        nd.Wishart(2.5, covariance_matrix=ng.eye(3))
