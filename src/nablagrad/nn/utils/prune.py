"""``nn.utils.prune``: torch's pruning of parameters through a mask (``torch.nn.utils.prune``).

Pruning ``module.<name>`` reparametrises it as torch does: the parameter moves to
``<name>_orig``, a buffer ``<name>_mask`` (0 = pruned, 1 = kept; the parameter's dtype) is
registered, and ``module.<name>`` becomes a plain attribute recomputed by a forward pre-hook
before every forward:

    weight = weight_mask * weight_orig        (gradients reach weight_orig masked)

Pruning the same parameter again combines the masks through a ``PruningContainer``: the new
method only sees the entries (unstructured) or channels (structured) that are still kept.
``remove`` makes the pruning permanent (``<name>`` is a parameter again, holding the pruned
values).  ``amount`` is an int (that many entries or channels) or a float in [0, 1] (that
fraction, ``round(amount * size)``: Python's rounding, halves to even).

Example:
    >>> import nablagrad as torch
    >>> import nablagrad.nn.utils.prune as prune
    >>> m = torch.nn.Linear(4, 3)
    >>> _ = prune.l1_unstructured(m, "weight", amount=0.5)
    >>> int((m.weight == 0).sum()), sorted(dict(m.named_buffers()))
    (6, ['weight_mask'])
    >>> _ = prune.remove(m, "weight")
    >>> sorted(dict(m.named_parameters()))
    ['bias', 'weight']
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any

from ... import creation
from ...backend import get_array_module, np
from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter


def _topk_select(values: Any, k: int, largest: bool) -> Any:
    """``ops._cpu_order.select`` (imported on first use: it registers compiled helpers)."""
    from ...ops._cpu_order import select

    return select(values, k, largest)


__all__ = [
    "BasePruningMethod",
    "PruningContainer",
    "Identity",
    "RandomUnstructured",
    "L1Unstructured",
    "RandomStructured",
    "LnStructured",
    "CustomFromMask",
    "identity",
    "random_unstructured",
    "l1_unstructured",
    "random_structured",
    "ln_structured",
    "global_unstructured",
    "custom_from_mask",
    "remove",
    "is_pruned",
]


# -- helpers on arrays -------------------------------------------------------------------------


def _copy_c(t: Tensor) -> Tensor:
    """A C-contiguous copy of ``t``'s values, outside autograd (torch's
    ``clone(memory_format=torch.contiguous_format)`` of a mask)."""
    xp = get_array_module(t._data)
    return Tensor._wrap(xp.array(t._data, copy=True, order="C"))


def _channel_index(ndim: int, dim: int, index: Any) -> tuple:
    slc: list[Any] = [slice(None)] * ndim
    slc[dim] = index
    return tuple(slc)


def _describe(module: Any) -> str:
    return type(module).__name__


def _unregister(module: Module, registry: str, name: str) -> Any:
    """Remove ``name`` from one of the module's registries and from its instance dict (where
    nablagrad keeps registered objects for fast lookup), as ``del module._parameters[name]``
    does in torch."""
    value = module.__dict__[registry].pop(name)
    module.__dict__.pop(name, None)
    if registry == "_buffers":
        module._non_persistent.discard(name)
    return value


# -- amount validation (torch's rules) ---------------------------------------------------------


def _validate_pruning_amount_init(amount: Any) -> None:
    """``amount`` must be an int >= 0 or a float in [0, 1]."""
    if not isinstance(amount, numbers.Real) or isinstance(amount, bool):
        raise TypeError(
            f"Invalid type for amount: {amount}. Must be int or float: an int is the number "
            "of entries (or channels) to prune, a float in [0, 1] the fraction"
        )
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
        not isinstance(amount, numbers.Integral) and not 0.0 <= float(amount) <= 1.0
    ):
        raise ValueError(
            f"amount={amount} should either be a float in the range [0, 1] or a non-negative "
            "integer"
        )


def _compute_nparams_toprune(amount: Any, tensor_size: int) -> int:
    """An int amount is a count; a float is a fraction, rounded as Python's ``round``."""
    if isinstance(amount, numbers.Integral):
        return int(amount)
    return int(round(amount * tensor_size))


