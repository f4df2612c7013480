"""Tensor creation, dtypes, conversions and the user's notes, compared with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng


def same(a, b):
    """Same values, shape and dtype name."""
    assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1], (a.dtype, b.dtype)
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(
        np.asarray(a.tolist(), dtype=float), np.asarray(b.tolist(), dtype=float), rtol=1e-6
    )


def run_notes(lib):
    """Lines from a user's notes (Dive into Deep Learning), written for PyTorch."""
    out = {}
    A = lib.arange(6).reshape(3, 2)
    B = A.clone()
    x = lib.tensor([1, 2])
    y = lib.tensor([3, 4])
    out["sum_xy"] = lib.sum(x * y)
    out["mv"] = lib.mv(A, x)
    out["A_at_x"] = A @ x
    out["mm"] = lib.mm(A, B.T)
    out["numel"] = lib.tensor(x.numel())
    out["zeros"] = lib.zeros((2, 3, 4))
    out["literal"] = lib.tensor([[2, 1, 4, 3], [1, 2, 3, 4]])
    x = lib.tensor([1.0, 2, 4, 8])
    y = lib.tensor([2, 2, 2, 2])
    for name, v in zip(["add", "sub", "mul", "div", "pow"], [x + y, x - y, x * y, x / y, x**y]):
        out[name] = v
    X = lib.arange(12, dtype=lib.float32).reshape((3, 4))
    Y = lib.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
    out["cat0"] = lib.cat((X, Y), dim=0)
    out["cat1"] = lib.cat((X, Y), dim=1)
    out["eq"] = X == Y
    out["sumX"] = X.sum()
    out["bcast"] = lib.arange(3).reshape((3, 1)) + lib.arange(2).reshape((1, 2))
    out["slice"] = X[-1]
    out["exp"] = lib.exp(x)
    out["mean_axis"] = X.mean(axis=0)
    out["cumsum"] = X.cumsum(axis=0)
    out["norm"] = lib.norm(lib.tensor([3.0, -4.0]))
    out["abs_sum"] = lib.abs(lib.tensor([3.0, -4.0])).sum()
    xg = lib.arange(4.0)
    xg.requires_grad_(True)
    yg = 2 * lib.dot(xg, xg)
    yg.backward()
    out["grad"] = xg.grad
    return out


def test_users_notes_match_torch():
    ours, theirs = run_notes(ng), run_notes(torch)
    for k in theirs:
        same(ours[k], theirs[k])


@pytest.mark.parametrize(
    "data,dtype",
    [
        ([1, 2, 3], "int64"),
        ([1.0, 2], "float32"),
        ([True, False], "bool"),
        (3.5, "float32"),
        (np.arange(3, dtype=np.float64), "float64"),
        (np.arange(3, dtype=np.int32), "int32"),
    ],
)
def test_tensor_dtype_inference(data, dtype):
    assert ng.tensor(data).dtype.name == dtype
    assert str(torch.tensor(data).dtype) == f"torch.{dtype}"


def test_factories_match_torch():
    for lib_call in [
        lambda L: L.zeros(2, 3),
        lambda L: L.ones((2, 1), dtype=L.float64),
        lambda L: L.full((2, 2), 7),
        lambda L: L.full((2,), 1.5),
        lambda L: L.arange(5),
        lambda L: L.arange(1, 4, 0.5),
        lambda L: L.arange(0.0, 1.0, 0.25),
        lambda L: L.linspace(0, 1, 5),
        lambda L: L.eye(3),
        lambda L: L.eye(2, 3),
        lambda L: L.zeros_like(L.ones(2, 2, dtype=L.int64)),
        lambda L: L.ones_like(L.ones(3)),
        lambda L: L.full_like(L.ones(2), 4.0),
        lambda L: L.empty(2, 3).zero_(),
        lambda L: L.arange(10, 0, -3),
    ]:
        same(lib_call(ng), lib_call(torch))


