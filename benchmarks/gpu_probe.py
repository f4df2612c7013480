"""GPU probe for nablagrad's CuPy path: correctness against torch CUDA, end-to-end, speed.

Run on a machine with an NVIDIA GPU, CuPy and a CUDA build of torch (no GPU: it stops at the
first torch/CuPy call):

    PYTHONPATH=$PWD/src python3 benchmarks/gpu_probe.py [-v]     # about two minutes on an H200

Part A: correctness. Each case runs the same function under torch (CUDA) and nablagrad
(device="cuda", CuPy), on the same float64 inputs; compares forward values and input grads.
Part B: end-to-end on the GPU (CLI train/evaluate/predict, kNN, save/load, fit).
Part C: speed, side by side in one process: nablagrad-CuPy vs torch-CUDA eager (ratio
nablagrad/torch, lower is better).
Prints one line per case; never stops at the first failure; with $OUT set it also writes
$OUT/gpu_probe.json.  tests/gpu runs the Part A cases (and more) as pytest tests.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np

RESULTS = {"correct": {}, "e2e": {}, "perf": {}}
T0 = time.time()


def log(*a):
    print(*a, flush=True)


import torch  # noqa: E402

import nablagrad as ng  # noqa: E402

log("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0))
log("nablagrad from", ng.__file__, "cuda available:", ng.cuda.is_available())
try:
    import cupy as cp

    log("cupy", cp.__version__)
except Exception as e:
    log("cupy import failed", e)
    cp = None

DEV = "cuda"


def tnp(t):
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    if hasattr(t, "detach"):
        t = t.detach()
    if hasattr(t, "cpu"):
        t = t.cpu()
    if hasattr(t, "numpy"):
        return np.asarray(t.numpy())
    return np.asarray(t)


def run_case(name, fn, shapes, low=-2.0, high=2.0, atol=1e-6, rtol=1e-5, grad=True, ints=None):
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(low, high, size=s) for s in shapes]
    try:
        tt = [torch.tensor(a, device="cuda", requires_grad=grad) for a in arrays]
        to = fn(torch, tt)
        to_sum = (
            to
            if to.ndim == 0
            else (
                to
                * torch.tensor(np.linspace(0.5, 1.5, to.numel()).reshape(to.shape), device="cuda")
            ).sum()
        )
        if grad:
            to_sum.backward()
    except Exception as e:
        RESULTS["correct"][name] = f"torch-side error {type(e).__name__}: {e}"[:200]
        log(f"SKIP {name}: torch side failed: {e}")
        return
    try:
        nt = [ng.tensor(a, device=DEV, requires_grad=grad) for a in arrays]
        no = fn(ng, nt)
        dev_ok = str(no.device).startswith("cuda")
        w = ng.tensor(
            np.linspace(0.5, 1.5, int(np.prod(no.shape))).reshape(tuple(no.shape)), device=DEV
        )
        no_sum = no if no.ndim == 0 else (no * w).sum()
        if grad:
            no_sum.backward()
        np.testing.assert_allclose(tnp(no), tnp(to), atol=atol, rtol=rtol, err_msg="forward")
        if grad:
            for i, (a, b) in enumerate(zip(nt, tt)):
                if b.grad is None:
                    continue
                assert a.grad is not None, f"grad {i} missing"
                assert str(a.grad.device).startswith("cuda"), f"grad {i} on {a.grad.device}"
                np.testing.assert_allclose(
                    tnp(a.grad), tnp(b.grad), atol=atol * 10, rtol=rtol * 10, err_msg=f"grad {i}"
                )
        if not dev_ok:
            raise AssertionError(f"output on {no.device}, not cuda")
        RESULTS["correct"][name] = "ok"
        log(f"ok   {name}")
    except Exception as e:
        msg = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"[
            :240
        ]
        RESULTS["correct"][name] = msg
        log(f"FAIL {name}: {msg}")
        if "-v" in sys.argv:
            traceback.print_exc()


def F(m):
    return m.nn.functional


# ---------------------------------------------------------------- Part A
log("\n== Part A: correctness, nablagrad cuda vs torch cuda (float64) ==")
cases = [
    (
        "broadcast arith",
        lambda m, t: t[0] * t[1] + t[0] / (t[1].abs() + 1) - t[1] ** 2,
        [(4, 1, 5), (3, 5)],
    ),
    (
        "exp/log/sqrt/tanh/sigmoid",
        lambda m, t: (
            t[0].exp().add(1).log() + (t[0].abs() + 0.1).sqrt() * t[0].tanh() + t[0].sigmoid()
        ),
        [(6, 7)],
    ),
    (
        "sin/cos/clamp/where",
        lambda m, t: m.where(t[0] > 0, t[0].sin(), t[0].cos()) + t[0].clamp(-0.5, 0.7),
        [(5, 6)],
    ),
    (
        "sum/mean dims",
        lambda m, t: t[0].sum(dim=1, keepdim=True) + t[0].mean(dim=(0, 2)).reshape(1, 1, -1).sum(),
        [(3, 4, 5)],
    ),
    ("max/min with dim", lambda m, t: t[0].max(dim=1)[0] + t[0].min(dim=1).values, [(4, 9)]),
    (
        "var/std/logsumexp/norm",
        lambda m, t: t[0].var(dim=1) + t[0].std(dim=1) + t[0].logsumexp(dim=1) + t[0].norm(dim=1),
        [(4, 8)],
    ),
    (
        "softmax/log_softmax",
        lambda m, t: F(m).softmax(t[0], dim=-1) * 2 + F(m).log_softmax(t[0], dim=0),
        [(5, 7)],
    ),
    (
        "reshape/permute/transpose",
        lambda m, t: t[0].reshape(2, 3, 4).permute(2, 0, 1).transpose(0, 2).reshape(-1),
        [(6, 4)],
    ),
    (
        "cat/stack/split",
        lambda m, t: m.cat(
            [m.stack([t[0], t[1]], dim=0).sum(0), t[0].split(2, dim=1)[0].repeat(1, 2)], dim=0
        ),
        [(3, 4), (3, 4)],
    ),
    (
        "slicing/indexing",
        lambda m, t: t[0][1:, ::2] * 2 + t[0][m.tensor([0, 2, 2], device="cuda")][:, :3],
        [(4, 6)],
    ),
    (
        "boolean mask",
        lambda m, t: t[0][t[0] > 0.3].sum() + t[0].masked_fill(t[0] < 0, 0.0).sum(),
        [(5, 5)],
    ),
    (
        "matmul/bmm/einsum",
        lambda m, t: (t[0] @ t[1]).sum(0) + m.einsum("bij,bjk->ik", t[2], t[3]),
        [(2, 3, 4), (4, 5), (2, 3, 6), (2, 6, 5)],
    ),
    (
        "relu/leaky/elu/selu",
        lambda m, t: (
            F(m).relu(t[0]) + F(m).leaky_relu(t[0], 0.1) + F(m).elu(t[0]) + F(m).selu(t[0])
        ),
        [(6, 5)],
    ),
    ("gelu exact", lambda m, t: F(m).gelu(t[0]), [(6, 5)]),
    ("gelu tanh", lambda m, t: F(m).gelu(t[0], approximate="tanh"), [(6, 5)]),
    (
        "silu/softplus/mish",
        lambda m, t: F(m).silu(t[0]) + F(m).softplus(t[0]) + F(m).mish(t[0]),
        [(6, 5)],
    ),
    (
        "cross_entropy ls",
        lambda m, t: F(m).cross_entropy(
            t[0], m.tensor([1, 0, 4, 2], device="cuda"), label_smoothing=0.1
        ),
        [(4, 5)],
    ),
    (
        "bce_with_logits",
        lambda m, t: F(m).binary_cross_entropy_with_logits(t[0], (t[1] > 0).to(t[0].dtype)),
        [(4, 5), (4, 5)],
    ),
    (
        "mse/l1/huber",
        lambda m, t: (
            F(m).mse_loss(t[0], t[1]) + F(m).l1_loss(t[0], t[1]) + F(m).huber_loss(t[0], t[1])
        ),
        [(4, 5), (4, 5)],
    ),
    (
        "nll/kl_div",
        lambda m, t: (
            F(m).nll_loss(F(m).log_softmax(t[0], 1), m.tensor([1, 0, 3], device="cuda"))
            + F(m).kl_div(F(m).log_softmax(t[0], 1), F(m).softmax(t[1], 1), reduction="batchmean")
        ),
        [(3, 5), (3, 5)],
    ),
    (
        "conv2d basic",
        lambda m, t: F(m).conv2d(t[0], t[1], t[2], padding=2),
        [(2, 1, 12, 12), (6, 1, 5, 5), (6,)],
    ),
    (
        "conv2d stride/dil/groups",
        lambda m, t: F(m).conv2d(t[0], t[1], None, stride=2, padding=1, dilation=2, groups=2),
        [(2, 4, 11, 11), (6, 2, 3, 3)],
    ),
    (
        "conv2d 6->16 k5",
        lambda m, t: F(m).conv2d(t[0], t[1], t[2]),
        [(3, 6, 14, 14), (16, 6, 5, 5), (16,)],
    ),
    ("conv1d", lambda m, t: F(m).conv1d(t[0], t[1], padding=1), [(2, 3, 10), (4, 3, 3)]),
    (
        "max/avg pool",
        lambda m, t: F(m).max_pool2d(t[0], 2) + F(m).avg_pool2d(t[0], 2),
        [(2, 3, 8, 8)],
    ),
    ("adaptive avg pool", lambda m, t: F(m).adaptive_avg_pool2d(t[0], (3, 3)), [(2, 3, 9, 9)]),
    (
        "batch_norm train",
        lambda m, t: F(m).batch_norm(t[0], None, None, t[1], t[2], training=True),
        [(8, 3, 4, 4), (3,), (3,)],
    ),
    ("layer_norm", lambda m, t: F(m).layer_norm(t[0], (6,), t[1], t[2]), [(4, 6), (6,), (6,)]),
    (
        "embedding",
        lambda m, t: F(m).embedding(m.tensor([[0, 2], [3, 3]], device="cuda"), t[0]),
        [(5, 4)],
    ),
    ("pad reflect", lambda m, t: F(m).pad(t[0], (1, 2, 2, 1), mode="reflect"), [(1, 2, 5, 5)]),
    ("cumsum/prod", lambda m, t: t[0].cumsum(dim=1) + t[0].prod(dim=1, keepdim=True), [(3, 5)]),
]
for name, fn, shapes in cases:
    run_case(name, fn, shapes)


# modules with torch weights: LSTM, GRU, LeNet-style stack
def module_case(name, make, x_shape, seq=False):
    try:
        torch.manual_seed(0)
        tm = make(torch).double().cuda()
        nm = make(ng)
        nm.load_state_dict({k: v.detach().cpu().numpy() for k, v in tm.state_dict().items()})
        nm = nm.to("cuda").to(ng.float64)
        x = np.random.default_rng(1).uniform(-1, 1, size=x_shape)
        tx = torch.tensor(x, device="cuda", requires_grad=True)
        nx = ng.tensor(x, device="cuda", requires_grad=True)
        to = tm(tx)
        no = nm(nx)
        if isinstance(to, tuple):
            to, no = to[0], no[0]
        to.sum().backward()
        no.sum().backward()
        np.testing.assert_allclose(tnp(no), tnp(to), atol=1e-6, rtol=1e-5)
        np.testing.assert_allclose(tnp(nx.grad), tnp(tx.grad), atol=1e-6, rtol=1e-5)
        tp = dict(tm.named_parameters())
        for k, p in nm.named_parameters():
            np.testing.assert_allclose(
                tnp(p.grad), tnp(tp[k].grad), atol=1e-6, rtol=1e-5, err_msg=k
            )
        RESULTS["correct"][name] = "ok"
        log(f"ok   {name}")
    except Exception as e:
        msg = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"[
            :240
        ]
        RESULTS["correct"][name] = msg
        log(f"FAIL {name}: {msg}")
        if "-v" in sys.argv:
            traceback.print_exc()


module_case(
    "LSTM 2-layer bidir",
    lambda m: m.nn.LSTM(5, 7, num_layers=2, batch_first=True, bidirectional=True),
    (3, 4, 5),
)
module_case("GRU", lambda m: m.nn.GRU(5, 6, batch_first=True), (3, 4, 5))
module_case(
    "LeNet stack",
    lambda m: m.nn.Sequential(
        m.nn.Conv2d(1, 6, 5, padding=2),
        m.nn.Sigmoid(),
        m.nn.AvgPool2d(2),
        m.nn.Conv2d(6, 16, 5),
        m.nn.ReLU(),
        m.nn.MaxPool2d(2),
        m.nn.Flatten(),
        m.nn.Linear(400, 120),
        m.nn.Tanh(),
        m.nn.Linear(120, 10),
    ),
    (4, 1, 28, 28),
)
module_case(
    "BatchNorm2d+Linear",
    lambda m: m.nn.Sequential(
        m.nn.Conv2d(3, 4, 3), m.nn.BatchNorm2d(4), m.nn.Flatten(), m.nn.Linear(4 * 6 * 6, 3)
    ),
    (5, 3, 8, 8),
)


# optimizers: 30 steps on a cuda parameter with a fixed quadratic-ish loss
def optim_case(name, make):
    try:
        w0 = np.random.default_rng(2).uniform(-1, 1, size=(50, 20))
        A = np.random.default_rng(3).uniform(-1, 1, size=(20, 20))
        out = []
        for m in (torch, ng):
            w = (
                torch.tensor(w0, device="cuda", requires_grad=True)
                if m is torch
                else ng.tensor(w0, device="cuda", requires_grad=True)
            )
            Am = m.tensor(A, device="cuda")
            opt = make(m, [w])
            for _ in range(30):
                opt.zero_grad()
                loss = ((w @ Am).tanh() ** 2).sum() + (w.abs()).sum() * 0.01
                loss.backward()
                opt.step()
            out.append(tnp(w))
        np.testing.assert_allclose(out[1], out[0], atol=1e-9, rtol=1e-7)
        RESULTS["correct"][name] = "ok"
        log(f"ok   {name}")
    except Exception as e:
        msg = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"[
            :240
        ]
        RESULTS["correct"][name] = msg
        log(f"FAIL {name}: {msg}")


optim_case(
    "SGD nesterov wd",
    lambda m, p: m.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
)
optim_case("Adam amsgrad", lambda m, p: m.optim.Adam(p, lr=0.01, amsgrad=True))
optim_case("AdamW", lambda m, p: m.optim.AdamW(p, lr=0.01))
optim_case(
    "RMSprop centered mom", lambda m, p: m.optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5)
)
optim_case("Adagrad", lambda m, p: m.optim.Adagrad(p, lr=0.1))
optim_case("Adadelta", lambda m, p: m.optim.Adadelta(p, lr=1.0))
optim_case("Adamax", lambda m, p: m.optim.Adamax(p, lr=0.01))
optim_case("NAdam", lambda m, p: m.optim.NAdam(p, lr=0.01))
optim_case("RAdam", lambda m, p: m.optim.RAdam(p, lr=0.01))

# ---------------------------------------------------------------- Part B
log("\n== Part B: end to end on the GPU ==")


def e2e(name, fn):
    t = time.time()
    try:
        r = fn()
        RESULTS["e2e"][name] = f"ok {r}" if r is not None else "ok"
        log(f"ok   {name} ({time.time() - t:.1f}s) {r if r is not None else ''}")
    except Exception as e:
        msg = f"{type(e).__name__}: {str(e).strip().splitlines()[-1] if str(e).strip() else ''}"[
            :300
        ]
        RESULTS["e2e"][name] = msg
        log(f"FAIL {name}: {msg}")
        if "-v" in sys.argv:
            traceback.print_exc()


def cli(args, timeout=120):
    r = subprocess.run(
        [sys.executable, "-m", "nablagrad"] + args,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=tempfile.gettempdir(),
    )
    tail = (r.stdout + r.stderr).strip().splitlines()[-3:]
    if r.returncode != 0:
        raise RuntimeError(f"rc={r.returncode}: " + " | ".join(tail))
    return " | ".join(tail)[:300]


e2e("cli train mlp cuda", lambda: cli(["train", "--device", "cuda", "--epochs", "3"]))


def cli_eval_predict():
    out = cli(["train", "--device", "cuda", "--epochs", "1"])
    run = out.split("run directory: ")[1].split()[0]
    x = os.path.join(tempfile.gettempdir(), "gpu_probe_x.npy")
    np.save(x, np.random.default_rng(0).uniform(0, 16, (3, 64)).astype(np.float32))
    return (
        cli(["evaluate", run, "--device", "cuda"])
        + " || "
        + cli(["predict", run, x, "--device", "cuda"])
    )


e2e("cli evaluate/predict cuda", cli_eval_predict)
e2e(
    "cli train lenet5 cuda",
    lambda: cli(
        ["train", "--device", "cuda", "--model", "lenet5", "--epochs", "2", "--batch-size", "64"]
    ),
)


def knn_gpu():
    from nablagrad.datasets import load_digits
    from nablagrad.neighbors import KNeighborsClassifier

    X, y = load_digits()
    X = np.asarray(X.numpy() if hasattr(X, "numpy") else X, dtype=np.float32)
    y = np.asarray(y.numpy() if hasattr(y, "numpy") else y)
    Xc = ng.tensor(X).to("cuda")
    yc = ng.tensor(y).to("cuda")
    acc = {}
    for p in (1, 2, float("inf")):
        clf = KNeighborsClassifier(n_neighbors=3, p=p).fit(Xc[:1400], yc[:1400])
        pred = clf.predict(Xc[1400:])
        dev = str(getattr(pred, "device", "?"))
        pc = KNeighborsClassifier(n_neighbors=3, p=p).fit(X[:1400], y[:1400]).predict(X[1400:])
        same = bool((tnp(pred) == tnp(pc)).all())
        acc[str(p)] = (
            round(float((tnp(pred) == y[1400:]).mean()), 4),
            dev,
            "same-as-cpu" if same else "DIFFERS",
        )
    return acc


e2e("kNN digits on cuda", knn_gpu)


def saveload():
    import tempfile

    m = ng.nn.Sequential(ng.nn.Linear(4, 3), ng.nn.ReLU(), ng.nn.Linear(3, 2)).to("cuda")
    d = tempfile.mkdtemp()
    ng.save(m.state_dict(), os.path.join(d, "m.safetensors"))
    sd = ng.load(os.path.join(d, "m.safetensors"))
    from safetensors.torch import load_file

    tsd = load_file(os.path.join(d, "m.safetensors"))
    cpu = ng.load(os.path.join(d, "m.safetensors"), map_location="cpu")
    back = ng.nn.Sequential(ng.nn.Linear(4, 3), ng.nn.ReLU(), ng.nn.Linear(3, 2))
    back.load_state_dict(m.state_dict())  # a CUDA state_dict into a CPU model
    assert str(next(iter(cpu.values())).device) == "cpu"
    return {k: str(getattr(v, "device", "?")) for k, v in list(sd.items())[:1]} | {
        "torch_keys": len(tsd)
    }


e2e("save/load cuda state_dict", saveload)


def fit_gpu():
    from nablagrad.train import fit

    rng = np.random.default_rng(0)
    X = rng.standard_normal((4096, 20)).astype(np.float32)
    yv = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    model = ng.nn.Sequential(ng.nn.Linear(20, 64), ng.nn.ReLU(), ng.nn.Linear(64, 2)).to("cuda")
    opt = ng.optim.Adam(model.parameters(), lr=1e-2)
    h = fit(
        model,
        (ng.tensor(X), ng.tensor(yv)),
        None,
        ng.nn.CrossEntropyLoss(),
        opt,
        epochs=3,
        batch_size=256,
        device="cuda",
        progress=False,
    )
    return str(getattr(h, "history", h))[:200]


e2e("fit() on cuda", fit_gpu)

# ---------------------------------------------------------------- Part C
log("\n== Part C: speed, nablagrad-CuPy vs torch-CUDA eager, same work, one process ==")


def sync(m):
    if m is torch:
        torch.cuda.synchronize()
    else:
        cp.cuda.Device().synchronize()


def timeit(fn, m, reps=3, warm=1):
    for _ in range(warm):
        fn()
        sync(m)
    ts = []
    for _ in range(reps):
        sync(m)
        t = time.perf_counter()
        fn()
        sync(m)
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def bench(name, make_fn, reps=3):
    try:
        res = {}
        for m in (torch, ng):
            fn = make_fn(m)
            res["torch" if m is torch else "ng"] = timeit(fn, m, reps=reps)
        ratio = res["ng"] / res["torch"]
        RESULTS["perf"][name] = {
            "torch_s": round(res["torch"], 5),
            "ng_s": round(res["ng"], 5),
            "ratio": round(ratio, 3),
        }
        log(
            f"perf {name}: torch {res['torch'] * 1e3:.2f} ms, "
            f"nablagrad {res['ng'] * 1e3:.2f} ms, ratio {ratio:.2f}"
        )
    except Exception as e:
        msg = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"[
            :240
        ]
        RESULTS["perf"][name] = msg
        log(f"FAIL perf {name}: {msg}")
        if "-v" in sys.argv:
            traceback.print_exc()


def mlp_epoch(sizes, n, bs, steps=None):
    def make(m):
        g = np.random.default_rng(0)
        X = m.tensor(g.standard_normal((n, sizes[0])).astype(np.float32), device="cuda")
        Y = m.tensor(g.integers(0, sizes[-1], n), device="cuda")
        layers = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [m.nn.Linear(a, b), m.nn.ReLU()]
        net = m.nn.Sequential(*layers[:-1]).to("cuda")
        opt = m.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        lossf = m.nn.CrossEntropyLoss()
        nb = n // bs if steps is None else steps

        def run():
            for i in range(nb):
                j = (i * bs) % (n - bs + 1)
                opt.zero_grad()
                loss = lossf(net(X[j : j + bs]), Y[j : j + bs])
                loss.backward()
                opt.step()

        return run

    return make


def lenet_epoch(n, bs):
    def make(m):
        g = np.random.default_rng(0)
        X = m.tensor(g.standard_normal((n, 1, 28, 28)).astype(np.float32), device="cuda")
        Y = m.tensor(g.integers(0, 10, n), device="cuda")
        nn = m.nn
        net = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(400, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, 10),
        ).to("cuda")
        opt = m.optim.Adam(net.parameters(), lr=1e-3)
        lossf = nn.CrossEntropyLoss()

        def run():
            for i in range(n // bs):
                opt.zero_grad()
                loss = lossf(net(X[i * bs : (i + 1) * bs]), Y[i * bs : (i + 1) * bs])
                loss.backward()
                opt.step()

        return run

    return make


def cnn_big(n, bs):
    def make(m):
        g = np.random.default_rng(0)
        X = m.tensor(g.standard_normal((n, 3, 32, 32)).astype(np.float32), device="cuda")
        Y = m.tensor(g.integers(0, 10, n), device="cuda")
        nn = m.nn
        net = nn.Sequential(
            nn.Conv2d(3, 64, 3, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1),
            nn.BatchNorm2d(128),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 3, padding=1),
            nn.BatchNorm2d(256),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten(),
            nn.Linear(256, 10),
        ).to("cuda")
        opt = m.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
        lossf = nn.CrossEntropyLoss()

        def run():
            for i in range(n // bs):
                opt.zero_grad()
                loss = lossf(net(X[i * bs : (i + 1) * bs]), Y[i * bs : (i + 1) * bs])
                loss.backward()
                opt.step()

        return run

    return make


def small_ops(m):
    x = m.tensor(
        np.random.default_rng(0).standard_normal(10).astype(np.float32),
        device="cuda",
        requires_grad=True,
    )

    def run():
        for _ in range(100):
            y = x
            for _ in range(10):
                y = (y * 1.01 + 0.1).tanh()
            y.sum().backward()

    return run


def cdist_l2(m):
    g = np.random.default_rng(0)
    A = m.tensor(g.standard_normal((20000, 784)).astype(np.float32), device="cuda")
    B = m.tensor(g.standard_normal((10000, 784)).astype(np.float32), device="cuda")
    if m is torch:
        return lambda: torch.cdist(A, B).topk(5, largest=False)
    from nablagrad.neighbors import cdist

    return lambda: (
        cdist(A, B).topk(5, largest=False) if hasattr(cdist(A[:2], B[:2]), "topk") else cdist(A, B)
    )


def cdist_l1(m):
    g = np.random.default_rng(0)
    A = m.tensor(g.standard_normal((4000, 784)).astype(np.float32), device="cuda")
    B = m.tensor(g.standard_normal((4000, 784)).astype(np.float32), device="cuda")
    if m is torch:
        return lambda: torch.cdist(A, B, p=1)
    from nablagrad.neighbors import cdist

    return lambda: cdist(A, B, p=1)


def adam_10m(m):
    ps = [m.zeros(1_000_000, device="cuda", requires_grad=True) for _ in range(10)]
    for p in ps:
        p.grad = m.ones(1_000_000, device="cuda") * 0.1
    opt = m.optim.Adam(ps, lr=1e-3)

    def run():
        for _ in range(10):
            opt.step()

    return run


bench("small-op chain 100x(10 ops fwd+bwd)", lambda m: small_ops(m))
bench("MLP 784-256-128-10 b128 epoch 60k", mlp_epoch([784, 256, 128, 10], 60000, 128), reps=2)
bench("MLP 4096x3 b1024 50 steps", mlp_epoch([4096, 4096, 4096, 10], 16384, 1024, steps=50), reps=2)
bench("LeNet-5 b256 epoch 60k", lenet_epoch(60000, 256), reps=2)
bench("CNN 3-block BN b256 10k CIFAR-shaped", cnn_big(10240, 256), reps=2)
bench("cdist L2 20k x 10k x 784 (+top5)", cdist_l2)
bench("cdist L1 4k x 4k x 784", cdist_l1)
bench("Adam step 10M params x10", adam_10m)

n_a = sum(v == "ok" for v in RESULTS["correct"].values())
n_b = sum(str(v).startswith("ok") for v in RESULTS["e2e"].values())
log(f"\nPart A: {n_a}/{len(RESULTS['correct'])} ok; Part B: {n_b}/{len(RESULTS['e2e'])} ok")
log(f"probe finished in {time.time() - T0:.0f}s")
out = os.environ.get("OUT")
if out:
    json.dump(RESULTS, open(os.path.join(out, "gpu_probe.json"), "w"), indent=1)
