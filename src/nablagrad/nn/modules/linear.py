"""``torch.nn.modules.linear``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    Bilinear,
    Identity,
    LazyLinear,
    Linear,
)
from ..attention import NonDynamicallyQuantizableLinear

__all__ = ["NonDynamicallyQuantizableLinear", "Bilinear", "Identity", "LazyLinear", "Linear"]
