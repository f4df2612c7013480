"""``nablagrad.vision``: torchvision's data sets and transforms on nablagrad tensors.

``datasets.MNIST`` / ``FashionMNIST`` / ``CIFAR10`` read torchvision's folder layout and give
``(PIL image, int)`` samples passed through ``transform`` / ``target_transform``;
``transforms`` has ``ToTensor``, ``Resize``, ``Normalize``, ``Compose`` and the usual
augmentations, working on PIL images and on tensors as torchvision's do.  With
``nablagrad.install_as_torch()`` (or ``nablagrad run``) this package is ``torchvision``.

Example:
    >>> from nablagrad.vision import transforms
    >>> import numpy as np
    >>> t = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])])
    >>> t(np.zeros((4, 4, 1), dtype=np.uint8)).shape
    nablagrad.Size([1, 4, 4])
"""

from __future__ import annotations

from . import datasets, models, transforms, utils

__version__ = "0.28.0+nablagrad"

__all__ = ["datasets", "models", "transforms", "utils"]
