"""Testing aids: ``assert_close``, ``make_tensor`` and the deprecated ``assert_allclose``
(torch.testing's), and ``fake_cupy``, a CPU stand-in for CuPy
(``backend.use_fake_cuda``).

Example:
    >>> import nablagrad as torch
    >>> torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-7]))
"""

from __future__ import annotations

from .compare import assert_allclose, assert_close
from .creation import make_tensor

__all__ = ["assert_allclose", "assert_close", "make_tensor"]
