"""torch.random.fork_rng, torch.cpu, torch.compiler, torch.types and amp's custom_fwd /
custom_bwd, each against torch on the same calls."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
import torch

import nablagrad as ng

LIBS = [pytest.param(ng, id="nablagrad"), pytest.param(torch, id="torch")]


# -- torch.random ----------------------------------------------------------------------------
def test_random_has_torchs_public_names():
    theirs = {
        n for n in dir(torch.random) if not n.startswith("_") and callable(getattr(torch.random, n))
    }
    theirs -= {"contextlib", "warnings", "torch", "TYPE_CHECKING"}
    assert theirs <= set(dir(ng.random)), theirs - set(dir(ng.random))


def _same_parameters(ours, theirs, name):
    ours, theirs = inspect.signature(ours), inspect.signature(theirs)
    assert list(ours.parameters) == list(theirs.parameters), name
    for p in theirs.parameters.values():
        q = ours.parameters[p.name]
        assert (q.default, q.kind) == (p.default, p.kind), (name, p.name)


def test_fork_rng_signature_matches_torch():
    _same_parameters(ng.random.fork_rng, torch.random.fork_rng, "fork_rng")


@pytest.mark.parametrize("L", LIBS)
def test_fork_rng_restores_the_state_on_exit(L):
    L.manual_seed(3)
    with L.random.fork_rng(devices=[]):
        inside = L.rand(4)
        L.randn(7)
    after = L.rand(4)
    assert L.equal(inside, after)


@pytest.mark.parametrize("L", LIBS)
def test_fork_rng_restores_after_an_exception(L):
    L.manual_seed(4)
    with pytest.raises(ValueError):
        with L.random.fork_rng(devices=[]):
            first = L.rand(2)
            raise ValueError
    assert L.equal(first, L.rand(2))


@pytest.mark.parametrize("L", LIBS)
def test_fork_rng_disabled_or_meta_forks_nothing(L):
    for kw in ({"enabled": False}, {"device_type": "meta"}):
        L.manual_seed(5)
        with L.random.fork_rng(**kw):
            first = L.rand(2)
        assert not L.equal(first, L.rand(2))


@pytest.mark.parametrize("L", LIBS)
def test_fork_rng_default_devices_on_a_cpu_machine(L):
    L.manual_seed(6)
    with L.random.fork_rng():  # no GPU: no device states, no warning
        first = L.rand(2)
    assert L.equal(first, L.rand(2))


@pytest.mark.skipif(torch.cuda.is_available() or ng.cuda.is_available(), reason="needs no GPU")
def test_fork_rng_errors_as_torch():
    for L in (ng, torch):  # a GPU named without one: torch's lazy-init AssertionError
        with pytest.raises(AssertionError, match="not compiled with CUDA"):
            with L.random.fork_rng(devices=[0]):
                pass
    for L in (ng, torch):  # the CPU module has no per-device RNG state
        with pytest.raises(AttributeError, match="get_rng_state"):
            with L.random.fork_rng(devices=[0], device_type="cpu"):
                pass
    for L in (ng, torch):
        with pytest.raises(RuntimeError, match="device type"):
            with L.random.fork_rng(device_type="foo"):
                pass


def test_fork_rng_takes_a_generator_of_devices():
    ng.manual_seed(0)
    with ng.random.fork_rng(devices=(d for d in [])):
        first = ng.rand(2)
    assert ng.equal(first, ng.rand(2))


def test_thread_safe_generator_outside_workers_is_none_like_torch():
    assert ng.random.thread_safe_generator() is None
    assert torch.random.thread_safe_generator() is None


# -- torch.cpu ---------------------------------------------------------------------------------
def test_cpu_module_answers_as_torch():
    assert set(torch.cpu.__all__) == set(ng.cpu.__all__)
    for name in ("is_available", "is_initialized", "current_device", "device_count"):
        assert getattr(ng.cpu, name)() == getattr(torch.cpu, name)(), name
    for L in (ng, torch):
        assert L.cpu.synchronize() is None and L.cpu.set_device("cpu") is None
        s = L.cpu.Stream()
        default = L.cpu.current_stream()
        with L.cpu.stream(s):
            assert L.cpu.current_stream() is s
            with L.cpu.StreamContext(None):
                assert L.cpu.current_stream() is s
        assert L.cpu.current_stream() is default
        e = L.cpu.Event()
        assert e.query() is True and e.record() is None and e.synchronize() is None
        assert s.wait_stream(s) is None and s.wait_event(e) is None


def test_cpu_capabilities_agree_with_torch():
    ours, theirs = ng.cpu.get_capabilities(), torch.cpu.get_capabilities()
    assert ours["architecture"] == theirs["architecture"]
    shared = [k for k in ours if k in theirs and isinstance(ours[k], bool)]
    for key in ("avx2", "avx512_f", "fma3", "sse4_2", "neon"):
        if key in ours and key in theirs:
            assert ours[key] == theirs[key], key
    assert all(ours[k] == theirs[k] for k in shared if k.startswith(("avx", "sse"))), shared
    with pytest.raises(TypeError):
        ours["avx2"] = True  # immutable, as torch's MappingProxyType


def test_cpu_amp_is_deprecated_like_torch():
    for L in (ng, torch):
        with pytest.warns(FutureWarning, match=r"torch\.cpu\.amp\.autocast.*deprecated"):
            with L.cpu.amp.autocast(enabled=False):
                pass
        with pytest.warns(FutureWarning, match=r"torch\.cpu\.amp\.GradScaler.*deprecated"):
            L.cpu.amp.GradScaler()
    from nablagrad import alias

    with alias.torch_alias():
        import torch.cpu.amp as legacy  # noqa: F401 - the legacy spelling imports

        assert legacy is ng.cpu.amp


# -- torch.compiler ----------------------------------------------------------------------------
def test_compiler_names_and_signatures_match_torch():
    for name in ng.compiler.__all__:
        assert name in torch.compiler.__all__, name
        if name in ("compile", "set_stance"):
            continue
        _same_parameters(getattr(ng.compiler, name), getattr(torch.compiler, name), name)


@pytest.mark.parametrize("L", LIBS)
def test_compiler_queries_and_no_ops(L):
    c = L.compiler
    assert (c.is_compiling(), c.is_dynamo_compiling(), c.is_exporting()) == (False,) * 3
    assert c.reset() is None and c.cudagraph_mark_step_begin() is None
    assert c.save_cache_artifacts() is None


@pytest.mark.parametrize("L", LIBS)
def test_compiler_disable(L):
    def f(x):
        """doc"""
        return x * 2

    g = L.compiler.disable(f)
    assert g(L.tensor([1.0, 2.0])).tolist() == [2.0, 4.0]
    assert g.__name__ == "f" and g.__wrapped__ is f
    h = L.compiler.disable(recursive=False, reason="why")(f)
    assert h(3) == 6
    with pytest.raises(RuntimeError, match="context manager"):
        with L.compiler.disable():
            pass


@pytest.mark.parametrize("L", LIBS)
def test_compiler_identity_decorators(L):
    def f(x):
        return x + 1

    assert L.compiler.allow_in_graph(f) is f
    assert L.compiler.assume_constant_result(f) is f
    with pytest.raises(AssertionError, match="callable"):
        L.compiler.allow_in_graph(3)
    assert L.compiler.nested_compile_region(f)(2) == 3
    assert L.compiler.nested_compile_region()(f)(2) == 3


@pytest.mark.parametrize("L", LIBS)
def test_compiler_settings_round_trip(L):
    c = L.compiler
    c.set_default_backend("eager")
    assert c.get_default_backend() == "eager"
    c.set_default_backend(None)
    assert c.get_default_backend() == "inductor"
    with pytest.raises(TypeError, match="string or callable"):
        c.set_default_backend(3)
    prior = c.set_enable_guard_collectives(True)
    assert c.set_enable_guard_collectives(prior) is True
    with pytest.raises(RuntimeError, match="non-default stance cannot have force_backend"):
        c.set_stance("force_eager", force_backend="eager")
    with c.set_stance("force_eager"):
        pass

    @c.set_stance("force_eager")
    def f(x):
        return x * 3

    assert f(2) == 6
    c.set_stance("default")


@pytest.mark.parametrize("L", LIBS)
def test_compiler_wrap_numpy(L):
    square_sum = L.compiler.wrap_numpy(lambda a: np.sum(a * a))
    pair = L.compiler.wrap_numpy(lambda a, b: (a + b, 3))
    out = square_sum(L.arange(3.0))
    assert isinstance(out, np.floating) and out == 5.0  # a NumPy scalar stays one
    s, three = pair(L.arange(3.0), L.ones(3))
    assert isinstance(s, L.Tensor) and s.tolist() == [1.0, 2.0, 3.0] and three == 3
    with pytest.raises(RuntimeError, match="requires grad"):
        square_sum(L.arange(3.0, requires_grad=True))


# -- torch.types -------------------------------------------------------------------------------
def test_types_aliases():
    import torch.types as tt

    import nablagrad.types as nt

    assert set(tt.__all__) == set(nt.__all__)
    assert nt._Number == tt._Number
    for name in ("_size", "_dtype", "_device", "_TensorOrTensors", "IntLikeType", "FileLike"):
        assert hasattr(nt, name) and hasattr(tt, name), name
    assert nt._dtype is ng.dtype and nt._device is ng.device and nt.Size is ng.Size
    assert ng.types is nt


# -- torch.amp.custom_fwd / custom_bwd ---------------------------------------------------------
def _square(L, **fwd_kw):
    class Square(L.autograd.Function):
        @staticmethod
        @L.amp.custom_fwd(device_type="cpu", **fwd_kw)
        def forward(ctx, x, scale=1.0):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x * x * scale

        @staticmethod
        @L.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert ctx._fwd_used_autocast is False
            return 2 * x * g * ctx.scale, None

    return Square


@pytest.mark.parametrize("kw", [{}, {"cast_inputs": "float32"}])
def test_custom_fwd_bwd_match_torch(kw):
    x = np.array([1.5, -2.0, 0.25])
    results = []
    for L in (ng, torch):
        opts = {"cast_inputs": L.float32} if kw else {}
        t = L.tensor(x, requires_grad=True)
        y = _square(L, **opts).apply(t, 3.0)
        y.sum().backward()
        results.append((y.detach().numpy(), t.grad.numpy(), str(y.dtype)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)
    assert results[0][2].split(".")[-1] == results[1][2].split(".")[-1] == "float64"


def test_custom_fwd_errors_and_partial_forms():
    for L in (ng, torch):
        with pytest.raises(ValueError, match="device_type"):
            L.amp.custom_fwd(lambda ctx, x: x, device_type=None)
        with pytest.raises(ValueError, match="device_type"):
            L.amp.custom_bwd(lambda ctx, x: x, device_type=1)
        with pytest.raises(TypeError):
            L.amp.custom_fwd(lambda ctx, x: x)  # device_type is keyword-only and required
    assert set(torch.amp.__all__) <= set(ng.amp.__all__)


def test_cuda_amp_custom_fwd_is_deprecated_like_torch():
    for L in (ng, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            L.cuda.amp.custom_fwd(lambda ctx, x: x)
            L.cuda.amp.custom_bwd(lambda ctx, x: x)
        msgs = [str(w.message) for w in caught if w.category is FutureWarning]
        assert any("torch.cuda.amp.custom_fwd(args...)` is deprecated" in m for m in msgs)
        assert any("torch.cuda.amp.custom_bwd(args...)` is deprecated" in m for m in msgs)
