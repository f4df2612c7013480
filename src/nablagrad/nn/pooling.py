"""1-D pooling, adaptive max pooling and power-average pooling modules (torch.nn's names,
arguments and reprs), wrappers over ``nn.functional`` (2-D max/avg pooling are in ``conv.py``).

Example:
    >>> import nablagrad as torch
    >>> torch.nn.AdaptiveMaxPool2d(1)(torch.randn(2, 3, 5, 5)).shape
    nablagrad.Size([2, 3, 1, 1])
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import _pooling as Pl
from .conv import _AdaptiveMaxPool, _AdaptivePool, _MaxPoolNd
from .functional import _pair
from .module import Module


def _single(v: Any) -> tuple:
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


class MaxPool1d(_MaxPoolNd):
    """Maximum over windows of the last dimension of (N, C, L) or (C, L) input."""

    def forward(self, input: Tensor) -> Any:
        return Pl.max_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class AvgPool1d(Module):
    """Mean over windows of the last dimension of (N, C, L) or (C, L) input."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return Pl.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveMaxPool1d(_AdaptiveMaxPool):
    """Maximum over ``output_size`` windows that tile the last dimension."""

    def forward(self, input: Tensor) -> Any:
        return Pl.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPool):
    """Maximum over the (oh, ow) windows that tile (H, W)."""

    def forward(self, input: Tensor) -> Any:
        return Pl.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveAvgPool1d(_AdaptivePool):
    """Mean over ``output_size`` windows that tile the last dimension."""

    def forward(self, input: Tensor) -> Tensor:
        return Pl.adaptive_avg_pool1d(input, self.output_size)


class _LPPool(Module):
    def __init__(
        self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
    ) -> None:
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPool):
    """(sum over each window of x^p)^(1/p) along the last dimension."""

    def forward(self, input: Tensor) -> Tensor:
        return Pl.lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPool):
    """(sum over each 2-D window of x^p)^(1/p)."""

    def forward(self, input: Tensor) -> Tensor:
        return Pl.lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class _MaxUnpool(Module):
    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        fn = Pl.max_unpool1d if len(self.kernel_size) == 1 else Pl.max_unpool2d
        return fn(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpool):
    """Inverse of ``MaxPool1d(return_indices=True)``."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)


class MaxUnpool2d(_MaxUnpool):
    """Inverse of ``MaxPool2d(return_indices=True)``."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = _pair(kernel_size, "kernel_size", "MaxUnpool2d", low=1)
        st = stride if stride is not None else kernel_size
        self.stride = _pair(st, "stride", "MaxUnpool2d", low=1)
        self.padding = _pair(padding, "padding", "MaxUnpool2d", low=0)


def _two(v: Any) -> tuple:
    """torch's ``_pair`` without checks (a value for both dimensions, or the pair itself)."""
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _three(v: Any) -> tuple:
    """torch's ``_triple`` without checks (a value for all three dimensions, or the triple)."""
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v, v)


class FractionalMaxPool2d(Module):
    """Fractional max pooling over (H, W) (``F.fractional_max_pool2d``): ``kernel_size``
    windows at pseudo-random starts shrink the input to ``output_size`` or ``output_ratio``
    (each in (0, 1)) of it; a ``_random_samples`` (N, C, 2) buffer fixes the windows.

    Example:
        >>> import nablagrad as torch
        >>> pool = torch.nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))
        >>> pool(torch.randn(2, 4, 12, 10)).shape
        nablagrad.Size([2, 4, 6, 5])
    """

    def __init__(
        self,
        kernel_size: Any,
        output_size: Any = None,
        output_ratio: Any = None,
        return_indices: bool = False,
        _random_samples: Tensor | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = _two(kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _two(output_size) if output_size is not None else None
        self.output_ratio = _two(output_ratio) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(
                "FractionalMaxPool2d requires specifying either an output size, or a pooling ratio"
            )
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not (
            0 < self.output_ratio[0] < 1 and 0 < self.output_ratio[1] < 1
        ):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input: Tensor) -> Any:
        return Pl.fractional_max_pool2d(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )


class FractionalMaxPool3d(Module):
    """Fractional max pooling over (T, H, W) (``F.fractional_max_pool3d``): ``kernel_size``
    windows at pseudo-random starts shrink the input to ``output_size`` or ``output_ratio``
    (each in (0, 1)) of it; a ``_random_samples`` (N, C, 3) buffer fixes the windows.

    Example:
        >>> import nablagrad as torch
        >>> pool = torch.nn.FractionalMaxPool3d(2, output_ratio=0.5)
        >>> pool(torch.randn(1, 3, 8, 6, 10)).shape
        nablagrad.Size([1, 3, 4, 3, 5])
    """

    def __init__(
        self,
        kernel_size: Any,
        output_size: Any = None,
        output_ratio: Any = None,
        return_indices: bool = False,
        _random_samples: Tensor | None = None,
    ) -> None:
        super().__init__()
        if (isinstance(kernel_size, int) and kernel_size <= 0) or (
            isinstance(kernel_size, (tuple, list)) and not all(k > 0 for k in kernel_size)
        ):
            raise ValueError(f"kernel_size must be greater than 0, but got {kernel_size}")
        self.kernel_size = _three(kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _three(output_size) if output_size is not None else None
        self.output_ratio = _three(output_ratio) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(
                "FractionalMaxPool3d requires specifying either an output size, or a pooling ratio"
            )
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input: Tensor) -> Any:
        return Pl.fractional_max_pool3d(
            input,
            self.kernel_size,
            self.output_size,
            self.output_ratio,
            self.return_indices,
            _random_samples=self._random_samples,
        )
