"""MNIST and Fashion-MNIST from their IDX gzip files.

IDX format: a big-endian header ``0x00 0x00 <dtype code> <ndim>``, then ``ndim`` big-endian
uint32 sizes, then the values row-major (MNIST: uint8 images (N, 28, 28), uint8 labels (N,)).

Example (the first call downloads the files once):
    >>> from nablagrad.datasets import MNIST
    >>> train = MNIST(train=True)          # doctest: +SKIP
    >>> x, y = train[0]; x.shape           # doctest: +SKIP
    nablagrad.Size([1, 28, 28])
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path

from ..backend import np
from ..tensor import Tensor
from ..utils.data import TensorDataset
from .download import CORRUPT_FILE_ERRORS, DatasetError, cache_dir, fetch

__all__ = ["read_idx", "MNIST", "FashionMNIST"]

_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Parse an IDX file (gzip-compressed when the name ends in ``.gz``) into an array.

    Raises ``ValueError`` naming the file and the problem when the header or size is wrong.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise
    except CORRUPT_FILE_ERRORS as e:
        raise DatasetError(
            f"{path} is not a readable IDX file ({e}); delete it and download again"
        ) from e
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DatasetError(
            f"{path} is not an IDX file: bad magic number {raw[:4].hex()} (expected 0000 + "
            "dtype code + ndim); delete it and download again"
        )
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetError(f"{path} is truncated: the header promises {ndim} dims")
    shape = tuple(int(v) for v in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DatasetError(
            f"{path} is truncated or corrupt: header says shape {shape} ({expected} bytes of "
            f"data) but the file has {len(raw) - header}; delete it and download again"
        )
    return (
        np.frombuffer(raw, dtype=dtype, offset=header)
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


class MNIST(TensorDataset):
    """The MNIST digits: 60,000 train / 10,000 test 28x28 grey images, labels 0..9.

    Samples are ``(image, label)``: a float32 tensor (1, 28, 28) in [0, 1] and an int64 label
    (``transform`` is applied to image batches, see ``nablagrad.utils.data.transforms``).
    ``data`` (uint8, (N, 28, 28)) and ``targets`` are the raw arrays as tensors.  Files are
    looked up in ``root/<name>/`` (``root`` defaults to the nablagrad cache) and downloaded with
    SHA-256 verification when missing.
    """

    name = "mnist"
    mirrors = (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    )
    files = {
        "train-images-idx3-ubyte.gz": (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        ),
        "train-labels-idx1-ubyte.gz": (
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
        ),
    }
    classes = [str(i) for i in range(10)]

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        train: bool = True,
        transform: Callable | None = None,
        download: bool = True,
    ) -> None:
        folder = cache_dir(root) / self.name
        prefix = "train" if train else "t10k"
        paths = []
        for kind in ("images-idx3", "labels-idx1"):
            fname = f"{prefix}-{kind}-ubyte.gz"
            urls = [m + fname for m in self.mirrors]
            paths.append(fetch(fname, folder, urls, self.files[fname], download=download))
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(
                f"{folder}: images {images.shape} and labels {labels.shape} do not match "
                "(expected (N, H, W) and (N,)); delete the files and download again"
            )
        self.root, self.train = folder, train
        self.data = Tensor._wrap(images)
        self.targets = Tensor._wrap(labels.astype(np.int64))
        x = (images.astype(np.float32) / 255.0)[:, None]
        super().__init__(Tensor._wrap(x), self.targets, transform=transform)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: the same format as MNIST, 10 kinds of clothing."""

    name = "fashion-mnist"
    mirrors = (
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    )
    files = {
        "train-images-idx3-ubyte.gz": (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
        ),
        "train-labels-idx1-ubyte.gz": (
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
        ),
    }
    classes = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]  # fmt: skip
