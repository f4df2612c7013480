"""Matrix decompositions and inverses: the primitives behind ``nablagrad.linalg``.

Each primitive works on batches (``(..., m, n)``) and writes its backward with differentiable
operations (``@``, ``swapaxes``, ``self.m.call`` of another primitive), so second derivatives
need no extra code.  Decompositions with several outputs (``Eigh``, ``Svd``, ``Qr``) return one
packed array (each output flattened, concatenated along the last axis) that the wrappers
slice apart; the backward unpacks the incoming gradient the same way (an unused output
contributes zeros).  The formulas are the standard adjoints PyTorch uses:

- ``inv``: ``gA = -X^T g X^T`` (``X = A^-1``);
- ``det``: ``gA = g det(A) A^-T``; ``log|det|``: ``gA = g A^-T``;
- ``solve`` (``X = A^-1 B``): ``gB = A^-T g``, ``gA = -gB X^T``;
- ``cholesky`` (``A = L L^T``): ``gA = sym(L^-T Phi(L^T gL) L^-1)``, ``Phi`` = lower triangle
  with the diagonal halved;
- ``eigh`` (``A = V diag(w) V^T``): ``gA = V (diag(gw) + skew(V^T gV) / 2E) V^T``,
  ``E_ij = w_j - w_i`` (symmetric, as torch's);
- ``svd``: ``gA = U [diag(gS) + (skew(U^T gU) S + S skew(V^T gV)) / E] V^T`` plus the terms
  for the columns outside ``U``/``V`` (``E_ij = S_j^2 - S_i^2``);
- ``qr`` (``m >= n``): ``gA = (gQ + Q copyltu(M)) R^-T``, ``M = R gR^T - gQ^T Q``.
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd.function import Function
from ..backend import get_array_module, np
from ..tensor import Tensor

__all__ = ["LinAlgError", "Inv", "Det", "LogAbsDet", "Solve", "Cholesky", "Eigh", "Svd", "Qr", "Lu"]


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (singular, not positive-definite ...).

    torch.linalg.LinAlgError: a ``RuntimeError``, so ``except RuntimeError`` catches it too.
    """


def _mT(x: Any) -> Any:
    return x.swapaxes(-1, -2)


def _eye_like(x: Any, n: int) -> Any:
    """An identity matrix in ``x``'s array namespace and dtype (a constant for formulas)."""
    raw = x._data if hasattr(x, "_data") else x
    return get_array_module(raw).eye(n, dtype=raw.dtype)


def _tril_ones(x: Any, n: int, k: int = 0) -> Any:
    raw = x._data if hasattr(x, "_data") else x
    xp = get_array_module(raw)
    return xp.tril(xp.ones((n, n), dtype=raw.dtype), k)


def _unsq(x: Any, n: int = 1) -> Any:
    return x.reshape(tuple(x.shape) + (1,) * n)


def _pack(xp: Any, batch: tuple, parts: list) -> Any:
    return xp.concatenate(
        [p.reshape(batch + (math.prod(p.shape[len(batch) :]),)) for p in parts], axis=-1
    )


def unpack(x: Any, batch: tuple, shapes: list) -> list:
    """Split a packed array or Tensor (last axis) into pieces of the given (non-batch) shapes."""
    out, i = [], 0
    for s in shapes:
        n = math.prod(s)
        out.append(x[..., i : i + n].reshape(batch + tuple(s)))
        i += n
    return out


def _singular(name: str) -> LinAlgError:
    return LinAlgError(
        f"{name}: The diagonal element is zero, the inversion could not be completed because "
        "the input matrix is singular (check its rank, or use linalg.pinv / linalg.lstsq)"
    )


class Inv(Function):
    """X = A^-1.  gA = -X^T g X^T."""

    saved = ("out",)

    def forward(self, a, name="linalg.inv"):
        try:
            return get_array_module(a).linalg.inv(a)
        except np.linalg.LinAlgError:
            raise _singular(name) from None

    def backward(self, g, out, a):
        xt = _mT(out)
        return (-(xt @ g @ xt),)


