"""The reverse-mode engine: one place that does all gradient bookkeeping.

``run_backward`` walks the graph from the outputs back in reverse creation order (a heap keyed
by each node's sequence number: a topological order without recursion, so chains of any length
work), calls each primitive's ``backward`` and then, for every input, sums broadcast dimensions
away, casts to the input's dtype and accumulates.  Leaves receive their total gradient in
``.grad``; ``autograd.grad`` asks for the gradients of chosen tensors instead.
"""

from __future__ import annotations

import warnings
from heapq import heappop, heappush
from typing import Any

from .. import tensor as _tensor_mod
from ..backend import get_array_module, np, scratch_sole_view
from ..tensor import Tensor, to_array
from . import function as _function
from .gradmath import TENSOR
from .saved import _cache as _specs
from .saved import spec_for

# Leaves with post-accumulate-grad hooks (``Tensor.register_post_accumulate_grad_hook``); only
# while some exist does backward look for the moment each such leaf's gradient is complete.
post_hook_count = 0
# Anomaly detection (``autograd.detect_anomaly``): check every node's gradients for NaN.
anomaly_check_nan = False
# Callbacks queued during a backward pass (``queue_callback``), run when the pass ends.
_callbacks: list = []
# One entry per backward pass in progress (passes nest when a backward runs a backward, as
# ``utils.checkpoint`` does): whether that pass accumulates into every leaf (no ``inputs``).
_passes: list = []


def is_checkpoint_valid() -> bool:
    """torch's ``autograd._is_checkpoint_valid``: False inside a pass that ``autograd.grad`` or
    ``backward(inputs=...)`` started (a reentrant checkpoint cannot serve those)."""
    return _passes[-1] if _passes else True


def queue_callback(fn: Any) -> None:
    """Run ``fn()`` once at the end of the current backward pass (torch's
    ``Variable._execution_engine.queue_callback``; DDP waits for its allreduces there)."""
    _callbacks.append(fn)


def _as_grad(t: Any, g: Any, create_graph: bool) -> Any:
    """Normalise a seed gradient to what the pass works with (array, or Tensor with graph)."""
    if g is None:
        if t._data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, but the output has "
                f"shape {tuple(t.shape)}: pass gradient= (a tensor of that shape) to backward(), "
                "or reduce the output first (e.g. out.sum().backward())"
            )
        data = get_array_module(t._data).ones(t._data.shape, t._data.dtype)
        return Tensor._wrap(data) if create_graph else data
    g_t = g if isinstance(g, Tensor) else Tensor._wrap(to_array(g))
    if tuple(g_t.shape) != tuple(t.shape):
        raise RuntimeError(
            f"Mismatch in shape: gradient has shape {tuple(g_t.shape)} but the output has shape "
            f"{tuple(t.shape)}: pass a gradient with the output's shape"
        )
    if create_graph:
        return g_t
    # not copied (a 1.6M-element float32 seed: 1 ms); the pass never writes into a gradient it
    # was given, and ``_accumulate_leaf`` copies a seed before storing it as a ``.grad``
    return g_t._data.astype(t._data.dtype, copy=False)


# ``(begin(node), end(node, grads))`` while a profiler records: told around each node's backward
# (``nablagrad.profiler`` records them as ``autograd::engine::evaluate_function: <node>``).
_node_hooks: Any = None


