"""Import the real torchvision for comparisons.

The torchvision wheel on PyPI is built against CUDA; on a CPU-only torch its compiled operators
do not load and ``torchvision._meta_registrations`` fails at import.  The data sets and
transforms compared here do not use those operators, so that one module is stubbed.
"""

from __future__ import annotations

import sys
import types

import pytest


def import_torchvision():  # noqa: ANN201
    import torch  # noqa: F401

    sys.modules.setdefault(
        "torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations")
    )
    return pytest.importorskip("torchvision")
