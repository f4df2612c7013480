"""Cases that run on 2 MPI ranks: ``mpiexec -n 2 python tests/distributed/mpi_cases.py``.

``test_mpi.py`` starts this script once (MPI start-up is slow) and turns each line
``CASE <name> OK`` / ``CASE <name> FAIL <error>`` of rank 0 into one pytest result.  A case
fails on rank 0 when it failed on any rank (each case ends with an all-gather of the ranks'
outcomes).  Every case checks against NumPy or a one-process computation done on each rank.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import traceback

import numpy as np

import nablagrad as torch
import nablagrad.distributed as dist
from nablagrad import nn
from nablagrad.distributed import ReduceOp

CASES: list = []


def case(fn):
    CASES.append(fn)
    return fn


def rank_data(rank: int, shape: tuple, dtype: str, seed: int = 0) -> np.ndarray:
    """Deterministic per-rank data (each rank can rebuild every rank's)."""
    rng = np.random.default_rng(1000 * seed + rank)
    if dtype == "bool":
        return rng.integers(0, 2, shape).astype(bool)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(0, 5, shape).astype(dtype)
    if np.dtype(dtype).kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.integers(-8, 8, shape).astype(dtype) / 4  # exact in float16 sums


def expected_reduce(parts: list, op: ReduceOp, dtype: str) -> np.ndarray:
    stack = np.stack(parts)
    if dtype == "bool":
        return {ReduceOp.SUM: stack.any(0), ReduceOp.MAX: stack.any(0),
                ReduceOp.MIN: stack.all(0), ReduceOp.PRODUCT: stack.all(0)}[op]  # fmt: skip
    if op is ReduceOp.SUM:
        return stack.sum(0, dtype=dtype)
    if op is ReduceOp.AVG:
        return (stack.sum(0, dtype=dtype) / len(parts)).astype(dtype)
    if op is ReduceOp.MAX:
        return stack.max(0)
    if op is ReduceOp.MIN:
        return stack.min(0)
    return stack.prod(0, dtype=dtype)


def _w(work):
    """Wait on an async_op=True handle (None for blocking calls)."""
    if work is not None:
        assert work.wait() is True


DTYPES = ["float16", "float32", "float64", "int8", "uint8", "int16", "int32", "int64", "bool"]


@case
def collectives_all_reduce_every_op_and_dtype(rank, size):
    for dtype in DTYPES:
        for op in ReduceOp:
            kind = np.dtype(dtype).kind
            t = torch.from_numpy(rank_data(rank, (3, 4), dtype))
            if (op is ReduceOp.AVG and kind not in "fc") or (
                op in (ReduceOp.MAX, ReduceOp.MIN) and kind == "c"
            ):
                try:
                    dist.all_reduce(t, op=op)
                except TypeError:
                    continue
                raise AssertionError(f"{dtype} {op} should raise TypeError")
            dist.all_reduce(t, op=op)
            want = expected_reduce([rank_data(r, (3, 4), dtype) for r in range(size)], op, dtype)
            assert t.numpy().dtype == np.dtype(dtype), (dtype, op)
            np.testing.assert_array_equal(t.numpy(), want, err_msg=f"{dtype} {op}")


@case
def collectives_strided_and_zero_d(rank, size):
    base = torch.from_numpy(rank_data(rank, (4, 6), "float64"))
    view = base.t()  # not contiguous: staged through a buffer and written back
    assert not view.is_contiguous()
    dist.all_reduce(view)
    want = sum(rank_data(r, (4, 6), "float64") for r in range(size))
    np.testing.assert_array_equal(base.numpy(), want)
    z = torch.tensor(float(rank + 1))
    dist.all_reduce(z, op=ReduceOp.MAX)
    assert z.item() == size


@case
def collectives_broadcast_gather_scatter(rank, size):
    for a in (False, True):  # blocking, then async_op=True + wait()
        for dtype in ("float32", "float64", "int64", "bool", "float16"):
            parts = [rank_data(r, (2, 3), dtype, seed=1) for r in range(size)]
            for src in range(size):
                t = torch.from_numpy(parts[rank].copy())
                _w(dist.broadcast(t, src=src, async_op=a))
                np.testing.assert_array_equal(t.numpy(), parts[src])
            outs = [torch.from_numpy(np.zeros((2, 3), dtype)) for _ in range(size)]
            _w(dist.all_gather(outs, torch.from_numpy(parts[rank]), async_op=a))
            for r in range(size):
                np.testing.assert_array_equal(outs[r].numpy(), parts[r])
            flat = torch.from_numpy(np.zeros((2 * size, 3), dtype))
            _w(dist.all_gather_into_tensor(flat, torch.from_numpy(parts[rank]), async_op=a))
            np.testing.assert_array_equal(flat.numpy(), np.concatenate(parts))
            for dst in range(size):
                gl = [torch.from_numpy(np.zeros((2, 3), dtype)) for _ in range(size)]
                _w(
                    dist.gather(
                        torch.from_numpy(parts[rank]),
                        gl if rank == dst else None,
                        dst=dst,
                        async_op=a,
                    )
                )
                if rank == dst:
                    for r in range(size):
                        np.testing.assert_array_equal(gl[r].numpy(), parts[r])
                out = torch.from_numpy(np.zeros((2, 3), dtype))
                sl = [torch.from_numpy(rank_data(r, (2, 3), dtype, seed=7)) for r in range(size)]
                _w(dist.scatter(out, sl if rank == dst else None, src=dst, async_op=a))
                np.testing.assert_array_equal(out.numpy(), rank_data(rank, (2, 3), dtype, seed=7))
        # reduce_scatter: rank r gets the SUM over ranks of input_list[r]
        for dtype in ("float32", "int64", "float64"):
            inputs = {s: [rank_data(s * 10 + r, (5,), dtype, 2) for r in range(size)]
                      for s in range(size)}  # fmt: skip
            out = torch.from_numpy(np.zeros(5, dtype))
            _w(dist.reduce_scatter(out, [torch.from_numpy(v) for v in inputs[rank]], async_op=a))
            want = sum(inputs[s][rank] for s in range(size)).astype(dtype)
            np.testing.assert_array_equal(out.numpy(), want)
            out2 = torch.from_numpy(np.zeros(5, dtype))
            _w(dist.reduce_scatter_tensor(out2, torch.from_numpy(np.concatenate(inputs[rank])),
                                          op=ReduceOp.MAX, async_op=a))  # fmt: skip
            want = np.max([inputs[s][rank] for s in range(size)], axis=0)
            np.testing.assert_array_equal(out2.numpy(), want)
        for dst in range(size):
            t = torch.from_numpy(rank_data(rank, (3,), "float64", 3))
            _w(dist.reduce(t, dst=dst, op=ReduceOp.MIN, async_op=a))
            if rank == dst:
                want = np.min([rank_data(r, (3,), "float64", 3) for r in range(size)], axis=0)
                np.testing.assert_array_equal(t.numpy(), want)
            else:
                np.testing.assert_array_equal(t.numpy(), rank_data(rank, (3,), "float64", 3))
    dist.barrier()
    objs = [None] * size
    dist.all_gather_object(objs, {"rank": rank, "s": "x" * rank})
    assert objs == [{"rank": r, "s": "x" * r} for r in range(size)]
    box = [rank, "mine"]
    dist.broadcast_object_list(box, src=size - 1)
    assert box == [size - 1, "mine"]


@case
def collectives_zero_copy_for_contiguous(rank, size):
    t = torch.ones(1000, dtype=torch.float32)
    arr = t._data
    work = dist.all_reduce(t, async_op=True)
    work.wait()
    assert t._data is arr and (arr == size).all()  # reduced in the tensor's own memory


@case
def collectives_async_handles(rank, size):
    ts = [torch.from_numpy(rank_data(rank, (64,), "float64", s)) for s in range(4)]
    works = [dist.all_reduce(t, op=ReduceOp.AVG, async_op=True) for t in ts]
    outs = [torch.zeros(3) for _ in range(size)]
    gw = dist.all_gather(outs, torch.full((3,), float(rank)), async_op=True)
    bw = dist.broadcast(torch.zeros(2), src=0, async_op=True)
    for w in reversed(works):
        assert w.wait() is True
        assert w.is_completed()
    for s, t in enumerate(ts):
        want = sum(rank_data(r, (64,), "float64", s) for r in range(size)) / size
        np.testing.assert_allclose(t.numpy(), want, rtol=0, atol=1e-15)
    assert all(a is b for a, b in zip(gw.result(), outs))
    assert [o[0].item() for o in outs] == list(range(size))
    bw.wait()
    barrier = dist.barrier(async_op=True)
    barrier.wait()


@case
def collectives_mismatched_arguments_raise_clearly(rank, size):
    def expect(fn, *words):
        try:
            fn()
        except dist.DistributedError as e:
            for w in words:
                assert w in str(e), (w, str(e))
            return
        raise AssertionError("no error for mismatched arguments")

    expect(lambda: dist.all_reduce(torch.ones(3 + rank)), "rank 0 has (3,) float32",
           "rank 1 has (4,) float32", "same shape")  # fmt: skip
    dt = torch.float32 if rank == 0 else torch.float64
    expect(lambda: dist.all_reduce(torch.ones(2, dtype=dt)), "float64")
    expect(lambda: dist.broadcast(torch.ones(2), src=rank), "src/dst")
    expect(lambda: dist.all_reduce(torch.ones(2), op=[ReduceOp.SUM, ReduceOp.MAX][rank]), "ops")
    if rank == 0:
        expect(lambda: dist.all_reduce(torch.ones(2)), "different collectives")
    else:
        expect(lambda: dist.broadcast(torch.ones(2), src=0), "different collectives")
    # the group still works afterwards
    t = torch.ones(2)
    dist.all_reduce(t)
    assert t.tolist() == [size, size]


def _mlp(seed: int, bn: bool = False) -> nn.Module:
    torch.manual_seed(seed)
    layers = [nn.Linear(6, 16), nn.Tanh()]
    if bn:
        layers.append(nn.BatchNorm1d(16))
    layers += [nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3)]
    return nn.Sequential(*layers).double()


