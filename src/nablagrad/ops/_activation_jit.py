"""Compiled kernels for the activations and their gradients (Numba): one pass over
contiguous rows each where NumPy takes two or more.  ReLU, leaky ReLU, hardtanh and the
sigmoid and tanh gradients take float32 and float64; the sigmoid, tanh, ELU (SELU, CELU),
GELU (exact and tanh), SiLU, softplus, and softmax and log-softmax over the last axis are
float32 only, with their own vectorised e^x (NumPy's float32 ``exp`` and ``tanh`` are scalar
loops on CPUs without AVX-512).

NumPy's ``maximum(x, 0)`` takes 89 us for LeNet-5's 301,056 float32 activations on the 2-core
development machine (4x a plain copy: its NaN handling keeps it off the fast loop), and the
gradient ``g * (out > 0)`` two passes (65 us); these kernels take 21 us and ~25 us.  As
``torch.relu``, a NaN input gives NaN and -0.0 gives -0.0 (NumPy's ``maximum``, the fallback,
gives +0.0 there), and the gradient is 0 where the output is <= 0, else ``g`` (torch's
``threshold_backward``: a NaN input passes its gradient on).  The float32 sigmoid
1 / (1 + e^-x) computes e^-x itself, vectorised (``_sigmoid32``: Numba's ``exp`` is a scalar
libm call): 60 us there, against 177 us for NumPy's four passes (the fallback) and 93 us for
the former (1 + tanh(x/2)) / 2, which lost all precision below x = -9.  The sigmoid and tanh
gradients take one pass instead of three (64 -> 24 us).  The composed activations were far
slower still (NumPy's ``where`` on a random mask: 4.5 ns per element on the AMD EPYC VM):
forward + backward on 64x32x28x28 float32, 1 thread, nablagrad / torch before and after
these kernels (``benchmarks/bench_activations.py``): leaky ReLU 7.97 -> 0.97, ELU 6.79 ->
0.71, GELU 9.94 -> 0.81, GELU tanh 4.08 -> 0.37, SiLU 5.34 -> 0.94, hardtanh 2.08 -> 1.04,
softplus 5.16 -> 0.65.  Compiled on first call
(``backend.LazyKernel``); the caller checks ``backend.jit_available()`` and keeps the NumPy
formulas otherwise.
"""

from __future__ import annotations

from typing import Any

from ..backend import (
    LazyKernel,
    jitable,
    llvm_float32_from_bits,
    llvm_fma,
    np,
    prefer_wide_vectors,
)


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
#
# Every float32 kernel computes its exponentials in its own loop, one element at a time as
# the compiler vectorises it (``_exp1``, ``_expm1_1``): 2^(k-1) comes from its bits through
# ``backend.llvm_float32_from_bits`` and the reduction u - k ln 2 by ``backend.llvm_fma``, both
# Numba intrinsics set on first compile (``_intrinsics``).  Then e^u = (2 e^r) 2^(k-1) and
# e^u - 1 = p 2^k + (2^k - 1), p = e^r - 1, with full relative precision near 0.  Softmax rows
# are short, so their exponentials run over groups of ``_BLOCK`` elements of whole rows.

_BLOCK = 1024
_EXP_LO = -87.0  # e^-87 ~ 1.6e-38: the clamp's floor; callers select 0 below it where it counts
_EXP_HI = 88.75  # e^88.75 overflows: inf (2^(k-1) * 2 with k = 128)


def _exp_poly(r: Any) -> Any:
    """e^r - 1 for |r| <= ln(2) / 2 (Cephes' expf polynomial)."""
    q = np.float32(1.9875691500e-4) * r + np.float32(1.3981999507e-3)
    q = q * r + np.float32(8.3334519073e-3)
    q = q * r + np.float32(4.1665795894e-2)
    q = q * r + np.float32(1.6666665459e-1)
    q = q * r + np.float32(5.0000001201e-1)
    return q * r * r + r


_exp_poly = jitable(_exp_poly)
_LN2_LO = -2.12194440e-4  # ln 2 - 0.693359375


