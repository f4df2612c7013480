"""Stride-1 3x3 convolution by Winograd's minimal filtering F(2x2, 3x3).

The output is cut into 2x2 tiles; tile (i, j) needs the 4x4 input patch ``d`` starting at
(2i, 2j) of the padded input.  With the constant matrices (Lavin & Gray, 2015)

    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    G   = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]

every output tile is ``Y = A^T [ sum_c (G g G^T) * (B^T d B) ] A`` (``*`` elementwise over the
4x4 transformed tile).  Summed over channels that is 16 matrix products, one per transformed
position (u, v):  M[u, v] (O, P) = U[u, v] (O, C) @ V[u, v] (C, P), with P = N * tiles, i.e.
16 GEMMs with 2.25x fewer multiplications than im2col's one (O, 9C) @ (9C, P*4) product.

Backward goes through the same linear maps transposed: dM = A dY A^T from the output gradient's
tiles, then dU = dM @ V^T (16 GEMMs; dW = G^T dU G) and dV = U^T @ dM (16 GEMMs; the patch
gradients B dV B^T are added back onto the overlapping 4x4 patches of the padded input).  V is
kept from the forward.  The transforms only add and subtract (the 1/2 of G goes into the small
kernel transform), so float32 results stay within a few ulps of im2col's.
"""

from __future__ import annotations

from typing import Any

from ..backend import scratch_empty

# B^T rows as (index, sign) pairs: V[u] = sum over these of d[index] * sign
_BT = (((0, 1), (2, -1)), ((1, 1), (2, 1)), ((2, 1), (1, -1)), ((1, 1), (3, -1)))
# A^T rows: Y[a] = sum over these of M[index] * sign
_AT = (((0, 1), (1, 1), (2, 1)), ((1, 1), (2, -1), (3, -1)))


def winograd_ok(xp: Any, x_shape: tuple, w_shape: tuple, prm: tuple, dtype: Any) -> bool:
    """Whether F(2x2, 3x3) applies here: NumPy float arrays, a 3x3 kernel, stride 1,
    dilation 1, one group, non-negative padding and an output of at least one pixel."""
    stride, padding, dilation, groups = prm
    if xp.__name__ != "numpy" or xp.dtype(dtype) not in (xp.float32, xp.float64):
        return False
    if tuple(w_shape[2:]) != (3, 3) or stride != (1, 1) or dilation != (1, 1) or groups != 1:
        return False
    if min(padding[0] + padding[1]) < 0:
        return False
    return x_shape[2] + sum(padding[0]) >= 3 and x_shape[3] + sum(padding[1]) >= 3


def _combine(xp: Any, terms: tuple, pick: Any, out: Any) -> None:
    """out = sum of sign * pick(index) over ``terms`` (two or three of them)."""
    (i0, s0), (i1, s1) = terms[0], terms[1]
    if s0 > 0 and s1 > 0:
        xp.add(pick(i0), pick(i1), out=out)
    elif s0 > 0:
        xp.subtract(pick(i0), pick(i1), out=out)
    else:  # -a + b
        xp.subtract(pick(i1), pick(i0), out=out)
    for i, s in terms[2:]:
        if s > 0:
            out += pick(i)
        else:
            out -= pick(i)


def _tiles(hp: int, wp: int) -> tuple:
    """Tile counts (th, tw) for a padded input of hp x wp (output (hp-2) x (wp-2))."""
    return (hp - 1) // 2, (wp - 1) // 2


def _input_transform(xp: Any, xpad: Any) -> tuple:
    """V (16, C, N*th*tw) = B^T d B for every 4x4 patch d of the padded input (N, C, Hp, Wp)."""
    n, c, hp, wp = xpad.shape
    th, tw = _tiles(hp, wp)
    need_h, need_w = 2 * th + 2, 2 * tw + 2
    if (need_h, need_w) != (hp, wp):  # odd output size: one more zero row / column
        full = scratch_empty(xp, (n, c, need_h, need_w), xpad.dtype)
        full[:, :, hp:] = 0
        full[:, :, :hp, wp:] = 0
        full[:, :, :hp, :wp] = xpad
        xpad = full
    # rows of the patches: r[a] (N, C, th, need_w) = row 2i + a of every tile row
    rows = [xpad[:, :, a : a + 2 * th : 2, :] for a in range(4)]
    t = scratch_empty(xp, (4, n, c, th, need_w), xpad.dtype)
    for u in range(4):
        _combine(xp, _BT[u], rows.__getitem__, t[u])
    v = scratch_empty(xp, (16, c, n, th, tw), xpad.dtype)
    for u in range(4):
        cols = [t[u][:, :, :, b : b + 2 * tw : 2] for b in range(4)]
        for w in range(4):
            _combine(xp, _BT[w], cols.__getitem__, v[4 * u + w].transpose(1, 0, 2, 3))
    return v.reshape(16, c, n * th * tw), (th, tw)


