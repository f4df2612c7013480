"""Where nablagrad's time goes on the GPU: host (Python) profile and GPU busy time per workload.

Run on a machine with an NVIDIA GPU and CuPy:

    PYTHONPATH=$PWD/src python3 benchmarks/gpu_profile.py [N_TOP]

For each workload (the shapes of ``gpu_probe.py``'s Part C, fewer steps) it prints the wall
time per step, how long the GPU still worked after the host had queued the last step (near zero
means the host, not the GPU, is the bottleneck), and the ``N_TOP`` (default 25) functions with
the most own time under cProfile.  With $OUT set, the profiles are also written
to $OUT/gpu_profile.txt.
"""

import cProfile
import io
import os
import pstats
import sys
import time

import numpy as np

import nablagrad as ng

try:
    import cupy as cp
except ImportError:  # pragma: no cover - this script needs a GPU
    sys.exit("gpu_profile.py needs CuPy and an NVIDIA GPU")

N_TOP = int(sys.argv[1]) if len(sys.argv) > 1 else 25
REPORT = io.StringIO()


def log(*a):
    print(*a, flush=True)
    print(*a, file=REPORT)


def data(shape, classes, n):
    g = np.random.default_rng(0)
    x = ng.tensor(g.standard_normal((n, *shape)).astype(np.float32), device="cuda")
    y = ng.tensor(g.integers(0, classes, n), device="cuda")
    return x, y


def train_steps(net, opt, x, y, bs):
    lossf = ng.nn.CrossEntropyLoss()

    def step(i):
        j = (i * bs) % (x.shape[0] - bs + 1)
        opt.zero_grad()
        loss = lossf(net(x[j : j + bs]), y[j : j + bs])
        loss.backward()
        opt.step()

    return step


def lenet():
    nn = ng.nn
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    ).to("cuda")  # fmt: skip
    x, y = data((1, 28, 28), 10, 256 * 20)
    return train_steps(net, ng.optim.Adam(net.parameters(), lr=1e-3), x, y, 256)


def cnn():
    nn = ng.nn
    net = nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(128, 256, 3, padding=1), nn.BatchNorm2d(256), nn.ReLU(),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(256, 10),
    ).to("cuda")  # fmt: skip
    x, y = data((3, 32, 32), 10, 256 * 8)
    opt = ng.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    return train_steps(net, opt, x, y, 256)


def mlp():
    nn = ng.nn
    net = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    ).to("cuda")
    x, y = data((784,), 10, 128 * 50)
    opt = ng.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    return train_steps(net, opt, x, y, 128)


def adam():
    ps = [ng.zeros(1_000_000, device="cuda", requires_grad=True) for _ in range(10)]
    for p in ps:
        p.grad = ng.ones(1_000_000, device="cuda") * 0.1
    opt = ng.optim.Adam(ps, lr=1e-3)
    return lambda i: opt.step()


def small_ops():
    x = ng.tensor(np.linspace(-1, 1, 10, dtype=np.float32), device="cuda", requires_grad=True)

    def step(i):
        y = x
        for _ in range(10):
            y = (y * 1.01 + 0.1).tanh()
        y.sum().backward()

    return step


def cdist_l1():
    from nablagrad.neighbors import cdist

    g = np.random.default_rng(0)
    a = ng.tensor(g.standard_normal((4000, 784)).astype(np.float32), device="cuda")
    b = ng.tensor(g.standard_normal((4000, 784)).astype(np.float32), device="cuda")
    return lambda i: cdist(a, b, p=1)


def profile(name, make, steps):
    step = make()
    for i in range(3):  # warm-up: kernel compilation, memory pool
        step(i)
    cp.cuda.Device().synchronize()
    t = time.perf_counter()
    for i in range(steps):
        step(i)
    queued = time.perf_counter()
    cp.cuda.Device().synchronize()
    done = time.perf_counter()
    wall = (done - t) / steps
    pr = cProfile.Profile()
    pr.enable()
    for i in range(steps):
        step(i)
    cp.cuda.Device().synchronize()
    pr.disable()
    log(
        f"\n=== {name}: wall {wall * 1e3:.3f} ms/step, host queued {steps} steps in "
        f"{(queued - t) * 1e3:.1f} ms, GPU finished {(done - queued) * 1e3:.1f} ms later ==="
    )
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(N_TOP)
    lines = [ln for ln in s.getvalue().splitlines() if ln.strip()]
    log("\n".join(lines[3 : 6 + N_TOP]))
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(N_TOP)
    lines = [ln for ln in s.getvalue().splitlines() if ln.strip()]
    log("-- by cumulative time --")
    log("\n".join(lines[5 : 6 + N_TOP]))


WORKLOADS = [
    ("LeNet-5 b256 train step", lenet, 20),
    ("CNN 3-block BN b256 train step", cnn, 8),
    ("MLP 784-256-128-10 b128 train step", mlp, 50),
    ("Adam step 10 x 1M params", adam, 10),
    ("small-op chain (10 ops fwd+bwd)", small_ops, 50),
    ("cdist L1 4k x 4k x 784", cdist_l1, 2),
]

if __name__ == "__main__":
    for name, make, steps in WORKLOADS:
        try:
            profile(name, make, steps)
        except Exception as e:  # keep going: one failure must not hide the other profiles
            log(f"FAIL {name}: {type(e).__name__}: {e}")
    out = os.environ.get("OUT")
    if out:
        with open(os.path.join(out, "gpu_profile.txt"), "w") as f:
            f.write(REPORT.getvalue())
