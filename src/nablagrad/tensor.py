"""``Tensor``: an array plus what reverse-mode differentiation needs.

A Tensor holds its array (``_data``: NumPy or CuPy), ``requires_grad``, ``grad`` and, when it
was computed from tensors that require grad, ``_ctx``: the primitive ``Function`` that made it
(torch's ``grad_fn``).  Methods mirror ``torch.Tensor``; their math lives in ``nablagrad.ops``.

Example:
    >>> import nablagrad as torch
    >>> x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
"""

from __future__ import annotations

import itertools
import math
import operator
import warnings
from typing import Any

from . import _validate, backend
from ._coo import COOArray, sparse_coo, strided
from ._hooks import RemovableHandle
from .backend import get_array_module, np

# The graph clock: every recorded Function takes the next tick as its sequence number, and
# every in-place change stamps the changed tensor's version counter with a tick, so "changed
# after node N was recorded" is ``counter.v > N.seq`` (autograd/function.py, engine.py).
CLOCK = itertools.count(1)
LAST_STAMP = 0  # the latest in-place stamp: nodes recorded after it need no in-place check
# Set by ``nablagrad.func.vmap`` while it runs: ``guard(tensor, what)`` refuses ``.item()`` and
# ``bool()`` on a value that is batched (torch's vmap errors); None otherwise.
_vmap_guard: Any = None


def _stamp() -> int:
    """A new tick for an in-place change (and remember it as the latest)."""
    global LAST_STAMP
    LAST_STAMP = next(CLOCK)
    return LAST_STAMP


class VersionCounter:
    """When a tensor's memory was last changed in place (a tick of ``CLOCK``, 0 = never);
    views share their base's counter."""

    __slots__ = ("v",)

    def __init__(self) -> None:
        self.v = 0


# torch's text (TensorBody.h), for reading ``.grad`` of a non-leaf that does not retain it
_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead. See github.com/pytorch/pytorch/pull/30531 for more information."
)


class Size(tuple):
    """A tensor's shape: a tuple with ``numel()``, as ``torch.Size``."""

    def numel(self) -> int:
        return math.prod(self)

    def __repr__(self) -> str:
        return f"nablagrad.Size({list(self)})"


def _leaf_types(data: list | tuple) -> set:
    """The types of the leaves of nested lists/tuples (one ``map(type, ...)`` per container)."""
    types: set = set()
    stack = [data]
    while stack:
        seq = stack.pop()
        found = set(map(type, seq))
        if list in found or tuple in found:
            stack.extend(v for v in seq if isinstance(v, (list, tuple)))
            found -= {list, tuple}
        types |= found
    return types


def _numpy_scalar_dtype(types: set) -> Any:
    """torch.tensor's dtype for leaves that include NumPy scalars: each leaf has its own dtype
    (a NumPy scalar its own, a Python float the default float, an int int64) and they promote
    by category: the widest float if any, else the promoted integers, else bool
    (``tensor([1.0, np.float64(2)])`` is float64, ``tensor([np.uint8(3)])`` uint8).  None when
    a leaf is not a number."""
    dtypes = []
    for t in types:
        if t is bool:
            dtypes.append(np.dtype(np.bool_))
        elif t is int:
            dtypes.append(np.dtype(np.int64))
        elif t is float:
            dtypes.append(np.dtype(backend.default_float_np()))
        elif issubclass(t, np.generic) and np.dtype(t).kind in "biuf":
            dtypes.append(np.dtype(t))
        else:
            return None
    for kinds in ("f", "iu", "b"):
        picked = [d for d in dtypes if d.kind in kinds]
        if picked:
            return np.result_type(*picked)
    return None


def infer_np_dtype(data: Any) -> Any:
    """torch.tensor's dtype inference for Python data: bool, int64 or the default float (NumPy
    scalars among the values keep their own dtypes: ``_numpy_scalar_dtype``)."""
    if isinstance(data, (list, tuple)) and data:
        types = _leaf_types(data)
        if not types <= {float, int, bool}:
            special = _numpy_scalar_dtype(types)
            if special is not None:
                return special
    flat = data
    while isinstance(flat, (list, tuple)) and flat:
        flat = flat[0]
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError, OverflowError):
        _validate.nested_sequence(data)
        raise
    if arr.dtype.kind == "f":
        return backend.default_float_np()
    if arr.dtype.kind in "iu":
        if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:
            raise ValueError("Overflow when unpacking long long: ints must fit in int64")
        return np.dtype(np.int64)
    if arr.dtype.kind == "b":
        return np.dtype(np.bool_)
    if arr.dtype.kind in "OUSV":
        _validate.nested_sequence(data)
        leaves = _flat(data) if isinstance(data, (list, tuple)) else [data]
        if all(isinstance(v, (int, float)) for v in leaves):  # Python ints beyond 64 bits
            if any(isinstance(v, float) for v in leaves):
                return backend.default_float_np()  # a float among them: all become floats
            raise ValueError("Overflow when unpacking long long: ints must fit in int64")
        raise TypeError(
            f"cannot build a tensor from {type(flat).__name__} values: numbers must fit in "
            "int64 or float64"
        )
    return arr.dtype


def to_array(data: Any, dtype: Any = None, device: Any = None, copy: bool = True) -> Any:
    """An array for ``data`` (Tensor, array, nested lists, scalar) with torch's dtype rules."""
    xp = backend.xp_for(device) if device is not None else None
    npd = backend.to_np_dtype(dtype) if dtype is not None else None
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in _flat(data)):
        # torch reads each tensor in a list as one number (``tensor([tensor([1.]), x])`` has
        # shape (2,)); the dtype promotes over the elements, a tensor counting with its own
        found: list = []
        values = [_to_nested(v, found) for v in data]
        if npd is None:
            npd = _promoted(found)
        try:
            arr = np.asarray(values, dtype=npd)
        except (ValueError, TypeError):
            _validate.nested_sequence(values)
            raise
    elif backend.is_array(data) or hasattr(data, "__cuda_array_interface__"):
        arr = data
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
    else:
        if npd is None:
            npd = infer_np_dtype(data)
        try:
            arr = np.asarray(data, dtype=npd)
        except (ValueError, TypeError, OverflowError) as e:
            _validate.nested_sequence(data)
            arr = _wrapped_ints(data, npd)
            if arr is None:
                raise TypeError(f"tensor(): can't convert {data!r:.60} to {npd}: {e}") from None
    if npd is None:
        npd = arr.dtype
        if npd not in backend._BY_NP:
            raise TypeError(
                f"can't convert an array of dtype {npd} to a tensor: use a number dtype"
            )
    src_xp = get_array_module(arr)
    xp = xp or src_xp
    if xp is not src_xp:
        arr = backend.to_device(arr, device)
    if copy:
        return xp.array(arr, dtype=npd, copy=True)
    return xp.asarray(arr, dtype=npd)


def _wrapped_ints(data: Any, npd: Any) -> Any:
    """Python ints that NumPy refuses to store in an integer dtype, as torch checks them: an
    unsigned dtype takes negative values down to -max, wrapped (``tensor([-1], dtype=uint8)``
    holds 255), any other value out of range raises.  None when ``data`` is not such ints."""
    if npd is None or np.dtype(npd).kind not in "iu":
        return None
    try:
        wide = np.asarray(data, dtype=np.int64)
    except (ValueError, TypeError, OverflowError):
        return None
    info = np.iinfo(npd)
    low = -int(info.max) if info.kind == "u" else int(info.min)
    if wide.size and (int(wide.min()) < low or int(wide.max()) > info.max):
        raise RuntimeError(f"value cannot be converted to type {npd} without overflow")
    return wide.astype(npd)


def _flat(data: Any) -> list:
    out = []
    for v in data:
        out.extend(_flat(v) if isinstance(v, (list, tuple)) else [v])
    return out


def _to_nested(v: Any, found: list) -> Any:
    """Nested lists of Python numbers for ``tensor(data)``: a one-element tensor becomes its
    number (torch refuses larger ones); ``found`` collects each element's dtype."""
    if isinstance(v, (list, tuple)):
        return [_to_nested(u, found) for u in v]
    if isinstance(v, Tensor):
        if v._data.size != 1:
            if v._data.dtype.kind in "biu":
                raise TypeError(
                    "only integer tensors of a single element can be converted to an index: "
                    "tensor(list) reads each tensor as one number; use torch.stack for tensors"
                )
            raise ValueError(
                "only one element tensors can be converted to Python scalars: tensor(list) "
                "reads each tensor as one number; use torch.stack for tensors"
            )
        if v._requires_grad:
            warnings.warn(
                "Converting a tensor with requires_grad=True to a scalar may lead to unexpected "
                "behavior. Consider using tensor.detach() first.",
                UserWarning,
                stacklevel=4,
            )
        found.append(v._data.dtype)
        return backend.to_host(v._data).reshape(()).item()
    if isinstance(v, bool):
        found.append(np.dtype(np.bool_))
    elif isinstance(v, int):
        found.append(np.dtype(np.int64))
    elif isinstance(v, float):
        found.append(backend.default_float_np())
    return v


def _promoted(dtypes: list) -> Any:
    """torch's promotion of the elements' dtypes: a floating dtype wins over integers whole
    (an int64 and a float16 give float16), otherwise NumPy's promotion."""
    out = None
    for d in dtypes:
        if out is None:
            out = d
        elif (out.kind == "f") != (d.kind == "f"):
            out = out if out.kind == "f" else d
        else:
            out = np.promote_types(out, d)
    return out


