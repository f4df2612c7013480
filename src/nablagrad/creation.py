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
from typing import Any

from . import backend
from .backend import np
from .random import Generator, _gen
from .tensor import Tensor, to_array


def _size(size: tuple) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or s < 0:
            raise TypeError(f"sizes must be non-negative ints, got {size!r}")
        out.append(int(s))
    return tuple(out)


def _finish(data: Any, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(data)
    if requires_grad:
        t.requires_grad = True
    return t


def _float_or(dtype: Any) -> np.dtype:
    return backend.to_np_dtype(dtype) if dtype is not None else backend.default_float_np()


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (lists, scalars, arrays, tensors).

    Python floats give ``float32``, ints give ``int64``, bools give ``bool``.
    """
    return _finish(to_array(data, dtype=dtype, device=device, copy=True), requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array or Tensor when it can."""
    if isinstance(data, Tensor) and dtype is None and device is None:
        return data
    return Tensor._wrap(to_array(data, dtype=dtype, device=device, copy=False))


def from_numpy(array: Any) -> Tensor:
    """A tensor sharing memory with a NumPy array."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    backend.from_np_dtype(array.dtype)
    return Tensor._wrap(array)


def _filled(size: tuple, value: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    shape = _size(size)
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
    xp = backend.xp_for(device)
    return _finish(xp.full(shape, value, dtype=dt), requires_grad)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(size, 0.0, _float_or(dtype), device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _filled(size, 1.0, _float_or(dtype), device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    xp = backend.xp_for(device)
    return _finish(xp.empty(_size(size), dtype=_float_or(dtype)), requires_grad)


def full(
    size: Any, fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _filled(
        (size,) if not isinstance(size, (tuple, list)) else (tuple(size),),
        fill_value,
        dtype,
        device,
        requires_grad,
    )


def _like(kind: str) -> Any:
    def make(
        input: Tensor,
        *args: Any,
        dtype: Any = None,
        device: Any = None,  # noqa: A002
        requires_grad: bool = False,
        **kwargs: Any,
    ) -> Tensor:
        dtype = dtype if dtype is not None else input.dtype
        device = device if device is not None else input.device
        fn = globals()[kind]
        if kind == "full":
            return full(
                tuple(input.shape), args[0], dtype=dtype, device=device, requires_grad=requires_grad
            )
        if kind == "randint":
            return randint(*args, size=tuple(input.shape), dtype=dtype, device=device, **kwargs)
        return fn(
            tuple(input.shape), dtype=dtype, device=device, requires_grad=requires_grad, **kwargs
        )

    make.__name__ = f"{kind}_like"
    make.__doc__ = f"``{kind}`` with the shape, dtype and device of ``input``."
    return make


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` (default 0) up to but excluding ``end`` in steps of ``step``.

    Integers give int64; any float argument gives the default float dtype.
    """
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in vals)
        dt = np.dtype(np.int64) if is_int else backend.default_float_np()
    else:
        dt = backend.to_np_dtype(dtype)
    n = max(math.ceil((vals[1] - vals[0]) / vals[2]), 0)
    xp = backend.xp_for(device)
    data = vals[0] + vals[2] * xp.arange(n, dtype=np.float64 if dt.kind == "f" else np.int64)
    return _finish(data.astype(dt, copy=False), requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    xp = backend.xp_for(device)
    return _finish(xp.linspace(start, end, steps).astype(_float_or(dtype)), requires_grad)


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    xp = backend.xp_for(device)
    return _finish((base ** xp.linspace(start, end, steps)).astype(_float_or(dtype)), requires_grad)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    xp = backend.xp_for(device)
    return _finish(xp.eye(n, m, dtype=_float_or(dtype)), requires_grad)


def _draw(values: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    data = values.astype(_float_or(dtype), copy=False)
    if device is not None and backend.as_device(device).type != "cpu":
        data = backend.to_device(data, device)
    return _finish(data, requires_grad)


def rand(
    *size: Any,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples on [0, 1)."""
    return _draw(_gen(generator).random(_size(size)), dtype, device, requires_grad)


def randn(
    *size: Any,
    generator: Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples."""
    return _draw(_gen(generator).standard_normal(_size(size)), dtype, device, requires_grad)


def randint(
    low: int,
    high: int | None = None,
    size: Any = None,
    *,
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
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    vals = _gen(generator).integers(low, high, _size((size,)))
    dt = backend.to_np_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    data = vals.astype(dt)
    if device is not None and backend.as_device(device).type != "cpu":
        data = backend.to_device(data, device)
    return _finish(data, requires_grad)


def randperm(
    n: int, *, generator: Generator | None = None, dtype: Any = None, device: Any = None
) -> Tensor:
    dt = backend.to_np_dtype(dtype) if dtype is not None else np.dtype(np.int64)
    data = _gen(generator).permutation(n).astype(dt)
    if device is not None and backend.as_device(device).type != "cpu":
        data = backend.to_device(data, device)
    return Tensor._wrap(data)


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
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
    shape = _size((size,) if isinstance(size, int) else (tuple(size),))
    if isinstance(s, (int, float)) and s < 0:
        raise ValueError(f"normal expects std >= 0.0, but found std {s}")
    vals = _gen(generator).normal(
        backend.to_host(m) if not isinstance(m, (int, float)) else m,
        backend.to_host(s) if not isinstance(s, (int, float)) else s,
        shape,
    )
    return _draw(vals, dtype, device, requires_grad)


def bernoulli(p: Tensor, *, generator: Generator | None = None) -> Tensor:
    """0/1 samples with probabilities ``p`` (same dtype as ``p``)."""
    draws = _gen(generator).random(p.shape) < backend.to_host(p._data)
    return Tensor._wrap(backend.to_device(draws.astype(p._data.dtype), p.device))


def multinomial(
    probs: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Draw category indices from (unnormalised) row probabilities."""
    rng = _gen(generator)
    p = backend.to_host(probs._data).astype(np.float64)
    rows = p.reshape(-1, p.shape[-1])
    out = np.stack(
        [rng.choice(rows.shape[1], num_samples, replace=replacement, p=r / r.sum()) for r in rows]
    )
    return Tensor._wrap(out.reshape(p.shape[:-1] + (num_samples,)).astype(np.int64))


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
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``like.new_zeros(*args)`` and friends: ``kind`` made with ``like``'s dtype and device."""
    dtype = dtype or like.dtype
    device = device or like.device
    if kind == "tensor":
        return tensor(args[0], dtype=dtype, device=device, requires_grad=requires_grad)
    if kind == "full":
        return full(args[0], args[1], dtype=dtype, device=device, requires_grad=requires_grad)
    make = {"zeros": zeros, "ones": ones, "empty": empty}[kind]
    return make(*args, dtype=dtype, device=device, requires_grad=requires_grad)
