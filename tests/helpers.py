"""Shared test helpers: compare a nablagrad op with the same op in PyTorch.

``check_op(ng_fn, torch_fn, shapes)`` builds seeded inputs, runs both libraries, compares the
forward result (shape, dtype, values) and then the gradients of ``out.sum()`` (or of
``(out * w).sum()`` with a seeded weight, so every output element matters) for every input.
With ``second_order=True`` it also compares second derivatives: the first gradients are taken
with ``create_graph=True`` and ``sum_i (grad_i * v_i)`` (seeded ``v``) is differentiated again,
which is a Hessian-vector product of the loss.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import nablagrad as ng

# whether check_op, check_tails, compare_module (nn/nnhelpers.py) and the fuzz tests replay
# their calls on the fake CUDA device; tests/conftest.py turns it off for --no-device-sweep
DEVICE_SWEEP = True


def mixes_devices(e: BaseException) -> bool:
    """Whether ``e`` is torch's error for tensors on two devices: in a replay on the fake CUDA
    device, the sign that the test's own function made CPU tensors (not a device bug)."""
    return isinstance(e, RuntimeError) and "found at least two devices" in str(e)


TORCH_DTYPES = {
    np.dtype(np.float32): torch.float32,
    np.dtype(np.float64): torch.float64,
    np.dtype(np.int64): torch.int64,
    np.dtype(np.int32): torch.int32,
    np.dtype(np.bool_): torch.bool,
}


def to_torch(x: Any, requires_grad: bool = False) -> torch.Tensor:
    arr = np.array(x._data if isinstance(x, ng.Tensor) else x)
    t = torch.from_numpy(arr.copy())
    if requires_grad:
        t.requires_grad_()
    return t


def to_ng(x: Any, requires_grad: bool = False) -> ng.Tensor:
    arr = x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    return ng.tensor(arr.copy(), requires_grad=requires_grad)


def assert_close(ng_val: Any, torch_val: Any, atol: float, rtol: float, what: str = "") -> None:
    a = np.asarray(ng_val._data if isinstance(ng_val, ng.Tensor) else ng_val)
    b = (
        torch_val.detach().numpy(force=True)  # force: torch may return a lazy ZeroTensor
        if isinstance(torch_val, torch.Tensor)
        else np.asarray(torch_val)
    )
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch {b.shape}"
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=what, equal_nan=True)


def make_inputs(
    shapes: Sequence[Any],
    dtype: Any = np.float32,
    seed: int = 0,
    low: float = -2.0,
    high: float = 2.0,
) -> list[np.ndarray]:
    """Seeded uniform arrays; an entry that is already an array is used as given."""
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes:
        if isinstance(s, np.ndarray):
            out.append(s)
        else:
            out.append(rng.uniform(low, high, size=s).astype(dtype))
    return out


def check_op(
    ng_fn: Callable[..., Any],
    torch_fn: Callable[..., Any] | None = None,
    shapes: Sequence[Any] = ((3, 4),),
    **kwargs: Any,
) -> None:
    """Compare ``ng_fn(*ng_inputs)`` with ``torch_fn(*torch_inputs)``, forward and backward
    (and second derivatives with ``second_order``); then (``DEVICE_SWEEP``) run ``ng_fn`` on
    the fake CUDA device too, which must give the CPU's values and gradients
    (``device_sweep=False``: a CPU-only function).  Other keywords: see ``_check_vs_torch``."""
    device_sweep = kwargs.pop("device_sweep", True)
    _check_vs_torch(ng_fn, torch_fn, shapes, **kwargs)
    if DEVICE_SWEEP and device_sweep:
        _replay_on_fake_cuda(ng_fn, shapes, **kwargs)


