"""Every schedule's learning rates (and cycled momentum) over 300 steps against torch's."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import torch

import nablagrad as ng


def _sched(name: str, **kw):  # noqa: ANN202
    return lambda lib, opt: getattr(lib.optim.lr_scheduler, name)(opt, **kw)


def _sequential(lib, opt):  # noqa: ANN001, ANN202
    s = lib.optim.lr_scheduler
    warm = s.LinearLR(opt, start_factor=0.1, total_iters=10)
    cos = s.CosineAnnealingLR(opt, T_max=40)
    decay = s.ExponentialLR(opt, gamma=0.98)
    return s.SequentialLR(opt, [warm, cos, decay], milestones=[10, 90])


def _chained(lib, opt):  # noqa: ANN001, ANN202
    s = lib.optim.lr_scheduler
    return s.ChainedScheduler(
        [
            s.ConstantLR(opt, factor=0.1, total_iters=5),
            s.ExponentialLR(opt, gamma=0.99),
            s.StepLR(opt, step_size=30, gamma=0.5),
        ]
    )


SCHEDULES = {
    "step": _sched("StepLR", step_size=5, gamma=0.5),
    "multistep": _sched("MultiStepLR", milestones=[30, 80, 80, 150], gamma=0.3),
    "exponential": _sched("ExponentialLR", gamma=0.99),
    "lambda": _sched("LambdaLR", lr_lambda=lambda e: 1.0 / (1.0 + 0.1 * e)),
    "multiplicative": _sched("MultiplicativeLR", lr_lambda=lambda e: 0.995),
    "constant": _sched("ConstantLR", factor=0.5, total_iters=10),
    "linear-warmup": _sched("LinearLR", start_factor=0.1, total_iters=50),
    "linear-decay": _sched("LinearLR", start_factor=1.0, end_factor=0.1, total_iters=100),
    "polynomial": _sched("PolynomialLR", total_iters=200, power=2.0),
    "cosine": _sched("CosineAnnealingLR", T_max=50, eta_min=1e-3),
    "warm-restarts": _sched("CosineAnnealingWarmRestarts", T_0=7, eta_min=1e-4),
    "warm-restarts-mult": _sched("CosineAnnealingWarmRestarts", T_0=10, T_mult=2),
    "cyclic-triangular": _sched("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=20),
    "cyclic-triangular2": _sched(
        "CyclicLR",
        base_lr=[0.01, 0.02],
        max_lr=0.1,
        step_size_up=20,
        step_size_down=10,
        mode="triangular2",
    ),
    "cyclic-exp-range": _sched(
        "CyclicLR",
        base_lr=0.01,
        max_lr=0.1,
        step_size_up=15,
        mode="exp_range",
        gamma=0.99,
        base_momentum=0.7,
    ),
    "cyclic-no-momentum": _sched(
        "CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=9, cycle_momentum=False
    ),
    "onecycle-cos": _sched("OneCycleLR", max_lr=0.1, total_steps=300),
    "onecycle-linear": _sched(
        "OneCycleLR",
        max_lr=[0.1, 0.2],
        epochs=10,
        steps_per_epoch=30,
        anneal_strategy="linear",
        pct_start=0.25,
    ),
    "onecycle-three-phase": _sched(
        "OneCycleLR", max_lr=0.1, total_steps=300, three_phase=True, div_factor=10.0
    ),
    "sequential": _sequential,
    "chained": _chained,
}


def _optimizers(kind: str):  # noqa: ANN202
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(3, 2)), rng.normal(size=(2,))]
    ng_p = [ng.tensor(a, requires_grad=True) for a in arrays]
    t_p = [torch.tensor(a, requires_grad=True) for a in arrays]
    if kind == "Adam":
        return (
            ng.optim.Adam([{"params": ng_p[:1]}, {"params": ng_p[1:], "lr": 0.05}], lr=0.1),
            torch.optim.Adam([{"params": t_p[:1]}, {"params": t_p[1:], "lr": 0.05}], lr=0.1),
        )
    return (
        ng.optim.SGD(
            [{"params": ng_p[:1]}, {"params": ng_p[1:], "lr": 0.05}], lr=0.1, momentum=0.9
        ),
        torch.optim.SGD(
            [{"params": t_p[:1]}, {"params": t_p[1:], "lr": 0.05}], lr=0.1, momentum=0.9
        ),
    )


def _momenta(opt) -> list[float]:  # noqa: ANN001
    return [g["betas"][0] if "betas" in g else g["momentum"] for g in opt.param_groups]


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_torch(name: str, kind: str) -> None:
    ng_opt, t_opt = _optimizers(kind)
    ng_s, t_s = SCHEDULES[name](ng, ng_opt), SCHEDULES[name](torch, t_opt)
    for step in range(300):
        ours, theirs = ng_s.get_last_lr(), t_s.get_last_lr()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15, err_msg=f"step {step}")
        np.testing.assert_allclose(
            _momenta(ng_opt), _momenta(t_opt), rtol=1e-12, err_msg=f"momentum at step {step}"
        )
        assert [g["lr"] for g in ng_opt.param_groups] == ours
        ng_opt.step()
        t_opt.step()
        ng_s.step()
        t_s.step()


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_state_dict_resume(name: str) -> None:
    opt_a, _ = _optimizers("SGD")
    sched_a = SCHEDULES[name](ng, opt_a)
    for _ in range(137):
        opt_a.step()
        sched_a.step()
    opt_sd = pickle.loads(pickle.dumps(opt_a.state_dict()))
    sd = sched_a.state_dict()
    expected = []
    for _ in range(100):
        opt_a.step()
        sched_a.step()
        expected.append(sched_a.get_last_lr())

    opt_b, _ = _optimizers("SGD")
    sched_b = SCHEDULES[name](ng, opt_b)
    opt_b.load_state_dict(opt_sd)
    sched_b.load_state_dict(sd)
    got = []
    for _ in range(100):
        opt_b.step()
        sched_b.step()
        got.append(sched_b.get_last_lr())
    assert got == expected


@pytest.mark.parametrize(
    "mode,threshold_mode", [("min", "rel"), ("min", "abs"), ("max", "rel"), ("max", "abs")]
)
def test_reduce_on_plateau_matches_torch(mode: str, threshold_mode: str) -> None:
    ng_opt, t_opt = _optimizers("SGD")
    kw = dict(
        mode=mode,
        factor=0.5,
        patience=3,
        threshold=0.05,
        threshold_mode=threshold_mode,
        cooldown=2,
        min_lr=[1e-3, 2e-3],
    )
    ng_s = ng.optim.lr_scheduler.ReduceLROnPlateau(ng_opt, **kw)
    t_s = torch.optim.lr_scheduler.ReduceLROnPlateau(t_opt, **kw)
    rng = np.random.default_rng(1)
    metrics = np.cumsum(rng.normal(-0.02, 0.1, size=300)) + 10
    changes = 0
    for step, m in enumerate(metrics):
        before = ng_s.get_last_lr()
        ng_s.step(m)
        t_s.step(float(m))
        assert ng_s.get_last_lr() == t_s.get_last_lr(), f"step {step}"
        changes += ng_s.get_last_lr() != before
    assert changes >= 3  # the metric sequence really exercises the reductions
    sd = ng_s.state_dict()
    fresh = ng.optim.lr_scheduler.ReduceLROnPlateau(ng_opt, **kw)
    fresh.load_state_dict(sd)
    assert fresh.num_bad_epochs == ng_s.num_bad_epochs and fresh.best == ng_s.best


def test_warm_restarts_fractional_epochs_match_torch() -> None:
    ng_opt, t_opt = _optimizers("SGD")
    ng_s = ng.optim.lr_scheduler.CosineAnnealingWarmRestarts(ng_opt, T_0=5, T_mult=2)
    t_s = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(t_opt, T_0=5, T_mult=2)
    for i in range(120):
        e = i / 4
        ng_s.step(e)
        t_s.step(e)
        np.testing.assert_allclose(ng_s.get_last_lr(), t_s.get_last_lr(), rtol=1e-12)


def test_step_lr_halves_every_five_epochs() -> None:
    opt = ng.optim.SGD([ng.zeros(2, requires_grad=True)], lr=0.8)
    sched = ng.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
    lrs = []
    for _ in range(15):
        lrs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    assert lrs == [0.8] * 5 + [0.4] * 5 + [0.2] * 5


def test_warns_when_scheduler_steps_before_optimizer() -> None:
    opt = ng.optim.SGD([ng.zeros(1, requires_grad=True)], lr=0.1)
    sched = ng.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt2 = ng.optim.SGD([ng.zeros(1, requires_grad=True)], lr=0.1)
    sched2 = ng.optim.lr_scheduler.ExponentialLR(opt2, gamma=0.5)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()
    assert sched2.get_last_lr() == [0.05]


def test_step_lr_takes_a_float_step_size_like_torch():
    import torch

    lrs = {}
    for lib in (ng, torch):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1.0)
        sched = lib.optim.lr_scheduler.StepLR(opt, 1.5, gamma=0.5)
        got = []
        for _ in range(6):
            opt.step()
            sched.step()
            got.append(sched.get_last_lr()[0])
        lrs[lib.__name__] = got
    assert lrs["nablagrad"] == lrs["torch"]


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_loads_a_state_dict_saved_by_torch(name: str) -> None:
    # torch's state dicts carry ``_get_lr_called_within_step``: a checkpoint saved with torch
    # loads and continues as torch does (was refused as an unexpected key)
    ng_opt, t_opt = _optimizers("SGD")
    ng_s, t_s = SCHEDULES[name](ng, ng_opt), SCHEDULES[name](torch, t_opt)
    for _ in range(37):
        t_opt.step()
        t_s.step()
    ng_opt.load_state_dict(t_opt.state_dict())
    ng_s.load_state_dict(t_s.state_dict())
    for step in range(40):
        ng_opt.step()
        t_opt.step()
        ng_s.step()
        t_s.step()
        np.testing.assert_allclose(
            ng_s.get_last_lr(), t_s.get_last_lr(), rtol=1e-12, err_msg=f"step {step}"
        )
    assert sorted(ng_s.state_dict()) == sorted(t_s.state_dict())


def test_state_dict_without_torch_flags_loads() -> None:
    # older checkpoints lack ``_is_initial`` / ``_get_lr_called_within_step``: torch loads them
    opt = ng.optim.SGD([ng.zeros(1, requires_grad=True)], lr=0.1)
    sched = ng.optim.lr_scheduler.StepLR(opt, step_size=2)
    sd = sched.state_dict()
    del sd["_is_initial"], sd["_get_lr_called_within_step"]
    sched.load_state_dict(sd)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_get_lr_outside_step_warns_like_torch(name: str) -> None:
    if name in ("sequential", "chained"):
        pytest.skip("torch's composite schedulers have no get_lr of their own")
    ng_opt, t_opt = _optimizers("SGD")
    for lib, opt in ((ng, ng_opt), (torch, t_opt)):
        sched = SCHEDULES[name](lib, opt)
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            sched.get_lr()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            opt.step()
            sched.step()  # within step: silent


def test_epoch_argument_warns_like_torch() -> None:
    for lib in (ng, torch):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        plateau = lib.optim.lr_scheduler.ReduceLROnPlateau(opt)
        with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)`"):
            plateau.step(1.0, 5)
        assert plateau.last_epoch == 5
        step = lib.optim.lr_scheduler.StepLR(opt, step_size=2)
        opt.step()
        with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)`"):
            step.step(3)


def test_warm_restarts_eta_min_must_be_a_number() -> None:
    for lib in (ng, torch):
        opt = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1)
        with pytest.raises(ValueError, match="Expected float or int eta_min"):
            lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, eta_min="0.1")
