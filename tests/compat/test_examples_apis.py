"""torch APIs that the scripts of pytorch/examples use, each compared with torch itself.

Found by running those scripts (MNIST, VAE, GCN/GAT, word language model, ...) with nablagrad
standing in for torch; every test here is a minimal reproduction of one gap.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import nablagrad as ng


def test_accelerator_matches_torch_without_a_gpu():
    if ng.cuda.is_available():
        pytest.skip("this machine has a GPU: torch (CPU build) and nablagrad disagree by design")
    assert ng.accelerator.is_available() is torch.accelerator.is_available() is False
    assert ng.accelerator.current_accelerator() is torch.accelerator.current_accelerator() is None
    assert ng.accelerator.device_count() == torch.accelerator.device_count() == 0
    for name in ("current_device_index", "synchronize"):
        with pytest.raises(RuntimeError, match="none is available"):
            getattr(torch.accelerator, name)()
        with pytest.raises(RuntimeError, match="none is available"):
            getattr(ng.accelerator, name)()
    # the examples' device choice
    lib_devices = []
    for lib in (torch, ng):
        use = lib.accelerator.is_available()
        lib_devices.append(str(lib.accelerator.current_accelerator() if use else lib.device("cpu")))
    assert lib_devices == ["cpu", "cpu"]


@pytest.mark.parametrize(
    "name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor"]
)
def test_legacy_tensor_classes_build_like_torch(name):
    data = np.array([[1, 0, 2], [3, 4, 0]], dtype=np.int32)
    for args in [(data,), ([1.7, 2.2, 0.0],), (2, 3), (torch.Size([4]),), ()]:
        t = getattr(torch, name)(*args)
        nargs = tuple(ng.Size(a) if isinstance(a, torch.Size) else a for a in args)
        n = getattr(ng, name)(*nargs)
        assert str(n.dtype).split(".")[1] == str(t.dtype).split(".")[1]
        assert tuple(n.shape) == tuple(t.shape)
        if args and not isinstance(args[0], int) and not isinstance(args[0], torch.Size):
            np.testing.assert_array_equal(n.numpy(), t.numpy())


def test_legacy_tensor_classes_isinstance_and_type():
    x, tx = ng.zeros(2), torch.zeros(2)
    assert isinstance(x, ng.FloatTensor) and isinstance(tx, torch.FloatTensor)
    assert not isinstance(x, ng.LongTensor) and not isinstance(tx, torch.LongTensor)
    assert x.type() == "nablagrad.FloatTensor" and tx.type() == "torch.FloatTensor"
    assert x.long().type().endswith("LongTensor")
    assert x.type(ng.LongTensor).dtype == ng.int64
    assert x.type("torch.DoubleTensor").dtype == ng.float64
    assert x.type(ng.float64).dtype == ng.float64
    # a tensor of another dtype is refused, as in torch
    with pytest.raises(TypeError):
        torch.FloatTensor(torch.zeros(2, dtype=torch.int64))
    with pytest.raises(TypeError, match="int64"):
        ng.FloatTensor(ng.zeros(2, dtype=ng.int64))
    same = ng.zeros(3)
    assert ng.FloatTensor(same) is same


def test_spmm_on_dense_matrices_is_mm():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5)).astype(np.float32)
    b = rng.standard_normal((5, 3)).astype(np.float32)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    na, nb = ng.tensor(a, requires_grad=True), ng.tensor(b, requires_grad=True)
    t, n = torch.spmm(ta, tb), ng.spmm(na, nb)
    np.testing.assert_allclose(n.detach().numpy(), t.detach().numpy(), rtol=1e-5, atol=1e-6)
    t.sum().backward()
    n.sum().backward()
    np.testing.assert_allclose(na.grad.numpy(), ta.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(nb.grad.numpy(), tb.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs",
    [{"min": 0.0}, {"max": 1.0}, {"min": -1.0, "max": 1.0}, {"min": [0.0, 1.0, 0.0, 0.0]}],
)
@pytest.mark.parametrize("name", ["clamp_", "clip_"])
def test_in_place_clamp_takes_keyword_bounds(name, kwargs):
    # torchvision's make_grid normalises with img.clamp_(min=low, max=high)
    x = np.array([-2.0, 0.5, 3.0, 0.9], dtype=np.float32)
    kt = {k: torch.tensor(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    kn = {k: ng.tensor(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    t, n = torch.tensor(x), ng.tensor(x)
    assert getattr(n, name)(**kn) is n
    getattr(t, name)(**kt)
    np.testing.assert_array_equal(n.numpy(), t.numpy())
    # and through autograd: the in-place result's gradient
    tl = torch.tensor(x, requires_grad=True)
    nl = ng.tensor(x, requires_grad=True)
    getattr(tl * 1, name)(**kt).sum().backward()
    getattr(nl * 1, name)(**kn).sum().backward()
    np.testing.assert_array_equal(nl.grad.numpy(), tl.grad.numpy())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_saturated_probabilities_match_torch(reduction):
    # a sigmoid that saturates to exactly 0 or 1 (the siamese network example): torch clamps
    # the logs at -100 and the input gradient's denominator at 1e-12, so nothing is nan
    p = np.array([0.0, 1.0, 0.5, 1e-30, 0.3, 1.0], dtype=np.float32)
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.2, 1.0], dtype=np.float32)
    w = np.array([1.0, 2.0, 0.5, 1.0, 3.0, 1.0], dtype=np.float32)
    res = []
    for lib in (torch, ng):
        pt = lib.tensor(p, requires_grad=True)
        yt = lib.tensor(y, requires_grad=True)
        loss = lib.nn.functional.binary_cross_entropy(pt, yt, lib.tensor(w), reduction=reduction)
        loss.backward(lib.ones_like(loss))
        res.append([loss.detach().numpy(), pt.grad.numpy(), yt.grad.numpy()])
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)  # inf (target at p = 0, 1) too
    # the module form, in a training step, stays finite
    out = ng.nn.Sigmoid()(ng.tensor([[40.0], [-120.0]], requires_grad=True)).squeeze()
    loss = ng.nn.BCELoss()(out, ng.tensor([0.0, 1.0]))
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(100.0)


@pytest.mark.parametrize("a, b", [(1, 0), (1.0, 0), (True, False), (2.5, -1.5), (3, True)])
def test_where_with_two_python_scalars(a, b):
    cond = np.array([0.2, 0.7, 0.9]) > 0.5
    t = torch.where(torch.tensor(cond), a, b)
    n = ng.where(ng.tensor(cond), a, b)
    assert str(n.dtype).split(".")[1] == str(t.dtype).split(".")[1]
    np.testing.assert_array_equal(n.numpy(), t.numpy())


def test_device_and_layout_flags_are_those_of_a_dense_cpu_tensor():
    t, n = torch.zeros(2), ng.zeros(2)
    names = ["is_cpu", "is_cuda", "is_xpu", "is_mps", "is_meta", "is_ipu", "is_xla", "is_maia"]
    names += ["is_mtia", "is_vulkan", "is_mkldnn", "is_quantized", "is_sparse", "is_nested"]
    names += ["is_sparse_csr"]
    for name in names:
        assert getattr(n, name) is getattr(t, name), name


def test_save_load_keeps_numpy_arrays_numpy(tmp_path):
    # time_sequence_prediction saves a NumPy array and calls torch.from_numpy on what it loads
    data = np.sin(np.arange(12.0).reshape(3, 4))
    obj = {"arr": data, "t": np.float32(2.0), "x": [data[0], 3]}
    torch.save(obj, tmp_path / "t.pt")
    expect = torch.load(tmp_path / "t.pt", weights_only=False)
    ng.save(obj, tmp_path / "n.pt")
    got = ng.load(tmp_path / "n.pt")
    assert type(got["arr"]) is type(expect["arr"]) is np.ndarray
    assert type(got["x"][0]) is type(expect["x"][0]) is np.ndarray
    np.testing.assert_array_equal(got["arr"], data)
    assert got["arr"].dtype == np.float64
    ng.save(data, tmp_path / "a.pt")
    loaded = ng.load(tmp_path / "a.pt")
    assert type(loaded) is np.ndarray
    np.testing.assert_array_equal(ng.from_numpy(loaded[1:, :-1]).numpy(), data[1:, :-1])
    # tensors still come back as tensors
    ng.save({"w": ng.ones(2)}, tmp_path / "w.pt")
    assert isinstance(ng.load(tmp_path / "w.pt")["w"], ng.Tensor)


def test_module_list_repr_folds_repeated_entries_like_torch():
    def build(lib):
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16)
        enc = lib.nn.TransformerEncoder(layer, 3, enable_nested_tensor=False)
        mixed = lib.nn.ModuleList(
            [lib.nn.Linear(2, 2), lib.nn.Linear(2, 2), lib.nn.ReLU(), lib.nn.Linear(2, 2)]
        )
        return [enc, mixed, lib.nn.ModuleList(), lib.nn.ModuleList([lib.nn.Tanh()])]

    for t, n in zip(build(torch), build(ng)):
        assert repr(n) == repr(t)


def test_torch_nn_modules_paths_hold_the_same_classes():
    import importlib
    import importlib.util
    import pkgutil

    import torch.nn.modules as tm

    import nablagrad.nn.modules as nm

    checked = 0
    for info in pkgutil.iter_modules(tm.__path__):
        if importlib.util.find_spec(f"nablagrad.nn.modules.{info.name}") is None:
            continue
        ours = importlib.import_module(f"nablagrad.nn.modules.{info.name}")
        theirs = importlib.import_module(f"torch.nn.modules.{info.name}")
        for name in ours.__all__:
            assert hasattr(theirs, name), f"torch.nn.modules.{info.name} has no {name}"
            if hasattr(ng.nn, name):
                assert getattr(ours, name) is getattr(ng.nn, name)
            checked += 1
    assert checked > 150
    assert issubclass(ng.nn.BatchNorm2d, nm.batchnorm._BatchNorm)
    assert issubclass(ng.nn.MSELoss, nm.loss._Loss) and issubclass(ng.nn.Conv2d, nm.conv._ConvNd)
    assert nm.Linear is ng.nn.Linear and nm.module.Module is ng.nn.Module
    # the spellings of pytorch/examples' word_language_model, through the torch alias
    with ng.alias.torch_alias():
        import torch as aliased

        names = [aliased.nn.modules.dropout.Dropout, aliased.nn.modules.linear.Linear]
        names += [aliased.nn.modules.rnn.LSTM, aliased.nn.modules.sparse.Embedding]
        assert names == [ng.nn.Dropout, ng.nn.Linear, ng.nn.LSTM, ng.nn.Embedding]
        mha = ng.nn.MultiheadAttention(4, 2)
        assert type(mha.out_proj) is aliased.nn.modules.linear.NonDynamicallyQuantizableLinear


class _TorchNet(torch.nn.Module):  # module level: pickled by name
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)
        self.drop = torch.nn.Dropout(0.1)
        self.register_buffer("steps", torch.tensor(4))


class _NgNet(ng.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = ng.nn.Linear(3, 2)
        self.drop = ng.nn.Dropout(0.1)
        self.register_buffer("steps", ng.tensor(4))


def test_save_whole_module_and_load_it_as_torch_does(tmp_path):
    # torch.save(model, f) (word_language_model, super_resolution); torch 2.13's load is
    # weights-only by default, so the classes must be allowlisted or weights_only=False passed
    import pickle

    for lib, cls in ((torch, _TorchNet), (ng, _NgNet)):
        model = cls()
        path = tmp_path / f"{lib.__name__}.pt"
        lib.save(model, path)
        with pytest.raises(pickle.UnpicklingError, match=cls.__name__):
            lib.load(path)
        allowed = [cls, lib.nn.Linear, lib.nn.Dropout]
        before = {id(g) for g in lib.serialization.get_safe_globals()}
        with lib.serialization.safe_globals(allowed):
            back = lib.load(path)
        after = {id(g) for g in lib.serialization.get_safe_globals()}
        assert after == before  # the block's entries are gone
        assert type(back) is cls and type(back.fc) is lib.nn.Linear
        np.testing.assert_array_equal(
            back.fc.weight.detach().numpy(), model.fc.weight.detach().numpy()
        )
        assert back.fc.weight.requires_grad and int(back.steps) == 4 and back.drop.p == 0.1
        assert sorted(back.state_dict()) == sorted(model.state_dict())
        assert type(lib.load(path, weights_only=False)) is cls
        if lib is ng:  # (torch's list holds torch's own entries: not cleared here)
            lib.serialization.add_safe_globals(allowed)
            try:
                assert type(lib.load(path)) is cls
            finally:
                lib.serialization.clear_safe_globals()
    # an object that does not pickle still fails at save, with a pointer to state_dict()
    with pytest.raises(TypeError, match="state_dict"):
        ng.save({"f": lambda x: x}, tmp_path / "bad.pt")
    # a state dict is still the plain tree format (no pickle involved)
    ng.save(_NgNet().state_dict(), tmp_path / "sd.pt")
    assert sorted(ng.load(tmp_path / "sd.pt")) == ["fc.bias", "fc.weight", "steps"]


def test_log_of_zero_is_silent_minus_inf_as_in_torch():
    # word_language_model's causal mask: torch.log(torch.tril(torch.ones(n, n)))
    import warnings

    x = np.array([0.0, 1.0, -1.0, 2.0], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy's RuntimeWarning would fail here
        mask = ng.log(ng.tril(ng.ones(4, 4)))
        np.testing.assert_array_equal(mask.numpy(), torch.log(torch.tril(torch.ones(4, 4))).numpy())
        for name, shift in (("log", 0.0), ("log1p", -1.0)):
            t = torch.tensor(x, requires_grad=True)
            n = ng.tensor(x, requires_grad=True)
            getattr(torch, name)(t + shift).sum().backward()
            out = getattr(ng, name)(n + shift)
            out.sum().backward()
            np.testing.assert_array_equal(
                out.detach().numpy(), getattr(torch, name)(t + shift).detach().numpy()
            )
            np.testing.assert_array_equal(n.grad.numpy(), t.grad.numpy())


def test_legacy_tensor_constructor_takes_a_size_as_a_shape():
    # torch.Tensor(x.size()) (gcn's torch.Tensor(input_dim, output_dim) spelled with a Size)
    for shape in [(2, 3), (4,), ()]:
        t = torch.Tensor(torch.Size(shape))
        n = ng.Tensor(ng.Size(shape))
        assert tuple(n.shape) == tuple(t.shape) == shape and n.dtype == ng.float32
    assert tuple(ng.Tensor(ng.zeros(4, 5).size()).shape) == (4, 5)
    np.testing.assert_array_equal(ng.Tensor([2, 3]).numpy(), torch.Tensor([2, 3]).numpy())
