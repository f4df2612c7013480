"""Loss modules (wrappers over the functional forms in ``nn._losses``) and weight penalties.

Example:
    >>> import nablagrad as torch
    >>> loss = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    >>> round(loss(torch.zeros(2, 4), torch.tensor([1, 3])).item(), 4)
    1.3863
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from . import _losses as L
from .module import Module


class _Loss(Module):
    def __init__(
        self, size_average: bool | None = None, reduce: bool | None = None, reduction: str = "mean"
    ) -> None:
        super().__init__()
        reduction = L._legacy(size_average, reduce, reduction)
        if reduction not in ("mean", "sum", "none", "batchmean"):
            raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:  # torch's losses print no arguments
        return ""


class MSELoss(_Loss):
    """mean((x - y)^2)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return L.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """mean(|x - y|)."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return L.l1_loss(input, target, reduction=self.reduction)


class HuberLoss(_Loss):
    """Quadratic for |x - y| < delta, linear beyond."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return L.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """Huber loss divided by beta (quadratic below beta)."""

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        beta: float = 1.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return L.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities."""

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)  # a buffer, as torch's: loss.to(device) moves it

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return L.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy in one stable formula; ``pos_weight`` scales positives."""

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        pos_weight: Tensor | None = None,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return L.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits (class indices or probabilities as targets)."""

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return L.cross_entropy(
            input,
            target,
            self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_Loss):
    """Negative log-likelihood on log-probabilities (pair with LogSoftmax)."""

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return L.nll_loss(
            input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction
        )


class NLLLoss2d(NLLLoss):
    """torch's deprecated ``NLLLoss2d``: ``NLLLoss`` (which takes (N, C, d1, ...) inputs),
    with torch's FutureWarning.

    Example:
        >>> import warnings
        >>> import nablagrad as torch
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     loss = torch.nn.NLLLoss2d()
        >>> loss(torch.full((1, 2, 2, 2), 0.5).log(), torch.zeros(1, 2, 2, dtype=torch.long))
        tensor(0.6931)
    """

    def __init__(
        self,
        weight: Tensor | None = None,
        size_average: bool | None = None,
        ignore_index: int = -100,
        reduce: bool | None = None,
        reduction: str = "mean",
    ) -> None:
        warnings.warn(
            "`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead as a drop-in "
            "replacement and see https://pytorch.org/docs/main/nn.html#torch.nn.NLLLoss for "
            "more details.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__(weight, size_average, ignore_index, reduce, reduction)


class KLDivLoss(_Loss):
    """KL(target || exp(input)) pointwise; input holds log-probabilities."""

    def __init__(
        self,
        size_average: bool | None = None,
        reduce: bool | None = None,
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return L.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


def l1_penalty(parameters: Iterable[Tensor] | Any, weight: float = 1.0) -> Tensor:
    """weight * sum_p sum |p|: add to the loss for L1 (lasso) regularisation.

    Example:
        >>> import nablagrad as torch
        >>> net = torch.nn.Linear(3, 1)
        >>> loss = net(torch.randn(4, 3)).pow(2).mean() + l1_penalty(net.parameters(), 1e-3)
    """
    return weight * _total(p.abs().sum() for p in _params(parameters))


def l2_penalty(parameters: Iterable[Tensor] | Any, weight: float = 1.0) -> Tensor:
    """weight * sum_p sum p^2 / 2: add to the loss for L2 regularisation (weight decay).

    Its gradient is weight * p, the same step as an optimiser's ``weight_decay=weight``.
    """
    return weight * 0.5 * _total((p * p).sum() for p in _params(parameters))


def _params(parameters: Any) -> list:
    if isinstance(parameters, Module):
        return [p for n, p in parameters.named_parameters() if n.endswith("weight")]
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def _total(terms: Any) -> Tensor:
    total = None
    for t in terms:
        total = t if total is None else total + t
    if total is None:
        raise ValueError("weight penalty: no parameters given")
    return total
