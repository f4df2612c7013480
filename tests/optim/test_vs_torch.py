"""Every optimizer against torch.optim: same model, data, initial weights and arguments."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from optim_common import Pair

# (optimizer, kwargs, steps): parameters must agree with torch after ``steps`` steps.
CASES = [
    ("SGD", dict(lr=0.05), 200),
    ("SGD", dict(lr=0.05, momentum=0.9), 200),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-2), 200),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3, weight_decay=1e-3), 200),
    ("Adam", dict(lr=1e-2), 200),
    ("Adam", dict(lr=1e-2, amsgrad=True, weight_decay=1e-2), 200),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6), 200),
    ("AdamW", dict(lr=1e-2), 200),
    ("AdamW", dict(lr=1e-2, amsgrad=True, weight_decay=0.1), 200),
    ("Adamax", dict(lr=1e-2), 200),
    ("Adamax", dict(lr=1e-2, weight_decay=1e-2, betas=(0.8, 0.99)), 200),
    ("NAdam", dict(lr=1e-2), 200),
    ("NAdam", dict(lr=1e-2, weight_decay=1e-2, momentum_decay=1e-2), 200),
    ("NAdam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True), 200),
    ("RAdam", dict(lr=1e-2), 200),
    ("RAdam", dict(lr=1e-2, weight_decay=0.1, decoupled_weight_decay=True), 200),
    ("RAdam", dict(lr=1e-2, weight_decay=1e-2, betas=(0.9, 0.9)), 200),
    ("Adagrad", dict(lr=0.05), 200),
    (
        "Adagrad",
        dict(lr=0.05, lr_decay=1e-2, weight_decay=1e-2, initial_accumulator_value=0.1),
        200,
    ),
    ("RMSprop", dict(lr=1e-2), 200),
    ("RMSprop", dict(lr=1e-3, centered=True, momentum=0.9, weight_decay=1e-2), 200),
    ("RMSprop", dict(lr=1e-3, momentum=0.5, alpha=0.9), 200),
    ("Adadelta", dict(), 200),
    ("Adadelta", dict(lr=0.5, rho=0.95, weight_decay=1e-2), 200),
    ("LBFGS", dict(lr=0.5, max_iter=5), 20),
    ("LBFGS", dict(line_search_fn="strong_wolfe", max_iter=5, history_size=4), 20),
]

IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}" for n, kw, _ in CASES]


def _assert_params(pair: Pair, rtol: float, atol: float) -> None:
    for i, (a, b) in enumerate(zip(pair.ng_values(), pair.t_values())):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"parameter {i}")


@pytest.mark.parametrize("name,kwargs,steps", CASES, ids=IDS)
def test_trajectory_float64(name: str, kwargs: dict, steps: int) -> None:
    pair = Pair(name, kwargs, np.float64)
    pair.step_ng(steps)
    pair.step_torch(steps)
    # float64 agrees to rounding; L-BFGS amplifies the last-bit differences of dot products
    # (20 steps of the strong-Wolfe search: 4e-6 relative on an Intel Xeon, where torch's BLAS
    # rounds differently from NumPy's OpenBLAS; 1e-7 on AMD Zen 5)
    tol = dict(rtol=1e-5, atol=1e-6) if name == "LBFGS" else dict(rtol=1e-8, atol=1e-9)
    _assert_params(pair, **tol)


@pytest.mark.parametrize("name,kwargs,steps", CASES[::3], ids=IDS[::3])
def test_trajectory_float32(name: str, kwargs: dict, steps: int) -> None:
    pair = Pair(name, kwargs, np.float32)
    if name == "LBFGS":  # quasi-Newton steps amplify float32 rounding: compare early
        steps = 2
    pair.step_ng(steps)
    pair.step_torch(steps)
    _assert_params(pair, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "NAdam"])
def test_param_groups_and_maximize(name: str) -> None:
    kwargs = dict(lr=1e-2, maximize=True)
    if name == "SGD":
        kwargs["momentum"] = 0.9
    pair = Pair(name, kwargs, np.float64, groups=True, sign=-1.0)
    pair.step_ng(100)
    pair.step_torch(100)
    _assert_params(pair, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("name,kwargs,steps", CASES, ids=IDS)
def test_state_dict_resume_is_bit_identical(name: str, kwargs: dict, steps: int) -> None:
    half = steps // 2
    ref = Pair(name, kwargs, np.float32)
    ref.step_ng(half)
    saved_state = pickle.loads(pickle.dumps(ref.ng_opt.state_dict()))
    saved_params = ref.ng_values()
    ref.step_ng(steps - half)

    resumed = Pair(name, kwargs, np.float32)
    for p, v in zip(resumed.ng_params, saved_params):
        p._data[...] = v
    resumed.ng_opt.load_state_dict(copy.deepcopy(saved_state))
    resumed.step_ng(steps - half)
    for a, b in zip(ref.ng_values(), resumed.ng_values()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name,kwargs,steps", CASES[::2], ids=IDS[::2])
def test_state_dict_layout_matches_torch(name: str, kwargs: dict, steps: int) -> None:
    pair = Pair(name, kwargs, np.float64)
    pair.step_ng(3)
    pair.step_torch(3)
    ours, theirs = pair.ng_opt.state_dict(), pair.t_opt.state_dict()
    assert sorted(ours["state"]) == sorted(theirs["state"])
    for k in theirs["state"]:
        assert set(ours["state"][k]) == set(theirs["state"][k]), k
        for key, value in theirs["state"][k].items():
            if hasattr(value, "shape") and value.ndim > 0:
                np.testing.assert_allclose(
                    np.asarray(ours["state"][k][key]._data), value.numpy(), rtol=1e-9, atol=1e-11
                )
    for g_ours, g_theirs in zip(ours["param_groups"], theirs["param_groups"]):
        assert g_ours["params"] == g_theirs["params"]
        for key in g_ours:
            assert key in g_theirs, f"group key {key} is not in torch's state_dict"
            if key != "params":
                assert g_ours[key] == g_theirs[key], key


@pytest.mark.parametrize(
    "name,kwargs,steps",
    [CASES[1], CASES[5], CASES[12], CASES[20]],
    ids=[IDS[1], IDS[5], IDS[12], IDS[20]],
)
def test_load_torch_state_dict(name: str, kwargs: dict, steps: int) -> None:
    """A torch.optim state_dict loads into the nablagrad optimizer and the runs stay together."""
    pair = Pair(name, kwargs, np.float64)
    pair.step_torch(50)
    for p, t in zip(pair.ng_params, pair.t_params):
        p._data[...] = t.detach().numpy()
    pair.ng_opt.load_state_dict(pair.t_opt.state_dict())
    pair.step_ng(50)
    pair.step_torch(50)
    _assert_params(pair, rtol=1e-8, atol=1e-9)


# float32 RMSprop is left out: g / sqrt(v) is +-1/sqrt(1 - alpha) on the first step whatever
# g's size, and a few of the wide layer's float32 gradients are pure rounding noise whose sign
# differs between the two libraries' matmuls (the NumPy path misses by the same amount)
BLAS_CASES = [
    pytest.param(name, kwargs, dtype, id=f"{case_id}-{dtype.__name__}")
    for (name, kwargs, _), case_id in zip(CASES, IDS)
    for dtype in (np.float64, np.float32)
    if name != "LBFGS" and not (name == "RMSprop" and dtype == np.float32)
]


@pytest.mark.parametrize("name,kwargs,dtype", BLAS_CASES)
def test_trajectory_through_blas_path(
    name: str, kwargs: dict, dtype: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A layer big enough for the one-pass BLAS updates (``backend.axpby_``) still follows
    torch; the BLAS routine must actually have run."""
    from nablagrad import _blas

    if not _blas.blas_available():
        pytest.skip("this NumPy has no bundled OpenBLAS")
    calls = []

    def counting(fn):
        def wrapper(*args):
            calls.append(args[0])
            return fn(*args)

        return wrapper

    monkeypatch.setattr(_blas, "_axpby", {k: counting(f) for k, f in _blas._lookup().items()})
    pair = Pair(name, kwargs, dtype, wide=True)
    steps = 50 if dtype == np.float64 else 20
    pair.step_ng(steps)
    pair.step_torch(steps)
    assert calls and min(calls) >= _blas.BLAS_MIN_NUMEL
    tol = dict(rtol=1e-8, atol=1e-9) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-5)
    _assert_params(pair, **tol)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("NAdam", dict(lr=1e-2)),
        ("ASGD", dict(lr=0.05, t0=5)),
        ("Adafactor", dict(lr=0.05)),
        ("Adam", dict(lr=1e-2)),
    ],
)
def test_load_state_dict_casts_state_like_torch(name: str, kwargs: dict) -> None:
    """torch's load_state_dict casts every float state value but ``step`` to the parameter's
    dtype, 0-d ones included (NAdam's mu_product, ASGD's eta and mu were kept float32 for
    float64 parameters); the reloaded runs keep matching torch's step by step."""
    pair = Pair(name, kwargs, np.float64)
    pair.step_ng(10)
    pair.step_torch(10)
    pair.ng_opt.load_state_dict(pair.ng_opt.state_dict())
    pair.t_opt.load_state_dict(pair.t_opt.state_dict())
    ours, theirs = pair.ng_opt.state_dict()["state"], pair.t_opt.state_dict()["state"]
    for k in theirs:
        for key, value in theirs[k].items():
            got = np.asarray(ours[k][key]._data)
            assert got.dtype == value.numpy().dtype, (k, key)
    for _ in range(20):
        pair.step_ng()
        pair.step_torch()
        _assert_params(pair, rtol=1e-12, atol=1e-14)
    ours, theirs = pair.ng_opt.state_dict()["state"], pair.t_opt.state_dict()["state"]
    for k in theirs:
        for key, value in theirs[k].items():
            np.testing.assert_allclose(
                np.asarray(ours[k][key]._data), value.numpy(), rtol=1e-12, atol=1e-15
            )


