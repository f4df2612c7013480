"""torch-style ``repr`` of tensors: ``tensor([1., 2.], requires_grad=True)``."""

from __future__ import annotations

import sys
from typing import Any

from . import backend
from .backend import np

#: torch.set_printoptions's settings (its defaults).
OPTIONS: dict[str, Any] = {
    "precision": 4,
    "threshold": 1000,
    "edgeitems": 3,
    "linewidth": 80,
    "sci_mode": None,
}
_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": float("inf"), "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """torch.set_printoptions: digits after the point, the element count above which tensors
    are summarized, items kept at each edge, line width, a ``profile`` ('default', 'short',
    'full') and ``sci_mode`` (True/False forces scientific/fixed notation; None chooses)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}")
        OPTIONS.update(_PROFILES[profile])
    for key, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            OPTIONS[key] = value
    OPTIONS["sci_mode"] = sci_mode


def _format_array(arr: np.ndarray, indent: int) -> str:
    threshold = OPTIONS["threshold"]
    kwargs: dict[str, Any] = {
        "separator": ", ",
        "prefix": " " * indent,
        "threshold": sys.maxsize if threshold == float("inf") else int(threshold),
        "edgeitems": OPTIONS["edgeitems"],
        # torch fits floor((linewidth - indent - (ndim - 1)) / (width + 2)) elements on a line;
        # NumPy's rule reserves one ']' per level and the prefix+brackets, so widen by ndim - 1
        "max_line_width": OPTIONS["linewidth"] + max(arr.ndim - 1, 0),
    }
    prec = OPTIONS["precision"]
    if arr.dtype.kind == "f" and arr.size:
        finite = arr[np.isfinite(arr)]
        integral = finite.size == 0 or bool(np.all(finite == np.round(finite)))
        # torch's _Formatter: scientific when the nonzero finite magnitudes span more than
        # 1000x, exceed 1e8, or (non-integral values only) go below 1e-4
        mags = np.abs(finite[finite != 0]).astype(np.float64)
        big = mags.size > 0 and (
            mags.max() / mags.min() > 1000.0
            or mags.max() > 1e8
            or (not integral and mags.min() < 1e-4)
        )
        sci = OPTIONS["sci_mode"]
        if sci or (sci is None and big):
            # one width for every element, as torch pads (sign column, 3-digit exponents)
            probes = [finite.max(), finite.min(), *(mags.min(initial=1), mags.max(initial=1))]
            probes += [v for v in (np.nan, np.inf, -np.inf) if np.any(arr == v) or v != v]
            width = max(len(f"{v:.{prec}e}") for v in probes)
            kwargs["formatter"] = {"float_kind": lambda v: f"{v:.{prec}e}".rjust(width)}
        elif not integral:
            kwargs.update(precision=prec, floatmode="fixed")
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
