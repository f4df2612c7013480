"""nablagrad.profiler (torch.profiler for the CPU): what is recorded, how ranges nest, schedules
compared step by step with torch 2.13's profiler, the Chrome trace, the table's columns, and
coexistence with the other listeners of the primitive table.  No timing thresholds: only
relations between measured times (self <= total, parents include children)."""

from __future__ import annotations

import json
import os
import re
import warnings

import numpy as np
import pytest
import torch
import torch.profiler as tprof

import nablagrad as ng
import nablagrad.autograd.profiler as legacy
import nablagrad.func as ngf
from nablagrad.autograd import engine, function
from nablagrad.profiler import (
    ProfilerAction,
    ProfilerActivity,
    profile,
    record_function,
    schedule,
    tensorboard_trace_handler,
)
from nablagrad.utils.tracing import trace


def _counts(prof: profile) -> dict[str, int]:
    return {a.key: a.count for a in prof.key_averages()}


def test_ops_recorded_with_exact_counts() -> None:
    a, b = ng.ones(4, 4), ng.ones(4, 4)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(3):
            a = a + b
        for _ in range(2):
            c = a @ b
        c.exp().sum()
    counts = _counts(prof)
    assert counts["aten::add"] == 3
    assert counts["aten::matmul"] == 2
    assert counts["aten::exp"] == 1
    assert counts["aten::sum"] == 1
    assert sum(counts.values()) == 7


def test_nothing_recorded_outside_the_context() -> None:
    x = ng.ones(3)
    x.exp()
    with profile() as prof:
        x.neg()
    x.exp()
    assert _counts(prof) == {"aten::neg": 1}
    assert function._enter_hook is None and function._trace_hook is None
    assert engine._node_hooks is None


def test_record_function_ranges_nest_and_include_children() -> None:
    x = ng.ones(8, 8)
    with profile() as prof:
        with record_function("outer"):
            x.exp()
            with record_function("inner"):
                x @ x
                x.relu()
    events = {e.name: e for e in prof.events()}
    outer, inner = events["outer"], events["inner"]
    assert inner.cpu_parent is outer
    assert events["aten::exp"].cpu_parent is outer
    assert events["aten::matmul"].cpu_parent is inner
    assert [c.name for c in inner.cpu_children] == ["aten::matmul", "aten::relu"]
    assert outer.cpu_time_total >= inner.cpu_time_total + events["aten::exp"].cpu_time_total
    assert inner.cpu_time_total >= sum(c.cpu_time_total for c in inner.cpu_children)
    s, e = outer.time_range
    s2, e2 = inner.time_range
    assert s <= s2 <= e2 <= e
    # self = total - children's totals, and the self times add up to the top ranges' totals
    for ev in prof.events():
        assert ev.self_cpu_time_total <= ev.cpu_time_total + 1e-9
        assert ev.self_cpu_time_total == pytest.approx(
            ev.cpu_time_total - sum(c.cpu_time_total for c in ev.cpu_children), abs=1e-6
        )
    top = sum(ev.cpu_time_total for ev in prof.events() if ev.cpu_parent is None)
    assert prof.key_averages().self_cpu_time_total == pytest.approx(top, rel=1e-9, abs=1e-6)


def test_record_function_decorator_and_inactive_use() -> None:
    @record_function("my_fn")
    def f(t):
        return t * 2

    f(ng.ones(2))  # no profiler: runs, records nothing
    with profile() as prof:
        f(ng.ones(2))
        f(ng.ones(2))
    counts = _counts(prof)
    assert counts["my_fn"] == 2 and counts["aten::mul"] == 2
    mul = [e for e in prof.events() if e.name == "aten::mul"]
    assert all(e.cpu_parent.name == "my_fn" for e in mul)


def test_backward_nodes_recorded() -> None:
    x = ng.ones(4, 3, requires_grad=True)
    w = ng.ones(3, 2, requires_grad=True)
    y = (x @ w).relu().sum()
    with profile() as prof:
        y.backward()
    names = [e.name for e in prof.events()]
    for node in ("SumBackward0", "ReluBackward0", "MmBackward0"):
        assert names.count(node) == 1
        assert names.count("autograd::engine::evaluate_function: " + node) == 1
    ev = {e.name: e for e in prof.events()}
    assert ev["SumBackward0"].cpu_parent is ev["autograd::engine::evaluate_function: SumBackward0"]
    np.testing.assert_allclose(x.grad.numpy(), np.ones((4, 3)) * 2)


