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
from ..._mt19937 import MTStream, fisher_yates, fisher_yates_numpy
from ...backend import np
from .sampler import Sampler

__all__ = ["DistributedSampler", "fisher_yates", "fisher_yates_numpy", "torch_randperm"]


def torch_randperm(n: int, seed: int) -> np.ndarray:
    """``torch.randperm(n, generator=torch.Generator().manual_seed(seed))`` on the CPU.

    Example:
        >>> torch_randperm(5, 0).tolist()
        [4, 0, 1, 3, 2]
    """
    return MTStream(seed).randperm(n)


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

    def _index_chunks(self) -> Iterator[np.ndarray]:
        return iter([self._index_array()])

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples
