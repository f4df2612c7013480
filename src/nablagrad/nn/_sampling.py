"""Resampling functionals (re-exported by ``nn.functional``): ``interpolate`` (and the
deprecated ``upsample*``), ``pixel_shuffle``/``pixel_unshuffle``, ``unfold``/``fold``
(im2col/col2im) and ``affine_grid``/``grid_sample``.

Every one is composed from differentiable primitives (gathers by precomputed indices, their
scatter-add adjoints, elementwise weights), so gradients and second derivatives come from the
primitives.  Interpolation is separable: along each spatial dim, out = sum_t w_t * x[idx_t],
with torch's source-index rules (``area_pixel_compute_source_index``):

    align_corners=True:  src = dst * (in - 1) / (out - 1)
    align_corners=False: src = (dst + 0.5) * scale - 0.5,  scale = 1 / scale_factor or in / out

Example:
    >>> import nablagrad as torch
    >>> import nablagrad.nn.functional as F
    >>> F.interpolate(torch.arange(4.0).reshape(1, 1, 4), scale_factor=0.5, mode="linear")
    tensor([[[0.5000, 2.5000]]])
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import _validate
from ..autograd.function import torch_node
from ..backend import get_array_module, np
from ..ops.fold import Fold2d, Unfold2d
from ..ops.index import Gather, GetItem
from ..ops.linalg import matmul
from ..tensor import Tensor

__all__ = [
    "interpolate",
    "upsample",
    "upsample_nearest",
    "upsample_bilinear",
    "pixel_shuffle",
    "pixel_unshuffle",
    "unfold",
    "fold",
    "affine_grid",
    "grid_sample",
    "channel_shuffle",
]

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
_LINEAR_RANK = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}


def _tensor(x: Any, fn: str, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _take(x: Tensor, axis: int, index: Any) -> Tensor:
    """x[..., index, ...] along ``axis`` (a differentiable gather by a raw index array)."""
    return GetItem.apply(x, index=(slice(None),) * axis + (index,), basic=False)


def _along(w: Any, axis: int, ndim: int) -> Tensor:
    """A 1-D weight array shaped to broadcast along ``axis`` of an ``ndim`` tensor."""
    return Tensor._wrap(w.reshape((-1,) + (1,) * (ndim - 1 - axis)))


def _scale(in_size: int, out_size: int, align_corners: bool, scale: float | None, xp, dt):
    """torch's area_pixel_compute_scale, in the input's float type."""
    if align_corners:
        return dt(in_size - 1) / dt(out_size - 1) if out_size > 1 else dt(0)
    if scale is not None and scale > 0:
        return dt(1.0 / scale)
    return dt(in_size) / dt(out_size)


def _source(out_size: int, ratio: Any, align_corners: bool, cubic: bool, xp, dt) -> Any:
    dst = xp.arange(out_size, dtype=dt)
    if align_corners:
        return ratio * dst
    src = ratio * (dst + dt(0.5)) - dt(0.5)
    return src if cubic else xp.maximum(src, dt(0))


def _cubic_weights(t: Any, dt) -> tuple:
    a = dt(-0.75)  # torch's bicubic A

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _taps(
    in_size: int, out_size: int, mode: str, align_corners: bool, scale: float | None, xp, dt
) -> list | None:
    """[(source index array, weight array), ...] of one spatial dim; None for a plain copy."""
    if mode in ("nearest", "nearest-exact"):
        ratio = dt(1.0 / scale) if scale is not None and scale > 0 else dt(in_size) / dt(out_size)
        dst = xp.arange(out_size, dtype=dt)
        if mode == "nearest-exact":
            dst = dst + dt(0.5)
        idx = xp.minimum(xp.floor(dst * ratio).astype(xp.int64), in_size - 1)
        return [(idx, None)]
    ratio = _scale(in_size, out_size, align_corners, scale, xp, dt)
    if mode == "bicubic":
        src = _source(out_size, ratio, align_corners, True, xp, dt)
        i0 = xp.floor(src)
        ws = _cubic_weights((src - i0).astype(dt), dt)
        i0 = i0.astype(xp.int64)
        return [(xp.clip(i0 - 1 + k, 0, in_size - 1), w.astype(dt)) for k, w in enumerate(ws)]
    if in_size == out_size:  # torch's linear kernels copy equal sizes whatever the scale
        return None
    src = _source(out_size, ratio, align_corners, False, xp, dt)
    i0 = xp.minimum(xp.floor(src).astype(xp.int64), in_size - 1)
    lam1 = xp.clip(src - i0.astype(dt), dt(0), dt(1)).astype(dt)
    return [(i0, (dt(1) - lam1).astype(dt)), (i0 + (i0 < in_size - 1), lam1)]


def _aa_taps(
    in_size: int, out_size: int, mode: str, align_corners: bool, scale: float | None, xp, dt
) -> list:
    """torch's antialiased weights (``antialias=True``): output i averages the inputs within
    ``support`` of its centre scale * (i + 0.5) with a triangle (bilinear) or cubic (A = -0.5)
    filter stretched by the scale when downsampling, normalised to sum 1."""
    ratio = _scale(in_size, out_size, align_corners, scale, xp, dt)
    interp = 2 if mode == "bilinear" else 4
    support = dt(interp * 0.5) * ratio if ratio >= 1 else dt(interp * 0.5)
    inv = dt(1) / ratio if ratio >= 1 else dt(1)
    center = ratio * (xp.arange(out_size, dtype=dt) + dt(0.5))
    xmin = xp.maximum(xp.trunc(center - support + dt(0.5)).astype(xp.int64), 0)
    xmax = xp.minimum(xp.trunc(center + support + dt(0.5)).astype(xp.int64), in_size)
    k = int(math.ceil(float(support))) * 2 + 1
    j = xp.arange(k)[None, :]
    v = xp.abs((j + xmin[:, None] - center[:, None] + dt(0.5)) * inv).astype(dt)
    if mode == "bilinear":
        w = xp.where(v < 1, 1 - v, 0)
    else:
        a = dt(-0.5)
        near = ((a + 2) * v - (a + 3)) * v * v + 1
        far = ((a * v - 5 * a) * v + 8 * a) * v - 4 * a
        w = xp.where(v < 1, near, xp.where(v < 2, far, 0))
    w = xp.where(j < (xmax - xmin)[:, None], w, 0).astype(dt)
    total = w.sum(axis=1, keepdims=True)
    w = xp.where(total != 0, w / xp.where(total != 0, total, 1), w).astype(dt)
    idx = xp.minimum(xmin[:, None] + j, in_size - 1)
    return [(idx[:, t], w[:, t]) for t in range(k)]


def _area_taps(in_size: int, out_size: int, xp, dt) -> list:
    """Adaptive average pooling along one dim (mode "area"): output i averages inputs
    floor(i * in / out) .. ceil((i + 1) * in / out) - 1; separable, so the N-D box average is
    the product of these."""
    i = xp.arange(out_size)
    start = (i * in_size) // out_size
    end = -((-(i + 1) * in_size) // out_size)
    k = int((end - start).max())
    j = xp.arange(k)[None, :]
    inside = j < (end - start)[:, None]
    w = xp.where(inside, dt(1) / (end - start)[:, None].astype(dt), dt(0)).astype(dt)
    idx = xp.minimum(start[:, None] + j, in_size - 1)
    return [(idx[:, t], w[:, t]) for t in range(k)]


_DENSE_MAX = 1 << 20  # entries of the (out, in) interpolation matrix worth a GEMM


def _resample_dim(
    x: Tensor,
    axis: int,
    out_size: int,
    mode: str,
    align_corners: bool,
    scale: float | None,
    antialias: bool = False,
) -> Tensor:
    """Resample dim ``axis``: out = sum over taps of w * x[idx].  Small float cases multiply by
    the (out, in) matrix of those taps instead (one GEMM forward and backward, exact zeros off
    the taps), unless the input holds inf/NaN, which a product with 0 would spread."""
    in_size = x.shape[axis]
    xp = get_array_module(x._data)
    is_float = x._data.dtype.kind == "f"
    dt = x._data.dtype.type if is_float else xp.float32
    if mode == "area":
        taps = _area_taps(in_size, out_size, xp, dt)
    else:
        make = _aa_taps if antialias else _taps
        taps = make(in_size, out_size, mode, align_corners, scale, xp, dt)
    if taps is None:
        return x
    if is_float and in_size * out_size <= _DENSE_MAX and bool(xp.isfinite(x._data).all()):
        a = xp.zeros((out_size, in_size), dtype=dt)
        rows = xp.arange(out_size)
        for idx, w in taps:
            xp.add.at(a, (rows, idx), dt(1) if w is None else w)
        if axis == x.ndim - 1:
            return matmul(x, Tensor._wrap(xp.ascontiguousarray(a.T)))
        shape = tuple(x.shape)
        rest = math.prod(shape[axis + 1 :])
        y = matmul(Tensor._wrap(a), x.reshape(*shape[:axis], in_size, rest))
        return y.reshape(*shape[:axis], out_size, *shape[axis + 1 :])
    out = None
    for idx, w in taps:
        term = _take(x, axis, idx)
        if w is not None:
            term = term * _along(w, axis, x.ndim)
        out = term if out is None else out + term
    return out


_UPSAMPLE = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear",
             "bilinear": "Bilinear", "bicubic": "Bicubic", "trilinear": "Trilinear"}  # fmt: skip


def _upsample_node(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                   align_corners: Any = None, recompute_scale_factor: Any = None,
                   antialias: bool = False) -> str | None:  # noqa: A002  # fmt: skip
    """torch's node of ``interpolate`` (``UpsampleBilinear2DBackward0``; ``area`` keeps the
    adaptive pooling's)."""
    kind = _UPSAMPLE.get(mode)
    if kind is None or not isinstance(input, Tensor):
        return None
    return f"Upsample{kind}{input.ndim - 2}D{'Aa' if antialias else ''}Backward0"


