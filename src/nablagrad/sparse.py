"""``nablagrad.sparse`` (torch.sparse): functions on sparse COO tensors.

The layout itself (``COOArray``) is in ``nablagrad/_coo.py``, the operations in
``nablagrad/ops/sparse.py``; creation is ``nablagrad.sparse_coo_tensor`` or
``Tensor.to_sparse()``.

Example:
    >>> import nablagrad as torch
    >>> s = torch.tensor([[0.0, 2.0], [3.0, 0.0]]).to_sparse()
    >>> torch.sparse.mm(s, torch.ones(2, 1)).tolist()
    [[2.0], [3.0]]
"""

from __future__ import annotations

from .ops.sparse import sparse_addmm as addmm
from .ops.sparse import sparse_log_softmax as log_softmax
from .ops.sparse import sparse_mm as mm
from .ops.sparse import sparse_softmax as softmax
from .ops.sparse import sparse_sum as sum  # noqa: A004

__all__ = ["addmm", "log_softmax", "mm", "softmax", "sum"]
