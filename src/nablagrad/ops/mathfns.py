"""torch's special and elementwise functions beyond the table rows.

Hyperbolic and inverse trigonometric functions, the error and gamma families, ``fmod`` and
``copysign`` are rows of ``ops/table.py``; ``polygamma``/``digamma``, ``atan2``, ``cumprod``,
``logit``, ``sinc``, ``hypot``, ``logaddexp``, ``log_ndtr``, ``ndtri`` and ``xlog1py`` are
hand-written primitives here (forward and backward side by side, the backward written once for
raw arrays and Tensors; torch's formulas, which keep the tails and edges that the composed
forms lost).  The rest (``logaddexp2``, ``nan_to_num`` ...) is composed from primitives, so it
is differentiable wherever torch's is.

Example:
    >>> import nablagrad as torch
    >>> torch.sinh(torch.tensor([0.0]))
    tensor([0.])
"""

from __future__ import annotations

import math
from typing import Any

from .. import _validate, backend
from ..autograd import gradmath, is_grad_enabled
from ..autograd.function import Function, torch_node
from ..backend import get_array_module, np, special_module
from ..tensor import Tensor
from . import compare as cmp
from . import elementwise as ew
from .elementwise import _float_dtype_for, prepare
from .reduce import Cumsum
from .shape import Flip


def _t(x: Any) -> Tensor:
    """Python numbers and arrays as constant Tensors."""
    if isinstance(x, Tensor):
        return x
    return Tensor._wrap(np.asarray(x)) if not isinstance(x, (int, float, bool)) else x


def _special(x: Any, name: str, *args: Any) -> Any:
    out = getattr(special_module(x), name)(*args, x)
    return out.astype(x.dtype, copy=False)


# ---------------------------------------------------------------------------------------------
# hand-written primitives (the elementwise ones -- sinh, erf, atan2, xlogy ... -- are rows of
# ops/table.py)
# ---------------------------------------------------------------------------------------------


class Polygamma(Function):
    """polygamma(n, x); n = 0 is digamma.  d/dx polygamma(n, x) = polygamma(n + 1, x)."""

    def forward(self, x, n=0):
        self.n = n
        # the order as an array: cupyx's polygamma cannot take a Python int
        return _special(x, "polygamma", get_array_module(x).asarray(n))

    def backward(self, g, out, x):
        return (g * self.m.call(Polygamma, x, n=self.n + 1),)


gradmath.register("digamma", lambda x: _special(x, "digamma"), lambda x: Polygamma.apply(x, n=0))


class Cumprod(Function):
    """out_i = x_0 * ... * x_i along ``axis``."""

    def forward(self, x, axis=0):
        self.axis = axis
        return get_array_module(x).cumprod(x, axis=axis)

    def backward(self, g, out, x):
        ax, m = self.axis, self.m
        rx = m.raw(x)
        xp = get_array_module(rx)
        if not bool((rx == 0).any()):
            # d out_j / d x_i = out_j / x_i for j >= i: a reversed cumulative sum of g * out
            go = g * out
            rev = m.call(Flip, m.call(Cumsum, m.call(Flip, go, axes=(ax,)), axis=ax), axes=(ax,))
            return (rev / x,)
        if m.tensors:
            raise RuntimeError(
                "cumprod: a second derivative through an input with zeros is not supported"
            )
        # zeros present: sum_{j >= i} g_j * prod_{k <= j, k != i} x_k, one position at a time
        xm, gm = xp.moveaxis(rx, ax, -1), xp.moveaxis(g, ax, -1)
        grad = xp.zeros_like(xm)
        for i in range(xm.shape[-1]):
            others = xm.copy()
            others[..., i] = 1
            grad[..., i] = (gm[..., i:] * xp.cumprod(others, axis=-1)[..., i:]).sum(-1)
        return (xp.moveaxis(grad, -1, ax),)


@torch_node("DigammaBackward0")
def digamma(x: Tensor) -> Tensor:
    """d/dx log Gamma(x)."""
    return Polygamma.apply(_float_dtype_for(x), n=0)