def test_record_shapes_and_memory() -> None:
    a = ng.ones(8, 16)
    b = ng.ones(16, 4)
    with profile(record_shapes=True, profile_memory=True) as prof:
        c = a @ b
        c.reshape(32)  # a view: no new memory
    ka = prof.key_averages(group_by_input_shape=True)
    mm = next(e for e in ka if e.key == "aten::matmul")
    assert mm.input_shapes == [[8, 16], [16, 4]]
    assert mm.self_cpu_memory_usage == 8 * 4 * 4
    view = next(e for e in ka if e.key == "aten::reshape")
    assert view.self_cpu_memory_usage == 0
    # without grouping by shape the averages carry no shapes (as torch)
    assert all(e.input_shapes == "" for e in prof.key_averages())


def test_key_averages_group_by_input_shape_splits_rows() -> None:
    with profile(record_shapes=True) as prof:
        ng.ones(2, 2).exp()
        ng.ones(3).exp()
        ng.ones(3).exp()
    rows = [(e.key, e.count) for e in prof.key_averages(group_by_input_shape=True)]
    assert rows == [("aten::exp", 1), ("aten::exp", 2)]
    assert [(e.key, e.count) for e in prof.key_averages()] == [("aten::exp", 3)]


def _columns(table: str) -> list[str]:
    header = table.splitlines()[1]
    return [c for c in re.split(r"\s{2,}", header.strip()) if c]


@pytest.mark.parametrize("memory", [False, True])
def test_table_has_torch_columns(memory: bool) -> None:
    with profile(record_shapes=True, profile_memory=memory) as prof:
        with record_function("model_inference"):
            ng.ones(4, 4) @ ng.ones(4, 4)
    with tprof.profile(record_shapes=True, profile_memory=memory) as tp:
        with tprof.record_function("model_inference"):
            torch.ones(4, 4) @ torch.ones(4, 4)
    for grouped in (False, True):
        ours = prof.key_averages(group_by_input_shape=grouped).table(sort_by="cpu_time_total")
        theirs = tp.key_averages(group_by_input_shape=grouped).table(sort_by="cpu_time_total")
        assert _columns(ours) == _columns(theirs)
        assert ours.splitlines()[-1].startswith("Self CPU time total: ")
        lines = ours.splitlines()
        assert lines[0] == lines[2] == lines[-2]
        assert all(len(ln) == len(lines[0]) for ln in lines[:-1])


def test_table_sort_and_row_limit() -> None:
    with profile() as prof:
        for _ in range(5):
            ng.ones(2).exp()
        ng.ones(2).neg()
    table = prof.key_averages().table(sort_by="count", row_limit=1)
    body = table.splitlines()[3:-2]
    assert len(body) == 1 and "aten::exp" in body[0] and body[0].rstrip().endswith("5")
    with pytest.raises(ValueError, match="sort_by"):
        prof.key_averages().table(sort_by="nope")


def _torch_schedule_trace(kwargs: dict, steps: int) -> list[tuple[int, int, int]]:
    out = []

    def ready(p):
        counts = {a.key: a.count for a in p.key_averages()}
        out.append((p.step_num, counts.get("ProfilerStep*", 0), counts.get("aten::exp", 0)))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with tprof.profile(
            activities=[tprof.ProfilerActivity.CPU],
            schedule=tprof.schedule(**kwargs),
            on_trace_ready=ready,
        ) as p:
            for _ in range(steps):
                torch.ones(2).exp()
                p.step()
    return out


def _our_schedule_trace(kwargs: dict, steps: int) -> list[tuple[int, int, int]]:
    out = []

    def ready(p):
        counts = _counts(p)
        out.append((p.step_num, counts.get("ProfilerStep*", 0), counts.get("aten::exp", 0)))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with profile(
            activities=[ProfilerActivity.CPU], schedule=schedule(**kwargs), on_trace_ready=ready
        ) as p:
            for _ in range(steps):
                ng.ones(2).exp()
                p.step()
    return out


