"""The default process group and torch.distributed's collectives on tensors, in place.

``init_process_group("mpi")`` joins the processes that ``mpiexec`` started (through mpi4py;
world size 1 in a plain ``python`` process).  Collectives write into the tensors they are
given, as in torch.  A contiguous NumPy array goes to MPI as it is (no copy); strided arrays
and CuPy arrays on the MPI backend go through a contiguous host buffer.  ``"nccl"`` runs the
same calls on CuPy arrays through NCCL (``nccl_backend``; one GPU per rank).

Every blocking collective first compares a small signature (collective, op, root, dtype and
shape) across ranks with a non-blocking gather that honours the group's ``timeout``: tensors
that differ across ranks raise an error naming each rank's shape and dtype instead of hanging
or returning garbage, and a rank that never arrives raises a timeout error.

Example (run with ``mpiexec -n 2 python script.py``; not a doctest: it needs MPI ranks)::

    import nablagrad as torch
    import nablagrad.distributed as dist
    dist.init_process_group("mpi")
    t = torch.tensor([1.0, 2.0]) * (dist.get_rank() + 1)
    dist.all_reduce(t)                      # SUM over ranks: [3., 6.] on 2 ranks
    work = dist.all_reduce(t, op=dist.ReduceOp.AVG, async_op=True)
    work.wait()  # True
"""

from __future__ import annotations

import datetime
import sys
import zlib
from typing import Any

from ..backend import get_array_module, np
from ..tensor import Tensor
from ._common import (
    DistributedError,
    ReduceOp,
    Work,
    _as_timeout,
    require_mpi,
)
from .mpi_backend import MPIBackend
from .nccl_backend import NCCLBackend

__all__ = [
    "ReduceOp",
    "Work",
    "DistributedError",
    "init_process_group",
    "destroy_process_group",
    "is_initialized",
    "is_available",
    "is_mpi_available",
    "is_nccl_available",
    "get_rank",
    "get_world_size",
    "get_backend",
    "barrier",
    "all_reduce",
    "reduce",
    "broadcast",
    "all_gather",
    "all_gather_into_tensor",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "gather",
    "scatter",
    "all_gather_object",
    "broadcast_object_list",
    "gather_object",
    "require_mpi",
]

_OP_CODE = {op: i for i, op in enumerate(ReduceOp)}

_group: Any = None  # the backend object of the default group, or None


def is_available() -> bool:
    """True: the package is always importable (the backends load on first use)."""
    return True


def is_mpi_available() -> bool:
    """Whether mpi4py (and the MPI library under it) can be imported."""
    try:
        require_mpi()
    except ImportError:
        return False
    return True


def is_nccl_available() -> bool:
    """Whether CuPy with its NCCL bindings can be imported (a GPU is still needed to run)."""
    try:
        from cupy.cuda import nccl  # noqa: F401
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False
    return True


def init_process_group(
    backend: str | None = "mpi",
    init_method: str | None = None,
    timeout: datetime.timedelta | float | None = None,
    world_size: int = -1,
    rank: int = -1,
    store: Any = None,
    group_name: str = "",
    pg_options: Any = None,
    device_id: Any = None,
    *,
    abort_on_exception: bool = True,
) -> None:
    """Join the default process group.

    ``backend="mpi"``: the processes started by ``mpiexec -n N`` (``world_size``/``rank``
    come from MPI; passing other values raises).  ``backend="nccl"``: one GPU per rank (the
    rank's local index on its machine), CuPy tensors, NCCL collectives; ranks still start
    under ``mpiexec``, which also carries NCCL's unique id.  ``timeout`` bounds how long a
    collective waits for the other ranks before raising (default 30 minutes, as torch).

    With more than one rank, an uncaught exception on any rank prints its traceback and aborts
    the whole job (``MPI_Abort``) instead of leaving the other ranks waiting forever; pass
    ``abort_on_exception=False`` to keep Python's default.
    """
    global _group
    if _group is not None:
        raise RuntimeError(
            "trying to initialize the default process group twice: call "
            "destroy_process_group() first"
        )
    if init_method not in (None, "env://") or store is not None:
        raise ValueError(
            "init_process_group: only MPI start-up is supported (launch the ranks with "
            "`mpiexec -n N` or `nablagrad train --nproc N`); init_method and store are not used"
        )
    name = (backend or "mpi").lower()
    seconds = _as_timeout(timeout)
    if name == "mpi":
        group = MPIBackend(seconds)
    elif name == "nccl":
        group = NCCLBackend(seconds)
    else:
        raise ValueError(
            f"init_process_group: unknown backend {backend!r}: use 'mpi' (CPU, through mpi4py) "
            "or 'nccl' (CuPy tensors on NVIDIA GPUs)"
        )
    for what, given, actual in (("world_size", world_size, group.size), ("rank", rank, group.rank)):
        if given not in (-1, None) and int(given) != actual:
            group.close()
            raise ValueError(
                f"init_process_group: {what}={given} but MPI started this process with "
                f"{what}={actual}: start N ranks with `mpiexec -n N` and leave {what} unset"
            )
    _group = group
    if abort_on_exception and group.size > 1:
        _install_abort_hook(group)


