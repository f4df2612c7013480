"""Loss functions (``nn.functional`` forms), each with ``reduction="mean"|"sum"|"none"``.

Cross-entropy is one fused primitive (``_primitives.CrossEntropyFn``: log-sum-exp, never
softmax-then-log); BCE-with-logits is one primitive too, the stable softplus form
``(1 - y) x + (1 + (pw - 1) y) softplus(-x)`` with a tail-precise gradient.  The others are
composed of differentiable ops.

Example:
    >>> import nablagrad as torch
    >>> import nablagrad.nn.functional as F
    >>> F.cross_entropy(torch.tensor([[2.0, 0.0]]), torch.tensor([0])).item() < 0.13
    True
"""

from __future__ import annotations

import warnings
from typing import Any

from ..autograd.function import check_same_device, torch_node
from ..backend import get_array_module, np
from ..ops import fused as P
from ..ops.elementwise import where, xlogy
from ..ops.shape import broadcast_tensors
from ..tensor import Tensor
from ._losses_extra import _legacy

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check(
    name: str, input: Tensor, target: Any, reduction: str, same_shape: bool = True, *weights: Any
) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{name}: input and target must be Tensors")
    check_same_device(name, input, target, *weights)
    if same_shape and tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{name}: target shape {tuple(target.shape)} differs from input shape "
            f"{tuple(input.shape)}: reshape the target (e.g. y.view(-1, 1)) so they match"
        )


def _weighted(name: str, loss: Tensor, weight: Tensor, input: Tensor, reduction: str) -> Tensor:
    """torch's elementwise ``weight`` of the regression losses: ``mean`` is ``sum(w l) / sum(w)``
    (``huber_loss``: the mean of ``w l``)."""
    if not isinstance(weight, Tensor) or tuple(weight.shape) != tuple(input.shape):
        shape = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise ValueError(
            f"{name}: Weights and input must have the same size (weight {shape}, input "
            f"{tuple(input.shape)})"
        )
    check_same_device(name, input, weight)
    loss = loss * weight
    if reduction == "mean" and name != "huber_loss":
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def _broadcast(name: str, input: Tensor, target: Tensor, reduction: str) -> tuple:
    """torch's pointwise regression losses: a target of another shape is broadcast against the
    input, with torch's UserWarning (a RuntimeError when the shapes do not broadcast)."""
    _check(name, input, target, reduction, False)
    if tuple(input.shape) == tuple(target.shape):
        return input, target
    warnings.warn(
        f"Using a target size ({target.shape}) that is different to the input size "
        f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
        "Please ensure they have the same size.",
        UserWarning,
        stacklevel=3,
    )
    try:
        return broadcast_tensors(input, target)
    except (RuntimeError, ValueError) as e:
        raise RuntimeError(
            f"{name}: input of shape {tuple(input.shape)} and target of shape "
            f"{tuple(target.shape)} do not broadcast"
        ) from e


def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """mean((x - y)^2); with ``weight`` (input's shape), sum(w (x - y)^2) / sum(w)."""
    reduction = _legacy(size_average, reduce, reduction)
    shape_in = input
    input, target = _broadcast("mse_loss", input, target, reduction)
    if weight is not None:
        d = input - target
        return _weighted("mse_loss", d * d, weight, shape_in, reduction)
    if (
        isinstance(target, Tensor)
        and input._data.dtype.kind == "f"
        and target._data.dtype.kind in "biu"
    ):
        target = target.to(dtype=input.dtype)  # torch's promotion: the float input's dtype
    if (
        isinstance(target, Tensor)
        and input._data.dtype == target._data.dtype
        and input._data.dtype.kind == "f"
        and reduction in ("mean", "sum", "none")
    ):
        return P.MseLoss.apply(input, target, reduction=reduction)  # one node: MseLossBackward0
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    """mean(|x - y|); with ``weight`` (input's shape), sum(w |x - y|) / sum(w)."""
    reduction = _legacy(size_average, reduce, reduction)
    shape_in = input
    input, target = _broadcast("l1_loss", input, target, reduction)
    if weight is not None:
        return _weighted("l1_loss", (input - target).abs(), weight, shape_in, reduction)
    return _reduce((input - target).abs(), reduction)


def _quadratic_zone(d: Tensor, k: float) -> tuple:
    """For the Huber-type losses: |d|, where the quadratic branch applies (|d| < k, NaN
    included: its gradient is NaN, as torch's), and d there (0 elsewhere, so an infinite d's
    square sends no NaN gradient back through the branch not taken)."""
    a = d.abs()
    inside = ~(a >= k)
    return a, inside, where(inside, d, 0.0)


