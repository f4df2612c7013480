# ruff: noqa: E501 - one case per line
"""torch.linalg (nablagrad.linalg) and the top-level linear-algebra aliases against torch:
forward values, gradients and second derivatives, float32 and float64, batched inputs.

Decompositions whose factors have a sign freedom (eigh, svd, qr) are compared through
functions that do not depend on it (reconstructions, |U|, V diag(f(w)) V^T)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import check_op

import nablagrad as ng
import nablagrad.linalg as ngl

DTYPES = [np.float32, np.float64]
TOL = {np.float32: {"atol": 2e-4, "rtol": 2e-3}, np.float64: {"atol": 1e-8, "rtol": 1e-7}}


def _lib(L):
    return L.linalg


def well(L, x):
    """A well-conditioned square matrix (batch) made from x."""
    n = x.shape[-1]
    return x + n * L.eye(n, dtype=x.dtype)


def spd(L, x):
    n = x.shape[-1]
    return x @ x.mT + n * L.eye(n, dtype=x.dtype)


def sym(L, x):
    return x + x.mT


def run(fn, shapes, dtype, second=True, **kw):
    tol = {**TOL[dtype], **kw}
    check_op(lambda *a: fn(ng, *a), lambda *a: fn(torch, *a), shapes, dtype=dtype,
             second_order=second, **tol)  # fmt: skip


CASES = {
    "inv": (lambda L, x: L.linalg.inv(well(L, x)), [(2, 3, 3)]),
    "inv_ex": (lambda L, x: L.linalg.inv_ex(well(L, x)).inverse, [(3, 3)]),
    "det": (lambda L, x: L.linalg.det(well(L, x)), [(2, 3, 3)]),
    "det_plain": (lambda L, x: L.linalg.det(x), [(4, 4)]),
    "slogdet": (lambda L, x: L.linalg.slogdet(x), [(2, 4, 4)]),
    "logdet": (lambda L, x: L.logdet(spd(L, x)), [(3, 3)]),
    "solve": (lambda L, a, b: L.linalg.solve(well(L, a), b), [(2, 3, 3), (2, 3, 2)]),
    "solve_vec": (lambda L, a, b: L.linalg.solve(well(L, a), b), [(2, 3, 3), (2, 3)]),
    "solve_bcast": (lambda L, a, b: L.linalg.solve(well(L, a), b), [(3, 3), (2, 3, 2)]),
    "solve_right": (lambda L, a, b: L.linalg.solve(well(L, a), b, left=False), [(3, 3), (2, 3)]),
    "solve_ex": (lambda L, a, b: L.linalg.solve_ex(well(L, a), b).result, [(3, 3), (3, 2)]),
    "solve_tri_lower": (
        lambda L, a, b: L.linalg.solve_triangular(well(L, a), b, upper=False), [(3, 3), (3, 2)]
    ),
    "solve_tri_upper_right_unit": (
        lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True, left=False, unitriangular=True),
        [(3, 3), (2, 3)],
    ),
    "cholesky": (lambda L, x: L.linalg.cholesky(spd(L, x)), [(2, 3, 3)]),
    "cholesky_upper": (lambda L, x: L.linalg.cholesky(spd(L, x), upper=True), [(3, 3)]),
    "cholesky_ex": (lambda L, x: L.linalg.cholesky_ex(spd(L, x)).L, [(3, 3)]),
    "eigvalsh": (lambda L, x: L.linalg.eigvalsh(sym(L, x)), [(2, 4, 4)]),
    "eigh_recon": (
        lambda L, x: (lambda w, v: (v * w.exp().unsqueeze(-2)) @ v.mT)(*L.linalg.eigh(sym(L, x))),
        [(2, 3, 3)],
    ),
    "eigh_abs_vectors": (lambda L, x: L.linalg.eigh(sym(L, x)).eigenvectors.abs(), [(3, 3)]),
    "eigh_upper": (lambda L, x: L.linalg.eigh(x, UPLO="U").eigenvalues, [(3, 3)]),
    "svdvals": (lambda L, x: L.linalg.svdvals(x), [(2, 4, 3)]),
    "svd_tall": (lambda L, x: [t.abs() for t in L.linalg.svd(x, full_matrices=False)], [(4, 3)]),
    "svd_wide": (lambda L, x: [t.abs() for t in L.linalg.svd(x, full_matrices=False)], [(2, 3, 5)]),
    "svd_uvh": (lambda L, x: (lambda u, s, vh: u @ vh)(*L.linalg.svd(x, full_matrices=False)), [(4, 3)]),
    "svd_full_S": (lambda L, x: L.linalg.svd(x).S, [(4, 3)]),
    # full_matrices: the extra columns of U (rows of Vh) are any basis of the complement
    "svd_full_uv": (lambda L, x: (lambda u, s, vh: [u[..., :3].abs(), s, vh.abs()])(*L.linalg.svd(x)), [(2, 4, 3)]),
    "svd_full_wide": (lambda L, x: (lambda u, s, vh: [u.abs(), s, vh[:3].abs()])(*L.linalg.svd(x)), [(3, 5)]),
    "matrix_norm_eye": (lambda L, x: L.linalg.matrix_norm(x * 0 + L.eye(3, dtype=x.dtype), 2), [(3, 3)]),
    "torch_svd": (lambda L, x: [t.abs() for t in L.svd(x)], [(4, 3)]),
    "qr_tall": (lambda L, x: L.linalg.qr(x), [(2, 5, 3)]),
    "qr_square": (lambda L, x: L.linalg.qr(x), [(3, 3)]),
    "qr_wide": (lambda L, x: L.linalg.qr(x), [(3, 5)]),
    "qr_complete_wide": (lambda L, x: L.linalg.qr(x, mode="complete"), [(3, 4)]),
    "qr_r": (lambda L, x: L.linalg.qr(x.detach(), mode="r").R, [(4, 3)]),
    "torch_qr": (lambda L, x: L.qr(x), [(4, 3)]),
    "pinv_tall": (lambda L, x: L.linalg.pinv(x), [(5, 3)]),
    "pinv_wide_batched": (lambda L, x: L.linalg.pinv(x), [(2, 3, 4)]),
    "pinv_hermitian": (lambda L, x: L.linalg.pinv(spd(L, x), hermitian=True), [(3, 3)]),
    "pinverse": (lambda L, x: L.pinverse(x), [(4, 3)]),
    "lstsq": (lambda L, a, b: L.linalg.lstsq(a, b).solution, [(5, 3), (5, 2)]),
    "lstsq_vec_batched": (lambda L, a, b: L.linalg.lstsq(a, b).solution, [(2, 5, 3), (2, 5)]),
    "matrix_power": (lambda L, x: L.linalg.matrix_power(x, 5), [(2, 3, 3)]),
    "matrix_power_neg": (lambda L, x: L.linalg.matrix_power(well(L, x), -2), [(3, 3)]),
    "matrix_power_0": (lambda L, x: L.linalg.matrix_power(x, 0), [(2, 3, 3)]),
    "matrix_exp": (lambda L, x: L.linalg.matrix_exp(x), [(2, 3, 3)]),
    "matrix_exp_big": (lambda L, x: L.linalg.matrix_exp(3 * x), [(4, 4)]),
    "multi_dot": (lambda L, a, b, c: L.linalg.multi_dot([a, b, c]), [(3,), (3, 4), (4,)]),
    "multi_dot_mats": (lambda L, a, b, c: L.linalg.multi_dot([a, b, c]), [(2, 3), (3, 4), (4, 2)]),
    "cross": (lambda L, a, b: L.linalg.cross(a, b), [(2, 4, 3), (1, 4, 3)]),
    "vecdot": (lambda L, a, b: L.linalg.vecdot(a, b, dim=0), [(3, 4), (3, 1)]),
    "diagonal": (lambda L, x: L.linalg.diagonal(x, offset=1), [(2, 3, 4)]),
    "matmul": (lambda L, a, b: L.linalg.matmul(a, b), [(2, 3, 4), (4, 2)]),
    "vander": (lambda L, x: L.linalg.vander(x, N=4), [(2, 3)]),
    "torch_vander": (lambda L, x: L.vander(x, 3) + L.vander(x, increasing=True)[:, :3], [(3,)]),
    "cond": (lambda L, x: L.linalg.cond(well(L, x)), [(2, 3, 3)]),
    "cond_fro": (lambda L, x: L.linalg.cond(well(L, x), "fro"), [(3, 3)]),
    "cond_inf": (lambda L, x: L.linalg.cond(well(L, x), float("inf")), [(3, 3)]),
    "cholesky_solve": (lambda L, x, b: L.cholesky_solve(b, L.linalg.cholesky(spd(L, x))), [(3, 3), (3, 2)]),
    "cholesky_solve_upper": (
        lambda L, x, b: L.cholesky_solve(b, L.linalg.cholesky(spd(L, x), upper=True), upper=True),
        [(2, 3, 3), (2, 3, 2)],
    ),
    "cholesky_inverse": (lambda L, x: L.cholesky_inverse(L.linalg.cholesky(spd(L, x))), [(3, 3)]),
    "torch_cholesky": (lambda L, x: L.cholesky(spd(L, x)), [(3, 3)]),
    "inverse": (lambda L, x: L.inverse(well(L, x)), [(3, 3)]),
    "lu_square": (lambda L, x: L.linalg.lu(x)[1:], [(2, 4, 4)]),
    "lu_wide": (lambda L, x: L.linalg.lu(x)[1:], [(3, 5)]),
    "lu_tall": (lambda L, x: L.linalg.lu(x)[1:], [(2, 5, 3)]),
    "lu_factor": (lambda L, x: L.linalg.lu_factor(x).LU, [(4, 4)]),
    "lu_factor_tall": (lambda L, x: L.linalg.lu_factor(x).LU, [(5, 3)]),
    "lu_solve": (lambda L, x, b: (lambda f: L.linalg.lu_solve(f.LU, f.pivots, b))(L.linalg.lu_factor(well(L, x))), [(3, 3), (3, 2)]),
    "lu_solve_adjoint_right": (lambda L, x, b: (lambda f: L.linalg.lu_solve(f.LU, f.pivots, b, left=False, adjoint=True))(L.linalg.lu_factor(well(L, x))), [(3, 3), (2, 3)]),
    "torch_lu_unpack": (lambda L, x: L.lu_unpack(*L.linalg.lu_factor(x)), [(2, 4, 3)]),
    "torch_lu_solve": (lambda L, x, b: L.lu_solve(b, *L.lu(well(L, x))), [(3, 3), (3, 2)]),
    "tensorinv": (lambda L, x: L.linalg.tensorinv(well(L, x).reshape(3, 2, 6), ind=2), [(6, 6)]),
    "tensorsolve": (lambda L, x, b: L.linalg.tensorsolve(well(L, x).reshape(2, 3, 6), b), [(6, 6), (2, 3)]),
}  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_linalg_against_torch(name, dtype):
    fn, shapes = CASES[name]
    if name in TORCH_BACKWARD_FAILS:  # forward against torch, gradients by finite differences
        run(fn, shapes, dtype, grad=False)
        xs = [
            ng.tensor(np.random.default_rng(0).uniform(-1, 1, s), requires_grad=True)
            for s in shapes
        ]
        assert ng.autograd.gradcheck(lambda *a: fn(ng, *a), xs)
        return
    # matrix_norm_eye: repeated singular values; torch's second derivative is NaN there
    run(fn, shapes, dtype, second=name not in ("qr_r", "matrix_norm_eye"))


# torch 2.13's own backward raises here (an in-place change inside its formulas)
TORCH_BACKWARD_FAILS = {"cond_fro", "cond_inf", "torch_vander"}


NORMS = [
    ("fro", (-2, -1)), ("nuc", (-2, -1)), (float("inf"), (-2, -1)), (-float("inf"), (1, 0)),
    (1, (-2, -1)), (-1, (0, 2)), (2, (-2, -1)), (-2, (2, 1)),
]  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("ord_dim", NORMS, ids=[str(o) + str(d) for o, d in NORMS])
def test_matrix_norm(ord_dim, keepdim, dtype):
    o, d = ord_dim
    run(lambda L, x: L.linalg.matrix_norm(x, o, d, keepdim), [(3, 4, 5)], dtype)


VNORMS = [2, 1, 3.5, float("inf"), -float("inf"), 0, -1]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("ord", VNORMS)
def test_vector_norm(ord, dtype):
    run(lambda L, x: L.linalg.vector_norm(x, ord, dim=(0, 2), keepdim=True), [(3, 4, 2)], dtype,
        second=ord != 0)  # fmt: skip
    run(lambda L, x: L.linalg.vector_norm(x, ord), [(3, 4)], dtype, second=ord != 0)


@pytest.mark.parametrize(
    "args",
    [{}, {"ord": 1}, {"ord": "nuc"}, {"dim": 1}, {"dim": (0, 1), "ord": -2}, {"ord": 3, "dim": 0}],
)
def test_norm_dispatch(args):
    run(lambda L, x: L.linalg.norm(x, **args), [(3, 4)], np.float64)


def test_vector_norm_dtype_argument_and_int_refused():
    x = ng.arange(4)
    assert ngl.vector_norm(x, dtype=ng.float64).dtype == ng.float64
    with pytest.raises(RuntimeError, match="Expected a floating point"):
        ngl.vector_norm(x)
    with pytest.raises(RuntimeError, match="Expected a floating point"):
        ngl.inv(ng.eye(2).long())


def test_matrix_rank_and_lstsq_fields():
    a = np.random.default_rng(0).normal(size=(2, 5, 3))
    a[1, :, 2] = a[1, :, 0]  # rank 2
    for kw in [{}, {"hermitian": False, "atol": 0.5}, {"rtol": 0.3}]:
        ours = ngl.matrix_rank(ng.tensor(a), **kw)
        ref = torch.linalg.matrix_rank(torch.tensor(a), **kw)
        assert ours.dtype == ng.int64 and ours.tolist() == ref.tolist()
    h = a[0].T @ a[0]
    assert ngl.matrix_rank(ng.tensor(h), hermitian=True).item() == 3
    b = np.random.default_rng(1).normal(size=(2, 5, 2))
    for driver in [None, "gels", "gelsy", "gelsd", "gelss"]:
        ours = ngl.lstsq(ng.tensor(a[:1]), ng.tensor(b[:1]), driver=driver)
        ref = torch.linalg.lstsq(torch.tensor(a[:1]), torch.tensor(b[:1]), driver=driver)
        for o, r in zip(ours, ref):
            assert tuple(o.shape) == tuple(r.shape), (driver, o.shape, r.shape)
            np.testing.assert_allclose(o.numpy(), r.numpy(), rtol=1e-6, atol=1e-8)


def test_errors_match_torch():
    sing = ng.zeros(2, 2)
    with pytest.raises(ngl.LinAlgError, match="singular"):
        ngl.inv(sing)
    assert issubclass(ngl.LinAlgError, RuntimeError)
    with pytest.raises(RuntimeError, match="positive-definite"):
        ngl.cholesky(-ng.eye(2))
    with pytest.raises(RuntimeError, match="batches of square matrices"):
        ngl.inv(ng.ones(2, 3))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ngl.det(ng.ones(3))
    with pytest.raises(RuntimeError, match="singular"):
        ngl.solve(sing, ng.ones(2))
    with pytest.raises(RuntimeError, match="unrecognized mode"):
        ngl.qr(ng.ones(2, 2), mode="full")
    with pytest.raises(RuntimeError, match="at least 2 tensors"):
        ngl.multi_dot([ng.ones(2, 2)])
    x = ng.ones(3, 2, requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='r'"):
        ngl.qr(x, mode="r").R.sum().backward()


def test_ex_variants_report_info():
    a = ng.stack([ng.eye(2), ng.zeros(2, 2)])
    res = ngl.inv_ex(a)
    assert res.info.tolist() == [0, 1] and res.info.dtype == ng.int32
    np.testing.assert_allclose(res.inverse[0].numpy(), np.eye(2))
    assert ng.isnan(res.inverse[1]).all()
    with pytest.raises(ngl.LinAlgError):
        ngl.inv_ex(a, check_errors=True)
    c = ngl.cholesky_ex(ng.stack([ng.eye(2), -ng.eye(2)]))
    assert c.info.tolist() == [0, 1]
    s = ngl.solve_ex(a, ng.ones(2, 2, 1))
    assert s.info.tolist() == [0, 1]
    ok = ngl.solve_ex(ng.eye(2), ng.ones(2))
    assert ok.info.item() == 0 and ok.result.tolist() == [1.0, 1.0]


def test_tensor_methods_and_top_level_aliases():
    x = np.random.default_rng(3).normal(size=(3, 3)) + 3 * np.eye(3)
    t, n = torch.tensor(x), ng.tensor(x)
    for name in ["det", "logdet", "inverse", "pinverse", "matrix_exp"]:
        np.testing.assert_allclose(
            getattr(n, name)().numpy(), getattr(t, name)().numpy(), rtol=1e-7
        )
        np.testing.assert_allclose(
            getattr(ng, name)(n).numpy(), getattr(torch, name)(t).numpy(), rtol=1e-7
        )
    np.testing.assert_allclose(n.matrix_power(3).numpy(), t.matrix_power(3).numpy(), rtol=1e-7)
    s_ours, s_ref = n.slogdet(), t.slogdet()
    np.testing.assert_allclose(s_ours.logabsdet.numpy(), s_ref.logabsdet.numpy())
    assert s_ours.sign.item() == s_ref.sign.item()
    spd_ = x @ x.T
    np.testing.assert_allclose(
        ng.tensor(spd_).cholesky().numpy(), torch.tensor(spd_).cholesky().numpy()
    )
    assert ng.svd(n, compute_uv=False).U.shape == (3, 3)
    assert float(ng.svd(n, compute_uv=False).V.abs().sum()) == 0.0


def test_linalg_is_torch_linalg_under_the_alias():
    import nablagrad.alias as alias

    ng.install_as_torch()
    try:
        import torch as fake  # noqa: PLC0415 - the alias
        import torch.linalg as fake_linalg  # noqa: PLC0415

        assert fake_linalg is ngl and fake.linalg is ngl
        assert fake.linalg.LinAlgError is ngl.LinAlgError
    finally:
        alias.uninstall()


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_det_gradient_of_singular_matrices(dtype):
    """Exactly singular: zero gradient (torch 2.13's); nearly singular: the cofactor matrix.

    Whether the rank-2 matrix's LU comes out exactly singular depends on the LAPACK: NumPy's
    OpenBLAS gives det 0 everywhere, torch's MKL on an Intel Xeon -6.7e-16 (and then the
    cofactor gradient).  Where torch's det is not exactly 0, nablagrad is held to torch's rule
    applied to its own det: zero gradient."""
    rank2 = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]], dtype=dtype)
    zero = np.zeros((3, 3), dtype=dtype)
    near = rank2 + np.array([[0, 0, 0], [0, 0, 3e-7], [0, 0, 0]], dtype=dtype)
    for a in (rank2, zero, near, np.stack([rank2, np.eye(3, dtype=dtype)])):
        exact = a is not near and float(torch.linalg.det(torch.tensor(a)).abs().max()) == 0
        if a is near or exact:
            check_op(
                lambda x: ng.linalg.det(x), lambda x: torch.linalg.det(x), inputs=[a], **TOL[dtype]
            )
            continue
        x = ng.tensor(a, requires_grad=True)
        d = ng.linalg.det(x)
        d.sum().backward()
        singular = (d.detach().numpy() == 0).reshape(-1)
        assert singular[0]  # the rank-2 matrix (first of the stack)
        grads = x.grad.numpy().reshape(-1, 3, 3)
        np.testing.assert_array_equal(grads[singular], 0.0)


def test_numpy_style_keywords():
    x = np.random.default_rng(0).normal(size=(3, 4))
    for fn in [
        lambda L, t: L.linalg.vector_norm(t, axis=0, keepdims=True),
        lambda L, t: L.linalg.norm(t, axis=1),
        lambda L, t: L.linalg.vecdot(t, t, axis=0),
        lambda L, t: L.quantile(t, 0.5, axis=1, keepdims=True),
        lambda L, t: L.cummax(t, axis=1).values,
    ]:
        np.testing.assert_allclose(fn(ng, ng.tensor(x)).numpy(), fn(torch, torch.tensor(x)).numpy())


EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),  # implicit output
    ("ii", [(3, 3)]),  # trace
    ("ii->i", [(3, 3)]),  # diagonal
    ("iij->j", [(3, 3, 2)]),
    ("ijj,jk->ik", [(2, 3, 3), (3, 4)]),
    ("ij->", [(2, 3)]),
    ("...j,jk->...k", [(2, 3, 4), (4, 5)]),  # leading ellipsis
    ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]),
    ("...ij->...ji", [(2, 3, 4)]),
    ("...id,...jd->...ij", [(2, 3, 4), (1, 5, 4)]),  # ellipsis dims broadcast
    ("ij,ij->i", [(3, 1), (3, 4)]),  # a size-1 dim broadcasts
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ijk,ikl,ilm->jm", [(2, 3, 4), (2, 4, 5), (2, 5, 3)]),
    ("ii,ij->j", [(3, 3), (3, 4)]),
    ("i j , j k -> i k", [(2, 3), (3, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_matches_torch_with_second_derivatives(eq, shapes):
    check_op(
        lambda *xs: ng.einsum(eq, *xs),
        lambda *xs: torch.einsum(eq, *xs),
        shapes,
        dtype=np.float64,
        atol=1e-10,
        rtol=1e-10,
        second_order=len(shapes) > 1,
    )


def test_einsum_sublist_format_matches_torch():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    for args in (([0, 1], [1, 2], [0, 2]), ([0, 1], [1, 2]), ([Ellipsis, 1], [1, 2])):
        want = torch.einsum(torch.tensor(a), args[0], torch.tensor(b), *args[1:])
        got = ng.einsum(ng.tensor(a), args[0], ng.tensor(b), *args[1:])
        np.testing.assert_allclose(got.numpy(), want.numpy())


@pytest.mark.parametrize(
    "eq,shapes,dtypes",
    [
        ("ij->ij", [(2, 3), (3, 4)], None),  # more operands than the equation has
        ("ij,jk->ik", [(2, 3)], None),  # fewer
        ("ij,jk->ikk", [(2, 3), (3, 4)], None),  # repeated output subscript
        ("ij,jk->il", [(2, 3), (3, 4)], None),  # output subscript in no operand
        ("ii->i", [(2, 3)], None),  # a diagonal of unequal sizes
        ("ij,jk->ik", [(2, 3), (4, 2)], None),  # sizes that do not broadcast
        ("ijk", [(2, 3)], None),  # wrong number of subscripts
        ("i.j", [(2, 3)], None),
        ("i...j...", [(2, 3)], None),
        ("ij,jk->ik", [(2, 3), (3, 4)], ("float32", "float64")),  # mixed dtypes
    ],
)
def test_einsum_errors_are_runtime_errors_like_torch(eq, shapes, dtypes):
    dtypes = dtypes or ("float32",) * len(shapes)
    for lib in (torch, ng):
        ops = [lib.ones(s, dtype=getattr(lib, d)) for s, d in zip(shapes, dtypes)]
        with pytest.raises(RuntimeError):
            lib.einsum(eq, *ops)


_BETA0_CASES = {
    "addmm": lambda L, x: L.addmm(x, L.ones(2, 3), L.ones(3, 4), beta=0),
    "addmm_row": lambda L, x: L.addmm(x[0], L.ones(2, 3), L.ones(3, 4), beta=0, alpha=2),
    "baddbmm": lambda L, x: L.baddbmm(x, L.ones(3, 2, 3), L.ones(3, 3, 4), beta=0),
    "addmv": lambda L, x: L.addmv(x[:, 0], L.ones(2, 3), L.ones(3), beta=0),
    "addr": lambda L, x: L.addr(x, L.ones(2), L.ones(4), beta=0, alpha=0.5),
}


@pytest.mark.parametrize("fn", _BETA0_CASES.values(), ids=_BETA0_CASES.keys())
def test_beta_zero_ignores_nan_and_inf_in_input_like_torch(fn):
    bad = np.array([[np.nan, np.inf, 1.0, -np.inf], [2.0, np.nan, 0.0, 1.0]])
    x_t = torch.tensor(bad, dtype=torch.float32, requires_grad=True)
    x_n = ng.tensor(bad, dtype=ng.float32, requires_grad=True)
    out_t, out_n = fn(torch, x_t), fn(ng, x_n)
    np.testing.assert_array_equal(out_n.detach().numpy(), out_t.detach().numpy())
    out_t.sum().backward()
    out_n.sum().backward()
    np.testing.assert_array_equal(x_n.grad.numpy(), x_t.grad.numpy())


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse_gradient_wrt_the_factor_is_torchs(upper: bool) -> None:
    # torch's gradient for the factor is the full -(S + S^T) L, not masked to its triangle
    # (torch's own gradcheck of it fails for that reason): match it, with a leaf factor
    import torch

    import nablagrad as ng

    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3, 3))
    fac = np.linalg.cholesky(a @ a.transpose(0, 2, 1) + 3 * np.eye(3))
    if upper:
        fac = fac.transpose(0, 2, 1).copy()
    b = rng.standard_normal((3, 2))  # broadcast against the batch of factors
    w = rng.standard_normal((2, 3, 2))
    wi = rng.standard_normal((2, 3, 3))
    lt, bt = torch.tensor(fac, requires_grad=True), torch.tensor(b, requires_grad=True)
    ln, bn = ng.tensor(fac, requires_grad=True), ng.tensor(b, requires_grad=True)
    yt = torch.cholesky_solve(bt, lt, upper)
    yn = ng.cholesky_solve(bn, ln, upper)
    np.testing.assert_allclose(yn.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    (
        (yt * torch.tensor(w)).sum() + (torch.cholesky_inverse(lt, upper) * torch.tensor(wi)).sum()
    ).backward()
    ((yn * ng.tensor(w)).sum() + (ng.cholesky_inverse(ln, upper) * ng.tensor(wi)).sum()).backward()
    np.testing.assert_allclose(ln.grad.numpy(), lt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.grad.numpy(), bt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda L, x: L.linalg.vector_norm(x, ord=0),
        lambda L, x: L.linalg.vector_norm(x, 0, dim=1, keepdim=True),
        lambda L, x: L.linalg.norm(x.reshape(-1), ord=0),
        lambda L, x: x.norm(p=0),
        lambda L, x: L.norm(x, p=0, dim=0),
    ],
)
def test_zero_norm_counts_and_leaves_grad_undefined_as_torch(call):
    # torch records LinalgVectorNormBackward0 with an undefined gradient: .grad stays None
    vals = [[1.0, 0.0, float("nan")], [0.0, 0.0, -2.0]]
    results = []
    for L in (torch, ng):
        x = L.tensor(vals, requires_grad=True)
        y = call(L, x)
        assert y.grad_fn.name() == "LinalgVectorNormBackward0"
        y.sum().backward()
        assert x.grad is None
        (call(L, x).sum() + x.sum()).backward()  # other paths still reach x
        assert x.grad.tolist() == [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
        assert L.autograd.grad(call(L, x).sum(), x, allow_unused=True) == (None,)
        with pytest.raises(RuntimeError, match="allow_unused"):
            L.autograd.grad(call(L, x).sum(), x)
        results.append((y.tolist(), str(y.dtype).split(".")[-1]))
    assert results[0] == results[1]


def test_vector_norm_node_name_as_torch():
    for L in (torch, ng):
        x = L.tensor([1.0, -2.0], requires_grad=True)
        assert L.linalg.vector_norm(x, 3).grad_fn.name() == "LinalgVectorNormBackward0"
        assert L.norm(x).grad_fn.name() == "LinalgVectorNormBackward0"


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (3, 0), (0, 3)])
def test_lu_factor_of_empty_matrices_like_torch(device, shape):
    """Empty matrices factor to empty results with info 0 (found by the fuzz test's replay on
    the device: argmax of an empty sequence leaked from NumPy, on the CPU too)."""
    x = np.zeros(shape, np.float32)
    ours = ng.linalg.lu_factor_ex(ng.tensor(x, device=device))
    theirs = torch.linalg.lu_factor_ex(torch.tensor(x))
    for a, b in zip(ours, theirs):
        assert tuple(a.shape) == tuple(b.shape) and a.device.type == device
        np.testing.assert_array_equal(a.cpu().numpy(), b.numpy())


@pytest.mark.parametrize("shape", [(3, 0), (0, 3), (2, 0, 0), (2, 4, 0)])
def test_lu_of_empty_matrices_like_torch(device, shape):
    ours = ng.linalg.lu(ng.tensor(np.zeros(shape, np.float32), device=device))
    theirs = torch.linalg.lu(torch.zeros(shape))
    for a, b in zip(ours, theirs):
        assert tuple(a.shape) == tuple(b.shape) and a.device.type == device
        np.testing.assert_array_equal(a.cpu().numpy(), b.numpy())
