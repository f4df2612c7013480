"""nn.utils.rnn (pad/pack/unpack) and RNN/LSTM/GRU on PackedSequence against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import assert_close
from nnhelpers import copy_weights

import nablagrad as ng
from nablagrad.nn.utils import rnn as ngr

tr = torch.nn.utils.rnn


def _seqs(lengths: list[int], feat: int = 3, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n, feat)).astype(np.float32) for n in lengths]


def test_importable_as_torch_path() -> None:
    import nablagrad.nn.utils.rnn as mod

    assert mod is ng.nn.utils.rnn
    assert ng.nn.utils.rnn.PackedSequence is ngr.PackedSequence


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence(batch_first: bool, side: str) -> None:
    s = _seqs([2, 4, 1])
    a = ngr.pad_sequence([ng.tensor(x) for x in s], batch_first, -1.5, side)
    b = tr.pad_sequence([torch.from_numpy(x) for x in s], batch_first, -1.5, side)
    assert_close(a, b, 0, 0, "pad_sequence")


def test_pad_sequence_errors() -> None:
    with pytest.raises(RuntimeError, match="padding_side"):
        ngr.pad_sequence([ng.zeros(2, 3)], padding_side="middle")
    with pytest.raises(RuntimeError, match="trailing shape"):
        ngr.pad_sequence([ng.zeros(2, 3), ng.zeros(2, 4)])


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_pad_roundtrip(enforce_sorted: bool, batch_first: bool) -> None:
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    s = _seqs(lengths)
    xn = ngr.pad_sequence([ng.tensor(x) for x in s], batch_first)
    xt = tr.pad_sequence([torch.from_numpy(x) for x in s], batch_first)
    xn.requires_grad_()
    xt.requires_grad_()
    pn = ngr.pack_padded_sequence(xn, lengths, batch_first, enforce_sorted)
    pt = tr.pack_padded_sequence(xt, lengths, batch_first, enforce_sorted)
    assert isinstance(pn, tuple) and pn._fields == pt._fields
    assert_close(pn.data, pt.data, 0, 0, "data")
    assert pn.batch_sizes.tolist() == pt.batch_sizes.tolist()
    assert pn.batch_sizes.dtype == ng.int64
    for a, b in [
        (pn.sorted_indices, pt.sorted_indices),
        (pn.unsorted_indices, pt.unsorted_indices),
    ]:
        assert (a is None) == (b is None)
        if a is not None:
            assert a.tolist() == b.tolist()
    yn, ln = ngr.pad_packed_sequence(pn, batch_first, 7.0, total_length=6)
    yt, lt = tr.pad_packed_sequence(pt, batch_first, 7.0, total_length=6)
    assert_close(yn, yt, 0, 0, "pad_packed_sequence")
    assert ln.tolist() == lt.tolist()
    w = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(np.float32)
    (yn * ng.tensor(w)).sum().backward()
    (yt * torch.from_numpy(w)).sum().backward()
    assert_close(xn.grad, xt.grad, 1e-6, 1e-6, "gradient through pack/pad")


def test_pack_sequence_unpack_unpad() -> None:
    s = _seqs([2, 4, 1])
    pn = ngr.pack_sequence([ng.tensor(x) for x in s], enforce_sorted=False)
    pt = tr.pack_sequence([torch.from_numpy(x) for x in s], enforce_sorted=False)
    assert_close(pn.data, pt.data, 0, 0, "pack_sequence")
    for a, b in zip(ngr.unpack_sequence(pn), tr.unpack_sequence(pt)):
        assert_close(a, b, 0, 0, "unpack_sequence")
    padded = ngr.pad_sequence([ng.tensor(x) for x in s], batch_first=True)
    out = ngr.unpad_sequence(padded, ng.tensor([2, 4, 1]), batch_first=True)
    assert [tuple(o.shape) for o in out] == [(2, 3), (4, 3), (1, 3)]
    assert_close(out[1], torch.from_numpy(s[1]), 0, 0, "unpad_sequence")


def test_packed_sequence_is_namedtuple_like() -> None:
    p = ngr.PackedSequence(ng.zeros(3, 2), ng.tensor([2, 1]), ng.tensor([1, 0]))
    assert p.unsorted_indices.tolist() == [1, 0]
    data, sizes, si, ui = p
    assert sizes.tolist() == [2, 1] and p[0] is data
    assert repr(p).startswith("PackedSequence(data=tensor(")
    assert p.double().data.dtype == ng.float64


def test_pack_errors_match_torch() -> None:
    x = ng.zeros(3, 2, 1)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        ngr.pack_padded_sequence(x, [1, 3])
    with pytest.raises(RuntimeError, match="greater than 0"):
        ngr.pack_padded_sequence(x, [3, 0])
    with pytest.raises(RuntimeError, match="exceeds"):
        ngr.pack_padded_sequence(x, [4, 3])
    p = ngr.pack_padded_sequence(x, [3, 2])
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        ngr.pad_packed_sequence(p, total_length=2)


@pytest.mark.parametrize(
    "kind,layers,bidir,enforce_sorted,with_hx",
    [
        ("RNN", 1, False, True, False),
        ("RNN", 2, True, False, True),
        ("LSTM", 1, False, False, False),
        ("LSTM", 2, True, True, True),
        ("LSTM", 2, True, False, True),
        ("GRU", 2, False, False, True),
        ("GRU", 1, True, False, False),
    ],
)
def test_rnn_on_packed_matches_torch(
    kind: str, layers: int, bidir: bool, enforce_sorted: bool, with_hx: bool
) -> None:
    lengths = [5, 4, 2, 2, 1] if enforce_sorted else [2, 5, 1, 4, 2]
    s = _seqs(lengths, 3, seed=layers)
    tm = getattr(torch.nn, kind)(3, 4, num_layers=layers, bidirectional=bidir, batch_first=True)
    nm = getattr(ng.nn, kind)(3, 4, num_layers=layers, bidirectional=bidir, batch_first=True)
    copy_weights(nm, tm)
    xn = ngr.pad_sequence([ng.tensor(x) for x in s], batch_first=True).requires_grad_()
    xt = tr.pad_sequence([torch.from_numpy(x) for x in s], batch_first=True).requires_grad_()
    pn = ngr.pack_padded_sequence(xn, ng.tensor(lengths), True, enforce_sorted)
    pt = tr.pack_padded_sequence(xt, torch.tensor(lengths), True, enforce_sorted)
    rng = np.random.default_rng(3)
    hshape = (layers * (2 if bidir else 1), len(lengths), 4)
    hx_np = [rng.standard_normal(hshape).astype(np.float32) for _ in range(2)]
    hn_in = [ng.tensor(h, requires_grad=True) for h in hx_np]
    ht_in = [torch.from_numpy(h).requires_grad_() for h in hx_np]
    if with_hx:
        on, hn = nm(pn, tuple(hn_in) if kind == "LSTM" else hn_in[0])
        ot, ht = tm(pt, tuple(ht_in) if kind == "LSTM" else ht_in[0])
    else:
        on, hn = nm(pn)
        ot, ht = tm(pt)
    assert isinstance(on, ngr.PackedSequence)
    assert on.batch_sizes.tolist() == ot.batch_sizes.tolist()
    assert_close(on.data, ot.data, 1e-5, 1e-5, "packed output")
    hn = hn if kind == "LSTM" else (hn,)
    ht = ht if kind == "LSTM" else (ht,)
    for a, b in zip(hn, ht):
        assert_close(a, b, 1e-5, 1e-5, "final state")
    yn, _ = ngr.pad_packed_sequence(on, batch_first=True)
    yt, _ = tr.pad_packed_sequence(ot, batch_first=True)
    assert_close(yn, yt, 1e-5, 1e-5, "padded output")
    # loss touching output and every final state
    w = rng.uniform(0.5, 1.5, tuple(yt.shape)).astype(np.float32)
    ln = (yn * ng.tensor(w)).sum() + sum((h * h).sum() for h in hn)
    lt = (yt * torch.from_numpy(w)).sum() + sum((h * h).sum() for h in ht)
    ln.backward()
    lt.backward()
    assert_close(xn.grad, xt.grad, 1e-5, 1e-4, "input gradient")
    tp = dict(tm.named_parameters())
    for name, p in nm.named_parameters():
        assert_close(p.grad, tp[name].grad, 1e-4, 1e-4, f"gradient of {name}")
    if with_hx:
        for a, b in zip(hn_in, ht_in):
            if b.grad is not None:
                assert_close(a.grad, b.grad, 1e-5, 1e-4, "hx gradient")


def test_rnn_packed_bad_hidden_shape() -> None:
    m = ng.nn.GRU(3, 4)
    p = ngr.pack_sequence([ng.zeros(3, 3), ng.zeros(2, 3)])
    with pytest.raises(RuntimeError, match="hidden state"):
        m(p, ng.zeros(1, 3, 4))
    with pytest.raises(RuntimeError, match="input_size"):
        ng.nn.GRU(5, 4)(p)


SCRIPT = """
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

torch.manual_seed(0)
lengths = [5, 2, 4, 3, 1, 5]
seqs = [torch.randn(n, 3) + (i % 2) for i, n in enumerate(lengths)]
labels = torch.tensor([i % 2 for i in range(len(lengths))])
x = pad_sequence(seqs, batch_first=True)
rnn = nn.GRU(3, 8, batch_first=True, bidirectional=True)
head = nn.Linear(16, 2)
opt = torch.optim.Adam(list(rnn.parameters()) + list(head.parameters()), lr=0.05)
losses = []
for _ in range(30):
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    out, h = rnn(packed)
    y, lens = pad_packed_sequence(out, batch_first=True)
    assert y.shape == (6, 5, 16) and lens.tolist() == lengths
    loss = nn.functional.cross_entropy(head(torch.cat([h[0], h[1]], 1)), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
assert losses[-1] < 0.5 * losses[0], losses
print("OK packed", round(losses[-1], 4))
"""


def test_packed_rnn_script_runs_as_torch(tmp_path) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(ng.__file__).resolve().parents[1])
    script = tmp_path / "packed.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run(
        [sys.executable, "-m", "nablagrad", "run", str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.splitlines()[-1].startswith("OK packed"), res.stdout
