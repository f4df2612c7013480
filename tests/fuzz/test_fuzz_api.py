"""Fuzzing the public API with bad and edge-case calls, judged against torch (see fuzzlib.py).

Hypothesis draws the arguments (seeded and derandomized, so every run tries the same calls);
each call runs on torch and on nablagrad and must either agree with torch or fail with a
deliberate nablagrad error: never an exception from inside NumPy/SciPy/the standard library,
never a silent answer where torch refuses, never a hang.  ``NABLAGRAD_FUZZ_EXAMPLES`` raises
the number of examples per test (default 60, a second or two each).
"""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from fuzzlib import STATS, assert_deliberate, check
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import nablagrad as ng

N = int(os.environ.get("NABLAGRAD_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=N,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)

WRONG_TYPES = [None, 1.5, "1", (1,), [0], ((0,),), True, float("nan"), 2**70]
ints = st.sampled_from([-(2**40), -7, -3, -2, -1, 0, 1, 2, 3, 5, 2**40])
small = st.integers(-4, 5)
bad_or_int = st.one_of(small, ints, st.sampled_from(WRONG_TYPES))
shapes = st.lists(st.integers(0, 4), max_size=3).map(tuple)
nonempty = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)
dtypes = st.sampled_from(["float32", "float64", "int64", "bool"])


def arr(data: st.DataObject, shape: tuple, dtype: str = "float32") -> np.ndarray:
    gen = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    a = gen.standard_normal(shape) * 3
    if dtype == "bool":
        return a > 0
    return a.astype(dtype)


def T(lib, a: np.ndarray):  # noqa: N802 - a tensor of either library from the same values
    return lib.tensor(a.copy())


# -- creation --------------------------------------------------------------------------------


@seed(14)
@FUZZ
@given(st.data())
def test_creation(data):
    size = data.draw(st.lists(bad_or_int, max_size=3), label="size")
    fn = data.draw(st.sampled_from(["zeros", "ones", "empty", "rand", "randn"]), label="fn")
    check(lambda m: tuple(getattr(m, fn)(*size).shape), f"{fn}(*{size})")
    check(lambda m: tuple(getattr(m, fn)(tuple(size)).shape), f"{fn}({tuple(size)})")
    v = data.draw(st.sampled_from([0, 1.5, -2, True, "a", None, float("inf")]), label="fill")
    check(lambda m: m.full(tuple(size), v), f"full({size}, {v!r})")
    a, b, s = (
        data.draw(st.one_of(small, st.sampled_from([0.5, 1e20, float("nan")]))) for _ in "abs"
    )
    check(lambda m: m.arange(a, b, s), f"arange({a}, {b}, {s})")
    n = data.draw(bad_or_int, label="n")
    check(lambda m: m.linspace(0, 1, n), f"linspace(0, 1, {n!r})")
    check(lambda m: m.eye(n), f"eye({n!r})")
    check(lambda m: tuple(m.randperm(n).shape), f"randperm({n!r})")
    lo, hi = data.draw(small), data.draw(small)
    check(lambda m: tuple(m.randint(lo, hi, tuple(size)).shape), f"randint({lo}, {hi}, {size})")


@seed(14)
@FUZZ
@given(st.data())
def test_tensor_from_nested_data(data):
    leaf = st.sampled_from([0, 1, -2, 1.5, True, None, "a", float("nan"), 2**70])
    nested = st.recursive(leaf, lambda c: st.lists(c, max_size=3), max_leaves=8)
    value = data.draw(nested, label="data")
    check(lambda m: m.tensor(value), f"tensor({value!r})", permissive=True)


# -- reductions and shapes ---------------------------------------------------------------------


@seed(14)
@FUZZ
@given(st.data())
def test_reductions_with_bad_dims(data):
    shape = data.draw(shapes, label="shape")
    a = arr(data, shape)
    dim = data.draw(st.one_of(bad_or_int, st.tuples(small, small)), label="dim")
    fn = data.draw(
        st.sampled_from(["sum", "mean", "amax", "amin", "logsumexp", "prod", "std", "var"]),
        label="fn",
    )
    # dim=None reduces every dim in nablagrad (NumPy style); torch's logsumexp/std/... want a dim
    check(
        lambda m: getattr(T(m, a), fn)(dim),
        f"{fn}(x{shape}, dim={dim!r})",
        rtol=1e-4,
        permissive=dim is None,
    )
    check(lambda m: T(m, a).argmax(dim), f"argmax(x{shape}, dim={dim!r})")
    check(lambda m: T(m, a).max(dim)[0], f"max(x{shape}, dim={dim!r})")
    check(lambda m: T(m, a).cumsum(dim), f"cumsum(x{shape}, dim={dim!r})", rtol=1e-4)
    # F.softmax takes dim=None (torch too, with a warning); the Tensor method in torch does not
    check(
        lambda m: T(m, a).softmax(dim),
        f"softmax(x{shape}, dim={dim!r})",
        rtol=1e-4,
        permissive=dim is None,
    )


@seed(14)
@FUZZ
@given(st.data())
def test_shape_ops_with_bad_arguments(data):
    shape = data.draw(shapes, label="shape")
    a = arr(data, shape)
    d0, d1 = data.draw(bad_or_int, label="d0"), data.draw(bad_or_int, label="d1")
    sizes = data.draw(st.lists(st.one_of(st.integers(-2, 6), st.sampled_from(WRONG_TYPES))))
    x = f"x{shape}"
    check(lambda m: T(m, a).reshape(*sizes), f"{x}.reshape(*{sizes})")
    check(lambda m: T(m, a).transpose(d0, d1), f"{x}.transpose({d0!r}, {d1!r})")
    check(lambda m: T(m, a).permute(*sizes), f"{x}.permute(*{sizes})")
    # squeeze(None) squeezes every dim in nablagrad (NumPy style); torch wants no argument
    check(lambda m: T(m, a).squeeze(d0), f"{x}.squeeze({d0!r})", permissive=d0 is None)
    check(lambda m: T(m, a).unsqueeze(d0), f"{x}.unsqueeze({d0!r})")
    check(lambda m: T(m, a).flatten(d0, d1), f"{x}.flatten({d0!r}, {d1!r})")
    start, length = data.draw(bad_or_int), data.draw(bad_or_int)
    check(lambda m: T(m, a).narrow(d0, start, length), f"{x}.narrow({d0!r}, {start!r}, {length!r})")
    check(lambda m: T(m, a).repeat(*sizes), f"{x}.repeat(*{sizes})")
    check(lambda m: T(m, a).expand(*sizes), f"{x}.expand(*{sizes})")
    check(lambda m: T(m, a).split(d0, d1), f"{x}.split({d0!r}, {d1!r})")
    check(lambda m: T(m, a).chunk(d0, d1), f"{x}.chunk({d0!r}, {d1!r})")
    check(lambda m: T(m, a).flip(d0), f"{x}.flip({d0!r})")
    other = arr(data, data.draw(shapes, label="other"))
    check(lambda m: m.cat([T(m, a), T(m, other)], d0), f"cat({x}, {other.shape}, {d0!r})")
    check(lambda m: m.stack([T(m, a), T(m, other)], d0), f"stack({x}, {other.shape}, {d0!r})")
    pad = tuple(data.draw(st.lists(st.integers(-5, 3), max_size=4)))
    check(lambda m: m.nn.functional.pad(T(m, a), pad), f"pad({x}, {pad})")


# -- indexing ------------------------------------------------------------------------------------


@seed(14)
@FUZZ
@given(st.data())
def test_indexing_out_of_range(data):
    shape = data.draw(nonempty, label="shape")
    a = arr(data, shape)
    dim = data.draw(st.integers(-4, 3), label="dim")
    idx_shape = data.draw(st.lists(st.integers(0, 3), min_size=len(shape), max_size=len(shape)))
    gen = np.random.default_rng(data.draw(st.integers(0, 99)))
    idx = gen.integers(-5, 6, tuple(idx_shape))
    x = f"x{shape}"
    check(lambda m: T(m, a).gather(dim, T(m, idx)), f"{x}.gather({dim}, {idx.tolist()})")
    flat = idx.reshape(-1)
    check(lambda m: T(m, a).index_select(dim, T(m, flat)), f"{x}.index_select({dim}, {flat})")
    i0 = data.draw(st.one_of(st.integers(-6, 6), st.sampled_from([1.5, None, slice(1, -7)])))
    check(lambda m: T(m, a)[i0], f"{x}[{i0!r}]", permissive=True)
    n = data.draw(st.integers(-2, 5), label="num_classes")
    labels = gen.integers(-2, 6, 4)
    check(lambda m: m.nn.functional.one_hot(T(m, labels), n), f"one_hot({labels.tolist()}, {n})")


# -- elementwise and broadcasting ------------------------------------------------------------


OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b,
    "floordiv": lambda a, b: a // b,
    "mod": lambda a, b: a % b,
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
}


