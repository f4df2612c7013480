"""Optimizer base behaviour: zero_grad, skipped parameters, groups, closures, state types."""

from __future__ import annotations

import numpy as np
import pytest

import nablagrad as ng


def _quadratic_grad(w: ng.Tensor) -> None:
    (w * w).sum().backward()


def test_zero_grad_modes() -> None:
    w = ng.tensor([1.0, 2.0], requires_grad=True)
    opt = ng.optim.SGD([w], lr=0.1)
    _quadratic_grad(w)
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad
    np.testing.assert_array_equal(w.grad._data, [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None


def test_parameters_without_grad_are_skipped() -> None:
    a = ng.tensor([1.0], requires_grad=True)
    b = ng.tensor([1.0], requires_grad=True)
    opt = ng.optim.Adam([a, b], lr=0.1)
    _quadratic_grad(a)
    opt.step()
    assert b._data[0] == 1.0 and b not in opt.state
    assert a._data[0] < 1.0 and set(opt.state[a]) == {"step", "exp_avg", "exp_avg_sq"}
    assert isinstance(opt.state[a]["exp_avg"], ng.Tensor)
    assert opt.state[a]["exp_avg"].dtype == ng.float32


def test_step_returns_closure_loss_and_bumps_version() -> None:
    w = ng.tensor([3.0], requires_grad=True)
    opt = ng.optim.SGD([w], lr=0.1)

    def closure() -> ng.Tensor:
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    version = w._version
    loss = opt.step(closure)
    assert float(loss) == 9.0
    assert w._version > version
    np.testing.assert_allclose(w._data, [2.4], rtol=1e-6)


def test_lr_change_and_added_group_take_effect() -> None:
    a = ng.tensor([1.0], requires_grad=True)
    b = ng.tensor([1.0], requires_grad=True)
    opt = ng.optim.SGD([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.2})
    assert opt.param_groups[1]["momentum"] == 0.0  # defaults fill the new group
    opt.param_groups[0]["lr"] = 0.5
    _quadratic_grad(a)
    _quadratic_grad(b)
    opt.step()
    np.testing.assert_allclose([a._data[0], b._data[0]], [0.0, 0.6], rtol=1e-6)


def test_unsupported_flags_raise() -> None:
    w = ng.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="differentiable"):
        ng.optim.Adam([w], differentiable=True)
    ng.optim.Adam([w], foreach=True)  # accepted: no-op


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
def test_fused_is_accepted_like_torch(name: str) -> None:
    """torch takes fused=True on the CPU (it was refused with a ValueError): the run is the
    default one, and torch's refusals of fused with foreach / differentiable are kept."""
    import torch
    from optim_common import Pair

    pair = Pair(name, dict(lr=1e-2, fused=True), np.float64)
    pair.step_ng(20)
    pair.step_torch(20)
    for a, b in zip(pair.ng_values(), pair.t_values()):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    for lib in (ng, torch):
        w = lib.zeros(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True`"):
            getattr(lib.optim, name)([w], lr=0.1, fused=True, foreach=True)


def test_line_search_sgd_armijo_step() -> None:
    # f(w) = w^2 from w=1, g=2: t=1 gives f=1 (no decrease); t=0.5 gives f=0 (accepted)
    w = ng.tensor([1.0], requires_grad=True, dtype=ng.float64)
    opt = ng.optim.LineSearchSGD([w], lr=1.0, shrink=0.5)

    def closure() -> ng.Tensor:
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == 1.0
    assert w._data[0] == 0.0
    assert opt.state[w]["step_size"] == 0.5 and opt.state[w]["func_evals"] == 3


def test_line_search_sgd_no_decrease_keeps_parameters() -> None:
    # from w=1 on w^2 the only trial step, 10, lands on w=-19: worse, so w stays
    w = ng.tensor([1.0], requires_grad=True, dtype=ng.float64)
    opt = ng.optim.LineSearchSGD([w], step_sizes=[10.0])

    def closure() -> ng.Tensor:
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    assert w._data[0] == 1.0 and opt.state[w]["step_size"] == 0.0
    np.testing.assert_array_equal(w.grad._data, [2.0])  # gradients belong to w again


def test_repr_lists_groups() -> None:
    opt = ng.optim.SGD([ng.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    text = repr(opt)
    assert text.startswith("SGD (") and "momentum: 0.9" in text and "lr: 0.1" in text


def test_scratch_is_shared_per_shape_and_state_only_where_torch_has_it() -> None:
    ws = [ng.tensor(np.ones((3, 2)), requires_grad=True) for _ in range(3)]
    for w in ws:
        _quadratic_grad(w)
    opt = ng.optim.SGD(ws, lr=0.1)
    opt.step()
    assert len(opt.state) == 0  # plain SGD keeps no state, like torch
    assert len(opt._scratch) == 1
    opt = ng.optim.Adam(ws, lr=0.1)
    opt.step()
    assert len(opt.state) == 3 and len(opt._scratch) == 1


def test_one_registry_builds_optimizers_by_name():
    import nablagrad as ng

    w = ng.zeros(3, requires_grad=True)
    for name, cls in ng.optim.OPTIMIZERS.items():
        assert type(ng.optim.create(name.lower(), [w], lr=0.1)) is cls
    assert "lbfgs" not in ng.optim.names(closure=False, lower=True)
    with pytest.raises(ValueError, match="unknown optimizer 'lion'"):
        ng.optim.create("lion", [w], lr=0.1)
