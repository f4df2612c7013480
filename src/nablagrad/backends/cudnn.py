"""``torch.backends.cudnn``: flags kept for compatibility (nablagrad does not use cuDNN)."""

from __future__ import annotations

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: nablagrad's GPU path (CuPy) does not go through cuDNN."""
    return False


def version() -> None:
    """None: no cuDNN library is loaded."""
    return None
