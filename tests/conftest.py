"""Test-suite setup: shared helpers importable from every test directory; Agg plotting."""

import os
import sys

import matplotlib

_here = os.path.dirname(os.path.abspath(__file__))
for _root, _dirs, _files in os.walk(_here):
    _dirs[:] = [d for d in _dirs if not d.startswith((".", "__"))]
    if _root not in sys.path:
        sys.path.insert(0, _root)

matplotlib.use("Agg")


import pytest  # noqa: E402
from kernel_modes import jit_mode  # noqa: E402, F401 - a fixture any test may ask for

from nablagrad import backend  # noqa: E402


@pytest.fixture(params=["cpu", "cuda"])
def device(request):
    """Runs a test twice: on the CPU, and on "cuda" served by the fake CuPy device.

    The fake device (``backend.use_fake_cuda``, ``nablagrad.testing.fake_cupy``) is NumPy
    underneath but refuses to mix with host arrays where CuPy does, so a host/device bug fails
    here as it would on a GPU.
    """
    if request.param == "cpu":
        yield "cpu"
    else:
        with backend.use_fake_cuda():
            yield "cuda"


@pytest.fixture
def fake_cuda():
    """The fake CuPy device as "cuda" for the duration of one test."""
    with backend.use_fake_cuda():
        yield "cuda"


@pytest.fixture
def num_threads():
    """``num_threads(n)`` sets nablagrad's thread count for one test; the old count comes back
    afterwards."""
    import nablagrad

    old = nablagrad.get_num_threads()
    yield nablagrad.set_num_threads
    nablagrad.set_num_threads(old)
