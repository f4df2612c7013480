"""Attention, transformer, resampling and EmbeddingBag layers give the same values and
gradients on the fake CUDA device as on the CPU (the CPU path is compared with torch in
tests/nn), and their results stay on the device."""

import copy

import numpy as np
import pytest

import nablagrad as ng
import nablagrad.nn.functional as F
from nablagrad import nn


def _host(t):
    return t.detach().cpu().numpy()


class _Call(nn.Module):
    """Wraps a module or function with fixed extra arguments (masks, grids ...)."""

    def __init__(self, inner, fn):
        super().__init__()
        self.inner, self.fn = inner, fn

    def forward(self, x):
        return self.fn(self.inner, x)


def _same_on_device(make, x_shape, device, *, ints=None, rtol=1e-6, atol=1e-8):
    ng.manual_seed(0)
    m_cpu = make().double()
    m_cpu.eval()
    m_dev = copy.deepcopy(m_cpu).to(device)
    rng = np.random.default_rng(1)
    x = rng.integers(0, ints, size=x_shape) if ints else rng.uniform(-1, 1, size=x_shape)
    outs, grads = [], []
    for m, dev in ((m_cpu, "cpu"), (m_dev, device)):
        xt = ng.tensor(x, device=dev, requires_grad=not ints)
        out = m(xt)
        assert out.device.type == dev
        w = ng.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)), device=dev)
        (out * w).sum().backward()
        outs.append(_host(out))
        g = [] if ints else [_host(xt.grad)]
        g += [_host(p.grad) for p in m.parameters() if p.grad is not None]
        grads.append(g)
    np.testing.assert_allclose(outs[1], outs[0], rtol=rtol, atol=atol)
    assert len(grads[0]) == len(grads[1])
    for a, b in zip(grads[1], grads[0]):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _masked_mha(m, x):
    kpm = ng.tensor([[False] * 4 + [True], [False] * 5], device=x.device)
    causal = nn.Transformer.generate_square_subsequent_mask(5, device=x.device, dtype=x.dtype)
    return m(x, x, x, key_padding_mask=kpm, attn_mask=causal)[0]


def _sdpa(m, x):
    mask = ng.tensor(np.tril(np.ones((5, 5), bool)), device=x.device)
    return F.scaled_dot_product_attention(x, x * 2, x, attn_mask=mask)


def _grid_sample(m, x):
    theta = ng.tensor([[[0.9, 0.2, 0.1], [-0.1, 1.1, 0.0]]] * 2, device=x.device, dtype=x.dtype)
    grid = F.affine_grid(theta, (2, 2, 4, 5), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="reflection", align_corners=False)


LAYERS = [
    (
        "MultiheadAttention masks",
        lambda: _Call(nn.MultiheadAttention(6, 2, batch_first=True), _masked_mha),
        (2, 5, 6),
    ),
    (
        "MultiheadAttention weights",
        lambda: _Call(
            nn.MultiheadAttention(6, 3, add_bias_kv=True, add_zero_attn=True),
            lambda m, x: m(x, x, x)[1],
        ),
        (5, 2, 6),
    ),
    ("scaled_dot_product_attention", lambda: _Call(nn.Identity(), _sdpa), (2, 5, 4)),
    (
        "TransformerEncoderLayer",
        lambda: nn.TransformerEncoderLayer(6, 2, 8, dropout=0.0),
        (5, 2, 6),
    ),
    (
        "Transformer",
        lambda: _Call(
            nn.Transformer(6, 2, 1, 1, 8, dropout=0.0, batch_first=True),
            lambda m, x: m(x, x[:, :3]),
        ),
        (2, 5, 6),
    ),
    ("Upsample bilinear", lambda: nn.Upsample(scale_factor=1.5, mode="bilinear"), (2, 2, 3, 4)),
    (
        "Upsample bicubic",
        lambda: nn.Upsample(size=(5, 3), mode="bicubic", align_corners=True),
        (2, 2, 3, 4),
    ),
    (
        "Upsample nearest-exact",
        lambda: nn.Upsample(scale_factor=2, mode="nearest-exact"),
        (2, 2, 3),
    ),
    ("PixelShuffle", lambda: nn.PixelShuffle(2), (2, 8, 3, 4)),
    ("Unfold", lambda: nn.Unfold(2, padding=1, stride=2), (2, 2, 5, 4)),
    ("Fold", lambda: nn.Fold((4, 5), 2), (2, 8, 12)),
    ("grid_sample", lambda: _Call(nn.Identity(), _grid_sample), (2, 2, 4, 5)),
]


@pytest.mark.parametrize("name,make,shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer(device, name, make, shape):
    _same_on_device(make, shape, device)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag(device, mode):
    _same_on_device(lambda: nn.EmbeddingBag(7, 3, mode=mode, padding_idx=0), (4, 5), device, ints=7)
