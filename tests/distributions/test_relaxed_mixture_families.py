"""RelaxedBernoulli, RelaxedOneHotCategorical, ContinuousBernoulli, NegativeBinomial, VonMises
and MixtureSameFamily against torch.distributions on the same parameters: log_prob, cdf,
icdf, entropy, moments and their gradients (float64, rtol 1e-6 unless a case says
otherwise), shapes, expand, support, arg_constraints, validation errors, reprs; rsample on
the same uniform noise (draw and gradient); sample statistics loosely (seeded)."""

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


CASES = {
    "relaxed_bernoulli": (
        "RelaxedBernoulli",
        {"temperature": _a(0.5, 1.0, 2.0), "probs": _a(0.2, 0.5, 0.9)},
        _a(0.1, 0.5, 0.95),
    ),
    "relaxed_bernoulli_logits": (
        "RelaxedBernoulli",
        {"temperature": _a(0.5, 1.0, 2.0), "logits": _a(-1.0, 0.0, 2.0)},
        _a(0.1, 0.5, 0.95),
    ),
    "relaxed_onehot": (
        "RelaxedOneHotCategorical",
        {"temperature": _a(0.7), "probs": np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])},
        np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]),
    ),
    "relaxed_onehot_logits": (
        "RelaxedOneHotCategorical",
        {"temperature": _a(1.5), "logits": np.array([[0.2, -1.0, 0.5], [2.0, 0.3, 0.1]])},
        np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]),
    ),
    "cb_probs": (
        "ContinuousBernoulli",
        {"probs": _a(0.2, 0.5, 0.9, 0.4995)},
        _a(0.3, 0.9, 0.5, 0.2),
    ),
    "cb_logits": ("ContinuousBernoulli", {"logits": _a(-1.0, 0.0, 2.0)}, _a(0.3, 0.9, 0.5)),
    "negbin_probs": (
        "NegativeBinomial",
        {"total_count": _a(5.0, 2.5, 0.5), "probs": _a(0.2, 0.5, 0.9)},
        _a(0.0, 3.0, 7.0),
    ),
    "negbin_logits": (
        "NegativeBinomial",
        {"total_count": _a(4.0, 6.0, 3.0), "logits": _a(-1.0, 0.0, 2.0)},
        _a(1.0, 6.0, 2.0),
    ),
    "vonmises": (
        "VonMises",
        {"loc": _a(0.0, 1.0, -2.0), "concentration": _a(0.5, 3.0, 10.0)},
        _a(0.3, 2.0, -3.0),
    ),
}
NO_GRAD = {"total_count"}


def build(case, lib):
    name, kwargs, _ = CASES[case]
    t, D = (torch, td) if lib == "torch" else (ng, nd)
    params = {k: t.tensor(v, requires_grad=k not in NO_GRAD) for k, v in kwargs.items()}
    return getattr(D, name)(**params), params


def _np(x):
    return x.detach().numpy()


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
    "icdf": lambda d, t, v: d.icdf(t.tensor(np.linspace(0.1, 0.9, v.shape[-1]))),
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
    (theirs * torch.tensor(w)).sum().backward()
    (ours * ng.tensor(w)).sum().backward()
    for k in tp:
        if tp[k].grad is not None:
            assert dp[k].grad is not None, f"{case}.{method}: no gradient for {k}"
            _compare(dp[k].grad, tp[k].grad, f"{case}.{method} d/d{k}", 1e-5)


@pytest.mark.parametrize("case", list(CASES))
def test_shapes_support_constraints_and_expand_match_torch(case):
    (d, _), (t, _) = build(case, "ng"), build(case, "torch")
    assert d.batch_shape == t.batch_shape and d.event_shape == t.event_shape
    assert d.has_rsample == t.has_rsample
    assert repr(d.support) == repr(t.support)
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
    assert e.batch_shape == te.batch_shape and type(e) is type(d)
    assert tuple(e.sample((4,)).shape) == tuple(te.sample((4,)).shape)
    v = CASES[case][2]
    _compare(e.log_prob(ng.tensor(v)), te.log_prob(torch.tensor(v)), f"{case} expanded")


