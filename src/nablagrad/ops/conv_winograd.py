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


# Layout: the transforms combine whole (tile row, tile column) planes, so they run on a
# spatial-major copy (H, W, N*C) of the batch, where every such plane is a long contiguous run
# (on NCHW the same combinations loop over a few strided elements at a time: measured 3x
# slower).  Two blocked transposes move NCHW in and out; the GEMMs see V[t] as (P, C) with the
# tiles P = (th, tw, N) as rows.
_BLOCK = 128  # (N*C) columns per blocked transpose: a block of rows stays in cache


def _to_spatial(xp: Any, a: Any, out: Any) -> None:
    """out[:H, :W] (H', W', N*C) <- a (N, C, H, W) transposed, in cache-sized blocks."""
    n, c, h, w = a.shape
    a3 = a.reshape(n * c, h, w)
    dst = out[:h, :w]
    for i in range(0, n * c, _BLOCK):
        dst[:, :, i : i + _BLOCK] = a3[i : i + _BLOCK].transpose(1, 2, 0)


def _from_spatial(xp: Any, a: Any, n: int, c: int) -> Any:
    """(N, C, H, W) contiguous from a (H, W, N*C): per image row a 2-D transpose to
    (H, N*C, W), then whole W-runs moved to (N*C, H, W) (one direct 3-D transpose strides
    across H*W pages per element: measured 2x slower)."""
    h, w, m = a.shape
    t = scratch_empty(xp, (h, m, w), a.dtype)
    for i in range(h):
        t[i] = a[i].T
    out = scratch_empty(xp, (n, c, h, w), a.dtype)
    out.reshape(m, h, w)[...] = t.transpose(1, 0, 2)
    return out


def _input_transform(xp: Any, xpad: Any) -> tuple:
    """V (16, P, C) = B^T d B for every 4x4 patch d of the padded input (N, C, Hp, Wp), the
    tiles P = (th, tw, N) as rows."""
    n, c, hp, wp = xpad.shape
    th, tw = _tiles(hp, wp)
    need_h, need_w = 2 * th + 2, 2 * tw + 2
    xt = scratch_empty(xp, (need_h, need_w, n * c), xpad.dtype)
    if need_h > hp:  # odd output size: one more zero row / column
        xt[hp:] = 0
    if need_w > wp:
        xt[:hp, wp:] = 0
    _to_spatial(xp, xpad, xt)
    # rows of the patches: rows[a] (th, need_w, N*C) = row 2i + a of every tile row
    rows = [xt[a : a + 2 * th : 2] for a in range(4)]
    t = scratch_empty(xp, (4, th, need_w, n * c), xpad.dtype)
    for u in range(4):
        _combine(xp, _BT[u], rows.__getitem__, t[u])
    v = scratch_empty(xp, (16, th, tw, n * c), xpad.dtype)
    for u in range(4):
        cols = [t[u][:, b : b + 2 * tw : 2] for b in range(4)]
        for w in range(4):
            _combine(xp, _BT[w], cols.__getitem__, v[4 * u + w])
    return v.reshape(16, th * tw * n, c), (th, tw)


def _kernel_transform(xp: Any, w: Any) -> Any:
    """U (16, C, O) = G g G^T for every (O, C) 3x3 kernel g."""
    gm = xp.asarray([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=w.dtype)
    u = xp.einsum("ua,ocab,vb->uvco", gm, w, gm, optimize=True)
    return xp.ascontiguousarray(u.reshape(16, w.shape[1], w.shape[0]))


def _kernel_transform_adjoint(xp: Any, du: Any, o: int, c: int) -> Any:
    """dW (O, C, 3, 3) = G^T dU G for dU (16, C, O) (the adjoint of ``_kernel_transform``)."""
    gm = xp.asarray([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]], dtype=du.dtype)
    return xp.einsum("ua,uvco,vb->ocab", gm, du.reshape(4, 4, c, o), gm, optimize=True)


def _output_transform(xp: Any, m: Any, n: int, th: int, tw: int, out_hw: tuple) -> Any:
    """Y = A^T M A: M (16, P, O) -> (N, O, OH, OW) contiguous."""
    o = m.shape[2]
    oh, ow = out_hw
    mm = m.reshape(4, 4, th, tw, n * o)
    s = scratch_empty(xp, (2, 4, th, tw, n * o), m.dtype)
    for a in range(2):  # rows: s[a, v] = sum_u A^T[a, u] M[u, v]
        _combine(xp, _AT[a], lambda u: mm[u], s[a])
    full = scratch_empty(xp, (th, 2, tw, 2, n * o), m.dtype)
    for a in range(2):
        for b in range(2):
            _combine(xp, _AT[b], lambda v, a=a: s[a, v], full[:, a, :, b])
    full = full.reshape(2 * th, 2 * tw, n * o)
    return _from_spatial(xp, full[:oh, :ow], n, o)


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
    m = scratch_empty(xp, (16, v.shape[1], o), xpad.dtype)
    xp.matmul(v, u, out=m)
    out = _output_transform(xp, m, n, th, tw, (hp - 2, wp - 2))
    return out, WinogradCache(v, u, (th, tw), xpad.shape)


