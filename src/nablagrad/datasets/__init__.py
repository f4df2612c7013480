"""Data sets: the embedded digits (offline default), MNIST, Fashion-MNIST, CIFAR-10 and
synthetic sets for lectures.

Example:
    >>> from nablagrad.datasets import load_digits, make_spirals
    >>> load_digits()[0].shape, make_spirals(50)[0].shape
    ((1797, 64), (50, 2))
"""

from .cifar import CIFAR10
from .digits import load_digits
from .download import DatasetError, DataUnavailableError, cache_dir
from .mnist import MNIST, FashionMNIST, read_idx
from .synthetic import make_circles, make_curve, make_moons, make_spirals, make_xor

__all__ = [
    "CIFAR10",
    "DataUnavailableError",
    "DatasetError",
    "FashionMNIST",
    "MNIST",
    "cache_dir",
    "load_digits",
    "make_circles",
    "make_curve",
    "make_moons",
    "make_spirals",
    "make_xor",
    "read_idx",
]
