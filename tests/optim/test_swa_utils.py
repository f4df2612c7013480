"""torch.optim.swa_utils: AveragedModel, the averaging functions, SWALR and update_bn vs torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.optim import swa_utils as tswa

import nablagrad as ng
from nablagrad.optim import swa_utils as swa


def _pair_models(seed: int = 0):  # noqa: ANN202
    torch.manual_seed(seed)
    tnet = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2)
    ).double()
    net = ng.nn.Sequential(
        ng.nn.Linear(3, 4), ng.nn.BatchNorm1d(4), ng.nn.ReLU(), ng.nn.Linear(4, 2)
    ).double()
    net.load_state_dict({k: ng.tensor(v.numpy().copy()) for k, v in tnet.state_dict().items()})
    return net, tnet


def _train(net, tnet, steps: int, avg, tavg, seed: int = 0) -> None:  # noqa: ANN001
    rng = np.random.default_rng(seed)
    opt = ng.optim.SGD(net.parameters(), lr=0.1)
    topt = torch.optim.SGD(tnet.parameters(), lr=0.1)
    for _ in range(steps):
        x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
        for o, m, lib, a in ((opt, net, ng, avg), (topt, tnet, torch, tavg)):
            o.zero_grad()
            ((m(lib.tensor(x)) - lib.tensor(y)) ** 2).mean().backward()
            o.step()
            a.update_parameters(m)


def _compare_sd(ours, theirs) -> None:  # noqa: ANN001
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    for k in b:
        np.testing.assert_allclose(np.asarray(a[k]._data), b[k].numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "kind", ["swa", "ema_multi", "ema", "swa_fn", "swa_multi", "ema_buffers", "swa_buffers"]
)
def test_averaged_model_matches_torch(kind: str) -> None:
    net, tnet = _pair_models()
    kw: dict = {}
    tkw: dict = {}
    if kind in ("ema_multi", "ema_buffers"):
        kw["multi_avg_fn"], tkw["multi_avg_fn"] = (
            swa.get_ema_multi_avg_fn(0.8),
            tswa.get_ema_multi_avg_fn(0.8),
        )
    elif kind == "ema":
        kw["avg_fn"], tkw["avg_fn"] = swa.get_ema_avg_fn(0.7), tswa.get_ema_avg_fn(0.7)
    elif kind == "swa_fn":
        kw["avg_fn"], tkw["avg_fn"] = swa.get_swa_avg_fn(), tswa.get_swa_avg_fn()
    elif kind == "swa_multi":
        kw["multi_avg_fn"], tkw["multi_avg_fn"] = (
            swa.get_swa_multi_avg_fn(),
            tswa.get_swa_multi_avg_fn(),
        )
    if kind.endswith("buffers"):
        kw["use_buffers"] = tkw["use_buffers"] = True
    avg, tavg = swa.AveragedModel(net, **kw), tswa.AveragedModel(tnet, **tkw)
    _train(net, tnet, 7, avg, tavg)
    _compare_sd(avg, tavg)
    assert int(avg.n_averaged) == 7 and avg.n_averaged.dtype == ng.int64
    x = np.random.default_rng(3).normal(size=(5, 3))
    avg.eval()
    tavg.eval()
    np.testing.assert_allclose(
        avg(ng.tensor(x)).detach().numpy(), tavg(torch.tensor(x)).detach().numpy(), rtol=1e-9
    )


def test_averaged_model_state_dict_round_trip_and_errors() -> None:
    net, _ = _pair_models()
    avg = swa.AveragedModel(net)
    avg.update_parameters(net)
    other = swa.AveragedModel(net)
    other.load_state_dict(avg.state_dict())
    assert int(other.n_averaged) == 1
    assert avg.module is not net  # a deep copy
    with pytest.raises(AssertionError):
        swa.AveragedModel(net, avg_fn=swa.get_swa_avg_fn(), multi_avg_fn=swa.get_swa_multi_avg_fn())
    for fn in (swa.get_ema_avg_fn, swa.get_ema_multi_avg_fn):
        with pytest.raises(ValueError, match="decay"):
            fn(1.5)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("epochs", [0, 1, 4])
def test_swalr_matches_torch(strategy: str, epochs: int) -> None:
    w, tw = ng.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    groups = [{"params": [w]}, {"params": [ng.zeros(1, requires_grad=True)], "lr": 0.3}]
    tgroups = [{"params": [tw]}, {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.3}]
    opt, topt = ng.optim.SGD(groups, lr=1.0), torch.optim.SGD(tgroups, lr=1.0)
    s = swa.SWALR(opt, swa_lr=[0.05, 0.01], anneal_epochs=epochs, anneal_strategy=strategy)
    ts = tswa.SWALR(topt, swa_lr=[0.05, 0.01], anneal_epochs=epochs, anneal_strategy=strategy)
    for _ in range(7):
        opt.step()
        topt.step()
        s.step()
        ts.step()
        np.testing.assert_allclose(s.get_last_lr(), ts.get_last_lr(), rtol=1e-12)
    sd = s.state_dict()
    assert set(sd) <= set(ts.state_dict())
    s2 = swa.SWALR(ng.optim.SGD([ng.zeros(1, requires_grad=True)], lr=1.0), swa_lr=0.5)
    s2.load_state_dict({k: v for k, v in sd.items()})
    assert s2.anneal_func == swa.SWALR._cosine_anneal or strategy == "linear"
    with pytest.raises(ValueError, match="anneal_strategy"):
        swa.SWALR(opt, swa_lr=0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs"):
        swa.SWALR(opt, swa_lr=0.1, anneal_epochs=-1)


def test_update_bn_matches_torch() -> None:
    net, tnet = _pair_models()
    rng = np.random.default_rng(5)
    data = [rng.normal(size=(6, 3)) * 2 + 1 for _ in range(4)]
    net.eval()
    tnet.eval()
    swa.update_bn([(ng.tensor(x), 0) for x in data], net)
    tswa.update_bn([(torch.tensor(x), 0) for x in data], tnet)
    _compare_sd(net, tnet)
    assert not net.training
    assert net[1].momentum == 0.1
    swa.update_bn([], ng.nn.Linear(2, 2))  # no batch norm: nothing to do
