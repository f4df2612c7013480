"""``nablagrad.compiler``: torch.compiler's switches and decorators for an eager framework.

nablagrad runs every operation eagerly and :func:`nablagrad.compile` returns the model
unchanged (``runtime.py``): there is no graph to capture, break or guard.  So each function
here does what torch's does for code that is *not* being compiled: ``disable``,
``allow_in_graph``, ``assume_constant_result`` and ``nested_compile_region`` hand back a
function computing the same values, ``is_compiling`` and friends are False, ``reset`` and
``cudagraph_mark_step_begin`` have nothing to clear, and the settings (``set_stance``,
``set_default_backend``, ``set_enable_guard_collectives``) are recorded and read back as
torch's are, with torch's argument checks.  ``wrap_numpy`` runs a NumPy function on tensors,
as torch's does outside a compiled region.

Example:
    >>> import nablagrad as torch
    >>> @torch.compiler.disable
    ... def double(x):
    ...     return 2 * x
    >>> double(torch.tensor([1.0, 2.0]))
    tensor([2., 4.])
    >>> torch.compiler.is_compiling()
    False
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .backend import is_array, np
from .creation import from_numpy
from .runtime import compile  # noqa: A004 - torch.compiler.compile is torch.compile
from .tensor import Tensor

__all__ = [
    "compile",
    "assume_constant_result",
    "reset",
    "allow_in_graph",
    "disable",
    "set_default_backend",
    "get_default_backend",
    "set_stance",
    "set_enable_guard_collectives",
    "cudagraph_mark_step_begin",
    "wrap_numpy",
    "is_compiling",
    "is_dynamo_compiling",
    "is_exporting",
    "save_cache_artifacts",
    "nested_compile_region",
]

_state: dict[str, Any] = {"backend": "inductor", "stance": "default", "guard_collectives": False}


def is_compiling() -> bool:
    """Whether the caller runs inside ``torch.compile``'s tracing: never in nablagrad."""
    return False


def is_dynamo_compiling() -> bool:
    """Whether Dynamo is tracing the caller: never in nablagrad."""
    return False


def is_exporting() -> bool:
    """Whether ``torch.export`` is tracing the caller: never in nablagrad."""
    return False


def reset() -> None:
    """Clear the compiler's in-process caches: nablagrad compiles nothing, so there are none."""


def cudagraph_mark_step_begin() -> None:
    """Mark the start of a CUDA-graph step: nablagrad records no CUDA graphs, so a no-op."""


def save_cache_artifacts() -> None:
    """The compiler's cache artifacts to save: ``None``, as torch returns when it compiled
    nothing."""
    return None


def _check_callable(fn: Any, who: str) -> None:
    if not callable(fn):
        raise AssertionError(f"{who} expects a callable")


def assume_constant_result(fn: Callable) -> Callable:
    """Tell the compiler ``fn``'s result is a constant: ``fn`` itself (eager calls run it)."""
    return fn


def allow_in_graph(fn: Any) -> Any:
    """Let the compiler put ``fn`` into its graph unexamined: ``fn`` itself here (a list or
    tuple of functions comes back as the same kind of sequence); not callable raises."""
    if isinstance(fn, (list, tuple)):
        return type(fn)(allow_in_graph(f) for f in fn)
    _check_callable(fn, "allow_in_graph")
    return fn


class _DisableDecorator:
    """What ``disable()`` without a function returns: a decorator (not a context manager)."""

    def __init__(self, recursive: bool, reason: str | None) -> None:
        self.recursive, self.reason = recursive, reason

    def __call__(self, fn: Callable) -> Callable:
        return disable(fn, self.recursive, reason=self.reason)

    def __enter__(self) -> None:
        raise RuntimeError(
            "torch.compiler.disable() is used with a context manager: use it as a decorator "
            "(@torch.compiler.disable) instead, as in torch"
        )

    def __exit__(self, *exc: Any) -> None:
        return None


