"""torch.testing.make_tensor and the deprecated assert_allclose, against torch: value ranges
per dtype (defaults, clamping, integer rounding), the argument errors, noncontiguous,
memory_format, exclude_zero and requires_grad; assert_allclose's own default tolerances."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import nablagrad as ng

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _make(L, *shape, dtype, **kw):
    return L.testing.make_tensor(*shape, dtype=getattr(L, dtype), device="cpu", **kw)


def _range(t):
    a = t.detach().numpy().astype(np.float64)
    return a.min(), a.max()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bounds", [{}, {"low": 2, "high": 5}, {"low": -3.5, "high": 0.5}])
def test_make_tensor_value_ranges_match_torch(dtype, bounds):
    if dtype in ("bool", "uint8") and bounds.get("low", 0) < 0:
        bounds = {"low": -3.5, "high": 2}  # clamped to 0 below
    if dtype == "bool" and bounds.get("low") == 2:
        for L in (ng, torch):  # [2, 5) is outside bool's [0, 2)
            with pytest.raises(ValueError, match=r"only supports \[0, 2\)"):
                _make(L, 3, dtype=dtype, **bounds)
        return
    ng.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = _make(ng, 4000, dtype=dtype, **bounds), _make(torch, 4000, dtype=dtype, **bounds)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    lo_n, hi_n = _range(ours)
    lo_t, hi_t = _range(theirs)
    if dtype in ("bool", "uint8", "int8", "int16", "int32", "int64"):
        # 4000 draws from at most 19 integers: both reach the same extremes
        assert (lo_n, hi_n) == (lo_t, hi_t)
    else:
        low = bounds.get("low", -9)
        high = bounds.get("high", 9)
        assert low <= lo_n and hi_n < high or (dtype == "float16" and hi_n <= high)
        assert abs(lo_n - lo_t) < 0.02 * (high - low) and abs(hi_n - hi_t) < 0.02 * (high - low)


def test_make_tensor_shapes_and_layouts_match_torch():
    for shape in [(), (3,), ((2, 3),), ([2, 3],), (2, 3, 4)]:
        for L in (ng, torch):
            t = _make(L, *shape, dtype="float32")
            assert tuple(t.shape) == tuple(_make(torch, *shape, dtype="float32").shape)
    for L in (ng, torch):
        nc = _make(L, 3, 4, dtype="float32", noncontiguous=True)
        assert tuple(nc.shape) == (3, 4) and not nc.is_contiguous()
        one = _make(L, 1, dtype="float32", noncontiguous=True)  # fewer than two elements
        assert one.is_contiguous()
        cl = _make(L, 2, 3, 4, 5, dtype="float32", memory_format=L.channels_last)
        assert cl.is_contiguous(memory_format=L.channels_last)
    ours = _make(ng, 3, 4, dtype="float64", noncontiguous=True)
    theirs = _make(torch, 3, 4, dtype="float64", noncontiguous=True)
    assert ours.stride() == theirs.stride()


@pytest.mark.parametrize("dtype", ["bool", "int8", "int64", "float16", "float32", "float64"])
def test_make_tensor_exclude_zero_and_requires_grad(dtype):
    for L in (ng, torch):
        t = _make(L, 3000, dtype=dtype, low=0, high=2, exclude_zero=True)
        assert bool(t.ne(0).all())
        if dtype.startswith("float"):
            tiny = L.finfo(getattr(L, dtype)).tiny
            assert _range(t)[0] >= tiny
            assert _make(L, 2, dtype=dtype, requires_grad=True).requires_grad
        else:
            assert _range(t) == (1.0, 1.0)
            with pytest.raises(ValueError, match="`requires_grad=True` is not supported"):
                _make(L, 2, dtype=dtype, requires_grad=True)


def test_make_tensor_errors_match_torch():
    cases = [
        ({"dtype": "float32", "low": 3, "high": 1}, ValueError, "`low` must be less than `high`"),
        ({"dtype": "int64", "low": 2, "high": 2}, ValueError, "`low` must be less than `high`"),
        ({"dtype": "float32", "low": float("nan")}, ValueError, "cannot be NaN"),
        ({"dtype": "uint8", "low": -10, "high": -2}, ValueError, "only supports"),
        ({"dtype": "int8", "low": 200, "high": 300}, ValueError, "only supports"),
        (
            {"dtype": "float32", "noncontiguous": True, "memory_format": "cl"},
            ValueError,
            "mutually exclusive",
        ),
    ]
    for kw, exc, match in cases:
        for L in (ng, torch):
            kw2 = dict(kw)
            if kw2.get("memory_format") == "cl":
                kw2["memory_format"] = L.channels_last
            with pytest.raises(exc, match=match):
                _make(L, 2, 3, 4, 5, **kw2)
    for L in (ng, torch):
        with pytest.warns(FutureWarning, match="low==high"):
            t = _make(L, 3, dtype="float64", low=1.5, high=1.5)
        assert t.tolist() == [1.5, 1.5, 1.5]
        # bounds beyond the dtype's range are clamped
        big = _make(L, 100, dtype="int8", low=-1000, high=1000)
        assert -128 <= _range(big)[0] and _range(big)[1] <= 127
        huge = _make(L, 100, dtype="float16", low=-1e10, high=1e10)
        assert np.isfinite(huge.numpy().astype(np.float64)).all()


def test_assert_allclose_is_deprecated_with_its_own_tolerances():
    pairs = [
        (([1.0, 2.0], [1.00005, 2.0]), True),  # within float32's (1e-4, 1e-5)
        (([1.0, 2.0], [1.0005, 2.0]), False),
        (([1.0, float("nan")], [1.0, float("nan")]), True),  # equal_nan defaults to True
    ]
    for L in (ng, torch):
        for (a, e), ok in pairs:
            with pytest.warns(FutureWarning, match="assert_allclose\\(\\)` is deprecated"):
                if ok:
                    L.testing.assert_allclose(L.tensor(a), e)
                else:
                    with pytest.raises(AssertionError, match="not close"):
                        L.testing.assert_allclose(L.tensor(a), e)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # float64 defaults (1e-5, 1e-8); dtypes are not compared
            L.testing.assert_allclose(L.tensor([1.0], dtype=L.float64), L.tensor([1.000001]))
            with pytest.raises(AssertionError):
                L.testing.assert_allclose(L.tensor([1.0], dtype=L.float64), [1.0001])
            with pytest.raises(AssertionError):
                L.testing.assert_allclose(
                    L.tensor([1.0, float("nan")]), [1.0, float("nan")], equal_nan=False
                )
            L.testing.assert_allclose(L.tensor([1, 2]), [1, 2])
            with pytest.raises(AssertionError):
                L.testing.assert_allclose(L.tensor([1, 2]), [1, 3])
            L.testing.assert_allclose(1.0, 1.05, rtol=0.1, atol=0.0)


def test_assert_close_reports_the_greatest_mismatch_like_torch():
    msgs = []
    for L in (ng, torch):
        with pytest.raises(AssertionError) as info:
            L.testing.assert_close(
                L.tensor([1.0, float("nan")]), L.tensor([1.5, float("nan")]), equal_nan=True
            )
        msgs.append(str(info.value).splitlines()[3])
    assert msgs[0] == msgs[1]  # the NaN pair matched: it is not the greatest difference