def test_random_factories_shapes_dtypes_and_seeding():
    ng.manual_seed(0)
    a = ng.randn(3, 4)
    ng.manual_seed(0)
    b = ng.randn(3, 4)
    assert ng.equal(a, b) and a.dtype == ng.float32
    g = ng.Generator().manual_seed(1)
    r = ng.rand(1000, generator=g)
    assert 0 <= r.min().item() and r.max().item() < 1 and abs(r.mean().item() - 0.5) < 0.05
    i = ng.randint(0, 5, (100,))
    assert i.dtype == ng.int64 and i.min().item() >= 0 and i.max().item() <= 4
    n = ng.normal(2.0, 0.5, size=(5000,))
    assert abs(n.mean().item() - 2.0) < 0.05 and abs(n.std().item() - 0.5) < 0.05
    assert sorted(ng.randperm(5).tolist()) == [0, 1, 2, 3, 4]


def test_conversions_and_properties():
    x = ng.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.shape == (2, 2) and x.size() == (2, 2) and x.size(1) == 2 and x.ndim == 2
    assert x.numel() == 4 and x.shape.numel() == 4
    assert x.T.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert x.sum().item() == 10.0 and isinstance(x.sum().item(), float)
    assert x.long().dtype == ng.int64 and x.double().dtype == ng.float64
    assert x.to(ng.float64).dtype == ng.float64 and x.float() is x
    assert str(x.device) == "cpu" and x.device == "cpu"
    assert isinstance(x.numpy(), np.ndarray)
    assert float(x[0, 1]) == 2.0 and int(x[1, 1]) == 4
    assert len(x) == 2 and [r.tolist() for r in x] == [[1.0, 2.0], [3.0, 4.0]]


def test_from_numpy_shares_memory_and_as_tensor():
    a = np.zeros(3, dtype=np.float32)
    t = ng.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 5
    assert ng.as_tensor(a)._data is a


def test_repr_like_torch():
    assert repr(ng.tensor([1.0, 2.0])) == repr(torch.tensor([1.0, 2.0]))
    assert repr(ng.tensor([0.5, 1.0])) == repr(torch.tensor([0.5, 1.0]))
    assert repr(ng.arange(3)) == repr(torch.arange(3))
    assert "requires_grad=True" in repr(ng.ones(2, requires_grad=True))
    assert "grad_fn=<MulBackward0>" in repr(ng.ones(2, requires_grad=True) * 2)
    assert repr(ng.ones(2, dtype=ng.float64)) == "tensor([1., 1.], dtype=nablagrad.float64)"


def test_type_promotion_matches_torch():
    cases = [
        lambda L: L.tensor([1, 2]) + 1.5,
        lambda L: L.tensor([1, 2]) / L.tensor([2, 2]),
        lambda L: L.tensor([1.0, 2.0]) + L.tensor([1, 2]),
        lambda L: L.tensor([True]) + 1,
        lambda L: L.tensor([1, 2], dtype=L.int32) + L.tensor(5),
        lambda L: L.tensor([1, 2], dtype=L.int32) + L.tensor(5.0, dtype=L.float64),
        lambda L: L.tensor([1.0], dtype=L.float64) * L.tensor([2.0]),
        lambda L: L.tensor([1.0]) * L.tensor(2.0, dtype=L.float64),
        lambda L: L.tensor([1, 2]).sum(),
        lambda L: L.tensor([True, True]).sum(),
        lambda L: L.tensor([3, 4]) // 2,
        lambda L: L.tensor([-3.0, 4.0]) % 2,
    ]
    for c in cases:
        same(c(ng), c(torch))


def test_clear_errors():
    with pytest.raises(RuntimeError, match=r"\(3x2 and 3x1\)"):
        ng.ones(3, 2) @ ng.ones(3, 1)
    with pytest.raises(RuntimeError, match="same dtype"):
        ng.ones(2, 2) @ ng.ones(2, 2, dtype=ng.float64)
    with pytest.raises(RuntimeError, match=r"invalid for input of size 6"):
        ng.arange(6).reshape(4, 2)
    with pytest.raises(TypeError, match="unknown dtype 'floaty'"):
        ng.zeros(2, dtype="floaty")
    with pytest.raises(
        RuntimeError, match=r"add: .*shapes \(2, 3\) and \(4,\) cannot be broadcast"
    ):
        ng.ones(2, 3) + ng.ones(4)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (ng.ones(3, requires_grad=True) * 2).backward(ng.ones(2))
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer"):
        ng.arange(3).mean()
    with pytest.raises(IndexError, match="Dimension out of range"):
        ng.ones(2, 3).sum(2)
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        ng.ones(2).item()


