"""torch.jit without a compiler: ``script``, ``trace``, ``save``/``load`` and the decorators.

nablagrad runs every model eagerly.  ``torch.jit.script(model)`` and
``torch.jit.trace(model, x)`` return wrappers (:class:`ScriptModule`, :class:`ScriptFunction`)
that run the original Python code, with the same outputs and gradients and the same
parameters, so code written for TorchScript runs unchanged; it does not run faster, there
is no TorchScript code or graph (``.code``/``.graph`` raise ``AttributeError``), and nothing is
type-checked.  :func:`save` writes a safetensors file (weights by ``state_dict`` name plus the
pickled module tree) that :func:`load` reads back; loading needs the module classes
importable, unlike a TorchScript archive.  The helpers that scripted code calls behave as in
eager PyTorch: :func:`ignore`, :func:`unused`, :func:`export` mark functions,
:func:`annotate` returns its value, :func:`is_scripting` is False, :func:`fork` runs the call
at once.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad import nn
    >>> net = nn.Sequential(nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 2))
    >>> x = torch.randn(size=(1, 512))
    >>> scripted = torch.jit.script(net)
    >>> bool((scripted(x) == net(x)).all())
    True
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from typing import Any, Final

from ._script import (
    Error,
    RecursiveScriptModule,
    _deprecated,
    ScriptFunction,
    ScriptModule,
    freeze,
    optimize_for_inference,
    script,
    script_method,
)
from ._serialization import load, save
from ._trace import (
    TopLevelTracedModule,
    TracedModule,
    TracerWarning,
    TracingCheckError,
    is_tracing,
    trace,
)

__all__ = [
    "Error",
    "Final",
    "Future",
    "RecursiveScriptModule",
    "ScriptFunction",
    "ScriptModule",
    "TopLevelTracedModule",
    "TracedModule",
    "TracerWarning",
    "TracingCheckError",
    "annotate",
    "export",
    "fork",
    "freeze",
    "ignore",
    "is_scripting",
    "is_tracing",
    "load",
    "optimize_for_inference",
    "save",
    "script",
    "script_method",
    "trace",
    "unused",
    "wait",
]

# ``Final`` is typing.Final, as torch.jit.Final: ``x: torch.jit.Final[int] = 3`` marks a constant.


def is_scripting() -> bool:
    """False: nablagrad never compiles, so code always runs as Python (torch.jit.is_scripting
    is False outside TorchScript too).

    Example:
        >>> import nablagrad as torch
        >>> torch.jit.is_scripting()
        False
    """
    return False


def annotate(the_type: Any, the_value: Any) -> Any:
    """torch.jit.annotate: a type hint for the compiler; returns ``the_value``.

    Example:
        >>> import nablagrad as torch
        >>> from typing import List
        >>> torch.jit.annotate(List[int], [])
        []
    """
    return the_value


def export(fn: Callable) -> Callable:
    """torch.jit.export: mark a method to compile although ``forward`` does not call it (it is
    then callable on the scripted module, as every method is here); returns ``fn``.

    Example:
        >>> import nablagrad as torch
        >>> class M(torch.nn.Module):
        ...     @torch.jit.export
        ...     def twice(self, x):
        ...         return 2 * x
        ...     def forward(self, x):
        ...         return x
        >>> torch.jit.script(M()).twice(torch.tensor(3.0)).item()
        6.0
    """
    fn._torchscript_modifier = "export (compile this function even if nothing calls it)"  # type: ignore[attr-defined]
    return fn


def unused(fn: Any) -> Any:
    """torch.jit.unused: leave a method out of the script; a scripted module's ``forward``
    that calls it raises :class:`Error`, while calling it from Python still runs it (torch's
    behaviour).  Works on properties too; returns ``fn``.

    Example:
        >>> import nablagrad as torch
        >>> class M(torch.nn.Module):
        ...     @torch.jit.unused
        ...     def debug(self, x):
        ...         return x + 10
        ...     def forward(self, x):
        ...         return self.debug(x)
        >>> m = torch.jit.script(M())
        >>> m.debug(torch.tensor(1.0)).item()
        11.0
        >>> m(torch.tensor(1.0))
        Traceback (most recent call last):
        ...
        nablagrad.jit._script.Error: ... M.debug() is marked @torch.jit.unused ...
    """
    modifier = "unused (ignored and replaced with raising of an exception)"
    if isinstance(fn, property):
        for part in (fn.fget, fn.fset):
            if part is not None:
                part._torchscript_modifier = modifier
        return fn
    fn._torchscript_modifier = modifier
    return fn


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """torch.jit.ignore: leave a function as a Python call (here everything is one); with
    ``drop=True`` it is :func:`unused` instead.  ``@ignore`` and ``@ignore(drop=True)`` both
    work; returns the function.

    Example:
        >>> import nablagrad as torch
        >>> @torch.jit.ignore
        ... def f(x):
        ...     return x + 1
        >>> f(1)
        2
    """
    if callable(drop):
        drop._torchscript_modifier = (
            "ignore (leave as a call to Python, cannot be torch.jit.save'd)"
        )
        return drop
    if not isinstance(drop, bool):
        raise RuntimeError(
            f"Argument to @torch.jit.ignore must be a bool or a function but got {drop}"
        )
    if kwargs.get("drop_on_export") or drop:
        which = "drop_on_export=True" if kwargs.get("drop_on_export") else "True"
        warnings.warn(  # torch's text, its stray "{}" included
            f"ignore({which}) has been deprecated. TorchScript will now drop the function call "
            "on compilation. Use torch.jit.unused now. {}",
            FutureWarning,
            stacklevel=2,
        )
        return unused
    return ignore


class Future:
    """torch.jit.Future (torch.futures.Future): a value that :func:`fork` computed.

    ``wait()`` blocks until ``set_result``/``set_exception`` (``fork`` sets the result before
    returning it) and returns the value or raises the exception.

    Example:
        >>> import nablagrad as torch
        >>> fut = torch.jit.Future()
        >>> fut.done()
        False
        >>> fut.set_result(3)
        >>> fut.wait(), fut.then(lambda f: f.value() + 1).wait()
        (3, 4)
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._result: Any = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable] = []

    def done(self) -> bool:
        return self._event.is_set()

    def set_result(self, result: Any) -> None:
        self._finish(result, None)

    def set_exception(self, result: BaseException) -> None:
        if not isinstance(result, BaseException):
            raise TypeError(f"set_exception() expects an exception, got {type(result).__name__}")
        self._finish(None, result)

    def _finish(self, result: Any, error: BaseException | None) -> None:
        if self.done():
            raise RuntimeError("Future can only be marked completed once.")
        self._result, self._error = result, error
        self._event.set()
        for cb in self._callbacks:
            cb(self)

    def wait(self) -> Any:
        self._event.wait()
        return self.value()

    def value(self) -> Any:
        if not self.done():
            raise RuntimeError("value() called on a Future that is not completed yet")
        if self._error is not None:
            raise self._error
        return self._result

    def add_done_callback(self, callback: Callable[[Future], None]) -> None:
        if self.done():
            callback(self)
        else:
            self._callbacks.append(callback)

    def then(self, callback: Callable[[Future], Any]) -> Future:
        out = Future()

        def run(fut: Future) -> None:
            try:
                out.set_result(callback(fut))
            except Exception as e:  # noqa: BLE001 - handed to the waiter, as torch does
                out.set_exception(e)

        self.add_done_callback(run)
        return out


