"""F.interpolate / Upsample*, pixel_(un)shuffle, unfold/fold, affine_grid / grid_sample and
their modules against torch (forward, gradients, and second derivatives where torch has
them)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from helpers import assert_close, check_op

import nablagrad as ng
import nablagrad.nn.functional as F
from nablagrad import nn
from nablagrad.nn import _sampling as S

SHAPES = {
    "nearest": [(2, 3, 5), (2, 3, 5, 4), (1, 2, 3, 4, 5)],
    "nearest-exact": [(2, 3, 5), (2, 3, 5, 4)],
    "linear": [(2, 3, 5)],
    "bilinear": [(2, 3, 5, 4)],
    "trilinear": [(1, 2, 3, 4, 5)],
    "bicubic": [(2, 3, 5, 4)],
    "area": [(2, 3, 7), (2, 3, 7, 5), (1, 2, 5, 4, 6)],
}
SIZES = [
    {"scale_factor": 2},
    {"scale_factor": 0.5},
    {"scale_factor": 1.7},
    {"scale_factor": 2.5, "recompute_scale_factor": False},
    {"scale_factor": 0.6, "recompute_scale_factor": True},
    {"size": 7},
    {"size": 3},
]
# Not compared: a scale_factor whose output size equals the input size (e.g. 1.1 on 4): torch's
# nearest/bicubic forward then uses the scale but its backward treats the op as a copy, so its
# gradient disagrees with its own forward; ours is the gradient of the forward.


@pytest.mark.parametrize("path", ["matrix", "gather"])
@pytest.mark.parametrize("mode", list(SHAPES))
def test_interpolate_matches_torch(mode, path, monkeypatch):
    if path == "gather":  # the path for large sizes and for inputs holding inf/NaN
        monkeypatch.setattr(S, "_DENSE_MAX", 0)
    aligns = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for shape in SHAPES[mode]:
        for kw in SIZES:
            for ac in aligns:
                check_op(
                    lambda x, ac=ac, kw=kw: F.interpolate(x, mode=mode, align_corners=ac, **kw),
                    lambda x, ac=ac, kw=kw: tF.interpolate(x, mode=mode, align_corners=ac, **kw),
                    [shape],
                    atol=1e-5,
                    rtol=1e-5,
                    grad_atol=1e-4,
                )


@pytest.mark.parametrize("path", ["matrix", "gather"])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_interpolate_antialias_matches_torch(mode, path, monkeypatch):
    if path == "gather":
        monkeypatch.setattr(S, "_DENSE_MAX", 0)
    sizes = [{"scale_factor": 0.3}, {"size": (5, 3)}, {"scale_factor": (0.4, 1.7)}]
    for ac in (False, True):
        for kw in sizes:
            check_op(
                lambda x, ac=ac, kw=kw: F.interpolate(
                    x, mode=mode, align_corners=ac, antialias=True, **kw
                ),
                lambda x, ac=ac, kw=kw: tF.interpolate(
                    x, mode=mode, align_corners=ac, antialias=True, **kw
                ),
                [(2, 3, 11, 9)],
                atol=1e-5,
                rtol=1e-5,
                grad_atol=1e-4,
            )


def test_interpolate_per_dim_sizes_and_second_order():
    check_op(
        lambda x: F.interpolate(x, size=(7, 3), mode="bilinear", align_corners=True),
        lambda x: tF.interpolate(x, size=(7, 3), mode="bilinear", align_corners=True),
        [(1, 2, 4, 5)],
        atol=1e-5,
        second_order=True,
    )
    check_op(
        lambda x: F.interpolate(x, scale_factor=(2, 0.5), mode="bicubic"),
        lambda x: tF.interpolate(x, scale_factor=(2, 0.5), mode="bicubic"),
        [(1, 2, 4, 5)],
        atol=1e-5,
        second_order=True,
    )
    x = np.arange(24, dtype=np.uint8).reshape(1, 2, 3, 4)  # nearest also takes uint8
    out = F.interpolate(ng.tensor(x), scale_factor=2)
    assert_close(out, tF.interpolate(torch.tensor(x), scale_factor=2), 0, 0)
    assert out.dtype == ng.uint8


def test_interpolate_keeps_inf_local():
    """An inf must spoil only the outputs that read it (a matrix product would spread NaN)."""
    x = np.arange(20, dtype=np.float32).reshape(1, 1, 4, 5)
    x[0, 0, 1, 2] = np.inf
    for mode in ("nearest", "bilinear", "bicubic"):
        out = F.interpolate(ng.tensor(x), scale_factor=2, mode=mode)
        ref = tF.interpolate(torch.tensor(x), scale_factor=2, mode=mode)
        assert_close(out, ref, 1e-5, 1e-5, mode)
        if mode != "bicubic":  # bicubic's 4 x 4 taps spread it further, in torch too
            assert np.isfinite(out.numpy()).sum() > 0.5 * out.numel()


def test_interpolate_errors():
    x = ng.ones(1, 1, 4, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="linear mode needs 3D"):
        F.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(NotImplementedError, match="got foo"):
        F.interpolate(x, scale_factor=2, mode="foo")
    with pytest.raises(RuntimeError, match="greater than 0"):
        F.interpolate(x, scale_factor=0.1)
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, size=(2, 2, 2))
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful"):
        F.interpolate(x, size=2, recompute_scale_factor=True)
    with pytest.raises(NotImplementedError, match="float"):
        F.interpolate(x.long(), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match="Anti-alias option is restricted"):
        F.interpolate(x, scale_factor=2, mode="nearest", antialias=True)
    with pytest.raises(NotImplementedError, match="lanczos"):
        F.interpolate(x, scale_factor=0.5, mode="lanczos", antialias=True)


def test_upsample_modules_and_deprecated_functionals():
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4)).astype(np.float32)
    pairs = [
        (
            nn.Upsample(scale_factor=2, mode="bilinear"),
            torch.nn.Upsample(scale_factor=2, mode="bilinear"),
        ),
        (nn.Upsample(size=(5, 6)), torch.nn.Upsample(size=(5, 6))),
        (
            nn.Upsample(scale_factor=(1.5, 2.0), mode="bicubic", align_corners=True),
            torch.nn.Upsample(scale_factor=(1.5, 2.0), mode="bicubic", align_corners=True),
        ),
        (nn.UpsamplingNearest2d(scale_factor=3), torch.nn.UpsamplingNearest2d(scale_factor=3)),
        (nn.UpsamplingBilinear2d(size=(4, 7)), torch.nn.UpsamplingBilinear2d(size=(4, 7))),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        assert_close(ours(ng.tensor(x)), theirs(torch.tensor(x)), 1e-5, 1e-5, repr(ours))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = F.upsample_bilinear(ng.tensor(x), scale_factor=2)
    assert any("deprecated" in str(w.message) for w in caught)
    assert_close(
        out,
        tF.interpolate(torch.tensor(x), scale_factor=2, mode="bilinear", align_corners=True),
        1e-5,
        1e-5,
    )


# -- pixel shuffle ----------------------------------------------------------------------------


def test_pixel_shuffle_roundtrip_modules_and_errors():
    check_op(lambda x: F.pixel_shuffle(x, 3), lambda x: tF.pixel_shuffle(x, 3), [(5, 2, 9, 3, 4)])
    check_op(lambda x: F.pixel_unshuffle(x, 2), lambda x: tF.pixel_unshuffle(x, 2), [(3, 4, 6)])
    x = ng.randn(2, 8, 3, 5)
    assert np.array_equal(F.pixel_unshuffle(F.pixel_shuffle(x, 2), 2).numpy(), x.numpy())
    assert repr(nn.PixelShuffle(2)) == repr(torch.nn.PixelShuffle(2))
    assert repr(nn.PixelUnshuffle(3)) == repr(torch.nn.PixelUnshuffle(3))
    assert nn.PixelShuffle(2)(x).shape == (2, 2, 6, 10)
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(ng.ones(1, 3, 2, 2), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        F.pixel_shuffle(ng.ones(4, 4), 2)
    with pytest.raises(RuntimeError, match="positive upscale_factor"):
        F.pixel_shuffle(ng.ones(1, 4, 2, 2), 0)
    with pytest.raises(RuntimeError, match="height to be divisible"):
        F.pixel_unshuffle(ng.ones(1, 1, 3, 4), 2)


# -- unfold / fold ------------------------------------------------------------------------------

BLOCKS = [
    {"kernel_size": 2},
    {"kernel_size": (2, 3), "stride": (2, 1), "padding": (1, 0), "dilation": (1, 2)},
    {"kernel_size": 3, "padding": 1, "stride": 2},
]


@pytest.mark.parametrize("kw", BLOCKS, ids=["k2", "mixed", "pad_stride"])
def test_unfold_fold_match_torch(kw):
    cols = tuple(tF.unfold(torch.zeros(2, 3, 6, 7), **kw).shape)
    for shape in ((2, 3, 6, 7), (3, 6, 7)):
        check_op(
            lambda x: F.unfold(x, **kw), lambda x: tF.unfold(x, **kw), [shape], second_order=True
        )
    for shape in (cols, cols[1:]):
        check_op(
            lambda x: F.fold(x, (6, 7), **kw),
            lambda x: tF.fold(x, (6, 7), **kw),
            [shape],
            second_order=True,
        )
    ours, theirs = nn.Unfold(**kw), torch.nn.Unfold(**kw)
    assert repr(ours) == repr(theirs)
    ours, theirs = nn.Fold((6, 7), **kw), torch.nn.Fold((6, 7), **kw)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(1).standard_normal(cols).astype(np.float32)
    assert_close(ours(ng.tensor(x)), theirs(torch.tensor(x)), 1e-5, 1e-5)


def test_unfold_fold_errors():
    with pytest.raises(RuntimeError, match="calculated shape of the array of sliding blocks"):
        F.unfold(ng.ones(1, 2, 3, 3), 5)
    with pytest.raises(RuntimeError, match="3D or 4D"):
        F.unfold(ng.ones(3, 3), 2)
    with pytest.raises(RuntimeError, match="match the calculated number of sliding blocks"):
        F.fold(ng.ones(1, 12, 5), (3, 3), 2)
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        F.fold(ng.ones(1, 11, 4), (3, 3), 2)
    with pytest.raises(RuntimeError, match="stride should be greater than zero"):
        F.unfold(ng.ones(1, 1, 4, 4), 2, stride=0)


# -- affine_grid / grid_sample -----------------------------------------------------------------


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_torch(align_corners):
    ac = align_corners
    check_op(
        lambda t: F.affine_grid(t, (2, 3, 4, 5), align_corners=ac),
        lambda t: tF.affine_grid(t, (2, 3, 4, 5), align_corners=ac),
        [(2, 2, 3)],
        second_order=True,
    )
    check_op(
        lambda t: F.affine_grid(t, (2, 3, 4, 5, 3), align_corners=ac),
        lambda t: tF.affine_grid(t, (2, 3, 4, 5, 3), align_corners=ac),
        [(2, 3, 4)],
    )


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_grid_sample_matches_torch(mode, padding_mode, align_corners):
    check_op(
        lambda x, g: F.grid_sample(x, g, mode, padding_mode, align_corners),
        lambda x, g: tF.grid_sample(x, g, mode, padding_mode, align_corners),
        [(2, 2, 5, 6), (2, 3, 4, 2)],
        low=-1.3,
        high=1.3,
        atol=1e-5,
        rtol=1e-4,
    )


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_5d_trilinear_matches_torch(padding_mode):
    for ac in (False, True):
        check_op(
            lambda x, g, ac=ac: F.grid_sample(x, g, "bilinear", padding_mode, ac),
            lambda x, g, ac=ac: tF.grid_sample(x, g, "bilinear", padding_mode, ac),
            [(2, 2, 3, 4, 5), (2, 2, 3, 2, 3)],
            low=-1.3,
            high=1.3,
            atol=1e-5,
            rtol=1e-4,
        )


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_nearest_matches_torch(padding_mode):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 2, 5, 6)).astype(np.float32)
    g = rng.uniform(-1.3, 1.3, (2, 3, 4, 2)).astype(np.float32)
    for ac in (False, True):
        xn, gn = ng.tensor(x, requires_grad=True), ng.tensor(g, requires_grad=True)
        xt, gt = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
        out = F.grid_sample(xn, gn, "nearest", padding_mode, ac)
        ref = tF.grid_sample(xt, gt, "nearest", padding_mode, ac)
        assert_close(out, ref, 1e-6, 1e-6, "forward")
        out.sum().backward(), ref.sum().backward()
        assert_close(xn.grad, xt.grad, 1e-6, 1e-6, "input gradient")
        assert_close(gn.grad, gt.grad, 0, 0, "grid gradient (zeros)")


def test_spatial_transformer_round_trip_and_errors():
    """An identity affine grid samples the image back exactly (align_corners=False)."""
    x = ng.randn(2, 3, 4, 5)
    theta = ng.tensor(np.tile(np.eye(2, 3, dtype=np.float32), (2, 1, 1)))
    grid = F.affine_grid(theta, (2, 3, 4, 5), align_corners=False)
    out = F.grid_sample(x, grid, align_corners=False)
    np.testing.assert_allclose(out.numpy(), x.numpy(), atol=1e-5)
    with pytest.warns(UserWarning, match="align_corners=False"):
        F.affine_grid(theta, (2, 3, 4, 5))
    with pytest.raises(ValueError, match="Nx2x3"):
        F.affine_grid(ng.ones(2, 3, 3), (2, 3, 4, 5), align_corners=False)
    with pytest.raises(ValueError, match="padding_mode"):
        F.grid_sample(x, grid, padding_mode="wrap", align_corners=False)
    with pytest.raises(RuntimeError, match="same batch size"):
        F.grid_sample(x, grid[:1], align_corners=False)
    with pytest.raises(ValueError, match="expected mode"):
        F.grid_sample(x, grid, mode="cubic", align_corners=False)
    with pytest.raises(RuntimeError, match="size 3 in last dimension"):
        F.grid_sample(x.unsqueeze(2), grid.unsqueeze(1), align_corners=False)
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D"):
        F.grid_sample(x.unsqueeze(2), ng.zeros(2, 1, 4, 5, 3), "bicubic", align_corners=False)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        F.grid_sample(x, grid.unsqueeze(1), align_corners=False)
