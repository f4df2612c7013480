"""Every layer, loss and activation gives the same values and gradients on the fake CUDA
device as on the CPU (the CPU path is checked against torch elsewhere), and its results stay
on the device."""

import copy

import numpy as np
import pytest
import torch

import nablagrad as ng
import nablagrad.nn.functional as F
from nablagrad import nn


def _host(t):
    return t.detach().cpu().numpy()


def _same_on_device(make, x_shape, device, *, target=None, ints=None, rtol=1e-5, atol=1e-6):
    """Module on the CPU vs. a deep copy moved to ``device``: outputs, input and parameter
    gradients (float64, seeded)."""
    ng.manual_seed(0)
    m_cpu = make().double()
    m_dev = copy.deepcopy(m_cpu).to(device)
    if ints is not None:
        x = np.random.default_rng(1).integers(0, ints, size=x_shape)
    else:
        x = np.random.default_rng(1).uniform(-1, 1, size=x_shape)
    outs, grads = [], []
    for m, dev in ((m_cpu, "cpu"), (m_dev, device)):
        xt = ng.tensor(x, device=dev, requires_grad=ints is None)
        args = (xt,) if target is None else (xt, ng.tensor(target, device=dev))
        out = m(*args)
        if isinstance(out, tuple):  # RNNs: output and hidden state(s)
            out = out[0]
        assert out.device.type == dev
        w = ng.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)), device=dev)
        (out * w).sum().backward()
        outs.append(_host(out))
        g = [_host(xt.grad)] if xt.requires_grad else []
        for p in m.parameters():
            assert p.grad.device.type == dev
            g.append(_host(p.grad))
        grads.append(g)
    np.testing.assert_allclose(outs[1], outs[0], rtol=rtol, atol=atol)
    for a, b in zip(grads[1], grads[0]):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


