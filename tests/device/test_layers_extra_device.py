"""The extra layers (activations, normalisation, pooling, padding, losses) give the same
values and gradients on the fake CUDA device as on the CPU (the CPU path is checked against
torch in tests/nn/test_layers_extra.py)."""

import pytest
from test_nn_device import _same_on_device

import nablagrad as ng
from nablagrad import nn


class _Twice(nn.Module):
    """A two-input module (distance, Bilinear) fed the same input twice."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x, x.flip(0))


class _First(nn.Module):
    """The values of a module that returns (values, indices)."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x)[0]


LAYERS = [
    ("PReLU", lambda: nn.PReLU(3), (2, 3, 4)),
    ("CELU", lambda: nn.CELU(0.5), (3, 4)),
    ("Softsign", lambda: nn.Softsign(), (3, 4)),
    ("Tanhshrink", lambda: nn.Tanhshrink(), (3, 4)),
    ("Threshold", lambda: nn.Threshold(0.1, -1.0), (3, 4)),
    ("LogSigmoid", lambda: nn.LogSigmoid(), (3, 4)),
    ("GLU", lambda: nn.GLU(), (3, 4)),
    ("Hardswish", lambda: nn.Hardswish(), (3, 4)),
    ("Hardsigmoid", lambda: nn.Hardsigmoid(), (3, 4)),
    ("Softmin", lambda: nn.Softmin(1), (3, 4)),
    ("Softmax2d", lambda: nn.Softmax2d(), (2, 3, 2, 2)),
    ("Hardshrink", lambda: nn.Hardshrink(0.3), (3, 4)),
    ("Softshrink", lambda: nn.Softshrink(0.3), (3, 4)),
    ("GroupNorm", lambda: nn.GroupNorm(2, 4), (3, 4, 5)),
    ("InstanceNorm2d", lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
     (2, 3, 4, 4)),
    ("LocalResponseNorm", lambda: nn.LocalResponseNorm(3), (2, 4, 3)),
    ("CosineSimilarity", lambda: _Twice(nn.CosineSimilarity()), (3, 4)),
    ("PairwiseDistance", lambda: _Twice(nn.PairwiseDistance()), (3, 4)),
    ("Bilinear", lambda: _Twice(nn.Bilinear(4, 4, 2)), (3, 4)),
    ("MaxPool1d indices", lambda: _First(nn.MaxPool1d(3, 2, 1, return_indices=True)), (2, 3, 8)),
    ("AvgPool1d ceil", lambda: nn.AvgPool1d(3, 2, 1, True, False), (2, 3, 8)),
    ("MaxPool2d ceil", lambda: nn.MaxPool2d(3, 2, ceil_mode=True), (2, 3, 8, 8)),
    ("AdaptiveMaxPool2d", lambda: _First(nn.AdaptiveMaxPool2d(3, True)), (2, 3, 7, 5)),
    ("AdaptiveMaxPool1d", lambda: nn.AdaptiveMaxPool1d(3), (2, 3, 7)),
    ("LPPool2d", lambda: nn.LPPool2d(2, 2), (2, 3, 4, 4)),
    ("ReflectionPad2d", lambda: nn.ReflectionPad2d(1), (2, 3, 4, 4)),
    ("ReplicationPad1d", lambda: nn.ReplicationPad1d(2), (2, 3, 4)),
]  # fmt: skip


@pytest.mark.parametrize("name,make,shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer(device, name, make, shape):
    _same_on_device(make, shape, device)


@pytest.mark.parametrize(
    "make",
    [
        lambda: nn.SoftMarginLoss(),
        lambda: nn.MultiLabelSoftMarginLoss(),
        lambda: nn.HingeEmbeddingLoss(),
    ],
)
def test_sign_target_losses(device, make):
    target = [[1.0, -1.0, 1.0, -1.0]] * 3
    _same_on_device(make, (3, 4), device, target=target)


def test_multi_margin_loss(device):
    _same_on_device(lambda: nn.MultiMarginLoss(p=2), (3, 4), device, target=[0, 3, 1])


def test_random_layers_stay_on_device(device):
    x = ng.ones(4, 3, 5, device=device)
    for m in (nn.RReLU(), nn.Dropout1d(), nn.Dropout2d(), nn.AlphaDropout()):
        assert m(x).device.type == ng.device(device).type
