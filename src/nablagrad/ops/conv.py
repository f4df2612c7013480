"""Convolution and pooling primitives (NCHW), vectorised with im2col.

conv2d:  out[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * xpad[n, c, i*s + p*d, j*s + q*d]

Forward gathers every receptive field with ``sliding_window_view`` (a strided view, no Python
loop over pixels), copies it once into a ``(C*KH*KW, N*OH*OW)`` column matrix and does one
matrix product.  Backward reuses the columns for ``dL/dW = g @ cols^T`` and gets ``dL/dx``
either by col2im (``W^T @ g`` added back onto the input, one strided slice per kernel position:
KH*KW vectorised additions) or, for stride 1 with many input channels, as a "full" correlation
of ``g`` with the flipped kernel (one more im2col + GEMM).  Max pooling keeps the argmax of
each window; its backward adds ``g`` at the argmax positions.

These primitives take raw arrays in ``backward``; a second derivative through them
(``create_graph=True``) is not supported and says so.

Example:
    >>> import nablagrad as torch
    >>> x = torch.randn(2, 3, 8, 8)
    >>> w = torch.randn(4, 3, 3, 3)
    >>> Conv2dFn.apply(x, w, stride=(1, 1), padding=((1, 1), (1, 1)), dilation=(1, 1),
    ...                groups=1).shape
    nablagrad.Size([2, 4, 8, 8])
"""

from __future__ import annotations

from typing import Any

from ..autograd import dual as D
from ..autograd.function import Function
from ..backend import get_array_module


def _no_double_backward(name: str, g: Any) -> None:
    if D.is_tensor(g):
        raise RuntimeError(
            f"{name}: second derivatives (create_graph=True) through convolution/pooling are not "
            "supported; compute first-order gradients only"
        )


def _windows(xp: Any, x: Any, kernel: tuple, stride: tuple, dilation: tuple) -> Any:
    """View of shape (N, C, OH, OW, KH, KW) with every receptive field of ``x`` (N, C, H, W)."""
    kh, kw = kernel
    (sh, sw), (dh, dw) = stride, dilation
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    win = xp.lib.stride_tricks.sliding_window_view(x, (eh, ew), axis=(2, 3))
    return win[:, :, ::sh, ::sw, ::dh, ::dw]


def _pad(xp: Any, x: Any, padding: tuple, value: float = 0.0) -> Any:
    (pt, pb), (pl, pr) = padding
    if not (pt or pb or pl or pr):
        return x
    return xp.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=value)


def _scatter_windows(
    xp: Any, gwin: Any, padded_shape: tuple, stride: tuple, dilation: tuple, padding: tuple
) -> Any:
    """col2im: add ``gwin`` (N, C, OH, OW, KH, KW) back onto the padded input and crop."""
    n, c, oh, ow, kh, kw = gwin.shape
    (sh, sw), (dh, dw) = stride, dilation
    gx = xp.zeros(padded_shape, dtype=gwin.dtype)
    for p in range(kh):
        r0 = p * dh
        for q in range(kw):
            c0 = q * dw
            gx[:, :, r0 : r0 + sh * (oh - 1) + 1 : sh, c0 : c0 + sw * (ow - 1) + 1 : sw] += gwin[
                ..., p, q
            ]
    (pt, pb), (pl, pr) = padding
    h, w = padded_shape[2], padded_shape[3]
    return gx[:, :, pt : h - pb, pl : w - pr]


def _im2col(
    xp: Any, x: Any, kernel: tuple, stride: tuple, dilation: tuple, padding: tuple
) -> tuple:
    """Columns (N, C*KH*KW, OH*OW) of NCHW ``x``: one contiguous copy of the window view."""
    win = _windows(xp, _pad(xp, x, padding), kernel, stride, dilation)  # N, C, OH, OW, KH, KW
    n, c, oh, ow, kh, kw = win.shape
    cols = xp.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3)).reshape(n, c * kh * kw, oh * ow)
    return cols, oh, ow


def _im2col_kn(
    xp: Any, x: Any, kernel: tuple, stride: tuple, dilation: tuple, padding: tuple
) -> tuple:
    """Columns (C*KH*KW, N*OH*OW) of NCHW ``x``: every product below is then one big GEMM."""
    win = _windows(xp, _pad(xp, x, padding), kernel, stride, dilation)  # N, C, OH, OW, KH, KW
    n, c, oh, ow, kh, kw = win.shape
    cols = xp.ascontiguousarray(win.transpose(1, 4, 5, 0, 2, 3)).reshape(c * kh * kw, n * oh * ow)
    return cols, oh, ow


