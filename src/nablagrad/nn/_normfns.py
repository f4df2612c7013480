"""Group, instance and local-response normalisation, ``normalize``, and the channel-wise and
alpha dropouts of ``torch.nn.functional`` (re-exported by ``nn.functional``).

All are composed of differentiable primitives (means, ``rsqrt``, ``pow``, slices), so second
derivatives need no extra code.

Example:
    >>> import nablagrad as torch
    >>> import nablagrad.nn.functional as F
    >>> F.normalize(torch.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import _validate
from ..autograd.function import torch_node
from ..backend import get_array_module, np
from ..ops.batchnorm import BatchNormFn
from ..ops.shape import pad
from ..random import _gen
from ..tensor import Tensor
from ._activations import inplace_apply


def _tensor(x: Any, name: str, arg: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")
    return x


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    shape = (1, -1) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


@torch_node("NativeGroupNormBackward0")
def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each group of C / num_groups channels of each sample over its channels and
    positions: y = (x - mean) / sqrt(var + eps) * weight + bias (biased variance).

    Example:
        >>> import nablagrad as torch
        >>> y = torch.nn.functional.group_norm(torch.randn(2, 4, 3), 2)
        >>> bool(y[0, :2].mean().abs() < 1e-5)
        True
    """
    x = _tensor(input, "group_norm")
    if x.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {x.ndim}")
    num_groups = _validate.as_int(num_groups, "num_groups", "group_norm")
    n, c = x.shape[0], x.shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(x.shape)} and num_groups={num_groups}"
        )
    size = [n * c // num_groups, num_groups, *x.shape[2:]]  # torch's _verify_batch_size
    if math.prod(size) // num_groups == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {size}"
        )
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and (p.ndim != 1 or p.shape[0] != c):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in "
                f"input, but got {name} of shape {list(p.shape)} and input of shape {list(x.shape)}"
            )
    if x._data.dtype.kind == "f" and x.numel():  # one fused batch norm over (1, N*G, -1)
        y = _normalize_rows(x.reshape(1, n * num_groups, -1), eps).reshape(tuple(x.shape))
        return _affine(y, weight, bias)
    g = x.reshape(n, num_groups, -1)
    mean = g.mean(-1, keepdim=True)
    centered = g - mean
    var = (centered * centered).mean(-1, keepdim=True)
    y = (centered * (var + eps).rsqrt()).reshape(tuple(x.shape))
    return _affine(y, weight, bias)