def test_legacy_tensor_constructor_like_torch():
    for args in [([1, 2],), ([[1.5, 2]],), (2, 3), ()]:
        a, b = ng.Tensor(*args), torch.Tensor(*args)
        assert a.dtype == ng.float32 and tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(ng.Tensor([1, 2]).numpy(), [1.0, 2.0])


def test_float64_gradient_argument_keeps_precision():
    x = ng.tensor([1.0], dtype=ng.float64, requires_grad=True)
    (x * 1).backward(np.array([1 + 1e-12]))
    assert x.grad.item() == 1 + 1e-12


def test_format_of_scalar_tensors():
    assert f"{ng.tensor(1.23456):.2f}" == f"{torch.tensor(1.23456):.2f}" == "1.23"
    assert f"{ng.tensor(3)}" == "3"


def test_zero_dim_results_are_writable_arrays():
    x = ng.ones(3)
    for t in [x.sum(), x.mean(), x.max(), x.prod(), x.norm(), x[0], x @ x, x.std(), x.sum() == 3]:
        assert isinstance(t._data, np.ndarray) and t.shape == ()
    total = x.sum()
    total += 1
    total[()] = 7.0
    assert total.item() == 7.0


def _same_or_same_error(fn):
    """``fn(torch)`` and ``fn(nablagrad)``: equal results, or the same exception type."""
    try:
        want = fn(torch)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e) if not isinstance(e, NotImplementedError) else RuntimeError):
            fn(ng)
        return
    same(fn(ng), want)


@pytest.mark.parametrize("dt", ["uint8", "int8", "int16", "int32", "int64"])
@pytest.mark.parametrize("v", [-1, 300, -300, 2**40, 2**63])
@pytest.mark.parametrize(
    "op", ["+", "-", "*", "//", "%", "<", "==", "&", "^", "<<", "rsub", "rxor"]
)
def test_python_int_out_of_the_dtype_range_wraps_like_torch(dt, v, op):
    def fn(L):
        x = L.tensor([1, 2, 7], dtype=getattr(L, dt))
        if op == "rsub":
            return v - x
        if op == "rxor":
            return v ^ x
        return eval(f"x {op} v")  # noqa: S307

    _same_or_same_error(fn)


@pytest.mark.parametrize("v", [-1, 300, -300, 7])
def test_true_division_by_a_python_int_does_not_wrap_it(v):
    for dt in ["uint8", "int8", "int64", "bool"]:
        same(
            ng.tensor([1, 0, 1], dtype=getattr(ng, dt)) / v,
            torch.tensor([1, 0, 1], dtype=getattr(torch, dt)) / v,
        )
        same(
            v / ng.tensor([1, 2, 1], dtype=getattr(ng, dt)),
            v / torch.tensor([1, 2, 1], dtype=getattr(torch, dt)),
        )


def test_integer_pow_with_negative_exponents_like_torch():
    a, b = [-5, 5, 3, -3, 1, -1, -1, 0, 2, -1], [-1, -2, 0, -3, -7, -3, -4, -1, 3, 2]
    for dt in ["int8", "int32", "int64"]:
        same(
            ng.tensor(a, dtype=getattr(ng, dt)) ** ng.tensor(b, dtype=getattr(ng, dt)),
            torch.tensor(a, dtype=getattr(torch, dt)) ** torch.tensor(b, dtype=getattr(torch, dt)),
        )
    same(ng.tensor(a) ** ng.tensor(-3), torch.tensor(a) ** torch.tensor(-3))
    same(2 ** ng.tensor([-1, 2]), 2 ** torch.tensor([-1, 2]))
    for fn in [
        lambda L: L.tensor([2]) ** -1,
        lambda L: L.pow(L.tensor([2]), -2),
        lambda L: L.tensor([2]).pow_(-1),
        lambda L: L.tensor([True]) ** -1,
    ]:
        with pytest.raises(RuntimeError, match="Integers to negative integer powers"):
            fn(ng)
    same(ng.tensor([2]) ** -1.0, torch.tensor([2]) ** -1.0)


