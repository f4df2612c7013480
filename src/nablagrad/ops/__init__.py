"""Primitive operations grouped by family; each module's Functions carry forward and backward."""

from . import elementwise, index, linalg, reduce, shape

__all__ = ["elementwise", "index", "linalg", "reduce", "shape"]
