"""Search-space distributions: ``choice``, ``uniform``, ``loguniform``, ``randint``.

A space is a dict from parameter name to a list (uniform choice among its values), a fixed
value, or a distribution with ``sample(rng)`` (or scipy's ``rvs(random_state=...)``).

    uniform(a, b):     x ~ U[a, b)
    loguniform(a, b):  log x ~ U[log a, log b)   (learning rates, weight decay)
    randint(a, b):     x ~ U{a, ..., b - 1}

Example:
    >>> import numpy as np
    >>> from nablagrad.tuning import loguniform, sample_space
    >>> cfg = sample_space({"lr": loguniform(1e-4, 1e-1), "opt": ["sgd", "adam"]},
    ...                    np.random.default_rng(0))
    >>> sorted(cfg), 1e-4 <= cfg["lr"] < 1e-1
    (['lr', 'opt'], True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..backend import np


class choice:  # noqa: N801 - reads like a function in a search space
    """Uniform choice among ``values``."""

    def __init__(self, values: Sequence[Any]) -> None:
        self.values = list(values)
        if not self.values:
            raise ValueError("choice: needs at least one value")

    def sample(self, rng: np.random.Generator) -> Any:
        v = self.values[int(rng.integers(len(self.values)))]
        return v.item() if isinstance(v, np.generic) else v

    def __repr__(self) -> str:
        return f"choice({self.values!r})"


class uniform:  # noqa: N801
    """Continuous uniform on [low, high)."""

    def __init__(self, low: float, high: float) -> None:
        if not high > low:
            raise ValueError(f"uniform: need low < high, got {low}, {high}")
        self.low, self.high = float(low), float(high)

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def __repr__(self) -> str:
        return f"uniform({self.low}, {self.high})"


class loguniform:  # noqa: N801
    """Log-uniform on [low, high): uniform in log space, for scale parameters."""

    def __init__(self, low: float, high: float) -> None:
        if not 0 < low < high:
            raise ValueError(f"loguniform: need 0 < low < high, got {low}, {high}")
        self.low, self.high = float(low), float(high)

    def sample(self, rng: np.random.Generator) -> float:
        return float(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))

    def __repr__(self) -> str:
        return f"loguniform({self.low}, {self.high})"


class randint:  # noqa: N801
    """Integers low .. high - 1, uniformly."""

    def __init__(self, low: int, high: int) -> None:
        if not high > low:
            raise ValueError(f"randint: need low < high, got {low}, {high}")
        self.low, self.high = int(low), int(high)

    def sample(self, rng: np.random.Generator) -> int:
        return int(rng.integers(self.low, self.high))

    def __repr__(self) -> str:
        return f"randint({self.low}, {self.high})"


def sample_space(space: Mapping[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """One configuration drawn from ``space`` (keys in the space's order)."""
    if not isinstance(space, Mapping) or not space:
        raise ValueError(f"the search space must be a non-empty dict, got {space!r}")
    cfg = {}
    for name, dist in space.items():
        if hasattr(dist, "sample"):
            cfg[name] = dist.sample(rng)
        elif hasattr(dist, "rvs"):
            v = dist.rvs(random_state=int(rng.integers(2**31)))
            cfg[name] = v.item() if isinstance(v, np.generic) else v
        elif isinstance(dist, (list, tuple)):
            cfg[name] = choice(dist).sample(rng)
        else:
            cfg[name] = dist
    return cfg
