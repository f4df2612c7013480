"""``torch.nn.modules.container``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    Container,
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Container", "Sequential"]
