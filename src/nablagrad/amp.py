"""``torch.amp``: ``GradScaler`` (loss scaling with inf/NaN skipping) and ``autocast``.

``GradScaler`` is torch's algorithm: ``scale(loss)`` multiplies by the scale, ``unscale_``
divides the gradients back and records whether any is inf/NaN, ``step`` skips the optimizer's
step after an overflow, ``update`` halves the scale after an overflow and doubles it after
``growth_interval`` clean steps.  As in torch, a scaler for ``"cuda"`` on a machine without a
GPU warns and disables itself (then every call is a pass-through).

``autocast`` switches nothing in nablagrad, which has no reduced-precision autocasting: a
disabled ``autocast`` (``enabled=False``, or ``device_type="cuda"`` without a GPU, which torch
also disables with a warning) is accepted, an enabled one raises instead of silently computing
in another precision than torch would.

Example:
    >>> import nablagrad as torch
    >>> w = torch.nn.Parameter(torch.ones(2))
    >>> opt = torch.optim.SGD([w], lr=0.5)
    >>> scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    >>> scaler.scale((w * 3).sum()).backward()
    >>> w.grad
    tensor([3072., 3072.])
    >>> scaler.step(opt); scaler.update()
    >>> w
    Parameter containing:
    tensor([-0.5000, -0.5000], requires_grad=True)
"""

from __future__ import annotations

import functools
import math
import sys
import types
import warnings
from typing import Any

from . import backend, cpu, cuda
from .autograd import no_grad
from .tensor import Tensor

__all__ = [
    "GradScaler",
    "autocast",
    "custom_bwd",
    "custom_fwd",
    "is_autocast_available",
    "is_autocast_enabled",
]


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast`` can run on ``device_type`` here: never (see the module docstring)."""
    return False


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """torch's ``torch.is_autocast_enabled([device_type])``: whether an enabled ``autocast``
    region is active, which is never the case here (only its disabled forms run).

    Example:
        >>> import nablagrad as torch
        >>> torch.is_autocast_enabled(), torch.is_autocast_enabled("cpu")
        (False, False)
    """
    if device_type is not None and not isinstance(device_type, str):
        raise TypeError(f"is_autocast_enabled(): device_type must be a str, got {device_type!r}")
    return False


class autocast:  # noqa: N801 - torch's name
    """torch's ``autocast`` context manager / decorator; only its disabled forms run here."""

    def __init__(
        self,
        device_type: str = "cuda",
        dtype: Any = None,
        enabled: bool = True,
        cache_enabled: bool | None = None,
    ) -> None:
        if not isinstance(device_type, str):
            raise ValueError(
                f"Expected `device_type` of type `str`, got: `{type(device_type).__name__}`"
            )
        self.device = device_type
        self.fast_dtype = dtype
        if enabled and device_type == "cuda" and not cuda.is_available():
            warnings.warn(
                "User provided device_type of 'cuda', but CUDA is not available. Disabling",
                UserWarning,
                stacklevel=2,
            )
            enabled = False
        if enabled:
            raise NotImplementedError(
                f"autocast(device_type={device_type!r}) would run matmuls and convolutions in "
                "reduced precision, which nablagrad does not do: pass enabled=False (the same "
                "code then runs in float32), or cast the model and inputs explicitly"
            )
        self._enabled = False

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)

        return wrapper


def _autocast_dtype(device_type: str) -> Any:
    """The dtype an enabled ``autocast`` would use on ``device_type`` (torch's defaults:
    float16 on GPUs; bfloat16 on the CPU, which nablagrad lacks, hence ``None``)."""
    return backend.float16 if device_type in ("cuda", "xpu", "mps", "mtia") else None


def _check_device_type(device_type: Any) -> None:
    if not isinstance(device_type, str):
        raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")


