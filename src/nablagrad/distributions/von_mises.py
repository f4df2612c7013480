"""VonMises(loc, concentration): the circular normal distribution on [-pi, pi), density
exp(k cos(x - loc)) / (2 pi I0(k))."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..autograd import no_grad
from ..backend import np
from ..ops import elementwise as ew
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, as_param

__all__ = ["VonMises"]

# Abramowitz and Stegun 9.8.1-9.8.4: I0 and I1 / x as polynomials in (x / 3.75)^2 below 3.75;
# sqrt(x) e^-x I0 and sqrt(x) e^-x I1 as polynomials in 3.75 / x above (|error| < 2.2e-7)
_SMALL = (
    (1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.0360768, 0.0045813),
    (0.5, 0.87890594, 0.51498869, 0.15084934, 0.02658733, 0.00301532, 0.00032411),
)
_LARGE = (
    (
        0.39894228,
        0.01328592,
        0.00225319,
        -0.00157565,
        0.00916281,
        -0.02057706,
        0.02635537,
        -0.01647633,
        0.00392377,
    ),
    (
        0.39894228,
        -0.03988024,
        -0.00362018,
        0.00163801,
        -0.01031555,
        0.02282967,
        -0.02895312,
        0.01787654,
        -0.00420059,
    ),
)


def _poly(y: Tensor, coefs: tuple[float, ...]) -> Tensor:
    """sum_i coefs[i] y^i (Horner)."""
    result: Any = coefs[-1]
    for c in reversed(coefs[:-1]):
        result = result * y + c
    return result


def log_modified_bessel(x: Tensor, order: int = 0) -> Tensor:
    """log I_order(x) for x > 0 and order 0 or 1, from the Abramowitz-Stegun polynomials
    (differentiable; relative error below 1e-6)."""
    if order not in (0, 1):
        raise ValueError(f"order must be 0 or 1, got {order}")
    small_x = ew.where(x < 3.75, x, 1.0)  # each branch on the x it is valid for
    large_x = ew.where(x < 3.75, 3.75, x)
    small = _poly((small_x / 3.75) ** 2, _SMALL[order])
    if order == 1:
        small = ew.abs(small_x) * small
    small = ew.log(small)
    large = large_x - 0.5 * ew.log(large_x) + ew.log(_poly(3.75 / large_x, _LARGE[order]))
    return ew.where(x < 3.75, small, large)


class VonMises(Distribution):
    """The von Mises distribution: mean direction ``loc``, concentration k (k = 0 is uniform
    on the circle).  ``sample`` uses Best and Fisher's (1979) rejection sampler in float64;
    there is no ``rsample``.

    Example:
        >>> import nablagrad as torch
        >>> d = torch.distributions.VonMises(torch.tensor(0.0), torch.tensor(1.0))
        >>> round(d.log_prob(torch.tensor(0.0)).item(), 4)  # 1 - log(2 pi I0(1))
        -1.0738
    """

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real
    has_rsample = False
    _params = ("loc", "concentration")

    def __init__(self, loc: Any, concentration: Any, validate_args: bool | None = None) -> None:
        self.loc, self.concentration = as_param(loc, concentration)
        super().__init__(self.loc.shape, validate_args=validate_args)
        self._validate_params()

    @property
    def mean(self) -> Tensor:
        """The circular mean: ``loc``."""
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The circular variance 1 - I1(k) / I0(k)."""
        k = self.concentration
        return 1 - ew.exp(log_modified_bessel(k, 1) - log_modified_bessel(k, 0))

    def log_prob(self, value: Any) -> Tensor:
        value = self._value(value)
        k = self.concentration
        log_norm = math.log(2 * math.pi) + log_modified_bessel(k, 0)
        return k * ew.cos(value - self.loc) - log_norm

    def _proposal_r(self, k: Tensor) -> Tensor:
        """Best and Fisher's r = (1 + rho^2) / (2 rho) (1/k + k for tiny k)."""
        safe = ew.where(k < 1e-5, 1.0, k)
        tau = 1 + ew.sqrt(1 + 4 * safe**2)
        rho = (tau - ew.sqrt(2 * tau)) / (2 * safe)
        r = (1 + rho**2) / (2 * rho)
        return ew.where(k < 1e-5, 1 / k + k, r)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Best-Fisher rejection: z = cos(pi u1), f = (1 + r z) / (r + z), c = k (r - f);
        accept when c (2 - c) > u2 or log(c / u2) + 1 >= c; the angle is
        sign(u3 - 1/2) acos(f), shifted by loc and wrapped to [-pi, pi)."""
        shape = self._extended_shape(sample_shape)
        with no_grad():
            loc = self.loc.detach().to(dtype=np.float64)
            k = self.concentration.detach().to(dtype=np.float64)
            r = self._proposal_r(k)
            x = creation.zeros(shape, dtype=np.float64, device=self.loc.device)
            done = creation.zeros(shape, dtype=np.bool_, device=self.loc.device)
            rounds = 0
            while not bool(done.all()):
                rounds += 1
                if rounds > 1000:  # each round accepts with probability > 1/2 for valid k
                    raise RuntimeError(
                        "VonMises.sample: the rejection sampler accepted nothing in 1000 "
                        "rounds; is the concentration finite and positive?"
                    )
                u1, u2, u3 = creation.rand((3,) + shape, dtype=np.float64).unbind(0)
                z = ew.cos(math.pi * u1)
                f = (1 + r * z) / (r + z)
                c = k * (r - f)
                accept = ((c * (2 - c) - u2) > 0) | (ew.log(c / u2) + 1 - c >= 0)
                accept = accept & ~done
                x = ew.where(accept, ew.sign(u3 - 0.5) * ew.acos(ew.clamp(f, -1.0, 1.0)), x)
                done = done | accept
            out = (x + math.pi + loc) % (2 * math.pi) - math.pi
            return out.to(dtype=self.loc.dtype)
