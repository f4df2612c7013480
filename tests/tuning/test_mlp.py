"""The DigitsMLP train_fn used by ``nablagrad tune``."""

from __future__ import annotations

import pytest

from nablagrad.tuning.mlp import DigitsMLP

BASE = {"lr": 0.01, "batch_size": 64, "weight_decay": 1e-4, "dropout": 0.1, "seed": 0, "budget": 2}


@pytest.fixture(scope="module")
def task():
    return DigitsMLP(hidden=32)


@pytest.mark.parametrize("opt,floor", [("adam", 0.85), ("adamw", 0.85), ("sgd", 0.3)])
def test_trains_and_is_seeded(task, opt, floor):
    a = task(dict(BASE, optimizer=opt))
    b = task(dict(BASE, optimizer=opt))
    assert a == b  # same seed, same result
    assert a["val_score"] > floor


def test_bad_optimizer(task):
    with pytest.raises(ValueError, match="optimizer must be one of"):
        task(dict(BASE, optimizer="lion"))
