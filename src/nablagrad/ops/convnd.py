"""N-d convolution primitives (NC + any number of spatial axes; used for 3-D), by im2col.

convNd:  out[n, o, i...] = b[o] + sum_{c, p...} w[o, c, p...] * xpad[n, c, i*s + p*d ...]

The same structure as the 2-D path (``ops.conv``), written once for any spatial rank: forward
gathers every receptive field with one ``sliding_window_view`` (a strided view), copies it
into a ``(G, Cg*prod(K), N*L)`` column array and runs one GEMM per group
``W_g (Og, Cg*prod(K)) @ cols_g``; ``dL/dW = g @ cols^T`` reuses the columns, and ``dL/dx`` is
col2im of ``W^T g``: one strided, vectorised addition per kernel position.  The backward is
built from the differentiable primitives ``ConvNdInputGrad`` and ``ConvNdWeightGrad`` (each
linear in both arguments, with convolutions as derivatives), so derivatives of any order work.

``padding`` is a tuple of (before, after) pairs, one per spatial axis.

Example:
    >>> import nablagrad as torch
    >>> x, w = torch.randn(2, 3, 4, 5, 6), torch.randn(4, 3, 3, 3, 3)
    >>> ConvNdFn.apply(x, w, stride=(1, 1, 1), padding=((1, 1),) * 3, dilation=(1, 1, 1),
    ...                groups=1).shape
    nablagrad.Size([2, 4, 4, 5, 6])
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from ..autograd.function import Function
from ..backend import get_array_module


def _pad_nd(xp: Any, x: Any, padding: tuple) -> Any:
    """x (N, C, *S) zero-padded by ((before, after), ...) per spatial axis."""
    if not any(a or b for a, b in padding):
        return x
    out = xp.zeros(
        x.shape[:2] + tuple(s + a + b for s, (a, b) in zip(x.shape[2:], padding)), dtype=x.dtype
    )
    out[
        (slice(None), slice(None))
        + tuple(slice(a, a + s) for s, (a, _) in zip(x.shape[2:], padding))
    ] = x
    return out


def _cols(xp: Any, x: Any, kernel: tuple, prm: tuple, limit: tuple | None = None) -> Any:
    """Columns (G, Cg*prod(K), N*L) of ``x`` (N, C, *S) (one copy of the window view), and
    the output's spatial shape (the first ``limit`` positions per axis when given: the adjoint
    of a transposed convolution whose output padding exceeds its padding reads only those)."""
    stride, padding, dilation, groups = prm
    nd = len(kernel)
    xpad = _pad_nd(xp, x, padding)
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    win = xp.lib.stride_tricks.sliding_window_view(xpad, eff, axis=tuple(range(2, 2 + nd)))
    win = win[
        (slice(None), slice(None))
        + tuple(slice(None, None, s) for s in stride)
        + tuple(slice(None, None, d) for d in dilation)
    ]  # N, C, *O, *K
    if limit is not None:
        win = win[(slice(None), slice(None)) + tuple(slice(0, m) for m in limit)]
    n, c = win.shape[:2]
    out_sp = tuple(win.shape[2 : 2 + nd])
    order = (1,) + tuple(range(2 + nd, 2 + 2 * nd)) + (0,) + tuple(range(2, 2 + nd))
    cols = xp.ascontiguousarray(win.transpose(order))  # C, *K, N, *O
    return cols.reshape(groups, (c // groups) * math.prod(kernel), -1), out_sp


def _grouped(xp: Any, g: Any, groups: int) -> Any:
    """g (N, O, *S) as one contiguous (G, O/G, N*L) matrix per group."""
    n, o = g.shape[:2]
    g = g.reshape(n, groups, o // groups, -1).transpose(1, 2, 0, 3)
    return xp.ascontiguousarray(g).reshape(groups, o // groups, -1)


def _forward_raw(xp: Any, w: Any, cols: Any, n: int, out_sp: tuple, groups: int) -> Any:
    """One GEMM per group, W_g (Og, Cg*K) @ cols_g (Cg*K, N*L), then laid out (N, O, *O)."""
    o = w.shape[0]
    out = xp.matmul(w.reshape(groups, o // groups, -1), cols)  # G, Og, N*L
    out = out.reshape(o, n, -1).transpose(1, 0, 2)
    return xp.ascontiguousarray(out).reshape((n, o) + tuple(out_sp))


def _weight_grad_raw(xp: Any, g: Any, cols: Any, wshape: tuple, groups: int) -> Any:
    """dW_g = g_g @ cols_g^T, computed as cols_g @ g_g^T (the big operand untransposed)."""
    gt = _grouped(xp, g, groups).transpose(0, 2, 1)  # G, N*L, Og
    return xp.matmul(cols, gt).transpose(0, 2, 1).reshape(wshape)


def _input_grad_raw(xp: Any, g: Any, w: Any, pshape: tuple, prm: tuple) -> Any:
    """col2im of W^T g onto the padded input shape ``pshape``, then the padding cropped."""
    stride, padding, dilation, groups = prm
    n, o = g.shape[:2]
    out_sp = tuple(g.shape[2:])
    c = pshape[1]
    kernel = tuple(w.shape[2:])
    wt = xp.ascontiguousarray(w.reshape(groups, o // groups, -1).transpose(0, 2, 1))
    gcols = xp.matmul(wt, _grouped(xp, g, groups))  # G, Cg*K, N*L
    gcols = gcols.reshape((c,) + kernel + (n,) + out_sp)
    gx = xp.zeros((c, n) + tuple(pshape[2:]), dtype=gcols.dtype)
    for pos in itertools.product(*(range(k) for k in kernel)):
        sl = tuple(
            slice(p * d, p * d + s * (m - 1) + 1, s)
            for p, d, s, m in zip(pos, dilation, stride, out_sp)
        )
        gx[(slice(None), slice(None)) + sl] += gcols[(slice(None),) + pos]
    crop = tuple(slice(a, pshape[2 + i] - b) for i, (a, b) in enumerate(padding))
    return xp.ascontiguousarray(gx[(slice(None), slice(None)) + crop].swapaxes(0, 1))


def padded_shape(x_shape: tuple, padding: tuple) -> tuple:
    """The shape of ``x`` padded by ((before, after), ...) on its spatial axes."""
    return tuple(x_shape[:2]) + tuple(s + a + b for s, (a, b) in zip(x_shape[2:], padding))


def _crop(t: Any, shape: tuple) -> Any:
    """A convolution output cut to ``shape``'s leading spatial positions (see ``_cols``)."""
    if tuple(t.shape) == tuple(shape):
        return t
    return t[(slice(None), slice(None)) + tuple(slice(0, m) for m in shape[2:])]


