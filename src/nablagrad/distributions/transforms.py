"""``nablagrad.distributions.transforms``: invertible (or at least computable) maps between
constrained spaces, as ``torch.distributions.transforms``.

A transform ``t`` maps ``x`` in ``t.domain`` to ``y = t(x)`` in ``t.codomain``; ``t.inv(y)``
maps back and ``t.log_abs_det_jacobian(x, y)`` is log |det dy/dx| summed over the
``domain.event_dim`` trailing dims of one event.  ``TransformedDistribution`` pushes a base
distribution through a list of them: log p_Y(y) = log p_X(x) - log |det dy/dx|.
``cache_size=1`` remembers the last ``(x, y)`` pair, so ``t.inv(t(x))`` returns ``x`` itself.

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.distributions.transforms import AffineTransform, ExpTransform
    >>> t = ExpTransform()
    >>> x = torch.tensor([0.0, 1.0])
    >>> t(x)
    tensor([1.0000, 2.7183])
    >>> t.inv(t(x))
    tensor([0.0000, 1.0000])
    >>> AffineTransform(1.0, 2.0).log_abs_det_jacobian(x, 1 + 2 * x)
    tensor([0.6931, 0.6931])
"""

from __future__ import annotations

import math
import numbers
import weakref
from collections.abc import Sequence
from typing import Any

from .. import creation
from ..backend import np
from ..nn import functional as F
from ..ops import elementwise as ew
from ..ops import shape as sh
from ..ops.layout import broadcast_shapes
from ..tensor import Size, Tensor
from . import constraints
from .independent import sum_rightmost

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "CatTransform",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "ExpTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StackTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "identity_transform",
]


class Transform:
    """Base class: ``__call__`` (the map), ``inv`` (the inverse transform),
    ``log_abs_det_jacobian(x, y)``, ``domain``/``codomain`` constraints, ``bijective``,
    ``sign`` (+1/-1 for monotone maps of the real line) and ``event_dim``.

    Subclasses define ``_call(x)``, ``_inverse(y)`` and ``log_abs_det_jacobian``.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions.transforms import ExpTransform
        >>> t = ExpTransform(cache_size=1)
        >>> x = torch.tensor(2.0)
        >>> t.inv(t(x)) is x  # the cached pair
        True
    """

    bijective = False
    domain: Any = constraints.real
    codomain: Any = constraints.real

    def __init__(self, cache_size: int = 0) -> None:
        if cache_size not in (0, 1):
            raise ValueError("cache_size must be 0 or 1")
        self._cache_size = cache_size
        self._cached_x_y: tuple[Any, Any] = (None, None)
        self._inv: Any = None

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_inv"] = None
        return state

    @property
    def event_dim(self) -> int:
        """The event dims of the domain and codomain, when they agree."""
        if self.domain.event_dim == self.codomain.event_dim:
            return self.domain.event_dim
        raise ValueError("Please use either .domain.event_dim or .codomain.event_dim")

    @property
    def inv(self) -> Transform:
        """The inverse transform (``t.inv.inv`` is ``t``)."""
        inv = self._inv() if self._inv is not None else None
        if inv is None:
            inv = _InverseTransform(self)
            self._inv = weakref.ref(inv)
        return inv

    @property
    def sign(self) -> Any:
        """+1 or -1: whether the (elementwise, monotone) map increases or decreases."""
        raise NotImplementedError

    def with_cache(self, cache_size: int = 1) -> Transform:
        """This transform with ``cache_size`` (a new object when it changes)."""
        if self._cache_size == cache_size:
            return self
        if type(self).__init__ is Transform.__init__:
            return type(self)(cache_size=cache_size)
        raise NotImplementedError(f"{type(self)}.with_cache is not implemented")

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = object.__hash__

    def __call__(self, x: Tensor) -> Tensor:
        if self._cache_size == 1:
            cx, cy = self._cached_x_y
            if x is cx:
                return cy
            y = self._call(x)
            self._cached_x_y = (x, y)
            return y
        return self._call(x)

    def _inv_call(self, y: Tensor) -> Tensor:
        if self._cache_size == 1:
            cx, cy = self._cached_x_y
            if y is cy:
                return cx
            x = self._inverse(y)
            self._cached_x_y = (x, y)
            return x
        return self._inverse(y)

    def _call(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def _inverse(self, y: Tensor) -> Tensor:
        raise NotImplementedError

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """log |det dy/dx| for ``y = self(x)``."""
        raise NotImplementedError

    def forward_shape(self, shape: Any) -> Any:
        """The shape of ``self(x)`` for an ``x`` of ``shape``."""
        return shape

    def inverse_shape(self, shape: Any) -> Any:
        """The shape of ``self.inv(y)`` for a ``y`` of ``shape``."""
        return shape

    def __repr__(self) -> str:
        return type(self).__name__ + "()"


class _InverseTransform(Transform):
    """The inverse of a transform (what ``Transform.inv`` returns)."""

    def __init__(self, transform: Transform) -> None:
        super().__init__(cache_size=transform._cache_size)
        self._inv = transform  # a strong reference: the base outlives its inverse

    @property
    def inv(self) -> Transform:  # type: ignore[override]
        return self._inv

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return self._inv.codomain

    @property
    def codomain(self) -> Any:  # type: ignore[override]
        return self._inv.domain

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return self._inv.bijective

    @property
    def sign(self) -> Any:
        return self._inv.sign

    def with_cache(self, cache_size: int = 1) -> Transform:
        return self._inv.with_cache(cache_size).inv

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _InverseTransform) and self._inv == other._inv

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._inv!r})"

    def __call__(self, x: Tensor) -> Tensor:
        return self._inv._inv_call(x)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return -self._inv.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape: Any) -> Any:
        return self._inv.inverse_shape(shape)

    def inverse_shape(self, shape: Any) -> Any:
        return self._inv.forward_shape(shape)


