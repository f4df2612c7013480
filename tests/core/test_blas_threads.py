"""backend.single_threaded_blas: NumPy's OpenBLAS on one thread inside the block (conv shards),
its thread count restored afterwards, also when blocks nest or overlap on several threads."""

import threading

import pytest
from threadpoolctl import threadpool_limits

from nablagrad import parallel
from nablagrad.backend import blas_threads, single_threaded_blas


def test_one_thread_inside_restored_after_nested_and_concurrent_blocks():
    if blas_threads() is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS with thread controls")
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

        old = parallel.get_num_threads()
        parallel.set_num_threads(2)
        try:
            parallel.run([task, task])
        finally:
            parallel.set_num_threads(old)
        assert inside == [1, 1, 1, 1]
        assert blas_threads() == 2  # the last block to end restored the count
    with threadpool_limits(2):
        with pytest.raises(RuntimeError, match="inside"), single_threaded_blas():
            raise RuntimeError("an error inside the block")
        assert blas_threads() == 2  # restored after an exception inside
