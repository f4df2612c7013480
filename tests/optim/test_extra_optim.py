"""Rprop, ASGD, Adafactor and SparseAdam against torch.optim (trajectories, state dicts, errors)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch
from optim_common import Pair

import nablagrad as ng

CASES = [
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=1e-3, alpha=0.6, t0=5, weight_decay=1e-2)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-20, 1e-3), d=2.0, weight_decay=0.1)),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for n, kw in CASES]


def _close(pair: Pair, rtol: float, atol: float) -> None:
    for i, (a, b) in enumerate(zip(pair.ng_values(), pair.t_values())):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"parameter {i}")


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
@pytest.mark.parametrize("groups", [False, True])
def test_trajectory_float64(name: str, kwargs: dict, groups: bool) -> None:
    """30 steps, one group or two (second at half the lr), maximize with the two groups."""
    kw = dict(kwargs, maximize=True) if groups else kwargs
    pair = Pair(name, kw, np.float64, groups=groups, sign=-1.0 if groups else 1.0)
    pair.step_ng(30)
    pair.step_torch(30)
    _close(pair, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_trajectory_float32(name: str, kwargs: dict) -> None:
    pair = Pair(name, kwargs, np.float32)
    pair.step_ng(25)
    pair.step_torch(25)
    _close(pair, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_layout_and_values_match_torch(name: str, kwargs: dict) -> None:
    pair = Pair(name, kwargs, np.float64)
    pair.step_ng(4)
    pair.step_torch(4)
    ours, theirs = pair.ng_opt.state_dict(), pair.t_opt.state_dict()
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for k, st in theirs["state"].items():
        assert set(ours["state"][k]) == set(st), k
        for key, value in st.items():
            mine = ours["state"][k][key]
            assert tuple(mine.shape) == tuple(value.shape), key
            np.testing.assert_allclose(np.asarray(mine._data), value.double().numpy(), rtol=1e-6)
    for g_ours, g_theirs in zip(ours["param_groups"], theirs["param_groups"]):
        assert g_ours == g_theirs


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_state_dict_resume_is_bit_identical(name: str, kwargs: dict) -> None:
    ref = Pair(name, kwargs, np.float32)
    ref.step_ng(10)
    saved = pickle.loads(pickle.dumps(ref.ng_opt.state_dict()))
    params = ref.ng_values()
    ref.step_ng(10)
    resumed = Pair(name, kwargs, np.float32)
    for p, v in zip(resumed.ng_params, params):
        p._data[...] = v
    resumed.ng_opt.load_state_dict(copy.deepcopy(saved))
    resumed.step_ng(10)
    for a, b in zip(ref.ng_values(), resumed.ng_values()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_load_torch_state_dict(name: str, kwargs: dict) -> None:
    pair = Pair(name, kwargs, np.float64)
    pair.step_torch(12)
    for p, t in zip(pair.ng_params, pair.t_params):
        p._data[...] = t.detach().numpy()
    pair.ng_opt.load_state_dict(pair.t_opt.state_dict())
    pair.step_ng(12)
    pair.step_torch(12)
    _close(pair, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", ["Rprop", "ASGD", "Adafactor", "SparseAdam"])
def test_repr_and_defaults_match_torch(name: str) -> None:
    w, tw = ng.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    ours, theirs = getattr(ng.optim, name)([w]), getattr(torch.optim, name)([tw])
    assert repr(ours) == repr(theirs)
    assert ours.defaults == theirs.defaults


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("Rprop", dict(etas=(1.5, 1.2))),
        ("Rprop", dict(lr=-1.0)),
        ("ASGD", dict(weight_decay=-1.0)),
        ("Adafactor", dict(beta2_decay=0.5)),
        ("Adafactor", dict(eps=(-1.0, 1e-3))),
        ("Adafactor", dict(d=0.5)),
        ("Adafactor", dict(weight_decay=-0.1)),
        ("SparseAdam", dict(lr=0.0)),
        ("SparseAdam", dict(eps=0.0)),
        ("SparseAdam", dict(betas=(1.0, 0.9))),
        ("SparseAdam", dict(betas=(0.9, 1.0))),
    ],
)
def test_bad_hyperparameters_raise_like_torch(name: str, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError):
        getattr(ng.optim, name)([ng.zeros(2, requires_grad=True)], **kwargs)


def test_sparse_adam_refuses_dense_gradients_as_torch() -> None:
    w, tw = ng.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
    w.grad, tw.grad = ng.ones(3), torch.ones(3)
    opt, topt = ng.optim.SparseAdam([w]), torch.optim.SparseAdam([tw])
    with pytest.raises(RuntimeError) as theirs:
        topt.step()
    with pytest.raises(RuntimeError) as ours:
        opt.step()
    assert str(ours.value) == str(theirs.value)
    ng.optim.SparseAdam([ng.zeros(2, requires_grad=True)]).step()  # no gradient: a no-op


def test_adafactor_factored_state_for_3d_parameter() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 4))
    w, tw = ng.tensor(x.copy(), requires_grad=True), torch.tensor(x.copy(), requires_grad=True)
    opt, topt = ng.optim.Adafactor([w], lr=0.1), torch.optim.Adafactor([tw], lr=0.1)
    for _ in range(5):
        for o, p, lib in ((opt, w, ng), (topt, tw, torch)):
            o.zero_grad()
            (lib.sin(p) * p).sum().backward()
            o.step()
    np.testing.assert_allclose(w._data, tw.detach().numpy(), rtol=1e-10)
    assert tuple(opt.state[w]["row_var"].shape) == (2, 3, 1)
    assert tuple(opt.state[w]["col_var"].shape) == (2, 1, 4)
