"""``asarray``, ``frombuffer`` and ``typename`` against torch: values, dtypes, memory sharing,
autograd history and torch's errors."""

from __future__ import annotations

import array
import warnings

import numpy as np
import pytest
import torch

import nablagrad as ng

LIBS = [ng, torch]


def _same(a, b):
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert a.requires_grad == b.requires_grad


@pytest.mark.parametrize(
    "make, kw",
    [
        (lambda: 3.5, {}),
        (lambda: True, {}),
        (lambda: [1, 2], {}),
        (lambda: [[1, 2], [3, 4.0]], {}),
        (lambda: (1, 2), {"dtype": "float64"}),
        (lambda: [1, 2], {"dtype": "float16"}),
        (lambda: [1.0, 2], {"requires_grad": True}),
        (lambda: np.float32(3.5), {}),
        (lambda: np.int16(3), {}),
        (lambda: np.arange(4.0), {}),
        (lambda: np.arange(6.0)[::2], {}),
        (lambda: np.ones((2, 3)).T, {}),
        (lambda: np.arange(4.0), {"dtype": "float32"}),
        (lambda: np.ones(2), {"dtype": "int32"}),
        (lambda: np.arange(4.0), {"requires_grad": True}),
        (lambda: bytearray(b"\x00\x00\x80?\x00\x00\x00@"), {}),
        (lambda: bytearray(b"abcd"), {"dtype": "uint8"}),
        (lambda: bytearray(b"abcd"), {"dtype": "int16", "copy": True}),
        (lambda: memoryview(bytearray(b"abcd")), {"dtype": "uint8"}),
        (lambda: array.array("d", [1, 2, 3]), {"dtype": "float64"}),
        (lambda: array.array("i", [1, 2, 3]), {"dtype": "int32"}),
        (lambda: array.array("d", [1, 2, 3]), {}),  # its bytes read as float32
    ],
)
def test_values_dtypes_like_torch(make, kw):
    outs = []
    for L in LIBS:
        opts = {k: getattr(L, v) if k == "dtype" else v for k, v in kw.items()}
        outs.append(L.asarray(make(), **opts))
    _same(*outs)


@pytest.mark.parametrize("L", LIBS)
def test_memory_sharing_rules(L):
    a = np.arange(4.0)
    shared, copied, cast = L.asarray(a), L.asarray(a, copy=True), L.asarray(a, dtype=L.float32)
    a[0] = 9.0
    assert shared[0].item() == 9.0 and copied[0].item() == 0.0 and cast[0].item() == 0.0
    shared[1] = 7.0  # and the other way round
    assert a[1] == 7.0
    t = L.asarray(a, requires_grad=True)
    a[2] = 5.0
    assert t[2].item() == 5.0 and t.requires_grad and t.is_leaf
    buf = bytearray(8)
    L.asarray(buf, dtype=L.int32)[0] = 5
    assert buf[:4] == b"\x05\x00\x00\x00"
    L.asarray(buf, dtype=L.int32, copy=True)[1] = 5
    assert buf[4:] == bytes(4)
    z = L.ones(2)
    assert L.asarray(z) is z and L.asarray(z, dtype=L.float32) is z
    assert L.asarray(z, copy=True) is not z
    assert L.asarray(z, requires_grad=True) is z and z.requires_grad  # set on z itself
    # a list is always copied
    data = [1.0, 2.0]
    L.asarray(data)[0] = 5.0
    assert data[0] == 1.0


@pytest.mark.parametrize("L", LIBS)
def test_tensor_history_is_kept_or_dropped(L):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert L.asarray(y) is y
    if L is ng:  # (torch warns once per process, so its warning may have gone already)
        assert any("unspecified requires_grad" in str(m.message) for m in w)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # passing requires_grad (even None) silences it
        assert L.asarray(y, requires_grad=None) is y
        assert L.asarray(x, copy=False, requires_grad=None) is x
        d = L.asarray(y, requires_grad=False)
        c = L.asarray(y, copy=True, requires_grad=None)
        w64 = L.asarray(y, dtype=L.float64, requires_grad=None)
    assert not d.requires_grad and d.grad_fn is None
    assert c.grad_fn is not None and w64.dtype == L.float64 and w64.grad_fn is not None
    (c.sum() + (w64 * 3).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [8.0, 8.0, 8.0])
    d[0] = 10.0  # shares memory with y
    assert y[0].item() == 10.0