def _all_params_equal_across_ranks(model: nn.Module) -> None:
    mine = [p.detach().numpy().copy() for p in model.parameters()]
    everyone = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, mine)
    for other in everyone:
        for a, b in zip(mine, other):
            assert np.array_equal(a, b), "parameters differ across ranks"


class _iallreduce_path:
    """DDP built inside uses MPI Iallreduce buckets instead of the shared-memory window."""

    def __enter__(self):
        nn.parallel.DistributedDataParallel._shared_memory = False

    def __exit__(self, *exc):
        nn.parallel.DistributedDataParallel._shared_memory = True


@case
def ddp_matches_one_process_with_the_global_batch(rank, size):
    # several buckets / one bucket / gradients as views into the buckets; buckets in a
    # shared-memory window (ranks on one machine) or reduced by MPI Iallreduce
    for cap, opt_name, as_view, shared in ((0.0005, "sgd", False, True),
                                           (0.0005, "sgd", False, False),
                                           (25, "adam", False, True), (25, "adam", False, False),
                                           (0.001, "sgd", True, True),
                                           (0.001, "sgd", True, False)):  # fmt: skip
        model = _mlp(seed=rank)  # different init per rank: DDP must broadcast rank 0's
        ref = _mlp(seed=0)
        nn.parallel.DistributedDataParallel._shared_memory = shared
        try:
            ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=cap,
                                                      gradient_as_bucket_view=as_view)  # fmt: skip
        finally:
            nn.parallel.DistributedDataParallel._shared_memory = True
        assert bool(ddp._reducers) == shared
        if cap < 1:
            assert len(ddp._buckets) >= 3
        _all_params_equal_across_ranks(model)
        make = {
            "sgd": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
            "adam": lambda ps: torch.optim.Adam(ps, lr=0.01),
        }[opt_name]
        opt, ropt = make(ddp.parameters()), make(ref.parameters())
        rng = np.random.default_rng(5)
        B = 8
        for _ in range(20):
            X = torch.tensor(rng.standard_normal((B, 6)))
            Y = torch.tensor(rng.integers(0, 3, B))
            part = slice(rank * B // size, (rank + 1) * B // size)
            opt.zero_grad()
            nn.CrossEntropyLoss()(ddp(X[part]), Y[part]).backward()
            opt.step()
            ropt.zero_grad()
            nn.CrossEntropyLoss()(ref(X), Y).backward()
            ropt.step()
            _all_params_equal_across_ranks(model)
        err = max(float((a - b).abs().max()) for a, b in zip(model.parameters(), ref.parameters()))
        assert err < 1e-10, err
        # gradients as bucket views: parameters and gradients are flat, the optimizer's
        # foreach path updated the whole group at once (flat momentum buffer)
        flat = ("flat", id(opt.param_groups[0])) in opt._scratch
        assert flat == as_view, (flat, as_view)
        grads = [p.grad.numpy().copy() for p in model.parameters()]
        ddp.remove_hooks()
        # freeing the window leaves the gradients (copied out of it when they were views)
        for p, g in zip(model.parameters(), grads):
            assert np.array_equal(p.grad.numpy(), g)
        assert not ddp._reducers and not ddp._group.reducers


@case
def shared_memory_mean_equals_numpy(rank, size):
    from nablagrad.distributed.shm import SharedReducer

    g = dist.process_group._default()
    assert g.single_node  # mpiexec -n 2 on this machine
    for n, dtype in ((1, "float64"), (7, "float32"), (40001, "float32"), (33, "float16"),
                     (5, "complex128")):  # fmt: skip
        red = SharedReducer(g, n, dtype)
        for seed in range(3):  # the same window reused
            red.buf[...] = rank_data(rank, (n,), dtype, seed)
            red.mean_()
            parts = [rank_data(r, (n,), dtype, seed) for r in range(size)]
            wide = np.complex128 if np.dtype(dtype).kind == "c" else np.float64
            want = (np.sum(parts, axis=0, dtype=wide) / size).astype(dtype)
            assert np.array_equal(red.buf, want), (n, dtype, red.buf[:4], want[:4])
        red.free()
    assert not g.reducers
    try:
        SharedReducer(g, 4, "int64")
    except TypeError as e:
        assert "float" in str(e)
    else:
        raise AssertionError("an integer window must be refused")


@case
def ddp_buckets_start_during_backward(rank, size):
    model = _mlp(seed=0)
    with _iallreduce_path():
        ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0.0005)
    events = []
    launch = ddp._group.iallreduce_array

    def spy(arr):
        events.append("launch")
        return launch(arr)

    ddp._group.iallreduce_array = spy
    first = model[0].weight  # the last parameter whose gradient is ready
    h = first.register_post_accumulate_grad_hook(lambda t: events.append("first layer ready"))
    try:
        nn.CrossEntropyLoss()(ddp(torch.randn(4, 6, dtype=torch.float64)),
                              torch.tensor([0, 1, 2, 0])).backward()  # fmt: skip
    finally:
        ddp._group.iallreduce_array = launch
        h.remove()
    assert events.count("launch") == len(ddp._buckets) >= 3
    # buckets of later layers were in flight before backward reached the first layer
    assert events.index("launch") < events.index("first layer ready"), events
    ddp.remove_hooks()


