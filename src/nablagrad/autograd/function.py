"""``Function``: the base of every differentiable primitive.

A primitive writes its forward and its backward side by side::

    class Exp(Function):
        def forward(self, x):
            return xp(x).exp(x)            # raw arrays in, raw array out

        def backward(self, g, out, x):
            return (g * out,)              # d exp(x)/dx = exp(x) = out

``backward(g, out, *inputs)`` returns one raw gradient per input (``None`` where an input needs
none).  It does no bookkeeping: the engine (``engine.py``) sums broadcast dimensions away, casts
to each input's dtype and accumulates.  In an ordinary backward pass ``g``, ``out`` and the
inputs are arrays; under ``create_graph=True`` they are Tensors, so the same formula builds a
differentiable graph.  Formulas therefore use operators, methods that arrays and Tensors share,
and the functions in ``autograd.dual`` that accept either.
"""

from __future__ import annotations

from typing import Any

_grad_enabled = True

# Set by nablagrad.tensor once the Tensor class exists (the two modules need each other).
Tensor: Any = None


class Function:
    """Base class of differentiable primitives; subclasses define ``forward`` and ``backward``.

    Attributes set by ``apply`` when the result is recorded:
        parents: the input Tensors, in call order.
        inputs: their arrays as they were at forward time.
        versions: their version counters then (in-place changes are detected at backward).
    """

    differentiable = True
    parents: tuple | None = None

    def forward(self, *arrays: Any, **kwargs: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, g: Any, out: Any, *inputs: Any) -> tuple:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def apply(cls, *tensors: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on the tensors' arrays and record the call when a gradient is needed."""
        fn = cls()
        arrays = [t._data for t in tensors]
        try:
            out = Tensor._wrap(fn.forward(*arrays, **kwargs))
        except ValueError as e:
            if "broadcast" not in str(e) or len(arrays) < 2:
                raise
            shapes = " and ".join(str(tuple(a.shape)) for a in arrays)
            raise RuntimeError(
                f"{cls.__name__.lower()}: shapes {shapes} cannot be broadcast together: in each "
                "dimension, counting from the last, the sizes must be equal or one of them 1 "
                "(reshape or unsqueeze an operand to line its dimensions up)"
            ) from None
        if _grad_enabled:
            for t in tensors:
                if t.requires_grad:
                    fn.parents = tensors
                    fn.inputs = arrays
                    fn.versions = [t._version for t in tensors]
                    out.requires_grad = True
                    out._ctx = fn
                    break
        return out

    def needs(self, i: int) -> bool:
        """Whether input ``i`` wants a gradient (lets backward skip work)."""
        return self.parents[i].requires_grad

    @property
    def name(self) -> str:
        return type(self).__name__ + "Backward"
