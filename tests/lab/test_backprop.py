"""nablagrad lab backprop: forward values, chain-rule gradients, graph pictures."""

import numpy as np
import pytest
import torch

from nablagrad import lab
from nablagrad.cli import main


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_gradients_match_hand_formulas_and_torch(activation):
    r = lab.backprop(hidden=3, activation=activation, seed=1, lr=0.05)
    assert r["max_abs_diff"] < 1e-12
    p = {k: torch.tensor(v, requires_grad=True) for k, v in r["params"].items()}
    x, y = torch.tensor(r["x"]), torch.tensor(r["y"])
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    loss = ((p["W2"] @ act(p["W1"] @ x + p["b1"]) + p["b2"] - y) ** 2).sum()
    loss.backward()
    assert r["loss_before"] == pytest.approx(loss.item(), rel=1e-12)
    for k in p:
        np.testing.assert_allclose(r["autograd"][k], p[k].grad.numpy(), rtol=1e-10, atol=1e-12)
    assert r["loss_after"] < r["loss_before"]


def test_graphs_show_values_then_gradients(tmp_path, check_png):
    r = lab.backprop()
    fwd = {n.label.splitlines()[0]: n.label for n in r["forward_graph"].nodes}
    bwd = {n.label.splitlines()[0]: n.label for n in r["backward_graph"].nodes}
    assert "value" in fwd["W1"] and "grad" not in fwd["W1"]
    g = r["autograd"]["W1"].ravel()
    assert "grad [" + ", ".join(f"{v:.3g}" for v in g) + "]" in bwd["W1"]
    assert "\nh\n" in bwd["Sigmoid"] and "grad" in bwd["Sigmoid"]  # retained intermediate grad
    paths = lab.plot("backprop", r, tmp_path)
    assert [p.name for p in paths] == ["backprop_forward.png", "backprop_backward.png"]
    for p in paths:
        check_png(p, min_w=300, min_h=400)


def test_cli(tmp_path, capsys):
    assert main(["lab", "backprop", "activation=tanh", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "dL/dz1 = dL/dh * (1 - h^2)" in out and "autograd's gradients equal" in out
    assert (tmp_path / "backprop_backward.png").is_file()