class ComposeTransform(Transform):
    """``parts`` applied in order (``parts[0]`` first); the log-Jacobians add, each summed
    over the dims that are event dims of the whole composition.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions.transforms import (
        ...     AffineTransform, ComposeTransform, ExpTransform)
        >>> t = ComposeTransform([ExpTransform(), AffineTransform(1.0, 2.0)])
        >>> t(torch.tensor(0.0))  # 1 + 2 * e^0
        tensor(3.)
    """

    def __init__(self, parts: Sequence[Transform], cache_size: int = 0) -> None:
        parts = list(parts)
        if not all(isinstance(p, Transform) for p in parts):
            raise TypeError("ComposeTransform expects a list of Transform objects")
        if cache_size:
            parts = [p.with_cache(cache_size) for p in parts]
        super().__init__(cache_size=cache_size)
        self.parts = parts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ComposeTransform) and self.parts == other.parts

    __hash__ = object.__hash__

    @constraints.dependent_property(is_discrete=False)
    def domain(self) -> Any:
        if not self.parts:
            return constraints.real
        domain = self.parts[0].domain
        # the domain's event dim is the most the parts need, pulled back through them
        event_dim = self.parts[-1].codomain.event_dim
        for part in reversed(self.parts):
            event_dim += part.domain.event_dim - part.codomain.event_dim
            event_dim = max(event_dim, part.domain.event_dim)
        if event_dim > domain.event_dim:
            domain = constraints.independent(domain, event_dim - domain.event_dim)
        return domain

    @constraints.dependent_property(is_discrete=False)
    def codomain(self) -> Any:
        if not self.parts:
            return constraints.real
        codomain = self.parts[-1].codomain
        event_dim = self.parts[0].domain.event_dim
        for part in self.parts:
            event_dim += part.codomain.event_dim - part.domain.event_dim
            event_dim = max(event_dim, part.codomain.event_dim)
        if event_dim > codomain.event_dim:
            codomain = constraints.independent(codomain, event_dim - codomain.event_dim)
        return codomain

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(p.bijective for p in self.parts)

    @property
    def sign(self) -> Any:
        sign = 1
        for p in self.parts:
            sign = sign * p.sign
        return sign

    @property
    def inv(self) -> Transform:
        inv = self._inv() if self._inv is not None else None
        if inv is None:
            inv = ComposeTransform([p.inv for p in reversed(self.parts)])
            self._inv = weakref.ref(inv)
            inv._inv = weakref.ref(self)
        return inv

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return ComposeTransform(self.parts, cache_size=cache_size)

    def __call__(self, x: Tensor) -> Tensor:
        for part in self.parts:
            x = part(x)
        return x

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        if not self.parts:
            return creation.zeros_like(x)
        xs = [x]
        for part in self.parts[:-1]:
            xs.append(part(xs[-1]))
        xs.append(y)
        total: Any = 0
        event_dim = self.domain.event_dim
        for part, xi, yi in zip(self.parts, xs[:-1], xs[1:]):
            term = part.log_abs_det_jacobian(xi, yi)
            total = total + sum_rightmost(term, event_dim - part.domain.event_dim)
            event_dim += part.codomain.event_dim - part.domain.event_dim
        return total

    def forward_shape(self, shape: Any) -> Any:
        for part in self.parts:
            shape = part.forward_shape(shape)
        return shape

    def inverse_shape(self, shape: Any) -> Any:
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return shape

    def __repr__(self) -> str:
        inner = ",\n    ".join(repr(p) for p in self.parts)
        return f"{type(self).__name__}(\n    {inner}\n)"


