"""``script`` and the module/function wrappers it returns (``ScriptModule``, ``ScriptFunction``).

nablagrad has no TorchScript compiler: a "scripted" module runs its Python ``forward`` eagerly.
``script(module)`` builds a tree of wrappers, one per submodule, each over a *shallow clone* of
the original submodule:

- the clone has the original's class, attributes and parameter/buffer *objects* (so the
  parameters are shared with the original model, as in torch), but its own registries, hook
  tables and training flag; its child modules are the child wrappers;
- the wrapper shares the clone's registries and hook tables, so ``state_dict``,
  ``parameters()``, ``train()``/``eval()``, ``to()`` and hooks work on the wrapper as on any
  module, with the original's names;
- calling the wrapper runs the module hooks, copies the wrapper's training flag to the clone,
  and runs the clone's ``forward`` (whose submodule calls go through the child wrappers), so
  outputs and gradients are the original model's.

Example:
    >>> import nablagrad as torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    >>> s = torch.jit.script(net)
    >>> isinstance(s, torch.jit.ScriptModule), s[0].weight is net[0].weight
    (True, True)
    >>> x = torch.ones(2, 4)
    >>> bool((s(x) == net(x)).all())
    True
"""

from __future__ import annotations

import copy
import functools
import inspect
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..nn.module import Module
from ..nn.parameter import is_lazy

__all__ = [
    "Error",
    "ScriptModule",
    "RecursiveScriptModule",
    "ScriptFunction",
    "script",
    "script_method",
    "freeze",
    "optimize_for_inference",
]

#: the attributes torch's compiled objects have and nablagrad's eager ones do not
_COMPILER_ONLY = ("code", "graph", "inlined_graph", "code_with_constants", "schema", "graph_for")
_UNUSED = "unused (ignored and replaced with raising of an exception)"


def _deprecated(name: str, instead: str = "switch to `torch.compile` or `torch.export`") -> None:
    """torch 2.13's DeprecationWarning for a TorchScript entry point: same text, and reported
    at the library's line (stacklevel 1), so that, as torch's, it is hidden by default."""
    warnings.warn(
        f"`torch.jit.{name}` is deprecated. Please {instead}.", DeprecationWarning, stacklevel=1
    )


class Error(Exception):
    """torch.jit.Error: an error raised while running scripted code (here: a call of a method
    marked ``@torch.jit.unused`` from a scripted module)."""


def _no_compiler(owner: str, name: str) -> AttributeError:
    return AttributeError(
        f"'{owner}' object has no attribute '{name}': nablagrad has no TorchScript compiler (a "
        "scripted module runs its Python code eagerly), so there is no TorchScript code or graph"
    )


class ScriptModule(Module):
    """torch.jit.ScriptModule: the class of every scripted, traced or loaded module.

    A plain :class:`~nablagrad.nn.Module` plus :meth:`save`; subclassing it directly (torch's
    legacy API, with ``@torch.jit.script_method`` on ``forward``) gives an ordinary module.
    """

    def save(self, f: Any, _extra_files: dict | None = None) -> None:
        """Write the module to ``f`` (see :func:`nablagrad.jit.save`)."""
        from ._serialization import save

        save(self, f, _extra_files=_extra_files)


class _Unused:
    """Stands in, on a scripted module's clone, for a method marked ``@torch.jit.unused``:
    calling it from the scripted code raises, as torch's compiled stub does."""

    def __init__(self, qualname: str) -> None:
        self.qualname = qualname

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise Error(
            f"The following operation failed in the TorchScript interpreter: {self.qualname}() "
            "is marked @torch.jit.unused (or @torch.jit.ignore(drop=True)). RuntimeError: This "
            "Python function is annotated to be ignored and cannot be run"
        )


def _unused_methods(cls: type) -> list[str]:
    """Names of the methods of ``cls`` marked ``@unused`` / ``@ignore(drop=True)``."""
    out = []
    for klass in cls.__mro__:
        for name, value in vars(klass).items():
            if getattr(value, "_torchscript_modifier", None) == _UNUSED and name not in out:
                out.append(name)
    return out