@seed(14)
@FUZZ
@given(st.data())
def test_binary_ops_broadcasting_and_zero_division(data):
    sa, sb = data.draw(shapes, label="a"), data.draw(shapes, label="b")
    da, db = data.draw(dtypes), data.draw(dtypes)
    a, b = arr(data, sa, da), arr(data, sb, db)
    if db == "int64" and data.draw(st.booleans()):
        b = b * 0  # division by zero
    for name, op in OPS.items():
        check(lambda m, op=op: op(T(m, a), T(m, b)), f"{name}({da}{sa}, {db}{sb})", rtol=1e-5)
    check(lambda m: m.isclose(T(m, a), T(m, b)), f"isclose({sa}, {sb})")
    check(lambda m: m.maximum(T(m, a), T(m, b)), f"maximum({da}{sa}, {db}{sb})")
    check(lambda m: m.broadcast_tensors(T(m, a), T(m, b)), f"broadcast_tensors({sa}, {sb})")
    check(lambda m: m.where(T(m, a) > 0, T(m, a), T(m, b)), f"where({sa}, {sb})")


# -- nn layers, losses ---------------------------------------------------------------------------

tuple_arg = st.one_of(
    st.integers(-2, 6),
    st.sampled_from([2**40, 1.5, None, "a", (1,), (1, 2, 3)]),
    st.tuples(st.integers(-1, 4), st.integers(-1, 4)),
)


