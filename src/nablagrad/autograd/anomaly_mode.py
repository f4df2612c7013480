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


def is_anomaly_enabled() -> bool:
    """Whether backward checks the gradients of every node (``detect_anomaly``)."""
    return engine.anomaly_check_nan


def is_anomaly_check_nan_enabled() -> bool:
    return engine.anomaly_check_nan


class set_detect_anomaly:  # noqa: N801 - torch's name
    """Turn anomaly detection on or off (immediately, and back when used as a context)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = engine.anomaly_check_nan
        engine.anomaly_check_nan = bool(mode and check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        engine.anomaly_check_nan = self.prev


class detect_anomaly:  # noqa: N801 - torch's name
    """Context manager (or decorator) under which backward raises at the first node whose
    gradient contains NaN, naming that node."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        self.prev = engine.anomaly_check_nan
        engine.anomaly_check_nan = self.check_nan

    def __exit__(self, *exc: Any) -> None:
        engine.anomaly_check_nan = self.prev

    def __call__(self, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper
