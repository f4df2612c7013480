"""More activations of ``torch.nn.functional`` (re-exported by ``nn.functional``).

Each one is composed of differentiable primitives (``where``, ``Hardtanh``, ``Elu``,
``Softplus``, ``sigmoid``, ``tanh``), so first and second derivatives come from those
primitives' formulas.

Example:
    >>> import nablagrad as torch
    >>> import nablagrad.nn.functional as F
    >>> F.hardswish(torch.tensor([-4.0, 0.0, 1.0, 4.0]))
    tensor([-0.0000,  0.0000,  0.6667,  4.0000])
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import _validate
from ..autograd.function import torch_node
from ..backend import get_array_module, np, to_device, to_host
from ..backend import get_default_dtype as _get_default_dtype
from ..ops import fused as P
from ..ops.elementwise import relu as _relu
from ..ops.elementwise import sigmoid, tanh, where
from ..ops.fused import softmax
from ..ops.inplace import _inplace as _make_inplace
from ..random import _gen
from ..tensor import Tensor


def _float(x: Any, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(x).__name__}")
    if x._data.dtype.kind != "f":
        raise P.DtypeNotImplementedError(
            f"{name}: expected a floating point tensor, got {x.dtype}: call .float()"
        )
    return x


def inplace_apply(input: Tensor, fn: Any) -> Tensor:
    """torch's ``inplace=True``: ``fn(input)`` written into ``input``, which is returned (under
    autograd recorded out of place and rebound, as ``Tensor.relu_``; a leaf that requires grad
    raises, as torch)."""
    return _make_inplace(lambda x, _unused: fn(x))(input, None)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    if inplace:
        return input.relu_()
    return _relu(input)


@torch_node("PreluKernelBackward0")
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x if x > 0 else a * x, with a learnable ``weight`` of 1 or C (channel dim 1) entries.

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.functional.prelu(torch.tensor([-2.0, 3.0]), torch.tensor([0.25]))
        tensor([-0.5000,  3.0000])
    """
    x = _float(input, "prelu")
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu(): argument 'weight' must be Tensor, not {type(weight).__name__}")
    n = weight.numel()
    if weight.ndim > 1:
        raise RuntimeError(
            f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}"
        )
    if n != 1:
        if x.ndim == 0:
            raise RuntimeError("prelu: Not allow zero-dim input tensor.")
        channels = x.shape[1] if x.ndim >= 2 else 1
        if n != channels:
            raise RuntimeError(
                f"prelu: Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {n} and channel size = {channels}."
            )
        a = weight.reshape((1, n) + (1,) * (x.ndim - 2))
    else:
        a = weight.reshape(())
    return where(x > 0, x, a * x)


@torch_node("RreluWithNoiseBackward0")
def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Randomized leaky ReLU: x if x >= 0 else a x, a ~ U(lower, upper) per element in
    training, a = (lower + upper) / 2 in eval."""
    x = _float(input, "rrelu")
    if lower > upper:  # (torch checks in eval mode too)
        raise RuntimeError(
            "Lower bound should be less than or equal to the upper bound (rrelu got "
            f"lower={lower}, upper={upper})"
        )
    if inplace:
        return inplace_apply(x, lambda t: rrelu(t, lower, upper, training))
    if not training:
        return P.LeakyRelu.apply(x, slope=(lower + upper) / 2)
    # torch: one float64 uniform on [lower, upper) (bounds rounded to x's dtype first) per
    # element <= 0, in order, then rounded to x's dtype
    xp = get_array_module(x._data)
    dt = x._data.dtype
    low = np.asarray(to_host(x._data) <= 0)
    slope = np.ones(low.shape, dtype=dt)
    lo, hi = float(dt.type(lower)), float(dt.type(upper))
    stream = _gen(None)
    slope[low] = stream.torch_uniform((int(low.sum()),), np.float64, lo, hi, False).astype(dt)
    return where(x > 0, x, x * Tensor._wrap(xp.asarray(slope)))


@torch_node("CeluBackward0")
def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)) = alpha * elu(x / alpha)."""
    x = _float(input, "celu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    if inplace:
        return inplace_apply(x, lambda t: celu(t, alpha))
    return P.Elu.apply(x / alpha, alpha=1.0, scale=1.0) * alpha


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"softsign(): argument 'input' must be Tensor, not {type(input).__name__}")
    x = input if input._data.dtype.kind == "f" else input.float()
    return x / (x.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x); an integer or bool input is computed in the default float dtype, as torch."""
    if isinstance(input, Tensor) and input._data.dtype.kind in "biu":
        input = input.to(_get_default_dtype())
    x = _float(input, "tanhshrink")
    return x - tanh(x)


@torch_node("ThresholdBackward0")
def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x if x > threshold else value."""
    if not isinstance(input, Tensor):
        raise TypeError(f"threshold(): argument 'input' must be Tensor, not {type(input).__name__}")
    if inplace:
        return inplace_apply(input, lambda t: where(t <= threshold, value, t))
    return where(input <= threshold, value, input)  # (torch's test: NaN stays NaN)