@seed(14)
@FUZZ
@given(st.data())
def test_conv_and_pooling_arguments(data):
    n, c = data.draw(st.integers(0, 2)), data.draw(st.integers(1, 2))
    h, w = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    a = arr(data, (n, c, h, w))
    k, s, p = (data.draw(tuple_arg, label=name) for name in ("k", "s", "p"))
    desc = f"k={k!r} s={s!r} p={p!r} on {(n, c, h, w)}"

    def conv(m):
        m.manual_seed(0)
        layer = m.nn.Conv2d(c, 2, k, stride=s, padding=p)
        return tuple(layer(T(m, a)).shape)

    check(conv, f"Conv2d {desc}")
    check(lambda m: m.nn.MaxPool2d(k, s, p)(T(m, a)), f"MaxPool2d {desc}")
    check(lambda m: m.nn.AvgPool2d(k, s, p)(T(m, a)), f"AvgPool2d {desc}", rtol=1e-5)
    o = data.draw(st.one_of(st.integers(-1, 5), st.tuples(st.integers(0, 4), st.integers(0, 4))))
    check(lambda m: m.nn.AdaptiveAvgPool2d(o)(T(m, a)), f"AdaptiveAvgPool2d({o!r}) {desc}")


@seed(14)
@FUZZ
@given(st.data())
def test_layer_constructors_and_losses(data):
    i, o = data.draw(bad_or_int, label="in"), data.draw(bad_or_int, label="out")
    check(lambda m: tuple(m.nn.Linear(i, o).weight.shape), f"Linear({i!r}, {o!r})")
    check(lambda m: tuple(m.nn.Embedding(i, 3).weight.shape), f"Embedding({i!r}, 3)")
    p = data.draw(st.sampled_from([-0.5, 0.0, 0.5, 1.0, 1.5, float("nan"), "a"]))
    check(lambda m: m.nn.Dropout(p).p, f"Dropout({p!r})")
    rows, classes = data.draw(st.integers(0, 3)), data.draw(st.integers(1, 4))
    x = arr(data, (rows, classes))
    t = np.random.default_rng(rows).integers(-2, classes + 2, rows)
    F = "nn.functional"
    check(
        lambda m: m.nn.functional.cross_entropy(T(m, x), T(m, t)),
        f"cross_entropy({x.shape}, {t.tolist()})",
        rtol=1e-4,
    )
    check(lambda m: m.nn.functional.nll_loss(T(m, x), T(m, t)), f"nll_loss(.., {t.tolist()})")
    y = arr(data, data.draw(shapes))
    check(
        lambda m: m.nn.functional.mse_loss(T(m, x), T(m, y)), f"{F}.mse_loss({x.shape}, {y.shape})"
    )
    check(
        lambda m: m.nn.functional.binary_cross_entropy(
            T(m, x).sigmoid(), T(m, (y > 0).astype(np.float32))
        ),
        f"binary_cross_entropy({x.shape}, {y.shape})",
        rtol=1e-4,
    )


