"""3-D convolution and pooling layers (torch.nn's names, arguments, defaults and reprs):
``Conv3d``, ``ConvTranspose3d``, ``MaxPool3d``, ``AvgPool3d``, ``AdaptiveAvgPool3d``,
``AdaptiveMaxPool3d``, ``LPPool3d``, ``MaxUnpool3d``; wrappers over ``nn.functional``.

Conv weights are (out, in/groups, kD, kH, kW) ((in, out/groups, ...) when transposed) and are
initialised as torch's: W ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming_uniform(a=sqrt(5))),
b ~ U(same bound).

Example:
    >>> import nablagrad as torch
    >>> net = torch.nn.Sequential(torch.nn.Conv3d(1, 4, 3, padding=1), torch.nn.MaxPool3d(2))
    >>> net(torch.randn(2, 1, 8, 8, 8)).shape
    nablagrad.Size([2, 4, 4, 4, 4])
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import _pool3d as P3
from ._conv3d import _triple, conv3d, conv_transpose3d
from .conv import _AdaptiveMaxPool, _AdaptivePool, _ConvNd, _ConvTransposeNd, _MaxPoolNd
from .module import Module
from .pooling import _LPPool


class Conv3d(_ConvNd):
    """3-D convolution (cross-correlation) over (N, C, D, H, W) input; see ``F.conv3d``."""

    _n = 3

    def forward(self, input: Tensor) -> Tensor:
        self._check(input)
        x, padding = self._padded(input)
        return conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed 3-D convolution (the gradient of Conv3d); see ``F.conv_transpose3d``.

    Example:
        >>> import nablagrad as torch
        >>> up = torch.nn.ConvTranspose3d(8, 4, kernel_size=4, stride=2, padding=1)
        >>> up(torch.randn(1, 8, 3, 4, 5)).shape
        nablagrad.Size([1, 4, 6, 8, 10])
    """

    _n = 3

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        self._check(input)
        return conv_transpose3d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self._output_padding(input, output_size),
            self.groups,
            self.dilation,
        )


class MaxPool3d(_MaxPoolNd):
    """Maximum over (kD, kH, kW) windows (stride defaults to the kernel size)."""

    def forward(self, input: Tensor) -> Any:
        return P3.max_pool3d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class AvgPool3d(Module):
    """Mean over (kD, kH, kW) windows (zero padding counts in the divisor by default)."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return P3.avg_pool3d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool3d(_AdaptivePool):
    """Average pooling to a fixed (oD, oH, oW) whatever the input size (None keeps a size)."""

    def forward(self, input: Tensor) -> Tensor:
        return P3.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptiveMaxPool):
    """Max pooling to a fixed (oD, oH, oW) whatever the input size (None keeps a size)."""

    def forward(self, input: Tensor) -> Any:
        return P3.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class LPPool3d(_LPPool):
    """(sum over each (kD, kH, kW) window of x^p)^(1/p), p = ``norm_type``."""

    def forward(self, input: Tensor) -> Tensor:
        return P3.lp_pool3d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class MaxUnpool3d(Module):
    """Inverse of ``MaxPool3d(return_indices=True)``: values at their indices, zeros elsewhere."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = _triple(kernel_size, "kernel_size", "MaxUnpool3d", low=1)
        st = stride if stride is not None else kernel_size
        self.stride = _triple(st, "stride", "MaxUnpool3d", low=1)
        self.padding = _triple(padding, "padding", "MaxUnpool3d", low=0)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:
        return P3.max_unpool3d(
            input, indices, self.kernel_size, self.stride, self.padding, output_size
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