class Conv2dFn(Function):
    """2-D cross-correlation with stride, (asymmetric) padding, dilation, groups, bias.

    groups=1: out = W (O, C*KH*KW) @ cols (C*KH*KW, N*OH*OW), one GEMM, then one transpose to
    NCHW.  groups>1: a batched product per image and group on (N, G, Cg*KH*KW, OH*OW) columns.
    """

    def forward(
        self, x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1
    ):
        xp = get_array_module(x)
        n, c = x.shape[:2]
        o, cg, kh, kw = w.shape
        (pt, pb), (pl, pr) = padding
        self.meta = (
            (n, c, x.shape[2] + pt + pb, x.shape[3] + pl + pr),
            stride,
            padding,
            dilation,
            groups,
        )
        if groups == 1:
            cols, oh, ow = _im2col_kn(xp, x, (kh, kw), stride, dilation, padding)
            self.cols = cols
            out = w.reshape(o, cg * kh * kw) @ cols  # O, N*L
            if b is not None:
                out += b[:, None]
            return xp.ascontiguousarray(out.reshape(o, n, oh, ow).transpose(1, 0, 2, 3))
        cols, oh, ow = _im2col(xp, x, (kh, kw), stride, dilation, padding)
        self.cols = cols
        og, k = o // groups, cg * kh * kw
        cols_g = cols.reshape(n, groups, k, oh * ow)
        out = xp.matmul(w.reshape(groups, og, k), cols_g).reshape(n, o, oh * ow)
        if b is not None:
            out += b[:, None]
        return out.reshape(n, o, oh, ow)

    def backward(self, g, out, x, w, b=None):
        _no_double_backward("conv2d", g)
        xp = get_array_module(g)
        pshape, stride, padding, dilation, groups = self.meta
        n, o, oh, ow = g.shape
        _, cg, kh, kw = w.shape
        k, og = cg * kh * kw, o // groups
        if groups == 1:
            return self._backward_dense(xp, g, w, b)
        g3 = g.reshape(n, o, oh * ow)
        gx = gw = gb = None
        if self.needs(1):
            gg = g3.reshape(n, groups, og, oh * ow)
            cg_ = self.cols.reshape(n, groups, k, oh * ow)
            gw = xp.einsum("ngol,ngkl->gok", gg, cg_, optimize=True).reshape(w.shape)
        if self.needs(0):
            c = pshape[1]
            wg = w.reshape(groups, og, k).transpose(0, 2, 1)
            gcols = xp.matmul(wg, g3.reshape(n, groups, og, oh * ow))
            gcols = gcols.reshape(n, c, kh, kw, oh, ow)
            gx = _col2im(xp, gcols, pshape, stride, dilation, padding)
        if b is not None:
            gb = g3.sum(axis=(0, 2)) if self.needs(2) else None
            return gx, gw, gb
        return gx, gw

    def _backward_dense(self, xp: Any, g: Any, w: Any, b: Any) -> tuple:
        """groups=1: dW = g_(O, N*L) @ cols^T, db = row sums, dx by col2im or a full
        correlation (whichever moves less data)."""
        pshape, stride, padding, dilation, _ = self.meta
        n, o, oh, ow = g.shape
        c, kh, kw = w.shape[1:]
        g_on = xp.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(o, n * oh * ow)
        gx = gw = gb = None
        if self.needs(1):
            gw = (g_on @ self.cols.T).reshape(w.shape)
        if self.needs(0):
            if stride == (1, 1) and 2 * c * oh * ow >= o * pshape[2] * pshape[3]:
                gx = _input_grad_full_corr(xp, g, w, pshape, padding, dilation)
            else:
                gcols = (w.reshape(o, c * kh * kw).T @ g_on).reshape(c, kh, kw, n, oh, ow)
                gx = _col2im_cn(xp, gcols, pshape, stride, dilation, padding)
        if b is not None:
            gb = g_on.sum(axis=1) if self.needs(2) else None
            return gx, gw, gb
        return gx, gw


def _col2im_cn(
    xp: Any, gcols: Any, pshape: tuple, stride: tuple, dilation: tuple, padding: tuple
) -> Any:
    """col2im for gcols (C, KH, KW, N, OH, OW): accumulate in (C, N, H, W), return NCHW."""
    c, kh, kw, n, oh, ow = gcols.shape
    (sh, sw), (dh, dw) = stride, dilation
    gx = xp.zeros((c, n, pshape[2], pshape[3]), dtype=gcols.dtype)
    for p in range(kh):
        r0 = p * dh
        for q in range(kw):
            c0 = q * dw
            gx[:, :, r0 : r0 + sh * (oh - 1) + 1 : sh, c0 : c0 + sw * (ow - 1) + 1 : sw] += gcols[
                :, p, q
            ]
    (pt, pb), (pl, pr) = padding
    gx = gx[:, :, pt : pshape[2] - pb, pl : pshape[3] - pr]
    return xp.ascontiguousarray(gx.transpose(1, 0, 2, 3))


def _col2im(
    xp: Any, gcols: Any, pshape: tuple, stride: tuple, dilation: tuple, padding: tuple
) -> Any:
    """Add gcols (N, C, KH, KW, OH, OW) back onto the padded input: one strided slice per
    kernel position (KH*KW vectorised additions), then crop the padding."""
    n, c, kh, kw, oh, ow = gcols.shape
    (sh, sw), (dh, dw) = stride, dilation
    gx = xp.zeros(pshape, dtype=gcols.dtype)
    for p in range(kh):
        r0 = p * dh
        for q in range(kw):
            c0 = q * dw
            gx[:, :, r0 : r0 + sh * (oh - 1) + 1 : sh, c0 : c0 + sw * (ow - 1) + 1 : sw] += gcols[
                :, :, p, q
            ]
    (pt, pb), (pl, pr) = padding
    return gx[:, :, pt : pshape[2] - pb, pl : pshape[3] - pr]


