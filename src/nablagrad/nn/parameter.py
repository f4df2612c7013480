"""``Parameter``: a Tensor that a ``Module`` registers as learnable.

Example:
    >>> import nablagrad as torch
    >>> p = torch.nn.Parameter(torch.zeros(3))
    >>> p.requires_grad
    True
"""

from __future__ import annotations

from typing import Any

from ..backend import default_float_np
from ..tensor import Tensor, to_array


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` that modules collect in ``parameters()``."""

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = to_array([], dtype=default_float_np())
        elif isinstance(data, Tensor):
            arr = data._data  # shares memory, as torch.nn.Parameter does
        else:
            arr = to_array(data, copy=False)
        self._data = arr
        self._init_state(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        out = Parameter(Tensor._wrap(self._data.copy()), self._requires_grad)
        memo[id(self)] = out
        return out

    def __reduce__(self) -> tuple:
        return (_rebuild_parameter, (self.detach().numpy(), self._requires_grad))


def _rebuild_parameter(data: Any, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._wrap(data), requires_grad)
