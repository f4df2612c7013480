"""The NCCL backend: collectives on CuPy (``device="cuda"``) tensors through ``cupy.cuda.nccl``.

One GPU per rank: rank r uses the GPU numbered by its index among the ranks on its machine.
The ranks start under ``mpiexec`` as for the MPI backend; MPI carries NCCL's unique id from
rank 0 to the others, the argument checks and the pickled-object collectives.  Each NCCL call
is queued on the current CuPy stream; a ``Work`` handle waits on a CUDA event recorded after
it.  NCCL has no gather/scatter primitive: they are grouped point-to-point send/recv calls.

This backend has not been run (no GPU was available to the project); the MPI backend is the
tested one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend import np
from ..tensor import Tensor
from ._common import ReduceOp, Work, spin_wait
from .mpi_backend import MPIBackend


class NCCLBackend:
    name = "nccl"

    def __init__(self, timeout: float | None) -> None:
        try:
            import cupy
            from cupy.cuda import nccl
        except Exception as e:  # noqa: BLE001
            raise ImportError(
                "backend='nccl' needs CuPy with NCCL (pip install cupy-cuda12x) and NVIDIA GPUs; "
                "use backend='mpi' for CPU tensors"
            ) from e
        self.cp, self.nccl = cupy, nccl
        self.host = MPIBackend(timeout)  # bootstrap, checks and objects
        self.rank, self.size, self.timeout = self.host.rank, self.host.size, self.host.timeout
        MPI = self.host.MPI
        local = self.host.comm.Split_type(MPI.COMM_TYPE_SHARED)
        self.local_rank = local.Get_rank()
        local.Free()
        ndev = cupy.cuda.runtime.getDeviceCount()
        if self.local_rank >= ndev:
            raise RuntimeError(
                f"backend='nccl': rank {self.rank} is local rank {self.local_rank} but this "
                f"machine has {ndev} GPU(s): start at most {ndev} ranks per machine"
            )
        cupy.cuda.Device(self.local_rank).use()
        uid = nccl.get_unique_id() if self.rank == 0 else None
        uid = self.host.comm.bcast(uid, root=0)
        self.comm = nccl.NcclCommunicator(self.size, uid, self.rank)
        self._dtypes = {
            np.dtype(np.float32): nccl.NCCL_FLOAT32,
            np.dtype(np.float64): nccl.NCCL_FLOAT64,
            np.dtype(np.float16): nccl.NCCL_FLOAT16,
            np.dtype(np.int32): nccl.NCCL_INT32,
            np.dtype(np.int64): nccl.NCCL_INT64,
            np.dtype(np.int8): nccl.NCCL_INT8,
            np.dtype(np.uint8): nccl.NCCL_UINT8,
            np.dtype(np.bool_): nccl.NCCL_UINT8,
            np.dtype(np.uint32): nccl.NCCL_UINT32,
            np.dtype(np.uint64): nccl.NCCL_UINT64,
        }
        self._ops = {
            ReduceOp.SUM: nccl.NCCL_SUM,
            ReduceOp.AVG: nccl.NCCL_SUM,
            ReduceOp.PRODUCT: nccl.NCCL_PROD,
            ReduceOp.MAX: nccl.NCCL_MAX,
            ReduceOp.MIN: nccl.NCCL_MIN,
        }

    # -- plumbing ---------------------------------------------------------------------------------

    def close(self) -> None:
        if self.comm is not None:
            self.comm.destroy()
            self.comm = None
        self.host.close()

    def abort(self, code: int = 1) -> None:
        self.host.abort(code)

    def test(self, events: list) -> bool:
        return all(e.done for e in events)

    def wait(self, events: list, seconds: float | None, what: str) -> None:
        spin_wait(lambda: self.test(events), seconds, what, self.size)

    def allgather_sig(self, sig: np.ndarray, what: str) -> np.ndarray:
        return self.host.allgather_sig(sig, what)

    def _arr(self, t: Tensor, what: str) -> Any:
        arr = t._data
        if not isinstance(arr, self.cp.ndarray):
            raise TypeError(
                f"{what}: backend='nccl' works on CUDA tensors; move the tensor with "
                ".to('cuda') or use backend='mpi' for CPU tensors"
            )
        if not arr.flags.c_contiguous:
            raise ValueError(f"{what}: NCCL needs a contiguous tensor: call .contiguous() first")
        if arr.dtype not in self._dtypes:
            raise TypeError(f"{what}: NCCL does not support dtype {arr.dtype}")
        return arr

    def _stream(self) -> Any:
        return self.cp.cuda.get_current_stream()

    def _work(self, what: str, finish: Callable | None, outputs: list) -> Work:
        event = self.cp.cuda.Event(block=False, disable_timing=True)
        event.record(self._stream())
        return Work(self, [event], finish, what, outputs)

    def _avg(self, arr: Any, op: ReduceOp) -> Callable | None:
        if op is not ReduceOp.AVG:
            return None

        def divide() -> None:
            self.cp.divide(arr, self.size, out=arr)

        return divide

    def _op(self, op: ReduceOp, arr: Any) -> Any:
        if arr.dtype == np.bool_:
            op = {ReduceOp.SUM: ReduceOp.MAX, ReduceOp.PRODUCT: ReduceOp.MIN}.get(op, op)
        return self._ops[op]

    # -- collectives ------------------------------------------------------------------------------

    def all_reduce(self, t: Tensor, op: ReduceOp, block: bool = False) -> Work:
        a = self._arr(t, "all_reduce")
        s = self._stream().ptr
        self.comm.allReduce(a.data.ptr, a.data.ptr, a.size, self._dtypes[a.dtype],
                            self._op(op, a), s)  # fmt: skip
        return self._work("all_reduce", self._avg(a, op), [t])

    def iallreduce_array(self, arr: Any) -> Any:
        self.comm.allReduce(arr.data.ptr, arr.data.ptr, arr.size, self._dtypes[arr.dtype],
                            self.nccl.NCCL_SUM, self._stream().ptr)  # fmt: skip
        event = self.cp.cuda.Event(block=False, disable_timing=True)
        event.record(self._stream())
        return event

    def allreduce_max_host(self, arr: Any) -> Any:
        return self.host.allreduce_max_host(arr)

    def reduce(self, t: Tensor, op: ReduceOp, dst: int, block: bool = False) -> Work:
        a = self._arr(t, "reduce")
        self.comm.reduce(a.data.ptr, a.data.ptr, a.size, self._dtypes[a.dtype], self._op(op, a),
                         dst, self._stream().ptr)  # fmt: skip
        return self._work("reduce", self._avg(a, op) if self.rank == dst else None, [t])

    def broadcast(self, t: Tensor, src: int, block: bool = False) -> Work:
        a = self._arr(t, "broadcast")
        self.comm.bcast(a.data.ptr, a.size, self._dtypes[a.dtype], src, self._stream().ptr)
        return self._work("broadcast", None, [t])

    def all_gather(self, outs: list[Tensor], t: Tensor, block: bool = False) -> Work:
        a = self._arr(t, "all_gather")
        recv = self.cp.empty((self.size,) + a.shape, dtype=a.dtype)
        self.comm.allGather(a.data.ptr, recv.data.ptr, a.size, self._dtypes[a.dtype],
                            self._stream().ptr)  # fmt: skip

        def spread() -> None:
            for r, o in enumerate(outs):
                o._data[...] = recv[r]

        return self._work("all_gather", spread, outs)

    def all_gather_flat(self, out: Tensor, t: Tensor, block: bool = False) -> Work:
        a, o = self._arr(t, "all_gather"), self._arr(out, "all_gather")
        self.comm.allGather(a.data.ptr, o.data.ptr, a.size, self._dtypes[a.dtype],
                            self._stream().ptr)  # fmt: skip
        return self._work("all_gather", None, [out])

    def reduce_scatter_flat(
        self, out: Tensor, src: Tensor, op: ReduceOp, block: bool = False
    ) -> Work:
        a, o = self._arr(src, "reduce_scatter"), self._arr(out, "reduce_scatter")
        self.comm.reduceScatter(a.data.ptr, o.data.ptr, o.size, self._dtypes[o.dtype],
                                self._op(op, o), self._stream().ptr)  # fmt: skip
        return self._work("reduce_scatter", self._avg(o, op), [out])

    def gather(self, t: Tensor, outs: list[Tensor] | None, dst: int, block: bool = False) -> Work:
        a = self._arr(t, "gather")
        s, dt = self._stream().ptr, self._dtypes[a.dtype]
        self.nccl.groupStart()
        if self.rank == dst:
            for r, o in enumerate(outs):
                oa = self._arr(o, "gather")
                if r == dst:
                    oa[...] = a
                else:
                    self.comm.recv(oa.data.ptr, oa.size, dt, r, s)
        else:
            self.comm.send(a.data.ptr, a.size, dt, dst, s)
        self.nccl.groupEnd()
        return self._work("gather", None, outs or [])

    def scatter(self, t: Tensor, ins: list[Tensor] | None, src: int, block: bool = False) -> Work:
        a = self._arr(t, "scatter")
        s, dt = self._stream().ptr, self._dtypes[a.dtype]
        self.nccl.groupStart()
        if self.rank == src:
            for r, x in enumerate(ins):
                xa = self._arr(x, "scatter")
                if r == src:
                    a[...] = xa
                else:
                    self.comm.send(xa.data.ptr, xa.size, dt, r, s)
        else:
            self.comm.recv(a.data.ptr, a.size, dt, src, s)
        self.nccl.groupEnd()
        return self._work("scatter", None, [t])

    def barrier(self) -> Work:
        self.cp.cuda.Device().synchronize()
        return self.host.barrier()

    def allgather_object(self, obj: Any) -> list:
        return self.host.allgather_object(obj)

    def bcast_object(self, obj: Any, src: int) -> Any:
        return self.host.bcast_object(obj, src)

    def gather_object(self, obj: Any, dst: int) -> Any:
        return self.host.gather_object(obj, dst)
