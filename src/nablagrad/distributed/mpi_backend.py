"""The MPI backend: collectives through mpi4py's non-blocking calls (Iallreduce, Ibcast ...).

Contiguous NumPy arrays are handed to MPI as they are (mpi4py's buffer protocol, no copy);
others (strided, CuPy) go through a contiguous host buffer that is written back when the
operation completes.  ``bool`` tensors travel as bytes (SUM and MAX are a logical or,
PRODUCT and MIN a logical and); AVG is a SUM followed by a division on each rank.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend import get_array_module, np, to_host
from ..tensor import Tensor
from ._common import (
    DistributedError,
    ReduceOp,
    Work,
    host_view,
    require_mpi,
    spin_wait,
)


class MPIBackend:
    """One communicator (a duplicate of ``MPI.COMM_WORLD``) and its collectives."""

    name = "mpi"

    def __init__(self, timeout: float | None) -> None:
        MPI = require_mpi()
        self.MPI = MPI
        self.comm = MPI.COMM_WORLD.Dup()
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        self.timeout = timeout
        self._ops = {
            ReduceOp.SUM: MPI.SUM,
            ReduceOp.AVG: MPI.SUM,
            ReduceOp.PRODUCT: MPI.PROD,
            ReduceOp.MAX: MPI.MAX,
            ReduceOp.MIN: MPI.MIN,
        }
        self._bool_ops = {
            ReduceOp.SUM: MPI.MAX,
            ReduceOp.PRODUCT: MPI.MIN,
            ReduceOp.MAX: MPI.MAX,
            ReduceOp.MIN: MPI.MIN,
        }
        self._abandoned: list = []
        # The ranks on this machine (DDP's shared-memory buckets need all of them on one)
        self.node_comm = self.comm.Split_type(MPI.COMM_TYPE_SHARED)
        self.single_node = self.node_comm.Get_size() == self.size
        self.reducers: list = []  # live SharedReducers, freed by close()

    # -- plumbing ---------------------------------------------------------------------------------

    def close(self) -> None:
        for reducer in list(self.reducers):
            reducer.free()
        if self.node_comm is not None:
            self.node_comm.Free()
            self.node_comm = None
        if self.comm is not None:
            self.comm.Free()
            self.comm = None

    def abort(self, code: int = 1) -> None:
        self.MPI.COMM_WORLD.Abort(code)

    def test(self, reqs: list) -> bool:
        return bool(self.MPI.Request.Testall(reqs)) if reqs else True

    def wait(self, reqs: list, seconds: float | None, what: str) -> None:
        if not reqs:
            return
        try:
            spin_wait(lambda: self.MPI.Request.Testall(reqs), seconds, what, self.size)
        except DistributedError:
            self._abandoned.append(reqs)  # MPI may still write into the buffers: keep them
            raise

    def _op(self, op: ReduceOp, arr: Any) -> Any:
        return (self._bool_ops if arr.dtype == np.bool_ else self._ops)[op]

    @staticmethod
    def _raw(arr: Any) -> Any:
        return arr.view(np.uint8) if arr.dtype == np.bool_ else arr

    def _post(self, block: bool, start: Callable[[], Any], run: Callable[[], Any]) -> list:
        """Start a collective: the non-blocking form (a request to wait on), or, for a
        blocking call whose arguments every rank has already confirmed, the blocking MPI call
        itself (MPI's blocking algorithms are a little faster for mid-sized buffers)."""
        if block:
            run()
            return []
        return [start()]

    def _work(self, reqs: list, what: str, finish: list[Callable | None],
              outputs: list[Tensor]) -> Work:  # fmt: skip
        steps = [f for f in finish if f is not None]

        def done() -> None:
            for f in steps:
                f()

        return Work(self, reqs, done if steps else None, what, outputs)

    def _avg(self, t: Tensor, buf: Any, op: ReduceOp) -> Callable | None:
        if op is not ReduceOp.AVG:
            return None

        def divide() -> None:
            np.divide(buf, self.size, out=buf)

        return divide

    def allgather_sig(self, sig: np.ndarray, what: str) -> np.ndarray:
        out = np.empty((self.size, sig.size), dtype=sig.dtype)
        req = self.comm.Iallgather(sig, out)
        if not req.Test():
            self.wait([req], self.timeout, what)
        return out

    # -- collectives on tensors -------------------------------------------------------------

    def all_reduce(self, t: Tensor, op: ReduceOp, block: bool = False) -> Work:
        buf, back = host_view(t)
        mop = self._op(op, buf)
        if block and back is None and op is not ReduceOp.AVG:  # the common case, kept short
            self.comm.Allreduce(self.MPI.IN_PLACE, self._raw(buf), op=mop)
            return _completed(t)
        args = (self.MPI.IN_PLACE, self._raw(buf))
        reqs = self._post(block, lambda: self.comm.Iallreduce(*args, op=mop),
                          lambda: self.comm.Allreduce(*args, op=mop))  # fmt: skip
        return self._work(reqs, "all_reduce", [self._avg(t, buf, op), back], [t])

    def iallreduce_array(self, arr: Any) -> Any:
        """SUM of a contiguous host array in place, no checks (DDP's buckets)."""
        return self.comm.Iallreduce(self.MPI.IN_PLACE, arr, op=self.MPI.SUM)

    def shared_reducer(self, n: int, dtype: Any) -> Any:
        """A ``SharedReducer`` of ``n`` elements (collective), or None when the ranks are not
        all on one machine."""
        if not self.single_node or self.size < 2:
            return None
        from .shm import SharedReducer

        return SharedReducer(self, n, dtype)

    def allreduce_max_host(self, arr: Any) -> Any:
        """Blocking elementwise MAX of a small host array (DDP's used-parameter map)."""
        req = self.comm.Iallreduce(self.MPI.IN_PLACE, arr, op=self.MPI.MAX)
        self.wait([req], self.timeout, "allreduce")
        return arr

    def reduce(self, t: Tensor, op: ReduceOp, dst: int, block: bool = False) -> Work:
        buf, back = host_view(t)
        raw, mop = self._raw(buf), self._op(op, buf)
        if self.rank == dst:
            args = (self.MPI.IN_PLACE, raw)
            finish = [self._avg(t, buf, op), back]
        else:
            args = (raw, None)
            finish = []
        reqs = self._post(block, lambda: self.comm.Ireduce(*args, op=mop, root=dst),
                          lambda: self.comm.Reduce(*args, op=mop, root=dst))  # fmt: skip
        return self._work(reqs, "reduce", finish, [t])

    def broadcast(self, t: Tensor, src: int, block: bool = False) -> Work:
        buf, back = host_view(t)
        raw = self._raw(buf)
        reqs = self._post(block, lambda: self.comm.Ibcast(raw, root=src),
                          lambda: self.comm.Bcast(raw, root=src))  # fmt: skip
        return self._work(reqs, "broadcast", [back if self.rank != src else None], [t])

    def all_gather(self, outs: list[Tensor], t: Tensor, block: bool = False) -> Work:
        send, _ = host_view(t)
        recv = np.empty((self.size,) + send.shape, dtype=send.dtype)
        args = (self._raw(send), self._raw(recv))
        reqs = self._post(block, lambda: self.comm.Iallgather(*args),
                          lambda: self.comm.Allgather(*args))  # fmt: skip

        def spread() -> None:
            for r, o in enumerate(outs):
                _write(o, recv[r])

        return self._work(reqs, "all_gather", [spread], outs)

    def all_gather_flat(self, out: Tensor, t: Tensor, block: bool = False) -> Work:
        send, _ = host_view(t)
        recv, back = host_view(out)
        args = (self._raw(send), self._raw(recv))
        reqs = self._post(block, lambda: self.comm.Iallgather(*args),
                          lambda: self.comm.Allgather(*args))  # fmt: skip
        return self._work(reqs, "all_gather", [back], [out])

    def reduce_scatter_flat(self, out: Tensor, src: Tensor, op: ReduceOp,
                            block: bool = False) -> Work:  # fmt: skip
        send, _ = host_view(src)
        recv, back = host_view(out)
        args, mop = (self._raw(send), self._raw(recv)), self._op(op, send)
        reqs = self._post(block, lambda: self.comm.Ireduce_scatter_block(*args, op=mop),
                          lambda: self.comm.Reduce_scatter_block(*args, op=mop))  # fmt: skip
        return self._work(reqs, "reduce_scatter", [self._avg(out, recv, op), back], [out])

    def gather(self, t: Tensor, outs: list[Tensor] | None, dst: int, block: bool = False) -> Work:
        send, _ = host_view(t)
        if self.rank != dst:
            raw = self._raw(send)
            reqs = self._post(block, lambda: self.comm.Igather(raw, None, root=dst),
                              lambda: self.comm.Gather(raw, None, root=dst))  # fmt: skip
            return self._work(reqs, "gather", [], [])
        recv = np.empty((self.size,) + send.shape, dtype=send.dtype)
        args = (self._raw(send), self._raw(recv))
        reqs = self._post(block, lambda: self.comm.Igather(*args, root=dst),
                          lambda: self.comm.Gather(*args, root=dst))  # fmt: skip

        def spread() -> None:
            for r, o in enumerate(outs):
                _write(o, recv[r])

        return self._work(reqs, "gather", [spread], outs)

    def scatter(self, t: Tensor, ins: list[Tensor] | None, src: int, block: bool = False) -> Work:
        recv, back = host_view(t)
        send = None
        if self.rank == src:
            send = np.ascontiguousarray(
                np.stack([np.asarray(_host(x._data)) for x in ins]).reshape(
                    (self.size,) + recv.shape
                )
            )
        args = (None if send is None else self._raw(send), self._raw(recv))
        reqs = self._post(block, lambda: self.comm.Iscatter(*args, root=src),
                          lambda: self.comm.Scatter(*args, root=src))  # fmt: skip
        return self._work(reqs, "scatter", [back], [t])

    def barrier(self) -> Work:
        return self._work([self.comm.Ibarrier()], "barrier", [], [])

    # -- Python objects ---------------------------------------------------------------------

    def allgather_object(self, obj: Any) -> list:
        self.barrier().wait()
        return self.comm.allgather(obj)

    def bcast_object(self, obj: Any, src: int) -> Any:
        self.barrier().wait()
        return self.comm.bcast(obj, root=src)

    def gather_object(self, obj: Any, dst: int) -> Any:
        self.barrier().wait()
        return self.comm.gather(obj, root=dst)


def _completed(t: Tensor) -> Work:
    """A handle for a collective that has already finished."""
    work = Work(None, [], None, "", [t])
    work._done = True
    return work


def _host(arr: Any) -> Any:
    return to_host(arr)


def _write(t: Tensor, src: Any) -> None:
    xp = get_array_module(t._data)
    t._data[...] = src if xp is np else xp.asarray(src)
