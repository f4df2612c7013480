"""Convolution and pooling primitives (NCHW), vectorised with im2col.

conv2d:  out[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * xpad[n, c, i*s + p*d, j*s + q*d]

Forward gathers every receptive field with ``sliding_window_view`` (a strided view, no Python
loop over pixels), copies it once into a ``(N*OH*OW, C*KH*KW)`` column matrix and does one
matrix product per group.  Backward reuses the columns for ``dL/dw = g^T @ cols`` and scatters
``g @ W`` back onto the input (col2im) by adding one strided slice per kernel position
(KH*KW vectorised additions).  Max pooling keeps the argmax of each window; its backward adds
``g`` at the argmax positions, again one strided slice per kernel position.

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


class Conv2dFn(Function):
    """2-D cross-correlation with stride, (asymmetric) padding, dilation, groups, bias."""

    def forward(
        self, x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1
    ):
        xp = get_array_module(x)
        n = x.shape[0]
        o, cg, kh, kw = w.shape
        xpad = _pad(xp, x, padding)
        win = _windows(xp, xpad, (kh, kw), stride, dilation)  # N, C, OH, OW, KH, KW
        oh, ow = win.shape[2], win.shape[3]
        self.meta = (xpad.shape, stride, padding, dilation, groups, oh, ow)
        k = cg * kh * kw
        og = o // groups
        if groups == 1:
            cols = xp.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5)).reshape(n * oh * ow, k)
            out = cols @ w.reshape(o, k).T
        else:
            cols = xp.ascontiguousarray(
                win.reshape(n, groups, cg, oh, ow, kh, kw).transpose(1, 0, 3, 4, 2, 5, 6)
            ).reshape(groups, n * oh * ow, k)
            out = xp.matmul(cols, w.reshape(groups, og, k).transpose(0, 2, 1))  # G, M, og
            out = out.transpose(1, 0, 2).reshape(n * oh * ow, o)
        self.cols = cols
        if b is not None:
            out += b
        return xp.ascontiguousarray(out.reshape(n, oh, ow, o).transpose(0, 3, 1, 2))

    def backward(self, g, out, x, w, b=None):
        _no_double_backward("conv2d", g)
        xp = get_array_module(g)
        pshape, stride, padding, dilation, groups, oh, ow = self.meta
        n = g.shape[0]
        o, cg, kh, kw = w.shape
        k, og = cg * kh * kw, o // groups
        g2 = g.transpose(0, 2, 3, 1).reshape(n * oh * ow, o)
        gx = gw = gb = None
        if groups == 1:
            if self.needs(1):
                gw = (g2.T @ self.cols).reshape(w.shape)
            if self.needs(0):
                gcols = (g2 @ w.reshape(o, k)).reshape(n, oh, ow, cg, kh, kw)
                gx = _scatter_windows(
                    xp, gcols.transpose(0, 3, 1, 2, 4, 5), pshape, stride, dilation, padding
                )
        else:
            gg = g2.reshape(n * oh * ow, groups, og).transpose(1, 0, 2)  # G, M, og
            if self.needs(1):
                gw = xp.matmul(gg.transpose(0, 2, 1), self.cols).reshape(w.shape)
            if self.needs(0):
                gcols = xp.matmul(gg, w.reshape(groups, og, k))  # G, M, k
                gcols = gcols.reshape(groups, n, oh, ow, cg, kh, kw).transpose(1, 0, 4, 2, 3, 5, 6)
                gx = _scatter_windows(
                    xp,
                    gcols.reshape(n, groups * cg, oh, ow, kh, kw),
                    pshape,
                    stride,
                    dilation,
                    padding,
                )
        if b is not None:
            gb = g2.sum(0) if self.needs(2) else None
            return gx, gw, gb
        return gx, gw


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
    """out = mean of each window; padded zeros count in the divisor (count_include_pad)."""

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), divisor=None):
        xp = get_array_module(x)
        ph, pw = padding
        pad = ((ph, ph), (pw, pw))
        xpad = _pad(xp, x, pad)
        self.meta = (xpad.shape, stride, pad, kernel)
        self.div = divisor or kernel[0] * kernel[1]
        win = _windows(xp, xpad, kernel, stride, (1, 1))
        return (win.sum(axis=(-2, -1)) / self.div).astype(x.dtype, copy=False)

    def backward(self, g, out, x):
        _no_double_backward("avg_pool2d", g)
        xp = get_array_module(g)
        pshape, stride, pad, (kh, kw) = self.meta
        gwin = xp.broadcast_to((g / self.div)[..., None, None], g.shape + (kh, kw))
        return (_scatter_windows(xp, gwin, pshape, stride, (1, 1), pad),)
