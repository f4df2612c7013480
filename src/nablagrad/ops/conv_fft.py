"""Stride-1 convolution through real FFTs (used by ``ops.conv`` when it is the cheaper path).

For stride 1, dilation 1 and one group, the padded input ``xpad`` (N, C, Hp, Wp), the kernel
``w`` (O, C, KH, KW) and the output gradient ``g`` (N, O, OH, OW) with OH = Hp - KH + 1 all fit
in one FFT size (Fh, Fw) >= (Hp, Wp) without wrap-around, so with X, W, G their 2-D real
spectra (one per image / filter, zero-padded to Fh x Fw):

    out  = irfft(sum_c X[n, c] * conj(W[o, c]))[:OH, :OW]      (correlation)
    dW   = irfft(sum_n conj(G[n, o]) * X[n, c])[:KH, :KW]     (correlation of xpad with g)
    dx   = irfft(sum_o G[n, o] * W[o, c]) cropped by the padding (convolution of g with w)

Each channel sum is one batched complex matrix product over the Fh*(Fw//2+1) frequencies, so
the cost is O(N*(C+O)*Fh*Fw*log(Fh*Fw)) for the transforms plus O(N*C*O*Fh*Fw) for the
products, instead of the O(N*C*O*KH*KW*OH*OW) of im2col + GEMM: far cheaper for 5x5 kernels on
many channels.  The spectra of x and w are kept from the forward for the backward.
"""

from __future__ import annotations

from typing import Any

from ..backend import np, scipy, scratch_empty

# scipy's pocketfft keeps float32 as complex64 and is several times faster than numpy's
_sfft = scipy("fft")  # None without scipy: im2col only


def fft_conv_ok(
    xp: Any, x_shape: tuple, w_shape: tuple, prm: tuple, dtype: Any = "float32", force=False
) -> bool:
    """Whether the FFT path applies (NumPy, stride 1, dilation 1, one group, float32/float64
    ``dtype``, non-negative padding) and is estimated cheaper than im2col + GEMM here
    (``force``: whether it applies at all)."""
    stride, padding, dilation, groups = prm
    if stride != (1, 1) or dilation != (1, 1) or groups != 1 or len(x_shape) != 4:
        return False
    if xp.__name__ != "numpy" or _sfft is None or min(padding[0] + padding[1]) < 0:
        return False
    if xp.dtype(dtype) not in (xp.float32, xp.float64):
        return False
    n, c, h, w = x_shape
    o, _, kh, kw = w_shape
    hp, wp = h + sum(padding[0]), w + sum(padding[1])
    oh, ow = hp - kh + 1, wp - kw + 1
    if oh < 1 or ow < 1:
        return False
    if force:
        return True
    if kh * kw < 9:
        return False
    # rough single-core costs (ns), calibrated on a 2-core AMD EPYC with OpenBLAS
    gemm = 2 * n * o * c * kh * kw * oh * ow / 45.0 + 0.4 * n * c * kh * kw * oh * ow
    return fft_cost(x_shape, w_shape, padding) < gemm


