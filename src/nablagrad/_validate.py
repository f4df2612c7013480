"""Argument checks shared by the public functions: one place for dims, sizes, index ranges,
kernel/stride/padding tuples, broadcasting and allocation sizes.

Every public entry point (ops, layers, losses, optimizers, loaders, the CLI) checks its
arguments here before any array call, so bad input gets an error that names the function, the
argument and the fix, with PyTorch's exception type (``TypeError`` for a wrong kind of value,
``IndexError`` for a dimension out of range, ``RuntimeError`` for a value torch rejects at run
time, ``ValueError`` for bad configuration), and never a NumPy traceback or a silent wrong
answer.  A new op gets the checks by calling these helpers.

Example:
    >>> from nablagrad import _validate as V
    >>> V.dim(-1, 3)
    2
    >>> V.ntuple(3, 2, "kernel_size", "max_pool2d", low=1)
    (3, 3)
    >>> V.dim(1.0, 3)
    Traceback (most recent call last):
    TypeError: dim must be an int, got float (1.0): pass an integer dimension such as 0 or -1
"""

from __future__ import annotations

import functools
import math
import operator
import os
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from .backend import get_array_module, np

_INT64_MAX = 2**63 - 1

_P = ParamSpec("_P")
_R = TypeVar("_R")
_NUMPY_NAMES = (("axis", "dim"), ("keepdims", "keepdim"))