_fma: Any = None  # backend.llvm_fma() and backend.llvm_float32_from_bits(): set by _intrinsics
_from_bits: Any = None  # before the first kernel compiles (importing this does not import Numba)


def _intrinsics() -> None:
    """Set ``_fma`` and ``_from_bits`` (``LazyKernel``'s ``prepare`` for every kernel here)."""
    global _fma, _from_bits
    if _fma is None:
        _fma, _from_bits = llvm_fma(), llvm_float32_from_bits()


def _exp_reduce(u: Any, lo: Any, hi: Any) -> tuple:
    """(k, r) with u (clamped to [lo, hi]) = k ln 2 + r, |r| <= ln(2) / 2, k a float32
    integer: r = u - k C1 - k C2 by two fused multiply-adds (exact; LLVM does not reassociate
    calls to ``llvm.fma``, so fast-math cannot fold C1 + C2 into one constant, which had cost 4
    units in the last place)."""
    v = lo if u < lo else u
    v = hi if v > hi else v
    k = np.float32(np.floor(v * np.float32(1.4426950408889634) + np.float32(0.5)))
    r = _fma(k, np.float32(-0.693359375), v)
    return k, _fma(k, np.float32(-_LN2_LO), r)


_exp_reduce = jitable(_exp_reduce)


def _exp1(u: Any) -> Any:
    """e^u for a float32 u (clamped to [-87, 88.75]: inf above 88.72; a NaN u gives NaN), in
    one pass, vectorised with the loop that calls it: ``_exp_reduce``, e^r by Cephes'
    polynomial, 2^(k-1) from its bits by ``llvm_float32_from_bits``, and e^u = (2 e^r) 2^(k-1)
    (2^k overflows for k = 128).  It replaces three loops over block buffers (the reduction,
    the polynomial, the product), which reading the bits back through an array view needed:
    in one pass the float32 sigmoid took 1.22 instead of 1.99 ns per element (2M elements, 1
    thread, Skylake-SP; torch 1.23), and ``exp`` on 2M points of [-87, 88.7] is within 1.65
    units in the last place (0.28 on average) where the loops were within 1.96 (0.36)."""
    k, r = _exp_reduce(u, np.float32(_EXP_LO), np.float32(_EXP_HI))
    two_k = _from_bits((np.int32(k) + np.int32(126)) << 23)  # 2^(k-1)
    # 2 e^r 2^(k-1) as one fused multiply-add with 0: written as products, reassociation
    # multiplied 2^(k-1) by 2 first, which overflows for k = 128 (e^88.7 gave inf)
    return _fma((_exp_poly(r) + np.float32(1.0)) * np.float32(2.0), two_k, np.float32(0.0))


_exp1 = jitable(_exp1)


def _expm1_1(u: Any) -> Any:
    """e^u - 1 for a float32 u <= 0 (clamped to -87), with full relative precision near 0:
    with e^u = 2^k e^r (``_exp_reduce``) and p = e^r - 1 (the polynomial), e^u - 1 =
    p 2^k + (2^k - 1), where 2^k - 1 is exact for k <= 0."""
    k, r = _exp_reduce(u, np.float32(_EXP_LO), np.float32(0.0))
    two_k = _from_bits((np.int32(k) + np.int32(127)) << 23)  # 2^k, k in [-126, 0]
    return _exp_poly(r) * two_k + (two_k - np.float32(1.0))


_expm1_1 = jitable(_expm1_1)


def _sigmoid32(x: Any, out: Any) -> None:
    """out[i] = 1 / (1 + e^-x[i]) for float32 rows (1-D, same length), to a few units in the
    last place over the whole range (e^-x overflows to inf below x = -88.72: 0, as torch;
    NaN stays NaN)."""
    prefer_wide_vectors()
    one = np.float32(1.0)
    for i in range(x.size):
        v = x[i]
        s = one / (one + _exp1(-v))
        out[i] = v if v != v else s


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