@case
def ddp_broadcasts_buffers_and_state_dict_has_module_prefix(rank, size):
    model = _mlp(seed=rank, bn=True)
    model[2].running_mean._data[:] = rank + 1.0
    ddp = nn.parallel.DistributedDataParallel(model)
    assert model[2].running_mean.tolist() == [1.0] * 16
    assert all(k.startswith("module.") for k in ddp.state_dict())
    ddp.remove_hooks()
    try:
        nn.parallel.DistributedDataParallel(nn.Linear(4, 4 + rank))
    except dist.DistributedError as e:
        assert "same architecture" in str(e), str(e)
    else:
        raise AssertionError("different models on the ranks must raise")


@case
def ddp_no_sync_accumulation_equals_one_big_batch(rank, size):
    model, ref = _mlp(seed=3), _mlp(seed=3)
    ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=0.001)
    rng = np.random.default_rng(9)
    b = 4
    micro = [(torch.tensor(rng.standard_normal((size * b, 6))),
              torch.tensor(rng.integers(0, 3, size * b))) for _ in range(3)]  # fmt: skip
    mine = slice(rank * b, (rank + 1) * b)
    with ddp.no_sync():
        for X, Y in micro[:2]:
            nn.CrossEntropyLoss()(ddp(X[mine]), Y[mine]).backward()
    # inside no_sync the gradients stay local: they differ across ranks
    local = [p.grad.numpy().copy() for p in model.parameters()]
    everyone = [None] * size
    dist.all_gather_object(everyone, local)
    assert not all(np.array_equal(a, c) for a, c in zip(everyone[0], everyone[1]))
    X, Y = micro[2]
    nn.CrossEntropyLoss()(ddp(X[mine]), Y[mine]).backward()
    for X, Y in micro:  # one process: each micro-batch of all ranks' samples
        nn.CrossEntropyLoss()(ref(X), Y).backward()
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=0, atol=1e-12)
    ddp.remove_hooks()


