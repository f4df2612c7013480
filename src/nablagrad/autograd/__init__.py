"""Automatic differentiation: ``grad``, ``backward``, ``gradcheck``, ``Function``, grad modes."""

from __future__ import annotations

from typing import Any

from .engine import backward, grad
from .function import Function
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck

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
    "functional",
]


def __getattr__(name: str) -> Any:
    # ``autograd.functional`` (jacobian, hessian ...) is built on ops, which import autograd:
    # it loads on first use.
    if name == "functional":
        import importlib

        module = importlib.import_module(f"{__name__}.functional")
        globals()["functional"] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
