"""3-D pooling of ``torch.nn.functional`` (re-exported by ``nn.functional``): max, average,
adaptive, power-average pooling and max unpooling over (N, C, D, H, W) or (C, D, H, W) input.

Windowed poolings copy every window's elements into one trailing axis (``ops.convnd.WindowsFn``:
a strided view of the padded input, -inf for max, 0 for average; its backward adds back one
strided slice per kernel position) and reduce it with ``max`` or ``sum``; adaptive max pooling
gathers its uneven windows with one index table per axis.  All are differentiable primitives,
so gradients and second derivatives follow; the maximum's gradient goes to the first maximal
element, as torch's.
Adaptive average pooling is separable: three small averaging matrices applied by ``matmul``.

Example:
    >>> import nablagrad as torch
    >>> import nablagrad.nn.functional as F
    >>> F.max_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 2).flatten()
    tensor([7.])
"""

from __future__ import annotations

import math
from typing import Any

from .. import _validate
from ..backend import get_array_module, np
from ..ops.convnd import WindowsFn
from ..ops.shape import pad
from ..tensor import Tensor
from ._conv3d import _triple
from ._pooling import _adaptive_table, _axis_out, _lp_finish, _max_unpool, _window_table


def _batched(input: Any, fn: str) -> tuple[Tensor, bool]:
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim not in (4, 5) or any(s == 0 for s in input.shape[input.ndim - 4 :]):
        raise RuntimeError(
            f"{fn}: non-empty 4D or 5D (batch mode) tensor expected for input, got shape "
            f"{list(input.shape)}"
        )
    return (input.unsqueeze(0), True) if input.ndim == 4 else (input, False)


def _params(
    fn: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any, ceil: bool
) -> tuple:
    """Checked kernel, stride, padding, dilation and output size (torch's rules)."""
    k = _triple(kernel_size, "kernel_size", fn, low=1)
    empty = stride is None or (isinstance(stride, (list, tuple)) and not len(stride))
    s = k if empty else _triple(stride, "stride", fn, low=1)
    p = _triple(padding, "padding", fn, low=0)
    d = _triple(dilation, "dilation", fn, low=1)
    for a in range(3):
        if p[a] > (d[a] * (k[a] - 1) + 1) // 2:
            raise RuntimeError(
                f"{fn}: pad should be at most half of effective kernel size, but got "
                f"pad={p[a]}, kernel_size={k[a]} and dilation={d[a]}"
            )
    size = tuple(int(v) for v in x.shape[2:])
    out = tuple(_axis_out(size[a], k[a], s[a], p[a], d[a], ceil) for a in range(3))
    if min(out) < 1:
        raise RuntimeError(
            f"{fn}: Given input size: ({x.shape[1]}x{'x'.join(map(str, size))}). Calculated "
            f"output size: ({x.shape[1]}x{'x'.join(str(max(o, 0)) for o in out)}). Output size "
            "is too small: use a kernel no larger than the (padded) input"
        )
    return k, s, p, d, out


def _gather(x: Tensor, tables: list, fill: float) -> Tensor:
    """Windows (N, C, O0, O1, O2, K0*K1*K2) of x; ``tables[a]`` (Oa, Ka) holds input positions
    along spatial axis a (outside the input: ``fill``)."""
    size = x.shape[2:]
    lo = [max(0, -int(t.min())) for t in tables]
    hi = [max(0, int(t.max()) - size[a] + 1) for a, t in enumerate(tables)]
    widths = []
    for a in (2, 1, 0):
        widths += [lo[a], hi[a]]
    xpad = pad(x, tuple(widths), value=fill) if any(widths) else x
    xp = get_array_module(x._data)
    t0, t1, t2 = (xp.asarray(t + lo[a]) for a, t in enumerate(tables))
    idx = (
        t0[:, None, None, :, None, None],
        t1[None, :, None, None, :, None],
        t2[None, None, :, None, None, :],
    )
    n, c = x.shape[0], x.shape[1]
    out = tuple(t.shape[0] for t in tables)
    return xpad[(slice(None), slice(None)) + idx].reshape(n, c, *out, -1)


def _windows(x: Tensor, k: tuple, s: tuple, p: tuple, d: tuple, out: tuple, fill: float) -> Tensor:
    """Windows (N, C, O0, O1, O2, K0*K1*K2) of x padded by ``p`` with ``fill`` (and further at
    the end where a ceil-mode window reaches past the padding): one strided copy."""
    size = x.shape[2:]
    hi = [max(p[a], (out[a] - 1) * s[a] + d[a] * (k[a] - 1) + 1 - p[a] - size[a]) for a in range(3)]
    widths = (p[2], hi[2], p[1], hi[1], p[0], hi[0])
    xpad = pad(x, widths, value=fill) if any(widths) else x
    return WindowsFn.apply(xpad, kernel=k, stride=s, dilation=d, out_sp=out)


