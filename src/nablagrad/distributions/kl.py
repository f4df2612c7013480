"""``kl_divergence(p, q)``: KL(p || q) for the registered pairs of distribution types, as
``torch.distributions.kl`` (``register_kl`` adds more; an unregistered pair is a
``NotImplementedError``).

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.distributions import Normal, kl_divergence
    >>> round(kl_divergence(Normal(0.0, 1.0), Normal(1.0, 2.0)).item(), 4)
    0.4431
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import creation
from ..autograd import grad
from ..nn import functional as F
from ..ops import elementwise as ew
from ..ops import mathfns as mf
from ..tensor import Tensor
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .gumbel import EULER_GAMMA, Gumbel
from .half_normal import HalfNormal
from .independent import Independent, sum_rightmost
from .laplace import Laplace
from .lowrank_multivariate_normal import (
    LowRankMultivariateNormal,
    lowrank_logdet,
    lowrank_mahalanobis,
)
from .multivariate_normal import MultivariateNormal, batch_mahalanobis
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .pareto import Pareto
from .poisson import Poisson
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform

__all__ = ["kl_divergence", "register_kl"]

_KL_REGISTRY: dict[tuple[type, type], Callable[[Any, Any], Tensor]] = {}


def register_kl(type_p: type, type_q: type) -> Callable:
    """Decorator: register ``fn(p, q)`` as KL(p || q) for ``type_p`` and ``type_q`` (and their
    subclasses, the most specific registration winning).

    Example:
        >>> from nablagrad.distributions import Normal, register_kl
        >>> class MyNormal(Normal):
        ...     pass
        >>> @register_kl(MyNormal, MyNormal)
        ... def _kl_mine(p, q):
        ...     return p.loc * 0
    """
    for t in (type_p, type_q):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise TypeError(f"Expected a Distribution subclass but got {t}")

    def decorator(fn: Callable[[Any, Any], Tensor]) -> Callable[[Any, Any], Tensor]:
        _KL_REGISTRY[type_p, type_q] = fn
        return fn

    return decorator


def _dispatch(type_p: type, type_q: type) -> Callable[[Any, Any], Tensor] | None:
    """The registration for the closest (p, q) superclasses, by method resolution order."""
    best, best_rank = None, None
    for (sp, sq), fn in _KL_REGISTRY.items():
        if issubclass(type_p, sp) and issubclass(type_q, sq):
            rank = (type_p.__mro__.index(sp), type_q.__mro__.index(sq))
            if best_rank is None or rank < best_rank:
                best, best_rank = fn, rank
    return best


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q), a tensor of the distributions' (broadcast) batch shape."""
    fn = _dispatch(type(p), type(q))
    if fn is None:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
            f"{type(q).__name__}"
        )
    return fn(p, q)


@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p: ExponentialFamily, q: ExponentialFamily) -> Tensor:
    """Two members of one exponential family without a closed-form rule: the Bregman
    divergence of the log normalizer F, F(theta_q) - F(theta_p) - <theta_q - theta_p,
    grad F(theta_p)> (summed over the event dimensions)."""
    if type(p) is not type(q):
        raise NotImplementedError(
            "The cross KL-divergence between different exponential families cannot be "
            f"computed using Bregman divergences (p is {type(p).__name__}, q is "
            f"{type(q).__name__})"
        )
    p_nparams = [t.detach().requires_grad_() for t in p._natural_params]
    q_nparams = q._natural_params
    lg_normal = p._log_normalizer(*p_nparams)
    gradients = grad(lg_normal.sum(), p_nparams, create_graph=True)
    result = q._log_normalizer(*q_nparams) - lg_normal
    for pnp, qnp, g in zip(p_nparams, q_nparams, gradients):
        result = result - sum_rightmost((qnp - pnp) * g, len(q.event_shape))
    return result


def _inf_where(mask: Tensor, t: Tensor) -> Tensor:
    return ew.where(mask, math.inf, t)