@pytest.mark.parametrize(
    "kwargs,steps",
    [
        (dict(wait=1, warmup=1, active=2), 8),
        (dict(wait=1, warmup=1, active=2, repeat=2, skip_first=1), 12),
        (dict(wait=0, warmup=0, active=1, repeat=3), 5),
        (dict(wait=2, warmup=1, active=3, repeat=1, skip_first=2, skip_first_wait=1), 10),
        (dict(wait=1, warmup=1, active=3), 4),  # stops mid-window: saved at exit
    ],
)
def test_schedule_steps_match_torch(kwargs: dict, steps: int) -> None:
    # (step_num when on_trace_ready runs, steps in that window, ops recorded in it)
    ours = _our_schedule_trace(kwargs, steps)
    assert ours == _torch_schedule_trace(kwargs, steps)
    assert ours  # every case saves at least one window


def test_step_ranges_named_by_step() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with profile(schedule=schedule(wait=1, warmup=1, active=2, repeat=1)) as p:
            for _ in range(5):
                ng.ones(2).exp()
                p.step()
    steps = [e.name for e in p.events() if e.name.startswith("ProfilerStep")]
    assert steps == ["ProfilerStep#2", "ProfilerStep#3"]
    ops = [e for e in p.events() if e.name == "aten::exp"]
    assert [e.cpu_parent.name for e in ops] == steps


def test_schedule_actions_match_torch() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kw in (
            dict(wait=5, warmup=1, active=3, repeat=2, skip_first=10),
            dict(wait=0, warmup=0, active=2),
        ):
            ours, theirs = schedule(**kw), tprof.schedule(**kw)
            assert [ours(i).name for i in range(40)] == [theirs(i).name for i in range(40)]
    with pytest.raises(ValueError, match="active"):
        schedule(wait=0, warmup=0, active=0)
    assert ProfilerAction.RECORD_AND_SAVE.name == "RECORD_AND_SAVE"


def test_export_chrome_trace(tmp_path) -> None:
    x = ng.ones(4, 4)
    with profile(record_shapes=True) as prof:
        with record_function("block"):
            x @ x
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    assert os.listdir(tmp_path) == ["trace.json"]  # written to a temp file, then renamed
    data = json.loads(path.read_text())
    events = data["traceEvents"]
    assert [e["name"] for e in events] == ["block", "aten::matmul"]
    for e in events:
        assert e["ph"] == "X"
        assert {"ts", "dur", "pid", "tid", "cat", "args"} <= set(e)
        assert e["dur"] >= 0
    block, mm = events
    assert block["ts"] <= mm["ts"] and mm["ts"] + mm["dur"] <= block["ts"] + block["dur"] + 1e-6
    assert mm["args"]["Input Dims"] == [[4, 4], [4, 4]]
    assert block["cat"] == "user_annotation" and mm["cat"] == "cpu_op"


