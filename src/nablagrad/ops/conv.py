"""Convolution and pooling primitives (NCHW), vectorised with im2col.

conv2d:  out[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * xpad[n, c, i*s + p*d, j*s + q*d]

Forward gathers every receptive field with ``sliding_window_view`` (a strided view, no Python
loop over pixels), copies it once into a ``(C*KH*KW, N*OH*OW)`` column matrix and multiplies
it by the kernel: one GEMM per sample on a strided ``(N, C*KH*KW, OH*OW)`` view, so the result
is NCHW without a transposed copy (mid-sized products take one big GEMM and a transpose, which
multi-threaded OpenBLAS runs better).  Backward reuses the columns for ``dL/dW = g @ cols^T``
and gets ``dL/dx`` either by col2im (``W^T @ g`` added back onto the input, one strided slice
per kernel position: KH*KW vectorised additions) or, for stride 1 with many input channels, as
a "full" correlation of ``g`` with the flipped kernel (one more im2col + GEMM).  Stride-1,
undilated, ungrouped convolutions for which it is estimated cheaper (larger kernels on many
channels) run instead through real FFTs (``ops.conv_fft``): forward and both gradients are
then per-frequency channel products.  Max pooling keeps the argmax of each window; its
backward adds ``g`` at the argmax positions.

Convolution supports derivatives of any order (``create_graph=True``): its backward is built
from the primitives ``Conv2dInputGrad`` and ``Conv2dWeightGrad``, whose derivatives are again
convolutions; pooling backward is the linear ``PoolScatter`` whose adjoint is ``PoolGather``.

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

from ..autograd.function import Function
from ..backend import get_array_module
from .conv_fft import fft_conv_backward, fft_conv_forward, fft_conv_ok


def _windows(xp: Any, x: Any, kernel: tuple, stride: tuple, dilation: tuple) -> Any:
    """View of shape (N, C, OH, OW, KH, KW) with every receptive field of ``x`` (N, C, H, W)."""
    kh, kw = kernel
    (sh, sw), (dh, dw) = stride, dilation
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    win = xp.lib.stride_tricks.sliding_window_view(x, (eh, ew), axis=(2, 3))
    return win[:, :, ::sh, ::sw, ::dh, ::dw]


def _pad(xp: Any, x: Any, padding: tuple, value: float = 0.0) -> Any:
    """x (N, C, H, W) padded by ((top, bottom), (left, right)) with ``value``: one fill and one
    copy of the interior (``xp.pad`` costs several times as much on these small images)."""
    (pt, pb), (pl, pr) = padding
    if not (pt or pb or pl or pr):
        return x
    if min(pt, pb, pl, pr) < 0:
        return xp.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=value)
    n, c, h, w = x.shape
    out = xp.full((n, c, h + pt + pb, w + pl + pr), value, dtype=x.dtype)
    out[:, :, pt : pt + h, pl : pl + w] = x
    return out


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


def _per_sample(cols: Any, n: int) -> Any:
    """The (N, K, L) per-sample view of (K, N*L) columns (strided: no copy)."""
    return cols.reshape(cols.shape[0], n, -1).transpose(1, 0, 2)


def _per_sample_ok(m: int, k: int, l: int) -> bool:
    """Whether N per-sample GEMMs (M, K) @ (K, L) beat one (M, K) @ (K, N*L) GEMM plus a
    transposed copy.  Single-threaded they always do (no copy; OpenBLAS is slow on the long
    product when M is small); multi-threaded OpenBLAS pays a thread sync per call, which only
    hurts mid-sized products (measured on 2 cores), so those take the one big GEMM."""
    return m * k * l <= 1 << 18 or l >= 512


def _gemm_nml(xp: Any, a: Any, cols: Any, n: int) -> Any:
    """a (M, K) @ cols (K, N*L) laid out (N, M, L) (NCHW for a convolution output)."""
    m, (k, nl) = a.shape[0], cols.shape
    if _per_sample_ok(m, k, nl // n):
        return xp.matmul(a, _per_sample(cols, n))
    return xp.ascontiguousarray((a @ cols).reshape(m, n, nl // n).transpose(1, 0, 2))


def _conv_cols(xp: Any, x: Any, kernel: tuple, prm: tuple) -> tuple:
    """The column matrix of ``x`` in the layout its group count uses, and (OH, OW)."""
    stride, padding, dilation, groups = prm
    if groups == 1:
        cols, oh, ow = _im2col_kn(xp, x, kernel, stride, dilation, padding)
    else:
        cols, oh, ow = _im2col(xp, x, kernel, stride, dilation, padding)
    return cols, (oh, ow)


def _conv_forward_raw(xp: Any, x: Any, w: Any, prm: tuple, cols: Any = None) -> tuple:
    """(out, cols): groups=1 is one GEMM W (O, C*KH*KW) @ cols (C*KH*KW, N*OH*OW) plus one
    transpose to NCHW; groups>1 a batched product on (N, G, Cg*KH*KW, OH*OW) columns."""
    n = x.shape[0]
    o, cg, kh, kw = w.shape
    groups = prm[3]
    if cols is None:
        cols, (oh, ow) = _conv_cols(xp, x, (kh, kw), prm)
    if groups == 1:
        return _gemm_nml(xp, w.reshape(o, cg * kh * kw), cols, n), cols
    og, k = o // groups, cg * kh * kw
    cols_g = cols.reshape(n, groups, k, -1)
    out = xp.matmul(w.reshape(groups, og, k), cols_g).reshape(n, o, -1)
    return out, cols


def _conv_weight_grad_raw(xp: Any, g: Any, cols: Any, wshape: tuple, groups: int) -> Any:
    """dL/dW = g @ cols^T (per group)."""
    n, o = g.shape[:2]
    _, cg, kh, kw = wshape
    if groups == 1:
        # cols @ g^T (K, O), not g @ cols^T: the big dimension K is the GEMM's M (OpenBLAS
        # splits a product with few rows and a long inner dimension badly across threads)
        k, nl = cols.shape
        if _per_sample_ok(o, k, nl // n):  # summed per-sample products: g needs no copy
            gt = g.reshape(n, o, -1).transpose(0, 2, 1)
            return xp.matmul(_per_sample(cols, n), gt).sum(axis=0).T.reshape(wshape)
        g_on = xp.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(o, -1)
        return (cols @ g_on.T).T.reshape(wshape)
    og, k = o // groups, cg * kh * kw
    gg = g.reshape(n, groups, og, -1)
    return xp.einsum("ngol,ngkl->gok", gg, cols.reshape(n, groups, k, -1), optimize=True).reshape(
        wshape
    )


def _conv_input_grad_raw(xp: Any, g: Any, w: Any, pshape: tuple, prm: tuple) -> Any:
    """dL/dx: col2im of W^T g, or (stride 1, many input channels) a full correlation."""
    stride, padding, dilation, groups = prm
    n, o, oh, ow = g.shape
    c = pshape[1]
    _, cg, kh, kw = w.shape
    if groups == 1:
        if stride == (1, 1) and c * oh * ow > 2 * o * pshape[2] * pshape[3]:
            return _input_grad_full_corr(xp, g, w, pshape, padding, dilation)
        wt = w.reshape(o, c * kh * kw).T
        if _per_sample_ok(c * kh * kw, o, oh * ow):
            gcols = xp.matmul(wt, g.reshape(n, o, oh * ow)).reshape(n, c, kh, kw, oh, ow)
            return _col2im(xp, gcols, pshape, stride, dilation, padding)
        g_on = xp.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(o, n * oh * ow)
        gcols = (wt @ g_on).reshape(c, kh, kw, n, oh, ow)
        return _col2im_cn(xp, gcols, pshape, stride, dilation, padding)
    og, k = o // groups, cg * kh * kw
    wg = w.reshape(groups, og, k).transpose(0, 2, 1)
    gcols = xp.matmul(wg, g.reshape(n, groups, og, oh * ow)).reshape(n, c, kh, kw, oh, ow)
    return _col2im(xp, gcols, pshape, stride, dilation, padding)


def _padded_shape(x_shape: tuple, padding: tuple) -> tuple:
    (pt, pb), (pl, pr) = padding
    n, c, h, w = x_shape
    return (n, c, h + pt + pb, w + pl + pr)


class Conv2dFn(Function):
    """2-D cross-correlation with stride, (asymmetric) padding, dilation, groups, bias.

    Backward: dx by col2im (or a full correlation), dW = g @ cols^T, db = sum of g.  Under
    ``create_graph`` the two are the differentiable primitives ``Conv2dInputGrad`` and
    ``Conv2dWeightGrad``, whose own derivatives are again convolutions, so any order works.
    """

    def forward(
        self, x, w, b=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1
    ):
        xp = get_array_module(x)
        self.prm = (stride, padding, dilation, groups)
        self.cols = self.fft = None
        if x.dtype == w.dtype and fft_conv_ok(xp, x.shape, w.shape, self.prm, x.dtype):
            out, self.fft = fft_conv_forward(xp, _pad(xp, x, padding), w)
            if b is not None:
                out += b[:, None, None]
            return out
        out, self.cols = _conv_forward_raw(xp, x, w, self.prm)
        if b is not None:
            out += b[:, None]
        o, oh_ow = w.shape[0], out.shape[2]
        oh = (x.shape[2] + sum(padding[0]) - dilation[0] * (w.shape[2] - 1) - 1) // stride[0] + 1
        return out.reshape(x.shape[0], o, oh, oh_ow // oh)

    def backward(self, g, out, x, w, b=None):
        gx = gw = gb = None
        if self.m.tensors:  # create_graph: the gradient through the recorded primitives
            if self.needs(0):
                gx = Conv2dInputGrad.apply(
                    g, w, pshape=_padded_shape(x.shape, self.prm[1]), prm=self.prm
                )
            if self.needs(1):
                gw = Conv2dWeightGrad.apply(x, g, wshape=tuple(w.shape), prm=self.prm)
            if b is not None and self.needs(2):
                gb = g.sum((0, 2, 3))
        elif self.fft is not None:
            xp = get_array_module(g)
            gx, gw = fft_conv_backward(xp, g, self.fft, self.prm[1], self.needs(0), self.needs(1))
            if b is not None and self.needs(2):
                gb = g.sum(axis=(0, 2, 3))
        else:
            xp = get_array_module(g)
            if self.needs(1):
                gw = _conv_weight_grad_raw(xp, g, self.cols, w.shape, self.prm[3])
            if self.needs(0):
                gx = _conv_input_grad_raw(xp, g, w, _padded_shape(x.shape, self.prm[1]), self.prm)
            if b is not None and self.needs(2):
                gb = g.sum(axis=(0, 2, 3))
        return (gx, gw) if b is None else (gx, gw, gb)


def _conv_kwargs(prm: tuple) -> dict:
    stride, padding, dilation, groups = prm
    return dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


class Conv2dInputGrad(Function):
    """gx = conv2d_input_grad(g, W) (a transposed convolution), linear in g and in W.

    d/dg of <gg, gx> = conv2d(gg, W);  d/dW = conv2d_weight_grad(input gg, output grad g).
    """

    def forward(self, g, w, pshape=None, prm=None):
        self.pshape, self.prm = pshape, prm
        return _conv_input_grad_raw(get_array_module(g), g, w, pshape, prm)

    def backward(self, gg, out, g, w):
        dg = dw = None
        if self.m.tensors:
            if self.needs(0):
                dg = Conv2dFn.apply(gg, w, **_conv_kwargs(self.prm))
            if self.needs(1):
                dw = Conv2dWeightGrad.apply(gg, g, wshape=tuple(w.shape), prm=self.prm)
            return dg, dw
        xp = get_array_module(gg)
        cols = _conv_cols(xp, gg, tuple(w.shape[2:]), self.prm)[0]
        if self.needs(0):
            dg = _conv_forward_raw(xp, gg, w, self.prm, cols)[0].reshape(g.shape)
        if self.needs(1):
            dw = _conv_weight_grad_raw(xp, g, cols, w.shape, self.prm[3])
        return dg, dw


class Conv2dWeightGrad(Function):
    """gW = conv2d_weight_grad(x, g), linear in x and in g.

    d/dx of <ggw, gW> = conv2d_input_grad(g, ggw);  d/dg = conv2d(x, ggw).
    """

    def forward(self, x, g, wshape=None, prm=None):
        xp = get_array_module(x)
        self.wshape, self.prm = wshape, prm
        self.cols = _conv_cols(xp, x, tuple(wshape[2:]), prm)[0]
        return _conv_weight_grad_raw(xp, g, self.cols, wshape, prm[3])

    def backward(self, ggw, out, x, g):
        dx = dg = None
        if self.m.tensors:
            if self.needs(0):
                dx = Conv2dInputGrad.apply(
                    g, ggw, pshape=_padded_shape(x.shape, self.prm[1]), prm=self.prm
                )
            if self.needs(1):
                dg = Conv2dFn.apply(x, ggw, **_conv_kwargs(self.prm))
            return dx, dg
        xp = get_array_module(ggw)
        if self.needs(0):
            dx = _conv_input_grad_raw(xp, g, ggw, _padded_shape(x.shape, self.prm[1]), self.prm)
        if self.needs(1):
            dg = _conv_forward_raw(xp, x, ggw, self.prm, self.cols)[0].reshape(g.shape)
        return dx, dg


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
    n, c = g.shape[0], wf.shape[0]
    gxp = _gemm_nml(xp, wf.reshape(c, -1), cols, n).reshape(n, c, hh, ww)
    (pt, pb), (pl, pr) = padding
    return gxp[:, :, pt : pshape[2] - pb, pl : pshape[3] - pr]


def _kernel_slices(kernel: tuple, stride: tuple, dilation: tuple, out_hw: tuple) -> list:
    """For each kernel position (p, q): the strided slice of the padded input it sees."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel, stride, dilation, out_hw
    return [
        (
            slice(p * dh, p * dh + sh * (oh - 1) + 1, sh),
            slice(q * dw, q * dw + sw * (ow - 1) + 1, sw),
        )
        for p in range(kh)
        for q in range(kw)
    ]


