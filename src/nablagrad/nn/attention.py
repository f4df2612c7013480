"""``MultiheadAttention`` (torch.nn.MultiheadAttention: same parameters, state_dict keys,
initialisation and results), and torch's ``nn.attention``: ``SDPBackend`` and ``sdpa_kernel``,
which choose the kernels ``F.scaled_dot_product_attention`` may use.

    MultiHead(Q, K, V) = concat(head_1, ..., head_h) W_o^T + b_o,
    head_i = softmax((Q W_q,i^T)(K W_k,i^T)^T / sqrt(E / h) + mask) (V W_v,i^T)

Parameters: ``in_proj_weight`` (3E, E) when key and value have the query's width, else
``q_proj_weight``/``k_proj_weight``/``v_proj_weight``; ``in_proj_bias`` (3E); ``bias_k``/
``bias_v`` (1, 1, E) with ``add_bias_kv``; ``out_proj`` a Linear(E, E).

Example:
    >>> import nablagrad as torch
    >>> mha = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = torch.randn(3, 5, 8)
    >>> out, w = mha(x, x, x)
    >>> out.shape, w.shape
    (nablagrad.Size([3, 5, 8]), nablagrad.Size([3, 5, 5]))
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from typing import Any

from .. import creation
from ..tensor import Tensor
from . import _attention, init
from ._attention import _canonical_mask, multi_head_attention_forward
from .linear import Linear
from .module import Module
from .parameter import Parameter

__all__ = ["MultiheadAttention", "NonDynamicallyQuantizableLinear", "SDPBackend", "sdpa_kernel"]


class SDPBackend(enum.Enum):
    """The kernels of ``scaled_dot_product_attention`` (torch's values).

    nablagrad has one implementation, the math formula (``MATH``); on the CPU it also runs what
    torch's CPU ``FLASH_ATTENTION`` kernel accepts.  ``EFFICIENT_ATTENTION``,
    ``CUDNN_ATTENTION`` and ``OVERRIDEABLE`` have no CPU kernel in torch either; ``ERROR`` is
    torch's "no backend" value.

    Example:
        >>> from nablagrad.nn.attention import SDPBackend
        >>> SDPBackend.MATH, int(SDPBackend.FLASH_ATTENTION)
        (<SDPBackend.MATH: 0>, 1)
    """

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __int__(self) -> int:
        return self.value


@contextlib.contextmanager
def sdpa_kernel(
    backends: list[SDPBackend] | SDPBackend, set_priority: bool = False
) -> Iterator[None]:
    """Context manager: ``F.scaled_dot_product_attention`` may use only ``backends`` (one
    ``SDPBackend`` or a list of them) inside it; the previous choice is restored on exit.

    As torch on the CPU: a list with ``MATH`` runs every call; ``FLASH_ATTENTION`` (without
    ``MATH``) runs 4-D query/key/value with one last dimension and ``dropout_p=0`` and raises
    RuntimeError "No available kernel" for anything else; a list with neither (e.g. only
    ``EFFICIENT_ATTENTION``, or empty) raises RuntimeError "No viable backend" at the call.
    On an accelerator any of MATH, FLASH_ATTENTION, EFFICIENT_ATTENTION and CUDNN_ATTENTION
    runs the math formula.  ``set_priority`` (the list's order as preference) is accepted; with
    one implementation the order changes nothing.

    Example:
        >>> import nablagrad as torch
        >>> import nablagrad.nn.functional as F
        >>> from nablagrad.nn.attention import SDPBackend, sdpa_kernel
        >>> q = torch.ones(1, 2, 3, 4)
        >>> with sdpa_kernel([SDPBackend.MATH, SDPBackend.FLASH_ATTENTION]):
        ...     F.scaled_dot_product_attention(q, q, q).shape
        nablagrad.Size([1, 2, 3, 4])
        >>> with sdpa_kernel(SDPBackend.EFFICIENT_ATTENTION):
        ...     F.scaled_dot_product_attention(q, q, q)
        Traceback (most recent call last):
        RuntimeError: No viable backend for scaled_dot_product_attention was found. ...
    """
    chosen = [backends] if isinstance(backends, SDPBackend) else backends
    if not isinstance(chosen, list) or not all(isinstance(b, SDPBackend) for b in chosen):
        raise AssertionError(
            "Backend must be an instance of SDPBackend or a list of SDPBackend instances, got "
            f"{type(backends).__name__}"
        )
    previous = _attention.allowed_backends
    _attention.allowed_backends = frozenset(b.name for b in chosen)
    try:
        yield
    finally:
        _attention.allowed_backends = previous


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under torch's name for ``MultiheadAttention.out_proj`` (same repr)."""


class MultiheadAttention(Module):
    """Multi-head attention over (L, N, E) inputs ((N, L, E) with ``batch_first``, or
    unbatched (L, E)); ``forward`` returns ``(output, weights)`` as torch."""

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                f"and num_heads={num_heads} instead"
            )
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")

        def empty(*shape: int) -> Parameter:
            return Parameter(creation.empty(*shape, device=device, dtype=dtype))

        if not self._qkv_same_embed_dim:
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = empty(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(
            embed_dim, embed_dim, bias=bias, device=device, dtype=dtype
        )
        if add_bias_kv:
            self.bias_k = empty(1, 1, embed_dim)
            self.bias_v = empty(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend ``query`` to ``key``/``value``.  ``key_padding_mask`` (N, S): True (or -inf)
        = ignore that key; ``attn_mask`` (L, S) or (N * num_heads, L, S): True (or -inf) = not
        allowed, float = added.  Returns ``(output, weights or None)``."""
        for t, n in ((query, "query"), (key, "key"), (value, "value")):
            if not isinstance(t, Tensor):
                raise TypeError(f"MultiheadAttention: {n} must be a Tensor, got {type(t).__name__}")
        is_batched = query.ndim == 3
        dtype = query._data.dtype
        key_padding_mask = _canonical_mask(
            key_padding_mask, "key_padding_mask", dtype, attn_mask, "attn_mask"
        )
        attn_mask = _canonical_mask(attn_mask, "attn_mask", dtype)
        if self.batch_first and is_batched:
            query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        kwargs: dict[str, Any] = {}
        if not self._qkv_same_embed_dim:
            kwargs = dict(
                use_separate_proj_weight=True,
                q_proj_weight=self.q_proj_weight,
                k_proj_weight=self.k_proj_weight,
                v_proj_weight=self.v_proj_weight,
            )
        out, weights = multi_head_attention_forward(
            query,
            key,
            value,
            self.embed_dim,
            self.num_heads,
            self.in_proj_weight,
            self.in_proj_bias,
            self.bias_k,
            self.bias_v,
            self.add_zero_attn,
            self.dropout,
            self.out_proj.weight,
            self.out_proj.bias,
            training=self.training,
            key_padding_mask=key_padding_mask,
            need_weights=need_weights,
            attn_mask=attn_mask,
            average_attn_weights=average_attn_weights,
            is_causal=is_causal,
            **kwargs,
        )
        if self.batch_first and is_batched:
            return out.transpose(1, 0), weights
        return out, weights