def _validate_pruning_amount(amount: int, tensor_size: int) -> None:
    if amount > tensor_size:
        raise ValueError(
            f"amount={amount} should be smaller than the number of parameters to "
            f"prune={tensor_size}: pass at most {tensor_size}, or a float fraction in [0, 1]"
        )


def _validate_structured_pruning(t: Tensor) -> None:
    if t.ndim <= 1:
        raise ValueError(
            "Structured pruning can only be applied to multidimensional tensors. Found tensor "
            f"of shape {t.shape} with {t.ndim} dims: use an unstructured method for it"
        )


def _normalize_dim(t: Tensor, dim: int) -> int:
    if not isinstance(dim, numbers.Integral) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if not -t.ndim <= dim < t.ndim:
        raise IndexError(
            f"Invalid index {dim} for tensor of size {t.shape}: dim must be in "
            f"[{-t.ndim}, {t.ndim - 1}]"
        )
    return int(dim) % t.ndim


def _compute_norm(t: Tensor, n: Any, dim: int) -> Any:
    """The ``n``-norm of every slice ``t.select(dim, i)`` (an array of ``t.shape[dim]`` values),
    as ``torch.norm(t, p=n, dim=<all other dims>)``:

        p number: (sum |x|^p)^(1/p)  (negative p too: a zero entry gives 0),
        inf / -inf: max / min |x|,  0: the number of nonzeros,  'fro': p = 2,
        'nuc': the sum of singular values (3-D tensors only: the other two dims form a matrix).
    """
    x = t._data
    xp = get_array_module(x)
    if x.dtype.kind != "f":
        x = x.astype(np.float32)
    x = xp.moveaxis(x, dim, 0).reshape(x.shape[dim], -1)
    if isinstance(n, str):
        if n == "fro":
            if t.ndim > 3:  # torch.norm takes 'fro' over at most two dims
                raise RuntimeError(
                    f"linalg.matrix_norm: dim must be a 2-tuple. Got {t.ndim - 1} dims: "
                    "n='fro' is defined over at most two dims (torch.norm), so it works for 2-D "
                    "and 3-D tensors; use n=2 for this tensor (the same value)"
                )
            n = 2
        elif n == "nuc":
            if t.ndim != 3:
                raise RuntimeError(
                    "linalg.matrix_norm: dim must be a 2-tuple. Got "
                    f"{t.ndim - 1}: n='nuc' is a matrix norm, so the slices along dim must be "
                    "matrices (a 3-D tensor); use a number, inf or 'fro' for this tensor"
                )
            mats = xp.moveaxis(t._data, dim, 0)
            return xp.linalg.svd(mats, compute_uv=False).sum(axis=-1).astype(x.dtype)
        else:
            raise RuntimeError(
                f"linalg.matrix_norm: Order {n} not supported: n must be a number, inf, -inf, "
                "'fro' or 'nuc'"
            )
    if isinstance(n, bool) or not isinstance(n, numbers.Real):
        raise TypeError(f"n must be a number, inf, -inf, 'fro' or 'nuc', got {n!r}")
    p = float(n)
    a = xp.abs(x)
    if p == float("inf"):
        return a.max(axis=1)
    if p == float("-inf"):
        return a.min(axis=1)
    if p == 0:
        return (a != 0).sum(axis=1).astype(x.dtype)
    if p == 2:
        return xp.sqrt((a * a).sum(axis=1))
    if p == 1:
        return a.sum(axis=1)
    with np.errstate(divide="ignore"):  # |0|^p = inf for p < 0, and inf^(1/p) = 0
        return ((a**p).sum(axis=1)) ** (1.0 / p)


# -- the methods -------------------------------------------------------------------------------


