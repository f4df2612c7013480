"""The families added after Normal/Uniform/Bernoulli/Categorical/Multinomial, checked against
torch.distributions on the same parameters: log_prob, cdf, icdf, entropy, moments and their
gradients (float64, rtol 1e-6 unless a case says otherwise), shapes, expand, support,
arg_constraints, validation errors, repr; sample statistics loosely (seeded)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.distributions as td

import nablagrad as ng
import nablagrad.distributions as nd

F64 = np.float64


def _a(*v):
    return np.array(v, F64)


# name, constructor kwargs (arrays become tensors; names in GRAD get requires_grad), values
CASES = {
    "exponential": ("Exponential", {"rate": _a(0.5, 1.0, 3.0)}, _a(0.1, 2.0, 0.7)),
    "laplace": (
        "Laplace",
        {"loc": _a(0.0, 1.5, -2.0), "scale": _a(1.0, 0.5, 2.0)},
        _a(0.3, 1.0, -5.0),
    ),
    "poisson": ("Poisson", {"rate": _a(0.5, 2.0, 7.0)}, _a(0.0, 3.0, 5.0)),
    "geometric_probs": ("Geometric", {"probs": _a(0.2, 0.5, 0.9)}, _a(0.0, 3.0, 1.0)),
    "geometric_logits": ("Geometric", {"logits": _a(-1.0, 0.0, 2.0)}, _a(2.0, 0.0, 1.0)),
    "binomial_probs": (
        "Binomial",
        {"total_count": _a(5.0, 5.0, 5.0), "probs": _a(0.2, 0.5, 0.9)},
        _a(0.0, 3.0, 5.0),
    ),
    "binomial_logits": (
        "Binomial",
        {"total_count": _a(4.0, 6.0, 3.0), "logits": _a(-1.0, 0.0, 2.0)},
        _a(1.0, 6.0, 2.0),
    ),
    "onehot": (
        "OneHotCategorical",
        {"probs": np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])},
        np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),
    ),
    "onehot_logits": (
        "OneHotCategorical",
        {"logits": np.array([[0.2, -1.0, 0.5], [2.0, 0.3, 0.1]])},
        np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]),
    ),
    "gamma": (
        "Gamma",
        {"concentration": _a(0.5, 2.0, 7.0), "rate": _a(1.0, 0.5, 3.0)},
        _a(0.3, 2.0, 4.0),
    ),
    "chi2": ("Chi2", {"df": _a(1.0, 3.0, 10.0)}, _a(0.3, 2.0, 12.0)),
    "beta": (
        "Beta",
        {"concentration1": _a(0.5, 2.0, 7.0), "concentration0": _a(1.5, 0.7, 3.0)},
        _a(0.3, 0.9, 0.5),
    ),
    "dirichlet": (
        "Dirichlet",
        {"concentration": np.array([[0.5, 2.0, 7.0], [1.5, 0.7, 3.0]])},
        np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]),
    ),
    "dirichlet_small": (
        "Dirichlet",
        {"concentration": np.array([[0.5, 0.2, 0.7], [0.9, 0.9, 0.3]])},
        np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]),
    ),
}
NO_GRAD = {"total_count"}


def build(case, lib):
    name, kwargs, _ = CASES[case]
    t, D = (torch, td) if lib == "torch" else (ng, nd)
    params = {
        k: t.tensor(v, requires_grad=k not in NO_GRAD) if isinstance(v, np.ndarray) else v
        for k, v in kwargs.items()
    }
    return getattr(D, name)(**params), params


def _np(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else x.detach().numpy()


def _call(fn):
    try:
        return fn()
    except NotImplementedError:
        return NotImplementedError


def _compare(ours, theirs, what, rtol=1e-6):
    if theirs is NotImplementedError:
        assert ours is NotImplementedError, f"{what}: torch has none, ours returned a value"
        return
    assert ours is not NotImplementedError, f"{what}: not implemented"
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=rtol, atol=1e-9, err_msg=what)


METHODS = {
    "log_prob": lambda d, t, v: d.log_prob(t.tensor(v)),
    "cdf": lambda d, t, v: d.cdf(t.tensor(v)),
    "entropy": lambda d, t, v: d.entropy(),
    "mean": lambda d, t, v: d.mean,
    "mode": lambda d, t, v: d.mode,
    "variance": lambda d, t, v: d.variance,
    "stddev": lambda d, t, v: d.stddev,
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("method", list(METHODS))
def test_values_and_gradients_match_torch(case, method):
    value = CASES[case][2]
    (d, dp), (t, tp) = build(case, "ng"), build(case, "torch")
    fn = METHODS[method]
    ours, theirs = _call(lambda: fn(d, ng, value)), _call(lambda: fn(t, torch, value))
    _compare(ours, theirs, f"{case}.{method}")
    if theirs is NotImplementedError or not theirs.requires_grad:
        return
    w = np.linspace(0.5, 1.5, theirs.numel()).reshape(tuple(theirs.shape))
    try:
        (theirs * torch.tensor(w)).sum().backward()
    except RuntimeError:  # torch does not differentiate it (Gamma.cdf in the concentration)
        with pytest.raises(RuntimeError, match="not implemented"):
            (ours * ng.tensor(w)).sum().backward()
        return
    (ours * ng.tensor(w)).sum().backward()
    for k in tp:
        if tp[k].grad is not None:
            assert dp[k].grad is not None, f"{case}.{method}: no gradient for {k}"
            _compare(dp[k].grad, tp[k].grad, f"{case}.{method} d/d{k}", 1e-5)


@pytest.mark.parametrize("case", ["exponential", "laplace"])
def test_icdf_matches_torch(case):
    (d, _), (t, _) = build(case, "ng"), build(case, "torch")
    q = _a(0.1, 0.5, 0.95)
    _compare(d.icdf(ng.tensor(q)), t.icdf(torch.tensor(q)), f"{case}.icdf")


@pytest.mark.parametrize("case", list(CASES))
def test_shapes_support_constraints_and_expand_match_torch(case):
    (d, _), (t, _) = build(case, "ng"), build(case, "torch")
    assert d.batch_shape == t.batch_shape and d.event_shape == t.event_shape
    assert d.has_rsample == t.has_rsample
    assert d.has_enumerate_support == t.has_enumerate_support
    assert repr(d.support) == repr(t.support).replace("torch.", "nablagrad.")

    for k, c in t.arg_constraints.items():
        assert repr(d.arg_constraints[k]) == repr(c)
    for shape in [(), (4,), (2, 3)]:
        assert tuple(d.sample(shape).shape) == tuple(t.sample(shape).shape)
    if t.has_rsample:
        assert tuple(d.rsample((5,)).shape) == tuple(t.rsample((5,)).shape)
    else:
        with pytest.raises(NotImplementedError):
            d.rsample()
    shape = (2,) + tuple(t.batch_shape)
    e, te = d.expand(shape), t.expand(shape)
    assert e.batch_shape == te.batch_shape
    assert tuple(e.sample((4,)).shape) == tuple(te.sample((4,)).shape)
    v = CASES[case][2]
    _compare(e.log_prob(ng.tensor(v)), te.log_prob(torch.tensor(v)), f"{case} expanded")
    if t.has_enumerate_support and _call(t.enumerate_support) is NotImplementedError:
        with pytest.raises(NotImplementedError):
            d.enumerate_support()
    elif t.has_enumerate_support:
        assert d.enumerate_support().tolist() == t.enumerate_support().tolist()
        assert d.enumerate_support(False).tolist() == t.enumerate_support(False).tolist()


@pytest.mark.parametrize(
    ("case", "mean", "var"),
    [
        ("exponential", _a(2.0, 1.0, 1 / 3), _a(4.0, 1.0, 1 / 9)),
        ("laplace", _a(0.0, 1.5, -2.0), _a(2.0, 0.5, 8.0)),
        ("poisson", _a(0.5, 2.0, 7.0), _a(0.5, 2.0, 7.0)),
        ("geometric_probs", _a(4.0, 1.0, 1 / 9), _a(20.0, 2.0, 0.1 / 0.81)),
        ("binomial_probs", _a(1.0, 2.5, 4.5), _a(0.8, 1.25, 0.45)),
        ("gamma", _a(0.5, 4.0, 7 / 3), _a(0.5, 8.0, 7 / 9)),
        ("chi2", _a(1.0, 3.0, 10.0), _a(2.0, 6.0, 20.0)),
        ("beta", _a(0.25, 2 / 2.7, 0.7), _a(0.0625, 1.4 / (2.7**2 * 3.7), 21 / 1100)),
    ],
)
def test_sample_statistics(case, mean, var):
    ng.manual_seed(0)
    d, _ = build(case, "ng")
    s = d.sample((20000,)).numpy()
    np.testing.assert_allclose(s.mean(0), mean, rtol=0.05, atol=0.03)
    np.testing.assert_allclose(s.var(0), var, rtol=0.08, atol=0.03)
    if case not in ("laplace", "exponential", "gamma", "chi2", "beta"):
        assert (s >= 0).all() and (s == np.floor(s)).all()
    if case == "beta":
        assert (s > 0).all() and (s < 1).all()


def test_onehot_sample_frequencies():
    ng.manual_seed(0)
    d = nd.OneHotCategorical(ng.tensor([0.2, 0.3, 0.5]))
    s = d.sample((20000,)).numpy()
    assert (s.sum(-1) == 1).all()
    np.testing.assert_allclose(s.mean(0), [0.2, 0.3, 0.5], atol=0.015)


@pytest.mark.parametrize("case", ["exponential", "laplace"])
def test_rsample_gradient_matches_torch_on_the_same_noise(case):
    """rsample is icdf(u) of a uniform u: feed torch's icdf the same u our sample came from."""
    ng.manual_seed(1)
    (d, dp), (t, tp) = build(case, "ng"), build(case, "torch")
    x = d.rsample((50,))
    (x * x).sum().backward()
    u = d.cdf(x.detach()).detach().numpy()  # the uniform behind each draw
    tx = t.icdf(torch.tensor(u))
    _compare(x, tx, f"{case} same noise", 1e-6)
    (tx * tx).sum().backward()
    for k in tp:
        _compare(dp[k].grad, tp[k].grad, f"{case} rsample d/d{k}", 1e-5)


