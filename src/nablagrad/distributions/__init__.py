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

from . import (
    bernoulli,
    beta,
    binomial,
    categorical,
    cauchy,
    chi2,
    constraint_registry,
    constraints,
    continuous_bernoulli,
    dirichlet,
    distribution,
    exp_family,
    exponential,
    fishersnedecor,
    gamma,
    generalized_pareto,
    geometric,
    gumbel,
    half_cauchy,
    half_normal,
    independent,
    inverse_gamma,
    kl,
    kumaraswamy,
    lkj_cholesky,
    laplace,
    logistic_normal,
    lognormal,
    lowrank_multivariate_normal,
    mixture_same_family,
    multinomial,
    multivariate_normal,
    negative_binomial,
    normal,
    one_hot_categorical,
    pareto,
    poisson,
    relaxed_bernoulli,
    relaxed_categorical,
    studentT,
    transformed_distribution,
    transforms,
    uniform,
    von_mises,
    wishart,
    weibull,
)
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .chi2 import Chi2
from .constraint_registry import biject_to, transform_to
from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .fishersnedecor import FisherSnedecor
from .gamma import Gamma
from .generalized_pareto import GeneralizedPareto
from .geometric import Geometric
from .gumbel import Gumbel
from .half_cauchy import HalfCauchy
from .half_normal import HalfNormal
from .independent import Independent
from .inverse_gamma import InverseGamma
from .kl import kl_divergence, register_kl
from .kumaraswamy import Kumaraswamy
from .lkj_cholesky import LKJCholesky
from .laplace import Laplace
from .logistic_normal import LogisticNormal
from .lognormal import LogNormal
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .pareto import Pareto
from .poisson import Poisson
from .relaxed_bernoulli import RelaxedBernoulli
from .relaxed_categorical import RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import *  # noqa: F403 - torch re-exports the transforms at package level
from .uniform import Uniform
from .von_mises import VonMises
from .wishart import Wishart
from .weibull import Weibull

__all__ = [
    "Distribution",
    "Normal",
    "Uniform",
    "Bernoulli",
    "Categorical",
    "Multinomial",
    "Exponential",
    "Laplace",
    "Poisson",
    "Geometric",
    "Binomial",
    "OneHotCategorical",
    "Independent",
    "MultivariateNormal",
    "LowRankMultivariateNormal",
    "Gamma",
    "Chi2",
    "Beta",
    "Dirichlet",
    "TransformedDistribution",
    "Cauchy",
    "Gumbel",
    "HalfCauchy",
    "HalfNormal",
    "Kumaraswamy",
    "LogisticNormal",
    "LogNormal",
    "Pareto",
    "StudentT",
    "Weibull",
    "ContinuousBernoulli",
    "MixtureSameFamily",
    "NegativeBinomial",
    "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
    "VonMises",
    "FisherSnedecor",
    "InverseGamma",
    "GeneralizedPareto",
    "LKJCholesky",
    "Wishart",
    "OneHotCategoricalStraightThrough",
    "biject_to",
    "transform_to",
    "kl_divergence",
    "register_kl",
    "ExponentialFamily",
]
__all__ += transforms.__all__