identity_transform = ComposeTransform([])


class IndependentTransform(Transform):
    """``base_transform`` with its ``reinterpreted_batch_ndims`` rightmost dims read as event
    dims: the log-Jacobian is summed over them.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions.transforms import ExpTransform, IndependentTransform
        >>> t = IndependentTransform(ExpTransform(), 1)
        >>> x = torch.zeros(2, 3)
        >>> t.log_abs_det_jacobian(x, t(x)).shape
        nablagrad.Size([2])
    """

    def __init__(
        self, base_transform: Transform, reinterpreted_batch_ndims: int, cache_size: int = 0
    ) -> None:
        if not isinstance(base_transform, Transform):
            raise TypeError(f"base_transform must be a Transform, got {base_transform!r}")
        n = reinterpreted_batch_ndims
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"reinterpreted_batch_ndims must be a non-negative int, got {n!r}")
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = n

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return IndependentTransform(
            self.base_transform, self.reinterpreted_batch_ndims, cache_size=cache_size
        )

    @constraints.dependent_property(is_discrete=False)
    def domain(self) -> Any:
        return constraints.independent(self.base_transform.domain, self.reinterpreted_batch_ndims)

    @constraints.dependent_property(is_discrete=False)
    def codomain(self) -> Any:
        return constraints.independent(self.base_transform.codomain, self.reinterpreted_batch_ndims)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return self.base_transform.bijective

    @property
    def sign(self) -> Any:
        return self.base_transform.sign

    def _call(self, x: Tensor) -> Tensor:
        if x.ndim < self.domain.event_dim:
            raise ValueError("Too few dimensions on input")
        return self.base_transform(x)

    def _inverse(self, y: Tensor) -> Tensor:
        if y.ndim < self.codomain.event_dim:
            raise ValueError("Too few dimensions on input")
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        result = self.base_transform.log_abs_det_jacobian(x, y)
        return sum_rightmost(result, self.reinterpreted_batch_ndims)

    def forward_shape(self, shape: Any) -> Any:
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape: Any) -> Any:
        return self.base_transform.inverse_shape(shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_transform!r}, {self.reinterpreted_batch_ndims})"