class _Branchy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)  # used on rank 0 only
        self.never = nn.Linear(4, 4)  # used nowhere

    def forward(self, x, use_b):
        h = self.a(x)
        return self.b(h) if use_b else h


@case
def ddp_find_unused_parameters(rank, size):
    torch.manual_seed(0)
    model = _Branchy().double()
    ddp = nn.parallel.DistributedDataParallel(model, find_unused_parameters=True)
    x = torch.ones(2, 4, dtype=torch.float64) * (rank + 1)
    ddp(x, use_b=(rank == 0)).sum().backward()
    assert model.never.weight.grad is None  # unused on every rank: untouched
    assert model.b.weight.grad is not None
    torch.manual_seed(0)
    ref = _Branchy().double()
    ref.b(ref.a(torch.ones(2, 4, dtype=torch.float64))).sum().backward()
    # rank 1 contributes zeros for b: the average is half of rank 0's gradient
    np.testing.assert_allclose(model.b.weight.grad.numpy(), ref.b.weight.grad.numpy() / 2,
                               rtol=0, atol=1e-14)  # fmt: skip
    ddp.remove_hooks()
    strict = nn.parallel.DistributedDataParallel(_Branchy().double())
    try:
        strict(x, use_b=False).sum().backward()
    except RuntimeError as e:
        assert "find_unused_parameters=True" in str(e) and "b.weight" in str(e), str(e)
    else:
        raise AssertionError("unused parameters without find_unused_parameters must raise")
    strict.remove_hooks()


