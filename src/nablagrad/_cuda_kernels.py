"""Fused CUDA kernels for the steps that cost many small launches on the GPU.

On a GPU, nablagrad's time per training step is mostly host time: each array operation is a
CuPy call (~10-20 us of Python and a kernel launch), so an optimizer update written as eight
array operations per parameter costs eight launches.  Each function here does one such update
in one ``cupy.ElementwiseKernel`` launch, with the same formula, in the same order and (no
fused multiply-adds) with the same roundings as the NumPy path it replaces.  Every function
returns ``False`` (or None) without touching anything when the arrays are not CuPy arrays of
one float32/float64 dtype (NumPy arrays, the fake CUDA device), and the caller then runs its
array code; so the kernels need a GPU to run, and
``tests/gpu/test_cuda_kernels_gpu.py`` compares each with that array code there.

The kernels are built on first use from the array module that owns the arrays (``cupy``,
through ``backend.get_array_module``) and compiled once by CuPy (cached on disk).
"""

from __future__ import annotations

from typing import Any

from .backend import get_array_module, np

_kernels: dict[str, Any] = {}

_SOURCES = {
    # Adam: m <- (1 - b1) g + b1 m;  v <- (1 - b2) g^2 + b2 v;  w <- w + a * m / (sqrt(v) + e)
    # (a = -lr sqrt(1 - b2^t) / (1 - b1^t), e = eps sqrt(1 - b2^t): optim.adam._adam_update)
    "adam": (
        "T g, T a1, T b1, T a2, T b2, T e, T a",
        "T w, T m, T v",
        "m = a1 * g + b1 * m; v = a2 * (g * g) + b2 * v; w = w + a * (m / (sqrt(v) + e));",
    ),
    # the same with amsgrad's running maximum of v (``vm``, NaN-propagating as NumPy's
    # maximum) in the denominator
    "adam_amsgrad": (
        "T g, T a1, T b1, T a2, T b2, T e, T a",
        "T w, T m, T v, T vm",
        "m = a1 * g + b1 * m; v = a2 * (g * g) + b2 * v; vm = (v != v || v > vm) ? v : vm;"
        " w = w + a * (m / (sqrt(vm) + e));",
    ),
    # SGD with momentum: buf <- (1 - tau) g + mu buf;  d = buf, or g + mu buf (Nesterov);
    # w <- w - lr d  (optim.sgd._sgd_update)
    "sgd_momentum": (
        "T g, T a, T mu, T nesterov, T lr",
        "T w, T buf",
        "buf = a * g + mu * buf; w = w + (-lr) * (nesterov != 0 ? g + mu * buf : buf);",
    ),
}

# col2im: each element of the (cropped) input gradient sums the columns that read it, kernel
# position by kernel position in the order of ops.conv._col2im's strided additions
_COL2IM = (
    "raw T cols, int32 C, int32 NB, int32 H, int32 W, int32 KH, int32 KW, int32 OH, int32 OW,"
    " int32 SH, int32 SW, int32 DH, int32 DW, int32 PT, int32 PL, int32 cn",
    "T gx",
    """
    int x = i % W; long long t = i / W;
    int y = t % H; t /= H;
    int c = t % C; int n = t / C;
    int yp = y + PT, xq = x + PL;
    T s = 0;
    for (int p = 0; p < KH; ++p) {
        int ry = yp - p * DH;
        if (ry < 0 || ry % SH != 0) continue;
        int oy = ry / SH;
        if (oy >= OH) continue;
        for (int q = 0; q < KW; ++q) {
            int rx = xq - q * DW;
            if (rx < 0 || rx % SW != 0) continue;
            int ox = rx / SW;
            if (ox >= OW) continue;
            long long k = cn ? (((long long)(c * KH + p) * KW + q) * NB + n)
                             : (((long long)(n * C + c) * KH + p) * KW + q);
            s = s + cols[(k * OH + oy) * OW + ox];
        }
    }
    gx = s;
    """,
)


_plain: set[str] = set()  # kernels rebuilt without --fmad=false (NVRTC refused it)


