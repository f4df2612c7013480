"""The one seam between nablagrad and the array library.

Every other module gets its array namespace from here: NumPy on the CPU (the default) and
CuPy on NVIDIA GPUs (``device="cuda"``).  Op code never imports numpy or cupy itself; it asks
``get_array_module(array)`` for the namespace that owns an array and calls that, so the same
code runs on either library.

The one elementwise update NumPy cannot do in one pass, ``y = a * x + b * y`` (``axpy_``,
``axpby_``), goes to the BLAS bundled with NumPy (see ``_blas``).

This module also owns nablagrad's dtypes (``nablagrad.float32`` ...), the default dtype and the
``device`` type.

torch computes ``1 / 0``, ``sqrt(-1)`` or ``exp(1000)`` silently as inf and NaN; NumPy warns
("divide by zero encountered ...").  So the NumPy floating-point RuntimeWarnings raised from
nablagrad's own modules are filtered out (a ``warnings`` filter scoped to ``nablagrad.*``: no
cost per op, unlike an ``errstate`` around each, and the user's own NumPy calls still warn; a
filter the user adds later, such as ``simplefilter("error")``, takes precedence).

Example:
    >>> from nablagrad import backend
    >>> xp = backend.get_array_module(backend.np.zeros(3))
    >>> xp.__name__
    'numpy'
"""

from __future__ import annotations

import importlib
import threading
import warnings
from typing import Any

import numpy as np

from ._blas import (
    PRODUCT_THREADS_MIN_MACS,
    axpby_,
    axpy_,
    blas_available,
    blas_threads,
    matmul,
    note_shards,
    shards_running,
)
from ._blas import set_threads as set_blas_threads
from ._blas import single_threaded as single_threaded_blas
from ._gemm import gemm_, gemm_available
from ._scratch import empty as scratch_empty
from ._scratch import sole_view as scratch_sole_view


def ignore_float_warnings() -> None:
    """Filter out NumPy's floating-point RuntimeWarnings raised from nablagrad's modules
    (torch computes inf and NaN silently).  Called once on import; a ``warnings`` filter
    costs nothing per op (an ``errstate`` around each costs ~1.2 us)."""
    warnings.filterwarnings(
        "ignore",
        message=r"(divide by zero|invalid value|overflow|underflow) encountered",
        category=RuntimeWarning,
        module=r"nablagrad(\.|$)",
    )


ignore_float_warnings()

__all__ = [
    "np",
    "get_array_module",
    "xp_for",
    "cupy_available",
    "use_fake_cuda",
    "is_array",
    "along_axis_index",
    "erf",
    "scipy",
    "dtype",
    "to_np_dtype",
    "from_np_dtype",
    "get_default_dtype",
    "set_default_dtype",
    "device",
    "as_device",
    "device_of",
    "to_device",
    "to_host",
    "retain_freed_memory",
    "axpy_",
    "axpby_",
    "scratch_empty",
    "scratch_sole_view",
    "single_threaded_blas",
    "set_blas_threads",
    "LazyKernel",
    "matmul",
    "note_shards",
    "shards_running",
    "PRODUCT_THREADS_MIN_MACS",
    "ignore_float_warnings",
    "gemm_",
    "gemm_available",
    "blas_threads",
    "jit_available",
    "set_jit_enabled",
    "njit",
    "compiled_range",
    "blas_available",
]

_cupy: Any = None
_cupy_checked = False


def _load_cupy() -> Any:
    """Import CuPy once, lazily; ``None`` when it is not installed or finds no GPU."""
    global _cupy, _cupy_checked
    if not _cupy_checked:
        _cupy_checked = True
        try:
            module = importlib.import_module("cupy")
            module.cuda.runtime.getDeviceCount()
            _cupy = module
        except Exception:  # noqa: BLE001 - any failure means "no usable CuPy"
            _cupy = None
    return _cupy


def cupy_available() -> bool:
    """True when CuPy is installed and sees a CUDA device."""
    return _load_cupy() is not None


class use_fake_cuda:  # noqa: N801 - used like a function, as torch.set_grad_enabled
    """Test hook: make ``device="cuda"`` run on ``nablagrad.testing.fake_cupy`` (on the CPU).

    The fake module stands in for CuPy exactly where the seam would select CuPy, and its
    arrays refuse to mix with NumPy arrays where CuPy's do, so device bugs (a host array meeting
    a device array, a NumPy-only call) fail on a machine without a GPU.  Calling it switches
    the "cuda" array library; used as a context manager it switches back on exit.
    ``use_fake_cuda(False)`` instead makes "cuda" unavailable, as on a machine without a GPU,
    even where CuPy sees one.  Tests use it through the ``device`` fixture in
    ``tests/conftest.py``; it is not for real work.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad import backend
        >>> with backend.use_fake_cuda():
        ...     x = torch.ones(2, device="cuda")
        ...     (x.device, float(x.sum()))
        (device(type='cuda', index=0), 2.0)
    """

    def __init__(self, enable: bool = True) -> None:
        global _cupy, _cupy_checked
        self._saved = (_cupy, _cupy_checked)
        if enable:
            from .testing import fake_cupy

            _cupy, _cupy_checked = fake_cupy, True
        else:
            _cupy, _cupy_checked = None, True  # checked, and nothing found

    def __enter__(self) -> use_fake_cuda:
        return self

    def __exit__(self, *exc: Any) -> None:
        global _cupy, _cupy_checked
        _cupy, _cupy_checked = self._saved


