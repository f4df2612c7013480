"""Many small networks trained as one: ``BatchedMLP`` (the lab's ensembles and capacity sweeps).

Single models in the lab are the framework's own ``nablagrad.models.MLP`` trained with
``nablagrad.optim``; this module only adds what the framework has no layer for: ``M``
independent one-hidden-layer networks held in stacked weight tensors, so one batched matmul
trains them all.

Example:
    >>> import nablagrad as ng
    >>> from nablagrad.lab._mlp import BatchedMLP
    >>> net = BatchedMLP(3, 1, [4, 8, 8], 1, seed=0)
    >>> net(ng.zeros(3, 5, 1)).shape
    nablagrad.Size([3, 5, 1])
"""

from __future__ import annotations

from collections.abc import Sequence

import nablagrad as ng
from nablagrad import Tensor

from ..backend import np

_ACTS = {"tanh": ng.tanh, "relu": ng.relu, "sigmoid": ng.sigmoid}


class BatchedMLP:
    """``M`` independent one-hidden-layer networks trained together with batched matmuls.

    Model ``m`` computes ``act(x_m W1_m + b1_m) * mask_m @ W2_m + b2_m`` on its own inputs
    ``x_m``; ``mask`` switches hidden units off so models of different widths share one tensor.
    Because the parameters are disjoint, minimising the *sum* of the models' losses gives every
    model exactly the gradient (and, with per-coordinate optimizers such as SGD and Adam, the
    update) it would get if trained alone -- only faster.  Weights are initialised like
    ``nn.Linear``: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.
    """

    def __init__(
        self,
        models: int,
        n_in: int,
        widths: Sequence[int],
        n_out: int,
        act: str = "tanh",
        seed: int = 0,
    ) -> None:
        if len(widths) != models:
            raise ValueError(f"BatchedMLP: got {len(widths)} widths for {models} models")
        if act not in _ACTS:
            raise ValueError(f"BatchedMLP: unknown activation {act!r}; choose from {list(_ACTS)}")
        rng = np.random.default_rng(seed)
        h = max(widths)
        w1 = np.zeros((models, n_in, h), np.float32)
        b1 = np.zeros((models, 1, h), np.float32)
        w2 = np.zeros((models, h, n_out), np.float32)
        b2 = np.zeros((models, 1, n_out), np.float32)
        mask = np.zeros((models, 1, h), np.float32)
        for m, width in enumerate(widths):
            b_in, b_hid = 1 / np.sqrt(n_in), 1 / np.sqrt(width)
            w1[m, :, :width] = rng.uniform(-b_in, b_in, (n_in, width))
            b1[m, 0, :width] = rng.uniform(-b_in, b_in, width)
            w2[m, :width] = rng.uniform(-b_hid, b_hid, (width, n_out))
            b2[m, 0] = rng.uniform(-b_hid, b_hid, n_out)
            mask[m, 0, :width] = 1.0
        self.params = [ng.tensor(a, requires_grad=True) for a in (w1, b1, w2, b2)]
        self.mask = ng.tensor(mask)
        self.act = _ACTS[act]

    def __call__(self, x: Tensor) -> Tensor:
        """``x`` of shape (M, N, n_in) -> (M, N, n_out)."""
        w1, b1, w2, b2 = self.params
        return (self.act(x @ w1 + b1) * self.mask) @ w2 + b2
