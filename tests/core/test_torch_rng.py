"""Seeded draws equal torch 2.13's CPU generator: uniforms, integers, permutations and
Bernoulli/dropout masks bit for bit, normals to 1e-6 (float32's log/sincos differ from ATen's
AVX kernels in the last bit), layer initialisation, DataLoader shuffles and the state bytes."""

import numpy as np
import pytest
import torch as T

import nablagrad as ng
from nablagrad import backend
from nablagrad._mt19937 import MTStream, fma

SEEDS = [0, 1, 12345, 2**40 + 7]
SIZES = [0, 1, 15, 16, 17, 33, 1000]
DTYPES = [("float32", T.float32, ng.float32), ("float64", T.float64, ng.float64)]


def _both(seed):
    T.manual_seed(seed)
    ng.manual_seed(seed)


def _np(t):
    return t.detach().numpy() if isinstance(t, T.Tensor) else t.detach().numpy()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name,tdt,ndt", DTYPES)
def test_rand_randn_randint_interleaved(seed, name, tdt, ndt):
    _both(seed)
    for n in SIZES:
        assert np.array_equal(_np(T.rand(n, dtype=tdt)), _np(ng.rand(n, dtype=ndt))), n
        want, got = _np(T.randn(n, dtype=tdt)), _np(ng.randn(n, dtype=ndt))
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
        assert np.array_equal(_np(T.randint(-3, 100, (n,))), _np(ng.randint(-3, 100, (n,))))
    # 2-D shapes and a 64-bit integer range
    assert np.array_equal(_np(T.rand(7, 9, dtype=tdt)), _np(ng.rand(7, 9, dtype=ndt)))
    np.testing.assert_allclose(
        _np(ng.randn(5, 8, dtype=ndt)), _np(T.randn(5, 8, dtype=tdt)), rtol=1e-6, atol=1e-6
    )
    assert np.array_equal(_np(T.randint(0, 2**40, (50,))), _np(ng.randint(0, 2**40, (50,))))
    assert np.array_equal(_np(T.rand(3, dtype=tdt)), _np(ng.rand(3, dtype=ndt)))


def test_small_normal_cache_carries_over():
    # fewer than 16 normals: Box-Muller pairs, the second value kept for the next call
    _both(3)
    for n in (1, 3, 2, 5, 20, 1):
        np.testing.assert_allclose(
            _np(ng.randn(n, dtype=ng.float64)), _np(T.randn(n, dtype=T.float64)), rtol=1e-12
        )


@pytest.mark.parametrize("seed", SEEDS[:2])
@pytest.mark.parametrize("name,tdt,ndt", DTYPES)
def test_inplace_fills(seed, name, tdt, ndt):
    _both(seed)
    for n in (5, 16, 33, 1000):
        for lo, hi in ((-0.3, 1.7), (100.0, 100.001), (0.5, 1e9)):
            want = _np(T.empty(n, dtype=tdt).uniform_(lo, hi))
            assert np.array_equal(_np(ng.empty(n, dtype=ndt).uniform_(lo, hi)), want)
        want = _np(T.empty(n, dtype=tdt).normal_(0.3, 1.7))
        got = _np(ng.empty(n, dtype=ndt).normal_(0.3, 1.7))
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=2e-6)
        want = _np(T.empty(n, dtype=tdt).exponential_(2.0))
        np.testing.assert_allclose(_np(ng.empty(n, dtype=ndt).exponential_(2.0)), want, rtol=1e-6)
        assert np.array_equal(
            _np(ng.empty(n, dtype=ndt).bernoulli_(0.3)), _np(T.empty(n, dtype=tdt).bernoulli_(0.3))
        )
        p = T.rand(n, dtype=tdt)
        pn = ng.rand(n, dtype=ndt)
        assert np.array_equal(_np(ng.bernoulli(pn)), _np(T.bernoulli(p)))
    assert np.array_equal(_np(ng.rand(4)), _np(T.rand(4)))


@pytest.mark.parametrize(
    "tdt,ndt",
    [
        (T.float32, ng.float32),
        (T.float64, ng.float64),
        (T.int64, ng.int64),
        (T.int32, ng.int32),
        (T.uint8, ng.uint8),
        (T.bool, ng.bool),
    ],
)
def test_random_(tdt, ndt):
    _both(5)
    assert np.array_equal(
        _np(ng.empty(50, dtype=ndt).random_()), _np(T.empty(50, dtype=tdt).random_())
    )
    if tdt != T.bool:
        assert np.array_equal(
            _np(ng.empty(50, dtype=ndt).random_(3, 9)), _np(T.empty(50, dtype=tdt).random_(3, 9))
        )
        assert np.array_equal(
            _np(ng.empty(50, dtype=ndt).random_(7)), _np(T.empty(50, dtype=tdt).random_(7))
        )


