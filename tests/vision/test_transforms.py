"""nablagrad.vision.transforms against torchvision.transforms on PIL images and tensors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from tvhelpers import import_torchvision

import nablagrad as ng
from nablagrad.vision import transforms as T
from nablagrad.vision.transforms import functional as F

tv = import_torchvision()
TT = tv.transforms
TF = tv.transforms.functional

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (20, 30, 3), dtype=np.uint8)
GRAY = RNG.integers(0, 256, (20, 30), dtype=np.uint8)


def pil(arr):
    return Image.fromarray(arr)


def same(a, b, atol=1e-6):
    if isinstance(a, Image.Image):
        assert a.size == b.size and a.mode == b.mode
        np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), atol=atol)
    else:
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype)[10:] == str(b.dtype)[6:]
        np.testing.assert_allclose(a._data, b.numpy(), atol=atol)


@pytest.mark.parametrize("arr", [RGB, GRAY])
def test_to_tensor_and_back(arr):
    same(T.ToTensor()(pil(arr)), TT.ToTensor()(pil(arr)))
    same(T.ToTensor()(arr), TT.ToTensor()(arr))
    same(T.PILToTensor()(pil(arr)), TT.PILToTensor()(pil(arr)))
    x = T.ToTensor()(pil(arr))
    same(T.ToPILImage()(x), TT.ToPILImage()(torch.tensor(x._data)))
    same(T.ToTensor()(arr.astype(np.float32)), TT.ToTensor()(arr.astype(np.float32)))


@pytest.mark.parametrize("size", [(10, 12), 8, [14]])
def test_resize_pil_and_tensor(size):
    same(T.Resize(size)(pil(RGB)), TT.Resize(size)(pil(RGB)))
    x = T.ToTensor()(pil(RGB))
    ours = T.Resize(size)(x)
    theirs = TT.Resize(size)(torch.tensor(x._data))
    assert tuple(ours.shape) == tuple(theirs.shape)
    # PIL's and torch's antialiased bilinear kernels agree to about one grey level
    assert np.abs(ours._data - theirs.numpy()).mean() < 0.01


def test_resize_compose_as_in_d2l():
    trans = T.Compose([T.Resize((32, 32)), T.ToTensor()])
    ttrans = TT.Compose([TT.Resize((32, 32)), TT.ToTensor()])
    same(trans(pil(GRAY)), ttrans(pil(GRAY)))
    assert "Resize" in repr(trans) and "ToTensor" in repr(trans)


def test_normalize():
    x = T.ToTensor()(pil(RGB))
    m, s = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    same(T.Normalize(m, s)(x), TT.Normalize(m, s)(torch.tensor(x._data)), 1e-5)
    with pytest.raises(TypeError, match="float"):
        T.Normalize(m, s)(ng.tensor(RGB.transpose(2, 0, 1)))
    with pytest.raises(ValueError, match="zero"):
        T.Normalize([0.0], [0.0])(x)


@pytest.mark.parametrize(
    "fn,args",
    [
        ("hflip", ()),
        ("vflip", ()),
        ("crop", (2, 3, 10, 12)),
        ("center_crop", ((8, 9),)),
        ("pad", ((1, 2, 3, 4),)),
        ("resized_crop", (1, 2, 10, 10, (6, 7))),
        ("adjust_brightness", (1.3,)),
        ("adjust_contrast", (0.6,)),
        ("adjust_saturation", (1.5,)),
        ("adjust_hue", (0.2,)),
        ("rgb_to_grayscale", ()),
    ],
)
def test_functional_on_pil_and_tensor(fn, args):
    same(getattr(F, fn)(pil(RGB), *args), getattr(TF, fn)(pil(RGB), *args), atol=1)
    x = T.ToTensor()(pil(RGB))
    ours = getattr(F, fn)(x, *args)
    theirs = getattr(TF, fn)(torch.tensor(x._data), *args)
    tol = 0.02 if fn == "resized_crop" else 1e-4
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert np.abs(ours._data - theirs.numpy()).mean() < tol


def test_pad_modes_on_tensor():
    x = ng.tensor(RGB.transpose(2, 0, 1).copy())
    for mode in ("constant", "edge", "reflect", "symmetric"):
        same(
            F.pad(x, [2, 1], padding_mode=mode),
            TF.pad(torch.tensor(x._data), [2, 1], padding_mode=mode),
        )


def test_random_transforms_follow_the_global_seed_and_keep_shapes():
    aug = T.Compose(
        [
            T.RandomResizedCrop((12, 12), scale=(0.3, 1.0), ratio=(0.5, 2.0)),
            T.RandomHorizontalFlip(),
            T.RandomVerticalFlip(0.3),
            T.ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5, hue=0.2),
            T.RandomCrop(10, padding=2),
            T.RandomRotation(15),
            T.RandomGrayscale(0.5),
            T.ToTensor(),
        ]
    )
    ng.manual_seed(4)
    a = [aug(pil(RGB)) for _ in range(5)]
    ng.manual_seed(4)
    b = [aug(pil(RGB)) for _ in range(5)]
    for u, v in zip(a, b):
        assert tuple(u.shape) == (3, 10, 10) and np.array_equal(u._data, v._data)
    assert any(not np.array_equal(a[0]._data, u._data) for u in a[1:])


def test_random_flip_probability_edges():
    x = T.ToTensor()(pil(RGB))
    same(T.RandomHorizontalFlip(1.0)(x), TF.hflip(torch.tensor(x._data)))
    assert np.array_equal(T.RandomHorizontalFlip(0.0)(x)._data, x._data)


def test_random_resized_crop_params_stay_inside():
    ng.manual_seed(0)
    for _ in range(50):
        i, j, h, w = T.RandomResizedCrop.get_params(pil(RGB), (0.08, 1.0), (3 / 4, 4 / 3))
        assert 0 <= i and 0 <= j and i + h <= 20 and j + w <= 30 and h > 0 and w > 0


def test_color_jitter_argument_checks():
    with pytest.raises(ValueError, match="hue"):
        T.ColorJitter(hue=0.7)
    with pytest.raises(ValueError, match="non negative"):
        T.ColorJitter(brightness=-1)
    assert T.ColorJitter().brightness is None


def test_lambda_random_apply_choice_order():
    ng.manual_seed(0)
    double = T.Lambda(lambda t: t * 2)
    x = ng.ones(1, 2, 2)
    assert T.RandomApply([double], p=1.0)(x).sum().item() == 8
    assert T.RandomApply([double], p=0.0)(x).sum().item() == 4
    assert T.RandomChoice([double])(x).sum().item() == 8
    assert T.RandomOrder([double, double])(x).sum().item() == 16
    with pytest.raises(TypeError):
        T.Lambda(3)
