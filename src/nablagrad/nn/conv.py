"""Convolution and pooling layers: ``Conv1d``, ``Conv2d`` (lazy forms in lazy.py),
``ConvTranspose1d``, ``ConvTranspose2d``, ``MaxPool2d``, ``AvgPool2d``, ``AdaptiveAvgPool2d``.

Conv weights have shape (out, in/groups, *kernel) and are initialised as torch:
W ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)), b ~ U(same bound).

Example:
    >>> import nablagrad as torch
    >>> conv = torch.nn.Conv2d(1, 6, kernel_size=5, padding=2)
    >>> conv(torch.randn(8, 1, 28, 28)).shape
    nablagrad.Size([8, 6, 28, 28])
"""

from __future__ import annotations

import math
from typing import Any

from .. import _validate, creation
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _tuple(v: Any, n: int, name: str = "kernel_size", fn: str = "Conv") -> tuple:
    """An int or an n-tuple of ints (values are checked when the layer runs, as in torch)."""
    return _validate.ntuple(v, n, name, fn)


class _ConvNd(Module):
    _n = 2
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        n = self._n
        name = type(self).__name__
        in_channels = _validate.as_int(in_channels, "in_channels", name)
        out_channels = _validate.as_int(out_channels, "out_channels", name)
        groups = _validate.as_int(groups, "groups", name)
        if in_channels < 0 or out_channels < 0:
            raise RuntimeError(
                f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must be "
                ">= 0"
            )
        if groups <= 0 or in_channels % groups or out_channels % groups:
            raise ValueError(
                f"in_channels ({in_channels}) and out_channels ({out_channels}) "
                f"must both be divisible by groups ({groups})"
            )
        modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in modes:
            raise ValueError(
                f"padding_mode must be one of {modes}, but got padding_mode='{padding_mode}'"
            )
        if isinstance(padding, str) and padding not in ("same", "valid"):
            raise ValueError(f"padding must be 'same', 'valid' or ints, got {padding!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _tuple(kernel_size, n, "kernel_size", name)
        if any(k < 0 for k in self.kernel_size):
            raise RuntimeError(
                f"{name}: Trying to create tensor with negative dimension: kernel_size="
                f"{kernel_size!r} must be >= 0"
            )
        self.stride = _tuple(stride, n, "stride", name)
        if padding == "same" and any(v != 1 for v in self.stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        self.padding = padding if isinstance(padding, str) else _tuple(padding, n, "padding", name)
        self.dilation = _tuple(dilation, n, "dilation", name)
        self.groups = groups
        self.padding_mode = padding_mode
        self.transposed = self._transposed  # torch's attributes, read by fusion and summary code
        if not self._transposed:
            self.output_padding = (0,) * n
        if isinstance(self.padding, str):  # torch's F.pad widths, last dimension first
            rev = [0, 0] * n
            if self.padding == "same":
                for d, k, i in zip(self.dilation, self.kernel_size, range(n - 1, -1, -1)):
                    total = d * (k - 1)
                    rev[2 * i], rev[2 * i + 1] = total // 2, total - total // 2
            self._reversed_padding_repeated_twice = rev
        else:
            self._reversed_padding_repeated_twice = [
                v for v in reversed(self.padding) for _ in range(2)
            ]
        if in_channels:
            self._make_params(bias, device, dtype)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def _make_params(self, bias: bool, device: Any, dtype: Any) -> None:
        shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        self.weight = Parameter(creation.empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(self.out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in else 0
            init.uniform_(self.bias, -bound, bound)

    def _padded(self, input: Tensor) -> tuple[Tensor, Any]:
        """(input, padding) for the functional call: with a padding_mode other than 'zeros'
        the input padded by that mode and padding 0, as torch."""
        if self.padding_mode == "zeros":
            return input, self.padding
        x = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
        return x, 0

    def _check(self, input: Tensor) -> None:
        nd = self._n + 2
        shape = tuple(input._data.shape)
        if len(shape) not in (nd - 1, nd):
            raise RuntimeError(
                f"{type(self).__name__}({self.in_channels}, {self.out_channels}) expected "
                f"{nd - 1}-D or {nd}-D input (N, C, ...), got input of shape {shape}"
            )
        c = shape[1] if len(shape) == nd else shape[0]
        if c != self.in_channels:
            raise RuntimeError(
                f"{type(self).__name__}({self.in_channels}, {self.out_channels}) got input of "
                f"shape {shape}: expected {self.in_channels} channels, got {c}"
            )

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self._n:
            s += f", padding={self.padding}"  # torch: padding=same, unquoted
        if self.dilation != (1,) * self._n:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._n:  # transposed convolutions (torch's order)
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over (N, C, H, W) input; see ``F.conv2d``."""

    _n = 2

    def forward(self, input: Tensor) -> Tensor:
        self._check(input)
        x, padding = self._padded(input)
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) input; see ``F.conv1d``."""

    _n = 1

    def forward(self, input: Tensor) -> Tensor:
        self._check(input)
        x, padding = self._padded(input)
        return F.conv1d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class _ConvTransposeNd(_ConvNd):
    """Transposed convolutions: weight (in, out/groups, *kernel), ``output_padding`` and
    ``forward(input, output_size=None)`` as torch's."""

    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if isinstance(padding, str):
            raise ValueError(f'padding="{padding}" is not supported for {type(self).__name__}')
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        self.output_padding = _tuple(output_padding, self._n, "output_padding", type(self).__name__)
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
        )

    def _make_params(self, bias: bool, device: Any, dtype: Any) -> None:
        shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        self.weight = Parameter(creation.empty(*shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(self.out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple:
        """torch's rule: the output padding that gives ``output_size`` (which must lie between
        the smallest and largest size these strides can give)."""
        if output_size is None:
            return self.output_padding
        n = self._n
        size = [int(v) for v in output_size]
        if len(size) == n + 2:
            size = size[2:]
        elif len(size) == n + 1:
            size = size[1:]
        if len(size) != n:
            raise ValueError(
                f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or "
                f"{n + 2} elements (got {len(output_size)})"
            )
        pads = []
        for a in range(n):
            low = (
                (input.shape[input.ndim - n + a] - 1) * self.stride[a]
                - 2 * self.padding[a]
                + self.dilation[a] * (self.kernel_size[a] - 1)
                + 1
            )
            high = low + self.stride[a] - 1
            if not low <= size[a] <= high:
                raise ValueError(
                    f"requested an output size of {size}, but valid sizes range from "
                    f"{low} to {high} (for an input of {list(input.shape[2:])})"
                )
            pads.append(size[a] - low)
        return tuple(pads)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution (the gradient of Conv2d); see ``F.conv_transpose2d``.

    Example:
        >>> import nablagrad as torch
        >>> up = torch.nn.ConvTranspose2d(8, 4, kernel_size=4, stride=2, padding=1)
        >>> up(torch.randn(2, 8, 7, 7)).shape
        nablagrad.Size([2, 4, 14, 14])
    """

    _n = 2

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        self._check(input)
        return F.conv_transpose2d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self._output_padding(input, output_size),
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution over (N, C, L) input; see ``F.conv_transpose1d``."""

    _n = 1

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        self._check(input)
        return F.conv_transpose1d(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self._output_padding(input, output_size),
            self.groups,
            self.dilation,
        )


class _MaxPoolNd(Module):
    """Max pooling modules' shared arguments and repr (stride defaults to the kernel size)."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool2d(_MaxPoolNd):
    """Maximum over kernel windows (stride defaults to the kernel size)."""

    def forward(self, input: Tensor) -> Any:
        return F.max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class AvgPool2d(Module):
    """Mean over kernel windows (zero padding counts in the divisor, as torch's default)."""

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
        self.kernel_size, self.stride = kernel_size, stride if stride is not None else kernel_size
        self.padding, self.divisor_override = padding, divisor_override
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(
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


class _AdaptivePool(Module):
    """Adaptive pooling modules' shared argument and repr."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPool(_AdaptivePool):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices


class AdaptiveAvgPool2d(_AdaptivePool):
    """Average pooling to a fixed output size (oh, ow), whatever the input size."""

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)