def test_independent_matches_torch():
    loc, scale = np.random.default_rng(0).normal(size=(2, 3)), _a(1.0, 0.5, 2.0)
    tl = torch.tensor(loc, requires_grad=True)
    nl = ng.tensor(loc, requires_grad=True)
    t = td.Independent(td.Normal(tl, torch.tensor(scale)), 1)
    d = nd.Independent(nd.Normal(nl, ng.tensor(scale)), 1)
    assert d.batch_shape == t.batch_shape and d.event_shape == t.event_shape
    assert repr(d.support) == repr(t.support) and d.has_rsample
    v = np.ones((4, 2, 3))
    _compare(d.log_prob(ng.tensor(v)), t.log_prob(torch.tensor(v)), "log_prob")
    _compare(d.entropy(), t.entropy(), "entropy")
    _compare(d.mean, t.mean, "mean"), _compare(d.variance, t.variance, "variance")
    t.log_prob(torch.tensor(v)).sum().backward()
    d.log_prob(ng.tensor(v)).sum().backward()
    _compare(nl.grad, tl.grad, "grad")
    assert tuple(d.rsample((5,)).shape) == tuple(t.rsample((5,)).shape) == (5, 2, 3)
    e, te = d.expand((4, 2)), t.expand((4, 2))
    assert e.batch_shape == te.batch_shape and tuple(e.sample().shape) == (4, 2, 3)
    all2 = nd.Independent(nd.Normal(ng.tensor(loc), ng.tensor(scale)), 2)
    assert all2.batch_shape == () and all2.event_shape == (2, 3)
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        nd.Independent(nd.Normal(ng.tensor(loc), 1.0), 3)
    with pytest.raises(ValueError, match="event_shape"):
        d.log_prob(ng.ones(2, 2))
    ind_b = nd.Independent(nd.Bernoulli(ng.tensor([0.3, 0.6])), 1)
    assert not ind_b.has_enumerate_support
    with pytest.raises(NotImplementedError):
        ind_b.enumerate_support()
    assert repr(d).startswith("Independent(Normal(") and repr(d).endswith(", 1)")


