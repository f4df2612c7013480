"""Callbacks for ``fit``: progress bars, early stopping, checkpoints, schedulers, CSV logs,
weight penalties.

A callback overrides any of the hooks below; each receives the running ``Trainer`` (model,
optimizer, history, epoch, ``stop_training``).  Callbacks with state (``state_dict`` /
``load_state_dict``) are saved in checkpoints so a resumed run continues exactly.

Example:
    >>> from nablagrad.train.callbacks import EarlyStopping
    >>> EarlyStopping(monitor="val_loss", patience=3).mode
    'min'
"""

from __future__ import annotations

import csv
import io
import math
import os
import sys
import tempfile
from typing import TYPE_CHECKING, Any

from ..backend import np
from ..nn.loss import l1_penalty, l2_penalty
from ..random import Generator, default_generator
from ..serialization import save
from ..tensor import Tensor

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = [
    "Callback",
    "ProgressBar",
    "EarlyStopping",
    "ModelCheckpoint",
    "LRSchedulerStep",
    "CSVLogger",
    "WeightPenalty",
    "TensorBoard",
]


class Callback:
    """Base class: every hook does nothing.  ``rank_zero_only = True`` marks callbacks that
    write files or print (they run on rank 0 only when ``fit`` runs on several ranks)."""

    rank_zero_only = False

    def on_train_begin(self, trainer: Trainer) -> None: ...

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None: ...

    def on_loss(self, trainer: Trainer, loss: Tensor) -> Tensor:
        """Return the loss to differentiate (add penalties here)."""
        return loss

    def on_batch_end(self, trainer: Trainer, batch: int, logs: dict[str, float]) -> None: ...

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None: ...

    def on_train_end(self, trainer: Trainer) -> None: ...


