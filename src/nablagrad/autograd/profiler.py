"""The CPU profiler's recorder and results (torch's ``torch.autograd.profiler``).

While a profiler records, it listens to the primitive table: ``Function.apply`` tells it
``_enter_hook(fn)`` before a primitive's forward and the trace listener (``add_trace_listener``)
after it, so each primitive call becomes one event ``aten::<op>`` timed with
``time.perf_counter_ns``; the engine tells it around each node's backward
(``autograd::engine::evaluate_function: MulBackward0`` holding ``MulBackward0``), and
``record_function`` opens user ranges.  Events nest by time on a per-thread stack: an event's
total time includes its children's, its self time is the total less the children's totals.
With no profiler active every hook is ``None`` (one check per call).

Example::

    >>> import nablagrad as torch
    >>> from nablagrad.autograd.profiler import profile, record_function
    >>> with profile() as prof:
    ...     with record_function("block"):
    ...         y = torch.ones(4, 4) @ torch.ones(4, 4)
    >>> [(e.key, e.count) for e in prof.key_averages()]
    [('block', 1), ('aten::matmul', 1)]
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from . import engine as _engine
from . import function as _function

__all__ = [
    "EventList",
    "FunctionEvent",
    "FunctionEventAvg",
    "emit_nvtx",
    "profile",
    "record_function",
]

# torch's names of the primitives whose aten name is not their snake-cased class name
_ATEN = {
    "AMax": "amax",
    "AMin": "amin",
    "AvgPool2dFn": "avg_pool2d",
    "BatchNormFn": "batch_norm",
    "BinaryCrossEntropy": "binary_cross_entropy",
    "CTCLossFn": "ctc_loss",
    "Cast": "to",
    "Cat": "cat",
    "ConstantPad": "constant_pad_nd",
    "Conv2dFn": "conv2d",
    "ConvNdFn": "convolution",
    "Conv2dInputGrad": "convolution_backward",
    "Conv2dWeightGrad": "convolution_backward",
    "ConvNdInputGrad": "convolution_backward",
    "ConvNdWeightGrad": "convolution_backward",
    "CrossEntropyFn": "cross_entropy_loss",
    "Eigh": "linalg_eigh",
    "Elu": "elu",
    "EmbeddingFn": "embedding",
    "Fold2d": "col2im",
    "Gelu": "gelu",
    "GetItem": "index",
    "Hardtanh": "hardtanh",
    "IndexAddInto": "index_add",
    "Inv": "linalg_inv",
    "LeakyRelu": "leaky_relu",
    "LinearFn": "linear",
    "LogAbsDet": "linalg_slogdet",
    "LogSigmoid": "log_sigmoid",
    "LogSumExp": "logsumexp",
    "MatMul": "matmul",
    "MaxDim": "max",
    "MaxPool2dFn": "max_pool2d",
    "Mish": "mish",
    "MseLoss": "mse_loss",
    "PNorm": "linalg_vector_norm",
    "ScatterAddAlong": "scatter_add",
    "SetItem": "index_put_",
    "Silu": "silu",
    "Softplus": "softplus",
    "Solve": "linalg_solve",
    "SpecialErfcx": "special_erfcx",
    "SpecialI0E": "special_i0e",
    "SpecialI1": "special_i1",
    "SpecialI1E": "special_i1e",
    "SpecialZeta": "special_zeta",
    "ToDevice": "_to_copy",
    "Unfold2d": "im2col",
    "ViewOf": "view",
}


@functools.cache
def _op_name(cls: type) -> str:
    """``aten::<op>`` for a primitive with an obvious torch counterpart, else
    ``nablagrad::<op>``."""
    from ..tensor import Tensor

    name = cls.__name__
    if name in _ATEN:
        return "aten::" + _ATEN[name]
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name.lstrip("_")).lower()
    return ("aten::" if hasattr(Tensor, snake) else "nablagrad::") + snake


def _shape_of(v: Any) -> list:
    shape = getattr(v, "shape", None)
    return list(shape) if shape is not None and not isinstance(v, (int, float)) else []


class FunctionEvent:
    """One recorded range: an op call, a backward node or a ``record_function`` block.

    Times are in microseconds: ``cpu_time_total = end - start``,
    ``self_cpu_time_total = cpu_time_total - sum(child.cpu_time_total)``; memory in bytes:
    ``cpu_memory_usage`` counts the arrays allocated by the event and its children,
    ``self_cpu_memory_usage`` those of the event itself.
    """

    __slots__ = (
        "id",
        "name",
        "_start",
        "_end",
        "thread",
        "input_shapes",
        "_self_mem",
        "cpu_children",
        "cpu_parent",
        "stack",
        "flops",
        "is_user_annotation",
        "sequence_nr",
        "_fn",
    )

    count = 1
    device_type = "CPU"
    is_async = False
    is_remote = False
    is_legacy = False
    node_id = -1
    device_time_total = 0.0
    self_device_time_total = 0.0
    device_memory_usage = 0
    self_device_memory_usage = 0
    cuda_time_total = 0.0
    self_cuda_time_total = 0.0
    overload_name = ""
    scope = 0

    def __init__(self, eid: int, name: str, start: int, thread: int, parent: Any) -> None:
        self.id = eid
        self.name = name
        self._start = start
        self._end = start
        self.thread = thread
        self.input_shapes: list = []
        self._self_mem = 0
        self.cpu_children: list = []
        self.cpu_parent = parent
        self.stack: list = []
        self.flops = 0
        self.is_user_annotation = False
        self.sequence_nr = -1
        self._fn: Any = None

    @property
    def key(self) -> str:
        return self.name

    @property
    def time_range(self) -> tuple[float, float]:
        """(start, end) in microseconds since the profiler started."""
        return self._start / 1e3, self._end / 1e3

    @property
    def cpu_time_total(self) -> float:
        return (self._end - self._start) / 1e3

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total

    @property
    def self_cpu_time_total(self) -> float:
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_memory_usage(self) -> int:
        return self._self_mem + sum(c.cpu_memory_usage for c in self.cpu_children)

    @property
    def self_cpu_memory_usage(self) -> int:
        return self._self_mem

    def __repr__(self) -> str:
        return (
            f"<FunctionEvent id={self.id} name={self.name}"
            f" cpu_time={_fmt_time(self.cpu_time_total)}"
            f" start_us={self._start / 1e3:.3f} end_us={self._end / 1e3:.3f}"
            f" input_shapes={self.input_shapes} cpu_memory_usage={self.cpu_memory_usage}>"
        )


class FunctionEventAvg:
    """The events of one key (name, and input shapes / stack when grouped by them) summed:
    ``cpu_time = cpu_time_total / count``."""

    device_type = "CPU"
    is_async = False
    is_remote = False
    is_legacy = False
    node_id = 0
    device_time_total = 0.0
    self_device_time_total = 0.0
    device_memory_usage = 0
    self_device_memory_usage = 0
    cuda_time_total = 0.0
    self_cuda_time_total = 0.0
    overload_name = ""
    scope = 0
    cpu_parent = None
    cpu_children: list = []

    def __init__(self) -> None:
        self.key: str | None = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = 0
        self.self_cpu_memory_usage = 0
        self.input_shapes: Any = None
        self.stack: list = []
        self.flops = 0
        self.is_user_annotation = False

    def add(self, other: Any) -> FunctionEventAvg:
        """Fold an event (or another average) of the same key into this one."""
        if self.key is None:
            self.key = other.key
            self.input_shapes = other.input_shapes
            self.stack = list(other.stack)
            self.is_user_annotation = other.is_user_annotation
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        self.flops += other.flops
        return self

    def __iadd__(self, other: Any) -> FunctionEventAvg:
        return self.add(other)

    @property
    def cpu_time(self) -> float:
        return self.cpu_time_total / max(self.count, 1)

    @property
    def device_time(self) -> float:
        return 0.0

    cuda_time = device_time

    def __repr__(self) -> str:
        return (
            f"<FunctionEventAvg key={self.key} self_cpu_time={_fmt_time(self.self_cpu_time_total)}"
            f" cpu_time={_fmt_time(self.cpu_time)} input_shapes={self.input_shapes}"
            f" cpu_memory_usage={self.cpu_memory_usage}>"
        )


def _fmt_time(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _fmt_mem(nbytes: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


_SORT_KEYS = (
    "cpu_time",
    "cpu_time_total",
    "self_cpu_time_total",
    "cpu_memory_usage",
    "self_cpu_memory_usage",
    "count",
    "device_time",
    "device_time_total",
    "self_device_time_total",
    "cuda_time",
    "cuda_time_total",
    "self_cuda_time_total",
    "device_memory_usage",
    "self_device_memory_usage",
    "cuda_memory_usage",
    "self_cuda_memory_usage",
    "flops",
)


class EventList(list):
    """A list of events (or of their averages) that prints as torch's profiler table."""

    def __init__(
        self, *args: Any, profile_memory: bool = False, with_flops: bool = False, **_: Any
    ):
        super().__init__(*args)
        self._profile_memory = profile_memory
        self._with_flops = with_flops

    @property
    def self_cpu_time_total(self) -> float:
        """Sum of the events' self CPU times (microseconds)."""
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(
        self, group_by_input_shapes: bool = False, group_by_stack_n: int = 0
    ) -> EventList:
        """Average the events by name (and input shapes / the top ``group_by_stack_n`` stack
        frames when asked), in the order each key first appears."""
        if group_by_stack_n < 0:
            raise ValueError(f"group_by_stack_n must be >= 0, got {group_by_stack_n}")
        stats: dict = {}
        for e in self:
            name = "ProfilerStep*" if e.key.startswith("ProfilerStep#") else e.key  # as torch
            key = (name, str(e.input_shapes) if group_by_input_shapes else "")
            if group_by_stack_n:
                key += tuple(e.stack[:group_by_stack_n])
            avg = stats.get(key)
            if avg is None:
                avg = stats[key] = FunctionEventAvg()
                avg.key = name
                avg.input_shapes = e.input_shapes
                avg.stack = list(e.stack)
                avg.is_user_annotation = e.is_user_annotation
            avg.add(e)
        out = EventList(
            stats.values(), profile_memory=self._profile_memory, with_flops=self._with_flops
        )
        for avg in out:
            avg.stack = avg.stack[:group_by_stack_n]
            if not group_by_input_shapes:
                avg.input_shapes = ""
        return out

    def total_average(self) -> FunctionEventAvg:
        """All events folded into one average (key ``Total``)."""
        total = FunctionEventAvg()
        for e in self:
            total.count += e.count
            total.cpu_time_total += e.cpu_time_total
            total.self_cpu_time_total += e.self_cpu_time_total
            total.cpu_memory_usage += e.cpu_memory_usage
            total.self_cpu_memory_usage += e.self_cpu_memory_usage
        total.key = "Total"
        return total

    def table(
        self,
        sort_by: str | None = None,
        row_limit: int = 100,
        max_src_column_width: int = 75,
        max_name_column_width: int = 55,
        max_shapes_column_width: int = 80,
        header: str | None = None,
        top_level_events_only: bool = False,
        time_unit: str | None = None,
    ) -> str:
        """torch's table: one row per event (sorted descending by ``sort_by``), columns Name,
        Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg, [CPU Mem, Self CPU Mem],
        # of Calls, [Input Shapes], [Source Location], [Total FLOPs (scaled)]; then the self
        CPU total."""
        return _build_table(
            self,
            sort_by=sort_by,
            row_limit=row_limit,
            max_src_column_width=max_src_column_width,
            max_name_column_width=max_name_column_width,
            max_shapes_column_width=max_shapes_column_width,
            header=header,
            top_level_events_only=top_level_events_only,
            time_unit=time_unit,
            profile_memory=self._profile_memory,
            with_flops=self._with_flops,
        )

    def __str__(self) -> str:
        return self.table()

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        """Write the events as a Chrome trace (``chrome://tracing``, Perfetto): complete (``X``)
        events with ``ts``/``dur`` in microseconds; written to a temp file then renamed."""
        _write_chrome_trace(self, path)


