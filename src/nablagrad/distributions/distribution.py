"""``Distribution``: the base class of torch.distributions' API (shapes, sampling, validation)."""

from __future__ import annotations

import copy
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
    # numbers go to the device of the tensors among them (torch's broadcast_all)
    device = next((v.device for v in values if isinstance(v, Tensor)), None)
    for v in values:
        if isinstance(v, Tensor):
            ts.append(v if v.is_floating_point() else v.to(dtype=get_default_dtype()))
        else:
            ts.append(creation.tensor(float(v), dtype=get_default_dtype(), device=device))
    # the dtype of the tensors given (a dimensioned one first); numbers follow it
    given = [t for t, v in zip(ts, values) if isinstance(v, Tensor)]
    dts = [t.dtype for t in given if t.ndim] or [t.dtype for t in given]
    dt = ts[0].dtype if not dts else dts[0]
    ts = [t if t.dtype == dt else t.to(dtype=dt) for t in ts]
    return tuple(sh.broadcast_tensors(*ts)) if len(ts) > 1 else (ts[0],)


def expand_to(t: Tensor, shape: Any) -> Tensor:
    """``t`` broadcast (as a view) to ``shape``, which may be ``()``."""
    shape = tuple(shape)
    return t if tuple(t.shape) == shape else t.expand(*shape)


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
    _params: tuple[str, ...] = ()  # the parameter tensors expand() broadcasts
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

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """A new distribution with its parameters broadcast (as views) to ``batch_shape``;
        a size that cannot be broadcast is a RuntimeError, as ``Tensor.expand``."""
        batch_shape = Size(tuple(batch_shape))
        new = copy.copy(self)
        for name in self._params:
            param = getattr(self, name)
            trailing = tuple(param.shape[param.ndim - self._param_event_dims :])
            setattr(new, name, param.expand(*(tuple(batch_shape) + trailing)))
        new._batch_shape = batch_shape
        return new

    _param_event_dims = 0  # trailing parameter dims that are not batch dims (categories)

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    def _extended_shape(self, sample_shape: Any = ()) -> tuple:
        if isinstance(sample_shape, int):  # torch.Size(3) is a TypeError too
            raise TypeError(
                f"sample_shape must be a tuple or Size of ints, got the int {sample_shape}: "
                f"write ({sample_shape},)"
            )
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

    def enumerate_support(self, expand: bool = True) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no finite support to enumerate")

    def perplexity(self) -> Tensor:
        return ew.exp(self.entropy())

    def cdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def icdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def _value(self, value: Any, check: bool = True) -> Tensor:
        """``value`` checked as torch's ``_validate_sample`` does when validating (a Tensor,
        broadcastable with ``batch_shape + event_shape``, inside the support: ValueError
        otherwise); without validation (or ``check=False``, for ``icdf``), numbers are
        accepted and made tensors."""
        if not isinstance(value, Tensor):
            if self._validate_args and check:
                raise ValueError("The value argument to log_prob must be a Tensor")
            return creation.tensor(value, dtype=get_default_dtype())
        if self._validate_args and check:
            event = tuple(self._event_shape)
            actual = tuple(value.shape)
            if actual[len(actual) - len(event) :] != event or len(actual) < len(event):
                raise ValueError(
                    f"The right-most size of value must match event_shape: {actual} vs {event}."
                )
            expected = tuple(self._batch_shape) + event
            for i, j in zip(reversed(actual), reversed(expected)):
                if i != 1 and j != 1 and i != j:
                    raise ValueError(
                        "Value is not broadcastable with batch_shape+event_shape: "
                        f"{actual} vs {expected}."
                    )
            checked = self._support_check(value)
            if checked is not None:
                self._check(checked[0], value, checked[1])
        return value

    @property
    def support(self) -> Any:
        """The constraint the values lie in (``constraints.real``, ``constraints.simplex`` ...)."""
        raise NotImplementedError(f"{type(self).__name__} does not define its support")

    def _support_check(self, value: Tensor) -> tuple[Tensor, str] | None:
        """``(inside, support repr)`` for ``value``, from ``self.support`` (None without one)."""
        try:
            support = self.support
        except NotImplementedError:
            return None
        return support.check(value), repr(support)

    def _validate_params(self, *names: str) -> None:
        """torch's check of the parameters against ``arg_constraints`` (when validating): a
        ValueError naming the first parameter outside its constraint.  ``names`` limits the
        check to the parameters the caller gave (the others are derived from them)."""
        if not self._validate_args:
            return
        from .constraints import is_dependent

        for name, constraint in self.arg_constraints.items():
            if is_dependent(constraint) or (names and name not in names):
                continue
            value = getattr(self, name)
            self._check_param(name, constraint.check(value), value, repr(constraint))

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
        # torch shows the parameters given (probs or logits), not the ones derived from them
        derived = self.__dict__.get("_derived", ())
        names = [k for k in self.arg_constraints if k in self.__dict__ and k not in derived]
        shown = {k: self.__dict__[k] for k in names}
        args = ", ".join(
            f"{k}: {v if v.numel() == 1 else tuple(v.shape)}" for k, v in shown.items()
        )
        return f"{type(self).__name__}({args})"


LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))
