"""Distances and similarities of ``torch.nn.functional`` (``cosine_similarity``,
``pairwise_distance``, ``pdist``) and ``bilinear``; re-exported by ``nn.functional``.

Composed of differentiable primitives (norms, sums, ``matmul``, index selection).

Example:
    >>> import nablagrad as torch
    >>> import nablagrad.nn.functional as F
    >>> F.pairwise_distance(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]]), eps=0.0)
    tensor([5.])
"""

from __future__ import annotations

from typing import Any

from .. import _validate
from ..autograd.function import torch_node
from ..backend import get_array_module, np
from ..ops.shape import broadcast_tensors
from ..tensor import Tensor


def _tensor(x: Any, name: str, arg: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(x).__name__}")
    return x


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along ``dim`` (inputs broadcast).

    As torch, each norm is clamped below by ``eps`` without the clamp entering the gradient.

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.functional.cosine_similarity(torch.tensor([[1.0, 0.0]]),
        ...                                       torch.tensor([[1.0, 1.0]]))
        tensor([0.7071])
    """
    a = _tensor(x1, "cosine_similarity", "x1")
    b = _tensor(x2, "cosine_similarity", "x2")
    if a._data.dtype.kind != "f":
        a = a.float()
    if b._data.dtype.kind != "f":
        b = b.float()
    try:
        a, b = broadcast_tensors(a, b)
    except (ValueError, RuntimeError) as e:
        raise RuntimeError(
            f"cosine_similarity: the shapes {tuple(x1.shape)} and {tuple(x2.shape)} do not "
            "broadcast"
        ) from e
    d = _validate.dim(dim, max(a.ndim, 1), fn="cosine_similarity")

    def unit(x: Tensor) -> Tensor:
        n = x.norm(2, d, keepdim=True)
        n = n + (n.clamp_min(eps) - n).detach()  # clamp the value, keep the norm's gradient
        return x / n

    return (unit(a) * unit(b)).sum(d)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """||x1 - x2 + eps||_p over the last dimension (inputs broadcast)."""
    a = _tensor(x1, "pairwise_distance", "x1")
    b = _tensor(x2, "pairwise_distance", "x2")
    out_dim = max(a.ndim, b.ndim)
    diff = a - b + eps
    if out_dim == 0:
        return diff.abs() if p != 0 else diff.ne(0).to(diff.dtype)
    return diff.norm(p, out_dim - 1, keepdim=keepdim)


@torch_node("PdistBackward0")
def pdist(input: Tensor, p: float = 2) -> Tensor:
    """||x_i - x_j||_p for every row pair i < j of an (N, M) input, in row-major order:
    a vector of N (N - 1) / 2 distances."""
    x = _tensor(input, "pdist", "input")
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if x._data.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = x.shape[0]
    i, j = np.triu_indices(n, 1)
    xp = get_array_module(x._data)
    if i.size == 0:
        return (x.sum() * 0).reshape(1)[:0]
    rows_i = x.index_select(0, Tensor._wrap(xp.asarray(i, dtype=np.int64)))
    rows_j = x.index_select(0, Tensor._wrap(xp.asarray(j, dtype=np.int64)))
    return (rows_i - rows_j).norm(p, 1)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_o = x1^T A_o x2 + b_o with ``weight`` A of shape (out, in1, in2).

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.functional.bilinear(torch.ones(2, 3), torch.ones(2, 4),
        ...                              torch.ones(5, 3, 4)).shape
        nablagrad.Size([2, 5])
    """
    a = _tensor(input1, "bilinear", "input1")
    b = _tensor(input2, "bilinear", "input2")
    w = _tensor(weight, "bilinear", "weight")
    if w.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, got {w.ndim}D")
    if a.ndim != b.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {a.ndim} and {b.ndim}")
    if tuple(a.shape[:-1]) != tuple(b.shape[:-1]):
        raise RuntimeError(
            f"bilinear(): input batch dimensions do not match: got {list(a.shape[:-1])} and "
            f"{list(b.shape[:-1])}"
        )
    out, in1, in2 = w.shape
    if a.shape[-1] != in1:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {a.shape[-1]} but "
            f"expected {in1}"
        )
    if b.shape[-1] != in2:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {b.shape[-1]} but "
            f"expected {in2}"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out):
        raise RuntimeError(
            f"bilinear(): bias size does not match weight size: got {bias.shape[-1]} but "
            f"expected {out}"
        )
    t = a.matmul(w.permute(1, 0, 2).reshape(in1, out * in2))
    y = (t.reshape(tuple(a.shape[:-1]) + (out, in2)) * b.unsqueeze(-2)).sum(-1)
    return y if bias is None else y + bias
