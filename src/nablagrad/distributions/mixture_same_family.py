"""MixtureSameFamily(mixture, components): a Categorical mixture of K distributions of one
family, p(x) = sum_k pi_k p_k(x), the components indexed by the rightmost batch dim."""

from __future__ import annotations

import copy
from typing import Any

from ..autograd import no_grad
from ..ops import index as ix
from ..ops import reduce as rd
from ..tensor import Size, Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution

__all__ = ["MixtureSameFamily"]


class MixtureSameFamily(Distribution):
    """``mixture_distribution`` (a Categorical with batch shape B) picks one of the K
    components of ``component_distribution`` (batch shape B + (K,)).  ``log_prob`` is
    logsumexp_k(log pi_k + log p_k(x)); ``mean`` and ``variance`` follow the laws of total
    expectation and variance; ``cdf`` is the weighted sum of the components' cdfs.  Not
    reparameterizable (``sample`` only).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions import Categorical, MixtureSameFamily, Normal
        >>> mix = Categorical(torch.tensor([0.5, 0.5]))
        >>> d = MixtureSameFamily(mix, Normal(torch.tensor([-1.0, 1.0]), torch.tensor([1.0, 1.0])))
        >>> d.mean, round(d.variance.item(), 4)  # 1 + 1 (the spread of the means)
        (tensor(0.), 2.0)
    """

    arg_constraints: dict[str, Any] = {}
    has_rsample = False

    def __init__(
        self,
        mixture_distribution: Categorical,
        component_distribution: Distribution,
        validate_args: bool | None = None,
    ) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(
                "The Mixture distribution needs to be an instance of "
                "torch.distributions.Categorical"
            )
        if not isinstance(component_distribution, Distribution):
            raise ValueError(
                "The Component distribution need to be an instance of "
                "torch.distributions.Distribution"
            )
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        mdbs = tuple(mixture_distribution.batch_shape)
        cdbs = tuple(component_distribution.batch_shape)[:-1]
        for s1, s2 in zip(reversed(mdbs), reversed(cdbs)):
            if s1 != 1 and s2 != 1 and s1 != s2:
                raise ValueError(
                    f"`mixture_distribution.batch_shape` ({Size(mdbs)}) is not compatible with "
                    f"`component_distribution.batch_shape`({Size(cdbs)})"
                )
        km = int(mixture_distribution.logits.shape[-1])
        if not component_distribution.batch_shape:
            raise ValueError(
                "component_distribution needs a batch dim for the components: its batch_shape "
                "is (); give it batch shape (..., K)"
            )
        kc = int(component_distribution.batch_shape[-1])
        if km != kc:
            raise ValueError(
                f"`mixture_distribution component` ({km}) does not equal "
                f"`component_distribution.batch_shape[-1]` ({kc})"
            )
        self._num_component = km
        event_shape = component_distribution.event_shape
        self._event_ndims = len(event_shape)
        super().__init__(cdbs, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MixtureSameFamily:
        """A new mixture with both parts expanded (the components to ``batch_shape + (K,)``)."""
        batch_shape = Size(tuple(batch_shape))
        new = copy.copy(self)
        new._component_distribution = self._component_distribution.expand(
            tuple(batch_shape) + (self._num_component,)
        )
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._batch_shape = batch_shape
        return new

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:
        """The component distribution's support, for every component."""
        return constraints.MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self) -> Categorical:
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        return self._component_distribution

    def _pad(self, x: Tensor) -> Tensor:
        """``x`` with a component dim (size 1) before its event dims."""
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: Tensor) -> Tensor:
        """Mixture weights (B', K) shaped to broadcast against the components (B, K, E)."""
        dist_batch_ndims = len(self.batch_shape)
        cat_batch_ndims = len(self.mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        xs = tuple(x.shape)
        return x.reshape(xs[:-1] + (1,) * pad_ndims + xs[-1:] + (1,) * self._event_ndims)

    @property
    def mean(self) -> Tensor:
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        return (probs * self.component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        dim = -1 - self._event_ndims
        mean_cond_var = (probs * self.component_distribution.variance).sum(dim)
        spread = (self.component_distribution.mean - self._pad(self.mean)) ** 2
        return mean_cond_var + (probs * spread).sum(dim)

    def cdf(self, x: Any) -> Tensor:
        x = self._pad(x)
        cdf_x = self.component_distribution.cdf(x)
        return (cdf_x * self.mixture_distribution.probs).sum(-1)

    def log_prob(self, x: Any) -> Tensor:
        x = self._value(x)
        log_prob_x = self.component_distribution.log_prob(self._pad(x))  # (S, B, K)
        log_mix = self.mixture_distribution.logits.log_softmax(-1)  # (B, K)
        return rd.logsumexp(log_prob_x + log_mix, -1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            self._extended_shape(sample_shape)
            gather_dim = len(tuple(sample_shape)) + len(self.batch_shape)
            es = tuple(self.event_shape)
            mix_sample = self.mixture_distribution.sample(sample_shape)  # (S, B)
            mix_shape = tuple(mix_sample.shape)
            comp = self.component_distribution.sample(sample_shape)  # (S, B, K, E)
            index = mix_sample.reshape(mix_shape + (1,) * (len(es) + 1))
            index = index.expand(*(mix_shape + (1,) + es))
            return ix.gather(comp, gather_dim, index).squeeze(gather_dim)

    def __repr__(self) -> str:
        return (
            f"MixtureSameFamily(\n  {self.mixture_distribution!r},\n"
            f"  {self.component_distribution!r})"
        )
