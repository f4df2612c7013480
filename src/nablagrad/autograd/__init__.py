"""Automatic differentiation: ``grad``, ``backward``, ``gradcheck``, ``Function``, grad modes."""

from __future__ import annotations

from typing import Any

from .anomaly_mode import (
    detect_anomaly,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_detect_anomaly,
)
from .engine import backward, grad
from .engine import is_checkpoint_valid as _is_checkpoint_valid  # noqa: F401  (torch.autograd._is_checkpoint_valid)
from .function import Function
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import gradcheck, gradgradcheck
from . import profiler  # noqa: E402  (torch.autograd.profiler)
from . import forward_ad  # noqa: E402  (torch.autograd.forward_ad)
from . import graph  # noqa: E402  (torch.autograd.graph)

__all__ = [
    "Function",
    "grad",
    "backward",
    "gradcheck",
    "gradgradcheck",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
    "inference_mode",
    "is_inference_mode_enabled",
    "functional",
    "forward_ad",
    "graph",
    "Variable",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "is_anomaly_check_nan_enabled",
]


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Any:  # noqa: N802
    """torch's legacy ``Variable(tensor)``: a new tensor sharing ``data``'s memory, without its
    history, that requires grad when asked (Variables and Tensors have been one type since
    torch 0.4)."""
    from ..tensor import Tensor

    if not isinstance(data, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
    return data.detach().requires_grad_(requires_grad)


def __getattr__(name: str) -> Any:
    # ``autograd.functional`` (jacobian, hessian ...) is built on ops, which import autograd:
    # it loads on first use.
    if name == "functional":
        import importlib

        module = importlib.import_module(f"{__name__}.functional")
        globals()["functional"] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
