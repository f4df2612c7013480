"""More calls compared with torch 2.13: ``tensor(list)`` with tensors inside (each read as one
number), calls torch refuses (``keepdim=True`` without ``dim``, ``full(int, v)``, bool
tensors in median/argmax/topk ...), and ``finfo``/``iinfo`` attributes and printing.  Each
expression runs on both libraries (``L`` is torch or nablagrad): values, dtype and shape must
match, or both must raise the same error type."""

import pytest
import torch
from helpers import run_expression

import nablagrad as ng

EXPRESSIONS = [
    # tensor(list) with tensors: each is one number; dtype promotes over the elements
    "L.tensor([L.tensor([1.]), L.tensor([2.])])",
    "L.tensor([L.tensor(1.), L.tensor(2.)])",
    "L.tensor([L.tensor(1), 2.5])",
    "L.tensor([L.tensor(True), 2])",
    "L.tensor([L.tensor(True), True])",
    "L.tensor([L.tensor([[1.]]), L.tensor([[2.]])])",
    "L.tensor([L.tensor([1.], dtype=L.float16), 2])",
    "L.tensor([L.tensor(1., dtype=L.float16), 2.5])",
    "L.tensor([2.5, L.tensor(1., dtype=L.float64)])",
    "L.tensor([L.tensor(1, dtype=L.int8), 2])",
    "L.tensor([L.tensor(1, dtype=L.int8), L.tensor(2, dtype=L.uint8)])",
    "L.tensor([[L.tensor(1), 2], [3, L.tensor(4.)]])",
    "L.tensor([[L.tensor(1)], [2]])",
    "L.tensor((L.tensor(1.), L.tensor(2.)))",
    "L.tensor([L.tensor(1.), L.tensor(2.)], dtype=L.float64)",
    "L.tensor([L.tensor([1., 2.]), [3, 4]])",
    "L.tensor([L.tensor([1, 2]), L.tensor([3, 4])])",
    "L.tensor([L.tensor([1.]), L.tensor([2., 3.])])",
    "L.tensor([L.tensor([]), L.tensor([])])",
    # keepdim without dim, dims that torch requires
    "L.ones(2, 2).mean(keepdim=True)",
    "L.mean(L.ones(2, 2), keepdim=True)",
    "L.ones(2, 2).sum(keepdim=True)",
    "L.sum(L.ones(2, 2), keepdim=True)",
    "L.ones(2, 2).sum(None, keepdim=True)",
    "L.ones(2, 2).mean(None, True)",
    "L.ones(2, 2).sum(dim=None, keepdim=True)",
    "L.ones(2, 2).sum()",
    "L.ones(2, 2).prod(keepdim=True)",
    "L.ones(2, 2).max(keepdim=True)",
    "L.ones(2, 2).min(keepdim=True)",
    "L.ones(2, 2).median(keepdim=True)",
    "L.ones(2, 2).amax(keepdim=True)",
    "L.ones(2, 2).std(keepdim=True)",
    "L.ones(2, 2).argmax(keepdim=True)",
    "L.ones(2, 2).logsumexp()",
    "L.ones(2, 2).logsumexp((0, 1))",
    # size arguments
    "L.full(2, 3)",
    "L.full(2, 3.0)",
    "L.full(size=2, fill_value=3)",
    "L.full((2,), 3)",
    "L.full([2, 1], 3.0)",
    # bool tensors torch refuses
    "L.tensor([True, False, True]).median()",
    "L.tensor([True, False, True]).median(0)",
    "L.tensor([True, False, True]).nanmedian()",
    "L.tensor([True, False, True]).argmax()",
    "L.tensor([True, False, True]).argmin()",
    "L.tensor([True, False, True]).argmax(0)",
    "L.tensor([True, False, True]).topk(1)",
    "L.tensor([True, False, True]).kthvalue(1)",
    "L.tensor([[True]]).trace()",
    "L.searchsorted(L.tensor([False, True]), L.tensor([True]))",
    "L.tensor([True, False]).histc()",
    "L.tensor([1, 2]).histc()",
    "L.tensor([1, 2]).logcumsumexp(0)",
    "L.tensor([True, False]) // L.tensor([True, True])",
    "L.tensor([True, False]) % L.tensor([True, True])",
    "L.tensor([True, False]).div(L.tensor([True, True]), rounding_mode='trunc')",
    # unique keeps each NaN, as torch's
    "L.unique(L.tensor([1., float('nan'), float('nan')]))",
    "L.unique(L.tensor([float('nan'), 1., float('nan')]), return_inverse=True, return_counts=True)",
    "L.unique(L.tensor([3, 1, 3, 2]), return_inverse=True, return_counts=True)",
    # fill values outside an integer dtype; float16 softmax/sigmoid/sum(dtype=int8)
    "L.zeros(2, dtype=L.int8).fill_(300)",
    "L.zeros(2, dtype=L.uint8).fill_(-1)",
    "L.zeros(2, dtype=L.uint8).fill_(-256)",
    "L.zeros(2, dtype=L.int8).fill_(1e5)",
    "L.zeros(2, dtype=L.int64).fill_(2**63)",
    "L.zeros(2, dtype=L.int64).fill_(float('nan'))",
    "L.zeros(2, dtype=L.int64).fill_(2.7)",
    "L.tensor([[0.5, -1.25, 3.0], [1e-3, 2.0, -0.1]], dtype=L.float16).softmax(1)",
    "L.tensor([[0.5, -1.25, 3.0], [1e-3, 2.0, -0.1]], dtype=L.float16).sigmoid()",
    "L.tensor([100, 100], dtype=L.int8).sum(dtype=L.int8)",
    "L.tensor([100, 100], dtype=L.int8).prod(dtype=L.int8)",
    "L.tensor([300.0, 300.0], dtype=L.float16).prod()",
    "L.tensor([-0.0, 5.0, -3.0]) % 2",
    "L.tensor([-0.0, 5.0, -3.0]) % -2",
    # bool tensors torch accepts
    "L.tensor([True, False, True]).max()",
    "L.tensor([True, False, True]).max(0)",
    "L.tensor([True, False, True]).sort()",
    "L.tensor([True, False, True]).amax()",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_as_torch(expr):
    t, n = run_expression(torch, expr), run_expression(ng, expr)
    if isinstance(t, Exception):
        assert type(n) is type(t) or (isinstance(n, type(t)) and type(t) is not Exception), (
            f"torch raised {t!r}, nablagrad gave {n!r}"
        )
        return
    assert not isinstance(n, Exception), f"torch gave {t}, nablagrad raised {n!r}"
    assert n == t


def test_tensor_of_a_tensor_requiring_grad_warns_as_torch():
    for L in (torch, ng):
        with pytest.warns(UserWarning, match="requires_grad=True to a scalar"):
            r = L.tensor([L.tensor([1.0], requires_grad=True), 2.0])
        assert r.shape == (2,) and not r.requires_grad


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_as_torch(name):
    t, n = torch.finfo(getattr(torch, name)), ng.finfo(getattr(ng, name))
    assert repr(n) == repr(t) and str(n) == str(t)
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        a, b = getattr(n, attr), getattr(t, attr)
        assert type(a) is type(b) and a == b, attr
    assert n == ng.finfo(getattr(ng, name)) and n != ng.finfo(
        ng.float16 if name != "float16" else ng.float32
    )


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_as_torch(name):
    t, n = torch.iinfo(getattr(torch, name)), ng.iinfo(getattr(ng, name))
    assert repr(n) == repr(t) and str(n) == str(t)
    for attr in ("bits", "max", "min", "dtype"):
        a, b = getattr(n, attr), getattr(t, attr)
        assert type(a) is type(b) and a == b, attr


@pytest.mark.parametrize(
    "expr",
    [
        "L.iinfo(L.bool)",
        "L.finfo(L.int64)",
        "L.iinfo(L.float32)",
        "L.finfo('float32')",
        "hash(L.finfo(L.float32))",
    ],
)
def test_finfo_iinfo_refusals_as_torch(expr):
    for L in (torch, ng):
        with pytest.raises(TypeError):
            eval(expr, {"L": L})


def test_default_finfo_is_the_default_dtype():
    assert repr(ng.finfo()) == repr(torch.finfo())


@pytest.mark.parametrize(
    "expr, names",
    [
        ("L.tensor([1, 2]).add_(1.5)", ("Float", "Long")),
        ("L.tensor([True]).add_(1)", ("Long", "Bool")),
        ("L.tensor([1, 2]).exp_()", ("Float", "Long")),
        ("L.tensor([1], dtype=L.int8).mul_(L.tensor([1.0], dtype=L.float64))", ("Double", "Char")),
    ],
)
def test_inplace_cast_refusal_names_dtypes_as_torch(expr, names):
    message = "result type {} can't be cast to the desired output type {}".format(*names)
    for L in (torch, ng):
        with pytest.raises(RuntimeError, match=message):
            eval(expr, {"L": L})


@pytest.mark.parametrize(
    "expr",
    [
        "L.ones(2, 3) + L.ones(2)",
        "L.ones(4, 2, 3) * L.ones(5, 1, 3)",
        "L.ones(2, 3).add_(L.ones(2, 3, 1))",
        "L.ones(3, 2, 2) - L.ones(4, 2)",
    ],
)
def test_broadcast_errors_name_the_dimension_as_torch(expr):
    import re

    messages = []
    for L in (torch, ng):
        with pytest.raises(RuntimeError) as info:
            eval(expr, {"L": L})
        found = re.search(
            r"The size of tensor a \(\d+\) must match .* dimension \d+", str(info.value)
        )
        assert found, str(info.value)
        messages.append(found.group(0))
    assert messages[0] == messages[1]