LAYERS = [
    ("Linear", lambda: nn.Linear(5, 3), (4, 5)),
    ("Conv2d", lambda: nn.Conv2d(2, 3, 3, padding=1, stride=2), (2, 2, 7, 7)),
    ("Conv2d same groups", lambda: nn.Conv2d(4, 4, 3, padding="same", groups=2), (1, 4, 6, 6)),
    ("Conv1d", lambda: nn.Conv1d(2, 3, 3, dilation=2), (2, 2, 9)),
    ("MaxPool2d", lambda: nn.MaxPool2d(2), (2, 2, 6, 6)),
    ("AvgPool2d", lambda: nn.AvgPool2d(3, stride=2, padding=1), (2, 2, 7, 7)),
    ("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d(2), (2, 2, 5, 5)),
    ("BatchNorm1d", lambda: nn.BatchNorm1d(4), (6, 4)),
    ("BatchNorm2d", lambda: nn.BatchNorm2d(3), (4, 3, 3, 3)),
    ("LayerNorm", lambda: nn.LayerNorm(6), (3, 6)),
    ("Maxout", lambda: nn.Maxout(5, 3, 2), (4, 5)),
    ("RNN tanh 2-layer bidir", lambda: nn.RNN(3, 4, num_layers=2, bidirectional=True), (5, 2, 3)),
    (
        "RNN relu batch_first",
        lambda: nn.RNN(3, 4, nonlinearity="relu", batch_first=True),
        (2, 5, 3),
    ),
    ("LSTM 2-layer", lambda: nn.LSTM(3, 4, num_layers=2, batch_first=True), (2, 5, 3)),
    ("LSTM bidir unbatched", lambda: nn.LSTM(3, 4, bidirectional=True), (5, 3)),
    ("GRU 2-layer bidir", lambda: nn.GRU(3, 4, num_layers=2, bidirectional=True), (5, 2, 3)),
    ("RNNCell", lambda: nn.RNNCell(3, 4), (2, 3)),
    ("LSTMCell", lambda: nn.LSTMCell(3, 4), (2, 3)),
    ("GRUCell", lambda: nn.GRUCell(3, 4), (2, 3)),
    ("MLP", lambda: ng.models.MLP([6, 8, 3], activation="gelu", dropout=0.0), (4, 6)),
    ("LeNet5", lambda: ng.models.LeNet5(), (2, 1, 28, 28)),
]
ACTIVATIONS = ["ReLU", "Sigmoid", "Tanh", "LeakyReLU", "ELU", "SELU", "GELU", "SiLU", "Softplus",
               "Mish", "Hardtanh", "Softmax", "LogSoftmax"]  # fmt: skip


@pytest.mark.parametrize("name,make,shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer(device, name, make, shape):
    _same_on_device(make, shape, device)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation(device, name):
    _same_on_device(lambda: getattr(nn, name)(), (3, 7), device)


def test_embedding(device):
    _same_on_device(lambda: nn.Embedding(6, 3, padding_idx=0), (4, 5), device, ints=6)


LOSSES = [
    ("MSELoss", lambda: nn.MSELoss(), "float"),
    ("L1Loss sum", lambda: nn.L1Loss(reduction="sum"), "float"),
    ("HuberLoss", lambda: nn.HuberLoss(delta=0.5), "float"),
    ("SmoothL1Loss none", lambda: nn.SmoothL1Loss(reduction="none"), "float"),
    ("BCELoss", lambda: nn.Sequential(nn.Sigmoid(), _Pair(nn.BCELoss())), "prob"),
    ("BCEWithLogitsLoss pos_weight",
     lambda: nn.BCEWithLogitsLoss(pos_weight=ng.tensor([2.0] * 4)), "prob"),
    ("CrossEntropyLoss", lambda: nn.CrossEntropyLoss(label_smoothing=0.1), "index"),
    ("CrossEntropyLoss weight ignore",
     lambda: nn.CrossEntropyLoss(weight=ng.tensor([1.0, 2, 1, 0.5]), ignore_index=1), "index"),
    ("CrossEntropyLoss probs", lambda: nn.CrossEntropyLoss(), "probs"),
    ("NLLLoss", lambda: nn.NLLLoss(), "index"),
    ("NLLLoss none", lambda: nn.NLLLoss(reduction="none"), "index"),
    ("KLDivLoss", lambda: nn.KLDivLoss(reduction="batchmean"), "probs"),
]  # fmt: skip


class _Pair(nn.Module):
    def __init__(self, loss):
        super().__init__()
        self.loss = loss


@pytest.mark.parametrize("name,make,kind", LOSSES, ids=[c[0] for c in LOSSES])
def test_loss(device, name, make, kind):
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, size=(6, 4))
    target = {
        "float": rng.uniform(-1, 1, size=(6, 4)),
        "prob": rng.uniform(0, 1, size=(6, 4)).round(),
        "index": rng.integers(0, 4, size=6),
        "probs": rng.dirichlet(np.ones(4), size=6),
    }[kind]
    vals = []
    for dev in ("cpu", device):
        loss_fn = make()
        if isinstance(loss_fn, nn.Sequential):  # sigmoid then BCE
            fn = lambda a, b, f=loss_fn: f[1].loss(f[0](a), b)  # noqa: E731
        else:
            fn = loss_fn.to(dev)
        xt = ng.tensor(x, device=dev, requires_grad=True)
        out = fn(xt, ng.tensor(target, device=dev).to(xt.dtype) if kind != "index"
                 else ng.tensor(target, device=dev))  # fmt: skip
        assert out.device.type == dev
        out.sum().backward()
        vals.append((_host(out), _host(xt.grad)))
    for a, b in zip(vals[1], vals[0]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_functional_extras(device):
    x = ng.randn(3, 4, device=device)
    assert F.one_hot(ng.tensor([0, 2], device=device), 3).device.type == device
    assert F.dropout(x, 0.5).device.type == device
    assert F.pad(x, (1, 1), mode="circular").device.type == device
    y = ng.nn.utils.clip_grad_norm_([ng.ones(3, device=device, requires_grad=True)], 1.0)
    assert float(y) == 0.0


def test_module_to_moves_parameters_buffers_and_grads(device):
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    m(ng.randn(5, 3)).sum().backward()
    m.to(device)
    assert {t.device.type for t in m.state_dict().values()} == {device}
    m.zero_grad()
    m(ng.randn(5, 3, device=device)).sum().backward()
    assert all(p.grad.device.type == device for p in m.parameters())
    assert m[1].running_mean.device.type == device
    m.to(ng.float64).cpu()
    assert {t.device.type for t in m.state_dict().values()} == {"cpu"}
    assert m[0].weight.dtype == ng.float64


def test_torch_weights_load_into_a_module_on_the_device(device):
    torch.manual_seed(0)
    tm = torch.nn.GRU(3, 4, batch_first=True)
    nm = nn.GRU(3, 4, batch_first=True).to(device)
    nm.load_state_dict(tm.state_dict())  # torch tensors (host) into device parameters
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
    out = nm(ng.tensor(x, device=device))[0]
    np.testing.assert_allclose(_host(out), tm(torch.tensor(x))[0].detach().numpy(), atol=1e-6)


def test_batchnorm_eval_dataset_collate_normal_and_gradcheck(device):
    bn = nn.BatchNorm1d(3).to(device)
    bn(ng.randn(8, 3, device=device))
    bn.eval()
    y = bn(ng.randn(4, 3, device=device))
    assert y.device.type == device
    from nablagrad.utils.data import DataLoader, TensorDataset

    ds = TensorDataset(ng.randn(10, 2, device=device), ng.arange(10, device=device))
    for xb, yb in DataLoader(ds, batch_size=4, collate_fn=None):
        assert xb.device.type == device and yb.device.type == device
    batches = list(DataLoader(list(ds), batch_size=5))  # per-sample collate of device tensors
    assert batches[0][0].device.type == device and tuple(batches[0][0].shape) == (5, 2)
    m = ng.zeros(3, device=device)
    s = ng.normal(m, ng.ones(3, device=device))
    assert s.device.type == device and tuple(s.shape) == (3,)
    x = ng.randn(3, dtype=ng.float64, device=device, requires_grad=True)
    assert ng.autograd.gradcheck(lambda t: (t.sin() * t).sum(), (x,))
    assert ng.autograd.gradgradcheck(lambda t: (t.tanh() ** 2).sum(), (x,))


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma", "digamma"])
def test_special_functions_run_on_the_device(device, name):
    """scipy.special on the CPU, cupyx.scipy.special on CUDA (through the backend)."""
    x = np.linspace(0.1, 0.9, 7)
    res = []
    for dev in ("cpu", device):
        t = ng.tensor(x, device=dev, requires_grad=True)
        y = getattr(ng, name)(t)
        y.sum().backward()
        assert y.device.type == dev and t.grad.device.type == dev
        res.append((_host(y), _host(t.grad)))
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