class BasePruningMethod(ABC):
    """Base class of pruning methods: subclasses set ``PRUNING_TYPE`` (``'unstructured'``,
    ``'structured'`` with a ``dim`` attribute, or ``'global'``) and define ``compute_mask``.

    An applied method is a forward pre-hook of its module: before every forward it sets
    ``module.<name> = <name>_mask * <name>_orig``.
    """

    PRUNING_TYPE: str
    _tensor_name: str

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self._name(module), self.apply_mask(module))

    def _name(self, module: Any, action: str = "has to be pruned") -> str:
        name = getattr(self, "_tensor_name", None)
        if name is None:
            raise AttributeError(
                f"'{type(self).__name__}' object has no attribute '_tensor_name': Module "
                f"{_describe(module)} {action} (use {type(self).__name__}.apply(module, name, "
                "...) or a pruning function such as prune.l1_unstructured)"
            )
        return name

    @abstractmethod
    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The new mask for ``t`` (same shape), given the current one ``default_mask``: entries
        pruned in ``default_mask`` must stay pruned."""

    def apply_mask(self, module: Module) -> Tensor:
        """``<name>_mask * <name>_orig`` (the pruned tensor, differentiable in ``_orig``)."""
        name = self._name(module)
        mask = getattr(module, name + "_mask")
        orig = getattr(module, name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(
        cls,
        module: Module,
        name: str,
        *args: Any,
        importance_scores: Tensor | None = None,
        **kwargs: Any,
    ) -> BasePruningMethod:
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)``, adding the method to the
        parameter's ``PruningContainer`` if it is pruned already; returns the hook."""
        if not isinstance(module, Module):
            raise TypeError(f"prune: expected an nn.Module, got {type(module).__name__}")
        if not isinstance(name, str):
            raise TypeError(f"prune: name must be a str, got {type(name).__name__}")
        hooks = module._forward_pre_hooks
        old = [
            (k, h)
            for k, h in hooks.items()
            if isinstance(h, BasePruningMethod) and getattr(h, "_tensor_name", None) == name
        ]
        if len(old) > 1:
            raise AssertionError(
                f"Avoid adding multiple pruning hooks to the same tensor {name} of module "
                f"{_describe(module)}. Use a PruningContainer."
            )
        if not old:
            _check_prunable(module, name)
        method = cls(*args, **kwargs)
        method._tensor_name = name
        appended_to = None
        if old:
            old_method = old[0][1]
            if isinstance(old_method, PruningContainer):
                old_method.add_pruning_method(method)
                appended_to, method = old_method, old_method
            else:
                container = PruningContainer(old_method)
                container.add_pruning_method(method)
                method = container
        orig = getattr(module, name)
        if importance_scores is not None:
            if tuple(importance_scores.shape) != tuple(orig.shape):
                raise AssertionError(
                    f"importance_scores should have the same shape as parameter {name} of "
                    f"{_describe(module)}, got {importance_scores.shape} vs {orig.shape}"
                )
        else:
            importance_scores = orig
        first = not isinstance(method, PruningContainer)
        old_mask = None
        if first:
            module.register_parameter(name + "_orig", orig)
            _unregister(module, "_parameters", name)
            default_mask = creation.ones_like(orig)
        else:
            old_mask = getattr(module, name + "_mask")
            default_mask = _copy_c(old_mask)
        try:
            mask = method.compute_mask(importance_scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
        except Exception:
            # leave the module as it was (torch drops the old hook here; nablagrad keeps it)
            if first:
                module.__dict__.pop(name, None)
                if name + "_mask" in module._buffers:
                    _unregister(module, "_buffers", name + "_mask")
                module.register_parameter(name, _unregister(module, "_parameters", name + "_orig"))
            else:
                if appended_to is not None:
                    appended_to._pruning_methods = appended_to._pruning_methods[:-1]
                module.register_buffer(name + "_mask", old_mask)
                setattr(module, name, old[0][1].apply_mask(module))
            raise
        for k, _ in old:
            del hooks[k]
        module.register_forward_pre_hook(method)
        return method

    def prune(
        self,
        t: Tensor,
        default_mask: Tensor | None = None,
        importance_scores: Tensor | None = None,
    ) -> Tensor:
        """``t`` times the mask computed from ``importance_scores`` (default: ``t``)."""
        if importance_scores is not None:
            if tuple(importance_scores.shape) != tuple(t.shape):
                raise AssertionError(
                    "importance_scores should have the same shape as tensor t, got "
                    f"{importance_scores.shape} vs {t.shape}"
                )
        else:
            importance_scores = t
        if default_mask is None:
            default_mask = creation.ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: ``<name>`` becomes a parameter again holding
        ``mask * orig``; ``<name>_orig`` and ``<name>_mask`` go away (the hook is removed by
        ``prune.remove``)."""
        name = self._name(module, "has to be pruned before pruning can be removed")
        weight = self.apply_mask(module)
        if name in module.__dict__:
            delattr(module, name)
        orig = _unregister(module, "_parameters", name + "_orig")
        orig.data = weight.data
        _unregister(module, "_buffers", name + "_mask")
        setattr(module, name, orig)


def _check_prunable(module: Module, name: str) -> None:
    """A tensor can be pruned the first time only if it is a registered parameter."""
    params = module._parameters
    if name in params and isinstance(params[name], Parameter):
        return
    where = (
        "a buffer"
        if name in module._buffers
        else "None"
        if name in params
        else "a submodule"
        if name in module._modules
        else None
    )
    if where is None and not hasattr(module, name):
        raise AttributeError(
            f"'{_describe(module)}' object has no attribute '{name}': pruning needs the name of "
            f"one of its parameters ({', '.join(k for k, v in params.items() if v is not None)})"
        )
    what = where or f"a {type(getattr(module, name)).__name__} attribute"
    raise TypeError(
        f"cannot prune '{name}' of {_describe(module)}: it is {what}, not a parameter "
        "(torch.nn.Parameter); pruning acts on registered parameters only"
    )


class PruningContainer(BasePruningMethod):
    """The history of pruning methods applied to one tensor; its mask is the last method's
    mask computed on the part the earlier ones left (``list(container)`` lists them)."""

    def __init__(self, *args: BasePruningMethod) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        if args:
            first = args[0]
            if isinstance(first, BasePruningMethod):
                self._tensor_name = getattr(first, "_tensor_name", None)
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod | None) -> None:
        """Append ``method`` (it must act on the same tensor name)."""
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        mine = getattr(self, "_tensor_name", None)
        if method is not None and mine != getattr(method, "_tensor_name", None):
            raise ValueError(
                "Can only add pruning methods acting on the parameter named "
                f"'{mine}' to PruningContainer {self}. Found "
                f"'{getattr(method, '_tensor_name', None)}'"
            )
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self) -> Iterator[BasePruningMethod]:
        return iter(self._pruning_methods)

    def __getitem__(self, idx: Any) -> Any:
        return self._pruning_methods[idx]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The last method's mask, computed only where ``default_mask`` still keeps entries:

        unstructured: on the entries with mask 1 (flattened);
        structured: on the channels along ``method.dim`` that have a nonzero mask entry;
        global: on the whole tensor.
        """
        if not self._pruning_methods:
            raise IndexError(
                "PruningContainer has no pruning method: add one with add_pruning_method"
            )
        method = self._pruning_methods[-1]
        mask = default_mask
        new_mask = mask if mask.dtype == t.dtype else mask.to(dtype=t.dtype)
        if not hasattr(method, "PRUNING_TYPE"):
            raise AttributeError(
                f"'{type(method).__name__}' object has no attribute 'PRUNING_TYPE': a pruning "
                "method applied after another one must set PRUNING_TYPE = 'unstructured', "
                "'structured' or 'global' (it tells which part of the tensor it acts on)"
            )
        kind = method.PRUNING_TYPE
        if kind == "unstructured":
            slc: Any = mask == 1
        elif kind == "structured":
            if not hasattr(method, "dim"):
                raise AttributeError(
                    'Pruning methods of PRUNING_TYPE "structured" need to have the attribute '
                    "`dim` defined."
                )
            n_dims = t.ndim
            dim = method.dim
            if dim < 0:
                dim = n_dims + dim
            if dim < 0:
                raise IndexError(f"Index is out of bounds for tensor with dimensions {n_dims}")
            keep = mask.sum(dim=[d for d in range(n_dims) if d != dim]) != 0
            slc = _channel_index(n_dims, dim, keep)
        elif kind == "global":
            slc = tuple([slice(None)] * t.ndim)
        else:
            raise ValueError(
                f"Unrecognized PRUNING_TYPE {kind}: use 'unstructured', 'structured' or 'global'"
            )
        partial = method.compute_mask(t[slc], default_mask=mask[slc])
        new_mask[slc] = partial.to(dtype=new_mask.dtype)
        return new_mask


def _unstructured_mask(
    t: Tensor, amount: int | float, default_mask: Tensor, scores: Any, largest: bool
) -> Tensor:
    """A copy of ``default_mask`` with the ``amount`` entries picked by ``scores()`` (an array
    shaped like ``t``: its ``largest`` or smallest values, in torch's ``topk`` order) set to 0."""
    size = t.numel()
    k = _compute_nparams_toprune(amount, size)
    _validate_pruning_amount(k, size)
    mask = _copy_c(default_mask)
    if k != 0:
        mask._data.reshape(-1)[_topk_select(scores().reshape(-1), k, largest=largest)] = 0
    return mask


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is all ones (reparametrises the tensor only)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name)


