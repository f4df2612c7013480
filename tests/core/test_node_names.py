"""``grad_fn.name()`` (and so the ``grad_fn=<...>`` of a printed tensor) as torch names the node,
for the operations whose nablagrad node is the same single operation as torch's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng


def _f(L):
    return torch.nn.functional if L is torch else ng.nn.functional


CASES = {
    "add": lambda L, x: x + x,
    "mul": lambda L, x: x * 2,
    "rsub": lambda L, x: 1 - x,
    "torch.rsub": lambda L, x: L.rsub(x, 2.0, alpha=3),
    "sum": lambda L, x: x.sum(),
    "sum(dim)": lambda L, x: x.sum(0),
    "sum(keepdim)": lambda L, x: x.sum(1, keepdim=True),
    "mean": lambda L, x: x.mean(),
    "mean(dim)": lambda L, x: x.mean(1),
    "prod": lambda L, x: x.prod(),
    "prod(dim)": lambda L, x: x.prod(0),
    "max": lambda L, x: x.max(),
    "max(dim)": lambda L, x: x.max(0).values,
    "min": lambda L, x: x.min(),
    "min(dim)": lambda L, x: x.min(1).values,
    "amax(dim)": lambda L, x: x.amax(0),
    "amin(dim)": lambda L, x: x.amin(0),
    "logsumexp": lambda L, x: x.logsumexp(0),
    "double": lambda L, x: x.double(),
    "conv2d": lambda L, x: _f(L).conv2d(x[None, None], x[None, None, :2, :2]),
    "max_pool2d": lambda L, x: _f(L).max_pool2d(x[None, None], 2),
    "avg_pool2d": lambda L, x: _f(L).avg_pool2d(x[None, None], 2),
    "batch_norm": lambda L, x: _f(L).batch_norm(x, None, None, training=True),
    "embedding": lambda L, x: _f(L).embedding(L.tensor([0, 1]), x),
    "pad": lambda L, x: _f(L).pad(x, (1, 1)),
    "clamp": lambda L, x: x.clamp(0, 1),
    "clamp(tensor)": lambda L, x: x.clamp(x * 0),
}


@pytest.mark.parametrize("case", list(CASES))
def test_node_name_is_torchs(case: str) -> None:
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    want = CASES[case](torch, torch.tensor(x, requires_grad=True)).grad_fn.name()
    got = CASES[case](ng, ng.tensor(x, requires_grad=True)).grad_fn.name()
    assert got == want