def _zero_where(mask: Tensor, t: Tensor) -> Tensor:
    return ew.where(mask, 0.0, t)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    t1 = _zero_where(p.probs == 0, _inf_where(q.probs == 0, t1))
    t2 = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    t2 = _zero_where(p.probs == 1, _inf_where(q.probs == 1, t2))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    t = p.probs * (p.logits - q.logits)
    t = _inf_where((q.probs == 0).expand_as(t), t)
    t = _zero_where((p.probs == 0).expand_as(t), t)
    return t.sum(-1)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - ew.log(var_ratio))


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    result = ew.log((q.high - q.low) / (p.high - p.low))
    return _inf_where((q.low > p.low) | (q.high < p.high), result)


@register_kl(Normal, Uniform)
def _kl_normal_uniform(p: Normal, q: Uniform) -> Tensor:
    # a normal's support is not inside any interval
    return creation.full_like(p.loc, math.inf)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p: Uniform, q: Normal) -> Tensor:
    width = p.high - p.low
    t1 = ew.log(math.sqrt(math.pi * 2) * q.scale / width)
    t2 = width**2 / 12
    t3 = ((p.high + p.low - 2 * q.loc) / 2) ** 2
    return t1 + 0.5 * (t2 + t3) / q.scale**2


def _infinite_like(t: Tensor) -> Tensor:
    return creation.full_like(t, math.inf)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p: OneHotCategorical, q: OneHotCategorical) -> Tensor:
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            "KL between Independents with different reinterpreted_batch_ndims is not implemented"
        )
    result = kl_divergence(p.base_dist, q.base_dist)
    return sum_rightmost(result, p.reinterpreted_batch_ndims)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Tensor:
    rate_ratio = q.rate / p.rate
    return -ew.log(rate_ratio) + rate_ratio - 1


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Tensor:
    scale_ratio = p.scale / q.scale
    loc_abs_diff = ew.abs(p.loc - q.loc)
    t1 = -ew.log(scale_ratio)
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * ew.exp(-loc_abs_diff / p.scale)
    return t1 + t2 + t3 - 1


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> Tensor:
    return p.rate * (ew.log(p.rate) - ew.log(q.rate)) - (p.rate - q.rate)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric) -> Tensor:
    return -p.entropy() - ew.log1p(-q.probs) / p.probs - q.logits


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p: Binomial, q: Binomial) -> Tensor:
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError(
            "KL between Binomials where q.total_count > p.total_count is not implemented"
        )
    kl = p.total_count * (p.probs * (p.logits - q.logits) + ew.log1p(-p.probs) - ew.log1p(-q.probs))
    return _inf_where(p.total_count > q.total_count, kl)


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p: Exponential, q: Normal) -> Tensor:
    var_normal = q.scale.pow(2)
    rate_sqr = p.rate.pow(2)
    t1 = 0.5 * ew.log(rate_sqr * var_normal * 2 * math.pi)
    t2 = rate_sqr.reciprocal()
    t3 = q.loc / p.rate
    t4 = q.loc.pow(2) * 0.5
    return t1 - 1 + (t2 - t3 + t4) / var_normal


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p: Laplace, q: Normal) -> Tensor:
    var_normal = q.scale.pow(2)
    scale_sqr_var_ratio = p.scale.pow(2) / var_normal
    t1 = 0.5 * ew.log(2 * scale_sqr_var_ratio / math.pi)
    t2 = 0.5 * p.loc.pow(2)
    t3 = p.loc * q.loc
    t4 = 0.5 * q.loc.pow(2)
    return -t1 + scale_sqr_var_ratio + (t2 - t3 + t4) / var_normal - 1


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p: Normal, q: Laplace) -> Tensor:
    loc_diff = p.loc - q.loc
    scale_ratio = p.scale / q.scale
    loc_diff_scale_ratio = loc_diff / p.scale
    t1 = ew.log(scale_ratio)
    t2 = math.sqrt(2 / math.pi) * p.scale * ew.exp(-0.5 * loc_diff_scale_ratio.pow(2))
    t3 = loc_diff * ew.erf(math.sqrt(0.5) * loc_diff_scale_ratio)
    return -t1 + (t2 + t3) / q.scale - (0.5 * (1 + math.log(0.5 * math.pi)))


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p: Uniform, q: Exponential) -> Tensor:
    result = q.rate * (p.high + p.low) / 2 - ew.log((p.high - p.low) * q.rate)
    return _inf_where(p.low < 0, result)


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p: Bernoulli, q: Poisson) -> Tensor:
    return -p.entropy() - (p.probs * ew.log(q.rate) - q.rate)


