"""F.scaled_dot_product_attention, nn.MultiheadAttention and the Transformer family against
torch (weights copied with load_state_dict; outputs and gradients compared, eval mode)."""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as tF
from helpers import assert_close, check_op

import nablagrad as ng
import nablagrad.nn.functional as F
from nablagrad import nn

RNG = np.random.default_rng(0)


def pair(*shape: int) -> tuple[ng.Tensor, torch.Tensor]:
    a = RNG.standard_normal(shape).astype(np.float32)
    return ng.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def load(nm: ng.nn.Module, tm: torch.nn.Module) -> None:
    assert list(nm.state_dict()) == list(tm.state_dict())
    nm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})


def compare_grads(out_n, out_t, ins_n, ins_t, atol=1e-4, rtol=1e-4) -> None:
    w = RNG.standard_normal(tuple(out_t.shape)).astype(np.float32)
    gn = ng.autograd.grad((out_n * ng.tensor(w)).sum(), ins_n)
    gt = torch.autograd.grad((out_t * torch.tensor(w)).sum(), ins_t)
    for i, (a, b) in enumerate(zip(gn, gt)):
        assert_close(a, b, atol, rtol, f"gradient {i}")


# -- scaled_dot_product_attention -------------------------------------------------------------

MASK = np.ones((4, 5), bool)
MASK[1] = False  # a query row with no key: zeros, as torch's CPU kernel
MASK[2, 3] = False


@pytest.mark.parametrize(
    "kind,kw",
    [
        ("none", {}),
        ("none", {"is_causal": True}),
        ("none", {"scale": 0.3}),
        ("bool", {}),
        ("float", {"scale": 1.5}),
        ("bool_bcast", {}),
    ],
)
def test_sdpa_matches_torch(kind, kw):
    (q, tq), (k, tk), (v, tv) = pair(2, 3, 4, 8), pair(2, 3, 5, 8), pair(2, 3, 5, 6)
    mask = {
        "none": None,
        "bool": MASK,
        "float": RNG.standard_normal((4, 5)).astype(np.float32),
        "bool_bcast": np.broadcast_to(MASK[None, None], (2, 1, 4, 5)).copy(),
    }[kind]
    mn = None if mask is None else ng.tensor(mask)
    mt = None if mask is None else torch.tensor(mask)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mn, **kw)
    ref = tF.scaled_dot_product_attention(tq, tk, tv, attn_mask=mt, **kw)
    assert_close(out, ref, 1e-5, 1e-5, "forward")
    compare_grads(out, ref, [q, k, v], [tq, tk, tv])


def test_sdpa_gqa_and_unbatched():
    (q, tq), (k, tk), (v, tv) = pair(2, 4, 3, 8), pair(2, 2, 5, 8), pair(2, 1, 5, 6)
    out = F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    ref = tF.scaled_dot_product_attention(tq, tk, tv, enable_gqa=True)
    assert_close(out, ref, 1e-5, 1e-5, "gqa")
    compare_grads(out, ref, [q, k, v], [tq, tk, tv])
    (q, tq), (k, tk) = pair(3, 4), pair(5, 4)
    out = F.scaled_dot_product_attention(q, k, k, is_causal=True)
    assert_close(out, tF.scaled_dot_product_attention(tq, tk, tk, is_causal=True), 1e-5, 1e-5)


def _sdpa_math(L, q, k, v, m):
    """The formula itself, which torch can differentiate twice (its CPU kernel cannot)."""
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]) + m
    return L.softmax(s, -1) @ v


def test_sdpa_second_derivatives_match_the_formula():
    m = RNG.standard_normal((3, 5)).astype(np.float32)
    check_op(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=ng.tensor(m)),
        lambda q, k, v: _sdpa_math(torch, q, k, v, torch.tensor(m)),
        [(2, 3, 4), (2, 5, 4), (2, 5, 6)],
        atol=1e-4,
        rtol=1e-4,
        second_order=True,
    )


def test_sdpa_dropout_and_errors():
    q = ng.ones(2, 3, 4)
    assert float(F.scaled_dot_product_attention(q, q, q, dropout_p=1.0).abs().sum()) == 0.0
    ng.manual_seed(0)
    out = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    steps = out.numpy() * 1.5  # weights 1/3, kept ones scaled by 1/(1-p): sums of 2/3
    assert np.allclose(steps, steps.round(), atol=1e-5) and len(np.unique(steps.round())) > 1
    with pytest.raises(RuntimeError, match="Explicit attn_mask"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ng.ones(3, 3), is_causal=True)
    with pytest.raises(RuntimeError, match="divide the number of heads"):
        F.scaled_dot_product_attention(
            ng.ones(1, 3, 2, 4), ng.ones(1, 2, 2, 4), ng.ones(1, 2, 2, 4), enable_gqa=True
        )
    with pytest.raises(RuntimeError, match="same dtype"):
        F.scaled_dot_product_attention(q, q.double(), q)
    with pytest.raises(TypeError, match="must be Tensor"):
        F.scaled_dot_product_attention(q, q, [1.0])


