"""Reductions at ties, constant inputs and NaN: values and gradients as torch gives them.

torch shares the gradient of a whole-tensor median evenly between the elements equal to it
(the NaN ones when it is NaN), gives a constant input's standard deviation a zero gradient
(not sqrt's infinite one times zero), and warns when a variance has no degrees of freedom.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import nablagrad as ng

NAN = math.nan
CASES = [
    [[3.0, 1.0, 3.0, 1.0], [2.0, 2.0, 0.0, 2.0]],  # the median 2 three times
    [[1.0, NAN, 3.0, NAN]],  # NaN: median NaN, nanmedian 1
    [[NAN, NAN]],
    [[5.0, 5.0, 5.0]],
    [[-1.0, 4.0, 0.5, 2.0, 4.0]],
]
FUNCTIONS = {
    "median": lambda m, x: m.median(x),
    "nanmedian": lambda m, x: m.nanmedian(x),
    "std": lambda m, x: m.std(x),
    "std dim 1 correction 0": lambda m, x: m.std(x, 1, correction=0),
    "std keepdim": lambda m, x: x.std(dim=-1, keepdim=True),
    "std_mean": lambda m, x: m.std_mean(x, 1)[0],
    "var": lambda m, x: m.var(x, 1),
}


def _run(mod, fn, values) -> tuple:
    x = mod.tensor(values, requires_grad=True)
    y = fn(mod, x)
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("values", CASES)
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_values_and_gradients_match_torch(name: str, values: list) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # [[NaN, NaN]] etc. are fine; see the test below
        want = _run(torch, FUNCTIONS[name], values)
        got = _run(ng, FUNCTIONS[name], values)
    for w, g in zip(want, got):
        assert w.shape == g.shape
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7, equal_nan=True)


@pytest.mark.parametrize("fn", ["var", "std"])
def test_no_degrees_of_freedom_warns_as_torch(fn: str) -> None:
    for mod in (torch, ng):
        with pytest.warns(UserWarning, match=rf"{fn}\(\): degrees of freedom is <= 0"):
            getattr(mod.tensor([1.0, 2.0]), fn)(correction=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ng.tensor([1.0, 2.0]).std()  # one degree of freedom: no warning


@pytest.mark.parametrize("reduce", ["amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_scatter_reduce_extreme_shares_ties_as_torch(reduce: str, include_self: bool, seed: int):
    """Small integer values make ties common, between sources and with the position's own
    value; torch counts that value among the ties even when it is not included."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, (3, 4)).astype(np.float32)
    s = rng.integers(0, 3, (3, 5)).astype(np.float32)
    idx = rng.integers(0, 4, (3, 5))
    g = rng.standard_normal((3, 4)).astype(np.float32)
    results = []
    for mod in (torch, ng):
        xt, st = mod.tensor(x, requires_grad=True), mod.tensor(s, requires_grad=True)
        out = xt.scatter_reduce(1, mod.tensor(idx), st, reduce, include_self=include_self)
        out.backward(mod.tensor(g))
        results.append([out.detach().numpy(), xt.grad.numpy(), st.grad.numpy()])
    for want, got in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