def scipy(submodule: str) -> Any:
    """``scipy.<submodule>`` (imported on first use), for host-only algorithms: the FFT fast
    path of CPU convolutions, sparse co-occurrence matrices, word2vec's CPU kernel.  The one
    place that imports SciPy; ``None`` when SciPy is not installed.

    Example:
        >>> from nablagrad import backend
        >>> float(backend.scipy("special").expit(0.0))
        0.5
    """
    try:
        return importlib.import_module(f"scipy.{submodule}")
    except ImportError:  # pragma: no cover - scipy is a dependency
        return None


def _special(xp: Any) -> Any:
    """SciPy's special functions for the array namespace ``xp`` (cupyx's on CuPy)."""
    if xp is np:
        return scipy("special")
    if getattr(xp, "IS_FAKE", False):
        return xp._scipy_special()
    return importlib.import_module("cupyx.scipy.special")


def erf(x: Any) -> Any:
    """The error function of an array, on its device (SciPy on NumPy, cupyx on CuPy)."""
    return special_module(x).erf(x)


def get_array_module(array: Any) -> Any:
    """The array namespace (``numpy`` or ``cupy``) that owns ``array``."""
    if type(array) is np.ndarray or _cupy is None:
        return np
    if isinstance(array, _cupy.ndarray):
        return _cupy
    return np


def is_array(x: Any) -> bool:
    """True for a NumPy array or an array of the CUDA library (CuPy)."""
    return type(x) is np.ndarray or (_cupy is not None and isinstance(x, _cupy.ndarray))


def storage_root(array: Any) -> Any:
    """The array that owns ``array``'s memory: its ``base`` chain followed up through views
    (and through the holder object NumPy's ``as_strided`` puts between a view and its array),
    stopping at an array whose base is not an array (a shared-memory block, bytes)."""
    root = array
    while True:
        base = getattr(root, "base", None)
        if is_array(base):
            root = base
        elif hasattr(base, "__array_interface__") and is_array(getattr(base, "base", None)):
            root = base.base
        else:
            return root


def storage_bytes(array: Any) -> Any:
    """The whole memory of ``array``'s owner (``storage_root``) as a 1-D uint8 array: the
    bytes torch's ``untyped_storage()`` covers."""
    root = storage_root(array)
    if not root.flags.c_contiguous:
        if not root.flags.f_contiguous:
            raise RuntimeError(
                "untyped_storage(): this tensor's memory is owned by an array with gaps (a "
                "strided view made outside nablagrad): call .contiguous() first"
            )
        root = root.T
    return root.reshape(-1).view(np.uint8)


def view_bytes(data: Any, dtype: Any, shape: tuple, strides: tuple, offset: int) -> Any:
    """An array of ``dtype`` over the uint8 array ``data`` (a storage's bytes), starting
    ``offset`` elements in, with element ``strides``; raises when it does not fit."""
    dtype = np.dtype(dtype)
    item = dtype.itemsize
    need = offset + 1 + sum((n - 1) * st for n, st in zip(shape, strides)) if all(shape) else 0
    if offset < 0 or any(n < 0 for n in shape) or any(st < 0 for st in strides):
        raise RuntimeError("set_: sizes, strides and the storage offset must be non-negative")
    if need * item > data.size:
        raise RuntimeError(
            f"setStorage: sizes {list(shape)}, strides {list(strides)}, storage offset "
            f"{offset}, and itemsize {item} requiring a storage size of {need * item} are out "
            f"of bounds for storage of size {data.size} (nablagrad does not grow a storage)"
        )
    start = min(offset * item, data.size)
    count = (data.size - start) // item
    typed = data[start : start + count * item].view(dtype)
    xp = get_array_module(data)
    return xp.lib.stride_tricks.as_strided(typed, shape, tuple(st * item for st in strides))


def data_pointer(array: Any) -> int:
    """The address of an array's first element (NumPy's array interface, CuPy's
    ``MemoryPointer.ptr``): how views of one memory are placed relative to each other."""
    if type(array) is np.ndarray:
        return array.__array_interface__["data"][0]
    return array.data.ptr


def along_axis_index(index: Any, axis: int) -> tuple:
    """The advanced index that addresses ``out[i][index[i][j][k]][k]`` (for ``axis=1``): an
    open grid of ``arange`` views with ``index`` at ``axis``, for ``xp.add.at`` and friends.

    Built from ``arange`` because CuPy's ``indices`` has no ``sparse`` argument.
    """
    xp = get_array_module(index)
    nd = index.ndim
    grid = [
        xp.arange(n).reshape((1,) * i + (n,) + (1,) * (nd - i - 1))
        for i, n in enumerate(index.shape)
    ]
    grid[axis] = index
    return tuple(grid)


