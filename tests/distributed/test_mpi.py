"""Runs ``mpi_cases.py`` on 2 MPI ranks (one ``mpiexec`` start for all cases) and the
``nablagrad train --nproc 2`` launcher; each case becomes one test here."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import mpi_cases
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 240  # seconds for the whole 2-rank run: a hang fails instead of blocking the suite


def _mpiexec() -> str:
    try:
        import mpi4py  # noqa: F401

        from nablagrad.distributed.launch import find_mpiexec

        return find_mpiexec()
    except (ImportError, FileNotFoundError) as e:
        pytest.skip(f"MPI is not installed ({e}): pip install 'nablagrad[mpi]'")


def _env() -> dict:
    env = dict(os.environ)
    src = os.path.join(HERE, "..", "..", "src")
    env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(src), env.get("PYTHONPATH", "")])
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"  # two ranks on a small machine: one BLAS thread each
    return env


def _run(cmd: list[str], cwd: str | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(), cwd=cwd, start_new_session=True)  # fmt: skip
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{' '.join(cmd)} did not finish in {TIMEOUT} s:\n{out[-3000:]}\n{err[-3000:]}")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, str]:
    cmd = [_mpiexec(), "-n", "2", sys.executable, os.path.join(HERE, "mpi_cases.py")]
    res = _run(cmd)
    found = {}
    for line in res.stdout.splitlines():
        if line.startswith("CASE "):
            _, name, status = line.split(" ", 2)
            found[name] = status
    if not found:
        pytest.fail(f"the 2-rank run reported nothing (exit {res.returncode}):\n"
                    f"{res.stdout[-3000:]}\n{res.stderr[-3000:]}")  # fmt: skip
    found["__exit__"] = str(res.returncode)
    return found


@pytest.mark.parametrize("name", [fn.__name__ for fn in mpi_cases.CASES])
def test_two_ranks(outcomes: dict[str, str], name: str) -> None:
    status = outcomes.get(name, "MISSING (the run stopped before this case)")
    assert status.startswith("OK"), status.replace("\\n", "\n")


def test_two_rank_run_exits_cleanly(outcomes: dict[str, str]) -> None:
    assert outcomes["__exit__"] == "0"


def test_train_nproc_2_writes_one_run_directory(tmp_path) -> None:
    _mpiexec()
    out = tmp_path / "runs"
    cmd = [sys.executable, "-m", "nablagrad", "train", "--nproc", "2", "--epochs", "2",
           "--batch-size", "64", "--out", str(out)]  # fmt: skip
    res = _run(cmd, cwd=str(tmp_path))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "on 2 ranks" in res.stdout
    assert res.stdout.count("test accuracy") == 1  # rank 0 reports, once
    runs = list(out.iterdir())
    assert len(runs) == 1
    names = {p.name for p in runs[0].iterdir()}
    assert {"config.json", "metrics.csv", "last.safetensors", "model.safetensors",
            "test_metrics.json", "curves.png"} <= names  # fmt: skip
    acc = float(res.stdout.split("test accuracy ")[1].split()[0])
    assert acc > 0.75, res.stdout


def test_train_rejects_a_batch_not_divisible_by_the_ranks(tmp_path) -> None:
    _mpiexec()
    cmd = [sys.executable, "-m", "nablagrad", "train", "--nproc", "2", "--epochs", "1",
           "--batch-size", "33", "--out", str(tmp_path)]  # fmt: skip
    res = _run(cmd, cwd=str(tmp_path))
    assert res.returncode != 0
    assert "divisible by the 2 ranks" in res.stderr
