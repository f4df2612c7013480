"""``nablagrad.cuda``: whether the CuPy backend can run, as ``torch.cuda``."""

from __future__ import annotations

from . import backend

# a package path, so that ``import torch.cuda.amp`` finds the legacy namespace that
# ``nablagrad.amp`` registers as ``nablagrad.cuda.amp``
__path__: list[str] = []


def is_available() -> bool:
    """True when CuPy is installed and sees an NVIDIA GPU."""
    return backend.cupy_available()


def device_count() -> int:
    if not is_available():
        return 0
    return int(backend.xp_for("cuda").cuda.runtime.getDeviceCount())


def synchronize(device: object = None) -> None:
    """Wait for the GPU's queued work (``device``: torch's argument; the current device is the
    one CuPy runs on).  Without a GPU there is nothing to wait for."""
    if is_available():
        backend.xp_for("cuda").cuda.Stream.null.synchronize()


def manual_seed(seed: int) -> None:
    """GPU random numbers are drawn on the host from the default generator; nothing to seed."""