def _time_str(us: float, unit: str | None) -> str:
    if unit == "s":
        return f"{us / 1e6:.3f}s"
    if unit == "ms":
        return f"{us / 1e3:.3f}ms"
    if unit == "us":
        return f"{us:.3f}us"
    if unit is not None:
        raise ValueError(f"time_unit must be 's', 'ms' or 'us', got {unit!r}")
    return _fmt_time(us)


def _build_table(events: EventList, **kw: Any) -> str:
    sort_by, row_limit = kw["sort_by"], kw["row_limit"]
    if not events:
        return ""
    if sort_by is not None:
        if sort_by not in _SORT_KEYS:
            raise ValueError(
                f"sort_by={sort_by!r} is not a profiler column; use one of {_SORT_KEYS}"
            )
        events = sorted(events, key=lambda e: getattr(e, sort_by), reverse=True)
    if kw["top_level_events_only"]:
        events = [e for e in events if e.cpu_parent is None]
    all_events = list(events)
    if row_limit is not None and row_limit > 0:
        events = all_events[:row_limit]
    else:
        events = all_events
    unit = kw["time_unit"]
    has_shapes = any(e.input_shapes for e in events)
    has_stack = any(e.stack for e in events)
    raw_flops = [e.flops for e in all_events if e.flops > 0] if kw["with_flops"] else []
    has_flops = bool(raw_flops)
    if has_flops:  # torch's header scale: FLOPs, KFLOPs, ... chosen by the smallest count
        level = int(max(0.0, min(math.log10(min(raw_flops)) / 3, 5.0)))
        flops_scale = 10.0 ** (-3 * level)
        flops_header = ("FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs")[level]
    name_w = max(len(e.key) for e in all_events) + 4
    if kw["max_name_column_width"] is not None:
        name_w = min(name_w, kw["max_name_column_width"])
    shapes_w = min(
        max(len(str(e.input_shapes)) for e in all_events) + 4, kw["max_shapes_column_width"]
    )
    src_w = kw["max_src_column_width"]
    if has_stack:
        src_w = min(max(len(f) for e in events for f in e.stack) + 4, src_w)
    w = 12
    cols: list[tuple[str, int]] = [("Name", name_w)]
    cols += [(h, w) for h in ("Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg")]
    if kw["profile_memory"]:
        cols += [("CPU Mem", w), ("Self CPU Mem", w)]
    cols.append(("# of Calls", w))
    if has_shapes:
        cols.append(("Input Shapes", shapes_w))
    if has_stack:
        cols.append(("Source Location", src_w))
    if has_flops:
        cols.append((f"Total {flops_header}", w))

    def line(cells: Iterable[str]) -> str:
        return "".join(c.rjust(width) + "  " for c, (_, width) in zip(cells, cols))

    sep = "".join("-" * width + "  " for _, width in cols)
    out = []
    if kw["header"] is not None:
        out += ["=" * len(sep), kw["header"]]
    out += [sep, line(h for h, _ in cols), sep]
    self_total = sum(e.self_cpu_time_total for e in all_events)
    pct = lambda t: f"{100.0 * t / self_total:.2f}%" if self_total > 0 else "NaN"  # noqa: E731
    for e in events:
        name = e.key
        if len(name) >= name_w - 3:
            name = name[: name_w - 3 - 3] + "..."
        cells = [
            name,
            pct(e.self_cpu_time_total),
            _time_str(e.self_cpu_time_total, unit),
            pct(e.cpu_time_total),
            _time_str(e.cpu_time_total, unit),
            _time_str(e.cpu_time_total / max(e.count, 1), unit),
        ]
        if kw["profile_memory"]:
            cells += [_fmt_mem(e.cpu_memory_usage), _fmt_mem(e.self_cpu_memory_usage)]
        cells.append(str(e.count))
        if has_shapes:
            shapes = str(e.input_shapes)
            if len(shapes) >= shapes_w - 3:
                shapes = shapes[: shapes_w - 3 - 3] + "..."
            cells.append(shapes)
        if has_stack:
            src = e.stack[0] if e.stack else ""
            cells.append(src[: src_w - 3 - 3] + "..." if len(src) >= src_w - 3 else src)
        if has_flops:
            cells.append(f"{e.flops * flops_scale:8.3f}" if e.flops > 0 else "--")
        out.append(line(cells))
        for frame in e.stack[1:] if has_stack else ():
            empty = [""] * (len(cols) - (2 if has_flops else 1))
            extra = [""] if has_flops else []
            out.append(line([*empty, frame[: src_w - 3], *extra]))
    out.append(sep)
    out.append(f"Self CPU time total: {_time_str(self_total, unit)}")
    return "\n".join(out) + "\n"


