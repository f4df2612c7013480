"""``torch.backends.cuda``: matmul precision flags, kept for compatibility (nablagrad's CuPy
matmuls use the array's own dtype; TF32 is not switched on)."""

from __future__ import annotations

from types import SimpleNamespace

matmul = SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True)


def is_built() -> bool:
    """Whether nablagrad can run on CUDA here (CuPy importable)."""
    from .. import backend

    return backend.cupy_available()
