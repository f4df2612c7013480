"""``DistributedDataParallel``: data-parallel training with gradients averaged over ranks.

Each rank runs the same model on its share of the batch.  At wrap time rank 0's parameters
and buffers are broadcast so every rank starts equal.  During ``backward`` the gradients are
packed into buckets of about ``bucket_cap_mb`` MB (parameters in reverse registration order,
as they tend to become ready; the first bucket is capped at 1 MB so communication starts
early, as torch).  A parameter's post-accumulate-grad hook copies its gradient into its bucket
the moment backward has finished it; when a bucket is full its non-blocking allreduce (MPI
``Iallreduce``) starts while backward goes on with the earlier layers.  At the end of backward
the buckets are waited for and every gradient becomes the mean over ranks::

    grad_p = (1 / world_size) * sum_r grad_p(rank r)

so ``optimizer.step()`` makes the same update on every rank, equal to one process with the
global batch.  Buckets are launched in index order on every rank (MPI collectives must be
issued in the same order everywhere).

``no_sync()`` skips the communication (gradients accumulate locally; the next synchronised
backward averages the sum).  ``find_unused_parameters=True`` traverses the autograd graph of
the forward's outputs and marks parameters it does not reach as ready with zero gradient;
parameters unused on every rank keep their ``.grad`` untouched, as torch.

Example (``mpiexec -n 2 python train.py``; not a doctest: it needs MPI ranks)::

    dist.init_process_group("mpi")
    model = DistributedDataParallel(nn.Linear(10, 1))
    loss = model(x_local).pow(2).mean(); loss.backward()   # grads averaged over ranks
    opt.step()
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from ...autograd import engine
from ...backend import get_array_module, np
from ...distributed import process_group as pg
from ...tensor import Tensor
from ..module import Module

_FIRST_BUCKET_BYTES = 1 << 20


class _Bucket:
    __slots__ = ("params", "idx", "offsets", "buf", "pending", "req", "index", "xp", "ready",
                 "views")  # fmt: skip

    def __init__(self, params: list, idx: list, index: int) -> None:
        self.params, self.idx, self.index = params, idx, index
        dtype = params[0]._data.dtype
        self.xp = get_array_module(params[0]._data)
        sizes = [p._data.size for p in params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.pending, self.req, self.ready = len(params), None, set()
        self.rebind(self.xp.zeros(int(self.offsets[-1]), dtype=dtype))

    def rebind(self, buf: Any) -> None:
        """Use ``buf`` (a flat array of the bucket's size) as the bucket's memory."""
        self.buf = buf
        self.views = [
            buf[self.offsets[i] : self.offsets[i + 1]].reshape(p._data.shape)
            for i, p in enumerate(self.params)
        ]

    def view(self, i: int) -> Any:
        """Parameter i's slot in the flat buffer (a view shaped like the parameter)."""
        return self.views[i]


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over the default process group.

    Args:
        module: the model (its state_dict keys appear under ``module.`` as in torch).
        bucket_cap_mb: bucket size in MB (torch's default 25).
        broadcast_buffers: broadcast rank 0's buffers (e.g. BatchNorm running stats) before
            every forward.
        find_unused_parameters: allow parameters that get no gradient in a step.
        gradient_as_bucket_view: make each ``.grad`` a view into its bucket after the first
            synchronised backward (saves the copy back; grads then share the bucket memory).
            The parameters are then also moved into one flat array per dtype in the buckets'
            layout, so that ``SGD``/``Adam``/``AdamW`` update them all at once (their foreach
            path, ``optim.flat``).

    ``device_ids``, ``output_device``, ``dim``, ``check_reduction`` and ``static_graph`` are
    accepted for torch compatibility and have no effect (one device per rank, the tensors'
    own).

    When every rank runs on one machine (MPI backend, NumPy parameters), the buckets live in
    an MPI shared-memory window and are averaged there at the end of backward
    (``distributed.shm``: ~3x less memory traffic than MPI's message-passing allreduce, and
    no overlap: on a machine whose cores all run ranks, moving the data is CPU work either
    way).  Across machines each bucket's ``Iallreduce`` starts as soon as it is full and
    overlaps the rest of backward.  ``DistributedDataParallel._shared_memory = False`` (class
    attribute, read at construction) selects the ``Iallreduce`` path on one machine too.
    ``remove_hooks()`` is then collective (it frees the window): call it on every rank.
    """

    _shared_memory = True

    def __init__(
        self,
        module: Module,
        device_ids: Any = None,
        output_device: Any = None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        process_group: Any = None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel wraps an nn.Module, got {type(module)}")
        pg._check_group(process_group)
        group = pg._default()
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        cap = 25.0 if bucket_cap_mb is None else float(bucket_cap_mb)
        if cap <= 0:
            raise ValueError(f"bucket_cap_mb must be positive, got {bucket_cap_mb}")
        self.bucket_cap_mb = cap
        d = self.__dict__
        d["_group"] = group
        d["_world"] = group.size
        d["_require_sync"] = True
        params = [p for p in module.parameters() if p.requires_grad]
        if group.name == "mpi" and any(type(p._data) is not np.ndarray for p in params):
            raise TypeError(
                "DistributedDataParallel: the model has CUDA parameters but the process group "
                "uses MPI on the CPU: init_process_group('nccl') for CuPy tensors, or keep the "
                "model on the CPU"
            )
        d["_params"] = params
        self._verify_same_model(group)
        self._sync_module_states()
        d["_buckets"], d["_where"] = self._build_buckets(params, int(cap * (1 << 20)))
        d["_reducers"] = self._shared_buckets()
        if gradient_as_bucket_view:
            self._flatten_params()
        d["_hooks"] = [
            p.register_post_accumulate_grad_hook(self._make_hook(i)) for i, p in enumerate(params)
        ]
        d["_next"] = 0
        d["_active"] = False
        d["_expected"] = None  # ids of parameters reached by the last forward (find_unused)
        d["_used"] = np.zeros(len(params), dtype=np.int32)
        d["_module_buffers"] = [b for b in module.buffers() if b is not None]
        d["_in_flight"] = []

    # -- set-up ---------------------------------------------------------------------------------

    def _verify_same_model(self, group: Any) -> None:
        tensors = list(self.module.parameters()) + [
            b for b in self.module.buffers() if b is not None
        ]
        mine = [(tuple(t.shape), str(t.dtype)) for t in tensors]
        everyone = group.allgather_object(mine)
        for r, theirs in enumerate(everyone):
            if theirs != mine:
                raise pg.DistributedError(
                    f"DistributedDataParallel: rank {group.rank}'s model has parameters and "
                    "buffers "
                    f"{_summary(mine)} but rank {r}'s has {_summary(theirs)}: every rank must "
                    "wrap the same architecture"
                )

    def _sync_module_states(self) -> None:
        if self._world == 1:
            return
        for t in list(self.module.parameters()) + [
            b for b in self.module.buffers() if b is not None
        ]:
            self._group.broadcast(t, 0).wait()

    def _build_buckets(self, params: list, cap: int) -> tuple[list, list]:
        buckets, where, current, size, limit = [], [None] * len(params), [], 0, None
        order = list(range(len(params)))[::-1]
        groups: dict = {}
        for i in order:
            key = (params[i]._data.dtype, get_array_module(params[i]._data).__name__)
            groups.setdefault(key, []).append(i)
        for idx in groups.values():
            current, size = [], 0
            limit = min(cap, _FIRST_BUCKET_BYTES) if not buckets else cap
            for i in idx:
                nbytes = params[i]._data.nbytes
                if current and size + nbytes > limit:
                    buckets.append(current)
                    current, size, limit = [], 0, cap
                current.append(i)
                size += nbytes
            if current:
                buckets.append(current)
        out = []
        for b, idx in enumerate(buckets):
            bucket = _Bucket([params[i] for i in idx], idx, b)
            for j, i in enumerate(idx):
                where[i] = (bucket, j)
            out.append(bucket)
        # the buckets of one dtype are consecutive slices of one flat array (the gradients'
        # layout that the optimizers' foreach path recognises)
        for dtype in dict.fromkeys(b.buf.dtype for b in out):
            mine = [b for b in out if b.buf.dtype == dtype]
            flat = mine[0].xp.zeros(sum(b.buf.size for b in mine), dtype=dtype)
            start = 0
            for b in mine:
                b.rebind(flat[start : start + b.buf.size])
                start += b.buf.size
        return out, where

    def _flatten_params(self) -> None:
        """Move the parameters of each dtype into one flat array laid out as the gradient
        buckets (same order and offsets), so that with gradients as bucket views an optimizer
        updates them all in a few array operations (``optim.flat``).  Skipped for a dtype
        whose parameters are views of other memory (they keep their own arrays)."""
        buckets = self._buckets
        for dtype in dict.fromkeys(b.buf.dtype for b in buckets):
            params = [p for b in buckets if b.buf.dtype == dtype for p in b.params]
            if any(p._base is not None or type(p._data) is not np.ndarray
                   or p._data.base is not None for p in params):  # fmt: skip
                continue
            flat = np.empty(sum(p._data.size for p in params), dtype=dtype)
            start = 0
            for p in params:
                n = p._data.size
                view = flat[start : start + n].reshape(p._data.shape)
                view[...] = p._data
                p._data = view
                start += n

    def _shared_buckets(self) -> list:
        """Move the buckets into shared-memory windows (one per dtype) when every rank is on
        this machine; the ``SharedReducer``\\ s, or [] for the ``Iallreduce`` path."""
        make = getattr(self._group, "shared_reducer", None)
        buckets = self._buckets
        plain = all(b.xp is np and b.buf.dtype.kind in "fc" for b in buckets)
        if not (type(self)._shared_memory and self._world > 1 and make and buckets and plain):
            return []
        reducers = []
        for dtype in dict.fromkeys(b.buf.dtype for b in buckets):
            mine = [b for b in buckets if b.buf.dtype == dtype]
            reducer = make(sum(b.buf.size for b in mine), dtype)
            if reducer is None:  # ranks on several machines (the same answer on every rank)
                return []
            start = 0
            for b in mine:
                b.rebind(reducer.buf[start : start + b.buf.size])
                start += b.buf.size
            reducer.on_free.append(self._leave_shared_memory)
            reducers.append(reducer)
        return reducers

    def _leave_shared_memory(self) -> None:
        """Before a window is freed: gradients that are views into it become copies, and the
        buckets get private memory."""
        for reducer in self._reducers:
            flat = reducer.buf.copy()
            for b in self._buckets:
                if b.buf.base is not reducer.buf and b.buf is not reducer.buf:
                    continue
                start = (b.buf.__array_interface__["data"][0]
                         - reducer.buf.__array_interface__["data"][0]) // flat.itemsize  # fmt: skip
                old = b.views
                b.rebind(flat[start : start + b.buf.size])
                for j, p in enumerate(b.params):
                    if p.grad is not None and p.grad._data is old[j]:
                        p.grad = Tensor._wrap(b.view(j))  # the same values, in private memory
        self.__dict__["_reducers"] = []

    # -- forward / backward ---------------------------------------------------------------------

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        if self._active:
            raise RuntimeError(
                "DistributedDataParallel: the previous iteration's gradient reduction did not "
                "finish (its backward never ran or stopped early): call backward() on the "
                "output of every synchronised forward, or run the forward under no_sync()"
            )
        if self.broadcast_buffers and self._world > 1:
            for b in self._module_buffers:
                self._group.broadcast(b, 0).wait()
        out = self.module(*inputs, **kwargs)
        if self.find_unused_parameters and self._require_sync and self._world > 1:
            self.__dict__["_expected"] = _reached(out)
        return out

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Gradients of backward passes inside accumulate locally, without communication."""
        old = self._require_sync
        self.__dict__["_require_sync"] = False
        try:
            yield
        finally:
            self.__dict__["_require_sync"] = old

    def _make_hook(self, i: int) -> Any:
        def hook(p: Tensor) -> None:
            if self._require_sync and self._world > 1:
                self._ready(i, p)

        return hook

    def _begin(self) -> None:
        d = self.__dict__
        d["_active"] = True
        d["_next"] = 0
        d["_used"][:] = 0
        d["_in_flight"] = []
        for b in self._buckets:
            b.pending, b.req, b.ready = len(b.params), None, set()
        engine.queue_callback(self._finalize)
        expected = self._expected
        if expected is not None:
            for i, p in enumerate(self._params):
                if id(p) not in expected:
                    self._mark(i, None)

    def _ready(self, i: int, p: Tensor) -> None:
        if not self._active:
            self._begin()
        self._used[i] = 1
        self._mark(i, p.grad._data)
        if self._in_flight:
            self._group.test(self._in_flight)  # let MPI make progress on the buckets in flight

    def _mark(self, i: int, grad: Any) -> None:
        bucket, j = self._where[i]
        if j in bucket.ready:
            return
        view = bucket.view(j)
        if grad is None:
            view[...] = 0
        else:
            view[...] = grad
        bucket.ready.add(j)
        bucket.pending -= 1
        if not self._reducers:
            self._launch()

    def _launch(self) -> None:
        buckets = self._buckets
        while self._next < len(buckets) and buckets[self._next].pending == 0:
            b = buckets[self._next]
            b.req = self._group.iallreduce_array(b.buf)
            self._in_flight.append(b.req)
            self.__dict__["_next"] += 1

    def _finalize(self) -> None:
        if not self._active:
            return
        missing = [i for i, (b, j) in enumerate(self._where) if j not in b.ready]
        if missing and not self.find_unused_parameters:
            self.__dict__["_active"] = False
            names = _names(self.module, [self._params[i] for i in missing])
            raise RuntimeError(
                "DistributedDataParallel: parameters received no gradient in this backward "
                f"({', '.join(names[:8])}{' ...' if len(names) > 8 else ''}): pass "
                "find_unused_parameters=True to the constructor if some parameters are not used "
                "in every step (the ranks' gradient reduction cannot complete otherwise)"
            )
        for i in missing:
            self._mark(i, None)
        used = None
        if self.find_unused_parameters:
            used = self._group.allreduce_max_host(self._used.copy())
        averaged = bool(self._reducers)
        if averaged:
            for reducer in self._reducers:
                reducer.mean_()
        else:
            reqs = [b.req for b in self._buckets]
            self._group.wait(reqs, self._group.timeout, "DistributedDataParallel backward")
        as_view = self.gradient_as_bucket_view
        for b in self._buckets:
            xp = b.xp
            if as_view and not averaged:
                xp.divide(b.buf, self._world, out=b.buf)
            for j, p in enumerate(b.params):
                if used is not None and not used[b.idx[j]]:
                    continue  # unused on every rank: .grad stays as it was
                view = b.view(j)  # shaped and typed like p: set _grad without the setter's checks
                if as_view:
                    p._grad = Tensor._wrap(view)
                elif p.grad is None or p.grad._data.shape != view.shape:
                    p._grad = Tensor._wrap(view.copy() if averaged else view / self._world)
                elif averaged:
                    xp.copyto(p.grad._data, view)
                else:
                    xp.divide(view, self._world, out=p.grad._data)  # one pass: mean into .grad
        self.__dict__["_active"] = False
        self.__dict__["_expected"] = None

    def remove_hooks(self) -> None:
        """Detach from the parameters (their later backward passes are not synchronised).
        Frees the shared-memory buckets, if any: collective, call it on every rank."""
        for h in self._hooks:
            h.remove()
        self.__dict__["_hooks"] = []
        for reducer in list(self._reducers):
            reducer.free()  # calls _leave_shared_memory first

    # -- state ----------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        return f"world_size={self._world}, bucket_cap_mb={self.bucket_cap_mb:g}"

    def __getattr__(self, name: str) -> Any:
        modules = self.__dict__.get("_modules")
        if modules is not None and name != "module" and "module" in modules:
            return getattr(modules["module"], name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")


def _summary(spec: list) -> str:
    n = len(spec)
    return f"{n} tensors {spec[:3]}{' ...' if n > 3 else ''}"


def _names(module: Module, params: list) -> list[str]:
    ids = {id(p): n for n, p in module.named_parameters()}
    return [ids.get(id(p), "?") for p in params]


def _reached(out: Any) -> set:
    """Ids of the leaf tensors the autograd graph of ``out`` reaches."""
    roots: list = []

    def collect(o: Any) -> None:
        if isinstance(o, Tensor):
            roots.append(o)
        elif isinstance(o, (list, tuple)):
            for v in o:
                collect(v)
        elif isinstance(o, dict):
            for v in o.values():
                collect(v)

    collect(out)
    leaves, seen = set(), set()
    stack = [r for r in roots if r._ctx is not None]
    for r in roots:
        if r._ctx is None:
            leaves.add(id(r))
    while stack:
        t = stack.pop()
        for p in t._ctx.parents or ():
            if p._ctx is None:
                leaves.add(id(p))
            elif id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return leaves
