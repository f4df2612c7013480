"""A step split over threads gives exactly the sequential step's parameters and state."""

from __future__ import annotations

import numpy as np
import pytest

import nablagrad as ng
from nablagrad import backend, optim
from nablagrad.optim import optimizer as optimizer_module


def run(opt_cls, threads, monkeypatch, **kw):
    monkeypatch.setattr(optimizer_module, "PARALLEL_MIN_WORK", 1)
    ng.set_num_threads(threads)
    rng = np.random.default_rng(0)
    params = [
        ng.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
        for s in [(40, 30), (30,), (150, 120), (20,), (7, 7, 3)]  # (150, 120): BLAS path
    ]
    opt = opt_cls(params, **kw)
    for step in range(5):
        for i, p in enumerate(params):
            p.grad = ng.tensor(rng.standard_normal(p.shape).astype(np.float32) * (step + i + 1))
        opt.step()
    return [p.detach().numpy().copy() for p in params], opt.state_dict()


@pytest.mark.parametrize(
    "opt_cls,kw",
    [
        (optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 1e-2}),
        (optim.Adam, {"lr": 1e-2, "amsgrad": True}),
        (optim.AdamW, {"lr": 1e-2}),
        (optim.RMSprop, {"lr": 1e-2, "centered": True, "momentum": 0.5}),
        (optim.NAdam, {"lr": 1e-2}),
    ],
)
def test_threaded_step_equals_sequential(opt_cls, kw, monkeypatch):
    before = ng.get_num_threads()
    try:
        seq_params, seq_state = run(opt_cls, 1, monkeypatch, **kw)
        par_params, par_state = run(opt_cls, 3, monkeypatch, **kw)
    finally:
        ng.set_num_threads(before)
    for a, b in zip(seq_params, par_params):
        np.testing.assert_array_equal(a, b)
    assert seq_state["state"].keys() == par_state["state"].keys()


def test_set_num_threads_validates():
    with pytest.raises(ValueError, match="positive int"):
        ng.set_num_threads(0)


def test_set_num_threads_sets_numpys_blas_threads():
    """As torch.set_num_threads sets its BLAS's threads, ours sets NumPy's OpenBLAS (where it
    is found), also from inside a one-thread-BLAS block (applied when the block ends)."""
    if backend.blas_threads() is None:
        pytest.skip("NumPy's OpenBLAS thread functions not found")
    before = ng.get_num_threads()
    try:
        ng.set_num_threads(1)
        assert backend.blas_threads() == 1
        ng.set_num_threads(2)
        assert backend.blas_threads() == 2
        with backend.single_threaded_blas():
            ng.set_num_threads(3)
            assert backend.blas_threads() == 1
        assert backend.blas_threads() == 3
    finally:
        ng.set_num_threads(before)
