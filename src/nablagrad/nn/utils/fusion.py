"""``nn.utils.fusion``: fold an eval-mode batch norm into the convolution or linear layer
before it, as ``torch.nn.utils.fusion``.

In eval mode batch norm is the affine map y = (x - mean) * s + beta with the per-channel
scale s = gamma / sqrt(var + eps), so conv/linear followed by it is one conv/linear with

    W' = W * s (each output channel's filter scaled)    b' = (b - mean) * s + beta

(for a transposed convolution the output channels are the weight's dim 1).

Example:
    >>> import nablagrad as torch
    >>> conv, bn = torch.nn.Conv2d(3, 4, 3).eval(), torch.nn.BatchNorm2d(4).eval()
    >>> fused = torch.nn.utils.fuse_conv_bn_eval(conv, bn)
    >>> x = torch.randn(1, 3, 5, 5)
    >>> torch.allclose(fused(x), bn(conv(x)), atol=1e-6)
    True
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from ... import creation
from ...ops import elementwise as ew
from ...tensor import Tensor
from ..parameter import Parameter

__all__ = [
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
]

ConvT = TypeVar("ConvT")
LinearT = TypeVar("LinearT")


def _check_eval(layer: Any, bn: Any) -> None:
    if layer.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("bn.running_mean and bn.running_var must not be None")


def fuse_conv_bn_eval(conv: ConvT, bn: Any, transpose: bool = False) -> ConvT:
    """A new convolution (a deep copy of ``conv``) computing ``bn(conv(x))`` of the two eval-mode
    modules; ``transpose=True`` for a transposed convolution.  Either module in training mode,
    or ``bn`` without running statistics, is an AssertionError, as torch's."""
    _check_eval(conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(  # type: ignore[attr-defined]
        fused.weight,  # type: ignore[attr-defined]
        fused.bias,  # type: ignore[attr-defined]
        bn.running_mean,
        bn.running_var,
        bn.eps,
        bn.weight,
        bn.bias,
        transpose,
    )
    return fused


def fuse_conv_bn_weights(
    conv_w: Tensor,
    conv_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor | None,
    bn_b: Tensor | None,
    transpose: bool = False,
) -> tuple[Parameter, Parameter]:
    """The fused convolution's ``(weight, bias)`` Parameters (see the module docstring); a
    missing bias or affine parameter counts as 0 (bias, beta) or 1 (gamma).  The results keep
    ``conv_w``'s dtype (and ``conv_b``'s) and its ``requires_grad``."""
    w_dtype = conv_w.dtype
    b_dtype = conv_b.dtype if conv_b is not None else w_dtype
    if conv_b is None:
        conv_b = creation.zeros_like(bn_rm)
    gamma = bn_w if bn_w is not None else creation.ones_like(bn_rm)
    beta = bn_b if bn_b is not None else creation.zeros_like(bn_rm)
    inv_std = ew.rsqrt(bn_rv + bn_eps)
    scale_shape = [1] * conv_w.ndim
    scale_shape[1 if transpose else 0] = -1
    weight = (conv_w * (gamma * inv_std).reshape(scale_shape)).to(dtype=w_dtype)
    bias = ((conv_b - bn_rm) * inv_std * gamma + beta).to(dtype=b_dtype)
    return Parameter(weight, conv_w.requires_grad), Parameter(bias, conv_b.requires_grad)


def fuse_linear_bn_eval(linear: LinearT, bn: Any) -> LinearT:
    """A new ``Linear`` (a deep copy of ``linear``) computing ``bn(linear(x))`` of the two
    eval-mode modules; ``bn.num_features`` must equal ``linear.out_features`` or be 1."""
    _check_eval(linear, bn)
    out_features = linear.out_features  # type: ignore[attr-defined]
    if out_features != bn.num_features and bn.num_features != 1:
        raise AssertionError(
            "To fuse, linear.out_features == bn.num_features or bn.num_features == 1, "
            f"got linear.out_features={out_features} and bn.num_features={bn.num_features}"
        )
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(  # type: ignore[attr-defined]
        fused.weight,  # type: ignore[attr-defined]
        fused.bias,  # type: ignore[attr-defined]
        bn.running_mean,
        bn.running_var,
        bn.eps,
        bn.weight,
        bn.bias,
    )
    return fused


def fuse_linear_bn_weights(
    linear_w: Tensor,
    linear_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor,
    bn_b: Tensor,
) -> tuple[Parameter, Parameter]:
    """The fused ``Linear``'s ``(weight, bias)`` Parameters: W' = W * s[:, None],
    b' = (b - mean) * s + beta with s = gamma / sqrt(var + eps) (a missing bias counts as 0)."""
    w_dtype = linear_w.dtype
    b_dtype = linear_b.dtype if linear_b is not None else w_dtype
    if linear_b is None:
        linear_b = creation.zeros_like(bn_rm)
    scale = bn_w * ew.rsqrt(bn_rv + bn_eps)
    weight = linear_w * scale.unsqueeze(-1).to(dtype=w_dtype)
    bias = ((linear_b - bn_rm) * scale + bn_b).to(dtype=b_dtype)
    return Parameter(weight, linear_w.requires_grad), Parameter(bias, linear_b.requires_grad)
