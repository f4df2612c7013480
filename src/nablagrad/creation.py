"""Tensor factories: ``tensor``, ``zeros``, ``arange``, ``randn`` ... with torch's signatures.

Example:
    >>> import nablagrad as torch
    >>> torch.arange(6).reshape(3, 2)
    tensor([[0, 1],
            [2, 3],
            [4, 5]])
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from . import _validate, backend
from .backend import np
from .ops.elementwise import layout_strides
from .ops.legacy import as_strided
from .random import Generator, _gen, check_probabilities
from .tensor import Tensor, to_array


def _size(size: tuple, fn: str = "tensor factory", itemsize: int = 8) -> tuple:
    """Validated sizes (``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])``), refusing what can't fit."""
    shape = _validate.shape(size, fn)
    _validate.allocation(shape, itemsize, fn)
    return shape


def _finish(data: Any, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(data)
    if requires_grad:
        t.requires_grad = True
    return t


def _sizes(name: str, sizes: tuple, size: Any) -> tuple:
    """The shape from ``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))`` (torch accepts all three)."""
    if size is not None:
        if sizes:
            raise TypeError(f"{name}() got the size both positionally and as size=")
        return (size,) if isinstance(size, (int, np.integer, Tensor)) else (tuple(size),)
    return sizes


def _into(out: Tensor | None, result: Tensor, name: str) -> Tensor:
    """torch's ``out=``: write ``result`` into ``out`` (resized to its shape) and return ``out``."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): out must be a Tensor, got {type(out).__name__}")
    if out.requires_grad and out.is_leaf and backend_grad_enabled():
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    if out._data.shape == result._data.shape and backend.writeable(out._data):
        # in place, so that views of ``out`` (and ``out`` as a view) see the values, as in torch
        xp = backend.get_array_module(out._data)
        xp.copyto(out._data, result._data, casting="unsafe")
    else:  # torch resizes ``out`` to the result's shape
        out._data = result._data.astype(out._data.dtype, copy=True)
    out._version = getattr(out, "_version", 0) + 1
    return out


def _out_castable(src: Any, dst: Any) -> bool:
    """torch's ``canCast`` for ``out=``: no float -> integer, complex -> real, or -> bool."""
    if src.kind == "c" and dst.kind != "c":
        return False
    if src.kind == "f" and dst.kind in "biu":
        return False
    return not (src.kind != "b" and dst.kind == "b")


def _write_out(out: Any, result: Any, name: str) -> Any:
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(
                f"{name}(): out must be a tuple of {len(result)} Tensors, got {type(out).__name__}"
            )
        written = [_write_out(o, r, name) for o, r in zip(out, result)]
        return type(result)(*written) if hasattr(result, "_fields") else tuple(written)
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): out must be a Tensor, got {type(out).__name__}")
    if result.requires_grad and backend_grad_enabled():
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad; call it under "
            "torch.no_grad() or drop out= and assign the result"
        )
    if not _out_castable(result._data.dtype, out._data.dtype):
        raise RuntimeError(
            f"{name}(): result type {result.dtype} can't be cast to the desired output type "
            f"{out.dtype}; pass an out tensor of dtype {result.dtype}"
        )
    return _into(out, result, name)


def accepts_out(fn: Any) -> Any:
    """Wrap ``fn`` to take torch's keyword ``out=``: the result is written into ``out``.

    Example:
        >>> import nablagrad as torch
        >>> r = torch.empty(2)
        >>> _ = torch.add(torch.ones(2), torch.ones(2), out=r)
        >>> r
        tensor([2., 2.])
    """
    import functools
    import inspect

    @functools.wraps(fn)
    def with_out(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        return result if out is None else _write_out(out, result, fn.__name__)

    try:  # the signature shown is fn's with torch's keyword-only ``out=None``
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return with_out
    params = list(sig.parameters.values())
    if not any(p.kind is p.VAR_KEYWORD for p in params):
        params.append(inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None))
        with_out.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    return with_out


def backend_grad_enabled() -> bool:
    from .autograd import is_grad_enabled

    return is_grad_enabled()


def _float_or(dtype: Any) -> np.dtype:
    return backend.to_np_dtype(dtype) if dtype is not None else backend.default_float_np()


