"""Data sets: IDX and CIFAR parsing on files the tests build, verified downloads, synthetic sets."""

import gzip
import hashlib
import os
import pickle
import struct

import numpy as np
import pytest
from sklearn import datasets as skd

import nablagrad as ng
from nablagrad.datasets import (
    CIFAR10,
    MNIST,
    DataUnavailableError,
    FashionMNIST,
    cache_dir,
    load_digits,
    make_circles,
    make_curve,
    make_moons,
    make_spirals,
    make_xor,
    read_idx,
)
from nablagrad.datasets import cifar as cifar_mod
from nablagrad.datasets.download import fetch
from nablagrad.utils.data import DataLoader


def write_idx(path, arr):
    code = {np.uint8: 0x08, np.int32: 0x0C, np.float32: 0x0D}[arr.dtype.type]
    header = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    raw = header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    with gzip.open(path, "wb") if str(path).endswith(".gz") else open(path, "wb") as f:
        f.write(raw)


def make_mnist_dir(root, name="mnist", n=12):
    folder = root / name
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    for prefix in ("train", "t10k"):
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", imgs)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return imgs, labels


def test_read_idx_roundtrip_dtypes(tmp_path):
    for arr in (
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4),
        np.arange(6, dtype=np.int32) - 3,
        np.linspace(0, 1, 5, dtype=np.float32),
    ):
        write_idx(tmp_path / "a.idx", arr)
        np.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), arr)


def test_mnist_and_fashion_from_local_files(tmp_path):
    imgs, labels = make_mnist_dir(tmp_path)
    make_mnist_dir(tmp_path, "fashion-mnist")
    ds = MNIST(root=tmp_path, train=True, download=False)
    assert len(ds) == 12 and ds.data.dtype == ng.uint8 and ds.targets.dtype == ng.int64
    x, y = ds[3]
    assert x.shape == (1, 28, 28) and x.dtype == ng.float32 and y.item() == 3
    np.testing.assert_allclose(x.numpy()[0], imgs[3] / 255.0, rtol=1e-6)
    xb, yb = next(iter(DataLoader(ds, batch_size=5)))
    assert xb.shape == (5, 1, 28, 28) and yb.tolist() == [0, 1, 2, 3, 4]
    assert len(FashionMNIST(root=tmp_path, train=False, download=False)) == 12


def test_corrupt_idx_files_fail_clearly(tmp_path):
    make_mnist_dir(tmp_path)
    f = tmp_path / "mnist" / "train-images-idx3-ubyte.gz"
    raw = gzip.decompress(f.read_bytes())
    f.write_bytes(gzip.compress(raw[:-10]))
    with pytest.raises(ValueError, match="truncated"):
        MNIST(root=tmp_path, download=False)
    f.write_bytes(gzip.compress(b"\x12\x34" + raw[2:]))
    with pytest.raises(ValueError, match="magic"):
        MNIST(root=tmp_path, download=False)
    f.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="not a readable IDX"):
        MNIST(root=tmp_path, download=False)


def test_missing_files_offline_say_where_to_put_them(tmp_path, monkeypatch):
    with pytest.raises(DataUnavailableError, match=r"put train-images-idx3-ubyte.gz .* into"):
        MNIST(root=tmp_path, download=False)
    # a download that cannot reach the network also names the folder
    monkeypatch.setattr(MNIST, "mirrors", ("http://127.0.0.1:9/",))
    with pytest.raises(DataUnavailableError, match=str(tmp_path / "mnist")):
        MNIST(root=tmp_path, download=True)
    assert not any(p.name.endswith(".part") for p in (tmp_path / "mnist").iterdir())


def test_fetch_verifies_sha256_and_renames_atomically(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"hello data")
    good = hashlib.sha256(b"hello data").hexdigest()
    out = tmp_path / "cache"
    path = fetch("f.bin", out, [src.as_uri()], good)
    assert path.read_bytes() == b"hello data"
    with pytest.raises(DataUnavailableError, match="sha256"):
        fetch("g.bin", out, [src.as_uri()], "0" * 64)
    assert sorted(p.name for p in out.iterdir()) == ["f.bin"]  # nothing half-written left


def test_cache_dir_argument_and_env(tmp_path, monkeypatch):
    monkeypatch.setenv("NABLAGRAD_CACHE_DIR", str(tmp_path / "env"))
    assert cache_dir() == tmp_path / "env"
    assert cache_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("NABLAGRAD_CACHE_DIR")
    assert cache_dir().parts[-2:] == (".cache", "nablagrad")


