"""ReLU's, sigmoid's and tanh's pooled passes (arrays of 2**14 elements or more) with the
compiled kernels (``ops/_activation_jit.py``) and with the NumPy fallback: torch's values and
gradients, including NaN, infinities and signed zeros, float32 and float64, batch shards, and
arrays the kernels do not take (non-contiguous, float16)."""

import numpy as np
import pytest
import torch
from helpers import assert_close
from kernel_modes import kernel_mode  # noqa: F401 - runs every test with both kernels

import nablagrad as ng

SHAPE = (8, 4, 32, 24)  # 24,576 elements: the pooled path


def _ran(kernel) -> bool:
    """Whether a compiled activation kernel ran: compiled on its own, or inside a driver that
    split its pass between Numba's threads (``ops/_split_jit.py``)."""
    from nablagrad.ops import _split_jit

    return kernel._compiled is not None or any(fn is kernel.fn for fn, _ in _split_jit._drivers)


def _input(dtype) -> np.ndarray:
    x = np.random.default_rng(3).standard_normal(SHAPE).astype(dtype)
    x.reshape(-1)[:6] = [np.nan, -0.0, 0.0, np.inf, -np.inf, -np.nan]
    return x


def _both(x: np.ndarray, g: np.ndarray, name: str = "relu") -> tuple:
    xn = ng.tensor(x, requires_grad=True)
    yn = getattr(ng, name)(xn)
    yn.backward(ng.tensor(g))
    xt = torch.tensor(x, requires_grad=True)
    yt = getattr(torch, name)(xt)
    yt.backward(torch.tensor(g))
    return yn, xn.grad, yt, xt.grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_matches_torch(dtype, kernel_mode):  # noqa: F811 - the fixture's value
    x = _input(dtype)
    g = np.random.default_rng(4).standard_normal(SHAPE).astype(dtype)
    g.reshape(-1)[7] = np.nan  # a NaN gradient passes where the output is positive
    x.reshape(-1)[7] = 1.0
    yn, gn, yt, gt = _both(x, g)
    assert_close(yn, yt.detach(), 0, 0, "relu")
    assert_close(gn, gt, 0, 0, "relu gradient")
    # the compiled kernel keeps -0.0 as torch does (NumPy's maximum gives +0.0 there)
    if kernel_mode == "compiled":
        from nablagrad.ops import _activation_jit

        assert _ran(_activation_jit.relu)  # it ran (no silent fallback)
        assert _ran(_activation_jit.relu_grad)
        assert np.array_equal(np.signbit(yn.detach().numpy()), np.signbit(yt.detach().numpy()))


def test_relu_non_contiguous_and_float16():
    """Inputs the kernels do not take go through NumPy: same results."""
    x = _input(np.float32)[:, :, :, ::2]
    g = np.ones(x.shape, np.float32)
    yn, gn, yt, gt = _both(x, g)
    assert_close(yn, yt.detach(), 0, 0, "strided relu")
    assert_close(gn, gt, 0, 0, "strided relu gradient")
    h = np.random.default_rng(5).standard_normal(SHAPE).astype(np.float16)
    assert_close(ng.relu(ng.tensor(h)), torch.relu(torch.tensor(h)), 0, 0, "float16 relu")


def test_relu_batch_shards(monkeypatch, num_threads):
    """Split over three threads (uneven shards): the same values."""
    from nablagrad import parallel

    monkeypatch.setattr(parallel.batch_ranges, "__defaults__", (0, 0.0))
    num_threads(3)
    x = _input(np.float32)[:7]
    g = np.random.default_rng(6).standard_normal(x.shape).astype(np.float32)
    yn, gn, yt, gt = _both(x, g)
    assert_close(yn, yt.detach(), 0, 0, "relu")
    assert_close(gn, gt, 0, 0, "relu gradient")


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_tanh_match_torch(name, dtype, kernel_mode):  # noqa: F811 - the fixture's value
    """Values and gradients to a few units in the last place, NaN and infinities included."""
    x = _input(dtype) * 4
    g = np.random.default_rng(7).standard_normal(SHAPE).astype(dtype)
    yn, gn, yt, gt = _both(x, g, name)
    tol = 2e-7 if dtype == np.float32 else 1e-15
    assert_close(yn, yt.detach(), tol, tol, name)
    # 1 - t^2 and s (1 - s) cancel near saturation: absolute errors of a few float32 units
    # of the gradient's scale (|g| ~ 1)
    assert_close(gn, gt, 5 * tol, tol, f"{name} gradient")
    if kernel_mode == "compiled":
        from nablagrad.ops import _activation_jit

        assert _ran(_activation_jit.tanh_grad) or name == "sigmoid"
        assert _ran(_activation_jit.sigmoid_grad) or name == "tanh"