def _normalize_rows(x3: Tensor, eps: float, stats: dict | None = None) -> Tensor:
    """(x - mean) / sqrt(var + eps) per row of a (1, R, L) tensor: the fused training-mode
    batch-norm primitive with unit scale and zero shift (its second derivatives included)."""
    xp = get_array_module(x3._data)
    r, dt = x3.shape[1], x3._data.dtype
    ones = Tensor._wrap(xp.ones(r, dtype=dt))
    zeros = Tensor._wrap(xp.zeros(r, dtype=dt))
    return BatchNormFn.apply(x3, ones, zeros, eps=eps, stats={} if stats is None else stats)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its positions (dims 2...).

    With ``use_input_stats`` the per-instance statistics are used and, when given, the running
    statistics move by ``momentum`` towards their batch means (unbiased variances, as torch);
    otherwise the running statistics normalise.
    """
    x = _tensor(input, "instance_norm")
    if x.ndim < 2:
        raise ValueError(
            f"instance_norm: expected an input of shape (N, C, *), got shape {tuple(x.shape)}"
        )
    axes = tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    for name, r in (("running_mean", running_mean), ("running_var", running_var)):
        if r is not None and r.numel() != x.shape[1]:
            raise RuntimeError(
                f"instance_norm: {name} should contain {x.shape[1]} elements (one per channel) "
                f"not {r.numel()}"
            )
    if use_input_stats:
        spatial = 1
        for d in x.shape[2:]:
            spatial *= d
        if spatial <= 1:
            raise ValueError(
                f"Expected more than 1 spatial element when training, got input size "
                f"{list(x.shape)}"
            )
        n, c = x.shape[0], x.shape[1]
        if x._data.dtype.kind == "f":  # one fused batch norm over (1, N*C, -1)
            stats: dict = {}
            y = _normalize_rows(x.reshape(1, n * c, -1), eps, stats).reshape(tuple(x.shape))
            mean_a, var_a = stats["mean"].reshape(n, c), stats["var"].reshape(n, c)
        else:
            mean = x.mean(axes, keepdim=True)
            centered = x - mean
            var = (centered * centered).mean(axes, keepdim=True)
            y = centered * (var + eps).rsqrt()
            mean_a, var_a = mean._data.reshape(n, c), var._data.reshape(n, c)
        m = momentum
        if running_mean is not None:
            rm = running_mean._data
            rm *= 1 - m
            rm += m * mean_a.mean(0).astype(rm.dtype)
        if running_var is not None:
            rv = running_var._data
            rv *= 1 - m
            rv += m * (var_a * (spatial / (spatial - 1))).mean(0).astype(rv.dtype)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "Expected running_mean and running_var to be defined when use_input_stats is false"
            )
        y = (x - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    return _affine(y, weight, bias)


def rms_norm(
    input: Tensor,
    normalized_shape: Any,
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """y = x / sqrt(mean(x^2) + eps) * weight over the last len(normalized_shape) dims;
    ``eps=None`` is the machine epsilon of the input's dtype, as torch."""
    x = _tensor(input, "rms_norm")
    shape = (normalized_shape,) if _validate.is_int(normalized_shape) else tuple(normalized_shape)
    if tuple(x.shape[x.ndim - len(shape) :]) != shape or len(shape) > x.ndim:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size{list(x.shape)}"
        )
    if eps is None:
        eps = float(np.finfo(x._data.dtype).eps)
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    y = x * ((x * x).mean(axes, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """y_c = x_c / (k + alpha / size * sum_{c' near c} x_{c'}^2)^beta, the sum over a window of
    ``size`` channels (zero-padded) centred on c."""
    x = _tensor(input, "local_response_norm")
    if x.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {x.ndim} dimensions)")
    if x.numel() == 0:
        return x
    size = _validate.as_int(size, "size", "local_response_norm")
    if size < 1:
        raise ValueError(f"local_response_norm: size must be positive, got {size}")
    c = x.shape[1]
    sq = pad(x * x, (0, 0) * (x.ndim - 2) + (size // 2, (size - 1) // 2))
    total = sq[:, 0:c]
    for i in range(1, size):
        total = total + sq[:, i : i + c]
    div = (total * (alpha / size) + k) ** beta
    return x / div


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None
) -> Tensor:
    """x / max(||x||_p, eps) along ``dim``."""
    x = _tensor(input, "normalize")
    denom = x.norm(p, dim, keepdim=True).clamp_min(eps)
    result = x / denom
    if out is not None:
        out.copy_(result)
        return out
    return result


# -- dropout -----------------------------------------------------------------------------------


def _check_p(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_dropout(x: Tensor, p: float, training: bool) -> Tensor:
    """Zero whole channels (x[n, c, ...]) with probability p, scale the rest by 1 / (1 - p)."""
    if not training or p == 0.0 or x.numel() == 0:
        return x
    if p == 1.0:
        return x * 0.0
    shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
    xp = get_array_module(x._data)
    keep = xp.asarray(_gen(None).torch_bernoulli(1.0 - p, shape), dtype=x._data.dtype)
    return x * Tensor._wrap(keep / x._data.dtype.type(1.0 - p))


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Channel-wise dropout of (N, C, L) or (C, L) input: each channel is zeroed with
    probability p, survivors are scaled by 1 / (1 - p)."""
    x = _tensor(input, "dropout1d")
    _check_p(p)
    if x.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {x.ndim}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    if not training or p == 0.0:
        return x
    if inplace:
        return inplace_apply(x, lambda t: dropout1d(t, p, training))
    if x.ndim == 2:
        return _feature_dropout(x.unsqueeze(0), p, training).squeeze(0)
    return _feature_dropout(x, p, training)


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Channel-wise dropout of (N, C, H, W) input (3-D input is read as (N, C, L), as torch)."""
    x = _tensor(input, "dropout2d")
    _check_p(p)
    if x.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {x.ndim}-D input to dropout2d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and "
            "an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if x.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    if x.ndim < 2:
        raise RuntimeError(
            f"dropout2d: Feature dropout requires at least 2 dimensions in the input, got {x.ndim}"
        )
    if inplace and training and p > 0.0:
        return inplace_apply(x, lambda t: _feature_dropout(t, p, training))
    return _feature_dropout(x, p, training)


def dropout3d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Channel-wise dropout of (N, C, D, H, W) or (C, D, H, W) input."""
    x = _tensor(input, "dropout3d")
    _check_p(p)
    if x.ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {x.ndim}-D input to dropout3d, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            "warning, please use dropout instead. Note that dropout3d exists to provide "
            "channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, and "
            "an optional batch dimension (i.e. 4D or 5D inputs).",
            stacklevel=2,
        )
    if not training or p == 0.0:
        return x
    if inplace:
        return inplace_apply(x, lambda t: dropout3d(t, p, training))
    if x.ndim != 5:
        return _feature_dropout(x.unsqueeze(0), p, training).squeeze(0)
    return _feature_dropout(x, p, training)


_ALPHA = 1.7580993408473766  # SELU's scale * alpha: the value SELU saturates to is -_ALPHA


def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Dropout for SELU networks: dropped elements are set to SELU's saturation value -alpha',
    then y = a x' + b with a = ((1 - p)(1 + p alpha'^2))^(-1/2), b = a alpha' p, which keeps
    zero mean and unit variance."""
    x = _tensor(input, "alpha_dropout")
    _check_p(p)
    if p == 0.0 or not training or x.numel() == 0:
        return x
    if inplace:
        return inplace_apply(x, lambda t: alpha_dropout(t, p, training))
    if p == 1.0:
        return x * 0.0
    return _alpha_mask(x, p, tuple(x.shape))


def _alpha_mask(x: Tensor, p: float, shape: tuple) -> Tensor:
    """x a + b with a Bernoulli(1 - p) keep mask of ``shape`` (broadcast over x): kept
    elements scaled, dropped ones set to -alpha' a + b, as torch's alpha dropout."""
    xp = get_array_module(x._data)
    dt = x._data.dtype
    keep = xp.asarray(_gen(None).torch_bernoulli(1.0 - p, tuple(shape)), dtype=dt)
    a = 1.0 / ((_ALPHA * _ALPHA * p + 1) * (1 - p)) ** 0.5
    b = (keep - 1) * (_ALPHA * a) + _ALPHA * a * p
    return x * Tensor._wrap((keep * a).astype(dt)) + Tensor._wrap(b.astype(dt))


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    """Alpha dropout of whole channels: x[n, c, ...] all kept (scaled) or all set to the
    dropped value together."""
    x = _tensor(input, "feature_alpha_dropout")
    _check_p(p)
    if p == 0.0 or not training or x.numel() == 0:
        return x
    if x.ndim < 2:
        raise RuntimeError(
            "Feature dropout requires at least 2 dimensions in the input, got "
            f"{x.ndim}-D input of shape {list(x.shape)}"
        )
    if inplace:
        return inplace_apply(x, lambda t: feature_alpha_dropout(t, p, training))
    if p == 1.0:
        return x * 0.0
    return _alpha_mask(x, p, tuple(x.shape[:2]) + (1,) * (x.ndim - 2))
