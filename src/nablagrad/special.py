"""``torch.special``: the special functions under SciPy-style names.

Most are nablagrad's own functions under a second name (``expit`` is ``sigmoid``,
``gammaln`` is ``lgamma``); the rest are composed from them, so all are differentiable.

Example:
    >>> import nablagrad as torch
    >>> torch.special.ndtr(torch.tensor([0.0]))
    tensor([0.5000])
"""

from __future__ import annotations

import math
from typing import Any

import nablagrad as _ops  # the package (loaded before this lazy module)

from .ops import mathfns as _mathfns
from .tensor import Tensor

expit = _ops.sigmoid
logit = _ops.logit
erf = _ops.erf
erfc = _ops.erfc
erfinv = _ops.erfinv
xlogy = _ops.xlogy
gammaln = _ops.lgamma
digamma = _ops.digamma
psi = _ops.digamma
polygamma = _ops.polygamma
sinc = _ops.sinc
log1p = _ops.log1p
expm1 = _ops.expm1
exp2 = _ops.exp2
round = _ops.round  # noqa: A001 - torch's name
logsumexp = _ops.logsumexp


def softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j) along ``dim``."""
    x = input if dtype is None else input.to(dtype=dtype)
    return x.softmax(dim)


def log_softmax(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """log softmax along ``dim``."""
    x = input if dtype is None else input.to(dtype=dtype)
    return x.log_softmax(dim)


def ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """The standard normal CDF: Phi(x) = erfc(-x / sqrt(2)) / 2."""
    return _ops.erfc(input * (-1 / math.sqrt(2))) * 0.5


def log_ndtr(input: Tensor) -> Tensor:  # noqa: A002
    """log Phi(x), finite in both tails."""
    return _mathfns.log_ndtr(input)


def ndtri(input: Tensor) -> Tensor:  # noqa: A002
    """The standard normal quantile: Phi^-1(p)."""
    return _mathfns.ndtri(input)


def entr(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise entropy: -x log x for x > 0, 0 at 0, -inf for x < 0; d/dx = -(1 + log x).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.entr(ng.tensor([0.5, 0.0, -1.0]))
        tensor([0.3466, 0.0000,   -inf])
    """
    return _mathfns.entr(input)


def xlog1py(input: Any, other: Any) -> Tensor:  # noqa: A002
    """x * log1p(y), with 0 where x == 0 (y not NaN)."""
    x = input if isinstance(input, Tensor) else _ops.tensor(input)
    return _mathfns.xlog1py(x, other)
