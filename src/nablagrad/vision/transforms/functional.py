"""torchvision.transforms.functional: image operations on PIL images and on tensors.

Tensors are images of shape (..., C, H, W) (float in [0, 1] or uint8); PIL images are what
the data sets return.  Each function keeps the kind of image it was given, as torchvision's do.
"""

from __future__ import annotations

import numbers
from enum import Enum
from typing import Any

from ...backend import np
from ...tensor import Tensor

__all__ = [
    "InterpolationMode",
    "to_tensor",
    "pil_to_tensor",
    "to_pil_image",
    "normalize",
    "resize",
    "crop",
    "center_crop",
    "resized_crop",
    "pad",
    "hflip",
    "vflip",
    "rotate",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_saturation",
    "adjust_hue",
    "rgb_to_grayscale",
    "get_dimensions",
    "get_image_size",
    "get_image_num_channels",
]


class InterpolationMode(Enum):
    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def _Image() -> Any:  # noqa: N802
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover
        raise ImportError("image transforms need Pillow: pip install 'nablagrad[vision]'") from e
    return Image


def _is_pil(img: Any) -> bool:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover
        return False
    return isinstance(img, Image.Image)


def _check(img: Any, name: str) -> None:
    if not (_is_pil(img) or isinstance(img, Tensor)):
        raise TypeError(f"{name}: img should be a PIL Image or a Tensor, got {type(img).__name__}")


def _pil_filter(mode: Any) -> int:
    Image = _Image()
    if isinstance(mode, int):
        return mode
    mode = InterpolationMode(mode) if not isinstance(mode, InterpolationMode) else mode
    return {
        InterpolationMode.NEAREST: Image.NEAREST,
        InterpolationMode.NEAREST_EXACT: Image.NEAREST,
        InterpolationMode.BILINEAR: Image.BILINEAR,
        InterpolationMode.BICUBIC: Image.BICUBIC,
        InterpolationMode.BOX: Image.BOX,
        InterpolationMode.HAMMING: Image.HAMMING,
        InterpolationMode.LANCZOS: Image.LANCZOS,
    }[mode]


def get_dimensions(img: Any) -> list[int]:
    """[channels, height, width]."""
    _check(img, "get_dimensions")
    if isinstance(img, Tensor):
        c = img.shape[-3] if img.ndim > 2 else 1
        return [int(c), int(img.shape[-2]), int(img.shape[-1])]
    return [len(img.getbands()), img.height, img.width]


def get_image_size(img: Any) -> list[int]:
    """[width, height]."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img: Any) -> int:
    return get_dimensions(img)[0]


# -- conversions --------------------------------------------------------------------------------


def to_tensor(pic: Any) -> Tensor:
    """PIL image or HWC ndarray -> CHW tensor; uint8 values are scaled to float32 in [0, 1]."""
    if _is_pil(pic):
        if pic.mode == "1":
            arr = np.array(pic, dtype=np.uint8) * 255
        else:
            arr = np.array(pic)
        if arr.ndim == 2:
            arr = arr[:, :, None]
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    chw = np.ascontiguousarray(arr.transpose(2, 0, 1))
    if chw.dtype == np.uint8:
        return Tensor._wrap(chw.astype(np.float32) / np.float32(255))
    return Tensor._wrap(chw)


def pil_to_tensor(pic: Any) -> Tensor:
    """PIL image -> CHW tensor of its own dtype (uint8, no scaling)."""
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    arr = np.array(pic)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return Tensor._wrap(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def to_pil_image(pic: Any, mode: str | None = None) -> Any:
    """CHW tensor (float in [0, 1] or uint8) or HWC ndarray -> PIL image."""
    Image = _Image()
    if isinstance(pic, Tensor):
        arr = pic.detach().numpy()
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3:
            raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
        arr = arr.transpose(1, 2, 0)
        if arr.dtype.kind == "f":
            arr = (arr * 255).astype(np.uint8)
    elif isinstance(pic, np.ndarray):
        arr = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if arr.shape[2] == 1:
        arr = arr[:, :, 0]
        if mode is None and arr.dtype == np.float32:
            mode = "F"
    return Image.fromarray(arr, mode=mode)


def normalize(tensor: Tensor, mean: Any, std: Any, inplace: bool = False) -> Tensor:
    """(x - mean) / std per channel of a float tensor image (..., C, H, W)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(
            "Expected tensor to be a tensor image of size (..., C, H, W). Got "
            f"tensor.size() = {tuple(tensor.shape)}"
        )
    dt = tensor._data.dtype
    m = np.asarray(mean, dtype=dt).reshape(-1, 1, 1)
    s = np.asarray(std, dtype=dt).reshape(-1, 1, 1)
    if (s == 0).any():
        raise ValueError(
            f"std evaluated to zero after conversion to {dt}, leading to division by zero."
        )
    out = (tensor - Tensor._wrap(m)) / Tensor._wrap(s)
    if inplace:
        tensor._data[...] = out._data
        return tensor
    return out


# -- geometry -----------------------------------------------------------------------------------


