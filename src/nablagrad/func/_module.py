"""functional_call and stack_module_state: modules as functions of their tensors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..ops.shape import stack
from ..tensor import Tensor

_MISSING = object()


def _split(module: Any, name: str) -> tuple[Any, str]:
    *path, attr = name.split(".")
    owner = module
    for p in path:
        sub = owner._modules.get(p) if hasattr(owner, "_modules") else None
        if sub is None:
            raise AttributeError(
                f"functional_call: {type(owner).__name__} has no submodule {p!r} (key {name!r}): "
                "keys are the names of named_parameters() / named_buffers()"
            )
        owner = sub
    return owner, attr


def _swap(owner: Any, attr: str, value: Any) -> tuple:
    """Put ``value`` in place of ``owner.attr``; returns what ``_restore`` needs."""
    d = owner.__dict__
    if attr in d.get("_parameters", {}):
        reg = d["_parameters"]
    elif attr in d.get("_buffers", {}):
        reg = d["_buffers"]
    else:
        reg = None
    old_reg = reg[attr] if reg is not None else _MISSING
    old_attr = d.get(attr, _MISSING)
    if reg is not None:
        reg[attr] = value
    d[attr] = value
    return owner, attr, reg, old_reg, old_attr


def _restore(entry: tuple) -> None:
    owner, attr, reg, old_reg, old_attr = entry
    d = owner.__dict__
    if reg is not None:
        reg[attr] = old_reg
    if old_attr is _MISSING:
        d.pop(attr, None)
    else:
        d[attr] = old_attr


def _all_tensors(module: Any, prefix: str = "") -> list[tuple[str, Tensor]]:
    """Every (name, tensor) of the module tree, tied tensors under each of their names."""
    out: list[tuple[str, Tensor]] = []
    d = module.__dict__
    for reg in ("_parameters", "_buffers"):
        for name, t in d.get(reg, {}).items():
            if t is not None:
                out.append((prefix + name, t))
    for name, sub in d.get("_modules", {}).items():
        if sub is not None:
            out.extend(_all_tensors(sub, f"{prefix}{name}."))
    return out


def functional_call(
    module: Any,
    parameter_and_buffer_dicts: Any,
    args: Any = None,
    kwargs: dict | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """Call ``module(*args, **kwargs)`` with the given tensors in place of its parameters and
    buffers, as ``torch.func.functional_call``; the module's own tensors are put back
    afterwards (also when the call raises).

    ``parameter_and_buffer_dicts`` is a dict (``{"fc.weight": w, ...}``, the names of
    ``named_parameters()``/``named_buffers()``) or a tuple/list of dicts with distinct keys.
    Gradients flow to the tensors passed in.  With ``tie_weights`` a tensor given for one name
    of a tied parameter is used for all its names; with ``strict`` every parameter and buffer
    must be given and no other key.

    >>> import nablagrad as torch
    >>> lin = torch.nn.Linear(2, 1)
    >>> w, b = torch.ones(1, 2), torch.zeros(1)
    >>> torch.func.functional_call(lin, {"weight": w, "bias": b}, (torch.tensor([1.0, 2.0]),))
    tensor([3.])
    """
    if isinstance(parameter_and_buffer_dicts, dict):
        merged = dict(parameter_and_buffer_dicts)
    elif isinstance(parameter_and_buffer_dicts, (list, tuple)):
        for d in parameter_and_buffer_dicts:
            if not isinstance(d, dict):
                raise ValueError(
                    "Expected all elements of parameter_and_buffer_dicts to be dictionaries, "
                    f"got {type(d)}"
                )
        keys = [k for d in parameter_and_buffer_dicts for k in d]
        dups = sorted({k for k in keys if keys.count(k) > 1})
        if dups:
            raise ValueError(
                f"{dups} appeared in multiple dictionaries; behavior of functional call is "
                "ambiguous"
            )
        merged = {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    else:
        raise ValueError(
            "Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of dicts, but got "
            f"{type(parameter_and_buffer_dicts)}"
        )
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    kwargs = {} if kwargs is None else kwargs

    own = _all_tensors(module)
    if tie_weights:
        groups: dict[int, list[str]] = {}
        for name, t in own:
            if t is not None:
                groups.setdefault(id(t), []).append(name)
        for names in groups.values():
            if len(names) < 2:
                continue
            given = [n for n in names if n in merged]
            if not given:
                continue
            values = {id(merged[n]) for n in given}
            if len(values) > 1:
                raise ValueError(
                    f"functional_call got multiple values for keys {given}, which are tied. "
                    "Consider using tie_weights=False"
                )
            for n in names:
                merged.setdefault(n, merged[given[0]])
    if strict:
        names = {n for n, _ in own}
        missing = [n for n, _ in own if n not in merged]
        unexpected = [k for k in merged if k not in names]
        if missing or unexpected:
            msg = f"Error(s) in reparametrizing for {type(module).__name__}:"
            if unexpected:
                msg += "\n\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + "."
            if missing:
                msg += "\n\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + "."
            raise RuntimeError(msg)
    for k in merged:
        if not isinstance(k, str):
            raise TypeError(f"functional_call: keys must be str names, got {type(k).__name__}")
    swapped: list = []
    try:
        for name, value in merged.items():
            owner, attr = _split(module, name)
            swapped.append(_swap(owner, attr, value))
        return module(*args, **kwargs)
    finally:
        for entry in reversed(swapped):
            _restore(entry)


def stack_module_state(models: Iterable[Any]) -> tuple[dict, dict]:
    """Stack the parameters and buffers of same-shaped modules, as
    ``torch.func.stack_module_state``: ``(params, buffers)`` dicts whose tensors have a new
    leading dimension (one entry per model), ready for ``vmap(functional_call ...)``.

    The stacked parameters are new leaves (they require grad where the models' do); buffers
    are stacked as they are.

    >>> import nablagrad as torch
    >>> params, buffers = torch.func.stack_module_state([torch.nn.Linear(3, 2) for _ in range(4)])
    >>> params["weight"].shape
    nablagrad.Size([4, 2, 3])
    """
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError(
            "stack_module_state: Expected all models to have the same training/eval mode."
        )
    first = models[0]

    def collect(kind: str) -> dict:
        out = {}
        names = [n for n, _ in getattr(first, kind)()]
        for m in models[1:]:
            other = [n for n, _ in getattr(m, kind)()]
            if other != names:
                raise RuntimeError(
                    f"stack_module_state: the models' {kind}() differ ({names} and {other}): "
                    "stack models of one architecture"
                )
        for name in names:
            tensors = [dict(getattr(m, kind)())[name] for m in models]
            shapes = {tuple(t.shape) for t in tensors}
            if len(shapes) > 1:
                raise RuntimeError(
                    f"stack_module_state: {name!r} has different shapes across the models "
                    f"({sorted(shapes)}): stack models of one architecture"
                )
            s = stack([t.detach() for t in tensors])
            if kind == "named_parameters" and tensors[0].requires_grad:
                s.requires_grad_()
            out[name] = s
        return out

    return collect("named_parameters"), collect("named_buffers")
