"""Anomaly detection (``torch.autograd.detect_anomaly``): backward checks every gradient a
node returns and names the node that produced a NaN.

Example:
    >>> import nablagrad as torch
    >>> x = torch.tensor([-1.0], requires_grad=True)
    >>> with torch.autograd.detect_anomaly():
    ...     x.sqrt().sum().backward()
    Traceback (most recent call last):
    RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output.
"""

from __future__ import annotations

from typing import Any

from . import engine

# torch's two flags: anomaly mode on/off, and whether it checks gradients for NaN (True unless
# turned off); the engine checks while both hold (``engine.anomaly_check_nan``).
_state = {"enabled": False, "check_nan": True}


def _set(enabled: bool, check_nan: bool) -> tuple:
    prev = (_state["enabled"], _state["check_nan"])
    _state.update(enabled=bool(enabled), check_nan=bool(check_nan))
    engine.anomaly_check_nan = bool(enabled and check_nan)
    return prev


def is_anomaly_enabled() -> bool:
    """Whether anomaly mode is on (``detect_anomaly``, ``set_anomaly_enabled``)."""
    return _state["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly mode checks gradients for NaN (True unless turned off, as torch)."""
    return _state["check_nan"]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """torch.set_anomaly_enabled: turn anomaly mode on or off (with or without the NaN check).

    Example:
        >>> import nablagrad as torch
        >>> torch.set_anomaly_enabled(True, False)
        >>> torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled()
        (True, False)
        >>> torch.set_anomaly_enabled(False)
        >>> torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled()
        (False, True)
    """
    _set(enabled, check_nan)


class set_detect_anomaly:  # noqa: N801 - torch's name
    """Turn anomaly detection on or off (immediately, and back when used as a context)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = _set(mode, check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        _set(*self.prev)


class detect_anomaly:  # noqa: N801 - torch's name
    """Context manager (or decorator) under which backward raises at the first node whose
    gradient contains NaN, naming that node."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self.prev = _set(True, self.check_nan)

    def __exit__(self, *exc: Any) -> None:
        _set(*self.prev)

    def __call__(self, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper
