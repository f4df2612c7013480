"""``torch.utils.hooks``: ``RemovableHandle``, the class of every handle a ``register_*hook``
of a tensor or module returns (defined in ``nablagrad._hooks``, below the tensor layer).

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.utils.hooks import RemovableHandle
    >>> lin = torch.nn.Linear(2, 2)
    >>> handle = lin.register_forward_hook(lambda module, args, out: None)
    >>> isinstance(handle, RemovableHandle)
    True
    >>> handle.remove()
    >>> len(lin._forward_hooks)
    0
"""

from __future__ import annotations

from .._hooks import RemovableHandle

__all__ = ["RemovableHandle"]