def _install_abort_hook(group: Any) -> None:
    previous = sys.excepthook

    def hook(kind: Any, value: Any, tb: Any) -> None:
        previous(kind, value, tb)
        sys.stderr.flush()
        group.abort(1)

    sys.excepthook = hook


def destroy_process_group(group: Any = None) -> None:
    """Leave the default process group (MPI itself stays up until the process exits)."""
    global _group
    _check_group(group)
    if _group is not None:
        _group.close()
    _group = None


def is_initialized() -> bool:
    """Whether ``init_process_group`` has been called (and not destroyed)."""
    return _group is not None


def _default() -> Any:
    if _group is None:
        raise RuntimeError(
            "Default process group has not been initialized, please make sure to call "
            "init_process_group() (and start the ranks with mpiexec -n N)"
        )
    return _group


def _check_group(group: Any) -> None:
    if group is not None and group is not _group and group != "WORLD":
        raise ValueError(
            "only the default process group is supported (pass group=None); new_group is not "
            "implemented"
        )


def get_rank(group: Any = None) -> int:
    """This process's rank in the default group (0 ... world_size - 1)."""
    _check_group(group)
    return _default().rank


def get_world_size(group: Any = None) -> int:
    """The number of processes in the default group."""
    _check_group(group)
    return _default().size


def get_backend(group: Any = None) -> str:
    _check_group(group)
    return _default().name


# -- helpers -------------------------------------------------------------------------------------


def _tensor(t: Any, who: str, name: str = "tensor") -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{who}: {name} must be a nablagrad Tensor, got {type(t).__name__}")
    return t


_DTYPES = [
    "float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool",
    "complex64", "complex128", "uint16", "uint32", "uint64",
]  # fmt: skip
_DT_CODE = {np.dtype(d): i for i, d in enumerate(_DTYPES)}
_NSIG = 12


def _sig(kind: int, op: int, root: int, arr: Any) -> np.ndarray:
    """A fixed-length int64 description of one rank's collective call (built from a list:
    this runs before every collective, so it is kept to about a microsecond)."""
    shape = arr.shape
    nd = len(shape)
    vals = [kind, op, root, _DT_CODE.get(arr.dtype, 99), nd, *shape[:6]]
    vals += [-1] * (_NSIG - 1 - len(vals))
    vals.append(zlib.crc32(repr(shape[6:]).encode()) if nd > 6 else -1)
    return np.array(vals, dtype=np.int64)


def _describe(s: np.ndarray) -> str:
    nd = int(s[4])
    dims = [int(v) for v in s[5 : 5 + min(nd, 6)]]
    shape = (
        "(" + ", ".join(map(str, dims)) + ("..." if nd > 6 else "") + ("," if nd == 1 else "") + ")"
    )
    code = int(s[3])
    dt = _DTYPES[code] if code < len(_DTYPES) else "?"
    return f"{shape} {dt}"


_KINDS = ["all_reduce", "reduce", "broadcast", "all_gather", "reduce_scatter", "gather", "scatter"]
_KIND_CODE = {k: i for i, k in enumerate(_KINDS)}


