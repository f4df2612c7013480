"""``torch.nn.modules.upsampling``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)

__all__ = ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"]
