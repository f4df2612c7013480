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


def _lazy_init() -> None:
    if not is_available():
        raise AssertionError(
            "Torch not compiled with CUDA enabled: nablagrad's CUDA device needs CuPy and an "
            "NVIDIA GPU (pip install cupy-cuda12x)"
        )


def get_rng_state(device: object = "cuda") -> object:
    """The state of the generator CUDA tensors draw from: nablagrad draws them on the host from
    the default generator, so this is ``nablagrad.get_rng_state()`` (raises without a GPU, as
    torch's)."""
    _lazy_init()
    from . import random

    return random.get_rng_state()


def set_rng_state(new_state: object, device: object = "cuda") -> None:
    """Restore a state from :func:`get_rng_state` (the default generator's, see there)."""
    _lazy_init()
    from . import random

    random.set_rng_state(new_state)
