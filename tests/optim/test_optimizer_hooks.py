"""Optimizer hooks against torch: step pre/post hooks (per optimizer and global, also around a
subclass's own ``step``), and the state-dict and load-state-dict hooks."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

import nablagrad as ng


def _events(mod, optimizer_cls):
    w = mod.tensor([1.0, -2.0], requires_grad=True)
    opt = optimizer_cls([w])
    log = []
    opt.register_step_pre_hook(lambda o, args, kwargs: log.append(("pre", len(args), dict(kwargs))))
    opt.register_step_post_hook(lambda o, args, kwargs: log.append(("post", len(args))))
    module = importlib.import_module(mod.__name__ + ".optim.optimizer")
    g_pre = module.register_optimizer_step_pre_hook(lambda o, a, k: log.append("gpre"))
    g_post = module.register_optimizer_step_post_hook(lambda o, a, k: log.append("gpost"))
    try:
        (w * w).sum().backward()
        opt.step()
        g_pre.remove()
        opt.step(closure=None)
    finally:
        g_post.remove()
    return log, w.detach().numpy()


def test_step_hooks_run_in_torchs_order():
    want = _events(torch, lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9))
    got = _events(ng, lambda p: ng.optim.SGD(p, lr=0.1, momentum=0.9))
    assert got[0] == want[0]
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6)


def _subclass(mod):
    class HalfStep(mod.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.5})

        def step(self, closure=None):
            with mod.no_grad():
                for group in self.param_groups:
                    for p in group["params"]:
                        p -= group["lr"] * p.grad

    return HalfStep


def test_a_subclass_step_runs_the_hooks_and_a_pre_hook_can_change_arguments():
    for mod in (torch, ng):
        w = mod.tensor([2.0], requires_grad=True)
        opt = _subclass(mod)([w])
        seen: list = []
        opt.register_step_post_hook(lambda o, a, k, seen=seen: seen.append(k))
        opt.register_step_pre_hook(lambda o, a, k: (a, {"closure": None}))
        w.grad = mod.tensor([1.0])
        opt.step()
        assert seen == [{"closure": None}]
        assert float(w.detach()[0]) == 1.5
        opt.register_step_pre_hook(lambda o, a, k: 5)
        with pytest.raises(RuntimeError, match="must return None or a tuple"):
            opt.step()


def test_state_dict_hooks():
    results = []
    for mod in (torch, ng):
        w = mod.tensor([1.0, 2.0], requires_grad=True)
        opt = mod.optim.Adam([w], lr=0.01)
        w.grad = mod.tensor([0.5, -0.5])
        opt.step()
        calls: list = []
        opt.register_state_dict_pre_hook(lambda o, calls=calls: calls.append("pre"))
        opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
        opt.register_state_dict_post_hook(
            lambda o, sd, calls=calls: calls.append(sorted(sd)), prepend=False
        )
        sd = opt.state_dict()
        opt.register_load_state_dict_pre_hook(
            lambda o, sd: {k: v for k, v in sd.items() if k != "extra"}
        )
        opt.register_load_state_dict_post_hook(lambda o, calls=calls: calls.append("loaded"))
        opt.load_state_dict(sd)
        results.append((calls, sorted(sd)))
    assert results[1] == results[0]