def run_backward(
    roots: list,
    seeds: list,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: list | None = None,
    accumulate: bool = True,
    boundary: bool = False,
) -> list | None:
    """Backpropagate from ``roots`` seeded with ``seeds``.

    With ``accumulate=True`` leaf gradients are added into ``.grad`` (``Tensor.backward``);
    otherwise the gradients of ``inputs`` are returned in order (``autograd.grad``).
    ``boundary=True`` treats ``inputs`` as the edge of the graph: their partial gradients are
    returned, their hooks left to a later pass and nothing before them walked
    (``utils.checkpoint`` hands these gradients on to the enclosing pass).
    """
    if retain_graph is None:
        retain_graph = create_graph
    for r in roots:
        if not r.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn: "
                "create the inputs with requires_grad=True (or call .requires_grad_()) and do "
                "not compute the output inside no_grad()"
            )
    grads: dict[int, Any] = {}
    borrowed: set = set()  # the caller's seed arrays: copied before a leaf keeps one
    for r, s in zip(roots, seeds):
        g = _as_grad(r, s, create_graph)
        borrowed.add(id(g))
        grads[id(r)] = grads[id(r)] + g if id(r) in grads else g
    wanted = {id(t): i for i, t in enumerate(inputs)} if inputs is not None else {}
    captured: list = [None] * len(inputs) if inputs is not None else []

    # Visit nodes newest-first: a node's sequence number is larger than those of the nodes that
    # made its inputs, so when a node is popped every consumer has already sent its gradient.
    heap: list = []
    leaves: list = []
    seen: set = set()
    # autograd.grad(out, inputs): only the part of the graph between the outputs and the inputs
    # runs (as torch), so what lies before an input (a non-leaf) is neither computed nor freed
    needed = _needed(roots, wanted, boundary) if wanted and not accumulate else None
    for r in roots:
        if id(r) not in seen and (needed is None or id(r) in needed):
            _push(r, heap, leaves, seen)

    # Leaves with post-accumulate hooks are finished as soon as the walk passes their oldest
    # consumer (every consumer is newer than it), so the hook can start work (DDP's allreduce)
    # while the rest of the graph is still being differentiated.
    early = _early_leaves(roots) if post_hook_count and accumulate else []
    handed: set = set(borrowed)  # arrays a leaf may not keep without a copy
    callbacks_before = len(_callbacks)

    prev_mode, prev_wanted = _function._grad_enabled, _function._wanted_ids
    _function._grad_enabled = create_graph
    _function._wanted_ids = needed
    _passes.append(inputs is None)
    try:
        while heap:
            seq_key, _, t = heappop(heap)
            while early and early[-1][0] > -seq_key:
                _finish_leaf(early.pop()[1], grads, create_graph, handed)
            key = id(t)
            g = grads.pop(key, None)
            ctx = t._ctx
            parents = ctx.parents
            if g is None:
                continue
            if ctx.seq < _tensor_mod.LAST_STAMP:  # an input may have been changed in place since
                parents = _parents_at(ctx)
            if t._hooks is not None and (not boundary or key not in wanted):
                g = _run_hooks(t, g, create_graph)
            if key in wanted:
                captured[wanted[key]] = g
                if boundary:
                    continue
            if t._retains_grad and accumulate:
                _accumulate_leaf(t, g, create_graph, set(borrowed))
            if needed is not None and not any(id(p) in needed for p in parents):
                continue  # an input (or a dead end): nothing before it is wanted
            packed = ctx._packed
            # something changed in place since recording (tensors a saved_tensors_hooks' pack
            # hook kept are the hook's business, as in torch)
            if ctx.seq < _tensor_mod.LAST_STAMP and packed is None:
                spec = _specs.get(type(ctx)) or spec_for(type(ctx))
                if spec.checks:
                    _check_saved(ctx, t, spec)
            prof = _node_hooks
            if prof is not None:
                prof[0](ctx)
            if packed is not None:
                out_v, args = _unpacked(ctx, t, parents, create_graph)
            elif create_graph:
                out_v, args = t, parents
            else:
                out_v, args = t._data, ctx.inputs
            if create_graph:
                ctx.m = TENSOR  # Tensor math for this call only (the class default is ARRAY)
                try:
                    in_grads = ctx.backward(g, out_v, *args)
                finally:
                    del ctx.m
            else:
                in_grads = ctx.backward(g, out_v, *args)
            if prof is not None:
                prof[1](ctx, in_grads)
            if anomaly_check_nan:
                _check_nan(ctx, in_grads)
            if not retain_graph:
                ctx.parents = None
                ctx.inputs = None
                if packed is not None:
                    ctx._packed = None
            for p, pg in zip(parents, in_grads):
                if pg is None or not p._requires_grad:
                    continue
                if needed is not None and id(p) not in needed:
                    continue
                if pg.shape != p._data.shape or pg.dtype != p._data.dtype:
                    pg = _fit(pg, p)
                pk = id(p)
                prev = grads.get(pk)
                if prev is None:
                    grads[pk] = pg
                    if pk not in seen:
                        _push(p, heap, leaves, seen)
                else:
                    grads[pk] = prev + pg

        while early:
            _finish_leaf(early.pop()[1], grads, create_graph, handed)
        for leaf in leaves:
            key = id(leaf)
            g = grads.pop(key, None)
            if g is None:
                continue
            if leaf._hooks is not None and (not boundary or key not in wanted):
                g = _run_hooks(leaf, g, create_graph)
            if key in wanted:
                captured[wanted[key]] = g
            elif accumulate:
                _accumulate_leaf(leaf, g, create_graph, handed)
                if post_hook_count and leaf.__dict__.get("_post_acc_hooks"):
                    for hook in list(leaf.__dict__["_post_acc_hooks"].values()):
                        hook(leaf)
    finally:
        _function._grad_enabled = prev_mode
        _function._wanted_ids = prev_wanted
        _passes.pop()
        queued = _callbacks[callbacks_before:]
        del _callbacks[callbacks_before:]
    for fn in queued:
        fn()

    if inputs is None:
        return None
    return [
        None if c is None else (c if isinstance(c, Tensor) else Tensor._wrap(c)) for c in captured
    ]


