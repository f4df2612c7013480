"""``nn.init``: in-place weight initialisers with torch's formulas (no gradient recorded).

fan_in = size(1) * receptive field, fan_out = size(0) * receptive field;
xavier: std = gain * sqrt(2 / (fan_in + fan_out)); kaiming: std = gain / sqrt(fan);
uniform variants use bound = sqrt(3) * std.

Example:
    >>> import nablagrad as torch
    >>> w = torch.empty(3, 5)
    >>> _ = torch.nn.init.xavier_uniform_(w)
    >>> bool((w.abs() <= (6 / 8) ** 0.5).all())
    True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

from ..autograd import no_grad
from ..backend import get_array_module, np
from ..random import _gen
from ..tensor import Tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for ``nonlinearity`` (relu: sqrt(2), tanh: 5/3, selu: 3/4 ...)."""
    linear = (
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "sigmoid",
    )
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"negative_slope {slope} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"Unsupported nonlinearity {nonlinearity!r}: use linear, sigmoid, tanh, "
        "relu, leaky_relu or selu"
    )


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 "
            f"dimensions (got shape {tuple(tensor.shape)})"
        )
    receptive = math.prod(tensor.shape[2:]) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with U(a, b)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with N(mean, std^2)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Any = None,
) -> Tensor:
    """N(mean, std^2) truncated to [a, b], by rejection sampling as torch.

    When [a, b] holds more than 30% of the normal's mass, values outside are redrawn from
    the normal; otherwise (a window in the tail, or a narrow one) candidates are drawn
    uniformly on [a, b] and accepted with probability ``exp(-z^2 / 2)`` relative to the
    density's peak on [a, b], which never stalls however far the window is from ``mean``.
    """

    def norm_cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    rng = _gen(generator)
    shape, dt = tuple(tensor.shape), tensor._data.dtype
    if norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std) > 0.3:
        # torch: normal_ draws, and the out-of-range ones replaced from fresh full-size draws
        lo, hi = dt.type(a), dt.type(b)
        vals = rng.torch_normal(shape, dt, mean, std)
        bad = (vals < lo) | (vals > hi)
        while bad.any():
            vals = np.where(bad, rng.torch_normal(shape, dt, mean, std), vals)
            bad = (vals < lo) | (vals > hi)
        return _assign(tensor, vals)
    # uniform candidates on [a, b], accepted where log(u) <= -z^2 / 2 - log_peak; every round
    # draws full-size candidates and uniforms, as torch
    log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2
    vals = rng.torch_uniform(shape, dt, a, b)
    pending = np.log(rng.torch_uniform(shape, dt)) > _log_accept(vals, mean, std, log_peak)
    while pending.any():
        cand = rng.torch_uniform(shape, dt, a, b)
        vals = np.where(pending, cand, vals)
        again = np.log(rng.torch_uniform(shape, dt)) > _log_accept(cand, mean, std, log_peak)
        pending = np.where(pending, again, pending)
    return _assign(tensor, vals)


def _log_accept(x: Any, mean: float, std: float, log_peak: float) -> Any:
    """``-0.5 ((x - mean) / std)^2 - log_peak`` in x's dtype, step by step as torch's."""
    t = x.dtype.type
    z = (x - t(mean)) / t(std)
    return (z * z) * t(-0.5) - t(log_peak)


def _assign(tensor: Tensor, values: Any) -> Tensor:
    with no_grad():
        xp = get_array_module(tensor._data)
        tensor._data[...] = xp.asarray(values, dtype=tensor._data.dtype)
        tensor._version += 1
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    xp = get_array_module(tensor._data)
    return _assign(tensor, xp.eye(*tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))  (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """U(-b, b), b = gain * sqrt(3 / fan)  (He et al., 2015); gain from ``nonlinearity``, a."""
    if 0 in tensor.shape:
        return tensor
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """N(0, std^2), std = gain / sqrt(fan)."""
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def lecun_normal_(tensor: Tensor, generator: Any = None) -> Tensor:
    """N(0, 1 / fan_in): the initialisation SELU networks need (Klambauer et al., 2017)."""
    return kaiming_normal_(tensor, mode="fan_in", nonlinearity="linear", generator=generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """A (semi-)orthogonal matrix from the QR of a Gaussian matrix, sign-fixed, times ``gain``."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:  # torch: a no-op
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _gen(generator).torch_normal((rows, cols), tensor._data.dtype)
    if rows < cols:
        flat = flat.T
    q, r = get_array_module(flat).linalg.qr(flat)
    q = q * get_array_module(r).sign(r.diagonal())
    if rows < cols:
        q = q.T
    return _assign(tensor, (gain * q).reshape(tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """The identity of a 3-, 4- or 5-d convolution weight: zeros, with 1 at the centre tap of
    ``w[g * out_per_group + d, d]`` for each of ``groups`` groups and d < min(out, in).

    Example:
        >>> import nablagrad as torch
        >>> w = torch.nn.init.dirac_(torch.empty(2, 2, 3))
        >>> w[:, :, 1]
        tensor([[1., 0.],
                [0., 1.]])
    """
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = sizes[0] // groups
    xp = get_array_module(tensor._data)
    values = xp.zeros(tuple(sizes), dtype=tensor._data.dtype)
    centre = tuple(n // 2 for n in sizes[2:])
    for g in range(groups):
        for d in range(min(per_group, sizes[1])):
            values[(g * per_group + d, d, *centre)] = 1
    return _assign(tensor, values)


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Any = None) -> Tensor:
    """N(0, std^2) entries with ``ceil(sparsity * rows)`` random zeros in every column of a 2-d
    tensor (Martens, 2010).

    Example:
        >>> import nablagrad as torch
        >>> w = torch.nn.init.sparse_(torch.empty(4, 3), sparsity=0.5)
        >>> (w == 0).sum(0).tolist()
        [2, 2, 2]
    """
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    rng = _gen(generator)
    values = rng.torch_normal((rows, cols), tensor._data.dtype, 0.0, std)
    for col in range(cols):
        values[rng.randperm(rows)[:num_zeros], col] = 0
    return _assign(tensor, values)


def _make_deprecate(meth: Callable[..., Tensor]) -> Callable[..., Tensor]:
    new_name = meth.__name__
    old_name = new_name[:-1]

    def deprecated_init(*args: Any, **kwargs: Any) -> Tensor:
        warnings.warn(
            f"`nn.init.{old_name}` is now deprecated in favor of `nn.init.{new_name}`.",
            FutureWarning,
            stacklevel=2,
        )
        return meth(*args, **kwargs)

    deprecated_init.__doc__ = f"{old_name}(...): deprecated alias of ``nn.init.{new_name}``."
    deprecated_init.__name__ = old_name
    return deprecated_init


# torch's deprecated names without the trailing underscore (each warns, then calls the new one)
uniform = _make_deprecate(uniform_)
normal = _make_deprecate(normal_)
constant = _make_deprecate(constant_)
eye = _make_deprecate(eye_)
dirac = _make_deprecate(dirac_)
xavier_uniform = _make_deprecate(xavier_uniform_)
xavier_normal = _make_deprecate(xavier_normal_)
kaiming_uniform = _make_deprecate(kaiming_uniform_)
kaiming_normal = _make_deprecate(kaiming_normal_)
orthogonal = _make_deprecate(orthogonal_)
sparse = _make_deprecate(sparse_)