@register_kl(Exponential, Beta)
@register_kl(Exponential, ContinuousBernoulli)
@register_kl(Exponential, Pareto)
@register_kl(Exponential, Uniform)
def _kl_exponential_infinity(p: Exponential, q: Distribution) -> Tensor:
    return _infinite_like(p.rate)


@register_kl(Normal, Beta)
@register_kl(Normal, ContinuousBernoulli)
@register_kl(Normal, Exponential)
@register_kl(Normal, Gamma)
@register_kl(Normal, Pareto)
def _kl_normal_infinity(p: Normal, q: Distribution) -> Tensor:
    return _infinite_like(p.loc)


@register_kl(Laplace, Beta)
@register_kl(Laplace, ContinuousBernoulli)
@register_kl(Laplace, Exponential)
@register_kl(Laplace, Gamma)
@register_kl(Laplace, Pareto)
@register_kl(Laplace, Uniform)
def _kl_laplace_infinity(p: Laplace, q: Distribution) -> Tensor:
    return _infinite_like(p.loc)


@register_kl(Poisson, Bernoulli)
@register_kl(Poisson, Binomial)
def _kl_poisson_infinity(p: Poisson, q: Distribution) -> Tensor:
    return _infinite_like(p.rate)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(
    p: MultivariateNormal, q: MultivariateNormal
) -> Tensor:
    """(tr(Sq^-1 Sp) + (mq - mp)^T Sq^-1 (mq - mp) - k + log det Sq - log det Sp) / 2."""
    from ..ops import layout as lo
    from ..ops import linalg_fns as la

    if p.event_shape != q.event_shape:
        raise ValueError(
            "KL-divergence between two Multivariate Normals with different event shapes "
            "cannot be computed"
        )
    p_l, q_l = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_term1 = ew.log(q_l.diagonal(dim1=-2, dim2=-1)).sum(-1) - ew.log(
        p_l.diagonal(dim1=-2, dim2=-1)
    ).sum(-1)
    n = p.event_shape[0]
    batch = tuple(lo.broadcast_shapes(tuple(q_l.shape[:-2]), tuple(p_l.shape[:-2])))
    q_full, p_full = q_l.expand(*(batch + (n, n))), p_l.expand(*(batch + (n, n)))
    term2 = la.solve_triangular(q_full, p_full, upper=False).pow(2).sum((-2, -1))
    term3 = batch_mahalanobis(q_l, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - n)


_EULER_GAMMA = 0.57721566490153286060


def _x_log_x(t: Tensor) -> Tensor:
    return t * ew.log(t)


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Tensor:
    t1 = q.concentration * ew.log(p.rate / q.rate)
    t2 = ew.lgamma(q.concentration) - ew.lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * mf.digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Tensor:
    sum_p = p.concentration1 + p.concentration0
    sum_q = q.concentration1 + q.concentration0
    t1 = ew.lgamma(q.concentration1) + ew.lgamma(q.concentration0) + ew.lgamma(sum_p)
    t2 = ew.lgamma(p.concentration1) + ew.lgamma(p.concentration0) + ew.lgamma(sum_q)
    t3 = (p.concentration1 - q.concentration1) * mf.digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * mf.digamma(p.concentration0)
    t5 = (sum_q - sum_p) * mf.digamma(sum_p)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    sum_p = p.concentration.sum(-1)
    sum_q = q.concentration.sum(-1)
    t1 = ew.lgamma(sum_p) - ew.lgamma(sum_q)
    t2 = (ew.lgamma(p.concentration) - ew.lgamma(q.concentration)).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = mf.digamma(p.concentration) - mf.digamma(sum_p).unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p: Exponential, q: Gamma) -> Tensor:
    ratio = q.rate / p.rate
    t1 = -q.concentration * ew.log(ratio)
    return (
        t1
        + ratio
        + ew.lgamma(q.concentration)
        + q.concentration * _EULER_GAMMA
        - (1 + _EULER_GAMMA)
    )


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p: Gamma, q: Exponential) -> Tensor:
    return -p.entropy() - ew.log(q.rate) + q.rate * p.concentration / p.rate


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p: Gamma, q: Normal) -> Tensor:
    var_normal = q.scale.pow(2)
    beta_sqr = p.rate.pow(2)
    t1 = (
        0.5 * ew.log(beta_sqr * var_normal * 2 * math.pi)
        - p.concentration
        - ew.lgamma(p.concentration)
    )
    t2 = 0.5 * (p.concentration.pow(2) + p.concentration) / beta_sqr
    t3 = q.loc * p.concentration / p.rate
    t4 = 0.5 * q.loc.pow(2)
    return t1 + (p.concentration - 1) * mf.digamma(p.concentration) + (t2 - t3 + t4) / var_normal


