"""PyTorch's CPU random stream: a 32-bit Mersenne Twister and ATen's CPU sampling formulas.

``MTStream(seed)`` draws the numbers ``torch.manual_seed(seed)`` gives on torch's CPU
generator.  The engine is NumPy's ``MT19937`` bit generator (its ``random_raw`` draws the raw
32-bit words in C) seeded as torch seeds its engine: ``init_genrand`` with the seed's low 32
bits, ``key[0] = seed & 0xffffffff``, ``key[j] = 1812433253 * (key[j-1] ^ (key[j-1] >> 30))
+ j``.  A 64-bit draw is two 32-bit words, the first one high.  On top of it:

- uniform (``rand``, ``uniform_``): per element one word ``w`` for float32, half and bfloat16
  (``(w mod 2^24) * 2^-24`` in float32, rounded to half or bfloat16 at the end) or one 64-bit
  draw for float64 (``(w mod 2^53) * 2^-53``), then ``fma(u, to - from, from)`` in float32 or
  float64, a result that rounds up to ``to`` replaced by ``from`` (RReLU's slopes: the unfused
  ``u * (to - from) + from``);
- normal of 16 or more elements (``randn``, ``normal_``): every element a uniform first, then
  per block of 16, for j < 8: ``r = sqrt(-2 log(1 - u[j]))``, ``t = 2 pi u[j+8]``,
  ``u[j] = r cos t``, ``u[j+8] = r sin t`` (float32 in float32 arithmetic with the float32
  2 pi, as ATen's AVX2 kernel; its log/sincos polynomials differ from NumPy's in the last
  bit of about one value in seven); a ragged tail redraws the last 16 uniforms and redoes
  that block (half and bfloat16: uniforms for the whole blocks only, then the 16 fresh ones);
  then ``fma(n, std, mean)``;
- normal of fewer than 16 elements: Box-Muller in float64 from two 64-bit uniforms u1, u2,
  ``r = sqrt(-2 log1p(-u2))``, returning ``r cos(2 pi u1)`` and keeping ``r sin(2 pi u1)``
  for the next such draw (the cache lives in the generator, cleared by ``manual_seed``);
- integers in [lo, hi): ``w mod (hi - lo) + lo`` with a 32-bit word when the range is below
  2^32, else a 64-bit draw; ``random_()`` without bounds: ``w mod (2^d + 1)`` for floats,
  ``w mod (max + 1)`` for integers (64-bit draws for int64 and float64), ``w & 1`` for bool;
- bernoulli: ``u < p`` with a float64 uniform for a scalar p or a float64 p tensor, a float32
  uniform for a float32 p tensor; exponential: ``-log1p(-u) / lambda``, geometric:
  ``ceil(log(u) / log1p(-p))``, Cauchy: ``median + sigma tan(pi (u - 1/2))``, all with float64
  u; log-normal: ``exp`` of the serial normal above;
- ``randperm(n)``: for i = 0 .. n-2, swap positions i and ``i + w_i mod (n - i)``.

- gamma, Dirichlet, Poisson, binomial: ATen's serial samplers (rejection loops), element by
  element over the words (``_gamma_loop``, ``_poisson_loop``, ``_binomial_loop``).

Every formula was checked element by element against torch 2.13's CPU build.  With Numba the
transforms are compiled without fast-math and call libm as ATen does (float64 results
bit for bit); without it NumPy's functions differ from libm in the last bit of a few values.
Other samplers come from ``numpy.random.Generator`` methods on the same bit generator
(``MTStream`` passes unknown attributes to it): they consume the stream deterministically,
but their numbers are not torch's.

Example:
    >>> s = MTStream(0)
    >>> s.torch_uniform((3,), np.float32).tolist()  # torch.manual_seed(0); torch.rand(3)
    [0.49625658988952637, 0.7682217955589294, 0.08847743272781372]
"""

from __future__ import annotations

import math
from typing import Any

from .backend import LazyKernel, jit_available, jitable, llvm_fma, np

_N = 624
_STATE_BYTES = 5056
# torch's CPUGeneratorImplState: the legacy THGeneratorState then the float normal cache.
_STATE_DTYPE = np.dtype(
    {
        "names": [
            "seed",
            "left",
            "seeded",
            "next",
            "key",
            "nx",
            "ny",
            "nrho",
            "nvalid",
            "f",
            "fvalid",
        ],
        "formats": [
            "<u8",
            "<i4",
            "<i4",
            "<u8",
            ("<u8", _N),
            "<f8",
            "<f8",
            "<f8",
            "<i4",
            "<f4",
            "u1",
        ],
        "offsets": [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5048, 5052],
        "itemsize": _STATE_BYTES,
    }
)
_RANDOM64_FROM = 2**32 // 20  # randperm switches to its 64-bit variant from n = this on


def init_genrand(seed: int) -> np.ndarray:
    """The 624-word Mersenne Twister key for ``seed`` (its low 32 bits), before any twist.

    Example:
        >>> init_genrand(5489)[:2].tolist()
        [5489, 1301868182]
    """
    key = np.empty(_N, dtype=np.uint32)
    x = int(seed) & 0xFFFFFFFF
    key[0] = x
    for j in range(1, _N):  # 623 scalar steps, once per manual_seed
        x = (1812433253 * (x ^ (x >> 30)) + j) & 0xFFFFFFFF
        key[j] = x
    return key


def _two_sum(a: Any, b: Any) -> tuple[Any, Any]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a: Any) -> tuple[Any, Any]:
    c = 134217729.0 * a  # 2^27 + 1
    hi = c - (c - a)
    return hi, a - hi


def _add_round_odd(a: Any, b: Any) -> Any:
    """a + b rounded to odd: the exact sum if representable, else the neighbour whose last
    mantissa bit is 1 (one step of the bit pattern towards the exact sum)."""
    s, e = _two_sum(a, b)
    bits = s.view(np.int64)
    fix = (e != 0) & ((bits & 1) == 0)
    if fix.any():
        toward = np.where((e > 0) == (s > 0), 1, -1)  # away from zero when they agree
        s = (bits + fix * toward).view(np.float64)
    return s


