"""Conv2d / MaxPool2d / LeNet-5 training step: nablagrad vs PyTorch eager (CPU) vs NumPy.

Run: ``PYTHONPATH=src python benchmarks/bench_conv.py [--repeats 8] [--block 8] [--threads 1]
[--settle 0.25] [--stat min] [--retain-memory] [--clock cpu]``.
Every case runs the same work in each library in this one process (the libraries take turns
of ``--block`` calls, the first of each turn untimed, so machine load hits them alike) and
prints the median (or best) time per call and the ratio nablagrad / peer (lower is better).
With several threads each turn starts after ``--settle`` seconds of sleep (default 0.25): the
NumPy peer's OpenBLAS threads spin for ~0.1 s after its products, on the cores the next
library's threads need (measured on the 2-core development VM: nablagrad's 2-thread LeNet-5
step took 10.5 ms right after the NumPy peer's, 9.1 ms 20 ms later, and 6.4 ms after 0.2 s
or after PyTorch's), which a program using one library never sees.
``--retain-memory`` calls ``nablagrad.backend.retain_freed_memory()`` first (process-wide: it
applies to every library).
The NumPy peer is a hand-written im2col LeNet-5 training step (forward, backward, SGD) with no
framework overhead at all.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch
from common import interleaved_medians

import nablagrad as ng
from nablagrad.models import LeNet5

STAT: Callable[[list], float] = statistics.median
CLOCK: Callable[[], float] = time.perf_counter


BLOCK = 8  # calls per library per turn (--block)
SETTLE = 0.0  # seconds of sleep before each turn (--settle; 0.25 by default with threads)


def timeit(fns: dict[str, Callable[[], object]], repeats: int, warmup: int = 3) -> dict:
    """``common.interleaved_medians`` with this script's ``--block``, ``--settle``, ``--stat``
    and ``--clock``."""
    return interleaved_medians(
        fns, repeats, warmup, block=BLOCK, settle=SETTLE, stat=STAT, clock=CLOCK
    )


# -- hand-written NumPy LeNet-5 (im2col) -------------------------------------------------------


def _im2col(x: np.ndarray, k: int, pad: int) -> tuple[np.ndarray, tuple]:
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c = x.shape[:2]
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))
    oh, ow = win.shape[2:4]
    cols = np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5)).reshape(n * oh * ow, c * k * k)
    return cols, (n, c, oh, ow, x.shape)


def _col2im(gcols: np.ndarray, meta: tuple, k: int, pad: int) -> np.ndarray:
    n, c, oh, ow, pshape = meta
    g = gcols.reshape(n, oh, ow, c, k, k)
    gx = np.zeros(pshape, gcols.dtype)
    for p in range(k):
        for q in range(k):
            gx[:, :, p : p + oh, q : q + ow] += g[:, :, :, :, p, q].transpose(0, 3, 1, 2)
    return gx[:, :, pad : pshape[2] - pad, pad : pshape[3] - pad] if pad else gx


def _sig(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


class NumpyLeNet:
    """Same layout as models.LeNet5 (sigmoid, 2x2 average pooling), plain NumPy."""

    def __init__(self, params: dict[str, np.ndarray]) -> None:
        self.p = {k: v.copy() for k, v in params.items()}

    def _conv(self, x, w, b, pad):
        o, _, k, _ = w.shape
        cols, meta = _im2col(x, k, pad)
        n, _, oh, ow, _ = meta
        out = (cols @ w.reshape(o, -1).T + b).reshape(n, oh, ow, o).transpose(0, 3, 1, 2)
        return np.ascontiguousarray(out), (cols, meta)

    def _conv_back(self, g, w, cache, pad, need_x=True):
        cols, meta = cache
        o, _, k, _ = w.shape
        g2 = g.transpose(0, 2, 3, 1).reshape(-1, o)
        gw = (g2.T @ cols).reshape(w.shape)
        gb = g2.sum(0)
        gx = _col2im(g2 @ w.reshape(o, -1), meta, k, pad) if need_x else None
        return gx, gw, gb

    @staticmethod
    def _pool(x):
        n, c, h, w = x.shape
        return x.reshape(n, c, h // 2, 2, w // 2, 2).mean((3, 5))

    @staticmethod
    def _pool_back(g):
        return np.repeat(np.repeat(g, 2, 2), 2, 3) * 0.25

    def step(self, x: np.ndarray, y: np.ndarray, lr: float) -> float:
        p = self.p
        z1, c1 = self._conv(x, p["net.0.weight"], p["net.0.bias"], 2)
        a1 = _sig(z1)
        s1 = self._pool(a1)
        z2, c2 = self._conv(s1, p["net.3.weight"], p["net.3.bias"], 0)
        a2 = _sig(z2)
        s2 = self._pool(a2)
        f = s2.reshape(len(x), -1)
        h1 = _sig(f @ p["net.7.weight"].T + p["net.7.bias"])
        h2 = _sig(h1 @ p["net.9.weight"].T + p["net.9.bias"])
        logits = h2 @ p["net.11.weight"].T + p["net.11.bias"]
        m = logits.max(1, keepdims=True)
        logp = logits - m - np.log(np.exp(logits - m).sum(1, keepdims=True))
        n = len(x)
        loss = -logp[np.arange(n), y].mean()
        g = np.exp(logp)
        g[np.arange(n), y] -= 1
        g /= n
        grads = {"net.11.weight": g.T @ h2, "net.11.bias": g.sum(0)}
        g = (g @ p["net.11.weight"]) * h2 * (1 - h2)
        grads["net.9.weight"], grads["net.9.bias"] = g.T @ h1, g.sum(0)
        g = (g @ p["net.9.weight"]) * h1 * (1 - h1)
        grads["net.7.weight"], grads["net.7.bias"] = g.T @ f, g.sum(0)
        g = (g @ p["net.7.weight"]).reshape(s2.shape)
        g = self._pool_back(g) * a2 * (1 - a2)
        g, grads["net.3.weight"], grads["net.3.bias"] = self._conv_back(g, p["net.3.weight"], c2, 0)
        g = self._pool_back(g) * a1 * (1 - a1)
        _, grads["net.0.weight"], grads["net.0.bias"] = self._conv_back(
            g, p["net.0.weight"], c1, 2, need_x=False
        )
        for k, v in grads.items():
            p[k] -= lr * v
        return float(loss)


class TorchLeNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Conv2d(1, 6, 5, padding=2),
            torch.nn.Sigmoid(),
            torch.nn.AvgPool2d(2, 2),
            torch.nn.Conv2d(6, 16, 5),
            torch.nn.Sigmoid(),
            torch.nn.AvgPool2d(2, 2),
            torch.nn.Flatten(),
            torch.nn.Linear(400, 120),
            torch.nn.Sigmoid(),
            torch.nn.Linear(120, 84),
            torch.nn.Sigmoid(),
            torch.nn.Linear(84, 10),
        )

    def forward(self, x):
        return self.net(x)


# -- cases ---------------------------------------------------------------------------------------


def bench_conv(repeats: int, cin: int, cout: int, hw: int, k: int, pad: int) -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, cin, hw, hw)).astype(np.float32)
    tconv = torch.nn.Conv2d(cin, cout, k, padding=pad)
    nconv = ng.nn.Conv2d(cin, cout, k, padding=pad)
    nconv.load_state_dict({k_: v.numpy() for k_, v in tconv.state_dict().items()})
    xt = torch.from_numpy(x).requires_grad_()
    xn = ng.tensor(x, requires_grad=True)

    def run_t():
        tconv.zero_grad()
        xt.grad = None
        tconv(xt).sum().backward()

    def run_n():
        nconv.zero_grad()
        xn.grad = None
        nconv(xn).sum().backward()

    report(
        f"Conv2d {cin}x{hw}x{hw}->{cout} k{k} p{pad} fwd+bwd (b64)",
        timeit({"nablagrad": run_n, "torch": run_t}, repeats),
    )


def bench_pool(repeats: int) -> None:
    x = np.random.default_rng(1).standard_normal((64, 6, 28, 28)).astype(np.float32)
    xt = torch.from_numpy(x).requires_grad_()
    xn = ng.tensor(x, requires_grad=True)

    def run_t():
        xt.grad = None
        torch.nn.functional.max_pool2d(xt, 2).sum().backward()

    def run_n():
        xn.grad = None
        ng.nn.functional.max_pool2d(xn, 2).sum().backward()

    report(
        "MaxPool2d 6x28x28 k2 fwd+bwd (b64)",
        timeit({"nablagrad": run_n, "torch": run_t}, repeats),
    )


def bench_lenet(repeats: int, lr: float = 0.1) -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    tnet = TorchLeNet()
    params = {k: v.numpy().copy() for k, v in tnet.state_dict().items()}
    nnet = LeNet5()
    nnet.load_state_dict(params)
    npnet = NumpyLeNet(params)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    xn, yn = ng.tensor(x), ng.tensor(y)
    tloss, nloss = torch.nn.CrossEntropyLoss(), ng.nn.CrossEntropyLoss()

    def run_t():
        loss = tloss(tnet(xt), yt)
        tnet.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in tnet.parameters():
                p -= lr * p.grad

    def run_n():
        loss = nloss(nnet(xn), yn)
        nnet.zero_grad()
        loss.backward()
        with ng.no_grad():
            for p in nnet.parameters():
                p -= lr * p.grad

    # same numbers first: one step in each library from the same weights
    lt = tloss(tnet(xt), yt).item()
    ln = nloss(nnet(xn), yn).item()
    lp = NumpyLeNet(params).step(x, y, lr)
    assert abs(lt - ln) < 1e-4 and abs(lt - lp) < 1e-4, (lt, ln, lp)
    report(
        "LeNet-5 train step (b64, fwd+CE+bwd+SGD)",
        timeit(
            {"nablagrad": run_n, "torch": run_t, "numpy im2col": lambda: npnet.step(x, y, lr)},
            repeats,
        ),
    )


def _cifar_block(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1),
        nn.BatchNorm2d(128),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )


def bench_cifar_block(repeats: int) -> None:
    """Two CIFAR-shaped 3x3 blocks (Conv-BN-ReLU-MaxPool, 3->64->128 channels, 32x32 input,
    batch 64), forward + backward of the output's sum (the input needs no gradient)."""
    torch.manual_seed(0)
    x = np.random.default_rng(3).standard_normal((64, 3, 32, 32)).astype(np.float32)
    tnet = _cifar_block(torch)
    nnet = _cifar_block(ng)
    nnet.load_state_dict({k: v.numpy() for k, v in tnet.state_dict().items()})
    xt, xn = torch.from_numpy(x), ng.tensor(x)
    with torch.no_grad():
        ref = float(tnet(xt).sum())
    assert abs(ref - float(nnet(xn).sum())) < 1e-2 * 64 * 128 * 64

    def run_t():
        tnet.zero_grad()
        tnet(xt).sum().backward()

    def run_n():
        nnet.zero_grad()
        nnet(xn).sum().backward()

    report(
        "CIFAR block 3->64->128 3x3 Conv-BN-ReLU-Pool (b64)",
        timeit({"nablagrad": run_n, "torch": run_t}, repeats, warmup=2),
    )


