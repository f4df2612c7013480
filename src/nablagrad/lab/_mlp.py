"""A small multi-layer perceptron on raw tensors, trained with the real ``nablagrad.optim``.

The lab's training experiments need many tiny models (ensembles, seeds, capacity sweeps); they
are written here once: ``h = act(x W1 + b1) ... ; y = h Wn + bn``.  The weights are initialised
like ``torch.nn.Linear`` (``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``).

Example:
    >>> import nablagrad as ng
    >>> from nablagrad.lab._mlp import MLP
    >>> net = MLP([1, 8, 1], seed=0)
    >>> net(ng.zeros(4, 1)).shape
    nablagrad.Size([4, 1])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import nablagrad as ng
from nablagrad import Tensor

from ..backend import np

_ACTS: dict[str, Callable[[Tensor], Tensor]] = {
    "tanh": ng.tanh,
    "relu": ng.relu,
    "sigmoid": ng.sigmoid,
}

OPTIMIZERS = ("SGD", "Adam")


class MLP:
    """Fully connected network ``sizes[0] -> ... -> sizes[-1]`` with ``act`` between layers."""

    def __init__(
        self, sizes: Sequence[int], act: str = "tanh", seed: int = 0, dropout: float = 0.0
    ) -> None:
        if act not in _ACTS:
            raise ValueError(f"MLP: unknown activation {act!r}; choose from {', '.join(_ACTS)}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        rng = np.random.default_rng(seed)
        self.params: list[Tensor] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            bound = 1.0 / np.sqrt(n_in)
            w = rng.uniform(-bound, bound, size=(n_in, n_out)).astype(np.float32)
            b = rng.uniform(-bound, bound, size=(n_out,)).astype(np.float32)
            self.params += [ng.tensor(w, requires_grad=True), ng.tensor(b, requires_grad=True)]
        self.act = _ACTS[act]
        self.dropout = dropout
        self.training = True
        self._gen = ng.Generator().manual_seed(seed + 12345)

    def __call__(self, x: Tensor) -> Tensor:
        n = len(self.params) // 2
        h = x
        for i in range(n):
            h = h @ self.params[2 * i] + self.params[2 * i + 1]
            if i < n - 1:
                h = self.act(h)
                if self.dropout > 0 and self.training:
                    keep = 1.0 - self.dropout
                    mask = ng.bernoulli(ng.full(h.shape, keep), generator=self._gen)
                    h = h * mask / keep  # inverted dropout: E[h] unchanged
        return h

    def weights(self) -> list[Tensor]:
        """The weight matrices (not the biases): what L1/L2 penalties act on."""
        return self.params[0::2]

    def state(self) -> list[np.ndarray]:
        return [p.detach().numpy().copy() for p in self.params]

    def load(self, state: list[np.ndarray]) -> None:
        with ng.no_grad():
            for p, s in zip(self.params, state):
                p.copy_(ng.tensor(s))


def make_optimizer(name: str, params: list[Tensor], lr: float, **kwargs: Any) -> Any:
    """An optimizer from ``nablagrad.optim`` by class name (``"SGD"``, ``"Adam"`` ...)."""
    from nablagrad import optim

    if not hasattr(optim, name):
        raise ValueError(f"unknown optimizer {name!r} in nablagrad.optim")
    return getattr(optim, name)(params, lr=lr, **kwargs)


def mse(pred: Tensor, target: Tensor) -> Tensor:
    return ((pred - target) ** 2).mean()


def cross_entropy(logits: Tensor, labels: Tensor, smoothing: float = 0.0) -> Tensor:
    """Mean of ``-sum_c q_c log softmax(z)_c`` with ``q = (1 - eps) onehot + eps / C``."""
    logp = logits - ng.logsumexp(logits, 1, keepdim=True)
    nll = -logp.gather(1, labels.reshape(-1, 1)).reshape(-1)
    if smoothing == 0.0:
        return nll.mean()
    return ((1 - smoothing) * nll - smoothing * logp.mean(1)).mean()


def fit_regression(
    net: MLP, x: Tensor, y: Tensor, steps: int, lr: float, optimizer: str = "Adam"
) -> list[float]:
    """Full-batch MSE training; returns the loss after every step."""
    opt = make_optimizer(optimizer, net.params, lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = mse(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def predict(net: MLP, x: Tensor) -> np.ndarray:
    """Network output in evaluation mode (no dropout, no graph)."""
    was = net.training
    net.training = False
    with ng.no_grad():
        out = net(x).numpy().copy()
    net.training = was
    return out


class BatchedMLP:
    """``M`` independent one-hidden-layer networks trained together with batched matmuls.

    Model ``m`` computes ``act(x_m W1_m + b1_m) * mask_m @ W2_m + b2_m`` on its own inputs
    ``x_m``; ``mask`` switches hidden units off so models of different widths share one tensor.
    Because the parameters are disjoint, minimising the *sum* of the models' losses gives every
    model exactly the gradient (and, with per-coordinate optimizers such as SGD and Adam, the
    update) it would get if trained alone -- only faster.
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
