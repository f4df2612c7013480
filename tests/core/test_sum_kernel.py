"""Full-array float32 sums and means of 2**14 values or more with the compiled kernel
(``ops/_reduce_jit.py``) and with NumPy's fallback: torch's values and gradients, the error
against the exact sum, NaN and infinities, keepdim and every-dim tuples, and arrays the kernel
does not take (strided, float64, partial reductions)."""

import numpy as np
import pytest
import torch
from helpers import assert_close
from kernel_modes import kernel_mode  # noqa: F401 - runs every test with both kernels

import nablagrad as ng

SHAPE = (16, 8, 14, 14)  # 25,088 values: past the kernel's threshold, not a multiple of 1024


def _x(shape=SHAPE, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("op", ["sum", "mean"])
@pytest.mark.parametrize(
    "kwargs", [{}, {"dim": (0, 1, 2, 3)}, {"dim": (0, 1, 2, 3), "keepdim": True}, {"dim": []}]
)
def test_full_reduction_matches_torch(op, kwargs, kernel_mode):  # noqa: F811
    x = _x()
    xn, xt = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yn, yt = getattr(xn, op)(**kwargs), getattr(xt, op)(**kwargs)
    assert tuple(yn.shape) == tuple(yt.shape) and yn.dtype == ng.float32
    assert_close(yn, yt.detach(), 1e-5, 1e-6, f"{op}{kwargs}")
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(np.float32)
    yn.backward(ng.tensor(g))
    yt.backward(torch.tensor(g))
    assert_close(xn.grad, xt.grad, 0, 0, f"{op}{kwargs} gradient")
    if kernel_mode == "compiled":
        from nablagrad.ops import _reduce_jit

        assert _reduce_jit.block_sums._compiled is not None  # it ran (no silent fallback)


@pytest.mark.parametrize("n", [1 << 14, 200_704, (1 << 20) + 3])
def test_sum_error_against_exact(n, kernel_mode):  # noqa: F811
    """Within NumPy's pairwise error of the exact sum (the kernel adds in float64)."""
    if kernel_mode == "numpy":
        pytest.skip("the fallback is NumPy's sum itself")
    x = np.random.default_rng(n).uniform(-0.5, 0.5, n).astype(np.float32)
    exact = float(np.sum(x.astype(np.longdouble)))
    ulp = float(np.spacing(np.float32(abs(exact))))
    got = float(ng.tensor(x).sum())
    numpy_err = abs(float(x.sum()) - exact)
    assert abs(got - exact) <= max(numpy_err, ulp), (got, exact, numpy_err)


def test_non_finite_values(kernel_mode):  # noqa: F811
    x = _x()
    for bad, want in ((np.nan, np.nan), (np.inf, np.inf), (-np.inf, -np.inf)):
        y = x.copy()
        y.reshape(-1)[5000] = bad
        got, ref = float(ng.tensor(y).sum()), float(torch.tensor(y).sum())
        assert np.isnan(got) if np.isnan(want) else got == ref == want
    y = x.copy()
    y.reshape(-1)[[10, 20000]] = [np.inf, -np.inf]
    assert np.isnan(float(ng.tensor(y).sum())) and np.isnan(float(torch.tensor(y).sum()))


def test_arrays_the_kernel_does_not_take():
    """Strided views, float64 and sums over some dims go through NumPy: torch's values."""
    x = _x((32, 8, 14, 28))
    cases = [
        (x[:, :, :, ::2], {}),
        (x.astype(np.float64), {}),
        (x, {"dim": (0, 2, 3)}),
        (x, {"dim": 1, "keepdim": True}),
    ]
    for a, kwargs in cases:
        got, ref = ng.tensor(a).sum(**kwargs), torch.tensor(a).sum(**kwargs)
        assert_close(got, ref, 1e-5, 1e-5, f"sum{kwargs} of {a.dtype} {a.strides}")
