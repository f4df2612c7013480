"""More of torch's elementwise math: NaN-ignoring extrema (fmax, fmin), frexp/ldexp, the Bessel
function i0, the incomplete gamma functions, mvlgamma, integer functions (gcd, lcm, bitwise
operations and shifts), rsub and positive.

The differentiable ones are primitives with backward formulas in differentiable operations
(``I0`` -> ``I1`` -> ``I0``), or compositions of existing primitives.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from ..autograd.function import Function, torch_node
from ..backend import device_of, get_array_module, np, scipy, special_module, to_device, to_host
from ..tensor import Tensor
from . import compare as cmp
from . import elementwise as ew
from .elementwise import _float_dtype_for, _quiet, prepare
from .mathfns import _no_derivative


@torch_node("FmaxBackward0")
def fmax(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise maximum that ignores NaN (NaN only where both are NaN); the gradient goes
    to the chosen operand (``input`` on ties)."""
    a, b = prepare(input, other)
    xp = get_array_module(a._data)
    take_a = (a._data >= b._data) | xp.isnan(b._data)
    return ew.where(Tensor._wrap(take_a), a, b)


@torch_node("FminBackward0")
def fmin(input: Any, other: Any) -> Tensor:  # noqa: A002
    """Elementwise minimum that ignores NaN (NaN only where both are NaN)."""
    a, b = prepare(input, other)
    xp = get_array_module(a._data)
    take_a = (a._data <= b._data) | xp.isnan(b._data)
    return ew.where(Tensor._wrap(take_a), a, b)


class FrexpResult(NamedTuple):
    mantissa: Tensor
    exponent: Tensor


class Frexp(Function):
    """The mantissa of ``x = mantissa * 2^exponent``; d mantissa / dx = 2^-exponent."""

    def forward(self, x):
        xp = get_array_module(x)
        mant, exp = xp.frexp(x)
        self.scale = xp.ldexp(xp.ones_like(x), -exp)
        return mant

    def backward(self, g, out, x):
        return (g * self.scale,)


def frexp(input: Tensor) -> FrexpResult:  # noqa: A002
    """``(mantissa, exponent)`` with ``input = mantissa * 2**exponent``, ``0.5 <= |mantissa| < 1``
    (exponent int32)."""
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "torch.frexp() only supports floating-point dtypes (convert with .float())"
        )
    xp = get_array_module(input._data)
    exp = Tensor._wrap(xp.frexp(input._data)[1].astype("int32"))
    return FrexpResult(Frexp.apply(input), exp)


