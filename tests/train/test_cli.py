"""The nablagrad command as a subprocess: train, evaluate, predict and the error paths."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from safetensors.numpy import load_file

import nablagrad as ng

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "src"))


def nablagrad(*args, cwd, env_extra=None):
    env = dict(os.environ, PYTHONPATH=SRC, NABLAGRAD_CACHE_DIR=str(cwd / "cache"))
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "nablagrad", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_dir_of(result):
    line = [ln for ln in result.stdout.splitlines() if ln.startswith("run directory: ")][-1]
    return line.split(": ", 1)[1]


def test_default_train_then_evaluate_and_predict(tmp_path):
    r = nablagrad("train", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "batch/s" not in r.stdout + r.stderr and "ep/s" not in r.stdout  # no bars off a TTY
    acc = float(r.stdout.split("test accuracy ")[1].split()[0])
    assert acc >= 0.95
    run = tmp_path / run_dir_of(r)
    assert run.parent.name == "runs"
    for name in ("config.json", "metrics.csv", "curves.png", "model.safetensors"):
        assert (run / name).is_file(), name
    assert json.loads((run / "test_metrics.json").read_text())["accuracy"] == pytest.approx(
        acc, abs=1e-4
    )
    lines = (run / "metrics.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,loss,accuracy,val_loss,val_accuracy") and len(lines) == 21
    weights = load_file(str(run / "model.safetensors"))  # the safetensors library reads it
    assert weights["0.weight"].shape == (128, 64)

    e = nablagrad("evaluate", run, cwd=tmp_path)
    assert e.returncode == 0, e.stderr
    assert f"accuracy  {acc:.4f}" in e.stdout and "per-class accuracy" in e.stdout
    assert (run / "confusion_matrix.png").is_file()

    from nablagrad.datasets import load_digits

    X, y = load_digits()
    np.save(tmp_path / "x.npy", X[:5])
    p = nablagrad("predict", run, tmp_path / "x.npy", "--output", tmp_path / "p.npy", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    pred = np.load(tmp_path / "p.npy")
    assert pred.shape == (5,) and (pred == y[:5]).mean() >= 0.8
    assert p.stdout.splitlines()[0].startswith("0\t")
    np.save(tmp_path / "one.npy", X[0].reshape(8, 8))  # a single 8x8 image also works
    assert nablagrad("predict", run, tmp_path / "one.npy", cwd=tmp_path).returncode == 0

    np.save(tmp_path / "bad.npy", np.zeros((3, 10)))
    bad = nablagrad("predict", run, tmp_path / "bad.npy", cwd=tmp_path)
    assert bad.returncode != 0 and "shape (3, 10)" in bad.stderr and "Traceback" not in bad.stderr
    (run / "model.safetensors").write_bytes(b"garbage!garbage!")
    corrupt = nablagrad("evaluate", run, cwd=tmp_path)
    assert corrupt.returncode != 0 and "safetensors" in corrupt.stderr
    assert len(corrupt.stderr.strip().splitlines()) == 1


def test_same_seed_same_numbers_and_config_file(tmp_path):
    (tmp_path / "c.toml").write_text('epochs = 3\nhidden = [32]\noptimizer = "sgd"\nlr = 0.05\n')
    outs = []
    for _ in range(2):
        r = nablagrad(
            "train",
            "--config",
            tmp_path / "c.toml",
            "--seed",
            5,
            "--dropout",
            0.1,
            "--schedule",
            "cosine",
            "--augment",
            "--label-smoothing",
            0.1,
            "--early-stopping",
            5,
            cwd=tmp_path,
        )
        assert r.returncode == 0, r.stderr
        run = tmp_path / run_dir_of(r)
        cfg = json.loads((run / "config.json").read_text())
        assert cfg["epochs"] == 3 and cfg["hidden"] == "32" and cfg["seed"] == 5
        outs.append((run / "metrics.csv").read_text())
    assert outs[0] == outs[1]


def test_lenet5_on_digits(tmp_path):
    r = nablagrad("train", "--model", "lenet5", "--epochs", 3, "--batch-size", 64, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout.split("test accuracy ")[1].split()[0]) >= 0.85


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--epochs", "0"], "--epochs 0 must be >= 1"),
        (["train", "--dropout", "1.5"], "--dropout 1.5 must be in [0, 1)"),
        (["train", "--hidden", "a,b"], "comma-separated integers"),
        (["train", "--model", "lenet5", "--dataset", "spirals"], "use --model mlp"),
        pytest.param(
            ["train", "--device", "cuda"],
            "no CUDA GPU",
            marks=pytest.mark.skipif(
                ng.cuda.is_available(), reason="this machine has a CUDA GPU (CuPy sees one)"
            ),
        ),
        (["train", "--config", "missing.toml"], "does not exist"),
        (["train", "--dataset", "mnist"], "put train-images-idx3-ubyte.gz"),
        (["train", "--resume", "nowhere"], "no config.json"),
        (["evaluate", "nowhere"], "not a run directory"),
    ],
)
def test_errors_are_one_clear_line(tmp_path, args, message):
    # a proxy that refuses connections: downloads fail at once, as offline
    r = nablagrad(
        *args,
        cwd=tmp_path,
        env_extra={"https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"},
    )
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_bad_option_and_toml_key(tmp_path):
    r = nablagrad("train", "--model", "resnet", cwd=tmp_path)
    assert (
        r.returncode == 2 and "invalid choice: 'resnet'" in r.stderr and "Traceback" not in r.stderr
    )
    (tmp_path / "c.toml").write_text("epoch = 3\n")
    r = nablagrad("train", "--config", tmp_path / "c.toml", cwd=tmp_path)
    assert r.returncode == 2 and "unknown option 'epoch'" in r.stderr


def test_train_on_a_cached_mnist(tmp_path):
    """The IDX path end to end: fake MNIST files in the cache, no network."""
    import gzip
    import struct

    folder = tmp_path / "cache" / "mnist"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 300).astype(np.uint8)
    imgs = np.zeros((300, 28, 28), np.uint8)
    for i, c in enumerate(labels):  # a learnable pattern: a bright row per class
        imgs[i, 2 + 2 * c] = 255
    for prefix in ("train", "t10k"):
        for name, arr in (("images-idx3", imgs), ("labels-idx1", labels)):
            head = bytes([0, 0, 8, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
            with gzip.open(folder / f"{prefix}-{name}-ubyte.gz", "wb") as f:
                f.write(head + arr.tobytes())
    r = nablagrad(
        "train", "--dataset", "mnist", "--epochs", 5, "--lr", 0.01, "--hidden", 16, cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    assert "270 train / 30 val / 300 test" in r.stdout
    assert float(r.stdout.split("test accuracy ")[1].split()[0]) >= 0.9