def _write_json_atomic(path: str | os.PathLike, obj: Any) -> None:
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(obj, fh)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _chrome_events(events: Iterable[FunctionEvent]) -> list[dict]:
    pid = os.getpid()
    out = []
    for e in events:
        args: dict[str, Any] = {"External id": e.id}
        if e.input_shapes:
            args["Input Dims"] = e.input_shapes
        if e.sequence_nr >= 0:
            args["Sequence number"] = e.sequence_nr
        if e._self_mem:
            args["Bytes allocated"] = e._self_mem
        cat = "user_annotation" if e.is_user_annotation else "cpu_op"
        ts, end = e.time_range
        out.append(
            {
                "ph": "X",
                "cat": cat,
                "name": e.name,
                "pid": pid,
                "tid": e.thread,
                "ts": ts,
                "dur": end - ts,
                "args": args,
            }
        )
    return out


def _write_chrome_trace(events: Iterable[FunctionEvent], path: str | os.PathLike) -> None:
    trace = {
        "schemaVersion": 1,
        "deviceProperties": [],
        "traceEvents": _chrome_events(events),
        "traceName": os.fspath(path),
        "displayTimeUnit": "ms",
    }
    _write_json_atomic(path, trace)


# ---------------------------------------------------------------------------- the recorder

_active: Recorder | None = None
_lock = threading.Lock()


