"""Ready-made models: ``MLP`` and ``LeNet5``.

LeNet5 follows the 1998 layout adapted to 28x28 input as in *Dive into Deep Learning*:
conv(1->6, 5x5, pad 2) - sigmoid - avgpool 2 - conv(6->16, 5x5) - sigmoid - avgpool 2 -
flatten - 120 - sigmoid - 84 - sigmoid - 10.  Its ``state_dict`` keys equal those of the same
``torch.nn.Sequential`` (``net.0.weight``, ``net.3.weight``, ``net.7.weight`` ...).

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.models import LeNet5, MLP
    >>> LeNet5()(torch.randn(2, 1, 28, 28)).shape
    nablagrad.Size([2, 10])
    >>> MLP([4, 16, 3], activation="relu", dropout=0.1)(torch.randn(5, 4)).shape
    nablagrad.Size([5, 3])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import nn
from .tensor import Tensor

_ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "leaky_relu": nn.LeakyReLU,
    "mish": nn.Mish,
    "softplus": nn.Softplus,
}


def _activation(activation: Any) -> nn.Module:
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"MLP: unknown activation {activation!r}: choose one of "
                f"{sorted(_ACTIVATIONS)} or pass a Module class"
            )
        return _ACTIVATIONS[activation]()
    if isinstance(activation, nn.Module):
        raise TypeError(
            "MLP: pass the activation class or name (e.g. nn.ReLU or 'relu'), not an "
            "instance, so each layer gets its own"
        )
    return activation()


class MLP(nn.Sequential):
    """Linear layers of widths ``sizes`` with ``activation`` (and dropout) between them.

    ``MLP([784, 256, 10])`` = Linear(784, 256), ReLU, Linear(256, 10); no activation after the
    last layer (its outputs are logits).  ``dropout`` > 0 adds Dropout after each activation.
    """

    def __init__(
        self, sizes: Sequence[int], activation: Any = "relu", dropout: float = 0.0
    ) -> None:
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(
                f"MLP: sizes needs at least two positive widths (input, output), got {sizes}"
            )
        if not 0 <= dropout < 1:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(_activation(activation))
                if dropout:
                    layers.append(nn.Dropout(dropout))
        super().__init__(*layers)


class LeNet5(nn.Module):
    """LeNet-5 for (N, 1, 28, 28) images and ``num_classes`` outputs (D2L's layout)."""

    def __init__(
        self, num_classes: int = 10, activation: Any = "sigmoid", pool: str = "avg"
    ) -> None:
        super().__init__()
        if pool not in ("avg", "max"):
            raise ValueError(f"LeNet5: pool must be 'avg' or 'max', got {pool!r}")
        pool_cls = nn.AvgPool2d if pool == "avg" else nn.MaxPool2d
        self.net = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2),
            _activation(activation),
            pool_cls(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5),
            _activation(activation),
            pool_cls(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            _activation(activation),
            nn.Linear(120, 84),
            _activation(activation),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            raise RuntimeError(
                f"LeNet5 expects input of shape (N, 1, 28, 28), got "
                f"{tuple(x.shape)}: reshape with x.view(-1, 1, 28, 28)"
            )
        return self.net(x)
