"""``EmbeddingBag`` and ``F.embedding_bag`` (torch's): per bag of indices, the sum, mean or
elementwise max of the embedding rows, without materialising the (bags, length, dim) tensor.

Bags: a 2-D ``input`` (B, N) holds B bags of N indices; a 1-D ``input`` is cut at ``offsets``
(bag b = input[offsets[b]:offsets[b + 1]], the last running to the end, or to offsets[-1] with
``include_last_offset``).  Entries equal to ``padding_idx`` are left out (also from the mean's
count); an empty bag gives zeros.  ``per_sample_weights`` (mode "sum") scales each row.

    sum:  out[b] = sum_{i in b} w_i W[input_i]      mean: out[b] = sum / |b|
    max:  out[b, d] = max_{i in b} W[input_i, d]    (gradient to the maximal entry)

Composed from a gather of rows and its scatter-add adjoint, so second derivatives come free.

Example:
    >>> import nablagrad as torch
    >>> bag = torch.nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag(torch.tensor([1, 2, 4, 5, 4, 3, 2, 9]), torch.tensor([0, 4])).shape
    nablagrad.Size([2, 3])
"""

from __future__ import annotations

from typing import Any

from .. import creation
from ..autograd import no_grad
from ..autograd.function import check_same_device
from ..backend import get_array_module
from ..ops.index import GetItem, IndexAddInto
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["EmbeddingBag", "embedding_bag"]


def _renorm_(weight: Tensor, idx: Any, max_norm: float, norm_type: float) -> None:
    """torch's embedding_renorm_: rows used by ``idx`` with norm > max_norm scaled to it."""
    xp = get_array_module(weight._data)
    rows = xp.unique(idx)
    if not rows.size:
        return
    w = weight._data
    norms = (xp.abs(w[rows]) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if bool(big.any()):
        with no_grad():
            scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
            w[rows[big]] *= scale[:, None]
            weight._version += 1


def _bags(input: Tensor, offsets: Tensor | None, include_last_offset: bool) -> tuple:  # noqa: A002
    """(flat indices, bag id of each, valid positions, number of bags)."""
    xp = get_array_module(input._data)
    idx = input._data
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a "
                "mini-batch of fixed length sequences. However, found offsets of type "
                f"{type(offsets).__name__}"
            )
        b, n = idx.shape
        bag = xp.repeat(xp.arange(b), n)
        return idx.reshape(-1), bag, xp.ones(b * n, dtype=bool), b
    if input.ndim != 1:
        raise ValueError(
            f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}"
        )
    if offsets is None or not isinstance(offsets, Tensor) or offsets.ndim != 1:
        got = "None" if offsets is None else f"{getattr(offsets, 'ndim', '?')}D"
        raise ValueError(f"offsets has to be a 1D Tensor but got {got}")
    if offsets._data.dtype.kind not in "iu":
        raise TypeError(f"embedding_bag: offsets must be an integer tensor, got {offsets.dtype}")
    off = offsets._data.astype(xp.int64)
    total = idx.shape[0]
    if off.size and int(off[0]) != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
            f"from position 0. However, got {int(off[0])}"
        )
    if off.size and int(off[-1]) > total:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {total} but got offsets[-1] "
            f"of {int(off[-1])}"
        )
    if off.size > 1 and bool((off[1:] < off[:-1]).any()):
        raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got {off.tolist()}")
    if include_last_offset:
        if off.size < 1:
            raise RuntimeError("embedding_bag: include_last_offset needs at least one offset")
        starts, end = off[:-1], int(off[-1])
    else:
        starts, end = off, total
    pos = xp.arange(total)
    bag = xp.searchsorted(starts, pos, side="right") - 1
    valid = (pos < end) & (bag >= 0)
    return idx, xp.maximum(bag, 0), valid, int(starts.shape[0])


