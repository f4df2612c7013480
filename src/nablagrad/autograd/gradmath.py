"""The math namespace ``m`` that backward formulas are written against.

Every backward formula is written once, with operators, the methods arrays and Tensors share
(``reshape``, ``sum(axis=..., keepdims=...)``, ``swapaxes``) and the functions of ``m``::

    grad_of_sin = lambda m, g, out, x: g * m.cos(x)

The engine picks ``m`` per backward pass (``Function.m``):

- ``ARRAY`` in a plain ``backward()``: ``g``, ``out`` and the inputs are raw arrays and
  ``m.cos`` is the array function itself, so nothing is recorded and nothing is wrapped;
- ``TENSOR`` under ``create_graph=True``: they are Tensors and ``m.cos`` is the ``Cos``
  primitive, whose own backward formula is in the table, so the gradient is a graph and
  second derivatives need no extra code.

``m.call(Primitive, *args, **kwargs)`` runs any primitive the same way: its ``forward`` on the
arrays (``ARRAY``), or ``Primitive.apply`` (``TENSOR``).  A linear operation's backward is
usually another primitive (the gradient of a gather is a scatter-add), so such formulas are
one ``m.call``.  The table's primitives (``ops/table.py``) are available by name
(``m.exp``, ``m.sign`` ...) through ``register``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ArrayMath:
    """Backward math on raw arrays: nothing is recorded."""

    tensors = False

    @staticmethod
    def call(cls: Any, *args: Any, **kwargs: Any) -> Any:
        """Run primitive ``cls``'s forward on arrays."""
        return cls().forward(*args, **kwargs)

    @staticmethod
    def raw(x: Any) -> Any:
        """The array behind ``x`` (masks and other non-differentiable quantities)."""
        return x


class TensorMath:
    """Backward math on Tensors: every function is a recorded, differentiable primitive."""

    tensors = True

    @staticmethod
    def call(cls: Any, *args: Any, **kwargs: Any) -> Any:
        """Apply primitive ``cls`` to Tensors (recorded, so it can be differentiated again)."""
        return cls.apply(*args, **kwargs)

    @staticmethod
    def raw(x: Any) -> Any:
        """The array behind ``x`` (masks and other non-differentiable quantities)."""
        return x._data


ARRAY: Any = ArrayMath()
TENSOR: Any = TensorMath()


def register(name: str, on_arrays: Callable[..., Any], on_tensors: Callable[..., Any]) -> None:
    """Make ``m.<name>`` available to backward formulas (``ops`` registers its primitives)."""
    setattr(ARRAY, name, on_arrays)
    setattr(TENSOR, name, on_tensors)
