"""Worker processes of ``DataLoader(num_workers=N)``, as torch's ``_MultiProcessingDataLoaderIter``.

Protocol: the main process owns the sampler.  Each worker has its own index queue; all workers
share one result queue.  The main process keeps ``prefetch_factor * num_workers`` tasks in
flight, handing task ``k`` (a list of indices, or ``None`` for an ``IterableDataset``) to the
next active worker round-robin; a worker answers ``(k, batch)``, ``(k, _ExceptionWrapper)`` or,
for an exhausted ``IterableDataset`` copy, ``(k, _IterationEnd(worker_id))``.  Batches travel
through ``nablagrad.multiprocessing``'s pickler, so tensors arrive as shared memory (a file
descriptor), not as pickled copies.  Results are yielded in task order (``in_order=True``)
whatever worker finishes first.  ``None`` on an index queue ends a worker; ``_Resume`` restarts
its data set iterator (persistent workers, next epoch).  The main process polls the result queue
and checks that its workers are alive, so a killed worker raises instead of hanging; workers
exit when the main process goes away (they are daemonic and watch their parent's pid).

Example:
    >>> from nablagrad.utils.data import get_worker_info
    >>> get_worker_info() is None      # in the main process
    True
"""

from __future__ import annotations

import itertools
import os
import pickle
import queue
import random
import sys
import traceback
import weakref
from collections.abc import Callable
from multiprocessing.reduction import ForkingPickler
from typing import Any

from ...backend import np

__all__ = ["WorkerInfo", "get_worker_info"]

#: how often (seconds) a blocked main process checks its workers, and a worker its parent
_STATUS_INTERVAL = 0.2

_worker_info: WorkerInfo | None = None


class WorkerInfo:
    """What ``get_worker_info()`` returns inside a worker: ``id``, ``num_workers``, ``seed``
    (this worker's seed, ``base_seed + id``) and ``dataset`` (the worker's copy).  Read-only."""

    id: int
    num_workers: int
    seed: int
    dataset: Any

    def __init__(self, **kwargs: Any) -> None:
        for k, v in kwargs.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_keys", tuple(kwargs))

    def __setattr__(self, key: str, val: Any) -> None:
        raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={getattr(self, k)}" for k in self._keys)
        return f"{type(self).__name__}({items})"


def get_worker_info() -> WorkerInfo | None:
    """Inside a ``DataLoader`` worker process: its :class:`WorkerInfo`; ``None`` elsewhere.

    Use it in ``worker_init_fn`` or in an ``IterableDataset.__iter__`` to give each worker its
    own shard (``range(info.id, n, info.num_workers)``); without that, every worker yields the
    whole data set, as in torch.
    """
    return _worker_info


class _ExceptionWrapper:
    """An exception raised in a worker, with its formatted traceback, re-raised by the main."""

    def __init__(self, exc: BaseException, where: str) -> None:
        self.exc_type = type(exc)
        self.msg = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.where = where

    def reraise(self) -> None:
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.msg}"
        if self.exc_type is KeyError:  # KeyError quotes its argument: keep the lines readable
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:  # the type needs other arguments
            raise RuntimeError(msg) from None
        raise exc


class _KeyErrorMessage(str):
    def __repr__(self) -> str:
        return str(self)


class _IterationEnd:
    def __init__(self, worker_id: int) -> None:
        self.worker_id = worker_id


class _Resume:
    pass


def _numpy_seed(base_seed: int, worker_id: int) -> list[int]:
    """NumPy's seed for a worker, from (worker_id, base_seed) through a ``SeedSequence`` (torch
    derives it the same way, so ``random``/NumPy/the tensor generator get distinct streams)."""
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return [int(v) for v in np.random.SeedSequence(entropy).generate_state(4)]


def _fetch_map(dataset: Any, index: Any, auto_collation: bool, collate: Callable) -> Any:
    """One batch (or, without automatic batching, one sample) of a map-style data set.

    As torch's fetcher: the samples come from ``dataset.__getitems__(index)`` where the data
    set has one, else from ``dataset[i]`` each.  With ``default_collate`` an array-backed
    data set (``batchable``) gathers the whole batch at once instead, as a list like torch's
    collated tuples.
    """
    if not auto_collation:
        return collate(dataset[index])
    from .dataloader import default_collate

    if collate is default_collate and bool(getattr(dataset, "batchable", False)):
        return list(dataset.get_batch(np.asarray(index, dtype=np.int64)))
    if isinstance(index, np.ndarray):
        index = index.tolist()
    getitems = getattr(dataset, "__getitems__", None)
    return collate(getitems(index) if getitems else [dataset[i] for i in index])


