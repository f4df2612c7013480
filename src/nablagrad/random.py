"""Random numbers: ``Generator`` and the default generator behind ``manual_seed``.

The CPU generators are PyTorch's: a 32-bit Mersenne Twister seeded as torch seeds it, and
ATen's CPU formulas for uniform, normal, integer, permutation, Bernoulli and exponential
draws (``nablagrad._mt19937``), so that ``manual_seed(s)`` followed by ``rand``, ``randn``,
``randint``, ``randperm``, ``normal_``, ``uniform_``, ``nn.init`` fills, a layer's default
initialisation, dropout or a ``DataLoader``'s shuffle gives torch 2.13's CPU numbers
(uniforms, integers and permutations bit for bit; float32 normals to the last bit or so).
``get_rng_state`` returns torch's 5056-byte layout.  Distributions without a torch formula
here (gamma, Poisson, binomial, multinomial ...) draw from NumPy's samplers on the same
engine: seeded and repeatable, but not torch's numbers.

Example:
    >>> import nablagrad as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.rand(3)  # torch's numbers for seed 0
    tensor([0.4963, 0.7682, 0.0885])
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator
from typing import Any

from ._mt19937 import MTStream
from .backend import np


def _check_seed(seed: Any) -> int:
    """torch's seed rules: an int (a float is truncated) in [-2^63, 2^64); negative seeds wrap
    modulo 2^64."""
    if not isinstance(seed, (int, float, np.integer, np.floating, np.bool_)):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
    value = int(seed)
    if not -(2**63) <= value < 2**64:
        raise ValueError(
            f"Overflow when unpacking long long: seed {value} is outside [-2**63, 2**64)"
        )
    return value % 2**64


def _fresh_seed() -> int:
    return int(np.random.SeedSequence().entropy % (2**63))


class Generator:
    """A seeded random source, as ``torch.Generator``: ``g = Generator().manual_seed(0)``.

    On the CPU it is torch's Mersenne Twister, so ``Generator().manual_seed(s)`` draws the
    numbers ``torch.Generator().manual_seed(s)`` does.

    Example:
        >>> import nablagrad as torch
        >>> g = torch.Generator().manual_seed(42)
        >>> torch.randint(0, 10, (4,), generator=g).tolist()
        [2, 7, 6, 4]
    """

    def __init__(self, device: Any = "cpu") -> None:
        self._stream = MTStream(_fresh_seed())

    def manual_seed(self, seed: int) -> Generator:
        self._stream.reseed(_check_seed(seed))
        return self

    def seed(self) -> int:
        self._stream.reseed(_fresh_seed())
        return self._stream.seed

    def initial_seed(self) -> int:
        return self._stream.seed

    def get_state(self) -> Any:
        """The state as a uint8 tensor of torch's 5056-byte layout."""
        from .tensor import Tensor

        return Tensor._wrap(self._stream.get_state())

    def set_state(self, state: Any) -> Generator:
        """Restore a state from :meth:`get_state` (a uint8 tensor of 5056 bytes)."""
        data = getattr(state, "_data", state)
        if not hasattr(data, "dtype"):
            raise TypeError(
                f"set_state expects a uint8 tensor from get_state(), got {type(state).__name__}"
            )
        from .backend import to_host

        self._stream.set_state(to_host(data))
        return self

    @property
    def rng(self) -> MTStream:
        return self._stream


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (and NumPy's legacy global one, for user code that uses it)."""
    gen = default_generator.manual_seed(seed)  # checks the seed is an int
    np.random.seed(gen.initial_seed() % (2**32))
    return gen


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Any:
    return default_generator.get_state()


def set_rng_state(state: Any) -> None:
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


def check_probabilities(host: Any) -> None:
    """torch's check of Bernoulli probabilities (a RuntimeError, NaN included)."""
    if host.dtype.kind in "fc" and not ((host >= 0) & (host <= 1)).all():
        bad = host[~((host >= 0) & (host <= 1))].reshape(-1)[0]
        raise RuntimeError(
            f"Expected p_in >= 0 && p_in <= 1 to be true, but got false: bernoulli got the "
            f"probability {bad}; pass probabilities in [0, 1] (e.g. p.clamp(0, 1), or "
            "torch.sigmoid of logits)"
        )


def _gen(generator: Generator | None) -> MTStream:
    """The stream to draw from: torch's formulas as its own methods (``uniform``, ``normal``,
    ``randint``, ``randperm`` ...), NumPy's samplers on the same engine as the rest."""
    if _draw_guard is not None:
        _draw_guard()
    if generator is None:
        return default_generator._stream
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a nablagrad.Generator, got {type(generator).__name__}")
    return generator._stream