@pytest.mark.parametrize("n", [0, 1, 2, 10, 1000, 60000])
def test_randperm_and_generator(n):
    _both(11)
    assert np.array_equal(_np(ng.randperm(n)), _np(T.randperm(n)))
    assert np.array_equal(_np(ng.rand(2)), _np(T.rand(2)))
    g, h = T.Generator().manual_seed(n), ng.Generator().manual_seed(n)
    assert np.array_equal(_np(ng.randperm(n, generator=h)), _np(T.randperm(n, generator=g)))
    assert np.array_equal(_np(ng.rand(5, generator=h)), _np(T.rand(5, generator=g)))


def test_seeds_wrap_as_torchs():
    for s in (-1, -5, 2**64 - 1, 2**63, 1.5):
        _both(s)
        assert ng.initial_seed() == T.initial_seed()
        assert np.array_equal(_np(ng.rand(3)), _np(T.rand(3)))


def test_normal_with_tensor_arguments():
    _both(2)
    mean, std = T.linspace(-1, 1, 20), T.linspace(0.5, 2, 20)
    m, s = ng.tensor(mean.numpy()), ng.tensor(std.numpy())
    for args_t, args_n in (((mean, std), (m, s)), ((mean, 2.0), (m, 2.0)), ((0.5, std), (0.5, s))):
        np.testing.assert_allclose(
            _np(ng.normal(*args_n)), _np(T.normal(*args_t)), rtol=1e-6, atol=1e-6
        )
    np.testing.assert_allclose(
        _np(ng.normal(1.0, 2.0, (30,))), _np(T.normal(1.0, 2.0, (30,))), rtol=1e-6, atol=1e-6
    )


@pytest.mark.parametrize("seed", [0, 7])
def test_default_layer_init_and_nn_init(seed):
    _both(seed)
    pairs = [
        (T.nn.Linear(20, 7), ng.nn.Linear(20, 7)),
        (T.nn.Conv2d(3, 8, 3), ng.nn.Conv2d(3, 8, 3)),
        (T.nn.Linear(5, 3, bias=False), ng.nn.Linear(5, 3, bias=False)),
    ]
    for tl, nl in pairs:
        for (name, tp), (_, np_) in zip(tl.named_parameters(), nl.named_parameters()):
            assert np.array_equal(_np(np_), _np(tp)), name
    w, wn = T.empty(6, 9), ng.empty(6, 9)
    for tf, nf in (
        (lambda: T.nn.init.kaiming_uniform_(w), lambda: ng.nn.init.kaiming_uniform_(wn)),
        (lambda: T.nn.init.xavier_uniform_(w), lambda: ng.nn.init.xavier_uniform_(wn)),
        (lambda: T.nn.init.uniform_(w, -2, 3), lambda: ng.nn.init.uniform_(wn, -2, 3)),
    ):
        tf()
        nf()
        assert np.array_equal(_np(wn), _np(w))
    for tf, nf in (
        (lambda: T.nn.init.normal_(w, 0, 0.02), lambda: ng.nn.init.normal_(wn, 0, 0.02)),
        (lambda: T.nn.init.kaiming_normal_(w), lambda: ng.nn.init.kaiming_normal_(wn)),
        (lambda: T.nn.init.orthogonal_(w), lambda: ng.nn.init.orthogonal_(wn)),
    ):
        tf()
        nf()
        np.testing.assert_allclose(_np(wn), _np(w), rtol=1e-5, atol=1e-6)
    assert np.array_equal(_np(ng.rand(3)), _np(T.rand(3)))


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_dropout_masks(p):
    x = T.randn(4, 50)
    xn = ng.tensor(x.numpy())
    _both(9)
    assert np.array_equal(_np(ng.nn.functional.dropout(xn, p)), _np(T.nn.functional.dropout(x, p)))
    assert np.array_equal(_np(ng.nn.Dropout(p)(xn)), _np(T.nn.Dropout(p)(x)))
    assert np.array_equal(_np(ng.rand(2)), _np(T.rand(2)))


@pytest.mark.parametrize("with_generator", [False, True])
def test_dataloader_shuffle_order(with_generator):
    _both(0)
    data = list(range(23))
    kt = {"generator": T.Generator().manual_seed(5)} if with_generator else {}
    kn = {"generator": ng.Generator().manual_seed(5)} if with_generator else {}
    tdl = T.utils.data.DataLoader(data, batch_size=4, shuffle=True, **kt)
    ndl = ng.utils.data.DataLoader(data, batch_size=4, shuffle=True, **kn)
    for _ in range(3):
        assert [b.tolist() for b in ndl] == [b.tolist() for b in tdl]
    assert np.array_equal(_np(ng.rand(2)), _np(T.rand(2)))
    split_t = T.utils.data.random_split(range(10), [3, 7], generator=T.Generator().manual_seed(1))
    split_n = ng.utils.data.random_split(range(10), [3, 7], generator=ng.Generator().manual_seed(1))
    assert [s.indices for s in split_n] == [s.indices for s in split_t]


