"""``Module``: the base class of every layer and model, as ``torch.nn.Module``.

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it; ``register_buffer``
registers non-learnable state (BatchNorm's running statistics).  ``state_dict()`` names entries
with dotted paths exactly as PyTorch does (``features.3.bias``, ``bn.running_mean``), so
weights move between the two libraries as NumPy arrays.

Registered objects are also kept in the instance ``__dict__``, so reading ``self.weight`` in a
``forward`` is an ordinary attribute lookup (no ``__getattr__`` detour on the hot path).

Example:
    >>> import nablagrad as torch
    >>> class Net(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.fc = torch.nn.Linear(4, 2)
    ...     def forward(self, x):
    ...         return self.fc(x)
    >>> sorted(Net().state_dict())
    ['fc.bias', 'fc.weight']
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator
from typing import Any

from .. import backend
from .._hooks import RemovableHandle as _RemovableHandle
from ..autograd import no_grad
from ..backend import get_array_module, np
from ..tensor import Tensor
from .parameter import Buffer, Parameter, is_lazy


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """``load_state_dict``'s result, printed as torch's ``_IncompatibleKeys``."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (
            f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, "
            f"unexpected_keys={self.unexpected_keys!r})"
        )

    __str__ = __repr__


# Hooks every module runs before its own (torch.nn.modules.module's register_module_* hooks).
_global_forward_pre_hooks: OrderedDict = OrderedDict()
_global_forward_hooks: OrderedDict = OrderedDict()
_global_forward_hooks_with_kwargs: set = set()
_global_forward_hooks_always_called: set = set()
_global_backward_pre_hooks: OrderedDict = OrderedDict()
_global_backward_hooks: OrderedDict = OrderedDict()
_global_is_full_backward_hook: list = [None]  # True (full), False (deprecated) or None


def register_module_forward_pre_hook(hook: Callable) -> _RemovableHandle:
    """Call ``hook(module, args)`` before every module's forward, before the module's own
    pre-hooks; it may return new args (torch's ``register_module_forward_pre_hook``).

    Example:
        >>> import nablagrad as torch
        >>> h = torch.nn.modules.module.register_module_forward_pre_hook(lambda m, a: None)
        >>> h.remove()
    """
    return _add_hook(_global_forward_pre_hooks, hook)


def register_module_forward_hook(
    hook: Callable, *, with_kwargs: bool = False, always_call: bool = False
) -> _RemovableHandle:
    """Call ``hook(module, args, output)`` after every module's forward, before the module's
    own forward hooks; it may return a new output (torch's ``register_module_forward_hook``).

    Example:
        >>> import nablagrad as torch
        >>> h = torch.nn.modules.module.register_module_forward_hook(lambda m, a, o: None)
        >>> h.remove()
    """
    handle = _add_hook(_global_forward_hooks, hook)
    if with_kwargs:
        _global_forward_hooks_with_kwargs.add(handle.id)
    if always_call:
        _global_forward_hooks_always_called.add(handle.id)
    return handle


def register_module_full_backward_pre_hook(hook: Callable) -> _RemovableHandle:
    """``Module.register_full_backward_pre_hook`` for every module, run before the module's
    own (torch's ``register_module_full_backward_pre_hook``)."""
    return _add_hook(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook: Callable) -> _RemovableHandle:
    """``Module.register_full_backward_hook`` for every module, run before the module's own
    (torch's ``register_module_full_backward_hook``).

    Example:
        >>> import nablagrad as torch
        >>> h = torch.nn.modules.module.register_module_full_backward_hook(lambda m, gi, go: None)
        >>> h.remove()
    """
    if _global_is_full_backward_hook[0] is False:
        raise RuntimeError(_MIXED_BACKWARD_HOOKS)
    _global_is_full_backward_hook[0] = True
    return _add_hook(_global_backward_hooks, hook)


def register_module_backward_hook(hook: Callable) -> _RemovableHandle:
    """Deprecated global form of ``Module.register_backward_hook`` (torch's)."""
    if _global_is_full_backward_hook[0] is True:
        raise RuntimeError(_MIXED_BACKWARD_HOOKS)
    _global_is_full_backward_hook[0] = False
    return _add_hook(_global_backward_hooks, hook)


