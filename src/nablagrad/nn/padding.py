"""Padding modules (torch.nn's ``ZeroPad1d/2d``, ``ConstantPad1d/2d``, ``ReflectionPad1d/2d``,
``ReplicationPad1d/2d``): ``F.pad`` with a stored padding and mode.

``padding`` is an int (every side) or a tuple ``(left, right)`` (1-D),
``(left, right, top, bottom)`` (2-D) or ``(left, right, top, bottom, front, back)`` (3-D), as
torch.

Example:
    >>> import nablagrad as torch
    >>> torch.nn.ReflectionPad1d(2)(torch.tensor([[[1.0, 2.0, 3.0]]]))
    tensor([[[3., 2., 1., 2., 3., 2., 1.]]])
"""

from __future__ import annotations

from typing import Any

from .. import _validate
from ..ops.shape import pad
from ..tensor import Tensor
from .module import Module


def _widths(padding: Any, n: int, name: str) -> tuple:
    if _validate.is_int(padding):
        return (int(padding),) * (2 * n)
    if isinstance(padding, (tuple, list)):  # checked by F.pad at the call, as torch
        return tuple(padding)
    raise TypeError(f"{name}: padding must be an int or a tuple of ints, got {padding!r}")


class _Pad(Module):
    _mode = "constant"
    _n = 1

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = _widths(padding, self._n, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:
        ranks = (self._n + 1, self._n + 2)
        if self._mode != "constant" and input.ndim not in ranks:
            raise RuntimeError(
                f"{type(self).__name__}: expected {ranks[0]}D or {ranks[1]}D input, got input "
                f"of shape {list(input.shape)}"
            )
        return pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pad the last dimension with ``value``."""

    _n = 1


class ConstantPad2d(_ConstantPad):
    """Pad the last two dimensions with ``value``."""

    _n = 2


class ZeroPad1d(ConstantPad1d):
    """Pad the last dimension with zeros."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dimensions with zeros."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_Pad):
    """Pad the last dimension with its reflection (the edge not repeated)."""

    _mode, _n = "reflect", 1


class ReflectionPad2d(_Pad):
    """Pad the last two dimensions with their reflection."""

    _mode, _n = "reflect", 2


class ReplicationPad1d(_Pad):
    """Pad the last dimension by repeating its edge values."""

    _mode, _n = "replicate", 1


class ReplicationPad2d(_Pad):
    """Pad the last two dimensions by repeating their edge values."""

    _mode, _n = "replicate", 2


class CircularPad1d(_Pad):
    """Pad the last dimension by wrapping around (the other end's values)."""

    _mode, _n = "circular", 1


class CircularPad2d(_Pad):
    """Pad the last two dimensions by wrapping around."""

    _mode, _n = "circular", 2


class ConstantPad3d(_ConstantPad):
    """Pad the last three dimensions with ``value``."""

    _n = 3


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dimensions with zeros."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad3d(_Pad):
    """Pad the last three dimensions with their reflection."""

    _mode, _n = "reflect", 3


class ReplicationPad3d(_Pad):
    """Pad the last three dimensions by repeating their edge values."""

    _mode, _n = "replicate", 3


class CircularPad3d(_Pad):
    """Pad the last three dimensions by wrapping around."""

    _mode, _n = "circular", 3