class RandomUnstructured(BasePruningMethod):
    """Prunes ``amount`` entries chosen uniformly at random (nablagrad's generator:
    ``manual_seed`` makes it reproducible; the draws are not torch's)."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        # as torch: one uniform draw per entry, the k largest draws are pruned
        return _unstructured_mask(
            t, self.amount, default_mask, lambda: creation.rand_like(t)._data, largest=True
        )

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name, amount=amount)


class L1Unstructured(BasePruningMethod):
    """Prunes the ``amount`` entries of smallest absolute value."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        xp = get_array_module(t._data)
        return _unstructured_mask(
            t, self.amount, default_mask, lambda: xp.abs(t._data), largest=False
        )

    @classmethod
    def apply(  # type: ignore[override]
        cls,
        module: Module,
        name: str,
        amount: int | float,
        importance_scores: Tensor | None = None,
    ) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


def _structured_count(t: Tensor, amount: int | float, dim: int) -> tuple:
    """(dim, its size, how many channels to prune) of a structured method, checked as torch's."""
    _validate_structured_pruning(t)
    dim = _normalize_dim(t, dim)
    size = t.shape[dim]
    k = _compute_nparams_toprune(amount, size)
    _validate_pruning_amount(k, size)
    return dim, size, k


def _channels_mask(t: Tensor, dim: int, keep: Any, default_mask: Tensor) -> Tensor:
    """Ones on the kept channels along ``dim`` (an index or boolean array), times the old mask."""
    xp = get_array_module(t._data)
    dtype = t._data.dtype
    data = xp.zeros(t._data.shape, dtype=dtype)
    data[_channel_index(t.ndim, dim, keep)] = 1
    data *= default_mask._data.astype(dtype, copy=False)
    return Tensor._wrap(data)


