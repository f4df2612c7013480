"""Data loading, fit, checkpoints, save/load, the train/evaluate/predict commands and metrics
on ``cpu`` and the fake CUDA device: the same numbers on both."""

import json

import numpy as np
import pytest

import nablagrad as ng
from nablagrad import nn
from nablagrad.cli import main as cli_main
from nablagrad.datasets import make_moons
from nablagrad.train import ModelCheckpoint, evaluate, fit, metrics
from nablagrad.utils.data import DataLoader, TensorDataset


def _moons():
    X, y = make_moons(200, noise=0.1, seed=0)
    return np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.int64)


def _net(device):
    ng.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2)).to(device)


def test_dataloader_batches_move_to_the_device(device):
    X, y = _moons()
    loader = DataLoader(
        TensorDataset(ng.tensor(X), ng.tensor(y)), batch_size=64, shuffle=True,
        pin_memory=True, generator=ng.Generator().manual_seed(0),
    )  # fmt: skip
    assert loader.pin_memory
    seen = 0
    for xb, yb in loader:
        xb, yb = xb.pin_memory().to(device), yb.to(device, non_blocking=True)
        assert xb.device.type == device and yb.device.type == device
        seen += len(yb.cpu())
    assert seen == 200


def test_fit_evaluate_and_resume_give_the_same_numbers_on_every_device(device, tmp_path):
    X, y = _moons()
    runs = {}
    for dev in ("cpu", device):
        model = _net(dev)
        opt = ng.optim.Adam(model.parameters(), lr=0.05)
        hist = fit(model, (X[:160], y[:160]), (X[160:], y[160:]), nn.CrossEntropyLoss(), opt,
                   epochs=3, batch_size=32, metrics=["accuracy", "f1"], device=dev,
                   generator=ng.Generator().manual_seed(1), progress=False)  # fmt: skip
        assert all(p.device.type == dev for p in model.parameters())
        res = evaluate(model, (X[160:], y[160:]), nn.CrossEntropyLoss(), ["accuracy"])
        runs[dev] = (hist.history, res)
    np.testing.assert_allclose(runs[device][0]["loss"], runs["cpu"][0]["loss"], rtol=1e-5)
    assert runs[device][1]["accuracy"] == runs["cpu"][1]["accuracy"]

    # a killed run resumed from its checkpoint continues exactly
    def run(epochs, resume=None):
        model = _net(device)
        opt = ng.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        h = fit(model, (X, y), None, nn.CrossEntropyLoss(), opt, epochs=epochs, batch_size=50,
                device=device, generator=ng.Generator().manual_seed(2), progress=False,
                callbacks=[ModelCheckpoint(tmp_path / "ck", monitor="loss")],
                resume=resume)  # fmt: skip
        return h.history["loss"], model

    full, m_full = run(4)
    run(2)
    resumed, m_res = run(4, resume=tmp_path / "ck" / "last.safetensors")
    np.testing.assert_allclose(resumed, full, rtol=1e-6)
    for a, b in zip(m_res.parameters(), m_full.parameters()):
        assert a.device.type == device
        np.testing.assert_allclose(a.detach().cpu().numpy(), b.detach().cpu().numpy(), rtol=1e-6)


def test_state_dicts_cross_devices(device):
    src = _net(device)
    sd = src.state_dict()
    assert all(v.device.type == device for v in sd.values())
    cpu_model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    cpu_model.load_state_dict(sd)  # a CUDA state_dict into a CPU model
    dev_model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2)).to(device)
    dev_model.load_state_dict(cpu_model.state_dict())  # and back
    x = ng.randn(5, 2)
    ref = src(x.to(device)).detach().cpu().numpy()
    np.testing.assert_allclose(cpu_model(x).detach().numpy(), ref, rtol=1e-6)
    np.testing.assert_allclose(dev_model(x.to(device)).detach().cpu().numpy(), ref, rtol=1e-6)
    assert {p.device.type for p in cpu_model.parameters()} == {"cpu"}
    assert {p.device.type for p in dev_model.parameters()} == {device}


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "NAdam", "LBFGS"])
def test_optimizer_state_dict_round_trip_on_the_device(device, name):
    """Save an optimizer's state mid-run, load it into a fresh one (also across devices) and
    continue: the same parameters as an uninterrupted run."""
    kwargs = {"SGD": dict(lr=0.1, momentum=0.9), "LBFGS": dict(lr=0.5)}.get(name, dict(lr=0.05))
    w0 = np.random.default_rng(0).standard_normal((4, 3))

    def steps(w, opt, n):
        for _ in range(n):

            def closure():
                opt.zero_grad()
                loss = ((w.tanh() - 0.3) ** 2).sum()
                loss.backward()
                return loss

            opt.step(closure)

    w = ng.tensor(w0, device=device, requires_grad=True)
    opt = getattr(ng.optim, name)([w], **kwargs)
    steps(w, opt, 6)
    ref = w.detach().cpu().numpy()

    w1 = ng.tensor(w0, device=device, requires_grad=True)
    opt1 = getattr(ng.optim, name)([w1], **kwargs)
    steps(w1, opt1, 3)
    sd = opt1.state_dict()
    for other in ("cpu", device):  # resume on the same device, and on the CPU
        w2 = ng.tensor(w1.detach().cpu().numpy(), device=other, requires_grad=True)
        opt2 = getattr(ng.optim, name)([w2], **kwargs)
        opt2.load_state_dict(sd)
        steps(w2, opt2, 3)
        assert w2.device.type == other
        np.testing.assert_allclose(w2.detach().cpu().numpy(), ref, rtol=1e-6, atol=1e-7)


