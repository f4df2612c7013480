"""Storages against torch: ``untyped_storage()``/``storage()`` and their accessors, shared
memory between views, ``set_``, ``is_set_to`` and ``as_strided_``."""

import warnings

import numpy as np
import pytest
import torch

import nablagrad as ng


def _x(L):
    return L.arange(6.0).reshape(2, 3)


def _typed(t):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return t.storage()


def test_exported_as_torch():
    assert ng.UntypedStorage is ng.storage.UntypedStorage
    assert ng.TypedStorage is ng.storage.TypedStorage
    assert isinstance(_x(ng).untyped_storage(), ng.UntypedStorage)
    assert isinstance(_typed(_x(ng)), ng.TypedStorage)


VIEWS = {
    "whole": lambda x: x,
    "transposed": lambda x: x.t(),
    "row": lambda x: x[1],
    "slice": lambda x: x[:, 1:],
    "view": lambda x: x.view(6),
    "expanded": lambda x: x[:1].expand(4, 3),
}


@pytest.mark.parametrize("view", list(VIEWS))
def test_untyped_storage_matches_torch(view):
    def facts(L):
        x = _x(L)
        v = VIEWS[view](x)
        u = v.untyped_storage()
        return {
            "same base": u.data_ptr() == x.untyped_storage().data_ptr() == x.data_ptr(),
            "offset": v.data_ptr() - u.data_ptr(),
            "nbytes": u.nbytes(),
            "size": u.size(),
            "len": len(u),
            "element_size": u.element_size(),
            "device": str(u.device),
            "tolist": u.tolist(),
            "items": [u[0], u[7], u[-1]],
            "slice": u[4:8].tolist(),
            "shared": u.is_shared(),
        }

    assert facts(ng) == facts(torch)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int16", "bool"])
def test_typed_storage_matches_torch(dtype):
    def facts(L):
        x = L.tensor([[1, 0, 3], [4, 5, 0]]).to(getattr(L, dtype)).t()
        s = _typed(x)
        return {
            "dtype": str(s.dtype).split(".")[-1],
            "size": s.size(),
            "len": len(s),
            "element_size": s.element_size(),
            "nbytes": s.nbytes(),
            "values": s.tolist(),
            "item": s[1],
            "ptr": s.data_ptr() == x.untyped_storage().data_ptr(),
            "untyped": s.untyped().nbytes(),
            "shared": s.is_shared(),
        }

    assert facts(ng) == facts(torch)


def test_typed_storage_warns_once_as_torch(monkeypatch):
    monkeypatch.setattr(ng.storage, "_warned", False)
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        _x(ng).storage()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _x(ng).storage()  # once per process, as torch


def test_storage_writes_reach_the_tensor():
    for L in (ng, torch):
        x = L.zeros(2, 3)
        _typed(x.t())[4] = 7.0
        x.untyped_storage()[0:4].fill_(0)
        assert x.tolist() == [[0.0, 0.0, 0.0], [0.0, 7.0, 0.0]]


def test_new_storages_and_errors():
    u = ng.UntypedStorage(5)
    assert u.nbytes() == 5 == torch.UntypedStorage(5).nbytes()
    for L in (ng, torch):
        s = _x(L).untyped_storage()
        with pytest.raises(IndexError, match="out of range"):
            s[100]
    with pytest.raises(TypeError, match="non-negative int"):
        ng.UntypedStorage(-1)
    with pytest.raises(RuntimeError, match="SparseTensorImpl"):
        ng.eye(2).to_sparse().untyped_storage()


def test_share_memory_is_seen_by_the_storage():
    x = ng.zeros(3, 4)
    assert not x.untyped_storage().is_shared()
    x.share_memory_()
    assert x.t().untyped_storage().is_shared() and _typed(x[1]).is_shared()


SETS = {
    "tensor": lambda L, x: L.empty(0).set_(x),
    "transposed tensor": lambda L, x: L.empty(0).set_(x.t()),
    "untyped storage": lambda L, x: L.empty(0).set_(x.untyped_storage(), 1, (2, 2), (1, 2)),
    "typed storage": lambda L, x: L.empty(0).set_(_typed(x), 1, (2, 2)),
    "whole storage": lambda L, x: L.empty(0).set_(_typed(x)),
    "nothing": lambda L, x: L.ones(3).set_(),
}


@pytest.mark.parametrize("name", list(SETS))
def test_set_matches_torch(name):
    def run(L):
        x = _x(L)
        y = SETS[name](L, x)
        same = y.numel() == 0 or y.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
        facts = (y.tolist(), tuple(y.shape), y.stride(), y.storage_offset(), same)
        if y.numel():
            y.fill_(-1.0)  # writes through to x
        return facts, x.tolist(), y.is_set_to(x)

    assert run(ng) == run(torch)