def _check_same(g: Any, who: str, op: ReduceOp | None, root: int, arr: Any) -> None:
    """Compare (collective, op, root, dtype, shape) across ranks; raise on any difference."""
    if g.size == 1:
        return
    mine = _sig(_KIND_CODE.get(who, 99), -1 if op is None else _OP_CODE[op], root, arr)
    sigs = g.allgather_sig(mine, who)
    raw, n = sigs.tobytes(), mine.nbytes
    if raw == raw[:n] * g.size:
        return
    if (sigs[:, 0] != sigs[0, 0]).any():
        calls = ", ".join(
            f"rank {r}: {_KINDS[k] if k < len(_KINDS) else '?'}" for r, k in enumerate(sigs[:, 0])
        )
        raise DistributedError(
            f"{who}: the ranks called different collectives ({calls}): every rank must make the "
            "same collective calls in the same order"
        )
    if (sigs[:, 1] != sigs[0, 1]).any():
        names = ", ".join(f"rank {r}: {list(ReduceOp)[o].name}" for r, o in enumerate(sigs[:, 1]))
        raise DistributedError(f"{who}: the ranks passed different ops ({names}): use one op")
    if (sigs[:, 2] != sigs[0, 2]).any():
        roots = ", ".join(f"rank {r}: {int(v)}" for r, v in enumerate(sigs[:, 2]))
        raise DistributedError(f"{who}: the ranks passed different src/dst ranks ({roots})")
    desc = ", ".join(f"rank {r} has {_describe(s)}" for r, s in enumerate(sigs))
    raise DistributedError(
        f"{who}: the tensors differ across ranks ({desc}): every rank must pass a tensor of the "
        "same shape and dtype"
    )


def _check_root(root: int, g: Any, who: str, name: str) -> int:
    if isinstance(root, bool) or not isinstance(root, (int, np.integer)) or not 0 <= root < g.size:
        raise ValueError(f"{who}: {name}={root!r} is not a rank of this group (0..{g.size - 1})")
    return int(root)


def _check_op(op: Any, arr: Any, who: str) -> ReduceOp:
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{who}: op must be a ReduceOp (SUM, AVG, MAX, MIN, PRODUCT), got {op!r}")
    kind = np.dtype(arr.dtype).kind
    if op is ReduceOp.AVG and kind not in "fc":
        raise TypeError(
            f"{who}: ReduceOp.AVG needs a floating-point tensor, got {arr.dtype}: reduce with SUM "
            "and divide, or convert to float first"
        )
    if op in (ReduceOp.MAX, ReduceOp.MIN) and kind == "c":
        raise TypeError(f"{who}: ReduceOp.{op.name} is not defined for complex tensors")
    return op


def _finish_all(g: Any, work: Work, async_op: bool) -> Work | None:
    if async_op:
        return work
    work.wait()
    return None


# -- collectives -----------------------------------------------------------------------------------


def all_reduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM, group: Any = None,
               async_op: bool = False) -> Work | None:  # fmt: skip
    """Reduce ``tensor`` over all ranks in place: every rank ends with the SUM (AVG, MAX, MIN,
    PRODUCT) of all ranks' tensors."""
    _check_group(group)
    g, t = _default(), _tensor(tensor, "all_reduce")
    _check_op(op, t._data, "all_reduce")
    _check_same(g, "all_reduce", op, 0, t._data)
    return _finish_all(g, g.all_reduce(t, op, block=not async_op), async_op)


def reduce(tensor: Tensor, dst: int = 0, op: ReduceOp = ReduceOp.SUM, group: Any = None,
           async_op: bool = False) -> Work | None:  # fmt: skip
    """Reduce ``tensor`` over all ranks into rank ``dst``'s tensor (other ranks' unchanged)."""
    _check_group(group)
    g, t = _default(), _tensor(tensor, "reduce")
    dst = _check_root(dst, g, "reduce", "dst")
    _check_op(op, t._data, "reduce")
    _check_same(g, "reduce", op, dst, t._data)
    return _finish_all(g, g.reduce(t, op, dst, block=not async_op), async_op)