# -- compiled kernels (Numba, without fast-math: the same bits as the NumPy formulas) ----------

_fma: Any = None  # backend.llvm_fma(), looked up by the kernels when they compile


def _unit53(words: Any, p: int) -> float:
    """The float64 uniform on [0, 1) that torch makes from the 32-bit words ``p`` and ``p + 1``
    (``uint64`` array): their 53 low bits, (hi & 0x1FFFFF) << 32 | lo, times 2^-53.  Called by
    the sampling loops, compiled or in Python (registered for Numba by ``_jit``)."""
    w = ((words[p] & np.uint64(0x1FFFFF)) << np.uint64(32)) | words[p + 1]
    return np.float64(w) * 1.1102230246251565e-16


def _jit() -> bool:
    """Whether to use the compiled kernels (and make ``_fma`` and ``_unit53`` ready for
    them: registered on first use, so importing this module does not import Numba)."""
    global _fma
    if not jit_available():
        return False
    if _fma is None:
        _fma = llvm_fma()
        jitable(_unit53)
    return True


def _mt_words_loop(key: Any, pos: int, out: Any) -> int:  # pragma: no cover - compiled
    """The next ``out.size`` tempered words of the Mersenne Twister whose state is ``key``
    (624 uint32 words, twisted in place) and ``pos``; returns the new position."""
    n, m = 624, 397
    upper, lower = np.uint32(0x80000000), np.uint32(0x7FFFFFFF)
    mat, one = np.uint32(0x9908B0DF), np.uint32(1)
    for i in range(out.size):
        if pos >= n:
            for k in range(n - m):
                y = (key[k] & upper) | (key[k + 1] & lower)
                key[k] = key[k + m] ^ (y >> one) ^ (mat * (y & one))
            for k in range(n - m, n - 1):
                y = (key[k] & upper) | (key[k + 1] & lower)
                key[k] = key[k + m - n] ^ (y >> one) ^ (mat * (y & one))
            y = (key[n - 1] & upper) | (key[0] & lower)
            key[n - 1] = key[m - 1] ^ (y >> one) ^ (mat * (y & one))
            pos = 0
        y = key[pos]
        pos += 1
        y ^= y >> np.uint32(11)
        y ^= (y << np.uint32(7)) & np.uint32(0x9D2C5680)
        y ^= (y << np.uint32(15)) & np.uint32(0xEFC60000)
        y ^= y >> np.uint32(18)
        out[i] = y
    return pos


def _unit64_loop(raw: Any, out: Any) -> None:  # pragma: no cover - compiled
    for i in range(out.size):
        out[i] = _unit53(raw, 2 * i)


def _blocks64_loop(d: Any) -> None:  # pragma: no cover - compiled
    twopi = 2.0 * math.pi
    for b in range(0, d.size - 15, 16):
        for j in range(8):
            r = math.sqrt(-2.0 * math.log(1.0 - d[b + j]))
            t = twopi * d[b + 8 + j]
            d[b + j] = r * math.cos(t)
            d[b + 8 + j] = r * math.sin(t)


