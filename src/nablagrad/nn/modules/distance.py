"""``torch.nn.modules.distance``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    CosineSimilarity,
    PairwiseDistance,
)

__all__ = ["CosineSimilarity", "PairwiseDistance"]