class _Unpacked(_function.Function):
    """The value an ``unpack_hook`` returned, with the history of the tensor that was saved: the
    gradient goes to the saved tensor (torch re-attaches the unpacked data to the saved
    tensor's ``grad_fn``, so double backward under ``create_graph=True`` reaches it)."""

    def forward(self, saved: Any, unpacked: Any) -> Any:
        return unpacked

    def backward(self, g: Any, out: Any, saved: Any, unpacked: Any) -> tuple:
        return g, None


def unpack_saved(unpack: Any, packed: Any, saved: Any, create_graph: bool) -> Any:
    """``unpack(packed)``, checked against ``saved`` (the Tensor that was packed): a Tensor of
    its shape, or torch's TypeError / an error naming the mismatch.  Under ``create_graph``
    the result carries ``saved``'s history (``_Unpacked``)."""
    u = unpack(packed)
    if not isinstance(u, Tensor):
        raise TypeError(
            "Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
            f"{type(u).__name__}: the unpack_hook of saved_tensors_hooks must return the tensor "
            "the pack_hook saved (or one of its shape)"
        )
    if tuple(u._data.shape) != tuple(saved._data.shape):
        raise RuntimeError(
            f"saved tensor unpack_hook returned a tensor of shape {list(u._data.shape)} for a "
            f"saved tensor of shape {list(saved._data.shape)}: the unpack_hook of "
            "saved_tensors_hooks must return a tensor of the saved tensor's shape"
        )
    if create_graph and u is not saved and saved._requires_grad:
        return _Unpacked.apply(saved, u)
    return u


def _unpacked(ctx: Any, t: Any, parents: tuple, create_graph: bool) -> tuple:
    """The output and inputs ``ctx.backward`` gets when ``ctx`` was recorded under
    ``autograd.graph.saved_tensors_hooks``: each tensor the pack hook kept replaced by what the
    unpack hook gives back (arrays in an ordinary pass, Tensors under ``create_graph``)."""
    unpack, slots = ctx._packed
    args = list(parents if create_graph else ctx.inputs)
    out_v = t if create_graph else t._data
    for i, p in slots:
        if i < 0:
            saved = t
        else:
            saved = parents[i] if create_graph else Tensor._wrap(ctx.inputs[i])
        u = unpack_saved(unpack, p, saved, create_graph)
        v = u if create_graph else u._data
        if i < 0:
            out_v = v
        else:
            args[i] = v
    return out_v, args


