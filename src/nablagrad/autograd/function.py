"""``Function``: the base of every differentiable primitive.

A primitive writes its forward and its backward side by side::

    class Exp(Function):
        def forward(self, x):
            return xp(x).exp(x)            # arrays in, array out

        def backward(self, g, out, x):
            return (g * out,)              # d exp(x)/dx = exp(x) = out

``backward(g, out, *inputs)`` returns one gradient per input (``None`` where an input needs
none).  It does no bookkeeping: the engine (``engine.py``) sums broadcast dimensions away, casts
to each input's dtype and accumulates.  In an ordinary backward pass ``g``, ``out`` and the
inputs are arrays; under ``create_graph=True`` they are Tensors, so the same formula builds a
differentiable graph.  Formulas use operators, methods that arrays and Tensors share, and the
math namespace ``self.m`` (``gradmath.py``: ``m.exp``, ``m.where``, ``m.call(Primitive, ...)``),
which the engine sets to array math or Tensor math for the pass.
"""

from __future__ import annotations

import functools
import inspect
import operator
import weakref
from typing import Any

from .. import backend
from .. import tensor as _tensor_mod
from .._coo import COOArray
from ..tensor import Tensor
from .gradmath import ARRAY
from .saved import pack_saved

_grad_enabled = True
# The innermost ``autograd.graph.saved_tensors_hooks`` in force, as ``(pack_hook, unpack_hook)``,
# or None: ``apply`` hands every tensor a recorded node saves through ``pack_hook`` (graph.py).
_saved_hooks: tuple | None = None
# In ``autograd.grad(out, inputs)``: the ids of the tensors from which an input can be reached
# (set by the engine for the pass; None in a full backward).  ``Function.wanted`` reads it.
_wanted_ids: set | None = None

# A clock for graph bookkeeping: every recorded Function takes the next tick as its sequence
# number (so a node is always newer than the nodes that made its inputs, and backward can visit
# nodes newest-first), and every in-place change stamps the changed tensor's ``_version`` with a
# tick (so backward can tell whether an input changed after the node that saved it was made).
_clock = _tensor_mod.CLOCK  # shared with tensor.py, which stamps in-place changes with it


def tick() -> int:
    """The next value of the graph clock."""
    return next(_clock)


def _share_view(out: Any, base: Any, tensors: tuple) -> None:
    """Make ``out`` (whose array is a view) share the version counter of the input it views."""
    # a stride_tricks view (as_strided, sliding_window_view) hangs off a holder object whose
    # ``base`` is the array it views
    holder_of = getattr(base, "base", None)
    for t in tensors:
        d = t._data
        if base is d or base is d.base or holder_of is d:
            out._vc = t._counter()
            root = t if t._base is None else t._base
            out._base = root
            # the base's live views: an in-place change of the base (or of one of them)
            # re-derives their history from the changed base (``ops.index.rebind``)
            views = root.__dict__.get("_views")
            if views is None:
                views = root.__dict__["_views"] = weakref.WeakSet()
            views.add(out)
            return


def same_device(name: str, tensors: tuple, extra: Any = ()) -> tuple | None:
    """After a failed forward: ``None`` when the tensors (and the arrays or tensors among
    ``extra``, e.g. an index passed as a keyword) are on one device; the tensors with 0-d CPU
    ones moved to the other device when that is the only mix (torch treats 0-d CPU tensors as
    scalars); otherwise torch's "Expected all tensors to be on the same device"."""
    devices = {str(t.device): t.device for t in tensors}
    pinned_cpu = False  # a CPU array among ``extra`` cannot be moved here
    for v in extra:
        if isinstance(v, Tensor):
            v = v._data
        if backend.is_array(v):
            d = backend.device_of(v)
            devices.setdefault(str(d), d)
            pinned_cpu = pinned_cpu or d.type == "cpu"
    if len(devices) < 2:
        return None
    others = [d for d in devices.values() if d.type != "cpu"]
    if (
        len(others) == 1
        and not pinned_cpu
        and all(t._data.ndim == 0 for t in tensors if t.device.type == "cpu")
    ):
        return tuple(t if t.device == others[0] else t.to(others[0]) for t in tensors)
    raise _device_error(name, devices)


