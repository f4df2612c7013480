"""``torch.nn.modules.module``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    Module,
)

__all__ = ["Module"]
