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

import copy
import sys
from collections.abc import (
    Callable,
    Iterator,
    Mapping,
    MutableMapping,
    MutableSequence,
    Sequence,
)
from typing import Any

from ...backend import float64, np
from ...creation import as_tensor, tensor
from ...ops.shape import stack
from ...random import Generator, _gen
from ...tensor import Tensor
from ._worker import _fetch_map, _MultiProcessingIter, get_worker_info
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]


_NOT_NUMERIC = ("U", "S", "O")  # NumPy kinds default_collate/default_convert leave alone


def _collate_error(what: Any) -> TypeError:
    return TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {what} (pass a collate_fn to the DataLoader to batch other types)"
    )


def _rebuild_sequence(elem: Any, items: list) -> Any:
    """``items`` in a container like ``elem``: a tuple becomes a list and a namedtuple stays
    one (torch's rules); other sequences keep their type where it can be rebuilt."""
    if isinstance(elem, tuple):
        return type(elem)(*items) if hasattr(elem, "_fields") else items
    try:
        if isinstance(elem, MutableSequence):
            clone = copy.copy(elem)
            for i, item in enumerate(items):
                clone[i] = item
            return clone
        return type(elem)(items)
    except TypeError:
        return items


def _rebuild_mapping(elem: Mapping, values: dict) -> Any:
    """``values`` in a mapping like ``elem`` (a copy for mutable ones, as torch)."""
    try:
        if isinstance(elem, MutableMapping):
            clone = copy.copy(elem)
            clone.update(values)
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def default_convert(data: Any) -> Any:
    """Turn the NumPy arrays and scalars in one sample into tensors, recursing into mappings
    and sequences (tuples become lists); everything else is returned as is.

    The ``DataLoader``'s conversion when automatic batching is off (``batch_size=None``).

    Example:
        >>> import numpy as np
        >>> default_convert((np.arange(2), 3))
        [tensor([0, 1]), 3]
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in _NOT_NUMERIC else as_tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, (np.str_, np.bytes_)):
        return as_tensor(data)
    if isinstance(data, Mapping):
        return _rebuild_mapping(data, {k: default_convert(data[k]) for k in data})
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, recursing into mappings and sequences.

    As torch: tensors are stacked along a new first dimension, NumPy arrays and scalars
    become tensors first; Python ints become an int64 tensor (bools a bool one), floats a
    float64 one; strings stay as they are; tuples become lists, namedtuples stay namedtuples.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        shapes = {tuple(b.shape) for b in batch}
        if len(shapes) > 1:
            raise RuntimeError(
                f"default_collate: stack expects each sample to be equal size, but got shapes "
                f"{sorted(shapes)}: pad the samples or pass a collate_fn to the DataLoader"
            )
        return stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in _NOT_NUMERIC:
            raise _collate_error(elem.dtype)
        return default_collate([as_tensor(b) for b in batch])
    if isinstance(elem, (np.bool_, np.number, np.object_)):
        return as_tensor(np.asarray(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return _rebuild_mapping(elem, {k: default_collate([d[k] for d in batch]) for k in elem})
    if isinstance(elem, Sequence):
        size = len(elem)
        if any(len(b) != size for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):
            return type(elem)(*(default_collate(s) for s in zip(*batch)))
        return _rebuild_sequence(elem, [default_collate(s) for s in zip(*batch)])
    raise _collate_error(type(elem))


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
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                    "shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False  # torch: the batch sampler decides both
        elif batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually "
                "exclusive with drop_last"
            )
        if batch_size is not None and (
            not isinstance(batch_size, (int, np.integer))
            or isinstance(batch_size, bool)
            or not 0 < batch_size <= sys.maxsize
        ):
            raise ValueError(
                "DataLoader: batch_size should be a positive integer value, but got "
                f"batch_size={batch_size!r}"
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
            self.sampler, self.batch_sampler = None, None
        else:
            if sampler is None:
                sampler = (
                    RandomSampler(dataset, generator=generator)
                    if shuffle
                    else SequentialSampler(dataset)
                )
            self.sampler = sampler
            if batch_sampler is None and self.batch_size is not None:
                batch_sampler = BatchSampler(sampler, self.batch_size, drop_last)
            self.batch_sampler = batch_sampler
        if collate_fn is None:  # torch: stack batches, or only convert unbatched samples
            auto = self.batch_sampler is not None or self.batch_size is not None
            collate_fn = default_collate if auto else default_convert
        self.collate_fn = collate_fn
        self._initialized = True

    _FROZEN = (
        "batch_size",
        "batch_sampler",
        "sampler",
        "drop_last",
        "dataset",
        "persistent_workers",
    )

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._FROZEN and self.__dict__.get("_initialized", False):
            raise ValueError(
                f"{name} attribute should not be set after {type(self).__name__} is initialized"
            )
        super().__setattr__(name, value)

    def _iter_stream(self) -> Iterator[Any]:
        """An IterableDataset: consecutive samples batched in order."""
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch: list = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers == 0:
            # torch draws the workers' base seed from the loader's generator even without
            # workers: the draw keeps the generator's stream (and so the shuffle) torch's
            _gen(self.generator).int64_seed()
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
                yield _fetch_map(self.dataset, i, False, self.collate_fn)
            return
        if isinstance(self.batch_sampler, BatchSampler):
            batches: Any = self.batch_sampler.batches()
        else:
            batches = self.batch_sampler
        for idx in batches:
            yield _fetch_map(self.dataset, idx, True, self.collate_fn)

    def __len__(self) -> int:
        if self._iterable:  # torch: the data set's own length, batched
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)
