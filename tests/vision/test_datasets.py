"""nablagrad.vision.datasets read torchvision's folder layouts (files written by the test)."""

from __future__ import annotations

import gzip
import pickle
import struct

import numpy as np
import pytest
from PIL import Image
from tvhelpers import import_torchvision

import nablagrad as ng
from nablagrad.utils.data import DataLoader
from nablagrad.vision import datasets, transforms

RNG = np.random.default_rng(0)


def write_idx(folder, split, n, gz):
    folder.mkdir(parents=True, exist_ok=True)
    imgs = RNG.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = RNG.integers(0, 10, n).astype(np.uint8)
    op = gzip.open if gz else open
    sfx = ".gz" if gz else ""
    with op(folder / f"{split}-images-idx3-ubyte{sfx}", "wb") as f:
        f.write(struct.pack(">IIII", 2051, n, 28, 28) + imgs.tobytes())
    with op(folder / f"{split}-labels-idx1-ubyte{sfx}", "wb") as f:
        f.write(struct.pack(">II", 2049, n) + labels.tobytes())
    return imgs, labels


@pytest.mark.parametrize("cls,gz", [("MNIST", True), ("FashionMNIST", False)])
def test_mnist_layout_samples_and_loader(tmp_path, cls, gz):
    imgs, labels = write_idx(tmp_path / cls / "raw", "t10k", 12, gz)
    ds = getattr(datasets, cls)(str(tmp_path), train=False)
    assert len(ds) == 12 and ds.data.dtype == ng.uint8 and ds.targets.dtype == ng.int64
    img, y = ds[3]
    assert isinstance(img, Image.Image) and img.mode == "L" and y == int(labels[3])
    assert np.array_equal(np.asarray(img), imgs[3])
    trans = transforms.Compose([transforms.Resize(14), transforms.ToTensor()])
    ds = getattr(datasets, cls)(
        str(tmp_path), train=False, transform=trans, target_transform=lambda t: t + 100
    )
    x, y = ds[0]
    assert tuple(x.shape) == (1, 14, 14) and x.dtype == ng.float32 and y == int(labels[0]) + 100
    xb, yb = next(iter(DataLoader(ds, batch_size=5)))
    assert tuple(xb.shape) == (5, 1, 14, 14) and yb.dtype == ng.int64
    assert "Number of datapoints: 12" in repr(ds) and len(ds.classes) == 10


def test_same_samples_as_torchvision(tmp_path):
    tv = import_torchvision()
    write_idx(tmp_path / "FashionMNIST" / "raw", "train", 6, False)  # torchvision reads unzipped
    write_idx(tmp_path / "FashionMNIST" / "raw", "t10k", 2, False)  # and wants both splits
    ours = datasets.FashionMNIST(str(tmp_path), train=True, transform=transforms.ToTensor())
    theirs = tv.datasets.FashionMNIST(str(tmp_path), train=True, transform=tv.transforms.ToTensor())
    assert len(ours) == len(theirs) and ours.classes == theirs.classes
    for i in range(6):
        (a, ya), (b, yb) = ours[i], theirs[i]
        assert ya == yb and np.allclose(a._data, b.numpy())


def test_missing_files_raise_torchvisions_error(tmp_path):
    with pytest.raises(RuntimeError, match="download=True"):
        datasets.MNIST(str(tmp_path), train=True, download=False)


def test_cifar10_layout(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    data = RNG.integers(0, 256, (4, 3072), dtype=np.uint8)
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": data, b"labels": [3, 1, 4, 1]}, f, protocol=2)
    ds = datasets.CIFAR10(str(tmp_path), train=False, transform=transforms.ToTensor())
    assert len(ds) == 4 and ds.targets == [3, 1, 4, 1] and ds.data.shape == (4, 32, 32, 3)
    x, y = ds[2]
    assert tuple(x.shape) == (3, 32, 32) and y == 4
    np.testing.assert_allclose(x._data * 255, data[2].reshape(3, 32, 32), atol=1e-3)
    raw, _ = datasets.CIFAR10(str(tmp_path), train=False)[0]
    assert isinstance(raw, Image.Image) and raw.mode == "RGB"


@pytest.mark.parametrize("image_size", [(3, 6, 5), (1, 4, 4)])
def test_fakedata_serves_like_torchvision(image_size):
    tv = import_torchvision()
    t = tv.datasets.FakeData(size=5, image_size=image_size, num_classes=3)
    n = datasets.FakeData(size=5, image_size=image_size, num_classes=3)
    assert len(n) == len(t) == 5
    for i in range(5):
        (ti, tt), (ni, nt) = t[i], n[i]
        assert (ni.size, ni.mode) == (ti.size, ti.mode)
        assert type(nt) is type(tt) is int and 0 <= nt < 3
    # one image per index, and the global random state is left alone
    ng.manual_seed(7)
    expect = ng.rand(3)
    ng.manual_seed(7)
    first = np.asarray(n[2][0])
    np.testing.assert_array_equal(ng.rand(3).numpy(), expect.numpy())
    np.testing.assert_array_equal(np.asarray(n[2][0]), first)
    assert not np.array_equal(np.asarray(n[1][0]), first)
    with pytest.raises(IndexError, match="index out of range"):
        n[5]
    with pytest.raises(IndexError, match="index out of range"):
        t[5]
    # as dcgan's --dataset fake uses it: transforms and a DataLoader
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    batch, targets = next(iter(DataLoader(datasets.FakeData(4, image_size, 3, tf), batch_size=4)))
    assert tuple(batch.shape) == (4, *image_size) and tuple(targets.shape) == (4,)
    assert float(batch.min()) >= -1 and float(batch.max()) <= 1
