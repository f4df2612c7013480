"""Samplers: the order in which a ``DataLoader`` visits a data set, as in ``torch.utils.data``.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.utils.data import BatchSampler, SequentialSampler
    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ...backend import np
from ...random import Generator, _gen

__all__ = [
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "BatchSampler",
    "WeightedRandomSampler",
]


class Sampler:
    """Base class: iterate over indices of a data set."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError

    def __len__(self) -> int:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def indices(self) -> np.ndarray:
        return np.arange(len(self.data_source))

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A fresh random permutation on every pass (or ``num_samples`` draws with replacement)."""

    def __init__(
        self,
        data_source: Any,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: Generator | None = None,
    ) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if num_samples is not None and (not isinstance(num_samples, int) or num_samples <= 0):
            raise ValueError(f"num_samples should be a positive integer, got {num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def indices(self) -> np.ndarray:
        n, rng = len(self.data_source), _gen(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=self.num_samples)
        reps = -(-self.num_samples // n) if n else 0
        return np.concatenate([rng.permutation(n) for _ in range(reps)] or [np.arange(0)])[
            : self.num_samples
        ]

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order, redrawn every pass."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.idx = np.asarray(indices, dtype=np.int64)
        self.generator = generator

    def indices(self) -> np.ndarray:
        return self.idx[_gen(self.generator).permutation(len(self.idx))]

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return len(self.idx)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (with or
    without replacement), a fresh draw on every pass.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.utils.data import WeightedRandomSampler
        >>> g = torch.Generator().manual_seed(0)
        >>> s = WeightedRandomSampler([0.0, 1.0, 0.0], 4, generator=g)
        >>> list(s)
        [1, 1, 1, 1]
    """

    def __init__(
        self,
        weights: Sequence[float] | Any,
        num_samples: int,
        replacement: bool = True,
        generator: Generator | None = None,
    ) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        if not isinstance(replacement, bool):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        w = np.asarray(weights.tolist() if hasattr(weights, "tolist") else weights, dtype=float)
        if w.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {w.shape}"
            )
        if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
            raise RuntimeError(
                "invalid multinomial distribution (weights must be finite, non-negative and "
                "not all zero)"
            )
        if not replacement and num_samples > (w > 0).sum():
            raise RuntimeError(
                "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
            )
        self.weights, self.num_samples = w, num_samples
        self.replacement, self.generator = replacement, generator

    def indices(self) -> np.ndarray:
        p = self.weights / self.weights.sum()
        return _gen(self.generator).choice(
            len(p), size=self.num_samples, replace=self.replacement, p=p
        )

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices().tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last may be short)."""

    def __init__(self, sampler: Any, batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer, got {batch_size!r}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def batches(self) -> list[np.ndarray]:
        """All batches of one pass as index arrays (vectorised when the sampler allows)."""
        if hasattr(self.sampler, "indices") and callable(self.sampler.indices):
            idx = np.asarray(self.sampler.indices(), dtype=np.int64)
        else:
            idx = np.fromiter(iter(self.sampler), dtype=np.int64)
        bs = self.batch_size
        stop = len(idx) - len(idx) % bs if self.drop_last else len(idx)
        return [idx[i : i + bs] for i in range(0, stop, bs)]

    def __iter__(self) -> Iterator[list[int]]:
        for b in self.batches():
            yield b.tolist()

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
