"""Random numbers: ``Generator`` and the default generator behind ``manual_seed``.

nablagrad draws from NumPy's PCG64; a seed gives the same numbers on every run and platform
(they are not torch's numbers, which come from a different generator).
"""

from __future__ import annotations

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