def _kwargs(prm: tuple) -> dict:
    stride, padding, dilation, groups = prm
    return dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


class ConvNdFn(Function):
    """N-d cross-correlation with stride, (asymmetric) padding, dilation, groups and bias.

    Backward: dx = col2im(W^T g), dW = g @ cols^T, db = sum of g; under ``create_graph`` the
    primitives ``ConvNdInputGrad`` and ``ConvNdWeightGrad``, so any order works.
    """

    def forward(self, x, w, b=None, stride=None, padding=None, dilation=None, groups=1):
        xp = get_array_module(x)
        self.prm = prm = (tuple(stride), tuple(padding), tuple(dilation), groups)
        self.cols, out_sp = _cols(xp, x, tuple(w.shape[2:]), prm)
        out = _forward_raw(xp, w, self.cols, x.shape[0], out_sp, groups)
        if b is not None:
            out += b.reshape((-1,) + (1,) * len(out_sp))
        return out

    def backward(self, g, out, x, w, b=None):
        gx = gw = gb = None
        axes = (0,) + tuple(range(2, g.ndim))
        if self.m.tensors:  # create_graph: through the recorded primitives
            if self.needs(0):
                gx = ConvNdInputGrad.apply(
                    g, w, pshape=padded_shape(tuple(x.shape), self.prm[1]), prm=self.prm
                )
            if self.needs(1):
                gw = ConvNdWeightGrad.apply(x, g, wshape=tuple(w.shape), prm=self.prm)
            if b is not None and self.needs(2):
                gb = g.sum(axes)
            return (gx, gw) if b is None else (gx, gw, gb)
        xp = get_array_module(g)
        if self.needs(0):
            gx = _input_grad_raw(xp, g, w, padded_shape(x.shape, self.prm[1]), self.prm)
        if self.needs(1):
            gw = _weight_grad_raw(xp, g, self.cols, w.shape, self.prm[3])
        if b is not None and self.needs(2):
            gb = g.sum(axis=axes)
        return (gx, gw) if b is None else (gx, gw, gb)