@pytest.mark.parametrize("size", [5, 70_000])  # the plain formula and the pooled pass
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_tails_keep_relative_precision(size, dtype, kernel_mode):  # noqa: F811
    """sigmoid(x) for x from -800 to 40 to a few units in the last place relative to torch's,
    however small: (1 + tanh(x/2)) / 2 gave 0 at x = -20 (torch 2.1e-9) and a 2e-4 relative
    error at -10.  Where e^-x overflows (x < -88.72 in float32) both give 0; torch's float32
    results between -88.72 and -87.3 are subnormal (fewer digits): matched to 1e-5 relative."""
    x = np.linspace(-800, 40, size).astype(dtype)
    x[:4] = [np.nan, np.inf, -np.inf, -0.0]
    x[4] = -20.0
    g = np.ones_like(x)
    yn, gn, yt, gt = _both(x, g, "sigmoid")
    yn, yt = yn.detach().numpy(), yt.detach().numpy()
    assert np.array_equal(np.isnan(yn), np.isnan(yt))
    tiny = np.finfo(dtype).tiny
    normal = yt >= tiny
    rel = np.abs(yn[normal] - yt[normal]) / yt[normal]
    assert rel.max() <= (8e-7 if dtype == np.float32 else 4e-15), rel.max()
    sub = ~normal & ~np.isnan(yt)
    assert np.all(
        np.abs(yn[sub] - yt[sub]) <= 1e-5 * yt[sub] + 4 * np.finfo(dtype).smallest_subnormal
    )
    assert yn[4] > 0 and abs(yn[4] - 2.0611536e-9) / 2.0611536e-9 < 1e-6
    # the gradient s (1 - s) keeps the same relative precision in the left tail
    grad_rel = np.abs(gn.numpy()[normal] - gt.numpy()[normal]) / np.maximum(
        gt.numpy()[normal], tiny
    )
    assert grad_rel[yt[normal] < 0.5].max() <= (2e-6 if dtype == np.float32 else 1e-14)
    if kernel_mode == "compiled" and size > 5 and dtype == np.float32:
        from nablagrad.ops import _activation_jit

        assert _ran(_activation_jit.sigmoid32)  # it ran (no silent fallback)


# The activations of ``ops/fused.py`` with compiled kernels (leaky ReLU and hardtanh in both
# dtypes; ELU/SELU/CELU, GELU exact and tanh, SiLU and softplus in float32 with their own
# vectorised e^x, e^x - 1 and erf): (name, call(F, x)).
FUSED = [
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.2)),
    ("hardtanh", lambda F, x: F.hardtanh(x, -0.5, 2.0)),
    ("relu6", lambda F, x: F.relu6(x)),
    ("elu", lambda F, x: F.elu(x, 0.7)),
    ("selu", lambda F, x: F.selu(x)),
    ("celu", lambda F, x: F.celu(x, 1.5)),
    ("gelu", lambda F, x: F.gelu(x)),
    ("gelu_tanh", lambda F, x: F.gelu(x, approximate="tanh")),
    ("silu", lambda F, x: F.silu(x)),
    ("softplus", lambda F, x: F.softplus(x)),
    ("softplus_beta", lambda F, x: F.softplus(x, beta=2.0, threshold=5.0)),
]
# special values: signed zeros, tails where e^x under- or overflows, erf's clamp at +-4 sqrt 2,
# cubes that overflow float32 in GELU's tanh form; NaN is checked apart (see below)
EDGES = [-0.0, 0.0, np.inf, -np.inf, 1e-30, -1e-30, -20.0, -87.5, -88.9, -100.0, -200.0,
         13.5, -13.5, 20.0, 88.0, 89.0, 1e13, -1e13, 3.0, -3.0, 5.7, -5.7, 2.0, -0.5]  # fmt: skip


