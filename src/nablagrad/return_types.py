"""``torch.return_types``: the named tuples of the reductions that give values and indices
(``x.max(1)`` is a ``return_types.max``: ``values, indices = x.max(1)``, ``r.values``,
``r[1]``), printed as torch prints them, one field per line.

Example:
    >>> import nablagrad as torch
    >>> torch.tensor([[1.0, 3.0]]).max(1)
    nablagrad.return_types.max(
    values=tensor([3.]),
    indices=tensor([1]))
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

__all__ = [
    "aminmax",
    "cummax",
    "cummin",
    "kthvalue",
    "max",
    "median",
    "min",
    "mode",
    "nanmedian",
    "sort",
    "topk",
]


def _repr(self: Any) -> str:
    body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
    return f"nablagrad.return_types.{type(self).__name__}(\n{body})"


def _make(name: str, fields: tuple[str, ...]) -> type:
    """A named tuple type ``name`` (importable from this module, so it pickles) with torch's
    printed form."""
    base = namedtuple(name, fields)  # type: ignore[misc]
    doc = f"torch.return_types.{name}: ({', '.join(fields)})."
    return type(name, (base,), {"__slots__": (), "__repr__": _repr, "__doc__": doc,
                                "__module__": __name__})  # fmt: skip


_VI = ("values", "indices")
max = _make("max", _VI)  # noqa: A001 - torch's names
min = _make("min", _VI)  # noqa: A001
sort = _make("sort", _VI)
topk = _make("topk", _VI)
kthvalue = _make("kthvalue", _VI)
median = _make("median", _VI)
nanmedian = _make("nanmedian", _VI)
mode = _make("mode", _VI)
cummax = _make("cummax", _VI)
cummin = _make("cummin", _VI)
aminmax = _make("aminmax", ("min", "max"))