def _stopped_pass(lib, case: dict) -> list:
    """Draws from the loader's generator (or the default one) between ``iter(loader)`` and the
    first batch, after a pass stopped after ``stop`` batches and after a whole pass; the
    batches seen.  torch draws each permutation (or each 32 indices with replacement) only
    when the indices before it are used up, the last one even when it gives no index."""
    lib.manual_seed(0)
    g = lib.Generator().manual_seed(5) if case["gen"] else None
    data, D = list(range(case["n"])), lib.utils.data
    kw = dict(batch_size=case["bs"], drop_last=case["drop_last"], generator=g)
    if "num_samples" in case:
        replacement = case.get("replacement", False)
        sampler = D.RandomSampler(data, replacement, case["num_samples"], generator=g)
        loader = D.DataLoader(data, sampler=sampler, **kw)
    else:
        loader = D.DataLoader(data, shuffle=True, **kw)

    def draw() -> float:
        return lib.rand(1, generator=g).item()

    it = iter(loader)
    seen: list = [draw()]
    for k, b in enumerate(it):
        seen.append(b.tolist())
        if k + 1 == case["stop"]:
            break
    seen += [draw(), [b.tolist() for b in loader], draw()]
    if "num_samples" in case:  # the sampler alone, stopped after three indices
        it = iter(sampler)
        seen += [[next(it) for _ in range(3)], draw()]
    return seen


@pytest.mark.parametrize("gen", [False, True])
@pytest.mark.parametrize(
    "case",
    [
        dict(n=12, bs=4, drop_last=False, stop=3),  # stopped after the last full batch
        dict(n=12, bs=4, drop_last=False, stop=1),
        dict(n=12, bs=4, drop_last=True, stop=3),
        dict(n=13, bs=4, drop_last=False, stop=3),  # ... before the short one
        dict(n=13, bs=4, drop_last=True, stop=3),
        dict(n=13, bs=4, drop_last=False, stop=99),  # not stopped
        dict(n=10, bs=4, drop_last=False, stop=3, num_samples=25),  # 2 permutations and 5
        dict(n=10, bs=4, drop_last=False, stop=4, num_samples=25),
        dict(n=10, bs=4, drop_last=True, stop=2, num_samples=20),
        dict(n=10, bs=4, drop_last=False, stop=5, num_samples=70, replacement=True),
        dict(n=10, bs=4, drop_last=False, stop=9, num_samples=70, replacement=True),
    ],
)
def test_a_stopped_pass_leaves_the_generator_where_torch_does(case, gen):
    case = dict(case, gen=gen)
    assert _stopped_pass(ng, case) == _stopped_pass(T, case)


def test_state_bytes_round_trip_and_match_torch():
    _both(3)
    T.rand(5)
    ng.rand(5)
    T.randn(3, dtype=T.float64)  # leaves a cached normal in the state
    ng.randn(3, dtype=ng.float64)
    ts, ns = T.get_rng_state(), ng.get_rng_state()
    assert ns.dtype == ng.uint8 and tuple(ns.shape) == (5056,)
    keep = np.ones(5056, bool)
    keep[5024:5032] = False  # the cached normal: equal to ~1 ulp
    assert np.array_equal(_np(ns)[keep], ts.numpy()[keep])
    a = ng.randn(7)
    ng.set_rng_state(ns)
    assert ng.equal(a, ng.randn(7))
    # torch's own state bytes load too
    ng.set_rng_state(ng.tensor(ts.numpy()))
    assert np.array_equal(_np(ng.rand(4)), _np(T.rand(4)))
    g = ng.Generator().manual_seed(4)
    st = g.get_state()
    b = ng.rand(3, generator=g)
    assert ng.equal(b, ng.rand(3, generator=g.set_state(st)))
    with pytest.raises(RuntimeError, match="5056"):
        ng.set_rng_state(ng.zeros(10, dtype=ng.uint8))


def test_fma_is_fused(jit_mode):
    rng = np.random.default_rng(0)
    for dt in (np.float32, np.float64):
        a = rng.standard_normal(500).astype(dt)
        b = (rng.standard_normal(500) * 10 ** rng.uniform(-5, 5, 500)).astype(dt)
        c = (rng.standard_normal(500) * 10 ** rng.uniform(-8, 8, 500)).astype(dt)
        from fractions import Fraction

        want = [
            dt(float(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z))))
            if dt == np.float64
            else np.float32(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)))
            for x, y, z in zip(a, b, c)
        ]
        assert np.array_equal(fma(a, b, c, dt), np.array(want, dtype=dt))