class Det(Function):
    """det(A).  gA = g det(A) A^-T; for ill-conditioned A the same cofactor matrix from the
    SVD, ``det(U) det(Vh) U diag(prod_{j != i} S_j) Vh``; where det(A) is exactly 0, zero (as
    torch 2.13, whose LU-based gradient vanishes there)."""

    saved = (0, "out")

    def forward(self, a):
        return get_array_module(a).linalg.det(a)

    def backward(self, g, out, a):
        rx = self.m.raw(a)
        xp = get_array_module(rx)
        n = rx.shape[-1]
        with np.errstate(all="ignore"):
            cond = xp.linalg.cond(rx) if n else xp.zeros(rx.shape[:-2])
        if bool((xp.isfinite(cond) & (cond < 0.1 / np.finfo(rx.dtype).eps)).all()):
            inv = self.m.call(Inv, a, name="linalg.det (backward)")
            return (_unsq(g * out, 2) * _mT(inv),)
        batch = tuple(rx.shape[:-2])
        u, s, vh = unpack(self.m.call(Svd, a), batch, Svd.shapes(n, n, False))
        ru, rvh = self.m.raw(u), self.m.raw(vh)
        sign = (xp.linalg.det(ru) * xp.linalg.det(rvh)).astype(rx.dtype)
        eye = _eye_like(a, n)
        others = s.reshape(batch + (1, n)) * (1 - eye) + eye  # row i: S with S_i replaced by 1
        prod = others[..., :, 0]
        for j in range(1, n):
            prod = prod * others[..., :, j]
        cof = (u * prod.reshape(batch + (1, n))) @ vh
        sign = sign * (self.m.raw(out) != 0)  # torch: no gradient where det is exactly 0
        return (_unsq(g * sign, 2) * cof,)


class LogAbsDet(Function):
    """log|det(A)|.  gA = g A^-T."""

    saved = (0,)

    def forward(self, a):
        return get_array_module(a).linalg.slogdet(a)[1]

    def backward(self, g, out, a):
        inv = self.m.call(Inv, a, name="linalg.slogdet (backward)")
        return (_unsq(g, 2) * _mT(inv),)


class Solve(Function):
    """X = A^-1 B (``B``: matrices with ``A``'s batch shape).  gB = A^-T g, gA = -gB X^T."""

    saved = (0, "out")

    def forward(self, a, b, name="linalg.solve"):
        try:
            return get_array_module(a).linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError(
                f"{name}: The solver failed because the input matrix is singular (check its "
                "rank, or use linalg.lstsq for a least-squares solution)"
            ) from None

    def backward(self, g, out, a, b):
        gb = self.m.call(Solve, _mT(a), g)
        ga = -(gb @ _mT(out)) if self.needs(0) else None
        return ga, gb


class CholeskySolve(Function):
    """X = (L L^T)^-1 B from a lower Cholesky factor L (``upper``: (U^T U)^-1 B), by two
    triangular solves that read only L's triangle.  Backward as torch's
    ``cholesky_solve_backward``: gB = (L L^T)^-1 g, and with S = gB X^T + X gB^T,
    gL = -S L (``upper``: -U S).  ``a`` and ``b`` have the same batch shape."""

    saved = (1, "out")

    def forward(self, b, a, upper=False):
        self.upper = upper
        xp = get_array_module(a)
        t = xp.triu(a) if upper else xp.tril(a)
        first, second = (_mT(t), t) if upper else (t, _mT(t))
        try:
            return xp.linalg.solve(second, xp.linalg.solve(first, b))
        except np.linalg.LinAlgError:
            raise _singular("cholesky_solve") from None

    def backward(self, g, out, b, a):
        gb = self.m.call(CholeskySolve, g, a, upper=self.upper)
        ga = None
        if self.needs(1):
            s = gb @ _mT(out)
            s = s + _mT(s)
            ga = -(a @ s) if self.upper else -(s @ a)
        return gb, ga


class Cholesky(Function):
    """Lower factor L of A = L L^T.  gA = sym(L^-T Phi(L^T gL) L^-1)."""

    saved = ("out",)

    def forward(self, a, name="linalg.cholesky"):
        xp = get_array_module(a)
        try:
            return xp.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise LinAlgError(
                f"{name}: The factorization could not be completed because the input is not "
                "positive-definite (make it symmetric positive-definite, e.g. A @ A.mT + "
                "eps * I)"
            ) from None

    def backward(self, g, out, a):
        n = out.shape[-1]
        phi = (_mT(out) @ g) * (_tril_ones(out, n) - 0.5 * _eye_like(out, n))
        linv = self.m.call(Inv, out)
        ga = _mT(linv) @ phi @ linv
        return (0.5 * (ga + _mT(ga)),)


