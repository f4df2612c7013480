"""``torch.nn.modules.adaptive``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from ..adaptive import AdaptiveLogSoftmaxWithLoss, _ASMoutput  # noqa: F401 - torch's names

__all__ = ["AdaptiveLogSoftmaxWithLoss"]
