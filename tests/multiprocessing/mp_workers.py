"""Functions run in child processes by test_multiprocessing.py (importable by name, so that
spawn-started children can unpickle them)."""

from __future__ import annotations

import os

import nablagrad as torch


def add_one_then_report(t, ready, go, out) -> None:
    """Add 1 in place, signal, wait for the parent's write, send back what the child sees."""
    with torch.no_grad():
        t.add_(1)
    ready.set()
    go.wait(10)
    out.put(t.tolist())


def write_copy(t, out) -> None:
    t.fill_(7.0)
    out.put(t.is_shared())


def echo_and_make(q_in, q_out) -> None:
    """Receive a tensor, double it in place, send back a new shared tensor."""
    t = q_in.get()
    t.mul_(2)
    q_out.put((t.is_shared(), torch.full((2,), 5.0)))
    q_in.get()  # keep this process (the sender) alive until the parent has mapped the tensor


def hogwild_train(rank: int, model, x, y, steps: int, out) -> None:
    torch.manual_seed(rank)
    info = [
        (type(p).__name__, p.requires_grad, p.is_shared(), p.grad is None)
        for p in model.parameters()
    ]
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.5)
    for _ in range(steps):
        idx = torch.randint(0, x.shape[0], (16,))
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    out.put((rank, info, all(p.is_shared() for p in model.parameters())))


def fail_or_sleep(i: int, kind: str) -> None:
    if i == 1:
        if kind == "raise":
            raise ValueError(f"boom from process {i}")
        os._exit(3)
    import time

    time.sleep(30)  # the parent terminates this one once the other fails


def succeed(i: int, path: str) -> None:
    with open(f"{path}.{i}", "w") as f:
        f.write(str(i))


def memfd_count() -> int:
    """How many of this process's descriptors are nablagrad shared-memory files."""
    n = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if "nablagrad-shared" in os.readlink(f"/proc/self/fd/{fd}"):
                n += 1
        except OSError:
            pass
    return n


def count_after_drop(q, out) -> None:
    t = q.get()
    before = memfd_count()
    del t
    import gc

    gc.collect()
    out.put((before, memfd_count()))
