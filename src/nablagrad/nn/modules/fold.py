"""``torch.nn.modules.fold``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    Fold,
    Unfold,
)

__all__ = ["Fold", "Unfold"]
