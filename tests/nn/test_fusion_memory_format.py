"""torch.nn.utils' fuse_conv_bn_eval / fuse_conv_bn_weights / fuse_linear_bn_eval /
fuse_linear_bn_weights and convert_conv{2,3}d_weight_memory_format, against torch after copying
the weights and running statistics (float32: rtol 1e-5, atol 1e-6)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng

RTOL, ATOL = 1e-5, 1e-6


def _copy(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _bn(lib, dim, n, affine=True):
    bn = getattr(lib.nn, f"BatchNorm{dim}d")(n, affine=affine, eps=1e-3)
    return bn


def _randomise_bn(tbn, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        tbn.running_mean.copy_(torch.tensor(rng.normal(size=tbn.num_features)))
        tbn.running_var.copy_(torch.tensor(rng.uniform(0.5, 2.0, size=tbn.num_features)))
        if tbn.affine:
            tbn.weight.copy_(torch.tensor(rng.normal(size=tbn.num_features)))
            tbn.bias.copy_(torch.tensor(rng.normal(size=tbn.num_features)))


CONVS = [
    ("Conv2d", 2, (3, 4, 3), {}, False, (2, 3, 6, 6)),
    ("Conv2d", 2, (3, 4, 3), {"bias": False}, False, (2, 3, 6, 6)),
    ("Conv1d", 1, (3, 5, 2), {"stride": 2}, False, (2, 3, 9)),
    ("Conv3d", 3, (2, 3, 2), {}, False, (1, 2, 4, 4, 4)),
    ("ConvTranspose2d", 2, (3, 4, 3), {"stride": 2}, True, (2, 3, 4, 4)),
]


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("kind,dim,args,kw,transpose,shape", CONVS)
def test_fuse_conv_bn_eval_matches_torch(kind, dim, args, kw, transpose, shape, affine):
    torch.manual_seed(0)
    tconv = getattr(torch.nn, kind)(*args, **kw).eval()
    tbn = _bn(torch, dim, args[1], affine).eval()
    _randomise_bn(tbn, 1)
    nconv = getattr(ng.nn, kind)(*args, **kw).eval()
    nbn = _bn(ng, dim, args[1], affine).eval()
    _copy(nconv, tconv)
    _copy(nbn, tbn)
    tf = torch.nn.utils.fuse_conv_bn_eval(tconv, tbn, transpose=transpose)
    nf = ng.nn.utils.fuse_conv_bn_eval(nconv, nbn, transpose=transpose)
    assert type(nf) is type(nconv) and nf is not nconv
    assert isinstance(nf.weight, ng.nn.Parameter) and isinstance(nf.bias, ng.nn.Parameter)
    assert nf.bias.requires_grad == tf.bias.requires_grad
    np.testing.assert_allclose(nf.weight.detach().numpy(), tf.weight.detach().numpy(), RTOL, ATOL)
    np.testing.assert_allclose(nf.bias.detach().numpy(), tf.bias.detach().numpy(), RTOL, ATOL)
    x = np.random.default_rng(2).normal(size=shape).astype(np.float32)
    out_fused = nf(ng.tensor(x)).detach().numpy()
    np.testing.assert_allclose(out_fused, tbn(tconv(torch.tensor(x))).detach().numpy(), 1e-4, 1e-5)
    # the originals are untouched
    np.testing.assert_allclose(nconv.weight.detach().numpy(), tconv.weight.detach().numpy())


@pytest.mark.parametrize("num_features", [4, 1])
def test_fuse_linear_bn_eval_matches_torch(num_features):
    torch.manual_seed(0)
    tlin, tbn = torch.nn.Linear(3, 4).eval(), torch.nn.BatchNorm1d(num_features).eval()
    _randomise_bn(tbn, 3)
    nlin, nbn = ng.nn.Linear(3, 4).eval(), ng.nn.BatchNorm1d(num_features).eval()
    _copy(nlin, tlin)
    _copy(nbn, tbn)
    tf, nf = (
        torch.nn.utils.fuse_linear_bn_eval(tlin, tbn),
        ng.nn.utils.fuse_linear_bn_eval(nlin, nbn),
    )
    np.testing.assert_allclose(nf.weight.detach().numpy(), tf.weight.detach().numpy(), RTOL, ATOL)
    np.testing.assert_allclose(nf.bias.detach().numpy(), tf.bias.detach().numpy(), RTOL, ATOL)
    x = np.random.default_rng(4).normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_allclose(
        nf(ng.tensor(x)).detach().numpy(), tf(torch.tensor(x)).detach().numpy(), 1e-4, 1e-5
    )


def test_fuse_weights_functions_match_torch_without_biases():
    rng = np.random.default_rng(5)
    w = rng.normal(size=(4, 3, 2, 2)).astype(np.float32)
    rm, rv = rng.normal(size=4).astype(np.float32), rng.uniform(0.5, 2, size=4).astype(np.float32)
    out = []
    for L in (ng, torch):
        conv_w = L.nn.Parameter(L.tensor(w))
        out.append(
            L.nn.utils.fuse_conv_bn_weights(
                conv_w, None, L.tensor(rm), L.tensor(rv), 1e-5, None, None
            )
        )
    for a, b in zip(*out):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), RTOL, ATOL)
        assert a.requires_grad == b.requires_grad
    lw = rng.normal(size=(4, 3)).astype(np.float32)
    g, beta = rng.normal(size=4).astype(np.float32), rng.normal(size=4).astype(np.float32)
    out = [
        L.nn.utils.fuse_linear_bn_weights(
            L.nn.Parameter(L.tensor(lw)), None, L.tensor(rm), L.tensor(rv), 1e-5, L.tensor(g),
            L.tensor(beta),
        )
        for L in (ng, torch)
    ]  # fmt: skip
    for a, b in zip(*out):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), RTOL, ATOL)
        assert a.requires_grad == b.requires_grad and str(a.dtype)[-7:] == str(b.dtype)[-7:]


def test_fusion_errors_as_torch():
    for L in (ng, torch):
        conv, bn = L.nn.Conv2d(2, 3, 1), L.nn.BatchNorm2d(3)
        with pytest.raises(AssertionError, match="Fusion only for eval"):
            L.nn.utils.fuse_conv_bn_eval(conv, bn)
        lin, bn2 = L.nn.Linear(2, 3).eval(), L.nn.BatchNorm1d(2).eval()
        with pytest.raises(AssertionError, match="out_features == bn.num_features"):
            L.nn.utils.fuse_linear_bn_eval(lin, bn2)
        bn3 = L.nn.BatchNorm1d(3, track_running_stats=False).eval()
        with pytest.raises(
            AssertionError, match="running_mean and bn.running_var must not be None"
        ):
            L.nn.utils.fuse_linear_bn_eval(lin, bn3)


def test_convert_weight_memory_formats_like_torch():
    results = []
    for L in (ng, torch):
        torch.manual_seed(0)
        net = L.nn.Sequential(
            L.nn.Conv2d(3, 4, 3), L.nn.Sequential(L.nn.ConvTranspose2d(4, 2, 2)), L.nn.Linear(2, 2)
        )
        ref = [p.detach().clone() for p in net.parameters()]
        params = list(net.parameters())
        assert L.nn.utils.convert_conv2d_weight_memory_format(net, L.channels_last) is net
        assert list(net.parameters())[0] is params[0]  # the same Parameter objects
        for p, r in zip(net.parameters(), ref):
            assert L.equal(p, r)
        results.append(
            [net[0].weight.is_contiguous(memory_format=L.channels_last), net[1][0].weight.stride()]
        )
        net3 = L.nn.Sequential(L.nn.Conv3d(2, 3, 2), L.nn.ConvTranspose3d(3, 2, 2))
        L.nn.utils.convert_conv3d_weight_memory_format(net3, L.channels_last_3d)
        results.append([m.weight.stride() for m in net3])
        conv = L.nn.Conv2d(2, 3, 2)
        L.nn.utils.convert_conv3d_weight_memory_format(conv, L.channels_last_3d)  # not a 3-d conv
        results.append(conv.weight.stride())
    assert results[0] == results[3] and results[1] == results[4] and results[2] == results[5]