def check_same_device(name: str, *tensors: Any) -> None:
    """Raise torch's "Expected all tensors to be on the same device" unless the given tensors
    (``None`` entries skipped) share one device."""
    devices = {str(t.device): t.device for t in tensors if t is not None}
    if len(devices) > 1:
        raise _device_error(name, devices)


def _device_error(name: str, devices: dict) -> RuntimeError:
    names = sorted(devices, key=lambda n: (n == "cpu", n))
    return RuntimeError(
        f"Expected all tensors to be on the same device, but found at least two devices, "
        f"{names[0]} and {names[1]}! ({name}: move them with .to(device))"
    )


_data_of = operator.attrgetter("_data")


# The listener told about every primitive call: called as hook(fn, tensors, kwargs, out) after
# every forward while set.  Several features listen at once (``utils.tracing`` / ``onnx``,
# ``func.vmap``, ``profiler``): each registers with ``add_trace_listener``, and this slot holds
# the only listener or a fan-out over the list; ``None`` (no listener) costs ``apply`` one check.
_trace_hook: Any = None
_listeners: list = []

# Told as hook(fn) before a primitive's forward runs (``nablagrad.profiler`` starts its clock
# here), and as hook(fn, True) when that forward raised; ``None`` unless a profiler records.
_enter_hook: Any = None


# Told as hook(inputs, out) about the results of non-differentiable ops that bypass ``apply``
# (comparisons, any/all): ``nablagrad.func.vmap`` passes its batched marks through them.
_result_hook: Any = None


def _fan_out(fn: Any, tensors: tuple, kwargs: dict, out: Any) -> None:
    for hook in tuple(_listeners):
        hook(fn, tensors, kwargs, out)


def _refresh_hook() -> None:
    global _trace_hook
    _trace_hook = None if not _listeners else _listeners[0] if len(_listeners) == 1 else _fan_out


def add_trace_listener(hook: Any) -> None:
    """Add a listener told ``hook(fn, tensors, kwargs, out)`` after every primitive call; the
    listeners run in the order they were added (remove with ``remove_trace_listener``)."""
    _listeners.append(hook)
    _refresh_hook()


def remove_trace_listener(hook: Any) -> None:
    """Remove a listener added with ``add_trace_listener`` (the latest entry if added twice)."""
    for i in range(len(_listeners) - 1, -1, -1):
        if _listeners[i] is hook:
            del _listeners[i]
            break
    else:
        raise ValueError("remove_trace_listener: that hook is not listening (add it first)")
    _refresh_hook()


def set_trace_hook(hook: Any) -> None:
    """Replace every listener by ``hook`` (with ``None``: remove them all).  Features that may
    run together use ``add_trace_listener`` / ``remove_trace_listener`` instead."""
    _listeners.clear()
    if hook is not None:
        _listeners.append(hook)
    _refresh_hook()


class NodeName(str):
    """A node's name: a string (``f"<{fn.name}>"``) that can also be called as torch's
    ``grad_fn.name()`` method."""

    __slots__ = ()

    def __call__(self) -> str:
        return str(self)


class _ComputedName:
    """A node's name computed from the node (``Function.name``, or a subclass's ``name``
    property).  Unlike a property it yields to a name set on the node itself, which is how a
    composed op labels the node its result came out of (``torch_node``)."""

    def __init__(self, fget: Any, doc: str | None = None) -> None:
        self.fget = fget
        self.__doc__ = doc

    def __get__(self, node: Any, owner: Any = None) -> Any:
        return self if node is None else NodeName(self.fget(node))


def _label(out: Any, name: NodeName, start: int) -> None:
    if isinstance(out, Tensor):
        node = out._ctx
        # only a node this op made (newer than its start): never an input's node
        if node is not None and getattr(node, "seq", 0) > start:
            node.__dict__["name"] = name
    elif isinstance(out, (tuple, list)):
        for o in out:
            _label(o, name, start)


