"""``nn.utils.memory_format``: lay out the weights of a model's convolutions in a memory format
(``channels_last`` ...), as ``torch.nn.utils.memory_format``.

Example:
    >>> import nablagrad as torch
    >>> net = torch.nn.Sequential(torch.nn.Conv2d(8, 4, 3))
    >>> net = torch.nn.utils.convert_conv2d_weight_memory_format(net, torch.channels_last)
    >>> net[0].weight.is_contiguous(memory_format=torch.channels_last)
    True
"""

from __future__ import annotations

from typing import Any, TypeVar

from ..conv import Conv2d, ConvTranspose2d
from ..conv3d import Conv3d, ConvTranspose3d

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]

_M = TypeVar("_M")


def _convert(module: Any, memory_format: Any, kinds: tuple[type, ...]) -> Any:
    if isinstance(module, kinds):
        # the same values, re-laid out; the Parameter object (and optimizer references) stays
        module.weight.data = module.weight.detach().clone(memory_format=memory_format)
    for child in module.children():
        _convert(child, memory_format, kinds)
    return module


def convert_conv2d_weight_memory_format(module: _M, memory_format: Any) -> _M:
    """Give the weight of every ``Conv2d`` and ``ConvTranspose2d`` in ``module`` (itself and
    its descendants) the layout ``memory_format``, in place; returns ``module``."""
    return _convert(module, memory_format, (Conv2d, ConvTranspose2d))


def convert_conv3d_weight_memory_format(module: _M, memory_format: Any) -> _M:
    """Give the weight of every ``Conv3d`` and ``ConvTranspose3d`` in ``module`` the layout
    ``memory_format`` (``channels_last_3d``), in place; returns ``module``.

    Example:
        >>> import nablagrad as torch
        >>> net = torch.nn.Conv3d(2, 3, 2)
        >>> net = torch.nn.utils.convert_conv3d_weight_memory_format(net, torch.channels_last_3d)
        >>> net.weight.is_contiguous(memory_format=torch.channels_last_3d)
        True
    """
    return _convert(module, memory_format, (Conv3d, ConvTranspose3d))
