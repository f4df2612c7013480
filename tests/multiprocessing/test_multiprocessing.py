"""nablagrad.multiprocessing: shared-memory tensors across real processes (spawn and fork),
Hogwild training, spawn's error propagation, and torch's flags/errors where observable."""

from __future__ import annotations

import gc
import importlib
import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import nablagrad as ng
import nablagrad.multiprocessing as mp
from nablagrad import backend

torch = pytest.importorskip("torch")
import torch.multiprocessing as tmp  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux process model")


@pytest.fixture
def workers(monkeypatch):
    """The worker module, importable by name in spawn-started children (sys.path travels)."""
    monkeypatch.syspath_prepend(HERE)
    return importlib.import_module("mp_workers")


def _shm_listing() -> set:
    return set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()


def _join(p, timeout=30):
    p.join(timeout)
    assert p.exitcode == 0, f"child exited with {p.exitcode}"


# ------------------------------------------------------------------ flags and API, one process


def test_share_memory_flags_match_torch():
    for lib in (ng, torch):
        t = lib.arange(6.0).reshape(2, 3)
        assert not t.is_shared()
        assert t.share_memory_() is t and t.is_shared()
        assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        assert t[:, 1].is_shared() and not t.clone().is_shared() and not (t + 1).is_shared()
        m = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.BatchNorm1d(2))
        m(lib.randn(4, 3)).sum().backward()
        assert m.share_memory() is m
        assert all(p.is_shared() and p.grad.is_shared() for p in m.parameters())
        assert all(b.is_shared() for b in m.buffers())
        assert all(isinstance(p, lib.nn.Parameter) and p.requires_grad for p in m.parameters())
        # out-of-place results and assign=True loads are fresh memory, as in torch
        m.load_state_dict(m.state_dict())
        assert m[0].weight.is_shared()
        m.load_state_dict({k: v.clone() for k, v in m.state_dict().items()}, assign=True)
        assert not m[0].weight.is_shared()


def test_sharing_strategies_and_reexports_match_torch():
    assert mp.get_all_sharing_strategies() == tmp.get_all_sharing_strategies()
    assert mp.get_sharing_strategy() == tmp.get_sharing_strategy() == "file_descriptor"
    for name in ("Process", "Queue", "SimpleQueue", "Pool", "Pipe", "Event", "Manager",
                 "get_context", "set_start_method", "get_start_method", "cpu_count",
                 "get_all_start_methods", "current_process", "active_children",
                 "spawn", "start_processes", "ProcessContext", "ProcessRaisedException",
                 "ProcessExitedException"):  # fmt: skip
        assert hasattr(mp, name) and hasattr(tmp, name), name
    assert mp.Process is tmp.Process and mp.get_context is tmp.get_context
    with pytest.raises(ValueError, match="file_descriptor"):
        mp.set_sharing_strategy("bogus")
    with pytest.warns(UserWarning, match="file descriptors"):
        mp.set_sharing_strategy("file_system")
    try:
        assert mp.get_sharing_strategy() == "file_system"
    finally:
        mp.set_sharing_strategy("file_descriptor")


def test_queue_send_moves_the_sender_into_shared_memory_like_torch():
    """torch's reducer shares a plain CPU tensor in place when it is sent; so does ours."""
    for lib, m in ((ng, mp), (torch, tmp)):
        q = m.get_context("fork").SimpleQueue()
        t = lib.zeros(2, 3)
        q.put(t[:, 1:])  # a strided view: shape, strides and offset travel with the handle
        u = q.get()
        assert t.is_shared() and u.is_shared()
        u.add_(1)
        assert t.tolist() == [[0.0, 1.0, 1.0], [0.0, 1.0, 1.0]]
        p = lib.nn.Parameter(lib.ones(2))
        q.put(p)
        r = q.get()
        assert isinstance(r, lib.nn.Parameter) and r.requires_grad and r.grad is None


def test_plain_pickle_still_copies():
    t = ng.zeros(3).share_memory_()
    u = pickle.loads(pickle.dumps(t))
    u.add_(1)
    assert t.tolist() == [0.0, 0.0, 0.0] and not u.is_shared()


