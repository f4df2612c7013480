"""Data augmentation as composable callables that work on whole batches.

Every transform takes a batch - a Tensor (or NumPy array) of shape (N, C, H, W), (N, H, W), or
(N, D) for ``Normalize``/``GaussianNoise`` - and returns a new one of the same shape and dtype
(the same type as given).  Random transforms draw one independent choice per sample (the
first dimension) from ``generator`` (the default ``nablagrad`` generator when ``None``), so a
seed fixes them.  They run outside autograd: they are input pipeline, not model.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.utils.data import transforms as T
    >>> aug = T.Compose([T.RandomCrop(8, padding=1), T.RandomHorizontalFlip(),
    ...                  T.Normalize(0.5, 0.25)])
    >>> aug(torch.rand(16, 1, 8, 8)).shape
    nablagrad.Size([16, 1, 8, 8])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...backend import np
from ...random import Generator, _gen
from ...tensor import Tensor

__all__ = [
    "Compose",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "RandomRotation",
    "RandomAffine",
    "GaussianNoise",
]


def _unwrap(x: Any, name: str, min_ndim: int = 2) -> tuple[np.ndarray, bool]:
    if isinstance(x, Tensor):
        arr, is_tensor = x._data, True
    elif isinstance(x, np.ndarray):
        arr, is_tensor = x, False
    else:
        raise TypeError(f"{name} takes a Tensor or NumPy array batch, got {type(x).__name__}")
    if arr.ndim < min_ndim:
        raise ValueError(
            f"{name} works on batches: expected at least {min_ndim} dims "
            f"({'(N, H, W) or (N, C, H, W)' if min_ndim == 3 else '(N, ...)'}), got shape "
            f"{tuple(arr.shape)}; add a batch dimension with x[None]"
        )
    return arr, is_tensor


def _wrap(arr: np.ndarray, is_tensor: bool) -> Any:
    return Tensor._wrap(arr) if is_tensor else arr


class Compose:
    """Apply transforms in order: ``Compose([f, g])(x) == g(f(x))``."""

    def __init__(self, transforms: Sequence[Callable]) -> None:
        for t in transforms:
            if not callable(t):
                raise TypeError(f"Compose takes callables, got {type(t).__name__}")
        self.transforms = list(transforms)

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        return "Compose(" + ", ".join(repr(t) for t in self.transforms) + ")"


class Normalize:
    """``(x - mean) / std`` per channel (dim 1), or with scalars for the whole batch.

    Example:
        >>> float(Normalize([0.5, 0.5, 0.5], [0.2, 0.2, 0.2])(np.ones((2, 3, 4, 4))).max())
        2.5
    """

    def __init__(self, mean: float | Sequence[float], std: float | Sequence[float]) -> None:
        self.mean = np.asarray(mean, dtype=np.float64)
        self.std = np.asarray(std, dtype=np.float64)
        if np.any(self.std == 0):
            raise ValueError("Normalize: std must be non-zero (division by std)")
        if self.mean.ndim > 1 or self.std.ndim > 1:
            raise ValueError("Normalize: mean and std are scalars or one value per channel")

    def __call__(self, x: Any) -> Any:
        arr, is_t = _unwrap(x, "Normalize")
        mean, std = self.mean, self.std
        if mean.ndim or std.ndim:
            c = max(mean.size, std.size)
            if arr.shape[1] != c:
                raise ValueError(
                    f"Normalize has {c} channel values but the batch of shape {tuple(arr.shape)} "
                    f"has {arr.shape[1]} channels (dim 1)"
                )
            shape = (1, c) + (1,) * (arr.ndim - 2)
            mean, std = (
                np.broadcast_to(mean, (c,)).reshape(shape),
                np.broadcast_to(std, (c,)).reshape(shape),
            )
        dt = arr.dtype if arr.dtype.kind == "f" else np.float32
        out = ((arr - mean.astype(dt)) / std.astype(dt)).astype(dt, copy=False)
        return _wrap(out, is_t)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class RandomCrop:
    """Zero-pad each side by ``padding``, then crop a random ``size`` window per sample."""

    def __init__(
        self, size: int | tuple[int, int], padding: int = 0, generator: Generator | None = None
    ) -> None:
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        if padding < 0:
            raise ValueError(f"RandomCrop: padding must be >= 0, got {padding}")
        self.padding = int(padding)
        self.generator = generator

    def __call__(self, x: Any) -> Any:
        arr, is_t = _unwrap(x, "RandomCrop", 3)
        p, (h, w) = self.padding, self.size
        if p:
            pad = [(0, 0)] * (arr.ndim - 2) + [(p, p), (p, p)]
            arr = np.pad(arr, pad)
        H, W = arr.shape[-2:]
        if h > H or w > W:
            raise ValueError(
                f"RandomCrop size {self.size} is larger than the padded image {(H, W)}"
            )
        n, rng = arr.shape[0], _gen(self.generator)
        oy = rng.integers(0, H - h + 1, size=n)
        ox = rng.integers(0, W - w + 1, size=n)
        rows = oy[:, None] + np.arange(h)  # (N, h)
        cols = ox[:, None] + np.arange(w)  # (N, w)
        flat = arr.reshape(n, -1, H, W)
        out = flat[
            np.arange(n)[:, None, None, None],
            np.arange(flat.shape[1])[None, :, None, None],
            rows[:, None, :, None],
            cols[:, None, None, :],
        ]
        return _wrap(out.reshape(arr.shape[:-2] + (h, w)), is_t)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror each sample left-right (last dim) with probability ``p``."""

    def __init__(self, p: float = 0.5, generator: Generator | None = None) -> None:
        if not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = p
        self.generator = generator

    def __call__(self, x: Any) -> Any:
        arr, is_t = _unwrap(x, "RandomHorizontalFlip", 3)
        flip = _gen(self.generator).random(arr.shape[0]) < self.p
        out = arr.copy()
        out[flip] = arr[flip][..., ::-1]
        return _wrap(out, is_t)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


