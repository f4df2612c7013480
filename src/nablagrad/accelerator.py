"""``nablagrad.accelerator``: the device-agnostic accelerator API, as ``torch.accelerator``.

nablagrad's only accelerator is an NVIDIA GPU through the CuPy backend (``nablagrad.cuda``).
Scripts written for PyTorch 2.6+ pick their device with::

    device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"

Without a GPU, :func:`is_available` is ``False`` and :func:`current_accelerator` returns ``None``
(as in PyTorch's CPU build); the functions that need a device raise ``RuntimeError``.

Example:
    >>> import nablagrad
    >>> dev = nablagrad.accelerator.current_accelerator() or nablagrad.device("cpu")
    >>> nablagrad.zeros(2, device=dev).device.type in ("cpu", "cuda")
    True
"""

from __future__ import annotations

from . import backend, cuda

_NONE = "Cannot access accelerator device when none is available."


def is_available() -> bool:
    """True when an accelerator (a CUDA GPU through CuPy) can run nablagrad's tensors."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> backend.device | None:
    """``device('cuda')`` when a GPU is present, else ``None`` (``check_available`` is accepted
    for torch's signature: nablagrad's accelerator is always either usable or absent)."""
    return backend.device("cuda") if is_available() else None


def device_count() -> int:
    """How many accelerator devices there are (0 without a GPU)."""
    return cuda.device_count() if is_available() else 0


def _require() -> None:
    if not is_available():
        raise RuntimeError(_NONE)


def current_device_index() -> int:
    """The index of the current accelerator device (nablagrad uses device 0)."""
    _require()
    return 0


current_device_idx = current_device_index


def set_device_index(device: object) -> None:
    """Select the accelerator device; nablagrad runs on device 0 only."""
    _require()
    index = getattr(device, "index", device)
    if index not in (None, 0):
        raise RuntimeError(f"nablagrad uses accelerator device 0 only, not {index!r}.")


set_device_idx = set_device_index


def synchronize(device: object = None) -> None:
    """Wait until the accelerator has finished all queued work."""
    _require()
    cuda.synchronize()


def empty_cache() -> None:
    """Release cached accelerator memory (nothing is cached without a GPU)."""
    if is_available():
        backend.xp_for("cuda").get_default_memory_pool().free_all_blocks()
