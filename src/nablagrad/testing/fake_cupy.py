"""A CPU stand-in for CuPy: device discipline testable without a GPU.

``fake_cupy`` is an array module backed by NumPy whose arrays (``fake_cupy.ndarray``) behave
like CuPy 14's ``cupy.ndarray`` where host and device meet.  It is what
``nablagrad.backend.use_fake_cuda()`` installs as the "cuda" array library, so code paths that
would mix host (NumPy) and device arrays fail on the CPU exactly as they fail on a GPU:

- a device array never converts to NumPy implicitly: ``np.asarray(d)``, ``np.array(d)`` and
  ``host[d]`` raise CuPy's ``TypeError: Implicit conversion to a NumPy array is not allowed.
  Please use `.get()` to construct a NumPy array explicitly.``;
- a binary operator or a module function given a NumPy array raises CuPy's
  ``TypeError: Unsupported type <class 'numpy.ndarray'>`` (in either operand order);
- ``d[i] = host_array`` with a basic index raises CuPy's ``ValueError: non-scalar
  numpy.ndarray cannot be used for fill``; NumPy arrays as *indices* of a device array are
  copied to the device, as CuPy does;
- reductions and scalar indexing give 0-d device arrays, not NumPy scalars;
- ``indices(..., sparse=True)`` does not exist (CuPy's ``indices`` has no ``sparse``);
- only the names real CuPy has exist (``cupy_names``, read from CuPy 14.2): ``errstate``,
  ``insert``, ``ndarray.flags.writeable`` and ``linalg.vecdot`` raise ``AttributeError``, and
  ``ufunc.at`` works only for the ufuncs CuPy implements it for (``multiply.at`` raises
  ``NotImplementedError``); ``cupyx.scipy.special.polygamma`` needs an array order.

Only host-side conversions are allowed: ``asarray``/``array`` of host data (a copy to the
device), ``asnumpy(d)`` and ``d.get()`` (a copy to the host), ``d.item()``, ``d.tolist()``,
``float(d)``/``int(d)``/``bool(d)`` of one element.

It is stricter than CuPy in one place, on purpose: CuPy dispatches NumPy's own functions
(``np.exp(d)``, ``np.sum(d)``) to itself through ``__array_ufunc__``/``__array_function__``;
these fake arrays refuse them (``TypeError``), because nablagrad's rule is that array work goes
through the namespace the backend seam hands out, never through ``numpy`` directly.

Example:
    >>> import numpy as np
    >>> from nablagrad.testing import fake_cupy as cp
    >>> d = cp.asarray(np.arange(3.0))
    >>> float((d * 2).sum())
    6.0
    >>> d + np.ones(3)
    Traceback (most recent call last):
    ...
    TypeError: Unsupported type <class 'numpy.ndarray'>
"""

from __future__ import annotations

import types
from typing import Any

import numpy as _np

from . import cupy_names as _names

__version__ = "14.2.0-fake"
IS_FAKE = True  # how nablagrad.backend recognises this module

_IMPLICIT = (
    "Implicit conversion to a NumPy array is not allowed. "
    "Please use `.get()` to construct a NumPy array explicitly."
)
# Attributes of numpy.ndarray that cupy.ndarray does not have (or that would leak host memory).
_NO_ATTR = frozenset({"ctypes", "tobytes", "tofile", "tostring", "dumps", "dump", "itemset"})


def _unsupported(v: Any) -> TypeError:
    return TypeError(f"Unsupported type {type(v)}")


def _unwrap(v: Any) -> Any:
    """Arguments of a device function: device arrays unwrapped, host arrays refused."""
    tv = type(v)
    if tv is ndarray:
        return v._a
    if tv is _np.ndarray:
        raise _unsupported(v)
    if tv is list or tv is tuple:
        return tv(_unwrap(u) for u in v)
    return v


def _unwrap_index(key: Any) -> Any:
    """An index of a device array: device arrays unwrapped, host arrays allowed (copied)."""
    tk = type(key)
    if tk is ndarray:
        return key._a
    if tk is tuple:
        return tuple(_unwrap_index(k) for k in key)
    return key


def _wrap(r: Any) -> Any:
    """Results of a device function: arrays and NumPy scalars become device arrays."""
    tr = type(r)
    if tr is _np.ndarray:
        return ndarray._of(r)
    if isinstance(r, _np.generic):
        return ndarray._of(_np.asarray(r))
    if tr is tuple or tr is list:
        return tr(_wrap(u) for u in r)
    if isinstance(r, tuple):  # NumPy 2's named results (linalg.qr, eigh, svd): CuPy's are tuples
        return tuple(_wrap(u) for u in r)
    return r


