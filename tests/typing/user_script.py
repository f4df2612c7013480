"""A user's script: type checkers must accept it (tests/typing/test_mypy.py runs mypy on it)."""

import nablagrad as torch
from nablagrad import Tensor, nn

x = torch.randn(3, 4, requires_grad=True)
w = torch.tensor([1.0, 2.0, 3.0, 4.0])
y: Tensor = (x * 2 + 1) / 3 - x**2
z = y.exp().sum(dim=1).mean()
z.backward()
a: Tensor = x @ w
b: Tensor = -x.abs().sqrt() + x.clamp(min=0.0).relu() - abs(x)
c: Tensor = x.reshape(12).unsqueeze(0).transpose(0, 1).T
d: Tensor = 2.0 * x + 1 - x / 2 - 3 // (x.detach() + 5)
e: Tensor = x.softmax(dim=-1).log() + x.log_softmax(-1).tanh().sigmoid()
f: Tensor = x[0, 1:3] * x.max() + x.std(dim=0).sum()
mask: Tensor = (x > 0) & (x < 1)
n: float = z.item()
size: int = x.size(0) + x.ndim + x.numel()
grad = x.grad
x.data.normal_(0.0, 0.1)
with torch.no_grad():
    x -= 0.1 * x
    x.mul_(0.5).add_(1.0)
layer = nn.Linear(4, 2)
out: Tensor = layer(x).relu().mean()
print(a, b, c, d, e, f, mask, n, size, grad, out)