def _box_muller_loop(u: Any, out: Any) -> None:  # pragma: no cover - compiled
    twopi = 2.0 * math.pi
    for k in range(out.size // 2):
        r = math.sqrt(-2.0 * math.log1p(-u[2 * k + 1]))
        t = twopi * u[2 * k]
        out[2 * k] = r * math.cos(t)
        out[2 * k + 1] = r * math.sin(t)


def _fma_loop(x: Any, scale: Any, shift: Any, out: Any) -> None:  # pragma: no cover - compiled
    for i in range(x.size):
        out[i] = _fma(x[i], scale, shift)


def _fma3_loop(a: Any, b: Any, c: Any, out: Any) -> None:  # pragma: no cover - compiled
    for i in range(a.size):
        out[i] = _fma(a[i], b[i], c[i])


def _exponential_loop(u: Any, scale: float, out: Any) -> None:  # pragma: no cover - compiled
    for i in range(u.size):
        out[i] = scale * math.log1p(-u[i])


def _tan_pi_loop(u: Any, out: Any) -> None:  # pragma: no cover - compiled
    for i in range(u.size):
        out[i] = math.tan(math.pi * (u[i] - 0.5))


def _exp_loop(x: Any, out: Any) -> None:  # pragma: no cover - compiled
    for i in range(x.size):
        out[i] = math.exp(x[i])


def _libm(kernel: LazyKernel, x: np.ndarray, *args: Any) -> np.ndarray:
    out = np.empty(x.size, dtype=np.float64)
    kernel(np.ascontiguousarray(x, dtype=np.float64).reshape(-1), *args, out)
    return out


def _gamma_loop(alpha: Any, single: bool, words: Any, out: Any, st: Any) -> None:
    """ATen's serial ``sample_gamma`` over the 32-bit ``words``, from element ``st[0]`` at word
    ``st[1]`` with the cached normal ``st[3]`` (valid if ``st[2]``); stops before an element
    the words left cannot finish, and writes back where it stopped.  Compiled by Numba, or run
    as it is in Python (the fallback: same operations, same libm, same bits)."""
    third = np.float32(1.0) / np.float32(3.0)  # ATen's 1.0f / 3.0f
    k = float(np.float32(0.0331))  # 0.0331f
    twopi = 2.0 * math.pi
    i, p, has, cache = int(st[0]), int(st[1]), st[2] != 0, st[3]
    nw = words.size
    while i < alpha.size:
        p0, has0, cache0 = p, has, cache
        a = alpha[i]
        if a == 0.0:
            out[i] = 0.0
            i += 1
            continue
        scale = 1.0
        ok = True
        if a < 1.0:  # the boost: Gamma(a) = Gamma(a + 1) U^(1/a)
            if p + 2 > nw:
                break
            u = _unit53(words, p)
            p += 2
            if single:
                e = float(np.float32(1.0) / np.float32(a))
                a = float(np.float32(a) + np.float32(1.0))
            else:
                e = 1.0 / a
                a = a + 1.0
            scale = math.pow(1.0 - u, e)
        d = float(np.float32(a) - third) if single else a - float(third)
        # NaN and negative alpha run the loop as ATen's does (C's NaN and infinity, where
        # Python's math raises): its draws are taken, the result is NaN or tiny
        nine_d = 9.0 * d
        if nine_d > 0.0:
            c = 1.0 / math.sqrt(nine_d)
        else:
            c = math.inf if nine_d == 0.0 else math.nan
        res = 0.0
        while True:
            if has:  # the serial normal: Box-Muller with the generator's cached second value
                x = cache
                has = False
            else:
                if p + 4 > nw:
                    ok = False
                    break
                u1, u2 = _unit53(words, p), _unit53(words, p + 2)
                p += 4
                r = math.sqrt(-2.0 * math.log1p(-u2))
                t = twopi * u1
                cache = r * math.sin(t)
                has = True
                x = r * math.cos(t)
            y = 1.0 + c * x
            if y <= 0.0:
                continue
            v = y * y * y
            if p + 2 > nw:
                ok = False
                break
            u = 1.0 - _unit53(words, p)
            p += 2
            xx = x * x
            if u < 1.0 - k * xx * xx or math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
                res = scale * d * v
                break
        if not ok:
            p, has, cache = p0, has0, cache0
            break
        out[i] = res
        i += 1
    st[0], st[1], st[2], st[3] = i, p, 1.0 if has else 0.0, cache


def _poisson_loop(lam: Any, words: Any, out: Any, st: Any) -> None:
    """ATen's serial Poisson sampler over the 32-bit ``words`` (``_gamma_loop``'s protocol;
    no normal draws, the cache in ``st`` passes through): for a rate below 10, multiply
    float64 uniforms until the product falls to ``exp(-rate)`` or below (the count of
    factors before that); from 10 on, Hoermann's transformed rejection (PTRS, 1993)."""
    i, p = int(st[0]), int(st[1])
    nw = words.size
    while i < lam.size:
        p0 = p
        lm = lam[i]
        ok = True
        res = 0.0
        if lm >= 10.0:
            slam = math.sqrt(lm)
            loglam = math.log(lm)
            b = 0.931 + 2.53 * slam
            a = -0.059 + 0.02483 * b
            invalpha = 1.1239 + 1.1328 / (b - 3.4)
            vr = 0.9277 - 3.6224 / (b - 2.0)
            while True:
                if p + 4 > nw:
                    ok = False
                    break
                u, v = _unit53(words, p) - 0.5, _unit53(words, p + 2)
                p += 4
                us = 0.5 - abs(u)
                k = math.floor((2.0 * a / us + b) * u + lm + 0.43)
                if us >= 0.07 and v <= vr:
                    res = k
                    break
                if k < 0.0 or (us < 0.013 and v > us):
                    continue
                lhs = math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)
                if lhs <= -lm + k * loglam - math.lgamma(k + 1.0):
                    res = k
                    break
        elif lm > 0.0:
            enlam = math.exp(-lm)
            x = 0.0
            prod = 1.0
            while True:
                if p + 2 > nw:
                    ok = False
                    break
                prod *= _unit53(words, p)
                p += 2
                if prod > enlam:
                    x += 1.0
                else:
                    res = x
                    break
        elif not lm == 0.0:  # NaN (refused by the callers): no draws
            res = math.nan
        if not ok:
            p = p0
            break
        out[i] = res
        i += 1
    st[0], st[1] = i, p


# log(k!) - ((k + 1/2) log(k + 1) - (k + 1) + log(2 pi) / 2) for k = 0..9 (Stirling's
# formula's error, the table of Hoermann's BTRS binomial sampler)
_STIRLING_TAIL = np.array(
    [
        0.0810614667953272,
        0.0413406959554092,
        0.0276779256849983,
        0.02079067210376509,
        0.0166446911898211,
        0.0138761288230707,
        0.0118967099458917,
        0.0104112652619720,
        0.00925546218271273,
        0.00833056343336287,
    ]
)


