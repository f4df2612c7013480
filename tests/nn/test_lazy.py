"""Lazy modules behave as torch's: uninitialized parameters, in-place materialization,
optimizers built before the first forward, class change, errors."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import nablagrad as ng
from nablagrad import nn


def _both(build):
    return build(ng.nn), build(torch.nn)


def test_uninitialized_parameter_api_matches_torch():
    m, t = _both(lambda lib: lib.LazyLinear(3))
    assert type(m.weight).__name__ == type(t.weight).__name__ == "UninitializedParameter"
    assert repr(m.weight) == repr(t.weight) == "<UninitializedParameter>"
    assert len(list(m.parameters())) == len(list(t.parameters())) == 2
    assert m.weight.requires_grad and m.weight.dtype == ng.float32
    assert nn.parameter.UninitializedParameter is nn.UninitializedParameter
    assert isinstance(m.weight, nn.Parameter)
    assert repr(m).startswith("LazyLinear(in_features=0, out_features=3")
    # .data is an empty tensor, so w.data.normal_() silently does nothing (torch's behaviour)
    assert m.weight.data.numel() == t.weight.data.numel() == 0
    m.weight.data.normal_(0, 0.01)
    t.weight.data.normal_(0, 0.01)
    with pytest.raises(RuntimeError, match="shape of an uninitialized parameter"):
        m.weight.shape  # noqa: B018
    with pytest.raises(ValueError, match="uninitialized parameter"):
        m.weight + 1
    with pytest.raises(ValueError, match="uninitialized parameter"):
        nn.init.normal_(m.weight)
    with pytest.raises(ValueError):
        torch.nn.init.normal_(t.weight)


def test_optimizer_built_before_first_forward_trains_materialized_params():
    ng.manual_seed(0)
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(2))
    opt = ng.optim.SGD(net.parameters(), lr=0.5)
    x, y = ng.randn(16, 5), ng.randn(16, 2)
    loss = ((net(x) - y) ** 2).mean()
    before = [p.detach().clone() for p in net.parameters()]
    held = opt.param_groups[0]["params"]
    assert all(a is b for a, b in zip(held, net.parameters()))
    loss.backward()
    opt.step()
    for b, p in zip(before, net.parameters()):
        assert not np.allclose(b._data, p._data)  # every layer, the last one included, moved
    assert type(net[2]) is nn.Linear and net[2].in_features == 8
    assert tuple(net[0].weight.shape) == (8, 5)


def test_lazy_linear_matches_torch_after_materializing():
    m, t = _both(lambda lib: lib.LazyLinear(4))
    x = np.random.default_rng(0).standard_normal((3, 6)).astype(np.float32)
    m(ng.tensor(x))
    t(torch.tensor(x))
    assert type(m).__name__ == type(t).__name__ == "Linear"
    assert tuple(m.weight.shape) == tuple(t.weight.shape)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(m.weight._data))
        t.bias.copy_(torch.tensor(m.bias._data))
    np.testing.assert_allclose(
        m(ng.tensor(x))._data, t(torch.tensor(x)).detach().numpy(), atol=1e-6
    )
    # default init bounds as torch: U(-1/sqrt(in), 1/sqrt(in))
    assert np.abs(m.weight._data).max() <= 1 / np.sqrt(6)


@pytest.mark.parametrize(
    "name,args,shape",
    [
        ("LazyConv1d", (4, 3), (2, 3, 10)),
        ("LazyConv2d", (5, 3), (2, 3, 8, 8)),
        ("LazyBatchNorm1d", (), (6, 4)),
        ("LazyBatchNorm2d", (), (2, 3, 5, 5)),
        ("LazyBatchNorm3d", (), (2, 3, 2, 3, 3)),
    ],
)
def test_lazy_layers_match_torch(name, args, shape):
    m, t = _both(lambda lib: getattr(lib, name)(*args))
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    m(ng.tensor(x))
    t(torch.tensor(x))
    assert type(m).__name__ == type(t).__name__
    assert repr(m).split("(")[1].split(",")[0] == repr(t).split("(")[1].split(",")[0]
    ts = t.state_dict()
    assert list(m.state_dict()) == list(ts)
    for k, v in m.state_dict().items():
        assert tuple(v.shape) == tuple(ts[k].shape), k
    m.load_state_dict({k: v.numpy() for k, v in ts.items()})
    m.eval(), t.eval()
    np.testing.assert_allclose(
        m(ng.tensor(x))._data, t(torch.tensor(x)).detach().numpy(), atol=1e-5, rtol=1e-5
    )


def test_lazy_state_dict_load_materializes_and_deepcopy():
    src = nn.Sequential(nn.Linear(5, 3))
    m = nn.Sequential(nn.LazyLinear(3))
    assert isinstance(m.state_dict()["0.weight"], nn.UninitializedParameter)
    m.load_state_dict(src.state_dict())
    out = m(ng.ones(1, 5))
    np.testing.assert_allclose(out._data, src(ng.ones(1, 5))._data)
    assert type(m[0]) is nn.Linear and m[0].in_features == 5 and m[0].weight.shape == (3, 5)
    c = copy.deepcopy(nn.LazyLinear(2))
    assert isinstance(c.weight, nn.UninitializedParameter)


def test_lazy_conv_rejects_bad_input():
    with pytest.raises(RuntimeError, match="expected 3-D or 4-D input"):
        nn.LazyConv2d(4, 3)(ng.randn(3, 3))


def test_rnn_flat_weights_match_torch():
    for cls in ("RNN", "LSTM", "GRU"):
        m = getattr(nn, cls)(3, 4, num_layers=2, bidirectional=True)
        t = getattr(torch.nn, cls)(3, 4, num_layers=2, bidirectional=True)
        assert m._flat_weights_names == t._flat_weights_names
        assert m._all_weights == t._all_weights
        assert [tuple(w.shape) for w in m._flat_weights] == [
            tuple(w.shape) for w in t._flat_weights
        ]
        assert all(w is getattr(m, n) for w, n in zip(m._flat_weights, m._flat_weights_names))
        m.flatten_parameters()


@pytest.mark.skipif(
    torch.cuda.is_available() or ng.cuda.is_available(),
    reason="DataParallel moves the module to the GPU where one is visible",
)
def test_data_parallel_wraps_like_torch_without_gpus():
    torch.manual_seed(0)
    tm = torch.nn.DataParallel(torch.nn.Linear(3, 2), device_ids=None)
    m = nn.DataParallel(nn.Linear(3, 2))
    assert list(m.state_dict()) == list(tm.state_dict()) == ["module.weight", "module.bias"]
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    x = np.ones((4, 3), np.float32)
    np.testing.assert_allclose(m(ng.tensor(x))._data, tm(torch.tensor(x)).detach().numpy())
    assert m.device_ids == tm.device_ids == [] and repr(m).startswith("DataParallel(")
