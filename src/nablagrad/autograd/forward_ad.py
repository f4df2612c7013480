"""Forward-mode automatic differentiation (``torch.autograd.forward_ad``).

Inside a dual level a tensor can carry a *tangent* ``v`` beside its value ``x`` (a dual tensor,
``make_dual(x, v)``); every primitive applied to dual tensors computes its output's tangent,
the Jacobian-vector product ``dy = sum_i J_i v_i``, so after ``out = f(make_dual(x, v))``,
``unpack_dual(out).tangent`` is ``J_f(x) v`` -- one forward pass, no backward pass::

    with forward_ad.dual_level():
        d = forward_ad.make_dual(x, v)
        jvp = forward_ad.unpack_dual(model(d)).tangent

How tangents flow: entering a level adds a trace listener (``function.add_trace_listener``),
which ``Function.apply`` tells about every primitive call; exiting removes it, so ordinary code
outside a level pays nothing.  For a call with a dual input the listener derives the output's
tangent from the primitive's own backward formula by the transpose trick: the backward is
linear in the incoming gradient ``u`` (``J_i^T u``), so it runs once in Tensor math with ``u``
recorded, and the gradient of ``s = sum_i <J_i^T u, v_i>`` with respect to ``u`` is
``sum_i J_i v_i``.  Every backward formula is differentiable in ``g`` (the ``m`` namespace), so
every primitive has a tangent; one whose backward cannot be differentiated raises
``NotImplementedError`` naming it, never a silent wrong tangent.  The tangent is itself
recorded when a primal or a tangent requires grad (reverse over forward), and primal outputs
are recorded as usual, so ``backward`` through code that used duals works.

The tangent lives on the tensor (with the version of its memory when it was set).  In-place
arithmetic (``add_``, ``mul_``, ``relu_`` ..., ``fill_``, ``zero_`` and ``x[i] = y``) updates
it, also through views: as in torch, the tensors sharing the changed memory (the base and its
live views) have their tangents brought up to date.  A dual whose memory changed through
another in-place path (``normal_`` and the other random fills) raises when its tangent is read
again, rather than using a stale one.  As in torch 2.13 only one level exists at a time
(nested levels raise), ``detach()`` drops the tangent, ``no_grad`` does not affect it, and
non-float outputs (``argmax``, comparisons, integer casts) have none.
"""

from __future__ import annotations

import weakref
from typing import Any, NamedTuple

from .. import backend
from .._coo import COOArray
from ..tensor import Tensor
from . import function as _function
from .gradmath import TENSOR

__all__ = [
    "UnpackedDualTensor",
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "make_dual",
    "unpack_dual",
]

_KEY = "_fw_tangent"  # a dual tensor's __dict__ entry: (tangent, version of its memory then)
_DUAL = "_fw_made_dual"  # marks a make_dual result: it, not its primal's base, owns the tangent
_level: int | None = None  # the active level (torch numbers it 0), None outside one
_busy = False  # set while a tangent is computed: the primitives that run then carry none
_duals: list = []  # weak references to the tensors given a tangent at this level
_prune_at = 4096  # prune _duals of dead references when it grows past this


class UnpackedDualTensor(NamedTuple):
    """torch's named tuple returned by ``unpack_dual``: ``primal`` (a view of the dual
    tensor's value, without tangent) and ``tangent`` (``None`` for a tensor that is not dual).

    >>> import nablagrad as ng
    >>> import nablagrad.autograd.forward_ad as fwAD
    >>> fwAD.unpack_dual(ng.tensor([1.0])).tangent is None
    True
    """

    primal: Tensor
    tangent: Tensor | None


# -- levels -------------------------------------------------------------------------------------


def enter_dual_level() -> int:
    """Start a forward-AD level and return its number (0: torch 2.13 supports one level).

    >>> import nablagrad.autograd.forward_ad as fwAD
    >>> level = fwAD.enter_dual_level()
    >>> fwAD.exit_dual_level(level=level)
    >>> level
    0
    """
    global _level
    if _level is not None:
        raise RuntimeError(
            "Nested forward mode AD is not supported at the moment (exit the active dual "
            "level before entering another)"
        )
    _level = 0
    _function.add_trace_listener(_listener)
    _set_inplace_hooks(_inplace_hook, _setitem_hook)
    return _level


