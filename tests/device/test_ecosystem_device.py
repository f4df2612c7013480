"""ONNX export, summaries, graph pictures, TensorBoard and ensembles with models and tensors on
``cpu`` and on the fake CUDA device: the same results on both."""

import numpy as np
import onnxruntime as ort
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import nablagrad as ng
from nablagrad import nn
from nablagrad.datasets import make_moons
from nablagrad.ensemble import Bagging, VotingEnsemble
from nablagrad.train import TensorBoard, fit
from nablagrad.utils import summary
from nablagrad.utils.tensorboard import SummaryWriter
from nablagrad.viz import draw_graph


def _net(device):
    ng.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2)).to(device)


def _moons():
    X, y = make_moons(120, noise=0.2, seed=0)
    return np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.int64)


def test_bagging_on_the_device(device):
    X, y = _moons()
    bag = Bagging(lambda: _net(device), 3, seed=0, voting="soft")
    with pytest.warns(UserWarning, match="out-of-bag"):
        bag.fit(X, y, epochs=3, device=device)
    assert all(p.device.type == device for p in bag.parameters())
    ref = Bagging(lambda: _net("cpu"), 3, seed=0, voting="soft")
    with pytest.warns(UserWarning, match="out-of-bag"):
        ref.fit(X, y, epochs=3)
    np.testing.assert_allclose(bag.predict_proba(X), ref.predict_proba(X), rtol=1e-5, atol=1e-6)
    assert bag.oob_score_ == ref.oob_score_
    with ng.no_grad():
        out = bag(ng.tensor(X[:4]).to(device))
    assert out.device.type == device
    vote = VotingEnsemble([_net(device), _net(device)])
    np.testing.assert_array_equal(vote.predict(X), vote.predict(ng.tensor(X).to(device)))


def test_summary_export_and_graph_on_the_device(device, tmp_path):
    net = _net(device)
    stats = summary(net, (4, 2), device=device, verbose=0)
    assert stats.total_params == 2 * 8 + 8 + 8 * 2 + 2 and stats.total_mult_adds == 4 * 42
    x = ng.tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(3, 2)).to(device)
    ng.onnx.export(net, x, tmp_path / "m.onnx", dynamic_axes={"input": [0]})
    (got,) = ort.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"input": x.cpu().numpy()})
    with ng.no_grad():
        np.testing.assert_allclose(got, net(x).cpu().numpy(), atol=1e-6)
    loss = net(x).sum()
    loss.backward(retain_graph=True)
    g = draw_graph(loss, tmp_path / "g.png", params=dict(net.named_parameters()),
                   engine="matplotlib")  # fmt: skip
    bias = next(n.label for n in g.nodes if n.label.startswith("2.bias"))
    assert "grad [3, 3]" in bias


def test_tensorboard_with_device_tensors(device, tmp_path):
    net = _net(device)
    X, y = _moons()
    opt = ng.optim.SGD(net.parameters(), lr=0.1)
    fit(net, (X, y), None, nn.CrossEntropyLoss(), opt, epochs=2, batch_size=40, device=device,
        callbacks=[TensorBoard(tmp_path / "cb", histogram_freq=1)], progress=False)  # fmt: skip
    with SummaryWriter(tmp_path / "w") as w:
        w.add_scalar("s", ng.tensor(1.5).to(device), 0)
        w.add_histogram("h", net[0].weight, 0)
        w.add_image("i", ng.ones(1, 2, 2).to(device), 0)
    acc = EventAccumulator(str(tmp_path / "cb"))
    acc.Reload()
    assert len(acc.Scalars("loss/train")) == 2 and acc.Graph() is not None
    acc = EventAccumulator(str(tmp_path / "w"))
    acc.Reload()
    assert acc.Scalars("s")[0].value == 1.5 and acc.Histograms("h")[0].histogram_value.num == 16


def test_train_ensemble_with_tensorboard_then_evaluate_and_export(device, tmp_path, capsys):
    from nablagrad.cli import main

    args = ["train", "--device", device, "--epochs", "1", "--hidden", "16", "--ensemble", "2",
            "--out", str(tmp_path / "runs")]  # fmt: skip
    assert main(args) == 0
    run = capsys.readouterr().out.split("run directory: ")[1].split()[0]
    assert main(["evaluate", run, "--device", device]) == 0
    assert "accuracy" in capsys.readouterr().out
    assert main(["export", run, str(tmp_path / "m.onnx")]) == 0
    assert "onnxruntime agrees" in capsys.readouterr().out
    args = ["train", "--device", device, "--epochs", "1", "--hidden", "16", "--tensorboard",
            str(tmp_path / "tb"), "--out", str(tmp_path / "runs")]  # fmt: skip
    assert main(args) == 0
    acc = EventAccumulator(str(tmp_path / "tb"))
    acc.Reload()
    assert len(acc.Scalars("loss/val")) == 1