def multiply_at(out: Any, index: Any, values: Any) -> None:
    """``numpy.multiply.at(out, index, values)`` on either array library: ``out[index] *=
    values``, a position named several times multiplied by each of its values in turn;
    ``index`` has one integer array per axis of ``out`` (as ``along_axis_index`` builds).

    CuPy has ``add.at`` but no ``multiply.at``; there the values are sorted by position and
    applied in rounds, the k-th value of every position in round k (positions distinct within
    a round, so a plain indexed multiply is exact).

    Example:
        >>> out = np.ones(3)
        >>> multiply_at(out, (np.array([0, 2, 0]),), np.array([2.0, 3.0, 5.0]))
        >>> out.tolist()
        [10.0, 1.0, 3.0]
    """
    xp = get_array_module(out)
    if xp is np:
        np.multiply.at(out, index, values)
        return
    parts = xp.broadcast_arrays(*(index if isinstance(index, tuple) else (index,)))
    pos = xp.ravel_multi_index(tuple(parts), out.shape).ravel()
    if pos.size == 0:
        return
    vals = xp.broadcast_to(xp.asarray(values, dtype=out.dtype), parts[0].shape).ravel()
    order = xp.argsort(pos)
    pos, vals = pos[order], vals[order]
    first = xp.empty(pos.size, dtype=bool)
    first[0] = True
    first[1:] = pos[1:] != pos[:-1]
    starts = xp.nonzero(first)[0]
    rank = xp.arange(pos.size) - starts[xp.cumsum(first) - 1]
    work = out if out.flags.c_contiguous else xp.ascontiguousarray(out)
    flat = work.reshape(-1)  # a view of ``work``
    for k in range(int(rank.max()) + 1):
        sel = rank == k
        flat[pos[sel]] *= vals[sel]
    if work is not out:
        out[...] = work


# ---------------------------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------------------------


class dtype:  # noqa: N801 - named like torch.dtype
    """A nablagrad dtype: a name plus the NumPy dtype that stores it.

    ``is_floating_point`` and ``itemsize`` follow ``torch.dtype``.
    """

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "category")

    def __init__(self, name: str, np_dtype: Any, category: int) -> None:
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category  # 0 bool, 1 integer, 2 floating point
        self.is_floating_point = category == 2
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return f"nablagrad.{self.name}"

    def __reduce__(self) -> tuple:
        return (_dtype_by_name, (self.name,))


float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
bool_ = dtype("bool", np.bool_, 0)

_ALL_DTYPES = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)
_BY_NP = {d.np: d for d in _ALL_DTYPES}
_BY_NAME = {d.name: d for d in _ALL_DTYPES}
_ALIASES = {
    "half": float16,
    "float": float32,
    "double": float64,
    "short": int16,
    "int": int32,
    "long": int64,
    "bool_": bool_,
}
_BY_NAME.update(_ALIASES)

_default_float = float32


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


def to_np_dtype(d: Any) -> np.dtype:
    """The NumPy dtype for a nablagrad dtype, a NumPy dtype, a Python type or a name.

    Raises ``TypeError`` naming the accepted spellings for anything else.
    """
    if type(d) is dtype:
        return d.np
    if d is float:
        return _default_float.np
    if d is int:
        return np.dtype(np.int64)
    if d is bool:
        return np.dtype(np.bool_)
    if isinstance(d, str):
        name = d.removeprefix("torch.").removeprefix("nablagrad.")
        if name in _BY_NAME:
            return _BY_NAME[name].np
        raise TypeError(
            f"unknown dtype {d!r}: use one of "
            + ", ".join(sorted(k for k in _BY_NAME if "_" not in k))
            + " (e.g. nablagrad.float32)"
        )
    try:
        npd = np.dtype(d)
    except TypeError:
        raise TypeError(f"unknown dtype {d!r}: pass e.g. nablagrad.float32 or 'float64'") from None
    if npd not in _BY_NP:
        raise TypeError(f"dtype {npd} is not supported by nablagrad: use one of {list(_BY_NAME)}")
    return npd


def from_np_dtype(npd: Any) -> dtype:
    """The nablagrad dtype that stores NumPy dtype ``npd``."""
    try:
        return _BY_NP[npd]
    except KeyError:
        raise TypeError(f"NumPy dtype {npd} has no nablagrad equivalent") from None


def get_default_dtype() -> dtype:
    """The dtype given to floating-point tensors made from Python floats (``float32``)."""
    return _default_float


def set_default_dtype(d: Any) -> None:
    """Set the default floating-point dtype (``float32`` or ``float64``), as in torch."""
    global _default_float
    npd = to_np_dtype(d)
    if npd.kind != "f":
        raise TypeError(f"set_default_dtype needs a floating-point dtype, got {npd}")
    _default_float = _BY_NP[npd]


def default_float_np() -> np.dtype:
    """NumPy dtype of the current default float dtype."""
    return _default_float.np


# ---------------------------------------------------------------------------------------------
# memory formats
# ---------------------------------------------------------------------------------------------


