"""Helpers for comparing a nablagrad module with the same torch module (weights copied over)."""

from __future__ import annotations

from typing import Any

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
    of the input and of every parameter (loss = sum(out * w) with a seeded weight)."""
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
