"""``nablagrad.xpu``: torch's Intel GPU namespace.  nablagrad has no XPU backend, so (as torch
built without XPU) none is available; scripts that probe for one take their CPU path."""

from __future__ import annotations


def is_available() -> bool:
    """Always False: nablagrad runs on the CPU (and CUDA through CuPy), never on an XPU."""
    return False


def device_count() -> int:
    """0: no XPU devices."""
    return 0