TENSOR_LR_CASES = [
    ("SGD", dict(momentum=0.9, weight_decay=1e-2)),
    ("Adam", dict()),
    ("AdamW", dict(amsgrad=True)),
    ("Adamax", dict()),
    ("NAdam", dict()),
    ("RAdam", dict()),
    ("Adagrad", dict(lr_decay=1e-2)),
    ("RMSprop", dict(momentum=0.5)),
    ("Adadelta", dict()),
    ("Rprop", dict()),
    ("ASGD", dict(t0=5)),
    ("LBFGS", dict(max_iter=5)),
]


@pytest.mark.parametrize("name,kwargs", TENSOR_LR_CASES, ids=[c[0] for c in TENSOR_LR_CASES])
def test_tensor_lr_like_torch(name: str, kwargs: dict) -> None:
    """torch takes a one-element Tensor lr (the group keeps that very tensor); it was refused
    with a TypeError.  A schedule updates it in place, and the runs follow torch's."""
    import torch

    import nablagrad as ng

    lrs = {"ng": ng.tensor(0.01), "torch": torch.tensor(0.01)}
    pair = Pair(name, dict(kwargs, lr=0.01), np.float64)
    pair.ng_opt = getattr(ng.optim, name)(pair.ng_params, **dict(kwargs, lr=lrs["ng"]))
    pair.t_opt = getattr(torch.optim, name)(pair.t_params, **dict(kwargs, lr=lrs["torch"]))
    assert pair.ng_opt.param_groups[0]["lr"] is lrs["ng"]
    # torch's L-BFGS keeps the lr tensor itself as its last step size, so a schedule that
    # changes it in place changes the previous step too: not followed, L-BFGS runs unscheduled
    scheduled = name != "LBFGS"
    ng_s = ng.optim.lr_scheduler.StepLR(pair.ng_opt, step_size=3, gamma=0.5)
    t_s = torch.optim.lr_scheduler.StepLR(pair.t_opt, step_size=3, gamma=0.5)
    for step in range(10):
        pair.step_ng()
        pair.step_torch()
        if scheduled:
            ng_s.step()
            t_s.step()
        assert pair.ng_opt.param_groups[0]["lr"] is lrs["ng"]  # updated in place, as torch's
        assert float(lrs["ng"]) == float(lrs["torch"]), step
        assert [float(v) for v in ng_s.get_last_lr()] == [float(v) for v in t_s.get_last_lr()]
    # torch's Adam, AdamW, NAdam and ASGD compute the factors that involve the lr (step size,
    # AdamW's 1 - lr * weight_decay, ASGD's eta) in the float32 lr's precision, nablagrad in
    # float64
    lr_in_float32 = name in ("Adam", "AdamW", "NAdam", "ASGD")
    _assert_params(pair, rtol=2e-5 if lr_in_float32 else 1e-9, atol=1e-9)
    saved = pair.t_opt.state_dict()  # torch's state dict, with its Tensor lr, loads too
    pair.ng_opt.load_state_dict(saved)
    assert float(pair.ng_opt.param_groups[0]["lr"]) == float(saved["param_groups"][0]["lr"])


def test_tensor_lr_errors_like_torch() -> None:
    import torch

    import nablagrad as ng

    for lib in (ng, torch):
        w = lib.zeros(3, requires_grad=True)
        with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
            lib.optim.SGD([w], lr=lib.tensor([0.1, 0.2]))
        with pytest.raises(ValueError, match="lr as a Tensor is not supported"):
            lib.optim.Adam([w], lr=lib.tensor(0.1), foreach=True)
        with pytest.raises(ValueError, match="Invalid learning rate"):
            lib.optim.Adam([w], lr=lib.tensor(-0.1))
        lib.optim.Adamax([w], lr=lib.tensor(0.1), foreach=True)  # only Adam and AdamW refuse
        lib.optim.SGD([w], lr=lib.tensor([0.1]))
