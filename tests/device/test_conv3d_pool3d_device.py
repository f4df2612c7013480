"""3-D convolution and pooling layers and the new lazy modules give the same values and
gradients on the fake CUDA device as on the CPU (the CPU path is checked against torch in
tests/nn/test_conv3d_pool3d.py)."""

import numpy as np
import pytest
from test_nn_device import _host, _same_on_device

import nablagrad as ng
import nablagrad.nn.functional as F
from nablagrad import nn


class _First(nn.Module):
    """The values of a module that returns (values, indices)."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x)[0]


class _PoolUnpool(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.pool, self.unpool = nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2)

    def forward(self, x):
        return self.unpool(*self.pool(x))


LAYERS = [
    ("Conv3d", lambda: nn.Conv3d(4, 6, (2, 3, 2), (1, 2, 1), 1, (2, 1, 1), 2), (2, 4, 5, 6, 5)),
    ("Conv3d same", lambda: nn.Conv3d(2, 3, 3, padding="same", bias=False), (2, 4, 4, 3)),
    ("ConvTranspose3d", lambda: nn.ConvTranspose3d(4, 2, 3, 2, 1, 1, 2), (2, 4, 3, 3, 2)),
    ("MaxPool3d", lambda: nn.MaxPool3d(3, 2, 1, ceil_mode=True), (2, 2, 5, 6, 5)),
    ("MaxPool3d indices", lambda: _First(nn.MaxPool3d(2, return_indices=True)), (2, 2, 4, 4, 4)),
    ("AvgPool3d", lambda: nn.AvgPool3d(3, 2, 1, True, False), (2, 2, 5, 6, 5)),
    ("AdaptiveAvgPool3d", lambda: nn.AdaptiveAvgPool3d((2, None, 3)), (2, 2, 5, 4, 7)),
    ("AdaptiveMaxPool3d", lambda: _First(nn.AdaptiveMaxPool3d(2, True)), (2, 2, 5, 4, 7)),
    ("LPPool3d", lambda: nn.LPPool3d(2, 2), (2, 2, 4, 4, 4)),
    ("MaxUnpool3d", lambda: _PoolUnpool(), (2, 2, 4, 4, 4)),
    ("InstanceNorm3d", lambda: nn.InstanceNorm3d(2, affine=True), (2, 2, 3, 4, 3)),
]  # fmt: skip


@pytest.mark.parametrize("name,make,shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer(device, name, make, shape):
    _same_on_device(make, shape, device)


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda: nn.LazyConv3d(3, 2), (2, 2, 4, 4, 4)),
        (lambda: nn.LazyConvTranspose1d(3, 2, stride=2), (2, 2, 5)),
        (lambda: nn.LazyConvTranspose2d(3, 2), (2, 2, 4, 4)),
        (lambda: nn.LazyConvTranspose3d(3, 2), (2, 2, 3, 3, 3)),
        (lambda: nn.LazyInstanceNorm2d(), (2, 3, 4, 4)),
    ],
)
def test_lazy_modules_materialize_on_the_device(device, make, shape):
    ng.manual_seed(0)
    m = make().to(device)
    x = ng.tensor(np.random.default_rng(0).standard_normal(shape), dtype=ng.float32, device=device)
    out = m(x)
    assert out.device.type == ng.device(device).type
    for p in m.parameters():
        assert p.device.type == ng.device(device).type
    out.sum().backward()
    assert all(p.grad is not None for p in m.parameters())


def test_max_pool3d_indices_on_device(device):
    x = np.random.default_rng(1).standard_normal((2, 2, 5, 4, 5))
    _, i_cpu = F.max_pool3d(ng.tensor(x), 3, 2, 1, return_indices=True)
    _, i_dev = F.max_pool3d(ng.tensor(x, device=device), 3, 2, 1, return_indices=True)
    assert i_dev.device.type == ng.device(device).type
    np.testing.assert_array_equal(_host(i_dev), _host(i_cpu))
