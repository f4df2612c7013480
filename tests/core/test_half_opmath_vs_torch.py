"""float16 arithmetic against torch, bit for bit: torch's CPU kernels compute a float16 tensor
times / divided by a Python number (or a 0-d tensor) in float32 and round once, so
``half_x * 1e5`` is not ``half_x * float16(1e5) = half_x * inf``; fused ops (addcmul,
addcdiv, lerp) and the sums behind sum/mean/cumsum/var/std accumulate in float32; a number
outside float16's range as a bound, fill value, exponent or alpha raises.  Also Python-style
floor division and remainder of float tensors (``1.0 // 0.1 == 9.0``, ``-2.0 % inf == inf``)."""

import warnings

import numpy as np
import pytest
import torch

import nablagrad as ng

_RNG = np.random.default_rng(0)
_X = np.concatenate(
    [_RNG.standard_normal(400) * np.exp(_RNG.uniform(-12, 10, 400)), [0.0, -0.0, 1.0, 2.0]]
).astype(np.float16)
_X = _X[np.isfinite(_X)]
SCALARS = [0.1, 1e5, 1e-5, 3.3, 7, 1 / 3, -2.5, 1e-8, 100000, 65519.0]


def _lib(t):
    return torch if isinstance(t, torch.Tensor) else ng


OPS = {
    "mul": lambda t, s: t * s,
    "rmul": lambda t, s: s * t,
    "div": lambda t, s: t / s,
    "rdiv": lambda t, s: s / t,
    "true_divide": lambda t, s: _lib(t).true_divide(t, s),
    "mul_": lambda t, s: t.clone().mul_(s),
    "div_": lambda t, s: t.clone().div_(s),
    "imul": lambda t, s: t.clone().__imul__(s),
    "mul_0d": lambda t, s: t * _lib(t).tensor(s),
    "div_0d_float64": lambda t, s: t / _lib(t).tensor(s, dtype=_lib(t).float64),
    "add": lambda t, s: t + s,
    "sub": lambda t, s: t - s,
    "rsub": lambda t, s: s - t,
    "floordiv": lambda t, s: t // s,
    "rfloordiv": lambda t, s: s // t,
    "remainder": lambda t, s: t % s,
    "rremainder": lambda t, s: s % t,
    "fmod": lambda t, s: t.fmod(s),
    "addcmul": lambda t, s: t.addcmul(t, t, value=s),
    "addcdiv": lambda t, s: t.addcdiv(t, t.abs() + 1, value=s),
    "addcmul_": lambda t, s: t.clone().addcmul_(t, t, value=s),
    "lerp": lambda t, s: t.lerp(t * 0.5, s),
    "where": lambda t, s: _lib(t).where(t > 0, t, s),
    "eq": lambda t, s: t == s,
    "lt": lambda t, s: t < s,
}


def _both(f, *args):
    out = []
    for x in (torch.from_numpy(_X), ng.tensor(_X)):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                out.append(f(x, *args))
            except Exception as e:  # noqa: BLE001 - the error type is compared
                out.append(e)
    return out


