import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nablagrad as ng
from nablagrad import lab
from nablagrad.lab.experiments import activations as act_mod
from nablagrad.lab.experiments import towers as tw

TORCH_ACTS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": F.leaky_relu,
    "elu": F.elu,
    "selu": F.selu,
    "softplus": F.softplus,
    "gelu": lambda x: F.gelu(x, approximate="tanh"),
    "silu": F.silu,
    "mish": F.mish,
    "softsign": F.softsign,
    "hardtanh": lambda x: torch.clamp(x, -1, 1),  # F.hardtanh says 0 at x = +-1, clamp 1
}


def test_activations_match_torch_values_and_autograd_derivatives():
    r = lab.activations(points=301, xmax=5.0)
    assert set(r["values"]) == set(TORCH_ACTS)
    x = torch.tensor(r["x"], requires_grad=True)
    for name, fn in TORCH_ACTS.items():
        x.grad = None
        y = fn(x)
        y.sum().backward()
        np.testing.assert_allclose(
            r["values"][name], y.detach().numpy(), atol=1e-10, rtol=1e-7, err_msg=name
        )
        np.testing.assert_allclose(
            r["grads"][name], x.grad.numpy(), atol=1e-10, rtol=1e-7, err_msg=name
        )


def test_sigmoid_derivative_peaks_at_quarter_and_tails_saturate():
    r = lab.activations(points=401, xmax=8.0)
    assert r["peak"]["sigmoid"] == pytest.approx(0.25, abs=1e-12)
    assert r["peak_at"]["sigmoid"] == pytest.approx(0.0, abs=1e-12)
    assert r["peak"]["tanh"] == pytest.approx(1.0, abs=1e-12)
    sat = r["saturated"]["sigmoid"]
    x = r["x"]
    assert sat[0] and sat[-1] and not sat[len(x) // 2]
    # relu: the whole negative side is dead, the positive side is not
    assert r["saturated"]["relu"][x < 0].all() and not r["saturated"]["relu"][x > 0].any()
    # leaky relu's slope 0.01 is small but the marking is relative to the peak
    assert r["saturated"]["hardtanh"][np.abs(x) > 1.01].all()


def test_activations_gradcheck_composed_formulas():
    x = ng.tensor([-2.5, -0.3, 0.4, 1.7], dtype=ng.float64, requires_grad=True)
    for name, (fn, _) in act_mod.ACTIVATIONS.items():
        if name in ("relu", "leaky_relu", "hardtanh"):
            continue  # kinks; values above are compared with torch
        assert ng.autograd.gradcheck(fn, (x,)), name


def test_tower_error_falls_with_more_towers():
    r = lab.towers(counts=("1", "2", "4", "8", "16"), grid=40, mlp_steps=0)
    e1, e2 = np.array(r["rmse_1d"]), np.array(r["rmse_2d"])
    assert (np.diff(e1) < 0).all(), e1
    assert (np.diff(e2) < 0).all(), e2
    assert e1[-1] < 0.25 * e1[0] and e2[-1] < 0.1 * e2[0]


def test_one_tower_is_two_sigmoids_and_closed_tower_is_local():
    x = np.linspace(0, 1, 101)
    xt = ng.tensor(x.reshape(-1, 1), dtype=ng.float64)
    y = tw.tower_network_1d(xt, 1, 50.0).numpy().reshape(-1)
    # one tower spanning the domain is the target at the centre, everywhere
    np.testing.assert_allclose(y, tw.target_1d(np.array([0.5]))[0], atol=1e-9)
    pts = ng.tensor([[0.45, 0.5], [0.1, 0.5], [0.45, 0.95], [0.9, 0.9]], dtype=ng.float64)
    z = tw.closed_tower(pts, (0.3, 0.6, 0.35, 0.75), 100.0, 30.0).numpy()
    assert z[0] > 0.99 and (z[1:] < 0.01).all()


def test_towers_plot_and_bad_counts(tmp_path, check_png):
    r = lab.towers(counts=("2", "4"), grid=20, mlp_steps=0, gif=True)
    paths = lab.plot("towers", r, tmp_path)
    assert [p.name for p in paths] == ["towers_1d.png", "towers_2d.png", "towers.gif"]
    for p in paths[:2]:
        check_png(p)
    from PIL import Image

    with Image.open(paths[2]) as im:
        assert im.format == "GIF" and im.n_frames == 2
    with pytest.raises(ValueError, match="counts"):
        lab.towers(counts=("0",), mlp_steps=0)


def test_activations_plot(tmp_path, check_png):
    r = lab.activations(points=51)
    (path,) = lab.plot("activations", r, tmp_path)
    check_png(path, min_w=1000, min_h=600)
    assert "sigmoid" in lab.summary("activations", r)


def test_trained_mlp_beats_hand_built_towers_with_same_neurons(tmp_path, check_png):
    r = lab.towers(counts=("2", "8"), grid=20, mlp_steps=600, mlp_hidden=16)
    assert r["same_budget_towers"] == 8
    assert r["mlp_losses"][-1] < 0.05 * r["mlp_losses"][0]
    assert r["mlp_rmse"] < r["same_budget_rmse"]
    # the reported RMSE is the fit's error on the plotted grid
    rmse = np.sqrt(np.mean((r["mlp_fit"] - r["target_1d"]) ** 2))
    assert r["mlp_rmse"] == pytest.approx(rmse, rel=1e-9)
    paths = lab.plot("towers", r, tmp_path)
    assert paths[-1].name == "towers_vs_mlp.png"
    check_png(paths[-1])
