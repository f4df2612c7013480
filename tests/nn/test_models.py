"""models: LeNet5 and MLP state_dicts move between torch and nablagrad with equal outputs."""

import numpy as np
import pytest
import torch
from helpers import assert_close

import nablagrad as ng
from nablagrad.models import MLP, LeNet5


class TorchLeNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Conv2d(1, 6, kernel_size=5, padding=2),
            torch.nn.Sigmoid(),
            torch.nn.AvgPool2d(kernel_size=2, stride=2),
            torch.nn.Conv2d(6, 16, kernel_size=5),
            torch.nn.Sigmoid(),
            torch.nn.AvgPool2d(kernel_size=2, stride=2),
            torch.nn.Flatten(),
            torch.nn.Linear(400, 120),
            torch.nn.Sigmoid(),
            torch.nn.Linear(120, 84),
            torch.nn.Sigmoid(),
            torch.nn.Linear(84, 10),
        )

    def forward(self, x):
        return self.net(x)


def _round_trip(ng_model, t_model, x, atol):
    ng_model.load_state_dict({k: v.numpy() for k, v in t_model.state_dict().items()})
    xt = torch.from_numpy(x)
    xn = ng.tensor(x)
    assert_close(ng_model(xn), t_model(xt), atol, atol, "outputs after torch -> nablagrad")
    # and back: a fresh torch model with nablagrad's weights
    fresh = type(t_model)() if isinstance(t_model, TorchLeNet) else None
    if fresh is not None:
        fresh.load_state_dict(
            {k: torch.from_numpy(v.numpy().copy()) for k, v in ng_model.state_dict().items()}
        )
        assert_close(ng_model(xn), fresh(xt), atol, atol, "outputs after nablagrad -> torch")


def test_lenet5_state_dict_with_torch_and_gradients():
    torch.manual_seed(0)
    t = TorchLeNet()
    m = LeNet5()
    x = np.random.default_rng(0).standard_normal((3, 1, 28, 28)).astype(np.float32)
    _round_trip(m, t, x, 1e-5)
    y = np.array([1, 7, 3])
    loss_n = ng.nn.CrossEntropyLoss()(m(ng.tensor(x)), ng.tensor(y))
    loss_t = torch.nn.CrossEntropyLoss()(t(torch.from_numpy(x)), torch.from_numpy(y))
    loss_n.backward()
    loss_t.backward()
    tp = dict(t.named_parameters())
    for name, p in m.named_parameters():
        assert_close(p.grad, tp[name].grad, 1e-5, 1e-4, name)


def test_lenet5_max_relu_variant_and_bad_input():
    m = LeNet5(activation="relu", pool="max")
    assert m(ng.randn(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(RuntimeError, match=r"\(N, 1, 28, 28\), got \(2, 784\)"):
        m(ng.randn(2, 784))


@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_mlp_matches_torch_sequential(activation):
    torch.manual_seed(1)
    act = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "gelu": torch.nn.GELU}[activation]
    t = torch.nn.Sequential(
        torch.nn.Linear(6, 16),
        act(),
        torch.nn.Dropout(0.2),
        torch.nn.Linear(16, 8),
        act(),
        torch.nn.Dropout(0.2),
        torch.nn.Linear(8, 3),
    ).eval()
    m = MLP([6, 16, 8, 3], activation=activation, dropout=0.2).eval()
    assert list(m.state_dict()) == list(t.state_dict())
    x = np.random.default_rng(2).standard_normal((5, 6)).astype(np.float32)
    _round_trip(m, t, x, 1e-5)


def test_mlp_rejects_bad_arguments():
    with pytest.raises(ValueError, match="at least two"):
        MLP([4])
    with pytest.raises(ValueError, match="unknown activation"):
        MLP([4, 3, 2], activation="swishy")


def test_mlp_learns_digits():
    """Full-batch SGD on real digits: the loss falls and training accuracy rises."""
    from nablagrad.datasets import digits

    ng.manual_seed(0)
    x, y = digits.load_digits()
    xt, yt = ng.tensor(x[:512]), ng.tensor(y[:512])
    model = MLP([64, 32, 10], activation="relu")
    lossf = ng.nn.CrossEntropyLoss()
    first = lossf(model(xt), yt).item()
    for _ in range(60):
        loss = lossf(model(xt), yt)
        model.zero_grad()
        loss.backward()
        with ng.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
    acc = (model(xt).argmax(1) == yt).float().mean().item()
    assert loss.item() < 0.5 * first and acc > 0.8