def exit_dual_level(*, level: int | None = None) -> None:
    """End the active forward-AD level: every tangent of that level is dropped (tensors made
    dual in it are ordinary tensors afterwards).

    >>> import nablagrad.autograd.forward_ad as fwAD
    >>> _ = fwAD.enter_dual_level()
    >>> fwAD.exit_dual_level()
    """
    global _level
    if _level is None:
        raise RuntimeError(
            "exit_dual_level: no dual level is active (enter one with enter_dual_level() or "
            "`with dual_level():`)"
        )
    if level is not None and level != _level:
        raise RuntimeError(
            f"Trying to exit a forward AD level ({level}) that was not the last one that was "
            f"created ({_level}). This is not supported."
        )
    _function.remove_trace_listener(_listener)
    _set_inplace_hooks(None, None)
    _level = None
    for ref in _duals:
        t = ref()
        if t is not None:
            t.__dict__.pop(_KEY, None)
            t.__dict__.pop(_DUAL, None)
    _duals.clear()


class dual_level:  # noqa: N801 - torch's name
    """Context manager (and decorator) for a forward-AD level: ``enter_dual_level`` on entry,
    ``exit_dual_level`` on exit, so every tangent made inside is dropped at the end.

    >>> import nablagrad as ng
    >>> import nablagrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     d = fwAD.make_dual(ng.tensor([1.0, 2.0]), ng.tensor([1.0, 0.0]))
    ...     print(fwAD.unpack_dual(d * d).tangent)
    tensor([2., 0.])
    """

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: Any) -> None:
        exit_dual_level()

    def __call__(self, fn: Any) -> Any:
        import functools

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with dual_level():
                return fn(*args, **kwargs)

        return wrapper


def _check_level(level: int | None, fn: str) -> None:
    if _level is None:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
            "enter_dual_level() first (or use `with dual_level():`)"
        )
    if level is not None and level != _level:
        raise RuntimeError(f"Invalid level given to {fn}: {level} (the active level is {_level})")


# -- dual tensors -------------------------------------------------------------------------------


def _is_float(t: Tensor) -> bool:
    kind = t._data.dtype.kind
    return kind == "f" or kind == "c"


def make_dual(tensor: Tensor, tangent: Tensor, *, level: int | None = None) -> Tensor:
    """A dual tensor: a view of ``tensor`` whose tangent (forward gradient) is ``tangent``.

    Inside a dual level every operation on it also computes its result's tangent,
    ``d f(x + eps v)/d eps = J_f(x) v``.  ``tangent`` must have ``tensor``'s shape; both must be
    floating point.  The view is differentiable in reverse mode like ``tensor.view_as(tensor)``.

    >>> import nablagrad as ng
    >>> import nablagrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     d = fwAD.make_dual(ng.tensor([0.0, 1.0]), ng.tensor([1.0, 1.0]))
    ...     print(fwAD.unpack_dual(d.exp()).tangent)
    tensor([1.0000, 2.7183])
    """
    _check_level(level, "make_dual")
    if not isinstance(tensor, Tensor) or not isinstance(tangent, Tensor):
        bad = tangent if isinstance(tensor, Tensor) else tensor
        raise TypeError(f"make_dual expects Tensors, got {type(bad).__name__}")
    if not _is_float(tensor):
        raise ValueError(
            f"Expected primal to be floating point or complex, but got: {tensor.dtype}"
        )
    if not _is_float(tangent):
        raise ValueError(
            f"Expected tangent to be floating point or complex, but got: {tangent.dtype}"
        )
    if tensor._data.dtype.kind == "c" or tangent._data.dtype.kind == "c":
        raise NotImplementedError(
            "make_dual: forward-mode AD of complex tensors is not supported in nablagrad"
        )
    if type(tensor._data) is COOArray or type(tangent._data) is COOArray:
        raise NotImplementedError(
            "make_dual: forward-mode AD of sparse tensors is not supported (call .to_dense())"
        )
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the "
            f"original Tensor, this is not supported. Tensor is of size {list(tensor.shape)} "
            f"while the given forward gradient is of size {list(tangent.shape)}."
        )
    _function.check_same_device("make_dual", tensor, tangent)
    if _KEY in tensor.__dict__:
        raise RuntimeError(
            "Making a dual Tensor based on a Tensor that already has a forward gradient at "
            f"the same level {_level} is not supported (unpack_dual(x).primal is its value)."
        )
    out = _quiet(lambda: tensor.view_as(tensor))
    out.__dict__[_DUAL] = True
    _attach(out, tangent)
    return out