def _output_size(h: int, w: int, size: Any, max_size: int | None) -> tuple[int, int]:
    if isinstance(size, (list, tuple)) and len(size) == 2:
        return int(size[0]), int(size[1])
    s = int(size[0] if isinstance(size, (list, tuple)) else size)
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = s, int(s * long / short)
    if max_size is not None and new_long > max_size:
        new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if w <= h else (new_short, new_long)


def _tensor_planes(img: Tensor, fn: Any) -> Tensor:
    """Apply ``fn`` (HxW plane -> plane, through PIL) to every plane of a (..., H, W) tensor."""
    Image = _Image()
    arr = img.detach().numpy()
    lead = arr.shape[:-2]
    planes = arr.reshape((-1,) + arr.shape[-2:])
    out = []
    for p in planes:
        if p.dtype == np.uint8:
            out.append(np.asarray(fn(Image.fromarray(p, mode="L"))))
        else:
            res = np.asarray(fn(Image.fromarray(p.astype(np.float32), mode="F")))
            out.append(res.astype(arr.dtype))
    res = np.stack(out)
    return Tensor._wrap(np.ascontiguousarray(res.reshape(lead + res.shape[-2:])))


def resize(
    img: Any,
    size: Any,
    interpolation: Any = InterpolationMode.BILINEAR,
    max_size: int | None = None,
    antialias: bool | None = True,
) -> Any:
    """Resize to ``size`` = (h, w), or make the smaller edge ``size`` keeping the aspect ratio."""
    _check(img, "resize")
    _, h, w = get_dimensions(img)
    oh, ow = _output_size(h, w, size, max_size)
    if (oh, ow) == (h, w):
        return img
    flt = _pil_filter(interpolation)
    if _is_pil(img):
        return img.resize((ow, oh), flt)
    return _tensor_planes(img, lambda p: p.resize((ow, oh), flt))


def crop(img: Any, top: int, left: int, height: int, width: int) -> Any:
    """The ``height`` x ``width`` region at (top, left); outside the image is zero-padded."""
    _check(img, "crop")
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    _, h, w = get_dimensions(img)
    if top < 0 or left < 0 or top + height > h or left + width > w:
        padding = [max(-left, 0), max(-top, 0), max(left + width - w, 0), max(top + height - h, 0)]
        img = pad(img, padding)
        top, left = max(top, 0), max(left, 0)
    return img[..., top : top + height, left : left + width]


def center_crop(img: Any, output_size: Any) -> Any:
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, h, w = get_dimensions(img)
    th, tw = output_size
    if tw > w or th > h:
        dw, dh = max(tw - w, 0), max(th - h, 0)
        padding = [dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2]
        img = pad(img, padding)
        _, h, w = get_dimensions(img)
        if tw == w and th == h:
            return img
    top = int(round((h - th) / 2.0))
    left = int(round((w - tw) / 2.0))
    return crop(img, top, left, th, tw)


def resized_crop(
    img: Any,
    top: int,
    left: int,
    height: int,
    width: int,
    size: Any,
    interpolation: Any = InterpolationMode.BILINEAR,
    antialias: bool | None = True,
) -> Any:
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def _pad_widths(padding: Any) -> tuple[int, int, int, int]:
    if isinstance(padding, numbers.Number):
        p = int(padding)
        return p, p, p, p
    padding = list(padding)
    if len(padding) == 1:
        return (padding[0],) * 4
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return tuple(padding)  # type: ignore[return-value]
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not {len(padding)}")


