"""Bad arguments raise errors that name the problem."""

from __future__ import annotations

import pytest

import nablagrad as ng
from nablagrad.optim import lr_scheduler as S


def _w():  # noqa: ANN202
    return ng.zeros(3, requires_grad=True)


@pytest.mark.parametrize("cls", sorted(ng.optim.OPTIMIZERS))
def test_negative_lr(cls: str) -> None:
    with pytest.raises(ValueError, match="Invalid learning rate"):
        ng.optim.OPTIMIZERS[cls]([_w()], lr=-0.1)


@pytest.mark.parametrize("cls", ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"])
@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, -0.1), (0.9, 1.5), (0.9,)])
def test_betas_outside_unit_interval(cls: str, betas: tuple) -> None:
    with pytest.raises(ValueError, match="beta"):
        getattr(ng.optim, cls)([_w()], betas=betas)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(momentum=-0.5), "momentum"),
        (dict(weight_decay=-1.0), "weight_decay"),
        (dict(nesterov=True), "Nesterov"),
        (dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov"),
    ],
)
def test_sgd_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ng.optim.SGD([_w()], lr=0.1, **kwargs)


def test_other_bad_hyperparameters() -> None:
    with pytest.raises(ValueError, match="epsilon"):
        ng.optim.Adam([_w()], eps=-1e-8)
    with pytest.raises(ValueError, match="alpha"):
        ng.optim.RMSprop([_w()], alpha=1.5)
    with pytest.raises(ValueError, match="rho"):
        ng.optim.Adadelta([_w()], rho=-0.1)
    with pytest.raises(ValueError, match="lr_decay"):
        ng.optim.Adagrad([_w()], lr_decay=-1.0)
    with pytest.raises(ValueError, match="line_search_fn"):
        ng.optim.LBFGS([_w()], line_search_fn="armijo")
    with pytest.raises(ValueError, match="shrink"):
        ng.optim.LineSearchSGD([_w()], shrink=1.5)


def test_parameter_in_two_groups() -> None:
    w = _w()
    with pytest.raises(ValueError, match="more than one parameter group"):
        ng.optim.SGD([{"params": [w]}, {"params": [w, _w()]}], lr=0.1)
    opt = ng.optim.Adam([w])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": w})


def test_duplicate_parameter_in_a_group_warns_like_torch() -> None:
    """torch warns and updates the parameter once per listing (nablagrad raised ValueError)."""
    import torch

    got = {}
    for lib in (ng, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.warns(UserWarning, match="duplicate parameters"):
            opt = lib.optim.SGD([w, w], lr=0.1)
        for _ in range(3):
            w.grad = lib.tensor([1.0, -1.0])
            opt.step()
        got[lib.__name__] = w.tolist()
    assert got["nablagrad"] == pytest.approx(got["torch"], rel=1e-6)


def test_bad_params() -> None:
    with pytest.raises(ValueError, match="empty parameter list"):
        ng.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable"):
        ng.optim.SGD(_w(), lr=0.1)
    with pytest.raises(TypeError, match="sets"):
        ng.optim.SGD([{"params": {_w()}}], lr=0.1)
    with pytest.raises(KeyError, match="params"):  # torch's KeyError (was a ValueError)
        ng.optim.SGD([{"lr": 0.1}])
    w = _w()
    assert ng.optim.SGD({w}, lr=0.1).param_groups[0]["params"] == [w]  # as torch takes a set
    with pytest.raises(TypeError, match="Tensors"):
        ng.optim.SGD([1.0, 2.0], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        ng.optim.SGD([_w() * 2], lr=0.1)


def test_closure_required() -> None:
    with pytest.raises(ValueError, match="closure"):
        ng.optim.LineSearchSGD([_w()]).step()
    with pytest.raises(TypeError, match="closure"):  # torch's TypeError (was a ValueError)
        ng.optim.LBFGS([_w()]).step()


def test_lbfgs_single_group() -> None:
    with pytest.raises(ValueError, match="parameter groups"):
        ng.optim.LBFGS([{"params": [_w()]}, {"params": [_w()]}])


def test_load_state_dict_mismatch() -> None:
    opt = ng.optim.Adam([_w(), _w()])
    other = ng.optim.Adam([_w()])
    with pytest.raises(ValueError, match="group"):
        other.load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match="state_dict"):
        other.load_state_dict({"state": {}})


def test_scheduler_bad_arguments() -> None:
    opt = ng.optim.SGD([_w()], lr=0.1, momentum=0.9)
    with pytest.raises(TypeError, match="not an Optimizer"):
        S.StepLR("sgd", step_size=2)
    with pytest.raises(ValueError, match="step_size"):
        S.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_0"):
        S.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="T_mult"):
        S.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=0)
    with pytest.raises(ValueError, match="total_steps"):
        S.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy"):
        S.OneCycleLR(opt, max_lr=0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="mode"):
        S.CyclicLR(opt, 0.01, 0.1, mode="sawtooth")
    with pytest.raises(ValueError, match="momentum"):
        S.CyclicLR(ng.optim.Adagrad([_w()]), 0.01, 0.1)
    with pytest.raises(ValueError, match="factor"):
        S.ReduceLROnPlateau(opt, factor=2.0)
    with pytest.raises(ValueError, match="milestone"):
        S.SequentialLR(opt, [S.ExponentialLR(opt, 0.9)], milestones=[3])
    sgd = ng.optim.SGD([_w()], lr=0.1, momentum=0.9)
    one = S.OneCycleLR(sgd, max_lr=0.1, total_steps=3)
    for _ in range(3):
        sgd.step()
        one.step()
    with pytest.raises(ValueError, match="total steps"):
        one.step()


def test_gradient_of_wrong_shape() -> None:
    w = _w()
    with pytest.raises(RuntimeError, match=r"gradient of size '\[4\]' to a tensor of size '\[3\]'"):
        w.grad = ng.zeros(4)  # refused at assignment, as torch does
    w.grad = ng.zeros(3)
    w.grad.data = ng.zeros(4)  # .data replaces the array unchecked (as in torch)
    with pytest.raises(ValueError, match=r"shape \(3,\) has a .grad of shape \(4,\)"):
        ng.optim.Adam([w]).step()