def _affine(
    arr: np.ndarray,
    angle: np.ndarray,
    tx: np.ndarray,
    ty: np.ndarray,
    scale: np.ndarray,
    fill: float,
) -> np.ndarray:
    """Rotate by ``angle`` (degrees, counter-clockwise), scale, then shift (pixels) per sample.

    Inverse mapping with bilinear interpolation: an output pixel at ``p`` (relative to the image
    centre) reads the input at ``R(-angle) (p - t) / scale``; outside the image reads ``fill``.
    """
    n, H, W = arr.shape[0], arr.shape[-2], arr.shape[-1]
    flat = arr.reshape(n, -1, H, W).astype(np.float64 if arr.dtype == np.float64 else np.float32)
    cy, cx = (H - 1) / 2, (W - 1) / 2
    yy, xx = np.meshgrid(np.arange(H) - cy, np.arange(W) - cx, indexing="ij")
    a = np.deg2rad(angle)[:, None, None]
    # image y grows downwards, so a counter-clockwise turn on screen is clockwise in (x, y)
    px, py = xx[None] - tx[:, None, None], yy[None] - ty[:, None, None]
    cos, sin = np.cos(a), np.sin(a)
    sx = (cos * px - sin * py) / scale[:, None, None] + cx
    sy = (sin * px + cos * py) / scale[:, None, None] + cy
    x0, y0 = np.floor(sx).astype(np.int64), np.floor(sy).astype(np.int64)
    wx, wy = (sx - x0).astype(flat.dtype), (sy - y0).astype(flat.dtype)
    nidx = np.arange(n)[:, None, None]
    out = np.zeros_like(flat)
    for dy, dx, wgt in (
        (0, 0, (1 - wy) * (1 - wx)),
        (0, 1, (1 - wy) * wx),
        (1, 0, wy * (1 - wx)),
        (1, 1, wy * wx),
    ):
        yi, xi = y0 + dy, x0 + dx
        ok = (yi >= 0) & (yi < H) & (xi >= 0) & (xi < W)
        vals = flat[nidx, :, np.clip(yi, 0, H - 1), np.clip(xi, 0, W - 1)]  # (N, H, W, C)
        vals = np.where(ok[..., None], vals, fill)
        out += np.moveaxis(vals * wgt[..., None], -1, 1)
    return out.reshape(arr.shape).astype(arr.dtype if arr.dtype.kind == "f" else out.dtype)


