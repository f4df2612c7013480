"""D2L's GPU training code (chapter 7's ``train_ch6`` with ``try_gpu``, ``Accumulator``,
``accuracy`` and ``evaluate_accuracy_gpu``, written as the book writes them) on the device:
with the fake CUDA device "cuda" is found, everything moves there, and the run gives the
CPU's losses and accuracies."""

import numpy as np

import nablagrad as torch
from nablagrad import nn


def try_gpu(i=0):
    if torch.cuda.device_count() >= i + 1:
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")


class Accumulator:
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx):
        return self.data[idx]


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy_gpu(net, data_iter, device=None):
    if isinstance(net, nn.Module):
        net.eval()
        if not device:
            device = next(iter(net.parameters())).device
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            if isinstance(X, list):
                X = [x.to(device) for x in X]
            else:
                X = X.to(device)
            y = y.to(device)
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


def train_ch6(net, train_iter, test_iter, num_epochs, lr, device):
    def init_weights(m):
        if type(m) is nn.Linear or type(m) is nn.Conv2d:
            nn.init.xavier_uniform_(m.weight)

    net.apply(init_weights)
    net.to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    history = []
    for _epoch in range(num_epochs):
        metric = Accumulator(3)
        net.train()
        for X, y in train_iter:
            optimizer.zero_grad()
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)  # noqa: E741 - the book's name
            l.backward()
            optimizer.step()
            with torch.no_grad():
                metric.add(l * X.shape[0], accuracy(y_hat, y), X.shape[0])
        test_acc = evaluate_accuracy_gpu(net, test_iter)
        history.append((metric[0] / metric[2], metric[1] / metric[2], test_acc))
    assert next(iter(net.parameters())).device == device
    return history


def _run(device_fn):
    torch.manual_seed(0)
    g = np.random.default_rng(0)
    X = torch.tensor(g.standard_normal((192, 1, 28, 28)).astype(np.float32))
    y = torch.tensor(
        (X.mean(axis=(1, 2, 3)) > 0).long().numpy() + 2 * (X[:, 0, 0, 0] > 0).long().numpy()
    )
    ds = torch.utils.data.TensorDataset(X, y)
    train_iter = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=False)
    test_iter = torch.utils.data.DataLoader(ds, batch_size=64)
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 4),
    )  # fmt: skip
    return train_ch6(net, train_iter, test_iter, 2, 0.9, device_fn())


def test_train_ch6_on_try_gpu(fake_cuda):
    device = try_gpu()
    assert device.type == "cuda" and torch.cuda.device_count() == 1
    on_gpu = _run(try_gpu)
    on_cpu = _run(lambda: torch.device("cpu"))
    np.testing.assert_allclose(on_gpu, on_cpu, rtol=1e-5, atol=1e-6)
