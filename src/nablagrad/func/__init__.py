"""torch.func (functorch's API): composable function transforms on nablagrad's engine.

``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``linearize``, ``jacrev``, ``jacfwd``,
``hessian`` and ``vmap`` transform Python functions of tensors (and of tuples/lists/dicts
of tensors) into new functions, and compose: ``vmap(grad(loss), in_dims=(None, 0, 0))``
gives per-sample gradients, ``jacfwd(jacrev(f))`` a Hessian.  ``functional_call`` runs an
``nn.Module`` with other tensors in place of its parameters and buffers;
``stack_module_state`` stacks the states of several models for ``vmap``; ``functionalize``,
``replace_all_batch_norm_modules_`` and ``debug_unwrap`` complete torch.func's names.

How they are computed: reverse-mode transforms call ``autograd.grad`` on a recorded graph
(with ``create_graph`` when an outer transform differentiates again); forward-mode ones
(``jvp``) use the double-vjp trick on the same engine, ``jacfwd`` assembles the Jacobian by
reverse mode; ``vmap`` loops over the batch (one call of the function per element), with
torch's checks and errors.
"""

from __future__ import annotations

from ._autodiff import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, linearize, vjp
from ._extras import debug_unwrap, functionalize, replace_all_batch_norm_modules_
from ._module import functional_call, stack_module_state
from ._vmap import vmap

__all__ = [
    "debug_unwrap",
    "functional_call",
    "functionalize",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "linearize",
    "replace_all_batch_norm_modules_",
    "stack_module_state",
    "vjp",
    "vmap",
]