@pytest.mark.parametrize(
    "call, err, match",
    [
        (lambda L: L.asarray(L.ones(2), dtype=L.float64, copy=False), ValueError, "can't alias"),
        (lambda L: L.asarray(np.ones(2), dtype=L.float32, copy=False), ValueError, "alias"),
        (lambda L: L.asarray([1, 2], copy=False), ValueError, "can't alias arbitrary sequence"),
        (lambda L: L.asarray(3.5, copy=False), ValueError, "can't alias arbitrary sequence"),
        (lambda L: L.asarray(np.float64(3.5), copy=False), RuntimeError, "alias NumPy scalars"),
        (lambda L: L.asarray([1, 2], requires_grad=True), RuntimeError, "floating point"),
        (lambda L: L.asarray(np.arange(4), requires_grad=True), RuntimeError, "floating point"),
        (lambda L: L.asarray(L.ones(2, dtype=L.long), requires_grad=True), RuntimeError, "float"),
        (lambda L: L.asarray(b"abc"), ValueError, "multiple of element size"),
        (lambda L: L.asarray(bytearray()), ValueError, "must not be 0"),
        (lambda L: L.asarray(np.arange(4.0).astype(">f8")), ValueError, "byte order"),
        (lambda L: L.asarray(None), (RuntimeError, TypeError), None),
        (lambda L: L.asarray("abc"), TypeError, "str"),
        (lambda L: L.asarray(np.ones(2), foo=1), TypeError, "foo"),
    ],
)
def test_errors_like_torch(call, err, match):
    for L in LIBS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(err, match=match):
                call(L)


@pytest.mark.parametrize(
    "kw",
    [
        {"dtype": "int32"},
        {"dtype": "int32", "count": 2, "offset": 4},
        {"dtype": "int16", "offset": 14},
        {"dtype": "uint8", "count": 3},
        {"dtype": "float32", "requires_grad": True},
        {"dtype": "float64", "count": -5},
    ],
)
def test_frombuffer_like_torch(kw):
    outs, bufs = [], []
    for L in LIBS:
        buf = bytearray(np.arange(16, dtype=np.uint8).tobytes())
        opts = {k: getattr(L, v) if k == "dtype" else v for k, v in kw.items()}
        t = L.frombuffer(buf, **opts)
        outs.append(t)
        with L.no_grad():
            t[0] = 1  # shares memory
        bufs.append(bytes(buf))
    _same(*outs)
    assert bufs[0] == bufs[1] and bufs[0] != bytes(range(16))


@pytest.mark.parametrize(
    "buf, kw, err, match",
    [
        (bytearray(16), {"count": 4, "offset": 4}, ValueError, "must not be greater"),
        (bytearray(16), {"offset": 3}, ValueError, "multiple of element size"),
        (bytearray(16), {"offset": 16}, ValueError, "offset"),
        (bytearray(16), {"offset": -1}, ValueError, "offset"),
        (bytearray(16), {"count": 0}, ValueError, "must not be 0"),
        ([1, 2], {}, ValueError, "buffer protocol"),
        (memoryview(bytearray(16))[::2], {}, RuntimeError, "could not retrieve buffer"),
        (bytearray(16), {"requires_grad": True}, RuntimeError, "floating point"),
    ],
)
def test_frombuffer_errors_like_torch(buf, kw, err, match):
    for L in LIBS:
        with pytest.raises(err, match=match):
            L.frombuffer(buf, dtype=L.int32, **kw)
    with pytest.raises(TypeError):
        ng.frombuffer(bytearray(4))  # dtype is required, as in torch


def test_frombuffer_on_read_only_bytes_warns():
    # (torch warns once per process, so only ours is checked for the warning)
    with pytest.warns(UserWarning, match="not writable"):
        t = ng.frombuffer(b"abcd", dtype=ng.uint8)
    assert t.tolist() == [97, 98, 99, 100]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert torch.frombuffer(b"abcd", dtype=torch.uint8).tolist() == t.tolist()


@pytest.mark.parametrize(
    "obj",
    [
        lambda L: L.ones(2),
        lambda L: L.tensor([1, 2]),
        lambda L: L.ones(2, dtype=L.bool),
        lambda L: L.ones(2, dtype=L.float16),
        lambda L: L.ones(2, dtype=L.float64),
        lambda L: L.nn.Parameter(L.ones(2)),
        lambda L: 3,
        lambda L: str,
        lambda L: np.ones(2),
        lambda L: len,
    ],
)
def test_typename_like_torch(obj):
    assert ng.typename(obj(ng)).replace("nablagrad", "torch") == torch.typename(obj(torch))


def test_typename_of_classes_and_modules():
    assert ng.typename(ng.nn.Linear) == "nablagrad.nn.linear.Linear"
    assert ng.typename(ng.nn.Linear(2, 2)) == "nablagrad.nn.linear.Linear"
    assert ng.typename(ng.Tensor) == "nablagrad.tensor.Tensor"
