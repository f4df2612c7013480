"""``nn.utils.parametrizations``: ``weight_norm``, ``spectral_norm`` and ``orthogonal`` as
parametrizations.

``weight_norm`` stores ``g = ||w||`` (over every dim but ``dim``) as
``parametrizations.weight.original0`` and ``v = w`` as ``original1``; ``module.weight`` is then
``v * g / ||v||`` on every access.

Example:
    >>> import nablagrad as torch
    >>> m = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 4))
    >>> list(m.state_dict())
    ['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
"""

from __future__ import annotations

import enum

from ... import creation
from ...autograd import no_grad
from ...ops.compare import allclose
from ...ops.dtypeinfo import finfo
from ...ops.lapack_forms import geqrf, householder_product
from ...ops.linalg_fns import matrix_exp, solve
from ...ops.shape import cat
from ...tensor import Tensor
from ..module import Module
from . import parametrize
from .spectral_norm import _is_conv_transpose, _normalize_into, _reshape_to_matrix
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Parametrize ``module.<name>`` as ``g * v / ||v||`` (torch.nn.utils.parametrizations)."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """``weight / sigma``, sigma by power iteration on buffers ``_u``, ``_v`` (15 at setup)."""

    def __init__(
        self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12
    ) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(
                "Dimension out of range (expected to be in range of "
                f"[-{ndim}, {ndim - 1}] but got {dim})"
            )
        if n_power_iterations <= 0:
            raise ValueError(
                "Expected n_power_iterations to be positive, but got "
                f"n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            with no_grad():
                weight_mat = _reshape_to_matrix(weight, self.dim)
                h, w = weight_mat.shape
                kw = {"dtype": weight.dtype, "device": weight.device}
                self.register_buffer("_u", _normalize_into(creation.randn(h, **kw), eps))
                self.register_buffer("_v", _normalize_into(creation.randn(w, **kw), eps))
                self._power_method(weight_mat, 15)

    def _power_method(self, weight_mat: Tensor, n_power_iterations: int) -> None:
        with no_grad():
            for _ in range(n_power_iterations):
                _normalize_into(weight_mat @ self._v, self.eps, self._u)
                _normalize_into(weight_mat.t() @ self._u, self.eps, self._v)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return weight / (weight * weight).sum().sqrt().clamp(min=self.eps)
        weight_mat = _reshape_to_matrix(weight, self.dim)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = (u * (weight_mat @ v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(
    module: Module,
    name: str = "weight",
    n_power_iterations: int = 1,
    eps: float = 1e-12,
    dim: int | None = None,
) -> Module:
    """Parametrize ``module.<name>`` as ``weight / sigma(weight)`` (spectral norm).

    Keys as torch: ``parametrizations.weight.original``, ``parametrizations.weight.0._u``
    and ``._v``.  ``dim`` defaults to 1 for transposed convolutions and 0 otherwise.
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if _is_conv_transpose(module) else 0
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps)
    )
    return module


# -- orthogonal ----------------------------------------------------------------------------------


class _OrthMaps(enum.Enum):
    matrix_exp = enum.auto()
    cayley = enum.auto()
    householder = enum.auto()


def _is_orthogonal(Q: Tensor) -> bool:
    """Whether the tall ``Q`` (``n x k``, ``n >= k``) has orthonormal columns, to
    ``10 n eps`` (torch's tolerance)."""
    n, k = Q.shape[-2], Q.shape[-1]
    eps = 10.0 * n * finfo(Q.dtype).eps
    eye = creation.eye(k, dtype=Q.dtype, device=Q.device)
    return allclose(Q.mH @ Q, eye, atol=eps)


def _make_orthogonal(A: Tensor) -> Tensor:
    """The ``Q`` of ``A = Q R`` (``A`` tall) with ``diag(R) >= 0``: geqrf's reflectors
    multiplied out, each column's sign flipped to match ``R``'s diagonal."""
    reflectors, tau = geqrf(A)
    Q = householder_product(reflectors, tau)
    return Q * reflectors.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


