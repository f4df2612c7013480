"""Compiled kernels of training-mode batch norm (``batchnorm``): Numba, float32/float64.

Every kernel walks x (or g) viewed as (N, C, L) plane by plane with the innermost loop over
the contiguous L axis (vectorised); per-channel sums are accumulated per plane in the array's
dtype and across planes in float64 (the caller's ``out`` arrays).  Compiled on first call
(``backend.LazyKernel``); the caller checks ``backend.jit_available()``.
"""

from __future__ import annotations

from typing import Any

from ..backend import LazyKernel, prefer_wide_vectors


def _sums(x: Any, out: Any, zero: Any) -> None:
    """out[c] += sum of x[:, c, :]."""
    prefer_wide_vectors()
    n_, c_, l_ = x.shape
    for n in range(n_):
        for c in range(c_):
            plane = x[n, c]
            s = zero
            for t in range(l_):
                s += plane[t]
            out[c] += s


def _square_deviation_sums(x: Any, mean: Any, out: Any, zero: Any) -> None:
    """out[c] += sum of (x[:, c, :] - mean[c])^2."""
    prefer_wide_vectors()
    n_, c_, l_ = x.shape
    for n in range(n_):
        for c in range(c_):
            plane, mu = x[n, c], mean[c]
            s = zero
            for t in range(l_):
                d = plane[t] - mu
                s += d * d
            out[c] += s


def _normalize(x: Any, mean: Any, scale: Any, shift: Any, y: Any) -> None:
    """y[:, c, :] = (x[:, c, :] - mean[c]) * scale[c] + shift[c]."""
    prefer_wide_vectors()
    n_, c_, l_ = x.shape
    for n in range(n_):
        for c in range(c_):
            src, dst = x[n, c], y[n, c]
            mu, a, b = mean[c], scale[c], shift[c]
            for t in range(l_):
                dst[t] = (src[t] - mu) * a + b


def _gradient_sums(g: Any, x: Any, mean: Any, sg: Any, sgc: Any, zero: Any) -> None:
    """sg[c] += sum of g[:, c, :]; sgc[c] += sum of g[:, c, :] * (x[:, c, :] - mean[c])."""
    prefer_wide_vectors()
    n_, c_, l_ = x.shape
    for n in range(n_):
        for c in range(c_):
            gp, xp_, mu = g[n, c], x[n, c], mean[c]
            s, sc = zero, zero
            for t in range(l_):
                s += gp[t]
                sc += gp[t] * (xp_[t] - mu)
            sg[c] += s
            sgc[c] += sc


def _input_grad(g: Any, x: Any, mean: Any, a: Any, k: Any, const: Any, gx: Any) -> None:
    """gx[:, c, :] = a[c] * g + k[c] * (x - mean[c]) + const[c]."""
    prefer_wide_vectors()
    n_, c_, l_ = x.shape
    for n in range(n_):
        for c in range(c_):
            gp, xp_, dst = g[n, c], x[n, c], gx[n, c]
            mu, ac, kc, cc = mean[c], a[c], k[c], const[c]
            for t in range(l_):
                dst[t] = ac * gp[t] + kc * (xp_[t] - mu) + cc


sums = LazyKernel(_sums)
square_deviation_sums = LazyKernel(_square_deviation_sums)
normalize = LazyKernel(_normalize)
gradient_sums = LazyKernel(_gradient_sums)
input_grad = LazyKernel(_input_grad)
