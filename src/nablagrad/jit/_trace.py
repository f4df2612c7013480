"""``trace``: run a module or function once on example inputs, check them, and wrap it.

nablagrad records no graph: the traced module or function runs its Python code on every call.
So data-dependent Python control flow takes its branch per call (torch's trace freezes the
branch the example took), and no ``TracerWarning`` about it is needed.  What ``trace`` does
check is what torch's checks up front: the example inputs and the outputs must be tensors or
(nested) tuples, lists and dicts of tensors.

Example:
    >>> import nablagrad as torch
    >>> lin = torch.nn.Linear(3, 2)
    >>> t = torch.jit.trace(lin, torch.ones(1, 3))
    >>> t
    Linear(original_name=Linear)
    >>> bool((t(torch.ones(4, 3)) == lin(torch.ones(4, 3))).all())
    True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from ..nn.module import Module
from ..tensor import Tensor
from ._script import ScriptFunction, ScriptModule, _check_initialized, _deprecated, _EagerModule

__all__ = ["trace", "is_tracing", "TracedModule", "TopLevelTracedModule", "TracerWarning"]

_state = {"depth": 0}


class TracerWarning(Warning):
    """torch.jit.TracerWarning: a traced container whose structure might change."""


class TracingCheckError(Exception):
    """torch.jit.TracingCheckError (kept for ``except`` clauses; nablagrad's trace never
    differs from the Python code, so it is not raised)."""


class TracedModule(_EagerModule):
    """A submodule of a traced module (torch.jit.TracedModule); prints as its original class."""

    def _get_name(self) -> str:
        return self.original_name


class TopLevelTracedModule(TracedModule):
    """What :func:`trace` returns for a module (torch.jit.TopLevelTracedModule)."""

    @classmethod
    def _child_class(cls) -> type[_EagerModule]:
        return TracedModule


def is_tracing() -> bool:
    """True while :func:`trace` runs its example (torch.jit.is_tracing); False otherwise,
    including when a traced module runs later (its Python code runs eagerly then).

    Example:
        >>> import nablagrad as torch
        >>> torch.jit.is_tracing()
        False
    """
    return _state["depth"] > 0


def _type_name(x: Any) -> str:
    """TorchScript's spelling of ``x``'s type, for torch's "cannot be traced" message."""
    if isinstance(x, Tensor):
        return "Tensor"
    if isinstance(x, (tuple, list)):
        inner = ", ".join(_type_name(v) for v in x)
        return f"Tuple[{inner}]" if isinstance(x, tuple) else f"List[{inner}]"
    if isinstance(x, dict):
        return "Dict[...]"
    return "NoneType" if x is None else type(x).__name__


def _traceable(x: Any) -> bool:
    if isinstance(x, Tensor):
        return True
    if isinstance(x, (tuple, list)):
        return all(_traceable(v) for v in x)
    if isinstance(x, dict):
        return all(_traceable(v) for v in x.values())
    return False


def _check_inputs(args: tuple) -> None:
    if not _traceable(args):
        raise RuntimeError(
            f"Type '{_type_name(args)}' cannot be traced. Only Tensors and (possibly nested) "
            "Lists, Dicts, and Tuples of Tensors can be traced"
        )


def _check_output(out: Any, strict: bool) -> None:
    if out is None:
        raise RuntimeError(
            "The traced function didn't return any values! Side-effects are not captured in "
            "traces, so it would be a no-op."
        )
    if not _traceable(out):
        raise RuntimeError(
            "Only tensors, lists, tuples of tensors, or dictionary of tensors can be output "
            "from traced functions"
        )
    kind = "dict" if isinstance(out, dict) else "list" if isinstance(out, list) else None
    if kind is None:
        return
    message = (
        f"Encountering a {kind} at the output of the tracer might cause the trace to be "
        "incorrect, this is only valid if the container structure does not change based on "
        "the module's inputs. Consider using a constant container instead (e.g. for `list`, "
        "use a `tuple` instead. for `dict`, use a `NamedTuple` instead). If you absolutely "
        "need this and know the side effects, pass strict=False to trace() to allow this "
        "behavior."
    )
    if strict and kind == "dict":
        raise RuntimeError(message)
    if strict:
        warnings.warn(message, TracerWarning, stacklevel=4)


def _as_tuple(example: Any) -> tuple:
    """torch's ``make_tuple``: a tensor or a dict is one argument; other iterables are the
    argument list."""
    if isinstance(example, (Tensor, dict)):
        return (example,)
    if isinstance(example, tuple):
        return example
    try:
        return tuple(example)
    except TypeError:
        raise TypeError(
            f"trace(): example_inputs must be a Tensor or a tuple of the positional arguments, "
            f"got {type(example).__name__}: write example_inputs=(x,) for one argument x"
        ) from None