@torch_node("HuberLossBackward0")
def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); d = x - y; ``weight`` (input's
    shape) multiplies each term before the reduction."""
    shape_in = input
    input, target = _broadcast("huber_loss", input, target, reduction)
    if delta <= 0:
        raise RuntimeError(
            f"huber_loss does not support non-positive values for delta, got {delta}"
        )
    a, inside, dq = _quadratic_zone(input - target, delta)
    loss = where(inside, 0.5 * dq * dq, delta * (a - 0.5 * delta))
    if weight is not None:
        return _weighted("huber_loss", loss, weight, shape_in, reduction)
    return _reduce(loss, reduction)


@torch_node("SmoothL1LossBackward0")
def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (plain L1 when beta = 0)."""
    reduction = _legacy(size_average, reduce, reduction)
    input, target = _broadcast("smooth_l1_loss", input, target, reduction)
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss does not support negative values for beta, got {beta}")
    if beta == 0:
        return _reduce((input - target).abs(), reduction)
    a, inside, dq = _quadratic_zone(input - target, beta)
    return _reduce(where(inside, 0.5 * dq * dq / beta, a - 0.5 * beta), reduction)


@torch_node("BinaryCrossEntropyBackward0")
def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """-w (y log p + (1 - y) log(1 - p)), logs clamped at -100 as in torch."""
    reduction = _legacy(size_average, reduce, reduction)
    _check("binary_cross_entropy", input, target, reduction, True, weight)
    p = input._data
    if p.size and not (p.min() >= 0 and p.max() <= 1):  # (NaN fails too, as in torch)
        raise RuntimeError(
            "binary_cross_entropy: all elements of input should be between 0 and 1 (found "
            "values outside [0, 1] or NaN): apply sigmoid first, or use "
            "binary_cross_entropy_with_logits on raw scores"
        )
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    loss = P.BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@torch_node("BinaryCrossEntropyWithLogitsBackward0")
def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """(1 - y) x + (1 + (pw - 1) y) softplus(-x): sigmoid + BCE, stable for any logit, and its
    gradient precise in both tails (``fused.BinaryCrossEntropyWithLogits``)."""
    reduction = _legacy(size_average, reduce, reduction)
    _check("binary_cross_entropy_with_logits", input, target, reduction, True, weight, pos_weight)
    if target.dtype != input.dtype:
        target = target.to(input.dtype)
    if pos_weight is not None:
        if pos_weight.dtype != input.dtype:
            pos_weight = pos_weight.to(input.dtype)
        loss = P.BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)
    else:
        loss = P.BinaryCrossEntropyWithLogits.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _flatten_classes(input: Tensor, target: Tensor, name: str, prob: bool) -> tuple:
    """(N, C, d1, ...) input -> (M, C) rows; index target (N, d1, ...) -> (M,)."""
    if input.ndim == 1:
        input = input.unsqueeze(0)
        target = target.unsqueeze(0)
    shape, t_shape = tuple(input.shape), tuple(target.shape)
    expected = shape if prob else shape[:1] + shape[2:]
    if t_shape != expected:
        hint = f"{name}: input of shape {shape} needs a target of shape {expected} " + (
            "(class probabilities)" if prob else "(class indices, the class dim removed)"
        )
        if not prob and t_shape[:1] != shape[:1]:  # torch's two messages
            raise ValueError(
                f"Expected input batch_size ({shape[0]}) to match target batch_size "
                f"({t_shape[0] if t_shape else 0}). {hint}"
            )
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(t_shape)}. {hint}")
    if input.ndim > 2:
        c = input.shape[1]
        input = input.movedim(1, -1).reshape(-1, c)
        target = target.movedim(1, -1).reshape(-1, c) if prob else target.reshape(-1)
    return input, target


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """-sum_c q_c log_softmax(x)_c with q the (smoothed) target; one fused log-sum-exp primitive.

    ``target`` holds class indices (int, shape (N,) or (N, d1, ...)) or class probabilities
    (float, same shape as ``input``).  ``mean`` divides by the summed weights of the counted
    targets (index targets) or by the number of rows (probability targets), as torch.
    """
    reduction = _legacy(size_average, reduce, reduction)
    _check("cross_entropy", input, target, reduction, False, weight)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(
            f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}"
        )
    if input._data.dtype.kind != "f":
        raise TypeError(f"cross_entropy: input must be floating point logits, got {input.dtype}")
    if input.ndim == 0:
        raise ValueError("cross_entropy: Expected 1 or more dimensions (got 0)")
    # torch's rule: a target of the input's shape holds probabilities, any other class indices
    prob = tuple(target.shape) == tuple(input.shape)
    kind = target._data.dtype.kind
    if prob and kind != "f":
        raise RuntimeError(
            f"cross_entropy: Expected floating point type for target with class probabilities, "
            f"got {target.dtype}"
        )
    if not prob and kind not in "iu":
        raise RuntimeError(
            f"cross_entropy: expected target dtype to be Long or Byte (class indices), but got "
            f"{target.dtype} for a target of shape {tuple(target.shape)} and input of shape "
            f"{tuple(input.shape)}"
        )
    x, t = _flatten_classes(input, target, "cross_entropy", prob)
    m, c = x.shape
    xp = get_array_module(x._data)
    w = None if weight is None else weight._data.astype(x._data.dtype)
    if w is not None and w.shape != (c,):
        raise RuntimeError(f"cross_entropy: weight must have shape ({c},), got {tuple(w.shape)}")
    eps = label_smoothing
    if prob and ignore_index >= 0:
        raise RuntimeError(
            f"cross_entropy: ignore_index is not supported for floating point target (got "
            f"ignore_index={ignore_index} with class-probability targets)"
        )
    if prob:
        scale = (1.0 / m) if reduction == "mean" else (1.0 if reduction == "sum" else None)
        out = P.CrossEntropyFn.apply(x, t.to(dtype=x.dtype), weight=w, smoothing=eps, scale=scale)
    else:
        idx = t._data
        if idx.dtype.kind not in "iu":
            raise TypeError(f"cross_entropy: class-index targets must be integers, got {t.dtype}")
        valid = idx != ignore_index
        safe = xp.where(valid, idx, 0)
        if safe.size and (safe.min() < 0 or safe.max() >= c):
            bad = int(safe.max()) if safe.max() >= c else int(safe.min())
            raise IndexError(
                f"cross_entropy: target {bad} is out of bounds for {c} classes: "
                f"targets must be in [0, {c}) or equal ignore_index={ignore_index}"
            )
        dt = x._data.dtype
        coef = xp.zeros((m, c), dtype=dt)
        coef[xp.arange(m), safe] = 1.0 - eps
        if eps:
            coef += eps / c
        if w is not None:
            coef *= w
        coef *= valid[:, None]
        scale = None
        if reduction == "mean":
            denom = (w[safe] * valid).sum() if w is not None else valid.sum()
            scale = 1.0 / float(denom) if denom else float("nan")
        elif reduction == "sum":
            scale = 1.0
        out = P.CrossEntropyFn.apply(x, coef=coef, weight=w, smoothing=eps, scale=scale, keep=valid)
    if reduction == "none" and input.ndim > 2:
        n = input.shape[0]
        out = out.reshape((n,) + tuple(input.shape[2:]))
    elif reduction == "none" and input.ndim == 1:
        out = out.reshape(())
    return out


