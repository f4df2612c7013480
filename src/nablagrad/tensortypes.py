"""PyTorch's legacy typed tensor classes: ``FloatTensor``, ``LongTensor``, ``DoubleTensor`` ...

Older PyTorch code still builds tensors with them and checks types against them::

    features = torch.FloatTensor(array)   # data (list, NumPy array): copied, cast to float32
    h = torch.FloatTensor(2, 3)           # ints or a Size: a new (zero-filled) tensor of that shape
    isinstance(x, torch.LongTensor)       # a CPU tensor of dtype int64

Each class maps to one dtype; calling it returns an ordinary :class:`nablagrad.Tensor`.  As in
torch, a tensor argument must already have the class's dtype (it is returned unchanged).

Example:
    >>> import nablagrad
    >>> nablagrad.LongTensor([1.7, 2.2]).tolist()
    [1, 2]
    >>> isinstance(nablagrad.zeros(2), nablagrad.FloatTensor)
    True
"""

from __future__ import annotations

from typing import Any

from . import backend
from .creation import tensor as _tensor
from .creation import zeros as _zeros
from .tensor import Size, Tensor

#: legacy class name -> dtype name
TYPES: dict[str, str] = {
    "FloatTensor": "float32",
    "DoubleTensor": "float64",
    "HalfTensor": "float16",
    "LongTensor": "int64",
    "IntTensor": "int32",
    "ShortTensor": "int16",
    "CharTensor": "int8",
    "ByteTensor": "uint8",
    "BoolTensor": "bool",
}
#: dtype name -> legacy class name (``Tensor.type()``)
NAMES: dict[str, str] = {v: k for k, v in TYPES.items()}


class _LegacyTensorType(type):
    dtype: backend.dtype

    def __instancecheck__(cls, obj: object) -> bool:
        return (
            isinstance(obj, Tensor)
            and obj.dtype == cls.dtype
            and getattr(obj.device, "type", "cpu") == "cpu"
        )

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:  # type: ignore[override]
        if not args:
            return _zeros(0, dtype=cls.dtype, device=device)
        if len(args) == 1 and isinstance(args[0], Tensor):
            t = args[0]
            if t.dtype != cls.dtype:
                raise TypeError(
                    f"{cls.__name__}(tensor) needs a tensor of dtype {cls.dtype}, got {t.dtype}: "
                    f"convert it with tensor.to({cls.dtype})"
                )
            return t
        if len(args) == 1 and isinstance(args[0], Size):
            return _zeros(*args[0], dtype=cls.dtype, device=device)
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return _zeros(*args, dtype=cls.dtype, device=device)
        if len(args) != 1:
            raise TypeError(
                f"{cls.__name__}() takes sizes (ints) or one sequence/array of data, got "
                f"{', '.join(type(a).__name__ for a in args)}"
            )
        data = args[0]
        if isinstance(data, (int, float, bool, complex)):
            raise TypeError(
                f"{cls.__name__}({data!r}): a Python number is not data here; pass a list "
                f"({cls.__name__}([{data!r}])) or sizes as ints"
            )
        return _tensor(data, dtype=cls.dtype, device=device)

    def __repr__(cls) -> str:
        return f"<class 'nablagrad.{cls.__name__}'>"


def _make(name: str) -> type:
    return _LegacyTensorType(
        name, (), {"dtype": backend.from_np_dtype(backend.to_np_dtype(TYPES[name]))}
    )


FloatTensor = _make("FloatTensor")
DoubleTensor = _make("DoubleTensor")
HalfTensor = _make("HalfTensor")
LongTensor = _make("LongTensor")
IntTensor = _make("IntTensor")
ShortTensor = _make("ShortTensor")
CharTensor = _make("CharTensor")
ByteTensor = _make("ByteTensor")
BoolTensor = _make("BoolTensor")