def test_bad_input_errors():
    q = mp.get_context("fork").SimpleQueue()
    x = ng.ones(2, requires_grad=True)
    for m, y in ((mp, x * 2), (tmp, torch.ones(2, requires_grad=True) * 2)):
        with pytest.raises(RuntimeError, match="Cowardly refusing.*detach"):
            m.get_context("fork").SimpleQueue().put(y)
    q.put((x * 2).detach())
    assert q.get().tolist() == [2.0, 2.0]
    with backend.use_fake_cuda():
        c = ng.zeros(2, device="cuda")
        with pytest.raises(RuntimeError, match=r"CPU tensors only.*\.cpu\(\)"):
            c.share_memory_()
        with pytest.raises(RuntimeError, match=r"CPU tensors only.*\.cpu\(\)"):
            q.put(c)
        assert not c.is_shared()
    with pytest.raises(TypeError, match="args must be a tuple"):
        mp.start_processes(print, args=1, start_method="fork")
    with pytest.raises(ValueError, match="nprocs"):
        mp.start_processes(print, nprocs=0, start_method="fork")
    lazy = ng.nn.LazyLinear(2)
    with pytest.raises(RuntimeError, match="forward pass"):
        lazy.share_memory()


# ------------------------------------------------------------------ real processes


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_child_and_parent_see_each_others_writes(workers, method):
    ctx = mp.get_context(method)
    t = ng.zeros(4).share_memory_()
    ready, go, out = ctx.Event(), ctx.Event(), ctx.Queue()
    p = ctx.Process(target=workers.add_one_then_report, args=(t, ready, go, out), daemon=True)
    p.start()
    assert ready.wait(30)
    assert t.tolist() == [1.0, 1.0, 1.0, 1.0]  # the child's write, seen here
    t[2] = 10.0
    go.set()
    assert out.get(timeout=30) == [1.0, 1.0, 10.0, 1.0]  # ours, seen there
    _join(p)


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_unshared_tensor_argument(workers, method):
    """fork: inherited copy-on-write (child writes not visible); spawn: sent through the
    pickler, which shares it first (torch does the same)."""
    ctx = mp.get_context(method)
    t = ng.zeros(3)
    out = ctx.Queue()
    p = ctx.Process(target=workers.write_copy, args=(t, out), daemon=True)
    p.start()
    child_shared = out.get(timeout=30)
    _join(p)
    if method == "fork":
        assert t.tolist() == [0.0, 0.0, 0.0] and not t.is_shared() and not child_shared
    else:
        assert t.tolist() == [7.0, 7.0, 7.0] and t.is_shared() and child_shared


def test_queue_round_trip_between_processes(workers):
    ctx = mp.get_context("spawn")
    q_in, q_out = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=workers.echo_and_make, args=(q_in, q_out), daemon=True)
    p.start()
    t = ng.arange(3.0)
    q_in.put(t)
    shared_there, made = q_out.get(timeout=30)
    assert shared_there and t.is_shared() and t.tolist() == [0.0, 2.0, 4.0]
    assert made.is_shared() and made.tolist() == [5.0, 5.0]
    q_in.put(None)
    _join(p)
    made.add_(1)  # the child is gone; the memory stays mapped here
    assert made.tolist() == [6.0, 6.0]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_hogwild_sgd_in_two_processes_trains_the_parents_model(workers, method):
    ng.manual_seed(0)
    x = ng.randn(64, 3)
    y = x @ ng.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    model = ng.nn.Linear(3, 1)
    model.share_memory()
    before = [p.detach().clone() for p in model.parameters()]
    loss0 = ng.nn.functional.mse_loss(model(x), y).item()
    ctx = mp.get_context(method)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=workers.hogwild_train, args=(r, model, x, y, 40, out), daemon=True)
        for r in range(2)
    ]
    for p in procs:
        p.start()
    reports = sorted(out.get(timeout=60) for _ in procs)
    for p in procs:
        _join(p)
    for _rank, info, still_shared in reports:
        assert still_shared
        assert info == [("Parameter", True, True, True)] * 2
    after = list(model.parameters())
    assert all(not ng.equal(a, b) for a, b in zip(after, before))
    assert ng.nn.functional.mse_loss(model(x), y).item() < 0.2 * loss0
    assert all(p.grad is None for p in model.parameters())  # gradients stayed in the children