def test_tensorboard_trace_handler_writes_each_window(tmp_path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with profile(
            schedule=schedule(wait=0, warmup=1, active=1, repeat=2),
            on_trace_ready=tensorboard_trace_handler(str(tmp_path / "tb"), worker_name="w"),
        ) as p:
            for _ in range(6):
                ng.ones(2).exp()
                p.step()
    files = sorted(os.listdir(tmp_path / "tb"))
    assert len(files) == 2 and all(re.fullmatch(r"w\.\d+\.pt\.trace\.json", f) for f in files)
    for f in files:
        json.loads((tmp_path / "tb" / f).read_text())


def test_cuda_activity_alone_records_nothing() -> None:
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        ng.ones(2).exp()
    assert len(prof.events()) == 0
    with pytest.raises(TypeError, match="ProfilerActivity"):
        profile(activities=["cpu"])


def test_second_profiler_refused_while_one_records() -> None:
    with profile():
        with pytest.raises(RuntimeError, match="already enabled"):
            with profile():
                pass
    assert function._trace_hook is None


def test_results_before_finish_raise() -> None:
    p = profile()
    with pytest.raises(RuntimeError, match="didn't finish"):
        p.key_averages()


def test_legacy_autograd_profiler() -> None:
    with legacy.profile(record_shapes=True) as prof:
        with legacy.record_function("r"):
            ng.ones(3).exp()
    assert [(a.key, a.count) for a in prof.key_averages()] == [("r", 1), ("aten::exp", 1)]
    assert "Self CPU time total" in prof.table()
    with legacy.profile(enabled=False) as off:
        ng.ones(3).exp()
    assert off.function_events is None
    with legacy.emit_nvtx():
        ng.ones(1).exp()


def test_error_inside_an_op_keeps_nesting() -> None:
    with profile() as prof:
        with record_function("r"):
            with pytest.raises(RuntimeError):
                ng.ones(2, 3) + ng.ones(4, 5)
            ng.ones(2).exp()
    ev = {e.name: e for e in prof.events()}
    assert ev["aten::exp"].cpu_parent is ev["r"]


# -------------------------------------------------------------------- the listener list


def test_listener_list_add_remove() -> None:
    seen_a, seen_b = [], []

    def a(fn, tensors, kwargs, out):
        seen_a.append(type(fn).__name__)

    def b(fn, tensors, kwargs, out):
        seen_b.append(type(fn).__name__)

    function.add_trace_listener(a)
    function.add_trace_listener(b)
    try:
        ng.ones(2).exp()
        function.remove_trace_listener(a)
        ng.ones(2).neg()
    finally:
        function.remove_trace_listener(b)
    assert seen_a == ["Exp"] and seen_b == ["Exp", "Neg"]
    assert function._trace_hook is None
    with pytest.raises(ValueError, match="not listening"):
        function.remove_trace_listener(a)


def test_profiler_coexists_with_tracing_and_vmap() -> None:
    lin = ng.nn.Linear(3, 2)
    x = ng.ones(4, 3)
    with profile() as prof:
        g = trace(lin, (x,))
        ys = ngf.vmap(lambda r: (r * 2).sum())(ng.ones(5, 3))
        ng.ones(2).exp()  # still recorded after both removed their listeners
    assert [n.kind for n in g.nodes] == ["LinearFn"]
    np.testing.assert_allclose(ys.numpy(), np.full(5, 6.0))
    counts = _counts(prof)
    assert counts["aten::linear"] == 1 and counts["aten::exp"] == 1
    assert counts["aten::mul"] >= 1 and counts["aten::sum"] >= 1
    assert function._trace_hook is None

    # and the other way round: a profiler inside vmap's function
    def f(r):
        with profile() as inner:
            out = r.exp()
        assert _counts(inner) == {"aten::exp": 1}
        return out

    np.testing.assert_allclose(ngf.vmap(f)(ng.zeros(2, 3)).numpy(), np.ones((2, 3)))
    assert function._trace_hook is None


def test_torch_names_via_alias() -> None:
    # the mapping to aten names: obvious ones aten::, the rest nablagrad::
    from nablagrad.autograd.profiler import _op_name

    class Weird(function.Function):
        def forward(self, a):
            return a

    assert _op_name(Weird) == "nablagrad::weird"
    with profile() as prof:
        ng.nn.functional.conv2d(ng.ones(1, 1, 4, 4), ng.ones(1, 1, 3, 3))
    assert set(_counts(prof)) == {"aten::conv2d"}


def test_with_flops_counts_matmul_like_torch() -> None:
    with profile(with_flops=True) as prof:
        ng.ones(8, 16) @ ng.ones(16, 4)
    with tprof.profile(with_flops=True) as tp:
        torch.ones(8, 16) @ torch.ones(16, 4)
    ours = {a.key: a.flops for a in prof.key_averages()}
    theirs = {a.key: a.flops for a in tp.key_averages()}
    assert ours["aten::matmul"] == theirs["aten::mm"] == 2 * 8 * 16 * 4
    ours_cols, theirs_cols = (
        _columns(prof.key_averages().table()),
        _columns(tp.key_averages().table()),
    )
    assert ours_cols == theirs_cols and ours_cols[-1] == "Total KFLOPs"
    row = next(ln for ln in prof.key_averages().table().splitlines() if "aten::matmul" in ln)
    assert row.split()[-1] == "1.024"
