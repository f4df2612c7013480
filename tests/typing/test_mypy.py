"""mypy sees Tensor's methods and operators: a user-style script type-checks cleanly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import nablagrad

SCRIPT = Path(__file__).with_name("user_script.py")


def test_user_script_runs():
    subprocess.run([sys.executable, str(SCRIPT)], check=True, capture_output=True)


def test_mypy_accepts_a_user_script(tmp_path):
    if shutil.which("mypy") is None and not _has_module("mypy"):
        pytest.skip("mypy is not installed (pip install mypy, part of the test extra)")
    src = Path(nablagrad.__file__).parent.parent  # the checkout under test, as users import it
    env = dict(os.environ, MYPYPATH=str(src))
    cmd = [sys.executable, "-m", "mypy", "--follow-imports=silent", "--no-incremental"]
    cmd += ["--cache-dir", str(tmp_path / "cache"), str(SCRIPT)]
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None
