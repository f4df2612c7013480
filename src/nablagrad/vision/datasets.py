"""torchvision-compatible data sets: ``MNIST``, ``FashionMNIST``, ``CIFAR10`` and ``FakeData``.

Files are found where torchvision puts them: ``root/MNIST/raw/``,
``root/FashionMNIST/raw/`` (IDX files, plain or ``.gz``) and ``root/cifar-10-batches-py/``.
With ``download=True`` missing files are fetched by nablagrad's SHA-256-verified downloader
(``nablagrad.datasets``); without it a missing data set raises torchvision's error.  Samples are
``(image, target)``: a PIL image (mode ``L`` or ``RGB``) passed through ``transform`` and an
``int`` passed through ``target_transform``.  ``FakeData`` needs no files: random images
(the same image for the same index, drawn without disturbing the global random state).

Example:
    >>> from nablagrad.vision import datasets, transforms
    >>> to_tensor = transforms.ToTensor()
    >>> ds = datasets.FashionMNIST("data", train=False, transform=to_tensor)  # doctest: +SKIP
    >>> ds[0][0].shape  # doctest: +SKIP
    nablagrad.Size([1, 28, 28])
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..backend import np
from ..datasets import cifar as _cifar
from ..datasets import mnist as _mnist
from ..datasets.download import fetch
from ..tensor import Tensor
from ..utils.data import Dataset

__all__ = ["VisionDataset", "MNIST", "FashionMNIST", "CIFAR10", "FakeData"]


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - pillow is a dependency of the vision extra
        raise ImportError(
            "nablagrad.vision needs Pillow for images: pip install 'nablagrad[vision]'"
        ) from e
    return Image


class VisionDataset(Dataset):
    """Base class: ``root``, ``transform``, ``target_transform`` and torchvision's repr."""

    def __init__(
        self,
        root: str | os.PathLike | None,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
    ) -> None:
        self.root = os.path.expanduser(root) if isinstance(root, (str, os.PathLike)) else root
        self.transform = transform
        self.target_transform = target_transform

    def __repr__(self) -> str:
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"    Root location: {self.root}")
        if self.transform is not None:
            lines.append(f"    StandardTransform\nTransform: {self.transform!r}")
        return "\n".join(lines)


class MNIST(VisionDataset):
    """MNIST digits as torchvision serves them: ``(PIL 'L' image, int)`` samples.

    ``data`` is a uint8 tensor (N, 28, 28) and ``targets`` an int64 tensor (N,).
    """

    _loader = _mnist.MNIST
    classes = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
        "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine",
    ]  # fmt: skip

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform, target_transform)
        self.train = train
        images, labels = self._load(download)
        self.data = Tensor._wrap(images)
        self.targets = Tensor._wrap(labels.astype(np.int64))

    @property
    def raw_folder(self) -> str:
        return os.path.join(str(self.root), type(self).__name__, "raw")

    def _load(self, download: bool) -> tuple:
        folder = Path(self.raw_folder)
        prefix = "train" if self.train else "t10k"
        paths = []
        for kind in ("images-idx3", "labels-idx1"):
            name = f"{prefix}-{kind}-ubyte"
            plain, gz = folder / name, folder / (name + ".gz")
            if plain.is_file():
                paths.append(plain)
            elif gz.is_file():
                paths.append(gz)
            elif download:
                loader = self._loader
                urls = [m + name + ".gz" for m in loader.mirrors]
                paths.append(fetch(name + ".gz", folder, urls, loader.files[name + ".gz"]))
            else:
                raise RuntimeError("Dataset not found. You can use download=True to download it")
        images, labels = _mnist.read_idx(paths[0]), _mnist.read_idx(paths[1])
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(
                f"{folder}: images {images.shape} and labels {labels.shape} do not match "
                "(expected (N, H, W) and (N,))"
            )
        return images, labels

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return int(self.data.shape[0])

    def __getitem__(self, index: int) -> tuple:
        img = _pil().fromarray(self.data._data[int(index)], mode="L")
        target = int(self.targets._data[int(index)])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (torchvision's class names and folder ``FashionMNIST/raw``)."""

    _loader = _mnist.FashionMNIST
    classes = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]  # fmt: skip


class CIFAR10(VisionDataset):
    """CIFAR-10 as torchvision serves it: ``data`` uint8 (N, 32, 32, 3), ``targets`` a list."""

    base_folder = _cifar.FOLDER
    classes = list(_cifar.CIFAR10.classes)

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        download: bool = False,
    ) -> None:
        super().__init__(root, transform, target_transform)
        self.train = train
        folder = Path(str(root)) / self.base_folder
        names = _cifar.TRAIN_FILES if train else _cifar.TEST_FILES
        if not all((folder / n).is_file() for n in names):
            if not download:
                raise RuntimeError(
                    "Dataset not found or corrupted. You can use download=True to download it"
                )
            archive = fetch(_cifar.ARCHIVE, Path(str(root)), _cifar.URLS, _cifar.ARCHIVE_SHA256)
            _cifar._extract(archive, folder)
        parts = [_cifar.load_cifar_batch(folder / n) for n in names]
        self.data = np.ascontiguousarray(
            np.concatenate([p[0] for p in parts]).transpose(0, 2, 3, 1)
        )
        self.targets = [int(v) for v in np.concatenate([p[1] for p in parts])]

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple:
        img = _pil().fromarray(self.data[int(index)])
        target = self.targets[int(index)]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


class FakeData(VisionDataset):
    """``size`` random PIL images of ``image_size`` (C, H, W) with random targets in
    ``[0, num_classes)``, as torchvision's ``FakeData`` (scripts' ``--dummy`` data).

    Sample ``i`` is drawn from ``N(0, 1)`` after seeding with ``i + random_offset`` (the global
    random state is saved and restored), then converted like ``transforms.ToPILImage``; so
    the same index always gives the same sample (not torchvision's pixels: the generators differ).

    Example:
        >>> from nablagrad.vision import datasets
        >>> img, target = datasets.FakeData(size=4, image_size=(3, 8, 8))[1]
        >>> img.size, img.mode, 0 <= target < 10
        ((8, 8), 'RGB', True)
    """

    def __init__(
        self,
        size: int = 1000,
        image_size: tuple[int, int, int] = (3, 224, 224),
        num_classes: int = 10,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        random_offset: int = 0,
    ) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> tuple:
        from .. import random
        from ..creation import randint, randn
        from .transforms import ToPILImage

        if index >= len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        state = random.get_rng_state()
        try:
            random.manual_seed(int(index) + self.random_offset)
            img = randn(*self.image_size)
            target = randint(0, self.num_classes, size=(1,))[0]
        finally:
            random.set_rng_state(state)
        img = ToPILImage()(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target.item()

    def __len__(self) -> int:
        return self.size
