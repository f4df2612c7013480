"""A ready ``train_fn`` for ``tune``: a one-hidden-layer MLP on the embedded digits.

The model is Linear(64, hidden) -> ReLU -> Dropout(dropout) -> Linear(hidden, 10), trained
with cross-entropy by ``optimizer`` ("sgd" with momentum 0.9, "adam" or "adamw") at learning
rate ``lr``, ``weight_decay`` and ``batch_size`` for ``budget`` epochs; the score is the
accuracy on the validation split.  Everything is seeded by ``config["seed"]``.

Example:
    >>> from nablagrad.tuning.mlp import DigitsMLP
    >>> task = DigitsMLP()
    >>> cfg = {"lr": 0.01, "batch_size": 64, "weight_decay": 0.0, "optimizer": "adam",
    ...        "dropout": 0.0, "seed": 0, "budget": 2}
    >>> task(cfg)["val_score"] > 0.8
    True
"""

from __future__ import annotations

from typing import Any

from .. import optim
from ..backend import np
from .space import choice, loguniform, uniform
from .splits import train_val_split

DEFAULT_SPACE = {
    "lr": loguniform(1e-3, 3e-1),
    "batch_size": choice([32, 64, 128]),
    "weight_decay": choice([0.0, 1e-4, 1e-3]),
    "optimizer": choice(["sgd", "adam", "adamw"]),
    "dropout": uniform(0.0, 0.5),
}

# any optimizer of the registry that steps without a closure ("sgd" means momentum 0.9)
_OPTIMIZERS = tuple(optim.names(closure=False, lower=True))


class DigitsMLP:
    """Callable ``train_fn(config) -> validation accuracy`` on a fixed digits split.

    ``X``, ``y`` default to the embedded digits; 20% of them (stratified, ``split_seed``) are
    the validation set.  ``hidden`` is the hidden width unless the config sets it.
    """

    def __init__(
        self,
        X: Any = None,
        y: Any = None,
        *,
        val_size: float = 0.2,
        split_seed: int = 0,
        hidden: int = 64,
    ) -> None:
        if X is None:
            from ..datasets import load_digits

            X, y = load_digits()
        X_tr, X_val, y_tr, y_val = train_val_split(
            np.asarray(X, dtype=np.float32),
            np.asarray(y, dtype=np.int64),
            val_size=val_size,
            seed=split_seed,
            stratify=y,
        )
        self.X_tr, self.X_val, self.y_tr, self.y_val = X_tr, X_val, y_tr, y_val
        self.n_classes = int(np.max(y)) + 1
        self.hidden = hidden

    def build(self, config: dict[str, Any]) -> tuple[Any, Any]:
        """The model and optimizer for ``config``."""
        import nablagrad as torch
        from nablagrad import nn

        name = config.get("optimizer", "adam")
        if name not in _OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {_OPTIMIZERS}, got {name!r}")
        torch.manual_seed(int(config.get("seed", 0)))
        hidden = int(config.get("hidden", self.hidden))
        model = nn.Sequential(
            nn.Linear(self.X_tr.shape[1], hidden),
            nn.ReLU(),
            nn.Dropout(float(config.get("dropout", 0.0))),
            nn.Linear(hidden, self.n_classes),
        )
        lr, wd = float(config["lr"]), float(config.get("weight_decay", 0.0))
        extra = {"momentum": 0.9} if name == "sgd" else {}
        opt = optim.create(name, model.parameters(), lr=lr, weight_decay=wd, **extra)
        return model, opt

    def __call__(self, config: dict[str, Any]) -> dict[str, float]:
        import nablagrad as torch
        from nablagrad.nn import functional as F

        model, opt = self.build(config)
        epochs = int(config.get("budget", 5))
        bs = int(config.get("batch_size", 64))
        if bs < 1 or epochs < 1:
            raise ValueError(f"batch_size and budget (epochs) must be >= 1, got {bs}, {epochs}")
        rng = np.random.default_rng(int(config.get("seed", 0)))
        X, y = self.X_tr, self.y_tr
        loss_val = float("nan")
        for _ in range(epochs):
            model.train()
            order = rng.permutation(len(X))
            for s in range(0, len(X), bs):
                idx = order[s : s + bs]
                loss = F.cross_entropy(model(torch.from_numpy(X[idx])), torch.from_numpy(y[idx]))
                opt.zero_grad()
                loss.backward()
                opt.step()
                loss_val = loss.item()
        model.eval()
        with torch.no_grad():
            pred = model(torch.from_numpy(self.X_val)).argmax(1).numpy()
        acc = float((pred == self.y_val).mean())
        if not np.isfinite(loss_val):
            acc = 0.0  # diverged
        return {"val_score": acc, "train_loss": loss_val}