def embedding_bag(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Sum, mean or max of ``weight``'s rows over each bag of ``input`` (torch's
    ``F.embedding_bag``); returns (bags, embedding_dim).

    Example:
        >>> import nablagrad as torch
        >>> w = torch.arange(6.0).reshape(3, 2)
        >>> torch.nn.functional.embedding_bag(torch.tensor([[0, 2], [1, 1]]), w, mode="sum")
        tensor([[4., 6.],
                [4., 6.]])
    """
    for t, name in ((input, "input"), (weight, "weight")):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"embedding_bag(): argument '{name}' must be Tensor, not {type(t).__name__}"
            )
    if input._data.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.dtype} instead: call .long()"
        )
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub."
        )
    if scale_grad_by_freq or sparse:
        raise NotImplementedError(
            "embedding_bag: scale_grad_by_freq and sparse gradients are not supported in "
            "nablagrad: leave them False"
        )
    check_same_device("embedding_bag", input, weight)
    num, dim = weight.shape
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"padding_idx must be within the number of embeddings {num}")
        padding_idx %= num
    idx, bag, valid, n_bags = _bags(input, offsets, include_last_offset)
    xp = get_array_module(idx)
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= num):
        raise IndexError(
            f"embedding_bag: index out of range: indices must be in [0, {num}), got min "
            f"{int(idx.min())}, max {int(idx.max())}"
        )
    if max_norm is not None:
        _renorm_(weight, idx[valid], float(max_norm), float(norm_type))
    keep = valid if padding_idx is None else valid & (idx != padding_idx)
    pos = xp.nonzero(keep)[0]
    rows = GetItem.apply(weight, index=(idx[pos],), basic=False)  # (K, D)
    bag_k = bag[pos]
    if per_sample_weights is not None:
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(
                f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is "
                f"not None, then it must have the same shape as the input "
                f"({tuple(input.shape)})"
            )
        if per_sample_weights.dtype != weight.dtype:
            raise RuntimeError(
                f"embedding_bag: per_sample_weights has dtype {per_sample_weights.dtype} but "
                f"weight has {weight.dtype}: they must match"
            )
        psw = GetItem.apply(per_sample_weights.reshape(-1), index=(pos,), basic=False)
        rows = rows * psw.unsqueeze(1)
    count = xp.bincount(bag_k, minlength=n_bags)[:n_bags]
    if mode == "max" and pos.size:
        raw = rows._data
        mx = xp.full((n_bags, dim), -xp.inf, dtype=raw.dtype)
        xp.maximum.at(mx, bag_k, raw)
        k = raw.shape[0]
        cand = xp.where(raw == mx[bag_k], xp.arange(k)[:, None], k)
        arg = xp.full((n_bags, dim), k, dtype=xp.int64)
        xp.minimum.at(arg, bag_k, cand)
        out = GetItem.apply(
            rows, index=(xp.minimum(arg, k - 1), xp.arange(dim)[None, :]), basic=False
        )
        if bool((count == 0).any()):
            out = out * Tensor._wrap((count > 0)[:, None].astype(raw.dtype))
        return out
    out = IndexAddInto.apply(rows, index=(bag_k,), shape=(n_bags, dim), basic=False)
    if mode == "mean":
        out = out / Tensor._wrap(xp.maximum(count, 1)[:, None].astype(rows._data.dtype))
    return out


class EmbeddingBag(Module):
    """An ``Embedding`` that reduces each bag of indices to one vector (sum, mean or max)."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Tensor | None = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if padding_idx is not None:
            if padding_idx > 0:
                if padding_idx >= num_embeddings:
                    raise AssertionError("padding_idx must be within num_embeddings")
            elif padding_idx < 0:
                if padding_idx < -num_embeddings:
                    raise AssertionError("padding_idx must be within num_embeddings")
                padding_idx = num_embeddings + padding_idx
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(
                creation.empty(num_embeddings, embedding_dim, device=device, dtype=dtype)
            )
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise AssertionError(
                    "Shape of weight does not match num_embeddings and embedding_dim"
                )
            self.weight = Parameter(_weight)
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(
        self,
        input: Tensor,  # noqa: A002
        offsets: Tensor | None = None,
        per_sample_weights: Tensor | None = None,
    ) -> Tensor:
        """(B, dim) bag vectors of ``input`` (2-D bags, or 1-D cut at ``offsets``)."""
        return embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode='{self.mode}'"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """An EmbeddingBag around the given (rows, dim) matrix; frozen unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(
            rows,
            cols,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            mode,
            sparse,
            embeddings,
            include_last_offset,
            padding_idx,
        )
        bag.weight.requires_grad = not freeze
        return bag