class Recorder:
    """Collects the events of one recording window; installed in the primitive table while
    ``start`` .. ``stop``."""

    def __init__(
        self,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
    ) -> None:
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.events: list[FunctionEvent] = []
        self._stacks: dict[int, list[FunctionEvent]] = {}
        self._t0 = 0
        self._ids = 0
        self._listener = self._on_exit  # one bound method: removing finds the one added

    # ------------------------------------------------------------------ install / remove
    def start(self) -> None:
        global _active
        with _lock:
            if _active is not None:
                raise RuntimeError(
                    "Profiler is already enabled: a profiler is recording (finish it before "
                    "starting another one)"
                )
            _active = self
            self._t0 = time.perf_counter_ns()
            _function._enter_hook = self._on_enter
            _function.add_trace_listener(self._listener)
            _engine._node_hooks = (self._on_node_begin, self._on_node_end)

    def stop(self) -> None:
        global _active
        with _lock:
            if _active is not self:
                return
            _function._enter_hook = None
            _function.remove_trace_listener(self._listener)
            _engine._node_hooks = None
            _active = None
        now = time.perf_counter_ns() - self._t0
        for stack in self._stacks.values():
            for e in stack:
                e._end = now
            stack.clear()

    # ------------------------------------------------------------------ ranges
    def open(self, name: str) -> FunctionEvent:
        tid = threading.get_ident()
        stack = self._stacks.get(tid)
        if stack is None:
            stack = self._stacks[tid] = []
        parent = stack[-1] if stack else None
        self._ids += 1
        e = FunctionEvent(self._ids, name, time.perf_counter_ns() - self._t0, tid, parent)
        if parent is not None:
            parent.cpu_children.append(e)
        if self.with_stack:
            e.stack = _python_stack()
        self.events.append(e)
        stack.append(e)
        return e

    def close(self, e: FunctionEvent) -> None:
        now = time.perf_counter_ns() - self._t0
        stack = self._stacks.get(e.thread)
        if not stack or e not in stack:
            e._end = max(e._end, now)
            return
        while stack:  # ranges left open by an error inside this one end here too
            top = stack.pop()
            top._end = now
            if top is e:
                break

    # ------------------------------------------------------------------ primitive hooks
    def _on_enter(self, fn: Any, failed: bool = False) -> None:
        if failed:
            stack = self._stacks.get(threading.get_ident()) or ()
            for e in reversed(stack):
                if e._fn is fn:
                    e._fn = None
                    self.close(e)
                    break
            return
        e = self.open(_op_name(type(fn)))
        e._fn = fn

    def _on_exit(self, fn: Any, tensors: tuple, kwargs: dict, out: Any) -> None:
        now = time.perf_counter_ns() - self._t0
        stack = self._stacks.get(threading.get_ident())
        if not stack:
            return
        for i in range(len(stack) - 1, -1, -1):
            if stack[i]._fn is fn:
                break
        else:
            return  # the call began before the profiler started
        e = stack[i]
        for top in stack[i:]:
            top._end = now
            top._fn = None
        del stack[i:]
        if self.record_shapes:
            e.input_shapes = [_shape_of(t) for t in tensors] + [
                _shape_of(v) for v in kwargs.values()
            ]
        if self.profile_memory:
            e._self_mem = _fresh_bytes(out._data, tensors)
        if self.with_flops:
            e.flops = _flops(type(fn).__name__, tensors, out)

    def _on_node_begin(self, node: Any) -> None:
        name = str(node.name)
        outer = self.open("autograd::engine::evaluate_function: " + name)
        outer.sequence_nr = getattr(node, "seq", -1)
        inner = self.open(name)
        inner.sequence_nr = outer.sequence_nr

    def _on_node_end(self, node: Any, grads: Any) -> None:
        stack = self._stacks.get(threading.get_ident())
        if not stack or len(stack) < 2:
            return
        inner, outer = stack[-1], stack[-2]
        if self.profile_memory:
            inner._self_mem = sum(
                int(g.nbytes) for g in grads if g is not None and getattr(g, "base", 1) is None
            )
        self.close(inner)
        self.close(outer)


