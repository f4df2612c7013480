"""Code written for PyTorch (Dive into Deep Learning style) runs unchanged on nablagrad.

Each function takes the library module as ``torch`` and is run with both; results must agree.
"""

from __future__ import annotations

import numpy as np
import torch as real_torch

import nablagrad

RNG = np.random.default_rng(0)
FEATURES = RNG.standard_normal((200, 2)).astype(np.float32)
LABELS = (FEATURES @ np.array([[2.0], [-3.4]], np.float32) + 4.2).astype(np.float32)


def linreg_scratch(torch):
    features, labels = torch.tensor(FEATURES), torch.tensor(LABELS)
    w = torch.zeros((2, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)

    def linreg(X, w, b):
        return torch.matmul(X, w) + b

    def squared_loss(y_hat, y):
        return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2

    def sgd(params, lr, batch_size):
        with torch.no_grad():
            for param in params:
                param -= lr * param.grad / batch_size
                param.grad.zero_()

    for _ in range(3):
        for i in range(0, 200, 10):
            idx = torch.tensor(list(range(i, i + 10)))
            l = squared_loss(linreg(features[idx], w, b), labels[idx])
            l.sum().backward()
            sgd([w, b], 0.03, 10)
    with torch.no_grad():
        final = squared_loss(linreg(features, w, b), labels).mean()
    return [w.detach(), b.detach(), final, f"{final:.4f}"]


def concise_training(torch):
    from_lib = torch.nn
    net = from_lib.Sequential(from_lib.Linear(2, 1))
    net[0].weight.data.fill_(0.01)
    net[0].bias.data.fill_(0)
    loss = from_lib.MSELoss()
    trainer = torch.optim.SGD(net.parameters(), lr=0.03)
    X, Y = torch.tensor(FEATURES), torch.tensor(LABELS)
    for _ in range(2):
        for i in range(0, 200, 20):
            l = loss(net(X[i : i + 20]), Y[i : i + 20])
            trainer.zero_grad()
            l.backward()
            trainer.step()
    return [net[0].weight.data, net[0].bias.data, loss(net(X), Y).detach()]


def softmax_pieces(torch):
    X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    y = torch.tensor([0, 2])
    y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    X_exp = torch.exp(X)
    return [
        X.sum(0, keepdim=True),
        X_exp / X_exp.sum(1, keepdim=True),
        y_hat[[0, 1], y],
        -torch.log(y_hat[range(len(y_hat)), y]),
        (y_hat.argmax(axis=1).type(y.dtype) == y).type(y.dtype).sum(),
    ]


def corr2d_learning(torch):
    def corr2d(X, K):
        h, w = K.shape
        Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
        return Y

    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    Y = corr2d(X, torch.tensor([[1.0, -1.0]]))
    conv2d = torch.nn.Conv2d(1, 1, kernel_size=(1, 2), bias=False)
    conv2d.weight.data.fill_(0.5)
    X, Y = X.reshape((1, 1, 6, 8)), Y.reshape((1, 1, 6, 7))
    for _ in range(10):
        l = (conv2d(X) - Y) ** 2
        conv2d.zero_grad()
        l.sum().backward()
        conv2d.weight.data[:] -= 3e-2 * conv2d.weight.grad
    return [Y, conv2d.weight.data.reshape((1, 2))]


def test_d2l_snippets_agree_with_torch():
    for fn in (linreg_scratch, concise_training, softmax_pieces, corr2d_learning):
        ours, theirs = fn(nablagrad), fn(real_torch)
        for a, b in zip(ours, theirs):
            if isinstance(a, str):
                assert a == b, fn.__name__
                continue
            np.testing.assert_allclose(
                np.asarray(a.tolist(), float),
                np.asarray(b.tolist(), float),
                rtol=1e-4,
                atol=1e-5,
                err_msg=fn.__name__,
            )
