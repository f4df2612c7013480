"""torch's top-level forms of Tensor methods and views: predicates (``torch.is_signed(x)``),
in-place functions (``torch.exp_(x)`` is ``x.exp_()``), the ``*_copy`` variants of the views
(``torch.transpose_copy(x, 0, 1)`` is ``x.transpose(0, 1)`` as a new tensor), the ``unsafe_``
splits, ``fill``, the norms torch keeps for JIT compatibility, and the functions torch 2
removed but still defines to raise (``torch.solve`` ...).

Everything here is composed of existing primitives, so gradients are theirs: a ``*_copy`` is
the view followed by ``clone``, whose gradients pass through unchanged.

Example:
    >>> import nablagrad as torch
    >>> x = torch.tensor([[1.0, -2.0], [3.0, 4.0]])
    >>> torch.transpose_copy(x, 0, 1)
    tensor([[ 1.,  3.],
            [-2.,  4.]])
    >>> torch.abs_(x)
    tensor([[1., 2.],
            [3., 4.]])
    >>> x
    tensor([[1., 2.],
            [3., 4.]])
    >>> torch.is_signed(x), torch.is_nonzero(torch.tensor([0.5]))
    (True, True)
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import _validate
from ..autograd.function import torch_node
from ..backend import get_array_module
from ..tensor import Tensor
from . import elementwise as ew
from . import layout as lay
from . import shape as sh
from .legacy import as_strided
from .linalg_fns import matrix_norm, vector_norm
from .sorting import nonzero

# -- predicates ---------------------------------------------------------------------------------


def _tensor_arg(fn: str, x: Any, name: str = "input") -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def is_nonzero(input: Tensor) -> bool:  # noqa: A002
    """Whether the single element of a one-element tensor is nonzero (``bool(input)``);
    raises RuntimeError for none or several elements.

    Example:
        >>> import nablagrad as torch
        >>> torch.is_nonzero(torch.tensor([0.0])), torch.is_nonzero(torch.tensor(3))
        (False, True)
    """
    return _tensor_arg("is_nonzero", input).is_nonzero()


def is_same_size(input: Tensor, other: Tensor) -> bool:  # noqa: A002
    """Whether ``input`` and ``other`` have the same shape.

    Example:
        >>> import nablagrad as torch
        >>> torch.is_same_size(torch.zeros(2, 3), torch.ones(2, 3))
        True
    """
    return _tensor_arg("is_same_size", input).is_same_size(
        _tensor_arg("is_same_size", other, "other")
    )


def is_signed(input: Tensor) -> bool:  # noqa: A002
    """Whether ``input``'s dtype is signed (floats and signed integers; not bool or uint8).

    Example:
        >>> import nablagrad as torch
        >>> torch.is_signed(torch.tensor([1])), torch.is_signed(torch.tensor([True]))
        (True, False)
    """
    return _tensor_arg("is_signed", input).is_signed()


def is_complex(input: Tensor) -> bool:  # noqa: A002
    """Whether ``input``'s dtype is complex (never for nablagrad's real dtypes).

    Example:
        >>> import nablagrad as torch
        >>> torch.is_complex(torch.ones(2))
        False
    """
    return _tensor_arg("is_complex", input).is_complex()


def is_inference(input: Tensor) -> bool:  # noqa: A002
    """Whether ``input`` is an inference tensor (made under ``inference_mode``).

    Example:
        >>> import nablagrad as torch
        >>> torch.is_inference(torch.ones(2))
        False
    """
    return _tensor_arg("is_inference", input).is_inference()


def is_conj(input: Tensor) -> bool:  # noqa: A002
    """Whether ``input``'s conjugate bit is set: False, as for every real tensor in torch.

    Example:
        >>> import nablagrad as torch
        >>> torch.is_conj(torch.ones(2))
        False
    """
    return _tensor_arg("is_conj", input).is_conj()


def is_neg(input: Tensor) -> bool:  # noqa: A002
    """Whether ``input``'s negative bit is set: False, as for every real tensor in torch.

    Example:
        >>> import nablagrad as torch
        >>> torch.is_neg(torch.ones(2))
        False
    """
    return _tensor_arg("is_neg", input).is_neg()


def conj(input: Tensor) -> Tensor:  # noqa: A002
    """The complex conjugate of ``input``: the tensor itself for nablagrad's real dtypes, as
    torch returns a real tensor unchanged (same object, same graph).

    Example:
        >>> import nablagrad as torch
        >>> x = torch.tensor([1.0, -2.0])
        >>> torch.conj(x) is x
        True
    """
    return _tensor_arg("conj", input).conj()


def conj_physical(input: Tensor, *, out: Tensor | None = None) -> Tensor:  # noqa: A002
    """The conjugate, materialised: for a real tensor ``input`` itself (``out=`` receives a
    copy), as torch.

    Example:
        >>> import nablagrad as torch
        >>> torch.conj_physical(torch.tensor([1.0, -2.0]))
        tensor([ 1., -2.])
    """
    x = _tensor_arg("conj_physical", input).conj_physical()
    if out is not None:
        return out.copy_(x)
    return x


def conj_physical_(input: Tensor) -> Tensor:  # noqa: A002
    """In-place conjugate: a real tensor is left as it is and returned.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.ones(2)
        >>> torch.conj_physical_(x) is x
        True
    """
    return _tensor_arg("conj_physical_", input)


def resolve_conj(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` with its conjugate bit applied: the tensor itself for a real tensor.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.ones(2)
        >>> torch.resolve_conj(x) is x
        True
    """
    return _tensor_arg("resolve_conj", input).resolve_conj()