@register_kl(Gamma, Beta)
@register_kl(Gamma, ContinuousBernoulli)
@register_kl(Gamma, Pareto)
@register_kl(Gamma, Uniform)
def _kl_gamma_infinity(p: Gamma, q: Distribution) -> Tensor:
    return _infinite_like(p.concentration)


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p: Beta, q: Exponential) -> Tensor:
    mean = p.concentration1 / (p.concentration1 + p.concentration0)
    return -p.entropy() - ew.log(q.rate) + q.rate * mean


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p: Beta, q: Gamma) -> Tensor:
    total = p.concentration1 + p.concentration0
    t1 = -p.entropy()
    t2 = ew.lgamma(q.concentration) - q.concentration * ew.log(q.rate)
    t3 = (q.concentration - 1) * (mf.digamma(p.concentration1) - mf.digamma(total))
    t4 = q.rate * p.concentration1 / total
    return t1 + t2 - t3 + t4


@register_kl(Beta, Normal)
def _kl_beta_normal(p: Beta, q: Normal) -> Tensor:
    total = p.concentration1 + p.concentration0
    e_beta = p.concentration1 / total
    var_normal = q.scale.pow(2)
    t1 = -p.entropy()
    t2 = 0.5 * ew.log(var_normal * 2 * math.pi)
    t3 = (e_beta * (1 - e_beta) / (total + 1) + e_beta.pow(2)) * 0.5
    t4 = q.loc * e_beta
    t5 = q.loc.pow(2) * 0.5
    return t1 + t2 + (t3 - t4 + t5) / var_normal


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p: Beta, q: Uniform) -> Tensor:
    result = -p.entropy() + ew.log(q.high - q.low)
    return _inf_where((q.low > 0.0) | (q.high < 1.0), result)


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p: Uniform, q: Beta) -> Tensor:
    width = p.high - p.low
    t1 = ew.log(width)
    t2 = (q.concentration1 - 1) * (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    t3 = (q.concentration0 - 1) * (_x_log_x(1 - p.high) - _x_log_x(1 - p.low) + width) / width
    t4 = (
        ew.lgamma(q.concentration1)
        + ew.lgamma(q.concentration0)
        - ew.lgamma(q.concentration1 + q.concentration0)
    )
    return _inf_where((p.high > 1.0) | (p.low < 0.0), t3 + t4 - t1 - t2)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p: Uniform, q: Gamma) -> Tensor:
    width = p.high - p.low
    t1 = ew.log(width)
    t2 = ew.lgamma(q.concentration) - q.concentration * ew.log(q.rate)
    t3 = (1 - q.concentration) * (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    t4 = q.rate * (p.high + p.low) / 2
    return _inf_where(p.low < 0.0, -t1 + t2 + t3 + t4)


def _trace_xxt(x: Tensor) -> Tensor:
    """tr(X X^T) over the last two dims: the sum of squares."""
    return x.pow(2).sum((-2, -1))


def _lowrank_terms(q: LowRankMultivariateNormal) -> tuple[Tensor, Tensor, Tensor]:
    """q's W, D and A = L_C^-1 W^T D^-1 (so q's precision is D^-1 - A^T A)."""
    from ..ops import linalg_fns as la

    W, D = q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag  # noqa: N806
    a = la.solve_triangular(q._capacitance_tril, W.mT / D.unsqueeze(-2), upper=False)
    return W, D, a


def _same_event(p: Distribution, q: Distribution, what: str) -> None:
    if p.event_shape != q.event_shape:
        raise ValueError(
            f"KL-divergence between two {what} with different event shapes cannot be computed"
        )


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p: LowRankMultivariateNormal, q: LowRankMultivariateNormal) -> Tensor:
    """(tr(Sq^-1 Sp) + Mahalanobis + log det Sq - log det Sp - k) / 2, with
    Sq^-1 = Dq^-1 - A^T A expanded against Sp = Wp Wp^T + Dp."""
    _same_event(p, q, "Low Rank Multivariate Normals")
    pw, pd = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    qw, qd, a = _lowrank_terms(q)
    term1 = lowrank_logdet(qw, qd, q._capacitance_tril) - lowrank_logdet(
        pw, pd, p._capacitance_tril
    )
    term3 = lowrank_mahalanobis(qw, qd, q.loc - p.loc, q._capacitance_tril)
    term21 = (pd / qd).sum(-1)
    term22 = _trace_xxt(pw * ew.rsqrt(qd).unsqueeze(-1))
    term23 = _trace_xxt(a * ew.sqrt(pd).unsqueeze(-2))
    term24 = _trace_xxt(a @ pw)
    return 0.5 * (term1 + term21 + term22 - term23 - term24 + term3 - p.event_shape[0])


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_mvn_lowrank(p: MultivariateNormal, q: LowRankMultivariateNormal) -> Tensor:
    _same_event(p, q, "(Low Rank) Multivariate Normals")
    p_l = p._unbroadcasted_scale_tril
    qw, qd, a = _lowrank_terms(q)
    term1 = lowrank_logdet(qw, qd, q._capacitance_tril) - 2 * ew.log(
        p_l.diagonal(dim1=-2, dim2=-1)
    ).sum(-1)
    term3 = lowrank_mahalanobis(qw, qd, q.loc - p.loc, q._capacitance_tril)
    term21 = _trace_xxt(p_l * ew.rsqrt(qd).unsqueeze(-1))
    term22 = _trace_xxt(a @ p_l)
    return 0.5 * (term1 + term21 - term22 + term3 - p.event_shape[0])


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_mvn(p: LowRankMultivariateNormal, q: MultivariateNormal) -> Tensor:
    from ..ops import layout as lo
    from ..ops import linalg_fns as la
    from ..ops import matrices as mx

    _same_event(p, q, "(Low Rank) Multivariate Normals")
    q_l = q._unbroadcasted_scale_tril
    pw, pd = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    term1 = 2 * ew.log(q_l.diagonal(dim1=-2, dim2=-1)).sum(-1) - lowrank_logdet(
        pw, pd, p._capacitance_tril
    )
    term3 = batch_mahalanobis(q_l, q.loc - p.loc)
    n, r = p.event_shape[0], pw.shape[-1]
    batch = tuple(lo.broadcast_shapes(tuple(q_l.shape[:-2]), tuple(pw.shape[:-2])))
    q_full = q_l.expand(*(batch + (n, n)))
    term21 = _trace_xxt(la.solve_triangular(q_full, pw.expand(*(batch + (n, r))), upper=False))
    p_sqrt_d = mx.diag_embed(ew.sqrt(pd)).expand(*(batch + (n, n)))
    term22 = _trace_xxt(la.solve_triangular(q_full, p_sqrt_d, upper=False))
    return 0.5 * (term1 + term21 + term22 + term3 - p.event_shape[0])