def _check_name(name: Any, kind: str) -> None:
    """torch's rules for parameter and buffer names (they become state_dict keys)."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if not name or "." in name:
        raise KeyError(f'{kind} name can\'t be empty or contain ".", got {name!r}')


class Module:
    """Base class for layers and models: subclasses set attributes in ``__init__`` and define
    ``forward``.  Call the module (``model(x)``), not ``forward`` directly."""

    training: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()

    # -- attribute registration ----------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            if isinstance(value, (Parameter, Module)):
                raise AttributeError(
                    f"cannot assign {type(value).__name__} before Module.__init__() call: call "
                    "super().__init__() first in your module's __init__"
                )
            object.__setattr__(self, name, value)
            return
        params, modules, buffers = d["_parameters"], d["_modules"], d["_buffers"]
        if isinstance(value, Parameter):
            modules.pop(name, None)
            buffers.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params.pop(name, None)
            buffers.pop(name, None)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter '{name}': use "
                    "nn.Parameter(tensor) or None"
                )
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module '{name}'")
            modules[name] = None
        elif isinstance(value, Buffer):  # torch 2.5+: self.x = nn.Buffer(t) registers a buffer
            self.register_buffer(name, value, persistent=value.persistent)
            return
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer '{name}'")
            buffers[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for reg in ("_parameters", "_modules", "_buffers"):
            self.__dict__[reg].pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or ``None``, an absent optional parameter) under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot register a {type(param).__name__} as a parameter: wrap it in nn.Parameter"
            )
        _check_name(name, "parameter")
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register non-learnable state saved in ``state_dict`` (unless ``persistent=False``)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"buffer '{name}' must be a Tensor or None, got {type(tensor).__name__}"
            )
        _check_name(name, "buffer")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)
        else:
            self._non_persistent.discard(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The submodule at the dotted path ``target`` ("" is the module itself), with torch's
        errors for a missing name or one that is not a module."""
        mod = self
        for part in target.split(".") if target else []:
            if not hasattr(mod, part):
                raise AttributeError(f"{mod._get_name()} has no attribute `{part}`")
            if part not in mod._modules or not isinstance(mod._modules[part], Module):
                raise AttributeError(f"`{part}` is not an nn.Module")
            mod = mod._modules[part]
        return mod

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put ``module`` at the dotted path ``target``: the parent path must exist; the last
        name may be new unless ``strict`` (torch's ``set_submodule``).

        Example:
            >>> import nablagrad as torch
            >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2))
            >>> net.set_submodule("0", torch.nn.ReLU()); net
            Sequential(
              (0): ReLU()
            )
        """
        if not target:
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        *path, name = target.split(".")
        parent = self.get_submodule(".".join(path))
        if strict and not hasattr(parent, name):
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f"`{name}` is not an nn.Module")
        parent.add_module(name, module)

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target`` (``"0.weight"``), with torch's errors.

        Example:
            >>> import nablagrad as torch
            >>> torch.nn.Sequential(torch.nn.Linear(2, 3)).get_parameter("0.weight").shape
            nablagrad.Size([3, 2])
        """
        module, name = self._owner_of(target)
        if name not in module._parameters:
            raise AttributeError(f"`{name}` is not an nn.Parameter")
        return module._parameters[name]

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target`` (``"1.running_mean"``), with torch's errors.

        Example:
            >>> import nablagrad as torch
            >>> torch.nn.BatchNorm1d(2).get_buffer("running_var")
            tensor([1., 1.])
        """
        module, name = self._owner_of(target)
        if name not in module._buffers:
            raise AttributeError(f"`{name}` is not a buffer")
        return module._buffers[name]

    def _owner_of(self, target: str) -> tuple[Module, str]:
        """(the module that holds the dotted path's last name, that name)."""
        *path, name = target.split(".")
        module = self.get_submodule(".".join(path))
        if not hasattr(module, name):
            raise AttributeError(f"{module._get_name()} has no attribute `{name}`")
        return module, name

    # -- calling -------------------------------------------------------------------------------

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        d = self.__dict__
        if not (
            d.get("_forward_pre_hooks")
            or self._forward_hooks
            or d.get("_backward_hooks")
            or d.get("_backward_pre_hooks")
            or _global_forward_pre_hooks
            or _global_forward_hooks
            or _global_backward_hooks
            or _global_backward_pre_hooks
        ):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        """``forward`` wrapped in the global hooks (``register_module_*``) and then the module's
        own, in torch's order."""
        d = self.__dict__
        with_kwargs = d.get("_forward_pre_hooks_with_kwargs", ())
        pre = [*_global_forward_pre_hooks.items(), *d.get("_forward_pre_hooks", {}).items()]
        for key, hook in pre:
            if key in with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(
                            "forward pre-hook must return None or a tuple of (new_args, "
                            f"new_kwargs), but got {res}."
                        )
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        full, non_full = self._get_backward_hooks()
        pre_bw = [*_global_backward_pre_hooks.values(), *d.get("_backward_pre_hooks", {}).values()]
        hooks = full + non_full  # non-full (deprecated) hooks run as full ones, see below
        if hooks or pre_bw:
            original_args = args
            args, state = _hook_inputs(self, args, hooks, pre_bw)
        if not (self._forward_hooks or _global_forward_hooks):
            out = self.forward(*args, **kwargs)
        else:
            out = self._forward_with_hooks(args, kwargs)
        if hooks or pre_bw:
            if non_full:
                _warn_non_full_backward_hook(original_args, out)
            out = _hook_outputs(out, state)
        return out

    def _get_backward_hooks(self) -> tuple[list, list]:
        """The full and the non-full (``register_backward_hook``) backward hooks, global first."""
        full: list[Callable] = []
        non_full: list[Callable] = []
        if _global_backward_hooks:
            (full if _global_is_full_backward_hook[0] else non_full).extend(
                _global_backward_hooks.values()
            )
        own = self.__dict__.get("_backward_hooks")
        if own:
            is_full = self.__dict__.get("_is_full_backward_hook") is not False
            (full if is_full else non_full).extend(own.values())
        return full, non_full

    def _forward_with_hooks(self, args: tuple, kwargs: dict) -> Any:
        """``forward`` followed by the forward hooks (global ones first); ``always_call`` hooks
        also run (with output ``None``) when forward raises, before the error propagates."""
        d = self.__dict__
        with_kwargs = (
            set(d.get("_forward_hooks_with_kwargs", ())) | _global_forward_hooks_with_kwargs
        )
        always = (
            set(d.get("_forward_hooks_always_called", ())) | _global_forward_hooks_always_called
        )
        hooks = [*_global_forward_hooks.items(), *self._forward_hooks.items()]
        try:
            out = self.forward(*args, **kwargs)
        except Exception:
            for key, hook in hooks:
                if key in always:
                    try:
                        if key in with_kwargs:
                            hook(self, args, kwargs, None)
                        else:
                            hook(self, args, None)
                    except Exception as e:
                        warnings.warn(
                            "forward hook with ``always_call=True`` raised an exception that was "
                            f"silenced as another error was raised in forward: {e}",
                            stacklevel=2,
                        )
            raise
        for key, hook in hooks:
            if key in with_kwargs:
                res = hook(self, args, kwargs, out)
            else:
                res = hook(self, args, out)
            if res is not None:
                out = res
        return out

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> Any:
        """Call ``hook(module, grad_input, grad_output)`` once the gradients with respect to the
        module's tensor inputs are computed (tuples, ``None`` for inputs without gradient); it
        may return new ``grad_input`` (torch's ``register_full_backward_hook``)."""
        if self.__dict__.get("_is_full_backward_hook") is False:
            raise RuntimeError(_MIXED_BACKWARD_HOOKS)
        self.__dict__["_is_full_backward_hook"] = True
        return _add_hook(self.__dict__.setdefault("_backward_hooks", OrderedDict()), hook, prepend)

    def register_backward_hook(self, hook: Callable) -> Any:
        """Deprecated form of ``register_full_backward_hook`` (torch's); mixing the two on one
        module raises.

        torch attaches this hook to the autograd node that made the output, so its
        ``grad_input`` is that node's (for ``Linear``: bias, input and weight gradients).
        nablagrad calls it as a full backward hook, which agrees with torch when the module's
        forward is one elementwise op on its inputs; like torch, calling the module warns
        (FutureWarning) where the two differ.

        Example:
            >>> import nablagrad as torch
            >>> m = torch.nn.ReLU()
            >>> h = m.register_backward_hook(lambda mod, gi, go: None)
        """
        if self.__dict__.get("_is_full_backward_hook") is True:
            raise RuntimeError(_MIXED_BACKWARD_HOOKS)
        self.__dict__["_is_full_backward_hook"] = False
        return _add_hook(self.__dict__.setdefault("_backward_hooks", OrderedDict()), hook, False)

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False) -> Any:
        """Call ``hook(module, grad_output)`` when the gradients reach the module's outputs,
        before its input gradients are computed; it may return a new ``grad_output`` tuple
        (torch's ``register_full_backward_pre_hook``).

        Example:
            >>> import nablagrad as torch
            >>> m = torch.nn.Linear(3, 2)
            >>> h = m.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
        """
        hooks = self.__dict__.setdefault("_backward_pre_hooks", OrderedDict())
        return _add_hook(hooks, hook, prepend)

    def register_forward_hook(
        self,
        hook: Callable,
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> Any:
        """Call ``hook(module, args, output)`` after every forward; it may return a new output.
        With ``with_kwargs`` the hook is ``hook(module, args, kwargs, output)``; ``prepend`` runs
        it before the others; ``always_call`` runs it (with output ``None``) even when forward
        raised."""
        hooks = self._forward_hooks
        key = _RemovableHandle.new_key(hooks)
        hooks[key] = hook
        if prepend:
            hooks.move_to_end(key, last=False)
        if with_kwargs:
            self.__dict__.setdefault("_forward_hooks_with_kwargs", set()).add(key)
        if always_call:
            self.__dict__.setdefault("_forward_hooks_always_called", set()).add(key)
        return _RemovableHandle(hooks, key)

    def register_forward_pre_hook(
        self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False
    ) -> Any:
        """Call ``hook(module, args)`` before every forward; it may return new args (a tuple, or
        one value that gets wrapped).  With ``with_kwargs`` the hook is ``hook(module, args,
        kwargs)`` returning None or ``(args, kwargs)``; ``prepend`` runs it before the others."""
        hooks = self.__dict__.setdefault("_forward_pre_hooks", OrderedDict())
        key = _RemovableHandle.new_key(hooks)
        hooks[key] = hook
        if prepend:
            hooks.move_to_end(key, last=False)
        if with_kwargs:
            self.__dict__.setdefault("_forward_pre_hooks_with_kwargs", set()).add(key)
        return _RemovableHandle(hooks, key)

    # -- traversal -----------------------------------------------------------------------------

    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is None:
                continue
            yield from m.named_modules(
                memo, f"{prefix}.{name}" if prefix else name, remove_duplicate
            )

    def modules(self, remove_duplicate: bool = True) -> Iterator[Module]:
        for _, m in self.named_modules(remove_duplicate=remove_duplicate):
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(
        self, kind: str, prefix: str, recurse: bool, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Any]]:
        """Members of ``kind`` by dotted name; with ``remove_duplicate=False`` (torch's) a
        shared one is listed under every name it has."""
        seen = set()
        mods = (
            self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        for mp, m in mods:
            for name, v in getattr(m, kind).items():
                if v is None or id(v) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(v))
                yield (f"{mp}.{name}" if mp else name), v

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs; a shared parameter is listed once (under each of its
        names with ``remove_duplicate=False``)."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- modes and bulk changes ----------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all parameters (``None`` by default, as torch 2.x)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad = Tensor._wrap(get_array_module(p.grad._data).zeros_like(p.grad._data))

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and on self, e.g. for custom init."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def _apply_arrays(self, convert: Callable[[Any], Any], floats_only: bool) -> Module:
        for m in self.modules():
            for reg in (m._parameters, m._buffers):
                for t in reg.values():
                    if t is not None and is_lazy(t):
                        if not floats_only or t.is_floating_point():
                            t._convert_placeholder(convert)
                        continue
                    if t is None or (floats_only and t._data.dtype.kind != "f"):
                        continue
                    t._data = convert(t._data)
                    if t._grad is not None:
                        t._grad._data = convert(t._grad._data)
        return self

    def to(self, *args: Any, device: Any = None, dtype: Any = None, **kwargs: Any) -> Module:
        """Move parameters and buffers in place: ``model.to("cuda")``, ``model.to(float64)``."""
        for a in args:
            if isinstance(a, backend.device) or (
                isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "meta")
            ):
                device = a
            elif isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            else:
                dtype = a
        if device is not None and str(device) == "meta":
            return self._to_meta()
        if device is not None:
            dev = backend.as_device(device)
            self._apply_arrays(lambda arr: backend.to_device(arr, dev), floats_only=False)
        if dtype is not None:
            npd = backend.to_np_dtype(dtype)
            if npd.kind != "f":
                raise TypeError(f"Module.to only accepts floating point dtypes, got {dtype}")
            self._apply_arrays(lambda arr: arr.astype(npd), floats_only=True)
        return self

    def _to_meta(self) -> Module:
        """``to("meta")``: every parameter and buffer becomes a shape-and-dtype placeholder
        (``nn.parameter.MetaParameter``), usable through ``torch.func.functional_call``."""
        from .parameter import to_meta

        for m in self.modules():
            for reg in (m._parameters, m._buffers):
                for name, t in list(reg.items()):
                    if t is not None:
                        reg[name] = to_meta(t)
                        object.__setattr__(m, name, reg[name])
        return self

    def share_memory(self) -> Module:
        """Move every parameter and buffer (and existing ``.grad``) into shared memory in place
        (``Tensor.share_memory_``), so that processes given this module train the same weights
        (Hogwild).  Returns self.

        Example:
            >>> import nablagrad as torch
            >>> m = torch.nn.Linear(2, 1).share_memory()
            >>> m.weight.is_shared()
            True
        """
        for m in self.modules():
            for reg in (m._parameters, m._buffers):
                for t in reg.values():
                    if t is None:
                        continue
                    if is_lazy(t):
                        raise RuntimeError(
                            "share_memory(): the module has uninitialized (lazy) parameters; run "
                            "a forward pass on a sample batch first, then call share_memory()"
                        )
                    t.share_memory_()
                    if t._grad is not None:
                        t._grad.share_memory_()
        return self

    def cpu(self) -> Module:
        return self.to("cpu")

    def cuda(self, device: Any = None) -> Module:
        return self.to("cuda" if device is None else f"cuda:{int(device)}")

    def float(self) -> Module:
        return self.to(dtype=np.float32)

    def double(self) -> Module:
        return self.to(dtype=np.float64)

    def half(self) -> Module:
        return self.to(dtype=np.float16)

    def type(self, dst_type: Any) -> Module:
        """Cast every parameter and buffer to ``dst_type`` (a dtype), as torch's ``Module.type``.

        Example:
            >>> import nablagrad as torch
            >>> torch.nn.Linear(2, 2).type(torch.float64).weight.dtype
            nablagrad.float64
        """
        return self.to(dtype=dst_type)

    def compile(self, *args: Any, **kwargs: Any) -> None:
        """torch's in-place ``Module.compile``: nablagrad runs eagerly (see
        ``nablagrad.compile``), so the module is left as it is; the arguments are accepted."""
        from ..runtime import compile as compile_fn

        compile_fn(self, *args, **kwargs)

    # -- state dict ----------------------------------------------------------------------------

    def state_dict(
        self, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict:
        """Parameters and persistent buffers by dotted name (detached, sharing memory).

        The state-dict pre-hooks run first, the post-hooks after the submodules' entries are in
        (torch's order); the result carries torch's ``_metadata`` (each module's version)."""
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        local_metadata = {"version": getattr(type(self), "_version", 1)}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        d = self.__dict__
        for hook in list(d.get("_state_dict_pre_hooks", {}).values()):
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(destination, prefix + name + ".", keep_vars)
        for hook in list(d.get("_state_dict_hooks", {}).values()):
            res = hook(self, destination, prefix, local_metadata)
            if not getattr(hook, "_from_public_api", False):
                if res is not None:  # the private ``_register_state_dict_hook`` may replace it
                    destination = res
            elif res is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination

    def _save_to_state_dict(self, destination: Any, prefix: str, keep_vars: bool) -> None:
        """Put this module's own entries (not its submodules') into ``destination``: its
        parameters, its persistent buffers and, when the class defines ``get_extra_state``,
        ``prefix + "_extra_state"``.  Subclasses override it to change what they save, as in
        torch (``state_dict`` calls it for every module)."""
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars or is_lazy(p) else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent:
                destination[prefix + name] = b if keep_vars or is_lazy(b) else b.detach()
        if type(self).get_extra_state is not Module.get_extra_state:
            destination[prefix + _EXTRA_STATE] = self.get_extra_state()

    def get_extra_state(self) -> Any:
        """Extra (picklable) state for ``state_dict``: a class that defines it (and
        ``set_extra_state``) gets a ``_extra_state`` entry, as in torch."""
        raise RuntimeError(
            "Reached a code path in Module.get_extra_state() that should never be called: "
            "define get_extra_state() in the module class to save extra state"
        )

    def set_extra_state(self, state: Any) -> None:
        """Restore what ``get_extra_state`` returned (called by ``load_state_dict``)."""
        raise RuntimeError(
            "Reached a code path in Module.set_extra_state() that should never be called: "
            "define set_extra_state() in the module class to load extra state"
        )

    def register_state_dict_pre_hook(self, hook: Callable) -> _RemovableHandle:
        """Call ``hook(module, prefix, keep_vars)`` before ``state_dict`` collects this module's
        entries (torch's ``register_state_dict_pre_hook``).

        Example:
            >>> import nablagrad as torch
            >>> m = torch.nn.Linear(2, 2)
            >>> h = m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: None)
        """
        return _add_hook(self.__dict__.setdefault("_state_dict_pre_hooks", OrderedDict()), hook)

    def register_state_dict_post_hook(self, hook: Callable) -> _RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` once ``state_dict`` has
        this module's and its submodules' entries; it may change ``state_dict`` in place and
        must return None (torch's ``register_state_dict_post_hook``).

        Example:
            >>> import nablagrad as torch
            >>> m = torch.nn.Linear(2, 2)
            >>> h = m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: sd.pop("bias"))
        """
        hook._from_public_api = True
        return _add_hook(self.__dict__.setdefault("_state_dict_hooks", OrderedDict()), hook)

    def _register_state_dict_hook(self, hook: Callable) -> _RemovableHandle:
        """torch's older private form: ``hook(module, state_dict, prefix, local_metadata)`` may
        also return a new state dict, which replaces it."""
        if getattr(hook, "_from_public_api", False):
            raise RuntimeError(
                "Cannot register the same function as the state dict post hook that was "
                "previously registered via register_state_dict_post_hook"
            )
        return _add_hook(self.__dict__.setdefault("_state_dict_hooks", OrderedDict()), hook)

    def register_load_state_dict_pre_hook(self, hook: Callable) -> _RemovableHandle:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before ``load_state_dict`` loads this module's entries;
        it may change ``state_dict`` (rename keys, convert values) and the lists in place
        (torch's ``register_load_state_dict_pre_hook``).

        Example:
            >>> import nablagrad as torch
            >>> m = torch.nn.Linear(2, 2)
            >>> h = m.register_load_state_dict_pre_hook(lambda mod, sd, *rest: None)
        """
        hooks = self.__dict__.setdefault("_load_state_dict_pre_hooks", OrderedDict())
        return _add_hook(hooks, hook)

    def register_load_state_dict_post_hook(self, hook: Callable) -> _RemovableHandle:
        """Call ``hook(module, incompatible_keys)`` once this module and its submodules are
        loaded; changing ``incompatible_keys.missing_keys``/``unexpected_keys`` in place changes
        what ``load_state_dict`` returns and whether ``strict`` raises.  It must return None
        (torch's ``register_load_state_dict_post_hook``).

        Example:
            >>> import nablagrad as torch
            >>> m = torch.nn.Linear(2, 2)
            >>> clear = lambda mod, keys: keys.missing_keys.clear()
            >>> h = m.register_load_state_dict_post_hook(clear)
        """
        hooks = self.__dict__.setdefault("_load_state_dict_post_hooks", OrderedDict())
        return _add_hook(hooks, hook)

    def load_state_dict(
        self, state_dict: Any, strict: bool = True, assign: bool = False
    ) -> IncompatibleKeys:
        """Copy values from ``state_dict`` (Tensors, NumPy arrays or torch tensors) in place.

        Missing or unexpected keys raise when ``strict``; a shape mismatch always raises.  The
        error lists every offending key.  ``assign=True`` (torch's) makes each parameter and
        buffer hold the given tensor's memory (and dtype) instead of copying into its own.
        Every module's ``_load_from_state_dict`` reads its own entries (running its
        load-state-dict pre-hooks first), then its submodules are loaded and its post-hooks
        run, as in torch; unlike torch, nothing is copied into the model unless the whole load
        succeeds.
        """
        metadata = getattr(state_dict, "_metadata", None)
        state_dict = OrderedDict(state_dict)
        missing: list[str] = []
        unexpected: list[str] = []
        error_msgs: list[str] = []

        def load(module: Module, local: dict, prefix: str) -> None:
            meta = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
            if assign:
                meta["assign_to_params_buffers"] = assign
            module._load_from_state_dict(local, prefix, meta, True, missing, unexpected, error_msgs)
            for name, child in module._modules.items():
                if child is not None:
                    cp = prefix + name + "."
                    load(child, {k: v for k, v in local.items() if k.startswith(cp)}, cp)
            keys = IncompatibleKeys(missing, unexpected)
            for hook in list(module.__dict__.get("_load_state_dict_post_hooks", {}).values()):
                if hook(module, keys) is not None:
                    raise AssertionError(
                        "Hooks registered with ``register_load_state_dict_post_hook`` are not "
                        "expected to return new values, if incompatible_keys need to be "
                        "modified, it should be done inplace."
                    )

        copies: list = []
        outer, _load_plan.copies = _load_plan.copies, copies  # applied once all is checked
        try:
            load(self, state_dict, "")
        finally:
            _load_plan.copies = outer
        problems = []
        if strict and missing:
            problems.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
        if strict and unexpected:
            problems.append(
                "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
            )
        problems += error_msgs
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(problems)
                + "\nCheck that the checkpoint was saved from the same architecture"
                + (
                    " (or pass strict=False to skip missing/unexpected keys)"
                    if not error_msgs
                    else ""
                )
                + "; nothing was loaded."
            )
        for copy in copies:
            copy()
        return IncompatibleKeys(missing, unexpected)

    def _load_from_state_dict(
        self,
        state_dict: dict,
        prefix: str,
        local_metadata: dict,
        strict: bool,
        missing_keys: list,
        unexpected_keys: list,
        error_msgs: list,
    ) -> None:
        """Load this module's own entries (not its submodules') from ``state_dict``, torch's
        hook for subclasses: the load-state-dict pre-hooks run first, then each parameter and
        persistent buffer takes ``state_dict[prefix + name]`` (a missing one is added to
        ``missing_keys``, a shape mismatch to ``error_msgs``), ``set_extra_state`` gets the
        ``_extra_state`` entry, and with ``strict`` keys under ``prefix`` that name nothing
        go to ``unexpected_keys``.  Inside ``load_state_dict`` the copies wait until the
        whole load has succeeded."""
        for hook in list(self.__dict__.get("_load_state_dict_pre_hooks", {}).values()):
            hook(self, state_dict, prefix, local_metadata, strict, missing_keys,
                 unexpected_keys, error_msgs)  # fmt: skip
        own = {n: p for n, p in self._parameters.items() if p is not None}
        own.update(
            (n, b)
            for n, b in self._buffers.items()
            if b is not None and n not in self._non_persistent
        )
        assign = bool(local_metadata.get("assign_to_params_buffers", False))
        for name, target in own.items():
            key = prefix + name
            if key not in state_dict:
                if strict:
                    missing_keys.append(key)
                continue
            value = state_dict[key]
            arr = _as_array(value, key)
            if is_lazy(target):  # a lazy module takes the checkpoint's shape (torch's hook)
                target.materialize(tuple(arr.shape))
            if tuple(arr.shape) != tuple(target._data.shape):
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(arr.shape)} "
                    f"from checkpoint, the shape in current model is {tuple(target._data.shape)}."
                )
                continue
            _copy_into(target, arr, value, assign)
        extra = prefix + _EXTRA_STATE
        if type(self).set_extra_state is not Module.set_extra_state:
            if extra in state_dict:
                self.set_extra_state(state_dict[extra])
            elif strict:
                missing_keys.append(extra)
        elif strict and extra in state_dict:
            unexpected_keys.append(extra)
        if strict:
            for key in state_dict:
                if key.startswith(prefix) and key != extra:
                    first, *rest = key[len(prefix) :].split(".", 1)
                    if (first not in self._modules) if rest else (first not in own):
                        unexpected_keys.append(key)

    # -- printing ------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        return ""

    def _get_name(self) -> str:
        """The name ``repr`` prints (torch's hook: traced modules print their original class)."""
        return type(self).__name__

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        main = self._get_name() + "("
        if not lines:
            return main + ")"
        if len(lines) == 1 and not self._modules:
            return main + lines[0] + ")"
        return main + "\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self) -> list:
        return sorted(set(super().__dir__()))

    def __getstate__(self) -> dict:
        return self.__dict__.copy()

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)


def _as_array(value: Any, key: str) -> Any:
    if isinstance(value, Tensor):
        return value._data
    if hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
        return value.detach().cpu().numpy()
    if backend.is_array(value):  # NumPy, or CuPy on the GPU
        return value
    try:
        return np.asarray(value)
    except Exception as e:  # noqa: BLE001
        raise TypeError(
            f"state_dict entry '{key}' is a {type(value).__name__}, not an array"
        ) from e


_EXTRA_STATE = "_extra_state"  # torch's key for get_extra_state()'s value


class _LoadPlan(threading.local):
    """The copies ``load_state_dict`` defers until the whole load has succeeded (None
    outside it: ``_load_from_state_dict`` called directly copies at once)."""

    copies: list | None = None


_load_plan = _LoadPlan()


def _copy_into(target: Tensor, arr: Any, value: Any, assign: bool) -> None:
    """Give ``target`` the checkpoint's values: its memory and dtype with ``assign``, else a
    copy into its own memory (across devices, in its dtype, as torch's ``copy_``)."""

    def copy() -> None:
        if assign:
            target._data = value._data if isinstance(value, Tensor) else arr
        else:
            with no_grad():
                target._data[...] = backend.to_device(arr, target.device).astype(
                    target._data.dtype, copy=False
                )
        target._version += 1

    if _load_plan.copies is None:
        copy()
    else:
        _load_plan.copies.append(copy)


_MIXED_BACKWARD_HOOKS = (
    "Cannot use both regular backward hooks and full backward hooks on a single Module. "
    "Please use only one of them."
)


def _add_hook(hooks: OrderedDict, hook: Callable, prepend: bool = False) -> _RemovableHandle:
    """Store ``hook`` under a new id (first when ``prepend``) and return its handle."""
    key = _RemovableHandle.new_key(hooks)
    hooks[key] = hook
    if prepend:
        hooks.move_to_end(key, last=False)
    return _RemovableHandle(hooks, key)


def _run_backward_hooks(
    module: Module, hooks: list, grad_input: tuple, grad_output: tuple
) -> tuple:
    for hook in hooks:
        res = hook(module, grad_input, grad_output)
        if res is not None:
            res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
            if len(res) != len(grad_input):
                raise RuntimeError(
                    f"backward hook returned {len(res)} gradients, expected {len(grad_input)} "
                    "(one per tensor input of the module, None where there is none)"
                )
            grad_input = res
    return grad_input


def _run_backward_pre_hooks(module: Module, hooks: list, grad_output: tuple) -> tuple:
    for hook in hooks:
        res = hook(module, grad_output)
        if res is None:
            continue
        n = len(res)
        if n != len(grad_output):
            raise RuntimeError(
                f"Backward pre hook returned an invalid number of grad_output, got {n}, but "
                f"expected {len(grad_output)}"
            )
        grad_output = tuple(res)
    return grad_output


def _warn_non_full_backward_hook(inputs: tuple, out: Any) -> None:
    """torch's FutureWarning for a ``register_backward_hook`` hook whose ``grad_input`` (the
    output node's) may differ from the module's input gradients."""
    grad_fn = out.grad_fn if isinstance(out, Tensor) else None
    if isinstance(out, tuple) and out and all(isinstance(o, Tensor) for o in out):
        fns = {o.grad_fn for o in out if o.grad_fn is not None}
        grad_fn = next(iter(fns)) if len(fns) == 1 else None
    if grad_fn is None or not all(isinstance(a, Tensor) for a in inputs):
        what = "the forward contains multiple autograd Nodes"
    else:
        inputs_fns = {a.grad_fn for a in inputs if a.grad_fn is not None}
        nexts = set()
        for node, _ in grad_fn.next_functions:  # look through the hook's identity node
            if type(node).__name__ == "BackwardHookFunctionBackward":
                nexts.update(n for n, _ in node.next_functions)
            else:
                nexts.add(node)
        if inputs_fns == nexts:
            return
        what = "the forward contains multiple autograd Nodes"
    warnings.warn(
        f"Using a non-full backward hook when {what} is deprecated and will be removed in "
        "future versions. This hook will be missing some grad_input. Please use "
        "register_full_backward_hook to get the documented behavior.",
        FutureWarning,
        stacklevel=3,
    )


def _identity_function(name: str, on_backward: Callable) -> type:
    from ..autograd import Function

    def forward(ctx: Any, *xs: Any) -> Any:
        outs = tuple(x.view_as(x) for x in xs)
        return outs if len(outs) > 1 else outs[0]

    def backward(ctx: Any, *grads: Any) -> Any:
        res = on_backward(ctx, grads)
        return res if len(res) > 1 else res[0]

    return type(name, (Function,), {"forward": staticmethod(forward),
                                    "backward": staticmethod(backward)})  # fmt: skip


def _hook_inputs(module: Module, args: tuple, hooks: list, pre_hooks: list) -> tuple[tuple, dict]:
    """Route the module's tensor inputs through one identity node whose backward calls the
    hooks with every input's gradient at once (torch's BackwardHook)."""
    state: dict[str, Any] = {
        "module": module, "hooks": hooks, "pre_hooks": pre_hooks, "grad_output": None
    }  # fmt: skip
    pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    state["n_inputs"] = len(pos)
    wanted = [i for i in pos if args[i].requires_grad]
    state["inputs_need_grad"] = bool(wanted)
    if not wanted:
        return args, state

    def on_backward(ctx: Any, grads: tuple) -> tuple:
        full = [None] * len(pos)
        for k, i in enumerate(wanted):
            full[pos.index(i)] = grads[k]
        new = _run_backward_hooks(module, hooks, tuple(full), state["grad_output"] or ())
        return tuple(new[pos.index(i)] for i in wanted)

    return _through_identity(args, wanted, on_backward), state


def _hook_outputs(out: Any, state: dict) -> Any:
    """Capture the gradients reaching the module's outputs, after the backward pre-hooks may
    replace them (and call the hooks from here when no input needs a gradient)."""
    outs = out if isinstance(out, tuple) else (out,)
    tensors = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
    if not tensors:
        return out

    def on_backward(ctx: Any, grads: tuple) -> tuple:
        grads = _run_backward_pre_hooks(state["module"], state["pre_hooks"], tuple(grads))
        state["grad_output"] = grads
        if not state["inputs_need_grad"]:
            n = max(state["n_inputs"], 1)
            _run_backward_hooks(state["module"], state["hooks"], (None,) * n, grads)
        return grads

    new = _through_identity(outs, tensors, on_backward)
    return new if isinstance(out, tuple) else new[0]


def _through_identity(items: tuple, positions: list, on_backward: Callable) -> tuple:
    """``items`` with the tensors at ``positions`` passed through one identity node whose
    backward calls ``on_backward`` (torch's ``BackwardHookFunction``)."""
    fn = _identity_function("BackwardHookFunction", on_backward)
    through = fn.apply(*(items[i] for i in positions))
    through = through if isinstance(through, tuple) else (through,)
    new = list(items)
    for i, t in zip(positions, through):
        new[i] = t
    return tuple(new)
