"""``DistributedSampler``: each rank's share of a data set, as ``torch.utils.data``'s.

For a data set of n items, ``num_replicas`` = p ranks and epoch e: the order is
``randperm(n)`` from a generator seeded with ``seed + e`` (or 0..n-1 without shuffling),
padded by repeating its head up to p * ceil(n / p) items (or cut to p * floor(n / p) with
``drop_last``), and rank r takes the items at positions r, r + p, r + 2p, ...  The
permutation is torch's CPU ``randperm`` (the Mersenne Twister seeded as
``torch.Generator().manual_seed(seed + e)``, then its swap loop), so the indices equal
torch's ``DistributedSampler`` with the same arguments, item for item.

Call ``set_epoch(e)`` at the start of every epoch (``fit`` does) or every epoch repeats the
same order.

Example:
    >>> from nablagrad.utils.data import DistributedSampler
    >>> list(DistributedSampler(range(10), num_replicas=3, rank=1, shuffle=False))
    [1, 4, 7, 0]
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ... import distributed as dist
from ...backend import LazyKernel, jit_available, np
from .sampler import Sampler

__all__ = ["DistributedSampler", "torch_randperm"]

_RANDOM64_FROM = 2**32 // 20  # torch switches to 64-bit draws from here on


def torch_randperm(n: int, seed: int) -> np.ndarray:
    """``torch.randperm(n, generator=torch.Generator().manual_seed(seed))`` on the CPU."""
    if n >= _RANDOM64_FROM:
        raise ValueError(
            f"DistributedSampler: shuffling {n} items the way torch does is not supported above "
            f"{_RANDOM64_FROM - 1} items: pass shuffle=False and shuffle the data set yourself"
        )
    state = np.random.RandomState(int(seed) & 0xFFFFFFFF)
    raw = state._bit_generator.random_raw(max(n - 1, 0))
    # step i swaps positions i and z_i = i + raw_i mod (n - i)
    picks = (raw % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64)
    picks += np.arange(len(picks), dtype=np.int64)
    return fisher_yates(picks, n)


def _swap_loop(z: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
    for i in range(len(z)):
        k = z[i]
        out[i], out[k] = out[k], out[i]


_swap_kernel = LazyKernel(_swap_loop)


def fisher_yates(z: np.ndarray, n: int) -> np.ndarray:
    """The permutation of 0..n-1 left by the swaps ``a[i] <-> a[z[i]]`` for i = 0, 1, ...
    (``z[i] >= i``): the swap loop compiled by Numba when it is there (``torch_randperm`` of
    60,000 items: 0.4 ms with it, 4.6 ms with the fallback), else :func:`fisher_yates_numpy`.

    Example:
        >>> import numpy as np
        >>> fisher_yates(np.array([2, 1]), 3).tolist()  # swap(0, 2), swap(1, 1)
        [2, 1, 0]
    """
    if not jit_available():
        return fisher_yates_numpy(z, n)
    out = np.arange(n, dtype=np.int64)
    _swap_kernel(np.ascontiguousarray(z, dtype=np.int64), out)
    return out


def fisher_yates_numpy(z: np.ndarray, n: int) -> np.ndarray:
    """:func:`fisher_yates` without a Python loop over the swaps (~4x faster than one for
    60,000 items, ~40x slower than the compiled loop).

    Position i is final after step i, and holds the value found at position ``z[i]`` then:
    the one that the previous step with the same partner moved there, or ``z[i]`` itself if
    no earlier step touched it.  The value a step moves is ``w(i)``, what position i holds
    just before step i: position i last changed at the latest step k < i with ``z[k] == i``
    (then ``w(i) = w(k)``), or never (``w(i) = i``); those links form trees, resolved by
    pointer jumping (log-depth many gathers).

    Example:
        >>> import numpy as np
        >>> fisher_yates_numpy(np.array([2, 1]), 3).tolist()  # swap(0, 2), swap(1, 1)
        [2, 1, 0]
    """
    m = len(z)
    out = np.arange(n, dtype=np.int64)
    if m == 0:
        return out
    steps = np.arange(m, dtype=np.int64)
    order = np.argsort(z * m + steps)  # by partner, and by step among equal partners
    zs = z[order]
    same = zs[1:] == zs[:-1]
    prev = np.full(m, -1, dtype=np.int64)  # the previous step with the same partner
    prev[order[1:][same]] = order[:-1][same]
    ends = np.flatnonzero(~same)
    last = np.append(order[ends], order[-1])  # the latest step with each partner value
    vals = np.append(zs[ends], zs[-1])
    last = np.where(last == vals, prev[last], last)  # steps before the value's own step
    link = out.copy()
    has = last >= 0
    link[vals[has]] = last[has]
    while True:
        nxt = link[link]
        if np.array_equal(nxt, link):
            break
        link = nxt
    out[:m] = np.where(prev >= 0, link[np.maximum(prev, 0)], z)
    out[m:] = link[m:]
    return out


class DistributedSampler(Sampler):
    """Rank ``rank``'s indices of ``dataset`` out of ``num_replicas`` ranks (defaults: the
    initialised process group's rank and world size)."""

    def __init__(
        self,
        dataset: Any,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if num_replicas is None or rank is None:
            if not dist.is_initialized():
                raise RuntimeError(
                    "DistributedSampler: pass num_replicas and rank, or call "
                    "distributed.init_process_group() first"
                )
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"num_replicas must be a positive integer, got {num_replicas!r}")
        if not isinstance(rank, int) or not 0 <= rank < num_replicas:
            raise ValueError(
                f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]"
            )
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last = shuffle, int(seed), drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Use the order of ``epoch`` (seed + epoch) on the next pass."""
        self.epoch = int(epoch)

    def _index_array(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            order = torch_randperm(n, self.seed + self.epoch)
        else:
            order = np.arange(n, dtype=np.int64)
        if not self.drop_last:
            pad = self.total_size - n
            if pad > 0:
                reps = math.ceil(pad / max(n, 1))
                order = np.concatenate([order] + [order] * reps)[: self.total_size]
        else:
            order = order[: self.total_size]
        return order[self.rank : self.total_size : self.num_replicas]

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples
