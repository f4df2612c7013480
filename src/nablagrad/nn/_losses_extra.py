"""Margin, embedding and likelihood losses of ``torch.nn.functional`` (re-exported by
``nn.functional``), each with ``reduction="mean"|"sum"|"none"`` and torch's legacy
``size_average``/``reduce`` arguments.  Composed of differentiable ops.

Example:
    >>> import nablagrad as torch
    >>> import nablagrad.nn.functional as F
    >>> F.margin_ranking_loss(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 1.0]),
    ...                       torch.tensor([1.0, 1.0]))
    tensor(0.5000)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ..autograd.function import check_same_device
from ..backend import get_array_module, np
from ..ops import fused as P
from ..ops.elementwise import where
from ..tensor import Tensor
from ._activations import logsigmoid
from ._distance import pairwise_distance


def _legacy(size_average: bool | None, reduce: bool | None, reduction: str) -> str:
    """torch's ``_Reduction.legacy_get_string``: the deprecated flags override ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        ret = "mean"
    else:
        ret = "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
        UserWarning,
        stacklevel=3,
    )
    return ret


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{reduction} is not a valid value for reduction ({name})")


def _tensors(name: str, **named: Any) -> None:
    for arg, v in named.items():
        if not isinstance(v, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(v).__name__}")
    check_same_device(name, *named.values())