def torch_node(name: Any) -> Any:
    """Decorator for an op composed of primitives: the node its result (each Tensor of a
    returned tuple or list) came out of prints as torch's single node for the op, ``name``
    (``grad_fn.name()``: ``torch.stack`` gives ``StackBackward0``, not the ``CatBackward0`` of
    the primitive it ends with).  ``name`` is a string, or a function of the op's arguments
    returning one (or ``None``: the primitives' names stay) where torch's node depends on them
    (``SplitWithSizesBackward0`` for a list of sizes).  Only the name changes: the graph, its
    values and gradients stay the primitives'.  A node the op did not make (it returned an
    input unchanged) keeps its name; with an outer and an inner labelled op, the outer one's
    name wins (``msort`` calls ``sort``: both ``SortBackward0``).

    >>> import nablagrad as ng
    >>> @torch_node("TwiceBackward0")
    ... def twice(x):
    ...     return x * 2
    >>> twice(ng.ones(2, requires_grad=True)).grad_fn.name()
    'TwiceBackward0'
    """

    def decorate(op: Any) -> Any:
        fixed = None if callable(name) else NodeName(name)

        @functools.wraps(op)
        def labelled(*args: Any, **kwargs: Any) -> Any:
            if not _grad_enabled:
                return op(*args, **kwargs)
            start = next(_clock)
            out = op(*args, **kwargs)
            label = fixed or name(*args, **kwargs)
            if label is not None:
                _label(out, NodeName(label), start)
            return out

        return labelled

    return decorate


def _pack(fn: Any, out: Any) -> None:
    """Pack what the node just recorded saves (``saved.pack_saved``), with grad mode off while
    the pack hook runs, as torch (a hook's own ops record nothing and save nothing)."""
    global _grad_enabled
    prev = _grad_enabled
    _grad_enabled = False
    try:
        pack_saved(fn, out, _saved_hooks)
    finally:
        _grad_enabled = prev