def tensor(
    data: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A new tensor holding a copy of ``data`` (lists, scalars, arrays, tensors).

    Python floats give ``float32``, ints give ``int64``, bools give ``bool``.
    """
    if device is None and backend.get_default_device().type != "cpu":
        device = backend.get_default_device()  # torch.set_default_device / with device(...)
    return _finish(to_array(data, dtype=dtype, device=device, copy=True), requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array or Tensor when it can."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    return Tensor._wrap(to_array(data, dtype=dtype, device=device, copy=False))


_UNSET: Any = object()  # ``asarray``'s requires_grad when the caller did not pass it


def _dtype_name(npd: Any) -> str:
    """torch's scalar-type name of a dtype in its aliasing errors ('Float', 'Double' ...)."""
    return {"f": "Float", "d": "Double", "e": "Half", "q": "Long", "l": "Long", "i": "Int"}.get(
        np.dtype(npd).char, backend.from_np_dtype(np.dtype(npd)).name.capitalize()
    )


def _require_grad(t: Tensor, requires_grad: Any) -> Tensor:
    if requires_grad and not t.dtype.is_floating_point:
        raise RuntimeError(
            "Only Tensors of floating point and complex dtype can require gradients: pass a "
            f"floating dtype (dtype=nablagrad.float32) instead of {t.dtype}"
        )
    if requires_grad:
        t.requires_grad_(True)
    return t


def _buffer_array(buffer: Any, npd: Any, count: int, offset: int, name: str) -> Any:
    """A 1-D array over the bytes of ``buffer`` (shared, not copied), with torch's checks."""
    try:
        view = memoryview(buffer)
    except TypeError:
        raise ValueError(
            f"object does not implement Python buffer protocol: {name}() takes bytes, "
            f"bytearray, memoryview, array.array or a NumPy array, not {type(buffer).__name__}"
        ) from None
    if not view.c_contiguous:
        raise RuntimeError(
            f"could not retrieve buffer from object: {name}() needs a contiguous buffer "
            "(copy a strided view first, e.g. bytes(view))"
        )
    length, size = view.nbytes, np.dtype(npd).itemsize
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if offset < 0 or offset >= length:
        raise ValueError(
            f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
            f"({length} bytes) minus 1"
        )
    if count < 0:
        if (length - offset) % size:
            raise ValueError(
                f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be "
                f"a multiple of element size ({size}): pass count= or an offset that leaves "
                "whole elements"
            )
        count = (length - offset) // size
    elif offset + count * size > length:
        raise ValueError(
            f"requested buffer length ({count} * {size} bytes) after offset ({offset} bytes) "
            f"must not be greater than actual buffer length ({length} bytes)"
        )
    if view.readonly:
        warnings.warn(
            "The given buffer is not writable: the tensor shares its memory read-only, so "
            "in-place changes of it will fail (copy the buffer, e.g. bytearray(data), to get "
            "a writable tensor).",
            UserWarning,
            stacklevel=3,
        )
    flat = view.cast("B") if view.ndim != 1 or view.format != "B" else view
    return np.frombuffer(flat, dtype=npd, count=count, offset=offset)


def frombuffer(
    buffer: Any,
    *,
    dtype: Any,
    count: int = -1,
    offset: int = 0,
    requires_grad: bool = False,
) -> Tensor:
    """A 1-D tensor over the bytes of an object with the buffer protocol, sharing its memory
    (torch.frombuffer): ``count`` elements of ``dtype`` from byte ``offset`` (all whole
    elements that follow with ``count=-1``).

    Example:
        >>> import nablagrad as torch
        >>> buf = bytearray([1, 0, 2, 0, 3, 0])
        >>> t = torch.frombuffer(buf, dtype=torch.int16, offset=2)
        >>> t
        tensor([2, 3], dtype=nablagrad.int16)
        >>> t[0] = 7
        >>> buf[2]
        7
    """
    npd = backend.to_np_dtype(dtype)
    arr = _buffer_array(buffer, npd, int(count), int(offset), "frombuffer")
    return _require_grad(Tensor._wrap(arr), requires_grad)


def asarray(
    obj: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    copy: bool | None = None,
    requires_grad: bool | None = _UNSET,
) -> Tensor:
    """``obj`` as a tensor, sharing memory when it can (torch.asarray).

    - a Tensor or NumPy array: same dtype, device and memory (a Tensor keeps its history and,
      with ``requires_grad=None``, its ``requires_grad``; torch 2.13 warns when a tensor that
      requires grad comes without ``requires_grad`` passed, and so does this); another
      ``dtype`` or ``device``, or ``copy=True``, makes a copy (differentiable for a Tensor),
      and ``copy=False`` then raises;
    - an object with the buffer protocol (bytes, bytearray, memoryview, array.array): its bytes
      read as ``dtype`` (default: the default float dtype), shared as in ``frombuffer``;
    - a NumPy scalar, a Python scalar or a (nested) sequence: a new tensor, as
      ``tensor(obj)`` (``copy=False`` raises).

    Example:
        >>> import numpy as np
        >>> import nablagrad as torch
        >>> a = np.array([1.0, 2.0])
        >>> t = torch.asarray(a)
        >>> a[0] = 5.0
        >>> t
        tensor([5., 2.], dtype=nablagrad.float64)
        >>> torch.asarray([1, 2], dtype=torch.float32, requires_grad=True)
        tensor([1., 2.], requires_grad=True)
    """
    unset = requires_grad is _UNSET
    if unset:
        requires_grad = None
    npd = backend.to_np_dtype(dtype) if dtype is not None else None
    if isinstance(obj, Tensor):
        convert = (npd is not None and npd != obj._data.dtype) or (
            device is not None and backend.device(device) != obj.device
        )
        if convert and copy is False:
            what = (
                f"dtype '{_dtype_name(obj._data.dtype)}' into dtype '{_dtype_name(npd)}'"
                if npd is not None and npd != obj._data.dtype
                else f"device {obj.device} onto device {backend.device(device)}"
            )
            raise ValueError(f"can't alias tensor with {what}: pass copy=None or copy=True")
        if requires_grad is None:
            if unset and obj.requires_grad:
                warnings.warn(
                    "torch.asarray: unspecified requires_grad now defaults to "
                    "obj.requires_grad instead of False. Pass requires_grad=False explicitly "
                    "to get the old behavior and silence this warning.",
                    UserWarning,
                    stacklevel=2,
                )
            requires_grad = obj.requires_grad
        out = obj
        if convert:
            out = obj.to(device=device, dtype=dtype)
        elif copy:
            out = obj.clone()
        if not requires_grad and out.requires_grad:
            return out.detach()
        return _require_grad(out, requires_grad)
    if requires_grad is None:
        requires_grad = False
    if backend.is_array(obj):
        if getattr(obj, "dtype", None) is not None and not obj.dtype.isnative:
            raise ValueError(
                "given numpy array has byte order different from the native byte order. "
                "Conversion between byte orders is currently not supported: convert it first "
                "(array.astype(array.dtype.newbyteorder('=')))"
            )
        convert = (npd is not None and npd != obj.dtype) or (
            device is not None and backend.device(device) != backend.device_of(obj)
        )
        if convert and copy is False:
            raise ValueError(
                f"can't alias NumPy array with dtype '{obj.dtype}' into dtype "
                f"'{_dtype_name(npd) if npd is not None else obj.dtype}': pass copy=None or "
                "copy=True"
            )
        arr = to_array(obj, dtype=dtype, device=device, copy=bool(copy) or convert)
        return _require_grad(Tensor._wrap(arr), requires_grad)
    if isinstance(obj, np.generic):
        if copy is False:
            raise RuntimeError(
                "can't alias NumPy scalars. Either remove copy=False or transform it in a ndarray."
            )
        return _require_grad(Tensor._wrap(to_array(obj, dtype=dtype, device=device)), requires_grad)
    if not isinstance(obj, (str, list, tuple)):
        try:
            memoryview(obj)
        except TypeError:
            pass
        else:
            arr = _buffer_array(obj, npd or backend.default_float_np(), -1, 0, "asarray")
            if copy or (device is not None and backend.device(device).type != "cpu"):
                arr = to_array(arr, device=device, copy=True)
            return _require_grad(Tensor._wrap(arr), requires_grad)
    if copy is False:
        raise ValueError(
            "can't alias arbitrary sequence into a tensor: pass a Tensor or NumPy array to "
            "share memory, or copy=None"
        )
    if isinstance(obj, str):
        raise TypeError(f"new(): invalid data type 'str': asarray takes numbers, not {obj!r:.40}")
    return tensor(obj, dtype=dtype, device=device, requires_grad=bool(requires_grad))


def from_numpy(array: Any) -> Tensor:
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    backend.from_np_dtype(array.dtype)
    return Tensor._wrap(array)


def _filled(size: tuple, value: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    shape = _size(size, "full" if value not in (0.0, 1.0) else "zeros" if value == 0 else "ones")
    if not isinstance(value, (bool, int, float, complex, np.generic)):
        raise TypeError(
            f"full(): argument 'fill_value' must be a number, not {type(value).__name__} "
            f"({value!r})"
        )
    if dtype is None:
        dt = (
            np.dtype(np.bool_)
            if isinstance(value, bool)
            else np.dtype(np.int64)
            if isinstance(value, (int, np.integer))
            else backend.default_float_np()
        )
    else:
        dt = backend.to_np_dtype(dtype)
    real = isinstance(value, (int, float, np.integer, np.floating))
    if dt.kind in "iu" and real and not isinstance(value, (bool, np.bool_)):
        info = np.iinfo(dt)
        # torch lets an integer reach down to -max in an unsigned dtype (it wraps)
        low = -info.max if dt.kind == "u" and isinstance(value, (int, np.integer)) else info.min
        if value != value or not low <= value <= info.max:  # NaN, inf, out of range
            raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
    xp = backend.xp_for(device)
    return _finish(xp.full(shape, value, dtype=dt), requires_grad)


def zeros(
    *sizes: Any,
    size: Any = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A tensor filled with 0s: ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``."""
    shape = _sizes("zeros", sizes, size)
    return _into(out, _filled(shape, 0.0, _float_or(dtype), device, requires_grad), "zeros")


def ones(
    *sizes: Any,
    size: Any = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A tensor filled with 1s: ``ones(2, 3)``, ``ones((2, 3))`` or ``ones(size=(2, 3))``."""
    shape = _sizes("ones", sizes, size)
    return _into(out, _filled(shape, 1.0, _float_or(dtype), device, requires_grad), "ones")


def empty(
    *sizes: Any,
    size: Any = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
    memory_format: Any = None,
) -> Tensor:
    """An uninitialised tensor (``empty(2, 3)``, ``empty((2, 3))``, ``empty(size=(2, 3))``);
    ``memory_format=channels_last`` gives torch's channels-last strides for every dim.

    Example:
        >>> import nablagrad as torch
        >>> torch.empty(2, 3, 1, 1, memory_format=torch.channels_last).stride()
        (3, 1, 3, 3)
    """
    xp = backend.xp_for(device)
    shape = _size(_sizes("empty", sizes, size), "empty")
    fmt = backend.contiguous_format if memory_format is None else memory_format
    if not isinstance(fmt, backend.memory_format):
        raise TypeError(f"memory_format must be a nablagrad.memory_format, got {fmt!r}")
    if fmt is backend.preserve_format:
        raise RuntimeError("unsupported memory format Preserve: use contiguous_format")
    dt = _float_or(dtype)
    if fmt.axes is None and all(shape):
        arr = xp.empty(shape, dtype=dt)
    else:
        arr = backend.empty_strided(xp, shape, backend.format_strides(shape, fmt), dt)
    return _into(out, _finish(arr, requires_grad), "empty")


def full(
    size: Any,
    fill_value: Any,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value`` (dtype inferred from the value)."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(
            f"full(): argument 'size' (position 1) must be tuple of ints, not "
            f"{type(size).__name__}: write full(({size!r},), value) for a 1-d tensor"
        )
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    result = _filled(
        (tuple(size),),
        fill_value,
        dtype,
        device,
        requires_grad,
    )
    return _into(out, result, "full")


def _like(kind: str) -> Any:
    def make(
        input: Tensor,
        *args: Any,
        dtype: Any = None,
        device: Any = None,  # noqa: A002
        requires_grad: bool = False,
        layout: Any = None,
        memory_format: Any = None,
        pin_memory: bool = False,
        **kwargs: Any,
    ) -> Tensor:
        dtype = dtype if dtype is not None else input.dtype
        device = device if device is not None else input.device
        fn = globals()[kind]
        if kind == "full":
            out = full(tuple(input.shape), args[0], dtype=dtype, device=device)
        elif kind == "randint":
            out = randint(*args, size=tuple(input.shape), dtype=dtype, device=device, **kwargs)
        else:
            out = fn(tuple(input.shape), dtype=dtype, device=device, **kwargs)
        # torch's default preserve_format: a dense non-row-major input (transposed,
        # channels-last) gives a result with the same strides
        fmt = backend.preserve_format if memory_format is None else memory_format
        strides = layout_strides(input._data, fmt)
        if strides is not None:
            arr = out._data
            laid = backend.empty_strided(
                backend.get_array_module(arr), arr.shape, strides, arr.dtype
            )
            laid[...] = arr
            out = Tensor._wrap(laid)
        return out.requires_grad_(requires_grad) if requires_grad else out

    make.__name__ = f"{kind}_like"
    make.__doc__ = f"``{kind}`` with the shape, dtype and device of ``input``."
    return make


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    out: Tensor | None = None,
    layout: Any = None,
    pin_memory: bool = False,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` (default 0) up to but excluding ``end`` in steps of ``step``.

    Integers (and bools) give int64; any float argument gives the default float dtype.  With
    an integer ``dtype``, float bounds and step are truncated to ints as torch does.
    """
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    vals = [int(v) if isinstance(v, (bool, np.bool_)) else v for v in vals]
    for name, v in zip(("start", "end", "step"), vals):
        if not (_validate.is_int(v) or isinstance(v, (float, np.floating))) or not math.isfinite(v):
            raise RuntimeError(
                f"arange(): {name} must be a finite number, got {type(v).__name__} ({v!r})"
            )
    if vals[2] == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError(
            f"arange(): upper bound and lower bound inconsistent with step sign (start="
            f"{vals[0]}, end={vals[1]}, step={vals[2]})"
        )
    if (vals[1] - vals[0]) / vals[2] > 2**62:
        raise RuntimeError(
            f"arange(): invalid size, possible overflow? ({vals[0]} to {vals[1]} in steps of "
            f"{vals[2]} is too many values)"
        )
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in vals)
        dt = np.dtype(np.int64) if is_int else backend.default_float_np()
    else:
        dt = backend.to_np_dtype(dtype)
        if dt.kind == "b":
            raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    n = max(math.ceil((vals[1] - vals[0]) / vals[2]), 0)
    if dt.kind in "iu" and not all(isinstance(v, (int, np.integer)) for v in vals):
        n, vals = _int_arange_size(n, vals, dt)
    _validate.allocation((n,), 8, "arange")
    xp = backend.xp_for(device)
    data = vals[0] + vals[2] * xp.arange(n, dtype=np.float64 if dt.kind == "f" else np.int64)
    return _into(out, _finish(data.astype(dt, copy=False), requires_grad), "arange")


def _int_arange_size(n: int, vals: list, dt: np.dtype) -> tuple[int, list]:
    """torch's integer arange with a float bound or step: start, end and step are truncated
    to int64; for int64 the length is computed from the truncated values (a step that
    truncates to 0 raises ValueError), for narrower ints from the original ones."""
    ivals = [int(v) for v in vals]
    if dt == np.int64:
        start, end, step = ivals
        if step == 0:
            raise ValueError("step must be nonzero")
        n = max((end - start + step - (1 if step > 0 else -1)) // step, 0)
    return n, ivals


def torch_range(
    start: Any,
    end: Any,
    step: Any = 1,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool | None = None,
) -> Tensor:
    """torch.range (deprecated): ``start, start + step, ...`` up to and INCLUDING ``end``:
    ``floor((end - start) / step) + 1`` values, in the default float dtype unless ``dtype`` is
    given.  Warns (UserWarning) as torch does: ``arange`` excludes ``end``.

    Example:
        >>> import warnings
        >>> import nablagrad as torch
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     torch.range(1, 4)
        tensor([1., 2., 3., 4.])
    """
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its "
        "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, which "
        "produces values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    for name, v in zip(("start", "end", "step"), vals):
        if not (_validate.is_int(v) or isinstance(v, (float, np.floating))) or not math.isfinite(v):
            raise RuntimeError(f"range(): {name} must be a finite number, got {v!r}")
    if vals[2] == 0:
        raise RuntimeError("step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = int(math.floor((vals[1] - vals[0]) / vals[2])) + 1
    _validate.allocation((n,), 8, "range")
    dt = _float_or(dtype)
    xp = backend.xp_for(device)
    data = vals[0] + vals[2] * xp.arange(n, dtype=np.float64)
    return _into(out, _finish(data.astype(dt, copy=False), requires_grad), "range")


torch_range.__name__ = torch_range.__qualname__ = "range"


def empty_strided(
    size: Any,
    stride: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool | None = None,
) -> Tensor:
    """An uninitialised tensor of shape ``size`` whose ``stride()`` is ``stride``: a view of
    just enough fresh storage (``1 + sum((size_i - 1) * stride_i)`` elements).

    Example:
        >>> import nablagrad as torch
        >>> torch.empty_strided((2, 3), (1, 2)).stride()
        (1, 2)
    """
    size = _size((tuple(size),), "empty_strided")
    stride = tuple(_validate.as_int(s, "stride", "empty_strided") for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(
            f"empty_strided: mismatch in length of strides and shape ({len(size)} sizes, "
            f"{len(stride)} strides)"
        )
    need = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    xp = backend.xp_for(device)
    base = Tensor._wrap(xp.empty((need,), dtype=_float_or(dtype)))
    view = as_strided(base, size, stride, 0)
    if requires_grad:
        view.requires_grad = True
    return view


def empty_permuted(
    size: Any,
    physical_layout: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool | None = None,
) -> Tensor:
    """An uninitialised dense tensor of shape ``size`` whose dimensions lie in memory in the
    order ``physical_layout`` (outermost first): ``empty([size[p] for p in physical_layout])``
    permuted back to ``size``.  ``(0, 1, 2, 3)`` is NCHW (contiguous), ``(0, 2, 3, 1)`` NHWC
    (channels_last).

    Example:
        >>> import nablagrad as torch
        >>> torch.empty_permuted((2, 3, 5, 7), (0, 2, 3, 1)).stride()
        (105, 1, 21, 3)
    """
    size = _size((tuple(size),), "empty_permuted")
    order = tuple(_validate.as_int(p, "physical_layout", "empty_permuted") for p in physical_layout)
    if len(order) != len(size):
        raise RuntimeError(
            "Number of dimensions in size does not match the length of the physical_layout; "
            f"i.e. len(size) = {len(size)} is not equal to len(physical_layout) = {len(order)}"
        )
    for i, p in enumerate(order):
        if not 0 <= p < len(size):
            raise RuntimeError(
                f"Dimension out of range (expected to be between 0 and {len(size) - 1}, but got "
                f"{p} at index {i}).  NB: negative dims not currently supported"
            )
    if len(set(order)) != len(order):
        raise RuntimeError(
            f"Duplicate dim not allowed: physical_layout {list(order)} must name each dim once"
        )
    stride = [0] * len(size)
    step = 1
    for p in reversed(order):  # innermost first, as a contiguous tensor of the permuted shape
        stride[p] = step
        step *= max(size[p], 1)
    return empty_strided(
        size, stride, dtype=dtype, layout=layout, device=device, requires_grad=requires_grad
    )


def _endpoint(v: Any, name: str, fn: str) -> Any:
    """A range end of linspace/logspace: a number, or a 0-d tensor's value (as torch's)."""
    if isinstance(v, Tensor):
        if v.ndim:
            raise RuntimeError(
                f"{fn} only supports 0-dimensional start and end tensors, but got {name} with "
                f"{v.ndim} dimension(s)."
            )
        return v.item()
    return v


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    out: Tensor | None = None,
    layout: Any = None,
    pin_memory: bool = False,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (numbers or 0-d
    tensors).

    Example:
        >>> import nablagrad as torch
        >>> torch.linspace(torch.tensor(0.0), 1, 3)
        tensor([0.0000, 0.5000, 1.0000])
    """
    start, end = _endpoint(start, "start", "linspace"), _endpoint(end, "end", "linspace")
    steps = _validate.as_int(steps, "steps", "linspace")
    if steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be non-negative, got {steps}")
    _validate.allocation((steps,), 8, "linspace")
    xp = backend.xp_for(device)
    data = xp.linspace(start, end, steps).astype(_float_or(dtype))
    return _into(out, _finish(data, requires_grad), "linspace")


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    *,
    out: Tensor | None = None,
    layout: Any = None,
    pin_memory: bool = False,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    start, end = _endpoint(start, "start", "logspace"), _endpoint(end, "end", "logspace")
    xp = backend.xp_for(device)
    data = (base ** xp.linspace(start, end, steps)).astype(_float_or(dtype))
    return _into(out, _finish(data, requires_grad), "logspace")


def eye(
    n: int,
    m: int | None = None,
    *,
    out: Tensor | None = None,
    layout: Any = None,
    pin_memory: bool = False,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    n = _validate.as_int(n, "n", "eye")
    m = n if m is None else _validate.as_int(m, "m", "eye")
    if n < 0 or m < 0:
        raise RuntimeError(f"eye(): n and m must be greater or equal to 0, got n={n}, m={m}")
    _validate.allocation((n, m), 8, "eye")
    xp = backend.xp_for(device)
    return _into(out, _finish(xp.eye(n, m, dtype=_float_or(dtype)), requires_grad), "eye")


_TORCH_NAMES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte"}


def _float_only(dtype: Any, kernel: str) -> None:
    """Raise as torch's ``kernel`` does when asked to sample an integer or bool ``dtype``."""
    if dtype is not None:
        dt = backend.to_np_dtype(dtype)
        if dt.kind in "biu":
            name = "Bool" if dt.kind == "b" else _TORCH_NAMES.get(dt.name, dt.name)
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{name}'")


def _draw(values: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    data = values.astype(_float_or(dtype), copy=False)
    if backend.as_device(device).type != "cpu":  # (None: the default device)
        data = backend.to_device(data, device)
    return _finish(data, requires_grad)


def rand(
    *sizes: Any,
    size: Any = None,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Uniform samples on [0, 1). ``rand(2, 3)``, ``rand((2, 3))`` or ``rand(size=(2, 3))``."""
    shape = _size(_sizes("rand", sizes, size), "rand")
    _float_only(dtype, "check_uniform_bounds")
    values = _gen(generator).torch_uniform(shape, _float_or(dtype))
    return _into(out, _draw(values, dtype, device, requires_grad), "rand")


def randn(
    *sizes: Any,
    size: Any = None,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Standard normal samples. ``randn(2, 3)``, ``randn((2, 3))`` or ``randn(size=(2, 3))``."""
    shape = _size(_sizes("randn", sizes, size), "randn")
    _float_only(dtype, "normal_kernel_cpu")
    values = _gen(generator).torch_normal(shape, _float_or(dtype))
    return _into(out, _draw(values, dtype, device, requires_grad), "randn")


def randint(
    low: int,
    high: int | None = None,
    size: Any = None,
    *,
    out: Tensor | None = None,
    layout: Any = None,
    pin_memory: bool = False,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Integers uniformly from [low, high); ``randint(high, size)`` starts at 0."""
    if size is None:
        if not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing the size argument, e.g. randint(0, 10, (3,))")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    low, high = _validate.as_int(low, "low", "randint"), _validate.as_int(high, "high", "randint")
    if high <= low:
        raise RuntimeError(
            f"randint(): random_ expects 'from' to be less than 'to', but got from={low} >= "
            f"to={high}"
        )
    dt = backend.to_np_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    data = _gen(generator).torch_randint(low, high, _size((size,), "randint"), dt)
    if backend.as_device(device).type != "cpu":  # (None: the default device)
        data = backend.to_device(data, device)
    return _into(out, _finish(data, requires_grad), "randint")


def randperm(
    n: int,
    *,
    generator: Generator | None = None,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64)."""
    n = _size((_validate.as_int(n, "n", "randperm"),), "randperm")[0]
    dt = backend.to_np_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    data = _gen(generator).randperm(n).astype(dt)
    if backend.as_device(device).type != "cpu":  # (None: the default device)
        data = backend.to_device(data, device)
    return _into(out, _finish(data, requires_grad), "randperm")


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    out: Tensor | None = None,
    layout: Any = None,
    pin_memory: bool = False,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Normal samples with the given mean and std (numbers or tensors, broadcast)."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if device is None:  # as torch: the device of a tensor mean or std
        device = next((t.device for t in (mean, std) if isinstance(t, Tensor)), None)
    if size is None:
        size = np.broadcast_shapes(getattr(m, "shape", ()), getattr(s, "shape", ()))
    shape = _size((size,) if isinstance(size, int) else (tuple(size),), "normal")
    if isinstance(s, (int, float)) and s < 0:
        raise ValueError(f"normal expects std >= 0.0, but found std {s}")
    vals = _normal_values(
        _gen(generator),
        backend.to_host(m) if not isinstance(m, (int, float)) else m,
        backend.to_host(s) if not isinstance(s, (int, float)) else s,
        shape,
        _float_or(dtype),
    )
    return _into(out, _draw(vals, dtype, device, requires_grad), "normal")


def _normal_values(stream: Any, m: Any, s: Any, shape: tuple, dt: np.dtype) -> Any:
    """torch's ``normal(mean, std)`` on the CPU: numbers fill with ``normal_(mean, std)``; a
    tensor std scales standard draws (``normal_(0, 1).mul_(std).add_(mean)``); a tensor mean
    with a number std shifts ``normal_(0, std)`` draws (``.add_(mean)``)."""
    scalar_m, scalar_s = isinstance(m, (int, float)), isinstance(s, (int, float))
    if scalar_m and scalar_s:
        return stream.torch_normal(shape, dt, float(m), float(s))
    if scalar_s:
        return stream.torch_normal(shape, dt, 0.0, float(s)) + np.asarray(m).astype(dt)
    return stream.torch_normal(shape, dt) * np.asarray(s).astype(dt) + np.asarray(m).astype(dt)


def bernoulli(p: Tensor, *, generator: Generator | None = None) -> Tensor:
    """0/1 samples with probabilities ``p`` (same dtype as ``p``); every probability must be
    in [0, 1], as torch checks."""
    host = backend.to_host(p._data)
    if host.dtype.kind not in "fc":
        name = _TORCH_NAMES.get(str(host.dtype), "Bool" if host.dtype.kind == "b" else "?")
        raise NotImplementedError(
            f"\"bernoulli_tensor_cpu_p_\" not implemented for '{name}': pass floating-point "
            "probabilities (p.float())"
        )
    check_probabilities(host)
    pd = np.float64 if host.dtype == np.float64 else np.float32
    draws = _gen(generator).torch_bernoulli(host, tuple(p.shape), pd)
    return Tensor._wrap(backend.to_device(draws.astype(p._data.dtype), p.device))


def _torch_multinomial(stream: Any, rows: Any, num_samples: int, replacement: bool) -> Any:
    """torch's CPU multinomial on (rows, categories) weights in their dtype.

    Without replacement (or one sample): ``q = exponential_(1)`` draws of the weights' shape,
    then the indices of the largest ``w / q`` per row (argmax, or topk in descending order).
    With replacement: per row, the running sum of the weights divided by the total, and per
    sample a float64 uniform u placed at the first category whose cumulative weight is >= u.
    """
    if not replacement or num_samples == 1:
        q = stream.torch_exponential(rows.shape, rows.dtype, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = rows / q
        if num_samples == 1:
            return np.argmax(ratio, axis=-1)[:, None]
        return np.argsort(-ratio, axis=-1, kind="stable")[:, :num_samples]
    out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
    for i, row in enumerate(rows):  # one row at a time: torch draws row by row
        cum = np.cumsum(row, dtype=row.dtype)
        total = cum[-1]
        if total > 0:
            cum = cum / total
        u = stream.torch_uniform((num_samples,), np.float64)
        idx = np.searchsorted(cum.astype(np.float64), u, side="left")
        out[i] = np.minimum(idx, len(row) - 1)
    return out


def multinomial(
    probs: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Draw category indices from (unnormalised) row probabilities."""
    rng = _gen(generator)
    if not isinstance(probs, Tensor) or probs.ndim not in (1, 2):
        raise RuntimeError("multinomial(): prob_dist must be a 1 or 2 dim Tensor")
    num_samples = _validate.as_int(num_samples, "num_samples", "multinomial")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial(): cannot sample n_sample <= 0 samples, got {num_samples}")
    p = backend.to_host(probs._data).astype(np.float64)
    if p.shape[-1] == 0:
        raise RuntimeError("multinomial(): number of categories cannot be zero")
    if not np.isfinite(p).all() or (p < 0).any():
        raise RuntimeError(
            "multinomial(): probability tensor contains either `inf`, `nan` or element < 0"
        )
    rows = p.reshape(-1, p.shape[-1])
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError(
            "multinomial(): invalid multinomial distribution (sum of probabilities <= 0)"
        )
    if not replacement and num_samples > p.shape[-1]:
        raise RuntimeError(
            "multinomial(): cannot sample n_sample > prob_dist.size(-1) samples without "
            f"replacement (num_samples={num_samples}): pass replacement=True"
        )
    host = backend.to_host(probs._data)
    dt = host.dtype if host.dtype in (np.float32, np.float64) else np.dtype(np.float32)
    out = _torch_multinomial(rng, host.astype(dt).reshape(rows.shape), num_samples, replacement)
    out = out.reshape(p.shape[:-1] + (num_samples,)).astype(np.int64)
    return Tensor._wrap(backend.to_device(out, probs.device))  # on probs' device, as torch


zeros_like = _like("zeros")
ones_like = _like("ones")
empty_like = _like("empty")
full_like = _like("full")
rand_like = _like("rand")
randn_like = _like("randn")
randint_like = _like("randint")


def new_like(
    like: Tensor,
    kind: str,
    args: tuple,
    *,
    size: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``like.new_zeros(*args)`` and friends: ``kind`` made with ``like``'s dtype and device
    (the sizes positionally or as torch's ``size=``)."""
    if size is not None:
        if args:
            raise TypeError(f"new_{kind}() got the sizes both positionally and as size=")
        args = (size,)
    dtype = dtype or like.dtype
    device = device or like.device
    if kind == "tensor":
        return tensor(args[0], dtype=dtype, device=device, requires_grad=requires_grad)
    if kind == "full":
        return full(args[0], args[1], dtype=dtype, device=device, requires_grad=requires_grad)
    make = {"zeros": zeros, "ones": ones, "empty": empty}[kind]
    return make(*args, dtype=dtype, device=device, requires_grad=requires_grad)


# -- window functions, scalar_tensor, poisson / binomial draws ---------------------------


def _window(
    name: str,
    window_length: int,
    periodic: bool,
    dtype: Any,
    device: Any,
    requires_grad: bool,
    formula: Any,
) -> Tensor:
    if window_length < 0:
        raise RuntimeError(
            f"{name} requires non-negative window_length, got window_length={window_length}"
        )
    d = _float_or(dtype)
    if d.kind != "f":
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype}")
    if window_length <= 1:
        values = np.ones(window_length)
    else:
        n = window_length + 1 if periodic else window_length
        values = formula(np.arange(n, dtype=np.float64), n)[:window_length]
    return _draw(values, d, device, requires_grad)


def hann_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``0.5 - 0.5 cos(2 pi n / (N - 1))``; ``periodic``: N + 1 points, the last dropped."""
    return _window(
        "hann_window",
        window_length,
        periodic,
        dtype,
        device,
        requires_grad,
        lambda k, n: 0.5 - 0.5 * np.cos(2 * np.pi * k / (n - 1)),
    )


def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``alpha - beta cos(2 pi n / (N - 1))``."""
    return _window(
        "hamming_window",
        window_length,
        periodic,
        dtype,
        device,
        requires_grad,
        lambda k, n: alpha - beta * np.cos(2 * np.pi * k / (n - 1)),
    )


def blackman_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))``."""
    return _window(
        "blackman_window",
        window_length,
        periodic,
        dtype,
        device,
        requires_grad,
        lambda k, n: (
            0.42 - 0.5 * np.cos(2 * np.pi * k / (n - 1)) + 0.08 * np.cos(4 * np.pi * k / (n - 1))
        ),
    )


def bartlett_window(
    window_length: int,
    periodic: bool = True,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The triangular window ``1 - |2 n / (N - 1) - 1|``."""
    return _window(
        "bartlett_window",
        window_length,
        periodic,
        dtype,
        device,
        requires_grad,
        lambda k, n: 1 - np.abs(2 * k / (n - 1) - 1),
    )


def kaiser_window(
    window_length: int,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``I0(beta sqrt(1 - (2 n / (N - 1) - 1)^2)) / I0(beta)``."""
    return _window(
        "kaiser_window",
        window_length,
        periodic,
        dtype,
        device,
        requires_grad,
        lambda k, n: (
            np.i0(beta * np.sqrt(np.clip(1 - (2 * k / (n - 1) - 1) ** 2, 0, None))) / np.i0(beta)
        ),
    )


def scalar_tensor(
    s: Any,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """A 0-d tensor holding ``s``, of the default float dtype unless ``dtype`` is given."""
    value = s.item() if isinstance(s, Tensor) else s
    d = backend.to_np_dtype(dtype) if dtype is not None else backend.default_float_np()
    data = np.asarray(value, dtype=d)
    if backend.as_device(device).type != "cpu":  # (None: the default device)
        data = backend.to_device(data, device)
    return _finish(data, requires_grad)


def poisson(input: Tensor, generator: Generator | None = None) -> Tensor:  # noqa: A002
    """Poisson draws with rates ``input`` (same dtype and shape): torch's CPU numbers after
    the same seed (element by element: below a rate of 10 the number of float64 uniforms
    whose running product stays above e^-rate, from 10 on Hoermann's transformed rejection).

    Example:
        >>> import nablagrad as torch
        >>> _ = torch.manual_seed(0)
        >>> torch.poisson(torch.tensor([0.0, 4.0, 50.0])).tolist()
        [0.0, 7.0, 52.0]
    """
    rates = backend.to_host(input._data)
    if not input.is_floating_point():
        raise NotImplementedError(
            f'"poisson_cpu" not implemented for \'{str(input.dtype).replace("nablagrad.", "")}'
            "': pass floating-point rates (rates.float())"
        )
    if not (rates >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    acc = rates.dtype if rates.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    draws = _gen(generator).torch_poisson(rates.astype(acc), acc).astype(rates.dtype)
    return Tensor._wrap(backend.to_device(draws, input.device))


def binomial(count: Tensor, prob: Tensor, generator: Generator | None = None) -> Tensor:
    """Binomial(``count``, ``prob``) draws of the broadcast shape, in ``count``'s dtype:
    torch's CPU numbers after the same seed (element by element: for ``p > 1/2`` the count
    minus a draw with ``1 - p``; inversion by geometric gaps when ``n p < 10``, else
    Hoermann's BTRS rejection).

    Example:
        >>> import nablagrad as torch
        >>> _ = torch.manual_seed(0)
        >>> torch.binomial(torch.tensor([10.0, 20.0]), torch.tensor(0.5)).tolist()
        [7.0, 11.0]
    """
    n, p = backend.to_host(count._data), backend.to_host(prob._data)
    if not count.is_floating_point():
        raise ValueError(
            f"binomial only supports floating-point dtypes for count, got: {count.dtype} "
            "(pass count.float())"
        )
    if prob.dtype != count.dtype:
        raise RuntimeError(
            f"binomial: found dtype {prob.dtype} for prob but expected {count.dtype} (the "
            "dtype of count): convert one of them"
        )
    # as torch, no check that prob is in [0, 1]: prob <= 0 gives 0 and prob >= 1 gives count
    # (and NaN gives NaN), without a draw
    acc = n.dtype if n.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    draws = _gen(generator).torch_binomial(n.astype(acc), p.astype(acc), acc).astype(n.dtype)
    return Tensor._wrap(backend.to_device(draws, count.device))
