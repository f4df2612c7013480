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