@case
def sync_batchnorm_equals_batchnorm_on_the_global_batch(rank, size):
    rng = np.random.default_rng(2)
    for shape, bn_cls in (((3, 5), nn.BatchNorm1d), ((2, 4, 3, 3), nn.BatchNorm2d)):
        counts = [3, 5][:size] if size == 2 else [3] * size
        full = rng.standard_normal((sum(counts),) + shape[1:]) * 2 + 1
        upstream = rng.standard_normal(full.shape)
        start = sum(counts[:rank])
        c = shape[1]
        sync = nn.SyncBatchNorm(c).double()
        ref = bn_cls(c).double()
        with torch.no_grad():
            w = torch.tensor(rng.standard_normal(c))
            sync.weight.copy_(w) if hasattr(sync.weight, "copy_") else None
            sync.weight._data[:] = w._data
            ref.weight._data[:] = w._data
        for _ in range(2):  # running statistics move the same way
            x = torch.tensor(full[start : start + counts[rank]], requires_grad=True)
            y = sync(x)
            (y * torch.tensor(upstream[start : start + counts[rank]])).sum().backward()
            xr = torch.tensor(full, requires_grad=True)
            yr = ref(xr)
            (yr * torch.tensor(upstream)).sum().backward()
            np.testing.assert_allclose(
                y.detach().numpy(), yr.detach().numpy()[start : start + counts[rank]], atol=1e-12
            )  # noqa: E501
            np.testing.assert_allclose(
                x.grad.numpy(), xr.grad.numpy()[start : start + counts[rank]], atol=1e-12
            )  # noqa: E501
            gw = sync.weight.grad.clone()
            dist.all_reduce(gw)  # the ranks' weight gradients sum to the global one
            np.testing.assert_allclose(gw.numpy(), ref.weight.grad.numpy(), atol=1e-12)
            sync.zero_grad()
            ref.zero_grad()
        np.testing.assert_allclose(sync.running_mean.numpy(), ref.running_mean.numpy(), atol=1e-13)
        np.testing.assert_allclose(sync.running_var.numpy(), ref.running_var.numpy(), atol=1e-13)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Sequential(nn.BatchNorm1d(4)))
    conv = nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert isinstance(conv[1], nn.SyncBatchNorm) and isinstance(conv[2][0], nn.SyncBatchNorm)
    assert conv[1].weight is net[1].weight


def _shared_tmpdir(rank):
    box = [tempfile.mkdtemp(prefix="ng-mpi-") if rank == 0 else None]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def _fit_run(epochs, ckdir, resume=None, log=None):
    from nablagrad.train import CSVLogger, ModelCheckpoint, fit

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = torch.tensor(rng.standard_normal((90, 6)))
    Y = torch.tensor(rng.integers(0, 3, 90))
    model = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Dropout(0.3), nn.Linear(12, 3)).double()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.StepLR(opt, 2, 0.5)
    gen = torch.Generator().manual_seed(4)
    h = fit(model, (X, Y), (X[:31], Y[:31]), nn.CrossEntropyLoss(), opt, epochs=epochs,
            scheduler=sched, metrics=["accuracy"], batch_size=8, generator=gen,
            callbacks=[ModelCheckpoint(ckdir, monitor="val_loss")]
            + ([CSVLogger(log)] if log else []), resume=resume,
            progress=False)  # fmt: skip
    return model, h, (X, Y)