def _kernel(xp: Any, name: str) -> Any:
    k = _kernels.get(name)
    if k is None:
        params, outs, body = _COL2IM if name == "col2im" else _SOURCES[name]
        # --fmad=false: no fused multiply-adds, so each operation rounds as NumPy's does
        options = () if name in _plain else ("--fmad=false",)
        k = _kernels[name] = xp.ElementwiseKernel(
            params, outs, body, f"nablagrad_{name}", options=options
        )
    return k


def _launch(xp: Any, name: str, *args: Any) -> None:
    """Run kernel ``name`` (compiled by CuPy on its first call for each dtype).  Should NVRTC
    refuse ``--fmad=false`` (a ``CompileException``), the kernel is rebuilt with CuPy's default
    options, where multiply-adds may fuse (last-bit differences from NumPy), and run."""
    try:
        _kernel(xp, name)(*args)
    except Exception as e:
        if type(e).__name__ != "CompileException" or name in _plain:
            raise
        _plain.add(name)
        del _kernels[name]
        _kernel(xp, name)(*args)


def _cuda(*arrays: Any) -> Any:
    """The CuPy module when every array is a CuPy array of one float32/float64 dtype, else
    None (NumPy arrays, the fake device, mixed or other dtypes: the caller's array code)."""
    if type(arrays[0]) is np.ndarray:  # the CPU's every optimizer step: no lookups (~1.5 us)
        return None
    xp = get_array_module(arrays[0])
    if getattr(xp, "ElementwiseKernel", None) is None:  # the fake device has none
        return None
    dt = arrays[0].dtype
    if dt.char not in "fd":
        return None
    for a in arrays:
        if get_array_module(a) is not xp or a.dtype != dt:
            return None
    return xp


def adam_(w: Any, g: Any, m: Any, v: Any, vmax: Any, b1: float, b2: float, eps: float,
          a: float) -> bool:  # fmt: skip
    """One Adam update in one launch (see ``_SOURCES["adam"]``; ``eps`` already scaled by
    ``sqrt(1 - b2^t)``, ``a`` the signed step factor); whether it ran."""
    arrays = (w, g, m, v) if vmax is None else (w, g, m, v, vmax)
    xp = _cuda(*arrays)
    if xp is None:
        return False
    dt = w.dtype.type
    scal = (dt(1 - b1), dt(b1), dt(1 - b2), dt(b2), dt(eps), dt(a))
    if vmax is None:
        _launch(xp, "adam", g, *scal, w, m, v)
    else:
        _launch(xp, "adam_amsgrad", g, *scal, w, m, v, vmax)
    return True


def sgd_momentum_(w: Any, g: Any, buf: Any, lr: float, mu: float, tau: float,
                  nesterov: bool) -> bool:  # fmt: skip
    """One momentum-SGD update (buffer already set) in one launch; whether it ran."""
    xp = _cuda(w, g, buf)
    if xp is None:
        return False
    dt = w.dtype.type
    _launch(xp, "sgd_momentum", g, dt(1 - tau), dt(mu), dt(1.0 if nesterov else 0.0), dt(lr),
            w, buf)  # fmt: skip
    return True


def col2im(gcols: Any, pshape: tuple, stride: tuple, dilation: tuple, padding: tuple,
           cn: bool) -> Any:  # fmt: skip
    """``ops.conv._col2im`` (``cn=False``: columns (N, C, KH, KW, OH, OW)) or ``_col2im_cn``
    (``cn=True``: (C, KH, KW, N, OH, OW)) in one launch: the cropped NCHW input gradient, or
    None when the columns are not on the GPU."""
    xp = _cuda(gcols)
    if xp is None:
        return None
    if cn:
        c, kh, kw, n, oh, ow = gcols.shape
    else:
        n, c, kh, kw, oh, ow = gcols.shape
    (pt, pb), (pl, pr) = padding
    h, w = pshape[2] - pt - pb, pshape[3] - pl - pr
    out = xp.empty((n, c, h, w), dtype=gcols.dtype)
    args = (c, n, h, w, kh, kw, oh, ow, *stride, *dilation, pt, pl, int(cn))
    _launch(xp, "col2im", xp.ascontiguousarray(gcols), *(xp.int32(v) for v in args), out)
    return out
