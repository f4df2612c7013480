"""Optional dependencies: import them on first use with an error that names the extra."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["require"]


def require(module: str, extra: str, feature: str) -> Any:
    """Import ``module`` or raise ``ImportError`` saying which pip extra provides it.

    Example:
        >>> require("json", "none", "reading JSON").__name__
        'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = module.split(".")[0]
        raise ImportError(
            f"{feature} needs the {top!r} package ({e}): install it with "
            f"pip install 'nablagrad[{extra}]'"
        ) from None
