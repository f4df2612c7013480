"""Primitive operations grouped by family; each module's Functions carry forward and backward."""

from . import compare, elementwise, index, linalg, reduce, shape

__all__ = ["compare", "elementwise", "index", "linalg", "reduce", "shape"]
