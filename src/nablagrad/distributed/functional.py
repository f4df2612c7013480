"""Differentiable collectives (torch.distributed.nn.functional): gradients flow across ranks.

``all_reduce(x)`` returns the SUM over ranks; its backward all-reduces the incoming gradient,
since d(sum_r x_r)/dx_s = 1 on every rank s for the loss sum over ranks.  ``all_gather(x)``
returns the ranks' tensors (``all_gather_stacked``: stacked
(world_size, ...)); its backward hands rank s the sum over
ranks of the gradient's slice s.  ``nn.SyncBatchNorm`` builds its global statistics on them.

Example (2 ranks; not a doctest: it needs MPI ranks)::

    s = functional.all_reduce(x)          # x requires grad; s = x_0 + x_1 on both ranks
    s.sum().backward()                    # x.grad == 2 (one per rank's loss)
"""

from __future__ import annotations

from typing import Any

from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from . import process_group as pg


def _allreduce_array(arr: Any) -> Any:
    out = Tensor._wrap(get_array_module(arr).array(arr, copy=True))
    pg.all_reduce(out)
    return out._data


class _AllReduce(Function):
    def forward(self, x):
        return _allreduce_array(x)

    def backward(self, g, out, x):
        return (self.m.call(_AllReduce, g),)


class _AllGather(Function):
    def forward(self, x):
        size = pg.get_world_size()
        xp = get_array_module(x)
        outs = [Tensor._wrap(xp.empty_like(x)) for _ in range(size)]
        src = Tensor._wrap(xp.ascontiguousarray(x))
        pg.all_gather(outs, src)
        return xp.stack([o._data for o in outs])

    def backward(self, g, out, x):
        return (self.m.call(_AllReduce, g)[pg.get_rank()],)


def all_reduce(tensor: Tensor, op: Any = None, group: Any = None) -> Tensor:
    """The SUM over ranks of ``tensor`` (a new tensor); differentiable."""
    if op is not None and op is not pg.ReduceOp.SUM:
        raise ValueError("functional.all_reduce: only ReduceOp.SUM is differentiable here")
    pg._check_group(group)
    return _AllReduce.apply(tensor)


def all_gather(tensor: Tensor, group: Any = None) -> tuple[Tensor, ...]:
    """Every rank's ``tensor``, one per rank, as torch's; differentiable."""
    return tuple(all_gather_stacked(tensor, group).unbind(0))


def all_gather_stacked(tensor: Tensor, group: Any = None) -> Tensor:
    """Every rank's ``tensor`` stacked along a new dim 0 (world_size, ...); differentiable."""
    pg._check_group(group)
    return _AllGather.apply(tensor)