def _tables(d: dict) -> list[str]:
    """The keys of a module's registries and hook tables (``_parameters``, ``_modules``,
    ``_forward_hooks``, ...) in its ``__dict__``."""
    return [k for k, v in d.items() if k.startswith("_") and type(v) in (dict, OrderedDict, set)]


class _EagerModule(ScriptModule):
    """The wrapper behind ``script(module)`` and ``trace(module, ...)`` (see the module doc)."""

    def __init__(self, module: Module, memo: dict[int, _EagerModule], stub_unused: bool) -> None:
        super().__init__()
        memo[id(module)] = self
        clone = copy.copy(module)
        d = clone.__dict__
        for key in _tables(d):  # its own registries and hook tables, same contents
            d[key] = copy.copy(d[key])
        for name, child in d["_modules"].items():
            if child is None:
                continue
            if isinstance(child, ScriptModule):  # already scripted: used as it is, as torch
                memo.setdefault(id(child), child)
            if id(child) not in memo:
                type(self)._child_class()(child, memo, stub_unused)
            d["_modules"][name] = memo[id(child)]
            if d.get(name) is child:
                d[name] = memo[id(child)]
        if stub_unused:
            for name in _unused_methods(type(module)):
                d[name] = _Unused(f"{type(module).__qualname__}.{name}")
        mine = self.__dict__
        mine.update({key: d[key] for key in _tables(d)})  # the same dict objects
        mine["training"] = module.training
        mine["_eager_module"] = clone

    @classmethod
    def _child_class(cls) -> type[_EagerModule]:
        return cls

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        d = self.__dict__
        clone = d["_eager_module"]
        clone.__dict__["training"] = d["training"]
        return clone.forward(*args, **kwargs)

    @property
    def original_name(self) -> str:
        """The class name of the module this one was made from."""
        return type(self.__dict__["_eager_module"]).__name__

    def extra_repr(self) -> str:
        return f"original_name={self.original_name}"

    # -- attributes: read from and written to the clone ----------------------------------------

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        if "_eager_module" not in d or name.startswith("__"):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        clone = d["_eager_module"]
        value = clone.__dict__.get(name)
        if isinstance(value, _Unused):  # Python callers get the real method, as in torch
            return getattr(type(clone), name).__get__(clone, type(clone))
        try:
            return getattr(clone, name)
        except AttributeError:
            if name in _COMPILER_ONLY:
                raise _no_compiler(type(self).__name__, name) from None
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '{name}'"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "training":
            self.__dict__["training"] = value
            return
        setattr(self.__dict__["_eager_module"], name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self.__dict__["_eager_module"], name)

    def register_parameter(self, name: str, param: Any) -> None:
        self.__dict__["_eager_module"].register_parameter(name, param)

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        self.__dict__["_eager_module"].register_buffer(name, tensor, persistent)

    def add_module(self, name: str, module: Module | None) -> None:
        self.__dict__["_eager_module"].add_module(name, module)

    register_module = add_module

    def __dir__(self) -> list:
        return sorted(set(super().__dir__()) | set(dir(self.__dict__["_eager_module"])))

    # -- containers (scripted Sequential / ModuleList / ModuleDict) -----------------------------

    def __getitem__(self, idx: Any) -> Any:
        return self.__dict__["_eager_module"][idx]

    def __len__(self) -> int:
        return len(self.__dict__["_eager_module"])

    def __iter__(self) -> Any:
        return iter(self.__dict__["_eager_module"])

    def __contains__(self, key: Any) -> bool:
        return key in self.__dict__["_eager_module"]

    def __bool__(self) -> bool:
        return bool(self.__dict__["_eager_module"])


class RecursiveScriptModule(_EagerModule):
    """What :func:`script` returns for a module (torch.jit.RecursiveScriptModule): the module's
    Python code run eagerly, parameters shared with the original, submodules scripted too."""


