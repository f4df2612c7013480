"""``nablagrad.nn.parallel``: ``DistributedDataParallel`` (data parallelism over MPI ranks) and
``DataParallel`` (torch's single-process wrapper)."""

from __future__ import annotations

from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
