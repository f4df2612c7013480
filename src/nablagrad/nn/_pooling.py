"""1-D pooling, adaptive max pooling and power-average pooling of ``torch.nn.functional``
(re-exported by ``nn.functional``).

The plain 1-D poolings run as the 2-D primitives on a height-1 input.  Window forms that the
2-D primitives do not take (``return_indices``, ``ceil_mode``, ``count_include_pad=False``,
adaptive max windows) gather each window's elements into a trailing axis with one index table
(windows shorter than the longest repeat an element of their own, which changes neither a
maximum nor its first position) and reduce it with ``max``/``sum``: differentiable primitives,
so gradients and second derivatives follow, and the maximum's gradient goes to the first
maximal element, as torch's.

Example:
    >>> import nablagrad as torch
    >>> import nablagrad.nn.functional as F
    >>> F.adaptive_max_pool1d(torch.tensor([[[1.0, 5.0, 2.0, 4.0]]]), 2, return_indices=True)
    (tensor([[[5., 4.]]]), tensor([[[1, 3]]]))
"""

from __future__ import annotations

import math
from typing import Any

from .. import _validate
from ..backend import get_array_module, np
from ..ops import conv as _conv
from ..ops.shape import pad
from ..tensor import Tensor

_INT_MAX = 2**31 - 1


def _one(v: Any, name: str, fn: str, low: int) -> int:
    if isinstance(v, (tuple, list)) and len(v) == 1:
        v = v[0]
    return _validate.ntuple(v, 1, name, fn, low=low, high=_INT_MAX)[0]


def _batched(input: Any, fn: str, ranks: tuple = (2, 3)) -> tuple[Tensor, bool]:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim not in ranks:
        raise RuntimeError(
            f"{fn}(): Expected {ranks[0]}D or {ranks[1]}D (batch mode) tensor for input, but got "
            f"input of shape {list(input.shape)}"
        )
    if input.ndim == ranks[0]:
        return input.unsqueeze(0), True
    return input, False


def _params1d(
    fn: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil: bool
) -> tuple[int, int, int, int, int]:
    """Checked (kernel, stride, padding, dilation, output length) of a 1-D pooling (torch's
    output length rule, with ceil_mode's last window starting inside the padded input)."""
    k = _one(kernel_size, "kernel_size", fn, 1)
    empty = stride is None or (isinstance(stride, (list, tuple)) and not len(stride))
    s = k if empty else _one(stride, "stride", fn, 1)
    p = _one(padding, "padding", fn, 0)
    d = _one(dilation, "dilation", fn, 1)
    eff = d * (k - 1) + 1
    if p > eff // 2:
        raise RuntimeError(
            f"{fn}: pad should be at most half of effective kernel size, but got pad={p}, "
            f"kernel_size={k} and dilation={d}"
        )
    length = x.shape[-1]
    out = _axis_out(length, k, s, p, d, ceil)
    if out < 1:
        raise RuntimeError(
            f"{fn}: Given input size: ({x.shape[1]}x1x{length}). Calculated output size: "
            f"({x.shape[1]}x1x{max(out, 0)}). Output size is too small: use a kernel no larger "
            "than the (padded) input"
        )
    return k, s, p, d, out


