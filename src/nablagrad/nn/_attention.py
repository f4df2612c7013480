"""Attention functionals: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``
(re-exported by ``nn.functional``), composed from differentiable primitives, so their second
derivatives need no extra code.

    attention(Q, K, V) = softmax(Q K^T * scale + bias) V,   scale = 1 / sqrt(E) by default.

A query row whose keys are all masked out gives zeros (output and gradient), as torch's CPU
kernel does, instead of the NaNs of a plain softmax over ``-inf``.

Example:
    >>> import nablagrad as torch
    >>> import nablagrad.nn.functional as F
    >>> q = k = v = torch.ones(2, 3, 4)
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
    nablagrad.Size([2, 3, 4])
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ..backend import get_array_module
from ..ops.fused import LinearFn, softmax
from ..ops.linalg import baddbmm, bmm, matmul
from ..ops.shape import cat, pad
from ..tensor import Tensor

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


# The SDPA backends ``nn.attention.sdpa_kernel`` allows, as ``SDPBackend`` names (None: all).
# nablagrad has one implementation, the math formula; on the CPU it also stands for torch's CPU
# flash-attention kernel where that kernel applies (``_check_backend``).
allowed_backends: frozenset | None = None
_NO_BACKEND = (
    "No viable backend for scaled_dot_product_attention was found. This is likely due to "
    "turning off both the math kernel and the fused kernels."
)


def _check_backend(query: Tensor, key: Tensor, value: Tensor, dropout_p: float) -> None:
    """torch's choice of an SDPA kernel under ``sdpa_kernel``: MATH runs anything; on the CPU
    FLASH_ATTENTION runs 4-D query/key/value with one last dimension and no dropout (else
    torch's "No available kernel"); EFFICIENT_ATTENTION, CUDNN_ATTENTION and OVERRIDEABLE have
    no CPU kernel.  On an accelerator the math formula stands in for the fused kernels."""
    allowed = allowed_backends
    if allowed is None or "MATH" in allowed:
        return
    if query.device.type != "cpu":
        if allowed & {"FLASH_ATTENTION", "EFFICIENT_ATTENTION", "CUDNN_ATTENTION"}:
            return
        raise RuntimeError(_NO_BACKEND + " Allow SDPBackend.MATH in sdpa_kernel.")
    if "FLASH_ATTENTION" not in allowed:
        raise RuntimeError(
            _NO_BACKEND + " On the CPU only SDPBackend.MATH and SDPBackend.FLASH_ATTENTION have "
            "kernels: allow one of them in sdpa_kernel."
        )
    why = None
    if not query.ndim == key.ndim == value.ndim == 4:
        why = (
            "All fused kernels requires query, key and value to be 4 dimensional, but got Query "
            f"dim: {query.ndim}, Key dim: {key.ndim}, Value dim: {value.ndim} instead."
        )
    elif dropout_p > 0.0:
        why = "Both fused kernels do not support non-zero dropout."
    elif not query.shape[-1] == key.shape[-1] == value.shape[-1]:
        why = (
            "Flash attention requires q,k,v to have the same last dimension. Got "
            f"Query.size(-1): {query.shape[-1]}, Key.size(-1): {key.shape[-1]}, "
            f"Value.size(-1): {value.shape[-1]} instead."
        )
    if why is not None:
        raise RuntimeError(
            f"No available kernel.  Aborting execution. Flash attention kernel not used because: "
            f"{why} Allow SDPBackend.MATH in sdpa_kernel to run it."
        )


def _tensor(x: Any, name: str, fn: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _dropout(x: Tensor, p: float) -> Tensor:
    from . import functional as F  # functional imports this module

    return F.dropout(x, p, training=True)


def _is_float(x: Tensor) -> bool:
    return x._data.dtype.kind == "f"


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value over the last two dims (torch's SDPA).

    ``query`` is (..., L, E), ``key`` (..., S, E), ``value`` (..., S, Ev); the leading dims
    broadcast.  ``attn_mask``: bool (True = take part) or float (added to the scores), shape
    broadcastable to (..., L, S).  ``is_causal``: query i sees keys j <= i (top-left aligned).
    ``dropout_p`` is always applied (pass 0.0 in eval, as torch).  ``enable_gqa``: key/value
    with fewer heads (dim -3) are repeated to the query's head count.

    Example:
        >>> import nablagrad as torch
        >>> import nablagrad.nn.functional as F
        >>> q, k, v = torch.randn(1, 2, 3, 4), torch.randn(1, 2, 5, 4), torch.randn(1, 2, 5, 6)
        >>> F.scaled_dot_product_attention(q, k, v).shape
        nablagrad.Size([1, 2, 3, 6])
    """
    fn = "scaled_dot_product_attention"
    query, key, value = (
        _tensor(t, n, fn) for t, n in ((query, "query"), (key, "key"), (value, "value"))
    )
    for t, n in ((query, "query"), (key, "key"), (value, "value")):
        if t.ndim < 2:
            raise RuntimeError(f"{fn}: {n} must have at least 2 dims (..., L, E), got {t.ndim}-D")
        if not _is_float(t):
            raise RuntimeError(f"{fn}: expected floating point {n}, got {t.dtype}: call .float()")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            f"Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead."
        )
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(
            f"{fn}: query's last dim {query.shape[-1]} != key's {key.shape[-1]}: both are E"
        )
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"{fn}: key has {key.shape[-2]} positions but value {value.shape[-2]}: they must match"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
            "is_causal=True"
        )
    if allowed_backends is not None:  # inside nn.attention.sdpa_kernel
        _check_backend(query, key, value, dropout_p)
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3:
        hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
        if hq % hk or hq % hv:
            raise RuntimeError(
                f"Number of heads in key and value must divide the number of heads in query: "
                f"got {hq} query heads, {hk} key heads, {hv} value heads"
            )
        if hk != hq:
            key = key.repeat_interleave(hq // hk, dim=-3)
        if hv != hq:
            value = value.repeat_interleave(hq // hv, dim=-3)
    n_q, n_k = query.shape[-2], key.shape[-2]
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores = matmul(query, key.transpose(-2, -1)) * factor
    xp = get_array_module(scores._data)
    keep = None  # a host/device bool array: True where a score takes part
    if is_causal:
        keep = xp.tril(xp.ones((n_q, n_k), dtype=bool))
    elif attn_mask is not None:
        attn_mask = _tensor(attn_mask, "attn_mask", fn)
        if attn_mask._data.dtype == bool:
            keep = attn_mask._data
        elif _is_float(attn_mask):
            if attn_mask.dtype != query.dtype:
                raise RuntimeError(
                    f"Expected attn_mask dtype to be bool or float or to match query dtype, "
                    f"but got attn_mask.dtype: {attn_mask.dtype} and query.dtype: {query.dtype}"
                )
            scores = scores + attn_mask
        else:
            raise RuntimeError(
                f"{fn}: attn_mask must be bool or floating point, got {attn_mask.dtype}"
            )
    if keep is not None:
        scores = scores.masked_fill(Tensor._wrap(~keep), float("-inf"))
    dead = xp.isneginf(scores._data).all(axis=-1, keepdims=True)  # rows with no key at all
    if dead.any():
        dead_t = Tensor._wrap(dead)
        weights = softmax(scores.masked_fill(dead_t, 0.0), dim=-1).masked_fill(dead_t, 0.0)
    else:
        weights = softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = _dropout(weights, dropout_p)
    return matmul(weights, value)


def _canonical_mask(
    mask: Tensor | None,
    name: str,
    dtype: Any,
    other: Tensor | None = None,
    other_name: str = "",
) -> Tensor | None:
    """torch's ``_canonical_mask``: a bool mask (True = masked out) becomes 0 / -inf floats.

    Like torch, a UserWarning when ``other`` (the companion mask, before its own conversion)
    has a different dtype.
    """
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"{name} must be a Tensor or None, got {type(mask).__name__}")
    kind = mask._data.dtype.kind
    if kind != "b" and kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    if isinstance(other, Tensor) and other._data.dtype != mask._data.dtype:
        warnings.warn(
            f"Support for mismatched {name} and {other_name} is deprecated. Use same type for "
            "both instead.",
            stacklevel=2,
        )
    if kind == "b":
        xp = get_array_module(mask._data)
        arr = xp.zeros(mask.shape, dtype=dtype)
        arr[mask._data] = -xp.inf
        return Tensor._wrap(arr)
    return mask


def _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads) -> bool:
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key` and `value` to be 3-D"
                f" but found {key.ndim}-D and {value.ndim}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise AssertionError(
                "For batched (3-D) `query`, expected `key_padding_mask` to be `None` or 2-D"
                f" but found {key_padding_mask.ndim}-D tensor instead"
            )
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise AssertionError(
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D"
                f" but found {attn_mask.ndim}-D tensor instead"
            )
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key` and `value` to be 2-D"
                f" but found {key.ndim}-D and {value.ndim}-D tensors respectively"
            )
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise AssertionError(
                "For unbatched (2-D) `query`, expected `key_padding_mask` to be `None` or 1-D"
                f" but found {key_padding_mask.ndim}-D tensor instead"
            )
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise AssertionError(
                    "For unbatched (2-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D"
                    f" but found {attn_mask.ndim}-D tensor instead"
                )
            if attn_mask.ndim == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if tuple(attn_mask.shape) != expected:
                    raise AssertionError(
                        f"Expected `attn_mask` shape to be {expected} but got {attn_mask.shape}"
                    )
        return False
    raise AssertionError(
        f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query "
        "tensor"
    )


