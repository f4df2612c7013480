"""torch's ``torch.profiler`` for the CPU: time and memory of every op, user ranges, schedules.

``profile`` records what runs inside its ``with`` block (every primitive as ``aten::<op>``,
each backward node as ``autograd::engine::evaluate_function: <Node>``, ``record_function``
ranges); ``key_averages().table()`` prints torch's table; ``schedule`` picks the steps
(``prof.step()``) that are recorded, and ``on_trace_ready`` is told at the end of each active
window.  The recorder is ``nablagrad.autograd.profiler`` (see docs/DESIGN.md).

Example::

    >>> import nablagrad as torch
    >>> from nablagrad.profiler import profile, record_function, ProfilerActivity
    >>> with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    ...     with record_function("model_inference"):
    ...         y = (torch.ones(8, 16) @ torch.ones(16, 4)).relu()
    >>> print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))  # doctest: +SKIP
"""

from __future__ import annotations

import enum
import os
import socket
import time
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from ..autograd.profiler import (
    EventList,
    FunctionEvent,
    FunctionEventAvg,
    Recorder,
    _write_chrome_trace,
    emit_nvtx,
    record_function,
)

__all__ = [
    "EventList",
    "FunctionEvent",
    "FunctionEventAvg",
    "ProfilerAction",
    "ProfilerActivity",
    "emit_nvtx",
    "profile",
    "record_function",
    "schedule",
    "tensorboard_trace_handler",
]


class ProfilerActivity(enum.Enum):
    """What to record: ``CPU`` (ops and user ranges); device kinds are accepted and record
    nothing here, as torch's on a machine without that device."""

    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5

    @property
    def name_str(self) -> str:
        return self.name


def supported_activities() -> set[ProfilerActivity]:
    """The activities this build can record: ``{ProfilerActivity.CPU}``."""
    return {ProfilerActivity.CPU}


class ProfilerAction(enum.Enum):
    """What a step of a ``schedule`` does."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(
    *,
    wait: int,
    warmup: int,
    active: int,
    repeat: int = 0,
    skip_first: int = 0,
    skip_first_wait: int = 0,
) -> Callable[[int], ProfilerAction]:
    """torch's profiler schedule: after ``skip_first`` steps, cycles of ``wait`` idle steps,
    ``warmup`` steps and ``active`` recorded steps (the last one ``RECORD_AND_SAVE``), ``repeat``
    times (0: until the end).  ``skip_first_wait`` drops the wait of the first cycle.

    Example::

        >>> s = schedule(wait=1, warmup=1, active=2, repeat=1)
        >>> [s(i).name for i in range(5)]
        ['NONE', 'WARMUP', 'RECORD', 'RECORD_AND_SAVE', 'NONE']
    """
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise ValueError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
            f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
            f"skip_first={skip_first} (need >= 0)."
        )
    if warmup == 0:
        warnings.warn(
            "Profiler won't be using warmup, this can skew profiler results", stacklevel=2
        )
    cycle = wait + warmup + active

    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise ValueError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        mod = step % cycle
        if mod < wait:
            return ProfilerAction.NONE
        if mod < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return schedule_fn


def _default_schedule_fn(_: int) -> ProfilerAction:
    return ProfilerAction.RECORD


def tensorboard_trace_handler(
    dir_name: str | os.PathLike, worker_name: str | None = None, use_gzip: bool = False
) -> Callable[[profile], None]:
    """An ``on_trace_ready`` callback writing each trace to
    ``dir_name/<worker_name>.<time ms>.pt.trace.json[.gz]`` (worker name ``<host>_<pid>``), the
    files TensorBoard's profiler plugin reads."""
    dir_name = os.fspath(dir_name)

    def handler_fn(prof: profile) -> None:
        os.makedirs(dir_name, exist_ok=True)
        name = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        stamp = time.time_ns() // 1_000_000
        suffix = ".pt.trace.json.gz" if use_gzip else ".pt.trace.json"
        while os.path.exists(os.path.join(dir_name, f"{name}.{stamp}{suffix}")):
            stamp += 1  # two windows in one millisecond: keep both files
        prof.export_chrome_trace(os.path.join(dir_name, f"{name}.{stamp}{suffix}"))

    return handler_fn