class _Orthogonal(Module):
    """``Q(X)`` with orthonormal columns (rows when wide), ``X`` the original tensor.

    Wide matrices are transposed, so ``X`` is ``n x k`` with ``n >= k``.  ``matrix_exp`` /
    ``cayley``: ``A = [tril(X), 0] - [tril(X), 0]^T`` (``n x n``, skew-symmetric) and
    ``Q = exp(A)[:, :k]`` or ``((I - A/2)^-1 (I + A/2))[:, :k]``.  ``householder``:
    ``Q = H_1 ... H_k`` with ``v_i = (0, .., 1, X[i+1:, i])`` and ``tau_i = 2 / ||v_i||^2``,
    column ``i`` multiplied by ``int(X[i, i])`` (a sign, not differentiated).  With the
    trivialization, ``Q = base @ Q(X)`` where the buffer ``base`` (``n x n`` orthogonal) is
    set by ``right_inverse``.
    """

    def __init__(
        self, weight: Tensor, orthogonal_map: _OrthMaps, *, use_trivialization: bool = True
    ) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == _OrthMaps.householder:
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        transposed = X.shape[-2] < X.shape[-1]
        if transposed:
            X = X.mT
        n, k = X.shape[-2], X.shape[-1]
        if self.orthogonal_map == _OrthMaps.householder:
            reflectors = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (reflectors * reflectors).sum(dim=-2))
            Q = householder_product(reflectors, tau)
            # the diagonal of X holds the signs (+-1) of Q's columns; kept out of the graph
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        else:
            lower = X.tril()
            if n != k:
                pad = creation.zeros(*X.shape[:-2], n, n - k, dtype=X.dtype, device=X.device)
                lower = cat([lower, pad], dim=-1)
            A = lower - lower.mH
            if self.orthogonal_map == _OrthMaps.matrix_exp:
                Q = matrix_exp(A)
            else:
                eye = creation.eye(n, dtype=A.dtype, device=A.device)
                Q = solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        if hasattr(self, "base"):
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        """An original tensor whose ``forward`` is ``Q`` (``Q`` orthogonalized by QR when it is
        not orthogonal); with the trivialization, ``base`` takes ``Q`` (completed to ``n x n``
        with random columns when tall) and the original is ``-I``."""
        with no_grad():
            if tuple(Q.shape) != tuple(self.shape):
                raise ValueError(
                    f"Expected a matrix or batch of matrices of shape {self.shape}. "
                    f"Got a tensor of shape {Q.shape}."
                )
            Q_init = Q
            transposed = Q.shape[-2] < Q.shape[-1]
            if transposed:
                Q = Q.mT
            n, k = Q.shape[-2], Q.shape[-1]
            if not hasattr(self, "base"):
                if self.orthogonal_map != _OrthMaps.householder:
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential "
                        "or the Cayley parametrizations when use_trivialization=False."
                    )
                # reflectors of Q = QR with diag(R) > 0 stored as forward reads them: the
                # diagonal holds each column's sign (flipped where LAPACK skipped a reflector)
                A, tau = geqrf(Q)
                signs = A.diagonal(dim1=-2, dim2=-1).sign()
                signs = signs * (1.0 - 2.0 * (tau == 0.0).to(signs.dtype))
                A.diagonal(dim1=-2, dim2=-1).copy_(signs)
                return A.mT if transposed else A
            if n == k:
                Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:
                extra = creation.randn(*Q.shape[:-2], n, n - k, dtype=Q.dtype, device=Q.device)
                Q = _make_orthogonal(cat([Q, extra], dim=-1))
            self.base = Q
            neg_eye = creation.zeros_like(Q_init)
            neg_eye.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_eye


def orthogonal(
    module: Module,
    name: str = "weight",
    orthogonal_map: str | None = None,
    *,
    use_trivialization: bool = True,
) -> Module:
    r"""Parametrize ``module.<name>`` as an orthogonal matrix (or batch of them, over the last
    two dims), as torch.nn.utils.parametrizations.orthogonal.

    ``Q`` (``m x n``) satisfies ``Q^T Q = I_n`` when ``m >= n`` and ``Q Q^T = I_m`` otherwise.
    ``orthogonal_map`` turns the original tensor ``X`` (wide ones transposed) into ``Q``:

    - ``"matrix_exp"``: ``Q = exp(A)``, ``A = L - L^T`` skew-symmetric from ``L = tril(X)``
      (zero-padded to square), first ``n`` columns kept;
    - ``"cayley"``: ``Q = (I - A/2)^{-1} (I + A/2)`` with the same ``A``;
    - ``"householder"``: ``Q = H_1 ... H_n``, reflectors from ``X``'s strictly lower part.

    Default: ``"matrix_exp"`` for square matrices, ``"householder"`` otherwise.  With
    ``use_trivialization=True`` (default) the result is ``base @ Q(X)`` where ``base`` (a
    buffer, ``parametrizations.<name>.0.base``) is set when the weight is assigned: the
    weight's QR ``Q`` factor (``diag(R) >= 0``; the weight itself when already orthogonal),
    completed with random columns when not square, and the original becomes ``-I``, so the
    initial value matches torch's.  With ``use_trivialization=False`` only
    ``"householder"`` can be assigned to (``NotImplementedError`` otherwise; at registration
    the original is then kept as it is).

    Example:
        >>> import nablagrad as torch
        >>> m = torch.nn.utils.parametrizations.orthogonal(torch.nn.Linear(3, 5))
        >>> list(m.state_dict())
        ['bias', 'parametrizations.weight.original', 'parametrizations.weight.0.base']
        >>> Q = m.weight
        >>> bool(torch.allclose(Q.T @ Q, torch.eye(3), atol=1e-5))
        True
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(
            f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions."
        )
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    orth_map = (
        _OrthMaps.__members__.get(orthogonal_map) if isinstance(orthogonal_map, str) else None
    )
    if orth_map is None:
        raise ValueError(
            'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
            f"Got: {orthogonal_map}"
        )
    orth = _Orthogonal(weight, orth_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