def _binomial_loop(  # pragma: no cover - compiled
    count: Any, prob: Any, single: bool, tail: Any, words: Any, out: Any, st: Any
) -> None:
    """ATen's serial binomial sampler over the 32-bit ``words`` (``_poisson_loop``'s protocol),
    for p above 1/2 ``n - Binomial(n, 1 - p)``: with ``n p < 10`` inversion (geometric gaps
    ``ceil(log u / log1p(-p))`` summed while they stay within n), else Hoermann's BTRS with a
    Stirling-tail bound.  ``single``: the steps torch takes in float32 for float32 tensors
    are rounded to float32 (n p, 1 - p, n p (1 - p) and its square root, p / (1 - p),
    (n + 1) p, n - k + 1, k + 1, k, log1p(-p))."""
    i, p = int(st[0]), int(st[1])
    nw = words.size
    while i < count.size:
        p0 = p
        n, pr = count[i], prob[i]
        ok = True
        res = 0.0
        if n <= 0.0 or pr <= 0.0:
            res = 0.0
        elif not (n == n and pr == pr):  # NaN (no draws)
            res = math.nan
        elif pr >= 1.0:
            res = n
        else:
            flip = pr > 0.5
            if flip:
                pr = float(np.float32(1.0 - pr)) if single else 1.0 - pr
            np_ = float(np.float32(n * pr)) if single else n * pr
            k = 0.0
            if np_ < 10.0:  # inversion
                lq = float(np.log1p(np.float32(-pr))) if single else math.log1p(-pr)
                total = 0.0
                while True:
                    if p + 2 > nw:
                        ok = False
                        break
                    total += math.ceil(math.log(_unit53(words, p)) / lq)
                    p += 2
                    if total > n:
                        break
                    k += 1.0
            else:  # BTRS
                one_m = float(np.float32(1.0 - pr)) if single else 1.0 - pr
                var = float(np.float32(np_ * one_m)) if single else np_ * one_m
                sd = float(np.sqrt(np.float32(var))) if single else math.sqrt(var)
                b = 1.15 + 2.53 * sd
                a = -0.0873 + 0.0248 * b + 0.01 * pr
                c = np_ + 0.5
                v_r = 0.92 - 4.2 / b
                r = float(np.float32(pr / one_m)) if single else pr / one_m
                alpha = (2.83 + 5.1 / b) * sd
                n1 = float(np.float32(n + 1.0)) if single else n + 1.0
                m = math.floor(float(np.float32(n1 * pr)) if single else n1 * pr)
                while True:
                    if p + 4 > nw:
                        ok = False
                        break
                    u, v = _unit53(words, p) - 0.5, _unit53(words, p + 2)
                    p += 4
                    us = 0.5 - abs(u)
                    k = float(math.floor((2.0 * a / us + b) * u + c))
                    if single:
                        k = float(np.float32(k))
                    if k < 0.0 or k > n:
                        continue
                    if us >= 0.07 and v <= v_r:
                        break
                    v = math.log(v * alpha / (a / (us * us) + b))
                    nk1 = (
                        float(np.float32(np.float32(n - k) + np.float32(1.0)))
                        if single
                        else n - k + 1.0
                    )
                    lr = math.log(r * nk1 / (float(np.float32(k + 1.0)) if single else k + 1.0))
                    tm = tail[int(m)] if m <= 9.0 else 0.0
                    if m > 9.0:
                        sq = (m + 1.0) * (m + 1.0)
                        tm = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / sq) / sq) / (m + 1.0)
                    t2 = n - m
                    tnm = tail[int(t2)] if t2 <= 9.0 else 0.0
                    if t2 > 9.0:
                        sq = (t2 + 1.0) * (t2 + 1.0)
                        tnm = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / sq) / sq) / (t2 + 1.0)
                    tk = tail[int(k)] if k <= 9.0 else 0.0
                    if k > 9.0:
                        sq = (k + 1.0) * (k + 1.0)
                        tk = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / sq) / sq) / (k + 1.0)
                    t3 = n - k
                    tnk = tail[int(t3)] if t3 <= 9.0 else 0.0
                    if t3 > 9.0:
                        sq = (t3 + 1.0) * (t3 + 1.0)
                        tnk = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / sq) / sq) / (t3 + 1.0)
                    bound = (
                        (m + 0.5) * math.log((m + 1.0) / (r * (n - m + 1.0)))
                        + n1 * math.log((n - m + 1.0) / nk1)
                        + (k + 0.5) * lr
                        + tm
                        + tnm
                        - tk
                        - tnk
                    )
                    if v <= bound:
                        break
            if flip:
                k = float(np.float32(n - k)) if single else n - k
            res = k
        if not ok:
            p = p0
            break
        out[i] = res
        i += 1
    st[0], st[1] = i, p


_binomial_kernel = LazyKernel(_binomial_loop, exact=True)
_poisson_kernel = LazyKernel(_poisson_loop, exact=True)
_gamma_kernel = LazyKernel(_gamma_loop, exact=True)
_mt_words_kernel = LazyKernel(_mt_words_loop, exact=True)
_unit64_kernel = LazyKernel(_unit64_loop, exact=True)
_MT_KERNEL_FROM = 8192  # fewer words: NumPy's random_raw (the state round trip costs ~50 us)
_exponential_kernel = LazyKernel(_exponential_loop, exact=True)
_tan_pi_kernel = LazyKernel(_tan_pi_loop, exact=True)
_exp_kernel = LazyKernel(_exp_loop, exact=True)
_blocks64_kernel = LazyKernel(_blocks64_loop, exact=True)
_box_muller_kernel = LazyKernel(_box_muller_loop, exact=True)
_fma_kernel = LazyKernel(_fma_loop, exact=True)
_fma3_kernel = LazyKernel(_fma3_loop, exact=True)


def fma(a: Any, b: Any, c: Any, dtype: Any) -> Any:
    """``a * b + c`` rounded once to ``dtype`` (float32 or float64), as a fused multiply-add;
    the inputs are rounded to ``dtype`` first.

    With Numba: the CPU's fused multiply-add (``backend.llvm_fma``), one compiled pass.
    Without: float32's product is exact in float64, the sum is rounded to odd in float64 and
    then to float32 (no double rounding); float64 is Boldo and Melquiond's emulation, an
    exact product (Dekker) and sum (TwoSum), the low parts added with rounding to odd (both
    exact; ~100x slower than the instruction).

    Example:
        >>> x = np.array([1 + 2.0**-30])
        >>> float(fma(x, x, -np.ones(1), np.float64)[0] - (x * x - 1)[0])  # the lost 2^-60
        8.673617379884035e-19
    """
    dt = np.dtype(dtype)
    if _jit():
        if np.ndim(b) == 0 and np.ndim(c) == 0:
            x = np.ascontiguousarray(a, dtype=dt)
            out = np.empty(x.shape, dtype=dt)
            _fma_kernel(x.reshape(-1), dt.type(b), dt.type(c), out.reshape(-1))
            return out
        shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c))
        args = [np.array(np.broadcast_to(np.asarray(v, dtype=dt), shape)) for v in (a, b, c)]
        out = np.empty(args[0].shape, dtype=dt)
        _fma3_kernel(*(v.reshape(-1) for v in args), out.reshape(-1))
        return out
    a64, b64, c64 = (np.asarray(v, dtype=dt).astype(np.float64) for v in (a, b, c))
    with np.errstate(over="ignore", invalid="ignore"):
        if dt == np.float32:
            out = _add_round_odd(*np.broadcast_arrays(a64 * b64, c64)).astype(np.float32)
        else:
            uh = a64 * b64
            ah, al = _split(a64)
            bh, bl = _split(b64)
            ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl
            th, tl = _two_sum(c64, uh)
            out = th + _add_round_odd(*np.broadcast_arrays(tl, ul))
        # overflow, inf and nan inputs: the plain formula (what the fused one gives there)
        bad = ~np.isfinite(out)
        if bad.any():
            out = np.where(bad, a64 * b64 + c64, out)
    return out.astype(dt, copy=False)


