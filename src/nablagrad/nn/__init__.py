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
from .container import Container, ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
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
    NLLLoss2d,
    SmoothL1Loss,
    l1_penalty,
    l2_penalty,
)
from .module import Module
from .parallel import DataParallel
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, Dropout, Embedding, LayerNorm
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter
from . import parameter
from .lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyLinear,
    LazyModuleMixin,
)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .sync_batchnorm import SyncBatchNorm
from .activation_extra import (
    CELU,
    GLU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    LogSigmoid,
    PReLU,
    ReLU6,
    RReLU,
    Softmax2d,
    Softmin,
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
)
from .distance import CosineSimilarity, PairwiseDistance
from .linear import Bilinear
from .loss_extra import (
    CosineEmbeddingLoss,
    CTCLoss,
    MultiLabelMarginLoss,
    TripletMarginWithDistanceLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    MarginRankingLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    PoissonNLLLoss,
    SoftMarginLoss,
    TripletMarginLoss,
)
from .normalization_extra import (
    AlphaDropout,
    Dropout3d,
    InstanceNorm3d,
    FeatureAlphaDropout,
    RMSNorm,
    Dropout1d,
    Dropout2d,
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    CrossMapLRN2d,
    LocalResponseNorm,
)
from .padding import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad3d,
    ReflectionPad3d,
    ReplicationPad3d,
    ZeroPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReplicationPad1d,
    ReplicationPad2d,
    ZeroPad1d,
    ZeroPad2d,
)
from .pooling import (
    AdaptiveAvgPool1d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    FractionalMaxPool2d,
    FractionalMaxPool3d,
    LPPool1d,
    LPPool2d,
    MaxPool1d,
    MaxUnpool1d,
    MaxUnpool2d,
)
from . import parallel
from .attention import MultiheadAttention
from .embedding_bag import EmbeddingBag
from .sampling import (
    ChannelShuffle,
    Fold,
    PixelShuffle,
    PixelUnshuffle,
    Unfold,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .conv3d import AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, Conv3d
from .conv3d import ConvTranspose3d, LPPool3d, MaxPool3d, MaxUnpool3d
from .lazy3d import LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d
from .lazy3d import LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d

__all__ = [
    "functional",
    "init",
    "utils",
    "Module",
    "DataParallel",
    "Parameter",
    "Buffer",
    "Sequential",
    "ModuleList",
    "ModuleDict",
    "ParameterList",
    "ParameterDict",
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
    "LazyBatchNorm3d",
    "LazyModuleMixin",
    "UninitializedParameter",
    "UninitializedBuffer",
    "MaxPool2d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "Dropout",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
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
    # more activations, normalisation, distances, pooling, padding, dropout, losses
    "CELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "LogSigmoid", "PReLU", "ReLU6",
    "RReLU", "Softmax2d", "Softmin", "Softshrink", "Softsign", "Tanhshrink", "Threshold",
    "CosineSimilarity", "PairwiseDistance", "Bilinear",
    "CosineEmbeddingLoss", "GaussianNLLLoss", "HingeEmbeddingLoss", "MarginRankingLoss",
    "MultiLabelSoftMarginLoss", "MultiMarginLoss", "PoissonNLLLoss", "SoftMarginLoss",
    "TripletMarginLoss",
    "AlphaDropout", "Dropout1d", "Dropout2d", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d",
    "LocalResponseNorm",
    "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d",
    "ReplicationPad2d", "ZeroPad1d", "ZeroPad2d",
    "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AvgPool1d", "LPPool1d",
    "LPPool2d", "MaxPool1d", "CircularPad1d", "CircularPad2d", "FeatureAlphaDropout", "RMSNorm",
    "MultiLabelMarginLoss", "TripletMarginWithDistanceLoss", "Dropout3d", "InstanceNorm3d",
    "CircularPad3d", "ConstantPad3d", "ReflectionPad3d", "ReplicationPad3d", "ZeroPad3d",
    "MaxUnpool1d", "MaxUnpool2d", "FractionalMaxPool2d", "FractionalMaxPool3d",
    "MultiheadAttention",
    "Transformer",
    "TransformerEncoder",
    "TransformerDecoder",
    "TransformerEncoderLayer",
    "TransformerDecoderLayer",
    "Upsample",
    "UpsamplingNearest2d",
    "UpsamplingBilinear2d",
    "PixelShuffle",
    "ChannelShuffle",
    "CTCLoss",
    "PixelUnshuffle",
    "Fold",
    "Unfold",
    "EmbeddingBag",
    # 3-D convolution and pooling, more lazy modules
    "Conv3d", "ConvTranspose3d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
    "LazyConvTranspose3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d",
    "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "LPPool3d",
    "MaxUnpool3d",
    "AdaptiveLogSoftmaxWithLoss", "RNNCellBase", "NLLLoss2d", "Container", "CrossMapLRN2d",
]  # fmt: skip

from . import modules  # noqa: E402 - torch.nn.modules: the layers under torch's module paths
from . import grad  # noqa: E402 - torch.nn.grad: conv{1,2,3}d_input / conv{1,2,3}d_weight
from .linear_cross_entropy import (  # noqa: E402
    LinearCrossEntropyLoss,
    LinearCrossEntropyOptions,
)

__all__ += ["LinearCrossEntropyLoss", "LinearCrossEntropyOptions"]
