"""``vmap``: map a function over a dimension of its inputs, with torch's semantics.

nablagrad runs the function once per batch element and stacks the results: it loops over the
batch (the cost of ``vmap(f)(x)`` is that of ``B`` calls of ``f``, not of one batched call).
What torch's batching rules refuse is refused here too: while ``vmap`` runs, every value that
depends on a mapped input is marked batched (a listener on ``Function.apply`` passes the mark
from inputs to outputs), and ``.item()``, ``bool()`` and in-place writes of batched values into
unbatched tensors raise torch's errors; random draws follow ``randomness``.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

from ..autograd import function as _function
from ..ops import index as _index
from ..ops import inplace as _inplace
from ..ops.shape import stack
from ..tensor import Tensor
from . import _tree

# the modules (``nablagrad.tensor`` and ``nablagrad.random`` are also names of functions)
_random = importlib.import_module("nablagrad.random")
_tensor_mod = importlib.import_module("nablagrad.tensor")

_RANDOMNESS = ("error", "different", "same")

# id(tensor) -> (tensor, bitmask of the vmap levels at which it is batched).  The tensor is kept
# alive while it is listed, so its id cannot be reused by another object.
_marks: dict[int, tuple[Tensor, int]] = {}
_depth = 0  # number of vmaps running (level n has the bit 1 << n)
_modes: list[str] = []  # randomness of each running level, innermost last


def _mask(t: Any) -> int:
    entry = _marks.get(id(t))
    return entry[1] if entry is not None else 0


def _listen(fn: Any, tensors: tuple, kwargs: dict, out: Any) -> None:
    """Trace hook: an op's output is batched at every level one of its inputs is."""
    _pass_marks(tensors, out)


def _pass_marks(tensors: tuple, out: Any) -> None:
    """Mark ``out`` batched at every level one of ``tensors`` is (also the result hook of the
    non-differentiable ops that bypass ``Function.apply``: comparisons, any/all)."""
    mask = 0
    for t in tensors:
        entry = _marks.get(id(t))
        if entry is not None:
            mask |= entry[1]
    if mask:
        _marks[id(out)] = (out, mask | _mask(out))


def _scalar_guard(t: Tensor, what: str) -> None:
    if _mask(t):
        if what == "bool":
            raise RuntimeError(
                "vmap: It looks like you're attempting to use a Tensor in some data-dependent "
                "control flow. We don't support that yet: write the branch with tensor "
                "operations (e.g. torch.where) instead of Python if/while on a batched value."
            )
        raise RuntimeError(
            "vmap: It looks like you're calling .item() on a Tensor. We don't support vmap over "
            "calling .item() on a Tensor, please try to rewrite what you're doing with other "
            "operations."
        )


def _inplace_guard(self: Tensor, other: Any, args: tuple, kwargs: dict) -> None:
    mine = _mask(self)
    for o in (other, *args, *kwargs.values()):
        if isinstance(o, Tensor) and _mask(o) & ~mine:
            raise RuntimeError(
                "vmap: inplace arithmetic(self, *extra_args) is not possible because there "
                "exists a Tensor `other` in extra_args that is vmapped over while `self` is not "
                "(self would have to hold one value per batch element): use the out-of-place "
                "operator (y = y + x) instead of the in-place one (y.add_(x))."
            )


def _draw_guard() -> None:
    if _modes and _modes[-1] == "error":
        raise RuntimeError(
            "vmap: called random operation while in randomness error mode. Please either use "
            "the 'same' or 'different' randomness flags on vmap or perform the randomness "
            "operation out of vmap"
        )


def _enter(randomness: str) -> None:
    global _depth
    if _depth == 0:
        _function.add_trace_listener(_listen)
        _function._result_hook = _pass_marks
        _tensor_mod._vmap_guard = _scalar_guard
        _inplace._vmap_guard = _inplace_guard
        _index._vmap_guard = _inplace_guard
        _random._draw_guard = _draw_guard
    _depth += 1
    _modes.append(randomness)


def _exit() -> None:
    global _depth
    _depth -= 1
    _modes.pop()
    if _depth == 0:
        _function.remove_trace_listener(_listen)
        _function._result_hook = None
        _tensor_mod._vmap_guard = None
        _inplace._vmap_guard = None
        _index._vmap_guard = None
        _random._draw_guard = None
        _marks.clear()


def _fname(func: Any) -> str:
    return getattr(func, "__name__", type(func).__name__)


def _is_dim(d: Any) -> bool:
    return d is None or (isinstance(d, int) and not isinstance(d, bool))