def disable(
    fn: Callable | None = None, recursive: bool = True, *, reason: str | None = None
) -> Any:
    """Keep the compiler out of ``fn`` (and, ``recursive``, what it calls): a wrapper that runs
    ``fn`` eagerly (which is how nablagrad runs everything).  ``disable()`` without a function
    is a decorator; as in torch it is not a context manager.

    Example:
        >>> import nablagrad as torch
        >>> @torch.compiler.disable(recursive=False, reason="logging")
        ... def log(x):
        ...     return x + 1
        >>> log(1)
        2
    """
    if fn is None:
        return _DisableDecorator(recursive, reason)
    _check_callable(fn, "disable")

    @functools.wraps(fn)
    def run_eagerly(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    run_eagerly._torchdynamo_disable = True  # type: ignore[attr-defined]
    return run_eagerly


def set_default_backend(backend: str | Callable[..., Any] | None) -> None:
    """Set the backend ``compile`` uses by default (``None``: back to ``"inductor"``); nablagrad
    records it for :func:`get_default_backend`, and compiles eagerly whatever it is.

    Example:
        >>> import nablagrad as torch
        >>> torch.compiler.set_default_backend("eager")
        >>> torch.compiler.get_default_backend()
        'eager'
        >>> torch.compiler.set_default_backend(None)
        >>> torch.compiler.get_default_backend()
        'inductor'
    """
    if backend is None:
        backend = "inductor"
    elif not (isinstance(backend, str) or callable(backend)):
        raise TypeError(f"backend must be a string or callable, got {type(backend)}")
    _state["backend"] = backend


def get_default_backend() -> str | Callable[..., Any]:
    """The backend set by :func:`set_default_backend` (initially ``"inductor"``)."""
    return _state["backend"]


def set_enable_guard_collectives(enabled: bool) -> bool:
    """Record whether guard evaluation should be synchronised across ranks (nablagrad has no
    guards); returns the previous setting, as torch's."""
    prior = _state["guard_collectives"]
    _state["guard_collectives"] = bool(enabled)
    return prior


class set_stance:  # noqa: N801 - torch's name
    """Set how ``compile``d functions behave (``"default"``, ``"force_eager"``,
    ``"eager_on_recompile"``, ``"fail_on_recompile"`` ...), as a call, a context manager or a
    decorator, as torch's; nablagrad runs eagerly under every stance, so the stance is only
    recorded (and restored when the block or decorated call ends).

    Example:
        >>> import nablagrad as torch
        >>> with torch.compiler.set_stance("force_eager"):
        ...     torch.compiler.set_stance("default", force_backend="eager") is not None
        True
    """

    def __init__(
        self,
        stance: str = "default",
        *,
        skip_guard_eval_unsafe: bool = False,
        force_backend: str | Callable[..., Any] | None = None,
    ) -> None:
        if force_backend is not None and stance != "default":
            raise RuntimeError("non-default stance cannot have force_backend set")
        self.stance = stance
        self.prev = _state["stance"]
        _state["stance"] = stance

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        _state["stance"] = self.prev

    def __call__(self, fn: Callable) -> Callable:
        _state["stance"] = self.prev  # as a decorator it applies only while fn runs
        stance = self.stance

        @functools.wraps(fn)
        def with_stance(*args: Any, **kwargs: Any) -> Any:
            prior = _state["stance"]
            _state["stance"] = stance
            try:
                return fn(*args, **kwargs)
            finally:
                _state["stance"] = prior

        return with_stance


def nested_compile_region(
    fn: Callable | None = None,
    *,
    options: Any = None,
    max_reuse_entries: int = 8,
    reuse_hash_fn: Callable | None = None,
) -> Any:
    """Mark ``fn`` as a region the compiler may compile once and reuse: eagerly, a wrapper that
    calls it (``nested_compile_region()`` is a decorator)."""
    if options is not None:
        raise RuntimeError(
            "nested_compile_region config is an experimental feature for testing only."
        )
    if fn is None:
        return functools.partial(
            nested_compile_region, max_reuse_entries=max_reuse_entries, reuse_hash_fn=reuse_hash_fn
        )
    _check_callable(fn, "nested_compile_region")

    @functools.wraps(fn)
    def region(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return region


def wrap_numpy(fn: Callable) -> Callable:
    """Make a NumPy function ``ndarray -> ndarray`` a ``Tensor -> Tensor`` one, as torch's does
    outside a compiled region: tensor arguments (also inside lists, tuples and dicts) become
    arrays (``Tensor.numpy()``: a tensor that requires grad raises), array results become
    tensors; other values pass unchanged (a NumPy scalar stays one, as in torch).

    Example:
        >>> import numpy as np
        >>> import nablagrad as torch
        >>> @torch.compiler.wrap_numpy
        ... def sq(a):
        ...     return a * a
        >>> sq(torch.arange(3.0))
        tensor([0., 1., 4.])
    """

    def to_arrays(v: Any) -> Any:
        if isinstance(v, Tensor):
            return v.numpy()
        if isinstance(v, (list, tuple)):
            return type(v)(to_arrays(e) for e in v)
        if isinstance(v, dict):
            return {k: to_arrays(e) for k, e in v.items()}
        return v

    def to_tensors(v: Any) -> Any:
        if is_array(v) and not isinstance(v, np.generic):
            return from_numpy(v)
        if isinstance(v, (list, tuple)):
            return type(v)(to_tensors(e) for e in v)
        if isinstance(v, dict):
            return {k: to_tensors(e) for k, e in v.items()}
        return v

    @functools.wraps(fn)
    def wrap(*args: Any, **kwargs: Any) -> Any:
        return to_tensors(fn(*to_arrays(args), **to_arrays(kwargs)))

    return wrap
