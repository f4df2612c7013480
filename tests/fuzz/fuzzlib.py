"""The contract the fuzz tests check for one call, made on nablagrad and on torch alike.

``check(call)`` runs ``call(torch)`` and ``call(nablagrad)`` (``call`` takes the library module
and builds its own arguments) and accepts exactly these outcomes:

- both return: the results agree (shapes, dtype kinds and values; NaN equals NaN);
- nablagrad raises ``ValueError``/``TypeError``/``RuntimeError``/``IndexError``/
  ``NotImplementedError`` (nablagrad's own errors derive from these) from a frame inside the
  nablagrad package, with a non-empty message: a deliberate error, whatever torch did;

and fails on everything else: an exception raised inside NumPy, SciPy or the standard library
(a leak), another exception type, a result where torch raises (a silent answer) unless the
case says nablagrad may be more permissive, different results, or a call that does not return
within the time box (a hang, caught with ``SIGALRM``).  Unless ``pytest --no-device-sweep``,
the same call on the fake CUDA device (every new tensor there) must also end as on the CPU.
"""

from __future__ import annotations

import os
import signal
import traceback
from collections.abc import Callable
from typing import Any

import helpers
import numpy as np
import torch

import nablagrad as ng

ALLOWED = (ValueError, TypeError, RuntimeError, IndexError, NotImplementedError)
TIME_BOX_S = 2.0
STATS = {"calls": 0, "ng_errors": 0, "agreed": 0}
PKG = os.path.dirname(ng.__file__)


class Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Hang(f"call did not return within {TIME_BOX_S} s")


def run(lib: Any, call: Callable[[Any], Any]) -> tuple[Any, BaseException | None]:
    """``call(lib)`` and its exception; nablagrad's calls are time-boxed (torch's first calls
    import a lot, so torch is not)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    if lib is ng:
        signal.setitimer(signal.ITIMER_REAL, TIME_BOX_S)
    try:
        return call(lib), None
    except Hang:
        raise
    except Exception as e:  # noqa: BLE001 - the outcome is what is checked
        return None, e
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _last_frame(e: BaseException) -> str:
    tb = traceback.extract_tb(e.__traceback__)
    return tb[-1].filename if tb else "?"


def assert_deliberate(e: BaseException, what: str) -> None:
    """A nablagrad error: an allowed type, raised by nablagrad code, with a message."""
    where = _last_frame(e)
    assert isinstance(e, ALLOWED), f"{what}: {type(e).__name__} leaked: {e!r}"
    assert where.startswith(PKG), (
        f"{what}: {type(e).__name__} raised from {where}, not from nablagrad: {e}"
    )
    assert str(e).strip(), f"{what}: {type(e).__name__} with an empty message"


def to_numpy(x: Any) -> Any:
    if isinstance(x, (ng.Tensor, torch.Tensor)):
        return np.asarray(x.detach().cpu().numpy())
    if isinstance(x, (tuple, list)):
        return [to_numpy(v) for v in x]
    return x


def assert_same(got: Any, want: Any, what: str, rtol: float, atol: float) -> None:
    g, w = to_numpy(got), to_numpy(want)
    if isinstance(w, list):
        assert isinstance(g, list) and len(g) == len(w), f"{what}: {len(g)} vs {len(w)} results"
        for a, b in zip(g, w):
            assert_same(a, b, what, rtol, atol)
        return
    if isinstance(w, np.ndarray):
        assert isinstance(g, np.ndarray), f"{what}: got {type(g).__name__}, torch an array"
        assert g.shape == w.shape, f"{what}: shape {g.shape}, torch {w.shape}"
        kind = {"b": "b", "i": "i", "u": "i", "f": "f", "c": "c"}
        assert kind[g.dtype.kind] == kind[w.dtype.kind], f"{what}: dtype {g.dtype} vs {w.dtype}"
        if g.size:
            np.testing.assert_allclose(
                g.astype(np.float64) if g.dtype.kind == "b" else g,
                w.astype(np.float64) if w.dtype.kind == "b" else w,
                rtol=rtol,
                atol=atol,
                equal_nan=True,
                err_msg=what,
            )
    elif isinstance(w, (int, float, bool)):
        assert g == w or (w != w and g != g), f"{what}: {g!r} vs torch {w!r}"


def check(
    call: Callable[[Any], Any],
    what: str,
    *,
    compare: bool = True,
    permissive: bool = False,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> None:
    """Run ``call`` on both libraries and check the contract (see the module docstring).

    ``permissive``: nablagrad may accept what torch refuses (documented extensions, such as
    NumPy-style arguments); ``compare=False``: random results, only the outcome is checked.
    """
    STATS["calls"] += 1
    want, t_err = run(torch, call)
    got, n_err = run(ng, call)
    if helpers.DEVICE_SWEEP:
        _same_on_fake_cuda(call, what, got, n_err, compare, rtol, atol)
    if n_err is not None:
        STATS["ng_errors"] += 1
        assert_deliberate(n_err, what)
        return
    if t_err is not None:
        assert permissive, (
            f"{what}: torch raises {type(t_err).__name__}: {str(t_err)[:200]} but nablagrad "
            f"returned {str(got)[:200]}"
        )
        return
    STATS["agreed"] += 1
    if compare:
        assert_same(got, want, what, rtol, atol)


FAKE = os.path.join(PKG, "testing")


def _same_on_fake_cuda(
    call: Callable[[Any], Any],
    what: str,
    got: Any,
    err: BaseException | None,
    compare: bool,
    rtol: float,
    atol: float,
) -> None:
    """``call(nablagrad)`` again with every new tensor on the fake CUDA device
    (``set_default_device("cuda")``): the same outcome as on the CPU (the same error type, raised
    by nablagrad and not by the fake CuPy's refusals, or the same values)."""
    from nablagrad import backend

    with backend.use_fake_cuda():
        old = ng.get_default_device()
        ng.set_default_device("cuda")
        try:
            d_got, d_err = run(ng, call)
            if d_err is not None and helpers.mixes_devices(d_err):
                return  # the call makes CPU tensors of its own (explicit device="cpu", numpy)
            where = _last_frame(d_err) if d_err is not None else ""
            assert not where.startswith(FAKE), (
                f"{what} on the device: {type(d_err).__name__} from the fake CuPy: {d_err}"
            )
            if err is not None:
                assert d_err is not None, f"{what}: raises on the CPU but not on the device"
                assert type(d_err) is type(err), (
                    f"{what}: {type(err).__name__} on the CPU, {type(d_err).__name__} on the "
                    f"device: {d_err}"
                )
                return
            assert d_err is None, f"{what}: returns on the CPU, raises on the device: {d_err!r}"
            if compare:
                assert_same(d_got, got, f"{what} (device)", rtol, atol)
        finally:
            ng.set_default_device(old)