class profile:
    """torch's ``torch.profiler.profile`` (CPU activity).

    Args: ``activities`` (default: CPU), ``schedule`` (callable step -> ``ProfilerAction``;
    default: record every step), ``on_trace_ready`` (called with the profiler at the end of each
    active window), ``record_shapes``, ``profile_memory`` (bytes of the arrays each op
    allocates), ``with_stack`` (Python source locations), ``with_flops`` (matmul/linear/conv
    FLOPs), ``with_modules`` (accepted), ``acc_events`` (keep events across windows).
    """

    def __init__(
        self,
        *,
        activities: Iterable[ProfilerActivity] | None = None,
        schedule: Callable[[int], ProfilerAction] | None = None,
        on_trace_ready: Callable[..., Any] | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        with_modules: bool = False,
        experimental_config: Any = None,
        execution_trace_observer: Any = None,
        acc_events: bool = False,
        use_cuda: bool | None = None,
        custom_trace_id_callback: Any = None,
        post_processing_timeout_s: float | None = None,
    ) -> None:
        acts = set(activities) if activities is not None else supported_activities()
        for a in acts:
            if not isinstance(a, ProfilerActivity):
                raise TypeError(
                    f"activities must hold ProfilerActivity values (e.g. ProfilerActivity.CPU), "
                    f"got {a!r}"
                )
        if not acts:
            raise ValueError("No valid profiler activities found (pass ProfilerActivity.CPU)")
        self.activities = acts
        self.record_cpu = ProfilerActivity.CPU in acts
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        self.acc_events = acc_events
        self.schedule = schedule if schedule is not None else _default_schedule_fn
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self._recorder: Recorder | None = None
        self._events: EventList | None = None
        self._step_range: record_function | None = None
        self._metadata: dict[str, str] = {}

    # ------------------------------------------------------------------ context manager
    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def start(self) -> None:
        """Begin profiling (the ``with`` block calls this)."""
        self._transit(None, self.current_action)
        self._open_step()

    def stop(self) -> None:
        """End profiling: close a recording window (telling ``on_trace_ready``)."""
        self._close_step()
        self._transit(self.current_action, None)

    def step(self) -> None:
        """Mark the end of a training step: advance the schedule."""
        self._close_step()
        prev = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        self._transit(prev, self.current_action)
        self._open_step()

    # ------------------------------------------------------------------ the state machine
    def _transit(self, prev: ProfilerAction | None, cur: ProfilerAction | None) -> None:
        A = ProfilerAction
        recording = (A.RECORD, A.RECORD_AND_SAVE)
        if prev is None:  # start
            if cur in recording:
                self._start_trace()
            return
        if cur is None:  # stop
            if prev == A.WARMUP:
                self._start_trace()
                self._stop_trace()
            elif prev in recording:
                self._stop_trace()
                self._trace_ready()
            return
        if prev == A.NONE and cur in recording:
            self._start_trace()
        elif prev == A.WARMUP and cur == A.NONE:
            warnings.warn("Incorrect schedule: WARMUP followed by NONE", stacklevel=3)
            self._start_trace()
            self._stop_trace()
        elif prev == A.WARMUP and cur in recording:
            self._start_trace()
        elif prev == A.RECORD and cur in (A.NONE, A.WARMUP):
            warnings.warn(f"Incorrect schedule: RECORD followed by {cur.name}", stacklevel=3)
            self._stop_trace()
        elif prev == A.RECORD_AND_SAVE and cur != A.NONE and cur != A.WARMUP:
            self._stop_trace()
            self._trace_ready()
            self._start_trace()
        elif prev == A.RECORD_AND_SAVE:
            self._stop_trace()
            self._trace_ready()

    def _start_trace(self) -> None:
        if self._recorder is not None or not self.record_cpu:
            if not self.record_cpu:  # device-only activities: an empty trace
                self._events = EventList([], profile_memory=self.profile_memory)
            return
        self._recorder = Recorder(
            self.record_shapes, self.profile_memory, self.with_stack, self.with_flops
        )
        self._recorder.start()

    def _stop_trace(self) -> None:
        rec = self._recorder
        if rec is None:
            return
        rec.stop()
        self._recorder = None
        events = rec.events
        if self.acc_events and self._events is not None:
            events = list(self._events) + events
        self._events = EventList(
            events, profile_memory=self.profile_memory, with_flops=self.with_flops
        )

    def _trace_ready(self) -> None:
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def _open_step(self) -> None:
        if self.record_steps and self._recorder is not None:
            self._step_range = record_function(f"ProfilerStep#{self.step_num}")
            self._step_range.__enter__()

    def _close_step(self) -> None:
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None

    # ------------------------------------------------------------------ results
    def _finished(self) -> EventList:
        if self._events is None:
            raise RuntimeError(
                "Profiler didn't finish running: no trace yet (leave the `with` block, or read "
                "the results in on_trace_ready)"
            )
        return self._events

    def events(self) -> EventList:
        """The recorded events (of the last finished window)."""
        return self._finished()

    def key_averages(
        self, group_by_input_shape: bool = False, group_by_stack_n: int = 0, **_: Any
    ) -> EventList:
        """The events averaged per name (and per input shapes with ``group_by_input_shape``,
        which needs ``record_shapes=True``; per top ``group_by_stack_n`` frames)."""
        return self._finished().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        """Write the last window as Chrome trace JSON (gzip when ``path`` ends in ``.gz``);
        written to a temp file then renamed."""
        path = os.fspath(path)
        if path.endswith(".gz"):
            import gzip
            import tempfile

            fd, tmp = tempfile.mkstemp(suffix=".json", dir=os.path.dirname(os.path.abspath(path)))
            os.close(fd)
            try:
                _write_chrome_trace(self._finished(), tmp)
                with open(tmp, "rb") as src:
                    data = src.read()
                fd2, tmp2 = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)))
                with os.fdopen(fd2, "wb") as fh:
                    fh.write(gzip.compress(data))
                os.replace(tmp2, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            return
        _write_chrome_trace(self._finished(), path)

    def export_stacks(self, path: str | os.PathLike, metric: str = "self_cpu_time_total") -> None:
        """Write one line ``frame;frame;... <time us>`` per event with a stack (flame-graph
        input); needs ``with_stack=True``."""
        if metric not in ("self_cpu_time_total", "self_cuda_time_total", "self_device_time_total"):
            raise ValueError(f"metric must be 'self_cpu_time_total', got {metric!r}")
        lines = []
        for e in self._finished():
            if e.stack:
                value = int(getattr(e, metric)) if metric == "self_cpu_time_total" else 0
                lines.append(";".join(reversed(e.stack)) + f";{e.name} {value}")
        import tempfile

        path = os.fspath(path)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)))
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(lines) + ("\n" if lines else ""))
        os.replace(tmp, path)

    def add_metadata(self, key: str, value: str) -> None:
        """Keep a string pair with the profile (torch adds it to the trace)."""
        self._metadata[key] = value

    def add_metadata_json(self, key: str, value: str) -> None:
        self._metadata[key] = value
