"""``nablagrad.install_as_torch`` and ``nablagrad run``: unmodified PyTorch code on nablagrad."""

from __future__ import annotations

import gzip
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nablagrad
from nablagrad import alias

HERE = Path(__file__).parent
SRC = str(Path(nablagrad.__file__).parent.parent)


def run(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(
        [sys.executable, "-m", "nablagrad", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_alias_resolves_torch_and_torchvision_modules():
    import torch as real_torch

    with alias.torch_alias():
        import torch
        import torch.nn.functional as F
        import torchvision
        from torch import nn
        from torch.utils import data
        from torchvision import transforms

        assert torch is nablagrad and nn is nablagrad.nn and F is nablagrad.nn.functional
        assert data is nablagrad.utils.data and torchvision is nablagrad.vision
        assert transforms is nablagrad.vision.transforms
        assert torch.distributions is nablagrad.distributions
        assert torch.__spec__.name == "nablagrad"  # the module's own spec is kept
        assert not hasattr(torch, "definitely_not_a_torch_function")
        with pytest.raises(AttributeError, match="does not implement `torch.nn.NoSuchLayer`"):
            nn.NoSuchLayer  # noqa: B018
        with pytest.raises(ModuleNotFoundError, match="does not implement `torch.no_such_module`"):
            import torch.no_such_module  # noqa: F401
    # everything is put back
    import torch

    own = vars(nablagrad).get("__getattr__")
    assert torch is real_torch and not getattr(own, "_nablagrad_alias", False)
    with pytest.raises(AttributeError) as info:
        nablagrad.definitely_missing  # noqa: B018
    assert "does not implement" not in str(info.value)


def test_missing_names_in_submodules_loaded_before_the_hook_say_so():
    with alias.torch_alias():
        import torch

        for owner, name in [
            ("torch.nn.functional", "no_such_fn"),
            ("torch.linalg", "no_such_fn"),
            ("torch.optim.lr_scheduler", "NoSuchLR"),
            ("torch.utils.data", "NoSuchSampler"),
        ]:
            module = eval(owner, {"torch": torch})
            with pytest.raises(AttributeError, match=f"does not implement `{owner}.{name}`"):
                getattr(module, name)
        assert hasattr(torch.nn.functional, "relu")
    with pytest.raises(AttributeError) as info:
        nablagrad.nn.functional.no_such_fn  # noqa: B018
    assert "does not implement" not in str(info.value)


def test_install_is_idempotent_and_uninstall_restores():
    import torch as real_torch

    alias.install_as_torch()
    alias.install_as_torch()
    try:
        assert sys.modules["torch"] is nablagrad and alias.is_installed()
    finally:
        alias.uninstall()
    assert sys.modules["torch"] is real_torch and not alias.is_installed()


def _fashion_files(root: Path) -> None:
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 96).astype(np.uint8)
    protos = rng.integers(0, 256, (10, 28, 28))
    imgs = np.clip(protos[labels] + rng.normal(0, 30, (96, 28, 28)), 0, 255).astype(np.uint8)
    with gzip.open(raw / "train-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 2051, 96, 28, 28) + imgs.tobytes())
    with gzip.open(raw / "train-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 2049, 96) + labels.tobytes())


@pytest.mark.parametrize(
    "script,args",
    [
        ("linreg_lazy.py", ["1"]),
        ("rnn_lm.py", []),
        ("book_bits.py", []),
        ("attention_seq.py", []),
        ("layer_zoo.py", []),
        ("fashion_lenet.py", None),
    ],
)
def test_d2l_style_scripts_run_unchanged(tmp_path, script, args):
    if args is None:
        _fashion_files(tmp_path)
        args = [str(tmp_path)]
    res = run("run", str(HERE / "scripts" / script), *args, cwd=str(tmp_path))
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.splitlines()[-1].startswith("OK"), res.stdout


def test_run_passes_argv_exit_code_and_shows_the_scripts_traceback(tmp_path):
    script = tmp_path / "s.py"
    script.write_text(
        "import sys, torch\n"
        "print(sys.argv[1:], torch.__name__)\n"
        "if sys.argv[1] == 'fail':\n"
        "    torch.some_missing_function(1)\n"
        "sys.exit(int(sys.argv[1]))\n"
    )
    ok = run("run", str(script), "3", "--flag")
    assert ok.returncode == 3 and "['3', '--flag'] nablagrad" in ok.stdout
    bad = run("run", str(script), "fail")
    assert bad.returncode == 1
    assert 's.py", line 4' in bad.stderr and "runpy" not in bad.stderr
    assert "nablagrad does not implement `torch.some_missing_function`" in bad.stderr
    missing = run("run", str(tmp_path / "nope.py"))
    assert missing.returncode == 2 and "no such script" in missing.stderr


def test_run_notebook(tmp_path):
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["# title"]},
            {"cell_type": "code", "source": ["%matplotlib inline\n", "import torch\n"]},
            {
                "cell_type": "code",
                "source": "x = torch.ones(size=(2,))\nprint('sum', x.sum().item())",
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    res = run("run", str(path))
    assert res.returncode == 0 and "sum 2.0" in res.stdout, res.stderr
