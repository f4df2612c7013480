"""CIFAR-10 from its "python version" pickle batches, parsed without executing code.

The batches are Python pickles (``{b"data": uint8 (10000, 3072), b"labels": [...]}``).
Unpickling can run arbitrary code, so they are read with ``RestrictedUnpickler``, which
only allows what the batches need to rebuild their arrays and refuses every other global.

Example (the first call downloads the files once):
    >>> from nablagrad.datasets import CIFAR10
    >>> test = CIFAR10(train=False)        # doctest: +SKIP
    >>> test[0][0].shape                   # doctest: +SKIP
    nablagrad.Size([3, 32, 32])
"""

from __future__ import annotations

import os
import pickle
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..backend import np
from ..tensor import Tensor
from ..utils.data import TensorDataset
from .download import CORRUPT_FILE_ERRORS, DatasetError, DataUnavailableError, cache_dir, fetch

__all__ = ["CIFAR10", "RestrictedUnpickler", "load_cifar_batch"]

ARCHIVE = "cifar-10-python.tar.gz"
ARCHIVE_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
URLS = ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",)
FOLDER = "cifar-10-batches-py"
TRAIN_FILES = [f"data_batch_{i}" for i in range(1, 6)]
TEST_FILES = ["test_batch"]


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds plain data and NumPy arrays and refuses anything else."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # how protocol-2 pickles store bytes
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"refusing to load {module}.{name}: CIFAR batches only contain arrays, lists and "
            "dicts, so this file is corrupt or malicious"
        )


def load_cifar_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """``(images uint8 (N, 3, 32, 32), labels int64 (N,))`` from one batch file."""
    try:
        with open(path, "rb") as f:
            d = RestrictedUnpickler(f, encoding="bytes").load()
    except FileNotFoundError:
        raise
    except CORRUPT_FILE_ERRORS as e:
        raise DatasetError(
            f"{path} is not a valid CIFAR-10 batch ({e}); delete it and re-download"
        ) from e
    if not isinstance(d, dict):
        raise DatasetError(
            f"{path} is not a CIFAR-10 batch: expected a dict, got {type(d).__name__}"
        )
    d = {k.decode() if isinstance(k, bytes) else k: v for k, v in d.items()}
    if "data" not in d or "labels" not in d:
        raise DatasetError(
            f"{path} is not a CIFAR-10 batch: keys {sorted(map(str, d))} lack data/labels"
        )
    try:
        data = np.asarray(d["data"])
        labels = np.asarray(d["labels"], dtype=np.int64)
    except CORRUPT_FILE_ERRORS as e:
        raise DatasetError(f"{path}: data or labels are not arrays ({e}); re-download") from None
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise DatasetError(
            f"{path}: data has dtype {data.dtype} and shape {data.shape}, expected uint8 (N, 3072)"
        )
    if (
        labels.ndim != 1
        or len(labels) != len(data)
        or (len(labels) and not 0 <= labels.min() <= labels.max() <= 9)
    ):
        raise DatasetError(
            f"{path}: {len(labels)} labels for {len(data)} images, or labels outside 0..9"
        )
    return data.reshape(-1, 3, 32, 32), labels


def _extract(archive: Path, folder: Path) -> None:
    """Extract the batch files (and nothing else) from the archive, each atomically."""
    wanted = set(TRAIN_FILES + TEST_FILES)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar.getmembers():
                name = Path(member.name).name
                if name in wanted and member.isfile():
                    src = tar.extractfile(member)
                    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
                    with os.fdopen(fd, "wb") as out:
                        out.write(src.read())
                    os.replace(tmp, folder / name)
                    tmp = None
    except FileNotFoundError:
        raise
    except CORRUPT_FILE_ERRORS as e:
        raise DatasetError(
            f"{archive} is not a readable CIFAR-10 archive ({type(e).__name__}: {e}); delete it "
            "and download again"
        ) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)


class CIFAR10(TensorDataset):
    """CIFAR-10: 50,000 train / 10,000 test 32x32 colour images in 10 classes.

    Samples are ``(image float32 (3, 32, 32) in [0, 1], label int64)``.  The batch files are
    looked up in ``root/cifar-10-batches-py/``; when missing, the archive is downloaded
    (SHA-256 verified) and the batches extracted.
    """

    classes = [
        "airplane", "automobile", "bird", "cat", "deer",
        "dog", "frog", "horse", "ship", "truck",
    ]  # fmt: skip

    def __init__(
        self,
        root: str | os.PathLike | None = None,
        train: bool = True,
        transform: Callable | None = None,
        download: bool = True,
    ) -> None:
        base = cache_dir(root)
        folder = base / FOLDER
        names = TRAIN_FILES if train else TEST_FILES
        if not all((folder / n).is_file() for n in names):
            try:
                archive = fetch(ARCHIVE, base, URLS, ARCHIVE_SHA256, download=download)
            except DataUnavailableError as e:
                raise DataUnavailableError(
                    f"{e} (or put the extracted batches {', '.join(names)} into {folder})"
                ) from None
            _extract(archive, folder)
        parts = [load_cifar_batch(folder / n) for n in names]
        images = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
        self.root, self.train = folder, train
        self.data = Tensor._wrap(images)
        self.targets = Tensor._wrap(labels)
        super().__init__(
            Tensor._wrap(images.astype(np.float32) / 255.0), self.targets, transform=transform
        )
