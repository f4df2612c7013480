"""``nn.attention``: SDPBackend and sdpa_kernel against torch's CPU behaviour (which backend
lists run ``scaled_dot_product_attention`` and which raise, and the same results)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.attention as tA
from helpers import assert_close

import nablagrad as ng
import nablagrad.nn.attention as nA

RNG = np.random.default_rng(0)
Q4 = RNG.standard_normal((1, 2, 3, 4)).astype(np.float32)
K4 = RNG.standard_normal((1, 2, 5, 4)).astype(np.float32)
V6 = RNG.standard_normal((1, 2, 5, 6)).astype(np.float32)


def test_sdpbackend_members_match_torch():
    assert list(nA.SDPBackend.__members__) == list(tA.SDPBackend.__members__)
    for name, member in tA.SDPBackend.__members__.items():
        ours = nA.SDPBackend.__members__[name]
        assert int(ours) == int(member) and ours.name == member.name
        assert repr(ours) == repr(member) and str(ours) == str(member)


# (backends by name, query/key/value arrays, kwargs): run under both libraries
CASES = [
    (["MATH"], (Q4, K4, V6), {}),
    (["FLASH_ATTENTION"], (Q4, Q4, Q4), {}),
    (["FLASH_ATTENTION"], (Q4, K4, K4), {"is_causal": True}),
    (["FLASH_ATTENTION", "MATH"], (Q4, K4, V6), {}),
    (["EFFICIENT_ATTENTION", "MATH"], (Q4[0], K4[0], V6[0]), {}),
    (["FLASH_ATTENTION"], (Q4, K4, V6), {}),  # different value width: no flash kernel
    (["FLASH_ATTENTION"], (Q4[0], Q4[0], Q4[0]), {}),  # 3-D: no flash kernel
    (["FLASH_ATTENTION"], (Q4, Q4, Q4), {"dropout_p": 0.5}),  # dropout: no flash kernel
    (["EFFICIENT_ATTENTION"], (Q4, Q4, Q4), {}),
    (["CUDNN_ATTENTION", "OVERRIDEABLE"], (Q4, Q4, Q4), {}),
    (["ERROR"], (Q4, Q4, Q4), {}),
    ([], (Q4, Q4, Q4), {}),
]


def _run(L, A, names, arrays, kwargs):
    q, k, v = (L.tensor(a.copy(), requires_grad=True) for a in arrays)
    with A.sdpa_kernel([getattr(A.SDPBackend, n) for n in names]):
        try:
            out = L.nn.functional.scaled_dot_product_attention(q, k, v, **kwargs)
        except RuntimeError as e:
            return str(e)
    out.sum().backward()
    return out, q.grad


@pytest.mark.parametrize("names,arrays,kwargs", CASES)
def test_backend_choice_matches_torch_on_cpu(names, arrays, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns why a fused kernel was not used
        expected = _run(torch, tA, names, arrays, kwargs)
    got = _run(ng, nA, names, arrays, kwargs)
    if isinstance(expected, str):
        assert isinstance(got, str), f"torch raised {expected!r}, nablagrad ran"
        assert got.startswith(expected.rstrip(".")), (got, expected)
    elif kwargs.get("dropout_p"):
        assert not isinstance(got, str)
    else:
        assert not isinstance(got, str), got
        assert_close(got[0], expected[0], atol=1e-5, rtol=1e-5)
        assert_close(got[1], expected[1], atol=1e-5, rtol=1e-5)


def test_nesting_restores_the_outer_choice_and_all_backends_after():
    q = ng.tensor(Q4[0])
    F = ng.nn.functional
    with nA.sdpa_kernel(nA.SDPBackend.FLASH_ATTENTION):
        with nA.sdpa_kernel([nA.SDPBackend.MATH], set_priority=True):
            F.scaled_dot_product_attention(q, q, q)
        with pytest.raises(RuntimeError, match="No available kernel"):
            F.scaled_dot_product_attention(q, q, q)
    F.scaled_dot_product_attention(q, q, q)


def test_multihead_attention_without_weights_goes_through_sdpa_choice():
    """torch's MultiheadAttention(need_weights=False) calls SDPA: only MATH-free lists that
    exclude CPU kernels refuse it."""
    for L, A in ((ng, nA), (torch, tA)):
        L.manual_seed(0)
        mha = L.nn.MultiheadAttention(4, 2, batch_first=True)
        x = L.tensor(Q4[0])
        with A.sdpa_kernel(A.SDPBackend.EFFICIENT_ATTENTION):
            with pytest.raises(RuntimeError, match="No viable backend"):
                mha(x, x, x, need_weights=False)


def test_bad_backends_argument():
    for A in (nA, tA):
        for bad in ("math", (A.SDPBackend.MATH,)):
            with pytest.raises(AssertionError, match="Backend must be an instance of SDPBackend"):
                with A.sdpa_kernel(bad):
                    pass