def test_stream_passes_numpy_samplers_through():
    s = MTStream(0)
    before = s.get_state().copy()
    assert s.standard_gamma(np.ones(3)).shape == (3,)
    assert not np.array_equal(s.get_state(), before)  # the same engine moved on


@pytest.mark.parametrize("name,tdt,ndt", DTYPES)
def test_geometric_log_normal_cauchy(name, tdt, ndt):
    _both(6)
    for n in (5, 100):
        want = _np(T.empty(n, dtype=tdt).geometric_(0.3))
        assert np.array_equal(_np(ng.empty(n, dtype=ndt).geometric_(0.3)), want)
        want = _np(T.empty(n, dtype=tdt).log_normal_(0.5, 0.7))
        np.testing.assert_allclose(
            _np(ng.empty(n, dtype=ndt).log_normal_(0.5, 0.7)), want, rtol=1e-12
        )
        want = _np(T.empty(n, dtype=tdt).cauchy_(0.5, 2.0))
        np.testing.assert_allclose(_np(ng.empty(n, dtype=ndt).cauchy_(0.5, 2.0)), want, rtol=1e-12)
    assert np.array_equal(_np(ng.rand(2)), _np(T.rand(2)))


@pytest.mark.parametrize("name,tdt,ndt", DTYPES)
def test_multinomial(name, tdt, ndt):
    w = T.rand(3, 7, dtype=tdt)
    w[0, 2] = 0
    wn = ng.tensor(w.numpy())
    _both(0)
    for n, rep in [(1, False), (4, False), (7, False), (1, True), (20, True)]:
        assert np.array_equal(_np(ng.multinomial(wn, n, rep)), _np(T.multinomial(w, n, rep)))
    assert np.array_equal(_np(ng.multinomial(wn[1], 5, True)), _np(T.multinomial(w[1], 5, True)))
    assert np.array_equal(_np(ng.rand(2)), _np(T.rand(2)))


@pytest.mark.parametrize("shape", [(5, 7), (100,)])
@pytest.mark.parametrize(
    "kw", [{"std": 0.02}, {"a": -0.5, "b": 0.5}, {"a": 2.0, "b": 3.0}, {"mean": 0.3, "a": -1.0}]
)
def test_trunc_normal(shape, kw):
    _both(1)
    w, wn = T.empty(*shape), ng.empty(*shape)
    T.nn.init.trunc_normal_(w, **kw)
    ng.nn.init.trunc_normal_(wn, **kw)
    np.testing.assert_allclose(_np(wn), _np(w), rtol=1e-6, atol=1e-6)
    assert np.array_equal(_np(ng.rand(2)), _np(T.rand(2)))


@pytest.mark.parametrize("name,tdt,ndt", DTYPES)
def test_rrelu_and_gumbel_softmax(name, tdt, ndt):
    x = T.randn(4, 30, dtype=tdt)
    xn = ng.tensor(x.numpy())
    _both(2)
    want = T.nn.functional.rrelu(x, 0.1, 0.4, training=True)
    assert np.array_equal(_np(ng.nn.functional.rrelu(xn, 0.1, 0.4, training=True)), _np(want))
    want = T.nn.functional.gumbel_softmax(x, tau=0.5)
    np.testing.assert_allclose(
        _np(ng.nn.functional.gumbel_softmax(xn, tau=0.5)), _np(want), rtol=1e-5, atol=1e-6
    )
    assert np.array_equal(_np(ng.rand(2)), _np(T.rand(2)))


@pytest.mark.parametrize(
    "name,args",
    [
        ("Normal", (np.zeros(20), np.full(20, 2.0))),
        ("Uniform", (np.zeros(20), np.full(20, 2.0))),
        ("Bernoulli", (np.full(20, 0.3),)),
        ("Categorical", (np.ones((4, 5)),)),
        ("Exponential", (np.full(20, 2.0),)),
        ("Cauchy", (np.ones(20), np.full(20, 3.0))),
        ("Laplace", (np.zeros(20), np.ones(20))),
        ("Gumbel", (np.zeros(20), np.ones(20))),
        ("LogNormal", (np.zeros(20), np.ones(20))),
        ("Geometric", (np.full(20, 0.3),)),
        ("MultivariateNormal", (np.zeros(3), np.eye(3))),
    ],
)
def test_distribution_samples(name, args):
    targs = [T.tensor(a, dtype=T.float32) for a in args]
    nargs = [ng.tensor(a, dtype=ng.float32) for a in args]
    _both(0)
    want = getattr(T.distributions, name)(*targs).sample((2,))
    got = getattr(ng.distributions, name)(*nargs).sample((2,))
    np.testing.assert_allclose(_np(got), _np(want), rtol=1e-5, atol=1e-6)
    assert np.array_equal(_np(ng.rand(2)), _np(T.rand(2)))


