"""Small synthetic data sets for lectures: spirals, moons, XOR, circles, a noisy curve.

Each returns ``(X, y)`` NumPy arrays: float32 inputs (n, 2) and int64 class labels, except
``make_curve`` (x (n, 1), y (n, 1) float32).  ``seed`` fixes them.

Example:
    >>> from nablagrad.datasets import make_moons
    >>> X, y = make_moons(100, noise=0.1, seed=0)
    >>> X.shape, y.shape, sorted(set(y.tolist()))
    ((100, 2), (100,), [0, 1])
"""

from __future__ import annotations

from ..backend import np

__all__ = ["make_spirals", "make_moons", "make_xor", "make_circles", "make_curve"]


def _check(n: int, noise: float) -> None:
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n_samples must be an integer >= 2, got {n!r}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")


def _counts(n: int, k: int) -> list[int]:
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def make_spirals(
    n_samples: int = 300, n_classes: int = 2, noise: float = 0.1, turns: float = 1.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms: arm ``k`` is ``r (cos t, sin t)``, ``t = 2 pi (turns r + k/K)``
    for ``r`` in [0.05, 1], plus Gaussian noise of std ``noise``."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    X, y = [], []
    for k, m in enumerate(_counts(n_samples, n_classes)):
        r = np.linspace(0.05, 1.0, m)
        t = 2 * np.pi * (turns * r + k / n_classes)
        X.append(np.stack([r * np.cos(t), r * np.sin(t)], 1) + noise * rng.standard_normal((m, 2)))
        y.append(np.full(m, k))
    return np.concatenate(X).astype(np.float32), np.concatenate(y).astype(np.int64)


def make_moons(
    n_samples: int = 200,
    noise: float = 0.1,
    seed: int = 0,
    *,
    shuffle: bool = False,
    random_state: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's layout): upper ``(cos t, sin t)``, lower
    ``(1 - cos t, 0.5 - sin t)`` for ``t`` evenly spaced in [0, pi], plus Gaussian noise of std
    ``noise``.  ``random_state`` is scikit-learn's name for ``seed``; ``shuffle=True`` mixes
    the two classes' rows (scikit-learn's default; here off, so the classes come in order)."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed if random_state is None else random_state)
    n0, n1 = _counts(n_samples, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)], 1), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)]
    )
    X = X + noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    if shuffle:
        order = rng.permutation(n_samples)
        X, y = X[order], y[order]
    return X.astype(np.float32), y.astype(np.int64)


def make_xor(
    n_samples: int = 200, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-1, 1]^2 labelled ``x1 * x2 > 0`` (XOR of the signs), plus noise."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n_samples, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    return (X + noise * rng.standard_normal(X.shape)).astype(np.float32), y


def make_circles(
    n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: radius 1 (label 0) and ``factor`` (label 1), plus noise."""
    _check(n_samples, noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    n0, n1 = _counts(n_samples, 2)
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)], 1), factor * np.stack([np.cos(t1), np.sin(t1)], 1)]
    )
    X = X + noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    return X.astype(np.float32), y.astype(np.int64)


def make_curve(
    n_samples: int = 100, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A noisy 1-D regression curve: ``y = sin(3x) + 0.5 x + noise``, ``x`` uniform in [-2, 2]."""
    _check(n_samples, noise)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-2, 2, n_samples))
    y = np.sin(3 * x) + 0.5 * x + noise * rng.standard_normal(n_samples)
    return x[:, None].astype(np.float32), y[:, None].astype(np.float32)