def _linear(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    if x._data.dtype != w._data.dtype:
        raise RuntimeError(
            f"multi_head_attention_forward: input dtype {x.dtype} differs from the projection "
            f"weight's {w.dtype}: convert the input (x.float()) or the module (.double())"
        )
    return LinearFn.apply(x, w) if b is None else LinearFn.apply(x, w, b)


def multi_head_attention_forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    embed_dim_to_check: int,
    num_heads: int,
    in_proj_weight: Tensor | None,
    in_proj_bias: Tensor | None,
    bias_k: Tensor | None,
    bias_v: Tensor | None,
    add_zero_attn: bool,
    dropout_p: float,
    out_proj_weight: Tensor,
    out_proj_bias: Tensor | None,
    training: bool = True,
    key_padding_mask: Tensor | None = None,
    need_weights: bool = True,
    attn_mask: Tensor | None = None,
    use_separate_proj_weight: bool = False,
    q_proj_weight: Tensor | None = None,
    k_proj_weight: Tensor | None = None,
    v_proj_weight: Tensor | None = None,
    static_k: Tensor | None = None,
    static_v: Tensor | None = None,
    average_attn_weights: bool = True,
    is_causal: bool = False,
) -> tuple[Tensor, Tensor | None]:
    """torch's multi-head attention on (L, N, E) query and (S, N, E) key/value (or unbatched
    (L, E), (S, E)): project, split into ``num_heads`` heads of E / num_heads, attend, merge,
    project out.  Returns ``(output, weights)``; weights (N, L, S) averaged over heads
    (``average_attn_weights``), (N, num_heads, L, S) otherwise, or None without
    ``need_weights``.  Masks: bool True (or -inf) = masked out.
    """
    fn = "multi_head_attention_forward"
    query, key, value = (
        _tensor(t, n, fn) for t, n in ((query, "query"), (key, "key"), (value, "value"))
    )
    is_batched = _shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    dtype = query._data.dtype
    key_padding_mask = _canonical_mask(
        key_padding_mask, "key_padding_mask", dtype, attn_mask, "attn_mask"
    )
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
            "module method `generate_square_subsequent_mask` to create this mask."
        )
    # is_causal is a hint that attn_mask is causal: the mask itself gives the same result.
    attn_mask = _canonical_mask(attn_mask, "attn_mask", dtype)
    if embed_dim != embed_dim_to_check:
        raise AssertionError(
            f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}"
        )
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"key's sequence and batch dims {key.shape[:2]} do not match value's "
                f"{value.shape[:2]}"
            )
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    # -- input projections
    if in_proj_bias is None:
        b_q = b_k = b_v = None
    else:
        b_q, b_k, b_v = in_proj_bias.chunk(3)
    if use_separate_proj_weight:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError(
                "use_separate_proj_weight is True but q_proj_weight, k_proj_weight or "
                "v_proj_weight is None"
            )
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        w_q, w_k, w_v = in_proj_weight.chunk(3)
    q = _linear(query, w_q, b_q)
    k = _linear(key, w_k, b_k)
    v = _linear(value, w_v, b_v)

    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                    f"{(tgt_len, src_len)}."
                )
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(
                    f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                    f"{(bsz * num_heads, tgt_len, src_len)}."
                )
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    if static_k is None:
        k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        if static_k.shape[0] != bsz * num_heads:
            raise AssertionError(
                f"expecting static_k.size(0) of {bsz * num_heads}, but got {static_k.shape[0]}"
            )
        if static_k.shape[2] != head_dim:
            raise AssertionError(
                f"expecting static_k.size(2) of {head_dim}, but got {static_k.shape[2]}"
            )
        k = static_k
    if static_v is None:
        v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    else:
        if static_v.shape[0] != bsz * num_heads:
            raise AssertionError(
                f"expecting static_v.size(0) of {bsz * num_heads}, but got {static_v.shape[0]}"
            )
        if static_v.shape[2] != head_dim:
            raise AssertionError(
                f"expecting static_v.size(2) of {head_dim}, but got {static_v.shape[2]}"
            )
        v = static_v

    if add_zero_attn:
        zeros = Tensor._wrap(
            get_array_module(k._data).zeros((bsz * num_heads, 1, head_dim), dtype=k._data.dtype)
        )
        k = cat([k, zeros], dim=1)
        v = cat([v, zeros], dim=1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))

    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(
                f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                f"{key_padding_mask.shape}"
            )
        kpm = (
            key_padding_mask.reshape(bsz, 1, 1, src_len)
            .expand(-1, num_heads, -1, -1)
            .reshape(bsz * num_heads, 1, src_len)
        )
        attn_mask = kpm if attn_mask is None else attn_mask + kpm

    if not training:
        dropout_p = 0.0

    if need_weights:
        q_scaled = q * math.sqrt(1.0 / float(head_dim))
        if attn_mask is not None:
            weights = baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            weights = bmm(q_scaled, k.transpose(-2, -1))
        weights = softmax(weights, dim=-1)
        if dropout_p > 0.0:
            weights = _dropout(weights, dropout_p)
        out = bmm(weights, v)
        out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        out = _linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights

    if attn_mask is not None:
        if attn_mask.shape[0] == 1 and attn_mask.ndim == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.reshape(bsz, num_heads, -1, src_len)
    q = q.reshape(bsz, num_heads, tgt_len, head_dim)
    k = k.reshape(bsz, num_heads, src_len, head_dim)
    v = v.reshape(bsz, num_heads, src_len, head_dim)
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p)
    out = out.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    out = _linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not is_batched:
        out = out.squeeze(1)
    return out, None
