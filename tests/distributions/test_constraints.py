"""nablagrad.distributions.constraints against torch.distributions.constraints: check()
verdicts and shapes, reprs, event_dim/is_discrete, dependent constraints, and the
ValueErrors validate_args raises naming the parameter and constraint."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.distributions as td
import torch.distributions.constraints as tc

import nablagrad as ng
import nablagrad.distributions as nd
from nablagrad.distributions import constraints as nc

VEC = np.array([-1.0, 0.0, 0.5, 1.0, 2.0, np.nan, 3.0], np.float32)
SIMPLEX = np.array([[0.25, 0.75], [0.5, 0.6], [-0.1, 1.1], [1.0, 0.0]], np.float32)
MATS = np.array(
    [
        [[2.0, 0.0], [1.0, 3.0]],  # lower Cholesky, not symmetric
        [[2.0, 1.0], [1.0, 3.0]],  # positive definite
        [[1.0, 2.0], [2.0, 1.0]],  # symmetric, indefinite
        [[0.0, 0.0], [0.0, 1.0]],  # PSD, not PD
        [[-1.0, 0.0], [0.5, 1.0]],  # lower triangular, negative diagonal
    ],
    np.float32,
)


def _cases():
    return [
        ("real", VEC),
        ("positive", VEC),
        ("nonnegative", VEC),
        ("unit_interval", VEC),
        ("boolean", VEC),
        ("nonnegative_integer", VEC),
        ("positive_integer", VEC),
        ("real_vector", VEC.reshape(7, 1)),
        ("simplex", SIMPLEX),
        ("one_hot", SIMPLEX),
        ("lower_triangular", MATS),
        ("lower_cholesky", MATS),
        ("symmetric", MATS),
        ("positive_definite", MATS),
        ("positive_semidefinite", MATS),
        ("square", MATS),
        ("corr_cholesky", np.array([[[1.0, 0.0], [0.6, 0.8]], [[1.0, 0.0], [0.5, 0.5]]])),
    ]


@pytest.mark.parametrize(("name", "value"), _cases(), ids=[c[0] for c in _cases()])
def test_instance_constraints_match_torch(name, value):
    ours, theirs = getattr(nc, name), getattr(tc, name)
    got, want = ours.check(ng.tensor(value)), theirs.check(torch.tensor(value))
    assert got.dtype == ng.bool and tuple(got.shape) == tuple(want.shape)
    assert got.tolist() == want.tolist()
    assert repr(ours) == repr(theirs)
    assert (ours.event_dim, ours.is_discrete) == (theirs.event_dim, theirs.is_discrete)


@pytest.mark.parametrize(
    ("make", "value"),
    [
        (lambda c: c.greater_than(0.5), VEC),
        (lambda c: c.greater_than_eq(0.5), VEC),
        (lambda c: c.less_than(0.5), VEC),
        (lambda c: c.interval(-1.0, 1.0), VEC),
        (lambda c: c.half_open_interval(-1.0, 1.0), VEC),
        (lambda c: c.integer_interval(0, 2), VEC),
        (lambda c: c.multinomial(3), np.array([[1.0, 2.0], [2.0, 2.0], [-1.0, 1.0]], np.float32)),
        (lambda c: c.independent(c.positive, 1), np.array([[1.0, 2.0], [1.0, -1.0]], np.float32)),
        (lambda c: c.independent(c.real, 2), np.ones((3, 2, 2), np.float32)),
        (lambda c: c.cat([c.positive, c.real], 0, [1, 2]), np.array([-1.0, 1.0, 2.0], np.float32)),
        (lambda c: c.stack([c.positive, c.unit_interval], 1), np.array([[1.0, 0.5], [-1.0, 2.0]])),
    ],
)
def test_parametrised_constraints_match_torch(make, value):
    ours, theirs = make(nc), make(tc)
    got, want = ours.check(ng.tensor(value)), theirs.check(torch.tensor(value))
    assert got.tolist() == want.tolist()
    assert repr(ours) == repr(theirs)
    assert (ours.event_dim, ours.is_discrete) == (theirs.event_dim, theirs.is_discrete)


def test_dependent_constraints():
    assert nc.is_dependent(nc.dependent) and not nc.is_dependent(nc.real)
    with pytest.raises(ValueError, match="dependent"):
        nc.dependent.check(ng.tensor(1.0))
    with pytest.raises(NotImplementedError):
        nc.dependent.event_dim  # noqa: B018
    assert nc.dependent(is_discrete=False, event_dim=0).event_dim == 0
    # a dependent_property is dependent on the class and concrete on an instance
    assert nc.is_dependent(nd.Uniform.support)
    assert repr(nd.Uniform(0.0, 2.0).support) == repr(td.Uniform(0.0, 2.0).support)
    assert nd.Categorical(ng.tensor([0.5, 0.5])).support.check(ng.tensor(2)).item() is False


def test_independent_refuses_too_few_dims():
    for c, t in ((nc, ng), (tc, torch)):
        with pytest.raises(ValueError, match="dim"):
            c.independent(c.real, 2).check(t.tensor([1.0]))


@pytest.mark.parametrize(
    "make",
    [
        lambda t, D: D.Normal(0.0, 1.0),
        lambda t, D: D.Uniform(0.0, 1.0),
        lambda t, D: D.Bernoulli(0.3),
        lambda t, D: D.Categorical(t.tensor([0.5, 0.5])),
        lambda t, D: D.Multinomial(3, t.tensor([0.5, 0.5])),
    ],
)
def test_existing_distributions_expose_torch_constraints(make):
    ours, theirs = make(ng, nd), make(torch, td)
    assert set(ours.arg_constraints) == set(theirs.arg_constraints)
    for k, c in ours.arg_constraints.items():
        t = theirs.arg_constraints[k]
        assert nc.is_dependent(c) == tc.is_dependent(t)
        if not tc.is_dependent(t):
            assert repr(c) == repr(t)
    if not tc.is_dependent(theirs.support):
        assert repr(ours.support) == repr(theirs.support)


def test_validation_error_names_parameter_and_constraint():
    for D, t in ((td, torch), (nd, ng)):
        with pytest.raises(ValueError, match=r"parameter scale .*GreaterThan\(lower_bound=0.0\)"):
            D.Normal(t.tensor([0.0]), t.tensor([-1.0]))
        with pytest.raises(ValueError, match=r"parameter probs .*Interval"):
            D.Bernoulli(probs=t.tensor([1.5]))
        with pytest.raises(ValueError, match=r"support \(Boolean\(\)\)"):
            D.Bernoulli(probs=t.tensor([0.5])).log_prob(t.tensor([0.5]))
        D.Normal(t.tensor([0.0]), t.tensor([-1.0]), validate_args=False)  # no check