@torch_node(_upsample_node)
def interpolate(
    input: Tensor,  # noqa: A002
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims of (N, C, d1, ..., dK) ``input`` (K = 1, 2, 3) to ``size`` or
    by ``scale_factor`` (torch.nn.functional.interpolate).

    Modes: ``nearest`` (src = floor(dst * scale)), ``nearest-exact`` (floor((dst + 0.5) *
    scale)), ``linear`` (3-D), ``bilinear`` (4-D), ``trilinear`` (5-D), ``bicubic`` (4-D,
    A = -0.75, borders replicated) and ``area`` (adaptive average pooling).  ``antialias``
    (bilinear, bicubic): torch's filter stretched over the input pixels each output covers
    when downsampling.

    Example:
        >>> import nablagrad as torch
        >>> import nablagrad.nn.functional as F
        >>> F.interpolate(torch.ones(1, 3, 4, 4), scale_factor=2, mode="bilinear").shape
        nablagrad.Size([1, 3, 8, 8])
    """
    input = _tensor(input, "interpolate")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(
                "align_corners option can only be set with the "
                "interpolating modes: linear | bilinear | bicubic | trilinear"
            )
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    scales: list | None
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scales = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size "
                    f"of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    "and output size in (o1, o2, ...,oK) format."
                )
            if not all(_validate.is_int(s) for s in size):
                raise TypeError(
                    "expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                    f"Tuple[int, int, int], but got size with types {[type(s) for s in size]}"
                )
            out_size = [int(s) for s in size]
        else:
            if not _validate.is_int(size):
                raise TypeError(f"expected size to be an int or a tuple of ints, got {size!r}")
            out_size = [int(size)] * max(dim, 0)
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in "
                    "(N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format."
                )
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * max(dim, 0)
        out_size = [int(math.floor(n * s)) for n, s in zip(input.shape[2:], scales)]
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if recompute_scale_factor or mode == "area":
        scales = None
    if antialias:
        if not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
            raise ValueError(
                "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
                "requires a 4-D tensor as input"
            )
        if mode == "lanczos":
            raise NotImplementedError(
                "interpolate(mode='lanczos') is not implemented in nablagrad: use 'bicubic'"
            )
    known = mode in ("nearest", "nearest-exact", "area") or mode in _LINEAR_RANK
    if input.ndim not in (3, 4, 5) or not known:
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: {_MODES} (got {mode})"
        )
    if mode in _LINEAR_RANK and input.ndim != _LINEAR_RANK[mode]:
        if mode == "bicubic":
            raise NotImplementedError(f"Got {input.ndim}D input, but bicubic mode needs 4D input")
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR_RANK[mode]}D input"
        )
    kind = input._data.dtype.kind
    if not (kind == "f" or (kind == "u" and mode in ("nearest", "nearest-exact"))):
        raise NotImplementedError(
            f"interpolate: mode {mode!r} is not implemented for {input.dtype} input: convert "
            "it with .float()"
        )
    if any(n <= 0 for n in input.shape[2:]) or any(n <= 0 for n in out_size):
        names = "DHW"[3 - dim :] if dim > 1 else "W"
        ins = ", ".join(f"{c}: {n}" for c, n in zip(names, input.shape[2:]))
        outs = ", ".join(f"{c}: {n}" for c, n in zip(names, out_size))
        raise RuntimeError(
            f"Input and output sizes should be greater than 0, but got input ({ins}) output "
            f"({outs})"
        )
    out = input
    for k in range(dim):
        s = None if scales is None else scales[k]
        out = _resample_dim(out, 2 + k, out_size[k], mode, bool(align_corners), s, antialias)
    return out * 1 if out is input else out


def upsample(
    input: Tensor,  # noqa: A002
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Deprecated alias of :func:`interpolate` (warns, as torch)."""
    warnings.warn(
        "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """Deprecated: ``interpolate(input, size, scale_factor, mode="nearest")``."""
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """Deprecated: ``interpolate(input, size, scale_factor, "bilinear", align_corners=True)``."""
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# -- pixel shuffle ------------------------------------------------------------------------------


def _factor(v: Any, fn: str, what: str) -> int:
    if not _validate.is_int(v):
        raise TypeError(f"{fn}(): argument '{what}' must be int, not {type(v).__name__}")
    if v <= 0:
        raise RuntimeError(f"{fn} expects a positive {what}, but got {v}")
    return int(v)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r): out[c, h*r + i, w*r + j] = x[c*r*r + i*r + j,
    h, w].

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.functional.pixel_shuffle(torch.ones(1, 8, 2, 3), 2).shape
        nablagrad.Size([1, 2, 4, 6])
    """
    x = _tensor(input, "pixel_shuffle")
    r = _factor(upscale_factor, "pixel_shuffle", "upscale_factor")
    if x.ndim < 3:
        raise RuntimeError(
            "pixel_shuffle expects input to have at least 3 dimensions, but got input with "
            f"{x.ndim} dimension(s)"
        )
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
            f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    n = len(lead)
    y = x.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C, H * r, W * r) -> (*, C * r^2, H, W), the inverse of :func:`pixel_shuffle`.

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.functional.pixel_unshuffle(torch.ones(1, 2, 4, 6), 2).shape
        nablagrad.Size([1, 8, 2, 3])
    """
    x = _tensor(input, "pixel_unshuffle")
    r = _factor(downscale_factor, "pixel_unshuffle", "downscale_factor")
    if x.ndim < 3:
        raise RuntimeError(
            "pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
            f"{x.ndim} dimension(s)"
        )
    *lead, c, h, w = x.shape
    if h % r:
        raise RuntimeError(
            "pixel_unshuffle expects height to be divisible by downscale_factor, but "
            f"input.size(-2)={h} is not divisible by {r}"
        )
    if w % r:
        raise RuntimeError(
            "pixel_unshuffle expects width to be divisible by downscale_factor, but "
            f"input.size(-1)={w} is not divisible by {r}"
        )
    n = len(lead)
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    y = y.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)


# -- im2col / col2im ----------------------------------------------------------------------------


def _pair(v: Any, fn: str, name: str) -> tuple[int, int]:
    vals = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    if len(vals) != 2 or not all(_validate.is_int(i) for i in vals):
        raise TypeError(f"{fn}(): {name} must be an int or a pair of ints, got {v!r}")
    return int(vals[0]), int(vals[1])


def _block_params(fn: str, kernel_size, dilation, padding, stride) -> tuple:
    k = _pair(kernel_size, fn, "kernel_size")
    d = _pair(dilation, fn, "dilation")
    p = _pair(padding, fn, "padding")
    s = _pair(stride, fn, "stride")
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_size={k}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation={d}")
    if min(p) < 0:
        raise RuntimeError(f"padding should be non-negative, but got padding={p}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride={s}")
    return k, d, p, s


def _blocks(size: tuple, k, d, p, s) -> tuple[int, int]:
    return tuple((size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2))


def unfold(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """Sliding blocks of (N, C, H, W) ``input`` as columns (im2col): (N, C * kh * kw, L), row
    c * kh * kw + i * kw + j of column l = bi * bw + bj is x_pad[c, bi*s + i*d, bj*s + j*d].

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.functional.unfold(torch.ones(1, 2, 4, 4), 2, stride=2).shape
        nablagrad.Size([1, 8, 4])
    """
    x = _tensor(input, "unfold")
    k, d, p, s = _block_params("unfold", kernel_size, dilation, padding, stride)
    if x.ndim not in (3, 4):
        raise RuntimeError(
            f"Expected 3D or 4D (batch mode) tensor for input with possibly 0 batch size and "
            f"non-zero dimensions for input, but got: {tuple(x.shape)}"
        )
    unbatched = x.ndim == 3
    if unbatched:
        x = x.unsqueeze(0)
    n, c, h, w = x.shape
    blocks = _blocks((h, w), k, d, p, s)
    if min(blocks) < 1:
        raise RuntimeError(
            f"Given input with spatial size {(h, w)}, kernel_size={k}, dilation={d}, "
            f"padding={p}, calculated shape of the array of sliding blocks as {blocks}, but "
            "its components must be at least one."
        )
    out = Unfold2d.apply(x, kernel=k, dilation=d, padding=p, stride=s)
    return out.squeeze(0) if unbatched else out


def fold(
    input: Tensor,  # noqa: A002
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """Sum the columns of (N, C * kh * kw, L) ``input`` back into (N, C, H, W) (col2im, the
    adjoint of :func:`unfold`; overlapping entries add up).

    Example:
        >>> import nablagrad as torch
        >>> F = torch.nn.functional
        >>> F.fold(F.unfold(torch.ones(1, 1, 3, 3), 2), (3, 3), 2)[0, 0]
        tensor([[1., 2., 1.],
                [2., 4., 2.],
                [1., 2., 1.]])
    """
    x = _tensor(input, "fold")
    out_hw = _pair(output_size, "fold", "output_size")
    k, d, p, s = _block_params("fold", kernel_size, dilation, padding, stride)
    if x.ndim not in (2, 3):
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
            f"non-zero dimensions for input, but got: {tuple(x.shape)}"
        )
    unbatched = x.ndim == 2
    if unbatched:
        x = x.unsqueeze(0)
    n, ck, length = x.shape
    if ck % (k[0] * k[1]):
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={ck} and kernel_size={k}."
        )
    blocks = _blocks(out_hw, k, d, p, s)
    if min(blocks) < 1:
        raise RuntimeError(
            f"Given output_size={out_hw}, kernel_size={k}, dilation={d}, padding={p}, "
            f"stride={s}, calculated shape of the array of sliding blocks as {blocks}, but its "
            "components must be at least one."
        )
    if blocks[0] * blocks[1] != length:
        raise RuntimeError(
            f"Given output_size={out_hw}, kernel_size={k}, dilation={d}, padding={p}, "
            f"stride={s}, expected size of input's dimension 2 to match the calculated number "
            f"of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
            f"input.size(2)={length}."
        )
    out = Fold2d.apply(x, output_size=out_hw, kernel=k, dilation=d, padding=p, stride=s)
    return out.squeeze(0) if unbatched else out


# -- spatial transformers -----------------------------------------------------------------------


def _align_default(align_corners: bool | None) -> bool:
    if align_corners is None:
        warnings.warn(
            "Default grid_sample and affine_grid behavior has changed to align_corners=False "
            "since 1.3.0. Please specify align_corners=True if the old behavior is desired. "
            "See the documentation of grid_sample for details.",
            stacklevel=3,
        )
        return False
    return bool(align_corners)


def _base_coords(xp: Any, n: int, align_corners: bool, dt: Any) -> Any:
    if n <= 1:
        return xp.zeros((max(n, 0),), dtype=dt)
    v = xp.linspace(-1.0, 1.0, n).astype(dt)
    return v if align_corners else (v * dt((n - 1) / n)).astype(dt)


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """Sampling grid for :func:`grid_sample` from affine matrices: theta (N, 2, 3) and size
    (N, C, H, W) give (N, H, W, 2) with grid[n, i, j] = theta[n] @ (x_j, y_i, 1); theta
    (N, 3, 4) and (N, C, D, H, W) give (N, D, H, W, 3).  x, y (, z) run over [-1, 1] (pixel
    centres unless ``align_corners``).

    Example:
        >>> import nablagrad as torch
        >>> theta = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> torch.nn.functional.affine_grid(theta, (1, 1, 2, 3), align_corners=False).shape
        nablagrad.Size([1, 2, 3, 2])
    """
    theta = _tensor(theta, "affine_grid", "theta")
    align = _align_default(align_corners)
    if theta._data.dtype.kind != "f":
        raise ValueError(
            f"Expected theta to have floating point type, but got {theta.dtype}: call .float()"
        )
    size = tuple(int(v) for v in size)
    if len(size) == 4:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(
                "Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                f"{size}. Got {tuple(theta.shape)}."
            )
        spatial = size[2:]
    elif len(size) == 5:
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(
                "Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                f"{size}. Got {tuple(theta.shape)}."
            )
        spatial = size[2:]
    else:
        raise NotImplementedError(
            f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {size}."
        )
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise ValueError(f"Expected theta batch size {theta.shape[0]} to match size[0] = {size[0]}")
    xp = get_array_module(theta._data)
    dt = theta._data.dtype.type
    axes = [_base_coords(xp, m, align, dt) for m in spatial]  # (D,) H, W
    mesh = xp.meshgrid(*axes, indexing="ij")  # each (D,) H, W
    # homogeneous coordinates ordered x (width), y (height)(, z (depth)), 1
    coords = [mesh[-1], mesh[-2]] + ([mesh[0]] if len(spatial) == 3 else [])
    base = xp.stack(coords + [xp.ones_like(mesh[0])], axis=-1).reshape(1, -1, len(coords) + 1)
    grid = matmul(Tensor._wrap(base.astype(dt)), theta.transpose(1, 2))
    return grid.reshape(size[0], *spatial, len(coords))


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """torch's reflect_coordinates: fold ``coord`` into [twice_low / 2, twice_high / 2]."""
    if twice_low == twice_high:
        return coord * 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = (coord - low).abs()
    extra = c.fmod(span)
    xp = get_array_module(c._data)
    even = Tensor._wrap((xp.floor(c._data / span) % 2) == 0)
    return (extra + low).where(even, span - extra + low)


def _source_coord(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    return _pad_coord(_unnormalize(coord, size, align_corners), size, padding_mode, align_corners)


def _pad_coord(c: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """torch's compute_coordinates: ``border`` clips, ``reflection`` reflects then clips."""
    if padding_mode == "border":
        c = c.clamp(0, size - 1)
    elif padding_mode == "reflection":
        if align_corners:
            c = _reflect(c, 0, 2 * (size - 1))
        else:
            c = _reflect(c, -1, 2 * size - 1)
        c = c.clamp(0, size - 1)
    return c


def grid_sample(
    input: Tensor,  # noqa: A002
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample (N, C, H, W) ``input`` at the (N, Ho, Wo, 2) ``grid`` of normalised (x, y) in
    [-1, 1] (x: width), or (N, C, D, H, W) at an (N, Do, Ho, Wo, 3) grid of (x, y, z).
    ``mode``: ``bilinear`` (trilinear on 5-D), ``nearest`` (round half to even) or
    ``bicubic`` (4-D; A = -0.75, padding applied to each of the 4 x 4 taps);
    ``padding_mode``: ``zeros``, ``border`` or ``reflection``.  Differentiable in both
    ``input`` and ``grid``.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.arange(4.0).reshape(1, 1, 2, 2)
        >>> g = torch.zeros(1, 1, 1, 2)  # the centre
        >>> torch.nn.functional.grid_sample(x, g, align_corners=False)
        tensor([[[[1.5000]]]])
    """
    x = _tensor(input, "grid_sample")
    grid = _tensor(grid, "grid_sample", "grid")
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
            f"'bicubic', but got: '{mode}'"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
            f"'reflection', but got: '{padding_mode}'"
        )
    align = _align_default(align_corners)
    if x.ndim not in (4, 5) or grid.ndim != x.ndim:
        raise RuntimeError(
            "grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, "
            f"but got input with sizes {list(x.shape)} and grid with sizes {list(grid.shape)}"
        )
    k = x.ndim - 2  # spatial dims; grid[..., 0] indexes the last one (x = width)
    if x.shape[0] != grid.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input "
            f"with sizes {list(x.shape)} and grid with sizes {list(grid.shape)}"
        )
    if grid.shape[-1] != k:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {k} in last dimension, but got grid "
            f"with sizes {list(grid.shape)}"
        )
    if mode == "bicubic" and k != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if x._data.dtype.kind != "f" or x.dtype != grid.dtype:
        raise RuntimeError(
            "grid_sampler(): expected input and grid to have the same floating point dtype, "
            f"but input has {x.dtype} and grid has {grid.dtype}"
        )
    n, c = x.shape[:2]
    sizes = tuple(x.shape[2:])[::-1]  # W, H (, D): the order of the grid's coordinates
    out_sp = tuple(grid.shape[1:-1])
    length = math.prod(out_sp)
    xp = get_array_module(x._data)
    if mode == "bicubic":  # padding applies to each tap, not to the sampling point
        coords = [_unnormalize(grid[..., a], sizes[a], align) for a in range(k)]
    else:
        coords = [_source_coord(grid[..., a], sizes[a], padding_mode, align) for a in range(k)]
    flat = x.reshape(n, c, math.prod(sizes))

    def sample(*cs: Any) -> tuple[Tensor, Any]:
        """Values at integer points (x, y (, z) index arrays) as (N, C, *out) and the
        in-bounds mask (N, 1, *out)."""
        ok = None
        idx = 0
        for a in reversed(range(k)):  # row-major: z, y, x
            inside = (cs[a] >= 0) & (cs[a] <= sizes[a] - 1)
            ok = inside if ok is None else ok & inside
            idx = idx * sizes[a] + xp.clip(cs[a], 0, sizes[a] - 1)
        idx = xp.broadcast_to(idx.reshape(n, 1, length), (n, c, length))
        vals = Gather.apply(flat, index=xp.ascontiguousarray(idx), axis=2)
        return vals.reshape(n, c, *out_sp), ok[:, None]

    dt = x._data.dtype
    if mode == "nearest":
        vals, ok = sample(*(xp.rint(t._data).astype(xp.int64) for t in coords))
        out = vals * Tensor._wrap(ok.astype(dt))
        if grid.requires_grad:  # torch's grid gradient here is zeros, not missing
            none = Tensor._wrap(xp.zeros((n, *out_sp), dtype=bool))
            out = out + grid[..., 0].where(none, 0.0).unsqueeze(1)
        return out
    lows = [xp.floor(t._data) for t in coords]
    fracs = [t - Tensor._wrap(lo.astype(dt)) for t, lo in zip(coords, lows)]  # grid-differentiable
    if mode == "bicubic":
        return _bicubic_taps(
            sample, lows[0], lows[1], fracs[0], fracs[1], sizes[::-1], padding_mode, align
        )
    lows = [lo.astype(xp.int64) for lo in lows]
    out = None
    for corner in range(2**k):
        offs = [(corner >> a) & 1 for a in range(k)]
        weight = None
        for a in range(k):
            wa = fracs[a] if offs[a] else 1 - fracs[a]
            weight = wa if weight is None else weight * wa
        vals, ok = sample(*(lo + o for lo, o in zip(lows, offs)))
        term = vals * (weight.unsqueeze(1) * Tensor._wrap(ok.astype(dt)))
        out = term if out is None else out + term
    return out


def _bicubic_taps(sample, x0, y0, tx, ty, hw, padding_mode, align_corners) -> Tensor:
    """torch's bicubic grid sampling: a 4 x 4 neighbourhood of ``(x0, y0)`` weighted by the
    cubic convolution (A = -0.75) of the fractions ``tx``/``ty``; padding maps each tap."""
    h, w = hw
    xp = get_array_module(x0)
    dt = x0.dtype

    def weights(t: Tensor) -> list:
        a = -0.75
        near = lambda v: ((a + 2) * v - (a + 3)) * v * v + 1  # noqa: E731 - |v| <= 1
        far = lambda v: ((a * v - 5 * a) * v + 8 * a) * v - 4 * a  # noqa: E731 - 1 < |v| < 2
        return [far(t + 1), near(t), near(1 - t), far(2 - t)]

    def tap(c: Any, size: int) -> Any:
        if padding_mode == "zeros":
            return c
        return _pad_coord(Tensor._wrap(c.astype(dt)), size, padding_mode, align_corners)._data

    wx, wy = weights(tx), weights(ty)
    cols = [tap(x0 + (k - 1), w) for k in range(4)]
    rows = [tap(y0 + (k - 1), h) for k in range(4)]
    out = None
    for i in range(4):
        for j in range(4):
            # after padding the coordinates are whole numbers; torch truncates them
            cx = xp.trunc(cols[j]).astype(xp.int64)
            cy = xp.trunc(rows[i]).astype(xp.int64)
            vals, ok = sample(cx, cy)
            weight = (wx[j] * wy[i]).unsqueeze(1) * Tensor._wrap(ok.astype(dt))
            term = vals * weight
            out = term if out is None else out + term
    return out


def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """(N, C, *) -> the channels regrouped as (N, C/g, g, *) from (N, g, C/g, *) (ShuffleNet).

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.functional.channel_shuffle(torch.arange(6.0).reshape(1, 6, 1), 3).flatten()
        tensor([0., 2., 4., 1., 3., 5.])
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"channel_shuffle(): argument 'input' must be Tensor, not {type(input).__name__}"
        )
    if input.ndim <= 2:
        raise RuntimeError(
            "channel_shuffle expects input with > 2 dims, but got input with sizes "
            f"{list(input.shape)}"
        )
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"channel_shuffle(): argument 'groups' must be int, not {groups!r}")
    if groups <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{groups}"
        )
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups."
        )
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)