@case
def fit_on_two_ranks_reduces_metrics_and_resumes_bit_identically(rank, size):
    from nablagrad.train import evaluate

    d = _shared_tmpdir(rank)
    try:
        # each rank names its own log file: only rank 0's may appear
        full, h, (X, Y) = _fit_run(4, os.path.join(d, "a"), log=os.path.join(d, f"log{rank}.csv"))
        _all_params_equal_across_ranks(full)
        # validation metrics cover every validation sample once: equal to one process
        local = evaluate(full, (X[:31], Y[:31]), nn.CrossEntropyLoss(), ["accuracy"])
        assert abs(h["val_loss"][-1] - local["loss"]) < 1e-12, (h["val_loss"][-1], local)
        assert h["val_accuracy"][-1] == local["accuracy"]
        logs = [None] * size
        dist.all_gather_object(logs, h.history)
        assert all(lg == logs[0] for lg in logs)  # every rank logs the same numbers
        dist.barrier()
        assert os.path.isfile(os.path.join(d, "a", "last.safetensors"))
        assert os.path.isfile(os.path.join(d, "log0.csv"))
        assert not os.path.exists(os.path.join(d, "log1.csv"))  # rank 1 wrote no file
        _fit_run(2, os.path.join(d, "b"))
        dist.barrier()
        resumed, h2, _ = _fit_run(4, os.path.join(d, "b"),
                                  resume=os.path.join(d, "b", "last.safetensors"))  # fmt: skip
        for p, q in zip(full.parameters(), resumed.parameters()):
            assert np.array_equal(p.detach().numpy(), q.detach().numpy()), "resume not exact"
        assert h2["loss"] == h["loss"]
    finally:
        dist.barrier()
        if rank == 0:
            shutil.rmtree(d, ignore_errors=True)


@case
def distributed_sampler_defaults_to_the_group(rank, size):
    from nablagrad.utils.data import DistributedSampler

    s = DistributedSampler(range(11), shuffle=False)
    assert (s.num_replicas, s.rank) == (size, rank)
    assert list(s) == list(range(11))[rank::size] + ([0] if rank == 1 and size == 2 else [])


def _knn_data():
    rng = np.random.default_rng(11)
    X = rng.integers(0, 4, (100, 3)).astype(np.float64)  # many exact distance ties
    y = rng.integers(0, 4, 100)
    Q = rng.integers(0, 4, (40, 3)).astype(np.float64)
    return X, y, Q


@case
def sharded_knn_equals_one_process(rank, size):
    from nablagrad.neighbors import KNeighborsClassifier, KNeighborsRegressor, cdist
    from nablagrad.neighbors.sharded import cdist_rows

    X, y, Q = _knn_data()
    cut = [0, 37, 100] if size == 2 else np.linspace(0, 100, size + 1).astype(int)
    lo, hi = cut[rank], cut[rank + 1]
    for k in (1, 4, 9):
        for p in (1, 2, float("inf")):
            for weights in ("uniform", "distance"):
                one = KNeighborsClassifier(k, p=p, weights=weights).fit(X, y)
                sh = KNeighborsClassifier(k, p=p, weights=weights).fit(
                    X[lo:hi], y[lo:hi], sharded=True
                )
                d1, i1 = one.kneighbors(Q)
                d2, i2 = sh.kneighbors(Q)
                assert np.array_equal(i1, i2) and np.array_equal(d1, d2), (k, p)
                assert np.array_equal(one.predict(Q), sh.predict(Q))
                assert np.array_equal(one.predict_proba(Q), sh.predict_proba(Q))
    # a shard without some class still predicts with the global classes
    sh = KNeighborsClassifier(3).fit(X[lo:hi][y[lo:hi] != rank], y[lo:hi][y[lo:hi] != rank],
                                     sharded=True)  # fmt: skip
    keep = np.concatenate([np.arange(cut[r], cut[r + 1])[y[cut[r]:cut[r + 1]] != r]
                           for r in range(size)])  # fmt: skip
    one = KNeighborsClassifier(3).fit(X[keep], y[keep])
    assert np.array_equal(sh.classes_, one.classes_)
    assert np.array_equal(sh.predict(Q), one.predict(Q))
    reg1 = KNeighborsRegressor(5, weights="distance").fit(X, y * 1.5)
    reg2 = KNeighborsRegressor(5, weights="distance").fit(X[lo:hi], y[lo:hi] * 1.5, sharded=True)
    assert np.array_equal(reg1.predict(Q), reg2.predict(Q))
    try:
        KNeighborsClassifier(101).fit(X[lo:hi], y[lo:hi], sharded=True).predict(Q)
    except ValueError as e:
        assert "100 training samples" in str(e)
    else:
        raise AssertionError("k > global n must raise")
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((23, 5)), rng.standard_normal((17, 5))
    for p in (1.0, 2.0, 3.0, float("inf")):
        assert np.array_equal(cdist_rows(a, b, p), cdist(a, b, p)), p
    out = cdist_rows(torch.tensor(a), torch.tensor(b), metric="cosine")
    assert isinstance(out, torch.Tensor)
    assert np.array_equal(out.numpy(), cdist(a, b, metric="cosine"))


