"""``nn.DataParallel``: torch's single-process data-parallel wrapper.

nablagrad runs on one device per process, so -- like torch on a machine without GPUs -- the
wrapper calls the module directly; it keeps torch's attributes (``module``, ``device_ids``,
``output_device``, ``dim``) and state-dict keys (``module.weight`` ...), so code written for
several GPUs runs unchanged.

Example:
    >>> import nablagrad as torch
    >>> net = torch.nn.DataParallel(torch.nn.Linear(2, 3))
    >>> list(net.state_dict())
    ['module.weight', 'module.bias']
"""

from __future__ import annotations

from typing import Any

from ..module import Module


class DataParallel(Module):
    """Calls ``module`` on the whole batch (one device: nothing to scatter or gather)."""

    def __init__(
        self, module: Module, device_ids: Any = None, output_device: Any = None, dim: int = 0
    ) -> None:
        super().__init__()
        self.module = module
        self.device_ids = [] if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)