def resolve_neg(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` with its negative bit applied: the tensor itself for a real tensor.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.ones(2)
        >>> torch.resolve_neg(x) is x
        True
    """
    return _tensor_arg("resolve_neg", input).resolve_neg()


# -- fill, zero_, detach --------------------------------------------------------------------------


def fill(input: Tensor, value: Any) -> Tensor:  # noqa: A002
    """A new tensor of ``input``'s shape and dtype filled with ``value`` (a number or a 0-d
    tensor).  The gradient of ``input`` is zero; a tensor ``value`` gets the sum of the output
    gradient.

    Example:
        >>> import nablagrad as torch
        >>> torch.fill(torch.tensor([1, 2, 3]), 2.7)
        tensor([2, 2, 2])
    """
    x = _tensor_arg("fill", input)
    xp = get_array_module(x._data)
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(
                "fill only supports 0-dimension value tensor but got tensor with "
                f"{value.dim()} dimensions."
            )
        v = value if value.dtype == x.dtype else value.to(x.dtype)
    else:
        v = Tensor._wrap(xp.asarray(value).astype(x._data.dtype))
    everywhere = Tensor._wrap(xp.ones(x._data.shape, dtype=bool))
    return ew.where(everywhere, v, x)  # input's gradient: zero everywhere


def zero_(input: Tensor) -> Tensor:  # noqa: A002
    """``input.zero_()``: fills ``input`` with zeros in place and returns it.

    Example:
        >>> import nablagrad as torch
        >>> torch.zero_(torch.ones(2))
        tensor([0., 0.])
    """
    return _tensor_arg("zero_", input).zero_()


def detach(input: Tensor) -> Tensor:  # noqa: A002
    """``input.detach()``: the same values, sharing memory, cut from the graph.

    Example:
        >>> import nablagrad as torch
        >>> torch.detach(torch.ones(2, requires_grad=True)).requires_grad
        False
    """
    return _tensor_arg("detach", input).detach()


def detach_(input: Tensor) -> Tensor:  # noqa: A002
    """``input.detach_()``: cuts ``input`` itself from the graph (it becomes a leaf).

    Example:
        >>> import nablagrad as torch
        >>> y = torch.ones(2, requires_grad=True) * 2
        >>> torch.detach_(y).is_leaf
        True
    """
    return _tensor_arg("detach_", input).detach_()


# -- in-place functions: torch.<name>_(input, ...) is input.<name>_(...) ---------------------------

INPLACE_METHODS = """
abs_ acos_ acosh_ addmv_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ asin_ asinh_ atan_
atanh_ ceil_ clamp_ clamp_max_ clamp_min_ clip_ cos_ cosh_ deg2rad_ erf_ erfc_ exp2_ exp_
expm1_ fill_ fix_ floor_ frac_ gcd_ index_put_ lcm_ ldexp_ log10_ log1p_ log2_ log_ logit_
nan_to_num_ neg_ negative_ rad2deg_ reciprocal_ resize_as_ round_ rsqrt_ sigmoid_ sin_ sinc_
sinh_ sqrt_ square_ tan_ tanh_ trunc_ xlogy_
""".split()


# the arguments after ``input`` in each function's docstring example (none where absent)
_EXAMPLE_ARGS = {
    "addmv_": "torch.ones(1, 1), torch.ones(1)",
    "clamp_": "0.0, 1.0",
    "clip_": "0.0, 1.0",
    "clamp_max_": "0.25",
    "clamp_min_": "0.75",
    "fill_": "2.0",
    "gcd_": "torch.tensor([6])",
    "lcm_": "torch.tensor([6])",
    "index_put_": "(torch.tensor([0]),), torch.tensor([1.0])",
    "ldexp_": "torch.tensor([1])",
    "resize_as_": "torch.ones(1)",
    "xlogy_": "2.0",
}
_INT_EXAMPLES = {"gcd_", "lcm_"}


def _inplace_function(name: str) -> Any:
    def fn(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:  # noqa: A002
        return getattr(_tensor_arg(name, input), name)(*args, **kwargs)

    value = "torch.tensor([4])" if name in _INT_EXAMPLES else "torch.tensor([0.5])"
    args = _EXAMPLE_ARGS.get(name)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (
        f"torch.{name}(input, ...): ``input.{name}(...)``, ``{name[:-1]}`` written into "
        "``input``, which is returned (recorded for autograd as the method is).\n\n"
        "    Example:\n"
        "        >>> import nablagrad as torch\n"
        f"        >>> x = {value}\n"
        f"        >>> torch.{name}(x{', ' + args if args else ''}) is x\n"
        "        True\n"
    )
    return fn


for _name in INPLACE_METHODS:
    globals()[_name] = _inplace_function(_name)
del _name


def get_device(input: Tensor) -> int:  # noqa: A002
    """``input.get_device()``: the CUDA device index, -1 on the CPU.

    Example:
        >>> import nablagrad as torch
        >>> torch.get_device(torch.ones(2))
        -1
    """
    return _tensor_arg("get_device", input).get_device()


def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:  # noqa: A002
    """``torch.nonzero(input)`` with exactly ``size`` rows: cut to the first ``size``
    nonzero positions, or padded with rows of ``fill_value``; int64, (size, input.dim()).

    Example:
        >>> import nablagrad as torch
        >>> torch.nonzero_static(torch.tensor([0, 3, 0, 5]), size=3)
        tensor([[ 1],
                [ 3],
                [-1]])
    """
    x = _tensor_arg("nonzero_static", input)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be a non-negative int, got {size!r}")
    found = nonzero(x)._data[:size]
    xp = get_array_module(found)
    out = xp.full((size, x.dim()), fill_value, dtype=found.dtype)
    out[: found.shape[0]] = found
    return Tensor._wrap(out)


# -- *_copy: the view, as a new tensor ---------------------------------------------------------


def _copy(view: Tensor) -> Tensor:
    return view.clone()


def _copies(views: Any) -> tuple:
    return tuple(v.clone() for v in views)


def view_copy(input: Tensor, size: Any = None, *, dtype: Any = None) -> Tensor:  # noqa: A002
    """``input.view(size)`` or ``input.view(dtype)`` (the bits reinterpreted) as a new tensor;
    torch's overloads take either.

    Example:
        >>> import nablagrad as torch
        >>> torch.view_copy(torch.arange(6), (2, 3))
        tensor([[0, 1, 2],
                [3, 4, 5]])
    """
    x = _tensor_arg("view_copy", input)
    if (size is None) == (dtype is None):
        raise TypeError("view_copy(): pass a size or a dtype (one of them)")
    return _copy(x.view(size if dtype is None else dtype))


def permute_copy(input: Tensor, dims: Any) -> Tensor:  # noqa: A002
    """``input.permute(dims)`` as a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.permute_copy(torch.zeros(2, 3, 4), (2, 0, 1)).shape
        nablagrad.Size([4, 2, 3])
    """
    return _copy(sh.permute(_tensor_arg("permute_copy", input), dims=tuple(dims)))


@_validate.numpy_names
def transpose_copy(input: Tensor, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """``input.transpose(dim0, dim1)`` as a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.transpose_copy(torch.zeros(2, 3), 0, 1).shape
        nablagrad.Size([3, 2])
    """
    return _copy(sh.transpose(_tensor_arg("transpose_copy", input), dim0, dim1))


def t_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``input.t()`` (at most 2-D) as a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.t_copy(torch.tensor([[1, 2]]))
        tensor([[1],
                [2]])
    """
    return _copy(sh.t(_tensor_arg("t_copy", input)))


def expand_copy(input: Tensor, size: Any, *, implicit: bool = False) -> Tensor:  # noqa: A002
    """``input.expand(size)`` as a new tensor (-1 keeps a dimension); ``implicit`` is
    accepted as torch does and has no effect.

    Example:
        >>> import nablagrad as torch
        >>> torch.expand_copy(torch.tensor([[1], [2]]), (2, 3))
        tensor([[1, 1, 1],
                [2, 2, 2]])
    """
    return _copy(_tensor_arg("expand_copy", input).expand(tuple(size)))


@_validate.numpy_names
def squeeze_copy(input: Tensor, dim: Any = None) -> Tensor:  # noqa: A002
    """``input.squeeze(dim)`` (all size-1 dimensions without ``dim``) as a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.squeeze_copy(torch.zeros(1, 2, 1)).shape
        nablagrad.Size([2])
    """
    return _copy(sh.squeeze(_tensor_arg("squeeze_copy", input), dim))


@_validate.numpy_names
def unsqueeze_copy(input: Tensor, dim: int) -> Tensor:  # noqa: A002
    """``input.unsqueeze(dim)`` as a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.unsqueeze_copy(torch.zeros(2), 0).shape
        nablagrad.Size([1, 2])
    """
    return _copy(sh.unsqueeze(_tensor_arg("unsqueeze_copy", input), dim))


@_validate.numpy_names
def select_copy(input: Tensor, dim: int, index: int) -> Tensor:  # noqa: A002
    """``input.select(dim, index)`` as a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.select_copy(torch.arange(6).reshape(2, 3), 1, -1)
        tensor([2, 5])
    """
    return _copy(_tensor_arg("select_copy", input).select(dim, index))


@_validate.numpy_names
def slice_copy(
    input: Tensor,  # noqa: A002
    dim: int = 0,
    start: int | None = None,
    end: int | None = None,
    step: int = 1,
) -> Tensor:
    """``input[..., start:end:step, ...]`` along ``dim`` as a new tensor (``step`` > 0).

    Example:
        >>> import nablagrad as torch
        >>> torch.slice_copy(torch.arange(6).reshape(2, 3), 1, 1, None, 1)
        tensor([[1, 2],
                [4, 5]])
    """
    x = _tensor_arg("slice_copy", input)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    d = sh._axis(dim, x.dim()) if x.dim() else 0
    index = (slice(None),) * d + (slice(start, end, step),)
    return _copy(x[index])


@_validate.numpy_names
def diagonal_copy(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:  # noqa: A002
    """``input.diagonal(offset, dim1, dim2)`` as a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.diagonal_copy(torch.arange(9).reshape(3, 3), 1)
        tensor([1, 5])
    """
    return _copy(_tensor_arg("diagonal_copy", input).diagonal(offset, dim1, dim2))


@_validate.numpy_names
def unfold_copy(input: Tensor, dimension: int, size: int, step: int) -> Tensor:  # noqa: A002
    """``input.unfold(dimension, size, step)`` (sliding windows) as a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.unfold_copy(torch.arange(5), 0, 2, 2)
        tensor([[0, 1],
                [2, 3]])
    """
    return _copy(_tensor_arg("unfold_copy", input).unfold(dimension, size, step))


@_validate.numpy_names
@torch_node("NarrowCopyBackward0")
def narrow_copy(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """``input.narrow(dim, start, length)`` as a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.narrow_copy(torch.arange(5), 0, 1, 3)
        tensor([1, 2, 3])
    """
    return _copy(sh.narrow(_tensor_arg("narrow_copy", input), dim, start, length))


def detach_copy(input: Tensor) -> Tensor:  # noqa: A002
    """``input.detach()`` as a new tensor (not sharing memory).

    Example:
        >>> import nablagrad as torch
        >>> torch.detach_copy(torch.ones(2, requires_grad=True))
        tensor([1., 1.])
    """
    return _copy(_tensor_arg("detach_copy", input).detach())


def alias_copy(input: Tensor) -> Tensor:  # noqa: A002
    """A new tensor with ``input``'s values (the copy of torch's ``alias`` view), differentiable.

    Example:
        >>> import nablagrad as torch
        >>> torch.alias_copy(torch.tensor([1, 2]))
        tensor([1, 2])
    """
    return _copy(_tensor_arg("alias_copy", input))


def as_strided_copy(
    input: Tensor,  # noqa: A002
    size: Any,
    stride: Any,
    storage_offset: int | None = None,
) -> Tensor:
    """``input.as_strided(size, stride, storage_offset)`` as a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.as_strided_copy(torch.arange(6), (2, 2), (1, 2))
        tensor([[0, 2],
                [1, 3]])
    """
    return _copy(as_strided(_tensor_arg("as_strided_copy", input), size, stride, storage_offset))


def as_strided_(
    input: Tensor,  # noqa: A002
    size: Any,
    stride: Any,
    storage_offset: int | None = None,
) -> Tensor:
    """``input.as_strided_(size, stride, storage_offset)``: ``input`` becomes the view of its
    storage with shape ``size`` and element strides ``stride``; returns ``input``.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.arange(6.0)
        >>> torch.as_strided_(x, (2, 2), (1, 2), 1) is x, x.shape
        (True, nablagrad.Size([2, 2]))
    """
    return _tensor_arg("as_strided_", input).as_strided_(size, stride, storage_offset)


@_validate.numpy_names
def unbind_copy(input: Tensor, dim: int = 0) -> tuple:  # noqa: A002
    """``input.unbind(dim)``, each slice a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.unbind_copy(torch.tensor([[1, 2], [3, 4]]), 1)
        (tensor([1, 3]), tensor([2, 4]))
    """
    return _copies(sh.unbind(_tensor_arg("unbind_copy", input), dim))


@_validate.numpy_names
def split_copy(input: Tensor, split_size: int, dim: int = 0) -> tuple:  # noqa: A002
    """``input.split(split_size, dim)``, each piece a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.split_copy(torch.arange(5), 2)
        (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    return _copies(sh.split(_tensor_arg("split_copy", input), split_size, dim))


@_validate.numpy_names
def split_with_sizes_copy(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple:  # noqa: A002
    """``input.split_with_sizes(split_sizes, dim)``, each piece a new tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.split_with_sizes_copy(torch.arange(5), [1, 4])
        (tensor([0]), tensor([1, 2, 3, 4]))
    """
    return _copies(
        lay.split_with_sizes(_tensor_arg("split_with_sizes_copy", input), split_sizes, dim)
    )


# -- unsafe_ splits (torch's forms without view tracking: here the plain splits) --------------


@_validate.numpy_names
def unsafe_chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:  # noqa: A002
    """``torch.chunk`` (torch's form whose pieces are not tracked as views).

    Example:
        >>> import nablagrad as torch
        >>> torch.unsafe_chunk(torch.arange(4), 2)
        (tensor([0, 1]), tensor([2, 3]))
    """
    return sh.chunk(_tensor_arg("unsafe_chunk", input), chunks, dim)


@_validate.numpy_names
def unsafe_split(input: Tensor, split_size: int, dim: int = 0) -> tuple:  # noqa: A002
    """``torch.split`` with an int size (torch's form whose pieces are not tracked as views).

    Example:
        >>> import nablagrad as torch
        >>> torch.unsafe_split(torch.arange(3), 2)
        (tensor([0, 1]), tensor([2]))
    """
    if isinstance(split_size, (list, tuple)):
        raise TypeError(
            f"unsafe_split(): argument 'split_size' (position 1) must be int, not "
            f"{type(split_size).__name__}: for a list of sizes use unsafe_split_with_sizes"
        )
    return sh.split(_tensor_arg("unsafe_split", input), split_size, dim)


@_validate.numpy_names
def unsafe_split_with_sizes(input: Tensor, split_sizes: Any, dim: int = 0) -> tuple:  # noqa: A002
    """``torch.split_with_sizes`` (torch's form whose pieces are not tracked as views).

    Example:
        >>> import nablagrad as torch
        >>> torch.unsafe_split_with_sizes(torch.arange(3), [2, 1])
        (tensor([0, 1]), tensor([2]))
    """
    return lay.split_with_sizes(_tensor_arg("unsafe_split_with_sizes", input), split_sizes, dim)


# -- norms torch keeps for JIT compatibility ---------------------------------------------------


@_validate.numpy_names
def frobenius_norm(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:  # noqa: A002
    """sqrt(sum x^2) over ``dim`` (one or two dims); deprecated in torch, which warns and
    points to ``linalg.vector_norm(A, 2, dim, keepdim)`` -- so does this.

    Example:
        >>> import warnings
        >>> import nablagrad as torch
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     torch.frobenius_norm(torch.tensor([[3.0, 4.0]]), (0, 1))
        tensor(5.)
    """
    warnings.warn(
        "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be "
        "removed in a future PyTorch release. Please use `linalg.vector_norm(A, 2., dim, "
        "keepdim)` instead",
        UserWarning,
        stacklevel=2,
    )
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(
            f"Expected at most 2 dimensions, but got {len(dims)} dimensions instead."
        )
    return vector_norm(_tensor_arg("frobenius_norm", input), 2, dims, keepdim)


@_validate.numpy_names
def nuclear_norm(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The sum of the singular values of the matrices over ``dim`` (two dims; the last two
    of a 2-D ``input`` by default): ``torch.linalg.matrix_norm(input, "nuc", dim, keepdim)``.
    ``nuclear_norm(input, keepdim)`` (a bool second argument) is torch's other overload.

    Example:
        >>> import nablagrad as torch
        >>> torch.nuclear_norm(torch.diag(torch.tensor([3.0, -4.0])))
        tensor(7.)
    """
    x = _tensor_arg("nuclear_norm", input)
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    if dim is None:
        if x.dim() != 2:
            raise RuntimeError(
                f"nuclear_norm: expected a 2-D tensor, but got a {x.dim()}-D one: pass dim="
                "(the two matrix dims)"
            )
        dim = (0, 1)
    dims = tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(f"nuclear_norm: dim must be two dimensions, got {list(dims)}")
    return matrix_norm(x, "nuc", dims, keepdim)


@_validate.numpy_names
def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:  # noqa: A002
    """The ``pow``-norm of ``v`` over every dimension but ``dim``, kept as size-1 dimensions
    (the norm weight normalisation divides by); ``dim=-1`` is the norm of the whole tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.norm_except_dim(torch.tensor([[3.0, 0.0], [4.0, 1.0]]), 2, 1)
        tensor([[5., 1.]])
    """
    x = _tensor_arg("norm_except_dim", v)
    if dim == -1:
        return vector_norm(x, pow)
    d = sh._axis(dim, x.dim())
    others = tuple(i for i in range(x.dim()) if i != d)
    return vector_norm(x, pow, others, keepdim=True)


# -- functions torch 2 removed but still defines to raise -------------------------------------

_REMOVED = "This function was deprecated since version 1.9 and is now removed."


def solve(input: Tensor, A: Tensor, *, out: Any = None) -> Any:  # noqa: A002
    """Removed in torch (raises RuntimeError, as torch does): use ``torch.linalg.solve(A, B)``.

    Example:
        >>> import nablagrad as torch
        >>> torch.solve(torch.eye(2), torch.eye(2))
        Traceback (most recent call last):
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED} `torch.solve` is deprecated in favor of `torch.linalg.solve`. "
        "`torch.linalg.solve` has its arguments reversed and does not return the LU "
        "factorization.\n\nTo get the LU factorization see `torch.lu`, which can be used with "
        "`torch.lu_solve` or `torch.lu_unpack`.\nX = torch.solve(B, A).solution should be "
        "replaced with:\nX = torch.linalg.solve(A, B)"
    )