# --------------------------------------------------------------------------------------------
# the families built on transforms, and the rarer closed forms (torch's registrations)
# --------------------------------------------------------------------------------------------


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p: TransformedDistribution, q: TransformedDistribution) -> Tensor:
    """The KL of the base distributions, when both push them through the same transforms."""
    if p.transforms != q.transforms:
        raise NotImplementedError(
            "KL between TransformedDistributions is implemented only for equal transforms"
        )
    if p.event_shape != q.event_shape:
        raise NotImplementedError(
            "KL between TransformedDistributions needs equal event shapes, got "
            f"{tuple(p.event_shape)} and {tuple(q.event_shape)}"
        )
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p: HalfNormal, q: HalfNormal) -> Tensor:
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p: Cauchy, q: Cauchy) -> Tensor:
    # log(((s_p + s_q)^2 + (l_p - l_q)^2) / (4 s_p s_q)) (Chyzak and Nielsen, 2019)
    t1 = ew.log((p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2))
    t2 = ew.log(4 * p.scale * q.scale)
    return t1 - t2


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p: Gumbel, q: Gumbel) -> Tensor:
    ct1 = p.scale / q.scale
    ct2 = q.loc / q.scale
    ct3 = p.loc / q.scale
    t1 = -ew.log(ct1) - ct2 + ct3
    t2 = ct1 * EULER_GAMMA
    t3 = ew.exp(ct2 + ew.lgamma(1 + ct1) - ct3)
    return t1 + t2 + t3 - (1 + EULER_GAMMA)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p: Pareto, q: Pareto) -> Tensor:
    # alpha_q log(s_p / s_q) - log(alpha_q / alpha_p) + alpha_q / alpha_p - 1 (s_p >= s_q)
    scale_ratio = p.scale / q.scale
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * ew.log(scale_ratio) - ew.log(alpha_ratio) + alpha_ratio - 1
    return _inf_where(p.scale < q.scale, result)


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(
    p: ContinuousBernoulli, q: ContinuousBernoulli
) -> Tensor:
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._log_norm() + ew.log1p(-p.probs)
    t3 = -q._log_norm() - ew.log1p(-q.probs)
    return t1 + t2 + t3


