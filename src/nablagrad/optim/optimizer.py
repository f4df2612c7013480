"""``Optimizer``: the base of every optimizer (torch.optim's API and state layout).

An optimizer holds ``param_groups`` (a list of dicts: ``{"params": [...], "lr": ..., ...}``, each
group with its own hyperparameters) and ``state`` (a dict keyed by parameter holding per-parameter
buffers such as momentum).  ``step()`` updates the parameters in place on their raw arrays
(``p._data``) from their ``.grad``; ``zero_grad()`` clears the gradients.

``state_dict()`` uses torch's layout: ``{"state": {index: {...}}, "param_groups": [{...,
"params": [index, ...]}]}`` where parameters are numbered in group order, so a run saved mid-way
and loaded into a fresh optimizer over the same parameters continues bit-identically.

Example:
    >>> import nablagrad as torch
    >>> w = torch.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = torch.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([ 0.8000, -1.6000], requires_grad=True)
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
import threading
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from .. import _validate, parallel
from .._hooks import RemovableHandle
from ..autograd import enable_grad, no_grad
from ..backend import (
    axpby_,
    get_array_module,
    get_default_dtype,
    is_array,
    np,
    to_device,
    to_host,
)
from ..tensor import Tensor

# A group is updated by several threads at once (see ``nablagrad.set_num_threads``) when its
# elements times the passes its update makes over memory (``Optimizer._passes``) reach this.
# Below it, handing work to a thread (~50-100 us per step) and sharing the memory bandwidth cost
# more than the threads save.  Measured on 2 cores with benchmarks/bench_optim.py: SGD with
# momentum (6 passes) gains from threads from ~2M parameters, Adam (18 passes) from ~700k.
PARALLEL_MIN_WORK = 12_000_000

__all__ = [
    "Optimizer",
    "ParamsT",
    "register_optimizer_step_pre_hook",
    "register_optimizer_step_post_hook",
]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]]

# hooks every optimizer's step runs (torch.optim.optimizer's global step hooks)
_global_optimizer_pre_hooks: OrderedDict = OrderedDict()
_global_optimizer_post_hooks: OrderedDict = OrderedDict()


def register_optimizer_step_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` before every optimizer's ``step``; it may return
    ``(new_args, new_kwargs)`` (torch's global optimizer step pre-hook).

    Example:
        >>> import nablagrad as torch
        >>> h = torch.optim.optimizer.register_optimizer_step_pre_hook(lambda opt, a, k: None)
        >>> h.remove()
    """
    return _add_hook(_global_optimizer_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """Call ``hook(optimizer, args, kwargs)`` after every optimizer's ``step`` (torch's global
    optimizer step post-hook).

    Example:
        >>> import nablagrad as torch
        >>> h = torch.optim.optimizer.register_optimizer_step_post_hook(lambda opt, a, k: None)
        >>> h.remove()
    """
    return _add_hook(_global_optimizer_post_hooks, hook)


def _add_hook(
    hooks: OrderedDict, hook: Callable[..., Any], prepend: bool = False
) -> RemovableHandle:
    key = RemovableHandle.new_key(hooks)
    hooks[key] = hook
    if prepend:
        hooks.move_to_end(key, last=False)
    return RemovableHandle(hooks, key)


def _hooked_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """``step`` with the global and the optimizer's own step hooks around it (torch wraps
    every optimizer class's ``step`` this way, so a subclass that defines its own ``step``
    runs the hooks too); it also tells a scheduler that the optimizer has stepped."""

    @functools.wraps(step)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        self = args[0]
        own = self.__dict__
        for hook in itertools.chain(
            _global_optimizer_pre_hooks.values(), own.get("_optimizer_step_pre_hooks", {}).values()
        ):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        f"{step} must return None or a tuple of (new_args, new_kwargs), but got "
                        f"{result}."
                    )
                args, kwargs = result
        out = step(*args, **kwargs)
        self._opt_called = True
        for hook in itertools.chain(
            own.get("_optimizer_step_post_hooks", {}).values(),
            _global_optimizer_post_hooks.values(),
        ):
            hook(self, args, kwargs)
        return out

    wrapper.hooked = True  # type: ignore[attr-defined]
    return wrapper