def _same_noise(case, torch_draw):
    ng.manual_seed(4)
    (d, dp), (t, tp) = build(case, "ng"), build(case, "torch")
    x = d.rsample((6,))
    ng.manual_seed(4)
    u = ng.rand(tuple(x.shape), dtype=ng.float64).numpy()
    tx = torch_draw(t, torch.tensor(u))
    _compare(x, tx, f"{case} same noise", 1e-6)
    w = np.linspace(-1.0, 2.0, x.numel()).reshape(tuple(x.shape))
    (x * ng.tensor(w)).sum().backward()
    (tx * torch.tensor(w)).sum().backward()
    for k in tp:
        if tp[k].grad is not None:
            _compare(dp[k].grad, tp[k].grad, f"{case} rsample d/d{k}", 1e-5)


def _clamp(t, u):
    eps = torch.finfo(u.dtype).eps
    return u.clamp(eps, 1 - eps)


@pytest.mark.parametrize("case", ["relaxed_bernoulli", "relaxed_bernoulli_logits"])
def test_relaxed_bernoulli_rsample_on_the_same_noise(case):
    def draw(t, u):
        u = _clamp(t, u)
        return torch.sigmoid((u.log() - (-u).log1p() + t.logits) / t.temperature)

    _same_noise(case, draw)


@pytest.mark.parametrize("case", ["relaxed_onehot", "relaxed_onehot_logits"])
def test_relaxed_onehot_rsample_on_the_same_noise(case):
    def draw(t, u):
        g = -(-_clamp(t, u).log()).log()
        return torch.softmax((t.logits + g) / t.temperature, -1)

    _same_noise(case, draw)


@pytest.mark.parametrize("case", ["cb_probs", "cb_logits"])
def test_continuous_bernoulli_rsample_on_the_same_noise(case):
    _same_noise(case, lambda t, u: t.icdf(u))


