"""Every primitive, in one home: the table (``table.py``) and the families built from it or
written by hand (see docs/DESIGN.md, "Primitives: one home")."""

from . import compare, conv, elementwise, fused, index, inplace, linalg, reduce, shape, table

__all__ = [
    "compare",
    "conv",
    "elementwise",
    "fused",
    "index",
    "inplace",
    "linalg",
    "reduce",
    "shape",
    "table",
]
