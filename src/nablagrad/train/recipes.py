"""What ``nablagrad train`` builds from its options: data splits, models, optimizers,
schedules and augmentation.  Everything is rebuilt from ``config.json`` by ``evaluate`` and
``predict``, so a run directory is self-describing.

Digits for LeNet-5: the 8x8 images are upsampled 3x (nearest neighbour, 24x24) and zero-padded
by 2 pixels to LeNet's 28x28 input.

Example:
    >>> from nablagrad.train.recipes import load_splits
    >>> s = load_splits("digits", "mlp", seed=0)
    >>> s.x_train.shape[1:], s.num_classes
    ((1, 8, 8), 10)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import nn, optim
from ..backend import np
from ..datasets import (
    CIFAR10,
    MNIST,
    FashionMNIST,
    load_digits,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
)
from ..models import MLP, LeNet5
from ..utils.data import transforms as T

DATASETS = ("digits", "mnist", "fashion-mnist", "cifar10", "spirals", "moons", "xor", "circles")
MODELS = ("mlp", "lenet5", "linear")
# the training loop's choices: the optimizer registry's names (lower case) that step without a
# closure; plain "sgd" means SGD with momentum 0.9 here
OPTIMIZERS = tuple(optim.names(closure=False, lower=True))
_PRESETS = {"sgd": {"momentum": 0.9}}
SCHEDULES = ("none", "step", "cosine", "exponential", "plateau", "onecycle")
_SYNTHETIC = {
    "spirals": make_spirals,
    "moons": make_moons,
    "xor": make_xor,
    "circles": make_circles,
}


@dataclass
class Splits:
    """Train/validation/test arrays plus what the model needs to know about them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple[int, ...] | None
    num_classes: int
    class_names: list[str]


def digits_to_lenet(x: np.ndarray) -> np.ndarray:
    """(N, 64) or (N, 1, 8, 8) digits -> (N, 1, 28, 28): 3x nearest upsampling, pad 2."""
    img = np.asarray(x, dtype=np.float32).reshape(-1, 1, 8, 8)
    img = img.repeat(3, axis=2).repeat(3, axis=3)
    return np.pad(img, [(0, 0), (0, 0), (2, 2), (2, 2)])


def prepare_inputs(x: np.ndarray, dataset: str, model: str) -> np.ndarray:
    """Shape raw inputs (as stored by ``load_splits``) for ``model``."""
    x = np.asarray(x, dtype=np.float32)
    if model == "lenet5":
        if dataset == "digits":
            return digits_to_lenet(x)
        return x.reshape(-1, 1, 28, 28)
    return x.reshape(len(x), -1)


def _split_indices(n: int, fractions: tuple[float, float], seed: int) -> tuple[np.ndarray, ...]:
    perm = np.random.default_rng(seed).permutation(n)
    n_val, n_test = int(round(n * fractions[0])), int(round(n * fractions[1]))
    return perm[n_val + n_test :], perm[:n_val], perm[n_val : n_val + n_test]


def load_splits(dataset: str, model: str, seed: int = 0, data_dir: Any = None) -> Splits:
    """The data for ``dataset``: a seeded 70/10/20 split for in-memory sets; the official test
    set and a seeded 5,000 of the training images (a tenth of small sets) as validation for
    the downloads."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}: choose from {', '.join(DATASETS)}")
    if model == "lenet5" and dataset not in ("digits", "mnist", "fashion-mnist"):
        raise ValueError(
            f"lenet5 takes 1-channel 28x28 images (digits, mnist, fashion-mnist), not {dataset}: "
            "use --model mlp"
        )
    if dataset in ("mnist", "fashion-mnist", "cifar10"):
        cls = {"mnist": MNIST, "fashion-mnist": FashionMNIST, "cifar10": CIFAR10}[dataset]
        train, test = cls(root=data_dir, train=True), cls(root=data_dir, train=False)
        xt, yt = train.tensors[0].numpy(), train.tensors[1].numpy()
        xs, ys = test.tensors[0].numpy(), test.tensors[1].numpy()
        n_val = min(5000, len(xt) // 10)
        tr, va, _ = _split_indices(len(xt), (n_val / len(xt), 0.0), seed)
        return Splits(xt[tr], yt[tr], xt[va], yt[va], xs, ys, tuple(xt.shape[1:]), 10,
                      list(cls.classes))  # fmt: skip
    if dataset == "digits":
        X, y = load_digits(images=True)
        shape: tuple[int, ...] | None = (1, 8, 8)
        names = [str(i) for i in range(10)]
    else:
        X, y = _SYNTHETIC[dataset](600, seed=seed)
        shape, names = None, ["0", "1"]
    tr, va, te = _split_indices(len(X), (0.1, 0.2), seed)
    k = int(y.max()) + 1
    return Splits(X[tr], y[tr], X[va], y[va], X[te], y[te], shape, k, names[:k])


def build_model(name: str, in_features: int, num_classes: int, hidden: list[int],
                dropout: float) -> nn.Module:  # fmt: skip
    """``mlp``: MLP(in, *hidden, classes) with ReLU (and dropout); ``linear``: one Linear layer
    (softmax regression); ``lenet5``: LeNet-5 with ReLU and max pooling."""
    if name == "mlp":
        return MLP([in_features, *hidden, num_classes], activation="relu", dropout=dropout)
    if name == "linear":
        return nn.Linear(in_features, num_classes)
    if name == "lenet5":
        return LeNet5(num_classes, activation="relu", pool="max")
    raise ValueError(f"unknown model {name!r}: choose from {', '.join(MODELS)}")


def build_optimizer(name: str, params: Any, lr: float, weight_decay: float) -> optim.Optimizer:
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}: choose from {', '.join(OPTIMIZERS)}")
    extra = _PRESETS.get(name, {})
    return optim.create(name, params, lr=lr, weight_decay=weight_decay, **extra)


def build_schedule(name: str, opt: optim.Optimizer, epochs: int, steps_per_epoch: int
                   ) -> tuple[Any, str]:  # fmt: skip
    """``(scheduler or None, interval)`` for a schedule name."""
    S = optim.lr_scheduler
    if name == "none":
        return None, "epoch"
    if name == "step":
        return S.StepLR(opt, step_size=max(1, epochs // 3), gamma=0.1), "epoch"
    if name == "cosine":
        return S.CosineAnnealingLR(opt, T_max=epochs), "epoch"
    if name == "exponential":
        return S.ExponentialLR(opt, gamma=0.9), "epoch"
    if name == "plateau":
        return S.ReduceLROnPlateau(opt, factor=0.5, patience=2), "epoch"
    if name == "onecycle":
        lr = opt.param_groups[0]["lr"]
        return S.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch), "batch"
    raise ValueError(f"unknown schedule {name!r}: choose from {', '.join(SCHEDULES)}")


class _Reshape:
    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def __call__(self, x: Any) -> Any:
        return x.reshape((x.shape[0], *self.shape))


def build_augment(splits: Splits, model: str) -> Any:
    """Small random rotations (10 degrees) and shifts (10%) for images (reshaped around them
    for flat MLP inputs); Gaussian input noise (std 0.05) for feature vectors."""
    if splits.image_shape is None:
        return T.GaussianNoise(0.05)
    if model == "lenet5":
        return T.RandomAffine(degrees=10, translate=(0.1, 0.1))
    shape = splits.image_shape
    return T.Compose(
        [_Reshape(shape), T.RandomAffine(degrees=10, translate=(0.1, 0.1)), _Reshape((-1,))]
    )