def test_sample_statistics():
    ng.manual_seed(0)
    for case in ("cb_probs", "negbin_probs", "negbin_logits", "relaxed_bernoulli"):
        d, _ = build(case, "ng")
        s = d.sample((30000,)).numpy()
        assert bool(d.support.check(ng.tensor(s)).all()), case
        if case == "relaxed_bernoulli":  # no closed-form moments: P(x > 1/2) = probs
            np.testing.assert_allclose((s > 0.5).mean(0), _a(0.2, 0.5, 0.9), atol=0.015)
            continue
        np.testing.assert_allclose(s.mean(0), _np(d.mean), rtol=0.05, atol=0.01, err_msg=case)
        np.testing.assert_allclose(s.var(0), _np(d.variance), rtol=0.1, atol=0.005, err_msg=case)
    d, _ = build("relaxed_onehot", "ng")
    s = nd.RelaxedOneHotCategorical(ng.tensor(0.05), probs=ng.tensor([0.2, 0.3, 0.5])).sample(
        (30000,)
    )
    np.testing.assert_allclose(s.numpy().sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(
        (s.argmax(-1).numpy()[:, None] == np.arange(3)).mean(0), [0.2, 0.3, 0.5], atol=0.015
    )


def test_von_mises_sampler():
    """Circular mean and circular variance 1 - I1(k)/I0(k) of the draws; values in [-pi, pi)."""
    ng.manual_seed(0)
    loc, k = _a(0.5, -2.5, 3.0, 0.0), _a(0.3, 2.0, 20.0, 1e-7)
    d = nd.VonMises(ng.tensor(loc), ng.tensor(k))
    s = d.sample((30000,))
    assert s.dtype == ng.float64 and tuple(s.shape) == (30000, 4)
    s = s.numpy()
    assert (s >= -math.pi).all() and (s < math.pi).all()
    z = np.exp(1j * s).mean(0)
    np.testing.assert_allclose(1 - np.abs(z), _np(d.variance), atol=0.015)
    np.testing.assert_allclose(np.angle(z[1:3]), loc[1:3], atol=0.03)
    assert nd.VonMises(0.0, 1.0).sample((3,)).dtype == ng.float32


def _mixtures(t, D, leaf):
    return {
        "normal": D.MixtureSameFamily(
            D.Categorical(probs=leaf(np.array([0.3, 0.7]))),
            D.Normal(leaf(np.array([-1.0, 2.0])), leaf(np.array([1.0, 0.5]))),
        ),
        "batched_mvn": D.MixtureSameFamily(
            D.Categorical(logits=leaf(np.array([[0.0, 1.0, -1.0], [0.5, 0.5, 0.0]]))),
            D.MultivariateNormal(
                leaf(np.arange(12.0).reshape(2, 3, 2) / 4), scale_tril=t.tensor(np.eye(2)) * 1.5
            ),
        ),
        "independent": D.MixtureSameFamily(
            D.Categorical(probs=leaf(np.array([0.5, 0.25, 0.25]))),
            D.Independent(D.Gamma(leaf(np.array([[1.0, 2.0], [3.0, 0.5], [2.0, 2.0]])), 1.5), 1),
        ),
    }


@pytest.mark.parametrize("case", ["normal", "batched_mvn", "independent"])
def test_mixture_same_family_matches_torch(case):
    leaves_n, leaves_t = [], []

    def ln(a):
        leaves_n.append(ng.tensor(a, requires_grad=True))
        return leaves_n[-1]

    def lt(a):
        leaves_t.append(torch.tensor(a, requires_grad=True))
        return leaves_t[-1]

    d, t = _mixtures(ng, nd, ln)[case], _mixtures(torch, td, lt)[case]
    assert d.batch_shape == t.batch_shape and d.event_shape == t.event_shape
    assert repr(d.support) == repr(t.support) and not d.has_rsample
    v = np.abs(np.random.default_rng(1).normal(size=(4,) + tuple(t.batch_shape + t.event_shape)))
    total_n = d.log_prob(ng.tensor(v)).sum() + d.mean.sum() + d.variance.sum()
    total_t = t.log_prob(torch.tensor(v)).sum() + t.mean.sum() + t.variance.sum()
    _compare(d.log_prob(ng.tensor(v)), t.log_prob(torch.tensor(v)), "log_prob")
    _compare(d.mean, t.mean, "mean"), _compare(d.variance, t.variance, "variance")
    if case == "normal":
        _compare(d.cdf(ng.tensor(v)), t.cdf(torch.tensor(v)), "cdf")
        total_n, total_t = (
            total_n + d.cdf(ng.tensor(v)).sum(),
            total_t + t.cdf(torch.tensor(v)).sum(),
        )
    total_n.backward(), total_t.backward()
    for a, b in zip(leaves_n, leaves_t):  # (the other cases' leaves have no gradient)
        if b.grad is None:
            assert a.grad is None
        else:
            _compare(a.grad, b.grad, f"{case} gradient", 1e-5)
    for shape in [(), (5,), (2, 3)]:
        assert tuple(d.sample(shape).shape) == tuple(t.sample(shape).shape)
    e, te = d.expand((4,) + tuple(t.batch_shape)), t.expand((4,) + tuple(t.batch_shape))
    assert e.batch_shape == te.batch_shape and tuple(e.sample().shape) == tuple(te.sample().shape)
    _compare(e.log_prob(ng.tensor(v)), te.log_prob(torch.tensor(v)), "expanded")


def test_mixture_sample_frequencies_and_errors():
    ng.manual_seed(0)
    d = nd.MixtureSameFamily(
        nd.Categorical(ng.tensor([0.3, 0.7])), nd.Normal(ng.tensor([-10.0, 10.0]), 0.1)
    )
    s = d.sample((20000,)).numpy()
    assert abs((s > 0).mean() - 0.7) < 0.015
    for t, D in ((torch, td), (ng, nd)):
        with pytest.raises(ValueError, match="instance of torch.distributions.Categorical"):
            D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(t.zeros(2), 1.0))
        with pytest.raises(ValueError, match="does not equal"):
            D.MixtureSameFamily(D.Categorical(t.ones(3)), D.Normal(t.zeros(2), 1.0))
        with pytest.raises(ValueError, match="is not compatible"):
            D.MixtureSameFamily(D.Categorical(t.ones(3, 2)), D.Normal(t.zeros(4, 2), 1.0))
    r = repr(d)
    assert r.startswith("MixtureSameFamily(\n  Categorical(") and "\n  Normal(" in r


