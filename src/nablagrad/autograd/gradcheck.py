"""``gradcheck``: compare analytic gradients with central finite differences in float64.

Example:
    >>> import nablagrad as torch
    >>> x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradcheck(lambda t: (t.sin() * t).sum(), (x,))
    True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..backend import get_array_module, np, to_device, to_host
from ..tensor import Tensor
from .engine import grad as autograd_grad


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytic and numerical gradients disagree."""


def _inputs(inputs: Any) -> tuple:
    return tuple(inputs) if isinstance(inputs, (list, tuple)) else (inputs,)


def _outputs(out: Any) -> tuple:
    return tuple(out) if isinstance(out, (list, tuple)) else (out,)


def gradcheck(
    fn: Callable,
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
) -> bool:
    """Check d fn / d inputs against central differences (fn(x + eps) - fn(x - eps)) / 2 eps.

    Every input that requires grad must be float64 (finite differences in float32 are too
    coarse). Each output element's gradient row is compared, so ``fn`` may return any shape.
    Returns True, or raises ``GradcheckError`` naming the input and the worst entry.
    """

    ins = _inputs(inputs)
    diff = [i for i, t in enumerate(ins) if getattr(t, "requires_grad", False)]
    if not diff:
        raise ValueError("gradcheck: no input requires grad; pass tensors with requires_grad=True")
    for i in diff:
        if ins[i]._data.dtype != np.float64:
            raise ValueError(
                f"gradcheck: input {i} is {ins[i].dtype}; finite differences need float64: "
                "pass x.double() (with requires_grad=True)"
            )
    outs = _outputs(fn(*ins))
    for o_idx, out in enumerate(outs):
        if not out.requires_grad:
            continue
        n_out = out.numel()
        analytic = {i: np.zeros((n_out, ins[i].numel())) for i in diff}
        for k in range(n_out):
            seed = np.zeros(n_out)
            seed[k] = 1.0
            grads = autograd_grad(
                _outputs(fn(*ins))[o_idx],
                [ins[i] for i in diff],
                grad_outputs=Tensor._wrap(
                    to_device(seed.reshape(out._data.shape).astype(out._data.dtype), out.device)
                ),
                allow_unused=True,
            )
            for i, g in zip(diff, grads):
                if g is not None:
                    analytic[i][k] = to_host(g._data).astype(np.float64).reshape(-1)
        for i in diff:
            numeric = _numerical_jacobian(fn, ins, i, o_idx, eps)
            bad = ~np.isclose(analytic[i], numeric, rtol=rtol, atol=atol)
            if bad.any():
                k, j = np.argwhere(bad)[0]
                msg = (
                    f"gradcheck: Jacobian mismatch for output {o_idx} with respect to input {i}: "
                    f"at (output element {k}, input element {j}) analytic {analytic[i][k, j]:.6g} "
                    f"vs numerical {numeric[k, j]:.6g} ({int(bad.sum())} of {bad.size} entries off)"
                )
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def _numerical_jacobian(fn: Callable, ins: tuple, i: int, o_idx: int, eps: float) -> np.ndarray:
    if not ins[i]._data.flags.c_contiguous:
        ins[i]._data = get_array_module(ins[i]._data).ascontiguousarray(ins[i]._data)
    flat = ins[i]._data.reshape(-1)  # a view: writing into it perturbs the input
    cols = []
    for j in range(flat.size):
        orig = flat[j].copy()
        flat[j] = orig + eps
        plus = to_host(_outputs(fn(*ins))[o_idx]._data).astype(np.float64).reshape(-1)
        flat[j] = orig - eps
        minus = to_host(_outputs(fn(*ins))[o_idx]._data).astype(np.float64).reshape(-1)
        flat[j] = orig
        cols.append((plus - minus) / (2 * eps))
    return np.stack(cols, axis=1) if cols else np.zeros((0, 0))


def gradgradcheck(
    fn: Callable, inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3
) -> bool:
    """Check second derivatives: gradcheck of (inputs -> d(sum fn * v)/d inputs) for fixed v."""

    ins = _inputs(inputs)
    diff = [i for i, t in enumerate(ins) if getattr(t, "requires_grad", False)]
    out0 = _outputs(fn(*ins))[0]
    rng = np.random.default_rng(0)

    v = Tensor._wrap(to_device(rng.standard_normal(out0._data.shape), out0.device))

    def first_grads(*xs: Any) -> tuple:
        out = _outputs(fn(*xs))[0]
        return autograd_grad(
            (out * v).sum(),
            [xs[i] for i in diff],
            create_graph=True,
            allow_unused=True,
            materialize_grads=True,
        )

    return gradcheck(first_grads, ins, eps=eps, atol=atol, rtol=rtol)
