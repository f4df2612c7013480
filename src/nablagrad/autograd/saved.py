"""Which tensors each primitive's backward reads: the ones whose in-place change is an error.

PyTorch saves, per op, exactly the tensors its derivative formula needs (``derivatives.yaml``)
and raises at backward when one of them was changed in place after the forward.  It does not
raise for tensors the formula does not read (``y = x + 1; x.mul_(2)`` is fine, ``y = x.exp();
y.mul_(2)`` is not: exp's gradient reads its output).  This table gives the same answer for
nablagrad's primitives, so the engine checks only what the backward reads (``engine.py``).

A spec is a tuple of entries:

- an int ``i``: input ``i`` is read whenever the node has a backward to run;
- ``("if_needs", i, j)``: input ``i`` is read only when input ``j`` wants a gradient
  (``a * b`` reads ``b`` for ``a``'s gradient and ``a`` for ``b``'s);
- ``"out"``: the output is read; ``("out_if_needs", j)``: only when input ``j`` wants a gradient.

A primitive not listed (and without a ``saved`` class attribute) is treated as reading all its
inputs and not its output.  A primitive may set ``saved = (...)`` on its class to override.

Example:
    >>> import nablagrad as torch
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x.exp()
    >>> _ = y.mul_(2)
    >>> y.sum().backward()  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    RuntimeError: one of the variables needed for gradient computation has been modified ...
"""

from __future__ import annotations

from typing import Any

_NOTHING: tuple = ()
_CROSS2 = (("if_needs", 0, 1), ("if_needs", 1, 0))

# Checked against torch 2.13 by changing each input (and the output) in place between forward
# and backward (tests/core/test_validation.py::test_saved_tensors_match_torch).
SAVED: dict[str, tuple] = {
    # read nothing but shapes, indices or masks kept on the node
    "Add": _NOTHING,
    "Sub": _NOTHING,
    "Neg": _NOTHING,
    "Sign": _NOTHING,
    "Sum": _NOTHING,
    "Mean": _NOTHING,
    "Cumsum": _NOTHING,
    "Reshape": _NOTHING,
    "Squeeze": _NOTHING,
    "Unsqueeze": _NOTHING,
    "Permute": _NOTHING,
    "Transpose": _NOTHING,
    "TransposeT": _NOTHING,
    "Expand": _NOTHING,
    "Repeat": _NOTHING,
    "Flip": _NOTHING,
    "ConstantPad": _NOTHING,
    "Cat": _NOTHING,
    "Where": _NOTHING,
    "GetItem": _NOTHING,
    "SetItem": _NOTHING,
    "MaxDim": _NOTHING,
    "EmbeddingFn": _NOTHING,
    "CrossEntropyFn": _NOTHING,  # keeps its own log-softmax on the node
    "IndexAddInto": _NOTHING,
    "ScatterAddAlong": _NOTHING,
    "PoolScatter": _NOTHING,
    "PoolGather": _NOTHING,
    "_Cast": _NOTHING,
    "_Clone": _NOTHING,
    "Clone": _NOTHING,
    "_ToDevice": _NOTHING,
    "_Unpacked": _NOTHING,
    # read their output only
    "Exp": ("out",),
    "Sigmoid": ("out",),
    "Tanh": ("out",),
    "Relu": ("out",),
    "Sqrt": ("out",),
    "Softmax": ("out",),
    "LogSoftmax": ("out",),
    "Erfinv": ("out",),
    "SpecialNdtri": ("out",),
    # read input and output
    "Copysign": (0, "out"),
    "Cumprod": (0, "out"),
    "Prod": (0, "out"),
    "AMax": (0, "out"),
    "AMin": (0, "out"),
    "LogSumExp": (0, "out"),
    "Logcumsumexp": (0, "out"),
    "SpecialLogNdtr": (0, "out"),
    "Hypot": (0, 1, "out"),
    "PNorm": (0, "out"),
    "Pow": (0, 1, ("out_if_needs", 1)),
    # read one input for the other's gradient
    "Mul": _CROSS2,
    "MatMul": _CROSS2,
    "Div": (("if_needs", 0, 1), 1),
    "LinearFn": (("if_needs", 0, 1), ("if_needs", 1, 0)),
    "CDist": (0, 1, "out"),
}


class Spec:
    """A compiled spec: ``inputs(fn)`` lists the input indices read, ``out(fn)`` the output."""

    __slots__ = (
        "fixed",
        "conditional",
        "out_always",
        "out_conditional",
        "all_inputs",
        "may_read_output",
        "checks",
    )

    def __init__(self, entries: tuple | None) -> None:
        self.all_inputs = entries is None
        self.fixed: list[int] = []
        self.conditional: list[tuple[int, int]] = []
        self.out_always = False
        self.out_conditional: list[int] = []
        for e in entries or ():
            if e == "out":
                self.out_always = True
            elif isinstance(e, int):
                self.fixed.append(e)
            elif e[0] == "if_needs":
                self.conditional.append((e[1], e[2]))
            elif e[0] == "out_if_needs":
                self.out_conditional.append(e[1])
            else:  # pragma: no cover - table typo
                raise ValueError(f"bad saved-tensor spec entry {e!r}")
        self.may_read_output = self.out_always or bool(self.out_conditional)
        self.checks = self.all_inputs or bool(
            self.fixed or self.conditional or self.may_read_output
        )

    def inputs(self, fn: Any) -> list[int]:
        parents = fn.parents
        if self.all_inputs:
            return list(range(len(parents)))
        n = len(parents)
        idx = [i for i in self.fixed if i < n]
        for i, j in self.conditional:
            if i < n and j < n and parents[j]._requires_grad:
                idx.append(i)
        return idx

    def output(self, fn: Any) -> bool:
        if self.out_always:
            return True
        parents = fn.parents
        return any(j < len(parents) and parents[j]._requires_grad for j in self.out_conditional)


_cache: dict[type, Spec] = {}


def spec_for(cls: type) -> Spec:
    """The saved-tensor spec of a ``Function`` subclass (cached per class)."""
    s = _cache.get(cls)
    if s is None:
        entries = cls.__dict__.get("saved", SAVED.get(cls.__name__))
        s = _cache[cls] = Spec(entries)
    return s


def pack_saved(fn: Any, out: Any, hooks: tuple) -> None:
    """Hand the tensors node ``fn`` saves (its spec's inputs, and ``out`` when read) through the
    ``pack_hook`` of ``autograd.graph.saved_tensors_hooks``; the engine unpacks them at backward
    (``engine._unpacked``).  As torch, the hook gets the Tensors themselves (an input, or the
    output with its ``grad_fn``) and the node keeps only what it returns, and the hooks are the
    ones in force now, at forward time."""
    pack, unpack = hooks
    parents = fn.parents
    spec = spec_for(type(fn))
    read = range(len(parents)) if spec.all_inputs else spec.inputs(fn)
    # a Python number operand (``x * 2``, ``x ** 2``) is a Scalar in torch, not a saved tensor
    slots = [(i, pack(parents[i])) for i in read if "_number" not in parents[i].__dict__]
    if spec.may_read_output and spec.output(fn):
        slots.append((-1, pack(out)))
    if slots:
        fn._packed = (unpack, slots)