def _check_nan(ctx: Any, in_grads: Any) -> None:
    """Anomaly mode: torch's error for the first input gradient of ``ctx`` holding a NaN."""
    for i, g in enumerate(in_grads):
        if g is None:
            continue
        raw = g._data if isinstance(g, Tensor) else g
        if raw.dtype.kind in "fc" and bool(get_array_module(raw).isnan(raw).any()):
            raise RuntimeError(f"Function '{ctx.name}' returned nan values in its {i}th output.")


def _parents_at(ctx: Any) -> tuple:
    """``ctx``'s inputs as they were when it was recorded.

    An in-place change of a non-leaf (``x.mul_(2)``, ``view[i] = v``) gives the tensor object
    new history; a node recorded before the change (an older node, while the tensor's new
    history is newer) must send its gradient to the history it consumed, which the tensor
    keeps among its priors (``Tensor._keep_prior``)."""
    parents = ctx.parents
    if parents is None:
        return parents
    seq = ctx.seq
    out = None
    for i, p in enumerate(parents):
        pc = p._ctx
        if pc is not None and pc.seq > seq:
            for old in reversed(p.__dict__.get("_priors", ())):
                oc = old._ctx
                if oc is None or oc.seq < seq:
                    if out is None:
                        out = list(parents)
                    out[i] = old
                    break
    return parents if out is None else tuple(out)


def _needed(roots: list, wanted: dict, boundary: bool = False) -> set:
    """Ids of the tensors from which some tensor in ``wanted`` can be reached (iterative, as
    graphs of long loops are deep); with ``boundary`` the walk stops at the wanted tensors."""
    needed: set = set()
    done: set = set()
    stack = [(r, False) for r in roots]

    def parents_of(t: Any) -> tuple:  # as the walk below will see them (in-place history too)
        ctx = t._ctx
        if ctx is None or not ctx.parents:
            return ()
        return _parents_at(ctx) if ctx.seq < _tensor_mod.LAST_STAMP else ctx.parents

    while stack:
        t, expanded = stack.pop()
        key = id(t)
        if expanded:
            if key in wanted or any(id(p) in needed for p in parents_of(t)):
                needed.add(key)
            continue
        if key in done:
            continue
        done.add(key)
        stack.append((t, True))
        if boundary and key in wanted:
            continue
        stack.extend((p, False) for p in parents_of(t) if isinstance(p, Tensor))
    return needed


def _push(t: Any, heap: list, leaves: list, seen: set) -> None:
    """Queue a tensor whose gradient has started to arrive (leaves wait until the end)."""
    seen.add(id(t))
    ctx = t._ctx
    if ctx is None:
        leaves.append(t)
        return
    if ctx.parents is None:
        raise RuntimeError(
            "Trying to backward through the graph a second time (or to use intermediate results "
            "after they were freed): pass retain_graph=True to the first backward() call if you "
            "need to backward through the graph again"
        )
    heappush(heap, (-ctx.seq, id(t), t))


def _early_leaves(roots: list) -> list:
    """(oldest consumer's sequence number, leaf) for every leaf with post-accumulate hooks
    reachable from ``roots``, sorted so that ``pop()`` gives the one to finish first."""
    first: dict[int, list] = {}
    stack = [r for r in roots if r._ctx is not None]
    seen = {id(r) for r in stack}
    while stack:
        ctx = stack.pop()._ctx
        if ctx.parents is None:
            continue
        for p in ctx.parents:
            if p._ctx is None:
                if p.__dict__.get("_post_acc_hooks"):
                    entry = first.get(id(p))
                    if entry is None:
                        first[id(p)] = [ctx.seq, p]
                    elif ctx.seq < entry[0]:
                        entry[0] = ctx.seq
            elif id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    return sorted((tuple(e) for e in first.values()), key=lambda e: e[0])


