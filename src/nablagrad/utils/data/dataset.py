"""Data sets with ``torch.utils.data``'s names: the map-style protocol and its combinators.

A data set is anything with ``__getitem__(i)`` and ``__len__()``.  Array-backed data sets also
offer ``get_batch(indices)``: the whole batch by one vectorised fancy-indexing step, which the
``DataLoader`` uses instead of a per-sample Python loop.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.utils.data import TensorDataset, random_split
    >>> ds = TensorDataset(torch.arange(10.0).reshape(5, 2), torch.arange(5))
    >>> len(ds), ds[1][1].item()
    (5, 1)
    >>> a, b = random_split(ds, [0.6, 0.4], generator=torch.Generator().manual_seed(0))
    >>> len(a), len(b)
    (3, 2)
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ...backend import np, to_host
from ...random import Generator, _gen
from ...tensor import Tensor

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "random_split",
]


class DataSetError(ValueError, AssertionError):
    """A badly built data set.  torch raises ``AssertionError`` for these; this is both that
    and a ``ValueError`` (nablagrad's type for bad configuration), so either catches it."""


class Dataset:
    """Base class of map-style data sets: override ``__getitem__`` and (usually) ``__len__``.

    As torch's, the base defines no ``__len__``: ``len()`` of a data set without one is a
    ``TypeError``, which is also what tells ``list()`` and the ``DataLoader`` that an
    ``IterableDataset`` has no length.
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


def _as_tensor(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return Tensor._wrap(x)
    raise TypeError(f"TensorDataset takes Tensors or NumPy arrays, got {type(x).__name__}")


class IterableDataset(Dataset):
    """Base class of stream-style data sets: override ``__iter__`` (``__len__`` optional).

    A ``DataLoader`` reads it in order and batches consecutive samples; samplers and
    ``shuffle`` do not apply (torch's rule).

    Example:
        >>> from nablagrad.utils.data import DataLoader, IterableDataset
        >>> class Count(IterableDataset):
        ...     def __iter__(self):
        ...         return iter(range(5))
        >>> [b.tolist() for b in DataLoader(Count(), batch_size=2)]
        [[0, 1], [2, 3], [4]]
    """

    def __iter__(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __add__(self, other: Any) -> ChainDataset:
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several iterable data sets one after another."""

    def __init__(self, datasets: Any) -> None:
        self.datasets = datasets

    def __iter__(self) -> Any:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):  # torch checks (and fails) while iterating
                raise DataSetError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise DataSetError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class StackDataset(Dataset):
    """Samples of several equally long data sets side by side: ``StackDataset(a, b)[i] ==
    (a[i], b[i])``, ``StackDataset(x=a, y=b)[i] == {"x": a[i], "y": b[i]}``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError(
                "Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                "input/output, but both types are given."
            )
        parts = list(args) or list(kwargs.values())
        if not parts:
            raise ValueError("At least one dataset should be passed")
        self._length = len(parts[0])
        if any(len(p) != self._length for p in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets: Any = tuple(args) if args else dict(kwargs)

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class TensorDataset(Dataset):
    """Samples are rows of tensors that share their first dimension: ``ds[i] = (t[i] for t)``.

    ``transform`` (nablagrad extension) is applied to the first tensor (the inputs); transforms
    work on whole batches, so ``get_batch`` calls it once per batch and ``ds[i]`` calls it on a
    batch of one.

    Example:
        >>> import nablagrad as torch
        >>> ds = TensorDataset(torch.zeros(4, 3), torch.arange(4))
        >>> [t.shape for t in ds.get_batch([0, 2])]
        [nablagrad.Size([2, 3]), nablagrad.Size([2])]
    """

    def __init__(self, *tensors: Any, transform: Callable | None = None) -> None:
        # torch's errors: IndexError for a 0-d tensor, AssertionError when the first
        # dimensions differ (and, without tensors, IndexError from len())
        self.tensors = tuple(_as_tensor(t) for t in tensors)
        if any(t.ndim == 0 for t in self.tensors):
            raise IndexError(
                "TensorDataset: a 0-d tensor has no first dimension to index samples by"
            )
        if len({t.shape[0] for t in self.tensors}) > 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in self.tensors)
            raise DataSetError(
                f"Size mismatch between tensors: all tensors need the same first dimension "
                f"(one row per sample), got shapes {shapes}"
            )
        self.transform = transform

    batchable = True

    def __len__(self) -> int:
        if not self.tensors:
            raise IndexError("TensorDataset without tensors has no length")
        return self.tensors[0].shape[0]

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        if isinstance(index, slice):  # torch: tensor[index] of each tensor, so a slice works
            out = tuple(Tensor._wrap(t._data[index]) for t in self.tensors)
            if self.transform is not None:
                out = (self.transform(out[0]),) + out[1:]
            return out
        if not isinstance(index, (int, np.integer)):
            return self.get_batch(index)
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for a data set of {n} samples")
        out = tuple(Tensor._wrap(t._data[index]) for t in self.tensors)
        if self.transform is not None:
            x = self.transform(Tensor._wrap(out[0]._data[None]))
            out = (Tensor._wrap(x._data[0]),) + out[1:]
        return out

    def get_batch(self, indices: Any) -> tuple[Tensor, ...]:
        """All samples at ``indices`` at once, stacked along a new first dimension."""
        raw = np.asarray(to_host(indices._data) if isinstance(indices, Tensor) else indices)
        if raw.dtype.kind == "b" and raw.shape == (len(self),):  # a boolean mask, as torch
            raw = np.flatnonzero(raw)
        if raw.dtype.kind not in "iu" or raw.ndim > 1:
            raise IndexError(
                f"{type(self).__name__}: index {indices!r:.60} is not an int or a 1-d list of "
                "ints: index samples with integers"
            )
        idx = raw.astype(np.int64)
        n = len(self)
        if idx.size and not (-n <= int(idx.min()) and int(idx.max()) < n):
            raise IndexError(f"indices {indices!r:.60} are out of range for a data set of {n}")
        out = tuple(Tensor._wrap(t._data[idx]) for t in self.tensors)
        if self.transform is not None:
            out = (self.transform(out[0]),) + out[1:]
        return out


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (kept as given), in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: int | list[int]) -> Any:
        if isinstance(index, list):  # torch: the parent indexed by the list
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        """The samples at ``indices``, by the parent's ``__getitems__`` where it has one (the
        ``DataLoader`` fetches batches this way, as torch's)."""
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def batchable(self) -> bool:
        """True when the parent data set can fetch whole batches with ``get_batch``."""
        return bool(getattr(self.dataset, "batchable", False))

    def get_batch(self, indices: Any) -> Any:
        """The samples at ``indices`` by one call to the parent's ``get_batch``."""
        ind = self.indices
        if isinstance(ind, Tensor):
            ind = to_host(ind._data)
        ind = np.asarray(ind, dtype=np.int64)
        return self.dataset.get_batch(ind[np.asarray(indices, dtype=np.int64)])


class ConcatDataset(Dataset):
    """Several data sets one after another."""

    def __init__(self, datasets: Sequence[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:  # torch's errors are AssertionErrors
            raise DataSetError("datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise DataSetError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if index < 0:
            if -index > n:  # torch: a ValueError for negative indices, IndexError above
                raise ValueError(
                    f"absolute value of index should not exceed dataset length ({index} for "
                    f"{n} samples)"
                )
            index += n
        if index >= n:
            raise IndexError(f"index {index} is out of range for {n} samples")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(
    dataset: Any, lengths: Sequence[float], generator: Generator | None = None
) -> list[Subset]:
    """Split into non-overlapping random ``Subset``\\ s of the given lengths (or fractions).

    Fractions summing to 1 are turned into counts as torch does: ``floor(f * n)`` each, then
    the remainder handed out one by one, round robin.
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    stacklevel=2,
                )
    if sum(lengths) != n:
        raise ValueError(
            f"Sum of input lengths does not equal the length of the input dataset! (lengths "
            f"{lengths} summing to {sum(lengths)}, the data set has {n} samples; pass counts "
            "or fractions summing to 1)"
        )
    if any(isinstance(v, float) for v in lengths):  # torch: randperm(float) fails
        raise TypeError(f"random_split: lengths {lengths} must be integers (or fractions)")
    if any(v < 0 for v in lengths):
        raise ValueError(f"random_split: lengths {lengths} must not be negative")
    perm = _gen(generator).randperm(n).tolist()
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start : start + int(length)]))
        start += int(length)
    return out