def numpy_names(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Accept torch's NumPy-compatible keyword names: ``axis=`` for ``dim=`` and ``keepdims=``
    for ``keepdim=`` (torch's argument parser maps them for every built-in function).

    Example:
        >>> import nablagrad as torch
        >>> torch.stack([torch.ones(2), torch.zeros(2)], axis=1).shape
        nablagrad.Size([2, 2])
    """

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        for alias, name in _NUMPY_NAMES:
            if alias in kwargs:
                if name in kwargs:
                    raise TypeError(
                        f"{fn.__name__}() got both {name}= and its alias {alias}=: pass one"
                    )
                kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return wrapper


def torch_keywords(fn: Callable[_P, _R], names: dict[str, tuple[str, ...]]) -> Callable[_P, _R]:
    """Accept torch's keyword names for ``fn``'s parameters: ``names`` maps a parameter of
    ``fn`` to the names torch's signature gives it (``torch.abs(input=x)``,
    ``torch.mm(input=a, mat2=b)``); the signature shown is torch's.

    Example:
        >>> import nablagrad as torch
        >>> torch.mm(input=torch.eye(2), mat2=torch.ones(2, 2))
        tensor([[1., 1.],
                [1., 1.]])
    """
    import inspect

    alias = {t: ours for ours, theirs in names.items() for t in theirs}

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if kwargs:
            for t in alias.keys() & kwargs.keys():
                ours = alias[t]
                if ours in kwargs:
                    raise TypeError(f"{fn.__name__}() got both {ours}= and {t}=: pass one")
                kwargs[ours] = kwargs.pop(t)
        return fn(*args, **kwargs)

    sig = inspect.signature(fn)
    params = [
        p.replace(name=names[p.name][0]) if p.name in names else p for p in sig.parameters.values()
    ]
    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__torch_keywords__ = alias  # type: ignore[attr-defined]
    return wrapper


def is_int(v: Any) -> bool:
    """An integer that is not a bool (Python int, NumPy integer, or anything with ``__index__``
    such as a 0-d integer tensor)."""
    if type(v) is int:  # the common case, first (validation runs on every op call)
        return True
    if isinstance(v, (bool, np.bool_, float, np.floating)):
        return False
    try:
        operator.index(v)
    except TypeError:
        return False
    return True


def as_int(v: Any, name: str, fn: str | None = None) -> int:
    """``v`` as an int, or a TypeError naming the argument."""
    if not is_int(v):
        where = f"{fn}(): " if fn else ""
        raise TypeError(f"{where}argument '{name}' must be an int, got {type(v).__name__} ({v!r})")
    v = operator.index(v)
    if not -_INT64_MAX - 1 <= v <= _INT64_MAX:
        where = f"{fn}(): " if fn else ""
        raise RuntimeError(
            f"{where}argument '{name}' = {v} cannot be converted to int64 without overflow"
        )
    return v


def dim(d: Any, ndim: int, name: str = "dim", fn: str | None = None) -> int:
    """A dimension index normalised to ``0 <= d < ndim`` (a 0-d tensor accepts 0 and -1)."""
    if not is_int(d):
        where = f"{fn}(): " if fn else ""
        raise TypeError(
            f"{where}{name} must be an int, got {type(d).__name__} ({d!r}): pass an integer "
            "dimension such as 0 or -1"
        )
    d = operator.index(d)
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
        )
    return d % n


def dims(d: Any, ndim: int, name: str = "dim", fn: str | None = None) -> tuple[int, ...]:
    """An int or a sequence of ints as normalised dimensions (duplicates are an error)."""
    if is_int(d):
        seq = (d,)
    elif isinstance(d, (tuple, list)):
        seq = tuple(d)
    else:
        where = f"{fn}(): " if fn else ""
        raise TypeError(
            f"{where}{name} must be an int or a tuple of ints, got {type(d).__name__} ({d!r})"
        )
    out = []
    for v in seq:
        if not is_int(v):
            where = f"{fn}(): " if fn else ""
            raise TypeError(f"{where}{name} must be an int or a tuple of ints, got {d!r}")
        out.append(dim(v, ndim, name, fn))
    if len(set(out)) != len(out):
        raise RuntimeError(f"{name} {d!r} names a dimension twice: list each dimension once")
    return tuple(out)


def shape(size: Any, fn: str, name: str = "size") -> tuple[int, ...]:
    """Sizes given as ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``: non-negative ints."""
    if not size:
        raise TypeError(f"{fn}() missing 1 required positional argument: 'size'")
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    elif len(size) == 1 and hasattr(size[0], "shape") and hasattr(size[0], "tolist"):
        size = tuple(size[0].tolist()) if getattr(size[0], "ndim", 0) else (size[0],)
    out = []
    for s in size:
        if not is_int(s):
            raise TypeError(
                f"{fn}(): argument '{name}' must be a tuple of ints, but found element of type "
                f"{type(s).__name__} ({s!r}) in {tuple(size)!r}"
            )
        out.append(as_int(s, name, fn))
    if any(s < 0 for s in out):
        neg = next(s for s in out if s < 0)
        raise RuntimeError(
            f"{fn}(): Trying to create tensor with negative dimension {neg}: {list(out)}; sizes "
            "must be >= 0"
        )
    return tuple(out)


def _memory_limit() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 2**40


def allocation(shape_: tuple, itemsize: int, fn: str) -> None:
    """Refuse a tensor bigger than the machine's memory before NumPy tries to allocate it."""
    n = math.prod(shape_)
    nbytes = n * itemsize
    # NumPy also refuses shapes whose non-zero sizes overflow, even when one size is 0
    if n > _INT64_MAX or nbytes > _INT64_MAX or math.prod(s for s in shape_ if s) > _INT64_MAX:
        raise RuntimeError(
            f"{fn}(): Storage size calculation overflowed with sizes={list(shape_)}: the tensor "
            "would have more elements than a 64-bit index can count"
        )
    limit = _memory_limit()
    if nbytes > limit:
        raise RuntimeError(
            f"{fn}(): can't allocate memory: a tensor of shape {tuple(shape_)} needs {nbytes} "
            f"bytes but this machine has {limit} bytes of memory; use smaller sizes"
        )


def ntuple(
    value: Any,
    n: int,
    name: str,
    fn: str,
    low: int | None = None,
    high: int | None = None,
) -> tuple[int, ...]:
    """An int or an n-tuple of ints (kernel_size, stride, padding, dilation, output_size) with
    every element in ``[low, high]``."""
    if type(value) is int:
        vals: tuple = (value,) * n
    elif type(value) is tuple and len(value) == n and all(type(v) is int for v in value):
        vals = value  # already what is returned (a module's stored kernel_size, stride ...)
    elif is_int(value):
        vals = (operator.index(value),) * n
    elif isinstance(value, (tuple, list)) and len(value) == n and all(is_int(v) for v in value):
        vals = tuple(operator.index(v) for v in value)
    else:
        raise TypeError(
            f"{fn}(): {name} must be an int or a tuple of {n} ints, got {type(value).__name__} "
            f"({value!r})"
        )
    for v in vals:
        if (low is not None and v < low) or (high is not None and v > high):
            bound = (
                f">= {low}"
                if high is None
                else f"<= {high}"
                if low is None
                else f"in [{low}, {high}]"
            )
            raise RuntimeError(f"{fn}(): {name} must be {bound}, but got {name}={value!r}")
    return vals


def index_range(
    index: Any,
    size: int,
    fn: str,
    axis: int,
    allow_negative: bool = False,
    error: type[Exception] = RuntimeError,
) -> None:
    """Every entry of an integer index array lies in ``[0, size)`` (or ``[-size, size)``);
    else ``error`` (torch's type for ``fn``: IndexError for index_select, index_copy ...)."""
    if index.size == 0:
        return
    xp = get_array_module(index)
    lo, hi = int(xp.min(index)), int(xp.max(index))
    low = -size if allow_negative else 0
    bad = lo if lo < low else hi if hi >= size else None
    if bad is not None:
        raise error(
            f"{fn}(): index {bad} is out of bounds for dimension {axis} with size {size}: "
            f"indices must be in [{low}, {size})"
        )


def broadcast_shapes(shapes: list[tuple], fn: str) -> tuple[int, ...]:
    """The common broadcast shape, or torch's message naming the first mismatching dimension."""
    nd = max((len(s) for s in shapes), default=0)
    out = [1] * nd
    for s in shapes:
        for i, n in enumerate(s):
            j = nd - len(s) + i
            if out[j] == 1:
                out[j] = n
            elif n != 1 and n != out[j]:
                listed = " and ".join(str(tuple(t)) for t in shapes)
                raise RuntimeError(
                    f"{fn}: The size of tensor a ({out[j]}) must match the size of tensor b "
                    f"({n}) at non-singleton dimension {j}: shapes {listed} cannot be broadcast "
                    "together (in each dimension, counting from the last, the sizes must be "
                    "equal or one of them 1; reshape or unsqueeze an operand to line them up)"
                )
    return tuple(out)


def finite(arr: Any, what: str) -> None:
    """Refuse NaN or infinite values (CLI inputs, dataset files)."""
    a = np.asarray(arr)
    if a.dtype.kind in "fc" and not np.isfinite(a).all():
        bad = int((~np.isfinite(a)).sum())
        raise ValueError(
            f"{what} contains {bad} NaN or infinite value(s): clean or impute them first"
        )


def number(
    v: Any,
    name: str,
    fn: str,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    integer: bool = False,
) -> Any:
    """A finite real (or int) configuration value within bounds, or a ValueError naming it."""
    ok_type = is_int(v) if integer else (is_int(v) or isinstance(v, (float, np.floating)))
    if not ok_type:
        kind = "an int" if integer else "a number"
        raise TypeError(f"{fn}: {name} must be {kind}, got {type(v).__name__} ({v!r})")
    x = operator.index(v) if integer else float(v)
    if not math.isfinite(x):
        raise ValueError(f"{fn}: {name} must be finite, got {v!r}")
    if low is not None and (x <= low if low_open else x < low):
        raise ValueError(f"{fn}: {name} must be {'>' if low_open else '>='} {low}, got {v!r}")
    if high is not None and x > high:
        raise ValueError(f"{fn}: {name} must be <= {high}, got {v!r}")
    return x


def nested_sequence(data: Any, fn: str = "tensor") -> None:
    """Raise torch's message for ragged nested lists or non-numeric elements (called when NumPy
    could not turn ``data`` into an array)."""

    def walk(x: Any, depth: int, expect: list) -> None:
        if isinstance(x, (list, tuple)):
            if len(expect) <= depth:
                expect.append(len(x))
            elif expect[depth] is None:  # (torch: TypeError "must be real number")
                raise TypeError(
                    f"{fn}(): expected a number at dim {depth} (got a sequence of length "
                    f"{len(x)}): nested lists must be rectangular"
                )
            elif expect[depth] != len(x):
                raise ValueError(
                    f"{fn}(): expected sequence of length {expect[depth]} at dim {depth} (got "
                    f"{len(x)}): nested lists must be rectangular (pad rows to one length)"
                )
            for v in x:
                walk(v, depth + 1, expect)
        else:
            if len(expect) > depth:
                if expect[depth] is not None:  # (torch: TypeError "not a sequence")
                    raise TypeError(
                        f"{fn}(): expected sequence of length {expect[depth]} at dim {depth} "
                        f"(got a {type(x).__name__}): nested lists must be rectangular"
                    )
            else:
                expect.append(None)
            if isinstance(x, (str, bytes)):
                # torch reads a string that leads the data as one more dimension
                if first is x and depth:
                    raise ValueError(f"too many dimensions '{type(x).__name__}'")
                raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
            if not (isinstance(x, (bool, int, float, complex, np.generic)) or hasattr(x, "item")):
                raise RuntimeError(
                    f"Could not infer dtype of {type(x).__name__}: {fn}() data must be numbers "
                    "or nested lists of numbers"
                )

    first = data
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    walk(data, 0, [])


def like(value: Any, ref: Any, where: str, fix: str) -> None:
    """``value`` has the structure of ``ref``: numbers where numbers are, bools, strings, lists
    of the same length, dicts with (at least) the same keys, arrays of the same shape.  Used to
    refuse a tampered or foreign ``state_dict`` when it is loaded, not at the next ``step()``."""

    def fail(msg: str) -> None:
        raise ValueError(f"{where}: {msg}; {fix}")

    if ref is None:
        return
    if hasattr(ref, "shape") and hasattr(ref, "dtype"):
        if not (hasattr(value, "shape") and hasattr(value, "dtype")):
            fail(f"expected a tensor of shape {tuple(ref.shape)}, got {type(value).__name__}")
        if tuple(value.shape) != tuple(ref.shape):
            fail(f"expected a tensor of shape {tuple(ref.shape)}, got shape {tuple(value.shape)}")
        name = str(value.dtype).rsplit(".", 1)[-1]
        if not name.startswith(("float", "int", "uint", "bool", "half", "double", "long")):
            fail(f"expected a numeric tensor, got dtype {value.dtype}")
        return
    if isinstance(ref, (bool, np.bool_)):
        if not isinstance(value, (bool, np.bool_)):
            fail(f"expected True or False, got {type(value).__name__} ({value!r:.40})")
    elif is_int(ref) or isinstance(ref, (float, np.floating)):
        if not (is_int(value) or isinstance(value, (float, np.floating))):
            fail(f"expected a number, got {type(value).__name__} ({value!r:.40})")
        if math.isnan(float(value)) and not math.isnan(float(ref)):
            fail("expected a number, got nan")
    elif isinstance(ref, str):
        if not isinstance(value, str):
            fail(f"expected a string, got {type(value).__name__} ({value!r:.40})")
    elif isinstance(ref, (list, tuple)):
        if not isinstance(value, (list, tuple)):
            fail(f"expected a list of {len(ref)}, got {type(value).__name__} ({value!r:.40})")
        if len(value) != len(ref):
            fail(f"expected {len(ref)} entries, got {len(value)}")
        for i, (v, r) in enumerate(zip(value, ref)):
            like(v, r, f"{where}[{i}]", fix)
    elif isinstance(ref, dict):
        if not isinstance(value, dict):
            fail(f"expected a dict, got {type(value).__name__} ({value!r:.40})")
        for k, r in ref.items():
            if k not in value:
                fail(f"the key {k!r} is missing")
            like(value[k], r, f"{where}[{k!r}]", fix)
