"""How tensors cross process boundaries: shared memory handles instead of copies.

:func:`init_reductions` registers reducers with ``multiprocessing``'s pickler (the one used for
``Process`` arguments under the spawn/forkserver start methods, ``Queue``, ``Pipe`` and ``Pool``),
not with ``pickle`` itself, so ``nablagrad.save`` and plain ``pickle.dumps`` still copy values.
As in torch, a CPU tensor sent this way is first moved into shared memory in place
(``share_memory_()``); what travels is a duplicate of the memory's file descriptor plus the
dtype, shape, strides and offset, and the receiver maps the same pages.  ``Parameter`` stays a
``Parameter`` (``requires_grad`` kept); ``.grad`` does not travel (gradients are per process).

Example:
    >>> import nablagrad as torch, nablagrad.multiprocessing as mp
    >>> q = mp.get_context("fork").SimpleQueue()
    >>> t = torch.zeros(2)
    >>> q.put(t); u = q.get()
    >>> _ = u.add_(1); t.tolist(), t.is_shared()
    ([1.0, 1.0], True)
"""

from __future__ import annotations

from multiprocessing.reduction import DupFd, ForkingPickler
from typing import Any

from .. import _shm
from ..backend import np
from ..nn.parameter import Buffer, Parameter
from ..tensor import Tensor

__all__ = ["init_reductions", "reduce_tensor", "rebuild_tensor"]


def _shared_array(t: Tensor) -> Any:
    if type(t._data) is not np.ndarray:
        raise RuntimeError(
            f"cannot send a tensor on {t.device} to another process: nablagrad shares CPU "
            "tensors only. Move it to the CPU before sending it (t.cpu())"
        )
    if t._requires_grad and t._ctx is not None:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd "
            "does not support crossing process boundaries.  If you just want to transfer the "
            "data, call detach() on the tensor before serializing (e.g., putting it on the queue)."
        )
    t.share_memory_()
    return t._data


def reduce_tensor(t: Tensor) -> tuple:
    """The pickling recipe of ``t`` for another process: a handle on its shared memory."""
    block, nbytes, layout = _shm.describe(_shared_array(t))
    kind, extra = "tensor", None
    if isinstance(t, Parameter):
        kind = "parameter"
    elif isinstance(t, Buffer):
        kind, extra = "buffer", t.persistent
    return (rebuild_tensor, (kind, DupFd(block.fd), nbytes, layout, t._requires_grad, extra))


def rebuild_tensor(
    kind: str, fd: Any, nbytes: int, layout: tuple, requires_grad: bool, extra: Any
) -> Tensor:
    """Map the sender's memory and wrap it as the sender's tensor type."""
    dtype, shape, strides, offset = layout
    block = _shm.map_fd(fd.detach(), nbytes)
    arr = _shm.view(block, np.dtype(dtype), shape, strides, offset)
    if kind == "parameter":
        return Parameter(Tensor._wrap(arr), requires_grad)
    if kind == "buffer":
        out: Tensor = Buffer(Tensor._wrap(arr), persistent=extra)
        out._requires_grad = requires_grad
        return out
    out = Tensor._wrap(arr)
    if requires_grad:
        out.requires_grad_(True)
    return out


def init_reductions() -> None:
    """Make ``multiprocessing`` send tensors as shared memory (done on import)."""
    for cls in (Tensor, Parameter, Buffer):
        ForkingPickler.register(cls, reduce_tensor)
