"""A PyTorch script in the style of D2L: synthetic regression, LazyLinear, SGD made first."""

import sys

import torch
from torch import nn
from torch.utils import data

torch.manual_seed(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
true_w, true_b = torch.tensor([2.0, -3.4]), 4.2
X = torch.randn(size=(500, 2))
y = (X @ true_w + true_b + 0.01 * torch.randn(size=(500,))).reshape(-1, 1)
loader = data.DataLoader(data.TensorDataset(X, y), batch_size=32, shuffle=True)

net = nn.Sequential(nn.LazyLinear(1))
net[0].weight.data.normal_(0, 0.01)  # a no-op on an uninitialized parameter, as in torch
trainer = torch.optim.SGD(net.parameters(), lr=0.1)  # built before the first forward
loss = nn.MSELoss()
for _epoch in range(5):
    for xb, yb in loader:
        trainer.zero_grad()
        loss(net(xb), yb).backward()
        trainer.step()
w, b = net[0].weight.data.reshape(-1), net[0].bias.data
assert type(net[0]) is nn.Linear, type(net[0])
assert (w - true_w).abs().max() < 0.05 and abs(float(b) - true_b) < 0.05, (w, b)
print("OK linreg", [round(v, 2) for v in w.tolist()], round(float(b), 2))
