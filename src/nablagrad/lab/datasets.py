"""Small synthetic data sets for the lab, generated with NumPy from a seed (no downloads)."""

from __future__ import annotations

from ..backend import np
from ..datasets import make_moons


def blobs_moons(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three classes in 2-D: two interleaved half-moons and a blob, ``noise`` = jitter std.

    Returns ``x`` (n, 2) float32 in roughly [-1.5, 2.5] x [-1, 1.5] and labels ``y`` (n,) int64.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    t = rng.uniform(0, np.pi, size=n)
    x = np.empty((n, 2))
    m0, m1, m2 = y == 0, y == 1, y == 2
    x[m0] = np.stack([np.cos(t[m0]), np.sin(t[m0])], 1)
    x[m1] = np.stack([1 - np.cos(t[m1]), 0.5 - np.sin(t[m1])], 1)
    x[m2] = np.stack([np.full(m2.sum(), 2.2), np.full(m2.sum(), 1.1)], 1)
    x += rng.normal(0, noise, size=x.shape) * np.where(m2, 1.6, 1.0)[:, None]
    return x.astype(np.float32), y.astype(np.int64)


def two_moons(n: int, noise: float, seed: int, flip: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """``datasets.make_moons`` (shuffled) with a share ``flip`` of the labels flipped."""
    x, y = make_moons(n, noise=noise, seed=seed, shuffle=True)
    flipped = np.random.default_rng(seed + 1).random(n) < flip
    return x, np.where(flipped, 1 - y, y).astype(np.int64)


def regression_1d(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``y = sin(2 pi x) + noise`` with ``x ~ U(0, 1)``: the classic capacity example."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=n)
    y = np.sin(2 * np.pi * x) + rng.normal(0, noise, size=n)
    return x.astype(np.float32), y.astype(np.float32)
