"""grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian on the reverse-mode engine.

Each transform differentiates with respect to *aliases* of the chosen inputs: a fresh leaf
(``x.detach().requires_grad_()``) when nothing outside needs ``x``'s gradient, else a recorded
view of ``x`` (``x.view_as(x)``), so the result stays connected to outer transforms and to
tensors that require grad outside.  ``autograd.grad(out, alias)`` only follows paths through
the alias, which keeps nested levels apart (``grad(lambda x: x * grad(lambda y: x * y)(x))``
differentiates the inner ``y`` and the outer ``x`` separately).  A graph of the result is built
(``create_graph=True``) only when the function's graph reaches a tensor that requires grad other
than this level's fresh leaves: then an outer level (or the user) can differentiate it again.
"""

from __future__ import annotations

import functools
import importlib
import weakref
from collections.abc import Callable
from typing import Any

from ..autograd import function as _function
from ..autograd.engine import grad as _autograd_grad
from ..autograd.grad_mode import enable_grad
from ..backend import get_array_module
from ..ops.shape import stack
from ..tensor import Tensor
from . import _tree
from ._vmap import _RANDOMNESS

# the module (``nablagrad.random`` is also the name of a function)
_random = importlib.import_module("nablagrad.random")


def _check_argnums(argnums: Any, nargs: int) -> tuple[int, ...]:
    """Normalised argnums (a tuple), with torch's errors."""
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        nums: tuple = (argnums,)
    elif isinstance(argnums, tuple):
        if not argnums:
            raise RuntimeError("argnums must be non-empty")
        for a in argnums:
            if not isinstance(a, int) or isinstance(a, bool):
                raise RuntimeError(
                    f"argnums must be int or Tuple[int, ...], got: Tuple[{type(a).__name__}]"
                )
        if len(set(argnums)) != len(argnums):
            raise RuntimeError(f"argnums elements must be unique, got {argnums}")
        nums = argnums
    else:
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    out = []
    for a in nums:
        if not -nargs <= a < nargs:
            raise RuntimeError(
                f"Got argnum={a}, but only {nargs} positional inputs: argnums counts the "
                "positional arguments of the call (keyword arguments cannot be differentiated)"
            )
        out.append(a % nargs)
    return tuple(out)


def _check_tensor(x: Any) -> None:
    if not isinstance(x, Tensor):
        raise ValueError(
            f"Thing passed to transform API must be Tensor, got {type(x)}: the differentiated "
            "inputs (and every leaf of a tuple/list/dict among them) must be tensors"
        )


def _output_leaves(out: Any, api: str, call: str) -> tuple:
    """The tensor leaves of ``func``'s output and its structure (torch's error for a leaf that
    is not a tensor)."""
    leaves, spec = _tree.flatten(out)
    for o in leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(
                f"{api}: expected {call} to return only tensors, got unsupported type {type(o)}"
            )
    return leaves, spec


def _alias(x: Tensor, outer: bool) -> Tensor:
    """The tensor this level differentiates with respect to (see the module docstring)."""
    if not x.is_floating_point():
        raise RuntimeError(
            f"only Tensors of floating point dtype can require gradients (got {x.dtype}): "
            "convert the input with .float() or .double()"
        )
    if outer and x.requires_grad:
        return x.view_as(x)
    return x.detach().requires_grad_()


def _reaches_other(roots: list, own: set) -> bool:
    """Whether the graph of ``roots`` reaches a tensor requiring grad that is not one of this
    level's fresh leaves (ids in ``own``): then the results must keep a graph."""
    seen: set = set()
    stack_: list = [r for r in roots if isinstance(r, Tensor) and r.requires_grad]
    while stack_:
        t = stack_.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if id(t) in own:
            continue
        ctx = t._ctx
        if ctx is None:
            if t.requires_grad:
                return True
            continue
        for p in getattr(ctx, "parents", None) or ():
            if isinstance(p, Tensor) and p.requires_grad:
                stack_.append(p)
    return False


def _fresh(aliases: list) -> set:
    """ids of this level's fresh leaves (aliases that are views of outer tensors are not)."""
    return {id(a) for a in aliases if a._ctx is None}