@torch_node("NllLossBackward0")
def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average: bool | None = None,
    ignore_index: int = -100,
    reduce: bool | None = None,
    reduction: str = "mean",
) -> Tensor:
    """-w[y] x[y] for log-probabilities x; ``mean`` divides by the summed weights w[y]."""
    reduction = _legacy(size_average, reduce, reduction)
    _check("nll_loss", input, target, reduction, False, weight)
    if input.ndim == 0:
        raise ValueError("nll_loss: Expected 1 or more dimensions (got 0)")
    if target._data.dtype.kind not in "iu":
        raise RuntimeError(
            "nll_loss: expected target dtype to be Long or Byte (class indices), got "
            f"{target.dtype}"
        )
    x, t = _flatten_classes(input, target, "nll_loss", prob=False)
    m, c = x.shape
    idx = t._data
    if idx.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: targets must be integer class indices, got {t.dtype}")
    xp = get_array_module(idx)
    valid = idx != ignore_index
    safe = xp.where(valid, idx, 0)
    if safe.size and (safe.min() < 0 or safe.max() >= c):
        raise IndexError(
            f"nll_loss: targets must be in [0, {c}) or equal ignore_index, got "
            f"min {int(safe.min())}, max {int(safe.max())}"
        )
    wv = valid.astype(x._data.dtype)
    if weight is not None:
        wv = wv * weight._data.astype(x._data.dtype)[safe]
    picked = x.gather(1, Tensor._wrap(safe.reshape(-1, 1).astype(np.int64))).reshape(-1)
    loss = -picked * Tensor._wrap(wv)
    if reduction == "mean":
        if wv.sum():
            return loss.sum() / float(wv.sum())
        # total weight 0: torch's NaN loss, whose gradient is NaN for the counted rows (0/0)
        # and 0 for the ignored ones
        nan_where_valid = Tensor._wrap(xp.where(valid, np.nan, 0.0).astype(x._data.dtype))
        return (loss * nan_where_valid).sum() + float("nan")
    if reduction == "sum":
        return loss.sum()
    if input.ndim > 2:
        return loss.reshape((input.shape[0],) + tuple(input.shape[2:]))
    return loss.reshape(()) if input.ndim == 1 else loss


def kl_div(
    input: Tensor,
    target: Tensor,
    size_average: bool | None = None,
    reduce: bool | None = None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """target * (log target - input) pointwise (0 where target = 0); ``batchmean`` divides the
    sum by the batch size (the true KL divergence; ``mean`` divides by every element)."""
    legacy = size_average is not None or reduce is not None
    reduction = _legacy(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(
            f"kl_div: reduction must be mean, batchmean, sum or none, got {reduction!r}"
        )
    _check("kl_div", input, target, "none", False)
    if reduction == "mean" and not legacy:
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            UserWarning,
            stacklevel=2,
        )
    if tuple(input.shape) != tuple(target.shape):  # torch broadcasts them, without a warning
        input, target = broadcast_tensors(input, target)
    if log_target:
        loss = target.exp() * (target - input)
    else:  # torch's xlogy(t, t) - t * x: 0 log 0 = 0, but 0 * -inf is NaN as in torch
        loss = xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)
