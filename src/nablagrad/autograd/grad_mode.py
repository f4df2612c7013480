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
import inspect
import sys
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
        return _wrap_in(lambda: set_grad_enabled(mode), fn)


def _wrap_in(make_ctx: Callable[[], Any], fn: Callable) -> Callable:
    """``fn`` run inside a fresh ``make_ctx()`` context on every call; a generator function's
    body runs inside it on every resume (the caller's mode in between), as torch does."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any) -> Any:
            gen = fn(*args, **kwargs)
            try:
                with make_ctx():
                    sent = gen.send(None)
                while True:
                    try:
                        value = yield sent
                    except GeneratorExit:
                        with make_ctx():
                            gen.close()
                        raise
                    except BaseException:
                        with make_ctx():
                            sent = gen.throw(*sys.exc_info())
                    else:
                        with make_ctx():
                            sent = gen.send(value)
            except StopIteration as e:
                return e.value

        return generator

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with make_ctx():
            return fn(*args, **kwargs)

    return wrapper


class _GradSwitch:
    """A context manager and decorator that sets the recording mode; usable bare
    (``@no_grad``) or called (``@no_grad()``), as torch 2.x."""

    mode = True

    def __new__(cls, orig_func: Callable | None = None) -> Any:
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __enter__(self) -> None:
        self.prev = _function._grad_enabled
        _function._grad_enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        _function._grad_enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        return _wrap_in(type(self), fn)

    def clone(self) -> _GradSwitch:
        return type(self)()


class no_grad(_GradSwitch):  # noqa: N801
    """Do not record operations (inference, parameter updates). Context manager or decorator."""

    mode = False


class enable_grad(_GradSwitch):  # noqa: N801
    """Record operations again inside a ``no_grad`` block. Context manager or decorator."""

    mode = True


# Depth of active ``inference_mode()`` blocks (``torch.is_inference_mode_enabled``).
_inference_depth = 0


def is_inference_mode_enabled() -> bool:
    """True inside an ``inference_mode()`` block (``inference_mode(False)`` turns it off)."""
    return _inference_depth > 0


class inference_mode(_GradSwitch):  # noqa: N801
    """``no_grad`` that also reports ``is_inference_mode_enabled()``; usable bare or called;
    ``inference_mode(False)`` enables grad, as torch's.  nablagrad has no separate inference
    tensors: tensors made inside behave as those made under ``no_grad``."""

    def __new__(cls, mode: Any = True) -> Any:
        if isinstance(mode, bool):
            return object.__new__(cls)
        return cls()(mode)

    def __init__(self, mode: bool = True) -> None:
        self.inference = bool(mode)

    def __enter__(self) -> None:
        global _inference_depth
        self.prev = _function._grad_enabled
        self.prev_depth = _inference_depth
        _function._grad_enabled = not self.inference  # inference_mode(False) enables grad
        _inference_depth = _inference_depth + 1 if self.inference else 0

    def __exit__(self, *exc: Any) -> None:
        global _inference_depth
        _function._grad_enabled = self.prev
        _inference_depth = self.prev_depth

    def __call__(self, fn: Callable) -> Callable:
        mode = self.inference
        return _wrap_in(lambda: inference_mode(mode), fn)

    def clone(self) -> inference_mode:
        return inference_mode(self.inference)
