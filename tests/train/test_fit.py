"""fit, History and callbacks on small data."""

import csv

import numpy as np
import pytest
import torch

import nablagrad as ng
from nablagrad import nn
from nablagrad.datasets import load_digits, make_moons
from nablagrad.models import MLP
from nablagrad.train import (
    Callback,
    CSVLogger,
    EarlyStopping,
    ModelCheckpoint,
    WeightPenalty,
    fit,
)
from nablagrad.utils.data import DataLoader, TensorDataset


def moons():
    X, y = make_moons(200, noise=0.1, seed=0)
    perm = np.random.default_rng(0).permutation(200)
    X, y = X[perm], y[perm]
    return (X[:160], y[:160]), (X[160:], y[160:])


def make(seed=0, lr=0.1):
    ng.manual_seed(seed)
    model = MLP([2, 16, 2])
    return model, ng.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def test_fit_learns_and_logs():
    train, val = moons()
    model, opt = make()
    h = fit(
        model,
        train,
        val,
        nn.CrossEntropyLoss(),
        opt,
        epochs=15,
        metrics=["accuracy", "f1"],
        progress=False,
        generator=ng.Generator().manual_seed(0),
    )
    assert len(h.epoch) == 15 and set(h.history) >= {"loss", "accuracy", "val_loss", "val_f1", "lr"}
    assert h["loss"][-1] < h["loss"][0] * 0.5
    assert h["val_accuracy"][-1] >= 0.9


def test_fit_matches_a_pytorch_loop_step_for_step():
    X, y = load_digits()
    X, y = X[:96], y[:96]
    ng.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    tmodel = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    tmodel.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in model.state_dict().items()}
    )
    opt = ng.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.05, momentum=0.9)
    h = fit(
        model,
        DataLoader(TensorDataset(X, y), batch_size=32),
        None,
        nn.CrossEntropyLoss(),
        opt,
        epochs=3,
        progress=False,
    )
    losses = []
    tl = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=32
    )
    for _ in range(3):
        total = 0.0
        for xb, yb in tl:
            topt.zero_grad()
            loss = torch.nn.functional.cross_entropy(tmodel(xb), yb)
            loss.backward()
            topt.step()
            total += loss.item() * len(yb)
        losses.append(total / 96)
    np.testing.assert_allclose(h["loss"], losses, rtol=1e-4)
    for k, v in tmodel.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[k].numpy(), v.numpy(), rtol=1e-4, atol=1e-5)


def test_early_stopping_restores_best_weights():
    train, val = moons()
    model, opt = make(lr=0.5)

    class Noisy(Callback):  # make val_loss get worse after epoch 2
        def on_epoch_end(self, trainer, epoch, logs):
            logs["val_loss"] = 1.0 - 0.1 * epoch if epoch < 2 else 10.0 + epoch

    seen = {}

    class Grab(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            if epoch == 1:
                seen.update({k: v.numpy().copy() for k, v in trainer.model.state_dict().items()})

    es = EarlyStopping("val_loss", patience=2, restore_best_weights=True)
    h = fit(
        model,
        train,
        val,
        nn.CrossEntropyLoss(),
        opt,
        epochs=20,
        callbacks=[Noisy(), Grab(), es],
        progress=False,
    )
    # best at epoch 1 (0-based); stop after `patience` = 2 epochs without improvement
    assert len(h.epoch) == 4 and es.best_epoch == 1 and es.stopped_epoch == 3
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), seen[k])
    with pytest.raises(KeyError, match="val_accuracy"):
        fit(
            model,
            train,
            None,
            nn.CrossEntropyLoss(),
            opt,
            epochs=1,
            progress=False,
            callbacks=[EarlyStopping("val_accuracy")],
        )


def test_checkpoint_csv_and_scheduler(tmp_path):
    train, val = moons()
    model, opt = make()
    sched = ng.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    h = fit(
        model,
        train,
        val,
        nn.CrossEntropyLoss(),
        opt,
        epochs=4,
        scheduler=sched,
        metrics=["accuracy"],
        progress=False,
        callbacks=[CSVLogger(tmp_path / "m.csv"), ModelCheckpoint(tmp_path, "val_accuracy")],
    )
    assert h["lr"] == [0.1, 0.1, 0.05, 0.05]
    rows = list(csv.DictReader(open(tmp_path / "m.csv")))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4]
    assert float(rows[-1]["val_loss"]) == pytest.approx(h["val_loss"][-1], rel=1e-5)
    best = ng.load(tmp_path / "best.safetensors")
    assert set(best) == set(model.state_dict())
    last = ng.load(tmp_path / "last.safetensors")
    assert last["epoch"] == 3 and last["optimizer"]["param_groups"][0]["lr"] == 0.025


