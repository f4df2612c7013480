"""torch-style custom autograd Functions: ``forward(ctx, ...)``, ``backward(ctx, ...)``.

A subclass of ``nablagrad.autograd.Function`` whose ``backward`` is a staticmethod is a user
Function in torch's style (``Function.__init_subclass__`` routes its ``apply`` here)::

    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2

``forward`` runs without recording (as in torch); its Tensor outputs get one graph node, an
instance of ``CubeBackward`` (a ``CustomNode``), which is also the ``ctx`` the user saw.  Several
differentiable outputs are packed into one flat array that the node produces and each output
is a differentiable slice of, so the engine keeps seeing one output per node; outputs the loss
does not use receive zero gradients (torch's ``materialize_grads``).

Example:
    >>> import nablagrad as torch
    >>> class Cube(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return g * 3 * x ** 2
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> Cube.apply(x).sum().backward()
    >>> x.grad
    tensor([ 3., 12.])
"""

from __future__ import annotations

import functools
from typing import Any

from .. import backend
from ..tensor import Tensor
from . import function as _function
from .function import once_differentiable  # noqa: F401  (its former home)

_NODE_CLASSES: dict[type, type] = {}


def _is_float(t: Tensor) -> bool:
    return t._data.dtype.kind in "fc"


class CustomNode(_function.Function):
    """The graph node (and ``ctx``) of one call of a torch-style custom Function."""

    _fn_cls: type = _function.Function
    _is_custom_node = True
    saved = ()  # version checks of saved tensors are not done for custom Functions

    def __init__(self) -> None:
        self._saved: tuple | None = ()
        self._non_diff: set = set()
        self.materialize_grads = True
        self._got: set = set()  # outputs whose gradient arrived (without materialize_grads)
        self.needs_input_grad: tuple = ()
        self.dirty_tensors: tuple = ()
        self._arg_tensor_pos: list = []
        self._outs: list = []  # (shape, dtype, size) of each packed output

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def inputs(self) -> tuple | None:
        return self.__dict__.get("_inputs")

    @inputs.setter
    def inputs(self, value: tuple | None) -> None:
        # the engine frees a node by clearing its inputs: the saved tensors go with them
        if value is None and "_inputs" in self.__dict__:
            self._saved = None
            self.__dict__.pop("_saved_packed", None)
        self.__dict__["_inputs"] = value

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` (or ``None``) for ``backward``; read back as ``ctx.saved_tensors``."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    "save_for_backward can only save variables, but argument is of type "
                    f"{type(t).__name__}: store other objects as attributes of ctx (ctx.k = k)"
                )
        self._saved = tensors

    def save_for_forward(self, *tensors: Any) -> None:
        self._saved_forward = tensors

    @property
    def saved_tensors(self) -> tuple:
        if self._saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Specify retain_graph=True when "
                "calling .backward() the first time."
            )
        unpack = self.__dict__.get("_saved_unpack")
        if unpack is None:
            return tuple(self._saved)
        from .engine import unpack_saved

        grad_on = _function._grad_enabled
        return tuple(
            None if t is None else unpack_saved(unpack, p, t, grad_on)
            for t, p in zip(self._saved, self._saved_packed)
        )

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Outputs that get no gradient (e.g. indices): returned with ``requires_grad=False``."""
        self._non_diff.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors: Tensor) -> None:
        self.dirty_tensors = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = bool(value)

    def forward(self, *arrays: Any) -> Any:  # pragma: no cover - never called: apply runs it
        raise RuntimeError("a custom Function's node does not run forward")

    def backward(self, g: Any, out: Any, *inputs: Any) -> tuple:
        arrays = not isinstance(g, Tensor)  # ordinary pass: arrays; create_graph: Tensors
        gt = Tensor._wrap(g) if arrays else g
        upstream: list = []
        off = 0
        xp = backend.get_array_module(gt._data)
        for i, (kind, shape, dtype, size) in enumerate(self._outs):
            if kind == "diff":
                piece = gt.reshape(-1)[off : off + size].reshape(shape)
                if not self.materialize_grads and i not in self._got:
                    piece = None  # an output the loss did not use: None, not zeros
                elif piece.dtype != dtype:
                    piece = piece.to(dtype)
                upstream.append(piece)
                off += size
            elif kind == "zero" and self.materialize_grads:
                # torch hands zeros for a non-differentiable Tensor output
                upstream.append(Tensor._wrap(xp.zeros(shape, dtype=dtype)))
            else:  # and None for an output that is not a Tensor (or without materializing)
                upstream.append(None)
        self._got = set()
        if not self._outs:
            upstream = [gt]
        backward = _user_backward(self._fn_cls)
        if backward is None:
            raise NotImplementedError(
                "You must implement either the backward or vjp method for your custom "
                "autograd.Function to use it with backward mode AD."
            )
        res = backward(self, *upstream)
        if not isinstance(res, tuple):
            res = (res,)
        name = type(self).__name__
        n_args = len(self.needs_input_grad)
        if len(res) > n_args and all(r is None for r in res[n_args:]):
            res = res[:n_args]  # trailing Nones are allowed, as in torch
        if len(res) != n_args:
            raise RuntimeError(
                f"function {name} returned an incorrect number of gradients (expected {n_args}, "
                f"got {len(res)}): return one gradient (or None) per argument of forward"
            )
        tensor_pos = set(self._arg_tensor_pos)
        for pos, r in enumerate(res):
            if r is None:
                continue
            if not isinstance(r, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(r).__name__})")
            if pos not in tensor_pos:
                raise RuntimeError(
                    f"function {name} returned a gradient different than None at position "
                    f"{pos + 1}, but the corresponding forward input was not a Variable"
                )
        picked = []
        for pos in self._arg_tensor_pos:
            r = res[pos]
            if r is not None:
                want = tuple(inputs[len(picked)].shape)
                if not _expandable(want, tuple(r.shape)):
                    raise RuntimeError(
                        f"Function {name} returned an invalid gradient at index {len(picked)} - "
                        f"got {list(r.shape)} but expected shape compatible with {list(want)}"
                    )
            picked.append(None if r is None else (r._data if arrays else r))
        return tuple(picked)


def _is_dirty_input(out: Any, ctx: CustomNode, parents: tuple) -> bool:
    return any(out is d for d in ctx.dirty_tensors) and any(out is p for p in parents)


def _user_backward(cls: type) -> Any:
    """The Function's ``backward`` (or its alias ``vjp``), ``None`` when it defines neither."""
    for name in ("backward", "vjp"):
        for klass in cls.__mro__:
            if klass is _function.Function or klass is CustomNode:
                break
            fn = klass.__dict__.get(name)
            if fn is not None:
                return fn.__func__ if isinstance(fn, staticmethod) else fn
    return None


def _expandable(shape: tuple, desired: tuple) -> bool:
    """Whether ``shape`` broadcasts to ``desired`` (a gradient of that shape sums back)."""
    if len(shape) > len(desired):
        return False
    return all(s == d or s == 1 for s, d in zip(reversed(shape), reversed(desired)))


def _node_class(cls: type) -> type:
    node = _NODE_CLASSES.get(cls)
    if node is None:
        node = type(cls.__name__ + "Backward", (CustomNode,), {"_fn_cls": cls})
        _NODE_CLASSES[cls] = node
    return node


# Set by ``autograd.forward_ad`` while a dual level is active: ``hook(cls, args, kwargs)``
# returns ``(outputs,)`` when an argument is dual (it runs the Function's ``jvp``), else None.
_dual_hook: Any = None


def custom_apply(cls: type, *args: Any, **kwargs: Any) -> Any:
    """``apply`` of a torch-style Function: run forward untracked, then record one node."""
    if _dual_hook is not None:
        handled = _dual_hook(cls, args, kwargs)
        if handled is not None:
            return handled[0]
    ctx = _node_class(cls)()
    result = apply_with(ctx, cls, args, kwargs)
    hooks = _function._saved_hooks
    if hooks is not None and ctx.parents is not None and ctx._saved:
        # saved_tensors_hooks: each saved tensor goes through pack_hook now, and
        # ``saved_tensors`` unpacks it (as torch, at every read)
        _function._grad_enabled = False  # as torch, a pack hook runs without grad
        try:
            ctx._saved_packed = tuple(None if t is None else hooks[0](t) for t in ctx._saved)
        finally:
            _function._grad_enabled = True
        ctx._saved_unpack = hooks[1]
    return result


def apply_with(ctx: Any, cls: type, args: tuple, kwargs: dict) -> Any:
    """``custom_apply`` with the node ``ctx`` given (forward AD reads it for ``jvp``)."""
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
    setup = getattr(cls, "setup_context", None)
    uses_setup = setup is not None and getattr(setup, "__func__", setup) is not _NO_SETUP
    prev = _function._grad_enabled
    _function._grad_enabled = False
    try:
        if uses_setup:
            outputs = cls.forward(*args, **kwargs)
            setup(ctx, args, outputs)
        else:
            outputs = cls.forward(ctx, *args, **kwargs)
    finally:
        _function._grad_enabled = prev
    single = not isinstance(outputs, tuple)
    outs = [outputs] if single else list(outputs)
    tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    parents = tuple(args[i] for i in tensor_pos)
    record = prev and any(ctx.needs_input_grad)
    diff = [
        i
        for i, o in enumerate(outs)
        if isinstance(o, Tensor) and _is_float(o) and id(o) not in ctx._non_diff
    ]
    if prev:
        for d in ctx.dirty_tensors:
            if d._ctx is None and d._requires_grad:
                raise RuntimeError(
                    "a leaf Variable that requires grad has been used in an in-place operation.: "
                    "mark_dirty an input that is not a leaf (e.g. x.clone()), or call the "
                    "Function under no_grad()"
                )
    if not record or not diff:
        if uses_setup is False and not record:
            ctx._saved = None
        return outputs
    ctx._arg_tensor_pos = tensor_pos
    ctx.parents = parents
    ctx.inputs = tuple(p._data for p in parents)
    ctx.seq = next(_function._clock)
    if len(diff) == 1 and len(outs) == 1 and _is_dirty_input(outs[0], ctx, parents):
        # an input changed in place (mark_dirty) and returned: the same object, with this node
        # as its new history; the node's input is its previous value and history
        out = outs[0]
        old = Tensor._wrap(out._data)
        old._requires_grad, old._ctx, old._vc = out._requires_grad, out._ctx, out._counter()
        out._keep_prior(old)
        ctx.parents = tuple(old if p is out else p for p in parents)
        out._requires_grad = True
        out._ctx = ctx
        return outputs
    for i, o in enumerate(outs):  # an input returned as is becomes a new tensor on its memory
        if isinstance(o, Tensor) and any(o is p for p in parents):
            outs[i] = Tensor._wrap(o._data)
    if len(diff) == 1 and len(outs) == 1:
        out = outs[0]
        out._requires_grad = True
        out._ctx = ctx
        return out if single else (out,)
    xp = backend.get_array_module(outs[diff[0]]._data)
    dtype = backend.np.result_type(*(outs[i]._data.dtype for i in diff))
    for i, o in enumerate(outs):
        if i in diff:
            ctx._outs.append(("diff", o.shape, o.dtype, o._data.size))
        elif isinstance(o, Tensor):
            ctx._outs.append(("zero", o._data.shape, o._data.dtype, 0))
        else:
            ctx._outs.append(("none", None, None, 0))
    packed = Tensor._wrap(
        xp.concatenate([outs[i]._data.astype(dtype, copy=False).reshape(-1) for i in diff])
    )
    packed._requires_grad = True
    packed._ctx = ctx
    off = 0
    originals = {}
    for i in diff:
        _, shape, odt, size = ctx._outs[i]
        piece = packed[off : off + size].reshape(shape)
        piece = piece if piece.dtype == odt else piece.to(odt)
        if not ctx.materialize_grads:  # note which outputs get a gradient: the others get None
            piece.register_hook(functools.partial(_got_gradient, ctx, i))
        originals[id(outs[i])] = piece
        outs[i] = piece
        off += size
    if ctx._saved:  # a saved output is the returned one (with its grad_fn), as in torch
        ctx._saved = tuple(originals.get(id(t), t) for t in ctx._saved)
    return outs[0] if single else tuple(outs)


def _got_gradient(ctx: Any, i: int, grad: Any) -> None:
    """Hook on output ``i``: its gradient reached the node (``set_materialize_grads(False)``)."""
    ctx._got.add(i)


def _no_setup(ctx: Any, inputs: tuple, output: Any) -> None:
    """torch's default ``setup_context``: forward takes ``ctx`` itself."""


_NO_SETUP = _no_setup