class _RequiredParameter:
    """Marks a hyperparameter that has no default (torch.optim.optimizer.required)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def scalar_np_dtype() -> Any:
    """The dtype torch keeps ``step`` (and NAdam's ``mu_product``) in: float64 iff default."""
    return np.float64 if get_default_dtype().np == np.float64 else np.float32


def check_lr(lr: Any, name: str = "lr") -> None:
    """Raise ``ValueError`` unless ``lr`` is a finite number >= 0: a Python or NumPy number, or
    (as torch allows) a one-element Tensor, which the group keeps and a scheduler updates in
    place; updates read it through ``lr_value``."""
    if isinstance(lr, Tensor):
        if lr.numel() != 1:
            raise ValueError(f"Tensor lr must be 1-element: got {name} of shape {tuple(lr.shape)}")
        lr = lr.item()
    if not isinstance(lr, numbers.Real) or isinstance(lr, bool):
        raise TypeError(f"Invalid learning rate: {name}={lr!r}: expected a float >= 0")
    if not (lr >= 0.0) or math.isinf(lr):
        raise ValueError(f"Invalid learning rate: {name}={lr}: expected a finite float >= 0")


def lr_value(group: dict[str, Any]) -> float:
    """A group's learning rate as a Python number (``group["lr"]`` may be a one-element Tensor,
    read as torch reads it, with ``item()``)."""
    lr = group["lr"]
    return lr.item() if isinstance(lr, Tensor) else lr


def check_nonneg(value: Any, name: str) -> None:
    """Raise ``ValueError`` unless ``value`` is a number >= 0."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0.0:
        raise ValueError(f"Invalid {name} value: {value!r}: expected a float >= 0")


def check_unit(value: Any, name: str, closed: bool = False) -> None:
    """Raise ``ValueError`` unless ``0 <= value < 1`` (``<= 1`` when ``closed``)."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and 0.0 <= value and (value <= 1.0 if closed else value < 1.0)
    if not ok:
        bound = "[0, 1]" if closed else "[0, 1)"
        raise ValueError(f"Invalid {name}: {value!r}: expected a float in {bound}")


def check_betas(betas: Any) -> None:
    """Raise ``ValueError`` unless ``betas`` is a pair of floats in [0, 1)."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r}: expected a pair (beta1, beta2) in [0, 1)")
    for i, b in enumerate(betas):
        check_unit(b, f"beta parameter at index {i}")


def defaults_of(args: dict[str, Any]) -> dict[str, Any]:
    """A constructor's hyperparameters from its ``locals()`` (all but ``self`` and ``params``).

    Call it in ``__init__`` before binding any other local name, so that ``locals()`` holds
    only the arguments (arguments may be reassigned first, e.g. normalized).
    """
    return {k: v for k, v in args.items() if k not in ("self", "params", "__class__")}


class Optimizer:
    """Base class: parameter groups, per-parameter state, ``zero_grad``, ``step``, state dicts.

    Subclasses set ``defaults`` and implement ``_check_group(group)`` (validate hyperparameters),
    ``_init_state(p, state, group)`` (per-parameter buffers) and ``_update_group(group)`` (update
    every parameter of one group in place, under no_grad), usually as a loop over
    ``self._each(group)``, which does the shared preamble (gradient check, state creation, step
    count, maximize and weight decay, scratch arrays).  Updates write ``w += a * x`` and
    ``m = b * m + a * x`` with ``axpy_``/``axpby_`` (one pass through NumPy's BLAS where it
    can, else through a scratch array, never a fresh temporary) and fold scalar factors such
    as bias corrections together so that each pass over the arrays does as much of the work as
    it can.

    Args:
        params: an iterable of Tensors, or of dicts ``{"params": [...], <hyperparameter>: ...}``
            (parameter groups; missing hyperparameters take the optimizer's defaults).
        defaults: the default hyperparameters.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._scratch: dict[tuple[Any, ...], list[Any]] = {}
        self._opt_called = False  # lets a scheduler warn when it steps before the optimizer
        cls = type(self)
        if not getattr(cls.step, "hooked", False):
            cls.step = _hooked_step(cls.step)  # type: ignore[method-assign]
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got a Tensor: wrap it in a list, e.g. {type(self).__name__}([w])"
            )
        # a set of parameters is taken in its iteration order, as torch takes it (a set as a
        # group's "params" is refused, as torch refuses it)
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list: pass model.parameters()")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- groups --------------------------------------------------------------------------------

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group ``{"params": [...], ...}``; unset hyperparameters take the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise KeyError("params: a parameter group needs its 'params' entry (as in torch)")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of sets changes between runs: use a list"
            )
        else:
            params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is "
                    f"{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor: use .detach().requires_grad_()")
            if not p.is_floating_point():
                raise ValueError(f"can't optimize a Tensor of dtype {p.dtype}: use a float dtype")
        if len({id(p) for p in params}) != len(params):
            warnings.warn(  # torch's warning; the parameter is then updated once per listing
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for "
                "more information",
                UserWarning,
                stacklevel=3,
            )
        group = dict(param_group)
        group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    f"parameter group didn't specify a value of required "
                    f"optimization parameter {name}"
                )
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(
                "some parameters appear in more than one parameter group: "
                "give every parameter to exactly one group"
            )
        self._check_group(group)
        self._check_flags(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate a group's hyperparameters (subclasses raise ``ValueError``)."""
        if "lr" in group:
            check_lr(group["lr"])

    def _check_flags(self, group: dict[str, Any]) -> None:
        """Check torch's implementation flags.  ``foreach``: None or True take the flat path
        where the layout allows it (``optim.flat``), False never.  ``fused=True`` is accepted,
        as torch accepts it on the CPU, and takes the same path as the default (the NumPy
        update already makes one pass per operation), with torch's checks of the
        combinations it refuses.  ``differentiable=True`` cannot be honoured: refused."""
        if group.get("fused"):
            if group.get("differentiable"):
                raise RuntimeError("`fused` does not support `differentiable`")
            if group.get("foreach"):
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        if group.get("differentiable"):
            raise ValueError(
                f"{type(self).__name__}(differentiable=True) is not supported: "
                "nablagrad updates parameters in place outside autograd"
            )

    # -- gradients and steps -------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad``: to ``None`` (default) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._ctx = None
                    p.grad._requires_grad = False
                    p.grad._data[...] = 0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that has a gradient.

        ``closure`` (optional) re-evaluates the model and returns the loss; it runs with
        gradients enabled before the update, and its loss is returned.
        """
        self._opt_called = True
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                if self._update_flat(group):
                    continue
                shards = self._shards(group)
                if shards is None:
                    self._update_group(group)
                else:
                    parallel.run([partial(self._update_group, shard) for shard in shards])
        return loss

    def _shards(self, group: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The group split into per-thread groups (whole parameters, balanced by size) when
        its work, elements times ``_passes``, reaches ``PARALLEL_MIN_WORK``; else None.

        Parameters are independent, so threads updating different ones give exactly the
        sequential result; NumPy and the BLAS release the GIL inside their loops.
        """
        params = group["params"]
        n = min(parallel.get_num_threads(), len(params))
        if n < 2:
            return None
        sizes = [p._data.size if p.grad is not None else 0 for p in params]
        if sum(sizes) * self._passes(group) < PARALLEL_MIN_WORK:
            return None
        shards = parallel.balanced_shards(sizes, n)
        if len(shards) < 2:
            return None
        return [{**group, "params": [params[i] for i in shard]} for shard in shards]

    # About how many parameter-sized arrays one update reads and writes per element (a one-pass
    # ``y = a * x + b * y`` counts 3); subclasses set their own.  Only decides threading.
    passes = 12

    def _passes(self, group: dict[str, Any]) -> int:
        """``passes`` plus those of the gradient preamble (``preamble_passes``)."""
        return self.passes + preamble_passes(group)

    def _update_flat(self, group: dict[str, Any]) -> bool:
        """The foreach path: update the whole group at once when its parameters and gradients
        are views into flat arrays (``optim.flat``); False to take the per-parameter loop."""
        return False

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement _update_group")

    def _init_state(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Create the per-parameter state on its first step (subclasses fill ``state``)."""

    def _each(
        self, group: dict[str, Any], n_tmp: int = 2
    ) -> Iterator[tuple[Tensor, Any, dict[str, Any], list[Any]]]:
        """Yield ``(p, g, state, tmp)`` for every parameter of ``group`` that has a gradient.

        The common preamble of every update rule, done here once:

        - ``state`` is created by ``_init_state`` on the first step (and kept in ``self.state``
          only if that put something in it), and its ``step`` count (if any) is incremented;
        - ``g`` is the gradient array, negated when ``maximize`` and with ``weight_decay * w``
          added (torch's coupled L2), or, when ``decoupled_weight_decay``, the weights first
          shrink by ``w *= 1 - lr * weight_decay`` (AdamW); ``g`` is then ``tmp[0]`` or the
          gradient itself (never write to it);
        - ``tmp`` holds ``n_tmp`` scratch arrays shaped like ``p`` (shared by parameters of one
          shape and dtype, so they stay in cache; not part of the state).

        ``p._version`` is bumped after the caller's update.
        """
        maximize = group.get("maximize", False)
        wd = group.get("weight_decay", 0.0)
        if wd != 0 and group.get("decoupled_weight_decay", False):
            shrink, wd = 1 - lr_value(group) * wd, 0.0
        else:
            shrink = None
        state_of = self.state
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            w, g = p._data, grad._data
            if g.shape != w.shape:
                raise ValueError(
                    f"{type(self).__name__}: a parameter of shape {tuple(w.shape)} has a .grad "
                    f"of shape {tuple(g.shape)}: gradients must match their parameter's shape"
                )
            state = state_of.get(p)
            if not state:
                state = {}
                self._init_state(p, state, group)
                if state:  # an optimizer without per-parameter state keeps self.state empty
                    state_of[p] = state
            step = state.get("step")
            if step is not None:
                step._data += 1
            tmp = self._tmp(w, n_tmp)
            if shrink is not None:
                w *= shrink
            if maximize or wd != 0:
                g = effective_grad(w, g, maximize, wd, tmp[0])
            yield p, g, state, tmp
            p._version += 1

    def _tmp(self, arr: Any, n: int) -> list[Any]:
        """``n`` scratch arrays like ``arr``, reused across steps and same-shaped parameters
        (each thread of a parallel step has its own)."""
        key = (arr.shape, arr.dtype, type(arr), threading.get_ident())  # one set per thread
        bufs = self._scratch.get(key)
        if bufs is None or len(bufs) < n:
            bufs = [get_array_module(arr).empty_like(arr) for _ in range(n)]
            self._scratch[key] = bufs
        return bufs

    # -- state dicts ---------------------------------------------------------------------------

    def register_step_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` before each ``step``; it may return
        ``(new_args, new_kwargs)`` to replace the step's arguments.

        Example:
            >>> import nablagrad as torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
            >>> h = opt.register_step_pre_hook(lambda opt, args, kwargs: None)
        """
        return _add_hook(self.__dict__.setdefault("_optimizer_step_pre_hooks", OrderedDict()), hook)

    def register_step_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``.

        Example:
            >>> import nablagrad as torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
            >>> h = opt.register_step_post_hook(lambda opt, args, kwargs: None)
        """
        hooks = self.__dict__.setdefault("_optimizer_step_post_hooks", OrderedDict())
        return _add_hook(hooks, hook)

    def register_state_dict_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(optimizer)`` before ``state_dict`` builds its result.

        Example:
            >>> import nablagrad as torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
            >>> h = opt.register_state_dict_pre_hook(lambda opt: None)
        """
        hooks = self.__dict__.setdefault("_optimizer_state_dict_pre_hooks", OrderedDict())
        return _add_hook(hooks, hook, prepend)

    def register_state_dict_post_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(optimizer, state_dict)`` on ``state_dict``'s result; a returned dict
        replaces it.

        Example:
            >>> import nablagrad as torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
            >>> h = opt.register_state_dict_post_hook(lambda opt, sd: sd)
        """
        hooks = self.__dict__.setdefault("_optimizer_state_dict_post_hooks", OrderedDict())
        return _add_hook(hooks, hook, prepend)

    def register_load_state_dict_pre_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(optimizer, state_dict)`` before ``load_state_dict`` reads it; a returned
        dict is loaded instead.

        Example:
            >>> import nablagrad as torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
            >>> h = opt.register_load_state_dict_pre_hook(lambda opt, sd: None)
        """
        hooks = self.__dict__.setdefault("_optimizer_load_state_dict_pre_hooks", OrderedDict())
        return _add_hook(hooks, hook, prepend)

    def register_load_state_dict_post_hook(
        self, hook: Callable[..., Any], prepend: bool = False
    ) -> RemovableHandle:
        """Call ``hook(optimizer)`` once ``load_state_dict`` has loaded.

        Example:
            >>> import nablagrad as torch
            >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
            >>> h = opt.register_load_state_dict_post_hook(lambda opt: None)
        """
        hooks = self.__dict__.setdefault("_optimizer_load_state_dict_post_hooks", OrderedDict())
        return _add_hook(hooks, hook, prepend)

    def state_dict(self) -> dict[str, Any]:
        """The optimizer state in torch's layout (a copy: later steps do not change it); the
        state-dict pre-hooks run first, and each post-hook may replace the result."""
        own = self.__dict__
        for hook in list(own.get("_optimizer_state_dict_pre_hooks", {}).values()):
            hook(self)
        result = self._state_dict()
        for hook in list(own.get("_optimizer_state_dict_post_hooks", {}).values()):
            replaced = hook(self, result)
            if replaced is not None:
                result = replaced
        return result

    def _state_dict(self) -> dict[str, Any]:
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: _copy_value(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a ``state_dict()`` (from this or another optimizer over the same layout);
        a load-state-dict pre-hook may hand back a replacement to load, the post-hooks run
        after."""
        own = self.__dict__
        for hook in list(own.get("_optimizer_load_state_dict_pre_hooks", {}).values()):
            replaced = hook(self, state_dict)
            if replaced is not None:
                state_dict = replaced
        self._load_state_dict(state_dict)
        for hook in list(own.get("_optimizer_load_state_dict_post_hooks", {}).values()):
            hook(self)

    def _load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if (
            not isinstance(state_dict, dict)
            or "state" not in state_dict
            or ("param_groups" not in state_dict)
        ):
            raise ValueError(
                "optimizer state_dict must be a dict with 'state' and 'param_groups' "
                "(as returned by optimizer.state_dict())"
            )
        saved = state_dict["param_groups"]
        fix = "load a state_dict() saved by the same optimizer class over the same parameters"
        if not isinstance(saved, (list, tuple)) or not all(isinstance(s, dict) for s in saved):
            raise ValueError(f"optimizer state_dict['param_groups'] must be a list of dicts; {fix}")
        if not isinstance(state_dict["state"], dict):
            raise ValueError(f"optimizer state_dict['state'] must be a dict; {fix}")
        if len(saved) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has {len(saved)} parameter groups but the "
                f"optimizer has {len(self.param_groups)}"
            )
        for i, (g, s) in enumerate(zip(self.param_groups, saved)):
            ids = s.get("params")
            if not isinstance(ids, (list, tuple)) or not all(_validate.is_int(k) for k in ids):
                raise ValueError(
                    f"optimizer state_dict param_groups[{i}]['params'] must be a list of int "
                    f"parameter ids; {fix}"
                )
            # torch's optional flags (None = the default implementation) may differ in type, and
            # a learning rate may be a number or a one-element Tensor (either way round)
            tri, rates = ("foreach", "fused"), ("lr", "initial_lr")
            ref = {k: v for k, v in g.items() if k != "params" and k not in tri + rates}
            _validate.like(s, ref, f"optimizer state_dict param_groups[{i}]", fix)
            for k in rates:
                if k in s:
                    where = f"optimizer state_dict param_groups[{i}][{k!r}]"
                    try:
                        check_lr(_load_rate(s[k]), where)
                    except TypeError:
                        raise ValueError(
                            f"{where}: expected a number or a one-element Tensor, got "
                            f"{type(s[k]).__name__} ({s[k]!r:.40}); {fix}"
                        ) from None
            for k in tri:
                if k in g and s.get(k) not in (None, True, False):
                    raise ValueError(
                        f"optimizer state_dict param_groups[{i}][{k!r}]: expected None, True or "
                        f"False, got {s.get(k)!r:.40}; {fix}"
                    )
            if len(g["params"]) != len(s["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group {i} with {len(s['params'])} "
                    f"parameters, but the optimizer's group has {len(g['params'])}"
                )
        id_map = {}
        for g, s in zip(self.param_groups, saved):
            id_map.update(zip(s["params"], g["params"]))
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        saved_group = {id(p): s for g, s in zip(self.param_groups, saved) for p in g["params"]}
        for k, v in state_dict["state"].items():
            key = k if _validate.is_int(k) else int(k) if str(k).lstrip("-").isdigit() else None
            if key not in id_map:
                raise ValueError(
                    f"loaded state dict has state for parameter {k!r} that no group has"
                )
            if not isinstance(v, dict):
                raise ValueError(
                    f"optimizer state_dict['state'][{k!r}] must be a dict, got "
                    f"{type(v).__name__}; {fix}"
                )
            p = id_map[key]
            if v:  # a parameter that has stepped: its buffers must be all there, shaped like it
                ref: dict[str, Any] = {}
                group = dict(saved_group[id(p)], lr=_load_rate(saved_group[id(p)].get("lr")))
                self._init_state(p, ref, group)
                if not ref and not getattr(self, "_flat_state", False):
                    ref = {n: p for n, u in v.items() if getattr(u, "ndim", 0)}
                _validate.like(v, ref, f"optimizer state_dict['state'][{k!r}]", fix)
            state[p] = {name: _cast_state(name, val, p) for name, val in v.items()}
        self.state = state
        new_groups = []
        for g, s in zip(self.param_groups, saved):
            ng = {k: _load_rate(v) if k in ("lr", "initial_lr") else v for k, v in s.items()}
            ng["params"] = g["params"]
            new_groups.append(ng)
        self.param_groups = new_groups
        self._scratch = {}

    def __getstate__(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["_scratch"] = {}
        return d

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _copy_value(v: Any) -> Any:
    if isinstance(v, Tensor):
        return Tensor._wrap(v._data.copy())
    if is_array(v):
        return v.copy()
    if isinstance(v, dict):
        return {k: _copy_value(u) for k, u in v.items()}
    if isinstance(v, list):
        return [_copy_value(u) for u in v]
    if isinstance(v, tuple):
        return tuple(_copy_value(u) for u in v)
    return v


def _load_rate(v: Any) -> Any:
    """A saved learning rate: a number as it is, a Tensor (nablagrad's or torch's) copied into a
    nablagrad Tensor (torch's ``load_state_dict`` works on a deep copy too)."""
    arr = _as_array(v)
    return v if arr is None else Tensor._wrap(to_host(arr).copy())


def _as_array(v: Any) -> Any:
    if isinstance(v, Tensor):
        return v._data
    if is_array(v):
        return v
    if hasattr(v, "detach") and hasattr(v, "numpy"):  # a torch.Tensor
        return v.detach().cpu().numpy()
    return None


def _cast_state(name: str, v: Any, p: Tensor) -> Any:
    """A copy of a saved state value, as torch's ``load_state_dict`` casts it: ``step`` is kept
    as saved (on the host); every other value goes to the parameter's device, and a float one
    takes the parameter's float dtype whatever its shape (NAdam's ``mu_product``, ASGD's
    ``eta`` and ``mu``, Adafactor's row and column variances, L-BFGS's flat vectors)."""
    if isinstance(v, (list, tuple)):
        out = [_cast_state(name, u, p) for u in v]
        return out if isinstance(v, list) else tuple(out)
    if isinstance(v, dict):
        return {k: _cast_state(k, u, p) for k, u in v.items()}
    arr = _as_array(v)
    if arr is None:
        return v
    if name == "step":
        return Tensor._wrap(to_host(arr).copy())
    src, arr = arr, to_device(arr, p.device)
    if arr is src:
        arr = arr.copy()
    if arr.dtype.kind == "f" and p._data.dtype.kind == "f":
        arr = arr.astype(p._data.dtype, copy=False)
    return Tensor._wrap(arr)


def preamble_passes(group: dict[str, Any]) -> int:
    """Passes ``Optimizer._each`` makes before the update: maximize (2), weight decay (5, or 2
    for decoupled decay)."""
    passes = 2 * bool(group.get("maximize", False))
    if group.get("weight_decay", 0) != 0:
        passes += 2 if group.get("decoupled_weight_decay", False) else 5
    return passes


def effective_grad(w: Any, g: Any, maximize: bool, weight_decay: float, out: Any) -> Any:
    """``g`` negated when maximizing, plus ``weight_decay * w`` (torch's coupled decay).

    Returns ``g`` itself when no change is needed, else ``out`` (``g`` is never written).
    """
    if weight_decay != 0:
        get_array_module(w).multiply(w, weight_decay, out=out)
        if maximize:
            out -= g
        else:
            out += g
        return out
    if maximize:
        return get_array_module(g).negative(g, out=out)
    return g


def ema_(m: Any, g: Any, b: float, tmp: Any) -> None:
    """``m <- b * m + (1 - b) * g`` in place (torch's ``m.lerp_(g, 1 - b)``; exact at b = 0, 1;
    ``tmp`` scratch shaped like ``g``)."""
    axpby_(m, 1 - b, g, b, tmp)


def ema_sq_(v: Any, g: Any, b: float, tmp: Any) -> None:
    """``v <- b * v + (1 - b) * g^2`` in place (a running mean of squares; ``tmp`` scratch)."""
    get_array_module(g).multiply(g, g, out=tmp)
    axpby_(v, 1 - b, tmp, b, tmp)


def scalar_tensor(value: float) -> Tensor:
    """A 0-d tensor in torch's scalar-state dtype (``step``, ``mu_product``)."""
    return Tensor._wrap(np.array(value, dtype=scalar_np_dtype()))


def zeros_state(state: dict[str, Any], p: Tensor, *names: str) -> None:
    """Set ``state[name]`` to zeros shaped like ``p`` for each name (moment buffers)."""
    for name in names:
        state[name] = Tensor._wrap(get_array_module(p._data).zeros_like(p._data))
