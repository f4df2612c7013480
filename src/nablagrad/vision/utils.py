"""torchvision.utils: ``make_grid`` (tile a batch of images) and ``save_image`` (write a PNG ...).

Both follow torchvision exactly: one-channel images are repeated to three channels, images are
laid out ``nrow`` per row with ``padding`` pixels of ``pad_value`` around each, ``normalize``
rescales to [0, 1] from ``value_range`` (or the tensor's own min and max, per image with
``scale_each``), and ``save_image`` writes ``round(255 * grid)`` clamped to [0, 255] as 8-bit
pixels through Pillow.

Example:
    >>> import nablagrad
    >>> from nablagrad.vision.utils import make_grid
    >>> make_grid(nablagrad.zeros(5, 1, 4, 4), nrow=4).shape  # 2 rows of 4 tiles, padding 2
    nablagrad.Size([3, 14, 26])
"""

from __future__ import annotations

import math
import os
import tempfile
from typing import Any

from ..autograd import no_grad
from ..ops.shape import cat, stack
from ..tensor import Tensor
from .transforms.functional import _Image

__all__ = ["make_grid", "save_image"]


def _norm_range(t: Tensor, value_range: tuple[float, float] | None) -> None:
    low, high = (float(t.min()), float(t.max())) if value_range is None else value_range
    t.clamp_(min=low, max=high)
    t.sub_(low).div_(max(high - low, 1e-5))


def make_grid(
    tensor: Tensor | list[Tensor],
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    value_range: tuple[float, float] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> Tensor:
    """Tile a (B, C, H, W) batch (or a list of (C, H, W) images) into one (C, H', W') image.

    The grid has ``ceil(B / nrow)`` rows of ``min(nrow, B)`` tiles; each tile sits
    ``padding`` pixels from its neighbours and the border, which are filled with ``pad_value``.
    """
    if isinstance(tensor, list):
        for t in tensor:
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"tensor or list of tensors expected, got a list containing {type(t)}"
                )
    elif not isinstance(tensor, Tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    with no_grad():
        if isinstance(tensor, list):
            tensor = stack(tensor, dim=0)
        if tensor.dim() == 2:  # one H x W image
            tensor = tensor.unsqueeze(0)
        if tensor.dim() == 3:  # one C x H x W image
            if tensor.size(0) == 1:
                tensor = cat((tensor, tensor, tensor), 0)
            tensor = tensor.unsqueeze(0)
        if tensor.dim() == 4 and tensor.size(1) == 1:  # one-channel images
            tensor = cat((tensor, tensor, tensor), 1)
        if normalize:
            tensor = tensor.clone()
            if value_range is not None and not isinstance(value_range, tuple):
                raise TypeError(
                    "value_range has to be a tuple (min, max) if specified. min and max are numbers"
                )
            if scale_each:
                for t in tensor:
                    _norm_range(t, value_range)
            else:
                _norm_range(tensor, value_range)
        if tensor.size(0) == 1:
            return tensor.squeeze(0)
        nmaps = tensor.size(0)
        xmaps = min(nrow, nmaps)
        ymaps = int(math.ceil(float(nmaps) / xmaps))
        height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
        grid = tensor.new_full(
            (tensor.size(1), height * ymaps + padding, width * xmaps + padding), pad_value
        )
        k = 0
        for y in range(ymaps):
            for x in range(xmaps):
                if k >= nmaps:
                    break
                top, left = y * height + padding, x * width + padding
                grid[:, top : top + height - padding, left : left + width - padding] = tensor[k]
                k += 1
        return grid


def save_image(
    tensor: Tensor | list[Tensor], fp: Any, format: str | None = None, **kwargs: Any
) -> None:
    """Write ``make_grid(tensor, **kwargs)`` (values in [0, 1]) as an 8-bit image file.

    ``fp`` is a path (the format comes from its extension unless ``format`` is given; the file is
    written to a temporary name and renamed) or a binary file object (then pass ``format``).
    """
    grid = make_grid(tensor, **kwargs)
    with no_grad():
        arr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", "uint8").numpy()
    image = _Image().fromarray(arr)
    if not isinstance(fp, (str, os.PathLike)):
        image.save(fp, format=format)
        return
    path = os.fspath(fp)
    folder, name = os.path.split(os.path.abspath(path))
    suffix = os.path.splitext(name)[1]
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=folder)
    os.close(fd)
    try:
        image.save(tmp, format=format)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