_threshold = threshold  # for threshold_, whose argument shadows the name


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), finite for every finite x."""
    x = _float(input, "logsigmoid")
    return P.LogSigmoid.apply(x)


@torch_node("GluBackward0")
def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b) where a, b are the two halves of ``input`` along ``dim``."""
    x = _float(input, "glu")
    if x.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _validate.dim(dim, x.ndim, fn="glu")
    if x.shape[d] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {d} is size {x.shape[d]}"
        )
    a, b = x.chunk(2, d)
    return a * sigmoid(b)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6."""
    x = _float(input, "hardswish")
    if inplace:
        return inplace_apply(x, hardswish)
    return P.Hardswish.apply(x)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6."""
    x = _float(input, "hardsigmoid")
    if inplace:
        return inplace_apply(x, hardsigmoid)
    return P.Hardsigmoid.apply(x)


def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """softmax(-x) along ``dim``."""
    x = _float(input if dtype is None else input.to(dtype), "softmin")
    if dim is None:  # torch's legacy implicit choice, with its deprecation warning
        dim = P._softmax_dim(None, x.ndim, "softmin", _stacklevel)
    return softmax(-x, dim)


@torch_node("HardshrinkBackward0")
def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x if |x| > lambd else 0."""
    x = _float(input, "hardshrink")
    return where((x >= -lambd) & (x <= lambd), 0.0, x)  # (torch's test: NaN stays NaN)


@torch_node("SoftshrinkBackward0")
def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd if x > lambd, x + lambd if x < -lambd, else 0."""
    x = _float(input, "softshrink")
    if lambd < 0:
        raise RuntimeError(f"lambda must be in range [0, inf) for softshrink, but found {lambd}")
    # torch (float32): x * 0 inside [-lambd, lambd] (-0.0 stays -0.0), else x - lambd or
    # x + lambd; NaN stays NaN with gradient 1
    shift = where(x > lambd, lambd, -lambd)
    return where((x >= -lambd) & (x <= lambd), x * 0, x - shift)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    """In-place ``rrelu``."""
    return rrelu(input, lower, upper, training, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """In-place ``celu``."""
    return celu(input, alpha, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """In-place ``threshold``."""
    return _threshold(input, threshold, value, inplace=True)


def gumbel_softmax(
    logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1
) -> Tensor:
    """A sample of the Gumbel-softmax (concrete) distribution: ``softmax((logits + g) / tau)``
    with ``g = -log(E)``, ``E ~ Exp(1)``.  ``hard=True`` returns the one-hot of the argmax in the
    forward pass with the soft sample's gradient (straight-through: ``y_hard - y_soft.detach() +
    y_soft``).

    Example:
        >>> import nablagrad as torch
        >>> y = torch.nn.functional.gumbel_softmax(torch.zeros(2, 3), hard=True)
        >>> y.sum(-1)
        tensor([1., 1.])
    """
    if not isinstance(logits, Tensor):
        raise TypeError(
            f"gumbel_softmax(): argument 'logits' must be Tensor, not {type(logits).__name__}"
        )
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    xp = get_array_module(logits._data)
    dtype = logits._data.dtype if logits._data.dtype.kind == "f" else np.float32
    e = _gen(None).torch_exponential(tuple(logits.shape), dtype, 1.0)  # torch's exponential_()
    g = Tensor._wrap(to_device(-np.log(e), logits.device))
    y_soft = softmax((logits + g) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft._data.argmax(axis=dim)
    ax = dim % max(y_soft.ndim, 1)
    onehot = xp.zeros_like(y_soft._data)
    xp.put_along_axis(onehot, xp.expand_dims(index, ax), 1.0, axis=ax)
    return Tensor._wrap(onehot) - y_soft.detach() + y_soft