def _zeros_like(x: Tensor) -> Tensor:
    return Tensor._wrap(get_array_module(x._data).zeros_like(x._data))


def _finish(t: Any, keep: bool) -> Any:
    """A result handed back to the caller: detached unless an outer level needs its graph."""
    if isinstance(t, Tensor) and not keep:
        return t.detach()
    return t


def _prepare(
    args: tuple, argnums: tuple, outer: bool, single: bool
) -> tuple[list, list, Any, tuple]:
    """Aliases of the leaves of ``args[argnums]`` and the arguments with them substituted
    (``single``: argnums was an int, so the results are not wrapped in a tuple)."""
    chosen = args[argnums[0]] if single else tuple(args[a] for a in argnums)
    leaves, spec = _tree.flatten(chosen)
    for x in leaves:
        _check_tensor(x)
    aliases = [_alias(x, outer) for x in leaves]
    sub = _tree.unflatten(aliases, spec)
    new_args = list(args)
    if single:
        new_args[argnums[0]] = sub
    else:
        for a, s in zip(argnums, sub):
            new_args[a] = s
    return leaves, aliases, spec, tuple(new_args)


def _split_aux(out: Any, has_aux: bool, api: str) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(
            f"{api}: output of function f should be a tuple: (output, aux) if has_aux is True"
        )
    return out


def _grads(outs: list, aliases: list, seeds: list | None, keep: bool) -> list:
    """Gradients of ``outs`` (seeded) for each alias, zeros where unused."""
    pairs = [
        (o, None if seeds is None else s)
        for o, s in zip(outs, seeds if seeds is not None else outs)
        if o.requires_grad
    ]
    if not pairs:
        return [_zeros_like(a) for a in aliases]
    res = _autograd_grad(
        [o for o, _ in pairs],
        aliases,
        grad_outputs=None if seeds is None else [s for _, s in pairs],
        retain_graph=True,
        create_graph=keep,
        allow_unused=True,
        materialize_grads=True,
    )
    return list(res)


# -- grad ---------------------------------------------------------------------------------------


