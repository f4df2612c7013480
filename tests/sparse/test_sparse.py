"""Sparse COO tensors against torch 2.13 on the same data: construction, coalesce,
conversions, products and their gradients (dense operand and sparse values), scalar products,
sums, transposes, printing and errors."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import nablagrad as ng

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")

IDX = [[1, 0, 1, 2], [2, 1, 2, 0]]  # (1, 2) twice: uncoalesced
VAL = [1.0, 2.0, 3.0, -4.0]
SHAPE = (3, 4)


def pair(indices=IDX, values=VAL, shape=SHAPE, requires_grad=False, dtype=np.float64):
    vals = np.asarray(values, dtype=dtype)
    t = torch.sparse_coo_tensor(
        torch.tensor(indices), torch.tensor(vals), shape, requires_grad=requires_grad
    )
    n = ng.sparse_coo_tensor(
        ng.tensor(indices), ng.tensor(vals), shape, requires_grad=requires_grad
    )
    return t, n


def same(n, t, rtol=1e-12, atol=1e-12):
    if t.layout == torch.sparse_coo:
        assert n.layout == ng.sparse_coo
        n, t = n.to_dense(), t.to_dense()
    else:
        assert n.layout == ng.strided
    assert tuple(n.shape) == tuple(t.shape)
    np.testing.assert_allclose(n.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def test_construction_and_attributes_match_torch():
    t, n = pair()
    assert n.is_sparse and t.is_sparse
    assert ng.ones(2).layout is ng.strided and not ng.ones(2).is_sparse
    assert tuple(n.shape) == tuple(t.shape) == SHAPE and n.size() == (3, 4)
    assert n._nnz() == t._nnz() == 4
    assert (n.sparse_dim(), n.dense_dim()) == (t.sparse_dim(), t.dense_dim()) == (2, 0)
    assert n.is_coalesced() == t.is_coalesced() is False
    assert n.dim() == 2 and n.numel() == t.numel() == 12
    assert str(n.dtype) == "nablagrad.float64" and n.device.type == "cpu"
    np.testing.assert_array_equal(n._indices().numpy(), t._indices().numpy())
    np.testing.assert_array_equal(n._values().numpy(), t._values().numpy())
    same(n.to_dense(), t.to_dense())
    # size inferred from the indices; int64 from float values through dtype=
    ti = torch.sparse_coo_tensor(torch.tensor(IDX), torch.ones(4), dtype=torch.int64)
    ni = ng.sparse_coo_tensor(ng.tensor(IDX), ng.ones(4), dtype=ng.int64)
    assert tuple(ni.shape) == tuple(ti.shape) == (3, 3) and str(ni.dtype) == "nablagrad.int64"
    np.testing.assert_array_equal(ni.to_dense().numpy(), ti.to_dense().numpy())
    # hybrid: values with a dense dimension
    th = torch.sparse_coo_tensor(torch.tensor([[0, 2]]), torch.tensor([[1.0, 2], [3, 4]]), (3, 2))
    nh = ng.sparse_coo_tensor(ng.tensor([[0, 2]]), ng.tensor([[1.0, 2], [3, 4]]), (3, 2))
    assert (nh.sparse_dim(), nh.dense_dim()) == (1, 1)
    same(nh, th)


def test_coalesce_sums_duplicates_and_sorts_indices():
    t, n = pair()
    tc, nc = t.coalesce(), n.coalesce()
    assert nc.is_coalesced() and nc._nnz() == tc._nnz() == 3
    np.testing.assert_array_equal(nc.indices().numpy(), tc.indices().numpy())
    np.testing.assert_array_equal(nc.values().numpy(), tc.values().numpy())
    assert nc.coalesce() is nc
    with pytest.raises(RuntimeError, match="coalesce"):
        n.indices()
    with pytest.raises(RuntimeError, match="coalesce"):
        n.values()


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 5),
    st.integers(0, 12),
    st.integers(0, 2**31 - 1),
)
def test_random_patterns_coalesce_and_round_trip(rows, cols, nnz, seed):
    rng = np.random.default_rng(seed)
    idx = np.stack([rng.integers(0, rows, nnz), rng.integers(0, cols, nnz)])
    vals = rng.standard_normal(nnz)
    t = torch.sparse_coo_tensor(torch.tensor(idx), torch.tensor(vals), (rows, cols))
    n = ng.sparse_coo_tensor(ng.tensor(idx), ng.tensor(vals), (rows, cols))
    tc, nc = t.coalesce(), n.coalesce()
    np.testing.assert_array_equal(nc.indices().numpy(), tc.indices().numpy())
    np.testing.assert_allclose(nc.values().numpy(), tc.values().numpy(), rtol=1e-12, atol=1e-12)
    dense = rng.standard_normal((rows, cols)) * (rng.random((rows, cols)) < 0.5)
    ts, ns = torch.tensor(dense).to_sparse(), ng.tensor(dense).to_sparse()
    assert ns.is_coalesced() and ns._nnz() == ts._nnz()
    np.testing.assert_array_equal(ns.indices().numpy(), ts.indices().numpy())
    same(ns.to_dense(), ts.to_dense())
    d = rng.standard_normal((cols, 3))
    same(ng.sparse.mm(n, ng.tensor(d)), torch.sparse.mm(t, torch.tensor(d)), 1e-10, 1e-10)


def test_to_sparse_with_sparse_dim_and_dense_round_trip():
    a = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 3.0]])
    ts, ns = torch.tensor(a).to_sparse(1), ng.tensor(a).to_sparse(1)
    assert (ns.sparse_dim(), ns.dense_dim()) == (1, 1)
    np.testing.assert_array_equal(ns.indices().numpy(), ts.indices().numpy())
    np.testing.assert_array_equal(ns.values().numpy(), ts.values().numpy())
    same(ns.to_dense(), ts.to_dense())
    assert ng.tensor(a).to_dense().layout is ng.strided


def test_products_match_torch_values_and_dense_gradients():
    rng = np.random.default_rng(0)
    d = rng.standard_normal((4, 2))
    v = rng.standard_normal(4)
    inp = rng.standard_normal((3, 2))
    t, n = pair()
    for _name, ft, fn in [
        ("sparse.mm", lambda s, x: torch.sparse.mm(s, x), lambda s, x: ng.sparse.mm(s, x)),
        ("mm", torch.mm, ng.mm),
        ("spmm", torch.spmm, ng.spmm),
        ("matmul", torch.matmul, ng.matmul),
        ("@", lambda s, x: s @ x, lambda s, x: s @ x),
    ]:
        td = torch.tensor(d, requires_grad=True)
        nd = ng.tensor(d, requires_grad=True)
        to, no = ft(t, td), fn(n, nd)
        same(no, to)
        (to * torch.tensor(inp)).sum().backward()
        (no * ng.tensor(inp)).sum().backward()
        same(nd.grad, td.grad)
    same(n @ ng.tensor(v), t @ torch.tensor(v))
    same(ng.tensor(inp.T) @ n, torch.tensor(inp.T) @ t)
    # addmm, torch.sparse.addmm and torch.addmm with a sparse mat1
    ti, ni = torch.tensor(inp), ng.tensor(inp)
    same(
        ng.sparse.addmm(ni, n, ng.tensor(d), beta=0.5, alpha=2.0),
        torch.sparse.addmm(ti, t, torch.tensor(d), beta=0.5, alpha=2.0),
    )
    same(ng.addmm(ni, n, ng.tensor(d)), torch.addmm(ti, t, torch.tensor(d)))


def test_gradient_of_the_sparse_operand_matches_torch():
    rng = np.random.default_rng(1)
    d = rng.standard_normal((4, 2))
    w = rng.standard_normal((3, 2))
    # torch.sparse.mm: a sparse gradient with the operand's pattern
    t, n = pair(requires_grad=True)
    (torch.sparse.mm(t, torch.tensor(d)) * torch.tensor(w)).sum().backward()
    (ng.sparse.mm(n, ng.tensor(d)) * ng.tensor(w)).sum().backward()
    assert n.grad.layout is ng.sparse_coo and t.grad.layout == torch.sparse_coo
    same(n.grad, t.grad)
    # torch.mm: a dense gradient
    t, n = pair(requires_grad=True)
    (torch.mm(t, torch.tensor(d)) * torch.tensor(w)).sum().backward()
    (ng.mm(n, ng.tensor(d)) * ng.tensor(w)).sum().backward()
    assert n.grad.layout is ng.strided and t.grad.layout == torch.strided
    same(n.grad, t.grad)
    # gradients through sparse_coo_tensor reach the dense values
    tv = torch.tensor(VAL, dtype=torch.float64, requires_grad=True)
    nv = ng.tensor(VAL, dtype=ng.float64, requires_grad=True)
    ts = torch.sparse_coo_tensor(torch.tensor(IDX), tv, SHAPE)
    ns = ng.sparse_coo_tensor(ng.tensor(IDX), nv, SHAPE)
    (torch.sparse.mm(ts, torch.tensor(d)) * torch.tensor(w)).sum().backward()
    (ng.sparse.mm(ns, ng.tensor(d)) * ng.tensor(w)).sum().backward()
    same(nv.grad, tv.grad)
    # ... and through coalesce, to_dense, transpose, scalar product
    tv.grad = None
    nv.grad = None
    ts = torch.sparse_coo_tensor(torch.tensor(IDX), tv, SHAPE)
    ns = ng.sparse_coo_tensor(ng.tensor(IDX), nv, SHAPE)
    g = rng.standard_normal((4, 3))
    ((ts.coalesce() * 3).t().to_dense() * torch.tensor(g)).sum().backward()
    ((ns.coalesce() * 3).t().to_dense() * ng.tensor(g)).sum().backward()
    same(nv.grad, tv.grad)


def test_double_backward_through_sparse_mm_matches_torch():
    rng = np.random.default_rng(2)
    d = rng.standard_normal((4, 2))
    t, n = pair()
    td = torch.tensor(d, requires_grad=True)
    nd = ng.tensor(d, requires_grad=True)
    (tg,) = torch.autograd.grad((torch.sparse.mm(t, td) ** 2).sum(), td, create_graph=True)
    (ngr,) = ng.autograd.grad((ng.sparse.mm(n, nd) ** 2).sum(), nd, create_graph=True)
    same(ngr, tg)
    tg.sum().backward()
    ngr.sum().backward()
    same(nd.grad, td.grad)


def test_elementwise_algebra_matches_torch():
    t, n = pair()
    t2, n2 = pair([[0, 2], [0, 3]], [5.0, 6.0])
    same(n * 2.5, t * 2.5)
    same(2.5 * n, 2.5 * t)
    same(n / 2, t / 2)
    same(-n, -t)
    same(n + n2, t + t2)
    assert not (n + n2).is_coalesced() and (n + n2)._nnz() == (t + t2)._nnz()
    same(n - n2, t - t2)
    same(ng.ones(3, 4, dtype=ng.float64) + n, torch.ones(3, 4, dtype=torch.float64) + t)
    dense = np.arange(12.0).reshape(3, 4)
    same(n * ng.tensor(dense), t * torch.tensor(dense))
    # the adjacency of pytorch/examples' gat: eye (float32) + int64 sparse -> dense float32
    ti = torch.sparse_coo_tensor(torch.tensor(IDX), torch.ones(4), (3, 4), dtype=torch.int64)
    ni = ng.sparse_coo_tensor(ng.tensor(IDX), ng.ones(4), (3, 4), dtype=ng.int64)
    r, e = ng.eye(3, 4) + ni, torch.eye(3, 4) + ti
    assert str(r.dtype) == "nablagrad.float32" and e.dtype == torch.float32
    same(r, e)


def test_transpose_sum_and_conversions_match_torch():
    t, n = pair()
    same(n.t(), t.t())
    same(n.transpose(0, 1), t.transpose(0, 1))
    assert n.t().is_sparse and not n.t().is_coalesced()
    same(ng.sum(n), torch.sum(t))
    same(n.sum(), t.sum())
    same(ng.sparse.sum(n), torch.sparse.sum(t))
    for dim in (0, 1, (0, 1)):
        same(ng.sparse.sum(n, dim), torch.sparse.sum(t, dim))
    same(ng.sum(n, 1), torch.sum(t, 1))
    f = n.to(ng.float32)
    assert str(f.dtype) == "nablagrad.float32" and f.is_sparse
    same(n.float(), t.float(), 1e-6, 1e-6)
    assert n.to("cpu").is_sparse
    c = n.clone()
    assert c.is_sparse and c._data is not n._data
    same(c, t)


def test_printing_follows_torchs_layout():
    t, n = pair(dtype=np.float32)
    expected = repr(t).replace("torch.", "nablagrad.")
    assert repr(n) == expected
    tg, ng_ = pair(dtype=np.float64, requires_grad=True)
    assert repr(ng_) == repr(tg).replace("torch.", "nablagrad.")
    te = torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.int64), torch.zeros(0), (2, 3))
    ne = ng.sparse_coo_tensor(ng.zeros(2, 0, dtype=ng.int64), ng.zeros(0), (2, 3))
    assert repr(ne) == repr(te).replace("torch.", "nablagrad.")
    assert repr(ng.sparse_coo) == "nablagrad.sparse_coo" and repr(ng.strided) == "nablagrad.strided"


def test_bad_input_raises_torchs_errors_with_the_fix():
    with pytest.raises(RuntimeError, match="size is inconsistent with indices"):
        ng.sparse_coo_tensor(ng.tensor([[5], [0]]), ng.tensor([1.0]), (2, 3))
    with pytest.raises(RuntimeError, match="same nnz"):
        ng.sparse_coo_tensor(ng.tensor([[1], [0]]), ng.tensor([1.0, 2.0]), (2, 3))
    with pytest.raises(RuntimeError, match="negative"):
        ng.sparse_coo_tensor(ng.tensor([[-1], [0]]), ng.tensor([1.0]), (2, 3))
    with pytest.raises(RuntimeError, match="sparse_dim x nnz"):
        ng.sparse_coo_tensor(ng.tensor([1, 0]), ng.tensor([1.0, 2.0]), (2, 3))
    with pytest.raises(RuntimeError, match="is_coalesced"):
        ng.sparse_coo_tensor(ng.tensor([[1, 0], [0, 0]]), ng.ones(2), (2, 3), is_coalesced=True)
    _, n = pair()
    for bad in (
        lambda: n.exp(),
        lambda: n[0],
        lambda: n.view(-1),
        lambda: n + ng.ones(3, 4),
        lambda: n * ng.ones(4),
        lambda: ng.sparse.mm(n, ng.ones(3, 2, dtype=ng.float64)),
    ):
        with pytest.raises(RuntimeError, match=r"to_dense\(\)|cannot be multiplied"):
            bad()
    with pytest.raises(TypeError, match=r"to_dense\(\)"):
        n.numpy()
    with pytest.raises(RuntimeError, match="same dtype"):
        ng.mm(n, ng.ones(4, 2))
    with pytest.raises(RuntimeError, match="sparse coordinate tensor layout"):
        ng.ones(2).indices()


def test_save_load_and_pickle_round_trip(tmp_path):
    import pickle

    _, n = pair(requires_grad=True)
    for back in (
        pickle.loads(pickle.dumps(n)),
        (ng.save({"adj": n, "w": ng.ones(2)}, tmp_path / "a.pt"), ng.load(tmp_path / "a.pt"))[1][
            "adj"
        ],
    ):
        assert back.is_sparse and back.requires_grad and not back.is_coalesced()
        np.testing.assert_array_equal(back._indices().numpy(), n._indices().numpy())
        np.testing.assert_array_equal(back._values().numpy(), n._values().detach().numpy())
        assert tuple(back.shape) == SHAPE


def test_double_backward_through_the_sparse_values_matches_the_dense_product():
    # torch's sparse.mm gives a values gradient without a graph; nablagrad's is differentiable
    # and agrees with the same product written densely (index_put of the values) in torch
    d = np.linspace(-1, 1, 8).reshape(4, 2)
    nv = ng.tensor(VAL, dtype=ng.float64, requires_grad=True)
    nd = ng.tensor(d, requires_grad=True)
    ns = ng.sparse_coo_tensor(ng.tensor(IDX), nv, SHAPE)
    (ng_g,) = ng.autograd.grad((ng.sparse.mm(ns, nd) ** 3).sum(), nv, create_graph=True)
    ng_g.pow(2).sum().backward()
    tv = torch.tensor(VAL, dtype=torch.float64, requires_grad=True)
    td = torch.tensor(d, requires_grad=True)
    rows, cols = torch.tensor(IDX[0]), torch.tensor(IDX[1])
    dense = torch.zeros(SHAPE, dtype=torch.float64).index_put((rows, cols), tv, accumulate=True)
    (tg,) = torch.autograd.grad(((dense @ td) ** 3).sum(), tv, create_graph=True)
    tg.pow(2).sum().backward()
    same(ng_g, tg, 1e-10, 1e-10)
    same(nd.grad, td.grad, 1e-10, 1e-10)
    same(nv.grad, tv.grad, 1e-10, 1e-10)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("log", [False, True])
def test_sparse_softmax_matches_torch_values_and_gradients(dim, log):
    rng = np.random.default_rng(3)
    w = rng.standard_normal(SHAPE)
    tv = torch.tensor(VAL, dtype=torch.float64, requires_grad=True)
    nv = ng.tensor(VAL, dtype=ng.float64, requires_grad=True)
    ts = torch.sparse_coo_tensor(torch.tensor(IDX), tv, SHAPE)
    ns = ng.sparse_coo_tensor(ng.tensor(IDX), nv, SHAPE)
    tf = torch.sparse.log_softmax if log else torch.sparse.softmax
    nf = ng.sparse.log_softmax if log else ng.sparse.softmax
    to, no = tf(ts, dim), nf(ns, dim)
    assert no.is_coalesced()
    np.testing.assert_array_equal(no.indices().numpy(), to.indices().numpy())
    same(no, to, 1e-12, 1e-12)
    (to.to_dense() * torch.tensor(w)).sum().backward()
    (no.to_dense() * ng.tensor(w)).sum().backward()
    same(nv.grad, tv.grad, 1e-12, 1e-12)


def test_sparse_softmax_over_a_dense_dimension_matches_torch():
    vals = np.array([[1.0, 2.0], [3.0, -4.0]])
    th = torch.sparse_coo_tensor(torch.tensor([[0, 2]]), torch.tensor(vals), (3, 2))
    nh = ng.sparse_coo_tensor(ng.tensor([[0, 2]]), ng.tensor(vals), (3, 2))
    same(ng.sparse.softmax(nh, 1), torch.sparse.softmax(th, 1), 1e-12, 1e-12)


@pytest.mark.parametrize(
    "op, name",
    [
        (lambda s: s == s, "eq"),
        (lambda s: s < 1, "lt"),
        (lambda s: ng.isnan(s), "isnan"),
    ],
)
def test_comparisons_on_sparse_name_the_fix(op, name):
    """Comparisons bypass the primitive table's sparse dispatch: they still refuse a sparse
    operand with the op's name and the fix (torch: NotImplementedError for SparseCPU)."""
    s = ng.tensor([[0.0, 1.0]]).to_sparse()
    with pytest.raises(RuntimeError, match=rf"^{name} is not supported.*\.to_dense\(\)"):
        op(s)