def _finish_leaf(leaf: Any, grads: dict, create_graph: bool, handed: set) -> None:
    """Give ``leaf`` its complete gradient now and run its post-accumulate hooks."""
    g = grads.pop(id(leaf), None)
    if g is None:
        return
    if leaf._hooks is not None:
        g = _run_hooks(leaf, g, create_graph)
    _accumulate_leaf(leaf, g, create_graph, handed)
    for hook in list(leaf.__dict__["_post_acc_hooks"].values()):
        hook(leaf)


def _check_saved(ctx: Any, t: Any, spec: Any) -> None:
    """Raise torch's error when a tensor this node's backward reads was changed in place after
    the node was recorded (its version counter carries a later tick than the node's ``seq``).
    ``t`` is the node's output (after an in-place rebind, a tensor sharing its counter)."""
    parents = ctx.parents
    seq = ctx.seq
    for i in range(len(parents)) if spec.all_inputs else spec.inputs(ctx):
        vc = parents[i]._vc
        if vc is not None and vc.v > seq:
            _raise_modified(parents[i], ctx, None)
    if spec.may_read_output:
        vc = t._vc
        if vc is not None and vc.v > seq and spec.output(ctx):
            _raise_modified(t, ctx, 0)


def _raise_modified(p: Any, ctx: Any, output: int | None) -> None:
    kind = f"{p.dtype.name.capitalize()}Tensor"
    which = "" if output is None else f", which is output {output} of {ctx.name},"
    raise RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [nablagrad.{kind} {list(p.shape)}]{which} was changed in place after "
        f"{ctx.name} saved it. Hint: {ctx.name} reads this tensor; use an out-of-place "
        "operation (x = x * 2 instead of x.mul_(2) or x *= 2) or clone() the tensor before "
        "changing it"
    )


def _fit(pg: Any, p: Any) -> Any:
    """Un-broadcast and cast a raw input gradient to its input's shape and dtype (a leaf whose
    ``grad_dtype`` is None keeps the gradient's dtype)."""
    if pg.shape != p._data.shape:
        pg = unbroadcast(pg, p._data.shape)
    if p._ctx is None and p.__dict__ and p.__dict__.get("_grad_dtype", 0) is None:
        return pg
    if isinstance(pg, Tensor):
        if pg._data.dtype != p._data.dtype:
            pg = pg.to(dtype=p.dtype)
    elif pg.dtype != p._data.dtype:
        with np.errstate(over="ignore"):  # a float32 gradient beyond float16: inf, as torch
            pg = pg.astype(p._data.dtype)
    return pg


def _run_hooks(t: Any, g: Any, create_graph: bool) -> Any:
    g_t = g if isinstance(g, Tensor) else Tensor._wrap(g)
    for hook in list(t._hooks.values()):
        out = hook(g_t)
        if out is not None:
            _check_hook_result(hook, g_t, out)
            g_t = out
    return g_t if create_graph else g_t._data


