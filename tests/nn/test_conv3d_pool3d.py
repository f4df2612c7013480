"""3-D convolution and pooling, and the lazy ConvTranspose/Conv3d/InstanceNorm modules, against
torch: reprs, state-dict keys, init bounds, values, gradients and second derivatives (float32
and float64), modules with copied weights, lazy materialization, and errors."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from helpers import check_op
from nnhelpers import compare_module

import nablagrad as ng
import nablagrad.nn.functional as ngF
from nablagrad import nn

# -- reprs and state-dict keys -----------------------------------------------------------------

MODULES = [
    "Conv3d(2, 4, 3)", "Conv3d(4, 6, (1, 2, 3), (2, 1, 1), (0, 1, 2), 2, 2, False)",
    "Conv3d(2, 4, 3, padding='same')", "Conv3d(2, 4, 3, padding='valid', dilation=2)",
    "ConvTranspose3d(4, 2, 3)", "ConvTranspose3d(4, 6, (1, 2, 3), 2, 1, 1, 2, False, 1)",
    "ConvTranspose3d(2, 2, 3, dilation=2, output_padding=(0, 1, 0), stride=2)",
    "MaxPool3d(2)", "MaxPool3d((1, 2, 3), (1, 1, 2), 0, 2, True, True)", "AvgPool3d(3)",
    "AvgPool3d(3, 2, 1, True, False, 4)", "AdaptiveAvgPool3d(2)",
    "AdaptiveAvgPool3d((1, None, 3))", "AdaptiveMaxPool3d(2)", "AdaptiveMaxPool3d((2, 3, 1), True)",
    "LPPool3d(2, 3)", "LPPool3d(1.5, (1, 2, 2), 2, True)", "MaxUnpool3d(2)",
    "MaxUnpool3d((1, 2, 3), 2, (0, 1, 1))",
    "LazyConv3d(4, 3)", "LazyConv3d(4, 3, 2, 1, bias=False)", "LazyConvTranspose1d(3, 2)",
    "LazyConvTranspose2d(3, 2, 2, 1, 1)", "LazyConvTranspose3d(3, 2, bias=False)",
    "LazyInstanceNorm1d()", "LazyInstanceNorm2d(affine=False)",
    "LazyInstanceNorm3d(track_running_stats=False)", "LazyInstanceNorm2d(bias=False)",
]  # fmt: skip


@pytest.mark.parametrize("expr", MODULES)
def test_repr_and_state_dict_keys_match_torch(expr):
    ours, theirs = eval("ng.nn." + expr), eval("torch.nn." + expr)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


@pytest.mark.parametrize(
    "make,fan_in,shape",
    [
        (lambda: nn.Conv3d(6, 8, (2, 3, 4), groups=2), 3 * 24, (8, 3, 2, 3, 4)),
        (lambda: nn.ConvTranspose3d(6, 8, (2, 3, 4), groups=2), 4 * 24, (6, 4, 2, 3, 4)),
    ],
)
def test_conv3d_init_is_uniform_with_torchs_bound(make, fan_in, shape):
    ng.manual_seed(0)
    m = make()
    assert tuple(m.weight.shape) == shape
    bound = 1 / np.sqrt(fan_in)
    for p in (m.weight, m.bias):
        a = p.detach().numpy()
        assert a.min() >= -bound and a.max() <= bound and a.max() - a.min() > 1.6 * bound


# -- functionals: values, gradients, second derivatives in float32 and float64 -----------------

FUNCTIONALS = {
    "conv3d_stride_pad_dil_groups": (
        lambda L, x, w, b: L.conv3d(x, w, b, (2, 1, 2), (1, 2, 0), (1, 2, 1), 2),
        [(2, 4, 5, 6, 5), (6, 2, 2, 3, 2), (6,)],
    ),
    "conv3d_same": (
        lambda L, x, w: L.conv3d(x, w, padding="same", dilation=(2, 1, 1)),
        [(1, 3, 5, 4, 4), (2, 3, 2, 3, 2)],
    ),
    "conv3d_valid_unbatched": (
        lambda L, x, w: L.conv3d(x, w, padding="valid", stride=(2,)),
        [(3, 5, 4, 6), (2, 3, 2, 2, 3)],
    ),
    "conv3d_depthwise": (
        lambda L, x, w: L.conv3d(x, w, padding=1, groups=3),
        [(2, 3, 3, 4, 3), (3, 1, 3, 3, 3)],
    ),
    "conv_transpose3d": (
        lambda L, x, w, b: L.conv_transpose3d(
            x, w, b, (2, 1, 3), (1, 0, 1), (1, 0, 2), 2, (1, 2, 1)
        ),
        [(2, 4, 3, 4, 3), (4, 3, 3, 2, 3), (6,)],
    ),
    "conv_transpose3d_output_padding_over_padding": (
        lambda L, x, w: L.conv_transpose3d(x, w, stride=1, output_padding=(1, 1, 0), dilation=2),
        [(2, 2, 3, 3, 2), (2, 3, 2, 2, 2)],
    ),
    "conv_transpose3d_unbatched": (
        lambda L, x, w: L.conv_transpose3d(x, w, stride=2, padding=1),
        [(2, 3, 2, 3), (2, 2, 3, 3, 3)],
    ),
    "max_pool3d": (
        lambda L, x: L.max_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0), (2, 1, 1), True, True),
        [(2, 3, 5, 6, 7)],
    ),
    "max_pool3d_unbatched": (lambda L, x: L.max_pool3d(x, 2), [(3, 4, 4, 5)]),
    "avg_pool3d_ceil_exclude_pad": (
        lambda L, x: L.avg_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0), True, False),
        [(2, 3, 5, 6, 7)],
    ),
    "avg_pool3d_ceil_include_pad": (
        lambda L, x: L.avg_pool3d(x, (2, 3, 2), (2, 2, 3), 1, True),
        [(2, 3, 5, 6, 7)],
    ),
    "avg_pool3d_divisor": (lambda L, x: L.avg_pool3d(x, 3, divisor_override=5), [(3, 5, 6, 7)]),
    "adaptive_avg_pool3d": (lambda L, x: L.adaptive_avg_pool3d(x, (3, None, 4)), [(2, 3, 5, 6, 7)]),
    "adaptive_avg_pool3d_one": (lambda L, x: L.adaptive_avg_pool3d(x, 1), [(3, 5, 6, 7)]),
    "adaptive_avg_pool3d_blocks": (
        lambda L, x: L.adaptive_avg_pool3d(x, (2, 3, 4)), [(2, 3, 4, 6, 8)]
    ),
    "adaptive_max_pool3d": (
        lambda L, x: L.adaptive_max_pool3d(x, (3, 2, 4), True), [(2, 3, 5, 6, 7)]
    ),
    "lp_pool3d": (lambda L, x: L.lp_pool3d(x.abs() + 0.1, 3, (2, 3, 2), 2), [(2, 3, 4, 5, 4)]),
    "lp_pool3d_ceil": (
        lambda L, x: L.lp_pool3d(x.abs() + 0.1, 2, 2, None, True), [(2, 3, 5, 5, 5)]
    ),
    "max_unpool3d": (
        lambda L, x: L.max_unpool3d(*L.max_pool3d(x, 2, return_indices=True), 2),
        [(2, 3, 4, 6, 4)],
    ),
}  # fmt: skip


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("key", sorted(FUNCTIONALS))
def test_functional_matches_torch(key, dtype):
    call, shapes = FUNCTIONALS[key]
    tol = 1e-4 if dtype == np.float32 else 1e-9
    check_op(
        lambda *xs: call(ngF, *xs),
        lambda *xs: call(tF, *xs),
        shapes,
        dtype=dtype,
        atol=tol,
        rtol=tol,
        second_order=True,
    )


def test_max_pool3d_indices_and_ties_match_torch():
    x = np.random.default_rng(2).integers(0, 3, (2, 2, 5, 6, 5)).astype(np.float64)
    for kw in [dict(kernel_size=3, stride=2, padding=1, ceil_mode=True), dict(kernel_size=2)]:
        a, i = ngF.max_pool3d(ng.tensor(x), return_indices=True, **kw)
        b, j = tF.max_pool3d(torch.tensor(x), return_indices=True, **kw)
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        np.testing.assert_array_equal(i.numpy(), j.numpy())
        assert i.dtype == ng.int64
    a, i = ngF.adaptive_max_pool3d(ng.tensor(x), (2, 4, 3), True)
    b, j = tF.adaptive_max_pool3d(torch.tensor(x), (2, 4, 3), True)
    np.testing.assert_array_equal(i.numpy(), j.numpy())


def test_conv3d_empty_batch_has_torchs_shape():
    x, w = np.zeros((0, 2, 4, 4, 4), np.float32), np.ones((3, 2, 2, 2, 2), np.float32)
    assert tuple(ngF.conv3d(ng.tensor(x), ng.tensor(w), stride=2).shape) == (0, 3, 2, 2, 2)


# -- modules with torch's weights ----------------------------------------------------------------


def _copy_modules(ng_mod, t_mod):
    ng_mod.load_state_dict({k: v.detach().numpy() for k, v in t_mod.state_dict().items()})


class _First(torch.nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x)[0]


MODULE_RUNS = [
    ("Conv3d(4, 6, (2, 3, 2), (1, 2, 1), (1, 0, 1), (2, 1, 1), 2)", (2, 4, 5, 6, 5)),
    ("Conv3d(3, 4, 3, padding='same', bias=False)", (3, 4, 5, 4)),
    ("ConvTranspose3d(4, 6, (2, 3, 2), 2, 1, 1, 2)", (2, 4, 3, 4, 3)),
    ("MaxPool3d(3, 2, 1, ceil_mode=True)", (2, 3, 6, 5, 6)),
    ("AvgPool3d(3, 2, 1, True, False)", (2, 3, 6, 5, 6)),
    ("AdaptiveAvgPool3d((2, 3, None))", (2, 3, 5, 7, 4)),
    ("AdaptiveMaxPool3d(3)", (2, 3, 5, 7, 4)),
    ("LPPool3d(2, 2)", (2, 3, 4, 4, 4)),
]


@pytest.mark.parametrize("expr,shape", MODULE_RUNS, ids=[m[0] for m in MODULE_RUNS])
def test_module_matches_torch(expr, shape):
    compare_module(eval("ng.nn." + expr), eval("torch.nn." + expr), shape, atol=1e-4, rtol=1e-4)


def test_conv_transpose3d_output_size_matches_torch():
    t = torch.nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1)
    m = nn.ConvTranspose3d(2, 3, 3, stride=2, padding=1)
    _copy_modules(m, t)
    x = np.random.default_rng(3).standard_normal((1, 2, 3, 4, 3)).astype(np.float32)
    for size in [(6, 8, 6), (1, 3, 5, 7, 5), (5, 8, 6)]:
        a = m(ng.tensor(x), output_size=size)
        b = t(torch.tensor(x), output_size=size)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="output size"):
        m(ng.tensor(x), output_size=(9, 8, 6))
    with pytest.raises(ValueError):
        t(torch.tensor(x), output_size=(9, 8, 6))


def test_max_unpool3d_module_inverts_max_pool3d():
    x = np.random.default_rng(4).standard_normal((2, 3, 4, 6, 5)).astype(np.float32)
    pool, unpool = nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2)
    tpool, tunpool = torch.nn.MaxPool3d(2, return_indices=True), torch.nn.MaxUnpool3d(2)
    a = unpool(*pool(ng.tensor(x)), output_size=(4, 6, 5))
    b = tunpool(*tpool(torch.tensor(x)), output_size=(4, 6, 5))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


# -- lazy modules --------------------------------------------------------------------------------

LAZY = [
    ("LazyConv3d", (4, 3), {"padding": 1}, (2, 3, 4, 5, 4)),
    ("LazyConvTranspose1d", (4, 3), {"stride": 2}, (2, 3, 6)),
    ("LazyConvTranspose2d", (4, 3), {"stride": 2, "output_padding": 1, "groups": 1}, (2, 3, 5, 5)),
    ("LazyConvTranspose3d", (4, 2), {"stride": 2, "bias": False}, (2, 3, 3, 3, 2)),
    ("LazyInstanceNorm1d", (), {}, (4, 3, 7)),
    ("LazyInstanceNorm2d", (), {"affine": False}, (2, 3, 5, 5)),
    ("LazyInstanceNorm3d", (), {"track_running_stats": False}, (2, 3, 3, 4, 3)),
]


@pytest.mark.parametrize("name,args,kw,shape", LAZY, ids=[c[0] for c in LAZY])
def test_lazy_layers_match_torch(name, args, kw, shape):
    m, t = getattr(ng.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    params = list(m.parameters())
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    m(ng.tensor(x))
    t(torch.tensor(x))
    assert type(m).__name__ == type(t).__name__ == name[len("Lazy") :]
    assert repr(m) == repr(t)
    assert all(a is b for a, b in zip(params, m.parameters()))  # materialized in place
    ts = t.state_dict()
    assert list(m.state_dict()) == list(ts)
    for k, v in m.state_dict().items():
        assert tuple(v.shape) == tuple(ts[k].shape), k
    m.load_state_dict({k: v.numpy() for k, v in ts.items()})
    m.eval(), t.eval()
    np.testing.assert_allclose(
        m(ng.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), atol=1e-5, rtol=1e-5
    )


def test_lazy_conv_transpose_trains_with_an_optimizer_built_first():
    ng.manual_seed(0)
    net = nn.Sequential(nn.LazyConvTranspose2d(2, 3, stride=2), nn.LazyConv3d(1, 1))
    opt = ng.optim.SGD(net.parameters(), lr=0.1)
    net[0](ng.randn(2, 4, 3, 3))
    assert type(net[0]) is nn.ConvTranspose2d and tuple(net[0].weight.shape) == (4, 2, 3, 3)
    before = net[0].weight.detach().clone()
    net[0](ng.randn(2, 4, 3, 3)).sum().backward()
    opt.step()
    assert not np.allclose(before.numpy(), net[0].weight.detach().numpy())
    bound = 1 / np.sqrt(2 * 9)  # fan_in of a transposed weight (in, out, k, k): out * k * k
    assert np.abs(before.numpy()).max() <= bound


def test_lazy_conv_transpose_loads_a_state_dict_and_deepcopies():
    src = nn.ConvTranspose3d(3, 2, 2)
    m = nn.LazyConvTranspose3d(2, 2)
    m.load_state_dict(src.state_dict())
    x = ng.randn(1, 3, 2, 2, 2)
    np.testing.assert_allclose(m(x).detach().numpy(), src(x).detach().numpy())
    assert type(m) is nn.ConvTranspose3d and m.in_channels == 3
    c = copy.deepcopy(nn.LazyInstanceNorm2d())
    assert isinstance(c.weight, nn.UninitializedParameter)


# -- errors: the same exception type as torch ----------------------------------------------------

X = (1, 2, 4, 4, 4)
ERRORS = [
    ("conv3d same strided", lambda L, T, x: L.conv3d(
        x, T.ones(3, 2, 2, 2, 2), padding="same", stride=2)),
    ("conv3d channels", lambda L, T, x: L.conv3d(x, T.ones(3, 3, 2, 2, 2))),
    ("conv3d rank", lambda L, T, x: L.conv3d(x[0, 0], T.ones(3, 2, 2, 2, 2))),
    ("conv3d negative padding", lambda L, T, x: L.conv3d(x, T.ones(3, 2, 2, 2, 2), padding=-1)),
    ("conv3d kernel too big", lambda L, T, x: L.conv3d(x, T.ones(3, 2, 9, 2, 2))),
    ("conv3d dtype", lambda L, T, x: L.conv3d(x, T.ones(3, 2, 2, 2, 2).double())),
    ("conv3d bad padding string", lambda L, T, x: L.conv3d(
        x, T.ones(3, 2, 2, 2, 2), padding="full")),
    ("conv_transpose3d output_padding", lambda L, T, x: L.conv_transpose3d(
        x, T.ones(2, 3, 2, 2, 2), output_padding=1)),
    ("conv_transpose3d channels", lambda L, T, x: L.conv_transpose3d(x, T.ones(3, 3, 2, 2, 2))),
    ("max_pool3d pad", lambda L, T, x: L.max_pool3d(x, 2, padding=2)),
    ("max_pool3d too small", lambda L, T, x: L.max_pool3d(x, 9)),
    ("max_pool3d rank", lambda L, T, x: L.max_pool3d(x[0, 0], 2)),
    ("avg_pool3d pad", lambda L, T, x: L.avg_pool3d(x, 2, padding=2)),
    ("avg_pool3d divisor zero", lambda L, T, x: L.avg_pool3d(x, 2, divisor_override=0)),
    ("adaptive_avg_pool3d size", lambda L, T, x: L.adaptive_avg_pool3d(x, (1, 2))),
    ("adaptive_max_pool3d size", lambda L, T, x: L.adaptive_max_pool3d(x, (1, 2))),
    ("max_unpool3d bad index", lambda L, T, x: L.max_unpool3d(x, T.full(X, 999, dtype=T.int64), 2)),
]  # fmt: skip


@pytest.mark.parametrize("name,call", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(name, call):
    x = np.ones(X, np.float32)
    with pytest.raises(Exception) as theirs:
        call(tF, torch, torch.tensor(x))
    with pytest.raises(type(theirs.value)):
        call(ngF, ng, ng.tensor(x))


def test_conv3d_module_rejects_wrong_channels_like_torch():
    with pytest.raises(RuntimeError, match="expected 2 channels"):
        nn.Conv3d(2, 3, 2)(ng.ones(1, 3, 4, 4, 4))
    with pytest.raises(RuntimeError):
        torch.nn.Conv3d(2, 3, 2)(torch.ones(1, 3, 4, 4, 4))


# -- padding modes (all convolutions, as torch: F.pad by the mode, then padding 0) -------------

PADDING_MODES = [
    ("Conv1d(2, 3, 3, padding=2, padding_mode='reflect')", (2, 2, 7)),
    ("Conv1d(2, 3, 4, padding='same', padding_mode='circular')", (2, 7)),
    ("Conv2d(2, 3, (3, 2), padding=(1, 2), padding_mode='replicate', stride=2)", (2, 2, 6, 7)),
    ("Conv2d(2, 4, 3, padding='same', padding_mode='reflect', dilation=2, groups=2)", (1, 2, 6, 6)),
    ("Conv3d(2, 3, 3, padding=1, padding_mode='circular')", (2, 2, 4, 5, 4)),
    ("Conv3d(2, 3, (2, 3, 2), padding='same', padding_mode='replicate')", (2, 4, 5, 4)),
    ("Conv3d(2, 3, 3, padding=(1, 0, 2), padding_mode='reflect', bias=False)", (1, 2, 4, 5, 4)),
]  # fmt: skip


@pytest.mark.parametrize("expr,shape", PADDING_MODES, ids=[m[0] for m in PADDING_MODES])
def test_padding_modes_match_torch(expr, shape):
    ours, theirs = eval("ng.nn." + expr), eval("torch.nn." + expr)
    assert repr(ours) == repr(theirs)
    compare_module(ours, theirs, shape, atol=1e-4, rtol=1e-4)


def test_padding_mode_errors_match_torch():
    for lib in (torch, ng):
        with pytest.raises(ValueError, match="padding_mode must be one of"):
            lib.nn.Conv3d(2, 3, 3, padding_mode="wrap")
        with pytest.raises(ValueError, match='Only "zeros" padding mode'):
            lib.nn.ConvTranspose3d(2, 3, 3, padding_mode="reflect")
        with pytest.raises(ValueError, match='Only "zeros" padding mode'):
            lib.nn.LazyConvTranspose2d(3, 3, padding_mode="circular")


@pytest.mark.parametrize(
    "call",
    [
        lambda L, x: L.max_pool3d(x, 3, 2, 1, ceil_mode=True),
        lambda L, x: L.avg_pool3d(x, 3, 2, 1, count_include_pad=False),
        lambda L, x: L.avg_pool3d(x, 2, divisor_override=3),
    ],
)
def test_integer_pooling_matches_torch(call):
    a = np.random.default_rng(0).integers(-50, 50, (2, 2, 5, 6, 5))
    ours, theirs = call(ngF, ng.tensor(a)), call(tF, torch.tensor(a))
    assert ours.dtype == ng.int64 and theirs.dtype == torch.int64
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
