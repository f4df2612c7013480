"""Factorizations in LAPACK's compact forms, as torch returns them.

- ``geqrf``: QR as Householder reflectors (``a`` holds R on and above the diagonal and the
  reflectors' vectors below it, ``tau`` their scales); ``householder_product``/``orgqr`` build
  ``Q`` from them and ``ormqr`` multiplies by ``Q`` without forming it.  Those two are composed
  of differentiable operations (one rank-1 update per reflector), so their gradients (first
  and second) are the derivatives of the same function torch differentiates;
- ``lu_factor_ex``: ``lu_factor`` with LAPACK's ``info``;
- ``ldl_factor(_ex)`` / ``ldl_solve``: the Bunch-Kaufman factorization of a symmetric matrix
  (LAPACK's ``?sytrf``/``?sytrs`` through SciPy, on the host), in LAPACK's format as torch.

``geqrf``, ``ldl_factor(_ex)`` and ``ldl_solve`` have no derivative in torch: their outputs
carry a node whose backward raises torch's error (``mathfns.NoDerivative``).

Example:
    >>> import nablagrad as torch
    >>> A = torch.tensor([[3.0, 1.0], [4.0, 2.0]])
    >>> a, tau = torch.geqrf(A)
    >>> torch.linalg.householder_product(a, tau) @ a.triu()
    tensor([[3.0000, 1.0000],
            [4.0000, 2.0000]])
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..backend import get_array_module, np, scipy, to_device, to_host
from ..tensor import Tensor
from . import elementwise as ew
from .decomp import LinAlgError
from .mathfns import NoDerivative

__all__ = [
    "GeqrfResult",
    "LUFactorExResult",
    "LDLFactorResult",
    "LDLFactorExResult",
    "geqrf",
    "householder_product",
    "orgqr",
    "ormqr",
    "lu_factor_ex",
    "ldl_factor",
    "ldl_factor_ex",
    "ldl_solve",
]


class GeqrfResult(NamedTuple):
    a: Tensor
    tau: Tensor


class LUFactorExResult(NamedTuple):
    LU: Tensor
    pivots: Tensor
    info: Tensor


class LDLFactorResult(NamedTuple):
    LD: Tensor
    pivots: Tensor


class LDLFactorExResult(NamedTuple):
    LD: Tensor
    pivots: Tensor
    info: Tensor


def _no_derivative(x: Tensor, value: Any, error: type, message: str) -> Tensor:
    """``value`` as an output of ``x`` whose backward raises ``error(message)`` (torch records
    such outputs and refuses at ``backward()``)."""
    return NoDerivative.apply(x, value=value, error=error, message=message)


def _dtype_name(x: Tensor) -> str:
    names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long"}
    names.update({"int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte"})
    return names.get(str(x._data.dtype), "Bool" if x._data.dtype.kind == "b" else "?")


def _check_float(name: str, x: Any, cpu_name: str | None = None) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): expected a Tensor, got {type(x).__name__}")
    if x._data.dtype.kind != "f":
        if cpu_name is not None:  # torch's dispatch error for the LAPACK kernels
            raise NotImplementedError(
                f"\"{cpu_name}\" not implemented for '{_dtype_name(x)}' (convert with .double())"
            )
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got "
            f"{_dtype_name(x)} (convert it with .float() or .double())"
        )
    return x


def _host_dev(x: Tensor) -> str:
    return "cpu" if get_array_module(x._data) is np else "cuda"


# -- Householder reflectors ---------------------------------------------------------------------


def geqrf(input: Tensor, *, out: Any = None) -> GeqrfResult:  # noqa: A002
    """QR in LAPACK's ``?geqrf`` form: ``A = Q R`` with ``Q = H_1 ... H_k`` (``k = min(m, n)``),
    ``H_i = I - tau_i v_i v_i^T``, ``v_i = (0, ..., 0, 1, a[i+1:, i])``; ``a`` holds R on and
    above the diagonal.  No derivative (as torch).

    Example:
        >>> import nablagrad as torch
        >>> a, tau = torch.geqrf(torch.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> a
        tensor([[-5.0000, -2.2000],
                [ 0.5000,  0.4000]])
        >>> tau
        tensor([1.6000, 0.0000])
    """
    _check_float("torch.geqrf", input, "geqrf_cpu")
    if input.ndim < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    A = input._data
    xp = get_array_module(A)
    m, n = A.shape[-2], A.shape[-1]
    k = min(m, n)
    if A.size == 0:
        a, tau = A.copy(), xp.zeros(A.shape[:-2] + (k,), dtype=A.dtype)
    else:
        if xp is np or A.ndim == 2:
            h, tau = xp.linalg.qr(A, mode="raw")  # LAPACK's ?geqrf, the matrix transposed
        else:  # CuPy's raw mode takes one matrix at a time
            flat = A.reshape((-1, m, n))
            pairs = [xp.linalg.qr(flat[i], mode="raw") for i in range(flat.shape[0])]
            h = xp.stack([p[0] for p in pairs]).reshape(A.shape[:-2] + (n, m))
            tau = xp.stack([p[1] for p in pairs]).reshape(A.shape[:-2] + (k,))
        a = xp.ascontiguousarray(xp.swapaxes(h, -1, -2)).astype(A.dtype, copy=False)
        tau = tau.astype(A.dtype, copy=False)
    msg = "the derivative for 'geqrf' is not implemented."
    res = GeqrfResult(
        _no_derivative(input, a, NotImplementedError, msg),
        _no_derivative(input, tau, NotImplementedError, msg),
    )
    if out is not None:
        for o, r in zip(out, res):
            o.copy_(r)
        return out
    return res


def _reflectors(name: str, A: Tensor, tau: Tensor) -> None:
    if A.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(
            f"{name}: Expected tau to have one dimension less than input, but got tau.ndim "
            f"equal to {tau.ndim} and input.ndim is equal to {A.ndim}"
        )
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(
            f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but "
            f"got {list(tau.shape[:-1])}"
        )
    if tau._data.dtype != A._data.dtype:
        raise RuntimeError(
            f"{name}: tau dtype {_dtype_name(tau)} does not match input dtype {_dtype_name(A)}"
        )


def _apply_q(A: Tensor, tau: Tensor, C: Tensor, left: bool, transpose: bool) -> Tensor:
    """``op(Q) C`` (``left``) or ``C op(Q)``, ``Q = H_1 ... H_k`` from ``A``'s columns and
    ``tau``, one rank-1 update ``C - tau_i v_i (v_i^T C)`` per reflector (differentiable)."""
    xp = get_array_module(A._data)
    m = A.shape[-2]
    k = tau.shape[-1]
    rows = xp.arange(m)
    # Q C = H_1 (H_2 (... H_k C)); Q^T C = H_k ... H_1 C; C Q = C H_1 ... H_k
    forward = left == transpose
    for i in range(k) if forward else range(k - 1, -1, -1):
        unit = Tensor._wrap((rows == i).astype(A._data.dtype))
        v = ew.where(Tensor._wrap(rows > i), A[..., :, i], unit)  # (..., m)
        t = tau[..., i : i + 1].unsqueeze(-1)  # (..., 1, 1)
        if left:
            C = C - (t * v.unsqueeze(-1)) * (v.unsqueeze(-2) @ C)
        else:
            C = C - (C @ v.unsqueeze(-1)) * (t * v.unsqueeze(-2))
    return C


def householder_product(A: Tensor, tau: Tensor, *, out: Any = None) -> Tensor:
    """The first ``n`` columns of ``Q = H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^T`` with
    ``v_i = (0, ..., 0, 1, A[i+1:, i])`` (LAPACK's ``?orgqr``); ``A`` is ``m x n`` with
    ``m >= n >= k = tau.size(-1)``.  Differentiable in ``A`` (below the diagonal) and ``tau``.

    Example:
        >>> import nablagrad as torch
        >>> A = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
        >>> torch.linalg.householder_product(A, torch.tensor([1.0, 0.0]))
        tensor([[ 0., -1.],
                [-1.,  0.],
                [ 0.,  0.]])
    """
    name = "torch.linalg.householder_product"
    _check_float(name, A, "orgqr_cpu")
    _reflectors(name, A, tau)
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise RuntimeError(
            f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]"
        )
    if tau.shape[-1] > n:
        raise RuntimeError(
            f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]"
        )
    xp = get_array_module(A._data)
    eye = xp.broadcast_to(xp.eye(m, n, dtype=A._data.dtype), tuple(A.shape[:-2]) + (m, n))
    # where(False, A, I): I, connected to A (zero gradient) even when there is no reflector
    start = ew.where(Tensor._wrap(xp.zeros((), dtype=bool)), A, Tensor._wrap(eye))
    Q = _apply_q(A, tau, start, left=True, transpose=False)
    if out is not None:
        return out.copy_(Q)
    return Q


def orgqr(input: Tensor, tau: Tensor) -> Tensor:  # noqa: A002
    """torch.orgqr: ``householder_product(input, tau)`` (``Q``'s first ``n`` columns from
    ``geqrf``'s reflectors).

    Example:
        >>> import nablagrad as torch
        >>> a, tau = torch.geqrf(torch.tensor([[3.0, 1.0], [4.0, 2.0]]))
        >>> torch.orgqr(a, tau)
        tensor([[-0.6000, -0.8000],
                [-0.8000,  0.6000]])
    """
    return householder_product(input, tau)


def ormqr(
    input: Tensor,  # noqa: A002
    input2: Tensor,
    input3: Tensor,
    left: bool = True,
    transpose: bool = False,
    *,
    out: Any = None,
) -> Tensor:
    """``op(Q) C`` (``left``) or ``C op(Q)``, ``op(Q) = Q^T`` when ``transpose``, where ``Q =
    H_1 ... H_k`` is the full ``mn x mn`` product of the reflectors in ``input`` (``mn x *``)
    and ``tau = input2``, and ``C = input3`` (LAPACK's ``?ormqr``).  Differentiable.

    Example:
        >>> import nablagrad as torch
        >>> A = torch.tensor([[3.0, 1.0], [4.0, 2.0]])
        >>> a, tau = torch.geqrf(A)
        >>> torch.ormqr(a, tau, A, transpose=True)  # Q^T A = R
        tensor([[-5.0000, -2.2000],
                [ 0.0000,  0.4000]])
    """
    name = "torch.ormqr"
    tau, other = input2, input3
    _check_float(name, input, "ormqr_cpu")
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if not isinstance(other, Tensor) or other.ndim < 2:
        raise RuntimeError(f"{name}: other must have at least 2 dimensions.")
    side = -2 if left else -1
    mn = other.shape[side]
    if tau.ndim != input.ndim - 1:
        raise RuntimeError(
            f"{name}: Expected tau to have one dimension less than input, but got tau.ndim "
            f"equal to {tau.ndim} and input.ndim is equal to {input.ndim}"
        )
    if other.ndim != input.ndim:
        raise RuntimeError(
            f"{name}: Expected other to have the same number of dimensions as input, but got "
            f"other.ndim equal to {other.ndim} and input.ndim is equal to {input.ndim}"
        )
    if mn != input.shape[-2]:
        raise RuntimeError(f"{name}: other.shape[{side}] must be equal to input.shape[-2]")
    if tau.shape[-1] != min(mn, input.shape[-1]):
        raise RuntimeError(
            f"{name}: tau.shape[-1] must be equal to min(other.shape[{side}], input.shape[-1])"
        )
    for what, t in (("tau", tau), ("other", other)):
        cut = -1 if what == "tau" else -2
        if tuple(t.shape[:cut]) != tuple(input.shape[:-2]):
            raise RuntimeError(
                f"{name}: Expected batch dimensions of {what} to be equal to input.shape[:-2], "
                f"but got {list(t.shape[:cut])}"
            )
        if t._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"{name}: Expected input and {what} to have the same dtype, but input has dtype"
                f"{_dtype_name(input)} and {what} has dtype {_dtype_name(t)}"
            )
    res = _apply_q(input, tau, other, left=left, transpose=transpose)
    if out is not None:
        return out.copy_(res)
    return res


# -- LU with info -------------------------------------------------------------------------------


def lu_factor_ex(
    A: Tensor, *, pivot: bool = True, check_errors: bool = False, out: Any = None
) -> LUFactorExResult:
    """``lu_factor`` (LAPACK's compact ``LU`` and 1-based ``pivots``) and ``info``: 0, or the
    1-based index ``i`` of the first ``U[i, i] == 0`` (the factorization is still returned);
    ``check_errors=True`` raises instead.  Differentiable in ``LU`` (as ``linalg.lu``).

    Example:
        >>> import nablagrad as torch
        >>> torch.linalg.lu_factor_ex(torch.tensor([[1.0, 2.0], [2.0, 4.0]])).info
        tensor(2, dtype=nablagrad.int32)
    """
    from .linalg_fns import _lu_factor_info

    LU, pivots, info = _lu_factor_info("torch.linalg.lu_factor_ex", A, pivot, check_errors)
    res = LUFactorExResult(LU, pivots, info)
    if out is not None:
        for o, r in zip(out, res):
            o.copy_(r)
        return out
    return res


# -- LDL^T (Bunch-Kaufman) ----------------------------------------------------------------------


def _sytrf(name: str, A: Tensor, hermitian: bool) -> tuple:
    _check_float(name, A)
    if A.ndim < 2:
        raise RuntimeError(
            f"{name}: The input tensor A must have at least 2 dimensions (got {A.ndim})"
        )
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, but they are {A.shape[-2]} by "
            f"{A.shape[-1]} matrices"
        )
    del hermitian  # real matrices: symmetric and Hermitian are the same factorization
    a = to_host(A._data)
    n = a.shape[-1]
    batch = a.shape[:-2]
    flat = a.reshape((-1, n, n))
    ld = np.zeros_like(flat)
    piv = np.zeros((flat.shape[0], n), dtype=np.int32)
    info = np.zeros(flat.shape[0], dtype=np.int32)
    if n:
        lapack = scipy("linalg.lapack")
        sytrf = lapack.get_lapack_funcs("sytrf", (flat,))
        for b in range(flat.shape[0]):
            f, p, i = sytrf(flat[b], lower=1)
            ld[b], piv[b], info[b] = np.tril(f), p, i
    dev = _host_dev(A)
    ld_t = to_device(ld.reshape(a.shape), dev)
    piv_t = to_device(piv.reshape(batch + (n,)), dev)
    info_t = to_device(info.reshape(batch), dev)
    return ld_t, piv_t, info_t


def ldl_factor_ex(
    A: Tensor,
    *,
    hermitian: bool = False,
    check_errors: bool = False,
    out: Any = None,
) -> LDLFactorExResult:
    """``A = P L D L^T P^T`` for a symmetric ``A`` (its lower triangle is read), in LAPACK's
    ``?sytrf`` form (Bunch-Kaufman pivoting): ``LD`` holds ``L`` (unit diagonal implied) below
    the diagonal and the 1x1 and 2x2 blocks of ``D`` on it (zeros above); ``pivots`` (int32,
    1-based) are the interchanges, negative pairs marking a 2x2 block; ``info > 0`` when
    ``D[info, info]`` is exactly zero (``check_errors=True`` raises).  No derivative (as torch).

    Example:
        >>> import nablagrad as torch
        >>> A = torch.tensor([[4.0, 2.0], [2.0, 3.0]])
        >>> LD, pivots, info = torch.linalg.ldl_factor_ex(A)
        >>> LD
        tensor([[4.0000, 0.0000],
                [0.5000, 2.0000]])
        >>> pivots.tolist(), info.item()
        ([1, 2], 0)
    """
    name = "torch.linalg.ldl_factor_ex"
    ld, piv, info = _sytrf(name, A, hermitian)
    if check_errors and bool((info > 0).any()):
        bad = int(info.max())
        raise LinAlgError(
            f"{name}: The factorization could not be completed because the input is singular: "
            f"D[{bad},{bad}] is exactly zero (use check_errors=False to get info)"
        )
    msg = "derivative for aten::linalg_ldl_factor_ex is not implemented"
    res = LDLFactorExResult(
        _no_derivative(A, ld.astype(A._data.dtype, copy=False), RuntimeError, msg),
        Tensor._wrap(piv),
        Tensor._wrap(info),
    )
    if out is not None:
        for o, r in zip(out, res):
            o.copy_(r)
        return out
    return res


def ldl_factor(A: Tensor, *, hermitian: bool = False, out: Any = None) -> LDLFactorResult:
    """``ldl_factor_ex(A)`` without ``info``; raises when ``A`` is singular (a zero pivot in
    ``D``).  ``A = P L D L^T P^T`` in LAPACK's ``?sytrf`` form.

    Example:
        >>> import nablagrad as torch
        >>> LD, pivots = torch.linalg.ldl_factor(torch.tensor([[4.0, 2.0], [2.0, 3.0]]))
        >>> LD
        tensor([[4.0000, 0.0000],
                [0.5000, 2.0000]])
    """
    ld, piv, info = _sytrf("torch.linalg.ldl_factor", A, hermitian)
    if bool((info > 0).any()):
        bad = int(info.max())
        raise LinAlgError(
            f"torch.linalg.ldl_factor: The factorization could not be completed because the "
            f"input is singular: D[{bad},{bad}] is exactly zero (ldl_factor_ex returns it)"
        )
    msg = "derivative for aten::linalg_ldl_factor_ex is not implemented"
    res = LDLFactorResult(
        _no_derivative(A, ld.astype(A._data.dtype, copy=False), RuntimeError, msg),
        Tensor._wrap(piv),
    )
    if out is not None:
        for o, r in zip(out, res):
            o.copy_(r)
        return out
    return res


def ldl_solve(
    LD: Tensor,  # noqa: N803
    pivots: Tensor,
    B: Tensor,  # noqa: N803
    *,
    hermitian: bool = False,
    out: Any = None,
) -> Tensor:
    """X with ``A X = B`` from ``ldl_factor``'s ``(LD, pivots)`` (LAPACK's ``?sytrs``), for
    matrices ``B`` (``n x k``, batches broadcast).  No derivative (as torch).

    Example:
        >>> import nablagrad as torch
        >>> A = torch.tensor([[4.0, 2.0], [2.0, 3.0]])
        >>> LD, pivots = torch.linalg.ldl_factor(A)
        >>> torch.linalg.ldl_solve(LD, pivots, torch.tensor([[2.0], [1.0]]))
        tensor([[0.5000],
                [0.0000]])
    """
    name = "torch.linalg.ldl_solve"
    _check_float(name, LD)
    if LD.ndim < 2 or LD.shape[-1] != LD.shape[-2]:
        raise RuntimeError(
            f"{name}: LD must be batches of square matrices, got shape {tuple(LD.shape)}"
        )
    if not isinstance(B, Tensor) or B.ndim < 2:
        got = B.ndim if isinstance(B, Tensor) else type(B).__name__
        raise IndexError(
            f"Dimension out of range (expected to be in range of [-1, 0], but got -2): {name} "
            f"needs B as a matrix (n x k), got {got} dimension(s); use B.unsqueeze(-1)"
        )
    if not isinstance(pivots, Tensor) or pivots._data.dtype.kind not in "iu":
        raise RuntimeError(f"{name}: Expected pivots to be integers (int32, as ldl_factor gives)")
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(
            f"{name}: Expected LD.shape[:-1] and pivots.shape to be the same, but got pivots "
            f"with shape {list(pivots.shape)} instead"
        )
    n = LD.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(
            f"Incompatible matrix sizes for {name}: each A matrix is {n} by {n} but each b "
            f"matrix is {B.shape[-2]} by {B.shape[-1]}"
        )
    if B._data.dtype != LD._data.dtype:
        raise RuntimeError(
            f"Expected b and A to have the same dtype, but found b of type {_dtype_name(B)} and "
            f"A of type {_dtype_name(LD)} instead."
        )
    del hermitian
    ld, piv, b = to_host(LD._data), to_host(pivots._data), to_host(B._data)
    batch = np.broadcast_shapes(ld.shape[:-2], b.shape[:-2])
    ld = np.broadcast_to(ld, batch + ld.shape[-2:]).reshape((-1, n, n))
    piv = np.broadcast_to(piv, batch + piv.shape[-1:]).reshape((-1, n)).astype(np.int32)
    b2 = np.broadcast_to(b, batch + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
    x = np.zeros_like(b2)
    if n and b2.shape[-1]:
        sytrs = scipy("linalg.lapack").get_lapack_funcs("sytrs", (ld,))
        for i in range(ld.shape[0]):
            x[i], info = sytrs(ld[i], piv[i], b2[i], lower=1)
            if info < 0:  # pragma: no cover - argument errors are caught above
                raise RuntimeError(f"{name}: LAPACK ?sytrs rejected argument {-info}")
    x = to_device(x.reshape(batch + b.shape[-2:]), _host_dev(B))
    msg = "derivative for aten::linalg_ldl_solve is not implemented"
    res = _no_derivative(B, x, RuntimeError, msg)
    if LD.requires_grad and not B.requires_grad:
        res = _no_derivative(LD, x, RuntimeError, msg)
    if out is not None:
        return out.copy_(res)
    return res