KL_PAIRS = [
    ("Exponential", {"rate": _a(0.5, 2.0)}, "Exponential", {"rate": _a(1.0, 3.0)}),
    (
        "Laplace",
        {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)},
        "Laplace",
        {"loc": _a(0.5, -1.0), "scale": _a(0.7, 1.0)},
    ),
    ("Poisson", {"rate": _a(0.5, 2.0)}, "Poisson", {"rate": _a(1.0, 3.0)}),
    ("Geometric", {"probs": _a(0.3, 0.6)}, "Geometric", {"probs": _a(0.5, 0.2)}),
    (
        "Binomial",
        {"total_count": _a(5.0, 7.0), "probs": _a(0.3, 0.6)},
        "Binomial",
        {"total_count": _a(5.0, 5.0), "probs": _a(0.5, 0.2)},
    ),
    (
        "OneHotCategorical",
        {"probs": _a(0.2, 0.3, 0.5)},
        "OneHotCategorical",
        {"logits": _a(0.0, 1.0, -1.0)},
    ),
    ("Exponential", {"rate": _a(0.5, 2.0)}, "Normal", {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)}),
    (
        "Laplace",
        {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)},
        "Normal",
        {"loc": _a(0.5, -1.0), "scale": _a(0.7, 1.0)},
    ),
    (
        "Normal",
        {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)},
        "Laplace",
        {"loc": _a(0.5, -1.0), "scale": _a(0.7, 1.0)},
    ),
    (
        "Uniform",
        {"low": _a(0.5, -1.0), "high": _a(1.0, 2.0)},
        "Exponential",
        {"rate": _a(1.0, 3.0)},
    ),
    ("Bernoulli", {"probs": _a(0.3, 0.6)}, "Poisson", {"rate": _a(1.0, 3.0)}),
    ("Exponential", {"rate": _a(0.5, 2.0)}, "Uniform", {"low": _a(0.0, 0.0), "high": _a(1.0, 2.0)}),
    ("Normal", {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)}, "Exponential", {"rate": _a(1.0, 3.0)}),
    (
        "Laplace",
        {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)},
        "Uniform",
        {"low": _a(0.0, 0.0), "high": _a(1.0, 2.0)},
    ),
    (
        "Laplace",
        {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)},
        "Exponential",
        {"rate": _a(1.0, 3.0)},
    ),
    ("Poisson", {"rate": _a(0.5, 2.0)}, "Bernoulli", {"probs": _a(0.3, 0.6)}),
    ("Poisson", {"rate": _a(0.5, 2.0)}, "Binomial", {"total_count": 3, "probs": _a(0.3, 0.6)}),
    (
        "Gamma",
        {"concentration": _a(0.5, 2.0), "rate": _a(1.0, 3.0)},
        "Gamma",
        {"concentration": _a(1.5, 0.7), "rate": _a(2.0, 0.5)},
    ),
    (
        "Beta",
        {"concentration1": _a(0.5, 2.0), "concentration0": _a(1.5, 3.0)},
        "Beta",
        {"concentration1": _a(2.5, 1.0), "concentration0": _a(0.5, 2.0)},
    ),
    (
        "Dirichlet",
        {"concentration": np.array([[0.5, 2.0, 1.0], [3.0, 0.7, 1.2]])},
        "Dirichlet",
        {"concentration": np.array([[1.5, 0.5, 2.0], [1.0, 1.0, 1.0]])},
    ),
    ("Chi2", {"df": _a(1.0, 3.0)}, "Gamma", {"concentration": _a(0.5, 2.0), "rate": _a(1.0, 3.0)}),
    (
        "Exponential",
        {"rate": _a(0.5, 2.0)},
        "Gamma",
        {"concentration": _a(0.5, 2.0), "rate": _a(1.0, 3.0)},
    ),
    (
        "Gamma",
        {"concentration": _a(0.5, 2.0), "rate": _a(1.0, 3.0)},
        "Exponential",
        {"rate": _a(0.5, 2.0)},
    ),
    (
        "Gamma",
        {"concentration": _a(0.5, 2.0), "rate": _a(1.0, 3.0)},
        "Normal",
        {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)},
    ),
    (
        "Gamma",
        {"concentration": _a(0.5, 2.0), "rate": _a(1.0, 3.0)},
        "Uniform",
        {"low": _a(0.0, 0.2), "high": _a(1.0, 0.7)},
    ),
    (
        "Gamma",
        {"concentration": _a(0.5, 2.0), "rate": _a(1.0, 3.0)},
        "Beta",
        {"concentration1": _a(0.5, 2.0), "concentration0": _a(1.5, 3.0)},
    ),
    (
        "Beta",
        {"concentration1": _a(0.5, 2.0), "concentration0": _a(1.5, 3.0)},
        "Exponential",
        {"rate": _a(0.5, 2.0)},
    ),
    (
        "Beta",
        {"concentration1": _a(0.5, 2.0), "concentration0": _a(1.5, 3.0)},
        "Gamma",
        {"concentration": _a(0.5, 2.0), "rate": _a(1.0, 3.0)},
    ),
    (
        "Beta",
        {"concentration1": _a(0.5, 2.0), "concentration0": _a(1.5, 3.0)},
        "Normal",
        {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)},
    ),
    (
        "Beta",
        {"concentration1": _a(0.5, 2.0), "concentration0": _a(1.5, 3.0)},
        "Uniform",
        {"low": _a(0.0, 0.2), "high": _a(1.0, 0.7)},
    ),
    (
        "Beta",
        {"concentration1": _a(0.5, 2.0), "concentration0": _a(1.5, 3.0)},
        "Uniform",
        {"low": _a(-0.5, 0.0), "high": _a(1.0, 2.0)},
    ),
    (
        "Exponential",
        {"rate": _a(0.5, 2.0)},
        "Beta",
        {"concentration1": _a(0.5, 2.0), "concentration0": _a(1.5, 3.0)},
    ),
    (
        "Laplace",
        {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)},
        "Beta",
        {"concentration1": _a(0.5, 2.0), "concentration0": _a(1.5, 3.0)},
    ),
    (
        "Laplace",
        {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)},
        "Gamma",
        {"concentration": _a(0.5, 2.0), "rate": _a(1.0, 3.0)},
    ),
    (
        "Normal",
        {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)},
        "Beta",
        {"concentration1": _a(0.5, 2.0), "concentration0": _a(1.5, 3.0)},
    ),
    (
        "Normal",
        {"loc": _a(0.0, 1.0), "scale": _a(1.0, 2.0)},
        "Gamma",
        {"concentration": _a(0.5, 2.0), "rate": _a(1.0, 3.0)},
    ),
    (
        "Uniform",
        {"low": _a(0.1, 0.2), "high": _a(0.9, 0.7)},
        "Beta",
        {"concentration1": _a(0.5, 2.0), "concentration0": _a(1.5, 3.0)},
    ),
    (
        "Uniform",
        {"low": _a(0.1, -1.0), "high": _a(0.9, 0.7)},
        "Beta",
        {"concentration1": _a(0.5, 2.0), "concentration0": _a(1.5, 3.0)},
    ),
    (
        "Uniform",
        {"low": _a(0.1, 0.2), "high": _a(0.9, 3.0)},
        "Gamma",
        {"concentration": _a(0.5, 2.0), "rate": _a(1.0, 3.0)},
    ),
    (
        "Uniform",
        {"low": _a(0.1, -1.0), "high": _a(0.9, 0.7)},
        "Gamma",
        {"concentration": _a(0.5, 2.0), "rate": _a(1.0, 3.0)},
    ),
]