def test_save_load_with_map_location(device, tmp_path):
    model = _net(device)
    opt = ng.optim.Adam(model.parameters())
    model(ng.randn(3, 2).to(device)).sum().backward()
    opt.step()
    path = tmp_path / "ck.safetensors"
    ng.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3}, path)
    ck = ng.load(path)  # as torch: back on the device it was saved from
    assert ck["model"]["0.weight"].device.type == device and ck["epoch"] == 3
    assert ck["opt"]["state"][0]["exp_avg"].device.type == device
    on_cpu = ng.load(path, map_location="cpu")
    assert on_cpu["model"]["0.weight"].device.type == "cpu"
    mapped = ng.load(path, map_location={"cuda:0": "cpu"})
    assert mapped["model"]["0.weight"].device.type == "cpu"
    kept = ng.load(path, map_location=lambda t, loc: t)
    assert kept["model"]["2.bias"].device.type == "cpu"
    moved = ng.load(path, map_location=ng.device(device))
    assert moved["model"]["2.bias"].device.type == device
    np.testing.assert_array_equal(
        moved["model"]["2.bias"].cpu().numpy(), model[2].bias.detach().cpu().numpy()
    )


def test_loading_a_cuda_checkpoint_without_cuda_asks_for_map_location(tmp_path):
    from nablagrad import backend

    path = tmp_path / "ck.safetensors"
    with backend.use_fake_cuda():
        ng.save({"w": ng.ones(2, device="cuda")}, path)
    with backend.use_fake_cuda(False):
        with pytest.raises(RuntimeError, match="map_location='cpu'"):
            ng.load(path)
        assert ng.load(path, map_location="cpu")["w"].tolist() == [1.0, 1.0]


def test_metrics_accept_device_tensors(device):
    scores = ng.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]], device=device)
    target = ng.tensor([1, 0, 0, 0], device=device)
    assert metrics.accuracy(scores, target) == 0.75
    cm = metrics.confusion_matrix(scores, target, 2)
    assert np.asarray(cm).tolist() == [[2, 1], [0, 1]]
    assert metrics.f1_score(scores, target) == pytest.approx(0.7333333, rel=1e-5)
    assert metrics.top_k_accuracy(scores, target, k=2) == 1.0
    assert metrics.mse(scores[:, 1], target.float()) == pytest.approx(0.175, rel=1e-6)


def test_train_evaluate_predict_commands_on_the_device(device, tmp_path, capsys):
    args = ["train", "--device", device, "--epochs", "1", "--out", str(tmp_path / "runs"),
            "--hidden", "16"]  # fmt: skip
    assert cli_main(args) == 0
    out = capsys.readouterr().out
    run = out.split("run directory: ")[1].split()[0]
    assert json.load(open(f"{run}/config.json"))["device"] == device
    assert cli_main(["evaluate", run, "--device", device]) == 0
    assert "accuracy" in capsys.readouterr().out
    x = np.random.default_rng(0).uniform(0, 16, (3, 64)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    assert cli_main(["predict", run, str(tmp_path / "x.npy"), "--device", device]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 3


def test_lenet5_trains_on_the_device(device, tmp_path, capsys):
    args = ["train", "--device", device, "--model", "lenet5", "--epochs", "1", "--batch-size",
            "128", "--out", str(tmp_path)]  # fmt: skip
    assert cli_main(args) == 0
    assert "test accuracy" in capsys.readouterr().out