class ScriptFunction:
    """What :func:`script` and :func:`~nablagrad.jit.trace` return for a function
    (torch.jit.ScriptFunction): calling it calls the function.

    Example:
        >>> import nablagrad as torch
        >>> def f(x, y):
        ...     return x * y + 1
        >>> sf = torch.jit.script(f)
        >>> sf.name, sf(torch.tensor(2.0), torch.tensor(3.0)).item()
        ('f', 7.0)
    """

    def __init__(self, fn: Callable) -> None:
        functools.update_wrapper(self, fn)
        self._fn = fn

    @property
    def name(self) -> str:
        """The function's name."""
        return self._fn.__name__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._fn(*args, **kwargs)

    def save(self, f: Any, _extra_files: dict | None = None) -> None:
        """Write a reference to the function to ``f`` (see :func:`nablagrad.jit.save`)."""
        from ._serialization import save

        save(self, f, _extra_files=_extra_files)

    def __getattr__(self, name: str) -> Any:
        if name in _COMPILER_ONLY:
            raise _no_compiler("ScriptFunction", name)
        raise AttributeError(f"'ScriptFunction' object has no attribute '{name}'")

    def __repr__(self) -> str:
        return f"<nablagrad.jit.ScriptFunction {self._fn.__qualname__}>"


def _check_initialized(module: Module) -> None:
    for m in module.modules():
        lazy = [
            n for n, t in {**m._parameters, **m._buffers}.items() if t is not None and is_lazy(t)
        ]
        if lazy:
            raise RuntimeError(
                f"'{type(m).__module__}.{type(m).__qualname__}' has uninitialized parameters "
                f"{', '.join(lazy)}. Did you forget to run a forward pass?"
            )


def script(
    obj: Any,
    optimize: Any = None,
    _frames_up: int = 0,
    _rcb: Any = None,
    example_inputs: Any = None,
) -> Any:
    """torch.jit.script without a compiler: a wrapper that runs ``obj``'s Python code eagerly.

    - an ``nn.Module``: a :class:`RecursiveScriptModule` (an ``nn.Module`` and a
      :class:`ScriptModule`) whose submodules are scripted too; parameters are the original's
      objects (an optimizer step on one is seen by the other), the training flags are its own
      (``eval()`` on the scripted module leaves the original alone), outputs and gradients are
      the original's; methods marked ``@torch.jit.unused`` raise when ``forward`` calls them;
    - a function: a :class:`ScriptFunction`;
    - a class: the class itself (torch compiles it as a TorchScript class);
    - a :class:`ScriptModule` or :class:`ScriptFunction`: returned as is.

    Nothing is type-checked or compiled, so code that runs here may still be refused by
    TorchScript, and it runs no faster than the eager model.  ``example_inputs`` (torch's
    type inference from examples) is not needed and not used; ``optimize`` is deprecated in
    torch and has no effect.  A lambda is refused, as torch refuses it.

    Example:
        >>> import nablagrad as torch
        >>> lin = torch.nn.Linear(2, 1)
        >>> s = torch.jit.script(lin)
        >>> s
        RecursiveScriptModule(original_name=Linear)
        >>> s.eval().training, lin.training
        (False, True)
    """
    _deprecated("script")
    if optimize is not None:
        warnings.warn(
            "`optimize` is deprecated and has no effect. Use `with torch.jit.optimized_execution()"
            "` instead",
            FutureWarning,
            stacklevel=2,
        )
    if isinstance(obj, (ScriptModule, ScriptFunction)):
        return obj
    if isinstance(obj, Module):
        _check_initialized(obj)
        return RecursiveScriptModule(obj, {}, stub_unused=True)
    if inspect.isclass(obj):
        if obj.__module__ == "builtins":
            raise TypeError(f"{obj} is a built-in class")
        return obj
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        if obj.__name__ == "<lambda>":
            raise RuntimeError(
                "torch.jit.script can't compile a lambda (TorchScript needs a single top-level "
                "function defined with `def`): define the function with def, or use "
                "torch.jit.trace"
            )
        return ScriptFunction(obj)
    if inspect.isbuiltin(obj) or type(obj).__module__ == "builtins":
        raise TypeError(f"{type(obj)} is a built-in class")
    raise TypeError(
        f"torch.jit.script: can't script a {type(obj).__name__}: pass an nn.Module, a function "
        "or a class"
    )


