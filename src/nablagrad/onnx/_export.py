"""Turn a traced forward pass (``utils.tracing.trace``) into ONNX with the ``onnx`` package.

Each recorded primitive or layer maps to standard ONNX operators (``CONVERTERS``); parameters
and buffers become initializers under their ``state_dict`` names.  Recurrent layers map to
ONNX's ``LSTM``/``GRU``/``RNN`` operators with torch's gate order rearranged (torch LSTM
i,f,g,o -> ONNX i,o,f,c; torch GRU r,z,n -> ONNX z,r,h with ``linear_before_reset=1``).
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..backend import np, to_host
from ..tensor import Tensor
from ..utils._extras import require
from ..utils.tracing import Node, TracedGraph, trace

__all__ = ["export", "UnsupportedOperatorError", "CONVERTERS"]

MIN_OPSET = 13
MAX_OPSET = 21


class UnsupportedOperatorError(RuntimeError):
    """A traced operation has no ONNX mapping (the message names it and where it was called)."""


def _host(t: Tensor) -> np.ndarray:
    return to_host(t._data)


class _Emitter:
    def __init__(self, g: TracedGraph, opset: int) -> None:
        self.onnx = require("onnx", "onnx", "nablagrad.onnx.export")
        self.helper = self.onnx.helper
        self.g, self.opset = g, opset
        self.names: dict[int, str] = {}
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self._init_names: set[str] = set()
        self._count = 0
        self.scope = ""

    # -- names and constants ------------------------------------------------------------------
    def fresh(self, hint: str) -> str:
        self._count += 1
        return f"{hint}_{self._count}"

    def const(self, array: Any, hint: str = "const") -> str:
        name = hint if hint not in self._init_names else self.fresh(hint)
        self._init_names.add(name)
        a = np.asarray(array)  # (not ascontiguousarray: it turns 0-d arrays into 1-d ones)
        self.inits.append(
            self.onnx.numpy_helper.from_array(a if a.flags.c_contiguous else a.copy(), name)
        )
        return name

    def ints(self, values: Sequence[int], hint: str = "shape") -> str:
        return self.const(np.asarray(list(values), dtype=np.int64), self.fresh(hint))

    def scalar_like(self, value: float, vid: int) -> str:
        dtype = self.g.values[vid]._data.dtype
        return self.const(np.asarray(value, dtype=dtype), self.fresh("const"))

    def value(self, vid: int) -> str:
        """The ONNX name of a traced value; constants (parameters, buffers, literals) become
        initializers on first use."""
        if vid not in self.names:
            t = self.g.values[vid]
            name = self.g.param_names.get(vid) or self.fresh("const")
            self.names[vid] = self.const(_host(t), name)
        return self.names[vid]

    def param(self, t: Tensor, hint: str) -> str:
        vid = id(t)
        self.g.values.setdefault(vid, t)
        if vid not in self.names:
            self.names[vid] = self.const(_host(t), self.g.param_names.get(vid) or hint)
        return self.names[vid]

    def op(self, op_type: str, inputs: Sequence[str], n_out: int = 1, **attrs: Any) -> list[str]:
        base = f"/{self.scope.replace('.', '/')}/{op_type}" if self.scope else f"/{op_type}"
        outs = [self.fresh(f"{base}_output") for _ in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(
            self.helper.make_node(op_type, list(inputs), outs, name=self.fresh(base), **attrs)
        )
        return outs

    def op1(self, op_type: str, inputs: Sequence[str], **attrs: Any) -> str:
        return self.op(op_type, inputs, 1, **attrs)[0]

    def reduce(self, op_type: str, x: str, axes: Sequence[int] | None, keepdims: bool) -> str:
        """Reduce* with axes as an input (opset 18+, ReduceSum from 13) or an attribute."""
        as_input = op_type == "ReduceSum" or self.opset >= 18
        if axes is None:
            return self.op1(op_type, [x], keepdims=int(keepdims))
        axes = [int(a) for a in axes]
        if as_input:
            return self.op1(op_type, [x, self.ints(axes, "axes")], keepdims=int(keepdims))
        return self.op1(op_type, [x], axes=axes, keepdims=int(keepdims))


# ---------------------------------------------------------------------------------------------
# converters: (emitter, node) -> ONNX names of the node's outputs
# ---------------------------------------------------------------------------------------------
Converter = Callable[[_Emitter, Node], list[str]]
CONVERTERS: dict[str, Converter] = {}


def _converter(*kinds: str) -> Callable[[Converter], Converter]:
    def deco(fn: Converter) -> Converter:
        for k in kinds:
            CONVERTERS[k] = fn
        return fn

    return deco


def _ins(e: _Emitter, n: Node) -> list[str]:
    return [e.value(v) for v in n.inputs]


def _shape(e: _Emitter, vid: int) -> tuple:
    return tuple(e.g.values[vid].shape)


_BINARY = {"Add": "Add", "Sub": "Sub", "Rsub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow",
           "Maximum": "Max", "Minimum": "Min", "MatMul": "MatMul"}  # fmt: skip
_UNARY = {"Neg": "Neg", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Abs": "Abs", "Sign": "Sign",
          "Sin": "Sin", "Cos": "Cos", "Tanh": "Tanh", "Sigmoid": "Sigmoid", "Relu": "Relu",
          "Erf": "Erf"}  # fmt: skip


@_converter(*_BINARY)
def _binary(e: _Emitter, n: Node) -> list[str]:
    return e.op(_BINARY[n.kind], _ins(e, n))


@_converter(*_UNARY)
def _unary(e: _Emitter, n: Node) -> list[str]:
    return e.op(_UNARY[n.kind], _ins(e, n))


@_converter("Where")
def _where(e: _Emitter, n: Node) -> list[str]:
    ins = _ins(e, n)
    if len(ins) == 3:
        a, b, cond = ins
    else:  # a fixed mask (one that changed with the input was refused by _check_trace)
        (a, b), mask = ins, n.attrs["cond"]
        cond = e.const(np.asarray(to_host(getattr(mask, "_data", mask)), bool), e.fresh("cond"))
    return e.op("Where", [cond, a, b])


@_converter("Log1p")
def _log1p(e: _Emitter, n: Node) -> list[str]:
    (x,) = _ins(e, n)
    return e.op("Log", [e.op1("Add", [x, e.scalar_like(1.0, n.inputs[0])])])


def _clip(e: _Emitter, n: Node, lo: Any, hi: Any) -> list[str]:
    (x,) = _ins(e, n)
    lo_n = "" if lo is None else e.scalar_like(lo, n.inputs[0])
    hi_n = "" if hi is None else e.scalar_like(hi, n.inputs[0])
    return e.op("Clip", [x, lo_n, hi_n])


@_converter("Clamp")
def _clamp(e: _Emitter, n: Node) -> list[str]:
    for k in ("lo", "hi"):
        if isinstance(n.attrs.get(k), Tensor):
            raise UnsupportedOperatorError("ONNX export: clamp with tensor bounds is not supported")
    return _clip(e, n, n.attrs.get("lo"), n.attrs.get("hi"))


@_converter("ClampTensor")
def _clamp_tensor(e: _Emitter, n: Node) -> list[str]:
    x, *bounds = _ins(e, n)
    if n.attrs.get("lo"):
        x = e.op1("Max", [x, bounds[0]])
    if n.attrs.get("hi"):
        x = e.op1("Min", [x, bounds[-1]])
    return [x]


@_converter("Hardsigmoid")
def _hardsigmoid(e: _Emitter, n: Node) -> list[str]:
    return e.op("HardSigmoid", _ins(e, n), alpha=1.0 / 6, beta=0.5)


@_converter("Hardswish")
def _hardswish(e: _Emitter, n: Node) -> list[str]:
    # x * hardsigmoid(x): ONNX's HardSwish needs opset 14, this works from 13
    (x,) = _ins(e, n)
    return e.op("Mul", [x, e.op1("HardSigmoid", [x], alpha=1.0 / 6, beta=0.5)])


@_converter("Hardtanh")
def _hardtanh(e: _Emitter, n: Node) -> list[str]:
    return _clip(e, n, n.attrs.get("lo", -1.0), n.attrs.get("hi", 1.0))


@_converter("LeakyRelu")
def _leaky(e: _Emitter, n: Node) -> list[str]:
    return e.op("LeakyRelu", _ins(e, n), alpha=float(n.attrs.get("slope", 0.01)))


@_converter("Elu")
def _elu(e: _Emitter, n: Node) -> list[str]:
    alpha, scale = float(n.attrs.get("alpha", 1.0)), float(n.attrs.get("scale", 1.0))
    if scale == 1.0:
        return e.op("Elu", _ins(e, n), alpha=alpha)
    if math.isclose(alpha, 1.6732632423543772) and math.isclose(scale, 1.0507009873554805):
        return e.op("Selu", _ins(e, n), alpha=alpha, gamma=scale)
    return e.op("Mul", [e.op1("Elu", _ins(e, n), alpha=alpha), e.scalar_like(scale, n.inputs[0])])


@_converter("Gelu")
def _gelu(e: _Emitter, n: Node) -> list[str]:
    approx = n.attrs.get("approximate", "none")
    (x,) = _ins(e, n)
    if e.opset >= 20:
        return e.op("Gelu", [x], approximate=approx)
    c = lambda v: e.scalar_like(v, n.inputs[0])  # noqa: E731
    if approx == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        x3 = e.op1("Mul", [e.op1("Mul", [x, x]), x])
        inner = e.op1("Add", [x, e.op1("Mul", [x3, c(0.044715)])])
        t = e.op1("Tanh", [e.op1("Mul", [inner, c(math.sqrt(2 / math.pi))])])
    else:  # 0.5 x (1 + erf(x / sqrt 2))
        t = e.op1("Erf", [e.op1("Mul", [x, c(1 / math.sqrt(2))])])
    half_x = e.op1("Mul", [x, c(0.5)])
    return e.op("Mul", [half_x, e.op1("Add", [t, c(1.0)])])


@_converter("Silu")
def _silu(e: _Emitter, n: Node) -> list[str]:
    (x,) = _ins(e, n)
    return e.op("Mul", [x, e.op1("Sigmoid", [x])])


def _softplus(e: _Emitter, n: Node, x: str) -> str:
    beta = float(n.attrs.get("beta", 1.0))
    if beta == 1.0:
        return e.op1("Softplus", [x])
    bx = e.op1("Mul", [x, e.scalar_like(beta, n.inputs[0])])
    return e.op1("Div", [e.op1("Softplus", [bx]), e.scalar_like(beta, n.inputs[0])])


@_converter("Softplus")
def _softplus_conv(e: _Emitter, n: Node) -> list[str]:
    return [_softplus(e, n, _ins(e, n)[0])]


@_converter("Mish")
def _mish(e: _Emitter, n: Node) -> list[str]:
    (x,) = _ins(e, n)
    return e.op("Mul", [x, e.op1("Tanh", [e.op1("Softplus", [x])])])


@_converter("Softmax", "LogSoftmax")
def _softmax(e: _Emitter, n: Node) -> list[str]:
    return e.op(n.kind, _ins(e, n), axis=int(n.attrs.get("dim", -1)))


@_converter("LinearFn")
def _linear(e: _Emitter, n: Node) -> list[str]:
    ins = _ins(e, n)
    if len(_shape(e, n.inputs[0])) == 2:
        return e.op("Gemm", ins, transB=1)
    wt = e.op1("Transpose", [ins[1]], perm=[1, 0])
    y = e.op1("MatMul", [ins[0], wt])
    return [e.op1("Add", [y, ins[2]])] if len(ins) > 2 else [y]


@_converter("Conv2dFn")
def _conv(e: _Emitter, n: Node) -> list[str]:
    a = n.attrs
    (pt, pb), (pl, pr) = a.get("padding", ((0, 0), (0, 0)))
    w_shape = _shape(e, n.inputs[1])
    return e.op(
        "Conv", _ins(e, n), kernel_shape=list(w_shape[2:]), strides=list(a.get("stride", (1, 1))),
        pads=[int(pt), int(pl), int(pb), int(pr)], dilations=list(a.get("dilation", (1, 1))),
        group=int(a.get("groups", 1)),
    )  # fmt: skip


def _pool_pads(padding: Sequence[int]) -> list[int]:
    ph, pw = padding
    return [int(ph), int(pw), int(ph), int(pw)]


@_converter("MaxPool2dFn")
def _maxpool(e: _Emitter, n: Node) -> list[str]:
    a = n.attrs
    return e.op(
        "MaxPool", _ins(e, n), kernel_shape=list(a.get("kernel", (2, 2))),
        strides=list(a.get("stride", (2, 2))), pads=_pool_pads(a.get("padding", (0, 0))),
        dilations=list(a.get("dilation", (1, 1))),
    )  # fmt: skip


@_converter("AvgPool2dFn")
def _avgpool(e: _Emitter, n: Node) -> list[str]:
    a = n.attrs
    kernel = list(a.get("kernel", (2, 2)))
    if a.get("divisor") not in (None, kernel[0] * kernel[1]):
        raise UnsupportedOperatorError("ONNX export: avg_pool2d with divisor_override has no "
                                       "ONNX operator")  # fmt: skip
    return e.op(
        "AveragePool", _ins(e, n), kernel_shape=kernel, strides=list(a.get("stride", (2, 2))),
        pads=_pool_pads(a.get("padding", (0, 0))), count_include_pad=1,
    )  # fmt: skip


@_converter("Reshape", "Squeeze", "Unsqueeze")
def _reshape(e: _Emitter, n: Node) -> list[str]:
    # The leading dimension is usually the batch: copy it from the input (0) when it is
    # unchanged, else infer it (-1), so the model also runs at other batch sizes.
    # Inserting or removing size-1 dimensions (unsqueeze, squeeze, stack) becomes
    # Squeeze/Unsqueeze, which leave the other dimensions free.
    in_shape, out_shape = _shape(e, n.inputs[0]), list(n.out_shapes[0])
    x = _ins(e, n)[0]
    if [d for d in in_shape if d != 1] == [d for d in out_shape if d != 1]:
        drop = [i for i, d in enumerate(in_shape) if d == 1]
        add = [j for j, d in enumerate(out_shape) if d == 1]
        if drop == add:
            return e.op("Identity", [x])
        if drop:
            x = e.op1("Squeeze", [x, e.ints(drop, "axes")])
        return e.op("Unsqueeze", [x, e.ints(add, "axes")]) if add else [x]
    if out_shape and in_shape:
        out_shape[0] = 0 if out_shape[0] == in_shape[0] else -1
    return e.op("Reshape", [x, e.ints(out_shape)])


@_converter("Permute", "Transpose", "TransposeT")
def _permute(e: _Emitter, n: Node) -> list[str]:
    return e.op("Transpose", _ins(e, n), perm=[int(a) for a in n.attrs.get("axes", ())])


@_converter("Expand")
def _expand(e: _Emitter, n: Node) -> list[str]:
    in_shape, out_shape = _shape(e, n.inputs[0]), list(n.out_shapes[0])
    k = len(out_shape) - len(in_shape)
    target = [1 if i >= k and in_shape[i - k] == s else s for i, s in enumerate(out_shape)]
    return e.op("Expand", [_ins(e, n)[0], e.ints(target)])


@_converter("Cat")
def _cat(e: _Emitter, n: Node) -> list[str]:
    return e.op("Concat", _ins(e, n), axis=int(n.attrs.get("axis", 0)))


def _axes(a: Any) -> list[int] | None:
    if a is None:
        return None
    return [int(a)] if isinstance(a, (int, np.integer)) else [int(v) for v in a]


@_converter("Sum", "Mean", "AMax", "AMin", "LogSumExp")
def _reduce(e: _Emitter, n: Node) -> list[str]:
    kind = {
        "Sum": "ReduceSum",
        "Mean": "ReduceMean",
        "LogSumExp": "ReduceLogSumExp",
        "AMax": "ReduceMax" if n.attrs.get("largest", True) else "ReduceMin",
        "AMin": "ReduceMin",
    }[n.kind]
    axes = _axes(n.attrs.get("axes"))
    return [e.reduce(kind, _ins(e, n)[0], axes, bool(n.attrs.get("keepdim", False)))]


@_converter("Prod")
def _prod(e: _Emitter, n: Node) -> list[str]:
    axes = _axes(n.attrs.get("axis"))
    return [e.reduce("ReduceProd", _ins(e, n)[0], axes, bool(n.attrs.get("keepdim", False)))]


@_converter("PNorm")
def _pnorm(e: _Emitter, n: Node) -> list[str]:
    p, axes = float(n.attrs.get("p", 2.0)), _axes(n.attrs.get("axes"))
    keep = bool(n.attrs.get("keepdim", False))
    (x,) = _ins(e, n)
    if p in (1.0, 2.0):
        return [e.reduce("ReduceL1" if p == 1.0 else "ReduceL2", x, axes, keep)]
    if math.isinf(p):
        return [e.reduce("ReduceMax" if p > 0 else "ReduceMin", e.op1("Abs", [x]), axes, keep)]
    c = lambda v: e.scalar_like(v, n.inputs[0])  # noqa: E731  (sum |x|^p)^(1/p)
    powered = e.op1("Pow", [e.op1("Abs", [x]), c(p)])
    return e.op("Pow", [e.reduce("ReduceSum", powered, axes, keep), c(1.0 / p)])


@_converter("Cumsum")
def _cumsum(e: _Emitter, n: Node) -> list[str]:
    axis = np.asarray(int(n.attrs.get("axis", 0)), dtype=np.int64)
    return e.op("CumSum", [_ins(e, n)[0], e.const(axis, e.fresh("axis"))])


@_converter("Floor", "Ceil", "Round")
def _rounding(e: _Emitter, n: Node) -> list[str]:
    return e.op(n.kind, _ins(e, n))  # ONNX Round, like torch.round, rounds half to even


@_converter("Trunc")
def _trunc(e: _Emitter, n: Node) -> list[str]:
    (x,) = _ins(e, n)  # sign(x) floor(|x|)
    return e.op("Mul", [e.op1("Sign", [x]), e.op1("Floor", [e.op1("Abs", [x])])])


@_converter("Clone", "ToDevice")
def _identity(e: _Emitter, n: Node) -> list[str]:
    return e.op("Identity", _ins(e, n))


@_converter("Cast")
def _cast(e: _Emitter, n: Node) -> list[str]:
    to = e.helper.np_dtype_to_tensor_dtype(e.g.values[n.outputs[0]]._data.dtype)
    return e.op("Cast", _ins(e, n), to=int(to))


@_converter("Flip")
def _flip(e: _Emitter, n: Node) -> list[str]:
    axes = [int(a) for a in n.attrs.get("axes", ())]
    big = np.iinfo(np.int64).max
    k = len(axes)
    ins = [_ins(e, n)[0], e.ints([-1] * k, "starts"), e.ints([-big] * k, "ends"),
           e.ints(axes, "axes"), e.ints([-1] * k, "steps")]  # fmt: skip
    return e.op("Slice", ins)


@_converter("Repeat")
def _repeat(e: _Emitter, n: Node) -> list[str]:
    reps = [int(r) for r in n.attrs.get("reps", ())]
    x = _ins(e, n)[0]
    extra = len(reps) - len(_shape(e, n.inputs[0]))
    if extra > 0:
        x = e.op1("Unsqueeze", [x, e.ints(list(range(extra)), "axes")])
    return e.op("Tile", [x, e.ints(reps, "repeats")])


@_converter("ConstantPad")
def _pad(e: _Emitter, n: Node) -> list[str]:
    widths = n.attrs.get("widths", ())
    if any(lo < 0 or hi < 0 for lo, hi in widths):
        raise UnsupportedOperatorError("ONNX export: negative padding (cropping) is not supported")
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    value = e.scalar_like(float(n.attrs.get("value", 0.0)), n.inputs[0])
    return e.op("Pad", [_ins(e, n)[0], e.ints(pads, "pads"), value], mode="constant")


@_converter("GetItem")
def _getitem(e: _Emitter, n: Node) -> list[str]:
    (x,) = _ins(e, n)
    rank = len(_shape(e, n.inputs[0]))
    index = n.attrs.get("index")
    index = index if isinstance(index, tuple) else (index,)
    if any(i is Ellipsis for i in index):
        k = index.index(Ellipsis)
        used = sum(1 for i in index if i is not None and i is not Ellipsis)
        index = index[:k] + (slice(None),) * (rank - used) + index[k + 1 :]
    slices, takes, nones, arrays = [], [], [], []
    ax = out_pos = 0
    for item in index:
        if item is None:
            nones.append(out_pos)
            out_pos += 1
        elif isinstance(item, slice):
            if item != slice(None):
                slices.append((ax, item))
            ax, out_pos = ax + 1, out_pos + 1
        elif isinstance(item, (int, np.integer)):
            takes.append((ax, int(item)))
            ax += 1
        elif hasattr(item, "dtype") and item.dtype.kind in "iu" and item.ndim <= 1:
            arrays.append((ax, to_host(item)))
            ax, out_pos = ax + 1, out_pos + 1
        else:
            raise UnsupportedOperatorError(
                f"ONNX export: indexing with {type(item).__name__} (boolean masks, several or "
                "multi-dimensional index arrays) is not supported; use slices, integers or one "
                "1-D index array"
            )
    if len(arrays) > 1:
        raise UnsupportedOperatorError("ONNX export: indexing with several index arrays is not "
                                       "supported")  # fmt: skip
    big = np.iinfo(np.int64).max
    if slices:
        starts, ends, axes, steps = [], [], [], []
        for a, s in slices:
            step = 1 if s.step is None else int(s.step)
            if s.start is None:
                start = 0 if step > 0 else -1
            else:
                start = int(s.start)
            if s.stop is None:
                stop = big if step > 0 else -big
            else:
                stop = int(s.stop)
            starts, ends, axes, steps = starts + [start], ends + [stop], axes + [a], steps + [step]
        x = e.op1("Slice", [x, e.ints(starts, "starts"), e.ints(ends, "ends"),
                            e.ints(axes, "axes"), e.ints(steps, "steps")])  # fmt: skip
    for a, arr in arrays:
        x = e.op1("Gather", [x, e.const(arr.astype(np.int64), e.fresh("indices"))], axis=a)
    for a, i in sorted(takes, reverse=True):
        x = e.op1("Gather", [x, e.const(np.asarray(i, dtype=np.int64), e.fresh("index"))], axis=a)
    if nones:
        x = e.op1("Unsqueeze", [x, e.ints(nones, "axes")])
    return [x]


# -- whole layers ----------------------------------------------------------------------------
@_converter("Dropout")
def _dropout(e: _Emitter, n: Node) -> list[str]:
    return e.op("Identity", [e.value(n.inputs[0])])


@_converter("BatchNorm1d", "BatchNorm2d")
def _batchnorm(e: _Emitter, n: Node) -> list[str]:
    m = n.module
    if m.running_mean is None:
        raise UnsupportedOperatorError(
            f"ONNX export: {type(m).__name__}(track_running_stats=False) normalises with batch "
            "statistics even in eval mode; ONNX BatchNormalization needs running statistics"
        )
    x = e.value(n.inputs[0])
    c, dtype = m.num_features, m.running_mean._data.dtype
    scale = e.param(m.weight, "scale") if m.weight is not None else e.const(np.ones(c, dtype))
    bias = e.param(m.bias, "bias") if m.bias is not None else e.const(np.zeros(c, dtype))
    mean, var = e.param(m.running_mean, "mean"), e.param(m.running_var, "var")
    return e.op("BatchNormalization", [x, scale, bias, mean, var], epsilon=float(m.eps))


@_converter("LayerNorm")
def _layernorm(e: _Emitter, n: Node) -> list[str]:
    m = n.module
    x = e.value(n.inputs[0])
    shape = tuple(m.normalized_shape)
    dtype = e.g.values[n.inputs[0]]._data.dtype
    w = getattr(m, "weight", None)
    b = getattr(m, "bias", None)
    scale = e.param(w, "scale") if w is not None else e.const(np.ones(shape, dtype))
    ins = [x, scale] + ([e.param(b, "bias")] if b is not None else [])
    return e.op("LayerNormalization", ins, axis=-len(shape), epsilon=float(m.eps))


@_converter("Embedding")
def _embedding(e: _Emitter, n: Node) -> list[str]:
    return e.op("Gather", [e.param(n.module.weight, "weight"), e.value(n.inputs[0])], axis=0)


@_converter("AdaptiveAvgPool2d")
def _adaptive(e: _Emitter, n: Node) -> list[str]:
    in_shape, out_shape = _shape(e, n.inputs[0]), n.out_shapes[0]
    (h, w), (oh, ow) = in_shape[-2:], out_shape[-2:]
    x = e.value(n.inputs[0])
    if len(in_shape) != 4:
        raise UnsupportedOperatorError("ONNX export: AdaptiveAvgPool2d on 3-D (unbatched) input")
    if (oh, ow) == (1, 1):
        return e.op("GlobalAveragePool", [x])
    if h % oh or w % ow:
        raise UnsupportedOperatorError(
            f"ONNX export: AdaptiveAvgPool2d from {h}x{w} to {oh}x{ow} (not a whole multiple) "
            "has no ONNX operator"
        )
    k = [h // oh, w // ow]
    return e.op("AveragePool", [x], kernel_shape=k, strides=k)


# torch gate blocks -> ONNX gate blocks
_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN": [0]}


def _reorder(a: np.ndarray, kind: str, hidden: int) -> np.ndarray:
    blocks = [a[i * hidden : (i + 1) * hidden] for i in range(len(_GATE_ORDER[kind]))]
    return np.concatenate([blocks[i] for i in _GATE_ORDER[kind]], axis=0)


@_converter("LSTM", "GRU", "RNN")
def _recurrent(e: _Emitter, n: Node) -> list[str]:
    m, kind = n.module, n.kind
    if getattr(m, "proj_size", 0):
        raise UnsupportedOperatorError("ONNX export: LSTM with proj_size (ONNX's LSTM has no "
                                       "projection)")  # fmt: skip
    hidden, dirs = m.hidden_size, 2 if m.bidirectional else 1
    gates = len(_GATE_ORDER[kind])
    x_shape = _shape(e, n.inputs[0])
    unbatched = len(x_shape) == 2
    n_args = n.attrs.get("n_args", 1)
    x = e.value(n.inputs[0])
    if unbatched:
        x = e.op1("Unsqueeze", [x, e.ints([1], "axes")])
    elif m.batch_first:
        x = e.op1("Transpose", [x], perm=[1, 0, 2])
    # states given as constant zeros (torch.zeros(layers, batch, hidden) in forward) are ONNX's
    # default: leave them out, so the batch size stays free
    produced = {o for node in e.g.nodes for o in node.outputs} | set(e.g.inputs)
    state_ids = n.inputs[1:n_args]
    if all(v not in produced and not _host(e.g.values[v]).any() for v in state_ids):
        state_ids = []
    states = [e.value(v) for v in state_ids]
    if unbatched and states:
        states = [e.op1("Unsqueeze", [s, e.ints([1], "axes")]) for s in states]
    dtype = m._weights(0, 0)[0]._data.dtype
    hs, cs = [], []
    for layer in range(m.num_layers):
        ws, rs, bs = [], [], []
        for d in range(dirs):
            w_ih, w_hh, b_ih, b_hh, _ = m._weights(layer, d)
            ws.append(_reorder(_host(w_ih), kind, hidden))
            rs.append(_reorder(_host(w_hh), kind, hidden))
            if b_ih is not None:
                bs.append(np.concatenate([_reorder(_host(b_ih), kind, hidden),
                                          _reorder(_host(b_hh), kind, hidden)]))  # fmt: skip
            else:
                bs.append(np.zeros(2 * gates * hidden, dtype))
        sfx = f"{n.scope or kind.lower()}.l{layer}"
        ins = [x, e.const(np.stack(ws), f"{sfx}.W"), e.const(np.stack(rs), f"{sfx}.R"),
               e.const(np.stack(bs), f"{sfx}.B"), ""]  # fmt: skip
        lo, hi = layer * dirs, (layer + 1) * dirs
        for s in states:
            ins.append(e.op1("Slice", [s, e.ints([lo], "starts"), e.ints([hi], "ends"),
                                       e.ints([0], "axes")]))  # fmt: skip
        while ins and ins[-1] == "":
            ins.pop()
        attrs: dict[str, Any] = {
            "hidden_size": hidden,
            "direction": "bidirectional" if dirs == 2 else "forward",
        }
        if kind == "GRU":
            attrs["linear_before_reset"] = 1
        if kind == "RNN":
            attrs["activations"] = ["Tanh" if m.nonlinearity == "tanh" else "Relu"] * dirs
        n_out = 3 if kind == "LSTM" else 2
        outs = e.op(kind, ins, n_out, **attrs)
        # Y: (T, dirs, N, H) -> (T, N, dirs * H)
        y = e.op1("Transpose", [outs[0]], perm=[0, 2, 1, 3])
        x = e.op1("Reshape", [y, e.ints([0, 0, -1])])
        hs.append(outs[1])
        if kind == "LSTM":
            cs.append(outs[2])
    out = x
    if unbatched:
        out = e.op1("Squeeze", [out, e.ints([1], "axes")])
    elif m.batch_first:
        out = e.op1("Transpose", [out], perm=[1, 0, 2])
    results = [out]
    for group in [hs] + ([cs] if kind == "LSTM" else []):
        h = group[0] if len(group) == 1 else e.op1("Concat", group, axis=0)
        if unbatched:
            h = e.op1("Squeeze", [h, e.ints([1], "axes")])
        results.append(h)
    return results[: len(n.outputs)]


# ---------------------------------------------------------------------------------------------
def _dims(shape: tuple, axes: Any, name: str) -> list:
    dims: list = list(shape)
    if axes is None:
        return dims
    items = axes.items() if isinstance(axes, Mapping) else ((a, None) for a in axes)
    for a, label in items:
        a = int(a)
        if not -len(dims) <= a < len(dims):
            raise ValueError(f"dynamic_axes[{name!r}]: axis {a} is out of range for shape {shape}")
        dims[a] = label or f"{name}_dynamic_axes_{a % len(dims) + 1}"
    return dims


def _perturbed(args: tuple, k: int) -> tuple:
    """Inputs with other values and the same shapes (integers stay in their range): ``k = 1``
    flips the signs of floats, ``k = 2`` draws new ones."""
    out = []
    for a in args:
        if isinstance(a, Tensor):
            x = _host(a)
            if x.dtype.kind == "f":
                if k == 1:
                    y = -1.5 * x + 0.25
                else:
                    rng = np.random.default_rng(12345)
                    y = rng.standard_normal(x.shape) * (float(x.std()) or 1.0) + float(x.mean())
            elif x.dtype.kind in "iu" and x.size:
                lo, hi = x.min(), x.max()
                y = (x - lo + k) % (hi - lo + 1) + lo
            elif x.dtype.kind == "b":
                y = ~x if k == 1 else x
            else:
                y = x
            a = Tensor._wrap(np.asarray(y).astype(x.dtype)).to(a.device)
        out.append(a)
    return tuple(out)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        a, b = _host(a), _host(b)
    if hasattr(a, "shape") and hasattr(a, "dtype") and hasattr(b, "shape"):
        a, b = to_host(a), to_host(b)
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, slice) and isinstance(b, slice):
        return _same((a.start, a.stop, a.step), (b.start, b.stop, b.step))
    return type(a) is type(b) and a == b


def _check_trace(g: TracedGraph, g2: TracedGraph) -> None:
    """Trace again on other input values: the operations must be the same and every constant
    they read must not change, else something the tracer cannot see (control flow on values,
    comparisons, argmax, NumPy code, random numbers) would be frozen into the file."""
    if g.modified:
        t = g.values[g.modified[0]]
        user = next((n for n in g.nodes if g.modified[0] in n.inputs or g.modified[0] in n.outputs),
                    None)  # fmt: skip
        where = f" (used by {user.kind!r} in module {user.scope!r})" if user else ""
        raise UnsupportedOperatorError(
            f"ONNX export: a tensor of shape {tuple(t.shape)}{where} was changed in place "
            "after the tracer saw it (index assignment, add_, relu_ ... under no_grad are not "
            "recorded); write the forward without in-place changes"
        )
    where = lambda n: f" (in module {n.scope!r})" if n.scope else ""  # noqa: E731
    kinds1, kinds2 = [n.kind for n in g.nodes], [n.kind for n in g2.nodes]
    if kinds1 != kinds2:
        k = next((i for i, (a, b) in enumerate(zip(kinds1, kinds2)) if a != b), len(kinds1))
        raise UnsupportedOperatorError(
            f"ONNX export: the model runs different operations for different input values "
            f"(operation {k + 1}: {kinds1[k] if k < len(kinds1) else 'end'} vs "
            f"{kinds2[k] if k < len(kinds2) else 'end'}); tracing records one path of "
            "data-dependent control flow, so this model cannot be exported"
        )
    known1 = set(g.inputs) | {o for n in g.nodes for o in n.outputs} | set(g.param_names)
    for n1, n2 in zip(g.nodes, g2.nodes):
        for j, (v1, v2) in enumerate(zip(n1.inputs, n2.inputs)):
            if v1 in known1 or _same(g.values[v1], g2.values[v2]):
                continue
            raise UnsupportedOperatorError(
                f"ONNX export: input {j} of {n1.kind!r}{where(n1)} depends on the input values "
                "but was computed by something the tracer does not record (a comparison, "
                "rounding, argmax, NumPy code or random numbers); it would be frozen as a "
                "constant. Write it with differentiable operations or leave it out of the "
                "exported forward"
            )
        keys = set(n1.attrs) - {"n_args"}
        if not all(_same(n1.attrs.get(k), n2.attrs.get(k)) for k in keys):
            raise UnsupportedOperatorError(
                f"ONNX export: the arguments of {n1.kind!r}{where(n1)} (e.g. an index) depend "
                "on the input values through an operation the tracer does not record; they "
                "would be frozen into the file"
            )


def to_model_proto(
    model: Any,
    args: Any,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    dynamic_axes: Mapping[str, Any] | None = None,
    opset_version: int | None = None,
) -> Any:
    """Trace ``model(*args)`` and return the checked ``onnx.ModelProto``."""
    onnx = require("onnx", "onnx", "nablagrad.onnx.export")
    opset = 17 if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"opset_version {opset} is not supported: use {MIN_OPSET}..{MAX_OPSET}")
    args = args if isinstance(args, tuple) else (args,)
    args = tuple(a if not isinstance(a, np.ndarray) else Tensor._wrap(a) for a in args)

    def leaf_ok(kind: str, module: Any) -> bool:
        return not (kind == "LayerNorm" and opset < 17)

    input_names = list(input_names or [])
    g = trace(model, args, input_names, leaf_filter=leaf_ok)
    for k in (1, 2):
        _check_trace(g, trace(model, _perturbed(args, k), list(input_names), leaf_filter=leaf_ok))
    e = _Emitter(g, opset)
    helper = onnx.helper
    dynamic_axes = dict(dynamic_axes or {})
    graph_inputs = []
    for vid, name in zip(g.inputs, g.input_names):
        t = g.values[vid]
        e.names[vid] = name
        elem = helper.np_dtype_to_tensor_dtype(t._data.dtype)
        dims = _dims(tuple(t.shape), dynamic_axes.get(name), name)
        graph_inputs.append(helper.make_tensor_value_info(name, elem, dims))
    for node in g.nodes:
        conv = CONVERTERS.get(node.kind)
        if conv is None:
            where = f" (in module {node.scope!r})" if node.scope else ""
            raise UnsupportedOperatorError(
                f"ONNX export: the operation {node.kind!r}{where} has no ONNX mapping; supported "
                f"operations: {', '.join(sorted(CONVERTERS))}"
            )
        e.scope = node.scope
        outs = conv(e, node)
        for vid, name in zip(node.outputs, outs):
            e.names[vid] = name
    e.scope = ""
    out_names = list(output_names or [])
    out_names += [f"output.{i}" if len(g.outputs) > 1 else "output"
                  for i in range(len(out_names), len(g.outputs))]  # fmt: skip
    graph_outputs = []
    for vid, name in zip(g.outputs, out_names):
        src = e.value(vid)
        e.nodes.append(helper.make_node("Identity", [src], [name], name=f"/output/{name}"))
        t = g.values[vid]
        elem = helper.np_dtype_to_tensor_dtype(t._data.dtype)
        dims = _dims(tuple(t.shape), dynamic_axes.get(name), name)
        graph_outputs.append(helper.make_tensor_value_info(name, elem, dims))
    unknown = set(dynamic_axes) - set(g.input_names) - set(out_names)
    if unknown:
        raise ValueError(f"dynamic_axes names {sorted(unknown)} are neither inputs "
                         f"{g.input_names} nor outputs {out_names}")  # fmt: skip
    graph = helper.make_graph(e.nodes, type(model).__name__, graph_inputs, graph_outputs,
                              initializer=e.inits)  # fmt: skip
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(
        graph, opset_imports=opsets, producer_name="nablagrad",
        # the oldest IR version that carries this opset: older runtimes can read the file
        ir_version=helper.find_min_ir_version_for(opsets),
    )  # fmt: skip
    onnx.checker.check_model(proto, full_check=True)
    return proto


def export(
    model: Any,
    args: Any,
    f: str | os.PathLike | Any,
    export_params: bool = True,
    verbose: bool = False,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    opset_version: int | None = None,
    dynamic_axes: Mapping[str, Any] | None = None,
    do_constant_folding: bool = True,
    **kwargs: Any,
) -> Any:
    """Export ``model`` to ONNX by tracing ``model(*args)``, in the shape of
    ``torch.onnx.export``; returns the ``onnx.ModelProto`` (also written to ``f``, a path or a
    binary file object).

    The model runs once in eval mode (Dropout off, BatchNorm on running statistics);
    ``dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}`` (or ``{"input": [0]}``)
    leaves those dimensions free.  Operations without an ONNX mapping raise
    ``UnsupportedOperatorError`` naming the operation and its module.

    Example:
        >>> import nablagrad as torch
        >>> net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.GELU(), torch.nn.Linear(8, 3))
        >>> proto = torch.onnx.export(net, torch.randn(2, 4), "net.onnx",  # doctest: +SKIP
        ...                           dynamic_axes={"input": {0: "batch"}})
    """
    if not export_params:
        raise ValueError("export_params=False is not supported: the weights are always stored")
    unknown = set(kwargs) - {"training", "keep_initializers_as_inputs", "dynamo",
                             "operator_export_type", "external_data"}  # fmt: skip
    if unknown:
        raise TypeError(f"export() got unexpected keyword arguments {sorted(unknown)}")
    proto = to_model_proto(model, args, input_names, output_names, dynamic_axes, opset_version)
    if verbose:
        print(require("onnx", "onnx", "export").helper.printable_graph(proto.graph))
    data = proto.SerializeToString()
    if hasattr(f, "write"):
        f.write(data)
    else:
        path = os.fspath(f)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".onnx")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return proto
