"""``nablagrad.nn``: modules, layers, activations, losses and initialisation (torch.nn's API).

Example:
    >>> import nablagrad as torch
    >>> from nablagrad import nn
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    >>> loss = nn.CrossEntropyLoss()(net(torch.randn(5, 4)), torch.tensor([0, 1, 2, 0, 1]))
    >>> loss.backward()
"""

from __future__ import annotations

from . import functional, init, utils
from .activation import (
    ELU,
    GELU,
    SELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    Maxout,
    Mish,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .container import ModuleDict, ModuleList, Sequential
from .conv import (
    AdaptiveAvgPool2d,
    AvgPool2d,
    Conv1d,
    Conv2d,
    ConvTranspose1d,
    ConvTranspose2d,
    MaxPool2d,
)
from .linear import Flatten, Identity, Linear, Unflatten
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
    l1_penalty,
    l2_penalty,
)
from .module import Module
from .parallel import DataParallel
from .normalization import BatchNorm1d, BatchNorm2d, Dropout, Embedding, LayerNorm
from .parameter import Parameter, UninitializedBuffer, UninitializedParameter
from . import parameter
from .lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyConv1d,
    LazyConv2d,
    LazyLinear,
    LazyModuleMixin,
)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell
from .sync_batchnorm import SyncBatchNorm
from . import parallel

__all__ = [
    "functional",
    "init",
    "utils",
    "Module",
    "DataParallel",
    "Parameter",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "Identity",
    "Flatten",
    "Unflatten",
    "Linear",
    "LazyLinear",
    "Conv1d",
    "Conv2d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyModuleMixin",
    "UninitializedParameter",
    "UninitializedBuffer",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "Dropout",
    "BatchNorm1d",
    "BatchNorm2d",
    "SyncBatchNorm",
    "parallel",
    "LayerNorm",
    "Embedding",
    "RNNBase",
    "RNN",
    "LSTM",
    "GRU",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "LeakyReLU",
    "ELU",
    "SELU",
    "GELU",
    "SiLU",
    "Softplus",
    "Mish",
    "Hardtanh",
    "Softmax",
    "LogSoftmax",
    "Maxout",
    "MSELoss",
    "L1Loss",
    "HuberLoss",
    "SmoothL1Loss",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
    "KLDivLoss",
    "l1_penalty",
    "l2_penalty",
]
