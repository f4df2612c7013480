"""optim.Muon against torch.optim.Muon: the same parameters and gradients, step by step, for
every option.  The momentum buffers agree to rtol 1e-6.  torch's Newton-Schulz runs in
bfloat16, which nablagrad reproduces by rounding float32 results: almost every weight agrees
to rtol 1e-6, and the rest (a float32 product summed in another order, rounded to the other
side of a bfloat16 step) by at most one bfloat16 step of the update per step taken:
lr' * 2^-7 * max|O| each (O's entries are below 1)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng

SHAPES = [(4, 6), (7, 3), (5, 5)]


def _run(kw, steps=4, shapes=SHAPES, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    w0 = [rng.normal(size=s).astype(dtype) for s in shapes]
    grads = [[rng.normal(size=s).astype(dtype) for s in shapes] for _ in range(steps)]
    hist = {}
    for L in (ng, torch):
        ps = [L.nn.Parameter(L.tensor(w.copy())) for w in w0]
        opt = L.optim.Muon(ps, **kw)
        seq = []
        for gs in grads:
            for p, g in zip(ps, gs):
                p.grad = L.tensor(g)
            opt.step()
            seq.append(
                [p.detach().numpy().copy() for p in ps]
                + [opt.state[p]["momentum_buffer"].numpy().copy() for p in ps]
            )
        hist[L] = (seq, opt)
    return hist


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"lr": 0.02, "weight_decay": 0.0},
        {"lr": 0.05, "momentum": 0.9, "nesterov": False},
        {"lr": 0.01, "adjust_lr_fn": "match_rms_adamw", "weight_decay": 0.05},
        {"lr": 0.01, "adjust_lr_fn": "original", "ns_steps": 3, "eps": 1e-5},
        {"lr": 0.03, "ns_coefficients": (2.0, -1.5, 0.5), "momentum": 0.0},
    ],
)
def test_steps_match_torch(kw):
    hist = _run(kw)
    lr = kw.get("lr", 1e-3)
    n = len(SHAPES)
    # the largest adjusted learning rate of the shapes, times one bfloat16 step (2^-7 at 1)
    ulp = lr * max(1.0, 0.2 * 7, np.sqrt(7 / 3)) * 2.0**-7
    total = close = 0
    for step, (ours, theirs) in enumerate(zip(hist[ng][0], hist[torch][0])):
        for a, b in zip(ours[n:], theirs[n:]):  # momentum buffers: float32 arithmetic
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7, err_msg=f"step {step}")
        for a, b in zip(ours[:n], theirs[:n]):  # weights
            np.testing.assert_allclose(a, b, rtol=0, atol=(step + 1) * ulp, err_msg=f"{step}")
            total += a.size
            close += int(np.isclose(a, b, rtol=1e-6, atol=1e-7).sum())
    assert close >= 0.9 * total, (close, total)


@pytest.mark.parametrize("shape", [(4, 6), (9, 3), (16, 16), (2, 40)])
def test_newton_schulz_matches_torchs_bfloat16_iteration(shape):
    from torch.optim._muon import _zeropower_via_newtonschulz

    from nablagrad.optim.muon import _newton_schulz

    g = np.random.default_rng(sum(shape)).normal(size=shape).astype(np.float32)
    ours = _newton_schulz(g, (3.4445, -4.775, 2.0315), 5, 1e-7)
    theirs = _zeropower_via_newtonschulz(torch.tensor(g), (3.4445, -4.775, 2.0315), 5, 1e-7)
    theirs = theirs.float().numpy()
    assert ours.shape == theirs.shape
    # one bfloat16 step at most where a float32 sum rounded the other way; nearly all equal
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=2.0**-7)
    assert (ours == theirs).mean() >= 0.95


def test_float64_parameters_match_torch():
    hist = _run({"lr": 0.02}, steps=2, dtype=np.float64)
    ulp = 0.02 * np.sqrt(7 / 3) * 2.0**-7
    for step, (ours, theirs) in enumerate(zip(hist[ng][0], hist[torch][0])):
        for a, b in zip(ours[3:], theirs[3:]):
            np.testing.assert_allclose(a, b, rtol=1e-12)
        for a, b in zip(ours[:3], theirs[:3]):
            np.testing.assert_allclose(a, b, rtol=0, atol=(step + 1) * ulp)


def test_state_dict_and_defaults_match_torch():
    hist = _run({"lr": 0.02}, steps=1)
    ours, theirs = hist[ng][1].state_dict(), hist[torch][1].state_dict()
    assert ours["param_groups"] == theirs["param_groups"]
    assert set(ours["state"][0]) == set(theirs["state"][0]) == {"momentum_buffer"}


def test_parameters_without_gradients_are_skipped():
    for L in (ng, torch):
        a, b = L.nn.Parameter(L.ones(2, 3)), L.nn.Parameter(L.ones(3, 2))
        opt = L.optim.Muon([a, b], lr=0.1)
        a.grad = L.ones(2, 3)
        opt.step()
        assert b not in opt.state and L.equal(b, L.ones(3, 2))


def test_errors_match_torch():
    for L in (ng, torch):
        w = L.nn.Parameter(L.ones(2, 2))
        cases = [
            ({"lr": -1.0}, "Learning rate should be >= 0"),
            ({"momentum": -0.1}, "momentum should be >= 0"),
            ({"weight_decay": -0.1}, "weight decay should be >= 0"),
            ({"adjust_lr_fn": "bogus"}, "Adjust learning rate function bogus is not supported"),
        ]
        for kw, match in cases:
            with pytest.raises(ValueError, match=match):
                L.optim.Muon([w], **kw)
        with pytest.raises(ValueError, match="Muon only supports 2D parameters"):
            L.optim.Muon([L.nn.Parameter(L.ones(3))])
        for kw, match in (
            ({"ns_steps": 100}, "less than 100"),
            ({"ns_coefficients": (1.0, 2.0)}, "exactly 3 values"),
        ):
            opt = L.optim.Muon([w], **kw)
            w.grad = L.ones(2, 2)
            with pytest.raises(ValueError, match=match):
                opt.step()
