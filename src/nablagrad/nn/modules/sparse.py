"""``torch.nn.modules.sparse``: the classes torch defines there, from ``nablagrad.nn``."""

from __future__ import annotations

from .. import (
    Embedding,
    EmbeddingBag,
)

__all__ = ["Embedding", "EmbeddingBag"]