def lstsq(input: Tensor, A: Tensor, *, out: Any = None) -> Any:  # noqa: A002
    """Removed in torch (raises RuntimeError, as torch does): use ``torch.linalg.lstsq(A, B)``.

    Example:
        >>> import nablagrad as torch
        >>> torch.lstsq(torch.eye(2), torch.eye(2))
        Traceback (most recent call last):
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED} `torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n"
        "`torch.linalg.lstsq` has reversed arguments and does not return the QR decomposition "
        "in the returned tuple (although it returns other information about the problem).\n\n"
        "To get the QR decomposition consider using `torch.linalg.qr`.\n\nThe returned solution "
        "in `torch.lstsq` stored the residuals of the solution in the last m - n columns of the "
        "returned value whenever m > n. In torch.linalg.lstsq, the residuals are in the field "
        "'residuals' of the returned named tuple.\n\nThe unpacking of the solution, as in\n"
        "X, _ = torch.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\n"
        "X = torch.linalg.lstsq(A, B).solution"
    )


def symeig(
    input: Tensor, eigenvectors: bool = False, upper: bool = True, *, out: Any = None
) -> Any:  # noqa: A002
    """Removed in torch (raises RuntimeError, as torch does): use ``torch.linalg.eigh`` or
    ``torch.linalg.eigvalsh``.

    Example:
        >>> import nablagrad as torch
        >>> torch.symeig(torch.eye(2))
        Traceback (most recent call last):
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED} The default behavior has changed from using the upper triangular portion "
        "of the matrix by default to using the lower triangular portion.\n\nL, _ = "
        "torch.symeig(A, upper=upper) should be replaced with:\nL = torch.linalg.eigvalsh(A, "
        "UPLO='U' if upper else 'L')\n\nand\n\nL, V = torch.symeig(A, eigenvectors=True) should "
        "be replaced with:\nL, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L')"
    )


