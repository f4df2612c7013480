"""A stand-in for ``cupy`` and ``cupy.cuda.nccl`` that runs the NCCL backend's code on the CPU.

No GPU is available to this project, so ``distributed.nccl_backend`` would otherwise never run.
``install()`` puts fake ``cupy`` modules into ``sys.modules``: arrays are NumPy arrays whose
``.data.ptr`` is their address, and the fake ``NcclCommunicator`` looks the addresses up and
performs each NCCL call with the matching MPI collective on ``MPI.COMM_WORLD``, checking the
element count and dtype code it was given.  This tests the backend's plumbing (pointers,
counts, dtype and op codes, events, grouped send/recv), not NCCL itself.
"""

from __future__ import annotations

import sys
import types

import numpy as np

_registry: dict[int, np.ndarray] = {}


class _Pointer:
    def __init__(self, arr: np.ndarray) -> None:
        self.ptr = arr.__array_interface__["data"][0]
        _registry[self.ptr] = arr.view(np.ndarray)


class ndarray(np.ndarray):  # noqa: N801 - cupy's name
    @property
    def data(self):  # type: ignore[override]
        return _Pointer(self)


def _fake(a: np.ndarray) -> ndarray:
    return np.ascontiguousarray(a).view(ndarray)


def empty(shape, dtype=np.float32) -> ndarray:
    return np.empty(shape, dtype=dtype).view(ndarray)


def asarray(a, dtype=None) -> ndarray:
    return _fake(np.asarray(a, dtype=dtype))


def install() -> types.ModuleType:
    """Register the fake modules and return the fake ``cupy``."""
    from mpi4py import MPI

    cupy = types.ModuleType("cupy")
    cuda = types.ModuleType("cupy.cuda")
    runtime = types.ModuleType("cupy.cuda.runtime")
    nccl = types.ModuleType("cupy.cuda.nccl")
    cupy.ndarray, cupy.empty, cupy.asarray, cupy.divide = ndarray, empty, asarray, np.divide
    cupy.fake_array = _fake
    cupy.cuda = cuda
    cuda.runtime, cuda.nccl = runtime, nccl
    runtime.getDeviceCount = lambda: 8

    class Device:
        def __init__(self, i: int = 0) -> None:
            self.i = i

        def use(self) -> None:
            pass

        def synchronize(self) -> None:
            pass

    class Stream:
        ptr = 0

    class Event:
        def __init__(self, block: bool = False, disable_timing: bool = False) -> None:
            self.done = False

        def record(self, stream=None) -> None:
            self.done = True  # the fake's calls complete synchronously

    cuda.Device, cuda.Event = Device, Event
    cuda.get_current_stream = lambda: Stream()

    codes = ["float32", "float64", "float16", "int32", "int64", "int8", "uint8", "uint32",
             "uint64"]  # fmt: skip
    for i, name in enumerate(codes):
        setattr(nccl, f"NCCL_{name.upper()}", 100 + i)
    dtype_of = {100 + i: np.dtype(n) for i, n in enumerate(codes)}
    ops = {"SUM": MPI.SUM, "PROD": MPI.PROD, "MAX": MPI.MAX, "MIN": MPI.MIN}
    for i, name in enumerate(ops):
        setattr(nccl, f"NCCL_{name}", 200 + i)
    op_of = {200 + i: op for i, op in enumerate(ops.values())}
    nccl.get_unique_id = lambda: tuple(range(128))
    pending: list = []
    nccl.groupStart = lambda: None

    def group_end() -> None:
        MPI.Request.Waitall(pending)
        pending.clear()

    nccl.groupEnd = group_end

    def buf(ptr: int, count: int, dtype: int) -> np.ndarray:
        arr = _registry[ptr].reshape(-1)
        want = dtype_of[dtype]
        raw = arr.view(np.uint8) if arr.dtype == np.bool_ else arr
        assert raw.dtype == want, f"dtype code {dtype} ({want}) for an array of {arr.dtype}"
        assert count <= raw.size, f"count {count} > {raw.size} elements"
        return raw[:count]

    class NcclCommunicator:
        def __init__(self, ndev: int, uid: tuple, rank: int) -> None:
            assert uid == tuple(range(128))
            self.mpi = MPI.COMM_WORLD.Dup()
            assert (ndev, rank) == (self.mpi.size, self.mpi.rank)

        def destroy(self) -> None:
            self.mpi.Free()

        def allReduce(self, send, recv, count, dtype, op, stream):  # noqa: N802
            r = buf(recv, count, dtype)
            s = MPI.IN_PLACE if send == recv else buf(send, count, dtype)
            self.mpi.Allreduce(s, r, op=op_of[op])

        def reduce(self, send, recv, count, dtype, op, root, stream):
            r = buf(recv, count, dtype)
            if self.mpi.rank == root:
                s = MPI.IN_PLACE if send == recv else buf(send, count, dtype)
                self.mpi.Reduce(s, r, op=op_of[op], root=root)
            else:
                self.mpi.Reduce(buf(send, count, dtype), None, op=op_of[op], root=root)

        def bcast(self, ptr, count, dtype, root, stream):
            self.mpi.Bcast(buf(ptr, count, dtype), root=root)

        def allGather(self, send, recv, count, dtype, stream):  # noqa: N802
            self.mpi.Allgather(buf(send, count, dtype), buf(recv, count * self.mpi.size, dtype))

        def reduceScatter(self, send, recv, count, dtype, op, stream):  # noqa: N802
            s = buf(send, count * self.mpi.size, dtype)
            self.mpi.Reduce_scatter_block(s, buf(recv, count, dtype), op=op_of[op])

        def send(self, ptr, count, dtype, peer, stream):
            pending.append(self.mpi.Isend(buf(ptr, count, dtype), dest=peer))

        def recv(self, ptr, count, dtype, peer, stream):
            pending.append(self.mpi.Irecv(buf(ptr, count, dtype), source=peer))

    nccl.NcclCommunicator = NcclCommunicator
    sys.modules.update({"cupy": cupy, "cupy.cuda": cuda, "cupy.cuda.runtime": runtime,
                        "cupy.cuda.nccl": nccl})  # fmt: skip
    return cupy


def uninstall() -> None:
    for name in ("cupy", "cupy.cuda", "cupy.cuda.runtime", "cupy.cuda.nccl"):
        sys.modules.pop(name, None)