def script_method(fn: Callable) -> Callable:
    """torch.jit.script_method (legacy ``ScriptModule`` subclasses): returns ``fn``, which runs
    eagerly.

    Example:
        >>> import nablagrad as torch
        >>> class Twice(torch.jit.ScriptModule):
        ...     @torch.jit.script_method
        ...     def forward(self, x):
        ...         return 2 * x
        >>> Twice()(torch.tensor(3.0)).item()
        6.0
    """
    _deprecated("script_method")
    return fn


def _frozen_copy(mod: ScriptModule) -> _EagerModule:
    """A deep copy whose parameters and buffers are plain constant tensors, in a module that
    lists no parameters, buffers or submodules (torch inlines them into the graph)."""
    wrapper = mod if isinstance(mod, _EagerModule) else RecursiveScriptModule(mod, {}, False)
    frozen = copy.deepcopy(wrapper)
    for m in list(frozen.modules()):
        target = m.__dict__["_eager_module"] if isinstance(m, _EagerModule) else m
        for reg in (target._parameters, target._buffers):
            for name, t in reg.items():
                if t is not None:
                    target.__dict__[name] = t.detach()
            reg.clear()
    d = frozen.__dict__
    d["_modules"] = OrderedDict()
    d["training"] = False
    d["_frozen"] = True
    return frozen


def freeze(
    mod: ScriptModule, preserved_attrs: list[str] | None = None, optimize_numerics: bool = True
) -> ScriptModule:
    """torch.jit.freeze: a copy of the eval-mode ``mod`` whose weights are constants.

    The result computes the same outputs, lists no parameters, buffers or submodules
    (``state_dict()`` is empty, as torch's), and its outputs do not require grad; later
    changes to ``mod``'s weights do not reach it.  Attributes stay readable (torch keeps only
    ``preserved_attrs``); ``optimize_numerics`` has nothing to optimize here.

    Example:
        >>> import nablagrad as torch
        >>> s = torch.jit.script(torch.nn.Linear(2, 1).eval())
        >>> f = torch.jit.freeze(s)
        >>> list(f.parameters()), f(torch.ones(1, 2)).requires_grad
        ([], False)
    """
    _deprecated("freeze", "use `torch.compile` instead")
    if not isinstance(mod, ScriptModule):
        raise RuntimeError(
            "Freezing expects a ScriptModule as input. "
            "Please use torch.jit.script or torch.jit.trace to script your 'nn.Module'."
        )
    if mod.training:
        raise RuntimeError(
            "Freezing is currently only implemented for modules in eval mode. "
            "Please call .eval() on your module before freezing."
        )
    return _frozen_copy(mod)


def optimize_for_inference(
    mod: ScriptModule, other_methods: list[str] | None = None
) -> ScriptModule:
    """torch.jit.optimize_for_inference: puts ``mod`` in eval mode and :func:`freeze` s it (a
    frozen module is returned as is); no further optimization passes exist here.

    Example:
        >>> import nablagrad as torch
        >>> o = torch.jit.optimize_for_inference(torch.jit.script(torch.nn.Linear(2, 1)))
        >>> o.training, list(o.parameters())
        (False, [])
    """
    _deprecated("optimize_for_inference", "use `torch.compile` instead")
    if not isinstance(mod, ScriptModule):
        raise RuntimeError(
            "optimize_for_inference expects a ScriptModule as input. "
            "Please use torch.jit.script or torch.jit.trace to script your 'nn.Module'."
        )
    if mod.__dict__.get("_frozen"):
        return mod
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return freeze(mod.eval(), preserved_attrs=other_methods)