# -- optimizers, schedulers, data ----------------------------------------------------------------


@seed(14)
@FUZZ
@given(st.data())
def test_optimizer_and_scheduler_arguments(data):
    num = st.sampled_from([-1.0, 0.0, 1e-3, 0.9, 1.0, 2.0, float("nan"), float("inf"), "a", None])
    lr, mom, wd = data.draw(num, label="lr"), data.draw(num, label="m"), data.draw(num, label="wd")
    betas = data.draw(st.one_of(st.tuples(num, num), st.sampled_from([(0.9,), 0.9, None])))

    def sgd(m):
        w = m.zeros(2, requires_grad=True)
        m.optim.SGD([w], lr=lr, momentum=mom, weight_decay=wd)
        return 0

    def adam(m):
        w = m.zeros(2, requires_grad=True)
        m.optim.Adam([w], lr=lr, betas=betas, weight_decay=wd)
        return 0

    check(sgd, f"SGD(lr={lr!r}, momentum={mom!r}, weight_decay={wd!r})", permissive=True)
    check(adam, f"Adam(lr={lr!r}, betas={betas!r}, weight_decay={wd!r})", permissive=True)
    step, gamma = data.draw(bad_or_int, label="step"), data.draw(num, label="gamma")

    def steplr(m):
        w = m.zeros(2, requires_grad=True)
        opt = m.optim.SGD([w], lr=0.1)
        sched = m.optim.lr_scheduler.StepLR(opt, step, gamma)
        for _ in range(3):
            opt.step()
            sched.step()
        return sched.get_last_lr()

    check(steplr, f"StepLR(step_size={step!r}, gamma={gamma!r})", permissive=True)


@seed(14)
@FUZZ
@given(st.data())
def test_data_loader_arguments(data):
    n = data.draw(st.integers(0, 5), label="n")
    x, y = arr(data, (n, 2)), np.arange(data.draw(st.integers(0, 5)))
    bs = data.draw(bad_or_int, label="batch_size")

    def load(m):
        ds = m.utils.data.TensorDataset(T(m, x), T(m, y))
        return [tuple(b[0].shape) for b in m.utils.data.DataLoader(ds, batch_size=bs)]

    check(load, f"DataLoader(TensorDataset({x.shape}, {y.shape}), batch_size={bs!r})")


# -- serialization -------------------------------------------------------------------------------


def _blob() -> bytes:
    buf = io.BytesIO()
    ng.save({"w": ng.arange(6.0).reshape(2, 3), "b": ng.ones(2), "step": 3}, buf)
    return buf.getvalue()


BLOB = _blob()


@seed(14)
@FUZZ
@given(st.data())
def test_mutated_checkpoints_fail_with_serialization_error(data):
    raw = bytearray(BLOB)
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        kind = data.draw(st.sampled_from(["flip", "cut", "append", "digit"]))
        pos = data.draw(st.integers(0, len(raw) - 1))
        if kind == "flip":
            raw[pos] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            del raw[pos:]
            if not raw:
                break
        elif kind == "append":
            raw += bytes(data.draw(st.integers(1, 9)))
        else:  # change a digit of the JSON header (offsets, shapes, lengths)
            digits = [i for i in range(8, min(len(raw), 400)) if chr(raw[i]).isdigit()]
            if digits:
                raw[data.draw(st.sampled_from(digits))] = ord(str(data.draw(st.integers(0, 9))))
    STATS["calls"] += 1
    try:
        out = ng.load(io.BytesIO(bytes(raw)))
    except ng.SerializationError as e:
        assert_deliberate(e, "load(mutated checkpoint)")
        return
    # it loaded: the edit kept the file valid (e.g. a changed byte inside a metadata string,
    # which the format cannot detect); the result is still a checkpoint dict
    assert isinstance(out, dict), out


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print(
        f"\nfuzz: {STATS['calls']} calls, {STATS['agreed']} agreed with torch, "
        f"{STATS['ng_errors']} deliberate nablagrad errors"
    )


