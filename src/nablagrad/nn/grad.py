"""``torch.nn.grad``: the gradients of a convolution with respect to its input and its weight,
given the gradient of its output (also reachable as ``nn.functional.grad``).

For ``y = conv(x, w)`` and an upstream gradient ``g = dL/dy``, ``conv{1,2,3}d_input`` returns
``dL/dx = conv^T(g, w)`` (the transposed convolution, with ``x``'s shape given explicitly:
several input sizes give the same output size) and ``conv{1,2,3}d_weight`` returns
``dL/dw`` (the correlation of ``x`` with ``g``).  Both are computed by nablagrad's autograd
through the convolution itself, so they agree with ``autograd.grad(conv(x, w), x, g)``, and
are differentiable in ``weight``/``input`` and ``grad_output`` (both are linear in them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .. import autograd
from ..autograd.grad_mode import enable_grad, is_grad_enabled
from ..tensor import Tensor
from . import functional as F

__all__ = [
    "conv1d_input",
    "conv1d_weight",
    "conv2d_input",
    "conv2d_weight",
    "conv3d_input",
    "conv3d_weight",
]


def _size(name: str, arg: str, size: Any, dims: int) -> tuple[int, ...]:
    try:
        out = tuple(int(s) for s in size)
    except TypeError:
        raise TypeError(
            f"{name}: '{arg}' must be a sequence of ints (a shape such as input.shape), got "
            f"{type(size).__name__}"
        ) from None
    if len(out) != dims + 2:
        raise RuntimeError(
            f"{name}: '{arg}' must have {dims + 2} entries (batch, channels and {dims} spatial "
            f"sizes), got {list(out)}"
        )
    return out


def _check_tensor(name: str, arg: str, value: Any) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{name}: '{arg}' must be a Tensor, got {type(value).__name__}")
    return value


def _backward(
    name: str,
    conv: Callable[..., Tensor],
    x: Tensor,
    w: Tensor,
    grad_output: Tensor,
    wrt: Tensor,
    conv_args: tuple,
) -> Tensor:
    """d(conv(x, w))/d(wrt) contracted with ``grad_output`` (``wrt`` is the fresh leaf)."""
    create_graph = is_grad_enabled() and any(t.requires_grad for t in (x, w, grad_output))
    with enable_grad():
        out = conv(x, w, None, *conv_args)
    if tuple(out.shape) != tuple(grad_output.shape):
        raise RuntimeError(
            f"{name}: grad_output has shape {list(grad_output.shape)}, but the convolution of "
            f"an input of shape {list(x.shape)} with a weight of shape {list(w.shape)} (and "
            f"these stride/padding/dilation/groups) has output shape {list(out.shape)}: pass "
            "the sizes of the forward convolution"
        )
    (result,) = autograd.grad(out, wrt, grad_output, create_graph=create_graph)
    return result


def _grad(
    name: str,
    dims: int,
    of: str,
    given: Tensor,
    size: Sequence[int],
    grad_output: Tensor,
    conv_args: tuple,
) -> Tensor:
    """The gradient with respect to the convolution's ``of`` ("input" or "weight", of shape
    ``size``), the other operand being ``given``."""
    other = "weight" if of == "input" else "input"
    given = _check_tensor(name, other, given)
    grad_output = _check_tensor(name, "grad_output", grad_output)
    leaf = grad_output.new_zeros(_size(name, f"{of}_size", size, dims)).requires_grad_()
    x, w = (leaf, given) if of == "input" else (given, leaf)
    conv = (F.conv1d, F.conv2d, F.conv3d)[dims - 1]
    return _backward(name, conv, x, w, grad_output, leaf, conv_args)


def conv1d_input(
    input_size: Sequence[int],
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``conv1d(x, weight, None, stride, padding, dilation, groups)`` with
    respect to ``x`` (of shape ``input_size``) given ``grad_output = dL/dy``: the transposed
    convolution ``conv_transpose1d(grad_output, weight)`` cut to ``input_size``.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([[[1.0, 2.0]]])
        >>> torch.nn.grad.conv1d_input((1, 1, 3), w, torch.ones(1, 1, 2))
        tensor([[[1., 3., 2.]]])
    """
    args = (stride, padding, dilation, groups)
    return _grad("conv1d_input", 1, "input", weight, input_size, grad_output, args)