class ReshapeTransform(Transform):
    """Reshapes the rightmost ``in_shape`` dims to ``out_shape`` (log-Jacobian 0).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions.transforms import ReshapeTransform
        >>> ReshapeTransform((2, 3), (6,))(torch.zeros(4, 2, 3)).shape
        nablagrad.Size([4, 6])
    """

    bijective = True

    def __init__(self, in_shape: Any, out_shape: Any, cache_size: int = 0) -> None:
        self.in_shape = Size(tuple(in_shape))
        self.out_shape = Size(tuple(out_shape))
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError("in_shape, out_shape have different numbers of elements")
        super().__init__(cache_size=cache_size)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    @constraints.dependent_property
    def domain(self) -> Any:
        return constraints.independent(constraints.real, len(self.in_shape))

    @constraints.dependent_property
    def codomain(self) -> Any:
        return constraints.independent(constraints.real, len(self.out_shape))

    def _call(self, x: Tensor) -> Tensor:
        batch = tuple(x.shape[: x.ndim - len(self.in_shape)])
        return x.reshape(batch + tuple(self.out_shape))

    def _inverse(self, y: Tensor) -> Tensor:
        batch = tuple(y.shape[: y.ndim - len(self.out_shape)])
        return y.reshape(batch + tuple(self.in_shape))

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        batch = tuple(x.shape[: x.ndim - len(self.in_shape)])
        return x.new_zeros(batch)

    def _shape(self, shape: Any, src: Size, dst: Size) -> Any:
        shape = tuple(shape)
        if len(shape) < len(src):
            raise ValueError("Too few dimensions on input")
        cut = len(shape) - len(src)
        if shape[cut:] != tuple(src):
            raise ValueError(f"Shape mismatch: expected {shape[cut:]} but got {tuple(src)}")
        return shape[:cut] + tuple(dst)

    def forward_shape(self, shape: Any) -> Any:
        return self._shape(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape: Any) -> Any:
        return self._shape(shape, self.out_shape, self.in_shape)


class ExpTransform(Transform):
    """y = exp(x); log |dy/dx| = x."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExpTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return ew.exp(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return ew.log(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return x


class PowerTransform(Transform):
    """y = x ** exponent on the positive reals; log |dy/dx| = log |exponent y / x|."""

    domain = constraints.positive
    codomain = constraints.positive
    bijective = True

    def __init__(self, exponent: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        if not isinstance(exponent, Tensor):
            from ..backend import get_default_dtype

            exponent = creation.tensor(float(exponent), dtype=get_default_dtype())
        self.exponent = exponent

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return PowerTransform(self.exponent, cache_size=cache_size)

    @property
    def sign(self) -> Any:
        return self.exponent.sign()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PowerTransform):
            return False
        return bool(self.exponent.eq(other.exponent).all())

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.pow(self.exponent)

    def _inverse(self, y: Tensor) -> Tensor:
        return y.pow(1 / self.exponent)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return ew.log(ew.abs(self.exponent * y / x))

    def forward_shape(self, shape: Any) -> Any:
        return tuple(broadcast_shapes(tuple(shape), tuple(self.exponent.shape)))

    def inverse_shape(self, shape: Any) -> Any:
        return tuple(broadcast_shapes(tuple(shape), tuple(self.exponent.shape)))


def _clipped_sigmoid(x: Tensor) -> Tensor:
    """sigmoid(x) kept inside [tiny, 1 - eps], so its logit stays finite."""
    info = np.finfo(x._data.dtype)
    return ew.clamp(ew.sigmoid(x), float(info.tiny), 1.0 - float(info.eps))


class SigmoidTransform(Transform):
    """y = 1 / (1 + exp(-x)); log |dy/dx| = -softplus(-x) - softplus(x)."""

    domain = constraints.real
    codomain = constraints.unit_interval
    bijective = True
    sign = +1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SigmoidTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return _clipped_sigmoid(x)

    def _inverse(self, y: Tensor) -> Tensor:
        info = np.finfo(y._data.dtype)
        y = ew.clamp(y, float(info.tiny), 1.0 - float(info.eps))
        return ew.log(y) - ew.log1p(-y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return -F.softplus(-x) - F.softplus(x)


class SoftplusTransform(Transform):
    """y = log(1 + exp(x)); log |dy/dx| = -softplus(-x)."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftplusTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return F.softplus(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return ew.log(-ew.expm1(-y)) + y

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return -F.softplus(-x)


