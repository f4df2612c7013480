"""Plotting helpers: Agg figures, atomic PNG/GIF writing, one consistent look.

matplotlib is imported inside the functions, so ``import nablagrad`` stays cheap.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

# Colours for named series, so the same optimizer/method keeps its colour across figures.
PALETTE = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
    "#bcbd22",
]


def pyplot() -> Any:
    """matplotlib.pyplot on the non-interactive Agg backend (works without a display)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def figure(
    nrows: int = 1, ncols: int = 1, *, width: float = 6.0, height: float = 4.5, **kwargs: Any
) -> tuple[Any, Any]:
    """A figure with an ``nrows x ncols`` grid of axes, each ``width x height`` inches."""
    plt = pyplot()
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, **kwargs
    )
    return fig, axes


def _out_dir(out_dir: Any) -> Path:
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(
            f"lab: output path {path} exists and is not a directory; pass a folder with --out"
        )
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_png(fig: Any, out_dir: Any, name: str, dpi: int = 100) -> Path:
    """Write ``fig`` to ``out_dir/name.png`` atomically (temp file + os.replace) and close it."""
    path = _out_dir(out_dir) / f"{name}.png"
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=path.parent, prefix=f".{name}-")
    os.close(fd)
    try:
        fig.tight_layout()
        fig.savefig(tmp, dpi=dpi, format="png")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        pyplot().close(fig)
    return path


def save_gif(anim: Any, fig: Any, out_dir: Any, name: str, fps: int = 12, dpi: int = 70) -> Path:
    """Write a matplotlib animation to ``out_dir/name.gif`` atomically with PillowWriter."""
    from matplotlib.animation import PillowWriter

    path = _out_dir(out_dir) / f"{name}.gif"
    fd, tmp = tempfile.mkstemp(suffix=".gif", dir=path.parent, prefix=f".{name}-")
    os.close(fd)
    try:
        anim.save(tmp, writer=PillowWriter(fps=fps), dpi=dpi)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        pyplot().close(fig)
    return path


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]
