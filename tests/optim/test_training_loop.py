"""A PyTorch training loop runs unchanged on nablagrad (nn + optim + lr_scheduler + clipping)."""

from __future__ import annotations

import numpy as np
import pytest
import torch as real_torch

import nablagrad


def _train(torch, opt_name: str, sched: bool, weights: list, x: np.ndarray, y: np.ndarray):  # noqa: ANN001, ANN202
    """Identical source for both libraries: ``torch`` is real torch or nablagrad."""
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    with torch.no_grad():
        for p, w in zip(model.parameters(), weights):
            p.copy_(torch.tensor(w))
    kwargs = dict(lr=0.05, momentum=0.9, nesterov=True) if opt_name == "SGD" else dict(lr=0.01)
    opt = getattr(torch.optim, opt_name)(model.parameters(), weight_decay=1e-3, **kwargs)
    scheduler = (
        torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=30) if sched else None
    )
    loss_fn = torch.nn.MSELoss()
    xt, yt = torch.tensor(x), torch.tensor(y)
    for _ in range(30):
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
        if scheduler is not None:
            scheduler.step()
    return [p.detach().numpy().copy() for p in model.parameters()], loss.item()


@pytest.mark.parametrize("opt_name,sched", [("SGD", False), ("Adam", True), ("AdamW", True)])
def test_same_loop_same_weights(opt_name: str, sched: bool) -> None:
    rng = np.random.default_rng(0)
    shapes = [(8, 5), (8,), (3, 8), (3,)]
    weights = [rng.normal(size=s).astype(np.float32) * 0.5 for s in shapes]
    x = rng.normal(size=(32, 5)).astype(np.float32)
    y = rng.normal(size=(32, 3)).astype(np.float32)
    ours, loss_ours = _train(nablagrad, opt_name, sched, weights, x, y)
    theirs, loss_theirs = _train(real_torch, opt_name, sched, weights, x, y)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert loss_ours == pytest.approx(loss_theirs, rel=1e-4)
