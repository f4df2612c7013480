"""``Muon``: momentum orthogonalised by Newton-Schulz, as ``torch.optim.Muon`` (2-D parameters).

One step, per parameter W with gradient g (torch's algorithm)::

    B <- mu B + (1 - mu) g                      (state "momentum_buffer", B.lerp_(g, 1 - mu))
    U  = g + mu (B - g) if nesterov else B      (g.lerp(B, mu))
    O  = NS(U)                                  (k quintic Newton-Schulz steps, below)
    W <- W (1 - lr wd)                          (decoupled weight decay)
    W <- W - lr' O,  lr' = lr sqrt(max(1, A / B))        ("original", the default)
                     lr' = 0.2 lr sqrt(max(A, B))         ("match_rms_adamw")

NS(U): X = U / max(||U||_F, eps) (transposed when U has more rows than columns), then k times
``G = X X^T; X <- a X + (b G + c G G) X`` with (a, b, c) = ``ns_coefficients``.  torch runs
this in bfloat16; NumPy has no bfloat16, so each of those steps is computed in float32 and
rounded to bfloat16's 8-bit mantissa (round to nearest even) where torch's result is a
bfloat16 tensor.  That reproduces torch's update almost everywhere bit for bit; where a
float32 product summed in another order rounds to the other side, an entry is one bfloat16
step away (``tests/optim/test_muon.py`` bounds both).

Example:
    >>> import nablagrad as torch
    >>> w = torch.nn.Parameter(torch.eye(2))
    >>> opt = torch.optim.Muon([w], lr=0.1, weight_decay=0.0)
    >>> w.grad = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    >>> _ = opt.step()
    >>> w.detach()
    tensor([[0.8883, 0.0000],
            [0.0000, 0.9309]])
"""

from __future__ import annotations

import math
from typing import Any

from ..backend import get_array_module, np
from ..tensor import Tensor
from .optimizer import Optimizer, ParamsT, defaults_of, lr_value

__all__ = ["Muon"]

_ADJUST = (None, "original", "match_rms_adamw")


def _bf16(a: Any) -> Any:
    """``a`` rounded to bfloat16 (kept as float32): round to nearest even at bit 16, NaN kept."""
    xp = get_array_module(a)
    a = xp.ascontiguousarray(a, dtype=np.float32)
    bits = a.view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    out = bits.astype(np.uint32).view(np.float32)
    return xp.where(xp.isnan(a), a, out)


def _newton_schulz(u: Any, coefficients: tuple[float, float, float], steps: int, eps: float) -> Any:
    """The approximate orthogonalisation of the 2-D array ``u`` (see the module docstring)."""
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if u.ndim != 2:
        raise ValueError("Input tensor gradient must be a 2D matrix")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    xp = get_array_module(u)
    a, b, c = (np.float32(v) for v in coefficients)
    x = _bf16(u.astype(np.float32))
    tall = u.shape[0] > u.shape[1]
    if tall:
        x = x.T
    norm = _bf16(xp.sqrt(xp.sum(x.astype(np.float64) ** 2)).astype(np.float32))
    x = _bf16(x / xp.maximum(norm, _bf16(xp.asarray(eps, dtype=np.float32))))
    for _ in range(steps):
        gram = _bf16(x @ x.T)
        update = _bf16(b * gram + c * (gram @ gram))
        x = _bf16(a * x + update @ x)
    return x.T if tall else x


def _lerp(start: Any, end: Any, weight: float) -> Any:
    """torch's lerp with a scalar weight, in the arrays' precision: start + w (end - start) for
    |w| < 0.5, else end - (end - start) (1 - w) (the branch decides the rounding)."""
    wt = np.asarray(weight, dtype=start.dtype)
    if abs(weight) < 0.5:
        return start + wt * (end - start)
    return end - (end - start) * (np.asarray(1, dtype=start.dtype) - wt)


def _adjusted_lr(lr: float, adjust_lr_fn: str | None, shape: tuple[int, ...]) -> float:
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    return lr * 0.2 * math.sqrt(max(rows, cols))


class Muon(Optimizer):
    """torch.optim.Muon (see the module docstring): for the 2-D weights of hidden layers;
    optimise biases and embeddings with another optimizer (AdamW).

    Args:
        params: 2-D parameters or parameter groups.
        lr: learning rate (default 1e-3).
        weight_decay: decoupled weight decay (default 0.1).
        momentum: momentum factor mu (default 0.95).
        nesterov: Nesterov momentum (default True).
        ns_coefficients: (a, b, c) of the quintic Newton-Schulz step.
        eps: floor of the norm the momentum is divided by (default 1e-7).
        ns_steps: Newton-Schulz steps (default 5, fewer than 100).
        adjust_lr_fn: ``None``/``"original"`` or ``"match_rms_adamw"``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        weight_decay: float = 0.1,
        momentum: float = 0.95,
        nesterov: bool = True,
        ns_coefficients: tuple[float, float, float] = (3.4445, -4.775, 2.0315),
        eps: float = 1e-07,
        ns_steps: int = 5,
        adjust_lr_fn: str | None = None,
    ) -> None:
        super().__init__(params, defaults_of(locals()))
        for group in self.param_groups:
            for p in group["params"]:
                if p.ndim != 2:
                    raise ValueError(
                        "Muon only supports 2D parameters whereas we found a parameter with "
                        f"size: {p.shape}"
                    )

    def _check_group(self, group: dict[str, Any]) -> None:
        lr = group["lr"]
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 <= lr_value(group):
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 <= group["momentum"]:
            raise ValueError(f"momentum should be >= 0 but is: {group['momentum']}")
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"weight decay should be >= 0 but is: {group['weight_decay']}")
        if group["adjust_lr_fn"] not in _ADJUST:
            raise ValueError(
                f"Adjust learning rate function {group['adjust_lr_fn']} is not supported"
            )

    passes = 12

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, mu, wd = lr_value(group), group["momentum"], group["weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            if p.grad.is_sparse:
                raise RuntimeError("Muon does not support sparse gradients")
            g, w = p.grad._data, p._data
            if g.ndim != 2:
                raise ValueError("Param gradient must be a 2D matrix")
            xp = get_array_module(w)
            state = self.state.get(p)
            if not state:
                state = {"momentum_buffer": Tensor._wrap(xp.zeros_like(g))}
                self.state[p] = state
            buf = state["momentum_buffer"]._data
            buf[...] = _lerp(buf, g, 1 - mu)
            update = _lerp(g, buf, mu) if group["nesterov"] else buf
            ortho = _newton_schulz(
                update, group["ns_coefficients"], group["ns_steps"], group["eps"]
            )
            w *= 1 - lr * wd
            w += (-_adjusted_lr(lr, group["adjust_lr_fn"], w.shape) * ortho).astype(w.dtype)
            p._version += 1