def grad_and_value(func: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """Like :func:`grad`, but the transformed function returns ``(gradient, value)`` (with
    ``has_aux``: ``(gradient, (value, aux))``).

    >>> import nablagrad as torch
    >>> g, v = torch.func.grad_and_value(lambda x: (x ** 2).sum())(torch.tensor([1.0, 3.0]))
    >>> g, v
    (tensor([2., 6.]), tensor(10.))
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        api = "grad_and_value(f)(*args)"
        nums = _check_argnums(argnums, len(args))
        outer = _function._grad_enabled
        with enable_grad():
            _, aliases, spec, new_args = _prepare(args, nums, outer, not isinstance(argnums, tuple))
            out, aux = _split_aux(func(*new_args, **kwargs), has_aux, api)
            if not isinstance(out, Tensor):
                raise RuntimeError(f"{api}: Expected f(*args) to return a Tensor, got {type(out)}")
            if out.dim() != 0:
                raise RuntimeError(
                    f"{api}: Expected f(*args) to return a scalar Tensor, got tensor with "
                    f"{out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
                )
            keep = outer and _reaches_other([out], _fresh(aliases))
            gs = _grads([out], aliases, None, keep)
        grads = _tree.unflatten(gs, spec)
        value = _finish(out, keep)
        if has_aux:
            aux_leaves, aux_spec = _tree.flatten(aux)
            for a in aux_leaves:
                if not isinstance(a, Tensor):
                    raise RuntimeError(f"Expected tensors, got unsupported type {type(a)}")
            aux = _tree.unflatten([_finish(a, keep) for a in aux_leaves], aux_spec)
            return grads, (value, aux)
        return grads, value

    return wrapper


def grad(func: Callable, argnums: Any = 0, has_aux: bool = False) -> Callable:
    """Gradient transform, as ``torch.func.grad``: ``grad(f)(x)`` is df/dx for scalar ``f``.

    ``argnums`` (int or tuple) picks the differentiated positional arguments, each a tensor or
    a tuple/list/dict of tensors (the gradient has the same structure); with ``has_aux`` ``f``
    returns ``(output, aux)`` and ``grad`` returns ``(gradient, aux)``.  Transforms compose:
    ``grad(grad(f))``, ``vmap(grad(f))`` (per-sample gradients).  Computed by reverse mode on
    nablagrad's engine (``autograd.grad``, with ``create_graph`` when an outer level needs it).

    >>> import nablagrad as torch
    >>> torch.func.grad(lambda x: x.sin().sum())(torch.tensor([0.0, 1.0]))
    tensor([1.0000, 0.5403])
    >>> torch.func.grad(torch.func.grad(lambda x: x ** 3))(torch.tensor(2.0))  # 6x
    tensor(12.)
    """
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, value = gv(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


# -- vjp / jvp ----------------------------------------------------------------------------------


def vjp(func: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(func(*primals), vjp_fn)``, as ``torch.func.vjp``; ``vjp_fn(cotangents)`` returns a
    tuple with one entry per primal: the vector-Jacobian product ``v^T J``.

    >>> import nablagrad as torch
    >>> out, vjp_fn = torch.func.vjp(torch.sin, torch.tensor([0.0, 1.0]))
    >>> vjp_fn(torch.ones(2))
    (tensor([1.0000, 0.5403]),)
    """
    api = "vjp(f, *primals)"
    if not primals:
        raise RuntimeError(f"{api}: expected at least one primal to differentiate with respect to")
    outer = _function._grad_enabled
    with enable_grad():
        _, aliases, spec, new_primals = _prepare(
            primals, tuple(range(len(primals))), outer, len(primals) == 1
        )
        out, aux = _split_aux(func(*new_primals), has_aux, api)
        out_leaves, out_spec = _output_leaves(out, api, "f(*primals)")
        keep = outer and _reaches_other(out_leaves, _fresh(aliases))

    def vjp_fn(
        cotangents: Any, retain_graph: bool = True, create_graph: bool | None = None
    ) -> tuple:
        ct_leaves, ct_spec = _tree.flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of "
                f"outputs to the function. cotangents: {_tree.describe(ct_spec)}, primal "
                f"output: {_tree.describe(out_spec)}"
            )
        for i, (c, o) in enumerate(zip(ct_leaves, out_leaves)):
            if not isinstance(c, Tensor):
                raise RuntimeError(f"Expected tensors, got unsupported type {type(c)}")
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {c.shape} and "
                    f"output[{i}] has a shape of {o.shape}."
                )
        graph = create_graph
        if graph is None:
            graph = _function._grad_enabled and (keep or any(c.requires_grad for c in ct_leaves))
        with enable_grad():
            gs = _grads(out_leaves, aliases, ct_leaves, bool(graph))
        res = _tree.unflatten(gs, spec)
        return tuple(res) if len(primals) != 1 else (res,)

    value = _tree.unflatten([_finish(o, keep) for o in out_leaves], out_spec)
    if has_aux:
        aux_leaves, aux_spec = _tree.flatten(aux)
        aux = _tree.unflatten([_finish(a, keep) for a in aux_leaves], aux_spec)
        return value, vjp_fn, aux
    return value, vjp_fn


