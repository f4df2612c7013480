"""``Distribution``: the base class of torch.distributions' API (shapes, sampling, validation)."""

from __future__ import annotations

import math
from typing import Any

from .. import creation
from ..autograd import no_grad
from ..backend import get_default_dtype, np
from ..ops import elementwise as ew
from ..ops import shape as sh
from ..tensor import Size, Tensor

__all__ = ["Distribution"]


def as_param(*values: Any) -> tuple[Tensor, ...]:
    """Parameters as float tensors broadcast to one shape (numbers become default-float)."""
    ts = []
    for v in values:
        if isinstance(v, Tensor):
            ts.append(v if v.is_floating_point() else v.to(dtype=get_default_dtype()))
        else:
            ts.append(creation.tensor(float(v), dtype=get_default_dtype()))
    dts = [t.dtype for t in ts if t.ndim or not isinstance(t, Tensor)]
    dt = ts[0].dtype if not dts else dts[0]
    ts = [t if t.dtype == dt else t.to(dtype=dt) for t in ts]
    return tuple(sh.broadcast_tensors(*ts)) if len(ts) > 1 else (ts[0],)


def clamp_probs(probs: Tensor) -> Tensor:
    eps = float(np.finfo(probs._data.dtype).eps)
    return ew.clamp(probs, eps, 1 - eps)


class Distribution:
    """Base class.  ``batch_shape`` indexes independent distributions; ``event_shape`` is the
    shape of one draw.  ``sample(sample_shape)`` returns ``sample_shape + batch_shape +
    event_shape`` values without gradient; ``rsample`` (where ``has_rsample``) is differentiable
    with respect to the parameters (the reparameterization trick)."""

    has_rsample = False
    has_enumerate_support = False
    _validate_args_default = True
    arg_constraints: dict[str, Any] = {}

    def __init__(
        self,
        batch_shape: Any = (),
        event_shape: Any = (),
        validate_args: bool | None = None,
    ) -> None:
        self._batch_shape = Size(tuple(batch_shape))
        self._event_shape = Size(tuple(event_shape))
        self._validate_args = (
            Distribution._validate_args_default if validate_args is None else validate_args
        )

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        Distribution._validate_args_default = bool(value)

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> tuple:
        if isinstance(sample_shape, int):
            sample_shape = (sample_shape,)
        return tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape)

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self) -> Tensor:
        return ew.sqrt(self.variance)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape).detach()

    def sample_n(self, n: int) -> Tensor:
        return self.sample((n,))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        raise NotImplementedError(
            f"{type(self).__name__} is not reparameterizable: rsample is not available (use sample)"
        )

    def log_prob(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def entropy(self) -> Tensor:
        raise NotImplementedError

    def perplexity(self) -> Tensor:
        return ew.exp(self.entropy())

    def cdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def icdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def _value(self, value: Any) -> Tensor:
        if not isinstance(value, Tensor):
            value = creation.tensor(value, dtype=get_default_dtype())
        return value

    def _check(self, ok: Any, value: Tensor, support: str) -> None:
        if self._validate_args and not bool(ok.all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) "
                f"to be within the support ({support}) of the distribution "
                f"{self!r}, but found invalid values:\n{value}"
            )

    def _check_param(self, name: str, ok: Any, value: Tensor, constraint: str) -> None:
        if self._validate_args and not bool(ok.all()):
            raise ValueError(
                f"Expected parameter {name} ({type(value).__name__} of shape "
                f"{tuple(value.shape)}) of distribution {self!r} to satisfy the constraint "
                f"{constraint}, but found invalid values:\n{value}"
            )

    def __repr__(self) -> str:
        names = [k for k in self.arg_constraints if k in self.__dict__]
        shown = {k: self.__dict__[k] for k in names}
        args = ", ".join(
            f"{k}: {v if v.numel() == 1 else tuple(v.shape)}" for k, v in shown.items()
        )
        return f"{type(self).__name__}({args})"


LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))