def _make(lib, name, kwargs):
    t, D = (torch, td) if lib == "torch" else (ng, nd)
    params = {
        k: t.tensor(v, requires_grad=k != "total_count") if isinstance(v, np.ndarray) else v
        for k, v in kwargs.items()
    }
    return getattr(D, name)(**params), params


@pytest.mark.parametrize("pair", KL_PAIRS, ids=[f"{p[0]}-{p[2]}" for p in KL_PAIRS])
def test_kl_and_its_gradients_match_torch(pair):
    pn, pk, qn, qk = pair
    (p, pp), (q, qp) = _make("ng", pn, pk), _make("ng", qn, qk)
    (tp_, tpp), (tq, tqp) = _make("torch", pn, pk), _make("torch", qn, qk)
    ours, theirs = nd.kl_divergence(p, q), td.kl_divergence(tp_, tq)
    _compare(ours, theirs, "kl")
    if not theirs.requires_grad or not torch.isfinite(theirs).all():
        return
    theirs.sum().backward()
    ours.sum().backward()
    for ps, ts in ((pp, tpp), (qp, tqp)):
        for k in ts:
            if isinstance(ts[k], torch.Tensor) and ts[k].grad is not None:
                _compare(ps[k].grad, ts[k].grad, f"kl d/d{k}", 1e-5)