class RandomStructured(BasePruningMethod):
    """Prunes ``amount`` channels along ``dim``, chosen uniformly at random (nablagrad's
    generator)."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, dim: int = -1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        dim, size, k = _structured_count(t, self.amount, self.dim)
        if k == 0:
            return default_mask
        # as torch: one uniform draw per channel; the channels whose draw is at most the k-th
        # smallest one are pruned
        prob = creation.rand(size, device=t.device)._data
        xp = get_array_module(prob)
        threshold = xp.sort(prob)[k - 1]
        return _channels_mask(t, dim, prob > threshold, default_mask)

    @classmethod
    def apply(  # type: ignore[override]
        cls, module: Module, name: str, amount: int | float, dim: int = -1
    ) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes the ``amount`` channels along ``dim`` of smallest ``n``-norm
    (``n``: a number, ``inf``, ``-inf``, ``'fro'``, or ``'nuc'`` for 3-D tensors)."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, n: Any, dim: int = -1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        dim, size, k = _structured_count(t, self.amount, self.dim)
        norm = _compute_norm(t, self.n, dim)
        if k == 0:
            return default_mask
        return _channels_mask(t, dim, _topk_select(norm, size - k, largest=True), default_mask)

    @classmethod
    def apply(  # type: ignore[override]
        cls,
        module: Module,
        name: str,
        amount: int | float,
        n: Any,
        dim: int,
        importance_scores: Tensor | None = None,
    ) -> BasePruningMethod:
        return super().apply(
            module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores
        )


class CustomFromMask(BasePruningMethod):
    """Prunes where the given ``mask`` is 0 (combined with any earlier mask)."""

    PRUNING_TYPE = "global"

    def __init__(self, mask: Tensor) -> None:
        self.mask = mask

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        if tuple(default_mask.shape) != tuple(self.mask.shape):
            raise AssertionError(
                f"default_mask shape {default_mask.shape} must match self.mask shape "
                f"{self.mask.shape}: the mask must have the pruned tensor's shape"
            )
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module: Module, name: str, mask: Tensor) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name, mask=mask)


# -- functions ---------------------------------------------------------------------------------


def identity(module: Module, name: str) -> Module:
    """Reparametrise ``module.<name>`` with an all-ones mask (prunes nothing)."""
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: int | float) -> Module:
    """Prune ``amount`` random entries of ``module.<name>``; returns ``module``."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(
    module: Module, name: str, amount: int | float, importance_scores: Tensor | None = None
) -> Module:
    """Prune the ``amount`` entries of ``module.<name>`` with the smallest ``|score|``
    (scores: ``importance_scores``, default the tensor itself); returns ``module``."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: int | float, dim: int) -> Module:
    """Prune ``amount`` random channels along ``dim`` of ``module.<name>``; returns ``module``."""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(
    module: Module,
    name: str,
    amount: int | float,
    n: Any,
    dim: int,
    importance_scores: Tensor | None = None,
) -> Module:
    """Prune the ``amount`` channels along ``dim`` with the smallest ``n``-norm; returns
    ``module``."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(
    parameters: Iterable[tuple[Module, str]],
    pruning_method: type,
    importance_scores: dict | None = None,
    **kwargs: Any,
) -> None:
    """Prune ``(module, name)`` tensors together: ``pruning_method(**kwargs)`` (an
    ``'unstructured'`` method, e.g. ``L1Unstructured`` with ``amount``) acts on all their
    still-unpruned entries concatenated; each tensor then gets its share as a
    ``CustomFromMask``."""
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    scores, masks = [], []
    for module, name in parameters:
        param = getattr(module, name)
        score = importance_scores.get((module, name), param)
        if tuple(score.shape) != tuple(param.shape):
            raise ValueError(
                f"global_unstructured(): importance_scores[({_describe(module)}, '{name}')] has "
                f"shape {tuple(score.shape)} but the tensor has {tuple(param.shape)}"
            )
        scores.append(score._data.reshape(-1))
        mask = getattr(module, name + "_mask", None)
        xp = get_array_module(param._data)
        masks.append(
            xp.ones(param._data.size, dtype=param._data.dtype)
            if mask is None
            else mask._data.reshape(-1).astype(param._data.dtype, copy=False)
        )
    if not parameters:
        raise ValueError("global_unstructured(): parameters is empty: pass (module, name) pairs")
    xp = get_array_module(scores[0])
    relevant = Tensor._wrap(xp.concatenate(scores))
    default_mask = Tensor._wrap(xp.concatenate(masks))
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError(
            'Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. Found method '
            f"{pruning_method} of type {method.PRUNING_TYPE}"
        )
    container.add_pruning_method(method)
    final_mask = container.compute_mask(relevant, default_mask)
    pointer = 0
    for module, name in parameters:
        param = getattr(module, name)
        num = param.numel()
        custom_from_mask(module, name, mask=final_mask[pointer : pointer + num].view_as(param))
        pointer += num


def custom_from_mask(module: Module, name: str, mask: Tensor) -> Module:
    """Prune ``module.<name>`` where ``mask`` is 0; returns ``module``."""
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module: Module, name: str) -> Module:
    """Make the pruning of ``module.<name>`` permanent and drop its reparametrisation."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and getattr(hook, "_tensor_name", None) == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(
        f"Parameter '{name}' of module {module} has to be pruned before pruning can be removed"
    )


def is_pruned(module: Module) -> bool:
    """Whether ``module`` or one of its submodules has a pruning hook."""
    for _, sub in module.named_modules():
        for hook in sub._forward_pre_hooks.values():
            if isinstance(hook, BasePruningMethod):
                return True
    return False
