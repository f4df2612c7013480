"""End to end on the GPU (the probe's Part B), torch's device errors on real CuPy arrays, and
the whole device suite of tests/device with ``device="cuda"`` on the GPU."""

import os
import subprocess
import sys

import numpy as np
import pytest
from test_neighbors_optim_device import *  # noqa: F401,F403  (run here with device="cuda")
from test_nn_device import *  # noqa: F401,F403
from test_probe_cases import test_case as test_probe_case_vs_torch_cpu  # noqa: F401
from test_train_device import *  # noqa: F401,F403

import nablagrad as ng

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))


def _cli(tmp_path, *args):
    env = dict(os.environ, PYTHONPATH=SRC)
    r = subprocess.run([sys.executable, "-m", "nablagrad", *args], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return r.stdout


RUNS = [("mlp", ["--epochs", "3"]), ("lenet5", ["--epochs", "2", "--batch-size", "64"])]


@pytest.mark.parametrize("model,extra", RUNS)
def test_cli_train_evaluate_predict_on_cuda(tmp_path, model, extra):
    out = _cli(tmp_path, "train", "--device", "cuda", "--model", model, *extra)
    acc = float(out.split("test accuracy ")[1].split()[0])
    assert acc > (0.9 if model == "mlp" else 0.5)
    run = out.split("run directory: ")[1].split()[0]
    assert "accuracy" in _cli(tmp_path, "evaluate", run, "--device", "cuda")
    shape = (3, 64)
    np.save(tmp_path / "x.npy", np.random.default_rng(0).uniform(0, 16, shape).astype(np.float32))
    assert len(_cli(tmp_path, "predict", run, "x.npy", "--device", "cuda").splitlines()) == 3


def test_cupy_arrays_follow_torchs_device_rules():
    x = ng.ones(3, device="cuda")
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        x.numpy()
    with pytest.raises(RuntimeError, match="found at least two devices, cuda:0 and cpu!"):
        x + ng.ones(3)
    with pytest.raises(RuntimeError, match="found at least two devices, cuda:0 and cpu!"):
        ng.ones(3) * x
    x[1] = ng.tensor(5.0)
    y = ng.zeros(2, 3, device="cuda")
    y[1] = ng.tensor([1.0, 2.0, 3.0])
    assert x.tolist() == [1.0, 5.0, 1.0] and y.cpu().tolist() == [[0.0] * 3, [1.0, 2.0, 3.0]]


def test_save_load_cuda_state_dict_loads_in_torch(tmp_path):
    from safetensors.torch import load_file

    m = ng.nn.Sequential(ng.nn.Linear(4, 3), ng.nn.ReLU(), ng.nn.Linear(3, 2)).to("cuda")
    ng.save(m.state_dict(), tmp_path / "m.safetensors")
    assert ng.load(tmp_path / "m.safetensors")["0.weight"].is_cuda
    assert ng.load(tmp_path / "m.safetensors", map_location="cpu")["0.weight"].device.type == "cpu"
    assert len(load_file(tmp_path / "m.safetensors")) == 4
