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