def jvp(
    func: Callable,
    primals: Any,
    tangents: Any,
    *,
    strict: bool = False,
    has_aux: bool = False,
) -> tuple:
    """``(func(*primals), J @ tangents)``, as ``torch.func.jvp``.

    nablagrad has no forward-mode engine: the Jacobian-vector product is computed by the
    double-vjp trick on the reverse-mode engine, ``J t = d/du [(J^T u) . t]`` (``J^T u`` is a
    vjp with a dummy cotangent ``u`` recorded with ``create_graph``, which is linear in ``u``;
    its vjp with ``t`` gives ``J t``).  The values are torch's; the cost is about three backward
    passes instead of one forward pass.

    >>> import nablagrad as torch
    >>> torch.func.jvp(torch.sin, (torch.tensor([0.0, 1.0]),), (torch.tensor([1.0, 2.0]),))
    (tensor([0.0000, 0.8415]), tensor([1.0000, 1.0806]))
    """
    api = "jvp(f, primals, tangents)"
    for what, v in (("primals", primals), ("tangents", tangents)):
        if not isinstance(v, tuple) and not (what == "tangents" and isinstance(v, list)):
            raise RuntimeError(
                f"{api}: Expected {what} to be a tuple. E.g. it should be valid to call "
                "f(*primals)."
            )
    p_leaves, p_spec = _tree.flatten(primals)
    t_leaves, t_spec = _tree.flatten(tangents)
    if p_spec != t_spec:
        raise RuntimeError(
            f"{api}: Expected primals and tangents to have the same python structure. For "
            "example, if primals is a tuple of 3 tensors, tangents also must be. Got primals "
            f"with structure {_tree.describe(p_spec)} and tangents with structure "
            f"{_tree.describe(t_spec)}"
        )
    for what, leaves in (("primals", p_leaves), ("tangents", t_leaves)):
        for x in leaves:
            if not isinstance(x, Tensor):
                raise RuntimeError(f"{api}: Expected {what} to only contain Tensors, got {type(x)}")
    for p, t in zip(p_leaves, t_leaves):
        if not p.is_floating_point():
            raise ValueError(f"Expected primal to be floating point or complex, but got: {p.dtype}")
        if tuple(p.shape) != tuple(t.shape):
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the "
                f"original Tensor, this is not supported. Tensor is of size {list(p.shape)} "
                f"while the given forward gradient is of size {list(t.shape)}."
            )
    if strict:
        raise RuntimeError(f"{api}: strict=True is not implemented (torch does not implement it)")
    outer = _function._grad_enabled
    with enable_grad():
        aliases = [_alias(x, outer) for x in p_leaves]
        out, aux = _split_aux(func(*_tree.unflatten(aliases, p_spec)), has_aux, api)
        out_leaves, out_spec = _output_leaves(out, api, "f(*primals)")
        keep = outer and (
            _reaches_other(out_leaves, _fresh(aliases)) or any(t.requires_grad for t in t_leaves)
        )
        tangents_out = _jvp_double_vjp(out_leaves, aliases, t_leaves, keep)
    value = _tree.unflatten([_finish(o, keep) for o in out_leaves], out_spec)
    tout = _tree.unflatten(tangents_out, out_spec)
    if has_aux:
        aux_leaves, aux_spec = _tree.flatten(aux)
        aux = _tree.unflatten([_finish(a, keep) for a in aux_leaves], aux_spec)
        return value, tout, aux
    return value, tout


def _jvp_double_vjp(outs: list, aliases: list, tangents: list, keep: bool) -> list:
    return _double_vjp_apply(outs, _double_vjp_graph(outs, aliases), tangents, keep, keep)


def _double_vjp_graph(outs: list, aliases: list) -> tuple:
    """``J^T u`` recorded with ``create_graph`` for dummy cotangents ``u`` (linear in ``u``)."""
    live = [i for i, o in enumerate(outs) if o.requires_grad]
    if not live:
        return live, [], []
    us = [_zeros_like(outs[i]).requires_grad_() for i in live]
    vjps = _autograd_grad(
        [outs[i] for i in live],
        aliases,
        grad_outputs=us,
        create_graph=True,
        retain_graph=True,
        allow_unused=True,
    )
    return live, us, list(vjps)


def _double_vjp_apply(outs: list, graph: tuple, tangents: list, keep: bool, retain: bool) -> list:
    """``J t`` = the vjp of ``J^T u`` with respect to ``u``, seeded with the tangents."""
    live, us, vjps = graph
    result = [_zeros_like(o) for o in outs]
    pairs = [(g, t) for g, t in zip(vjps, tangents) if g is not None and g.requires_grad]
    if not pairs:
        return result
    jv = _autograd_grad(
        [g for g, _ in pairs],
        us,
        grad_outputs=[t.to(g.dtype) for g, t in pairs],
        create_graph=keep,
        retain_graph=retain or keep,
        allow_unused=True,
        materialize_grads=True,
    )
    for i, j in zip(live, jv):
        result[i] = j
    return result


