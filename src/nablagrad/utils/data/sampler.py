"""Samplers: the order in which a ``DataLoader`` visits a data set, as in ``torch.utils.data``.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.utils.data import BatchSampler, SequentialSampler
    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from ..._mt19937 import MTStream
from ...backend import float64, np
from ...creation import as_tensor, multinomial
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
    """Base class: iterate over indices of a data set.

    Subclasses override ``__iter__`` and may define ``__len__`` (the base has none, as torch,
    so ``len()`` of a sampler without one is a ``TypeError``).  Samplers that can draw a
    whole pass at once also define ``_index_array()``, which ``BatchSampler`` uses to cut the
    pass into batches without a Python loop.
    """

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def _index_array(self) -> np.ndarray:
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
        if not isinstance(replacement, bool):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:  # an empty data set
            raise ValueError(
                "num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _index_array(self) -> np.ndarray:
        n, rng = len(self.data_source), _gen(self.generator)
        if self.generator is None:  # torch: a fresh generator seeded from the default one
            rng = MTStream(rng.int64_seed())
        if self.replacement:  # torch draws 32 at a time: the same words in the same order
            return rng.torch_randint(0, n, (self.num_samples,), np.int64)
        # torch: num_samples // n permutations, then one more cut to num_samples % n items
        # (drawn even when that is none)
        reps = self.num_samples // n + 1 if n else 0
        return np.concatenate([rng.randperm(n) for _ in range(reps)] or [np.arange(0)])[
            : self.num_samples
        ]

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The elements of ``indices`` in a random order, redrawn every pass."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        for i in _gen(self.generator).randperm(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


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
        w = as_tensor(weights, dtype=float64)
        if w.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}"
            )
        self.weights, self.num_samples = w, num_samples
        self.replacement, self.generator = replacement, generator

    def __iter__(self) -> Iterator[int]:
        # torch.multinomial's checks (non-negative finite weights, not all zero, at most
        # len(weights) draws without replacement) raise RuntimeError here, as in torch
        draws = multinomial(
            self.weights, self.num_samples, self.replacement, generator=self.generator
        )
        return iter(draws.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last may be short)."""

    def __init__(self, sampler: Any, batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size!r}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def batches(self) -> list[Any]:
        """All batches of one pass: index arrays, cut without a Python loop, when the sampler
        has ``_index_array()``; else lists of what the sampler yields."""
        bs = self.batch_size
        if callable(getattr(self.sampler, "_index_array", None)):
            idx = np.asarray(self.sampler._index_array(), dtype=np.int64)
            stop = len(idx) - len(idx) % bs if self.drop_last else len(idx)
            return [idx[i : i + bs] for i in range(0, stop, bs)]
        return list(self._group(iter(self.sampler)))

    def _group(self, it: Iterator[Any]) -> Iterator[list[Any]]:
        batch = list(itertools.islice(it, self.batch_size))
        while batch and (len(batch) == self.batch_size or not self.drop_last):
            yield batch
            batch = list(itertools.islice(it, self.batch_size))

    def __iter__(self) -> Iterator[list[int]]:
        if callable(getattr(self.sampler, "_index_array", None)):
            for b in self.batches():
                yield b.tolist()
        else:
            yield from self._group(iter(self.sampler))

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
