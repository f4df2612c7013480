"""Edge cases of common functions against torch: bool and integer tensors in math ops, 0-d
tensors, ``add``/``sub``'s ``alpha``, indexing with empty lists and byte masks, ``view`` of
layouts that need a copy.  Each expression runs on both libraries (``L`` is torch or
nablagrad); values, dtype and shape must match, or both must raise the same error type."""

import pytest
import torch
from helpers import run_expression

import nablagrad as ng

EXPRESSIONS = [
    # bool tensors
    "-L.tensor([True, False])",
    "L.tensor([True, False]).neg()",
    "L.tensor([True, False]).abs()",
    "L.tensor([True, False]).relu()",
    "L.nn.functional.relu(L.tensor([True, False]))",
    "L.tensor([True, False]).sign()",
    "L.tensor([True, False]).sgn()",
    "L.square(L.tensor([True, False]))",
    # integer tensors in floating-point kernels
    "L.tensor([1, 2]).frac()",
    "L.tensor([1.5, -2.25]).frac()",
    "L.tensor([1, 2]).hypot(L.tensor([1, 1]))",
    "L.tensor([1.0, 2]).hypot(L.tensor([1, 1]))",
    "L.logaddexp(L.tensor([1, 2]), L.tensor([1, 2]))",
    "L.logaddexp(L.tensor([1, 2]), L.tensor([1.0, 2]))",
    "L.logaddexp2(L.tensor([1, 2]), L.tensor([1, 2]))",
    "L.tensor([1, 2]).lerp(L.tensor([3, 4]), 0.5)",
    "L.lerp(L.tensor([1.0, 2]), L.tensor([3.0, 4], dtype=L.float64), 0.5)",
    "L.lerp(L.tensor([1.0, 2]), L.tensor([3.0, 4]), L.tensor([0.5, 0.5], dtype=L.float64))",
    "L.lerp(L.tensor([1.0, 2]), L.tensor([3.0, 4]), L.tensor(0.5, dtype=L.float64))",
    "L.addcdiv(L.zeros(2), L.tensor([1, 2]), L.tensor([3, 4]))",
    "L.addcdiv(L.zeros(2), L.tensor([1.0, 2]), L.tensor([3, 4]))",
    # alpha
    "L.sub(L.tensor([1, 2]), 1, alpha=2)",
    "L.add(L.tensor([1, 2]), 1, alpha=3)",
    "L.rsub(L.tensor([1, 2]), 1, alpha=2)",
    "L.add(L.tensor([1, 2]), L.tensor([3, 4]), alpha=2.5)",
    "L.add(L.tensor([1.0, 2]), L.tensor([3, 4]), alpha=2.5)",
    "L.tensor([1, 2]).add_(1, alpha=2.5)",
    "L.sub(L.tensor([1, 2]), 1.0, alpha=2.5)",
    # 0-d tensors
    "L.tensor(3.0).kthvalue(1)",
    "L.tensor(3.0).kthvalue(2)",
    "L.tensor(3.0).kthvalue(1, 1)",
    "L.tensor(3.0).index_select(0, L.tensor([0]))",
    "L.tensor(3.0).index_select(0, L.tensor(0))",
    "L.tensor(3.0).index_select(0, L.tensor([0, 0]))",
    "L.tensor(3.0).gather(0, L.tensor(0))",
    "L.tensor(3.0).gather(0, L.tensor([0, 0]))",
    "L.tensor(3.0).gather(0, L.tensor([1]))",
    "L.tensor(3.0).movedim(0, 0)",
    "L.tensor(3.0).movedim(-1, 0)",
    "L.tensor(3.0).movedim(1, 0)",
    # where with a condition alone
    "L.where(L.tensor([[1, 0], [0, 2]]))",
    "L.where(L.tensor([0.5, 0.0]))",
    "L.where(L.tensor(1))",
    # norms, fills, indexing, views
    "L.norm(L.tensor([[1.0, 2], [3, 5]]), p='nuc')",
    "L.norm(L.ones(2, 3), p='nuc', keepdim=True)",
    "L.norm(L.ones(2, 3, 4), p='nuc', dim=(1, 2))",
    "L.norm(L.ones(2, 3, 4), p='nuc')",
    "L.tensor([1.0, 2]).fill_(L.tensor([3.0]))",
    "L.tensor([1.0, 2]).fill_(L.tensor(3.0))",
    "L.arange(6.0).reshape(2, 3)[[]]",
    "L.arange(6.0).reshape(2, 3)[L.tensor([0, 1], dtype=L.uint8)]",
    "L.arange(6.0).reshape(2, 3)[:, L.tensor([1, 0, 1], dtype=L.uint8)]",
    "L.arange(6.0).reshape(2, 3).t().view(-1)",
    "L.arange(6.0).reshape(2, 3).t().view(3, 2)",
    "L.arange(6.0).reshape(2, 3).t().view(3, 1, 2)",
    "L.arange(24.0).reshape(2, 3, 4).permute(1, 0, 2).view(3, 8)",
    "L.arange(24.0).reshape(2, 3, 4).permute(1, 0, 2).view(6, 4)",
    "L.arange(24.0).reshape(4, 6)[:, :3].view(2, 2, 3)",
    "L.arange(24.0).reshape(4, 6)[:, :3].view(12)",
    "L.arange(6.0).reshape(1, 6).expand(4, 6).view(4, 2, 3)",
    "L.arange(6.0).reshape(1, 6).expand(4, 6).view(24)",
    "L.tensor(1.0).view(1, 1)",
    "L.arange(6.0).reshape(2, 3).t().view_as(L.zeros(6))",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_as_torch(expr):
    t, n = run_expression(torch, expr), run_expression(ng, expr)
    if isinstance(t, Exception):
        assert isinstance(n, type(t)), f"torch raised {t!r}, nablagrad gave {n!r}"
        return
    assert not isinstance(n, Exception), f"torch gave {t}, nablagrad raised {n!r}"
    _same(n, t)


def _same(n, t):
    if isinstance(t, tuple) and len(t) == 3 and isinstance(t[2], list):  # one tensor
        assert n[:2] == t[:2]
        assert n[2] == pytest.approx(t[2], rel=1e-6, abs=1e-6)
    elif isinstance(t, tuple):
        assert len(n) == len(t)
        for a, b in zip(n, t):
            _same(a, b)
    else:
        assert n == t


def test_byte_mask_warns_as_torch():
    for L in (torch, ng):
        with pytest.warns(UserWarning, match="uint8"):
            L.arange(3)[L.tensor([1, 0, 1], dtype=L.uint8)]


def test_zero_d_gather_and_index_select_gradients_as_torch():
    grads = []
    for L in (torch, ng):
        x = L.tensor(3.0, requires_grad=True)
        y = x.gather(0, L.tensor([0, 0])).sum() + x.index_select(0, L.tensor([0])) * 3
        y.backward()
        grads.append(x.grad.item())
    assert grads[0] == grads[1] == 5.0


OUT_CALLS = {
    "sum": lambda L, x: L.sum(x, 1, out=L.empty(2)),
    "prod": lambda L, x: L.prod(x, 1, out=L.empty(2)),
    "argmax": lambda L, x: L.argmax(x, 1, out=L.empty(2, dtype=L.int64)),
    "argmin": lambda L, x: L.argmin(x, 0, out=L.empty(2, dtype=L.int64)),
    "nansum": lambda L, x: L.nansum(x, 1, out=L.empty(2)),
    "median": lambda L, x: L.median(x, 1, out=(L.empty(2), L.empty(2, dtype=L.int64))),
    "nanmedian": lambda L, x: L.nanmedian(x, 1, out=(L.empty(2), L.empty(2, dtype=L.int64))),
    "softmax": lambda L, x: L.softmax(x, 1, out=L.empty(2, 2)),
    "log_softmax": lambda L, x: L.log_softmax(x, 1, out=L.empty(2, 2)),
    "index_add": lambda L, x: L.index_add(x, 0, L.tensor([0]), x[:1], out=L.empty(2, 2)),
    "angle": lambda L, x: L.angle(x - 2, out=L.empty(2, 2)),
    "narrow_copy": lambda L, x: L.narrow_copy(x, 0, 0, 1, out=L.empty(1, 2)),
    "take": lambda L, x: L.take(x, L.tensor([0, 3]), out=L.empty(2)),
    "scatter": lambda L, x: L.scatter(x, 0, L.tensor([[0]]), 5.0, out=L.empty(2, 2)),
    "scatter_add": lambda L, x: L.scatter_add(x, 0, L.tensor([[0]]), x, out=L.empty(2, 2)),
}


@pytest.mark.parametrize("name", list(OUT_CALLS))
def test_out_keyword_as_torch(name):
    results = []
    for L in (torch, ng):
        x = L.tensor([[1.0, 2.0], [3.0, 4.0]])
        r = OUT_CALLS[name](L, x)
        r = r if isinstance(r, tuple) else (r,)
        results.append([(str(v.dtype).split(".")[-1], v.reshape(-1).tolist()) for v in r])
    assert [d for d, _ in results[1]] == [d for d, _ in results[0]]
    for (_, a), (_, b) in zip(results[1], results[0]):
        assert a == pytest.approx(b, rel=1e-6)


@pytest.mark.parametrize(
    "expr",
    [
        "L.tensor([1, 2]).fmod(0)",
        "L.tensor([1, 2]).fmod(L.tensor([0, 1]))",
        "L.tensor([1.0, 2]).fmod(0)",
        "L.tensor([1.0, 2]).H",
        "L.zeros(2, 3, 4).H",
        "L.zeros(2, 3).H",
        "L.zeros(2).mT",
        "L.zeros(2).mH",
        "L.zeros(2, 3, 4).mT",
        "L.linspace(L.tensor(0.0), L.tensor(1.0), 3)",
        "L.linspace(0, L.tensor(2.0), 5)",
        "L.linspace(L.tensor([0.0, 1]), 1, 3)",
        "L.logspace(L.tensor(0), L.tensor(1), 2)",
    ],
)
def test_more_as_torch(expr):
    test_as_torch(expr)


@pytest.mark.parametrize(
    "expr",
    [
        "L.tensor([[1.0, 2]]).new_zeros(size=(2,))",
        "L.tensor([[1.0, 2]]).new_ones(size=(2,))",
        "L.tensor([[1.0, 2]]).new_empty(size=(2,)).shape",
        "L.tensor([[1.0, 2]]).masked_fill_(mask=L.tensor([[True, False]]), value=0)",
        "L.tensor([[1.0, 2]]).put_(index=L.tensor([0]), source=L.tensor([3.0]))",
        "L.tensor([[1.0, 2]]).lerp_(end=L.ones(1, 2), weight=0.5)",
        "L.tensor([[1.0, 2]]).pow_(exponent=2)",
        "L.tensor([[1.0, 2]]).addcmul_(tensor1=L.ones(1, 2), tensor2=L.ones(1, 2), value=2)",
        "L.tensor([[1.0, 2]]).addcdiv_(tensor1=L.ones(1, 2), tensor2=L.ones(1, 2), value=2)",
        "L.tensor([[1.0, 2]]).pow_()",
        "L.tensor([[1.0, 2]]).pow_(2)",
        "L.tensor([1.0, 2]).var(unbiased=True, correction=1)",
        "L.tensor([[1.0, 3]]).std(0, True, correction=1)",
        "L.std_mean(L.tensor([1.0, 2]), unbiased=False, correction=0)",
        "L.tensor([1.0, 2]).var(correction=0)",
        "L.tensor([1.0, 2]).renorm(2, 0, 1)",
        "L.tensor([[3.0, 4.0], [0.3, 0.4]]).renorm(2, 0, 1)",
        "L.tensor(2.0).cumprod(0)",
        "L.tensor(3).cumprod(-1)",
        "L.tensor(2.0).cumprod(1)",
        "L.floor(L.tensor([True]))",
        "L.ceil(L.tensor([True]))",
        "L.trunc(L.tensor([True]))",
        "L.fix(L.tensor([True]))",
        "L.floor(L.tensor([1, 2]))",
    ],
)
def test_in_place_and_new_keywords_as_torch(expr):
    test_as_torch(expr)


RESULT_CALLS = {
    "max": lambda L, x: x.max(1),
    "min": lambda L, x: L.min(x, 0, keepdim=True),
    "sort": lambda L, x: x.sort(1, descending=True),
    "topk": lambda L, x: x.topk(1),
    "kthvalue": lambda L, x: x.kthvalue(1, 0),
    "median": lambda L, x: x.median(1),
    "nanmedian": lambda L, x: x.nanmedian(0),
    "mode": lambda L, x: x.mode(1),
    "cummax": lambda L, x: x.cummax(1),
    "cummin": lambda L, x: L.cummin(x, 0),
    "aminmax": lambda L, x: x.aminmax(dim=1),
    "max 0-d": lambda L, x: x[0, 0].max(0),
    "median 0-d": lambda L, x: x[0, 0].median(0),
    "cummax 0-d": lambda L, x: x[0, 0].cummax(0),
}


@pytest.mark.parametrize("name", list(RESULT_CALLS))
def test_return_types_as_torch(name):
    import pickle

    t = RESULT_CALLS[name](torch, torch.tensor([[3.0, 1.0], [2.0, 2.0]]))
    n = RESULT_CALLS[name](ng, ng.tensor([[3.0, 1.0], [2.0, 2.0]]))
    assert type(n).__name__ == type(t).__name__
    assert repr(n).replace("nablagrad", "torch") == repr(t)
    assert isinstance(n, tuple) and len(n) == 2
    back = pickle.loads(pickle.dumps(n))
    assert type(back) is type(n) and back[0].tolist() == n[0].tolist()
