"""where/clamp backward select the gradient (torch's ``where(mask, grad, 0)``): a NaN or inf
gradient arriving for an unselected branch or a clamped entry is dropped, not multiplied by 0
(which would give NaN).  Against torch, with the gradient graph built (create_graph)."""

from __future__ import annotations

import numpy as np
import torch

import nablagrad as ng

NAN = float("nan")


def _both(fn, x, g):
    out = []
    for lib in (ng, torch):
        t = lib.tensor(x, requires_grad=True)
        y = fn(lib, t)
        for create_graph in (False, True):
            (gx,) = lib.autograd.grad(
                y, t, lib.tensor(g), create_graph=create_graph, retain_graph=True
            )
            out.append((gx.detach().numpy(), create_graph))
    return out


def test_where_drops_a_nan_gradient_of_the_unselected_branch():
    fn = lambda lib, t: lib.where(t > 0, t * t, lib.zeros_like(t))  # noqa: E731
    results = _both(fn, np.array([1.0, -2.0]), np.array([1.0, NAN]))
    for got, _ in results:
        np.testing.assert_array_equal(got, [2.0, 0.0])


def test_clamp_drops_a_nan_gradient_outside_the_range():
    for fn in (
        lambda lib, t: t.clamp(min=1.0),
        lambda lib, t: t.clamp(min=lib.tensor(1.0, dtype=lib.float64)),
        lambda lib, t: t.clamp(1.0, 3.0),
    ):
        for got, _ in _both(fn, np.array([0.5, 2.0]), np.array([NAN, 1.0])):
            np.testing.assert_array_equal(got, [0.0, 1.0])
