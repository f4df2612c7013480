"""Stride-1 convolution by Winograd's minimal filtering on 6x6 tiles: F(4x4, 3x3) for 3x3
kernels and F(2x2, 5x5) for 5x5 kernels.

Both use the interpolation points 0, 1, -1, 2, -2 and infinity, so they share the input
transform B^T (6x6); the kernel transform G (6 x r) and the output transform A^T (m x 6) follow
from the points (Lavin & Gray, 2015; here m = 7 - r outputs per tile side).  Every output tile
is ``Y = A^T [ sum_c (G g G^T) * (B^T d B) ] A`` for the 6x6 input patch ``d`` at (m i, m j):
36 GEMMs M[t] (P, O) = V[t] (P, C) @ U[t]^T (C, O) over the P = N * tiles patches, with 36
multiplications per m*m outputs instead of r*r*m*m (4x fewer for F(4x4, 3x3), 2.8x for
F(2x2, 5x5)).  The price is larger transform coefficients (up to 8), so float32 results differ
from im2col's by a few units in the 5th-6th significant digit (tested against torch).

The transforms are linear combinations of whole (tile row, tile column) planes of a
spatial-major (H, W, N*C) copy of the batch (``conv_winograd._to_spatial``), so every NumPy
call runs over long contiguous rows.  Backward is the transposed maps: dM = A dY A^T,
dU = V^T dM (dW = G^T dU G), dV = dM U^T, and the patch gradients B dV B^T added back onto
the overlapping patches.  ``create_graph`` goes through the im2col primitives, as for every
path.
"""

from __future__ import annotations

from typing import Any

from ..backend import scratch_empty
from .conv_winograd import _from_spatial, _to_spatial

_BT = (
    (4, 0, -5, 0, 1, 0),
    (0, -4, -4, 1, 1, 0),
    (0, 4, -4, -1, 1, 0),
    (0, -2, -1, 2, 1, 0),
    (0, 2, -1, -2, 1, 0),
    (0, 4, 0, -5, 0, 1),
)
_AT = {
    3: ((1, 1, 1, 1, 1, 0), (0, 1, -1, 2, -2, 0), (0, 1, 1, 4, 4, 0), (0, 1, -1, 8, -8, 1)),
    5: ((1, 1, 1, 1, 1, 0), (0, 1, -1, 2, -2, 1)),
}
_G = {
    3: (
        (1 / 4, 0, 0),
        (-1 / 6, -1 / 6, -1 / 6),
        (-1 / 6, 1 / 6, -1 / 6),
        (1 / 24, 1 / 12, 1 / 6),
        (1 / 24, -1 / 12, 1 / 6),
        (0, 0, 1),
    ),
    5: (
        (1 / 4, 0, 0, 0, 0),
        (-1 / 6, -1 / 6, -1 / 6, -1 / 6, -1 / 6),
        (-1 / 6, 1 / 6, -1 / 6, 1 / 6, -1 / 6),
        (1 / 24, 1 / 12, 1 / 6, 1 / 3, 2 / 3),
        (1 / 24, -1 / 12, 1 / 6, -1 / 3, 2 / 3),
        (0, 0, 0, 0, 1),
    ),
}
_ALPHA = 6


def winograd6_ok(xp: Any, x_shape: tuple, w_shape: tuple, prm: tuple, dtype: Any) -> bool:
    """Whether the 6x6-tile Winograd applies: NumPy float arrays, a 3x3 or 5x5 kernel, stride 1,
    dilation 1, one group, non-negative padding and an output of at least one pixel."""
    stride, padding, dilation, groups = prm
    if xp.__name__ != "numpy" or xp.dtype(dtype) not in (xp.float32, xp.float64):
        return False
    r = w_shape[2]
    if r not in _G or tuple(w_shape[2:]) != (r, r) or len(x_shape) != 4:
        return False
    if stride != (1, 1) or dilation != (1, 1) or groups != 1 or min(padding[0] + padding[1]) < 0:
        return False
    return x_shape[2] + sum(padding[0]) >= r and x_shape[3] + sum(padding[1]) >= r


def _lin(xp: Any, coefs: tuple, pick: Any, out: Any, tmp: Any) -> Any:
    """out = sum_i coefs[i] * pick(i) over the non-zero coefficients (``tmp``: scratch of
    out's shape for the terms whose coefficient is not +-1)."""
    terms = [(i, c) for i, c in enumerate(coefs) if c != 0]
    i0, c0 = terms[0]
    if c0 == 1:
        out[...] = pick(i0)
    elif c0 == -1:
        xp.negative(pick(i0), out=out)
    else:
        xp.multiply(pick(i0), out.dtype.type(c0), out=out)
    for i, c in terms[1:]:
        if c == 1:
            out += pick(i)
        elif c == -1:
            out -= pick(i)
        else:
            xp.multiply(pick(i), out.dtype.type(c), out=tmp)
            out += tmp
    return out