class Function:
    """Base class of differentiable primitives; subclasses define ``forward`` and ``backward``.

    Attributes set by ``apply`` when the result is recorded:
        parents: the input Tensors, in call order.
        inputs: their arrays as they were at forward time.
        seq: the node's tick of the graph clock (newer nodes have larger numbers).
    """

    differentiable = True
    parents: tuple | None = None
    # ``(unpack_hook, [(input index or -1 for the output, packed value), ...])`` when the node
    # was recorded under ``autograd.graph.saved_tensors_hooks`` (``saved.pack_saved``)
    _packed: tuple | None = None
    m: Any = ARRAY  # backward math (gradmath.py); the engine sets TENSOR for create_graph calls

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # torch-style user Functions (staticmethod ``backward(ctx, grad)``): ``apply`` runs
        # ``forward(ctx, ...)`` on Tensors and records one node (``custom.py``); primitives are
        # untouched, so the hot ``apply`` below pays nothing for this
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("name")
        if isinstance(own, str) and not isinstance(own, NodeName):
            cls.name = NodeName(own)  # type: ignore[assignment]
        elif isinstance(own, property) and own.fget is not None:
            cls.name = _ComputedName(own.fget, own.__doc__)  # type: ignore[assignment]
        # (a Function defining forward alone is one too: torch raises at backward time)
        backward = inspect.getattr_static(cls, "backward")
        user_style = (
            isinstance(backward, staticmethod)
            or isinstance(inspect.getattr_static(cls, "vjp", None), staticmethod)
            or backward is Function.__dict__["backward"]
            and isinstance(inspect.getattr_static(cls, "forward"), staticmethod)
        )
        if user_style and not getattr(cls, "_is_custom_node", False):
            from .custom import custom_apply

            cls.apply = classmethod(custom_apply)  # type: ignore[method-assign,assignment]

    @property
    def next_functions(self) -> tuple:
        """torch's ``grad_fn.next_functions``: per input ``(node, 0)``, the input's ``grad_fn``,
        an ``AccumulateGrad`` for a leaf that requires grad, or ``None``."""
        return tuple((_next_node(p), 0) for p in (self.parents or ()))

    def forward(self, *arrays: Any, **kwargs: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, g: Any, out: Any, *inputs: Any) -> tuple:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def apply(cls, *tensors: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the tensors' arrays and record the call when a gradient is needed."""
        fn = cls()
        if _enter_hook is not None:
            _enter_hook(fn)
        arrays = tuple(map(_data_of, tensors))  # (C-level; a comprehension is a Python frame)
        try:
            out = Tensor._wrap(fn.forward(*arrays, **kwargs))
        except Exception as e:
            if _enter_hook is not None:
                _enter_hook(fn, True)  # the profiler ends the failed call's range
            # a sparse operand: its own version of the op, or an error naming the fix
            if any(type(a) is COOArray for a in arrays):
                from ..ops.sparse import dispatch

                try:
                    return dispatch(cls, tensors, kwargs)
                except Exception as err:
                    raise err from None
            if not isinstance(e, (TypeError, ValueError)):
                raise
            # torch's error for a real mix of devices; 0-d CPU tensors moved over
            moved = same_device(cls.__name__.lower(), tensors, kwargs.values())
            if moved is not None:
                return cls.apply(*moved, **kwargs)
            if isinstance(e, TypeError) or "broadcast" not in str(e) or len(arrays) < 2:
                raise
            from .. import _validate  # torch's message naming the mismatching dimension

            _validate.broadcast_shapes([tuple(a.shape) for a in arrays], cls.__name__.lower())
            shapes = " and ".join(str(tuple(a.shape)) for a in arrays)
            raise RuntimeError(
                f"{cls.__name__.lower()}: shapes {shapes} cannot be broadcast together: in each "
                "dimension, counting from the last, the sizes must be equal or one of them 1 "
                "(reshape or unsqueeze an operand to line its dimensions up)"
            ) from None
        base = out._data.base
        if base is not None:
            _share_view(out, base, tensors)
        if _trace_hook is not None:
            _trace_hook(fn, tensors, kwargs, out)
        if _grad_enabled:
            for t in tensors:
                if t._requires_grad:
                    fn.parents = tensors
                    fn.inputs = arrays
                    fn.seq = next(_clock)
                    out._requires_grad = True
                    out._ctx = fn
                    if _saved_hooks is not None:
                        _pack(fn, out)
                    break
        return out

    def needs(self, i: int) -> bool:
        """Whether input ``i`` wants a gradient (lets backward skip work)."""
        return self.parents[i]._requires_grad

    def wanted(self, i: int) -> bool:
        """``needs(i)``, narrowed in ``autograd.grad(out, inputs)`` to the inputs from which one
        of ``inputs`` can be reached: a formula torch does not implement raises only when its
        gradient is asked for (``igamma``'s first argument, ``zeta``'s)."""
        if not self.needs(i):
            return False
        return _wanted_ids is None or id(self.parents[i]) in _wanted_ids

    # torch numbers its backward nodes by overload: ``AddBackward0`` for the common one
    name = _ComputedName(lambda self: type(self).__name__ + "Backward0")

    def __repr__(self) -> str:
        return f"<{self.name} object at {hex(id(self))}>"


class AccumulateGrad:
    """torch's leaf node in ``next_functions``: accumulates into ``variable.grad``."""

    name = NodeName("torch::autograd::AccumulateGrad")  # torch's name() of this node
    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


def _next_node(t: Any) -> Any:
    if not isinstance(t, Tensor):
        return None
    if t._ctx is not None:
        return t._ctx
    return AccumulateGrad(t) if t._requires_grad else None


def once_differentiable(fn: Any) -> Any:
    """torch's decorator for a ``backward`` that is not itself differentiable: runs it without
    recording, so ``create_graph=True`` through it gives gradients without a graph
    (``torch.autograd.function.once_differentiable``)."""

    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        global _grad_enabled
        prev = _grad_enabled
        _grad_enabled = False
        try:
            return fn(ctx, *args)
        finally:
            _grad_enabled = prev

    return wrapper