def linearize(func: Callable, *primals: Any) -> tuple:
    """``(func(*primals), jvp_fn)``, as ``torch.func.linearize``: ``jvp_fn(*tangents)`` is the
    Jacobian-vector product at ``primals``, reusing one recorded graph (the double-vjp graph of
    :func:`jvp`, built once) for every call.

    >>> import nablagrad as torch
    >>> out, jvp_fn = torch.func.linearize(torch.sin, torch.tensor([0.0, 1.0]))
    >>> jvp_fn(torch.ones(2))
    tensor([1.0000, 0.5403])
    """
    p_leaves, p_spec = _tree.flatten(primals)
    for x in p_leaves:
        _check_tensor(x)
    outer = _function._grad_enabled
    with enable_grad():
        aliases = [_alias(x, outer) for x in p_leaves]
        out = func(*_tree.unflatten(aliases, p_spec))
        out_leaves, out_spec = _output_leaves(out, "linearize(f, *primals)", "f(*primals)")
        keep = outer and _reaches_other(out_leaves, _fresh(aliases))
        graph = _double_vjp_graph(out_leaves, aliases)

    def jvp_fn(*tangents: Any) -> Any:
        t_leaves, t_spec = _tree.flatten(tangents)
        if t_spec != p_spec:
            raise RuntimeError(
                f"Expected the tangents {_tree.describe(t_spec)} to have the same argspec as "
                f"the primals {_tree.describe(p_spec)}"
            )
        for i, (t, p) in enumerate(zip(t_leaves, p_leaves)):
            if not isinstance(t, Tensor) or tuple(t.shape) != tuple(p.shape):
                shape = t.shape if isinstance(t, Tensor) else type(t)
                raise RuntimeError(
                    f"tangent:{i} with shape {shape} in flattened pytree doesn't match the "
                    f"shape {p.shape} of the corresponding primal."
                )
        graph_needed = keep or (_function._grad_enabled and any(t.requires_grad for t in t_leaves))
        with enable_grad():
            res = _double_vjp_apply(out_leaves, graph, t_leaves, graph_needed, True)
        return _tree.unflatten(res, out_spec)

    return _tree.unflatten([_finish(o, keep) for o in out_leaves], out_spec), jvp_fn


# -- Jacobians ----------------------------------------------------------------------------------


# A Jacobian block built with a graph (an inner jacrev under an outer transform) is the stack
# of one gradient per output element; the outer Jacobian seeds each of its elements in turn,
# and seeding the stacked block would walk every row's graph (all but one with a zero
# gradient).  So each such block remembers its rows, and an element's seed goes to its row:
# same gradient, a graph one row long (a Hessian costs O(n) row walks instead of O(n^2)).
_ROWS: dict[int, tuple] = {}


def _remember_rows(block: Tensor, rows: list) -> None:
    key = id(block)
    _ROWS[key] = (weakref.ref(block), rows, block._ctx, _version(block))
    weakref.finalize(block, _ROWS.pop, key, None)


def _version(t: Tensor) -> int:
    vc = t._vc
    return vc.v if vc is not None else 0


