"""backend.single_threaded_blas: NumPy's OpenBLAS on one thread inside the block (conv shards),
its thread count restored afterwards, also when blocks nest or overlap on several threads."""

import threading

import pytest
from threadpoolctl import threadpool_limits

from nablagrad import parallel
from nablagrad.backend import blas_threads, single_threaded_blas


def test_one_thread_inside_restored_after_nested_and_concurrent_blocks(num_threads):
    if blas_threads() is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS with thread controls")
    num_threads(2)
    with threadpool_limits(2):
        assert blas_threads() == 2
        inside = []
        barrier = threading.Barrier(2)

        def task():
            with single_threaded_blas():
                barrier.wait()  # both blocks open at once
                inside.append(blas_threads())
                with single_threaded_blas():
                    inside.append(blas_threads())

        parallel.run([task, task])
        assert inside == [1, 1, 1, 1]
        assert blas_threads() == 2  # the last block to end restored the count
    with threadpool_limits(2):
        with pytest.raises(RuntimeError, match="inside"), single_threaded_blas():
            raise RuntimeError("an error inside the block")
        assert blas_threads() == 2  # restored after an exception inside


@pytest.mark.parametrize(
    "sa, sb, single",
    [
        ((4, 8), (8, 5), False),  # OpenBLAS keeps this on one thread itself
        ((64, 400), (400, 120), True),  # mid-size (LeNet-5's first linear layer)
        ((8, 64, 100), (100, 64), True),  # batched, mid-size in all
        ((1000,), (1000, 300), True),  # vector @ matrix
        ((128, 784), (784, 256), False),  # large: the BLAS's threads pay
    ],
)
def test_matmul_keeps_mid_size_products_on_one_blas_thread(monkeypatch, sa, sb, single):
    """backend.matmul gives a @ b and runs exactly the mid-size NumPy products inside
    single_threaded_blas (OpenBLAS's woken workers would spin on nablagrad's cores)."""
    import contextlib

    import numpy as np

    from nablagrad import _blas, backend

    entered = []

    @contextlib.contextmanager
    def recording():
        entered.append(True)
        yield

    if blas_threads() is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS with thread controls")
    monkeypatch.setattr(_blas, "single_threaded", recording)
    monkeypatch.setattr(_blas, "_last_shards", -float("inf"))  # no batch shards ran lately
    rng = np.random.default_rng(0)
    a = rng.standard_normal(sa).astype(np.float32)
    b = rng.standard_normal(sb).astype(np.float32)
    with threadpool_limits(2):
        np.testing.assert_allclose(backend.matmul(a, b), a @ b, rtol=1e-5, atol=1e-4)
    assert bool(entered) == single
    entered.clear()
    with threadpool_limits(1):  # on one BLAS thread already: nothing to switch
        backend.matmul(a, b)
    assert not entered


def test_large_products_stay_on_one_blas_thread_while_batch_shards_run(monkeypatch, num_threads):
    """Right after nablagrad's threads ran batch shards (a convolution split over the batch),
    even a large product stays on one BLAS thread: OpenBLAS's workers would spin on the cores
    the next shards need.  Long after, it takes the BLAS's threads again."""
    import contextlib

    import numpy as np

    from nablagrad import _blas, backend, parallel

    if blas_threads() is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS with thread controls")
    entered = []

    @contextlib.contextmanager
    def recording():
        entered.append(True)
        yield

    monkeypatch.setattr(_blas, "single_threaded", recording)
    a = np.ones((128, 784), np.float32)
    b = np.ones((784, 256), np.float32)
    num_threads(2)
    assert parallel.over_ranges([(0, 1), (1, 2)], lambda i, j: i) == [0, 1]
    with threadpool_limits(2):
        backend.matmul(a, b)
        assert entered == [True]
        monkeypatch.setattr(_blas, "_last_shards", -float("inf"))
        backend.matmul(a, b)
        assert entered == [True]


def test_matmul_of_tensors_is_their_product():
    """Under create_graph the backward's operands are Tensors: backend.matmul records the
    differentiable product."""
    import nablagrad as ng
    from nablagrad import backend

    a = ng.randn(64, 400, requires_grad=True)
    b = ng.randn(400, 120)
    out = backend.matmul(a, b)
    assert isinstance(out, ng.Tensor) and out.requires_grad
    ng.testing.assert_close(out, a @ b)
