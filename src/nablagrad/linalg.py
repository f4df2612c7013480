"""``torch.linalg``: norms, inverses, solves, decompositions and matrix functions.

Under ``nablagrad.install_as_torch()`` this module is ``torch.linalg``.  The functions are
composed in ``nablagrad.ops.linalg_fns`` from the differentiable primitives of
``nablagrad.ops.decomp`` (inverse, determinant, solve, Cholesky, eigh, SVD, QR), so first and
second derivatives follow torch's formulas.

Example:
    >>> import nablagrad as torch
    >>> A = torch.tensor([[4.0, 1.0], [1.0, 3.0]])
    >>> torch.linalg.solve(A, torch.tensor([1.0, 2.0]))
    tensor([0.0909, 0.6364])
"""

from __future__ import annotations

from .ops.decomp import LinAlgError
from .ops.lapack_forms import (
    householder_product,
    ldl_factor,
    ldl_factor_ex,
    ldl_solve,
    lu_factor_ex,
)
from .ops.linalg import matmul
from .ops.linalg_fns import (
    cholesky_ex,
    cond,
    det,
    eigh,
    eigvalsh,
    inv,
    inv_ex,
    lstsq,
    lu,
    lu_factor,
    lu_solve,
    matrix_exp,
    matrix_norm,
    matrix_power,
    matrix_rank,
    multi_dot,
    pinv,
    solve,
    solve_ex,
    solve_triangular,
    svdvals,
    tensorinv,
    tensorsolve,
    vecdot,
    vector_norm,
)
from .ops.linalg_fns import linalg_cholesky as cholesky
from .ops.linalg_fns import linalg_cross as cross
from .ops.linalg_fns import linalg_diagonal as diagonal
from .ops.linalg_fns import linalg_norm as norm
from .ops.linalg_fns import linalg_qr as qr
from .ops.linalg_fns import linalg_slogdet as slogdet
from .ops.linalg_fns import linalg_svd as svd
from .ops.linalg_fns import linalg_vander as vander

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "householder_product",
    "inv",
    "inv_ex",
    "ldl_factor",
    "ldl_factor_ex",
    "ldl_solve",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]


def _add_torch_keywords() -> None:
    """torch.linalg's bindings name the first argument ``input`` (``torch.linalg.norm(input=A)``;
    ``A=`` is refused by torch); these accept torch's names besides their own."""
    from . import _validate

    g = globals()
    for name, pairs in _TORCH_KEYWORDS.items():
        g[name] = _validate.torch_keywords(g[name], pairs)


_TORCH_KEYWORDS = {
    "cholesky": {"A": ("input",)},
    "cholesky_ex": {"A": ("input",)},
    "cond": {"A": ("input",)},
    "eigh": {"A": ("input",)},
    "eigvalsh": {"A": ("input",)},
    "householder_product": {"A": ("input",)},
    "lstsq": {"A": ("input",), "B": ("b",)},
    "matmul": {"a": ("input",), "b": ("other",)},
    "matrix_exp": {"A": ("input",)},
    "matrix_norm": {"A": ("input",)},
    "matrix_power": {"A": ("input",)},
    "matrix_rank": {"A": ("input",)},
    "norm": {"A": ("input",)},
    "pinv": {"A": ("input",)},
    "solve_triangular": {"A": ("input",)},
    "tensorinv": {"A": ("input",)},
    "tensorsolve": {"A": ("input",), "B": ("other",)},
    "vector_norm": {"x": ("input",)},
}
_add_torch_keywords()
