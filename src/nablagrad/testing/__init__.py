"""Testing aids: ``fake_cupy``, a CPU stand-in for CuPy (``backend.use_fake_cuda``)."""
