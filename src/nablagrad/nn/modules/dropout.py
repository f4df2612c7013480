"""``torch.nn.modules.dropout``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    AlphaDropout,
    Dropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
)

__all__ = ["AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout"]
