"""``torch.autograd.functional``: Jacobians, Hessians and vector products of a whole function.

Each helper takes ``func`` and its ``inputs`` (a Tensor or a tuple of Tensors), runs ``func``
on detached copies that require grad, and differentiates with ``autograd.grad``, as torch does:

* ``vjp(func, inputs, v)``: ``(func(inputs), v^T J)``;
* ``jvp(func, inputs, v)``: ``(func(inputs), J v)``, by the double-backward trick (the vjp is
  linear in its seed, so differentiating it with respect to the seed gives ``J v``);
* ``jacobian(func, inputs)``: one vector-Jacobian product per output element; results are
  nested tuples ``[output][input]`` when ``inputs`` or the outputs are tuples;
* ``hessian``, ``hvp``, ``vhp``: the same for scalar functions.

``create_graph=True`` keeps the results differentiable; ``strict=True`` raises where a result
would be identically zero because an output does not depend on an input.  ``vectorize`` and
``strategy`` are accepted; the products are computed one at a time either way (same values).

Example:
    >>> import nablagrad as torch
    >>> from nablagrad.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, torch.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import creation
from ..ops.shape import stack
from ..tensor import Tensor
from .engine import grad
from .grad_mode import enable_grad, is_grad_enabled, set_grad_enabled

__all__ = ["vjp", "jvp", "jacobian", "hessian", "hvp", "vhp"]


def _as_tuple(inp: Any, arg_name: str, fn_name: str) -> tuple[bool, tuple]:
    """(whether ``inp`` was a tuple, ``inp`` as a tuple), refusing anything but Tensors."""
    is_tuple = isinstance(inp, tuple)
    items = inp if is_tuple else (inp,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                f"but the {where} has type {type(el)}."
            )
    return is_tuple, items


def _unpack(res: Any, is_tuple: bool | tuple[bool, bool]) -> Any:
    """Undo ``_as_tuple`` on a result (nested per output and input for Jacobians)."""
    if isinstance(is_tuple, tuple):
        outer, inner = is_tuple
        if not inner:
            res = tuple(el[0] for el in res)
        return res if outer else res[0]
    return res if is_tuple else res[0]


def _preprocess(inputs: tuple, create_graph: bool, need_graph: bool) -> tuple:
    """Fresh tensors to differentiate with respect to: views keeping the graph with
    ``create_graph`` (so results stay differentiable in the caller's inputs), else detached."""
    return tuple(
        t.view_as(t) if create_graph and t.requires_grad else t.detach().requires_grad_(need_graph)
        for t in inputs
    )


def _postprocess(res: Any, create_graph: bool) -> Any:
    if isinstance(res, tuple):
        return tuple(_postprocess(r, create_graph) for r in res)
    return res if create_graph else res.detach()


def _validate_v(v: tuple, other: tuple, is_other_tuple: bool) -> None:
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(other)} but got {len(v)}."
            )
        raise RuntimeError("The given v should contain a single Tensor.")
    for idx, (el_v, el_other) in enumerate(zip(v, other)):
        if el_v.shape != el_other.shape:
            prepend = f"Entry {idx} in " if is_other_tuple else ""
            raise RuntimeError(
                f"{prepend}v has invalid size: should be {el_other.shape} but got {el_v.shape}."
            )


_INDEPENDENT = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The "
    "outputs must be computed in a differentiable manner from the input when running in strict "
    "mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the "
    "user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
    "function with respect to input {i} is independent of the input. This is not allowed in "
    "strict mode. You should ensure that your function is twice differentiable and that the "
    "jacobian depends on the inputs (this would be violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
    "independent of the input. This is not allowed in strict mode. You should ensure that your "
    "function is thrice differentiable and that the hessian depends on the inputs.",
}


def _check_requires_grad(tensors: tuple, kind: str, strict: bool) -> None:
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:
            raise RuntimeError(
                f"The output of the user-provided function is independent of input {i}. This "
                "is not allowed in strict mode."
            )
        if not t.requires_grad:
            raise RuntimeError(_INDEPENDENT[kind].format(i=i))


