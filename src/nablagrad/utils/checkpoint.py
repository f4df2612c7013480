"""``torch.utils.checkpoint``: ``checkpoint`` and ``checkpoint_sequential``.

torch's checkpointing trades compute for memory: the forward runs without keeping activations
and backward runs the function again.  nablagrad runs the function once, recording as usual:
the values and gradients are the ones torch's checkpoint gives (torch restores the random state
for the recomputation, so even dropout agrees), only the activation memory is not saved.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.utils.checkpoint import checkpoint
    >>> lin = torch.nn.Linear(3, 2)
    >>> x = torch.ones(4, 3, requires_grad=True)
    >>> checkpoint(lin, x, use_reentrant=False).sum().backward()
    >>> x.grad.shape
    nablagrad.Size([4, 3])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(
    function: Callable,
    *args: Any,
    use_reentrant: bool | None = None,
    context_fn: Callable | None = None,
    determinism_check: str = "default",
    debug: bool = False,
    preserve_rng_state: bool = True,
    **kwargs: Any,
) -> Any:
    """``function(*args, **kwargs)``, with torch's values and gradients (see the module doc)."""
    if use_reentrant is not False and kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if context_fn is not None:
        fwd_ctx, _ = context_fn()
        with fwd_ctx:
            return function(*args, **kwargs)
    return function(*args, **kwargs)


def checkpoint_sequential(
    functions: Any, segments: int, input: Any, use_reentrant: bool | None = None, **kwargs: Any
) -> Any:
    """Run a ``Sequential`` (or a list of modules) on ``input`` in order, as torch's does."""
    if segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be >= 1, got {segments}")
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    for fn in functions:
        input = fn(input)
    return input
