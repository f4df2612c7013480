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
    "inv",
    "inv_ex",
    "lstsq",
    "lu",
    "lu_factor",
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
