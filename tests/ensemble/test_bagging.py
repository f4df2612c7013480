"""Bagging and VotingEnsemble: resampling, votes, means and out-of-bag estimates."""

import numpy as np
import pytest

import nablagrad as torch
from nablagrad import nn
from nablagrad.datasets import make_moons
from nablagrad.ensemble import Bagging, VotingEnsemble


def mlp():
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))


@pytest.fixture(scope="module")
def moons():
    return make_moons(240, noise=0.3, seed=0)


@pytest.fixture(scope="module")
def bag(moons):
    X, y = moons
    with pytest.warns(UserWarning, match="no out-of-bag"):
        return Bagging(mlp, n_models=5, seed=0).fit(X, y, epochs=15)


def test_bootstrap_samples_and_members(bag, moons):
    X, _ = moons
    assert len(bag.members) == 5 and len(bag.samples_) == 5
    for idx in bag.samples_:
        assert len(idx) == len(X)  # n draws with replacement
        assert 0.55 < len(np.unique(idx)) / len(X) < 0.72  # about 1 - 1/e distinct
    assert len({tuple(i) for i in bag.samples_}) == 5
    assert len(bag.histories_) == 5 and len(bag.histories_[0]["loss"]) == 15


def test_hard_vote_and_oob_against_a_manual_count(bag, moons):
    X, y = moons
    labels = np.stack(
        [m(torch.tensor(X.astype(np.float32))).argmax(1).numpy() for m in bag.members]
    )
    votes = np.stack([(labels == c).sum(0) for c in range(2)], 1)
    np.testing.assert_array_equal(bag.predict(X), votes.argmax(1))
    oob_pred = np.full(len(X), -1)
    for i in range(len(X)):
        voters = [k for k in range(5) if i not in set(bag.samples_[k])]
        if voters:
            c = np.bincount(labels[voters, i], minlength=2)
            oob_pred[i] = c.argmax()
    np.testing.assert_array_equal(bag.oob_prediction_, oob_pred)
    has = oob_pred >= 0
    assert bag.oob_score_ == pytest.approx((oob_pred[has] == y[has]).mean())
    assert bag.oob_error_ == pytest.approx(1 - bag.oob_score_)
    assert 0.75 < bag.oob_score_ <= bag.score(X, y) + 0.05


def test_forward_is_log_mean_probability(bag, moons):
    X, _ = moons
    x = torch.tensor(X[:7].astype(np.float32))
    with torch.no_grad():
        out = bag(x).numpy()
    np.testing.assert_allclose(np.exp(out), bag.predict_proba(X[:7]), atol=1e-6)
    np.testing.assert_allclose(np.exp(out).sum(1), 1, atol=1e-6)
    assert 0 < bag.disagreement(X) < 0.5


def test_soft_voting_and_reproducibility(moons):
    X, y = moons
    kw = dict(n_models=3, voting="soft", seed=3, oob=False)
    a = Bagging(mlp, **kw).fit(X, y, epochs=3)
    b = Bagging(mlp, **kw).fit(X, y, epochs=3)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(a.predict(X), a.predict_proba(X).argmax(1))
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(pa.detach().numpy(), pb.detach().numpy())


def test_regression_mean_and_oob_mse():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (150, 1)).astype(np.float32)
    y = (np.sin(2 * X) + 0.1 * rng.standard_normal(X.shape)).astype(np.float32)
    with pytest.warns(UserWarning, match="3 samples were in every member's sample"):
        bag = Bagging(
            lambda: nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1)), n_models=8, seed=1
        ).fit(X, y, epochs=40, lr=0.02)
    assert bag.task == "regression"
    outs = np.stack([m(torch.tensor(X)).detach().numpy() for m in bag.members])
    np.testing.assert_allclose(bag.predict(X), outs.mean(0), rtol=1e-5, atol=1e-6)
    mask = np.ones((8, len(X)), bool)
    for k, idx in enumerate(bag.samples_):
        mask[k, idx] = False
    has = mask.any(0)
    oob = (outs * mask[..., None]).sum(0)[has] / mask.sum(0)[has][:, None]
    assert bag.oob_error_ == pytest.approx(float(((oob - y[has]) ** 2).mean()), rel=1e-5)
    assert bag.oob_score_ > 0.6 and bag.score(X, y) > bag.oob_score_ - 0.1


def test_subsampling_without_replacement(moons):
    X, y = moons
    bag = Bagging(mlp, n_models=2, bootstrap=False, oob=False, max_samples=0.5, seed=0)
    bag.fit(X, y, epochs=1)
    for idx in bag.samples_:
        assert len(idx) == 120 and len(np.unique(idx)) == 120


def test_voting_ensemble_hard_soft_weights():
    def fixed(w, b):
        lin = nn.Linear(1, 2)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(w))
            lin.bias.copy_(torch.tensor(b))
        return lin

    # logits on x=1: m1 [2, 0] (class 0, p0=0.88), m2 [0, 0.1] (class 1, p1=0.52),
    # m3 [0, 0.2] (class 1, p1=0.55)
    models = [
        fixed([[2.0], [0.0]], [0.0, 0.0]),
        fixed([[0.0], [0.1]], [0.0, 0.0]),
        fixed([[0.0], [0.2]], [0.0, 0.0]),
    ]
    X = np.ones((1, 1), np.float32)
    assert VotingEnsemble(models, voting="hard").predict(X).tolist() == [1]
    assert VotingEnsemble(models, voting="soft").predict(X).tolist() == [0]
    assert VotingEnsemble(models, voting="hard", weights=[3, 1, 1]).predict(X).tolist() == [0]
    p = VotingEnsemble(models, voting="soft").predict_proba(X)
    logits = np.array([[2, 0], [0, 0.1], [0, 0.2]])
    e = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(p[0], e.mean(0), rtol=1e-6)
    weighted = VotingEnsemble(models, voting="soft", weights=[3, 1, 1])
    pw = weighted.predict_proba(X)
    np.testing.assert_allclose(pw[0], (e * np.array([[3], [1], [1]])).sum(0) / 5, rtol=1e-6)
    with torch.no_grad():
        np.testing.assert_allclose(np.exp(weighted(torch.tensor(X)).numpy()), pw, rtol=1e-6)
        reg = VotingEnsemble(models, weights=[3, 1, 1], task="regression")
        np.testing.assert_allclose(reg(torch.tensor(X)).numpy(), reg.predict(X), rtol=1e-6)


def test_voting_ensemble_fit_and_errors(moons):
    X, y = moons
    ens = VotingEnsemble(
        [mlp(), nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))], voting="soft"
    ).fit(X, y, epochs=10)
    assert ens.score(X, y) > 0.75
    with pytest.raises(ValueError, match="voting"):
        VotingEnsemble([mlp()], voting="majority")
    with pytest.raises(ValueError, match="n_models"):
        Bagging(mlp, n_models=0)
    with pytest.raises(ValueError, match="240 inputs but 3 targets"):
        Bagging(mlp, 2).fit(X, y[:3])
    with pytest.raises(RuntimeError, match="fit"):
        Bagging(mlp, 2).predict(X)
    with pytest.raises(ValueError, match="only defined for classification"):
        VotingEnsemble([mlp()], task="regression").predict_proba(X)


def test_state_dict_round_trip(bag, moons):
    X, _ = moons
    fresh = Bagging(mlp, n_models=5).build_members()
    fresh.load_state_dict(bag.state_dict())
    fresh.task = "classification"
    np.testing.assert_array_equal(fresh.predict(X), bag.predict(X))
