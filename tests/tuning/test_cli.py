"""The ``nablagrad knn`` and ``nablagrad tune`` commands (small, fast settings)."""

from __future__ import annotations

import csv

from nablagrad.cli import main


def test_knn_command(tmp_path, capsys):
    plot = tmp_path / "knn.png"
    table = tmp_path / "knn.csv"
    rc = main(
        [
            "knn",
            "--k-max",
            "3",
            "--p",
            "1,inf",
            "--folds",
            "3",
            "--plot",
            str(plot),
            "--csv",
            str(table),
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    assert "best: k=" in out and "test accuracy" in out
    rows = list(csv.DictReader(open(table)))
    assert len(rows) == 6 and {r["p"] for r in rows} == {"1", "inf"}
    assert float(rows[0]["mean_score"]) > 0.9
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_knn_command_rejects_p_below_one(capsys):
    assert main(["knn", "--p", "0.5", "--plot", ""]) == 2
    assert "triangle inequality" in capsys.readouterr().err


def test_tune_command(tmp_path, capsys):
    table = tmp_path / "tune.csv"
    rc = main(["tune", "--trials", "3", "--max-epochs", "2", "--eta", "3", "--csv", str(table)])
    out = capsys.readouterr().out
    assert rc == 0 and "best: lr=" in out
    rows = list(csv.DictReader(open(table)))
    assert len(rows) == 3
    assert rows[0]["budget"] == "2"
    assert {"lr", "batch_size", "weight_decay", "optimizer", "dropout"} <= set(rows[0])