def _has_advanced(key: Any) -> bool:
    keys = key if type(key) is tuple else (key,)
    return any(
        isinstance(k, (_np.ndarray, ndarray, list)) or (isinstance(k, (bool, _np.bool_)))
        for k in keys
    )


class _Device:
    """``cupy.cuda.Device``: a context manager naming device 0."""

    def __init__(self, device: int | None = None) -> None:
        self.id = int(device or 0)
        if self.id != 0:
            raise RuntimeError(f"fake_cupy has one device (0), not {self.id}")

    def __enter__(self) -> _Device:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def synchronize(self) -> None:
        return None

    def use(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"<CUDA Device {self.id}>"


class ndarray:  # noqa: N801 - named like cupy.ndarray
    """A device array: a NumPy array that refuses to meet host arrays (see the module doc)."""

    __slots__ = ("_a",)
    __array_ufunc__ = None  # NumPy defers to our reflected operators, and np.exp(d) is refused
    __array_priority__ = 100

    def __init__(self, shape: Any, dtype: Any = float, memptr: Any = None, order: str = "C"):
        self._a = _np.empty(shape, dtype=dtype, order=order)

    @classmethod
    def _of(cls, a: _np.ndarray) -> ndarray:
        d = object.__new__(cls)
        d._a = a
        return d

    # -- host <-> device ----------------------------------------------------------------------

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        raise TypeError(_IMPLICIT)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        raise TypeError(
            f"numpy.{func.__name__} called on a device array: nablagrad code must use the "
            "array module from nablagrad.backend (get_array_module), not numpy"
        )

    def get(self, stream: Any = None, order: str = "C", out: Any = None) -> _np.ndarray:
        if out is not None:
            out[...] = self._a
            return out
        return _np.array(self._a, order=order, copy=True)

    def set(self, arr: Any, stream: Any = None) -> None:
        if type(arr) is not _np.ndarray:
            raise TypeError(f"Only numpy.ndarray can be set to cupy.ndarray, got {type(arr)}")
        if arr.shape != self._a.shape:
            raise ValueError("Shape mismatch")
        self._a[...] = arr

    def item(self, *args: Any) -> Any:
        return self._a.item(*args)

    def tolist(self) -> Any:
        return self._a.tolist()

    @property
    def device(self) -> _Device:
        return _Device(0)

    @property
    def data(self) -> Any:
        """CuPy's ``MemoryPointer`` of the first element (only ``.ptr`` here)."""
        return types.SimpleNamespace(ptr=self._a.__array_interface__["data"][0])

    @property
    def flags(self) -> _Flags:
        return _Flags(self._a.flags)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in _NO_ATTR or name not in _names.NDARRAY:
            raise AttributeError(f"'cupy.ndarray' object has no attribute '{name}'")
        attr = getattr(self._a, name)
        if callable(attr):
            return _method(attr, name)
        return _wrap(attr)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_a":
            object.__setattr__(self, name, value)
        elif name == "shape":
            self._a.shape = value
        else:
            raise AttributeError(f"can't set attribute '{name}' of cupy.ndarray")

    def __repr__(self) -> str:
        return repr(self._a).replace("array(", "array(", 1)

    def __str__(self) -> str:
        return str(self._a)

    def __format__(self, spec: str) -> str:
        return format(self._a.item() if self._a.ndim == 0 else self._a, spec)

    # -- Python protocol ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self) -> Any:
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self._a.shape[0]))

    def __bool__(self) -> bool:
        return bool(self._a)

    def __int__(self) -> int:
        return int(self._a)

    def __float__(self) -> float:
        return float(self._a)

    def __complex__(self) -> complex:
        return complex(self._a)

    def __index__(self) -> int:
        if self._a.ndim != 0 or self._a.dtype.kind not in "iu":
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return int(self._a)

    def __copy__(self) -> ndarray:
        return ndarray._of(self._a.copy())

    def __deepcopy__(self, memo: Any) -> ndarray:
        return ndarray._of(self._a.copy())

    def __reduce__(self) -> tuple:
        return (_rebuild, (self._a.copy(),))

    def __getitem__(self, key: Any) -> ndarray:
        return _wrap(self._a[_unwrap_index(key)])

    def __setitem__(self, key: Any, value: Any) -> None:
        k = _unwrap_index(key)
        tv = type(value)
        if tv is ndarray:
            value = value._a
        elif tv is _np.ndarray and not _has_advanced(key):
            # CuPy: a basic-index assignment of a non-device value goes through fill()
            if value.shape != ():
                raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
            value = value.item()
        self._a[k] = value


class _Flags:
    """``cupy.ndarray.flags``: contiguity and ownership only (no ``writeable``: CuPy arrays are
    always writable, broadcast views too)."""

    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, flags: Any) -> None:
        self.c_contiguous = flags.c_contiguous
        self.f_contiguous = flags.f_contiguous
        self.owndata = flags.owndata

    def __getitem__(self, key: str) -> bool:
        names = {"C_CONTIGUOUS": "c_contiguous", "F_CONTIGUOUS": "f_contiguous"}
        return getattr(self, names.get(key, key.lower()))