# The four transforms with their shared sub-terms spelled out (about 40% fewer passes than a
# term-by-term sum; ``_lin`` remains for F(2x2, 5x5)'s 2x6 output transform).  Each takes the
# input planes ``d`` and output planes ``out`` (lists of equal-shape views) and one scratch
# plane ``t``.


def _bt(xp: Any, d: list, out: list, t: Any) -> None:
    """out[k] = sum_a B^T[k, a] d[a] (B^T: ``_BT``)."""
    xp.multiply(d[0], 4, out=out[0])  # 4 d0 - 5 d2 + d4
    xp.multiply(d[2], 5, out=t)
    out[0] -= t
    out[0] += d[4]
    xp.multiply(d[1], 4, out=out[5])  # 4 d1 - 5 d3 + d5
    xp.multiply(d[3], 5, out=t)
    out[5] -= t
    out[5] += d[5]
    xp.add(d[1], d[2], out=t)  # (d3 + d4) - 4 (d1 + d2)
    t *= 4
    xp.add(d[3], d[4], out=out[1])
    out[1] -= t
    xp.subtract(d[1], d[2], out=t)  # (d4 - d3) + 4 (d1 - d2)
    t *= 4
    xp.subtract(d[4], d[3], out=out[2])
    out[2] += t
    xp.subtract(d[3], d[1], out=t)  # (d4 - d2) +- 2 (d3 - d1)
    t *= 2
    xp.subtract(d[4], d[2], out=out[3])
    xp.subtract(out[3], t, out=out[4])
    out[3] += t


def _b(xp: Any, d: list, out: list, t: Any, t2: Any) -> None:
    """out[a] = sum_k B^T[k, a] d[k] (the transposed map, for the input gradient)."""
    xp.multiply(d[0], 4, out=out[0])
    out[5][...] = d[5]
    xp.add(d[1], d[2], out=out[4])  # d0 + (d1 + d2) + (d3 + d4)
    xp.add(d[3], d[4], out=t)
    xp.multiply(out[4], 4, out=out[2])  # -5 d0 - 4 (d1 + d2) - (d3 + d4)
    out[2] += t
    out[4] += t
    out[4] += d[0]
    xp.multiply(d[0], 5, out=t)
    out[2] += t
    xp.negative(out[2], out=out[2])
    xp.subtract(d[4], d[3], out=t2)  # m43 = d4 - d3, doubled
    t2 *= 2
    xp.subtract(d[2], d[1], out=t)  # m21 = d2 - d1
    xp.add(t, t2, out=out[3])  # -(m21 + 2 m43) - 5 d5
    t += d[5]  # 4 (m21 + d5) + 2 m43
    t *= 4
    xp.add(t, t2, out=out[1])
    xp.multiply(d[5], 5, out=t)
    out[3] += t
    xp.negative(out[3], out=out[3])


def _at4(xp: Any, mm: list, out: list, t: Any) -> None:
    """out[a] = sum_k A^T[a, k] mm[k] for F(4x4, 3x3)'s A^T (``_AT[3]``)."""
    xp.add(mm[1], mm[2], out=out[2])  # p1
    xp.add(mm[3], mm[4], out=t)  # p2
    xp.add(out[2], t, out=out[0])
    out[0] += mm[0]  # m0 + p1 + p2
    t *= 4
    out[2] += t  # p1 + 4 p2
    xp.subtract(mm[1], mm[2], out=out[1])  # d1
    xp.subtract(mm[3], mm[4], out=t)  # d2
    xp.add(out[1], mm[5], out=out[3])
    t *= 2
    out[1] += t  # d1 + 2 d2
    t *= 4
    out[3] += t  # d1 + 8 d2 + m5


def _a4(xp: Any, y: list, out: list, t: Any, t2: Any) -> None:
    """out[k] = sum_a A^T[a, k] y[a] for F(4x4, 3x3) (the transposed map, for dM)."""
    out[0][...] = y[0]
    out[5][...] = y[3]
    xp.add(y[0], y[2], out=t)  # (y0 + y2) +- (y1 + y3)
    xp.add(y[1], y[3], out=t2)
    xp.add(t, t2, out=out[1])
    xp.subtract(t, t2, out=out[2])
    xp.multiply(y[2], 4, out=t)  # (y0 + 4 y2) +- 2 (y1 + 4 y3)
    t += y[0]
    xp.multiply(y[3], 4, out=t2)
    t2 += y[1]
    t2 *= 2
    xp.add(t, t2, out=out[3])
    xp.subtract(t, t2, out=out[4])


