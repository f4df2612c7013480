"""OneHotCategorical(probs or logits): Categorical's draws as one-hot vectors."""

from __future__ import annotations

import copy
from typing import Any

from .. import creation
from ..nn import functional as F
from ..tensor import Size, Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution

__all__ = ["OneHotCategorical", "OneHotCategoricalStraightThrough"]


class OneHotCategorical(Distribution):
    """A one-hot vector of length K with its one at index i with probability probs[..., i].

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.OneHotCategorical(torch.tensor([0.25, 0.75]))
        >>> round(d.log_prob(torch.tensor([0.0, 1.0])).item(), 4)
        -0.2877
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(
        self, probs: Any = None, logits: Any = None, validate_args: bool | None = None
    ) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> OneHotCategorical:
        """A new OneHotCategorical with its probabilities broadcast to ``batch_shape``."""
        new = copy.copy(self)
        new._categorical = self._categorical.expand(batch_shape)
        new._batch_shape = new._categorical.batch_shape
        return new

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> Size:
        return self._categorical.param_shape

    @property
    def mean(self) -> Tensor:
        return self._categorical.probs

    @property
    def mode(self) -> Tensor:
        probs = self._categorical.probs
        return F.one_hot(probs.argmax(-1), int(probs.shape[-1])).to(dtype=probs.dtype)

    @property
    def variance(self) -> Tensor:
        p = self._categorical.probs
        return p * (1 - p)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        self._extended_shape(sample_shape)
        probs = self._categorical.probs
        indices = self._categorical.sample(sample_shape)
        return F.one_hot(indices, int(probs.shape[-1])).to(dtype=probs.dtype)

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        indices = value.argmax(-1)
        return self._categorical.log_prob(indices)

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        n = int(self.event_shape[0])
        values = creation.eye(n, dtype=self.probs.dtype, device=self.probs.device)
        values = values.reshape((n,) + (1,) * len(self.batch_shape) + (n,))
        return values.expand(n, *self.batch_shape, n) if expand else values


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """OneHotCategorical with the straight-through gradient estimator (Bengio et al., 2013):
    ``rsample`` returns a one-hot draw whose gradient is that of ``probs``
    (draw + probs - probs.detach()).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions import OneHotCategoricalStraightThrough
        >>> p = torch.tensor([0.2, 0.8], requires_grad=True)
        >>> x = OneHotCategoricalStraightThrough(probs=p).rsample()
        >>> (x * torch.tensor([1.0, 2.0])).sum().backward()
        >>> p.grad  # w through the normalisation p / sum(p): w - (w . p)
        tensor([-0.8000,  0.2000])
    """

    has_rsample = True

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        samples = self.sample(sample_shape)
        probs = self._categorical.probs  # cached: the normalised probs
        return samples + (probs - probs.detach())