class TanhTransform(Transform):
    """y = tanh(x); log |dy/dx| = 2 (log 2 - x - softplus(-2x)), the stable form of
    log(1 - tanh(x)^2)."""

    domain = constraints.real
    codomain = constraints.interval(-1.0, 1.0)
    bijective = True
    sign = +1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TanhTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return ew.tanh(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return ew.atanh(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return 2.0 * (math.log(2.0) - x - F.softplus(-2.0 * x))


class AbsTransform(Transform):
    """y = |x| (not injective: ``inv`` returns the non-negative preimage)."""

    domain = constraints.real
    codomain = constraints.positive

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AbsTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return ew.abs(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return y


class AffineTransform(Transform):
    """y = loc + scale x, elementwise; ``event_dim`` trailing dims make one event (their
    log |scale| terms add).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions.transforms import AffineTransform
        >>> t = AffineTransform(0.0, 2.0, event_dim=1)
        >>> x = torch.zeros(2, 3)
        >>> t.log_abs_det_jacobian(x, t(x))  # 3 log 2 per event
        tensor([2.0794, 2.0794])
    """

    bijective = True

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.loc = loc
        self.scale = scale
        self._event_dim = event_dim

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self._event_dim

    @constraints.dependent_property(is_discrete=False)
    def domain(self) -> Any:
        if self._event_dim == 0:
            return constraints.real
        return constraints.independent(constraints.real, self._event_dim)

    @constraints.dependent_property(is_discrete=False)
    def codomain(self) -> Any:
        if self._event_dim == 0:
            return constraints.real
        return constraints.independent(constraints.real, self._event_dim)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return AffineTransform(self.loc, self.scale, self._event_dim, cache_size=cache_size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AffineTransform):
            return False
        for a, b in ((self.loc, other.loc), (self.scale, other.scale)):
            if isinstance(a, numbers.Number) and isinstance(b, numbers.Number):
                if a != b:
                    return False
            elif not bool((a == b).all()):
                return False
        return True

    __hash__ = object.__hash__

    @property
    def sign(self) -> Any:
        if isinstance(self.scale, numbers.Real):
            return 1 if float(self.scale) > 0 else -1 if float(self.scale) < 0 else 0
        return self.scale.sign()

    def _call(self, x: Tensor) -> Tensor:
        return self.loc + self.scale * x

    def _inverse(self, y: Tensor) -> Tensor:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        shape = tuple(x.shape)
        if isinstance(self.scale, numbers.Real):
            result = creation.full_like(x, math.log(abs(self.scale)))
        else:
            result = ew.log(ew.abs(self.scale))
        if self._event_dim:
            kept = tuple(result.shape[: result.ndim - self._event_dim])
            result = result.reshape(kept + (-1,)).sum(-1)
            shape = shape[: len(shape) - self._event_dim]
        return result.expand(*shape) if tuple(result.shape) != shape else result

    def _param_shapes(self) -> tuple:
        return tuple(tuple(getattr(p, "shape", ())) for p in (self.loc, self.scale))

    def forward_shape(self, shape: Any) -> Any:
        return tuple(broadcast_shapes(tuple(shape), *map(tuple, self._param_shapes())))

    def inverse_shape(self, shape: Any) -> Any:
        return tuple(broadcast_shapes(tuple(shape), *map(tuple, self._param_shapes())))


class SoftmaxTransform(Transform):
    """y = softmax(x) over the last dim (not injective; ``inv`` is log y, one preimage)."""

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftmaxTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        probs = ew.exp(x - x.max(-1, keepdim=True)[0])
        return probs / probs.sum(-1, keepdim=True)

    def _inverse(self, y: Tensor) -> Tensor:
        return ew.log(y)

    def forward_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return shape

    inverse_shape = forward_shape


def _offsets(x: Tensor, n: int, top: int) -> Tensor:
    """``top - [1, 2, ..., n]`` as ``x``'s dtype (the stick-breaking shifts)."""
    return top - x.new_ones(n).cumsum(-1)


class StickBreakingTransform(Transform):
    """Maps R^(K-1) onto the K-simplex by breaking a stick: z_i = sigmoid(x_i - log(K - i)),
    y_i = z_i prod_{j<i} (1 - z_j), the last piece what is left.  Bijective; x = 0 maps to
    the uniform vector.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions.transforms import StickBreakingTransform
        >>> StickBreakingTransform()(torch.zeros(2))
        tensor([0.3333, 0.3333, 0.3333])
    """

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StickBreakingTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        k = x.shape[-1]
        z = _clipped_sigmoid(x - ew.log(_offsets(x, k, k + 1)))
        left = (1 - z).cumprod(-1)
        return F.pad(z, [0, 1], value=1.0) * F.pad(left, [1, 0], value=1.0)

    def _inverse(self, y: Tensor) -> Tensor:
        k = y.shape[-1]
        y_crop = y[..., :-1]
        offset = _offsets(y, k - 1, k)
        info = np.finfo(y._data.dtype)
        rest = ew.clamp(1 - y_crop.cumsum(-1), float(info.tiny), None)
        return ew.log(y_crop) - ew.log(rest) + ew.log(offset)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        k = x.shape[-1]
        x = x - ew.log(_offsets(x, k, k + 1))
        return (-x + F.logsigmoid(x) + ew.log(y[..., :-1])).sum(-1)

    def forward_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tuple(shape[:-1]) + (shape[-1] + 1,)

    def inverse_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        return tuple(shape[:-1]) + (shape[-1] - 1,)


class LowerCholeskyTransform(Transform):
    """An unconstrained square matrix to a lower-triangular one with a positive diagonal:
    the strict lower triangle kept, the diagonal exponentiated (not bijective: the upper
    triangle is dropped)."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LowerCholeskyTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        return x.tril(-1) + ew.exp(x.diagonal(dim1=-2, dim2=-1)).diag_embed()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.tril(-1) + ew.log(y.diagonal(dim1=-2, dim2=-1)).diag_embed()


class PositiveDefiniteTransform(Transform):
    """An unconstrained square matrix to a positive-definite one, L L^T with L its
    ``LowerCholeskyTransform`` image; the inverse takes the Cholesky factor back."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PositiveDefiniteTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        lower = LowerCholeskyTransform()(x)
        return lower @ lower.mT

    def _inverse(self, y: Tensor) -> Tensor:
        from ..ops import linalg_fns as la

        return LowerCholeskyTransform().inv(la.cholesky(y))


class CatTransform(Transform):
    """``tseq[i]`` applied to the slice of length ``lengths[i]`` along ``dim`` (the pieces
    concatenated back), as ``torch.cat``; ``lengths`` defaults to ones.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions.transforms import CatTransform, ExpTransform
        >>> from nablagrad.distributions.transforms import identity_transform
        >>> t = CatTransform([identity_transform, ExpTransform()], dim=0, lengths=[1, 1])
        >>> t(torch.tensor([0.0, 0.0]))
        tensor([0., 1.])
    """

    def __init__(
        self, tseq: Sequence[Transform], dim: int = 0, lengths: Any = None, cache_size: int = 0
    ) -> None:
        tseq = list(tseq)
        if not all(isinstance(t, Transform) for t in tseq):
            raise TypeError("CatTransform expects a sequence of Transform objects")
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = tseq
        self.lengths = [1] * len(tseq) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.transforms):
            raise ValueError(
                f"CatTransform: {len(self.transforms)} transforms but {len(self.lengths)} "
                "lengths were given"
            )
        self.dim = dim

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self) -> int:
        return sum(self.lengths)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _check_dim(self, x: Tensor) -> None:
        if not -x.ndim <= self.dim < x.ndim:
            raise IndexError(f"CatTransform: dim {self.dim} is out of range for a {x.ndim}-d input")
        if x.shape[self.dim] != self.length:
            raise ValueError(
                f"CatTransform: the input has {x.shape[self.dim]} entries along dim {self.dim} "
                f"but the lengths add up to {self.length}"
            )

    def _map(self, x: Tensor, fn: Any) -> Tensor:
        self._check_dim(x)
        out, start = [], 0
        for t, length in zip(self.transforms, self.lengths):
            out.append(fn(t, x.narrow(self.dim, start, length)))
            start += length
        return sh.cat(out, self.dim)

    def _call(self, x: Tensor) -> Tensor:
        return self._map(x, lambda t, v: t(v))

    def _inverse(self, y: Tensor) -> Tensor:
        return self._map(y, lambda t, v: t.inv(v))

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        self._check_dim(x)
        self._check_dim(y)
        terms, start = [], 0
        for t, length in zip(self.transforms, self.lengths):
            xs, ys = x.narrow(self.dim, start, length), y.narrow(self.dim, start, length)
            term = t.log_abs_det_jacobian(xs, ys)
            if t.event_dim < self.event_dim:
                term = sum_rightmost(term, self.event_dim - t.event_dim)
            terms.append(term)
            start += length
        dim = self.dim
        if dim >= 0:
            dim = dim - x.ndim
        dim = dim + self.event_dim
        if dim < 0:
            return sh.cat(terms, dim)
        total = terms[0]
        for term in terms[1:]:
            total = total + term
        return total

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(t.bijective for t in self.transforms)

    @constraints.dependent_property
    def domain(self) -> Any:
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @constraints.dependent_property
    def codomain(self) -> Any:
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """``tseq[i]`` applied to ``x.select(dim, i)`` (the results stacked back), as
    ``torch.stack``.

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions.transforms import StackTransform, ExpTransform
        >>> from nablagrad.distributions.transforms import identity_transform
        >>> t = StackTransform([identity_transform, ExpTransform()], dim=0)
        >>> t(torch.tensor([0.0, 0.0]))
        tensor([0., 1.])
    """

    def __init__(self, tseq: Sequence[Transform], dim: int = 0, cache_size: int = 0) -> None:
        tseq = list(tseq)
        if not all(isinstance(t, Transform) for t in tseq):
            raise TypeError("StackTransform expects a sequence of Transform objects")
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = tseq
        self.dim = dim

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, z: Tensor) -> list[Tensor]:
        if not -z.ndim <= self.dim < z.ndim:
            raise IndexError(
                f"StackTransform: dim {self.dim} is out of range for a {z.ndim}-d input"
            )
        if z.shape[self.dim] != len(self.transforms):
            raise ValueError(
                f"StackTransform: the input has {z.shape[self.dim]} entries along dim {self.dim} "
                f"but {len(self.transforms)} transforms were given"
            )
        return [z.select(self.dim, i) for i in range(z.shape[self.dim])]

    def _call(self, x: Tensor) -> Tensor:
        return sh.stack([t(v) for t, v in zip(self.transforms, self._slices(x))], self.dim)

    def _inverse(self, y: Tensor) -> Tensor:
        return sh.stack([t.inv(v) for t, v in zip(self.transforms, self._slices(y))], self.dim)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        terms = [
            t.log_abs_det_jacobian(xi, yi)
            for t, xi, yi in zip(self.transforms, self._slices(x), self._slices(y))
        ]
        return sh.stack(terms, self.dim)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(t.bijective for t in self.transforms)

    @constraints.dependent_property
    def domain(self) -> Any:
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @constraints.dependent_property
    def codomain(self) -> Any:
        return constraints.stack([t.codomain for t in self.transforms], self.dim)