def _geometry(hp: int, wp: int, r: int) -> tuple:
    """(m, th, tw): outputs per tile side and tile counts for a padded input of hp x wp."""
    m = _ALPHA - r + 1
    return m, -(-(hp - r + 1) // m), -(-(wp - r + 1) // m)


class Winograd6Cache:
    """What the backward needs: the transformed input and kernel, and the geometry."""

    def __init__(self, v: Any, u: Any, r: int, tiles: tuple, pshape: tuple) -> None:
        self.v, self.u, self.r, self.tiles, self.pshape = v, u, r, tiles, pshape


def _input_transform(xp: Any, xpad: Any, r: int) -> tuple:
    """V (36, P, C) = B^T d B for every 6x6 patch d (stride m) of the padded input."""
    n, c, hp, wp = xpad.shape
    m, th, tw = _geometry(hp, wp, r)
    need_h, need_w = m * th + _ALPHA - m, m * tw + _ALPHA - m
    xt = scratch_empty(xp, (need_h, need_w, n * c), xpad.dtype)
    if need_h > hp:
        xt[hp:] = 0
    if need_w > wp:
        xt[:hp, wp:] = 0
    _to_spatial(xp, xpad, xt)
    rows = [xt[a : a + m * th : m] for a in range(_ALPHA)]  # (th, need_w, N*C)
    t = scratch_empty(xp, (_ALPHA, th, need_w, n * c), xpad.dtype)
    tmp = scratch_empty(xp, t.shape[1:], xpad.dtype)
    _bt(xp, rows, list(t), tmp)
    v = scratch_empty(xp, (_ALPHA * _ALPHA, th, tw, n * c), xpad.dtype)
    tmp = scratch_empty(xp, v.shape[1:], xpad.dtype)
    for u in range(_ALPHA):
        cols = [t[u][:, b : b + m * tw : m] for b in range(_ALPHA)]
        _bt(xp, cols, [v[_ALPHA * u + w] for w in range(_ALPHA)], tmp)
    return v.reshape(_ALPHA * _ALPHA, th * tw * n, c), (th, tw)


def _kron_g(xp: Any, r: int, dtype: Any) -> Any:
    """(G kron G) (36, r*r): row u*6 + v, column a*r + b holds G[u, a] G[v, b]."""
    gm = xp.asarray(_G[r], dtype=dtype)
    return xp.ascontiguousarray(xp.kron(gm, gm))


def _kernel_transform(xp: Any, w: Any) -> Any:
    """U (36, O, C) = G g G^T for every (O, C) kernel g: one GEMM (G kron G) @ w^T (36 x r*r
    times r*r x O*C) straight into this layout; the products read U[t] transposed.  (An
    einsum to (36, C, O) took 40 ms for 512 x 512 kernels, most of a Winograd layer's time.)"""
    o, c, r, _ = w.shape
    u = _kron_g(xp, r, w.dtype) @ w.reshape(o * c, r * r).T
    return u.reshape(_ALPHA * _ALPHA, o, c)


def _weight_grad_from_transformed(xp: Any, du: Any, r: int, dtype: Any) -> Any:
    """dW (O, C, r, r) = G^T dU G for dU (36, O, C) (the adjoint of ``_kernel_transform``):
    (G kron G)^T @ dU, then one small transposed copy."""
    _, o, c = du.shape
    gw = _kron_g(xp, r, du.dtype).T @ du.reshape(_ALPHA * _ALPHA, o * c)  # (r*r, O*C)
    return xp.ascontiguousarray(gw.reshape(r, r, o, c).transpose(2, 3, 0, 1), dtype=dtype)


def winograd6_forward(xp: Any, xpad: Any, w: Any) -> tuple:
    """(out (N, O, Hp-r+1, Wp-r+1), cache) for the stride-1 correlation of padded x with w."""
    n, _, hp, wp = xpad.shape
    o, r = w.shape[0], w.shape[2]
    m = _ALPHA - r + 1
    v, (th, tw) = _input_transform(xp, xpad, r)
    u = _kernel_transform(xp, w)
    mm = scratch_empty(xp, (_ALPHA * _ALPHA, v.shape[1], o), xpad.dtype)
    xp.matmul(v, u.transpose(0, 2, 1), out=mm)
    # Y = A^T M A: first along the tile rows (s[a, v]), then along the columns
    at = _AT[r]
    m5 = mm.reshape(_ALPHA, _ALPHA, th, tw, n * o)
    s = scratch_empty(xp, (m, _ALPHA, th, tw, n * o), xpad.dtype)
    tmp = scratch_empty(xp, (th, tw, n * o), xpad.dtype)
    full = scratch_empty(xp, (th, m, tw, m, n * o), xpad.dtype)
    if r == 3:
        for col in range(_ALPHA):
            _at4(xp, [m5[k, col] for k in range(_ALPHA)], [s[a, col] for a in range(m)], tmp)
        for a in range(m):
            _at4(xp, [s[a, k] for k in range(_ALPHA)], [full[:, a, :, b] for b in range(m)], tmp)
    else:
        for a in range(m):
            for col in range(_ALPHA):
                _lin(xp, at[a], lambda k, col=col: m5[k, col], s[a, col], tmp)
        for a in range(m):
            for b in range(m):
                _lin(xp, at[b], lambda k, a=a: s[a, k], full[:, a, :, b], tmp)
    full = full.reshape(m * th, m * tw, n * o)
    out = _from_spatial(xp, full[: hp - r + 1, : wp - r + 1], n, o)
    return out, Winograd6Cache(v, u, r, (th, tw), xpad.shape)


def winograd6_backward(
    xp: Any, g: Any, cache: Winograd6Cache, padding: tuple, need_x: bool, need_w: bool
) -> tuple:
    """(dL/dx, dL/dW) from the output gradient g (N, O, OH, OW); None where not needed."""
    th, tw = cache.tiles
    r = cache.r
    m = _ALPHA - r + 1
    n, o, oh, ow = g.shape
    at = _AT[r]
    # dM = A dY A^T, dY the m x m output-gradient tiles (zero beyond g)
    gt = scratch_empty(xp, (m * th, m * tw, n * o), g.dtype)
    if oh < m * th:
        gt[oh:] = 0
    if ow < m * tw:
        gt[:oh, ow:] = 0
    _to_spatial(xp, g, gt)
    g5 = gt.reshape(th, m, tw, m, n * o)
    acol = [tuple(at[a][k] for a in range(m)) for k in range(_ALPHA)]  # columns of A^T
    rr = scratch_empty(xp, (_ALPHA, m, th, tw, n * o), g.dtype)
    tmp = scratch_empty(xp, (th, tw, n * o), g.dtype)
    dm = scratch_empty(xp, (_ALPHA * _ALPHA, th, tw, n * o), g.dtype)
    if r == 3:
        tmp2 = scratch_empty(xp, tmp.shape, g.dtype)
        for b in range(m):
            _a4(
                xp, [g5[:, a, :, b] for a in range(m)], [rr[k, b] for k in range(_ALPHA)], tmp, tmp2
            )
        for k in range(_ALPHA):
            _a4(
                xp,
                [rr[k, b] for b in range(m)],
                [dm[_ALPHA * k + j] for j in range(_ALPHA)],
                tmp,
                tmp2,
            )
    else:
        for k in range(_ALPHA):
            for b in range(m):
                _lin(xp, acol[k], lambda a, b=b: g5[:, a, :, b], rr[k, b], tmp)
        for k in range(_ALPHA):
            for j in range(_ALPHA):
                _lin(xp, acol[j], lambda b, k=k: rr[k, b], dm[_ALPHA * k + j], tmp)
    dm = dm.reshape(_ALPHA * _ALPHA, th * tw * n, o)
    gx = gw = None
    if need_w:
        du = xp.matmul(dm.transpose(0, 2, 1), cache.v)  # 36, O, C
        gw = _weight_grad_from_transformed(xp, du, r, g.dtype)
    if need_x:
        c = cache.u.shape[2]
        dv = scratch_empty(xp, (_ALPHA * _ALPHA, dm.shape[1], c), g.dtype)
        xp.matmul(dm, cache.u, out=dv)  # 36, P, C
        d5 = dv.reshape(_ALPHA, _ALPHA, th, tw, n * c)
        rb = scratch_empty(xp, (_ALPHA, _ALPHA, th, tw, n * c), g.dtype)
        tmp = scratch_empty(xp, (th, tw, n * c), g.dtype)
        tmp2 = scratch_empty(xp, tmp.shape, g.dtype)
        for j in range(_ALPHA):
            _b(xp, [d5[u, j] for u in range(_ALPHA)], [rb[a, j] for a in range(_ALPHA)], tmp, tmp2)
        _, _, hp, wp = cache.pshape
        need_h, need_w_ = m * th + _ALPHA - m, m * tw + _ALPHA - m
        gxs = scratch_empty(xp, (need_h, need_w_, n * c), g.dtype)
        gxs[...] = 0
        src = scratch_empty(xp, (_ALPHA, th, tw, n * c), g.dtype)
        for a in range(_ALPHA):
            _b(xp, [rb[a, j] for j in range(_ALPHA)], list(src), tmp, tmp2)
            for b in range(_ALPHA):
                gxs[a : a + m * th : m, b : b + m * tw : m] += src[b]
        (pt, pb), (pl, pr) = padding
        gx = _from_spatial(xp, gxs[pt : hp - pb, pl : wp - pr], n, c)
    return gx, gw
