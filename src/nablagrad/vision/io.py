"""``torchvision.io``'s image readers: ``read_image`` / ``decode_image`` as uint8 (C, H, W).

Example:
    >>> import os, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from nablagrad.vision.io import ImageReadMode, read_image
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> Image.fromarray(np.full((2, 3, 3), 7, dtype=np.uint8)).save(path)
    >>> img = read_image(path)
    >>> img.shape, img.dtype, read_image(path, ImageReadMode.RGB_ALPHA).shape
    (nablagrad.Size([3, 2, 3]), nablagrad.uint8, nablagrad.Size([4, 2, 3]))
"""

from __future__ import annotations

import enum
import io
import os
from typing import Any

from ..backend import np
from ..tensor import Tensor
from .datasets import _pil

__all__ = ["ImageReadMode", "read_image", "decode_image", "read_file"]


class ImageReadMode(enum.Enum):
    """torchvision's modes: keep the file's channels, or convert to gray/RGB (with alpha)."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4
    RGBA = 4


_PIL_MODES = {
    ImageReadMode.GRAY: "L",
    ImageReadMode.GRAY_ALPHA: "LA",
    ImageReadMode.RGB: "RGB",
    ImageReadMode.RGB_ALPHA: "RGBA",
}


def _mode(mode: Any) -> ImageReadMode:
    if isinstance(mode, str):
        try:
            return ImageReadMode[mode.upper()]
        except KeyError:
            raise ValueError(
                f"unknown image read mode {mode!r}: use one of "
                + ", ".join(m.name for m in ImageReadMode)
            ) from None
    if not isinstance(mode, ImageReadMode):
        raise TypeError(f"mode must be an ImageReadMode, got {type(mode).__name__}")
    return mode


def _decode(raw: bytes, mode: Any, where: str) -> Tensor:
    image_mod = _pil()
    try:
        img = image_mod.open(io.BytesIO(raw))
        img.load()
    except Exception as e:  # PIL raises several types for undecodable data
        raise RuntimeError(f"could not decode the image {where}: {e}") from None
    m = _mode(mode)
    if img.mode.startswith(("I", "F")):
        raise RuntimeError(
            f"{where} has {img.mode} pixels (16-bit or float): read_image here reads 8-bit "
            "images only; open it with PIL and convert with torch.from_numpy(np.asarray(img))"
        )
    if img.mode not in ("L", "LA", "RGB", "RGBA"):  # palette, CMYK ...: expanded, as libpng does
        img = img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB")
    gray_source = img.mode in ("L", "LA")
    if m in (ImageReadMode.GRAY, ImageReadMode.GRAY_ALPHA) and not gray_source:
        raise RuntimeError(
            f"read_image({where!r}, {m}): converting a color image to gray is not supported "
            "(torchvision's decoders weight the channels their own way); read it as RGB and "
            "use transforms.Grayscale"
        )
    if m is not ImageReadMode.UNCHANGED:
        img = img.convert(_PIL_MODES[m])
    arr = np.asarray(img, dtype=np.uint8)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return Tensor._wrap(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def read_file(path: str | os.PathLike) -> Tensor:
    """The bytes of a file as a 1-D uint8 tensor (torchvision's ``read_file``)."""
    with open(os.fspath(path), "rb") as f:
        return Tensor._wrap(np.frombuffer(f.read(), dtype=np.uint8).copy())


def decode_image(
    input: Tensor | str | os.PathLike,
    mode: Any = ImageReadMode.UNCHANGED,
    apply_exif_orientation: bool = False,
) -> Tensor:
    """A PNG/JPEG/... (uint8 bytes tensor, or a path) decoded to a uint8 (C, H, W) tensor."""
    if isinstance(input, Tensor):
        return _decode(np.asarray(input._data, dtype=np.uint8).tobytes(), mode, "from bytes")
    return read_image(input, mode, apply_exif_orientation)


def read_image(
    path: str | os.PathLike,
    mode: Any = ImageReadMode.UNCHANGED,
    apply_exif_orientation: bool = False,
) -> Tensor:
    """The image file at ``path`` as a uint8 tensor of shape (C, H, W), as torchvision reads it."""
    where = os.fspath(path)
    if not os.path.isfile(where):
        raise FileNotFoundError(f"read_image: no image file at {where}")
    with open(where, "rb") as f:
        raw = f.read()
    out = _decode(raw, mode, where)
    if apply_exif_orientation:
        image_mod = _pil()
        from PIL import ImageOps

        img = ImageOps.exif_transpose(image_mod.open(io.BytesIO(raw)))
        if img is not None:
            out = _decode(_png_bytes(img), mode, where)
    return out


def _png_bytes(img: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
