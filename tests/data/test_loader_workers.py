"""DataLoader(num_workers>0): worker processes, against torch.utils.data multi-process loading."""

import os
import random
import signal
import time

import numpy as np
import pytest
import torch

import nablagrad as ng
from nablagrad.utils.data import (
    DataLoader,
    Dataset,
    IterableDataset,
    TensorDataset,
    get_worker_info,
)


def _slow_dataset(base):
    class Slow(base):
        """Odd samples are slow, so workers finish out of order."""

        def __len__(self):
            return 11

        def __getitem__(self, i):
            time.sleep(0.03 if i % 4 < 2 else 0.0)
            return i

    return Slow()


def _tolist(batches):
    return [b.tolist() for b in batches]


def test_batch_order_is_sampler_order_as_torch():
    sampler = [7, 3, 9, 0, 1, 10, 4, 2, 8, 6, 5]
    kw = dict(batch_size=2, sampler=sampler, num_workers=3)
    got = _tolist(DataLoader(_slow_dataset(Dataset), **kw))
    want = _tolist(torch.utils.data.DataLoader(_slow_dataset(torch.utils.data.Dataset), **kw))
    assert got == want == [sampler[i : i + 2] for i in range(0, 11, 2)]
    # array-backed data set: the workers' batches come back as shared memory
    x = np.arange(24, dtype=np.float32).reshape(12, 2)
    loader = DataLoader(TensorDataset(ng.tensor(x)), batch_size=5, num_workers=2)
    batches = [b for (b,) in loader]
    np.testing.assert_array_equal(np.concatenate([b.numpy() for b in batches]), x)
    assert all(b.is_shared() for b in batches)
    assert get_worker_info() is None


class _Info(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        w = get_worker_info()
        return (w.id, w.num_workers, w.seed, w.dataset is self, os.getpid())


def test_worker_info_and_init_fn():
    ng.manual_seed(3)
    calls = ng.zeros(4).share_memory_()

    def init(worker_id):
        assert get_worker_info().id == worker_id
        calls[worker_id] += 1

    loader = DataLoader(_Info(), batch_size=None, num_workers=3, worker_init_fn=init)
    rows = list(loader)
    assert calls.tolist() == [1.0, 1.0, 1.0, 0.0]
    ids = [r[0] for r in rows]
    assert ids == [0, 1, 2, 0, 1, 2]  # round-robin, as torch
    assert {r[1] for r in rows} == {3}
    base = rows[0][2]
    assert all(r[2] == base + r[0] for r in rows)  # seed = base_seed + worker id
    assert all(r[3] for r in rows)  # the worker's own copy of the data set
    assert len({r[4] for r in rows}) == 3 and os.getpid() not in {r[4] for r in rows}
    with pytest.raises(RuntimeError, match="Cannot assign"):
        get_worker_info.__globals__["WorkerInfo"](id=0).id = 1


class _Range(IterableDataset):
    def __init__(self, n, shard):
        self.n, self.shard = n, shard

    def __iter__(self):
        w = get_worker_info()
        if self.shard and w is not None:
            return iter(range(w.id, self.n, w.num_workers))
        return iter(range(self.n))


class _TRange(torch.utils.data.IterableDataset):
    def __init__(self, n, shard):
        self.n, self.shard = n, shard

    def __iter__(self):
        w = torch.utils.data.get_worker_info()
        if self.shard and w is not None:
            return iter(range(w.id, self.n, w.num_workers))
        return iter(range(self.n))


@pytest.mark.parametrize("shard", [False, True])
def test_iterable_dataset_copies_and_sharding_as_torch(shard):
    kw = dict(batch_size=2, num_workers=2, persistent_workers=shard)
    loader = DataLoader(_Range(7, shard), **kw)
    t_loader = torch.utils.data.DataLoader(_TRange(7, shard), **kw)
    for _ in range(2):  # persistent workers restart their iterators each epoch
        assert _tolist(loader) == _tolist(t_loader)
    # in_order=False: every batch once, in the order workers finish them
    got = _tolist(DataLoader(_slow_dataset(Dataset), batch_size=2, num_workers=2, in_order=False))
    assert sorted(got) == [[i, i + 1] for i in range(0, 10, 2)] + [[10]]


class _Bad(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise KeyError(f"no sample {i}")
        return i


def test_worker_exception_is_reraised_with_worker_traceback():
    with pytest.raises(KeyError) as info:
        list(DataLoader(_Bad(), batch_size=2, num_workers=2))
    msg = str(info.value)
    assert "Caught KeyError in DataLoader worker process 0" in msg
    assert "no sample 5" in msg and "Traceback" in msg and "__getitem__" in msg
    # a batch that cannot be sent back is an error in the main process, not a hang
    with pytest.raises(Exception, match="pickle"):
        list(DataLoader([lambda: 0] * 2, batch_size=None, num_workers=1))


class _Sleepy(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(5 if i == 2 else 0)
        return i


def test_timeout_and_killed_worker_raise():
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.3 seconds"):
        list(DataLoader(_Sleepy(), batch_size=None, num_workers=2, timeout=0.3))
    it = iter(DataLoader(_Sleepy(), batch_size=None, num_workers=2))
    assert next(it) == 0 and next(it) == 1
    os.kill(it._workers[0].pid, signal.SIGKILL)  # the worker loading sample 2
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited"):
        next(it)
    assert not any(w.is_alive() for w in it._workers)


def test_persistent_workers_and_early_break():
    x = ng.arange(12.0)
    loader = DataLoader(TensorDataset(x), batch_size=4, num_workers=2, persistent_workers=True)
    first = [b.tolist() for (b,) in loader]
    workers = list(loader._iterator._workers)
    for _ in range(2):
        assert [b.tolist() for (b,) in loader] == first
        assert loader._iterator._workers == workers and all(w.is_alive() for w in workers)
    for (_b,) in loader:  # break mid-epoch, then a full epoch from the same workers
        break
    assert [b.tolist() for (b,) in loader] == first
    del loader
    # a non-persistent iterator abandoned mid-epoch leaves no live worker behind
    it = iter(DataLoader(TensorDataset(x), batch_size=2, num_workers=2))
    next(it)
    procs = list(it._workers)
    del it
    assert not any(p.is_alive() for p in procs)


class _Noisy(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return (ng.rand(1).item(), random.random(), np.random.rand())


def test_random_transforms_in_workers_are_seeded_per_worker():
    def epoch():
        ng.manual_seed(0)
        return [tuple(r) for r in DataLoader(_Noisy(), batch_size=None, num_workers=2)]

    a, b = epoch(), epoch()
    assert a == b
    assert a[0] != a[1]  # worker 0 and worker 1 draw different numbers
    ng.manual_seed(0)
    loader = DataLoader(_Noisy(), batch_size=None, num_workers=2)
    assert list(map(tuple, loader)) == a and list(map(tuple, loader)) != a  # new seed per epoch


def test_argument_errors_as_torch():
    ds = TensorDataset(ng.arange(4.0))
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader(ds, prefetch_factor=2)
    with pytest.raises(ValueError, match="persistent_workers option needs num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="timeout option should be non-negative"):
        DataLoader(ds, num_workers=1, timeout=-1)
    with pytest.raises(ValueError, match="valid start method"):
        DataLoader(ds, num_workers=1, multiprocessing_context="nope")
    loader = DataLoader(ds, batch_size=2, num_workers=1, multiprocessing_context="spawn")
    assert [b.tolist() for (b,) in loader] == [[0.0, 1.0], [2.0, 3.0]]