@case
def parallel_search_and_tune_equal_one_process(rank, size):
    from nablagrad.datasets import load_digits
    from nablagrad.neighbors import KNeighborsClassifier
    from nablagrad.tuning import GridSearch, RandomSearch, loguniform, randint, tune

    X, y = load_digits()
    X, y = X[:300], y[:300]
    grid = {"n_neighbors": [1, 3, 5, 7], "p": [1, 2]}
    par = GridSearch(KNeighborsClassifier(), grid, cv=3).fit(X, y)
    seq = GridSearch(KNeighborsClassifier(), grid, cv=3, distributed=False).fit(X, y)
    assert par.best_params_ == seq.best_params_ and par.best_score_ == seq.best_score_
    assert par.results_.rows == seq.results_.rows
    space = {"n_neighbors": randint(1, 12), "p": [1, 2, float("inf")]}
    par = RandomSearch(KNeighborsClassifier(), space, n_iter=7, cv=3, seed=2).fit(X, y)
    seq = RandomSearch(KNeighborsClassifier(), space, n_iter=7, cv=3, seed=2,
                       distributed=False).fit(X, y)  # fmt: skip
    assert par.results_.rows == seq.results_.rows

    calls = []

    def train_fn(cfg):
        calls.append(cfg["seed"])
        assert dist.active() == (not spreading)  # a spread trial runs on its own rank
        noise = np.random.default_rng(cfg["seed"] * 100 + cfg["budget"]).normal(0, 0.01)
        return {"val_score": -((np.log10(cfg["lr"]) + 2) ** 2) + 0.05 * cfg["budget"] + noise,
                "budget_seen": cfg["budget"]}  # fmt: skip

    space = {"lr": loguniform(1e-4, 1)}
    spreading = True
    par = tune(train_fn, space, trials=10, halving=True, max_budget=9, eta=3)
    n_par = len(calls)
    spreading = False
    seq = tune(train_fn, space, trials=10, halving=True, max_budget=9, eta=3, distributed=False)
    assert par.best_config == seq.best_config and par.best_score == seq.best_score
    assert par.table.rows == seq.table.rows
    assert n_par < len(calls) - n_par  # this rank ran only part of the trials

    def boom(cfg):
        if cfg["seed"] == 3:
            raise ValueError("bad trial")
        return 0.0

    try:
        tune(boom, space, trials=4)
    except ValueError as e:
        assert "bad trial" in str(e) and "task 3" in str(e)
    else:
        raise AssertionError("a failing trial must raise on every rank")


