"""``torch.nn.modules.flatten``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    Flatten,
    Unflatten,
)

__all__ = ["Flatten", "Unflatten"]