def _fetch_iter(it: Any, batch_size: int | None, drop_last: bool, collate: Callable) -> Any:
    if batch_size is None:
        return collate(next(it))
    batch = list(itertools.islice(it, batch_size))
    if not batch or (drop_last and len(batch) < batch_size):
        raise StopIteration
    return collate(batch)


def _worker_loop(
    dataset: Any,
    iterable: bool,
    index_queue: Any,
    result_queue: Any,
    done: Any,
    auto_collation: bool,
    batch_size: int | None,
    drop_last: bool,
    collate: Callable | None,
    base_seed: int,
    init_fn: Callable | None,
    worker_id: int,
    num_workers: int,
    parent_pid: int,
) -> None:
    """The body of one worker process."""
    global _worker_info
    import nablagrad.multiprocessing  # noqa: F401 - tensors go back as shared memory

    from ... import random as nrandom

    seed = base_seed + worker_id
    random.seed(seed)
    nrandom.manual_seed(seed)
    np.random.seed(_numpy_seed(base_seed, worker_id))
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    where = f"in DataLoader worker process {worker_id}"
    init_error = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        it = iter(dataset) if iterable else None
    except Exception as e:
        init_error = _ExceptionWrapper(e, where)
    ended = False
    while True:
        try:
            task = index_queue.get(timeout=_STATUS_INTERVAL)
        except queue.Empty:
            if done.is_set() or os.getppid() != parent_pid:  # shut down, or the main is gone
                break
            continue
        if task is None or done.is_set():
            break
        if isinstance(task, _Resume):
            ended = False
            if iterable and init_error is None:
                try:
                    it = iter(dataset)
                except Exception as e:
                    init_error = _ExceptionWrapper(e, where)
            result_queue.put(bytes(ForkingPickler.dumps((None, ("resume", worker_id)))))
            continue
        if ended:
            continue
        idx, index = task
        if init_error is not None:
            data: Any = init_error
            init_error = None
        else:
            try:
                if iterable:
                    data = _fetch_iter(it, batch_size, drop_last, collate)
                else:
                    data = _fetch_map(dataset, index, auto_collation, collate)
            except StopIteration:
                if not iterable:
                    data = _ExceptionWrapper(RuntimeError("StopIteration from the data set"), where)
                else:
                    data = _IterationEnd(worker_id)
                    ended = True
            except Exception as e:
                data = _ExceptionWrapper(e, where)
        try:  # pickled here, not in the queue's feeder thread, so that a failure is reported
            payload = bytes(ForkingPickler.dumps((idx, data)))
        except Exception as e:  # the batch cannot be sent (e.g. a CUDA tensor, unpicklable)
            payload = bytes(ForkingPickler.dumps((idx, _ExceptionWrapper(e, where))))
        result_queue.put(payload)
        del data, payload
    result_queue.cancel_join_thread()
    result_queue.close()