def test_set_errors_match_torch():
    for L in (ng, torch):
        x = _x(L)
        with pytest.raises(RuntimeError, match="Could not set tensor of type float to a tensor"):
            L.empty(0, dtype=L.float64).set_(x)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            L.zeros(2, requires_grad=True).set_(x)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            L.zeros(2, requires_grad=True).as_strided_((1,), (1,))
    with ng.no_grad():
        assert ng.zeros(2, requires_grad=True).set_(_x(ng)).shape == (2, 3)
    with pytest.raises(RuntimeError, match="does not grow a storage"):
        ng.empty(0).set_(_x(ng).untyped_storage(), 5, (2, 2), (1, 2))


def test_is_set_to_matches_torch():
    def run(L):
        x = _x(L)
        return [
            x.is_set_to(x),
            x.is_set_to(x.view(2, 3)),
            x.is_set_to(x.t()),
            x.is_set_to(x[:1]),
            x.is_set_to(x.clone()),
            x[1:].is_set_to(L.empty(0).set_(x.untyped_storage(), 3, (1, 3))),
        ]

    assert run(ng) == run(torch)


def test_as_strided_in_place_matches_torch():
    def run(L):
        x = L.arange(8.0)
        v = x[2:]
        out = v.as_strided_((2, 2), (1, 3))  # offset: the view's own (2)
        w = x.clone().as_strided_((3,), (2,), 1)
        v.fill_(0.0)
        return out is v, v.tolist(), v.stride(), v.storage_offset(), w.tolist(), x.tolist()

    assert run(ng) == run(torch)


def test_storage_on_a_device(device):
    x = ng.arange(6.0, device=device).reshape(2, 3)
    u = x.t().untyped_storage()
    assert u.device.type == device and u.nbytes() == 24
    assert u.data_ptr() == x.data_ptr()
    assert _typed(x).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    y = ng.empty(0, device=device).set_(u, 1, (2, 2), (1, 2))
    np.testing.assert_array_equal(y.cpu().numpy(), [[1.0, 3.0], [2.0, 4.0]])
    assert u.cpu().tolist()[4:8] == [0, 0, 128, 63]


def test_resize_keeps_bytes_as_torch():
    for L in (torch, ng):
        s = L.UntypedStorage(4).fill_(7)
        assert s.resizable()
        assert s.resize_(8) is s
        assert (s.size(), s.nbytes(), s.tolist()[:4]) == (8, 8, [7, 7, 7, 7])
        s.resize_(2)
        assert s.tolist() == [7, 7]
        s.resize_(0)
        assert (s.size(), s.tolist()) == (0, [])


@pytest.mark.parametrize("size", [2.0, "a", True, -1])
def test_resize_refuses_as_torch(size):
    for L in (torch, ng):
        with pytest.raises(RuntimeError):
            L.UntypedStorage(4).resize_(size)


def test_resize_of_numpy_backed_storage_refused_as_torch_from_numpy():
    # nablagrad's tensors live in NumPy arrays, like torch.from_numpy's
    t = torch.from_numpy(np.zeros(3)).untyped_storage()
    n = ng.zeros(3, dtype=ng.float64).untyped_storage()
    assert n.resizable() == t.resizable() is False
    for s in (t, n):
        with pytest.raises(RuntimeError, match="not resizable"):
            s.resize_(8)
    s = ng.UntypedStorage(16)
    ng.empty(0).set_(s)  # a tensor now views it
    assert not s.resizable()


def test_typed_storage_resize_and_share():
    for L in (torch, ng):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = L.TypedStorage(3, dtype=L.float32)
        assert s.resize_(5) is None
        assert (s.size(), s.nbytes()) == (5, 20)
        assert s.share_memory_() is s and s.is_shared()


def test_share_memory_keeps_bytes_as_torch():
    for L in (torch, ng):
        s = L.UntypedStorage(4).fill_(3)
        assert not s.is_shared()
        assert s.share_memory_() is s
        assert s.is_shared() and s.tolist() == [3, 3, 3, 3] and s.size() == 4
        assert L.UntypedStorage(0).share_memory_().is_shared()
        x = L.zeros(3)
        x.share_memory_()
        assert x.untyped_storage().is_shared()
        assert x.untyped_storage().share_memory_().is_shared()


def test_share_memory_of_tensor_storage_points_at_the_tensor():
    with pytest.raises(RuntimeError, match="tensor.share_memory_"):
        ng.zeros(3).untyped_storage().share_memory_()
    with pytest.raises(RuntimeError, match="shared memory cannot be resized"):
        ng.UntypedStorage(4).share_memory_().resize_(8)