@pytest.mark.parametrize("fill", ["normal_", "uniform_", "bernoulli_", "random_", "exponential_"])
@pytest.mark.parametrize(
    "make",
    [
        lambda L: L.empty(20, 30).t(),  # draws in memory order, as TensorIterator's
        lambda L: L.empty(20, 30)[:, ::2],  # a strided view: the serial normal kernel
        lambda L: L.empty(4, 5, 6).permute(2, 0, 1),
        lambda L: L.empty(3, 4).t(),
    ],
)
def test_fills_of_non_contiguous_views(fill, make):
    _both(0)
    want, got = getattr(make(T), fill)(), getattr(make(ng), fill)()
    np.testing.assert_allclose(_np(got), _np(want), rtol=1e-6, atol=1e-6)
    assert np.array_equal(_np(ng.rand(2)), _np(T.rand(2)))


def test_generators_pickle_and_copy_with_their_state():
    import copy
    import pickle

    g = ng.Generator().manual_seed(3)
    ng.rand(2, generator=g)
    ng.randn(3, generator=g, dtype=ng.float64)  # a cached normal travels too
    copies = [pickle.loads(pickle.dumps(g)), copy.deepcopy(g)]
    want = ng.randn(5, generator=g, dtype=ng.float64)
    for h in copies:
        assert h.initial_seed() == 3
        assert ng.equal(ng.randn(5, generator=h, dtype=ng.float64), want)


@pytest.mark.parametrize("n", [5, 16, 17, 33, 100])
def test_float16_draws(n):
    # half: float32 uniforms rounded; normals from whole 16-blocks plus 16 fresh for the tail
    _both(0)
    assert np.array_equal(_np(ng.rand(n, dtype=ng.float16)), _np(T.rand(n, dtype=T.float16)))
    assert np.array_equal(_np(ng.randn(n, dtype=ng.float16)), _np(T.randn(n, dtype=T.float16)))
    want = _np(T.empty(n, dtype=T.float16).normal_(0.5, 2.0))
    assert np.array_equal(_np(ng.empty(n, dtype=ng.float16).normal_(0.5, 2.0)), want)
    want = _np(T.empty(n, dtype=T.float16).uniform_(-1.3, 2.1))
    assert np.array_equal(_np(ng.empty(n, dtype=ng.float16).uniform_(-1.3, 2.1)), want)
    assert np.array_equal(
        _np(ng.empty(n, dtype=ng.float16).random_()), _np(T.empty(n, dtype=T.float16).random_())
    )
    assert np.array_equal(_np(ng.rand(2)), _np(T.rand(2)))


def test_random_with_an_empty_range_raises_as_torch():
    """``random_(0)`` is the empty range [0, 0), not ``random_()``: torch raises."""
    with pytest.raises(RuntimeError) as theirs:
        T.empty(3).random_(0)
    with pytest.raises(RuntimeError, match="from=0 >= to=0") as ours:
        ng.empty(3).random_(0)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match="from=3 >= to=2"):
        ng.empty(3).random_(3, 2)


def test_fma_kernel_equals_the_emulation_bit_for_bit():
    # the compiled fused multiply-add against the exact NumPy emulation, over wide exponents
    if not backend.jit_available():
        pytest.skip("Numba is not installed")
    rng = np.random.default_rng(5)
    n = 20000
    a = rng.random(n) * 2.0 ** rng.integers(-30, 30, n)
    b = rng.standard_normal(n) * 2.0 ** rng.integers(-30, 30, n)
    c = rng.standard_normal(n) * 2.0 ** rng.integers(-60, 60, n)
    for dt in (np.float32, np.float64):
        for args in ((a, b, c), (a, 1.7, -3.3), (a, b, 0.25)):
            fast = fma(*args, dt)
            old = backend.set_jit_enabled(False)
            try:
                slow = fma(*args, dt)
            finally:
                backend.set_jit_enabled(old)
            assert fast.dtype == slow.dtype == dt
            assert np.array_equal(fast.view(f"i{fast.itemsize}"), slow.view(f"i{slow.itemsize}"))


