"""3-D convolutions of ``torch.nn.functional`` (``conv3d``, ``conv_transpose3d``), re-exported
by ``nn.functional``; they check arguments as torch does and run the N-d im2col primitives of
``ops.convnd`` (one batched GEMM per group, differentiable to any order).

Example:
    >>> import nablagrad as torch
    >>> import nablagrad.nn.functional as F
    >>> F.conv3d(torch.ones(1, 1, 3, 3, 3), torch.ones(1, 1, 2, 2, 2)).shape
    nablagrad.Size([1, 1, 2, 2, 2])
"""

from __future__ import annotations

from typing import Any

from .. import _validate
from ..ops import convnd as _convnd
from ..tensor import Tensor

_INT_MAX = 2**31 - 1
_AXES = ("depth", "height", "width")


def _triple(v: Any, name: str, fn: str, low: int | None = None) -> tuple[int, int, int]:
    """An int or a triple of ints (a 1-tuple counts for all three), each in [low, 2**31 - 1]."""
    if isinstance(v, (tuple, list)) and len(v) == 1:
        v = (v[0],) * 3
    return _validate.ntuple(v, 3, name, fn, low=low, high=_INT_MAX)


def _check_tensors(fn: str, input: Any, weight: Any, bias: Any) -> None:
    for arg, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn}(): argument '{arg}' must be Tensor, not {type(t).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{fn}(): argument 'bias' must be Tensor, not {type(bias).__name__}")
    if input.ndim not in (4, 5):
        raise RuntimeError(
            f"Expected 4D (unbatched) or 5D (batched) input to {fn}, but got input of size: "
            f"{list(input.shape)}"
        )
    if weight.ndim != 5:
        raise RuntimeError(
            f"{fn}: weight must be 5-D ({'out, in/groups' if fn == 'conv3d' else 'in, out/groups'}"
            f", kD, kH, kW), got {list(weight.shape)}"
        )
    if input._data.dtype != weight._data.dtype or (
        bias is not None and bias._data.dtype != weight._data.dtype
    ):
        raise RuntimeError(
            f"{fn}: input dtype {input.dtype} differs from weight dtype {weight.dtype}"
            f"{'' if bias is None else f' or bias dtype {bias.dtype}'}: convert the input "
            "(x.float()) or the model (model.double())"
        )


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """3-D cross-correlation over (N, C, D, H, W) (or unbatched (C, D, H, W)) input:
    out[n, o, i, j, k] = b[o] + sum_{c, p, q, r} w[o, c, p, q, r] *
    xpad[n, g(o) Cg + c, i s0 + p d0, j s1 + q d1, k s2 + r d2].

    ``padding`` is an int, a triple, 'valid' or 'same' (stride 1 only; an odd total padding
    puts the extra element after, as torch).

    Example:
        >>> import nablagrad as torch
        >>> x = torch.randn(2, 4, 5, 6, 7)
        >>> torch.nn.functional.conv3d(x, torch.randn(8, 2, 3, 3, 3), padding="same",
        ...                            groups=2).shape
        nablagrad.Size([2, 8, 5, 6, 7])
    """
    fn = "conv3d"
    _check_tensors(fn, input, weight, bias)
    if input.ndim == 4:
        return conv3d(input.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(
            0
        )
    groups = _validate.as_int(groups, "groups", fn)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    stride_ = _triple(stride, "stride", fn, low=1)
    dil = _triple(dilation, "dilation", fn, low=1)
    kernel = tuple(int(k) for k in weight.shape[2:])
    o, cg = int(weight.shape[0]), int(weight.shape[1])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * 3
        elif padding == "same":
            if stride_ != (1, 1, 1):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = tuple(
                (d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dil)
            )
        else:
            raise RuntimeError(f"Invalid padding string: {padding!r} (use 'valid', 'same' or ints)")
    else:
        p = _triple(padding, "padding", fn)
        if min(p) < 0:
            raise RuntimeError("negative padding is not supported")
        pads = tuple((a, a) for a in p)
    if input.shape[1] != cg * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(input.shape)} to have {cg * groups} channels, but got "
            f"{input.shape[1]} channels instead"
        )
    if o % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {list(weight.shape)} instead"
        )
    if bias is not None and tuple(bias.shape) != (o,):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{o} elements, but got bias of size {list(bias.shape)} instead"
        )
    padded = tuple(int(input.shape[2 + a]) + sum(pads[a]) for a in range(3))
    eff = tuple(dil[a] * (kernel[a] - 1) + 1 for a in range(3))
    if min(kernel) < 1 or any(padded[a] < eff[a] for a in range(3)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than "
            "actual input size"
        )
    kw = dict(stride=stride_, padding=pads, dilation=dil, groups=groups)
    if input.shape[0] == 0 or o == 0:  # an empty batch: an empty result of torch's shape
        out_sp = tuple((padded[a] - eff[a]) // stride_[a] + 1 for a in range(3))
        zero = (input.sum() + weight.sum() + (0 if bias is None else bias.sum())) * 0
        return zero.expand(input.shape[0], o, *out_sp)
    if bias is None:
        return _convnd.ConvNdFn.apply(input, weight, **kw)
    return _convnd.ConvNdFn.apply(input, weight, bias, **kw)


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """Transposed 3-D convolution (the gradient of ``conv3d`` with respect to its input).

    ``weight`` is (in, out/groups, kD, kH, kW); each output axis has
    ``(L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1`` positions.

    Example:
        >>> import nablagrad as torch
        >>> torch.nn.functional.conv_transpose3d(torch.ones(1, 2, 3, 3, 3),
        ...                                      torch.ones(2, 1, 2, 2, 2), stride=2).shape
        nablagrad.Size([1, 1, 6, 6, 6])
    """
    fn = "conv_transpose3d"
    _check_tensors(fn, input, weight, bias)
    if input.ndim == 4:
        out = conv_transpose3d(
            input.unsqueeze(0), weight, bias, stride, padding, output_padding, groups, dilation
        )
        return out.squeeze(0)
    groups = _validate.as_int(groups, "groups", fn)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    cin = int(weight.shape[0])
    if input.shape[1] != cin:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
            f"{list(input.shape)} to have {cin} channels, but got {input.shape[1]} channels "
            "instead"
        )
    if cin % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
            f"but got weight of size {list(weight.shape)} instead"
        )
    s = _triple(stride, "stride", fn, low=1)
    p = _triple(padding, "padding", fn)
    op = _triple(output_padding, "output_padding", fn)
    d = _triple(dilation, "dilation", fn, low=1)
    if min(p) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(op) < 0:
        raise RuntimeError("negative output_padding is not supported")
    if any(op[a] >= s[a] and op[a] >= d[a] for a in range(3)):
        parts = [f"output_padding_{n}: {v}" for n, v in zip(_AXES, op)]
        parts += [f"stride_{n}: {v}" for n, v in zip(_AXES, s)]
        parts += [f"dilation_{n}: {v}" for n, v in zip(_AXES, d)]
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            + " ".join(parts)
        )
    cout = int(weight.shape[1]) * groups
    if bias is not None and tuple(bias.shape) != (cout,):
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
            f"1-dimensional with {cout} elements, but got bias of size {list(bias.shape)} instead"
        )
    kernel = tuple(int(k) for k in weight.shape[2:])
    full = tuple(
        (int(input.shape[2 + a]) - 1) * s[a] + d[a] * (kernel[a] - 1) + 1 for a in range(3)
    )
    size = tuple(full[a] + op[a] - 2 * p[a] for a in range(3))
    if min(kernel) < 1 or min(size) < 1:
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(str(v) for v in input.shape[2:])}). "
            f"Calculated output size per channel: ({' x '.join(map(str, size))}). Output size "
            "is too small"
        )
    n = int(input.shape[0])
    if n == 0 or cout == 0 or cin == 0:
        zero = (input.sum() + weight.sum() + (0 if bias is None else bias.sum())) * 0
        out = zero.expand(n, cout, *size)
    else:
        # col2im onto the full output plus the output padding, then the padding cropped
        pshape = (n, cout) + tuple(full[a] + op[a] for a in range(3))
        prm = (s, tuple((a, a) for a in p), d, groups)
        out = _convnd.ConvNdInputGrad.apply(input, weight, pshape=pshape, prm=prm)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    return out