def _kernel_transform(xp: Any, w: Any) -> Any:
    """U (16, O, C) = G g G^T for every (O, C) 3x3 kernel g."""
    gm = xp.asarray([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=w.dtype)
    u = xp.einsum("ua,ocab,vb->uvoc", gm, w, gm, optimize=True)
    return xp.ascontiguousarray(u.reshape(16, w.shape[0], w.shape[1]))


def _kernel_transform_adjoint(xp: Any, du: Any, o: int, c: int) -> Any:
    """dW (O, C, 3, 3) = G^T dU G (the adjoint of ``_kernel_transform``)."""
    gm = xp.asarray([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=du.dtype)
    return xp.einsum("ua,uvoc,vb->ocab", gm, du.reshape(4, 4, o, c), gm, optimize=True)


def _output_transform(xp: Any, m: Any, n: int, th: int, tw: int, out_hw: tuple) -> Any:
    """Y = A^T M A: (16, O, N*th*tw) -> (N, O, OH, OW) contiguous."""
    o = m.shape[1]
    oh, ow = out_hw
    mm = m.reshape(4, 4, o, n, th, tw)
    s = scratch_empty(xp, (2, 4, o, n, th, tw), m.dtype)
    for a in range(2):  # rows: s[a, v] = sum_u A^T[a, u] M[u, v]
        _combine(xp, _AT[a], lambda u: mm[u], s[a])
    full = scratch_empty(xp, (n, o, th, 2, tw, 2), m.dtype)
    for a in range(2):
        for b in range(2):
            dst = full[:, :, :, a, :, b].transpose(1, 0, 2, 3)
            _combine(xp, _AT[b], lambda v, a=a: s[a, v], dst)
    full = full.reshape(n, o, 2 * th, 2 * tw)
    if (2 * th, 2 * tw) == (oh, ow):
        return full
    out = scratch_empty(xp, (n, o, oh, ow), m.dtype)
    out[...] = full[:, :, :oh, :ow]
    return out


class WinogradCache:
    """What the backward needs: the transformed input and kernel, and the geometry."""

    def __init__(self, v: Any, u: Any, tiles: tuple, pshape: tuple) -> None:
        self.v, self.u, self.tiles, self.pshape = v, u, tiles, pshape


def winograd_forward(xp: Any, xpad: Any, w: Any) -> tuple:
    """(out (N, O, Hp-2, Wp-2), cache) for the stride-1 3x3 correlation of padded x with w."""
    n, _, hp, wp = xpad.shape
    o = w.shape[0]
    v, (th, tw) = _input_transform(xp, xpad)
    u = _kernel_transform(xp, w)
    m = scratch_empty(xp, (16, o, v.shape[2]), xpad.dtype)
    xp.matmul(u, v, out=m)
    out = _output_transform(xp, m, n, th, tw, (hp - 2, wp - 2))
    return out, WinogradCache(v, u, (th, tw), xpad.shape)


def _grad_transform(xp: Any, g: Any, th: int, tw: int) -> Any:
    """dM (16, O, N*th*tw) = A dY A^T for the 2x2 output-gradient tiles dY (zero beyond g)."""
    n, o, oh, ow = g.shape
    if (oh, ow) != (2 * th, 2 * tw):
        full = scratch_empty(xp, (n, o, 2 * th, 2 * tw), g.dtype)
        full[...] = 0
        full[:, :, :oh, :ow] = g
        g = full
    g6 = g.reshape(n, o, th, 2, tw, 2)
    # A (4x2): A[u] = column u of A^T; dM[u, v] = sum_{a, b} A[u, a] A[v, b] dY[a, b]
    col = (((0, 1),), ((0, 1), (1, 1)), ((0, 1), (1, -1)), ((1, -1),))
    r = scratch_empty(xp, (4, 2, n, o, th, tw), g.dtype)
    for u in range(4):
        for b in range(2):
            terms = col[u]
            dst = r[u, b]
            if len(terms) == 1:
                (a, s) = terms[0]
                if s > 0:
                    dst[...] = g6[:, :, :, a, :, b]
                else:
                    xp.negative(g6[:, :, :, a, :, b], out=dst)
            else:
                _combine(xp, terms, lambda a, b=b: g6[:, :, :, a, :, b], dst)
    dm = scratch_empty(xp, (16, o, n, th, tw), g.dtype)
    for u in range(4):
        for v in range(4):
            dst = dm[4 * u + v].transpose(1, 0, 2, 3)
            terms = col[v]
            if len(terms) == 1:
                (b, s) = terms[0]
                if s > 0:
                    dst[...] = r[u, b]
                else:
                    xp.negative(r[u, b], out=dst)
            else:
                _combine(xp, terms, lambda b, u=u: r[u, b], dst)
    return dm.reshape(16, o, n * th * tw)


def _input_grad(xp: Any, dv: Any, n: int, th: int, tw: int, pshape: tuple) -> Any:
    """Add the patch gradients B dV B^T onto the padded input's gradient (N, C, Hp, Wp)."""
    c = dv.shape[1]
    d5 = dv.reshape(4, 4, c, n, th, tw)
    # B (4x4): dd[a, b] = sum_{u, v} B^T[u, a] B^T[v, b] dV[u, v]; column a of B^T
    bcol = (((0, 1),), ((1, 1), (2, -1), (3, 1)), ((0, -1), (1, 1), (2, 1)), ((3, -1),))
    r = scratch_empty(xp, (4, 4, c, n, th, tw), dv.dtype)  # r[a, v] = sum_u B^T[u, a] dV[u, v]
    for a in range(4):
        for v in range(4):
            terms = bcol[a]
            if len(terms) == 1:
                (u, s) = terms[0]
                if s > 0:
                    r[a, v] = d5[u, v]
                else:
                    xp.negative(d5[u, v], out=r[a, v])
            else:
                _combine(xp, terms, lambda u, v=v: d5[u, v], r[a, v])
    _, _, hp, wp = pshape
    gx = scratch_empty(xp, (n, c, 2 * th + 2, 2 * tw + 2), dv.dtype)
    gx[...] = 0
    tmp = scratch_empty(xp, (c, n, th, tw), dv.dtype)
    for a in range(4):
        for b in range(4):
            terms = bcol[b]
            if len(terms) == 1:
                (v, s) = terms[0]
                src = r[a, v] if s > 0 else xp.negative(r[a, v], out=tmp)
            else:
                _combine(xp, terms, lambda v, a=a: r[a, v], tmp)
                src = tmp
            gx[:, :, a : a + 2 * th : 2, b : b + 2 * tw : 2] += src.transpose(1, 0, 2, 3)
    return gx[:, :, :hp, :wp]


def winograd_backward(
    xp: Any, g: Any, cache: WinogradCache, padding: tuple, need_x: bool, need_w: bool
) -> tuple:
    """(dL/dx, dL/dW) from the output gradient g (N, O, OH, OW); None where not needed."""
    th, tw = cache.tiles
    n, o = g.shape[:2]
    dm = _grad_transform(xp, g, th, tw)
    gx = gw = None
    if need_w:
        c = cache.v.shape[1]
        du = xp.matmul(dm, cache.v.transpose(0, 2, 1))  # 16, O, C
        gw = xp.ascontiguousarray(_kernel_transform_adjoint(xp, du, o, c), dtype=g.dtype)
    if need_x:
        dv = scratch_empty(xp, (16, cache.u.shape[2], dm.shape[2]), g.dtype)
        xp.matmul(cache.u.transpose(0, 2, 1), dm, out=dv)
        gxp = _input_grad(xp, dv, n, th, tw, cache.pshape)
        (pt, pb), (pl, pr) = padding
        hp, wp = cache.pshape[2:]
        gx = gxp[:, :, pt : hp - pb, pl : wp - pr]
    return gx, gw
