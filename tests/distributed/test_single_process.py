"""The parts of nablagrad.distributed that need no second process: the engine's
post-accumulate-grad hooks, DistributedSampler against torch's, errors, launch helpers."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch as T

import nablagrad as torch
import nablagrad.distributed as dist
from nablagrad import nn
from nablagrad.autograd import engine
from nablagrad.distributed._common import host_view
from nablagrad.distributed.launch import launched_world_size
from nablagrad.train.cli import _strip_nproc
from nablagrad.utils.data import DistributedSampler
from nablagrad.utils.data.distributed import torch_randperm


def _graph(lib, w1, w2, x):
    h = (x @ w1).tanh()
    return ((h @ w2).sum() + (x @ w1).sum() * 0.5) * (w2 * w2).sum()


def test_post_accumulate_grad_hooks_match_torch():
    rng = np.random.default_rng(0)
    a, b, x = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal((5, 3))
    seen = {}
    for lib in (torch, T):
        w1 = lib.tensor(a, requires_grad=True)
        w2 = lib.tensor(b, requires_grad=True)
        calls = []
        for name, w in (("w1", w1), ("w2", w2)):
            w.register_post_accumulate_grad_hook(
                lambda t, name=name, calls=calls: calls.append(
                    (name, t.grad.detach().numpy().copy())
                )
            )
        for _ in range(2):  # the second pass accumulates into .grad: hooks see the total
            _graph(lib, w1, w2, lib.tensor(x)).backward()
        seen[lib.__name__] = calls
    ng, tc = seen["nablagrad"], seen["torch"]
    assert sorted(n for n, _ in ng) == sorted(n for n, _ in tc) == ["w1", "w1", "w2", "w2"]
    for name in ("w1", "w2"):
        got = [g for n, g in ng if n == name]
        want = [g for n, g in tc if n == name]
        for g, h in zip(got, want):
            np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-12)


def test_post_accumulate_hook_runs_before_older_nodes_are_differentiated():
    w_last = torch.randn(3, 3, requires_grad=True)
    w_first = torch.randn(3, 3, requires_grad=True)
    order = []
    w_last.register_post_accumulate_grad_hook(lambda t: order.append("last"))
    w_first.register_post_accumulate_grad_hook(lambda t: order.append("first"))
    x = torch.randn(2, 3)
    h = (x @ w_first).relu()
    watch = h.register_hook(lambda g: order.append("h"))  # h's grad comes after w_last is done
    (h @ w_last).sum().backward()
    assert order == ["last", "h", "first"]
    watch.remove()


def test_post_accumulate_hook_rules_and_removal():
    w = torch.randn(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        torch.ones(2).register_post_accumulate_grad_hook(lambda t: None)
    before = engine.post_hook_count
    calls = []
    handle = w.register_post_accumulate_grad_hook(lambda t: calls.append(1))
    assert engine.post_hook_count == before + 1
    w.sum().backward()  # the root's leaf itself
    handle.remove()
    handle.remove()
    assert engine.post_hook_count == before
    (w * 3).sum().backward()
    assert calls == [1]
    torch.autograd.grad((w * w).sum(), w)  # no accumulation: hooks do not run


def test_gradients_are_unchanged_by_early_leaf_finishing():
    rng = np.random.default_rng(1)
    grads = []
    for hooked in (False, True):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 2))
        net.double()
        handles = []
        if hooked:
            handles = [p.register_post_accumulate_grad_hook(lambda t: None)
                       for p in net.parameters()]  # fmt: skip
        x = torch.tensor(rng.standard_normal((6, 4)))
        out = net(x)
        (out.pow(2).sum() + net[0](x).sum()).backward()
        grads.append([p.grad.numpy().copy() for p in net.parameters()])
        for h in handles:
            h.remove()
        rng = np.random.default_rng(1)
    for a, b in zip(*grads):
        assert np.array_equal(a, b)


def test_queued_callbacks_run_once_at_the_end_of_backward():
    w = torch.randn(3, requires_grad=True)
    log = []

    def hook(t):
        log.append("hook")
        engine.queue_callback(lambda: log.append(("end", t.grad is not None)))

    h = w.register_post_accumulate_grad_hook(hook)
    (w * w).sum().backward()
    assert log == ["hook", ("end", True)]
    (w * 2).sum().backward()
    assert log == ["hook", ("end", True), "hook", ("end", True)]
    h.remove()


@pytest.mark.parametrize("n", [1, 2, 5, 10, 11, 97])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
def test_distributed_sampler_matches_torch(n, replicas):
    from torch.utils.data import DistributedSampler as TorchSampler

    for rank in range(replicas):
        for shuffle in (True, False):
            for drop_last in (True, False):
                for epoch in (0, 3):
                    kw = dict(num_replicas=replicas, rank=rank, shuffle=shuffle, seed=5,
                              drop_last=drop_last)  # fmt: skip
                    a, b = TorchSampler(range(n), **kw), DistributedSampler(range(n), **kw)
                    a.set_epoch(epoch)
                    b.set_epoch(epoch)
                    assert list(b) == list(a) and len(b) == len(a)


@pytest.mark.parametrize("n,seed", [(1, 0), (2, 1), (100, 7), (6000, 123), (2**16 + 3, 2**40)])
def test_torch_randperm_is_torchs(n, seed):
    want = T.randperm(n, generator=T.Generator().manual_seed(seed)).numpy()
    assert np.array_equal(torch_randperm(n, seed), want)


@pytest.mark.parametrize("compiled", [False, True])
def test_vectorised_swaps_equal_the_swap_loop(compiled):
    from nablagrad import backend
    from nablagrad.utils.data.distributed import fisher_yates, fisher_yates_numpy

    if compiled and not backend.jit_available():
        pytest.skip("Numba is not installed (pip install -e '.[test]' brings it)")
    if not compiled:
        fisher_yates = fisher_yates_numpy  # noqa: F811

    rng = np.random.default_rng(0)
    for n in [1, 2, 3, 4, 5, 8, 13, 100, 5000]:
        for _ in range(300 if n < 20 else 5):
            z = np.array([rng.integers(i, n) for i in range(n - 1)], dtype=np.int64)
            if n > 4 and rng.random() < 0.3:
                z = np.arange(n - 1, dtype=np.int64)  # every step swaps with itself
            want = list(range(n))
            for i, k in enumerate(z.tolist()):
                want[i], want[k] = want[k], want[i]
            assert fisher_yates(z, n).tolist() == want, (n, z.tolist()[:20])


def test_distributed_sampler_in_a_dataloader_and_errors():
    from nablagrad.utils.data import DataLoader, TensorDataset

    ds = TensorDataset(torch.arange(10))
    loader = DataLoader(
        ds, batch_size=2, sampler=DistributedSampler(ds, num_replicas=2, rank=1, shuffle=False)
    )
    assert [b[0].tolist() for b in loader] == [[1, 3], [5, 7], [9]]
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler(ds, num_replicas=2, rank=2)
    with pytest.raises(RuntimeError, match="init_process_group"):
        DistributedSampler(ds)


def test_without_a_process_group_errors_name_the_fix():
    assert not dist.is_initialized() and not dist.active()
    with pytest.raises(RuntimeError, match="init_process_group"):
        dist.get_rank()
    with pytest.raises(RuntimeError, match="init_process_group"):
        dist.all_reduce(torch.ones(2))
    with pytest.raises(RuntimeError, match="init_process_group"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="unknown backend 'gloo'"):
        dist.init_process_group("gloo")


def test_missing_mpi4py_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(ImportError, match=r'pip install "nablagrad\[mpi\]"'):
        dist.init_process_group("mpi")
    assert not dist.is_initialized()
    assert not dist.is_mpi_available()


def test_sync_batchnorm_without_a_group_is_batchnorm():
    x = torch.randn(6, 3, dtype=torch.float64)
    sync, ref = nn.SyncBatchNorm(3).double(), nn.BatchNorm1d(3).double()
    np.testing.assert_allclose(sync(x).detach().numpy(), ref(x).detach().numpy(), atol=1e-15)
    np.testing.assert_allclose(sync.running_var.numpy(), ref.running_var.numpy(), atol=1e-15)


def test_host_view_is_zero_copy_for_contiguous_arrays():
    t = torch.ones(4, 3)
    buf, back = host_view(t)
    assert buf is t._data and back is None
    s = torch.ones(4, 3).t()
    buf, back = host_view(s)
    assert buf is not s._data and buf.flags.c_contiguous
    buf[...] = 7
    back()
    assert (s.numpy() == 7).all()


def test_launch_helpers(monkeypatch):
    for var in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    assert launched_world_size() == 1
    monkeypatch.setenv("PMI_SIZE", "4")
    assert launched_world_size() == 4
    monkeypatch.delenv("PMI_SIZE")
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "3")
    assert launched_world_size() == 3
    assert _strip_nproc(["train", "--nproc", "2", "--epochs", "3", "--nproc=4"]) == [
        "train", "--epochs", "3"]  # fmt: skip