# -- the CLI -----------------------------------------------------------------------------------

BAD_OPTIONS = {
    "train": {
        "--lr": ["-1", "0", "nan", "inf"],
        "--epochs": ["0", "-2", "x", "1.5"],
        "--batch-size": ["0", "-1"],
        "--dropout": ["1", "-0.1", "nan", "2"],
        "--hidden": ["0", "a", "-3", "4,x"],
        "--label-smoothing": ["1", "nan", "-1"],
        "--weight-decay": ["-1", "nan", "inf"],
        "--early-stopping": ["-1"],
        "--device": ["tpu", "gpu:0"],
        "--model": ["resnet"],
    },
    "knn": {
        "--k-max": ["0", "-3", "100000"],
        "--p": ["0.5", "x", "", "-1"],
        "--folds": ["1", "0"],
        "--test-size": ["0", "1", "1.5", "-0.2"],
    },
    "tune": {
        "--trials": ["0", "-1"],
        "--eta": ["1", "0"],
        "--hidden": ["0", "-4"],
        "--max-epochs": ["0"],
    },
    "embed": {
        "--dim": ["0", "-1"],
        "--window": ["0"],
        "--epochs": ["0"],
        "--negative": ["-1"],
        "--sample": ["-1", "nan"],
        "--alpha": ["0", "-1"],
        "--batch-size": ["0"],
        "--workers": ["0"],
    },
}


@seed(14)
@settings(FUZZ, max_examples=N)
@given(data=st.data())
def test_cli_bad_options_fail_fast_with_one_deliberate_line(capsys, data):
    from nablagrad.cli import main

    cmd = data.draw(st.sampled_from(sorted(BAD_OPTIONS)), label="command")
    opt = data.draw(st.sampled_from(sorted(BAD_OPTIONS[cmd])), label="option")
    value = data.draw(st.sampled_from(BAD_OPTIONS[cmd][opt]), label="value")
    STATS["calls"] += 1
    try:
        rc = main([cmd, f"{opt}={value}"])
    except SystemExit as e:  # argparse refusing the type: its own one-line usage error
        rc = e.code
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2, f"nablagrad {cmd} {opt}={value}: exit {rc}, {err[-1:]}"
    assert err and "error" in err[-1], (cmd, opt, value, err)
    assert "Error:" not in err[-1], f"an accidental exception, not a deliberate message: {err[-1]}"


