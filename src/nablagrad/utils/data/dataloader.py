"""``DataLoader``: batches from a data set, as ``torch.utils.data.DataLoader``.

For array-backed data sets (``TensorDataset`` and ``Subset``\\ s of it) each batch is one
fancy-indexing step per tensor (``x[idx]``), not a Python loop over samples; other data sets go
sample by sample through ``collate_fn`` (``default_collate`` stacks them).

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(torch.arange(10.0).reshape(5, 2), torch.arange(5))
    >>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
    [[0, 1], [2, 3], [4]]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ...backend import get_array_module, np
from ...random import Generator
from ...tensor import Tensor
from ._worker import _MultiProcessingIter, get_worker_info
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "get_worker_info"]


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, recursing into tuples, lists and dicts.

    Tensors and arrays are stacked along a new first dimension; Python ints become an int64
    tensor, floats a float64 tensor (as torch); strings stay a list.
    """
    if len(batch) == 0:
        raise ValueError("default_collate got an empty batch")
    first = batch[0]
    if isinstance(first, (Tensor, np.ndarray, np.generic)):
        shapes = {tuple(b._data.shape if isinstance(b, Tensor) else np.shape(b)) for b in batch}
        if len(shapes) > 1:
            raise RuntimeError(
                f"default_collate: stack expects each sample to be equal size, but got shapes "
                f"{sorted(shapes)}: pad the samples or pass a collate_fn to the DataLoader"
            )
    if isinstance(first, Tensor):
        return Tensor._wrap(get_array_module(first._data).stack([b._data for b in batch]))
    if isinstance(first, (np.ndarray, np.generic)):
        return Tensor._wrap(np.stack([np.asarray(b) for b in batch]))
    if isinstance(first, bool):
        return Tensor._wrap(np.asarray(batch, dtype=np.bool_))
    if isinstance(first, int):
        return Tensor._wrap(np.asarray(batch, dtype=np.int64))
    if isinstance(first, float):
        return Tensor._wrap(np.asarray(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, Mapping):
        return {k: default_collate([b[k] for b in batch]) for k in first}
    if isinstance(first, (tuple, list)):
        if any(len(b) != len(first) for b in batch):
            raise ValueError("default_collate: every sample in a batch needs the same length")
        cols = [default_collate(list(col)) for col in zip(*batch)]
        return type(first)(*cols) if hasattr(first, "_fields") else cols  # torch: a list
    raise TypeError(
        f"default_collate: can't batch samples of type {type(first).__name__}; pass a "
        "collate_fn to the DataLoader"
    )


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style data set (``__getitem__`` + ``__len__``).
        batch_size: samples per batch; ``None`` yields single samples unbatched.
        shuffle: a new random order every epoch (``RandomSampler`` with ``generator``).
        sampler: the index order (excludes ``shuffle``); batch_sampler: lists of indices.
        drop_last: drop the last batch when it is short.
        collate_fn: turns a list of samples into a batch (``default_collate``).
        generator: the seeded ``nablagrad.Generator`` for shuffling.
        pin_memory: accepted as in torch and kept as ``loader.pin_memory``; nablagrad does
            not page-lock host memory (``Tensor.pin_memory()`` returns the tensor), so batches
            are copied to the GPU by ``.to("cuda")`` as they are.
        num_workers: ``0`` loads in the calling process (batches of array-backed data sets
            are one vectorised gather); ``N > 0`` starts N worker processes that build the
            batches (``dataset[i]`` + ``collate_fn``) and send them back as shared memory,
            yielded in sampler order (``in_order=True``), as torch.
        timeout: seconds to wait for a worker's batch before raising (0: forever).
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker after seeding.
        multiprocessing_context: a start method name or context (default: the platform's).
        prefetch_factor: batches in flight per worker (default 2 with workers).
        persistent_workers: keep the workers alive between epochs.
        in_order: ``False`` yields batches as workers finish them.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler | Any | None = None,
        batch_sampler: Any | None = None,
        num_workers: int = 0,
        collate_fn: Callable | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            for name, value, default in (
                ("shuffle", shuffle, None),
                ("sampler", sampler, None),
                ("batch_sampler", batch_sampler, None),
            ):
                if value not in (default, False):
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, "
                        f"but got {name}={value}"
                    )
        elif not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(
                f"DataLoader needs a map-style data set with __getitem__ and __len__ (or an "
                f"IterableDataset), got {type(dataset).__name__}"
            )
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (
            batch_size != 1 or shuffle or sampler is not None or drop_last
        ):
            raise ValueError(
                "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                "shuffle, sampler, and drop_last"
            )
        if batch_size is not None and (
            not isinstance(batch_size, (int, np.integer))
            or isinstance(batch_size, bool)
            or not 0 < batch_size <= sys.maxsize
        ):
            raise ValueError(
                f"DataLoader: batch_size should be a positive integer, got {batch_size!r}"
            )
        if not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(
                f"num_workers option should be non-negative; use num_workers=0 to disable "
                f"multiprocessing (got {num_workers!r})"
            )
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing. "
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor "
                "to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if multiprocessing_context is not None:
            if num_workers == 0:
                raise ValueError(
                    "multiprocessing_context can only be used with multi-process loading "
                    f"(num_workers > 0), but got num_workers={num_workers}"
                )
            if isinstance(multiprocessing_context, str):
                import multiprocessing

                valid = multiprocessing.get_all_start_methods()
                if multiprocessing_context not in valid:
                    raise ValueError(
                        "multiprocessing_context option should specify a valid start method "
                        f"in {valid!r}, but got multiprocessing_context="
                        f"{multiprocessing_context!r}"
                    )
                multiprocessing_context = multiprocessing.get_context(multiprocessing_context)
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.drop_last = drop_last
        self.generator = generator
        self.num_workers = int(num_workers)
        self.pin_memory = bool(pin_memory)
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self.in_order = bool(in_order)
        self._iterator: _MultiProcessingIter | None = None
        if self._iterable:
            self.sampler, self.batch_sampler, self.collate_fn = None, None, collate_fn
            return
        if sampler is None:
            sampler = (
                RandomSampler(dataset, generator=generator)
                if shuffle
                else (SequentialSampler(dataset))
            )
        self.sampler = sampler
        if batch_sampler is None and self.batch_size is not None:
            batch_sampler = BatchSampler(sampler, self.batch_size, drop_last)
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn

    def _fast(self) -> bool:
        return self.collate_fn is None and bool(getattr(self.dataset, "batchable", False))

    def _iter_stream(self) -> Iterator[Any]:
        """An IterableDataset: consecutive samples batched in order."""
        collate = self.collate_fn or default_collate
        if self.batch_size is None:
            for sample in self.dataset:
                yield sample if self.collate_fn is None else self.collate_fn(sample)
            return
        batch: list = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers == 0:
            return self._iter_single()
        if self.persistent_workers:
            if self._iterator is None:
                self._iterator = _MultiProcessingIter(self)
            else:
                self._iterator._reset(self)
            return self._iterator
        return _MultiProcessingIter(self)

    def _iter_single(self) -> Iterator[Any]:
        if self._iterable:
            yield from self._iter_stream()
            return
        if self.batch_sampler is None:  # batch_size=None: single samples
            for i in self.sampler:
                yield (
                    self.dataset[i] if self.collate_fn is None else self.collate_fn(self.dataset[i])
                )
            return
        collate = self.collate_fn or default_collate
        fast = self._fast()
        if isinstance(self.batch_sampler, BatchSampler):
            batches: Any = self.batch_sampler.batches()
        else:
            batches = self.batch_sampler
        for idx in batches:
            if fast:
                yield self.dataset.get_batch(idx)
            else:
                yield collate([self.dataset[int(i)] for i in idx])

    def __len__(self) -> int:
        if self._iterable:  # torch: the data set's own length, batched
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)
