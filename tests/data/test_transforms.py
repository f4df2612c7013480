"""Batch transforms: shapes, statistics and exact geometric checks."""

import numpy as np
import pytest
import torch

import nablagrad as ng
from nablagrad.utils.data import DataLoader, TensorDataset
from nablagrad.utils.data import transforms as T


def gen(seed=0):
    return ng.Generator().manual_seed(seed)


def test_normalize_matches_torch_formula_and_statistics():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (64, 3, 5, 5)).astype(np.float32)
    mean, std = x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3))
    out = T.Normalize(mean.tolist(), std.tolist())(ng.tensor(x))
    assert isinstance(out, ng.Tensor) and out.dtype == ng.float32
    ref = (torch.from_numpy(x) - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[
        :, None, None
    ]
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out.numpy().mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out.numpy().std(axis=(0, 2, 3)), 1, atol=1e-4)
    with pytest.raises(ValueError, match="channel"):
        T.Normalize([0, 0], [1, 1])(x)
    with pytest.raises(ValueError, match="non-zero"):
        T.Normalize(0, 0)


def test_random_crop_takes_windows_of_the_padded_image():
    x = np.arange(2 * 6 * 6, dtype=np.float32).reshape(2, 1, 6, 6) + 1
    assert np.array_equal(T.RandomCrop(6)(x), x)  # no padding, full size: identity
    out = T.RandomCrop(6, padding=2, generator=gen(1))(x)
    padded = np.pad(x, [(0, 0), (0, 0), (2, 2), (2, 2)])
    for i in range(2):
        hits = [
            (dy, dx)
            for dy in range(5)
            for dx in range(5)
            if np.array_equal(padded[i, :, dy : dy + 6, dx : dx + 6], out[i])
        ]
        assert hits, "crop is not a window of the padded image"
    offsets = set()
    big = np.ones((400, 1, 4, 4), np.float32)
    crops = T.RandomCrop(4, padding=1, generator=gen(2))(big)
    for c in crops:
        offsets.add(c.tobytes())
    assert len(offsets) == 9  # all 3x3 offsets occur, each leaving its own zero border


def test_horizontal_flip_probability_and_exactness():
    x = np.random.default_rng(0).normal(size=(2000, 1, 3, 4)).astype(np.float32)
    out = T.RandomHorizontalFlip(0.3, generator=gen())(x)
    flipped = np.all(out == x[..., ::-1], axis=(1, 2, 3))
    kept = np.all(out == x, axis=(1, 2, 3))
    assert np.all(flipped | kept)
    assert abs(flipped.mean() - 0.3) < 0.04
    assert np.array_equal(T.RandomHorizontalFlip(1.0)(x), x[..., ::-1])


def test_rotation_by_90_degrees_is_rot90_and_torch_direction():
    img = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
    out = T.RandomRotation((90, 90))(ng.tensor(img))
    # torchvision rotates counter-clockwise for positive angles, like np.rot90(k=1)
    np.testing.assert_allclose(out.numpy(), np.rot90(img, 1, axes=(-2, -1)), atol=1e-4)
    same = T.RandomRotation(0)(img)
    np.testing.assert_allclose(same, img, atol=1e-5)


def test_affine_shift_moves_content_by_whole_pixels():
    img = np.zeros((300, 1, 10, 10), np.float32)
    img[:, :, 4:6, 4:6] = 1
    out = T.RandomAffine(0, translate=(0.2, 0.2), generator=gen(5))(img)
    np.testing.assert_allclose(out.sum(axis=(1, 2, 3)), 4, atol=1e-5)  # shifted, not lost
    ys, xs = [], []
    for o in out:
        r, c = np.argwhere(o[0] > 0.5).min(0)
        ys.append(r - 4)
        xs.append(c - 4)
    assert set(ys) <= set(range(-2, 3)) and len(set(ys)) >= 4 and len(set(xs)) >= 4


def test_gaussian_noise_statistics():
    x = np.zeros((200, 50), np.float32)
    out = T.GaussianNoise(std=0.5, generator=gen())(ng.tensor(x)).numpy()
    assert out.dtype == np.float32
    assert abs(out.mean()) < 0.01 and abs(out.std() - 0.5) < 0.01
    with pytest.raises(ValueError, match="std"):
        T.GaussianNoise(-1)


def test_compose_and_loader_apply_per_batch_seeded():
    x = ng.rand(32, 1, 8, 8)
    aug = T.Compose([T.RandomCrop(8, padding=1), T.RandomHorizontalFlip(), T.GaussianNoise(0.1)])
    ng.manual_seed(0)
    a = aug(x).numpy()
    ng.manual_seed(0)
    b = aug(x).numpy()
    np.testing.assert_array_equal(a, b)
    ds = TensorDataset(x, ng.arange(32), transform=T.Normalize(0.5, 0.5))
    xb, _ = next(iter(DataLoader(ds, batch_size=4)))
    np.testing.assert_allclose(xb.numpy(), (x.numpy()[:4] - 0.5) / 0.5, rtol=1e-6)
    np.testing.assert_allclose(ds[1][0].numpy(), (x.numpy()[1] - 0.5) / 0.5, rtol=1e-6)


def test_unbatched_input_is_rejected_with_a_hint():
    with pytest.raises(ValueError, match="batch"):
        T.RandomCrop(4)(np.zeros((4, 4), np.float32))