def _flat_indices(tables: list, arg: Any, size: tuple) -> Tensor:
    """Flat positions d*H*W + h*W + w of the chosen window elements ``arg`` (N, C, O0, O1, O2)."""
    xp = get_array_module(arg)
    k1, k2 = tables[1].shape[1], tables[2].shape[1]
    o = [xp.arange(t.shape[0]) for t in tables]
    t = [xp.asarray(tb) for tb in tables]
    d = t[0][o[0][:, None, None], arg // (k1 * k2)]
    h = t[1][o[1][None, :, None], (arg // k2) % k1]
    w = t[2][o[2][None, None, :], arg % k2]
    return Tensor._wrap(((d * size[1] + h) * size[2] + w).astype(np.int64))


def max_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Maximum over each (kD, kH, kW) window (padding counts as -inf); with
    ``return_indices`` also each maximum's flat position d*H*W + h*W + w in its channel.

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.functional.max_pool3d(torch.randn(2, 3, 8, 8, 8), 2).shape
        nablagrad.Size([2, 3, 4, 4, 4])
    """
    fn = "max_pool3d"
    x, unb = _batched(input, fn)
    k, s, p, d, out = _params(fn, x, kernel_size, stride, padding, dilation, ceil_mode)
    size = tuple(int(v) for v in x.shape[2:])
    tables = [_window_table(size[a], k[a], s[a], p[a], d[a], out[a]) for a in range(3)]
    kind = x._data.dtype.kind
    fill = (
        -math.inf if kind == "f" else (False if kind == "b" else int(np.iinfo(x._data.dtype).min))
    )
    y, arg = _windows(x, k, s, p, d, out, fill).max(-1)
    if unb:
        y = y.squeeze(0)
    if not return_indices:
        return y
    idx = _flat_indices(tables, arg._data, size)
    return y, (idx.squeeze(0) if unb else idx)


def max_pool3d_with_indices(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = True,
) -> tuple:
    """``max_pool3d`` with ``return_indices=True``: (values, flat indices)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool3d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over each (kD, kH, kW) window: the sum divided by ``divisor_override`` if given,
    else by the window's size within the padded input (``count_include_pad=True``) or within
    the input itself; a ``ceil_mode`` last window is cut at the padded input's end, as torch.

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.functional.avg_pool3d(torch.ones(1, 1, 4, 4, 4), 2, padding=1,
        ...                                count_include_pad=False).sum().item()
        27.0
    """
    fn = "avg_pool3d"
    x, unb = _batched(input, fn)
    if divisor_override is not None:
        divisor_override = _validate.as_int(divisor_override, "divisor_override", fn)
        if divisor_override == 0:
            raise RuntimeError(f"{fn}: divisor must be not zero")
    k, s, p, _, out = _params(fn, x, kernel_size, stride, padding, 1, ceil_mode)
    size = tuple(int(v) for v in x.shape[2:])
    tables = [_window_table(size[a], k[a], s[a], p[a], 1, out[a]) for a in range(3)]
    total = _windows(x, k, s, p, (1, 1, 1), out, 0.0).sum(-1)
    if divisor_override is not None:
        y = total / divisor_override
    else:
        counts = []
        for a in range(3):
            start = tables[a][:, 0]
            if count_include_pad:
                counts.append(np.minimum(start + k[a], size[a] + p[a]) - start)
            else:
                counts.append(np.minimum(start + k[a], size[a]) - np.maximum(start, 0))
        count = counts[0][:, None, None] * counts[1][None, :, None] * counts[2][None, None, :]
        xp = get_array_module(x._data)
        y = total / Tensor._wrap(xp.asarray(count.astype(x._data.dtype)))
    if x._data.dtype.kind in "iu":  # torch: integer division, truncated, in the input's dtype
        y = y.trunc().to(x.dtype)
    return y.squeeze(0) if unb else y


def _adaptive_sizes(fn: str, output_size: Any, size: tuple, msg: str) -> tuple:
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 3:
            raise RuntimeError(msg)
        vals = tuple(output_size)
    else:
        vals = (output_size,) * 3
    out = []
    for v, n in zip(vals, size):
        v = n if v is None else _validate.as_int(v, "output_size", fn)
        if v < 0:
            raise RuntimeError(
                f"{fn}(): elements of output_size must be greater than or equal to 0"
            )
        out.append(v)
    return tuple(out)


def _averaging_matrix(xp: Any, size: int, out: int, dtype: Any) -> Tensor:
    """A (out, size) matrix whose row i averages torch's adaptive window i."""
    starts = (np.arange(out) * size) // out
    ends = -((-(np.arange(out) + 1) * size) // out)
    pos = np.arange(size)[None, :]
    inside = (pos >= starts[:, None]) & (pos < ends[:, None])
    return Tensor._wrap(xp.asarray((inside / (ends - starts)[:, None]).astype(dtype)))


def adaptive_avg_pool3d(input: Tensor, output_size: Any) -> Tensor:
    """Mean over the (oD, oH, oW) windows that tile (D, H, W) (``None`` keeps a size): window
    i of an axis of length L spans [floor(i L / o), ceil((i + 1) L / o)).

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.functional.adaptive_avg_pool3d(torch.randn(2, 3, 5, 6, 7), (1, None, 2)).shape
        nablagrad.Size([2, 3, 1, 6, 2])
    """
    fn = "adaptive_avg_pool3d"
    x, unb = _batched(input, fn)
    n, c, dd, hh, ww = (int(v) for v in x.shape)
    od, oh, ow = _adaptive_sizes(fn, output_size, (dd, hh, ww), f"{fn}: output_size must be 3")
    if od and oh and ow and dd % od == 0 and hh % oh == 0 and ww % ow == 0:  # even blocks
        blocks = x.reshape(n, c, od, dd // od, oh, hh // oh, ow, ww // ow)
        y = blocks.mean((3, 5, 7))
        return y.squeeze(0) if unb else y
    xp = get_array_module(x._data)
    dt = x._data.dtype
    y = x if ow == ww else x.matmul(_averaging_matrix(xp, ww, ow, dt).transpose(0, 1))
    if oh != hh:
        y = _averaging_matrix(xp, hh, oh, dt).matmul(y)
    if od != dd:
        y = _averaging_matrix(xp, dd, od, dt).matmul(y.reshape(n, c, dd, oh * ow))
        y = y.reshape(n, c, od, oh, ow)
    if y is x:
        y = x * 1
    return y.squeeze(0) if unb else y


def adaptive_max_pool3d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """Maximum over the (oD, oH, oW) windows that tile (D, H, W); with ``return_indices``
    also each maximum's flat position d*H*W + h*W + w."""
    fn = "adaptive_max_pool3d"
    x, unb = _batched(input, fn)
    size = tuple(int(v) for v in x.shape[2:])
    out = _adaptive_sizes(
        fn, output_size, size, f"{fn}(): internal error: output_size.size() must be 3"
    )
    if min(out) == 0:
        raise RuntimeError(
            f"{fn}(): Expected input to have non-zero size for non-batch dimensions, but input "
            f"has sizes {list(input.shape)} with output size {out}"
        )
    tables = [_adaptive_table(size[a], out[a]) for a in range(3)]
    y, arg = _gather(x, tables, 0.0).max(-1)
    if unb:
        y = y.squeeze(0)
    if not return_indices:
        return y
    idx = _flat_indices(tables, arg._data, size)
    return y, (idx.squeeze(0) if unb else idx)


def adaptive_max_pool3d_with_indices(
    input: Tensor, output_size: Any, return_indices: bool = True
) -> tuple:
    """``adaptive_max_pool3d`` with ``return_indices=True``."""
    return adaptive_max_pool3d(input, output_size, True)


def lp_pool3d(
    input: Tensor, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
) -> Tensor:
    """(sum over each 3-D window of x^p)^(1/p), p = ``norm_type`` (as torch: the average of
    x^p times the window size, its sign kept, to the power 1/p)."""
    if isinstance(kernel_size, (tuple, list)) and len(kernel_size) != 3:
        raise ValueError(
            f"lp_pool3d: kernel_size must be an int or 3 ints, got {tuple(kernel_size)}"
        )
    k = _triple(kernel_size, "kernel_size", "lp_pool3d", low=1)
    out = avg_pool3d(input**norm_type, k, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, math.prod(k))


def max_unpool3d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    output_size: Any = None,
) -> Tensor:
    """Inverse of ``max_pool3d``: each value placed at its flat index d*H*W + h*W + w of a
    zero output."""
    fn = "max_unpool3d"
    k = _triple(kernel_size, "kernel_size", fn, low=1)
    st = k if stride is None else _triple(stride, "stride", fn, low=1)
    pd = _triple(padding, "padding", fn, low=0)
    return _max_unpool(fn, input, indices, k, st, pd, output_size)
