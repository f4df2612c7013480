"""``ctc_loss`` of ``torch.nn.functional``: connectionist temporal classification.

``ctc_loss`` runs the log-space alpha (forward) and beta (backward) recursions of Graves et
al. (2006) over the extended label sequence ``blank, l1, blank, l2, ..., blank``; its gradient
with respect to ``log_probs`` is torch's: ``exp(lp) - exp(log sum_{s: l'_s = c} alpha_t(s)
beta_t(s) + nll - lp)``, which through a ``log_softmax`` gives the exact gradient of the loss.

Example:
    >>> import nablagrad as torch
    >>> lp = torch.full((2, 1, 2), 0.5).log()
    >>> round(float(torch.nn.functional.ctc_loss(lp, torch.tensor([[1]]), [2], [1])), 4)
    0.2877
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd.function import Function
from ..backend import np, to_device, to_host
from ..tensor import Tensor

__all__ = ["ctc_loss"]


# -------------------------------------------------------------------------------------------
# CTC
# -------------------------------------------------------------------------------------------


def _lse(*arrays: Any) -> Any:
    """Elementwise log(sum(exp(a))) of same-shaped arrays, -inf where all are -inf."""
    stacked = np.stack(arrays)
    m = stacked.max(axis=0)
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.exp(stacked - safe).sum(axis=0)) + safe


def _ctc_one(lp: Any, labels: Any, blank: int) -> tuple[float, Any]:
    """(nll, gradient wrt lp) for one sequence: ``lp`` is (T, C) float64, ``labels`` (L,)."""
    t_len, n_cls = lp.shape
    ext = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    ext[1::2] = labels
    s_len = ext.size
    grad = np.exp(lp)
    if t_len == 0:
        return (0.0 if s_len == 1 else math.inf), grad
    skip = np.zeros(s_len, dtype=bool)  # s may come from s - 2
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    ninf = -np.inf
    y = lp[:, ext]  # (T, S)
    la = np.full((t_len, s_len), ninf)
    la[0, 0] = y[0, 0]
    if s_len > 1:
        la[0, 1] = y[0, 1]
    for t in range(1, t_len):
        prev = la[t - 1]
        one = np.concatenate(([ninf], prev[:-1]))
        two = np.full(s_len, ninf)  # (shifted by two; an empty target has s_len == 1)
        two[2:] = np.where(skip[2:], prev[:-2], ninf)
        la[t] = _lse(prev, one, two) + y[t]
    ends = la[-1, -2:] if s_len > 1 else la[-1, -1:]
    nll = -float(_lse(*ends))
    lb = np.full((t_len, s_len), ninf)
    lb[-1, -1] = y[-1, -1]
    if s_len > 1:
        lb[-1, -2] = y[-1, -2]
    skip_next = np.zeros(s_len, dtype=bool)  # s + 2 may follow s
    skip_next[:-2] = skip[2:]
    for t in range(t_len - 2, -1, -1):
        nxt = lb[t + 1]
        one = np.concatenate((nxt[1:], [ninf]))
        two = np.full(s_len, ninf)
        two[:-2] = np.where(skip_next[:-2], nxt[2:], ninf)
        lb[t] = _lse(nxt, one, two) + y[t]
    ab = la + lb  # (T, S): log alpha_t(s) beta_t(s) (y_t counted twice)
    lcab = np.full((t_len, n_cls), ninf)
    for s in range(s_len):  # log-sum over the positions of each class
        lcab[:, ext[s]] = _lse(lcab[:, ext[s]], ab[:, s])
    with np.errstate(invalid="ignore", over="ignore"):
        grad = np.exp(lp) - np.exp(lcab + nll - lp)
    return nll, grad


class CTCLossFn(Function):
    """Per-sequence CTC negative log-likelihoods (N,) of ``log_probs`` (T, N, C)."""

    def forward(self, lp, targets=(), input_lengths=(), blank=0, zero_infinity=False):
        host = to_host(lp).astype(np.float64)
        t_max, n, _ = host.shape
        nll = np.zeros(n)
        grad = np.zeros_like(host)
        for i in range(n):
            t_len = int(input_lengths[i])
            loss, g = _ctc_one(host[:t_len, i], targets[i], blank)
            if zero_infinity and math.isinf(loss):
                loss, g = 0.0, np.zeros_like(g)
            nll[i] = loss
            grad[:t_len, i] = g
        self.grad = to_device(grad.astype(lp.dtype), _device_of(lp))
        return to_device(nll.astype(lp.dtype), _device_of(lp))

    def backward(self, g, out, lp):
        return (self.grad * g.reshape(1, -1, 1),)


def _device_of(arr: Any) -> Any:
    return Tensor._wrap(arr).device


def _lengths(value: Any, name: str, n: int) -> Any:
    if isinstance(value, Tensor):
        arr = to_host(value._data)
        if arr.dtype.kind not in "iu":
            raise RuntimeError(f"ctc_loss(): {name} must be integral, got dtype {value.dtype}")
    elif isinstance(value, (list, tuple)):
        arr = np.asarray(value)
        if arr.dtype.kind not in "iu":
            raise TypeError(f"ctc_loss(): {name} must be ints, got {value!r}")
    else:
        raise TypeError(
            f"ctc_loss(): {name} must be a Tensor or a tuple of ints, not {type(value).__name__}"
        )
    arr = arr.reshape(-1).astype(np.int64)
    if arr.size != n:
        raise RuntimeError(
            f"ctc_loss(): expected {name} to have {n} entries (one per batch), got {arr.size}"
        )
    return arr


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """Connectionist temporal classification loss (Graves et al., 2006).

    ``log_probs`` (T, N, C) or (T, C) are log-probabilities (e.g. ``log_softmax``);
    ``targets`` are padded (N, S) or concatenated (sum(target_lengths),) label indices (never
    ``blank``); ``reduction='mean'`` divides each loss by its target length, then averages over
    the batch; ``zero_infinity`` zeroes infinite losses (impossible alignments) and their
    gradients.

    Example:
        >>> import nablagrad as torch
        >>> lp = torch.full((2, 1, 2), 0.5).log()  # T=2, N=1, C=2: blank and one label
        >>> round(float(torch.nn.functional.ctc_loss(lp, torch.tensor([[1]]), [2], [1],
        ...     reduction="sum")), 4)  # -log(3/4): the paths 1-1, 1-blank, blank-1
        0.2877
    """
    if not isinstance(log_probs, Tensor):
        raise TypeError(
            f"ctc_loss(): argument 'log_probs' must be Tensor, not {type(log_probs).__name__}"
        )
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if log_probs._data.dtype.kind != "f":
        raise RuntimeError(f"ctc_loss(): log_probs must be floating point, got {log_probs.dtype}")
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.ndim != 3:
        raise RuntimeError(
            f"ctc_loss(): log_probs must be (T, N, C) or (T, C), got shape {tuple(log_probs.shape)}"
        )
    t_max, n, n_cls = lp.shape
    if not 0 <= blank < n_cls:
        raise RuntimeError(f"blank must be in label range: got blank={blank} for {n_cls} classes")
    if not isinstance(targets, Tensor):
        targets = Tensor._wrap(np.asarray(targets))
    tg = to_host(targets._data)
    if tg.dtype.kind not in "iu":
        raise RuntimeError(f"ctc_loss(): targets must be integral, got dtype {targets.dtype}")
    if unbatched and tg.ndim == 1:
        tg = tg.reshape(1, -1)
    in_lens = _lengths(input_lengths, "input_lengths", n)
    tgt_lens = _lengths(target_lengths, "target_lengths", n)
    if (in_lens > t_max).any() or (in_lens < 0).any():
        bad = int(in_lens[(in_lens > t_max) | (in_lens < 0)][0])
        raise RuntimeError(
            f"Expected input_lengths to have value at most {t_max}, but got value {bad}"
        )
    per: list[Any] = []
    if tg.ndim == 2:
        if tg.shape[0] != n:
            raise RuntimeError(
                f"ctc_loss(): padded targets have {tg.shape[0]} rows for a batch of {n}"
            )
        for i in range(n):
            if tgt_lens[i] > tg.shape[1] or tgt_lens[i] < 0:
                raise RuntimeError(
                    f"Expected tensor to have size at least {tgt_lens[i]} at dimension 1, but got "
                    f"size {tg.shape[1]} for argument #2 'targets' (while checking arguments for "
                    "ctc_loss_cpu)"
                )
            per.append(tg[i, : tgt_lens[i]])
    elif tg.ndim == 1:
        if tgt_lens.sum() != tg.size:
            raise RuntimeError(
                f"ctc_loss(): concatenated targets have {tg.size} labels but target_lengths sum to "
                f"{int(tgt_lens.sum())}"
            )
        starts = np.concatenate(([0], np.cumsum(tgt_lens)))
        per = [tg[starts[i] : starts[i + 1]] for i in range(n)]
    else:
        raise RuntimeError(f"ctc_loss(): targets must be 1-D or 2-D, got shape {tuple(tg.shape)}")
    for labels in per:
        if labels.size and (labels.min() < 0 or labels.max() >= n_cls or (labels == blank).any()):
            raise RuntimeError(
                f"ctc_loss(): target labels must be in [0, {n_cls}) and differ from blank={blank}"
            )
    nll = CTCLossFn.apply(
        lp, targets=per, input_lengths=in_lens, blank=blank, zero_infinity=zero_infinity
    )
    if reduction == "none":
        return nll.squeeze(0) if unbatched else nll
    if reduction == "sum":
        return nll.sum()
    denom = Tensor._wrap(to_device(np.maximum(tgt_lens, 1).astype(nll._data.dtype), nll.device))
    return (nll / denom).mean()