# -- MultiheadAttention -----------------------------------------------------------------------

KPM = np.zeros((3, 5), bool)
KPM[0, 3:] = True
AM = np.zeros((4, 5), bool)
AM[:, 1] = True
MASKS = {
    "none": {},
    "key_padding": {"key_padding_mask": KPM},
    "attn_bool": {"attn_mask": AM},
    "both": {"attn_mask": AM, "key_padding_mask": KPM},
    "attn_float": {"attn_mask": np.where(AM, -1.5, 0.3).astype(np.float32)},
    "attn_3d": {"attn_mask": np.broadcast_to(AM, (6, 4, 5)).copy()},
}


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize(
    "extra",
    [{}, {"add_bias_kv": True}, {"add_zero_attn": True}, {"bias": False}, {"kdim": 6, "vdim": 7}],
    ids=["plain", "bias_kv", "zero_attn", "nobias", "kvdim"],
)
def test_mha_matches_torch(batch_first, extra):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first, **extra)
    nm = nn.MultiheadAttention(8, 2, batch_first=batch_first, **extra)
    load(nm, tm)
    kd, vd = extra.get("kdim", 8), extra.get("vdim", 8)

    def shape(n, e):
        return (3, n, e) if batch_first else (n, 3, e)

    (x, tx), (k, tk), (v, tv) = pair(*shape(4, 8)), pair(*shape(5, kd)), pair(*shape(5, vd))
    for name, masks in MASKS.items():
        for need_weights, average in ((True, True), (True, False), (False, True)):
            kn = {key: ng.tensor(a) for key, a in masks.items()}
            kt = {key: torch.tensor(a) for key, a in masks.items()}
            opts = {"need_weights": need_weights, "average_attn_weights": average}
            out, w = nm(x, k, v, **kn, **opts)
            ref, tw = tm(tx, tk, tv, **kt, **opts)
            assert_close(out, ref, 1e-5, 1e-5, f"{name} output")
            if need_weights:
                assert_close(w, tw, 1e-5, 1e-5, f"{name} weights")
            else:
                assert w is None and tw is None
            compare_grads(out, ref, [x, k, v, *nm.parameters()], [tx, tk, tv, *tm.parameters()])


def test_mha_self_attention_unbatched_and_causal():
    torch.manual_seed(1)
    tm, nm = torch.nn.MultiheadAttention(8, 4), nn.MultiheadAttention(8, 4)
    load(nm, tm)
    x, tx = pair(4, 8)
    kpm = np.array([0, 0, 1, 0], bool)
    out, w = nm(x, x, x, key_padding_mask=ng.tensor(kpm))
    ref, tw = tm(tx, tx, tx, key_padding_mask=torch.tensor(kpm))
    assert_close(out, ref, 1e-5, 1e-5)
    assert_close(w, tw, 1e-5, 1e-5)
    causal = nn.Transformer.generate_square_subsequent_mask(4)
    tcausal = torch.nn.Transformer.generate_square_subsequent_mask(4)
    out, _ = nm(x, x, x, attn_mask=causal, is_causal=True, need_weights=False)
    ref, _ = tm(tx, tx, tx, attn_mask=tcausal, is_causal=True, need_weights=False)
    assert_close(out, ref, 1e-5, 1e-5)
    compare_grads(out, ref, [x, *nm.parameters()], [tx, *tm.parameters()])


def test_mha_init_keys_and_repr():
    m = nn.MultiheadAttention(16, 4, add_bias_kv=True)
    t = torch.nn.MultiheadAttention(16, 4, add_bias_kv=True)
    assert list(m.state_dict()) == list(t.state_dict())
    assert {k: tuple(v.shape) for k, v in m.state_dict().items()} == {
        k: tuple(v.shape) for k, v in t.state_dict().items()
    }
    assert repr(m) == repr(t)
    bound = math.sqrt(6.0 / (16 + 16 * 3))  # xavier_uniform_ on (3E, E)
    w = m.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert not m.in_proj_bias.detach().numpy().any() and not m.out_proj.bias.detach().numpy().any()
    sep = nn.MultiheadAttention(16, 4, kdim=5, vdim=3)
    assert sep.in_proj_weight is None and tuple(sep.k_proj_weight.shape) == (16, 5)
    assert list(sep.state_dict()) == list(
        torch.nn.MultiheadAttention(16, 4, kdim=5, vdim=3).state_dict()
    )