def test_kl_independent_and_unsupported_pairs():
    t_loc, n_loc = torch.zeros(2, 3), ng.zeros(2, 3)
    t = td.kl_divergence(
        td.Independent(td.Normal(t_loc, 1.0), 1), td.Independent(td.Normal(t_loc + 1, 2.0), 1)
    )
    d = nd.kl_divergence(
        nd.Independent(nd.Normal(n_loc, 1.0), 1), nd.Independent(nd.Normal(n_loc + 1, 2.0), 1)
    )
    _compare(d, t, "kl independent", 1e-5)
    with pytest.raises(NotImplementedError):
        nd.kl_divergence(
            nd.Independent(nd.Normal(n_loc, 1.0), 1), nd.Independent(nd.Normal(n_loc, 1.0), 2)
        )
    with pytest.raises(NotImplementedError, match="total_count"):
        nd.kl_divergence(nd.Binomial(2, ng.tensor(0.5)), nd.Binomial(3, ng.tensor(0.5)))


@pytest.mark.parametrize(
    "make",
    [
        lambda t, D: D.Exponential(t.tensor([-1.0])),
        lambda t, D: D.Exponential(t.tensor([1.0])).log_prob(t.tensor([-1.0])),
        lambda t, D: D.Laplace(t.tensor([0.0]), t.tensor([0.0])),
        lambda t, D: D.Poisson(t.tensor([-0.5])),
        lambda t, D: D.Poisson(t.tensor([1.0])).log_prob(t.tensor([1.5])),
        lambda t, D: D.Geometric(t.tensor([0.0])),
        lambda t, D: D.Geometric(t.tensor([1.5])),
        lambda t, D: D.Geometric(t.tensor([0.5])).log_prob(t.tensor([-1.0])),
        lambda t, D: D.Binomial(t.tensor([2.5]), t.tensor([0.5])),
        lambda t, D: D.Binomial(3, t.tensor([0.5])).log_prob(t.tensor([4.0])),
        lambda t, D: D.Binomial(3, t.tensor([1.5])),
        lambda t, D: D.OneHotCategorical(t.tensor([0.5, 0.5])).log_prob(t.tensor([1.0, 1.0])),
        lambda t, D: D.OneHotCategorical(t.tensor([-0.5, 0.5])),
    ],
)
def test_validation_errors_match_torch(make):
    messages = []
    for t, D in ((torch, td), (ng, nd)):
        with pytest.raises(ValueError) as info:
            make(t, D)
        messages.append(str(info.value).split("(")[0])
    assert messages[0] == messages[1]


