"""``nablagrad.nn.parallel``: ``DistributedDataParallel`` (data parallelism over MPI ranks)."""

from __future__ import annotations

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
