"""``Parameter``: a Tensor that a ``Module`` registers as learnable.

Example:
    >>> import nablagrad as torch
    >>> p = torch.nn.Parameter(torch.zeros(3))
    >>> p.requires_grad
    True
"""

from __future__ import annotations

from typing import Any

from ..backend import default_float_np
from ..tensor import Tensor, to_array


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` that modules collect in ``parameters()``."""

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            arr = to_array([], dtype=default_float_np())
        elif isinstance(data, Tensor):
            arr = data._data  # shares memory, as torch.nn.Parameter does
        else:
            arr = to_array(data, copy=False)
        self._data = arr
        self._init_state(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        out = Parameter(Tensor._wrap(self._data.copy()), self._requires_grad)
        memo[id(self)] = out
        return out

    def __reduce__(self) -> tuple:
        return (_rebuild_parameter, (self.detach().numpy(), self._requires_grad))


class Buffer(Tensor):
    """A tensor that, assigned to a module attribute, registers itself as a buffer
    (torch 2.5+'s ``nn.Buffer``): ``self.stats = nn.Buffer(torch.zeros(3), persistent=False)``.

    It shares ``data``'s memory (detached, keeping its ``requires_grad``); ``persistent=False``
    keeps it out of ``state_dict()``.

    Example:
        >>> import nablagrad as torch
        >>> class M(torch.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.mean = torch.nn.Buffer(torch.zeros(2))
        >>> list(M().state_dict())
        ['mean']
    """

    __slots__ = ("persistent",)

    def __init__(self, data: Any = None, *, persistent: bool = True) -> None:
        if data is None:
            arr, requires_grad = to_array([], dtype=default_float_np()), False
        elif isinstance(data, Tensor):
            arr, requires_grad = data._data, data._requires_grad
        else:
            raise TypeError(f"Buffer(): data must be a Tensor, not {type(data).__name__}")
        self._data = arr
        self._init_state(requires_grad)
        self.persistent = persistent

    def __deepcopy__(self, memo: dict) -> Buffer:
        out = Buffer(Tensor._wrap(self._data.copy()), persistent=self.persistent)
        out._requires_grad = self._requires_grad
        memo[id(self)] = out
        return out

    def __reduce__(self) -> tuple:
        return (_rebuild_buffer, (self.detach().numpy(), self.persistent))


def _rebuild_buffer(data: Any, persistent: bool) -> Buffer:
    return Buffer(Tensor._wrap(data), persistent=persistent)


def _rebuild_parameter(data: Any, requires_grad: bool) -> Parameter:
    return Parameter(Tensor._wrap(data), requires_grad)


_DATA_SLOT = Tensor.__dict__["_data"]  # the storage slot, bypassing the guard below

_UNINIT_MESSAGE = (
    "Attempted to use an uninitialized parameter in {what}. This error happens when you are "
    "using a `LazyModule` or explicitly manipulating `nn.parameter.UninitializedParameter` "
    "objects. When using LazyModules call `forward` with a dummy batch to initialize the "
    "parameters before calling functions on them"
)


class UninitializedTensorMixin:
    """A parameter or buffer whose shape is not known yet (torch's lazy-module placeholder).

    Any computation with it raises ``ValueError``; ``.shape`` raises ``RuntimeError``;
    ``.data`` is an empty tensor (so ``w.data.normal_()`` does nothing, as in torch).
    :meth:`materialize` gives it storage and turns the object itself into a ``Parameter``
    (or plain ``Tensor``), so optimizers and modules holding it see the real values.
    """

    __slots__ = ()
    cls_to_become: type = Tensor

    @property
    def _data(self) -> Any:
        raise ValueError(_UNINIT_MESSAGE.format(what="a tensor operation"))

    @_data.setter
    def _data(self, value: Any) -> None:
        _DATA_SLOT.__set__(self, value)

    @property
    def data(self) -> Tensor:
        return Tensor._wrap(_DATA_SLOT.__get__(self))

    @data.setter
    def data(self, value: Any) -> None:
        raise ValueError(_UNINIT_MESSAGE.format(what="the .data setter"))

    @property
    def shape(self) -> Any:
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error "
            "usually happens in `load_state_dict` when trying to load an uninitialized "
            "parameter into an initialized one. Call `forward` to initialize the parameters "
            "before accessing their attributes."
        )

    def size(self, dim: int | None = None) -> Any:
        return self.shape

    @property
    def dtype(self) -> Any:
        from ..backend import from_np_dtype

        return from_np_dtype(_DATA_SLOT.__get__(self).dtype)

    @property
    def device(self) -> Any:
        from ..backend import device_of

        return device_of(_DATA_SLOT.__get__(self))

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._requires_grad = bool(value)

    def is_floating_point(self) -> bool:
        return _DATA_SLOT.__get__(self).dtype.kind == "f"

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Allocate storage of ``shape`` and become ``cls_to_become`` (same object)."""
        from .. import backend

        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        old = _DATA_SLOT.__get__(self)
        npd = backend.to_np_dtype(dtype) if dtype is not None else old.dtype
        dev = device if device is not None else backend.device_of(old)
        arr = backend.xp_for(dev).empty(shape, dtype=npd)
        _DATA_SLOT.__set__(self, arr)
        self.__class__ = self.cls_to_become

    def _convert_placeholder(self, convert: Any) -> None:
        """``Module.to``/``.double()`` before materialization: the (empty) placeholder storage
        takes the new device or dtype, so ``materialize`` allocates there (as torch)."""
        _DATA_SLOT.__set__(self, convert(_DATA_SLOT.__get__(self)))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __deepcopy__(self, memo: dict) -> Any:
        out = type(self)(requires_grad=self._requires_grad, device=self.device, dtype=self.dtype)
        memo[id(self)] = out
        return out

    def __reduce__(self) -> tuple:
        return (type(self), (self._requires_grad,))

    def __bool__(self) -> bool:
        raise ValueError(_UNINIT_MESSAGE.format(what="bool()"))

    def __len__(self) -> int:
        raise ValueError(_UNINIT_MESSAGE.format(what="len()"))


def _uninit_init(self: Tensor, requires_grad: bool, device: Any, dtype: Any) -> None:
    from .. import backend

    npd = backend.to_np_dtype(dtype) if dtype is not None else default_float_np()
    _DATA_SLOT.__set__(self, backend.xp_for(device).empty((0,), dtype=npd))
    Tensor._init_state(self, False)
    self._requires_grad = bool(requires_grad)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A ``Parameter`` of lazy modules (``LazyLinear`` ...) before the first forward."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        _uninit_init(self, requires_grad, device, dtype)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer of lazy modules (``LazyBatchNorm2d``'s running statistics) before materializing."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None) -> None:
        _uninit_init(self, requires_grad, device, dtype)


def is_lazy(t: Any) -> bool:
    """True for an uninitialized parameter or buffer."""
    return isinstance(t, UninitializedTensorMixin)


# -- the meta device (``module.to("meta")``) ----------------------------------------------------

_META_MESSAGE = (
    "{what}: this tensor is a placeholder of a module moved to the meta device "
    "(module.to('meta')), which keeps only shapes and dtypes; nablagrad has no meta tensors to "
    "compute with. Give the module real tensors for every parameter and buffer with "
    "torch.func.functional_call(module, tensors, args), or keep the module on 'cpu'"
)


class MetaDevice:
    """``x.device`` of a meta placeholder: prints and compares as torch's ``device('meta')``."""

    type = "meta"
    index = None

    def __str__(self) -> str:
        return "meta"

    def __repr__(self) -> str:
        return "device(type='meta')"

    def __eq__(self, other: object) -> bool:
        return str(other) == "meta" or getattr(other, "type", None) == "meta"

    def __hash__(self) -> int:
        return hash("meta")


class MetaTensorMixin:
    """A parameter or buffer of a module moved to the meta device: shape, dtype and
    requires_grad without values; any computation raises ``NotImplementedError`` naming the
    fix (``functional_call`` with real tensors)."""

    __slots__ = ()

    @property
    def _data(self) -> Any:
        raise NotImplementedError(_META_MESSAGE.format(what="Tensor data used"))

    @_data.setter
    def _data(self, value: Any) -> None:
        _DATA_SLOT.__set__(self, value)

    @property
    def data(self) -> Tensor:
        raise NotImplementedError(_META_MESSAGE.format(what=".data read"))

    @property
    def shape(self) -> Any:
        from ..tensor import Size

        return Size(_DATA_SLOT.__get__(self).shape)

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return len(_DATA_SLOT.__get__(self).shape)

    @property
    def ndim(self) -> int:
        return self.dim()

    def numel(self) -> int:
        return int(_DATA_SLOT.__get__(self).size)

    @property
    def dtype(self) -> Any:
        from ..backend import from_np_dtype

        return from_np_dtype(_DATA_SLOT.__get__(self).dtype)

    @property
    def device(self) -> Any:
        return MetaDevice()

    @property
    def is_meta(self) -> bool:
        return True

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._requires_grad = bool(value)

    def is_floating_point(self) -> bool:
        return _DATA_SLOT.__get__(self).dtype.kind == "f"

    def __repr__(self) -> str:
        size = tuple(_DATA_SLOT.__get__(self).shape)
        grad = ", requires_grad=True" if self._requires_grad else ""
        text = f"tensor(..., device='meta', size={size}{grad})"
        return ("Parameter containing:\n" + text) if isinstance(self, Parameter) else text

    def __deepcopy__(self, memo: dict) -> Any:
        out = to_meta(self)
        memo[id(self)] = out
        return out

    def __bool__(self) -> bool:
        raise NotImplementedError(_META_MESSAGE.format(what="bool()"))


class MetaParameter(MetaTensorMixin, Parameter):
    """A ``Parameter`` of a module on the meta device."""

    __slots__ = ()


class MetaBuffer(MetaTensorMixin, Tensor):
    """A buffer of a module on the meta device."""

    __slots__ = ()


def to_meta(t: Tensor) -> Tensor:
    """A meta placeholder with ``t``'s shape, dtype and requires_grad (no memory: its storage
    slot holds a zero-strided view of one element, for the shape and dtype only)."""
    from ..backend import np

    arr = _DATA_SLOT.__get__(t)
    cls = MetaParameter if isinstance(t, Parameter) else MetaBuffer
    out = object.__new__(cls)
    _DATA_SLOT.__set__(out, np.broadcast_to(np.zeros((), dtype=arr.dtype), arr.shape))
    Tensor._init_state(out, False)
    out._requires_grad = bool(t._requires_grad)
    return out
