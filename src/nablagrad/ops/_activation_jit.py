"""Compiled kernels for ReLU, sigmoid and tanh and their gradients (Numba): one pass over
contiguous float32 / float64 rows each where NumPy takes two or more.

NumPy's ``maximum(x, 0)`` takes 89 us for LeNet-5's 301,056 float32 activations on the 2-core
development machine (4x a plain copy: its NaN handling keeps it off the fast loop), and the
gradient ``g * (out > 0)`` two passes (65 us); these kernels take 21 us and ~25 us.  As
``torch.relu``, a NaN input gives NaN and -0.0 gives -0.0 (NumPy's ``maximum``, the fallback,
gives +0.0 there), and the gradient is 0 where the output is <= 0, else ``g`` (torch's
``threshold_backward``: a NaN input passes its gradient on).  The float32 sigmoid
1 / (1 + e^-x) computes e^-x itself, vectorised (``_sigmoid32``: Numba's ``exp`` is a scalar
libm call): 60 us there, against 177 us for NumPy's four passes (the fallback) and 93 us for
the former (1 + tanh(x/2)) / 2, which lost all precision below x = -9.  The sigmoid and tanh
gradients take one pass instead of three (64 -> 24 us).  Compiled on first call
(``backend.LazyKernel``); the caller checks ``backend.jit_available()`` and keeps the NumPy
formulas otherwise.
"""

from __future__ import annotations

from typing import Any

from ..backend import LazyKernel, np, prefer_wide_vectors


def _relu(x: Any, out: Any) -> None:
    """out[i] = 0 where x[i] < 0, else x[i] (NaN and -0.0 kept, as torch.relu; 1-D, same
    length)."""
    prefer_wide_vectors()
    zero = out.dtype.type(0)
    for i in range(x.size):
        v = x[i]
        out[i] = zero if v < 0 else v


def _relu_grad(g: Any, y: Any, out: Any) -> None:
    """out[i] = 0 where the ReLU output y[i] <= 0, else g[i] (1-D, same length)."""
    prefer_wide_vectors()
    zero = out.dtype.type(0)
    for i in range(g.size):
        out[i] = g[i] if not (y[i] <= 0) else zero


# e^u = 2^k e^r with k = round(u / ln 2) and |r| <= ln(2) / 2 (Cephes' expf: ln 2 split in
# two parts so that u - k ln 2 is exact, and a degree-7 polynomial for e^r, ~1 unit in the last
# place); 2^(k-1) is built from its bits (exponent field k - 1 + 127) and doubled afterwards,
# so that e^u for u up to 88.72 (2^128 > the largest float32) does not overflow early.


def _sigmoid32(x: Any, out: Any) -> None:
    """out[i] = 1 / (1 + e^-x[i]) for float32 rows (1-D, same length), to a few units in the
    last place over the whole range (e^-x overflows to inf below x = -88.72: 0, as torch;
    NaN stays NaN).

    In blocks of 1024: the first loop writes e^r and the bits of 2^(k-1) into two small
    buffers (the int32 buffer read back as float32 is the power of two), the second finishes;
    both loops are vectorised (as one loop, the bit reinterpretation kept the compiler from
    vectorising: 5x slower)."""
    prefer_wide_vectors()
    block = 1024
    bits = np.empty(block, np.int32)
    er = np.empty(block, np.float32)
    pow2 = bits.view(np.float32)
    log2e = np.float32(1.4426950408889634)
    ln2_hi, ln2_lo = np.float32(0.693359375), np.float32(-2.12194440e-4)
    c0, c1, c2 = (
        np.float32(1.9875691500e-4),
        np.float32(1.3981999507e-3),
        np.float32(8.3334519073e-3),
    )
    c3, c4, c5 = (
        np.float32(4.1665795894e-2),
        np.float32(1.6666665459e-1),
        np.float32(5.0000001201e-1),
    )
    one, half, two = np.float32(1.0), np.float32(0.5), np.float32(2.0)
    lo, hi = np.float32(-87.0), np.float32(88.75)  # e^-87 vanishes beside 1; e^88.75 is inf
    n = x.size
    for b0 in range(0, n, block):
        b1 = min(b0 + block, n)
        xs, os = x[b0:b1], out[b0:b1]
        for i in range(b1 - b0):
            u = -xs[i]
            u = lo if u < lo else u
            u = hi if u > hi else u
            k = np.floor(u * log2e + half)
            r = u - k * ln2_hi - k * ln2_lo
            q = ((((c0 * r + c1) * r + c2) * r + c3) * r + c4) * r + c5
            er[i] = q * r * r + r + one
            bits[i] = (np.int32(k) + np.int32(126)) << 23
        for i in range(b1 - b0):
            v = xs[i]
            s = one / (one + er[i] * pow2[i] * two)
            os[i] = v if v != v else s


def _sigmoid_grad(g: Any, s: Any, out: Any) -> None:
    """out[i] = g[i] * s[i] * (1 - s[i]) from the sigmoid's output s (1-D, same length)."""
    prefer_wide_vectors()
    one = out.dtype.type(1)
    for i in range(g.size):
        out[i] = g[i] * (s[i] * (one - s[i]))


def _tanh_grad(g: Any, t: Any, out: Any) -> None:
    """out[i] = g[i] * (1 - t[i]^2) from tanh's output t (1-D, same length)."""
    prefer_wide_vectors()
    one = out.dtype.type(1)
    for i in range(g.size):
        out[i] = g[i] * (one - t[i] * t[i])


relu = LazyKernel(_relu)
relu_grad = LazyKernel(_relu_grad)
sigmoid32 = LazyKernel(_sigmoid32)
sigmoid_grad = LazyKernel(_sigmoid_grad)
tanh_grad = LazyKernel(_tanh_grad)