def _input_grad_full_corr(
    xp: Any, g: Any, w: Any, pshape: tuple, padding: tuple, dilation: tuple
) -> Any:
    """dL/dx of a stride-1, groups=1 conv as a "full" correlation of g (padded by the effective
    kernel size - 1) with the flipped, channel-swapped kernel (cheaper than col2im when the
    input has many channels)."""
    _, _, kh, kw = w.shape
    eh, ew = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
    wf = xp.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))  # C, O, KH, KW
    cols, hh, ww = _im2col_kn(xp, g, (kh, kw), (1, 1), dilation, ((eh, eh), (ew, ew)))
    gxp = (wf.reshape(wf.shape[0], -1) @ cols).reshape(wf.shape[0], g.shape[0], hh, ww)
    (pt, pb), (pl, pr) = padding
    gxp = gxp[:, :, pt : pshape[2] - pb, pl : pshape[3] - pr]
    return xp.ascontiguousarray(gxp.transpose(1, 0, 2, 3))


class MaxPool2dFn(Function):
    """out[n, c, i, j] = max over the window; the gradient goes to the (first) argmax."""

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1)):
        xp = get_array_module(x)
        kh, kw = kernel
        ph, pw = padding
        self.kernel = kernel
        fill = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        xpad = _pad(xp, x, ((ph, ph), (pw, pw)), fill)
        self.meta = (xpad.shape, stride, ((ph, ph), (pw, pw)), dilation)
        n, c = x.shape[:2]
        sh, sw = stride
        if (
            (kh, kw) == (sh, sw)
            and dilation == (1, 1)
            and not (ph or pw)
            and x.shape[2] % kh == 0
            and x.shape[3] % kw == 0
        ):
            oh, ow = x.shape[2] // kh, x.shape[3] // kw
            win = x.reshape(n, c, oh, kh, ow, kw).transpose(0, 1, 2, 4, 3, 5)
        else:
            win = _windows(xp, xpad, kernel, stride, dilation)
            oh, ow = win.shape[2], win.shape[3]
        flat = win.reshape(n, c, oh, ow, kh * kw)
        self.arg = flat.argmax(axis=-1)
        return xp.take_along_axis(flat, self.arg[..., None], axis=-1)[..., 0]

    def backward(self, g, out, x):
        _no_double_backward("max_pool2d", g)
        xp = get_array_module(g)
        pshape, stride, padding, dilation = self.meta
        n, c, oh, ow = g.shape
        kernel_h, kernel_w = self.kernel
        gwin = xp.zeros((n, c, oh, ow, kernel_h * kernel_w), dtype=g.dtype)
        xp.put_along_axis(gwin, self.arg[..., None], g[..., None], axis=-1)
        gwin = gwin.reshape(n, c, oh, ow, kernel_h, kernel_w)
        return (_scatter_windows(xp, gwin, pshape, stride, dilation, padding),)


class AvgPool2dFn(Function):
    """out = mean of each window; padded zeros count in the divisor (count_include_pad).

    Non-overlapping windows that tile the input (kernel == stride, no padding) take a reshape
    fast path: forward is one mean, backward one broadcast.
    """

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), divisor=None):
        xp = get_array_module(x)
        kh, kw = kernel
        ph, pw = padding
        pad = ((ph, ph), (pw, pw))
        self.div = divisor or kh * kw
        n, c, h, w = x.shape
        self.tiled = (kh, kw) == tuple(stride) and not (ph or pw) and h % kh == 0 and w % kw == 0
        if self.tiled:
            out = x.reshape(n, c, h // kh, kh, w // kw, kw).sum(axis=(3, 5))
            out *= x.dtype.type(1.0 / self.div)
            return out
        xpad = _pad(xp, x, pad)
        self.meta = (xpad.shape, stride, pad, kernel)
        win = _windows(xp, xpad, kernel, stride, (1, 1))
        return (win.sum(axis=(-2, -1)) / self.div).astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        _no_double_backward("avg_pool2d", g)
        xp = get_array_module(g)
        gs = g * g.dtype.type(1.0 / self.div)
        if self.tiled:
            n, c, h, w = x.shape
            oh, ow = g.shape[2:]
            full = xp.broadcast_to(gs[:, :, :, None, :, None], (n, c, oh, h // oh, ow, w // ow))
            return (full.reshape(n, c, h, w),)
        pshape, stride, pad, (kh, kw) = self.meta
        gwin = xp.broadcast_to(gs[..., None, None], g.shape + (kh, kw))
        return (_scatter_windows(xp, gwin, pshape, stride, (1, 1), pad),)
