"""``fit``: the training loop, with validation, metrics, callbacks and exact resumption.

One epoch: ``model.train()``; for each batch ``zero_grad``, ``loss = loss_fn(model(x), y)``
(plus callback penalties), ``backward``, ``optimizer.step()``; then ``model.eval()`` and the
validation pass under ``no_grad``.  Logged per epoch: ``loss`` (mean over samples), each metric
on the epoch's training outputs, ``val_loss`` / ``val_<metric>`` and the learning rate ``lr``.

A plain PyTorch loop stays just as easy; ``fit`` is the same loop written once.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad import nn
    >>> from nablagrad.train import fit
    >>> _ = torch.manual_seed(0)
    >>> X, y = torch.randn(64, 2), torch.randint(0, 2, (64,))
    >>> model = nn.Linear(2, 2)
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> h = fit(model, (X, y), None, nn.CrossEntropyLoss(), opt, epochs=2, metrics=["accuracy"],
    ...         progress=False)
    >>> sorted(h.history)
    ['accuracy', 'loss', 'lr']
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from typing import Any

from ..autograd import no_grad
from ..backend import np, to_host
from ..random import Generator, default_generator
from ..serialization import load
from ..tensor import Tensor
from ..utils.data import DataLoader, TensorDataset
from . import distributed as _dist
from .callbacks import Callback, LRSchedulerStep, ProgressBar
from .metrics import get_metric

__all__ = ["fit", "evaluate", "History", "Trainer"]


class History:
    """Per-epoch logs: ``history["val_loss"]`` is a list with one value per epoch."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def append(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(float(v))

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def last(self) -> dict[str, float]:
        return {k: v[-1] for k, v in self.history.items()}

    def state_dict(self) -> dict[str, Any]:
        return {"history": self.history, "epoch": self.epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = {k: list(v) for k, v in state["history"].items()}
        self.epoch = list(state["epoch"])

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


def _as_loader(data: Any, batch_size: int, shuffle: bool, generator: Generator | None,
               what: str) -> DataLoader | None:  # fmt: skip
    if data is None or isinstance(data, DataLoader):
        return data
    if isinstance(data, (tuple, list)) and len(data) == 2:
        data = TensorDataset(*(d if isinstance(d, Tensor) else Tensor._wrap(np.asarray(d))
                               for d in data))  # fmt: skip
    if not hasattr(data, "__getitem__") or not hasattr(data, "__len__"):
        raise TypeError(
            f"fit: {what} must be a DataLoader, a Dataset or an (inputs, targets) pair, got "
            f"{type(data).__name__}"
        )
    return DataLoader(data, batch_size=batch_size, shuffle=shuffle, generator=generator)


def _split(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    raise ValueError(
        "fit: each batch must be an (inputs, targets) pair; got "
        f"{type(batch).__name__} of length {len(batch) if hasattr(batch, '__len__') else '?'}"
    )


def _generators(loader: DataLoader | None) -> list[Generator]:
    gens = [default_generator]
    for g in (getattr(loader, "generator", None), getattr(loader.sampler, "generator", None)
              if loader is not None else None):  # fmt: skip
        if isinstance(g, Generator) and all(g is not h for h in gens):
            gens.append(g)
    return gens


class Trainer:
    """The state of a running ``fit``; callbacks receive it (``trainer.stop_training = True``
    ends training after the current epoch)."""

    def __init__(self, model: Any, optimizer: Any, loss_fn: Callable, train_loader: DataLoader,
                 val_loader: DataLoader | None, metrics: Sequence[Any], callbacks: list[Callback],
                 epochs: int, device: Any = None) -> None:  # fmt: skip
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.train_loader, self.val_loader = train_loader, val_loader
        self.metrics = [get_metric(m) for m in metrics]
        self.callbacks = callbacks
        # Several ranks: ``net`` is the DDP-wrapped model, and rank_zero_only callbacks (file
        # writers, progress bar) run on rank 0 only (``calls``).
        self.rank, self.world = _dist.world()
        self.net = model
        self.calls = [cb for cb in callbacks
                      if self.rank == 0 or not getattr(cb, "rank_zero_only", False)]  # fmt: skip
        self.rng_by_rank: list | None = None
        self.epochs, self.device = epochs, device
        self.history = History()
        self.stop_training = False
        self.start_epoch = 0
        self.batches_per_epoch = len(train_loader)

    def _to(self, x: Any) -> Any:
        return x.to(self.device) if self.device is not None and isinstance(x, Tensor) else x

    def _lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def train_epoch(self, epoch: int) -> dict[str, float]:
        self.model.train()
        if hasattr(self.train_loader.sampler, "set_epoch"):
            self.train_loader.sampler.set_epoch(epoch)
        total, count, outs, ys = 0.0, 0, [], []
        for b, batch in enumerate(self.train_loader):
            x, y = _split(batch)
            x, y = self._to(x), self._to(y)
            self.optimizer.zero_grad()
            out = self.net(x)
            loss = self.loss_fn(out, y)
            data_loss = loss.item()
            if not math.isfinite(data_loss):
                raise FloatingPointError(
                    f"the training loss became {data_loss} in epoch {epoch + 1}, batch {b + 1}: "
                    "lower the learning rate or check the inputs for NaN/inf"
                )
            for cb in self.calls:
                loss = cb.on_loss(self, loss)
            loss.backward()
            self.optimizer.step()
            n = len(y)
            total, count = total + data_loss * n, count + n
            if self.metrics:
                outs.append(to_host(out._data))
                ys.append(to_host(y._data))
            for cb in self.calls:
                cb.on_batch_end(self, b, {"loss": data_loss})
        return self._logs("", total, count, outs, ys)

    def _logs(self, prefix: str, total: float, count: int, outs: list, ys: list) -> dict:
        """Mean loss and metrics of an epoch (over all ranks' samples when distributed)."""
        if self.world > 1:
            total, count = _dist.sum_over_ranks(total, count)
            o, t = _dist.gather_arrays(outs, ys) if self.metrics else (None, None)
        elif outs:
            o, t = np.concatenate(outs), np.concatenate(ys)
        else:
            o = t = None
        logs = {f"{prefix}loss": total / max(count, 1)}
        if self.metrics and o is not None:
            logs.update({f"{prefix}{name}": fn(o, t) for name, fn in self.metrics})
        return logs

    def evaluate(self, loader: DataLoader, prefix: str = "val_") -> dict[str, float]:
        """Loss and metrics over ``loader`` in eval mode without gradients."""
        was_training = self.model.training
        self.model.eval()
        total, count, outs, ys = 0.0, 0, [], []
        with no_grad():
            for batch in loader:
                x, y = _split(batch)
                x, y = self._to(x), self._to(y)
                out = self.model(x)
                total += self.loss_fn(out, y).item() * len(y)
                count += len(y)
                outs.append(to_host(out._data))
                ys.append(to_host(y._data))
        self.model.train(was_training)
        return self._logs(prefix, total, count, outs, ys)

    def checkpoint(self, epoch: int) -> dict[str, Any]:
        """Everything needed to continue after ``epoch`` exactly as an uninterrupted run."""
        cbs = {
            f"{i}.{type(cb).__name__}": cb.state_dict()
            for i, cb in enumerate(self.callbacks)
            if hasattr(cb, "state_dict")
        }
        return {
            "model": dict(self.model.state_dict()),
            "optimizer": self.optimizer.state_dict(),
            "callbacks": cbs,
            "history": self.history.state_dict(),
            "rng": [g.get_state() for g in _generators(self.train_loader)],
            "epoch": epoch,
            **({"rng_by_rank": self.rng_by_rank} if self.rng_by_rank is not None else {}),
        }

    def restore(self, path: str | os.PathLike) -> None:
        """Load a ``checkpoint`` written by ``ModelCheckpoint`` (``last.safetensors``)."""
        ck = load(path, map_location="cpu")  # the model and optimizer move it to their devices
        if not isinstance(ck, dict) or not {"model", "optimizer", "epoch"} <= set(ck):
            raise ValueError(
                f"{path} is not a training checkpoint (it lacks model/optimizer/epoch): resume "
                "from the last.safetensors that ModelCheckpoint writes"
            )
        self.model.load_state_dict(ck["model"])
        self.optimizer.load_state_dict(ck["optimizer"])
        self.history.load_state_dict(ck["history"])
        for i, cb in enumerate(self.callbacks):
            key = f"{i}.{type(cb).__name__}"
            if hasattr(cb, "load_state_dict") and key in ck.get("callbacks", {}):
                cb.load_state_dict(ck["callbacks"][key])
        gens = _generators(self.train_loader)
        if len(ck["rng"]) != len(gens):
            raise ValueError(
                f"{path} saved {len(ck['rng'])} random generators but this run has {len(gens)}: "
                "resume with the same data loader setup (shuffle/generator) as the killed run"
            )
        states = ck["rng"]
        by_rank = ck.get("rng_by_rank")
        if self.world > 1 and by_rank is not None and len(by_rank) == self.world:
            states = by_rank[self.rank]  # each rank continues its own random streams
        for g, state in zip(gens, states):
            g.set_state(state)
        self.start_epoch = int(ck["epoch"]) + 1

    def run(self) -> History:
        for cb in self.calls:
            cb.on_train_begin(self)
        try:
            for epoch in range(self.start_epoch, self.epochs):
                for cb in self.calls:
                    cb.on_epoch_begin(self, epoch)
                lr = self._lr()
                logs = self.train_epoch(epoch)
                if self.val_loader is not None:
                    logs.update(self.evaluate(self.val_loader))
                logs["lr"] = lr
                self.history.append(epoch, logs)
                if self.world > 1:
                    gens = _generators(self.train_loader)
                    self.rng_by_rank = _dist.all_rng_states([g.get_state() for g in gens])
                for cb in self.calls:
                    cb.on_epoch_end(self, epoch, logs)
                if self.stop_training:
                    break
        finally:
            for cb in self.calls:
                cb.on_train_end(self)
        return self.history


def fit(
    model: Any,
    train_data: Any,
    val_data: Any = None,
    loss: Callable | None = None,
    optimizer: Any = None,
    epochs: int = 1,
    scheduler: Any = None,
    callbacks: Sequence[Callback] = (),
    metrics: Sequence[str | Callable] = (),
    *,
    batch_size: int = 32,
    shuffle: bool = True,
    generator: Generator | None = None,
    scheduler_interval: str = "epoch",
    monitor: str = "val_loss",
    resume: str | os.PathLike | None = None,
    progress: bool | None = None,
    device: Any = None,
) -> History:
    """Train ``model`` for ``epochs`` epochs and return the ``History``.

    Args:
        train_data / val_data: a ``DataLoader``, a data set, or an ``(inputs, targets)`` pair
            (batched with ``batch_size``; training data shuffled with ``generator``).
        loss: ``loss(output, target) -> Tensor`` (e.g. ``nn.CrossEntropyLoss(label_smoothing=.1)``).
        optimizer: a ``nablagrad.optim`` optimizer over the model's parameters.
        scheduler: stepped every epoch (or batch, ``scheduler_interval="batch"``);
            ``ReduceLROnPlateau`` is stepped with ``monitor`` (``val_loss`` by default).
        callbacks: ``EarlyStopping``, ``ModelCheckpoint``, ``CSVLogger``, ``WeightPenalty`` ...
        metrics: names (``"accuracy"``, ``"top5"``, ``"f1"``, ``"mae"``, ``"r2"`` ...) or
            callables ``fn(output, target) -> float``.
        resume: a ``last.safetensors`` written by ``ModelCheckpoint``: continue after its epoch
            with the saved model, optimizer, callback and random states, so the result equals
            an uninterrupted run with the same seed (pass the same callbacks as the killed run).
        progress: tqdm bars (``None``: only when stdout is a terminal).
    """
    if loss is None or optimizer is None:
        raise TypeError("fit needs a loss function (loss=...) and an optimizer (optimizer=...)")
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive integer, got {epochs!r}")
    train_loader = _as_loader(train_data, batch_size, shuffle, generator, "train_data")
    if train_loader is None:
        raise TypeError("fit: train_data is required")
    val_loader = _as_loader(val_data, batch_size, False, None, "val_data")
    cbs: list[Callback] = []
    if progress is not False:
        cbs.append(ProgressBar(disable=None if progress is None else not progress))
    if scheduler is not None:
        cbs.append(LRSchedulerStep(scheduler, scheduler_interval, monitor))
    cbs.extend(callbacks)
    rank, world = _dist.world()
    if world > 1:
        train_loader = _dist.shard_train(train_loader, generator)
        val_loader = _dist.shard_eval(val_loader)
    trainer = Trainer(model, optimizer, loss, train_loader, val_loader, metrics, cbs, epochs,
                      device)  # fmt: skip
    if resume is not None:
        if not os.path.isfile(resume):
            raise FileNotFoundError(f"fit: no checkpoint to resume from at {resume}")
        trainer.restore(resume)
    if world == 1:
        return trainer.run()
    from ..nn.parallel import DistributedDataParallel

    # gradients as bucket views: no copy out of the buckets, and flat parameters and
    # gradients, which the optimizers' foreach path updates in a few array operations
    trainer.net = model if isinstance(model, DistributedDataParallel) else (
        DistributedDataParallel(model, gradient_as_bucket_view=True))  # fmt: skip
    try:
        return trainer.run()
    finally:
        if trainer.net is not model:
            trainer.net.remove_hooks()


def evaluate(model: Any, data: Any, loss: Callable, metrics: Sequence[str | Callable] = (),
             batch_size: int = 256, device: Any = None) -> dict[str, float]:  # fmt: skip
    """Loss and metrics of ``model`` on ``data`` (eval mode, no gradients).  Batches are moved
    to ``device``; by default to the device of the model's parameters."""
    loader = _as_loader(data, batch_size, False, None, "data")
    if device is None and hasattr(model, "parameters"):
        device = next((p.device for p in model.parameters()), None)
    trainer = Trainer(model, None, loss, loader, None, metrics, [], 1, device=device)
    trainer.world = 1  # the whole of ``data`` on this process: nothing to combine
    return trainer.evaluate(loader, prefix="")
