"""``nablagrad.parallel``: the lock-handoff thread pool behind ``set_num_threads``."""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import threading
import time

import pytest

import nablagrad as ng
from nablagrad import parallel


def test_results_in_order_on_distinct_threads(num_threads):
    num_threads(3)
    idents = parallel.run([lambda i=i: (i, threading.get_ident()) for i in range(3)])
    assert [i for i, _ in idents] == [0, 1, 2]
    assert idents[0][1] == threading.get_ident()  # the first task runs on the caller
    assert len({t for _, t in idents}) == 3


def test_more_tasks_than_threads_run_in_batches(num_threads):
    num_threads(2)
    running, peak, lock = [0], [0], threading.Lock()

    def task(i):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.01)  # long enough for every task of a batch to be running at once
        with lock:
            running[0] -= 1
        return i * i

    assert parallel.run([lambda i=i: task(i) for i in range(7)]) == [i * i for i in range(7)]
    assert peak[0] == 2


def test_first_error_is_raised_after_all_tasks_and_pool_survives(num_threads):
    num_threads(2)
    done = []

    def bad():
        raise KeyError("boom")

    def slow():
        done.append(True)
        return 1

    with pytest.raises(KeyError, match="boom"):
        parallel.run([slow, bad])
    assert done == [True]
    with pytest.raises(ZeroDivisionError):
        parallel.run([lambda: 1 / 0, slow])
    assert parallel.run([lambda: 1, lambda: 2]) == [1, 2]


def test_nested_run_falls_back_to_the_calling_thread(num_threads):
    num_threads(2)

    def outer():
        return parallel.run([lambda: threading.get_ident(), lambda: threading.get_ident()])

    inner_a, inner_b = parallel.run([outer, outer])
    assert len(set(inner_a)) == 1 and len(set(inner_b)) == 1  # no deadlock, no extra threads


def test_shrinking_stops_workers(num_threads):
    num_threads(4)
    parallel.run([lambda: None] * 4)
    assert len(parallel._workers) == 3
    num_threads(2)
    assert len(parallel._workers) == 1
    num_threads(1)
    assert parallel._workers == []
    assert parallel.run([lambda: 5, lambda: 6]) == [5, 6]


def _child(queue):
    ng.set_num_threads(2)
    queue.put(parallel.run([lambda: 1, lambda: 2]))


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_forked_child_gets_fresh_workers(num_threads):
    num_threads(2)
    parallel.run([lambda: None, lambda: None])  # the parent has a worker thread
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue,))
    proc.start()
    proc.join(timeout=30)
    assert proc.exitcode == 0
    assert queue.get(timeout=5) == [1, 2]


@pytest.mark.skipif(
    parallel._current_cpu is None or len(os.sched_getaffinity(0)) < 2,
    reason="needs Linux thread affinities and two CPUs",
)
def test_workers_are_kept_off_the_callers_cpu(num_threads):
    """A hand-off keeps the workers off the CPU the caller runs on, so the halves of a split
    do not share one core while another idles; the worker may use every other CPU."""
    num_threads(2)
    cpus = os.sched_getaffinity(0)
    for _ in range(3):
        caller, (worker_cpus, worker_cpu) = parallel.run(
            [parallel._current_cpu, lambda: (os.sched_getaffinity(0), parallel._current_cpu())]
        )
        # the caller may have moved since the hand-off; the worker avoids where it was then
        avoided = parallel._workers[0]._avoiding
        assert avoided in cpus
        assert worker_cpus == cpus - {avoided} and worker_cpu != avoided


def test_affinity_is_left_alone_without_cpu_query(num_threads, monkeypatch):
    """Where the CPU cannot be asked (not Linux), hand-offs work as before."""
    num_threads(2)
    monkeypatch.setattr(parallel, "_current_cpu", None)
    assert parallel.run([lambda: 1, lambda: 2]) == [1, 2]


@pytest.mark.parametrize("shape_a, shape_b", [((301, 700), (700, 90)), ((40, 900), (900, 333))])
def test_matmul_splits_large_products_while_shards_run(num_threads, monkeypatch, shape_a, shape_b):
    """parallel.matmul: while batch shards run, a large product is split over the threads
    (row blocks, or column blocks when b is the wider), each block on one BLAS thread; the
    result is a @ b.  Otherwise it is backend.matmul's."""
    import numpy as np

    num_threads(3)
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape_a)
    b = rng.standard_normal(shape_b)
    calls = []
    real_run = parallel.run
    monkeypatch.setattr(parallel, "run", lambda tasks: calls.append(len(tasks)) or real_run(tasks))
    monkeypatch.setattr(parallel, "shards_running", lambda: True)
    np.testing.assert_allclose(parallel.matmul(a, b), a @ b, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(parallel.matmul(a.T.copy().T, b), a @ b, rtol=1e-12, atol=1e-10)
    assert calls == [3, 3]
    monkeypatch.setattr(parallel, "shards_running", lambda: False)
    np.testing.assert_allclose(parallel.matmul(a, b), a @ b, rtol=1e-12, atol=1e-10)
    assert calls == [3, 3]  # not split: no shards running
    num_threads(1)
    monkeypatch.setattr(parallel, "shards_running", lambda: True)
    parallel.matmul(a, b)
    assert calls == [3, 3]  # not split: one thread


def test_handoff_is_measured_once_with_two_threads(num_threads, monkeypatch):
    monkeypatch.setattr(parallel, "_handoff", None)
    num_threads(1)
    assert parallel.handoff_seconds() == 0.0 and parallel._handoff is None  # nothing to hand off
    num_threads(2)
    first = parallel.handoff_seconds()
    assert 0.0 < first < 0.5 and parallel._handoff == first
    assert parallel.handoff_seconds() == first  # kept, not measured again
    assert parallel.split_scale() == max(1.0, first / parallel.REFERENCE_HANDOFF_SECONDS)


def test_slow_handoffs_raise_the_split_thresholds(num_threads, monkeypatch):
    import numpy as np

    num_threads(2)
    work = parallel.SPLIT_MIN_ELEMENTS
    assert parallel.batch_ranges(np, 8, work) == [(0, 4), (4, 8)]  # free hand-offs (conftest)
    monkeypatch.setattr(parallel, "_handoff", 3 * parallel.REFERENCE_HANDOFF_SECONDS)
    assert parallel.split_scale() == 3.0
    assert parallel.batch_ranges(np, 8, work) == [(0, 8)]
    assert parallel.batch_ranges(np, 8, 3 * work) == [(0, 4), (4, 8)]
    # work that hands the GIL back and forth: at least per_handoff per second of hand-off
    per = 4 * work / parallel._handoff
    assert parallel.batch_ranges(np, 8, 3 * work, per_handoff=per) == [(0, 8)]
    assert parallel.batch_ranges(np, 8, 4 * work, per_handoff=per) == [(0, 4), (4, 8)]


def test_handoff_is_not_measured_inside_a_running_task(num_threads, monkeypatch):
    monkeypatch.setattr(parallel, "_handoff", None)
    num_threads(2)
    inside = parallel.run([parallel.handoff_seconds, lambda: None])[0]
    assert inside == 0.0  # the pool is busy: a measurement now would time nested, serial runs
    assert parallel.handoff_seconds() > 0.0
