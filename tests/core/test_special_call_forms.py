"""torch.special's argument parsing against torch: the keyword names (``input``/``other``,
NumPy's ``x``/``a``/``x1``/``x2``, ``self=`` for the Python-number overloads of xlogy,
xlog1py and zeta), the scalar/tensor combinations each function takes, and the TypeError
for the ones it refuses."""

import math

import pytest
import torch

import nablagrad as ng

TWO_ARG = ["zeta", "xlogy", "xlog1py", "gammainc", "gammaincc"]
FORMS = {
    "tensor, tensor": lambda f, a, b: f(a, b),
    "tensor, float": lambda f, a, b: f(a, 2.0),
    "float, tensor": lambda f, a, b: f(2.0, b),
    "tensor, int": lambda f, a, b: f(a, 2),
    "int, tensor": lambda f, a, b: f(3, b),
    "float, float": lambda f, a, b: f(2.0, 3.0),
    "input=, other=": lambda f, a, b: f(input=a, other=b),
    "x=, other=": lambda f, a, b: f(x=a, other=b),
    "a=, x2=": lambda f, a, b: f(a=a, x2=b),
    "x1=, x2=": lambda f, a, b: f(x1=a, x2=b),
    "tensor, other=": lambda f, a, b: f(a, other=b),
    "tensor, other=float": lambda f, a, b: f(a, other=2.0),
    "self=float, other=": lambda f, a, b: f(self=2.0, other=b),
    "self=tensor, other=": lambda f, a, b: f(self=a, other=b),
    "input=float, other=": lambda f, a, b: f(input=2.0, other=b),
    "x=float, other=": lambda f, a, b: f(x=2.0, other=b),
    "x=, q=": lambda f, a, b: f(x=a, q=b),
    "out=": lambda f, a, b: f(a, b, out=type(a)([0.0, 0.0, 0.0])),
}


def _call(L, fn, form):
    a, b = L.tensor([2.0, 3.0, 4.5]), L.tensor([1.0, 2.0, 0.5])
    try:
        r = FORMS[form](getattr(L.special, fn), a, b)
    except TypeError:
        return "TypeError"
    return str(r.dtype).split(".")[-1], [v if math.isfinite(v) else str(v) for v in r.tolist()]


@pytest.mark.parametrize("form", list(FORMS))
@pytest.mark.parametrize("fn", TWO_ARG)
def test_two_argument_forms_as_torch(fn, form):
    t, n = _call(torch, fn, form), _call(ng, fn, form)
    if isinstance(t, str) or isinstance(n, str):
        assert n == t
    else:
        assert n[0] == t[0]
        assert n[1] == pytest.approx(t[1], rel=1e-5, abs=1e-6)


UNARY = ["erf", "expit", "i0", "gammaln", "digamma", "log1p", "bessel_j0", "entr", "ndtr"]


@pytest.mark.parametrize("keyword", ["input", "x", "a", "x1", "self"])
@pytest.mark.parametrize("fn", UNARY)
def test_unary_keyword_aliases_as_torch(fn, keyword):
    def call(L):
        try:
            return getattr(L.special, fn)(**{keyword: L.tensor([0.2, 0.3])}).tolist()
        except TypeError:
            return "TypeError"

    t, n = call(torch), call(ng)
    assert n == (t if isinstance(t, str) else pytest.approx(t, rel=1e-5))


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.special.softmax(x=L.tensor([1.0, 2.0]), dim=0),
        lambda L: L.special.logsumexp(a=L.tensor([1.0, 2.0]), dim=0),
        lambda L: L.special.multigammaln(x=L.tensor([2.0, 3.0]), p=1),
        lambda L: L.special.polygamma(1, x=L.tensor([2.0, 3.0])),
        lambda L: L.special.polygamma(n=1, input=L.tensor([2.0, 3.0])),
        lambda L: L.special.polygamma(L.tensor(1), L.tensor([2.0, 3.0])),
        lambda L: L.polygamma(1, L.tensor([2.0, 3.0])),
        lambda L: L.special.chebyshev_polynomial_t(x=L.tensor([0.5, 2.0]), n=2),
    ],
)
def test_other_keyword_forms_as_torch(call):
    assert call(ng).tolist() == pytest.approx(call(torch).tolist(), rel=1e-5)


@pytest.mark.parametrize(
    "call",
    [
        lambda L: L.polygamma(1.0, L.tensor([1.0])),
        lambda L: L.polygamma(L.tensor([1.0]), L.tensor([1.0])),
        lambda L: L.polygamma(True, L.tensor([1.0])),
        lambda L: L.polygamma(L.tensor(True), L.tensor([1.0])),
        lambda L: L.polygamma(1, 2.0),
        lambda L: L.special.polygamma(n=1, self=L.tensor([1.0])),
        lambda L: L.special.multigammaln(2.0, 1),
        lambda L: L.special.multigammaln(L.tensor([2.0]), 1.0),
        lambda L: L.special.chebyshev_polynomial_t(input=L.tensor([0.5]), n=2),
    ],
)
def test_refused_argument_types_as_torch(call):
    for L in (torch, ng):
        with pytest.raises(TypeError):
            call(L)


def test_negative_polygamma_order_as_torch():
    for L in (torch, ng):
        with pytest.raises(RuntimeError, match="negative n"):
            L.polygamma(-1, L.tensor([1.0]))