class Eigh(Function):
    """Eigen-decomposition of a symmetric matrix, packed as [w, V]; ``values_only`` packs w."""

    saved = (0, "out")

    def forward(self, a, uplo="L", values_only=False):
        xp = get_array_module(a)
        w, v = xp.linalg.eigh(a, UPLO=uplo)
        self.uplo, self.values_only = uplo, values_only
        return w if values_only else _pack(xp, a.shape[:-2], [w, v])

    def backward(self, g, out, a):
        n = a.shape[-1]
        batch = tuple(a.shape[:-2])
        if self.values_only:  # gA = V diag(gw) V^T, V recomputed differentiably
            out = self.m.call(Eigh, a, uplo=self.uplo)
            gw, gv = g, None
        else:
            gw, gv = unpack(g, batch, [(n,), (n, n)])
        w, v = unpack(out, batch, [(n,), (n, n)])
        eye = _eye_like(a, n)
        inner = _unsq(gw, 1) * eye
        if gv is not None and self.m.raw(gv).any():
            e = w.reshape(batch + (1, n)) - _unsq(w, 1)  # E_ij = w_j - w_i
            vgv = _mT(v) @ gv
            inner = inner + 0.5 * (vgv - _mT(vgv)) / (e + eye) * (1 - eye)  # symmetric gA
        return (v @ inner @ _mT(v),)


class Svd(Function):
    """Singular value decomposition packed as [U, S, Vh]; ``values_only`` packs S alone."""

    saved = (0, "out")

    def forward(self, a, full_matrices=False, values_only=False):
        xp = get_array_module(a)
        self.full, self.values_only = full_matrices and not values_only, values_only
        if values_only:
            return xp.linalg.svd(a, compute_uv=False)
        u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
        return _pack(xp, a.shape[:-2], [u, s, vh])

    @staticmethod
    def shapes(m: int, n: int, full: bool) -> list:
        k = min(m, n)
        return [(m, m if full else k), (k,), (n if full else k, n)]

    def backward(self, g, out, a):
        m, n = a.shape[-2], a.shape[-1]
        k = min(m, n)
        batch = tuple(a.shape[:-2])
        full = self.full
        if self.values_only:  # gA = U diag(gS) Vh, U and Vh recomputed differentiably
            out = self.m.call(Svd, a)
            gu = gvh = None
            gs = g
        else:
            gu, gs, gvh = unpack(g, batch, self.shapes(m, n, full))
        u, s, vh = unpack(out, batch, self.shapes(m, n, full))
        if full:  # only the first k columns of U / rows of Vh depend on A
            u, vh = u[..., :, :k], vh[..., :k, :]
            gu = gu[..., :, :k] if gu is not None else None
            gvh = gvh[..., :k, :] if gvh is not None else None
        use_u = gu is not None and bool(self.m.raw(gu).any())
        use_v = gvh is not None and bool(self.m.raw(gvh).any())
        eye = _eye_like(a, k)
        inner = _unsq(gs, 1) * eye
        if not (use_u or use_v):
            return (u @ inner @ vh,)
        s_row = s.reshape(batch + (1, k))
        s_col = _unsq(s, 1)
        s2 = s * s
        e = s2.reshape(batch + (1, k)) - _unsq(s2, 1) + eye  # E_ij = S_j^2 - S_i^2, diag 1
        off = 0
        if use_u:
            uhgu = _mT(u) @ gu
            off = (uhgu - _mT(uhgu)) * s_row
        if use_v:
            vhgv = vh @ _mT(gvh)
            off = off + s_col * (vhgv - _mT(vhgv))
        inner = inner + off / e * (1 - eye)
        if m > k and use_u:
            gus = gu / s_row
            ga = u @ inner + gus - u @ (_mT(u) @ gus)
            return (ga @ vh,)
        if n > k and use_v:
            sgv = gvh / s_col
            ga = inner @ vh + sgv - (sgv @ _mT(vh)) @ vh
            return (u @ ga,)
        return (u @ inner @ vh,)


class Qr(Function):
    """QR decomposition packed as [Q, R] (``mode`` 'reduced' or 'complete')."""

    saved = (0, "out")

    def forward(self, a, mode="reduced"):
        xp = get_array_module(a)
        q, r = xp.linalg.qr(a, mode="reduced" if mode == "r" else mode)
        self.mode = mode
        return _pack(xp, a.shape[:-2], [q, r])

    @staticmethod
    def shapes(m: int, n: int, mode: str) -> list:
        k = m if mode == "complete" else min(m, n)
        return [(m, k), (k, n)]

    def backward(self, g, out, a):
        m, n = a.shape[-2], a.shape[-1]
        batch = tuple(a.shape[:-2])
        if self.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when "
                "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                "differentiate through linalg.qr."
            )
        if self.mode == "complete" and m > n:
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when "
                "mode='complete' and nrows > ncols: use mode='reduced'"
            )
        gq, gr = unpack(g, batch, self.shapes(m, n, self.mode))
        q, r = unpack(out, batch, self.shapes(m, n, self.mode))
        if m >= n:
            return (self._square_or_tall(q, r, gq, gr, n),)
        # wide: A = [X | Y], X = Q U, Y = Q V
        u = r[..., :, :m]
        gu, gv = gr[..., :, :m], gr[..., :, m:]
        y = a[..., :, m:]
        gx = self._square_or_tall(q, u, gq + y @ _mT(gv), gu, m)
        gy = q @ gv
        return (self.m.call(_CatLast, gx, gy),)

    def _square_or_tall(self, q, r, gq, gr, n):
        mm = r @ _mT(gr) - _mT(gq) @ q
        low = mm * _tril_ones(r, n, -1)
        sym = low + _mT(low) + mm * _eye_like(r, n)  # copyltu(M)
        b = gq + q @ sym
        return _mT(self.m.call(Solve, r, _mT(b)))


