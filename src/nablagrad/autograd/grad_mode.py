"""Gradient recording switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Each works as a context manager and as a decorator, as in PyTorch.

Example:
    >>> import nablagrad as torch
    >>> x = torch.ones(2, requires_grad=True)
    >>> with torch.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from . import function as _function


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are being recorded."""
    return _function._grad_enabled


class set_grad_enabled:  # noqa: N801 - torch's name
    """Turn gradient recording on or off; usable as a call, a context manager or a decorator."""

    def __init__(self, mode: bool) -> None:
        self.prev = _function._grad_enabled
        self.mode = bool(mode)
        _function._grad_enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        _function._grad_enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode
        _function._grad_enabled = self.prev  # being used as a decorator: undo the call's switch

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class _GradSwitch:
    mode = True

    def __enter__(self) -> None:
        self.prev = _function._grad_enabled
        _function._grad_enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        _function._grad_enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = _function._grad_enabled
            _function._grad_enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                _function._grad_enabled = prev

        return wrapper


class no_grad(_GradSwitch):  # noqa: N801
    """Do not record operations (inference, parameter updates). Context manager or decorator."""

    mode = False


class enable_grad(_GradSwitch):  # noqa: N801
    """Record operations again inside a ``no_grad`` block. Context manager or decorator."""

    mode = True


class inference_mode(no_grad):  # noqa: N801
    """Same as ``no_grad`` here (nablagrad has no separate inference tensors)."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = not mode