def test_mha_errors():
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="greater than 0"):
        nn.MultiheadAttention(0, 2)
    m = nn.MultiheadAttention(8, 2)
    x = ng.randn(4, 3, 8)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        m(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        m(x, x, x, attn_mask=ng.zeros(3, 3))
    with pytest.raises(AssertionError, match="3-D"):
        m(x, x[0], x)
    with pytest.raises(RuntimeError, match="dtype"):
        m(x.double(), x.double(), x.double())
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 8"):
        m(x[..., :6], x[..., :6], x[..., :6])
    with pytest.raises(AssertionError, match="only bool and floating"):
        m(x, x, x, key_padding_mask=ng.zeros(3, 4, dtype=ng.int64))


def test_mha_dropout_in_training_only():
    m = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = ng.randn(2, 6, 8)
    m.eval()
    a, b = m(x, x, x)[1], m(x, x, x)[1]
    assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    m.train()
    w = m(x, x, x, average_attn_weights=False)[1].detach().numpy()
    assert (w == 0).mean() > 0.2  # dropped attention weights


# -- Transformer family -------------------------------------------------------------------------


def _quiet_torch(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's nested-tensor notices
        return fn(*args, **kwargs)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
def test_transformer_matches_torch(batch_first, norm_first, activation):
    act_t = tF.silu if activation == "callable" else activation
    act_n = F.silu if activation == "callable" else activation
    torch.manual_seed(0)
    kw = dict(batch_first=batch_first, norm_first=norm_first)
    tm = _quiet_torch(torch.nn.Transformer, 16, 2, 2, 1, 24, activation=act_t, **kw)
    nm = nn.Transformer(16, 2, 2, 1, 24, activation=act_n, **kw)
    load(nm, tm)
    nm.eval(), tm.eval()
    (s, ts), (t, tt) = (
        pair(*((2, 5, 16) if batch_first else (5, 2, 16))),
        pair(*((2, 4, 16) if batch_first else (4, 2, 16))),
    )
    mask, tmask = (
        nn.Transformer.generate_square_subsequent_mask(4),
        torch.nn.Transformer.generate_square_subsequent_mask(4),
    )
    assert_close(mask, tmask, 0, 0)
    kpm = np.zeros((2, 5), bool)
    kpm[1, 4] = True
    out = nm(
        s,
        t,
        tgt_mask=mask,
        src_key_padding_mask=ng.tensor(kpm),
        memory_key_padding_mask=ng.tensor(kpm),
    )
    ref = tm(
        ts,
        tt,
        tgt_mask=tmask,
        src_key_padding_mask=torch.tensor(kpm),
        memory_key_padding_mask=torch.tensor(kpm),
    )
    assert_close(out, ref, 1e-4, 1e-4, "forward")
    compare_grads(out, ref, [s, t, *nm.parameters()], [ts, tt, *tm.parameters()], 2e-4, 2e-4)


def test_encoder_eval_no_grad_zeroes_padding_as_torch():
    """torch's nested-tensor fast path (eval, no grad, batch_first, padding mask) returns 0 at
    padded positions before the final norm; the whole output must match."""
    torch.manual_seed(0)
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    te = _quiet_torch(torch.nn.TransformerEncoder, tl, 2, norm=torch.nn.LayerNorm(8))
    ne = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2, norm=nn.LayerNorm(8)
    )
    load(ne, te)
    ne.eval(), te.eval()
    x = RNG.standard_normal((3, 5, 8)).astype(np.float32)
    kpm = np.zeros((3, 5), bool)
    kpm[0, 3:] = True
    kpm[2, 1:] = True
    with torch.no_grad(), ng.no_grad():
        ref = _quiet_torch(te, torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
        out = ne(ng.tensor(x), src_key_padding_mask=ng.tensor(kpm))
    assert_close(out, ref, 1e-5, 1e-5, "fast path")
    # with autograd on, torch computes every position: so do we
    xn, xt = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = ne(xn, src_key_padding_mask=ng.tensor(kpm))
    ref = te(xt, src_key_padding_mask=torch.tensor(kpm))
    assert_close(out, ref, 1e-5, 1e-5, "plain path")


def test_layers_unbatched_and_module_activation():
    torch.manual_seed(0)
    tl = torch.nn.TransformerDecoderLayer(8, 2, 16, activation=torch.nn.GELU())
    nl = nn.TransformerDecoderLayer(8, 2, 16, activation=nn.GELU())
    load(nl, tl)
    nl.eval(), tl.eval()
    (t, tt), (m, tm_) = pair(4, 8), pair(6, 8)
    assert_close(nl(t, m), tl(tt, tm_), 1e-5, 1e-5)
    assert "(activation): GELU" in repr(nl)
    enc = nn.TransformerEncoderLayer(8, 2, 16)
    assert "activation" not in dict(enc.named_modules()) and enc.activation is F.relu
    stack = nn.TransformerEncoder(enc, 3)
    p = [layer.linear1.weight for layer in stack.layers]
    assert p[0] is not p[1] and np.array_equal(
        p[0].detach().numpy(), p[2].detach().numpy()
    )  # deep copies


def test_transformer_init_and_errors():
    ng.manual_seed(0)
    m = nn.Transformer(8, 2, 1, 1, 16)
    t = _quiet_torch(torch.nn.Transformer, 8, 2, 1, 1, 16)
    assert list(m.state_dict()) == list(t.state_dict())
    w = m.encoder.layers[0].linear1.weight.detach().numpy()  # xavier_uniform_ over every matrix
    assert np.abs(w).max() <= math.sqrt(6 / (8 + 16))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(RuntimeError, match="batch number"):
        m(ng.randn(3, 2, 8), ng.randn(3, 1, 8))
    with pytest.raises(RuntimeError, match="feature number"):
        m(ng.randn(3, 2, 8), ng.randn(3, 2, 4))
    copy.deepcopy(m)  # modules deep-copy (TransformerEncoder clones its layer this way)


def _nested_warnings(lib, **layer_kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        enc = lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(8, 2, 16, **layer_kw), 1)
    return enc.use_nested_tensor, [str(w.message) for w in caught]


@pytest.mark.parametrize(
    "layer_kw",
    [
        {},
        {"batch_first": True},
        {"batch_first": True, "norm_first": True},
        {"batch_first": True, "bias": False},
        {"batch_first": True, "activation": F.tanh},
    ],
)
def test_encoder_warns_when_nested_tensor_is_refused_as_torch(layer_kw):
    torch_kw = dict(layer_kw)
    if "activation" in torch_kw:
        torch_kw["activation"] = torch.tanh
    assert _nested_warnings(ng, **layer_kw) == _nested_warnings(torch, **torch_kw)


def test_transformer_warns_about_its_encoders_nested_tensor_as_torch():
    for lib in (torch, ng):
        with pytest.warns(UserWarning, match="enable_nested_tensor is True"):
            lib.nn.Transformer(8, 2, 1, 1, 16)


@pytest.mark.parametrize("which", ["mha", "encoder_layer", "encoder"])
def test_mismatched_mask_dtypes_warn_as_torch(which):
    def run(lib):
        lib.manual_seed(0)
        x = lib.zeros(3, 2, 8)
        kpm = lib.zeros(2, 3, dtype=lib.bool)
        mask = lib.zeros(3, 3)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if which == "mha":
                lib.nn.MultiheadAttention(8, 2)(x, x, x, key_padding_mask=kpm, attn_mask=mask)
            elif which == "encoder_layer":
                lib.nn.TransformerEncoderLayer(8, 2, 16)(x, src_mask=mask, src_key_padding_mask=kpm)
            else:
                layer = lib.nn.TransformerEncoderLayer(8, 2, 16)
                enc = lib.nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
                enc(x, mask=mask, src_key_padding_mask=kpm)
        return [str(w.message) for w in caught if "mismatched" in str(w.message)]

    theirs = run(torch)
    assert theirs and run(ng) == theirs


def test_transformer_stacks_without_layers_raise_index_error_as_torch():
    for lib in (torch, ng):
        enc = lib.nn.TransformerEncoder(
            lib.nn.TransformerEncoderLayer(8, 2, 16), 0, enable_nested_tensor=False
        )
        dec = lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(8, 2, 16), 0)
        with pytest.raises(IndexError):
            enc(lib.zeros(3, 2, 8))
        with pytest.raises(IndexError):
            dec(lib.zeros(3, 2, 8), lib.zeros(4, 2, 8))


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_square_subsequent_mask_in_an_integer_dtype_raises_as_torch(dtype):
    for lib in (torch, ng):
        with pytest.raises(RuntimeError, match="cannot be converted"):
            lib.nn.Transformer.generate_square_subsequent_mask(3, dtype=getattr(lib, dtype))
    with pytest.raises(RuntimeError, match="cannot be converted"):
        ng.full((2,), 300, dtype=ng.uint8)
    np.testing.assert_array_equal(
        ng.full((2,), 1.5, dtype=ng.int64).numpy(), torch.full((2,), 1.5, dtype=torch.int64)
    )
