"""nablagrad.distributions against torch.distributions: log_prob, entropy, moments, cdf,
reparameterized gradients, sample shapes and statistics, validation errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.distributions as td

import nablagrad as ng
import nablagrad.distributions as nd


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(a._data, b.detach().numpy(), rtol=tol, atol=tol, equal_nan=True)


def pair(cls, *arrays, **kw):
    ng_args = [ng.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]
    t_args = [torch.tensor(a) if isinstance(a, np.ndarray) else a for a in arrays]
    return getattr(nd, cls)(*ng_args, **kw), getattr(td, cls)(*t_args, **kw)


LOC = np.array([0.0, 1.5, -2.0], np.float32)
SCALE = np.array([1.0, 0.5, 2.0], np.float32)


def test_normal_matches_torch():
    d, t = pair("Normal", LOC, SCALE)
    v = np.array([0.3, 1.0, -5.0], np.float32)
    close(d.log_prob(ng.tensor(v)), t.log_prob(torch.tensor(v)))
    close(d.entropy(), t.entropy())
    close(d.mean, t.mean), close(d.variance, t.variance), close(d.stddev, t.stddev)
    close(d.cdf(ng.tensor(v)), t.cdf(torch.tensor(v)))
    p = np.array([0.1, 0.5, 0.9], np.float32)
    close(d.icdf(ng.tensor(p)), t.icdf(torch.tensor(p)), 1e-4)
    assert d.has_rsample and d.batch_shape == t.batch_shape and d.event_shape == t.event_shape
    assert tuple(d.sample((5, 2)).shape) == tuple(t.sample((5, 2)).shape) == (5, 2, 3)
    assert not d.sample().requires_grad


def test_normal_rsample_is_differentiable_and_sample_statistics():
    ng.manual_seed(0)
    loc = ng.tensor(1.0, requires_grad=True)
    scale = ng.tensor(2.0, requires_grad=True)
    x = nd.Normal(loc, scale).rsample((20000,))
    x.mean().backward()
    assert loc.grad.item() == pytest.approx(1.0)
    # d mean(loc + scale * eps) / d scale = mean(eps), close to 0
    assert abs(scale.grad.item()) < 0.03
    assert float(x.mean()) == pytest.approx(1.0, abs=0.05)
    assert float(x.std()) == pytest.approx(2.0, abs=0.05)


def test_normal_validates_scale_and_python_numbers():
    with pytest.raises(ValueError, match="scale"):
        nd.Normal(0.0, -1.0)
    d = nd.Normal(0.0, 1.0)
    assert d.batch_shape == () and d.log_prob(ng.tensor(0.0)).item() == pytest.approx(-0.9189385)
    # torch: a number is refused when validating, accepted without validation
    with pytest.raises(ValueError, match="must be a Tensor"):
        d.log_prob(0.0)
    lenient = nd.Normal(0.0, 1.0, validate_args=False)
    assert lenient.log_prob(0.0).item() == pytest.approx(-0.9189385)


def test_uniform_matches_torch():
    lo, hi = np.array([0.0, -1.0], np.float32), np.array([2.0, 3.0], np.float32)
    d, t = pair("Uniform", lo, hi)
    v = np.array([1.0, 0.5], np.float32)
    close(d.log_prob(ng.tensor(v)), t.log_prob(torch.tensor(v)))
    close(d.entropy(), t.entropy()), close(d.mean, t.mean), close(d.variance, t.variance)
    close(d.cdf(ng.tensor(v)), t.cdf(torch.tensor(v)))
    with pytest.raises(ValueError, match="support"):
        d.log_prob(ng.tensor([5.0, 0.0]))
    d2 = nd.Uniform(ng.tensor(lo), ng.tensor(hi), validate_args=False)
    t2 = td.Uniform(torch.tensor(lo), torch.tensor(hi), validate_args=False)
    close(d2.log_prob(ng.tensor([5.0, 0.0])), t2.log_prob(torch.tensor([5.0, 0.0])))
    low = ng.tensor([0.0], requires_grad=True)
    nd.Uniform(low, ng.tensor([1.0])).rsample((10,)).sum().backward()
    assert low.grad is not None
    s = nd.Uniform(0.0, 1.0).sample((1000,))
    assert float(s.min()) >= 0 and float(s.max()) < 1


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_bernoulli_matches_torch(kind):
    p = (
        np.array([0.2, 0.7, 0.999], np.float32)
        if kind == "probs"
        else np.array([-1.0, 0.3, 4.0], np.float32)
    )
    d, t = nd.Bernoulli(**{kind: ng.tensor(p)}), td.Bernoulli(**{kind: torch.tensor(p)})
    v = np.array([1.0, 0.0, 1.0], np.float32)
    close(d.log_prob(ng.tensor(v)), t.log_prob(torch.tensor(v)))
    close(d.entropy(), t.entropy()), close(d.mean, t.mean), close(d.variance, t.variance)
    close(d.probs, t.probs), close(d.logits, t.logits, 1e-4)
    assert tuple(d.sample((4,)).shape) == (4, 3)
    with pytest.raises(NotImplementedError, match="rsample"):
        d.rsample()
    with pytest.raises(ValueError, match="support"):
        d.log_prob(ng.tensor([0.5, 0.0, 1.0]))


def test_bernoulli_needs_exactly_one_parameter():
    with pytest.raises(ValueError, match="Either"):
        nd.Bernoulli()
    with pytest.raises(ValueError, match="Either"):
        nd.Bernoulli(probs=ng.tensor(0.5), logits=ng.tensor(0.0))


@pytest.mark.parametrize("kind", ["probs", "logits"])
def test_categorical_matches_torch(kind):
    raw = np.array([[1.0, 2.0, 3.0], [0.5, 0.5, 1.0]], np.float32)
    d, t = nd.Categorical(**{kind: ng.tensor(raw)}), td.Categorical(**{kind: torch.tensor(raw)})
    v = np.array([2, 0])
    close(d.log_prob(ng.tensor(v)), t.log_prob(torch.tensor(v)))
    close(d.log_prob(ng.tensor([[0], [1]])), t.log_prob(torch.tensor([[0], [1]])))
    close(d.entropy(), t.entropy()), close(d.probs, t.probs), close(d.logits, t.logits)
    close(d.mean, t.mean), close(d.variance, t.variance)
    assert d.batch_shape == t.batch_shape and d.event_shape == t.event_shape
    assert tuple(d.sample((7,)).shape) == tuple(t.sample((7,)).shape)
    assert d.enumerate_support().tolist() == t.enumerate_support().tolist()


def test_categorical_sample_frequencies_and_grad_through_log_prob():
    ng.manual_seed(0)
    probs = ng.tensor([0.1, 0.6, 0.3])
    counts = np.bincount(nd.Categorical(probs).sample((20000,))._data, minlength=3) / 20000
    np.testing.assert_allclose(counts, [0.1, 0.6, 0.3], atol=0.015)
    logits = ng.tensor([0.0, 1.0, 2.0], requires_grad=True)
    tl = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    nd.Categorical(logits=logits).log_prob(ng.tensor(1)).backward()
    td.Categorical(logits=tl).log_prob(torch.tensor(1)).backward()
    close(logits.grad, tl.grad)


def test_multinomial_matches_torch():
    p = np.array([0.2, 0.3, 0.5], np.float32)
    d, t = pair("Multinomial", 4, p)
    v = np.array([1.0, 1.0, 2.0], np.float32)
    close(d.log_prob(ng.tensor(v)), t.log_prob(torch.tensor(v)))
    close(d.entropy(), t.entropy(), 1e-4)
    close(d.mean, t.mean), close(d.variance, t.variance)
    assert d.event_shape == t.event_shape and d.batch_shape == t.batch_shape
    b = np.array([[0.5, 0.5], [0.9, 0.1]], np.float32)
    d2, t2 = pair("Multinomial", 3, b)
    close(d2.entropy(), t2.entropy(), 1e-4)
    close(
        d2.log_prob(ng.tensor([[3.0, 0.0], [1.0, 2.0]])),
        t2.log_prob(torch.tensor([[3.0, 0.0], [1.0, 2.0]])),
    )
    with pytest.raises(ValueError):  # torch's support: counts summing to at most total_count
        d.log_prob(ng.tensor([2.0, 2.0, 1.0]))
    with pytest.raises(ValueError):
        t.log_prob(torch.tensor([2.0, 2.0, 1.0]))


def test_multinomial_sampling_as_in_the_book():
    from nablagrad.distributions.multinomial import Multinomial

    ng.manual_seed(0)
    fair = ng.tensor([0.5, 0.5])
    s = Multinomial(100, fair).sample()
    assert s.dtype == ng.float32 and s.sum().item() == 100
    counts = Multinomial(1, fair).sample((10000,))
    assert tuple(counts.shape) == (10000, 2) and (counts.sum(1) == 1).all()
    est = counts.cumsum(dim=0) / counts.cumsum(dim=0).sum(dim=1, keepdims=True)
    assert abs(est[-1, 0].item() - 0.5) < 0.03


def test_distributions_submodules_exist_like_torch():
    import nablagrad.distributions.categorical
    import nablagrad.distributions.normal  # noqa: F401

    for name in ("Normal", "Uniform", "Bernoulli", "Categorical", "Multinomial", "Distribution"):
        assert hasattr(ng.distributions, name) and hasattr(td, name)


# -- differential checks against torch.distributions (diff-data) -------------------------------


def _both(fn):
    return fn(torch, torch.distributions), fn(ng, nd)


@pytest.mark.parametrize(
    "make",
    [
        lambda t, D: D.Normal(float("nan"), 1.0),
        lambda t, D: D.Bernoulli(logits=float("nan")),
        lambda t, D: D.Categorical(logits=t.tensor([float("nan"), 0.0])),
        lambda t, D: D.Normal(0.0, 1.0).log_prob(t.tensor(float("nan"))),
        lambda t, D: D.Normal(0.0, 1.0).cdf(t.tensor(float("nan"))),
        lambda t, D: D.Normal(t.zeros(3), 1.0).log_prob(t.zeros(2)),
        lambda t, D: D.Uniform(0.0, 1.0).cdf(t.tensor(1.5)),
        lambda t, D: D.Uniform(t.tensor([0.0, 1.0]), t.tensor([1.0, 3.0])).cdf(t.tensor(0.3)),
        lambda t, D: D.Multinomial(2, probs=t.tensor([0.5, 0.5])).log_prob(t.tensor([1.0, 2.0])),
    ],
)
def test_validation_errors_match_torch(make):
    for t, D in ((torch, torch.distributions), (ng, nd)):
        with pytest.raises(ValueError):
            make(t, D)


@pytest.mark.parametrize(
    "make",
    [
        # the closed support: value == high is valid (density 0), as torch
        lambda t, D: D.Uniform(0.0, 1.0).log_prob(t.tensor([0.0, 1.0])),
        # a count vector summing to less than total_count is inside torch's support
        lambda t, D: D.Multinomial(2, probs=t.tensor([0.5, 0.5])).log_prob(t.tensor([1.0, 0.0])),
        # zero probabilities log to log(eps), not log(tiny)
        lambda t, D: D.Categorical(t.tensor([0.0, 1.0])).log_prob(t.tensor(0)),
        # a 0-d Bernoulli's entropy and an unvalidated log_prob of a non-binary value
        lambda t, D: D.Bernoulli(0.3).entropy(),
        lambda t, D: D.Bernoulli(0.3, validate_args=False).log_prob(t.tensor(0.5)),
        lambda t, D: D.Bernoulli(t.tensor([0.2, 0.7])).param_shape,
        lambda t, D: D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 2.0)),
        lambda t, D: D.kl_divergence(D.Uniform(0.0, 1.0), D.Uniform(-1.0, 2.0)),
        lambda t, D: D.kl_divergence(D.Uniform(-1.0, 2.0), D.Uniform(0.0, 1.0)),
        lambda t, D: D.kl_divergence(D.Bernoulli(t.tensor([0.3, 0.0])), D.Bernoulli(0.6)),
        lambda t, D: D.kl_divergence(
            D.Categorical(t.tensor([0.3, 0.7, 0.0])), D.Categorical(t.tensor([0.5, 0.25, 0.25]))
        ),
        lambda t, D: D.kl_divergence(D.Normal(0.0, 1.0), D.Uniform(0.0, 1.0)),
        lambda t, D: D.kl_divergence(D.Uniform(0.0, 1.0), D.Normal(0.3, 2.0)),
        lambda t, D: D.Normal(t.tensor([0.0, 1.0]), 1.0).expand((3, 2)).sample().shape,
        lambda t, D: D.Categorical(t.tensor([0.2, 0.8])).expand((4,)).log_prob(t.arange(4) % 2),
        lambda t, D: D.Multinomial(3, t.tensor([0.2, 0.8])).expand((5,)).sample((2,)).shape,
        lambda t, D: D.Bernoulli(t.tensor([0.2])).expand((3,)).mean,
    ],
)
def test_values_match_torch(make):
    theirs, ours = _both(make)
    if isinstance(theirs, torch.Tensor):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-6)
    else:
        assert tuple(ours) == tuple(theirs)


def test_api_errors_match_torch():
    for t, D in ((torch, torch.distributions), (ng, nd)):
        with pytest.raises(TypeError):  # sample_shape must be a shape, not an int
            D.Normal(0.0, 1.0).sample(3)
        with pytest.raises(TypeError):
            D.Categorical(t.tensor([0.5, 0.5])).sample(3)
        with pytest.raises(NotImplementedError):
            D.Normal(0.0, 1.0).enumerate_support()
        with pytest.raises(NotImplementedError):
            D.kl_divergence(D.Categorical(t.tensor([0.5, 0.5])), D.Normal(0.0, 1.0))
        with pytest.raises(RuntimeError):
            D.Normal(t.zeros(2), 1.0).expand((4,))


def test_multinomial_entropy_gradient_matches_torch_at_even_odds():
    """At p = 1/2 the logit is 0, where torch's max(logit, 0) has gradient 1/2."""
    grads = []
    for t, D in ((torch, torch.distributions), (ng, nd)):
        p = t.tensor([0.2, 0.3, 0.5], dtype=t.float64, requires_grad=True)
        D.Multinomial(4, probs=p).entropy().backward()
        grads.append(p.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)
