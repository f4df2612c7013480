"""``nablagrad.distributions``: torch.distributions' ``Normal``, ``Uniform``, ``Bernoulli``,
``Categorical`` and ``Multinomial`` (sample, rsample where reparameterizable, log_prob,
entropy, mean, variance), built on nablagrad's differentiable ops.

Example:
    >>> import nablagrad as torch
    >>> loc = torch.tensor(1.0, requires_grad=True)
    >>> d = torch.distributions.Normal(loc, torch.tensor(0.5))
    >>> d.rsample((4,)).sum().backward()  # reparameterized: d/d loc of 4 samples is 4
    >>> loc.grad
    tensor(4.)
"""

from __future__ import annotations

from . import bernoulli, categorical, constraints, distribution, kl, multinomial, normal, uniform
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from .multinomial import Multinomial
from .normal import Normal
from .uniform import Uniform

__all__ = [
    "Distribution",
    "Normal",
    "Uniform",
    "Bernoulli",
    "Categorical",
    "Multinomial",
    "kl_divergence",
    "register_kl",
]