_INT_DTYPES = (backend.uint8, backend.int8, backend.int16, backend.int32, backend.int64)


def polygamma(n: int, x: Tensor) -> Tensor:
    """The n-th derivative of digamma, psi^(n)(x) = d^n/dx^n digamma(x) (``n`` a
    non-negative int, as torch's; a one-element integer tensor counts as one).

    Example:
        >>> import nablagrad as torch
        >>> torch.polygamma(1, torch.tensor([1.0, 2.0]))
        tensor([1.6449, 0.6449])
    """
    if isinstance(n, Tensor) and n.numel() == 1 and n.dtype in _INT_DTYPES:
        n = int(n.item())
    if not _validate.is_int(n) or isinstance(n, Tensor):
        raise TypeError(
            f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}"
        )
    if not isinstance(x, Tensor):
        raise TypeError(
            f"polygamma(): argument 'input' (position 2) must be Tensor, not {type(x).__name__}"
        )
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n, got n = {n}")
    return Polygamma.apply(_float_dtype_for(x), n=int(n))


class NoDerivative(Function):
    """Carries a precomputed result of an operation torch does not differentiate; backward
    raises (as torch's does) instead of silently returning a result without a graph:
    ``error(message)``, by default torch's RuntimeError naming ``name`` (its ``not_implemented``
    formulas raise NotImplementedError, a RuntimeError).  Any number of inputs."""

    def forward(self, *xs, value=None, name="", error=RuntimeError, message=None):
        self.op = name  # (``name`` is the node's name, a read-only property)
        self.error, self.message = error, message
        return value

    def backward(self, g, out, *xs):
        raise self.error(
            self.message or f"the derivative for '{self.op}' is not implemented (as in torch)"
        )


def _no_derivative(
    name: str, value: Any, x: Tensor, *others: Tensor, error: type = RuntimeError
) -> Tensor:
    """``value`` as a Tensor; under autograd a node whose backward raises ``error``."""
    if is_grad_enabled() and (x.requires_grad or any(t.requires_grad for t in others)):
        return NoDerivative.apply(x, *others, value=value, name=name, error=error)
    return Tensor._wrap(value)


class Atan2(Function):
    """The angle of the point (b, a); d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2), with
    1 / (a^2 + b^2) taken as 0 at the origin (torch's gradient there is 0, not NaN)."""

    def forward(self, a, b):
        return get_array_module(a).arctan2(a, b)

    def backward(self, g, out, a, b):
        m = self.m
        r = a * a + b * b
        origin = m.raw(r) == 0
        if origin.any():
            inv = m.where(origin, r * 0, 1 / m.where(origin, r * 0 + 1, r))
        else:
            inv = 1 / r
        return (g * b * inv if self.needs(0) else None, -g * a * inv if self.needs(1) else None)


def atan2(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The angle of the point (other, input): arctan(input / other) in the right quadrant."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(
            "atan2(): input and other must be Tensors (as in torch); wrap numbers with "
            "nablagrad.tensor(...)"
        )
    a, b = prepare(input, other)
    if a._data.dtype.kind != "f":
        a, b = _float_dtype_for(a), _float_dtype_for(b)
    return Atan2.apply(a, b)


class Nextafter(Function):
    """The next float after a toward b; d/da = 1, d/db = 0 (torch's formulas)."""

    def forward(self, a, b):
        return get_array_module(a).nextafter(a, b)

    def backward(self, g, out, a, b):
        return (g if self.needs(0) else None, g * 0 if self.needs(1) else None)


