"""D2L-style image pipeline: torchvision data set + transforms, a lazy LeNet with batch norm."""

import sys

import torch
import torchvision
from torch import nn
from torch.nn import functional as F
from torchvision import transforms

root = sys.argv[1]
torch.manual_seed(0)
trans = transforms.Compose([transforms.Resize((28, 28)), transforms.ToTensor()])
train = torchvision.datasets.FashionMNIST(root=root, train=True, transform=trans, download=True)
loader = torch.utils.data.DataLoader(train, batch_size=16, shuffle=True)

net = nn.Sequential(
    nn.LazyConv2d(6, kernel_size=5, padding=2), nn.LazyBatchNorm2d(), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(), nn.LazyLinear(32), nn.LazyBatchNorm1d(), nn.ReLU(), nn.LazyLinear(10),
)  # fmt: skip
net(torch.zeros(size=(2, 1, 28, 28)))  # D2L's apply_init pattern: a dummy batch first
for m in net.modules():
    if type(m) in (nn.Linear, nn.Conv2d):
        nn.init.xavier_uniform_(m.weight)
opt = torch.optim.Adam(net.parameters(), lr=0.01)
losses = []
for _epoch in range(3):
    for X, y in loader:
        opt.zero_grad()
        loss = F.cross_entropy(net(X), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
assert losses[-1] < losses[0], losses
net.eval()
with torch.no_grad():
    acc = net(torch.stack([train[i][0] for i in range(32)])).argmax(1) == train.targets[:32]
print("OK lenet", round(losses[0], 3), round(losses[-1], 3), float(acc.float().mean()))