def _run(fn: Callable, args: tuple, kwargs: dict, strict: bool) -> None:
    _check_inputs(args + tuple(kwargs.values()))
    _state["depth"] += 1
    try:
        out = fn(*args, **kwargs)
    finally:
        _state["depth"] -= 1
    _check_output(out, strict)


def trace(
    func: Any,
    example_inputs: Any = None,
    optimize: Any = None,
    check_trace: bool = True,
    check_inputs: list | None = None,
    check_tolerance: float = 1e-5,
    strict: bool = True,
    _force_outplace: bool = False,
    _module_class: Any = None,
    _compilation_unit: Any = None,
    example_kwarg_inputs: dict | None = None,
    _store_inputs: bool = True,
) -> Any:
    """torch.jit.trace without a tracer: run ``func`` once on the example, check, and wrap it.

    ``func(*example_inputs)`` (a tensor or a dict is one argument; ``example_kwarg_inputs``
    gives keyword arguments instead) runs once with :func:`is_tracing` true; the inputs and
    outputs must be tensors or (nested) tuples/lists/dicts of them (a dict output needs
    ``strict=False``, a list output warns), with torch's errors otherwise.  With
    ``check_trace`` each of ``check_inputs`` runs too.  Returns a :class:`TopLevelTracedModule`
    for an ``nn.Module`` (or its bound ``forward``) and a :class:`ScriptFunction` for a
    function; a :class:`ScriptModule` is returned as is, with torch's warning.  The result runs
    the Python code on every call, so unlike a real trace it follows data-dependent branches and
    works for any input; ``check_tolerance`` has nothing to compare (trace and code agree).

    Example:
        >>> import nablagrad as torch
        >>> def f(x, y):
        ...     return x * y
        >>> tf = torch.jit.trace(f, (torch.ones(2), torch.ones(2)))
        >>> tf(torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0]))
        tensor([3., 8.])
    """
    _deprecated("trace")
    if optimize is not None:
        warnings.warn(
            "`optimize` is deprecated and has no effect. Use `with torch.jit.optimized_execution()"
            "` instead",
            FutureWarning,
            stacklevel=2,
        )
    if isinstance(func, ScriptModule):
        warnings.warn(
            "The input to trace is already a ScriptModule, tracing it is a no-op. Returning the "
            "object as is.",
            stacklevel=2,
        )
        return func
    if isinstance(func, ScriptFunction):
        return func
    owner = getattr(func, "__self__", None)
    if isinstance(owner, Module) and getattr(func, "__name__", None) == "forward":
        func = owner
    elif isinstance(owner, Module):
        raise AttributeError(
            "trace doesn't support compiling individual module's functions.\n"
            "Please use trace_module"
        )
    if not callable(func):
        raise RuntimeError(
            f"torch.jit.trace: can't trace a {type(func).__name__}: pass an nn.Module or a function"
        )
    if isinstance(func, Module) and example_inputs is None and example_kwarg_inputs is None:
        raise RuntimeError("example_kwarg_inputs should be a dict")
    if example_kwarg_inputs is not None:
        if not isinstance(example_kwarg_inputs, dict):
            raise TypeError(
                "trace(): example_kwarg_inputs must be a dict of keyword arguments, got "
                f"{type(example_kwarg_inputs).__name__}"
            )
        args, kwargs = (), dict(example_kwarg_inputs)
    else:
        args, kwargs = _as_tuple(example_inputs), {}
    if isinstance(func, Module):
        _check_initialized(func)
    _run(func, args, kwargs, strict)
    if check_trace and check_inputs is not None:
        for extra in check_inputs:
            extra_kwargs = extra if isinstance(extra, dict) and kwargs else {}
            extra_args = () if extra_kwargs else _as_tuple(extra)
            if not _traceable(extra_args + tuple(extra_kwargs.values())):
                bad = next(
                    v for v in extra_args + tuple(extra_kwargs.values()) if not _traceable(v)
                )
                raise ValueError(
                    f"Auto nesting doesn't know how to process an input object of type "
                    f"{type(bad).__name__}. Accepted types: tensors, or lists/tuples of them"
                )
            _run(func, extra_args, extra_kwargs, strict)
    if isinstance(func, Module):
        return TopLevelTracedModule(func, {}, stub_unused=False)
    return ScriptFunction(func)