def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction ({name})")


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, -y (x1 - x2) + margin), y in {1, -1}."""
    _tensors("margin_ranking_loss", input1=input1, input2=input2, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "margin_ranking_loss")
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {list(input1.shape)}, input2: {list(input2.shape)}, target: "
            f"{list(target.shape)} "
        )
    loss = (-target * (input1 - input2) + margin).clamp_min(0)
    return _reduce(loss, reduction, "margin_ranking_loss")


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """x where y = 1, max(0, margin - x) where y = -1."""
    _tensors("hinge_embedding_loss", input=input, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "hinge_embedding_loss")
    t = target._data
    margin_part = where(Tensor._wrap(t != 1), (margin - input).clamp_min(0), 0.0)
    self_part = where(Tensor._wrap(t != -1), input, 0.0)
    return _reduce(margin_part + self_part, reduction, "hinge_embedding_loss")


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """1 - cos(x1, x2) where y = 1, max(0, cos(x1, x2) - margin) where y = -1."""
    name = "cosine_embedding_loss"
    _tensors(name, input1=input1, input2=input2, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, name)
    td = target.ndim
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if td == 1 and not (input1.ndim == 2 and input2.ndim == 2):
        raise RuntimeError(
            "1D target tensor expects 2D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    if td == 0 and not (input1.ndim == 1 and input2.ndim == 1):
        raise RuntimeError(
            "0D target tensor expects 1D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    eps = 1e-12
    prod = (input1 * input2).sum(td)
    mag1 = (input1 * input1).sum(td) + eps
    mag2 = (input2 * input2).sum(td) + eps
    cos = prod / (mag1 * mag2).sqrt()
    t = target._data
    pos = where(Tensor._wrap(t == 1), 1 - cos, 0.0)
    neg = where(Tensor._wrap(t == -1), (cos - margin).clamp_min(0), 0.0)
    return _reduce(pos + neg, reduction, name)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) with d the pairwise p-norm distance; ``swap`` uses
    min(d(a, n), d(p, n)) as the negative distance."""
    name = "triplet_margin_loss"
    _tensors(name, anchor=anchor, positive=positive, negative=negative)
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, name)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
            f"negative {negative.ndim}D inputs"
        )
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_swap = pairwise_distance(positive, negative, p, eps)
        d_neg = where(d_swap < d_neg, d_swap, d_neg)
    loss = (margin + d_pos - d_neg).clamp_min(0)
    return _reduce(loss, reduction, name)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """log(1 + exp(-y x)) (computed as softplus(-y x), finite for large |x|)."""
    _tensors("soft_margin_loss", input=input, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "soft_margin_loss")
    loss = P.Softplus.apply(-input * target, beta=1.0, threshold=20.0)
    return _reduce(loss, reduction, "soft_margin_loss")


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """-mean_c w_c (y_c log sigmoid(x_c) + (1 - y_c) log sigmoid(-x_c)) per sample."""
    _tensors("multilabel_soft_margin_loss", input=input, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, "multilabel_soft_margin_loss")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction, "multilabel_soft_margin_loss")


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge: sum_{i != y} w_y max(0, margin - x_y + x_i)^p / C per sample."""
    name = "multi_margin_loss"
    _tensors(name, input=input, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, name)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    if input.ndim > 2 or (input.ndim == 2 and input.shape[1] == 0) or input.numel() == 0:
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(input.shape)}"
        )
    t = target._data
    if t.dtype.kind not in "iu":
        raise RuntimeError(
            f"multi_margin_loss: expected target of integer class indices, got {target.dtype}: "
            "call .long()"
        )
    x = input.reshape(1, -1) if input.ndim <= 1 else input
    n, c = x.shape
    idx = t.reshape(-1)
    if idx.shape[0] != n:
        raise RuntimeError(f"inconsistent target size, expected {n} but got {list(target.shape)}")
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= c):
        raise RuntimeError(f"target out of range: class indices must be in [0, {c})")
    if weight is not None and weight.shape[0] != c:
        raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
    xp = get_array_module(x._data)
    idx_t = Tensor._wrap(xp.asarray(idx, dtype=np.int64))
    xy = x.gather(1, idx_t.reshape(n, 1))
    z = (margin - xy + x).clamp_min(0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight.index_select(0, idx_t).reshape(n, 1)
    other = xp.arange(c)[None, :] != xp.asarray(idx)[:, None]
    loss = where(Tensor._wrap(other), z, 0.0).sum(1) / c
    if input.ndim <= 1:
        loss = loss.reshape(tuple(target.shape))
    return _reduce(loss, reduction, name)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average: bool | None = None,
    eps: float = 1e-8,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """exp(x) - y x (``log_input``) or x - y log(x + eps); ``full`` adds Stirling's term
    y log y - y + log(2 pi y) / 2 where y > 1."""
    _tensors("poisson_nll_loss", input=input, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        big = Tensor._wrap(target._data > 1)
        safe = where(big, target, 2.0)  # Stirling's term only where y > 1 (no log of 0)
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + where(big, stirling, 0.0)
    return _reduce(loss, reduction, "poisson_nll_loss")


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var: Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """(log(max(var, eps)) + (x - y)^2 / max(var, eps)) / 2 (+ log(2 pi) / 2 with ``full``);
    ``var`` may lack the last dim or have size 1 in one dim (homoscedastic), as torch."""
    _tensors("gaussian_nll_loss", input=input, target=target)
    if isinstance(var, (float, int)) and not isinstance(var, bool):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = input.detach() * 0 + float(var)
    elif not isinstance(var, Tensor):
        raise TypeError(f"gaussian_nll_loss(): var must be a Tensor or float, got {type(var)}")
    elif bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and (
            sum(b for a, b in zip(input.shape, var.shape) if a != b) == 1
        ):
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not valid")
    var = var + (var.clamp_min(eps) - var).detach()  # clamp the value, not the gradient (torch)
    d = input - target
    loss = 0.5 * (var.log() + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, "gaussian_nll_loss")


def multilabel_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """sum over target classes j and non-target classes i of max(0, 1 - (x_j - x_i)) / C per
    sample; ``target`` holds class indices, padded with -1 after the last one."""
    name = "multilabel_margin_loss"
    _tensors(name, input=input, target=target)
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction, name)
    if input.ndim > 2 or input.numel() == 0:
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(input.shape)}"
        )
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}"
        )
    t = target._data
    if t.dtype.kind not in "iu":
        raise RuntimeError(
            f"multilabel_margin_loss: expected integer class indices, got {target.dtype}: "
            "call .long()"
        )
    x = input.reshape(1, -1) if input.ndim <= 1 else input
    n, c = x.shape
    xp = get_array_module(x._data)
    idx = xp.asarray(t).reshape(n, c)
    if idx.size and (int(idx.max()) >= c or int(idx.min()) < -1):
        raise RuntimeError(f"multilabel_margin_loss: target values must be in [-1, {c})")
    listed = xp.cumprod(idx >= 0, axis=1).astype(bool)  # entries before the first -1
    hits = (idx[:, :, None] == xp.arange(c)[None, None, :]) & listed[:, :, None]
    counts = hits.sum(1)  # how often each class is listed as a target
    is_target = counts > 0
    pair = counts[:, :, None] * (~is_target)[:, None, :]  # (n, j, i) weights
    z = (1 - x.unsqueeze(2) + x.unsqueeze(1)).clamp_min(0)
    loss = (z * Tensor._wrap(pair.astype(x._data.dtype))).sum((1, 2)) / c
    if input.ndim <= 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction, name)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function: Any = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """max(0, margin + d(a, p) - d(a, n)) with any distance function (default: pairwise
    Euclidean); ``swap`` uses min(d(a, n), d(p, n))."""
    name = "triplet_margin_with_distance_loss"
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _tensors(name, anchor=anchor, positive=positive, negative=negative)
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
            f"negative {negative.ndim}D inputs"
        )
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_swap = dist(positive, negative)
        d_neg = where(d_swap < d_neg, d_swap, d_neg)
    loss = (margin + d_pos - d_neg).clamp_min(0)
    return _reduce(loss, reduction, name)