class _CatLast(Function):
    """Concatenate two arrays along the last axis (used by Qr's backward)."""

    saved = ()

    def forward(self, x, y):
        self.split = x.shape[-1]
        return get_array_module(x).concatenate([x, y], axis=-1)

    def backward(self, g, out, x, y):
        return g[..., : self.split], g[..., self.split :]


class Lu(Function):
    """LU decomposition with partial pivoting ``A = P L U``, packed as [P, L, U] (P carries no
    gradient).  Backward (k = min(m, n)), as torch's:

    - square: ``gA = P L^-T [tril_-1(L^T gL) + triu(gU U^T)] U^-T``;
    - wide: ``gA = P L^-T [tril_-1(L^T gL - triu(gU) U^T) U1^-T + triu(gU1) | gU2]``;
    - tall: ``gA = P [L1^-T triu(gU U^T - L^T tril_-1(gL)) + tril_-1(gL1) ; gL2] U^-T``.
    """

    saved = ("out",)

    def forward(self, a):
        from ..backend import scipy, to_device, to_host

        xp = get_array_module(a)
        m, n = a.shape[-2], a.shape[-1]
        if a.size == 0:  # torch's shapes, P the identity (SciPy's differ for empty matrices)
            k, batch = min(m, n), a.shape[:-2]
            eye = xp.broadcast_to(xp.eye(m, dtype=a.dtype), batch + (m, m))
            low, up = xp.zeros(batch + (m, k), a.dtype), xp.zeros(batch + (k, n), a.dtype)
            return _pack(xp, batch, [eye, low, up])
        p, low, up = scipy("linalg").lu(to_host(a))
        parts = [to_device(x.astype(a.dtype), "cpu" if xp is np else "cuda") for x in (p, low, up)]
        return _pack(xp, a.shape[:-2], parts)

    @staticmethod
    def shapes(m: int, n: int) -> list:
        k = min(m, n)
        return [(m, m), (m, k), (k, n)]

    def backward(self, g, out, a):
        m, n = a.shape[-2], a.shape[-1]
        k = min(m, n)
        batch = tuple(a.shape[:-2])
        _, gl, gu = unpack(g, batch, self.shapes(m, n))
        p, low, up = unpack(out, batch, self.shapes(m, n))
        p = Tensor._wrap(self.m.raw(p)) if self.m.tensors else p  # a constant
        strict = _tril_ones(a, k, -1)
        upper = 1 - strict
        solve = lambda A, B: self.m.call(Solve, A, B)  # noqa: E731 - A^-1 B
        if m == n:
            inner = (_mT(low) @ gl) * strict + (gu @ _mT(up)) * upper
            x = solve(_mT(low), inner)  # L^-T inner
            return (p @ _mT(solve(up, _mT(x))),)  # ... U^-T
        if m < n:
            u1 = up[..., :, :k]
            inner = (_mT(low) @ gl - (gu * _triu_mask(gu)) @ _mT(up)) * strict
            y = _mT(solve(u1, _mT(inner)))  # tril_-1(...) U1^-T
            y = y + gu[..., :, :k] * upper
            full = self.m.call(_CatLast, y, gu[..., :, k:])
            return (p @ solve(_mT(low), full),)
        l1 = low[..., :k, :]
        inner = (gu @ _mT(up) - _mT(low) @ (gl * _tril_mask(gl, -1))) * upper
        y = solve(_mT(l1), inner)  # L1^-T triu(...)
        y = y + gl[..., :k, :] * strict
        full = _mT(self.m.call(_CatLast, _mT(y), _mT(gl[..., k:, :])))
        return (p @ _mT(solve(up, _mT(full))),)


def _triu_mask(x: Any) -> Any:
    raw = x._data if hasattr(x, "_data") else x
    xp = get_array_module(raw)
    return xp.triu(xp.ones(raw.shape[-2:], dtype=raw.dtype))


def _tril_mask(x: Any, k: int = 0) -> Any:
    raw = x._data if hasattr(x, "_data") else x
    xp = get_array_module(raw)
    return xp.tril(xp.ones(raw.shape[-2:], dtype=raw.dtype), k)
