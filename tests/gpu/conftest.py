"""tests/gpu: the same checks on a real NVIDIA GPU through CuPy; skipped without one.

Here the ``device`` fixture is the real "cuda" device (CuPy), not the fake one, so the device
tests imported from tests/device run on the GPU unchanged.
"""

import pytest

import nablagrad as ng

GPU = ng.cuda.is_available()
REASON = (
    "tests/gpu need CuPy and an NVIDIA GPU (nablagrad.cuda.is_available() is False); "
    "install cupy-cuda12x on a CUDA machine to run them"
)


def pytest_collection_modifyitems(config, items):
    if GPU:
        return
    skip = pytest.mark.skip(reason=REASON)
    for item in items:
        if "tests/gpu/" in str(item.path).replace("\\", "/"):
            item.add_marker(skip)


@pytest.fixture(params=["cuda"])
def device(request):
    """The real CUDA device (overrides tests/conftest.py's cpu + fake-cuda fixture)."""
    return request.param


@pytest.fixture
def torch_cuda():
    """Whether the reference (torch) runs on the GPU too; otherwise nablagrad on the CPU is
    the reference."""
    import torch

    return torch.cuda.is_available()