_FLOAT64_DRAWS = [
    ("rand", lambda m, n: m.rand(n, dtype=m.float64)),
    ("randn", lambda m, n: m.randn(n, dtype=m.float64)),
    ("uniform_", lambda m, n: m.empty(n, dtype=m.float64).uniform_(-2.5, 3.7)),
    ("normal_", lambda m, n: m.empty(n, dtype=m.float64).normal_(1.3, 2.1)),
    ("exponential_", lambda m, n: m.empty(n, dtype=m.float64).exponential_(1.7)),
    ("log_normal_", lambda m, n: m.empty(n, dtype=m.float64).log_normal_(0.3, 0.7)),
    ("cauchy_", lambda m, n: m.empty(n, dtype=m.float64).cauchy_(0.3, 0.7)),
]


@pytest.mark.parametrize("seed", [0, 2**40 + 7])
def test_float64_draws(seed, jit_mode):
    # compiled: libm's log/log1p/sin/cos/tan/exp, as ATen's scalar double kernels, so every
    # float64 draw is torch's bit for bit; NumPy's vectorised functions differ in the last bit
    _both(seed)
    for n in (1, 15, 16, 17, 1000, 4099):
        for name, f in _FLOAT64_DRAWS:
            want, got = _np(f(T, n)), _np(f(ng, n))
            if jit_mode == "compiled" or name in ("rand", "uniform_"):
                assert np.array_equal(got, want), (name, n)
            else:
                np.testing.assert_allclose(got, want, rtol=4e-16, atol=1e-15, err_msg=name)
    assert np.array_equal(_np(T.rand(3)), _np(ng.rand(3)))


@pytest.mark.parametrize("seed", [0, 2**40 + 7])
@pytest.mark.parametrize("name,tdt,ndt", DTYPES)
def test_standard_gamma(seed, name, tdt, ndt, jit_mode):
    # torch's serial Marsaglia-Tsang with float64 uniforms and the cached serial normal: a
    # small randn before and after proves the cache and the stream stay in step
    from nablagrad.ops.special import standard_gamma

    rng = np.random.default_rng(seed)
    _both(seed)
    for shape in ((1,), (7,), (3, 40)):
        a = np.exp(rng.uniform(-6, 5, shape)).astype(name)
        a.flat[0] = 0.5  # the boost for alpha < 1 ...
        a.flat[-1] = 1.0  # ... and its edge
        np.testing.assert_allclose(
            _np(ng.randn(1, dtype=ndt)), _np(T.randn(1, dtype=tdt)), rtol=1e-12
        )
        want = _np(T._standard_gamma(T.tensor(a)))
        got = _np(standard_gamma(ng.tensor(a)))
        assert got.dtype == want.dtype
        assert np.array_equal(got, want), shape
    np.testing.assert_allclose(_np(ng.randn(3, dtype=ndt)), _np(T.randn(3, dtype=tdt)), rtol=1e-12)
    assert np.array_equal(_np(T.rand(3)), _np(ng.rand(3)))


_GAMMA_FAMILY = [
    ("Gamma", ([0.3, 2.0, 5.0], [1.0, 0.5, 3.0])),
    ("Chi2", ([0.7, 3.0],)),
    ("Beta", ([0.5, 2.0], [1.5, 0.2])),
    ("Dirichlet", ([[0.5, 2.0, 1.0], [0.1, 0.2, 9.0]],)),
    ("StudentT", ([2.5, 7.0], [0.0, 1.0], [1.0, 2.0])),
]


@pytest.mark.parametrize("name,args", _GAMMA_FAMILY)
@pytest.mark.parametrize("dname,tdt,ndt", DTYPES)
def test_gamma_family_samples(name, args, dname, tdt, ndt):
    for seed in (0, 3):
        _both(seed)
        for shape in ((), (5,), (2, 3)):
            want = getattr(T.distributions, name)(*(T.tensor(a, dtype=tdt) for a in args))
            got = getattr(ng.distributions, name)(*(ng.tensor(a, dtype=ndt) for a in args))
            w, g = _np(want.sample(shape)), _np(got.sample(shape))
            assert g.dtype == w.dtype
            # bit for bit but StudentT's float32 normals (torch's AVX log/sincos, last bit)
            np.testing.assert_allclose(g, w, rtol=1e-6 if dname == "float32" else 1e-15, atol=0)
        assert np.array_equal(_np(T.rand(3)), _np(ng.rand(3)))