def _range(v: float | Sequence[float], name: str) -> tuple[float, float]:
    if isinstance(v, (int, float)):
        if v < 0:
            raise ValueError(f"{name}: a single value must be non-negative, got {v}")
        return (-float(v), float(v))
    lo, hi = (float(u) for u in v)
    if lo > hi:
        raise ValueError(f"{name}: range ({lo}, {hi}) must have min <= max")
    return lo, hi


class RandomAffine:
    """Random rotation (``degrees``), shift (``translate`` fractions of width/height) and
    ``scale`` range per sample, bilinear, ``fill`` outside the image.

    Example:
        >>> RandomAffine(0, translate=(0.1, 0.1))(np.ones((4, 1, 8, 8), np.float32)).shape
        (4, 1, 8, 8)
    """

    def __init__(
        self,
        degrees: float | Sequence[float] = 0,
        translate: tuple[float, float] | None = None,
        scale: tuple[float, float] | None = None,
        fill: float = 0.0,
        generator: Generator | None = None,
    ) -> None:
        self.degrees = _range(degrees, type(self).__name__)
        if translate is not None and not all(0 <= t <= 1 for t in translate):
            raise ValueError(
                f"RandomAffine: translate fractions must be in [0, 1], got {translate}"
            )
        self.translate = translate
        if scale is not None and not 0 < scale[0] <= scale[1]:
            raise ValueError(
                f"RandomAffine: scale must be (min, max) with 0 < min <= max, got {scale}"
            )
        self.scale = scale
        self.fill = fill
        self.generator = generator

    def __call__(self, x: Any) -> Any:
        arr, is_t = _unwrap(x, type(self).__name__, 3)
        n, rng = arr.shape[0], _gen(self.generator)
        angle = rng.uniform(*self.degrees, size=n)
        tx = ty = np.zeros(n)
        if self.translate is not None:
            mx, my = self.translate[0] * arr.shape[-1], self.translate[1] * arr.shape[-2]
            tx = np.round(rng.uniform(-mx, mx, size=n))
            ty = np.round(rng.uniform(-my, my, size=n))
        sc = np.ones(n) if self.scale is None else rng.uniform(*self.scale, size=n)
        return _wrap(_affine(arr, angle, tx, ty, sc, self.fill), is_t)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(degrees={self.degrees}, translate={self.translate})"


class RandomRotation(RandomAffine):
    """Rotate each sample by an angle drawn from ``degrees`` (``d`` means ``(-d, d)``)."""

    def __init__(
        self,
        degrees: float | Sequence[float],
        fill: float = 0.0,
        generator: Generator | None = None,
    ) -> None:
        super().__init__(degrees, fill=fill, generator=generator)


class GaussianNoise:
    """Input noise injection: ``x + mean + std * N(0, 1)``, a fresh draw per element."""

    def __init__(
        self, std: float = 0.1, mean: float = 0.0, generator: Generator | None = None
    ) -> None:
        if std < 0:
            raise ValueError(f"GaussianNoise: std must be >= 0, got {std}")
        self.std, self.mean, self.generator = std, mean, generator

    def __call__(self, x: Any) -> Any:
        arr, is_t = _unwrap(x, "GaussianNoise", 1)
        dt = arr.dtype if arr.dtype.kind == "f" else np.float32
        noise = _gen(self.generator).standard_normal(arr.shape).astype(dt)
        return _wrap((arr + (self.mean + self.std * noise).astype(dt)).astype(dt, copy=False), is_t)

    def __repr__(self) -> str:
        return f"GaussianNoise(std={self.std}, mean={self.mean})"
