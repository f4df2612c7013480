"""A small model built identically in nablagrad and PyTorch, and runners for both optimizers."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import nablagrad as ng


def make_arrays(dtype: Any = np.float64, seed: int = 0, wide: bool = False) -> list[np.ndarray]:
    """X, Y and the weights W1, b1, W2, b2 of ``tanh(X @ W1 + b1) @ W2 + b2``.

    ``wide``: W1 is 128 x 160 (20,480 elements), so its updates take the BLAS path of
    ``backend.axpby_`` (at least ``BLAS_MIN_NUMEL`` elements) while the others stay on NumPy's.
    """
    rng = np.random.default_rng(seed)
    d, h = (128, 160) if wide else (5, 8)
    shapes = [(16, d), (16, 3), (d, h), (h,), (h, 3), (3,)]
    arrays = [rng.normal(size=s) for s in shapes]
    arrays[2] *= 0.5 / (d / 5) ** 0.5  # the same scale of pre-activations at any width
    arrays[4] *= 0.5 / (h / 8) ** 0.5
    return [a.astype(dtype) for a in arrays]


def _loss(lib: Any, x: Any, y: Any, w1: Any, b1: Any, w2: Any, b2: Any, sign: float) -> Any:
    out = lib.tanh(x @ w1 + b1) @ w2 + b2
    return ((out - y) ** 2).mean() * sign


class Pair:
    """The same model and optimizer in nablagrad (``ng_*``) and torch (``t_*``)."""

    def __init__(
        self,
        name: str,
        kwargs: dict[str, Any],
        dtype: Any = np.float64,
        seed: int = 0,
        groups: bool = False,
        sign: float = 1.0,
        wide: bool = False,
        device: str = "cpu",
    ) -> None:
        x, y, *weights = make_arrays(dtype, seed, wide)
        self.sign = sign
        self.ng_xy = [ng.tensor(x, device=device), ng.tensor(y, device=device)]
        self.t_xy = [torch.from_numpy(x.copy()), torch.from_numpy(y.copy())]
        self.ng_params = [ng.tensor(w.copy(), requires_grad=True, device=device) for w in weights]
        self.t_params = [torch.from_numpy(w.copy()).requires_grad_() for w in weights]
        ng_cls, t_cls = getattr(ng.optim, name), getattr(torch.optim, name)
        if groups:  # second layer in its own group with half the learning rate
            lr = kwargs.get("lr", 1e-2) / 2
            self.ng_opt = ng_cls(
                [{"params": self.ng_params[:2]}, {"params": self.ng_params[2:], "lr": lr}], **kwargs
            )
            self.t_opt = t_cls(
                [{"params": self.t_params[:2]}, {"params": self.t_params[2:], "lr": lr}], **kwargs
            )
        else:
            self.ng_opt = ng_cls(self.ng_params, **kwargs)
            self.t_opt = t_cls(self.t_params, **kwargs)

    def ng_closure(self) -> Any:
        self.ng_opt.zero_grad()
        loss = _loss(ng, *self.ng_xy, *self.ng_params, self.sign)
        loss.backward()
        return loss

    def t_closure(self) -> Any:
        self.t_opt.zero_grad()
        loss = _loss(torch, *self.t_xy, *self.t_params, self.sign)
        loss.backward()
        return loss

    def step_ng(self, n: int = 1) -> None:
        for _ in range(n):
            self.ng_opt.step(self.ng_closure)

    def step_torch(self, n: int = 1) -> None:
        for _ in range(n):
            self.t_opt.step(self.t_closure)

    def ng_values(self) -> list[np.ndarray]:
        return [p.detach().cpu().numpy().copy() for p in self.ng_params]

    def t_values(self) -> list[np.ndarray]:
        return [p.detach().numpy().copy() for p in self.t_params]
