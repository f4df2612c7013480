"""``torch.nn.modules.normalization``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    GroupNorm,
    LayerNorm,
    LocalResponseNorm,
    RMSNorm,
)

__all__ = ["GroupNorm", "LayerNorm", "LocalResponseNorm", "RMSNorm"]
