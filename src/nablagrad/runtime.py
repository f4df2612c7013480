"""Run-time switches that PyTorch scripts call: ``compile`` and deterministic algorithms.

``compile`` returns the model or function unchanged: nablagrad runs eagerly, and the compiled
graph would compute the same values.  Every nablagrad operation is deterministic, so
``use_deterministic_algorithms(True)`` holds by construction; the flag is kept for scripts
that read it back.

Example:
    >>> import nablagrad as torch
    >>> net = torch.nn.Linear(2, 1)
    >>> torch.compile(net) is net
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_deterministic = {"mode": False, "warn_only": False}


def compile(  # noqa: A001 - torch's name
    model: Callable | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: str | Callable = "inductor",
    mode: str | None = None,
    options: dict | None = None,
    disable: bool = False,
) -> Any:
    """torch.compile: the model itself (eager execution); ``compile(**kw)`` is a decorator."""
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise RuntimeError(f"compile(): model must be callable, got {type(model).__name__}")
    return model


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the request (nablagrad's operations are deterministic already)."""
    if not isinstance(mode, bool):
        raise RuntimeError(
            f"use_deterministic_algorithms expects a bool, but got {type(mode).__name__}"
        )
    _deterministic.update(mode=mode, warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _deterministic["warn_only"]
