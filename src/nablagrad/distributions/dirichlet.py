"""Dirichlet(concentration): the distribution on the simplex with density
Gamma(a_0) / prod Gamma(a_i) * prod x_i^(a_i - 1), a_0 = sum a_i."""

from __future__ import annotations

from typing import Any

from ..backend import np
from ..nn import functional as F
from ..ops import elementwise as ew
from ..ops import mathfns as mf
from ..ops import special as sp
from ..tensor import Tensor
from . import constraints
from .distribution import as_param, expand_to
from .exp_family import ExponentialFamily

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution over probability vectors.

    ``rsample`` normalises independent Gamma(a_i, 1) draws, each differentiable by implicit
    reparameterisation, so the sample is a differentiable function of the concentration (a
    pathwise gradient through the gammas; torch differentiates its draw another way, so the
    two agree in expectation, not draw by draw).  The sample itself is torch's after the same
    seed (``_sample_dirichlet``: float64 gammas normalised in float64).

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.Dirichlet(torch.tensor([1.0, 1.0, 2.0]))
        >>> d.mean
        tensor([0.2500, 0.2500, 0.5000])
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True
    _params = ("concentration",)
    _param_event_dims = 1

    def __init__(self, concentration: Any, validate_args: bool | None = None) -> None:
        (concentration,) = as_param(concentration)
        if concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = tuple(concentration.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)
        self._validate_params()

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        c = self.concentration
        mode = ew.clamp(c - 1, 0, None)
        # where every a_i < 1 the density is unbounded at the corners: torch picks the corner of
        # the largest clamped value (its argmax, the first of ties); the sum there is 0, so it
        # is replaced by 1 before dividing (no NaN in the value or its gradient)
        all_small = (c < 1).all(-1, keepdim=True)
        total = ew.where(all_small, 1.0, mode.sum(-1, keepdim=True))
        mode = mode / total
        corner = F.one_hot(mode.argmax(-1), int(c.shape[-1])).to(dtype=c.dtype)
        return ew.where(all_small, corner, mode)

    @property
    def variance(self) -> Tensor:
        c = self.concentration
        con0 = c.sum(-1, keepdim=True)
        return c * (con0 - c) / (con0.pow(2) * (con0 + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        from ..backend import to_device, to_host
        from ..random import _gen

        shape = self._extended_shape(sample_shape)
        c = expand_to(self.concentration, shape).contiguous()
        # torch's _sample_dirichlet: float64 gammas, normalised in float64, clamped inside
        # (0, 1); the gradient is the pathwise one through the gammas (the value's own)
        host = to_host(c._data)
        acc = host.dtype if host.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        value, g64 = _gen(None).torch_dirichlet(host.astype(acc), acc)
        gammas = sp.standard_gamma(c, draws=g64)
        x = gammas / gammas.sum(-1, keepdim=True)
        exact = Tensor._wrap(to_device(value.astype(host.dtype), c.device.type))
        return x + (exact - x.detach())

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        c = self.concentration
        return ew.xlogy(c - 1.0, value).sum(-1) + ew.lgamma(c.sum(-1)) - ew.lgamma(c).sum(-1)

    def entropy(self) -> Tensor:
        c = self.concentration
        k = c.shape[-1]
        a0 = c.sum(-1)
        return (
            ew.lgamma(c).sum(-1)
            - ew.lgamma(a0)
            - (k - a0) * mf.digamma(a0)
            - ((c - 1.0) * mf.digamma(c)).sum(-1)
        )

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.concentration,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return ew.lgamma(x).sum(-1) - ew.lgamma(x.sum(-1))