def _check_hook_result(hook: Any, g: Any, out: Any) -> None:
    """torch's checks on a gradient hook's return value: a Tensor of the same shape and dtype."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(out, Tensor):
        raise TypeError(
            f"expected Tensor, but hook {name!r} returned {type(out).__name__!r}: a gradient hook "
            "must return a Tensor of the gradient's shape, or None to keep the gradient"
        )
    if out._data.shape != g._data.shape:
        raise RuntimeError(
            f"hook {name!r} has changed the size of value: it returned shape "
            f"{list(out._data.shape)} for a gradient of shape {list(g._data.shape)}; a hook must "
            "return a gradient of the same shape"
        )
    if out._data.dtype != g._data.dtype:
        raise RuntimeError(
            f"hook {name!r} has changed the type of value (was {g.dtype} got {out.dtype}): "
            "return the gradient in its own dtype"
        )


def _accumulate_leaf(t: Any, g: Any, create_graph: bool, handed: set) -> None:
    """Add ``g`` into ``t.grad``, never letting two gradients share one array."""
    if t.__dict__:
        want = t.__dict__.get("_grad_dtype")  # Tensor.grad_dtype set to another dtype
        if want is not None and g.dtype != (want if create_graph else want.np):
            g = g.to(want) if create_graph else g.astype(want.np)
            handed.add(id(g))  # a fresh array: no copy needed
    if create_graph:
        t.grad = g if t.grad is None else t.grad + g
        return
    # ``g`` already has t's shape and dtype (``_fit``): set ``_grad`` without the setter's checks
    grad = t._grad
    if grad is None:
        # a view may share its memory with another gradient: copied, unless it is a pooled
        # buffer nothing else uses (an input gradient of 64x16x14x14 float32: 60 us a step)
        if id(g) in handed or (g.base is not None and not scratch_sole_view(g)):
            g = g.copy()
        handed.add(id(g))
        t._grad = Tensor._wrap(g)
    elif grad._data.shape == g.shape and grad._data.dtype == g.dtype and not grad._requires_grad:
        grad._data += g
    else:
        t._grad = Tensor._wrap(grad._data + g)


def unbroadcast(g: Any, shape: tuple) -> Any:
    """Sum ``g`` (array or Tensor) over the dimensions broadcasting added or stretched."""
    gshape = g.shape
    if tuple(gshape) == tuple(shape):
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1
    )
    if axes:
        g = g.sum(axes, keepdims=True)
    if lead or tuple(g.shape) != tuple(shape):
        g = g.reshape(shape)
    return g


def _as_list(x: Any) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> Any:
    """Gradients of ``outputs`` with respect to ``inputs``, returned (not accumulated).

    ``inputs`` may be a Tensor, a sequence of Tensors (an input listed twice gets its gradient
    twice) or a dict of them (the result is then a dict with the same keys).  With
    ``is_grads_batched=True`` the first dimension of every ``grad_outputs`` entry is a batch of
    seeds, and each result gains that leading dimension (one vector-Jacobian product per seed).

    With ``create_graph=True`` the result is itself differentiable, which gives higher-order
    derivatives and Hessian-vector products::

        >>> import nablagrad as torch
        >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
        >>> (g,) = torch.autograd.grad((x ** 3).sum(), x, create_graph=True)
        >>> (h,) = torch.autograd.grad(g.sum(), x)   # d/dx sum(3x^2) = 6x
        >>> h
        tensor([ 6., 12.])
    """
    if materialize_grads and allow_unused is False:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, "
            "but got: allow_unused=False."
        )
    if not only_inputs:
        warnings.warn(
            "only_inputs argument is deprecated and is ignored now (defaults to True). To "
            "accumulate gradient for other parts of the graph, please use "
            "torch.autograd.backward.",
            FutureWarning,
            stacklevel=2,
        )
    keys = list(inputs) if type(inputs) is dict else None
    outs = _as_list(outputs)
    ins = list(inputs.values()) if keys is not None else _as_list(inputs)
    if not ins:
        raise RuntimeError("grad: `inputs` argument to `grad()` cannot be empty")
    for i, t in enumerate((*outs, *ins)):
        if not isinstance(t, Tensor):
            what = "outputs" if i < len(outs) else "inputs"
            raise TypeError(f"grad: all {what} have to be Tensors, but got {type(t).__name__}")
    seeds = _seeds(grad_outputs, outs, "grad_outputs")
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(
                f"grad: input {i} (shape {tuple(t.shape)}) does not require grad: create it with "
                "requires_grad=True"
            )
    # an input listed twice is differentiated once and its gradient handed out twice
    unique = list({id(t): t for t in ins}.values())
    if is_grads_batched:
        result = _batched_grads(outs, seeds, unique, retain_graph, create_graph)
    else:
        result = run_backward(
            outs, seeds, retain_graph, create_graph, inputs=unique, accumulate=False
        )
    by_id = {id(t): r for t, r in zip(unique, result)}
    result = [_in_grad_dtype(t, by_id[id(t)]) for t in ins]
    for i, r in enumerate(result):
        if r is None and not (allow_unused or materialize_grads):
            raise RuntimeError(
                f"One of the differentiated Tensors (input {i}) appears to not have been used in "
                "the graph. Set allow_unused=True if this is the desired behavior."
            )
        if r is None and materialize_grads:
            zeros = get_array_module(ins[i]._data).zeros_like(ins[i]._data)
            result[i] = Tensor._wrap(zeros).requires_grad_(create_graph)
    if keys is not None:
        return dict(zip(keys, result))
    return tuple(result)


def _in_grad_dtype(t: Any, r: Any) -> Any:
    """A leaf's gradient in its ``grad_dtype`` when that is set to another dtype, as torch's."""
    want = t.__dict__.get("_grad_dtype") if t.__dict__ and t._ctx is None else None
    if want is None or r is None or r.dtype == want:
        return r
    return r.to(want)


def _seeds(given: Any, outs: list, name: str) -> list:
    """One seed per output from ``grad_outputs`` / ``grad_tensors`` (None: all None), as torch:
    extra entries are ignored (torch zips them), too few or a non-Tensor entry raise."""
    seeds = _as_list(given) or [None] * len(outs)
    if len(seeds) < len(outs):
        raise RuntimeError(
            f"got {len(outs)} tensors and {len(seeds)} gradients: pass one {name} entry "
            "(a Tensor, or None for a scalar output) per output"
        )
    seeds = seeds[: len(outs)]
    for s in seeds:
        if s is not None and not isinstance(s, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(s).__name__}")
    return seeds


def _batched_grads(
    outs: list, seeds: list, ins: list, retain_graph: bool | None, create_graph: bool
) -> list:
    """``is_grads_batched``: one backward pass per seed along the seeds' first dimension, the
    results stacked (an input no pass reaches stays ``None``)."""
    from ..ops.shape import stack

    sizes = {int(s.shape[0]) for s in seeds if s is not None and s.ndim > 0}
    if not sizes or len(sizes) > 1 or any(s is not None and s.ndim == 0 for s in seeds):
        raise RuntimeError(
            "is_grads_batched=True needs every grad_outputs entry to be a Tensor with the same "
            "batch size as its first dimension"
        )
    (n,) = sizes
    per_input: list = [[] for _ in ins]
    for b in range(n):
        keep = True if b < n - 1 else retain_graph
        res = run_backward(
            outs,
            [None if s is None else s[b] for s in seeds],
            keep,
            create_graph,
            inputs=ins,
            accumulate=False,
        )
        for acc, r in zip(per_input, res):
            acc.append(r)
    out = []
    for t, acc in zip(ins, per_input):
        if all(r is None for r in acc):
            out.append(None)
            continue
        zero = get_array_module(t._data).zeros_like(t._data)
        out.append(stack([Tensor._wrap(zero) if r is None else r for r in acc]))
    return out


def backward(
    tensors: Any,
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    grad_variables: Any = None,
    inputs: Any = None,
) -> None:
    """Accumulate gradients of several outputs into the leaves' ``.grad`` (with ``inputs``:
    only into those tensors' ``.grad``, leaves or not)."""
    outs = _as_list(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    seeds = _seeds(grad_tensors, outs, "grad_tensors")
    if inputs is None:
        run_backward(outs, seeds, retain_graph, create_graph)
        return
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not ins:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty")
    for t in ins:
        if not isinstance(t, Tensor):
            raise TypeError(f"backward(inputs=...) takes Tensors, but got {type(t).__name__}")
    unique = list({id(t): t for t in ins}.values())
    grads = run_backward(outs, seeds, retain_graph, create_graph, inputs=unique, accumulate=False)
    for t, g in zip(unique, grads):
        if g is not None:
            t.grad = g if t.grad is None else t.grad + g
