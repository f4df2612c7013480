"""The fake CUDA device lacks what CuPy 14.2 lacks (found on an H200: ``cupy.errstate``,
``flags.writeable``, ``multiply.at``, ``polygamma`` with an int order), and the backend helpers
that replace those calls give NumPy's answers on it."""

import numpy as np
import pytest

import nablagrad as ng
from nablagrad import _cuda_kernels, backend
from nablagrad.testing import cupy_names
from nablagrad.testing import fake_cupy as cp


def test_names_cupy_lacks_are_missing():
    for name in ("errstate", "insert", "spacing", "nanquantile", "geomspace"):
        assert name not in cupy_names.MODULE
        with pytest.raises(AttributeError, match=f"module 'cupy' has no attribute '{name}'"):
            getattr(cp, name)
    assert cp.add is not None and cp.ravel_multi_index is not None
    with pytest.raises(AttributeError, match="has no attribute 'vecdot'"):
        cp.linalg.vecdot  # noqa: B018
    d = cp.asarray(np.zeros((2, 3)))
    assert d.flags.c_contiguous and not d.T.flags.c_contiguous and d.flags["C_CONTIGUOUS"]
    with pytest.raises(AttributeError):
        d.flags.writeable  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'resize'"):
        d.resize  # noqa: B018


def test_ufunc_at_only_where_cupy_has_it():
    d = cp.asarray(np.ones(3))
    cp.add.at(d, cp.asarray(np.array([0, 0])), 1.0)
    assert d.tolist() == [3.0, 1.0, 1.0]
    with pytest.raises(NotImplementedError, match="`cupy_multiply.at` is not supported yet"):
        cp.multiply.at(d, cp.asarray(np.array([0])), 2.0)


def test_polygamma_needs_an_array_order():
    special = cp._scipy_special()
    x = cp.asarray(np.array([1.5, 2.5]))
    with pytest.raises(AttributeError):
        special.polygamma(1, x)
    np.testing.assert_allclose(
        special.polygamma(cp.asarray(np.array(1)), x).get(),
        [0.9348022005446793, 0.4903577561002349],
    )


@pytest.mark.parametrize("contiguous", [True, False])
def test_multiply_at_matches_numpy(fake_cuda, contiguous):
    g = np.random.default_rng(0)
    base = g.uniform(0.5, 2.0, (6, 5))
    rows = g.integers(0, 6, (4, 5))  # repeated rows: several factors per position
    cols = np.broadcast_to(np.arange(5), (4, 5))
    vals = g.uniform(0.5, 2.0, (4, 5))
    want = base.copy() if contiguous else base.T.copy().T
    np.multiply.at(want, (rows, cols), vals)
    dev = cp.asarray(base) if contiguous else cp.asarray(base.T.copy()).T
    assert dev.flags.c_contiguous == contiguous
    backend.multiply_at(dev, (cp.asarray(rows), cp.asarray(cols)), cp.asarray(vals))
    np.testing.assert_allclose(dev.get(), want, rtol=1e-15)
    empty = cp.asarray(base)
    none = cp.asarray(np.zeros(0, np.int64))
    backend.multiply_at(empty, (none, none), cp.asarray(np.zeros(0)))
    np.testing.assert_array_equal(empty.get(), base)


def test_writeable_and_errstate(fake_cuda):
    d = cp.asarray(np.zeros(3))
    assert backend.writeable(d) and backend.writeable(cp.asarray(np.zeros((1, 3))))
    assert not backend.writeable(cp.broadcast_to(cp.asarray(np.zeros(1)), (3,)))
    assert backend.writeable(cp.broadcast_to(cp.asarray(np.zeros(1)), (0, 2)))  # nothing written
    assert ng.zeros(0, 2, device="cuda").fill_diagonal_(1.0).shape == (0, 2)
    with backend.errstate(divide="ignore"):
        assert float((cp.asarray(np.ones(1)) / 0.0)[0]) == np.inf


def test_expanded_tensor_writes_raise_torchs_error(device):
    x = ng.zeros(1, device=device).expand(3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x[0] = 1.0
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x.add_(1.0)


def test_use_fake_cuda_false_means_no_gpu():
    with backend.use_fake_cuda(False):
        assert not ng.cuda.is_available()
        with pytest.raises(RuntimeError, match="needs CuPy and an NVIDIA GPU"):
            ng.ones(1, device="cuda")


def test_kernels_leave_host_and_fake_arrays_alone():
    w = np.ones(3)
    assert not _cuda_kernels.adam_(w, w, w, w, None, 0.9, 0.999, 1e-8, -1e-3)
    assert _cuda_kernels.col2im(np.ones((1, 1, 1, 1, 1, 1)), (1, 1, 1, 1), (1, 1), (1, 1),
                                ((0, 0), (0, 0)), cn=False) is None  # fmt: skip
    with backend.use_fake_cuda():
        d = ng.ones(3, device="cuda")._data
        assert not _cuda_kernels.sgd_momentum_(d, d, d, 0.1, 0.9, 0.0, False)


def test_kernel_rebuilt_without_fmad_option_when_nvrtc_refuses_it(monkeypatch):
    """A CuPy whose NVRTC refused ``--fmad=false`` would fail every fused update: the kernel is
    rebuilt with the default options instead (a stub stands in for CuPy here)."""

    class CompileException(Exception):
        pass

    calls = []

    class Kernel:
        def __init__(self, params, outs, body, name, options=()):
            self.options = options

        def __call__(self, *args):
            if self.options:
                raise CompileException("nvrtc: error: unrecognized option --fmad=false")
            calls.append(args)

    stub = type("stub", (), {"ElementwiseKernel": Kernel})
    monkeypatch.setattr(_cuda_kernels, "_kernels", {})
    monkeypatch.setattr(_cuda_kernels, "_plain", set())
    _cuda_kernels._launch(stub, "adam", 1, 2)
    _cuda_kernels._launch(stub, "adam", 3, 4)
    assert calls == [(1, 2), (3, 4)] and _cuda_kernels._plain == {"adam"}

    class Broken(Kernel):
        def __call__(self, *args):
            raise CompileException("a real error in the kernel source")

    monkeypatch.setattr(stub, "ElementwiseKernel", Broken)
    with pytest.raises(CompileException, match="real error"):
        _cuda_kernels._launch(stub, "col2im", 1)


def test_keywords_cupy_does_not_take_raise():
    d = cp.asarray(np.arange(6.0).reshape(2, 3))
    assert float(cp.sum(d, axis=0, keepdims=True)[0, 1]) == 5.0
    with pytest.raises(TypeError, match="sum\\(\\) got an unexpected keyword argument 'where'"):
        cp.sum(d, where=d > 1)
    with pytest.raises(TypeError, match="unexpected keyword argument 'initial'"):
        d.max(initial=0.0)
    with pytest.raises(TypeError, match="maximum\\(\\) got an unexpected keyword argument 'where'"):
        cp.maximum(d, 1.0, where=d > 1)  # CuPy's ufuncs take out, casting and dtype only
    out = cp.empty_like(d)
    cp.maximum(d, 1.0, out=out)
    cp.copyto(out, 0.0, where=d > 1)  # copyto does take where
    assert out.tolist() == [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    with pytest.raises(TypeError, match="norm\\(\\) got an unexpected keyword argument 'dtype'"):
        cp.linalg.norm(d, dtype=np.float32)