def write_cifar_batch(path, n, seed, protocol=2):
    rng = np.random.default_rng(seed)
    d = {
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        b"labels": [int(v) for v in rng.integers(0, 10, n)],
        b"batch_label": b"x",
    }
    with open(path, "wb") as f:
        pickle.dump(d, f, protocol=protocol)
    return d


def test_cifar10_from_local_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    parts = [write_cifar_batch(folder / f"data_batch_{i}", 3, i) for i in range(1, 6)]
    write_cifar_batch(folder / "test_batch", 4, 9, protocol=4)
    ds = CIFAR10(root=tmp_path, train=True, download=False)
    assert len(ds) == 15 and ds.data.shape == (15, 3, 32, 32)
    x, y = ds[4]
    np.testing.assert_allclose(
        x.numpy(), parts[1][b"data"][1].reshape(3, 32, 32) / 255.0, rtol=1e-6
    )
    assert y.item() == parts[1][b"labels"][1]
    assert len(CIFAR10(root=tmp_path, train=False, download=False)) == 4


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_cifar_refuses_code_in_pickles(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": Evil(), b"labels": []}, f)
    with pytest.raises(ValueError, match="refusing to load"):
        CIFAR10(root=tmp_path, train=False, download=False)
    (folder / "test_batch").write_bytes(b"\x80\x02garbage")
    with pytest.raises(ValueError, match="not a valid CIFAR-10 batch"):
        CIFAR10(root=tmp_path, train=False, download=False)
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": np.zeros((2, 10), np.uint8), b"labels": [0, 1]}, f)
    with pytest.raises(ValueError, match="3072"):
        CIFAR10(root=tmp_path, train=False, download=False)


def test_cifar_missing_offline_message(tmp_path):
    with pytest.raises(DataUnavailableError, match="cifar-10-batches-py"):
        CIFAR10(root=tmp_path, train=False, download=False)


def test_cifar_archive_extraction(tmp_path, monkeypatch):
    import tarfile

    stage = tmp_path / "stage" / "cifar-10-batches-py"
    stage.mkdir(parents=True)
    write_cifar_batch(stage / "test_batch", 2, 0)
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(stage, arcname="cifar-10-batches-py")
    monkeypatch.setattr(
        cifar_mod, "ARCHIVE_SHA256", hashlib.sha256(archive.read_bytes()).hexdigest()
    )
    ds = CIFAR10(root=tmp_path, train=False, download=False)  # archive already in the cache
    assert len(ds) == 2 and (tmp_path / "cifar-10-batches-py" / "test_batch").is_file()


def test_load_digits_matches_sklearn():
    X, y = load_digits(scale=False)
    ref = skd.load_digits()
    np.testing.assert_array_equal(X, ref.data.astype(np.float32))
    np.testing.assert_array_equal(y, ref.target)


@pytest.mark.parametrize("fn", [make_spirals, make_moons, make_xor, make_circles])
def test_synthetic_classification_sets(fn):
    X, y = fn(101, noise=0.0, seed=1)
    assert X.shape == (101, 2) and X.dtype == np.float32 and y.dtype == np.int64
    assert set(np.unique(y).tolist()) == {0, 1}
    X2, y2 = fn(101, noise=0.0, seed=1)
    np.testing.assert_array_equal(X, X2)
    with pytest.raises(ValueError, match="n_samples"):
        fn(1)


def test_synthetic_geometry():
    X, y = make_circles(200, noise=0.0, factor=0.3)
    r = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(r[y == 0], 1, atol=1e-6)
    np.testing.assert_allclose(r[y == 1], 0.3, atol=1e-6)
    X, y = make_xor(300, noise=0.0)
    assert np.array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))
    X, y = make_moons(200, noise=0.0)
    sk_X, sk_y = skd.make_moons(200, noise=0.0, shuffle=False)
    np.testing.assert_allclose(X, sk_X, atol=1e-6)
    np.testing.assert_array_equal(y, sk_y)
    X, y = make_spirals(300, n_classes=3, noise=0.0)
    assert sorted(np.unique(y).tolist()) == [0, 1, 2]
    x, t = make_curve(50, noise=0.0)
    np.testing.assert_allclose(t[:, 0], np.sin(3 * x[:, 0]) + 0.5 * x[:, 0], atol=1e-6)


def test_make_moons_shuffle_and_random_state_like_sklearn():
    X, y = make_moons(50, noise=0.05, seed=3)
    Xs, ys = make_moons(50, noise=0.05, random_state=3, shuffle=True)
    assert sorted(map(tuple, Xs.tolist())) == sorted(map(tuple, X.tolist()))  # same points
    assert not (ys == y).all() and ys.sum() == y.sum() == 25  # mixed order, balanced classes
    Xr, yr = make_moons(50, noise=0.05, random_state=3)
    np.testing.assert_array_equal(Xr, X)
