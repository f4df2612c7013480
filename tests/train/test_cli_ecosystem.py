"""nablagrad train --tensorboard / --ensemble, the model summary it prints, nablagrad export."""

import json
import os
import subprocess
import sys

import numpy as np
import onnxruntime as ort
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from nablagrad.cli import main

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))


def nablagrad(*args, cwd):
    env = dict(os.environ, PYTHONPATH=SRC, NABLAGRAD_CACHE_DIR=str(cwd / "cache"))
    return subprocess.run(
        [sys.executable, "-m", "nablagrad", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_dir_of(result, cwd):
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("run directory: ")][-1]
    return cwd / line.split(": ", 1)[1]


def test_train_prints_summary_and_logs_to_tensorboard(tmp_path):
    r = nablagrad("train", "--epochs", "2", "--hidden", "16", "--tensorboard", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Layer (type:depth-idx)" in r.stdout and "├─Linear: 1-1" in r.stdout
    assert "Total params: 1,210" in r.stdout  # 64*16+16 + 16*10+10
    run = run_dir_of(r, tmp_path)
    acc = EventAccumulator(str(run / "tensorboard"))
    acc.Reload()
    tags = acc.Tags()["scalars"]
    assert {"loss/train", "loss/val", "accuracy/train", "accuracy/val", "lr"} <= set(tags)
    steps = [e.step for e in acc.Scalars("loss/val")]
    assert steps == [1, 2]
    csv = (run / "metrics.csv").read_text().splitlines()
    val_loss = float(csv[2].split(",")[csv[0].split(",").index("val_loss")])
    assert abs(acc.Scalars("loss/val")[1].value - val_loss) < 1e-5
    assert acc.Graph() is not None


def test_ensemble_run_then_evaluate_and_export(tmp_path, capsys):
    r = nablagrad("train", "--epochs", "3", "--hidden", "32", "--ensemble", "3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "bagging 3 x mlp" in r.stdout and "out-of-bag acc" in r.stdout
    run = run_dir_of(r, tmp_path)
    info = json.loads((run / "ensemble.json").read_text())
    assert info["n_models"] == 3 and len(info["member_val_accuracy"]) == 3
    test_acc = json.loads((run / "test_metrics.json").read_text())["accuracy"]
    assert test_acc > 0.85
    assert main(["evaluate", str(run)]) == 0
    assert f"accuracy  {test_acc:.4f}" in capsys.readouterr().out
    x = np.random.default_rng(0).random((4, 64), dtype=np.float32) * 16
    x_path = tmp_path / "x.npy"
    np.save(x_path, x)
    assert main(["export", str(run), str(tmp_path / "bag.onnx")]) == 0
    assert "onnxruntime agrees" in capsys.readouterr().out
    sess = ort.InferenceSession(str(tmp_path / "bag.onnx"), providers=["CPUExecutionProvider"])
    logp = sess.run(None, {"input": x})[0]
    np.testing.assert_allclose(np.exp(logp).sum(1), 1, atol=1e-5)  # log mean probability
    assert main(["predict", str(run), str(x_path), "--output", str(tmp_path / "pred.npy")]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "pred.npy"), logp.argmax(1))


def test_ensemble_option_errors(tmp_path, capsys):
    assert main(["train", "--ensemble", "3", "--early-stopping", "2"]) == 2
    err = capsys.readouterr().err
    assert "--ensemble" in err and "--early-stopping" in err and "Traceback" not in err
    assert main(["export", str(tmp_path), "m.onnx"]) == 2
    assert "not a run directory" in capsys.readouterr().err
