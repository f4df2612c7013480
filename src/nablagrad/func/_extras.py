"""The small members of torch.func: functionalize, replace_all_batch_norm_modules_,
debug_unwrap."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


def functionalize(func: Callable, *, remove: str = "mutations") -> Callable:
    """``torch.func.functionalize``: a function with the same results as ``func``.

    torch rewrites in-place operations (and, with ``remove="mutations_and_views"``, views) as
    out-of-place ones for its graph-capturing backends; nablagrad runs eagerly and its
    transforms already handle in-place ops, so the returned function simply calls ``func``
    (same values, same mutation of its inputs as torch's functionalized function, which
    copies results back into mutated inputs).

    >>> import nablagrad as torch
    >>> torch.func.functionalize(lambda x: x.mul_(2))(torch.ones(2))
    tensor([2., 2.])
    """
    if remove not in ("mutations", "mutations_and_views"):
        raise RuntimeError(
            "functionalize(f, remove='mutations'): received invalid argument for remove="
            f"{remove}. Valid options are:\n     remove='mutations': all inplace and out= "
            "operators will be removed from the program, and replaced with their out-of-place "
            "equivalents.\n     remove='mutations_and_views': In addition to the above, all "
            "aliasing operators {view} will be replaced with their non-aliasing counterparts, "
            "{view}_copy.\n"
        )

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def replace_all_batch_norm_modules_(root: Any) -> Any:
    """Stop every batch norm in ``root`` from tracking running statistics (in place), as
    ``torch.func.replace_all_batch_norm_modules_``: they then normalise with batch statistics,
    which is what ``vmap`` over a model in training mode needs."""
    for m in root.modules():
        if type(m).__name__.startswith(("BatchNorm", "SyncBatchNorm", "LazyBatchNorm")) or (
            hasattr(m, "track_running_stats") and hasattr(m, "running_mean")
        ):
            m.running_mean = None
            m.running_var = None
            if "num_batches_tracked" in getattr(m, "_buffers", {}):
                m.num_batches_tracked = None
            m.track_running_stats = False
    return root


def debug_unwrap(tensor: Any, *, recurse: bool = True) -> Any:
    """``torch.func.debug_unwrap``: nablagrad's transforms pass plain tensors (no wrappers),
    so this returns ``tensor`` itself."""
    return tensor