def fft_cost(x_shape: tuple, w_shape: tuple, padding: tuple) -> float:
    """Rough single-core cost (ns) of the FFT path's forward: transforms plus products."""
    n, c, h, w = x_shape
    o = w_shape[0]
    fh, fw = fft_size(h + sum(padding[0]), w + sum(padding[1]))
    nfreq = fh * (fw // 2 + 1)
    return 2.5 * n * (c + o) * fh * fw + 8 * n * c * o * nfreq / 40.0 + 2000.0 * nfreq / 64


def _smooth(n: int) -> int:
    """The smallest m >= n with no prime factor above 7 (pocketfft transforms those fast)."""
    m = n
    while True:
        r = m
        for p in (2, 3, 5, 7):
            while r % p == 0:
                r //= p
        if r == 1:
            return m
        m += 1


def fft_size(hp: int, wp: int) -> tuple:
    """FFT lengths >= the padded input size (no wrap-around) that transform quickly."""
    return _smooth(hp), _smooth(wp)


class FFTConvCache:
    """The spectra of the padded input and of the kernel, by frequency: (F, N, C), (F, C, O)."""

    def __init__(self, xf: Any, wf: Any, fsize: tuple, x_shape: tuple, w_shape: tuple) -> None:
        self.xf, self.wf, self.fsize = xf, wf, fsize
        self.x_shape, self.w_shape = x_shape, w_shape


def _spectra(a: Any, fsize: tuple) -> Any:
    """2-D real spectra of a (A, B, H, W) zero-padded to fsize, as an (Fh*Fr, A, B) view.

    Rows first (SciPy's rfft of only the H real rows, copied into a reused zero-padded buffer),
    then columns (SciPy's complex FFT in place, no second allocation; NumPy's ``rfft`` with
    ``out=`` would avoid the first one too but measured 1.5-6x slower on these small
    transforms).  The batched products
    take the strided view as it is: no transposed copy (measured as fast, one large temporary
    less)."""
    n0, n1, h, _ = a.shape
    fh, fw = fsize
    fr = fw // 2 + 1
    ctype = np.result_type(a.dtype, np.complex64)
    s = scratch_empty(np, (n0, n1, fh, fr), ctype)
    if fh > h:
        s[:, :, h:] = 0
    if fw > a.shape[3]:  # zero-pad the rows into a reused buffer (SciPy would allocate one)
        padded = scratch_empty(np, (n0, n1, h, fw), a.dtype)
        padded[..., a.shape[3] :] = 0
        padded[..., : a.shape[3]] = a
        a = padded
    s[:, :, :h] = _sfft.rfft(a, axis=3)
    s = _sfft.fft(s, axis=2, overwrite_x=True)
    return s.reshape(n0, n1, -1).transpose(2, 0, 1)


def _back(xp: Any, a: Any, b: Any, fsize: tuple, rows: slice, cols: slice) -> Any:
    """The real 2-D inverse transform of the batched product a @ b ((F, A, K) @ (F, K, B)),
    cropped to ``[rows, cols]``: an (A, B, len(rows), len(cols)) view.

    The product is written straight into an (A, B, F) array through a transposed ``out``
    view (cheaper than transposing the (F, A, B) result afterwards), so the inverse transforms
    run on contiguous rows (in place for the columns); the row transform keeps only the rows
    wanted."""
    f, na, nb = a.shape[0], a.shape[1], b.shape[2]
    spec = scratch_empty(xp, (na, nb, f), xp.result_type(a, b))
    xp.matmul(a, b, out=spec.transpose(2, 0, 1))
    spec = spec.reshape(na, nb, fsize[0], f // fsize[0])
    t = _sfft.ifft(spec, axis=2, overwrite_x=True)[:, :, rows]
    return _sfft.irfft(t, n=fsize[1], axis=3, overwrite_x=True)[:, :, :, cols]


def fft_conv_forward(xp: Any, xpad: Any, w: Any) -> tuple:
    """(out (N, O, OH, OW) contiguous, cache) for the stride-1 correlation of padded x with w."""
    _, _, hp, wp = xpad.shape
    _, _, kh, kw = w.shape
    fsize = fft_size(hp, wp)
    xf = _spectra(xpad, fsize)  # F, N, C
    wf = xp.ascontiguousarray(_spectra(w, fsize).transpose(0, 2, 1))  # F, C, O (small)
    out = _back(xp, xf, wf.conj(), fsize, slice(0, hp - kh + 1), slice(0, wp - kw + 1))
    cache = FFTConvCache(xf, wf, fsize, xpad.shape, w.shape)
    res = scratch_empty(xp, out.shape, xpad.dtype)
    res[...] = out
    return res, cache


def fft_conv_backward(
    xp: Any, g: Any, cache: FFTConvCache, padding: tuple, need_x: bool, need_w: bool
) -> tuple:
    """(dL/dx, dL/dW) from the output gradient g (N, O, OH, OW); None where not needed."""
    fsize = cache.fsize
    gf = _spectra(g, fsize)  # F, N, O
    gx = gw = None
    if need_w:
        _, _, kh, kw = cache.w_shape
        gw = _back(xp, gf.transpose(0, 2, 1).conj(), cache.xf, fsize, slice(0, kh), slice(0, kw))
        gw = xp.ascontiguousarray(gw, dtype=g.dtype)  # O, C, KH, KW
    if need_x:
        (pt, pb), (pl, pr) = padding
        _, _, hp, wp = cache.x_shape
        gx = _back(
            xp, gf, cache.wf.transpose(0, 2, 1), fsize, slice(pt, hp - pb), slice(pl, wp - pr)
        )
        res = scratch_empty(xp, gx.shape, g.dtype)  # N, C, H, W
        res[...] = gx
        gx = res
    return gx, gw