def _rebuild(a: _np.ndarray) -> ndarray:
    return ndarray._of(a)


def _check_keywords(name: str, allowed: Any, kwargs: dict) -> None:
    """CuPy's TypeError for a keyword its function does not take (``allowed``: the names it
    takes, from ``cupy_names``; None: any)."""
    if allowed is not None:
        for k in kwargs:
            if k not in allowed:
                raise TypeError(f"{name}() got an unexpected keyword argument '{k}'")


def _method(fn: Any, name: str = "") -> Any:
    allowed = _names.METHOD_KEYWORDS.get(name)

    def call(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            _check_keywords(name, allowed, kwargs)
        return _wrap(fn(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))

    call.__name__ = getattr(fn, "__name__", "method")
    return call


def _binary(name: str, reflected: bool = False, inplace: bool = False) -> Any:
    op = getattr(_np.ndarray, name)

    def method(self: ndarray, other: Any) -> Any:
        to = type(other)
        if to is ndarray:
            other = other._a
        elif to is _np.ndarray:
            raise _unsupported(other)
        elif not isinstance(other, (int, float, complex, bool, _np.generic)):
            return NotImplemented
        r = op(self._a, other)
        if r is NotImplemented:
            return r
        if inplace:
            return self
        return _wrap(r)

    method.__name__ = name
    return method


for _name in (
    "add sub mul truediv floordiv mod pow matmul and or xor lshift rshift lt le gt ge eq ne"
).split():
    setattr(ndarray, f"__{_name}__", _binary(f"__{_name}__"))
    if _name not in ("lt", "le", "gt", "ge", "eq", "ne"):
        setattr(ndarray, f"__r{_name}__", _binary(f"__r{_name}__", reflected=True))
        setattr(ndarray, f"__i{_name}__", _binary(f"__i{_name}__", inplace=True))
ndarray.__hash__ = None  # type: ignore[assignment]

for _name in ("neg", "pos", "abs", "invert"):
    setattr(
        ndarray,
        f"__{_name}__",
        (lambda op: lambda self: _wrap(op(self._a)))(getattr(_np.ndarray, f"__{_name}__")),
    )


def _function(fn: Any, key: str = "") -> Any:
    """``fn`` over device arrays; ``key`` names it in ``cupy_names.KEYWORDS`` (``sum``,
    ``linalg.norm`` ...), whose keywords the call may use."""
    allowed = _names.KEYWORDS.get(key)

    def call(*args: Any, **kwargs: Any) -> Any:
        if kwargs:
            _check_keywords(key.rsplit(".", 1)[-1], allowed, kwargs)
        return _wrap(fn(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))

    call.__name__ = getattr(fn, "__name__", "function")
    return call


class _Ufunc:
    """A NumPy ufunc whose calls and methods (``at``, ``reduce`` ...) take device arrays."""

    def __init__(self, uf: Any, name: str = "") -> None:
        self._uf = uf
        self.__name__ = uf.__name__
        self._call = _function(uf, name)  # CuPy's ufuncs take out, casting, dtype (no where)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name == "at" and self.__name__ not in _names.UFUNC_AT:
            return _NoUfuncAt(self.__name__)
        attr = getattr(self._uf, name)
        return _function(attr) if callable(attr) else attr


class _NoUfuncAt:
    """``ufunc.at`` of a ufunc CuPy has no scatter kernel for: calling it raises CuPy's error."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"`cupy_{self._name}.at` is not supported yet")


class _Namespace(types.ModuleType):
    """A NumPy submodule (``linalg``, ``fft``, ``lib.stride_tricks`` ...) over device arrays."""

    def __init__(self, name: str, module: Any) -> None:
        super().__init__(name)
        self._module = module

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        allowed = _SUBMODULES.get(self.__name__)
        if allowed is not None and name not in allowed:
            raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")
        obj = _translate(name, getattr(self._module, name), self.__name__)
        setattr(self, name, obj)  # cached: the next lookup finds it without __getattr__
        return obj


_SUBMODULES = {
    "cupy.linalg": _names.LINALG,
    "cupy.fft": _names.FFT,
    "cupy.random": _names.RANDOM,
    "cupy.lib": _names.LIB,
    "cupy.lib.stride_tricks": _names.STRIDE_TRICKS,
    "cupyx.scipy.special": _names.SPECIAL,
}


_KEY_PREFIX = {
    "cupy": "",
    "cupy.linalg": "linalg.",
    "cupy.fft": "fft.",
    "cupy.lib.stride_tricks": "lib.stride_tricks.",
    "cupyx.scipy.special": "special.",
}


def _translate(name: str, obj: Any, owner: str) -> Any:
    key = _KEY_PREFIX.get(owner, "?") + name
    if isinstance(obj, type):
        return obj
    if isinstance(obj, _np.ufunc):
        return _Ufunc(obj, key)
    if isinstance(obj, types.ModuleType):
        return _Namespace(f"{owner}.{name}", obj)
    if callable(obj):
        return _function(obj, key)
    return obj


# -- creation and host <-> device ---------------------------------------------------------------


def asarray(a: Any, dtype: Any = None, order: Any = None, *, blocking: bool = False) -> ndarray:
    """A device array for ``a`` (host data is copied to the device; no copy when unneeded)."""
    if type(a) is ndarray:
        if dtype is None or _np.dtype(dtype) == a._a.dtype:
            return a
        return ndarray._of(a._a.astype(dtype))
    return ndarray._of(_np.array(_unwrap_host(a), dtype=dtype, order=order or "K", copy=True))


asanyarray = asarray


def array(
    obj: Any,
    dtype: Any = None,
    copy: Any = True,
    order: str = "K",
    subok: bool = False,
    ndmin: int = 0,
) -> ndarray:
    if type(obj) is ndarray:
        if copy:
            return ndarray._of(_np.array(obj._a, dtype=dtype, order=order, ndmin=ndmin))
        return asarray(obj, dtype)
    return ndarray._of(_np.array(_unwrap_host(obj), dtype=dtype, order=order, ndmin=ndmin))


def _unwrap_host(obj: Any) -> Any:
    """Data for ``asarray``: host data as is, device arrays (also nested in lists) unwrapped."""
    if type(obj) is ndarray:
        return obj._a
    if type(obj) in (list, tuple):
        return type(obj)(_unwrap_host(v) for v in obj)
    return obj


def asnumpy(
    a: Any, stream: Any = None, order: str = "C", out: Any = None, blocking: bool = True
) -> Any:
    """A host (NumPy) copy of a device array; host data is returned as ``numpy.asarray``."""
    if type(a) is ndarray:
        return a.get(order=order, out=out)
    return _np.asarray(a, order=order)


def get_array_module(*args: Any) -> Any:
    import sys

    return sys.modules[__name__] if any(type(a) is ndarray for a in args) else _np


def indices(dimensions: Any, dtype: Any = int) -> ndarray:
    """``cupy.indices``: no ``sparse`` argument (NumPy's has one; CuPy 14's does not)."""
    return ndarray._of(_np.indices(dimensions, dtype=dtype))


def ascontiguousarray(a: Any, dtype: Any = None) -> ndarray:
    if type(a) is not ndarray:
        raise TypeError(
            "Argument 'a' has incorrect type (expected cupy._core.core._ndarray_base, "
            f"got {type(a).__module__}.{type(a).__name__})"
        )
    return ndarray._of(_np.ascontiguousarray(a._a, dtype=dtype))


# -- cupy.cuda and cupyx --------------------------------------------------------------------------


class _Stream:
    def synchronize(self) -> None:
        return None


class _Runtime:
    @staticmethod
    def getDeviceCount() -> int:  # noqa: N802 - CuPy's name
        return 1


cuda = types.SimpleNamespace(
    Device=_Device,
    runtime=_Runtime(),
    Stream=types.SimpleNamespace(null=_Stream()),
    get_device_id=lambda: 0,
)


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> ndarray:
    """CuPy's ``diagonal``: a view that can be written through (NumPy's is read-only)."""
    arr = _unwrap(a)
    view = _np.diagonal(arr, offset, axis1, axis2)
    if arr.flags.writeable:
        view.flags.writeable = True
    return _wrap(view)


def _scipy_special() -> Any:
    import scipy.special

    special = _Namespace("cupyx.scipy.special", scipy.special)
    special.polygamma = _polygamma
    return special


def _polygamma(n: Any, x: Any) -> ndarray:
    """cupyx's ``polygamma(n, x)``: ``n`` must be an array (a Python int breaks inside cupyx,
    whose ``cupy.where(n == 0, ...)`` then gets a bool)."""
    if type(n) is not ndarray:
        raise AttributeError("'bool' object has no attribute 'astype'")
    import scipy.special

    return _function(scipy.special.polygamma)(n, x)


def _missing(name: str) -> AttributeError:
    return AttributeError(f"module 'cupy' has no attribute '{name}'")


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    if name not in _names.MODULE:
        raise _missing(name)
    try:
        obj = getattr(_np, name)
    except AttributeError:
        raise _missing(name) from None
    obj = _translate(name, obj, "cupy")
    globals()[name] = obj  # cached: the next lookup finds it without __getattr__
    return obj