def _grad(
    outputs: tuple,
    inputs: tuple,
    grad_outputs: tuple | None = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
) -> tuple:
    """``autograd.grad`` over the outputs that require grad (``None`` where nothing flows)."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad(
        [o for o, _ in pairs],
        inputs,
        [g for _, g in pairs],
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )


_ZERO_STAGE = {
    "back": "The output of the user-provided function is independent of input {i}. This is not "
    "allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
    "grad_outputs when using the double backward trick to compute forward mode gradients. This "
    "is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
    "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} "
    "in the grad_jacobian. This is not allowed in strict mode as it prevents from using the "
    "double backward trick to replace forward mode AD.",
}


def _fill_in_zeros(
    grads: tuple, refs: tuple, strict: bool, create_graph: bool, stage: str
) -> tuple:
    """Zeros (shaped as ``refs``) for the ``None`` gradients; strict mode refuses them."""
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_ZERO_STAGE[stage].format(i=i))
            g = creation.zeros_like(refs[i])
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(
                f"The {what} of the user-provided function is independent of input {i}. This "
                "is not allowed in strict mode when create_graph=True."
            )
        res.append(g)
    return tuple(res)


def _setup(func: Callable, inputs: Any, v: Any, create_graph: bool, name: str) -> tuple:
    """Shared start of vjp/jvp/hvp/vhp: (is_inputs_tuple, inputs, v or None)."""
    is_inputs_tuple, ins = _as_tuple(inputs, "inputs", name)
    ins = _preprocess(ins, create_graph, need_graph=True)
    if v is not None:
        _, v = _as_tuple(v, "v", name)
        v = _preprocess(v, create_graph, need_graph=False)
    return is_inputs_tuple, ins, v


def _check_v_for_inputs(v: Any, ins: tuple, is_inputs_tuple: bool) -> None:
    if v is not None:
        _validate_v(v, ins, is_inputs_tuple)
    elif len(ins) != 1 or ins[0].numel() != 1:
        raise RuntimeError(
            "The vector v can only be None if the input to the user-provided function is a "
            "single Tensor with a single element."
        )


def vjp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple:
    """``(func(inputs), v^T J)``; ``v`` may be omitted when ``func`` returns one element."""
    with enable_grad():
        is_inputs_tuple, ins, v = _setup(func, inputs, v, create_graph, "vjp")
        is_outputs_tuple, outs = _as_tuple(
            func(*ins), "outputs of the user-provided function", "vjp"
        )
        _check_requires_grad(outs, "outputs", strict)
        if v is not None:
            _validate_v(v, outs, is_outputs_tuple)
        elif len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns a single "
                "Tensor with a single element."
            )
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _grad(outs, ins, v, create_graph=create_graph)
        res = _fill_in_zeros(res, ins, strict, create_graph, "back")
    outs, res = _postprocess(outs, create_graph), _postprocess(res, create_graph)
    return _unpack(outs, is_outputs_tuple), _unpack(res, is_inputs_tuple)


def jvp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple:
    """``(func(inputs), J v)``; ``v`` may be omitted when the input has one element."""
    with enable_grad():
        is_inputs_tuple, ins, v = _setup(func, inputs, v, create_graph, "jvp")
        _check_v_for_inputs(v, ins, is_inputs_tuple)
        is_outputs_tuple, outs = _as_tuple(
            func(*ins), "outputs of the user-provided function", "jvp"
        )
        _check_requires_grad(outs, "outputs", strict)
        seeds = tuple(creation.zeros_like(o).requires_grad_() for o in outs)
        grad_inputs = _grad(outs, ins, seeds, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _grad(grad_inputs, seeds, v, create_graph=create_graph)
        res = _fill_in_zeros(res, outs, strict, create_graph, "back_trick")
    outs, res = _postprocess(outs, create_graph), _postprocess(res, create_graph)
    return _unpack(outs, is_outputs_tuple), _unpack(res, is_outputs_tuple)


def jacobian(
    func: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: for output ``i`` and input ``j`` a Tensor of
    shape ``outputs[i].shape + inputs[j].shape`` (nested tuples follow the tuple-ness of the
    inputs and of the outputs)."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.'
            )
        if strict:
            raise RuntimeError(
                'torch.autograd.functional.jacobian: `strict=True` and `strategy="forward-mode"` '
                "are not supported together (yet). Please either set `strict=False` or "
                '`strategy="reverse-mode"`.'
            )
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian is only "
                "implemented for `vectorize=True`."
            )
    elif vectorize and strict:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
            "supported together. Please either set `strict=False` or `vectorize=False`."
        )
    with enable_grad():
        is_inputs_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
        ins = _preprocess(ins, create_graph, need_graph=True)
        is_outputs_tuple, outs = _as_tuple(
            func(*ins), "outputs of the user-provided function", "jacobian"
        )
        _check_requires_grad(outs, "outputs", strict)
        jac = []
        for i, out in enumerate(outs):
            rows: list[list] = [[] for _ in ins]
            flat = out.reshape(-1)
            for k in range(out.numel()):
                vj = _grad((flat[k],), ins, retain_graph=True, create_graph=create_graph)
                for j, (g, inp) in enumerate(zip(vj, ins)):
                    if g is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of "
                                f"input {j}. This is not allowed in strict mode."
                            )
                        g = creation.zeros_like(inp)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(
                            "The jacobian of the user-provided function is independent of input "
                            f"{i}. This is not allowed in strict mode when create_graph=True."
                        )
                    rows[j].append(g)
            jac.append(
                tuple(
                    _stack(r, inp).reshape(tuple(out.shape) + tuple(inp.shape))
                    for r, inp in zip(rows, ins)
                )
            )
        res = _postprocess(tuple(jac), create_graph)
        return _unpack(res, (is_outputs_tuple, is_inputs_tuple))


def _stack(rows: list, like: Tensor) -> Tensor:
    # an output with no elements has an empty Jacobian
    return stack(rows) if rows else creation.zeros((0, *like.shape), dtype=like.dtype)


def hessian(
    func: Callable,
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a function returning one element: for inputs ``i`` and ``j`` a Tensor of
    shape ``inputs[i].shape + inputs[j].shape`` (nested tuples when ``inputs`` is a tuple)."""
    is_inputs_tuple, ins = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*inp: Tensor) -> Tensor:
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict)
        if is_out_tuple:
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError(
                "The Tensor returned by the function given to hessian should contain a single "
                "element"
            )
        return out.squeeze()

    def jac_func(*inp: Tensor) -> Any:
        if outer_jacobian_strategy == "forward-mode":
            inp = tuple(t.requires_grad_(True) for t in inp)
        jac = jacobian(single_output, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(
        jac_func,
        ins,
        create_graph=create_graph,
        strict=strict,
        vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )
    return _unpack(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_output(func: Callable, ins: tuple, strict: bool, name: str) -> tuple[bool, tuple]:
    is_outputs_tuple, outs = _as_tuple(func(*ins), "outputs of the user-provided function", name)
    _check_requires_grad(outs, "outputs", strict)
    if is_outputs_tuple:
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outs[0].numel() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {name} should contain a single element"
        )
    return is_outputs_tuple, outs


def vhp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple:
    """``(func(inputs), v^T H)`` for a function returning one element."""
    with enable_grad():
        is_inputs_tuple, ins, v = _setup(func, inputs, v, create_graph, "vhp")
        _check_v_for_inputs(v, ins, is_inputs_tuple)
        is_outputs_tuple, outs = _scalar_output(func, ins, strict, "vhp")
        jac = _grad(outs, ins, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _grad(jac, ins, v, create_graph=create_graph)
        res = _fill_in_zeros(res, ins, strict, create_graph, "double_back")
    outs, res = _postprocess(outs, create_graph), _postprocess(res, create_graph)
    return _unpack(outs, is_outputs_tuple), _unpack(res, is_inputs_tuple)


def hvp(
    func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False
) -> tuple:
    """``(func(inputs), H v)`` for a function returning one element (double-backward trick)."""
    with enable_grad():
        is_inputs_tuple, ins, v = _setup(func, inputs, v, create_graph, "hvp")
        _check_v_for_inputs(v, ins, is_inputs_tuple)
        is_outputs_tuple, outs = _scalar_output(func, ins, strict, "hvp")
        jac = _grad(outs, ins, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        grad_jac = tuple(creation.zeros_like(t).requires_grad_() for t in ins)
        double_back = _grad(jac, ins, grad_jac, create_graph=True)
        _check_requires_grad(jac, "hessian", strict)
    with set_grad_enabled(True if create_graph else is_grad_enabled()):
        res = _grad(double_back, grad_jac, v, create_graph=create_graph)
        res = _fill_in_zeros(res, ins, strict, create_graph, "double_back_trick")
    outs, res = _postprocess(outs, create_graph), _postprocess(res, create_graph)
    return _unpack(outs, is_outputs_tuple), _unpack(res, is_inputs_tuple)