def unpack_dual(tensor: Tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of a dual tensor: ``primal`` a view of its value without tangent,
    ``tangent`` its forward gradient; a tensor that is not dual (or any tensor outside a level)
    gives ``(tensor, None)``.

    >>> import nablagrad as ng
    >>> import nablagrad.autograd.forward_ad as fwAD
    >>> with fwAD.dual_level():
    ...     d = fwAD.make_dual(ng.tensor([3.0]), ng.tensor([1.0]))
    ...     primal, tangent = fwAD.unpack_dual(d ** 2)
    >>> primal, tangent
    (tensor([9.]), tensor([6.]))
    """
    if _level is None or (level is not None and level != _level):
        return UnpackedDualTensor(tensor, None)
    tangent = _tangent_of(tensor, "unpack_dual")
    if tangent is None:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_quiet(lambda: tensor.view_as(tensor)), tangent)


def _attach(t: Tensor, tangent: Tensor) -> None:
    global _prune_at
    t.__dict__[_KEY] = (tangent, t._version)
    _duals.append(weakref.ref(t))
    if len(_duals) > _prune_at:  # a long loop inside one level: drop the dead references
        _duals[:] = [r for r in _duals if r() is not None]
        _prune_at = max(4096, 2 * len(_duals))


def _tangent_of(t: Tensor, op: str) -> Tensor | None:
    entry = t.__dict__.get(_KEY)
    if entry is None:
        return None
    if t._version != entry[1]:
        raise NotImplementedError(
            f"forward AD ({op}): a dual tensor was changed in place by an operation whose "
            "tangent nablagrad does not follow (e.g. writing into a view of it, fill_, "
            "zero_); use the out-of-place form"
        )
    return entry[0]


def _quiet(make: Any) -> Any:
    """``make()`` with the listener off (its primitives get no tangent)."""
    global _busy
    prev = _busy
    _busy = True
    try:
        return make()
    finally:
        _busy = prev


# -- the tangent of one primitive call ---------------------------------------------------------


def _listener(fn: Any, tensors: tuple, kwargs: dict, out: Tensor) -> None:
    if _busy:
        return
    tangents = None
    for i, t in enumerate(tensors):
        if _KEY in t.__dict__:
            if tangents is None:
                tangents = [None] * len(tensors)
            tangents[i] = _tangent_of(t, type(fn).__name__)
    if tangents is None or not _is_float(out) or not getattr(fn, "differentiable", True):
        return
    _attach(out, _quiet(lambda: _jvp(fn, tensors, tangents, out)))


def _op_name(fn: Any) -> str:
    return type(fn).__name__


def _jvp(fn: Any, tensors: tuple, tangents: list, out: Tensor) -> Tensor:
    """``sum_i J_i v_i`` of primitive call ``fn`` (inputs ``tensors``, result ``out``): the
    gradient, with respect to the cotangent ``u``, of ``sum_i <backward_i(u), v_i>``."""
    from .engine import grad

    name = _op_name(fn)
    if out._data.dtype.kind == "c" or type(out._data) is COOArray:
        raise NotImplementedError(
            f"forward AD: {name} on complex or sparse tensors is not supported in nablagrad"
        )
    record = _function._grad_enabled and (
        any(t._requires_grad for t in tensors)
        or any(v is not None and v._requires_grad for v in tangents)
    )
    xp = backend.get_array_module(out._data)
    u = Tensor._wrap(xp.ones_like(out._data))
    u._requires_grad = True
    # what ``needs(i)`` reads while the backward runs: the inputs that carry a tangent
    stand_ins = []
    for t, v in zip(tensors, tangents):
        s = Tensor._wrap(t._data)
        s._requires_grad = v is not None
        stand_ins.append(s)
    own = fn.__dict__
    saved = {k: own[k] for k in ("parents", "inputs") if k in own}
    prev_grad = _function._grad_enabled
    _function._grad_enabled = True
    try:
        fn.parents = tuple(stand_ins)
        if "inputs" not in own:
            fn.inputs = tuple(t._data for t in tensors)
        fn.m = TENSOR
        primals = tensors if record else tuple(t.detach() for t in tensors)
        grads = fn.backward(u, out if record else out.detach(), *primals)
    except NotImplementedError:
        raise
    except Exception as e:
        raise NotImplementedError(
            f"forward AD: the tangent of {name} could not be derived from its backward "
            f"({type(e).__name__}: {e})"
        ) from e
    finally:
        _function._grad_enabled = prev_grad
        for k in ("parents", "inputs", "m"):
            own.pop(k, None)
        own.update(saved)
    if not isinstance(grads, (tuple, list)):
        grads = (grads,)
    _function._grad_enabled = True
    try:
        total = None
        for g, v in zip(grads, tangents):
            if v is None or g is None:
                continue
            if not isinstance(g, Tensor):
                g = Tensor._wrap(g)
            if not g._requires_grad:
                # not connected to u: a zero derivative (floor, sign ...) or a backward that
                # is not differentiable in its incoming gradient
                if backend.get_array_module(g._data).any(g._data):
                    raise NotImplementedError(
                        f"forward AD: {name} is not supported (its backward is not "
                        "differentiable, so its tangent cannot be derived)"
                    )
                continue
            term = (g * v).sum()
            total = term if total is None else total + term
        if total is None:
            return Tensor._wrap(xp.zeros_like(out._data))
        (jv,) = grad(total, u, create_graph=record, allow_unused=True)
    finally:
        _function._grad_enabled = prev_grad
    if jv is None:
        return Tensor._wrap(xp.zeros_like(out._data))
    if jv._data.dtype != out._data.dtype:
        jv = jv.to(out.dtype)
    return jv


# -- in-place operations ------------------------------------------------------------------------


def _has_tangent(x: Any) -> bool:
    return isinstance(x, Tensor) and _KEY in x.__dict__


def _inplace_hook(method: Any, op: Any, self: Tensor, other: Any, args: tuple, kwargs: dict) -> Any:
    """``self.op_(other, ...)`` with a dual operand: the tangent of ``op(self, other, ...)``
    computed out of place becomes ``self``'s; ``None`` when no operand is dual."""
    if _busy:
        return None
    if not (
        _has_tangent(self)
        or _has_tangent(other)
        or any(_has_tangent(a) for a in args)
        or any(_has_tangent(a) for a in kwargs.values())
    ):
        return None
    res = op(self, other, *args, **kwargs)
    tangent = _tangent_of(res, "in-place op")
    before = _sharers(self)
    _quiet(lambda: method(self, other, *args, **kwargs))
    _after_write(self, tangent, before)
    return self


def _setitem_hook(setitem: Any, x: Tensor, index: Any, value: Any) -> bool:
    """``x[index] = value`` with a dual ``x`` or ``value``: ``x``'s tangent takes ``value``'s
    (or zeros) at ``index``.  False when neither is dual."""
    if _busy or not (_has_tangent(x) or _has_tangent(value)):
        return False
    tx = _tangent_of(x, "setitem") if _has_tangent(x) else None
    tv = _tangent_of(value, "setitem") if _has_tangent(value) else None

    def update() -> Tensor:
        if tx is not None:
            new = tx.clone()
        else:
            new = Tensor._wrap(backend.get_array_module(x._data).zeros_like(x._data))
        setitem(new, index, tv if tv is not None else 0.0)
        return new

    tangent = _quiet(update)
    before = _sharers(x)
    _quiet(lambda: setitem(x, index, value))
    _after_write(x, tangent, before)
    return True


def _sharers(x: Tensor) -> list:
    """Before an in-place write into ``x``: ``(tensor, tangent)`` for ``x``'s root and every
    live view of it (they share its memory), tangent ``None`` where it has none (or a stale
    one, which stays stale)."""
    from ..ops.index import _live_views

    root = x if x._base is None else x._base
    out = []
    for t in [root, *_live_views(root)]:
        entry = t.__dict__.get(_KEY)
        out.append((t, entry[0] if entry is not None and entry[1] == t._version else None))
    return out


def _after_write(x: Tensor, tangent: Tensor | None, sharers: list) -> None:
    """After an in-place write into ``x`` whose new tangent is ``tangent`` (``None``: zero):
    attach it, then carry it to the tensors sharing ``x``'s memory, as torch's views of a dual
    tensor share its tangent.  The carrier is the ``make_dual`` result holding ``x`` (its
    primal's base keeps no tangent, as in torch), else the root; the carrier's tangent takes
    ``tangent`` at ``x``'s elements, and every view inside the carrier is re-read from it.  A
    view the positions cannot place keeps its stale tangent, which raises when read."""
    x.__dict__.pop(_KEY, None)
    if tangent is not None and _is_float(x):
        if tangent._data.dtype != x._data.dtype:
            tangent = _quiet(lambda: tangent.to(x.dtype))
        _attach(x, tangent)
    if len(sharers) < 2 and sharers[0][0] is x:
        return
    _quiet(lambda: _carry(x, tangent, sharers))


def _carry(x: Tensor, tangent: Tensor | None, sharers: list) -> None:
    from ..ops.index import view_positions

    root = sharers[0][0]
    base = root._data
    xp = backend.get_array_module(base)
    try:
        px = view_positions(base, x._data).reshape(-1)
    except RuntimeError:
        return
    carrier, old = root, sharers[0][1]
    for t, tt in sharers[1:]:
        if t.__dict__.get(_DUAL) and t is not x:
            try:
                pt = view_positions(base, t._data).reshape(-1)
            except RuntimeError:
                continue
            if bool(xp.isin(px, pt).all()):
                carrier, old = t, tt
                break
    if x.__dict__.get(_DUAL):
        carrier = x
    pc = view_positions(base, carrier._data).reshape(-1)
    if carrier is x:
        new = tangent
    else:
        # the carrier's tangent with x's elements replaced by x's new tangent
        inv = xp.full(base.size, -1, dtype=xp.int64)
        inv[px] = xp.arange(px.size)
        idx = inv[pc]
        hit = Tensor._wrap((idx >= 0).reshape(carrier._data.shape))
        if old is None:
            old = Tensor._wrap(xp.zeros_like(carrier._data))
        if tangent is None:
            tangent = Tensor._wrap(xp.zeros_like(x._data))
        taken = tangent.reshape(-1)[Tensor._wrap(xp.maximum(idx, 0))].reshape(carrier.shape)
        new = taken.where(hit, old).to(carrier.dtype)
        carrier.__dict__.pop(_KEY, None)
        _attach(carrier, new)
    if new is None:
        new = Tensor._wrap(xp.zeros_like(carrier._data))
    inv = xp.full(base.size, -1, dtype=xp.int64)
    inv[pc] = xp.arange(pc.size)
    flat = new.reshape(-1)
    for t, _ in sharers:
        if t is x or t is carrier or (t is root and carrier is not root) or not _is_float(t):
            continue
        try:
            idx = inv[view_positions(base, t._data).reshape(-1)]
        except RuntimeError:
            continue
        if bool((idx < 0).any()):
            continue
        t.__dict__.pop(_KEY, None)
        _attach(t, flat[Tensor._wrap(idx)].reshape(t.shape).to(t.dtype))


def _custom_hook(cls: type, args: tuple, kwargs: dict) -> tuple | None:
    """A torch-style custom ``Function`` applied to a dual argument: forward on the primals,
    then the Function's ``jvp(ctx, *tangents)`` (zeros for tensor arguments that are not dual,
    ``ctx.saved_tensors`` reads what ``save_for_forward`` kept), as torch does."""
    if _busy or not (
        any(_has_tangent(a) for a in args) or any(_has_tangent(a) for a in kwargs.values())
    ):
        return None
    from .custom import _node_class, apply_with

    jvp = getattr(cls, "jvp", None)
    if jvp is None:
        raise NotImplementedError(
            f"{cls.__name__}: You must implement the jvp function for custom autograd.Function "
            "to use it with forward mode AD (a staticmethod jvp(ctx, *input_tangents) returning "
            "one tangent per output)."
        )
    tangents = []
    for a in args:
        if isinstance(a, Tensor):
            t = _tangent_of(a, cls.__name__)
            if t is None:
                t = Tensor._wrap(backend.get_array_module(a._data).zeros_like(a._data))
            tangents.append(t)
    ctx = _node_class(cls)()
    outputs = _quiet(lambda: apply_with(ctx, cls, args, kwargs))
    saved_backward = ctx._saved
    forward_saved = ctx.__dict__.get("_saved_forward")
    if forward_saved is not None:
        ctx._saved = forward_saved
    try:
        out_tangents = _quiet(lambda: jvp(ctx, *tangents))
    finally:
        ctx._saved = saved_backward
    single = not isinstance(outputs, tuple)
    outs = (outputs,) if single else outputs
    if not isinstance(out_tangents, tuple):
        out_tangents = (out_tangents,)
    if len(out_tangents) != len(outs):
        raise RuntimeError(
            f"{cls.__name__}.jvp returned {len(out_tangents)} tangents for {len(outs)} outputs "
            "(return one per output, None for an output without tangent)"
        )
    for o, t in zip(outs, out_tangents):
        if t is None or not isinstance(o, Tensor) or not _is_float(o):
            continue
        if tuple(t.shape) != tuple(o.shape):
            raise RuntimeError(
                f"{cls.__name__}.jvp returned a tangent of shape {tuple(t.shape)} for an output "
                f"of shape {tuple(o.shape)}: they must match"
            )
        o.__dict__.pop(_KEY, None)
        _attach(o, t)
    return (outputs,)


def _set_inplace_hooks(inplace: Any, setitem: Any) -> None:
    from ..ops import index
    from ..ops import inplace as inplace_mod
    from . import custom

    inplace_mod._dual_hook = inplace
    index._dual_hook = setitem
    custom._dual_hook = None if inplace is None else _custom_hook
