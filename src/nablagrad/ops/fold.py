"""im2col / col2im primitives (``F.unfold`` / ``F.fold``): each is the other's adjoint, so the
backward of one is a call of the other and second derivatives need no extra code.

``Unfold2d``: x (N, C, H, W) -> cols (N, C*KH*KW, L), row c*KH*KW + i*KW + j of column
l = bi*BW + bj holding x_pad[c, bi*sh + i*dh, bj*sw + j*dw] (torch's layout): one strided
window view of the padded input, copied once.
``Fold2d``: cols -> (N, C, H, W), the sum of every column entry into the position it came from:
KH*KW strided slice additions (no scatter).

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.ops.fold import Unfold2d
    >>> Unfold2d.apply(torch.ones(1, 1, 3, 3), kernel=(2, 2), dilation=(1, 1), padding=(0, 0),
    ...                stride=(1, 1)).shape
    nablagrad.Size([1, 4, 4])
"""

from __future__ import annotations

from ..autograd.function import Function
from ..backend import get_array_module

__all__ = ["Unfold2d", "Fold2d"]


def _blocks(hw: tuple, kernel: tuple, dilation: tuple, padding: tuple, stride: tuple) -> tuple:
    return tuple(
        (hw[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
        for i in range(2)
    )


class Unfold2d(Function):
    """cols = im2col(x); its gradient is col2im(g) (``Fold2d``)."""

    name = "Im2ColBackward0"  # torch's node
    saved = ()  # the backward reads no tensor, only the geometry kept on the node

    def forward(self, x, kernel=(1, 1), dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
        self.prm = (kernel, dilation, padding, stride)
        self.hw = x.shape[2:]
        xp = get_array_module(x)
        n, c, h, w = x.shape
        (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
        if ph or pw:
            xpad = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
            xpad[:, :, ph : ph + h, pw : pw + w] = x
        else:
            xpad = x
        bh, bw = _blocks((h, w), kernel, dilation, padding, stride)
        eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
        win = xp.lib.stride_tricks.sliding_window_view(xpad, (eh, ew), axis=(2, 3))
        win = win[:, :, : sh * (bh - 1) + 1 : sh, : sw * (bw - 1) + 1 : sw, ::dh, ::dw]
        out = xp.empty((n, c, kh, kw, bh, bw), dtype=x.dtype)  # always a fresh array
        out[...] = win.transpose(0, 1, 4, 5, 2, 3)
        return out.reshape(n, c * kh * kw, bh * bw)

    def backward(self, g, out, x):
        kernel, dilation, padding, stride = self.prm
        return (
            self.m.call(
                Fold2d,
                g,
                output_size=self.hw,
                kernel=kernel,
                dilation=dilation,
                padding=padding,
                stride=stride,
            ),
        )


class Fold2d(Function):
    """out = col2im(cols); its gradient is im2col(g) (``Unfold2d``)."""

    name = "Col2ImBackward0"  # torch's node
    saved = ()

    def forward(
        self, cols, output_size=(1, 1), kernel=(1, 1), dilation=(1, 1), padding=(0, 0),
        stride=(1, 1),
    ):  # fmt: skip
        self.prm = (kernel, dilation, padding, stride)
        xp = get_array_module(cols)
        (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
        h, w = output_size
        bh, bw = _blocks((h, w), kernel, dilation, padding, stride)
        n = cols.shape[0]
        c = cols.shape[1] // (kh * kw)
        g6 = cols.reshape(n, c, kh, kw, bh, bw)
        acc = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
        for i in range(kh):
            r0 = i * dh
            for j in range(kw):
                c0 = j * dw
                acc[:, :, r0 : r0 + sh * (bh - 1) + 1 : sh, c0 : c0 + sw * (bw - 1) + 1 : sw] += g6[
                    :, :, i, j
                ]
        if ph or pw:
            acc = xp.ascontiguousarray(acc[:, :, ph : ph + h, pw : pw + w])
        return acc

    def backward(self, g, out, cols):
        kernel, dilation, padding, stride = self.prm
        return (
            self.m.call(
                Unfold2d, g, kernel=kernel, dilation=dilation, padding=padding, stride=stride
            ),
        )