def broadcast(tensor: Tensor, src: int = 0, group: Any = None,
              async_op: bool = False) -> Work | None:  # fmt: skip
    """Copy rank ``src``'s tensor into ``tensor`` on every rank."""
    _check_group(group)
    g, t = _default(), _tensor(tensor, "broadcast")
    src = _check_root(src, g, "broadcast", "src")
    _check_same(g, "broadcast", None, src, t._data)
    return _finish_all(g, g.broadcast(t, src, block=not async_op), async_op)


def _check_list(lst: Any, n: int, like: Any, who: str, name: str) -> list[Tensor]:
    if not isinstance(lst, (list, tuple)) or len(lst) != n:
        raise ValueError(
            f"{who}: {name} must be a list of {n} tensors (one per rank), got "
            f"{len(lst) if isinstance(lst, (list, tuple)) else type(lst).__name__}"
        )
    for i, t in enumerate(lst):
        _tensor(t, who, f"{name}[{i}]")
        if tuple(t.shape) != tuple(like.shape) or t._data.dtype != like.dtype:
            raise ValueError(
                f"{who}: {name}[{i}] has shape {tuple(t.shape)} {t.dtype}, expected "
                f"{tuple(like.shape)} {like.dtype} (the shape and dtype of the tensor argument)"
            )
    return list(lst)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: Any = None,
               async_op: bool = False) -> Work | None:  # fmt: skip
    """Every rank receives every rank's ``tensor``: ``tensor_list[r]`` = rank r's tensor."""
    _check_group(group)
    g, t = _default(), _tensor(tensor, "all_gather")
    outs = _check_list(tensor_list, g.size, t._data, "all_gather", "tensor_list")
    _check_same(g, "all_gather", None, 0, t._data)
    return _finish_all(g, g.all_gather(outs, t, block=not async_op), async_op)


def all_gather_into_tensor(output_tensor: Tensor, input_tensor: Tensor, group: Any = None,
                           async_op: bool = False) -> Work | None:  # fmt: skip
    """``output_tensor`` (world_size * n, ...) receives the ranks' ``input_tensor`` (n, ...)
    stacked along dim 0 (or (world_size, n, ...))."""
    _check_group(group)
    g, t = _default(), _tensor(input_tensor, "all_gather")
    out = _tensor(output_tensor, "all_gather", "output_tensor")
    if out._data.size != t._data.size * g.size or out._data.dtype != t._data.dtype:
        raise ValueError(
            f"all_gather_into_tensor: output_tensor has shape {tuple(out.shape)} {out.dtype}, "
            f"expected {g.size} x the input's {tuple(t.shape)} elements of {t.dtype}"
        )
    _check_same(g, "all_gather", None, 0, t._data)
    return _finish_all(g, g.all_gather_flat(out, t, block=not async_op), async_op)


def reduce_scatter(output: Tensor, input_list: list[Tensor], op: ReduceOp = ReduceOp.SUM,
                   group: Any = None, async_op: bool = False) -> Work | None:  # fmt: skip
    """Rank r receives the reduction over ranks of ``input_list[r]``."""
    _check_group(group)
    g, t = _default(), _tensor(output, "reduce_scatter", "output")
    ins = _check_list(input_list, g.size, t._data, "reduce_scatter", "input_list")
    _check_op(op, t._data, "reduce_scatter")
    _check_same(g, "reduce_scatter", op, 0, t._data)
    xp = get_array_module(t._data)
    stacked = Tensor._wrap(xp.stack([x._data for x in ins]))
    return _finish_all(g, g.reduce_scatter_flat(t, stacked, op, block=not async_op), async_op)


