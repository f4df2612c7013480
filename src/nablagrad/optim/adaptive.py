"""Per-coordinate adaptive methods: ``Adagrad``, ``RMSprop``, ``Adadelta`` (torch.optim's rules).

Example:
    >>> import nablagrad as torch
    >>> w = torch.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = torch.optim.Adagrad([w], lr=0.1)
    >>> (w * w).sum().backward(); _ = opt.step()
    >>> w
    tensor([ 0.9000, -0.9000], requires_grad=True)
"""

from __future__ import annotations

from typing import Any

from ..backend import axpby_, axpy_, get_array_module
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    ParamsT,
    check_lr,
    check_nonneg,
    check_unit,
    defaults_of,
    ema_,
    ema_sq_,
    lr_value,
    scalar_tensor,
    zeros_state,
)

__all__ = ["Adagrad", "RMSprop", "Adadelta"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al.), as torch.optim.Adagrad.

    ::

        g_t <- g_t + lambda * w                         (weight_decay)
        gamma_t = gamma / (1 + (t - 1) * eta)            (eta = lr_decay)
        s_t = s + g_t^2                                  (s_0 = initial_accumulator_value)
        w_t = w - gamma_t * g_t / (sqrt(s_t) + eps)

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: start value of the sum of squares (default 0).
        eps: added to the denominator (default 1e-10).
        maximize: maximize the objective.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([2.0], requires_grad=True)
        >>> opt = torch.optim.Adagrad([w], lr=1.0)
        >>> (w * w).sum().backward(); _ = opt.step(); round(float(w), 4)
        1.0
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(params, defaults_of(locals()))
        for group in self.param_groups:  # torch creates Adagrad's state eagerly
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    def _init_state(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = scalar_tensor(0.0)
        state["sum"] = Tensor._wrap(
            get_array_module(p._data).full_like(p._data, group["initial_accumulator_value"])
        )

    def _check_group(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        check_nonneg(group["lr_decay"], "lr_decay")
        check_nonneg(group["weight_decay"], "weight_decay")
        check_nonneg(group["initial_accumulator_value"], "initial_accumulator_value")
        check_nonneg(group["eps"], "epsilon")

    passes = 15  # g * g, s += (5); sqrt, + eps, g / d (7); w += a * x (3)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lr_decay, eps = lr_value(group), group["lr_decay"], group["eps"]
        for p, g, state, (_, t2) in self._each(group):
            xp = get_array_module(g)
            clr = lr / (1 + (float(state["step"]._data) - 1) * lr_decay)
            s = state["sum"]._data
            xp.multiply(g, g, out=t2)
            s += t2
            xp.sqrt(s, out=t2)
            t2 += eps
            xp.divide(g, t2, out=t2)
            axpy_(p._data, -clr, t2, t2)


class RMSprop(Optimizer):
    r"""RMSprop (Hinton), with torch's centered and momentum variants (torch.optim.RMSprop).

    ::

        g_t <- g_t + lambda * w                          (weight_decay)
        v_t = alpha * v + (1 - alpha) * g_t^2
        a_t = alpha * a + (1 - alpha) * g_t;  d = sqrt(v_t - a_t^2) + eps      (centered)
        d = sqrt(v_t) + eps                                                   (otherwise)
        b_t = mu * b + g_t / d;  w_t = w - gamma * b_t                         (momentum > 0)
        w_t = w - gamma * g_t / d                                              (otherwise)

    ``eps`` is added outside the square root (some texts put it inside).  Defaults: lr 1e-2,
    alpha 0.99, eps 1e-8.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.RMSprop([w], lr=0.01)
        >>> (w * w).sum().backward(); _ = opt.step(); round(float(w), 4)
        0.9
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        super().__init__(params, defaults_of(locals()))

    def _check_group(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        check_nonneg(group["eps"], "epsilon")
        check_nonneg(group["momentum"], "momentum")
        check_nonneg(group["weight_decay"], "weight_decay")
        check_unit(group["alpha"], "alpha", closed=True)

    def _init_state(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = scalar_tensor(0.0)
        zeros_state(state, p, "square_avg")
        if group["momentum"] > 0:
            zeros_state(state, p, "momentum_buffer")
        if group["centered"]:
            zeros_state(state, p, "grad_avg")

    passes = 15  # v (5); sqrt, + eps, g / d (7); w += a * x (3)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, alpha, eps = lr_value(group), group["alpha"], group["eps"]
        mu, centered = group["momentum"], group["centered"]
        for p, g, state, (_, t2) in self._each(group):
            xp = get_array_module(g)
            v = state["square_avg"]._data
            ema_sq_(v, g, alpha, t2)
            if centered:
                a = state["grad_avg"]._data
                ema_(a, g, alpha, t2)
                xp.multiply(a, a, out=t2)
                xp.subtract(v, t2, out=t2)
                xp.sqrt(t2, out=t2)
            else:
                xp.sqrt(v, out=t2)
            t2 += eps
            xp.divide(g, t2, out=t2)
            if mu > 0:
                b = state["momentum_buffer"]._data
                axpby_(b, 1.0, t2, mu)
                axpy_(p._data, -lr, b, t2)
            else:
                axpy_(p._data, -lr, t2, t2)


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler), as torch.optim.Adadelta.

    ::

        g_t <- g_t + lambda * w                                  (weight_decay)
        v_t = rho * v + (1 - rho) * g_t^2                         (state "square_avg")
        dx_t = sqrt(u + eps) / sqrt(v_t + eps) * g_t
        u_t = rho * u + (1 - rho) * dx_t^2                        (state "acc_delta")
        w_t = w - gamma * dx_t

    The paper has no learning rate (gamma = 1, torch's default).

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.Adadelta([w])
        >>> (w * w).sum().backward(); _ = opt.step(); float(w) < 1.0
        True
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        super().__init__(params, defaults_of(locals()))

    def _check_group(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        check_unit(group["rho"], "rho", closed=True)
        check_nonneg(group["eps"], "epsilon")
        check_nonneg(group["weight_decay"], "weight_decay")

    def _init_state(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = scalar_tensor(0.0)
        zeros_state(state, p, "square_avg", "acc_delta")

    passes = 27  # v (5); two sqrt(. + eps) (8); ratio, * g (5); u (5); w += a * x (3)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, rho, eps = lr_value(group), group["rho"], group["eps"]
        for p, g, state, (_, t2, t3) in self._each(group, 3):
            xp = get_array_module(g)
            v, u = state["square_avg"]._data, state["acc_delta"]._data
            ema_sq_(v, g, rho, t2)
            xp.add(v, eps, out=t2)
            xp.sqrt(t2, out=t2)
            xp.add(u, eps, out=t3)
            xp.sqrt(t3, out=t3)
            t3 /= t2
            t3 *= g
            ema_sq_(u, t3, rho, t2)
            axpy_(p._data, -lr, t3, t3)