def vmap(
    func: Callable,
    in_dims: Any = 0,
    out_dims: Any = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable:
    """Vectorising map, as ``torch.vmap``: ``vmap(f)(x)[i] == f(x[i])``.

    ``in_dims`` says which dimension of each positional argument is mapped (an int for all,
    ``None`` for an argument passed whole, or a (nested) tuple/dict matching the arguments);
    ``out_dims`` where the mapped dimension goes in each output.  Keyword arguments are passed
    whole.  ``randomness``: ``"error"`` refuses random draws inside ``f``, ``"different"``
    gives each element its own draws, ``"same"`` the same draws for every element (of the
    default generator).  ``chunk_size`` is checked as torch checks it; since nablagrad loops
    over the batch anyway it changes nothing else.

    Cost: nablagrad runs ``f`` once per batch element and stacks the results (it loops over
    the batch), so ``vmap`` gives torch's results and composability (``vmap(grad(f))`` for
    per-sample gradients, nested ``vmap``s) but not torch's speed-up.

    >>> import nablagrad as torch
    >>> x, y = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([10.0, 20.0])
    >>> torch.vmap(torch.dot, in_dims=(0, None))(x, y)
    tensor([ 50., 110.])
    """
    if randomness not in _RANDOMNESS:
        raise RuntimeError(
            "Only allowed values for randomness are 'error', 'different', or 'same'. "
            f"Got {randomness}"
        )
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")
    if not callable(func):
        raise TypeError(f"vmap: func must be callable, got {type(func).__name__}")

    @functools.wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return _run(func, in_dims, out_dims, randomness, args, kwargs)

    return wrapped


def _run(func: Any, in_dims: Any, out_dims: Any, randomness: str, args: tuple, kwargs: dict) -> Any:
    name = _fname(func)
    where = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
    if not args:
        raise ValueError(
            f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add inputs, or you are "
            "trying to vmap over a function with no inputs. The latter is unsupported."
        )
    if in_dims is None or not (_is_dim(in_dims) or isinstance(in_dims, tuple)):
        raise ValueError(
            f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching the "
            f"structure of inputs, got: {type(in_dims)}. (Use one int for every input, or a "
            "tuple with one entry per positional input: an int, or None for an input passed "
            "whole.)"
        )
    leaves, spec = _tree.flatten(args)
    dims = _tree.broadcast_prefix(in_dims, args, _is_dim)
    if dims is None:
        raise ValueError(
            f"{where}: in_dims is not compatible with the structure of `inputs`. in_dims has "
            f"structure {_tree.describe(_tree.flatten(in_dims)[1])} but inputs has structure "
            f"{_tree.describe(spec)}: give one entry (int or None) per input, nested like the "
            "inputs."
        )
    sizes = []
    norm: list = []
    for x, d in zip(leaves, dims):
        if d is None:
            norm.append(None)
            continue
        if not isinstance(x, Tensor):
            raise ValueError(
                f"{where}: Got in_dim={d} for an input but the input is of type {type(x)}. We "
                "cannot vmap over non-Tensor arguments, please use None as the respective in_dim"
            )
        n = x.dim()
        if not -n <= d < n or n == 0:
            raise ValueError(
                f"{where}: Got in_dim={d} for some input, but that input is a Tensor of "
                f"dimensionality {n} so expected in_dim to satisfy -{n} <= in_dim < {n}."
            )
        d = d % n
        norm.append(d)
        sizes.append(int(x.shape[d]))
    if not sizes:
        raise ValueError(
            "vmap: Expected at least one Tensor to vmap over: give a mapped dimension (an int "
            "in in_dims) for at least one tensor input"
        )
    if len(set(sizes)) > 1:
        raise ValueError(
            "vmap: Expected all tensors to have the same size in the mapped dimension, got "
            f"sizes {sizes} for the mapped dimension"
        )
    batch = sizes[0]
    _enter(randomness)
    level = 1 << _depth
    try:
        state = _random.default_generator.get_state() if randomness == "same" else None
        results = []
        masks = []
        for i in range(batch):
            if state is not None:
                _random.default_generator.set_state(state)
            snapshot = dict(_marks)
            try:
                sliced = []
                for x, d in zip(leaves, norm):
                    if d is None:
                        sliced.append(x)
                        continue
                    s = x.select(d, i)
                    _marks[id(s)] = (s, _mask(x) | level)
                    sliced.append(s)
                out = func(*_tree.unflatten(sliced, spec), **kwargs)
                out_leaves, out_spec = _tree.flatten(out)
                for o in out_leaves:
                    if not isinstance(o, Tensor):
                        raise ValueError(
                            f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                            f"{type(o)}. Did you mean to set out_dims= to None for output?"
                        )
                masks.append([_mask(o) for o in out_leaves])
                results.append((out_leaves, out_spec))
            finally:
                _marks.clear()
                _marks.update(snapshot)
        if batch == 0:
            raise ValueError(
                "vmap: the mapped dimension has size 0: nablagrad's vmap runs the function once "
                "per element and cannot infer the outputs of an empty batch"
            )
        return _stack_outputs(name, results, masks, out_dims, level)
    finally:
        _exit()


def _stack_outputs(name: str, results: list, masks: list, out_dims: Any, level: int) -> Any:
    first_leaves, spec = results[0]
    where = f"vmap({name}, ..., out_dims={out_dims})(<inputs>)"
    outs = _tree.unflatten(first_leaves, spec)
    if not (_is_dim(out_dims) or isinstance(out_dims, (tuple, list, dict))):
        raise ValueError(
            f"{where}: expected `out_dims` to be int or a (potentially nested) tuple matching "
            f"the structure of the outputs, got: {type(out_dims)}."
        )
    dims = _tree.broadcast_prefix(out_dims, outs, _is_dim)
    if dims is None:
        raise ValueError(
            f"{where}: out_dims is not compatible with the structure of `outputs`. out_dims has "
            f"structure {_tree.describe(_tree.flatten(out_dims)[1])} but outputs has structure "
            f"{_tree.describe(spec)}: give one entry (int or None) per output, nested like the "
            "outputs."
        )
    stacked = []
    for j, d in enumerate(dims):
        column = [r[0][j] for r in results]
        outer = 0
        for m in masks:
            outer |= m[j]
        if d is None:
            if outer & level:
                raise ValueError(
                    f"vmap({name}, ...): `{name}` can not return a BatchedTensor when out_dim is "
                    "None: give this output an int out_dim, or return a value that does not "
                    "depend on the mapped inputs"
                )
            stacked.append(column[0])
            continue
        n = column[0].dim() + 1
        if not -n <= d < n:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got "
                f"{d}): out_dims must index a dimension of the output with the mapped one added"
            )
        res = stack(column, dim=d % n)
        outer &= ~level
        if outer:
            _marks[id(res)] = (res, outer)
        stacked.append(res)
    return _tree.unflatten(stacked, spec)
