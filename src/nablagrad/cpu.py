"""``nablagrad.cpu``: torch's CPU device module, for device-agnostic code.

As in torch, the CPU is always available and initialised, is one device (``device_count()``
is 1, ``current_device()`` is ``"cpu"``), runs every operation synchronously (so
``synchronize`` and the ``Stream``/``Event`` objects have nothing to wait for) and ignores
``set_device``.  ``nablagrad.cpu.amp`` holds the deprecated ``autocast``/``GradScaler``
spellings (registered by ``nablagrad.amp``).

Example:
    >>> import nablagrad as torch
    >>> torch.cpu.is_available(), torch.cpu.device_count(), torch.cpu.current_device()
    (True, 1, 'cpu')
    >>> s = torch.cpu.Stream()
    >>> with torch.cpu.stream(s):
    ...     torch.cpu.current_stream() is s
    True
"""

from __future__ import annotations

import os
import platform
from collections.abc import Mapping
from contextlib import AbstractContextManager
from functools import lru_cache
from types import MappingProxyType
from typing import Any

# a package path, so that ``import torch.cpu.amp`` finds the namespace ``nablagrad.amp`` registers
__path__: list[str] = []

__all__ = [
    "is_available",
    "is_initialized",
    "synchronize",
    "current_device",
    "current_stream",
    "stream",
    "set_device",
    "device_count",
    "Stream",
    "StreamContext",
    "Event",
    "get_capabilities",
]


def is_available() -> bool:
    """Always True: there is always a CPU."""
    return True


def is_initialized() -> bool:
    """Always True: the CPU needs no initialisation."""
    return True


def synchronize(device: Any = None) -> None:
    """Wait for the CPU's work: every nablagrad operation has finished when it returns, so
    there is nothing to wait for (``device`` is ignored, as in torch: there is one CPU)."""


def current_device() -> str:
    """Always ``"cpu"``."""
    return "cpu"


def set_device(device: Any) -> None:
    """Select the current CPU device: there is only one, so this does nothing (as torch)."""


def device_count() -> int:
    """Always 1."""
    return 1


class Stream:
    """A CPU stream (torch's no-op stand-in: CPU work runs in order on the calling thread)."""

    def __init__(self, priority: int = -1) -> None:
        pass

    def wait_stream(self, stream: Stream) -> None:
        """Nothing to wait for."""

    def record_event(self) -> None:
        """Nothing to record (torch's CPU stream returns None too)."""

    def wait_event(self, event: Event) -> None:
        """Nothing to wait for."""


class Event:
    """A CPU event: always complete."""

    def query(self) -> bool:
        return True

    def record(self, stream: Stream | None = None) -> None:
        pass

    def synchronize(self) -> None:
        pass

    def wait(self, stream: Stream | None = None) -> None:
        pass


_default_cpu_stream = Stream()
_current_stream = _default_cpu_stream


def current_stream(device: Any = None) -> Stream:
    """The stream selected by the innermost :func:`stream` block (else the default one)."""
    return _current_stream


class StreamContext(AbstractContextManager):
    """Select ``stream`` while the block runs (``None`` selects nothing), as torch's."""

    def __init__(self, stream: Stream | None) -> None:
        self.stream = stream
        self.prev_stream = _default_cpu_stream

    def __enter__(self) -> None:
        global _current_stream
        if self.stream is None:
            return
        self.prev_stream = _current_stream
        _current_stream = self.stream

    def __exit__(self, *exc: Any) -> None:
        global _current_stream
        if self.stream is None:
            return
        _current_stream = self.prev_stream


def stream(stream: Stream | None) -> AbstractContextManager:
    """``with torch.cpu.stream(s):`` -- a :class:`StreamContext`."""
    return StreamContext(stream)


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


@lru_cache(None)
def get_capabilities() -> Mapping[str, Any]:
    """An immutable mapping of what the CPU supports, as torch's: ``architecture``, the core
    count and, on Linux, the instruction-set flags torch reports (``avx2``, ``avx512_f``,
    ``fma3``, ``neon`` ...) read from ``/proc/cpuinfo`` (absent elsewhere)."""
    flags = _cpu_flags()
    names = {
        "sse": "sse", "sse2": "sse2", "sse3": "pni", "ssse3": "ssse3", "sse4_1": "sse4_1",
        "sse4_2": "sse4_2", "sse4a": "sse4a", "avx": "avx", "avx2": "avx2",
        "avx_vnni": "avx_vnni", "avx512_f": "avx512f", "avx512_cd": "avx512cd",
        "avx512_dq": "avx512dq", "avx512_bw": "avx512bw", "avx512_vl": "avx512vl",
        "avx512_ifma": "avx512ifma", "avx512_vbmi": "avx512vbmi",
        "avx512_vbmi2": "avx512_vbmi2", "avx512_bitalg": "avx512_bitalg",
        "avx512_vpopcntdq": "avx512_vpopcntdq", "avx512_vnni": "avx512_vnni",
        "avx512_bf16": "avx512_bf16", "avx512_fp16": "avx512_fp16",
        "amx_bf16": "amx_bf16", "amx_tile": "amx_tile", "amx_int8": "amx_int8",
        "fma3": "fma", "fma4": "fma4", "f16c": "f16c", "bmi": "bmi1", "bmi2": "bmi2",
        "popcnt": "popcnt", "lzcnt": "abm", "aes": "aes", "sha": "sha_ni",
        "clflush": "clflush", "clflushopt": "clflushopt", "clwb": "clwb",
        "neon": "asimd", "fp16_arith": "asimdhp", "bf16": "bf16", "i8mm": "i8mm",
        "dot": "asimddp", "sve": "sve", "sve2": "sve2", "atomics": "atomics",
    }  # fmt: skip
    arch = platform.machine().lower()
    is_arm = arch in ("aarch64", "arm64")
    caps: dict[str, Any] = {"architecture": arch}
    if flags:
        for key, flag in names.items():
            if is_arm == (key in ("neon", "fp16_arith", "bf16", "i8mm", "dot", "sve", "sve2",
                                  "atomics")):  # fmt: skip
                caps[key] = flag in flags
    caps["num_logical_cores"] = os.cpu_count() or 1
    return MappingProxyType(caps)