def nextafter(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """The next representable float after ``input`` toward ``other`` (same float dtype).

    Example:
        >>> import nablagrad as torch
        >>> torch.nextafter(torch.tensor([1.0]), torch.tensor([2.0])) > 1
        tensor([True])
    """
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(
            "nextafter(): input and other must be Tensors (as in torch); wrap numbers with "
            "nablagrad.tensor(...)"
        )
    a, b = prepare(input, other)
    if a._data.dtype.kind != "f":
        raise RuntimeError(
            f"nextafter is not implemented for {a.dtype}: pass floating-point tensors"
        )
    return Nextafter.apply(a, b)


@_validate.numpy_names
def cumprod(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """out_i = x_0 * x_1 * ... * x_i along ``dim`` (a 0-d tensor is its own product).

    Example:
        >>> import nablagrad as torch
        >>> torch.cumprod(torch.tensor([1.0, 2.0, 3.0]), 0)
        tensor([1., 2., 6.])
    """
    x = input.to(dtype=dtype) if dtype is not None else input
    if x.dtype.category < 2:
        x = x.to(dtype=np.int64)
    axis = _validate.dim(dim, x.ndim, fn="cumprod")
    if x.ndim == 0:
        return Cumprod.apply(x.reshape(1), axis=0).reshape(())
    return Cumprod.apply(x, axis=axis)


# ---------------------------------------------------------------------------------------------
# composed elementwise functions
# ---------------------------------------------------------------------------------------------


_SQRT_2PI = math.sqrt(2 * math.pi)


class SpecialLogNdtr(Function):
    """log Phi(x), the log of the standard normal CDF, in both tails (SciPy's log_ndtr; the
    composed log(ndtr(x)) gave -inf below x = -14 in float32 and 0 above x = 6).
    d/dx = phi(x) / Phi(x) = 1 / (sqrt(2 pi) e^(out + x^2 / 2)) (torch's)."""

    def forward(self, x):
        return _special(x, "log_ndtr")

    def backward(self, g, out, x):
        return (g / (_SQRT_2PI * self.m.exp(out + x * x * 0.5)),)


class SpecialNdtri(Function):
    """Phi^-1(p), the standard normal quantile (SciPy's ndtri: sqrt(2) erfinv(2p - 1) gave -inf
    for p < 6e-8 in float32, where 2p - 1 rounds to -1).  d/dp = sqrt(2 pi) e^(out^2 / 2)."""

    def forward(self, x):
        return _special(x, "ndtri")

    def backward(self, g, out, x):
        return (g * _SQRT_2PI * self.m.exp(out * out * 0.5),)


class Xlog1py(Function):
    """x log1p(y), 0 where x == 0 (y not NaN).  d/dx = log1p(y) (0 where x == 0 and y <= -1),
    d/dy = x / (1 + y) (torch's; the composed form had no gradient for x at x == 0)."""

    def forward(self, x, y):
        xp = get_array_module(x)
        with backend.errstate(divide="ignore", invalid="ignore"):
            out = x * xp.log1p(y)
        return xp.where((x == 0) & ~xp.isnan(y), 0, out).astype(out.dtype, copy=False)

    def backward(self, g, out, x, y):
        m = self.m
        gx = gy = None
        if self.needs(0):
            dead = (m.raw(x) == 0) & (m.raw(y) <= -1)
            safe = m.where(dead, x * 0, y) if dead.any() else y  # (x is 0 there; y may be inf)
            gx = g * m.log1p(safe)
        if self.needs(1):
            gy = g * x / (1 + y)
        return gx, gy


def log_ndtr(x: Tensor) -> Tensor:
    """log Phi(x), finite in both tails."""
    return SpecialLogNdtr.apply(_float_dtype_for(x))


def ndtri(x: Tensor) -> Tensor:
    """The standard normal quantile Phi^-1(p)."""
    return SpecialNdtri.apply(_float_dtype_for(x))


def xlog1py(input: Any, other: Any) -> Tensor:  # noqa: A002
    """x * log1p(y), 0 where x == 0 (y not NaN)."""
    a, b = prepare(input, other)
    return Xlog1py.apply(_float_dtype_for(a), _float_dtype_for(b))


@torch_node("Exp2Backward0")
def exp2(x: Tensor) -> Tensor:
    return ew.pow(2.0, _float_dtype_for(x))


@torch_node("Deg2RadBackward0")
def deg2rad(x: Tensor) -> Tensor:
    return _float_dtype_for(x) * (math.pi / 180)


@torch_node("Rad2DegBackward0")
def rad2deg(x: Tensor) -> Tensor:
    return _float_dtype_for(x) * (180 / math.pi)


@torch_node("FracBackward0")
def frac(x: Tensor) -> Tensor:
    """x - trunc(x) (floating tensors only, as torch's).

    Example:
        >>> import nablagrad as torch
        >>> torch.frac(torch.tensor([1.5, -2.25]))
        tensor([ 0.5000, -0.2500])
    """
    ew.float_kernel_only(x, "frac_cpu")
    return x - ew.trunc(x)


class Logit(Function):
    """log(x / (1 - x)), x clamped to [eps, 1 - eps] when ``eps`` is given.

    Backward (torch's): g / (x (1 - x)): +-inf at 0 and 1, NaN outside [0, 1]; with ``eps``, 0
    outside [eps, 1 - eps].  (Differentiating the composed log(x / (1 - x)) gave NaN at 0 and
    1 and finite values outside [0, 1].)
    """

    def forward(self, x, eps=None):
        xp = get_array_module(x)
        self.eps = eps
        if eps is not None:
            x = xp.clip(x, eps, 1 - eps)
        with backend.errstate(divide="ignore", invalid="ignore"):
            return xp.log(x / (1 - x))

    def backward(self, g, out, x):
        m = self.m
        xr = m.raw(x)
        d = g / (x * (1 - x))
        if self.eps is None:
            beyond = (xr < 0) | (xr > 1)
            fill = g * math.nan
        else:
            beyond = (xr < self.eps) | (xr > 1 - self.eps)
            fill = g * 0
        return (m.where(beyond, fill, d) if beyond.any() else d,)


def logit(x: Tensor, eps: float | None = None) -> Tensor:
    """log(x / (1 - x)), with x clamped to [eps, 1 - eps] when ``eps`` is given."""
    return Logit.apply(_float_dtype_for(x), eps=eps)


class Sinc(Function):
    """sin(pi x) / (pi x), 1 at 0.  Backward: torch's (pi x cos(pi x) - sin(pi x)) / (pi x^2),
    dividing by pi x and x in turn (pi x^2 underflows to 0 at x = 1e-30 and overflows at 1e20
    in float32), 0 at 0; the two terms cancel exactly for tiny x (differentiating the composed
    quotient gave 800 at x = 1e-10 and inf at 1e-30 in float32)."""

    def forward(self, x):
        xp = get_array_module(x)
        zero = x == 0
        px = xp.where(zero, 1, x) * math.pi
        return xp.where(zero, 1, xp.sin(px) / px).astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        m = self.m
        zero = m.raw(x) == 0
        safe = m.where(zero, x * 0 + 1, x) if zero.any() else x
        px = safe * math.pi
        d = (px * m.cos(px) - m.sin(px)) / px / safe
        return (g * (m.where(zero, d * 0, d) if zero.any() else d),)


class Entr(Function):
    """Elementwise entropy, torch's ``special.entr``: -x log x for x > 0, 0 at 0, -inf for
    x < 0 and NaN for NaN.  d/dx = -(1 + log x) everywhere, as torch (inf at 0, NaN for
    x < 0)."""

    def forward(self, x):
        xp = get_array_module(x)
        with backend.errstate(divide="ignore", invalid="ignore"):
            value = -x * xp.log(x)
        out = xp.where(x > 0, value, xp.where(x < 0, -xp.inf, xp.where(x == 0, 0, x)))
        return out.astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        m = self.m
        if m.tensors:
            return (-g * (m.log(x) + 1),)
        xp = get_array_module(x)
        with backend.errstate(divide="ignore", invalid="ignore"):
            return (-g * (xp.log(x) + 1),)


def entr(x: Tensor) -> Tensor:
    """-x log x (0 at 0, -inf below 0); see ``Entr``."""
    return Entr.apply(_float_dtype_for(x))


def sinc(x: Tensor) -> Tensor:
    """sin(pi x) / (pi x), 1 at 0."""
    return Sinc.apply(_float_dtype_for(x))


class Hypot(Function):
    """sqrt(a^2 + b^2) without overflow or underflow (NumPy's hypot: sqrt(a * a + b * b) gave
    inf for 1e20 and 0 for 1e-30 in float32); d/da = a / out, d/db = b / out (torch's)."""

    def forward(self, a, b):
        return get_array_module(a).hypot(a, b)

    def backward(self, g, out, a, b):
        return (g * a / out if self.needs(0) else None, g * b / out if self.needs(1) else None)


def hypot(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """sqrt(a^2 + b^2) (an integer or bool result type is refused, as torch's).

    Example:
        >>> import nablagrad as torch
        >>> torch.hypot(torch.tensor([3.0]), torch.tensor([4.0]))
        tensor([5.])
    """
    a, b = prepare(input, other)
    ew.float_kernel_only(a, "hypot_cpu")
    return Hypot.apply(a, b)


class Logaddexp(Function):
    """log(e^a + e^b) (NumPy's logaddexp: max(a, b) + log1p(e^-|a - b|), and a == b = +-inf
    gives +-inf, where the composed formula gave NaN from inf - inf).
    d/da = 1 / (1 + e^(b - a)), d/db = 1 / (1 + e^(a - b)) (torch's)."""

    def forward(self, a, b):
        return get_array_module(a).logaddexp(a, b)

    def backward(self, g, out, a, b):
        m = self.m
        ga = g / (1 + m.exp(b - a)) if self.needs(0) else None
        gb = g / (1 + m.exp(a - b)) if self.needs(1) else None
        return ga, gb


def logaddexp(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """log(e^a + e^b), computed as max(a, b) + log1p(e^-|a - b|) (an integer or bool
    result type is refused, as torch's).

    Example:
        >>> import nablagrad as torch
        >>> torch.logaddexp(torch.tensor([0.0]), torch.tensor([0.0]))
        tensor([0.6931])
    """
    a, b = prepare(input, other)
    ew.float_kernel_only(a, "logaddexp_cpu")
    return Logaddexp.apply(_float_dtype_for(a), _float_dtype_for(b))


@torch_node("Logaddexp2Backward0")
def logaddexp2(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """log2(2^a + 2^b) (floating result types only, as torch's).

    Example:
        >>> import nablagrad as torch
        >>> torch.logaddexp2(torch.tensor([1.0]), torch.tensor([1.0]))
        tensor([2.])
    """
    ew.float_kernel_only(prepare(input, other)[0], "logaddexp2_cpu")
    ln2 = math.log(2.0)
    return logaddexp(input * ln2, other * ln2) / ln2


def float_power(input: Any, exponent: Any) -> Tensor:  # noqa: A002
    """input ** exponent in float64."""
    a = _t(input)
    b = _t(exponent)
    a = a.to(dtype=np.float64) if isinstance(a, Tensor) else float(a)
    b = b.to(dtype=np.float64) if isinstance(b, Tensor) else float(b)
    return ew.pow(a, b)


class Angle(Function):
    """The argument of a real number: pi for x < 0, 0 for x >= 0 (and -0.0), NaN for NaN;
    the gradient is zero, as torch's for real inputs."""

    def forward(self, x):
        xp = get_array_module(x)
        out = xp.where(x < 0, math.pi, 0.0).astype(x.dtype, copy=False)
        return xp.where(xp.isnan(x), x, out)

    def backward(self, g, out, x):
        return (g * 0,)


def angle(input: Tensor) -> Tensor:  # noqa: A002
    """torch.angle for real tensors: ``pi`` where ``input < 0``, else 0; NaN stays NaN and
    integers give the default float dtype.  The gradient is zero.

    Example:
        >>> import nablagrad as torch
        >>> torch.angle(torch.tensor([-2.0, 0.0, 3.0]))
        tensor([3.1416, 0.0000, 0.0000])
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"angle(): argument 'input' must be Tensor, not {type(input).__name__}")
    return Angle.apply(_float_dtype_for(input))


@torch_node("NanToNumBackward0")
def nan_to_num(
    input: Tensor,  # noqa: A002
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
) -> Tensor:
    """NaN -> ``nan``, +inf -> ``posinf`` (default: the dtype's max), -inf -> ``neginf``."""
    if input._data.dtype.kind != "f":
        return input.clone()
    fi = np.finfo(input._data.dtype)
    hi = fi.max if posinf is None else posinf
    lo = fi.min if neginf is None else neginf
    xp = get_array_module(input._data)
    raw = input._data
    fill = xp.where(xp.isnan(raw), nan, xp.where(raw > 0, hi, lo)).astype(raw.dtype)
    return ew.where(cmp.isfinite(input), input, Tensor._wrap(fill))


@torch_node(
    lambda input, min: "ClampMinBackward1" if isinstance(min, Tensor) else "ClampMinBackward0"
)
def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    return ew.clamp(input, min=min)


@torch_node(
    lambda input, max: "ClampMaxBackward1" if isinstance(max, Tensor) else "ClampMaxBackward0"
)
def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    return ew.clamp(input, max=max)


def signbit(input: Tensor) -> Tensor:  # noqa: A002
    xp = get_array_module(input._data)
    return Tensor._wrap(xp.signbit(input._data))


def heaviside(input: Tensor, values: Any) -> Tensor:  # noqa: A002
    """``values`` where x == 0, else 1 where x > 0 and 0 elsewhere (NaN included, as torch;
    not differentiable, as torch)."""
    v = values._data if isinstance(values, Tensor) else values
    x = input._data
    xp = get_array_module(x)
    return _no_derivative("heaviside", xp.where(x == 0, v, x > 0).astype(x.dtype), input)


def isin(
    elements: Any, test_elements: Any, *, assume_unique: bool = False, invert: bool = False
) -> Tensor:
    e = _t(elements)._data if not isinstance(elements, (int, float)) else np.asarray(elements)
    t = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    xp = get_array_module(e)
    return Tensor._wrap(xp.isin(e, t, assume_unique=assume_unique, invert=invert))


def isposinf(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor._wrap(get_array_module(input._data).isposinf(input._data))


def isneginf(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor._wrap(get_array_module(input._data).isneginf(input._data))


def isreal(input: Tensor) -> Tensor:  # noqa: A002
    return Tensor._wrap(get_array_module(input._data).isreal(input._data))


def _opmath(*operands: Any) -> bool:
    """Whether an op of these operands gives float16: torch computes the fused ops
    (addcmul, addcdiv, lerp) of float16 tensors in float32 and rounds once."""
    tensors = [t for t in operands if isinstance(t, Tensor)]
    return (
        bool(tensors)
        and tensors[0]._data.dtype == np.float16
        and ew.result_dtype(*operands) == np.float16
    )


def _widened(*operands: Any) -> list:
    return [t.float() if isinstance(t, Tensor) else t for t in operands]


@torch_node("AddcmulBackward0")
def addcmul(input: Tensor, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:  # noqa: A002
    """input + value * tensor1 * tensor2 (float16 operands compute in float32 and round once,
    as torch's).

    Example:
        >>> import nablagrad as torch
        >>> t1, t2 = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])
        >>> torch.addcmul(torch.ones(2), t1, t2, value=2)
        tensor([ 7., 17.])
    """
    if _opmath(input, tensor1, tensor2):
        x, t1, t2 = _widened(input, tensor1, tensor2)
        return (x + value * (t1 * t2)).half()
    return input + value * (tensor1 * tensor2)


@torch_node("AddcdivBackward0")
def addcdiv(input: Tensor, tensor1: Any, tensor2: Any, *, value: float = 1) -> Tensor:  # noqa: A002
    """input + value * tensor1 / tensor2 (true division; two integer tensors are refused,
    as torch's).

    Example:
        >>> import nablagrad as torch
        >>> t1, t2 = torch.tensor([1.0, 2.0]), torch.tensor([4.0, 4.0])
        >>> torch.addcdiv(torch.zeros(2), t1, t2, value=2)
        tensor([0.5000, 1.0000])
    """
    if all(isinstance(t, Tensor) and t._data.dtype.kind in "biu" for t in (tensor1, tensor2)):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic "
            "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
            "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
            "tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes."
        )
    if _opmath(input, tensor1, tensor2):
        x, t1, t2 = _widened(input, tensor1, tensor2)
        return (x + value * (t1 / t2)).half()
    return input + value * (tensor1 / tensor2)