def check_inplace_shape(x: Tensor, new: Tensor) -> None:
    """torch's error when an in-place operation's result would change ``x``'s shape."""
    if new._data.shape != x._data.shape:
        raise RuntimeError(
            f"output with shape {list(x._data.shape)} doesn't match the broadcast shape "
            f"{list(new._data.shape)}: an in-place operation cannot change a tensor's shape; "
            "use the out-of-place form (x = x + y)"
        )


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation."""

    __slots__ = (
        "_data",
        "_grad",
        "_requires_grad",
        "_ctx",
        "_hooks",
        "_retains_grad",
        "_vc",
        "_base",
        "__weakref__",
        "__dict__",
    )
    __array_priority__ = 1000

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy ufuncs on tensors, as torch: ``np.exp(t)`` or ``np.maximum(t, 0.5)`` compute
        on the arrays and return a Tensor (bool results as uint8, torch's legacy wrap; no
        gradient is recorded), and with ``out=`` NumPy's own result.  The ufuncs of Python's
        operators (``a * t`` with a NumPy array or scalar ``a`` becomes ``np.multiply(a, t)``)
        are the tensor operations instead, recorded for autograd as ``t * a`` is."""
        op = _UFUNC_OPERATORS.get(ufunc)
        if op is not None and method == "__call__" and not kwargs and len(inputs) == 2:
            a, b = (_operand(v) for v in inputs)
            return op(a, b)
        arrays = [np.asarray(v) if isinstance(v, Tensor) else v for v in inputs]
        if "out" in kwargs:
            out = kwargs["out"]
            if any(isinstance(o, Tensor) for o in (out if isinstance(out, tuple) else (out,))):
                raise TypeError(f"{ufunc.__name__}: out= must be NumPy arrays, not tensors")
            return getattr(ufunc, method)(*arrays, **kwargs)
        result = getattr(ufunc, method)(*arrays, **kwargs)

        def wrap(r: Any) -> Any:
            if isinstance(r, (np.ndarray, np.generic)):
                arr = np.asarray(r)
                return Tensor._wrap(arr.astype(np.uint8) if arr.dtype == np.bool_ else arr)
            return r

        return tuple(wrap(r) for r in result) if isinstance(result, tuple) else wrap(result)

    def __array_wrap__(self, array: Any, context: Any = None, return_scalar: bool = False) -> Any:
        """The result of a NumPy function that went through ``np.asarray(t)`` (``np.clip(t, 0,
        1)``, ``np.round(t)``, ``np.transpose(t)``, ``np.argmax(t)``) as a Tensor, as torch
        does: bool results as uint8, scalars as 0-d tensors, no gradient recorded.

        Example:
            >>> import numpy as np
            >>> import nablagrad as torch
            >>> np.clip(torch.tensor([-1.0, 0.5, 2.0]), 0, 1)
            tensor([0.0000, 0.5000, 1.0000])
        """
        arr = np.asarray(array)
        return Tensor._wrap(arr.astype(np.uint8) if arr.dtype == np.bool_ else arr)

    def __init__(
        self,
        *args: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        device: Any = None,
    ) -> None:
        """torch.Tensor's legacy constructor: ``Tensor(data)`` copies ``data`` into the default
        float dtype (``Tensor([1, 2])`` is float32, as in torch); ``Tensor(2, 3)`` allocates a
        2x3 tensor (zero-filled here), as does ``Tensor(x.size())``.  Prefer
        ``nablagrad.tensor(data)``, which infers dtypes.
        """
        if dtype is None:
            dtype = backend.get_default_dtype()
        if not args:
            args = (0,)
        if len(args) == 1 and isinstance(args[0], Size):  # Tensor(x.size()): a shape, as torch
            args = tuple(args[0])
        if len(args) == 1 and not isinstance(args[0], int):
            self._data = to_array(args[0], dtype=dtype, device=device, copy=True)
        else:
            if not all(isinstance(a, int) and a >= 0 for a in args):
                raise TypeError(f"Tensor(): expected data or non-negative sizes, got {args!r}")
            xp = backend.xp_for(device)
            self._data = xp.zeros(args, dtype=backend.to_np_dtype(dtype))
        self._init_state(requires_grad)

    def _init_state(self, requires_grad: bool) -> None:
        """Fresh autograd state for a tensor whose ``_data`` is set (used by subclasses too)."""
        self._grad = None
        self._requires_grad = False
        self._ctx = None
        self._hooks = None
        self._retains_grad = False
        self._vc = None
        self._base = None
        if requires_grad:
            self.requires_grad = True

    @staticmethod
    def _wrap(data: Any) -> Tensor:
        """A new Tensor around ``data`` without copying (internal fast path).

        NumPy reductions return scalars (``np.float32``) rather than 0-d arrays; they are made
        arrays here so that every Tensor holds a writable array.
        """
        if isinstance(data, _np_scalar):
            data = np.asarray(data)
        t = _new(Tensor)
        t._data = data
        t._grad = None
        t._requires_grad = False
        t._ctx = None
        t._hooks = None
        t._retains_grad = False
        t._vc = None
        t._base = None
        return t

    # -- version counter (in-place changes; autograd/saved.py says which ones backward checks) --

    def _counter(self) -> VersionCounter:
        vc = self._vc
        if vc is None:
            vc = self._vc = VersionCounter()
        return vc

    @property
    def _version(self) -> int:
        """Grows with every in-place change of this tensor's memory (shared with its views)."""
        vc = self._vc
        return 0 if vc is None else vc.v

    @_version.setter
    def _version(self, value: int) -> None:
        # any assignment (x._version = tick(), p._version += 1) records a change now
        self._counter().v = max(value, _stamp())

    def _bump_version(self) -> None:
        self._counter().v = _stamp()

    @property
    def grad(self) -> Tensor | None:
        """The accumulated gradient; reading it unset on a non-leaf that does not retain its
        gradient warns, as torch."""
        g = self._grad
        if g is None and self._ctx is not None and not self._retains_grad:
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    @property
    def grad_dtype(self) -> Any:
        """The dtype backward gives this leaf's ``.grad``: its own dtype unless set; a set dtype
        makes backward cast the incoming gradient to it, and ``None`` accepts a gradient of
        any dtype (not cast).  Leaf tensors only, as torch's.

        Example:
            >>> import nablagrad as torch
            >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
            >>> x.grad_dtype = torch.float64
            >>> (x * 3).sum().backward()
            >>> x.grad
            tensor([3., 3.], dtype=nablagrad.float64)
        """
        if self._ctx is not None:
            raise RuntimeError("grad_dtype can only be accessed on leaf tensors.")
        return self.__dict__.get("_grad_dtype", self.dtype)

    @grad_dtype.setter
    def grad_dtype(self, value: Any) -> None:
        if self._ctx is not None:
            raise RuntimeError("grad_dtype can only be set on leaf tensors.")
        if value is not None and not isinstance(value, backend.dtype):
            raise RuntimeError(
                f"grad_dtype must be a nablagrad dtype or None, but got {type(value).__name__}"
            )
        g = self._grad
        if g is not None and value is not None and g.dtype != value:
            raise RuntimeError(
                f"Cannot set grad_dtype to '{value}' because there is already a gradient with "
                f"dtype '{g.dtype}'. Please clear the gradient (.grad = None) before changing "
                "grad_dtype, or ensure the new grad_dtype matches the existing gradient's dtype."
            )
        if value == self.dtype:
            self.__dict__.pop("_grad_dtype", None)
        else:
            self.__dict__["_grad_dtype"] = value

    # -- autograd state ------------------------------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self.dtype}: "
                "create it with a float dtype (e.g. nablagrad.tensor(..., dtype=nablagrad.float32))"
                " or call .float() first"
            )
        if not value and self._ctx is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables: use .detach() to get "
                "a tensor that does not require grad"
            )
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self) -> Any:
        return self._ctx

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        inputs: Any = None,
    ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (torch semantics)."""
        if inputs is not None:
            _lazy.engine.backward(self, gradient, retain_graph, create_graph, inputs=inputs)
            return
        _lazy.engine.run_backward([self], [gradient], retain_graph, create_graph)

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._hooks is None:
            self._hooks = {}
        key = object()
        self._hooks[key] = hook
        return _HookHandle(self._hooks, key)

    def register_post_accumulate_grad_hook(self, hook: Any) -> Any:
        """Call ``hook(tensor)`` on this leaf once backward has added its complete gradient
        into ``.grad`` (during the pass, as soon as no remaining node can add to it)."""
        engine = _lazy.engine
        if self._ctx is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors: register "
                "on the leaf (a parameter), or use register_hook for a non-leaf's gradient"
            )
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        hooks = self.__dict__.setdefault("_post_acc_hooks", {})
        key = object()
        hooks[key] = hook
        engine.post_hook_count += 1
        return _PostHookHandle(hooks, key)

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError(
                "can't retain_grad on Tensor that has requires_grad=False: set requires_grad=True "
                "on the inputs it is computed from"
            )
        if self._ctx is not None:
            self._retains_grad = True

    def detach(self) -> Tensor:
        """Same data, no history: the result does not require grad (shares the version counter,
        so changing it in place is caught where the original was saved for backward)."""
        out = Tensor._wrap(self._data)
        out._vc = self._counter()
        return out

    def detach_(self) -> Tensor:
        self._ctx = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """A detached Tensor sharing this tensor's memory (in-place changes are not recorded)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value: Any) -> None:
        self._data = value._data if isinstance(value, Tensor) else to_array(value)

    def _keep_prior(self, old: Tensor) -> None:
        """Remember ``old`` (this tensor's value and history before an in-place change): nodes
        recorded before the change still list this tensor as an input, and the engine sends
        their gradients to the history they saw (``autograd.engine._parents_at``)."""
        self.__dict__.setdefault("_priors", []).append(old)

    def _rebind(self, make: Any, write_through: bool = False) -> None:
        """Turn this tensor into ``make(old)`` where ``old`` carries its previous value and history.

        Used by differentiable in-place operations on non-leaf tensors that are not views
        (``ops.index.rebind`` handles views, writing through to their base).  Without views
        the tensor simply takes the new array; with ``write_through`` (it has live views) the
        new values are copied into its own memory, and ``old`` keeps a copy of the previous
        ones for the node that ``make`` records.
        """
        vc = self._counter()
        old = Tensor._wrap(self._data.copy() if write_through else self._data)
        old._requires_grad, old._ctx, old._vc = self._requires_grad, self._ctx, vc
        self._keep_prior(old)
        vc.v = _stamp()  # before make(): the new node (a later tick) may save the new value
        new = make(old)
        check_inplace_shape(self, new)
        if write_through:
            get_array_module(self._data).copyto(self._data, new._data)
        else:
            self._data = new._data
        self._ctx, self._requires_grad = new._ctx, new._requires_grad

    # -- basic properties ----------------------------------------------------------------------

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    @_validate.numpy_names
    def size(self, dim: int | None = None) -> Any:
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[dim]

    @property
    def dtype(self) -> backend.dtype:
        return backend.from_np_dtype(self._data.dtype)

    @property
    def device(self) -> backend.device:
        return backend.device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def contiguous(self, memory_format: Any = backend.contiguous_format) -> Tensor:
        """``self`` when its memory is already laid out as ``memory_format`` asks (row-major by
        default; ``channels_last``: N, H, W, C), else such a copy (differentiable), as torch:
        writing into the result of ``x.t().contiguous()`` leaves ``x`` alone.  A copy gets the
        format's strides for every dim, size 1 included.

        Example:
            >>> import nablagrad as torch
            >>> torch.zeros(2, 3, 1, 1).contiguous(memory_format=torch.channels_last).stride()
            (3, 1, 1, 1)
            >>> torch.zeros(2, 3, 4, 1).contiguous(memory_format=torch.channels_last).stride()
            (12, 1, 3, 3)
        """
        if memory_format is backend.contiguous_format and self._data.flags.c_contiguous:
            return self  # the common call, without the format checks
        if self.is_contiguous(memory_format=memory_format):
            return self
        if memory_format is backend.preserve_format:
            raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
        return _ops.clone(self, _ops.layout_strides(self._data, memory_format))

    def is_contiguous(self, memory_format: Any = backend.contiguous_format) -> bool:
        """Whether the elements lie in memory in ``memory_format``'s order without gaps, as
        torch decides it: dims of size 1 may have any stride, and a tensor without elements
        is row-major contiguous (``channels_last``: the 4-D N, H, W, C order; a tensor of
        another rank is never channels-last contiguous).

        Example:
            >>> import nablagrad as torch
            >>> x = torch.zeros(2, 4, 5, 3).permute(0, 3, 1, 2)  # N, C, H, W over N, H, W, C
            >>> x.is_contiguous(), x.is_contiguous(memory_format=torch.channels_last)
            (False, True)
        """
        if memory_format is not None and not isinstance(memory_format, backend.memory_format):
            raise TypeError(
                f"memory_format must be a nablagrad.memory_format, got {memory_format!r}"
            )
        if memory_format is None or memory_format.axes is None:  # contiguous / preserve
            return bool(self._data.flags.c_contiguous)
        return backend.is_contiguous_as(tuple(self._data.shape), self.stride(), memory_format)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Any:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    # -- conversions ---------------------------------------------------------------------------

    def numpy(self, force: bool = False) -> Any:
        """The values as a NumPy array (shared memory on the CPU, as in torch)."""
        if type(self._data) is COOArray:
            raise TypeError("can't convert Sparse layout tensor to numpy: call .to_dense() first")
        if force:
            return backend.to_host(self._data)
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        if type(self._data) is not np.ndarray:
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first."
            )
        return self._data

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        arr = self.numpy(force=False) if not self._requires_grad else self.detach().numpy()
        return arr if dtype is None else arr.astype(dtype)

    def __dlpack__(
        self,
        *,
        stream: Any = None,
        max_version: tuple[int, int] | None = None,
        dl_device: Any = None,
        copy: bool | None = None,
    ) -> Any:
        """A DLPack capsule of the values (shared memory), from the backing NumPy or CuPy
        array's own ``__dlpack__``; the arguments are the DLPack protocol's.  As torch, a
        tensor that requires grad is refused (BufferError): export ``tensor.detach()``."""
        if self._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        if type(self._data) is COOArray:
            raise BufferError("can't export a sparse tensor through DLPack: call .to_dense()")
        kwargs: dict = {"stream": stream}
        for name, value in (("max_version", max_version), ("dl_device", dl_device)):
            if value is not None:
                kwargs[name] = value
        if copy is not None:
            kwargs["copy"] = copy
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        """(DLPack device type, index): (1, 0) on the CPU, (2, n) on CUDA device n."""
        kind, index = self._data.__dlpack_device__()
        return int(kind), int(index)

    def pin_memory(self, device: Any = None) -> Tensor:
        """torch's page-locked copy for faster host-to-GPU transfers.  Accepted for
        compatibility: nablagrad copies to the GPU through CuPy's own staging, so this returns
        the tensor itself (CPU tensors only, as in torch)."""
        if self.device.type != "cpu":
            raise RuntimeError(f"cannot pin '{self.device}' memory: only CPU tensors can be pinned")
        return self

    def is_pinned(self, device: Any = None) -> bool:
        """False: nablagrad does not page-lock host memory (see ``pin_memory``)."""
        return False

    def item(self) -> Any:
        if _vmap_guard is not None:
            _vmap_guard(self, "item")
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar: "
                "index one element first (e.g. x[0].item()) or reduce it (x.sum().item())"
            )
        return self._data.reshape(()).item()

    def tolist(self) -> Any:
        if _vmap_guard is not None:
            _vmap_guard(self, "item")
        return backend.to_host(self._data).tolist()

    def __float__(self) -> float:
        self._check_one_element()
        return float(self.item())

    def __int__(self) -> int:
        self._check_one_element()
        return int(self.item())

    def _check_one_element(self) -> None:
        """``float(x)``/``int(x)`` of a tensor with more or fewer than one element: torch's
        ValueError (``x.item()`` raises a RuntimeError instead, as torch's does)."""
        if self._data.size != 1:
            raise ValueError(
                f"only one element tensors can be converted to Python scalars (this one has "
                f"{self._data.size}): index one element or reduce it first"
            )

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if _vmap_guard is not None:
            _vmap_guard(self, "bool")
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} values is ambiguous: use "
                ".any() or .all()"
            )
        return bool(self._data.reshape(()))

    def __hash__(self) -> int:
        return id(self)  # torch's: identity, whatever the values

    def to(
        self,
        *args: Any,
        dtype: Any = None,
        device: Any = None,
        non_blocking: bool = False,
        copy: bool = False,
        memory_format: Any = None,
    ) -> Tensor:
        """Convert dtype and/or device: ``x.to(float64)``, ``x.to("cuda")``, ``x.to(other)``;
        ``memory_format=channels_last`` lays the result out as N, H, W, C."""
        for a in args:
            if isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            elif isinstance(a, backend.device) or (isinstance(a, str) and not _dtype_name(a)):
                device = a  # a string that names no dtype is a device (or the device error)
            else:
                dtype = a
        out = self
        if device is not None and backend.as_device(device) != self.device:
            out = _ops.to_device(out, backend.as_device(device))
        if dtype is not None:
            npd = backend.to_np_dtype(dtype)
            if npd != out._data.dtype:
                out = _ops.cast(out, npd)
        if memory_format is not None and memory_format is not backend.preserve_format:
            out = out._laid_out(memory_format, out is self)
        if copy and out is self:
            out = self.clone()
        return out

    def _laid_out(self, memory_format: Any, original: bool) -> Tensor:
        """``to(memory_format=...)``'s layout step, as torch's: the tensor itself when
        torch's suggested memory format of its strides is already ``memory_format`` (even if
        it is not contiguous in it), else a copy with that format's strides (``original``:
        this is still the caller's tensor, not a fresh conversion)."""
        if not isinstance(memory_format, backend.memory_format):
            raise TypeError(
                f"memory_format must be a nablagrad.memory_format, got {memory_format!r}"
            )
        if type(self._data) is COOArray:
            return self
        shape = tuple(self._data.shape)
        if original:
            suggested = backend.suggest_memory_format(shape, self.stride())
            if suggested is memory_format:
                return self
        elif self.stride() == backend.format_strides(shape, memory_format):
            return self  # a fresh copy already laid out as asked
        strides = _ops.layout_strides(self._data, memory_format)
        return _ops.clone(self, strides)

    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """Without an argument, the legacy type name (``nablagrad.FloatTensor`` for float32, as
        torch's ``torch.FloatTensor``); with a dtype, a legacy class (``LongTensor``) or its name
        (``"torch.LongTensor"``), the tensor converted to it."""
        from .tensortypes import NAMES, TYPES

        if dtype is None:
            return f"nablagrad.{NAMES.get(self.dtype.name, self.dtype.name)}"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            name = dtype.rpartition(".")[2]
            if name not in TYPES:
                raise TypeError(f"invalid type {dtype!r}: use e.g. 'torch.FloatTensor'")
            dtype = TYPES[name]
        dtype = getattr(dtype, "dtype", dtype) if isinstance(dtype, type) else dtype
        return self.to(dtype=dtype)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(dtype=other.dtype)

    def float(self, memory_format: Any = backend.preserve_format) -> Tensor:
        return self.to(dtype=np.float32, memory_format=memory_format)

    def double(self, memory_format: Any = backend.preserve_format) -> Tensor:
        return self.to(dtype=np.float64, memory_format=memory_format)

    def half(self, memory_format: Any = backend.preserve_format) -> Tensor:
        return self.to(dtype=np.float16, memory_format=memory_format)

    def long(self, memory_format: Any = backend.preserve_format) -> Tensor:
        return self.to(dtype=np.int64, memory_format=memory_format)

    def int(self, memory_format: Any = backend.preserve_format) -> Tensor:
        return self.to(dtype=np.int32, memory_format=memory_format)

    def bool(self, memory_format: Any = backend.preserve_format) -> Tensor:
        return self.to(dtype=np.bool_, memory_format=memory_format)

    def cpu(self, memory_format: Any = backend.preserve_format) -> Tensor:
        return self.to(device="cpu", memory_format=memory_format)

    def cuda(
        self,
        device: Any = None,
        non_blocking: bool = False,
        memory_format: Any = backend.preserve_format,
    ) -> Tensor:
        device = "cuda" if device is None else f"cuda:{int(device)}"
        return self.to(device=device, non_blocking=non_blocking, memory_format=memory_format)

    def clone(self, *, memory_format: Any = None) -> Tensor:
        """A copy with its own memory; gradients flow back to the original.  By default
        (``preserve_format``) a dense tensor keeps its layout (a transposed or channels-last
        tensor's copy has the same strides), others are copied row-major, as torch."""
        if memory_format is None:
            memory_format = backend.preserve_format
        return _ops.clone(self, _ops.layout_strides(self._data, memory_format))

    def __repr__(self) -> str:
        return _lazy.printing.tensor_repr(self)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.3f}"`` formats a 0-d tensor's value, as torch does."""
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce__(self) -> tuple:
        dev = self.device
        if type(self._data) is COOArray:
            a = self._data
            parts = (backend.to_host(a.indices), backend.to_host(a.values), a.shape, a.coalesced)
            return (_rebuild_sparse, (*parts, self._requires_grad, str(dev)))
        args = (backend.to_host(self._data), self._requires_grad)
        return (_rebuild, args if dev.type == "cpu" else args + (str(dev),))

    def __deepcopy__(self, memo: dict) -> Tensor:
        out = Tensor._wrap(self._data.copy())
        out._requires_grad = self._requires_grad
        if self._grad is not None:
            out.grad = Tensor._wrap(self._grad._data.copy())
        memo[id(self)] = out
        return out

    # -- operators (the math lives in nablagrad.ops; each method is a one-line delegation) ----

    def __add__(self, other: Any) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.rsub(self, other)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.div(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _ops.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return _ops.remainder(self, other)

    def __rmod__(self, other: Any) -> Tensor:
        return _ops.remainder(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ops.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ops.abs(self)

    def __invert__(self) -> Tensor:
        return _ops.bitwise_not(self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        try:
            return _ops.eq(self, other)
        except TypeError:
            return _not_comparable(other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        try:
            return _ops.ne(self, other)
        except TypeError:
            return _not_comparable(other)

    def __lt__(self, other: Any) -> Tensor:
        try:
            return _ops.lt(self, other)
        except TypeError:
            return _not_comparable(other)

    def __le__(self, other: Any) -> Tensor:
        try:
            return _ops.le(self, other)
        except TypeError:
            return _not_comparable(other)

    def __gt__(self, other: Any) -> Tensor:
        try:
            return _ops.gt(self, other)
        except TypeError:
            return _not_comparable(other)

    def __ge__(self, other: Any) -> Tensor:
        try:
            return _ops.ge(self, other)
        except TypeError:
            return _not_comparable(other)

    def __and__(self, other: Any) -> Tensor:
        return _ops.bitwise("bitwise_and", self, other)

    def __rand__(self, other: Any) -> Tensor:
        return _ops.bitwise("bitwise_and", other, self)

    def __or__(self, other: Any) -> Tensor:
        return _ops.bitwise("bitwise_or", self, other)

    def __ror__(self, other: Any) -> Tensor:
        return _ops.bitwise("bitwise_or", other, self)

    def __xor__(self, other: Any) -> Tensor:
        return _ops.bitwise("bitwise_xor", self, other)

    def __rxor__(self, other: Any) -> Tensor:
        return _ops.bitwise("bitwise_xor", other, self)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    def __setitem__(self, index: Any, value: Any) -> None:
        _ops.setitem(self, index, value)

    def __contains__(self, value: Any) -> bool:
        return _ops.contains(self, value)

    # -- in-place forms (nablagrad.ops.inplace) ---------------------------------------------------

    def __iadd__(self, other: Any) -> Tensor:
        return _ops.add_(self, other)

    def __isub__(self, other: Any) -> Tensor:
        return _ops.sub_(self, other)

    def __imul__(self, other: Any) -> Tensor:
        return _ops.mul_(self, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return _ops.div_(self, other)

    def __ipow__(self, other: Any) -> Tensor:
        return _ops.pow_(self, other)

    def __ifloordiv__(self, other: Any) -> Tensor:
        return _ops.floor_divide_(self, other)

    def __imod__(self, other: Any) -> Tensor:
        return _ops.remainder_(self, other)

    def __imatmul__(self, other: Any) -> Tensor:
        return _ops.matmul_(self, other)

    def add_(self, *args: Any, **kwargs: Any) -> Tensor:
        if len(args) == 2 and isinstance(args[1], Tensor) and not isinstance(args[0], Tensor):
            args, kwargs = _legacy_alpha("add_", args, kwargs)
        return _ops.add_(self, *args, **kwargs)

    def sub_(self, *args: Any, **kwargs: Any) -> Tensor:
        if len(args) == 2 and isinstance(args[1], Tensor) and not isinstance(args[0], Tensor):
            args, kwargs = _legacy_alpha("sub_", args, kwargs)
        return _ops.sub_(self, *args, **kwargs)

    def mul_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.mul_(self, *args, **kwargs)

    def div_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.div_(self, *args, **kwargs)

    def pow_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.pow_(self, *args, **kwargs)

    def copy_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.copy_(self, *args, **kwargs)

    def masked_fill_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.masked_fill_(self, *args, **kwargs)

    def addcmul_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.addcmul_(self, *args, **kwargs)

    def addcdiv_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.addcdiv_(self, *args, **kwargs)

    def lerp_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.lerp_(self, *args, **kwargs)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        """In place: ``self = min(max(self, min), max)`` (either bound may be given by keyword)."""
        return _ops.clamp_(self, min, max)

    def exp_(self) -> Tensor:
        return _ops.exp_(self)

    def sqrt_(self) -> Tensor:
        return _ops.sqrt_(self)

    def relu_(self) -> Tensor:
        return _ops.relu_(self)

    def tanh_(self) -> Tensor:
        return _ops.tanh_(self)

    def sigmoid_(self) -> Tensor:
        return _ops.sigmoid_(self)

    def neg_(self) -> Tensor:
        return _ops.neg_(self)

    def abs_(self) -> Tensor:
        return _ops.abs_(self)

    def zero_(self) -> Tensor:
        return _ops.zero_(self)

    def fill_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.fill_(self, *args, **kwargs)

    def normal_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.normal_(self, *args, **kwargs)

    def uniform_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.uniform_(self, *args, **kwargs)

    def bernoulli_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.bernoulli_(self, *args, **kwargs)

    def random_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.random_(self, *args, **kwargs)

    # -- math -------------------------------------------------------------------------------------

    def neg(self) -> Tensor:
        return _ops.neg(self)

    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def log1p(self) -> Tensor:
        return _ops.log1p(self)

    def sqrt(self) -> Tensor:
        return _ops.sqrt(self)

    def rsqrt(self) -> Tensor:
        return _ops.rsqrt(self)

    def abs(self) -> Tensor:
        return _ops.abs(self)

    def sign(self) -> Tensor:
        return _ops.sign(self)

    def sin(self) -> Tensor:
        return _ops.sin(self)

    def cos(self) -> Tensor:
        return _ops.cos(self)

    def tan(self) -> Tensor:
        return _ops.tan(self)

    def tanh(self) -> Tensor:
        return _ops.tanh(self)

    def sigmoid(self) -> Tensor:
        return _ops.sigmoid(self)

    def relu(self) -> Tensor:
        return _ops.relu(self)

    def reciprocal(self) -> Tensor:
        return _ops.reciprocal(self)

    def square(self) -> Tensor:
        return _ops.square(self)

    def expm1(self) -> Tensor:
        return _ops.expm1(self)

    def log2(self) -> Tensor:
        return _ops.log2(self)

    def log10(self) -> Tensor:
        return _ops.log10(self)

    def floor(self) -> Tensor:
        return _ops.floor(self)

    def ceil(self) -> Tensor:
        return _ops.ceil(self)

    def trunc(self) -> Tensor:
        return _ops.trunc(self)

    def isnan(self) -> Tensor:
        return _ops.isnan(self)

    def isinf(self) -> Tensor:
        return _ops.isinf(self)

    def isfinite(self) -> Tensor:
        return _ops.isfinite(self)

    def logical_not(self) -> Tensor:
        return _ops.logical_not(self)

    def maximum(self, other: Any) -> Tensor:
        return _ops.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return _ops.minimum(self, other)

    def eq(self, other: Any) -> Tensor:
        return _ops.eq(self, other)

    def ne(self, other: Any) -> Tensor:
        return _ops.ne(self, other)

    def lt(self, other: Any) -> Tensor:
        return _ops.lt(self, other)

    def le(self, other: Any) -> Tensor:
        return _ops.le(self, other)

    def gt(self, other: Any) -> Tensor:
        return _ops.gt(self, other)

    def ge(self, other: Any) -> Tensor:
        return _ops.ge(self, other)

    def logical_and(self, other: Any) -> Tensor:
        return _ops.logical_and(self, other)

    def logical_or(self, other: Any) -> Tensor:
        return _ops.logical_or(self, other)

    def logical_xor(self, other: Any) -> Tensor:
        return _ops.logical_xor(self, other)

    def remainder(self, other: Any) -> Tensor:
        return _ops.remainder(self, other)

    def floor_divide(self, other: Any) -> Tensor:
        return _ops.floor_divide(self, other)

    def add(self, other: Any, alpha: Any = 1) -> Tensor:
        if isinstance(alpha, Tensor) and not isinstance(other, Tensor):  # add(Number, Tensor)
            (other,), kw = _legacy_alpha("add", (other, alpha), {})
            alpha = kw["alpha"]
        return _ops.add(self, other, alpha)

    def sub(self, other: Any, alpha: Any = 1) -> Tensor:
        if isinstance(alpha, Tensor) and not isinstance(other, Tensor):  # sub(Number, Tensor)
            (other,), kw = _legacy_alpha("sub", (other, alpha), {})
            alpha = kw["alpha"]
        return _ops.sub(self, other, alpha)

    def mul(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    def div(self, other: Any, rounding_mode: str | None = None) -> Tensor:
        return _ops.div(self, other, rounding_mode)

    def pow(self, exponent: Any) -> Tensor:
        return _ops.pow(self, exponent)

    def round(self, decimals: int | None = None) -> Tensor:
        return _ops.round(self, decimals)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return _ops.clamp(self, min, max)

    def lerp(self, end: Any, weight: Any) -> Tensor:
        return _ops.lerp(self, end, weight)

    def where(self, condition: Any, other: Any) -> Tensor:
        return _ops.where(condition, self, other)

    def allclose(self, other: Any, *args: Any, **kwargs: Any) -> bool:
        return _ops.allclose(self, other, *args, **kwargs)

    def isclose(self, other: Any, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.isclose(self, other, *args, **kwargs)

    def equal(self, other: Any) -> bool:
        return _ops.equal(self, other)

    negative = neg
    multiply = mul
    subtract = sub
    divide = div
    true_divide = div
    clip = clamp
    greater = gt
    less = lt

    # -- reductions (nablagrad.ops.reduce) ------------------------------------------------------

    def sum(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.sum(self, *args, **kwargs)

    def mean(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.mean(self, *args, **kwargs)

    def prod(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.prod(self, *args, **kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.max(self, *args, **kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.min(self, *args, **kwargs)

    def amax(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.amax(self, *args, **kwargs)

    def amin(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.amin(self, *args, **kwargs)

    def argmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.argmax(self, *args, **kwargs)

    def argmin(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.argmin(self, *args, **kwargs)

    def var(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.var(self, *args, **kwargs)

    def std(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.std(self, *args, **kwargs)

    def logsumexp(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.logsumexp(self, *args, **kwargs)

    def norm(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.norm(self, *args, **kwargs)

    def cumsum(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.cumsum(self, *args, **kwargs)

    def all(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.all(self, *args, **kwargs)

    def any(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.any(self, *args, **kwargs)

    def count_nonzero(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.count_nonzero(self, *args, **kwargs)

    # -- shape (nablagrad.ops.shape) --------------------------------------------------------------

    def reshape(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.reshape(self, *args, **kwargs)

    def flatten(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.flatten(self, *args, **kwargs)

    def unflatten(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.unflatten(self, *args, **kwargs)

    def squeeze(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.squeeze(self, *args, **kwargs)

    def unsqueeze(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.unsqueeze(self, *args, **kwargs)

    def permute(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.permute(self, *args, **kwargs)

    def transpose(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.transpose(self, *args, **kwargs)

    def expand(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.expand(self, *args, **kwargs)

    def repeat(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.repeat(self, *args, **kwargs)

    @_validate.numpy_names
    def split(self, split_size: Any, dim: int = 0) -> Any:
        return _ops.split(self, split_size, dim)

    def chunk(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.chunk(self, *args, **kwargs)

    @_validate.numpy_names
    def unsafe_chunk(self, chunks: int, dim: int = 0) -> Any:
        """``torch.unsafe_chunk(self, chunks, dim)``: ``chunk`` (torch's form whose pieces are
        not tracked as views).

        Example:
            >>> import nablagrad as torch
            >>> torch.arange(4).unsafe_chunk(2)
            (tensor([0, 1]), tensor([2, 3]))
        """
        from .ops.toplevel import unsafe_chunk

        return unsafe_chunk(self, chunks, dim)

    @_validate.numpy_names
    def unsafe_split(self, split_size: int, dim: int = 0) -> Any:
        """``torch.unsafe_split(self, split_size, dim)``: ``split`` with an int size (torch's
        form whose pieces are not tracked as views).

        Example:
            >>> import nablagrad as torch
            >>> torch.arange(3).unsafe_split(2)
            (tensor([0, 1]), tensor([2]))
        """
        from .ops.toplevel import unsafe_split

        return unsafe_split(self, split_size, dim)

    @_validate.numpy_names
    def unsafe_split_with_sizes(self, split_sizes: Any, dim: int = 0) -> Any:
        """``torch.unsafe_split_with_sizes(self, split_sizes, dim)``: ``split_with_sizes``
        (torch's form whose pieces are not tracked as views).

        Example:
            >>> import nablagrad as torch
            >>> torch.arange(3).unsafe_split_with_sizes([2, 1])
            (tensor([0, 1]), tensor([2]))
        """
        from .ops.toplevel import unsafe_split_with_sizes

        return unsafe_split_with_sizes(self, split_sizes, dim)

    def unbind(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.unbind(self, *args, **kwargs)

    def narrow(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.narrow(self, *args, **kwargs)

    def flip(self, *args: Any, **kwargs: Any) -> Tensor:
        """``x.flip(0, 1)`` or ``x.flip((0, 1))``; only the keyword ``dims`` must be a tuple."""
        if args and (len(args) > 1 or _validate.is_int(args[0])):
            args = (args,)
        return _ops.flip(self, *args, **kwargs)

    def movedim(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.movedim(self, *args, **kwargs)

    def t(self) -> Tensor:
        return _ops.t(self)

    def view(self, *args: Any, size: Any = None, dtype: Any = None) -> Tensor:
        """``view(shape)`` reshapes; ``view(dtype)`` reinterprets the bits (no gradient)."""
        if len(args) == 1 and isinstance(args[0], backend.dtype):
            return self._view_as_dtype(args[0])
        if dtype is not None and not args and size is None:
            return self._view_as_dtype(dtype)
        out = _ops.reshape(self, *args, shape=size)
        self._check_viewable(tuple(out.shape))
        return out

    def _check_viewable(self, shape: tuple) -> None:
        """torch's refusal to ``view`` a tensor whose memory layout needs a copy for
        ``shape`` (``backend.view_strides``); a contiguous tensor always passes."""
        flags = getattr(self._data, "flags", None)
        if flags is None or flags.c_contiguous:
            return
        if backend.view_strides(tuple(self._data.shape), self.stride(), shape) is None:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            )

    def _view_as_dtype(self, dtype: backend.dtype) -> Tensor:
        # torch records no gradient through view(dtype), even to the same dtype
        try:
            data = self._data.view(backend.to_np_dtype(dtype))
        except ValueError as e:
            raise RuntimeError(f"view(dtype): cannot view {self.dtype} as {dtype}: {e}") from None
        return Tensor._wrap(data)

    @property
    def real(self) -> Tensor:
        """The tensor itself (nablagrad tensors are real)."""
        return self

    @property
    def imag(self) -> Tensor:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        return self.transpose(axis0, axis1)

    swapdims = transpose

    def view_as(self, other: Tensor) -> Tensor:
        return self.view(tuple(other.shape))

    def reshape_as(self, other: Tensor) -> Tensor:
        return _ops.reshape(self, other.shape)

    def expand_as(self, other: Tensor) -> Tensor:
        return _ops.expand(self, other.shape)

    @property
    def T(self) -> Tensor:  # noqa: N802 - torch's name
        return _ops.permute(self, *reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:  # noqa: N802 - torch's name
        if self.ndim < 2:
            raise RuntimeError(
                "tensor.mT is only supported on matrices or batches of matrices. Got "
                f"{self.ndim}-D tensor."
            )
        return _ops.transpose(self, -2, -1)

    # -- matrix functions and decompositions (nablagrad.ops.linalg_fns) -------------------------

    def det(self) -> Tensor:
        return _ops.det(self)

    def logdet(self) -> Tensor:
        return _ops.logdet(self)

    def slogdet(self) -> Any:
        return _ops.linalg_slogdet(self)

    def inverse(self) -> Tensor:
        return _ops.inverse(self)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        return _ops.pinverse(self, rcond)

    def svd(self, some: bool = True, compute_uv: bool = True) -> Any:
        return _ops.svd(self, some, compute_uv)

    def qr(self, some: bool = True) -> Any:
        return _ops.qr(self, some)

    def geqrf(self) -> Any:
        """``torch.geqrf(self)``: LAPACK's compact QR, ``(a, tau)`` (Householder reflectors
        below the diagonal of ``a``, R on and above it).

        Example:
            >>> import nablagrad as torch
            >>> torch.tensor([[3.0, 1.0], [4.0, 2.0]]).geqrf().tau
            tensor([1.6000, 0.0000])
        """
        from .ops.lapack_forms import geqrf

        return geqrf(self)

    def orgqr(self, input2: Tensor) -> Tensor:
        """``torch.orgqr(self, input2)``: Q from ``geqrf``'s reflectors ``self`` and
        ``tau = input2`` (``householder_product``).

        Example:
            >>> import nablagrad as torch
            >>> a, tau = torch.tensor([[3.0, 1.0], [4.0, 2.0]]).geqrf()
            >>> a.orgqr(tau)
            tensor([[-0.6000, -0.8000],
                    [-0.8000,  0.6000]])
        """
        from .ops.lapack_forms import orgqr

        return orgqr(self, input2)

    def ormqr(
        self, input2: Tensor, input3: Tensor, left: bool = True, transpose: bool = False
    ) -> Tensor:
        """``torch.ormqr(self, input2, input3, left, transpose)``: ``op(Q) C`` (``left``) or
        ``C op(Q)`` with Q from ``geqrf``'s reflectors ``self`` and ``tau = input2``, ``C =
        input3``, ``op(Q) = Q^T`` when ``transpose``.

        Example:
            >>> import nablagrad as torch
            >>> a, tau = torch.tensor([[3.0, 1.0], [4.0, 2.0]]).geqrf()
            >>> a.ormqr(tau, torch.eye(2), transpose=True)  # Q^T
            tensor([[-0.6000, -0.8000],
                    [-0.8000,  0.6000]])
        """
        from .ops.lapack_forms import ormqr

        return ormqr(self, input2, input3, left, transpose)

    def cholesky(self, upper: bool = False) -> Tensor:
        return _ops.cholesky(self, upper)

    def cholesky_solve(self, input2: Tensor, upper: bool = False) -> Tensor:
        return _ops.cholesky_solve(self, input2, upper)

    def triangular_solve(
        self, A: Tensor, upper: bool = True, transpose: bool = False, unitriangular: bool = False
    ) -> Any:
        return _ops.triangular_solve(self, A, upper, transpose, unitriangular)

    def cholesky_inverse(self, upper: bool = False) -> Tensor:
        return _ops.cholesky_inverse(self, upper)

    def matrix_power(self, n: int) -> Tensor:
        return _ops.matrix_power(self, n)

    def matrix_exp(self) -> Tensor:
        return _ops.matrix_exp(self)

    # -- more methods: indexing, statistics, integer math, in-place forms ----------

    def index_add(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.index_add(self, *args, **kwargs)

    def index_copy(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.index_copy(self, *args, **kwargs)

    def index_fill(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.index_fill(self, *args, **kwargs)

    def index_put(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.index_put(self, *args, **kwargs)

    def scatter_add(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.scatter_add(self, *args, **kwargs)

    def scatter_reduce(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.scatter_reduce(self, *args, **kwargs)

    def masked_scatter(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.masked_scatter(self, *args, **kwargs)

    def tensor_split(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.tensor_split(self, *args, **kwargs)

    def hsplit(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.hsplit(self, *args, **kwargs)

    def vsplit(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.vsplit(self, *args, **kwargs)

    def dsplit(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.dsplit(self, *args, **kwargs)

    def split_with_sizes(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.split_with_sizes(self, *args, **kwargs)

    def cummax(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.cummax(self, *args, **kwargs)

    def cummin(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.cummin(self, *args, **kwargs)

    def logcumsumexp(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.logcumsumexp(self, *args, **kwargs)

    def quantile(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.quantile(self, *args, **kwargs)

    def nanquantile(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.nanquantile(self, *args, **kwargs)

    def nanmedian(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.nanmedian(self, *args, **kwargs)

    def mode(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.mode(self, *args, **kwargs)

    def aminmax(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.aminmax(self, *args, **kwargs)

    def fmax(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.fmax(self, *args, **kwargs)

    def fmin(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.fmin(self, *args, **kwargs)

    def gcd(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.gcd(self, *args, **kwargs)

    def lcm(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.lcm(self, *args, **kwargs)

    def bitwise_and(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.bitwise_and(self, *args, **kwargs)

    def bitwise_or(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.bitwise_or(self, *args, **kwargs)

    def bitwise_xor(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.bitwise_xor(self, *args, **kwargs)

    def bitwise_not(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.bitwise_not(self, *args, **kwargs)

    def bitwise_left_shift(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.bitwise_left_shift(self, *args, **kwargs)

    def bitwise_right_shift(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.bitwise_right_shift(self, *args, **kwargs)

    def histc(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.histc(self, *args, **kwargs)

    def histogram(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.histogram(self, *args, **kwargs)

    def cov(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.cov(self, *args, **kwargs)

    def corrcoef(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.corrcoef(self, *args, **kwargs)

    def positive(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.positive(self, *args, **kwargs)

    def frexp(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.frexp(self, *args, **kwargs)

    def ldexp(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.ldexp(self, *args, **kwargs)

    def i0(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.i0(self, *args, **kwargs)

    def igamma(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.igamma(self, *args, **kwargs)

    def igammac(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.igammac(self, *args, **kwargs)

    def mvlgamma(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.mvlgamma(self, *args, **kwargs)

    def sum_to_size(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.sum_to_size(self, *args, **kwargs)

    def renorm(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.renorm(self, *args, **kwargs)

    def broadcast_to(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.broadcast_to(self, *args, **kwargs)

    def index_add_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.index_add_(self, *args, **kwargs)

    def index_copy_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.index_copy_(self, *args, **kwargs)

    def index_fill_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.index_fill_(self, *args, **kwargs)

    def index_put_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.index_put_(self, *args, **kwargs)

    def scatter_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.scatter_(self, *args, **kwargs)

    def scatter_add_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.scatter_add_(self, *args, **kwargs)

    def scatter_reduce_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.scatter_reduce_(self, *args, **kwargs)

    def masked_scatter_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.masked_scatter_(self, *args, **kwargs)

    def fill_diagonal_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.fill_diagonal_(self, *args, **kwargs)

    def sin_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.sin_(self, *args, **kwargs)

    def cos_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.cos_(self, *args, **kwargs)

    def tan_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.tan_(self, *args, **kwargs)

    def log_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.log_(self, *args, **kwargs)

    def log2_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.log2_(self, *args, **kwargs)

    def log10_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.log10_(self, *args, **kwargs)

    def log1p_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.log1p_(self, *args, **kwargs)

    def expm1_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.expm1_(self, *args, **kwargs)

    def floor_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.floor_(self, *args, **kwargs)

    def ceil_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.ceil_(self, *args, **kwargs)

    def round_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.round_(self, *args, **kwargs)

    def trunc_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.trunc_(self, *args, **kwargs)

    def fix_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.fix_(self, *args, **kwargs)

    def sign_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.sign_(self, *args, **kwargs)

    def sgn_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.sgn_(self, *args, **kwargs)

    def reciprocal_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.reciprocal_(self, *args, **kwargs)

    def rsqrt_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.rsqrt_(self, *args, **kwargs)

    def square_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.square_(self, *args, **kwargs)

    def sinc_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.sinc_(self, *args, **kwargs)

    def negative_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.negative_(self, *args, **kwargs)

    def absolute_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.absolute_(self, *args, **kwargs)

    def arcsin_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.arcsin_(self, *args, **kwargs)

    def arccos_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.arccos_(self, *args, **kwargs)

    def arctan_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.arctan_(self, *args, **kwargs)

    def arcsinh_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.arcsinh_(self, *args, **kwargs)

    def arccosh_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.arccosh_(self, *args, **kwargs)

    def arctanh_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.arctanh_(self, *args, **kwargs)

    def arctan2_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.arctan2_(self, *args, **kwargs)

    def polygamma_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.polygamma_(self, *args, **kwargs)

    def clip_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return _ops.clip_(self, min, max)

    def divide_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.divide_(self, *args, **kwargs)

    def true_divide_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.true_divide_(self, *args, **kwargs)

    def multiply_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.multiply_(self, *args, **kwargs)

    def subtract_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.subtract_(self, *args, **kwargs)

    def remainder_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.remainder_(self, *args, **kwargs)

    def floor_divide_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.floor_divide_(self, *args, **kwargs)

    def heaviside_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.heaviside_(self, *args, **kwargs)

    def cumsum_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.cumsum_(self, *args, **kwargs)

    def cumprod_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.cumprod_(self, *args, **kwargs)

    def float_power_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.float_power_(self, *args, **kwargs)

    def eq_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.eq_(self, *args, **kwargs)

    def ne_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.ne_(self, *args, **kwargs)

    def lt_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.lt_(self, *args, **kwargs)

    def le_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.le_(self, *args, **kwargs)

    def gt_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.gt_(self, *args, **kwargs)

    def ge_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.ge_(self, *args, **kwargs)

    def not_equal_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.not_equal_(self, *args, **kwargs)

    def greater_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.greater_(self, *args, **kwargs)

    def greater_equal_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.greater_equal_(self, *args, **kwargs)

    def less_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.less_(self, *args, **kwargs)

    def less_equal_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.less_equal_(self, *args, **kwargs)

    def logical_and_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.logical_and_(self, *args, **kwargs)

    def logical_or_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.logical_or_(self, *args, **kwargs)

    def logical_xor_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.logical_xor_(self, *args, **kwargs)

    def logical_not_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.logical_not_(self, *args, **kwargs)

    def squeeze_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.squeeze_(self, *args, **kwargs)

    def unsqueeze_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.unsqueeze_(self, *args, **kwargs)

    def t_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.t_(self, *args, **kwargs)

    def transpose_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.transpose_(self, *args, **kwargs)

    def swapaxes_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.swapaxes_(self, *args, **kwargs)

    def swapdims_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.swapdims_(self, *args, **kwargs)

    def exponential_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.exponential_(self, *args, **kwargs)

    def geometric_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.geometric_(self, *args, **kwargs)

    def log_normal_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.log_normal_(self, *args, **kwargs)

    def cauchy_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.cauchy_(self, *args, **kwargs)

    def gcd_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.gcd_(self, *args, **kwargs)

    def lcm_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.lcm_(self, *args, **kwargs)

    def bitwise_and_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.bitwise_and_(self, *args, **kwargs)

    def bitwise_or_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.bitwise_or_(self, *args, **kwargs)

    def bitwise_xor_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.bitwise_xor_(self, *args, **kwargs)

    def bitwise_not_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.bitwise_not_(self, *args, **kwargs)

    def bitwise_left_shift_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.bitwise_left_shift_(self, *args, **kwargs)

    def bitwise_right_shift_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.bitwise_right_shift_(self, *args, **kwargs)

    def ldexp_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.ldexp_(self, *args, **kwargs)

    def i0_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.i0_(self, *args, **kwargs)

    def igamma_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.igamma_(self, *args, **kwargs)

    def igammac_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.igammac_(self, *args, **kwargs)

    def mvlgamma_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.mvlgamma_(self, *args, **kwargs)

    def renorm_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.renorm_(self, *args, **kwargs)

    def lu(self, pivot: bool = True, get_infos: bool = False) -> Any:
        return _ops.torch_lu(self, pivot, get_infos)

    def lu_solve(self, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:  # noqa: N803
        return _ops.torch_lu_solve(self, LU_data, LU_pivots)

    def addr(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.addr(self, *args, **kwargs)

    def addbmm(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.addbmm(self, *args, **kwargs)

    def adjoint(self) -> Tensor:
        return _ops.adjoint(self)

    @property
    def mH(self) -> Tensor:  # noqa: N802 - torch's name
        if self.ndim < 2:
            raise RuntimeError(
                "tensor.mH is only supported on matrices or batches of matrices. Got "
                f"{self.ndim}-D tensor."
            )
        return _ops.transpose(self, -2, -1)

    @property
    def H(self) -> Tensor:  # noqa: N802 - torch's name
        if self.ndim not in (0, 2):
            raise RuntimeError(
                f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D "
                "tensor."
                + (" For batches of matrices, consider using tensor.mH" if self.ndim > 2 else "")
            )
        if self.ndim == 0:
            warnings.warn(
                "Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                UserWarning,
                stacklevel=2,
            )
        return _ops.permute(self, tuple(reversed(range(self.ndim))))

    def diagonal_scatter(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.diagonal_scatter(self, *args, **kwargs)

    def select_scatter(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.select_scatter(self, *args, **kwargs)

    def slice_scatter(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.slice_scatter(self, *args, **kwargs)

    def addmm_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.addmm_(self, *args, **kwargs)

    def addmv_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.addmv_(self, *args, **kwargs)

    def baddbmm_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.baddbmm_(self, *args, **kwargs)

    def addr_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.addr_(self, *args, **kwargs)

    def addbmm_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.addbmm_(self, *args, **kwargs)

    def unfold(self, dimension: int, size: int, step: int) -> Tensor:
        return _ops.unfold_windows(self, dimension, size, step)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def greater_equal(self, other: Any) -> Tensor:
        return _ops.ge(self, other)

    def less_equal(self, other: Any) -> Tensor:
        return _ops.le(self, other)

    def not_equal(self, other: Any) -> Tensor:
        return _ops.ne(self, other)

    def __lshift__(self, other: Any) -> Tensor:
        return _ops.bitwise_left_shift(self, other)

    def __rlshift__(self, other: Any) -> Tensor:
        return _ops.bitwise_left_shift(other, self)

    def __rshift__(self, other: Any) -> Tensor:
        return _ops.bitwise_right_shift(self, other)

    def __rrshift__(self, other: Any) -> Tensor:
        return _ops.bitwise_right_shift(other, self)

    def __iand__(self, other: Any) -> Tensor:
        return _ops.bitwise_and_(self, other)

    def __ior__(self, other: Any) -> Tensor:
        return _ops.bitwise_or_(self, other)

    def __ixor__(self, other: Any) -> Tensor:
        return _ops.bitwise_xor_(self, other)

    def __ilshift__(self, other: Any) -> Tensor:
        return _ops.bitwise_left_shift_(self, other)

    def __irshift__(self, other: Any) -> Tensor:
        return _ops.bitwise_right_shift_(self, other)

    # -- storage-level facts --------------------------------------------------------------

    def data_ptr(self) -> int:
        """The address of the first element."""
        if self.device.type == "cpu":
            return int(self._data.__array_interface__["data"][0])
        return int(self._data.data.ptr)

    def const_data_ptr(self) -> int:
        """``data_ptr()`` (torch's read-only variant)."""
        return self.data_ptr()

    @property
    def is_cpu(self) -> bool:
        return self.device.type == "cpu"

    # torch's other device and layout flags: nablagrad tensors are dense, on "cpu" or "cuda"
    # (scripts test ``input.is_cuda or input.is_xpu`` before multi-device paths)
    is_xpu = is_mps = is_meta = is_ipu = is_xla = is_maia = is_mtia = is_vulkan = property(
        lambda self: False, doc="False: nablagrad has no such device."
    )
    is_mkldnn = is_quantized = is_sparse_csr = is_nested = property(
        lambda self: False, doc="False: nablagrad tensors are dense, strided and unquantized."
    )

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    @property
    def itemsize(self) -> int:
        return int(self._data.itemsize)

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def is_signed(self) -> bool:
        return self._data.dtype.kind in "if"

    def nonzero_static(self, *, size: int, fill_value: int = -1) -> Tensor:
        """``torch.nonzero_static(self, size=size, fill_value=fill_value)``: ``nonzero`` cut or
        padded (with rows of ``fill_value``) to exactly ``size`` rows.

        Example:
            >>> import nablagrad as torch
            >>> torch.tensor([0, 3, 0, 5]).nonzero_static(size=1)
            tensor([[1]])
        """
        from .ops.toplevel import nonzero_static

        return nonzero_static(self, size=size, fill_value=fill_value)

    def smm(self, mat: Tensor) -> Tensor:
        """``torch.smm(self, mat)``: this sparse matrix times the dense ``mat``, sparse.

        Example:
            >>> import nablagrad as torch
            >>> s = torch.tensor([[0.0, 2.0], [3.0, 0.0]]).to_sparse()
            >>> s.smm(torch.ones(2, 1)).to_dense()
            tensor([[2.],
                    [3.]])
        """
        return _ops.smm(self, mat)

    def sspaddmm(self, mat1: Tensor, mat2: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """``torch.sspaddmm(self, mat1, mat2, beta=beta, alpha=alpha)``: ``beta * self + alpha
        * (mat1 @ mat2)``, sparse.

        Example:
            >>> import nablagrad as torch
            >>> s = torch.tensor([[0.0, 2.0], [3.0, 0.0]]).to_sparse()
            >>> s.sspaddmm(s, torch.eye(2)).to_dense()
            tensor([[0., 4.],
                    [6., 0.]])
        """
        return _ops.sspaddmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def as_subclass(self, cls: type) -> Tensor:
        """This tensor's data as an instance of ``cls`` (a subclass of ``Tensor``): a view that
        shares memory and version counter with ``self`` and stays attached to the autograd
        graph (its ``grad_fn`` is the view's); ``cls.__init__`` is not called, as torch's.
        Operations on the result return plain ``Tensor``s (nablagrad has no
        ``__torch_function__`` dispatch that would keep the subclass).

        Example:
            >>> import nablagrad as torch
            >>> class Tagged(torch.Tensor):
            ...     pass
            >>> t = torch.ones(2)
            >>> u = t.as_subclass(Tagged)
            >>> type(u).__name__, u.data_ptr() == t.data_ptr()
            ('Tagged', True)
        """
        if not isinstance(cls, type):
            raise TypeError(f"cls must be a type (got {type(cls).__name__})")
        if not issubclass(cls, Tensor):
            raise TypeError(
                "Creating a Tensor subclass from a class that does not inherit from Tensor is "
                f"not possible ({cls.__name__}). Make sure your class inherits from Tensor."
            )
        out = self.view(tuple(self.shape))
        if cls is not Tensor:
            try:
                out.__class__ = cls
            except TypeError as err:
                raise TypeError(
                    f"as_subclass: {cls.__name__} cannot hold a Tensor's data ({err}): a "
                    "subclass may add attributes through __dict__ but not its own __slots__"
                ) from None
        return out

    def module_load(self, other: Tensor, assign: bool = False) -> Tensor:
        """torch's hook that turns the state-dict value ``other`` into the tensor that
        ``nn.Module.load_state_dict`` swaps in for ``self``; the default, as torch's:
        ``other.detach()`` when ``assign``, else ``self.copy_(other).detach()``.  (torch calls
        it only under ``torch.__future__.set_swap_module_params_on_conversion(True)``;
        nablagrad's ``load_state_dict`` copies values in place and does not call it.)

        Example:
            >>> import nablagrad as torch
            >>> p = torch.zeros(2)
            >>> p.module_load(torch.tensor([1.0, 2.0]))
            tensor([1., 2.])
            >>> p
            tensor([1., 2.])
        """
        if assign:
            return other.detach()
        return self.copy_(other).detach()

    # -- methods torch removed in 1.9: kept, as torch keeps them, to say what replaces them --

    def eig(self, eigenvectors: bool = False) -> Any:
        """Removed in torch 1.9; raises RuntimeError naming the replacement (as torch's).

        Example:
            >>> import nablagrad as torch
            >>> torch.eye(2).eig()
            Traceback (most recent call last):
            ...
            RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
        """
        raise RuntimeError(
            _REMOVED
            + "Use torch.linalg.eig (complex results: nablagrad has no complex dtype) or, for "
            "a symmetric matrix, torch.linalg.eigh(A) / torch.linalg.eigvalsh(A)."
        )

    def symeig(self, eigenvectors: bool = False) -> Any:
        """Removed in torch 1.9; raises RuntimeError naming the replacement (as torch's).

        Example:
            >>> import nablagrad as torch
            >>> torch.eye(2).symeig()
            Traceback (most recent call last):
            ...
            RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
        """
        raise RuntimeError(
            _REMOVED + "Use L, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L') for "
            "eigenvectors, or L = torch.linalg.eigvalsh(A, UPLO=...) for eigenvalues only "
            "(note: the lower triangle is now the default)."
        )

    def lstsq(self, other: Tensor) -> Any:
        """Removed in torch 1.9; raises RuntimeError naming the replacement (as torch's).

        Example:
            >>> import nablagrad as torch
            >>> torch.eye(2).lstsq(torch.eye(2))
            Traceback (most recent call last):
            ...
            RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
        """
        raise RuntimeError(
            _REMOVED + "X = B.lstsq(A) becomes X = torch.linalg.lstsq(A, B).solution (the "
            "arguments are reversed, and no QR factorization is returned)."
        )

    def solve(self, other: Tensor) -> Any:
        """Removed in torch 1.9; raises RuntimeError naming the replacement (as torch's).

        Example:
            >>> import nablagrad as torch
            >>> torch.eye(2).solve(torch.eye(2))
            Traceback (most recent call last):
            ...
            RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
        """
        raise RuntimeError(
            _REMOVED + "X, LU = B.solve(A) becomes X = torch.linalg.solve(A, B) (the arguments "
            "are reversed; torch.linalg.lu_factor gives the LU factorization)."
        )

    def is_distributed(self) -> bool:
        """False, as torch's for every ordinary (not sharded) tensor.

        Example:
            >>> import nablagrad as torch
            >>> torch.ones(2).is_distributed()
            False
        """
        return False

    def is_nonzero(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
                if self._data.size
                else "Boolean value of Tensor with no values is ambiguous"
            )
        return bool(self._data.reshape(-1)[0] != 0)

    def is_same_size(self, other: Tensor) -> bool:
        return tuple(self._data.shape) == tuple(other._data.shape)

    def is_inference(self) -> bool:
        return False

    def storage_offset(self) -> int:
        """Elements between the start of the underlying storage and the first element."""
        if not backend.is_array(self._data):  # a sparse tensor's arrays: no one storage
            return 0
        return backend.storage_offset(self._data)

    def untyped_storage(self) -> Any:
        """The memory this tensor lives in, as bytes (a ``nablagrad.UntypedStorage``): its
        owner's whole memory, so every view of one tensor has the same storage.

        Example:
            >>> import nablagrad as torch
            >>> x = torch.zeros(2, 3)
            >>> x.t().untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
            True
        """
        if type(self._data) is COOArray:
            raise RuntimeError("Cannot access storage of SparseTensorImpl")
        return _lazy.storage.UntypedStorage._of(self._data)

    def storage(self) -> Any:
        """torch's deprecated ``TypedStorage`` of this tensor (with torch's warning): the
        ``untyped_storage()`` seen as elements of the tensor's dtype."""
        _lazy.storage._warn_typed()
        return _lazy.storage.TypedStorage(
            wrap_storage=self.untyped_storage(), dtype=self.dtype, _internal=True
        )

    def _check_rebind(self, name: str) -> None:
        if self._requires_grad and _lazy.function._grad_enabled:
            if self._ctx is None:
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place operation."
                )
            raise RuntimeError(
                f"{name}() of a tensor that is part of an autograd graph is not supported: call "
                "it on .detach() or under no_grad()"
            )

    def set_(
        self,
        source: Any = None,
        storage_offset: int = 0,
        size: Any = None,
        stride: Any = None,
    ) -> Tensor:
        """Point this tensor at other memory, in place: ``set_(t)`` shares tensor ``t``'s
        storage, offset, size and strides; ``set_(storage, offset, size, stride)`` views a
        storage (``size`` defaults to the whole storage, ``stride`` to row-major);
        ``set_()`` leaves it empty.  The dtype must match.  A storage too small raises
        (torch would grow it).

        Example:
            >>> import nablagrad as torch
            >>> x = torch.arange(6.0)
            >>> torch.empty(0).set_(x.untyped_storage(), 1, (2, 2), (1, 2))
            tensor([[1., 3.],
                    [2., 4.]])
        """
        self._check_rebind("set_")
        np_dtype = self._data.dtype
        if source is None:
            data = backend.empty_strided(get_array_module(self._data), (0,), (1,), np_dtype)
        elif isinstance(source, Tensor):
            if source._data.dtype != np_dtype:
                raise RuntimeError(
                    f"Could not set tensor of type {_dtype_word(source._data.dtype)} to a tensor "
                    f"of type {_dtype_word(np_dtype)}"
                )
            if type(source._data) is COOArray:
                raise RuntimeError("set_(): the source must be a dense tensor")
            data = source._data.view()
        elif isinstance(source, (_lazy.storage.UntypedStorage, _lazy.storage.TypedStorage)):
            if isinstance(source, _lazy.storage.TypedStorage):
                if backend.to_np_dtype(source.dtype) != np_dtype:
                    raise RuntimeError(
                        f"Expected a Storage of type {_dtype_word(np_dtype)} but got type "
                        f"{_dtype_word(backend.to_np_dtype(source.dtype))}"
                    )
                source = source.untyped()
            offset = int(storage_offset)
            if size is None:
                shape: tuple = (max(source.nbytes() // np_dtype.itemsize - offset, 0),)
            else:
                shape = tuple(int(n) for n in size)
            if stride is None or len(tuple(stride)) == 0:
                strides = backend.format_strides(shape, backend.contiguous_format)
            else:
                strides = tuple(int(st) for st in stride)
                if len(strides) != len(shape):
                    raise RuntimeError(
                        f"mismatch in length of strides and shape: {len(shape)} sizes, "
                        f"{len(strides)} strides"
                    )
            data = backend.view_bytes(source._bytes, np_dtype, shape, strides, offset)
            source._pin()
        else:
            raise TypeError(
                "set_(): source must be a Tensor, an UntypedStorage or a TypedStorage, got "
                f"{type(source).__name__}"
            )
        self._data = data
        self._version += 1
        return self

    def is_set_to(self, tensor: Tensor) -> bool:
        """Whether both tensors view the same storage with the same offset, size and strides.

        Example:
            >>> import nablagrad as torch
            >>> x = torch.zeros(2, 3)
            >>> torch.empty(0).set_(x).is_set_to(x), x.is_set_to(x.t())
            (True, False)
        """
        if type(self._data) is COOArray or type(tensor._data) is COOArray:
            return False
        mine, theirs = backend.storage_root(self._data), backend.storage_root(tensor._data)
        return (
            backend.data_pointer(mine) == backend.data_pointer(theirs)
            and mine.nbytes == theirs.nbytes
            and backend.data_pointer(self._data) == backend.data_pointer(tensor._data)
            and tuple(self._data.shape) == tuple(tensor._data.shape)
            and self._data.strides == tensor._data.strides
        )

    def as_strided_(self, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
        """``as_strided`` in place: this tensor becomes the view of its storage with shape
        ``size`` and element strides ``stride`` (from ``storage_offset``, default its own).
        Not recorded for autograd: a tensor that requires grad raises.

        Example:
            >>> import nablagrad as torch
            >>> torch.arange(6.0).as_strided_((2, 2), (1, 2), 1)
            tensor([[1., 3.],
                    [2., 4.]])
        """
        self._check_rebind("as_strided_")
        shape, strides = tuple(int(n) for n in size), tuple(int(st) for st in stride)
        if len(shape) != len(strides):
            raise RuntimeError(
                f"mismatch in length of strides and shape: {len(shape)} sizes, "
                f"{len(strides)} strides"
            )
        offset = self.storage_offset() if storage_offset is None else int(storage_offset)
        store = self.untyped_storage()
        self._data = backend.view_bytes(store._bytes, self._data.dtype, shape, strides, offset)
        self._version += 1
        return self

    def new_empty_strided(self, size: Any, stride: Any, **kwargs: Any) -> Tensor:
        """An uninitialised tensor of ``size`` laid out with element strides ``stride``."""
        return _ops.empty_strided_like(self, size, stride, **kwargs)

    # -- linear algebra and indexing (nablagrad.ops.linalg, nablagrad.ops.index) -----------------

    def matmul(self, other: Tensor) -> Tensor:
        return _ops.matmul(self, other)

    def mm(self, mat2: Tensor) -> Tensor:
        return _ops.mm(self, mat2)

    def mv(self, vec: Tensor) -> Tensor:
        return _ops.mv(self, vec)

    def dot(self, tensor: Tensor) -> Tensor:
        return _ops.dot(self, tensor)

    def bmm(self, mat2: Tensor) -> Tensor:
        return _ops.bmm(self, mat2)

    def outer(self, vec2: Tensor) -> Tensor:
        return _ops.outer(self, vec2)

    ger = outer

    @_validate.numpy_names
    def gather(self, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
        return _ops.gather(self, dim, index, sparse_grad=sparse_grad)

    @_validate.numpy_names
    def index_select(self, dim: int, index: Tensor) -> Tensor:
        return _ops.index_select(self, dim, index)

    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        return _ops.masked_fill(self, mask, value)

    def masked_select(self, mask: Tensor) -> Tensor:
        return _ops.masked_select(self, mask)

    @_validate.numpy_names
    def scatter(
        self,
        dim: int,
        index: Tensor,
        src: Any = None,
        reduce: str | None = None,
        *,
        value: Any = None,
    ) -> Tensor:
        return _ops.scatter(self, dim, index, src, reduce, value=value)

    # -- fused primitives (nablagrad.ops.fused) ---------------------------------------------------

    @_validate.numpy_names
    def softmax(self, dim: int, dtype: Any = None) -> Tensor:
        return _ops.softmax(self if dtype is None else self.to(dtype=dtype), dim)

    @_validate.numpy_names
    def log_softmax(self, dim: int, dtype: Any = None) -> Tensor:
        return _ops.log_softmax(self if dtype is None else self.to(dtype=dtype), dim)

    # -- more of torch's math (nablagrad.ops.mathfns, sorting, matrices, arrange; table rows in
    # nablagrad.ops.table) ------------------------------------------------------------------

    def sinh(self) -> Tensor:
        return _ops.sinh(self)

    def cosh(self) -> Tensor:
        return _ops.cosh(self)

    def asin(self) -> Tensor:
        return _ops.asin(self)

    def acos(self) -> Tensor:
        return _ops.acos(self)

    def atan(self) -> Tensor:
        return _ops.atan(self)

    def asinh(self) -> Tensor:
        return _ops.asinh(self)

    def acosh(self) -> Tensor:
        return _ops.acosh(self)

    def atanh(self) -> Tensor:
        return _ops.atanh(self)

    def erf(self) -> Tensor:
        return _ops.erf(self)

    def erfc(self) -> Tensor:
        return _ops.erfc(self)

    def erfinv(self) -> Tensor:
        return _ops.erfinv(self)

    def lgamma(self) -> Tensor:
        return _ops.lgamma(self)

    def digamma(self) -> Tensor:
        return _ops.digamma(self)

    def exp2(self) -> Tensor:
        return _ops.exp2(self)

    def deg2rad(self) -> Tensor:
        return _ops.deg2rad(self)

    def rad2deg(self) -> Tensor:
        return _ops.rad2deg(self)

    def frac(self) -> Tensor:
        return _ops.frac(self)

    def sinc(self) -> Tensor:
        return _ops.sinc(self)

    def signbit(self) -> Tensor:
        return _ops.signbit(self)

    def isposinf(self) -> Tensor:
        return _ops.isposinf(self)

    def isneginf(self) -> Tensor:
        return _ops.isneginf(self)

    def isreal(self) -> Tensor:
        return _ops.isreal(self)

    def msort(self) -> Tensor:
        return _ops.msort(self)

    def ravel(self) -> Tensor:
        return _ops.ravel(self)

    def fliplr(self) -> Tensor:
        return _ops.fliplr(self)

    def flipud(self) -> Tensor:
        return _ops.flipud(self)

    def argwhere(self) -> Tensor:
        return _ops.argwhere(self)

    def atan2(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.atan2(self, *args, **kwargs)

    def fmod(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.fmod(self, *args, **kwargs)

    def copysign(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.copysign(self, *args, **kwargs)

    def xlogy(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.xlogy(self, *args, **kwargs)

    def hypot(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.hypot(self, *args, **kwargs)

    def logaddexp(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.logaddexp(self, *args, **kwargs)

    def logaddexp2(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.logaddexp2(self, *args, **kwargs)

    def float_power(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.float_power(self, *args, **kwargs)

    def logit(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.logit(self, *args, **kwargs)

    def nan_to_num(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.nan_to_num(self, *args, **kwargs)

    def clamp_min(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.clamp_min(self, *args, **kwargs)

    def clamp_max(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.clamp_max(self, *args, **kwargs)

    def heaviside(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.heaviside(self, *args, **kwargs)

    def cumprod(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.cumprod(self, *args, **kwargs)

    def addcmul(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.addcmul(self, *args, **kwargs)

    def addcdiv(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.addcdiv(self, *args, **kwargs)

    def addmm(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.addmm(self, *args, **kwargs)

    def addmv(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.addmv(self, *args, **kwargs)

    def baddbmm(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.baddbmm(self, *args, **kwargs)

    def inner(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.inner(self, *args, **kwargs)

    def cross(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.cross(self, *args, **kwargs)

    def dist(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.dist(self, *args, **kwargs)

    def kron(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.kron(self, *args, **kwargs)

    def argsort(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.argsort(self, *args, **kwargs)

    def sort(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.sort(self, *args, **kwargs)

    def topk(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.topk(self, *args, **kwargs)

    def kthvalue(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.kthvalue(self, *args, **kwargs)

    def median(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.median(self, *args, **kwargs)

    def nansum(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.nansum(self, *args, **kwargs)

    def nanmean(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.nanmean(self, *args, **kwargs)

    def tril(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.tril(self, *args, **kwargs)

    def triu(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.triu(self, *args, **kwargs)

    def diagonal(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.diagonal(self, *args, **kwargs)

    def diag_embed(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.diag_embed(self, *args, **kwargs)

    def diag(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.diag(self, *args, **kwargs)

    def trace(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.trace(self, *args, **kwargs)

    def roll(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.roll(self, *args, **kwargs)

    def repeat_interleave(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.repeat_interleave(self, *args, **kwargs)

    def tile(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.tile(self, *args, **kwargs)

    def nonzero(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.nonzero(self, *args, **kwargs)

    def unique(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.unique(self, *args, **kwargs)

    def unique_consecutive(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.unique_consecutive(self, *args, **kwargs)

    def bincount(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.bincount(self, *args, **kwargs)

    def diff(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.diff(self, *args, **kwargs)

    def rot90(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.rot90(self, *args, **kwargs)

    def select(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.select(self, *args, **kwargs)

    def take(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.take(self, *args, **kwargs)

    def take_along_dim(self, *args: Any, **kwargs: Any) -> Any:
        return _ops.take_along_dim(self, *args, **kwargs)

    def sinh_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.sinh_(self, *args, **kwargs)

    def cosh_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.cosh_(self, *args, **kwargs)

    def asin_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.asin_(self, *args, **kwargs)

    def acos_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.acos_(self, *args, **kwargs)

    def atan_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.atan_(self, *args, **kwargs)

    def asinh_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.asinh_(self, *args, **kwargs)

    def acosh_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.acosh_(self, *args, **kwargs)

    def atanh_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.atanh_(self, *args, **kwargs)

    def erf_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.erf_(self, *args, **kwargs)

    def erfc_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.erfc_(self, *args, **kwargs)

    def erfinv_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.erfinv_(self, *args, **kwargs)

    def lgamma_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.lgamma_(self, *args, **kwargs)

    def digamma_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.digamma_(self, *args, **kwargs)

    def atan2_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.atan2_(self, *args, **kwargs)

    def fmod_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.fmod_(self, *args, **kwargs)

    def copysign_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.copysign_(self, *args, **kwargs)

    def xlogy_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.xlogy_(self, *args, **kwargs)

    def hypot_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.hypot_(self, *args, **kwargs)

    def logit_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.logit_(self, *args, **kwargs)

    def frac_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.frac_(self, *args, **kwargs)

    def exp2_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.exp2_(self, *args, **kwargs)

    def deg2rad_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.deg2rad_(self, *args, **kwargs)

    def rad2deg_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.rad2deg_(self, *args, **kwargs)

    def nan_to_num_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.nan_to_num_(self, *args, **kwargs)

    def clamp_min_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.clamp_min_(self, *args, **kwargs)

    def clamp_max_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.clamp_max_(self, *args, **kwargs)

    def tril_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.tril_(self, *args, **kwargs)

    def triu_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.triu_(self, *args, **kwargs)

    def multinomial(self, *args: Any, **kwargs: Any) -> Tensor:
        return _lazy.creation.multinomial(self, *args, **kwargs)

    def bernoulli(self, p: Any = None, *, generator: Any = None) -> Tensor:
        """0/1 draws: with probabilities ``self``, or, given a number ``p``, of ``self``'s
        shape and dtype with probability ``p`` (torch's ``empty_like(self).bernoulli_(p)``)."""
        if p is None or isinstance(p, Tensor):
            probs = self if p is None else _lazy.creation.full_like(self, p)
            return _lazy.creation.bernoulli(probs, generator=generator)
        out = _lazy.creation.empty_like(self)
        return out.bernoulli_(p, generator=generator)

    def ndimension(self) -> int:
        return self._data.ndim

    def get_device(self) -> int:
        """-1 on the CPU, the device index on a GPU (as torch)."""
        return -1 if self.device.type == "cpu" else (self.device.index or 0)

    @_validate.numpy_names
    def stride(self, dim: int | None = None) -> Any:
        """Steps in elements between neighbours along each dimension, as torch reports them
        (``backend.element_strides``: a size-1 dim made by ``unsqueeze``, ``None`` indexing
        or ``expand`` spans the dim inside it; a new tensor without elements is row-major).

        Example:
            >>> import nablagrad as torch
            >>> torch.zeros(3, 4)[:, None].stride(), torch.zeros(2, 0).stride()
            ((4, 4, 1), (1, 1))
        """
        a = self._data
        if type(a) is COOArray:
            st = (0,) * a.ndim  # torch reports zeros for a sparse tensor
        else:
            st = backend.element_strides(a.shape, a.strides, a.itemsize)
        if dim is None:
            return st
        if not a.ndim and _validate.is_int(dim):
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return st[_validate.dim(dim, a.ndim, fn="stride")]

    def short(self, memory_format: Any = backend.preserve_format) -> Tensor:
        return self.to(dtype=backend.int16, memory_format=memory_format)

    def byte(self, memory_format: Any = backend.preserve_format) -> Tensor:
        return self.to(dtype=backend.uint8, memory_format=memory_format)

    def char(self, memory_format: Any = backend.preserve_format) -> Tensor:
        return self.to(dtype=backend.int8, memory_format=memory_format)

    # -- sparse COO layout (nablagrad.ops.sparse; ``_data`` is a ``COOArray``) -----------------

    @property
    def is_sparse(self) -> bool:
        return type(self._data) is COOArray

    @property
    def layout(self) -> Any:
        """``nablagrad.sparse_coo`` for a sparse tensor, else ``nablagrad.strided``."""
        return sparse_coo if type(self._data) is COOArray else strided

    def to_dense(self, dtype: Any = None, *, masked_grad: bool | None = None) -> Tensor:
        return _ops.to_dense(self, dtype)

    def to_sparse(self, sparse_dim: int | None = None, *, layout: Any = None) -> Tensor:
        return _ops.to_sparse(self, sparse_dim, layout=layout)

    def to_sparse_coo(self) -> Tensor:
        return _ops.to_sparse(self)

    def coalesce(self) -> Tensor:
        return _ops.coalesce(self)

    def is_coalesced(self) -> bool:
        _ops.raw_indices(self)  # the layout check
        return self._data.coalesced

    def indices(self) -> Tensor:
        return _ops.indices(self)

    def values(self) -> Tensor:
        return _ops.values(self)

    def _indices(self) -> Tensor:
        return _ops.raw_indices(self)

    def _values(self) -> Tensor:
        return _ops.raw_values(self)

    def _nnz(self) -> int:
        return self._indices().shape[1]

    def sparse_dim(self) -> int:
        return self._data.sparse_dim if type(self._data) is COOArray else 0

    def dense_dim(self) -> int:
        return self._data.ndim - self.sparse_dim()

    arcsin = asin
    arccos = acos
    arctan = atan
    arcsinh = asinh
    arccosh = acosh
    arctanh = atanh
    arctan2 = atan2
    fix = trunc
    moveaxis = movedim
    absolute = abs
    sgn = sign

    # -- factories like this tensor (nablagrad.creation) ----------------------------------------

    def new_zeros(self, *size: Any, **kwargs: Any) -> Tensor:
        return _lazy.creation.new_like(self, "zeros", size, **kwargs)

    def new_ones(self, *size: Any, **kwargs: Any) -> Tensor:
        return _lazy.creation.new_like(self, "ones", size, **kwargs)

    def new_empty(self, *size: Any, **kwargs: Any) -> Tensor:
        return _lazy.creation.new_like(self, "empty", size, **kwargs)

    def new_full(self, size: Any, fill_value: Any, **kwargs: Any) -> Tensor:
        return _lazy.creation.new_like(self, "full", (size, fill_value), **kwargs)

    def new_tensor(self, data: Any, **kwargs: Any) -> Tensor:
        return _lazy.creation.new_like(self, "tensor", (data,), **kwargs)

    # -- torch's less common methods (nablagrad.ops.legacy and friends) ---------------

    def new(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.new(self, *args, **kwargs)

    def as_strided(self, size: Any, stride: Any, storage_offset: int | None = None) -> Tensor:
        return _ops.as_strided(self, size, stride, storage_offset)

    def as_strided_scatter(
        self, src: Tensor, size: Any, stride: Any, storage_offset: int | None = None
    ) -> Tensor:
        """``torch.as_strided_scatter(self, src, size, stride, storage_offset)``: a copy of
        this tensor with ``src`` written into the elements of its ``as_strided`` view.

        Example:
            >>> import nablagrad as torch
            >>> torch.zeros(4).as_strided_scatter(torch.ones(2), (2,), (2,), 1)
            tensor([0., 1., 0., 1.])
        """
        return _ops.as_strided_scatter(self, src, size, stride, storage_offset)

    def put(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.put(self, *args, **kwargs)

    def put_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.put_(self, *args, **kwargs)

    def index_reduce(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.index_reduce(self, *args, **kwargs)

    def index_reduce_(self, *args: Any, **kwargs: Any) -> Tensor:
        return _ops.index_reduce_(self, *args, **kwargs)

    def nextafter(self, other: Any) -> Tensor:
        return _ops.nextafter(self, other)

    def nextafter_(self, other: Any) -> Tensor:
        return _ops.nextafter_(self, other)

    def polygamma(self, n: int) -> Tensor:
        return _ops.polygamma(n, self)

    def prelu(self, weight: Tensor) -> Tensor:
        return _lazy.activations.prelu(self, weight)

    def angle(self) -> Tensor:
        return _ops.angle(self)

    def hardshrink(self, lambd: float = 0.5) -> Tensor:
        return _lazy.activations.hardshrink(self, lambd)

    def vdot(self, other: Tensor) -> Tensor:
        return _ops.vdot(self, other)

    def diagflat(self, offset: int = 0) -> Tensor:
        return _ops.diagflat(self, offset)

    @_validate.numpy_names
    def narrow_copy(self, dim: int, start: int, length: int) -> Tensor:
        return _ops.narrow_copy(self, dim, start, length)

    def resize_(self, *sizes: Any, size: Any = None, memory_format: Any = None) -> Tensor:
        if size is not None:
            if sizes:
                raise TypeError("resize_() got the sizes both positionally and as size=: pass one")
            sizes = (size,)
        return _ops.resize_(self, *sizes)

    def resize_as_(self, the_template: Tensor, *, memory_format: Any = None) -> Tensor:
        return _ops.resize_(self, tuple(the_template.shape))

    def apply_(self, callable: Any) -> Tensor:  # noqa: A002
        return _ops.apply_(self, callable)

    def map_(self, tensor: Tensor, callable: Any) -> Tensor:  # noqa: A002
        return _ops.map_(self, tensor, callable)

    def map2_(self, x: Tensor, y: Tensor, callable: Any) -> Tensor:  # noqa: A002
        return _ops.map2_(self, x, y, callable)

    def resize(self, *sizes: Any) -> Tensor:
        """torch's deprecated out-of-place ``resize``: ``reshape`` to ``sizes`` with the same
        number of elements (differentiable), with torch's deprecation warning."""
        warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
        return self._autograd_resize(sizes[0] if len(sizes) == 1 else sizes)

    def resize_as(self, tensor: Tensor) -> Tensor:
        """torch's deprecated out-of-place ``resize_as``: ``resize(tensor.shape)``."""
        warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
        return self._autograd_resize(tuple(tensor.shape))

    def _autograd_resize(self, sizes: Any) -> Tensor:
        shape = tuple(sizes) if isinstance(sizes, (tuple, list, Size)) else (sizes,)
        numel = 1
        for n in shape:
            numel *= int(n)
        if numel != self._data.size:
            raise RuntimeError(
                f"requested resize to {'x'.join(str(n) for n in shape)} ({numel} elements in "
                f"total), but the given tensor has a size of "
                f"{'x'.join(str(n) for n in self.shape)} ({self._data.size} elements). "
                "autograd's resize can only change the shape of a given tensor, while "
                "preserving the number of elements. "
            )
        return self.reshape(shape)

    def dim_order(self, *, ambiguity_check: Any = False) -> tuple:
        """The dims from the outermost to the innermost in memory, as torch's: contiguous
        tensors give ``(0, 1, ...)``, channels-last ones ``(0, 2, ..., 1)``; otherwise dims
        with larger strides come first (stride-0 dims and equal strides leave the order as
        it was).  ``ambiguity_check=True`` raises when more than one order fits (a size-1 dim
        or two equal strides); a list of memory formats raises unless the tensor is
        contiguous in exactly one of them or its order is unique.

        Example:
            >>> import nablagrad as torch
            >>> torch.zeros(2, 3, 4).permute(2, 0, 1).dim_order()
            (1, 2, 0)
        """
        if not isinstance(ambiguity_check, (bool, list)):
            raise TypeError("The ambiguity_check must be a bool or a list of memory formats.")
        sizes, strides = tuple(self.shape), self.stride()
        formats = ambiguity_check if isinstance(ambiguity_check, list) else []
        several_orders = any(n == 1 for n in sizes) or any(
            a == b for a, b in zip(strides, strides[1:])
        )
        fitting_formats = sum(self.is_contiguous(memory_format=f) for f in formats)
        if (ambiguity_check is not False) and several_orders and fitting_formats != 1:
            raise RuntimeError(
                "The tensor does not have unique dim order, or cannot map to exact one of the "
                "given memory formats."
            )
        order, ambiguous = _dims_by_stride(self)
        if ambiguous and ambiguity_check:
            raise RuntimeError("The tensor does not have unique dim order.")
        return tuple(order)

    def share_memory_(self) -> Tensor:
        """Move this tensor's data into shared memory (no-op if it is there already), so that
        sending it to another process (``nablagrad.multiprocessing``) shares rather than copies
        it: in-place changes on either side are seen by the other.  A view moves the tensor it
        views (its ``_base``) along with it; other views of that memory keep the old memory.

        Example:
            >>> import nablagrad as torch
            >>> t = torch.zeros(3).share_memory_()
            >>> t.is_shared()
            True
        """
        if type(self._data) is not np.ndarray:
            raise RuntimeError(
                f"share_memory_(): nablagrad shares CPU tensors only; this tensor is on "
                f"{self.device} (its memory cannot be mapped into another process). Move it to "
                "the CPU first: t = t.cpu().share_memory_()"
            )
        shm = _lazy.shm
        _lazy.mp_reductions.init_reductions()  # multiprocessing then sends handles, not copies
        base = self._base
        if (
            base is not None
            and shm.block_of(self._data) is None
            and type(base._data) is np.ndarray
            and base._data.flags.c_contiguous
            and shm.within(self._data, base._data)
        ):  # a view: move the tensor it views, as torch moves the whole storage
            old = base._data
            base.share_memory_()
            self._data = shm.rebase(self._data, old, base._data)
        else:
            self._data = shm.share(self._data)
        return self

    def is_shared(self) -> bool:
        """True if this tensor's data lives in shared memory (``share_memory_()``)."""
        return type(self._data) is np.ndarray and _lazy.shm.block_of(self._data) is not None

    def conj(self) -> Tensor:  # real dtypes only: torch returns the tensor itself
        return self

    conj_physical = resolve_conj = resolve_neg = conj

    def conj_physical_(self) -> Tensor:  # real dtypes: nothing to conjugate
        return self

    def is_conj(self) -> bool:
        return False

    def is_neg(self) -> bool:
        return False

    @property
    def name(self) -> None:  # torch's named-tensor name of an unnamed tensor
        return None


def _check_grad(t: Tensor, g: Any) -> None:
    """torch's checks on ``t.grad = g``: a Tensor of t's shape, dtype and device."""
    if not isinstance(g, Tensor):
        raise TypeError(
            f"assigned grad expected to be a Tensor or None but got grad of type "
            f"{type(g).__name__}: wrap it with nablagrad.tensor(...)"
        )
    if g._data.shape != t._data.shape:
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(g._data.shape)}' to a tensor of size "
            f"'{list(t._data.shape)}'. Please ensure that the gradient and the tensor are the same "
            "size"
        )
    want = t.__dict__.get("_grad_dtype", t.dtype)  # Tensor.grad_dtype (None: any dtype)
    if want is not None and g._data.dtype != want.np:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{g.dtype}' to a tensor with grad_dtype "
            f"'{want}'. The gradient must match the tensor's grad_dtype (defaults to the "
            f"tensor's dtype): convert it with .to({want}), or set the tensor's grad_dtype"
        )
    if g.device != t.device:
        raise RuntimeError(
            f"attempting to assign a gradient with device '{g.device}' to a tensor with device "
            f"'{t.device}'. Please ensure that the gradient and the tensor are on the same device"
        )


def _not_comparable(other: Any) -> Any:
    """After a comparison with ``other`` raised TypeError: ``NotImplemented`` when ``other`` is
    not a Tensor, number or array (None, a str, a list ...), as torch's comparisons return, so
    ``x == None`` is False and ``x < None`` raises Python's TypeError; else re-raise."""
    if isinstance(other, (Tensor, int, float, complex)) or hasattr(other, "__array__"):
        raise  # noqa: PLE0704 - re-raises the TypeError being handled
    return NotImplemented


def _rebuild(data: Any, requires_grad: bool, device: str = "cpu") -> Tensor:
    """Unpickle: host values, put back on the device they were pickled from (as torch)."""
    t = Tensor._wrap(data if device == "cpu" else backend.to_device(data, device))
    t._requires_grad = requires_grad
    return t


def _rebuild_sparse(
    indices: Any, values: Any, shape: tuple, coalesced: bool, requires_grad: bool, device: str
) -> Tensor:
    """Unpickle a sparse COO tensor on the device it was pickled from."""
    if device != "cpu":
        indices, values = backend.to_device(indices, device), backend.to_device(values, device)
    t = Tensor._wrap(COOArray(indices, values, tuple(shape), coalesced))
    t._requires_grad = requires_grad
    return t


_new = object.__new__
_np_scalar = np.generic


_HookHandle = RemovableHandle  # tensor hooks return torch's handle class too


class _PostHookHandle(_HookHandle):
    def remove(self) -> None:
        if self.hooks.pop(self.key, None) is not None:
            _lazy.engine.post_hook_count -= 1


# ---------------------------------------------------------------------------------------------
# The layers above: imports flow backend -> tensor -> autograd -> ops, so this module cannot
# import the ops while it loads.  Its methods reach them through these two namespaces, which
# import on first use and then keep each name as a plain attribute (no per-call import cost).
# ---------------------------------------------------------------------------------------------

_OPS_MODULES = (
    "elementwise",
    "compare",
    "reduce",
    "shape",
    "linalg",
    "index",
    "inplace",
    "fused",
    "mathfns",
    "sorting",
    "matrices",
    "arrange",
    "dtypeinfo",
    "linalg_fns",
    "special",
    "stats",
    "layout",
    "legacy",
    "sparse",
)


def _dims_by_stride(t: Tensor) -> tuple[list, bool]:
    """(dims from outermost to innermost, whether that order is not unique) of ``t``, as
    torch's ``dim_order`` finds them: contiguous and channels-last layouts directly, else
    ``backend.stride_order``."""
    n = t.ndim
    if n <= 1:
        return list(range(n)), False
    contiguous = t.is_contiguous()
    channels_last = n == 4 and t.is_contiguous(memory_format=backend.channels_last)
    if contiguous and not channels_last:
        return list(range(n)), False
    if channels_last and not contiguous:
        return [0, *range(2, n), 1], False
    perm, ambiguous = backend.stride_order(tuple(t.shape), t.stride())
    return list(reversed(perm)), ambiguous


def _dtype_word(np_dtype: Any) -> str:
    """torch's scalar-type word in messages: ``float`` for float32, ``double``, ``long`` ..."""
    words = {"float32": "float", "float64": "double", "int64": "long", "int32": "int"}
    return words.get(str(np_dtype), str(np_dtype))


def _dtype_name(name: str) -> bool:
    """Whether ``name`` names a dtype (``x.to("float64")``) rather than a device."""
    try:
        backend.to_np_dtype(name)
    except TypeError:
        return False
    return True


_REMOVED = "This function was deprecated since version 1.9 and is now removed. "


class _OpsNamespace:
    """Every public function of the ``nablagrad.ops`` modules, looked up on first use."""

    def __getattr__(self, name: str) -> Any:
        import importlib

        if name.startswith("__"):
            raise AttributeError(name)
        for mod in _OPS_MODULES:
            module = importlib.import_module(f"nablagrad.ops.{mod}")
            if name in vars(module):
                value = vars(module)[name]
                setattr(self, name, value)
                return value
        raise AttributeError(f"nablagrad.ops has no function {name!r}")


class _ModulesNamespace:
    """``_lazy.engine`` is ``nablagrad.autograd.engine`` and so on, imported on first use."""

    _PATHS = {
        "engine": "nablagrad.autograd.engine",
        "function": "nablagrad.autograd.function",
        "printing": "nablagrad.printing",
        "creation": "nablagrad.creation",
        "activations": "nablagrad.nn._activations",
        "shm": "nablagrad._shm",
        "storage": "nablagrad.storage",
        "mp_reductions": "nablagrad.multiprocessing.reductions",
    }

    def __getattr__(self, name: str) -> Any:
        import importlib

        if name not in self._PATHS:
            raise AttributeError(name)
        module = importlib.import_module(self._PATHS[name])
        setattr(self, name, module)
        return module


_ops: Any = _OpsNamespace()
_lazy: Any = _ModulesNamespace()


def _legacy_alpha(name: str, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """torch's deprecated ``x.add_(Number alpha, Tensor other)`` overload (old tutorials'
    ``p.data.add_(-lr, p.grad.data)``): the same as ``x.add_(other, alpha=alpha)``."""
    if "alpha" in kwargs:
        raise TypeError(f"{name}(): alpha given both positionally (first) and as alpha=")
    warnings.warn(
        f"This overload of {name} is deprecated:\n\t{name}(Number alpha, Tensor other)\n"
        f"Consider using one of the following signatures instead:\n\t{name}(Tensor other, "
        "*, Number alpha = 1)",
        UserWarning,
        stacklevel=3,
    )
    return (args[1],), {**kwargs, "alpha": args[0]}


# NumPy ufuncs that an operator between a NumPy array and a tensor becomes (see
# ``Tensor.__array_ufunc__``): done as the tensor operation
_UFUNC_OPERATORS = {
    np.add: operator.add,
    np.subtract: operator.sub,
    np.multiply: operator.mul,
    np.true_divide: operator.truediv,
    np.floor_divide: operator.floordiv,
    np.remainder: operator.mod,
    np.power: operator.pow,
    np.matmul: operator.matmul,
    np.less: operator.lt,
    np.less_equal: operator.le,
    np.greater: operator.gt,
    np.greater_equal: operator.ge,
    np.equal: operator.eq,
    np.not_equal: operator.ne,
    np.bitwise_and: operator.and_,
    np.bitwise_or: operator.or_,
    np.bitwise_xor: operator.xor,
}


def _operand(v: Any) -> Any:
    """A NumPy array as a Tensor and a NumPy scalar as a Python number (so ``np.float64(2) * t``
    keeps ``t``'s dtype, as torch), for the tensor operation of an operator ufunc."""
    if isinstance(v, np.ndarray):
        return Tensor._wrap(v)
    if isinstance(v, np.generic):
        return v.item()
    return v
