"""``torch.nn.modules.pixelshuffle``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    PixelShuffle,
    PixelUnshuffle,
)

__all__ = ["PixelShuffle", "PixelUnshuffle"]
