"""``torch.backends``: the switches PyTorch scripts set for cuDNN, MPS and TF32.

nablagrad has no cuDNN or MPS backend and computes in full precision, so the flags are kept
(scripts that set or read them run unchanged) and change nothing; ``is_available()`` answers
honestly.

Example:
    >>> import nablagrad as torch
    >>> torch.backends.cudnn.benchmark = True
    >>> torch.backends.mps.is_available()
    False
"""

from __future__ import annotations

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
