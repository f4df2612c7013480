"""``torch.nn.modules.normalization``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    CrossMapLRN2d,
    GroupNorm,
    LayerNorm,
    LocalResponseNorm,
    RMSNorm,
)

__all__ = ["CrossMapLRN2d", "GroupNorm", "LayerNorm", "LocalResponseNorm", "RMSNorm"]