def conv1d_weight(
    input: Tensor,  # noqa: A002
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``conv1d(input, w, None, stride, padding, dilation, groups)`` with
    respect to ``w`` (of shape ``weight_size``) given ``grad_output = dL/dy``: ``dL/dw[o, c,
    k] = sum_{n, t} grad_output[n, o, t] * input_padded[n, c, t * stride + k * dilation]``.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.tensor([[[1.0, 2.0, 3.0]]])
        >>> torch.nn.grad.conv1d_weight(x, (1, 1, 2), torch.ones(1, 1, 2))
        tensor([[[3., 5.]]])
    """
    args = (stride, padding, dilation, groups)
    return _grad("conv1d_weight", 1, "weight", input, weight_size, grad_output, args)


def conv2d_input(
    input_size: Sequence[int],
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``conv2d(x, weight, None, stride, padding, dilation, groups)`` with
    respect to ``x`` (of shape ``input_size``) given ``grad_output = dL/dy``: the transposed
    convolution ``conv_transpose2d(grad_output, weight)`` cut to ``input_size``.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.ones(1, 1, 2, 2)
        >>> torch.nn.grad.conv2d_input((1, 1, 3, 3), w, torch.ones(1, 1, 2, 2))
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
    """
    args = (stride, padding, dilation, groups)
    return _grad("conv2d_input", 2, "input", weight, input_size, grad_output, args)


def conv2d_weight(
    input: Tensor,  # noqa: A002
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``conv2d(input, w, None, stride, padding, dilation, groups)`` with
    respect to ``w`` (of shape ``weight_size``) given ``grad_output = dL/dy``: ``dL/dw[o, c,
    i, j] = sum_{n, p, q} grad_output[n, o, p, q] * input_padded[n, c, p s + i d, q s + j d]``.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.arange(9.0).reshape(1, 1, 3, 3)
        >>> torch.nn.grad.conv2d_weight(x, (1, 1, 2, 2), torch.ones(1, 1, 2, 2))
        tensor([[[[ 8., 12.],
                  [20., 24.]]]])
    """
    args = (stride, padding, dilation, groups)
    return _grad("conv2d_weight", 2, "weight", input, weight_size, grad_output, args)


def conv3d_input(
    input_size: Sequence[int],
    weight: Tensor,
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``conv3d(x, weight, None, stride, padding, dilation, groups)`` with
    respect to ``x`` (of shape ``input_size``) given ``grad_output = dL/dy``: the transposed
    convolution ``conv_transpose3d(grad_output, weight)`` cut to ``input_size``.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.ones(1, 1, 1, 1, 2)
        >>> torch.nn.grad.conv3d_input((1, 1, 1, 1, 3), w, torch.ones(1, 1, 1, 1, 2))
        tensor([[[[[1., 2., 1.]]]]])
    """
    args = (stride, padding, dilation, groups)
    return _grad("conv3d_input", 3, "input", weight, input_size, grad_output, args)


def conv3d_weight(
    input: Tensor,  # noqa: A002
    weight_size: Sequence[int],
    grad_output: Tensor,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """The gradient of ``conv3d(input, w, None, stride, padding, dilation, groups)`` with
    respect to ``w`` (of shape ``weight_size``) given ``grad_output = dL/dy``: the sum over
    batch and output positions of ``grad_output`` times the input window each weight entry
    meets.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.tensor([1.0, 2.0, 3.0]).reshape(1, 1, 1, 1, 3)
        >>> torch.nn.grad.conv3d_weight(x, (1, 1, 1, 1, 2), torch.ones(1, 1, 1, 1, 2))
        tensor([[[[[3., 5.]]]]])
    """
    args = (stride, padding, dilation, groups)
    return _grad("conv3d_weight", 3, "weight", input, weight_size, grad_output, args)