def fork(func: Callable, *args: Any, **kwargs: Any) -> Future:
    """torch.jit.fork: call ``func(*args, **kwargs)`` and return a completed :class:`Future`.

    As in eager PyTorch the call runs at once, on this thread (only TorchScript runs forks
    in parallel); an exception is raised here, not at ``wait``.

    Example:
        >>> import nablagrad as torch
        >>> fut = torch.jit.fork(torch.add, torch.ones(2), 1)
        >>> torch.jit.wait(fut)
        tensor([2., 2.])
    """
    _deprecated("fork", "use `torch.compile` instead")
    if not callable(func):
        raise TypeError(f"Object of type '{type(func).__name__}' is not an instance of 'function'")
    fut = Future()
    fut.set_result(func(*args, **kwargs))
    return fut


def wait(future: Future) -> Any:
    """torch.jit.wait: the value of a :func:`fork` future (``future.wait()``).

    Example:
        >>> import nablagrad as torch
        >>> torch.jit.wait(torch.jit.fork(lambda: 7))
        7
    """
    _deprecated("wait", "use `torch.compile` instead")
    if not isinstance(future, Future):
        raise TypeError(
            "wait(): expected a torch.jit.Future (from torch.jit.fork), got "
            f"{type(future).__name__}"
        )
    return future.wait()
