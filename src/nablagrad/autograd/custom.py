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

from typing import Any

from .. import backend
from ..tensor import Tensor
from . import function as _function

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
        self.needs_input_grad: tuple = ()
        self.dirty_tensors: tuple = ()
        self._arg_tensor_pos: list = []
        self._outs: list = []  # (shape, dtype, size) of each packed output

    @property
    def name(self) -> str:
        return type(self).__name__

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
        return tuple(self._saved)

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
        for kind, shape, dtype, size in self._outs:
            if kind == "diff":
                piece = gt.reshape(-1)[off : off + size].reshape(shape)
                upstream.append(piece if piece.dtype == dtype else piece.to(dtype))
                off += size
            elif kind == "zero":  # torch hands zeros for a non-differentiable Tensor output
                upstream.append(Tensor._wrap(xp.zeros(shape, dtype=dtype)))
            else:  # and None for an output that is not a Tensor
                upstream.append(None)
        if not self._outs:
            upstream = [gt]
        res = self._fn_cls.backward(self, *upstream)
        if not isinstance(res, tuple):
            res = (res,)
        n_args = len(self.needs_input_grad)
        if len(res) < n_args:
            raise RuntimeError(
                f"function {type(self).__name__} returned an incorrect number of gradients "
                f"(expected {n_args}, got {len(res)}): return one gradient (or None) per "
                "argument of forward"
            )
        picked = []
        for pos in self._arg_tensor_pos:
            r = res[pos]
            if r is not None and not isinstance(r, Tensor):
                r = Tensor._wrap(backend.np.asarray(r, dtype=inputs[len(picked)].dtype))
            picked.append(None if r is None else (r._data if arrays else r))
        if arrays:
            self._saved = None if self.parents is None else self._saved
        return tuple(picked)


def _node_class(cls: type) -> type:
    node = _NODE_CLASSES.get(cls)
    if node is None:
        node = type(cls.__name__ + "Backward", (CustomNode,), {"_fn_cls": cls})
        _NODE_CLASSES[cls] = node
    return node


def custom_apply(cls: type, *args: Any, **kwargs: Any) -> Any:
    """``apply`` of a torch-style Function: run forward untracked, then record one node."""
    ctx = _node_class(cls)()
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
    if not record or not diff:
        if uses_setup is False and not record:
            ctx._saved = None
        return outputs
    ctx._arg_tensor_pos = tensor_pos
    ctx.parents = parents
    ctx.inputs = tuple(p._data for p in parents)
    ctx.seq = next(_function._clock)
    for i, o in enumerate(outs):  # an input returned as is becomes a new tensor on its memory
        if isinstance(o, Tensor) and any(o is p for p in parents):
            outs[i] = Tensor._wrap(o._data)
    if len(diff) == 1 and len(outs) == 1:
        out = outs[0]
        out._requires_grad = True
        out._ctx = ctx
        return out
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
        originals[id(outs[i])] = piece
        outs[i] = piece
        off += size
    if ctx._saved:  # a saved output is the returned one (with its grad_fn), as in torch
        ctx._saved = tuple(originals.get(id(t), t) for t in ctx._saved)
    return outs[0] if single else tuple(outs)


def _no_setup(ctx: Any, inputs: tuple, output: Any) -> None:
    """torch's default ``setup_context``: forward takes ``ctx`` itself."""


_NO_SETUP = _no_setup


def once_differentiable(fn: Any) -> Any:
    """torch's decorator for a ``backward`` that is not itself differentiable: runs it without
    recording, so ``create_graph=True`` through it gives gradients without a graph."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx: Any, *args: Any) -> Any:
        prev = _function._grad_enabled
        _function._grad_enabled = False
        try:
            return fn(ctx, *args)
        finally:
            _function._grad_enabled = prev

    return wrapper
