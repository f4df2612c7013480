"""Fixtures that run tests with the compiled (Numba) kernels and with the NumPy fallback, so both
paths stay tested: ``jit_mode`` for the tests that ask for it (conftest.py makes it available
everywhere), ``kernel_mode`` for every test of a module that imports it (``from kernel_modes
import kernel_mode  # noqa: F401``)."""

import pytest

from nablagrad import backend


@pytest.fixture(params=["numpy", "compiled"])
def jit_mode(request):
    """Runs a test with the Numba kernels and with the NumPy fallback."""
    old = backend.set_jit_enabled(request.param == "compiled")
    if request.param == "compiled" and not backend.jit_available():
        backend.set_jit_enabled(old)
        pytest.skip("Numba is not installed (pip install -e '.[test]' brings it)")
    yield request.param
    backend.set_jit_enabled(old)


@pytest.fixture(autouse=True)
def kernel_mode(jit_mode):
    """``jit_mode`` for every test of the module that imports it."""
    return jit_mode