def test_bool_powers_as_torch():
    """torch has no bool power kernel: a bool tensor to a Python bool stays bool, a bool
    exponent tensor with a bool base raises, other exponents promote."""
    for fn in [
        lambda L: L.tensor([True, False]) ** True,
        lambda L: L.tensor([True, False]) ** False,
        lambda L: L.tensor([True, False]) ** 2,
        lambda L: L.tensor([True, False]) ** 2.5,
        lambda L: 2 ** L.tensor([True, False]),
    ]:
        want, got = fn(torch), fn(ng)
        assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    for fn in [
        lambda L: L.tensor([True, False]) ** L.tensor([True, True]),
        lambda L: True ** L.tensor([True, False]),
        lambda L: L.pow(True, L.tensor([False])),
    ]:
        for mod in (torch, ng):
            with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
                fn(mod)


@pytest.mark.parametrize("dt", ["uint8", "int8", "int32", "int64"])
@pytest.mark.parametrize("op", ["<<", ">>"])
def test_shifts_out_of_range_like_torch(dt, op):
    def fn(L):
        x = L.tensor([1, 100, 3, 0, 5, 7], dtype=getattr(L, dt))
        if dt != "uint8":
            x = x * L.tensor([1, -1, 1, -1, -1, 1], dtype=getattr(L, dt))
        n = L.tensor([1, 2, 8, 70, -1, -3], dtype=L.int64)
        return x << n if op == "<<" else x >> n

    same(fn(ng), fn(torch))
    same(ng.tensor([200, 3], dtype=ng.uint8) >> 8, torch.tensor([200, 3], dtype=torch.uint8) >> 8)
    same(ng.tensor([-8, 8]) >> -1, torch.tensor([-8, 8]) >> -1)


def test_bitwise_ops_on_floats_raise_a_runtime_error_like_torch():
    for fn in [lambda L: L.ones(2) & L.ones(2), lambda L: L.ones(2) | 1, lambda L: 1 ^ L.ones(2)]:
        with pytest.raises(RuntimeError):
            fn(torch)
        with pytest.raises(RuntimeError):
            fn(ng)


def test_inplace_floor_division_and_modulo_stay_in_place():
    for L in (ng, torch):
        x = L.tensor([7, -7])
        y = x
        x //= 2
        x %= 3
        assert y is x and x.tolist() == [0, 2]
        with pytest.raises(RuntimeError, match="can't be cast"):
            x //= 2.5
        with pytest.raises(RuntimeError, match="can't be cast"):
            x %= 1.5


def test_reduction_dtypes_of_integer_inputs_like_torch():
    u8 = [200, 2, 3]
    same(ng.tensor(u8, dtype=ng.uint8).prod(), torch.tensor(u8, dtype=torch.uint8).prod())
    same(ng.tensor(u8, dtype=ng.uint8).prod(0), torch.tensor(u8, dtype=torch.uint8).prod(0))
    same(ng.tensor([True, True]).prod(), torch.tensor([True, True]).prod())
    for fn in ["all", "any"]:
        for dt in ["uint8", "int8", "bool"]:
            a = getattr(ng.tensor([3, 0], dtype=getattr(ng, dt)), fn)()
            b = getattr(torch.tensor([3, 0], dtype=getattr(torch, dt)), fn)()
            same(a, b)
        same(
            ng.tensor([[3, 2]], dtype=ng.uint8).all(1, keepdim=True),
            torch.tensor([[3, 2]], dtype=torch.uint8).all(1, keepdim=True),
        )
    for fn in [
        lambda L: L.tensor([1, 2, 3]).std(),
        lambda L: L.tensor([1, 2]).var(0),
        lambda L: L.tensor([True, False]).var(),
        lambda L: L.std_mean(L.tensor([1, 2])),
        lambda L: L.tensor([1, 2]).norm(),
        lambda L: L.norm(L.tensor([1, 2]), dtype=L.float32),
        lambda L: L.nanmean(L.tensor([1, 2])),
    ]:
        with pytest.raises(RuntimeError):
            fn(torch)
        with pytest.raises(RuntimeError):
            fn(ng)


