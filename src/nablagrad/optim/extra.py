"""``Rprop``, ``ASGD``, ``Adafactor`` and ``SparseAdam`` with torch.optim's update rules and state.

Example:
    >>> import nablagrad as torch
    >>> w = torch.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = torch.optim.Rprop([w], lr=0.1)
    >>> (w * w).sum().backward(); _ = opt.step()
    >>> w
    tensor([ 0.9000, -0.9000], requires_grad=True)
"""

from __future__ import annotations

from typing import Any

from ..backend import axpy_, get_array_module, np
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    ParamsT,
    check_lr,
    check_nonneg,
    defaults_of,
    lr_value,
    scalar_np_dtype,
    scalar_tensor,
    zeros_state,
)

__all__ = ["Rprop", "ASGD", "Adafactor", "SparseAdam"]


def _pair(value: Any, name: str) -> tuple[float, float]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair of floats, e.g. {name}=(0.5, 1.2); got {value!r}")
    return value[0], value[1]


def _no_capturable(opt: Optimizer, group: dict[str, Any]) -> None:
    if group.get("capturable"):
        raise ValueError(
            f"{type(opt).__name__}(capturable=True) is not supported: it is for CUDA graphs; "
            "leave capturable=False"
        )


class Rprop(Optimizer):
    r"""Resilient backpropagation, as torch.optim.Rprop.

    ::

        s = sign(g_t * g_{t-1})
        eta_t = eta_t-1 * (etaplus if s > 0, etaminus if s < 0, 1 otherwise),
                clamped to [step_size_min, step_size_max]      (state "step_size", starts at lr)
        g_t <- 0 where s < 0                                     (state "prev")
        w_t = w - sign(g_t) * eta_t

    Args:
        params: parameters or parameter groups.
        lr: initial step size (default 1e-2).
        etas: (etaminus, etaplus) with 0 < etaminus < 1 < etaplus (default (0.5, 1.2)).
        step_sizes: (minimal, maximal) step size (default (1e-6, 50)).
        maximize: maximize the objective.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([2.0], requires_grad=True)
        >>> opt = torch.optim.Rprop([w], lr=0.5)
        >>> (w * w).sum().backward(); _ = opt.step(); float(w)
        1.5
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        super().__init__(params, defaults_of(locals()))

    def _check_group(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        lo, hi = _pair(group["etas"], "etas")
        if not 0.0 < lo < 1.0 < hi:
            raise ValueError(f"Invalid eta values: {lo}, {hi}")
        _pair(group["step_sizes"], "step_sizes")
        _no_capturable(self, group)

    def _init_state(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = get_array_module(p._data)
        state["step"] = scalar_tensor(0.0)
        zeros_state(state, p, "prev")
        state["step_size"] = Tensor._wrap(xp.full_like(p._data, lr_value(group)))

    passes = 16

    def _update_group(self, group: dict[str, Any]) -> None:
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        for p, g, state, (t1, t2) in self._each(group, 2):
            xp = get_array_module(g)
            prev, size = state["prev"]._data, state["step_size"]._data
            xp.multiply(g, prev, out=t2)
            pos, neg = t2 > 0, t2 < 0
            factor = xp.where(pos, etaplus, xp.where(neg, etaminus, 1.0)).astype(size.dtype)
            size *= factor
            xp.clip(size, lo, hi, out=size)
            if g is not t1:
                t1[...] = g
            t1[neg] = 0
            xp.sign(t1, out=t2)
            t2 *= size
            p._data -= t2
            prev[...] = t1


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent, as torch.optim.ASGD.

    ::

        g_t <- g_t + lambda_w * w                                   (weight_decay)
        w_t = w * (1 - lambd * eta) - eta * g_t
        ax_t = ax + mu * (w_t - ax)    (ax_t = w_t while mu == 1)    (state "ax")
        eta <- lr / (1 + lambd * lr * t)^alpha;  mu <- 1 / max(1, t - t0)

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power for the eta update (default 0.75).
        t0: step at which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
        maximize: maximize the objective.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.ASGD([w], lr=0.1, lambd=0.0)
        >>> (w * w).sum().backward(); _ = opt.step(); round(float(w), 4)
        0.8
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        super().__init__(params, defaults_of(locals()))

    def _check_group(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
        _no_capturable(self, group)

    def _init_state(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = scalar_tensor(0.0)
        state["eta"] = scalar_tensor(lr_value(group))
        state["mu"] = scalar_tensor(1.0)
        zeros_state(state, p, "ax")

    passes = 10

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lambd, alpha, t0 = lr_value(group), group["lambd"], group["alpha"], group["t0"]
        for p, g, state, (_, t2) in self._each(group):
            w = p._data
            eta = float(state["eta"]._data)
            w *= 1 - lambd * eta
            axpy_(w, -eta, g, t2)
            mu = float(state["mu"]._data)
            ax = state["ax"]._data
            if mu != 1:
                get_array_module(w).subtract(w, ax, out=t2)
                t2 *= mu
                ax += t2
            else:
                ax[...] = w
            # torch computes these as default-dtype scalars (torch.as_tensor of a float), so a
            # float64 eta/mu (loaded from a state dict) holds the rounded value, as there
            step = float(state["step"]._data)
            scalar = scalar_np_dtype()
            state["eta"]._data[...] = scalar(lr / ((1 + lambd * lr * step) ** alpha))
            state["mu"]._data[...] = scalar(1 / max(1, step - t0))


class Adafactor(Optimizer):
    r"""Adafactor (Shazeer & Stern), as torch.optim.Adafactor (torch's use of lr and eps1).

    ::

        beta2_t = 1 - t^beta2_decay;  rho_t = min(lr, 1/sqrt(t))
        alpha_t = max(eps2, RMS(w)) * rho_t;  w <- w * (1 - lr * weight_decay)
        matrices: R_t = lerp(R, mean_cols(g^2), 1 - beta2_t); C_t likewise over rows;
                  V_t = R_t C_t / max(mean(R_t), eps1)
        vectors:  V_t = lerp(V, g^2, 1 - beta2_t)
        U_t = g / max(sqrt(V_t), eps1);  w_t = w - alpha_t * U_t / max(1, RMS(U_t) / d)

    Args:
        params: parameters or parameter groups.
        lr: weight-decay coefficient scale and cap of the relative step size (default 1e-2).
        beta2_decay: decay rate of beta2 (default -0.8).
        eps: (eps1, eps2); eps1=None means the parameter dtype's machine epsilon
            (default (None, 1e-3)).
        d: update clipping threshold (default 1.0).
        weight_decay: decoupled weight decay (default 0).
        maximize: maximize the objective.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([1.0, 1.0], requires_grad=True)
        >>> opt = torch.optim.Adafactor([w], lr=0.1)
        >>> (w * w).sum().backward(); _ = opt.step(); w
        tensor([0.9000, 0.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, defaults_of(locals()))

    def _check_group(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        if not 0.0 >= group["beta2_decay"]:
            raise ValueError(f"beta2_decay should be <= 0 but is: {group['beta2_decay']}")
        eps1, eps2 = _pair(group["eps"], "eps")
        if eps1 is not None and not 0.0 <= eps1:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps1}")
        if not 0.0 <= eps2:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps2}")
        if not 1.0 <= group["d"]:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {group['d']}")
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"weight_decay should be >= 0 but is: {group['weight_decay']}")

    def _init_state(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        xp = get_array_module(p._data)
        state["step"] = scalar_tensor(0.0)
        if p._data.ndim > 1:
            row = list(p.shape)
            row[-1] = 1
            col = list(p.shape)
            col[-2] = 1
            state["row_var"] = Tensor._wrap(xp.zeros(row, dtype=p._data.dtype))
            state["col_var"] = Tensor._wrap(xp.zeros(col, dtype=p._data.dtype))
        else:
            zeros_state(state, p, "variance")

    passes = 16

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, decay, d, wd = lr_value(group), group["beta2_decay"], group["d"], group["weight_decay"]
        eps1, eps2 = group["eps"]
        for p, g, state, (_, t2) in self._each({**group, "weight_decay": 0.0}):
            xp = get_array_module(g)
            w = p._data
            e1 = float(np.finfo(w.dtype).eps) if eps1 is None else eps1
            t = float(state["step"]._data)
            one_minus_beta2 = t**decay
            rho = min(lr, 1 / (t**0.5))
            alpha = max(eps2, float(xp.linalg.norm(w.ravel())) / (w.size**0.5)) * rho
            if wd != 0:
                w *= 1 - lr * wd
            xp.multiply(g, g, out=t2)
            if g.ndim > 1:
                r, c = state["row_var"]._data, state["col_var"]._data
                r += one_minus_beta2 * (t2.mean(axis=-1, keepdims=True) - r)
                c += one_minus_beta2 * (t2.mean(axis=-2, keepdims=True) - c)
                est = xp.matmul(r, c)
                est /= xp.maximum(r.mean(axis=-2, keepdims=True), e1)
            else:
                v = state["variance"]._data
                v += one_minus_beta2 * (t2 - v)
                est = v.copy()
            xp.maximum(est, e1 * e1, out=est)
            xp.sqrt(est, out=est)
            xp.divide(g, est, out=t2)
            denom = max(1.0, float(xp.linalg.norm(t2.ravel())) / ((t2.size**0.5) * d))
            axpy_(w, -alpha / denom, t2, est)


class SparseAdam(Optimizer):
    r"""torch.optim.SparseAdam: Adam for sparse gradients (lazy moments of the touched rows).

    nablagrad computes dense gradients only (``nn.Embedding(sparse=True)`` is refused), and
    torch's SparseAdam refuses dense gradients, so ``step()`` raises torch's error for any
    gradient, as torch does for dense ones; construction, validation, ``repr`` and state
    dicts follow torch.  Use ``Adam`` for dense gradients.

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-3).
        betas: moment decay rates (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        maximize: maximize the objective.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.zeros(3, requires_grad=True)
        >>> torch.optim.SparseAdam([w]).defaults["lr"]
        0.001
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, defaults_of(locals()))

    def _check_group(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        lr, eps = lr_value(group), group["eps"]
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        check_nonneg(eps, "eps")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        b1, b2 = _pair(group["betas"], "betas")
        if not 0.0 <= b1 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {b1}")
        if not 0.0 <= b2 < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {b2}")

    def _update_group(self, group: dict[str, Any]) -> None:
        for p in group["params"]:
            if p.grad is not None:
                raise RuntimeError(
                    "SparseAdam does not support dense gradients, please consider Adam instead"
                )