class ConvNdInputGrad(Function):
    """gx = convNd_input_grad(g, W) (a transposed convolution), linear in g and in W.

    d/dg of <gg, gx> = convNd(gg, W);  d/dW = convNd_weight_grad(input gg, output grad g).
    """

    def forward(self, g, w, pshape=None, prm=None):
        self.pshape, self.prm = pshape, prm
        return _input_grad_raw(get_array_module(g), g, w, pshape, prm)

    def backward(self, gg, out, g, w):
        dg = dw = None
        if self.m.tensors:
            if self.needs(0):
                dg = _crop(ConvNdFn.apply(gg, w, **_kwargs(self.prm)), g.shape)
            if self.needs(1):
                dw = ConvNdWeightGrad.apply(gg, g, wshape=tuple(w.shape), prm=self.prm)
            return dg, dw
        xp = get_array_module(gg)
        cols, sp = _cols(xp, gg, tuple(w.shape[2:]), self.prm, tuple(g.shape[2:]))
        if self.needs(0):
            dg = _forward_raw(xp, w, cols, gg.shape[0], sp, self.prm[3]).reshape(g.shape)
        if self.needs(1):
            dw = _weight_grad_raw(xp, g, cols, w.shape, self.prm[3])
        return dg, dw


class ConvNdWeightGrad(Function):
    """gW = convNd_weight_grad(x, g), linear in x and in g.

    d/dx of <ggw, gW> = convNd_input_grad(g, ggw);  d/dg = convNd(x, ggw).
    """

    def forward(self, x, g, wshape=None, prm=None):
        xp = get_array_module(x)
        self.wshape, self.prm = wshape, prm
        self.cols, self.out_sp = _cols(xp, x, tuple(wshape[2:]), prm, tuple(g.shape[2:]))
        return _weight_grad_raw(xp, g, self.cols, wshape, prm[3])

    def backward(self, ggw, out, x, g):
        dx = dg = None
        if self.m.tensors:
            if self.needs(0):
                dx = ConvNdInputGrad.apply(
                    g, ggw, pshape=padded_shape(tuple(x.shape), self.prm[1]), prm=self.prm
                )
            if self.needs(1):
                dg = _crop(ConvNdFn.apply(x, ggw, **_kwargs(self.prm)), g.shape)
            return dx, dg
        xp = get_array_module(ggw)
        if self.needs(0):
            dx = _input_grad_raw(xp, g, ggw, padded_shape(x.shape, self.prm[1]), self.prm)
        if self.needs(1):
            dg = _forward_raw(xp, ggw, self.cols, x.shape[0], self.out_sp, self.prm[3])
            dg = dg.reshape(g.shape)
        return dx, dg


def _window_slices(kernel: tuple, stride: tuple, dilation: tuple, out_sp: tuple) -> list:
    """For each kernel position: (position, the strided slices of the input it sees)."""
    return [
        (
            pos,
            tuple(
                slice(p * d, p * d + s * (m - 1) + 1, s)
                for p, d, s, m in zip(pos, dilation, stride, out_sp)
            ),
        )
        for pos in itertools.product(*(range(k) for k in kernel))
    ]


class WindowsFn(Function):
    """Every pooling window of x (N, C, *S) as a trailing axis: (N, C, *O, prod(K)), windows
    ``stride`` apart with ``dilation`` inside (x is already padded; the first ``out_sp``
    windows per axis).  Linear; its adjoint is ``WindowsScatterFn``, so derivatives of any
    order follow.  One strided view and one copy forward; one strided addition per kernel
    position backward (no scatter by index)."""

    def forward(self, x, kernel=None, stride=None, dilation=None, out_sp=None):
        xp = get_array_module(x)
        self.cfg = (tuple(x.shape), kernel, stride, dilation, out_sp)
        nd = len(kernel)
        eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        win = xp.lib.stride_tricks.sliding_window_view(x, eff, axis=tuple(range(2, 2 + nd)))
        win = win[
            (slice(None), slice(None))
            + tuple(slice(0, (m - 1) * s + 1, s) for m, s in zip(out_sp, stride))
            + tuple(slice(None, None, d) for d in dilation)
        ]
        return xp.ascontiguousarray(win).reshape(win.shape[: 2 + nd] + (-1,))

    def backward(self, g, out, x):
        return (self.m.call(WindowsScatterFn, g, cfg=self.cfg),)


class WindowsScatterFn(Function):
    """The adjoint of ``WindowsFn``: each window's values added back onto x's shape."""

    def forward(self, g, cfg=None):
        self.cfg = cfg
        xshape, kernel, stride, dilation, out_sp = cfg
        xp = get_array_module(g)
        gk = g.reshape(g.shape[:-1] + tuple(kernel))
        gx = xp.zeros(xshape, dtype=g.dtype)
        for pos, sl in _window_slices(kernel, stride, dilation, out_sp):
            gx[(slice(None), slice(None)) + sl] += gk[(Ellipsis,) + pos]
        return gx

    def backward(self, gg, out, g):
        _, kernel, stride, dilation, sp = self.cfg
        return (
            self.m.call(WindowsFn, gg, kernel=kernel, stride=stride, dilation=dilation, out_sp=sp),
        )