def _fused_both(call, x: np.ndarray, g: np.ndarray) -> tuple:
    import torch.nn.functional as tF

    xn = ng.tensor(x, requires_grad=True)
    call(ng.nn.functional, xn).backward(ng.tensor(g))
    yn = call(ng.nn.functional, ng.tensor(x))
    xt = torch.tensor(x, requires_grad=True)
    yt = call(tF, xt)
    yt.backward(torch.tensor(g))
    return yn.numpy(), xn.grad.numpy(), yt.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("name,call", FUSED, ids=[c[0] for c in FUSED])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_activations_match_torch(name, call, dtype, kernel_mode):  # noqa: F811
    """Values and gradients on 24,576 elements (the pooled, compiled path) with infinities,
    signed zeros and both tails: float32 within a few units of the result's scale (the
    kernels' e^x and erf are within ~2 units in the last place; 1 - s and 1 + erf cancel in
    the tails, in torch as here), float64 to 1e-12."""
    x = np.random.default_rng(8).standard_normal(SHAPE).astype(dtype) * 3
    x.reshape(-1)[: len(EDGES)] = EDGES
    g = np.random.default_rng(9).standard_normal(SHAPE).astype(dtype)
    yn, gn, yt, gt = _fused_both(call, x, g)
    # at infinities and signed zeros the reference is torch's float64 answer: its float32
    # kernels answer there by the CPU's vector width (float32 GELU: at +inf +inf with AVX2,
    # NaN with AVX-512; at -0.0 +0.0 with AVX2, -0.0 with AVX-512 and in float64)
    special = np.isinf(x) | (x == 0)
    _, _, y64, g64 = _fused_both(call, x[special].astype(np.float64), g[special].astype(np.float64))
    yt[special], gt[special] = y64, g64
    tol = 2e-6 if dtype == np.float32 else 1e-12
    assert_close(yn, yt, tol, tol, f"{name} values")
    assert_close(gn, gt, 4 * tol, tol, f"{name} gradient")
    zeros = yt == 0
    assert np.array_equal(
        np.signbit(yn[zeros & (np.abs(x) < 1)]), np.signbit(yt[zeros & (np.abs(x) < 1)])
    )
    if kernel_mode == "compiled":
        from nablagrad.ops import _activation_jit

        kernel = {"hardtanh": "hardtanh", "relu6": "hardtanh", "leaky_relu": "leaky_relu"}.get(name)
        if kernel is None and dtype == np.float32:
            kernel = {"selu": "elu32", "celu": "elu32", "gelu_tanh": "gelu_tanh32",
                      "softplus_beta": "softplus32"}.get(name, f"{name}32")  # fmt: skip
        if kernel is not None:  # it ran (no silent fallback)
            assert _ran(getattr(_activation_jit, kernel))


@pytest.mark.parametrize("name,call", FUSED, ids=[c[0] for c in FUSED])
def test_fused_activations_at_nan_follow_torch_scalar_rule(name, call, kernel_mode):  # noqa: F811
    """A NaN input in a large array gives what torch gives for a NaN on its own: torch's
    scalar loop, which its vectorised loop contradicts for ELU (NaN there, g * scale here)
    and hardtanh (0 there, g here), so torch's own answer depends on the NaN's position;
    nablagrad answers the same at every position and size."""
    x = np.random.default_rng(10).standard_normal(SHAPE).astype(np.float32)
    x.reshape(-1)[[0, 5, 1000, x.size - 1]] = np.nan
    g = np.full(SHAPE, 0.5, np.float32)
    yn, gn, _, _ = _fused_both(call, x, g)
    _, _, y1, g1 = _fused_both(call, np.array([np.nan], np.float32), np.array([0.5], np.float32))
    nan = np.isnan(x)
    assert np.isnan(yn[nan]).all() and np.isnan(y1).all()
    assert_close(gn[nan], np.full(4, g1[0]), 0, 0, f"{name} gradient at NaN")


def test_tanh_float32_relative_precision_everywhere(kernel_mode):  # noqa: F811
    """tanh on 70,000 float32 values from 1e-30 to 12 in magnitude, both signs: within 2 units
    in the last place of torch's (Sleef's 1-ulp tanhf) wherever the result lies, tiny values
    included (1 - 2 / (e^2x + 1) alone would lose them all), and -0.0 stays -0.0."""
    mags = np.concatenate([np.geomspace(1e-30, 1, 20_000), np.linspace(0.5, 12, 15_000)])
    x = np.concatenate([mags, -mags]).astype(np.float32)
    x[:5] = [np.nan, -0.0, 0.0, np.inf, -np.inf]
    yn = ng.tanh(ng.tensor(x)).numpy()
    yt = torch.tanh(torch.tensor(x)).numpy()
    assert np.array_equal(np.isnan(yn), np.isnan(yt))
    assert np.array_equal(np.signbit(yn[1:5]), np.signbit(yt[1:5]))
    ok = ~np.isnan(yt)
    ulps = np.abs(yn[ok] - yt[ok]) / np.spacing(np.abs(yt[ok]))
    assert ulps.max() <= 2, ulps.max()
    if kernel_mode == "compiled":
        from nablagrad.ops import _activation_jit

        assert _ran(_activation_jit.tanh32)


SOFTMAX_SHAPES = [(64, 1000), (300, 28), (4, 3000), (8, 4, 40)]  # rows of 28 to 3000 classes