def _bits(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.detach().numpy()


@pytest.mark.parametrize("name", OPS)
def test_float16_with_a_number_as_torch(name):
    for s in SCALARS:
        t, n = _both(OPS[name], s)
        if isinstance(t, Exception):
            assert isinstance(n, type(t)), (name, s, t, n)
            continue
        assert not isinstance(n, Exception), (name, s, t, n)
        assert str(n.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(_bits(n), _bits(t), err_msg=f"{name} with {s}")


def test_float16_times_large_number_is_not_nan():
    x = ng.tensor([0.0, 1e-3, 1.0], dtype=ng.float16)
    assert (x * 1e5).tolist() == [0.0, 100.0625, float("inf")]
    assert (x / 1e5)[2].item() == pytest.approx(1e-5, rel=2e-3)


@pytest.mark.parametrize(
    "expr",
    [
        "x.clamp(-1e5, 1e5)",
        "x.clamp(max=1e5)",
        "x.clamp(min=-70000)",
        "x.masked_fill(x > 0, 1e5)",
        "x.clone().fill_(1e5)",
        "x ** 1e5",
        "L.add(x, x, alpha=1e5)",
        "L.sub(x, x, alpha=70000)",
        "x.clamp(max=65504.5)",
    ],
)
def test_number_outside_float16_range_raises_as_torch(expr):
    for L in (torch, ng):
        x = L.tensor([0.0, 1.0, -2.0], dtype=L.float16)
        with pytest.raises(RuntimeError, match="without overflow"):
            eval(expr, {"L": L, "x": x})


@pytest.mark.parametrize(
    "expr",
    ["x.clamp(max=float('inf'))", "x.masked_fill(x > 0, float('inf'))", "x.clamp(max=65504.0)"],
)
def test_infinite_and_in_range_values_pass_as_torch(expr):
    res = []
    for L in (torch, ng):
        x = L.tensor([0.0, 1.0, -2.0], dtype=L.float16)
        res.append(eval(expr, {"L": L, "x": x}).tolist())
    assert res[0] == res[1]


REDUCTIONS = {
    "sum": lambda x: x.sum(),
    "mean": lambda x: x.mean(),
    "mean_dim": lambda x: x.reshape(2, -1).mean(1),
    "cumsum": lambda x: x.cumsum(0),
    "var": lambda x: x.var(),
    "std": lambda x: x.std(),
    "std_dim": lambda x: x.reshape(2, -1).std(1, correction=0),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize(
    "values",
    [[60000.0, 0.0, 30000.0, -60000.0], [40000.0] * 4, [1.0] * 3000, [0.1, 0.2, 0.3, 1e-3]],
)
def test_float16_reductions_accumulate_in_float32_as_torch(name, values):
    f = REDUCTIONS[name]
    t = f(torch.tensor(values, dtype=torch.float16))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        n = f(ng.tensor(values, dtype=ng.float16))
    assert n.dtype == ng.float16
    np.testing.assert_array_equal(n.numpy(), t.numpy())


def test_float16_gradients_as_torch():
    grads = []
    for L in (torch, ng):
        x = L.tensor([0.0, 1e-3, 0.5, -2.0], dtype=L.float16, requires_grad=True)
        w = L.tensor([1.0, 2.0, 3.0, 4.0], dtype=L.float16, requires_grad=True)
        y = (x * 1e5 + x / 1e-3 + L.lerp(x, w, 0.75) + x.addcmul(x, w, value=10.0)).sum()
        y = y + (x.var() + x.mean()) * 0.5
        y.backward()
        assert x.grad.dtype == L.float16 and w.grad.dtype == L.float16
        grads.append((x.grad.tolist(), w.grad.tolist()))
    np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=2e-3)
    np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=2e-3)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("op", ["floordiv", "div_floor", "floor_divide", "remainder"])
def test_float_floor_division_and_remainder_as_torch(dtype, op):
    rng = np.random.default_rng(1)
    a = (rng.standard_normal(3000) * np.exp(rng.uniform(-5, 8, 3000))).astype(dtype)
    b = (rng.standard_normal(3000) * np.exp(rng.uniform(-5, 3, 3000))).astype(dtype)
    a[:6] = [1.0, -2.0, 0.0, -0.0, 5.0, np.inf]
    b[:6] = [0.1, np.inf, -np.inf, 0.3, 0.0, 2.0]
    f = {
        "floordiv": lambda x, y: x // y,
        "div_floor": lambda x, y: x.div(y, rounding_mode="floor"),
        "floor_divide": lambda x, y: x.floor_divide(y),
        "remainder": lambda x, y: x % y,
    }[op]
    t = f(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    with np.errstate(all="ignore"):
        n = f(ng.tensor(a), ng.tensor(b)).numpy()
    np.testing.assert_array_equal(n, t)


def test_floor_division_examples_and_remainder_gradient_as_torch():
    for L in (torch, ng):
        assert (L.tensor([1.0]) // 0.1).item() == 9.0
        assert L.remainder(L.tensor([1.0, -2.0]), float("inf")).tolist() == [1.0, float("inf")]
    res = []
    for L in (torch, ng):
        a = L.tensor([5.5, -3.25, 7.0], requires_grad=True)
        b = L.tensor([2.0, 1.5, -3.0], requires_grad=True)
        r = L.remainder(a, b)
        q = L.div(a, b, rounding_mode="floor")
        (r * L.tensor([1.0, 2.0, 3.0])).sum().backward()
        res.append(
            (
                a.grad.tolist(),
                b.grad.tolist(),
                r.grad_fn.name(),
                L.remainder(a, 2.0).grad_fn.name(),
                q.grad_fn.name(),
            )
        )
    assert res[0] == res[1]


def test_lerp_reaches_end_exactly_as_torch():
    for L in (torch, ng):
        a, b = L.tensor([0.1, 0.3]), L.tensor([0.7, 0.9])
        assert L.equal(L.lerp(a, b, 1.0), b)
        assert (
            L.lerp(a, b, L.tensor([1.0, 0.7])).tolist()
            == torch.lerp(
                torch.tensor([0.1, 0.3]), torch.tensor([0.7, 0.9]), torch.tensor([1.0, 0.7])
            ).tolist()
        )


@pytest.mark.parametrize("weight", [0.3, 0.75, "tensor", "tensor0d"])
def test_lerp_values_gradients_and_node_as_torch(weight):
    rng = np.random.default_rng(3)
    s, e = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    w = rng.uniform(-0.5, 1.5, (3, 4))
    res = []
    for L in (torch, ng):
        a = L.tensor(s, requires_grad=True)
        b = L.tensor(e, requires_grad=True)
        if weight == "tensor":
            wt = L.tensor(w, requires_grad=True)
        elif weight == "tensor0d":
            wt = L.tensor(0.6, dtype=L.float64, requires_grad=True)
        else:
            wt = weight
        out = L.lerp(a, b, wt)
        (g,) = L.autograd.grad((out * out).sum(), [a], create_graph=True)
        g.sum().backward()
        grads = [a.grad.numpy(), b.grad.numpy()]
        if not isinstance(wt, float):
            grads.append(wt.grad.numpy())
        res.append((out.detach().numpy(), grads, out.grad_fn.name()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-12)
    for x, y in zip(res[1][1], res[0][1]):
        np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12)
    assert res[1][2] == res[0][2]
