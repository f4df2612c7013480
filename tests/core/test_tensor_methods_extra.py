"""Less common Tensor methods against torch: ``dim_order``, ``map2_``, the deprecated
out-of-place ``resize``/``resize_as``, ``const_data_ptr``."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng

LAYOUTS = [
    lambda L: L.zeros(2, 3, 4),
    lambda L: L.zeros(2, 3, 4).permute(2, 0, 1),
    lambda L: L.zeros(2, 3, 4).transpose(0, 2),
    lambda L: L.zeros(2, 1, 4),
    lambda L: L.zeros(2, 3, 4, 5).to(memory_format=L.channels_last),
    lambda L: L.zeros(2, 3, 1, 1).to(memory_format=L.channels_last),
    lambda L: L.empty(2, 3, 4, 1, memory_format=L.channels_last),
    lambda L: L.zeros(2, 1, 4, 5).to(memory_format=L.channels_last),
    lambda L: L.zeros(4, 6)[:, ::2],
    lambda L: L.zeros(3).expand(2, 3),
    lambda L: L.zeros(()),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    "check", [False, True, "formats"], ids=["plain", "ambiguity", "memory_formats"]
)
def test_dim_order_matches_torch(layout, check) -> None:
    def run(mod):
        t = layout(mod)
        arg = [mod.contiguous_format, mod.channels_last] if check == "formats" else check
        if check == "formats" and t.ndim != 4:
            arg = [mod.contiguous_format]
        try:
            return t.dim_order(ambiguity_check=arg)
        except RuntimeError as e:
            return ("error", str(e))

    assert run(ng) == run(torch)


def test_map2_matches_torch() -> None:
    results = []
    for mod in (torch, ng):
        t = mod.tensor([[1.0, 2.0], [3.0, 4.0]])
        t.map2_(mod.tensor([10.0, 20.0]), mod.tensor([[2.0], [3.0]]), lambda a, b, c: a + b * c)
        results.append(t.numpy())
    np.testing.assert_array_equal(results[1], results[0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        ng.ones(2, requires_grad=True).map2_(ng.ones(2), ng.ones(2), lambda a, b, c: a)


@pytest.mark.parametrize("how", ["resize", "resize_as"])
def test_out_of_place_resize_is_a_deprecated_reshape(how: str) -> None:
    grads = []
    for mod in (torch, ng):
        x = mod.arange(6.0, requires_grad=True)
        with pytest.warns(UserWarning, match=f"non-inplace {how} is deprecated"):
            y = x.resize(2, 3) if how == "resize" else x.resize_as(mod.zeros(2, 3))
        assert tuple(y.shape) == (2, 3)
        (y * mod.arange(6.0).reshape(2, 3)).sum().backward()
        grads.append(x.grad.numpy())
        with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="requested resize to 4"):
            x.resize(4)
    np.testing.assert_array_equal(grads[1], grads[0])


def test_const_data_ptr_is_data_ptr() -> None:
    t = ng.arange(6.0)[2:]
    assert t.const_data_ptr() == t.data_ptr() != ng.arange(6.0).data_ptr()


# -- as_subclass and module_load ------------------------------------------------------------


@pytest.mark.parametrize("lib", [ng, torch], ids=["nablagrad", "torch"])
def test_as_subclass_shares_data_and_graph_like_torch(lib):
    class Tagged(lib.Tensor):
        def __init__(self, *args, **kwargs):  # not called, as torch's
            raise AssertionError("as_subclass must not call __init__")

    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x.as_subclass(Tagged)
    assert type(y) is Tagged and y.requires_grad and not y.is_leaf
    assert y.data_ptr() == x.data_ptr() and y._base is x
    (y * lib.tensor([3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])
    plain = lib.zeros(2)
    sub = plain.as_subclass(Tagged)
    assert sub.is_leaf and not sub.requires_grad
    sub.add_(1)
    np.testing.assert_array_equal(plain.numpy(), [1.0, 1.0])  # the same memory
    param = lib.ones(2).as_subclass(lib.nn.Parameter)
    assert type(param) is lib.nn.Parameter and not param.requires_grad
    assert type(lib.ones(2).as_subclass(lib.Tensor)) is lib.Tensor
    with pytest.raises(TypeError, match="inherit from Tensor"):
        lib.ones(2).as_subclass(int)
    with pytest.raises(TypeError, match="must be a type"):
        lib.ones(2).as_subclass(3)


@pytest.mark.parametrize("lib", [ng, torch], ids=["nablagrad", "torch"])
def test_module_load_default_like_torch(lib):
    p = lib.zeros(2)
    out = p.module_load(lib.tensor([1, 2]))
    assert out.dtype == lib.float32 and not out.requires_grad
    np.testing.assert_array_equal(p.numpy(), [1.0, 2.0])  # copied into self
    assert out.data_ptr() == p.data_ptr()
    other = lib.ones(2, requires_grad=True)
    assigned = lib.zeros(2).module_load(other, assign=True)
    assert assigned.data_ptr() == other.data_ptr() and not assigned.requires_grad
    leaf = lib.zeros(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.module_load(lib.ones(2))
    with lib.no_grad():
        kept = leaf.module_load(lib.ones(2))
    assert not kept.requires_grad and leaf.requires_grad


@pytest.mark.parametrize(
    "call, replacement",
    [
        (lambda t: t.eig(), "linalg.eig"),
        (lambda t: t.eig(eigenvectors=True), "linalg.eig"),
        (lambda t: t.symeig(True), "linalg.eigh"),
        (lambda t: t.lstsq(t), "linalg.lstsq"),
        (lambda t: t.solve(t), "linalg.solve"),
    ],
)
def test_methods_removed_in_torch_1_9_raise_like_torch(call, replacement):
    for lib in (ng, torch):
        with pytest.raises(RuntimeError, match="deprecated since version 1.9 and is now removed"):
            call(lib.eye(2))
    with pytest.raises(RuntimeError, match=replacement):
        call(ng.eye(2))
