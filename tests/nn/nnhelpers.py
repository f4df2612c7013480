"""Helpers for comparing a nablagrad module with the same torch module (weights copied over)."""

from __future__ import annotations

import copy
from typing import Any

import helpers
import numpy as np
import torch
from helpers import assert_close

import nablagrad as ng


def copy_weights(ng_mod: ng.nn.Module, t_mod: torch.nn.Module) -> None:
    ng_mod.load_state_dict({k: v.detach().numpy() for k, v in t_mod.state_dict().items()})


def compare_module(
    ng_mod: Any,
    t_mod: Any,
    shape: tuple,
    *,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    seed: int = 0,
    x: np.ndarray | None = None,
    input_grad: bool = True,
    out_index: int | None = None,
) -> None:
    """Copy torch's weights into ng_mod, run both on one input, compare outputs and gradients
    of the input and of every parameter (loss = sum(out * w) with a seeded weight); then
    (``helpers.DEVICE_SWEEP``) the same on a copy of the module on the fake CUDA device, which
    must give the CPU's results."""
    copy_weights(ng_mod, t_mod)
    rng = np.random.default_rng(seed)
    if x is None:
        x = rng.standard_normal(shape).astype(np.float32)
    is_float = x.dtype.kind == "f"
    xn = ng.tensor(x.copy(), requires_grad=input_grad and is_float)
    xt = torch.from_numpy(x.copy()).requires_grad_(input_grad and is_float)
    yn, yt = ng_mod(xn), t_mod(xt)
    if out_index is not None:
        yn, yt = yn[out_index], yt[out_index]
    assert_close(yn, yt, atol, rtol, "forward")
    w = rng.uniform(0.5, 1.5, size=tuple(yt.shape)).astype(np.float32)
    (yn * ng.tensor(w)).sum().backward()
    (yt * torch.from_numpy(w)).sum().backward()
    if input_grad and is_float:
        assert_close(xn.grad, xt.grad, atol, rtol, "input gradient")
    tp = dict(t_mod.named_parameters())
    for name, p in ng_mod.named_parameters():
        assert p.grad is not None, f"no gradient for {name}"
        assert_close(p.grad, tp[name].grad, atol, rtol, f"gradient of {name}")
    if helpers.DEVICE_SWEEP:
        _replay_on_fake_cuda(ng_mod, x, yn, xn, w, out_index, input_grad and is_float, atol, rtol)


def _replay_on_fake_cuda(ng_mod, x, yn, xn, w, out_index, input_grad, atol, rtol) -> None:
    """The module (a copy, with the CPU run's state) on the fake CUDA device: output, input
    gradient and parameter gradients equal to the CPU's, and on the device."""
    from nablagrad import backend

    with backend.use_fake_cuda():
        mod = copy.deepcopy(ng_mod)
        for p in mod.parameters():
            p.grad = None
        mod.to("cuda")
        xd = ng.tensor(x.copy(), requires_grad=input_grad, device="cuda")
        try:
            yd = mod(xd)
        except RuntimeError as e:
            if helpers.mixes_devices(e):
                return  # the test's module holds CPU tensors that are not its state
            raise
        if out_index is not None:
            yd = yd[out_index]
        assert yd.device.type == "cuda", "the output left the device"
        assert_close(yd.detach().cpu(), yn.detach(), atol, rtol, "device forward")
        (yd * ng.tensor(w, device="cuda")).sum().backward()
        if input_grad:
            assert_close(xd.grad.cpu(), xn.grad, atol, rtol, "device input gradient")
        cpu = dict(ng_mod.named_parameters())
        for name, p in mod.named_parameters():
            assert p.grad.device.type == "cuda", f"gradient of {name} left the device"
            assert_close(p.grad.cpu(), cpu[name].grad, atol, rtol, f"device gradient of {name}")