def _row_seed(o: Tensor, k: int) -> tuple[Tensor, Tensor]:
    """(tensor to differentiate, one-hot seed) for element ``k`` of the output ``o``."""
    entry = _ROWS.get(id(o))
    # the block itself, unchanged since (an in-place op rebinds its node or stamps its version)
    if entry is not None and entry[0]() is o and o._ctx is entry[2] and _version(o) == entry[3]:
        rows = entry[1]
        size = rows[0].numel()
        root, k = rows[k // size], k % size
    else:
        root = o
    e = get_array_module(root._data).zeros(root.numel(), dtype=root._data.dtype)
    e[k] = 1
    return root, Tensor._wrap(e.reshape(root._data.shape))


def _jacobian(
    func: Callable, argnums: Any, has_aux: bool, api: str, args: tuple, kwargs: dict
) -> Any:
    nums = _check_argnums(argnums, len(args))
    outer = _function._grad_enabled
    with enable_grad():
        leaves, aliases, spec, new_args = _prepare(
            args, nums, outer, not isinstance(argnums, tuple)
        )
        out, aux = _split_aux(func(*new_args, **kwargs), has_aux, api)
        out_leaves, out_spec = _output_leaves(out, api, "f(*args)")
        keep = outer and _reaches_other(out_leaves, _fresh(aliases))
        per_out = []
        for o in out_leaves:
            n = o.numel()
            if not o.requires_grad or n == 0:
                blocks = [
                    Tensor._wrap(
                        get_array_module(a._data).zeros(
                            tuple(o.shape) + tuple(a.shape), dtype=o._data.dtype
                        )
                    )
                    for a in aliases
                ]
            else:
                rows: list[list] = [[] for _ in aliases]
                for k in range(n):
                    root, seed = _row_seed(o, k)
                    gs = _grads([root], aliases, [seed], keep)
                    for r, g in zip(rows, gs):
                        r.append(g)
                blocks = [
                    stack(r).reshape(tuple(o.shape) + tuple(a.shape)) for r, a in zip(rows, aliases)
                ]
                if keep:
                    for block, r in zip(blocks, rows):
                        _remember_rows(block, r)
            per_out.append(_tree.unflatten(blocks, spec))
    jac = _tree.unflatten(per_out, out_spec)
    if has_aux:
        aux_leaves, aux_spec = _tree.flatten(aux)
        return jac, _tree.unflatten([_finish(a, keep) for a in aux_leaves], aux_spec)
    return jac


def jacrev(
    func: Callable,
    argnums: Any = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
    _preallocate_and_copy: bool = False,
) -> Callable:
    """Jacobian by reverse mode, as ``torch.func.jacrev``: one vector-Jacobian product per
    output element (``jac[i] = e_i^T J``), on one recorded graph.

    For an output of shape ``O`` and an input of shape ``I`` the block has shape ``O + I``;
    pytrees of outputs and of ``argnums`` inputs give nested results (outer: outputs, inner:
    inputs).  ``chunk_size`` is checked as torch checks it (the products run one at a time).

    >>> import nablagrad as torch
    >>> torch.func.jacrev(lambda x: x ** 2)(torch.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _jacobian(func, argnums, has_aux, "jacrev(f, ...)(*args)", args, kwargs)

    return wrapper


def _refuse_draws() -> None:
    raise RuntimeError(
        "vmap: called random operation while in randomness error mode. Please either use the "
        "'same' or 'different' randomness flags on vmap or perform the randomness operation "
        "out of vmap"
    )


def jacfwd(
    func: Callable,
    argnums: Any = 0,
    has_aux: bool = False,
    *,
    randomness: str = "error",
) -> Callable:
    """Jacobian "by forward mode", as ``torch.func.jacfwd``: same values, arguments, pytree
    structure and errors as torch's.

    nablagrad has no forward-mode engine, and a column-by-column Jacobian by the double-vjp
    trick (:func:`jvp`) would cost three backward passes per input element; so the Jacobian
    is assembled row by row on the reverse-mode engine, exactly as :func:`jacrev` does (the
    same numbers; prefer whichever fits your shapes, not torch's jacfwd/jacrev rule of thumb).
    ``randomness="error"`` refuses random draws in ``func`` as torch's vmap-based jacfwd does;
    with ``"same"`` or ``"different"`` ``func`` runs once, so every column sees the same draws.

    >>> import nablagrad as torch
    >>> torch.func.jacfwd(lambda x: x.sin())(torch.tensor([0.0]))
    tensor([[1.]])
    """
    if randomness not in _RANDOMNESS:
        raise RuntimeError(
            "Only allowed values for randomness are 'error', 'different', or 'same'. "
            f"Got {randomness}"
        )

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nums = _check_argnums(argnums, len(args))
        for a in nums:
            for x in _tree.flatten(args[a])[0]:
                if isinstance(x, Tensor) and not x.is_floating_point():
                    raise ValueError(
                        f"Expected primal to be floating point or complex, but got: {x.dtype}"
                    )
        saved = _random._draw_guard
        if randomness == "error":
            _random._draw_guard = _refuse_draws
        try:
            return _jacobian(func, argnums, has_aux, "jacfwd(f, ...)(*args)", args, kwargs)
        finally:
            _random._draw_guard = saved

    return wrapper


def hessian(func: Callable, argnums: Any = 0) -> Callable:
    """Hessian of a scalar function, as ``torch.func.hessian``: ``jacfwd(jacrev(func))``.

    >>> import nablagrad as torch
    >>> torch.func.hessian(lambda x: (x ** 3).sum())(torch.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)
