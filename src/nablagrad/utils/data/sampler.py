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
    so ``len()`` of a sampler without one is a ``TypeError``).  Samplers that draw a pass in
    a few arrays also define ``_index_chunks()``, an iterator of int64 index arrays that
    draws each array only when it is asked for (as torch's ``__iter__`` draws each
    permutation only when the one before is used up), which ``BatchSampler`` cuts into
    batches without a Python loop over the indices.
    """

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def _index_chunks(self) -> Iterator[np.ndarray]:
        return iter([np.arange(len(self.data_source), dtype=np.int64)])

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

    def _index_chunks(self) -> Iterator[np.ndarray]:
        """torch's draws, each when the indices before it are used up (a generator: nothing
        is drawn before the first index is asked for): with replacement ``num_samples // 32``
        draws of 32 indices and one of the rest; without, ``num_samples // n`` permutations
        and one more cut to ``num_samples % n`` items, drawn even when that is none (so a
        pass stopped early leaves a shared generator where torch's would be)."""
        n, rng = len(self.data_source), _gen(self.generator)
        if self.generator is None:  # torch: a fresh generator seeded from the default one
            rng = MTStream(rng.int64_seed())
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield rng.torch_randint(0, n, (32,), np.int64)
            yield rng.torch_randint(0, n, (self.num_samples % 32,), np.int64)
            return
        if n == 0:
            return
        for _ in range(self.num_samples // n):
            yield rng.randperm(n)
        yield rng.randperm(n)[: self.num_samples % n]

    def __iter__(self) -> Iterator[int]:
        for chunk in self._index_chunks():
            yield from chunk.tolist()

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

    def batches(self) -> Iterator[Any]:
        """The batches of one pass, each made when asked for: index arrays cut from the
        sampler's ``_index_chunks()`` without a Python loop over the indices, where it has
        them; else lists of what the sampler yields.  The sampler's next array is drawn when
        a batch needs it, or at the end of the pass, where torch's ``BatchSampler`` asks for
        the index after the last."""
        chunks = getattr(self.sampler, "_index_chunks", None)
        if not callable(chunks):
            yield from self._group(iter(self.sampler))
            return
        bs = self.batch_size
        pending = np.empty(0, dtype=np.int64)
        for chunk in chunks():
            pending = np.concatenate([pending, np.asarray(chunk, dtype=np.int64)])
            full = len(pending) - len(pending) % bs
            for i in range(0, full, bs):
                yield pending[i : i + bs]
            pending = pending[full:]
        if len(pending) and not self.drop_last:
            yield pending

    def _group(self, it: Iterator[Any]) -> Iterator[list[Any]]:
        batch = list(itertools.islice(it, self.batch_size))
        while batch and (len(batch) == self.batch_size or not self.drop_last):
            yield batch
            batch = list(itertools.islice(it, self.batch_size))

    def __iter__(self) -> Iterator[list[int]]:
        if callable(getattr(self.sampler, "_index_chunks", None)):
            for b in self.batches():
                yield b.tolist()
        else:
            yield from self._group(iter(self.sampler))

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