def test_plateau_and_batch_schedulers():
    train, val = moons()
    model, opt = make(lr=0.1)
    sched = ng.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)

    def const(output, target):
        return 1.0  # a monitored value that never improves

    h = fit(
        model,
        train,
        val,
        nn.CrossEntropyLoss(),
        opt,
        epochs=3,
        scheduler=sched,
        metrics=[const],
        monitor="val_const",
        progress=False,
    )
    assert h["val_const"] == [1.0, 1.0, 1.0]
    assert h["lr"] == [0.1, 0.1, 0.05] and opt.param_groups[0]["lr"] == pytest.approx(0.025)
    model, opt = make(lr=0.1)
    sched = ng.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(
        model,
        train,
        None,
        nn.CrossEntropyLoss(),
        opt,
        epochs=1,
        scheduler=sched,
        scheduler_interval="batch",
        batch_size=40,
        progress=False,
    )
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**4)  # 160 / 40 = 4 batches


def test_weight_penalty_adds_l2_gradient():
    X = np.ones((4, 2), np.float32)
    y = np.zeros(4, np.int64)
    grads = []
    for pen in (0.0, 0.5):
        ng.manual_seed(0)
        model = nn.Linear(2, 2)
        opt = ng.optim.SGD(model.parameters(), lr=0.0)

        class Keep(Callback):
            def on_batch_end(self, trainer, batch, logs):
                grads.append(trainer.model.weight.grad.numpy().copy())

        fit(
            model,
            (X, y),
            None,
            nn.CrossEntropyLoss(),
            opt,
            epochs=1,
            batch_size=4,
            callbacks=[WeightPenalty(l2=pen), Keep()],
            progress=False,
        )
    np.testing.assert_allclose(grads[1] - grads[0], 0.5 * model.weight.detach().numpy(), rtol=1e-5)


def test_same_seed_same_numbers():
    train, val = moons()
    runs = []
    for _ in range(2):
        model, opt = make(seed=3)
        model = MLP([2, 16, 2], dropout=0.2)
        opt = ng.optim.Adam(model.parameters(), lr=0.01)
        h = fit(
            model,
            train,
            val,
            nn.CrossEntropyLoss(),
            opt,
            epochs=3,
            progress=False,
            generator=ng.Generator().manual_seed(1),
        )
        runs.append(h["val_loss"])
    assert runs[0] == runs[1]


def test_bad_fit_arguments():
    train, _ = moons()
    model, opt = make()
    with pytest.raises(TypeError, match="loss"):
        fit(model, train, epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, train, None, nn.CrossEntropyLoss(), opt, epochs=0)
    with pytest.raises(TypeError, match="train_data"):
        fit(model, 5, None, nn.CrossEntropyLoss(), opt, epochs=1)
    with pytest.raises(FileNotFoundError, match="resume"):
        fit(model, train, None, nn.CrossEntropyLoss(), opt, epochs=1, resume="/nope.safetensors")
    with pytest.raises(FloatingPointError, match="learning rate"):
        fit(
            model,
            (np.full((8, 2), np.nan, np.float32), np.zeros(8, np.int64)),
            None,
            nn.CrossEntropyLoss(),
            opt,
            epochs=1,
            progress=False,
        )


def test_resume_into_a_different_model_is_a_clear_error(tmp_path):
    train, val = moons()
    model, opt = make()
    fit(
        model,
        train,
        val,
        nn.CrossEntropyLoss(),
        opt,
        epochs=1,
        progress=False,
        callbacks=[ModelCheckpoint(tmp_path)],
    )
    ng.manual_seed(0)
    other = MLP([2, 8, 2])
    opt2 = ng.optim.SGD(other.parameters(), lr=0.1, momentum=0.9)
    with pytest.raises(Exception, match=r"0\.weight"):
        fit(
            other,
            train,
            val,
            nn.CrossEntropyLoss(),
            opt2,
            epochs=2,
            progress=False,
            callbacks=[ModelCheckpoint(tmp_path)],
            resume=tmp_path / "last.safetensors",
        )
    with pytest.raises(ValueError, match="not a training checkpoint"):
        fit(
            model,
            train,
            val,
            nn.CrossEntropyLoss(),
            opt,
            epochs=2,
            progress=False,
            resume=tmp_path / "best.safetensors",
        )


def test_saved_mlp_runs_in_pytorch_with_the_same_architecture(tmp_path):
    from safetensors.torch import load_file

    ng.manual_seed(0)
    model = MLP([4, 8, 3])
    ng.save(model.state_dict(), tmp_path / "m.safetensors")
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    tmodel.load_state_dict(load_file(str(tmp_path / "m.safetensors")))
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    with ng.no_grad():
        ours = model(ng.tensor(x)).numpy()
    np.testing.assert_allclose(
        ours, tmodel(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )
