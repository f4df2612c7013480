"""The neural-network functions torch exposes at top level (``torch.conv2d``,
``torch.batch_norm``, ``torch.embedding`` ...), with torch's OWN signatures, which are ATen's
and often differ from ``torch.nn.functional``'s: losses take ``reduction`` as an int
(0 none, 1 mean, 2 sum), dropouts take ``train`` positionally, ``batch_norm`` and
``instance_norm`` take the affine weights before the running statistics, ``embedding`` takes
the weight first, and the cuDNN switches are accepted and ignored.

Each function checks its arguments, maps them to the ``nn.functional`` form and calls it, so
values and gradients are those of the functionals.

Example:
    >>> import nablagrad as torch
    >>> w = torch.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    >>> torch.embedding(w, torch.tensor([2, 0]))
    tensor([[4., 5.],
            [0., 1.]])
    >>> torch.hinge_embedding_loss(torch.tensor([0.5, 2.0]), torch.tensor([1.0, -1.0]), 1.0, 0)
    tensor([0.5000, 0.0000])
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import _validate, backend
from ..autograd.grad_mode import is_grad_enabled
from ..backend import get_array_module
from ..ops.elementwise import relu, tanh
from ..tensor import Tensor
from . import functional as F
from ._activations import inplace_apply
from .embedding_bag import _bags, _renorm_
from .rnn import _FlatWeightsRNN, _gru_step, _lstm_step
from .utils.rnn import PackedSequence

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(fn: str, reduction: Any) -> str:
    """torch's top-level losses take ATen's int enum: 0 none, 1 mean, 2 sum."""
    if isinstance(reduction, bool) or reduction not in _REDUCTIONS:
        raise RuntimeError(
            f"{fn}(): reduction must be 0 (none), 1 (mean) or 2 (sum) at top level, got "
            f"{reduction!r}; torch.nn.functional.{fn} takes the strings 'none', 'mean', 'sum'"
        )
    return _REDUCTIONS[reduction]


def _stride(stride: Any) -> Any:
    """ATen's empty stride (``[]``, the default) means the kernel size."""
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        return None
    return stride


# -- convolution ------------------------------------------------------------------------------

conv1d = F.conv1d
conv2d = F.conv2d
conv3d = F.conv3d
conv_transpose1d = F.conv_transpose1d
conv_transpose2d = F.conv_transpose2d
conv_transpose3d = F.conv_transpose3d


def convolution(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None,
    stride: Any,
    padding: Any,
    dilation: Any,
    transposed: bool,
    output_padding: Any,
    groups: int,
) -> Tensor:
    """ATen's general convolution: ``conv{1,2,3}d`` or, with ``transposed``,
    ``conv_transpose{1,2,3}d``, the number of spatial dims being ``weight.dim() - 2``.

    Example:
        >>> import nablagrad as torch
        >>> x, w = torch.ones(1, 1, 4), torch.ones(1, 1, 2)
        >>> torch.convolution(x, w, None, [1], [0], [1], False, [0], 1)
        tensor([[[2., 2., 2.]]])
    """
    if not isinstance(weight, Tensor) or weight.dim() not in (3, 4, 5):
        raise RuntimeError(
            "convolution(): weight must be a 3-, 4- or 5-D tensor (out, in / groups, *kernel), "
            f"got {getattr(weight, 'shape', type(weight).__name__)}"
        )
    n = weight.dim() - 2
    if transposed:
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[n - 1]
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    if any(
        int(p)
        for p in (output_padding if isinstance(output_padding, (list, tuple)) else [output_padding])
    ):
        raise RuntimeError("convolution(): output_padding is only used with transposed=True")
    fn = (F.conv1d, F.conv2d, F.conv3d)[n - 1]
    return fn(input, weight, bias, stride, padding, dilation, groups)


def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:  # noqa: A002
    """1-D convolution in time-batch-channel layout: ``input`` (time, batch, in), ``weight``
    (kernel, in, out), ``bias`` (out), ``pad`` zeros at both ends of time; the result is
    (time_out, batch, out): ``out[t] = bias + sum_k input[t + k - pad] @ weight[k]``.

    Example:
        >>> import nablagrad as torch
        >>> torch.conv_tbc(torch.ones(3, 1, 1), torch.ones(2, 1, 1), torch.zeros(1)).flatten()
        tensor([2., 2.])
    """
    if input.dim() != 3 or weight.dim() != 3 or bias.dim() != 1:
        raise RuntimeError(
            "conv_tbc(): input must be 3-D (time, batch, channels), weight 3-D (kernel, in, out) "
            f"and bias 1-D, got {tuple(input.shape)}, {tuple(weight.shape)}, {tuple(bias.shape)}"
        )
    if input.shape[2] != weight.shape[1] or bias.shape[0] != weight.shape[2]:
        raise RuntimeError(
            f"conv_tbc(): input has {input.shape[2]} channels and bias {bias.shape[0]} entries, "
            f"but weight {tuple(weight.shape)} expects {weight.shape[1]} and {weight.shape[2]}"
        )
    out = F.conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, 1, int(pad))
    return out.permute(2, 0, 1)


# -- pooling ------------------------------------------------------------------------------------


def max_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """Max over sliding windows along the last dim (``stride`` defaults to the kernel).

    Example:
        >>> import nablagrad as torch
        >>> torch.max_pool1d(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
        tensor([[3., 2.]])
    """
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> tuple:
    """``max_pool1d`` and the position of each maximum along the last dim.

    Example:
        >>> import nablagrad as torch
        >>> torch.max_pool1d_with_indices(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)[1]
        tensor([[1, 2]])
    """
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, True)


