"""``torch.nn.modules.channelshuffle``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    ChannelShuffle,
)

__all__ = ["ChannelShuffle"]
