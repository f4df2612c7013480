"""Run-time switches that PyTorch scripts call: ``compile`` and deterministic algorithms.

``compile`` returns the model or function unchanged: nablagrad runs eagerly, and the compiled
graph would compute the same values.  Every nablagrad operation is deterministic, so
``use_deterministic_algorithms(True)`` holds by construction; the flag is kept for scripts
that read it back.

Example:
    >>> import nablagrad as torch
    >>> net = torch.nn.Linear(2, 1)
    >>> torch.compile(net) is net
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .parallel import get_num_threads

_deterministic = {"mode": False, "warn_only": False}


def compile(  # noqa: A001 - torch's name
    model: Callable | None = None,
    *,
    fullgraph: bool = False,
    dynamic: bool | None = None,
    backend: str | Callable = "inductor",
    mode: str | None = None,
    options: dict | None = None,
    disable: bool = False,
) -> Any:
    """torch.compile: the model itself (eager execution); ``compile(**kw)`` is a decorator."""
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise RuntimeError(f"compile(): model must be callable, got {type(model).__name__}")
    return model


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the request (nablagrad's operations are deterministic already)."""
    if not isinstance(mode, bool):
        raise RuntimeError(
            f"use_deterministic_algorithms expects a bool, but got {type(mode).__name__}"
        )
    _deterministic.update(mode=mode, warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _deterministic["warn_only"]


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """torch.set_deterministic_debug_mode: ``"default"``/0 turns deterministic algorithms off,
    ``"warn"``/1 on with ``warn_only``, ``"error"``/2 on (nablagrad's ops are deterministic,
    so only the flags change).

    Example:
        >>> import nablagrad as torch
        >>> torch.set_deterministic_debug_mode("warn")
        >>> torch.get_deterministic_debug_mode()
        1
        >>> torch.set_deterministic_debug_mode(0)
    """
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(
                "invalid value of debug_mode, expected one of `default`, `warn`, `error`, but got "
                f"{debug_mode}"
            )
        debug_mode = _DEBUG_MODES[debug_mode]
    elif isinstance(debug_mode, bool) or not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode).__name__}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(
            f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}"
        )
    _deterministic.update(mode=debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    """0 (deterministic algorithms off), 1 (on, warn only) or 2 (on).

    Example:
        >>> import nablagrad as torch
        >>> torch.get_deterministic_debug_mode()
        0
    """
    if not _deterministic["mode"]:
        return 0
    return 1 if _deterministic["warn_only"] else 2


# -- torch's other global switches -------------------------------------------------------------

_switches: dict[str, Any] = {
    "float32_matmul_precision": "highest",
    "warn_always": False,
    "flush_denormal": False,
    "interop_threads": None,
}


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision last set (``"highest"`` by default); NumPy's matmuls
    always run at full float32 precision.

    Example:
        >>> import nablagrad as torch
        >>> torch.get_float32_matmul_precision()
        'highest'
    """
    return _switches["float32_matmul_precision"]


def set_float32_matmul_precision(precision: str) -> None:
    """Record ``"highest"``, ``"high"`` or ``"medium"`` (torch's TF32/bfloat16 hints for CUDA
    matmuls; nablagrad computes float32 matmuls in float32 regardless).  Another value warns
    and changes nothing, as torch does.

    Example:
        >>> import nablagrad as torch
        >>> torch.set_float32_matmul_precision("high")
        >>> torch.get_float32_matmul_precision()
        'high'
        >>> torch.set_float32_matmul_precision("highest")
    """
    if precision not in ("highest", "high", "medium"):
        import warnings

        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
            "setFloat32MatmulPrecision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _switches["float32_matmul_precision"] = precision


def set_flush_denormal(mode: bool) -> bool:
    """torch.set_flush_denormal: whether denormal floats may be flushed to zero.  NumPy has no
    such switch, so the request is recorded and True returned (torch returns whether the CPU
    supports it); computations keep denormals.

    Example:
        >>> import nablagrad as torch
        >>> torch.set_flush_denormal(False)
        True
    """
    _switches["flush_denormal"] = bool(mode)
    return True


def set_warn_always(b: bool) -> None:
    """torch.set_warn_always: warnings torch issues once per process are issued every time
    when True (nablagrad's warnings go through Python's ``warnings`` filters).

    Example:
        >>> import nablagrad as torch
        >>> torch.set_warn_always(False)
        >>> torch.is_warn_always_enabled()
        False
    """
    _switches["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    """Whether ``set_warn_always(True)`` is in effect.

    Example:
        >>> import nablagrad as torch
        >>> torch.is_warn_always_enabled()
        False
    """
    return _switches["warn_always"]


def get_num_interop_threads() -> int:
    """The number of threads for inter-op parallelism: nablagrad runs one op at a time, so the
    value last set, else ``get_num_threads()`` (torch's default is the core count).

    Example:
        >>> import nablagrad as torch
        >>> torch.get_num_interop_threads() >= 1
        True
    """
    if _switches["interop_threads"] is not None:
        return _switches["interop_threads"]
    return get_num_threads()


def set_num_interop_threads(num: int) -> None:
    """Record the inter-op thread count (a positive int).  As torch, it can be set once.

    Example:
        >>> import nablagrad as torch
        >>> torch.set_num_interop_threads(0)
        Traceback (most recent call last):
        RuntimeError: set_num_interop_threads expects a positive integer, got 0
    """
    if isinstance(num, bool) or not isinstance(num, int):
        raise TypeError(
            f"set_num_interop_threads(): argument must be int, not {type(num).__name__}"
        )
    if num <= 0:
        raise RuntimeError(f"set_num_interop_threads expects a positive integer, got {num}")
    if _switches["interop_threads"] is not None:
        raise RuntimeError(
            "Error: cannot set number of interop threads after parallel work has started or "
            "set_num_interop_threads called"
        )
    _switches["interop_threads"] = num


def is_vulkan_available() -> bool:
    """False: nablagrad has no Vulkan backend.

    Example:
        >>> import nablagrad as torch
        >>> torch.is_vulkan_available()
        False
    """
    return False


def init_num_threads() -> None:
    """torch propagates ``set_num_threads`` to a newly started thread with this call.
    nablagrad's thread count (``get_num_threads``) and BLAS's are process-wide, so every
    thread already sees the value set: there is nothing to propagate.

    Example:
        >>> import nablagrad as torch
        >>> torch.init_num_threads() is None
        True
    """
    return None


def is_storage(obj: Any) -> bool:
    """True when ``obj`` is a storage object (``torch.UntypedStorage`` / ``TypedStorage``
    in torch); a tensor is not one.

    Example:
        >>> import nablagrad as torch
        >>> torch.is_storage(torch.ones(2))
        False
    """
    from .storage import TypedStorage, UntypedStorage

    return isinstance(obj, (UntypedStorage, TypedStorage))


_LEGACY_FLOAT_TYPES = {
    "FloatTensor": "float32",
    "DoubleTensor": "float64",
    "HalfTensor": "float16",
    "BFloat16Tensor": "bfloat16",
}


def set_default_tensor_type(t: Any, /) -> None:
    """Deprecated (torch 2.1): sets the default floating dtype from a legacy tensor type,
    ``torch.DoubleTensor`` or the string ``'torch.DoubleTensor'`` (FloatTensor, DoubleTensor,
    HalfTensor); use ``set_default_dtype`` instead.  Warns as torch; non-float types raise
    TypeError; ``torch.cuda.*Tensor`` raises TypeError as torch built without CUDA does
    (nablagrad keeps the default device apart: ``set_default_device``).

    Example:
        >>> import warnings
        >>> import nablagrad as torch
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     torch.set_default_tensor_type(torch.DoubleTensor)
        >>> torch.tensor([1.5]).dtype
        nablagrad.float64
        >>> torch.set_default_dtype(torch.float32)
    """
    import warnings

    from . import backend

    warnings.warn(
        "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
        "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
        UserWarning,
        stacklevel=2,
    )
    if isinstance(t, str):
        name = t
        if name.startswith("torch.cuda."):
            raise TypeError(
                f"type {name} not available. Torch not compiled with CUDA enabled. "
                "(nablagrad: call set_default_dtype() and set_default_device('cuda'))"
            )
        if not name.startswith("torch.") or name.count(".") != 1:
            raise TypeError(
                f"set_default_tensor_type(): unknown type {name!r}: expected a name like "
                "'torch.DoubleTensor'"
            )
        name = name[len("torch.") :]
    elif isinstance(t, type) and getattr(t, "__name__", "").endswith("Tensor"):
        name = t.__name__
    else:
        raise TypeError(
            "invalid type object: only floating-point types are supported as the default type"
        )
    if name not in _LEGACY_FLOAT_TYPES:
        raise TypeError("only floating-point types are supported as the default type")
    dt = _LEGACY_FLOAT_TYPES[name]
    if not hasattr(backend, dt):
        raise TypeError(f"set_default_tensor_type(): nablagrad has no {dt} dtype")
    backend.set_default_dtype(getattr(backend, dt))