def affine(x: Any, scale: float, shift: float, dtype: Any, unit: bool = False) -> Any:
    """``fma(x, scale, shift)`` in ``dtype``, with shortcuts where one rounding of the plain
    formula is already the fused result: ``shift == 0`` or ``scale == 1``, and for float32
    with ``unit`` (x on [0, 1)'s 24-bit grid) ``x * scale + shift`` exact in float64 (where
    ``shift`` is within 2^-28 .. 2^4 times ``scale``).

    Example:
        >>> affine(np.array([0.5], np.float32), 2.0, 1.0, np.float32).tolist()
        [2.0]
    """
    dt = np.dtype(dtype)
    sc, sh = dt.type(scale), dt.type(shift)
    if sh == 0:
        return (x.astype(np.float64) * np.float64(sc)).astype(dt, copy=False)
    if sc == 1:
        return x.astype(dt, copy=False) + sh
    if unit and dt == np.float32 and sc != 0 and -28 <= math.frexp(sh)[1] - math.frexp(sc)[1] <= 4:
        return (x.astype(np.float64) * np.float64(sc) + np.float64(sh)).astype(dt)
    return fma(x, sc, sh, dt)


def _swap_loop(z: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
    for i in range(len(z)):
        k = z[i]
        out[i], out[k] = out[k], out[i]


_swap_kernel = LazyKernel(_swap_loop)


def fisher_yates(z: np.ndarray, n: int) -> np.ndarray:
    """The permutation of 0..n-1 left by the swaps ``a[i] <-> a[z[i]]`` for i = 0, 1, ...
    (``z[i] >= i``): the swap loop compiled by Numba when it is there (a permutation of
    60,000 items: 0.4 ms with it, 4.6 ms with the fallback), else :func:`fisher_yates_numpy`.

    Example:
        >>> import numpy as np
        >>> fisher_yates(np.array([2, 1]), 3).tolist()  # swap(0, 2), swap(1, 1)
        [2, 1, 0]
    """
    if not jit_available():
        return fisher_yates_numpy(z, n)
    out = np.arange(n, dtype=np.int64)
    _swap_kernel(np.ascontiguousarray(z, dtype=np.int64), out)
    return out


def fisher_yates_numpy(z: np.ndarray, n: int) -> np.ndarray:
    """:func:`fisher_yates` without a Python loop over the swaps (~4x faster than one for
    60,000 items, ~40x slower than the compiled loop).

    Position i is final after step i, and holds the value found at position ``z[i]`` then:
    the one that the previous step with the same partner moved there, or ``z[i]`` itself if
    no earlier step touched it.  The value a step moves is ``w(i)``, what position i holds
    just before step i: position i last changed at the latest step k < i with ``z[k] == i``
    (then ``w(i) = w(k)``), or never (``w(i) = i``); those links form trees, resolved by
    pointer jumping (log-depth many gathers).

    Example:
        >>> import numpy as np
        >>> fisher_yates_numpy(np.array([2, 1]), 3).tolist()  # swap(0, 2), swap(1, 1)
        [2, 1, 0]
    """
    m = len(z)
    out = np.arange(n, dtype=np.int64)
    if m == 0:
        return out
    steps = np.arange(m, dtype=np.int64)
    order = np.argsort(z * m + steps)  # by partner, and by step among equal partners
    zs = z[order]
    same = zs[1:] == zs[:-1]
    prev = np.full(m, -1, dtype=np.int64)  # the previous step with the same partner
    prev[order[1:][same]] = order[:-1][same]
    ends = np.flatnonzero(~same)
    last = np.append(order[ends], order[-1])  # the latest step with each partner value
    vals = np.append(zs[ends], zs[-1])
    last = np.where(last == vals, prev[last], last)  # steps before the value's own step
    link = out.copy()
    has = last >= 0
    link[vals[has]] = last[has]
    while True:
        nxt = link[link]
        if np.array_equal(nxt, link):
            break
        link = nxt
    out[:m] = np.where(prev >= 0, link[np.maximum(prev, 0)], z)
    out[m:] = link[m:]
    return out


def _digits(dt: np.dtype) -> int:
    """Mantissa digits of a float dtype (bfloat16 has 8)."""
    if dt.name == "bfloat16":
        return 8
    return int(np.finfo(dt).nmant) + 1


class MTStream:
    """torch's CPU generator state (engine and normal caches) and its sampling formulas (see
    the module docstring); unknown attributes are ``numpy.random.Generator``'s on the same
    engine.

    Example:
        >>> MTStream(0).torch_randint(0, 10, (5,), np.int64).tolist()  # torch.randint(0, 10, (5,))
        [4, 9, 3, 0, 3]
    """

    __slots__ = ("bits", "gen", "next_double", "next_float", "seed")

    def __init__(self, seed: int) -> None:
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        self.seed = int(seed) % 2**64
        self.bits = np.random.MT19937()
        self.bits.state = {
            "bit_generator": "MT19937",
            "state": {"key": init_genrand(self.seed), "pos": _N},
        }
        self.gen = np.random.Generator(self.bits)
        self.next_double: float | None = None  # the cached second Box-Muller sample
        self.next_float: float | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in MTStream.__slots__:  # (unset slots, pickle hooks)
            raise AttributeError(name)
        return getattr(self.gen, name)

    def __getstate__(self) -> np.ndarray:
        return self.get_state()

    def __setstate__(self, state: np.ndarray) -> None:
        self.set_state(state)

    # -- raw words ----------------------------------------------------------------------------

    def u32(self, n: int) -> np.ndarray:
        """``n`` 32-bit words (as uint64): NumPy's ``random_raw``, or for many words the
        compiled generator on a copy of the engine's state (1.1 ns a word against 2), the
        state written back."""
        if n >= _MT_KERNEL_FROM and _jit():
            st = self.bits.state
            key = np.array(st["state"]["key"], dtype=np.uint32)
            out = np.empty(n, dtype=np.uint64)
            pos = _mt_words_kernel(key, int(st["state"]["pos"]), out)
            self.bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
            return out
        return self.bits.random_raw(n) if n else np.zeros(0, dtype=np.uint64)

    def u64(self, n: int) -> np.ndarray:
        """``n`` 64-bit draws: two words each, the first one high."""
        raw = self.u32(2 * n)
        return (raw[0::2] << np.uint64(32)) | raw[1::2]

    # -- distributions ------------------------------------------------------------------------

    def _unit(self, n: int, dt: np.dtype) -> np.ndarray:
        """``n`` uniforms on [0, 1): float64 ones for float64, else float32 ones (half and
        bfloat16 draw float32 uniforms too, rounded at the end)."""
        if dt == np.float64:
            if _jit():
                out = np.empty(n, dtype=np.float64)
                _unit64_kernel(self.u32(2 * n), out)
                return out
            return (self.u64(n) & np.uint64(2**53 - 1)).astype(np.float64) * 2.0**-53
        return (self.u32(n) & np.uint64(2**24 - 1)).astype(np.float32) * np.float32(2.0**-24)

    def torch_uniform(
        self, shape: tuple, dtype: Any, low: float = 0.0, high: float = 1.0, fused: bool = True
    ) -> Any:
        """``empty(shape, dtype).uniform_(low, high)``; ``fused=False``: ``u * (high - low) +
        low`` rounded twice, as ATen's kernels outside its per-CPU builds (RReLU's) compute it."""
        dt = np.dtype(dtype)
        n = int(np.prod(shape, dtype=np.int64))
        acc = np.float64 if dt == np.float64 else np.float32
        u = self._unit(n, dt)
        if (low, high) == (0.0, 1.0):
            return u.astype(dt, copy=False).reshape(shape)
        lo, hi = acc(low), acc(high)
        u = affine(u, acc(hi - lo), lo, acc, unit=True) if fused else u * (hi - lo) + lo
        out = u.astype(dt, copy=False)
        out[out >= dt.type(high)] = dt.type(low)  # rounded up to ``high`` (in the output dtype)
        return out.reshape(shape)

    def _box_muller(self, n: int) -> np.ndarray:
        """``n`` float64 draws of ATen's serial normal distribution (with its cache)."""
        out = np.empty(n, dtype=np.float64)
        start = 0
        if n and self.next_double is not None:
            out[0], self.next_double, start = self.next_double, None, 1
        m = n - start
        pairs = -(-m // 2)
        if pairs:
            u = self._unit(2 * pairs, np.dtype(np.float64))
            if _jit():
                both = np.empty(2 * pairs, dtype=np.float64)
                _box_muller_kernel(u, both)
            else:
                r = np.sqrt(-2.0 * np.log1p(-u[1::2]))
                theta = 2.0 * np.pi * u[0::2]
                both = np.stack([r * np.cos(theta), r * np.sin(theta)], 1).ravel()
            out[start:] = both[:m]
            if m % 2:
                self.next_double = float(both[-1])
        return out

    @staticmethod
    def _blocks(d: np.ndarray, acc: Any) -> np.ndarray:
        if acc == np.float64 and _jit():
            d = np.ascontiguousarray(d, dtype=np.float64)  # in place (callers pass a buffer)
            _blocks64_kernel(d)
            return d
        d = d.reshape(-1, 16)
        u1 = acc(1) - d[:, :8]
        theta = (np.float32(2 * np.pi) if acc == np.float32 else 2 * np.pi) * d[:, 8:]
        r = np.sqrt(acc(-2) * np.log(u1))
        return np.concatenate([r * np.cos(theta), r * np.sin(theta)], 1).ravel()

    def torch_normal(
        self, shape: tuple, dtype: Any, mean: float = 0.0, std: float = 1.0, serial: bool = False
    ) -> Any:
        """``empty(shape, dtype).normal_(mean, std)``; ``serial``: the element-by-element
        kernel torch uses for a non-contiguous tensor (in row-major order here)."""
        dt = np.dtype(dtype)
        n = int(np.prod(shape, dtype=np.int64))
        if n < 16 or serial:
            z = self._box_muller(n)
            if (mean, std) != (0.0, 1.0):
                z = affine(z, float(std), float(mean), np.float64)
            return z.astype(dt).reshape(shape)
        acc = np.float64 if dt == np.float64 else np.float32
        whole = n // 16 * 16
        if dt.itemsize == 2:  # half, bfloat16: torch draws uniforms for the whole blocks only
            d = np.empty(n, dtype=np.float32)
            d[:whole] = self._unit(whole, dt)
        else:
            d = self._unit(n, dt)
        d[:whole] = self._blocks(d[:whole], acc)
        if n % 16:
            d[n - 16 :] = self._blocks(self._unit(16, dt), acc)
        if (mean, std) != (0.0, 1.0):
            d = affine(d, acc(std), acc(mean), acc)
        return d.astype(dt, copy=False).reshape(shape)

    def torch_randint(self, low: int, high: int, shape: tuple, dtype: Any) -> Any:
        """``empty(shape, dtype).random_(low, high)``: ``w mod (high - low) + low``."""
        n = int(np.prod(shape, dtype=np.int64))
        span = int(high) - int(low)
        wide = span >= 2**32 and np.dtype(dtype).name in ("int64", "float64", "float32", "bfloat16")
        w = self.u64(n) if wide else self.u32(n)
        v = (w % np.uint64(span)).astype(np.int64) + np.int64(low)
        return v.astype(dtype).reshape(shape)

    def torch_random(self, shape: tuple, dtype: Any) -> Any:
        """``empty(shape, dtype).random_()``: [0, 2^digits] for floats, [0, max] for ints."""
        dt = np.dtype(dtype)
        n = int(np.prod(shape, dtype=np.int64))
        if dt == np.bool_:
            return (self.u32(n) & np.uint64(1)).astype(bool).reshape(shape)
        if dt.kind == "f" or dt.name == "bfloat16":
            mod = 2 ** _digits(dt) + 1
            wide = dt == np.float64
        else:
            mod = int(np.iinfo(dt).max) + 1
            wide = dt.itemsize == 8
        w = self.u64(n) if wide else self.u32(n)
        return (w % np.uint64(mod)).astype(dt).reshape(shape)

    def torch_bernoulli(self, p: Any, shape: tuple, p_dtype: Any = np.float64) -> np.ndarray:
        """Bernoulli(``p``) as bool: ``u < p`` (float32 uniforms for a float32 ``p`` tensor,
        float64 ones for a float64 tensor or a number)."""
        n = int(np.prod(shape, dtype=np.int64))
        pd = np.dtype(p_dtype)
        if pd == np.float64:
            u = self._unit(n, pd)
            return (u < np.broadcast_to(np.asarray(p, dtype=np.float64), shape).ravel()).reshape(
                shape
            )
        u = self._unit(n, np.dtype(np.float32))
        pp = np.broadcast_to(np.asarray(p).astype(np.float32), shape).ravel()
        return (u < pp).reshape(shape)

    def torch_exponential(self, shape: tuple, dtype: Any, lambd: float) -> Any:
        """``empty(shape, dtype).exponential_(lambd)``: ``-1 / lambd * log1p(-u)``."""
        n = int(np.prod(shape, dtype=np.int64))
        u = self._unit(n, np.dtype(np.float64))
        if _jit():
            return _libm(_exponential_kernel, u, -1.0 / lambd).astype(dtype).reshape(shape)
        return ((-1.0 / lambd) * np.log1p(-u)).astype(dtype).reshape(shape)

    def torch_geometric(self, shape: tuple, dtype: Any, p: float) -> Any:
        """``empty(shape, dtype).geometric_(p)``: ``ceil(log(u) / log1p(-p))``, float64 u."""
        n = int(np.prod(shape, dtype=np.int64))
        u = self._unit(n, np.dtype(np.float64))
        with np.errstate(divide="ignore"):
            return np.ceil(np.log(u) / np.log1p(-p)).astype(dtype).reshape(shape)

    def torch_log_normal(self, shape: tuple, dtype: Any, mean: float, std: float) -> Any:
        """``empty(shape, dtype).log_normal_(mean, std)``: ``exp`` of the serial normal."""
        n = int(np.prod(shape, dtype=np.int64))
        z = affine(self._box_muller(n), float(std), float(mean), np.float64)
        z = _libm(_exp_kernel, z) if _jit() else np.exp(z)
        return z.astype(dtype).reshape(shape)

    def torch_cauchy(self, shape: tuple, dtype: Any, median: float, sigma: float) -> Any:
        """``empty(shape, dtype).cauchy_(median, sigma)``: ``median + sigma tan(pi (u - 1/2))``
        with float64 u."""
        n = int(np.prod(shape, dtype=np.int64))
        u = self._unit(n, np.dtype(np.float64))
        t = _libm(_tan_pi_kernel, u) if _jit() else np.tan(np.pi * (u - 0.5))
        return fma(t, float(sigma), float(median), np.float64).astype(dtype).reshape(shape)

    def _serial(self, kernel: LazyKernel, params: np.ndarray, words_each: int, *args: Any) -> Any:
        """Run a serial sampling loop (``_gamma_loop``'s protocol) over this engine's words:
        draw a chunk of words, let the loop consume what whole elements need, rewind the
        engine to just after them, repeat; the normal cache goes in and comes back."""
        n = params.size
        out = np.empty(n, dtype=np.float64)
        st = np.zeros(4, dtype=np.float64)
        if self.next_double is not None:
            st[2], st[3] = 1.0, self.next_double
        run = kernel if _jit() else kernel.fn
        chunk = words_each * n + 64
        while True:
            saved = self.bits.state
            done = int(st[0])
            st[1] = 0.0
            run(params, *args, self.u32(chunk), out, st)
            self.bits.state = saved
            used = int(st[1])
            self.u32(used)  # the words used, drawn again to move the engine on
            if st[0] >= n:
                break
            made, left = int(st[0]) - done, n - int(st[0])
            # an element that did not fit: twice the words; else the rate seen so far
            chunk = 2 * chunk if made == 0 else int(1.25 * used / made * left) + 64
        self.next_double = float(st[3]) if st[2] else None
        return out

    def torch_standard_gamma(self, alpha: Any, dtype: Any) -> np.ndarray:
        """``torch._standard_gamma(alpha)`` (``alpha`` of ``dtype``, float32 or float64):
        element by element in row-major order, Marsaglia and Tsang's method with float64
        uniforms and serial normals (below: ``d = alpha - 1/3`` with ATen's float constant,
        ``c = 1 / sqrt(9 d)``); ``alpha < 1`` boosted to ``alpha + 1`` with the factor
        ``(1 - u)^(1/alpha)`` drawn first; float32 does the boost's ``1/alpha``, ``alpha + 1``
        and ``alpha - 1/3`` in float32.  A draw ``x = 1 + c z`` (z normal) with ``x > 0`` gives
        ``v = x^3``, then ``u = 1 - uniform`` accepts ``d v`` if ``u < 1 - 0.0331 z^4`` or
        ``log u < z^2 / 2 + d (1 - v + log v)``, else a new z.  Results at least the dtype's
        smallest normal number."""
        dt = np.dtype(dtype)
        a = np.ascontiguousarray(np.asarray(alpha, dtype=dt), dtype=np.float64).reshape(-1)
        out = self._serial(_gamma_kernel, a, 8, dt == np.float32)
        tiny = np.finfo(dt).tiny
        out = out.astype(dt)  # ATen's std::max(tiny, draw): NaN draws give tiny too
        return np.where(out > tiny, out, dt.type(tiny)).reshape(np.shape(alpha))

    def torch_poisson(self, rate: Any, dtype: Any) -> np.ndarray:
        """``torch.poisson(rate)`` (``rate`` of ``dtype``): each rate as float64, element by
        element in row-major order (:func:`_poisson_loop`), the counts in ``dtype``."""
        dt = np.dtype(dtype)
        r = np.ascontiguousarray(np.asarray(rate, dtype=dt), dtype=np.float64).reshape(-1)
        return self._serial(_poisson_kernel, r, 6).astype(dt).reshape(np.shape(rate))

    def torch_binomial(self, count: Any, prob: Any, dtype: Any) -> np.ndarray:
        """``torch.binomial(count, prob)`` (both of ``dtype``, float32 or float64, one
        shape): element by element in row-major order (:func:`_binomial_loop`)."""
        dt = np.dtype(dtype)
        shape = np.broadcast_shapes(np.shape(count), np.shape(prob))
        n, q = (
            np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=dt), shape), dtype=np.float64)
            for v in (count, prob)
        )
        out = self._serial(
            _binomial_kernel, n.reshape(-1), 6, q.reshape(-1), dt == np.float32, _STIRLING_TAIL
        )
        return out.astype(dt).reshape(shape)

    def torch_dirichlet(self, alpha: Any, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
        """``torch._sample_dirichlet(alpha)``: float64 gamma draws of ``alpha`` (the float64
        algorithm of :meth:`torch_standard_gamma` whatever the dtype, at least float64's
        smallest normal), divided by their sum over the last axis, clamped into
        [smallest normal, 1 - eps/2] of ``dtype``.  Returns (the sample, the gamma draws)."""
        dt = np.dtype(dtype)
        shape = np.shape(alpha)
        a = np.ascontiguousarray(np.asarray(alpha, dtype=dt), dtype=np.float64).reshape(-1)
        g = self._serial(_gamma_kernel, a, 8, False)
        tiny = np.finfo(np.float64).tiny
        g = np.where(g > tiny, g, tiny)  # std::max(tiny, draw): NaN draws give tiny too
        g = g.reshape(shape)
        x = (g / g.sum(-1, keepdims=True)).astype(dt)
        top = np.nextafter(dt.type(1), dt.type(0))
        return np.clip(x, np.finfo(dt).tiny, top), g

    def randperm(self, n: int) -> np.ndarray:
        """``randperm(n)`` (int64): swaps of positions i and ``i + w_i mod (n - i)``."""
        if n < _RANDOM64_FROM:
            if n <= 1:
                return np.arange(n, dtype=np.int64)
            w = self.u32(n - 1)
            z = (w % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64)
            z += np.arange(n - 1, dtype=np.int64)
            return fisher_yates(z, n)
        # torch's "inside-out" variant for huge n: a[i] = a[z_i]; a[z_i] = i, z_i = w mod (i+1)
        z = (self.u64(n) % np.arange(1, n + 1, dtype=np.uint64)).astype(np.int64)
        return _inside_out(z, n)

    def int64_seed(self) -> int:
        """``int(torch.empty((), dtype=torch.int64).random_())``: a 64-bit draw mod 2^63."""
        return int(self.u64(1)[0] % np.uint64(2**63))

    # -- state --------------------------------------------------------------------------------

    def get_state(self) -> np.ndarray:
        """The state as torch's 5056 bytes (``torch.get_rng_state()``'s layout)."""
        st = self.bits.state["state"]
        pos = int(st["pos"])
        rec = np.zeros((), dtype=_STATE_DTYPE)
        rec["seed"] = self.seed
        rec["left"] = _N + 1 - pos
        rec["seeded"] = 1
        rec["next"] = pos
        rec["key"] = np.asarray(st["key"], dtype=np.uint64)
        if self.next_double is not None:
            rec["ny"], rec["nvalid"] = self.next_double, 1
        if self.next_float is not None:
            rec["f"], rec["fvalid"] = self.next_float, 1
        return np.frombuffer(rec.tobytes(), dtype=np.uint8).copy()

    def set_state(self, state: np.ndarray) -> None:
        """Restore from :meth:`get_state`'s bytes (or ``torch.get_rng_state()``'s)."""
        raw = np.asarray(state)
        if raw.dtype != np.uint8 or raw.shape != (_STATE_BYTES,):
            raise RuntimeError(
                f"Expected either a THGeneratorState of size 5048 or a CPUGeneratorImplState of "
                f"size {_STATE_BYTES} but found the input RNG state size to be "
                f"{raw.size} (pass a uint8 tensor from get_rng_state() or get_state())"
            )
        rec = np.frombuffer(raw.tobytes(), dtype=_STATE_DTYPE)[0]
        left = int(rec["left"])
        if not 1 <= left <= _N:
            raise RuntimeError(
                f"The initial seed or left count of the RNG state is invalid: "
                f"left = {left}, expected 1..{_N}"
            )
        pos = _N if left == 1 else int(rec["next"])
        self.seed = int(rec["seed"])
        self.bits = np.random.MT19937()
        self.bits.state = {
            "bit_generator": "MT19937",
            "state": {"key": rec["key"].astype(np.uint32), "pos": pos},
        }
        self.gen = np.random.Generator(self.bits)
        self.next_double = float(rec["ny"]) if rec["nvalid"] else None
        self.next_float = float(rec["f"]) if rec["fvalid"] else None


def _inside_out_loop(z: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - compiled
    for i in range(len(z)):
        k = z[i]
        out[i] = out[k]
        out[k] = i


_inside_out_kernel = LazyKernel(_inside_out_loop)


def _inside_out(z: np.ndarray, n: int) -> np.ndarray:
    """torch's inside-out shuffle for ``n`` of 2^32 / 20 and more: compiled by Numba when it
    is there, else a Python loop (such a permutation takes gigabytes either way)."""
    out = np.arange(n, dtype=np.int64)
    if jit_available():
        _inside_out_kernel(z, out)
    else:  # pragma: no cover - over 200 million items without Numba
        _inside_out_loop(z, out)
    return out
