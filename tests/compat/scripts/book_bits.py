"""Small calls from the book's library and chapters: meshgrid, sinh/cosh, distributions."""

import torch
from torch.distributions.multinomial import Multinomial

x1, x2 = torch.meshgrid(torch.arange(-5.5, 1.0, 0.1), torch.arange(-3.0, 1.0, 0.1), indexing="ij")
assert x1.shape == (65, 40)
c = torch.tensor(0.15 * torch.pi)
f = lambda x: x * torch.cos(c * x)  # noqa: E731
assert abs(float(torch.sinh(torch.tensor(1.0))) - 1.1752) < 1e-4
assert abs(float(torch.cosh(torch.tensor(0.0))) - 1.0) < 1e-6
counts = Multinomial(1000, torch.tensor([1 / 6] * 6)).sample()
assert counts.sum() == 1000
n = torch.distributions.Normal(0.0, 1.0)
assert abs(float(n.log_prob(torch.tensor(0.0))) + 0.9189) < 1e-3
print("OK bits", f(torch.tensor(2.0)).item() != 0)
