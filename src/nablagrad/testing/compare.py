"""``assert_close``: torch.testing's comparison of tensors (and nested sequences/mappings of
them) with dtype-dependent default tolerances: |actual - expected| <= atol + rtol * |expected|.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..backend import to_host
from ..creation import tensor
from ..tensor import Tensor

# torch's defaults (rtol, atol) by dtype; integers and bools compare exactly
_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
}


def assert_close(
    actual: Any,
    expected: Any,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: str | None = None,
) -> None:
    """Raise ``AssertionError`` (with torch's message) unless ``actual`` and ``expected`` are
    close: same type structure, shape, dtype and device (unless unchecked), and every element
    within ``atol + rtol * |expected|``."""
    if (rtol is None) != (atol is None):
        raise ValueError(
            f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
            f"{'rtol' if rtol is None else 'atol'}."
        )
    _compare(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, msg, ())


def assert_allclose(
    actual: Any,
    expected: Any,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = True,
    msg: str = "",
) -> None:
    """torch's deprecated ``assert_allclose`` (FutureWarning: use :func:`assert_close`):
    non-tensors become tensors (``expected`` in ``actual``'s dtype), dtypes and strides are not
    compared, NaNs compare equal by default, and the default tolerances are its own: (rtol,
    atol) = (1e-3, 1e-3) for float16, (1e-4, 1e-5) for float32, (1e-5, 1e-8) for float64, the
    loosest of the two inputs' (0 for integers).

    Example:
        >>> import warnings
        >>> import nablagrad as torch
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     torch.testing.assert_allclose(torch.tensor([1.0, float("nan")]), [1.00001, 2e308])
        Traceback (most recent call last):
        ...
        AssertionError: ...
    """
    warnings.warn(
        "`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a "
        "future release. Please use `torch.testing.assert_close()` instead. You can find "
        "detailed upgrade instructions in https://github.com/pytorch/pytorch/issues/61844.",
        FutureWarning,
        stacklevel=2,
    )
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        own = {np.dtype(np.float16): (1e-3, 1e-3), np.dtype(np.float32): (1e-4, 1e-5),
               np.dtype(np.float64): (1e-5, 1e-8)}  # fmt: skip
        pairs = [own.get(np.dtype(t._data.dtype), (0.0, 0.0)) for t in (actual, expected)]
        rtol, atol = max(p[0] for p in pairs), max(p[1] for p in pairs)
    assert_close(
        actual,
        expected,
        rtol=rtol,
        atol=atol,
        equal_nan=equal_nan,
        check_device=True,
        check_dtype=False,
        check_stride=False,
        msg=msg or None,
    )


def _compare(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, msg, path):
    if isinstance(expected, Mapping) and not isinstance(expected, Tensor):
        if not isinstance(actual, Mapping) or set(actual) != set(expected):
            _fail(msg, f"The keys of the mappings do not match{_at(path)}.")
        for k in expected:
            _compare(actual[k], expected[k], rtol, atol, equal_nan, check_device, check_dtype,
                     msg, (*path, k))  # fmt: skip
        return
    if isinstance(expected, Sequence) and not isinstance(expected, (str, bytes)):
        if not isinstance(actual, Sequence) or len(actual) != len(expected):
            _fail(msg, f"The length of the sequences mismatch{_at(path)}.")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, rtol, atol, equal_nan, check_device, check_dtype, msg, (*path, i))
        return
    if isinstance(expected, Tensor) != isinstance(actual, Tensor):
        _fail(msg, f"No comparison pair was able to handle inputs of type {type(actual)} and "
                   f"{type(expected)}.")  # fmt: skip
    if isinstance(expected, Tensor):
        if tuple(actual.shape) != tuple(expected.shape):
            _fail(msg, f"The values for attribute 'shape' do not match: {actual.shape} != "
                       f"{expected.shape}.")  # fmt: skip
        if check_device and actual.device != expected.device:
            _fail(msg, f"The values for attribute 'device' do not match: {actual.device} != "
                       f"{expected.device}.")  # fmt: skip
        if check_dtype and actual.dtype != expected.dtype:
            _fail(msg, f"The values for attribute 'dtype' do not match: {actual.dtype} != "
                       f"{expected.dtype}.")  # fmt: skip
        a = np.asarray(to_host(actual.detach()._data))
        e = np.asarray(to_host(expected.detach()._data))
        kind = "Tensor-likes"
    else:
        a, e = np.asarray(actual), np.asarray(expected)
        kind = "Scalars"
    dt = np.result_type(a, e)
    r, t = (rtol, atol) if rtol is not None else _TOLERANCES.get(dt, (0.0, 0.0))
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    diff = np.abs(a64 - e64)
    ok = diff <= t + r * np.abs(e64)
    ok |= a64 == e64  # equal infinities
    if equal_nan:
        ok |= np.isnan(a64) & np.isnan(e64)
    if ok.all():
        return
    bad = int((~ok).sum())
    diff = np.where(np.isnan(diff), np.inf, diff)
    diff = np.where(ok, 0.0, diff)  # as torch: the greatest differences among the mismatches
    rel = diff / np.where(e64 == 0, np.nan, np.abs(e64))
    rel = np.where(np.isnan(rel), np.where(diff == 0, 0, np.inf), rel)
    ia = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    ir = np.unravel_index(int(np.argmax(rel)), rel.shape) if rel.ndim else ()
    if kind == "Scalars":
        text = (f"Scalars are not close!\n\nExpected {e.item()} but got {a.item()}.\n"
                f"Absolute difference: {diff.item()} (up to {t} allowed)\n"
                f"Relative difference: {rel.item()} (up to {r} allowed)")  # fmt: skip
    else:
        text = (f"Tensor-likes are not close!\n\nMismatched elements: {bad} / {ok.size} "
                f"({100 * bad / ok.size:.1f}%)\n"
                f"Greatest absolute difference: {diff[ia]} at index {tuple(map(int, ia))} "
                f"(up to {t} allowed)\n"
                f"Greatest relative difference: {rel[ir]} at index {tuple(map(int, ir))} "
                f"(up to {r} allowed)")  # fmt: skip
    _fail(msg, text + _at(path, "\n\nThe failure occurred for item "))


def _at(path: tuple, prefix: str = " at ") -> str:
    return "" if not path else prefix + "".join(f"[{p!r}]" for p in path)


def _fail(msg: str | None, text: str) -> None:
    raise AssertionError(msg if msg is not None else text)
