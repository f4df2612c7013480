"""``SyncBatchNorm``: batch normalisation with statistics over the global batch of all ranks.

In training each rank computes, per channel, its sample count n_r, mean m_r and sum of squared
deviations M2_r; one differentiable ``all_gather`` brings every rank's triple to every rank,
and Chan's parallel formula combines them::

    N = sum_r n_r,   mean = sum_r n_r m_r / N,
    M2 = sum_r M2_r + sum_r n_r (m_r - mean)^2,   var = M2 / N

so the output equals ``BatchNorm`` applied to the concatenated batch.  The gradient flows back
through the gather (its backward sums the ranks' gradients), so each rank's input gradient is
that of the sum of all ranks' losses, as torch's SyncBatchNorm.  Running statistics move with
the global mean and the unbiased global variance M2 / (N - 1).  Without an initialised
process group, or in eval mode, it is an ordinary BatchNorm.

Example (in a DDP script; not a doctest: it needs MPI ranks)::

    model = nn.SyncBatchNorm.convert_sync_batchnorm(model)   # every BatchNorm*d replaced
"""

from __future__ import annotations

from typing import Any

from .. import distributed as dist
from ..backend import np
from ..distributed.functional import all_gather_stacked
from ..ops.shape import cat
from ..tensor import Tensor
from .module import Module
from .normalization import _BatchNorm


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over (N, C, *) input whose training statistics span all ranks."""

    _ranks = (2, 3, 4, 5)

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )
        self.process_group = process_group

    def forward(self, input: Tensor) -> Tensor:
        if not (self.training and dist.active()):
            return super().forward(input)
        shape = tuple(input.shape)
        if input.ndim < 2 or shape[1] != self.num_features:
            raise ValueError(
                f"SyncBatchNorm({self.num_features}) got input of shape {shape}: expected "
                f"(N, {self.num_features}, ...)"
            )
        c = self.num_features
        axes = (0,) + tuple(range(2, input.ndim))
        bshape = (1, c) + (1,) * (input.ndim - 2)
        n_local = input.numel() // c
        if n_local > 0:
            mean_l = input.mean(axes)
            dev = input - mean_l.reshape(bshape)
            m2_l = (dev * dev).sum(axes)
        else:
            mean_l = input.sum(axes)
            m2_l = input.sum(axes)
        count = Tensor._wrap(np.full(c, float(n_local), dtype=input._data.dtype))
        stats = cat([mean_l, m2_l, count], 0)
        everyone = all_gather_stacked(stats)  # (world, 3c)
        counts = everyone[:, 2 * c : 3 * c]
        total = float(counts._data[:, 0].sum())
        if total <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got {int(total)} over "
                "all ranks"
            )
        means = everyone[:, :c]
        mean = (means * counts).sum(0) / total
        diff = means - mean
        m2 = everyone[:, c : 2 * c].sum(0) + (counts * diff * diff).sum(0)
        var = m2 / total
        if self.track_running_stats:
            self.num_batches_tracked._data[...] += 1
            m = self.momentum
            if m is None:
                m = 1.0 / float(self.num_batches_tracked._data)
            rm, rv = self.running_mean._data, self.running_var._data
            rm *= 1 - m
            rm += m * mean._data.astype(rm.dtype)
            rv *= 1 - m
            rv += m * (m2._data / (total - 1)).astype(rv.dtype)
        y = (input - mean.reshape(bshape)) * (var.reshape(bshape) + self.eps).rsqrt()
        if self.weight is not None:
            y = y * self.weight.reshape(bshape)
        if self.bias is not None:
            y = y + self.bias.reshape(bshape)
        return y

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """Replace every ``BatchNorm*d`` in ``module`` by a ``SyncBatchNorm`` sharing its
        parameters and buffers (returns the converted module, as torch)."""
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group)  # fmt: skip
            if module.affine:
                out.weight, out.bias = module.weight, module.bias
            if module.track_running_stats:
                out.running_mean = module.running_mean
                out.running_var = module.running_var
                out.num_batches_tracked = module.num_batches_tracked
            out.train(module.training)
        for name, child in list(module._modules.items()):
            if child is not None:
                new = cls.convert_sync_batchnorm(child, process_group)
                if new is not child:
                    out.add_module(name, new)
        return out