def max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """Max over sliding 2-D windows of the last two dims (``stride`` defaults to the kernel).

    Example:
        >>> import nablagrad as torch
        >>> torch.max_pool2d(torch.arange(16.0).reshape(1, 4, 4), 2)
        tensor([[[ 5.,  7.],
                 [13., 15.]]])
    """
    return F.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> Tensor:
    """Max over sliding 3-D windows of the last three dims (``stride`` defaults to the kernel).

    Example:
        >>> import nablagrad as torch
        >>> torch.max_pool3d(torch.arange(8.0).reshape(1, 2, 2, 2), 2).flatten()
        tensor([7.])
    """
    return F.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def avg_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any = (),
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over sliding windows along the last dim (``stride`` defaults to the kernel).

    Example:
        >>> import nablagrad as torch
        >>> torch.avg_pool1d(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
        tensor([[2., 1.]])
    """
    return F.avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode, count_include_pad)


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:  # noqa: A002
    """Means over ``output_size`` near-equal windows of the last dim.

    Example:
        >>> import nablagrad as torch
        >>> torch.adaptive_avg_pool1d(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), 1)
        tensor([[1.5000]])
    """
    return F.adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input: Tensor, output_size: Any) -> tuple:  # noqa: A002
    """Maxima over ``output_size`` near-equal windows of the last dim, and their indices
    (torch's top-level form always returns both).

    Example:
        >>> import nablagrad as torch
        >>> torch.adaptive_max_pool1d(torch.tensor([[1.0, 3.0, 2.0, 0.0]]), 2)
        (tensor([[3., 2.]]), tensor([[1, 2]]))
    """
    return F.adaptive_max_pool1d(input, output_size, True)


# -- dropout --------------------------------------------------------------------------------------


def dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """Inverted dropout when ``train``: each element zeroed with probability ``p``, the rest
    scaled by 1/(1-p); the input itself otherwise.

    Example:
        >>> import nablagrad as torch
        >>> torch.dropout(torch.ones(3), 0.5, False)
        tensor([1., 1., 1.])
    """
    return F.dropout(input, p, train)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """``dropout`` written into ``input``, which is returned.

    Example:
        >>> import nablagrad as torch
        >>> torch.dropout_(torch.ones(2), 0.0, True)
        tensor([1., 1.])
    """
    return F.dropout(input, p, train, inplace=True)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """Alpha dropout (keeps SELU's zero mean and unit variance) when ``train``.

    Example:
        >>> import nablagrad as torch
        >>> torch.alpha_dropout(torch.ones(2), 0.5, False)
        tensor([1., 1.])
    """
    return F.alpha_dropout(input, p, train)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """``alpha_dropout`` written into ``input``, which is returned.

    Example:
        >>> import nablagrad as torch
        >>> torch.alpha_dropout_(torch.ones(2), 0.5, False)
        tensor([1., 1.])
    """
    return F.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """Alpha dropout of whole channels (``input[n, c]`` dropped together) when ``train``.

    Example:
        >>> import nablagrad as torch
        >>> torch.feature_alpha_dropout(torch.ones(1, 2, 2), 0.5, False).shape
        nablagrad.Size([1, 2, 2])
    """
    return F.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """``feature_alpha_dropout`` written into ``input``, which is returned.

    Example:
        >>> import nablagrad as torch
        >>> torch.feature_alpha_dropout_(torch.ones(1, 2), 0.5, False)
        tensor([[1., 1.]])
    """
    return F.feature_alpha_dropout(input, p, train, inplace=True)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """Dropout of whole channels when ``train``: ``input[n, c, ...]`` is zeroed with
    probability ``p`` (one draw per batch entry and channel) or scaled by 1/(1-p).

    Example:
        >>> import nablagrad as torch
        >>> torch.feature_dropout(torch.ones(1, 2, 3), 0.5, False)
        tensor([[[1., 1., 1.],
                 [1., 1., 1.]]])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"feature_dropout(): input must be a Tensor, got {type(input).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not train or p == 0.0:
        return input
    xp = get_array_module(input._data)
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
    ones = Tensor._wrap(xp.ones(shape, dtype=input._data.dtype))
    return input * F.dropout(ones, p, True)  # each (n, c) mask: 0 or 1 / (1 - p)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """``feature_dropout`` written into ``input``, which is returned.

    Example:
        >>> import nablagrad as torch
        >>> torch.feature_dropout_(torch.ones(1, 2), 0.5, False)
        tensor([[1., 1.]])
    """
    if not train or p == 0.0:
        return feature_dropout(input, p, train)  # checks only
    return inplace_apply(input, lambda t: feature_dropout(t, p, train))


# -- normalisation ----------------------------------------------------------------------------


def batch_norm(
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """``F.batch_norm`` with ATen's argument order (affine weights first);
    ``cudnn_enabled`` has no effect.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.tensor([[1.0], [3.0]])
        >>> torch.batch_norm(x, None, None, None, None, True, 0.1, 1e-12, True)
        tensor([[-1.],
                [ 1.]])
    """
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """``F.instance_norm`` with ATen's argument order (affine weights first);
    ``cudnn_enabled`` has no effect.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.tensor([[[1.0, 3.0]]])
        >>> torch.instance_norm(x, None, None, None, None, True, 0.1, 0.0, True)
        tensor([[[-1.,  1.]]])
    """
    return F.instance_norm(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: Any,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
    cudnn_enable: bool = True,
) -> Tensor:
    """``F.layer_norm``; ``cudnn_enable`` (torch's spelling) has no effect.

    Example:
        >>> import nablagrad as torch
        >>> torch.layer_norm(torch.tensor([[1.0, 3.0]]), [2], eps=0.0)
        tensor([[-1.,  1.]])
    """
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
    cudnn_enabled: bool = True,
) -> Tensor:
    """``F.group_norm``; ``cudnn_enabled`` has no effect.

    Example:
        >>> import nablagrad as torch
        >>> torch.group_norm(torch.tensor([[[1.0], [3.0]]]), 1, eps=0.0).flatten()
        tensor([-1.,  1.])
    """
    return F.group_norm(input, num_groups, weight, bias, eps)


rms_norm = F.rms_norm


def _stats(x: Tensor, dims: tuple, eps: float, keepdim: bool) -> tuple[Tensor, Tensor]:
    """(mean, 1 / sqrt(biased variance + eps)) of ``x`` over ``dims``."""
    mean = x.mean(dims, keepdim=keepdim)
    var = x.var(dims, unbiased=False, keepdim=keepdim)
    return mean, (var + eps).rsqrt()


def native_layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: Any,
    weight: Tensor | None,
    bias: Tensor | None,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """ATen's layer norm: ``(layer_norm(input, normalized_shape, weight, bias, eps), mean,
    rstd)`` with ``mean`` and ``rstd = 1 / sqrt(var + eps)`` (biased variance) over the last
    ``len(normalized_shape)`` dims, kept as size-1 dims; they carry no gradient (as torch's).

    Example:
        >>> import nablagrad as torch
        >>> x = torch.tensor([[1.0, 3.0]])
        >>> torch.native_layer_norm(x, [2], None, None, 0.0)
        (tensor([[-1.,  1.]]), tensor([[2.]]), tensor([[1.]]))
    """
    out = F.layer_norm(input, normalized_shape, weight, bias, eps)
    dims = tuple(range(input.dim() - len(tuple(normalized_shape)), input.dim()))
    mean, rstd = _stats(input.detach(), dims, eps, True)
    return out, mean, rstd


def native_batch_norm(
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """ATen's batch norm: ``(batch_norm(...), save_mean, save_invstd)``.  Training: the
    per-channel batch mean and ``1 / sqrt(biased var + eps)`` (running stats updated as
    ``F.batch_norm`` does); evaluation: the running stats normalise and both saved tensors are
    empty.  The saved statistics carry no gradient (as torch's).

    Example:
        >>> import nablagrad as torch
        >>> x = torch.tensor([[1.0], [3.0]])
        >>> torch.native_batch_norm(x, None, None, None, None, True, 0.1, 1e-12)
        (tensor([[-1.],
                [ 1.]]), tensor([2.]), tensor([1.]))
    """
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(
            "native_batch_norm: evaluation (training=False) normalises with running_mean and "
            "running_var: pass both, or training=True to use the batch's statistics"
        )
    out = F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    if not training:
        empty = input.new_empty((0,))
        return out, empty, empty.clone()
    dims = tuple(d for d in range(input.dim()) if d != 1)
    mean, invstd = _stats(input.detach(), dims, eps, False)
    return out, mean, invstd


def native_group_norm(
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    bias: Tensor | None,
    N: int,  # noqa: N803 - ATen's names
    C: int,  # noqa: N803
    HxW: int,  # noqa: N803
    group: int,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """ATen's group norm of ``input`` (``N`` samples, ``C`` channels of ``HxW`` elements):
    ``(group_norm(input, group, weight, bias, eps), mean, rstd)`` with the (N, group) means
    and ``1 / sqrt(biased var + eps)`` of each group (differentiable, as torch's).

    Example:
        >>> import nablagrad as torch
        >>> out, mean, rstd = torch.native_group_norm(
        ...     torch.tensor([[[1.0], [3.0]]]), None, None, 1, 2, 1, 1, 0.0)
        >>> out.flatten(), mean, rstd
        (tensor([-1.,  1.]), tensor([[2.]]), tensor([[1.]]))
    """
    n, c, hw, g = (int(v) for v in (N, C, HxW, group))
    if input.numel() != n * c * hw or (input.dim() >= 2 and input.shape[1] != c):
        raise RuntimeError(
            f"native_group_norm: input of shape {list(input.shape)} is not N={n} samples of "
            f"C={c} channels of HxW={hw} elements (expected X.numel() == N * C * HxW)"
        )
    if g <= 0 or c % g:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(input.shape)} and num_groups={g}"
        )
    out = F.group_norm(input, g, weight, bias, eps)
    mean, rstd = _stats(input.reshape(n, g, -1), (2,), eps, False)
    return out, mean, rstd


def native_dropout(
    input: Tensor,  # noqa: A002
    p: float,
    train: bool | None,
) -> tuple[Tensor, Tensor]:
    """ATen's dropout: ``(output, mask)``.  When ``train`` (or None): a bool ``mask`` keeps
    each element with probability ``1 - p`` and ``output = input * mask / (1 - p)`` (zeros
    when ``p = 1``); otherwise ``output`` is a copy of ``input`` and ``mask`` all True.

    Example:
        >>> import nablagrad as torch
        >>> out, mask = torch.native_dropout(torch.ones(3), 0.5, False)
        >>> out, mask
        (tensor([1., 1., 1.]), tensor([True, True, True]))
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"native_dropout(): argument 'input' must be Tensor, not {type(input)}")
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if train is False:
        return input.clone(), input.new_ones(input.shape, dtype=backend.bool_)
    mask = input.new_empty(input.shape).bernoulli_(1.0 - p) > 0
    scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
    return input * mask * scale, mask


# -- embeddings -----------------------------------------------------------------------------


def embedding(
    weight: Tensor,
    indices: Tensor,
    padding_idx: int = -1,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` at ``indices`` (note: weight first, as ATen's); the row
    ``padding_idx`` gets no gradient (a negative ``padding_idx`` means none, unlike
    ``F.embedding``, which counts it from the end).

    Example:
        >>> import nablagrad as torch
        >>> torch.embedding(torch.eye(3), torch.tensor([[1, 1]]))
        tensor([[[0., 1., 0.],
                 [0., 1., 0.]]])
    """
    pad = None if padding_idx is None or padding_idx < 0 else int(padding_idx)
    return F.embedding(indices, weight, pad, None, 2.0, scale_grad_by_freq, sparse)


def embedding_renorm_(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    max_norm: float,
    norm_type: float,
) -> Tensor:
    """Rows of ``input`` (an embedding matrix) named in ``indices`` whose ``norm_type``-norm
    exceeds ``max_norm`` are scaled in place to ``max_norm / (norm + 1e-7)`` times themselves;
    returns ``input``.  Not differentiable (torch's is not either).

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([[3.0, 4.0], [0.3, 0.4]])
        >>> torch.embedding_renorm_(w, torch.tensor([0, 1]), 1.0, 2.0)
        tensor([[0.6000, 0.8000],
                [0.3000, 0.4000]])
    """
    if not isinstance(indices, Tensor) or indices._data.dtype.kind not in "iu":
        raise TypeError("embedding_renorm_(): indices must be an integer (long) tensor")
    if input.dim() != 2:
        raise RuntimeError(f"embedding_renorm_(): input must be 2-D, got {input.dim()}-D")
    idx = indices._data.reshape(-1)
    num = input.shape[0]
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num):
        raise IndexError(
            f"embedding_renorm_(): indices must be in [0, {num}), got min {int(idx.min())}, "
            f"max {int(idx.max())}"
        )
    _renorm_(input, idx, float(max_norm), float(norm_type))
    return input


bilinear = F.bilinear


# -- activations (ATen's signatures: no ``inplace`` flag; the ``_`` forms are in place) -------


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).

    Example:
        >>> import nablagrad as torch
        >>> torch.celu(torch.tensor([1.0, 0.0]))
        tensor([1., 0.])
    """
    return F.celu(input, alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """``celu`` written into ``input``, which is returned.

    Example:
        >>> import nablagrad as torch
        >>> torch.celu_(torch.tensor([2.0]))
        tensor([2.])
    """
    return F.celu_(input, alpha)


def selu(input: Tensor) -> Tensor:  # noqa: A002
    """scale * (max(0, x) + min(0, alpha * (exp(x) - 1))) with SELU's constants.

    Example:
        >>> import nablagrad as torch
        >>> torch.selu(torch.tensor([0.0]))
        tensor([0.])
    """
    return F.selu(input)


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    """``selu`` written into ``input``, which is returned.

    Example:
        >>> import nablagrad as torch
        >>> torch.selu_(torch.tensor([0.0]))
        tensor([0.])
    """
    return F.selu_(input)


def rrelu(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    generator: Any = None,
) -> Tensor:
    """Randomised leaky ReLU: negative slope drawn from U(lower, upper) per element when
    ``training``, else (lower + upper) / 2.

    Example:
        >>> import nablagrad as torch
        >>> torch.rrelu(torch.tensor([-1.0, 2.0]), 0.1, 0.3)
        tensor([-0.2000,  2.0000])
    """
    if generator is not None:
        raise NotImplementedError("rrelu(): a generator= is not supported; seed with manual_seed")
    return F.rrelu(input, lower, upper, training)


def rrelu_(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    generator: Any = None,
) -> Tensor:
    """``rrelu`` written into ``input``, which is returned.

    Example:
        >>> import nablagrad as torch
        >>> torch.rrelu_(torch.tensor([-1.0]), 0.1, 0.3)
        tensor([-0.2000])
    """
    if generator is not None:
        raise NotImplementedError("rrelu_(): a generator= is not supported; seed with manual_seed")
    return F.rrelu_(input, lower, upper, training)


hardshrink = F.hardshrink
prelu = F.prelu


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """x where x > threshold, else ``value``.

    Example:
        >>> import nablagrad as torch
        >>> torch.threshold(torch.tensor([0.5, 2.0]), 1.0, -1.0)
        tensor([-1.,  2.])
    """
    return F.threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """``threshold`` written into ``input``, which is returned.

    Example:
        >>> import nablagrad as torch
        >>> torch.threshold_(torch.tensor([0.5, 2.0]), 1.0, 0.0)
        tensor([0., 2.])
    """
    return F.threshold_(input, threshold, value)


# -- shuffles, distances, padding, sampling -------------------------------------------------

pixel_shuffle = F.pixel_shuffle
pixel_unshuffle = F.pixel_unshuffle
channel_shuffle = F.channel_shuffle
native_channel_shuffle = F.channel_shuffle
pdist = F.pdist
cosine_similarity = _validate.numpy_names(F.cosine_similarity)  # torch's takes axis=
pairwise_distance = F.pairwise_distance


def constant_pad_nd(input: Tensor, pad: Any, value: float = 0) -> Tensor:  # noqa: A002
    """``F.pad(input, pad, "constant", value)``: ``pad`` gives (left, right) counts for the
    last dims, last dim first; negative counts crop.

    Example:
        >>> import nablagrad as torch
        >>> torch.constant_pad_nd(torch.tensor([1, 2]), [1, 2], 9)
        tensor([9, 1, 2, 9, 9])
    """
    return F.pad(input, tuple(pad), "constant", value)


_INTERPOLATION = {0: "bilinear", 1: "nearest", 2: "bicubic"}
_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def grid_sampler(
    input: Tensor,  # noqa: A002
    grid: Tensor,
    interpolation_mode: int,
    padding_mode: int,
    align_corners: bool,
) -> Tensor:
    """``F.grid_sample`` with ATen's int modes: interpolation 0 bilinear, 1 nearest,
    2 bicubic; padding 0 zeros, 1 border, 2 reflection.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.arange(4.0).reshape(1, 1, 2, 2)
        >>> torch.grid_sampler(x, torch.zeros(1, 1, 1, 2), 0, 0, False)
        tensor([[[[1.5000]]]])
    """
    if interpolation_mode not in _INTERPOLATION or padding_mode not in _PADDING:
        raise RuntimeError(
            "grid_sampler(): interpolation_mode must be 0 (bilinear), 1 (nearest) or 2 (bicubic) "
            "and padding_mode 0 (zeros), 1 (border) or 2 (reflection), got "
            f"{interpolation_mode!r} and {padding_mode!r}"
        )
    return F.grid_sample(
        input, grid, _INTERPOLATION[interpolation_mode], _PADDING[padding_mode], align_corners
    )


def affine_grid_generator(theta: Tensor, size: Any, align_corners: bool) -> Tensor:
    """``F.affine_grid(theta, size, align_corners)``: the sampling grid of the affine maps
    ``theta`` (N, 2, 3) or (N, 3, 4) for an output of ``size``.

    Example:
        >>> import nablagrad as torch
        >>> theta = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> torch.affine_grid_generator(theta, [1, 1, 1, 2], False)
        tensor([[[[-0.5000,  0.0000],
                  [ 0.5000,  0.0000]]]])
    """
    return F.affine_grid(theta, list(size), align_corners)


# -- losses (reduction: 0 none, 1 mean, 2 sum; 0 by default at top level, as torch) ----------


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: int = 0
) -> Tensor:
    """1 - cos(x1, x2) where target = 1, max(0, cos(x1, x2) - margin) where target = -1.

    Example:
        >>> import nablagrad as torch
        >>> a = torch.tensor([[1.0, 0.0]])
        >>> torch.cosine_embedding_loss(a, a, torch.tensor([1.0]), 0.0, 1)
        tensor(0.)
    """
    red = _reduction("cosine_embedding_loss", reduction)
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=red)


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, reduction: int = 0
) -> Tensor:
    """max(0, -target * (x1 - x2) + margin).

    Example:
        >>> import nablagrad as torch
        >>> x1, x2, y = torch.tensor([1.0, 3.0]), torch.tensor([2.0, 2.0]), torch.tensor([1.0, 1.0])
        >>> torch.margin_ranking_loss(x1, x2, y)
        tensor([1., 0.])
    """
    red = _reduction("margin_ranking_loss", reduction)
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=red)


def hinge_embedding_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    margin: float = 1.0,
    reduction: int = 0,
) -> Tensor:
    """x where target = 1, max(0, margin - x) where target = -1.

    Example:
        >>> import nablagrad as torch
        >>> torch.hinge_embedding_loss(torch.tensor([0.5]), torch.tensor([-1.0]), 1.0, 1)
        tensor(0.5000)
    """
    red = _reduction("hinge_embedding_loss", reduction)
    return F.hinge_embedding_loss(input, target, margin, reduction=red)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: int = 0,
) -> Tensor:
    """max(d(a, p) - d(a, n) + margin, 0) with the ``p``-norm distance (``swap``: the
    smaller of d(a, n) and d(p, n)).

    Example:
        >>> import nablagrad as torch
        >>> a = torch.tensor([[0.0, 0.0]])
        >>> torch.triplet_margin_loss(a, a, a + 3.0)
        tensor([0.])
    """
    red = _reduction("triplet_margin_loss", reduction)
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=red)


def poisson_nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    log_input: bool,
    full: bool,
    eps: float,
    reduction: int,
) -> Tensor:
    """Poisson negative log-likelihood: exp(x) - t x (``log_input``) or x - t log(x + eps),
    plus Stirling's term with ``full``.  Every argument is required, as in ATen.

    Example:
        >>> import nablagrad as torch
        >>> torch.poisson_nll_loss(torch.tensor([0.0]), torch.tensor([1.0]), True, False, 1e-8, 1)
        tensor(1.)
    """
    red = _reduction("poisson_nll_loss", reduction)
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=red)


def kl_div(
    input: Tensor,  # noqa: A002
    target: Tensor,
    reduction: int = 0,
    *,
    log_target: bool = False,
) -> Tensor:
    """target * (log(target) - input) pointwise (``input`` holds log-probabilities); with
    reduction 1 the mean over every element (ATen's, without F.kl_div's batchmean warning).

    Example:
        >>> import nablagrad as torch
        >>> torch.kl_div(torch.tensor([0.0, 0.0]), torch.tensor([1.0, 0.5]), 2)
        tensor(-0.3466)
    """
    red = _reduction("kl_div", reduction)
    with warnings.catch_warnings():  # F.kl_div's advice to use 'batchmean' is not ATen's
        warnings.simplefilter("ignore", UserWarning)
        return F.kl_div(input, target, reduction=red, log_target=log_target)


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: int = 0,
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist temporal classification loss (``F.ctc_loss``; reduction 1 divides each
    sequence's loss by its target length, then averages).

    Example:
        >>> import nablagrad as torch
        >>> lp = torch.zeros(1, 1, 2).log_softmax(2)
        >>> torch.ctc_loss(lp, torch.tensor([[1]]), [1], [1], 0, 1)
        tensor(0.6931)
    """
    red = _reduction("ctc_loss", reduction)
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, red, zero_infinity)


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Tensor | None = None,
    pos_weight: Tensor | None = None,
    reduction: int = 0,
) -> Tensor:
    """-w [pos_weight * t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))] (ATen's order:
    ``weight``, then ``pos_weight``, then the int ``reduction``).

    Example:
        >>> import nablagrad as torch
        >>> torch.binary_cross_entropy_with_logits(torch.tensor([0.0]), torch.tensor([1.0]))
        tensor([0.6931])
    """
    red = _reduction("binary_cross_entropy_with_logits", reduction)
    return F.binary_cross_entropy_with_logits(
        input, target, weight, reduction=red, pos_weight=pos_weight
    )


# -- recurrent cells (one time step; gate order as nn.RNNCell, LSTMCell, GRUCell) -------------


def _cell_args(fn: str, input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, gates: int) -> int:  # noqa: A002
    hs = w_hh.shape[1] if w_hh.dim() == 2 else -1
    if (
        w_ih.dim() != 2
        or w_hh.dim() != 2
        or w_ih.shape[0] != gates * hs
        or w_hh.shape[0] != gates * hs
    ):
        raise RuntimeError(
            f"{fn}(): w_ih must be ({gates} * hidden, input) and w_hh ({gates} * hidden, hidden), "
            f"got {tuple(w_ih.shape)} and {tuple(w_hh.shape)}"
        )
    if input.dim() != 2 or hx.dim() != 2:
        raise RuntimeError(
            f"{fn}(): input and hx must be 2-D (batch, features), got {input.dim()}-D and "
            f"{hx.dim()}-D: unsqueeze(0) a single sample (torch's top-level cells take batches)"
        )
    if input.shape[-1] != w_ih.shape[1] or hx.shape[-1] != hs:
        raise RuntimeError(
            f"{fn}(): input has {input.shape[-1]} features and hx {hx.shape[-1]}, but the "
            f"weights expect {w_ih.shape[1]} and {hs}"
        )
    return hs


def rnn_tanh_cell(
    input: Tensor,  # noqa: A002
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh).

    Example:
        >>> import nablagrad as torch
        >>> w = torch.zeros(1, 1)
        >>> torch.rnn_tanh_cell(torch.ones(1, 1), torch.ones(1, 1), w, w, torch.ones(1))
        tensor([[0.7616]])
    """
    _cell_args("rnn_tanh_cell", input, hx, w_ih, w_hh, 1)
    return tanh(F.linear(input, w_ih, b_ih) + F.linear(hx, w_hh, b_hh))


def rnn_relu_cell(
    input: Tensor,  # noqa: A002
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh).

    Example:
        >>> import nablagrad as torch
        >>> w = torch.ones(1, 1)
        >>> torch.rnn_relu_cell(torch.ones(1, 1), -torch.ones(1, 1), w, w, torch.ones(1))
        tensor([[1.]])
    """
    _cell_args("rnn_relu_cell", input, hx, w_ih, w_hh, 1)
    return relu(F.linear(input, w_ih, b_ih) + F.linear(hx, w_hh, b_hh))


def lstm_cell(
    input: Tensor,  # noqa: A002
    hx: Any,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple:
    """(h', c') of one LSTM step from ``hx = (h, c)``; gates i, f, g, o of
    x W_ih^T + b_ih + h W_hh^T + b_hh: c' = f c + i g, h' = o tanh(c').

    Example:
        >>> import nablagrad as torch
        >>> w = torch.zeros(4, 1)
        >>> h, c = torch.lstm_cell(torch.ones(1, 1), [torch.zeros(1, 1), torch.ones(1, 1)], w, w)
        >>> c
        tensor([[0.5000]])
    """
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise RuntimeError("lstm_cell(): hx must be a pair of tensors (h, c)")
    hs = _cell_args("lstm_cell", input, hx[0], w_ih, w_hh, 4)
    return _lstm_step(F.linear(input, w_ih, b_ih), (hx[0], hx[1]), w_hh, b_hh, hs)


def gru_cell(
    input: Tensor,  # noqa: A002
    hx: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """h' of one GRU step: r, z = sigmoid of their gates, n = tanh(x_n + r * h_n),
    h' = (1 - z) n + z h (gates r, z, n of x W_ih^T + b_ih and h W_hh^T + b_hh).

    Example:
        >>> import nablagrad as torch
        >>> w = torch.zeros(3, 1)
        >>> torch.gru_cell(torch.ones(1, 1), torch.ones(1, 1), w, w)
        tensor([[0.5000]])
    """
    hs = _cell_args("gru_cell", input, hx, w_ih, w_hh, 3)
    return _gru_step(F.linear(input, w_ih, b_ih), hx, w_hh, b_hh, hs)


# -- full recurrent networks (torch.rnn_tanh / rnn_relu / lstm / gru, both overloads) ---------

_RNN_PLAIN = ("input", "hx", "params", "has_biases", "num_layers", "dropout", "train")
_RNN_PLAIN += ("bidirectional", "batch_first")
_RNN_PACKED = ("data", "batch_sizes", "hx", "params", "has_biases", "num_layers", "dropout")
_RNN_PACKED += ("train", "bidirectional")


def _rnn_bind(fn: str, lstm: bool, args: tuple, kwargs: dict) -> tuple[dict, bool]:
    """Torch's two overloads, ``(input, hx, params, ...,  batch_first)`` and the packed
    ``(data, batch_sizes, hx, params, ..., bidirectional)``: the arguments by name, and
    whether the call is the packed one."""
    if "data" in kwargs or "batch_sizes" in kwargs:
        packed = True
    elif lstm:  # plain: hx is a list of two tensors; packed: batch_sizes is a tensor
        packed = len(args) >= 2 and isinstance(args[1], Tensor)
    else:  # plain: params (a list) third; packed: hx (a tensor) third
        packed = len(args) >= 3 and isinstance(args[2], Tensor)
    names = _RNN_PACKED if packed else _RNN_PLAIN
    if len(args) > len(names):
        raise TypeError(f"{fn}() takes {len(names)} arguments, got {len(args)}")
    bound = dict(zip(names, args))
    for k, v in kwargs.items():
        if k not in names:
            raise TypeError(
                f"{fn}() got an unexpected keyword argument {k!r}; torch's overloads are "
                f"{fn}({', '.join(_RNN_PLAIN)}) and {fn}({', '.join(_RNN_PACKED)})"
            )
        if k in bound:
            raise TypeError(f"{fn}() got multiple values for argument {k!r}")
        bound[k] = v
    missing = [n for n in names if n not in bound]
    if missing:
        raise TypeError(f"{fn}() missing required arguments: {', '.join(missing)}")
    return bound, packed


def _rnn_weights_check(
    fn: str, mode: str, params: list, has_biases: bool, layers: int, dirs: int, proj: int
) -> None:
    """torch's count check, then each weight's shape (named), so a mismatch is not a matmul
    error deep inside the recurrence."""
    per = 2 + 2 * bool(has_biases) + (1 if proj else 0)
    if len(params) != layers * dirs * per or not params:
        raise RuntimeError(
            f"{fn}(): got an incorrect number of RNN parameters: {len(params)}, expected "
            f"num_layers * directions * {per} = {layers * dirs * per} (per layer and direction "
            "w_ih, w_hh" + (", b_ih, b_hh" if has_biases else "") + (", w_hr" if proj else "") + ")"
        )
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn}(): params must be tensors, got {type(p).__name__}")
    g = params[0].shape[0] if params[0].ndim == 2 else 0
    gates = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}[mode]
    if g == 0 or g % gates:
        raise RuntimeError(
            f"{fn}(): w_ih of layer 0 has shape {tuple(params[0].shape)}: expected "
            f"({gates} * hidden_size, input_size)"
        )
    hid = g // gates
    out = proj or hid
    for k in range(layers * dirs):
        ws = params[k * per : (k + 1) * per]
        in_size = params[0].shape[1] if k < dirs else out * dirs
        want = [("w_ih", (g, in_size)), ("w_hh", (g, out))]
        if has_biases:
            want += [("b_ih", (g,)), ("b_hh", (g,))]
        if proj:
            want.append(("w_hr", (proj, hid)))
        for (name, shape), w in zip(want, ws):
            if tuple(w.shape) != shape:
                raise RuntimeError(
                    f"{fn}(): {name} of layer {k // dirs}"
                    + (" (reverse)" if k % dirs else "")
                    + f" has shape {tuple(w.shape)}, expected {shape}"
                )


def _rnn_full(fn: str, mode: str, args: tuple, kwargs: dict) -> tuple:
    lstm = mode == "LSTM"
    a, packed = _rnn_bind(fn, lstm, args, kwargs)
    hx, params = a["hx"], a["params"]
    if lstm:
        if not isinstance(hx, (list, tuple)) or len(hx) != 2:
            raise RuntimeError(f"{fn}(): lstm expects two hidden states: hx = [h0, c0]")
        h0, c0 = hx
        if not isinstance(h0, Tensor) or not isinstance(c0, Tensor):
            raise TypeError(f"{fn}(): hx must hold two tensors (h0, c0)")
        proj = h0.shape[-1] if h0.shape[-1] != c0.shape[-1] else 0
    else:
        if not isinstance(hx, Tensor):
            raise TypeError(
                f"{fn}(): hx must be a tensor of shape (num_layers * directions, batch, hidden), "
                f"got {type(hx).__name__} (torch's top-level form has no default state)"
            )
        proj = 0
    if isinstance(params, Tensor) or not isinstance(params, (list, tuple)):
        raise TypeError(f"{fn}(): params must be a list or tuple of tensors")
    layers = a["num_layers"]
    if isinstance(layers, bool) or not isinstance(layers, int) or layers < 1:
        raise RuntimeError(f"{fn}(): num_layers must be a positive int, got {layers!r}")
    dropout = float(a["dropout"])
    if not 0.0 <= dropout <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout}")
    dirs = 2 if a["bidirectional"] else 1
    _rnn_weights_check(fn, mode, list(params), a["has_biases"], layers, dirs, proj)
    net = _FlatWeightsRNN(
        mode,
        list(params),
        a["has_biases"],
        layers,
        dropout,
        a["train"],
        a["bidirectional"],
        False if packed else a["batch_first"],
        proj,
    )
    state = (h0, c0) if lstm else hx
    x = a["data"] if packed else a["input"]
    if not isinstance(x, Tensor) or x.ndim not in ((2,) if packed else (2, 3)):
        raise RuntimeError(
            f"{fn}(): expected "
            + ("packed data (sum(batch_sizes), input_size)" if packed else "input (L, N, H_in)")
            + f", got {tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__}"
        )
    if x.shape[-1] != params[0].shape[1]:
        raise RuntimeError(
            f"{fn}(): input has {x.shape[-1]} features (last size) but w_ih of layer 0 has "
            f"shape {tuple(params[0].shape)}: input_size {params[0].shape[1]}"
        )
    if packed:
        sizes = a["batch_sizes"]
        if not isinstance(sizes, Tensor) or sizes.ndim != 1 or sizes.is_floating_point():
            raise RuntimeError(f"{fn}(): batch_sizes must be a 1-D integer tensor")
        b = [int(v) for v in sizes.tolist()]
        if not b or b[-1] < 1 or any(u < v for u, v in zip(b, b[1:])):
            raise RuntimeError(f"{fn}(): batch_sizes must be positive and non-increasing, got {b}")
        if x.shape[0] != sum(b):
            raise RuntimeError(
                f"{fn}(): packed data has shape {tuple(x.shape)}: expected "
                f"(sum(batch_sizes) = {sum(b)}, input_size)"
            )
        batch: tuple = (b[0],)
    else:
        batch = () if x.ndim == 2 else (x.shape[0 if a["batch_first"] else 1],)
    hid = params[0].shape[0] // {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}[mode]
    for what, t, size in (
        (("h0", state[0], proj or hid), ("c0", state[1], hid)) if lstm else (("hx", state, hid),)
    ):
        want = (layers * dirs, *batch, size)
        if tuple(t.shape) != want:
            raise RuntimeError(
                f"{fn}(): {what} has shape {tuple(t.shape)}, expected {want} = "
                "(num_layers * directions, batch, hidden)"
            )
    if packed:
        data, sizes = a["data"], a["batch_sizes"]
        out, hn = net(PackedSequence(data, sizes), state)
        out = out.data
    else:
        out, hn = net(a["input"], state)
    return (out, *hn) if lstm else (out, hn)


def rnn_tanh(*args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
    """A whole Elman network with tanh, torch's top-level form of ``nn.RNN``:
    ``rnn_tanh(input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
    batch_first)`` or, on packed data, ``rnn_tanh(data, batch_sizes, hx, params, has_biases,
    num_layers, dropout, train, bidirectional)``; returns ``(output, h_n)``.

    h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), layer after layer; ``params`` lists
    per layer and direction w_ih, w_hh (and b_ih, b_hh when ``has_biases``), the order of
    ``nn.RNN._flat_weights``; ``hx`` is required, (num_layers * directions, batch, hidden).
    Dropout (probability ``dropout``) acts between layers when ``train``.

    Example:
        >>> import nablagrad as torch
        >>> w = [torch.full((1, 1), 0.5), torch.ones(1, 1)]
        >>> out, h = torch.rnn_tanh(torch.ones(2, 1, 1), torch.zeros(1, 1, 1), w, False, 1,
        ...                         0.0, False, False, False)
        >>> out.flatten()
        tensor([0.4621, 0.7452])
    """
    return _rnn_full("rnn_tanh", "RNN_TANH", args, kwargs)  # type: ignore[return-value]


def rnn_relu(*args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
    """``rnn_tanh`` with relu: h_t = relu(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh); the same
    two overloads (``input, hx, params, ...`` or packed ``data, batch_sizes, hx, params, ...``),
    returns ``(output, h_n)``.

    Example:
        >>> import nablagrad as torch
        >>> w = [torch.ones(1, 1), torch.ones(1, 1)]
        >>> out, h = torch.rnn_relu(torch.ones(3, 1, 1), torch.zeros(1, 1, 1), w, False, 1,
        ...                         0.0, False, False, False)
        >>> out.flatten()
        tensor([1., 2., 3.])
    """
    return _rnn_full("rnn_relu", "RNN_RELU", args, kwargs)  # type: ignore[return-value]


def lstm(*args: Any, **kwargs: Any) -> tuple[Tensor, Tensor, Tensor]:
    """A whole LSTM, torch's top-level form of ``nn.LSTM``: ``lstm(input, hx, params,
    has_biases, num_layers, dropout, train, bidirectional, batch_first)`` or packed
    ``lstm(data, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
    bidirectional)``; ``hx = [h0, c0]``; returns ``(output, h_n, c_n)``.

    i, f, g, o = sig, sig, tanh, sig of (x W_ih^T + b_ih + h W_hh^T + b_hh); c' = f c + i g;
    h' = o tanh(c').  ``params`` per layer and direction: w_ih, w_hh[, b_ih, b_hh][, w_hr];
    a projection (w_hr, h = h' W_hr^T) is used when h0's last size differs from c0's, as torch.

    Example:
        >>> import nablagrad as torch
        >>> w = [torch.zeros(4, 1), torch.zeros(4, 1)]
        >>> out, h, c = torch.lstm(torch.ones(1, 1, 1), [torch.zeros(1, 1, 1),
        ...                        torch.ones(1, 1, 1)], w, False, 1, 0.0, False, False, False)
        >>> c.flatten(), h.flatten()
        (tensor([0.5000]), tensor([0.2311]))
    """
    return _rnn_full("lstm", "LSTM", args, kwargs)  # type: ignore[return-value]


def gru(*args: Any, **kwargs: Any) -> tuple[Tensor, Tensor]:
    """A whole GRU, torch's top-level form of ``nn.GRU``: ``gru(input, hx, params, has_biases,
    num_layers, dropout, train, bidirectional, batch_first)`` or packed ``gru(data,
    batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)``; returns
    ``(output, h_n)``.

    r, z = sig(.); n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)); h' = (1 - z) n + z h.

    Example:
        >>> import nablagrad as torch
        >>> w = [torch.zeros(3, 1), torch.zeros(3, 1)]
        >>> out, h = torch.gru(torch.ones(1, 1, 1), torch.ones(1, 1, 1), w, False, 1, 0.0,
        ...                    False, False, False)
        >>> h.flatten()
        tensor([0.5000])
    """
    return _rnn_full("gru", "GRU", args, kwargs)  # type: ignore[return-value]


# -- embedding_bag (ATen's 4-tuple form) -------------------------------------------------------

_BAG_MODES = {0: "sum", 1: "mean", 2: "max"}


def embedding_bag(
    weight: Tensor,
    indices: Tensor,
    offsets: Tensor,
    scale_grad_by_freq: bool = False,
    mode: int = 0,
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """torch's top-level ``embedding_bag``: weight first, ``mode`` an int (0 sum, 1 mean,
    2 max), ``offsets`` required, and ATen's four results ``(output, offset2bag, bag_size,
    max_indices)``.

    ``output`` is ``F.embedding_bag``'s (sum, mean or max of ``weight``'s rows over each bag).
    The other three are what torch's CPU kernel returns, in the dtype of ``indices``:
    ``offset2bag`` the bag of each index (empty in sum mode on float32 weights without
    ``padding_idx``, torch's fast kernel),
    ``bag_size`` the number of non-padding indices per bag (zeros in sum mode),
    ``max_indices`` the row of ``weight`` that gave each maximum (max mode; ``bag_size`` in
    mean mode, zeros in sum mode).  ``padding_idx`` is None (no padding) or a row, negative
    counting from the end as torch's (-1 is the last row, not "none").

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([[0.0, 5.0], [1.0, 1.0], [2.0, 0.0]])
        >>> out, offset2bag, bag_size, arg = torch.embedding_bag(
        ...     w, torch.tensor([0, 1, 2]), torch.tensor([0, 1]), False, 2)
        >>> out
        tensor([[0., 5.],
                [2., 1.]])
        >>> offset2bag, bag_size, arg
        (tensor([0, 1, 1]), tensor([1, 2]), tensor([[0, 0],
                [2, 1]]))
    """
    if isinstance(mode, bool) or mode not in _BAG_MODES:
        raise RuntimeError(
            f"`mode` must be sum, mean, or max: 0, 1 or 2 at top level, got {mode!r}"
        )
    if not isinstance(offsets, Tensor):
        raise TypeError(
            "embedding_bag(): argument 'offsets' (position 3) must be Tensor, not "
            f"{type(offsets).__name__} (the top-level form takes 1-D indices with offsets)"
        )
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError("embedding_bag(): weight has to be a 2-D Tensor")
    num = weight.shape[0]
    if padding_idx is not None:
        if isinstance(padding_idx, bool) or not -num <= int(padding_idx) < num:
            raise RuntimeError(
                f"embedding_bag(): padding_idx must be within [-{num}, {num}), got {padding_idx}"
            )
        padding_idx = int(padding_idx) % num
    name = _BAG_MODES[mode]
    output = F.embedding_bag(
        indices,
        weight,
        offsets,
        scale_grad_by_freq=scale_grad_by_freq,
        mode=name,
        sparse=sparse,
        per_sample_weights=per_sample_weights,
        include_last_offset=include_last_offset,
        padding_idx=padding_idx,
    )
    idx, bag, valid, n_bags = _bags(indices, offsets, include_last_offset)
    xp = get_array_module(idx)
    dt = idx.dtype
    keep = xp.ones(idx.shape, dtype=bool) if padding_idx is None else idx != padding_idx
    if name == "sum":
        # torch's fast float32 sum kernel leaves offset2bag empty; its general kernel fills it
        fast = padding_idx is None and weight.dtype == backend.float32
        o2b = xp.zeros((0,), dtype=dt) if fast else bag
        # torch's forward-only sum kernel sizes these per offset, its autograd one per bag
        grad = weight.requires_grad and is_grad_enabled()
        size = xp.zeros((n_bags if grad else offsets.shape[0],), dtype=dt)
        return output, *(Tensor._wrap(a.astype(dt)) for a in (o2b, size, size))  # type: ignore[return-value]
    size = xp.bincount(bag[keep], minlength=n_bags)[:n_bags]
    if name == "mean":
        arg = size
    else:  # the first row (in bag order) holding each bag's maximum; 0 for an empty bag
        pos = xp.nonzero(keep & valid)[0]
        rows = weight._data[idx[pos]]
        dim, k = weight.shape[1], pos.shape[0]
        arg = xp.zeros((n_bags, dim), dtype=xp.int64)
        if k:
            mx = xp.full((n_bags, dim), -xp.inf, dtype=rows.dtype)
            xp.maximum.at(mx, bag[pos], rows)
            cand = xp.where(rows == mx[bag[pos]], xp.arange(k)[:, None], k)
            first = xp.full((n_bags, dim), k, dtype=xp.int64)
            xp.minimum.at(first, bag[pos], cand)
            arg = xp.where(first < k, idx[pos][xp.minimum(first, k - 1)], 0)
    return output, *(Tensor._wrap(a.astype(dt)) for a in (bag, size, arg))  # type: ignore[return-value]


__all__ = [
    "convolution",
    "conv_tbc",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool3d",
    "avg_pool1d",
    "adaptive_avg_pool1d",
    "adaptive_max_pool1d",
    "dropout",
    "dropout_",
    "alpha_dropout",
    "alpha_dropout_",
    "feature_alpha_dropout",
    "feature_alpha_dropout_",
    "feature_dropout",
    "feature_dropout_",
    "batch_norm",
    "instance_norm",
    "layer_norm",
    "group_norm",
    "embedding",
    "embedding_renorm_",
    "celu",
    "celu_",
    "selu",
    "selu_",
    "rrelu",
    "rrelu_",
    "threshold",
    "threshold_",
    "constant_pad_nd",
    "grid_sampler",
    "affine_grid_generator",
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "triplet_margin_loss",
    "poisson_nll_loss",
    "kl_div",
    "ctc_loss",
    "binary_cross_entropy_with_logits",
    "rnn_tanh_cell",
    "rnn_relu_cell",
    "lstm_cell",
    "gru_cell",
    "rnn_tanh",
    "rnn_relu",
    "lstm",
    "gru",
    "embedding_bag",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "rms_norm",
    "native_layer_norm",
    "native_batch_norm",
    "native_group_norm",
    "native_dropout",
    "bilinear",
    "hardshrink",
    "prelu",
    "pixel_shuffle",
    "pixel_unshuffle",
    "channel_shuffle",
    "native_channel_shuffle",
    "pdist",
    "cosine_similarity",
    "pairwise_distance",
]
