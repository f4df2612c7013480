"""``nablagrad.nn.functional``: the stateless forms of layers, activations and losses.

Each function mirrors ``torch.nn.functional`` (names, arguments, defaults).  The math lives in
primitives (``nn._primitives``, ``ops.conv``); these wrappers check arguments and shapes and
give errors that name the problem.  Losses are in ``nn._losses`` and re-exported here.

Example:
    >>> import nablagrad as torch
    >>> import nablagrad.nn.functional as F
    >>> F.softmax(torch.tensor([1e4, 0.0]), dim=0)
    tensor([1., 0.])
"""

from __future__ import annotations

from typing import Any

from .. import _validate
from ..autograd.function import check_same_device, torch_node
from ..backend import get_array_module, np
from ..ops import conv as _conv
from ..ops import fused as P
from ..ops.batchnorm import BatchNormFn
from ..ops.elementwise import sigmoid, tanh
from ..ops.fused import log_softmax, softmax
from ..ops.shape import pad, stack
from ..random import _gen
from ..tensor import Tensor
from . import _pooling
from ._activations import (  # noqa: F401 - re-exported
    celu,
    celu_,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    inplace_apply,
    logsigmoid,
    prelu,
    relu,
    rrelu,
    rrelu_,
    softmin,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
    threshold_,
)
from ._conv3d import conv3d, conv_transpose3d  # noqa: F401 - re-exported
from ._distance import bilinear, cosine_similarity, pairwise_distance, pdist  # noqa: F401
from ._losses import (  # noqa: F401 - re-exported
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from ._losses_extra import (  # noqa: F401 - re-exported
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from ._normfns import (  # noqa: F401 - re-exported
    alpha_dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
    group_norm,
    instance_norm,
    local_response_norm,
    normalize,
    rms_norm,
)
from ._pool3d import (  # noqa: F401 - re-exported
    adaptive_avg_pool3d,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
    avg_pool3d,
    lp_pool3d,
    max_pool3d,
    max_pool3d_with_indices,
    max_unpool3d,
)
from ._pooling import (  # noqa: F401 - re-exported
    adaptive_avg_pool1d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    avg_pool1d,
    fractional_max_pool2d,
    fractional_max_pool2d_with_indices,
    fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
    lp_pool1d,
    lp_pool2d,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d_with_indices,
    max_unpool1d,
    max_unpool2d,
)

__all__ = [
    "gumbel_softmax",
    "channel_shuffle",
    "native_channel_shuffle",
    "conv_tbc",  # noqa: F822 - provided by the module __getattr__ below
    "linear_cross_entropy",  # noqa: F822 - provided by the module __getattr__ below
    "ctc_loss",
    "relu",
    "sigmoid",
    "tanh",
    "pad",
    "softmax",
    "log_softmax",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "softplus",
    "mish",
    "hardtanh",
    "relu6",
    "linear",
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "max_pool2d",
    "avg_pool2d",
    "adaptive_avg_pool2d",
    "dropout",
    "batch_norm",
    "layer_norm",
    "embedding",
    "one_hot",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
    # more activations, normalisation, distances, pooling, dropout and losses
    "celu", "glu", "hardshrink", "hardsigmoid", "hardswish", "logsigmoid", "prelu", "rrelu",
    "softmin", "softshrink", "softsign", "tanhshrink", "threshold",
    "max_unpool1d", "max_unpool2d", "dropout3d",
    "rms_norm", "feature_alpha_dropout", "multilabel_margin_loss",
    "triplet_margin_with_distance_loss", "max_pool1d_with_indices", "max_pool2d_with_indices",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
    "fractional_max_pool2d", "fractional_max_pool2d_with_indices",
    "fractional_max_pool3d", "fractional_max_pool3d_with_indices",
    "relu_", "elu_", "selu_", "leaky_relu_", "hardtanh_", "celu_", "rrelu_", "threshold_",
    "bilinear", "cosine_similarity", "pairwise_distance", "pdist",
    "alpha_dropout", "dropout1d", "dropout2d",
    "group_norm", "instance_norm", "local_response_norm", "normalize",
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d", "avg_pool1d",
    "lp_pool1d", "lp_pool2d", "max_pool1d",
    "cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss", "margin_ranking_loss",
    "multi_margin_loss", "multilabel_soft_margin_loss", "poisson_nll_loss", "soft_margin_loss",
    "triplet_margin_loss",
    "scaled_dot_product_attention",
    "multi_head_attention_forward",
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
    "embedding_bag",
    # 3-D convolution and pooling
    "conv3d", "conv_transpose3d", "max_pool3d", "max_pool3d_with_indices", "avg_pool3d",
    "adaptive_avg_pool3d", "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices",
    "lp_pool3d", "max_unpool3d",
]  # fmt: skip

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _dim(dim: int | None, ndim: int, name: str) -> int:
    if dim is None:  # torch's legacy implicit choice
        dim = 0 if ndim in (0, 1, 3) else 1
    return _validate.dim(dim, ndim, fn=name)


_float = P._float_input  # TypeError for a non-tensor; torch's NotImplementedError for an int one


# -- activations ------------------------------------------------------------------------------


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x if x > 0 else negative_slope * x."""
    if inplace:
        return inplace_apply(input, lambda t: leaky_relu(t, negative_slope))
    return P.LeakyRelu.apply(_float(input, "leaky_relu"), slope=negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x if x > 0 else alpha * (exp(x) - 1)."""
    if inplace:
        return inplace_apply(input, lambda t: elu(t, alpha))
    return P.Elu.apply(_float(input, "elu"), alpha=alpha, scale=1.0)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants alpha=1.6733, scale=1.0507."""
    if inplace:
        return inplace_apply(input, selu)
    return P.Elu.apply(_float(input, "selu"), alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (``approximate="none"``) or its tanh approximation (``"tanh"``)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(
            f"approximate argument must be either none or tanh (gelu got {approximate!r})."
        )
    return P.Gelu.apply(_float(input, "gelu"), approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (Swish)."""
    if inplace:
        return inplace_apply(input, silu)
    return P.Silu.apply(_float(input, "silu"))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, and x where beta x > threshold."""
    return P.Softplus.apply(_float(input, "softplus"), beta=beta, threshold=threshold)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    if inplace:
        return inplace_apply(input, mish)
    return P.Mish.apply(_float(input, "mish"))


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """clip(x, min_val, max_val)."""
    if min_val > max_val:
        raise ValueError(
            f"min_val cannot be greater than max_val (hardtanh got {min_val} > {max_val})"
        )
    if isinstance(input, Tensor) and input._data.dtype.kind in "iu":
        # torch clamps an integer tensor to the bounds truncated to integers, keeping its dtype
        if input._data.dtype.kind == "u" and (min_val < 0 or max_val < 0):
            raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
        lo, hi = int(min_val), int(max_val)
        return input.clamp_(lo, hi) if inplace else input.clamp(lo, hi)
    if isinstance(input, Tensor) and input._data.dtype.kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if inplace:
        return inplace_apply(input, lambda t: hardtanh(t, min_val, max_val))
    return P.Hardtanh.apply(_float(input, "hardtanh"), lo=min_val, hi=max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def relu_(input: Tensor) -> Tensor:
    """In-place ``relu``."""
    return input.relu_()


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``elu``."""
    return elu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    """In-place ``selu``."""
    return selu(input, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, inplace=True)


# -- linear, conv, pooling ----------------------------------------------------------------------


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b, x of shape (..., in_features), W of shape (out_features, in_features)."""
    xs, ws = input._data.shape, weight._data.shape
    if not xs or xs[-1] != ws[-1]:
        raise RuntimeError(
            f"linear: input of shape {tuple(input.shape)} does not match weight of shape "
            f"{tuple(weight.shape)}: expected last dim {weight.shape[-1]}"
        )
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"linear: input dtype {input.dtype} differs from weight dtype {weight.dtype}: "
            "convert the input (x.float()) or the model (model.double())"
        )
    if weight.ndim == 1:  # torch: x @ w, the last dim contracted away (LinearFn wants 2-D W)
        out = input.matmul(weight)
        return out if bias is None else out + bias
    if bias is None:
        return P.LinearFn.apply(input, weight)
    return P.LinearFn.apply(input, weight, bias)


_INT_MAX = 2**31 - 1  # torch stores kernel sizes, strides and paddings as C ints


def _pair(v: Any, name: str, fn: str = "conv2d", low: int | None = None) -> tuple[int, int]:
    """An int or a pair of ints (a 1-tuple counts for both), each in ``[low, 2**31 - 1]``."""
    if isinstance(v, (tuple, list)) and len(v) == 1:
        v = (v[0], v[0])
    return _validate.ntuple(v, 2, name, fn, low=low, high=_INT_MAX)


def _pool_params(
    name: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any = 1
) -> tuple:
    """Checked kernel, stride, padding and dilation of a 2-D pooling, with torch's rules: all
    positive (padding >= 0 and at most half the effective kernel), and at least one output."""
    k = _pair(kernel_size, "kernel_size", name, low=1)
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not len(stride)) else None
    if s is None:
        s = _pair(stride, "stride", name, low=1)
    p = _pair(padding, "padding", name, low=0)
    d = _pair(dilation, "dilation", name, low=1)
    for ax in (0, 1):
        eff = d[ax] * (k[ax] - 1) + 1
        if p[ax] > eff // 2:
            raise RuntimeError(
                f"{name}: pad should be at most half of effective kernel size, but got "
                f"pad={p[ax]}, kernel_size={k[ax]} and dilation={d[ax]}"
            )
    c, h, w = x.shape[1:]
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    if oh < 1 or ow < 1:
        raise RuntimeError(
            f"{name}: Given input size: ({c}x{h}x{w}). Calculated output size: "
            f"({c}x{max(oh, 0)}x{max(ow, 0)}). Output size is too small: use a kernel no larger "
            "than the (padded) input"
        )
    _validate.allocation((x.shape[0], c, h + 2 * p[0], w + 2 * p[1]), x._data.itemsize, name)
    return k, s, p, d


def _conv_padding(padding: Any, kernel: tuple, dilation: tuple, stride: tuple) -> tuple:
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding != "same":
            raise ValueError(f"padding must be 'valid', 'same' or ints, got {padding!r}")
        if stride != (1, 1):
            raise ValueError(
                "padding='same' is not supported for strided convolutions: use "
                "stride=1 or explicit padding"
            )
        out = []
        for k, d in zip(kernel, dilation):
            total = d * (k - 1)
            out.append((total // 2, total - total // 2))
        return tuple(out)
    ph, pw = _pair(padding, "padding")
    return ((ph, ph), (pw, pw))


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation over (N, C, H, W) (or unbatched (C, H, W)) input; see ops.conv."""
    if weight.ndim != 4:
        raise RuntimeError(
            f"conv2d: weight must be 4-D (out, in/groups, kH, kW), got {tuple(weight.shape)}"
        )
    if input.ndim == 3:
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(
            0
        )
    if input.ndim != 4:
        raise RuntimeError(
            f"conv2d: expected 3-D or 4-D input (N, C, H, W), got shape {tuple(input.shape)}"
        )
    o, cg = weight.shape[0], weight.shape[1]
    if input.shape[1] != cg * groups:
        raise RuntimeError(
            f"conv2d: input of shape {tuple(input.shape)} has {input.shape[1]} channels, expected "
            f"{cg * groups} (weight {tuple(weight.shape)}, groups={groups})"
        )
    if o % groups:
        raise ValueError(f"conv2d: out_channels {o} must be divisible by groups {groups}")
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"conv2d: input dtype {input.dtype} differs from weight dtype "
            f"{weight.dtype}: convert the input (x.float())"
        )
    groups = _validate.as_int(groups, "groups", "conv2d")
    stride_ = _pair(stride, "stride", "conv2d", low=1)
    dil = _pair(dilation, "dilation", "conv2d", low=1)
    if not isinstance(padding, str):
        _pair(padding, "padding", "conv2d", low=0)
    kernel = tuple(weight.shape[2:])
    if min(kernel) < 1:
        raise RuntimeError(
            f"conv2d: kernel size should be greater than zero, but got kernel_height: "
            f"{kernel[0]} kernel_width: {kernel[1]}"
        )
    pad_ = _conv_padding(padding, kernel, dil, stride_)
    for ax in (0, 1):
        size = input.shape[2 + ax] + sum(pad_[ax])
        if size < dil[ax] * (kernel[ax] - 1) + 1:
            raise RuntimeError(
                f"conv2d: input of shape {tuple(input.shape)} (padded size {size}) is smaller "
                f"than the kernel {kernel} with dilation {dil}"
            )
    kw = dict(stride=stride_, padding=pad_, dilation=dil, groups=groups)
    if input.shape[0] == 0 or o == 0:  # an empty batch: an empty result (torch's shape)
        oh = (input.shape[2] + sum(pad_[0]) - dil[0] * (kernel[0] - 1) - 1) // stride_[0] + 1
        ow = (input.shape[3] + sum(pad_[1]) - dil[1] * (kernel[1] - 1) - 1) // stride_[1] + 1
        zero = (
            (input.sum() + weight.sum()) * 0
            if bias is None
            else ((input.sum() + weight.sum() + bias.sum()) * 0)
        )
        return zero.expand(input.shape[0], o, oh, ow)
    if bias is None:
        return _conv.Conv2dFn.apply(input, weight, **kw)
    return _conv.Conv2dFn.apply(input, weight, bias, **kw)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation over (N, C, L) (or (C, L)) input, run as a conv2d of height 1."""
    if input.ndim == 2:
        return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(
            0
        )
    if input.ndim != 3 or weight.ndim != 3:
        raise RuntimeError(
            f"conv1d: expected input (N, C, L) and weight (out, in, k), got "
            f"{tuple(input.shape)} and {tuple(weight.shape)}"
        )
    s = stride if isinstance(stride, int) else stride[0]
    d = dilation if isinstance(dilation, int) else dilation[0]
    p = padding if isinstance(padding, (int, str)) else padding[0]
    p2 = p if isinstance(p, str) else (0, p)
    out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, (1, s), p2, (1, d), groups)
    return out.squeeze(2)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """Transposed 2-D convolution: the gradient of ``conv2d`` with respect to its input.

    ``weight`` is (in, out/groups, kH, kW).  Each input pixel scatters ``x[n, c, i, j] *
    W[c, o]`` onto the output window at ``(i*stride, j*stride)``; the output has
    ``(H - 1)*stride - 2*padding + dilation*(kH - 1) + output_padding + 1`` rows.

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.functional.conv_transpose2d(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 2, 2),
        ...                                      stride=2).shape
        nablagrad.Size([1, 1, 4, 4])
    """
    name = "conv_transpose2d"
    if weight.ndim != 4:
        raise RuntimeError(
            f"{name}: weight must be 4-D (in, out/groups, kH, kW), got {tuple(weight.shape)}"
        )
    if input.ndim == 3:
        out = conv_transpose2d(
            input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups, dilation
        )
        return out.squeeze(0)
    if input.ndim != 4:
        raise RuntimeError(
            f"{name}: expected 3-D or 4-D input (N, C, H, W), got shape {tuple(input.shape)}"
        )
    groups = _validate.as_int(groups, "groups", name)
    cin = weight.shape[0]
    if groups <= 0 or cin % groups:
        raise ValueError(f"{name}: in_channels {cin} must be divisible by groups {groups}")
    if input.shape[1] != cin:
        raise RuntimeError(
            f"{name}: input of shape {tuple(input.shape)} has {input.shape[1]} channels, expected "
            f"{cin} (weight {tuple(weight.shape)} is (in, out/groups, kH, kW))"
        )
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"{name}: input dtype {input.dtype} differs from weight dtype {weight.dtype}: "
            "convert the input (x.float())"
        )
    s = _pair(stride, "stride", name, low=1)
    p = _pair(padding, "padding", name, low=0)
    op = _pair(output_padding, "output_padding", name, low=0)
    d = _pair(dilation, "dilation", name, low=1)
    if any(op[a] >= s[a] and op[a] >= d[a] for a in (0, 1)):
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            f"output_padding_height: {op[0]} output_padding_width: {op[1]} stride_height: "
            f"{s[0]} stride_width: {s[1]} dilation_height: {d[0]} dilation_width: {d[1]}"
        )
    kernel = tuple(weight.shape[2:])
    full = tuple((input.shape[2 + a] - 1) * s[a] + d[a] * (kernel[a] - 1) + 1 for a in (0, 1))
    size = tuple(full[a] - 2 * p[a] + op[a] for a in (0, 1))
    if min(size) < 1:
        raise RuntimeError(
            f"{name}: Given input size per channel: {tuple(input.shape[2:])}. Calculated output "
            f"size per channel: {size}. Output size is too small: lower the padding"
        )
    n, cout = input.shape[0], weight.shape[1] * groups
    if all(p[a] >= op[a] for a in (0, 1)):  # crop the padding (less the output padding)
        crop = ((p[0], p[0] - op[0]), (p[1], p[1] - op[1]))
        out = _conv.Conv2dInputGrad.apply(
            input, weight, pshape=(n, cout, *full), prm=(s, crop, d, groups)
        )
    else:  # output padding beyond the padding: zeros added at the bottom and right
        out = _conv.Conv2dInputGrad.apply(
            input, weight, pshape=(n, cout, *full), prm=(s, ((0, 0), (0, 0)), d, groups)
        )
        out = pad(out, (0, op[1], 0, op[0]))[:, :, p[0] : p[0] + size[0], p[1] : p[1] + size[1]]
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """Transposed 1-D convolution over (N, C, L) input, run as a 2-D one of height 1."""
    if input.ndim == 2:
        out = conv_transpose1d(
            input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups, dilation
        )
        return out.squeeze(0)
    if input.ndim != 3 or weight.ndim != 3:
        raise RuntimeError(
            f"conv_transpose1d: expected input (N, C, L) and weight (in, out/groups, k), got "
            f"{tuple(input.shape)} and {tuple(weight.shape)}"
        )

    def one(v: Any, name: str) -> int:
        return _validate.ntuple(v, 1, name, "conv_transpose1d")[0]

    out = conv_transpose2d(
        input.unsqueeze(2),
        weight.unsqueeze(2),
        bias,
        (1, one(stride, "stride")),
        (0, one(padding, "padding")),
        (0, one(output_padding, "output_padding")),
        groups,
        (1, one(dilation, "dilation")),
    )
    return out.squeeze(2)


def _pool_check(input: Tensor, name: str) -> tuple[Tensor, bool]:
    if input.ndim == 3:
        return input.unsqueeze(0), True
    if input.ndim != 4:
        raise RuntimeError(
            f"{name}: expected 3-D or 4-D input (N, C, H, W), got shape {tuple(input.shape)}"
        )
    return input, False


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor:
    """Maximum over each kernel window (padding counts as -inf)."""
    x, unb = _pool_check(input, "max_pool2d")
    if ceil_mode or return_indices:  # windows gathered (nn._pooling)
        out = _pooling.pool2d_windows(
            x, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode, "max",
            return_indices=return_indices,
        )  # fmt: skip
        if not unb:
            return out
        return tuple(o.squeeze(0) for o in out) if return_indices else out.squeeze(0)
    k, s, p, d = _pool_params("max_pool2d", x, kernel_size, stride, padding, dilation)
    out = _conv.MaxPool2dFn.apply(x, kernel=k, stride=s, padding=p, dilation=d)
    return out.squeeze(0) if unb else out


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over each kernel window; zero padding counts in the divisor (torch's default)."""
    x, unb = _pool_check(input, "avg_pool2d")
    if ceil_mode or not count_include_pad:  # windows gathered (nn._pooling)
        if divisor_override is not None and divisor_override == 0:
            raise RuntimeError("avg_pool2d: divisor must be not zero")
        out = _pooling.pool2d_windows(
            x, "avg_pool2d", kernel_size, stride, padding, 1, ceil_mode, "avg",
            count_include_pad=count_include_pad, divisor_override=divisor_override,
        )  # fmt: skip
        return out.squeeze(0) if unb else out
    k, s, p, _ = _pool_params("avg_pool2d", x, kernel_size, stride, padding)
    if divisor_override is not None:
        _validate.as_int(divisor_override, "divisor_override", "avg_pool2d")
        if divisor_override == 0:
            raise RuntimeError("avg_pool2d: divisor must be not zero")
    out = _conv.AvgPool2dFn.apply(x, kernel=k, stride=s, padding=p, divisor=divisor_override)
    return out.squeeze(0) if unb else out


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average over the windows [floor(i H / oh), ceil((i+1) H / oh)) that tile the input."""
    x, unb = _pool_check(input, "adaptive_avg_pool2d")
    h, w = x.shape[2], x.shape[3]
    if isinstance(output_size, (tuple, list)) and len(output_size) == 2:
        oh, ow = (size if v is None else v for v, size in zip(output_size, (h, w)))
    else:
        oh = ow = output_size
    oh = _validate.as_int(oh, "output_size", "adaptive_avg_pool2d")
    ow = _validate.as_int(ow, "output_size", "adaptive_avg_pool2d")
    if oh < 0 or ow < 0:
        raise RuntimeError(
            "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but "
            f"received {{{oh}, {ow}}}"
        )
    if h == 0 or w == 0:
        raise RuntimeError(
            f"adaptive_avg_pool2d: expected input with non-zero spatial size, got shape "
            f"{tuple(input.shape)}"
        )
    if oh == 0 or ow == 0:  # an empty result, still connected to the input
        out = x.mean((2, 3), keepdim=True).expand(x.shape[0], x.shape[1], oh, ow)
        return out.squeeze(0) if unb else out
    if h % oh == 0 and w % ow == 0:
        n, c = x.shape[:2]
        out = x.reshape(n, c, oh, h // oh, ow, w // ow).mean((3, 5))
    else:
        rows = []
        for i in range(oh):
            h0, h1 = (i * h) // oh, -((-(i + 1) * h) // oh)
            cells = []
            for j in range(ow):
                w0, w1 = (j * w) // ow, -((-(j + 1) * w) // ow)
                cells.append(x[:, :, h0:h1, w0:w1].mean((2, 3)))
            rows.append(stack(cells, -1))
        out = stack(rows, -2)
    return out.squeeze(0) if unb else out


# -- regularisation and normalisation ----------------------------------------------------------


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Inverted dropout: zero each element with probability p, scale survivors by 1/(1-p)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if inplace:
        return inplace_apply(input, lambda t: dropout(t, p, training))
    if p == 1.0:
        return input * 0.0
    keep = _gen(None).torch_bernoulli(1.0 - p, tuple(input.shape))  # torch's bernoulli_(1 - p)
    xp = get_array_module(input._data)
    dt = input._data.dtype
    mask = xp.asarray(keep, dtype=dt) / dt.type(1.0 - p)  # noise.div_(1 - p), as torch
    return input * Tensor._wrap(mask)


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """y = (x - mean) / sqrt(var + eps) * weight + bias over all dims but the channel dim 1.

    In training the batch statistics are used (biased variance) and the running statistics
    move by ``momentum`` (running_var takes the unbiased variance), as torch.
    """
    c = input.shape[1]
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, c) + (1,) * (input.ndim - 2)
    # as torch (the running statistics are updated in place, so they are checked here)
    check_same_device("batch_norm", input, running_mean, running_var, weight, bias)
    if training:
        if not eps > 0:
            raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
        n = input.numel() // c
        if n <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input "
                f"size {tuple(input.shape)}"
            )
        if input._data.dtype.kind == "f" and _fused_bn_ok(input, weight, bias):
            return _batch_norm_fused(input, running_mean, running_var, weight, bias, momentum, eps)
        mean = input.mean(axes, keepdim=True)
        centered = input - mean
        var = (centered * centered).mean(axes, keepdim=True)
        if running_mean is not None:
            m = momentum
            rm, rv = running_mean._data, running_var._data
            rm *= 1 - m
            rm += m * mean._data.reshape(c).astype(rm.dtype)
            rv *= 1 - m
            rv += m * var._data.reshape(c).astype(rv.dtype) * (n / (n - 1))
        y = centered * (var + eps).rsqrt()
    else:
        if running_mean is None:
            raise RuntimeError("batch_norm: running statistics are required in eval mode")
        rv = running_var._data
        inv = Tensor._wrap((1.0 / get_array_module(rv).sqrt(rv + eps)).astype(input._data.dtype))
        y = (input - running_mean.reshape(shape)) * inv.reshape(shape)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def _fused_bn_ok(input: Tensor, weight: Tensor | None, bias: Tensor | None) -> bool:
    """The fused training-mode primitive takes float input and parameters of its dtype."""
    dt = input._data.dtype
    return all(p is None or p._data.dtype == dt for p in (weight, bias))


def _batch_norm_fused(input, running_mean, running_var, weight, bias, momentum, eps) -> Tensor:
    """Training-mode batch_norm through ``ops.batchnorm.BatchNormFn`` (one primitive)."""
    c = input.shape[1]
    xp = get_array_module(input._data)
    dt = input._data.dtype
    w = weight if weight is not None else Tensor._wrap(xp.ones(c, dtype=dt))
    b = bias if bias is not None else Tensor._wrap(xp.zeros(c, dtype=dt))
    stats: dict = {}
    y = BatchNormFn.apply(input, w, b, eps=eps, stats=stats)
    if running_mean is not None:
        n = input.numel() // c
        m = momentum
        rm, rv = running_mean._data, running_var._data
        rm *= 1 - m
        rm += m * stats["mean"].astype(rm.dtype)
        rv *= 1 - m
        rv += m * stats["var"].astype(rv.dtype) * (n / (n - 1))
    return y


@torch_node("NativeLayerNormBackward0")
def layer_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the last len(normalized_shape) dims."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape) :]) != shape:
        raise RuntimeError(
            f"layer_norm: input of shape {tuple(input.shape)} does not end with "
            f"normalized_shape {shape}"
        )
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    mean = input.mean(axes, keepdim=True)
    centered = input - mean
    var = (centered * centered).mean(axes, keepdim=True)
    y = centered * (var + eps).rsqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` at the integer indices ``input``; the padding row gets no gradient.

    With ``max_norm`` the rows looked up whose ``norm_type``-norm exceeds it are first scaled
    down to it in place (torch's embedding_renorm_); ``scale_grad_by_freq`` divides each row's
    gradient by the number of times its index occurs in ``input``.
    """
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported in nablagrad")
    if input._data.dtype.kind not in "iu":
        raise TypeError(
            f"embedding: indices must be an integer tensor, got {input.dtype}: call .long()"
        )
    check_same_device("embedding", input, weight)  # as torch (CuPy would take host indices)
    idx = input._data
    num = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num):
        raise IndexError(
            f"embedding: index out of range: indices must be in [0, {num}), got "
            f"min {int(idx.min())}, max {int(idx.max())}"
        )
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    if max_norm is not None:
        _renorm_(weight, idx, float(max_norm), float(norm_type))
    return P.EmbeddingFn.apply(
        weight, idx=idx, padding_idx=padding_idx, scale_grad_by_freq=bool(scale_grad_by_freq)
    )