def custom_fwd(fwd: Any = None, *, device_type: str, cast_inputs: Any = None) -> Any:
    """Decorator for the ``forward`` of a custom ``autograd.Function``, as ``torch.amp.custom_fwd``.

    torch records on ``ctx`` whether autocast was on (``ctx._fwd_used_autocast``) and its
    dtype (``ctx._dtype``), and with ``cast_inputs`` casts floating-point inputs and runs
    ``forward`` with autocast off -- but only inside an enabled autocast region.  nablagrad's
    autocast is never enabled (see the module docstring), so ``forward`` runs unchanged, as
    torch's does outside such a region, and ``cast_inputs`` has no effect.

    Example:
        >>> import nablagrad as torch
        >>> class Square(torch.autograd.Function):
        ...     @staticmethod
        ...     @torch.amp.custom_fwd(device_type="cpu", cast_inputs=torch.float32)
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     @torch.amp.custom_bwd(device_type="cpu")
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> x = torch.tensor([3.0], requires_grad=True)
        >>> Square.apply(x).backward()
        >>> x.grad
        tensor([6.])
    """
    _check_device_type(device_type)
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args: Any, **kwargs: Any) -> Any:
        args[0]._dtype = _autocast_dtype(device_type)
        args[0]._fwd_used_autocast = False  # autocast is never enabled in nablagrad
        return fwd(*args, **kwargs)

    return decorate_fwd


def custom_bwd(bwd: Any = None, *, device_type: str) -> Any:
    """Decorator for the ``backward`` of a custom ``autograd.Function``, as
    ``torch.amp.custom_bwd``: runs it under the autocast state its ``forward`` saw (with
    :func:`custom_fwd`; never enabled in nablagrad).  See :func:`custom_fwd` for an example."""
    _check_device_type(device_type)
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(*args: Any, **kwargs: Any) -> Any:
        ctx = args[0]
        if not hasattr(ctx, "_fwd_used_autocast"):
            raise AttributeError(
                "custom_bwd: the Function's forward was not decorated with "
                "torch.amp.custom_fwd (ctx has no attribute '_fwd_used_autocast')"
            )
        with autocast(device_type=device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(*args, **kwargs)

    return decorate_bwd


_READY, _UNSCALED, _STEPPED = 0, 1, 2


class GradScaler:
    """torch's dynamic loss scaler (``torch.amp.GradScaler``); see the module docstring."""

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        self._device = str(backend.as_device(device).type)
        if enabled and self._device == "cuda" and not cuda.is_available():
            warnings.warn(
                "torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  Disabling.",
                UserWarning,
                stacklevel=2,
            )
            enabled = False
        self._enabled = bool(enabled)
        if self._enabled:
            if growth_factor <= 1.0:
                raise ValueError("The growth factor must be > 1.0.")
            if backoff_factor >= 1.0:
                raise ValueError("The backoff factor must be < 1.0.")
        self._scale = float(init_scale)
        self._init_scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict[str, Any]] = {}

    def is_enabled(self) -> bool:
        return self._enabled

    def get_scale(self) -> float:
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        return self._growth_factor

    def get_backoff_factor(self) -> float:
        return self._backoff_factor

    def get_growth_interval(self) -> int:
        return self._growth_interval

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor or nested lists/tuples of tensors) times the current scale."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * self._scale
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def _state(self, optimizer: Any) -> dict[str, Any]:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY, "found_inf": 0})

    def unscale_(self, optimizer: Any) -> None:
        """Divide ``optimizer``'s gradients by the scale (in place), noting infs/NaNs."""
        if not self._enabled:
            return
        state = self._state(optimizer)
        if state["stage"] == _UNSCALED:
            raise RuntimeError(
                "unscale_() has already been called on this optimizer since the last update()."
            )
        if state["stage"] == _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv = 1.0 / self._scale
        found = 0
        with no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    p.grad.mul_(inv)
                    xp = backend.get_array_module(p.grad._data)
                    if not bool(xp.isfinite(p.grad._data).all()):
                        found = 1
        state["found_inf"] = found
        state["stage"] = _UNSCALED

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step()`` on unscaled gradients, skipped when any was inf/NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        state = self._state(optimizer)
        if state["stage"] == _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] == _READY:
            self.unscale_(optimizer)
        retval = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return retval

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Back off after an overflow, grow after ``growth_interval`` clean steps."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale.item() if isinstance(new_scale, Tensor) else new_scale)
        else:
            found = [s["found_inf"] for s in self._per_optimizer.values() if s["stage"]]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(found):
                self._scale *= self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    grown = self._scale * self._growth_factor
                    if math.isfinite(grown):
                        self._scale = grown
                    self._growth_tracker = 0
        self._per_optimizer = {}

    def state_dict(self) -> dict[str, Any]:
        if not self._enabled:
            return {}
        return {
            "scale": self._scale,
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._growth_tracker,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved "
                "from a disabled instance of GradScaler."
            )
        self._init_scale = self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