def _exp32(x: Any, out: Any) -> None:
    """out[i] = e^x[i] for float32 rows, over the whole range: inf above 88.72, below x = -80
    computed as e^(x + 32 ln 2) 2^-32 (subnormal results rounded once) down to -104, 0 below;
    NaN stays NaN.  NumPy's float32 ``exp`` is a scalar loop on CPUs without AVX-512."""
    prefer_wide_vectors()
    zero = np.float32(0.0)
    tiny = np.float32(-80.0)  # below, 2^(k-1) would leave the normal range (k = -126)
    shift = np.float32(32 * 0.6931471805599453)
    down = np.float32(2.0**-32)
    for i in range(x.size):
        v = x[i]
        e = _exp1(v + shift if v < tiny else v)
        e = e * down if v < tiny else e
        e = zero if v < np.float32(-104.0) else e
        out[i] = v if v != v else e


def _tanh32(x: Any, out: Any) -> None:
    """out[i] = tanh(x[i]) for float32 rows, as Cephes' tanhf (~2 units in the last place):
    x + x^3 P(x^2) for |x| < 0.625, else sign(x) (1 - 2 / (e^(2|x|) + 1)) (no cancellation
    there: the result is above 0.55); NaN stays NaN, -0.0 stays -0.0.  NumPy's float32 tanh
    is a scalar loop on CPUs without AVX-512: 3.6 ns per element, this ~0.6."""
    prefer_wide_vectors()
    one, two, small = np.float32(1.0), np.float32(2.0), np.float32(0.625)
    for i in range(x.size):
        v = x[i]
        z = v * v
        p = np.float32(-5.70498872745e-3) * z + np.float32(2.06390887954e-2)
        p = p * z + np.float32(-5.37397155531e-2)
        p = p * z + np.float32(1.33314422036e-1)
        p = p * z + np.float32(-3.33332819422e-1)
        near = p * z * v + v
        far = one - two / (_exp1(two * (v if v > 0 else -v)) + one)
        far = far if v > 0 else -far
        near = v if v == 0 else near  # -0.0 kept (the sum above may round it to +0.0)
        out[i] = near if (v < small) & (v > -small) else far  # NaN: far is NaN too


# Softmax and log-softmax along the last axis of float32 rows (R, N), as torch's CPU kernels:
# m = the row's maximum, e = e^(x - m) (``_exp1`` over groups of whole rows: ``_exp_rows``),
# softmax = e * (1 / sum e) and log-softmax = (x - m) - log(sum e), the sums in float64
# (torch's are float32: the same values to a few units in the last place, closer to exact).  A
# NaN anywhere in a row makes the whole row NaN (its e is NaN, so is the sum), and so does a
# row whose maximum is infinite (inf - inf), as in torch.


def _row_max(row: Any) -> Any:
    """The largest value of ``row`` other than NaN (-inf for a row of NaN and -inf)."""
    m = np.float32(-np.inf)
    for i in range(row.size):
        v = row[i]
        m = v if v > m else m
    return m


_row_max = jitable(_row_max)


def _exp_rows(x: Any, r0: int, rows: int, shift: Any, ub: Any, eb: Any) -> None:
    """e^(x[r0 + q] - shift[q]) for q < rows, into ``eb`` (rows, N) as float32 (``ub``: the
    arguments, the same shape): one exponential loop over all the rows' elements (a short
    row's loop is mostly its scalar remainder)."""
    n = x.shape[1]
    for q in range(rows):
        xr, m = x[r0 + q], shift[q]
        for i in range(n):
            ub[q, i] = xr[i] - m
    uf, ef = ub.reshape(-1), eb.reshape(-1)
    for i in range(rows * n):
        ef[i] = _exp1(uf[i])


_exp_rows = jitable(_exp_rows)


