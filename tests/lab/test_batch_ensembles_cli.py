import numpy as np
import pytest
import torch

from nablagrad import lab
from nablagrad.cli import main
from nablagrad.lab.experiments import lr_batch as lb_mod


def test_lr_batch_best_lr_grows_with_batch_size(tmp_path, check_png):
    r = lab.lr_batch(
        batch_sizes=("4", "32", "128"),
        lrs=("0.002", "0.01", "0.05", "0.2", "1.0"),
        epochs=3,
        samples=1024,
    )
    loss = r["loss"]
    assert loss.shape == (3, 5)
    best = r["best_lr"]
    assert best[0] < best[1] < best[2]  # larger batches want larger steps
    assert not np.isfinite(loss[:, -1]).any() or (loss[:, -1] > 1e3).all()  # lr 1.0 > 2/L
    assert r["stability_lr"] < 1.0
    # small lr: loss rises with batch size (fewer steps in the same epochs)
    assert loss[0, 0] < loss[1, 0] < loss[2, 0]
    (path,) = lab.plot("lr-batch", r, tmp_path)
    check_png(path)


def test_lr_batch_stacked_param_groups_equal_torch_sgd():
    x, y, _ = lb_mod.make_data(64, 3)
    ours = lb_mod.train(x, y, 16, [0.01, 0.1], 2, seed=5)
    rng = np.random.default_rng(5)
    orders = [rng.permutation(64) for _ in range(2)]
    ref = []
    for lr in (0.01, 0.1):
        w = torch.zeros(lb_mod.FEATURES, requires_grad=True)
        opt = torch.optim.SGD([w], lr=lr)
        xt, yt = torch.tensor(x), torch.tensor(y)
        for order in orders:
            for s in range(0, 64, 16):
                idx = torch.tensor(order[s : s + 16])
                opt.zero_grad()
                ((xt[idx] @ w - yt[idx]) ** 2).mean().backward()
                opt.step()
        ref.append(((xt @ w - yt) ** 2).mean().item())
    np.testing.assert_allclose(ours, ref, rtol=1e-4)


def test_bagging_beats_average_member_and_reduces_spread(tmp_path, check_png):
    r = lab.ensembles(members=6, hidden=16, epochs=150, samples=80)
    assert len(r["ensemble_acc"]) == 6
    assert r["ensemble_acc"][0] == pytest.approx(r["member_acc"][0])
    assert r["ensemble_acc"][-1] > r["member_acc"].mean()
    assert r["ensemble_nll"] < r["single_nll"] + 0.05
    assert r["spread"] > 0.01  # bootstrap replicas genuinely differ
    assert 0.6 < r["oob_acc"] <= 1 and 0 < r["oob_points"] <= 80  # out-of-bag estimate
    assert 0 < r["disagreement"] < 0.5
    (path,) = lab.plot("ensembles", r, tmp_path)
    check_png(path)


def test_cli_list_describes_every_experiment(capsys):
    assert main(["lab", "--list"]) == 0
    out = capsys.readouterr().out
    for name in (
        "optimizers",
        "towers",
        "activations",
        "schedules",
        "regularization",
        "capacity",
        "lr-batch",
        "knn",
        "ensembles",
        "backprop",
    ):
        assert f"\n{name}\n" in f"\n{out}"
    assert "surface=bowl" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["lab", "optimiser"], "no lab experiment named 'optimiser' (did you mean 'optimizers'?)"),
        (["lab", "optimizers", "surface=moon"], "surface='moon' is not allowed; choose from bowl"),
        (["lab", "optimizers", "stepz=3"], "unknown parameter 'stepz'; valid parameters are"),
        (["lab", "optimizers", "steps"], "expected key=value, got 'steps'"),
        (["lab", "knn", "grid=abc"], "grid='abc' is not a valid int"),
        (["lab", "towers", "mlp_steps=-1"], "mlp_steps=-1 is too small (minimum 0)"),
        (["lab"], "name an experiment"),
        (["lab", "capacity", "sizes=4,x"], "parameter sizes item 'x' is not a valid int"),
        (["lab", "lr-batch", "lrs=0.1,-1"], "learning rates must be positive"),
    ],
)
def test_cli_bad_names_and_parameters(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err, err


def test_cli_runs_an_experiment_and_writes_figures(tmp_path, capsys, check_png):
    out = tmp_path / "figs"
    assert main(["lab", "activations", "points=101", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "sigmoid's derivative peaks at 0.2500" in text
    assert f"wrote {out / 'activations.png'}" in text
    check_png(out / "activations.png")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_out_path_that_is_a_file_is_a_clear_error(tmp_path, capsys):
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert main(["lab", "activations", "points=21", "--out", str(f)]) == 1
    assert "is not a directory" in capsys.readouterr().err


def test_every_registered_experiment_has_a_function():
    for name in lab.EXPERIMENTS:
        fn = getattr(lab, name.replace("-", "_"))
        assert callable(fn)
        assert "Parameters:" in fn.__doc__
        for prm in lab.EXPERIMENTS[name].params:
            assert f"    {prm.name} (" in fn.__doc__
