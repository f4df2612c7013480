"""``torch.special``: the special functions under SciPy-style names.

Most are nablagrad's own functions under a second name (``expit`` is ``sigmoid``,
``gammaln`` is ``lgamma``); the rest are composed from them, so all are differentiable.

Example:
    >>> import nablagrad as torch
    >>> torch.special.ndtr(torch.tensor([0.0]))
    tensor([0.5000])
"""

from __future__ import annotations

import functools
import inspect
import math
from typing import Any

import nablagrad as _ops  # the package (loaded before this lazy module)

from .autograd.function import torch_node
from .ops import mathfns as _mathfns
from .ops import special as _special
from .tensor import Tensor

expit = _ops.sigmoid
logit = _ops.logit
erf = _ops.erf
erfc = _ops.erfc
erfinv = _ops.erfinv
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
i0 = _ops.i0
i0e = _special.i0e
i1 = _special.i1
i1e = _special.i1e
erfcx = _special.erfcx


def xlogy(input: Any, other: Any) -> Tensor:  # noqa: A002
    """x * log(y), 0 where x == 0 (even for y == 0); one of the two may be a Python number.

    Example:
        >>> import nablagrad as ng
        >>> ng.special.xlogy(ng.tensor([0.0, 2.0]), 0.5)
        tensor([ 0.0000, -1.3863])
    """
    _one_tensor("xlogy", input, other)
    return _ops.xlogy(input, other)


def zeta(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The Hurwitz zeta function zeta(x, q) = sum_{k >= 0} (k + q)^-x (x = input, q = other;
    the Riemann zeta function at q = 1); one of the two may be a Python number.

    Example:
        >>> import nablagrad as ng
        >>> ng.special.zeta(2.0, ng.tensor([1.0, 2.0]))
        tensor([1.6449, 0.6449])
    """
    _one_tensor("zeta", input, other)
    return _special.zeta(input, other)


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


@torch_node("SpecialEntrBackward0")
def entr(input: Tensor) -> Tensor:  # noqa: A002
    """Elementwise entropy: -x log x for x > 0, 0 at 0, -inf for x < 0; d/dx = -(1 + log x).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.entr(ng.tensor([0.5, 0.0, -1.0]))
        tensor([0.3466, 0.0000,   -inf])
    """
    return _mathfns.entr(input)


@torch_node("SpecialXlog1PyBackward0")
def xlog1py(input: Any, other: Any) -> Tensor:  # noqa: A002
    """x * log1p(y), with 0 where x == 0 (y not NaN); one of the two may be a Python number.

    Example:
        >>> import nablagrad as ng
        >>> ng.special.xlog1py(2.0, ng.tensor([0.0, 1.0]))
        tensor([0.0000, 1.3863])
    """
    _one_tensor("xlog1py", input, other)
    return _mathfns.xlog1py(input, other)


def _one_tensor(fn: str, input: Any, other: Any) -> None:  # noqa: A002
    """torch's (Tensor, Tensor), (Number, Tensor) and (Tensor, Number) overloads: refuse two
    numbers."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(
            f"special.{fn}(): expected a Tensor for input or other, got "
            f"{type(input).__name__} and {type(other).__name__}: wrap one in torch.tensor(...)"
        )


def _tensor_arg(fn: str, name: str, position: int, value: Any) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"special_{fn}(): argument '{name}' (position {position}) must be Tensor, not "
            f"{type(value).__name__}"
        )