@pytest.mark.parametrize(
    "make",
    [
        lambda t, D: D.RelaxedBernoulli(t.tensor(1.0), probs=t.tensor([1.5])),
        lambda t, D: D.RelaxedBernoulli(t.tensor(1.0), probs=t.tensor([0.5])).log_prob(
            t.tensor([1.5])
        ),
        lambda t, D: D.RelaxedOneHotCategorical(t.tensor(1.0), probs=t.tensor([-0.5, 0.5])),
        lambda t, D: D.RelaxedOneHotCategorical(t.tensor(1.0), probs=t.tensor([0.5, 0.5])).log_prob(
            t.tensor([0.7, 0.7])
        ),
        lambda t, D: D.ContinuousBernoulli(t.tensor([0.5])).log_prob(t.tensor([1.5])),
        lambda t, D: D.ContinuousBernoulli(t.tensor([1.5]), validate_args=True),
        lambda t, D: D.NegativeBinomial(t.tensor([-1.0]), t.tensor([0.5])),
        lambda t, D: D.NegativeBinomial(t.tensor([2.0]), t.tensor([1.0])),
        lambda t, D: D.NegativeBinomial(t.tensor([2.0]), t.tensor([0.5])).log_prob(t.tensor([1.5])),
        lambda t, D: D.VonMises(t.tensor([0.0]), t.tensor([-1.0])),
        lambda t, D: D.MixtureSameFamily(
            D.Categorical(t.ones(2)), D.Exponential(t.ones(2))
        ).log_prob(t.tensor([-1.0])),
    ],
)
def test_validation_errors_match_torch(make):
    messages = []
    for t, D in ((torch, td), (ng, nd)):
        with pytest.raises(ValueError) as info:
            make(t, D)
        messages.append(str(info.value).split("(")[0])
    assert messages[0] == messages[1]


def test_continuous_bernoulli_rejects_bad_probs_when_validating():
    """torch checks probs only when validate_args is given explicitly (then clamps them); a
    default-validated nablagrad distribution checks too, rather than clamp 1.5 to 1 - eps."""
    with pytest.raises(ValueError, match="probs has invalid values"):
        nd.ContinuousBernoulli(ng.tensor([1.5]))
    d = nd.ContinuousBernoulli(ng.tensor([1.5]), validate_args=False)
    assert d.probs.item() < 1


def test_reprs_match_torch():
    for make in (
        lambda t, D: D.RelaxedBernoulli(t.tensor(0.5), probs=t.tensor(0.3)),
        lambda t, D: D.RelaxedOneHotCategorical(t.tensor(0.5), probs=t.tensor([0.3, 0.7])),
        lambda t, D: D.ContinuousBernoulli(t.tensor(0.25)),
        lambda t, D: D.NegativeBinomial(t.tensor(3.0), t.tensor(0.25)),
        lambda t, D: D.NegativeBinomial(t.tensor(3.0), logits=t.tensor(0.25)),
        lambda t, D: D.VonMises(t.tensor(0.0), t.tensor(1.0)),
    ):
        assert repr(make(ng, nd)).replace("tensor(", "") == repr(make(torch, td)).replace(
            "tensor(", ""
        )


def test_von_mises_sampler_stops_on_a_nan_concentration():
    with np.errstate(all="ignore"):
        d = nd.VonMises(0.0, float("nan"), validate_args=False)
        with pytest.raises(RuntimeError, match="accepted nothing"):
            d.sample()
