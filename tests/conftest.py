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


def pytest_configure(config):
    import helpers

    helpers.DEVICE_SWEEP = not config.getoption("--no-device-sweep")


def pytest_addoption(parser):
    parser.addoption(
        "--no-device-sweep",
        action="store_true",
        help="check_op, check_tails, compare_module and the fuzz tests do not replay their "
        "calls on the fake CUDA device (helpers.DEVICE_SWEEP)",
    )
    parser.addoption(
        "--real-cuda",
        action="store_true",
        help="run the cuda side of the `device` fixture on the real GPU (CuPy) instead of the "
        "fake CuPy device, and skip its cpu side: `pytest tests -k cuda --real-cuda` on a GPU",
    )


@pytest.fixture(autouse=True)
def fast_handoff(monkeypatch):
    """Every test sees a machine whose pool hand-offs are free (``parallel.handoff_seconds``
    0.0): the split decisions then follow the thresholds alone, the same on every machine, so
    a test that sets a threshold to 0 runs its split path wherever it runs.
    ``tests/core/test_parallel.py`` measures the real hand-off and checks the scaling."""
    from nablagrad import parallel

    monkeypatch.setattr(parallel, "_handoff", 0.0)


@pytest.fixture(params=["cpu", "cuda"])
def device(request):
    """Runs a test twice: on the CPU, and on "cuda" served by the fake CuPy device.

    The fake device (``backend.use_fake_cuda``, ``nablagrad.testing.fake_cupy``) is NumPy
    underneath but refuses to mix with host arrays where CuPy does, so a host/device bug fails
    here as it would on a GPU.  With ``--real-cuda`` the cuda side runs on the real GPU and the
    cpu side is skipped.
    """
    real = request.config.getoption("--real-cuda")
    if request.param == "cpu":
        if real:
            pytest.skip("--real-cuda runs only the cuda side")
        yield "cpu"
    elif real:
        if not backend.cupy_available():
            pytest.fail("--real-cuda needs CuPy and an NVIDIA GPU")
        yield "cuda"
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