class memory_format:  # noqa: N801 - named like torch.memory_format
    """How a tensor's elements are laid out in memory, as torch's: ``contiguous_format``
    (row-major), ``channels_last`` (a 4-D tensor's strides in N, H, W, C order),
    ``channels_last_3d`` (5-D: N, D, H, W, C) and ``preserve_format`` (the source's layout,
    for ``clone`` and ``to``).  The values never change, only the strides.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.zeros(2, 3, 4, 5).contiguous(memory_format=torch.channels_last)
        >>> x.stride(), x.is_contiguous(memory_format=torch.channels_last)
        ((60, 1, 15, 3), True)
    """

    __slots__ = ("name", "axes")

    def __init__(self, name: str, axes: tuple | None) -> None:
        self.name = name
        self.axes = axes  # the axes from outermost to innermost in memory, for channels_last*

    def __repr__(self) -> str:
        return f"nablagrad.{self.name}"


contiguous_format = memory_format("contiguous_format", None)
preserve_format = memory_format("preserve_format", None)
channels_last = memory_format("channels_last", (0, 2, 3, 1))
channels_last_3d = memory_format("channels_last_3d", (0, 2, 3, 4, 1))


def format_strides(shape: tuple, fmt: memory_format) -> tuple:
    """The element strides torch gives a new tensor of ``shape`` in memory format ``fmt``,
    size-1 and size-0 dims included: row-major (a dim of size 0 counts as 1), or
    channels-last (the raw products of the inner sizes, as torch's
    ``get_channels_last_strides_2d``: ``(2, 3, 1, 1)`` gives ``(3, 1, 3, 3)``)."""
    shape = tuple(int(n) for n in shape)
    axes = fmt.axes
    if axes is None:
        axes, grow = tuple(range(len(shape))), lambda n: max(n, 1)
    else:
        if len(shape) != len(axes):
            raise RuntimeError(f"required rank {len(axes)} tensor to use {fmt.name} format")
        grow = int
    strides = [0] * len(shape)
    step = 1
    for a in reversed(axes):
        strides[a] = step
        step *= grow(shape[a])
    return tuple(strides)