@seed(14)
@FUZZ
@given(st.data())
def test_loss_and_normalization_arguments(data):
    rows, classes = data.draw(st.integers(0, 3)), data.draw(st.integers(1, 4))
    x = arr(data, (rows, classes))
    gen = np.random.default_rng(rows + classes)
    t = gen.integers(-2, classes + 1, rows)
    red = data.draw(st.sampled_from(["mean", "sum", "none", "avg", None]), label="reduction")
    ign = data.draw(st.sampled_from([-100, -1, 0, 1, 10]), label="ignore_index")
    w = gen.random(data.draw(st.sampled_from([classes, classes + 1, 0]))).astype(np.float32)
    ls = data.draw(st.sampled_from([0.0, 0.1, 1.0, -0.1, 1.5]), label="label_smoothing")
    desc = f"({x.shape}, {t.tolist()}, reduction={red!r}, ignore_index={ign}, w{w.shape}, ls={ls})"

    def ce(m):
        return m.nn.functional.cross_entropy(
            T(m, x), T(m, t), T(m, w), ignore_index=ign, reduction=red, label_smoothing=ls
        )

    check(ce, f"cross_entropy{desc}", rtol=1e-4, atol=1e-5)
    check(
        lambda m: m.nn.functional.nll_loss(T(m, x), T(m, t), ignore_index=ign, reduction=red),
        f"nll_loss{desc}",
        rtol=1e-4,
    )
    y = arr(data, data.draw(shapes))
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
        check(
            lambda m, name=name: getattr(m.nn.functional, name)(T(m, x), T(m, y), reduction=red),
            f"{name}({x.shape}, {y.shape}, reduction={red!r})",
            rtol=1e-4,
        )
    shape = data.draw(st.one_of(bad_or_int, st.tuples(small, small)), label="normalized_shape")
    check(
        lambda m: m.nn.LayerNorm(shape)(T(m, x)),
        f"LayerNorm({shape!r})(x{x.shape})",
        rtol=1e-4,
        atol=1e-5,
    )
    nf = data.draw(bad_or_int, label="num_features")
    mom = data.draw(st.sampled_from([0.1, None, -1.0, 2.0]), label="momentum")
    check(
        lambda m: m.nn.BatchNorm1d(nf, momentum=mom)(T(m, x)),
        f"BatchNorm1d({nf!r}, momentum={mom!r})(x{x.shape})",
        rtol=1e-4,
        atol=1e-5,
        permissive=True,  # torch accepts momentum outside [0, 1]; so does nablagrad
    )
    emb_n = data.draw(st.integers(0, 4))
    weight = arr(data, (emb_n, 2))
    check(
        lambda m: m.nn.functional.embedding(T(m, t), T(m, weight)),
        f"embedding({t.tolist()}, weight ({emb_n}, 2))",
    )


@seed(14)
@FUZZ
@given(st.data())
def test_more_schedulers_and_optimizer_params(data):
    num = st.sampled_from([-1, 0, 1, 2, 3, 0.5, float("nan"), "a", None])
    kind = data.draw(
        st.sampled_from(
            ["MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "ConstantLR",
             "PolynomialLR", "OneCycleLR", "CyclicLR", "CosineAnnealingWarmRestarts"]
        ),
        label="scheduler",
    )  # fmt: skip
    a, b = data.draw(num, label="a"), data.draw(num, label="b")
    args = {
        "MultiStepLR": lambda: {"milestones": [a, b] if a is not None else a, "gamma": 0.5},
        "ExponentialLR": lambda: {"gamma": a},
        "CosineAnnealingLR": lambda: {"T_max": a, "eta_min": b},
        "LinearLR": lambda: {"start_factor": a, "end_factor": b, "total_iters": 3},
        "ConstantLR": lambda: {"factor": a, "total_iters": b},
        "PolynomialLR": lambda: {"total_iters": a, "power": b},
        "OneCycleLR": lambda: {"max_lr": 0.1, "total_steps": a, "pct_start": b},
        "CyclicLR": lambda: {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": a},
        "CosineAnnealingWarmRestarts": lambda: {"T_0": a, "T_mult": b},
    }[kind]()

    def run(m):
        w = m.zeros(2, requires_grad=True)
        opt = m.optim.SGD([w], lr=0.1, momentum=0.9)
        sched = getattr(m.optim.lr_scheduler, kind)(opt, **args)
        lrs = []
        for _ in range(4):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        return m.tensor(lrs, dtype=m.float64)

    # nablagrad may refuse more (nan, non-numbers), and agree where both accept
    check(run, f"{kind}({args})", permissive=True, rtol=1e-6, atol=1e-9)
    params = data.draw(
        st.sampled_from(["tensor", "list", "empty", "dicts", "int", "dup", "nograd", "gen"]),
        label="params",
    )

    def make(m):
        w = m.zeros(2, requires_grad=True)
        p = {
            "tensor": w,
            "list": [w],
            "empty": [],
            "dicts": [{"params": [w], "lr": 0.5}, {"params": []}],
            "int": 3,
            "dup": [w, w],
            "nograd": [m.zeros(2)],
            "gen": (v for v in [w]),
        }[params]
        m.optim.Adam(p, lr=0.1)
        return 0

    check(make, f"Adam(params={params})", permissive=True)