@case
def nccl_backend_plumbing_with_a_fake_cupy(rank, size):
    """The NCCL backend's code, run against fake_cupy (NCCL calls done by MPI; no GPU here)."""
    import fake_cupy

    cp = fake_cupy.install()
    dist.destroy_process_group()
    try:
        dist.init_process_group("nccl", abort_on_exception=False)
        assert dist.get_backend() == "nccl" and dist.get_world_size() == size

        def dev(a):
            return torch.Tensor._wrap(cp.fake_array(a))

        for dtype in ("float32", "float64", "float16", "int64", "int32", "uint8", "bool"):
            for op in ReduceOp:
                if op is ReduceOp.AVG and np.dtype(dtype).kind not in "f":
                    continue
                t = dev(rank_data(rank, (3, 4), dtype))
                _w(dist.all_reduce(t, op=op, async_op=op is ReduceOp.MAX))
                want = expected_reduce([rank_data(r, (3, 4), dtype) for r in range(size)], op,
                                       dtype)  # fmt: skip
                np.testing.assert_array_equal(np.asarray(t._data), want, err_msg=f"{dtype} {op}")
        for dtype in ("float32", "int64"):
            parts = [rank_data(r, (2, 3), dtype, seed=4) for r in range(size)]
            for src in range(size):
                t = dev(parts[rank].copy())
                dist.broadcast(t, src=src)
                np.testing.assert_array_equal(np.asarray(t._data), parts[src])
            outs = [dev(np.zeros((2, 3), dtype)) for _ in range(size)]
            _w(dist.all_gather(outs, dev(parts[rank]), async_op=True))
            for r in range(size):
                np.testing.assert_array_equal(np.asarray(outs[r]._data), parts[r])
            flat = dev(np.zeros((2 * size, 3), dtype))
            dist.all_gather_into_tensor(flat, dev(parts[rank]))
            np.testing.assert_array_equal(np.asarray(flat._data), np.concatenate(parts))
            out = dev(np.zeros((2, 3), dtype))
            dist.reduce_scatter_tensor(out, dev(np.concatenate(parts)))
            np.testing.assert_array_equal(np.asarray(out._data), parts[rank] * size)
            for dst in range(size):
                gl = [dev(np.zeros((2, 3), dtype)) for _ in range(size)]
                dist.gather(dev(parts[rank]), gl if rank == dst else None, dst=dst)
                if rank == dst:
                    for r in range(size):
                        np.testing.assert_array_equal(np.asarray(gl[r]._data), parts[r])
                got = dev(np.zeros((2, 3), dtype))
                dist.scatter(got, [dev(p) for p in parts] if rank == dst else None, src=dst)
                np.testing.assert_array_equal(np.asarray(got._data), parts[rank])
                red = dev(parts[rank].copy())
                dist.reduce(red, dst=dst)
                if rank == dst:
                    np.testing.assert_array_equal(np.asarray(red._data), sum(parts))
        try:
            dist.all_reduce(torch.ones(2))
        except TypeError as e:
            assert "CUDA tensors" in str(e)
        else:
            raise AssertionError("a CPU tensor on the nccl backend must raise")
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
        fake_cupy.uninstall()
        dist.init_process_group("mpi", abort_on_exception=False)


@case
def timeout_when_a_rank_never_calls(rank, size):
    from mpi4py import MPI

    from nablagrad.distributed.process_group import _sig

    g = dist.process_group._default()
    old, g.timeout = g.timeout, 0.5
    try:
        if rank == 0:
            t0 = time.monotonic()
            try:
                dist.all_reduce(torch.ones(3))
            except dist.DistributedError as e:
                assert "timed out after 0.5 s" in str(e), str(e)
                assert time.monotonic() - t0 < 10
            else:
                raise AssertionError("expected a timeout")
            finally:
                for r in range(1, size):  # out of band: the other ranks may clean up now
                    MPI.COMM_WORLD.send("timed out", dest=r, tag=77)
        else:
            MPI.COMM_WORLD.recv(source=0, tag=77)
            # complete rank 0's abandoned argument check, so the group stays usable
            g.allgather_sig(_sig(99, 0, 0, np.ones(1, np.float32)), "cleanup")
    finally:
        g.timeout = old


def main() -> int:
    dist.init_process_group("mpi", abort_on_exception=False)
    rank, size = dist.get_rank(), dist.get_world_size()
    only = set(sys.argv[1:])
    failures = 0
    for fn in CASES:
        if only and fn.__name__ not in only:
            continue
        t0 = time.perf_counter()
        try:
            fn(rank, size)
            mine = None
        except Exception:  # noqa: BLE001 - reported below
            mine = traceback.format_exc()
        outcomes = [None] * size
        dist.all_gather_object(outcomes, mine)
        bad = [(r, o) for r, o in enumerate(outcomes) if o is not None]
        if rank == 0:
            took = time.perf_counter() - t0
            if bad:
                failures += 1
                detail = " | ".join(f"rank {r}: {o}" for r, o in bad).replace("\n", "\\n")
                print(f"CASE {fn.__name__} FAIL {detail}", flush=True)
            else:
                print(f"CASE {fn.__name__} OK {took:.2f}s", flush=True)
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