def test_tensor_of_out_of_range_ints_like_torch():
    for v, dt in [([-1], "uint8"), ([-200, 255], "uint8"), ([127, -128], "int8")]:
        same(ng.tensor(v, dtype=getattr(ng, dt)), torch.tensor(v, dtype=getattr(torch, dt)))
    for v, dt in [([300], "uint8"), ([-256], "uint8"), ([128], "int8"), ([2**40], "int32")]:
        with pytest.raises(RuntimeError, match="without overflow"):
            torch.tensor(v, dtype=getattr(torch, dt))
        with pytest.raises(RuntimeError, match="without overflow"):
            ng.tensor(v, dtype=getattr(ng, dt))


@pytest.mark.parametrize("other", [None, "a", [1, 2], (1, 2), object()])
def test_equality_with_a_non_tensor_is_python_identity_like_torch(other):
    # torch's comparisons return NotImplemented for these: == is False, != True, < TypeError
    for lib in (torch, ng):
        t = lib.tensor([1, 2])
        assert (t == other) is False
        assert (t != other) is True
        assert t.__eq__(other) is NotImplemented
        with pytest.raises(TypeError):
            t < other  # noqa: B015


def test_membership_errors_and_scalar_conversions_match_torch():
    for lib in (torch, ng):
        t = lib.arange(4)
        assert (2 in t) and (lib.tensor(3) in t) and (5 not in t)
        with pytest.raises(RuntimeError, match="only supports Tensor or scalar"):
            "a" in t  # noqa: B015
        with pytest.raises(RuntimeError):
            lib.tensor([2, 3]) in t  # noqa: B015 - shapes do not broadcast
        with pytest.raises(ValueError, match="only one element tensors"):
            float(lib.tensor([1.0, 2.0]))
        with pytest.raises(ValueError, match="only one element tensors"):
            int(lib.tensor([1, 2]))
        with pytest.raises(RuntimeError):
            lib.tensor([1.0, 2.0]).item()
        assert hash(t) == id(t)


@pytest.mark.parametrize(
    "make",
    [
        lambda L: L.zeros(0, 3),
        lambda L: L.zeros(2, 0),
        lambda L: L.zeros(0, 3, dtype=L.int32),
        lambda L: L.zeros(0, 3, dtype=L.int64),
        lambda L: L.zeros(0, 3, dtype=L.bool),
        lambda L: L.zeros(0),
        lambda L: L.zeros(0, dtype=L.float64),
        lambda L: L.zeros(0, dtype=L.int64),
        lambda L: L.zeros(0, 3, requires_grad=True),
        lambda L: L.zeros(2, 0, 4, dtype=L.float64, requires_grad=True),
    ],
)
def test_empty_tensors_print_as_torch(make):
    want = repr(make(torch)).replace("torch.", "nablagrad.")
    assert repr(make(ng)) == want
    assert str(make(ng)) == want


def test_t_of_a_vector_is_a_recorded_view():
    x = ng.arange(3.0, requires_grad=True)
    y = x.t()
    assert y.grad_fn is not None
    (y * ng.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0]


def test_real_is_the_tensor_and_imag_raises():
    x = ng.ones(3)
    assert x.real is x
    with pytest.raises(RuntimeError, match="imag is not implemented"):
        x.imag  # noqa: B018


@pytest.mark.parametrize(
    "src,dst",
    [("float32", "int32"), ("int32", "float32"), ("float32", "float64"), ("float32", "int16")],
)
def test_view_dtype_reinterprets_the_bits(src, dst):
    t = torch.arange(8).reshape(2, 4).to(getattr(torch, src)).view(getattr(torch, dst))
    n = ng.arange(8).reshape(2, 4).to(getattr(ng, src)).view(getattr(ng, dst))
    assert str(n.dtype).split(".")[-1] == dst
    np.testing.assert_array_equal(n.numpy(), t.numpy())


def test_view_dtype_shares_memory_and_records_no_gradient():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    assert not x.view(ng.float32).requires_grad
    y = ng.zeros(2)
    y.view(ng.int32)[0] = 1065353216
    assert y.tolist() == [1.0, 0.0]
    with pytest.raises(RuntimeError):
        ng.ones(2, 4).t().view(ng.float64)
