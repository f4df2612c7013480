"""Stochastic weight averaging and EMA of a model's weights (torch.optim.swa_utils).

``AveragedModel(model)`` keeps a copy of ``model`` whose parameters are a running average
(equal weights by default, or EMA via ``get_ema_multi_avg_fn``) of the ones passed to
``update_parameters``; ``SWALR`` anneals each group's learning rate to ``swa_lr``;
``update_bn`` recomputes batch-norm statistics with one pass over a loader.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.optim.swa_utils import AveragedModel
    >>> net = torch.nn.Linear(1, 1, bias=False)
    >>> swa = AveragedModel(net)
    >>> with torch.no_grad():
    ...     _ = net.weight.fill_(1.0); swa.update_parameters(net)
    ...     _ = net.weight.fill_(3.0); swa.update_parameters(net)
    >>> float(swa.module.weight), int(swa.n_averaged)
    (2.0, 2)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any, Literal

from .. import creation
from ..autograd import no_grad
from ..backend import np
from ..nn.module import Module
from ..nn.normalization import _BatchNorm
from ..tensor import Tensor
from .lr_scheduler import LRScheduler, _format_param
from .optimizer import Optimizer

__all__ = [
    "AveragedModel",
    "SWALR",
    "update_bn",
    "get_ema_multi_avg_fn",
    "get_swa_multi_avg_fn",
    "get_ema_avg_fn",
    "get_swa_avg_fn",
]

PARAM_LIST = list[Tensor] | tuple[Tensor, ...]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )


def _n(num_averaged: Any) -> float:
    return float(num_averaged._data) if isinstance(num_averaged, Tensor) else float(num_averaged)


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[PARAM_LIST, PARAM_LIST, Any], None]:
    """In-place EMA over lists: ``ema <- decay * ema + (1 - decay) * current`` (as lerp).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.optim.swa_utils import get_ema_multi_avg_fn
        >>> a = [torch.zeros(2)]; get_ema_multi_avg_fn(0.5)(a, [torch.ones(2)], 1); a[0]
        tensor([0.5000, 0.5000])
    """
    _check_decay(decay)

    def ema_update(ema_param_list: PARAM_LIST, current_param_list: PARAM_LIST, _: Any) -> None:
        with no_grad():
            for e, c in zip(ema_param_list, current_param_list):
                if e.is_floating_point():
                    e._data += (1 - decay) * (c._data - e._data)
                else:
                    # integer buffers: computed in the default float dtype, then truncated
                    e._data[...] = (e * decay + c * (1 - decay))._data
                e._version += 1

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[PARAM_LIST, PARAM_LIST, Any], None]:
    """In-place equal-weight running mean over lists: ``avg += (cur - avg) / (n + 1)``.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.optim.swa_utils import get_swa_multi_avg_fn
        >>> a = [torch.zeros(2)]; get_swa_multi_avg_fn()(a, [torch.ones(2)], 1); a[0]
        tensor([0.5000, 0.5000])
    """

    def swa_update(
        averaged_param_list: PARAM_LIST, current_param_list: PARAM_LIST, num_averaged: Any
    ) -> None:
        n = _n(num_averaged)
        # a tensor count gives a weight in the default dtype, as torch's 1 / (n + 1)
        weight = float(1 / (num_averaged + 1)) if isinstance(num_averaged, Tensor) else 1 / (n + 1)
        with no_grad():
            for a, c in zip(averaged_param_list, current_param_list):
                if a.is_floating_point():
                    a._data += weight * (c._data - a._data)
                else:
                    a._data[...] = a._data + (c._data - a._data) / (n + 1)
                a._version += 1

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """Per-tensor EMA: returns ``decay * ema + (1 - decay) * current``.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.optim.swa_utils import get_ema_avg_fn
        >>> get_ema_avg_fn(0.5)(torch.zeros(1), torch.ones(1), 1)
        tensor([0.5000])
    """
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """Per-tensor running mean: returns ``avg + (current - avg) / (n + 1)``.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.optim.swa_utils import get_swa_avg_fn
        >>> get_swa_avg_fn()(torch.zeros(1), torch.ones(1), 3)
        tensor([0.2500])
    """

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    r"""A copy of ``model`` whose parameters average the ones given to ``update_parameters``.

    The first update copies the model's values; later ones apply ``multi_avg_fn(avg_list,
    model_list, n_averaged)`` or ``avg_fn(avg, cur, n_averaged)`` per tensor (default: the
    equal-weight mean ``avg + (cur - avg) / (n + 1)``).  With ``use_buffers=True`` buffers are
    averaged too, else they are copied from ``model``.  ``n_averaged`` is a long buffer, so
    ``state_dict()`` has ``n_averaged`` and ``module.*`` keys, as torch's.

    Args:
        model: the module to average.
        device: if given, the copy is moved there.
        avg_fn: per-tensor averaging function (returns the new average).
        multi_avg_fn: in-place averaging function over lists of tensors.
        use_buffers: average buffers as well as parameters.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
        >>> net = torch.nn.Linear(2, 1)
        >>> ema = AveragedModel(net, multi_avg_fn=get_ema_multi_avg_fn(0.9))
        >>> sorted(ema.state_dict())
        ['module.bias', 'module.weight', 'n_averaged']
    """

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: Callable[[Tensor, Tensor, Any], Tensor] | None = None,
        multi_avg_fn: Callable[[PARAM_LIST, PARAM_LIST, Any], None] | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        if not isinstance(model, Module):
            raise TypeError(
                f"AveragedModel expects an nn.Module to average, got {type(model).__name__}"
            )
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", creation.tensor(0, dtype=np.int64, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Run the averaged copy."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters (and buffers if ``use_buffers``) into the
        average and increment ``n_averaged``."""
        if self.use_buffers:
            mine = list(itertools.chain(self.module.parameters(), self.module.buffers()))
            theirs = list(itertools.chain(model.parameters(), model.buffers()))
        else:
            mine, theirs = list(self.parameters()), list(model.parameters())
        n = int(self.n_averaged._data)
        with no_grad():
            avg = [p.detach() for p in mine]
            cur = [p.detach().to(a.device) for p, a in zip(theirs, avg)]
            avg, cur = avg[: len(cur)], cur[: len(avg)]
            if n == 0:
                for a, c in zip(avg, cur):
                    a._data[...] = c._data
                    a._version += 1
            elif self.multi_avg_fn is not None:  # (torch's CPU default is the per-tensor mean)
                fn = self.multi_avg_fn
                groups: dict[Any, tuple[list[Tensor], list[Tensor]]] = {}
                for a, c in zip(avg, cur):
                    key = (str(a.device), str(a.dtype))
                    groups.setdefault(key, ([], []))
                    groups[key][0].append(a)
                    groups[key][1].append(c)
                for a_list, c_list in groups.values():
                    fn(a_list, c_list, self.n_averaged)
            else:
                avg_fn = self.avg_fn or get_swa_avg_fn()
                for a, c in zip(avg, cur):
                    out = avg_fn(a, c, self.n_averaged)
                    a._data[...] = out._data if isinstance(out, Tensor) else out
                    a._version += 1
            if not self.use_buffers:
                mine_b, theirs_b = list(self.module.buffers()), list(model.buffers())
                if len(mine_b) != len(theirs_b):
                    raise ValueError(
                        f"AveragedModel.update_parameters: the model has {len(theirs_b)} "
                        f"buffers but the averaged copy has {len(mine_b)}; pass a model of "
                        "the same architecture"
                    )
                for b_swa, b_model in zip(mine_b, theirs_b):
                    b_swa._data[...] = b_model.detach().to(b_swa.device)._data
                    b_swa._version += 1
            self.n_averaged._data[...] = n + 1


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of every batch-norm layer of ``model`` with one pass
    over ``loader`` (cumulative averages: momentum None during the pass, then restored).

    Each batch is a tensor or a list/tuple whose first element is the input.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.optim.swa_utils import update_bn
        >>> bn = torch.nn.BatchNorm1d(1)
        >>> update_bn([torch.tensor([[1.0], [3.0]])], bn); bn.running_mean
        tensor([2.])
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    r"""Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` epochs, then
    hold it (torch.optim.swa_utils.SWALR).

    ::

        alpha_t = (1 - cos(pi * t)) / 2  ("cos")  or  t  ("linear"),  t = min(1, step / E)
        lr_t = swa_lr * alpha_t + lr_0 * (1 - alpha_t)

    Args:
        optimizer: the wrapped optimizer.
        swa_lr: the target learning rate (one for all groups or one per group).
        anneal_epochs: epochs of annealing (default 10).
        anneal_strategy: ``"cos"`` or ``"linear"`` (default ``"cos"``).
        last_epoch: index of the last epoch (default -1).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.optim.swa_utils import SWALR
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
        >>> s = SWALR(opt, swa_lr=0.0, anneal_epochs=2, anneal_strategy="linear")
        >>> opt.step(); s.step(); opt.param_groups[0]["lr"]
        0.5
        >>> opt.step(); s.step(); opt.param_groups[0]["lr"]
        0.0
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float,
        anneal_epochs: int = 10,
        anneal_strategy: Literal["cos", "linear"] = "cos",
        last_epoch: int = -1,
    ) -> None:
        swa_lrs = _format_param("swa_lr", optimizer, swa_lr)
        for value, group in zip(swa_lrs, optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ["cos", "linear"]:
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self) -> list[float]:
        """The next learning rates: one anneal step from the current ones toward ``swa_lr``."""
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer and the anneal function."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a ``state_dict()``."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
