"""``torch.nn.modules``: nablagrad's layers under torch's module layout.

Code that imports from torch's submodules (``from torch.nn.modules.loss import _Loss``,
``isinstance(m, torch.nn.modules.batchnorm._BatchNorm)``, ``torch.nn.modules.linear.Linear``)
finds the same classes as ``nablagrad.nn``: each submodule holds those of the classes torch
defines there that nablagrad has.
"""

from __future__ import annotations

from . import (
    activation,
    adaptive,
    batchnorm,
    channelshuffle,
    container,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    instancenorm,
    linear,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
)
from .. import *  # noqa: F403 - torch.nn.modules re-exports every layer
from ..module import Module
