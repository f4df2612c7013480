import numpy as np
import pytest
import torch

import nablagrad as ng
from nablagrad import lab
from nablagrad.lab._mlp import BatchedMLP
from nablagrad.lab.experiments import capacity as cap_mod
from nablagrad.models import MLP
from nablagrad.nn.functional import cross_entropy


def test_regularization_overfits_and_early_stopping_restores_best_epoch(tmp_path, check_png):
    r = lab.regularization(
        methods=("none", "l2", "early_stopping", "augmentation"), epochs=200, hidden=64, samples=60
    )
    t, c = r["table"], r["curves"]
    # no regularization memorises the flipped labels: big train/validation gap, rising val loss
    assert t["none"]["train_acc"] - t["none"]["val_acc"] > 0.15
    assert c["none"]["val_loss"][-1] > 1.5 * c["none"]["val_loss"].min()
    # early stopping restores the best validation epoch's weights exactly
    es = t["early_stopping"]
    best = int(np.argmin(c["early_stopping"]["val_loss"]))
    assert es["best_epoch"] == best
    assert es["val_loss"] == pytest.approx(c["early_stopping"]["val_loss"][best], rel=1e-5)
    assert es["val_loss"] < t["none"]["val_loss"]
    # L2 shrinks the weights and narrows the gap
    assert t["l2"]["weight_norm"] < 0.7 * t["none"]["weight_norm"]
    assert t["l2"]["val_loss"] < t["none"]["val_loss"]
    assert t["none"]["small_weights"] < 0.05  # unregularised weights are dense
    # the L2 ridge path shrinks monotonically toward the origin
    norms = np.linalg.norm(r["l2"]["solutions"], axis=1)
    assert (np.diff(norms) < 0).all()
    paths = lab.plot("regularization", r, tmp_path)
    assert len(paths) == 3
    for p in paths:
        check_png(p)


def test_l2_geometry_matches_closed_form_ridge():
    g = lab.get("regularization")._mod().l2_geometry(lambdas=(0.0, 10.0), steps=2000)
    x, y = g["x"], g["y"]
    for lam, w in zip(g["lambdas"], g["solutions"]):
        ref = np.linalg.solve(x.T @ x + lam * np.eye(2), x.T @ y)
        np.testing.assert_allclose(w, ref, rtol=1e-6, atol=1e-8)


def test_cross_entropy_with_smoothing_matches_torch():
    # the lab's classifiers train with the framework's F.cross_entropy(label_smoothing=...)
    z = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    y = np.array([0, 2, 1, 1, 0, 2])
    zt = torch.tensor(z, requires_grad=True)
    zn = ng.tensor(z, requires_grad=True)
    for eps in (0.0, 0.2):
        zt.grad, zn.grad = None, None
        ref = torch.nn.functional.cross_entropy(zt, torch.tensor(y), label_smoothing=eps)
        ours = cross_entropy(zn, ng.tensor(y), label_smoothing=eps)
        ref.backward()
        ours.backward()
        assert ours.item() == pytest.approx(ref.item(), rel=1e-6)
        np.testing.assert_allclose(zn.grad.numpy(), zt.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_batched_mlp_equals_separate_models():
    widths = [3, 5]
    net = BatchedMLP(2, 1, widths, 1, seed=1)
    x = np.random.default_rng(1).normal(size=(2, 7, 1)).astype(np.float32)
    out = net(ng.tensor(x)).detach().numpy()
    w1, b1, w2, b2 = (p.detach().numpy() for p in net.params)
    for m, h in enumerate(widths):
        ref = np.tanh(x[m] @ w1[m, :, :h] + b1[m, :, :h]) @ w2[m, :h] + b2[m]
        np.testing.assert_allclose(out[m], ref, rtol=1e-5, atol=1e-6)
    # masked units get no gradient
    (net(ng.tensor(x)) ** 2).sum().backward()
    assert np.all(net.params[0].grad.numpy()[0, :, 3:] == 0)


def test_mlp_dropout_only_in_training():
    # the lab's models are the framework's models.MLP with nn.Dropout
    ng.manual_seed(0)
    net = MLP([2, 50, 1], dropout=0.5)
    x = ng.ones(4, 2)
    a, b = net(x).detach().numpy(), net(x).detach().numpy()
    assert not np.allclose(a, b)
    net.eval()
    np.testing.assert_array_equal(net(x).detach().numpy(), net(x).detach().numpy())


def test_capacity_training_error_falls_validation_turns_up(tmp_path, check_png):
    r = lab.capacity(
        sizes=("1", "4", "32"), degrees=("0", "1", "3", "6", "9", "12"), seeds=3, steps=600
    )
    pt, pv = r["poly_train"], r["poly_val"]
    assert (np.diff(pt) <= 1e-12).all()  # nested least squares: never worse with more degree
    best = int(np.argmin(pv))
    assert 0 < best < len(pv) - 1 and pv[-1] > 3 * pv[best]
    assert r["mlp_train"][-1] < r["mlp_train"][0]
    (path,) = lab.plot("capacity", r, tmp_path)
    check_png(path)


def test_poly_fit_matches_numpy_polyfit():
    x = np.linspace(0, 1, 15)
    y = np.cos(3 * x)
    c = cap_mod.poly_fit(x, y, 4)
    ref = np.polyval(np.polyfit(x, y, 4), x)
    np.testing.assert_allclose(cap_mod.poly_eval(c, x), ref, rtol=1e-8, atol=1e-10)