def _axis_out(length: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    """torch's pooled length: floor (or ceil) of (L + 2p - d(k-1) - 1) / s, plus 1; in ceil
    mode a last window must start inside the input or its left padding."""
    span = length + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= length + p:
        out -= 1
    return out


def _window_table(length: int, k: int, s: int, p: int, d: int, out: int) -> Any:
    """positions[o, j] = o s + j d - p of each window's elements in the unpadded input."""
    return np.arange(out)[:, None] * s + np.arange(k)[None, :] * d - p


def _gathered(x: Tensor, table: Any, fill: float) -> tuple[Tensor, Any]:
    """x's last axis gathered to ``table``'s shape (positions outside the input read ``fill``),
    and the table shifted to index the padded input."""
    length = x.shape[-1]
    lo = max(0, -int(table.min()))
    hi = max(0, int(table.max()) - length + 1)
    xpad = pad(x, (lo, hi), value=fill) if lo or hi else x
    xp = get_array_module(x._data)
    return xpad[..., xp.asarray(table + lo)], table


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Maximum over each window of (N, C, L) or (C, L) input (padding counts as -inf);
    with ``return_indices`` also the position of each maximum in the input."""
    from . import functional as F

    x, unb = _batched(input, "max_pool1d")
    k, s, p, d, out = _params1d("max_pool1d", x, kernel_size, stride, padding, dilation, ceil_mode)
    if not return_indices:
        y = F.max_pool2d(x.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode)
        y = y.squeeze(-2)
        return y.squeeze(0) if unb else y
    table = _window_table(x.shape[-1], k, s, p, d, out)
    windows, _ = _gathered(x, table, -math.inf)
    y, arg = windows.max(-1)
    if unb:
        y, arg = y.squeeze(0), arg.squeeze(0)
    if not return_indices:
        return y
    xp = get_array_module(arg._data)
    idx = xp.asarray(table)[xp.arange(out), arg._data]
    return y, Tensor._wrap(idx.astype(np.int64))


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over each window of (N, C, L) or (C, L) input; zero padding counts in the divisor
    unless ``count_include_pad=False``; with ``ceil_mode`` a last partial window is kept and
    divided by its length within the padded input, as torch."""
    from . import functional as F

    x, unb = _batched(input, "avg_pool1d")
    k, s, p, _, out = _params1d("avg_pool1d", x, kernel_size, stride, padding, 1, ceil_mode)
    if not ceil_mode and count_include_pad:
        y = F.avg_pool2d(x.unsqueeze(-2), (1, k), (1, s), (0, p)).squeeze(-2)
        return y.squeeze(0) if unb else y
    length = x.shape[-1]
    table = _window_table(length, k, s, p, 1, out)
    windows, _ = _gathered(x, table, 0.0)
    start = table[:, 0]
    if count_include_pad:
        count = np.minimum(start + k, length + p) - start
    else:
        count = np.minimum(start + k, length) - np.maximum(start, 0)
    xp = get_array_module(x._data)
    y = windows.sum(-1) / Tensor._wrap(xp.asarray(count.astype(x._data.dtype)))
    return y.squeeze(0) if unb else y


def _adaptive_table(size: int, out: int) -> Any:
    """Windows [floor(i size / out), ceil((i + 1) size / out)) padded with their last element
    to the longest window's length."""
    starts = (np.arange(out) * size) // out
    ends = -((-(np.arange(out) + 1) * size) // out)
    width = int((ends - starts).max())
    return np.minimum(starts[:, None] + np.arange(width)[None, :], ends[:, None] - 1)


def _out_size(v: Any, size: int, fn: str) -> int:
    v = size if v is None else _validate.as_int(v, "output_size", fn)
    if v < 0:
        raise RuntimeError(f"{fn}(): elements of output_size must be greater than or equal to 0")
    return v


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Maximum over ``output_size`` windows that tile the last dimension (torch's window
    bounds); with ``return_indices`` also each maximum's position."""
    x, unb = _batched(input, "adaptive_max_pool1d")
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 1:
            raise RuntimeError("adaptive_max_pool1d(): argument 'output_size' must be one int")
        output_size = output_size[0]
    length = x.shape[-1]
    out = _out_size(output_size, length, "adaptive_max_pool1d")
    if length == 0 or out == 0:
        raise RuntimeError(
            f"adaptive_max_pool1d(): Expected input to have non-zero size for non-batch "
            f"dimensions, but input has sizes {list(input.shape)} with output size {out}"
        )
    table = _adaptive_table(length, out)
    windows, _ = _gathered(x, table, 0.0)
    y, arg = windows.max(-1)
    if unb:
        y, arg = y.squeeze(0), arg.squeeze(0)
    if not return_indices:
        return y
    xp = get_array_module(arg._data)
    idx = xp.asarray(table)[xp.arange(out), arg._data]
    return y, Tensor._wrap(idx.astype(np.int64))


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Maximum over the (oh, ow) windows that tile (H, W) (``None`` keeps a size); with
    ``return_indices`` also each maximum's flat position ``h * W + w`` in its channel."""
    x, unb = _batched(input, "adaptive_max_pool2d", (3, 4))
    h, w = x.shape[2], x.shape[3]
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 2:
            raise RuntimeError(
                "adaptive_max_pool2d(): internal error: output_size.size() must be 2"
            )
        oh, ow = output_size
    else:
        oh = ow = output_size
    oh = _out_size(oh, h, "adaptive_max_pool2d")
    ow = _out_size(ow, w, "adaptive_max_pool2d")
    if h == 0 or w == 0 or oh == 0 or ow == 0:
        raise RuntimeError(
            f"adaptive_max_pool2d(): Expected input to have non-zero size for non-batch "
            f"dimensions, but input has sizes {list(input.shape)} with output size {(oh, ow)}"
        )
    if not return_indices and h % oh == 0 and w % ow == 0:  # equal blocks: the 2-D primitive
        y = _conv.MaxPool2dFn.apply(
            x, kernel=(h // oh, w // ow), stride=(h // oh, w // ow), padding=(0, 0),
            dilation=(1, 1),
        )  # fmt: skip
        return y.squeeze(0) if unb else y
    rows, cols = _adaptive_table(h, oh), _adaptive_table(w, ow)
    table = rows[:, None, :, None] * w + cols[None, :, None, :]  # (oh, ow, kh, kw)
    table = table.reshape(oh, ow, -1)
    n, c = x.shape[0], x.shape[1]
    windows, _ = _gathered(x.reshape(n, c, h * w), table, 0.0)
    y, arg = windows.max(-1)
    if unb:
        y, arg = y.squeeze(0), arg.squeeze(0)
    if not return_indices:
        return y
    xp = get_array_module(arg._data)
    t = xp.asarray(table)
    idx = t[xp.arange(oh)[:, None], xp.arange(ow)[None, :], arg._data]
    return y, Tensor._wrap(idx.astype(np.int64))


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over ``output_size`` windows that tile the last dimension of (N, C, L) input."""
    from . import functional as F

    x, unb = _batched(input, "adaptive_avg_pool1d")
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 1:
            raise RuntimeError("adaptive_avg_pool1d(): argument 'output_size' must be one int")
        output_size = output_size[0]
    out = _validate.as_int(output_size, "output_size", "adaptive_avg_pool1d")
    y = F.adaptive_avg_pool2d(x.unsqueeze(-2), (1, out)).squeeze(-2)
    return y.squeeze(0) if unb else y


def _lp_finish(out: Tensor, norm_type: float, count: int) -> Tensor:
    return (out.sign() * out.abs().relu() * count) ** (1.0 / norm_type)


def lp_pool1d(
    input: Tensor, norm_type: float, kernel_size: int, stride: Any = None, ceil_mode: bool = False
) -> Tensor:
    """(sum over each window of x^p)^(1/p), p = ``norm_type``."""
    k = _one(kernel_size, "kernel_size", "lp_pool1d", 1)
    out = avg_pool1d(input**norm_type, k, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, k)


def lp_pool2d(
    input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> Tensor:
    """(sum over each 2-D window of x^p)^(1/p), p = ``norm_type``."""
    from . import functional as F

    if isinstance(kernel_size, (tuple, list)):
        kh, kw = _validate.ntuple(kernel_size, 2, "kernel_size", "lp_pool2d", low=1)
    else:
        kh = kw = _one(kernel_size, "kernel_size", "lp_pool2d", 1)
    out = F.avg_pool2d(input**norm_type, (kh, kw), stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, kh * kw)


def pool2d_windows(
    x: Tensor,
    name: str,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    kind: str,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    return_indices: bool = False,
) -> Any:
    """2-D max or average pooling of (N, C, H, W) input by gathering every window into a
    trailing axis: the forms the 2-D primitives do not take (``ceil_mode``,
    ``return_indices``, ``count_include_pad=False``).  Max indices are flat (h * W + w)."""
    from .functional import _pair

    k = _pair(kernel_size, "kernel_size", name, low=1)
    empty = stride is None or (isinstance(stride, (list, tuple)) and not len(stride))
    s = k if empty else _pair(stride, "stride", name, low=1)
    p = _pair(padding, "padding", name, low=0)
    d = _pair(dilation, "dilation", name, low=1)
    n, c, h, w = x.shape
    outs = []
    for ax, size in ((0, h), (1, w)):
        eff = d[ax] * (k[ax] - 1) + 1
        if p[ax] > eff // 2:
            raise RuntimeError(
                f"{name}: pad should be at most half of effective kernel size, but got "
                f"pad={p[ax]}, kernel_size={k[ax]} and dilation={d[ax]}"
            )
        outs.append(_axis_out(size, k[ax], s[ax], p[ax], d[ax], ceil_mode))
    oh, ow = outs
    if oh < 1 or ow < 1:
        raise RuntimeError(
            f"{name}: Given input size: ({c}x{h}x{w}). Calculated output size: "
            f"({c}x{max(oh, 0)}x{max(ow, 0)}). Output size is too small: use a kernel no larger "
            "than the (padded) input"
        )
    if kind == "max" and not return_indices:
        # ceil mode: -inf on the bottom/right makes room for the last partial windows (each
        # holds an input element, so -inf never wins); then the plain 2-D primitive
        extra = [
            max(0, (o - 1) * st + dd * (kk - 1) + 1 - (size + 2 * pp))
            for o, st, dd, kk, size, pp in zip((oh, ow), s, d, k, (h, w), p)
        ]  # fmt: skip
        widths = (p[1], p[1] + extra[1], p[0], p[0] + extra[0])
        xpad = pad(x, widths, value=-math.inf) if any(widths) else x
        return _conv.MaxPool2dFn.apply(xpad, kernel=k, stride=s, padding=(0, 0), dilation=d)
    th = _window_table(h, k[0], s[0], p[0], d[0], oh)
    tw = _window_table(w, k[1], s[1], p[1], d[1], ow)
    lo_h, hi_h = max(0, -int(th.min())), max(0, int(th.max()) - h + 1)
    lo_w, hi_w = max(0, -int(tw.min())), max(0, int(tw.max()) - w + 1)
    fill = -math.inf if kind == "max" else 0.0
    xpad = pad(x, (lo_w, hi_w, lo_h, hi_h), value=fill) if lo_h or hi_h or lo_w or hi_w else x
    xp = get_array_module(x._data)
    rows = xp.asarray((th + lo_h)[:, None, :, None])
    cols = xp.asarray((tw + lo_w)[None, :, None, :])
    windows = xpad[:, :, rows, cols].reshape(n, c, oh, ow, k[0] * k[1])
    if kind == "avg":
        if divisor_override is not None:
            return windows.sum(-1) / divisor_override
        starts_h, starts_w = th[:, 0], tw[:, 0]
        if count_include_pad:
            ch = np.minimum(starts_h + k[0], h + p[0]) - starts_h
            cw = np.minimum(starts_w + k[1], w + p[1]) - starts_w
        else:
            ch = np.minimum(starts_h + k[0], h) - np.maximum(starts_h, 0)
            cw = np.minimum(starts_w + k[1], w) - np.maximum(starts_w, 0)
        count = (ch[:, None] * cw[None, :]).astype(x._data.dtype)
        return windows.sum(-1) / Tensor._wrap(xp.asarray(count))
    y, arg = windows.max(-1)
    if not return_indices:
        return y
    a = arg._data
    th_x, tw_x = xp.asarray(th), xp.asarray(tw)
    i = xp.arange(oh)[:, None]
    j = xp.arange(ow)[None, :]
    idx = th_x[i, a // k[1]] * w + tw_x[j, a % k[1]]
    return y, Tensor._wrap(idx.astype(np.int64))


def max_pool1d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = True,
) -> tuple:
    """``max_pool1d`` with ``return_indices=True``: (values, indices)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = True,
) -> tuple:
    """``max_pool2d`` with ``return_indices=True``: (values, flat h * W + w indices)."""
    from . import functional as F

    return F.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = True
) -> tuple:
    """``adaptive_max_pool1d`` with ``return_indices=True``."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = True
) -> tuple:
    """``adaptive_max_pool2d`` with ``return_indices=True``."""
    return adaptive_max_pool2d(input, output_size, True)


def _max_unpool(
    name: str, input: Tensor, indices: Tensor, k: tuple, s: tuple, p: tuple, output_size: Any
) -> Tensor:
    """Scatter ``input`` to the flat positions ``indices`` of a zero output (the inverse of a
    max pooling with ``return_indices``); its gradient gathers back."""
    nd = len(k)
    if not isinstance(indices, Tensor) or indices._data.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: elements in indices should be type int64")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"{name}: Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}"
        )
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{name}: Expected {nd + 1}D or {nd + 2}D tensor for input, got shape "
            f"{list(input.shape)}"
        )
    spatial = tuple(input.shape[input.ndim - nd :])
    default = [(spatial[d] - 1) * s[d] + k[d] - 2 * p[d] for d in range(nd)]
    if output_size is None:
        size = default
    else:
        size = list(output_size)
        if len(size) == nd + 2:
            size = size[2:]
        if len(size) != nd:
            raise ValueError(
                f"output_size should be a sequence containing {nd} or {nd + 2} elements, but "
                f"it has a length of '{len(size)}'"
            )
        for d in range(nd):
            lo, hi = default[d] - s[d], default[d] + s[d]
            if not lo < size[d] < hi:
                raise ValueError(
                    f'invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})'
                )
    if min(size) < 0:
        raise ValueError(f"{name}: output_size must contain non-negative sizes, got {size}")
    unb = input.ndim == nd + 1
    x = input.unsqueeze(0) if unb else input
    idx = indices._data[None] if unb else indices._data
    n, c = x.shape[0], x.shape[1]
    total = math.prod(size)
    flat = idx.reshape(n, c, -1)
    if flat.size and (int(flat.min()) < 0 or int(flat.max()) >= total):
        bad = int(flat.max()) if int(flat.max()) >= total else int(flat.min())
        raise RuntimeError(
            f"{name}: Found an invalid max index: {bad} (output volumes are of size "
            f"{'x'.join(map(str, size))})"
        )
    xp = get_array_module(x._data)
    zeros = Tensor._wrap(xp.zeros((n, c, total), dtype=x._data.dtype))
    out = zeros.scatter(2, Tensor._wrap(flat.astype(np.int64)), x.reshape(n, c, -1))
    out = out.reshape(n, c, *size)
    return out.squeeze(0) if unb else out


def max_unpool1d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Inverse of ``max_pool1d``: each value placed at its index, zeros elsewhere."""
    k = _one(kernel_size, "kernel_size", "max_unpool1d", 1)
    st = k if stride is None else _one(stride, "stride", "max_unpool1d", 1)
    pd = _one(padding, "padding", "max_unpool1d", 0)
    return _max_unpool("max_unpool1d", input, indices, (k,), (st,), (pd,), output_size)


def max_unpool2d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Inverse of ``max_pool2d``: each value placed at its flat index h * W + w, zeros
    elsewhere."""
    from .functional import _pair

    k = _pair(kernel_size, "kernel_size", "max_unpool2d", low=1)
    st = k if stride is None else _pair(stride, "stride", "max_unpool2d", low=1)
    pd = _pair(padding, "padding", "max_unpool2d", low=0)
    return _max_unpool("max_unpool2d", input, indices, k, st, pd, output_size)


def _fractional_samples(fn: str, x: Tensor, n: int, c: int, dims: int, samples: Any) -> Any:
    """The (n, c, dims) uniform draws that place fractional pooling's windows, on the host:
    ``samples`` (torch's ``_random_samples``, checked with torch's errors) or fresh ones."""
    if samples is None:
        from ..creation import rand

        samples = rand(n, c, dims, dtype=x.dtype, device=x.device)
    if not isinstance(samples, Tensor):
        raise TypeError(f"{fn}(): _random_samples must be a Tensor, not {type(samples)}")
    if samples.ndim != 3:
        raise RuntimeError(
            f"Expect _random_samples to have 3 dimensions, got {samples.ndim}: pass an "
            f"(N, C, {dims}) tensor"
        )
    if samples.shape[2] != dims:
        raise RuntimeError(
            f"Expect _random_samples.size(2) equals to {dims}; got {samples.shape[2]}."
        )
    if samples.shape[0] < n:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if samples.shape[1] != c:
        raise RuntimeError(
            f"Expect _random_samples.size(1) equals to input channel size. (got "
            f"{samples.shape[1]} for {c} channels)"
        )
    if samples.dtype != x.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    return np.asarray(samples.detach().cpu().numpy()[:n])


def _fractional_starts(samples: Any, size: int, out: int, k: int) -> Any:
    """Window starts of fractional max pooling along one axis, per plane, from the samples
    ``u`` in [0, 1) (Graham's pseudo-random sequence, as torch computes it in the input's
    dtype): ``int((i + u) a) - int(u a)`` with ``a = (size - k) / (out - 1)``, the last window
    ending at the input's end."""
    dt = samples.dtype.type
    starts = np.empty(samples.shape + (out,), dtype=np.int64)
    if out > 1:
        alpha = dt(size - k) / dt(out - 1)
        i = np.arange(out - 1, dtype=samples.dtype)
        u = samples[..., None]
        starts[..., :-1] = ((i + u) * alpha).astype(np.int64) - (u * alpha).astype(np.int64)
    if out > 0:
        starts[..., -1] = size - k
    return starts


def _fractional_sizes(
    x: Tensor, kernel_size: Any, output_size: Any, output_ratio: Any, fn: str
) -> tuple[tuple[int, int], tuple[int, int]]:
    kh, kw = _validate.ntuple(kernel_size, 2, "kernel_size", fn, low=1, high=_INT_MAX)
    if output_size is None and output_ratio is None:
        raise ValueError(
            "fractional_max_pool2d requires specifying either an output_size or an output_ratio"
        )
    if output_size is None:
        ratio = output_ratio if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * 2
        if len(ratio) > 2:
            raise ValueError(
                "fractional_max_pool2d requires output_ratio to either be a single Int or tuple "
                "of Ints."
            )
        if len(ratio) == 1:
            ratio = (ratio[0], ratio[0])
        output_size = (int(x.shape[-2] * ratio[0]), int(x.shape[-1] * ratio[1]))
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 2:
            raise RuntimeError(
                "fractional_max_pool2d: output_size must either be a single Int or tuple of Ints"
            )
        oh, ow = output_size
    else:
        oh = ow = output_size
    for v in (oh, ow):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{fn}(): output_size must be ints, got {output_size!r}")
        if v < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {v}: "
                f"{list(x.shape[:-2]) + [oh, ow]}"
            )
    return (kh, kw), (int(oh), int(ow))


