"""nn.EmbeddingBag / F.embedding_bag against torch: every mode, 2-D bags and offsets, empty
bags, padding_idx, per_sample_weights, include_last_offset, max_norm; gradients of the weight
and of per_sample_weights; second derivatives against torch's embedding + per-bag sums."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from helpers import assert_close, check_op

import nablagrad as ng
import nablagrad.nn.functional as F
from nablagrad import nn

W = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)
BAGS = {
    "2d": (np.array([[1, 2, 3], [4, 2, 2]]), None, {}),
    "offsets_empty_bag": (np.array([1, 2, 4, 5, 4, 3, 2, 9, 2]), np.array([0, 4, 4, 6]), {}),
    "last_offset": (
        np.array([1, 2, 4, 5, 4, 3, 2, 9]),
        np.array([0, 4, 4, 6, 8]),
        {"include_last_offset": True},
    ),
    "padding": (np.array([1, 2, 4, 5, 4, 3, 2, 9, 2]), np.array([0, 2, 5]), {"padding_idx": 2}),
    "padding_only_bag": (
        np.array([2, 2, 4, 5, 4, 3, 2, 9, 2]),
        np.array([0, 2, 5]),
        {"padding_idx": 2},
    ),
    "padding_2d": (np.array([[2, 2, 3], [4, 2, 2]]), None, {"padding_idx": -8}),
}


@pytest.mark.parametrize("bags", list(BAGS))
@pytest.mark.parametrize("mode", ["sum", "mean", "max", "sum_weighted"])
def test_embedding_bag_matches_torch(bags, mode):
    idx, off, kw = BAGS[bags]
    rng = np.random.default_rng(1)
    psw = rng.standard_normal(idx.shape).astype(np.float32) if mode == "sum_weighted" else None
    mode = mode.replace("_weighted", "")
    wn, wt = ng.tensor(W, requires_grad=True), torch.tensor(W, requires_grad=True)
    pn = None if psw is None else ng.tensor(psw, requires_grad=True)
    pt = None if psw is None else torch.tensor(psw, requires_grad=True)
    on = None if off is None else ng.tensor(off)
    ot = None if off is None else torch.tensor(off)
    out = F.embedding_bag(ng.tensor(idx), wn, on, mode=mode, per_sample_weights=pn, **kw)
    ref = tF.embedding_bag(torch.tensor(idx), wt, ot, mode=mode, per_sample_weights=pt, **kw)
    assert_close(out, ref, 1e-6, 1e-6, "forward")
    g = rng.standard_normal(tuple(ref.shape)).astype(np.float32)
    (out * ng.tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    assert_close(wn.grad, wt.grad, 1e-5, 1e-5, "weight gradient")
    if psw is not None:
        assert_close(pn.grad, pt.grad, 1e-5, 1e-5, "per_sample_weights gradient")


def test_embedding_bag_second_order_matches_the_composition():
    idx = np.array([[1, 2, 0], [3, 1, 1]])
    check_op(
        lambda w, p: F.embedding_bag(ng.tensor(idx), w, mode="sum", per_sample_weights=p),
        lambda w, p: (tF.embedding(torch.tensor(idx), w) * p.unsqueeze(-1)).sum(1),
        [(4, 3), (2, 3)],
        second_order=True,
    )
    check_op(
        lambda w: F.embedding_bag(ng.tensor(idx), w, mode="max") ** 2,
        lambda w: tF.embedding(torch.tensor(idx), w).amax(1) ** 2,
        [(4, 3)],
        second_order=True,
    )


def test_embedding_bag_module_max_norm_and_repr():
    torch.manual_seed(0)
    tm = torch.nn.EmbeddingBag(10, 4, max_norm=1.0, mode="sum")
    nm = nn.EmbeddingBag(10, 4, max_norm=1.0, mode="sum")
    assert list(nm.state_dict()) == ["weight"] and repr(nm) == repr(tm)
    nm.load_state_dict({"weight": tm.weight.detach().numpy()})
    idx, off = np.array([1, 2, 4, 5, 4]), np.array([0, 2])
    out, ref = nm(ng.tensor(idx), ng.tensor(off)), tm(torch.tensor(idx), torch.tensor(off))
    assert_close(out, ref, 1e-5, 1e-5, "forward with max_norm")
    assert_close(nm.weight, tm.weight, 1e-6, 1e-6, "rows renormalised in place")
    full = nn.EmbeddingBag(10, 3, mode="max", padding_idx=2, norm_type=3.0)
    assert repr(full) == repr(
        torch.nn.EmbeddingBag(10, 3, mode="max", padding_idx=2, norm_type=3.0)
    )
    assert not full.weight.detach().numpy()[2].any()  # the padding row starts at zero
    pre = nn.EmbeddingBag.from_pretrained(ng.tensor(W))
    assert not pre.weight.requires_grad
    assert_close(
        pre(ng.tensor(np.array([[1, 2]]))),
        torch.tensor(W[[1, 2]].mean(0, keepdims=True)),
        1e-6,
        1e-6,
    )


def test_embedding_bag_errors():
    w = ng.randn(10, 3)
    with pytest.raises(ValueError, match="offsets has to be None"):
        F.embedding_bag(ng.tensor([[1, 2]]), w, ng.tensor([0]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor"):
        F.embedding_bag(ng.tensor([1, 2, 3]), w)
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(ng.tensor([1, 2]), w, ng.tensor([0]), per_sample_weights=ng.ones(2))
    with pytest.raises(RuntimeError, match="offsets\\[0\\] has to be 0"):
        F.embedding_bag(ng.tensor([1, 2, 3]), w, ng.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="can not be greater than input's length"):
        F.embedding_bag(ng.tensor([1, 2, 3]), w, ng.tensor([0, 2, 4]))
    with pytest.raises(ValueError, match="mode has to be one of"):
        F.embedding_bag(ng.tensor([1, 2, 3]), w, ng.tensor([0]), mode="min")
    with pytest.raises(IndexError, match="out of range"):
        F.embedding_bag(ng.tensor([1, 2, 30]), w, ng.tensor([0]))
    with pytest.raises(RuntimeError, match="Long, Int"):
        F.embedding_bag(ng.tensor([1.0, 2.0]), w, ng.tensor([0]))