def _deprecated(kind: str, device_type: str) -> None:
    warnings.warn(
        f"`torch.{device_type}.amp.{kind}(args...)` is deprecated. Please use "
        f"`torch.amp.{kind}('{device_type}', args...)` instead.",
        FutureWarning,
        stacklevel=3,
    )


def _device_namespace(name: str, device_type: str) -> types.ModuleType:
    """``torch.cuda.amp`` / ``torch.cpu.amp``: the legacy spellings, fixed to one device, which
    warn (FutureWarning) as torch's do."""
    mod = types.ModuleType(name, f"torch's legacy ``{name.replace('nablagrad', 'torch')}``.")

    class _Autocast(autocast):
        def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: Any = None):
            _deprecated("autocast", device_type)
            super().__init__(device_type, dtype=dtype, enabled=enabled)

    class _Scaler(GradScaler):
        def __init__(
            self,
            init_scale: float = 2.0**16,
            growth_factor: float = 2.0,
            backoff_factor: float = 0.5,
            growth_interval: int = 2000,
            enabled: bool = True,
        ) -> None:
            _deprecated("GradScaler", device_type)
            super().__init__(
                device_type, init_scale, growth_factor, backoff_factor, growth_interval, enabled
            )

    _Autocast.__name__ = _Autocast.__qualname__ = "autocast"
    _Scaler.__name__ = _Scaler.__qualname__ = "GradScaler"
    mod.autocast = _Autocast  # type: ignore[attr-defined]
    mod.GradScaler = _Scaler  # type: ignore[attr-defined]
    if device_type == "cuda":

        def _fwd(fwd: Any = None, *, cast_inputs: Any = None) -> Any:
            """torch's deprecated ``torch.cuda.amp.custom_fwd``: :func:`custom_fwd` on cuda."""
            warnings.warn(
                "`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
                "`torch.amp.custom_fwd(args..., device_type='cuda')` instead.",
                FutureWarning,
                stacklevel=2,
            )
            return custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)

        def _bwd(bwd: Any = None) -> Any:
            """torch's deprecated ``torch.cuda.amp.custom_bwd``: :func:`custom_bwd` on cuda."""
            warnings.warn(
                "`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
                "`torch.amp.custom_bwd(args..., device_type='cuda')` instead.",
                FutureWarning,
                stacklevel=2,
            )
            return custom_bwd(bwd, device_type="cuda")

        _fwd.__name__ = _fwd.__qualname__ = "custom_fwd"
        _bwd.__name__ = _bwd.__qualname__ = "custom_bwd"
        mod.custom_fwd = _fwd  # type: ignore[attr-defined]
        mod.custom_bwd = _bwd  # type: ignore[attr-defined]
    sys.modules[name] = mod
    return mod


cuda_amp = _device_namespace("nablagrad.cuda.amp", "cuda")
cuda.amp = cuda_amp  # type: ignore[attr-defined]
cpu_amp = _device_namespace("nablagrad.cpu.amp", "cpu")
cpu.amp = cpu_amp  # type: ignore[attr-defined]