def report(name: str, times: dict[str, float]) -> None:
    ng_time = times.pop("nablagrad")
    parts = [f"nablagrad {ng_time * 1e3:8.2f} ms"]
    for peer, t in times.items():
        parts.append(f"{peer} {t * 1e3:8.2f} ms  ratio {ng_time / t:5.2f}")
    print(f"{name:52s} " + " | ".join(parts), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=8, help="turns per library")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS threads for NumPy and intra-op threads for torch (default 1: "
        "small multi-threaded matmuls are erratic on busy shared machines)",
    )
    ap.add_argument("--stat", choices=("median", "min"), default="median")
    ap.add_argument(
        "--retain-memory",
        action="store_true",
        help="keep freed heap memory for reuse (glibc mallopt; process-wide, both libraries)",
    )
    ap.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="cpu: the calling thread's CPU time (time.thread_time) instead of wall time; "
        "with --threads 1 every library computes on the calling thread, so this is robust "
        "to other processes loading a shared machine (1 thread only)",
    )
    ap.add_argument(
        "--block",
        type=int,
        default=8,
        help="calls per library per turn; K > 1 leaves the first call of each turn untimed "
        "(with several threads: the other library's spinning worker threads), see timeit",
    )
    ap.add_argument(
        "--settle",
        type=float,
        default=None,
        help="seconds to sleep before each turn, so the other library's threads stop spinning "
        "(default 0.25 with --threads > 1, else 0)",
    )
    args = ap.parse_args()
    if args.block < 1:
        ap.error("--block must be >= 1")
    if args.clock == "cpu" and args.threads != 1:
        ap.error("--clock cpu counts only the calling thread: use it with --threads 1")
    global STAT, CLOCK, BLOCK, SETTLE
    if args.settle is None:
        args.settle = 0.25 if args.threads > 1 else 0.0
    BLOCK, SETTLE = args.block, args.settle
    STAT = min if args.stat == "min" else statistics.median
    CLOCK = time.thread_time if args.clock == "cpu" else time.perf_counter
    if args.retain_memory:
        print("retain_freed_memory:", ng.backend.retain_freed_memory())
    torch.set_num_threads(args.threads)
    ng.set_num_threads(args.threads)
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}; numpy {np.__version__}; "
        f"clock {args.clock}"
    )
    bench_conv(args.repeats, 1, 6, 28, 5, 2)
    bench_conv(args.repeats, 6, 16, 14, 5, 0)
    bench_conv(args.repeats, 16, 16, 14, 5, 2)
    bench_pool(args.repeats)
    bench_lenet(args.repeats)
    bench_cifar_block(max(5, args.repeats // 3))


if __name__ == "__main__":
    main()