def test_gamma_family_rsample_keeps_its_gradient():
    _both(1)
    tc = T.tensor([[0.5, 2.0, 1.0], [0.3, 0.2, 4.0]], requires_grad=True)
    nc = ng.tensor([[0.5, 2.0, 1.0], [0.3, 0.2, 4.0]], requires_grad=True)
    want, got = T.distributions.Dirichlet(tc).rsample(), ng.distributions.Dirichlet(nc).rsample()
    np.testing.assert_allclose(_np(got), _np(want), rtol=1e-6)
    (got * ng.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert nc.grad is not None and np.isfinite(_np(nc.grad)).all()
    g = ng.distributions.Gamma(nc, 2.0).rsample()
    g.sum().backward()
    assert np.isfinite(_np(nc.grad)).all()


@pytest.mark.parametrize("seed", [0, 2**40 + 7])
@pytest.mark.parametrize("name,tdt,ndt", DTYPES)
def test_poisson(seed, name, tdt, ndt, jit_mode):
    # the product-of-uniforms sampler below 10, Hoermann's rejection from 10 on; the normal
    # cache passes through untouched (a small randn after)
    rng = np.random.default_rng(seed)
    _both(seed)
    np.testing.assert_allclose(_np(ng.randn(1, dtype=ndt)), _np(T.randn(1, dtype=tdt)), rtol=1e-12)
    for shape in ((5,), (3, 70)):
        lam = np.exp(rng.uniform(-6, 8, shape)).astype(name)
        lam.flat[:5] = [0.0, 10.0, 9.99, 1e-9, 1e4]
        want, got = _np(T.poisson(T.tensor(lam))), _np(ng.poisson(ng.tensor(lam)))
        assert got.dtype == want.dtype
        assert np.array_equal(got, want), shape
    np.testing.assert_allclose(_np(ng.randn(1, dtype=ndt)), _np(T.randn(1, dtype=tdt)), rtol=1e-12)
    assert np.array_equal(_np(T.rand(3)), _np(ng.rand(3)))
    with pytest.raises(RuntimeError, match="non-negative"):
        ng.poisson(ng.tensor([1.0, float("nan")]))
    with pytest.raises(NotImplementedError, match="poisson"):
        ng.poisson(ng.tensor([1, 2]))


@pytest.mark.parametrize(
    "name,args",
    [("Poisson", ([0.5, 3.0, 20.0],)), ("NegativeBinomial", ([2.0, 7.5], [0.3, 0.8]))],
)
def test_poisson_family_samples(name, args):
    for seed in (0, 3):
        _both(seed)
        for shape in ((), (4,), (2, 3)):
            want = getattr(T.distributions, name)(*(T.tensor(a) for a in args)).sample(shape)
            got = getattr(ng.distributions, name)(*(ng.tensor(a) for a in args)).sample(shape)
            assert np.array_equal(_np(got), _np(want)), (seed, shape)
        assert np.array_equal(_np(T.rand(3)), _np(ng.rand(3)))


@pytest.mark.parametrize("seed", [0, 2**40 + 7])
@pytest.mark.parametrize("name,tdt,ndt", DTYPES)
def test_binomial(seed, name, tdt, ndt, jit_mode):
    # inversion below n p = 10, BTRS above (float32's steps in float32), p > 1/2 flipped;
    # counts up to ~1e6 exercise the float32 rounding of k and n - k + 1
    rng = np.random.default_rng(seed)
    _both(seed)
    for shape in ((6,), (3, 80)):
        n = np.floor(np.exp(rng.uniform(0, 14, shape))).astype(name)
        p = rng.uniform(0, 1, shape).astype(name)
        n.flat[:6] = [0, 5, 100, 1e6, 3e5, 50]
        p.flat[:6] = [0.5, 0, 1.0, 0.3, 0.6, 0.99]
        want = _np(T.binomial(T.tensor(n), T.tensor(p)))
        got = _np(ng.binomial(ng.tensor(n), ng.tensor(p)))
        assert got.dtype == want.dtype
        assert np.array_equal(got, want), shape
    np.testing.assert_allclose(_np(ng.randn(1, dtype=ndt)), _np(T.randn(1, dtype=tdt)), rtol=1e-12)
    assert np.array_equal(_np(T.rand(3)), _np(ng.rand(3)))
    with pytest.raises(ValueError, match="floating-point"):
        ng.binomial(ng.tensor([1, 2]), ng.tensor([0.5, 0.5]))


def test_binomial_distribution_samples():
    for seed in (0, 3):
        _both(seed)
        for shape in ((), (4,), (2, 3)):
            args = ([3.0, 40.0, 500.0], [0.2, 0.7, 0.45])
            want = T.distributions.Binomial(*(T.tensor(a) for a in args)).sample(shape)
            got = ng.distributions.Binomial(*(ng.tensor(a) for a in args)).sample(shape)
            assert np.array_equal(_np(got), _np(want)), (seed, shape)
        assert np.array_equal(_np(T.rand(3)), _np(ng.rand(3)))


@pytest.mark.parametrize("probs", [[0.2, 0.3, 0.5], [[0.1, 0.9], [0.5, 0.5]]])
def test_multinomial_distribution_samples(probs):
    # torch counts total_count categorical draws (torch.multinomial with replacement)
    for seed in (0, 4):
        _both(seed)
        for n, shape in ((1, ()), (10, (3,)), (7, (2, 2))):
            want = T.distributions.Multinomial(n, T.tensor(probs)).sample(shape)
            got = ng.distributions.Multinomial(n, ng.tensor(probs)).sample(shape)
            assert got.shape == want.shape
            assert np.array_equal(_np(got), _np(want)), (seed, n, shape)
        assert np.array_equal(_np(T.rand(3)), _np(ng.rand(3)))


@pytest.mark.parametrize("seed", [0, 2**40 + 7])
def test_large_draws_and_state_bytes(seed, jit_mode):
    # from 8192 words the compiled Mersenne Twister runs on a copy of the engine's state and
    # writes it back; the state afterwards is torch's byte for byte (the cached normal too
    # with the compiled, libm-exact Box-Muller)
    _both(seed)
    for n, tdt, ndt in ((20000, T.float32, ng.float32), (9000, T.float64, ng.float64)):
        assert np.array_equal(_np(T.rand(n, dtype=tdt)), _np(ng.rand(n, dtype=ndt)))
        assert np.array_equal(_np(T.randint(0, 7, (n,))), _np(ng.randint(0, 7, (n,))))
    np.testing.assert_allclose(
        _np(ng.randn(5, dtype=ng.float64)), _np(T.randn(5, dtype=T.float64)), rtol=1e-15
    )
    ts, ns = T.get_rng_state().numpy(), _np(ng.get_rng_state())
    keep = np.ones(5056, bool)
    if jit_mode == "numpy":
        keep[5024:5032] = False  # the cached normal: NumPy's sin, to 1 ulp
    assert np.array_equal(ns[keep], ts[keep])
    assert np.array_equal(_np(T.rand(3)), _np(ng.rand(3)))


def test_bernoulli_and_binomial_probabilities_as_torch():
    """torch checks Bernoulli probabilities (NaN and values outside [0, 1] raise; integer
    probabilities are refused) and does not check binomial's (prob <= 0 gives 0, >= 1 the
    count); ``Tensor.bernoulli(p)`` with a number draws like ``empty_like(x).bernoulli_(p)``,
    on integer tensors too."""
    bad = [
        lambda L: L.bernoulli(L.tensor([0.5, 1.5])),
        lambda L: L.bernoulli(L.tensor([float("nan")])),
        lambda L: L.empty(3).bernoulli_(L.tensor([0.5, -2.0, 0.1])),
    ]
    for make in bad:
        for L in (T, ng):
            with pytest.raises(RuntimeError, match=r"p_in >= 0 && p_in <= 1"):
                make(L)
    for L in (T, ng):
        with pytest.raises(RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\]"):
            L.zeros(3).bernoulli(1.5)
        for p, name in ((L.tensor([0, 1]), "Long"), (L.tensor([True]), "Bool")):
            with pytest.raises(NotImplementedError, match=f"not implemented for '{name}'"):
                L.bernoulli(p)
    for make in (
        lambda L: L.binomial(L.tensor([5.0, 7.0]), L.tensor([1.5, -0.5])),
        lambda L: L.zeros(6, dtype=L.long).bernoulli(0.5),
        lambda L: L.zeros(6, dtype=L.float64).bernoulli(0.7),
    ):
        _both(4)
        assert make(ng).tolist() == make(T).tolist()
        assert np.array_equal(_np(ng.rand(3)), _np(T.rand(3)))  # the same draws taken


@pytest.mark.parametrize(
    "name,tdt,ndt", [("float32", T.float32, ng.float32), ("float64", T.float64, ng.float64)]
)
def test_gamma_of_nan_zero_and_negative_concentrations_as_torch(name, tdt, ndt, jit_mode):
    """Without argument validation torch samples NaN, zero and negative concentrations
    through the same loop as the others (NaN results become the smallest normal number,
    -1 < alpha < 0 a positive draw), taking its draws: the values and the stream after them
    match, for Gamma, Dirichlet and Beta."""
    alpha = [float("nan"), 2.0, 0.0, -1.0, 0.3, -0.5, -2 / 3, 0.1, -5.0]

    def draws(L, dt):
        L.manual_seed(0)
        g = L.distributions.Gamma(
            L.tensor(alpha, dtype=dt), L.ones(9, dtype=dt), validate_args=False
        )
        d = L.distributions.Dirichlet(L.tensor([0.5, float("nan"), -0.5]), validate_args=False)
        b = L.distributions.Beta(
            L.tensor([float("nan"), 0.5]), L.tensor([1.0, -1.0]), validate_args=False
        )
        return [g.sample().tolist(), d.sample().tolist(), b.sample().tolist(), L.rand(2).tolist()]

    assert draws(ng, ndt) == draws(T, tdt)
