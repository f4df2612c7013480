"""``nablagrad.distributed``: torch.distributed's process group and collectives over MPI.

Start N copies of a script with ``mpiexec -n N python script.py`` (or ``nablagrad train
--nproc N``); each calls ``init_process_group("mpi")`` and then uses ``get_rank()``,
``get_world_size()`` and the collectives (``all_reduce``, ``broadcast``, ``all_gather``,
``reduce_scatter``, ``gather``, ``scatter``, ``barrier``; ``async_op=True`` returns a ``Work``
handle).  ``nn.parallel.DistributedDataParallel`` builds data-parallel training on top.
MPI comes from pip: ``pip install "nablagrad[mpi]"`` (mpi4py and the mpich wheel).

Example (``mpiexec -n 2 python -c "..."``; not a doctest: it needs MPI ranks)::

    import nablagrad as torch, nablagrad.distributed as dist
    dist.init_process_group("mpi")
    x = torch.ones(3) * dist.get_rank()
    dist.all_reduce(x, op=dist.ReduceOp.MAX)   # x == [1., 1., 1.] on both ranks
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from . import functional
from .process_group import (
    DistributedError,
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_gather_object,
    all_reduce,
    barrier,
    broadcast,
    broadcast_object_list,
    destroy_process_group,
    gather,
    gather_object,
    get_backend,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
    is_nccl_available,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
)

__all__ = [
    "DistributedError",
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "broadcast_object_list",
    "destroy_process_group",
    "functional",
    "gather",
    "gather_object",
    "get_backend",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "reduce",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "scatter",
    "active",
    "local_only",
]


_local_depth = 0


def active() -> bool:
    """True when a process group with more than one rank is initialised and we are not inside
    ``local_only()``: ``fit``, ``SyncBatchNorm`` and the searches then split their work
    across the ranks."""
    return _local_depth == 0 and is_initialized() and get_world_size() > 1


@contextlib.contextmanager
def local_only() -> Iterator[None]:
    """Code inside runs as if on one process (``active()`` is False): the searches use it so
    that a trial's ``fit`` trains on its own rank while other ranks run other trials."""
    global _local_depth
    _local_depth += 1
    try:
        yield
    finally:
        _local_depth -= 1