def _root(a: Any) -> Any:
    while getattr(a, "base", None) is not None:
        a = a.base
    return a


def _fresh_bytes(data: Any, tensors: tuple) -> int:
    """Bytes of ``data`` when it is newly allocated memory (not a view into an input's)."""
    root = _root(data)
    for t in tensors:
        if _root(getattr(t, "_data", None)) is root:
            return 0
    return int(getattr(root, "nbytes", 0))


_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# frames of the profiler's own plumbing and of the command line's runner: left out of stacks
_HIDDEN = tuple(
    os.path.join(_PKG, p) for p in ("autograd" + os.sep, "cli.py", "alias.py", "__main__.py")
)


def _python_stack() -> list[str]:
    """The Python frames that led to the event, innermost first (torch's ``with_stack``:
    ``file(line): function``), without the autograd machinery's own frames."""
    frames = []
    for f in reversed(traceback.extract_stack()[:-3]):
        if f.filename.startswith(_HIDDEN) or f.filename.startswith("<frozen "):
            continue
        frames.append(f"{f.filename}({f.lineno}): {f.name}")
    return frames


def _flops(name: str, tensors: tuple, out: Any) -> int:
    """Floating-point operations of the matrix-product ops (torch counts mm/addmm/conv only)."""
    try:
        if name in ("MatMul", "LinearFn"):
            k = tensors[0].shape[-1]
            return 2 * k * int(out._data.size)
        if name in ("Conv2dFn", "ConvNdFn"):
            w = tensors[1].shape
            per_out = 1
            for s in w[1:]:
                per_out *= s
            return 2 * per_out * int(out._data.size)
    except (AttributeError, IndexError, TypeError):
        return 0
    return 0


