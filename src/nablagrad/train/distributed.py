"""What ``fit`` does differently when a process group with several ranks is initialised.

- Data: the training loader gets a ``DistributedSampler`` (shuffled with the loader's seed,
  ``set_epoch`` every epoch); ``batch_size`` stays per rank, as with torch's DataLoader, so the
  global batch is world_size x batch_size.  Validation data is split r, r + p, r + 2p, ...
  without padding, so every sample counts once.
- Model: wrapped in ``DistributedDataParallel`` for the run (gradients averaged over ranks);
  checkpoints hold the plain model's ``state_dict``, loadable by a one-process run.
- Logs: the loss is summed and counted over ranks; metrics are computed on the outputs of all
  ranks, gathered, so they equal the one-process value on the same samples.
- Files: callbacks marked ``rank_zero_only`` (progress bar, ModelCheckpoint, CSVLogger) run on
  rank 0 only; the random states of every rank are saved, so resuming on the same number of
  ranks continues bit-identically.
"""

from __future__ import annotations

from typing import Any

from .. import distributed as dist
from ..backend import np
from ..tensor import Tensor
from ..utils.data import DataLoader, DistributedSampler, RandomSampler, Subset


def world() -> tuple[int, int]:
    """(rank, world size) of the initialised process group, or (0, 1)."""
    if dist.active():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _seed(loader: DataLoader, generator: Any) -> int:
    for g in (generator, getattr(loader, "generator", None),
              getattr(loader.sampler, "generator", None)):  # fmt: skip
        if g is not None and hasattr(g, "initial_seed"):
            return int(g.initial_seed()) % (2**32)
    return 0


def shard_train(loader: DataLoader, generator: Any) -> DataLoader:
    """``loader`` with a ``DistributedSampler`` in place of its sampler."""
    if isinstance(loader.sampler, DistributedSampler):
        return loader
    if loader.batch_size is None:
        raise ValueError(
            "fit on several ranks needs a DataLoader with batch_size (it swaps the sampler for a "
            "DistributedSampler); give it a DistributedSampler yourself to use a batch_sampler"
        )
    shuffle = isinstance(loader.sampler, RandomSampler)
    sampler = DistributedSampler(loader.dataset, shuffle=shuffle, seed=_seed(loader, generator))
    return DataLoader(loader.dataset, batch_size=loader.batch_size, sampler=sampler,
                      collate_fn=loader.collate_fn, drop_last=loader.drop_last)  # fmt: skip


def shard_eval(loader: DataLoader | None) -> DataLoader | None:
    """Rank r's samples r, r + p, ... of ``loader``'s data set (no padding, no shuffling)."""
    if loader is None:
        return None
    rank, size = world()
    part = Subset(loader.dataset, np.arange(rank, len(loader.dataset), size).tolist())
    return DataLoader(part, batch_size=loader.batch_size or 256, collate_fn=loader.collate_fn)


def sum_over_ranks(*values: float) -> list[float]:
    """Element-wise sums of a few floats over the ranks (float64, one allreduce)."""
    t = Tensor._wrap(np.array(values, dtype=np.float64))
    dist.all_reduce(t)
    return t._data.tolist()


def gather_arrays(outs: list, ys: list) -> tuple[Any, Any]:
    """Every rank's concatenated outputs and targets, concatenated in rank order."""
    mine = (np.concatenate(outs) if outs else None, np.concatenate(ys) if ys else None)
    everyone: list = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, mine)
    o = [e[0] for e in everyone if e[0] is not None]
    t = [e[1] for e in everyone if e[1] is not None]
    return (np.concatenate(o) if o else None, np.concatenate(t) if t else None)


def all_rng_states(states: list) -> list:
    """Every rank's list of generator states, in rank order."""
    everyone: list = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, states)
    return everyone