def _check_vs_torch(
    ng_fn: Callable[..., Any],
    torch_fn: Callable[..., Any] | None = None,
    shapes: Sequence[Any] = ((3, 4),),
    *,
    inputs: Sequence[np.ndarray] | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    grad_atol: float | None = None,
    grad_rtol: float | None = None,
    grad: bool = True,
    dtype: Any = np.float32,
    low: float = -2.0,
    high: float = 2.0,
    seed: int = 0,
    second_order: bool = False,
    grad2_atol: float | None = None,
    grad2_rtol: float | None = None,
) -> None:
    torch_fn = torch_fn or ng_fn
    arrays = list(inputs) if inputs is not None else make_inputs(shapes, dtype, seed, low, high)
    diff = [grad and a.dtype.kind == "f" for a in arrays]
    ng_in = [ng.tensor(a.copy(), requires_grad=d) for a, d in zip(arrays, diff)]
    t_in = [to_torch(a, requires_grad=d) for a, d in zip(arrays, diff)]
    ng_out = ng_fn(*ng_in)
    t_out = torch_fn(*t_in)
    ng_outs = ng_out if isinstance(ng_out, (tuple, list)) else (ng_out,)
    t_outs = t_out if isinstance(t_out, (tuple, list)) else (t_out,)
    for i, (a, b) in enumerate(zip(ng_outs, t_outs)):
        assert isinstance(a, ng.Tensor), f"output {i} is {type(a).__name__}, not a Tensor"
        assert TORCH_DTYPES.get(a._data.dtype) == b.dtype, (
            f"output {i}: dtype {a.dtype} vs {b.dtype}"
        )
        assert_close(a, b, atol, rtol, f"forward output {i}")
    if not any(diff):
        return
    rng = np.random.default_rng(seed + 1)
    ng_loss, t_loss = None, None
    for a, b in zip(ng_outs, t_outs):
        if not b.requires_grad:
            continue
        w = rng.uniform(0.5, 1.5, size=tuple(b.shape)).astype(np.asarray(a._data).dtype)
        ng_term = (a * ng.tensor(w)).sum()
        t_term = (b * torch.from_numpy(w)).sum()
        ng_loss = ng_term if ng_loss is None else ng_loss + ng_term
        t_loss = t_term if t_loss is None else t_loss + t_term
    if t_loss is None:
        return
    ga = grad_atol if grad_atol is not None else atol
    gr = grad_rtol if grad_rtol is not None else rtol
    if second_order:
        _check_second_order(
            ng_loss, t_loss, ng_in, t_in, diff, rng, grad2_atol or ga, grad2_rtol or gr
        )
        return
    ng_loss.backward()
    t_loss.backward()
    for i, (a, b) in enumerate(zip(ng_in, t_in)):
        if not diff[i]:
            continue
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad._data), f"input {i}: torch has no grad"
            continue
        if a.grad is None:  # torch may materialise a zero gradient where nablagrad has none
            assert not np.any(b.grad.numpy()), f"input {i}: nablagrad computed no gradient"
            continue
        assert_close(a.grad, b.grad, ga, gr, f"gradient of input {i}")


def _replay_on_fake_cuda(
    ng_fn: Callable[..., Any],
    shapes: Sequence[Any] = ((3, 4),),
    *,
    inputs: Sequence[np.ndarray] | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-5,
    grad: bool = True,
    dtype: Any = np.float32,
    low: float = -2.0,
    high: float = 2.0,
    seed: int = 0,
    **_: Any,
) -> None:
    """``ng_fn`` on the CPU and on the fake CUDA device: the outputs and the gradients of the
    same weighted loss must agree (to the op's tolerances), and the device's gradients stay on
    it.  A function that makes CPU tensors of its own is compared where it can be: torch's
    two-devices error ends the replay."""
    from nablagrad import backend

    arrays = list(inputs) if inputs is not None else make_inputs(shapes, dtype, seed, low, high)
    diff = [grad and a.dtype.kind == "f" for a in arrays]
    with backend.use_fake_cuda():  # the comparisons too: a fake array is "cuda" only inside
        results = []
        for device in ("cpu", "cuda"):
            xs = [ng.tensor(a.copy(), requires_grad=d, device=device) for a, d in zip(arrays, diff)]
            try:
                out = ng_fn(*xs)
            except RuntimeError as e:
                if device == "cuda" and mixes_devices(e):
                    return  # the test's function makes CPU tensors of its own
                raise
            outs = out if isinstance(out, (tuple, list)) else (out,)
            outs = [o for o in outs if isinstance(o, ng.Tensor)]
            rng = np.random.default_rng(seed + 1)
            loss = None
            for o in outs:
                if not o.requires_grad:
                    continue
                w = rng.uniform(0.5, 1.5, size=tuple(o.shape)).astype(str(o.dtype).split(".")[-1])
                term = (o * ng.tensor(w, device=o.device)).sum().to(device)  # o may be .cpu()'d
                loss = term if loss is None else loss + term
            if loss is not None:
                loss.backward()
            results.append((outs, xs))
        (cpu_outs, cpu_in), (dev_outs, dev_in) = results
        for k, (a, c) in enumerate(zip(dev_outs, cpu_outs)):
            assert_close(a.detach().cpu(), c.detach(), atol, rtol, f"device output {k}")
        for i, (a, c) in enumerate(zip(dev_in, cpu_in)):
            assert (a.grad is None) == (c.grad is None), f"gradient {i} on one device only"
            if c.grad is not None:
                assert a.grad.device.type == "cuda", f"gradient {i} left the device"
                assert_close(a.grad.cpu(), c.grad, atol, rtol, f"device gradient {i}")