def test_reprs_match_torch():
    for make in (
        lambda t, D: D.Exponential(t.tensor(2.0)),
        lambda t, D: D.Laplace(t.tensor(0.0), t.tensor(1.0)),
        lambda t, D: D.Poisson(t.tensor(2.0)),
        lambda t, D: D.Geometric(t.tensor(0.5)),
    ):
        assert repr(make(ng, nd)).replace("tensor(", "") == repr(make(torch, td)).replace(
            "tensor(", ""
        )


def test_binomial_entropy_needs_homogeneous_total_count():
    for t, D in ((torch, td), (ng, nd)):
        with pytest.raises(NotImplementedError):
            D.Binomial(t.tensor([2.0, 3.0]), t.tensor([0.5, 0.5])).entropy()
    assert math.isfinite(nd.Binomial(3, ng.tensor(0.5)).entropy().item())


@pytest.mark.parametrize(
    "make",
    [
        lambda t, D: D.Exponential(t.tensor(1.0)),
        lambda t, D: D.Laplace(t.tensor(0.0), t.tensor(1.0)),
        lambda t, D: D.Poisson(t.tensor(2.0)),
        lambda t, D: D.Geometric(t.tensor(0.5)),
        lambda t, D: D.Binomial(3, t.tensor(0.5)),
        lambda t, D: D.Gamma(t.tensor(2.0), t.tensor(1.0)),
        lambda t, D: D.Chi2(t.tensor(2.0)),
        lambda t, D: D.Beta(t.tensor(2.0), t.tensor(1.0)),
        lambda t, D: D.Dirichlet(t.tensor([1.0, 2.0])),
        lambda t, D: D.OneHotCategorical(t.tensor([0.5, 0.5])),
        lambda t, D: D.MultivariateNormal(t.zeros(2), t.eye(2)),
    ],
)
def test_scalar_parameters_sample_like_torch(make):
    d, t = make(ng, nd), make(torch, td)
    for shape in [(), (3,)]:
        ours, theirs = d.sample(shape), t.sample(shape)
        assert tuple(ours.shape) == tuple(theirs.shape)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
