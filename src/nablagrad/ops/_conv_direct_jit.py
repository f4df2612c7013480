"""Compiled kernels of the direct convolution path (``conv_direct``): Numba, float32/float64.

Every plane is handled as one flat run (see ``conv_direct``): for output plane ``acc`` and
padded input plane ``x`` (both rows ``wp`` long), kernel tap (p, q) adds
``w[p, q] * x[p*wp + q + t]`` to ``acc[t]`` for every ``t`` of the run, so the innermost loops
are long, contiguous and vectorised.  The five taps of a kernel row are one statement (one
read-modify-write of ``acc`` per five multiply-adds): the kernels take kernels five wide.
Compiled on first use through ``backend.njit``; the caller checks ``backend.jit_available()``.
"""

from __future__ import annotations

from typing import Any

from ..backend import njit


def _forward(x: Any, w: Any, out: Any, acc: Any, zero: Any) -> None:
    """out[n, o] = correlation of padded x[n] (N, C, Hp, Wp) with w[o] (O, C, KH, 5).

    Four output channels at a time share the reads of x (``acc``: four runs); the channels
    left over go one at a time."""
    n_, c_, hp, wp = x.shape
    o_, _, kh_, _ = w.shape
    oh, ow = out.shape[2], out.shape[3]
    run = (oh - 1) * wp + ow
    xf = x.reshape(n_, c_, hp * wp)
    a0, a1, a2, a3 = acc[0], acc[1], acc[2], acc[3]
    for n in range(n_):
        o = 0
        while o < o_:
            block = 4 if o + 4 <= o_ else 1
            for t in range(run):
                a0[t] = zero
            if block == 4:
                for t in range(run):
                    a1[t] = zero
                    a2[t] = zero
                    a3[t] = zero
            for c in range(c_):
                plane = xf[n, c]
                for p in range(kh_):
                    r = plane[p * wp : p * wp + run + 4]
                    w0 = w[o, c, p]
                    if block == 4:
                        w1, w2, w3 = w[o + 1, c, p], w[o + 2, c, p], w[o + 3, c, p]
                        for t in range(run):
                            x0, x1, x2, x3, x4 = r[t], r[t + 1], r[t + 2], r[t + 3], r[t + 4]
                            a0[t] += w0[0] * x0 + w0[1] * x1 + w0[2] * x2 + w0[3] * x3 + w0[4] * x4
                            a1[t] += w1[0] * x0 + w1[1] * x1 + w1[2] * x2 + w1[3] * x3 + w1[4] * x4
                            a2[t] += w2[0] * x0 + w2[1] * x1 + w2[2] * x2 + w2[3] * x3 + w2[4] * x4
                            a3[t] += w3[0] * x0 + w3[1] * x1 + w3[2] * x2 + w3[3] * x3 + w3[4] * x4
                    else:
                        for t in range(run):
                            a0[t] += (
                                w0[0] * r[t]
                                + w0[1] * r[t + 1]
                                + w0[2] * r[t + 2]
                                + w0[3] * r[t + 3]
                                + w0[4] * r[t + 4]
                            )
            for k in range(block):
                for i in range(oh):
                    dst = out[n, o + k, i]
                    src = acc[k, i * wp : i * wp + ow]
                    for j in range(ow):
                        dst[j] = src[j]
            o += block


def _weight_grad(x: Any, gm: Any, dw: Any, zero: Any) -> None:
    """dw (O, C, KH, 5) = sum over the batch and the run of gm * shifted x.

    ``gm`` (N, O, OH*Wp + 8): the output gradient at the padded width, zeros in the gaps between
    rows and 4 zeros before and after.  Two output channels at a time share the reads of x
    (ten sums per pass; an odd last channel is paired with itself and written once)."""
    n_, c_, hp, wp = x.shape
    o_, _, kh_, _ = dw.shape
    oh = hp - kh_ + 1
    run = (oh - 1) * wp + wp - 4
    xf = x.reshape(n_, c_, hp * wp)
    for o in range(o_):
        for c in range(c_):
            for p in range(kh_):
                for q in range(5):
                    dw[o, c, p, q] = zero
    for n in range(n_):
        for oa in range(0, o_, 2):
            ob = min(oa + 1, o_ - 1)
            ga = gm[n, oa, 4 : 4 + run]
            gb = gm[n, ob, 4 : 4 + run]
            for c in range(c_):
                plane = xf[n, c]
                for p in range(kh_):
                    r = plane[p * wp : p * wp + run + 4]
                    a0, a1, a2, a3, a4 = zero, zero, zero, zero, zero
                    b0, b1, b2, b3, b4 = zero, zero, zero, zero, zero
                    for t in range(run):
                        x0, x1, x2, x3, x4 = r[t], r[t + 1], r[t + 2], r[t + 3], r[t + 4]
                        u, v = ga[t], gb[t]
                        a0 += u * x0
                        a1 += u * x1
                        a2 += u * x2
                        a3 += u * x3
                        a4 += u * x4
                        b0 += v * x0
                        b1 += v * x1
                        b2 += v * x2
                        b3 += v * x3
                        b4 += v * x4
                    dw[oa, c, p, 0] += a0
                    dw[oa, c, p, 1] += a1
                    dw[oa, c, p, 2] += a2
                    dw[oa, c, p, 3] += a3
                    dw[oa, c, p, 4] += a4
                    if ob != oa:
                        dw[ob, c, p, 0] += b0
                        dw[ob, c, p, 1] += b1
                        dw[ob, c, p, 2] += b2
                        dw[ob, c, p, 3] += b3
                        dw[ob, c, p, 4] += b4


def _input_grad(gm: Any, w: Any, dx: Any, acc: Any, pt: int, pl: int, wp: int, zero: Any) -> None:
    """dx (N, C, H, W), unpadded: the padded-input gradient (per plane in ``acc``, Hp*Wp) with
    its padding (top ``pt``, left ``pl``) cut off.  ``gm`` as in ``_weight_grad``."""
    n_, o_, _ = gm.shape
    _, c_, kh_, _ = w.shape
    h, wd = dx.shape[2], dx.shape[3]
    hp = acc.shape[0] // wp
    oh = hp - kh_ + 1
    span = (oh - 1) * wp + wp  # the run plus the 4 positions the last taps reach
    for n in range(n_):
        for c in range(c_):
            for t in range(hp * wp):
                acc[t] = zero
            for o in range(o_):
                g = gm[n, o]
                for p in range(kh_):
                    w0, w1, w2 = w[o, c, p, 0], w[o, c, p, 1], w[o, c, p, 2]
                    w3, w4 = w[o, c, p, 3], w[o, c, p, 4]
                    r = acc[p * wp : p * wp + span]
                    # acc[p*wp + q + t] += w[q] g[t], gathered: position s takes g[s - q]
                    for s in range(span):
                        r[s] += (
                            w0 * g[s + 4]
                            + w1 * g[s + 3]
                            + w2 * g[s + 2]
                            + w3 * g[s + 1]
                            + w4 * g[s]
                        )
            for i in range(h):
                dst = dx[n, c, i]
                src = acc[(i + pt) * wp + pl : (i + pt) * wp + pl + wd]
                for j in range(wd):
                    dst[j] = src[j]


_compiled: dict[str, Any] = {}


def kernels() -> dict[str, Any]:
    """The compiled kernels ("forward", "weight_grad", "input_grad"), compiled on first use."""
    if not _compiled:
        _compiled["forward"] = njit(_forward)
        _compiled["weight_grad"] = njit(_weight_grad)
        _compiled["input_grad"] = njit(_input_grad)
    return _compiled
