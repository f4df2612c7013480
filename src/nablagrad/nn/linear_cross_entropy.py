"""torch 2.13's fused linear + cross-entropy: ``F.linear_cross_entropy``,
``nn.LinearCrossEntropyLoss`` and ``nn.LinearCrossEntropyOptions``.

The loss is ``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``; a
weight of shape ``(C, d_1, ..., d_K, in_features)`` gives K-dimensional logits ``(N, C, d_1,
..., d_K)``.  nablagrad computes torch's reference path for every call: the options of
torch's chunked path (which never materialises the logits) are accepted and checked, and give
the same values, but no memory saving here.
"""

from __future__ import annotations

import math
from typing import Any

from ..tensor import Tensor
from . import functional as F
from .linear import Linear
from .loss import _Loss

__all__ = ["LinearCrossEntropyLoss", "LinearCrossEntropyOptions", "linear_cross_entropy"]

_ACC_POLICIES = ("accurate", "balanced", "compact", "auto")


class LinearCrossEntropyOptions:
    """torch's settings of the chunked ``linear_cross_entropy`` (batch chunk size, chunking
    method, accumulation policy and dtype).  Accepted and validated; nablagrad always computes
    the reference path, which gives the same loss and gradients.

    Example:
        >>> import nablagrad as torch
        >>> options = torch.nn.LinearCrossEntropyOptions(batch_chunk_size=64)
        >>> options.batch_chunk_size, options.acc_policy
        (64, 'auto')
    """

    def __init__(
        self,
        allow_retain_graph: bool = False,
        batch_chunk_size: int | None = None,
        chunking_method: str | None = "auto",
        acc_policy: str = "auto",
        acc_dtype: Any = None,
    ) -> None:
        if acc_policy not in _ACC_POLICIES:
            raise ValueError(f"invalid acc_policy: {acc_policy!r} (one of {list(_ACC_POLICIES)})")
        if batch_chunk_size is not None and (
            isinstance(batch_chunk_size, bool)
            or not isinstance(batch_chunk_size, int)
            or batch_chunk_size <= 0
        ):
            raise ValueError(
                f"batch_chunk_size must be a positive int or None, got {batch_chunk_size!r}"
            )
        self.allow_retain_graph = allow_retain_graph
        self.batch_chunk_size = batch_chunk_size
        self.chunking_method = chunking_method
        self.acc_policy = acc_policy
        self.acc_dtype = acc_dtype

    def __repr__(self) -> str:
        fields = ("allow_retain_graph", "batch_chunk_size", "chunking_method", "acc_policy")
        body = ", ".join(f"{k}={getattr(self, k)!r}" for k in fields)
        return f"LinearCrossEntropyOptions({body}, acc_dtype={self.acc_dtype})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(other) == vars(self)

    __hash__ = None  # type: ignore[assignment] - mutable, as torch's dataclass


def linear_cross_entropy(
    input: Tensor,  # noqa: A002
    linear_weight: Tensor,
    target: Tensor,
    *,
    linear_bias: Tensor | None = None,
    weight: Tensor | None = None,
    reduction: str = "mean",
    ignore_index: int | None = None,
    label_smoothing: float = 0.0,
    options: LinearCrossEntropyOptions | None = None,
) -> Tensor:
    """Cross entropy of the logits ``input @ linear_weight^T + linear_bias`` against
    ``target`` (class indices or probabilities): ``cross_entropy(linear(input, linear_weight,
    linear_bias), target, weight, ignore_index=-100 if ignore_index is None else ignore_index,
    reduction=reduction, label_smoothing=label_smoothing)``.  A ``linear_weight`` of shape
    ``(C, d_1, ..., d_K, in_features)`` (batched ``input`` only) gives logits ``(N, C, d_1,
    ..., d_K)`` for a K-dimensional ``target``.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
        >>> w = torch.tensor([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
        >>> torch.nn.functional.linear_cross_entropy(x, w, torch.tensor([0, 1]))
        tensor(0.2395)
    """
    for name, value in (("input", input), ("linear_weight", linear_weight)):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"linear_cross_entropy(): argument '{name}' must be Tensor, not "
                f"{type(value).__name__}"
            )
    if options is not None and not isinstance(options, LinearCrossEntropyOptions):
        raise TypeError(
            "linear_cross_entropy(): options must be a LinearCrossEntropyOptions or None, got "
            f"{type(options).__name__}"
        )
    if linear_weight.dim() < 2:
        raise RuntimeError(
            "linear_cross_entropy: linear_weight must be (C, in_features) or (C, d_1, ..., d_K, "
            f"in_features), got shape {tuple(linear_weight.shape)}"
        )
    classes, in_features = linear_weight.shape[0], linear_weight.shape[-1]
    out_features = tuple(linear_weight.shape[1:-1])
    if out_features and input.dim() != 2:
        raise RuntimeError(
            f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} "
            f"requires batched input, (N, {in_features}), got unbatched input with shape "
            f"{tuple(input.shape)}"
        )
    bias = None if linear_bias is None else linear_bias.reshape(-1)
    logits = F.linear(input, linear_weight.reshape(-1, in_features), bias)
    if out_features:
        logits = logits.reshape(input.shape[0], classes, *out_features)
    return F.cross_entropy(
        logits,
        target,
        weight,
        ignore_index=-100 if ignore_index is None else ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )


class LinearCrossEntropyLoss(_Loss):
    """A ``Linear(in_features, num_classes * prod(out_features), bias)`` (its weight stored
    flat, as torch's) followed by cross entropy: ``forward(input, target)`` is
    ``linear_cross_entropy(input, W.reshape(C, *out_features, in_features), target, ...)``.

    Example:
        >>> import nablagrad as torch
        >>> loss = torch.nn.LinearCrossEntropyLoss(4, 3)
        >>> loss(torch.randn(5, 4), torch.tensor([0, 1, 2, 0, 1])).shape
        nablagrad.Size([])
    """

    def __init__(
        self,
        in_features: int,
        num_classes: int,
        *,
        out_features: tuple[int, ...] = (),
        bias: bool = False,
        device: Any = None,
        dtype: Any = None,
        reduction: str = "mean",
        weight: Tensor | None = None,
        ignore_index: int | None = None,
        label_smoothing: float = 0.0,
        options: LinearCrossEntropyOptions | None = None,
    ) -> None:
        super().__init__(reduction=reduction)
        self.register_buffer("weight", weight)
        self.in_features, self.num_classes = in_features, num_classes
        self.out_features = tuple(int(d) for d in out_features)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing
        self.options = options
        width = num_classes * math.prod(self.out_features)
        self.linear = Linear(in_features, width, bias=bias, device=device, dtype=dtype)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        shape = (self.num_classes, *self.out_features)
        bias = self.linear.bias
        return linear_cross_entropy(
            input,
            self.linear.weight.reshape(*shape, self.in_features),
            target,
            linear_bias=None if bias is None else bias.reshape(shape),
            weight=self.weight,
            reduction=self.reduction,
            ignore_index=self.ignore_index,
            label_smoothing=self.label_smoothing,
            options=self.options,
        )

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, num_classes={self.num_classes}, "
            f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
            f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
            f"label_smoothing={self.label_smoothing}, options={self.options}"
        )
