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

from .. import _cuda_kernels
from ..backend import axpy_, get_array_module
from ..tensor import Tensor
from .flat import FlatGroup
from .optimizer import (
    Optimizer,
    ParamsT,
    check_betas,
    check_lr,
    check_nonneg,
    defaults_of,
    effective_grad,
    ema_,
    ema_sq_,
    lr_value,
    scalar_tensor,
    zeros_state,
)

__all__ = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"]


def _check_adam_group(group: dict[str, Any]) -> None:
    check_lr(group["lr"])
    check_nonneg(group["eps"], "epsilon")
    check_betas(group["betas"])
    check_nonneg(group["weight_decay"], "weight_decay")


class Adam(Optimizer):
    r"""Adam (Kingma & Ba), with torch's amsgrad, weight decay and maximize options.

    With gradient :math:`g_t` (negated when ``maximize``), learning rate :math:`\gamma`::

        g_t <- g_t + lambda * w                  (weight_decay, coupled L2; AdamW decouples)
        m_t = beta1 * m + (1 - beta1) * g_t        (torch: m.lerp_(g, 1 - beta1))
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
        foreach: ``None`` (default) or ``True``: update a group in one pass over flat arrays
            when its parameters and gradients are views into them (``optim.flat``);
            ``False``: always parameter by parameter.
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
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,  # (before foreach: torch's param_groups order)
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        super().__init__(params, defaults_of(locals()))

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_adam_group(group)
        tensor_lr = isinstance(group["lr"], Tensor)
        if tensor_lr and type(self)._update_group is Adam._update_group:  # Adam, AdamW
            if group["foreach"] and not group["capturable"]:
                raise ValueError(
                    "lr as a Tensor is not supported for capturable=False and foreach=True"
                )

    def _init_state(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = scalar_tensor(0.0)
        zeros_state(state, p, "exp_avg", "exp_avg_sq")
        if group.get("amsgrad"):
            zeros_state(state, p, "max_exp_avg_sq")

    @staticmethod
    def _moments(state: dict[str, Any], g: Any, b1: float, b2: float, tmp: Any) -> Any:
        """Update ``exp_avg`` (m) and ``exp_avg_sq`` (v) in place; return ``m, v, step``."""
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        ema_(m, g, b1, tmp)
        ema_sq_(v, g, b2, tmp)
        return m, v, float(state["step"]._data)

    passes = 18  # m, v: one pass each (3 + 5); sqrt, + eps, m / d (7); w += a * d (3)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (b1, b2), eps, amsgrad = lr_value(group), group["betas"], group["eps"], group["amsgrad"]
        for p, g, state, (_, t2) in self._each(group):
            vmax = state["max_exp_avg_sq"]._data if amsgrad else None
            _adam_update(p._data, g, state["exp_avg"]._data, state["exp_avg_sq"]._data, vmax,
                         float(state["step"]._data), lr, b1, b2, eps, t2)  # fmt: skip

    def _update_flat(self, group: dict[str, Any]) -> bool:
        if type(self)._update_group is not Adam._update_group:
            return False  # Adamax, NAdam, RAdam: their own rules, per parameter
        fg = FlatGroup.find(self, group)
        if fg is None:
            return False
        state_of = self.state
        steps = [state_of.get(p, {}).get("step") for p in fg.params]
        fresh = all(s is None for s in steps)
        if not fresh:
            if any(s is None for s in steps):
                return False
            values = {float(s._data) for s in steps}
            if len(values) != 1:
                return False  # parameters that skipped steps: per-parameter bias corrections
        amsgrad = group["amsgrad"]
        names = ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if amsgrad else [])
        xp = get_array_module(fg.w)
        for name in names:
            if not fg.bind(state_of, name, lambda: xp.zeros_like(fg.w)):
                return False
        if fresh:
            for p in fg.params:
                state_of[p]["step"] = scalar_tensor(0.0)
        for p in fg.params:
            state_of[p]["step"]._data += 1
        step = float(state_of[fg.params[0]]["step"]._data)
        lr, (b1, b2), eps = lr_value(group), group["betas"], group["eps"]
        maximize, wd = group["maximize"], group["weight_decay"]
        shrink = None
        if wd != 0 and group.get("decoupled_weight_decay", False):
            shrink, wd = 1 - lr * wd, 0.0
        t1, t2 = fg.scratch(2)
        m, v = fg.state["exp_avg"], fg.state["exp_avg_sq"]
        vmax = fg.state["max_exp_avg_sq"] if amsgrad else None

        def body(c: slice) -> None:
            w, g = fg.w[c], fg.g[c]
            if shrink is not None:
                w *= shrink
            if maximize or wd != 0:
                g = effective_grad(w, g, maximize, wd, t1[c])
            _adam_update(w, g, m[c], v[c], None if vmax is None else vmax[c], step, lr, b1, b2,
                         eps, t2[c])  # fmt: skip

        fg.run(body, self._passes(group))
        fg.bump_versions()
        return True


def _adam_update(w: Any, g: Any, m: Any, v: Any, vmax: Any, step: float, lr: float, b1: float,
                 b2: float, eps: float, tmp: Any) -> None:  # fmt: skip
    """One Adam step on arrays (``step`` already counts this one; ``vmax`` for amsgrad)."""
    # w -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps), with sqrt(bc2) moved into the scalar
    # factor so that each pass over the arrays does one operation fewer
    bc2_sqrt = (1 - b2**step) ** 0.5
    a = -lr * bc2_sqrt / (1 - b1**step)
    if _cuda_kernels.adam_(w, g, m, v, vmax, b1, b2, eps * bc2_sqrt, a):
        return  # on the GPU: the same update in one kernel
    xp = get_array_module(g)
    ema_(m, g, b1, tmp)
    ema_sq_(v, g, b2, tmp)
    if vmax is not None:
        xp.maximum(vmax, v, out=vmax)
        v = vmax
    xp.sqrt(v, out=tmp)
    tmp += eps * bc2_sqrt
    xp.divide(m, tmp, out=tmp)
    axpy_(w, a, tmp, tmp)


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
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        Optimizer.__init__(self, params, defaults_of(locals()))

    def _init_state(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = scalar_tensor(0.0)
        zeros_state(state, p, "exp_avg", "exp_inf")

    passes = 18  # m (3); u: scale, |g|, + eps, max (9); m / u (3); w += a * x (3)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (b1, b2), eps = lr_value(group), group["betas"], group["eps"]
        for p, g, state, (_, t2) in self._each(group):
            xp = get_array_module(g)
            m, u = state["exp_avg"]._data, state["exp_inf"]._data
            ema_(m, g, b1, t2)
            u *= b2
            xp.abs(g, out=t2)
            t2 += eps
            xp.maximum(u, t2, out=u)
            xp.divide(m, u, out=t2)
            axpy_(p._data, -lr / (1 - b1 ** float(state["step"]._data)), t2, t2)


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
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        Optimizer.__init__(self, params, defaults_of(locals()))

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_adam_group(group)
        check_nonneg(group["momentum_decay"], "momentum_decay")

    def _init_state(self, p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        super()._init_state(p, state, group)
        state["mu_product"] = scalar_tensor(1.0)

    passes = 24  # Adam's m and v (8); sqrt, + eps (4); g / d, m / d (6); two updates (6)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (b1, b2), eps = lr_value(group), group["betas"], group["eps"]
        psi = group["momentum_decay"]
        for p, g, state, (t1, t2) in self._each(group):
            xp = get_array_module(g)
            m, v, step = self._moments(state, g, b1, b2, t2)
            mu = b1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
            mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
            mu_prod = state["mu_product"]._data
            mu_prod *= mu
            mu_prod_f = float(mu_prod)
            # d = sqrt(v / bc2) + eps = (sqrt(v) + eps * sqrt(bc2)) / sqrt(bc2)
            bc2_sqrt = (1 - b2**step) ** 0.5
            xp.sqrt(v, out=t2)
            t2 += eps * bc2_sqrt
            xp.divide(g, t2, out=t1)
            xp.divide(m, t2, out=t2)
            w = p._data
            axpy_(w, -lr * bc2_sqrt * (1.0 - mu) / (1.0 - mu_prod_f), t1, t1)
            axpy_(w, -lr * bc2_sqrt * mu_next / (1.0 - mu_prod_f * mu_next), t2, t2)


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
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        Optimizer.__init__(self, params, defaults_of(locals()))

    passes = 18  # as Adam

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, (b1, b2), eps = lr_value(group), group["betas"], group["eps"]
        rho_inf = 2 / (1 - b2) - 1
        for p, g, state, (_, t2) in self._each(group):
            xp = get_array_module(g)
            m, v, step = self._moments(state, g, b1, b2, t2)
            bc1 = 1 - b1**step
            bc2 = 1 - b2**step
            rho_t = rho_inf - 2 * step * (b2**step) / bc2
            if rho_t > 5.0:
                rect = (
                    (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                ) ** 0.5
                xp.sqrt(v, out=t2)
                t2 += eps
                xp.divide(m, t2, out=t2)
                axpy_(p._data, -lr * rect * bc2**0.5 / bc1, t2, t2)
            else:
                axpy_(p._data, -lr / bc1, m, t2)