def _cross_continuous_bernoulli(mean: Tensor, q: ContinuousBernoulli) -> Tensor:
    """-E_p[log q(x)] for a p on [0, 1] with mean ``mean``."""
    return -mean * q.logits - ew.log1p(-q.probs) - q._log_norm()


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p: Beta, q: ContinuousBernoulli) -> Tensor:
    return -p.entropy() + _cross_continuous_bernoulli(p.mean, q)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p: Uniform, q: ContinuousBernoulli) -> Tensor:
    result = -p.entropy() + _cross_continuous_bernoulli(p.mean, q)
    return _inf_where((p.high >= 1.0) | (p.low <= 0.0), result)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p: ContinuousBernoulli, q: Exponential) -> Tensor:
    return -p.entropy() - ew.log(q.rate) + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p: ContinuousBernoulli, q: Normal) -> Tensor:
    t1 = -p.entropy()
    t2 = 0.5 * (math.log(2.0 * math.pi) + (q.loc / q.scale).pow(2)) + ew.log(q.scale)
    t3 = (p.variance + p.mean.pow(2) - 2.0 * q.loc * p.mean) / (2.0 * q.scale.pow(2))
    return t1 + t2 + t3


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p: ContinuousBernoulli, q: Uniform) -> Tensor:
    result = -p.entropy() + ew.log(q.high - q.low)
    return _inf_where((q.low >= 0.0) | (q.high <= 1.0), result)


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p: Exponential, q: Gumbel) -> Tensor:
    scale_rate_prod = p.rate * q.scale
    loc_scale_ratio = q.loc / q.scale
    t1 = ew.log(scale_rate_prod) - 1
    t2 = ew.exp(loc_scale_ratio) * scale_rate_prod / (scale_rate_prod + 1)
    t3 = scale_rate_prod.reciprocal()
    return t1 - loc_scale_ratio + t2 + t3


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p: Gamma, q: Gumbel) -> Tensor:
    a = p.concentration
    beta_scale_prod = p.rate * q.scale
    loc_scale_ratio = q.loc / q.scale
    t1 = (a - 1) * mf.digamma(a) - ew.lgamma(a) - a
    t2 = ew.log(beta_scale_prod) + a / beta_scale_prod
    t3 = ew.exp(loc_scale_ratio) * (1 + beta_scale_prod.reciprocal()).pow(-a) - loc_scale_ratio
    return t1 + t2 + t3


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p: Gumbel, q: Normal) -> Tensor:
    param_ratio = p.scale / q.scale
    t1 = ew.log(param_ratio / math.sqrt(2 * math.pi))
    t2 = (math.pi * param_ratio).pow(2) / 12
    t3 = ((p.loc + p.scale * EULER_GAMMA - q.loc) / q.scale).pow(2) / 2
    return -t1 + t2 + t3 - (EULER_GAMMA + 1)


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p: Normal, q: Gumbel) -> Tensor:
    mean_scale_ratio = p.loc / q.scale
    var_scale_sqr_ratio = (p.scale / q.scale).pow(2)
    loc_scale_ratio = q.loc / q.scale
    t1 = 0.5 * ew.log(var_scale_sqr_ratio)
    t2 = mean_scale_ratio - loc_scale_ratio
    t3 = ew.exp(-mean_scale_ratio + 0.5 * var_scale_sqr_ratio + loc_scale_ratio)
    return -t1 + t2 + t3 - 0.5 * (1 + math.log(2 * math.pi))


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p: Uniform, q: Gumbel) -> Tensor:
    common_term = q.scale / (p.high - p.low)
    high_loc_diff = (p.high - q.loc) / q.scale
    low_loc_diff = (p.low - q.loc) / q.scale
    t1 = ew.log(common_term) + 0.5 * (high_loc_diff + low_loc_diff)
    t2 = common_term * (ew.exp(-high_loc_diff) - ew.exp(-low_loc_diff))
    return t1 - t2


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p: Uniform, q: Pareto) -> Tensor:
    # -H(U) - E_U[log alpha + alpha log s - (alpha + 1) log x]
    width = p.high - p.low
    t1 = ew.log(q.alpha * q.scale.pow(q.alpha) * width)
    t2 = (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    return _inf_where(p.low < q.scale, t2 * (q.alpha + 1) - t1)


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p: Pareto, q: Exponential) -> Tensor:
    scale_rate_prod = p.scale * q.rate
    t1 = ew.log(p.alpha / scale_rate_prod)
    t2 = p.alpha.reciprocal()
    safe = ew.where(p.alpha > 1, p.alpha, 2.0)  # the mean is infinite for alpha <= 1
    t3 = safe * scale_rate_prod / (safe - 1)
    return _inf_where(p.alpha <= 1, t1 - t2 + t3 - 1)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p: Pareto, q: Gamma) -> Tensor:
    common_term = ew.log(p.scale) + p.alpha.reciprocal()  # E[log x]
    t1 = ew.log(p.alpha) - common_term
    t2 = ew.lgamma(q.concentration) - q.concentration * ew.log(q.rate)
    t3 = (1 - q.concentration) * common_term
    safe = ew.where(p.alpha > 1, p.alpha, 2.0)
    t4 = q.rate * safe * p.scale / (safe - 1)
    return _inf_where(p.alpha <= 1, t1 + t2 + t3 + t4 - 1)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p: Pareto, q: Normal) -> Tensor:
    var_normal = 2 * q.scale.pow(2)
    safe = ew.where(p.alpha > 2, p.alpha, 3.0)  # the variance is infinite for alpha <= 2
    common_term = p.scale / (safe - 1)
    t1 = ew.log(math.sqrt(2 * math.pi) * q.scale * p.alpha / p.scale)
    t2 = p.alpha.reciprocal()
    t3 = safe * common_term.pow(2) / (safe - 2)
    t4 = (safe * common_term - q.loc).pow(2)
    return _inf_where(p.alpha <= 2, t1 - t2 + (t3 + t4) / var_normal - 1)


@register_kl(Beta, Pareto)
def _kl_beta_infinity(p: Beta, q: Distribution) -> Tensor:
    return _infinite_like(p.concentration1)


@register_kl(ContinuousBernoulli, Pareto)
def _kl_continuous_bernoulli_infinity(p: ContinuousBernoulli, q: Distribution) -> Tensor:
    return _infinite_like(p.probs)


@register_kl(Gumbel, Beta)
@register_kl(Gumbel, ContinuousBernoulli)
@register_kl(Gumbel, Exponential)
@register_kl(Gumbel, Gamma)
@register_kl(Gumbel, Pareto)
@register_kl(Gumbel, Uniform)
def _kl_gumbel_infinity(p: Gumbel, q: Distribution) -> Tensor:
    return _infinite_like(p.loc)


@register_kl(Pareto, Beta)
@register_kl(Pareto, ContinuousBernoulli)
@register_kl(Pareto, Uniform)
def _kl_pareto_infinity(p: Pareto, q: Distribution) -> Tensor:
    return _infinite_like(p.scale)
