"""Testing aids: ``fake_cupy``, a CPU stand-in for CuPy (see ``nablagrad.backend.use_fake_cuda``)."""