def one_hot(input: Tensor, num_classes: int = -1) -> Tensor:  # noqa: A002 (torch's name)
    """int64 one-hot encoding with a new last dim of size num_classes."""
    tensor = input
    idx = tensor._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(
            f"one_hot is only applicable to index tensor of type LongTensor, got {tensor.dtype}: "
            "call .long() on the class indices"
        )
    num_classes = _validate.as_int(num_classes, "num_classes", "one_hot")
    if num_classes < -1:
        raise RuntimeError(f"one_hot(): num_classes must be -1 (infer) or >= 0, got {num_classes}")
    if idx.size == 0 and num_classes < 0:
        raise RuntimeError("one_hot(): can not infer total number of classes from empty tensor")
    if idx.size and int(idx.min()) < 0:
        raise RuntimeError(f"one_hot(): Class values must be non-negative, got {int(idx.min())}")
    n = int(idx.max()) + 1 if num_classes < 0 else num_classes
    if idx.size and int(idx.max()) >= n:
        raise RuntimeError(
            f"one_hot(): Class values must be smaller than num_classes: got class "
            f"{int(idx.max())} with num_classes={n}"
        )
    _validate.allocation((*idx.shape, n), 8, "one_hot")
    xp = get_array_module(idx)
    return Tensor._wrap((idx[..., None] == xp.arange(n)).astype(np.int64))