def test_spawn_propagates_errors_like_torch(workers, tmp_path):
    with pytest.raises(mp.ProcessRaisedException) as e:
        mp.spawn(workers.fail_or_sleep, args=("raise",), nprocs=2)
    assert e.value.error_index == 1 and isinstance(e.value.pid, int)
    assert "-- Process 1 terminated with the following error:" in str(e.value)
    assert "ValueError: boom from process 1" in str(e.value)
    with pytest.raises(mp.ProcessExitedException, match="process 1 terminated with exit code 3"):
        mp.start_processes(workers.fail_or_sleep, args=("exit",), nprocs=2, start_method="fork")
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        ctx = mp.spawn(
            workers.succeed, args=(str(tmp_path / "f"),), nprocs=2, join=False, start_method="fork"
        )
    assert isinstance(ctx, mp.ProcessContext) and len(ctx.pids()) == 2
    while not ctx.join(timeout=30):
        pass
    assert sorted(os.listdir(tmp_path)) == ["f.0", "f.1"]
    for name in ("nablagrad.multiprocessing.spawn", "torch.multiprocessing.spawn"):
        base = sys.modules[name].ProcessException
        assert issubclass(sys.modules[name].ProcessRaisedException, base)
    assert not hasattr(mp, "ProcessException") and not hasattr(tmp, "ProcessException")


def test_shared_memory_is_released_and_nothing_is_left_in_dev_shm(workers):
    listing = _shm_listing()
    gc.collect()
    base = workers.memfd_count()
    t = ng.ones(1000).share_memory_()
    assert workers.memfd_count() > base  # (the mmap holds a duplicate of the descriptor)
    ctx = mp.get_context("spawn")
    q, out = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=workers.count_after_drop, args=(q, out), daemon=True)
    p.start()
    q.put(t)
    held, dropped = out.get(timeout=30)
    _join(p)
    assert held > 0 and dropped == 0  # the child mapped it, and closed it when unused
    del t
    gc.collect()
    assert workers.memfd_count() == base
    # nothing named is ever created (other programs' and Queue semaphores may come and go)
    assert not [n for n in _shm_listing() - listing if "nablagrad" in n]


def test_nablagrad_run_children_import_nablagrad_as_torch(tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(
        textwrap.dedent(
            """
            import torch
            import torch.multiprocessing as mp

            def work(i, t):
                assert torch.__name__ == "nablagrad", torch.__name__
                t[i] = i + 1

            if __name__ == "__main__":
                t = torch.zeros(2).share_memory_()
                mp.spawn(work, args=(t,), nprocs=2)
                print(torch.__name__, t.tolist())
            """
        )
    )
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, "..", "..", "src"))
    with warnings.catch_warnings():
        res = subprocess.run(
            [sys.executable, "-m", "nablagrad", "run", str(script)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "nablagrad [1.0, 2.0]"


def test_shared_array_layout_survives_numpy_views():
    t = ng.arange(12.0).reshape(3, 4).share_memory_()
    v = t.t()[1:]
    assert v.is_shared()
    q = mp.get_context("fork").SimpleQueue()
    q.put(v)
    w = q.get()
    assert np.array_equal(w.numpy(), v.numpy())
    w.zero_()
    assert t[:, 1:].abs().sum().item() == 0.0 and t[:, 0].tolist() == [0.0, 4.0, 8.0]


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("SGD", {"momentum": 0.5}),
        ("SGD", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1, "foreach": False}),
        ("Adam", {}),
        ("Adam", {"amsgrad": True, "foreach": False}),
        ("AdamW", {"foreach": True}),
        ("RMSprop", {"momentum": 0.5}),
        ("Adagrad", {}),
        ("LBFGS", {}),
    ],
)
def test_optimizer_steps_write_into_the_shared_memory(name, kwargs):
    """The Hogwild premise: a step updates the shared arrays in place (no rebinding)."""
    from nablagrad import _shm

    ng.manual_seed(0)
    m = ng.nn.Sequential(ng.nn.Linear(4, 3), ng.nn.Tanh(), ng.nn.Linear(3, 2)).share_memory()
    where = [(_shm.block_of(p._data), _shm.address(p._data)) for p in m.parameters()]
    before = [p.detach().clone() for p in m.parameters()]
    opt = getattr(ng.optim, name)(m.parameters(), lr=0.01, **kwargs)
    x = ng.randn(8, 4)

    def closure():
        opt.zero_grad()
        loss = m(x).pow(2).sum()
        loss.backward()
        return loss

    for _ in range(3):
        opt.step(closure)
    for p, (block, addr), b in zip(m.parameters(), where, before):
        assert p.is_shared() and _shm.block_of(p._data) is block
        assert _shm.address(p._data) == addr and not ng.equal(p, b)


def test_stdlib_multiprocessing_sends_shared_tensors_as_handles():
    """Without importing nablagrad.multiprocessing: share_memory_() registers the reducers."""
    import multiprocessing as stdlib_mp

    t = ng.zeros(2).share_memory_()
    q = stdlib_mp.get_context("fork").SimpleQueue()
    q.put(t)
    q.get().add_(1)
    assert t.tolist() == [1.0, 1.0]
