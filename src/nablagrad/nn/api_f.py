"""``nn.ChannelShuffle`` and ``nn.CTCLoss`` (torch.nn's modules over ``nn/_api_f.py``).

Example:
    >>> import nablagrad as torch
    >>> torch.nn.ChannelShuffle(2)
    ChannelShuffle(groups=2)
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import _api_f as A
from .loss import _Loss
from .module import Module

__all__ = ["ChannelShuffle", "CTCLoss"]


class ChannelShuffle(Module):
    """(N, C, *) with the channels of ``groups`` groups interleaved (``F.channel_shuffle``).

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.ChannelShuffle(2)(torch.arange(4.0).reshape(1, 4, 1)).flatten()
        tensor([0., 2., 1., 3.])
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return A.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class CTCLoss(_Loss):
    """Connectionist temporal classification loss (``F.ctc_loss``).

    Example:
        >>> import nablagrad as torch
        >>> lp = torch.full((2, 1, 2), 0.5).log()
        >>> round(float(torch.nn.CTCLoss()(lp, torch.tensor([[1]]), [2], [1])), 4)
        0.2877
    """

    def __init__(
        self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False
    ) -> None:
        super().__init__(reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(
        self, log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any
    ) -> Tensor:
        return A.ctc_loss(
            log_probs,
            targets,
            input_lengths,
            target_lengths,
            self.blank,
            self.reduction,
            self.zero_infinity,
        )
