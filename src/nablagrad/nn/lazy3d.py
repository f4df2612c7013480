"""More lazy modules as in PyTorch: ``LazyConv3d``, ``LazyConvTranspose1d/2d/3d`` and
``LazyInstanceNorm1d/2d/3d`` (the mechanism is ``nn.lazy``'s: UninitializedParameters
materialized in place on the first call, then the module becomes its eager class).

Example:
    >>> import nablagrad as torch
    >>> up = torch.nn.LazyConvTranspose2d(4, 3, stride=2)
    >>> opt = torch.optim.SGD(up.parameters(), lr=0.1)
    >>> up(torch.randn(1, 6, 5, 5)).shape, type(up).__name__, tuple(up.weight.shape)
    (nablagrad.Size([1, 4, 11, 11]), 'ConvTranspose2d', (6, 4, 3, 3))
"""

from __future__ import annotations

from typing import Any

from .. import creation
from ..backend import np
from ..tensor import Tensor
from .conv import ConvTranspose1d, ConvTranspose2d
from .conv3d import Conv3d, ConvTranspose3d
from .lazy import LazyModuleMixin, _LazyConvMixin, _LazyNormMixin
from .normalization_extra import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .parameter import UninitializedBuffer, UninitializedParameter


class LazyConv3d(_LazyConvMixin, Conv3d):
    """``Conv3d`` with ``in_channels`` inferred from the input."""

    cls_to_become = Conv3d
    _n = 3


class _LazyConvTransposeMixin(_LazyConvMixin):
    """Transposed forms: weight (in, out/groups, *kernel), torch's argument order."""

    def __init__(
        self,
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
        type(self).cls_to_become.__init__(  # type: ignore[union-attr]
            self,
            0,
            out_channels,
            kernel_size,
            stride,
            padding,
            output_padding,
            groups,
            False,
            dilation,
            padding_mode,
            device,
            dtype,
        )
        self._uninitialized_weight(bias, device, dtype)

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        nd = self._n + 2
        if input.ndim not in (nd - 1, nd):
            raise RuntimeError(
                f"{type(self).__name__} expected {nd - 1}-D or {nd}-D input, got input of "
                f"shape {tuple(input.shape)}"
            )
        self.in_channels = int(input.shape[1] if input.ndim == nd else input.shape[0])
        if self.in_channels % self.groups:
            raise ValueError(
                f"{type(self).__name__}: {self.in_channels} input channels are not divisible "
                f"by groups={self.groups}"
            )
        shape = (self.in_channels, self.out_channels // self.groups) + tuple(self.kernel_size)
        self.weight.materialize(shape)
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()

    def _sizes_from_params(self) -> None:
        self.in_channels = int(self.weight.shape[0])


class LazyConvTranspose1d(_LazyConvTransposeMixin, ConvTranspose1d):
    """``ConvTranspose1d`` with ``in_channels`` inferred from the input."""

    cls_to_become = ConvTranspose1d
    _n = 1


class LazyConvTranspose2d(_LazyConvTransposeMixin, ConvTranspose2d):
    """``ConvTranspose2d`` with ``in_channels`` inferred from the input."""

    cls_to_become = ConvTranspose2d
    _n = 2


class LazyConvTranspose3d(_LazyConvTransposeMixin, ConvTranspose3d):
    """``ConvTranspose3d`` with ``in_channels`` inferred from the input."""

    cls_to_become = ConvTranspose3d
    _n = 3


class _LazyInstanceNorm(_LazyNormMixin):
    """torch's lazy instance norms: ``affine`` and ``track_running_stats`` default to True."""

    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        type(self).cls_to_become.__init__(  # type: ignore[union-attr]
            self, 0, eps, momentum, False, False, device, dtype, bias=False
        )
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = creation.tensor(0, dtype=np.int64, device=device)


class LazyInstanceNorm1d(_LazyInstanceNorm, InstanceNorm1d):
    """``InstanceNorm1d`` with ``num_features`` inferred from the input's dim 1."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyInstanceNorm, InstanceNorm2d):
    """``InstanceNorm2d`` with ``num_features`` inferred from the input's dim 1."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyInstanceNorm, InstanceNorm3d):
    """``InstanceNorm3d`` with ``num_features`` inferred from the input's dim 1."""

    cls_to_become = InstanceNorm3d


__all__ = [
    "LazyModuleMixin",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
]