# -- torch.smm / sspaddmm / hspmm (sparse results) ------------------------------------------------


def _sparse_pair(lib):
    a = np.array([[0.0, 2.0, 0.0], [3.0, 0.0, -1.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    d = np.arange(6, dtype=np.float32).reshape(3, 2) - 2.0
    c = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 5.0]], dtype=np.float32)
    return lib.tensor(a).to_sparse(), lib.tensor(d), lib.tensor(c).to_sparse()


def test_smm_sspaddmm_hspmm_match_torch():
    (s, d, c), (ts, td, tc) = _sparse_pair(ng), _sparse_pair(torch)
    pairs = [
        (ng.smm(s, d), torch.smm(ts, td)),
        (s.smm(d), ts.smm(td)),
        (ng.hspmm(s, d), torch.hspmm(ts, td)),
        (ng.sspaddmm(c, s, d), torch.sspaddmm(tc, ts, td)),
        (ng.sspaddmm(c, s, d, beta=2, alpha=0.5), torch.sspaddmm(tc, ts, td, beta=2, alpha=0.5)),
        (c.sspaddmm(s, d, alpha=-1), tc.sspaddmm(ts, td, alpha=-1)),
    ]
    for ours, theirs in pairs:
        assert ours.is_sparse and theirs.is_sparse
        assert (ours.sparse_dim(), ours.dense_dim()) == (theirs.sparse_dim(), theirs.dense_dim())
        assert ours.dtype == ng.float32
        np.testing.assert_allclose(ours.to_dense().numpy(), theirs.to_dense().numpy(), rtol=1e-6)


def test_smm_family_refuses_dense_and_mismatched_operands():
    s, d, c = _sparse_pair(ng)
    for call in (
        lambda: ng.smm(d.t(), d),
        lambda: ng.sspaddmm(c.to_dense(), s, d),
        lambda: ng.hspmm(d.t(), d),
    ):
        with pytest.raises(RuntimeError, match="sparse"):
            call()
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        ng.smm(s, ng.ones(2, 2))
    with pytest.raises(RuntimeError, match="cannot be added"):
        ng.sspaddmm(ng.ones(2, 2).to_sparse(), s, d)