def element_strides(shape: tuple, strides: tuple, itemsize: int) -> tuple:
    """The element strides torch reports for an array of ``shape`` with byte ``strides``
    (``Tensor.stride()``).  They are the array's own, except where NumPy's choice for a dim
    that addresses no second element differs from torch's: NumPy gives a new axis
    (``x[:, None]``, ``broadcast_to``) stride 0 and an array without elements all-zero
    strides, where torch gives a size-1 dim the extent of the dim inside it (its size times
    its stride, 1 for the last dim: ``unsqueeze``'s rule) and a new tensor without elements
    row-major strides (a size-0 dim counting as 1).  A size-1 dim whose stride torch itself
    left at 0 (slicing one row of an expanded tensor) reads as the extent too.

    Example:
        >>> from nablagrad import backend
        >>> backend.element_strides((3, 1, 4), (32, 0, 8), 8)  # x[:, None] of a (3, 4) array
        (4, 4, 1)
        >>> backend.element_strides((2, 0), (0, 0), 8)
        (1, 1)
    """
    st = [s // itemsize for s in strides]
    if 1 not in shape and 0 not in shape:
        return tuple(st)
    if 0 in shape and not any(st):
        return format_strides(shape, contiguous_format)
    for d in reversed(range(len(st))):
        if shape[d] == 1 and st[d] == 0:
            st[d] = shape[d + 1] * st[d + 1] if d + 1 < len(st) else 1
    return tuple(st)


def view_strides(shape: tuple, strides: tuple, new_shape: tuple) -> tuple | None:
    """The strides of ``new_shape`` viewing the elements of a tensor of ``shape`` and element
    ``strides`` without a copy, or None when no view can (torch's ``computeStride``, which
    decides whether ``Tensor.view`` works: each run of dims that is contiguous in memory must
    split into whole dims of the new shape).

    Example:
        >>> from nablagrad import backend
        >>> backend.view_strides((2, 3), (3, 1), (3, 2)), backend.view_strides((3, 2), (1, 3), (6,))
        ((2, 1), None)
    """
    if not shape:
        return (1,) * len(new_shape)
    if 0 in shape:
        return tuple(strides) if tuple(new_shape) == tuple(shape) else None
    out = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    base = strides[-1]  # the stride of the innermost dim of the current contiguous run
    tensor_numel = view_numel = 1
    for d in reversed(range(len(shape))):
        tensor_numel *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != tensor_numel * base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                out[view_d] = view_numel * base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                base, tensor_numel, view_numel = strides[d - 1], 1, 1
    return tuple(out) if view_d == -1 else None


def is_contiguous_as(shape: tuple, strides: tuple, fmt: memory_format) -> bool:
    """torch's ``is_contiguous(memory_format=fmt)`` for a channels-last format: walking the
    dims from innermost to outermost, every dim whose size is not 1 has the stride of the
    elements inside it (no shortcut for zero-size tensors, unlike row-major)."""
    axes = fmt.axes
    if axes is None or len(shape) != len(axes):
        return False
    expected = 1
    for a in reversed(axes):
        if shape[a] != 1:
            if strides[a] != expected:
                return False
            expected *= shape[a]
    return True


def suggest_memory_format(shape: tuple, strides: tuple) -> memory_format:
    """torch's ``suggest_memory_format``: ``channels_last`` (4-D) or ``channels_last_3d``
    (5-D) when the strides rank the dims as that format does (no size-0 dim; a stride-0 or
    ambiguous channel dim, as in N111, counts as row-major), else ``contiguous_format``."""
    for fmt in (channels_last, channels_last_3d):
        axes = fmt.axes
        if len(shape) != len(axes) or strides[1] == 0:
            continue
        least, like = 0, True
        for a in reversed(axes):
            if shape[a] == 0 or strides[a] < least or (a == 0 and least == strides[1]):
                like = False
                break
            least = strides[a] * (shape[a] if shape[a] > 1 else 1)
        if like:
            return fmt
    return contiguous_format


def stride_order(shape: tuple, strides: tuple) -> tuple[list, bool]:
    """(the dims from innermost to outermost, whether that order is not unique): torch's
    insertion sort of the dims by stride, which leaves stride-0 dims and equal strides in
    place (a tie puts the smaller dim inside).  ``dense_strides`` and ``Tensor.dim_order``
    (torch's ``infer_dense_strides`` and ``dim_order``) share it."""
    n = len(shape)
    perm = list(reversed(range(n)))  # innermost first

    def after(d0: int, d1: int) -> int:  # 1: d0 lies outside d1, -1: inside, 0: unknown
        s0, s1 = strides[d0], strides[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return 1 if s0 > s1 else -1
        return 1 if shape[d0] > shape[d1] else 0

    for i in range(1, n):
        d1 = i
        for d0 in reversed(range(i)):
            c = after(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm, any(after(perm[i], perm[i + 1]) != -1 for i in range(n - 1))


def dense_strides(shape: tuple, strides: tuple) -> tuple:
    """Strides of a gap-free layout that keeps the order of ``strides`` (torch's
    ``infer_dense_strides``, used to copy a sliced or expanded tensor with
    ``preserve_format``): the dims in ``stride_order``, packed."""
    out, step = [0] * len(shape), 1
    for a in stride_order(shape, strides)[0]:
        out[a] = step
        if shape[a] > 1:
            step *= shape[a]
    return tuple(out)


def empty_strided(xp: Any, shape: tuple, strides: tuple, dtype: Any) -> Any:
    """An uninitialised array of ``shape`` with element ``strides`` over a fresh buffer just
    large enough for them (NumPy or CuPy, as ``xp``)."""
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in shape)
    span = 1 + sum((n - 1) * s for n, s in zip(shape, strides)) if all(shape) else 0
    buf = xp.empty(span, dtype=dtype)
    return xp.lib.stride_tricks.as_strided(buf, shape, tuple(s * dtype.itemsize for s in strides))


# ---------------------------------------------------------------------------------------------
# devices
# ---------------------------------------------------------------------------------------------


class device:  # noqa: N801 - named like torch.device
    """Where a tensor's memory lives: ``device("cpu")`` or ``device("cuda", 0)``."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError(f"device must be a string like 'cpu' or 'cuda:0', got {type!r}")
        if not type:
            raise RuntimeError("Device string must not be empty")
        if ":" in type:
            kind, idx = type.split(":", 1)
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}': expected e.g. 'cuda:0'")
            type, index = kind, int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {type} "
                "(nablagrad runs on 'cpu' and, with CuPy, 'cuda')"
            )
        self.type = type
        self.index = index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self) -> int:
        return hash((self.type, self.index or 0))

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __enter__(self) -> device:
        """``with torch.device("cuda"):``: factories without ``device=`` create tensors here."""
        _DEVICE_STACK.append(_default_device[0])
        _default_device[0] = self
        return self

    def __exit__(self, *exc: Any) -> None:
        _default_device[0] = _DEVICE_STACK.pop()


CPU = device("cpu")
_default_device = [CPU]  # torch.set_default_device; `with device(...)` pushes onto the stack
_DEVICE_STACK: list = []


def set_default_device(d: Any) -> None:
    """torch's ``set_default_device``: where factories put tensors when not told (None: CPU)."""
    _default_device[0] = CPU if d is None else as_device(d)


def get_default_device() -> device:
    """The device factories use when no ``device=`` is given (``torch.get_default_device``)."""
    return _default_device[0]


def as_device(d: Any) -> device:
    """Normalise a device spelling (``None``, ``"cpu"``, ``"cuda:0"``, ``device``)."""
    if d is None:
        return _default_device[0]
    return d if isinstance(d, device) else device(d)


def xp_for(d: Any) -> Any:
    """The array namespace for a device; a clear error when CUDA is asked for but absent."""
    dev = as_device(d)
    if dev.type == "cpu":
        return np
    cp = _load_cupy()
    if cp is None:
        raise RuntimeError(
            "device='cuda' needs CuPy and an NVIDIA GPU: install cupy-cuda12x "
            "(pip install cupy-cuda12x) on a machine with CUDA, or use device='cpu'"
        )
    return cp


def device_of(array: Any) -> device:
    """The device an array lives on."""
    if type(array) is np.ndarray or _cupy is None or not isinstance(array, _cupy.ndarray):
        return CPU
    return device("cuda", int(array.device.id))


def to_device(array: Any, d: Any) -> Any:
    """Copy ``array`` to device ``d`` (no copy when it is already there)."""
    dev = as_device(d)
    if dev.type == "cpu":
        return to_host(array)
    cp = xp_for(dev)
    with cp.cuda.Device(dev.index or 0):
        return cp.asarray(array)


def to_host(array: Any) -> np.ndarray:
    """A NumPy array with the values of ``array`` (a CuPy array is copied to the host)."""
    if type(array) is np.ndarray:
        return array
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return _cupy.asnumpy(array)
    return np.asarray(array)


def retain_freed_memory(nbytes: int = 256 << 20) -> bool:
    """Ask glibc's malloc to keep up to ``nbytes`` of freed heap memory for reuse (opt-in).

    By default glibc hands large freed blocks back to the OS (``munmap`` / heap trimming), so
    every step of a training loop that allocates megabyte-sized temporaries (im2col columns,
    FFT spectra) touches fresh pages again: measured at up to ~40% of a Conv2d step on a
    2-core VM (thousands of page faults per call).  This sets ``M_MMAP_THRESHOLD`` and
    ``M_TRIM_THRESHOLD`` so such blocks stay in the heap.  It is process-wide (it also affects
    every other library in the process) and costs resident memory that is not given back, so
    nablagrad never calls it itself.  Returns False where it does not apply (no glibc).

    Example:
        >>> from nablagrad import backend
        >>> backend.retain_freed_memory() in (True, False)
        True
    """
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    nbytes = int(min(max(nbytes, 128 << 10), 2**31 - 1))
    ok_mmap = mallopt(m_mmap_threshold, min(nbytes, 32 << 20))
    ok_trim = mallopt(m_trim_threshold, nbytes)
    return bool(ok_mmap and ok_trim)


def storage_offset(array: Any) -> int:
    """The offset of ``array``'s first element in its owner's memory (``storage_root``), in
    elements (torch's ``storage_offset``), for NumPy and CuPy arrays.

    Example:
        >>> storage_offset(np.arange(6.0).reshape(2, 3)[1:])
        3
    """
    root = storage_root(array)
    if type(array) is np.ndarray:
        start, here = root.__array_interface__["data"][0], array.__array_interface__["data"][0]
    else:
        start, here = root.data.ptr, array.data.ptr
    return (here - start) // array.itemsize


def writeable(array: Any) -> bool:
    """Whether ``array`` may be written in place: NumPy's ``flags.writeable`` (False for
    broadcast views and read-only memory).  CuPy arrays have no such flag and are always
    writable, so there a view in which one memory slot holds several elements (a zero stride
    over a dimension longer than 1, as ``expand`` makes) counts as not writeable, as in torch;
    an empty array is always writeable (nothing is written).

    Example:
        >>> writeable(np.zeros(3)), writeable(np.broadcast_to(np.zeros(1), (3,)))
        (True, False)
    """
    if type(array) is np.ndarray:
        return array.flags.writeable
    return array.size == 0 or all(s or n <= 1 for s, n in zip(array.strides, array.shape))


def errstate(**kwargs: str) -> Any:
    """``numpy.errstate(**kwargs)`` for code that runs on either array library: NumPy's
    floating-point warnings are set as asked; CuPy has no ``errstate`` (its kernels never warn),
    so on CUDA arrays the context changes nothing.

    Example:
        >>> with errstate(divide="ignore"):
        ...     float(np.float64(1.0) / np.float64(0.0))
        inf
    """
    return np.errstate(**kwargs)


def special_module(array: Any) -> Any:
    """The special functions for ``array``: ``scipy.special`` or ``cupyx.scipy.special`` (the
    fake CUDA device's stand-in under ``use_fake_cuda``)."""
    return _special(get_array_module(array))


# ---------------------------------------------------------------------------------------------
# compiled kernels (optional Numba)
# ---------------------------------------------------------------------------------------------

_numba: Any = None
_numba_checked = False
_jit_enabled = True


def jit_available() -> bool:
    """Whether compiled CPU kernels can be used: Numba is installed (``pip install
    nablagrad[jit]``) and ``set_jit_enabled(False)`` is not in force.  Every kernel has a
    NumPy fallback with the same results (to rounding)."""
    global _numba, _numba_checked
    if not _jit_enabled:
        return False
    if not _numba_checked:
        _numba_checked = True
        try:
            _numba = importlib.import_module("numba")
        except Exception:  # noqa: BLE001 - any import failure means "no Numba"
            _numba = None
    return _numba is not None


def set_jit_enabled(enabled: bool) -> bool:
    """Turn compiled kernels on or off for the whole process (tests compare both paths);
    returns the previous setting."""
    global _jit_enabled
    old, _jit_enabled = _jit_enabled, bool(enabled)
    return old


# reassociation and contraction let reductions vectorise; no "no NaN / no inf" assumptions, so
# a diverging run gives inf and NaN as NumPy does
_FASTMATH = {"reassoc", "contract", "nsz", "arcp", "afn"}


def njit(fn: Any, exact: bool = False, parallel: bool = False) -> Any:
    """Compile ``fn`` with Numba (``nogil``, vectorising float math, NumPy's error model,
    cached on disk) on first call; callers check ``jit_available()`` first and keep a NumPy
    path.  ``exact``: no fast-math flags (every operation rounded as written, libm's
    functions), for kernels that must give the same bits as another implementation.
    ``parallel``: its ``numba.prange`` loops run on Numba's threads (see
    ``parallel.compiled_threads``); Numba's disk cache does not tell the two compilations of
    one function apart, so a kernel compiled both ways must be two functions (a factory's
    closures over different values, as ``_conv_direct_jit._flat_kernels``)."""
    if not jit_available():
        raise RuntimeError("njit: Numba is not available (pip install numba)")
    fastmath: Any = False if exact else _FASTMATH
    _register_prefer_wide_vectors()
    return _numba.njit(
        nogil=True, fastmath=fastmath, error_model="numpy", cache=True, parallel=parallel
    )(fn)


def compiled_range() -> Any:
    """``numba.prange`` (the loop a ``parallel`` kernel splits between Numba's threads; a
    plain ``range`` in a kernel compiled without ``parallel``); ``range`` without Numba."""
    return _numba.prange if jit_available() else range


def prefer_wide_vectors() -> None:
    """Called first thing in a compiled kernel: let LLVM vectorise it with the CPU's widest
    registers (the function attribute ``"prefer-vector-width"="512"``, clang's
    ``-mprefer-vector-width=512``).  LLVM otherwise keeps to 256-bit vectors on every Intel
    CPU with AVX-512, for fear of the clock drop that 512-bit instructions cost the first
    such CPUs; on CPUs without AVX-512 the attribute changes nothing.  Measured, one thread,
    batch 64, forward + backward: on an Intel Xeon (Emerald Rapids) Conv2d 6x14x14 -> 16 (k5)
    1.75 -> 1.25 ms, 16x14x14 -> 16 (k5, pad 2) 4.65 -> 3.63 ms; on a Skylake-SP Xeon (the
    first AVX-512 server CPU, whose clock does drop) the same rows of ``bench_conv.py`` 1.00-1.16
    -> 0.77 and 1.47-1.50 -> 1.10 of PyTorch's time, the Winograd products alone 3.6 -> 2.4
    ms.  In plain Python (no Numba, or the kernel run uncompiled) it does nothing.

    Example:
        >>> prefer_wide_vectors() is None
        True
    """
    return None


_vector_registers: int | None = None


def vector_registers() -> int:
    """How many SIMD registers the compiled kernels get: 32 where Numba compiles for AVX-512
    (the host CPU's features, or Numba's ``NUMBA_CPU_FEATURES`` where set) and on 64-bit ARM,
    16 elsewhere (AVX2 and older x86-64).  Kernels that hold many values across their inner
    loop size their blocks by it: the direct convolution's weight-gradient sums (15 or 20
    accumulators with three or four output channels per pass) spill to memory with 16
    registers, every spilled sum a store and a load on its loop-carried chain.  Measured on
    an AMD EPYC (Zen 3, AVX2), 1 thread, batch 64, backward, in-process A/B: LeNet-5's 1->6
    layer 1.06 -> 0.75 ms with pairs instead of fours, its 6->16 layer 1.35 -> 1.13 ms with
    pairs instead of threes.  Found once per process (16 without Numba).

    Example:
        >>> vector_registers() in (16, 32)
        True
    """
    global _vector_registers
    if _vector_registers is None:
        _vector_registers = _count_vector_registers()
    return _vector_registers


def _count_vector_registers() -> int:
    import platform

    if platform.machine().lower() in ("aarch64", "arm64"):
        return 32  # NEON and SVE: 32 vector registers
    try:
        from llvmlite import binding
        from numba.core import config
    except Exception:  # noqa: BLE001 - any import failure means "no Numba": nothing compiled
        return 16
    if config.CPU_FEATURES:  # "+avx512f,-avx512vl,...", as Numba passes them to LLVM
        return 32 if "+avx512f" in config.CPU_FEATURES.split(",") else 16
    return 32 if binding.get_host_cpu_features().get("avx512f") else 16


_wide_vectors_registered = False


def _register_prefer_wide_vectors() -> None:
    """Teach Numba ``prefer_wide_vectors``: typed as a call returning None, lowered to
    nothing but the attribute on the function being compiled (``builder.function``).
    llvmlite's attribute set accepts only LLVM's keyword attributes, so the string
    attribute is added as its text; if that ever fails, the kernel compiles without it."""
    global _wide_vectors_registered
    if _wide_vectors_registered:  # callers hold ``_compile_lock`` (``LazyKernel``)
        return
    from numba.core import types
    from numba.core.imputils import lower_builtin
    from numba.core.typing.templates import AbstractTemplate, infer_global, signature

    @infer_global(prefer_wide_vectors)
    class _Typer(AbstractTemplate):
        def generic(self, args: Any, kws: Any) -> Any:
            return signature(types.none) if not args and not kws else None

    @lower_builtin(prefer_wide_vectors)
    def _lower(context: Any, builder: Any, sig: Any, args: Any) -> Any:
        try:
            set.add(builder.function.attributes, '"prefer-vector-width"="512"')
        except Exception:  # noqa: BLE001 - a hint only: compile without it
            pass
        return context.get_dummy_value()

    _wide_vectors_registered = True


def jitable(fn: Any) -> Any:
    """``fn`` callable from Python and, inlined, from compiled kernels (Numba's
    ``register_jitable``): helpers that several kernels share, which also run as plain Python
    (on NumPy arrays or lists) where Numba is missing.  Registered whenever Numba is installed,
    also while ``set_jit_enabled(False)`` is in force, so a kernel compiled later finds it.

    Example:
        >>> def twice(a):
        ...     return 2 * a
        >>> jitable(twice)(3)
        6
    """
    try:
        extending = importlib.import_module("numba.extending")
    except Exception:  # noqa: BLE001 - any import failure means "no Numba", as jit_available
        return fn
    return extending.register_jitable(fn)


_llvm_fma: Any = None


def llvm_fma() -> Any:
    """A Numba intrinsic ``fma(a, b, c)``: ``a * b + c`` rounded once (LLVM's ``llvm.fma``,
    the CPU's fused multiply-add instruction or libm's ``fma``) for three float32 or three
    float64 values, callable from compiled kernels only (set it as a module global before the
    kernel's first call).  Python 3.11's ``math`` has no ``fma``, and Numba does not lower one.

    Example (one intrinsic, built once):
        >>> not jit_available() or llvm_fma() is llvm_fma()
        True
    """
    global _llvm_fma
    if _llvm_fma is None:
        if not jit_available():
            raise RuntimeError("llvm_fma: Numba is not available (pip install numba)")
        from llvmlite import ir
        from numba.core import types
        from numba.extending import intrinsic

        @intrinsic
        def fma(typingctx: Any, a: Any, b: Any, c: Any) -> Any:
            if not (a == b == c and a in (types.float32, types.float64)):
                return None
            lt = ir.FloatType() if a == types.float32 else ir.DoubleType()

            def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
                fnty = ir.FunctionType(lt, [lt, lt, lt])
                f = builder.module.declare_intrinsic("llvm.fma", [lt], fnty)
                return builder.call(f, args)

            return a(a, b, c), codegen

        _llvm_fma = fma
    return _llvm_fma


_llvm_float32_from_bits: Any = None


def llvm_float32_from_bits() -> Any:
    """A Numba intrinsic ``float32_from_bits(i)``: the float32 whose bits are the integer
    ``i``'s low 32 bits (LLVM's ``bitcast``: one register move, vectorised with the loop around
    it), callable from compiled kernels only (set it as a module global before the kernel's
    first call).  Numba has no scalar reinterpretation; an int32 array read back through
    ``.view(np.float32)`` kept a loop that also computed other things from being vectorised.
    Kernels build powers of two 2^k from their exponent bits with it: (k + 127) << 23.

    Example (one intrinsic, built once):
        >>> not jit_available() or llvm_float32_from_bits() is llvm_float32_from_bits()
        True
    """
    global _llvm_float32_from_bits
    if _llvm_float32_from_bits is None:
        if not jit_available():
            raise RuntimeError("llvm_float32_from_bits: Numba is not available (pip install numba)")
        from llvmlite import ir
        from numba.core import types
        from numba.extending import intrinsic

        @intrinsic
        def float32_from_bits(typingctx: Any, i: Any) -> Any:
            if not isinstance(i, types.Integer):
                return None

            def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
                low = args[0]
                if i.bitwidth > 32:
                    low = builder.trunc(low, ir.IntType(32))
                elif i.bitwidth < 32:
                    low = builder.zext(low, ir.IntType(32))
                return builder.bitcast(low, ir.FloatType())

            return types.float32(i), codegen

        _llvm_float32_from_bits = float32_from_bits
    return _llvm_float32_from_bits


_compile_lock = threading.Lock()


class LazyKernel:
    """``fn`` compiled by ``njit`` on its first call, so a kernel module imports without Numba
    (callers check ``jit_available()`` before calling).  Compiled once, under a lock: batch
    shards on several threads may make the first call at once.  ``exact``: compiled without
    fast-math (see :func:`njit`).  ``prepare``: called (under the lock) before compiling, to
    set the module globals the kernel reads that need Numba (intrinsics such as
    :func:`llvm_fma`).  ``parallel``: compiled with Numba's ``parallel`` (see :func:`njit`).

    Example (nothing is compiled until the first call):
        >>> def double(a):
        ...     return a * 2
        >>> kernel = LazyKernel(double)
        >>> kernel.fn is double
        True
    """

    def __init__(
        self, fn: Any, exact: bool = False, prepare: Any = None, parallel: bool = False
    ) -> None:
        self.fn = fn
        self.exact = exact
        self.prepare = prepare
        self.parallel = parallel
        self._compiled: Any = None

    def __call__(self, *args: Any) -> Any:
        compiled = self._compiled
        if compiled is None:
            with _compile_lock:
                if self._compiled is None:
                    if self.prepare is not None:
                        self.prepare()
                    self._compiled = njit(self.fn, self.exact, self.parallel)
                compiled = self._compiled
        return compiled(*args)
