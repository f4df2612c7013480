"""torch's ``autograd.graph``: hooks on the tensors the graph saves for backward.

A node records, per primitive, the tensors its backward reads (``autograd/saved.py``: ``a * b``
keeps ``a`` and ``b``, ``x.exp()`` its output, ``x + y`` nothing).  Inside
``saved_tensors_hooks(pack_hook, unpack_hook)`` each of those tensors is handed to
``pack_hook`` when the node is recorded, the node keeps only what the hook returns, and the
backward reads ``unpack_hook(packed)`` in its place (``Function.apply`` packs, the engine
unpacks: ``engine._unpacked``).  Custom ``autograd.Function``s pack what ``ctx.save_for_backward``
got and unpack at each ``ctx.saved_tensors``.

Example:
    >>> import nablagrad as torch
    >>> seen = []
    >>> def pack(t):
    ...     seen.append(tuple(t.shape))
    ...     return t.clone()
    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
    ...     y = (a * a.exp()).sum()
    >>> seen  # exp keeps its output, mul both operands
    [(2,), (2,), (2,)]
    >>> y.backward()
    >>> a.grad  # (1 + a) e^a
    tensor([ 5.4366, 22.1672])

Not provided (torch's graph-introspection and CUDA-stream extras): ``register_multi_grad_hook``,
``allow_mutation_on_saved_tensors``, ``GradientEdge``/``get_gradient_edge``,
``Node.register_hook``/``register_prehook``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..tensor import Tensor
from . import function as _function
from .function import Function as Node

__all__ = [
    "Node",
    "saved_tensors_hooks",
    "save_on_cpu",
    "disable_saved_tensors_hooks",
    "increment_version",
]

# ``saved_tensors_hooks`` in force, outermost first (the last one is ``function._saved_hooks``).
_stack: list = []
# The messages of the ``disable_saved_tensors_hooks`` in force, outermost first.
_disabled: list = []


class saved_tensors_hooks:  # noqa: N801 - torch's name
    """Context manager: tensors saved for backward go through ``pack_hook`` when saved and come
    back through ``unpack_hook`` when the backward reads them.

    ``pack_hook(tensor) -> Any`` gets each saved Tensor itself (an input of the op, or its
    output with its ``grad_fn``) and may return any object; it should not change the tensor
    in place.  ``unpack_hook(packed) -> Tensor`` must return a Tensor of the saved tensor's
    shape (else TypeError / RuntimeError at backward).  The hooks are fixed on each node when it
    is recorded, so the backward uses the hooks in force at forward time; with nested managers
    the innermost wins.  Ops recorded without grad (``no_grad``, no input requiring grad) save
    nothing and call no hook.  A tensor a hook packed is not checked for in-place changes
    (torch leaves that to the hooks).  Entering raises RuntimeError inside
    ``disable_saved_tensors_hooks``.  ``with`` binds ``None``, as torch.

    Example (keep the saved tensors as half-precision copies):
        >>> import nablagrad as torch
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> pack = lambda t: t.detach().half()
        >>> unpack = lambda p: p.float()
        >>> with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        ...     y = (x * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([2., 4.])
    """

    def __init__(
        self, pack_hook: Callable[[Tensor], Any], unpack_hook: Callable[[Any], Tensor]
    ) -> None:
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> None:
        if _disabled:
            raise RuntimeError(_disabled[-1])
        _stack.append((self.pack_hook, self.unpack_hook))
        _function._saved_hooks = _stack[-1]

    def __exit__(self, *exc: object) -> None:
        _stack.pop()
        _function._saved_hooks = _stack[-1] if _stack else None


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - torch's name
    """``saved_tensors_hooks`` that keep every saved tensor in CPU memory and move it back to
    its device when the backward reads it (torch's way to trade GPU memory for transfers).

    On the CPU this only keeps the tensors (as torch).  ``pin_memory`` is accepted and has no
    effect here (nablagrad has no pinned host memory); ``device_type`` names the accelerator
    torch would check, and is not used: a tensor returns to the device it came from.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> with torch.autograd.graph.save_on_cpu():
        ...     y = (x.exp() * x).sum()
        >>> y.backward()
        >>> x.grad
        tensor([ 5.4366, 22.1672])
    """

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        self.pin_memory = pin_memory
        self.device_type = device_type

        def pack_to_cpu(t: Tensor) -> tuple:
            if t.device.type == "cpu":
                return (t.device, t)
            return (t.device, t.detach().to("cpu"))

        def unpack_from_cpu(packed: tuple) -> Tensor:
            device, t = packed
            return t if t.device == device else t.to(device)

        super().__init__(pack_to_cpu, unpack_from_cpu)


class disable_saved_tensors_hooks:  # noqa: N801 - torch's name
    """Context manager under which entering ``saved_tensors_hooks`` raises RuntimeError with
    ``error_message`` (for code whose saved tensors must not be swapped out).  Entering it while
    hooks are in force raises too.  Ops recorded inside save their tensors as usual.

    Example:
        >>> import nablagrad as torch
        >>> with torch.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
        ...     with torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        ...         pass
        Traceback (most recent call last):
        RuntimeError: no hooks here
    """

    def __init__(self, error_message: str) -> None:
        self.error_message = error_message

    def __enter__(self) -> None:
        if _stack:
            raise RuntimeError(self.error_message)
        _disabled.append(self.error_message)

    def __exit__(self, *exc: object) -> None:
        _disabled.pop()


def increment_version(tensor: Tensor | Iterable[Tensor]) -> None:
    """Add one to the version counter of ``tensor`` (or of each tensor in an iterable), as an
    in-place change would: a node that saved it then refuses to run its backward.

    Example:
        >>> import nablagrad as torch
        >>> t = torch.ones(2)
        >>> before = t._version
        >>> torch.autograd.graph.increment_version(t)
        >>> t._version > before
        True
    """
    tensors = [tensor] if isinstance(tensor, Tensor) else list(tensor)
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(
                f"increment_version expects a Tensor or an iterable of Tensors, got "
                f"{type(t).__name__}"
            )
    for t in tensors:
        t._bump_version()