def _softmax_input(shape) -> np.ndarray:
    x = np.random.default_rng(11).standard_normal(shape).astype(np.float32) * 6
    rows = x.reshape(-1, shape[-1])
    rows[0, 3] = np.nan  # a NaN: the whole row NaN
    rows[1] = -np.inf  # every class masked: NaN
    rows[2, 5] = np.inf  # an infinite maximum: NaN
    rows[3, ::2] = -np.inf  # masked classes: probability 0, log-probability -inf
    return x


@pytest.mark.parametrize("shape", SOFTMAX_SHAPES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_rows_match_torch(name, shape, kernel_mode):  # noqa: F811
    """softmax / log_softmax over the last axis, values and gradients, with NaN, masked rows
    and an infinite maximum; the compiled rows sum in float64 (torch's float32 sums differ by
    a few units in the last place)."""
    import torch.nn.functional as tF

    x = _softmax_input(shape)
    g = np.random.default_rng(12).standard_normal(shape).astype(np.float32)
    xn = ng.tensor(x, requires_grad=True)
    yn = getattr(ng.nn.functional, name)(xn, -1)
    yn.backward(ng.tensor(g))
    xt = torch.tensor(x, requires_grad=True)
    yt = getattr(tF, name)(xt, -1)
    yt.backward(torch.tensor(g))
    assert_close(yn, yt, 1e-6, 1e-5, f"{name} values")
    # log_softmax's gradient g - p sum(g) carries sum(g)'s rounding (~1e-6 of it)
    assert_close(xn.grad, xt.grad, 1e-5 * np.abs(g).sum(-1).max(), 1e-5, f"{name} gradient")
    if kernel_mode == "compiled":
        from nablagrad.ops import _activation_jit

        assert _ran(getattr(_activation_jit, f"{name}32"))
        assert _ran(getattr(_activation_jit, f"{name}_grad32"))


def test_softmax_rows_double_backward_and_cross_entropy(kernel_mode):  # noqa: F811
    """The compiled forward under create_graph (the backward is then the Tensor formula) and
    cross-entropy's log-probabilities by the same rows, against torch."""
    x = np.random.default_rng(13).standard_normal((128, 40)).astype(np.float32)
    v = np.random.default_rng(14).standard_normal((128, 40)).astype(np.float32)
    xn, xt = ng.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (gn,) = ng.autograd.grad((ng.softmax(xn, -1) ** 2).sum(), xn, create_graph=True)
    (gt,) = torch.autograd.grad((torch.softmax(xt, -1) ** 2).sum(), xt, create_graph=True)
    assert_close(gn, gt, 1e-6, 1e-5, "softmax gradient")
    (hn,) = ng.autograd.grad((gn * ng.tensor(v)).sum(), xn)
    (ht,) = torch.autograd.grad((gt * torch.tensor(v)).sum(), xt)
    assert_close(hn, ht, 1e-5, 1e-4, "softmax Hessian-vector product")
    y = np.random.default_rng(15).integers(0, 40, 128)
    for reduction in ("none", "mean"):
        ln = ng.nn.functional.cross_entropy(xn, ng.tensor(y), reduction=reduction)
        lt = torch.nn.functional.cross_entropy(xt, torch.tensor(y), reduction=reduction)
        assert_close(ln, lt, 1e-6, 1e-5, f"cross_entropy {reduction}")


def test_exp_float32_over_its_whole_range(kernel_mode):  # noqa: F811
    """exp on 70,000 float32 values from -110 to 90: within 3 units in the last place of the
    exact value (float64) where the result is normal (the kernel 1.9, NumPy's float32 exp,
    the fallback, 2.3), subnormal results within 3 of the
    smallest subnormal, and 0, inf and NaN where torch has them."""
    x = np.linspace(-110, 90, 70_000).astype(np.float32)
    x[:4] = [np.nan, np.inf, -np.inf, -0.0]
    yn = ng.exp(ng.tensor(x)).numpy()
    yt = torch.exp(torch.tensor(x)).numpy()
    assert np.array_equal(np.isnan(yn), np.isnan(yt))
    assert np.array_equal(np.isinf(yn), np.isinf(yt)) and np.array_equal(yn == 0, yt == 0)
    exact = np.exp(x.astype(np.float64))
    normal = np.isfinite(yt) & (yt >= np.finfo(np.float32).tiny)
    ulps = np.abs(yn[normal] - exact[normal]) / np.spacing(yt[normal])
    assert ulps.max() <= 3, ulps.max()
    sub = np.isfinite(yt) & (yt < np.finfo(np.float32).tiny)
    assert np.abs(yn[sub] - yt[sub]).max() <= 3 * np.finfo(np.float32).smallest_subnormal
    if kernel_mode == "compiled":
        from nablagrad.ops import _activation_jit

        assert _ran(_activation_jit.exp32)
