"""Lazy modules as in PyTorch: ``LazyLinear``, ``LazyConv1d/2d``, ``LazyBatchNorm1d/2d/3d``.

A lazy module holds :class:`~nablagrad.nn.parameter.UninitializedParameter` objects until its
first call, which reads the missing size (``in_features``, ``in_channels``, ``num_features``)
from the input, materializes those same objects in place and initialises them, and turns the
module into its eager class (``LazyLinear`` becomes ``Linear``).  So an optimizer built before
the first forward -- ``optim.SGD(net.parameters())`` -- holds the real parameters and trains
them, exactly as in torch.

Example:
    >>> import nablagrad as torch
    >>> net = torch.nn.LazyLinear(3)
    >>> opt = torch.optim.SGD(net.parameters(), lr=0.1)
    >>> net(torch.randn(2, 4)).shape, type(net).__name__, tuple(net.weight.shape)
    (nablagrad.Size([2, 3]), 'Linear', (3, 4))
"""

from __future__ import annotations

from typing import Any

from ..autograd import no_grad
from ..tensor import Tensor
from .conv import Conv1d, Conv2d
from .linear import Linear
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .parameter import UninitializedBuffer, UninitializedParameter, is_lazy


class LazyModuleMixin:
    """Infers the missing sizes from the first input (``initialize_parameters``), then becomes
    ``cls_to_become``."""

    cls_to_become: type | None = None

    def has_uninitialized_params(self) -> bool:
        regs = (self._parameters, self._buffers)  # type: ignore[attr-defined]
        return any(is_lazy(t) for reg in regs for t in reg.values())

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement initialize_parameters")

    def _sizes_from_params(self) -> None:
        """After a state dict materialized everything: read the sizes from the weights."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.has_uninitialized_params():
            with no_grad():
                self.initialize_parameters(*args, **kwargs)
            if self.has_uninitialized_params():
                raise RuntimeError(f"module {type(self).__name__} has not been fully initialized")
        else:
            self._sizes_from_params()
        if self.cls_to_become is not None:
            self.__class__ = self.cls_to_become
        return Module.__call__(self, *args, **kwargs)  # type: ignore[arg-type]


def _check_float(name: str, dtype: Any) -> None:
    if not dtype.is_floating_point:
        raise TypeError(f"{name}: parameters must be floating point, got {dtype}")


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` with ``in_features`` inferred from the input's last dimension."""

    cls_to_become = Linear

    def __init__(
        self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        Module.__init__(self)
        self.in_features, self.out_features = 0, int(out_features)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        if input.ndim == 0:
            raise RuntimeError("LazyLinear: the input must have at least one dimension")
        self.in_features = int(input.shape[-1])
        self.weight.materialize((self.out_features, self.in_features))
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
        self.reset_parameters()

    def _sizes_from_params(self) -> None:
        self.in_features = int(self.weight.shape[1])


class _LazyConvMixin(LazyModuleMixin):
    _n = 2

    def __init__(
        self,
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
        type(self).cls_to_become.__init__(  # type: ignore[union-attr]
            self,
            0,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            False,
            padding_mode,
            device,
            dtype,
        )
        self._uninitialized_weight(bias, device, dtype)

    def _uninitialized_weight(self, bias: bool, device: Any, dtype: Any) -> None:
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()  # type: ignore[misc]

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
        shape = (self.out_channels, self.in_channels // self.groups) + tuple(self.kernel_size)
        self.weight.materialize(shape)
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()

    def _sizes_from_params(self) -> None:
        self.in_channels = int(self.weight.shape[1]) * self.groups


class LazyConv1d(_LazyConvMixin, Conv1d):
    """``Conv1d`` with ``in_channels`` inferred from the input."""

    cls_to_become = Conv1d
    _n = 1


class LazyConv2d(_LazyConvMixin, Conv2d):
    """``Conv2d`` with ``in_channels`` inferred from the input."""

    cls_to_become = Conv2d
    _n = 2


class _LazyNormMixin(LazyModuleMixin):
    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        type(self).cls_to_become.__init__(  # type: ignore[union-attr]
            self, 0, eps, momentum, False, track_running_stats, device, dtype
        )
        self.affine = affine
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        if input.ndim < 2:
            raise ValueError(
                f"{type(self).__name__} expected 2-D or higher input, got shape "
                f"{tuple(input.shape)}"
            )
        self.num_features = int(input.shape[1])
        for t in (self.weight, self.bias, self.running_mean, self.running_var):
            if t is not None and is_lazy(t):
                t.materialize((self.num_features,))
        self.reset_parameters()

    def _sizes_from_params(self) -> None:
        ref = self.weight if self.weight is not None else self.running_mean
        if ref is not None:
            self.num_features = int(ref.shape[0])


class LazyBatchNorm1d(_LazyNormMixin, BatchNorm1d):
    """``BatchNorm1d`` with ``num_features`` inferred from the input's dim 1."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormMixin, BatchNorm2d):
    """``BatchNorm2d`` with ``num_features`` inferred from the input's dim 1."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormMixin, BatchNorm3d):
    """``BatchNorm3d`` with ``num_features`` inferred from the input's dim 1."""

    cls_to_become = BatchNorm3d
