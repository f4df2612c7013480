"""A fixture that runs a test module twice: with the compiled (Numba) kernels and with the NumPy
fallback, so both paths stay tested.  Import it into a test module: ``from kernel_modes import
kernel_mode  # noqa: F401``."""

import pytest

from nablagrad import backend


@pytest.fixture(autouse=True, params=["numpy", "compiled"])
def kernel_mode(request):
    old = backend.set_jit_enabled(request.param == "compiled")
    if request.param == "compiled" and not backend.jit_available():
        backend.set_jit_enabled(old)
        pytest.skip("Numba is not installed (pip install -e '.[test]' brings it)")
    yield request.param
    backend.set_jit_enabled(old)