def _mode(monitor: str, mode: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    name = monitor.removeprefix("val_")
    return "min" if name in ("loss", "mse", "mae") or name.endswith("loss") else "max"


def _monitored(logs: dict[str, float], monitor: str, who: str) -> float:
    if monitor not in logs:
        raise KeyError(
            f"{who} monitors {monitor!r} but the epoch logs only have {sorted(logs)}; pass "
            "val_data for val_* metrics or add the metric to fit(metrics=[...])"
        )
    return float(logs[monitor])


class ProgressBar(Callback):
    """tqdm bars: one over epochs, one over the batches of the current epoch, with the running
    loss and the epoch's metrics as postfix.  Silent when stdout is not a terminal (or
    ``disable=True``); ``disable=False`` forces the bars on."""

    rank_zero_only = True

    def __init__(self, disable: bool | None = None) -> None:
        self.disable = disable
        self._epochs: Any = None
        self._batches: Any = None

    def _off(self) -> bool:
        return (not sys.stdout.isatty()) if self.disable is None else self.disable

    def on_train_begin(self, trainer: Trainer) -> None:
        from tqdm.auto import tqdm

        self._tqdm = tqdm
        self._epochs = tqdm(
            total=trainer.epochs, initial=trainer.start_epoch, desc="epochs", unit="ep",
            disable=self._off(), file=sys.stdout, dynamic_ncols=True,
        )  # fmt: skip

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None:
        self._batches = self._tqdm(
            total=trainer.batches_per_epoch, desc=f"epoch {epoch + 1}", unit="batch",
            leave=False, disable=self._off(), file=sys.stdout, dynamic_ncols=True,
        )  # fmt: skip

    def on_batch_end(self, trainer: Trainer, batch: int, logs: dict[str, float]) -> None:
        self._batches.update(1)
        if batch % 10 == 0:
            self._batches.set_postfix(loss=f"{logs['loss']:.4f}", refresh=False)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        self._batches.close()
        self._epochs.set_postfix({k: f"{v:.4g}" for k, v in logs.items() if k != "lr"})
        self._epochs.update(1)

    def on_train_end(self, trainer: Trainer) -> None:
        if self._epochs is not None:
            self._epochs.close()


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience``
    epochs in a row (Keras/Lightning semantics); with ``restore_best_weights`` the model ends
    with the weights of its best epoch."""

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        if patience < 0 or min_delta < 0:
            raise ValueError("EarlyStopping: patience and min_delta must be >= 0")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode = _mode(monitor, mode)
        self.restore_best_weights = restore_best_weights
        self.best = math.inf if self.mode == "min" else -math.inf
        self.wait = 0
        self.best_epoch = -1
        self.stopped_epoch: int | None = None
        self.best_weights: dict[str, Any] | None = None

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        value = _monitored(logs, self.monitor, "EarlyStopping")
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = {
                    k: v._data.copy() for k, v in trainer.model.state_dict().items()
                }
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                trainer.stop_training = True

    def on_train_end(self, trainer: Trainer) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            trainer.model.load_state_dict(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.best, "wait": self.wait, "best_epoch": self.best_epoch,
            "best_weights": self.best_weights,
        }  # fmt: skip

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.wait, self.best_epoch = state["best"], state["wait"], state["best_epoch"]
        bw = state.get("best_weights")
        self.best_weights = None if bw is None else {k: _raw(v) for k, v in bw.items()}


def _raw(v: Any) -> Any:
    return v._data if isinstance(v, Tensor) else np.asarray(v)


class ModelCheckpoint(Callback):
    """Save ``best.safetensors`` (the model's state dict at the best ``monitor`` value) and
    ``last.safetensors`` (everything ``fit(resume=...)`` needs: model, optimizer, scheduler,
    callback states, history, random states, epoch) into ``dirpath`` after every epoch."""

    rank_zero_only = True

    def __init__(
        self,
        dirpath: str | os.PathLike,
        monitor: str | None = "val_loss",
        mode: str = "auto",
        save_best: bool = True,
        save_last: bool = True,
    ) -> None:
        self.dirpath = os.fspath(dirpath)
        self.monitor = monitor
        self.mode = _mode(monitor, mode) if monitor else "min"
        self.save_best, self.save_last = save_best and monitor is not None, save_last
        self.best = math.inf if self.mode == "min" else -math.inf

    @property
    def best_path(self) -> str:
        return os.path.join(self.dirpath, "best.safetensors")

    @property
    def last_path(self) -> str:
        return os.path.join(self.dirpath, "last.safetensors")

    def on_train_begin(self, trainer: Trainer) -> None:
        os.makedirs(self.dirpath, exist_ok=True)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        if self.save_best:
            value = _monitored(logs, self.monitor, "ModelCheckpoint")
            better = value < self.best if self.mode == "min" else value > self.best
            if better:
                self.best = value
                save(dict(trainer.model.state_dict()), self.best_path)
        if self.save_last:
            save(trainer.checkpoint(epoch), self.last_path)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = state["best"]


class LRSchedulerStep(Callback):
    """Step ``scheduler`` after every batch (``interval="batch"``) or epoch (``"epoch"``);
    ``ReduceLROnPlateau`` is stepped with the epoch's ``monitor`` value."""

    def __init__(self, scheduler: Any, interval: str = "epoch", monitor: str = "val_loss") -> None:
        if interval not in ("batch", "epoch"):
            raise ValueError(f"scheduler interval must be 'batch' or 'epoch', got {interval!r}")
        self.scheduler, self.interval, self.monitor = scheduler, interval, monitor
        self.plateau = type(scheduler).__name__ == "ReduceLROnPlateau"
        if self.plateau and interval == "batch":
            raise ValueError("ReduceLROnPlateau needs an epoch metric: use interval='epoch'")

    def on_batch_end(self, trainer: Trainer, batch: int, logs: dict[str, float]) -> None:
        if self.interval == "batch":
            self.scheduler.step()

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        if self.interval != "epoch":
            return
        if self.plateau:
            monitor = self.monitor if self.monitor in logs else "loss"
            self.scheduler.step(_monitored(logs, monitor, "ReduceLROnPlateau"))
        else:
            self.scheduler.step()

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.scheduler.state_dict().items() if not callable(v)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.scheduler.load_state_dict(state)


class CSVLogger(Callback):
    """Write the history to a CSV file (one row per epoch), rewritten atomically each epoch."""

    rank_zero_only = True

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        hist = trainer.history.history
        keys = ["epoch"] + list(hist)
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(keys)
        for i, ep in enumerate(trainer.history.epoch):
            writer.writerow([ep + 1] + [f"{hist[k][i]:.6g}" for k in hist])
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".csv")
        with os.fdopen(fd, "w") as f:
            f.write(buf.getvalue())
        os.replace(tmp, self.path)


class WeightPenalty(Callback):
    """Add ``l1 * sum|w| + l2 * sum w^2 / 2`` over the model's weights (not biases) to each
    batch loss (the logged loss stays the data loss)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        if l1 < 0 or l2 < 0:
            raise ValueError("WeightPenalty: l1 and l2 must be >= 0")
        self.l1, self.l2 = l1, l2

    def on_loss(self, trainer: Trainer, loss: Tensor) -> Tensor:
        if self.l1:
            loss = loss + l1_penalty(trainer.model, self.l1)
        if self.l2:
            loss = loss + l2_penalty(trainer.model, self.l2)
        return loss


class TensorBoard(Callback):
    """Log training to TensorBoard (``nablagrad.utils.tensorboard.SummaryWriter``; needs the
    ``tensorboard`` extra): every epoch's metrics as ``<metric>/train`` and ``<metric>/val``
    curves, the learning rate, the loss of every ``update_freq``-th batch (``batch/loss``),
    parameter and gradient histograms every ``histogram_freq`` epochs, and the model's graph.

    Example:
        >>> cb = TensorBoard("runs/tb", histogram_freq=1)  # then fit(..., callbacks=[cb])
        >>> cb.log_dir
        'runs/tb'
    """

    rank_zero_only = True  # writes files: rank 0 alone when fit runs on several ranks

    def __init__(
        self,
        log_dir: str | os.PathLike | None = None,
        update_freq: str | int = "epoch",
        histogram_freq: int = 0,
        write_graph: bool = True,
    ) -> None:
        if update_freq != "epoch" and not (isinstance(update_freq, int) and update_freq >= 1):
            raise ValueError(
                f"update_freq must be 'epoch' or a positive integer, got {update_freq!r}"
            )
        if histogram_freq < 0:
            raise ValueError(f"histogram_freq must be >= 0, got {histogram_freq}")
        self.log_dir = None if log_dir is None else os.fspath(log_dir)
        self.update_freq, self.histogram_freq, self.write_graph = (
            update_freq,
            histogram_freq,
            write_graph,
        )
        self.writer: Any = None
        self._step = 0

    def on_train_begin(self, trainer: Trainer) -> None:
        from ..utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(self.log_dir)
        self.log_dir = self.writer.get_logdir()
        self._step = trainer.start_epoch * trainer.batches_per_epoch
        if self.write_graph and trainer.start_epoch == 0:
            # a sample batch for the graph, leaving every random state as it was (so training
            # with and without this callback is the same)
            loader = trainer.train_loader
            gens = [default_generator]
            for g in (getattr(loader, "generator", None),
                      getattr(getattr(loader, "sampler", None), "generator", None)):  # fmt: skip
                if isinstance(g, Generator) and all(g is not h for h in gens):
                    gens.append(g)
            states = [g.get_state() for g in gens]
            try:
                batch = next(iter(loader), None)
            finally:
                for g, state in zip(gens, states):
                    g.set_state(state)
            x = batch[0] if isinstance(batch, (tuple, list)) else batch
            if isinstance(x, Tensor):
                self.writer.add_graph(trainer.model, trainer._to(x[:1]))

    def on_batch_end(self, trainer: Trainer, batch: int, logs: dict[str, float]) -> None:
        if self.update_freq != "epoch" and self._step % self.update_freq == 0:
            self.writer.add_scalar("batch/loss", logs["loss"], self._step)
        self._step += 1

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        step = epoch + 1
        for key, value in logs.items():
            if key.startswith("val_"):
                tag = f"{key[4:]}/val"
            else:
                tag = key if key == "lr" else f"{key}/train"
            self.writer.add_scalar(tag, value, step)
        if "lr" not in logs:
            self.writer.add_scalar("lr", trainer._lr(), step)
        if self.histogram_freq and step % self.histogram_freq == 0:
            for name, p in trainer.model.named_parameters():
                self.writer.add_histogram(f"parameters/{name}", p, step)
                if p.grad is not None:
                    self.writer.add_histogram(f"gradients/{name}", p.grad, step)
        self.writer.flush()

    def on_train_end(self, trainer: Trainer) -> None:
        if self.writer is not None:
            self.writer.close()