def _pool_geometry(
    shape: tuple, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple
) -> tuple:
    n, c, h, w = shape
    hp, wp = h + 2 * padding[0], w + 2 * padding[1]
    oh = (hp - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    ow = (wp - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    return (n, c, hp, wp), (oh, ow)


class _PoolPlan:
    """What a pooling backward needs: the kernel slices, shapes, and (max) the argmax slot."""

    def __init__(self, slices: list, pshape: tuple, padding: tuple, arg: Any, div: float) -> None:
        self.slices, self.pshape, self.padding, self.arg, self.div = (
            slices,
            pshape,
            padding,
            arg,
            div,
        )

    def scatter(self, g: Any) -> Any:
        """dL/dx from dL/dout: add g (max: at the argmax slot; avg: g/div) under every window."""
        xp = get_array_module(g)
        gx = xp.zeros(self.pshape, dtype=g.dtype)
        if self.arg is None:
            gs = g * g.dtype.type(1.0 / self.div)
            for rs, cs in self.slices:
                gx[:, :, rs, cs] += gs
        else:
            zero = g.dtype.type(0)
            for k, (rs, cs) in enumerate(self.slices):
                gx[:, :, rs, cs] += xp.where(self.arg == k, g, zero)
        ph, pw = self.padding
        return gx[:, :, ph : self.pshape[2] - ph, pw : self.pshape[3] - pw]

    def gather(self, x: Any) -> Any:
        """The adjoint of ``scatter``: pick (max) or average (avg: sum / div) x per window."""
        xp = get_array_module(x)
        ph, pw = self.padding
        xpad = _pad(xp, x, ((ph, ph), (pw, pw)))
        out = None
        for k, (rs, cs) in enumerate(self.slices):
            v = xpad[:, :, rs, cs]
            if self.arg is not None:
                v = xp.where(self.arg == k, v, x.dtype.type(0))
            out = v.copy() if out is None else out + v
        if self.arg is None:
            out *= x.dtype.type(1.0 / self.div)
        return out


class PoolScatter(Function):
    """x-shaped gradient of a pooling from its output gradient; linear, adjoint of PoolGather."""

    def forward(self, g, plan=None):
        self.plan = plan
        return plan.scatter(g)

    def backward(self, gg, out, g):
        return (self.m.call(PoolGather, gg, plan=self.plan),)


class PoolGather(Function):
    """Output-shaped window selection/average of x; linear, adjoint of PoolScatter."""

    def forward(self, x, plan=None):
        self.plan = plan
        return plan.gather(x)

    def backward(self, gg, out, x):
        return (self.m.call(PoolScatter, gg, plan=self.plan),)


class MaxPool2dFn(Function):
    """out[n, c, i, j] = max over the window; the gradient goes to the first argmax (or the last
    NaN), as in torch.

    Runs over the KH*KW kernel positions, each a strided slice of the whole batch: a running
    maximum, then the first position that holds it.  Backward adds g where that position matches
    (``PoolScatter``, itself differentiable, so higher-order gradients work).
    """

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1)):
        xp = get_array_module(x)
        ph, pw = padding
        fill = -xp.inf if x.dtype.kind == "f" else xp.iinfo(x.dtype).min
        xpad = _pad(xp, x, ((ph, ph), (pw, pw)), fill)
        pshape, out_hw = _pool_geometry(x.shape, kernel, stride, padding, dilation)
        slices = _kernel_slices(kernel, stride, dilation, out_hw)
        views = [xpad[:, :, rs, cs] for rs, cs in slices]
        out = views[0].copy()
        for v in views[1:]:
            xp.maximum(out, v, out=out)  # NaN propagates, as in torch
        # the first slot holding the maximum: walk backwards so earlier slots overwrite
        arg = xp.full(out.shape, len(views) - 1, dtype=xp.uint8 if len(views) < 256 else xp.int32)
        for k in range(len(views) - 2, -1, -1):
            xp.copyto(arg, k, where=views[k] == out)
        if out.dtype.kind == "f" and xp.isnan(out).any():  # a NaN window: its last NaN wins
            for k in range(len(views)):
                xp.copyto(arg, k, where=xp.isnan(views[k]))
        self.plan = _PoolPlan(slices, pshape, padding, arg, 1.0)
        return out

    def backward(self, g, out, x):
        return (self.m.call(PoolScatter, g, plan=self.plan),)


class AvgPool2dFn(Function):
    """out = (1/div) sum over the window, div = KH*KW (padded zeros count: count_include_pad).

    Forward adds KH*KW strided slices of the padded batch; backward adds g/div back the same way.
    """

    def forward(self, x, kernel=(2, 2), stride=(2, 2), padding=(0, 0), divisor=None):
        pshape, out_hw = _pool_geometry(x.shape, kernel, stride, padding, (1, 1))
        slices = _kernel_slices(kernel, stride, (1, 1), out_hw)
        self.plan = _PoolPlan(slices, pshape, padding, None, divisor or kernel[0] * kernel[1])
        return self.plan.gather(x)

    def backward(self, g, out, x):
        return (self.m.call(PoolScatter, g, plan=self.plan),)
