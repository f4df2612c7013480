"""draw_graph: the graph read from autograd, drawn by Graphviz and by the matplotlib fallback."""

import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

import nablagrad as torch
from nablagrad import nn, viz
from nablagrad.viz import draw_graph


def small_net_loss():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1))
    x, y = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.5]])
    loss = ((net(x) - y) ** 2).mean()
    names = dict(net.named_parameters(), x=x, y=y)
    return net, loss, names


def test_nodes_edges_values_and_gradients():
    net, loss, names = small_net_loss()
    loss.backward(retain_graph=True)
    g = draw_graph(loss, params=names)
    heads = [n.label.splitlines()[0] for n in g.nodes]
    assert heads == [
        "x",
        "0.weight",
        "0.bias",
        "Linear",
        "Sigmoid",
        "2.weight",
        "2.bias",
        "Linear",
        "y",
        "Sub",
        "constant",
        "Pow",
        "Mean",
    ]
    kinds = {n.label.splitlines()[0]: n.kind for n in g.nodes}
    assert kinds["x"] == "leaf" and kinds["0.weight"] == "param" and kinds["Mean"] == "output"
    assert len(g.edges) == 12
    by_head = {n.label.splitlines()[0]: n for n in g.nodes}
    bias = by_head["2.bias"].label
    assert f"grad [{net[2].bias.grad.item():.3g}]" in bias
    assert f"value {loss.item():.4g}" in by_head["Mean"].label
    # layers follow the forward pass
    layer = {n.label.splitlines()[0]: n.layer for n in g.nodes}
    assert layer["Sigmoid"] > layer["x"] and layer["Mean"] == max(layer.values())
    assert "digraph autograd" in g.source and g.source.count("->") == 12


def test_big_tensors_show_shape_only_and_errors():
    w = torch.randn(10, 10, requires_grad=True)
    out = (w @ w).sum()
    out.backward(retain_graph=True)
    g = draw_graph(out, max_values=4)
    label = g.nodes[0].label
    assert "(10, 10)" in label and "value" not in label and "grad |max|" in label
    with pytest.raises(ValueError, match="no autograd graph"):
        draw_graph(w)
    freed = (w * 2).sum()
    freed.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        draw_graph(freed)
    with pytest.raises(ValueError, match="format"):
        draw_graph(out, "g.pdf")


def check_png(path):
    img = np.asarray(Image.open(path).convert("RGB")).astype(int)
    assert img.shape[0] > 200 and img.shape[1] > 200
    assert (np.abs(img - 255).sum(axis=2) > 60).mean() > 0.01  # something is drawn


def test_matplotlib_fallback_png_and_svg(tmp_path):
    _, loss, names = small_net_loss()
    g = draw_graph(loss, tmp_path / "g.png", params=names, engine="matplotlib")
    assert g.engine == "matplotlib" and g.path == str(tmp_path / "g.png")
    check_png(tmp_path / "g.png")
    draw_graph(loss, tmp_path / "g.svg", params=names, engine="matplotlib")
    root = ET.parse(tmp_path / "g.svg").getroot()
    assert root.tag.endswith("svg")
    assert "0.weight" in (tmp_path / "g.svg").read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("tmp")] == []


def test_auto_uses_matplotlib_without_dot(tmp_path, monkeypatch):
    _, loss, _ = small_net_loss()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert not viz.dot_available()
    assert draw_graph(loss, tmp_path / "g.png").engine == "matplotlib"
    with pytest.raises(RuntimeError, match="install Graphviz"):
        draw_graph(loss, tmp_path / "h.png", engine="graphviz")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_graphviz_png_and_svg(tmp_path):
    _, loss, names = small_net_loss()
    g = draw_graph(loss, tmp_path / "g.png", params=names)
    assert g.engine == "graphviz"
    check_png(tmp_path / "g.png")
    g = draw_graph(loss, tmp_path / "g.svg", params=names, engine="graphviz", rankdir="LR")
    root = ET.parse(tmp_path / "g.svg").getroot()
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "t1&#45;&gt;op4" in titles or "t1->op4" in titles
    assert sum(1 for t in titles if t and "->" in t) == 12
