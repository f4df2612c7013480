"""Factories take torch's keywords: size=, out=, layout, pin_memory, generator ..."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_keyword_and_forms(name):
    f, tf = getattr(ng, name), getattr(torch, name)
    for args, kw in [((2, 3), {}), (((2, 3),), {}), ((), {"size": (2, 3)}), ((), {"size": ()})]:
        a, b = f(*args, **kw), tf(*args, **kw)
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype)[10:] == str(b.dtype)[6:]
    with pytest.raises(TypeError, match="size"):
        f(2, size=(2,))
    out = f(3, dtype=ng.float64, requires_grad=True, layout=None, pin_memory=False)
    assert out.dtype == ng.float64 and out.requires_grad


def test_out_keyword_writes_into_the_given_tensor():
    o = ng.empty(2)
    r = ng.arange(5, out=o)
    assert r is o and o.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]  # resized and cast, as torch
    t = torch.empty(2)
    torch.arange(5, out=t)
    assert t.tolist() == o.tolist()
    z = ng.zeros(3, dtype=ng.int64)
    ng.ones(2, 2, out=z)
    assert z.dtype == ng.int64 and z.tolist() == [[1, 1], [1, 1]]
    e = ng.empty(1)
    ng.eye(2, out=e)
    assert e.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    for f in (ng.linspace, ng.logspace):
        o = ng.empty(1)
        f(0, 1, 3, out=o)
        assert tuple(o.shape) == (3,)
    with pytest.raises(RuntimeError, match="out="):
        ng.zeros(2, out=ng.zeros(2, requires_grad=True))


def test_generator_keyword_reproduces():
    g1, g2 = ng.Generator().manual_seed(3), ng.Generator().manual_seed(3)
    assert ng.rand(size=(4,), generator=g1).tolist() == ng.rand(4, generator=g2).tolist()
    a = ng.randint(0, 10, size=(3,), generator=ng.Generator().manual_seed(1))
    b = ng.randint(0, 10, (3,), generator=ng.Generator().manual_seed(1))
    assert a.tolist() == b.tolist()
    p = ng.randperm(5, generator=ng.Generator().manual_seed(0), requires_grad=False)
    assert sorted(p.tolist()) == list(range(5))


def test_like_factories_accept_memory_format():
    x = ng.ones(2, 3)
    assert ng.zeros_like(x, memory_format=None).shape == (2, 3)
    assert ng.randn_like(x, layout=None).shape == (2, 3)


def test_tensor_accepts_pin_memory():
    assert (
        ng.tensor([1.0], pin_memory=False).tolist()
        == torch.tensor([1.0], pin_memory=False).tolist()
    )


def test_d2l_style_calls():
    assert ng.randn(size=()).shape == torch.randn(size=()).shape
    assert ng.rand(size=(1, 1, 28, 28)).shape == (1, 1, 28, 28)
    assert ng.normal(0, 1, size=(3, 2)).shape == (3, 2)
    assert np.isfinite(ng.normal(0, 0.01, size=(5,))._data).all()
