"""torch-style ``repr`` of tensors: ``tensor([1., 2.], requires_grad=True)``."""

from __future__ import annotations

from typing import Any

from . import backend
from .backend import np


def _format_array(arr: np.ndarray, indent: int) -> str:
    kwargs: dict[str, Any] = {
        "separator": ", ",
        "prefix": " " * indent,
        "threshold": 1000,
        "edgeitems": 3,
        "max_line_width": 80,
    }
    if arr.dtype.kind == "f" and arr.size:
        finite = arr[np.isfinite(arr)]
        integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        big = finite.size and (
            np.abs(finite).max() >= 1e8 or (np.abs(finite[finite != 0]).min(initial=1) < 1e-4)
        )
        if big:
            kwargs["formatter"] = {"float_kind": lambda v: f"{v:.4e}"}
        elif not integral:
            kwargs.update(precision=4, floatmode="fixed")
    return np.array2string(arr, **kwargs)


def tensor_repr(t: Any) -> str:
    arr = backend.to_host(t._data)
    body = _format_array(arr, len("tensor("))
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    default_dtypes = (backend.default_float_np(), np.dtype(np.int64), np.dtype(np.bool_))
    if arr.dtype not in default_dtypes:
        extras.append(f"dtype={t.dtype}")
    if t._ctx is not None:
        extras.append(f"grad_fn=<{t._ctx.name}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + ", ".join([body] + extras) + ")"
