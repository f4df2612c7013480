"""``torch.utils.checkpoint``: ``checkpoint`` and ``checkpoint_sequential``.

Checkpointing trades compute for memory: the forward keeps no intermediate graph (no
activations), and the backward runs the function again, with the random state of the first run
(``preserve_rng_state``, so dropout draws the same mask), to differentiate it.  Both of torch's
variants are one torch-style custom ``autograd.Function`` node:

- ``use_reentrant=True``: the node's inputs are the tensor arguments; the forward runs under
  ``no_grad``; the backward recomputes on detached copies of the arguments and runs a nested
  ``backward()``, which accumulates the gradients of the parameters the function uses straight
  into their ``.grad`` (so, as in torch, it cannot serve ``autograd.grad`` or
  ``backward(inputs=...)``, and its output needs an argument that requires grad);
- ``use_reentrant=False`` (torch's recommendation): the forward runs once with the graph
  recorded, the tensors it reached from outside (arguments, parameters, tensors of an enclosing
  graph) become the node's inputs and the graph in between is dropped; the backward recomputes
  and takes ``autograd.grad`` with respect to those tensors, handing the gradients to the outer
  pass, so ``autograd.grad``, ``inputs=`` and keyword arguments work.

Gradients equal those of the unchecked function.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.utils.checkpoint import checkpoint
    >>> lin = torch.nn.Linear(3, 2)
    >>> x = torch.ones(4, 3, requires_grad=True)
    >>> checkpoint(lin, x, use_reentrant=False).sum().backward()
    >>> x.grad.shape, lin.weight.grad.shape
    (nablagrad.Size([4, 3]), nablagrad.Size([2, 3]))
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from .. import random as _random
from ..autograd import engine as _engine
from ..autograd import function as _function
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError"]


class CheckpointError(RuntimeError):
    """The recomputation in backward did not match the first forward (torch's error type)."""


def noop_context_fn() -> tuple:
    """torch's default ``context_fn``: two contexts that do nothing."""
    import contextlib

    return contextlib.nullcontext(), contextlib.nullcontext()


def _flatten(tree: Any) -> tuple[list, Any]:
    """The leaves of nested tuples/lists/dicts and a spec to rebuild them (``_unflatten``)."""
    if isinstance(tree, (tuple, list)) and not hasattr(tree, "_fields"):
        leaves: list = []
        specs = []
        for item in tree:
            sub, spec = _flatten(item)
            leaves += sub
            specs.append((len(sub), spec))
        return leaves, (type(tree), specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for key, item in tree.items():
            sub, spec = _flatten(item)
            leaves += sub
            specs.append((key, len(sub), spec))
        return leaves, (dict, specs)
    return [tree], None


def _unflatten(leaves: list, spec: Any) -> Any:
    if spec is None:
        return leaves[0]
    kind, specs = spec
    if kind is dict:
        out, off = {}, 0
        for key, n, sub in specs:
            out[key] = _unflatten(leaves[off : off + n], sub)
            off += n
        return out
    items, off = [], 0
    for n, sub in specs:
        items.append(_unflatten(leaves[off : off + n], sub))
        off += n
    return kind(items)


def _differentiable(t: Any) -> bool:
    return isinstance(t, Tensor) and t._requires_grad and t._data.dtype.kind in "fc"


def _outside_tensors(outputs: list, start: int) -> list:
    """The tensors that require grad which the graph of ``outputs`` reaches from outside the
    nodes recorded after clock tick ``start`` (arguments, parameters, enclosing graphs)."""
    found: dict = {}
    seen: set = set()
    stack = [t for t in outputs if isinstance(t, Tensor) and t._requires_grad]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        ctx = t._ctx
        if ctx is None or ctx.seq < start:
            found[id(t)] = t
            continue
        parents = ctx.parents
        if (
            ctx.seq < _engine._tensor_mod.LAST_STAMP
        ):  # an input changed in place since: its old version
            parents = _engine._parents_at(ctx)
        stack.extend(p for p in parents or () if isinstance(p, Tensor) and p._requires_grad)
    return list(found.values())


class _RngFork:
    """Run a block with the random state captured at the first forward, then restore the
    caller's (torch's ``random.fork_rng`` around ``set_rng_state``)."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def __enter__(self) -> None:
        if self.state is not None:
            self.outer = _random.get_rng_state()
            _random.set_rng_state(self.state)

    def __exit__(self, *exc: Any) -> None:
        if self.state is not None:
            _random.set_rng_state(self.outer)


def _rng_state(preserve: bool) -> Any:
    return _random.get_rng_state() if preserve else None


class CheckpointFunction(Function):
    """The node of ``checkpoint(..., use_reentrant=True)`` (torch's ``CheckpointFunction``)."""

    @staticmethod
    def forward(ctx: Any, run_function: Callable, preserve_rng_state: bool, *args: Any) -> Any:
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn(
                "None of the inputs have requires_grad=True. Gradients will be None",
                stacklevel=4,
            )
        ctx.run_function = run_function
        ctx.rng = _rng_state(preserve_rng_state)
        ctx.args = args
        return run_function(*args)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple:
        if not _engine.is_checkpoint_valid():
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible with .grad() "
                "or passing an `inputs` parameter to .backward(). To resolve this error, you "
                "can either set use_reentrant=False, or call .backward() without passing the "
                "`inputs` argument."
            )
        detached = tuple(
            a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a
            for a in ctx.args
        )
        with _RngFork(ctx.rng), enable_grad():
            recomputed = ctx.run_function(*detached)
        if isinstance(recomputed, Tensor):
            recomputed = (recomputed,)
        with_grad, seeds = [], []
        for res, g in zip(recomputed, grads):
            if isinstance(res, Tensor) and res.requires_grad:
                with_grad.append(res)
                seeds.append(g)
        if not with_grad:
            raise RuntimeError(
                "none of output has requires_grad=True, this checkpoint() is not necessary"
            )
        _engine.backward(with_grad, seeds)
        return (None, None) + tuple(a.grad if isinstance(a, Tensor) else None for a in detached)


class _Recompute:
    """What the non-reentrant node needs to run the function again."""

    def __init__(self, function: Callable, args: tuple, kwargs: dict, rng: Any) -> None:
        self.function, self.args, self.kwargs, self.rng = function, args, kwargs, rng
        self.context_fn: Callable = noop_context_fn
        self.determinism_check = "default"
        self.diff_pos: list = []  # positions of the differentiable outputs among the leaves
        self.shapes: list = []


class CheckpointFunctionNonReentrant(Function):
    """The node of ``checkpoint(..., use_reentrant=False)``: its inputs are the outside tensors
    the first forward reached (the edge of the dropped graph); its outputs are that forward's
    differentiable outputs."""

    @staticmethod
    def forward(ctx: Any, state: _Recompute, *edge: Tensor) -> Any:
        ctx.state = state
        ctx.edge = edge
        return tuple(state.outputs)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> tuple:
        state: _Recompute = ctx.state
        edge = ctx.edge
        _, recompute_ctx = state.context_fn()
        with _RngFork(state.rng), enable_grad(), recompute_ctx:
            again = state.function(*state.args, **state.kwargs)
        leaves, _ = _flatten(again)
        results = []
        for pos, shape in zip(state.diff_pos, state.shapes):
            res = leaves[pos] if pos < len(leaves) else None
            if state.determinism_check != "none" and (
                not isinstance(res, Tensor) or tuple(res.shape) != shape
            ):
                got = "no tensor" if not isinstance(res, Tensor) else f"shape {tuple(res.shape)}"
                raise CheckpointError(
                    "torch.utils.checkpoint: Recomputed values for the checkpointed function "
                    f"differ from the first forward: output {pos} had shape {shape}, the "
                    f"recomputation gave {got}. Make the function deterministic (same shapes "
                    "and control flow on every call), or pass determinism_check='none'."
                )
            results.append(res)
        pairs = [
            (o, g) for o, g in zip(results, grads) if isinstance(o, Tensor) and o.requires_grad
        ]
        if not pairs or not edge:
            return (None,) * (1 + len(edge))
        create_graph = _function._grad_enabled  # the outer pass records (create_graph=True)
        got = _engine.run_backward(
            [o for o, _ in pairs],
            [g if create_graph else (g._data if isinstance(g, Tensor) else g) for _, g in pairs],
            retain_graph=create_graph,
            create_graph=create_graph,
            inputs=list(edge),
            accumulate=False,
            boundary=True,
        )
        return (None, *got)


def checkpoint(
    function: Callable,
    *args: Any,
    use_reentrant: bool | None = None,
    context_fn: Callable = noop_context_fn,
    determinism_check: str = "default",
    debug: bool = False,
    early_stop: bool = True,
    **kwargs: Any,
) -> Any:
    """``function(*args, **kwargs)`` without keeping its intermediate graph; backward runs it
    again (see the module doc).  ``preserve_rng_state=True`` (a keyword) replays the random
    state of the forward in the recomputation.

    Without ``use_reentrant`` torch warns and uses the reentrant variant, and so does this.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.utils.checkpoint import checkpoint
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> checkpoint(lambda t, p: t**p, x, 3, use_reentrant=True).sum().backward()
        >>> x.grad
        tensor([ 3., 12.])
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
            "Starting in PyTorch 2.9, calling checkpoint without use_reentrant will raise an "
            "exception. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant:
        if context_fn is not noop_context_fn or debug is not False:
            raise ValueError(
                "Passing `context_fn` or `debug` is only supported when use_reentrant=False."
            )
        return CheckpointFunction.apply(function, preserve, *args)
    if determinism_check not in ("default", "none"):
        raise ValueError(
            f"determinism_check should be one of ['default', 'none'], but got {determinism_check}"
        )
    if not _function._grad_enabled:  # nothing to differentiate: torch runs the function as is
        return function(*args, **kwargs)
    state = _Recompute(function, args, kwargs, _rng_state(preserve))
    state.context_fn = context_fn
    state.determinism_check = determinism_check
    forward_ctx, _ = context_fn()
    start = _function.tick()
    with forward_ctx:
        result = function(*args, **kwargs)
    leaves, spec = _flatten(result)
    state.diff_pos = [i for i, t in enumerate(leaves) if _differentiable(t)]
    outside = _outside_tensors([leaves[i] for i in state.diff_pos], start)
    if not state.diff_pos or not outside:
        return result
    state.shapes = [tuple(leaves[i].shape) for i in state.diff_pos]
    # the recorded graph is dropped here: the node keeps the arguments, not the activations
    with no_grad():
        state.outputs = [leaves[i].detach() for i in state.diff_pos]
    outs = CheckpointFunctionNonReentrant.apply(state, *outside)
    state.outputs = None
    for pos, out in zip(state.diff_pos, outs):
        leaves[pos] = out
    for i, t in enumerate(leaves):  # other tensors come back without the dropped graph
        if isinstance(t, Tensor) and i not in state.diff_pos and t._ctx is not None:
            leaves[i] = t.detach()
    return _unflatten(leaves, spec)


def checkpoint_sequential(
    functions: Any, segments: int, input: Any, use_reentrant: bool | None = None, **kwargs: Any
) -> Any:
    """Run ``functions`` (a ``Sequential`` or a list of modules/functions) on ``input`` in
    order, as ``segments`` chunks of ``len(functions) // segments``: every chunk but the last is
    checkpointed (torch's split, the remainder going to the last chunk).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.utils.checkpoint import checkpoint_sequential
        >>> net = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
        >>> x = torch.ones(2, 3, requires_grad=True)
        >>> checkpoint_sequential(net, 2, x, use_reentrant=False).shape
        nablagrad.Size([2, 1])
    """
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should "
            "be passed explicitly. In version 2.9 we will raise an exception if use_reentrant "
            "is not passed. use_reentrant=False is recommended, but if you need to preserve the "
            "current default behavior, you can pass use_reentrant=True. Refer to docs for more "
            "details on the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    from ..nn import Sequential

    if isinstance(functions, Sequential):
        functions = list(functions.children())
    if segments == 0:
        raise ZeroDivisionError(
            "checkpoint_sequential: segments must be at least 1 (the number of checkpointed "
            "chunks), got 0"
        )
    size = len(functions) // segments
    if size == 0 and segments > 1:
        raise ValueError(
            f"checkpoint_sequential: segments ({segments}) must not exceed the number of "
            f"functions ({len(functions)})"
        )

    def run(start: int, end: int) -> Callable:
        def forward(x: Any) -> Any:
            for j in range(start, end + 1):
                x = functions[j](x)
            return x

        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(
            run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve
        )
    return run(end + 1, len(functions) - 1)(input)
