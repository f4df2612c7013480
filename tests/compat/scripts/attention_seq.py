"""D2L-style attention (chapter 11 idioms): a masked softmax that assigns through a reshaped
view, scaled dot-product attention with valid lengths, a small encoder that learns to copy the
first token of each sequence, and a transposed-convolution upsampler."""

import math

import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)


def masked_softmax(X, valid_lens):
    """Softmax over the last axis with positions beyond each row's valid length masked."""
    if valid_lens is None:
        return F.softmax(X, dim=-1)
    shape = X.shape
    if valid_lens.dim() == 1:
        valid_lens = torch.repeat_interleave(valid_lens, shape[1])
    else:
        valid_lens = valid_lens.reshape(-1)
    X = X.reshape(-1, shape[-1])  # a view: the assignment below must reach the scores
    mask = torch.arange(shape[-1], dtype=torch.float32)[None, :] < valid_lens[:, None]
    X[~mask] = -1e6
    return F.softmax(X.reshape(shape), dim=-1)


class DotAttention(nn.Module):
    def __init__(self, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens=None):
        d = queries.shape[-1]
        scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class CopyFirst(nn.Module):
    """Predict every sequence's first token at every position, through attention."""

    def __init__(self, vocab, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, hidden)
        self.pos = nn.Parameter(torch.randn(1, 8, hidden) * 0.1)
        self.W_q = nn.LazyLinear(hidden)
        self.W_k = nn.LazyLinear(hidden)
        self.W_v = nn.LazyLinear(hidden)
        self.attention = DotAttention(0.0)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, X, valid_lens):
        H = self.embedding(X) + self.pos[:, : X.shape[1]]
        ctx = self.attention(self.W_q(H), self.W_k(H), self.W_v(H), valid_lens)
        return self.out(ctx)


weights = masked_softmax(torch.rand(2, 2, 4), torch.tensor([2, 3]))
assert torch.allclose(weights[0, :, 2:], torch.zeros(2, 2)), weights
assert torch.allclose(weights.sum(-1), torch.ones(2, 2))

vocab, n = 10, 128
X = torch.randint(0, vocab, (n, 8))
valid = torch.randint(3, 9, (n,))
Y = X[:, :1].expand(-1, 8)
model = CopyFirst(vocab, 32)
opt = torch.optim.Adam(model.parameters(), lr=0.02)
first = None
for _step in range(80):
    logits = model(X, valid)
    loss = F.cross_entropy(logits.reshape(-1, vocab), Y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    first = loss.item() if first is None else first
assert loss.item() < 0.3 * first, (first, loss.item())

up = nn.ConvTranspose2d(4, 2, kernel_size=4, stride=2, padding=1)
img = torch.randn(3, 4, 5, 5, requires_grad=True)
out = up(img)
assert out.shape == (3, 2, 10, 10), out.shape
out.sum().backward()
assert img.grad.shape == img.shape
print("OK attention loss", round(first, 3), "->", round(loss.item(), 3))
