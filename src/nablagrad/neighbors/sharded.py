"""k-NN and ``cdist`` over data split across MPI ranks.

Sharded training set (``KNeighborsClassifier().fit(X_shard, y_shard, sharded=True)``): rank r
holds rows ``offset_r ... offset_r + n_r - 1`` of the global training set (shards in rank
order).  Every rank passes the same queries.  Each rank finds its local k nearest rows
(ties to the lower index, as in one process) and one ``all_gather`` brings every rank's
(distance, global index, label) lists to every rank, where they are merged by (distance,
global index).  A global neighbour is always among its own shard's local k nearest (fewer of
that shard's rows precede it), so the merge gives exactly the neighbours, order and ties of
one process on the concatenated training set.

``cdist_rows(a, b)``: rank r computes rows block r of the (n x m) distance matrix
(``numpy.array_split`` of the rows of ``a``); one ``all_gather`` assembles the whole matrix on
every rank.

Example (``mpiexec -n 2``, each rank holding half of the training set; not a doctest: it
needs MPI ranks)::

    clf = KNeighborsClassifier(n_neighbors=5).fit(X_half, y_half, sharded=True)
    clf.predict(X_test)           # the same on every rank, equal to one process
"""

from __future__ import annotations

from typing import Any

from .. import distributed as dist
from ..backend import get_array_module, np, to_host
from ..tensor import Tensor
from .distances import DEFAULT_MAX_MEMORY, cdist, kneighbors_raw


def _dist() -> Any:
    if not dist.is_initialized():
        raise RuntimeError(
            "sharded=True needs an initialised process group: call "
            "nablagrad.distributed.init_process_group() in a script started with mpiexec -n N"
        )
    return dist


def _allgather(obj: Any) -> list:
    dist = _dist()
    out: list = [None] * dist.get_world_size()
    dist.all_gather_object(out, obj)
    return out


def setup(est: Any) -> None:
    """After a sharded ``fit``: global sample count and this rank's index offset."""
    dist = _dist()
    sizes = _allgather(int(est._X.shape[0]))
    features = _allgather(int(est._X.shape[1]))
    if len(set(features)) != 1:
        raise ValueError(
            f"{type(est).__name__}.fit(sharded=True): the shards have different numbers of "
            f"features ({features}): every rank must hold rows of the same training set"
        )
    est._shard_offset = int(sum(sizes[: dist.get_rank()]))
    est.n_samples_fit_ = int(sum(sizes))


def global_classes(local_labels: np.ndarray) -> np.ndarray:
    """The sorted union of every rank's class labels."""
    return np.unique(np.concatenate([np.asarray(c) for c in _allgather(np.unique(local_labels))]))


def kneighbors(est: Any, Q: Any, k: int, values: Any | None) -> tuple[Any, Any, Any]:
    """Merged (distances, global indices, values at those indices) of each query's k nearest
    training rows over all shards."""
    xp = get_array_module(Q)
    ref = est._X if est._X.dtype == Q.dtype else est._X.astype(Q.dtype)
    k_local = min(k, int(ref.shape[0]))
    if k_local > 0:
        d, i = kneighbors_raw(Q, ref, k_local, est._kind, est.max_memory)
        v = None if values is None else to_host(values[i])
        mine = (to_host(d), to_host(i) + est._shard_offset, v)
    else:
        mine = (None, None, None)
    parts = [p for p in _allgather(mine) if p[0] is not None]
    d = np.concatenate([p[0] for p in parts], axis=1)
    gi = np.concatenate([p[1] for p in parts], axis=1)
    order = np.lexsort((gi, d))[:, :k]  # by distance, then global index
    d, gi = np.take_along_axis(d, order, 1), np.take_along_axis(gi, order, 1)
    v = None
    if values is not None:
        allv = np.concatenate([p[2] for p in parts], axis=1)
        idx = order.reshape(order.shape + (1,) * (allv.ndim - 2))
        v = xp.asarray(np.take_along_axis(allv, idx, 1))
    return xp.asarray(d), xp.asarray(gi), v


def cdist_rows(x1: Any, x2: Any, p: float = 2.0, *, metric: str = "minkowski",
               max_memory: int = DEFAULT_MAX_MEMORY) -> Any:  # fmt: skip
    """``cdist(x1, x2)`` computed by row blocks over the ranks (every rank passes the same
    ``x1`` and ``x2`` and receives the whole matrix).  Not differentiable."""
    dist = _dist()
    if any(isinstance(x, Tensor) and x.requires_grad for x in (x1, x2)):
        raise ValueError(
            "cdist_rows is not differentiable: pass detached tensors, or use cdist on one rank"
        )
    a = x1._data if isinstance(x1, Tensor) else x1
    if a.ndim != 2:
        raise ValueError(f"cdist_rows: x1 must be 2-D (n, d), got shape {tuple(a.shape)}")
    sizes = [len(s) for s in np.array_split(np.arange(a.shape[0]), dist.get_world_size())]
    bounds = [0] + np.cumsum(sizes).tolist()
    r = dist.get_rank()
    block = a[bounds[r] : bounds[r + 1]]
    b = x2._data if isinstance(x2, Tensor) else x2
    mine = to_host(cdist(block, b, p, metric=metric, max_memory=max_memory)) if len(block) else None
    parts = [q for q in _allgather(mine) if q is not None]
    xp = get_array_module(a)
    full = xp.asarray(np.concatenate(parts, axis=0)) if parts else xp.zeros((0, b.shape[0]))
    return Tensor._wrap(full) if isinstance(x1, Tensor) or isinstance(x2, Tensor) else full