def pad(img: Any, padding: Any, fill: Any = 0, padding_mode: str = "constant") -> Any:
    """Pad (left, top, right, bottom); modes constant, edge, reflect, symmetric."""
    _check(img, "pad")
    left, top, right, bottom = _pad_widths(padding)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if _is_pil(img):
        arr = np.array(img)
        widths = [(top, bottom), (left, right)] + [(0, 0)] * (arr.ndim - 2)
    else:
        arr = img.detach().numpy()
        widths = [(0, 0)] * (arr.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        out = np.pad(arr, widths, mode="constant", constant_values=fill)
    else:
        out = np.pad(arr, widths, mode=padding_mode)
    if _is_pil(img):
        return _Image().fromarray(out, mode=img.mode)
    return Tensor._wrap(out)


def hflip(img: Any) -> Any:
    _check(img, "hflip")
    if _is_pil(img):
        return img.transpose(_Image().FLIP_LEFT_RIGHT)
    return img.flip(-1)


def vflip(img: Any) -> Any:
    _check(img, "vflip")
    if _is_pil(img):
        return img.transpose(_Image().FLIP_TOP_BOTTOM)
    return img.flip(-2)


def rotate(
    img: Any,
    angle: float,
    interpolation: Any = InterpolationMode.NEAREST,
    expand: bool = False,
    center: Any = None,
    fill: Any = None,
) -> Any:
    """Rotate counter-clockwise by ``angle`` degrees around the centre."""
    _check(img, "rotate")
    flt = _pil_filter(interpolation)
    if _is_pil(img):
        return img.rotate(angle, flt, expand, center, fillcolor=fill)
    return _tensor_planes(img, lambda p: p.rotate(angle, flt, expand, center, fillcolor=fill or 0))


# -- colour -------------------------------------------------------------------------------------


def _blend(img: Tensor, other: Any, ratio: float) -> Tensor:
    arr = img.detach().numpy()
    bound = 1.0 if arr.dtype.kind == "f" else 255.0
    out = np.clip(ratio * arr.astype(np.float64) + (1.0 - ratio) * other, 0, bound)
    return Tensor._wrap(out.astype(arr.dtype))


def rgb_to_grayscale(img: Any, num_output_channels: int = 1) -> Any:
    """ITU-R 601-2 luma: 0.2989 R + 0.587 G + 0.114 B."""
    _check(img, "rgb_to_grayscale")
    if _is_pil(img):
        g = img.convert("L")
        return g if num_output_channels == 1 else _Image().merge("RGB", [g, g, g])
    arr = img.detach().numpy()
    if arr.shape[-3] == 1:
        gray = arr.astype(np.float64)
    else:
        r, gch, b = arr[..., 0, :, :], arr[..., 1, :, :], arr[..., 2, :, :]
        gray = (0.2989 * r + 0.587 * gch + 0.114 * b)[..., None, :, :]
    gray = gray.astype(arr.dtype) if arr.dtype.kind == "f" else np.floor(gray).astype(arr.dtype)
    if num_output_channels == 3:
        gray = np.repeat(gray, 3, axis=-3)
    return Tensor._wrap(np.ascontiguousarray(gray))


def adjust_brightness(img: Any, brightness_factor: float) -> Any:
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    if _is_pil(img):
        from PIL import ImageEnhance

        return ImageEnhance.Brightness(img).enhance(brightness_factor)
    return _blend(img, 0.0, brightness_factor)


def adjust_contrast(img: Any, contrast_factor: float) -> Any:
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    if _is_pil(img):
        from PIL import ImageEnhance

        return ImageEnhance.Contrast(img).enhance(contrast_factor)
    gray = rgb_to_grayscale(img) if get_dimensions(img)[0] == 3 else img
    g = gray.detach().numpy().astype(np.float64)
    mean = g.mean(axis=(-3, -2, -1), keepdims=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img: Any, saturation_factor: float) -> Any:
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    if _is_pil(img):
        from PIL import ImageEnhance

        return ImageEnhance.Color(img).enhance(saturation_factor)
    if get_dimensions(img)[0] == 1:
        return img
    return _blend(img, rgb_to_grayscale(img).detach().numpy().astype(np.float64), saturation_factor)


def _rgb2hsv(rgb: Any) -> Any:
    r, g, b = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    maxc, minc = rgb.max(axis=-3), rgb.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    cr_div = np.where(eqc, ones, cr)
    rc, gc, bc = (maxc - r) / cr_div, (maxc - g) / cr_div, (maxc - b) / cr_div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = ((hr + hg + hb) / 6.0 + 1.0) % 1.0
    return np.stack((h, s, maxc), axis=-3)


def _hsv2rgb(hsv: Any) -> Any:
    h, s, v = hsv[..., 0, :, :], hsv[..., 1, :, :], hsv[..., 2, :, :]
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int64) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    out = np.zeros(hsv.shape, dtype=hsv.dtype)
    for k, (rr, gg, bb) in enumerate(choices):
        m = i == k
        out[..., 0, :, :] += m * rr
        out[..., 1, :, :] += m * gg
        out[..., 2, :, :] += m * bb
    return out


def adjust_hue(img: Any, hue_factor: float) -> Any:
    """Shift the hue by ``hue_factor`` in [-0.5, 0.5] (a fraction of the colour wheel)."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if _is_pil(img):
        Image = _Image()
        mode = img.mode
        if mode in {"L", "1", "I", "F"}:
            return img
        h, s, v = img.convert("HSV").split()
        np_h = np.array(h, dtype=np.uint8)
        with np.errstate(over="ignore"):
            np_h = (np_h.astype(np.int16) + int(hue_factor * 255)).astype(np.uint8)
        h = Image.fromarray(np_h, "L")
        return Image.merge("HSV", (h, s, v)).convert(mode)
    if get_dimensions(img)[0] == 1:
        return img
    arr = img.detach().numpy()
    x = arr.astype(np.float64) / (255.0 if arr.dtype == np.uint8 else 1.0)
    hsv = _rgb2hsv(x)
    hsv[..., 0, :, :] = (hsv[..., 0, :, :] + hue_factor) % 1.0
    out = _hsv2rgb(hsv)
    if arr.dtype == np.uint8:
        return Tensor._wrap((out * 255.0).astype(np.uint8))
    return Tensor._wrap(out.astype(arr.dtype))


def _random_uniform(lo: float, hi: float) -> float:
    from ... import creation

    return float(creation.empty(1, dtype=np.float32).uniform_(lo, hi).item())
