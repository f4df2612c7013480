"""A real training subprocess is killed mid-epoch; resuming from its checkpoint ends with the
same weights as an uninterrupted run."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np

import nablagrad as ng

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "src")

SCRIPT = textwrap.dedent(
    """
    import sys, time
    import nablagrad as ng
    from nablagrad import nn
    from nablagrad.datasets import load_digits
    from nablagrad.models import MLP
    from nablagrad.train import Callback, EarlyStopping, ModelCheckpoint, fit
    from nablagrad.utils.data import DataLoader, TensorDataset

    out, mode = sys.argv[1], sys.argv[2]
    X, y = load_digits()
    ng.manual_seed(0)
    model = MLP([64, 32, 10], dropout=0.2)
    opt = ng.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    sched = ng.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    loader = DataLoader(TensorDataset(X[:500], y[:500]), batch_size=50, shuffle=True,
                        generator=ng.Generator().manual_seed(7))

    class Block(Callback):
        def on_batch_end(self, trainer, batch, logs):
            if mode == "kill" and trainer.history.epoch[-1:] == [2] and batch == 3:
                print("BLOCKED", flush=True)  # mid-epoch 4: wait to be killed
                time.sleep(120)

    cbs = [EarlyStopping("val_loss", patience=50), ModelCheckpoint(out, "val_accuracy"), Block()]
    resume = out + "/last.safetensors" if mode == "resume" else None
    fit(model, loader, (X[500:700], y[500:700]), nn.CrossEntropyLoss(), opt, epochs=6,
        scheduler=sched, callbacks=cbs, metrics=["accuracy"], resume=resume, progress=False)
    ng.save(dict(model.state_dict()), out + "/final.safetensors")
    print("DONE", flush=True)
    """
)


def _run(script, out, mode):
    env = dict(os.environ, PYTHONPATH=os.path.abspath(SRC))
    return subprocess.Popen(
        [sys.executable, str(script), str(out), mode],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_run_resumes_to_identical_weights(tmp_path):
    script = tmp_path / "job.py"
    script.write_text(SCRIPT)
    (tmp_path / "full").mkdir()
    (tmp_path / "killed").mkdir()
    full = _run(script, tmp_path / "full", "full")
    killed = _run(script, tmp_path / "killed", "kill")
    line = killed.stdout.readline()
    assert line.strip() == "BLOCKED", killed.stderr.read()
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=30)
    assert killed.returncode == -signal.SIGKILL
    ck = ng.load(tmp_path / "killed" / "last.safetensors")
    assert ck["epoch"] == 2  # epochs 0-2 done, killed inside epoch 3
    assert not (tmp_path / "killed" / "final.safetensors").exists()
    resumed = _run(script, tmp_path / "killed", "resume")
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0 and "DONE" in out, err
    out, err = full.communicate(timeout=120)
    assert full.returncode == 0, err
    a = ng.load(tmp_path / "full" / "final.safetensors")
    b = ng.load(tmp_path / "killed" / "final.safetensors")
    assert set(a) == set(b)
    for k in a:
        np.testing.assert_array_equal(a[k].numpy(), b[k].numpy(), err_msg=k)
    # and training did change the weights between the checkpoint and the end
    assert not np.array_equal(ck["model"]["0.weight"].numpy(), b["0.weight"].numpy())
    last_a = ng.load(tmp_path / "full" / "last.safetensors")["history"]
    last_b = ng.load(tmp_path / "killed" / "last.safetensors")["history"]
    assert last_a == last_b