def _check_second_order(ng_loss, t_loss, ng_in, t_in, diff, rng, atol, rtol) -> None:
    """First gradients with create_graph, then the gradient of sum(grad * v): both libraries."""
    idx = [i for i, d in enumerate(diff) if d]
    ng_g = ng.autograd.grad(ng_loss, [ng_in[i] for i in idx], create_graph=True, allow_unused=True)
    t_g = torch.autograd.grad(t_loss, [t_in[i] for i in idx], create_graph=True, allow_unused=True)
    ng_s, t_s = None, None
    for i, a, b in zip(idx, ng_g, t_g):
        if b is None:
            assert a is None or not np.any(a._data), f"input {i}: torch has no gradient"
            continue
        if a is None:  # torch may materialise a zero gradient where nablagrad has none
            assert not np.any(b.detach().numpy()), f"input {i}: nablagrad computed no gradient"
            continue
        assert_close(a, b, atol, rtol, f"gradient of input {i}")
        if not b.requires_grad:  # torch: the gradient does not depend on the inputs
            continue
        v = rng.uniform(0.5, 1.5, size=tuple(b.shape)).astype(np.asarray(a._data).dtype)
        if a.requires_grad:  # else a gradient that is piecewise constant: torch's must be 0 below
            ng_term = (a * ng.tensor(v)).sum()
            ng_s = ng_term if ng_s is None else ng_s + ng_term
        t_s = (
            (b * torch.from_numpy(v)).sum()
            if t_s is None
            else t_s + (b * torch.from_numpy(v)).sum()
        )
    if t_s is None:
        return
    if ng_s is None:
        ng_h = [None] * len(idx)
    else:
        ng_h = ng.autograd.grad(ng_s, [ng_in[i] for i in idx], allow_unused=True)
    t_h = torch.autograd.grad(t_s, [t_in[i] for i in idx], allow_unused=True)
    for i, a, b in zip(idx, ng_h, t_h):
        if b is None:
            assert a is None or not np.any(a._data), f"input {i}: torch has no second derivative"
            continue
        if a is None:  # nablagrad's gradient does not depend on this input: torch's is flat too
            assert_close(np.zeros(tuple(b.shape)), b, atol, rtol, f"second derivative {i}")
            continue
        assert_close(a, b, atol, rtol, f"second derivative of input {i}")


def check_tails(
    ng_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    inputs: Sequence[Any],
    rtol: float,
    grad: bool = True,
    value: bool = True,
) -> None:
    """``ng_fn(*inputs)`` against ``torch_fn`` with a purely RELATIVE tolerance (no ``atol``,
    which would hide wrong tails: 0 instead of 2e-9 passes any ``atol=1e-5``), and the gradients
    of ``sum(out * w)`` for a seeded weight ``w`` the same way; NaN and inf must match exactly.
    Meant for extreme inputs: tails, values near 0, overflow edges."""
    arrays = [np.asarray(x) for x in inputs]
    diff = [grad and a.dtype.kind == "f" for a in arrays]
    ng_in = [to_ng(a, requires_grad=d) for a, d in zip(arrays, diff)]
    t_in = [to_torch(a, requires_grad=d) for a, d in zip(arrays, diff)]
    ours, theirs = ng_fn(*ng_in), torch_fn(*t_in)
    if value:
        assert_close(ours, theirs, atol=0, rtol=rtol, what="value")
    if not any(diff):
        return
    w = np.random.default_rng(0).uniform(0.5, 1.5, tuple(theirs.shape))
    w = w.astype(theirs.detach().numpy().dtype)
    (ours * ng.tensor(w)).sum().backward()
    (theirs * torch.from_numpy(w)).sum().backward()
    for i, (a, b) in enumerate(zip(ng_in, t_in)):
        if diff[i]:
            assert_close(a.grad, b.grad, atol=0, rtol=rtol, what=f"gradient of input {i}")
    if DEVICE_SWEEP:
        _replay_on_fake_cuda(ng_fn, inputs=arrays, atol=0.0, rtol=rtol, grad=grad)


def _outcome(fn: Callable[[Any], Any], lib: Any) -> Any:
    try:
        out = fn(lib)
    except Exception as e:  # noqa: BLE001 - the exception type is what is compared
        return type(e)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [
        (str(o.dtype).split(".")[-1], tuple(o.shape), np.array(o.detach().numpy())) for o in outs
    ]


def assert_like_torch(fn: Callable[[Any], Any]) -> None:
    """``fn(torch)`` and ``fn(nablagrad)`` give the same dtypes, shapes and values (a Tensor or
    a tuple of them; NaN equals NaN), or raise the same exception type."""
    want, got = _outcome(fn, torch), _outcome(fn, ng)
    if isinstance(want, type) or isinstance(got, type):
        assert got is want, f"torch: {want}, nablagrad: {got}"
        return
    assert [w[:2] for w in want] == [g[:2] for g in got]
    for w, g in zip(want, got):
        np.testing.assert_array_equal(g[2], w[2])


def _summary(result: Any) -> Any:
    """A comparable form of a result: (dtype name, shape, values with NaN as "nan") for a
    tensor, tuples of those for tuples and lists, the value itself otherwise."""
    if isinstance(result, (tuple, list)):
        return tuple(_summary(v) for v in result)
    if isinstance(result, (torch.Tensor, ng.Tensor)):
        vals = [
            v if not (isinstance(v, float) and math.isnan(v)) else "nan"
            for v in result.reshape(-1).tolist()
        ]
        return str(result.dtype).split(".")[-1], tuple(result.shape), vals
    return result


def run_expression(lib: Any, expr: str) -> Any:
    """``expr`` evaluated with ``L`` bound to ``lib`` (torch or nablagrad), warnings silenced:
    its summary (``_summary``), or the exception it raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _summary(eval(expr, {"L": lib}))
        except Exception as e:  # noqa: BLE001 - the error type is what is compared
            return e