def reduce_scatter_tensor(output: Tensor, input: Tensor, op: ReduceOp = ReduceOp.SUM,
                          group: Any = None, async_op: bool = False) -> Work | None:  # fmt: skip
    """``input`` holds world_size blocks along dim 0; rank r receives the reduced block r."""
    _check_group(group)
    g, t = _default(), _tensor(output, "reduce_scatter", "output")
    src = _tensor(input, "reduce_scatter", "input")
    if src._data.size != t._data.size * g.size or src._data.dtype != t._data.dtype:
        raise ValueError(
            f"reduce_scatter_tensor: input has shape {tuple(src.shape)} {src.dtype}, expected "
            f"{g.size} x the output's {tuple(t.shape)} elements of {t.dtype}"
        )
    _check_op(op, t._data, "reduce_scatter")
    _check_same(g, "reduce_scatter", op, 0, t._data)
    return _finish_all(g, g.reduce_scatter_flat(t, src, op, block=not async_op), async_op)


def _root_list(tensors: Any, g: Any, t: Tensor, root: int, name: str, role: str) -> Any:
    """``gather_list``/``scatter_list``: checked on the root rank, None or empty elsewhere."""
    if g.rank == root:
        return _check_list(tensors, g.size, t._data, name, f"{name}_list")
    if tensors:
        raise ValueError(f"{name}: {name}_list must be None (or empty) on ranks other than {role}")
    return None


def gather(tensor: Tensor, gather_list: list[Tensor] | None = None, dst: int = 0,
           group: Any = None, async_op: bool = False) -> Work | None:  # fmt: skip
    """Rank ``dst`` receives every rank's ``tensor`` in ``gather_list`` (None elsewhere)."""
    _check_group(group)
    g, t = _default(), _tensor(tensor, "gather")
    dst = _check_root(dst, g, "gather", "dst")
    outs = _root_list(gather_list, g, t, dst, "gather", "dst")
    _check_same(g, "gather", None, dst, t._data)
    return _finish_all(g, g.gather(t, outs, dst, block=not async_op), async_op)


def scatter(tensor: Tensor, scatter_list: list[Tensor] | None = None, src: int = 0,
            group: Any = None, async_op: bool = False) -> Work | None:  # fmt: skip
    """Rank r receives ``scatter_list[r]`` of rank ``src`` into ``tensor``."""
    _check_group(group)
    g, t = _default(), _tensor(tensor, "scatter")
    src = _check_root(src, g, "scatter", "src")
    ins = _root_list(scatter_list, g, t, src, "scatter", "src")
    _check_same(g, "scatter", None, src, t._data)
    return _finish_all(g, g.scatter(t, ins, src, block=not async_op), async_op)


def barrier(group: Any = None, async_op: bool = False, device_ids: Any = None) -> Work | None:
    """Wait until every rank has reached this call."""
    _check_group(group)
    g = _default()
    return _finish_all(g, g.barrier(), async_op)


# -- Python objects (pickled) --------------------------------------------------------------------


def all_gather_object(object_list: list, obj: Any, group: Any = None) -> None:
    """``object_list[r]`` = rank r's picklable ``obj`` on every rank."""
    _check_group(group)
    g = _default()
    if not isinstance(object_list, list) or len(object_list) != g.size:
        raise ValueError(f"all_gather_object: object_list must be a list of {g.size} items")
    object_list[:] = g.allgather_object(obj)


def broadcast_object_list(object_list: list, src: int = 0, group: Any = None,
                          device: Any = None) -> None:  # fmt: skip
    """Replace ``object_list``'s items on every rank by rank ``src``'s items."""
    _check_group(group)
    g = _default()
    src = _check_root(src, g, "broadcast_object_list", "src")
    if not isinstance(object_list, list):
        raise TypeError("broadcast_object_list: object_list must be a list")
    object_list[:] = g.bcast_object(list(object_list), src)


def gather_object(obj: Any, object_gather_list: list | None = None, dst: int = 0,
                  group: Any = None) -> None:  # fmt: skip
    """Rank ``dst``'s ``object_gather_list[r]`` = rank r's ``obj``."""
    _check_group(group)
    g = _default()
    dst = _check_root(dst, g, "gather_object", "dst")
    got = g.gather_object(obj, dst)
    if g.rank == dst:
        if not isinstance(object_gather_list, list) or len(object_gather_list) != g.size:
            raise ValueError(f"gather_object: object_gather_list must be a list of {g.size} items")
        object_gather_list[:] = got


# -- shared by the backends ----------------------------------------------------------------------
