"""Record a model's forward pass as a small graph of operations (no ``onnx`` needed).

``trace(model, args)`` runs ``model(*args)`` once, in eval mode and without gradients, with
two listeners switched on:

* the primitive hook of ``autograd.function`` (``add_trace_listener``): every ``Function.apply``
  reports its class, input Tensors, keyword arguments and output;
* a wrapper around each submodule's ``forward`` that keeps the module path (the node's scope)
  and, for layers that map to one standard operator as a whole (``LEAF_MODULES``: LSTM/GRU/RNN,
  BatchNorm, LayerNorm, Embedding, AdaptiveAvgPool2d, Dropout), records one node for the call
  and silences the primitives inside it.

The result (``TracedGraph``) lists nodes in execution order; values are identified by the
``id`` of their Tensor (the tracer keeps every Tensor alive, so ids stay unique).  The ONNX
exporter and ``SummaryWriter.add_graph`` read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..autograd import function as _function
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

__all__ = ["trace", "TracedGraph", "Node", "LEAF_MODULES"]

# Layers recorded as one node; names of their classes (looked up along the MRO).
LEAF_MODULES = (
    "LSTM", "GRU", "RNN", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Embedding",
    "AdaptiveAvgPool2d", "Dropout",
)  # fmt: skip


@dataclass
class Node:
    """One recorded operation: a primitive (``fn`` set) or a whole layer (``module`` set)."""

    kind: str
    inputs: list[int]
    outputs: list[int]
    attrs: dict[str, Any]
    scope: str
    index: int
    fn: Any = None
    module: Any = None
    out_shapes: list[tuple] = field(default_factory=list)


@dataclass
class TracedGraph:
    inputs: list[int]
    input_names: list[str]
    outputs: list[int]
    nodes: list[Node]
    values: dict[int, Tensor]
    param_names: dict[int, str]
    output_structure: Any = None
    modified: list[int] = field(default_factory=list)  # values changed in place after use

    def producer(self) -> dict[int, Node]:
        return {o: n for n in self.nodes for o in n.outputs}


def _flatten(obj: Any) -> list[Tensor]:
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (tuple, list)):
        return [t for o in obj for t in _flatten(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _flatten(o)]
    return []


def _is_leaf(module: Any) -> str | None:
    for cls in type(module).__mro__:
        if cls.__name__ in LEAF_MODULES:
            return cls.__name__
    return None


class _Tracer:
    def __init__(self, leaf_filter: Callable[[str, Any], bool] | None) -> None:
        self.nodes: list[Node] = []
        self.values: dict[int, Tensor] = {}
        self.versions: dict[int, int] = {}  # each value's in-place version when first seen
        self.scope: list[str] = []
        self.silent = 0
        self.leaf_filter = leaf_filter

    def keep(self, t: Tensor) -> int:
        self.values[id(t)] = t
        self.versions.setdefault(id(t), t._version)
        return id(t)

    def add(self, kind: str, ins: list[Tensor], outs: list[Tensor], attrs: dict, **kw: Any) -> None:
        node = Node(
            kind, [self.keep(t) for t in ins], [self.keep(t) for t in outs], attrs,
            ".".join(s for s in self.scope if s), len(self.nodes),
            out_shapes=[tuple(t.shape) for t in outs], **kw,
        )  # fmt: skip
        self.nodes.append(node)

    def on_apply(self, fn: Any, tensors: tuple, kwargs: dict, out: Any) -> None:
        if self.silent:
            return
        self.add(type(fn).__name__, list(tensors), [out], dict(kwargs), fn=fn)

    def wrap(self, name: str, module: Any) -> Callable:
        original = module.forward
        leaf = _is_leaf(module)

        def forward(*args: Any, **kwargs: Any) -> Any:
            self.scope.append(name)
            as_leaf = (
                leaf is not None
                and not self.silent
                and (self.leaf_filter is None or self.leaf_filter(leaf, module))
            )
            try:
                if not as_leaf:
                    return original(*args, **kwargs)
                self.silent += 1
                try:
                    out = original(*args, **kwargs)
                finally:
                    self.silent -= 1
                ins = _flatten(args) + _flatten(kwargs)
                outs = [o for o in _flatten(out) if all(o is not i for i in ins)]
                if outs:
                    self.add(leaf, ins, outs, {"n_args": len(_flatten(args))}, module=module)
                return out
            finally:
                self.scope.pop()

        return forward


def trace(
    model: Any,
    args: tuple,
    input_names: list[str] | None = None,
    leaf_filter: Callable[[str, Any], bool] | None = None,
) -> TracedGraph:
    """Run ``model(*args)`` in eval mode without gradients and record its operations.

    Example:
        >>> import nablagrad as torch
        >>> g = trace(torch.nn.Linear(3, 2), (torch.ones(4, 3),))
        >>> [n.kind for n in g.nodes]
        ['LinearFn']
    """
    tracer = _Tracer(leaf_filter)
    modules = list(model.named_modules()) if hasattr(model, "named_modules") else []
    param_names: dict[int, str] = {}
    if hasattr(model, "state_dict"):
        for k, v in model.state_dict(keep_vars=True).items():
            if isinstance(v, Tensor):
                param_names.setdefault(id(v), k)
    training = [(m, m.training) for _, m in modules]
    listen = tracer.on_apply  # one bound method, so that removing finds the one added
    for name, m in modules:
        m.__dict__["forward"] = tracer.wrap(name.rsplit(".", 1)[-1] if name else "", m)
    ins = [a for a in args if isinstance(a, Tensor)]
    for t in ins:
        tracer.keep(t)
    names = list(input_names or [])
    names += [f"input.{i}" if len(ins) > 1 else "input" for i in range(len(names), len(ins))]
    try:
        for _, m in modules:
            m.training = False
        _function.add_trace_listener(listen)
        with no_grad():
            out = model(*args)
    finally:
        _function.remove_trace_listener(listen)
        for _, m in modules:
            m.__dict__.pop("forward", None)
        for m, t in training:
            m.training = t
    outs = _flatten(out)
    if not outs:
        raise TypeError(f"the model returned {type(out).__name__}, not Tensors: nothing to trace")
    for t in outs:
        tracer.keep(t)
    modified = [v for v, t in tracer.values.items() if t._version != tracer.versions[v]]
    return TracedGraph(
        inputs=[tracer.keep(t) for t in ins], input_names=names[: len(ins)],
        outputs=[tracer.keep(t) for t in outs], nodes=tracer.nodes, values=tracer.values,
        param_names=param_names, output_structure=out, modified=modified,
    )  # fmt: skip