def _row_groups(n: int) -> tuple:
    """Buffers for ``_exp_rows`` on rows of length ``n`` (``_BLOCK // n`` rows at a time, at
    least one): (rows per group, argument and e^u buffers, row shifts)."""
    per = max(1, _BLOCK // max(n, 1))
    return (
        per,
        np.empty((per, n), np.float32),
        np.empty((per, n), np.float32),
        np.empty(per, np.float32),
    )


_row_groups = jitable(_row_groups)


def _softmax32(x: Any, out: Any) -> None:
    """out[r] = softmax(x[r]) for every row of float32 (R, N) arrays."""
    prefer_wide_vectors()
    per, ub, _, shift = _row_groups(x.shape[1])
    n = x.shape[1]
    for r0 in range(0, x.shape[0], per):
        rows = min(per, x.shape[0] - r0)
        for q in range(rows):
            shift[q] = _row_max(x[r0 + q])
        _exp_rows(x, r0, rows, shift, ub, out[r0 : r0 + rows])  # e^(x - m) in place
        for q in range(rows):
            orow = out[r0 + q]
            total = 0.0
            for i in range(n):
                total += orow[i]
            scale = np.float32(1.0 / total)
            for i in range(n):
                orow[i] *= scale


def _softmax_grad32(g: Any, y: Any, out: Any) -> None:
    """out[r] = y[r] * (g[r] - sum(g[r] * y[r])) (float32 (R, N) arrays)."""
    prefer_wide_vectors()
    for r in range(g.shape[0]):
        gr, yr, orow = g[r], y[r], out[r]
        dot = 0.0
        for i in range(gr.size):
            dot += gr[i] * yr[i]
        d = np.float32(dot)
        for i in range(gr.size):
            orow[i] = yr[i] * (gr[i] - d)


def _log_softmax32(x: Any, out: Any) -> None:
    """out[r] = (x[r] - m) - log(sum e^(x[r] - m)), m = max x[r] (float32 (R, N) arrays)."""
    prefer_wide_vectors()
    per, ub, eb, shift = _row_groups(x.shape[1])
    n = x.shape[1]
    for r0 in range(0, x.shape[0], per):
        rows = min(per, x.shape[0] - r0)
        for q in range(rows):
            shift[q] = _row_max(x[r0 + q])
        _exp_rows(x, r0, rows, shift, ub, eb)
        for q in range(rows):
            er = eb[q]
            total = 0.0
            for i in range(n):
                total += er[i]
            m, lse = shift[q], np.float32(np.log(total))
            xr, orow = x[r0 + q], out[r0 + q]
            for i in range(n):
                orow[i] = (xr[i] - m) - lse


def _log_softmax_grad32(g: Any, y: Any, out: Any) -> None:
    """out[r] = g[r] - e^y[r] * sum g[r], y = log_softmax (float32 (R, N) arrays)."""
    prefer_wide_vectors()
    per, ub, eb, shift = _row_groups(g.shape[1])
    n = g.shape[1]
    for q in range(per):
        shift[q] = 0
    for r0 in range(0, g.shape[0], per):
        rows = min(per, g.shape[0] - r0)
        _exp_rows(y, r0, rows, shift, ub, eb)
        for q in range(rows):
            gr, orow, er = g[r0 + q], out[r0 + q], eb[q]
            acc = 0.0
            for i in range(n):
                acc += gr[i]
            total = np.float32(acc)
            for i in range(n):
                orow[i] = gr[i] - er[i] * total


def _leaky_relu(x: Any, slope: Any, out: Any) -> None:
    """out[i] = x[i] if x[i] > 0 else slope * x[i] (torch's leaky_relu; NaN stays NaN)."""
    prefer_wide_vectors()
    for i in range(x.size):
        v = x[i]
        out[i] = v if v > 0 else v * slope


def _leaky_relu_grad(g: Any, x: Any, slope: Any, out: Any) -> None:
    """out[i] = g[i] if x[i] > 0 else slope * g[i] (a NaN input takes the slope, as torch)."""
    prefer_wide_vectors()
    for i in range(g.size):
        out[i] = g[i] if x[i] > 0 else g[i] * slope


def _hardtanh(x: Any, lo: Any, hi: Any, out: Any) -> None:
    """out[i] = min(max(x[i], lo), hi), NaN kept (torch's clamp)."""
    prefer_wide_vectors()
    for i in range(x.size):
        v = x[i]
        v = lo if v < lo else v
        out[i] = hi if v > hi else v


def _hardtanh_grad(g: Any, x: Any, lo: Any, hi: Any, out: Any) -> None:
    """out[i] = 0 where x[i] <= lo or x[i] >= hi, else g[i] (NaN passes g, as torch)."""
    prefer_wide_vectors()
    zero = out.dtype.type(0)
    for i in range(g.size):
        v = x[i]
        out[i] = zero if (v <= lo) | (v >= hi) else g[i]


def _elu32(x: Any, negcoef: Any, scale: Any, out: Any) -> None:
    """out[i] = negcoef * (e^x - 1) where x[i] <= 0, else scale * x[i] (torch's elu with
    negcoef = alpha * scale: ELU, SELU, CELU; NaN stays NaN; float32 rows)."""
    prefer_wide_vectors()
    zero = np.float32(0.0)
    for i in range(x.size):
        v = x[i]
        em1 = _expm1_1(v if v < zero else zero)
        out[i] = em1 * negcoef if v < zero else v * scale  # -0.0 stays -0.0, as torch


def _elu_grad32(g: Any, x: Any, negcoef: Any, scale: Any, out: Any) -> None:
    """out[i] = g[i] * negcoef * e^x where x[i] <= 0, else g[i] * scale (torch's
    elu_backward on the input; a NaN input takes the scale; float32 rows)."""
    prefer_wide_vectors()
    zero, lo = np.float32(0.0), np.float32(_EXP_LO)
    for i in range(x.size):
        v = x[i]
        e = _exp1(v if v < zero else zero)
        e = zero if v < lo else e  # e^x underflows there (torch: 0, so inf * 0 is NaN)
        out[i] = g[i] * (negcoef * e) if v <= zero else g[i] * scale


def _silu32(x: Any, out: Any) -> None:
    """out[i] = x[i] / (1 + e^-x[i]) (torch's silu: -inf gives NaN; float32 rows)."""
    prefer_wide_vectors()
    one = np.float32(1.0)
    for i in range(x.size):
        v = x[i]
        r = v / (one + _exp1(-v))
        out[i] = v if v != v else r


def _silu_grad32(g: Any, x: Any, out: Any) -> None:
    """out[i] = g[i] * s (1 + x (1 - s)) with s = sigmoid(x[i]) (torch's silu_backward;
    float32 rows)."""
    prefer_wide_vectors()
    one = np.float32(1.0)
    for i in range(x.size):
        v = x[i]
        s = one / (one + _exp1(-v))
        s = v if v != v else s
        out[i] = g[i] * (s * (one + v * (one - s)))


# GELU's tanh form 0.5 x (1 + tanh(v)), v = sqrt(2/pi) (x + 0.044715 x^3), is x sigmoid(2v)
# (1 + tanh(v) = 2 sigmoid(2v)): one exponential, and full relative precision where
# 1 + tanh(v) cancels (x < -2); its derivative 0.5 (1 + t) + 0.5 x (1 - t^2) v' is
# s + 2 x s (1 - s) v' with s = sigmoid(2v), v' = sqrt(2/pi) (1 + 3 0.044715 x^2).
_GELU_K = 0.7978845608028654  # sqrt(2 / pi)
_GELU_C = 0.044715


def _gelu_tanh32(x: Any, out: Any) -> None:
    """out[i] = x / (1 + e^(-2v)), v = sqrt(2/pi) (x + 0.044715 x^3) (float32 rows)."""
    prefer_wide_vectors()
    one = np.float32(1.0)
    k2, c = np.float32(2 * _GELU_K), np.float32(_GELU_C)
    for i in range(x.size):
        v = x[i]
        r = v / (one + _exp1(-k2 * (v + c * v * v * v)))
        out[i] = v if v != v else r


def _gelu_tanh_grad32(g: Any, x: Any, out: Any) -> None:
    """out[i] = g[i] (s + 2 x s (1 - s) sqrt(2/pi) (1 + 3 0.044715 x^2)), s = sigmoid(2v)
    (float32 rows)."""
    prefer_wide_vectors()
    one, two = np.float32(1.0), np.float32(2.0)
    k, k2, c = np.float32(_GELU_K), np.float32(2 * _GELU_K), np.float32(_GELU_C)
    c3 = np.float32(3 * _GELU_C)
    for i in range(x.size):
        v = x[i]
        s = one / (one + _exp1(-k2 * (v + c * v * v * v)))
        s = v if v != v else s
        d = s + two * v * s * (one - s) * k * (one + c3 * v * v)
        out[i] = g[i] * d


# erf(z) for float32 as Eigen's ``generic_fast_erf_float``: z clamped to [-4, 4] (erf is +-1
# to float32 beyond), then z P(z^2) / Q(z^2) with P of degree 6 and Q of degree 4 in z^2: at
# most 6.5e-8 from the exact erf (measured in float64 on 200,001 points of [-4, 4]).
_ERF_P = (
    -1.60960333262415e-02,
    -2.95459980854025e-03,
    -7.34990630326855e-04,
    -5.69250639462346e-05,
    -2.10102402082508e-06,
    2.77068142495902e-08,
    -2.72614225801306e-10,
)
_ERF_Q = (
    -1.42647390514189e-02,
    -7.37332916720468e-03,
    -1.68282697438203e-03,
    -2.13374055278905e-04,
    -1.45660718464996e-05,
)


def _erf32(z: Any) -> Any:
    """erf(z) for one float32 z (inlined in vectorised loops; NaN stays NaN)."""
    four = np.float32(4.0)
    w = four if z > four else z
    w = -four if w < -four else w
    w2 = w * w
    num = np.float32(_ERF_P[6])
    num = num * w2 + np.float32(_ERF_P[5])
    num = num * w2 + np.float32(_ERF_P[4])
    num = num * w2 + np.float32(_ERF_P[3])
    num = num * w2 + np.float32(_ERF_P[2])
    num = num * w2 + np.float32(_ERF_P[1])
    num = num * w2 + np.float32(_ERF_P[0])
    den = np.float32(_ERF_Q[4])
    den = den * w2 + np.float32(_ERF_Q[3])
    den = den * w2 + np.float32(_ERF_Q[2])
    den = den * w2 + np.float32(_ERF_Q[1])
    den = den * w2 + np.float32(_ERF_Q[0])
    e = w * num / den
    one = np.float32(1.0)
    e = one if z >= four else e  # exactly +-1 there, so -inf * (1 + erf) is NaN as torch's
    return -one if z <= -four else e


_erf32 = jitable(_erf32)
_SQRT1_2 = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327


def _gelu32(x: Any, out: Any) -> None:
    """out[i] = x (1 + erf(x / sqrt 2)) / 2 (torch's exact GELU; float32 rows), as
    h (1 + erf(x / sqrt 2)) with h = x / 2: -0.0 at -0.0 and below -13 (where 1 + erf is
    0), +inf at +inf and NaN at -inf, torch's float64 answers (its float32 kernels answer
    by the CPU's vector width: +0.0 at -0.0 with AVX2, NaN at +inf with AVX-512)."""
    prefer_wide_vectors()
    half, one, a = np.float32(0.5), np.float32(1.0), np.float32(_SQRT1_2)
    for i in range(x.size):
        out[i] = x[i] * half * (one + _erf32(x[i] * a))


def _gelu_grad32(g: Any, x: Any, out: Any) -> None:
    """out[i] = g[i] (Phi(x) + x phi(x)), Phi(x) = (1 + erf(x / sqrt 2)) / 2 and
    phi(x) = e^(-x^2 / 2) / sqrt(2 pi) (torch's gelu_backward; float32 rows)."""
    prefer_wide_vectors()
    half, one = np.float32(0.5), np.float32(1.0)
    a, b = np.float32(_SQRT1_2), np.float32(_INV_SQRT_2PI)
    lo, zero = np.float32(_EXP_LO), np.float32(0.0)
    for i in range(x.size):
        v = x[i]
        u = -half * v * v
        e = zero if u < lo else _exp1(u)  # e^(-x^2/2) underflows (inf x: NaN)
        cdf = half * (one + _erf32(v * a))
        out[i] = g[i] * (cdf + v * (b * e))


# log(1 + t) for 0 <= t <= 1 as 2 atanh(w), w = t / (2 + t) <= 1/3: w + w^3/3 + ... + w^13/13
# (the next term, (1/3)^15 / 15, is 5e-9: below float32's half unit), full relative precision
# for small t.


def _softplus32(x: Any, beta: Any, threshold: Any, out: Any) -> None:
    """out[i] = x[i] where beta x > threshold, else log(1 + e^(beta x)) / beta, computed as
    (max(bx, 0) + log(1 + e^-|bx|)) / beta (torch's softplus; float32 rows)."""
    prefer_wide_vectors()
    one, two, zero = np.float32(1.0), np.float32(2.0), np.float32(0.0)
    for i in range(x.size):
        v = x[i]
        bx = v * beta
        t = _exp1(-bx if bx > zero else bx)  # e^-|bx| in (0, 1]
        w = t / (two + t)
        w2 = w * w
        s = np.float32(1 / 13)
        s = s * w2 + np.float32(1 / 11)
        s = s * w2 + np.float32(1 / 9)
        s = s * w2 + np.float32(1 / 7)
        s = s * w2 + np.float32(1 / 5)
        s = s * w2 + np.float32(1 / 3)
        log1p = two * w * (s * w2 + one)
        r = ((bx if bx > zero else zero) + log1p) / beta
        out[i] = v if (bx > threshold) | (v != v) else r


def _softplus_grad32(g: Any, x: Any, beta: Any, threshold: Any, out: Any) -> None:
    """out[i] = g[i] where beta x > threshold, else g[i] sigmoid(beta x) (torch's
    softplus_backward; float32 rows)."""
    prefer_wide_vectors()
    one = np.float32(1.0)
    for i in range(x.size):
        bx = x[i] * beta
        s = one / (one + _exp1(-bx))
        s = bx if bx != bx else s
        out[i] = g[i] if bx > threshold else g[i] * s


relu = LazyKernel(_relu, prepare=_intrinsics)
relu_grad = LazyKernel(_relu_grad, prepare=_intrinsics)
sigmoid32 = LazyKernel(_sigmoid32, prepare=_intrinsics)
sigmoid_grad = LazyKernel(_sigmoid_grad, prepare=_intrinsics)
tanh_grad = LazyKernel(_tanh_grad, prepare=_intrinsics)
exp32 = LazyKernel(_exp32, prepare=_intrinsics)
tanh32 = LazyKernel(_tanh32, prepare=_intrinsics)
softmax32 = LazyKernel(_softmax32, prepare=_intrinsics)
softmax_grad32 = LazyKernel(_softmax_grad32, prepare=_intrinsics)
log_softmax32 = LazyKernel(_log_softmax32, prepare=_intrinsics)
log_softmax_grad32 = LazyKernel(_log_softmax_grad32, prepare=_intrinsics)
leaky_relu = LazyKernel(_leaky_relu, prepare=_intrinsics)
leaky_relu_grad = LazyKernel(_leaky_relu_grad, prepare=_intrinsics)
hardtanh = LazyKernel(_hardtanh, prepare=_intrinsics)
hardtanh_grad = LazyKernel(_hardtanh_grad, prepare=_intrinsics)
elu32 = LazyKernel(_elu32, prepare=_intrinsics)
elu_grad32 = LazyKernel(_elu_grad32, prepare=_intrinsics)
silu32 = LazyKernel(_silu32, prepare=_intrinsics)
silu_grad32 = LazyKernel(_silu_grad32, prepare=_intrinsics)
gelu_tanh32 = LazyKernel(_gelu_tanh32, prepare=_intrinsics)
gelu_tanh_grad32 = LazyKernel(_gelu_tanh_grad32, prepare=_intrinsics)
gelu32 = LazyKernel(_gelu32, prepare=_intrinsics)
gelu_grad32 = LazyKernel(_gelu_grad32, prepare=_intrinsics)
softplus32 = LazyKernel(_softplus32, prepare=_intrinsics)
softplus_grad32 = LazyKernel(_softplus_grad32, prepare=_intrinsics)
