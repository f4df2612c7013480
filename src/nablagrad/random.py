"""Random numbers: ``Generator`` and the default generator behind ``manual_seed``.

nablagrad draws from NumPy's PCG64; a seed gives the same numbers on every run and platform
(they are not torch's numbers, which come from a different generator).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

from .backend import np


class Generator:
    """A seeded random source, as ``torch.Generator``: ``g = Generator().manual_seed(0)``."""

    def __init__(self, device: Any = "cpu") -> None:
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        if not isinstance(seed, (int, np.integer)):
            raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
        self._seed = int(seed) % (2**64)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> Generator:
        self._rng.bit_generator.state = state
        return self

    @property
    def rng(self) -> np.random.Generator:
        return self._rng


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and NumPy's legacy global one, for user code that uses it)."""
    gen = default_generator.manual_seed(seed)  # checks the seed is an int
    np.random.seed(int(seed) % (2**32))
    return gen


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    default_generator.set_state(state)


_fork_rng_warned_already = False

_DEVICE_TYPES = ("cpu", "cuda", "xpu", "mps", "meta", "hip", "xla", "lazy", "mtia", "hpu")


def _device_module(device_type: str) -> Any:
    """``torch.get_device_module(device_type)`` for the device types nablagrad knows."""
    import importlib

    if device_type not in _DEVICE_TYPES:
        raise RuntimeError(
            f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: "
            f"{device_type}"
        )
    if device_type not in ("cpu", "cuda", "xpu"):
        raise RuntimeError(
            f"nablagrad has no module of `{device_type}`: fork_rng supports device_type "
            "'cpu', 'cuda', 'xpu' and 'meta'"
        )
    return importlib.import_module(f"nablagrad.{device_type}")


@contextlib.contextmanager
def fork_rng(
    devices: Iterable[Any] | None = None,
    enabled: bool = True,
    _caller: str = "fork_rng",
    _devices_kw: str = "devices",
    device_type: str | None = None,
) -> Iterator[None]:
    """Fork the random number generator: on exit the default generator's state is restored to
    what it was on entry, as ``torch.random.fork_rng``.

    nablagrad draws every random number (CUDA tensors' too) from the default CPU generator, so
    that one state is what is saved and restored; ``devices`` is checked as torch checks it
    (naming a GPU without one raises), and ``enabled=False`` or ``device_type="meta"`` forks
    nothing.  ``device_type=None`` means the current accelerator's type, else ``"cuda"``.

    Example:
        >>> import nablagrad as torch
        >>> _ = torch.manual_seed(0)
        >>> with torch.random.fork_rng(devices=[]):
        ...     a = torch.rand(3)
        >>> torch.equal(a, torch.rand(3))
        True
    """
    global _fork_rng_warned_already
    if device_type == "meta":
        yield
        return
    if device_type is None:
        from . import accelerator

        acc = accelerator.current_accelerator()
        device_type = acc.type if acc is not None else "cuda"
    device_mod = _device_module(str(device_type))
    if not enabled:
        yield
        return
    if devices is None:
        num_devices = device_mod.device_count()
        if num_devices > 1 and not _fork_rng_warned_already:
            kind = str(device_type).upper()
            warnings.warn(
                f"{kind} reports that you have {num_devices} available devices, and you have "
                f"used {_caller} without explicitly specifying which devices are being used. "
                f"For safety, we initialize *every* {kind} device by default, which can be "
                f"quite slow if you have a lot of {kind}s. Set the '{_devices_kw}' keyword "
                f"argument of {_caller} to the devices you use (devices=[] for CPU only).",
                stacklevel=3,
            )
            _fork_rng_warned_already = True
        devices = list(range(num_devices))
    else:
        devices = list(devices)  # a generator would be exhausted after one traversal
    if devices:
        if not hasattr(device_mod, "get_rng_state"):
            raise AttributeError(
                f"module 'nablagrad.{device_type}' has no attribute 'get_rng_state'"
            )
        for device in devices:  # raises as torch's lazy init does when there is no such device
            device_mod.get_rng_state(device)
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def thread_safe_generator() -> Generator | None:
    """The generator to draw from in a ``DataLoader`` thread worker, as torch's; nablagrad's
    workers are processes (each with its own seeded default generator), so this is ``None``
    everywhere, which means "use the default generator".

    Example:
        >>> import nablagrad as torch
        >>> torch.random.thread_safe_generator() is None
        True
    """
    return None


# Set by ``nablagrad.func.vmap(randomness=...)`` while it runs: called before every draw (it
# refuses draws in randomness="error" mode); None otherwise.
_draw_guard: Any = None


def _gen(generator: Generator | None) -> np.random.Generator:
    """The NumPy generator to draw from."""
    if _draw_guard is not None:
        _draw_guard()
    if generator is None:
        return default_generator._rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a nablagrad.Generator, got {type(generator).__name__}")
    return generator._rng
