"""distributions.transforms, biject_to/transform_to and TransformedDistribution against
torch.distributions on the same inputs: forward, inverse, log_abs_det_jacobian and their
gradients (float64, rtol 1e-7 unless a case says otherwise), domain/codomain, sign,
bijective, event_dim, shapes, caching, reprs and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.distributions as td
import torch.distributions.transforms as tT

import nablagrad as ng
import nablagrad.distributions as nd
import nablagrad.distributions.transforms as nT

RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 3))
POS = np.abs(X) + 0.2
SQ = RNG.normal(size=(2, 3, 3))


def _np(x):
    return x.detach().numpy()


def _close(ours, theirs, what, rtol=1e-7):
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=rtol, atol=1e-10, err_msg=what)


# name -> (constructor (T module, tensor fn) -> transform, input array)
CASES = {
    "exp": (lambda T, t: T.ExpTransform(), X),
    "affine": (lambda T, t: T.AffineTransform(1.5, -2.0), X),
    "affine_tensor": (
        lambda T, t: T.AffineTransform(
            t(np.array([0.5, 1.0, -1.0])), t(np.array([2.0, -0.5, 3.0]))
        ),
        X,
    ),
    "affine_event": (
        lambda T, t: T.AffineTransform(
            t(np.array([0.5, 1.0, -1.0])), t(np.array([2.0, -0.5, 3.0])), event_dim=1
        ),
        X,
    ),
    "sigmoid": (lambda T, t: T.SigmoidTransform(), X),
    "tanh": (lambda T, t: T.TanhTransform(), X),
    "softplus": (lambda T, t: T.SoftplusTransform(), X),
    "power": (lambda T, t: T.PowerTransform(t(np.array(2.5))), POS),
    "power_neg": (lambda T, t: T.PowerTransform(t(np.array([-1.5, 0.5, 2.0]))), POS),
    "stickbreaking": (lambda T, t: T.StickBreakingTransform(), X),
    "independent": (lambda T, t: T.IndependentTransform(T.ExpTransform(), 1), X),
    "reshape": (lambda T, t: T.ReshapeTransform((2, 3), (3, 2)), X),
    "compose": (
        lambda T, t: T.ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 3.0)]),
        X,
    ),
    "compose_event": (
        lambda T, t: T.ComposeTransform([T.AffineTransform(0.5, 2.0), T.StickBreakingTransform()]),
        X,
    ),
    "inverse": (lambda T, t: T.ExpTransform().inv, POS),
    "corrcholesky": (lambda T, t: T.CorrCholeskyTransform(), X),
    "cdf_transform": (
        lambda T, t: T.CumulativeDistributionTransform(
            (td if T is tT else nd).Normal(
                t(np.array([0.5, 1.0, -1.0])), t(np.array([1.0, 2.0, 0.5]))
            )
        ),
        X,
    ),
    "inverse_sigmoid": (lambda T, t: T.SigmoidTransform().inv, 1 / (1 + np.exp(-X))),
    "cat": (
        lambda T, t: T.CatTransform(
            [T.ExpTransform(), T.AffineTransform(1.0, 2.0)], dim=-1, lengths=[1, 2]
        ),
        X,
    ),
    "cat_event": (
        lambda T, t: T.CatTransform(
            [
                T.IndependentTransform(T.ExpTransform(), 1),
                T.IndependentTransform(T.AffineTransform(1.0, -2.0), 1),
            ],
            dim=0,
            lengths=[1, 1],
        ),
        X,
    ),
    "stack": (
        lambda T, t: T.StackTransform([T.ExpTransform(), T.SigmoidTransform()], dim=0),
        X,
    ),
}
# forward and inverse only (torch defines no log_abs_det_jacobian)
NO_JACOBIAN = {
    "softmax": (lambda T, t: T.SoftmaxTransform(), X),
    "lowercholesky": (lambda T, t: T.LowerCholeskyTransform(), SQ),
    "positivedefinite": (lambda T, t: T.PositiveDefiniteTransform(), SQ),
    "abs": (lambda T, t: T.AbsTransform(), X),
}


def _pair(table, case):
    make, x = table[case]
    return (
        make(nT, lambda a: ng.tensor(a, requires_grad=True)),
        make(tT, lambda a: torch.tensor(a, requires_grad=True)),
        x,
    )


@pytest.mark.parametrize("case", list(CASES))
def test_transform_values_jacobians_and_gradients_match_torch(case):
    ours, theirs, x = _pair(CASES, case)
    nx, tx = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ny, ty = ours(nx), theirs(tx)
    _close(ny, ty, f"{case} forward")
    _close(ours.inv(ny.detach()), theirs.inv(ty.detach()), f"{case} inverse", 1e-6)
    _close(ours.inv(ny.detach()), ng.tensor(x), f"{case} round trip", 1e-6)
    nj, tj = ours.log_abs_det_jacobian(nx, ny), theirs.log_abs_det_jacobian(tx, ty)
    assert tuple(nj.shape) == tuple(tj.shape), case
    _close(nj, tj, f"{case} log_abs_det_jacobian")
    w = np.linspace(0.5, 1.5, ty.numel()).reshape(tuple(ty.shape))
    wj = np.linspace(-1.0, 2.0, tj.numel()).reshape(tuple(tj.shape))
    ((ny * ng.tensor(w)).sum() + (nj * ng.tensor(wj)).sum()).backward()
    ((ty * torch.tensor(w)).sum() + (tj * torch.tensor(wj)).sum()).backward()
    _close(nx.grad, tx.grad, f"{case} d/dx", 1e-6)
    assert ours.bijective == theirs.bijective
    assert repr(ours.domain) == repr(theirs.domain), case
    assert repr(ours.codomain) == repr(theirs.codomain), case
    assert repr(ours) == repr(theirs)
    for shape in [(4, 2, 3), (2, 3)]:
        for fn in ("forward_shape", "inverse_shape"):
            try:
                want = tuple(getattr(theirs, fn)(shape))
            except (ValueError, RuntimeError):
                continue
            assert tuple(getattr(ours, fn)(shape)) == want, f"{case}.{fn}"


@pytest.mark.parametrize("case", list(NO_JACOBIAN))
def test_transforms_without_jacobian_match_torch(case):
    ours, theirs, x = _pair(NO_JACOBIAN, case)
    nx, tx = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ny, ty = ours(nx), theirs(tx)
    _close(ny, ty, f"{case} forward")
    _close(ours.inv(ny.detach()), theirs.inv(ty.detach()), f"{case} inverse", 1e-6)
    ny.sum().backward(), ty.sum().backward()
    _close(nx.grad, tx.grad, f"{case} d/dx", 1e-6)
    assert ours.bijective == theirs.bijective == False  # noqa: E712
    assert repr(ours.domain) == repr(theirs.domain)
    assert repr(ours.codomain) == repr(theirs.codomain)
    with pytest.raises(NotImplementedError):
        ours.log_abs_det_jacobian(nx, ny)


def test_sign_event_dim_and_equality_match_torch():
    for make in (
        lambda T, t: T.ExpTransform(),
        lambda T, t: T.AffineTransform(0.0, -2.0),
        lambda T, t: T.AffineTransform(0.0, 3),
        lambda T, t: T.SigmoidTransform(),
        lambda T, t: T.TanhTransform(),
        lambda T, t: T.ComposeTransform([T.ExpTransform(), T.AffineTransform(0.0, -1.0)]),
        lambda T, t: T.ExpTransform().inv,
        lambda T, t: T.IndependentTransform(T.AffineTransform(0.0, -1.0), 1),
    ):
        assert make(nT, ng.tensor).sign == make(tT, torch.tensor).sign
    assert nT.PowerTransform(ng.tensor(-2.0)).sign.item() == -1
    for T in (nT, tT):
        with pytest.raises(NotImplementedError):
            _ = T.AbsTransform().sign
        with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
            T.ExpTransform(cache_size=2)
        with pytest.raises(ValueError, match="domain.event_dim"):
            _ = T.ReshapeTransform((6,), (2, 3)).event_dim
    for make in (
        lambda T: T.ExpTransform(),
        lambda T: T.AffineTransform(1.0, 2.0, event_dim=2),
        lambda T: T.IndependentTransform(T.SigmoidTransform(), 2),
        lambda T: T.ComposeTransform(
            [T.ExpTransform(), T.IndependentTransform(T.ExpTransform(), 1)]
        ),
        lambda T: T.ReshapeTransform((6,), (2, 3)).inv,
    ):
        ours, theirs = make(nT), make(tT)
        for attr in ("domain", "codomain"):
            assert getattr(ours, attr).event_dim == getattr(theirs, attr).event_dim
    pairs = [
        (lambda T: T.ExpTransform(), lambda T: T.ExpTransform()),
        (lambda T: T.ExpTransform(), lambda T: T.SigmoidTransform()),
        (lambda T: T.AffineTransform(1.0, 2.0), lambda T: T.AffineTransform(1.0, 2.0)),
        (lambda T: T.AffineTransform(1.0, 2.0), lambda T: T.AffineTransform(1.0, 3.0)),
        (lambda T: T.ComposeTransform([]), lambda T: T.ComposeTransform([])),
        (lambda T: T.ExpTransform().inv, lambda T: T.ExpTransform().inv),
        (
            lambda T: T.IndependentTransform(T.ExpTransform(), 1),
            lambda T: T.IndependentTransform(T.ExpTransform(), 1),
        ),
    ]
    for a, b in pairs:
        assert (a(nT) == b(nT)) == (a(tT) == b(tT))
    t = nT.ExpTransform()
    assert t.inv.inv is t and repr(t.inv) == "_InverseTransform(ExpTransform())"


def test_cache_returns_the_cached_pair():
    x = ng.tensor([0.5, 1.0])
    cached, plain = nT.SigmoidTransform(cache_size=1), nT.SigmoidTransform()
    y = cached(x)
    assert cached.inv(y) is x and cached(x) is y
    assert plain.inv(plain(x)) is not x
    c = nT.ComposeTransform([nT.ExpTransform(), nT.AffineTransform(0.0, 2.0)], cache_size=1)
    y = c(x)
    assert c.inv(y) is x
    w = nT.ExpTransform().with_cache(1)
    assert w._cache_size == 1 and w.with_cache(1) is w
    assert (
        nT.IndependentTransform(nT.ExpTransform(), 1, cache_size=1).base_transform._cache_size == 1
    )


def test_transform_errors_match_torch():
    for T, t in ((nT, ng), (tT, torch)):
        with pytest.raises(ValueError, match="different numbers of elements"):
            T.ReshapeTransform((2, 3), (5,))
        with pytest.raises(ValueError, match="Too few dimensions"):
            T.IndependentTransform(T.ExpTransform(), 2)(t.ones(3))
    with pytest.raises(TypeError, match="Transform"):
        nT.ComposeTransform([nT.ExpTransform(), "exp"])


CONSTRAINTS = [
    lambda C: C.real,
    lambda C: C.positive,
    lambda C: C.nonnegative,
    lambda C: C.greater_than(2.0),
    lambda C: C.greater_than_eq(-1.0),
    lambda C: C.less_than(1.0),
    lambda C: C.unit_interval,
    lambda C: C.interval(-1.0, 2.0),
    lambda C: C.half_open_interval(0.0, 3.0),
    lambda C: C.simplex,
    lambda C: C.real_vector,
    lambda C: C.independent(C.positive, 1),
    lambda C: C.lower_cholesky,
    lambda C: C.positive_definite,
    lambda C: C.positive_semidefinite,
    lambda C: C.cat([C.real, C.positive], 1, [1, 2]),
    lambda C: C.stack([C.real, C.unit_interval], 0),
    lambda C: C.corr_cholesky,
]


@pytest.mark.parametrize("i", range(len(CONSTRAINTS)))
@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_biject_to_and_transform_to_match_torch(i, registry):
    ours_c, theirs_c = CONSTRAINTS[i](nd.constraints), CONSTRAINTS[i](td.constraints)
    ours_reg, theirs_reg = getattr(nd, registry), getattr(td, registry)
    try:
        theirs = theirs_reg(theirs_c)
    except NotImplementedError:
        with pytest.raises(NotImplementedError, match="Cannot transform"):
            ours_reg(ours_c)
        return
    ours = ours_reg(ours_c)
    assert repr(ours) == repr(theirs)
    x = SQ[0] if ours.domain.event_dim == 2 else X
    nx, tx = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ny, ty = ours(nx), theirs(tx)
    _close(ny, ty, "forward")
    assert bool(ours_c.check(ny).all())
    if theirs.bijective:
        nj, tj = ours.log_abs_det_jacobian(nx, ny), theirs.log_abs_det_jacobian(tx, ty)
        _close(nj, tj, "log_abs_det_jacobian")
        (nj.sum() + ny.sum()).backward(), (tj.sum() + ty.sum()).backward()
        _close(nx.grad, tx.grad, "gradient", 1e-6)


def test_registry_register_and_errors():
    reg = nd.constraint_registry.ConstraintRegistry()
    with pytest.raises(NotImplementedError, match="Cannot transform _Real constraints"):
        reg(nd.constraints.real)
    reg.register(nd.constraints.real, lambda c: nT.ExpTransform())
    assert reg(nd.constraints.real) == nT.ExpTransform()
    with pytest.raises(TypeError, match="Constraint"):
        reg.register(3, lambda c: None)


def _td_cases(D, T, t):
    return {
        "lognormal": (
            D.TransformedDistribution(
                D.Normal(t(np.array([0.5, -1.0, 2.0])), t(np.array([1.0, 0.5, 2.0]))),
                [T.ExpTransform()],
            ),
            POS,
        ),
        "decreasing": (
            D.TransformedDistribution(
                D.Exponential(t(np.array([0.5, 2.0, 1.0]))),
                [T.AffineTransform(1.0, -2.0), T.ExpTransform()],
            ),
            POS[:, :3] / 4,
        ),
        "logistic": (
            D.TransformedDistribution(
                D.Uniform(t(np.array([0.0, 0.0, 0.0])), t(np.array([1.0, 1.0, 1.0]))),
                [T.SigmoidTransform().inv, T.AffineTransform(t(np.array([0.5, 1.0, 2.0])), 1.5)],
            ),
            X,
        ),
        "stickbreaking": (
            D.TransformedDistribution(
                D.Normal(t(np.zeros((2, 2))), t(np.array([[1.0, 2.0], [0.5, 1.0]]))),
                T.StickBreakingTransform(),
            ),
            np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]),
        ),
        "reshape": (
            D.TransformedDistribution(
                D.Normal(t(np.zeros(6)), t(np.linspace(0.5, 2.0, 6))),
                [T.ReshapeTransform((6,), (2, 3))],
            ),
            X,
        ),
        "mvn_affine": (
            D.TransformedDistribution(
                D.MultivariateNormal(t(np.zeros(3)), t(np.eye(3) * 2.0)),
                [T.AffineTransform(t(np.array([1.0, 2.0, 3.0])), 0.5, event_dim=1)],
            ),
            X,
        ),
    }


@pytest.mark.parametrize(
    "case", ["lognormal", "decreasing", "logistic", "stickbreaking", "reshape", "mvn_affine"]
)
def test_transformed_distribution_matches_torch(case):
    leaves_n, leaves_t = [], []

    def tn(a):
        leaves_n.append(ng.tensor(a, requires_grad=True))
        return leaves_n[-1]

    def tt(a):
        leaves_t.append(torch.tensor(a, requires_grad=True))
        return leaves_t[-1]

    d, v = _td_cases(nd, nT, tn)[case]
    t, _ = _td_cases(td, tT, tt)[case]
    assert d.batch_shape == t.batch_shape and d.event_shape == t.event_shape, case
    assert repr(d.support) == repr(t.support) and d.has_rsample == t.has_rsample
    assert repr(d) == repr(t)
    nl, tl = d.log_prob(ng.tensor(v)), t.log_prob(torch.tensor(v))
    _close(nl, tl, f"{case} log_prob")
    total_n, total_t = nl.sum(), tl.sum()
    if case in ("lognormal", "decreasing", "logistic"):
        q = np.array([0.1, 0.5, 0.9])
        nc, tc = d.cdf(ng.tensor(v)), t.cdf(torch.tensor(v))
        _close(nc, tc, f"{case} cdf")
        ni, ti = d.icdf(ng.tensor(q)), t.icdf(torch.tensor(q))
        _close(ni, ti, f"{case} icdf")
        total_n, total_t = total_n + nc.sum() + ni.sum(), total_t + tc.sum() + ti.sum()
    total_n.backward(), total_t.backward()
    for a, b in zip(leaves_n, leaves_t):
        if b.grad is not None:
            _close(a.grad, b.grad, f"{case} gradient", 1e-6)
    for shape in [(), (4,)]:
        assert tuple(d.sample(shape).shape) == tuple(t.sample(shape).shape)
        assert tuple(d.rsample(shape).shape) == tuple(t.rsample(shape).shape)
    e, te = d.expand((2,) + tuple(t.batch_shape)), t.expand((2,) + tuple(t.batch_shape))
    assert e.batch_shape == te.batch_shape and e.base_dist.batch_shape == te.base_dist.batch_shape
    _close(e.log_prob(ng.tensor(v)), te.log_prob(torch.tensor(v)), f"{case} expanded log_prob")


def test_transformed_rsample_is_the_transformed_base_draw():
    ng.manual_seed(0)
    loc = ng.tensor([0.5, 1.0], dtype=ng.float64, requires_grad=True)
    d = nd.TransformedDistribution(nd.Normal(loc, 1.0), [nT.ExpTransform()])
    ng.manual_seed(3)
    y = d.rsample((100,))
    ng.manual_seed(3)
    x = nd.Normal(loc.detach(), 1.0).sample((100,))
    _close(y, x.exp(), "same noise")
    y.sum().backward()
    _close(loc.grad, y.detach().sum(0), "d exp(loc + eps)/d loc")
    assert not d.sample((3,)).requires_grad


def test_transformed_distribution_errors_match_torch():
    for D, T, t in ((nd, nT, ng), (td, tT, torch)):
        with pytest.raises(ValueError, match="transforms must be a Transform or list"):
            D.TransformedDistribution(D.Normal(0.0, 1.0), 3)
        with pytest.raises(ValueError, match="needs to have shape with size at least 1"):
            D.TransformedDistribution(D.Normal(0.0, 1.0), T.StickBreakingTransform())
        d = D.TransformedDistribution(D.Normal(t.zeros(2), 1.0), T.ExpTransform())
        with pytest.raises(ValueError, match="support"):
            d.log_prob(t.tensor([-1.0, 1.0]))