class _MultiProcessingIter:
    """The iterator of a ``DataLoader`` with ``num_workers > 0`` (see the module docstring)."""

    def __init__(self, loader: Any) -> None:
        import nablagrad.multiprocessing as mp  # registers the shared-memory pickling

        from ...random import _gen

        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = mp.get_context()
        self._loader = weakref.ref(loader)  # no cycle: a dropped loader shuts its workers down
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._prefetch = loader.prefetch_factor * loader.num_workers
        self._in_order = loader.in_order
        self._shutdown = False
        self._base_seed = _gen(loader.generator).int64_seed()  # torch's random_() on int64
        self._result_queue = ctx.Queue()
        self._done = ctx.Event()  # set at shutdown: workers also stop if a None is lost
        self._index_queues: list[Any] = []
        self._workers: list[Any] = []
        iterable = loader._iterable
        auto = loader.batch_sampler is not None or (iterable and loader.batch_size is not None)
        for wid in range(self._num_workers):
            iq = ctx.Queue()
            iq.cancel_join_thread()
            w = ctx.Process(
                target=_worker_loop,
                args=(
                    loader.dataset,
                    iterable,
                    iq,
                    self._result_queue,
                    self._done,
                    auto,
                    loader.batch_size,
                    loader.drop_last,
                    loader.collate_fn,
                    self._base_seed,
                    loader.worker_init_fn,
                    wid,
                    self._num_workers,
                    os.getpid(),
                ),
                daemon=True,
            )
            w.start()
            self._index_queues.append(iq)
            self._workers.append(w)
        self._start_epoch(loader, first=True)

    # -- epochs --------------------------------------------------------------------------------
    def _index_source(self, loader: Any) -> Any:
        if loader._iterable:
            return itertools.repeat(None)
        if loader.batch_sampler is None:
            return iter(loader.sampler)
        bs = loader.batch_sampler
        from .sampler import BatchSampler

        return iter(bs.batches() if isinstance(bs, BatchSampler) else bs)

    def _start_epoch(self, loader: Any, first: bool) -> None:
        self._sampler_iter = self._index_source(loader)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info: dict[int, tuple] = {}
        self._outstanding = 0
        self._active = [True] * self._num_workers
        self._cycle = itertools.cycle(range(self._num_workers))
        if not first:  # persistent workers: restart each worker's data set iterator
            for q in self._index_queues:
                q.put(_Resume())
            acks = 0
            while acks < self._num_workers:
                idx, data = self._get_data()
                if idx is None:
                    acks += 1
        for _ in range(self._prefetch):
            self._try_put_index()

    def _reset(self, loader: Any) -> None:
        self._start_epoch(loader, first=False)

    def _try_put_index(self) -> None:
        if self._outstanding >= self._prefetch:
            return
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):
            wid = next(self._cycle)
            if self._active[wid]:
                break
        else:
            return  # every worker is done (an IterableDataset)
        self._index_queues[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = (wid,)
        self._outstanding += 1
        self._send_idx += 1

    # -- receiving ------------------------------------------------------------------------------
    def _get_data(self) -> tuple[Any, Any]:
        waited = 0.0
        while True:
            step = _STATUS_INTERVAL
            if self._timeout > 0:
                step = min(step, self._timeout - waited)
            try:
                return pickle.loads(self._result_queue.get(timeout=step))
            except queue.Empty:
                waited += step
            dead = [w for w in self._workers if not w.is_alive()]
            dead = [w for i, w in enumerate(self._workers) if w in dead and self._active[i]]
            if dead:
                pids = ", ".join(str(w.pid) for w in dead)
                self._shutdown_workers()
                raise RuntimeError(
                    f"DataLoader worker (pid(s) {pids}) exited unexpectedly (killed, or out of "
                    "memory); its batch is lost. Check the data set code, or use num_workers=0 "
                    "to load in the main process"
                )
            if self._timeout > 0 and waited >= self._timeout:
                self._shutdown_workers()
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")

    def __iter__(self) -> _MultiProcessingIter:
        return self

    def __len__(self) -> int:
        loader = self._loader()
        if loader is None:
            raise TypeError("len() of a DataLoader iterator whose DataLoader was deleted")
        return len(loader)

    def __next__(self) -> Any:
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._active[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process(info[1])
            if self._shutdown:
                raise RuntimeError("DataLoader iterator used after its workers were shut down")
            idx, data = self._get_data()
            if idx is None:  # a stray resume acknowledgement
                continue
            self._outstanding -= 1
            if isinstance(data, _IterationEnd):
                self._active[data.worker_id] = False
                self._task_info.pop(idx, None)
                self._try_put_index()
                continue
            if idx == self._rcvd_idx or not self._in_order:
                self._task_info.pop(idx, None)
                if idx == self._rcvd_idx:
                    self._rcvd_idx += 1
                return self._process(data)
            self._task_info[idx] += (data,)

    def _process(self, data: Any) -> Any:
        self._try_put_index()
        if isinstance(data, _ExceptionWrapper):
            data.reraise()
        return data

    # -- shutdown -------------------------------------------------------------------------------
    def _shutdown_workers(self) -> None:
        if self._shutdown:
            return
        self._shutdown = True
        if sys is None or os is None:  # interpreter teardown: daemonic workers are reaped
            return
        self._done.set()
        for q in self._index_queues:
            try:
                q.put(None)
            except Exception:
                pass
        for w in self._workers:
            w.join(timeout=_STATUS_INTERVAL * 5)
            if w.is_alive():
                w.terminate()
                w.join()
        self._result_queue.cancel_join_thread()
        self._result_queue.close()
        for q in self._index_queues:
            q.close()

    def __del__(self) -> None:
        try:
            self._shutdown_workers()
        except Exception:
            pass
