"""Stochastic gradient descent (``SGD``) and gradient descent with an Armijo line search.

Example:
    >>> import nablagrad as torch
    >>> w = torch.tensor([3.0], requires_grad=True)
    >>> opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     _ = opt.step()
    >>> round(float(w), 4)
    0.186
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import _cuda_kernels
from ..autograd import enable_grad, no_grad
from ..backend import axpby_, axpy_, get_array_module
from ..tensor import Tensor
from .flat import FlatGroup
from .optimizer import (
    Optimizer,
    ParamsT,
    check_lr,
    check_nonneg,
    check_unit,
    defaults_of,
    effective_grad,
    lr_value,
    preamble_passes,
)

__all__ = ["SGD", "LineSearchSGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent with optional momentum (torch.optim.SGD).

    With gradient :math:`g_t` (negated when ``maximize``), weight decay :math:`\lambda`,
    momentum :math:`\mu`, dampening :math:`\tau`, learning rate :math:`\gamma`::

        g_t <- g_t + lambda * w_{t-1}                    (weight_decay != 0)
        b_1 = g_1;  b_t = mu * b_{t-1} + (1 - tau) * g_t   (momentum != 0)
        g_t <- g_t + mu * b_t   (nesterov)   or   g_t <- b_t
        w_t = w_{t-1} - gamma * g_t

    This is PyTorch's form, which differs from the textbook (Sutskever et al.) momentum
    ``v = mu * v + gamma * g; w -= v``: here the learning rate multiplies the buffer instead of
    entering it, which is the same trajectory for a constant ``lr`` but not when ``lr`` changes.

    Args:
        params: parameters or parameter groups.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening for momentum (default 0).
        weight_decay: L2 penalty (default 0).
        nesterov: Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximize the objective instead of minimizing it.
        foreach: ``None`` (default) or ``True``: update a group in one pass over flat arrays
            when its parameters and gradients are views into them (``optim.flat``);
            ``False``: always parameter by parameter.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([1.0], requires_grad=True)
        >>> opt = torch.optim.SGD([w], lr=0.5)
        >>> (w * w).sum().backward(); _ = opt.step(); float(w)
        0.0
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(params, defaults_of(locals()))

    def _check_group(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        check_nonneg(group["momentum"], "momentum")
        check_nonneg(group["weight_decay"], "weight_decay")
        check_unit(group["dampening"], "dampening", closed=True)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")

    def _passes(self, group: dict[str, Any]) -> int:
        # w += -lr * g (3); buf = mu * buf + g (3); Nesterov's g + mu * buf (5)
        passes = 3 + 3 * (group["momentum"] != 0) + 5 * group["nesterov"]
        return passes + preamble_passes(group)

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, mu, tau = lr_value(group), group["momentum"], group["dampening"]
        nesterov = group["nesterov"]
        for p, g, state, (t1, t2) in self._each(group, 2):
            buf = None
            if mu != 0:
                buf_t = state.get("momentum_buffer")
                if buf_t is None:
                    self.state[p]["momentum_buffer"] = Tensor._wrap(g.copy())
                else:
                    buf = buf_t._data
            _sgd_update(p._data, g, buf, lr, mu, tau, nesterov, t1, t2)

    def _update_flat(self, group: dict[str, Any]) -> bool:
        if type(self)._update_group is not SGD._update_group:
            return False  # a subclass with its own rule: per parameter
        fg = FlatGroup.find(self, group)
        if fg is None:
            return False
        lr, mu, tau = lr_value(group), group["momentum"], group["dampening"]
        nesterov, maximize, wd = group["nesterov"], group["maximize"], group["weight_decay"]
        first = False
        if mu != 0:
            fresh = []

            def init() -> Any:
                fresh.append(True)
                return get_array_module(fg.w).empty_like(fg.w)

            if not fg.bind(self.state, "momentum_buffer", init):
                return False
            first = bool(fresh)
        t1, t2 = fg.scratch(2)
        mom = fg.state.get("momentum_buffer")

        def body(c: slice) -> None:
            w, g = fg.w[c], fg.g[c]
            if maximize or wd != 0:
                g = effective_grad(w, g, maximize, wd, t1[c])
            buf = None
            if mu != 0:
                buf = mom[c]
                if first:
                    get_array_module(g).copyto(buf, g)  # the buffer starts as the gradient
                    buf = None
            _sgd_update(w, g, buf, lr, mu, tau, nesterov, t1[c], t2[c])

        fg.run(body, self._passes(group))
        fg.bump_versions()
        return True


def _sgd_update(w: Any, g: Any, buf: Any, lr: float, mu: float, tau: float, nesterov: bool,
                t1: Any, t2: Any) -> None:  # fmt: skip
    """One SGD step on arrays: ``buf`` (None on the first momentum step, when the buffer was
    just set to ``g``) <- mu * buf + (1 - tau) * g; the step direction is ``buf``, or
    ``g + mu * buf`` (Nesterov); ``w -= lr * direction``.  ``t1``/``t2`` are scratch (``g`` may
    be ``t1``)."""
    if mu != 0:
        if buf is None:
            buf = g  # the freshly set buffer holds exactly g
        elif _cuda_kernels.sgd_momentum_(w, g, buf, lr, mu, tau, nesterov):
            return  # on the GPU: the whole update in one kernel
        else:
            axpby_(buf, 1 - tau, g, mu, t2)
        if nesterov:
            if g is not t1:
                get_array_module(g).copyto(t1, g)
            axpy_(t1, mu, buf, t2)
            g = t1
        else:
            g = buf
    axpy_(w, -lr, g, t2)


class LineSearchSGD(Optimizer):
    r"""Gradient descent whose step size is chosen each step by a backtracking Armijo search.

    Each ``step(closure)`` evaluates :math:`f(w)` and :math:`g = \nabla f(w)`, then tries the
    step sizes :math:`t = lr, lr\beta, lr\beta^2, \dots` (``beta = shrink``; or the explicit list
    ``step_sizes``, tried in order) and takes the first that decreases the loss enough::

        f(w - t g) <= f(w) - c * t * ||g||^2          (Armijo / sufficient decrease)

    If none qualifies, the trial with the lowest loss is kept when it is below ``f(w)``;
    otherwise the parameters stay where they were.  The closure must recompute the loss and
    call ``backward()`` (it is evaluated once per trial); after the step the gradients in
    ``.grad`` belong to the new parameters.  ``step`` returns the loss before the update.

    Args:
        params: parameters or parameter groups (one search over all of them).
        lr: the first (largest) step size tried (default 1.0).
        shrink: factor between successive step sizes, in (0, 1) (default 0.5).
        c: Armijo constant in (0, 1) (default 1e-4).
        max_tries: most trial step sizes per step (default 30).
        step_sizes: an explicit sequence of step sizes to try instead of the geometric one.
        warm_start: start each search at ``min(lr, t_prev / shrink)`` (one step larger than
            the last accepted size) instead of at ``lr``, which saves evaluations on long runs.

    Example:
        >>> import nablagrad as torch
        >>> w = torch.tensor([3.0, -1.0], requires_grad=True)
        >>> opt = torch.optim.LineSearchSGD([w], lr=1.0)
        >>> def closure():
        ...     opt.zero_grad(); loss = (w * w).sum(); loss.backward(); return loss
        >>> _ = opt.step(closure); w.abs().max().item() < 1e-6
        True
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        shrink: float = 0.5,
        c: float = 1e-4,
        max_tries: int = 30,
        step_sizes: list[float] | None = None,
        warm_start: bool = False,
    ) -> None:
        if not 0.0 < shrink < 1.0:
            raise ValueError(f"Invalid shrink: {shrink}: expected a float in (0, 1)")
        if not 0.0 < c < 1.0:
            raise ValueError(f"Invalid Armijo constant c: {c}: expected a float in (0, 1)")
        if not isinstance(max_tries, int) or max_tries < 1:
            raise ValueError(f"Invalid max_tries: {max_tries!r}: expected an int >= 1")
        if step_sizes is not None:
            step_sizes = [float(s) for s in step_sizes]
            if not step_sizes or any(not s > 0 for s in step_sizes):
                raise ValueError(f"Invalid step_sizes: {step_sizes}: expected positive floats")
        super().__init__(params, defaults_of(locals()))

    def _params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """One line-search step; ``closure`` (required) recomputes the loss and its gradients."""
        if closure is None:
            raise ValueError(
                "LineSearchSGD.step needs a closure that recomputes the loss and "
                "calls backward(): opt.step(closure)"
            )
        self._opt_called = True
        group = self.param_groups[0]
        with enable_grad():
            loss0 = closure()
        f0 = float(loss0)
        params = [p for p in self._params() if p.grad is not None]
        x0 = [p._data.copy() for p in params]
        g0 = [p.grad._data.copy() for p in params]
        gg = float(sum(get_array_module(g).vdot(g, g).real for g in g0))
        state = self.state[self._params()[0]]
        first = lr_value(group)
        if group["warm_start"] and state.get("step_size"):
            first = min(first, state["step_size"] / group["shrink"])
        sizes = group["step_sizes"] or [
            first * group["shrink"] ** k for k in range(group["max_tries"])
        ]
        best_t, best_f = 0.0, f0
        accepted = None
        n_evals = 1
        for t in sizes[: group["max_tries"]]:
            with no_grad():
                self._move(params, x0, g0, t)
            with enable_grad():
                f = float(closure())
            n_evals += 1
            if f <= f0 - group["c"] * t * gg:
                accepted = t
                break
            if f < best_f:
                best_t, best_f = t, f
        if accepted is None:
            with no_grad():
                self._move(params, x0, g0, best_t)
            if best_t != 0.0:
                with enable_grad():
                    closure()
                n_evals += 1
            else:  # back where we started: restore the gradients found there
                for p, g in zip(params, g0):
                    p.grad = Tensor._wrap(g)
            accepted = best_t
        state["step_size"] = accepted
        state["func_evals"] = state.get("func_evals", 0) + n_evals
        state["n_iter"] = state.get("n_iter", 0) + 1
        return loss0

    @staticmethod
    def _move(params: list[Tensor], x0: list[Any], g0: list[Any], t: float) -> None:
        for p, x, g in zip(params, x0, g0):
            get_array_module(g).multiply(g, -t, out=p._data)
            p._data += x
            p._version += 1