# Attention (nn/_attention.py); imported last: it reaches dropout through this module.
from ._activations import gumbel_softmax  # noqa: E402
from ._attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: E402
from ._ctc import ctc_loss  # noqa: E402
from ._sampling import (  # noqa: E402
    affine_grid,
    channel_shuffle,  # noqa: E402
    fold,
    grid_sample,
    interpolate,
    pixel_shuffle,
    pixel_unshuffle,
    unfold,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from .embedding_bag import _renorm_, embedding_bag  # noqa: E402

native_channel_shuffle = channel_shuffle  # torch.nn.functional re-exports torch's ATen form


def __getattr__(name: str) -> Any:
    """``conv_tbc`` is torch's top-level function (``nablagrad.conv_tbc``), which
    ``torch.nn.functional`` re-exports, ``linear_cross_entropy`` and ``grad`` (the ``nn.grad``
    module); looked up on first use (their modules import this one)."""
    if name == "conv_tbc":
        from ._toplevel import conv_tbc

        return conv_tbc
    if name == "linear_cross_entropy":
        from .linear_cross_entropy import linear_cross_entropy

        return linear_cross_entropy
    if name == "grad":  # torch.nn.functional.grad is the torch.nn.grad module
        from . import grad

        return grad
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "conv_tbc", "linear_cross_entropy"})