def eig(input: Tensor, eigenvectors: bool = False, *, e: Any = None, v: Any = None) -> Any:  # noqa: A002
    """Removed in torch (raises RuntimeError, as torch does): use ``torch.linalg.eig`` or
    ``torch.linalg.eigvals`` (complex results; nablagrad has ``torch.linalg.eigh`` for
    symmetric matrices).

    Example:
        >>> import nablagrad as torch
        >>> torch.eig(torch.eye(2))
        Traceback (most recent call last):
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED} `torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` "
        "rather than real tensors mimicking complex tensors.\n\nL, _ = torch.eig(A) should be "
        "replaced with:\nL_complex = torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, "
        "eigenvectors=True) should be replaced with:\nL_complex, V_complex = torch.linalg.eig(A)"
    )


def matrix_rank(
    input: Tensor, tol: float | None = None, symmetric: bool = False, *, out: Any = None
) -> Any:  # noqa: A002
    """Removed in torch (raises RuntimeError, as torch does): use
    ``torch.linalg.matrix_rank``.

    Example:
        >>> import nablagrad as torch
        >>> torch.matrix_rank(torch.eye(2))
        Traceback (most recent call last):
        RuntimeError: This function was deprecated since version 1.9 and is now removed. ...
    """
    raise RuntimeError(
        f"{_REMOVED}\nPlease use the `torch.linalg.matrix_rank` function instead. The parameter "
        "'symmetric' was renamed in `torch.linalg.matrix_rank()` to 'hermitian'."
    )


def is_distributed(input: Tensor) -> bool:  # noqa: A002
    """False: a nablagrad tensor is never a distributed (sharded) one, as torch's for every
    ordinary tensor.

    Example:
        >>> import nablagrad as torch
        >>> torch.is_distributed(torch.ones(2))
        False
    """
    _tensor_arg("is_distributed", input)
    return False


# -- segment_reduce -----------------------------------------------------------------------------

_SEGMENT_REDUCE = {"sum": "sum", "prod": "prod", "mean": "mean", "max": "amax", "amax": "amax"}
_SEGMENT_REDUCE.update(min="amin", amin="amin")


def _segment_offsets(fn: str, data: Tensor, t: Tensor, what: str, ax: int, unsafe: bool) -> Any:
    """(rows over data's leading dims, S + 1) segment boundaries from ``lengths``/``offsets``."""
    xp = get_array_module(data._data)
    if not isinstance(t, Tensor) or t._data.dtype.kind not in "iu":
        raise RuntimeError(f"{fn}(): {what} must be an integer tensor (int64 or int32)")
    if t.ndim - 1 != ax:
        raise RuntimeError(
            f"{fn}(): Expected axis to be the last dimension of {what} but got {ax}: {what} "
            f"has {t.ndim} dims, so axis must be {t.ndim - 1}"
        )
    if tuple(t.shape[:-1]) != tuple(data.shape[:ax]):
        raise RuntimeError(
            f"{fn}(): {what} of shape {tuple(t.shape)} must match data's leading dims "
            f"{tuple(data.shape[:ax])}"
        )
    size = data.shape[ax]
    a = xp.asarray(t._data, dtype=xp.int64).reshape(-1, t.shape[-1])
    if what == "lengths":
        if (a < 0).any():
            raise RuntimeError(f"{fn}(): lengths contains negative value!")
        total = a.sum(axis=1)
        if (total > size).any() or (not unsafe and (total != size).any()):
            raise RuntimeError(
                f"{fn}(): Expected all rows of lengths along axis to sum to data.size(axis) = "
                f"{size} when !unsafe, got {total.tolist()}"
            )
        return xp.concatenate([xp.zeros((a.shape[0], 1), dtype=xp.int64), a.cumsum(1)], 1)
    if a.shape[1] < 1 or (xp.diff(a, axis=1) < 0).any() or (a < 0).any() or (a > size).any():
        raise RuntimeError(
            f"{fn}(): offsets must be non-decreasing and within [0, {size}] (data.size(axis)), "
            f"got {a.tolist()}"
        )
    return a


def segment_reduce(
    data: Tensor,
    reduce: str,
    *,
    lengths: Tensor | None = None,
    indices: Tensor | None = None,
    offsets: Tensor | None = None,
    axis: int = 0,
    unsafe: bool = False,
    initial: float | None = None,
) -> Tensor:
    """Reduce ``data`` over consecutive segments along ``axis``: segment j is positions
    ``offsets[j] <= p < offsets[j + 1]`` (or the j-th run of ``lengths``).

    out[j] = reduce(data[segment j]) with reduce in sum, mean, prod, max/amax, min/amin; an
    empty segment gives ``initial`` or 0, nan, 1, -inf, +inf.  With ``initial`` a sum adds it,
    a prod multiplies by it, max/min compare with it and mean is (sum + initial) / count, as
    torch's.  ``lengths``/``offsets`` have ``axis + 1`` dims, the leading ones matching
    ``data``'s; ``unsafe`` skips the check that ``lengths`` covers the whole axis.  Gradients:
    sum 1, mean 1/count, prod the product of the others, max/min shared by the tied maxima.

    Example:
        >>> import nablagrad as torch
        >>> x = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
        >>> torch.segment_reduce(x, "sum", lengths=torch.tensor([2, 0, 3]))
        tensor([ 3.,  0., 12.])
        >>> torch.segment_reduce(x, "max", offsets=torch.tensor([0, 1, 5]), initial=3.0)
        tensor([3., 5.])
    """
    fn = "segment_reduce"
    _tensor_arg(fn, data, "data")
    if reduce not in _SEGMENT_REDUCE:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}"
        )
    if indices is not None:
        raise RuntimeError(f"{fn}(): indices based reduction is not supported yet (as torch's)")
    if (lengths is None) == (offsets is None):
        raise RuntimeError(
            f"{fn}(): Either lengths or offsets must be defined"
            + (" (not both)." if lengths is not None else ".")
        )
    if not data.is_floating_point():
        raise NotImplementedError(
            f"{fn}(): data must be floating point, got {data.dtype}: call .float() or .double()"
        )
    nd = max(data.ndim, 1)
    if not -nd <= axis < nd:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {axis})"
        )
    ax = axis % nd
    xp = get_array_module(data._data)
    what, t = ("lengths", lengths) if lengths is not None else ("offsets", offsets)
    off = _segment_offsets(fn, data, t, what, ax, unsafe)  # type: ignore[arg-type]
    n_seg = off.shape[1] - 1
    size = data.shape[ax]
    pos = xp.arange(size)
    seg = xp.stack([xp.searchsorted(o, pos, side="right") - 1 for o in off])  # (rows, size)
    outside = (pos[None, :] < off[:, :1]) | (pos[None, :] >= off[:, -1:])
    seg = xp.where(outside, n_seg, seg)  # positions outside every segment go to a dropped one
    lead, trail = tuple(data.shape[:ax]), tuple(data.shape[ax + 1 :])
    seg = seg.reshape(lead + (size,) + (1,) * len(trail))
    index = Tensor._wrap(xp.ascontiguousarray(xp.broadcast_to(seg, tuple(data.shape))))
    count = xp.zeros(lead + (n_seg + 1,), dtype=xp.int64).reshape(-1, n_seg + 1)
    for r in range(count.shape[0]):
        count[r] = xp.bincount(seg.reshape(-1, size)[r], minlength=n_seg + 1)
    count = count[:, :n_seg].reshape(lead + (n_seg,) + (1,) * len(trail))
    out_shape = lead + (n_seg + 1,) + trail
    op = _SEGMENT_REDUCE[reduce]
    ident = {"sum": 0.0, "mean": 0.0, "prod": 1.0, "amax": -math.inf, "amin": math.inf}[op]
    base = data.new_full(out_shape, ident)
    red = base.scatter_reduce(ax, index, data, "sum" if op == "mean" else op, include_self=False)
    out = sh.narrow(red, ax, 0, n_seg)
    empty = Tensor._wrap(xp.broadcast_to(count == 0, tuple(out.shape)))
    if op == "mean":
        denom = Tensor._wrap(xp.maximum(count, 1).astype(data._data.dtype))
        top = out if initial is None else out + initial
        out = ew.where(empty, math.nan if initial is None else float(initial), top / denom)
    elif initial is not None:
        if op == "sum":
            out = out + initial
        elif op == "prod":
            out = out * initial
        else:  # ties with initial keep the data's gradient, as torch's
            keep = out >= initial if op == "amax" else out <= initial
            out = ew.where(keep, out, float(initial))
    return out


__all__ = [
    "is_distributed",
    "segment_reduce",
    "is_nonzero",
    "is_same_size",
    "is_signed",
    "is_complex",
    "is_inference",
    "is_conj",
    "is_neg",
    "conj",
    "conj_physical",
    "conj_physical_",
    "resolve_conj",
    "resolve_neg",
    "fill",
    "get_device",
    "nonzero_static",
    "zero_",
    "detach",
    "detach_",
    "view_copy",
    "permute_copy",
    "transpose_copy",
    "t_copy",
    "expand_copy",
    "squeeze_copy",
    "unsqueeze_copy",
    "select_copy",
    "slice_copy",
    "diagonal_copy",
    "unfold_copy",
    "narrow_copy",
    "detach_copy",
    "alias_copy",
    "as_strided_copy",
    "as_strided_",
    "unbind_copy",
    "split_copy",
    "split_with_sizes_copy",
    "unsafe_chunk",
    "unsafe_split",
    "unsafe_split_with_sizes",
    "frobenius_norm",
    "nuclear_norm",
    "norm_except_dim",
    "solve",
    "lstsq",
    "symeig",
    "eig",
    "matrix_rank",
    *INPLACE_METHODS,
]