def _tril_positions(n: int, diag: int) -> Any:
    """Flat positions (row-major) of the entries of an n x n matrix on or below diagonal
    ``diag`` (-1: strictly below), in torch's order for these vectors."""
    rows, cols = np.tril_indices(n, diag)
    return rows * n + cols


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """The n x n matrix whose entries on and below diagonal ``diag`` are ``vec`` (row-major),
    zeros elsewhere; n is found from ``vec``'s length."""
    length = vec.shape[-1]
    # n (n + 1) / 2 + diag-corrections = length, solved for n
    b = 1 + 2 * diag
    n = (-b + math.sqrt(b * b + 8 * length + 4 * abs(diag) * (diag + 1))) / 2
    if abs(round(n) - n) > 1e-6:
        raise ValueError(
            f"The size of last dimension is {length} which cannot be expressed as "
            "the lower triangular part of a square D x D matrix."
        )
    n = round(n)
    positions = _tril_positions(n, diag)
    index = np.full(n * n, len(positions), dtype=np.int64)
    index[positions] = np.arange(len(positions))
    padded = sh.cat([vec, vec.new_zeros(tuple(vec.shape[:-1]) + (1,))], -1)
    picked = padded.index_select(-1, creation.tensor(index, device=vec.device))
    return picked.reshape(tuple(vec.shape[:-1]) + (n, n))


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The entries of ``mat`` on and below diagonal ``diag``, row-major."""
    n = mat.shape[-1]
    flat = mat.reshape(tuple(mat.shape[:-2]) + (n * n,))
    index = creation.tensor(_tril_positions(n, diag).astype(np.int64), device=mat.device)
    return flat.index_select(-1, index)


class CorrCholeskyTransform(Transform):
    """R^(D(D-1)/2) onto the Cholesky factors of D x D correlation matrices (unit-norm rows,
    positive diagonal), as for the LKJ distribution: the vector goes through tanh into the
    strict lower triangle, and each row is then stick-broken so its squares sum to 1:
    y_ij = r_ij sqrt(1 - sum_{k<j} y_ik^2), y_ii = sqrt(1 - sum_{k<i} y_ik^2).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions.transforms import CorrCholeskyTransform
        >>> y = CorrCholeskyTransform()(torch.tensor([0.5, -1.0, 2.0]))
        >>> y.shape, torch.allclose((y * y).sum(-1), torch.ones(3))
        (nablagrad.Size([3, 3]), True)
    """

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CorrCholeskyTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        eps = float(np.finfo(x._data.dtype).eps)
        r = vec_to_tril_matrix(ew.clamp(ew.tanh(x), -1 + eps, 1 - eps), diag=-1)
        # the stick left before column j: prod_{k<j} sqrt(1 - r_ik^2)
        left = ew.sqrt(1 - r * r).cumprod(-1)
        n = r.shape[-1]
        eye = creation.eye(n, dtype=r.dtype, device=r.device)
        return (r + eye) * F.pad(left[..., :-1], [1, 0], value=1.0)

    def _inverse(self, y: Tensor) -> Tensor:
        left = 1 - (y * y).cumsum(-1)
        left = F.pad(left[..., :-1], [1, 0], value=1.0)
        t = tril_matrix_to_vec(y, diag=-1) / ew.sqrt(tril_matrix_to_vec(left, diag=-1))
        return (ew.log1p(t) - ew.log1p(-t)) / 2  # atanh

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        # the stick-breaking part: 1/2 sum of the log sticks left (below the diagonal), and
        # tanh's: sum log(1 - tanh(x)^2) = -2 sum (x + softplus(-2x) - log 2)
        left = tril_matrix_to_vec(1 - (y * y).cumsum(-1), diag=-2)
        stick = 0.5 * ew.log(left).sum(-1)
        tanh = -2 * (x + F.softplus(-2 * x) - math.log(2.0)).sum(-1)
        return stick + tanh

    def forward_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ValueError("Too few dimensions on input")
        n = shape[-1]
        d = round((0.25 + 2 * n) ** 0.5 + 0.5)
        if d * (d - 1) // 2 != n:
            raise ValueError("Input is not a flattend lower-diagonal number")
        return tuple(shape[:-1]) + (d, d)

    def inverse_shape(self, shape: Any) -> Any:
        if len(shape) < 2:
            raise ValueError("Too few dimensions on input")
        if shape[-2] != shape[-1]:
            raise ValueError("Input is not square")
        d = shape[-1]
        return tuple(shape[:-2]) + (d * (d - 1) // 2,)


class CumulativeDistributionTransform(Transform):
    """y = F(x), the cdf of a univariate ``distribution`` (its ``icdf`` the inverse);
    log |dy/dx| = log p(x).  Maps the distribution onto U(0, 1) (a copula's margins).

    Example:
        >>> import nablagrad as torch
        >>> from nablagrad.distributions import Normal
        >>> from nablagrad.distributions.transforms import CumulativeDistributionTransform
        >>> CumulativeDistributionTransform(Normal(0.0, 1.0))(torch.tensor(0.0))
        tensor(0.5000)
    """

    bijective = True
    codomain = constraints.unit_interval
    sign = +1

    def __init__(self, distribution: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self) -> Any:  # type: ignore[override]
        return self.distribution.support

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return type(self)(self.distribution, cache_size=cache_size)

    def _call(self, x: Tensor) -> Tensor:
        return self.distribution.cdf(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return self.distribution.log_prob(x)
