import numpy as np
import pytest
import torch

from nablagrad import lab
from nablagrad.lab.catalog import OPTIMIZER_NAMES, SCHEDULES
from nablagrad.lab.experiments import optimizers as opt_mod
from nablagrad.lab.experiments import schedules as sched_mod


def test_momentum_reaches_bowl_minimum_before_sgd():
    r = lab.optimizers(surface="bowl", steps=150, optimizers=("SGD", "Momentum", "Nesterov"))
    reach = r["steps_to_tol"]
    assert reach["Momentum"] is not None and reach["Nesterov"] is not None
    assert reach["SGD"] is None or reach["Momentum"] < reach["SGD"]
    assert reach["Nesterov"] <= reach["Momentum"]
    for n in r["paths"]:
        np.testing.assert_allclose(r["paths"][n][0], r["start"])
        # the recorded loss is the surface at the recorded point
        np.testing.assert_allclose(r["losses"][n], opt_mod._bowl(*r["paths"][n].T), rtol=1e-12)


def test_adaptive_methods_escape_the_saddle_faster_than_sgd():
    r = lab.optimizers(surface="saddle", steps=150, optimizers=("SGD", "Adam", "RMSProp"))
    assert r["steps_to_tol"]["SGD"] is None
    assert r["steps_to_tol"]["Adam"] is not None and r["steps_to_tol"]["RMSProp"] is not None


@pytest.mark.parametrize("surface", ["bowl", "beale"])
def test_race_trajectories_match_torch_optim(surface):
    f, start, *_ = opt_mod.SURFACES[surface]
    for name in OPTIMIZER_NAMES:
        lr = opt_mod._LR[surface][name]
        path, _ = opt_mod.race(surface, name, 40, lr)
        p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        opt = opt_mod.make_optimizer(name, [p], lr, module=torch.optim)
        ref = [p.detach().numpy().copy()]
        for _ in range(40):
            opt.zero_grad()
            f(p[0], p[1]).backward()
            opt.step()
            ref.append(p.detach().numpy().copy())
        np.testing.assert_allclose(path, np.array(ref), rtol=1e-9, atol=1e-12, err_msg=name)


def test_divergence_is_flagged_and_plot_and_gif(tmp_path, check_png):
    r = lab.optimizers(surface="bowl", steps=8, optimizers=("SGD", "Adam"), lr_scale=3.0, gif=True)
    assert r["diverged"]["SGD"] and not r["diverged"]["Adam"]
    assert "DIVERGED" in lab.summary("optimizers", r)
    paths = lab.plot("optimizers", r, tmp_path)
    assert [p.name for p in paths] == ["optimizers_bowl.png", "optimizers_bowl.gif"]
    check_png(paths[0])
    from PIL import Image

    with Image.open(paths[1]) as im:
        assert im.format == "GIF" and im.n_frames == 9


def test_bad_optimizer_and_surface_names():
    with pytest.raises(ValueError, match="not allowed.*SGD"):
        lab.optimizers(optimizers=("Adamm",))
    with pytest.raises(ValueError, match="surface.*bowl"):
        lab.optimizers(surface="himmelblau")
    with pytest.raises(TypeError, match="steps must be int"):
        lab.optimizers(steps=1.5)


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedules_match_torch_schedulers(name):
    r = lab.schedules(steps=120, base_lr=0.2, schedules=(name,))
    w = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.2, momentum=0.9)
    sched = sched_mod.make_scheduler(name, opt, 120, 0.2, module=torch.optim.lr_scheduler)
    ref = []
    for _ in range(120):
        ref.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(r["lr"][name], ref, rtol=1e-9, atol=1e-12)


def test_schedule_shapes(tmp_path, check_png):
    r = lab.schedules(steps=90, base_lr=0.1)
    lr = r["lr"]
    assert lr["step"][0] == pytest.approx(0.1) and lr["step"][-1] == pytest.approx(1e-3)
    assert np.all(np.diff(lr["exponential"]) < 0)
    assert lr["warmup"][0] < 0.01 and lr["warmup"].max() == pytest.approx(0.1)
    assert np.argmax(lr["one_cycle"]) == pytest.approx(27, abs=2)
    restarts = np.nonzero(np.diff(lr["cosine_restarts"]) > 0.05)[0]
    assert len(restarts) == 2
    (path,) = lab.plot("schedules", r, tmp_path)
    check_png(path, min_w=900)
