"""``ExponentialFamily``: the base class of the distributions whose density has the form

    p(x; theta) = exp(<t(x), theta> - F(theta) + k(x))

(natural parameters ``theta``, sufficient statistic ``t``, log normalizer ``F``, carrier
measure ``k``), as ``torch.distributions.ExponentialFamily``.  A family gives
``_natural_params`` (a tuple of tensors), ``_log_normalizer(*theta)`` and
``_mean_carrier_measure`` (E[k(x)]); then the entropy follows from the Bregman divergence of
``F`` (Nielsen and Nock):

    H = F(theta) - <theta, grad F(theta)> - E[k(x)]

with ``grad F`` by autograd, and ``kl.py`` computes KL(p || q) between two members of the same
family the same way, ``F(theta_q) - F(theta_p) - <theta_q - theta_p, grad F(theta_p)>``.  The
families that have a closed-form entropy (Normal, Gamma ...) keep it, as in torch; the base
method serves the others.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.distributions import ExponentialFamily, Normal
    >>> d = Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
    >>> isinstance(d, ExponentialFamily)
    True
    >>> ExponentialFamily.entropy(d)  # the Bregman form equals Normal's closed form
    tensor([1.4189, 2.1121], grad_fn=<SubBackward0>)
"""

from __future__ import annotations

from typing import Any

from ..autograd import grad
from ..tensor import Tensor
from .distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    """Abstract base of the exponential families (see the module docstring)."""

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """The natural parameters theta, a tuple of tensors (each family defines them)."""
        raise NotImplementedError

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """The log normalizer F(theta) of the family, as a function of the natural parameters."""
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self) -> Any:
        """E[k(x)], the expected carrier measure (needed by :meth:`entropy`)."""
        raise NotImplementedError

    def entropy(self) -> Tensor:
        """H = F(theta) - <theta, grad F(theta)> - E[k(x)], the Bregman form (differentiable
        with respect to the parameters: the gradient of F is recorded)."""
        result: Any = -self._mean_carrier_measure
        nparams = [p.detach().requires_grad_() for p in self._natural_params]
        lg_normal = self._log_normalizer(*nparams)
        gradients = grad(lg_normal.sum(), nparams, create_graph=True)
        result = result + lg_normal
        for theta, g in zip(nparams, gradients):
            result = result - (theta * g).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result