def _grad_transform(xp: Any, g: Any, th: int, tw: int) -> Any:
    """dM (16, P, O) = A dY A^T for the 2x2 output-gradient tiles dY (zero beyond g)."""
    n, o, oh, ow = g.shape
    gt = scratch_empty(xp, (2 * th, 2 * tw, n * o), g.dtype)
    if oh < 2 * th:
        gt[oh:] = 0
    if ow < 2 * tw:
        gt[:oh, ow:] = 0
    _to_spatial(xp, g, gt)
    g5 = gt.reshape(th, 2, tw, 2, n * o)
    # A (4x2): A[u] = column u of A^T; dM[u, v] = sum_{a, b} A[u, a] A[v, b] dY[a, b]
    col = (((0, 1),), ((0, 1), (1, 1)), ((0, 1), (1, -1)), ((1, -1),))
    r = scratch_empty(xp, (4, 2, th, tw, n * o), g.dtype)
    for u in range(4):
        for b in range(2):
            _signed(xp, col[u], lambda a, b=b: g5[:, a, :, b], r[u, b])
    dm = scratch_empty(xp, (16, th, tw, n * o), g.dtype)
    for u in range(4):
        for v in range(4):
            _signed(xp, col[v], lambda b, u=u: r[u, b], dm[4 * u + v])
    return dm.reshape(16, th * tw * n, o)


def _signed(xp: Any, terms: tuple, pick: Any, out: Any) -> Any:
    """out = sum of sign * pick(index) over ``terms`` (one term: a copy or a negation)."""
    if len(terms) == 1:
        (i, s) = terms[0]
        if s > 0:
            out[...] = pick(i)
        else:
            xp.negative(pick(i), out=out)
    else:
        _combine(xp, terms, pick, out)
    return out


def _input_grad(xp: Any, dv: Any, n: int, th: int, tw: int, pshape: tuple, padding: tuple) -> Any:
    """The patch gradients B dV B^T added onto the padded input's gradient, cropped by the
    padding: (N, C, H, W)."""
    c = dv.shape[2]
    d5 = dv.reshape(4, 4, th, tw, n * c)
    # B (4x4): dd[a, b] = sum_{u, v} B^T[u, a] B^T[v, b] dV[u, v]; column a of B^T
    bcol = (((0, 1),), ((1, 1), (2, -1), (3, 1)), ((0, -1), (1, 1), (2, 1)), ((3, -1),))
    r = scratch_empty(xp, (4, 4, th, tw, n * c), dv.dtype)  # r[a, v] = sum_u B^T[u, a] dV[u, v]
    for a in range(4):
        for v in range(4):
            _signed(xp, bcol[a], lambda u, v=v: d5[u, v], r[a, v])
    _, _, hp, wp = pshape
    gx = scratch_empty(xp, (2 * th + 2, 2 * tw + 2, n * c), dv.dtype)
    gx[...] = 0
    tmp = scratch_empty(xp, (th, tw, n * c), dv.dtype)
    for a in range(4):
        for b in range(4):
            terms = bcol[b]
            src = r[a, terms[0][0]] if terms[0][1] > 0 and len(terms) == 1 else None
            if src is None:
                src = _signed(xp, terms, lambda v, a=a: r[a, v], tmp)
            gx[a : a + 2 * th : 2, b : b + 2 * tw : 2] += src
    (pt, pb), (pl, pr) = padding
    return _from_spatial(xp, gx[pt : hp - pb, pl : wp - pr], n, c)


def winograd_backward(
    xp: Any, g: Any, cache: WinogradCache, padding: tuple, need_x: bool, need_w: bool
) -> tuple:
    """(dL/dx, dL/dW) from the output gradient g (N, O, OH, OW); None where not needed."""
    th, tw = cache.tiles
    n, o = g.shape[:2]
    dm = _grad_transform(xp, g, th, tw)  # 16, P, O
    gx = gw = None
    if need_w:
        c = cache.v.shape[2]
        du = xp.matmul(cache.v.transpose(0, 2, 1), dm)  # 16, C, O
        gw = xp.ascontiguousarray(_kernel_transform_adjoint(xp, du, o, c), dtype=g.dtype)
    if need_x:
        dv = scratch_empty(xp, (16, dm.shape[1], cache.u.shape[1]), g.dtype)
        xp.matmul(dm, cache.u.transpose(0, 2, 1), out=dv)  # 16, P, C
        gx = _input_grad(xp, dv, n, th, tw, cache.pshape, padding)
    return gx, gw
