"""The Adam family: ``Adam``, ``AdamW``, ``Adamax``, ``NAdam``, ``RAdam`` (torch.optim's rules).

All keep per-parameter ``exp_avg`` (first moment ``m``) and, except Adamax, ``exp_avg_sq``
(second moment ``v``) plus a ``step`` count, updated in place in torch's order of operations.

Example:
    >>> import nablagrad as torch
    >>> w = torch.tensor([1.0, -1.0], requires_grad=True)
    >>> opt = torch.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward(); _ = opt.step()
    >>> w
    tensor([ 0.9000, -0.9000], requires_grad=True)
"""

from __future__ import annotations

from typing import Any

from ..backend import np
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    ParamsT,
    check_betas,
    check_lr,
    check_nonneg,
    effective_grad,
    lerp_,
    scalar_tensor,
)

__all__ = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"]


def _zeros(p: Tensor) -> Tensor:
    return Tensor._wrap(np.zeros_like(p._data))


def _check_adam_group(group: dict[str, Any]) -> None:
    check_lr(group["lr"])
    check_nonneg(group["eps"], "epsilon")
    check_betas(group["betas"])
    check_nonneg(group["weight_decay"], "weight_decay")


class Adam(Optimizer):
    r"""Adam (Kingma & Ba), with torch's amsgrad, weight decay and maximize options.

    With gradient :math:`g_t` (negated when ``maximize``), learning rate :math:`\gamma`::

        g_t <- g_t + lambda * w                  (weight_decay, coupled L2; AdamW decouples)
        m_t = beta1 * m + (1 - beta1) * g_t        (computed as m.lerp_(g, 1 - beta1))
        v_t = beta2 * v + (1 - beta2) * g_t^2
        vmax = max(vmax, v_t)                      (amsgrad; then vmax replaces v_t below)
        w_t = w - (gamma / (1 - beta1^t)) * m_t / (sqrt(v_t) / sqrt(1 - beta2^t) + eps)

    The paper writes ``m_hat / (sqrt(v_hat) + eps)`` with ``v_hat = v / (1 - beta2^t)``; the
    form above is the same except that ``eps`` is added after the bias correction of ``v``
    only, exactly as PyTorch does.

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-3).
        betas: decay rates of the moment averages (default (0.9, 0.999)), each in [0, 1).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        amsgrad: use the maximum of past second moments (default False).
        maximize: maximize the objective.
        decoupled_weight_decay: AdamW's decay ``w *= 1 - lr * weight_decay`` instead of L2.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([2.0], requires_grad=True)
        >>> opt = torch.optim.Adam([w], lr=0.5, amsgrad=True)
        >>> (w * w).sum().backward(); _ = opt.step(); round(float(w), 4)
        1.5
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_adam_group(group)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
        wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = scalar_tensor(0.0)
                state["exp_avg"] = _zeros(p)
                state["exp_avg_sq"] = _zeros(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = _zeros(p)
            t1, t2 = self._tmp(p, 2)
            w = p._data
            step_t = state["step"]._data
            step_t += 1
            step = float(step_t)
            if wd != 0 and decoupled:
                w *= 1 - lr * wd
                g = effective_grad(p, maximize, 0.0, t1, t2)
            else:
                g = effective_grad(p, maximize, wd, t1, t2)
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            lerp_(m, g, 1 - b1, t2)
            v *= b2
            np.multiply(g, 1 - b2, out=t2)
            t2 *= g
            v += t2
            step_size = lr / (1 - b1**step)
            bc2_sqrt = (1 - b2**step) ** 0.5
            if amsgrad:
                vmax = state["max_exp_avg_sq"]._data
                np.maximum(vmax, v, out=vmax)
                v = vmax
            np.sqrt(v, out=t2)
            t2 /= bc2_sqrt
            t2 += eps
            np.multiply(m, -step_size, out=t1)
            t1 /= t2
            w += t1
            p._version += 1


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter), as torch.optim.AdamW.

    Before the Adam update (see :class:`Adam`), the weights shrink by
    ``w <- w * (1 - gamma * lambda)`` instead of adding ``lambda * w`` to the gradient, so the
    decay is not rescaled by the adaptive denominator.  Default ``weight_decay`` is 1e-2.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (w * w).sum().backward(); _ = opt.step(); round(float(w), 4)
        0.85
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )


class Adamax(Adam):
    r"""Adamax: Adam with the infinity norm (torch.optim.Adamax).

    ::

        g_t <- g_t + lambda * w                       (weight_decay)
        m_t = beta1 * m + (1 - beta1) * g_t
        u_t = max(beta2 * u, |g_t| + eps)              (state "exp_inf")
        w_t = w - (gamma / (1 - beta1^t)) * m_t / u_t

    The paper takes ``max(beta2 * u, |g|)`` and has no ``eps``; PyTorch adds ``eps`` inside the
    max so the division is safe.  Default ``lr`` is 2e-3.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.Adamax([w], lr=0.1)
        >>> (w * w).sum().backward(); _ = opt.step(); round(float(w), 4)
        0.9
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        Optimizer.__init__(self, params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
        wd, maximize = group["weight_decay"], group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = scalar_tensor(0.0)
                state["exp_avg"] = _zeros(p)
                state["exp_inf"] = _zeros(p)
            t1, t2 = self._tmp(p, 2)
            step_t = state["step"]._data
            step_t += 1
            g = effective_grad(p, maximize, wd, t1, t2)
            m, u = state["exp_avg"]._data, state["exp_inf"]._data
            lerp_(m, g, 1 - b1, t2)
            u *= b2
            np.abs(g, out=t2)
            t2 += eps
            np.maximum(u, t2, out=u)
            clr = lr / (1 - b1 ** float(step_t))
            np.multiply(m, -clr, out=t1)
            t1 /= u
            p._data += t1
            p._version += 1


class NAdam(Adam):
    r"""Adam with Nesterov momentum (Dozat), as torch.optim.NAdam.

    With the momentum schedule ``mu_t = beta1 * (1 - 0.5 * 0.96^(t * psi))`` (``psi =
    momentum_decay``) and ``Pi_t = prod_{i<=t} mu_i`` (state "mu_product")::

        m_t = beta1 * m + (1 - beta1) * g_t;   v_t = beta2 * v + (1 - beta2) * g_t^2
        d_t = sqrt(v_t / (1 - beta2^t)) + eps
        w_t = w - gamma * (1 - mu_t) / (1 - Pi_t) * g_t / d_t
                - gamma * mu_{t+1} / (1 - Pi_t * mu_{t+1}) * m_t / d_t

    ``weight_decay`` is L2 (or AdamW-style with ``decoupled_weight_decay=True``).  Default
    ``lr`` 2e-3, ``momentum_decay`` 4e-3.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.NAdam([w], lr=0.1)
        >>> (w * w).sum().backward(); _ = opt.step(); float(w) < 1.0
        True
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        Optimizer.__init__(self, params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_adam_group(group)
        check_nonneg(group["momentum_decay"], "momentum_decay")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
        wd, maximize, psi = group["weight_decay"], group["maximize"], group["momentum_decay"]
        decoupled = group["decoupled_weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = scalar_tensor(0.0)
                state["mu_product"] = scalar_tensor(1.0)
                state["exp_avg"] = _zeros(p)
                state["exp_avg_sq"] = _zeros(p)
            t1, t2 = self._tmp(p, 2)
            w = p._data
            step_t = state["step"]._data
            step_t += 1
            step = float(step_t)
            bc2 = 1 - b2**step
            if wd != 0 and decoupled:
                w *= 1 - lr * wd
                g = effective_grad(p, maximize, 0.0, t1, t2)
            else:
                g = effective_grad(p, maximize, wd, t1, t2)
            mu = b1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
            mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
            mu_prod = state["mu_product"]._data
            mu_prod *= mu
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            lerp_(m, g, 1 - b1, t2)
            v *= b2
            np.multiply(g, 1 - b2, out=t2)
            t2 *= g
            v += t2
            denom = np.divide(v, bc2, out=t2)
            np.sqrt(denom, out=denom)
            denom += eps
            mu_prod_f = float(mu_prod)
            mu_prod_next = mu_prod_f * mu_next
            np.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_prod_f), out=t1)
            t1 /= denom
            w += t1
            np.multiply(m, (-lr * mu_next) / (1.0 - mu_prod_next), out=t1)
            t1 /= denom
            w += t1
            p._version += 1


class RAdam(Adam):
    r"""Rectified Adam (Liu et al.), as torch.optim.RAdam.

    With ``rho_inf = 2 / (1 - beta2) - 1`` and
    ``rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)``::

        m_t = beta1 * m + (1 - beta1) * g_t;   v_t = beta2 * v + (1 - beta2) * g_t^2
        m_hat = m_t / (1 - beta1^t)
        if rho_t > 5:
            r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            w_t = w - gamma * m_hat * sqrt(1 - beta2^t) / (sqrt(v_t) + eps) * r_t
        else:
            w_t = w - gamma * m_hat               (plain momentum while the variance is unsure)

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.RAdam([w], lr=0.1)
        >>> (w * w).sum().backward(); _ = opt.step(); round(float(w), 4)
        0.8
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        Optimizer.__init__(self, params, defaults)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
        wd, maximize = group["weight_decay"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        rho_inf = 2 / (1 - b2) - 1
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state["step"] = scalar_tensor(0.0)
                state["exp_avg"] = _zeros(p)
                state["exp_avg_sq"] = _zeros(p)
            t1, t2 = self._tmp(p, 2)
            w = p._data
            step_t = state["step"]._data
            step_t += 1
            step = float(step_t)
            if wd != 0 and decoupled:
                w *= 1 - lr * wd
                g = effective_grad(p, maximize, 0.0, t1, t2)
            else:
                g = effective_grad(p, maximize, wd, t1, t2)
            m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
            lerp_(m, g, 1 - b1, t2)
            v *= b2
            np.multiply(g, 1 - b2, out=t2)
            t2 *= g
            v += t2
            bc1 = 1 - b1**step
            bc2 = 1 - b2**step
            np.divide(m, bc1, out=t1)
            rho_t = rho_inf - 2 * step * (b2**step) / bc2
            if rho_t > 5.0:
                rect = (
                    (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                ) ** 0.5
                np.sqrt(v, out=t2)
                t2 += eps
                np.reciprocal(t2, out=t2)
                t2 *= bc2**0.5
                t1 *= lr
                t1 *= t2
                t1 *= rect
            else:
                t1 *= lr
            w -= t1
            p._version += 1
