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


def _summarized(a: np.ndarray, edge: int) -> np.ndarray:
    """torch's ``get_summarized_data``: the first and last ``edge`` items along every dim."""
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * edge:
        a = np.concatenate([a[:edge], a[-edge:]])
    if a.ndim == 1:
        return a
    return np.stack([_summarized(x, edge) for x in a])


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
        shown = arr
        if arr.size > kwargs["threshold"]:  # torch formats by the elements it will print
            shown = _summarized(arr, OPTIONS["edgeitems"])
        finite = shown[np.isfinite(shown)]
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
    text = np.array2string(arr, **kwargs)
    if arr.size > kwargs["threshold"]:  # torch's column ellipsis is " ..." between separators
        text = text.replace(", ...,", ",  ...,")
    return text


def _torch_formatter(shown: np.ndarray) -> Any:
    """torch's ``_Formatter``: one function formatting every element to one width."""
    prec = OPTIONS["precision"]
    if shown.dtype.kind in "biu":
        width = max((len(str(v)) for v in shown.reshape(-1).tolist()), default=1)
        return lambda v: str(v).rjust(width)
    flat = shown.reshape(-1).astype(np.float64)
    vals = flat[np.isfinite(flat) & (flat != 0)]
    if vals.size == 0:  # nothing finite and nonzero: torch keeps width 1, integer mode
        return lambda v: (f"{v:.0f}" + ("" if not np.isfinite(v) else ".")).rjust(1)
    mags = np.abs(vals)
    int_mode = bool(np.all(vals == np.ceil(vals)))
    sci = mags.max() / mags.min() > 1000.0 or mags.max() > 1e8
    if not int_mode:
        sci = sci or mags.min() < 1e-4
    if OPTIONS["sci_mode"] is not None:
        sci = bool(OPTIONS["sci_mode"])
    if sci:
        width = max(len(f"{v:.{prec}e}") for v in vals.tolist())
        return lambda v: f"{v:.{prec}e}".rjust(width)
    if int_mode:
        width = max(len(f"{v:.0f}") for v in (vals.max(), vals.min())) + 1
        return lambda v: (f"{v:.0f}" + ("." if np.isfinite(v) else "")).rjust(width)
    width = max(len(f"{v:.{prec}f}") for v in (vals.max(), vals.min()))
    return lambda v: f"{v:.{prec}f}".rjust(width)


def _torch_body(arr: np.ndarray, indent: int) -> str:
    """torch's ``_tensor_str``: the same line breaking, ellipses and padding as torch."""
    edge = OPTIONS["edgeitems"]
    summarize = arr.size > OPTIONS["threshold"]
    fmt = _torch_formatter(_summarized(arr, edge) if summarize else arr)
    width = len(fmt(arr.reshape(-1)[0].item()))

    def vector(a: np.ndarray, ind: int) -> str:
        per_line = max(1, (OPTIONS["linewidth"] - ind) // (width + 2))
        items = a.tolist()
        if summarize and len(items) > 2 * edge:
            data = [fmt(v) for v in items[:edge]] + [" ..."] + [fmt(v) for v in items[-edge:]]
        else:
            data = [fmt(v) for v in items]
        lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (ind + 1)).join(lines) + "]"

    def rec(a: np.ndarray, ind: int) -> str:
        if a.ndim == 1:
            return vector(a, ind)
        if summarize and a.shape[0] > 2 * edge:
            slices = [rec(a[i], ind + 1) for i in range(edge)] + ["..."]
            slices += [rec(a[i], ind + 1) for i in range(a.shape[0] - edge, a.shape[0])]
        else:
            slices = [rec(a[i], ind + 1) for i in range(a.shape[0])]
        return "[" + ("," + "\n" * (a.ndim - 1) + " " * (ind + 1)).join(slices) + "]"

    if arr.ndim == 0:
        return fmt(arr.item()).strip()
    return rec(arr, indent)


def _inner_repr(arr: np.ndarray, indent: int) -> str:
    """``tensor([...])`` of an array without dtype/device suffixes (a part of a sparse repr)."""
    if not arr.size:
        return f"tensor([], size={tuple(arr.shape)})"
    body = _torch_body(arr, indent + len("tensor(")) if arr.ndim else _format_array(arr, indent)
    return "tensor(" + body + ")"


def sparse_repr(t: Any) -> str:
    """torch's print of a sparse COO tensor: its indices, values, size, nnz and layout."""
    a = t._data
    head = "tensor(indices="
    vals_head = " " * len("tensor(") + "values="
    parts = [
        head + _inner_repr(backend.to_host(a.indices), len(head)),
        vals_head + _inner_repr(backend.to_host(a.values), len(vals_head)),
    ]
    size = tuple(a.shape)
    tail = [f"size={size}", f"nnz={a.nnz}"]
    if t.device.type != "cpu":
        tail.append(f"device='{t.device}'")
    if a.dtype not in (backend.default_float_np(), np.dtype(np.int64), np.dtype(np.bool_)):
        tail.append(f"dtype={t.dtype}")
    tail.append("layout=nablagrad.sparse_coo")
    if t._ctx is not None:
        tail.append(f"grad_fn=<{t._ctx.name}>")
    elif t._requires_grad:
        tail.append("requires_grad=True")
    # torch's _add_suffixes: a suffix that would pass the line width goes on its own line
    pad = " " * len("tensor(")
    text = ",\n".join(parts) + ",\n" + pad + tail[0]
    last = len(pad) + len(tail[0])
    for suffix in tail[1:]:
        if last + len(suffix) + 2 > OPTIONS["linewidth"]:
            text += ",\n" + pad + suffix
            last = len(pad) + len(suffix)
        else:
            text += ", " + suffix
            last += len(suffix) + 2
    return text + ")"


def tensor_repr(t: Any) -> str:
    if t.is_sparse:
        return sparse_repr(t)
    arr = backend.to_host(t._data)
    if arr.size and arr.dtype.kind in "biuf" and arr.ndim:
        body = _torch_body(arr, len("tensor("))
    else:
        body = _format_array(arr, len("tensor("))
    extras = []
    if t.device.type != "cpu":
        extras.append(f"device='{t.device}'")
    if not arr.size:
        # torch: an empty tensor shows its shape unless 1-D, and any non-default-float dtype
        # (nothing in it tells an int64 from a float)
        if arr.ndim != 1:
            extras.append(f"size={tuple(arr.shape)}")
        if arr.dtype != backend.default_float_np():
            extras.append(f"dtype={t.dtype}")
    elif arr.dtype not in (backend.default_float_np(), np.dtype(np.int64), np.dtype(np.bool_)):
        extras.append(f"dtype={t.dtype}")
    if t._ctx is not None:
        extras.append(f"grad_fn=<{t._ctx.name}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    # torch's _add_suffixes: a suffix that would pass the line width goes on its own line
    parts = ["tensor(" + body]
    last = len(parts[0]) - parts[0].rfind("\n") + 1
    for suffix in extras:
        if last + len(suffix) + 2 > OPTIONS["linewidth"]:
            parts.append(",\n" + " " * len("tensor(") + suffix)
            last = len("tensor(") + len(suffix)
        else:
            parts.append(", " + suffix)
            last += len(suffix) + 2
    return "".join(parts) + ")"
