"""D2L-style RNN language model: GRU + LazyLinear head; the head must train (issue 13)."""

import math

import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)
text = "the quick brown fox jumps over the lazy dog " * 12
vocab = sorted(set(text))
ids = torch.tensor([vocab.index(c) for c in text])
num_steps, V = 16, len(vocab)
X = torch.stack([ids[i : i + num_steps] for i in range(0, len(ids) - num_steps - 1, 7)])
Y = torch.stack([ids[i + 1 : i + num_steps + 1] for i in range(0, len(ids) - num_steps - 1, 7)])


class RNNLM(nn.Module):
    def __init__(self, num_hiddens):
        super().__init__()
        self.rnn = nn.GRU(V, num_hiddens)
        self.linear = nn.LazyLinear(V)

    def forward(self, X, state=None):
        emb = F.one_hot(X.T, V).type(torch.float32)
        out, state = self.rnn(emb, state)
        return self.linear(out).swapaxes(0, 1), state


model = RNNLM(32)
for name in model.rnn._flat_weights_names:  # D2L's seq2seq init walks these
    if "weight" in name:
        nn.init.xavier_uniform_(model.rnn._parameters[name])
opt = torch.optim.SGD(model.parameters(), lr=8.0)
head = model.linear.weight
first = last = None
for _epoch in range(30):
    logits, _ = model(X)
    loss = F.cross_entropy(logits.reshape(-1, V), Y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    first = first if first is not None else (head.detach().clone(), loss.item())
    last = loss.item()
assert head is model.linear.weight and (head - first[0]).abs().sum() > 0, "head never trained"
assert last < 0.8 * first[1], (first[1], last)
print("OK rnnlm perplexity", round(math.exp(last), 2))