def ldexp(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input * 2**other`` (a float result)."""
    return _float_dtype_for(input) * ew.pow(2.0, other)


def _special_array(x: Any, name: str, *args: Any) -> Any:
    """``scipy.special.<name>(*args, x)`` (cupyx's on the GPU) in ``x``'s dtype.  Where cupyx
    lacks the function, SciPy runs on a host copy and the result goes back to the device."""
    mod = special_module(x)
    fn = getattr(mod, name, None)
    if fn is not None:
        return fn(*args, x).astype(x.dtype, copy=False)
    host = getattr(scipy("special"), name)(*(to_host(a) for a in args), to_host(x))
    return to_device(host.astype(x.dtype, copy=False), device_of(x))


def _airy_ai_array(x: Any) -> Any:
    mod = special_module(x)
    if hasattr(mod, "airy"):
        return mod.airy(x)[0].astype(x.dtype, copy=False)
    host = scipy("special").airy(to_host(x))[0].astype(x.dtype, copy=False)
    return to_device(host, device_of(x))


def _tiny_mask(m: Any, x: Any) -> Any:
    """|x| <= eps (and NaN): where torch's i1 and i1e gradients take their value 1/2 at 0."""
    rx = m.raw(x)
    eps = float(np.finfo(rx.dtype).eps)
    return ~(get_array_module(rx).abs(rx) > eps), eps


class SpecialI1(Function):
    """The modified Bessel function I1; d/dx I1 = I0 - I1 / x, 1/2 where |x| <= eps (and at
    NaN), as torch's."""

    saved = (0, "out")

    def forward(self, x):
        return _special_array(x, "i1")

    def backward(self, g, out, x):
        m = self.m
        tiny, eps = _tiny_mask(m, x)
        safe = m.where(tiny, eps, x)
        with _quiet():  # inf - inf = NaN at +-inf, silently as torch
            return (g * m.where(tiny, 0.5, m.call(I0, safe) - out / safe),)


I1 = SpecialI1  # (the name used before torch.special.i1 existed)


class I0(Function):
    """The modified Bessel function I0; d/dx I0 = I1."""

    def forward(self, x):
        return _special_array(x, "i0")

    def backward(self, g, out, x):
        with _quiet():
            return (g * self.m.call(SpecialI1, x),)


class SpecialI1E(Function):
    """e^-|x| I1(x); d/dx = i0e(x) - i1e(x) (sign(x) + 1/x), 1/2 where |x| <= eps (and at NaN),
    as torch's."""

    saved = (0, "out")

    def forward(self, x):
        return _special_array(x, "i1e")

    def backward(self, g, out, x):
        m = self.m
        tiny, eps = _tiny_mask(m, x)
        safe = m.where(tiny, eps, x)
        with _quiet():
            d = m.call(SpecialI0E, safe) - out * (m.sign(safe) + 1 / safe)
            return (g * m.where(tiny, 0.5, d),)


class SpecialI0E(Function):
    """e^-|x| I0(x); d/dx = i1e(x) - sign(x) i0e(x)."""

    saved = (0, "out")

    def forward(self, x):
        return _special_array(x, "i0e")

    def backward(self, g, out, x):
        m = self.m
        with _quiet():
            return (g * (m.call(SpecialI1E, x) - m.sign(x) * out),)


class SpecialErfcx(Function):
    """erfcx(x) = e^(x^2) erfc(x); d/dx = 2 x erfcx(x) - 2 / sqrt(pi)."""

    saved = (0, "out")

    def forward(self, x):
        return _special_array(x, "erfcx")

    def backward(self, g, out, x):
        with _quiet():  # inf * 0 = NaN at +inf, as torch's
            return (g * (2.0 * x * out - 2.0 / math.sqrt(math.pi)),)


def i0(input: Tensor) -> Tensor:  # noqa: A002
    """The zeroth-order modified Bessel function of the first kind,
    I0(x) = sum_k (x^2/4)^k / (k!)^2; d/dx I0 = I1.

    Example:
        >>> import nablagrad as ng
        >>> ng.i0(ng.tensor([0.0, 1.0]))
        tensor([1.0000, 1.2661])
    """
    return I0.apply(_float_dtype_for(input))


def i0e(input: Tensor) -> Tensor:  # noqa: A002
    """The exponentially scaled I0: i0e(x) = e^-|x| I0(x); d/dx = i1e(x) - sign(x) i0e(x).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.i0e(ng.tensor([0.0, 1.0]))
        tensor([1.0000, 0.4658])
    """
    return SpecialI0E.apply(_float_dtype_for(input))


def i1(input: Tensor) -> Tensor:  # noqa: A002
    """The first-order modified Bessel function of the first kind,
    I1(x) = (x/2) sum_k (x^2/4)^k / (k! (k+1)!); d/dx = I0(x) - I1(x)/x (1/2 at 0).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.i1(ng.tensor([0.0, 1.0]))
        tensor([0.0000, 0.5652])
    """
    return SpecialI1.apply(_float_dtype_for(input))


def i1e(input: Tensor) -> Tensor:  # noqa: A002
    """The exponentially scaled I1: i1e(x) = e^-|x| I1(x);
    d/dx = i0e(x) - i1e(x) (sign(x) + 1/x) (1/2 at 0).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.i1e(ng.tensor([0.0, 1.0]))
        tensor([0.0000, 0.2079])
    """
    return SpecialI1E.apply(_float_dtype_for(input))


def erfcx(input: Tensor) -> Tensor:  # noqa: A002
    """The scaled complementary error function erfcx(x) = e^(x^2) erfc(x), finite where
    erfc underflows; d/dx = 2 x erfcx(x) - 2/sqrt(pi).

    Example:
        >>> import nablagrad as ng
        >>> ng.special.erfcx(ng.tensor([0.0, 30.0]))
        tensor([1.0000, 0.0188])
    """
    return SpecialErfcx.apply(_float_dtype_for(input))


class Igamma(Function):
    """The regularized lower incomplete gamma function P(a, x) = gamma(a, x) / Gamma(a);
    d/dx = x^(a-1) e^-x / Gamma(a); no derivative in ``a`` (torch raises
    NotImplementedError when that gradient is asked for)."""

    upper = False

    def forward(self, a, x):
        out = _special_array(x, "gammaincc" if self.upper else "gammainc", a)
        # torch's edge cases, tested before the series (so a NaN a with x = 0 or inf, or a NaN
        # x with a = inf, has a value there where SciPy's NaN propagates)
        xp = get_array_module(out)
        lo, hi = (1.0, 0.0) if self.upper else (0.0, 1.0)
        a_inf = xp.isinf(a)
        cases = [
            ((x < 0) | (a < 0), xp.nan),
            (a == 0, xp.where(x > 0, hi, xp.nan)),
            (x == 0, lo),
            (a_inf, xp.where(xp.isinf(x), xp.nan, lo)),
            (xp.isinf(x), hi),
            (None, out),
        ]
        return _cases(xp, out, cases)

    def backward(self, g, out, a, x):
        if self.wanted(0):
            raise NotImplementedError(
                f"the derivative for '{type(self).__name__.lower()}: input' is not implemented "
                "(as in torch: detach the first argument)"
            )
        m = self.m
        with _quiet():
            d = m.exp((a - 1) * m.log(x) - x - m.lgamma(a))
            return None, (-g * d if self.upper else g * d)


class Igammac(Igamma):
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x);
    d/dx = -x^(a-1) e^-x / Gamma(a)."""

    upper = True


def _igamma(cls: type[Function], input: Any, other: Any) -> Tensor:
    a, x = prepare(input, other)
    a, x = _float_dtype_for(a), _float_dtype_for(x)
    return cls.apply(a, x)


def igamma(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The regularized lower incomplete gamma function
    P(a, x) = 1/Gamma(a) integral_0^x t^(a-1) e^-t dt (a = input, x = other);
    differentiable in ``other`` only, as torch's.

    Example:
        >>> import nablagrad as ng
        >>> ng.igamma(ng.tensor([1.0]), ng.tensor([1.0]))
        tensor([0.6321])
    """
    return _igamma(Igamma, input, other)


def igammac(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x);
    differentiable in ``other`` only, as torch's.

    Example:
        >>> import nablagrad as ng
        >>> ng.igammac(ng.tensor([1.0]), ng.tensor([1.0]))
        tensor([0.3679])
    """
    return _igamma(Igammac, input, other)


class SpecialZeta(Function):
    """The Hurwitz zeta function zeta(x, q) = sum_k (k + q)^-x; d/dq = -x zeta(x + 1, q); no
    derivative in ``x`` (NotImplementedError, as torch's)."""

    def forward(self, x, q):
        out = _special_array(q, "zeta", x)
        xp = get_array_module(out)
        # torch's (Cephes') series gives NaN for q = +inf, and for x = +inf with q > 1
        bad = ((q == xp.inf) & (x > 1)) | ((x == xp.inf) & (q > 1))
        return xp.where(bad, xp.nan, out).astype(out.dtype, copy=False) if bad.any() else out

    def backward(self, g, out, x, q):
        if self.wanted(0):
            raise NotImplementedError("the derivative for 'zeta' is not implemented (as in torch)")
        with _quiet():
            return None, -g * x * self.m.call(SpecialZeta, x + 1, q)


def zeta(input: Any, other: Any) -> Tensor:  # noqa: A002
    """The Hurwitz zeta function zeta(x, q) = sum_{k >= 0} (k + q)^-x (x = input, q = other;
    the Riemann zeta function at q = 1); d/dq = -x zeta(x + 1, q), no derivative in x.

    Example:
        >>> import nablagrad as ng
        >>> ng.special.zeta(ng.tensor([2.0, 4.0]), 1.0)
        tensor([1.6449, 1.0823])
    """
    x, q = prepare(input, other)
    return SpecialZeta.apply(_float_dtype_for(x), _float_dtype_for(q))


# -- Bessel and Airy functions without a derivative in torch ------------------------------------


def _no_grad_unary(name: str, input: Any, compute: Any) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"special.{name}(): expected a Tensor, got {type(input).__name__}")
    x = _float_dtype_for(input)
    return Tensor._wrap(compute(x._data))  # torch's result has no grad_fn: a constant


def _bessel(name: str, scipy_name: str) -> Any:
    return lambda input: _no_grad_unary(name, input, lambda a: _special_array(a, scipy_name))


def spherical_j0_array(x: Any) -> Any:
    """sin(x) / x on arrays: 1 at 0 (a series below |x| = 1/2), 0 at +-inf."""
    xp = get_array_module(x)
    x2 = x * x
    series = 1 + x2 * (
        -1 / 6 + x2 * (1 / 120 + x2 * (-1 / 5040 + x2 * (1 / 362880 + x2 * (-1 / 39916800))))
    )
    small = xp.abs(x) < 0.5
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = xp.sin(x) / xp.where(small, 1, x)
    out = xp.where(small, series, xp.where(xp.isinf(x), 0, ratio))
    return out.astype(x.dtype, copy=False)


# -- orthogonal polynomials (torch's recurrences, elementwise in n) --------------------------------


def _degree(n: Any) -> Any:
    """torch's ``static_cast<int64_t>(n)``: truncation toward zero; NaN, +-inf and values out of
    int64's range become INT64_MIN (x86's conversion), so they read as a negative degree."""
    xp = get_array_module(n)
    if n.dtype.kind in "iu":
        return n.astype("int64", copy=False)
    ok = xp.isfinite(n) & (xp.abs(n) < 2.0**63)
    return xp.where(ok, xp.trunc(xp.where(ok, n, 0)), -(2.0**63)).astype("int64")


def _recurrence(xp: Any, x: Any, k: Any, q1: Any, step: Any) -> Any:
    """The value at degree ``k`` (>= 2 where it matters) of the sequence p_0 = 1, p_1 = ``q1``,
    p_j = ``step(j, p_{j-2}, p_{j-1})``, run as torch's loop: it stops at degree ``k`` or once
    the last value is NaN (torch returns that NaN).  One array pass per degree, on the elements
    still running."""
    r = xp.full(x.shape, xp.nan, dtype=x.dtype)
    idx = xp.nonzero(((k >= 2) & ~xp.isnan(q1)).reshape(-1))[0]
    if idx.size == 0:
        return r
    xs, ks = x.reshape(-1)[idx], k.reshape(-1)[idx]
    p, q = xp.ones_like(xs), q1.reshape(-1)[idx]
    flat = r.reshape(-1)
    j = 2
    with np.errstate(all="ignore"):
        while idx.size:
            q_new = step(xs, j, p, q).astype(x.dtype, copy=False)
            p, q = q, q_new
            stop = (ks <= j) | xp.isnan(q)
            if bool(stop.any()):
                flat[idx[stop]] = q[stop]
                keep = ~stop
                idx, xs, ks, p, q = idx[keep], xs[keep], ks[keep], p[keep], q[keep]
            j += 1
    return flat.reshape(x.shape)


def _cases(xp: Any, x: Any, cases: list) -> Any:
    """The first matching ``(mask, value)`` of ``cases`` per element (the last is the default)."""
    out = cases[-1][1]
    for mask, value in reversed(cases[:-1]):
        out = xp.where(mask, value, out)
    return out.astype(x.dtype, copy=False)


def polynomial_array(kind: str, x: Any, n: Any) -> Any:
    """torch's ``special.<kind>_polynomial_*`` on arrays ``x`` (float) and ``n`` (x's dtype or
    integer, broadcast with x): the special cases, then the closed forms or the three-term
    recurrence, as torch's CPU kernels evaluate them.  ``kind`` is one of ``POLYNOMIALS``.
    Only the elements that reach the recurrence run it, one array pass per degree until
    their degree or a NaN (so |x| < 1 with a huge n costs one closed form, as in torch)."""
    xp = get_array_module(x)
    x, n = xp.broadcast_arrays(x, n)
    k = _degree(n)
    kf = k.astype(x.dtype)
    one = xp.ones_like(x)
    odd = (k % 2) != 0
    sgn = xp.where(odd, -one, one)  # (-1)^n
    low = [(k < 0, 0 * one)]  # negative degrees (and NaN, inf) give 0
    with np.errstate(all="ignore"):
        if "chebyshev" in kind:
            shifted = kind.startswith("shifted")
            if shifted:  # the shifted polynomials are the others at 2x - 1
                t = x + x - 1
                at_one, at_minus = x == 1, x == 0
                inside = xp.abs(t) < 1
                lo = 4 if kind.endswith("w") else 6
            else:
                t = x
                at_one, at_minus = x == 1, x == -1
                inside = xp.abs(x) < 1
                lo = 6 if kind.endswith("t") else 8
            theta = xp.arccos(xp.where(inside, t, 0))
            c = kind[-1]
            if c == "t":
                closed = xp.cos(kf * theta)
            elif c == "u":
                closed = xp.where(
                    xp.sin(theta) != 0,
                    xp.sin((kf + 1) * theta) / xp.sin(theta),
                    (kf + 1) * xp.cos((kf + 1) * theta) / t,
                )
            elif c == "v":
                closed = xp.where(
                    xp.sin(theta / 2) != 1,
                    xp.cos((kf + 0.5) * theta) / xp.cos(theta / 2),
                    sgn * (kf + kf + 1),
                )
            else:
                closed = xp.where(
                    xp.cos(theta / 2) != 1,
                    xp.sin((kf + 0.5) * theta) / xp.sin(theta / 2),
                    sgn if shifted else xp.where(t > 0, kf + kf + 1, sgn),
                )
            ends = {  # the values at t = 1 and t = -1
                "t": (one, sgn),
                "u": (kf + 1, sgn * (kf + 1)),
                "v": (one, sgn * (kf + kf + 1)),
                "w": (kf + kf + 1, sgn),
            }[c]
            q1 = {"t": t, "u": t + t, "v": t + t - 1, "w": t + t + 1}[c]

            def step(xs: Any, j: int, p: Any, q: Any) -> Any:
                ts = xs + xs - 1 if shifted else xs
                return (ts + ts) * q - p

            cases = low + [
                (at_one, ends[0]),
                (at_minus, ends[1]),
                ((k > lo) & inside, closed),
                (k == 0, one),
                (k == 1, q1),
            ]
        elif kind == "hermite_h":
            q1 = x + x
            cases = low + [(k == 0, one), (k == 1, q1)]

            def step(xs: Any, j: int, p: Any, q: Any) -> Any:
                return (xs + xs) * q - 2 * (j - 1) * p

        elif kind == "hermite_he":
            q1 = x
            cases = low + [(k == 0, one), (k == 1, q1)]

            def step(xs: Any, j: int, p: Any, q: Any) -> Any:
                return xs * q - (j - 1) * p

        elif kind == "laguerre_l":
            q1 = 1 - x
            cases = low + [(x == 0, one), (k == 0, one), (k == 1, q1)]

            def step(xs: Any, j: int, p: Any, q: Any) -> Any:
                return ((2 * j - 2 + (1 - xs)) * q - (j - 1) * p) / j

        elif kind == "legendre_p":
            q1 = x
            cases = low + [(x == 1, one), (x == -1, sgn), (k == 0, one), (k == 1, q1)]

            def step(xs: Any, j: int, p: Any, q: Any) -> Any:
                return ((2 * j - 1) * xs * q - (j - 1) * p) / j

        else:
            raise ValueError(f"unknown polynomial {kind!r}: one of {POLYNOMIALS}")
        covered = xp.zeros(x.shape, dtype=bool)
        for mask, _ in cases:
            covered |= mask
        rec = _recurrence(xp, x, xp.where(covered, 0, k), q1, step)
        return _cases(xp, x, [*cases, (None, rec)])


POLYNOMIALS = (
    "chebyshev_t",
    "chebyshev_u",
    "chebyshev_v",
    "chebyshev_w",
    "shifted_chebyshev_t",
    "shifted_chebyshev_u",
    "shifted_chebyshev_v",
    "shifted_chebyshev_w",
    "hermite_h",
    "hermite_he",
    "laguerre_l",
    "legendre_p",
)


def polynomial(kind: str, x: Any, n: Any) -> Tensor:
    """torch's ``special.<kind>_polynomial_*(x, n)``: ``x`` and ``n`` Tensors or numbers (one a
    Tensor), promoted together as torch's (integer results as the default float); no
    derivative, as torch's."""
    if not isinstance(x, Tensor) and not isinstance(n, Tensor):
        raise TypeError(
            f"special.{kind}_polynomial: x or n must be a Tensor, got "
            f"({type(x).__name__}, {type(n).__name__}) (wrap one in nablagrad.tensor(...))"
        )
    a, b = prepare(x, n)
    a, b = _float_dtype_for(a), _float_dtype_for(b)
    return Tensor._wrap(polynomial_array(kind, a._data, b._data))  # no grad_fn, as torch's


@torch_node("MvlgammaBackward0")
def mvlgamma(input: Tensor, p: int) -> Tensor:  # noqa: A002
    """The multivariate log-gamma ``p(p-1)/4 log(pi) + sum_i lgamma(x - i/2)``, i < p (torch
    2.13 no longer refuses elements <= (p-1)/2: lgamma is log|Gamma| there, inf at the poles).

    Example:
        >>> import nablagrad as ng
        >>> ng.mvlgamma(ng.tensor([2.5, 0.2]), 2)
        tensor([0.8570, 3.5613])
    """
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise TypeError(
            f"mvlgamma(): argument 'p' (position 2) must be int, not {type(p).__name__}"
        )
    if p < 1:
        raise RuntimeError(f"p has to be greater than or equal to 1, got {p}")
    x = _float_dtype_for(input)
    total = ew.lgamma(x)
    for i in range(1, p):
        total = total + ew.lgamma(x - i / 2)
    return total + p * (p - 1) / 4 * math.log(math.pi)


def rsub(input: Any, other: Any, alpha: Any = 1) -> Tensor:  # noqa: A002
    """``other - alpha * input``."""
    return ew.rsub(input, other, alpha)


def positive(input: Tensor) -> Tensor:  # noqa: A002
    """``+input`` (the tensor itself; refused for bool, as torch)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError(
            "The `+` operator, on a bool tensor is not supported (use logical_or or any)."
        )
    return input


# -- integer functions ----------------------------------------------------------------------


def _integers(name: str, a: Any, b: Any) -> tuple[Tensor, Tensor]:
    a, b = cmp._prepare(a, b, name)
    if a._data.dtype.kind not in "biu":
        raise RuntimeError(f"\"{name}_cpu\" not implemented for '{a.dtype}' (integer tensors only)")
    return a, b


def gcd(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """The greatest common divisor (non-negative) of integer tensors."""
    a, b = _integers("gcd", input, other)
    return Tensor._wrap(get_array_module(a._data).gcd(a._data, b._data))


def lcm(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """The least common multiple (non-negative) of integer tensors."""
    a, b = _integers("lcm", input, other)
    return Tensor._wrap(get_array_module(a._data).lcm(a._data, b._data))


def bitwise_and(input: Any, other: Any) -> Tensor:  # noqa: A002
    return cmp.bitwise("bitwise_and", input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:  # noqa: A002
    return cmp.bitwise("bitwise_or", input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:  # noqa: A002
    return cmp.bitwise("bitwise_xor", input, other)


def _shift(name: str, a: Any, b: Any) -> Tensor:
    a, b = cmp._prepare(a, b, name)
    if a._data.dtype.kind not in "iu":
        raise RuntimeError(f"\"{name}_cpu\" not implemented for '{a.dtype}' (integer tensors only)")
    xp = get_array_module(a._data)
    x, n = a._data, b._data
    # torch reads a shift by a negative amount or by >= the width as a shift out of range:
    # << gives 0, >> the sign (0, or -1 for a negative signed value)
    bits = x.dtype.itemsize * 8
    wide = (n < 0) | (n >= bits)
    if name == "lshift":
        out = xp.where(wide, 0, xp.left_shift(x, xp.where(wide, 0, n)))
    else:  # an arithmetic shift by width - 1 leaves the sign
        out = xp.right_shift(x, xp.where(wide, bits - 1, n))
        if x.dtype.kind == "u":
            out = xp.where(wide, 0, out)
    return Tensor._wrap(out.astype(x.dtype, copy=False))


def bitwise_left_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input << other`` (integer tensors)."""
    return _shift("lshift", input, other)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input >> other`` (arithmetic shift of integer tensors)."""
    return _shift("rshift", input, other)


# -- gamma draws with implicit reparameterisation gradients -------------------------------------


def standard_gamma_grad(alpha: Any, x: Any) -> Any:
    """dx/dalpha of a Gamma(alpha, 1) draw x held at a fixed quantile u = P(alpha, x) (the
    implicit reparameterisation gradient, torch's ``_standard_gamma_grad``):

        dx/dalpha = -(dP/dalpha)(alpha, x) / p(x; alpha),  p(x) = x^(alpha-1) e^-x / Gamma(alpha)

    on arrays.  dP/dalpha is P times the derivative of log P (log Q = log(1 - P) above the mean,
    where P is close to 1), that derivative a Richardson-extrapolated central difference in
    float64: about 1e-11 relative error against mpmath (torch's approximation: about 1e-4).

    Example:
        >>> import numpy as np
        >>> from nablagrad.ops.special import standard_gamma_grad
        >>> round(float(standard_gamma_grad(np.array(1.0), np.array(1.0))), 4)
        1.1736
    """
    xp = get_array_module(alpha)
    sp = special_module(alpha)
    a = alpha.astype("float64")
    v = x.astype("float64")
    upper = v > a
    h = 1e-3 * xp.minimum(a, xp.sqrt(a))

    def log_cdf(aa: Any) -> Any:
        with np.errstate(divide="ignore"):
            return xp.where(upper, xp.log(sp.gammaincc(aa, v)), xp.log(sp.gammainc(aa, v)))

    def diff(step: Any) -> Any:
        return (log_cdf(a + step) - log_cdf(a - step)) / (2 * step)

    dlog = (4 * diff(h / 2) - diff(h)) / 3
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_pdf = (a - 1) * xp.log(v) - v - sp.gammaln(a)
        ratio = xp.exp(log_cdf(a) - log_pdf)
        # dP/dalpha = P dlogP, or -Q dlogQ above the mean; dx/dalpha = -dP/dalpha / p
        grad = xp.where(upper, ratio * dlog, -ratio * dlog)
    return grad.astype(alpha.dtype)


class StandardGamma(Function):
    """Gamma(alpha, 1) draws, torch's CPU numbers (``MTStream.torch_standard_gamma``: float32
    alpha with torch's float32 algorithm, any other dtype through float64), at least the
    dtype's smallest normal number; ``draws``: values already drawn (Dirichlet's float64
    gammas).  The gradient is the implicit one of ``standard_gamma_grad``; its own derivative
    is not implemented, as in torch."""

    saved = (0, "out")  # the backward reads alpha and the draw (torch saves both)

    def forward(self, alpha, generator=None, draws=None):
        from ..backend import to_device, to_host
        from ..random import _gen

        if draws is None:
            host = to_host(alpha)
            acc = np.float32 if host.dtype == np.float32 else np.float64
            draws = _gen(generator).torch_standard_gamma(host.astype(acc), acc)
        tiny = float(np.finfo(alpha.dtype).tiny)
        draws = np.asarray(draws).astype(alpha.dtype)
        # torch's std::max(tiny, draw): NaN draws (NaN or negative alpha) give tiny too
        draws = np.where(draws > tiny, draws, tiny).astype(alpha.dtype)
        xp = get_array_module(alpha)
        return draws if xp is np else to_device(draws, "cuda")

    def backward(self, g, out, alpha):
        m = self.m
        d = standard_gamma_grad(m.raw(alpha), m.raw(out))
        if m.tensors:
            return (g * _no_derivative("_standard_gamma_grad", d, alpha),)
        return (g * d,)


def standard_gamma(concentration: Tensor, generator: Any = None, draws: Any = None) -> Tensor:
    """Gamma(concentration, 1) draws of ``concentration``'s shape, differentiable with respect
    to ``concentration`` by implicit reparameterisation (torch's ``_standard_gamma``, the same
    numbers after the same seed); ``draws``: use these values (an array of the shape) instead
    of drawing.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.ops.special import standard_gamma
        >>> _ = torch.manual_seed(0)
        >>> standard_gamma(torch.tensor([1.0, 2.0])).shape
        nablagrad.Size([2])
    """
    if not isinstance(concentration, Tensor) or not concentration.is_floating_point():
        raise TypeError("standard_gamma expects a floating-point Tensor of concentrations")
    # as torch, no check of the concentration: 0, negative and NaN ones give the dtype's
    # smallest normal number (distributions check their parameters themselves)
    return StandardGamma.apply(concentration, generator=generator, draws=draws)
