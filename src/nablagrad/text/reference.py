"""The autograd reference path for word2vec: ``nn.Embedding`` lookups, the loss written with
framework ops, ``backward()``, then SGD.  Slow but obviously right; the fused fast path in
:mod:`nablagrad.text.sgns` must agree with it (see ``tests/text``).

Per example (``-log sigma(x) = softplus(-x)``):

    L = softplus(-h . u_o) + sum_k m_k softplus(h . u_k)

Example:
    >>> import numpy as np
    >>> W_in = np.full((3, 2), 0.1, np.float32); W_out = np.zeros((3, 2), np.float32)
    >>> c, o, n = np.array([0]), np.array([1]), np.array([[2]])
    >>> round(reference_sgns_step(W_in, W_out, c, o, n, 0.5), 4)
    1.3863
"""

from __future__ import annotations

from collections.abc import Callable

from .. import nn
from ..autograd import no_grad
from ..backend import np
from ..creation import from_numpy, tensor
from ..nn import functional as F
from ..tensor import Tensor


def _embeddings(W_in: np.ndarray, W_out: np.ndarray) -> tuple[nn.Embedding, nn.Embedding]:
    """Trainable ``nn.Embedding`` layers whose weights are copies of the arrays."""
    emb_in = nn.Embedding.from_pretrained(from_numpy(W_in.copy()), freeze=False)
    emb_out = nn.Embedding.from_pretrained(from_numpy(W_out.copy()), freeze=False)
    return emb_in, emb_out


def sgns_loss(
    h: Tensor,
    emb_out: Callable[[Tensor], Tensor],
    positives: np.ndarray,
    negatives: np.ndarray,
) -> Tensor:
    """Summed negative-sampling loss of input vectors ``h`` (B, d) against the output
    lookup ``emb_out`` (an ``nn.Embedding``, or any index -> rows function)."""
    idx = np.concatenate([positives[:, None], negatives], axis=1).astype(np.int64)
    U = emb_out(tensor(idx))  # (B, K+1, d)
    s = (U * h.unsqueeze(1)).sum(-1)  # (B, K+1)
    mask = np.ones(idx.shape, dtype=h._data.dtype)
    mask[:, 1:] = negatives != positives[:, None]
    sign = np.ones(idx.shape, dtype=h._data.dtype)
    sign[:, 1:] = -1.0
    return (F.softplus(s * tensor(-sign)) * tensor(mask)).sum()


def _apply_sgd(
    W: np.ndarray,
    emb: nn.Embedding,
    lr: float,
    rows: np.ndarray,
    max_repeat: int | None,
    valid: np.ndarray | None = None,
) -> None:
    """``W -= lr * grad``, each row's gradient scaled by ``min(1, max_repeat / n_r)``."""
    with no_grad():
        if emb.weight.grad is None:
            return
        grad = emb.weight.grad.numpy().astype(W.dtype)
        if max_repeat is not None:
            flat = rows.ravel() if valid is None else rows[valid]
            counts = np.bincount(flat, minlength=W.shape[0])
            grad *= np.minimum(1.0, max_repeat / np.maximum(counts, 1))[:, None].astype(W.dtype)
        W -= lr * grad


def reference_sgns_step(
    W_in: np.ndarray,
    W_out: np.ndarray,
    centres: np.ndarray,
    contexts: np.ndarray,
    negatives: np.ndarray,
    lr: float,
    max_repeat: int | None = None,
) -> float:
    """Skip-gram SGD step through ``nn.Embedding`` and autograd (same contract as
    :func:`nablagrad.text.sgns.sgns_step`)."""
    emb_in, emb_out = _embeddings(W_in, W_out)
    h = emb_in(tensor(np.asarray(centres, dtype=np.int64)))
    loss = sgns_loss(h, emb_out, np.asarray(contexts), np.asarray(negatives))
    loss.backward()
    out_rows = np.concatenate([np.asarray(contexts)[:, None], negatives], axis=1)
    _apply_sgd(W_in, emb_in, lr, np.asarray(centres), max_repeat)
    _apply_sgd(W_out, emb_out, lr, out_rows, max_repeat)
    return float(loss.item())


def reference_cbow_step(
    W_in: np.ndarray,
    W_out: np.ndarray,
    contexts: np.ndarray,
    mask: np.ndarray,
    centres: np.ndarray,
    negatives: np.ndarray,
    lr: float,
    max_repeat: int | None = None,
    cbow_mean: bool = True,
) -> float:
    """CBOW SGD step through ``nn.Embedding`` and autograd (same contract as
    :func:`nablagrad.text.sgns.cbow_step`): ``h`` is the masked mean (``cbow_mean``) or sum
    of the context rows, and the context rows' gradient that of ``sum_j u_j W_in[c_j]`` with
    ``u_j = m_j`` after a mean, ``m_j / n`` after a sum (gensim's update: ``h``'s value from
    the one, its gradient through the other)."""
    emb_in, emb_out = _embeddings(W_in, W_out)
    X = emb_in(tensor(np.asarray(contexts, dtype=np.int64)))  # (B, C, d)
    m = np.asarray(mask, dtype=W_in.dtype)
    mean = m / m.sum(axis=1, keepdims=True)
    value = (X * tensor(mean if cbow_mean else m).unsqueeze(-1)).sum(1).detach()
    routed = (X * tensor(m if cbow_mean else mean).unsqueeze(-1)).sum(1)
    h = value + (routed - routed.detach())
    loss = sgns_loss(h, emb_out, np.asarray(centres), np.asarray(negatives))
    loss.backward()
    out_rows = np.concatenate([np.asarray(centres)[:, None], negatives], axis=1)
    _apply_sgd(W_in, emb_in, lr, np.asarray(contexts), max_repeat, np.asarray(mask, bool))
    _apply_sgd(W_out, emb_out, lr, out_rows, max_repeat)
    return float(loss.item())