def gammainc(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The regularized lower incomplete gamma function
    P(a, x) = 1/Gamma(a) integral_0^x t^(a-1) e^-t dt (a = input, x = other); d/dx =
    x^(a-1) e^-x / Gamma(a); no derivative in a (NotImplementedError, as torch's).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.gammainc(ng.tensor([1.0, 2.0]), ng.tensor([1.0, 1.0]))
        tensor([0.6321, 0.2642])
    """
    _tensor_arg("gammainc", "input", 1, input)
    _tensor_arg("gammainc", "other", 2, other)
    return _special.igamma(input, other)


def gammaincc(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x); d/dx =
    -x^(a-1) e^-x / Gamma(a); no derivative in a.

    Example:
        >>> import nablagrad as ng
        >>> ng.special.gammaincc(ng.tensor([1.0, 2.0]), ng.tensor([1.0, 1.0]))
        tensor([0.3679, 0.7358])
    """
    _tensor_arg("gammaincc", "input", 1, input)
    _tensor_arg("gammaincc", "other", 2, other)
    return _special.igammac(input, other)


@torch_node("MvlgammaBackward0")
def multigammaln(input: Tensor, p: int) -> Tensor:  # noqa: A002
    """The multivariate log-gamma function of dimension p:
    log Gamma_p(x) = p(p-1)/4 log(pi) + sum_{i<p} lgamma(x - i/2) (``torch.mvlgamma``);
    every element must exceed (p - 1)/2.

    Example:
        >>> import nablagrad as ng
        >>> ng.special.multigammaln(ng.tensor([2.5, 3.0]), 2)
        tensor([0.8570, 1.5502])
    """
    _tensor_arg("multigammaln", "input", 1, input)
    return _ops.mvlgamma(input, p)


# -- Bessel and Airy functions: no derivative in torch (backward raises here) ------------------


def _unary(name: str, input: Any, compute: Any) -> Tensor:
    return _special._no_grad_unary(name, input, compute)


def bessel_j0(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the first kind of order 0,
    J0(x) = sum_k (-1)^k (x/2)^(2k) / (k!)^2 (no derivative, as in torch).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.bessel_j0(ng.tensor([0.0, 1.0]))
        tensor([1.0000, 0.7652])
    """
    return _unary("bessel_j0", input, lambda a: _special._special_array(a, "j0"))


def bessel_j1(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the first kind of order 1,
    J1(x) = sum_k (-1)^k (x/2)^(2k+1) / (k! (k+1)!) (no derivative, as in torch).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.bessel_j1(ng.tensor([0.0, 1.0]))
        tensor([0.0000, 0.4401])
    """
    return _unary("bessel_j1", input, lambda a: _special._special_array(a, "j1"))


def bessel_y0(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the second kind of order 0,
    Y0(x) = (2/pi) (log(x/2) + gamma) J0(x) + ... (-inf at 0, NaN for x < 0; no derivative).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.bessel_y0(ng.tensor([1.0, 0.0]))
        tensor([0.0883,   -inf])
    """
    return _unary("bessel_y0", input, lambda a: _special._special_array(a, "y0"))


def bessel_y1(input: Tensor) -> Tensor:  # noqa: A002
    """The Bessel function of the second kind of order 1, Y1(x) ~ -2/(pi x) near 0
    (-inf at 0, NaN for x < 0; no derivative).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.bessel_y1(ng.tensor([1.0, 0.0]))
        tensor([-0.7812,    -inf])
    """
    return _unary("bessel_y1", input, lambda a: _special._special_array(a, "y1"))


def modified_bessel_i0(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the first kind of order 0,
    I0(x) = sum_k (x^2/4)^k / (k!)^2 (``i0``'s values; no derivative, as in torch).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.modified_bessel_i0(ng.tensor([0.0, 1.0]))
        tensor([1.0000, 1.2661])
    """
    return _unary("modified_bessel_i0", input, lambda a: _special._special_array(a, "i0"))


def modified_bessel_i1(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the first kind of order 1,
    I1(x) = (x/2) sum_k (x^2/4)^k / (k! (k+1)!) (no derivative, as in torch).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.modified_bessel_i1(ng.tensor([0.0, 1.0]))
        tensor([0.0000, 0.5652])
    """
    return _unary("modified_bessel_i1", input, lambda a: _special._special_array(a, "i1"))


def modified_bessel_k0(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the second kind of order 0,
    K0(x) = integral_0^inf e^(-x cosh t) dt (inf at 0, NaN for x < 0; no derivative).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.modified_bessel_k0(ng.tensor([1.0, 0.0]))
        tensor([0.4210,    inf])
    """
    return _unary("modified_bessel_k0", input, lambda a: _special._special_array(a, "k0"))


def modified_bessel_k1(input: Tensor) -> Tensor:  # noqa: A002
    """The modified Bessel function of the second kind of order 1,
    K1(x) = integral_0^inf e^(-x cosh t) cosh t dt (inf at 0, NaN for x < 0; no derivative).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.modified_bessel_k1(ng.tensor([1.0, 0.0]))
        tensor([0.6019,    inf])
    """
    return _unary("modified_bessel_k1", input, lambda a: _special._special_array(a, "k1"))


def scaled_modified_bessel_k0(x: Tensor) -> Tensor:
    """The exponentially scaled K0: e^x K0(x), finite where K0 underflows (no derivative).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.scaled_modified_bessel_k0(ng.tensor([1.0, 800.0]))
        tensor([1.1445, 0.0443])
    """
    return _unary("scaled_modified_bessel_k0", x, lambda a: _special._special_array(a, "k0e"))


def scaled_modified_bessel_k1(x: Tensor) -> Tensor:
    """The exponentially scaled K1: e^x K1(x), finite where K1 underflows (no derivative).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.scaled_modified_bessel_k1(ng.tensor([1.0, 800.0]))
        tensor([1.6362, 0.0443])
    """
    return _unary("scaled_modified_bessel_k1", x, lambda a: _special._special_array(a, "k1e"))


def spherical_bessel_j0(x: Tensor) -> Tensor:
    """The spherical Bessel function of the first kind of order 0, j0(x) = sin(x) / x
    (1 at 0, 0 at +-inf; no derivative, as in torch).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.spherical_bessel_j0(ng.tensor([0.0, 3.0]))
        tensor([1.0000, 0.0470])
    """
    return _unary("spherical_bessel_j0", x, _special.spherical_j0_array)


def airy_ai(x: Tensor) -> Tensor:
    """The Airy function Ai(x), the solution of y'' = x y that decays as x -> inf:
    Ai(x) = 1/pi integral_0^inf cos(t^3/3 + x t) dt (no derivative, as in torch).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.airy_ai(ng.tensor([0.0, 1.0]))
        tensor([0.3550, 0.1353])
    """
    return _unary("airy_ai", x, _special._airy_ai_array)


# -- orthogonal polynomials of degree n (truncated toward zero; 0 for n < 0), no derivative -----


def chebyshev_polynomial_t(x: Any, n: Any) -> Tensor:
    """The Chebyshev polynomial of the first kind T_n(x): T_0 = 1, T_1 = x,
    T_{k+1} = 2x T_k - T_{k-1}; cos(n arccos x) for |x| < 1 and n > 6, as torch.

    Example:
        >>> import nablagrad as ng
        >>> ng.special.chebyshev_polynomial_t(ng.tensor([0.5, 2.0]), 3)
        tensor([-1., 26.])
    """
    return _special.polynomial("chebyshev_t", x, n)


def chebyshev_polynomial_u(x: Any, n: Any) -> Tensor:
    """The Chebyshev polynomial of the second kind U_n(x): U_0 = 1, U_1 = 2x,
    U_{k+1} = 2x U_k - U_{k-1}; sin((n+1) theta) / sin(theta), theta = arccos x, for |x| < 1
    and n > 8.

    Example:
        >>> import nablagrad as ng
        >>> ng.special.chebyshev_polynomial_u(ng.tensor([0.5, 2.0]), 3)
        tensor([-1., 56.])
    """
    return _special.polynomial("chebyshev_u", x, n)


def chebyshev_polynomial_v(x: Any, n: Any) -> Tensor:
    """The Chebyshev polynomial of the third kind V_n(x): V_0 = 1, V_1 = 2x - 1,
    V_{k+1} = 2x V_k - V_{k-1}; cos((n + 1/2) theta) / cos(theta/2) for |x| < 1 and n > 8.

    Example:
        >>> import nablagrad as ng
        >>> ng.special.chebyshev_polynomial_v(ng.tensor([0.5, 2.0]), 3)
        tensor([-1., 41.])
    """
    return _special.polynomial("chebyshev_v", x, n)


def chebyshev_polynomial_w(x: Any, n: Any) -> Tensor:
    """The Chebyshev polynomial of the fourth kind W_n(x): W_0 = 1, W_1 = 2x + 1,
    W_{k+1} = 2x W_k - W_{k-1}; sin((n + 1/2) theta) / sin(theta/2) for |x| < 1 and n > 8.

    Example:
        >>> import nablagrad as ng
        >>> ng.special.chebyshev_polynomial_w(ng.tensor([0.5, 2.0]), 3)
        tensor([-1., 71.])
    """
    return _special.polynomial("chebyshev_w", x, n)


def shifted_chebyshev_polynomial_t(x: Any, n: Any) -> Tensor:
    """The shifted Chebyshev polynomial of the first kind T*_n(x) = T_n(2x - 1), orthogonal
    on [0, 1].

    Example:
        >>> import nablagrad as ng
        >>> ng.special.shifted_chebyshev_polynomial_t(ng.tensor([0.25, 1.5]), 3)
        tensor([ 1., 26.])
    """
    return _special.polynomial("shifted_chebyshev_t", x, n)


def shifted_chebyshev_polynomial_u(x: Any, n: Any) -> Tensor:
    """The shifted Chebyshev polynomial of the second kind U*_n(x) = U_n(2x - 1).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.shifted_chebyshev_polynomial_u(ng.tensor([0.25, 1.5]), 3)
        tensor([ 1., 56.])
    """
    return _special.polynomial("shifted_chebyshev_u", x, n)


def shifted_chebyshev_polynomial_v(x: Any, n: Any) -> Tensor:
    """The shifted Chebyshev polynomial of the third kind V*_n(x) = V_n(2x - 1).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.shifted_chebyshev_polynomial_v(ng.tensor([0.25, 1.5]), 3)
        tensor([ 1., 41.])
    """
    return _special.polynomial("shifted_chebyshev_v", x, n)


def shifted_chebyshev_polynomial_w(x: Any, n: Any) -> Tensor:
    """The shifted Chebyshev polynomial of the fourth kind W*_n(x) = W_n(2x - 1).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.shifted_chebyshev_polynomial_w(ng.tensor([0.25, 1.5]), 3)
        tensor([ 1., 71.])
    """
    return _special.polynomial("shifted_chebyshev_w", x, n)


def hermite_polynomial_h(x: Any, n: Any) -> Tensor:
    """The physicists' Hermite polynomial H_n(x): H_0 = 1, H_1 = 2x,
    H_{k+1} = 2x H_k - 2k H_{k-1}.

    Example:
        >>> import nablagrad as ng
        >>> ng.special.hermite_polynomial_h(ng.tensor([0.5, 2.0]), 3)
        tensor([-5., 40.])
    """
    return _special.polynomial("hermite_h", x, n)


def hermite_polynomial_he(x: Any, n: Any) -> Tensor:
    """The probabilists' Hermite polynomial He_n(x): He_0 = 1, He_1 = x,
    He_{k+1} = x He_k - k He_{k-1}.

    Example:
        >>> import nablagrad as ng
        >>> ng.special.hermite_polynomial_he(ng.tensor([0.5, 2.0]), 3)
        tensor([-1.3750,  2.0000])
    """
    return _special.polynomial("hermite_he", x, n)


def laguerre_polynomial_l(x: Any, n: Any) -> Tensor:
    """The Laguerre polynomial L_n(x): L_0 = 1, L_1 = 1 - x,
    L_{k+1} = ((2k + 1 - x) L_k - k L_{k-1}) / (k + 1).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.laguerre_polynomial_l(ng.tensor([0.5, 2.0]), 2)
        tensor([ 0.1250, -1.0000])
    """
    return _special.polynomial("laguerre_l", x, n)


def legendre_polynomial_p(x: Any, n: Any) -> Tensor:
    """The Legendre polynomial P_n(x): P_0 = 1, P_1 = x,
    P_{k+1} = ((2k + 1) x P_k - k P_{k-1}) / (k + 1).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.legendre_polynomial_p(ng.tensor([0.5, 2.0]), 2)
        tensor([-0.1250,  5.5000])
    """
    return _special.polynomial("legendre_p", x, n)


# -- torch's argument parser: ``out=`` (every function but softmax and log_softmax), NumPy's
# keyword names (``x=``, ``a=``, ``x1=`` for ``input``, ``x2=`` for ``other``) and ``self=``
# for a Python number in the first place of xlogy, xlog1py and zeta (their Scalar overload)


_NUMPY_KEYWORDS = {"x": "input", "a": "input", "x1": "input", "x2": "other"}
_SCALAR_SELF = ("xlogy", "xlog1py", "zeta")


def _torch_keywords(name: str, params: Any, kwargs: dict) -> dict:
    """``kwargs`` with torch's aliases renamed to ``fn``'s parameter names."""
    for alias in _NUMPY_KEYWORDS.keys() & kwargs.keys():
        target = _NUMPY_KEYWORDS[alias]
        if target in params and alias not in params:
            if target in kwargs:
                raise TypeError(f"special.{name}() got both {target}= and its alias {alias}=")
            kwargs[target] = kwargs.pop(alias)
    if name in _SCALAR_SELF:
        first = kwargs.get("input")
        if "input" in kwargs and not isinstance(first, Tensor):
            raise TypeError(
                f"special.{name}(): input= takes a Tensor; pass a Python number as self= "
                f"(torch's Scalar overload), got input={type(first).__name__}"
            )
        if "self" in kwargs:
            if isinstance(kwargs["self"], Tensor) or "input" in kwargs:
                raise TypeError(
                    f"special.{name}(): self= takes a Python number; pass a Tensor as input="
                )
            kwargs["input"] = kwargs.pop("self")
    return kwargs


def _accepts_out(fn: Any, with_out_keyword: bool = True) -> Any:
    """``fn`` with torch's keyword-only ``out=``: the result is written into ``out`` (a
    wrapper defined here, so the docstring examples stay this module's), and torch's other
    keyword names (``_torch_keywords``)."""
    from .creation import _write_out

    params = tuple(inspect.signature(fn).parameters)
    name = fn.__name__

    @functools.wraps(fn)
    def with_out(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        if kwargs:
            kwargs = _torch_keywords(name, params, kwargs)
        result = fn(*args, **kwargs)
        return result if out is None else _write_out(out, result, f"special.{fn.__name__}")

    if not with_out_keyword:

        @functools.wraps(fn)
        def renamed(*args: Any, **kwargs: Any) -> Any:
            return fn(*args, **_torch_keywords(name, params, kwargs) if kwargs else kwargs)

        return renamed
    sig = inspect.signature(fn)
    keyword = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, default=None)
    with_out.__signature__ = sig.replace(parameters=[*sig.parameters.values(), keyword])  # type: ignore[attr-defined]
    return with_out


def _add_out_keyword() -> None:
    g = globals()
    for name, fn in list(g.items()):
        if name.startswith("_") or not callable(fn) or isinstance(fn, type):
            continue
        has_out = "out" in inspect.signature(fn).parameters
        g[name] = _accepts_out(fn, not has_out and name not in ("softmax", "log_softmax"))


_add_out_keyword()