def active_recorder() -> Recorder | None:
    """The recorder now recording, if any."""
    return _active


# ---------------------------------------------------------------------------- user ranges


class record_function:
    """Label a block of code (or, used as a decorator, every call of a function) as one range
    of the profile; ranges nest, and a range's total includes what ran inside it.

    Example::

        >>> with profile() as prof:
        ...     with record_function("step"):
        ...         pass
        >>> prof.key_averages()[0].key
        'step'
    """

    def __init__(self, name: str, args: str | None = None) -> None:
        if not isinstance(name, str):
            raise TypeError(f"record_function: name must be a str, got {type(name).__name__}")
        self.name = name
        self.args = args
        self._event: FunctionEvent | None = None
        self._recorder: Recorder | None = None

    def __enter__(self) -> record_function:
        rec = _active
        if rec is not None:
            self._recorder = rec
            self._event = rec.open(self.name)
            self._event.is_user_annotation = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._recorder is not None and self._event is not None:
            self._recorder.close(self._event)
        self._recorder = self._event = None

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with record_function(self.name, self.args):
                return func(*args, **kwargs)

        return wrapped


# ---------------------------------------------------------------------------- legacy profile


class profile:
    """torch's ``torch.autograd.profiler.profile``: record the ops run inside the ``with``
    block (CPU; ``use_cuda``/``use_device`` add nothing on a machine without CUDA).

    Example::

        >>> import nablagrad as torch
        >>> with profile(record_shapes=True) as prof:
        ...     s = torch.ones(2, 3).sum()
        >>> [(e.key, e.count) for e in prof.key_averages()]
        [('aten::sum', 1)]
        >>> print(prof.key_averages().table(sort_by="self_cpu_time_total"))  # doctest: +SKIP
    """

    def __init__(
        self,
        enabled: bool = True,
        *,
        use_cuda: bool = False,
        use_device: str | None = None,
        record_shapes: bool = False,
        with_flops: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_modules: bool = False,
        use_kineto: bool = False,
        use_cpu: bool = True,
        experimental_config: Any = None,
        acc_events: bool = False,
        custom_trace_id_callback: Any = None,
    ) -> None:
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.with_flops = with_flops
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_modules = with_modules
        self.use_cpu = use_cpu
        self.acc_events = acc_events
        self._recorder: Recorder | None = None
        self.function_events: EventList | None = None
        self.entered = False

    def __enter__(self) -> profile:
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._start()
        return self

    def _start(self) -> None:
        self._recorder = Recorder(
            self.record_shapes, self.profile_memory, self.with_stack, self.with_flops
        )
        self._recorder.start()

    def _stop(self) -> None:
        rec = self._recorder
        if rec is None:
            return
        rec.stop()
        events = rec.events
        if self.acc_events and self.function_events is not None:
            events = list(self.function_events) + events
        self.function_events = EventList(
            events, profile_memory=self.profile_memory, with_flops=self.with_flops
        )
        self._recorder = None

    def __exit__(self, *exc: Any) -> None:
        if not self.enabled:
            return
        self._stop()
        self.entered = False

    def _check_finish(self) -> EventList:
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running (leave the `with` block first)")
        return self.function_events

    def table(self, *args: Any, **kwargs: Any) -> str:
        return self._check_finish().table(*args, **kwargs)

    def key_averages(
        self, group_by_input_shape: bool = False, group_by_stack_n: int = 0, **_: Any
    ) -> EventList:
        """Events averaged by name (and input shapes / stack): see ``EventList.key_averages``."""
        return self._check_finish().key_averages(group_by_input_shape, group_by_stack_n)

    def total_average(self) -> FunctionEventAvg:
        return self._check_finish().total_average()

    @property
    def self_cpu_time_total(self) -> float:
        return self._check_finish().self_cpu_time_total

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        self._check_finish().export_chrome_trace(path)

    def __str__(self) -> str:
        return str(self._check_finish())


class emit_nvtx:
    """torch's ``emit_nvtx``: NVTX ranges for NVIDIA's tools.  This build has no CUDA, so (as
    torch without a GPU tool attached) it marks nothing; kept so scripts using it still run."""

    def __init__(self, enabled: bool = True, record_shapes: bool = False) -> None:
        self.enabled = enabled
        self.record_shapes = record_shapes

    def __enter__(self) -> emit_nvtx:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None