def fractional_max_pool2d_with_indices(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Fractional max pooling (Graham, 2014): the maximum over ``kernel_size`` windows whose
    starts follow a pseudo-random sequence per channel, so that (H, W) shrinks to
    ``output_size`` (or ``output_ratio`` of it) by a fractional factor.  ``_random_samples``
    (N, C, 2) in [0, 1) fixes the sequences (column starts from ``[..., 0]``, row starts from
    ``[..., 1]``); by default it is drawn with ``rand``.  Returns the output and each
    maximum's flat position ``h * W + w`` in its channel; the gradient goes to those positions.

    Example:
        >>> import nablagrad as torch
        >>> import nablagrad.nn.functional as F
        >>> x = torch.arange(25.0).reshape(1, 1, 5, 5)
        >>> u = torch.tensor([[[0.5, 0.5]]])
        >>> y, idx = F.fractional_max_pool2d(x, 2, output_size=3, return_indices=True,
        ...                                  _random_samples=u)
        >>> idx
        tensor([[[[ 6,  8,  9],
                  [16, 18, 19],
                  [21, 23, 24]]]])
    """
    fn = "fractional_max_pool2d"
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{fn}(): Expected 3D or 4D tensor, but got: {list(input.shape)}")
    (kh, kw), (oh, ow) = _fractional_sizes(input, kernel_size, output_size, output_ratio, fn)
    x, unb = (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)
    n, c, h, w = x.shape
    for d in (1, 2, 3):
        if x.shape[d] == 0:
            raise RuntimeError(
                f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"got{list(input.shape)} with dimension {d - (1 if unb else 0)} being empty."
            )
    if x._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"{fn}\" not implemented for '{x.dtype}': pass a floating-point tensor (x.float())"
        )
    if oh + kh - 1 > h:
        raise RuntimeError(f"{fn}(): pool height {kh} too large relative to input height {h}")
    if ow + kw - 1 > w:
        raise RuntimeError(f"{fn}(): pool width {kw} too large relative to input width {w}")
    u = _fractional_samples(fn, x, n, c, 2, _random_samples)
    cols = _fractional_starts(u[..., 0], w, ow, kw)  # (n, c, ow)
    rows = _fractional_starts(u[..., 1], h, oh, kh)  # (n, c, oh)
    # (n, c, oh, ow, kh * kw): each window's flat positions, row by row as torch scans them
    rpos = rows[:, :, :, None, None, None] + np.arange(kh)[:, None]  # (n, c, oh, 1, kh, 1)
    cpos = cols[:, :, None, :, None, None] + np.arange(kw)  # (n, c, 1, ow, 1, kw)
    table = (rpos * w + cpos).reshape(n, c, oh, ow, kh * kw)
    xp = get_array_module(x._data)
    t = xp.asarray(table)
    if oh == 0 or ow == 0 or n == 0:  # an empty result (still connected to the input)
        y = x.reshape(n, c, h * w)[..., :0].reshape(n, c, oh, ow)
        idx = Tensor._wrap(xp.zeros((n, c, oh, ow), dtype=np.int64))
    else:
        windows = x.reshape(n, c, 1, h * w).expand(n, c, oh, h * w)
        windows = windows.gather(3, Tensor._wrap(t.reshape(n, c, oh, ow * kh * kw)))
        windows = windows.reshape(n, c, oh, ow, kh * kw)
        # torch keeps the first maximum, or the last NaN of a window
        raw = windows._data
        nan = xp.isnan(raw)
        last_nan = (kh * kw - 1) - xp.argmax(nan[..., ::-1], axis=-1)
        first_max = xp.argmax(xp.where(nan, -xp.inf, raw), axis=-1)
        # a window of -inf only: its first element, as torch's scan starts from it
        arg = xp.where(nan.any(-1), last_nan, first_max)
        idx = Tensor._wrap(xp.take_along_axis(t, arg[..., None], -1)[..., 0])
        y = windows.gather(4, Tensor._wrap(arg[..., None])).squeeze(4)
    if unb:
        y, idx = y.squeeze(0), idx.squeeze(0)
    return y, idx


def fractional_max_pool2d(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """Fractional max pooling over (H, W): see ``fractional_max_pool2d_with_indices``; the
    indices come back too with ``return_indices=True``.

    Example:
        >>> import nablagrad as torch
        >>> import nablagrad.nn.functional as F
        >>> F.fractional_max_pool2d(torch.randn(2, 3, 10, 9), 3, output_ratio=(0.5, 0.7)).shape
        nablagrad.Size([2, 3, 5, 6])
    """
    y, idx = fractional_max_pool2d_with_indices(
        input, kernel_size, output_size, output_ratio, return_indices, _random_samples
    )
    return (y, idx) if return_indices else y


def _fractional_sizes3d(
    x: Tensor, kernel_size: Any, output_size: Any, output_ratio: Any, fn: str
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    k = _validate.ntuple(kernel_size, 3, "kernel_size", fn, low=1, high=_INT_MAX)
    if output_size is None and output_ratio is None:
        raise ValueError(
            "fractional_max_pool3d requires specifying either an output_size or an output_ratio"
        )
    if output_size is None:
        ratio = output_ratio if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * 3
        if len(ratio) == 1:
            ratio = (ratio[0],) * 3
        if len(ratio) != 3:
            raise IndexError(
                f"fractional_max_pool3d: output_ratio must be one float or three, got {ratio!r}"
            )
        output_size = tuple(int(x.shape[d - 3] * ratio[d]) for d in range(3))
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 3:
            raise RuntimeError(
                "fractional_max_pool3d: output_size must either be a single Int or tuple of "
                "three Ints"
            )
        out = tuple(output_size)
    else:
        out = (output_size,) * 3
    for v in out:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{fn}(): output_size must be ints, got {output_size!r}")
        if v < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {v}: "
                f"{list(x.shape[:-3]) + list(out)}"
            )
    return k, tuple(int(v) for v in out)


def fractional_max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """Fractional max pooling over (T, H, W), as ``fractional_max_pool2d_with_indices`` over
    (H, W): ``kernel_size`` windows whose starts follow a pseudo-random sequence per channel
    and dimension shrink the input to ``output_size`` (or ``output_ratio`` of it).
    ``_random_samples`` (N, C, 3) in [0, 1) fixes the sequences (time starts from ``[..., 0]``,
    rows from ``[..., 1]``, columns from ``[..., 2]``).  Returns the output and each maximum's
    flat position ``(t * H + h) * W + w`` in its channel; the gradient goes to those positions.

    Example:
        >>> import nablagrad as torch
        >>> import nablagrad.nn.functional as F
        >>> x = torch.arange(64.0).reshape(1, 1, 4, 4, 4)
        >>> y, idx = F.fractional_max_pool3d(x, 2, output_size=2, return_indices=True,
        ...                                  _random_samples=torch.tensor([[[0.5, 0.5, 0.5]]]))
        >>> idx.flatten()
        tensor([21, 23, 29, 31, 53, 55, 61, 63])
    """
    fn = "fractional_max_pool3d"
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim not in (4, 5):
        raise IndexError(
            f"{fn}(): expected a 4-D (C, T, H, W) or 5-D (N, C, T, H, W) input, got shape "
            f"{list(input.shape)}"
        )
    (kt, kh, kw), (ot, oh, ow) = _fractional_sizes3d(
        input, kernel_size, output_size, output_ratio, fn
    )
    x, unb = (input.unsqueeze(0), True) if input.ndim == 4 else (input, False)
    n, c, t, h, w = x.shape
    for d in (1, 2, 3, 4):
        if x.shape[d] == 0:
            raise RuntimeError(
                f"{fn}_out(): Expected input to have non-zero size for non-batch dimensions, "
                f"but got{list(input.shape)} with dimension {d - (1 if unb else 0)} being empty."
            )
    if x._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"{fn}\" not implemented for '{x.dtype}': pass a floating-point tensor (x.float())"
        )
    for name, k, o, size in (("time", kt, ot, t), ("height", kh, oh, h), ("width", kw, ow, w)):
        if o + k - 1 >= size:  # torch's 3-d check is strict (its 2-d one is not)
            raise RuntimeError(
                f"{fn}_out(): pool {name} {k} too large relative to input {name} {size}"
            )
    u = _fractional_samples(fn, x, n, c, 3, _random_samples)
    ts = _fractional_starts(u[..., 0], t, ot, kt)  # (n, c, ot)
    rs = _fractional_starts(u[..., 1], h, oh, kh)  # (n, c, oh)
    cs = _fractional_starts(u[..., 2], w, ow, kw)  # (n, c, ow)
    kk = kt * kh * kw
    # (n, c, ot, oh, ow, kt, kh, kw): each window's flat positions, in torch's scan order
    tpos = (ts[:, :, :, None, None, None, None, None] + np.arange(kt)[:, None, None]) * (h * w)
    rpos = (rs[:, :, None, :, None, None, None, None] + np.arange(kh)[:, None]) * w
    cpos = cs[:, :, None, None, :, None, None, None] + np.arange(kw)
    table = (tpos + rpos + cpos).reshape(n, c, ot, oh, ow, kk)
    xp = get_array_module(x._data)
    tab = xp.asarray(table)
    if 0 in (n, ot, oh, ow):  # an empty result (still connected to the input)
        y = x.reshape(n, c, t * h * w)[..., :0].reshape(n, c, ot, oh, ow)
        idx = Tensor._wrap(xp.zeros((n, c, ot, oh, ow), dtype=np.int64))
    else:
        windows = x.reshape(n, c, 1, t * h * w).expand(n, c, ot, t * h * w)
        windows = windows.gather(3, Tensor._wrap(tab.reshape(n, c, ot, oh * ow * kk)))
        windows = windows.reshape(n, c, ot, oh, ow, kk)
        raw = windows._data
        nan = xp.isnan(raw)
        last_nan = (kk - 1) - xp.argmax(nan[..., ::-1], axis=-1)
        first_max = xp.argmax(xp.where(nan, -xp.inf, raw), axis=-1)
        arg = xp.where(nan.any(-1), last_nan, first_max)
        idx = Tensor._wrap(xp.take_along_axis(tab, arg[..., None], -1)[..., 0])
        y = windows.gather(5, Tensor._wrap(arg[..., None])).squeeze(5)
    if unb:
        y, idx = y.squeeze(0), idx.squeeze(0)
    return y, idx


def fractional_max_pool3d(
    input: Tensor,
    kernel_size: Any,
    output_size: Any = None,
    output_ratio: Any = None,
    return_indices: bool = False,
    _random_samples: Tensor | None = None,
) -> Any:
    """Fractional max pooling over (T, H, W): see ``fractional_max_pool3d_with_indices``; the
    indices come back too with ``return_indices=True``.

    Example:
        >>> import nablagrad as torch
        >>> import nablagrad.nn.functional as F
        >>> F.fractional_max_pool3d(torch.randn(1, 2, 8, 9, 7), 2, output_ratio=0.5).shape
        nablagrad.Size([1, 2, 4, 4, 3])
    """
    y, idx = fractional_max_pool3d_with_indices(
        input, kernel_size, output_size, output_ratio, return_indices, _random_samples
    )
    return (y, idx) if return_indices else y
